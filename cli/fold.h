/* The fold of cairn prove (docs/recursion.md "The pipeline"): segment
 * proofs, as they are proven (in any order), become one final recursion
 * proof over a left-to-right binary tree:
 *
 *   level 0: node i = lift of segment i;
 *   level L: node i = join of nodes 2i and 2i+1 of level L-1, made as soon
 *            as both exist; when level L-1 has an odd count, its last
 *            node is carried up unchanged (known only once the run is
 *            over: then the remaining nodes are made);
 *   the final proof is the single node of the top level (a lift when the
 *   run has one segment).
 *
 * Every node is verified as it is made (rc_fold_lift / rc_fold_join) and
 * stored at once in the job's record folder (jobs_put_fold); a node that
 * is stored already is read back, checked (its claim is the one its
 * children imply, its proof verifies) and used instead of being made
 * again, so a resumed run redoes nothing stored. Children are freed once
 * their parent exists: memory holds O(log n) nodes for segments arriving
 * in order. A finished job file's /proof is used as it is when it still
 * verifies for the run's claim (the deferred mode below). */
#ifndef CAIRN_CLI_FOLD_H
#define CAIRN_CLI_FOLD_H

#include <stdint.h>

#include "jobs/jobs.h"
#include "recursion/rc_fold.h"

typedef struct cli_fold cli_fold;

/* What the fold did, for progress lines and --json events. */
typedef struct {
    const char *task; /* "lift" or "join" */
    unsigned level;
    uint64_t index;
    int reused;   /* read back from the job's records */
    double seconds;
    size_t proof_bytes;
} cli_fold_event;

typedef void (*cli_fold_event_fn)(void *arg, const cli_fold_event *e);

typedef struct {
    uint64_t lifts, lifts_reused, joins, joins_reused;
    double lift_sec, join_sec;
    int final_reused; /* the finished job file's /proof was used */
} cli_fold_stats;

/* A fold for segments of 2^po2 proven with preset (builds or takes the
 * cached rc_fold context: keys and control root). job may be NULL
 * (nothing stored or reused). */
cairn_err cli_fold_new(cli_fold **out, const char *preset, unsigned po2, jobs_job *job, cli_fold_event_fn on_event,
                       void *event_arg);
void cli_fold_free(cli_fold *f); /* accepts NULL */

const rc_fold *cli_fold_ctx(const cli_fold *f);

/* Segment index is proven by proof (claim c, verified by the caller):
 * lifts it (or reuses the stored lift) and joins what can be joined. */
cairn_err cli_fold_segment(cli_fold *f, uint64_t index, const rv_seg_claim *c, const uint8_t *proof, size_t len);

/* The run is over with nseg segments, all given to cli_fold_segment:
 * makes the remaining nodes and returns the final one (*out owned by the
 * caller: rc_fold_node_free). */
cairn_err cli_fold_finish(cli_fold *f, uint64_t nseg, rc_fold_node *out);

void cli_fold_get_stats(const cli_fold *f, cli_fold_stats *out);

#endif
