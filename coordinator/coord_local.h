/* Rank 0's local prover (coord.h "Threads"): one pthread that runs tasks
 * through wrk_serve and never calls MPI. Internal to the coordinator. */
#ifndef CAIRN_COORDINATOR_COORD_LOCAL_H
#define CAIRN_COORDINATOR_COORD_LOCAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "worker/worker.h"

typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done_cv; /* signalled when a task is done (CLOCK_MONOTONIC) */
    int started, stop;
    /* under lock: the task being served (owned here) and, once done, the
     * reply (owned here until taken) */
    uint8_t *task;
    size_t task_len;
    int busy, done;
    uint8_t *reply;
    size_t reply_len;
    cairn_err err;
    char err_msg[256];
    double wall; /* seconds spent in tasks */
    wrk_ctx ctx;
} coord_local;

cairn_err coord_local_start(coord_local *l, const wrk_hooks *hooks);
/* Hands a copy of an encoded TASK message to the idle prover. */
cairn_err coord_local_submit(coord_local *l, const uint8_t *task, size_t len);
/* 1 and the reply (the caller owns it) when the task is done; 0 while it
 * runs or when idle. A failure to build any reply (out of memory) is
 * returned as an error. */
int coord_local_poll(coord_local *l, uint8_t **reply, size_t *len, cairn_err *err);
/* Sleeps until the running task is done or `seconds` have passed (at
 * once when its reply is already waiting): the coordinator's idle wait,
 * which the local prover ends early. A never-started prover just sleeps. */
void coord_local_wait(coord_local *l, double seconds);
/* Stops and joins the thread (waits for a running task); frees what it
 * holds. Accepts a never-started prover. */
void coord_local_stop(coord_local *l);

#endif
