/* cairn bench sched [--ranks N] [--segments N] [--segment-po2 K]
 *                   [--prove-ms MS] [--exec-us US] [--verify-us US]
 *                   [--snapshot-bytes B] [--proof-bytes B] [--net-mbit M]
 *                   [--fail-permille P] [--attempts N] [--queue-bound N]
 *                   [--no-local] [--seed S] [--json]
 *
 * The coordinator's scheduling on a simulated clock (bench/sched_sim.h):
 * for 16, 64, 256 and 1024 ranks and runs of 10^3, 10^4 and 10^5 segments
 * (or the --ranks / --segments given), the wall time, the efficiency
 * (proving time / (ranks * wall)), the time to the first verified proof,
 * rank 0's busy share (executor, verification, receiving), where the
 * provers' lost time goes and what bounds the run.
 *
 * Costs are inputs; each is printed with where it comes from. Execution on
 * rank 0 is measured here once with the real code of the coordinator's
 * refill: the executor running the SHA-256 example guest segment by
 * segment, rv_snapshot_encode, the task's expected claim (the task table's
 * expect) and the TASK message's encoding (zstd); without the guest, a
 * documented figure is used. */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli/proofs.h"
#include "cli/util.h"
#include "common/util.h"
#include "jobs/jobs.h"
#include "sched_sim.h"
#include "worker/msg.h"
#include "worker/task.h"

/* `cairn bench prove --segment-po2 20 --segments 1` on this machine (2
 * cores, 2 OpenMP threads, proven-100): 57 s a segment, verification
 * 0.025 s, 1.56 MB of proof. */
#define PROVE_MS 57000
#define VERIFY_US 25000
#define PROOF_BYTES 1560000
/* A snapshot message: an estimate for a guest that touches about 1 MB of
 * pages a segment (the SHA-256 guest's is far smaller, about 8 kB). */
#define SNAPSHOT_BYTES 1000000
/* rv_run_segment + encoding of a 2^20-cycle segment when the guest is not
 * built: `cairn bench exec` measured about 100 M instr/s with snapshots on
 * this machine, so about 10 ms of execution, plus about 10 ms for the
 * snapshot, its expected claim and the compressed message. */
#define EXEC_US 20000
/* Runs of the guest measured; the fastest counts (the machine is shared). */
#define MEASURE_REPS 3

typedef struct {
    cmsg_params cp;
    const wrk_task_ops *ops;
    uint64_t segments;
    double msg_bytes;
} exec_meas;

/* What the coordinator's refill does with each segment the executor
 * delivers (cli/prove.c source_next, coord.c refill). */
static cairn_err refill_like(void *arg, const rv_snapshot *s)
{
    exec_meas *x = arg;
    uint8_t *snap = NULL, *msg = NULL;
    size_t len = 0, mlen = 0;
    void *exp = NULL;
    cairn_err e = rv_snapshot_encode(&snap, &len, s);
    if (e == CAIRN_OK) e = x->ops->expect(&exp, snap, len, &x->cp);
    if (e == CAIRN_OK) {
        cmsg m;
        cmsg_init(&m, CMSG_TASK);
        m.task_id = x->segments + 1;
        m.task_kind = CMSG_TASK_PROVE_SEGMENT;
        m.params = x->cp;
        m.payload = snap;
        m.payload_len = len;
        e = cmsg_encode(&msg, &mlen, &m, 1);
    }
    x->segments++;
    x->msg_bytes += (double)mlen;
    free(exp);
    free(msg);
    free(snap);
    return e;
}

/* Seconds of rank 0's refill per 2^po2 cycles and the mean TASK message
 * bytes, from the SHA-256 guest over 2^(po2-5) bytes (about 2.6 segments,
 * as `cairn bench prove`); 0 when the guest is not there or fails. */
static double measure_exec(unsigned po2, double *msg_bytes, char *src, size_t srclen)
{
    char exe[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/guest/sha256.elf", dirname(exe));
    uint8_t *elf = NULL, *input = NULL;
    size_t elf_len = 0, input_len = (size_t)1 << (po2 > 5 ? po2 - 5 : 0);
    rv_program *prog = NULL;
    rv_machine *mach = NULL;
    double per = 0;
    exec_meas x = {.ops = wrk_task_lookup(CMSG_TASK_PROVE_SEGMENT)};
    stark_params prm;
    if (cli_read_file(&elf, &elf_len, "program", path, UINT64_C(1) << 30, NULL) != CAIRN_OK) goto done;
    if (!(input = malloc(input_len)) || rv_elf_load(&prog, elf, elf_len) != CAIRN_OK) goto done;
    for (size_t i = 0; i < input_len; i++) input[i] = (uint8_t)(i * 7 + (i >> 8));
    if (cli_preset(&prm, "proven-100", po2) != CAIRN_OK || !x.ops) goto done;
    cmsg_params_set(&x.cp, po2, &prm);
    rv_result res;
    double best = 1e30;
    for (int rep = 0; rep < MEASURE_REPS; rep++) {
        x.segments = 0;
        x.msg_bytes = 0;
        rv_machine_free(mach);
        mach = NULL;
        double t0 = now_sec();
        if (jobs_machine_new(&mach, prog, po2, 0, input, input_len, refill_like, &x, NULL, NULL) != CAIRN_OK) goto done;
        if (rv_run(mach, &res) != CAIRN_OK || !res.cycles || !x.segments) goto done;
        double dt = now_sec() - t0;
        if (dt < best) best = dt;
    }
    per = best * (double)((uint64_t)1 << po2) / (double)res.cycles;
    *msg_bytes = x.msg_bytes / (double)x.segments;
    snprintf(src, srclen,
             "measured now (best of %d): sha256 guest, %llu segments, %llu cycles: executor + snapshot + "
             "expected claim + TASK message (zstd), per 2^%u cycles",
             MEASURE_REPS, (unsigned long long)x.segments, (unsigned long long)res.cycles, po2);
done:
    rv_machine_free(mach);
    rv_program_free(prog);
    free(input);
    free(elf);
    return per;
}

/* What each bound of the table means, as coord_run works. */
static const char *const legend[][2] = {
    {"proving", "the ranks prove at least 90% of the time"},
    {"executor", "ranks wait while rank 0 executes: each refill runs the executor until the queue holds its\n"
                 "  bound (one task per prover) before any task goes out, and no result is taken meanwhile"},
    {"verification", "ranks wait while rank 0 receives or verifies results: a rank gets its next task before\n"
                     "  its result is checked (one check per pass of coord_run), so this binds only when results\n"
                     "  arrive faster than rank 0 checks them (more waiting than there are ranks), or when idle\n"
                     "  ranks wait for the checks before rank 0 executes the next segment"},
    {"tail", "nothing left to hand out: the last round is partly empty"},
    {"network", "snapshots on their way over rank 0's link"},
    {"failures", "failed attempts"},
    {"rank 0 idle", "rank 0 has no local prover"},
    {"starved", "tasks wait that only ranks which failed them may take"},
    {"stopped", "a task failed --attempts times: the job stops"},
};

typedef struct {
    const char *key, *unit, *src;
    double value;
} input_line;

static void print_row_text(const ssim_params *p, const ssim_result *r)
{
    double cap = (double)p->ranks * r->wall;
    double pc = cap > 0 ? 100.0 / cap : 0;
    printf("%6u %9llu %10.0f %6.1f%% %8.1f %6.1f%% %7.1f%% %7.1f%% %6.1f%% %6.1f%%  %s\n", p->ranks,
           (unsigned long long)p->segments, r->wall, 100 * r->efficiency, r->first_proof, 100 * r->r0_busy,
           r->lost_exec * pc, r->lost_verify * pc, r->lost_tail * pc,
           (r->lost_transfer + r->wasted + r->lost_no_prover + r->lost_starved) * pc, r->bound);
}

static void print_row_json(const ssim_params *p, const ssim_result *r, int first)
{
    printf("%s\n    {\"ranks\": %u, \"segments\": %llu, \"wall_s\": %.3f, \"efficiency\": %.5f, "
           "\"first_proof_s\": %.3f, \"rank0_busy\": %.5f, \"rank0_exec_s\": %.3f, \"rank0_verify_s\": %.3f, "
           "\"rank0_msg_s\": %.3f, \"lost_exec\": %.3f, \"lost_verify\": %.3f, \"lost_starved\": %.3f, "
           "\"lost_transfer\": %.3f, \"lost_tail\": %.3f, \"lost_no_prover\": %.3f, \"wasted\": %.3f, "
           "\"accepted\": %llu, \"failed_attempts\": %llu, \"stopped\": %s, \"bound\": ",
           first ? "" : ",", p->ranks, (unsigned long long)p->segments, r->wall, r->efficiency, r->first_proof,
           r->r0_busy, r->r0_exec, r->r0_verify, r->r0_msg, r->lost_exec, r->lost_verify, r->lost_starved,
           r->lost_transfer, r->lost_tail, r->lost_no_prover, r->wasted, (unsigned long long)r->accepted,
           (unsigned long long)r->failed_attempts, r->stopped ? "true" : "false");
    cli_json_str(stdout, r->bound);
    printf("}");
}

int bench_sched(int argc, char **argv)
{
    static const char usage[] =
        "usage: cairn bench sched [--ranks N] [--segments N] [--segment-po2 K] [--prove-ms MS]\n"
        "                         [--exec-us US] [--verify-us US] [--snapshot-bytes B] [--proof-bytes B]\n"
        "                         [--net-mbit M] [--fail-permille P] [--attempts N] [--queue-bound N]\n"
        "                         [--no-local] [--seed S] [--json]\n";
    uint64_t ranks = 0, segments = 0, po2 = 20, prove_ms = PROVE_MS, exec_us = 0, verify_us = VERIFY_US;
    uint64_t snap_b = 0, proof_b = PROOF_BYTES, mbit = 10000, fail_pm = 0, attempts = 3, qbound = 0, seed = 1;
    int json = 0, no_local = 0, npos, g_exec = 0, g_prove = 0, g_verify = 0, g_snap = 0, g_proof = 0, g_net = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench sched", usage, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--ranks", CLI_U64, &ranks, 1, 1 << 20, NULL},
        {"--segments", CLI_U64, &segments, 1, UINT64_C(1) << 32, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--prove-ms", CLI_U64, &prove_ms, 0, UINT64_C(1) << 40, &g_prove},
        {"--exec-us", CLI_U64, &exec_us, 0, UINT64_C(1) << 40, &g_exec},
        {"--verify-us", CLI_U64, &verify_us, 0, UINT64_C(1) << 40, &g_verify},
        {"--snapshot-bytes", CLI_U64, &snap_b, 0, UINT64_C(1) << 40, &g_snap},
        {"--proof-bytes", CLI_U64, &proof_b, 0, UINT64_C(1) << 40, &g_proof},
        {"--net-mbit", CLI_U64, &mbit, 0, UINT64_C(1) << 40, &g_net},
        {"--fail-permille", CLI_U64, &fail_pm, 0, 1000, NULL},
        {"--attempts", CLI_U64, &attempts, 1, 16, NULL},
        {"--queue-bound", CLI_U64, &qbound, 0, UINT64_C(1) << 32, NULL},
        {"--no-local", CLI_FLAG, &no_local, 0, 0, NULL},
        {"--seed", CLI_U64, &seed, 0, UINT64_MAX, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int pr = cli_parse(&c, opts, NULL, 0, &npos, argc, argv);
    if (pr == CLI_HELP || pr == CLI_HELP_FULL) {
        printf("%s", usage);
        if (pr == CLI_HELP_FULL)
            printf("\nSimulates the coordinator's scheduling (coordinator/sched.c, the code coord_run\n"
                   "uses) on a simulated clock: rank 0 executes and encodes each segment, hands\n"
                   "tasks out as ranks ask, receives and verifies every proof itself, one thing\n"
                   "after the other as coord_run does; the ranks prove. Prints, for 16, 64, 256\n"
                   "and 1024 ranks (or --ranks) and 10^3, 10^4, 10^5 segments (or --segments):\n"
                   "wall time, efficiency = proving time / (ranks * wall), time to the first\n"
                   "verified proof, rank 0's busy share, the provers' lost time (in %% of\n"
                   "ranks * wall: idle, or a proof waiting for rank 0, while rank 0 executes or\n"
                   "verifies; tail = nothing left to hand out; other = transfers, failed\n"
                   "attempts, rank 0 without a prover) and what bounds the run. Execution is measured at the start with the SHA-256 example guest at\n"
                   "--segment-po2 (default 20). --fail-permille P fails P/1000 of the attempts\n"
                   "at their end (retried as the coordinator does, --attempts at most).\n");
        return EXIT_OK;
    }
    if (pr != CLI_PARSED) return pr;

    char exec_src[256] = "";
    double msg_bytes = 0, exec_s = (double)exec_us / 1e6;
    if (!g_exec) {
        if (!json) fprintf(stderr, "cairn bench sched: measuring rank 0's execution at po2 %u...\n", (unsigned)po2);
        exec_s = measure_exec((unsigned)po2, &msg_bytes, exec_src, sizeof exec_src);
        if (exec_s <= 0) {
            exec_s = EXEC_US / 1e6;
            snprintf(exec_src, sizeof exec_src,
                     "documented figure (the sha256 guest is not built): ~100 M instr/s executor + encoding");
        }
    } else {
        snprintf(exec_src, sizeof exec_src, "--exec-us");
    }
    char snap_src[160];
    double snapshot = (double)snap_b;
    if (g_snap) {
        snprintf(snap_src, sizeof snap_src, "--snapshot-bytes");
    } else {
        snapshot = SNAPSHOT_BYTES;
        if (msg_bytes > 0)
            snprintf(snap_src, sizeof snap_src,
                     "estimate for a guest touching ~1 MB a segment (the sha256 guest's TASK message: %.0f B)",
                     msg_bytes);
        else
            snprintf(snap_src, sizeof snap_src, "estimate for a guest touching ~1 MB a segment");
    }
    ssim_params p;
    ssim_params_default(&p);
    p.local = !no_local;
    p.prove_s = (double)prove_ms / 1e3;
    p.exec_s = exec_s;
    p.verify_s = (double)verify_us / 1e6;
    p.snapshot_bytes = snapshot;
    p.proof_bytes = (double)proof_b;
    p.bandwidth = (double)mbit * 1e6 / 8;
    p.fail_rate = (double)fail_pm / 1000;
    p.max_attempts = (unsigned)attempts;
    p.queue_bound = (size_t)qbound;
    p.seed = seed;
    const char *measured = "cairn bench prove --segment-po2 20 --segments 1 on this machine (2 threads, proven-100)";
    const input_line in[] = {
        {"prove_s", "s", g_prove ? "--prove-ms" : measured, p.prove_s},
        {"exec_s", "s", exec_src, p.exec_s},
        {"verify_s", "s", g_verify ? "--verify-us" : measured, p.verify_s},
        {"snapshot_bytes", "B", snap_src, p.snapshot_bytes},
        {"proof_bytes", "B", g_proof ? "--proof-bytes" : measured, p.proof_bytes},
        {"network_gbit", "Gbit/s", g_net ? "--net-mbit" : "assumed: 10 Gbit/s Ethernet", (double)mbit / 1e3},
        {"fail_rate", "", "--fail-permille / 1000", p.fail_rate},
        {"max_attempts", "", "--attempts (coord default 3)", (double)p.max_attempts},
        {"queue_bound", "", qbound ? "--queue-bound" : "0: one per prover (coord default)", (double)qbound},
        {"local_prover", "", no_local ? "--no-local" : "rank 0 proves too (coord default)", (double)p.local},
    };
    static const unsigned dranks[] = {16, 64, 256, 1024};
    static const uint64_t dsegs[] = {1000, 10000, 100000};
    unsigned nr = ranks ? 1 : 4, ns = segments ? 1 : 3;
    ssim_result res[4 * 3];
    ssim_params par[4 * 3];
    unsigned nrows = 0;
    for (unsigned i = 0; i < nr; i++)
        for (unsigned j = 0; j < ns; j++, nrows++) {
            par[nrows] = p;
            par[nrows].ranks = ranks ? (unsigned)ranks : dranks[i];
            par[nrows].segments = segments ? segments : dsegs[j];
            if (ssim_run(&res[nrows], &par[nrows]) != 0)
                return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_NOMEM, "out of memory for the simulation");
        }
    if (json) {
        printf("{\n  \"inputs\": {");
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
            printf("%s\n    \"%s\": {\"value\": %.6g, \"unit\": ", i ? "," : "", in[i].key, in[i].value);
            cli_json_str(stdout, in[i].unit);
            printf(", \"source\": ");
            cli_json_str(stdout, in[i].src);
            printf("}");
        }
        printf("\n  },\n  \"rows\": [");
    } else {
        printf("cairn bench sched: coordinator/sched.c on a simulated clock (bench/sched_sim.h)\n");
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
            printf("  %-15s %12.6g %-7s %s\n", in[i].key, in[i].value, in[i].unit, in[i].src);
        printf("\n                                                 lost rank-time while rank 0 ...\n"
               "                                                 (%% of ranks x wall)\n"
               " ranks  segments     wall_s    eff  first_s r0_busy executes verifies   tail  other  bound\n");
    }
    for (unsigned i = 0; i < nrows; i++) {
        if (json) print_row_json(&par[i], &res[i], i == 0);
        else print_row_text(&par[i], &res[i]);
    }
    if (json) {
        printf("\n  ]\n}\n");
        return EXIT_OK;
    }
    printf("\n");
    for (size_t b = 0; b < sizeof legend / sizeof legend[0]; b++)
        for (unsigned i = 0; i < nrows; i++)
            if (!strcmp(res[i].bound, legend[b][0])) {
                printf("%s: %s\n", legend[b][0], legend[b][1]);
                break;
            }
    return EXIT_OK;
}
