/* The scheduler simulation (sched_sim.h): coord_run's loop on a simulated
 * clock around the coordinator's scheduling code. */
#include "sched_sim.h"

#include <stdlib.h>
#include <string.h>

#include "coordinator/sched.h"

void ssim_params_default(ssim_params *p)
{
    memset(p, 0, sizeof *p);
    p->ranks = 1;
    p->segments = 1;
    p->local = 1;
    p->max_attempts = 3;
}

/* An attempt under way: its result reaches rank 0 at `done`. */
typedef struct {
    double done;
    uint64_t task;
    int rank;
    int fail;
} attempt;

/* What rank 0's main thread is doing while the clock moves: receiving a
 * result, checking one, executing, or waiting. */
typedef enum { DO_RECV, DO_VERIFY, DO_EXEC, DO_WAIT } doing;

/* A result received and not yet checked (coord.c's unchecked queue). */
typedef struct {
    uint64_t task;
    int rank;
} received;

typedef struct {
    const ssim_params *p;
    ssim_result *r;
    sched s;
    sched_rank *rk;
    attempt *heap; /* the workers' attempts, a min-heap on done */
    size_t nheap;
    attempt local; /* rank 0's attempt, when rk[0] is BUSY */
    received *uq;  /* results waiting for their check: a ring of 2 nranks */
    size_t uq_head, uq_len;
    double now, link_out;
    unsigned nidle;
    uint64_t produced, rng;
    int src_done;
} sim;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void heap_push(sim *m, attempt a)
{
    size_t i = m->nheap++;
    while (i > 0 && m->heap[(i - 1) / 2].done > a.done) {
        m->heap[i] = m->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    m->heap[i] = a;
}

static attempt heap_pop(sim *m)
{
    attempt top = m->heap[0], last = m->heap[--m->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m->nheap) break;
        if (c + 1 < m->nheap && m->heap[c + 1].done < m->heap[c].done) c++;
        if (m->heap[c].done >= last.done) break;
        m->heap[i] = m->heap[c];
        i = c;
    }
    if (m->nheap) m->heap[i] = last;
    return top;
}

/* Rank-seconds in [t0, t1) of results that have arrived (done < t1) and
 * wait for rank 0: a walk of the heap pruned by its order. */
static double waiting(const sim *m, size_t i, double t0, double t1)
{
    if (i >= m->nheap || m->heap[i].done >= t1) return 0;
    double from = m->heap[i].done > t0 ? m->heap[i].done : t0;
    return (t1 - from) + waiting(m, 2 * i + 1, t0, t1) + waiting(m, 2 * i + 2, t0, t1);
}

/* Moves the clock by dt while rank 0 does `what`, and books the time the
 * provers lose meanwhile. */
static void advance(sim *m, double dt, doing what)
{
    if (dt <= 0) return;
    double t0 = m->now, t1 = t0 + dt;
    double w = waiting(m, 0, t0, t1);
    if (m->rk[0].st == SCHED_BUSY && m->local.done < t1) w += t1 - (m->local.done > t0 ? m->local.done : t0);
    double idle = (double)m->nidle * dt;
    ssim_result *r = m->r;
    if (what == DO_RECV || what == DO_VERIFY) r->lost_verify += w;
    else if (what == DO_EXEC) r->lost_exec += w;
    /* a rank idle while rank 0 checks a result waits for that check
     * (tasks are handed out before it: nothing was pending, and what
     * comes next, a new segment or the end of the job, waits for it) */
    if (what == DO_VERIFY) r->lost_verify += idle;
    else if (!m->s.npending && m->src_done) r->lost_tail += idle;
    else if (what == DO_RECV) r->lost_verify += idle;
    else if (what == DO_EXEC) r->lost_exec += idle;
    else r->lost_starved += idle;
    m->now = t1;
}

/* A result (or ERROR reply) taken off the wire: a result waits for its
 * check, the rank's REQUEST follows at once. 1 when the job stops. */
static int take(sim *m, const attempt *a)
{
    const ssim_params *p = m->p;
    ssim_result *r = m->r;
    if (!a->fail) {
        double dt = p->bandwidth > 0 && a->rank ? p->proof_bytes / p->bandwidth : 0;
        r->r0_msg += dt;
        /* a worker's popped result no longer waits in the heap: its rank
         * loses the transfer too (rank 0's own is still BUSY, advance books it) */
        if (a->rank) r->lost_verify += dt;
        advance(m, dt, DO_RECV);
    }
    m->rk[a->rank].st = SCHED_READY;
    sched_task *t = sched_attempt_over(&m->s, a->task, 0);
    if (a->fail) {
        r->failed_attempts++;
        r->wasted += p->prove_s;
        if (t && sched_fail(&m->s, t, a->rank)) return 1;
    } else {
        m->uq[(m->uq_head + m->uq_len++) % (2 * (size_t)m->s.nranks)] = (received){a->task, a->rank};
    }
    sched_idle(&m->s, a->rank, m->now);
    m->nidle++;
    return 0;
}

/* coord.c's check_one: the oldest result received is verified (and
 * stored); 1 if there was one. */
static int check_one(sim *m)
{
    if (!m->uq_len) return 0;
    const ssim_params *p = m->p;
    ssim_result *r = m->r;
    received u = m->uq[m->uq_head];
    m->uq_head = (m->uq_head + 1) % (2 * (size_t)m->s.nranks);
    m->uq_len--;
    r->r0_verify += p->verify_s;
    advance(m, p->verify_s, DO_VERIFY);
    sched_task *t = sched_find(&m->s, u.task);
    if (t) {
        r->prove += p->prove_s;
        if (!r->accepted++) r->first_proof = m->now;
        sched_remove(&m->s, t);
        free(t);
    }
    return 1;
}

static void assign(sim *m, int rank, sched_task *t)
{
    const ssim_params *p = m->p;
    sched_assign(&m->s, rank, t, m->now);
    m->nidle--;
    attempt a = {.task = t->id, .rank = rank};
    a.fail = p->fail_rate > 0 && (double)(splitmix(&m->rng) >> 11) * 0x1p-53 < p->fail_rate;
    double start = m->now;
    if (rank) {
        if (m->link_out > start) start = m->link_out;
        if (p->bandwidth > 0) start += p->snapshot_bytes / p->bandwidth;
        m->link_out = start;
        m->r->lost_transfer += start - m->now;
    }
    a.done = start + p->prove_s;
    if (rank) heap_push(m, a);
    else m->local = a;
}

static const char *bound_of(const ssim_result *r)
{
    if (r->stopped) return "stopped";
    if (r->efficiency >= 0.9) return "proving";
    const struct {
        double v;
        const char *name;
    } loss[] = {
        {r->lost_exec, "executor"}, {r->lost_verify, "verification"}, {r->lost_transfer, "network"},
        {r->lost_tail, "tail"},     {r->wasted, "failures"},           {r->lost_no_prover, "rank 0 idle"},
        {r->lost_starved, "starved"},
    };
    size_t best = 0;
    for (size_t i = 1; i < sizeof loss / sizeof loss[0]; i++)
        if (loss[i].v > loss[best].v) best = i;
    return loss[best].name;
}

int ssim_run(ssim_result *r, const ssim_params *p)
{
    memset(r, 0, sizeof *r);
    r->first_proof = -1;
    sim m;
    memset(&m, 0, sizeof m);
    m.p = p;
    m.r = r;
    m.rng = p->seed;
    int n = p->ranks ? (int)p->ranks : 1;
    m.rk = calloc((size_t)n, sizeof *m.rk);
    m.heap = calloc((size_t)n, sizeof *m.heap);
    /* at most nranks wait after a pass, and a pass receives one per rank */
    m.uq = calloc(2 * (size_t)n, sizeof *m.uq);
    if (!m.rk || !m.heap || !m.uq) {
        free(m.rk);
        free(m.heap);
        free(m.uq);
        return -1;
    }
    sched_init(&m.s, m.rk, n, p->max_attempts, p->queue_bound, 0, 0);
    /* every worker has said hello and asked for work */
    for (int k = 1; k < n; k++) {
        m.rk[k].usable = 1;
        sched_idle(&m.s, k, 0);
        m.nidle++;
    }
    if (p->local) {
        m.rk[0].usable = 1;
        sched_idle(&m.s, 0, 0);
        m.nidle++;
    }
    int rc = 0;
    for (;;) {
        int any = 0;
        /* poll_mpi: every result that is there, those arriving meanwhile too */
        while (!r->stopped && m.nheap && m.heap[0].done <= m.now) {
            attempt a = heap_pop(&m);
            r->stopped = take(&m, &a);
            any = 1;
        }
        /* poll_local */
        if (!r->stopped && m.rk[0].st == SCHED_BUSY && m.local.done <= m.now) {
            r->stopped = take(&m, &m.local);
            any = 1;
        }
        if (r->stopped) break;
        /* coord.c bounds the results waiting for their check */
        while (m.uq_len > (size_t)n) check_one(&m);
        /* refill: the source executes one segment per call */
        while (!m.src_done && sched_wants_more(&m.s)) {
            if (m.produced == p->segments) {
                m.src_done = 1;
                break;
            }
            sched_task *t = calloc(1, sizeof *t);
            if (!t) {
                rc = -1;
                goto out;
            }
            r->r0_exec += p->exec_s;
            advance(&m, p->exec_s, DO_EXEC);
            m.produced++;
            sched_add(&m.s, t);
        }
        int rank;
        sched_task *t;
        while ((t = sched_match(&m.s, &rank))) {
            assign(&m, rank, t);
            any = 1;
        }
        any |= check_one(&m);
        if (m.src_done && !m.s.tasks) break;
        if (!sched_provers(&m.s)) break; /* cannot happen: ranks are never refused here */
        if (!any) {
            /* nap until the next result */
            double next = -1;
            if (m.nheap) next = m.heap[0].done;
            if (m.rk[0].st == SCHED_BUSY && (next < 0 || m.local.done < next)) next = m.local.done;
            if (next < 0) break; /* nothing under way and nothing to hand out: cannot happen */
            advance(&m, next - m.now, DO_WAIT);
        }
    }
    r->wall = m.now;
    if (!p->local) r->lost_no_prover = r->wall;
    double cap = (double)n * r->wall;
    r->efficiency = cap > 0 ? r->prove / cap : 0;
    r->r0_busy = r->wall > 0 ? (r->r0_exec + r->r0_verify + r->r0_msg) / r->wall : 0;
    r->bound = bound_of(r);
out:
    while (m.s.tasks) {
        sched_task *k = m.s.tasks;
        sched_remove(&m.s, k);
        free(k);
    }
    free(m.rk);
    free(m.heap);
    free(m.uq);
    return rc;
}
