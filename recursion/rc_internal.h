/* Internal to recursion/: the in-memory form of a program, shared by the
 * parser/encoder (rc_program.c), the executor (rc_exec.c) and the builder
 * (rc_builder.c). */
#ifndef CAIRN_RECURSION_RC_INTERNAL_H
#define CAIRN_RECURSION_RC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"
#include "rc_air.h"

#define RC_MAGIC "CAIRNRCP"
#define RC_VERSION 4u /* 2: permute_swap, e_mul_base_add; 3: e_mul_base_add2; 4: e_horner2 */
/* Largest variable count: indices are u32 and a multi-output instruction
 * defines up to 64 variables past its dst. */
#define RC_MAX_VARS (UINT32_MAX - 128u)
#define RC_MAX_REASON 255u /* bytes of one reason string (vctx_native's buffer) */
#define RC_MAX_ARGS (P2_WIDTH + 1) /* permute_swap: the bit and 12 inputs */

typedef struct {
    uint8_t op;
    uint8_t n;      /* RC_BITS: number of bits (1..64) */
    uint32_t dst;   /* first variable defined (asserts: unused, 0) */
    size_t arg;     /* operands are args[arg .. arg + rc_nargs(op)) */
    uint32_t extra; /* consts: index of the value(s) in imm; asserts: reason */
} rc_instr;

struct rc_program {
    rc_instr *ins;
    size_t nins, cap_ins;
    uint32_t *args;
    size_t nargs, cap_args;
    gl_t *imm;
    size_t nimm, cap_imm;
    char **reasons;
    size_t nreasons, cap_reasons;
    size_t nvars;
    size_t ninputs; /* base witness elements read */
};

/* The input lane that lane k of a permutation takes: permute_swap with
 * bit 1 exchanges lanes 0..3 with 4..7 (the two children of a Merkle
 * node); the executor, the builder and the trace generator share it. */
static inline unsigned rc_swap_lane(unsigned k, int bit)
{
    return bit && k < 2 * P2_DIGEST ? (k + P2_DIGEST) % (2 * P2_DIGEST) : k;
}

/* Per-opcode facts (op < RC_NOPS, op != 0). */
typedef enum { RC_T_NONE = 0, RC_T_BASE = 1, RC_T_EXT = 2 } rc_type;
unsigned rc_nargs(unsigned op);
/* type of operand i */
rc_type rc_arg_type(unsigned op, unsigned i);
/* type and number of the variables defined (n: RC_BITS's bit count) */
rc_type rc_out_type(unsigned op);
unsigned rc_nouts(unsigned op, unsigned n);
/* number of immediates (u64) */
unsigned rc_nimm(unsigned op);

rc_program *rc_program_alloc(void);
/* Appends an instruction (operands copied); CAIRN_ERR_NOMEM. */
cairn_err rc_program_emit(rc_program *p, unsigned op, unsigned n, uint32_t dst,
                          const uint32_t *args, const gl_t *imm, uint32_t extra);
/* Appends a reason string (copied, at most RC_MAX_REASON bytes); its index
 * in *idx. */
cairn_err rc_program_add_reason(rc_program *p, uint32_t *idx, const char *s);

/* rc_exec, with the value of every variable left in v (p->nvars entries,
 * the caller's; base values as (x, 0, 0)): the trace generator's source of
 * values, so that the AIR proves exactly what rc_exec computes. */
cairn_err rc_exec_run(gl3_t *v, rc_exec_result *res, const rc_program *p, const gl_t *witness,
                      size_t n);

/* Test only (tests/recursion/test_rc_air.c): rc_air_trace that fills the
 * tables even when an assertion fails, so that a test can show that the
 * AIR itself rejects a run whose verifier rejected (an assert_eq row does
 * not hold). Here rather than in rc_air.h: nothing else should make such
 * a trace. */
cairn_err rc_air_trace_unchecked(rc_trace *out, const rc_air *a, const gl_t *witness, size_t n);

#endif
