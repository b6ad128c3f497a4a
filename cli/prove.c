/* cairn prove: runs an RV32IM ELF and proves every segment as the executor
 * delivers it (one process, every core through the prover's OpenMP):
 *
 *   cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]
 *               [--preset P] [-o job.h5] [--json] [-q]
 *
 * The executor runs with the segment machine's budgets (rv_air_budget), so
 * every segment fits the fixed shape of its proof. stdout: the guest's
 * journal byte for byte, as cairn exec; stderr: its fd 2 writes, a
 * progress line per segment and a summary (one JSON line with --json;
 * neither with -q). With -o, the job file holds the ELF, the journal, each
 * segment's snapshot, proof and claim, the parameters and the final state
 * (storage/h5s.h), for cairn verify.
 *
 * Exit status: 0 when every segment is proven (whatever the guest's exit
 * code, which the summary shows); after a guest fault qemu-user's status
 * (132, 135, 139) as cairn exec, and no job file; 2 for usage and input
 * errors; 1 if cairn's own checks of a proof it made fail. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/error.h"
#include "commands.h"
#include "common/err.h"
#include "common/util.h"
#include "proofs.h"
#include "storage/h5s.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

#define MAX_PROGRAM_BYTES (UINT64_C(1) << 30) /* as cairn exec */

static const char USAGE[] =
    "usage: cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]\n"
    "                   [--preset proven-100|conjectured-100|test] [-o job.h5] [--json] [-q]\n";

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
    "  -o FILE.h5         write the job file (program, journal, snapshots, proofs,\n"
    "                     claims, parameters, final state) for cairn verify\n"
    "  --json             summary as one JSON line on stderr (stdout is the journal)\n"
    "  -q                 no progress lines and no summary\n\n"
    "Exit status: 0 every segment proven; 132/135/139 after a guest fault (as\n"
    "qemu-riscv32; nothing is proven or written); 2 usage or input error.\n";

typedef struct {
    uint8_t *journal; /* kept for the job file */
    size_t journal_len, journal_cap;
    int io_error;
    h5s_job *job;
    stark_params prm;
    int quiet;
    uint64_t nseg, proof_bytes;
    double prove_sec;
    p2_digest last_end;
} prove_ctx;

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    prove_ctx *c = arg;
    if (fwrite(buf, 1, len, fd == 1 ? stdout : stderr) != len) c->io_error = 1;
    if (fd != 1 || !c->job) return;
    if (c->journal_len + len > c->journal_cap) {
        size_t cap = c->journal_cap ? c->journal_cap : 4096;
        while (cap < c->journal_len + len) cap *= 2;
        uint8_t *n = realloc(c->journal, cap);
        if (!n) {
            c->io_error = 1;
            return;
        }
        c->journal = n;
        c->journal_cap = cap;
    }
    memcpy(c->journal + c->journal_len, buf, len);
    c->journal_len += len;
}

static cairn_err on_segment(void *arg, const rv_snapshot *s)
{
    prove_ctx *c = arg;
    uint8_t *proof = NULL, *snap = NULL;
    size_t len = 0, snap_len = 0;
    rv_seg_claim claim;
    double t0 = now_sec();
    cairn_err err = rv_prove_segment(&proof, &len, &claim, s, &c->prm);
    double dt = now_sec() - t0;
    if (err != CAIRN_OK) return cairn_prefix_error(err, "segment %" PRIu64, s->index);
    /* the claim is about this snapshot (cheap; a mismatch is cairn's bug) */
    p2_digest st, en;
    rv_state_digest(&st, &s->start);
    rv_state_digest(&en, &s->end);
    if (memcmp(&st, &claim.start, sizeof st) || memcmp(&en, &claim.end, sizeof en) || claim.cycles != s->cycles) {
        free(proof);
        return cairn_fail(CAIRN_ERR_INTERNAL, "segment %" PRIu64 ": the proof's claim is not the snapshot's", s->index);
    }
    c->prove_sec += dt;
    c->proof_bytes += len;
    c->nseg++;
    c->last_end = claim.end;
    if (!c->quiet)
        fprintf(stderr, "cairn prove: segment %" PRIu64 ": %" PRIu64 " cycles, %.2f s, %zu proof bytes%s\n", s->index,
                s->cycles, dt, len, s->end.halted ? " (halted)" : "");
    if (c->job) {
        h5s_segment_info info;
        memset(&info, 0, sizeof info);
        info.index = s->index;
        info.cycles = s->cycles;
        info.start_pc = s->start.pc;
        info.end_pc = s->end.pc;
        rv_digest_bytes(info.start_root, &s->start.root);
        rv_digest_bytes(info.end_root, &s->end.root);
        rv_digest_bytes(info.start_state, &st);
        rv_digest_bytes(info.end_state, &en);
        info.halted = (int)s->end.halted;
        info.exit_code = (int32_t)s->end.exit_code;
        h5s_claim hc;
        cli_claim_to_h5s(&hc, &claim);
        err = rv_snapshot_encode(&snap, &snap_len, s);
        if (err == CAIRN_OK) {
            h5s_segment_data d = {&info, snap, snap_len, NULL, NULL, 0, proof, len, &hc};
            err = h5s_job_add_segment_data(c->job, &d);
        }
    }
    free(snap);
    free(proof);
    return err;
}

int cmd_prove(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL, *preset = CLI_DEFAULT_PRESET;
    uint64_t po2 = RV_DEFAULT_SEGMENT_PO2, max_input = CLI_DEFAULT_MAX_INPUT;
    int json = 0, quiet = 0, npos;
    cli_ctx c;
    cli_ctx_init(&c, "cairn prove", USAGE, stderr, argc, argv);
    const cli_opt opts[] = {
        {"--input", CLI_STR, &input_path, 0, 0, NULL},
        {"--max-input", CLI_U64, &max_input, 0, CLI_MAX_INPUT_LIMIT, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"-o", CLI_STR, &out_path, 0, 0, NULL},
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

    int status = EXIT_USAGE;
    uint8_t *elf = NULL, *input = NULL;
    size_t elf_len = 0, input_len = 0;
    rv_program *prog = NULL;
    rv_machine *m = NULL;
    prove_ctx ctx = {.quiet = quiet};
    cairn_err err;
    stark_security_bits sec;

    if ((err = cli_preset(&ctx.prm, preset)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if (out_path && (err = cli_check_output("-o", out_path))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if ((err = cli_read_file(&elf, &elf_len, "program", elf_path, MAX_PROGRAM_BYTES, NULL))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if (input_path && (err = cli_read_file(&input, &input_len, "--input", input_path, max_input, "--max-input"))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if ((err = rv_elf_load(&prog, elf, elf_len))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s: %s", elf_path, cairn_last_error());
        goto done;
    }
    /* the machine's key and its security figures before the run: they
     * do not depend on the program */
    if ((err = cli_segment_security(&sec, (unsigned)po2, &ctx.prm)) != CAIRN_OK) {
        status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
        goto done;
    }
    p2_digest id;
    uint8_t id_bytes[32];
    char id_hex[65];
    if ((err = rv_image_id(&id, prog))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_digest_bytes(id_bytes, &id);
    cli_hex(id_hex, id_bytes, 32);
    if (out_path) {
        h5s_program hp = {id_bytes, 32, prog->entry, elf, elf_len};
        if ((err = h5s_job_create(&ctx.job, out_path, &hp))) {
            status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
            goto done;
        }
    }
    rv_budget budget;
    rv_air_budget(&budget, (unsigned)po2);
    rv_config cfg = {
        .segment_po2 = (unsigned)po2,
        .budget = &budget,
        .input = input,
        .input_len = input_len,
        .on_segment = on_segment,
        .segment_arg = &ctx,
        .on_write = on_write,
        .write_arg = &ctx,
    };
    if ((err = rv_machine_new(&m, prog, &cfg))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_result res;
    double t0 = now_sec();
    err = rv_run(m, &res);
    double dt = now_sec() - t0;
    fflush(stdout);
    if (err == CAIRN_OK) {
        /* the last segment ends in the final state */
        p2_digest fin;
        rv_state_digest(&fin, &res.final);
        if (ctx.nseg != res.segments || memcmp(&fin, &ctx.last_end, sizeof fin)) {
            err = cairn_fail(CAIRN_ERR_INTERNAL, "the last segment's claim does not end in the final state");
            fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
            status = EXIT_INVALID;
        } else {
            status = EXIT_OK;
        }
    } else if (err == CAIRN_ERR_FAULT) {
        status = rv_fault_status(res.fault.kind);
        fprintf(stderr, "cairn prove: guest fault: %s at pc 0x%08x (instruction 0x%08x), address 0x%08x, "
                        "after %llu cycles; nothing proven\n",
                rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr,
                (unsigned long long)res.cycles);
    } else {
        status = cli_status(err);
        fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
    }
    if (ctx.io_error) {
        fprintf(stderr, "cairn prove: error writing the guest's output\n");
        if (status == EXIT_OK) status = EXIT_USAGE;
    }
    if (ctx.job) {
        cairn_err e2 = CAIRN_OK;
        if (status == EXIT_OK) {
            h5s_params hp;
            cli_params_to_h5s(&hp, preset, &ctx.prm, (unsigned)po2);
            gl_t fe[RV_STATE_NELEMS];
            rv_state_elems(fe, &res.final);
            e2 = h5s_job_set_journal(ctx.job, ctx.journal, ctx.journal_len);
            if (!e2) e2 = h5s_job_set_params(ctx.job, &hp);
            if (!e2) e2 = h5s_job_set_final(ctx.job, fe, res.cycles);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "cycles", res.cycles);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "segments", res.segments);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "segment_po2", po2);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "exit_code", res.final.exit_code);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "journal_len", res.final.journal_len);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "input_len", res.final.input_pos);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "proof_bytes", ctx.proof_bytes);
            if (!e2) {
                e2 = h5s_job_close(ctx.job);
            } else {
                h5s_job_abort(ctx.job);
            }
            if (e2) {
                fprintf(stderr, "cairn prove: writing %s: %s\n", out_path, cairn_last_error());
                status = EXIT_USAGE;
            }
        } else {
            h5s_job_abort(ctx.job);
            fprintf(stderr, "cairn prove: %s not written\n", out_path);
        }
        ctx.job = NULL;
    }
    if (!quiet) {
        double khz = dt > 0 ? res.cycles / dt / 1e3 : 0;
        const char *outcome = err == CAIRN_OK ? "exit" : err == CAIRN_ERR_FAULT ? "fault" : "error";
        if (json) {
            fprintf(stderr,
                    "{\"outcome\": \"%s\", \"status\": %d, \"exit_code\": %u, \"cycles\": %" PRIu64
                    ", \"segments\": %" PRIu64 ", \"segment_po2\": %" PRIu64 ", \"preset\": ",
                    outcome, status, res.final.exit_code, res.cycles, ctx.nseg, po2);
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
                    ", %.2f s (%.2f s proving), %.1f kHz\n",
                    res.final.exit_code, res.cycles, ctx.nseg, po2, dt, ctx.prove_sec, khz);
            fprintf(stderr, "cairn prove: %" PRIu64 " proof bytes, %s: %.1f proven / %.1f conjectured security bits\n",
                    ctx.proof_bytes, preset, sec.proven, sec.conjectured);
            fprintf(stderr, "cairn prove: image ID %s%s%s\n", id_hex, out_path ? ", job file " : "",
                    out_path ? out_path : "");
        }
    }
done:
    h5s_job_abort(ctx.job);
    rv_machine_free(m);
    rv_program_free(prog);
    free(elf);
    free(input);
    free(ctx.journal);
    return status;
}
