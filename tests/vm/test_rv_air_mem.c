/* The memory argument and paging of the RV32IM AIR (vm/rv32im/rv_air_mem.c)
 * on a real snapshot: a hand-assembled program writes, overwrites and reads
 * words of six pages (code; three data pages of which two are Merkle
 * siblings and one a cousin; one far away; one only read), rv_execute
 * gives its snapshot and rv_trace_build its fetches, loads and stores.
 * A "user" table replays those accesses through the access gadget (one
 * per row, the tracker supplying previous values and ts), next to the
 * page, node, p2 and range tables; the start and end roots are pinned to
 * public values by a boundary receive of the root message.
 *  - the honest trace passes the checker and proves + verifies, and its
 *    roots are the snapshot's (rv_paging_fill checks them);
 *  - each forgery (a stale read, a value never written, an access whose ts
 *    is not after the one it reads, a wrong start word, a wrong end word,
 *    a wrong public end root, a page listed twice, a touched page hidden
 *    behind a sibling flag, a wrong sibling digest, broken page structure)
 *    is rejected by the checker naming the constraint or "balance", a few
 *    also by the verifier. Lookup multiplicities are recounted from each
 *    tampered trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_mem.h"
#include "vm/rv32im/rv_air_tables.h"

/* ---- the machine ------------------------------------------------------------ */

/* user row: one access. rd/wr flags, the word address, the value it
 * leaves (read: the value read), the value it finds (for a read the same,
 * by "user read keeps the value"), its ts, the gadget's limbs. */
enum { U_RD, U_WR, U_ADDR, U_VAL, U_PREV, U_TS, U_GADGET, U_NCOLS = U_GADGET + 2 };
#define U_LOG 6
#define PAGE_LOG 8
#define NODE_LOG 7
#define P2_LOG 9
enum { T_USER, T_PAGE, T_NODE, T_P2, T_RANGE, NTABLES };
static const unsigned LOGS[NTABLES] = {U_LOG, PAGE_LOG, NODE_LOG, P2_LOG, RV_RANGE_LOG};
static const unsigned NCOLS[NTABLES] = {U_NCOLS, RV_PAGE_NCOLS, RV_NODE_NCOLS, RV_P2_NCOLS, 1};
#define NPUB (2 * P2_DIGEST) /* root_in, root_out */

/* the checker names the first bus that does not balance */
#define BAL_MEM "balance: bus 1"
#define BAL_RANGE "balance: bus 2"
#define BAL_NODE "balance: bus 8"

static const rv_mem_g G = {U_GADGET, U_GADGET + 1};

static rvt_keys fx;
static struct {
    rv_snapshot s;
    rv_trace tr;
} run;

static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "rv mem", NPUB));
    air_table *u = air_table_add(m, "user", 0, U_NCOLS);
    rv_page_table_add(m);
    rv_node_table_add(m);
    rv_p2_table_add(m);
    rv_range_table_add(m);
    air_expr c[U_NCOLS];
    for (unsigned i = 0; i < U_NCOLS; i++) c[i] = air_col(m, u, AIR_MAIN, i, 0);
    air_expr one = air_const(m, u, 1);
    air_constrain(m, u, air_mul(m, u, c[U_RD], air_sub(m, u, c[U_RD], one)), "user rd boolean");
    air_constrain(m, u, air_mul(m, u, c[U_WR], air_sub(m, u, c[U_WR], one)), "user wr boolean");
    air_constrain(m, u, air_mul(m, u, c[U_RD], c[U_WR]), "user one access");
    air_constrain(m, u, air_mul(m, u, c[U_RD], air_sub(m, u, c[U_PREV], c[U_VAL])), "user read keeps the value");
    rv_mem_build(&G, m, u, air_add(m, u, c[U_RD], c[U_WR]), c[U_ADDR], c[U_PREV], c[U_VAL], c[U_TS]);
    /* the state table's part: the roots, pinned to the public values */
    air_table *b = m->boundary;
    air_expr rin[P2_DIGEST], rout[P2_DIGEST];
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        rin[i] = air_pub(m, b, i);
        rout[i] = air_pub(m, b, P2_DIGEST + i);
    }
    rv_mem_root_receive(m, b, air_const(m, b, 1), rin, rout);
    return rvt_finish(out, m);
}

/* ---- the program and its snapshot --------------------------------------------- */

#define DATA 0x00100000u  /* pages 0x400 (ELF data), 0x401, 0x403 */
#define FAR 0x40000000u   /* page 0x100000 */
#define STACK 0xBFFFF000u /* page 0x2ffffc: only read */
#define V1 0x11111111u
#define V2 0x22222222u
#define W_OVER ((DATA + 0x3f0) >> 2) /* written twice, then read twice */

static cairn_err keep(void *arg, const rv_snapshot *s)
{
    uint8_t *enc;
    size_t len;
    FORWARD_IF_ERROR(rv_snapshot_encode(&enc, &len, s));
    cairn_err e = rv_snapshot_decode(arg, enc, len);
    free(enc);
    return e;
}

static cairn_err make_snapshot(void)
{
    prog_t p = {.n = 0};
    emit_li(&p, S0, DATA);
    emit_li(&p, S1, FAR);
    emit_li(&p, S2, STACK);
    emit_li(&p, A1, DATA + 0xc00);
    emit_li(&p, T0, V1);
    emit(&p, SW(T0, S0, 0x3f0)); /* write V1 */
    emit_li(&p, T0, V2);
    emit(&p, SW(T0, S0, 0x3f0)); /* overwrite with V2 */
    emit(&p, LW(T1, S0, 0x3f0)); /* read V2 */
    emit(&p, LW(T2, S0, 0x3f4)); /* a start word */
    emit(&p, LW(T3, S0, 0x3f0)); /* read V2 again */
    emit(&p, SW(T1, S0, 0x7fc)); /* page 0x401, the sibling */
    emit(&p, SB(T0, A1, 0x3fd)); /* page 0x403, a byte */
    emit(&p, SW(T2, S1, 0x3f8)); /* far page */
    emit(&p, LW(T4, S1, 0x3f8));
    emit(&p, LW(A2, S2, 0));     /* read-only page */
    emit_exit(&p, 0);
    static uint32_t data[1024];
    for (uint32_t i = 0; i < 1024; i++) data[i] = i * 0x9e3779b9u + 1;
    size_t len;
    uint8_t *e = prog_elf(&len, &p, DATA, data, sizeof data, sizeof data);
    rv_program *prog = NULL;
    cairn_err err = rv_elf_load(&prog, e, len);
    free(e);
    FORWARD_IF_ERROR(err);
    rv_config cfg = {.segment_po2 = 10, .on_segment = keep, .segment_arg = &run.s};
    rv_result res;
    err = rv_execute(prog, &cfg, &res);
    rv_program_free(prog);
    FORWARD_IF_ERROR(err);
    return rv_trace_build(&run.tr, &run.s);
}

/* ---- traces --------------------------------------------------------------------- */

#define MAX_ACC (1u << U_LOG)
typedef struct {
    gl_t *t[NTABLES];
    gl_t pub[NPUB];
    rv_lookups lk;
    size_t nacc;
    uint32_t prev_ts[MAX_ACC]; /* of each user row */
    size_t ncalls;
} traces;

/* How make() breaks the statement while keeping every row consistent with
 * the p2 calls it records (the rest are tampered cells, in the tests). */
enum { HONEST, WRONG_START_WORD, WRONG_END_WORD, DUP_PAGE, WRONG_SIBLING };

/* start words (snapshot), end words and last ts (tracker) of every page */
static void page_words(uint32_t *start, uint32_t *end, uint32_t *t_last, const rv_snapshot *s,
                       const rv_memtrack *mt)
{
    for (size_t w = 0; w < s->npages * RV_PAGE_WORDS; w++) {
        const uint8_t *b = s->page_data + 4 * w;
        start[w] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        uint32_t a = s->page_index[w / RV_PAGE_WORDS] * RV_PAGE_WORDS + (uint32_t)(w % RV_PAGE_WORDS);
        CU_ASSERT_FATAL(rv_memtrack_get(mt, a, &end[w], &t_last[w]));
    }
}

static void make(traces *t, int forge)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < NTABLES; i++) {
        t->t[i] = calloc((size_t)NCOLS[i] << LOGS[i], sizeof(gl_t));
        CU_ASSERT_FATAL(t->t[i] != NULL);
    }
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&t->lk), CAIRN_OK);
    /* a snapshot whose page 0x400 has another untouched word: what a
     * prover that lies about the start contents hashes */
    rv_snapshot s = run.s;
    uint8_t *forged = NULL;
    if (forge == WRONG_START_WORD) {
        forged = malloc(s.npages * RV_PAGE_BYTES);
        CU_ASSERT_FATAL(forged != NULL);
        memcpy(forged, s.page_data, s.npages * RV_PAGE_BYTES);
        CU_ASSERT_EQUAL_FATAL(s.page_index[1], DATA >> 10);
        forged[RV_PAGE_BYTES + 40] ^= 1;
        s.page_data = forged;
    }
    p2_digest *nodes = NULL;
    if (forge == WRONG_SIBLING) {
        nodes = malloc(s.nnodes * sizeof *nodes);
        CU_ASSERT_FATAL(nodes != NULL);
        memcpy(nodes, s.nodes, s.nnodes * sizeof *nodes);
        nodes[s.nnodes / 2].v[1] = gl_add(nodes[s.nnodes / 2].v[1], 1);
        s.nodes = nodes;
    }
    rv_memtrack mt;
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_init(&mt, s.npages * RV_PAGE_WORDS + 32), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_load(&mt, &s), CAIRN_OK);

    /* the user rows: per cycle the fetch (slot 0) and the data access
     * (slot 3), as the cpu will make them */
    const rv_trace *tr = &run.tr;
    size_t r = 0;
    for (size_t i = 0; i < tr->nrows; i++)
        for (int slot = 0; slot < 2; slot++) {
            if (slot == 1 && !tr->col[RV_COL_mem_width][i]) continue;
            CU_ASSERT_FATAL(r < MAX_ACC);
            gl_t *row = t->t[T_USER] + r * U_NCOLS;
            uint32_t ts = 8 * (uint32_t)(i + 1) + (slot ? RV_SLOT_DATA : RV_SLOT_FETCH), v, pv;
            uint32_t addr = (slot ? tr->col[RV_COL_mem_addr][i] : tr->col[RV_COL_pc][i]) >> 2;
            int wr = slot && tr->col[RV_COL_mem_write][i];
            if (wr) {
                v = tr->col[RV_COL_mem_after][i];
                CU_ASSERT_EQUAL_FATAL(rv_memtrack_write(&mt, &pv, &t->prev_ts[r], addr, ts, v), CAIRN_OK);
                CU_ASSERT_EQUAL(pv, tr->col[RV_COL_mem_before][i]);
            } else {
                CU_ASSERT_EQUAL_FATAL(rv_memtrack_read(&mt, &v, &t->prev_ts[r], addr, ts), CAIRN_OK);
                pv = v;
                if (forge != WRONG_START_WORD)
                    CU_ASSERT_EQUAL(v, slot ? tr->col[RV_COL_mem_before][i] : tr->col[RV_COL_insn][i]);
            }
            rv_mem_fill(&G, row, &t->lk, ts, t->prev_ts[r]);
            row[wr ? U_WR : U_RD] = 1;
            row[U_ADDR] = addr;
            row[U_VAL] = v;
            row[U_PREV] = pv;
            row[U_TS] = ts;
            r++;
        }
    t->nacc = r;

    rv_p2_calls calls = {0};
    p2_digest root_in, root_out;
    if (forge == HONEST) {
        CU_ASSERT_EQUAL_FATAL(rv_paging_fill(t->t[T_PAGE], PAGE_LOG, t->t[T_NODE], NODE_LOG, &calls, &t->lk,
                                             &s, &mt),
                              CAIRN_OK);
        root_in = s.start.root;
        root_out = s.end.root;
    } else {
        const size_t np = s.npages, nw = (np + 1) * RV_PAGE_WORDS;
        uint32_t *start = malloc(3 * nw * sizeof *start), pages[16];
        p2_digest leaf[2 * 16];
        CU_ASSERT_FATAL(start != NULL && np < 16);
        uint32_t *end = start + nw, *t_last = end + nw;
        page_words(start, end, t_last, &s, &mt);
        memcpy(pages, s.page_index, np * sizeof *pages);
        size_t npt = np;
        if (forge == WRONG_END_WORD) {
            /* page 0x400's overwritten word: the end contents hashed are not
             * what the last write left */
            CU_ASSERT_EQUAL_FATAL(s.page_index[1] * RV_PAGE_WORDS, W_OVER & ~255u);
            CU_ASSERT_EQUAL(end[RV_PAGE_WORDS + (W_OVER & 255)], V2);
            end[RV_PAGE_WORDS + (W_OVER & 255)] = V1;
        }
        if (forge == DUP_PAGE) {
            /* the code page again, claimed untouched: its words cancel on
             * the memory bus, only its second leaf is left over */
            pages[npt] = pages[0];
            memcpy(start + np * RV_PAGE_WORDS, start, RV_PAGE_WORDS * sizeof *start);
            memcpy(end + np * RV_PAGE_WORDS, start, RV_PAGE_WORDS * sizeof *start);
            memset(t_last + np * RV_PAGE_WORDS, 0, RV_PAGE_WORDS * sizeof *t_last);
            npt++;
        }
        CU_ASSERT_EQUAL_FATAL(rv_page_fill(t->t[T_PAGE], PAGE_LOG, &calls, leaf, leaf + 16, pages, npt, start,
                                           end, t_last),
                              CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(rv_node_fill(t->t[T_NODE], NODE_LOG, &calls, &t->lk, &root_in, &root_out,
                                           s.page_index, leaf, leaf + 16, np, s.nodes, s.nnodes),
                              CAIRN_OK);
        /* the forgeries that change the contents change a root */
        if (forge == WRONG_START_WORD || forge == WRONG_SIBLING)
            CU_ASSERT(memcmp(&root_in, &run.s.start.root, sizeof root_in) != 0);
        if (forge == WRONG_END_WORD) CU_ASSERT(memcmp(&root_out, &run.s.end.root, sizeof root_out) != 0);
        if (forge == DUP_PAGE) {
            CU_ASSERT(memcmp(&root_in, &run.s.start.root, sizeof root_in) == 0);
            CU_ASSERT(memcmp(&root_out, &run.s.end.root, sizeof root_out) == 0);
        }
        free(start);
    }
    t->ncalls = calls.n;
    CU_ASSERT_EQUAL_FATAL(rv_p2_table_fill(t->t[T_P2], P2_LOG, calls.v, calls.n), CAIRN_OK);
    rv_p2_calls_free(&calls);
    /* the public roots are the snapshot's: the statement a verifier checks */
    memcpy(t->pub, run.s.start.root.v, sizeof run.s.start.root.v);
    memcpy(t->pub + P2_DIGEST, run.s.end.root.v, sizeof run.s.end.root.v);
    rv_memtrack_free(&mt);
    free(forged);
    free(nodes);
}

static void drop(traces *t)
{
    for (int i = 0; i < NTABLES; i++) free(t->t[i]);
    rv_lookups_free(&t->lk);
}

/* The range lookups a trace makes, counted from its cells (so a tampered
 * trace gets the multiplicities that fit it best). */
static void recount(traces *t)
{
    rv_lookups_clear(&t->lk);
    for (size_t r = 0; r < (1u << U_LOG); r++) {
        const gl_t *row = t->t[T_USER] + r * U_NCOLS;
        if (!row[U_RD] && !row[U_WR]) continue;
        CU_ASSERT_FATAL(row[G.lo] < 65536 && row[G.hi] < 65536);
        rv_lk_range(&t->lk, (uint32_t)row[G.lo], 16);
        rv_lk_range(&t->lk, (uint32_t)row[G.hi], 16);
    }
    for (size_t r = 0; r < (1u << NODE_LOG); r++) {
        const gl_t *row = t->t[T_NODE] + r * RV_NODE_NCOLS;
        if (!row[RV_NODE_ACTIVE]) continue;
        if (row[RV_NODE_LEVEL] >= 1 && row[RV_NODE_LEVEL] <= 32)
            rv_lk_range(&t->lk, (uint32_t)row[RV_NODE_LEVEL] - 1, 5);
    }
    rv_range_table_fill(t->t[T_RANGE], &t->lk);
}

static gl_t *cell(traces *t, int table, size_t row, unsigned col)
{
    return t->t[table] + row * NCOLS[table] + col;
}

/* Checker (and, if `prove`, the verifier of a proof of the same trace):
 * both accept, or both reject, the checker naming `msg`, the verifier
 * `vmsg`. */
static void expect(traces *t, int ok, int prove, const char *msg, const char *vmsg, const char *what)
{
    recount(t);
    stark_trace tr[NTABLES];
    for (int i = 0; i < NTABLES; i++) tr[i] = (stark_trace){t->t[i], LOGS[i]};
    rvt_expect(&fx, tr, t->pub, NPUB, ok, prove, msg, vmsg, what);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_memtrack(void)
{
    rv_memtrack mt;
    uint32_t v, ts;
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_init(&mt, 600), CAIRN_OK);
    for (uint32_t a = 0; a < 512; a++) CU_ASSERT_EQUAL(rv_memtrack_put(&mt, 0x3ffffe00u + a, a * 7), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_memtrack_put(&mt, RV_MEM_REG_BASE + 5, 55), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_memtrack_put(&mt, RV_MEM_REG_BASE + 5, 55), CAIRN_ERR_USAGE); /* twice */
    CU_ASSERT_EQUAL(rv_memtrack_read(&mt, &v, &ts, 0x3ffffe10u, 8), CAIRN_OK);
    CU_ASSERT(v == 16 * 7 && ts == 0);
    CU_ASSERT_EQUAL(rv_memtrack_write(&mt, &v, &ts, 0x3ffffe10u, 11, 99), CAIRN_OK);
    CU_ASSERT(v == 16 * 7 && ts == 8);
    CU_ASSERT_EQUAL(rv_memtrack_read(&mt, &v, &ts, 0x3ffffe10u, 11), CAIRN_ERR_USAGE); /* same ts */
    CU_ASSERT_EQUAL(rv_memtrack_read(&mt, &v, &ts, 0x3ffffe10u, 9), CAIRN_ERR_USAGE);  /* earlier */
    CU_ASSERT_EQUAL(rv_memtrack_read(&mt, &v, &ts, 0x3ffffe10u, 20), CAIRN_OK);
    CU_ASSERT(v == 99 && ts == 11);
    CU_ASSERT(rv_memtrack_get(&mt, 0x3ffffe10u, &v, &ts) && v == 99 && ts == 20);
    CU_ASSERT(rv_memtrack_get(&mt, RV_MEM_REG_BASE + 5, &v, &ts) && v == 55 && ts == 0);
    CU_ASSERT(!rv_memtrack_get(&mt, 0x100, &v, &ts));
    CU_ASSERT_EQUAL(rv_memtrack_read(&mt, &v, &ts, 0x100, 20), CAIRN_ERR_CORRUPT);
    for (uint32_t a = 0; a < 87; a++) CU_ASSERT_EQUAL(rv_memtrack_put(&mt, 0x1000 + a, 0), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_memtrack_put(&mt, 0x2000, 0), CAIRN_ERR_LIMIT); /* 601st word */
    rv_memtrack_clear(&mt);
    CU_ASSERT(!rv_memtrack_get(&mt, 0x3ffffe10u, &v, &ts));
    rv_memtrack_free(&mt);
    rv_memtrack_free(&mt);
}

static void test_honest(void)
{
    /* the snapshot has the six pages the program touches */
    static const uint32_t want[] = {CODE_BASE >> 10, DATA >> 10, (DATA >> 10) + 1, (DATA >> 10) + 3, FAR >> 10,
                                    STACK >> 10};
    CU_ASSERT_EQUAL_FATAL(run.s.npages, 6);
    CU_ASSERT_EQUAL(memcmp(run.s.page_index, want, sizeof want), 0);
    CU_ASSERT_EQUAL(rv_node_count(run.s.page_index, run.s.npages) <= (1u << NODE_LOG), 1);
    traces t;
    make(&t, HONEST);
    /* read-only pages (code, stack) hash both sponges with one call of
     * multiplicity 2; the written ones diverge only in their last block,
     * where every write went */
    size_t nodes = 0, changed = 0;
    for (size_t r = 0; r < (1u << NODE_LOG); r++) {
        const gl_t *row = cell(&t, T_NODE, r, 0);
        nodes += row[RV_NODE_ACTIVE] == 1;
        changed += memcmp(row + RV_NODE_OUT_IN, row + RV_NODE_OUT_OUT, P2_WIDTH * sizeof *row) != 0;
    }
    CU_ASSERT_EQUAL(nodes, rv_node_count(run.s.page_index, run.s.npages));
    CU_ASSERT_EQUAL(t.ncalls, 2 * RV_PAGE_ROWS + 4 * (RV_PAGE_ROWS + 1) + nodes + changed);
    rv_lookups fill = t.lk;
    t.lk = (rv_lookups){0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&t.lk), CAIRN_OK);
    expect(&t, 1, 1, NULL, NULL, "honest");
    /* the fills counted every lookup the trace makes */
    CU_ASSERT_EQUAL(memcmp(fill.range, t.lk.range, ((size_t)1 << RV_RANGE_LOG) * sizeof *fill.range), 0);
    rv_lookups_free(&fill);
    drop(&t);
}

/* the user row of the access at ts */
static size_t row_at(const traces *t, uint32_t ts)
{
    for (size_t r = 0; r < t->nacc; r++)
        if (t->t[T_USER][r * U_NCOLS + U_TS] == ts) return r;
    CU_FAIL_FATAL("no access at that ts");
    return 0;
}

/* the user rows touching W_OVER: write V1, write V2, read, read */
static void over_rows(const traces *t, size_t r[4])
{
    size_t k = 0;
    for (size_t i = 0; i < t->nacc && k < 4; i++)
        if (t->t[T_USER][i * U_NCOLS + U_ADDR] == W_OVER) r[k++] = i;
    CU_ASSERT_EQUAL_FATAL(k, 4);
}

static void test_wrong_access(void)
{
    traces t;
    size_t r[4];

    /* the first read of W_OVER returns V1, the overwritten value, naming
     * the first write as the one it reads */
    make(&t, HONEST);
    over_rows(&t, r);
    gl_t *row = cell(&t, T_USER, r[2], 0);
    CU_ASSERT_EQUAL_FATAL(row[U_VAL], V2);
    row[U_VAL] = row[U_PREV] = V1;
    rv_mem_fill(&G, row, &t.lk, (uint32_t)row[U_TS], (uint32_t)t.t[T_USER][r[0] * U_NCOLS + U_TS]);
    expect(&t, 0, 1, BAL_MEM, "balance", "stale read");
    drop(&t);

    /* a read of a value no access wrote */
    make(&t, HONEST);
    over_rows(&t, r);
    row = cell(&t, T_USER, r[3], 0);
    row[U_VAL] = row[U_PREV] = 0x5eed5eedu;
    expect(&t, 0, 0, BAL_MEM, NULL, "value never written");
    drop(&t);

    /* the first read moved to the ts of the write it reads (prev_ts >= ts);
     * the second read names it: every tuple matches but the first read's
     * limbs cannot say ts - prev_ts - 1 = -1 */
    make(&t, HONEST);
    over_rows(&t, r);
    uint32_t tw = (uint32_t)*cell(&t, T_USER, r[1], U_TS);
    row = cell(&t, T_USER, r[2], 0);
    row[U_TS] = tw;
    rv_mem_fill(&G, row, &t.lk, tw, tw);
    gl_t *next = cell(&t, T_USER, r[3], 0);
    rv_mem_fill(&G, next, &t.lk, (uint32_t)next[U_TS], tw);
    expect(&t, 0, 0, BAL_MEM, NULL, "ts not increasing");
    drop(&t);
    /* ... and the same one ts earlier than the write */
    make(&t, HONEST);
    over_rows(&t, r);
    row = cell(&t, T_USER, r[2], 0);
    row[U_TS] = tw - 1;
    rv_mem_fill(&G, row, &t.lk, tw - 1, tw);
    next = cell(&t, T_USER, r[3], 0);
    rv_mem_fill(&G, next, &t.lk, (uint32_t)next[U_TS], tw - 1);
    expect(&t, 0, 0, BAL_MEM, NULL, "ts before the write read");
    drop(&t);

    /* a write that names the wrong previous value */
    make(&t, HONEST);
    over_rows(&t, r);
    *cell(&t, T_USER, r[1], U_PREV) = V2;
    expect(&t, 0, 0, BAL_MEM, NULL, "write with a wrong previous value");
    drop(&t);

    /* a read whose value differs from what it found */
    make(&t, HONEST);
    over_rows(&t, r);
    *cell(&t, T_USER, r[3], U_VAL) = V1;
    expect(&t, 0, 0, "user read keeps the value", NULL, "read that changes the word");
    drop(&t);

    /* an access dropped (multiplicity 0): its tuples go missing */
    make(&t, HONEST);
    *cell(&t, T_USER, row_at(&t, 8), U_RD) = 0;
    expect(&t, 0, 0, BAL_MEM, NULL, "dropped fetch");
    drop(&t);
}

static void test_wrong_pages(void)
{
    traces t;

    /* the prover hashes a start word that is not the page's: every access
     * is consistent, the start root is not the public one */
    make(&t, WRONG_START_WORD);
    expect(&t, 0, 1, BAL_NODE, "balance", "wrong start word");
    drop(&t);

    /* the end contents hashed are not what the last write left */
    make(&t, WRONG_END_WORD);
    expect(&t, 0, 0, BAL_MEM, NULL, "wrong end word");
    drop(&t);

    /* an honest trace against a wrong public end root */
    make(&t, HONEST);
    t.pub[P2_DIGEST + 2] = gl_add(t.pub[P2_DIGEST + 2], 1);
    expect(&t, 0, 0, BAL_NODE, NULL, "wrong public end root");
    drop(&t);

    /* a page listed twice (the second copy untouched) */
    make(&t, DUP_PAGE);
    expect(&t, 0, 1, BAL_NODE, "balance", "page listed twice");
    drop(&t);

    /* the read-only stack page hidden behind a sibling flag of its parent:
     * its digests in = out, so the node row itself is consistent */
    make(&t, HONEST);
    size_t hit = 0;
    for (size_t r = 0; r < (1u << NODE_LOG); r++) {
        gl_t *row = cell(&t, T_NODE, r, 0);
        if (row[RV_NODE_ACTIVE] && row[RV_NODE_LEVEL] == 1 && row[RV_NODE_INDEX] == (STACK >> 10) >> 1) {
            CU_ASSERT_EQUAL(row[RV_NODE_SIB_L], 0); /* 0x2ffffc is a left child */
            CU_ASSERT_EQUAL(memcmp(row + RV_NODE_L_IN, row + RV_NODE_L_OUT, P2_DIGEST * sizeof *row), 0);
            row[RV_NODE_SIB_L] = 1;
            hit++;
        }
    }
    CU_ASSERT_EQUAL(hit, 1);
    expect(&t, 0, 0, BAL_NODE, NULL, "page hidden behind a sibling flag");
    drop(&t);

    /* a written page hidden the same way trips the sibling rule */
    make(&t, HONEST);
    hit = 0;
    for (size_t r = 0; r < (1u << NODE_LOG); r++) {
        gl_t *row = cell(&t, T_NODE, r, 0);
        if (row[RV_NODE_ACTIVE] && row[RV_NODE_LEVEL] == 1 && row[RV_NODE_INDEX] == (FAR >> 10) >> 1) {
            row[RV_NODE_SIB_L] = 1;
            hit++;
        }
    }
    CU_ASSERT_EQUAL(hit, 1);
    expect(&t, 0, 0, "node sibling unchanged", NULL, "written page hidden");
    drop(&t);

    /* a multiproof sibling that is not the start tree's */
    make(&t, WRONG_SIBLING);
    expect(&t, 0, 0, BAL_NODE, NULL, "wrong sibling digest");
    drop(&t);

    /* a sibling whose end digest differs from its start digest */
    make(&t, HONEST);
    hit = 0;
    for (size_t r = 0; r < (1u << NODE_LOG) && !hit; r++) {
        gl_t *row = cell(&t, T_NODE, r, 0);
        if (row[RV_NODE_ACTIVE] && row[RV_NODE_SIB_R]) {
            row[RV_NODE_R_OUT] = gl_add(row[RV_NODE_R_OUT], 1);
            hit++;
        }
    }
    CU_ASSERT_EQUAL(hit, 1);
    expect(&t, 0, 0, "node sibling unchanged", NULL, "changed sibling");
    drop(&t);
}

static void test_wrong_structure(void)
{
    traces t;

    /* a page's rows switch page index halfway */
    make(&t, HONEST);
    for (size_t r = 16; r < 32; r++) *cell(&t, T_PAGE, r, RV_PAGE_P) += 2;
    expect(&t, 0, 1, "page index kept", "table page: constraint", "page index changes");
    drop(&t);

    /* a block skipped */
    make(&t, HONEST);
    for (size_t r = 40; r < 64; r++) *cell(&t, T_PAGE, r, RV_PAGE_B) += 1;
    expect(&t, 0, 0, "page block increments", NULL, "block skipped");
    drop(&t);

    /* a page cut short: its last row early */
    make(&t, HONEST);
    *cell(&t, T_PAGE, 30, RV_PAGE_LAST) = 1;
    expect(&t, 0, 0, "page last block is 31", NULL, "page of 31 rows");
    drop(&t);

    /* a padding row that sends words (active, not first) */
    make(&t, HONEST);
    *cell(&t, T_PAGE, 6 * RV_PAGE_ROWS + 3, RV_PAGE_ACTIVE) = 1;
    expect(&t, 0, 0, "page row follows its page", NULL, "active padding row");
    drop(&t);

    /* a page that runs off the end of the table without its leaf */
    make(&t, HONEST);
    size_t last = (1u << PAGE_LOG) - 1;
    *cell(&t, T_PAGE, last, RV_PAGE_ACTIVE) = 1;
    *cell(&t, T_PAGE, last, RV_PAGE_FIRST) = 1;
    *cell(&t, T_PAGE, last, RV_PAGE_CAP_IN) = *cell(&t, T_PAGE, last, RV_PAGE_CAP_OUT) = RV_PAGE_WORDS;
    expect(&t, 0, 0, "page table ends its pages", NULL, "page cut by the table end");
    drop(&t);

    /* a level-1 node moved to level 33 (so that its children are the
     * level-32 ones): its level is out of the range table */
    make(&t, HONEST);
    *cell(&t, T_NODE, 0, RV_NODE_LEVEL) = 33;
    expect(&t, 0, 0, BAL_RANGE, NULL, "node level 33");
    drop(&t);
}

static void test_limits(void)
{
    traces t;
    make(&t, HONEST);
    rv_memtrack mt;
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_init(&mt, run.s.npages * RV_PAGE_WORDS + 32), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_memtrack_load(&mt, &run.s), CAIRN_OK);
    rv_p2_calls calls = {0};
    /* 6 pages need 192 page rows and more than 64 nodes */
    CU_ASSERT_EQUAL(rv_paging_fill(t.t[T_PAGE], 7, t.t[T_NODE], NODE_LOG, &calls, &t.lk, &run.s, &mt),
                    CAIRN_ERR_LIMIT);
    CU_ASSERT_EQUAL(rv_paging_fill(t.t[T_PAGE], PAGE_LOG, t.t[T_NODE], 6, &calls, &t.lk, &run.s, &mt),
                    CAIRN_ERR_LIMIT);
    /* without the segment's accesses the end root is the start root */
    CU_ASSERT_EQUAL(rv_paging_fill(t.t[T_PAGE], PAGE_LOG, t.t[T_NODE], NODE_LOG, &calls, &t.lk, &run.s, &mt),
                    CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "end root"));
    rv_p2_calls_free(&calls);
    rv_memtrack_free(&mt);
    drop(&t);
}

int main(void)
{
    if (!rvt_setup(&fx, make_snapshot() == CAIRN_OK && build(&fx.m) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"memory tracker", test_memtrack},
                                      {"honest accesses and paging", test_honest},
                                      {"wrong accesses rejected", test_wrong_access},
                                      {"wrong pages and roots rejected", test_wrong_pages},
                                      {"broken page and node structure rejected", test_wrong_structure},
                                      {"fill limits and root checks", test_limits},
                                      {NULL, NULL}};
    int rc = rvt_run(&fx, "rv_air_mem", cases);
    rv_snapshot_free(&run.s);
    rv_trace_free(&run.tr);
    return rc;
}
