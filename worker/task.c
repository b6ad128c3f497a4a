/* The task table (task.h). */
#include "task.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "recursion/rc_fold.h"
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
    if (!rv_air_seg_po2_ok(p->po2, s->segment_po2)) {
        unsigned po2 = s->segment_po2;
        rv_snapshot_free(s);
        return cairn_fail(CAIRN_ERR_FORMAT,
                          "prove-segment payload: snapshot of po2 %u in a job of po2 %u (a tail from %u up)", po2,
                          p->po2, RV_TAIL_MIN_PO2);
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

/* ---- LIFT and JOIN (the fold, recursion/rc_fold.h) ------------------------------ */

_Static_assert(CMSG_RC_CLAIM_N == RC_CLAIM_NPUB, "msg.h's recursion claim is rc_join.h's");
_Static_assert((int)CMSG_NODE_LIFT == (int)RC_FOLD_LIFT && (int)CMSG_NODE_JOIN_JJ == (int)RC_FOLD_JOIN_JJ &&
                   (int)CMSG_NODE_JOIN_LL == (int)RC_FOLD_JOIN_LL && (int)CMSG_NODE_JOIN_JL == (int)RC_FOLD_JOIN_JL &&
                   (int)CMSG_NODE_TAIL0 == (int)RC_FOLD_TAIL0 && (int)CMSG_NODE_NKINDS == (int)RC_FOLD_NKINDS,
               "node kinds");

/* What a recursion result must claim, and the context that verifies it. */
typedef struct {
    const rc_fold *ctx;
    unsigned kind; /* RC_FOLD_LIFT .. RC_FOLD_NKINDS-1: the key of the result */
    gl_t claim[RC_CLAIM_NPUB];
} rc_expect;

/* The fold context of the job: the payload's preset at the job's po2
 * (a lift's segment may be a smaller tail, rv_air_seg_po2_ok).
 * Built on a rank's first recursion task and cached (rc_fold_get), so a
 * job that does not fold never pays for its keys. */
static cairn_err fold_ctx(const rc_fold **ctx, const char *preset, unsigned seg_po2, const cmsg_params *p,
                          const char *what)
{
    RETURN_ERROR_IF(!rv_air_seg_po2_ok(p->po2, seg_po2), CAIRN_ERR_FORMAT,
                    "%s payload: a segment of po2 %u in a job of po2 %u", what, seg_po2, p->po2);
    cairn_err e = rc_fold_get(ctx, preset, p->po2);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "%s: fold context of preset %s, po2 %u", what, preset, p->po2);
    return CAIRN_OK;
}

static cairn_err lift_payload(cmsg_lift *l, const rc_fold **ctx, const uint8_t *payload, size_t len,
                              const cmsg_params *p)
{
    FORWARD_IF_ERROR(cmsg_lift_decode(l, payload, len));
    return fold_ctx(ctx, l->preset, l->seg.po2, p, "lift");
}

static cairn_err join_payload(cmsg_join *j, const rc_fold **ctx, const uint8_t *payload, size_t len,
                              const cmsg_params *p)
{
    FORWARD_IF_ERROR(cmsg_join_decode(j, payload, len));
    return fold_ctx(ctx, j->preset, p->po2, p, "join");
}

static rc_fold_node node_of(const cmsg_rc_node *n)
{
    rc_fold_node r;
    r.kind = n->kind;
    memcpy(r.claim, n->claim, sizeof r.claim);
    r.proof = (uint8_t *)n->proof; /* borrowed: rc_fold_join only reads it */
    r.len = n->proof_len;
    return r;
}

/* A made node as a result: its claim encoded, its proof handed over. */
static cairn_err node_result(uint8_t **claim, size_t *claim_len, uint8_t **proof, size_t *proof_len,
                             rc_fold_node *n)
{
    *claim = cairn_malloc(CMSG_RC_CLAIM_BYTES);
    if (!*claim) {
        rc_fold_node_free(n);
        return cairn_fail_nomem(CMSG_RC_CLAIM_BYTES, "out of memory for a recursion claim");
    }
    cmsg_rc_claim_encode(*claim, n->claim);
    *claim_len = CMSG_RC_CLAIM_BYTES;
    *proof = n->proof;
    *proof_len = n->len;
    return CAIRN_OK;
}

static cairn_err lift_run(uint8_t **claim, size_t *claim_len, uint8_t **proof, size_t *proof_len,
                          const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    *claim = *proof = NULL;
    *claim_len = *proof_len = 0;
    cmsg_lift l;
    const rc_fold *ctx;
    FORWARD_IF_ERROR(lift_payload(&l, &ctx, payload, payload_len, p));
    rc_fold_node n;
    cairn_err e = rc_fold_lift(&n, NULL, ctx, &l.seg, l.proof, l.proof_len);
    if (e != CAIRN_OK) return e;
    return node_result(claim, claim_len, proof, proof_len, &n);
}

static cairn_err join_run(uint8_t **claim, size_t *claim_len, uint8_t **proof, size_t *proof_len,
                          const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    *claim = *proof = NULL;
    *claim_len = *proof_len = 0;
    cmsg_join j;
    const rc_fold *ctx;
    FORWARD_IF_ERROR(join_payload(&j, &ctx, payload, payload_len, p));
    rc_fold_node l = node_of(&j.left), r = node_of(&j.right), n;
    cairn_err e = rc_fold_join(&n, NULL, ctx, &l, &r);
    if (e != CAIRN_OK) return e;
    return node_result(claim, claim_len, proof, proof_len, &n);
}

/* What a result must claim, derived from the coordinator's own payload
 * (kind: RC_FOLD_LIFT, or for a join any join kind: the children's
 * kinds say which):
 * a lift of segment claim c claims (the job's control root, c's start,
 * end and cycles), what rc_lift exposes; a join of left and right claims
 * (left's control root and start, right's end, the sum of their cycles),
 * what rc_join exposes when the two chain (it checks that they do). */
static cairn_err rc_expect_make(void **exp, unsigned kind, const uint8_t *payload, size_t payload_len,
                                const cmsg_params *p)
{
    *exp = NULL;
    const rc_fold *ctx;
    gl_t want[RC_CLAIM_NPUB];
    if (kind == RC_FOLD_LIFT) {
        cmsg_lift l;
        FORWARD_IF_ERROR(lift_payload(&l, &ctx, payload, payload_len, p));
        cairn_err e = rc_fold_lift_kind(&kind, ctx, l.seg.po2);
        if (e == CAIRN_OK) e = rc_fold_lift_claim(want, ctx, &l.seg);
        if (e != CAIRN_OK) return cairn_prefix_error(e, "lift payload");
    } else {
        cmsg_join j;
        FORWARD_IF_ERROR(join_payload(&j, &ctx, payload, payload_len, p));
        cairn_err e = rc_fold_join_kind(&kind, j.left.kind, j.right.kind);
        if (e != CAIRN_OK) return cairn_prefix_error(e, "join payload");
        rc_fold_join_claim(want, j.left.claim, j.right.claim);
    }
    rc_expect *x = cairn_calloc(1, sizeof *x);
    RETURN_ERROR_IF(!x, CAIRN_ERR_NOMEM, "out of memory for an expected recursion claim");
    x->ctx = ctx;
    x->kind = kind;
    memcpy(x->claim, want, sizeof want);
    *exp = x;
    return CAIRN_OK;
}

static cairn_err lift_expect(void **exp, const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    return rc_expect_make(exp, RC_FOLD_LIFT, payload, payload_len, p);
}

static cairn_err join_expect(void **exp, const uint8_t *payload, size_t payload_len, const cmsg_params *p)
{
    return rc_expect_make(exp, RC_FOLD_JOIN_JJ, payload, payload_len, p);
}

static cairn_err rc_check(const void *exp, const uint8_t *claim, size_t claim_len, const uint8_t *proof,
                          size_t proof_len, const cmsg_params *p)
{
    (void)p;
    const rc_expect *want = exp;
    gl_t got[RC_CLAIM_NPUB];
    FORWARD_IF_ERROR(cmsg_rc_claim_decode(got, claim, claim_len));
    static const struct {
        unsigned off, n;
        const char *what;
    } parts[] = {{RC_CLAIM_CTRL, P2_DIGEST, "control root is not the job's"},
                 {RC_CLAIM_START, P2_DIGEST, "start digest is not the one its children imply"},
                 {RC_CLAIM_END, P2_DIGEST, "end digest is not the one its children imply"},
                 {RC_CLAIM_CYCLES, 1, "cycle count is not the one its children imply"}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        RETURN_ERROR_IF(memcmp(got + parts[i].off, want->claim + parts[i].off, parts[i].n * sizeof *got),
                        CAIRN_ERR_VERIFY, "%s claim: its %s", rc_fold_kind_name(want->kind), parts[i].what);
    return rc_fold_verify(want->ctx, want->kind, want->claim, proof, proof_len);
}

/* ---- the table ------------------------------------------------------------- */

static const wrk_task_ops g_tasks[] = {
    {CMSG_TASK_PROVE_SEGMENT, "prove-segment", "segment", seg_run, seg_expect, seg_check},
    {CMSG_TASK_LIFT, "lift", "lift of segment", lift_run, lift_expect, rc_check},
    {CMSG_TASK_JOIN, "join", "join node", join_run, join_expect, rc_check},
};

const wrk_task_ops *wrk_task_lookup(uint32_t kind)
{
    for (size_t i = 0; i < sizeof g_tasks / sizeof g_tasks[0]; i++)
        if (g_tasks[i].kind == kind) return &g_tasks[i];
    return NULL;
}
