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
 * Two layouts. Degree 3 (deg7 = 0; P2_AIR_NCOLS = 236 columns from
 * g->first on):
 *   per full round r (8):      x3[12] at full(r), out[12] at full(r) + 12
 *   per partial round p (22):  x3 at part(p), out at part(p) + 1 (lane 0)
 * The S-box x^7 of input u (round constant + linear layer of the previous
 * round's committed outputs, so degree 1) is split as x3 = u^3 and
 * out = x3^2 * u: two constraints of degree 3 per S-box. Two columns per
 * S-box is the least at degree 3 (and at 4 or 5): the next round's input
 * must stay degree 1, so out is a column, and u^7 needs one more.
 * Degree 7 (deg7 = 1; P2_AIR_NCOLS7 = 118 columns): out = u^7, one
 * column and one constraint of degree 7 per S-box,
 *   per full round r (8):      out[12] at first + 12 r
 *   per partial round p (22):  out at first + 96 + p (lane 0)
 * for a table whose machine allows degree 7 (its quotient then has 8
 * chunks on 8n points; stark/air.h "Degrees").
 * The inputs are not columns of the gadget: build takes them as degree-1
 * expressions (columns or linear combinations of the caller's). Lanes
 * that pass no S-box in a partial round stay linear expressions and need
 * no column. The outputs are linear combinations of the last round's out
 * columns.
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
#define P2_AIR_NCOLS7 (P2_AIR_FULL_ROUNDS * P2_WIDTH + P2_AIR_PARTIAL_ROUNDS)

typedef struct {
    unsigned first; /* first of the gadget's consecutive main columns */
    unsigned deg7;  /* 1: the degree-7 layout */
} p2_air;

static inline unsigned p2_air_ncols(const p2_air *g) { return g->deg7 ? P2_AIR_NCOLS7 : P2_AIR_NCOLS; }

/* Degree-3 layout: column of full round r's x3[lane] (out[lane] is 12
 * further) and of partial round p's x3 (out is the next column). */
static inline unsigned p2_air_full_col(const p2_air *g, unsigned r, unsigned lane)
{
    return g->first + r * 2 * P2_WIDTH + lane;
}
static inline unsigned p2_air_part_col(const p2_air *g, unsigned p)
{
    return g->first + P2_AIR_FULL_ROUNDS * 2 * P2_WIDTH + 2 * p;
}
/* Either layout: the S-box output of full round r, lane, and of partial
 * round p. */
static inline unsigned p2_air_full_out(const p2_air *g, unsigned r, unsigned lane)
{
    return g->deg7 ? g->first + r * P2_WIDTH + lane : p2_air_full_col(g, r, lane) + P2_WIDTH;
}
static inline unsigned p2_air_part_out(const p2_air *g, unsigned p)
{
    return g->deg7 ? g->first + P2_AIR_FULL_ROUNDS * P2_WIDTH + p : p2_air_part_col(g, p) + 1;
}

/* Places the degree-3 gadget at main columns first .. first +
 * P2_AIR_NCOLS - 1; returns the number of columns (P2_AIR_NCOLS). */
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
