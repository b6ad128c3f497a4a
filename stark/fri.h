/* FRI over the cubic extension (internal to the stark engine).
 *
 * Codewords are evaluations in bit-reversed order on cosets, so the 2^k
 * elements folded together are adjacent. Layer l has 2^layer_log[l]
 * elements and is committed as a matrix of 2^(layer_log - k) rows of 2^k
 * extension elements (3 * 2^k base elements). Folding by 2^k with challenge
 * beta equals k binary folds with beta, beta^2, beta^4, ...; a binary fold of
 * the pair (f(x), f(-x)) is (f(x) + f(-x))/2 + beta (f(x) - f(-x))/(2x).
 * After a layer is folded, the DEEP codeword of the tables whose LDE has the
 * new size is added with weight beta^(2^k) (Plonky3's roll-in). The last
 * codeword is sent as the coefficients of its polynomial.
 */
#ifndef CAIRN_STARK_FRI_H
#define CAIRN_STARK_FRI_H

#include "stark_internal.h"
#include "vctx.h"

typedef struct {
    unsigned nlayers;
    gl3_t *layer[STARK_MAX_LAYERS]; /* owned, except layer[0] (the caller's) */
    mt_tree *tree[STARK_MAX_LAYERS];
} fri_prover;

/* Commit phase. ro[h] is the DEEP codeword of LDE size 2^h (NULL if no
 * table has that size); ro[s->log_l0] must exist. Absorbs roots and the
 * final polynomial, writes roots and final_poly into pf. tp: test-only
 * tampering (stark_internal.h), NULL normally. */
cairn_err fri_commit(fri_prover *f, const stark_shape *s, gl3_t *const *ro, transcript *tr,
                     stark_proof *pf, const stark_tamper *tp);

/* Opens query index i (< 2^log_l0) in every layer into pf's query q. */
cairn_err fri_open(const fri_prover *f, const stark_shape *s, stark_proof *pf, unsigned q,
                   uint32_t index);
void fri_prover_free(fri_prover *f);

/* ---- verifier side (over vctx) ---- */

/* Challenge state of the commit phase as seen by the verifier. */
typedef struct {
    ve beta[STARK_MAX_LAYERS];
    vb root[STARK_MAX_LAYERS][P2_DIGEST];
    ve final_poly[1u << 8];
} fri_vstate;

/* Checks one query: idx_bits are the log_l0 bits of the index (LSB
 * first); y the query's points (fri_query_points); ro_at[h] the verifier's
 * DEEP value for LDE size 2^h at this index (only the sizes that exist). */
void fri_verify_query(vctx *c, const stark_shape *s, const fri_vstate *st, const vb *idx_bits,
                      const vb *y, const ve *ro_at, const ve *vals, const vb *paths, unsigned q);

/* The points of one query index (idx_bits: its l0 bits) on every smaller
 * domain: y[h] = w_h^bitrev_h(index >> (l0 - h)) for hmin <= h <= l0 (the
 * point without shift of the index's row in an LDE of size 2^h, and of
 * its position in a FRI layer of that size). One select per index bit for
 * y[l0], then y[h - 1] = y[h]^2: bitrev_h of the high h bits of the index
 * is bitrev_l0(index) mod 2^h, and w_h = w_l0^(2^(l0 - h)). */
void fri_query_points(vctx *c, vb *y, const vb *idx_bits, unsigned l0, unsigned hmin);

/* Merkle verification over vctx, mirroring mt_verify: dims are (height,
 * width) of the tree's matrices, bits the index bits (log of the largest
 * height, LSB first). */
void vmt_verify(vctx *c, const vb root[P2_DIGEST], const mt_dims *dims, unsigned nmats,
                const vb *bits, const vb *const *rows, const vb *path, const char *what,
                unsigned q);
void vhash(vctx *c, vb out[P2_DIGEST], const vb *in, size_t n);
/* The same sponge continued from state st (updated) over the last n
 * elements of a longer input whose earlier blocks st has absorbed
 * (n >= 1; the capacity already holds the whole input's length). */
void vhash_from(vctx *c, vb out[P2_DIGEST], vb st[P2_WIDTH], const vb *in, size_t n);
void vcompress(vctx *c, vb out[P2_DIGEST], const vb *l, const vb *r);

#endif
