/* The coordinator's loop (coord.h): one thread polls MPI, the local
 * prover, the deadlines and the source, and checks every result. */
#include "coord.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "coord_local.h"
#include "sched.h"
#include "worker/task.h"

#ifndef CAIRN_VERSION_STRING
#define CAIRN_VERSION_STRING "?"
#endif

#define WHY_MAX 1024 /* a task's accumulated reasons, a rank's reason */

void coord_opts_default(coord_opts *o)
{
    memset(o, 0, sizeof *o);
    o->comm = MPI_COMM_WORLD;
    o->po2 = RV_DEFAULT_SEGMENT_PO2;
    if (rv_air_params(&o->params, "proven-100", o->po2) != CAIRN_OK) stark_params_preset(&o->params, "proven-100");
    o->local = 1;
    o->max_attempts = 3;
    o->local_hooks.kill_after = -1;
}

/* ---- state ------------------------------------------------------------------ */

/* A task: its scheduling state (sched.h, first: sched's task pointers are
 * ctask pointers) and what the coordinator sends and checks. */
typedef struct ctask {
    sched_task s;
    uint32_t kind;
    uint64_t index;
    const wrk_task_ops *ops;
    void *exp;          /* ops->expect */
    uint8_t *msg;       /* the encoded TASK message */
    size_t msg_len;
    char why[WHY_MAX];  /* "; "-joined reasons of the failed attempts */
} ctask;

/* A worker's messages; its state (STARTING ... GONE), whether it may get
 * tasks and its task are the scheduler's (c->rk[rank], sched.h). */
typedef struct {
    MPI_Request sreq; /* the last Isend */
    uint8_t *sbuf;
    int sending;
    char why[WHY_MAX]; /* why it is out (not usable) */
} cworker;

/* A result taken off the wire and not yet checked (coord_run checks one
 * per pass, after handing out tasks). */
typedef struct unchecked {
    struct unchecked *next;
    int rank;
    cmsg m; /* decoded: owns its body */
} unchecked;

typedef struct {
    const coord_opts *o;
    const coord_source *src;
    const coord_sink *sink;
    coord_stats *stats;
    cmsg_params params;
    int mpi;               /* workers over MPI */
    int nranks;
    cworker *w;            /* nranks entries; [0] unused */
    sched_rank *rk;        /* nranks entries: [0] the local prover (IDLE or BUSY) */
    sched s;               /* the queue, the ranks' states, the policy */
    coord_local local;
    int local_on;
    char local_why[WHY_MAX];
    unchecked *uq, **uq_tail; /* results waiting for their check, oldest first */
    size_t nuq;
    int sink_failed;       /* the sink returned an error: store nothing more */
    int src_done;
    int stopping;
    double stop_t0;        /* > 0: a stop request was seen then ("Stopping early") */
    cairn_err err;         /* the job's outcome once stopping */
    char err_msg[CAIRN_ERROR_MSG_MAX];
    uint8_t digest[CMSG_DIGEST_BYTES];
    /* memory (coord.h "Memory"): per host, what the accepted provers
     * there need and the smallest limit one of them reported */
    struct coord_host {
        char name[CMSG_HOST_MAX + 1];
        uint64_t used, limit;
        unsigned provers;
    } *hosts;
    int nhosts;
} coord;

static void emit(coord *c, coord_event_type type, int rank, const ctask *t, const char *text)
{
    if (!c->o->on_event) return;
    coord_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.rank = rank;
    if (t) {
        ev.task_id = t->s.id;
        ev.kind = t->kind;
        ev.index = t->index;
        ev.attempt = t->s.failures + 1;
    }
    ev.text = text ? text : "";
    c->o->on_event(c->o->event_arg, &ev);
}

/* Stops the job with the error now in this thread's message (the first
 * error wins). */
static void stop_with(coord *c, cairn_err e)
{
    if (c->stopping) return;
    c->stopping = 1;
    c->err = e;
    if (e != CAIRN_OK) snprintf(c->err_msg, sizeof c->err_msg, "%s", cairn_last_error());
}

static const char *task_noun(const ctask *t) { return t->ops ? t->ops->noun : "task"; }

static void task_free(ctask *t)
{
    if (!t) return;
    free(t->exp);
    free(t->msg);
    free(t);
}

static ctask *task_find(coord *c, uint64_t id) { return (ctask *)sched_find(&c->s, id); }

static void task_remove(coord *c, ctask *t)
{
    sched_remove(&c->s, &t->s);
    task_free(t);
}

static void append_why(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append_why(char *buf, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 3 >= WHY_MAX) return;
    if (n) {
        memcpy(buf + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, WHY_MAX - n, fmt, ap);
    va_end(ap);
}

/* ---- provers ------------------------------------------------------------------ */

/* Takes a rank out of the job for good (it gets no more tasks). */
static void refuse(coord *c, int rank, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(coord *c, int rank, const char *fmt, ...)
{
    char why[WHY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (!c->rk[rank].usable) return;
    c->rk[rank].usable = 0;
    if (rank == 0) snprintf(c->local_why, sizeof c->local_why, "%s", why);
    else snprintf(c->w[rank].why, sizeof c->w[rank].why, "%s", why);
    c->stats->refused++;
    emit(c, COORD_EV_REFUSED, rank, NULL, why);
}

/* ---- MPI ------------------------------------------------------------------------ */

static cairn_err mpi_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static cairn_err mpi_fail(int rc, const char *fmt, ...)
{
    char what[256], s[MPI_MAX_ERROR_STRING];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int n = 0;
    if (MPI_Error_string(rc, s, &n) != MPI_SUCCESS) snprintf(s, sizeof s, "MPI error %d", rc);
    return cairn_fail(CAIRN_ERR_IO, "coordinator: %s: %s", what, s);
}

/* Completes the worker's last send if it has completed (or waits for it:
 * `wait`). 1 when no send is outstanding. */
static int send_done(cworker *w, int wait)
{
    if (!w->sending) return 1;
    int flag = 0;
    if (wait) {
        MPI_Wait(&w->sreq, MPI_STATUS_IGNORE);
        flag = 1;
    } else {
        MPI_Test(&w->sreq, &flag, MPI_STATUS_IGNORE);
    }
    if (flag) {
        free(w->sbuf);
        w->sbuf = NULL;
        w->sending = 0;
    }
    return flag;
}

/* Sends bytes (taken: freed once sent) to a worker without blocking on
 * it. A worker is sent a message only when it waits for one (after its
 * REQUEST, or the hello at start), so the previous send has been received
 * by then and the wait below returns at once. */
static cairn_err send_to(coord *c, int rank, uint8_t *b, size_t n)
{
    cworker *w = &c->w[rank];
    send_done(w, 1);
    if (n > INT_MAX) {
        free(b);
        return cairn_fail(CAIRN_ERR_LIMIT, "coordinator: a message of %zu bytes is too large for MPI", n);
    }
    int rc = MPI_Isend(b, (int)n, MPI_BYTE, rank, CMSG_TAG, c->o->comm, &w->sreq);
    if (rc != MPI_SUCCESS) {
        free(b);
        return mpi_fail(rc, "sending to rank %d", rank);
    }
    w->sbuf = b;
    w->sending = 1;
    return CAIRN_OK;
}

/* Lets a worker go: SHUTDOWN with the count of ranks given up on so far
 * (final once the job's end is settled, see drain). */
static cairn_err shutdown_worker(coord *c, int rank)
{
    c->rk[rank].st = SCHED_SHUT;
    cmsg m;
    cmsg_init(&m, CMSG_SHUTDOWN);
    m.lost = c->stats->unresponsive;
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(cmsg_encode(&b, &n, &m, 0));
    return send_to(c, rank, b, n);
}

/* ---- tasks ----------------------------------------------------------------------- */

/* One failed attempt of t on rank (t->running already counts it off):
 * requeue, or stop the job at the bound. */
static void task_failed(coord *c, ctask *t, int rank, const char *reason)
{
    c->stats->failed_attempts++;
    append_why(t->why, "rank %d: %s", rank, reason);
    if (sched_fail(&c->s, &t->s, rank)) {
        cairn_fail(CAIRN_ERR_LIMIT, "%s %llu (task %llu): %u failed attempts, the bound: %s", task_noun(t),
                   (unsigned long long)t->index, (unsigned long long)t->s.id, t->s.failures, t->why);
        stop_with(c, CAIRN_ERR_LIMIT);
    }
}

/* Takes tasks from the source while the queue is below its bound. */
static void refill(coord *c)
{
    while (!c->stopping && !c->src_done && sched_wants_more(&c->s)) {
        coord_next st = COORD_NEXT_NONE_YET;
        coord_task task;
        memset(&task, 0, sizeof task);
        double cpu0 = thread_cpu_sec();
        cairn_err e = c->src->next(c->src->arg, &st, &task);
        c->stats->cpu_source += thread_cpu_sec() - cpu0;
        if (e != CAIRN_OK) {
            if (st == COORD_NEXT_TASK) free(task.payload);
            stop_with(c, cairn_prefix_error(e, "task source"));
            return;
        }
        if (st == COORD_NEXT_DONE) {
            c->src_done = 1;
            return;
        }
        if (st != COORD_NEXT_TASK) return;
        ctask *t = cairn_calloc(1, sizeof *t);
        if (!t) {
            free(task.payload);
            stop_with(c, cairn_fail_nomem(sizeof *t, "coordinator: out of memory for a task"));
            return;
        }
        t->kind = task.kind;
        t->index = task.index;
        t->ops = wrk_task_lookup(task.kind);
        if (!t->ops)
            e = cairn_fail(CAIRN_ERR_USAGE, "task source: task kind %u is not in the task table", task.kind);
        if (e == CAIRN_OK) e = t->ops->expect(&t->exp, task.payload, task.payload_len, &c->params);
        if (e == CAIRN_OK) {
            cmsg m;
            cmsg_init(&m, CMSG_TASK);
            m.task_id = c->s.next_id + 1; /* the id sched_add gives it */
            m.task_kind = t->kind;
            m.params = c->params;
            m.payload = task.payload;
            m.payload_len = task.payload_len;
            e = cmsg_encode(&t->msg, &t->msg_len, &m, 1);
        }
        free(task.payload);
        if (e != CAIRN_OK) {
            uint64_t index = t->index;
            const char *noun = task_noun(t);
            task_free(t);
            stop_with(c, cairn_prefix_error(e, "%s %llu", noun, (unsigned long long)index));
            return;
        }
        sched_add(&c->s, &t->s);
    }
}

/* A result of rank for its task (decoded, untrusted): check, sink. */
static void take_result(coord *c, int rank, const cmsg *m)
{
    ctask *t = task_find(c, m->task_id);
    if (!t) {
        c->stats->discarded++;
        ctask ghost;
        memset(&ghost, 0, sizeof ghost);
        ghost.s.id = m->task_id;
        ghost.kind = m->task_kind;
        emit(c, COORD_EV_DISCARDED, rank, &ghost, "already done");
        return;
    }
    cairn_err e = CAIRN_OK;
    if (m->task_kind != t->kind)
        e = cairn_fail(CAIRN_ERR_FORMAT, "result of kind %s for a %s task", cmsg_task_kind_name(m->task_kind),
                       cmsg_task_kind_name(t->kind));
    else {
        double cpu0 = thread_cpu_sec();
        e = t->ops->check(t->exp, m->claim, m->claim_len, m->proof, m->proof_len, &c->params);
        c->stats->cpu_check += thread_cpu_sec() - cpu0;
    }
    if (e != CAIRN_OK) {
        char why[WHY_MAX];
        snprintf(why, sizeof why, "result rejected: %s", cairn_last_error());
        c->stats->rejected++;
        emit(c, COORD_EV_REJECTED, rank, t, why);
        refuse(c, rank, "quarantined: its %s %llu %s", task_noun(t), (unsigned long long)t->index, why);
        task_failed(c, t, rank, why);
        return;
    }
    coord_result r;
    memset(&r, 0, sizeof r);
    r.task_id = t->s.id;
    r.kind = t->kind;
    r.index = t->index;
    r.rank = rank;
    r.seconds = (double)m->micros / 1e6;
    r.attempt = t->s.failures + 1;
    r.proof = m->proof;
    r.proof_len = m->proof_len;
    r.claim = m->claim;
    r.claim_len = m->claim_len;
    if (t->kind == CMSG_TASK_PROVE_SEGMENT) r.seg = *(const rv_seg_claim *)t->exp;
    double cpu0 = thread_cpu_sec();
    e = c->sink->put(c->sink->arg, &r);
    c->stats->cpu_sink += thread_cpu_sec() - cpu0;
    if (e != CAIRN_OK) {
        c->sink_failed = 1;
        stop_with(c, cairn_prefix_error(e, "result sink (%s %llu)", task_noun(t), (unsigned long long)t->index));
        return;
    }
    c->stats->tasks++;
    coord_event ev;
    memset(&ev, 0, sizeof ev);
    if (c->o->on_event) {
        ev.type = COORD_EV_ACCEPTED;
        ev.rank = rank;
        ev.task_id = t->s.id;
        ev.kind = t->kind;
        ev.index = t->index;
        ev.attempt = r.attempt;
        ev.seconds = r.seconds;
        ev.text = "";
        c->o->on_event(c->o->event_arg, &ev);
    }
    task_remove(c, t);
}

/* Queues a decoded result for its check (takes over what m owns). */
static void defer_result(coord *c, int rank, cmsg *m)
{
    unchecked *u = cairn_malloc(sizeof *u);
    if (!u) { /* cannot keep it: check it now */
        take_result(c, rank, m);
        return;
    }
    u->next = NULL;
    u->rank = rank;
    u->m = *m;
    memset(m, 0, sizeof *m); /* the body is u's now */
    if (!c->uq) c->uq_tail = &c->uq;
    *c->uq_tail = u;
    c->uq_tail = &u->next;
    c->nuq++;
}

/* Checks (and sinks) the oldest result waiting; 1 if there was one. After
 * a sink error results are dropped: the job is stopping. */
static int check_one(coord *c)
{
    unchecked *u = c->uq;
    if (!u) return 0;
    c->uq = u->next;
    c->nuq--;
    if (!c->sink_failed) take_result(c, u->rank, &u->m);
    cmsg_free(&u->m);
    free(u);
    return 1;
}

/* The end of rank's attempt at task id (result, error or bad reply):
 * the task no longer counts it as running (a late rank was already
 * counted off). */
static ctask *attempt_over(coord *c, uint64_t id, int was_late)
{
    return (ctask *)sched_attempt_over(&c->s, id, was_late);
}

/* ---- messages from workers --------------------------------------------------------- */

/* A message the protocol does not allow, or that does not parse: the
 * sender's task (if any) fails, the sender is quarantined and shut down. */
static void bad_message(coord *c, int rank, const char *why)
{
    sched_rank *k = &c->rk[rank];
    if (k->st == SCHED_BUSY || k->st == SCHED_LATE) {
        ctask *t = attempt_over(c, k->task, k->st == SCHED_LATE);
        if (t && !c->stopping && k->st == SCHED_BUSY) task_failed(c, t, rank, why);
    }
    refuse(c, rank, "quarantined: %s", why);
    if (sched_alive(&c->s, rank)) {
        cairn_err e = shutdown_worker(c, rank);
        if (e != CAIRN_OK) stop_with(c, e);
    }
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static double gib(uint64_t b) { return (double)b / (double)(UINT64_C(1) << 30); }

/* Books a prover of need bytes on host (limit: what it may hold, 0 =
 * unknown) against what the host's other provers need. 1 if it fits;
 * else 0 and why (WHY_MAX). */
static int mem_book(coord *c, char *why, const char *host, uint64_t need, uint64_t limit)
{
    /* a rank that folds keeps the recursion prover's memory beside the
     * segment prover's (o->fold_mem: what it adds) */
    need = need > UINT64_MAX - c->o->fold_mem ? UINT64_MAX : need + c->o->fold_mem;
    if (limit && need > limit) {
        snprintf(why, WHY_MAX,
                 "it needs %.2f GiB to prove segments of 2^%u%s and may hold %.2f GiB (its memory, cgroup, "
                 "ulimit or CAIRN_MEM_LIMIT): use a smaller --segment-po2 or a node with more memory",
                 gib(need), c->o->po2, c->o->fold_mem ? " and fold them" : "", gib(limit));
        return 0;
    }
    struct coord_host *h = NULL;
    for (int i = 0; i < c->nhosts; i++)
        if (!strcmp(c->hosts[i].name, host)) h = &c->hosts[i];
    if (!h) {
        h = &c->hosts[c->nhosts++]; /* at most one per rank: sized nranks */
        snprintf(h->name, sizeof h->name, "%s", host);
    }
    const uint64_t lim = h->limit && (!limit || h->limit < limit) ? h->limit : limit;
    if (lim && h->used + need > lim) {
        snprintf(why, WHY_MAX,
                 "host %s: its %u prover%s already need%s %.2f GiB of the %.2f GiB there, this rank %.2f GiB "
                 "more: start fewer ranks per node (mpirun --map-by ppr:N:node, sbatch --ntasks-per-node) or "
                 "use a smaller --segment-po2",
                 host, h->provers, h->provers == 1 ? "" : "s", h->provers == 1 ? "s" : "", gib(h->used), gib(lim),
                 gib(need));
        return 0;
    }
    h->used += need;
    h->limit = lim;
    h->provers++;
    return 1;
}

static void on_hello(coord *c, int rank, const cmsg *m)
{
    sched_rank *k = &c->rk[rank];
    if (k->st != SCHED_STARTING && k->st != SCHED_GONE) {
        bad_message(c, rank, "a second hello");
        return;
    }
    int was_gone = k->st == SCHED_GONE;
    k->st = SCHED_READY;
    k->since = now_sec();
    if (was_gone) return; /* too late: it is shut down at its REQUEST */
    if (m->rank != (uint32_t)rank) {
        refuse(c, rank, "its hello says rank %u", m->rank);
    } else if (!cmsg_params_eq(&m->params, &c->params)) {
        refuse(c, rank, "its hello has other parameters than the job");
    } else if (memcmp(m->digest, c->digest, CMSG_DIGEST_BYTES)) {
        char a[2 * CMSG_DIGEST_BYTES + 1], b[2 * CMSG_DIGEST_BYTES + 1];
        hex(a, m->digest, CMSG_DIGEST_BYTES);
        hex(b, c->digest, CMSG_DIGEST_BYTES);
        refuse(c, rank, "refused: verifying-key digest %s (build '%s') differs from the coordinator's %s", a,
               m->build, b);
    } else {
        char why[WHY_MAX];
        if (!mem_book(c, why, m->host, m->mem_need, m->mem_limit)) {
            refuse(c, rank, "%s", why);
            return;
        }
        c->stats->ready++;
        char text[256];
        snprintf(text, sizeof text, "%u threads, %s, host %s, needs %.2f GiB of %.2f GiB", m->threads, m->build,
                 m->host, gib(m->mem_need), gib(m->mem_limit));
        emit(c, COORD_EV_READY, rank, NULL, text);
    }
}

static void on_message(coord *c, int rank, const uint8_t *b, size_t n)
{
    sched_rank *k = &c->rk[rank];
    cmsg m;
    cairn_err e = cmsg_decode(&m, b, n);
    if (e != CAIRN_OK) {
        char why[WHY_MAX];
        snprintf(why, sizeof why, "bad message: %s", cairn_last_error());
        bad_message(c, rank, why);
        return;
    }
    if (k->st == SCHED_SHUT || k->st == SCHED_STOPPED) { /* it has been let go: ignore what was on the way */
        cmsg_free(&m);
        return;
    }
    switch (m.kind) {
    case CMSG_HELLO: on_hello(c, rank, &m); break;
    case CMSG_REQUEST:
        if (k->st != SCHED_READY && k->st != SCHED_GONE) {
            bad_message(c, rank, "a request while it holds a task or before its hello");
        } else if (k->st == SCHED_GONE) { /* given up on, so the count it gets is final enough: > 0 */
            e = shutdown_worker(c, rank);
            if (e != CAIRN_OK) stop_with(c, e);
        } else {
            /* a refused rank waits too (never matched) and, like every
             * idle rank once the job is over, is let go by drain */
            sched_idle(&c->s, rank, now_sec());
        }
        break;
    case CMSG_RESULT:
    case CMSG_ERROR:
        if (m.kind == CMSG_ERROR && m.task_id == 0) { /* it stopped itself */
            if (k->st == SCHED_BUSY || k->st == SCHED_LATE) {
                ctask *t = attempt_over(c, k->task, k->st == SCHED_LATE);
                if (t && !c->stopping && k->st == SCHED_BUSY) task_failed(c, t, rank, m.text);
            }
            /* a refusal (another key) waits for its SHUTDOWN like an idle
             * rank (worker.h); any other stop is final */
            k->st = m.code == CAIRN_ERR_UNSUPPORTED ? SCHED_IDLE : SCHED_STOPPED;
            k->since = now_sec();
            refuse(c, rank, "stopped: %s", m.text);
            break;
        }
        if ((k->st != SCHED_BUSY && k->st != SCHED_LATE) || m.task_id != k->task) {
            bad_message(c, rank, "a reply for a task it does not hold");
            break;
        }
        {
            int late = k->st == SCHED_LATE;
            k->st = SCHED_READY;
            ctask *t = attempt_over(c, m.task_id, late);
            if (c->stopping) break; /* the job is over: drain */
            if (m.kind == CMSG_RESULT) {
                defer_result(c, rank, &m);
            } else if (t) {
                emit(c, COORD_EV_FAILED, rank, t, m.text);
                if (!late) task_failed(c, t, rank, m.text);
            }
        }
        break;
    default: {
        char why[64];
        snprintf(why, sizeof why, "a %s message from a worker", cmsg_kind_name(m.kind));
        bad_message(c, rank, why);
    }
    }
    cmsg_free(&m);
}

/* Receives every message waiting; 1 if there was any. */
static int poll_mpi(coord *c)
{
    int any = 0;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        int rc = MPI_Iprobe(MPI_ANY_SOURCE, CMSG_TAG, c->o->comm, &flag, &st);
        if (rc != MPI_SUCCESS) {
            stop_with(c, mpi_fail(rc, "probing for messages"));
            c->mpi = 0; /* nothing more can be done over MPI */
            return any;
        }
        if (!flag) return any;
        any = 1;
        int count = 0, rank = st.MPI_SOURCE;
        MPI_Get_count(&st, MPI_BYTE, &count);
        uint8_t *b = cairn_malloc(count > 0 ? (size_t)count : 1);
        if (!b) {
            /* cannot even take it off the wire: receive into a byte and
             * treat it as a bad message (MPI truncates) */
            uint8_t tmp;
            MPI_Recv(&tmp, 1, MPI_BYTE, rank, CMSG_TAG, c->o->comm, MPI_STATUS_IGNORE);
            bad_message(c, rank, "a message too large for the coordinator's memory");
            continue;
        }
        rc = MPI_Recv(b, count, MPI_BYTE, rank, CMSG_TAG, c->o->comm, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) {
            free(b);
            stop_with(c, mpi_fail(rc, "receiving from rank %d", rank));
            c->mpi = 0;
            return any;
        }
        if (rank > 0 && rank < c->nranks) on_message(c, rank, b, (size_t)count);
        free(b);
    }
}

static int local_busy(const coord *c) { return c->rk && c->rk[0].st == SCHED_BUSY; }

/* The local prover's reply, checked like a worker's. */
static int poll_local(coord *c)
{
    if (!local_busy(c)) return 0;
    uint8_t *b;
    size_t n;
    cairn_err e;
    if (!coord_local_poll(&c->local, &b, &n, &e)) return 0;
    c->rk[0].st = SCHED_IDLE;
    ctask *t = attempt_over(c, c->rk[0].task, 0);
    if (e != CAIRN_OK) {
        stop_with(c, e);
        return 1;
    }
    cmsg m;
    e = cmsg_decode(&m, b, n);
    free(b);
    if (c->stopping) {
        cmsg_free(&m);
        return 1;
    }
    if (e != CAIRN_OK || (m.kind != CMSG_RESULT && m.kind != CMSG_ERROR) || m.task_id != c->rk[0].task) {
        char why[WHY_MAX];
        snprintf(why, sizeof why, "bad reply from the local prover: %s",
                 e != CAIRN_OK ? cairn_last_error() : "not a reply to its task");
        refuse(c, 0, "quarantined: %s", why);
        if (t) task_failed(c, t, 0, why);
    } else if (m.kind == CMSG_RESULT) {
        defer_result(c, 0, &m);
    } else if (t) {
        emit(c, COORD_EV_FAILED, 0, t, m.text);
        task_failed(c, t, 0, m.text);
    }
    cmsg_free(&m);
    return 1;
}

/* ---- assignment and deadlines --------------------------------------------------------- */

static void assign(coord *c, int rank, ctask *t)
{
    cairn_err e;
    if (rank == 0) {
        e = coord_local_submit(&c->local, t->msg, t->msg_len);
    } else {
        uint8_t *copy = cairn_malloc(t->msg_len); /* the task may be freed while the send runs */
        if (!copy) {
            e = cairn_fail_nomem(t->msg_len, "coordinator: out of memory for a task message");
        } else {
            memcpy(copy, t->msg, t->msg_len);
            e = send_to(c, rank, copy, t->msg_len);
        }
    }
    if (e != CAIRN_OK) {
        stop_with(c, e);
        return;
    }
    sched_assign(&c->s, rank, &t->s, now_sec());
    emit(c, COORD_EV_ASSIGNED, rank, t, "");
}

/* Every assignment the scheduler makes now: idle workers in rank order,
 * then rank 0 with what the waiting workers left (none, or tasks they have
 * failed). */
static int assign_all(coord *c)
{
    int any = 0, rank;
    ctask *t;
    while (!c->stopping && (t = (ctask *)sched_match(&c->s, &rank))) {
        assign(c, rank, t);
        any = 1;
    }
    return any;
}

static void check_deadlines(coord *c, double now)
{
    double d = c->o->task_deadline, ds = c->o->start_deadline;
    for (int r = 1; r < c->nranks; r++) {
        sched_task *st;
        switch (sched_check_deadline(&c->s, r, now, &st)) {
        case SCHED_DL_SILENT:
            c->stats->unresponsive++;
            refuse(c, r, "silent: no hello within %.0f s", ds);
            break;
        case SCHED_DL_LATE:
            c->stats->late++;
            if (st) {
                ctask *t = (ctask *)st;
                char why[128];
                snprintf(why, sizeof why, "no result within %.0f s", d);
                emit(c, COORD_EV_LATE, r, t, why);
                task_failed(c, t, r, why);
            }
            break;
        case SCHED_DL_GIVEN_UP:
            /* a second deadline without a word: presumed dead */
            c->stats->unresponsive++;
            refuse(c, r, "silent: no result within %.0f s after its deadline", d);
            break;
        case SCHED_DL_NONE: break;
        }
    }
}

/* ---- the loop -------------------------------------------------------------------------- */

/* The loop's sleep when a pass found nothing to do (coord.h "Waiting").
 * A worker's message waits at most 1/NAP_SHARE of the time the worker has
 * been in its state (holding its task, starting, ...), so a result waits
 * at most 0.5 % of its task's time for the coordinator to see it, and
 * never more than NAP_MAX (deadlines, a stop request); the local prover's
 * reply ends the sleep at once. Fixed naps of 0.5 ms woke rank 0 about
 * 1400 times a second: ~3 % of a core taken from the provers beside it
 * (issue 9, 2 ranks x 1 thread on 2 cores). */
#define NAP_MIN 0.0005
#define NAP_MAX 0.02
#define NAP_SHARE 200.0

static void nap(coord *c)
{
    c->stats->wakeups++;
    double now = now_sec(), d = NAP_MAX;
    for (int r = 1; c->mpi && r < c->nranks; r++) {
        sched_rstate st = c->rk[r].st;
        if (st != SCHED_STARTING && st != SCHED_READY && st != SCHED_BUSY && st != SCHED_LATE) continue;
        double since = (now - c->rk[r].since) / NAP_SHARE;
        if (since < d) d = since;
    }
    coord_local_wait(&c->local, d < NAP_MIN ? NAP_MIN : d);
}

static int workers_done(coord *c)
{
    for (int r = 1; r < c->nranks; r++) {
        if (sched_alive(&c->s, r)) return 0;
        if (c->rk[r].st != SCHED_GONE && !send_done(&c->w[r], 0)) return 0;
    }
    return 1;
}

static cairn_err start(coord *c)
{
    const coord_opts *o = c->o;
    RETURN_ERROR_IF(o->max_attempts < 1 || o->max_attempts > COORD_MAX_ATTEMPTS, CAIRN_ERR_USAGE,
                    "coord_run: max_attempts %u outside 1..%u", o->max_attempts, COORD_MAX_ATTEMPTS);
    RETURN_ERROR_IF(o->po2 < RV_MIN_SEGMENT_PO2 || o->po2 > RV_MAX_SEGMENT_PO2, CAIRN_ERR_USAGE,
                    "coord_run: segment po2 %u outside %u..%u", o->po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    FORWARD_IF_ERROR(stark_params_validate(&o->params));
    cmsg_params_set(&c->params, o->po2, &o->params);
    int inited = 0;
    MPI_Initialized(&inited);
    c->nranks = 1;
    if (inited && o->comm != MPI_COMM_NULL) {
        int rank = -1, provided = MPI_THREAD_SINGLE;
        MPI_Comm_rank(o->comm, &rank);
        MPI_Comm_size(o->comm, &c->nranks);
        MPI_Query_thread(&provided);
        RETURN_ERROR_IF(rank != 0, CAIRN_ERR_USAGE, "coord_run: called on rank %d, not 0", rank);
        RETURN_ERROR_IF(provided < MPI_THREAD_FUNNELED, CAIRN_ERR_USAGE,
                        "coord_run: MPI was initialised without MPI_THREAD_FUNNELED");
        c->mpi = c->nranks > 1;
    }
    c->stats->ranks = (unsigned)c->nranks;
    RETURN_ERROR_IF(c->nranks < 2 && !o->local, CAIRN_ERR_USAGE,
                    "coord_run: no prover (one rank and the local prover off)");
    c->w = cairn_calloc((size_t)c->nranks, sizeof *c->w);
    c->rk = cairn_calloc((size_t)c->nranks, sizeof *c->rk);
    c->hosts = cairn_calloc((size_t)c->nranks, sizeof *c->hosts);
    if (!c->w || !c->rk || !c->hosts)
        return cairn_fail_nomem((size_t)c->nranks * (sizeof *c->w + sizeof *c->rk),
                                "coord_run: out of memory for the ranks");
    sched_init(&c->s, c->rk, c->nranks, o->max_attempts, o->queue_bound, o->task_deadline, o->start_deadline);
    if (c->mpi) {
        cairn_err e = wrk_vk_digest(c->digest, o->po2, &o->params);
        if (e != CAIRN_OK) {
            /* the workers wait for a hello: send SHUTDOWN instead */
            char msg[CAIRN_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", cairn_last_error());
            for (int r = 1; r < c->nranks; r++)
                shutdown_worker(c, r); /* best effort: the error is what we return */
            return cairn_fail(e, "%s", msg);
        }
        cmsg h;
        cmsg_init(&h, CMSG_HELLO);
        h.rank = 0;
        h.threads = o->threads;
        h.params = c->params;
        memcpy(h.digest, c->digest, CMSG_DIGEST_BYTES);
        snprintf(h.build, sizeof h.build, "cairn %s msg %u", CAIRN_VERSION_STRING, CMSG_VERSION);
        double now = now_sec();
        for (int r = 1; r < c->nranks; r++) {
            uint8_t *b;
            size_t n;
            FORWARD_IF_ERROR(cmsg_encode(&b, &n, &h, 0));
            c->rk[r].st = SCHED_STARTING;
            c->rk[r].usable = 1;
            c->rk[r].since = now;
            FORWARD_IF_ERROR(send_to(c, r, b, n));
        }
    }
    if (o->local) {
        /* rank 0's own prover, booked on its host first */
        cmsg me;
        cmsg_init(&me, CMSG_HELLO);
        FORWARD_IF_ERROR(wrk_mem_hello(&me, o->po2, &o->params));
        c->stats->mem_need = me.mem_need > UINT64_MAX - o->fold_mem ? UINT64_MAX : me.mem_need + o->fold_mem;
        c->stats->mem_limit = me.mem_limit;
        char why[WHY_MAX];
        if (!mem_book(c, why, me.host, me.mem_need, me.mem_limit)) {
            c->local_on = 1; /* for the messages: rank 0 was a prover */
            snprintf(c->local_why, sizeof c->local_why, "%s", why);
            c->stats->refused++;
            emit(c, COORD_EV_REFUSED, 0, NULL, why);
            /* the workers may still prove the job; alone, nothing can */
            RETURN_ERROR_IF(c->nranks < 2, CAIRN_ERR_LIMIT, "cannot prove: %s", why);
            return CAIRN_OK;
        }
        FORWARD_IF_ERROR(coord_local_start(&c->local, &o->local_hooks));
        c->local_on = c->rk[0].usable = 1;
        c->rk[0].st = SCHED_IDLE;
    }
    return CAIRN_OK;
}

/* Whether no worker can still change how the job ends: none is starting,
 * between messages or holding a task (each of those either comes back
 * or is given up on at its deadline). */
static int settled(const coord *c)
{
    for (int r = 1; r < c->nranks; r++) {
        sched_rstate st = c->rk[r].st;
        if (st == SCHED_STARTING || st == SCHED_READY || st == SCHED_BUSY || st == SCHED_LATE) return 0;
    }
    return 1;
}

/* Until every worker has been let go (or given up on) and the local
 * prover has finished. The waiting workers are let go together once the
 * end is settled, so that their SHUTDOWN carries the final count of ranks
 * given up on: a worker told none were lost calls MPI_Finalize, and that
 * must not happen while another rank may yet be lost (the fence would
 * wait for it forever). */
static void drain(coord *c)
{
    double t0 = now_sec(), d = c->o->task_deadline;
    for (;;) {
        int any = c->mpi ? poll_mpi(c) : 0;
        any |= poll_local(c);
        any |= check_one(c); /* what arrived before the stop is still stored */
        check_deadlines(c, now_sec()); /* a late rank is given up on at its second deadline */
        for (int r = 1; c->mpi && settled(c) && r < c->nranks; r++)
            if (c->rk[r].st == SCHED_IDLE) {
                cairn_err e = shutdown_worker(c, r);
                if (e != CAIRN_OK) stop_with(c, e);
            }
        if (!local_busy(c) && !c->uq && (!c->mpi || workers_done(c))) return;
        /* a rank between its reply and its next REQUEST answers at once
         * unless it died: give up on it after the deadline (starting and
         * busy ranks have theirs in check_deadlines) */
        for (int r = 1; d > 0 && now_sec() - t0 > d && r < c->nranks; r++) {
            sched_rank *k = &c->rk[r];
            if (k->st != SCHED_READY) continue;
            k->st = SCHED_GONE;
            c->stats->unresponsive++;
            emit(c, COORD_EV_REFUSED, r, NULL, "silent at shutdown");
        }
        if (!any) nap(c);
    }
}

/* Ranks holding a task: the local prover (BUSY) and workers (BUSY, LATE). */
static unsigned in_flight(const coord *c)
{
    unsigned n = local_busy(c) ? 1 : 0;
    for (int r = 1; r < c->nranks; r++) n += c->rk[r].st == SCHED_BUSY || c->rk[r].st == SCHED_LATE;
    return n;
}

/* coord.h "Stopping early": 1 once the job stops (nothing in flight, or
 * the bound passed). */
static int stop_early(coord *c, double now)
{
    if (c->stop_t0 <= 0) {
        c->stop_t0 = now > 0 ? now : 1e-9;
        c->stats->stop_in_flight = in_flight(c);
    }
    unsigned n = in_flight(c);
    double wait = c->o->stop_wait;
    /* results received and not yet checked are waited for too (after
     * the bound drain still checks and stores them) */
    if ((n || c->uq) && (wait <= 0 || now - c->stop_t0 < wait)) return 0;
    for (int r = 1; n && r < c->nranks; r++) {
        sched_rank *k = &c->rk[r];
        if (k->st != SCHED_BUSY && k->st != SCHED_LATE) continue;
        k->st = SCHED_GONE;
        c->stats->unresponsive++;
        emit(c, COORD_EV_REFUSED, r, NULL, "still proving when the checkpoint's wait ended");
    }
    c->stats->stop_lost = n;
    c->stats->stop_seconds = now - c->stop_t0;
    c->stats->stopped = 1;
    stop_with(c, CAIRN_OK);
    return 1;
}

cairn_err coord_run(const coord_opts *o, const coord_source *src, const coord_sink *sink, coord_stats *stats)
{
    coord_stats dummy;
    if (!stats) stats = &dummy;
    memset(stats, 0, sizeof *stats);
    double t0 = now_sec(), cpu0 = thread_cpu_sec(), pcpu0 = process_cpu_sec();
    coord c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.src = src;
    c.sink = sink;
    c.stats = stats;
    cairn_err e = start(&c);
    if (e != CAIRN_OK) stop_with(&c, e);
    while (!c.stopping) {
        int any = c.mpi ? poll_mpi(&c) : 0;
        any |= poll_local(&c);
        /* at most as many results as ranks wait for their check (memory:
         * each holds a proof) */
        while (c.nuq > (size_t)c.nranks) check_one(&c);
        check_deadlines(&c, now_sec());
        if (c.stopping) break;
        if (c.stop_t0 > 0 || (o->stop_request && *o->stop_request)) {
            any |= check_one(&c);
            if (stop_early(&c, now_sec())) break;
            if (!any) nap(&c);
            continue;
        }
        refill(&c);
        any |= assign_all(&c);
        /* results are checked after the ranks that sent them have their
         * next task, one per pass, so that a burst of results does not
         * keep every rank waiting for the whole burst's checks */
        any |= check_one(&c);
        if (c.stopping) break;
        if (c.src_done && !c.s.tasks) {
            stop_with(&c, CAIRN_OK);
            break;
        }
        if (!sched_provers(&c.s)) {
            char why[WHY_MAX] = "";
            if (c.local_on) append_why(why, "rank 0: %s", c.local_why);
            for (int r = 1; r < c.nranks; r++) append_why(why, "rank %d: %s", r, c.w[r].why);
            cairn_fail(CAIRN_ERR_LIMIT, "no rank left that can prove: %s", why);
            stop_with(&c, CAIRN_ERR_LIMIT);
            break;
        }
        if (!any) nap(&c);
    }
    drain(&c);
    coord_local_stop(&c.local);
    stats->local_task = c.local.wall;
    /* sends to ranks given up on may never complete: their buffers stay */
    for (int r = 1; c.w && r < c.nranks; r++)
        if (c.rk[r].st != SCHED_GONE) send_done(&c.w[r], 1);
    free(c.w);
    while (c.s.tasks) {
        ctask *t = (ctask *)c.s.tasks;
        sched_remove(&c.s, &t->s);
        task_free(t);
    }
    free(c.rk);
    free(c.hosts);
    stats->seconds = now_sec() - t0;
    stats->cpu = thread_cpu_sec() - cpu0;
    /* the rest of the process: the local prover's thread and its OpenMP
     * threads (and MPI's helper threads, which sleep) */
    stats->local_cpu = process_cpu_sec() - pcpu0 - stats->cpu;
    if (c.err != CAIRN_OK) return cairn_fail(c.err, "%s", c.err_msg);
    return CAIRN_OK;
}

cairn_err coord_cancel(MPI_Comm comm)
{
    int inited = 0, n = 1;
    MPI_Initialized(&inited);
    if (!inited || comm == MPI_COMM_NULL) return CAIRN_OK;
    MPI_Comm_size(comm, &n);
    cmsg m;
    cmsg_init(&m, CMSG_SHUTDOWN);
    uint8_t *b;
    size_t len;
    FORWARD_IF_ERROR(cmsg_encode(&b, &len, &m, 0));
    cairn_err err = CAIRN_OK;
    /* a few bytes each: MPI_Send returns once they are buffered */
    for (int r = 1; r < n; r++) {
        int rc = MPI_Send(b, (int)len, MPI_BYTE, r, CMSG_TAG, comm);
        if (rc != MPI_SUCCESS && err == CAIRN_OK) err = mpi_fail(rc, "sending SHUTDOWN to rank %d", r);
    }
    free(b);
    return err;
}
