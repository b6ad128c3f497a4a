/* The coordinator's scheduling policy (prefix sched_): which task goes to
 * which rank and when, with no MPI, no clock of its own and no I/O, so that
 * the coordinator (coord.c) and the scheduler simulation (bench/sched.c)
 * run the same decisions. Times ("now") are arguments, in seconds.
 *
 * Tasks: the caller allocates each task with a sched_task as its first
 * member (or anywhere: sched only links it) and hands it over with
 * sched_add; sched_remove unlinks it again and the caller frees it. Live
 * tasks are kept in arrival order, and the pending ones are taken oldest
 * first: a task that failed goes back to its place, before every task that
 * arrived after it (a retried task is served before new ones).
 *
 * Ranks: rank 0 is the coordinator's local prover, ranks 1.. the MPI
 * workers. Each has a state (sched_rstate) that the caller moves along the
 * protocol (coord.h): a worker is STARTING until its hello, READY between
 * messages, IDLE once its REQUEST waits, BUSY with a task (LATE past the
 * deadline), and SHUT, STOPPED or GONE once out. Rank 0 is IDLE or BUSY
 * while the local prover runs, SHUT without one. A rank may get tasks
 * while `usable` (the caller clears it to refuse or quarantine the rank).
 *
 * Policy, as documented in coord.h ("Scheduling", "Failures"):
 *  - back-pressure: more tasks are wanted from the source only while fewer
 *    than queue_bound are pending (0: one per rank that can prove, at
 *    least one);
 *  - an idle rank gets the oldest pending task it has not failed, or one
 *    that every rank able to prove has failed; idle workers are served in
 *    rank order, rank 0 last (it proves what the waiting workers left);
 *  - a failed attempt puts the task back in the queue (once no rank runs
 *    it) until it has failed max_attempts times, which stops the job;
 *  - deadlines: a worker silent past start_deadline after its hello was
 *    sent is given up on; one holding a task past task_deadline is LATE
 *    (its attempt fails), and GONE after a second deadline.
 */
#ifndef CAIRN_COORDINATOR_SCHED_H
#define CAIRN_COORDINATOR_SCHED_H

#include <stddef.h>
#include <stdint.h>

/* Failed attempts a task may have at most (max_attempts is capped here). */
#define SCHED_MAX_ATTEMPTS 16

typedef struct sched_task {
    struct sched_task *next; /* live tasks in arrival order */
    uint64_t id;             /* set by sched_add: 1, 2, ... */
    int pending;             /* waiting in the queue */
    unsigned running;        /* ranks working on it (late ones not counted) */
    unsigned failures;       /* failed attempts so far */
    int failed_on[SCHED_MAX_ATTEMPTS]; /* their ranks */
} sched_task;

typedef enum {
    SCHED_STARTING, /* hello sent, no hello back yet */
    SCHED_READY,    /* between messages: a REQUEST (or ERROR) comes next */
    SCHED_IDLE,     /* waits for a task */
    SCHED_BUSY,     /* holds a task */
    SCHED_LATE,     /* holds a task past the deadline */
    SCHED_SHUT,     /* SHUTDOWN sent (rank 0: no local prover): done */
    SCHED_STOPPED,  /* stopped itself: done */
    SCHED_GONE      /* given up on: done */
} sched_rstate;

typedef struct {
    sched_rstate st;
    int usable;     /* may get tasks */
    uint64_t task;  /* BUSY / LATE: the task id */
    double since;   /* when st began (deadlines) */
} sched_rank;

typedef struct {
    unsigned max_attempts;  /* 1..SCHED_MAX_ATTEMPTS (the caller checks) */
    size_t queue_bound;     /* 0: one per prover */
    double task_deadline;   /* 0: none */
    double start_deadline;  /* 0: none */
    int nranks;             /* rank 0 included */
    sched_rank *rank;       /* nranks entries, the caller's */
    sched_task *tasks, *tail; /* live tasks */
    size_t npending;
    uint64_t next_id;
} sched;

/* Sets up s for nranks ranks (rank, the caller's array of nranks entries,
 * is cleared: every rank STARTING and not usable; the caller sets up the
 * ranks it has: a worker usable once its hello is sent, rank 0 usable and
 * IDLE when it proves). */
void sched_init(sched *s, sched_rank *rank, int nranks, unsigned max_attempts, size_t queue_bound,
                double task_deadline, double start_deadline);

/* Whether a rank is still in the job (not SHUT, STOPPED or GONE). */
int sched_alive(const sched *s, int rank);
/* Whether a rank may still prove: usable and alive (a late worker counts
 * until it is given up on). */
int sched_can_prove(const sched *s, int rank);
/* Ranks that may still prove. */
unsigned sched_provers(const sched *s);

/* Back-pressure: 1 while the source should be asked for another task. */
int sched_wants_more(const sched *s);
/* Appends a new task (pending; its id is the next one: s->next_id + 1). */
void sched_add(sched *s, sched_task *t);
/* The live task with this id, or NULL (done, or never handed out). */
sched_task *sched_find(const sched *s, uint64_t id);
/* Unlinks a task (done, or the job is over); the caller frees it. */
void sched_remove(sched *s, sched_task *t);

/* The next pending task for rank: the oldest it has not failed, or one
 * that every rank able to prove has failed; NULL if none. */
sched_task *sched_pick(const sched *s, int rank);
/* The next assignment to make: the first idle usable worker (rank order,
 * rank 0 last) with a task to pick; sets *rank. NULL when there is none. */
sched_task *sched_match(const sched *s, int *rank);
/* Records that rank now runs t (BUSY since now). */
void sched_assign(sched *s, int rank, sched_task *t, double now);
/* A rank's REQUEST: it waits for a task (IDLE since now). */
void sched_idle(sched *s, int rank, double now);

/* The end of an attempt at task id (result, error or bad reply): the task
 * no longer counts it as running, unless the rank was late (already
 * counted off). Returns the task, NULL when it is no longer live. */
sched_task *sched_attempt_over(sched *s, uint64_t id, int was_late);
/* One failed attempt of t on rank (sched_attempt_over already called):
 * 1 when t has reached max_attempts (the job stops); otherwise 0 and t is
 * pending again unless another rank still runs it. */
int sched_fail(sched *s, sched_task *t, int rank);
/* Whether rank has failed t before. */
int sched_failed_on(const sched *s, const sched_task *t, int rank);

typedef enum {
    SCHED_DL_NONE,
    SCHED_DL_SILENT,   /* no hello within start_deadline: now GONE */
    SCHED_DL_LATE,     /* its task past task_deadline: now LATE, the attempt over (*task, if still live, must fail) */
    SCHED_DL_GIVEN_UP  /* LATE for a second deadline: now GONE */
} sched_deadline;

/* Checks a worker's deadlines at time now and makes the change due, if
 * any; *task (LATE) is its task or NULL. */
sched_deadline sched_check_deadline(sched *s, int rank, double now, sched_task **task);

#endif
