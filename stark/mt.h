/* Merkle commitments over the rows of one or more row-major matrices
 * (a "mixed matrix commitment", as Plonky3's MMCS).
 *
 * Heights are powers of two. Let H be the largest height. A leaf i of the
 * tree (i < H) is p2_hash of the concatenation of row i of every matrix of
 * height H, in the order the matrices were given. Inner nodes are
 * p2_compress(left, right). At the layer where the number of nodes equals a
 * smaller height h, each node j becomes
 *     p2_compress(node_j, p2_hash(concatenation of row j of the matrices of
 *                                 height h))
 * so matrices of every height are bound into one root. Opening index i
 * (i < H) reveals row i >> (log H - log h) of every matrix and the sibling
 * path. Layers are built in parallel with the batched Poseidon2.
 *
 * Order: matrices may be given in any order of heights; what binds is the
 * order among matrices of the same height (their rows are concatenated in
 * that order). The verifier's dims must list the matrices in the same order
 * as the prover's mats. A matrix may have width 0 (its rows are empty).
 *
 * Several openings (FRI queries) are verified one index at a time with
 * mt_verify; indices may repeat and come in any order, each check is
 * independent.
 */
#ifndef CAIRN_STARK_MT_H
#define CAIRN_STARK_MT_H

#include <stddef.h>

#include "cairn/error.h"
#include "gl.h"
#include "p2.h"

typedef struct {
    const gl_t *data; /* row-major; the tree keeps this pointer, not a copy */
    size_t height;    /* power of two */
    size_t width;
} mt_matrix;

typedef struct mt_tree mt_tree;
typedef struct { size_t height, width; } mt_dims;

/* Builds the tree; the matrices must outlive it. Their elements must be
 * canonical (gl.h). CAIRN_ERR_USAGE for nmats == 0, a height that is not
 * a power of two, or missing data. */
cairn_err mt_commit(mt_tree **out, const mt_matrix *mats, size_t nmats);
void mt_free(mt_tree *t); /* accepts NULL */

/* The same commitment in steps, for a caller that produces its tallest
 * matrices a block of rows at a time and does not keep them whole:
 * mt_commit_begin checks and records the matrices like mt_commit, except
 * that the matrices of the largest height H may all come without data
 * (NULL; all or none of them). Then the caller writes the H leaf digests
 * into mt_leaves(t) (digest i = p2_hash of row i of those matrices,
 * concatenated in order; mt_hash_rows computes it for a block of rows) and
 * mt_commit_finish builds the tree; mt_commit is begin + finish with the
 * leaves hashed from the data. mt_leaves is NULL when the matrices of
 * height H have data. mt_open gives NULL rows for matrices without data.
 * After a failure the tree is still the caller's to mt_free. */
cairn_err mt_commit_begin(mt_tree **out, const mt_matrix *mats, size_t nmats);
p2_digest *mt_leaves(mt_tree *t);
cairn_err mt_commit_finish(mt_tree *t);

/* out[j] = p2_hash of row j of mats[0], row j of mats[1], ... (concatenated),
 * j < nrows, where mats[k].data points at the first of those rows (the
 * heights are not looked at): the leaf digests of a block of rows. */
cairn_err mt_hash_rows(p2_digest *out, const mt_matrix *mats, size_t nmats, size_t nrows);
p2_digest mt_root(const mt_tree *t);
unsigned mt_log_height(const mt_tree *t); /* log2 of the largest height */
size_t mt_num_matrices(const mt_tree *t);
mt_dims mt_matrix_dims(const mt_tree *t, size_t k); /* k < mt_num_matrices */

/* Opening of one leaf index: rows[k] points into the tree's matrix k
 * (width of matrix k elements), path has mt_log_height() digests from the
 * leaf layer up. */
typedef struct {
    size_t index;
    const gl_t **rows;  /* nmats pointers, owned by the opening */
    p2_digest *path;    /* log_height digests, owned by the opening */
} mt_opening;

/* CAIRN_ERR_USAGE if index >= 2^mt_log_height. rows[k] is NULL for a
 * matrix of width 0 without data. */
cairn_err mt_open(const mt_tree *t, mt_opening *out, size_t index);
void mt_opening_free(mt_opening *o); /* accepts NULL and freed openings */

/* Verifies rows[k] (dims[k].width elements each) against root at index;
 * path holds log2(max height) digests (the caller sizes it from dims, e.g.
 * the proof parser). Never reads beyond those bounds, whatever the index
 * and dims. Returns CAIRN_ERR_USAGE for malformed dims (nmats == 0, a
 * height that is not a power of two, total width of a height >= p, NULL
 * pointers) and CAIRN_ERR_VERIFY naming the failing check for index >=
 * max height, a non-canonical row, path or root element, or a path that
 * does not lead to root. Allocates nothing. */
cairn_err mt_verify(p2_digest root, const mt_dims *dims, size_t nmats, size_t index,
                    const gl_t *const *rows, const p2_digest *path);

#endif
