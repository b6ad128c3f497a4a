/* The MPI coordinator (prefix coord_): rank 0 of a proving job. It takes
 * tasks from a source (the executor, one segment at a time), hands them to
 * worker ranks as they ask for work, checks every result and passes the
 * verified ones to a sink (the job file). The executor, the job file and
 * the progress display are the caller's (jobs/, cli/): coord_run sees them
 * only through the source, sink and event callbacks below.
 *
 * ---------------------------------------------------------------------------
 * Protocol (messages: worker/msg.h; the worker's side: worker/worker.h)
 *
 *   coordinator (rank 0)                  worker (rank r > 0)
 *   HELLO(params, po2, key digest)  --->
 *                                   <---  HELLO(r, threads, its key digest)
 *                                   <---  [ERROR(task 0, UNSUPPORTED):
 *                                          "refuses to work", if the digests
 *                                          differ; it then waits for SHUTDOWN]
 *                                   <---  REQUEST
 *   TASK(id, kind, params, payload) --->          (dynamic: only to a rank
 *                                                  that asked)
 *                                   <---  RESULT(id, claim, proof, time)
 *                                         or ERROR(id, code, message)
 *                                   <---  REQUEST
 *   ...
 *   SHUTDOWN(lost)                  --->  (in answer to a REQUEST, once the
 *                                          job is over and settled: see below)
 *
 * One MPI tag (CMSG_TAG) and MPI's per-sender ordering carry the sequence.
 * The coordinator never blocks on one rank: it polls MPI_Iprobe
 * (MPI_ANY_SOURCE) and sends with MPI_Isend, and between polls it checks
 * deadlines, asks the source for tasks and feeds its local prover.
 *
 * Waiting: a pass that found nothing to do sleeps on the local prover's
 * condition variable (its reply wakes the coordinator at once) for at most
 * 1/200 of the time any worker has been in its state (its task, its
 * start), between 0.5 and 20 ms: a worker's result waits at most 0.5 % of
 * its task's time, and rank 0 wakes tens of times a second during long
 * tasks instead of polling (MPI_Probe, like every blocking call of Open
 * MPI, spins, and MPI_THREAD_FUNNELED allows MPI on this thread only).
 * stats->wakeups counts the sleeps.
 *
 * What the coordinator checks, all on untrusted bytes:
 *  - every message through cmsg_decode (lengths, bounds, checksum, zstd);
 *    one that does not parse, or that the protocol does not allow in the
 *    sender's state (a result for a task it does not hold, a second
 *    hello, ...) counts as a failed attempt of the sender's task, and the
 *    sender is quarantined (never given another task) and sent SHUTDOWN;
 *  - a worker's HELLO: its rank, the job's parameters, and its verifying-
 *    key digest equal to the coordinator's (every rank builds its keys
 *    itself; another build is refused and never gets a task), and its
 *    memory (below);
 *  - a RESULT: the task kind's check (worker/task.h): for PROVE_SEGMENT the
 *    claim must be exactly what the snapshot handed out implies (po2, start
 *    digest = the snapshot's start state, end digest = its end state,
 *    cycles) and the proof must pass rv_verify_segment against that claim
 *    with the job's parameters; for LIFT and JOIN the recursion claim must
 *    be the one the children in the payload imply, under the job's control
 *    root, and the proof must pass rc_fold_verify. Only then does the
 *    result reach the sink.
 *    A rejected result quarantines its sender.
 *
 * Scheduling: dynamic. Tasks wait in a pending queue (oldest first, so a
 * retried task goes before new ones); an idle worker (one that sent
 * REQUEST) gets the next pending task it has not already failed (unless
 * every rank that could take it has). The source is asked for more only
 * while the queue holds fewer than queue_bound tasks (default one per
 * prover), so the executor runs ahead of the provers by a bounded amount
 * (back-pressure; memory on rank 0 stays bounded however long the run).
 * These decisions, the ranks' states and the deadlines are coordinator/
 * sched.h (no MPI, no clock), which `cairn bench sched` also drives on a
 * simulated clock; each pass of the loop receives every message waiting
 * (a result joins the queue of unchecked results, the sender's REQUEST
 * makes it idle), then the local prover's reply, checks results while
 * more of them wait than there are ranks, then the deadlines, refills the
 * queue,
 * hands out tasks, and only then checks the oldest unchecked result:
 * a rank gets its next task before its last result is verified, so a
 * burst of results (ranks that started together finish together) does
 * not hold every rank for the whole burst's checks. A task counts as done
 * once its result passed the check; a rejected one goes back to the
 * queue as a failed attempt and its sender is quarantined (a task it
 * took meanwhile still runs: its result is checked like any other).
 *
 * Threads (MPI_THREAD_FUNNELED): every MPI call, the source, the sink, the
 * event callback and every check run on the thread that called coord_run
 * (the rank's main thread). Rank 0 proves too: a local prover thread (a
 * plain pthread that never calls MPI) takes a pending task when no worker
 * is waiting for one, runs it through wrk_serve (the workers' own code,
 * hooks included) and hands back the encoded reply, which the main thread
 * checks exactly like a worker's. So rank 0 is never idle while there is
 * work, and its proofs get no shortcut past verification. The prover's
 * OpenMP threads run inside the local prover thread. A design with the
 * prover on the main thread would stop serving MPI for a whole proof.
 *
 * Memory: each rank's HELLO says what it needs to prove the job's
 * segments (rv_air_prove_mem: key + one proof), what it may hold
 * (wrk_mem_limit) and its host. When the job folds, a rank also runs
 * lifts and joins and keeps, between tasks, the recursion keys and
 * traces beside the segment prover's (its threads' two provers share one
 * workspace, stark.h stark_keep): the coordinator books each prover for
 * its segment need plus o->fold_mem (rc_fold_add_mem of the job's fold
 * context, which rank 0 has built; every rank of one build needs the
 * same, and a worker does not build its fold keys before its first
 * recursion task, so its hello cannot say). The coordinator books rank 0's own
 * prover first, then each worker as its hello arrives, per host against
 * the smallest limit a rank there reported: one that needs more than it
 * may hold, or more than its host has left, is refused with the figures
 * (COORD_EV_REFUSED) and never gets a task; the others prove. With no
 * prover left the job stops (CAIRN_ERR_LIMIT, every rank's reason).
 *
 * Failures:
 *  - a task that fails (ERROR reply, rejected result, unparseable reply,
 *    no result within task_deadline) is put back at the front of the queue
 *    and retried on another rank when there is one; after max_attempts
 *    failed attempts coord_run stops the job and returns the task's error,
 *    naming the segment and every attempt's rank and reason;
 *  - task_deadline (seconds, 0 = none): a worker that holds a task longer
 *    is marked late and its task is handed out again (the first valid
 *    result wins; later duplicates are discarded); a late worker that
 *    answers is taken back; a late worker silent for a second deadline is
 *    given up on. At the end the same deadline bounds the wait for a
 *    worker to come back for its SHUTDOWN. The waiting workers (refused
 *    ones included) are let go together only when no rank can still be
 *    lost (none starting, between messages or holding a task), and
 *    SHUTDOWN tells each how many ranks were given up on: with any, every
 *    worker ends without MPI_Finalize as rank 0 does (below), so no
 *    process sits in the closing fence waiting for a dead rank (one in
 *    that fence stopped mpirun from ending a job under --enable-recovery
 *    in a loaded CI run). start_deadline (0 = none)
 *    bounds the wait for a worker's hello: a worker builds its keys before
 *    it answers, which takes a while at large po2, and a worker that has
 *    not said hello holds no task, so the default waits. Ranks given up on
 *    are counted in stats->unresponsive. This is what makes a dead worker
 *    survivable under `mpirun --enable-recovery`: the job completes. The
 *    caller should then end rank 0 without MPI_Finalize (flush its output
 *    and _exit with its status): with Open MPI 4.1.4, MPI_Finalize's
 *    closing fence sometimes waits forever for the dead rank, and
 *    MPI_Abort can leave mpirun hanging; after such an exit mpirun ends
 *    the job, with rank 0's status under --enable-recovery (measured:
 *    tests/mpi mpi_recovery), and it also kills a rank that is alive but
 *    stuck;
 *  - without --enable-recovery, Open MPI 4.1 (no ULFM) ends the whole job
 *    when any rank dies, coordinator included: the sink must store each
 *    result when it gets it (jobs/ does, atomically), so that a resume
 *    redoes nothing it received;
 *  - a source or sink error stops the job and is returned (prefixed);
 *    workers get SHUTDOWN once they come back (within the deadline).
 * In every case coord_run shuts the workers down (see above) and joins
 * its local prover before it returns.
 *
 * Stopping early (a checkpoint: SIGUSR1 / SIGTERM in cairn prove, which
 * Slurm sends before a time limit; issue 11):
 *  - stop_request (optional) is read once per pass of the loop; once it is
 *    nonzero the coordinator no longer asks the source for tasks nor hands
 *    out any (pending tasks are dropped: the caller re-creates them on
 *    resume), and it keeps polling until every task in flight has its
 *    result sunk (or failed) or stop_wait seconds have passed since it saw
 *    the request. Then it shuts down as after the last task and returns
 *    CAIRN_OK with stats->stopped = 1 (the job is not complete).
 *  - at the bound, workers still busy are given up on (state GONE,
 *    counted in stats->unresponsive and stats->stop_lost: the caller ends
 *    without MPI_Finalize, see "Failures"); the local prover cannot be
 *    interrupted: its task is waited for (coord_local_stop) but its
 *    result is dropped, and counted in stop_lost.
 *  - a handler that sets the flag is the caller's (async-signal-safe: it
 *    only stores to a volatile sig_atomic_t).
 * ---------------------------------------------------------------------------
 */
#ifndef CAIRN_COORDINATOR_COORD_H
#define CAIRN_COORDINATOR_COORD_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "coordinator/sched.h"
#include "stark/stark.h"
#include "vm/rv32im/rv_air.h"
#include "worker/msg.h"
#include "worker/worker.h"

/* Failed attempts a task may have at most (max_attempts is capped here). */
#define COORD_MAX_ATTEMPTS SCHED_MAX_ATTEMPTS

/* ---- the task source ------------------------------------------------------- */

typedef enum {
    COORD_NEXT_TASK,     /* *task filled */
    COORD_NEXT_NONE_YET, /* nothing now; ask again later */
    COORD_NEXT_DONE      /* no more tasks, ever */
} coord_next;

/* The source may hand out tasks of any kind of the task table (worker/
 * task.h), in the order it wants them run (the queue is first in, first
 * out). A source that makes tasks out of results (the fold: a lift per
 * sunk segment proof, a join per two sunk neighbours) answers
 * COORD_NEXT_NONE_YET while it waits for results of tasks in flight, and
 * COORD_NEXT_DONE only once nothing more can come: the job is complete
 * when the source said DONE and every task has its result sunk. (A source
 * that answers NONE_YET with no task in flight waits forever: it must
 * fail instead.) */
typedef struct {
    uint32_t kind;      /* cmsg_task_kind */
    uint64_t index;     /* what the task is about (segment index; the fold's
                           node), for the sink and messages */
    uint8_t *payload;   /* malloc'd; coord_run takes it (frees it) on COORD_NEXT_TASK */
    size_t payload_len; /* PROVE_SEGMENT: rv_snapshot_encode bytes */
} coord_task;

typedef struct {
    /* Called on the main thread when the coordinator wants a task. An
     * error stops the job. The executor may run one segment per call
     * (rv_run_segment) or hand out segments it has buffered. */
    cairn_err (*next)(void *arg, coord_next *status, coord_task *task);
    void *arg;
} coord_source;

/* ---- the result sink ----------------------------------------------------------- */

typedef struct {
    uint64_t task_id;
    uint32_t kind;
    uint64_t index;           /* the source's index (segment) */
    int rank;                 /* who proved it (0: the local prover) */
    double seconds;           /* the task's time as the worker reported it */
    unsigned attempt;         /* 1 = the first attempt succeeded */
    const uint8_t *proof;     /* verified; valid during the call only */
    size_t proof_len;
    const uint8_t *claim;     /* the claim bytes (msg.h cmsg_seg_claim) */
    size_t claim_len;
    rv_seg_claim seg;         /* PROVE_SEGMENT: the verified claim */
} coord_result;

typedef struct {
    /* Called on the main thread once per task, with a verified result, in
     * the order results arrive (not the source's order). An error stops
     * the job. */
    cairn_err (*put)(void *arg, const coord_result *r);
    void *arg;
} coord_sink;

/* ---- events (progress, logs) ----------------------------------------------------- */

typedef enum {
    COORD_EV_READY,     /* a rank's hello was accepted */
    COORD_EV_REFUSED,   /* a rank is out: refused key, stopped itself, quarantined, or silent */
    COORD_EV_ASSIGNED,  /* a task went to a rank */
    COORD_EV_ACCEPTED,  /* its result was verified and sunk */
    COORD_EV_REJECTED,  /* a result failed its check (the attempt failed) */
    COORD_EV_FAILED,    /* a rank reported an error for a task (the attempt failed) */
    COORD_EV_LATE,      /* no result within the deadline (the attempt failed) */
    COORD_EV_DISCARDED  /* a result for a task already done */
} coord_event_type;

typedef struct {
    coord_event_type type;
    int rank;
    uint64_t task_id;  /* 0 for rank events */
    uint32_t kind;
    uint64_t index;
    unsigned attempt;  /* failed attempts so far + 1 (ASSIGNED, ACCEPTED) */
    double seconds;    /* ACCEPTED: the worker's time */
    const char *text;  /* reason (REFUSED, REJECTED, FAILED, LATE); "" otherwise */
} coord_event;

/* ---- running ---------------------------------------------------------------- */

typedef struct {
    MPI_Comm comm;           /* rank 0 of it runs coord_run, the others wrk_run;
                                MPI_COMM_NULL (or MPI not initialised): no
                                workers, the local prover alone */
    unsigned po2;            /* segment size of the job */
    stark_params params;     /* proof parameters (check_trace is not sent) */
    int local;               /* 1: rank 0 proves too (default) */
    unsigned max_attempts;   /* failed attempts before the job stops (default 3) */
    double task_deadline;    /* seconds; 0 = wait as long as it takes (default) */
    double start_deadline;   /* seconds for a worker's hello (it builds its keys
                                first); 0 = wait (default) */
    size_t queue_bound;      /* pending tasks; 0 = one per prover (default) */
    uint64_t fold_mem;       /* bytes a rank needs for lifts and joins on
                                top of its segment need (rc_fold_add_mem)
                                when the job folds, 0 when it does not:
                                every prover is booked for the sum
                                ("Memory") */
    unsigned threads;        /* reported in the hello; 0 = omp_get_max_threads */
    wrk_hooks local_hooks;   /* TEST ONLY: hooks of the local prover (worker.h) */
    void (*on_event)(void *arg, const coord_event *ev); /* optional */
    void *event_arg;
    const volatile sig_atomic_t *stop_request; /* optional: nonzero = stop early
                                                  ("Stopping early") */
    double stop_wait;        /* seconds the tasks in flight are waited for
                                after a stop request; 0 = as long as they take */
} coord_opts;

/* Defaults as documented above (comm MPI_COMM_WORLD). */
void coord_opts_default(coord_opts *o);

typedef struct {
    uint64_t tasks;             /* results sunk */
    uint64_t failed_attempts;   /* errors + rejections + deadlines */
    uint64_t rejected;          /* results that failed their check */
    uint64_t late;              /* deadlines passed */
    uint64_t discarded;         /* duplicate results */
    unsigned ranks;             /* ranks in the job, rank 0 included */
    unsigned ready;             /* workers whose hello was accepted */
    unsigned refused;           /* workers refused, stopped or quarantined */
    unsigned unresponsive;      /* workers given up on (see "Failures") */
    double seconds;             /* wall time of coord_run */
    int stopped;                /* stopped early on stop_request ("Stopping early") */
    unsigned stop_in_flight;    /* tasks in flight when the request was seen */
    unsigned stop_lost;         /* of those, results not sunk (bound passed) */
    double stop_seconds;        /* from seeing the request to the decision to stop */
    /* where rank 0's time goes (CPU seconds of the thread that ran
     * coord_run, and of the rest of the process) */
    double cpu;                 /* the coordinator's thread, all of coord_run */
    double cpu_source;          /* of which: asking the source (the executor) */
    double cpu_check;           /* checking results (verifying proofs) */
    double cpu_sink;            /* the sink (storing) */
    uint64_t wakeups;           /* passes of the loop that found nothing to do */
    double local_cpu;           /* the rest of the process (the local prover's
                                   thread and its OpenMP threads) */
    double local_task;          /* wall seconds of the local prover's tasks */
    uint64_t mem_need;          /* rank 0's prover: bytes it needs (coord.h
                                   "Memory"; 0 without the local prover) */
    uint64_t mem_limit;         /* and may hold (0 = unknown) */
} coord_stats;

/* Runs the job on rank 0 until the source is done and every task has a
 * verified result in the sink (CAIRN_OK), or until a failure stops it
 * (see "Failures"). MPI, when used, must be initialised with at least
 * MPI_THREAD_FUNNELED and every other rank of o->comm must run wrk_run.
 * stats (optional) is filled in every case. */
cairn_err coord_run(const coord_opts *o, const coord_source *src, const coord_sink *sink, coord_stats *stats);

/* For rank 0 when it cannot start the job at all (a bad program, input or
 * output path found before coord_run): sends SHUTDOWN to every other rank
 * of comm in place of the hello they wait for, so that they end normally
 * (wrk_run returns CAIRN_OK) and the launcher reports rank 0's status.
 * Does nothing without MPI or with one rank. */
cairn_err coord_cancel(MPI_Comm comm);

#endif
