/* cli/fold.h: the fold tree of cairn prove as a task producer. */
#include "fold.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "worker/msg.h"

#define MAX_LEVELS (JOBS_REC_MAX_FOLD_LEVEL + 1)
#define INDEX_MASK ((UINT64_C(1) << CLI_FOLD_LEVEL_SHIFT) - 1)

typedef struct node {
    struct node *next;
    uint64_t index;
    rc_fold_node n;
} node;

/* A task handed out, result not back. */
typedef struct flight {
    struct flight *next;
    unsigned level, kind; /* kind: the node's (rc_fold.h), its result's key */
    uint64_t index;
} flight;

/* A proven segment waiting for its lift. */
typedef struct {
    uint64_t index;
    rv_seg_claim c;
} waiting;

struct cli_fold {
    const rc_fold *ctx;
    jobs_job *job;
    cli_fold_event_fn on_event;
    void *event_arg;
    node *lv[MAX_LEVELS];
    flight *fl;
    uint64_t nflight;
    /* segments to lift: wq[wq_head..wq_len) */
    waiting *wq;
    size_t wq_head, wq_len, wq_cap;
    uint64_t nseg; /* 0 until cli_fold_total */
    unsigned top;  /* the top level, once nseg is known */
    int done;
    cli_fold_stats st;
    /* deferred: the finished job file's final proof, checked once every
     * segment is in wq */
    int deferred;
    h5s_fold_proof stored;
    uint8_t *stored_bytes;
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

/* Takes over *n (zeroed). */
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

static int flying(const cli_fold *f, unsigned level, uint64_t index)
{
    for (const flight *p = f->fl; p; p = p->next)
        if (p->level == level && p->index == index) return 1;
    return 0;
}

static cairn_err fly(cli_fold *f, unsigned level, uint64_t index, unsigned kind)
{
    flight *p = cairn_calloc(1, sizeof *p);
    RETURN_ERROR_IF(!p, CAIRN_ERR_NOMEM, "out of memory for a fold task");
    p->level = level;
    p->kind = kind;
    p->index = index;
    p->next = f->fl;
    f->fl = p;
    f->nflight++;
    return CAIRN_OK;
}

/* 1 and *kind the node's if (level, index) was handed out, else 0. */
static int land(cli_fold *f, unsigned level, uint64_t index, unsigned *kind)
{
    for (flight **pp = &f->fl; *pp; pp = &(*pp)->next)
        if ((*pp)->level == level && (*pp)->index == index) {
            flight *p = *pp;
            *kind = p->kind;
            *pp = p->next;
            free(p);
            f->nflight--;
            return 1;
        }
    return 0;
}

cairn_err cli_fold_new(cli_fold **out, const char *preset, unsigned po2, jobs_job *job, cli_fold_event_fn on_event,
                       void *event_arg)
{
    *out = NULL;
    RETURN_ERROR_IF(!job, CAIRN_ERR_USAGE, "fold: no job (the lifts read the segment proofs it stores)");
    RETURN_ERROR_IF(strlen(preset) > CMSG_PRESET_MAX, CAIRN_ERR_USAGE, "fold: preset name %s is too long", preset);
    const rc_fold *ctx;
    FORWARD_IF_ERROR(rc_fold_get(&ctx, preset, po2));
    cli_fold *f = cairn_calloc(1, sizeof *f);
    RETURN_ERROR_IF(!f, CAIRN_ERR_NOMEM, "out of memory for the fold");
    f->ctx = ctx;
    f->job = job;
    f->on_event = on_event;
    f->event_arg = event_arg;
    f->deferred = jobs_file_fold_proof(job, &f->stored, &f->stored_bytes);
    *out = f;
    return CAIRN_OK;
}

void cli_fold_free(cli_fold *f)
{
    if (!f) return;
    for (unsigned l = 0; l < MAX_LEVELS; l++)
        while (f->lv[l]) unlink_free(f, l, f->lv[l]->index);
    unsigned kind;
    while (f->fl) land(f, f->fl->level, f->fl->index, &kind);
    free(f->wq);
    free(f->stored_bytes);
    free(f);
}

const rc_fold *cli_fold_ctx(const cli_fold *f) { return f->ctx; }
void cli_fold_get_stats(const cli_fold *f, cli_fold_stats *out) { *out = f->st; }
int cli_fold_done(const cli_fold *f) { return f->done; }
uint64_t cli_fold_in_flight(const cli_fold *f) { return f->nflight; }

static void emit(cli_fold *f, const char *task, unsigned level, uint64_t index, int rank, double s, size_t bytes)
{
    if (!f->on_event) return;
    cli_fold_event e = {task, level, index, rank < 0, rank, s, bytes};
    f->on_event(f->event_arg, &e);
}

/* A stored node for (level, index) whose claim is want and whose kind is
 * kind, verified: *got = 1 and *n filled; otherwise 0 (a record that
 * fails a check is set aside). */
static cairn_err reuse(cli_fold *f, rc_fold_node *n, int *got, unsigned level, uint64_t index, unsigned kind,
                       const gl_t want[RC_CLAIM_NPUB])
{
    *got = 0;
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

/* ---- the segments' queue ---------------------------------------------------- */

cairn_err cli_fold_segment(cli_fold *f, uint64_t index, const rv_seg_claim *c)
{
    RETURN_ERROR_IF(index > INDEX_MASK, CAIRN_ERR_LIMIT, "fold: segment index %" PRIu64 " too large", index);
    if (f->wq_len == f->wq_cap) {
        if (f->wq_head > f->wq_len / 2) { /* room at the front: move down */
            memmove(f->wq, f->wq + f->wq_head, (f->wq_len - f->wq_head) * sizeof *f->wq);
            f->wq_len -= f->wq_head;
            f->wq_head = 0;
        } else {
            size_t cap = f->wq_cap ? 2 * f->wq_cap : 64;
            void *a = cairn_realloc_array(f->wq, cap, sizeof *f->wq);
            RETURN_ERROR_IF(!a, CAIRN_ERR_NOMEM, "out of memory for the fold's segment queue");
            f->wq = a;
            f->wq_cap = cap;
        }
    }
    f->wq[f->wq_len].index = index;
    f->wq[f->wq_len].c = *c;
    f->wq_len++;
    return CAIRN_OK;
}

cairn_err cli_fold_total(cli_fold *f, uint64_t nseg)
{
    RETURN_ERROR_IF(nseg == 0, CAIRN_ERR_USAGE, "fold: a run of no segments");
    f->nseg = nseg;
    unsigned top = 0;
    for (uint64_t n = nseg; n > 1; n = (n + 1) / 2) top++;
    RETURN_ERROR_IF(top >= MAX_LEVELS, CAIRN_ERR_LIMIT, "fold: more than %d levels", MAX_LEVELS);
    f->top = top;
    return CAIRN_OK;
}

/* ---- deferred: the finished job file's final proof ------------------------------ */

/* The stored final proof, if it is this run's (every segment's claim is
 * in the queue). */
static int stored_final_ok(cli_fold *f)
{
    const waiting *q = f->wq + f->wq_head;
    const size_t n = f->wq_len - f->wq_head;
    const waiting *first = NULL, *last = NULL;
    uint64_t cyc = 0;
    for (size_t i = 0; i < n; i++) {
        if (q[i].index == 0) first = &q[i];
        if (q[i].index == f->nseg - 1) last = &q[i];
        cyc += q[i].c.cycles;
    }
    if (!first || !last) return 0;
    gl_t want[RC_CLAIM_NPUB];
    if (rc_fold_lift_claim(want, f->ctx, &first->c) != CAIRN_OK) return 0;
    memcpy(want + RC_CLAIM_END, last->c.end.v, sizeof last->c.end.v);
    want[RC_CLAIM_CYCLES] = cyc;
    const rc_fold_cfg *cfg = rc_fold_cfg_of(f->ctx);
    return !memcmp(f->stored.claim, want, sizeof want) && !strcmp(f->stored.rc_preset, cfg->preset) &&
           !strcmp(f->stored.shape, rc_fold_shape_of(cfg, f->stored.kind)) &&
           rc_fold_verify(f->ctx, f->stored.kind, want, f->stored.proof, f->stored.proof_len) == CAIRN_OK;
}

/* Deferred mode: once the run is over with every segment given, use the
 * stored final proof or fall back to folding. *wait = 1: not yet. */
static void deferred_step(cli_fold *f, int *wait)
{
    *wait = 0;
    if (!f->deferred) return;
    if (!f->nseg || f->wq_len - f->wq_head < f->nseg) {
        *wait = 1;
        return;
    }
    f->deferred = 0;
    if (stored_final_ok(f)) {
        rc_fold_node n = {.kind = f->stored.kind, .proof = f->stored_bytes, .len = f->stored.proof_len};
        memcpy(n.claim, f->stored.claim, sizeof n.claim);
        f->stored_bytes = NULL;
        f->wq_head = f->wq_len;
        f->st.final_reused = 1;
        if (add(f, f->top, 0, &n) == CAIRN_OK) f->done = 1;
        return;
    }
    /* not this run's, or damaged: fold the stored segment proofs */
    cairn_clear_error();
}

/* ---- making nodes --------------------------------------------------------------- */

/* Count of nodes at level (the run's size known). */
static uint64_t level_count(const cli_fold *f, unsigned level)
{
    uint64_t n = f->nseg;
    for (unsigned l = 0; l < level; l++) n = (n + 1) / 2;
    return n;
}

/* Carries odd last nodes up and sees whether the top node exists
 * (both need the run's size). */
static cairn_err settle(cli_fold *f)
{
    if (!f->nseg || f->done) return CAIRN_OK;
    for (unsigned l = 0; l < f->top; l++) {
        uint64_t n = level_count(f, l);
        if (n % 2 == 0) continue;
        node *p = find(f, l, n - 1);
        if (!p) continue;
        rc_fold_node moved = p->n;
        memset(&p->n, 0, sizeof p->n);
        unlink_free(f, l, n - 1);
        FORWARD_IF_ERROR(add(f, l + 1, (n - 1) / 2, &moved));
    }
    if (find(f, f->top, 0)) f->done = 1;
    return CAIRN_OK;
}

static void task_of(coord_task *t, uint32_t kind, unsigned level, uint64_t index, uint8_t *payload, size_t len)
{
    t->kind = kind;
    t->index = (uint64_t)level << CLI_FOLD_LEVEL_SHIFT | index;
    t->payload = payload;
    t->payload_len = len;
}

static cmsg_rc_node wire_node(const rc_fold_node *n)
{
    cmsg_rc_node w = {.kind = n->kind, .proof = n->proof, .proof_len = n->len};
    memcpy(w.claim, n->claim, sizeof w.claim);
    return w;
}

/* A join of two neighbours that both exist: reused (*got = 0, *progress
 * = 1) or made a task (*got = 1). */
static cairn_err next_join(cli_fold *f, int *got, int *progress, coord_task *task)
{
    for (unsigned level = 1; level < MAX_LEVELS; level++)
        for (node *l = f->lv[level - 1]; l; l = l->next) {
            if (l->index % 2) continue;
            const uint64_t i = l->index / 2;
            node *r = find(f, level - 1, l->index + 1);
            if (!r || find(f, level, i) || flying(f, level, i)) continue;
            gl_t want[RC_CLAIM_NPUB];
            rc_fold_join_claim(want, l->n.claim, r->n.claim);
            unsigned kind;
            FORWARD_IF_ERROR(rc_fold_join_kind(&kind, l->n.kind, r->n.kind));
            rc_fold_node n;
            memset(&n, 0, sizeof n);
            int reused;
            FORWARD_IF_ERROR(reuse(f, &n, &reused, level, i, kind, want));
            if (reused) {
                f->st.joins_reused++;
                emit(f, "join", level, i, -1, 0, n.len);
                FORWARD_IF_ERROR(add(f, level, i, &n));
            } else {
                cmsg_join j = {.left = wire_node(&l->n), .right = wire_node(&r->n)};
                snprintf(j.preset, sizeof j.preset, "%s", rc_fold_seg_preset(f->ctx));
                uint8_t *b;
                size_t len;
                FORWARD_IF_ERROR(cmsg_join_encode(&b, &len, &j));
                cairn_err e = fly(f, level, i, kind);
                if (e != CAIRN_OK) {
                    free(b);
                    return e;
                }
                task_of(task, CMSG_TASK_JOIN, level, i, b, len);
                *got = 1;
            }
            /* the children are in the parent, or in the task's bytes the
             * coordinator keeps for retries */
            uint64_t li = l->index;
            unlink_free(f, level - 1, li);
            unlink_free(f, level - 1, li + 1);
            *progress = 1;
            return CAIRN_OK;
        }
    return CAIRN_OK;
}

/* The oldest segment waiting for its lift: reused (*progress = 1) or made
 * a task (*got = 1). */
static cairn_err next_lift(cli_fold *f, int *got, int *progress, coord_task *task)
{
    if (f->wq_head == f->wq_len) return CAIRN_OK;
    const waiting w = f->wq[f->wq_head++];
    *progress = 1;
    RETURN_ERROR_IF(find(f, 0, w.index) || flying(f, 0, w.index), CAIRN_ERR_INTERNAL,
                    "fold: segment %" PRIu64 " given twice", w.index);
    gl_t want[RC_CLAIM_NPUB];
    unsigned kind; /* the segment's size: the run's, or a tail's */
    cairn_err e = rc_fold_lift_kind(&kind, f->ctx, w.c.po2);
    if (e == CAIRN_OK) e = rc_fold_lift_claim(want, f->ctx, &w.c);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "fold: segment %" PRIu64, w.index);
    rc_fold_node n;
    memset(&n, 0, sizeof n);
    int reused;
    FORWARD_IF_ERROR(reuse(f, &n, &reused, 0, w.index, kind, want));
    if (reused) {
        f->st.lifts_reused++;
        emit(f, "lift", 0, w.index, -1, 0, n.len);
        return add(f, 0, w.index, &n);
    }
    /* the segment proof as stored (verified before it was) */
    jobs_stored st;
    FORWARD_IF_ERROR(jobs_get(f->job, w.index, &st));
    cmsg_lift l = {.seg = w.c, .proof = st.proof, .proof_len = st.proof_len};
    snprintf(l.preset, sizeof l.preset, "%s", rc_fold_seg_preset(f->ctx));
    uint8_t *b;
    size_t len;
    e = cmsg_lift_encode(&b, &len, &l);
    jobs_stored_free(&st);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "fold: lift of segment %" PRIu64, w.index);
    if ((e = fly(f, 0, w.index, kind)) != CAIRN_OK) {
        free(b);
        return e;
    }
    task_of(task, CMSG_TASK_LIFT, 0, w.index, b, len);
    *got = 1;
    return CAIRN_OK;
}

cairn_err cli_fold_next(cli_fold *f, int *got, coord_task *task)
{
    *got = 0;
    for (;;) {
        int wait, progress = 0;
        deferred_step(f, &wait);
        if (wait) return CAIRN_OK;
        FORWARD_IF_ERROR(settle(f));
        if (f->done) return CAIRN_OK;
        /* joins before lifts: a join frees two nodes */
        FORWARD_IF_ERROR(next_join(f, got, &progress, task));
        if (!progress) FORWARD_IF_ERROR(next_lift(f, got, &progress, task));
        if (*got || !progress) return CAIRN_OK;
    }
}

cairn_err cli_fold_put(cli_fold *f, const coord_result *r)
{
    const unsigned level = (unsigned)(r->index >> CLI_FOLD_LEVEL_SHIFT);
    const uint64_t index = r->index & INDEX_MASK;
    const char *name = r->kind == CMSG_TASK_LIFT ? "lift" : "join";
    unsigned kind;
    RETURN_ERROR_IF(!land(f, level, index, &kind), CAIRN_ERR_INTERNAL,
                    "fold: a %s result for node %" PRIu64 " of level %u that was not handed out", name, index, level);
    RETURN_ERROR_IF(rc_fold_is_lift(kind) != (r->kind == CMSG_TASK_LIFT), CAIRN_ERR_INTERNAL,
                    "fold: a %s result for node %" PRIu64 " of level %u, which is a %s", name, index, level,
                    rc_fold_kind_name(kind));
    rc_fold_node n;
    memset(&n, 0, sizeof n);
    n.kind = kind;
    FORWARD_IF_ERROR(cmsg_rc_claim_decode(n.claim, r->claim, r->claim_len));
    n.proof = cairn_malloc(r->proof_len ? r->proof_len : 1);
    RETURN_ERROR_IF(!n.proof, CAIRN_ERR_NOMEM, "fold: out of memory for a %s proof of %zu bytes", name, r->proof_len);
    memcpy(n.proof, r->proof, r->proof_len);
    n.len = r->proof_len;
    jobs_rec_fold rec = {.level = level, .kind = kind, .index = index, .task_ns = (uint64_t)(r->seconds * 1e9),
                         .proof = n.proof, .proof_len = n.len};
    memcpy(rec.claim, n.claim, sizeof rec.claim);
    cairn_err e = jobs_put_fold(f->job, &rec);
    if (e != CAIRN_OK) {
        rc_fold_node_free(&n);
        return cairn_prefix_error(e, "fold: storing the %s of node %" PRIu64 " of level %u", name, index, level);
    }
    if (rc_fold_is_lift(kind)) {
        f->st.lifts++;
        f->st.lift_sec += r->seconds;
    } else {
        f->st.joins++;
        f->st.join_sec += r->seconds;
    }
    emit(f, name, level, index, r->rank, r->seconds, n.len);
    FORWARD_IF_ERROR(add(f, level, index, &n));
    return settle(f);
}

cairn_err cli_fold_final(cli_fold *f, rc_fold_node *out)
{
    memset(out, 0, sizeof *out);
    RETURN_ERROR_IF(!f->done, CAIRN_ERR_INTERNAL, "fold: no final node (%" PRIu64 " tasks in flight)", f->nflight);
    node *top = find(f, f->top, 0);
    RETURN_ERROR_IF(!top, CAIRN_ERR_INTERNAL, "fold: no final node");
    *out = top->n;
    memset(&top->n, 0, sizeof top->n);
    unlink_free(f, f->top, 0);
    return CAIRN_OK;
}
