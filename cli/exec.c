/* cairn exec: runs an RV32IM ELF like qemu-riscv32 would, with segment
 * tracking (the contract of the RISC-V work split):
 *
 *   cairn exec PROGRAM.elf [--input FILE|-] [--segment-po2 K] [-o run.h5]
 *              [--trace] [--max-cycles N] [--json] [-q]
 *
 * stdout: the guest's journal (fd 1) byte-exact; stderr: its fd 2 writes,
 * then a summary (one JSON line with --json; none with -q).
 * Exit status: the guest's exit code & 0xff; on a guest fault 128+signal as
 * qemu-user (SIGILL 132 for illegal instructions and EBREAK, SIGBUS 135
 * for misaligned accesses and jump targets, SIGSEGV 139 for page 0);
 * 2 for a bad command line, a bad ELF, an I/O error, or when --max-cycles
 * is reached (the message says which). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/error.h"
#include "commands.h"
#include "common/util.h"
#include "storage/h5s.h"
#include "vm/rv32im/rv.h"

static const char USAGE[] =
    "usage: cairn exec PROGRAM.elf [--input FILE|-] [--segment-po2 K] [-o run.h5]\n"
    "                  [--trace] [--max-cycles N] [--json] [-q]\n";

static const char HELP[] =
    "\nRuns an RV32IM program: its journal (fd 1) goes to stdout, fd 2 and a\n"
    "summary to stderr. The exit status is the guest's exit code (& 0xff), or\n"
    "128+signal after a fault as under qemu-riscv32 (132 illegal instruction or\n"
    "EBREAK, 135 misaligned access, 139 access to page 0), or 2 for a usage or\n"
    "input error or when --max-cycles is reached.\n\n"
    "  --input FILE|-     private input read by the guest from fd 0 (default empty)\n"
    "  --segment-po2 K    cut segments every 2^K cycles (4..24, default 20)\n"
    "  -o FILE.h5         write a job file: program, segment snapshots, journal\n"
    "  --trace            also build each segment's per-cycle trace and its io table\n"
    "                     (syscall memory traffic); stored with -o\n"
    "  --max-cycles N     stop with an error after N cycles (default: no limit)\n"
    "  --json             summary as one JSON line on stderr\n"
    "  -q                 no summary\n";

typedef struct {
    FILE *journal_out;
    uint8_t *journal; /* kept for -o */
    size_t journal_len, journal_cap;
    int keep_journal;
    int io_error;
    h5s_job *job;
    int trace;
    double trace_sec;
    uint64_t trace_rows;
    rv_trace tr; /* reused from segment to segment */
} exec_ctx;

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    exec_ctx *c = arg;
    FILE *f = fd == 1 ? c->journal_out : stderr;
    if (fwrite(buf, 1, len, f) != len) c->io_error = 1;
    if (fd == 1 && c->keep_journal) {
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
}

static cairn_err on_segment(void *arg, const rv_snapshot *s)
{
    exec_ctx *c = arg;
    rv_trace *tr = &c->tr;
    int have_trace = 0;
    if (c->trace) {
        double t0 = now_sec();
        cairn_err err = rv_trace_build(tr, s);
        if (err) return err;
        c->trace_sec += now_sec() - t0;
        c->trace_rows += tr->nrows;
        have_trace = 1;
    }
    cairn_err err = CAIRN_OK;
    if (c->job) {
        h5s_segment_info info;
        memset(&info, 0, sizeof info);
        info.index = s->index;
        info.cycles = s->cycles;
        info.start_pc = s->start.pc;
        info.end_pc = s->end.pc;
        rv_digest_bytes(info.start_root, &s->start.root);
        rv_digest_bytes(info.end_root, &s->end.root);
        p2_digest d;
        rv_state_digest(&d, &s->start);
        rv_digest_bytes(info.start_state, &d);
        rv_state_digest(&d, &s->end);
        rv_digest_bytes(info.end_state, &d);
        info.halted = (int)s->end.halted;
        info.exit_code = (int32_t)s->end.exit_code;
        uint8_t *bytes;
        size_t nbytes;
        err = rv_snapshot_encode(&bytes, &nbytes, s);
        if (!err) {
            h5s_columns cols = {0};
            /* the io table (syscall memory traffic, rv.h) goes with the
             * main table as the segment's side table "io" */
            h5s_table io = {RV_IO_TABLE_NAME, {0}};
            if (have_trace) {
                cols.nrows = tr->nrows;
                cols.ncols = RV_TRACE_NCOLS;
                cols.names = rv_trace_col_names;
                cols.cols = (const uint32_t *const *)tr->col;
                io.cols.nrows = tr->io_nrows;
                io.cols.ncols = RV_IO_NCOLS;
                io.cols.names = rv_io_col_names;
                io.cols.cols = (const uint32_t *const *)tr->io_col;
            }
            err = h5s_job_add_segment_tables(c->job, &info, bytes, nbytes, have_trace ? &cols : NULL,
                                             have_trace ? &io : NULL, have_trace ? 1 : 0);
            free(bytes);
        }
    }
    return err;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return 0;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    int ok = buf && !ferror(f);
    if (f != stdin) fclose(f);
    if (!ok) {
        free(buf);
        return 0;
    }
    *out = buf;
    *len = n;
    return 1;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

int cmd_exec(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL;
    unsigned long long po2 = RV_DEFAULT_SEGMENT_PO2, max_cycles = 0;
    int json = 0, quiet = 0, trace = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (cli_is_help(a)) {
            printf("%s", USAGE);
            if (!strcmp(a, "--help")) printf("%s", HELP);
            return EXIT_OK;
        } else if (!strcmp(a, "--input") && has_val) {
            input_path = argv[++i];
        } else if (!strcmp(a, "--segment-po2") && has_val) {
            if (!cli_parse_u64(argv[++i], &po2) || po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2) {
                fprintf(stderr, "cairn exec: --segment-po2 '%s': expected %d..%d\n", argv[i], RV_MIN_SEGMENT_PO2,
                        RV_MAX_SEGMENT_PO2);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--max-cycles") && has_val) {
            if (!cli_parse_u64(argv[++i], &max_cycles) || max_cycles == 0) {
                fprintf(stderr, "cairn exec: --max-cycles '%s': expected a positive number\n", argv[i]);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "-o") && has_val) {
            out_path = argv[++i];
        } else if (!strcmp(a, "--trace")) {
            trace = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-q")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "cairn exec: unknown option or missing value: '%s'\n%s", a, USAGE);
            return EXIT_USAGE;
        } else if (!elf_path) {
            elf_path = a;
        } else {
            fprintf(stderr, "cairn exec: unexpected argument '%s'\n%s", a, USAGE);
            return EXIT_USAGE;
        }
    }
    if (!elf_path) {
        fprintf(stderr, "cairn exec: no program given\n%s", USAGE);
        return EXIT_USAGE;
    }

    int status = EXIT_USAGE;
    uint8_t *elf = NULL, *input = NULL;
    size_t elf_len = 0, input_len = 0;
    rv_program *prog = NULL;
    rv_machine *m = NULL;
    exec_ctx ctx = {.journal_out = stdout, .trace = trace};
    cairn_err err;

    if (!read_file(elf_path, &elf, &elf_len)) {
        fprintf(stderr, "cairn exec: cannot read program '%s'\n", elf_path);
        goto done;
    }
    if (input_path && !read_file(input_path, &input, &input_len)) {
        fprintf(stderr, "cairn exec: cannot read input '%s'\n", input_path);
        goto done;
    }
    if ((err = rv_elf_load(&prog, elf, elf_len))) {
        fprintf(stderr, "cairn exec: %s: %s\n", elf_path, cairn_last_error());
        goto done;
    }
    p2_digest id;
    uint8_t id_bytes[32];
    char id_hex[65];
    if ((err = rv_image_id(&id, prog))) {
        fprintf(stderr, "cairn exec: %s\n", cairn_last_error());
        goto done;
    }
    rv_digest_bytes(id_bytes, &id);
    hex(id_hex, id_bytes, 32);
    if (out_path) {
        h5s_program hp = {id_bytes, 32, prog->entry, elf, elf_len};
        if ((err = h5s_job_create(&ctx.job, out_path, &hp))) {
            fprintf(stderr, "cairn exec: %s\n", cairn_last_error());
            goto done;
        }
        ctx.keep_journal = 1;
    }
    rv_config cfg = {
        .segment_po2 = (unsigned)po2,
        .max_cycles = max_cycles,
        .input = input,
        .input_len = input_len,
        .on_segment = (ctx.job || trace) ? on_segment : NULL,
        .segment_arg = &ctx,
        .on_write = on_write,
        .write_arg = &ctx,
    };
    if ((err = rv_machine_new(&m, prog, &cfg))) {
        fprintf(stderr, "cairn exec: %s\n", cairn_last_error());
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
        fprintf(stderr, "cairn exec: stopped: --max-cycles %llu reached (pc 0x%08x); exit status 2\n", max_cycles,
                res.final.pc);
        status = EXIT_USAGE;
    } else {
        fprintf(stderr, "cairn exec: %s\n", cairn_last_error());
        status = EXIT_USAGE;
    }
    if (ctx.io_error) {
        fprintf(stderr, "cairn exec: error writing the guest's output\n");
        if (status == 0) status = EXIT_USAGE;
    }
    if (ctx.job) {
        cairn_err e2 = CAIRN_OK;
        if (err == CAIRN_OK) {
            e2 = h5s_job_set_journal(ctx.job, ctx.journal, ctx.journal_len);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "cycles", res.cycles);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "segments", res.segments);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "segment_po2", po2);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "exit_code", res.final.exit_code);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "journal_len", res.final.journal_len);
            if (!e2) e2 = h5s_job_set_attr_u64(ctx.job, "input_len", res.final.input_pos);
            if (!e2) {
                e2 = h5s_job_close(ctx.job);
            } else {
                h5s_job_abort(ctx.job);
            }
            if (e2) {
                fprintf(stderr, "cairn exec: writing %s: %s\n", out_path, cairn_last_error());
                status = EXIT_USAGE;
            }
        } else {
            /* a run that did not halt leaves no job file */
            h5s_job_abort(ctx.job);
            fprintf(stderr, "cairn exec: %s not written (the run did not halt)\n", out_path);
        }
        ctx.job = NULL;
    }
    if (!quiet) {
        double mhz = dt > 0 ? res.cycles / dt / 1e6 : 0;
        const char *outcome = err == CAIRN_OK ? "exit" : err == CAIRN_ERR_FAULT ? "fault" : err == CAIRN_ERR_LIMIT ? "limit" : "error";
        if (json) {
            fprintf(stderr,
                    "{\"cycles\": %llu, \"segments\": %llu, \"segment_po2\": %llu, \"wall_sec\": %.6f, "
                    "\"mhz\": %.3f, \"image_id\": \"%s\", \"outcome\": \"%s\", \"exit_code\": %u, "
                    "\"status\": %d, \"journal_bytes\": %llu, \"input_bytes\": %llu",
                    (unsigned long long)res.cycles, (unsigned long long)res.segments, po2, dt, mhz, id_hex,
                    outcome, res.final.exit_code, status, (unsigned long long)res.final.journal_len,
                    (unsigned long long)res.final.input_pos);
            if (err == CAIRN_ERR_FAULT)
                fprintf(stderr, ", \"fault\": \"%s\", \"fault_pc\": %u, \"fault_insn\": %u, \"fault_addr\": %u",
                        rv_fault_name(res.fault.kind), res.fault.pc, res.fault.insn, res.fault.addr);
            if (trace) fprintf(stderr, ", \"trace_rows\": %llu, \"trace_sec\": %.6f", (unsigned long long)ctx.trace_rows, ctx.trace_sec);
            fprintf(stderr, "}\n");
        } else {
            fprintf(stderr, "cairn exec: %llu cycles, %llu segments of 2^%llu, %.3f s, %.1f MHz, %s %d\n",
                    (unsigned long long)res.cycles, (unsigned long long)res.segments, po2, dt, mhz,
                    outcome, err == CAIRN_OK ? (int)res.final.exit_code : status);
            fprintf(stderr, "cairn exec: image ID %s\n", id_hex);
            if (trace && ctx.trace_sec > 0)
                fprintf(stderr, "cairn exec: traces: %llu rows in %.3f s (%.1f M rows/s)\n",
                        (unsigned long long)ctx.trace_rows, ctx.trace_sec, ctx.trace_rows / ctx.trace_sec / 1e6);
        }
    }
done:
    h5s_job_abort(ctx.job);
    rv_machine_free(m);
    rv_program_free(prog);
    free(elf);
    free(input);
    free(ctx.journal);
    rv_trace_free(&ctx.tr);
    return status;
}
