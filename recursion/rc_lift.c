/* rc_lift.h: the segment key, shape and public values around the one
 * verifier, recorded on a builder. */
#include "rc_lift.h"

#include "common/err.h"

cairn_err rc_lift_record(rc_program **prog, gl_t **witness, size_t *n, int *accepted, char *first,
                         const p2_digest *ctrl, const rv_seg_claim *claim, const uint8_t *proof,
                         size_t len, const stark_params *seg_params)
{
    *prog = NULL;
    *witness = NULL;
    *n = 0;
    *accepted = 0;
    if (first) first[0] = 0;
    gl_t pub[RV_AIR_NPUB];
    unsigned lh[AIR_MAX_TABLES];
    FORWARD_IF_ERROR(rv_seg_claim_pub(pub, claim));
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(ctrl->v[i] >= GL_P, CAIRN_ERR_USAGE, "lift: control root element %d is not canonical", i);
    rv_air_heights(claim->po2, lh);
    const stark_vk *vk;
    FORWARD_IF_ERROR(rv_air_vk(&vk, claim->po2, seg_params));
    rc_builder *b;
    FORWARD_IF_ERROR(rc_builder_new(&b));
    vctx *c = rc_builder_vctx(b);
    /* the claim's first public values; a public value must be read by
     * something (rc_air.h), and the lift has no use for the root but to
     * carry it: one assertion of it against itself reads it */
    vb root[P2_DIGEST];
    for (int i = 0; i < P2_DIGEST; i++) root[i] = vc_input(c, ctrl->v[i]);
    cairn_err e = rc_builder_verify(b, NULL, NULL, NULL, vk, NULL, pub, RV_AIR_NPUB, proof, len, lh);
    if (e != CAIRN_OK) {
        rc_builder_free(b);
        return cairn_prefix_error(e, "lift of a segment proof (po2 %u)", claim->po2);
    }
    for (int i = 0; i < P2_DIGEST; i++) vc_assert_eq(c, root[i], root[i], "lift: control root (carried)");
    return rc_builder_end(b, prog, witness, n, accepted, first);
}
