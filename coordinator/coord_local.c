/* Rank 0's local prover thread (coord_local.h). */
#include "coord_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"

static void *local_main(void *arg)
{
    coord_local *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->stop && !(l->busy && !l->done)) pthread_cond_wait(&l->wake, &l->lock);
        if (l->stop) break;
        uint8_t *task = l->task;
        size_t len = l->task_len;
        pthread_mutex_unlock(&l->lock);
        uint8_t *reply = NULL;
        size_t rlen = 0;
        double t0 = now_sec();
        /* no compression: the reply stays in this process */
        cairn_err e = wrk_serve(&l->ctx, &reply, &rlen, task, len, 0);
        double wall = now_sec() - t0;
        pthread_mutex_lock(&l->lock);
        l->wall += wall;
        free(l->task);
        l->task = NULL;
        l->reply = reply;
        l->reply_len = rlen;
        l->err = e;
        if (e != CAIRN_OK) snprintf(l->err_msg, sizeof l->err_msg, "%s", cairn_last_error());
        l->done = 1;
        pthread_cond_signal(&l->done_cv);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

cairn_err coord_local_start(coord_local *l, const wrk_hooks *hooks)
{
    memset(l, 0, sizeof *l);
    l->ctx.rank = 0;
    l->ctx.hooks = *hooks;
    RETURN_ERROR_IF(pthread_mutex_init(&l->lock, NULL) != 0, CAIRN_ERR_INTERNAL, "local prover: mutex");
    /* the coordinator's timed wait runs on the monotonic clock (a change
     * of the wall clock must not stretch it) */
    pthread_condattr_t ca;
    int ok = pthread_condattr_init(&ca) == 0;
    if (ok) {
        ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&l->done_cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (ok && pthread_cond_init(&l->wake, NULL) != 0) {
        pthread_cond_destroy(&l->done_cv);
        ok = 0;
    }
    if (!ok) {
        pthread_mutex_destroy(&l->lock);
        return cairn_fail(CAIRN_ERR_INTERNAL, "local prover: condition variable");
    }
    if (pthread_create(&l->thread, NULL, local_main, l) != 0) {
        pthread_cond_destroy(&l->done_cv);
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->lock);
        return cairn_fail(CAIRN_ERR_INTERNAL, "local prover: cannot start its thread");
    }
    l->started = 1;
    return CAIRN_OK;
}

cairn_err coord_local_submit(coord_local *l, const uint8_t *task, size_t len)
{
    uint8_t *copy = cairn_malloc(len);
    if (!copy) return cairn_fail_nomem(len, "local prover: out of memory for a task");
    memcpy(copy, task, len);
    pthread_mutex_lock(&l->lock);
    if (l->busy) {
        pthread_mutex_unlock(&l->lock);
        free(copy);
        return cairn_fail(CAIRN_ERR_INTERNAL, "local prover: a task was submitted while it is busy");
    }
    l->task = copy;
    l->task_len = len;
    l->busy = 1;
    l->done = 0;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    return CAIRN_OK;
}

int coord_local_poll(coord_local *l, uint8_t **reply, size_t *len, cairn_err *err)
{
    int got = 0;
    *reply = NULL;
    *len = 0;
    *err = CAIRN_OK;
    pthread_mutex_lock(&l->lock);
    if (l->busy && l->done) {
        *reply = l->reply;
        *len = l->reply_len;
        *err = l->err;
        l->reply = NULL;
        l->busy = l->done = 0;
        got = 1;
    }
    pthread_mutex_unlock(&l->lock);
    if (got && *err != CAIRN_OK) cairn_fail(*err, "local prover: %s", l->err_msg);
    return got;
}

void coord_local_wait(coord_local *l, double seconds)
{
    struct timespec ts;
    if (!l->started) {
        ts.tv_sec = (time_t)seconds;
        ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_nsec * 1e-9 + seconds;
    ts.tv_sec += (time_t)t;
    ts.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
    pthread_mutex_lock(&l->lock);
    /* one wait: a spurious or early wakeup only makes the caller poll
     * sooner */
    if (!(l->busy && l->done)) pthread_cond_timedwait(&l->done_cv, &l->lock, &ts);
    pthread_mutex_unlock(&l->lock);
}

void coord_local_stop(coord_local *l)
{
    if (!l->started) return;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    free(l->task);
    free(l->reply);
    pthread_cond_destroy(&l->done_cv);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    l->started = 0;
}
