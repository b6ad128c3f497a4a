/* cairn bench exec [ELF] [--segment-po2 K] [--json]: executor throughput.
 *
 * Figures: instructions per second with segment tracking and no trace
 * (once without and once with snapshots delivered), the same ELF under
 * qemu-riscv32 (JIT) if it is on PATH, and trace building (re-execution
 * with recording) in cycles per second. The default ELF is the modexp
 * example guest next to the cairn binary (<build>/guest/modexp.elf); when
 * it is missing, a built-in loop of hand-encoded instructions is used. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli/util.h"
#include "common/util.h"
#include "vm/rv32im/rv.h"

#define REPS 3
#define TRACE_SEGMENTS 4
#define MAX_ELF_BYTES (UINT64_C(1) << 30) /* as cairn exec */

/* A built-in guest: 2^24 iterations of a loop mixing ALU, multiply, loads
 * and stores over 64 KiB, then exit(0). Hand-encoded RV32IM. */
static uint8_t *builtin_elf(size_t *len)
{
    static const uint32_t code[] = {
        0x001002b7, /* lui   t0, 0x100        t0 = data base */
        0x01000337, /* lui   t1, 0x1000       t1 = 2^24 iterations */
        0x00000393, /* li    t2, 0            t2 = i */
        0x00000e13, /* li    t3, 0            t3 = acc */
        /* loop: */
        0x00239e93, /* slli  t4, t2, 2 */
        0x00010f37, /* lui   t5, 0x10 */
        0xffcf0f13, /* addi  t5, t5, -4       0xfffc */
        0x01eefeb3, /* and   t4, t4, t5 */
        0x005e8eb3, /* add   t4, t4, t0 */
        0x000eaf83, /* lw    t6, 0(t4) */
        0x03cf8fb3, /* mul   t6, t6, t3 */
        0x007f8fb3, /* add   t6, t6, t2 */
        0x01fea023, /* sw    t6, 0(t4) */
        0x01fe4e33, /* xor   t3, t3, t6 */
        0x00138393, /* addi  t2, t2, 1 */
        0xfc639ce3, /* bne   t2, t1, loop */
        0x00000513, /* li    a0, 0 */
        0x05d00893, /* li    a7, 93 */
        0x00000073, /* ecall */
    };
    uint8_t *e = calloc(1, 0x100 + sizeof code);
    if (!e) return NULL;
    memcpy(e, "\177ELF\1\1\1", 7);
#define P16(o, v) (e[o] = (uint8_t)(v), e[(o) + 1] = (uint8_t)((v) >> 8))
#define P32(o, v) (P16(o, (v) & 0xffff), P16((o) + 2, (uint32_t)(v) >> 16))
    P16(16, 2);
    P16(18, 243);
    P32(20, 1);
    P32(24, 0x10000);
    P32(28, 52);
    P16(40, 52);
    P16(42, 32);
    P16(44, 1);
    P32(52, 1);
    P32(56, 0x100);
    P32(60, 0x10000);
    P32(64, 0x10000);
    P32(68, sizeof code);
    P32(72, sizeof code);
    P32(76, 5);
    P32(80, 0x100);
#undef P16
#undef P32
    memcpy(e + 0x100, code, sizeof code);
    *len = 0x100 + sizeof code;
    return e;
}

typedef struct {
    uint8_t *enc[TRACE_SEGMENTS];
    size_t len[TRACE_SEGMENTS];
    int n;
    uint64_t bytes;
} snap_sink;

static cairn_err sink_segment(void *arg, const rv_snapshot *s)
{
    snap_sink *k = arg;
    uint8_t *enc;
    size_t len;
    cairn_err err = rv_snapshot_encode(&enc, &len, s);
    if (err) return err;
    k->bytes += len;
    if (k->n < TRACE_SEGMENTS && !s->end.halted) {
        k->enc[k->n] = enc;
        k->len[k->n++] = len;
    } else {
        free(enc);
    }
    return CAIRN_OK;
}

/* Wall time of qemu-riscv32 PATH with stdin/stdout/stderr on /dev/null;
 * negative if it cannot be run. */
static double time_qemu(const char *path)
{
    double t0 = now_sec();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("qemu-riscv32", "qemu-riscv32", path, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) return -1;
    double dt = now_sec() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) return -1;
    return dt;
}

int bench_exec(int argc, char **argv)
{
    static const char usage[] = "usage: cairn bench exec [ELF] [--segment-po2 K] [--json]\n";
    int json = 0, npos;
    uint64_t po2 = RV_DEFAULT_SEGMENT_PO2;
    const char *path = NULL;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench exec", usage, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int pr = cli_parse(&c, opts, &path, 1, &npos, argc, argv);
    if (pr == CLI_HELP || pr == CLI_HELP_FULL) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (pr != CLI_PARSED) return pr;
    char defpath[PATH_MAX + 32];
    if (!path) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = 0;
            snprintf(defpath, sizeof defpath, "%s/guest/modexp.elf", dirname(exe));
            if (access(defpath, R_OK) == 0) path = defpath;
        }
    }
    size_t elf_len = 0;
    uint8_t *elf = NULL;
    cairn_err e;
    if (path) {
        e = cli_read_file(&elf, &elf_len, "program", path, MAX_ELF_BYTES, NULL);
        if (e != CAIRN_OK) return cli_fail(&c, EXIT_USAGE, e, "%s", cairn_last_error());
    } else if (!(elf = builtin_elf(&elf_len))) {
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_NOMEM, "out of memory for the built-in program");
    }
    rv_program *prog;
    if ((e = rv_elf_load(&prog, elf, elf_len)) != CAIRN_OK) {
        free(elf);
        return cli_fail(&c, EXIT_USAGE, e, "%s: %s", path ? path : "built-in program", cairn_last_error());
    }

    /* 1. segment tracking, no snapshots, no trace; before any figure is
     * printed, so that a failing run reports one JSON error object */
    double best = 1e30;
    rv_result res;
    memset(&res, 0, sizeof res);
    for (int r = 0; r < REPS; r++) {
        rv_config cfg = {.segment_po2 = (unsigned)po2};
        double t0 = now_sec();
        cairn_err err = rv_execute(prog, &cfg, &res);
        double dt = now_sec() - t0;
        if (err != CAIRN_OK) {
            int st = cli_fail(&c, EXIT_USAGE, err, "run failed: %s", cairn_last_error());
            rv_program_free(prog);
            free(elf);
            return st;
        }
        if (dt < best) best = dt;
    }
    bench_out o;
    bench_begin(&o, json);
    bench_report_str(&o, "program", path ? path : "built-in loop");
    bench_report(&o, "segment_po2", (double)po2, "");
    bench_report(&o, "cycles", (double)res.cycles, "");
    bench_report(&o, "segments", (double)res.segments, "");
    bench_report(&o, "exec_mips (segment tracking)", res.cycles / best / 1e6, "M instr/s");

    /* 2. with snapshots encoded and delivered */
    snap_sink sink = {.n = 0};
    double best_snap = 1e30;
    for (int r = 0; r < REPS; r++) {
        for (int i = 0; i < sink.n; i++) free(sink.enc[i]);
        memset(&sink, 0, sizeof sink);
        rv_config cfg = {.segment_po2 = (unsigned)po2, .on_segment = sink_segment, .segment_arg = &sink};
        double t0 = now_sec();
        rv_execute(prog, &cfg, &res);
        double dt = now_sec() - t0;
        if (dt < best_snap) best_snap = dt;
    }
    bench_report(&o, "exec_mips (with snapshots)", res.cycles / best_snap / 1e6, "M instr/s");
    bench_report(&o, "snapshot bytes per segment", res.segments ? (double)sink.bytes / res.segments : 0, "B");

    /* 3. qemu-riscv32 on the same ELF */
    if (path) {
        double q = 1e30;
        for (int r = 0; r < REPS; r++) {
            double t = time_qemu(path);
            if (t < 0) {
                q = -1;
                break;
            }
            if (t < q) q = t;
        }
        if (q > 0) {
            bench_report(&o, "qemu-riscv32 wall", q, "s");
            bench_report(&o, "qemu-riscv32 mips (incl. start-up)", res.cycles / q / 1e6, "M instr/s");
            bench_report(&o, "cairn / qemu speed ratio", q / best, "x");
        } else {
            bench_report_str(&o, "qemu-riscv32", "unavailable");
        }
    } else {
        bench_report_str(&o, "qemu-riscv32", "unavailable (built-in program has no file)");
    }

    /* 4. trace building from snapshots */
    uint64_t rows = 0;
    double tt = 0;
    rv_trace t = {0}; /* reused, as a worker would */
    for (int i = 0; i < sink.n; i++) {
        rv_snapshot s;
        if (rv_snapshot_decode(&s, sink.enc[i], sink.len[i]) != CAIRN_OK) continue;
        double bestt = 1e30;
        for (int r = 0; r < REPS; r++) {
            double t0 = now_sec();
            cairn_err err = rv_trace_build(&t, &s);
            double dt = now_sec() - t0;
            if (err == CAIRN_OK && r == 0) rows += t.nrows;
            if (dt < bestt) bestt = dt;
        }
        tt += bestt;
        rv_snapshot_free(&s);
    }
    if (rows) {
        bench_report(&o, "trace segments", sink.n, "");
        bench_report(&o, "trace_build", rows / tt / 1e6, "M cycles/s");
    }
    rv_trace_free(&t);
    bench_end(&o);
    for (int i = 0; i < sink.n; i++) free(sink.enc[i]);
    rv_program_free(prog);
    free(elf);
    return 0;
}
