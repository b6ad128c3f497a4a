/* Per-cycle traces: known rows of a small program, known io-table rows of
 * the system calls of another, and for every segment of a larger run a
 * replay of the trace against shadow registers and memory built from the
 * snapshot: each row's register and memory reads must match what earlier
 * rows wrote, pc must chain, each system call's memory traffic is applied
 * from the io table alone (input bytes must be the snapshot's, journal
 * bytes the run's journal), and the replay must end in the snapshot's end
 * registers and memory. */
#include <stdio.h>

#include "seg_prog.h"
#include "testutil.h"
#include "vm/rv32im/rv_internal.h" /* page digests and the partial Merkle tree, to check end memory */

typedef struct {
    uint8_t *enc[64];
    size_t len[64];
    int n;
    uint8_t journal[1 << 16]; /* fd 1 bytes of the run */
    size_t jlen;
    uint8_t log[256]; /* fd 2 bytes */
    size_t loglen;
} keep_ctx;

static void keep_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    keep_ctx *k = arg;
    uint8_t *dst = fd == 1 ? k->journal : k->log;
    size_t *n = fd == 1 ? &k->jlen : &k->loglen, cap = fd == 1 ? sizeof k->journal : sizeof k->log;
    for (size_t i = 0; i < len && *n < cap; i++) dst[(*n)++] = buf[i];
}

static cairn_err keep_all(void *arg, const rv_snapshot *s)
{
    keep_ctx *k = arg;
    if (k->n < 64) {
        cairn_err err = rv_snapshot_encode(&k->enc[k->n], &k->len[k->n], s);
        if (err) return err;
        k->n++;
    }
    return CAIRN_OK;
}

static void keep_free(keep_ctx *k)
{
    for (int i = 0; i < k->n; i++) free(k->enc[i]);
}

#define C(name) t.col[RV_COL_##name]

static void test_known_rows(void)
{
    prog_t p = {.n = 0};
    emit_li(&p, T0, SEG_SCRATCH);             /* rows 0,1 */
    emit(&p, ADDI(T1, ZERO, -128));           /* 2 */
    emit(&p, SW(T1, T0, 8));                  /* 3 */
    emit(&p, LB(T2, T0, 8));                  /* 4 */
    emit(&p, LBU(T3, T0, 9));                 /* 5 */
    emit(&p, SB(T0, T0, 9));                  /* 6: low byte of t0 = 0 */
    emit(&p, BEQ(T2, T1, 8));                 /* 7: taken */
    emit(&p, EBREAK);
    emit(&p, ADD(ZERO, T1, T1));              /* 8: rd = x0 */
    emit_exit(&p, 5);                         /* 9,10 li a0; 11 addi a7; 12 ecall */
    rv_program *prog = prog_load(&p);
    keep_ctx k = {.n = 0};
    rv_config cfg = {.segment_po2 = 10, .on_segment = keep_all, .segment_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(k.n, 1);
    rv_snapshot s;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[0], k.len[0]), CAIRN_OK);
    rv_trace t = {0};
    CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, &s), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(t.nrows, 13);
    CU_ASSERT_EQUAL(C(pc)[0], CODE_BASE);
    CU_ASSERT_EQUAL(C(insn)[2], ADDI(T1, ZERO, -128));
    CU_ASSERT_EQUAL(C(op)[2], RV_OP_ADDI);
    CU_ASSERT_EQUAL(C(rd)[2], T1);
    CU_ASSERT_EQUAL(C(rd_val)[2], 0xffffff80u);
    /* store word */
    CU_ASSERT_EQUAL(C(op)[3], RV_OP_SW);
    CU_ASSERT_EQUAL(C(rs1)[3], T0);
    CU_ASSERT_EQUAL(C(rs1_val)[3], SEG_SCRATCH);
    CU_ASSERT_EQUAL(C(rs2)[3], T1);
    CU_ASSERT_EQUAL(C(rs2_val)[3], 0xffffff80u);
    CU_ASSERT_EQUAL(C(rd)[3], 0);
    CU_ASSERT_EQUAL(C(mem_addr)[3], SEG_SCRATCH + 8);
    CU_ASSERT_EQUAL(C(mem_width)[3], 4);
    CU_ASSERT_EQUAL(C(mem_write)[3], 1);
    CU_ASSERT_EQUAL(C(mem_val)[3], 0xffffff80u);
    CU_ASSERT_EQUAL(C(mem_before)[3], 0);
    CU_ASSERT_EQUAL(C(mem_after)[3], 0xffffff80u);
    /* byte loads: raw byte in mem_val, extension in rd_val */
    CU_ASSERT_EQUAL(C(mem_val)[4], 0x80);
    CU_ASSERT_EQUAL(C(rd_val)[4], 0xffffff80u);
    CU_ASSERT_EQUAL(C(mem_width)[4], 1);
    CU_ASSERT_EQUAL(C(mem_write)[4], 0);
    CU_ASSERT_EQUAL(C(mem_before)[4], 0xffffff80u);
    CU_ASSERT_EQUAL(C(mem_after)[4], 0xffffff80u);
    CU_ASSERT_EQUAL(C(rd_val)[5], 0xff);
    CU_ASSERT_EQUAL(C(mem_addr)[5], SEG_SCRATCH + 9);
    /* byte store merges into the word */
    CU_ASSERT_EQUAL(C(mem_before)[6], 0xffffff80u);
    CU_ASSERT_EQUAL(C(mem_after)[6], 0xffff0080u);
    CU_ASSERT_EQUAL(C(mem_val)[6], 0);
    /* taken branch: next pc skips the EBREAK */
    CU_ASSERT_EQUAL(C(next_pc)[7], CODE_BASE + 4 * 9);
    CU_ASSERT_EQUAL(C(pc)[8], CODE_BASE + 4 * 9);
    CU_ASSERT_EQUAL(C(mem_width)[7], 0);
    /* write to x0 reports rd 0, value 0 */
    CU_ASSERT_EQUAL(C(rd)[8], 0);
    CU_ASSERT_EQUAL(C(rd_val)[8], 0);
    /* ECALL row: a7 and a0 read, no write at exit */
    CU_ASSERT_EQUAL(C(op)[12], RV_OP_ECALL);
    CU_ASSERT_EQUAL(C(rs1)[12], A7);
    CU_ASSERT_EQUAL(C(rs1_val)[12], RV_SYS_EXIT);
    CU_ASSERT_EQUAL(C(rs2_val)[12], 5);
    CU_ASSERT_EQUAL(C(next_pc)[12], CODE_BASE + 4 * 14); /* row 12 is word 13 */
    for (size_t i = 0; i < t.nrows; i++) CU_ASSERT_EQUAL(C(cycle)[i], i);
    CU_ASSERT_STRING_EQUAL(rv_trace_col_names[RV_COL_mem_before], "mem_before");
    rv_trace_free(&t);
    rv_snapshot_free(&s);
    keep_free(&k);
    rv_program_free(prog);
}

/* shadow memory: the snapshot's pages, by page index */
typedef struct {
    const rv_snapshot *s;
    uint8_t *pages;
} shadow_mem;

static uint8_t *shadow_at(shadow_mem *m, uint32_t addr)
{
    uint32_t pg = addr >> RV_PAGE_LOG;
    size_t lo = 0, hi = m->s->npages;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->s->page_index[mid] < pg) lo = mid + 1;
        else hi = mid;
    }
    if (lo == m->s->npages || m->s->page_index[lo] != pg) return NULL;
    return m->pages + lo * RV_PAGE_BYTES + (addr & (RV_PAGE_BYTES - 1));
}

#define IO(name) t.io_col[RV_IO_##name]

/* Applies the io rows of the ECALL in row i (starting at *j) to the shadow
 * memory: checks them against the call's registers and result, the
 * snapshot's input and the run's journal. Returns inconsistencies. */
static int replay_io(const rv_snapshot *s, const rv_trace *tp, size_t i, size_t *j, shadow_mem *mem,
                     const uint32_t *x, const keep_ctx *k, size_t *in_pos, size_t *j_pos)
{
    const rv_trace t = *tp;
    int bad = 0;
    uint32_t num = x[17], fd = x[10], buf = x[11], res = C(rd_val)[i];
    int moves = (num == RV_SYS_READ && fd == 0) || (num == RV_SYS_WRITE && (fd == 1 || fd == 2));
    uint32_t n = moves && (int32_t)res > 0 ? res : 0;
    uint32_t moved = 0, next_addr = buf & ~3u;
    uint64_t pos0 = 0;
    for (; *j < t.io_nrows && IO(cycle)[*j] == i; ++*j) {
        size_t r = *j;
        if (IO(fd)[r] != fd || IO(addr)[r] != next_addr || IO(mask)[r] == 0 || IO(mask)[r] > 15) {
            bad++;
            break;
        }
        uint8_t *w = shadow_at(mem, IO(addr)[r]);
        if (!w) {
            bad++;
            break;
        }
        uint32_t before;
        memcpy(&before, w, 4);
        if (before != IO(before)[r]) bad++;
        if (moved == 0) pos0 = IO(pos)[r];
        if (IO(pos)[r] != pos0 + moved) bad++;
        uint8_t after[4];
        memcpy(after, &IO(after)[r], 4);
        for (unsigned b = 0; b < 4; b++) {
            uint32_t a = IO(addr)[r] + b;
            int in = (IO(mask)[r] >> b) & 1;
            if (in != (a >= buf && a - buf < n)) bad++; /* mask = the bytes of [buf, buf+n) */
            if (!in || fd != 0) {
                if (after[b] != w[b]) bad++; /* nothing else changes */
            }
        }
        /* the moved bytes, in order */
        for (unsigned b = 0; b < 4; b++) {
            if (!((IO(mask)[r] >> b) & 1)) continue;
            if (fd == 0) {
                if (*in_pos >= s->input_len || after[b] != s->input[*in_pos]) bad++;
                ++*in_pos;
            } else if (fd == 1) {
                size_t jp = (size_t)s->start.journal_len + *j_pos;
                if (jp >= k->jlen || w[b] != k->journal[jp]) bad++;
                ++*j_pos;
            }
            moved++;
        }
        memcpy(w, after, 4);
        next_addr += 4;
    }
    if (moved != n) bad++;
    /* stream offsets are since the segment start */
    if (n && fd == 0 && pos0 != *in_pos - n) bad++;
    if (n && fd == 1 && pos0 != *j_pos - n) bad++;
    return bad;
}

/* Replays one segment's trace; returns the number of inconsistencies. */
static int replay(const rv_snapshot *s, const rv_trace *tp, const keep_ctx *k)
{
    const rv_trace t = *tp;
    int bad = 0;
    uint32_t x[32];
    memcpy(x, s->start.x, sizeof x);
    shadow_mem mem = {s, malloc(s->npages * RV_PAGE_BYTES)};
    memcpy(mem.pages, s->page_data, s->npages * RV_PAGE_BYTES);
    size_t in_pos = 0, j_pos = 0, io = 0;
    uint32_t pc = s->start.pc;
    for (size_t i = 0; i < t.nrows && bad < 10; i++) {
        if (C(pc)[i] != pc) bad++;
        uint32_t rs1 = C(rs1)[i], rs2 = C(rs2)[i], rd = C(rd)[i];
        if (C(rs1_val)[i] != x[rs1] || C(rs2_val)[i] != x[rs2]) bad++;
        if (rv_decode(C(insn)[i]).op != C(op)[i]) bad++;
        if (C(mem_width)[i]) {
            uint8_t *w = shadow_at(&mem, C(mem_addr)[i] & ~3u);
            uint32_t before;
            if (!w) {
                bad++;
                continue;
            }
            memcpy(&before, w, 4);
            if (before != C(mem_before)[i]) bad++;
            memcpy(w, &C(mem_after)[i], 4);
        }
        if (C(op)[i] == RV_OP_ECALL) {
            /* the row holds every argument; the memory traffic is in the
             * io table only */
            if (rs1 != 17 || rs2 != 10 || C(mem_addr)[i] != x[11] || C(mem_val)[i] != x[12]) bad++;
            if (C(mem_width)[i] || C(mem_before)[i] || C(mem_after)[i]) bad++;
            bad += replay_io(s, &t, i, &io, &mem, x, k, &in_pos, &j_pos);
        } else if (io < t.io_nrows && IO(cycle)[io] == i) {
            bad++; /* io rows belong to ECALL rows only */
        }
        if (rd) x[rd] = C(rd_val)[i];
        else if (C(rd_val)[i]) bad++;
        pc = C(next_pc)[i];
    }
    if (io != t.io_nrows) bad++;
    if (pc != s->end.pc) bad++;
    for (int r = 1; r < 32; r++)
        if (x[r] != s->end.x[r]) bad++;
    if (in_pos != s->input_len) bad++;
    if (j_pos != s->end.journal_len - s->start.journal_len) bad++;
    /* end memory: the replayed pages, with the snapshot's multiproof (the
     * untouched rest of memory), must give the end root */
    {
        rv_tree tree;
        p2_digest *leaf = malloc(s->npages * sizeof *leaf);
        rv_tree_init(&tree, 1);
        for (size_t p = 0; p < s->npages; p++) rv_page_digest(&leaf[p], mem.pages + p * RV_PAGE_BYTES);
        if (rv_tree_from_multiproof(&tree, s->page_index, leaf, s->npages, s->nodes, s->nnodes) != CAIRN_OK) {
            bad++;
        } else {
            p2_digest root = rv_tree_root(&tree);
            if (memcmp(&root, &s->end.root, sizeof root)) bad++;
        }
        rv_tree_free(&tree);
        free(leaf);
    }
    free(mem.pages);
    return bad;
}

static void test_replay_segments(void)
{
    static const uint8_t INPUT[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    rv_program *prog = seg_program(2000);
    static keep_ctx k;
    memset(&k, 0, sizeof k);
    rv_config cfg = {.segment_po2 = 11, .input = INPUT, .input_len = sizeof INPUT - 1,
                     .on_segment = keep_all, .segment_arg = &k, .on_write = keep_write, .write_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT(k.n > 5);
    uint64_t rows = 0, io_rows = 0;
    rv_trace t = {0}; /* reused: the last (shorter) segment reuses larger columns */
    for (int i = 0; i < k.n; i++) {
        rv_snapshot s;
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[i], k.len[i]), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, &s), CAIRN_OK);
        CU_ASSERT_EQUAL(t.nrows, s.cycles);
        int bad = replay(&s, &t, &k);
        if (bad) fprintf(stderr, "segment %d: %d inconsistencies\n", i, bad);
        CU_ASSERT_EQUAL(bad, 0);
        rows += t.nrows;
        io_rows += t.io_nrows;
        rv_snapshot_free(&s);
    }
    rv_trace_free(&t);
    CU_ASSERT_EQUAL(rows, res.cycles);
    CU_ASSERT(io_rows > 0);
    CU_ASSERT(k.jlen > 0);
    keep_free(&k);
    rv_program_free(prog);
}

/* Known io-table rows: reads and writes on an unaligned buffer that
 * crosses a page boundary, a failing write and a read at end of input. */
static void test_known_io_rows(void)
{
    static const uint8_t INPUT[] = "ABCDEFGHIJ";
    const uint32_t BUF = SEG_SCRATCH + RV_PAGE_BYTES - 2; /* 2 bytes before a page boundary */
    prog_t p = {.n = 0};
    struct { uint32_t num, fd, off, len; } calls[] = {
        {RV_SYS_READ, 0, 0, 7},   /* "ABCDEFG" -> BUF */
        {RV_SYS_WRITE, 1, 1, 5},  /* "BCDEF" -> journal */
        {RV_SYS_WRITE, 2, 0, 2},  /* "AB" -> log */
        {RV_SYS_WRITE, 5, 0, 2},  /* EBADF: no rows */
        {RV_SYS_READ, 0, 0, 100}, /* the last 3 bytes "HIJ" */
        {RV_SYS_READ, 0, 0, 4},   /* end of input: 0, no rows */
    };
    size_t ecall_row[6];
    for (int c = 0; c < 6; c++) {
        emit_li(&p, A3, calls[c].len);
        emit_syscall3(&p, calls[c].num, calls[c].fd, BUF + calls[c].off, A3);
        ecall_row[c] = p.n - 1; /* straight-line code: word index = row */
    }
    emit_exit(&p, 0);
    rv_program *prog = prog_load(&p);
    static keep_ctx k;
    memset(&k, 0, sizeof k);
    rv_config cfg = {.segment_po2 = 10, .input = INPUT, .input_len = sizeof INPUT - 1, .on_segment = keep_all,
                     .segment_arg = &k, .on_write = keep_write, .write_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(k.n, 1);
    CU_ASSERT_EQUAL(k.jlen, 5);
    CU_ASSERT_EQUAL(k.loglen, 2);
    rv_snapshot s;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[0], k.len[0]), CAIRN_OK);
    rv_trace t = {0};
    CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, &s), CAIRN_OK);
    /* the ECALL rows: number, fd, buffer, length, result */
    const uint32_t result[6] = {7, 5, 2, (uint32_t)-RV_EBADF, 3, 0};
    for (int c = 0; c < 6; c++) {
        size_t r = ecall_row[c];
        CU_ASSERT_EQUAL(C(op)[r], RV_OP_ECALL);
        CU_ASSERT_EQUAL(C(rs1_val)[r], calls[c].num);
        CU_ASSERT_EQUAL(C(rs2_val)[r], calls[c].fd);
        CU_ASSERT_EQUAL(C(mem_addr)[r], BUF + calls[c].off);
        CU_ASSERT_EQUAL(C(mem_val)[r], calls[c].len);
        CU_ASSERT_EQUAL(C(mem_width)[r], 0);
        CU_ASSERT_EQUAL(C(rd)[r], 10);
        CU_ASSERT_EQUAL(C(rd_val)[r], result[c]);
    }
    /* expected io rows: cycle, fd, addr, mask, before, after, pos */
    const uint32_t W0 = BUF - 2, W1 = BUF + 2, W2 = BUF + 6;
    const uint32_t exp[][7] = {
        {ecall_row[0], 0, W0, 0xc, 0, 0x42410000u, 0},          /* "AB" in bytes 2,3 */
        {ecall_row[0], 0, W1, 0xf, 0, 0x46454443u, 2},          /* "CDEF" */
        {ecall_row[0], 0, W2, 0x1, 0, 0x47u, 6},                /* "G" */
        {ecall_row[1], 1, W0, 0x8, 0x42410000u, 0x42410000u, 0}, /* "B" */
        {ecall_row[1], 1, W1, 0xf, 0x46454443u, 0x46454443u, 1}, /* "CDEF" */
        {ecall_row[2], 2, W0, 0xc, 0x42410000u, 0x42410000u, 0}, /* "AB" to the log */
        {ecall_row[4], 0, W0, 0xc, 0x42410000u, 0x49480000u, 7}, /* "HI" */
        {ecall_row[4], 0, W1, 0x1, 0x46454443u, 0x4645444au, 9}, /* "J" */
    };
    const size_t nexp = sizeof exp / sizeof exp[0];
    CU_ASSERT_EQUAL_FATAL(t.io_nrows, nexp);
    for (size_t r = 0; r < nexp; r++)
        for (int c = 0; c < RV_IO_NCOLS; c++)
            if (t.io_col[c][r] != exp[r][c]) {
                fprintf(stderr, "io row %zu column %s: %u, expected %u\n", r, rv_io_col_names[c], t.io_col[c][r],
                        exp[r][c]);
                CU_FAIL("io row differs");
            }
    CU_ASSERT_STRING_EQUAL(rv_io_col_names[RV_IO_pos], "pos");
    CU_ASSERT_EQUAL(replay(&s, &t, &k), 0);
    /* the replay notices a wrong input byte in the io table */
    t.io_col[RV_IO_after][1] ^= 0x100;
    CU_ASSERT(replay(&s, &t, &k) > 0);
    t.io_col[RV_IO_after][1] ^= 0x100;
    t.io_col[RV_IO_mask][3] = 0xc; /* a journal byte too many */
    CU_ASSERT(replay(&s, &t, &k) > 0);
    rv_trace_free(&t);
    rv_snapshot_free(&s);
    keep_free(&k);
    rv_program_free(prog);
}

static void test_trace_rejects_bad_snapshot(void)
{
    rv_program *prog = seg_program(100);
    keep_ctx k = {.n = 0};
    rv_config cfg = {.segment_po2 = 10, .on_segment = keep_all, .segment_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    rv_snapshot s;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[0], k.len[0]), CAIRN_OK);
    s.page_data[100] ^= 1; /* page contents no longer match the root */
    rv_trace t = {0};
    CU_ASSERT_EQUAL(rv_trace_build(&t, &s), CAIRN_ERR_CORRUPT);
    CU_ASSERT_EQUAL(t.nrows, 0);
    s.page_data[100] ^= 1;
    s.end.x[5] ^= 1; /* wrong end state */
    CU_ASSERT_EQUAL(rv_trace_build(&t, &s), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(t.nrows, 0);
    rv_trace_free(&t);
    rv_snapshot_free(&s);
    keep_free(&k);
    rv_program_free(prog);
}

int main(void)
{
    static const test_case cases[] = {
        {"known rows of a small program", test_known_rows},
        {"known io rows of system calls", test_known_io_rows},
        {"replay every segment's trace", test_replay_segments},
        {"bad snapshots give no trace", test_trace_rejects_bad_snapshot},
        {NULL, NULL},
    };
    return test_run_suite("rv_trace", cases);
}
