/* The scheduling policy (sched.h): pure bookkeeping, no clock, no I/O. */
#include "sched.h"

#include <string.h>

void sched_init(sched *s, sched_rank *rank, int nranks, unsigned max_attempts, size_t queue_bound,
                double task_deadline, double start_deadline)
{
    memset(s, 0, sizeof *s);
    memset(rank, 0, (size_t)nranks * sizeof *rank);
    s->rank = rank;
    s->nranks = nranks;
    s->max_attempts = max_attempts;
    s->queue_bound = queue_bound;
    s->task_deadline = task_deadline;
    s->start_deadline = start_deadline;
}

int sched_alive(const sched *s, int rank)
{
    sched_rstate st = s->rank[rank].st;
    return st != SCHED_SHUT && st != SCHED_STOPPED && st != SCHED_GONE;
}

int sched_can_prove(const sched *s, int rank) { return s->rank[rank].usable && sched_alive(s, rank); }

unsigned sched_provers(const sched *s)
{
    unsigned n = 0;
    for (int r = 0; r < s->nranks; r++) n += sched_can_prove(s, r);
    return n;
}

int sched_wants_more(const sched *s)
{
    size_t bound = s->queue_bound ? s->queue_bound : sched_provers(s);
    if (bound < 1) bound = 1;
    return s->npending < bound;
}

void sched_add(sched *s, sched_task *t)
{
    t->next = NULL;
    t->id = ++s->next_id;
    t->pending = 1;
    t->running = 0;
    t->failures = 0;
    s->npending++;
    if (s->tail) s->tail->next = t;
    else s->tasks = t;
    s->tail = t;
}

sched_task *sched_find(const sched *s, uint64_t id)
{
    for (sched_task *t = s->tasks; t; t = t->next)
        if (t->id == id) return t;
    return NULL;
}

void sched_remove(sched *s, sched_task *t)
{
    sched_task **pp = &s->tasks, *prev = NULL;
    while (*pp && *pp != t) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp) return;
    *pp = t->next;
    if (s->tail == t) s->tail = prev;
    if (t->pending) s->npending--;
    t->pending = 0;
    t->next = NULL;
}

int sched_failed_on(const sched *s, const sched_task *t, int rank)
{
    (void)s;
    unsigned n = t->failures < SCHED_MAX_ATTEMPTS ? t->failures : SCHED_MAX_ATTEMPTS;
    for (unsigned i = 0; i < n; i++)
        if (t->failed_on[i] == rank) return 1;
    return 0;
}

/* Whether some rank that may prove has not failed t yet. */
static int other_rank_for(const sched *s, const sched_task *t)
{
    for (int r = 0; r < s->nranks; r++)
        if (sched_can_prove(s, r) && !sched_failed_on(s, t, r)) return 1;
    return 0;
}

sched_task *sched_pick(const sched *s, int rank)
{
    for (sched_task *t = s->tasks; t; t = t->next) {
        if (!t->pending) continue;
        if (!t->failures || !sched_failed_on(s, t, rank) || !other_rank_for(s, t)) return t;
    }
    return NULL;
}

sched_task *sched_match(const sched *s, int *rank)
{
    if (!s->npending) return NULL;
    for (int i = 1; i <= s->nranks; i++) {
        int r = i % s->nranks; /* 1, 2, ..., nranks - 1, then 0 */
        if (s->rank[r].st != SCHED_IDLE || !s->rank[r].usable) continue;
        sched_task *t = sched_pick(s, r);
        if (t) {
            *rank = r;
            return t;
        }
    }
    return NULL;
}

void sched_assign(sched *s, int rank, sched_task *t, double now)
{
    sched_rank *k = &s->rank[rank];
    k->st = SCHED_BUSY;
    k->task = t->id;
    k->since = now;
    t->pending = 0;
    s->npending--;
    t->running++;
}

void sched_idle(sched *s, int rank, double now)
{
    s->rank[rank].st = SCHED_IDLE;
    s->rank[rank].since = now;
}

sched_task *sched_attempt_over(sched *s, uint64_t id, int was_late)
{
    sched_task *t = sched_find(s, id);
    if (t && !was_late && t->running) t->running--;
    return t;
}

int sched_fail(sched *s, sched_task *t, int rank)
{
    if (t->failures < SCHED_MAX_ATTEMPTS) t->failed_on[t->failures] = rank;
    t->failures++;
    if (t->failures >= s->max_attempts) return 1;
    if (t->running == 0 && !t->pending) {
        t->pending = 1;
        s->npending++;
    }
    return 0;
}

sched_deadline sched_check_deadline(sched *s, int rank, double now, sched_task **task)
{
    sched_rank *k = &s->rank[rank];
    double d = s->task_deadline, ds = s->start_deadline;
    *task = NULL;
    if (k->st == SCHED_STARTING && ds > 0 && now - k->since > ds) {
        k->st = SCHED_GONE;
        return SCHED_DL_SILENT;
    }
    if (d <= 0 || now - k->since <= d) return SCHED_DL_NONE;
    if (k->st == SCHED_BUSY) {
        k->st = SCHED_LATE;
        k->since = now;
        *task = sched_attempt_over(s, k->task, 0);
        return SCHED_DL_LATE;
    }
    if (k->st == SCHED_LATE) {
        k->st = SCHED_GONE;
        return SCHED_DL_GIVEN_UP;
    }
    return SCHED_DL_NONE;
}
