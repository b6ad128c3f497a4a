/* Recursion VM programs (DESIGN.md "Recursion", issue 10): the program
 * format, the program builder (a second backend of stark/vctx.h) and an
 * executor that runs a program on witness values. docs/recursion.md
 * describes the format byte by byte and the constraint each instruction
 * gets in the recursion VM's AIR.
 *
 * A program is straight-line: a list of instructions over a write-once
 * memory of variables 0..nvars-1. Every variable is written exactly once,
 * by the instruction that defines it, before any instruction reads it.
 * A variable is a base-field element or an extension element (3
 * coefficients), as its defining instruction says; operands are type
 * checked. Constants are interned (one variable per value). Witness values
 * are read by RC_INPUT / RC_E_INPUT in program order (an extension input
 * reads 3 base elements, c0 first); the witness of a recorded verifier is
 * the proof's values in the order of stark/verify_rec.h.
 *
 * Invariants of an rc_program (checked by rc_program_parse, guaranteed by
 * the builder): opcodes known; every operand < nvars, defined by an
 * earlier instruction and of the type the opcode needs; every variable
 * defined exactly once; constants canonical (< p); select and
 * permute_swap bits are outputs of RC_BITS or the constants 0 / 1; reason
 * indices in range.
 */
#ifndef CAIRN_RECURSION_RC_H
#define CAIRN_RECURSION_RC_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "stark/p2.h"
#include "stark/stark.h"
#include "stark/vctx.h"

/* Opcodes (the byte values of the encoding; never renumber). Operands in
 * encoding order after the opcode byte; "dst" is the first variable
 * defined, multi-output instructions define dst, dst+1, ... */
typedef enum {
    RC_CONST = 1,       /* dst, imm:u64           dst = imm (base) */
    RC_INPUT = 2,       /* dst                    dst = next witness element */
    RC_ADD = 3,         /* dst, a, b              base a + b */
    RC_SUB = 4,         /* dst, a, b              base a - b */
    RC_MUL = 5,         /* dst, a, b              base a * b */
    RC_INV = 6,         /* dst, a                 1/a, inv(0) = 0 */
    RC_SELECT = 7,      /* dst, bit, a, b         bit ? a : b (bit boolean) */
    RC_BITS = 8,        /* n:u8, dst, x           dst+i = bit i of canonical x, i < n <= 64 */
    RC_E_CONST = 9,     /* dst, imm:u64 x 3       extension constant */
    RC_E_INPUT = 10,    /* dst                    next 3 witness elements */
    RC_E_FROM_BASE = 11, /* dst, a                (a, 0, 0) */
    RC_E_ADD = 12,      /* dst, a, b */
    RC_E_SUB = 13,      /* dst, a, b */
    RC_E_MUL = 14,      /* dst, a, b */
    RC_E_MUL_BASE = 15, /* dst, a (ext), b (base) */
    RC_E_INV = 16,      /* dst, a                 inv(0) = 0 */
    RC_E_SELECT = 17,   /* dst, bit, a, b */
    RC_E_PARTS = 18,    /* dst, a                 dst+i = coefficient i of a, i < 3 */
    RC_PERMUTE = 19,    /* dst, in[12]            dst+i = Poseidon2(in)[i], i < 12 */
    RC_ASSERT_EQ = 20,  /* a, b, reason:u32       base a == b */
    RC_E_ASSERT_EQ = 21, /* a, b, reason:u32      extension a == b */
    RC_PERMUTE_SWAP = 22, /* dst, bit, in[12]     permute with in[0..4), in[4..8) exchanged
                           *                      when bit = 1 (a Merkle path step) */
    RC_E_MUL_BASE_ADD = 23, /* dst, a (ext), b (base), c (ext)   c + a b */
    RC_E_MUL_BASE_ADD2 = 24, /* dst, a (ext), b (base), c (ext), d (ext), e (base)
                              *                   c + a b + d e (two DEEP terms; table deep) */
    RC_E_HORNER2 = 25,  /* dst, a (ext), b (base), c (ext), d (ext), e (base)
                         *                   c + a b + d e (two Horner steps; table ext) */
    RC_NOPS = 26        /* one past the last opcode */
} rc_op;

/* "add", "e_mul", ...; "?" for an unknown opcode. */
const char *rc_op_name(unsigned op);

typedef struct rc_program rc_program;

/* Parses program bytes (untrusted): CAIRN_ERR_FORMAT naming the offset,
 * the instruction and what is wrong (unknown opcode, operand out of range,
 * read before write, written twice, never written, wrong type, ...). On
 * success *out is owned by the caller (rc_program_free). */
cairn_err rc_program_parse(rc_program **out, const uint8_t *bytes, size_t len);
void rc_program_free(rc_program *p); /* accepts NULL */

/* Canonical encoding (malloc'd, the caller frees). Parsing it gives the
 * same program; two equal programs have equal bytes. */
cairn_err rc_program_encode(uint8_t **out, size_t *len, const rc_program *p);

/* Digest of the program: p2_hash over the encoding (docs/recursion.md:
 * the bytes packed 4 to an element, little-endian, after the byte length).
 * The control root commits to key digests, not to this (rc_join.h); the
 * tests use it to compare recorded programs. */
cairn_err rc_program_digest(p2_digest *out, const rc_program *p);

size_t rc_program_ninstrs(const rc_program *p);
size_t rc_program_nvars(const rc_program *p);
size_t rc_program_ninputs(const rc_program *p); /* base witness elements read */
/* Instructions per opcode (counts[RC_NOPS], index = opcode). */
void rc_program_counts(const rc_program *p, size_t counts[RC_NOPS]);

/* ---- executor ---- */

typedef struct {
    int accepted;
    size_t failed_instr;  /* index of the first failed assertion (if rejected) */
    const char *reason;   /* its reason (owned by the program), "" if accepted */
    size_t failures;      /* failed assertions in all */
} rc_exec_result;

/* Runs p on witness (n base elements, each canonical, exactly as many as
 * the program reads: CAIRN_ERR_USAGE otherwise). Every instruction is
 * evaluated with the native field code; a failed assertion does not stop
 * the run (like the native verifier), and the first one is reported:
 * CAIRN_OK if every assertion holds, CAIRN_ERR_VERIFY naming the first
 * failed instruction and its reason otherwise. res (may be NULL) gets the
 * outcome in both cases. */
cairn_err rc_exec(rc_exec_result *res, const rc_program *p, const gl_t *witness, size_t n);

/* ---- builder: the recording backend of stark/vctx.h ----
 * Every operation becomes an instruction; it is also evaluated, so the
 * builder knows whether the recorded run accepted (like vctx_native), and
 * inputs are appended to the witness. */
typedef struct rc_builder rc_builder;

cairn_err rc_builder_new(rc_builder **out);
void rc_builder_free(rc_builder *b); /* accepts NULL */
vctx *rc_builder_vctx(rc_builder *b);
/* Failed assertions so far and the first one's reason ("" if none). */
/* The value a base variable has in the recording (what the program
 * computes on the witness so far); 0 once the builder is finished. */
gl_t rc_builder_value(const rc_builder *b, vb x);
size_t rc_builder_failures(const rc_builder *b);
const char *rc_builder_first_failure(const rc_builder *b);
/* Ends recording: *prog and *witness (n elements, malloc'd) go to the
 * caller. CAIRN_ERR_NOMEM / CAIRN_ERR_LIMIT if recording ran out of memory
 * or variables on the way (vctx operations cannot fail, so the builder
 * remembers it and reports it here). The builder is spent afterwards. */
cairn_err rc_builder_finish(rc_builder *b, rc_program **prog, gl_t **witness, size_t *n);

/* Records the verifier of vk on one proof into b (stark/verify_rec.h),
 * after whatever b holds: parses the proof at the given heights (one per
 * table, never NULL; zero = any) and runs the verifier on b; whether it
 * accepted is rc_builder_failures / rc_builder_first_failure. With
 * pre_root NULL the key enters as constants. With pre_root set, the key
 * is an input (stark_vrec_parse_key): the verifier reads the claimed root
 * *pre_root as 4 witness elements after the public values and computes
 * the key digest in the program; root, digest and pubv (npub entries;
 * each may be NULL) get the variables of the root, the digest and the
 * public values as read, for the caller to constrain (the recorded
 * program does not depend on the root: one program for every key of the
 * inner shape).
 * CAIRN_ERR_FORMAT / CAIRN_ERR_VERIFY for bytes that do not parse for the
 * (claimed) key at the heights. */
cairn_err rc_builder_verify(rc_builder *b, vb root[P2_DIGEST], vb digest[P2_DIGEST], vb *pubv,
                            const stark_vk *vk, const p2_digest *pre_root, const gl_t *pub, size_t npub,
                            const uint8_t *proof, size_t len, const unsigned *log_heights);

/* Ends a recording made with rc_builder_verify and the caller's own
 * instructions: *accepted (and first, may be NULL, >= 256 bytes: the
 * first failed assertion's reason) from the builder, then
 * rc_builder_finish. Frees b in every case; on error nothing goes to the
 * caller. */
cairn_err rc_builder_end(rc_builder *b, rc_program **prog, gl_t **witness, size_t *n, int *accepted,
                         char *first);

/* Records the verifier of vk on one proof (stark/verify_rec.h): parses
 * the proof at the given heights (one per table, never NULL; zero = any),
 * runs the verifier on a builder. *prog, *witness (n elements) go to the
 * caller; *accepted says whether the recorded run accepted, and first
 * (may be NULL, >= 256 bytes) gets the first failed assertion's reason. */
cairn_err rc_record_verifier(rc_program **prog, gl_t **witness, size_t *n, int *accepted,
                             char *first, const stark_vk *vk, const gl_t *pub, size_t npub,
                             const uint8_t *proof, size_t len, const unsigned *log_heights);

#endif
