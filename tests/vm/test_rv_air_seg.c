/* The whole RV32IM segment machine (vm/rv32im/rv_air.c): prove and verify
 * every segment of small hand-assembled programs (tests/vm/rvasm.h), with
 * the debug checker on before each proof, at po2 8..10.
 *
 *  - a loop with word/byte/half loads and stores and branches, a write to
 *    fd 1 and an exit code; a program with every M op (division by zero
 *    and INT_MIN / -1 included), read(0) with a short read that sets
 *    end-of-file, writes to fd 1 and 2. The claims chain from the image ID
 *    to a halted end state whose journal digest (recomputed here from the
 *    bytes written) and exit code are rv_execute's;
 *  - a claim with a wrong end or start digest, wrong cycles or another po2
 *    is rejected by rv_verify_segment;
 *  - a faulting segment (illegal instruction) is CAIRN_ERR_FAULT naming
 *    its pc; a segment touching more pages than the shape holds is
 *    CAIRN_ERR_LIMIT naming the page table.
 * Prints the figures of the shape (columns per table, cells per cycle,
 * LogUp columns) and the time and size of each proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "rvasm.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

#define DATA 0x00020000u
#define BUF 0x00030000u
#define MAX_SEG 16

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static stark_params g_prm;

/* ---- programs ---- */

#define MOP(f3, rd, a, b) ROP(1, f3, rd, a, b)

static void sys(prog_t *p, uint32_t num, uint32_t fd, uint32_t buf, uint32_t len)
{
    emit_li(p, A0, fd);
    emit_li(p, A1, buf);
    emit_li(p, A2, len);
    emit(p, ADDI(A7, ZERO, (int32_t)num));
    emit(p, ECALL);
}

/* 60 iterations of: store i, load it back as word, byte and half, add to
 * the accumulator, store a byte of it; then write 21 bytes of the data to
 * fd 1 and exit with acc & 0xff. ~650 cycles. */
static void loop_prog(prog_t *p)
{
    p->n = 0;
    emit_li(p, S0, DATA);
    emit(p, ADDI(S1, ZERO, 0));
    emit(p, ADDI(S2, ZERO, 60));
    emit(p, ADDI(S3, ZERO, 0));
    size_t loop = p->n;
    emit(p, SLLI(T0, S1, 2));
    emit(p, ADD(T0, T0, S0));
    emit(p, SW(S1, T0, 0));
    emit(p, LW(T1, T0, 0));
    emit(p, LBU(T2, T0, 0));
    emit(p, LH(T3, T0, 0));
    emit(p, ADD(S3, S3, T1));
    emit(p, ADD(S3, S3, T3));
    emit(p, SB(S3, T0, 513));
    emit(p, ADDI(S1, S1, 1));
    emit(p, BLT(S1, S2, -(int32_t)(4 * (p->n - loop))));
    sys(p, RV_SYS_WRITE, 1, DATA + 3, 21);
    emit(p, ANDI(A0, S3, 0xff));
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}

/* read(0) 10 bytes, every M op on words of them and on edge values, the
 * results xor-ed together, written to fd 1 (and 3 bytes to fd 2), a
 * read of 100 that returns the 6 bytes left (end-of-file), exit with the
 * xor. */
static void mdiv_prog(prog_t *p)
{
    p->n = 0;
    sys(p, RV_SYS_READ, 0, BUF + 1, 10);
    emit_li(p, S0, BUF);
    emit(p, LW(T0, S0, 0));
    emit(p, LW(T1, S0, 4));
    emit(p, ADDI(S3, ZERO, 0));
    for (uint32_t f3 = 0; f3 < 8; f3++) {
        emit(p, MOP(f3, T2, T0, T1));
        emit(p, ROP(0, 4, S3, S3, T2)); /* xor */
        emit(p, MOP(f3, T2, T1, ZERO)); /* by zero */
        emit(p, ROP(0, 4, S3, S3, T2));
    }
    emit_li(p, T3, 0x80000000u);
    emit(p, ADDI(T4, ZERO, -1));
    emit(p, MOP(4, T2, T3, T4)); /* INT_MIN / -1 */
    emit(p, ROP(0, 4, S3, S3, T2));
    emit(p, MOP(6, T2, T3, T4)); /* INT_MIN % -1 */
    emit(p, ROP(0, 4, S3, S3, T2));
    emit(p, MOP(1, T2, T3, T4)); /* MULH */
    emit(p, ROP(0, 4, S3, S3, T2));
    emit(p, SW(S3, S0, 16));
    sys(p, RV_SYS_WRITE, 1, BUF + 16, 4);
    sys(p, RV_SYS_WRITE, 2, BUF + 2, 3);
    sys(p, RV_SYS_READ, 0, BUF + 21, 100);
    sys(p, RV_SYS_WRITE, 1, BUF + 21, 6);
    emit_exit_reg(p, S3);
}

/* stores to 40 consecutive pages: more than the page table's 32 */
static void pages_prog(prog_t *p)
{
    p->n = 0;
    emit_li(p, S0, DATA);
    emit(p, ADDI(S1, ZERO, 40));
    size_t loop = p->n;
    emit(p, SW(S1, S0, 0));
    emit(p, ADDI(S0, S0, 1024));
    emit(p, ADDI(S1, S1, -1));
    emit(p, BNE(S1, ZERO, -(int32_t)(4 * (p->n - loop))));
    sys(p, RV_SYS_WRITE, 1, DATA, 5);
    emit_exit(p, 0);
}

static rv_program *load(const prog_t *p)
{
    static uint8_t data[64];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(0x30 + 3 * i);
    size_t len;
    uint8_t *e = prog_elf(&len, p, DATA, data, sizeof data, 4096);
    rv_program *prog = NULL;
    cairn_err err = rv_elf_load(&prog, e, len);
    free(e);
    return err ? NULL : prog;
}

/* ---- running ---- */

typedef struct {
    rv_snapshot seg[MAX_SEG];
    size_t nseg;
    uint8_t journal[1024];
    size_t njournal;
} runres;

static cairn_err keep_segment(void *arg, const rv_snapshot *s)
{
    runres *r = arg;
    if (r->nseg == MAX_SEG) return cairn_fail(CAIRN_ERR_LIMIT, "test: too many segments");
    uint8_t *enc;
    size_t len;
    FORWARD_IF_ERROR(rv_snapshot_encode(&enc, &len, s));
    cairn_err e = rv_snapshot_decode(&r->seg[r->nseg++], enc, len);
    free(enc);
    return e;
}

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    runres *r = arg;
    if (fd == 1 && r->njournal + len <= sizeof r->journal) {
        memcpy(r->journal + r->njournal, buf, len);
        r->njournal += len;
    }
}

static void runres_free(runres *r)
{
    for (size_t i = 0; i < r->nseg; i++) rv_snapshot_free(&r->seg[i]);
    memset(r, 0, sizeof *r);
}

static cairn_err run(runres *r, rv_result *res, const rv_program *prog, unsigned po2, const char *input)
{
    memset(r, 0, sizeof *r);
    rv_budget b;
    rv_air_budget(&b, po2);
    rv_config cfg = {.segment_po2 = po2, .budget = &b, .on_segment = keep_segment, .segment_arg = r,
                     .on_write = on_write, .write_arg = r, .input = (const uint8_t *)input,
                     .input_len = input ? strlen(input) : 0};
    return rv_execute(prog, &cfg, res);
}

/* The journal digest of a byte string, computed here from rv.h's
 * definition (chain over 16-byte blocks, tail, length). */
static void journal_digest(p2_digest *out, const uint8_t *b, size_t n)
{
    rv_state st;
    memset(&st, 0, sizeof st);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        p2_digest blk;
        for (int k = 0; k < 4; k++)
            blk.v[k] = (uint32_t)b[i + 4 * k] | (uint32_t)b[i + 4 * k + 1] << 8 |
                       (uint32_t)b[i + 4 * k + 2] << 16 | (uint32_t)b[i + 4 * k + 3] << 24;
        p2_compress(&st.journal_chain, &st.journal_chain, &blk);
    }
    for (size_t j = i; j < n; j++) st.journal_tail[(j - i) / 4] |= (uint32_t)b[j] << (8 * ((j - i) % 4));
    st.journal_len = n;
    rv_journal_digest(out, &st);
}

static int dig_eq(const p2_digest *a, const p2_digest *b) { return memcmp(a->v, b->v, sizeof a->v) == 0; }

/* Kept from the chain tests for the rejection tests. */
static struct {
    rv_seg_claim claim;
    uint8_t *proof;
    size_t len;
} g_kept;

/* Proves and verifies every segment of prog at po2, checks the chain. */
static size_t prove_chain(const prog_t *p, unsigned po2, const char *input, const char *name)
{
    rv_program *prog = load(p);
    CU_ASSERT_FATAL(prog != NULL);
    runres r;
    rv_result res;
    cairn_err e = run(&r, &res, prog, po2, input);
    if (e != CAIRN_OK) fprintf(stderr, "%s: run: %s\n", name, cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_FATAL(r.nseg >= 1);
    p2_digest id;
    CU_ASSERT_EQUAL_FATAL(rv_image_id(&id, prog), CAIRN_OK);
    p2_digest prev = id;
    for (size_t i = 0; i < r.nseg; i++) {
        rv_seg_claim c;
        uint8_t *proof = NULL;
        size_t len = 0;
        double t0 = now();
        e = rv_prove_segment(&proof, &len, &c, &r.seg[i], &g_prm);
        double t1 = now();
        if (e != CAIRN_OK) fprintf(stderr, "%s po2 %u seg %zu: prove: %s\n", name, po2, i, cairn_last_error());
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
        e = rv_verify_segment(&c, proof, len, &g_prm);
        double t2 = now();
        if (e != CAIRN_OK) fprintf(stderr, "%s po2 %u seg %zu: verify: %s\n", name, po2, i, cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        printf("  %-6s po2 %2u segment %zu: %4llu cycles, %2zu pages, prove %.2f s (check + prove), verify %.3f s, "
               "proof %zu bytes\n",
               name, po2, i, (unsigned long long)c.cycles, r.seg[i].npages, t1 - t0, t2 - t1, len);
        CU_ASSERT_EQUAL(c.po2, po2);
        CU_ASSERT_EQUAL(c.cycles, r.seg[i].cycles);
        CU_ASSERT(dig_eq(&c.start, &prev)); /* the chain: image ID, then each end */
        p2_digest d;
        rv_state_digest(&d, &r.seg[i].end);
        CU_ASSERT(dig_eq(&c.end, &d));
        prev = c.end;
        if (po2 == 8 && !g_kept.proof) {
            g_kept.claim = c;
            g_kept.proof = proof;
            g_kept.len = len;
        } else {
            free(proof);
        }
    }
    /* the end: halted, with rv_execute's exit code and journal */
    const rv_state *end = &r.seg[r.nseg - 1].end;
    p2_digest want;
    rv_state_digest(&want, &res.final);
    CU_ASSERT(dig_eq(&prev, &want));
    CU_ASSERT_EQUAL(end->halted, 1);
    CU_ASSERT_EQUAL(end->exit_code, res.final.exit_code);
    p2_digest jd, je;
    journal_digest(&jd, r.journal, r.njournal);
    rv_journal_digest(&je, end);
    CU_ASSERT(r.njournal > 0);
    CU_ASSERT(dig_eq(&jd, &je));
    const size_t nseg = r.nseg;
    runres_free(&r);
    rv_program_free(prog);
    return nseg;
}

static prog_t g_prog;

static void test_loop_prog(void)
{
    loop_prog(&g_prog);
    for (unsigned po2 = 8; po2 <= 10; po2++) prove_chain(&g_prog, po2, NULL, "loop");
}

static void test_mdiv_prog(void)
{
    mdiv_prog(&g_prog);
    for (unsigned po2 = 8; po2 <= 10; po2++) prove_chain(&g_prog, po2, "0123456789abcdef", "mdiv");
}

static void expect_reject(const rv_seg_claim *c, const char *what)
{
    cairn_err e = rv_verify_segment(c, g_kept.proof, g_kept.len, &g_prm);
    if (e == CAIRN_OK) fprintf(stderr, "%s: accepted\n", what);
    else printf("  %s: rejected: %.160s\n", what, cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
}

static void test_wrong_claims(void)
{
    CU_ASSERT_FATAL(g_kept.proof != NULL);
    CU_ASSERT_EQUAL(rv_verify_segment(&g_kept.claim, g_kept.proof, g_kept.len, &g_prm), CAIRN_OK);
    stark_params nocheck = g_prm; /* the checker is the prover's business, not the key's */
    nocheck.check_trace = 0;
    CU_ASSERT_EQUAL(rv_verify_segment(&g_kept.claim, g_kept.proof, g_kept.len, &nocheck), CAIRN_OK);
    rv_seg_claim c = g_kept.claim;
    c.end.v[0] = gl_add(c.end.v[0], 1);
    expect_reject(&c, "wrong end digest");
    c = g_kept.claim;
    c.start.v[3] = gl_add(c.start.v[3], 1);
    expect_reject(&c, "wrong start digest");
    c = g_kept.claim;
    c.cycles = c.cycles > 1 ? c.cycles - 1 : 2;
    expect_reject(&c, "wrong cycles");
    c = g_kept.claim;
    c.po2 = 9;
    expect_reject(&c, "another po2");
    c = g_kept.claim;
    c.po2 = 30;
    expect_reject(&c, "po2 out of range");
    /* a damaged proof */
    uint8_t *bad = malloc(g_kept.len);
    CU_ASSERT_FATAL(bad != NULL);
    memcpy(bad, g_kept.proof, g_kept.len);
    bad[g_kept.len / 2] ^= 1;
    cairn_err e = rv_verify_segment(&g_kept.claim, bad, g_kept.len, &g_prm);
    CU_ASSERT(e == CAIRN_ERR_VERIFY || e == CAIRN_ERR_FORMAT);
    free(bad);
}

/* A snapshot whose segment runs into an illegal instruction: rv_run
 * delivers no snapshot of a faulting segment, so take the first 16 cycles
 * (a po2-4 segment) of a program whose 17th instruction is illegal and
 * claim it as a full po2-8 segment. */
static void test_fault(void)
{
    prog_t *p = &g_prog;
    p->n = 0;
    for (int i = 0; i < 16; i++) emit(p, ADDI(T0, T0, 1));
    emit(p, 0xffffffffu);
    emit_exit(p, 0);
    rv_program *prog = load(p);
    CU_ASSERT_FATAL(prog != NULL);
    runres r;
    memset(&r, 0, sizeof r);
    rv_config cfg = {.segment_po2 = 4, .on_segment = keep_segment, .segment_arg = &r};
    rv_result res;
    CU_ASSERT_EQUAL(rv_execute(prog, &cfg, &res), CAIRN_ERR_FAULT);
    CU_ASSERT_FATAL(r.nseg == 1);
    r.seg[0].segment_po2 = 8;
    r.seg[0].cycles = 256;
    rv_seg_claim c;
    uint8_t *proof = NULL;
    size_t len = 0;
    cairn_err e = rv_prove_segment(&proof, &len, &c, &r.seg[0], &g_prm);
    printf("  fault: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_ERR_FAULT);
    CU_ASSERT(strstr(cairn_last_error(), "pc 0x00010040") != NULL);
    CU_ASSERT(strstr(cairn_last_error(), "0xffffffff") != NULL);
    CU_ASSERT(proof == NULL);
    runres_free(&r);
    rv_program_free(prog);
}

static void test_limit(void)
{
    pages_prog(&g_prog);
    rv_program *prog = load(&g_prog);
    CU_ASSERT_FATAL(prog != NULL);
    runres r;
    rv_result res;
    memset(&r, 0, sizeof r);
    rv_config cfg = {.segment_po2 = 8, .on_segment = keep_segment, .segment_arg = &r};
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_FATAL(r.nseg >= 1);
    CU_ASSERT(r.seg[0].npages > 32);
    rv_seg_claim c;
    uint8_t *proof = NULL;
    size_t len = 0;
    cairn_err e = rv_prove_segment(&proof, &len, &c, &r.seg[0], &g_prm);
    printf("  limit: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_ERR_LIMIT);
    CU_ASSERT(strstr(cairn_last_error(), "page table") != NULL);
    runres_free(&r);
    rv_program_free(prog);
}

/* The same program with rv_air_budget: the executor ends segments before
 * the pages (and the permutations they cost) overflow the shape, and every
 * segment, nearly full, proves; the chain still holds. */
static void test_budget(void)
{
    pages_prog(&g_prog);
    CU_ASSERT(prove_chain(&g_prog, 8, NULL, "pages") >= 2);
}

/* One read(0) of 300 bytes and one write(1) of them, each a single
 * system call over more io rows than a 2^8 segment has (64 words): with
 * rv_air_budget they run in parts across segments (rv.h "System calls in
 * parts"), and every segment proves; the chain ends with the journal and
 * exit code of the run (prove_chain). */
static void parts_prog(prog_t *p)
{
    p->n = 0;
    emit(p, ADDI(A0, ZERO, 0));
    emit_li(p, A1, DATA + 1);
    emit(p, ADDI(A2, ZERO, 300));
    emit(p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(p, ECALL);
    emit(p, ADDI(A2, A0, 0));
    emit(p, ADDI(A0, ZERO, 1));
    emit(p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(p, ECALL);
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}

static void test_parts(void)
{
    static char in[301];
    for (size_t i = 0; i < 300; i++) in[i] = (char)('a' + i % 26);
    parts_prog(&g_prog);
    CU_ASSERT(prove_chain(&g_prog, 8, in, "parts") >= 3);
}

/* Columns per table, base cells per cycle and LogUp columns at each po2
 * (the figures of docs/rv-air.md "Width budget"). */
static void test_shape(void)
{
    for (unsigned po2 = 8; po2 <= 10; po2 += 2) {
        const air_machine *m;
        CU_ASSERT_EQUAL_FATAL(rv_air_machine(&m, po2, &g_prm), CAIRN_OK);
        unsigned lh[AIR_MAX_TABLES];
        CU_ASSERT_EQUAL_FATAL(rv_air_heights(po2, lh), RV_AIR_NTABLES);
        CU_ASSERT_EQUAL_FATAL(m->ntables, RV_AIR_NTABLES);
        stark_pk *pk = NULL;
        stark_vk *vk = NULL;
        CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &g_prm), CAIRN_OK);
        double cells = 0, lu_cells = 0;
        printf("  po2 %u: table     rows  main  pre  ints  logup(ext cols)  main cells/cycle\n", po2);
        for (unsigned t = 0; t < m->ntables; t++) {
            const air_table *tb = m->tables[t];
            unsigned lu = stark_vk_logup_columns(vk, t);
            double c = (double)tb->nmain * (double)((size_t)1 << lh[t]) / (double)((size_t)1 << po2);
            cells += c;
            lu_cells += (double)lu * (double)((size_t)1 << lh[t]) / (double)((size_t)1 << po2);
            printf("         %-8s 2^%-2u %5u %4u %5zu %8u %17.2f\n", tb->name, lh[t], tb->nmain, tb->npre, tb->nints, lu,
                   c);
        }
        printf("  po2 %u: %.1f main cells per cycle, %.1f LogUp extension cells per cycle\n", po2, cells, lu_cells);
        /* the same machine (widths and LogUp columns do not depend on the
         * heights) at the segment sizes of docs/rv-air.md's figures */
        for (unsigned big = 18; po2 == 10 && big <= 20; big += 2) {
            unsigned lb[AIR_MAX_TABLES];
            CU_ASSERT_EQUAL_FATAL(rv_air_heights(big, lb), RV_AIR_NTABLES);
            double bc = 0, bl = 0, cpu = 0;
            unsigned lcols = 0;
            for (unsigned t = 0; t < m->ntables; t++) {
                const double f = (double)((size_t)1 << lb[t]) / (double)((size_t)1 << big);
                const unsigned lu = stark_vk_logup_columns(vk, t);
                bc += m->tables[t]->nmain * f;
                bl += lu * f;
                lcols += lu;
                if (t == RV_AIR_CPU) cpu = m->tables[t]->nmain * f;
            }
            printf("  po2 %u: %.2f main cells per cycle (cpu %.0f), %.2f LogUp extension cells per cycle, %u LogUp "
                   "extension columns\n",
                   big, bc, cpu, bl, lcols);
            CU_ASSERT(bc <= 100.0); /* issue 8's target */
        }
        rv_budget b;
        rv_air_budget(&b, po2);
        printf("  po2 %u budget: muldiv %llu, ecalls %llu, io words %llu, journal blocks %llu, pages %llu, nodes %llu, "
               "p2 %llu (fixed %llu)\n",
               po2, (unsigned long long)b.muldiv, (unsigned long long)b.ecalls, (unsigned long long)b.io_words,
               (unsigned long long)b.journal_blocks,
               (unsigned long long)b.pages, (unsigned long long)b.nodes, (unsigned long long)b.p2,
               (unsigned long long)b.p2_fixed);
        CU_ASSERT_EQUAL(b.pages * 32, (uint64_t)1 << lh[RV_AIR_PAGE]);
        CU_ASSERT(b.p2 >= 64 * b.pages / 2 + b.p2_fixed);
        stark_pk_free(pk);
        stark_vk_free(vk);
    }
    unsigned lh[AIR_MAX_TABLES];
    CU_ASSERT_EQUAL(rv_air_heights(3, lh), 0);
    CU_ASSERT_EQUAL(rv_air_heights(25, lh), 0);
}

static void test_release(void)
{
    free(g_kept.proof);
    g_kept.proof = NULL;
    rv_air_keys_release();
    rv_air_keys_release(); /* twice is fine */
}

int main(void)
{
    if (stark_params_preset(&g_prm, "test") != CAIRN_OK) return 1;
    g_prm.check_trace = 1;
    static const test_case cases[] = {{"loop program, po2 8..10", test_loop_prog},
                                      {"M ops and read(0), po2 8..10", test_mdiv_prog},
                                      {"wrong claims rejected", test_wrong_claims},
                                      {"illegal instruction is a fault", test_fault},
                                      {"too many pages is a limit", test_limit},
                                      {"budget-cut segments prove", test_budget},
                                      {"system calls in parts prove", test_parts},
                                      {"shape figures", test_shape},
                                      {"keys released", test_release},
                                      {NULL, NULL}};
    return test_run_suite("rv_air_seg", cases);
}
