/* The task table (prefix wrk_task_): what each task kind (msg.h
 * cmsg_task_kind) means on both ends of the protocol. A worker runs a
 * kind's `run`; the coordinator derives from the payload it hands out what
 * a result must claim (`expect`) and checks an untrusted result against it
 * (`check`) before the result goes anywhere. The coordinator and the
 * worker loop only look kinds up here, so the recursion layer adds LIFT
 * and JOIN as two more entries (and two enum values in msg.h), without
 * touching either loop.
 *
 * PROVE_SEGMENT: the payload is rv_snapshot_encode bytes; the result's
 * claim is cmsg_seg_claim bytes and its proof rv_prove_segment's. The
 * coordinator expects po2, start digest, end digest and cycles of the
 * snapshot it sent, all four equal, and rv_verify_segment of the proof
 * against that expected claim with the job's parameters.
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
