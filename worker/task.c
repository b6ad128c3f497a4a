/* The task table (task.h). */
#include "task.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

/* ---- PROVE_SEGMENT --------------------------------------------------------- */

/* The job's parameters as the prover takes them; usage error naming the
 * parameter when they are not a valid set. */
static cairn_err seg_params(stark_params *out, const cmsg_params *p)
{
    cmsg_params_get(out, p);
    cairn_err e = stark_params_validate(out);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "task parameters");
    RETURN_ERROR_IF(p->po2 < RV_MIN_SEGMENT_PO2 || p->po2 > RV_MAX_SEGMENT_PO2, CAIRN_ERR_FORMAT,
                    "task parameters: segment po2 %u outside %u..%u", p->po2, RV_MIN_SEGMENT_PO2,
                    RV_MAX_SEGMENT_PO2);
    return CAIRN_OK;
}

static cairn_err seg_snapshot(rv_snapshot *s, const uint8_t *payload, size_t len, const cmsg_params *p)
{
    cairn_err e = rv_snapshot_decode(s, payload, len);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "prove-segment payload");
    if (s->segment_po2 != p->po2) {
        unsigned po2 = s->segment_po2;
        rv_snapshot_free(s);
        return cairn_fail(CAIRN_ERR_FORMAT, "prove-segment payload: snapshot of po2 %u in a job of po2 %u", po2,
                          p->po2);
    }
    return CAIRN_OK;
}

static cairn_err seg_run(uint8_t **claim, size_t *claim_len, uint8_t **proof, size_t *proof_len,
                         const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    *claim = *proof = NULL;
    *claim_len = *proof_len = 0;
    stark_params sp;
    FORWARD_IF_ERROR(seg_params(&sp, p));
    rv_snapshot s;
    FORWARD_IF_ERROR(seg_snapshot(&s, payload, payload_len, p));
    rv_seg_claim c;
    cairn_err e = rv_prove_segment(proof, proof_len, &c, &s, &sp);
    uint64_t index = s.index;
    rv_snapshot_free(&s);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "segment %llu", (unsigned long long)index);
    *claim = cairn_malloc(CMSG_SEG_CLAIM_BYTES);
    if (!*claim) {
        free(*proof);
        *proof = NULL;
        *proof_len = 0;
        return cairn_fail_nomem(CMSG_SEG_CLAIM_BYTES, "segment %llu: out of memory for the claim",
                                (unsigned long long)index);
    }
    cmsg_seg_claim_encode(*claim, &c);
    *claim_len = CMSG_SEG_CLAIM_BYTES;
    return CAIRN_OK;
}

static cairn_err seg_expect(void **exp, const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    *exp = NULL;
    rv_snapshot s;
    FORWARD_IF_ERROR(seg_snapshot(&s, payload, payload_len, p));
    rv_seg_claim *c = cairn_calloc(1, sizeof *c);
    if (!c) {
        rv_snapshot_free(&s);
        return cairn_fail_nomem(sizeof *c, "prove-segment: out of memory for a claim");
    }
    c->po2 = s.segment_po2;
    rv_state_digest(&c->start, &s.start);
    rv_state_digest(&c->end, &s.end);
    c->cycles = s.cycles;
    rv_snapshot_free(&s);
    *exp = c;
    return CAIRN_OK;
}

static int digest_eq(const p2_digest *a, const p2_digest *b)
{
    return !memcmp(a->v, b->v, sizeof a->v);
}

static cairn_err seg_check(const void *exp, const uint8_t *claim, size_t claim_len, const uint8_t *proof,
                           size_t proof_len, const cmsg_params *p)
{
    const rv_seg_claim *want = exp;
    rv_seg_claim got;
    FORWARD_IF_ERROR(cmsg_seg_claim_decode(&got, claim, claim_len));
    RETURN_ERROR_IF(got.po2 != want->po2, CAIRN_ERR_VERIFY, "claim po2 %u, the segment's is %u", got.po2, want->po2);
    RETURN_ERROR_IF(!digest_eq(&got.start, &want->start), CAIRN_ERR_VERIFY,
                    "claim start digest is not the segment's start state");
    RETURN_ERROR_IF(!digest_eq(&got.end, &want->end), CAIRN_ERR_VERIFY,
                    "claim end digest is not the segment's end state");
    RETURN_ERROR_IF(got.cycles != want->cycles, CAIRN_ERR_VERIFY, "claim of %llu cycles, the segment has %llu",
                    (unsigned long long)got.cycles, (unsigned long long)want->cycles);
    stark_params sp;
    FORWARD_IF_ERROR(seg_params(&sp, p));
    return rv_verify_segment(want, proof, proof_len, &sp);
}

/* ---- the table ------------------------------------------------------------- */

static const wrk_task_ops g_tasks[] = {
    {CMSG_TASK_PROVE_SEGMENT, "prove-segment", "segment", seg_run, seg_expect, seg_check},
};

const wrk_task_ops *wrk_task_lookup(uint32_t kind)
{
    for (size_t i = 0; i < sizeof g_tasks / sizeof g_tasks[0]; i++)
        if (g_tasks[i].kind == kind) return &g_tasks[i];
    return NULL;
}
