/* Sparse Poseidon2 Merkle tree over the guest's pages (see rv.h and
 * rv_internal.h). Updates walk only the paths above the changed leaves:
 * about (pages changed) x 22 compressions, batched level by level through
 * p2_compress_pairs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_internal.h"

static p2_digest g_empty[RV_TREE_DEPTH + 1];
static pthread_once_t g_empty_once = PTHREAD_ONCE_INIT;

static void empty_init(void)
{
    static const uint8_t zero[RV_PAGE_BYTES];
    rv_page_digest(&g_empty[0], zero);
    for (int l = 0; l < RV_TREE_DEPTH; l++) p2_compress(&g_empty[l + 1], &g_empty[l], &g_empty[l]);
}

const p2_digest *rv_empty_digests(void)
{
    pthread_once(&g_empty_once, empty_init);
    return g_empty;
}

static inline uint32_t node_key(unsigned level, uint32_t idx) { return ((uint32_t)level << RV_TREE_DEPTH | idx) + 1; }

static inline size_t slot_of(uint32_t key, size_t cap) { return (size_t)((key * 0x9E3779B1u) & (cap - 1)); }

static cairn_err map_grow(rv_tree *t)
{
    size_t ncap = t->cap ? 2 * t->cap : 1024;
    uint32_t *nk = calloc(ncap, sizeof *nk);
    p2_digest *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return cairn_fail(CAIRN_ERR_NOMEM, "Merkle node map: cannot grow to %zu nodes", ncap);
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i]) continue;
        size_t s = slot_of(t->keys[i], ncap);
        while (nk[s]) s = (s + 1) & (ncap - 1);
        nk[s] = t->keys[i];
        nv[s] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = nk;
    t->vals = nv;
    t->cap = ncap;
    return CAIRN_OK;
}

static cairn_err map_put(rv_tree *t, unsigned level, uint32_t idx, const p2_digest *v)
{
    if (2 * (t->n + 1) > t->cap) FORWARD_IF_ERROR(map_grow(t));
    uint32_t key = node_key(level, idx);
    size_t s = slot_of(key, t->cap);
    while (t->keys[s] && t->keys[s] != key) s = (s + 1) & (t->cap - 1);
    if (!t->keys[s]) {
        t->keys[s] = key;
        t->n++;
    }
    t->vals[s] = *v;
    return CAIRN_OK;
}

/* 1 and *out set if the node is known (or empty in a full tree). */
static int map_get(const rv_tree *t, unsigned level, uint32_t idx, p2_digest *out)
{
    if (t->cap) {
        uint32_t key = node_key(level, idx);
        size_t s = slot_of(key, t->cap);
        while (t->keys[s]) {
            if (t->keys[s] == key) {
                *out = t->vals[s];
                return 1;
            }
            s = (s + 1) & (t->cap - 1);
        }
    }
    if (t->partial) return 0;
    *out = t->empty[level];
    return 1;
}

cairn_err rv_tree_init(rv_tree *t, int partial)
{
    memset(t, 0, sizeof *t);
    t->partial = partial;
    memcpy(t->empty, rv_empty_digests(), sizeof t->empty);
    return CAIRN_OK;
}

void rv_tree_free(rv_tree *t)
{
    if (!t) return;
    free(t->keys);
    free(t->vals);
    free(t->scratch);
    memset(t, 0, sizeof *t);
}

p2_digest rv_tree_root(const rv_tree *t)
{
    p2_digest r;
    if (!map_get(t, RV_TREE_DEPTH, 0, &r)) memset(&r, 0, sizeof r);
    return r;
}

static cairn_err scratch_reserve(rv_tree *t, size_t n)
{
    if (n <= t->scratch_cap) return CAIRN_OK;
    uint32_t *s = realloc(t->scratch, n * sizeof *s);
    RETURN_ERROR_IF(!s, CAIRN_ERR_NOMEM, "Merkle tree: no memory for %zu indices", n);
    t->scratch = s;
    t->scratch_cap = n;
    return CAIRN_OK;
}

/* Computes level+1 nodes above cur[0..n) from the level's nodes. */
static cairn_err hash_level(rv_tree *t, unsigned level, const uint32_t *cur, size_t n)
{
    /* parents of cur, computed into a temporary pair buffer */
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || (cur[i] >> 1) != (cur[i - 1] >> 1)) np++;
    p2_digest *pairs = calloc(2 * np + 2, sizeof *pairs), *out = malloc((np + 1) * sizeof *out);
    uint32_t *pidx = malloc((np + 1) * sizeof *pidx);
    if (!pairs || !out || !pidx) {
        free(pairs);
        free(out);
        free(pidx);
        return cairn_fail(CAIRN_ERR_NOMEM, "Merkle tree: no memory for %zu nodes", np);
    }
    cairn_err err = CAIRN_OK;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t p = cur[i] >> 1;
        if (k && pidx[k - 1] == p) continue;
        pidx[k] = p;
        if (!map_get(t, level, 2 * p, &pairs[2 * k]) || !map_get(t, level, 2 * p + 1, &pairs[2 * k + 1])) {
            err = cairn_fail(CAIRN_ERR_INTERNAL, "Merkle tree: node (level %u, index %u) unknown",
                             level, 2 * p);
            goto done;
        }
        k++;
    }
    p2_compress_pairs(out, pairs, np);
    for (size_t i = 0; i < np && err == CAIRN_OK; i++) err = map_put(t, level + 1, pidx[i], &out[i]);
done:
    free(pairs);
    free(out);
    free(pidx);
    return err;
}

cairn_err rv_tree_update(rv_tree *t, const uint32_t *idx, const p2_digest *leaf, size_t n)
{
    if (n == 0) {
        p2_digest r;
        if (!map_get(t, RV_TREE_DEPTH, 0, &r)) FORWARD_IF_ERROR(map_put(t, RV_TREE_DEPTH, 0, &t->empty[RV_TREE_DEPTH]));
        return CAIRN_OK;
    }
    FORWARD_IF_ERROR(scratch_reserve(t, n));
    for (size_t i = 0; i < n; i++) {
        if (i && idx[i] <= idx[i - 1])
            return cairn_fail(CAIRN_ERR_INTERNAL, "Merkle update: leaves not ascending");
        FORWARD_IF_ERROR(map_put(t, 0, idx[i], &leaf[i]));
    }
    memcpy(t->scratch, idx, n * sizeof *idx);
    size_t m = n;
    for (unsigned l = 0; l < RV_TREE_DEPTH; l++) {
        FORWARD_IF_ERROR(hash_level(t, l, t->scratch, m));
        m = rv_parents(t->scratch, m);
    }
    return CAIRN_OK;
}

cairn_err rv_tree_multiproof(rv_tree *t, p2_digest *out, const uint32_t *idx, size_t n)
{
    if (n == 0) return CAIRN_OK;
    FORWARD_IF_ERROR(scratch_reserve(t, n));
    memcpy(t->scratch, idx, n * sizeof *idx);
    size_t m = n, k = 0;
    cairn_err err = CAIRN_OK;
    WALK_SIBLINGS(t->scratch, m, {
        if (err == CAIRN_OK && !map_get(t, level, sib, &out[k]))
            err = cairn_fail(CAIRN_ERR_INTERNAL, "multiproof: node (level %u, index %u) unknown",
                             level, sib);
        k++;
    });
    return err;
}

cairn_err rv_tree_from_multiproof(rv_tree *t, const uint32_t *idx, const p2_digest *leaf,
                                  size_t n, const p2_digest *nodes, size_t nnodes)
{
    RETURN_ERROR_IF(n == 0, CAIRN_ERR_FORMAT, "multiproof: no pages");
    FORWARD_IF_ERROR(scratch_reserve(t, n));
    for (size_t i = 0; i < n; i++) FORWARD_IF_ERROR(map_put(t, 0, idx[i], &leaf[i]));
    memcpy(t->scratch, idx, n * sizeof *idx);
    size_t m = n, k = 0;
    for (unsigned l = 0; l < RV_TREE_DEPTH; l++) {
        uint32_t *cur = t->scratch;
        for (size_t i = 0; i < m; i++) {
            uint32_t s = cur[i] ^ 1;
            int have = (s > cur[i]) ? (i + 1 < m && cur[i + 1] == s) : (i > 0 && cur[i - 1] == s);
            if (have) continue;
            RETURN_ERROR_IF(k >= nnodes, CAIRN_ERR_FORMAT, "multiproof: too few nodes (%zu)", nnodes);
            FORWARD_IF_ERROR(map_put(t, l, s, &nodes[k++]));
        }
        FORWARD_IF_ERROR(hash_level(t, l, cur, m));
        m = rv_parents(cur, m);
    }
    RETURN_ERROR_IF(k != nnodes, CAIRN_ERR_FORMAT, "multiproof: %zu nodes given, %zu needed", nnodes, k);
    return CAIRN_OK;
}
