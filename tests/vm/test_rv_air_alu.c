/* The RV32IM AIR's arithmetic gadgets (vm/rv32im/rv_air_alu.c) in one test
 * table "alu" whose rows exercise every gadget, next to the range and
 * bytes tables:
 *  - honest rows (edge operands 0, 1, 0x7fffffff, 0x80000000, 0xffffffff,
 *    shift amounts 0..31, then random ones; inactive rows of garbage) pass
 *    the checker, their lookups are exactly those the fills counted, and
 *    a proof verifies;
 *  - every wrong result (off by one, by 2^32, congruent mod p with other
 *    limbs, a flipped carry / borrow / sign / comparison) is rejected by
 *    the checker naming the constraint or the bus, a few also by the
 *    verifier. Lookup multiplicities are recounted from the tampered trace,
 *    so a wrong value is rejected even when the prover adjusts the tables'
 *    multiplicities to match every lookup it can;
 *  - the executor (rv_exec.c, through the per-cycle trace of random
 *    programs) and the gadgets agree on thousands of operands: each fill
 *    returns the executor's result, and rows holding the executor's results
 *    pass the checker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_alu.h"
#include "vm/rv32im/rv_air_tables.h"

/* ---- the test table ------------------------------------------------------ */

enum { G_U32, G_B4, G_SIGN, G_ADD, G_ADDI, G_SUB, G_BW, G_LT, G_LTU, G_EQ, G_SHR, G_SHI, G_E8,
       G_E16, G_N };

static struct {
    unsigned ncols;
    unsigned first[G_N], end[G_N]; /* columns of each gadget's group */
    unsigned u_sel, u_x;
    rv_u32_g u;
    unsigned b_sel, b_x;
    rv_bytes4_g b;
    unsigned s_sel, s_x;
    rv_sign_g s;
    unsigned add_sel, add_a, add_b, add_c;
    rv_add_g add;
    unsigned addi_sel, addi_a, addi_lo, addi_sg, addi_c; /* b = lo + sg (2^32 - 2^12) */
    rv_add_g addi;
    unsigned sub_sel, sub_a, sub_b, sub_c;
    rv_add_g sub;
    unsigned bw_f[3], bw_a, bw_b, bw_out;
    rv_bitwise_g bw;
    unsigned lt_sel, lt_sgn, lt_a, lt_b;
    rv_lt_g lt;
    unsigned ltu_sel, ltu_a, ltu_b;
    rv_lt_g ltu;
    unsigned eq_sel, eq_a, eq_b;
    rv_eq_g eq;
    unsigned shr_f[3], shr_a, shr_b, shr_out; /* register amount */
    rv_shift_g shr;
    unsigned shi_f[3], shi_a, shi_b, shi_out; /* immediate shamt */
    rv_shift_g shi;
    unsigned e8_sel, e8_sgn, e8_v, e8_out;
    rv_ext_g e8;
    unsigned e16_sel, e16_sgn, e16_v, e16_out;
    rv_ext_g e16;
} L;

static unsigned *const SELS[] = {&L.u_sel, &L.b_sel, &L.s_sel, &L.add_sel, &L.addi_sel,
                                 &L.sub_sel, &L.bw_f[0], &L.bw_f[1], &L.bw_f[2], &L.lt_sel,
                                 &L.ltu_sel, &L.eq_sel, &L.shr_f[0], &L.shr_f[1], &L.shr_f[2],
                                 &L.shi_f[0], &L.shi_f[1], &L.shi_f[2], &L.e8_sel, &L.e16_sel};
#define NSELS (sizeof SELS / sizeof SELS[0])

static void layout(void)
{
    rv_cols c = {0};
#define COL(f) (L.f = rv_col_alloc(&c, 1))
#define GROUP(g, body)                                                         \
    do {                                                                       \
        L.first[g] = c.n;                                                      \
        body;                                                                  \
        L.end[g] = c.n;                                                        \
    } while (0)
    GROUP(G_U32, (COL(u_sel), COL(u_x), rv_u32_layout(&L.u, &c)));
    GROUP(G_B4, (COL(b_sel), COL(b_x), rv_bytes4_layout(&L.b, &c, 1)));
    GROUP(G_SIGN, (COL(s_sel), COL(s_x), rv_sign_layout(&L.s, &c)));
    GROUP(G_ADD, (COL(add_sel), COL(add_a), COL(add_b), COL(add_c), rv_add_layout(&L.add, &c)));
    GROUP(G_ADDI, (COL(addi_sel), COL(addi_a), COL(addi_lo), COL(addi_sg), COL(addi_c),
                   rv_add_layout(&L.addi, &c)));
    GROUP(G_SUB, (COL(sub_sel), COL(sub_a), COL(sub_b), COL(sub_c), rv_add_layout(&L.sub, &c)));
    GROUP(G_BW, (COL(bw_f[0]), COL(bw_f[1]), COL(bw_f[2]), COL(bw_a), COL(bw_b), COL(bw_out),
                 rv_bitwise_layout(&L.bw, &c)));
    GROUP(G_LT, (COL(lt_sel), COL(lt_sgn), COL(lt_a), COL(lt_b), rv_lt_layout(&L.lt, &c, 1)));
    GROUP(G_LTU, (COL(ltu_sel), COL(ltu_a), COL(ltu_b), rv_lt_layout(&L.ltu, &c, 0)));
    GROUP(G_EQ, (COL(eq_sel), COL(eq_a), COL(eq_b), rv_eq_layout(&L.eq, &c)));
    GROUP(G_SHR, (COL(shr_f[0]), COL(shr_f[1]), COL(shr_f[2]), COL(shr_a), COL(shr_b),
                  COL(shr_out), rv_shift_layout(&L.shr, &c, 1)));
    GROUP(G_SHI, (COL(shi_f[0]), COL(shi_f[1]), COL(shi_f[2]), COL(shi_a), COL(shi_b),
                  COL(shi_out), rv_shift_layout(&L.shi, &c, 0)));
    GROUP(G_E8, (COL(e8_sel), COL(e8_sgn), COL(e8_v), COL(e8_out), rv_ext_layout(&L.e8, &c, 8)));
    GROUP(G_E16, (COL(e16_sel), COL(e16_sgn), COL(e16_v), COL(e16_out),
                  rv_ext_layout(&L.e16, &c, 16)));
#undef COL
#undef GROUP
    L.ncols = c.n;
}

static rvt_keys fx;

static cairn_err build(air_machine **out)
{
    layout();
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "alu", 0));
    air_table *t = air_table_add(m, "alu", 0, L.ncols);
    rv_range_table_add(m);
    rv_bytes_table_add(m);
#define X(f) air_col(m, t, AIR_MAIN, L.f, 0)
    rv_u32_build(&L.u, m, t, X(u_sel), X(u_x));
    rv_bytes4_build(&L.b, m, t, X(b_sel), X(b_x));
    rv_sign_build(&L.s, m, t, X(s_sel), X(s_x));
    rv_add_build(&L.add, m, t, X(add_sel), X(add_a), X(add_b), X(add_c));
    /* an immediate operand as an expression: a sign-extended 12-bit field */
    air_expr imm = air_add(m, t, X(addi_lo),
                           air_mul(m, t, air_const(m, t, 0xfffff000u), X(addi_sg)));
    rv_add_build(&L.addi, m, t, X(addi_sel), X(addi_a), imm, X(addi_c));
    rv_sub_build(&L.sub, m, t, X(sub_sel), X(sub_a), X(sub_b), X(sub_c));
    rv_bitwise_build(&L.bw, m, t, X(bw_f[0]), X(bw_f[1]), X(bw_f[2]), X(bw_a), X(bw_b), X(bw_out));
    rv_lt_build(&L.lt, m, t, X(lt_sel), X(lt_sgn), X(lt_a), X(lt_b));
    rv_lt_build(&L.ltu, m, t, X(ltu_sel), air_const(m, t, 0), X(ltu_a), X(ltu_b));
    rv_eq_build(&L.eq, m, t, X(eq_sel), X(eq_a), X(eq_b));
    rv_shift_build(&L.shr, m, t, X(shr_f[0]), X(shr_f[1]), X(shr_f[2]), X(shr_a), X(shr_b),
                   X(shr_out));
    rv_shift_build(&L.shi, m, t, X(shi_f[0]), X(shi_f[1]), X(shi_f[2]), X(shi_a), X(shi_b),
                   X(shi_out));
    rv_ext_build(&L.e8, m, t, X(e8_sel), X(e8_sgn), X(e8_v), X(e8_out));
    rv_ext_build(&L.e16, m, t, X(e16_sel), X(e16_sgn), X(e16_v), X(e16_out));
#undef X
    return rvt_finish(out, m);
}

/* Fills gadget g of one row honestly (its columns cleared first) and
 * returns its result: op is the op (bitwise, shift) or sgn (lt, ext); b is
 * the second operand, immediate or shift amount. */
static uint32_t put(int g, gl_t *row, rv_lookups *lk, int op, uint32_t a, uint32_t b)
{
    for (unsigned c = L.first[g]; c < L.end[g]; c++) row[c] = 0;
    uint32_t r = 0;
    switch (g) {
    case G_U32:
        row[L.u_sel] = 1;
        row[L.u_x] = a;
        rv_u32_fill(&L.u, row, lk, a);
        return a;
    case G_B4:
        row[L.b_sel] = 1;
        row[L.b_x] = a;
        rv_bytes4_fill(&L.b, row, lk, a);
        return a;
    case G_SIGN:
        row[L.s_sel] = 1;
        row[L.s_x] = a;
        return rv_sign_fill(&L.s, row, lk, a);
    case G_ADD:
        row[L.add_sel] = 1;
        row[L.add_a] = a;
        row[L.add_b] = b;
        return row[L.add_c] = rv_add_fill(&L.add, row, lk, a, b);
    case G_ADDI:
        row[L.addi_sel] = 1;
        row[L.addi_a] = a;
        row[L.addi_lo] = b & 0xfff;
        row[L.addi_sg] = b >> 31;
        b = (uint32_t)((int32_t)(b << 20) >> 20);
        return row[L.addi_c] = rv_add_fill(&L.addi, row, lk, a, b);
    case G_SUB:
        row[L.sub_sel] = 1;
        row[L.sub_a] = a;
        row[L.sub_b] = b;
        return row[L.sub_c] = rv_sub_fill(&L.sub, row, lk, a, b);
    case G_BW:
        row[L.bw_f[op]] = 1;
        row[L.bw_a] = a;
        row[L.bw_b] = b;
        return row[L.bw_out] = rv_bitwise_fill(&L.bw, row, lk, op, a, b);
    case G_LT:
        row[L.lt_sel] = 1;
        row[L.lt_sgn] = (gl_t)op;
        row[L.lt_a] = a;
        row[L.lt_b] = b;
        return rv_lt_fill(&L.lt, row, lk, op, a, b);
    case G_LTU:
        row[L.ltu_sel] = 1;
        row[L.ltu_a] = a;
        row[L.ltu_b] = b;
        return rv_lt_fill(&L.ltu, row, lk, 0, a, b);
    case G_EQ:
        row[L.eq_sel] = 1;
        row[L.eq_a] = a;
        row[L.eq_b] = b;
        return rv_eq_fill(&L.eq, row, lk, a, b);
    case G_SHR:
        row[L.shr_f[op]] = 1;
        row[L.shr_a] = a;
        row[L.shr_b] = b;
        return row[L.shr_out] = rv_shift_fill(&L.shr, row, lk, op, a, b);
    case G_SHI:
        b &= 31; /* a shamt field */
        row[L.shi_f[op]] = 1;
        row[L.shi_a] = a;
        row[L.shi_b] = b;
        return row[L.shi_out] = rv_shift_fill(&L.shi, row, lk, op, a, b);
    case G_E8:
        a &= 0xff;
        row[L.e8_sel] = 1;
        row[L.e8_sgn] = (gl_t)op;
        row[L.e8_v] = a;
        return row[L.e8_out] = rv_ext_fill(&L.e8, row, lk, op, a);
    case G_E16:
        a &= 0xffff;
        row[L.e16_sel] = 1;
        row[L.e16_sgn] = (gl_t)op;
        row[L.e16_v] = a;
        return row[L.e16_out] = rv_ext_fill(&L.e16, row, lk, op, a);
    }
    return r;
}

/* ---- traces ----------------------------------------------------------------- */

typedef struct {
    gl_t *alu, *range, *bytes;
    unsigned log_n;
    rv_lookups lk; /* what the fills counted */
} traces;

static void traces_alloc(traces *t, unsigned log_n)
{
    memset(t, 0, sizeof *t);
    t->log_n = log_n;
    t->alu = calloc(((size_t)1 << log_n) * L.ncols, sizeof(gl_t));
    t->range = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    t->bytes = calloc((size_t)1 << RV_BYTES_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(t->alu && t->range && t->bytes);
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&t->lk), CAIRN_OK);
}

static void drop(traces *t)
{
    free(t->alu);
    free(t->range);
    free(t->bytes);
    rv_lookups_free(&t->lk);
}

static void as_stark(stark_trace tr[3], const traces *t)
{
    tr[0] = (stark_trace){t->alu, t->log_n};
    tr[1] = (stark_trace){t->range, RV_RANGE_LOG};
    tr[2] = (stark_trace){t->bytes, RV_BYTES_LOG};
}

/* Multiplicities of the range and bytes tables recounted from the lookups
 * the alu trace actually makes (as a cheating prover would set them):
 * every valid tuple is counted, invalid ones cannot be. Returns the number
 * of lookups that match no table row. */
static size_t recount(traces *t)
{
    stark_trace tr[3];
    as_stark(tr, t);
    return rvt_recount(fx.m, tr, NULL);
}

/* Multiplicity tables from counters. */
static void set_tables(traces *t, const rv_lookups *lk)
{
    rv_range_table_fill(t->range, lk);
    rv_bytes_table_fill(t->bytes, lk);
}

static const uint32_t EDGE[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff};
#define NEDGE 5
#define HONEST_LOG 7

static uint32_t pick(rng_t *r)
{
    uint64_t x = rng_u64(r);
    return (x & 3) == 0 ? EDGE[(x >> 2) % NEDGE] : (uint32_t)(x >> 32);
}

/* Every gadget on every row: rows 0..74 take every pair of edge operands
 * with each op (edge shift amounts 0, 1 and 31 among them), later rows
 * random ones; the last 4 rows are inactive and hold garbage. */
static void make_honest(traces *t, uint64_t seed)
{
    traces_alloc(t, HONEST_LOG);
    rng_t r;
    rng_seed(&r, seed);
    const size_t n = (size_t)1 << HONEST_LOG;
    static const uint32_t v8[] = {0, 0x7f, 0x80, 0xff}, v16[] = {0, 0x7fff, 0x8000, 0xffff};
    for (size_t i = 0; i < n; i++) {
        gl_t *row = t->alu + i * L.ncols;
        if (i >= n - 4) {
            for (unsigned c = 0; c < L.ncols; c++) row[c] = gl_from_u64(rng_u64(&r));
            for (size_t s = 0; s < NSELS; s++) row[*SELS[s]] = 0;
            row[L.lt_sgn] = 0; /* sgn gates the sign columns: 1 only where sel is */
            continue;
        }
        uint32_t a, b;
        int op;
        if (i < 3 * NEDGE * NEDGE) {
            a = EDGE[i % NEDGE];
            b = EDGE[(i / NEDGE) % NEDGE];
            op = (int)(i / (NEDGE * NEDGE));
        } else {
            a = pick(&r);
            b = pick(&r);
            op = (int)(rng_u64(&r) % 3);
        }
        /* a sign-extended 12-bit immediate, 2047 and -2048 first */
        uint32_t imm = i < 20 ? (i & 1 ? 0xfffff800u : 0x7ff) : (uint32_t)((int32_t)(b << 20) >> 20);
        put(G_U32, row, &t->lk, 0, a, 0);
        put(G_B4, row, &t->lk, 0, b, 0);
        put(G_SIGN, row, &t->lk, 0, a, 0);
        put(G_ADD, row, &t->lk, 0, a, b);
        put(G_ADDI, row, &t->lk, 0, a, imm);
        put(G_SUB, row, &t->lk, 0, a, b);
        put(G_BW, row, &t->lk, op, a, b);
        put(G_LT, row, &t->lk, (int)(i & 1), a, b);
        put(G_LTU, row, &t->lk, 0, a, b);
        put(G_EQ, row, &t->lk, 0, a, (i % 3) ? b : a);
        put(G_SHR, row, &t->lk, op, a, b);
        put(G_SHI, row, &t->lk, op, b, a); /* also shamts 0 and 31 of a */
        put(G_E8, row, &t->lk, (int)(i & 1), i < 8 ? v8[i / 2] : a, 0);
        put(G_E16, row, &t->lk, (int)(i & 1), i < 8 ? v16[i / 2] : b, 0);
    }
    set_tables(t, &t->lk);
}

/* Checker and (when prove is set) verifier on the same trace: both accept
 * or both reject; a rejection by the checker must name `expect`. */
static void expect(traces *t, int ok, int prove, const char *expect_msg, const char *what)
{
    stark_trace tr[3];
    as_stark(tr, t);
    rvt_expect(&fx, tr, NULL, 0, ok, prove, expect_msg, NULL, what);
}

static void test_honest(void)
{
    traces t;
    make_honest(&t, test_seed("rv air alu honest"));
    /* the fills counted exactly the lookups the constraints make */
    const size_t nr = (size_t)1 << RV_RANGE_LOG, nb = (size_t)1 << RV_BYTES_LOG;
    gl_t *filled = malloc((nr + nb) * sizeof *filled);
    CU_ASSERT_FATAL(filled != NULL);
    memcpy(filled, t.range, nr * sizeof *filled);
    memcpy(filled + nr, t.bytes, nb * sizeof *filled);
    CU_ASSERT_EQUAL(recount(&t), 0);
    CU_ASSERT(!memcmp(filled, t.range, nr * sizeof *filled) && !memcmp(filled + nr, t.bytes, nb * sizeof *filled));
    free(filled);
    expect(&t, 1, 1, "", "honest");
    drop(&t);
}

/* ---- wrong results ------------------------------------------------------------ */

#define BAL "balance"
typedef struct {
    const char *what;
    int g, op;
    uint32_t a, b;
    struct {
        const unsigned *col;
        int64_t d; /* added to the column (mod p) */
    } t[6];
    const char *expect;
    int prove;
} wrong_case;

static const wrong_case WRONG[] = {
    /* u32 */
    {"u32: x + 1", G_U32, 0, 0x12345678, 0, {{&L.u_x, 1}}, "u32: x = lo", 0},
    {"u32: x = 2^32 (hi = 2^16)", G_U32, 0, 0, 0, {{&L.u_x, 1ll << 32}, {&L.u.hi, 1 << 16}}, BAL, 0},
    {"u32: other limbs, same x", G_U32, 0, 0x10005, 0, {{&L.u.lo, 1 << 16}, {&L.u.hi, -1}}, BAL, 0},
    /* byte split */
    {"bytes4: b0 + 1", G_B4, 0, 0x01020304, 0, {{&L.b.b[0], 1}}, "bytes4: x", 0},
    {"bytes4: b0 = 256, b1 - 1", G_B4, 0, 0x100, 0, {{&L.b.b[0], 256}, {&L.b.b[1], -1}}, BAL, 0},
    /* sign */
    {"sign: s = 0 of 0x80000000", G_SIGN, 0, 0x80000000, 0, {{&L.s.s, -1}, {&L.s.l1, 1 << 15}}, BAL, 0},
    {"sign: s = 1 of 0x7fffffff", G_SIGN, 0, 0x7fffffff, 0, {{&L.s.s, 1}, {&L.s.l1, -(1 << 15)}}, BAL, 0},
    {"sign: s = 2", G_SIGN, 0, 0x80000000, 0, {{&L.s.s, 1}, {&L.s.l1, -(1 << 15)}}, "sign: s boolean", 0},
    /* add */
    {"add: c + 1", G_ADD, 0, 1, 2, {{&L.add_c, 1}, {&L.add.c.lo, 1}}, "add: a + b", 1},
    {"add: carry flipped", G_ADD, 0, 0xffffffff, 1, {{&L.add.carry, -1}}, "add: a + b", 0},
    {"add: carry 0, c + 2^32", G_ADD, 0, 0xffffffff, 1,
     {{&L.add.carry, -1}, {&L.add_c, 1ll << 32}, {&L.add.c.hi, 1 << 16}}, BAL, 0},
    {"add: carry 2, c - 2^32", G_ADD, 0, 0xffffffff, 0xffffffff,
     {{&L.add.carry, 1}, {&L.add_c, -(1ll << 32)}, {&L.add.c.hi, -(1 << 16)}}, "add: carry boolean", 0},
    {"addi: c + 1 (imm -1)", G_ADDI, 0, 5, 0xffffffff, {{&L.addi_c, 1}, {&L.addi.c.lo, 1}}, "add: a + b", 0},
    {"addi: carry 0, c + 2^32 (imm -1)", G_ADDI, 0, 5, 0xffffffff,
     {{&L.addi_c, 1ll << 32}, {&L.addi.c.hi, 1 << 16}, {&L.addi.carry, -1}}, BAL, 0},
    /* sub */
    {"sub: borrow flipped", G_SUB, 0, 1, 2, {{&L.sub.carry, -1}}, "sub: a - b", 0},
    {"sub: borrow 0, c - 2^32", G_SUB, 0, 1, 2,
     {{&L.sub.carry, -1}, {&L.sub_c, -(1ll << 32)}, {&L.sub.c.hi, -(1 << 16)}}, BAL, 0},
    {"sub: c + 1", G_SUB, 0, 0x80000000, 0x7fffffff, {{&L.sub_c, 1}, {&L.sub.c.lo, 1}}, "sub: a - b", 0},
    /* bitwise */
    {"and: out + 1", G_BW, RV_AND, 0xf0f0f0f0, 0xff00ff00, {{&L.bw_out, 1}}, "out = a AND b", 0},
    {"or: out + 1", G_BW, RV_OR, 0xf0f0f0f0, 0xff00ff00, {{&L.bw_out, 1}}, "out = a OR b", 0},
    {"xor: out - 1", G_BW, RV_XOR, 0xf0f0f0f0, 0xff00ff00, {{&L.bw_out, -1}}, "out = a XOR b", 0},
    {"and: byte AND wrong", G_BW, RV_AND, 0xff, 0xfe, {{&L.bw.n[0], 1}, {&L.bw_out, 1}}, BAL, 0},
    {"xor: byte split a0 = 256", G_BW, RV_XOR, 0x100, 0x100, {{&L.bw.a.b[0], 256}, {&L.bw.a.b[1], -1}},
     BAL, 0},
    /* less-than */
    {"slt: lt flipped", G_LT, 1, 0x80000000, 0, {{&L.lt.lt, -1}}, "lt: a'", 0},
    {"sltu: lt 0, d - 2^32", G_LT, 0, 1, 2, {{&L.lt.lt, -1}, {&L.lt.d.hi, -(1 << 16)}}, BAL, 0},
    {"slt: sign of a flipped", G_LT, 1, 0x80000000, 0,
     {{&L.lt.sa.s, -1}, {&L.lt.sa.l1, 1 << 15}, {&L.lt.lt, -1}}, BAL, 0},
    {"sltu (unsigned gadget): lt flipped", G_LTU, 0, 0xffffffff, 0, {{&L.ltu.lt, 1}}, "lt: a'", 0},
    /* equality */
    {"beq: eq 0 of equal", G_EQ, 0, 7, 7, {{&L.eq.eq, -1}}, "eq: eq = 1", 0},
    {"beq: eq 1 of unequal", G_EQ, 0, 1, 2, {{&L.eq.eq, 1}, {&L.eq.inv, 1}}, "eq: (a - b) eq", 0},
    {"beq: eq 2 of equal", G_EQ, 0, 0, 0, {{&L.eq.eq, 1}}, "eq: eq = 1", 0},
    /* shifts, register amount */
    {"sll: c + 1", G_SHR, RV_SLL, 3, 4, {{&L.shr_out, 1}, {&L.shr.c.lo, 1}}, "SLL", 0},
    /* the Goldilocks wrap: c + 1 + 2^32 (2^32 - 1) = c + 2^64 - 2^32 + 1 = c + p */
    {"sll: c + 1, v + 2^32 - 1 (same mod p)", G_SHR, RV_SLL, 3, 4,
     {{&L.shr_out, 1}, {&L.shr.c.lo, 1}, {&L.shr.v0, 0xffff}, {&L.shr.v1, 0xffff}}, BAL, 1},
    {"srl: c + 1", G_SHR, RV_SRL, 0x80000000, 31, {{&L.shr_out, 1}, {&L.shr.c.lo, 1}}, "SRL", 0},
    {"srl: c + 1, v - 2^sh", G_SHR, RV_SRL, 100, 3, {{&L.shr_out, 1}, {&L.shr.c.lo, 1}, {&L.shr.v0, -8}},
     BAL, 0},
    {"srl: c - 1, v + 2^sh", G_SHR, RV_SRL, 100, 3, {{&L.shr_out, -1}, {&L.shr.c.lo, -1}, {&L.shr.v0, 8}},
     BAL, 0},
    {"srl: amount 33 read as 1", G_SHR, RV_SRL, 0xffffffff, 33, {{&L.shr.p.q0, -1}},
     "amount = sh + 32 q", 0},
    {"sra: c + 1", G_SHR, RV_SRA, 0x80000000, 4, {{&L.shr_out, 1}, {&L.shr.c.lo, 1}}, "SRA", 0},
    {"sra: sign 0 of 0x80000000 (the SRL result)", G_SHR, RV_SRA, 0x80000000, 1,
     {{&L.shr_out, -0x80000000ll}, {&L.shr.c.hi, -0x8000}, {&L.shr.sa.s, -1}, {&L.shr.sa.l1, 1 << 15}}, BAL,
     0},
    {"sll: pow doubled", G_SHR, RV_SLL, 1, 3, {{&L.shr.p.pow, 8}, {&L.shr_out, 8}, {&L.shr.c.lo, 8}},
     "pow2: pow", 0},
    {"sll: u = 2^(r+1), w = 2^(14-r)", G_SHR, RV_SLL, 1, 3,
     {{&L.shr.p.u, 8}, {&L.shr.p.w, -2048}, {&L.shr.p.pow, 8}, {&L.shr_out, 8}, {&L.shr.c.lo, 8}},
     BAL, 0},
    {"sll: u = 2^(r-1), w = 2^(16-r)", G_SHR, RV_SLL, 1, 3,
     {{&L.shr.p.u, -4}, {&L.shr.p.w, 4096}, {&L.shr.p.pow, -4}, {&L.shr_out, -4}, {&L.shr.c.lo, -4}},
     BAL, 0},
    {"sll: t1 = 0 with k = 1", G_SHR, RV_SLL, 1, 20, {{&L.shr.t1, -4}}, "t1 = k r", 0},
    {"sll: k = 2", G_SHR, RV_SLL, 1, 4, {{&L.shr.p.k, 2}, {&L.shr.p.r, -4}}, "pow2: k boolean", 0},
    /* shifts, immediate amount */
    {"slli: c + 1", G_SHI, RV_SLL, 0xffffffff, 31, {{&L.shi_out, 1}, {&L.shi.c.lo, 1}}, "SLL", 0},
    {"srai: amount != shamt", G_SHI, RV_SRA, 0x80000000, 0, {{&L.shi.p.r, 1}}, "pow2: amount = sh", 0},
    /* sign / zero extension */
    {"lb: out + 1", G_E8, 1, 0x80, 0, {{&L.e8_out, 1}}, "ext: out", 0},
    {"lb: msb 0 of 0x80", G_E8, 1, 0x80, 0, {{&L.e8.msb, -1}, {&L.e8_out, -0xffffff00ll}}, BAL, 0},
    {"lbu: v = 0x180", G_E8, 0, 0x80, 0, {{&L.e8_v, 0x100}, {&L.e8_out, 0x100}}, BAL, 0},
    {"lhu: out sign-extended", G_E16, 0, 0x8000, 0, {{&L.e16_out, 0xffff0000ll}}, "ext: out", 0},
    {"lh: msb 0 of 0x8000", G_E16, 1, 0x8000, 0, {{&L.e16.msb, -1}, {&L.e16_out, -0xffff0000ll}}, BAL, 0},
};

static void test_wrong(void)
{
    uint64_t seed = test_seed("rv air alu wrong");
    for (size_t k = 0; k < sizeof WRONG / sizeof WRONG[0]; k++) {
        const wrong_case *w = &WRONG[k];
        traces t;
        make_honest(&t, seed + k);
        gl_t *row = t.alu + (10 + k % 50) * L.ncols;
        put(w->g, row, &t.lk, w->op, w->a, w->b);
        for (unsigned j = 0; j < 6 && w->t[j].col; j++) {
            gl_t *x = &row[*w->t[j].col];
            int64_t d = w->t[j].d;
            *x = gl_add(*x, d >= 0 ? gl_from_u64((uint64_t)d) : gl_neg(gl_from_u64((uint64_t)-d)));
        }
        /* the best multiplicities for the tampered lookups */
        recount(&t);
        expect(&t, 0, w->prove, w->expect, w->what);
        drop(&t);
    }
}

/* ---- the executor's results --------------------------------------------------- */

#define DIFF_SCRATCH 0x00300000u
#define R(f3, f7, rd, a, b) ROP(f7, f3, rd, a, b)

static int32_t pick_imm(rng_t *r)
{
    static const int32_t e[] = {0, 1, -1, 2047, -2048};
    uint64_t x = rng_u64(r);
    return (x & 3) == 0 ? e[(x >> 2) % 5] : (int32_t)((uint32_t)(x >> 32) << 20) >> 20;
}

/* A straight-line program: blocks that load two operands into t0, t1
 * (edge values often, sometimes equal) and run 8 random ALU, branch or
 * load instructions on them into t2; then exit. */
static void diff_prog(prog_t *p, rng_t *r)
{
    p->n = 0;
    emit_li(p, S0, DIFF_SCRATCH);
    while (p->n < sizeof p->w / sizeof p->w[0] - 40) {
        uint32_t x = pick(r), y = (rng_u64(r) & 7) == 0 ? x : pick(r);
        emit_li(p, T0, x);
        emit_li(p, T1, y);
        for (int i = 0; i < 8; i++) {
            unsigned kind = (unsigned)(rng_u64(r) % 29), sh = (unsigned)(rng_u64(r) % 34);
            sh = sh == 32 ? 0 : sh == 33 ? 31 : sh;
            int32_t imm = pick_imm(r);
            static const uint32_t f3f7[10][2] = {{0, 0},    {0, 0x20}, {1, 0}, {2, 0}, {3, 0},
                                                 {4, 0},    {5, 0},    {5, 0x20}, {6, 0}, {7, 0}};
            if (kind < 10) emit(p, R(f3f7[kind][0], f3f7[kind][1], T2, T0, T1));
            else if (kind < 16) {
                static const uint32_t f3[6] = {0, 2, 3, 4, 6, 7}; /* ADDI SLTI SLTIU XORI ORI ANDI */
                emit(p, enc_i(imm, T0, f3[kind - 10], T2, 0x13));
            } else if (kind == 16) emit(p, SLLI(T2, T0, sh));
            else if (kind == 17) emit(p, SRLI(T2, T0, sh));
            else if (kind == 18) emit(p, SRAI(T2, T0, sh));
            else if (kind < 25) {
                static const uint32_t f3[6] = {0, 1, 4, 5, 6, 7};
                emit(p, enc_b(8, T1, T0, f3[kind - 19]));
                emit(p, ADDI(T3, T3, 1)); /* skipped when taken */
            } else {
                /* LB LH LBU LHU of the word t0 at an aligned offset */
                static const uint32_t f3[4] = {0, 1, 4, 5};
                unsigned w = (kind - 25) & 1 ? 2 : 1;
                emit(p, SW(T0, S0, 0));
                emit(p, enc_i((int32_t)((rng_u64(r) % (4 / w)) * w), S0, f3[kind - 25], T2, 0x03));
            }
        }
    }
    emit_exit(p, 0);
}

/* Runs one random program; every ALU/branch/load row of its trace becomes
 * a row of the gadget that computes it, with the executor's result in the
 * result column. Returns the number of rows compared. */
static size_t diff_run(uint64_t seed, size_t *mismatches)
{
    rng_t r;
    rng_seed(&r, seed);
    static prog_t p;
    diff_prog(&p, &r);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rvt_first k = {NULL, 0};
    rv_config cfg = {.segment_po2 = 13, .on_segment = rvt_keep_first, .segment_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    rv_program_free(prog);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k.enc);
    rv_snapshot s;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc, k.len), CAIRN_OK);
    free(k.enc);
    rv_trace tr = {0};
    CU_ASSERT_EQUAL_FATAL(rv_trace_build(&tr, &s), CAIRN_OK);
    rv_snapshot_free(&s);

    traces t;
    unsigned log_n = 2;
    while (((size_t)1 << log_n) < tr.nrows) log_n++;
    traces_alloc(&t, log_n);
    size_t rows = 0;
#define C(name) tr.col[RV_COL_##name][i]
    for (size_t i = 0; i < tr.nrows; i++) {
        gl_t *row = t.alu + rows * L.ncols;
        rv_decoded d = rv_decode(C(insn));
        uint32_t a = C(rs1_val), b = C(rs2_val), rd = C(rd_val), imm = (uint32_t)d.imm;
        uint32_t taken = C(next_pc) != C(pc) + 4;
        int g = -1, op = 0;
        uint32_t bb = b, want = rd;
        unsigned *res_col = NULL;
        switch (d.op) {
        case RV_OP_ADD: g = G_ADD; res_col = &L.add_c; break;
        case RV_OP_ADDI: g = G_ADDI; bb = imm; res_col = &L.addi_c; break;
        case RV_OP_SUB: g = G_SUB; res_col = &L.sub_c; break;
        case RV_OP_AND: case RV_OP_OR: case RV_OP_XOR:
            g = G_BW; op = d.op == RV_OP_AND ? RV_AND : d.op == RV_OP_OR ? RV_OR : RV_XOR;
            res_col = &L.bw_out; break;
        case RV_OP_ANDI: case RV_OP_ORI: case RV_OP_XORI:
            g = G_BW; op = d.op == RV_OP_ANDI ? RV_AND : d.op == RV_OP_ORI ? RV_OR : RV_XOR;
            bb = imm; res_col = &L.bw_out; break;
        case RV_OP_SLT: g = G_LT; op = 1; res_col = &L.lt.lt; break;
        case RV_OP_SLTI: g = G_LT; op = 1; bb = imm; res_col = &L.lt.lt; break;
        case RV_OP_SLTU: g = G_LT; res_col = &L.lt.lt; break;
        case RV_OP_SLTIU: g = G_LT; bb = imm; res_col = &L.lt.lt; break;
        case RV_OP_BLT: g = G_LT; op = 1; want = taken; res_col = &L.lt.lt; break;
        case RV_OP_BGE: g = G_LT; op = 1; want = !taken; res_col = &L.lt.lt; break;
        case RV_OP_BLTU: g = G_LT; want = taken; res_col = &L.lt.lt; break;
        case RV_OP_BGEU: g = G_LT; want = !taken; res_col = &L.lt.lt; break;
        case RV_OP_BEQ: g = G_EQ; want = taken; res_col = &L.eq.eq; break;
        case RV_OP_BNE: g = G_EQ; want = !taken; res_col = &L.eq.eq; break;
        case RV_OP_SLL: case RV_OP_SRL: case RV_OP_SRA:
            g = G_SHR; op = d.op == RV_OP_SLL ? RV_SLL : d.op == RV_OP_SRL ? RV_SRL : RV_SRA;
            res_col = &L.shr_out; break;
        case RV_OP_SLLI: case RV_OP_SRLI: case RV_OP_SRAI:
            g = G_SHI; op = d.op == RV_OP_SLLI ? RV_SLL : d.op == RV_OP_SRLI ? RV_SRL : RV_SRA;
            bb = imm; res_col = &L.shi_out; break;
        case RV_OP_LB: case RV_OP_LBU:
            g = G_E8; op = d.op == RV_OP_LB; a = C(mem_val); res_col = &L.e8_out; break;
        case RV_OP_LH: case RV_OP_LHU:
            g = G_E16; op = d.op == RV_OP_LH; a = C(mem_val); res_col = &L.e16_out; break;
        default: break;
        }
        if (g < 0) continue;
        uint32_t got = put(g, row, &t.lk, op, a, bb);
        if (got != want) {
            if (!(*mismatches)++)
                fprintf(stderr, "  %s %08x, %08x: gadget %08x, executor %08x\n", rv_op_name(d.op), a, bb, got,
                        want);
        }
        row[*res_col] = want;
        /* the executor's result through the u32, byte and sign gadgets */
        if (g != G_LT && g != G_EQ) {
            put(G_U32, row, &t.lk, 0, want, 0);
            put(G_B4, row, &t.lk, 0, want, 0);
            if (put(G_SIGN, row, &t.lk, 0, want, 0) != want >> 31) (*mismatches)++;
        }
        rows++;
    }
#undef C
    rv_trace_free(&tr);
    set_tables(&t, &t.lk);
    expect(&t, 1, 0, "", "executor results");
    drop(&t);
    return rows;
}

static void test_executor(void)
{
    uint64_t seed = test_seed("rv air alu executor");
    size_t rows = 0, bad = 0;
    for (int k = 0; k < 3; k++) rows += diff_run(seed + (uint64_t)k, &bad);
    fprintf(stderr, "  %zu executor rows compared\n", rows);
    CU_ASSERT(rows >= 3000);
    CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
    double t0 = now_sec();
    if (!rvt_setup(&fx, build(&fx.m) == CAIRN_OK)) return 1;
    fprintf(stderr, "alu table: %u columns, %zu constraints, %zu lookups; setup %.2f s\n", L.ncols,
            fx.m->tables[0]->ncons, fx.m->tables[0]->nints, now_sec() - t0);
    static const test_case cases[] = {{"honest rows", test_honest},
                                      {"wrong results rejected", test_wrong},
                                      {"gadgets agree with the executor", test_executor},
                                      {NULL, NULL}};
    return rvt_run(&fx, "rv_air_alu", cases);
}
