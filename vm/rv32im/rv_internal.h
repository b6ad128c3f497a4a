/* Internals shared by the files of vm/rv32im (not part of the interface). */
#ifndef CAIRN_VM_RV_INTERNAL_H
#define CAIRN_VM_RV_INTERNAL_H

#include "rv.h"

/* ---- sparse Merkle tree over the 2^22 page digests ------------------------
 * Nodes are kept in an open-addressing hash map keyed by (level, index);
 * level 0 holds the page digests, level RV_TREE_DEPTH the root. In a full
 * tree (the executing machine) a missing node is the empty-subtree digest of
 * its level; in a partial tree (re-execution from a snapshot) only the
 * nodes of the multiproof and the paths above the snapshot's pages exist,
 * and asking for any other node is an error. */
typedef struct {
    uint32_t *keys; /* 0 = free slot, else key + 1 */
    p2_digest *vals;
    size_t cap, n;
    int partial;
    p2_digest empty[RV_TREE_DEPTH + 1];
    uint32_t *scratch; /* index sets while walking levels */
    size_t scratch_cap;
} rv_tree;

cairn_err rv_tree_init(rv_tree *t, int partial);
void rv_tree_free(rv_tree *t);
/* Digest of the empty page and of empty subtrees, computed once. */
const p2_digest *rv_empty_digests(void);
/* Sets the leaves idx[i] (strictly ascending) to leaf[i] and recomputes the
 * paths above them. */
cairn_err rv_tree_update(rv_tree *t, const uint32_t *idx, const p2_digest *leaf, size_t n);
p2_digest rv_tree_root(const rv_tree *t);
/* Multiproof of the (strictly ascending) page set against the current tree:
 * out receives rv_multiproof_size() digests. */
cairn_err rv_tree_multiproof(rv_tree *t, p2_digest *out, const uint32_t *idx, size_t n);
/* Partial tree: inserts the multiproof nodes and the leaves, computes every
 * path node up to the root. */
cairn_err rv_tree_from_multiproof(rv_tree *t, const uint32_t *idx, const p2_digest *leaf,
                                  size_t n, const p2_digest *nodes, size_t nnodes);

/* Page digest of 1 KiB of little-endian words. */
void rv_page_digest(p2_digest *out, const uint8_t page[RV_PAGE_BYTES]);
/* n page digests at once (batched Poseidon2); work holds n*256 elements. */
void rv_page_digests(p2_digest *out, const uint8_t *const *pages, size_t n, gl_t *work);

/* Journal chain: appends bytes to the state's journal fields. */
void rv_journal_append(rv_state *s, const uint8_t *buf, size_t len);

/* Compact form used by the executor: rd 0 is redirected to a sink
 * register 32 so that handlers need not test it. */
#define RV_XSINK 32

/* Replaces cur[0..n) (ascending) by the distinct parents; returns count. */
static inline size_t rv_parents(uint32_t *cur, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t p = cur[i] >> 1;
        if (m == 0 || cur[m - 1] != p) cur[m++] = p;
    }
    return m;
}

/* Walks the levels above a sorted page set cur[0..m) (destroyed): for each
 * node whose sibling is not itself in the set, runs VISIT with `level` and
 * `sib` (the sibling's index) in scope, in canonical multiproof order. */
#define WALK_SIBLINGS(cur, m, VISIT)                                           \
    for (unsigned l_ = 0; l_ < RV_TREE_DEPTH; l_++) {                          \
        for (size_t i_ = 0; i_ < (m); i_++) {                                  \
            uint32_t s_ = (cur)[i_] ^ 1;                                       \
            int have_ = (s_ > (cur)[i_]) ? (i_ + 1 < (m) && (cur)[i_ + 1] == s_) \
                                         : (i_ > 0 && (cur)[i_ - 1] == s_);   \
            if (!have_) { unsigned level = l_; uint32_t sib = s_; VISIT; }     \
        }                                                                      \
        (m) = rv_parents((cur), (m));                                             \
    }

#endif
