/* The claim every recursion proof of a run carries, the control root,
 * and join (issue 10; docs/recursion.md "Claims, the control root, join").
 *
 * Claim (the public values of every lift and join proof, one npub so that
 * the programs of a shape share one constraint system):
 *   control root (4) | start state digest (4) | end state digest (4) | cycles (1)
 * A lift proof says: a segment proof of (start, end, cycles) was accepted
 * (the control root is carried: the lift does not check it). A join proof
 * says: two recursion proofs of the shapes it was recorded for, under keys
 * whose digests are leaves of the control root, claimed (root, start, m,
 * c1) and (root, m, end, c2), and cycles = c1 + c2. So a proof of claim (root, s,
 * e, c) whose root is the control root the verifier knows chains lifts of
 * segment proofs from s to e.
 *
 * Control root: a Merkle tree of depth RC_CTRL_DEPTH over the key digests
 * of the allowed recursion programs (lift per po2, join), padded with zero
 * digests; nodes are p2_compress(left, right). The depth is fixed, so a
 * path always ends at a leaf (no inner node passes for a leaf). */
#ifndef CAIRN_RECURSION_RC_JOIN_H
#define CAIRN_RECURSION_RC_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "rc.h"

#define RC_CLAIM_NPUB 13
enum { RC_CLAIM_CTRL = 0, RC_CLAIM_START = 4, RC_CLAIM_END = 8, RC_CLAIM_CYCLES = 12 };
#define RC_CTRL_DEPTH 4
#define RC_CTRL_MAX (1u << RC_CTRL_DEPTH)

/* Root of the control tree over n (1..RC_CTRL_MAX) key digests, in order
 * (CAIRN_ERR_USAGE for more). */
cairn_err rc_ctrl_root(p2_digest *root, const p2_digest *keys, size_t n);

/* One recursion proof to join: its bytes, its claim (RC_CLAIM_NPUB public
 * values), the preprocessed root of the key it claims to be under, and
 * its shape: shape_vk is the key of any program of that shape and log_n
 * its heights (a verifier recorded for one key of a shape verifies every
 * key of it, the key being an input). The two sides may have different
 * shapes (a lift's and a join's, rc_fold.h): each shape gives another
 * join program. */
typedef struct {
    const uint8_t *proof;
    size_t len;
    const gl_t *claim;
    p2_digest pre_root;
    const stark_vk *shape_vk;
    const unsigned *log_n;
} rc_join_input;

/* Records join: the verifier of both proofs with the key as input
 * (each side's shape_vk and log_n), the inclusion of both key digests in
 * the control root of keys (n of them), and the continuity of the
 * claims. Its claim (the first
 * RC_CLAIM_NPUB witness elements) is (left root, left start, right end,
 * left cycles + right cycles). As rc_record_verifier: *accepted and first
 * (may be NULL, >= 256 bytes) say whether the recorded run accepted and
 * the first failed check ("join: left end != right start", "join: left
 * key is not in the control root", ...). A key that is not in keys is
 * still recorded (its path is the zero path) and fails the inclusion
 * check: the program never depends on the proofs. */
cairn_err rc_join_record(rc_program **prog, gl_t **witness, size_t *n, int *accepted, char *first,
                         const p2_digest *keys, size_t nkeys, const rc_join_input *left,
                         const rc_join_input *right);

#endif
