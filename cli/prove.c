/* cairn prove: runs an RV32IM ELF and proves every segment as the executor
 * delivers it (one process, every core through the prover's OpenMP):
 *
 *   cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]
 *               [--preset P] [-o job.h5 [--resume] [--checkpoint N]] [--json] [-q]
 *
 * The executor runs segment by segment (rv_run_segment) with the segment
 * machine's budgets (jobs_machine_new), so every segment fits the fixed
 * shape of its proof. stdout: the guest's journal byte for byte, as cairn
 * exec; stderr: its fd 2 writes, a progress line per segment and a
 * summary, or with --json one JSON event per line instead (below; none of
 * them with -q). With -o the job is stored as it goes (jobs/jobs.h): each
 * proof is on disk in the record folder job.h5.d/ as soon as it is made,
 * the job file is checkpointed now and then and written whole at the end
 * (ELF, journal, each segment's snapshot, proof, claim, rank and time, the
 * parameters and the final state, for cairn verify), and the folder is
 * then removed. --resume continues a stored job: the program is run again
 * (cheap), and a segment whose stored result is still valid (its claim and
 * snapshot are the re-executed segment's and its proof verifies) is not
 * proven again.
 *
 * --json events on stderr (stdout is the journal), one object a line, the
 * names shared with the MPI coordinator (issue 9, item 5):
 *   {"event": "segment_executed", "segment": i, "cycles": n, "halted": b}
 *   {"event": "segment_reused", "segment": i, "proof_bytes": n}
 *   {"event": "segment_ignored", "segment": i, "reason": "..."}
 *   {"event": "task_started", "task": "prove", "segment": i, "rank": 0}
 *   {"event": "task_finished", "task": "prove", "segment": i, "rank": 0,
 *    "seconds": s, "proof_bytes": n}
 *   {"event": "checkpoint", "segments": n}
 *   {"event": "notice", "message": "..."}
 *   {"event": "done", ...the summary...}
 *
 * Exit status: 0 when every segment is proven (whatever the guest's exit
 * code, which the summary shows); after a guest fault qemu-user's status
 * (132, 135, 139) as cairn exec, and no job file; 2 for usage and input
 * errors, a job that cannot be resumed (another program, input or
 * parameters; a damaged job file) and storage errors; 1 if cairn's own
 * checks of a proof it made fail. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/error.h"
#include "commands.h"
#include "common/err.h"
#include "common/util.h"
#include "jobs/jobs.h"
#include "proofs.h"

static const char USAGE[] =
    "usage: cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]\n"
    "                   [--preset proven-100|conjectured-100|test] [-o job.h5 [--resume]\n"
    "                   [--checkpoint N]] [--json] [-q]\n";

static const char HELP[] =
    "\nRuns an RV32IM program cut into segments and proves each segment as it\n"
    "completes. The journal (fd 1) goes to stdout as with cairn exec; fd 2, one\n"
    "progress line per segment and a summary (cycles, segments, time, kHz, proof\n"
    "bytes, proven and conjectured security bits) to stderr.\n\n"
    "  --input FILE|-     private input read by the guest from fd 0 (default empty)\n"
    "  --max-input BYTES  refuse a larger input (default 1073741824, 1 GiB)\n"
    "  --segment-po2 K    segments of at most 2^K cycles (4..24, default 20); a\n"
    "                     segment may end earlier to fit its proof's tables\n"
    "  --preset P         proof parameters: proven-100 (default), conjectured-100,\n"
    "                     or test (fast, no meaningful security: tests only)\n"
    "  -o FILE.h5         store the job: every proof as soon as it is made (in the\n"
    "                     record folder FILE.h5.d/), and at the end the job file\n"
    "                     (program, journal, snapshots, proofs, claims, parameters,\n"
    "                     final state) for cairn verify; the folder is then removed.\n"
    "                     An unfinished job at FILE.h5 is refused without --resume;\n"
    "                     a finished job file there is replaced by the new job\n"
    "  --resume           continue the job stored at FILE.h5 (start it if there is\n"
    "                     none): the program runs again and only segments without a\n"
    "                     valid stored proof are proven. The program, input, preset\n"
    "                     and segment size must be the job's (else exit 2 naming the\n"
    "                     difference); a damaged job file is refused, never replaced\n"
    "  --checkpoint N     write the job file from the stored proofs once segments\n"
    "                     0..N-1 are proven, then each time that prefix doubles\n"
    "                     (default 64; 0: only at the end)\n"
    "  --json             JSON on stderr (stdout is the journal): one event a line\n"
    "                     (segment_executed, segment_reused, segment_ignored,\n"
    "                     task_started, task_finished, checkpoint, notice) and the\n"
    "                     summary as the event \"done\"\n"
    "  -q                 no progress lines, events or summary\n\n"
    "Exit status: 0 every segment proven; 132/135/139 after a guest fault (as\n"
    "qemu-riscv32; nothing is proven or kept); 2 usage or input error, a job that\n"
    "cannot be resumed, or a storage error (what is stored stays for --resume).\n";

typedef struct {
    jobs_job *job;
    stark_params prm;
    int quiet, json;
    uint64_t nseg, proven, reused, proof_bytes;
    double prove_sec;
    p2_digest last_end;
} prove_ctx;

static void on_job_event(void *arg, const jobs_event *e)
{
    const prove_ctx *c = arg;
    switch (e->kind) {
    case JOBS_EV_STORED: return;
    case JOBS_EV_IGNORED:
        /* a damaged or invalid stored result is worth saying even with -q */
        if (c->json && !c->quiet) {
            fprintf(stderr, "{\"event\": \"segment_ignored\", \"segment\": %" PRIu64 ", \"reason\": ", e->index);
            cli_json_str(stderr, e->msg);
            fprintf(stderr, "}\n");
        } else {
            fprintf(stderr, "cairn prove: %s\n", e->msg);
        }
        return;
    case JOBS_EV_CHECKPOINT:
        if (c->quiet) return;
        if (c->json) fprintf(stderr, "{\"event\": \"checkpoint\", \"segments\": %" PRIu64 "}\n", e->count);
        else fprintf(stderr, "cairn prove: %s\n", e->msg);
        return;
    case JOBS_EV_NOTICE:
        if (c->quiet) return;
        if (c->json) {
            fprintf(stderr, "{\"event\": \"notice\", \"message\": ");
            cli_json_str(stderr, e->msg);
            fprintf(stderr, "}\n");
        } else {
            fprintf(stderr, "cairn prove: %s\n", e->msg);
        }
        return;
    }
}

static cairn_err on_segment(void *arg, const rv_snapshot *s)
{
    prove_ctx *c = arg;
    int show = !c->quiet;
    if (show && c->json)
        fprintf(stderr, "{\"event\": \"segment_executed\", \"segment\": %" PRIu64 ", \"cycles\": %" PRIu64
                        ", \"halted\": %s}\n",
                s->index, s->cycles, s->end.halted ? "true" : "false");
    rv_seg_claim claim;
    jobs_snapshot_claim(&claim, s);
    c->nseg++;
    c->last_end = claim.end;
    if (c->job) {
        int reused;
        size_t plen;
        FORWARD_IF_ERROR(jobs_reuse(c->job, s, &reused, &plen));
        if (reused) {
            c->reused++;
            c->proof_bytes += plen;
            if (show && c->json)
                fprintf(stderr, "{\"event\": \"segment_reused\", \"segment\": %" PRIu64 ", \"proof_bytes\": %zu}\n",
                        s->index, plen);
            else if (show)
                fprintf(stderr, "cairn prove: segment %" PRIu64 ": %" PRIu64 " cycles, stored proof reused%s\n",
                        s->index, s->cycles, s->end.halted ? " (halted)" : "");
            return CAIRN_OK;
        }
    }
    if (show && c->json)
        fprintf(stderr, "{\"event\": \"task_started\", \"task\": \"prove\", \"segment\": %" PRIu64 ", \"rank\": 0}\n",
                s->index);
    jobs_proof p;
    FORWARD_IF_ERROR(jobs_prove(&p, s, &c->prm));
    c->prove_sec += p.seconds;
    c->proof_bytes += p.len;
    c->proven++;
    if (show && c->json)
        fprintf(stderr,
                "{\"event\": \"task_finished\", \"task\": \"prove\", \"segment\": %" PRIu64
                ", \"rank\": 0, \"seconds\": %.6f, \"proof_bytes\": %zu}\n",
                s->index, p.seconds, p.len);
    else if (show)
        fprintf(stderr, "cairn prove: segment %" PRIu64 ": %" PRIu64 " cycles, %.2f s, %zu proof bytes%s\n", s->index,
                s->cycles, p.seconds, p.len, s->end.halted ? " (halted)" : "");
    cairn_err err = c->job ? jobs_put_proof(c->job, s, &p, 0) : CAIRN_OK;
    jobs_proof_free(&p);
    return err;
}

/* CAIRN_TEST_KILL_AT=N (tests only): die by SIGKILL at the N-th storage
 * step of the job (jobs_test_kill_at). */
static int test_kill_hook(void)
{
    const char *v = getenv("CAIRN_TEST_KILL_AT");
    uint64_t n;
    if (!v || cli_parse_u64(&n, "CAIRN_TEST_KILL_AT", v, 1, UINT64_MAX) != CAIRN_OK) return 0;
    jobs_test_kill_at(n);
    return 1;
}

int cmd_prove(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL, *preset = CLI_DEFAULT_PRESET;
    uint64_t po2 = RV_DEFAULT_SEGMENT_PO2, max_input = CLI_DEFAULT_MAX_INPUT, checkpoint = JOBS_DEFAULT_CHECKPOINT;
    int json = 0, quiet = 0, resume = 0, npos;
    cli_ctx c;
    cli_ctx_init(&c, "cairn prove", USAGE, stderr, argc, argv);
    const cli_opt opts[] = {
        {"--input", CLI_STR, &input_path, 0, 0, NULL},
        {"--max-input", CLI_U64, &max_input, 0, CLI_MAX_INPUT_LIMIT, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"-o", CLI_STR, &out_path, 0, 0, NULL},
        {"--resume", CLI_FLAG, &resume, 0, 0, NULL},
        {"--checkpoint", CLI_U64, &checkpoint, 0, H5S_MAX_SEGMENTS, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"-q", CLI_FLAG, &quiet, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int r = cli_parse(&c, opts, &elf_path, 1, &npos, argc, argv);
    if (r == CLI_HELP || r == CLI_HELP_FULL) {
        printf("%s", USAGE);
        if (r == CLI_HELP_FULL) printf("%s", HELP);
        return EXIT_OK;
    }
    if (r != CLI_PARSED) return r;
    if (!elf_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no program given");
    if (resume && !out_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--resume needs the job file (-o FILE.h5)");

    int status = EXIT_USAGE;
    cli_program pg = {0};
    rv_machine *m = NULL;
    prove_ctx ctx = {.quiet = quiet, .json = json};
    jobs_output out = {.journal = stdout, .log = stderr, .keep = out_path != NULL};
    cairn_err err;
    stark_security_bits sec;
    int kill_hook = test_kill_hook();

    if ((err = cli_preset(&ctx.prm, preset, (unsigned)po2)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if (out_path && (err = cli_check_output("-o", out_path))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if ((status = cli_program_load(&pg, &c, elf_path, input_path, max_input)) != EXIT_OK) goto done;
    status = EXIT_USAGE;
    /* the machine's key and its security figures before the run: they
     * do not depend on the program */
    if ((err = cli_segment_security(&sec, (unsigned)po2, &ctx.prm)) != CAIRN_OK) {
        status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
        goto done;
    }
    jobs_desc desc;
    char id_hex[65];
    if ((err = jobs_desc_make(&desc, pg.elf, pg.elf_len, pg.prog, pg.input, pg.input_len, preset, &ctx.prm, (unsigned)po2))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    cli_hex(id_hex, desc.image_id, 32);
    if (out_path) {
        jobs_opts jo = {.checkpoint_first = checkpoint, .on_event = on_job_event, .event_arg = &ctx};
        if ((err = jobs_open(&ctx.job, out_path, &desc, resume ? JOBS_RESUME : JOBS_NEW, &jo))) {
            /* about the stored job, not the command line: no usage lines */
            cli_ctx jc = c;
            jc.usage = NULL;
            status = cli_fail(&jc, EXIT_USAGE, err, "%s", cairn_last_error());
            goto done;
        }
    }
    if ((err = jobs_machine_new(&m, pg.prog, (unsigned)po2, pg.input, pg.input_len, on_segment, &ctx, jobs_output_write,
                                &out))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_result res;
    double t0 = now_sec();
    /* segment by segment: where the coordinator serves its workers */
    do {
        err = rv_run_segment(m, &res);
    } while (err == CAIRN_OK && !res.final.halted);
    fflush(stdout);
    if (err == CAIRN_OK) {
        status = EXIT_OK;
        if (out.io_error) {
            /* said below; what is stored stays for --resume */
        } else if (ctx.job) {
            /* checks the claims' chain to the final state as it writes */
            err = jobs_finish(ctx.job, res.segments, &res.final, res.cycles, out.bytes, out.len, NULL);
            if (err != CAIRN_OK) {
                fprintf(stderr, "cairn prove: writing %s: %s\n", out_path, cairn_last_error());
                status = err == CAIRN_ERR_INTERNAL ? EXIT_INVALID : EXIT_USAGE;
            }
        } else {
            /* the last segment ends in the final state */
            p2_digest fin;
            rv_state_digest(&fin, &res.final);
            if (ctx.nseg != res.segments || memcmp(&fin, &ctx.last_end, sizeof fin)) {
                err = cairn_fail(CAIRN_ERR_INTERNAL, "the last segment's claim does not end in the final state");
                fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
                status = EXIT_INVALID;
            }
        }
    } else if (err == CAIRN_ERR_FAULT) {
        status = rv_fault_status(res.fault.kind);
        fprintf(stderr, "cairn prove: guest fault: %s at pc 0x%08x (instruction 0x%08x), address 0x%08x, "
                        "after %llu cycles; nothing proven\n",
                rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr,
                (unsigned long long)res.cycles);
        /* a faulting run has no proof: nothing to resume */
        if (ctx.job && jobs_discard(ctx.job) != CAIRN_OK)
            fprintf(stderr, "cairn prove: removing the job's records: %s\n", cairn_last_error());
    } else {
        status = cli_status(err);
        fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
        if (ctx.job) fprintf(stderr, "cairn prove: %s: what is stored stays; continue with --resume\n", out_path);
    }
    if (out.io_error) {
        fprintf(stderr, "cairn prove: error writing the guest's output\n");
        if (status == EXIT_OK) status = EXIT_USAGE;
    }
    double dt = now_sec() - t0;
    if (!quiet) {
        double khz = dt > 0 ? res.cycles / dt / 1e3 : 0;
        const char *outcome = err == CAIRN_OK ? "exit" : err == CAIRN_ERR_FAULT ? "fault" : "error";
        if (json) {
            fprintf(stderr,
                    "{\"event\": \"done\", \"outcome\": \"%s\", \"status\": %d, \"exit_code\": %u, \"cycles\": %" PRIu64
                    ", \"segments\": %" PRIu64 ", \"proven\": %" PRIu64 ", \"reused\": %" PRIu64
                    ", \"segment_po2\": %" PRIu64 ", \"preset\": ",
                    outcome, status, res.final.exit_code, res.cycles, ctx.nseg, ctx.proven, ctx.reused, po2);
            cli_json_str(stderr, preset);
            fprintf(stderr,
                    ", \"wall_sec\": %.6f, \"prove_sec\": %.6f, \"khz\": %.3f, \"proof_bytes\": %" PRIu64
                    ", \"proven_bits\": %.2f, \"conjectured_bits\": %.2f, \"image_id\": \"%s\", \"journal_bytes\": %" PRIu64
                    ", \"input_bytes\": %" PRIu64,
                    dt, ctx.prove_sec, khz, ctx.proof_bytes, sec.proven, sec.conjectured, id_hex,
                    res.final.journal_len, res.final.input_pos);
            if (err == CAIRN_ERR_FAULT)
                fprintf(stderr, ", \"fault\": \"%s\", \"fault_pc\": %u, \"fault_insn\": %u, \"fault_addr\": %u",
                        rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr);
            fprintf(stderr, "}\n");
        } else if (err == CAIRN_OK) {
            fprintf(stderr,
                    "cairn prove: exit code %u, %" PRIu64 " cycles, %" PRIu64 " segments of 2^%" PRIu64
                    " (%" PRIu64 " proven, %" PRIu64 " reused), %.2f s (%.2f s proving), %.1f kHz\n",
                    res.final.exit_code, res.cycles, ctx.nseg, po2, ctx.proven, ctx.reused, dt, ctx.prove_sec, khz);
            fprintf(stderr, "cairn prove: %" PRIu64 " proof bytes, %s: %.1f proven / %.1f conjectured security bits\n",
                    ctx.proof_bytes, preset, sec.proven, sec.conjectured);
            fprintf(stderr, "cairn prove: image ID %s%s%s\n", id_hex, out_path ? ", job file " : "",
                    out_path ? out_path : "");
        }
    }
    if (kill_hook) fprintf(stderr, "cairn prove: test: %" PRIu64 " storage steps\n", jobs_test_steps());
done:
    jobs_close(ctx.job);
    rv_machine_free(m);
    cli_program_free(&pg);
    jobs_output_free(&out);
    return status;
}
