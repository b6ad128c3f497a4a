/* The fold of cairn prove (docs/recursion.md "The pipeline"): segment
 * proofs, as they are proven (in any order), become one final recursion
 * proof over a left-to-right binary tree:
 *
 *   level 0: node i = lift of segment i;
 *   level L: node i = join of nodes 2i and 2i+1 of level L-1, made as soon
 *            as both exist; when level L-1 has an odd count, its last
 *            node is carried up unchanged (known only once the run is
 *            over: cli_fold_total);
 *   the final proof is the single node of the top level (a lift when the
 *   run has one segment).
 *
 * The fold is a task producer for the coordinator (coordinator/coord.h,
 * DESIGN.md "Distribution": lift and join are task kinds, worker/task.h),
 * the same in one process and under mpirun: cli_fold_segment queues a
 * proven segment's lift, cli_fold_next hands out the next lift or join
 * task (joins first, then lifts: the higher a node, the more it frees),
 * and cli_fold_put takes a task's verified result (the coordinator
 * checked its claim against what the children imply and verified its
 * proof), stores it at once in the job's record folder (jobs_put_fold)
 * and advances the tree. The cli's coordinator source asks the fold
 * before it runs the executor for a new segment, so recursion tasks go
 * out before new segments and rank 0 holds O(log n) nodes plus the tasks
 * in flight (a join's children are freed once its task is made: the
 * coordinator holds the task's bytes for retries).
 *
 * Before a node is made, a stored one for it is looked up: read back,
 * checked (its kind, its claim is the one its children imply, its proof
 * verifies) and used instead of a task, so a resumed run redoes nothing
 * stored. A finished job file's /proof is used as it is when it still
 * verifies for the run's claim (the deferred mode: every segment's claim
 * is kept until the run is over and the stored proof is checked; if it
 * fails, the stored segment proofs are folded as usual).
 *
 * Task indices (coord_task.index): level << CLI_FOLD_LEVEL_SHIFT | node
 * index; a lift's is the segment index. */
#ifndef CAIRN_CLI_FOLD_H
#define CAIRN_CLI_FOLD_H

#include <stdint.h>

#include "coordinator/coord.h"
#include "jobs/jobs.h"
#include "recursion/rc_fold.h"

#define CLI_FOLD_LEVEL_SHIFT 48

typedef struct cli_fold cli_fold;

/* What the fold did, for progress lines and --json events. */
typedef struct {
    const char *task; /* "lift" or "join" */
    unsigned level;
    uint64_t index;
    int reused;   /* read back from the job's records */
    int rank;     /* who made it (-1 when reused) */
    double seconds;
    size_t proof_bytes;
} cli_fold_event;

typedef void (*cli_fold_event_fn)(void *arg, const cli_fold_event *e);

typedef struct {
    uint64_t lifts, lifts_reused, joins, joins_reused;
    double lift_sec, join_sec; /* the tasks' times as the provers reported them */
    int final_reused; /* the finished job file's /proof was used */
} cli_fold_stats;

/* A fold for segments of 2^po2 proven with preset (builds or takes the
 * cached rc_fold context: keys and control root) into job (required: the
 * lifts read the segment proofs it stored). */
cairn_err cli_fold_new(cli_fold **out, const char *preset, unsigned po2, jobs_job *job, cli_fold_event_fn on_event,
                       void *event_arg);
void cli_fold_free(cli_fold *f); /* accepts NULL */

const rc_fold *cli_fold_ctx(const cli_fold *f);

/* Segment index is proven (claim c; its verified proof is stored in the
 * job): its lift is queued. */
cairn_err cli_fold_segment(cli_fold *f, uint64_t index, const rv_seg_claim *c);

/* The run is over with nseg segments (carried nodes and the top level are
 * known from now on). */
cairn_err cli_fold_total(cli_fold *f, uint64_t nseg);

/* The next recursion task: *got = 1 and task filled (kind, index, payload
 * malloc'd: the coordinator takes it), or 0 when none can be made now.
 * Stored nodes found on the way are reused without a task. */
cairn_err cli_fold_next(cli_fold *f, int *got, coord_task *task);

/* A verified result of a lift or join task handed out by cli_fold_next
 * (the coordinator checked it): stored, and the tree advanced. */
cairn_err cli_fold_put(cli_fold *f, const coord_result *r);

/* 1 once the final node exists; tasks handed out whose result is not back. */
int cli_fold_done(const cli_fold *f);
uint64_t cli_fold_in_flight(const cli_fold *f);

/* The final node, once cli_fold_done (*out owned by the caller:
 * rc_fold_node_free). */
cairn_err cli_fold_final(cli_fold *f, rc_fold_node *out);

void cli_fold_get_stats(const cli_fold *f, cli_fold_stats *out);

#endif
