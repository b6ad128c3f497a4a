/* The scheduler simulation behind `cairn bench sched` (prefix ssim_): a
 * discrete-event model of one proving job on a simulated clock, driving
 * the coordinator's own scheduling code (coordinator/sched.h) through the
 * same loop as coord_run (coord.c):
 *
 *   rank 0's main thread, one step after the other:
 *     1. poll: every result that has arrived, oldest first (results that
 *        arrive meanwhile included): receive it (proof bytes over rank
 *        0's link), verify it (verify_s), hand it to the sink; the
 *        worker's REQUEST that follows makes it idle;
 *     2. the local prover's result, checked the same way;
 *     3. refill: while sched_wants_more, the source executes and encodes
 *        one segment (exec_s each);
 *     4. assign: every sched_match; a task's snapshot goes out over rank
 *        0's link (sends queue behind each other, the main thread does not
 *        wait: MPI_Isend), and its prover starts once it is there;
 *     5. nothing done: wait for the next result.
 *   Workers prove one task at a time (prove_s); rank 0's local prover
 *   (a thread of its own) too, with no transfer. An attempt fails with
 *   probability fail_rate at its end (an ERROR reply: retried by sched).
 *
 * Not modelled: start-up (key builds, hellos), the job file's writes in
 * the sink, CPU contention between rank 0's main thread and its local
 * prover, deadlines, lift/join tasks (the coordinator has none yet).
 */
#ifndef CAIRN_BENCH_SCHED_SIM_H
#define CAIRN_BENCH_SCHED_SIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned ranks;        /* MPI ranks, rank 0 included (>= 1) */
    uint64_t segments;     /* segment tasks of the run (>= 1) */
    int local;             /* rank 0 proves too (coord_opts.local) */
    double prove_s;        /* one segment proof on one rank */
    double exec_s;         /* rank 0: execute, encode and queue one segment */
    double verify_s;       /* rank 0: check one result */
    double snapshot_bytes; /* a TASK message */
    double proof_bytes;    /* a RESULT message */
    double bandwidth;      /* rank 0's link, bytes/s each way (0: instant) */
    double fail_rate;      /* probability that an attempt fails */
    unsigned max_attempts; /* coord_opts.max_attempts */
    size_t queue_bound;    /* coord_opts.queue_bound (0: one per prover) */
    uint64_t seed;         /* of the failures */
} ssim_params;

typedef struct {
    double wall;           /* until the last result is accepted (or the stop) */
    double prove;          /* proving time of the accepted attempts */
    double wasted;         /* proving time of failed attempts */
    double first_proof;    /* when the first result was accepted (-1: none) */
    double r0_exec, r0_verify, r0_msg; /* rank 0's main thread busy time */
    /* rank-seconds not spent proving, by what rank 0 was doing meanwhile
     * (with prove and wasted they add up to ranks * wall): */
    double lost_exec;      /* a result waiting, or a rank idle for want of a
                              task, while rank 0 executes (refill) */
    double lost_verify;    /* the same while rank 0 receives and verifies */
    double lost_starved;   /* idle while rank 0 waits with work left (tasks
                              only the ranks that failed them may take) */
    double lost_transfer;  /* a snapshot on its way */
    double lost_tail;      /* idle, nothing left to hand out */
    double lost_no_prover; /* rank 0 without a local prover */
    uint64_t accepted, failed_attempts;
    int stopped;           /* a task reached max_attempts */
    double efficiency;     /* prove / (ranks * wall) */
    double r0_busy;        /* (r0_exec + r0_verify + r0_msg) / wall */
    /* what bounds the run: "proving" (efficiency >= 90%), else the largest
     * loss: "executor", "verification", "network", "tail", "failures",
     * "rank 0 idle" (no local prover), "starved"; or "stopped"
     * (max_attempts reached) */
    const char *bound;
} ssim_result;

/* Defaults: one rank, one segment, local on, costs 0, 3 attempts. */
void ssim_params_default(ssim_params *p);
/* Runs the simulation; 0, or -1 when out of memory. */
int ssim_run(ssim_result *r, const ssim_params *p);

#endif
