/* Poseidon2 permutation as an AIR gadget: the columns and constraints that
 * make 12 output expressions equal p2_permute of 12 input expressions on
 * every row of a table. Used by every table that proves permutations (the
 * p2chain example machine, the p2 table of the RV32IM segment AIR).
 *
 * Follows the gadget pattern of vm/rv32im/rv_air_int.h: layout (column
 * indices, before the table exists), build (constraints), fill (witness of
 * one row). No selector: the constraints hold on every row, so rows a
 * table does not use must hold a real permutation (e.g. of the zero state).
 *
 * Columns (P2_AIR_NCOLS = 236, from g->first on):
 *   per full round r (8):      x3[12] at full(r), out[12] at full(r) + 12
 *   per partial round p (22):  x3 at part(p), out at part(p) + 1 (lane 0)
 * The inputs are not columns of the gadget: build takes them as degree-1
 * expressions (columns or linear combinations of the caller's).
 * The S-box x^7 of input u (round constant + linear layer of the previous
 * round's committed outputs, so degree 1) is split as x3 = u^3 and
 * out = x3^2 * u: two constraints of degree 3 per S-box. Lanes that pass no
 * S-box in a partial round stay linear expressions and need no column. The
 * outputs are linear combinations of the last round's out columns.
 */
#ifndef CAIRN_STARK_P2_AIR_H
#define CAIRN_STARK_P2_AIR_H

#include "air.h"
#include "cairn/error.h"
#include "gl.h"
#include "p2.h"

#define P2_AIR_FULL_ROUNDS 8     /* 4 before and 4 after the partial rounds */
#define P2_AIR_PARTIAL_ROUNDS 22
#define P2_AIR_NCOLS (P2_AIR_FULL_ROUNDS * 2 * P2_WIDTH + P2_AIR_PARTIAL_ROUNDS * 2)

typedef struct {
    unsigned first; /* first of the P2_AIR_NCOLS consecutive main columns */
} p2_air;

/* Column of full round r's x3[lane] (out[lane] is 12 further) and of
 * partial round p's x3 (out is the next column). */
static inline unsigned p2_air_full_col(const p2_air *g, unsigned r, unsigned lane)
{
    return g->first + r * 2 * P2_WIDTH + lane;
}
static inline unsigned p2_air_part_col(const p2_air *g, unsigned p)
{
    return g->first + P2_AIR_FULL_ROUNDS * 2 * P2_WIDTH + 2 * p;
}

/* Places the gadget at main columns first .. first + P2_AIR_NCOLS - 1;
 * returns the number of columns (P2_AIR_NCOLS). */
unsigned p2_air_layout(p2_air *g, unsigned first);

/* Adds the round constraints to table t (names contain "S-box" and the
 * round) and writes the 12 output expressions (degree 1) to out. in: 12
 * expressions of degree <= 1 (a higher degree makes air_machine_finish
 * reject the machine). */
void p2_air_build(const p2_air *g, air_machine *m, air_table *t, air_expr out[P2_WIDTH],
                  const air_expr in[P2_WIDTH]);

/* Writes the gadget's columns of one row (row-major, row[col]) for the
 * permutation of in, and the permutation output to out. Checks the result
 * against p2_permute: CAIRN_ERR_INTERNAL if they disagree. */
cairn_err p2_air_fill(const p2_air *g, gl_t *row, gl_t out[P2_WIDTH], const gl_t in[P2_WIDTH]);

#endif
