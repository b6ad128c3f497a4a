/* The p2 table of the RV32IM segment AIR (docs/rv-air.md) and what its
 * callers use: every Poseidon2 permutation a segment needs (page digests,
 * Merkle nodes, state digests, journal blocks) is proved once in `p2` and
 * reached over the bus RV_BUS_P2 with the tuple (in[0..11], out[0..11]).
 *
 * Table `p2`, one permutation per row, RV_P2_NCOLS = 249 main columns:
 *   in[12]    at RV_P2_COL_IN    the permutation input
 *   p2[236]   at RV_P2_COL_GADGET the p2_air gadget (stark/p2_air.h)
 *   mult      at RV_P2_COL_MULT  how many sends of (in, out) the row answers
 * It receives (in, Poseidon2(in)) with multiplicity mult. The permutation
 * constraints hold on every row; unused rows permute the zero state with
 * mult 0. The height is chosen by the machine's shape (rv_air_heights),
 * not by the table (it has no preprocessed columns).
 *
 * Callers send (in, out) with rv_p2_send. The sponge of p2_hash (p2.h:
 * length in capacity element 8, overwrite-mode absorption of 8 elements
 * per permutation, 10* padding, digest = state[0..3]) is built from absorb
 * steps, one permutation each. Per step the caller commits
 *   cap[4]   the capacity entering the step, and
 *   out[12]  the state the permutation leaves (out[0..3] of the last step
 *            is the digest; out[8..11] is the next step's capacity),
 * and supplies the block from its own columns (the message elements);
 * rv_p2_absorb adds the padding constants of a final partial block. The
 * capacity is tied down by rv_p2_sponge_start (first step: (len, 0, 0, 0))
 * and rv_p2_sponge_chain (later steps: the previous step's out[8..11],
 * which may be on the same row or, through offset-1 columns, on the next).
 * A caller whose capacity expressions are already at hand on the row may
 * pass them as cap directly and skip the columns and both constraints.
 * p2_compress(l, r) is one rv_p2_send of (l || r || 0^4, out) with
 * digest out[0..3].
 */
#ifndef CAIRN_VM_RV_AIR_P2_H
#define CAIRN_VM_RV_AIR_P2_H

#include <stddef.h>
#include <stdint.h>

#include "rv_air_int.h"
#include "stark/p2.h"
#include "stark/p2_air.h"

#define RV_P2_CAP (P2_WIDTH - P2_RATE) /* capacity elements: 4 */

enum {
    RV_P2_COL_IN = 0,
    RV_P2_COL_GADGET = P2_WIDTH,
    RV_P2_COL_MULT = P2_WIDTH + P2_AIR_NCOLS,
    RV_P2_NCOLS = RV_P2_COL_MULT + 1
};

/* One permutation a caller needs, and how many sends of it there are. */
typedef struct {
    gl_t in[P2_WIDTH];
    uint32_t mult;
} rv_p2_call;

/* A growing list of calls, filled while caller rows are filled. Start from
 * a zeroed struct; rv_p2_calls_free releases v (accepts a zeroed struct). */
typedef struct {
    rv_p2_call *v;
    size_t n, cap;
} rv_p2_calls;

void rv_p2_calls_free(rv_p2_calls *c);

/* out = Poseidon2(in), appended to c as a call with multiplicity 1
 * (identical calls are not merged: each is its own row). */
cairn_err rv_p2_record(rv_p2_calls *c, gl_t out[P2_WIDTH], const gl_t in[P2_WIDTH]);

/* Adds the table "p2" (0 preprocessed, RV_P2_NCOLS main columns) with its
 * receive; NULL on error (recorded in m, reported by air_machine_finish). */
air_table *rv_p2_table_add(air_machine *m);

/* Writes all 2^log_n rows of the table (main: 2^log_n x RV_P2_NCOLS,
 * row-major, owned by the caller): row i < ncalls is calls[i], the rest
 * permute zeros with mult 0. CAIRN_ERR_LIMIT if ncalls > 2^log_n. */
cairn_err rv_p2_table_fill(gl_t *main, unsigned log_n, const rv_p2_call *calls, size_t ncalls);

/* ---- caller side ---- */

/* Sends (in, out) on RV_BUS_P2 with multiplicity sel: out = Poseidon2(in).
 * in, out: degree <= 1 (the LogUp term has degree tuple + 1). */
void rv_p2_send(air_machine *m, air_table *t, air_expr sel, const air_expr in[P2_WIDTH],
                const air_expr out[P2_WIDTH]);

/* Permutations of p2_hash of len elements: 1 for len 0, else ceil(len/8). */
static inline size_t rv_p2_hash_steps(size_t len) { return len == 0 ? 1 : (len + P2_RATE - 1) / P2_RATE; }

/* One absorb step: sends ((block, cap), out) with multiplicity sel, where
 * block is msg[0..take) followed, if take < 8, by 1 and zeros (take is the
 * number of message elements left for the step, capped at 8: only the
 * last step of a sponge has take < 8, and a len-0 sponge has one step of
 * take 0). */
void rv_p2_absorb(air_machine *m, air_table *t, air_expr sel, const air_expr *msg, unsigned take,
                  const air_expr cap[RV_P2_CAP], const air_expr out[P2_WIDTH]);

/* sel * (cap - (len, 0, 0, 0)) = 0: the first step of a sponge over len
 * elements (constraints "p2 sponge length", "p2 sponge start"). */
void rv_p2_sponge_start(air_machine *m, air_table *t, air_expr sel, const air_expr cap[RV_P2_CAP],
                        air_expr len);

/* sel * (cap - prev_out[8..11]) = 0: a later step continues the sponge
 * from the state the previous step left ("p2 sponge chain"). */
void rv_p2_sponge_chain(air_machine *m, air_table *t, air_expr sel, const air_expr cap[RV_P2_CAP],
                        const air_expr prev_out[P2_WIDTH]);

/* The same steps on values, for the caller's fill: rv_p2_sponge_init sets
 * the state of a sponge over len elements; rv_p2_absorb_fill overwrites the
 * rate with the (padded) block, records the permutation in calls and
 * leaves its output in st. Before the step st[8..11] is the step's cap;
 * after it st is the step's out. */
void rv_p2_sponge_init(gl_t st[P2_WIDTH], uint64_t len);
cairn_err rv_p2_absorb_fill(rv_p2_calls *calls, gl_t st[P2_WIDTH], const gl_t *msg, unsigned take);

#endif
