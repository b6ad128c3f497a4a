/* The worker loop, the task server and the test hooks (worker.h). */
#include "worker.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "task.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

#ifndef CAIRN_VERSION_STRING
#define CAIRN_VERSION_STRING "?"
#endif

/* ---- test hooks -------------------------------------------------------------- */

/* Whether rank is in a "1,3" / "all" list that ends at `end` (or NUL). */
static int rank_listed(const char *s, const char *end, int rank, int *ok)
{
    *ok = 1;
    if (!end) end = s + strlen(s);
    if ((size_t)(end - s) == 3 && !memcmp(s, "all", 3)) return 1;
    int hit = 0;
    while (s < end) {
        char *stop;
        errno = 0;
        long v = strtol(s, &stop, 10);
        if (stop == s || errno || v < 0 || v > INT_MAX || (stop < end && *stop != ',')) {
            *ok = 0;
            return 0;
        }
        if (v == rank) hit = 1;
        s = stop < end ? stop + 1 : stop;
    }
    return hit;
}

/* RANKS[:N] in variable name; *listed, and *n (when wanted) */
static cairn_err hook_var(const char *name, int rank, int *listed, long *n)
{
    *listed = 0;
    const char *v = getenv(name);
    if (!v || !*v) return CAIRN_OK;
    const char *colon = strchr(v, ':');
    RETURN_ERROR_IF((colon != NULL) != (n != NULL), CAIRN_ERR_USAGE, "%s=%s: expected %s", name, v,
                    n ? "RANKS:N" : "RANKS (a comma-separated list or all)");
    int ok;
    *listed = rank_listed(v, colon, rank, &ok);
    RETURN_ERROR_IF(!ok, CAIRN_ERR_USAGE, "%s=%s: the rank list does not parse", name, v);
    if (n) {
        char *stop;
        errno = 0;
        *n = strtol(colon + 1, &stop, 10);
        RETURN_ERROR_IF(stop == colon + 1 || *stop || errno || *n < 0 || *n > 1000000, CAIRN_ERR_USAGE,
                        "%s=%s: the count after ':' does not parse", name, v);
    }
    return CAIRN_OK;
}

cairn_err wrk_hooks_from_env(wrk_hooks *out, int rank)
{
    memset(out, 0, sizeof *out);
    out->kill_after = -1;
    int on;
    long n = 0;
    FORWARD_IF_ERROR(hook_var("CAIRN_TEST_WORKER_CORRUPT", rank, &out->corrupt, NULL));
    const char *kind = getenv("CAIRN_TEST_WORKER_CORRUPT_TASK");
    if (kind && *kind) {
        for (uint32_t k = CMSG_TASK_NONE + 1; k < CMSG_TASK_NKINDS; k++)
            if (!strcmp(kind, cmsg_task_kind_name(k))) out->corrupt_kind = k;
        RETURN_ERROR_IF(!out->corrupt_kind, CAIRN_ERR_USAGE,
                        "CAIRN_TEST_WORKER_CORRUPT_TASK=%s: not a task kind (prove-segment, lift, join)", kind);
    }
    FORWARD_IF_ERROR(hook_var("CAIRN_TEST_WORKER_FAIL", rank, &out->fail, NULL));
    FORWARD_IF_ERROR(hook_var("CAIRN_TEST_WORKER_VK", rank, &out->bad_vk, NULL));
    FORWARD_IF_ERROR(hook_var("CAIRN_TEST_WORKER_KILL", rank, &on, &n));
    if (on) out->kill_after = n;
    FORWARD_IF_ERROR(hook_var("CAIRN_TEST_WORKER_STALL", rank, &on, &n));
    if (on) out->stall_sec = (unsigned)n;
    return CAIRN_OK;
}

/* ---- verifying-key digest --------------------------------------------------- */

cairn_err wrk_vk_digest(uint8_t out[CMSG_DIGEST_BYTES], unsigned po2, const stark_params *p)
{
    /* the key this rank proves and verifies with (cached by rv_air) */
    p2_digest d;
    cairn_err e = rv_air_vk_digest(&d, po2, p);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "verifying-key digest for po2 %u", po2);
    rv_digest_bytes(out, &d);
    return CAIRN_OK;
}

/* ---- serving one task --------------------------------------------------------- */

/* An ERROR reply about task (id, kind) (0, 0: not about a task). */
static cairn_err reply_error(uint8_t **reply, size_t *reply_len, uint64_t id, uint32_t kind, cairn_err code,
                             const char *text)
{
    cmsg m;
    cmsg_init(&m, CMSG_ERROR);
    m.task_id = id;
    m.task_kind = id ? kind : CMSG_TASK_NONE;
    m.code = code == CAIRN_OK ? CAIRN_ERR_INTERNAL : code;
    cmsg_set_text(&m, text);
    return cmsg_encode(reply, reply_len, &m, 0);
}

static void sleep_sec(unsigned s)
{
    struct timespec ts = {(time_t)s, 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

cairn_err wrk_serve(wrk_ctx *ctx, uint8_t **reply, size_t *reply_len, const uint8_t *task, size_t task_len,
                    int compress)
{
    *reply = NULL;
    *reply_len = 0;
    cmsg t;
    cairn_err e = cmsg_decode(&t, task, task_len);
    if (e != CAIRN_OK) {
        char msg[CAIRN_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "rank %d cannot parse its task: %s", ctx->rank, cairn_last_error());
        return reply_error(reply, reply_len, 0, 0, e, msg);
    }
    if (t.kind != CMSG_TASK) {
        char msg[128];
        snprintf(msg, sizeof msg, "rank %d expected a task, got a %s message", ctx->rank, cmsg_kind_name(t.kind));
        cmsg_free(&t);
        return reply_error(reply, reply_len, 0, 0, CAIRN_ERR_FORMAT, msg);
    }
    const wrk_hooks *h = &ctx->hooks;
    if (h->kill_after >= 0 && ctx->answered >= (unsigned long)h->kill_after) {
        fprintf(stderr, "worker rank %d: test hook CAIRN_TEST_WORKER_KILL: SIGKILL after %lu tasks\n", ctx->rank,
                ctx->answered);
        fflush(stderr);
        raise(SIGKILL);
    }
    if (h->stall_sec && ctx->answered == 0) sleep_sec(h->stall_sec);
    ctx->answered++;
    const wrk_task_ops *ops = wrk_task_lookup(t.task_kind);
    uint8_t *claim = NULL, *proof = NULL;
    size_t claim_len = 0, proof_len = 0;
    double t0 = now_sec();
    if (h->fail)
        e = cairn_fail(CAIRN_ERR_INTERNAL, "test hook CAIRN_TEST_WORKER_FAIL: rank %d fails every task", ctx->rank);
    else if (!ops)
        e = cairn_fail(CAIRN_ERR_UNSUPPORTED, "task kind %u (%s) is unknown to rank %d", t.task_kind,
                       cmsg_task_kind_name(t.task_kind), ctx->rank);
    else
        e = ops->run(&claim, &claim_len, &proof, &proof_len, t.payload, t.payload_len, &t.params);
    double dt = now_sec() - t0;
    if (e != CAIRN_OK) {
        char msg[CAIRN_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", cairn_last_error());
        e = reply_error(reply, reply_len, t.task_id, t.task_kind, e, msg);
        cmsg_free(&t);
        return e;
    }
    if (h->corrupt && proof_len && (!h->corrupt_kind || h->corrupt_kind == t.task_kind))
        proof[proof_len / 2] ^= 0x10;
    cmsg r;
    cmsg_init(&r, CMSG_RESULT);
    r.task_id = t.task_id;
    r.task_kind = t.task_kind;
    r.micros = dt > 0 ? (uint64_t)(dt * 1e6) : 0;
    r.claim = claim;
    r.claim_len = claim_len;
    r.proof = proof;
    r.proof_len = proof_len;
    e = cmsg_encode(reply, reply_len, &r, compress);
    free(claim);
    free(proof);
    cmsg_free(&t);
    return e;
}

/* ---- the loop ------------------------------------------------------------------ */

static cairn_err mpi_fail(int rc, const char *what)
{
    char s[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(rc, s, &n) != MPI_SUCCESS) snprintf(s, sizeof s, "MPI error %d", rc);
    return cairn_fail(CAIRN_ERR_IO, "%s: %s", what, s);
}

static cairn_err send_bytes(MPI_Comm comm, const uint8_t *b, size_t n)
{
    RETURN_ERROR_IF(n > INT_MAX, CAIRN_ERR_LIMIT, "worker: a message of %zu bytes is too large for MPI", n);
    int rc = MPI_Send(b, (int)n, MPI_BYTE, 0, CMSG_TAG, comm);
    return rc == MPI_SUCCESS ? CAIRN_OK : mpi_fail(rc, "worker: sending to the coordinator");
}

static cairn_err send_msg(MPI_Comm comm, const cmsg *m)
{
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(cmsg_encode(&b, &n, m, 1));
    cairn_err e = send_bytes(comm, b, n);
    free(b);
    return e;
}

/* Reports a fatal error to the coordinator (ERROR, task id 0), then
 * returns it. */
static cairn_err send_fatal(MPI_Comm comm, cairn_err e)
{
    char text[CAIRN_ERROR_MSG_MAX];
    snprintf(text, sizeof text, "%s", cairn_last_error());
    cmsg m;
    cmsg_init(&m, CMSG_ERROR);
    m.code = e;
    cmsg_set_text(&m, text);
    send_msg(comm, &m); /* best effort: the error is what we return */
    return cairn_fail(e, "%s", text);
}

static cairn_err recv_bytes(MPI_Comm comm, uint8_t **out, size_t *len)
{
    /* polled with naps rather than MPI_Probe, which Open MPI implements
     * by spinning: a worker waiting for a task (or for its SHUTDOWN) must
     * not take a core from the provers and the executor beside it. A nap
     * is 1/16 of the wait so far, 1 to 20 ms: a task (the coordinator
     * answers a REQUEST within milliseconds) is seen within 1 ms, and a
     * long wait (the hello while rank 0 builds its keys, the SHUTDOWN
     * while other ranks finish) wakes 50 times a second, not 1000. */
    MPI_Status st;
    int flag = 0, rc;
    double t0 = now_sec();
    while ((rc = MPI_Iprobe(0, CMSG_TAG, comm, &flag, &st)) == MPI_SUCCESS && !flag) {
        double d = (now_sec() - t0) / 16;
        d = d < 0.001 ? 0.001 : d > 0.02 ? 0.02 : d;
        struct timespec ts = {0, (long)(d * 1e9)};
        nanosleep(&ts, NULL);
    }
    if (rc != MPI_SUCCESS) return mpi_fail(rc, "worker: waiting for the coordinator");
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    RETURN_ERROR_IF(count < 0, CAIRN_ERR_FORMAT, "worker: message of unknown size");
    uint8_t *b = cairn_malloc((size_t)count);
    if (!b) return cairn_fail_nomem((size_t)count, "worker: out of memory for a message");
    rc = MPI_Recv(b, count, MPI_BYTE, 0, CMSG_TAG, comm, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
        free(b);
        return mpi_fail(rc, "worker: receiving from the coordinator");
    }
    *out = b;
    *len = (size_t)count;
    return CAIRN_OK;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Receives the coordinator's next message: a TASK is left undecoded in
 * *task (wrk_serve decodes it), SHUTDOWN sets *shut and *lost, another
 * kind is a protocol error (reported to the coordinator); what names
 * the kinds expected, for that error. */
static cairn_err next_message(MPI_Comm comm, int rank, const char *what, uint8_t **task, size_t *task_len, int *shut,
                              unsigned *lost)
{
    *task = NULL;
    *shut = 0;
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(recv_bytes(comm, &b, &n));
    if (n >= CMSG_HEADER_BYTES && (b[6] | b[7] << 8) == CMSG_TASK) {
        *task = b;
        *task_len = n;
        return CAIRN_OK;
    }
    cmsg m;
    cairn_err e = cmsg_decode(&m, b, n);
    free(b);
    if (e != CAIRN_OK) return send_fatal(comm, cairn_prefix_error(e, "rank %d: the coordinator's message", rank));
    cmsg_kind k = m.kind;
    uint32_t l = m.lost;
    cmsg_free(&m);
    if (k != CMSG_SHUTDOWN)
        return send_fatal(comm, cairn_fail(CAIRN_ERR_FORMAT, "rank %d: expected %s, got %s", rank, what,
                                           cmsg_kind_name(k)));
    *shut = 1;
    *lost = l;
    return CAIRN_OK;
}

/* Steps 1-2 of the loop (worker.h); *shut: the coordinator sent SHUTDOWN
 * instead of its hello (it could not start the job). */
static cairn_err handshake(MPI_Comm comm, int rank, const wrk_opts *o, int *shut, unsigned *lost)
{
    *shut = 0;
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(recv_bytes(comm, &b, &n));
    cmsg h;
    cairn_err e = cmsg_decode(&h, b, n);
    free(b);
    if (e != CAIRN_OK) return send_fatal(comm, cairn_prefix_error(e, "rank %d: the coordinator's hello", rank));
    if (h.kind == CMSG_SHUTDOWN) {
        *lost = h.lost;
        cmsg_free(&h);
        *shut = 1;
        return CAIRN_OK;
    }
    if (h.kind != CMSG_HELLO) {
        cmsg_kind k = h.kind;
        cmsg_free(&h);
        return send_fatal(comm, cairn_fail(CAIRN_ERR_FORMAT, "rank %d: expected hello from the coordinator, got %s",
                                           rank, cmsg_kind_name(k)));
    }
    stark_params p;
    cmsg_params_get(&p, &h.params);
    cmsg m;
    cmsg_init(&m, CMSG_HELLO);
    e = stark_params_validate(&p);
    if (e == CAIRN_OK) e = wrk_vk_digest(m.digest, h.params.po2, &p);
    if (e == CAIRN_OK) e = wrk_mem_hello(&m, h.params.po2, &p);
    if (e != CAIRN_OK) {
        cmsg_free(&h);
        return send_fatal(comm, cairn_prefix_error(e, "rank %d: the job's parameters", rank));
    }
    if (o->hooks.bad_vk) m.digest[0] ^= 1;
    m.rank = (uint32_t)rank;
    m.threads = o->threads ? o->threads : (unsigned)omp_get_max_threads();
    m.params = h.params;
    snprintf(m.build, sizeof m.build, "cairn %s msg %u", CAIRN_VERSION_STRING, CMSG_VERSION);
    e = send_msg(comm, &m);
    int same = !memcmp(m.digest, h.digest, CMSG_DIGEST_BYTES);
    char mine[2 * CMSG_DIGEST_BYTES + 1], theirs[2 * CMSG_DIGEST_BYTES + 1];
    hex(mine, m.digest, CMSG_DIGEST_BYTES);
    hex(theirs, h.digest, CMSG_DIGEST_BYTES);
    cmsg_free(&h);
    FORWARD_IF_ERROR(e);
    if (!same)
        return send_fatal(comm, cairn_fail(CAIRN_ERR_UNSUPPORTED,
                                           "rank %d refuses to work: its verifying-key digest %s differs from the "
                                           "coordinator's %s (another build of the prover?)",
                                           rank, mine, theirs));
    return CAIRN_OK;
}

cairn_err wrk_run(const wrk_opts *o, unsigned *lost)
{
    *lost = 0;
    int rank = 0, size = 0;
    MPI_Comm_rank(o->comm, &rank);
    MPI_Comm_size(o->comm, &size);
    RETURN_ERROR_IF(rank == 0, CAIRN_ERR_USAGE, "wrk_run: rank 0 is the coordinator");
    int shut;
    uint8_t *b;
    size_t n;
    cairn_err e = handshake(o->comm, rank, o, &shut, lost);
    if (e == CAIRN_ERR_UNSUPPORTED) {
        /* refused: the coordinator goes on without this rank and lets it
         * go at the end, with the count of ranks lost meanwhile */
        char why[CAIRN_ERROR_MSG_MAX];
        snprintf(why, sizeof why, "%s", cairn_last_error());
        FORWARD_IF_ERROR(next_message(o->comm, rank, "shutdown", &b, &n, &shut, lost));
        if (b) {
            free(b);
            return send_fatal(o->comm, cairn_fail(CAIRN_ERR_FORMAT, "rank %d: expected shutdown, got task", rank));
        }
        return cairn_fail(e, "%s", why);
    }
    FORWARD_IF_ERROR(e);
    if (shut) return CAIRN_OK;
    wrk_ctx ctx = {rank, o->hooks, 0};
    cmsg req;
    cmsg_init(&req, CMSG_REQUEST);
    for (;;) {
        FORWARD_IF_ERROR(send_msg(o->comm, &req));
        e = next_message(o->comm, rank, "a task or shutdown", &b, &n, &shut, lost);
        FORWARD_IF_ERROR(e);
        if (shut) return CAIRN_OK;
        uint8_t *reply;
        size_t rlen;
        e = wrk_serve(&ctx, &reply, &rlen, b, n, 1);
        free(b);
        FORWARD_IF_ERROR(e);
        e = send_bytes(o->comm, reply, rlen);
        free(reply);
        FORWARD_IF_ERROR(e);
    }
}
