/* Memory argument and paging of the RV32IM AIR (rv_air_mem.h,
 * docs/rv-air.md "Memory argument", "Paging and the memory roots").
 *
 * Why the page and node tables are sound without sorting the pages.
 * Every RV_BUS_NODE message is sent with multiplicity 1 (a node row's
 * parent, a page's leaf) and received with multiplicity 0/1 (a node row's
 * non-sibling child, the root's single consumer); the bus balances, so the
 * multiset of sent tuples is the multiset of received ones: every message
 * is consumed by exactly one receive (no multiplicity reaches p: the
 * tables have fewer rows). Induction from the top down:
 *  - levels 23..32: node levels are 1..32 (level - 1 is range-checked to
 *    5 bits). A row at level 32 sends a message only a level-33 row could
 *    receive, and there is none; so no row has level 32, hence none has
 *    31 (its message would need a level-32 row), ..., none has 23.
 *  - level 22: the only receive of a level-22 message is then the root
 *    consumer's (22, 0, root_in, root_out), multiplicity 1: exactly one
 *    row at level 22, index 0, and its digests are the roots.
 *  - level l < 22: messages (l, j) are received only by rows at level l+1
 *    as their children 2i and 2i+1; those rows have distinct indices
 *    i < 2^(21-l) by induction, so the level-l senders have distinct
 *    indices j < 2^(22-l), each at the position its parent hashes it in.
 *  - level 0 is sent by pages (the leaf) and by no node row (level >= 1).
 *    So every page's leaf is consumed by the level-1 row over it: pages
 *    are unique (a page listed twice sends two (0, p) leaves and only one
 *    receive exists), their indices are < 2^22 (so their word addresses
 *    are < 2^30 and never meet a register address), and a sibling flag
 *    cannot hide a touched page (its leaf would go unconsumed).
 * Sibling digests have in = out (an untouched subtree does not change),
 * and the start root binds the leaves and siblings by collision resistance
 * of Poseidon2; the end root is then the tree with the touched leaves
 * replaced by their page-out digests. Unique pages make the page table's
 * start sends (a, v, 0) the only ts-0 sends of each memory word, which
 * the memory argument needs (docs/rv-air.md).
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_mem.h"
#include "rv_air_tables.h"

_Static_assert(RV_REG_ADDR(0) == RV_MEM_REG_BASE, "register addresses of rv_air_int.h");

#define W P2_WIDTH
#define D P2_DIGEST

/* ---- the access gadget --------------------------------------------------- */

void rv_mem_layout(rv_mem_g *g, rv_cols *c)
{
    g->lo = rv_col_alloc(c, 1);
    g->hi = rv_col_alloc(c, 1);
}

air_expr rv_mem_prev_ts(const rv_mem_g *g, air_machine *m, air_table *t, air_expr ts)
{
    air_expr d = air_add(m, t, air_col(m, t, AIR_MAIN, g->lo, 0),
                         air_mul(m, t, air_const(m, t, 1u << 16), air_col(m, t, AIR_MAIN, g->hi, 0)));
    return air_sub(m, t, air_sub(m, t, ts, air_const(m, t, 1)), d);
}

void rv_mem_build(const rv_mem_g *g, air_machine *m, air_table *t, air_expr sel, air_expr addr,
                  air_expr prev_value, air_expr value, air_expr ts)
{
    /* ts - prev_ts - 1 in [0, 2^32): the access reads an earlier write */
    rv_range_send(m, t, sel, air_col(m, t, AIR_MAIN, g->lo, 0), 16);
    rv_range_send(m, t, sel, air_col(m, t, AIR_MAIN, g->hi, 0), 16);
    air_expr rx[3] = {addr, prev_value, rv_mem_prev_ts(g, m, t, ts)};
    air_interact(m, t, RV_BUS_MEM, AIR_RECEIVE, sel, rx, 3);
    air_expr tx[3] = {addr, value, ts};
    air_interact(m, t, RV_BUS_MEM, AIR_SEND, sel, tx, 3);
}

void rv_mem_fill(const rv_mem_g *g, gl_t *row, rv_lookups *lk, uint32_t ts, uint32_t prev_ts)
{
    uint32_t d = ts - prev_ts - 1u;
    row[g->lo] = d & 0xffffu;
    row[g->hi] = d >> 16;
    rv_lk_range(lk, d & 0xffffu, 16);
    rv_lk_range(lk, d >> 16, 16);
}

/* ---- the tracker ------------------------------------------------------------ */

cairn_err rv_memtrack_init(rv_memtrack *t, size_t max_words)
{
    memset(t, 0, sizeof *t);
    RETURN_ERROR_IF(max_words > ((size_t)1 << 31), CAIRN_ERR_USAGE,
                    "rv memtrack: %zu words is more than a segment can touch", max_words);
    unsigned log = 4;
    while (((size_t)1 << log) < 2 * max_words) log++;
    t->cap = (size_t)1 << log;
    t->shift = 32 - log;
    t->max = max_words;
    t->key = cairn_calloc(t->cap, sizeof *t->key);
    t->value = cairn_malloc_array(t->cap, sizeof *t->value);
    t->ts = cairn_malloc_array(t->cap, sizeof *t->ts);
    if (!t->key || !t->value || !t->ts) {
        rv_memtrack_free(t);
        return cairn_fail_nomem(3 * ((size_t)1 << log) * sizeof(uint32_t),
                                "rv memtrack: out of memory for %zu words", max_words);
    }
    return CAIRN_OK;
}

void rv_memtrack_free(rv_memtrack *t)
{
    if (!t) return;
    free(t->key);
    free(t->value);
    free(t->ts);
    memset(t, 0, sizeof *t);
}

void rv_memtrack_clear(rv_memtrack *t)
{
    if (t->key) memset(t->key, 0, t->cap * sizeof *t->key);
    t->n = 0;
}

/* The slot holding addr, or the free slot where it would go. Fibonacci
 * hashing: the top bits of addr * 2^32/phi, so runs of consecutive words
 * spread over the table. */
static size_t slot_of(const rv_memtrack *t, uint32_t addr)
{
    const uint32_t k = addr + 1u;
    size_t s = (uint32_t)(k * 0x9E3779B1u) >> t->shift;
    while (t->key[s] && t->key[s] != k) s = (s + 1) & (t->cap - 1);
    return s;
}

cairn_err rv_memtrack_put(rv_memtrack *t, uint32_t addr, uint32_t value)
{
    RETURN_ERROR_IF(addr == UINT32_MAX, CAIRN_ERR_USAGE, "rv memtrack: address %#x", addr);
    size_t s = slot_of(t, addr);
    RETURN_ERROR_IF(t->key[s], CAIRN_ERR_USAGE, "rv memtrack: address %#x put twice", addr);
    RETURN_ERROR_IF(t->n >= t->max, CAIRN_ERR_LIMIT, "rv memtrack: more than %zu words", t->max);
    t->key[s] = addr + 1u;
    t->value[s] = value;
    t->ts[s] = 0;
    t->n++;
    return CAIRN_OK;
}

cairn_err rv_memtrack_load(rv_memtrack *t, const rv_snapshot *s)
{
    for (size_t i = 0; i < s->npages; i++) {
        const uint8_t *pg = s->page_data + i * RV_PAGE_BYTES;
        for (uint32_t w = 0; w < RV_PAGE_WORDS; w++) {
            const uint8_t *b = pg + 4 * w;
            uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            FORWARD_IF_ERROR(rv_memtrack_put(t, s->page_index[i] * RV_PAGE_WORDS + w, v));
        }
    }
    for (uint32_t r = 1; r < 32; r++) FORWARD_IF_ERROR(rv_memtrack_put(t, RV_MEM_REG_BASE + r, s->start.x[r]));
    return CAIRN_OK;
}

int rv_memtrack_get(const rv_memtrack *t, uint32_t addr, uint32_t *value, uint32_t *ts)
{
    if (!t->cap || addr == UINT32_MAX) return 0;
    size_t s = slot_of(t, addr);
    if (!t->key[s]) return 0;
    *value = t->value[s];
    *ts = t->ts[s];
    return 1;
}

static cairn_err track_access(rv_memtrack *t, uint32_t *prev_value, uint32_t *prev_ts,
                              uint32_t addr, uint32_t ts, int write, uint32_t value)
{
    RETURN_ERROR_IF(!t->cap || addr == UINT32_MAX, CAIRN_ERR_CORRUPT, "rv memtrack: address %#x unknown", addr);
    size_t s = slot_of(t, addr);
    RETURN_ERROR_IF(!t->key[s], CAIRN_ERR_CORRUPT,
                    "rv memtrack: address %#x is on no page of the snapshot", addr);
    RETURN_ERROR_IF(ts <= t->ts[s], CAIRN_ERR_USAGE,
                    "rv memtrack: access to %#x at ts %u after one at ts %u", addr, ts, t->ts[s]);
    *prev_value = t->value[s];
    *prev_ts = t->ts[s];
    if (write) t->value[s] = value;
    t->ts[s] = ts;
    return CAIRN_OK;
}

cairn_err rv_memtrack_read(rv_memtrack *t, uint32_t *value, uint32_t *prev_ts, uint32_t addr,
                           uint32_t ts)
{
    return track_access(t, value, prev_ts, addr, ts, 0, 0);
}

cairn_err rv_memtrack_write(rv_memtrack *t, uint32_t *prev_value, uint32_t *prev_ts,
                            uint32_t addr, uint32_t ts, uint32_t value)
{
    return track_access(t, prev_value, prev_ts, addr, ts, 1, value);
}

cairn_err rv_mem_fill_read(const rv_mem_g *g, gl_t *row, rv_lookups *lk, rv_memtrack *t,
                           uint32_t *value, uint32_t addr, uint32_t ts)
{
    uint32_t prev_ts = 0;
    FORWARD_IF_ERROR(rv_memtrack_read(t, value, &prev_ts, addr, ts));
    rv_mem_fill(g, row, lk, ts, prev_ts);
    return CAIRN_OK;
}

cairn_err rv_mem_fill_write(const rv_mem_g *g, gl_t *row, rv_lookups *lk, rv_memtrack *t,
                            uint32_t *prev_value, uint32_t addr, uint32_t ts, uint32_t value)
{
    uint32_t prev_ts = 0;
    FORWARD_IF_ERROR(rv_memtrack_write(t, prev_value, &prev_ts, addr, ts, value));
    rv_mem_fill(g, row, lk, ts, prev_ts);
    return CAIRN_OK;
}

/* ---- shared helpers ------------------------------------------------------- */

/* Two permutations a row sends (page-in and page-out, or the in and out
 * compressions): one p2 call of multiplicity 2 when the inputs agree
 * (read-only pages, unchanged subtrees), else two calls. */
static cairn_err record2(rv_p2_calls *c, gl_t oa[W], const gl_t ia[W], gl_t ob[W], const gl_t ib[W])
{
    FORWARD_IF_ERROR(rv_p2_record(c, oa, ia));
    if (memcmp(ia, ib, W * sizeof *ia) == 0) {
        c->v[c->n - 1].mult++;
        memcpy(ob, oa, W * sizeof *ob);
        return CAIRN_OK;
    }
    return rv_p2_record(c, ob, ib);
}

static cairn_err table_rows(size_t *n, unsigned log_n, const char *name)
{
    RETURN_ERROR_IF(log_n >= 8 * sizeof(size_t) - 8, CAIRN_ERR_USAGE, "rv air: %s table of 2^%u rows",
                    name, log_n);
    *n = (size_t)1 << log_n;
    return CAIRN_OK;
}

/* ---- the page table ----------------------------------------------------------- */

air_table *rv_page_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "page", 0, RV_PAGE_NCOLS);
    if (!t) return NULL;
    air_expr c[RV_PAGE_NCOLS], n[RV_PAGE_NCOLS];
    for (unsigned i = 0; i < RV_PAGE_NCOLS; i++) {
        c[i] = air_col(m, t, AIR_MAIN, i, 0);
        n[i] = air_col(m, t, AIR_MAIN, i, 1);
    }
    const air_expr one = air_const(m, t, 1), zero = air_const(m, t, 0);
    const air_expr act = c[RV_PAGE_ACTIVE], first = c[RV_PAGE_FIRST], last = c[RV_PAGE_LAST];
    const air_expr p = c[RV_PAGE_P], b = c[RV_PAGE_B];
    const air_expr cont = air_sub(m, t, act, last); /* a page row that is not its last */
    const air_expr trans = air_sel(m, t, AIR_SEL_TRANS);
    const air_expr tc = air_mul(m, t, trans, cont);

    /* flags */
    air_constrain(m, t, air_mul(m, t, act, air_sub(m, t, act, one)), "page active boolean");
    air_constrain(m, t, air_mul(m, t, first, air_sub(m, t, first, one)), "page first boolean");
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, last, one)), "page last boolean");
    air_constrain(m, t, air_mul(m, t, first, air_sub(m, t, one, act)), "page first is active");
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, one, act)), "page last is active");
    /* a page is a run of rows from a first row (b = 0) to a last row
     * (b = 31), b counting up by one and p kept: so exactly 32 rows, whose
     * words 256 p + 8 b + k are the page's 256 words once each */
    air_constrain(m, t, air_mul(m, t, first, b), "page first block is 0");
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, b, air_const(m, t, RV_PAGE_ROWS - 1))),
                  "page last block is 31");
    air_constrain(m, t, air_mul(m, t, tc, air_sub(m, t, n[RV_PAGE_B], air_add(m, t, b, one))),
                  "page block increments");
    air_constrain(m, t, air_mul(m, t, tc, air_sub(m, t, n[RV_PAGE_P], p)), "page index kept");
    /* after a non-last row comes the same page: active, not first */
    air_constrain(m, t,
                  air_mul(m, t, tc, air_add(m, t, air_sub(m, t, one, n[RV_PAGE_ACTIVE]), n[RV_PAGE_FIRST])),
                  "page continues");
    /* an active row that is not first follows a non-last row of its page */
    air_constrain(m, t,
                  air_mul(m, t, air_mul(m, t, trans, air_sub(m, t, n[RV_PAGE_ACTIVE], n[RV_PAGE_FIRST])),
                          air_sub(m, t, one, cont)),
                  "page row follows its page");
    air_constrain(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_FIRST), air_sub(m, t, act, first)),
                  "page table starts a page");
    air_constrain(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_LAST), cont), "page table ends its pages");

    /* the two sponges: p2_hash of the 256 start / end words */
    const air_expr len = air_const(m, t, RV_PAGE_WORDS);
    rv_p2_sponge_start(m, t, first, c + RV_PAGE_CAP_IN, len);
    rv_p2_sponge_start(m, t, first, c + RV_PAGE_CAP_OUT, len);
    rv_p2_sponge_chain(m, t, tc, n + RV_PAGE_CAP_IN, c + RV_PAGE_OUT_IN);
    rv_p2_sponge_chain(m, t, tc, n + RV_PAGE_CAP_OUT, c + RV_PAGE_OUT_OUT);
    rv_p2_absorb(m, t, act, c + RV_PAGE_START, P2_RATE, c + RV_PAGE_CAP_IN, c + RV_PAGE_OUT_IN);
    rv_p2_absorb(m, t, act, c + RV_PAGE_END, P2_RATE, c + RV_PAGE_CAP_OUT, c + RV_PAGE_OUT_OUT);

    /* the words: start values at ts 0, end values at their last ts */
    const air_expr base = air_add(m, t, air_mul(m, t, air_const(m, t, RV_PAGE_WORDS), p),
                                  air_mul(m, t, air_const(m, t, P2_RATE), b));
    for (unsigned k = 0; k < P2_RATE; k++) {
        air_expr addr = air_add(m, t, base, air_const(m, t, k));
        air_expr tx[3] = {addr, c[RV_PAGE_START + k], zero};
        air_interact(m, t, RV_BUS_MEM, AIR_SEND, act, tx, 3);
        air_expr rx[3] = {addr, c[RV_PAGE_END + k], c[RV_PAGE_TLAST + k]};
        air_interact(m, t, RV_BUS_MEM, AIR_RECEIVE, act, rx, 3);
    }

    /* the leaf, from the last row (its sponge outputs are the digests) */
    air_expr leaf[2 + 2 * D];
    leaf[0] = zero;
    leaf[1] = p;
    for (unsigned i = 0; i < D; i++) {
        leaf[2 + i] = c[RV_PAGE_OUT_IN + i];
        leaf[2 + D + i] = c[RV_PAGE_OUT_OUT + i];
    }
    air_interact(m, t, RV_BUS_NODE, AIR_SEND, last, leaf, 2 + 2 * D);
    return t;
}

cairn_err rv_page_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, p2_digest *leaf_in,
                       p2_digest *leaf_out, const uint32_t *page, size_t npages,
                       const uint32_t *start, const uint32_t *end, const uint32_t *t_last)
{
    size_t n = 0;
    FORWARD_IF_ERROR(table_rows(&n, log_n, "page"));
    RETURN_ERROR_IF(npages > n / RV_PAGE_ROWS, CAIRN_ERR_LIMIT,
                    "rv air: %zu pages do not fit the page table of 2^%u rows", npages, log_n);
    for (size_t i = 0; i < npages; i++) {
        RETURN_ERROR_IF(page[i] >= RV_NPAGES, CAIRN_ERR_USAGE, "rv air: page %u", page[i]);
        gl_t st_in[W], st_out[W];
        rv_p2_sponge_init(st_in, RV_PAGE_WORDS);
        rv_p2_sponge_init(st_out, RV_PAGE_WORDS);
        for (unsigned b = 0; b < RV_PAGE_ROWS; b++) {
            gl_t *row = main + (i * RV_PAGE_ROWS + b) * RV_PAGE_NCOLS;
            const size_t w = i * RV_PAGE_WORDS + (size_t)b * P2_RATE;
            row[RV_PAGE_ACTIVE] = 1;
            row[RV_PAGE_FIRST] = b == 0;
            row[RV_PAGE_LAST] = b == RV_PAGE_ROWS - 1;
            row[RV_PAGE_P] = page[i];
            row[RV_PAGE_B] = b;
            gl_t in_i[W], in_o[W];
            for (unsigned k = 0; k < P2_RATE; k++) {
                row[RV_PAGE_START + k] = in_i[k] = start[w + k];
                row[RV_PAGE_END + k] = in_o[k] = end[w + k];
                row[RV_PAGE_TLAST + k] = t_last[w + k];
            }
            memcpy(in_i + P2_RATE, st_in + P2_RATE, RV_P2_CAP * sizeof *in_i);
            memcpy(in_o + P2_RATE, st_out + P2_RATE, RV_P2_CAP * sizeof *in_o);
            memcpy(row + RV_PAGE_CAP_IN, in_i + P2_RATE, RV_P2_CAP * sizeof *row);
            memcpy(row + RV_PAGE_CAP_OUT, in_o + P2_RATE, RV_P2_CAP * sizeof *row);
            FORWARD_IF_ERROR(record2(calls, st_in, in_i, st_out, in_o));
            memcpy(row + RV_PAGE_OUT_IN, st_in, W * sizeof *row);
            memcpy(row + RV_PAGE_OUT_OUT, st_out, W * sizeof *row);
        }
        memcpy(leaf_in[i].v, st_in, sizeof leaf_in[i].v);
        memcpy(leaf_out[i].v, st_out, sizeof leaf_out[i].v);
    }
    const size_t used = npages * RV_PAGE_ROWS;
    memset(main + used * RV_PAGE_NCOLS, 0, (n - used) * RV_PAGE_NCOLS * sizeof *main);
    return CAIRN_OK;
}

/* ---- the node table -------------------------------------------------------------- */

air_table *rv_node_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "node", 0, RV_NODE_NCOLS);
    if (!t) return NULL;
    air_expr c[RV_NODE_NCOLS];
    for (unsigned i = 0; i < RV_NODE_NCOLS; i++) c[i] = air_col(m, t, AIR_MAIN, i, 0);
    const air_expr one = air_const(m, t, 1), zero = air_const(m, t, 0);
    const air_expr act = c[RV_NODE_ACTIVE], level = c[RV_NODE_LEVEL], idx = c[RV_NODE_INDEX];
    const air_expr sib[2] = {c[RV_NODE_SIB_L], c[RV_NODE_SIB_R]};
    const unsigned child_in[2] = {RV_NODE_L_IN, RV_NODE_R_IN}, child_out[2] = {RV_NODE_L_OUT, RV_NODE_R_OUT};

    air_constrain(m, t, air_mul(m, t, act, air_sub(m, t, act, one)), "node active boolean");
    for (unsigned s = 0; s < 2; s++) {
        air_constrain(m, t, air_mul(m, t, sib[s], air_sub(m, t, sib[s], one)), "node sibling boolean");
        /* so the child's multiplicity active - sib is 0 or 1, never -1 */
        air_constrain(m, t, air_mul(m, t, sib[s], air_sub(m, t, one, act)), "node sibling is active");
        /* an untouched subtree is the same at the start and the end */
        for (unsigned i = 0; i < D; i++)
            air_constrain(m, t,
                          air_mul(m, t, sib[s], air_sub(m, t, c[child_out[s] + i], c[child_in[s] + i])),
                          "node sibling unchanged");
    }
    /* levels 1..32 (1..22 by the argument at the top of this file) */
    const air_expr below = air_sub(m, t, level, one);
    rv_range_send(m, t, act, below, 5);

    /* parent_in = compress(l_in, r_in), parent_out = compress(l_out, r_out) */
    air_expr in[W];
    for (unsigned i = 0; i < D; i++) in[2 * D + i] = zero;
    for (unsigned i = 0; i < D; i++) {
        in[i] = c[RV_NODE_L_IN + i];
        in[D + i] = c[RV_NODE_R_IN + i];
    }
    rv_p2_send(m, t, act, in, c + RV_NODE_OUT_IN);
    for (unsigned i = 0; i < D; i++) {
        in[i] = c[RV_NODE_L_OUT + i];
        in[D + i] = c[RV_NODE_R_OUT + i];
    }
    rv_p2_send(m, t, act, in, c + RV_NODE_OUT_OUT);

    /* children 2 index (left) and 2 index + 1 (right), unless siblings */
    air_expr tup[2 + 2 * D];
    tup[0] = below;
    for (unsigned s = 0; s < 2; s++) {
        air_expr two_i = air_add(m, t, idx, idx);
        tup[1] = s ? air_add(m, t, two_i, one) : two_i;
        for (unsigned i = 0; i < D; i++) {
            tup[2 + i] = c[child_in[s] + i];
            tup[2 + D + i] = c[child_out[s] + i];
        }
        air_interact(m, t, RV_BUS_NODE, AIR_RECEIVE, air_sub(m, t, act, sib[s]), tup, 2 + 2 * D);
    }
    tup[0] = level;
    tup[1] = idx;
    for (unsigned i = 0; i < D; i++) {
        tup[2 + i] = c[RV_NODE_OUT_IN + i];
        tup[2 + D + i] = c[RV_NODE_OUT_OUT + i];
    }
    air_interact(m, t, RV_BUS_NODE, AIR_SEND, act, tup, 2 + 2 * D);
    return t;
}

void rv_mem_root_receive(air_machine *m, air_table *t, air_expr mult,
                         const air_expr root_in[P2_DIGEST], const air_expr root_out[P2_DIGEST])
{
    air_expr tup[2 + 2 * D];
    tup[0] = air_const(m, t, RV_TREE_DEPTH);
    tup[1] = air_const(m, t, 0);
    for (unsigned i = 0; i < D; i++) {
        tup[2 + i] = root_in[i];
        tup[2 + D + i] = root_out[i];
    }
    air_interact(m, t, RV_BUS_NODE, AIR_RECEIVE, mult, tup, 2 + 2 * D);
}

size_t rv_node_count(const uint32_t *page, size_t npages)
{
    size_t total = 0;
    for (unsigned l = 1; l <= RV_TREE_DEPTH; l++) {
        size_t k = 0;
        for (size_t i = 0; i < npages; i++)
            if (i == 0 || page[i] >> l != page[i - 1] >> l) k++;
        total += k;
    }
    return total;
}

/* A node of the level being walked: index and its two digests. */
typedef struct {
    uint32_t idx;
    p2_digest in, out;
} walk_node;

cairn_err rv_node_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, rv_lookups *lk,
                       p2_digest *root_in, p2_digest *root_out, const uint32_t *page,
                       const p2_digest *leaf_in, const p2_digest *leaf_out, size_t npages,
                       const p2_digest *sib, size_t nsib)
{
    size_t n = 0;
    FORWARD_IF_ERROR(table_rows(&n, log_n, "node"));
    RETURN_ERROR_IF(npages == 0, CAIRN_ERR_USAGE, "rv air: node rows of no page");
    for (size_t i = 0; i < npages; i++) {
        RETURN_ERROR_IF(page[i] >= RV_NPAGES, CAIRN_ERR_USAGE, "rv air: page %u", page[i]);
        RETURN_ERROR_IF(i && page[i] <= page[i - 1], CAIRN_ERR_USAGE,
                        "rv air: pages not ascending at %zu (%u after %u)", i, page[i], page[i - 1]);
    }
    const size_t need = rv_node_count(page, npages);
    RETURN_ERROR_IF(need > n, CAIRN_ERR_LIMIT,
                    "rv air: %zu Merkle nodes do not fit the node table of 2^%u rows", need, log_n);
    walk_node *cur = cairn_malloc_array(npages, sizeof *cur);
    if (!cur) return cairn_fail_nomem(npages * sizeof *cur, "rv air: out of memory for %zu pages", npages);
    for (size_t i = 0; i < npages; i++) cur[i] = (walk_node){page[i], leaf_in[i], leaf_out[i]};
    cairn_err err = CAIRN_OK;
    size_t m = npages, r = 0, k = 0;
    /* the walk of rv_tree_from_multiproof: level by level, ascending, the
     * sibling of a node whose pair is not in the set taken from sib */
    for (unsigned l = 0; l < RV_TREE_DEPTH && err == CAIRN_OK; l++) {
        size_t m2 = 0;
        for (size_t i = 0; i < m; i++) {
            walk_node ch[2];
            int flag[2] = {0, 0};
            const uint32_t idx = cur[i].idx;
            const int odd = idx & 1;
            ch[odd] = cur[i];
            if (!odd && i + 1 < m && cur[i + 1].idx == idx + 1) {
                ch[1] = cur[++i];
            } else {
                if (k >= nsib) {
                    err = cairn_fail(CAIRN_ERR_USAGE, "rv air: multiproof of %zu nodes is too short", nsib);
                    break;
                }
                ch[!odd].in = ch[!odd].out = sib[k++];
                flag[!odd] = 1;
            }
            gl_t *row = main + r++ * RV_NODE_NCOLS;
            memset(row, 0, RV_NODE_NCOLS * sizeof *row);
            row[RV_NODE_ACTIVE] = 1;
            row[RV_NODE_LEVEL] = l + 1;
            row[RV_NODE_INDEX] = idx >> 1;
            row[RV_NODE_SIB_L] = flag[0];
            row[RV_NODE_SIB_R] = flag[1];
            gl_t in_i[W] = {0}, in_o[W] = {0};
            memcpy(in_i, ch[0].in.v, sizeof ch[0].in.v);
            memcpy(in_i + D, ch[1].in.v, sizeof ch[1].in.v);
            memcpy(in_o, ch[0].out.v, sizeof ch[0].out.v);
            memcpy(in_o + D, ch[1].out.v, sizeof ch[1].out.v);
            memcpy(row + RV_NODE_L_IN, in_i, D * sizeof *row);
            memcpy(row + RV_NODE_R_IN, in_i + D, D * sizeof *row);
            memcpy(row + RV_NODE_L_OUT, in_o, D * sizeof *row);
            memcpy(row + RV_NODE_R_OUT, in_o + D, D * sizeof *row);
            rv_lk_range(lk, l, 5);
            gl_t o_i[W], o_o[W];
            if ((err = record2(calls, o_i, in_i, o_o, in_o)) != CAIRN_OK) break;
            memcpy(row + RV_NODE_OUT_IN, o_i, W * sizeof *row);
            memcpy(row + RV_NODE_OUT_OUT, o_o, W * sizeof *row);
            walk_node *p = &cur[m2++]; /* m2 <= i: the parents overwrite the level in place */
            p->idx = idx >> 1;
            memcpy(p->in.v, o_i, sizeof p->in.v);
            memcpy(p->out.v, o_o, sizeof p->out.v);
        }
        m = m2;
    }
    if (err == CAIRN_OK && k != nsib)
        err = cairn_fail(CAIRN_ERR_USAGE, "rv air: multiproof of %zu nodes, the pages need %zu", nsib, k);
    if (err == CAIRN_OK) {
        /* a walk of 22 levels ends at the single root, index 0 */
        if (m != 1 || cur[0].idx != 0 || r != need) {
            err = cairn_fail(CAIRN_ERR_INTERNAL, "rv air: Merkle walk ended with %zu nodes", m);
        } else {
            *root_in = cur[0].in;
            *root_out = cur[0].out;
            memset(main + r * RV_NODE_NCOLS, 0, (n - r) * RV_NODE_NCOLS * sizeof *main);
        }
    }
    free(cur);
    return err;
}

/* ---- the honest prover's paging witness ---------------------------------------- */

cairn_err rv_paging_fill(gl_t *page_main, unsigned page_log, gl_t *node_main, unsigned node_log,
                         rv_p2_calls *calls, rv_lookups *lk, const rv_snapshot *s,
                         const rv_memtrack *t)
{
    const size_t np = s->npages;
    RETURN_ERROR_IF(np == 0, CAIRN_ERR_USAGE, "rv air: snapshot %llu has no pages",
                    (unsigned long long)s->index);
    size_t nw;
    if (!cairn_mul_size(&nw, np, RV_PAGE_WORDS))
        return cairn_fail(CAIRN_ERR_LIMIT, "rv air: %zu pages", np);
    uint32_t *words = cairn_malloc_array(nw, 3 * sizeof *words);
    p2_digest *leaf = cairn_malloc_array(np, 2 * sizeof *leaf);
    if (!words || !leaf) {
        free(words);
        free(leaf);
        return cairn_fail_nomem(nw * 3 * sizeof *words, "rv air: out of memory for %zu pages", np);
    }
    uint32_t *start = words, *end = words + nw, *t_last = words + 2 * nw;
    cairn_err err = CAIRN_OK;
    for (size_t w = 0; w < nw && err == CAIRN_OK; w++) {
        const uint8_t *b = s->page_data + 4 * w;
        start[w] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        uint32_t addr = s->page_index[w / RV_PAGE_WORDS] * RV_PAGE_WORDS + (uint32_t)(w % RV_PAGE_WORDS);
        if (!rv_memtrack_get(t, addr, &end[w], &t_last[w]))
            err = cairn_fail(CAIRN_ERR_USAGE, "rv air: the tracker lacks word %#x of page %u", addr,
                             s->page_index[w / RV_PAGE_WORDS]);
    }
    p2_digest root_in, root_out;
    if (err == CAIRN_OK)
        err = rv_page_fill(page_main, page_log, calls, leaf, leaf + np, s->page_index, np, start, end, t_last);
    if (err == CAIRN_OK)
        err = rv_node_fill(node_main, node_log, calls, lk, &root_in, &root_out, s->page_index, leaf,
                           leaf + np, np, s->nodes, s->nnodes);
    if (err == CAIRN_OK && memcmp(&root_in, &s->start.root, sizeof root_in) != 0)
        err = cairn_fail(CAIRN_ERR_VERIFY, "rv air: the pages of snapshot %llu do not hash to its start root",
                         (unsigned long long)s->index);
    if (err == CAIRN_OK && memcmp(&root_out, &s->end.root, sizeof root_out) != 0)
        err = cairn_fail(CAIRN_ERR_VERIFY,
                         "rv air: the end words of snapshot %llu do not hash to its end root",
                         (unsigned long long)s->index);
    free(words);
    free(leaf);
    return err;
}
