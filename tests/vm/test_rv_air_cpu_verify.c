/* The verifier's side of test_rv_air_cpu.c: for every op of rv_op (the
 * ops program's first row of each, every alteration the checker test
 * makes: rd value, stored word, branch target and outcome, next pc) and
 * every syscall outcome (the syscalls program: read, short read, read at
 * end of file, read/write EBADF and EFAULT, zero-length read and write,
 * write(1) journal, write(2) debug, ENOSYS: result and outcome flag in the
 * ecall table; exit: its exit flag, a0, halted and exit code; and once
 * each a dropped io hand-off, a wrong byte counter and end-of-file, an
 * ECALL cycle without its ecall row, an ecall row no ECALL cycle sends,
 * a spurious row), the altered trace is proven (keys with the checker off,
 * lookup multiplicities recounted as a cheating prover would set them) and
 * stark_verify must reject the proof with CAIRN_ERR_VERIFY naming a check.
 * The honest proofs of both programs verify, so a rejection is due to the
 * alteration alone. CAIRN_TEST_VERBOSE=1 prints the check that fired for
 * each; a summary counts them. Under the sanitizer build
 * (CAIRN_SANITIZE_RUN=1), which looks for memory errors and not for
 * coverage (the release run covers every op), one op of each family and
 * three ECALLs get their first alteration only, plus the unmatched ecall
 * row. The same at blowup 4, where the machine's LogUp interactions group
 * four per helper column (stark_lu_degree: the segment machine at
 * proven-100): the honest proofs verify and the first alteration of one op
 * per family and of three ECALLs are rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_cpu_mach.h"
#include "stark/stark_internal.h"

/* 2^7 cycles hold either program (the syscalls one runs 103) */
#define PO2 7

static rvc_mach MX;
static stark_pk *PK;
static stark_vk *VK;
/* the machine and keys proofs are made with (MX's, but for test_parts) */
static const rvc_mach *X = &MX;
static int VERBOSE, FEW;

/* the verifier's messages, counted by the check they name */
static const char *const CHECKS[] = {"constraint at zeta mismatch", "LogUp buses do not balance",
                                     "Merkle", "FRI", "DEEP"};
#define NCHECKS (sizeof CHECKS / sizeof CHECKS[0])
static unsigned FIRED[NCHECKS + 1];
static unsigned PROOFS;
static double PROVE_S;
static stark_prove_stats SPLIT; /* summed */

/* Proves r as it is (the checker off: an altered trace proves) and
 * verifies at its heights; the verifier's result, its message in msg. */
static cairn_err prove_verify(rvc_run *r, char *msg, size_t cap)
{
    stark_trace tt[RVC_NT];
    rvc_as_stark(tt, r);
    uint8_t *proof = NULL;
    size_t len = 0;
    double t0 = now_sec();
    cairn_err e = stark_prove(PK, tt, r->pub, RV_CPU_NPUB, &proof, &len);
    PROVE_S += now_sec() - t0;
    PROOFS++;
    const stark_prove_stats *st = stark_last_prove_stats();
    SPLIT.t_main += st->t_main, SPLIT.t_logup += st->t_logup, SPLIT.t_quotient += st->t_quotient;
    SPLIT.t_open += st->t_open, SPLIT.t_fri += st->t_fri, SPLIT.t_queries += st->t_queries;
    if (e != CAIRN_OK) fprintf(stderr, "prover: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    unsigned h[AIR_MAX_TABLES] = {0};
    for (unsigned t = 0; t < RVC_NT; t++) h[t] = tt[t].log_n;
    e = stark_verify(VK, r->pub, RV_CPU_NPUB, proof, len, h);
    snprintf(msg, cap, "%s", e == CAIRN_OK ? "accepted" : cairn_last_error());
    free(proof);
    return e;
}

/* Proves the run with alteration c applied: the verifier must reject it. */
static void expect_rejected(rvc_run *r, const rvc_case *c, const char *name)
{
    gl_t *save = malloc(rvc_cpu_bytes(X));
    CU_ASSERT_FATAL(save != NULL);
    rvc_apply(X, r, c, save);
    char msg[512];
    cairn_err e = prove_verify(r, msg, sizeof msg);
    rvc_undo(X, r, save);
    free(save);
    if (e != CAIRN_ERR_VERIFY)
        fprintf(stderr, "%s: %s (cycle %zu): the verifier says %s (%d), expected a rejection\n", name, c->what,
                c->row, msg, (int)e);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    if (e != CAIRN_ERR_VERIFY) return;
    size_t k = 0;
    while (k < NCHECKS && !strstr(msg, CHECKS[k])) k++;
    FIRED[k]++;
    if (VERBOSE) fprintf(stderr, "  %-8s %-16s cycle %3zu: %s\n", name, c->what, c->row, msg);
}

static void expect_accepted(rvc_run *r, const char *what)
{
    char msg[512];
    CU_ASSERT_EQUAL(rvc_check(X, r), CAIRN_OK);
    cairn_err e = prove_verify(r, msg, sizeof msg);
    if (e != CAIRN_OK) fprintf(stderr, "honest %s: the verifier says %s\n", what, msg);
    CU_ASSERT_EQUAL(e, CAIRN_OK);
}

/* The sanitizer run's ops: one per family of the cpu table's rules. */
static int few_op(rv_op op)
{
    static const rv_op pick[] = {RV_OP_LUI, RV_OP_AUIPC, RV_OP_JAL, RV_OP_JALR, RV_OP_BNE, RV_OP_BGEU,
                                 RV_OP_LB,  RV_OP_LHU,   RV_OP_LW,  RV_OP_SB,   RV_OP_SW,  RV_OP_ADDI,
                                 RV_OP_SUB, RV_OP_SLTU,  RV_OP_XOR, RV_OP_SRA,  RV_OP_MULH, RV_OP_REM,
                                 RV_OP_FENCE};
    for (size_t i = 0; i < sizeof pick / sizeof *pick; i++)
        if (pick[i] == op) return 1;
    return 0;
}

static void test_ops(void)
{
    static prog_t p;
    static rvc_case cs[RVC_MAX_CASES];
    rvc_run r;
    rvc_ops_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, NULL));
    expect_accepted(&r, "ops program");
    int nops, proven[RV_NOPS] = {0};
    size_t n = rvc_op_cases(cs, &nops, &r);
    for (size_t k = 0; k < n; k++) {
        rv_op op = (rv_op)r.tr.col[RV_COL_op][cs[k].row];
        if (FEW && (!cs[k].first || !few_op(op))) continue;
        expect_rejected(&r, &cs[k], rv_op_name(op));
        proven[op] = 1;
    }
    /* every op of rv_op but ILLEGAL/EBREAK (faults: no proof) and ECALL (below) */
    for (int op = RV_OP_LUI; op <= RV_OP_FENCE; op++) {
        if (FEW && !few_op((rv_op)op)) continue;
        if (!proven[op]) fprintf(stderr, "op %s: no altered proof\n", rv_op_name((rv_op)op));
        CU_ASSERT(proven[op]);
    }
    rvc_run_free(&r);
}

static void test_syscalls(void)
{
    static prog_t p;
    static rvc_case cs[RVC_MAX_CASES];
    rvc_run r;
    rvc_sys_prog(&p);
    CU_ASSERT_FATAL(rvc_run_make(&r, &MX, &p, RVC_INPUT));
    expect_accepted(&r, "syscalls program");
    int necalls;
    size_t n = rvc_sys_cases(cs, &necalls, &r);
    CU_ASSERT_EQUAL_FATAL(necalls, RVC_NSYS);
    /* the ecall table's structural alterations, repeated for several
     * ECALLs in the checker's test, are proven once each here (the same
     * rule fails for each); every other alteration of every ECALL is */
    static const char *const ONCE[] = {"io hand-off dropped", "byte counter", "ecall row missing"};
    int done[3] = {0, 0, 0};
    size_t ecall = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && cs[k].first) ecall++;
        const int unmatched = k + 2 == n; /* the ecall bus alone (rvc_sys_cases) */
        /* sanitizer run: the first, a middle and the last ECALL, and the
         * unmatched row */
        if (FEW && !unmatched && (!cs[k].first || (ecall != 0 && ecall != RVC_NSYS / 2 && ecall + 1 != RVC_NSYS)))
            continue;
        int skip = 0;
        for (size_t o = 0; o < 3; o++)
            if (!strcmp(cs[k].what, ONCE[o])) skip = done[o]++;
        if (skip) continue;
        expect_rejected(&r, &cs[k], k + 2 >= n ? "ENOSYS" : rvc_sys_name(ecall));
    }
    CU_ASSERT_EQUAL(ecall + 1, RVC_NSYS);
    rvc_run_free(&r);
}

/* A segment inside calls in parts (rvc_parts_run): its honest proof
 * verifies; the proofs of an altered ecall row (bytes done), of an ENOSYS
 * row that claims bytes done, of a cpu that runs a whole call where the
 * ecall row has a part (the ECALL bus's third element alone), and of a
 * part that breaks off (followed by padding; on a machine whose ecall
 * table the segment fills, on its last row) are rejected (the sanitizer
 * run: the first, the bus case and the last). The
 * checker's test rejects every alteration by name. */
static void parts_on(const rvc_mach *x, int all)
{
    static rvc_case cs[RVC_MAX_CASES];
    static const char *msgs[RVC_MAX_CASES];
    rvc_run r;
    CU_ASSERT_FATAL(rvc_parts_run(&r, x));
    expect_accepted(&r, "calls in parts");
    size_t n = rvc_part_cases(cs, msgs, x, &r);
    for (size_t k = 0; k < n; k++)
        if ((all && k == 0) || k + 1 == n || (all && !FEW && k + 2 == n) || (all && strstr(msgs[k], "balance")))
            expect_rejected(&r, &cs[k], "parts");
    rvc_run_free(&r);
}

static void test_parts(void)
{
    parts_on(&MX, 1);
    rvc_mach px;
    stark_params prm;
    stark_pk *pk = NULL, *pk0 = PK;
    stark_vk *vk = NULL, *vk0 = VK;
    CU_ASSERT_FATAL(rvc_mach_build_ec(&px, PO2, RVC_PARTS_EC_LOG) == CAIRN_OK);
    CU_ASSERT_FATAL(stark_params_preset(&prm, "test") == CAIRN_OK);
    prm.check_trace = 0;
    CU_ASSERT_FATAL(stark_setup(&pk, &vk, px.m, &prm) == CAIRN_OK);
    X = &px, PK = pk, VK = vk;
    parts_on(&px, 0);
    X = &MX, PK = pk0, VK = vk0;
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(px.m);
}

static void test_groups_of_four(void)
{
    stark_params prm;
    stark_pk *pk0 = PK;
    stark_vk *vk0 = VK;
    CU_ASSERT_FATAL(stark_params_preset(&prm, "test") == CAIRN_OK);
    prm.check_trace = 0;
    prm.log_blowup = 2;
    CU_ASSERT_FATAL(stark_setup(&PK, &VK, MX.m, &prm) == CAIRN_OK);
    CU_ASSERT_EQUAL(VK->max_lu_degree, 5);
    CU_ASSERT_EQUAL(VK->group_size[RVC_CPU][0], 4);
    const int few = FEW;
    FEW = 1;
    test_ops();
    test_syscalls();
    FEW = few;
    stark_pk_free(PK);
    stark_vk_free(VK);
    PK = pk0, VK = vk0;
}

int main(void)
{
    VERBOSE = getenv("CAIRN_TEST_VERBOSE") != NULL;
    FEW = getenv("CAIRN_SANITIZE_RUN") != NULL;
    stark_params prm;
    double t0 = now_sec();
    if (rvc_mach_build(&MX, PO2) != CAIRN_OK || stark_params_preset(&prm, "test") != CAIRN_OK ||
        (prm.check_trace = 0, stark_setup(&PK, &VK, MX.m, &prm)) != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        air_machine_free(MX.m);
        return 1;
    }
    fprintf(stderr, "cpu test machine at 2^%u cycles, preset test, keys in %.2f s%s\n", PO2, now_sec() - t0,
            FEW ? "; sanitizer run: first alteration of one op per family and of 3 ECALLs, an unmatched ecall row"
                : "");
    static const test_case cases[] = {{"altered op results: proofs rejected", test_ops},
                                      {"altered syscall outcomes: proofs rejected", test_syscalls},
                                      {"calls in parts: honest proof accepted, altered rejected", test_parts},
                                      {"LogUp groups of four (blowup 4): honest accepted, altered rejected",
                                       test_groups_of_four},
                                      {NULL, NULL}};
    int rc = test_run_suite("rv_air_cpu_verify", cases);
    fprintf(stderr, "%u proofs (%.1f s proving, %.2f s each):", PROOFS, PROVE_S, PROOFS ? PROVE_S / PROOFS : 0);
    for (size_t k = 0; k <= NCHECKS; k++)
        if (FIRED[k]) fprintf(stderr, " %s %u;", k < NCHECKS ? CHECKS[k] : "other", FIRED[k]);
    fprintf(stderr, "\nprover split: main %.1f s, LogUp %.1f s, quotient %.1f s, openings %.1f s, FRI %.1f s, queries %.1f s\n",
            SPLIT.t_main, SPLIT.t_logup, SPLIT.t_quotient, SPLIT.t_open, SPLIT.t_fri, SPLIT.t_queries);
    stark_pk_free(PK);
    stark_vk_free(VK);
    air_machine_free(MX.m);
    return rc;
}
