/* The task table (prefix wrk_task_): what each task kind (msg.h
 * cmsg_task_kind) means on both ends of the protocol. A worker runs a
 * kind's `run`; the coordinator derives from the payload it hands out what
 * a result must claim (`expect`) and checks an untrusted result against it
 * (`check`) before the result goes anywhere. The coordinator and the
 * worker loop only look kinds up here: the recursion layer's LIFT and
 * JOIN are two more entries (and two enum values in msg.h).
 *
 * PROVE_SEGMENT: the payload is rv_snapshot_encode bytes; the result's
 * claim is cmsg_seg_claim bytes and its proof rv_prove_segment's. The
 * coordinator expects po2, start digest, end digest and cycles of the
 * snapshot it sent, all four equal, and rv_verify_segment of the proof
 * against that expected claim with the job's parameters.
 *
 * LIFT and JOIN (the fold, recursion/rc_fold.h, cli/fold.h): the payloads
 * are msg.h's cmsg_lift (segment preset, segment claim, segment proof)
 * and cmsg_join (segment preset, two nodes); the result's claim is a
 * recursion claim (cmsg_rc_claim), its proof a lift or join proof. The
 * fold context is rc_fold_get(payload's preset, the job's po2), built on
 * a rank's first recursion task and cached: a job without a fold never
 * pays for the recursion keys (about 2 s at preset test, tens of seconds
 * at proven-100), and a worker says hello as fast as before. The segment
 * prover and the recursion prover of a thread share one workspace (stark.h
 * stark_keep), so that a lift takes its buffers from the pages of the
 * segment proof before it and the next segment finds them again: nothing
 * is given back between tasks, and a rank holds both kinds' traces and
 * the larger of the two provers' working memory (worker.h "Memory").
 * The coordinator expects: for a lift, the job's control
 * root and the segment claim's start, end and cycles (rc_fold_lift_claim);
 * for a join, the left child's control root and start, the right child's
 * end and the sum of their cycles (rc_fold_join_claim); `check` compares
 * every part, naming the one that differs, and verifies the proof under
 * the key of its kind with that claim (rc_fold_verify).
 *
 * Another build: the HELLO compares segment-key digests only; the fold's
 * keys are not compared there, since that would make every worker build
 * them at start-up (a --no-fold job would pay for them). A worker whose
 * build records other lift or join programs proves under another control
 * root or key: `check` rejects its first recursion result (control root,
 * or the proof under the coordinator's key), the coordinator quarantines
 * it and retries the task on another rank (coord.h), so such a worker
 * costs one task's time and never reaches the job file.
 */
#ifndef CAIRN_WORKER_TASK_H
#define CAIRN_WORKER_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "msg.h"

typedef struct {
    uint32_t kind;    /* cmsg_task_kind */
    const char *name; /* cmsg_task_kind_name */
    const char *noun; /* what the task index counts, for messages: "segment" */
    /* Worker: runs the task on payload bytes (untrusted: from the
     * coordinator over the wire) with parameters p; *claim and *proof are
     * malloc'd (the caller frees them). */
    cairn_err (*run)(uint8_t **claim, size_t *claim_len, uint8_t **proof, size_t *proof_len, const uint8_t *payload,
                     size_t payload_len, const cmsg_params *p);
    /* Coordinator: what a result for this payload must claim (its own
     * payload, produced by its task source); *exp is malloc'd, freed with
     * free(). */
    cairn_err (*expect)(void **exp, const uint8_t *payload, size_t payload_len, const cmsg_params *p);
    /* Coordinator: checks a result's claim and proof (untrusted bytes)
     * against exp; CAIRN_ERR_VERIFY / CAIRN_ERR_FORMAT naming what is
     * wrong. */
    cairn_err (*check)(const void *exp, const uint8_t *claim, size_t claim_len, const uint8_t *proof,
                       size_t proof_len, const cmsg_params *p);
} wrk_task_ops;

/* The entry of a task kind; NULL for an unknown kind. */
const wrk_task_ops *wrk_task_lookup(uint32_t kind);

#endif
