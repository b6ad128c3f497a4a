/* Mixed-height Merkle commitments (mt.h).
 *
 * The tree keeps every layer in one array of 2H - 1 digests: layer l (H >> l
 * nodes, layer 0 = leaves, after any injection at that layer) starts at
 * offset 2H - 2(H >> l), so the root is the last element. Openings copy
 * siblings out of it.
 *
 * The prover side hashes rows with the batched Poseidon2 (p2_hash_rows) and
 * compresses each layer with p2_compress_pairs; both are parallel inside p2.
 * The verifier side never allocates: it hashes the concatenated rows of a
 * height with a streaming sponge that follows p2_hash's definition (p2.h),
 * and the tests check it against p2_hash.
 */
#include "mt.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "common/alloc.h"
#include "common/err.h"
#include "hugemem.h"

struct mt_tree {
    mt_matrix *mats; /* copy of the descriptors; the data stays the caller's */
    size_t nmats;
    size_t height; /* H, the largest height */
    unsigned log_height;
    p2_digest *nodes; /* 2H - 1 digests, layout above */
    int given_leaves; /* the matrices of height H have no data: the caller
                       * writes the leaf layer (mt_commit_begin) */
};

/* Rows gathered per block when several matrices share a height: about
 * 2^14 elements (128 KiB) so a thread's block stays in L2 while it is
 * hashed; at least one row. */
#define MT_GATHER_ELEMS ((size_t)1 << 14)

static int is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

static unsigned log2_pow2(size_t x)
{
    unsigned l = 0;
    while (((size_t)1 << l) < x) l++;
    return l;
}

static size_t layer_offset(size_t height, unsigned layer)
{
    return 2 * height - 2 * (height >> layer);
}

/* Total width of the matrices of height h, or SIZE_MAX if it overflows. */
static size_t group_width(const mt_dims *dims, size_t nmats, size_t h)
{
    size_t w = 0;
    for (size_t k = 0; k < nmats; k++) {
        if (dims[k].height != h) continue;
        if (dims[k].width > SIZE_MAX - 1 - w) return SIZE_MAX;
        w += dims[k].width;
    }
    return w;
}

static int group_exists(const mt_dims *dims, size_t nmats, size_t h)
{
    for (size_t k = 0; k < nmats; k++)
        if (dims[k].height == h) return 1;
    return 0;
}

/* ---- prover side ---- */

/* out[j] = p2_hash(row j of every matrix of height h, concatenated in the
 * order given), j < h. */
static cairn_err hash_group(p2_digest *out, const mt_matrix *mats, size_t nmats, size_t h)
{
    size_t members = 0, width = 0, only = 0;
    for (size_t k = 0; k < nmats; k++) {
        if (mats[k].height != h) continue;
        members++;
        width += mats[k].width; /* cannot overflow: checked in mt_commit */
        only = k;
    }
    assert(members > 0);
    if (width == 0) {
        /* every row is the empty input */
        static const gl_t none[1] = {0};
        p2_digest d;
        p2_hash(&d, none, 0);
        for (size_t j = 0; j < h; j++) out[j] = d;
        return CAIRN_OK;
    }
    if (members == 1) { /* rows already contiguous */
        p2_hash_rows(out, mats[only].data, h, width, width);
        return CAIRN_OK;
    }
    /* a multiple of the widest hash kernel's 16 rows, so that no block
     * leaves a tail for the narrower kernels */
    size_t block = (MT_GATHER_ELEMS / width) & ~(size_t)15;
    if (block == 0) block = 16;
    if (block > h) block = h;
    const long nblocks = (long)((h + block - 1) / block);
    const int nthreads = omp_get_max_threads();
    /* block <= h, and h * width * 8 fits (checked in mt_commit);
     * cairn_malloc_array checks the product with nthreads */
    gl_t *bufs = cairn_malloc_array((size_t)nthreads * block, width * sizeof *bufs);
    if (!bufs)
        return cairn_fail_nomem((size_t)nthreads * block * width * sizeof *bufs,
                                "mt_commit: out of memory for %d gather buffers of %zu x %zu", nthreads,
                                block, width);
    /* One parallel region, each thread gathering into its own buffer and
     * hashing it (p2_hash_rows runs single-threaded when nested): a
     * fork/join per block would stall on any descheduled thread when the
     * machine is shared, and dynamic scheduling absorbs such stalls. */
#pragma omp parallel for schedule(dynamic, 1)
    for (long b = 0; b < nblocks; b++) {
        gl_t *buf = bufs + (size_t)omp_get_thread_num() * block * width;
        size_t r0 = (size_t)b * block, n = h - r0 < block ? h - r0 : block;
        size_t col = 0;
        for (size_t k = 0; k < nmats; k++) {
            if (mats[k].height != h || mats[k].width == 0) continue;
            size_t w = mats[k].width;
            const gl_t *src = mats[k].data + r0 * w;
            for (size_t r = 0; r < n; r++) memcpy(buf + r * width + col, src + r * w, w * sizeof *buf);
            col += w;
        }
        p2_hash_rows(out + r0, buf, n, width, width);
    }
    free(bufs);
    return CAIRN_OK;
}

/* Checks the descriptors; sets *height to the largest height and
 * *no_data to whether the matrices of that height come without data (all
 * or none of them may: then the caller gives their leaf digests). */
static cairn_err check_matrices(const mt_matrix *mats, size_t nmats, size_t *height, int *no_data)
{
    RETURN_ERROR_IF(nmats == 0 || !mats, CAIRN_ERR_USAGE, "mt_commit: no matrices");
    size_t h = 0;
    for (size_t k = 0; k < nmats; k++) {
        RETURN_ERROR_IF(!is_pow2(mats[k].height), CAIRN_ERR_USAGE,
                        "mt_commit: matrix %zu height %zu is not a power of two", k, mats[k].height);
        if (mats[k].height > h) h = mats[k].height;
    }
    int with = 0, without = 0;
    for (size_t k = 0; k < nmats; k++) {
        int missing = mats[k].width != 0 && !mats[k].data;
        if (mats[k].height == h && mats[k].width != 0) {
            with |= !missing;
            without |= missing;
        }
        RETURN_ERROR_IF(missing && (mats[k].height != h || !no_data), CAIRN_ERR_USAGE,
                        "mt_commit: matrix %zu has no data", k);
    }
    RETURN_ERROR_IF(with && without, CAIRN_ERR_USAGE,
                    "mt_commit_begin: the matrices of height %zu must all have data or none", h);
    if (no_data) *no_data = without;
    h = 0;
    for (size_t k = 0; k < nmats; k++) {
        RETURN_ERROR_IF(mats[k].width > (SIZE_MAX / sizeof(gl_t)) / mats[k].height,
                        CAIRN_ERR_USAGE, "mt_commit: matrix %zu of %zu x %zu is too large", k,
                        mats[k].height, mats[k].width);
        if (mats[k].height > h) h = mats[k].height;
    }
    /* A tree of H leaves holds 2H - 1 digests. */
    RETURN_ERROR_IF(h > (SIZE_MAX / sizeof(p2_digest)) / 2, CAIRN_ERR_USAGE,
                    "mt_commit: height %zu is too large", h);
    for (size_t k = 0; k < nmats; k++) {
        size_t w = 0;
        for (size_t j = 0; j < nmats; j++) {
            if (mats[j].height != mats[k].height) continue;
            RETURN_ERROR_IF(mats[j].width > SIZE_MAX / sizeof(gl_t) - w, CAIRN_ERR_USAGE,
                            "mt_commit: total width of height %zu overflows", mats[k].height);
            w += mats[j].width;
        }
    }
    *height = h;
    return CAIRN_OK;
}

static cairn_err build(mt_tree *t)
{
    const size_t H = t->height;
    p2_digest *nodes = t->nodes;
    if (!t->given_leaves) FORWARD_IF_ERROR(hash_group(nodes, t->mats, t->nmats, H));
    p2_digest *inj = NULL, *pairs = NULL;
    cairn_err err = CAIRN_OK;
    for (unsigned l = 0; l < t->log_height; l++) {
        size_t n = H >> (l + 1);
        p2_digest *in = nodes + layer_offset(H, l), *out = nodes + layer_offset(H, l + 1);
        p2_compress_pairs(out, in, n);
        int present = 0;
        for (size_t k = 0; k < t->nmats; k++) present |= t->mats[k].height == n;
        if (!present) continue;
        /* Injection: node_j <- compress(node_j, hash of the rows j of the
         * matrices of height n). Buffers are sized for the first (largest)
         * injection and reused. They are tens of MiB at 2^20 leaves: from
         * the prover's workspace (hugemem.h) they are reused across proofs
         * instead of faulted in page by page on every commitment. */
        if (!inj) {
            pairs = stark_huge_alloc_array(n, 3 * sizeof *pairs);
            if (!pairs) {
                err = cairn_fail_nomem(3 * n * sizeof *inj,
                                       "mt_commit: out of memory for the injection buffers of %zu nodes", n);
                break;
            }
            inj = pairs + 2 * n;
        }
        err = hash_group(inj, t->mats, t->nmats, n);
        if (err != CAIRN_OK) break;
        for (size_t j = 0; j < n; j++) {
            pairs[2 * j] = out[j];
            pairs[2 * j + 1] = inj[j];
        }
        p2_compress_pairs(out, pairs, n);
    }
    stark_huge_free(pairs);
    return err;
}

/* The tree without its layers; *no_data as check_matrices. */
static cairn_err commit_alloc(mt_tree **out, const mt_matrix *mats, size_t nmats, int *no_data)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "mt_commit: no output pointer");
    *out = NULL;
    size_t H = 0;
    FORWARD_IF_ERROR(check_matrices(mats, nmats, &H, no_data));
    mt_tree *t = cairn_calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, CAIRN_ERR_NOMEM, "mt_commit: out of memory for the tree");
    t->mats = cairn_malloc_array(nmats, sizeof *t->mats);
    t->nodes = stark_huge_alloc_array(2 * H - 1, sizeof *t->nodes); /* 2H fits: check_matrices */
    if (!t->mats || !t->nodes) {
        mt_free(t);
        return cairn_fail_nomem((2 * H - 1) * sizeof *t->nodes,
                                "mt_commit: out of memory for a tree of %zu nodes", 2 * H - 1);
    }
    memcpy(t->mats, mats, nmats * sizeof *mats);
    t->nmats = nmats;
    t->height = H;
    t->log_height = log2_pow2(H);
    t->given_leaves = no_data ? *no_data : 0;
    *out = t;
    return CAIRN_OK;
}

cairn_err mt_commit(mt_tree **out, const mt_matrix *mats, size_t nmats)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "mt_commit: no output pointer");
    *out = NULL;
    mt_tree *t;
    FORWARD_IF_ERROR(commit_alloc(&t, mats, nmats, NULL));
    cairn_err err = build(t);
    if (err != CAIRN_OK) {
        mt_free(t);
        return err;
    }
    *out = t;
    return CAIRN_OK;
}

cairn_err mt_commit_begin(mt_tree **out, const mt_matrix *mats, size_t nmats)
{
    int no_data = 0;
    return commit_alloc(out, mats, nmats, &no_data);
}

p2_digest *mt_leaves(mt_tree *t) { return t->given_leaves ? t->nodes : NULL; }

cairn_err mt_commit_finish(mt_tree *t)
{
    RETURN_ERROR_IF(!t, CAIRN_ERR_USAGE, "mt_commit_finish: no tree");
    return build(t);
}

cairn_err mt_hash_rows(p2_digest *out, const mt_matrix *mats, size_t nmats, size_t nrows)
{
    RETURN_ERROR_IF(nmats == 0 || !mats || !out, CAIRN_ERR_USAGE, "mt_hash_rows: no matrices or output");
    if (nrows == 0) return CAIRN_OK;
    mt_matrix *m = cairn_malloc_array(nmats, sizeof *m);
    if (!m) return cairn_fail_nomem(nmats * sizeof *m, "mt_hash_rows: out of memory for %zu descriptors", nmats);
    size_t w = 0;
    cairn_err err = CAIRN_OK;
    for (size_t k = 0; k < nmats && err == CAIRN_OK; k++) {
        m[k] = (mt_matrix){mats[k].data, nrows, mats[k].width};
        if (m[k].width > (SIZE_MAX / sizeof(gl_t)) / nrows || m[k].width > SIZE_MAX / sizeof(gl_t) - w ||
            (m[k].width && !m[k].data))
            err = cairn_fail(CAIRN_ERR_USAGE, "mt_hash_rows: matrix %zu (%zu x %zu) is too large or has no data", k,
                             nrows, m[k].width);
        w += m[k].width;
    }
    if (err == CAIRN_OK) err = hash_group(out, m, nmats, nrows);
    free(m);
    return err;
}

void mt_free(mt_tree *t)
{
    if (!t) return;
    free(t->mats);
    stark_huge_free(t->nodes);
    free(t);
}

p2_digest mt_root(const mt_tree *t) { return t->nodes[2 * t->height - 2]; }

unsigned mt_log_height(const mt_tree *t) { return t->log_height; }

size_t mt_num_matrices(const mt_tree *t) { return t->nmats; }

mt_dims mt_matrix_dims(const mt_tree *t, size_t k)
{
    assert(k < t->nmats);
    return (mt_dims){t->mats[k].height, t->mats[k].width};
}

cairn_err mt_open(const mt_tree *t, mt_opening *out, size_t index)
{
    RETURN_ERROR_IF(!t || !out, CAIRN_ERR_USAGE, "mt_open: no tree or output");
    out->index = index;
    out->rows = NULL;
    out->path = NULL;
    RETURN_ERROR_IF(index >= t->height, CAIRN_ERR_USAGE,
                    "mt_open: index %zu outside a tree of height %zu", index, t->height);
    /* +1 so that a height-1 tree (empty path) still gets a distinct
     * allocation and mt_opening_free has nothing special to do. */
    out->rows = cairn_malloc_array(t->nmats, sizeof *out->rows);
    out->path = cairn_malloc_array(t->log_height + 1, sizeof *out->path);
    if (!out->rows || !out->path) {
        mt_opening_free(out);
        return cairn_fail(CAIRN_ERR_NOMEM, "mt_open: opening of %zu matrices", t->nmats);
    }
    for (size_t k = 0; k < t->nmats; k++) {
        const mt_matrix *m = &t->mats[k];
        size_t row = index >> (t->log_height - log2_pow2(m->height));
        out->rows[k] = m->data ? m->data + row * m->width : NULL;
    }
    for (unsigned l = 0; l < t->log_height; l++)
        out->path[l] = t->nodes[layer_offset(t->height, l) + ((index >> l) ^ 1)];
    return CAIRN_OK;
}

void mt_opening_free(mt_opening *o)
{
    if (!o) return;
    free((void *)o->rows);
    free(o->path);
    o->rows = NULL;
    o->path = NULL;
}

/* ---- verifier side ---- */

/* p2_hash (p2.h) fed one element at a time: length in state[8], overwrite
 * the rate 8 at a time, 10* padding of a final partial block or of the
 * empty input. */
typedef struct {
    gl_t st[P2_WIDTH];
    unsigned pos;
} leaf_sponge;

static void sponge_init(leaf_sponge *s, size_t n)
{
    memset(s->st, 0, sizeof s->st);
    s->st[P2_RATE] = (gl_t)n;
    s->pos = 0;
}

static void sponge_absorb(leaf_sponge *s, const gl_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->st[s->pos++] = x[i];
        if (s->pos == P2_RATE) {
            p2_permute(s->st);
            s->pos = 0;
        }
    }
}

static void sponge_finish(leaf_sponge *s, size_t n, p2_digest *out)
{
    if (s->pos > 0 || n == 0) {
        s->st[s->pos++] = 1;
        while (s->pos < P2_RATE) s->st[s->pos++] = 0;
        p2_permute(s->st);
    }
    memcpy(out->v, s->st, sizeof out->v);
}

/* Hash of the opened rows of every matrix of height h (dims checked). */
static void verify_hash_group(p2_digest *out, const mt_dims *dims, size_t nmats,
                              const gl_t *const *rows, size_t h)
{
    size_t width = group_width(dims, nmats, h);
    leaf_sponge s;
    sponge_init(&s, width);
    for (size_t k = 0; k < nmats; k++)
        if (dims[k].height == h) sponge_absorb(&s, rows[k], dims[k].width);
    sponge_finish(&s, width, out);
}

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    gl_t d = 0;
    for (int i = 0; i < P2_DIGEST; i++) d |= a->v[i] ^ b->v[i];
    return d == 0;
}

cairn_err mt_verify(p2_digest root, const mt_dims *dims, size_t nmats, size_t index,
                    const gl_t *const *rows, const p2_digest *path)
{
    RETURN_ERROR_IF(nmats == 0 || !dims, CAIRN_ERR_USAGE, "mt_verify: no matrices");
    RETURN_ERROR_IF(!rows, CAIRN_ERR_USAGE, "mt_verify: no rows");
    size_t H = 0;
    for (size_t k = 0; k < nmats; k++) {
        RETURN_ERROR_IF(!is_pow2(dims[k].height), CAIRN_ERR_USAGE,
                        "mt_verify: matrix %zu height %zu is not a power of two", k,
                        dims[k].height);
        if (dims[k].height > H) H = dims[k].height;
    }
    for (size_t k = 0; k < nmats; k++) {
        RETURN_ERROR_IF(group_width(dims, nmats, dims[k].height) >= GL_P, CAIRN_ERR_USAGE,
                        "mt_verify: total width of height %zu overflows", dims[k].height);
        RETURN_ERROR_IF(dims[k].width != 0 && !rows[k], CAIRN_ERR_USAGE,
                        "mt_verify: no row for matrix %zu", k);
    }
    unsigned log_h = log2_pow2(H);
    RETURN_ERROR_IF(log_h > 0 && !path, CAIRN_ERR_USAGE, "mt_verify: no path");
    RETURN_ERROR_IF(index >= H, CAIRN_ERR_VERIFY,
                    "mt_verify: index %zu outside a tree of height %zu", index, H);
    for (size_t k = 0; k < nmats; k++)
        for (size_t c = 0; c < dims[k].width; c++)
            RETURN_ERROR_IF(rows[k][c] >= GL_P, CAIRN_ERR_VERIFY,
                            "mt_verify: matrix %zu row element %zu is not canonical", k, c);
    for (unsigned l = 0; l < log_h; l++)
        for (int i = 0; i < P2_DIGEST; i++)
            RETURN_ERROR_IF(path[l].v[i] >= GL_P, CAIRN_ERR_VERIFY,
                            "mt_verify: path digest %u element %d is not canonical", l, i);
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(root.v[i] >= GL_P, CAIRN_ERR_VERIFY,
                        "mt_verify: root element %d is not canonical", i);

    p2_digest cur;
    verify_hash_group(&cur, dims, nmats, rows, H);
    for (unsigned l = 0; l < log_h; l++) {
        p2_digest next;
        if ((index >> l) & 1) p2_compress(&next, &path[l], &cur);
        else p2_compress(&next, &cur, &path[l]);
        size_t n = H >> (l + 1);
        if (group_exists(dims, nmats, n)) {
            p2_digest inj;
            verify_hash_group(&inj, dims, nmats, rows, n);
            p2_compress(&cur, &next, &inj);
        } else {
            cur = next;
        }
    }
    RETURN_ERROR_IF(!digest_eq(&cur, &root), CAIRN_ERR_VERIFY,
                    "mt_verify: path of index %zu does not lead to the root", index);
    return CAIRN_OK;
}
