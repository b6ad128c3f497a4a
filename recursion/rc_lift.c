/* rc_lift.h: the segment key, shape and public values around
 * rc_record_verifier. */
#include "rc_lift.h"

#include "common/err.h"

cairn_err rc_lift_record(rc_program **prog, gl_t **witness, size_t *n, int *accepted, char *first,
                         const rv_seg_claim *claim, const uint8_t *proof, size_t len,
                         const stark_params *seg_params)
{
    *prog = NULL;
    *witness = NULL;
    *n = 0;
    *accepted = 0;
    if (first) first[0] = 0;
    gl_t pub[RV_AIR_NPUB];
    unsigned lh[AIR_MAX_TABLES];
    FORWARD_IF_ERROR(rv_seg_claim_pub(pub, claim));
    rv_air_heights(claim->po2, lh);
    const stark_vk *vk;
    FORWARD_IF_ERROR(rv_air_vk(&vk, claim->po2, seg_params));
    cairn_err e = rc_record_verifier(prog, witness, n, accepted, first, vk, pub, RV_AIR_NPUB, proof, len, lh);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "lift of a segment proof (po2 %u)", claim->po2);
    return CAIRN_OK;
}
