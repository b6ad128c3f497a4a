/* cli/fold.h: the streamed fold tree of cairn prove. */
#include "fold.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"

#define MAX_LEVELS (JOBS_REC_MAX_FOLD_LEVEL + 1)

typedef struct node {
    struct node *next;
    uint64_t index;
    rc_fold_node n;
} node;

struct cli_fold {
    const rc_fold *ctx;
    jobs_job *job;
    cli_fold_event_fn on_event;
    void *event_arg;
    node *lv[MAX_LEVELS];
    cli_fold_stats st;
    /* deferred: the finished job file's final proof, checked at the end */
    int deferred;
    h5s_fold_proof stored;
    uint8_t *stored_bytes;
    rv_seg_claim *claims; /* deferred: every segment's claim */
    uint8_t *have;
    size_t cap;
};

static node *find(const cli_fold *f, unsigned level, uint64_t index)
{
    for (node *p = f->lv[level]; p; p = p->next)
        if (p->index == index) return p;
    return NULL;
}

static void unlink_free(cli_fold *f, unsigned level, uint64_t index)
{
    for (node **pp = &f->lv[level]; *pp; pp = &(*pp)->next)
        if ((*pp)->index == index) {
            node *p = *pp;
            *pp = p->next;
            rc_fold_node_free(&p->n);
            free(p);
            return;
        }
}

static cairn_err add(cli_fold *f, unsigned level, uint64_t index, rc_fold_node *n)
{
    node *p = cairn_calloc(1, sizeof *p);
    if (!p) {
        rc_fold_node_free(n);
        return cairn_fail(CAIRN_ERR_NOMEM, "out of memory for a fold node");
    }
    p->index = index;
    p->n = *n;
    memset(n, 0, sizeof *n);
    p->next = f->lv[level];
    f->lv[level] = p;
    return CAIRN_OK;
}

cairn_err cli_fold_new(cli_fold **out, const char *preset, unsigned po2, jobs_job *job, cli_fold_event_fn on_event,
                       void *event_arg)
{
    *out = NULL;
    const rc_fold *ctx;
    FORWARD_IF_ERROR(rc_fold_get(&ctx, preset, po2));
    cli_fold *f = cairn_calloc(1, sizeof *f);
    RETURN_ERROR_IF(!f, CAIRN_ERR_NOMEM, "out of memory for the fold");
    f->ctx = ctx;
    f->job = job;
    f->on_event = on_event;
    f->event_arg = event_arg;
    f->deferred = job && jobs_file_fold_proof(job, &f->stored, &f->stored_bytes);
    *out = f;
    return CAIRN_OK;
}

void cli_fold_free(cli_fold *f)
{
    if (!f) return;
    for (unsigned l = 0; l < MAX_LEVELS; l++)
        while (f->lv[l]) unlink_free(f, l, f->lv[l]->index);
    free(f->stored_bytes);
    free(f->claims);
    free(f->have);
    free(f);
}

const rc_fold *cli_fold_ctx(const cli_fold *f) { return f->ctx; }

void cli_fold_get_stats(const cli_fold *f, cli_fold_stats *out) { *out = f->st; }

static void emit(cli_fold *f, const char *task, unsigned level, uint64_t index, int reused, double s, size_t bytes)
{
    if (!f->on_event) return;
    cli_fold_event e = {task, level, index, reused, s, bytes};
    f->on_event(f->event_arg, &e);
}

/* A stored node for (level, index) whose claim is want and whose kind is
 * kind, verified: *got = 1 and *n filled; otherwise 0 (a record that
 * fails a check is set aside). */
static cairn_err reuse(cli_fold *f, rc_fold_node *n, int *got, unsigned level, uint64_t index, unsigned kind,
                       const gl_t want[RC_CLAIM_NPUB])
{
    *got = 0;
    if (!f->job) return CAIRN_OK;
    jobs_fold_stored s;
    int found;
    FORWARD_IF_ERROR(jobs_get_fold(f->job, level, index, &s, &found));
    if (!found) return CAIRN_OK;
    const char *why = NULL;
    if (s.kind != kind) why = "it is a proof of another kind";
    else if (memcmp(s.claim, want, sizeof s.claim)) why = "its claim is not the one its children make";
    else if (rc_fold_verify(f->ctx, kind, want, s.proof, s.proof_len) != CAIRN_OK) why = cairn_last_error();
    if (why) {
        jobs_drop_fold(f->job, level, index, why);
        free(s.proof);
        return CAIRN_OK;
    }
    n->kind = kind;
    memcpy(n->claim, want, sizeof n->claim);
    n->proof = s.proof;
    n->len = s.proof_len;
    *got = 1;
    return CAIRN_OK;
}

static cairn_err store(cli_fold *f, unsigned level, uint64_t index, const rc_fold_node *n, double seconds)
{
    if (!f->job) return CAIRN_OK;
    jobs_rec_fold r = {.level = level, .kind = n->kind, .index = index, .task_ns = (uint64_t)(seconds * 1e9),
                       .proof = n->proof, .proof_len = n->len};
    memcpy(r.claim, n->claim, sizeof r.claim);
    return jobs_put_fold(f->job, &r);
}

/* Joins (level-1, 2i) and (level-1, 2i+1) into (level, i) if both exist
 * and it does not, then goes on up. */
static cairn_err join_up(cli_fold *f, unsigned level, uint64_t i)
{
    while (level < MAX_LEVELS) {
        node *l = find(f, level - 1, 2 * i), *r = find(f, level - 1, 2 * i + 1);
        if (!l || !r || find(f, level, i)) return CAIRN_OK;
        gl_t want[RC_CLAIM_NPUB];
        memcpy(want, l->n.claim, sizeof want);
        memcpy(want + RC_CLAIM_END, r->n.claim + RC_CLAIM_END, P2_DIGEST * sizeof *want);
        want[RC_CLAIM_CYCLES] = gl_add(l->n.claim[RC_CLAIM_CYCLES], r->n.claim[RC_CLAIM_CYCLES]);
        rc_fold_node n;
        memset(&n, 0, sizeof n);
        int got;
        FORWARD_IF_ERROR(reuse(f, &n, &got, level, i, RC_FOLD_JOIN, want));
        double s = 0;
        if (got) {
            f->st.joins_reused++;
        } else {
            cairn_err e = rc_fold_join(&n, &s, f->ctx, &l->n, &r->n);
            if (e != CAIRN_OK)
                return cairn_prefix_error(e, "fold: join of nodes %" PRIu64 " and %" PRIu64 " of level %u", 2 * i,
                                          2 * i + 1, level - 1);
            f->st.joins++;
            f->st.join_sec += s;
            if ((e = store(f, level, i, &n, s)) != CAIRN_OK) {
                rc_fold_node_free(&n);
                return e;
            }
        }
        emit(f, "join", level, i, got, s, n.len);
        FORWARD_IF_ERROR(add(f, level, i, &n));
        unlink_free(f, level - 1, 2 * i);
        unlink_free(f, level - 1, 2 * i + 1);
        level++;
        i /= 2;
    }
    return cairn_fail(CAIRN_ERR_LIMIT, "fold: more than %d levels", MAX_LEVELS);
}

static cairn_err remember(cli_fold *f, uint64_t index, const rv_seg_claim *c)
{
    if (index >= f->cap) {
        size_t cap = f->cap ? f->cap : 64;
        while (cap <= index) cap *= 2;
        void *a = cairn_realloc_array(f->claims, cap, sizeof *f->claims);
        if (!a) return cairn_fail(CAIRN_ERR_NOMEM, "out of memory for the fold's claims");
        f->claims = a;
        void *h = cairn_realloc_array(f->have, cap, 1);
        if (!h) return cairn_fail(CAIRN_ERR_NOMEM, "out of memory for the fold's claims");
        f->have = h;
        memset(f->have + f->cap, 0, cap - f->cap);
        f->cap = cap;
    }
    f->claims[index] = *c;
    f->have[index] = 1;
    return CAIRN_OK;
}

static cairn_err lift_segment(cli_fold *f, uint64_t index, const rv_seg_claim *c, const uint8_t *proof, size_t len)
{
    RETURN_ERROR_IF(find(f, 0, index), CAIRN_ERR_INTERNAL, "fold: segment %" PRIu64 " given twice", index);
    gl_t want[RC_CLAIM_NPUB];
    p2_digest ctrl = rc_fold_ctrl(f->ctx);
    memcpy(want, ctrl.v, sizeof ctrl.v);
    FORWARD_IF_ERROR(rv_seg_claim_pub(want + RC_CLAIM_START, c));
    rc_fold_node n;
    memset(&n, 0, sizeof n);
    int got;
    FORWARD_IF_ERROR(reuse(f, &n, &got, 0, index, RC_FOLD_LIFT, want));
    double s = 0;
    if (got) {
        f->st.lifts_reused++;
    } else {
        cairn_err e = rc_fold_lift(&n, &s, f->ctx, c, proof, len);
        if (e != CAIRN_OK) return cairn_prefix_error(e, "fold: lift of segment %" PRIu64, index);
        f->st.lifts++;
        f->st.lift_sec += s;
        if ((e = store(f, 0, index, &n, s)) != CAIRN_OK) {
            rc_fold_node_free(&n);
            return e;
        }
    }
    emit(f, "lift", 0, index, got, s, n.len);
    FORWARD_IF_ERROR(add(f, 0, index, &n));
    return join_up(f, 1, index / 2);
}

cairn_err cli_fold_segment(cli_fold *f, uint64_t index, const rv_seg_claim *c, const uint8_t *proof, size_t len)
{
    if (f->deferred) return remember(f, index, c);
    return lift_segment(f, index, c, proof, len);
}

/* Deferred: the stored final proof, if it is this run's. */
static int stored_final_ok(cli_fold *f, uint64_t nseg)
{
    for (uint64_t i = 0; i < nseg; i++)
        if (i >= f->cap || !f->have[i]) return 0;
    gl_t want[RC_CLAIM_NPUB];
    p2_digest ctrl = rc_fold_ctrl(f->ctx);
    memcpy(want, ctrl.v, sizeof ctrl.v);
    memcpy(want + RC_CLAIM_START, f->claims[0].start.v, sizeof ctrl.v);
    memcpy(want + RC_CLAIM_END, f->claims[nseg - 1].end.v, sizeof ctrl.v);
    uint64_t cyc = 0;
    for (uint64_t i = 0; i < nseg; i++) cyc += f->claims[i].cycles;
    want[RC_CLAIM_CYCLES] = cyc;
    const rc_fold_cfg *cfg = rc_fold_cfg_of(f->ctx);
    return !memcmp(f->stored.claim, want, sizeof want) && !strcmp(f->stored.rc_preset, cfg->preset) &&
           !strcmp(f->stored.shape, cfg->shape) &&
           rc_fold_verify(f->ctx, f->stored.kind, want, f->stored.proof, f->stored.proof_len) == CAIRN_OK;
}

/* Node (level, i) exists, or was joined into an ancestor already (joins
 * made while streaming are nodes of the final tree: they join two real
 * nodes, never a carried one). */
static int covered(const cli_fold *f, unsigned level, uint64_t i)
{
    for (unsigned k = 0; level + k < MAX_LEVELS; k++)
        if (find(f, level + k, i >> k)) return 1;
    return 0;
}

cairn_err cli_fold_finish(cli_fold *f, uint64_t nseg, rc_fold_node *out)
{
    memset(out, 0, sizeof *out);
    RETURN_ERROR_IF(nseg == 0, CAIRN_ERR_USAGE, "fold: a run of no segments");
    if (f->deferred) {
        f->deferred = 0;
        if (stored_final_ok(f, nseg)) {
            out->kind = f->stored.kind;
            memcpy(out->claim, f->stored.claim, sizeof out->claim);
            out->proof = f->stored_bytes;
            out->len = f->stored.proof_len;
            f->stored_bytes = NULL;
            f->st.final_reused = 1;
            return CAIRN_OK;
        }
        /* not this run's, or damaged: fold the stored segment proofs */
        cairn_clear_error();
        for (uint64_t i = 0; i < nseg; i++) {
            jobs_stored st;
            FORWARD_IF_ERROR(jobs_get(f->job, i, &st));
            rv_seg_claim c;
            cairn_err e = jobs_claim_from_h5s(&c, &st.claim);
            if (e == CAIRN_OK) e = lift_segment(f, i, &c, st.proof, st.proof_len);
            jobs_stored_free(&st);
            FORWARD_IF_ERROR(e);
        }
    }
    uint64_t n = nseg;
    unsigned level = 0;
    for (uint64_t i = 0; i < n; i++)
        RETURN_ERROR_IF(!covered(f, 0, i), CAIRN_ERR_INTERNAL, "fold: segment %" PRIu64 " was never lifted", i);
    while (n > 1) {
        uint64_t up = (n + 1) / 2;
        if (n % 2) {
            /* the odd last node is carried up unchanged */
            node *p = find(f, level, n - 1);
            if (p && !find(f, level + 1, up - 1)) {
                rc_fold_node moved = p->n;
                memset(&p->n, 0, sizeof p->n);
                unlink_free(f, level, n - 1);
                FORWARD_IF_ERROR(add(f, level + 1, up - 1, &moved));
            }
        }
        for (uint64_t i = 0; i < n / 2; i++) FORWARD_IF_ERROR(join_up(f, level + 1, i));
        for (uint64_t i = 0; i < up; i++)
            RETURN_ERROR_IF(!covered(f, level + 1, i), CAIRN_ERR_INTERNAL, "fold: node %" PRIu64 " of level %u missing",
                            i, level + 1);
        n = up;
        level++;
        RETURN_ERROR_IF(level >= MAX_LEVELS, CAIRN_ERR_LIMIT, "fold: more than %d levels", MAX_LEVELS);
    }
    node *top = find(f, level, 0);
    RETURN_ERROR_IF(!top, CAIRN_ERR_INTERNAL, "fold: no final node");
    *out = top->n;
    memset(&top->n, 0, sizeof top->n);
    unlink_free(f, level, 0);
    return CAIRN_OK;
}
