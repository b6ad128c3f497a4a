/* Per-cycle traces: known rows of a small program, and for every segment of
 * a larger run a replay of the trace against shadow registers and memory
 * built from the snapshot: each row's register and memory reads must match
 * what earlier rows wrote, pc must chain, and the replay must end in the
 * snapshot's end registers. */
#include <stdio.h>

#include "seg_prog.h"
#include "testutil.h"

typedef struct {
    uint8_t *enc[64];
    size_t len[64];
    int n;
} keep_ctx;

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

/* Replays one segment's trace; returns the number of inconsistencies. */
static int replay(const rv_snapshot *s, const rv_trace *tp)
{
    const rv_trace t = *tp;
    int bad = 0;
    uint32_t x[32];
    memcpy(x, s->start.x, sizeof x);
    shadow_mem mem = {s, malloc(s->npages * RV_PAGE_BYTES)};
    memcpy(mem.pages, s->page_data, s->npages * RV_PAGE_BYTES);
    size_t in_pos = 0;
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
        if (C(op)[i] == RV_OP_ECALL && x[17] == RV_SYS_READ && x[10] == 0) {
            /* the syscall's buffer traffic is not in the row: apply it */
            uint32_t n = C(rd_val)[i];
            for (uint32_t b = 0; b < n; b++) *shadow_at(&mem, x[11] + b) = s->input[in_pos++];
        }
        if (rd) x[rd] = C(rd_val)[i];
        else if (C(rd_val)[i]) bad++;
        pc = C(next_pc)[i];
    }
    if (pc != s->end.pc) bad++;
    for (int r = 1; r < 32; r++)
        if (x[r] != s->end.x[r]) bad++;
    if (in_pos != s->input_len) bad++;
    free(mem.pages);
    return bad;
}

static void test_replay_segments(void)
{
    static const uint8_t INPUT[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    rv_program *prog = seg_program(2000);
    keep_ctx k = {.n = 0};
    rv_config cfg = {.segment_po2 = 11, .input = INPUT, .input_len = sizeof INPUT - 1,
                     .on_segment = keep_all, .segment_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT(k.n > 5);
    uint64_t rows = 0;
    rv_trace t = {0}; /* reused: the last (shorter) segment reuses larger columns */
    for (int i = 0; i < k.n; i++) {
        rv_snapshot s;
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[i], k.len[i]), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, &s), CAIRN_OK);
        CU_ASSERT_EQUAL(t.nrows, s.cycles);
        int bad = replay(&s, &t);
        if (bad) fprintf(stderr, "segment %d: %d inconsistencies\n", i, bad);
        CU_ASSERT_EQUAL(bad, 0);
        rows += t.nrows;
        rv_snapshot_free(&s);
    }
    rv_trace_free(&t);
    CU_ASSERT_EQUAL(rows, res.cycles);
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
        {"replay every segment's trace", test_replay_segments},
        {"bad snapshots give no trace", test_trace_rejects_bad_snapshot},
        {NULL, NULL},
    };
    return test_run_suite("rv_trace", cases);
}
