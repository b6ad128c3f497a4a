/* Segment budgets (rv.h rv_budget): with a budget the executor ends a
 * segment before the instruction that would take any count past its limit.
 * For programs that touch many pages, pages far apart (Merkle nodes), do
 * many M ops, read input and write the journal, every segment is checked
 * from its snapshot alone (its trace recounts what the AIR tables would
 * hold): each count is within its limit, a segment that ended early could
 * not have taken its next instruction (the next segment's first one)
 * without passing a limit, every snapshot round-trips and re-executes to
 * its end state, and the run ends where the run without a budget ends. One
 * instruction that cannot fit an empty segment fails with CAIRN_ERR_LIMIT
 * naming the budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rvasm.h"
#include "seg_prog.h"
#include "testutil.h"
#include "guest/include/cairn_guest.h"
#include "vm/rv32im/rv_air.h"
#include "vm/rv32im/rv_air_io.h"

enum { C_MULDIV, C_ECALL, C_IO, C_JOURNAL, C_PAGES, C_NODES, C_P2, NC };
static const char *const CNAME[NC] = {"muldiv", "ecalls", "io_words", "journal_blocks", "pages", "nodes", "p2"};

static void limits(uint64_t lim[NC], const rv_budget *b)
{
    lim[C_MULDIV] = b->muldiv;
    lim[C_ECALL] = b->ecalls;
    lim[C_IO] = b->io_words;
    lim[C_JOURNAL] = b->journal_blocks;
    lim[C_PAGES] = b->pages;
    lim[C_NODES] = b->nodes;
    lim[C_P2] = b->p2;
}

/* Distinct (level, page >> level), levels 1..22, of a sorted page set:
 * the Merkle nodes on the union of their paths. */
static uint64_t path_nodes(const uint32_t *pg, size_t n)
{
    uint64_t k = 0;
    for (unsigned l = 1; l <= RV_TREE_DEPTH; l++)
        for (size_t i = 0; i < n; i++)
            if (i == 0 || (pg[i] >> l) != (pg[i - 1] >> l)) k++;
    return k;
}

static int is_mop(uint32_t op) { return op >= RV_OP_MUL && op <= RV_OP_REMU; }

static void finish_p2(uint64_t c[NC], const rv_budget *b)
{
    c[C_P2] = 64 * c[C_PAGES] + 2 * c[C_NODES] + c[C_JOURNAL] + b->p2_fixed;
}

typedef struct {
    rv_budget b;
    unsigned po2;
    int bad;
    uint64_t nseg, early;
    uint64_t bind[NC]; /* early ends by the count the next instruction would pass */
    rv_trace tr;
    rv_state prev_end;
    /* the previous segment, for its next instruction */
    int prev_early;
    uint64_t prev_c[NC];
    uint32_t *prev_pages;
    size_t prev_npages;
    uint64_t prev_jstart, prev_J;
    uint64_t max_c[NC];
    uint64_t ref_segments; /* of the run without a budget */
    uint64_t parts;        /* segments that end with a system call part */
} bud_ctx;

static int g_quiet; /* sweeps: shorter checks, no line per run */
static int g_sanitize; /* CAIRN_SANITIZE_RUN: see check_segment */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "segment %llu: ", (unsigned long long)s->index);                           \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        c->bad++;                                                                                  \
    } while (0)

/* The previous segment ended early before this segment's first
 * instruction: with that instruction it would pass a limit. */
static void check_next_insn(bud_ctx *c, const rv_snapshot *s)
{
    const rv_trace *t = &c->tr;
    uint32_t add[3 + 64];
    size_t nadd = 0;
    add[nadd++] = t->col[RV_COL_pc][0] >> RV_PAGE_LOG;
    if (t->col[RV_COL_mem_width][0]) add[nadd++] = t->col[RV_COL_mem_addr][0] >> RV_PAGE_LOG;
    uint64_t io = 0, jb = 0;
    for (size_t r = 0; r < t->io_nrows && t->io_col[RV_IO_cycle][r] == 0; r++) {
        io++;
        if (t->io_col[RV_IO_fd][r] == 1) jb += (uint64_t)__builtin_popcount(t->io_col[RV_IO_mask][r]);
        uint32_t pg = t->io_col[RV_IO_addr][r] >> RV_PAGE_LOG;
        if (nadd < sizeof add / sizeof add[0] && add[nadd - 1] != pg) add[nadd++] = pg;
    }
    /* union of the previous pages and these, sorted */
    size_t n = c->prev_npages;
    uint32_t *u = malloc((n + nadd) * sizeof *u);
    memcpy(u, c->prev_pages, n * sizeof *u);
    for (size_t i = 0; i < nadd; i++) {
        size_t j = 0;
        while (j < n && u[j] < add[i]) j++;
        if (j < n && u[j] == add[i]) continue;
        memmove(u + j + 1, u + j, (n - j) * sizeof *u);
        u[j] = add[i];
        n++;
    }
    uint64_t nc[NC];
    nc[C_MULDIV] = c->prev_c[C_MULDIV] + is_mop(t->col[RV_COL_op][0]);
    nc[C_ECALL] = c->prev_c[C_ECALL] + (t->col[RV_COL_op][0] == RV_OP_ECALL);
    nc[C_IO] = c->prev_c[C_IO] + io;
    nc[C_JOURNAL] = rv_journal_rows(c->prev_jstart, c->prev_J + jb);
    nc[C_PAGES] = n;
    nc[C_NODES] = path_nodes(u, n);
    finish_p2(nc, &c->b);
    free(u);
    uint64_t lim[NC];
    limits(lim, &c->b);
    int over = -1;
    for (int i = 0; i < NC && over < 0; i++)
        if (lim[i] && nc[i] > lim[i]) over = i;
    if (over < 0)
        FAIL("the previous segment ended early, but its next instruction (pc 0x%08x) fits", t->col[RV_COL_pc][0]);
    else
        c->bind[over]++;
}

static cairn_err check_segment(void *arg, const rv_snapshot *s)
{
    bud_ctx *c = arg;
    if (s->index != c->nseg) FAIL("index");
    if (!rv_state_eq(&s->start, &c->prev_end)) FAIL("start state is not the previous end");
    /* a segment that ends with a part of a system call ends because the
     * call's next byte does not fit (rv.h "System calls in parts"): the
     * next segment starts by continuing it, at the same ECALL */
    const int part = s->end.sys_done != 0;
    const int early = !part && !s->end.halted && s->cycles < (1ull << c->po2);
    c->parts += part;
    if (!s->end.halted && s->cycles > (1ull << c->po2)) FAIL("too long");
    /* re-execution, directly and after the canonical encoding (in
     * sweeps only by the trace build below, which checks the same) */
    rv_state end;
    if (g_quiet) goto counts;
    /* Under the sanitizers each re-execution maps and poisons a fresh
     * 32 MiB page table: the first 16 segments of a run and every 16th
     * after are enough to look for memory errors there. */
    if (g_sanitize && c->nseg >= 16 && c->nseg % 16) goto counts;
    cairn_err err = rv_reexecute(s, &end, NULL);
    if (err != CAIRN_OK || !rv_state_eq(&end, &s->end)) FAIL("re-execution: %s", err ? cairn_last_error() : "other end");
    uint8_t *enc;
    size_t len;
    if (rv_snapshot_encode(&enc, &len, s) != CAIRN_OK) {
        FAIL("encode");
    } else {
        rv_snapshot d;
        if (rv_snapshot_decode(&d, enc, len) != CAIRN_OK) {
            FAIL("decode: %s", cairn_last_error());
        } else {
            if (rv_reexecute(&d, &end, NULL) != CAIRN_OK || !rv_state_eq(&end, &s->end))
                FAIL("re-execution of the decoded snapshot");
            rv_snapshot_free(&d);
        }
        free(enc);
    }
counts:
    /* the counts, from the snapshot and its trace */
    if (rv_trace_build(&c->tr, s) != CAIRN_OK) {
        FAIL("trace: %s", cairn_last_error());
        return CAIRN_OK;
    }
    uint64_t k[NC] = {0};
    for (size_t r = 0; r < c->tr.nrows; r++) {
        k[C_MULDIV] += is_mop(c->tr.col[RV_COL_op][r]);
        k[C_ECALL] += c->tr.col[RV_COL_op][r] == RV_OP_ECALL;
    }
    k[C_IO] = c->tr.io_nrows;
    const uint64_t J = s->end.journal_len - s->start.journal_len;
    k[C_JOURNAL] = rv_journal_rows(s->start.journal_len, J);
    k[C_PAGES] = s->npages;
    k[C_NODES] = path_nodes(s->page_index, s->npages);
    finish_p2(k, &c->b);
    uint64_t lim[NC];
    limits(lim, &c->b);
    for (int i = 0; i < NC; i++) {
        if (lim[i] && k[i] > lim[i])
            FAIL("%s %llu over the limit %llu", CNAME[i], (unsigned long long)k[i], (unsigned long long)lim[i]);
        if (k[i] > c->max_c[i]) c->max_c[i] = k[i];
    }
    {
        /* the trace's ECALL rows of parts (rv.h "ECALL rows"): the last
         * row of a segment that ends with a part stays on its pc with
         * a0 unchanged; a segment that starts in one begins with it */
        const rv_trace *t = &c->tr;
        const size_t l = t->nrows - 1;
        if (part && (t->col[RV_COL_op][l] != RV_OP_ECALL || t->col[RV_COL_next_pc][l] != t->col[RV_COL_pc][l] ||
                     t->col[RV_COL_mem_after][l] != s->end.sys_done ||
                     t->col[RV_COL_rd_val][l] != t->col[RV_COL_rs2_val][l]))
            FAIL("the segment ends with a part, its last trace row is no part");
        if (s->start.sys_done && (t->col[RV_COL_op][0] != RV_OP_ECALL || t->col[RV_COL_mem_before][0] != s->start.sys_done))
            FAIL("the segment starts in a call in parts, its first trace row does not continue it");
    }
    if (c->prev_early) check_next_insn(c, s);
    /* this segment becomes the previous one */
    c->prev_early = early;
    c->early += early;
    memcpy(c->prev_c, k, sizeof k);
    free(c->prev_pages);
    c->prev_pages = malloc((s->npages ? s->npages : 1) * sizeof *c->prev_pages);
    memcpy(c->prev_pages, s->page_index, s->npages * sizeof *c->prev_pages);
    c->prev_npages = s->npages;
    c->prev_jstart = s->start.journal_len;
    c->prev_J = J;
    c->prev_end = s->end;
    c->nseg++;
    return CAIRN_OK;
}

/* Runs prog with budget b (checking every segment) and without, and
 * compares the two runs. Returns the context for further checks. */
static void run_both(bud_ctx *c, const rv_program *prog, unsigned po2, const rv_budget *b, const uint8_t *in,
                     size_t in_len)
{
    memset(c, 0, sizeof *c);
    c->b = *b;
    c->po2 = po2;
    rv_config cfg = {.segment_po2 = po2, .budget = b, .input = in, .input_len = in_len, .on_segment = check_segment,
                     .segment_arg = c};
    rv_machine *m;
    CU_ASSERT_EQUAL_FATAL(rv_machine_new(&m, prog, &cfg), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_machine_state(m, &c->prev_end), CAIRN_OK);
    rv_result res;
    cairn_err err = rv_run(m, &res);
    if (err) fprintf(stderr, "budgeted run: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(err, CAIRN_OK);
    rv_machine_free(m);
    CU_ASSERT_EQUAL(c->bad, 0);
    CU_ASSERT_EQUAL(res.segments, c->nseg);
    CU_ASSERT(rv_state_eq(&res.final, &c->prev_end));
    CU_ASSERT_EQUAL(res.final.halted, 1);
    /* the same computation as without a budget */
    rv_config plain = {.segment_po2 = po2, .input = in, .input_len = in_len};
    rv_result ref;
    CU_ASSERT_EQUAL(rv_execute(prog, &plain, &ref), CAIRN_OK);
    CU_ASSERT(rv_state_eq(&res.final, &ref.final));
    /* a call in k parts is k cycles; it retires once */
    CU_ASSERT_EQUAL(res.cycles, ref.cycles + c->parts);
    CU_ASSERT(res.segments >= ref.segments);
    c->ref_segments = ref.segments;
    if (g_quiet) goto done;
    fprintf(stderr, "  %llu cycles: %llu segments (%llu without the budget), %llu ended early, %llu by a part; max",
            (unsigned long long)res.cycles, (unsigned long long)res.segments, (unsigned long long)ref.segments,
            (unsigned long long)c->early, (unsigned long long)c->parts);
    for (int i = 0; i < NC; i++) fprintf(stderr, " %s %llu", CNAME[i], (unsigned long long)c->max_c[i]);
    fprintf(stderr, "; ends by");
    for (int i = 0; i < NC; i++)
        if (c->bind[i]) fprintf(stderr, " %s %llu", CNAME[i], (unsigned long long)c->bind[i]);
    fputc('\n', stderr);
done:
    rv_trace_free(&c->tr);
    free(c->prev_pages);
    c->prev_pages = NULL;
}

#define DATA 0x00100000u

/* (a) straight-line code over 10 code pages; the first instruction of
 * each stores to a fresh data page, so near the limit one instruction
 * needs two new pages (its fetch and its store) */
static void test_pages_fetch_and_store(void)
{
    static prog_t p;
    p.n = 0;
    enum { NPAGES = 10 };
    emit_li(&p, S1, 0x5a5a);
    emit_li(&p, T0, DATA);
    while (p.n < RV_PAGE_WORDS) emit(&p, ADDI(ZERO, ZERO, 0));
    for (uint32_t k = 0; k < NPAGES; k++) {
        emit(&p, SW(S1, T0, 8));
        emit(&p, ADDI(S1, S1, 1));
        while (p.n % RV_PAGE_WORDS != RV_PAGE_WORDS - 3) emit(&p, ADDI(ZERO, ZERO, 0));
        emit_li(&p, T0, DATA + (k + 1) * 3 * RV_PAGE_BYTES);
        emit(&p, ADDI(ZERO, ZERO, 0));
    }
    emit_exit_reg(&p, S1);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.pages = 5};
    bud_ctx c;
    run_both(&c, prog, 12, &b, NULL, 0);
    CU_ASSERT(c.early >= 3);
    CU_ASSERT(c.bind[C_PAGES] >= 3);
    CU_ASSERT_EQUAL(c.max_c[C_PAGES], 5);
    rv_program_free(prog);
}

/* (a) a loop storing to and loading from 40 pages, then loading them
 * again in another order */
static void test_pages_loop(void)
{
    static prog_t p;
    p.n = 0;
    emit_li(&p, S0, DATA);
    emit(&p, ADDI(S1, ZERO, 0));
    emit(&p, ADDI(S2, ZERO, 40));
    emit(&p, ADDI(S3, ZERO, 0));
    size_t loop = p.n;
    emit(&p, SLLI(T0, S1, 10));
    emit(&p, ADD(T0, T0, S0));
    emit(&p, SW(S1, T0, 4));
    emit(&p, LW(T1, T0, 8));
    emit(&p, ADD(S3, S3, T1));
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit(&p, ADDI(S1, ZERO, 0));
    loop = p.n; /* page (7 i) mod 40 */
    emit(&p, ADDI(T2, ZERO, 7));
    emit(&p, MUL(T0, S1, T2));
    emit(&p, ROP(1, 6, T0, T0, S2)); /* rem */
    emit(&p, SLLI(T0, T0, 10));
    emit(&p, ADD(T0, T0, S0));
    emit(&p, LW(T1, T0, 4));
    emit(&p, ADD(S3, S3, T1));
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit_exit_reg(&p, S3);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.pages = 4};
    bud_ctx c;
    run_both(&c, prog, 10, &b, NULL, 0);
    CU_ASSERT(c.bind[C_PAGES] >= 20);
    CU_ASSERT_EQUAL(c.max_c[C_PAGES], 4);
    CU_ASSERT_EQUAL(c.bad, 0);
    rv_program_free(prog);
}

/* (b) M ops: 3 per iteration, a limit that is not a multiple of 3 */
static void test_muldiv(void)
{
    static prog_t p;
    p.n = 0;
    emit(&p, ADDI(S1, ZERO, 0));
    emit_li(&p, S2, 400);
    emit(&p, ADDI(T0, ZERO, 7));
    emit(&p, ADDI(S3, ZERO, 1));
    size_t loop = p.n;
    emit(&p, MUL(S3, S3, T0));
    emit(&p, ADDI(S3, S3, 1));
    emit(&p, ROP(1, 5, T1, S3, T0)); /* divu */
    emit(&p, ROP(1, 6, T2, S3, T0)); /* rem */
    emit(&p, ADD(S3, S3, T1));
    emit(&p, ADD(S3, S3, T2));
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit_exit_reg(&p, S3);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.muldiv = 25};
    bud_ctx c;
    run_both(&c, prog, 10, &b, NULL, 0);
    CU_ASSERT_EQUAL(c.bind[C_MULDIV], c.early);
    CU_ASSERT(c.early >= 40);
    CU_ASSERT_EQUAL(c.max_c[C_MULDIV], 25);
    rv_program_free(prog);
}

/* (c) read(0) 37 bytes to an unaligned, moving buffer and write(1) what
 * was read, until the input runs out, then a few empty rounds */
/* count times: read len bytes of input to base + (i & mask), then write
 * what was read to the journal from there */
static rv_program *io_program_at(int32_t count, uint32_t base, int32_t mask, int32_t len)
{
    static prog_t p;
    p.n = 0;
    emit(&p, ADDI(S1, ZERO, 0));
    emit(&p, ADDI(S2, ZERO, count));
    size_t loop = p.n;
    emit(&p, ANDI(T0, S1, mask));
    emit_li(&p, S0, base);
    emit(&p, ADD(S0, S0, T0));
    emit(&p, ADDI(A0, ZERO, 0));
    emit(&p, ADDI(A1, S0, 0));
    emit(&p, ADDI(A2, ZERO, len));
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit(&p, ADDI(A2, A0, 0));
    emit(&p, ADDI(A0, ZERO, 1));
    emit(&p, ADDI(A1, S0, 0));
    emit(&p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(&p, ECALL);
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit_exit(&p, 0);
    return prog_load(&p);
}

static rv_program *io_program(void) { return io_program_at(30, DATA + 1, 15, 37); }

static uint8_t g_input[700];

/* The guest runtime splits every read and write into system calls of at
 * most CAIRN_IO_CHUNK bytes so that each fits a segment of any size
 * (guest/include/cairn_guest.h). A read and a journal write of that many
 * bytes at each alignment, across a page boundary, at every segment size
 * with the proof's budget (rv_air_budget): the run completes (run_both
 * fails on CAIRN_ERR_LIMIT) and the same as without a budget. */
static void test_guest_io_chunk(void)
{
    /* (such calls fit an empty segment: they end segments, never run in
     * parts; rv.h "System calls in parts") */
    /* 16 bytes before a page boundary, at offsets 0..3 */
    rv_program *prog = io_program_at(4, DATA + 0x3f0, 3, CAIRN_IO_CHUNK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    static uint8_t in[4 * CAIRN_IO_CHUNK];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 13 + 5);
    for (unsigned po2 = RV_MIN_SEGMENT_PO2; po2 <= 12; po2++) {
        rv_budget b;
        rv_air_budget(&b, po2);
        bud_ctx c;
        run_both(&c, prog, po2, &b, in, sizeof in);
        CU_ASSERT_EQUAL(c.parts, 0);
    }
    rv_program_free(prog);
}

/* One read(0) of 3000 bytes and one write(1) of what it read, each in
 * ONE system call, then a read of 10 more: with the proof's budget at
 * segment sizes 2^6..2^10 the calls move their bytes in parts across
 * many segments (rv.h "System calls in parts"); every segment
 * re-executes and chains (run_both), and the run ends as without a
 * budget: same journal, input position, end-of-file and exit code (the
 * first read's count). Input of 2500 bytes ends inside the first call
 * (it returns 2500 and sets end-of-file, the last read returns 0); of
 * 4000 it does not. */
static rv_program *parts_program(void)
{
    static prog_t p;
    p.n = 0;
    emit(&p, ADDI(A0, ZERO, 0));
    emit_li(&p, A1, DATA + 3);
    emit_li(&p, A2, 3000);
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit(&p, ADDI(S3, A0, 0));
    emit(&p, ADDI(A0, ZERO, 1));
    emit_li(&p, A1, DATA + 3);
    emit(&p, ADDI(A2, S3, 0));
    emit(&p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(&p, ECALL);
    emit(&p, ADDI(A0, ZERO, 0));
    emit_li(&p, A1, DATA + 0x1000);
    emit(&p, ADDI(A2, ZERO, 10));
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit(&p, ADD(A0, A0, S3));
    emit(&p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(&p, ECALL);
    return prog_load(&p);
}

static void test_calls_in_parts(void)
{
    rv_program *prog = parts_program();
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    static uint8_t in[4000];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7 + (i >> 8));
    static const size_t in_len[2] = {2500, sizeof in};
    for (int v = 0; v < 2; v++) {
        for (unsigned po2 = 6; po2 <= 10; po2 += g_sanitize ? 4 : 1) {
            rv_budget b;
            rv_air_budget(&b, po2);
            bud_ctx c;
            run_both(&c, prog, po2, &b, in, in_len[v]);
            /* 3000 bytes are 750+ io words, over 2^(po2-4) rows */
            CU_ASSERT(c.parts >= 2);
            CU_ASSERT(c.nseg > c.ref_segments);
            CU_ASSERT_EQUAL(c.prev_end.exit_code, v ? 3010u : 2500u);
            CU_ASSERT_EQUAL(c.prev_end.journal_len, v ? 3000u : 2500u);
            CU_ASSERT_EQUAL(c.prev_end.input_eof, v == 0);
            CU_ASSERT_EQUAL(c.prev_end.sys_done, 0);
        }
    }
    rv_program_free(prog);
}

static void test_io_words(void)
{
    for (size_t i = 0; i < sizeof g_input; i++) g_input[i] = (uint8_t)(i * 31 + 7);
    rv_program *prog = io_program();
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.io_words = 30};
    bud_ctx c;
    run_both(&c, prog, 10, &b, g_input, sizeof g_input);
    CU_ASSERT(c.bind[C_IO] >= 10);
    CU_ASSERT(c.max_c[C_IO] <= 30 && c.max_c[C_IO] >= 20);
    /* the ecall table's rows: 61 ECALLs (a read and a write per round,
     * the exit), at most 7 per segment */
    rv_budget be = {.ecalls = 7};
    run_both(&c, prog, 10, &be, g_input, sizeof g_input);
    CU_ASSERT(c.bind[C_ECALL] >= 8);
    CU_ASSERT_EQUAL(c.max_c[C_ECALL], 7);
    rv_program_free(prog);
}

static void test_journal_blocks(void)
{
    for (size_t i = 0; i < sizeof g_input; i++) g_input[i] = (uint8_t)(i * 31 + 7);
    rv_program *prog = io_program();
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.journal_blocks = 4};
    bud_ctx c;
    run_both(&c, prog, 10, &b, g_input, sizeof g_input);
    CU_ASSERT(c.bind[C_JOURNAL] >= 10);
    CU_ASSERT_EQUAL(c.max_c[C_JOURNAL], 4);
    /* both, and pages */
    rv_budget b2 = {.journal_blocks = 5, .io_words = 25, .pages = 3};
    run_both(&c, prog, 10, &b2, g_input, sizeof g_input);
    CU_ASSERT(c.bind[C_JOURNAL] + c.bind[C_IO] >= 10);
    rv_program_free(prog);
}

/* (d) pages far apart: page (i * 0x9e3779b1) mod 2^18 (above the code),
 * each a new path through the tree */
static rv_program *far_program(uint32_t n)
{
    static prog_t p;
    p.n = 0;
    emit(&p, ADDI(S1, ZERO, 0));
    emit_li(&p, S2, n);
    emit_li(&p, T2, 0x9e3779b1u);
    emit_li(&p, T3, 0x0ffffc00u);
    emit_li(&p, S0, 0x10000000u);
    size_t loop = p.n;
    emit(&p, MUL(T0, S1, T2));
    emit(&p, ROP(0, 7, T0, T0, T3)); /* and */
    emit(&p, ADD(T0, T0, S0));
    emit(&p, SW(S1, T0, 0));
    emit(&p, LW(T1, T0, 0));
    emit(&p, ADD(S3, S3, T1));
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit_exit_reg(&p, S3);
    return prog_load(&p);
}

static void test_nodes(void)
{
    rv_program *prog = far_program(60);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.nodes = 70};
    bud_ctx c;
    run_both(&c, prog, 12, &b, NULL, 0);
    CU_ASSERT(c.bind[C_NODES] >= 10);
    CU_ASSERT(c.max_c[C_NODES] <= 70 && c.max_c[C_NODES] >= 50);
    /* the permutation count: pages, nodes and journal rows together */
    rv_budget b2 = {.p2 = 700, .p2_fixed = 14};
    run_both(&c, prog, 12, &b2, NULL, 0);
    CU_ASSERT(c.bind[C_P2] >= 5);
    CU_ASSERT(c.max_c[C_P2] <= 700);
    rv_program_free(prog);
}

/* (d) reads whose buffers span several pages far from the previous ones:
 * one instruction adds several pages that share path nodes */
static void test_nodes_one_call(void)
{
    static prog_t p;
    static uint8_t in[20 * 2100];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i ^ (i >> 8));
    p.n = 0;
    emit(&p, ADDI(S1, ZERO, 0));
    emit(&p, ADDI(S2, ZERO, 24));
    emit_li(&p, S0, 0x20000700u);
    emit_li(&p, T2, 0x00041000u);
    size_t loop = p.n;
    emit(&p, ADDI(A0, ZERO, 0));
    emit(&p, ADDI(A1, S0, 0));
    emit_li(&p, A2, 2100); /* 3 or 4 pages */
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit(&p, ADD(S0, S0, T2));
    emit(&p, ADDI(S1, S1, 1));
    emit(&p, BNE(S1, S2, -(int32_t)(4 * (p.n - loop))));
    emit_exit(&p, 0);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget b = {.nodes = 50};
    bud_ctx c;
    run_both(&c, prog, 12, &b, in, sizeof in);
    CU_ASSERT(c.bind[C_NODES] >= 8);
    rv_budget b2 = {.p2 = 650, .p2_fixed = 14};
    run_both(&c, prog, 12, &b2, in, sizeof in);
    CU_ASSERT(c.bind[C_P2] >= 8);
    /* every limit in a range, so that some segment ends with a count
     * exactly at its limit. The program's 226 cycles fit in 2^10, so the
     * budget alone ends its segments at either size; 2^10 keeps the
     * sweep's 68 runs of padded traces cheap (under ASan too). */
    g_quiet = 1;
    uint64_t at_limit = 0;
    for (uint64_t lim = 42; lim <= 100; lim += 2) {
        rv_budget bn = {.nodes = lim};
        run_both(&c, prog, 10, &bn, in, sizeof in);
        at_limit += c.max_c[C_NODES] == lim;
    }
    for (uint64_t lim = 360; lim <= 1000; lim += 17) {
        rv_budget bp = {.p2 = lim, .p2_fixed = 14};
        run_both(&c, prog, 10, &bp, in, sizeof in);
        at_limit += c.max_c[C_P2] == lim;
    }
    g_quiet = 0;
    fprintf(stderr, "  %llu sweep runs with a segment exactly at its limit\n", (unsigned long long)at_limit);
    CU_ASSERT(at_limit >= 5);
    rv_program_free(prog);
}

/* Every limit at once on the segment test program (loads, stores, reads,
 * writes, M ops), at two segment sizes; and a budget too large to bind
 * segments exactly like no budget. */
static const uint8_t TEXT[] = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";

static void test_all_limits(void)
{
    rv_program *prog = seg_program(3000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    /* Under the sanitizers (CAIRN_SANITIZE_RUN) only 2^10: the 780
     * segments' traces padded to 2^14 rows took minutes there, and the
     * larger size adds no memory access the smaller one lacks. */
    static const unsigned PO2[2] = {10, 14};
    const int nsizes = g_sanitize ? 1 : 2;
    for (int k = 0; k < nsizes; k++) {
        rv_budget b = {.muldiv = 12, .ecalls = 2, .io_words = 1, .journal_blocks = 2, .pages = 6, .nodes = 60,
                       .p2 = 480, .p2_fixed = 14};
        bud_ctx c;
        run_both(&c, prog, PO2[k], &b, TEXT, sizeof TEXT - 1);
        CU_ASSERT(c.early > 50);
    }
    rv_budget big = {.muldiv = 1u << 30, .pages = 1u << 20};
    bud_ctx c;
    run_both(&c, prog, 10, &big, TEXT, sizeof TEXT - 1);
    CU_ASSERT_EQUAL(c.early, 0);
    CU_ASSERT_EQUAL(c.nseg, c.ref_segments);
    rv_program_free(prog);
}

/* One instruction larger than the whole budget: CAIRN_ERR_LIMIT naming
 * the count, after the segments before it. */
static void expect_limit(const prog_t *p, const rv_budget *b, const uint8_t *in, size_t in_len, const char *name)
{
    rv_program *prog = prog_load(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    bud_ctx c;
    memset(&c, 0, sizeof c);
    c.b = *b;
    c.po2 = 10;
    rv_config cfg = {.segment_po2 = 10, .budget = b, .input = in, .input_len = in_len, .on_segment = check_segment,
                     .segment_arg = &c};
    rv_machine *m;
    CU_ASSERT_EQUAL_FATAL(rv_machine_new(&m, prog, &cfg), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_machine_state(m, &c.prev_end), CAIRN_OK);
    rv_result res;
    CU_ASSERT_EQUAL(rv_run(m, &res), CAIRN_ERR_LIMIT);
    const char *msg = cairn_last_error();
    fprintf(stderr, "  %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, name));
    CU_ASSERT_EQUAL(res.final.halted, 0);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT(res.segments >= 1); /* the instructions before it ran */
    rv_machine_free(m);
    rv_trace_free(&c.tr);
    free(c.prev_pages);
    rv_program_free(prog);
}

static void test_impossible_instruction(void)
{
    static prog_t p;
    static uint8_t in[400];
    /* a read of 400 bytes = 101 words, io_words 50 */
    p.n = 0;
    for (int i = 0; i < 40; i++) emit(&p, ADDI(T0, T0, 1));
    emit(&p, ADDI(A0, ZERO, 0));
    emit_li(&p, A1, DATA + 2);
    emit(&p, ADDI(A2, ZERO, 400));
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit_exit(&p, 0);
    /* a call larger than the budget runs in parts (test_calls_in_parts);
     * one whose buffer needs a page more than the budget has cannot move
     * even one byte */
    rv_budget bpg = {.pages = 1};
    expect_limit(&p, &bpg, in, sizeof in, "pages");
    /* a read that would store into its own ECALL in a part that is not
     * its last: the next cycle would fetch what it stored */
    p.n = 0;
    for (int i = 0; i < 40; i++) emit(&p, ADDI(T0, T0, 1));
    emit(&p, ADDI(A0, ZERO, 0));
    emit(&p, AUIPC(A1, 0)); /* a1 = this instruction's address */
    emit(&p, ADDI(A2, ZERO, 400));
    emit(&p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(&p, ECALL);
    emit_exit(&p, 0);
    rv_budget bo = {.io_words = 1};
    expect_limit(&p, &bo, in, sizeof in, "store into its own ECALL");
    /* a load from a second page with one page allowed */
    p.n = 0;
    for (int i = 0; i < 40; i++) emit(&p, ADDI(T0, T0, 1));
    emit_li(&p, A1, DATA);
    emit(&p, LW(A0, A1, 0));
    emit_exit(&p, 0);
    rv_budget bp = {.pages = 1};
    expect_limit(&p, &bp, NULL, 0, "pages");
    /* p2 below one page's digests */
    rv_budget b2 = {.p2 = 200, .p2_fixed = 14}; /* one page 123, two 207 */
    expect_limit(&p, &b2, NULL, 0, "p2");
}

int main(void)
{
    g_sanitize = getenv("CAIRN_SANITIZE_RUN") != NULL;
    static const test_case cases[] = {
        {"pages: a fetch and a store on new pages", test_pages_fetch_and_store},
        {"pages: loops over 40 pages", test_pages_loop},
        {"muldiv", test_muldiv},
        {"io words and ECALLs", test_io_words},
        {"read and write calls larger than a segment, in parts", test_calls_in_parts},
        {"the guest runtime's io chunk at every segment size", test_guest_io_chunk},
        {"journal blocks", test_journal_blocks},
        {"nodes and p2 of pages far apart", test_nodes},
        {"nodes and p2 of calls spanning pages", test_nodes_one_call},
        {"all limits on the segment program", test_all_limits},
        {"an instruction larger than the budget", test_impossible_instruction},
        {NULL, NULL},
    };
    return test_run_suite("rv_budget", cases);
}
