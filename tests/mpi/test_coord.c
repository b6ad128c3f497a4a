/* coord_run without MPI (comm MPI_COMM_NULL, MPI never initialised): the
 * local prover alone, so the coordinator's loop, its checks, retries and
 * error paths run in one process (and under the sanitizers with leak
 * checking, which the mpirun tests leave to this suite: Open MPI's own
 * allocations cannot be told apart there). Segments of the segment test
 * program at po2 8 with preset test. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "coordinator/coord.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"
#include "vm/seg_prog.h"
#include "worker/task.h"

#define PO2 8
#define MAX_SEGS 16

typedef struct {
    uint8_t *snap[MAX_SEGS];
    size_t len[MAX_SEGS];
    size_t n, next;
    int fail_at;     /* source error when handing out this index (-1: never) */
    int none_yet;    /* answer NONE_YET every other call */
    int calls;
    uint32_t kind;   /* task kind handed out */
    rv_state final;
    p2_digest image;
} src_ctx;

typedef struct {
    rv_seg_claim claims[MAX_SEGS];
    int have[MAX_SEGS];
    size_t count;
    int fail_at;     /* sink error at this many results (-1: never) */
    int ranks_seen_nonzero;
} sink_ctx;

static cairn_err keep_segment(void *arg, const rv_snapshot *s)
{
    src_ctx *x = arg;
    if (x->n == MAX_SEGS) return cairn_fail(CAIRN_ERR_LIMIT, "too many segments");
    FORWARD_IF_ERROR(rv_snapshot_encode(&x->snap[x->n], &x->len[x->n], s));
    x->n++;
    return CAIRN_OK;
}

/* Runs the program (iterations) and keeps its snapshots. */
static void src_init(src_ctx *x, uint32_t iterations)
{
    memset(x, 0, sizeof *x);
    x->fail_at = -1;
    x->kind = CMSG_TASK_PROVE_SEGMENT;
    rv_program *prog = seg_program(iterations);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget budget;
    rv_air_budget(&budget, PO2);
    static const uint8_t input[32] = {9, 8, 7};
    rv_config cfg = {.segment_po2 = PO2, .budget = &budget, .input = input, .input_len = sizeof input,
                     .on_segment = keep_segment, .segment_arg = x};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_image_id(&x->image, prog), CAIRN_OK);
    x->final = res.final;
    rv_program_free(prog);
}

static void src_free(src_ctx *x)
{
    for (size_t i = 0; i < x->n; i++) free(x->snap[i]);
}

static cairn_err src_next(void *arg, coord_next *st, coord_task *t)
{
    src_ctx *x = arg;
    if (x->none_yet && (x->calls++ & 1)) {
        *st = COORD_NEXT_NONE_YET;
        return CAIRN_OK;
    }
    if (x->next == x->n) {
        *st = COORD_NEXT_DONE;
        return CAIRN_OK;
    }
    if ((int)x->next == x->fail_at) return cairn_fail(CAIRN_ERR_IO, "the executor broke at segment %zu", x->next);
    t->kind = x->kind;
    t->index = x->next;
    t->payload = malloc(x->len[x->next]);
    if (!t->payload) return cairn_fail(CAIRN_ERR_NOMEM, "test: out of memory");
    memcpy(t->payload, x->snap[x->next], x->len[x->next]);
    t->payload_len = x->len[x->next];
    x->next++;
    *st = COORD_NEXT_TASK;
    return CAIRN_OK;
}

static cairn_err sink_put(void *arg, const coord_result *r)
{
    sink_ctx *k = arg;
    if ((int)k->count == k->fail_at) return cairn_fail(CAIRN_ERR_IO, "the job file is full");
    CU_ASSERT_FATAL(r->index < MAX_SEGS);
    CU_ASSERT(!k->have[r->index]);
    CU_ASSERT_EQUAL(r->kind, CMSG_TASK_PROVE_SEGMENT);
    CU_ASSERT(r->proof_len > 0);
    CU_ASSERT_EQUAL(r->claim_len, CMSG_SEG_CLAIM_BYTES);
    /* the claim bytes say what the verified claim says */
    rv_seg_claim c;
    CU_ASSERT_EQUAL(cmsg_seg_claim_decode(&c, r->claim, r->claim_len), CAIRN_OK);
    CU_ASSERT(!memcmp(&c.start, &r->seg.start, sizeof c.start) && !memcmp(&c.end, &r->seg.end, sizeof c.end) &&
              c.cycles == r->seg.cycles);
    k->ranks_seen_nonzero |= r->rank != 0;
    k->claims[r->index] = r->seg;
    k->have[r->index] = 1;
    k->count++;
    return CAIRN_OK;
}

typedef struct {
    int accepted, failed, rejected, refused, assigned;
} ev_count;

static void count_event(void *arg, const coord_event *ev)
{
    ev_count *c = arg;
    switch (ev->type) {
    case COORD_EV_ACCEPTED: c->accepted++; break;
    case COORD_EV_FAILED: c->failed++; break;
    case COORD_EV_REJECTED: c->rejected++; break;
    case COORD_EV_REFUSED: c->refused++; break;
    case COORD_EV_ASSIGNED: c->assigned++; break;
    default: break;
    }
}

static void opts_init(coord_opts *o, ev_count *ev)
{
    coord_opts_default(o);
    o->comm = MPI_COMM_NULL;
    o->po2 = PO2;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&o->params, "test"), CAIRN_OK);
    memset(ev, 0, sizeof *ev);
    o->on_event = count_event;
    o->event_arg = ev;
}

static void expect_msg(const char *want)
{
    if (!strstr(cairn_last_error(), want)) {
        fprintf(stderr, "\n  got '%s'\n  want '%s'\n", cairn_last_error(), want);
        CU_FAIL("wrong message");
    }
}

/* Two segments proven by the local prover, the source answering "none yet"
 * in between; the claims chain from the image ID to the final state.
 * While its prover works, the coordinator sleeps instead of polling
 * (coord.h "Waiting"): the prover holds its first task 1 s (the stall
 * hook). Fixed naps of 0.5 ms woke the coordinator ~1400 times a second
 * (1480 on a loaded machine); the wait on the prover's condition variable,
 * at most 20 ms at a time, about 50 times (fewer when loaded, never more). */
static void test_local_job(void)
{
    src_ctx x;
    src_init(&x, 30);
    CU_ASSERT_FATAL(x.n >= 2 && x.n <= 4);
    x.none_yet = 1;
    sink_ctx k;
    memset(&k, 0, sizeof k);
    k.fail_at = -1;
    coord_opts o;
    ev_count ev;
    opts_init(&o, &ev);
    o.local_hooks.stall_sec = 1;
    /* a job that folds: rank 0's prover is booked for its segment need
     * plus what the fold adds (coord.h "Memory") */
    o.fold_mem = UINT64_C(48) << 20;
    coord_source src = {src_next, &x};
    coord_sink sink = {sink_put, &k};
    coord_stats st;
    cairn_err e = coord_run(&o, &src, &sink, &st);
    if (e) fprintf(stderr, "\n  %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    rv_air_mem seg;
    CU_ASSERT_EQUAL_FATAL(rv_air_prove_mem(&seg, PO2, &o.params), CAIRN_OK);
    CU_ASSERT_EQUAL(st.mem_need, (uint64_t)seg.key + seg.segment + o.fold_mem);
    CU_ASSERT(st.seconds >= 1.0 && st.local_task >= 1.0);
    if ((double)st.wakeups >= 100 * st.seconds)
        fprintf(stderr, "\n  %" PRIu64 " wake-ups in %.2f s\n", st.wakeups, st.seconds);
    CU_ASSERT((double)st.wakeups < 100 * st.seconds);
    CU_ASSERT_EQUAL(k.count, x.n);
    CU_ASSERT_EQUAL(st.tasks, x.n);
    CU_ASSERT_EQUAL(st.ranks, 1);
    CU_ASSERT_EQUAL(st.failed_attempts, 0);
    CU_ASSERT_EQUAL(ev.accepted, (int)x.n);
    CU_ASSERT_EQUAL(ev.assigned, (int)x.n);
    CU_ASSERT(!k.ranks_seen_nonzero);
    p2_digest prev = x.image, fin;
    for (size_t i = 0; i < x.n; i++) {
        CU_ASSERT_FATAL(k.have[i]);
        CU_ASSERT(!memcmp(&prev, &k.claims[i].start, sizeof prev));
        prev = k.claims[i].end;
    }
    rv_state_digest(&fin, &x.final);
    CU_ASSERT(!memcmp(&prev, &fin, sizeof prev));
    src_free(&x);
}

/* Every attempt fails: the job stops at the bound naming the segment and
 * each attempt's reason; nothing reaches the sink. */
static void test_retry_bound(void)
{
    src_ctx x;
    src_init(&x, 30);
    sink_ctx k;
    memset(&k, 0, sizeof k);
    k.fail_at = -1;
    coord_opts o;
    ev_count ev;
    opts_init(&o, &ev);
    o.local_hooks.fail = 1;
    o.max_attempts = 2;
    coord_source src = {src_next, &x};
    coord_sink sink = {sink_put, &k};
    coord_stats st;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, &st), CAIRN_ERR_LIMIT);
    expect_msg("segment 0 (task 1): 2 failed attempts, the bound: rank 0: test hook CAIRN_TEST_WORKER_FAIL: "
               "rank 0 fails every task; rank 0: test hook");
    CU_ASSERT_EQUAL(k.count, 0);
    CU_ASSERT_EQUAL(st.failed_attempts, 2);
    CU_ASSERT_EQUAL(ev.failed, 2);
    src_free(&x);
}

/* A corrupted proof is rejected and its prover quarantined; with no other
 * prover the job stops saying why. */
static void test_rejected(void)
{
    src_ctx x;
    src_init(&x, 30);
    sink_ctx k;
    memset(&k, 0, sizeof k);
    k.fail_at = -1;
    coord_opts o;
    ev_count ev;
    opts_init(&o, &ev);
    o.local_hooks.corrupt = 1;
    coord_source src = {src_next, &x};
    coord_sink sink = {sink_put, &k};
    coord_stats st;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, &st), CAIRN_ERR_LIMIT);
    expect_msg("no rank left that can prove: rank 0: quarantined: its segment 0 result rejected: segment proof");
    CU_ASSERT_EQUAL(k.count, 0);
    CU_ASSERT_EQUAL(st.rejected, 1);
    CU_ASSERT_EQUAL(ev.rejected, 1);
    CU_ASSERT_EQUAL(ev.refused, 1);
    src_free(&x);
}

/* Source and sink errors stop the job and come back prefixed; a task kind
 * outside the table and bad options are refused. */
static void test_errors(void)
{
    src_ctx x;
    src_init(&x, 30);
    sink_ctx k;
    coord_opts o;
    ev_count ev;
    coord_source src = {src_next, &x};
    coord_sink sink = {sink_put, &k};

    opts_init(&o, &ev);
    memset(&k, 0, sizeof k);
    k.fail_at = -1;
    x.fail_at = 0;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_IO);
    expect_msg("task source: the executor broke at segment 0");

    x.next = 0;
    x.fail_at = -1;
    k.fail_at = 0;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_IO);
    expect_msg("result sink (segment 0): the job file is full");

    x.next = 0;
    x.kind = 77;
    k.fail_at = -1;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_USAGE);
    expect_msg("task kind 77 is not in the task table");
    x.kind = CMSG_TASK_PROVE_SEGMENT;

    x.next = 0;
    o.max_attempts = 0;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_USAGE);
    expect_msg("max_attempts 0");
    o.max_attempts = 3;
    o.local = 0;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_USAGE);
    expect_msg("no prover");
    o.local = 1;
    o.po2 = 40;
    CU_ASSERT_EQUAL(coord_run(&o, &src, &sink, NULL), CAIRN_ERR_USAGE);
    expect_msg("segment po2 40");
    CU_ASSERT_EQUAL(k.count, 0);
    src_free(&x);
}

/* The task server answers garbage and foreign kinds with ERROR replies. */
static void test_serve_errors(void)
{
    wrk_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.rank = 5;
    ctx.hooks.kill_after = -1;
    uint8_t *reply;
    size_t n;
    static const uint8_t junk[60] = {1, 2, 3};
    CU_ASSERT_EQUAL_FATAL(wrk_serve(&ctx, &reply, &n, junk, sizeof junk, 0), CAIRN_OK);
    cmsg m;
    CU_ASSERT_EQUAL_FATAL(cmsg_decode(&m, reply, n), CAIRN_OK);
    CU_ASSERT_EQUAL(m.kind, CMSG_ERROR);
    CU_ASSERT_EQUAL(m.task_id, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(m.text, "rank 5 cannot parse its task: message: magic"));
    cmsg_free(&m);
    free(reply);
    /* a task with a snapshot that does not decode: ERROR about that task */
    cmsg t;
    cmsg_init(&t, CMSG_TASK);
    t.task_id = 9;
    t.task_kind = CMSG_TASK_PROVE_SEGMENT;
    t.params = (cmsg_params){PO2, 1, 2, 0, 1, 0};
    t.payload = junk;
    t.payload_len = sizeof junk;
    uint8_t *b;
    size_t bn;
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &bn, &t, 0), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(wrk_serve(&ctx, &reply, &n, b, bn, 0), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(cmsg_decode(&m, reply, n), CAIRN_OK);
    CU_ASSERT_EQUAL(m.kind, CMSG_ERROR);
    CU_ASSERT_EQUAL(m.task_id, 9);
    CU_ASSERT_EQUAL(m.code, CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(m.text, "prove-segment payload"));
    cmsg_free(&m);
    free(reply);
    free(b);
    /* a shutdown where a task was expected */
    cmsg_init(&t, CMSG_SHUTDOWN);
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &bn, &t, 0), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(wrk_serve(&ctx, &reply, &n, b, bn, 0), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(cmsg_decode(&m, reply, n), CAIRN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(m.text, "expected a task, got a shutdown message"));
    cmsg_free(&m);
    free(reply);
    free(b);
}

int main(void)
{
    static const test_case cases[] = {
        {"a job on the local prover alone", test_local_job},
        {"failed attempts stop the job at the bound", test_retry_bound},
        {"a rejected proof quarantines its prover", test_rejected},
        {"source, sink and option errors", test_errors},
        {"the task server answers bad tasks with errors", test_serve_errors},
        {NULL, NULL},
    };
    int st = test_run_suite("mpi_coord", cases);
    rv_air_keys_release();
    return st;
}
