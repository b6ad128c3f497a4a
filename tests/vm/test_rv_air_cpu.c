/* The cpu table of the RV32IM AIR (vm/rv32im/rv_air_cpu.c) in a test
 * machine (rv_air_cpu_mach.h: cpu + decode + range + bytes + muldiv and
 * test stand-ins for page/state and io/state).
 *
 * Programs (tests/vm/rvasm.h) run through rv_execute + rv_trace_build:
 * one with every ALU/M/branch/jump/load/store op and FENCE, one with every
 * syscall outcome. The honest traces pass the checker; for every op the
 * row's result (rd value, next pc / branch target, loaded value, stored
 * word, link, ECALL result) altered is rejected by the checker (lookup
 * multiplicities recounted from the tampered trace, so only the alteration
 * is wrong); a stale register read and a load that misses the last store
 * are rejected by the memory bus balance; a sub-op flag that is not the
 * decoded class's (with a result that happens to agree) is rejected by the
 * decode bus balance, or, for the flags that are funct3's (an LBU claimed
 * as LB), by the fetch's memory bus. test_rv_air_cpu_verify.c proves
 * the same alterations and has the verifier reject them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_cpu_mach.h"
#include "vm/rv32im/rv_air_tables.h"

static rvc_mach MX; /* po2 8 */

static void test_honest(void)
{
    static prog_t p;
    rvc_run r;
    rvc_ops_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, NULL));
    /* every op of rv_op but ILLEGAL/EBREAK occurs */
    int seen[RV_NOPS] = {0};
    for (size_t i = 0; i < r.tr.nrows; i++) seen[r.tr.col[RV_COL_op][i]] = 1;
    for (int op = RV_OP_LUI; op <= RV_OP_ECALL; op++) {
        if (!seen[op]) fprintf(stderr, "op %s not covered\n", rv_op_name((rv_op)op));
        CU_ASSERT(seen[op]);
    }
    cairn_err e = rvc_check(&MX, &r);
    if (e) fprintf(stderr, "ops: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    rvc_run_free(&r);

    rvc_sys_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, RVC_INPUT));
    CU_ASSERT_EQUAL(r.s.end.exit_code, 42);
    CU_ASSERT_EQUAL(r.s.end.input_eof, 1);
    e = rvc_check(&MX, &r);
    if (e) fprintf(stderr, "sys: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    rvc_run_free(&r);
}

static char LASTMSG[256]; /* the checker's message for the last rejection */

/* Alters cpu row c->row by c->f, recounts the lookups, expects rejection. */
static int rejected(const rvc_mach *x, rvc_run *r, const rvc_case *c)
{
    gl_t *save = malloc(rvc_cpu_bytes(x));
    CU_ASSERT_FATAL(save != NULL);
    rvc_apply(x, r, c, save);
    cairn_err e = rvc_check(x, r);
    int ok = e == CAIRN_ERR_VERIFY &&
             (strstr(cairn_last_error(), "constraint") || strstr(cairn_last_error(), "balance"));
    snprintf(LASTMSG, sizeof LASTMSG, "%s", e ? cairn_last_error() : "");
    const char *op = rv_op_name((rv_op)r->tr.col[RV_COL_op][c->row]);
    if (ok && getenv("CAIRN_TEST_VERBOSE"))
        fprintf(stderr, "  %s (cycle %zu, %s): %s\n", c->what, c->row, op, cairn_last_error());
    if (!ok)
        fprintf(stderr, "%s (cycle %zu, %s) not rejected: %s\n", c->what, c->row, op,
                e ? cairn_last_error() : "accepted");
    rvc_undo(x, r, save);
    free(save);
    return ok;
}

static void test_wrong_ops(void)
{
    static prog_t p;
    static rvc_case cs[RVC_MAX_CASES];
    rvc_run r;
    rvc_ops_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, NULL));
    int nops;
    size_t n = rvc_op_cases(cs, &nops, &r);
    for (size_t k = 0; k < n; k++) CU_ASSERT(rejected(&MX, &r, &cs[k]));
    CU_ASSERT_EQUAL(nops, RV_OP_FENCE - RV_OP_LUI + 1); /* every op but ECALL/ILLEGAL/EBREAK */
    rvc_run_free(&r);
}

static void test_wrong_syscalls(void)
{
    static prog_t p;
    static rvc_case cs[RVC_MAX_CASES];
    rvc_run r;
    rvc_sys_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, RVC_INPUT));
    int necalls;
    size_t n = rvc_sys_cases(cs, &necalls, &r);
    for (size_t k = 0; k < n; k++) {
        CU_ASSERT(rejected(&MX, &r, &cs[k]));
        /* the row whose (ts, last) no cpu ECALL cycle sends: the ecall bus
         * alone (RV_BUS_ECALL) */
        if (k + 2 == n) CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 11;"));
    }
    CU_ASSERT_EQUAL(necalls, RVC_NSYS);
    /* the first ECALL, not at cycle 0, claims to continue a call in parts
     * that the segment's start state began */
    size_t first = 0;
    while (r.tr.col[RV_COL_op][first] != RV_OP_ECALL) first++;
    CU_ASSERT_FATAL(first > 0);
    CU_ASSERT(rejected(&MX, &r, &(rvc_case){first, NULL, "a call in parts not at cycle 0", 1, rvc_et_cycle0}));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "ecall: a call in parts continues at cycle 0"));
    /* the k-th ECALL (rvc_sys_name): write(1), ENOSYS, read at end of file */
    static const struct {
        size_t k;
        rvc_etamper_fn f;
        const char *msg;
    } P[] = {{6, rvc_et_write_len, "ecall: write returns len"},
             {11, rvc_et_part_other, "ecall: only a passing read/write runs in parts"},
             {2, rvc_et_part_eof, "ecall: no part after end-of-file"}};
    for (size_t t = 0; t < sizeof P / sizeof *P; t++) {
        size_t row = 0, k = 0;
        for (; row < r.tr.nrows; row++)
            if (r.tr.col[RV_COL_op][row] == RV_OP_ECALL && k++ == P[t].k) break;
        CU_ASSERT_FATAL(row < r.tr.nrows);
        CU_ASSERT(rejected(&MX, &r, &(rvc_case){row, NULL, P[t].msg, 1, P[t].f}));
        if (!strstr(LASTMSG, P[t].msg)) fprintf(stderr, "expected '%s', got %s\n", P[t].msg, LASTMSG);
        CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, P[t].msg));
    }
    rvc_run_free(&r);
}

/* A segment that starts inside a read in parts, finishes it and ends with
 * the first part of a write (rv.h "System calls in parts"), on the test
 * machine and on one whose ecall table it fills: honest, it passes; each
 * altered part is rejected by the constraint it breaks. */
static void parts_on(const rvc_mach *x)
{
    static rvc_case cs[RVC_MAX_CASES];
    static const char *msgs[RVC_MAX_CASES];
    rvc_run r;
    CU_ASSERT_FATAL(rvc_parts_run(&r, x));
    CU_ASSERT_EQUAL(r.s.start.sys_done, 32);
    CU_ASSERT_EQUAL(r.s.end.sys_done, 8);
    CU_ASSERT_EQUAL(r.s.end.pc, r.tr.col[RV_COL_pc][r.tr.nrows - 1]);
    cairn_err e = rvc_check(x, &r);
    if (e) fprintf(stderr, "parts: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    size_t n = rvc_part_cases(cs, msgs, x, &r);
    for (size_t k = 0; k < n; k++) {
        CU_ASSERT(rejected(x, &r, &cs[k]));
        if (!strstr(LASTMSG, msgs[k])) fprintf(stderr, "%s: expected '%s', got %s\n", cs[k].what, msgs[k], LASTMSG);
        CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, msgs[k]));
    }
    rvc_run_free(&r);
}

static void test_parts(void)
{
    parts_on(&MX);
    rvc_mach px;
    CU_ASSERT_FATAL(rvc_mach_build_ec(&px, MX.po2, RVC_PARTS_EC_LOG) == CAIRN_OK);
    parts_on(&px);
    air_machine_free(px.m);
}

static size_t STALE_T;
static uint32_t STALE_V;

/* ADD x0, s2, x0 reads s2 = 222; claim the older 111 from its first write */
static void t_stale_reg(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    row[c->v1] = STALE_V;
    rv_mem_fill(&c->m_rs1, row, &lk, 8u * (uint32_t)(i + 1) + RV_SLOT_RS1, (uint32_t)STALE_T);
    row[c->vd] = rv_add_fill(&c->add, row, &lk, STALE_V, 0);
    rv_lookups_free(&lk);
}

/* LW x0, 8(s1) after SW: claim the word's value before the store (0) */
static void t_stale_load(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    row[c->dprev] = row[c->dnew] = row[c->rv] = row[c->vd] = 0;
    rv_mem_fill(&c->m_data, row, &lk, 8u * (uint32_t)(i + 1) + RV_SLOT_DATA, (uint32_t)STALE_T);
    rv_bitwise_fill(&c->bw, row, &lk, RV_AND, 0, 0);
    rv_lookups_free(&lk);
}

/* ADD x0, s2, x0 (second operand 0) claims SUB's sub-op flag, with the
 * comparator filled honestly: a - 0 is the same result, so only the decode
 * lookup can tell (the flag is not the class's). */
static void t_add_as_sub(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r, (void)i;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    row[c->dec.col + RV_DEC_C_SUB0 + RV_DEC_S_ADD] = 0;
    row[c->dec.col + RV_DEC_C_SUB0 + RV_DEC_S_SUB] = 1;
    rv_lt_fill(&c->lt, row, &lk, 0, (uint32_t)row[c->v1], 0);
    rv_lookups_free(&lk);
}

/* LBU of a byte below 128 claims to be LB: the same value. The unsigned
 * flag is funct3's (rv_air_decode.h), so the claim takes LB's funct3 0:
 * the fields then add up to another word than the one fetched at pc (the
 * memory bus) and name LB's class, not the counted LBU's (the decode
 * bus). */
static void t_lbu_as_lb(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r, (void)i;
    row[c->dec.col + RV_DEC_C_FUNCT3] = 0;
}

static void test_stale(void)
{
    static prog_t p;
    rvc_run r;
    rvc_ops_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, NULL));
    /* the two ADDI s2 writes and the ADD x0 read */
    size_t i = SIZE_MAX, w1 = SIZE_MAX;
    for (size_t k = 0; k < r.tr.nrows; k++) {
        if (r.tr.col[RV_COL_op][k] == RV_OP_ADDI && r.tr.col[RV_COL_rd][k] == S2 &&
            r.tr.col[RV_COL_rd_val][k] == 111)
            w1 = k;
        if (r.tr.col[RV_COL_op][k] == RV_OP_ADD && r.tr.col[RV_COL_rs1][k] == S2) i = k;
    }
    CU_ASSERT_FATAL(i != SIZE_MAX && w1 != SIZE_MAX);
    STALE_T = 8 * (w1 + 1) + RV_SLOT_RD;
    STALE_V = 111;
    CU_ASSERT(rejected(&MX, &r, &(rvc_case){i, t_stale_reg, "stale register read", 1, NULL}));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 1")); /* RV_BUS_MEM alone */
    /* the load of the stored word: its only older value is the start (ts 0) */
    size_t ld = SIZE_MAX;
    for (size_t k = 0; k < r.tr.nrows; k++)
        if (r.tr.col[RV_COL_op][k] == RV_OP_LW && r.tr.col[RV_COL_rd][k] == 0) ld = k;
    CU_ASSERT_FATAL(ld != SIZE_MAX);
    STALE_T = 0;
    CU_ASSERT(rejected(&MX, &r, &(rvc_case){ld, t_stale_load, "load missing the last store", 1, NULL}));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 1"));
    /* sub-op flags that are not the class's, on the ADD x0 row and on an
     * LBU of a byte below 128 */
    size_t lbu = SIZE_MAX;
    for (size_t k = 0; k < r.tr.nrows; k++)
        if (r.tr.col[RV_COL_op][k] == RV_OP_LBU && r.tr.col[RV_COL_rd_val][k] < 128) lbu = k;
    CU_ASSERT_FATAL(lbu != SIZE_MAX);
    CU_ASSERT(rejected(&MX, &r, &(rvc_case){i, t_add_as_sub, "ADD with SUB's flag", 1, NULL}));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 4;")); /* RV_BUS_DECODE alone */
    CU_ASSERT(rejected(&MX, &r, &(rvc_case){lbu, t_lbu_as_lb, "LBU as LB", 1, NULL}));
    /* the unsigned flag is funct3's: LB's funct3 changes the word, which
     * the fetch at pc no longer reads (RV_BUS_MEM, named first) */
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 1;"));
    rvc_run_free(&r);
}

int main(void)
{
    double t0 = now_sec();
    if (rvc_mach_build(&MX, 8) != CAIRN_OK) {
        fprintf(stderr, "machine: %s\n", cairn_last_error());
        return 1;
    }
    const air_table *t = MX.m->tables[RVC_CPU];
    fprintf(stderr, "cpu table: %u main columns (region R %u), 1 preprocessed, %zu constraints, %zu interactions (%.2f s)\n",
            MX.cpu.ncols, MX.cpu.rn, t->ncons, t->nints, now_sec() - t0);
    static const test_case cases[] = {{"honest traces", test_honest},
                                      {"altered op results rejected", test_wrong_ops},
                                      {"altered syscall results rejected", test_wrong_syscalls},
                                      {"calls in parts: honest and altered", test_parts},
                                      {"stale register / load, foreign sub-op flag rejected", test_stale},
                                      {NULL, NULL}};
    int rc = test_run_suite("rv_air_cpu", cases);
    air_machine_free(MX.m);
    return rc;
}
