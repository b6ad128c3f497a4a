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

/* Builds the tree; the matrices must outlive it. */
cairn_err mt_commit(mt_tree **out, const mt_matrix *mats, size_t nmats);
void mt_free(mt_tree *t); /* accepts NULL */
p2_digest mt_root(const mt_tree *t);
unsigned mt_log_height(const mt_tree *t); /* log2 of the largest height */

/* Opening of one leaf index: rows[k] points into the tree's matrix k
 * (width of matrix k elements), path has mt_log_height() digests from the
 * leaf layer up. */
typedef struct {
    size_t index;
    const gl_t **rows;  /* nmats pointers, owned by the opening */
    p2_digest *path;    /* log_height digests, owned by the opening */
} mt_opening;

cairn_err mt_open(const mt_tree *t, mt_opening *out, size_t index);
void mt_opening_free(mt_opening *o);

/* Verifies rows[k] (with widths/heights from dims) against root at index.
 * Returns CAIRN_ERR_VERIFY naming the failing check. */
typedef struct { size_t height, width; } mt_dims;
cairn_err mt_verify(p2_digest root, const mt_dims *dims, size_t nmats, size_t index,
                    const gl_t *const *rows, const p2_digest *path);

#endif
