/* Test driver of the MPI layer: executes a hand-encoded guest (the segment
 * test program of tests/vm/seg_prog.h: loads, stores, input reads, journal
 * writes over 64 pages) and proves its segments through coord_run on rank
 * 0 and wrk_run on the other ranks; or, with --serial, without MPI at all
 * (rv_run proving each segment as it comes: the reference).
 *
 *   mpi_prove [--serial] [--no-local] [--po2 K] [--preset P]
 *             [--iterations N] [--deadline S] [--start-deadline S]
 *             [--attempts N]
 *   mpi_prove --probe     MPI_Init + MPI_Finalize only (can mpirun start us?)
 *
 * stdout (rank 0): "sunk segment I rank R attempt A" as each verified
 * result reaches the sink (flushed at once, so that a test sees what was
 * delivered before a crash), then per segment
 *   "segment I po2 K cycles C start HEX end HEX"
 * in order, "final cycles C exit E state HEX" and "chain ok" once the
 * claims chain from the image ID to the final state. Events go to stderr.
 * Exit status: 0 proven; 1 the job failed or the claims do not chain;
 * 2 usage. When the coordinator gave up on a rank, rank 0 ends without
 * MPI_Finalize (coord.h "Failures"). Test hooks: worker/worker.h
 * (CAIRN_TEST_WORKER_*).
 *
 * The executor is the coordinator's source: each call runs one segment
 * (rv_run_segment) on the coordinator's thread, and the coordinator calls
 * only while its queue is below its bound (back-pressure). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/util.h"
#include "common/alloc.h"
#include "common/err.h"
#include "coordinator/coord.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"
#include "vm/seg_prog.h"
#include "worker/worker.h"

static const char USAGE[] =
    "usage: mpi_prove [--serial] [--no-local] [--po2 K] [--preset P] [--iterations N]\n"
    "                 [--deadline S] [--start-deadline S] [--attempts N] | --probe\n";

/* ---- results ------------------------------------------------------------------ */

typedef struct {
    rv_seg_claim *claims;
    int *have;
    size_t n, cap;
} results;

static cairn_err results_put(results *r, uint64_t index, const rv_seg_claim *c)
{
    if (index >= r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        while (cap <= index) cap *= 2;
        rv_seg_claim *nc = cairn_realloc_array(r->claims, cap, sizeof *nc);
        if (!nc) return cairn_fail(CAIRN_ERR_NOMEM, "out of memory for claims");
        r->claims = nc;
        int *nh = cairn_realloc_array(r->have, cap, sizeof *nh);
        if (!nh) return cairn_fail(CAIRN_ERR_NOMEM, "out of memory for claims");
        memset(nh + r->cap, 0, (cap - r->cap) * sizeof *nh);
        r->have = nh;
        r->cap = cap;
    }
    RETURN_ERROR_IF(r->have[index], CAIRN_ERR_INTERNAL, "segment %llu delivered twice",
                    (unsigned long long)index);
    r->claims[index] = *c;
    r->have[index] = 1;
    if (index + 1 > r->n) r->n = index + 1;
    return CAIRN_OK;
}

static void hex_digest(char out[65], const p2_digest *d)
{
    uint8_t b[32];
    rv_digest_bytes(b, d);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The claims in order, the final state, and whether they chain. */
static int report(const results *r, const p2_digest *image, const rv_result *res, uint64_t segments)
{
    char a[65], b[65];
    int ok = r->n == segments;
    if (!ok) fprintf(stderr, "mpi_prove: %zu segments proven, the run had %llu\n", r->n, (unsigned long long)segments);
    p2_digest prev = *image;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->have[i]) {
            fprintf(stderr, "mpi_prove: segment %zu has no result\n", i);
            ok = 0;
            continue;
        }
        const rv_seg_claim *c = &r->claims[i];
        hex_digest(a, &c->start);
        hex_digest(b, &c->end);
        printf("segment %zu po2 %u cycles %llu start %s end %s\n", i, c->po2, (unsigned long long)c->cycles, a, b);
        if (memcmp(&prev, &c->start, sizeof prev)) {
            fprintf(stderr, "mpi_prove: segment %zu does not start where the previous one ended\n", i);
            ok = 0;
        }
        prev = c->end;
    }
    p2_digest fin;
    rv_state_digest(&fin, &res->final);
    hex_digest(a, &fin);
    printf("final cycles %llu exit %u state %s\n", (unsigned long long)res->cycles, res->final.exit_code, a);
    if (memcmp(&prev, &fin, sizeof prev) || !res->final.halted) {
        fprintf(stderr, "mpi_prove: the last claim does not end at the final (halted) state\n");
        ok = 0;
    }
    if (ok) printf("chain ok\n");
    fflush(stdout);
    return ok;
}

/* ---- the program -------------------------------------------------------------- */

static uint8_t g_input[96];

static void exec_config(rv_config *cfg, rv_budget *budget, unsigned po2)
{
    memset(cfg, 0, sizeof *cfg);
    rv_air_budget(budget, po2);
    cfg->segment_po2 = po2;
    cfg->budget = budget;
    for (size_t i = 0; i < sizeof g_input; i++) g_input[i] = (uint8_t)(i * 7 + 1);
    cfg->input = g_input;
    cfg->input_len = sizeof g_input;
}

/* ---- --serial: the reference without MPI ----------------------------------------- */

typedef struct {
    results *res;
    const stark_params *p;
} serial_ctx;

static cairn_err serial_segment(void *arg, const rv_snapshot *s)
{
    serial_ctx *x = arg;
    uint8_t *proof = NULL;
    size_t len = 0;
    rv_seg_claim c;
    FORWARD_IF_ERROR(rv_prove_segment(&proof, &len, &c, s, x->p));
    cairn_err e = rv_verify_segment(&c, proof, len, x->p);
    free(proof);
    FORWARD_IF_ERROR(e);
    printf("sunk segment %llu rank 0 attempt 1\n", (unsigned long long)s->index);
    fflush(stdout);
    return results_put(x->res, s->index, &c);
}

static int run_serial(const rv_program *prog, unsigned po2, const stark_params *p, unsigned iterations)
{
    (void)iterations;
    results res = {0};
    serial_ctx x = {&res, p};
    rv_config cfg;
    rv_budget budget;
    exec_config(&cfg, &budget, po2);
    cfg.on_segment = serial_segment;
    cfg.segment_arg = &x;
    rv_result rr;
    p2_digest image;
    cairn_err e = rv_image_id(&image, prog);
    if (e == CAIRN_OK) e = rv_execute(prog, &cfg, &rr);
    int ok = 0;
    if (e != CAIRN_OK) fprintf(stderr, "mpi_prove: %s\n", cairn_last_error());
    else ok = report(&res, &image, &rr, rr.segments);
    free(res.claims);
    free(res.have);
    return ok ? 0 : 1;
}

/* ---- the executor as the coordinator's source ---------------------------------------- */

/* One segment per source call (rv_run_segment), so the executor runs only
 * as far ahead as the coordinator's queue bound lets it. */
typedef struct {
    rv_machine *m;
    rv_result res;
    uint8_t *bytes; /* the segment just run, encoded (handed to the coordinator) */
    size_t len;
    uint64_t index;
    int have;
} executor;

static cairn_err exec_segment(void *arg, const rv_snapshot *s)
{
    executor *x = arg;
    FORWARD_IF_ERROR(rv_snapshot_encode(&x->bytes, &x->len, s));
    x->index = s->index;
    x->have = 1;
    return CAIRN_OK;
}

static cairn_err source_next(void *arg, coord_next *status, coord_task *task)
{
    executor *x = arg;
    *status = COORD_NEXT_DONE;
    if (x->res.final.halted) return CAIRN_OK;
    cairn_err e = rv_run_segment(x->m, &x->res);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "executor");
    if (!x->have) return CAIRN_OK; /* halted exactly at the last segment's end */
    task->kind = CMSG_TASK_PROVE_SEGMENT;
    task->index = x->index;
    task->payload = x->bytes;
    task->payload_len = x->len;
    x->bytes = NULL;
    x->have = 0;
    *status = COORD_NEXT_TASK;
    return CAIRN_OK;
}

static cairn_err sink_put(void *arg, const coord_result *r)
{
    results *res = arg;
    printf("sunk segment %llu rank %d attempt %u\n", (unsigned long long)r->index, r->rank, r->attempt);
    fflush(stdout);
    return results_put(res, r->index, &r->seg);
}

static void on_event(void *arg, const coord_event *ev)
{
    (void)arg;
    static const char *names[] = {"ready", "refused", "assigned", "accepted", "rejected", "failed", "late",
                                  "discarded"};
    if (ev->task_id)
        fprintf(stderr, "coord: %s: segment %llu (task %llu, attempt %u) rank %d%s%s\n", names[ev->type],
                (unsigned long long)ev->index, (unsigned long long)ev->task_id, ev->attempt, ev->rank,
                ev->text[0] ? ": " : "", ev->text);
    else
        fprintf(stderr, "coord: %s: rank %d%s%s\n", names[ev->type], ev->rank, ev->text[0] ? ": " : "", ev->text);
}

static int run_coordinator(const rv_program *prog, coord_opts *o, int *lost)
{
    executor x;
    memset(&x, 0, sizeof x);
    rv_config cfg;
    rv_budget budget;
    exec_config(&cfg, &budget, o->po2);
    cfg.on_segment = exec_segment;
    cfg.segment_arg = &x;
    results res = {0};
    p2_digest image;
    int status = 1;
    cairn_err e = rv_image_id(&image, prog);
    if (e == CAIRN_OK) e = rv_machine_new(&x.m, prog, &cfg);
    coord_stats st;
    memset(&st, 0, sizeof st);
    if (e == CAIRN_OK) {
        coord_source src = {source_next, &x};
        coord_sink sink = {sink_put, &res};
        e = coord_run(o, &src, &sink, &st);
        fprintf(stderr,
                "mpi_prove: %u ranks, %llu tasks, %llu failed attempts (%llu rejected, %llu late), "
                "%u refused, %u unresponsive, %.2f s\n",
                st.ranks, (unsigned long long)st.tasks, (unsigned long long)st.failed_attempts,
                (unsigned long long)st.rejected, (unsigned long long)st.late, st.refused, st.unresponsive,
                st.seconds);
    }
    if (e != CAIRN_OK) fprintf(stderr, "mpi_prove: %s\n", cairn_last_error());
    else status = report(&res, &image, &x.res, x.res.segments) ? 0 : 1;
    free(x.bytes);
    rv_machine_free(x.m);
    free(res.claims);
    free(res.have);
    /* Ranks given up on (coord.h "Failures"): skip MPI_Finalize, whose
     * closing fence can wait for them forever; see main */
    if (st.unresponsive) fprintf(stderr, "mpi_prove: %u ranks did not come back\n", st.unresponsive);
    *lost = st.unresponsive > 0;
    return status;
}

int main(int argc, char **argv)
{
    int serial = 0, no_local = 0, probe = 0;
    const char *preset = "test";
    uint64_t po2 = 10, iterations = 120, deadline = 0, start_deadline = 0, attempts = 3;
    cli_ctx cx;
    cli_ctx_init(&cx, "mpi_prove", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--serial", CLI_FLAG, &serial, 0, 0, NULL},
        {"--no-local", CLI_FLAG, &no_local, 0, 0, NULL},
        {"--probe", CLI_FLAG, &probe, 0, 0, NULL},
        {"--po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"--iterations", CLI_U64, &iterations, 1, 1000000, NULL},
        {"--deadline", CLI_U64, &deadline, 0, 86400, NULL},
        {"--start-deadline", CLI_U64, &start_deadline, 0, 86400, NULL},
        {"--attempts", CLI_U64, &attempts, 1, COORD_MAX_ATTEMPTS, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int npos = 0;
    int pr = cli_parse(&cx, opts, NULL, 0, &npos, argc, argv);
    if (pr != CLI_PARSED) {
        if (pr != EXIT_USAGE) fputs(USAGE, stdout);
        return pr == EXIT_USAGE ? EXIT_USAGE : 0;
    }
    stark_params p;
    if (stark_params_preset(&p, preset) != CAIRN_OK)
        return cli_fail(&cx, EXIT_USAGE, CAIRN_ERR_USAGE, "--preset: %s", cairn_last_error());
    rv_program *prog = seg_program((uint32_t)iterations);
    if (!prog) return cli_fail(&cx, 1, CAIRN_ERR_INTERNAL, "the test program does not load");
    int status;
    if (serial) {
        status = run_serial(prog, (unsigned)po2, &p, (unsigned)iterations);
    } else {
        int provided = 0, rank = 0;
        if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            rv_program_free(prog);
            return cli_fail(&cx, 1, CAIRN_ERR_IO, "MPI_Init_thread failed");
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        if (probe) {
            status = 0;
        } else if (rank == 0) {
            coord_opts o;
            coord_opts_default(&o);
            o.po2 = (unsigned)po2;
            o.params = p;
            o.local = !no_local;
            o.max_attempts = (unsigned)attempts;
            o.task_deadline = (double)deadline;
            o.start_deadline = (double)start_deadline;
            o.on_event = on_event;
            cairn_err e = wrk_hooks_from_env(&o.local_hooks, 0);
            int lost = 0;
            status = e == CAIRN_OK ? run_coordinator(prog, &o, &lost)
                                   : cli_fail(&cx, EXIT_USAGE, e, "%s", cairn_last_error());
            if (lost) {
                /* everything is printed; the process ends here, without
                 * MPI_Finalize: mpirun then ends the job (with this status
                 * under --enable-recovery) */
                fflush(stdout);
                fflush(stderr);
                rv_program_free(prog);
                _exit(status);
            }
        } else {
            wrk_opts wo;
            memset(&wo, 0, sizeof wo);
            wo.comm = MPI_COMM_WORLD;
            unsigned lost = 0;
            cairn_err e = wrk_hooks_from_env(&wo.hooks, rank);
            if (e == CAIRN_OK) e = wrk_run(&wo, &lost);
            status = 0;
            if (e != CAIRN_OK) {
                fprintf(stderr, "mpi_prove: worker rank %d: %s\n", rank, cairn_last_error());
                /* a refusal was reported to the coordinator, which goes on
                 * without this rank: a nonzero status would make mpirun
                 * abort the whole job */
                status = e == CAIRN_ERR_UNSUPPORTED ? 0 : 1;
            }
            if (lost) { /* ranks were given up on: no MPI_Finalize (worker.h) */
                fprintf(stderr, "mpi_prove: worker rank %d: %u ranks lost, ending without MPI_Finalize\n", rank,
                        lost);
                fflush(stdout);
                fflush(stderr);
                rv_program_free(prog);
                _exit(status);
            }
        }
        MPI_Finalize();
    }
    rv_program_free(prog);
    rv_air_keys_release();
    return status;
}
