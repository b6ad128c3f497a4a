/* The state table of the RV32IM AIR (vm/rv32im/rv_air_state.c) on the
 * segments of a real program (seg_prog.h: loads, stores, reads that reach
 * end-of-file, journal writes, an exit code). A stub table stands in for
 * the cpu (its STATE messages and the register accesses), the node
 * table's root and the journal table. The digests the table computes are
 * rv_state_digest of both states; every segment passes the checker, one
 * proves and verifies; a start or end digest that is not the public value,
 * and an end state the segment did not reach (a register, pc, halted,
 * exit code, input position, journal length, root, the bytes done of a
 * call in parts at either end) are rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_stub.h"
#include "rv_air_testutil.h"
#include "seg_prog.h"
#include "vm/rv32im/rv_air_state.h"
#include "vm/rv32im/rv_air_tables.h"

#define PO2 10
#define P2_LOG 4

enum { T_ST, T_P2, T_RANGE, T_STUB, NT };

static rvt_keys fx;
static rvt_segments segs;

static const uint8_t INPUT[7] = "abcdefg";

static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "state", RV_STATE_NPUB));
    rv_state_table_add(m, 0);
    rv_p2_table_add(m);
    rv_range_table_add(m);
    stub_table_add(m);
    return rvt_finish(out, m);
}

/* Registers as the cpu would leave them in the tracker: a changed one
 * written once, every third unchanged one read once. */
static void registers(rv_memtrack *mt, const rv_snapshot *s)
{
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_init(mt, 64), CAIRN_OK);
    for (uint32_t i = 1; i < 32; i++) {
        uint32_t a = RV_MEM_REG_BASE + i, v, t;
        CU_ASSERT_EQUAL_FATAL(rv_memtrack_put(mt, a, s->start.x[i]), CAIRN_OK);
        cairn_err e = CAIRN_OK;
        if (s->end.x[i] != s->start.x[i])
            e = rv_memtrack_write(mt, &v, &t, a, 8 * (i + 1) + RV_SLOT_RD, s->end.x[i]);
        else if (i % 3 == 0)
            e = rv_memtrack_read(mt, &v, &t, a, 8 * (i + 1) + RV_SLOT_RS1);
        CU_ASSERT_EQUAL(e, CAIRN_OK);
    }
}

typedef struct {
    gl_t *t[NT];
    unsigned log[NT];
    gl_t pub[RV_STATE_NPUB];
    stub_rows stub;
} traces;

/* The stub from the honest snapshot s, the state table from `claim` (s
 * or a forgery of its end state). */
static void make(traces *tr, const rv_snapshot *s, const rv_snapshot *claim)
{
    memset(tr, 0, sizeof *tr);
    rv_memtrack mt = {0}, mc = {0};
    registers(&mt, s);
    registers(&mc, claim);
    const rv_state *a = &s->start, *b = &s->end;
    for (uint32_t i = 1; i < 32; i++) {
        uint32_t v, t;
        CU_ASSERT_FATAL(rv_memtrack_get(&mt, RV_MEM_REG_BASE + i, &v, &t));
        stub_mem(&tr->stub, -1, RV_REG_ADDR(i), a->x[i], 0);
        stub_mem(&tr->stub, 1, RV_REG_ADDR(i), v, t);
    }
    gl_t st[7] = {RV_STATE_START, a->pc};
    stub_msg(&tr->stub, STUB_ST, 1, st, 7);
    gl_t en[7] = {RV_STATE_END, b->pc};
    stub_msg(&tr->stub, STUB_ST, 1, en, 7);
    gl_t ec[7] = {RV_STATE_ECALLS, a->input_eof, b->halted, b->exit_code, b->input_pos - a->input_pos,
                  b->journal_len - a->journal_len, b->input_eof};
    stub_msg(&tr->stub, STUB_ST, 1, ec, 7);
    gl_t sd[7] = {RV_STATE_SYSDONE, a->sys_done, b->sys_done};
    stub_msg(&tr->stub, STUB_ST, 1, sd, 7);
    gl_t jm[4][7];
    stub_journal_msgs(jm, a, b);
    for (int k = 0; k < 4; k++) stub_msg(&tr->stub, STUB_ST, -1, jm[k], 7);
    gl_t root[10] = {RV_TREE_DEPTH, 0};
    for (int i = 0; i < 4; i++) {
        root[2 + i] = a->root.v[i];
        root[6 + i] = b->root.v[i];
    }
    stub_msg(&tr->stub, STUB_NODE, 1, root, 10);

    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_p2_calls calls = {0};
    tr->log[T_ST] = RV_STATE_LOG;
    tr->t[T_ST] = calloc((size_t)RV_ST_NCOLS << RV_STATE_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(tr->t[T_ST] != NULL);
    CU_ASSERT_EQUAL_FATAL(rv_state_fill(tr->t[T_ST], tr->pub, &calls, &lk, claim, &mc), CAIRN_OK);
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
    rv_lookups_free(&lk);
    rv_memtrack_free(&mt);
    rv_memtrack_free(&mc);
}

static void drop(traces *tr)
{
    for (int i = 0; i < NT; i++) free(tr->t[i]);
    free(tr->stub.v);
}

static void expect(traces *tr, int ok, const char *msg, int prove, const char *what)
{
    stark_trace st[NT];
    for (int i = 0; i < NT; i++) st[i] = (stark_trace){tr->t[i], tr->log[i]};
    rvt_expect(&fx, st, tr->pub, RV_STATE_NPUB, ok, prove, msg, NULL, what);
}

/* The end state c (a forgery of s's) is rejected. */
static void expect_end(const rv_snapshot *s, const rv_snapshot *c, const char *msg, int prove, const char *what)
{
    traces tr;
    make(&tr, s, c);
    expect(&tr, 0, msg, prove, what);
    drop(&tr);
}

static void test_program(void)
{
    CU_ASSERT(segs.n >= 3);
    const rv_snapshot *last = &segs.seg[segs.n - 1];
    CU_ASSERT_EQUAL(last->end.halted, 1);
    CU_ASSERT_NOT_EQUAL(last->end.exit_code, 0);
    CU_ASSERT_EQUAL(last->end.input_eof, 1);
    CU_ASSERT_EQUAL(last->end.input_pos, sizeof INPUT);
}

static void test_honest(void)
{
    for (size_t i = 0; i < segs.n; i++) {
        traces tr;
        make(&tr, &segs.seg[i], &segs.seg[i]);
        /* the table's digests are the machine's */
        p2_digest d0, d1;
        rv_state_digest(&d0, &segs.seg[i].start);
        rv_state_digest(&d1, &segs.seg[i].end);
        CU_ASSERT_EQUAL(memcmp(d0.v, tr.pub, sizeof d0.v), 0);
        CU_ASSERT_EQUAL(memcmp(d1.v, tr.pub + 4, sizeof d1.v), 0);
        expect(&tr, 1, NULL, i + 1 == segs.n, "honest");
        drop(&tr);
    }
}

static void test_fill_refuses(void)
{
    rv_snapshot s = segs.seg[0];
    s.start.halted = 1;
    gl_t *main = calloc((size_t)RV_ST_NCOLS << RV_STATE_LOG, sizeof(gl_t));
    rv_memtrack mt = {0};
    registers(&mt, &segs.seg[0]);
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_p2_calls calls = {0};
    CU_ASSERT_EQUAL(rv_state_fill(main, NULL, &calls, &lk, &s, &mt), CAIRN_ERR_VERIFY);
    s = segs.seg[0];
    s.end.x[7] ^= 1; /* not what the tracker holds */
    CU_ASSERT_EQUAL(rv_state_fill(main, NULL, &calls, &lk, &s, &mt), CAIRN_ERR_VERIFY);
    rv_p2_calls_free(&calls);
    rv_lookups_free(&lk);
    rv_memtrack_free(&mt);
    free(main);
}

static void test_forgeries(void)
{
    const rv_snapshot *s = &segs.seg[1], *h = &segs.seg[segs.n - 1];
    traces tr;
    rv_snapshot c;

    /* public values that are not the digests */
    make(&tr, s, s);
    tr.pub[2] = gl_add(tr.pub[2], 1);
    expect(&tr, 0, "state start digest", 1, "wrong start digest");
    drop(&tr);
    make(&tr, s, s);
    tr.pub[5] = gl_add(tr.pub[5], 1);
    expect(&tr, 0, "state end digest", 1, "wrong end digest");
    drop(&tr);

    /* end states the segment did not reach, with their own digests as the
     * public values */
    c = *s;
    c.end.x[9] ^= 0x100;
    expect_end(s, &c, "bus 1", 1, "wrong end register");
    c = *s;
    c.end.pc += 4;
    expect_end(s, &c, "bus 10", 1, "wrong end pc");
    /* an end pc that is no 4-aligned u32, with a cpu message that agrees
     * (the cpu checks its last row's npc only through this table): the
     * range check of pc / 4 rejects it */
    c = *s;
    c.end.pc += 2;
    make(&tr, &c, &c);
    expect(&tr, 0, "bus 2", 1, "misaligned end pc");
    drop(&tr);
    c = *s;
    c.end.halted = 1;
    expect_end(s, &c, "bus 10", 0, "wrongly halted");
    c = *h;
    c.end.exit_code ^= 1;
    expect_end(h, &c, "bus 10", 0, "wrong exit code");
    c = *s;
    c.end.input_pos += 1;
    expect_end(s, &c, "bus 10", 0, "wrong end input position");
    c = *s;
    c.end.input_eof ^= 1;
    expect_end(s, &c, "bus 10", 0, "wrong end input_eof");
    /* the bytes done of a call in parts (rv.h): the ecall table's message
     * fixes both */
    c = *s;
    c.end.sys_done = 5;
    expect_end(s, &c, "bus 10", 0, "wrong end sys_done");
    c = *s;
    c.start.sys_done = 5;
    expect_end(s, &c, "bus 10", 1, "wrong start sys_done");
    c = *s;
    c.end.journal_len += 16; /* same tail length, more blocks */
    expect_end(s, &c, "bus 10", 0, "wrong end journal length");
    c = *s;
    c.end.root.v[1] = gl_add(c.end.root.v[1], 1);
    expect_end(s, &c, "bus 8", 0, "wrong end root");

    /* an end input position without its carry: lo wraps, hi unchanged */
    make(&tr, s, s);
    for (unsigned r = 0; r < (1u << RV_STATE_LOG); r++) {
        gl_t *x = tr.t[T_ST] + r * RV_ST_NCOLS;
        x[RV_ST_EIPH] = gl_add(x[RV_ST_EIPH], 1);
    }
    expect(&tr, 0, "state input_pos hi", 0, "input position hi without carry");
    drop(&tr);

    /* a halted start state (the slot of start halted set) */
    make(&tr, s, s);
    tr.t[T_ST][6 * RV_ST_NCOLS + RV_ST_S + 1] = 1;
    expect(&tr, 0, NULL, 0, "halted start");
    drop(&tr);
}

int main(void)
{
    rv_program *prog = seg_program(200);
    rv_config cfg = {.segment_po2 = PO2, .input = INPUT, .input_len = sizeof INPUT, .on_segment = rvt_keep_segment,
                     .segment_arg = &segs};
    rv_result res;
    int ran = prog && rv_execute(prog, &cfg, &res) == CAIRN_OK;
    rv_program_free(prog);
    if (!rvt_setup(&fx, ran && build(&fx.m) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"the program's segments", test_program},
                                      {"honest segments", test_honest},
                                      {"fill refuses a halted start or wrong registers", test_fill_refuses},
                                      {"forgeries rejected", test_forgeries},
                                      {NULL, NULL}};
    int rc = rvt_run(&fx, "rv_air_state", cases);
    rvt_segments_free(&segs);
    return rc;
}
