/* The recursion VM's AIR (DESIGN.md "Recursion", issue 10): the STARK
 * machine that proves one execution of one recursion program (rc.h), its
 * trace generator, and prove / verify. docs/recursion.md ("The AIR")
 * lists every table, column and constraint.
 *
 * One machine per program: the program's shape (which instruction sits in
 * which row, the variable addresses, how often each variable is read, the
 * constants) is in preprocessed columns, so the verifying key commits to
 * the program, and every table height is fixed by it. Instructions talk
 * over one LogUp bus, the write-once memory: the defining row sends
 * (var, value) with multiplicity = the number of reads of var, every read
 * receives (var, value) once. A private `input` that some p2 row reads
 * has no row: the first p2 input lane that reads it defines it (sends
 * its value for the other reads), a layout choice of the AIR alone.
 *
 * Public values: the caller states how many leading witness elements are
 * public (npub; for a recorded verifier, the inner proof's public values,
 * docs/recursion.md "Witness layout"). The proof's boundary terms send
 * public value i to the address p - 1 - i (no variable's), and the input
 * row of public value i copies it into its variable, so the bus balances
 * only if every read of them sees the public value.
 */
#ifndef CAIRN_RECURSION_RC_AIR_H
#define CAIRN_RECURSION_RC_AIR_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "rc.h"
#include "stark/p2_air.h"
#include "stark/stark.h"

/* Tables, in the machine's order. */
enum { RC_TAB_BASE, RC_TAB_EXT, RC_TAB_BITS, RC_TAB_P2, RC_TAB_PARTS, RC_TAB_DEEP, RC_AIR_NTABLES };

/* The memory bus id; its tuples are (var, v0, v1, v2), base values as
 * (var, x, 0, 0). */
#define RC_AIR_BUS_MEM 1

/* Main columns of each table (docs/recursion.md "The AIR"). */
enum { RC_BASE_A, RC_BASE_B, RC_BASE_C, RC_BASE_OUT, RC_BASE_Z, RC_BASE_NMAIN };
/* ext: operands a, b, c, out, e_horner2's fourth and fifth operands d
 * (ext) and e (base), and e_inv's zero flag z in e's column: only
 * e_horner2 reads e on the bus (its read flag, preprocessed) and only
 * e_inv's rules read z, so the two never meet in a row. 16 columns hash
 * in two permutations per row (rate 8) where 17 took three. */
enum {
    RC_EXT_A = 0, RC_EXT_B = 3, RC_EXT_C = 6, RC_EXT_OUT = 9, RC_EXT_D = 12, RC_EXT_E = 15,
    RC_EXT_Z = RC_EXT_E, RC_EXT_NMAIN = 16
};
/* bits: one row per bit, RC_BITS_ROWS rows per decomposition (row k holds
 * bit k): the bit b, the running sum acc = sum_{j <= k} b_j 2^j (acc of the
 * last row is x), lo = the low 32 bits' sum (rows 31..63), and on the last
 * row the canonicity helpers t and w = (acc - lo + 1) t */
enum { RC_BITS_B, RC_BITS_ACC, RC_BITS_LO, RC_BITS_T, RC_BITS_W, RC_BITS_NMAIN };
#define RC_BITS_ROWS 64
/* p2: in[12] as read (permute_swap: its 12 inputs), the gadget (its
 * degree-7 layout, one column per S-box: RC_P2_AIR), the direction bit s
 * (0 on permute rows) and d[4] = s (in[4 + i] - in[i]), which exchanges
 * the two children in-row: the gadget permutes (in[0..4) + d,
 * in[4..8) - d, in[8..12)). The recursion machine allows degree 7 for it
 * (RC_AIR_MAX_DEGREE; the other tables keep degree 3). */
enum {
    RC_P2_IN = 0, RC_P2_GADGET = P2_WIDTH, RC_P2_S = P2_WIDTH + P2_AIR_NCOLS7, RC_P2_D,
    RC_P2_NMAIN = RC_P2_D + P2_DIGEST
};
#define RC_P2_AIR ((p2_air){RC_P2_GADGET, 1})
#define RC_AIR_MAX_DEGREE 7
enum { RC_PARTS_C = 0, RC_PARTS_NMAIN = 3 };
/* deep: e_mul_base_add2, out = c + a b + d e with a, c, d, out extension
 * elements and b, e base elements: the verifier's DEEP sums (two opened
 * values a row). They are about half of a lift's or join's extension
 * rows; in a table of their own, 14 columns wide, they let ext stay at
 * 2^16 rows where it needed 2^17 (docs/recursion.md "Tables"). The same
 * sum for the FRI final polynomial's Horner steps is e_horner2, in ext,
 * so that a join's deep rows fit 2^15 */
enum {
    RC_DEEP_A = 0, RC_DEEP_B = 3, RC_DEEP_C = 4, RC_DEEP_D = 7, RC_DEEP_E = 10, RC_DEEP_OUT = 11,
    RC_DEEP_NMAIN = 14
};

typedef struct rc_air rc_air;

/* A shape: the log height of every table (RC_AIR_NTABLES, table order).
 * Every recursion proof of one shape has these heights, whatever program
 * it runs (the program is padded with no-op rows: every flag and
 * multiplicity 0), so a verifier recorded for one shape verifies proofs
 * of every program of that shape (docs/recursion.md "Shapes"). */
typedef struct {
    const char *name;
    unsigned log_n[RC_AIR_NTABLES];
} rc_shape;

/* The named shape (static storage); CAIRN_ERR_USAGE naming the shapes
 * there are for an unknown name. */
cairn_err rc_shape_find(const rc_shape **out, const char *name);

/* The parameters of recursion proofs of a shape (named, as
 * rc_shape_find) for a preset (stark_params_preset's names): for a proven
 * preset (proven-100) the recursion layer's own blowup, grinding and FRI
 * shape (rc_air.c: blowup 4, arity 8, 2^7 final coefficients) with the
 * fewest queries that give the preset's proven bits (stark_security)
 * on the recursion machine at the shape's heights; other presets as
 * stark_params_preset gives them. *sec (may be NULL) gets the security of
 * the result. What lift and join proofs of the shape use. */
cairn_err rc_params(stark_params *out, stark_security_bits *sec, const char *preset, const char *shape);
/* rc_params with the blowup 2^log_blowup instead of the layer's (0: the
 * layer's), the queries fitted to it as well: for measuring other points. */
cairn_err rc_params_at(stark_params *out, stark_security_bits *sec, const char *preset,
                       const char *shape, unsigned log_blowup);
/* rc_params_at with FRI folding arity 2^log_arity (0: the layer's) and
 * final polynomial length 2^log_final_len (STARK_PARAMS_KEEP: the layer's)
 * as well, the queries fitted to them: for measuring other FRI shapes. */
cairn_err rc_params_fri(stark_params *out, stark_security_bits *sec, const char *preset,
                        const char *shape, unsigned log_blowup, unsigned log_arity,
                        unsigned log_final_len);

/* Builds the machine of program p with the first npub witness elements
 * public, and its keys for params. p must outlive the result (it is not
 * copied). CAIRN_ERR_USAGE if npub > STARK_MAX_PUB, if one of the first
 * npub witness elements is not read by an `input` instruction (an
 * `e_input` straddles it), or if a public variable is never read (nothing
 * would bind it). */
cairn_err rc_air_build(rc_air **out, const rc_program *p, unsigned npub, const stark_params *params);
/* rc_air_build with every table at the height of the named shape (NULL:
 * the rows the program needs, as rc_air_build). A program that needs more
 * rows in some table than the shape has is refused: CAIRN_ERR_LIMIT
 * naming the shape, the table and the rows. Two programs built with one
 * shape, one npub and one params have one constraint system: their keys
 * differ only in the preprocessed root (and the key digest over it). */
cairn_err rc_air_build_shape(rc_air **out, const rc_program *p, unsigned npub, const char *shape,
                             const stark_params *params);
void rc_air_free(rc_air *a); /* accepts NULL */

/* The machine rc_air_build_shape builds for every program of the named
 * shape with npub public values, but with zero preprocessed values
 * instead of a program's (untouched pages): a verifier's. The key
 * stark_vk_from_root gives for it, rc_params and a program's preprocessed
 * root is that program's rc_air_vk (same digest: tests/recursion
 * test_rc_fold (d)). Free with air_machine_free. */
cairn_err rc_air_shape_machine(air_machine **out, const char *shape, unsigned npub);

const air_machine *rc_air_machine(const rc_air *a);
const stark_pk *rc_air_pk(const rc_air *a);
const stark_vk *rc_air_vk(const rc_air *a);
unsigned rc_air_npub(const rc_air *a);
const char *rc_air_table_name(unsigned t); /* "?" out of range */
/* Rows the program uses in table t (before padding) and the table's log
 * height (fixed by the program). */
size_t rc_air_rows(const rc_air *a, unsigned t);
unsigned rc_air_log_height(const rc_air *a, unsigned t);
/* Table and row of instruction i: CAIRN_ERR_USAGE if i is out of range.
 * A private input absorbed by a p2 row (the header's comment) is located
 * at that row, table RC_TAB_P2: the row whose first lane that reads the
 * variable defines it; it has no row of its own. */
cairn_err rc_air_locate(unsigned *table, size_t *row, const rc_air *a, size_t i);

/* The traces of one execution (every buffer owned; rc_trace_free). */
typedef struct {
    gl_t *main[RC_AIR_NTABLES];
    stark_trace tr[RC_AIR_NTABLES];
    gl_t pub[STARK_MAX_PUB];
    size_t npub;
} rc_trace;

/* Runs the program on the witness (rc_exec's semantics) and fills every
 * table: inverse zero flags, the 64 bits and the canonicity helper of
 * each decomposition, the Poseidon2 round columns. A failed assertion is
 * CAIRN_ERR_VERIFY naming the instruction and its reason (a verifier that
 * rejected cannot be proven); a witness of the wrong length or with a
 * non-canonical element CAIRN_ERR_USAGE. */
cairn_err rc_air_trace(rc_trace *out, const rc_air *a, const gl_t *witness, size_t n);
void rc_trace_free(rc_trace *t); /* accepts NULL */

/* Trace + stark_prove. *proof (malloc'd, *len bytes) goes to the caller.
 * The proof's public values are witness[0 .. npub).
 *
 * Each calling thread keeps a prover workspace and the tables' main
 * traces between its recursion proofs (stark.h stark_keep, slot
 * STARK_KEEP_RECURSION), so that every lift and join after the first
 * takes no fresh pages: all proofs of one shape have the same heights, and
 * a kept trace serves every smaller one too, so after a lift and a join
 * the kept buffers (each table's at the larger of the fold's two shapes)
 * serve every lift and join (the kernel zeroes fresh pages: 13% of a cold
 * join's CPU time at rc-100, docs/recursion.md "Shapes"). The workspace's
 * budget is the proof's stark_prove_mem, and between proofs the thread
 * holds at most stark_traces_mem at those heights + stark_prove_mem of
 * the larger proof: the proof part of rc_fold_prove_mem, whose figure
 * holds with or without it (tests/recursion/test_rc_fold_mem).
 * The workspace is the thread's one for both kinds of proof (stark.h
 * stark_keep): after a segment proof on the thread it keeps the segment's
 * larger budget, and a lift takes its buffers from the segment's pages.
 * rc_prove_release gives the thread's recursion traces and workspace back
 * to the system (when the thread goes idle); a thread's is freed when it
 * ends. rc_prove_held: what the calling thread's holds now, bytes.
 * rc_prove_ws: with a workspace of the caller's instead (NULL: none, fresh
 * buffers for every proof), its traces freed at the end. Proofs are the
 * same bytes either way. */
cairn_err rc_prove(uint8_t **proof, size_t *len, const rc_air *a, const gl_t *witness, size_t n);
cairn_err rc_prove_ws(uint8_t **proof, size_t *len, const rc_air *a, const gl_t *witness, size_t n,
                      stark_workspace *ws);
void rc_prove_release(void);
size_t rc_prove_held(void);

/* Verifies a recursion proof under a program's key (rc_air_vk of a live
 * rc_air: the key refers to its machine) with public values
 * pub (npub of them); the heights are the key's. CAIRN_ERR_VERIFY /
 * CAIRN_ERR_FORMAT as stark_verify; CAIRN_ERR_USAGE for a key that is not
 * a recursion VM's. */
cairn_err rc_verify(const stark_vk *vk, const gl_t *pub, size_t npub, const uint8_t *proof,
                    size_t len);

#endif
