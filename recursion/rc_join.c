/* rc_join.h: the control tree and the join program. */
#include "rc_join.h"

#include <string.h>

#include "common/err.h"
#include "rc_air.h"

/* Every level of the control tree over keys padded with zero digests:
 * lv[0] the leaves, lv[RC_CTRL_DEPTH][0] the root. */
static void ctrl_tree(p2_digest lv[RC_CTRL_DEPTH + 1][RC_CTRL_MAX], const p2_digest *keys, size_t n)
{
    memset(lv, 0, sizeof(p2_digest) * (RC_CTRL_DEPTH + 1) * RC_CTRL_MAX);
    memcpy(lv[0], keys, n * sizeof *keys);
    for (unsigned d = 0; d < RC_CTRL_DEPTH; d++)
        for (unsigned i = 0; i < (RC_CTRL_MAX >> (d + 1)); i++)
            p2_compress(&lv[d + 1][i], &lv[d][2 * i], &lv[d][2 * i + 1]);
}

cairn_err rc_ctrl_root(p2_digest *root, const p2_digest *keys, size_t n)
{
    RETURN_ERROR_IF(n == 0 || n > RC_CTRL_MAX, CAIRN_ERR_USAGE, "control root: %zu keys (1..%u)", n,
                    RC_CTRL_MAX);
    p2_digest lv[RC_CTRL_DEPTH + 1][RC_CTRL_MAX];
    ctrl_tree(lv, keys, n);
    *root = lv[RC_CTRL_DEPTH][0];
    return CAIRN_OK;
}

/* In the program: the digest `leaf` is a leaf of the tree with root
 * `root`. The index (its low RC_CTRL_DEPTH bits) and the siblings are
 * witness; the native values are those of key in keys (index 0 and the
 * zero digest's path when key is not there: the check then fails). */
static void ctrl_member(vctx *c, const vb leaf[P2_DIGEST], const vb root[P2_DIGEST],
                        const p2_digest lv[RC_CTRL_DEPTH + 1][RC_CTRL_MAX], size_t nkeys,
                        const p2_digest *key, const char *what)
{
    unsigned idx = 0;
    for (size_t i = 0; i < nkeys; i++)
        if (!memcmp(&lv[0][i], key, sizeof *key)) {
            idx = (unsigned)i;
            break;
        }
    vb bits[RC_CTRL_DEPTH], cur[P2_DIGEST];
    vc_bits(c, bits, vc_input(c, idx), RC_CTRL_DEPTH);
    memcpy(cur, leaf, sizeof cur);
    for (unsigned d = 0; d < RC_CTRL_DEPTH; d++) {
        const p2_digest *sib = &lv[d][(idx >> d) ^ 1u];
        vb s[P2_DIGEST];
        for (int i = 0; i < P2_DIGEST; i++) s[i] = vc_input(c, sib->v[i]);
        /* bit d set: cur is the right child */
        vcompress_dir(c, cur, bits[d], cur, s);
    }
    for (int i = 0; i < P2_DIGEST; i++) vc_assert_eq(c, cur[i], root[i], "join: %s key is not in the control root", what);
}

cairn_err rc_join_record(rc_program **prog, gl_t **witness, size_t *n, int *accepted, char *first,
                         const p2_digest *keys, size_t nkeys, const rc_join_input *left,
                         const rc_join_input *right)
{
    *prog = NULL;
    *witness = NULL;
    *n = 0;
    *accepted = 0;
    if (first) first[0] = 0;
    for (int s = 0; s < 2; s++) {
        const rc_join_input *in = s ? right : left;
        RETURN_ERROR_IF(!in->shape_vk || !in->log_n, CAIRN_ERR_USAGE, "join: the %s proof has no shape",
                        s ? "right" : "left");
        RETURN_ERROR_IF(stark_vk_ntables(in->shape_vk) != RC_AIR_NTABLES, CAIRN_ERR_USAGE,
                        "join: the %s shape's key has %u tables, a recursion VM's has %d", s ? "right" : "left",
                        stark_vk_ntables(in->shape_vk), RC_AIR_NTABLES);
    }
    RETURN_ERROR_IF(nkeys == 0 || nkeys > RC_CTRL_MAX, CAIRN_ERR_USAGE, "join: %zu allowed keys (1..%u)", nkeys,
                    RC_CTRL_MAX);
    p2_digest lv[RC_CTRL_DEPTH + 1][RC_CTRL_MAX];
    ctrl_tree(lv, keys, nkeys);
    for (unsigned i = 0; i < RC_CLAIM_NPUB; i++)
        RETURN_ERROR_IF(left->claim[i] >= GL_P || right->claim[i] >= GL_P, CAIRN_ERR_USAGE,
                        "join: claim value %u is not canonical", i);
    /* the join's own claim: left root, left start, right end, the sum */
    gl_t out[RC_CLAIM_NPUB];
    memcpy(out, left->claim, sizeof out);
    memcpy(out + RC_CLAIM_END, right->claim + RC_CLAIM_END, P2_DIGEST * sizeof *out);
    out[RC_CLAIM_CYCLES] = gl_add(left->claim[RC_CLAIM_CYCLES], right->claim[RC_CLAIM_CYCLES]);
    rc_builder *b;
    FORWARD_IF_ERROR(rc_builder_new(&b));
    vctx *c = rc_builder_vctx(b);
    vb claim[RC_CLAIM_NPUB];
    for (unsigned i = 0; i < RC_CLAIM_NPUB; i++) claim[i] = vc_input(c, out[i]);
    const rc_join_input *in[2] = {left, right};
    static const char *const side[2] = {"left", "right"};
    vb pub[2][STARK_MAX_PUB], dig[2][P2_DIGEST];
    cairn_err e = CAIRN_OK;
    for (int s = 0; s < 2 && e == CAIRN_OK; s++) {
        e = rc_builder_verify(b, NULL, dig[s], pub[s], in[s]->shape_vk, &in[s]->pre_root, in[s]->claim,
                              RC_CLAIM_NPUB, in[s]->proof, in[s]->len, in[s]->log_n);
        if (e != CAIRN_OK) e = cairn_prefix_error(e, "join: the %s proof", side[s]);
    }
    if (e != CAIRN_OK) {
        rc_builder_free(b);
        return e;
    }
    for (int s = 0; s < 2; s++) {
        /* the digest the program computed for the claimed key: its leaf */
        p2_digest d;
        for (int i = 0; i < P2_DIGEST; i++) d.v[i] = rc_builder_value(b, dig[s][i]);
        ctrl_member(c, dig[s], claim + RC_CLAIM_CTRL, lv, nkeys, &d, side[s]);
    }
    for (int i = 0; i < P2_DIGEST; i++) {
        vc_assert_eq(c, pub[0][RC_CLAIM_CTRL + i], claim[RC_CLAIM_CTRL + i], "join: left control root differs");
        vc_assert_eq(c, pub[1][RC_CLAIM_CTRL + i], claim[RC_CLAIM_CTRL + i], "join: right control root differs");
        vc_assert_eq(c, pub[0][RC_CLAIM_START + i], claim[RC_CLAIM_START + i], "join: start is not the left start");
        vc_assert_eq(c, pub[0][RC_CLAIM_END + i], pub[1][RC_CLAIM_START + i], "join: left end != right start");
        vc_assert_eq(c, pub[1][RC_CLAIM_END + i], claim[RC_CLAIM_END + i], "join: end is not the right end");
    }
    vc_assert_eq(c, vc_add(c, pub[0][RC_CLAIM_CYCLES], pub[1][RC_CLAIM_CYCLES]), claim[RC_CLAIM_CYCLES],
                 "join: cycles are not the sum");
    return rc_builder_end(b, prog, witness, n, accepted, first);
}
