/* The RV32IM segment machine (rv_air.h, docs/rv-air.md): the twelve tables
 * in one air_machine, the fixed shape per segment size, the key cache, and
 * proving / verifying a segment from its snapshot.
 *
 * Fill order. Every table that touches memory goes through one tracker
 * (rv_memtrack) loaded with the segment's start words and registers: the
 * cpu fill performs every access of the segment in ts order, the io
 * words included (it replays them at slot IO of their ECALL and reports
 * each word's previous ts); the io table then re-derives its accesses from
 * those previous ts; paging and state read the tracker's end values and
 * last-access ts. The p2 table is filled last from the calls that journal,
 * page, node and state recorded, and the lookup tables from the counters
 * everything else incremented. */
#include "rv_air.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_cpu.h"
#include "rv_air_decode.h"
#include "rv_air_ecall.h"
#include "rv_air_io.h"
#include "rv_air_mem.h"
#include "rv_air_muldiv.h"
#include "rv_air_p2.h"
#include "rv_air_state.h"
#include "rv_air_tables.h"

#if RV_AIR_NPUB != RV_CPU_NPUB || RV_CPU_PUB_CYCLES != 2 * P2_DIGEST || RV_STATE_NPUB != 2 * P2_DIGEST
#error "public values of rv_air.h, the cpu and the state table disagree"
#endif

/* ---- shape ------------------------------------------------------------ */

/* log2 of 2^po2 / 2^shift, at least lo (no unsigned wrap for small po2) */
static unsigned frac(unsigned po2, unsigned shift, unsigned lo) { return po2 >= shift + lo ? po2 - shift : lo; }

/* Heights as fractions of the cycle count (docs/rv-air.md "Shape": p2
 * 2^(po2-5), page and node 2^(po2-6): 512 written pages per 2^20 cycles),
 * with floors so that small segments still hold a few pages, a Merkle path per
 * page and the state digests: 2^10 page rows = 32 pages, 2^9 nodes (a
 * path is 22 nodes), 2^11 permutations (64 per page + 2 per node + 14 for
 * the state digests). From 2^RV_P2_FLOOR_MIN_PO2 cycles the permutations'
 * floor is 2^12: 2^11 holds the 32 pages' digests alone (2048), so the p2
 * budget, not the pages, ended small segments: the SHA-256 guest's run on
 * 3 bytes (22,701 cycles, 31 pages, 42 nodes: 2082 permutations) needed
 * 2^17 cycles; it now fits 2^15, the size cairn prove fits it to (jobs.h
 * jobs_fit_po2). Below that size (the tests' segments) the floor stays,
 * so that their p2 table is not the tallest. */
#define RV_P2_FLOOR_MIN_PO2 14
unsigned rv_air_heights(unsigned po2, unsigned log_heights[AIR_MAX_TABLES])
{
    if (po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2) return 0;
    log_heights[RV_AIR_CPU] = po2;
    log_heights[RV_AIR_DECODE] = RV_DECODE_LOG;
    log_heights[RV_AIR_RANGE] = RV_RANGE_LOG;
    log_heights[RV_AIR_BYTES] = RV_BYTES_LOG;
    log_heights[RV_AIR_MULDIV] = frac(po2, 2, 2);
    log_heights[RV_AIR_ECALL] = frac(po2, RV_ECALL_SHIFT, RV_ECALL_FLOOR);
    log_heights[RV_AIR_IO] = frac(po2, 4, 6);
    log_heights[RV_AIR_JOURNAL] = frac(po2, 6, 4);
    log_heights[RV_AIR_P2] = frac(po2, 5, po2 >= RV_P2_FLOOR_MIN_PO2 ? 12 : 11);
    log_heights[RV_AIR_PAGE] = frac(po2, 6, 10);
    log_heights[RV_AIR_NODE] = frac(po2, 6, 9);
    log_heights[RV_AIR_STATE] = RV_STATE_LOG;
    return RV_AIR_NTABLES;
}

void rv_air_budget(rv_budget *out, unsigned po2)
{
    unsigned lh[AIR_MAX_TABLES];
    memset(out, 0, sizeof *out);
    if (!rv_air_heights(po2, lh)) return;
    out->muldiv = (uint64_t)1 << lh[RV_AIR_MULDIV];
    out->ecalls = (uint64_t)1 << lh[RV_AIR_ECALL];
    out->io_words = (uint64_t)1 << lh[RV_AIR_IO];
    out->journal_blocks = (uint64_t)1 << lh[RV_AIR_JOURNAL];
    out->pages = ((uint64_t)1 << lh[RV_AIR_PAGE]) / RV_PAGE_ROWS;
    out->nodes = (uint64_t)1 << lh[RV_AIR_NODE];
    out->p2 = (uint64_t)1 << lh[RV_AIR_P2];
    out->p2_fixed = 2 * RV_STATE_STEPS; /* the start and end state digests */
}

int rv_air_seg_po2_ok(unsigned po2, unsigned k)
{
    return po2 >= RV_MIN_SEGMENT_PO2 && po2 <= RV_MAX_SEGMENT_PO2 && (k == po2 || (k >= RV_TAIL_MIN_PO2 && k < po2));
}

/* ---- keys --------------------------------------------------------------- */

typedef struct rv_air_key {
    struct rv_air_key *next;
    unsigned po2;
    stark_params p;
    unsigned lh[AIR_MAX_TABLES];
    air_machine *m; /* the keys point into it: it lives as long as they do */
    rv_cpu cpu;
    rv_muldiv_gadget md;
    rv_ecall ec;
    stark_pk *pk;
    stark_vk *vk;
} rv_air_key;

static pthread_mutex_t g_keys_lock = PTHREAD_MUTEX_INITIALIZER;
static rv_air_key *g_keys;

static void key_free(rv_air_key *k)
{
    if (!k) return;
    stark_pk_free(k->pk);
    stark_vk_free(k->vk);
    air_machine_free(k->m);
    free(k);
}

static int params_eq(const stark_params *a, const stark_params *b)
{
    return a->log_blowup == b->log_blowup && a->queries == b->queries && a->pow_bits == b->pow_bits &&
           a->log_arity == b->log_arity && a->log_final_len == b->log_final_len;
}

/* The machine of one segment size; tables in RV_AIR_* order. It does not
 * depend on the proof parameters (only the keys do). */
/* shape_only: zero preprocessed values (air_machine.pre_zero), for the
 * security calculator. */
static cairn_err machine_build(air_machine **out, rv_cpu *cpu, rv_muldiv_gadget *md, rv_ecall *ec,
                               unsigned po2, int shape_only)
{
    unsigned lh[AIR_MAX_TABLES];
    RETURN_ERROR_IF(!rv_air_heights(po2, lh), CAIRN_ERR_USAGE, "rv air: segment po2 %u outside %u..%u", po2,
                    RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    air_machine *m = NULL;
    cairn_err e = air_machine_new(&m, "rv32im-segment", RV_AIR_NPUB);
    if (e == CAIRN_OK) {
        m->pre_zero = shape_only;
        rv_cpu_table_add(m, cpu, po2);
        rv_decode_table_add(m);
        rv_range_table_add(m);
        rv_bytes_table_add(m);
        rv_muldiv_table_add(m, md, lh[RV_AIR_MULDIV]);
        rv_ecall_table_add(m, ec, lh[RV_AIR_ECALL]);
        rv_io_table_add(m);
        rv_journal_table_add(m);
        rv_p2_table_add(m);
        rv_page_table_add(m);
        rv_node_table_add(m);
        rv_state_table_add(m, 0);
        e = air_machine_finish(m, RV_AIR_MAX_DEGREE);
        if (e == CAIRN_OK && m->ntables != RV_AIR_NTABLES)
            e = cairn_fail(CAIRN_ERR_INTERNAL, "rv air: the machine has %u tables, not %u", m->ntables,
                           (unsigned)RV_AIR_NTABLES);
    }
    if (e != CAIRN_OK) {
        air_machine_free(m);
        return e;
    }
    *out = m;
    return CAIRN_OK;
}

static cairn_err key_build(rv_air_key **out, unsigned po2, const stark_params *p)
{
    rv_air_key *k = calloc(1, sizeof *k);
    RETURN_ERROR_IF(!k, CAIRN_ERR_NOMEM, "rv air: out of memory for a key");
    k->po2 = po2;
    k->p = *p;
    /* check_trace is not part of a key (the verifying key clears it too):
     * rv_prove_segment runs the checker itself when its caller asks */
    k->p.check_trace = 0;
    rv_air_heights(po2, k->lh);
    cairn_err e = machine_build(&k->m, &k->cpu, &k->md, &k->ec, po2, 0);
    if (e == CAIRN_OK) e = stark_setup(&k->pk, &k->vk, k->m, &k->p);
    if (e != CAIRN_OK) {
        key_free(k);
        return cairn_prefix_error(e, "rv air: keys for po2 %u", po2);
    }
    *out = k;
    return CAIRN_OK;
}

/* Proven presets name a bound, not a query count: the generic preset's
 * queries (stark_params_preset) are the fewest for the example machines;
 * the segment machine's many tables and LogUp fractions cost a few bits
 * more in the LogUp and DEEP terms (docs/security.md), so its queries are
 * raised to the fewest that reach the bound at its own heights. */
static double preset_bound(const char *preset)
{
    return !strcmp(preset, "proven-100") ? 100.0 : 0.0;
}

cairn_err rv_air_params(stark_params *out, const char *preset, unsigned po2)
{
    return rv_air_params_fri(out, preset, po2, 0, STARK_PARAMS_KEEP);
}

cairn_err rv_air_params_fri(stark_params *out, const char *preset, unsigned po2,
                            unsigned log_arity, unsigned log_final_len)
{
    unsigned lh[AIR_MAX_TABLES];
    RETURN_ERROR_IF(!rv_air_heights(po2, lh), CAIRN_ERR_USAGE, "rv air: segment po2 %u outside %u..%u", po2,
                    RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    FORWARD_IF_ERROR(stark_params_preset(out, preset));
    if (log_arity) out->log_arity = log_arity;
    if (log_final_len != STARK_PARAMS_KEEP) out->log_final_len = log_final_len;
    const double bound = preset_bound(preset);
    if (bound > 0 && po2 >= RV_PROVEN_LOG_BLOWUP_MIN_PO2) out->log_blowup = RV_PROVEN_LOG_BLOWUP;
    FORWARD_IF_ERROR(stark_params_validate(out));
    if (bound <= 0) return CAIRN_OK;
    air_machine *m;
    rv_cpu cpu;
    rv_muldiv_gadget md;
    rv_ecall ec;
    FORWARD_IF_ERROR(machine_build(&m, &cpu, &md, &ec, po2, 1));
    cairn_err e = CAIRN_OK;
    stark_security_bits sec;
    for (;;) {
        e = stark_security(&sec, out, m, lh);
        if (e != CAIRN_OK || sec.proven >= bound) break;
        if (out->queries >= STARK_MAX_QUERIES) {
            e = cairn_fail(CAIRN_ERR_INTERNAL, "rv air: preset %s: %u queries give %.1f proven bits at po2 %u",
                           preset, out->queries, sec.proven, po2);
            break;
        }
        out->queries++;
    }
    air_machine_free(m);
    return e;
}

/* The cached key of (po2, p) (p's check_trace aside), built on first
 * use. Keys are never freed before rv_air_keys_release, so the pointer
 * stays valid without the lock. */
static cairn_err key_get(const rv_air_key **out, unsigned po2, const stark_params *p)
{
    RETURN_ERROR_IF(po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2, CAIRN_ERR_USAGE,
                    "rv air: segment po2 %u outside %u..%u", po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    FORWARD_IF_ERROR(stark_params_validate(p));
    cairn_err e = CAIRN_OK;
    pthread_mutex_lock(&g_keys_lock);
    rv_air_key *k = g_keys;
    while (k && !(k->po2 == po2 && params_eq(&k->p, p))) k = k->next;
    if (!k) {
        /* built under the lock: one build per key even when several
         * threads ask at once */
        e = key_build(&k, po2, p);
        if (e == CAIRN_OK) {
            k->next = g_keys;
            g_keys = k;
        }
    }
    pthread_mutex_unlock(&g_keys_lock);
    *out = e == CAIRN_OK ? k : NULL;
    return e;
}

void rv_air_keys_release(void)
{
    pthread_mutex_lock(&g_keys_lock);
    rv_air_key *k = g_keys;
    g_keys = NULL;
    pthread_mutex_unlock(&g_keys_lock);
    while (k) {
        rv_air_key *next = k->next;
        key_free(k);
        k = next;
    }
}

cairn_err rv_air_machine(const air_machine **m, unsigned po2, const stark_params *p)
{
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, po2, p));
    *m = k->m;
    return CAIRN_OK;
}

cairn_err rv_air_vk_digest(p2_digest *out, unsigned po2, const stark_params *p)
{
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, po2, p));
    *out = stark_vk_digest(k->vk);
    return CAIRN_OK;
}

/* What the model of the prover's buffers leaves out, measured as the
 * growth of a process's resident memory over the figure below at segment
 * sizes 2^4 to 2^14 (tests/vm/test_rv_prove_mem.c): 17-25 MiB of thread
 * stacks and per-thread blocks, the allocator's per-thread arenas, the
 * re-executing machine's page table and pages; and, over two segments
 * proven in a row on one thread, up to 32 MiB more at 2^13 proven-100:
 * the second segment's own working set is larger (9 MiB, with or without
 * a workspace), and the thread's workspace holds the prover's buffers
 * while the work buffers that the model leaves out (NTT columns, hashing
 * blocks) come and go. */
#define SEG_MEM_SLACK ((size_t)64 << 20)

/* The memory of one rv_prove_segment besides the key's (rv_air.h): the
 * tables' traces, the prover's buffers (stark_prove_mem), and the segment's
 * own working set: the re-executed trace (per cycle and io rows), the
 * address tracker (sized for every page the budget allows), the lookup
 * counters and the M-extension calls; and the slack above. */
static size_t seg_mem(const rv_air_key *k)
{
    rv_budget b;
    rv_air_budget(&b, k->po2);
    size_t track = 16;
    while (track < 2 * (b.pages * RV_PAGE_WORDS + 32)) track *= 2;
    return stark_traces_mem(k->m, k->lh) + stark_prove_mem(k->pk, k->lh) +
           ((size_t)RV_TRACE_NCOLS * sizeof(uint32_t) << k->po2) +
           ((size_t)RV_IO_NCOLS * sizeof(uint32_t) << k->lh[RV_AIR_IO]) + track * 3 * sizeof(uint32_t) +
           (((size_t)1 << RV_RANGE_LOG) + ((size_t)1 << RV_BYTES_LOG)) * sizeof(uint32_t) +
           (sizeof(rv_muldiv_call) << k->lh[RV_AIR_MULDIV]) + SEG_MEM_SLACK;
}

cairn_err rv_air_prove_mem(rv_air_mem *out, unsigned po2, const stark_params *p)
{
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, po2, p));
    out->key = stark_pk_mem(k->pk);
    out->segment = seg_mem(k);
    out->workspace = stark_prove_mem(k->pk, k->lh);
    return CAIRN_OK;
}

/* ---- proving ------------------------------------------------------------ */

/* The io table, call by call. The cpu fill already performed the io words'
 * accesses on the segment's tracker and reported each word's previous ts;
 * a small tracker of the io words alone is set to (before, previous ts)
 * before each call, so rv_io_fill_call finds exactly what the segment's
 * tracker found. */
static cairn_err io_table_fill(gl_t *main, unsigned log_n, rv_lookups *lk, const rv_trace *tr,
                               const uint32_t *prev_ts)
{
    rv_memtrack t;
    FORWARD_IF_ERROR(rv_memtrack_init(&t, tr->io_nrows + 1));
    cairn_err e = CAIRN_OK;
    size_t row = 0;
    for (size_t r = 0; r < tr->io_nrows && e == CAIRN_OK;) {
        rv_io_call c;
        e = rv_io_call_at(&c, tr, r);
        for (size_t i = 0; i < c.nrows && e == CAIRN_OK; i++) {
            const size_t j = c.first + i;
            const uint32_t a = tr->io_col[RV_IO_addr][j] >> 2, before = tr->io_col[RV_IO_before][j];
            uint32_t v, ts = 0;
            if (!rv_memtrack_get(&t, a, &v, &ts)) e = rv_memtrack_put(&t, a, before);
            if (e == CAIRN_OK && ts != prev_ts[j]) e = rv_memtrack_write(&t, &v, &ts, a, prev_ts[j], before);
        }
        if (e == CAIRN_OK) e = rv_io_fill_call(main, log_n, &row, lk, &t, tr, &c);
        r += c.nrows;
    }
    if (e == CAIRN_OK) rv_io_fill_pad(main, log_n, row);
    rv_memtrack_free(&t);
    return e;
}

/* What a proving thread keeps between its segments (rv_air.h
 * rv_prove_segment) is its stark_keep of slot STARK_KEEP_SEGMENT: the
 * prover workspace and the tables' main traces, whose sizes follow from
 * the po2 (on huge pages, zeroed for each segment as calloc would have
 * them). */
_Static_assert(RV_AIR_NTABLES <= AIR_MAX_TABLES, "a stark_keep holds every table");

/* Everything one proof needs besides the key. */
typedef struct {
    rv_trace tr;
    rv_memtrack mt;
    rv_lookups lk;
    rv_decode_mult dm;
    rv_p2_calls calls;
    rv_muldiv_call *md;
    uint32_t *io_pts;
    gl_t *main[AIR_MAX_TABLES];
} seg_work;

static void work_free(seg_work *w, const stark_keep *th)
{
    rv_trace_free(&w->tr);
    rv_memtrack_free(&w->mt);
    rv_lookups_free(&w->lk);
    rv_p2_calls_free(&w->calls);
    free(w->md);
    free(w->io_pts);
    if (!th) /* else the thread's */
        for (unsigned t = 0; t < AIR_MAX_TABLES; t++) free(w->main[t]);
}

static const char *const TABLE_NAMES[RV_AIR_NTABLES] = {"cpu", "decode",  "range", "bytes", "muldiv", "ecall",
                                                         "io",  "journal", "p2",    "page",  "node",   "state"};

/* Checks the counts that have a table of their own against its height
 * before anything is filled, so the error names the table and both
 * numbers (the p2 count is known only after the fills; rv_p2_table_fill
 * reports it). */
static cairn_err check_fits(const rv_air_key *k, const rv_snapshot *s, const rv_trace *tr)
{
    const unsigned *lh = k->lh;
#define CAP(t) ((uint64_t)1 << lh[t])
    const uint64_t idx = s->index;
    RETURN_ERROR_IF(s->cycles > CAP(RV_AIR_CPU), CAIRN_ERR_LIMIT,
                    "segment %llu: %llu cycles, the cpu table has 2^%u rows", (unsigned long long)idx,
                    (unsigned long long)s->cycles, lh[RV_AIR_CPU]);
    RETURN_ERROR_IF((uint64_t)s->npages * RV_PAGE_ROWS > CAP(RV_AIR_PAGE), CAIRN_ERR_LIMIT,
                    "segment %llu: %zu pages need %llu page rows, the page table has 2^%u (%llu pages)",
                    (unsigned long long)idx, s->npages, (unsigned long long)s->npages * RV_PAGE_ROWS,
                    lh[RV_AIR_PAGE], (unsigned long long)(CAP(RV_AIR_PAGE) / RV_PAGE_ROWS));
    const size_t nodes = rv_node_count(s->page_index, s->npages);
    RETURN_ERROR_IF(nodes > CAP(RV_AIR_NODE), CAIRN_ERR_LIMIT,
                    "segment %llu: %zu Merkle nodes, the node table has 2^%u rows", (unsigned long long)idx, nodes,
                    lh[RV_AIR_NODE]);
    RETURN_ERROR_IF(tr->io_nrows > CAP(RV_AIR_IO), CAIRN_ERR_LIMIT,
                    "segment %llu: %zu io words, the io table has 2^%u rows", (unsigned long long)idx,
                    tr->io_nrows, lh[RV_AIR_IO]);
    const uint64_t jb = s->end.journal_len - s->start.journal_len;
    const size_t jrows = rv_journal_rows(s->start.journal_len, jb);
    RETURN_ERROR_IF(jrows > CAP(RV_AIR_JOURNAL), CAIRN_ERR_LIMIT,
                    "segment %llu: %llu journal bytes need %zu journal blocks, the journal table has 2^%u rows",
                    (unsigned long long)idx, (unsigned long long)jb, jrows, lh[RV_AIR_JOURNAL]);
    size_t nmd = 0, nec = 0;
    for (size_t i = 0; i < tr->nrows; i++) {
        const uint32_t op = tr->col[RV_COL_op][i];
        nmd += op >= RV_OP_MUL && op <= RV_OP_REMU;
        nec += op == RV_OP_ECALL;
    }
    RETURN_ERROR_IF(nec > CAP(RV_AIR_ECALL), CAIRN_ERR_LIMIT,
                    "segment %llu: %zu ECALLs, the ecall table has 2^%u rows", (unsigned long long)idx, nec,
                    lh[RV_AIR_ECALL]);
    RETURN_ERROR_IF(nmd > CAP(RV_AIR_MULDIV), CAIRN_ERR_LIMIT,
                    "segment %llu: %zu M-extension instructions, the muldiv table has 2^%u rows",
                    (unsigned long long)idx, nmd, lh[RV_AIR_MULDIV]);
#undef CAP
    return CAIRN_OK;
}

/* Fills every table of snapshot s (the order is the tracker's: see the top
 * of the file) and the public values. */
static cairn_err seg_fill(seg_work *w, gl_t pub[RV_AIR_NPUB], const rv_air_key *k, const rv_snapshot *s,
                          stark_keep *th)
{
    const unsigned *lh = k->lh;
    const air_machine *m = k->m;
    cairn_err e = rv_trace_build(&w->tr, s);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "segment %llu", (unsigned long long)s->index);
    const rv_trace *tr = &w->tr;
    FORWARD_IF_ERROR(check_fits(k, s, tr));

    for (unsigned t = 0; t < RV_AIR_NTABLES; t++) {
        if (th) {
            w->main[t] = stark_keep_trace(th, t, ((size_t)m->tables[t]->nmain * sizeof(gl_t)) << lh[t]);
        } else {
            w->main[t] = cairn_calloc((size_t)1 << lh[t], (size_t)m->tables[t]->nmain * sizeof(gl_t));
        }
        if (!w->main[t])
            return cairn_fail_nomem(((size_t)m->tables[t]->nmain * sizeof(gl_t)) << lh[t],
                                    "rv air: out of memory for the %s table (2^%u x %u)", TABLE_NAMES[t], lh[t],
                                    m->tables[t]->nmain);
    }
    const size_t mdcap = (size_t)1 << lh[RV_AIR_MULDIV];
    w->md = cairn_malloc_array(mdcap, sizeof *w->md);
    w->io_pts = cairn_malloc_array(tr->io_nrows + 1, sizeof *w->io_pts);
    if (!w->md || !w->io_pts) return cairn_fail_nomem(mdcap * sizeof *w->md, "rv air: out of memory");
    FORWARD_IF_ERROR(rv_lookups_alloc(&w->lk));
    size_t words;
    if (!cairn_mul_size(&words, s->npages, RV_PAGE_WORDS) || words > SIZE_MAX - 32)
        return cairn_fail(CAIRN_ERR_LIMIT, "segment %llu: %zu pages", (unsigned long long)s->index, s->npages);
    FORWARD_IF_ERROR(rv_memtrack_init(&w->mt, words + 32));
    FORWARD_IF_ERROR(rv_memtrack_load(&w->mt, s));

    rv_cpu_fill_out co;
    e = rv_cpu_fill(&k->cpu, w->main[RV_AIR_CPU], &co, &w->lk, &w->dm, &w->mt, w->md, mdcap, w->io_pts, &k->ec,
                    w->main[RV_AIR_ECALL], tr, s);
    if (e == CAIRN_OK) e = rv_muldiv_fill(&k->md, w->main[RV_AIR_MULDIV], &w->lk, NULL, w->md, co.nmuldiv);
    if (e == CAIRN_OK) e = io_table_fill(w->main[RV_AIR_IO], lh[RV_AIR_IO], &w->lk, tr, w->io_pts);
    if (e == CAIRN_OK)
        e = rv_journal_fill(w->main[RV_AIR_JOURNAL], lh[RV_AIR_JOURNAL], &w->calls, &w->lk, s, tr);
    if (e == CAIRN_OK)
        e = rv_paging_fill(w->main[RV_AIR_PAGE], lh[RV_AIR_PAGE], w->main[RV_AIR_NODE], lh[RV_AIR_NODE], &w->calls,
                           &w->lk, s, &w->mt);
    if (e == CAIRN_OK) e = rv_state_fill(w->main[RV_AIR_STATE], pub, &w->calls, &w->lk, s, &w->mt);
    if (e == CAIRN_OK) e = rv_p2_table_fill(w->main[RV_AIR_P2], lh[RV_AIR_P2], w->calls.v, w->calls.n);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "segment %llu", (unsigned long long)s->index);
    rv_decode_table_fill(w->main[RV_AIR_DECODE], &w->dm);
    rv_range_table_fill(w->main[RV_AIR_RANGE], &w->lk);
    rv_bytes_table_fill(w->main[RV_AIR_BYTES], &w->lk);
    pub[RV_CPU_PUB_CYCLES] = gl_from_u64(s->cycles);
    return CAIRN_OK;
}

static cairn_err prove_segment(uint8_t **proof, size_t *len, rv_seg_claim *claim, const rv_snapshot *s,
                               const stark_params *p, stark_keep *th)
{
    *proof = NULL;
    *len = 0;
    const unsigned po2 = s->segment_po2;
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, po2, p));
    seg_work w;
    memset(&w, 0, sizeof w);
    gl_t pub[RV_AIR_NPUB];
    cairn_err e = seg_fill(&w, pub, k, s, th);
    if (e == CAIRN_OK) {
        stark_trace tt[RV_AIR_NTABLES];
        for (unsigned t = 0; t < RV_AIR_NTABLES; t++) tt[t] = (stark_trace){w.main[t], k->lh[t]};
        if (p->check_trace) e = stark_check_trace(k->m, tt, pub, RV_AIR_NPUB);
        if (e == CAIRN_OK) e = stark_prove_ws(k->pk, th ? th->ws : NULL, tt, pub, RV_AIR_NPUB, proof, len);
        if (e != CAIRN_OK) e = cairn_prefix_error(e, "segment %llu", (unsigned long long)s->index);
    }
    work_free(&w, th);
#ifdef __GLIBC__
    /* the allocator keeps the freed memory of this proof's mid-sized
     * buffers (below its adaptive mmap threshold, up to 32 MiB) in its
     * arenas; the next segment's high point would come on top of it */
    malloc_trim(0);
#endif
    if (e != CAIRN_OK) return e;
    claim->po2 = po2;
    memcpy(claim->start.v, pub, sizeof claim->start.v);
    memcpy(claim->end.v, pub + P2_DIGEST, sizeof claim->end.v);
    claim->cycles = s->cycles;
    return CAIRN_OK;
}

cairn_err rv_prove_segment_ws(uint8_t **proof, size_t *len, rv_seg_claim *claim, const rv_snapshot *s,
                              const stark_params *p, stark_workspace *ws)
{
    stark_keep th = {.ws = ws};
    cairn_err e = prove_segment(proof, len, claim, s, p, ws ? &th : NULL);
    stark_keep_traces_free(&th);
    return e;
}

void rv_prove_release(void) { stark_keep_release(stark_keep_thread(STARK_KEEP_SEGMENT, 0)); }

size_t rv_prove_held(void) { return stark_keep_held(stark_keep_thread(STARK_KEEP_SEGMENT, 0)); }

cairn_err rv_prove_segment(uint8_t **proof, size_t *len, rv_seg_claim *claim, const rv_snapshot *s,
                           const stark_params *p)
{
    return prove_segment(proof, len, claim, s, p, stark_keep_thread(STARK_KEEP_SEGMENT, 1));
}

cairn_err rv_seg_claim_pub(gl_t pub[RV_AIR_NPUB], const rv_seg_claim *claim)
{
    unsigned lh[AIR_MAX_TABLES];
    RETURN_ERROR_IF(!rv_air_heights(claim->po2, lh), CAIRN_ERR_VERIFY, "segment claim: po2 %u outside %u..%u",
                    claim->po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    RETURN_ERROR_IF(claim->cycles == 0 || claim->cycles > ((uint64_t)1 << claim->po2), CAIRN_ERR_VERIFY,
                    "segment claim: %llu cycles outside 1..2^%u", (unsigned long long)claim->cycles, claim->po2);
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        RETURN_ERROR_IF(claim->start.v[i] >= GL_P || claim->end.v[i] >= GL_P, CAIRN_ERR_VERIFY,
                        "segment claim: digest element %u is not canonical", i);
        pub[i] = claim->start.v[i];
        pub[P2_DIGEST + i] = claim->end.v[i];
    }
    pub[RV_CPU_PUB_CYCLES] = gl_from_u64(claim->cycles);
    return CAIRN_OK;
}

cairn_err rv_air_vk(const stark_vk **vk, unsigned po2, const stark_params *p)
{
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, po2, p));
    *vk = k->vk;
    return CAIRN_OK;
}

cairn_err rv_verify_segment(const rv_seg_claim *claim, const uint8_t *proof, size_t len, const stark_params *p)
{
    unsigned lh[AIR_MAX_TABLES];
    gl_t pub[RV_AIR_NPUB];
    FORWARD_IF_ERROR(rv_seg_claim_pub(pub, claim));
    rv_air_heights(claim->po2, lh);
    const rv_air_key *k;
    FORWARD_IF_ERROR(key_get(&k, claim->po2, p));
    cairn_err e = stark_verify(k->vk, pub, RV_AIR_NPUB, proof, len, lh);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "segment proof (po2 %u)", claim->po2);
    return CAIRN_OK;
}
