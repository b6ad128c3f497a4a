/* The io and journal tables of the RV32IM AIR (vm/rv32im/rv_air_io.c) on
 * the segments of a real program: writes to fd 1 that cross 16-byte
 * journal blocks within and across segments, a write to fd 2, reads with a
 * short read that sets end-of-file and a read after it. A stub table
 * stands in for the cpu's hand-offs, the memory boundary of the io words
 * and the state table's journal messages. Every segment passes the
 * checker, one proves and verifies; each forgery (a journal byte altered,
 * dropped or reordered, a wrong end chain or tail, an io word whose
 * unmasked bytes change, a read longer than its n) is rejected by the
 * checker, and some by the verifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_stub.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_io.h"
#include "vm/rv32im/rv_air_tables.h"

#define DATA 0x00200000u
#define PO2 4
#define IO_LOG 5
#define J_LOG 3
#define P2_LOG 2

enum { T_IO, T_J, T_P2, T_RANGE, T_STUB, NT };

static rvt_keys fx;
static struct {
    rvt_segments segs;
    uint8_t journal[256];
    size_t njournal;
} run;

static const uint8_t INPUT[20] = "0123456789abcdefghij";

static rv_program *io_program(void)
{
    static prog_t p;
    static uint8_t data[256];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(0x41 + i * 7);
    p.n = 0;
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 1, 5);
    rvt_syscall(&p, RV_SYS_READ, 0, DATA + 3, 7);
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 2, 13); /* 18: crosses the first block */
    rvt_syscall(&p, RV_SYS_WRITE, 2, DATA, 3);
    for (int i = 0; i < 9; i++) emit(&p, ADDI(ZERO, ZERO, 0));
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 7, 20); /* 38 */
    rvt_syscall(&p, RV_SYS_READ, 0, DATA + 9, 30);  /* 13 of 30: end-of-file */
    rvt_syscall(&p, RV_SYS_READ, 0, DATA, 4);       /* 0 */
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 3, 9);  /* 47, from bytes the reads wrote */
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 60, 1);
    rvt_syscall(&p, RV_SYS_WRITE, 1, DATA + 12, 32); /* 80: ends on a block boundary */
    emit_exit(&p, 0);
    size_t len;
    uint8_t *e = prog_elf(&len, &p, DATA, data, sizeof data, 4096);
    rv_program *prog = NULL;
    cairn_err err = rv_elf_load(&prog, e, len);
    free(e);
    return err ? NULL : prog;
}

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    (void)arg;
    if (fd == 1 && run.njournal + len <= sizeof run.journal) {
        memcpy(run.journal + run.njournal, buf, len);
        run.njournal += len;
    }
}

static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "io", 0));
    rv_io_table_add(m);
    rv_journal_table_add(m);
    rv_p2_table_add(m);
    rv_range_table_add(m);
    stub_table_add(m);
    return rvt_finish(out, m);
}

typedef struct {
    gl_t *t[NT];
    unsigned log[NT];
    stub_rows stub;
    size_t io_rows, j_rows;
} traces;

/* The memory boundary: a new tracker holding each io word of t as the io
 * table first finds it, and (stub given) the words' start messages. */
static void io_words(rv_memtrack *mt, stub_rows *stub, const rv_trace *t)
{
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_init(mt, 4096), CAIRN_OK);
    for (size_t r = 0; r < t->io_nrows; r++) {
        uint32_t v, ts, a = t->io_col[RV_IO_addr][r] >> 2;
        if (rv_memtrack_get(mt, a, &v, &ts)) continue;
        CU_ASSERT_EQUAL_FATAL(rv_memtrack_put(mt, a, t->io_col[RV_IO_before][r]), CAIRN_OK);
        if (stub) stub_mem(stub, 1, a, t->io_col[RV_IO_before][r], 0);
    }
}

/* Forgeries applied before the stub, journal and lookup tables are
 * derived (so that everything else stays consistent with them). */
enum { HONEST, STUB_CHAIN, STUB_TAIL };

static void make(traces *tr, const rv_snapshot *s, int forge)
{
    memset(tr, 0, sizeof *tr);
    rv_trace t = {0};
    CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, s), CAIRN_OK);
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_memtrack mt = {0};
    io_words(&mt, &tr->stub, &t);
    tr->log[T_IO] = IO_LOG;
    tr->t[T_IO] = calloc((size_t)RV_IOT_NCOLS << IO_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(tr->t[T_IO] != NULL);
    CU_ASSERT_EQUAL_FATAL(rv_io_fill(tr->t[T_IO], IO_LOG, &lk, &mt, &t), CAIRN_OK);
    tr->io_rows = t.io_nrows;
    size_t nstub = tr->stub.n;
    for (size_t i = 0; i < nstub; i++) {
        uint32_t a = (uint32_t)tr->stub.v[i * STUB_NCOLS + STUB_MEM + 1], v, ts;
        CU_ASSERT_FATAL(rv_memtrack_get(&mt, a, &v, &ts));
        stub_mem(&tr->stub, -1, a, v, ts);
    }
    /* the cpu's hand-offs */
    for (size_t r = 0; r < t.io_nrows;) {
        rv_io_call c;
        CU_ASSERT_EQUAL_FATAL(rv_io_call_at(&c, &t, r), CAIRN_OK);
        gl_t e[5] = {c.ts, c.fd, c.buf, c.n, c.pos};
        stub_msg(&tr->stub, STUB_IO, 1, e, 5);
        r += c.nrows;
    }
    /* the state table's journal messages */
    const rv_state *a = &s->start, *b = &s->end;
    gl_t jm[4][7];
    stub_journal_msgs(jm, a, b);
    if (forge == STUB_CHAIN) jm[2][2] = gl_add(jm[2][2], 1);
    if (forge == STUB_TAIL) jm[3][1] ^= 1;
    for (int k = 0; k < 4; k++) stub_msg(&tr->stub, STUB_ST, 1, jm[k], 7);
    /* journal, p2, range */
    rv_p2_calls calls = {0};
    tr->log[T_J] = J_LOG;
    tr->t[T_J] = calloc((size_t)RV_JT_NCOLS << J_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(tr->t[T_J] != NULL);
    CU_ASSERT_EQUAL_FATAL(rv_journal_fill(tr->t[T_J], J_LOG, &calls, &lk, s, &t), CAIRN_OK);
    tr->j_rows = rv_journal_rows(a->journal_len, b->journal_len - a->journal_len);
    tr->log[T_P2] = P2_LOG;
    tr->t[T_P2] = calloc((size_t)RV_P2_NCOLS << P2_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(tr->t[T_P2] != NULL);
    CU_ASSERT_EQUAL_FATAL(rv_p2_table_fill(tr->t[T_P2], P2_LOG, calls.v, calls.n), CAIRN_OK);
    tr->log[T_RANGE] = RV_RANGE_LOG;
    tr->t[T_RANGE] = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(tr->t[T_RANGE] != NULL);
    rv_range_table_fill(tr->t[T_RANGE], &lk);
    tr->t[T_STUB] = stub_trace(&tr->stub, &tr->log[T_STUB]);
    rv_p2_calls_free(&calls);
    rv_memtrack_free(&mt);
    rv_lookups_free(&lk);
    rv_trace_free(&t);
}

static void drop(traces *tr)
{
    for (int i = 0; i < NT; i++) free(tr->t[i]);
    free(tr->stub.v);
}

static void as_stark(stark_trace st[NT], const traces *tr)
{
    for (int i = 0; i < NT; i++) st[i] = (stark_trace){tr->t[i], tr->log[i]};
}

static cairn_err check(traces *tr)
{
    stark_trace st[NT];
    as_stark(st, tr);
    return stark_check_trace(fx.m, st, NULL, 0);
}

/* The checker rejects the trace (message containing msg, if given); with
 * prove, the verifier rejects a proof of it as well. */
static void expect(traces *tr, int ok, const char *msg, int prove, const char *what)
{
    stark_trace st[NT];
    as_stark(st, tr);
    rvt_expect(&fx, st, NULL, 0, ok, prove, msg, NULL, what);
}

static gl_t *io_row(traces *tr, size_t r) { return tr->t[T_IO] + r * RV_IOT_NCOLS; }
static gl_t *j_row(traces *tr, size_t r) { return tr->t[T_J] + r * RV_JT_NCOLS; }

/* The segment with the most journal bytes, and one with a short read. */
static const rv_snapshot *most_journal(void)
{
    const rv_snapshot *best = &run.segs.seg[0];
    for (size_t i = 0; i < run.segs.n; i++)
        if (run.segs.seg[i].end.journal_len - run.segs.seg[i].start.journal_len >
            best->end.journal_len - best->start.journal_len)
            best = &run.segs.seg[i];
    return best;
}

static const rv_snapshot *short_read(void)
{
    for (size_t i = 0; i < run.segs.n; i++)
        if (!run.segs.seg[i].start.input_eof && run.segs.seg[i].end.input_eof) return &run.segs.seg[i];
    return NULL;
}

static void test_program(void)
{
    /* what the tests below rely on */
    CU_ASSERT(run.segs.n >= 6);
    CU_ASSERT_EQUAL(run.njournal, 80);
    CU_ASSERT_EQUAL(run.segs.seg[run.segs.n - 1].end.journal_len, 80);
    CU_ASSERT_EQUAL(run.segs.seg[run.segs.n - 1].end.input_pos, 20);
    CU_ASSERT_EQUAL(run.segs.seg[run.segs.n - 1].end.input_eof, 1);
    CU_ASSERT_PTR_NOT_NULL(short_read());
    int mid_block = 0;
    for (size_t i = 0; i < run.segs.n; i++) mid_block += (run.segs.seg[i].start.journal_len & 15) != 0;
    CU_ASSERT(mid_block >= 2);
    /* the journal as the machine committed to it */
    p2_digest chain = {{0}};
    for (size_t k = 0; k + 16 <= run.njournal; k += 16) {
        p2_digest blk;
        for (int i = 0; i < 4; i++)
            blk.v[i] = (uint32_t)run.journal[k + 4 * i] | (uint32_t)run.journal[k + 4 * i + 1] << 8 |
                       (uint32_t)run.journal[k + 4 * i + 2] << 16 | (uint32_t)run.journal[k + 4 * i + 3] << 24;
        p2_compress(&chain, &chain, &blk);
    }
    CU_ASSERT_EQUAL(memcmp(&chain, &run.segs.seg[run.segs.n - 1].end.journal_chain, sizeof chain), 0);
}

static void test_honest(void)
{
    for (size_t i = 0; i < run.segs.n; i++) {
        traces tr;
        make(&tr, &run.segs.seg[i], HONEST);
        cairn_err e = check(&tr);
        if (e != CAIRN_OK) fprintf(stderr, "segment %zu: %s\n", i, cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        drop(&tr);
    }
    traces tr;
    make(&tr, most_journal(), HONEST);
    expect(&tr, 1, NULL, 1, "honest segment");
    drop(&tr);
}

static void test_fill_limits(void)
{
    const rv_snapshot *s = most_journal();
    rv_trace t = {0};
    CU_ASSERT_EQUAL_FATAL(rv_trace_build(&t, s), CAIRN_OK);
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_memtrack mt = {0};
    io_words(&mt, NULL, &t);
    gl_t *main = calloc((size_t)RV_JT_NCOLS << 2, sizeof(gl_t));
    rv_p2_calls calls = {0};
    /* more blocks than rows */
    CU_ASSERT_EQUAL(rv_journal_fill(main, 0, &calls, &lk, s, &t), CAIRN_ERR_LIMIT);
    gl_t *io = calloc((size_t)RV_IOT_NCOLS << 2, sizeof(gl_t));
    CU_ASSERT_EQUAL(rv_io_fill(io, 1, &lk, &mt, &t), CAIRN_ERR_LIMIT);
    free(io);
    free(main);
    rv_p2_calls_free(&calls);
    rv_memtrack_free(&mt);
    rv_lookups_free(&lk);
    rv_trace_free(&t);
}

static void test_journal_forgeries(void)
{
    const rv_snapshot *s = most_journal();
    traces tr;

    /* a journal byte altered (the block's chain recomputed would not help:
     * the io table sent the real byte) */
    make(&tr, s, HONEST);
    j_row(&tr, 1)[RV_JT_B + 5] = (j_row(&tr, 1)[RV_JT_B + 5] + 1) & 0xff;
    expect(&tr, 0, "bus 9", 1, "journal byte altered");
    drop(&tr);

    /* dropped: the last written byte of the last block unwritten */
    make(&tr, s, HONEST);
    {
        size_t r = tr.j_rows - 1;
        int j = -1;
        for (;; r--) {
            gl_t *x = j_row(&tr, r);
            for (j = 15; j >= 0 && !x[RV_JT_W + j]; j--) {
            }
            if (j >= 0 || r == 0) break;
        }
        CU_ASSERT_FATAL(j >= 0);
        gl_t *x = j_row(&tr, r);
        x[RV_JT_W + j] = 0;
        x[RV_JT_B + j] = 0;
        expect(&tr, 0, NULL, 0, "journal byte dropped");
    }
    drop(&tr);

    /* two bytes swapped within a block */
    make(&tr, s, HONEST);
    {
        gl_t *x = j_row(&tr, 1);
        CU_ASSERT_NOT_EQUAL_FATAL(x[RV_JT_B + 3], x[RV_JT_B + 4]);
        gl_t v = x[RV_JT_B + 3];
        x[RV_JT_B + 3] = x[RV_JT_B + 4];
        x[RV_JT_B + 4] = v;
        expect(&tr, 0, "bus 9", 0, "journal bytes reordered");
    }
    drop(&tr);

    /* the end state's chain or tail is not what the bytes give */
    make(&tr, s, STUB_CHAIN);
    expect(&tr, 0, "bus 10", 1, "wrong end chain");
    drop(&tr);
    make(&tr, s, STUB_TAIL);
    expect(&tr, 0, "bus 10", 0, "wrong end tail");
    drop(&tr);
}

static void test_io_forgeries(void)
{
    const rv_snapshot *s = short_read();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    traces tr;
    /* an fd 0 row whose mask leaves a byte out, before the call's last row */
    make(&tr, s, HONEST);
    size_t r = 0;
    unsigned kb = 4;
    for (; r < tr.io_rows; r++) {
        gl_t *x = io_row(&tr, r);
        if (!x[RV_IOT_FD0]) continue;
        for (unsigned b = 0; b < 4 && kb == 4; b++)
            if (!x[RV_IOT_MASK + b]) kb = b;
        if (kb < 4) break;
    }
    CU_ASSERT_FATAL(r < tr.io_rows);
    const size_t row = r;
    /* its unmasked byte changes */
    io_row(&tr, row)[RV_IOT_VALUE] = gl_add(io_row(&tr, row)[RV_IOT_VALUE], (gl_t)1 << (8 * kb));
    expect(&tr, 0, "io word keeps unmasked bytes", 0, "unmasked byte changed");
    drop(&tr);
    /* ... also when the moved byte claims it (byte and value agree) */
    make(&tr, s, HONEST);
    {
        gl_t *x = io_row(&tr, row);
        x[RV_IOT_BYTE + kb] = (x[RV_IOT_PREV + kb] + 1) & 0xff;
        x[RV_IOT_VALUE] = gl_add(x[RV_IOT_VALUE], (gl_t)1 << (8 * kb)); /* or wraps: still wrong */
    }
    expect(&tr, 0, NULL, 0, "unmasked byte written");
    drop(&tr);
    /* the read moves one byte more than its n: the last row's mask takes
     * the byte after its run */
    make(&tr, s, HONEST);
    {
        gl_t *x = NULL;
        for (r = 0; r < tr.io_rows && !x; r++)
            if (io_row(&tr, r)[RV_IOT_FD0] && io_row(&tr, r)[RV_IOT_LAST] && !io_row(&tr, r)[RV_IOT_MASK + 3])
                x = io_row(&tr, r);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        for (kb = 3; !x[RV_IOT_MASK + kb - 1]; kb--) {
        }
        x[RV_IOT_MASK + kb] = 1;
        x[RV_IOT_BYTE + kb] = 0x5a;
        x[RV_IOT_VALUE] = x[RV_IOT_VALUE] - ((x[RV_IOT_PREV + kb] - 0x5a) << (8 * kb));
    }
    expect(&tr, 0, "io last row length", 1, "read longer than n");
    drop(&tr);
}

int main(void)
{
    rv_program *prog = io_program();
    rv_config cfg = {.segment_po2 = PO2, .input = INPUT, .input_len = sizeof INPUT, .on_segment = rvt_keep_segment,
                     .segment_arg = &run.segs, .on_write = on_write};
    rv_result res;
    int ran = prog && rv_execute(prog, &cfg, &res) == CAIRN_OK;
    rv_program_free(prog);
    if (!rvt_setup(&fx, ran && build(&fx.m) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"the program's segments", test_program},
                                      {"honest segments", test_honest},
                                      {"fill budgets", test_fill_limits},
                                      {"journal forgeries rejected", test_journal_forgeries},
                                      {"io forgeries rejected", test_io_forgeries},
                                      {NULL, NULL}};
    int rc = rvt_run(&fx, "rv_air_io", cases);
    rvt_segments_free(&run.segs);
    return rc;
}
