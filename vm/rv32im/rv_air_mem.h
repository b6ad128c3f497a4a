/* The memory argument and paging of the RV32IM segment AIR (docs/rv-air.md
 * "Memory argument", "Paging and the memory roots"):
 *
 *  - the memory-access gadget (rv_mem_*), used by every table that reads
 *    or writes a memory word or a register, with the witness-side tracker
 *    (rv_memtrack) that supplies each access's previous value and ts;
 *  - the `page` table: the start and end words of every touched page on
 *    RV_BUS_MEM, hashed into the page-in and page-out digests through p2;
 *  - the `node` table: the Merkle paths from the page digests to the start
 *    and end roots, on RV_BUS_NODE; the root (RV_TREE_DEPTH, 0, root_in,
 *    root_out) is received once by whoever binds it (the state table;
 *    rv_mem_root_receive).
 *
 * Addresses on RV_BUS_MEM: word addresses (byte address >> 2, < 2^30) for
 * memory, RV_MEM_REG_BASE + i for register x_i. Timestamps are < 2^28
 * (8 * (cycle + 1) + slot, cycle < 2^24); 0 is the start of the segment.
 */
#ifndef CAIRN_VM_RV_AIR_MEM_H
#define CAIRN_VM_RV_AIR_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "rv.h"
#include "rv_air_int.h"
#include "rv_air_p2.h"

#define RV_MEM_REG_BASE (1u << 30) /* address of x_i: RV_MEM_REG_BASE + i */

/* ---- the access gadget ----------------------------------------------------
 * build(sel, addr, prev_value, value, ts): with multiplicity sel, RECEIVE
 * (addr, prev_value, prev_ts) and SEND (addr, value, ts) on RV_BUS_MEM,
 * where prev_ts = ts - 1 - lo - 2^16 hi and lo, hi are range-checked to 16
 * bits (lookups with multiplicity sel). So the access names a previous ts
 * with 0 <= ts - prev_ts - 1 < 2^32; since every ts on the bus is < 2^28
 * and p > 2^33, the field equation is the integer one and prev_ts < ts.
 * prev_ts is that expression, not a column: 2 columns per access. A read
 * passes value = prev_value; a write's caller owns a prev_value column.
 * addr, prev_value, value, ts: degree <= 1; sel: 0/1, degree <= 1. */
typedef struct {
    unsigned lo, hi; /* ts - prev_ts - 1 = lo + 2^16 hi */
} rv_mem_g;

void rv_mem_layout(rv_mem_g *g, rv_cols *c);
void rv_mem_build(const rv_mem_g *g, air_machine *m, air_table *t, air_expr sel, air_expr addr,
                  air_expr prev_value, air_expr value, air_expr ts);
/* The gadget's prev_ts expression (for callers that want to constrain it). */
air_expr rv_mem_prev_ts(const rv_mem_g *g, air_machine *m, air_table *t, air_expr ts);
/* Writes the limbs of (ts - prev_ts - 1) mod 2^32 and counts their
 * lookups (an honest caller has prev_ts < ts; a forger gets limbs that do
 * not name prev_ts). */
void rv_mem_fill(const rv_mem_g *g, gl_t *row, rv_lookups *lk, uint32_t ts, uint32_t prev_ts);

/* ---- the witness-side tracker ---------------------------------------------
 * address -> (value, ts of its last access), an open-addressing hash map
 * sized once for a segment (at most max_words addresses, load <= 1/2).
 * Every address a segment may touch is put first with its start value at
 * ts 0 (rv_memtrack_load: the snapshot's pages and registers); an access
 * to any other address is an error, as in rv_reexecute. */
typedef struct {
    uint32_t *key;   /* addr + 1; 0 = free slot */
    uint32_t *value; /* current value */
    uint32_t *ts;    /* ts of the last access, 0 = untouched */
    size_t cap, n, max;
    unsigned shift; /* 32 - log2(cap) */
} rv_memtrack;

/* Sized for max_words addresses (a segment: 256 per page + 31 registers). */
cairn_err rv_memtrack_init(rv_memtrack *t, size_t max_words);
void rv_memtrack_free(rv_memtrack *t); /* accepts a zeroed struct */
void rv_memtrack_clear(rv_memtrack *t);
/* Start value of addr (ts 0); CAIRN_ERR_LIMIT past max_words,
 * CAIRN_ERR_USAGE if addr was put already. */
cairn_err rv_memtrack_put(rv_memtrack *t, uint32_t addr, uint32_t value);
/* Puts every word of s's pages and registers x1..x31 of s->start. */
cairn_err rv_memtrack_load(rv_memtrack *t, const rv_snapshot *s);
/* 1 and (*value, *ts) if addr is known, else 0. */
int rv_memtrack_get(const rv_memtrack *t, uint32_t addr, uint32_t *value, uint32_t *ts);
/* An access at ts: returns the value and ts it finds, records ts (and for a
 * write the new value). CAIRN_ERR_CORRUPT if addr is unknown,
 * CAIRN_ERR_USAGE if ts is not after the address's last access. */
cairn_err rv_memtrack_read(rv_memtrack *t, uint32_t *value, uint32_t *prev_ts, uint32_t addr,
                           uint32_t ts);
cairn_err rv_memtrack_write(rv_memtrack *t, uint32_t *prev_value, uint32_t *prev_ts,
                            uint32_t addr, uint32_t ts, uint32_t value);

/* Tracker access + rv_mem_fill in one call: *value (read) / *prev_value
 * (write) is what the caller puts in its value / prev_value column. */
cairn_err rv_mem_fill_read(const rv_mem_g *g, gl_t *row, rv_lookups *lk, rv_memtrack *t,
                           uint32_t *value, uint32_t addr, uint32_t ts);
cairn_err rv_mem_fill_write(const rv_mem_g *g, gl_t *row, rv_lookups *lk, rv_memtrack *t,
                            uint32_t *prev_value, uint32_t addr, uint32_t ts, uint32_t value);

/* ---- the page table -------------------------------------------------------
 * 32 rows per touched page p, row b (0..31) for the block of words
 * 256 p + 8 b + k, k = 0..7. Per active row: SEND (addr_k, start_k, 0) and
 * RECEIVE (addr_k, end_k, t_last_k) on RV_BUS_MEM (t_last = ts of the
 * word's last access, 0 if untouched, and then end = start: the pair
 * cancels); one absorb step of the page-in sponge over the start words and
 * one of the page-out sponge over the end words (p2_hash of 256 elements is
 * 32 full blocks and no padding block, p2.h / rv_p2_hash_steps); on the
 * page's last row SEND the leaf (0, p, digest_in, digest_out) on
 * RV_BUS_NODE. Padding rows have active = first = last = 0: every
 * multiplicity is 0 and every constraint is gated. Pages need not be
 * sorted: the node table makes them unique (see rv_air_mem.c). */
enum {
    RV_PAGE_ACTIVE = 0,             /* boolean: a page row */
    RV_PAGE_FIRST = 1,              /* boolean: b = 0 of a page */
    RV_PAGE_LAST = 2,               /* boolean: b = 31 of a page */
    RV_PAGE_P = 3,                  /* page index */
    RV_PAGE_B = 4,                  /* block 0..31 */
    RV_PAGE_START = 5,              /* 8 start words */
    RV_PAGE_END = RV_PAGE_START + 8,   /* 8 end words */
    RV_PAGE_TLAST = RV_PAGE_END + 8,   /* 8 last-access ts */
    RV_PAGE_CAP_IN = RV_PAGE_TLAST + 8, /* page-in sponge: capacity entering */
    RV_PAGE_OUT_IN = RV_PAGE_CAP_IN + RV_P2_CAP, /* and the state it leaves */
    RV_PAGE_CAP_OUT = RV_PAGE_OUT_IN + P2_WIDTH, /* page-out sponge */
    RV_PAGE_OUT_OUT = RV_PAGE_CAP_OUT + RV_P2_CAP,
    RV_PAGE_NCOLS = RV_PAGE_OUT_OUT + P2_WIDTH /* 61 */
};
#define RV_PAGE_ROWS 32 /* rows per page: RV_PAGE_WORDS / P2_RATE */

/* Adds the table "page" (RV_PAGE_NCOLS main columns); NULL on error
 * (recorded in m). */
air_table *rv_page_table_add(air_machine *m);

/* Writes all 2^log_n rows (main: 2^log_n x RV_PAGE_NCOLS, caller's):
 * 32 rows for each of the npages pages (page[i], words start/end/t_last
 * [256 i .. 256 i + 255]) in the given order, then zero padding; records
 * the 2 x 32 permutations of each page in calls (one call of multiplicity
 * 2 where both sponges permute the same state, as on read-only pages) and
 * returns the page digests in leaf_in / leaf_out (npages each).
 * CAIRN_ERR_LIMIT if 32 npages > 2^log_n. */
cairn_err rv_page_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, p2_digest *leaf_in,
                       p2_digest *leaf_out, const uint32_t *page, size_t npages,
                       const uint32_t *start, const uint32_t *end, const uint32_t *t_last);

/* ---- the node table -------------------------------------------------------
 * One row per Merkle node on the union of the touched pages' paths, level
 * 1..RV_TREE_DEPTH: parent_in = p2_compress(l_in, r_in) and parent_out =
 * p2_compress(l_out, r_out) through p2; RECEIVE (level - 1, 2 index, l_in,
 * l_out) and (level - 1, 2 index + 1, r_in, r_out) on RV_BUS_NODE unless
 * the child's sibling flag is set (an untouched subtree: its digest is a
 * witness with in = out, nothing received); SEND (level, index, parent_in,
 * parent_out). level - 1 is range-checked to 5 bits. */
enum {
    RV_NODE_ACTIVE = 0,
    RV_NODE_LEVEL = 1,
    RV_NODE_INDEX = 2,
    RV_NODE_SIB_L = 3,                         /* boolean: left child is a sibling */
    RV_NODE_SIB_R = 4,                         /* boolean: right child is a sibling */
    RV_NODE_L_IN = 5,                          /* children digests, 4 each */
    RV_NODE_L_OUT = RV_NODE_L_IN + P2_DIGEST,
    RV_NODE_R_IN = RV_NODE_L_OUT + P2_DIGEST,
    RV_NODE_R_OUT = RV_NODE_R_IN + P2_DIGEST,
    RV_NODE_OUT_IN = RV_NODE_R_OUT + P2_DIGEST, /* the two permutation outputs */
    RV_NODE_OUT_OUT = RV_NODE_OUT_IN + P2_WIDTH,
    RV_NODE_NCOLS = RV_NODE_OUT_OUT + P2_WIDTH /* 45 */
};

air_table *rv_node_table_add(air_machine *m);

/* Node rows of a sorted page set (page strictly ascending), its leaves
 * (leaf_in / leaf_out) and its multiproof siblings against the start tree
 * (sib, in the canonical order of rv.h), level by level from the leaves
 * up, then zero padding; records the compressions in calls (multiplicity 2
 * where in and out children are equal) and the level lookups in lk;
 * returns the roots. CAIRN_ERR_LIMIT if the nodes do not fit 2^log_n rows,
 * CAIRN_ERR_USAGE if the pages are not ascending or nsib is not the
 * multiproof's size. */
cairn_err rv_node_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, rv_lookups *lk,
                       p2_digest *root_in, p2_digest *root_out, const uint32_t *page,
                       const p2_digest *leaf_in, const p2_digest *leaf_out, size_t npages,
                       const p2_digest *sib, size_t nsib);

/* Node rows a sorted page set needs (distinct ancestors, levels 1..22). */
size_t rv_node_count(const uint32_t *page, size_t npages);

/* The root's consumer (the state table): RECEIVE (RV_TREE_DEPTH, 0,
 * root_in, root_out) on RV_BUS_NODE with multiplicity mult (1 on exactly
 * one row). t may be m->boundary with public-value expressions. */
void rv_mem_root_receive(air_machine *m, air_table *t, air_expr mult,
                         const air_expr root_in[P2_DIGEST], const air_expr root_out[P2_DIGEST]);

/* ---- the honest prover's paging witness -----------------------------------
 * Page rows for every page of s (start words from s, end words and last ts
 * from t after the segment's accesses), node rows over their paths with
 * s's multiproof, p2 calls and lookups recorded. Checks that the start root
 * is s->start.root and the end root s->end.root (what rv_reexecute
 * reaches): CAIRN_ERR_VERIFY naming the root otherwise. CAIRN_ERR_LIMIT if
 * the pages or nodes exceed the table heights. */
cairn_err rv_paging_fill(gl_t *page_main, unsigned page_log, gl_t *node_main, unsigned node_log,
                         rv_p2_calls *calls, rv_lookups *lk, const rv_snapshot *s,
                         const rv_memtrack *t);

#endif
