/* cairn exec: runs an RV32IM ELF like qemu-riscv32 would, with segment
 * tracking (the contract of the RISC-V work split):
 *
 *   cairn exec PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]
 *              [-o run.h5] [--trace] [--max-cycles N] [--json] [-q]
 *
 * stdout: the guest's journal (fd 1) byte-exact; stderr: its fd 2 writes,
 * then a summary (one JSON line with --json; none with -q).
 * Exit status: the guest's exit code & 0xff; on a guest fault 128+signal as
 * qemu-user (SIGILL 132 for illegal instructions and EBREAK, SIGBUS 135
 * for misaligned accesses and jump targets, SIGSEGV 139 for page 0);
 * 2 for a bad command line, a bad ELF, an I/O error, or when --max-cycles
 * is reached (the message says which). With --json, an error before the
 * run is also reported as one JSON line {"error", "code", "status"} on
 * stderr, where the summary would have been (stdout is the journal). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/error.h"
#include "commands.h"
#include "common/util.h"
#include "common/err.h"
#include "jobs/jobs.h"
#include "proofs.h"


static const char USAGE[] =
    "usage: cairn exec PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]\n"
    "                  [-o run.h5] [--trace] [--max-cycles N] [--json] [-q]\n";

static const char HELP[] =
    "\nRuns an RV32IM program: its journal (fd 1) goes to stdout, fd 2 and a\n"
    "summary to stderr. The exit status is the guest's exit code (& 0xff), or\n"
    "128+signal after a fault as under qemu-riscv32 (132 illegal instruction or\n"
    "EBREAK, 135 misaligned access, 139 access to page 0), or 2 for a usage or\n"
    "input error or when --max-cycles is reached.\n\n"
    "  --input FILE|-     private input read by the guest from fd 0 (default empty)\n"
    "  --max-input BYTES  refuse a larger input (default 1073741824, 1 GiB); a pipe\n"
    "                     is read up to the limit and refused if longer\n"
    "  --segment-po2 K    cut segments every 2^K cycles (4..24, default 20)\n"
    "  -o FILE.h5         write a job file: program, segment snapshots, journal;\n"
    "                     FILE.h5 must be absent or a regular file, in an existing\n"
    "                     directory (checked before the run)\n"
    "  --trace            also build each segment's per-cycle trace and its io table\n"
    "                     (syscall memory traffic); stored with -o\n"
    "  --max-cycles N     stop with an error after N cycles (default: no limit)\n"
    "  --json             summary as one JSON line on stderr; an error before the\n"
    "                     run as {\"error\", \"code\", \"status\"} there instead\n"
    "  -q                 no summary\n\n"
    "Numbers are decimal digits only (no sign, no spaces, no 0x).\n";

typedef struct {
    jobs_execfile *file; /* -o */
    int trace;
    double trace_sec;
    uint64_t trace_rows;
    rv_trace tr; /* reused from segment to segment */
} exec_ctx;

static cairn_err on_segment(void *arg, const rv_snapshot *s)
{
    exec_ctx *c = arg;
    rv_trace *tr = &c->tr;
    if (c->trace) {
        double t0 = now_sec();
        FORWARD_IF_ERROR(rv_trace_build(tr, s));
        c->trace_sec += now_sec() - t0;
        c->trace_rows += tr->nrows;
    }
    return c->file ? jobs_execfile_segment(c->file, s, c->trace ? tr : NULL) : CAIRN_OK;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

int cmd_exec(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL;
    uint64_t po2 = RV_DEFAULT_SEGMENT_PO2, max_cycles = 0, max_input = CLI_DEFAULT_MAX_INPUT;
    int json = 0, quiet = 0, trace = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn exec", USAGE, stderr, argc, argv);
    const cli_opt opts[] = {
        {"--input", CLI_STR, &input_path, 0, 0, NULL},
        {"--max-input", CLI_U64, &max_input, 0, CLI_MAX_INPUT_LIMIT, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        /* 0 would mean "no limit" to rv_run: leave the option out for that */
        {"--max-cycles", CLI_U64, &max_cycles, 1, UINT64_MAX, NULL},
        {"-o", CLI_STR, &out_path, 0, 0, NULL},
        {"--trace", CLI_FLAG, &trace, 0, 0, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"-q", CLI_FLAG, &quiet, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int r;
    if (!cli_parse_command(&c, opts, &elf_path, argc, argv, HELP, &r)) return r;
    if (!elf_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no program given");

    int status = EXIT_USAGE;
    cli_program pg = {0};
    rv_machine *m = NULL;
    exec_ctx ctx = {.trace = trace};
    jobs_output out = {.journal = stdout, .log = stderr, .keep = out_path != NULL};
    cairn_err err;

    /* everything that can be checked is checked before the run: a bad -o
     * must not cost a long run that then cannot be stored */
    if (out_path && (err = cli_check_output("-o", out_path))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if ((status = cli_program_load(&pg, &c, elf_path, input_path, max_input)) != EXIT_OK) goto done;
    status = EXIT_USAGE;
    p2_digest id;
    uint8_t id_bytes[32];
    char id_hex[65];
    if ((err = rv_image_id(&id, pg.prog))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_digest_bytes(id_bytes, &id);
    hex(id_hex, id_bytes, 32);
    if (out_path && (err = jobs_execfile_create(&ctx.file, out_path, id_bytes, pg.prog->entry, pg.elf, pg.elf_len))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_config cfg = {
        .segment_po2 = (unsigned)po2,
        .max_cycles = max_cycles,
        .input = pg.input,
        .input_len = pg.input_len,
        .on_segment = (ctx.file || trace) ? on_segment : NULL,
        .segment_arg = &ctx,
        .on_write = jobs_output_write,
        .write_arg = &out,
    };
    if ((err = rv_machine_new(&m, pg.prog, &cfg))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    rv_result res;
    double t0 = now_sec();
    err = rv_run(m, &res);
    double dt = now_sec() - t0;
    fflush(stdout);
    if (err == CAIRN_OK) {
        status = (int)(res.final.exit_code & 0xff);
    } else if (err == CAIRN_ERR_FAULT) {
        status = rv_fault_status(res.fault.kind);
        fprintf(stderr, "cairn exec: guest fault: %s at pc 0x%08x (instruction 0x%08x), address 0x%08x, "
                        "after %llu cycles\n",
                rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr,
                (unsigned long long)res.cycles);
    } else if (err == CAIRN_ERR_LIMIT) {
        fprintf(stderr, "cairn exec: stopped: --max-cycles %" PRIu64 " reached (pc 0x%08x); exit status 2\n",
                max_cycles, res.final.pc);
        status = EXIT_USAGE;
    } else {
        fprintf(stderr, "cairn exec: %s\n", cairn_last_error());
        status = EXIT_USAGE;
    }
    if (out.io_error) {
        fprintf(stderr, "cairn exec: error writing the guest's output\n");
        if (status == 0) status = EXIT_USAGE;
    }
    if (ctx.file) {
        if (err == CAIRN_OK) {
            cairn_err e2 = jobs_execfile_finish(ctx.file, &res, (unsigned)po2, out.bytes, out.len);
            if (e2) {
                fprintf(stderr, "cairn exec: writing %s: %s\n", out_path, cairn_last_error());
                status = EXIT_USAGE;
            }
        } else {
            /* a run that did not halt leaves no job file */
            jobs_execfile_abort(ctx.file);
            fprintf(stderr, "cairn exec: %s not written (the run did not halt)\n", out_path);
        }
        ctx.file = NULL;
    }
    if (!quiet) {
        double mhz = dt > 0 ? res.cycles / dt / 1e6 : 0;
        const char *outcome = err == CAIRN_OK ? "exit" : err == CAIRN_ERR_FAULT ? "fault" : err == CAIRN_ERR_LIMIT ? "limit" : "error";
        if (json) {
            fprintf(stderr,
                    "{\"cycles\": %llu, \"segments\": %llu, \"segment_po2\": %llu, \"wall_sec\": %.6f, "
                    "\"mhz\": %.3f, \"image_id\": \"%s\", \"outcome\": \"%s\", \"exit_code\": %u, "
                    "\"status\": %d, \"journal_bytes\": %llu, \"input_bytes\": %llu",
                    (unsigned long long)res.cycles, (unsigned long long)res.segments, (unsigned long long)po2, dt, mhz, id_hex,
                    outcome, res.final.exit_code, status, (unsigned long long)res.final.journal_len,
                    (unsigned long long)res.final.input_pos);
            if (err == CAIRN_ERR_FAULT)
                fprintf(stderr, ", \"fault\": \"%s\", \"fault_pc\": %u, \"fault_insn\": %u, \"fault_addr\": %u",
                        rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr);
            if (trace) fprintf(stderr, ", \"trace_rows\": %llu, \"trace_sec\": %.6f", (unsigned long long)ctx.trace_rows, ctx.trace_sec);
            fprintf(stderr, "}\n");
        } else {
            fprintf(stderr, "cairn exec: %llu cycles, %llu segments of 2^%llu, %.3f s, %.1f MHz, %s %d\n",
                    (unsigned long long)res.cycles, (unsigned long long)res.segments, (unsigned long long)po2, dt,
                    mhz, outcome, err == CAIRN_OK ? (int)res.final.exit_code : status);
            fprintf(stderr, "cairn exec: image ID %s\n", id_hex);
            if (trace && ctx.trace_sec > 0)
                fprintf(stderr, "cairn exec: traces: %llu rows in %.3f s (%.1f M rows/s)\n",
                        (unsigned long long)ctx.trace_rows, ctx.trace_sec, ctx.trace_rows / ctx.trace_sec / 1e6);
        }
    }
done:
    jobs_execfile_abort(ctx.file);
    rv_machine_free(m);
    cli_program_free(&pg);
    jobs_output_free(&out);
    rv_trace_free(&ctx.tr);
    return status;
}
