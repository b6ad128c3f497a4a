/* The muldiv table of the RV32IM AIR (vm/rv32im/rv_air_muldiv.c): a caller
 * table sends (op, a, b, result) for the eight M-extension operations on
 * edge and random operands; results agree with a reference written from
 * the ISA manual, honest traces pass the checker, and every wrong result
 * (+1, +2^32, a 64-bit product congruent mod p, an unreduced remainder,
 * quotient and remainder swapped, a changed high word, floor instead of
 * truncating division, x / 0 != -1, the overflow flag on other operands)
 * is rejected: by a named constraint, or by the RANGE or MULDIV bus, which
 * an exact multiset count names. A few cases are proved and verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_muldiv.h"
#include "vm/rv32im/rv_air_tables.h"

enum { CL_SEL, CL_OP, CL_A, CL_B, CL_RES, CL_NCOLS };
enum { T_CALLER, T_MULDIV, T_RANGE, T_N };

static rvt_keys fx;
static rv_muldiv_gadget G;

/* caller: sends (op, a, b, result) with multiplicity sel */
static cairn_err build(air_machine **out, rv_muldiv_gadget *g)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "muldiv", 0));
    air_table *c = air_table_add(m, "caller", 0, CL_NCOLS);
    rv_muldiv_table_add(m, g, 10);
    rv_range_table_add(m);
    air_expr col[CL_NCOLS];
    for (unsigned i = 0; i < CL_NCOLS; i++) col[i] = air_col(m, c, AIR_MAIN, i, 0);
    air_constrain(m, c, air_mul(m, c, col[CL_SEL], air_sub(m, c, col[CL_SEL], air_const(m, c, 1))),
                  "caller: sel boolean");
    rv_muldiv_send(m, c, col[CL_SEL], col[CL_OP], col[CL_A], col[CL_B], col[CL_RES]);
    return rvt_finish(out, m);
}

/* ---- reference from the manual ------------------------------------------ */

/* M extension: MULH* are the upper 32 bits of the 64-bit product of the
 * operands read as signed / unsigned; division rounds toward zero (|q| =
 * |a| / |b|, negative iff the signs differ) and the remainder is a - q b;
 * x / 0 = all ones and x % 0 = x; the overflow INT_MIN / -1 wraps to
 * INT_MIN with remainder 0 (both fall out of the wrap to 32 bits). */
static uint32_t ref(uint32_t op, uint32_t a, uint32_t b)
{
    const __int128 as = (int32_t)a, bs = (int32_t)b, au = a, bu = b;
    int sgn = op == RV_OP_DIV || op == RV_OP_REM;
    switch (op) {
    case RV_OP_MUL: return (uint32_t)(au * bu);
    case RV_OP_MULH: return (uint32_t)((as * bs) >> 32);
    case RV_OP_MULHSU: return (uint32_t)((as * bu) >> 32);
    case RV_OP_MULHU: return (uint32_t)((au * bu) >> 32);
    default: break;
    }
    if (b == 0) return op == RV_OP_DIV || op == RV_OP_DIVU ? 0xffffffffu : a;
    __int128 x = sgn ? as : au, y = sgn ? bs : bu;
    __int128 mx = x < 0 ? -x : x, my = y < 0 ? -y : y;
    __int128 q = mx / my;
    if ((x < 0) != (y < 0)) q = -q;
    __int128 r = x - q * y;
    return (uint32_t)(op == RV_OP_DIV || op == RV_OP_DIVU ? q : r);
}

static const uint32_t EDGE[] = {0,           1,          0xffffffffu, 0x80000000u,
                                0x7fffffffu, 2,          0xffff,      0x10000};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

/* ---- traces --------------------------------------------------------------- */

typedef struct {
    unsigned log_n;
    gl_t *caller, *md, *range;
    uint32_t *lk_range; /* the fill's counts */
} traces;

static void make(traces *t, const rv_muldiv_call *calls, size_t n, unsigned log_n)
{
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    const size_t rows = (size_t)1 << log_n;
    rv_muldiv_gadget g = G;
    g.log_n = log_n;
    t->log_n = log_n;
    t->caller = calloc(rows * CL_NCOLS, sizeof(gl_t));
    t->md = calloc(rows * RV_MD_NCOLS, sizeof(gl_t));
    t->range = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    uint32_t *res = calloc(n + 1, sizeof *res);
    CU_ASSERT_FATAL(t->caller && t->md && t->range && res);
    CU_ASSERT_EQUAL_FATAL(rv_muldiv_fill(&g, t->md, &lk, res, calls, n), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        uint32_t want = ref(calls[i].op, calls[i].a, calls[i].b);
        if (res[i] != want || rv_muldiv_result(calls[i].op, calls[i].a, calls[i].b) != want)
            fprintf(stderr, "%s(0x%08x, 0x%08x) = 0x%08x, manual: 0x%08x\n",
                    rv_op_name(calls[i].op), calls[i].a, calls[i].b, res[i], want);
        CU_ASSERT_EQUAL(res[i], want);
        gl_t *r = t->caller + i * CL_NCOLS;
        r[CL_SEL] = 1;
        r[CL_OP] = calls[i].op;
        r[CL_A] = calls[i].a;
        r[CL_B] = calls[i].b;
        r[CL_RES] = res[i];
    }
    rv_range_table_fill(t->range, &lk);
    t->lk_range = lk.range;
    lk.range = NULL;
    rv_lookups_free(&lk);
    free(res);
}

static void drop(traces *t)
{
    free(t->caller);
    free(t->md);
    free(t->range);
    free(t->lk_range);
}

static stark_trace *as_traces(stark_trace tr[T_N], const traces *t)
{
    tr[T_CALLER] = (stark_trace){t->caller, t->log_n};
    tr[T_MULDIV] = (stark_trace){t->md, t->log_n};
    tr[T_RANGE] = (stark_trace){t->range, RV_RANGE_LOG};
    return tr;
}

/* The range lookups the muldiv rows make, counted from their columns (as a
 * cheating prover would count them for forged rows): a (value, bits) pair
 * outside the table is not counted (nothing can match it). */
static void recount(traces *t)
{
    stark_trace tr[T_N];
    rvt_recount(fx.m, as_traces(tr, t), NULL);
}

/* Bit `bus` set for every bus whose multisets differ (names the bus the
 * checker's sum cannot). */
static unsigned unbalanced(const traces *t)
{
    stark_trace tr[T_N];
    return rvt_unbalanced(fx.m, as_traces(tr, t), NULL);
}

/* The checker rejects; returns the reason: 0 for a constraint (its name
 * printed), else the mask of unbalanced buses. */
static unsigned rejected(const traces *t, const char *what)
{
    stark_trace tr[T_N];
    cairn_err e = stark_check_trace(fx.m, as_traces(tr, t), NULL, 0);
    if (e == CAIRN_OK) {
        fprintf(stderr, "%s: accepted by the checker\n", what);
        CU_FAIL("wrong trace accepted");
        return ~0u;
    }
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    if (strstr(cairn_last_error(), "constraint")) {
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "muldiv"));
        return 0;
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    unsigned mask = unbalanced(t);
    CU_ASSERT_NOT_EQUAL(mask, 0);
    return mask;
}

static int prove_verify(const traces *t, int ok)
{
    stark_trace tr[T_N];
    return rvt_expect_proof(&fx, as_traces(tr, t), NULL, 0, ok, NULL, ok ? "honest" : "forged");
}

/* ---- honest traces -------------------------------------------------------- */

static void test_honest(void)
{
    rng_t r;
    rng_seed(&r, test_seed("rv air muldiv honest"));
    enum { NRAND = 64 };
    const size_t n = RV_MD_NOPS * (NEDGE * NEDGE + NRAND);
    rv_muldiv_call *calls = malloc(n * sizeof *calls);
    CU_ASSERT_FATAL(calls != NULL);
    size_t k = 0;
    for (uint32_t op = RV_OP_MUL; op <= RV_OP_REMU; op++) {
        for (size_t i = 0; i < NEDGE; i++)
            for (size_t j = 0; j < NEDGE; j++) calls[k++] = (rv_muldiv_call){op, EDGE[i], EDGE[j]};
        for (size_t i = 0; i < NRAND; i++) {
            uint64_t x = rng_u64(&r);
            uint32_t a = (uint32_t)x, b = (uint32_t)(x >> 32);
            if (i % 4 == 1) b &= 0xff; /* small divisors: large quotients */
            if (i % 4 == 2) b = (uint32_t)-(int32_t)(b & 0xff);
            calls[k++] = (rv_muldiv_call){op, a, b};
        }
    }
    CU_ASSERT_EQUAL_FATAL(k, n);
    traces t;
    make(&t, calls, n, 10); /* n = 1024 */
    stark_trace tr[T_N];
    cairn_err e = stark_check_trace(fx.m, as_traces(tr, &t), NULL, 0);
    if (e != CAIRN_OK) fprintf(stderr, "honest: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    /* the fill counted exactly the lookups its rows make */
    gl_t *counted = malloc(((size_t)1 << RV_RANGE_LOG) * sizeof *counted);
    CU_ASSERT_FATAL(counted != NULL);
    memcpy(counted, t.range, ((size_t)1 << RV_RANGE_LOG) * sizeof *counted);
    recount(&t);
    CU_ASSERT_EQUAL(memcmp(counted, t.range, ((size_t)1 << RV_RANGE_LOG) * sizeof *counted), 0);
    free(counted);
    CU_ASSERT_EQUAL(unbalanced(&t), 0);
    drop(&t);
    free(calls);
}

static void test_fill_errors(void)
{
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_muldiv_gadget g = G;
    g.log_n = 2;
    gl_t main[4 * RV_MD_NCOLS];
    rv_muldiv_call calls[5];
    for (unsigned i = 0; i < 5; i++) calls[i] = (rv_muldiv_call){RV_OP_MUL, i, 3};
    CU_ASSERT_EQUAL(rv_muldiv_fill(&g, main, &lk, NULL, calls, 5), CAIRN_ERR_LIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "exceed"));
    calls[2].op = RV_OP_ADD;
    CU_ASSERT_EQUAL(rv_muldiv_fill(&g, main, &lk, NULL, calls, 4), CAIRN_ERR_USAGE);
    calls[3].op = RV_OP_EBREAK;
    calls[2].op = RV_OP_REMU;
    CU_ASSERT_EQUAL(rv_muldiv_fill(&g, main, &lk, NULL, calls, 4), CAIRN_ERR_USAGE);
    uint32_t total = 0;
    for (size_t i = 0; i < (size_t)1 << RV_RANGE_LOG; i++) total += lk.range[i];
    CU_ASSERT_EQUAL(total, 0); /* nothing counted on error */
    CU_ASSERT_EQUAL(rv_muldiv_fill(&g, main, &lk, NULL, calls, 3), CAIRN_OK);
    total = 0;
    for (size_t i = 0; i < (size_t)1 << RV_RANGE_LOG; i++) total += lk.range[i];
    CU_ASSERT_EQUAL(total, 3 * 12);
    for (unsigned c = 0; c < RV_MD_NCOLS; c++) CU_ASSERT_EQUAL(main[3 * RV_MD_NCOLS + c], 0);
    rv_lookups_free(&lk);
}

/* ---- forgeries ------------------------------------------------------------- */

/* Operands of the forgery trace (each op on each pair): a small product
 * (W + p fits in 64 bits), a small negative one (W - p does), INT_MIN / -1,
 * b = 0, -1 * -1, mixed signs with remainders, two random pairs. */
static const uint32_t FA[] = {3, 0xfffffff9u, 0x80000000u, 0x12345678u, 0xffffffffu, 7, 0x9abcdef0u, 100};
static const uint32_t FB[] = {5, 2, 0xffffffffu, 0, 0xffffffffu, 0xfffffffeu, 0x1234u, 7};
#define NF (sizeof FA / sizeof FA[0])
#define F_LOG 6 /* 8 ops x 8 pairs */

static gl_t lin(gl_t lo, gl_t hi) { return gl_add(lo, gl_mul(1u << 16, hi)); }
static void split(gl_t *c, unsigned lo, uint64_t v)
{
    c[lo] = v & 0xffff;
    c[lo + 1] = (v >> 16) & 0xffff;
}

/* A cheating prover's best effort after changing limbs: solve the carry C0
 * and K of E0 / E1 in the field, and for divisions the bound limbs, so
 * that only the range lookups (and the constraints not touched) can
 * object. */
static void resolve(gl_t *c, unsigned k)
{
    const gl_t X = lin(c[RV_MD_C_X0], c[RV_MD_C_X1]), B = lin(c[RV_MD_C_B0], c[RV_MD_C_B1]);
    const gl_t Z = lin(c[RV_MD_C_Z0], c[RV_MD_C_Z1]);
    const gl_t s16 = gl_inv(1u << 16), s48 = gl_inv(gl_from_u64(1ull << 48));
    gl_t e0 = gl_sub(gl_add(gl_mul(c[RV_MD_C_X0], c[RV_MD_C_B0]), c[RV_MD_C_Z0]), c[RV_MD_C_W0]);
    c[RV_MD_C_C0] = gl_mul(e0, s16);
    gl_t whi = k < 4 ? lin(c[RV_MD_C_W2], c[RV_MD_C_W3])
                     : gl_mul(0xffffffffu, gl_sub(c[RV_MD_C_SW], c[RV_MD_C_OVF]));
    gl_t mid = gl_add(gl_add(gl_mul(c[RV_MD_C_X0], c[RV_MD_C_B1]), gl_mul(c[RV_MD_C_X1], c[RV_MD_C_B0])),
                      gl_add(c[RV_MD_C_Z1], c[RV_MD_C_C0]));
    gl_t top = gl_sub(gl_mul(c[RV_MD_C_X1], c[RV_MD_C_B1]),
                      gl_add(gl_add(gl_mul(c[RV_MD_C_SX], B), gl_mul(c[RV_MD_C_SB], X)), c[RV_MD_C_SZ]));
    gl_t e1 = gl_sub(gl_add(mid, gl_mul(1u << 16, top)), gl_add(c[RV_MD_C_W1], gl_mul(1u << 16, whi)));
    c[RV_MD_C_K] = gl_add(3, gl_mul(e1, s48));
    if (k >= 4 && !c[RV_MD_C_BZ]) {
        const gl_t two32 = gl_from_u64(1ull << 32);
        gl_t absb = gl_add(B, gl_mul(c[RV_MD_C_SB], gl_sub(two32, gl_add(B, B))));
        gl_t absr = gl_add(Z, gl_mul(c[RV_MD_C_SZ], gl_sub(two32, gl_add(Z, Z))));
        gl_t d = gl_sub(gl_sub(absb, absr), 1);
        if (d < two32) split(c, RV_MD_C_W2, d);
        else c[RV_MD_C_W2] = gl_sub(d, gl_mul(1u << 16, c[RV_MD_C_W3]));
    }
}

/* Sets X (or Z) to v with its sign bit as the op reads it. */
static void set_x(gl_t *c, unsigned k, uint32_t v)
{
    split(c, RV_MD_C_X0, v);
    c[RV_MD_C_SX] = (k == 1 || k == 2 || k == 4 || k == 6) && (v >> 31);
}
static void set_z(gl_t *c, unsigned k, uint32_t v)
{
    split(c, RV_MD_C_Z0, v);
    c[RV_MD_C_SZ] = (k == 4 || k == 6) && (v >> 31);
}
static uint64_t get_w(const gl_t *c)
{
    return c[RV_MD_C_W0] | c[RV_MD_C_W1] << 16 | c[RV_MD_C_W2] << 32 | c[RV_MD_C_W3] << 48;
}
static void set_w(gl_t *c, uint64_t w)
{
    split(c, RV_MD_C_W0, w);
    split(c, RV_MD_C_W2, w >> 32);
}

enum { F_PLUS1, F_PLUS2_32, F_MODP, F_SWAP, F_HIGH, F_SIGN, F_ADDZ, F_WHI, F_NKINDS };
static const char *const FNAME[F_NKINDS] = {"result + 1", "result + 2^32",
                                            "congruent mod p / unreduced remainder",
                                            "words / quotient and remainder swapped",
                                            "high word / floor division / x / 0",
                                            "operands read with the other signedness",
                                            "MUL adds a Z",
                                            "W_hi shifted by the OVF / SW flags"};
static int kind_applies(unsigned kind, unsigned k) { return (kind != F_ADDZ && kind != F_WHI) || k < 4; }
/* how many operand pairs each kind is tried on */
static unsigned kind_pairs(unsigned kind) { return kind == F_SIGN || kind == F_WHI ? NF : 2; }

/* Applies forgery `kind` to row c of op k with operands a, b; 0 if it does
 * not apply to these operands. */
static int forge(gl_t *c, unsigned kind, unsigned k, uint32_t a, uint32_t b)
{
    const int div = k >= 4, rem = k >= 6, sgn = k == 4 || k == 6;
    const unsigned lo = !div ? (k == 0 ? RV_MD_C_W0 : RV_MD_C_W2) : rem ? RV_MD_C_Z0 : RV_MD_C_X0;
    const uint32_t q = ref(sgn ? RV_OP_DIV : RV_OP_DIVU, a, b), r = ref(sgn ? RV_OP_REM : RV_OP_REMU, a, b);
    switch (kind) {
    case F_PLUS1: c[lo] = gl_add(c[lo], 1); return 1;
    case F_PLUS2_32: c[lo + 1] = gl_add(c[lo + 1], 1u << 16); return 1;
    case F_MODP:
        if (!div) {
            uint64_t w = get_w(c);
            if (w < 0xffffffffu) set_w(c, w + GL_P);
            else if (w >= GL_P) set_w(c, w - GL_P);
            else return 0;
            return 1;
        }
        /* q - 1, r + b: a = q b + r still, |r| >= |b| */
        if (b == 0) return 0;
        if (sgn) {
            int64_t qn = (int64_t)(int32_t)q - 1, rn = (int64_t)(int32_t)r + (int32_t)b;
            if (qn < INT32_MIN || rn < INT32_MIN || rn > INT32_MAX) return 0;
            set_x(c, k, (uint32_t)qn);
            set_z(c, k, (uint32_t)rn);
        } else {
            if (q == 0 || (uint64_t)r + b > 0xffffffffu) return 0;
            set_x(c, k, q - 1);
            set_z(c, k, r + b);
        }
        return 1;
    case F_SWAP:
        if (!div) {
            uint64_t w = get_w(c);
            if ((uint32_t)w == (uint32_t)(w >> 32)) return 0;
            set_w(c, w >> 32 | w << 32);
            return 1;
        }
        if (q == r) return 0;
        set_x(c, k, r);
        set_z(c, k, q);
        return 1;
    case F_HIGH:
        if (!div) { /* the product's high word (for MUL the result stays) */
            c[RV_MD_C_W3] ^= 1;
            return 1;
        }
        if (b == 0) { /* x / 0 = 0 instead of all ones */
            set_x(c, k, 0);
            return 1;
        }
        if (sgn && r != 0 && (r >> 31) != (b >> 31)) { /* rounding toward -inf */
            set_x(c, k, q - 1);
            set_z(c, k, r + b);
            return 1;
        }
        return 0;
    case F_SIGN: {
        gl_t before[RV_MD_NCOLS];
        memcpy(before, c, sizeof before);
        if (!div) { /* MULH <-> MULHU, MULHSU -> MULHU, MUL -> signed */
            const int ox = !(k == 1 || k == 2), ob = !(k == 1);
            uint64_t xe = ox ? (uint64_t)(int64_t)(int32_t)a : a;
            uint64_t be = ob ? (uint64_t)(int64_t)(int32_t)b : b;
            set_w(c, xe * be);
            c[RV_MD_C_SX] = ox && a >> 31;
            c[RV_MD_C_SB] = ob && b >> 31;
        } else { /* DIV <-> DIVU, REM <-> REMU, as the other would write */
            const int o = !sgn;
            const uint32_t oq = ref(o ? RV_OP_DIV : RV_OP_DIVU, a, b);
            const uint32_t orr = ref(o ? RV_OP_REM : RV_OP_REMU, a, b);
            split(c, RV_MD_C_X0, oq);
            split(c, RV_MD_C_Z0, orr);
            c[RV_MD_C_SX] = o && oq >> 31;
            c[RV_MD_C_SB] = o && b >> 31;
            c[RV_MD_C_SZ] = o && orr >> 31;
            c[RV_MD_C_SW] = o && a >> 31;
            c[RV_MD_C_OVF] = o && a == 0x80000000u && b == 0xffffffffu;
        }
        return memcmp(before, c, sizeof before) != 0;
    }
    case F_ADDZ: { /* W = X B + Z with Z != 0 on a MUL row, one limb each */
        if (div) return 0;
        const uint32_t z = b & 1 ? 1 : 0x10000;
        set_w(c, get_w(c) + z);
        split(c, RV_MD_C_Z0, z);
        return 1;
    }
    case F_WHI: { /* the relation reads W_hi + 0xffffffff (SW - OVF) */
        if (div) return 0;
        const uint32_t w23 = (uint32_t)(c[RV_MD_C_W2] | c[RV_MD_C_W3] << 16);
        if (b == 0xffffffffu) { /* OVF = 1: high word - 1 */
            c[RV_MD_C_OVF] = 1;
            split(c, RV_MD_C_W2, w23 - 1);
        } else if (c[RV_MD_C_W1] >= 0x8000) { /* SW = 1: high word + 1 */
            c[RV_MD_C_SW] = 1;
            split(c, RV_MD_C_W2, w23 + 1);
        } else {
            return 0;
        }
        return 1;
    }
    }
    return 0;
}

/* The tuple a muldiv row puts on MULDIV, copied into the caller's row. */
static void caller_from_row(traces *t, size_t row)
{
    const air_table *mt = fx.m->tables[T_MULDIV];
    gl_t *v = malloc(mt->nnodes * sizeof *v);
    CU_ASSERT_FATAL(v != NULL);
    gl_t sel[3] = {0, 0, 1};
    const gl_t *cur = t->md + row * RV_MD_NCOLS;
    air_eval_row(mt, v, NULL, NULL, cur, cur, NULL, sel);
    for (size_t i = 0; i < mt->nints; i++) {
        const air_interaction *it = &mt->ints[i];
        if (it->bus != RV_BUS_MULDIV) continue;
        gl_t *r = t->caller + row * CL_NCOLS;
        r[CL_SEL] = v[it->mult];
        r[CL_OP] = v[it->tuple[0]];
        r[CL_A] = v[it->tuple[1]];
        r[CL_B] = v[it->tuple[2]];
        r[CL_RES] = v[it->tuple[3]];
    }
    free(v);
}

static rv_muldiv_call fcalls[RV_MD_NOPS * NF];

static void forge_trace(traces *t)
{
    for (unsigned k = 0; k < RV_MD_NOPS; k++)
        for (size_t i = 0; i < NF; i++) fcalls[k * NF + i] = (rv_muldiv_call){RV_OP_MUL + k, FA[i], FB[i]};
    make(t, fcalls, RV_MD_NOPS * NF, F_LOG);
}

/* Variants: the forged row as it stands (carries of the honest row), the
 * forged row with carries re-solved in the field (the MULDIV tuples agree,
 * so only the muldiv table's own checks can object), and the honest row
 * with a caller that claims the forged result (only MULDIV can). */
enum { V_RAW, V_SOLVED, V_CLAIM, V_N };

static void test_forgeries(void)
{
    traces t;
    forge_trace(&t);
    const size_t bytes = ((size_t)1 << F_LOG) * RV_MD_NCOLS * sizeof(gl_t);
    const size_t cbytes = ((size_t)1 << F_LOG) * CL_NCOLS * sizeof(gl_t);
    gl_t *md0 = malloc(bytes), *caller0 = malloc(cbytes);
    CU_ASSERT_FATAL(md0 && caller0);
    memcpy(md0, t.md, bytes);
    memcpy(caller0, t.caller, cbytes);
    unsigned ncases = 0, nconstraint = 0, nrange = 0, nmuldiv = 0;
    for (unsigned k = 0; k < RV_MD_NOPS; k++)
        for (unsigned kind = 0; kind < F_NKINDS; kind++) {
            unsigned applied = 0;
            for (size_t i = 0; i < NF && applied < kind_pairs(kind); i++) {
                const size_t row = k * NF + i;
                gl_t *c = t.md + row * RV_MD_NCOLS;
                if (!forge(c, kind, k, FA[i], FB[i])) continue;
                applied++;
                gl_t forged[RV_MD_NCOLS];
                memcpy(forged, c, sizeof forged);
                for (unsigned v = 0; v < V_N; v++) {
                    char what[160];
                    snprintf(what, sizeof what, "%s(0x%08x, 0x%08x) %s, variant %u",
                             rv_op_name(RV_OP_MUL + k), FA[i], FB[i], FNAME[kind], v);
                    memcpy(t.md, md0, bytes);
                    memcpy(t.caller, caller0, cbytes);
                    memcpy(c, forged, sizeof forged);
                    if (v == V_SOLVED) resolve(c, k);
                    caller_from_row(&t, row);
                    if (v == V_CLAIM) memcpy(c, md0 + row * RV_MD_NCOLS, sizeof forged);
                    if (v == V_CLAIM && !memcmp(t.caller + row * CL_NCOLS,
                                                caller0 + row * CL_NCOLS, CL_NCOLS * sizeof(gl_t)))
                        continue; /* same instruction: nothing to claim */
                    recount(&t);
                    unsigned why = rejected(&t, what);
                    ncases++;
                    if (why == 0) {
                        nconstraint++;
                        CU_ASSERT(v != V_CLAIM);
                    } else if (v == V_CLAIM) {
                        nmuldiv++;
                        if (why != 1u << RV_BUS_MULDIV) fprintf(stderr, "%s: buses 0x%x\n", what, why);
                        CU_ASSERT_EQUAL(why, 1u << RV_BUS_MULDIV);
                    } else {
                        nrange++;
                        if (why != 1u << RV_BUS_RANGE) fprintf(stderr, "%s: buses 0x%x\n", what, why);
                        CU_ASSERT_EQUAL(why, 1u << RV_BUS_RANGE);
                    }
                }
            }
            /* every kind applies to every op it is meant for on some pair */
            if (!kind_applies(kind, k)) continue;
            if (!applied) fprintf(stderr, "%s: no pair for %s\n", rv_op_name(RV_OP_MUL + k), FNAME[kind]);
            CU_ASSERT(applied > 0);
        }
    fprintf(stderr, "  %u forged traces rejected: %u by a constraint, %u by RANGE, %u by MULDIV\n",
            ncases, nconstraint, nrange, nmuldiv);
    free(md0);
    free(caller0);
    drop(&t);
}

/* Special rows: the overflow flag claimed for other operands, and INT_MIN
 * / -1 without it (q = 2^31 cannot be written); a b = 0 flag for b != 0. */
static void test_special(void)
{
    traces t;
    forge_trace(&t);
    const size_t div_row = 4 * NF; /* DIV(3, 5) */
    const size_t ovf_row = 4 * NF + 2; /* DIV(INT_MIN, -1) */
    /* DIV(-2, 2) claimed = 0x7fffffff, remainder 0, with OVF: then
     * q b + r = 2^32 - 2 = a + 2^32, which W_hi = 0 would accept */
    gl_t *c = t.md + div_row * RV_MD_NCOLS;
    memset(c, 0, RV_MD_NCOLS * sizeof *c);
    c[RV_MD_C_F0 + 4] = 1;
    split(c, RV_MD_C_W0, 0xfffffffeu);
    c[RV_MD_C_SW] = 1;
    split(c, RV_MD_C_B0, 2);
    set_x(c, 4, 0x7fffffff);
    set_z(c, 4, 0);
    c[RV_MD_C_OVF] = 1;
    resolve(c, 4);
    caller_from_row(&t, div_row);
    CU_ASSERT_EQUAL(t.caller[div_row * CL_NCOLS + CL_RES], 0x7fffffff);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "overflow flag on DIV(-2, 2)"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "overflow needs b = -1 (limb 0)"));
    /* the same row without OVF: E1 needs a K out of range */
    c[RV_MD_C_OVF] = 0;
    resolve(c, 4);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "DIV(-2, 2) = 0x7fffffff"), 1u << RV_BUS_RANGE);
    drop(&t);

    /* DIV(40000 * 65535, 65535) claimed = 40000 with OVF: the dividend
     * 0x9c3f63c0 is negative, so q b + r = a + 2^32 */
    forge_trace(&t);
    c = t.md + div_row * RV_MD_NCOLS;
    memset(c, 0, RV_MD_NCOLS * sizeof *c);
    c[RV_MD_C_F0 + 4] = 1;
    split(c, RV_MD_C_W0, 40000u * 65535u);
    c[RV_MD_C_SW] = 1;
    split(c, RV_MD_C_B0, 0xffff);
    set_x(c, 4, 40000);
    c[RV_MD_C_OVF] = 1;
    resolve(c, 4);
    caller_from_row(&t, div_row);
    CU_ASSERT_EQUAL(t.caller[div_row * CL_NCOLS + CL_A], 0x9c3f63c0u);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "overflow flag on DIV(a, 0xffff)"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "overflow needs b = -1 (limb 1)"));
    drop(&t);

    /* x / 0 with either limb of the quotient not all ones */
    for (unsigned limb = 0; limb < 2; limb++) {
        forge_trace(&t);
        const size_t row = 5 * NF + 3; /* DIVU(0x12345678, 0) */
        c = t.md + row * RV_MD_NCOLS;
        c[RV_MD_C_X0 + limb] = 0;
        resolve(c, 5);
        caller_from_row(&t, row);
        recount(&t);
        CU_ASSERT_EQUAL(rejected(&t, "x / 0 != -1"), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), limb ? "x / 0 = -1 (limb 1)" : "x / 0 = -1 (limb 0)"));
        drop(&t);
    }

    forge_trace(&t);
    c = t.md + ovf_row * RV_MD_NCOLS;
    CU_ASSERT_EQUAL(c[RV_MD_C_OVF], 1);
    c[RV_MD_C_OVF] = 0; /* INT_MIN / -1 without the flag */
    resolve(c, 4);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "INT_MIN / -1 without OVF"), 1u << RV_BUS_RANGE);
    drop(&t);

    forge_trace(&t);
    c = t.md + div_row * RV_MD_NCOLS; /* DIV(3, 5) claimed as 3 / 0 */
    c[RV_MD_C_BZ] = 1;
    set_x(c, 4, 0xffffffffu);
    set_z(c, 4, 3);
    resolve(c, 4);
    caller_from_row(&t, div_row);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "b = 0 flag for b = 5"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "b = 0 flag only for b = 0"));
    drop(&t);

    forge_trace(&t);
    c = t.md + (4 * NF + 3) * RV_MD_NCOLS; /* DIV(x, 0) without the flag */
    c[RV_MD_C_BZ] = 0;
    resolve(c, 4);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "b = 0 without the flag"), 1u << RV_BUS_RANGE);
    drop(&t);

    /* a sign bit that is not a bit: Z = 0 with SZ = -2^-15 passes Z1's
     * lookup as 1 and adds 2^17 to the relation, so DIV(2^17, 1) "= 0" */
    forge_trace(&t);
    c = t.md + div_row * RV_MD_NCOLS;
    memset(c, 0, RV_MD_NCOLS * sizeof *c);
    c[RV_MD_C_F0 + 4] = 1;
    split(c, RV_MD_C_W0, 0x20000);
    split(c, RV_MD_C_B0, 1);
    c[RV_MD_C_SZ] = gl_neg(gl_inv(1u << 15));
    resolve(c, 4);
    caller_from_row(&t, div_row);
    CU_ASSERT_EQUAL(t.caller[div_row * CL_NCOLS + CL_RES], 0);
    CU_ASSERT_EQUAL(t.caller[div_row * CL_NCOLS + CL_A], 0x20000);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "DIV(2^17, 1) = 0 with SZ not a bit"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "sign of Z"));
    drop(&t);

    /* flags that are not bits: F_MUL = 1, F_MULH = -1, F_DIV = 1 on the
     * row of DIV(7, 2) sums to op MULHU and to the "result" a - d + q */
    forge_trace(&t);
    const size_t row72 = 4 * NF + 5; /* DIV(7, -2): rewritten as (7, 2) */
    c = t.md + row72 * RV_MD_NCOLS;
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    rv_muldiv_fill_row(&G, c, &lk, RV_OP_DIV, 7, 2);
    rv_lookups_free(&lk);
    c[RV_MD_C_F0 + 0] = 1;
    c[RV_MD_C_F0 + 1] = gl_neg(1);
    caller_from_row(&t, row72);
    CU_ASSERT_EQUAL(t.caller[row72 * CL_NCOLS + CL_OP], RV_OP_MULHU);
    CU_ASSERT_EQUAL(t.caller[row72 * CL_NCOLS + CL_RES], 10);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "MULHU(7, 2) = 10 from non-boolean flags"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "op flag boolean"));
    drop(&t);

    /* the caller's operand differs from the row's */
    forge_trace(&t);
    t.caller[(NF * RV_MD_NOPS - 1) * CL_NCOLS + CL_A] ^= 1; /* REMU(101, 7) = 2 */
    CU_ASSERT_EQUAL(rejected(&t, "caller's a changed"), 1u << RV_BUS_MULDIV);
    drop(&t);
}

/* ---- proofs ---------------------------------------------------------------- */

static void test_proofs(void)
{
    traces t;
    forge_trace(&t);
    CU_ASSERT(prove_verify(&t, 1));
    drop(&t);

    /* MULHU(3, 5) claimed with the 64-bit product 15 + p: every equation
     * holds mod p, only the carries are out of range */
    forge_trace(&t);
    const size_t row = 3 * NF;
    gl_t *c = t.md + row * RV_MD_NCOLS;
    CU_ASSERT_FATAL(forge(c, F_MODP, 3, FA[0], FB[0]));
    resolve(c, 3);
    caller_from_row(&t, row);
    CU_ASSERT_EQUAL(t.caller[row * CL_NCOLS + CL_RES], 0xffffffffu);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "MULHU(3, 5) = 0xffffffff"), 1u << RV_BUS_RANGE);
    CU_ASSERT(!prove_verify(&t, 0));
    drop(&t);

    /* DIV(-7, 2) rounded toward -inf: q = -4, r = 1 */
    forge_trace(&t);
    const size_t drow = 4 * NF + 1;
    c = t.md + drow * RV_MD_NCOLS;
    CU_ASSERT_FATAL(forge(c, F_HIGH, 4, FA[1], FB[1]));
    resolve(c, 4);
    caller_from_row(&t, drow);
    CU_ASSERT_EQUAL(t.caller[drow * CL_NCOLS + CL_RES], 0xfffffffcu);
    recount(&t);
    CU_ASSERT_EQUAL(rejected(&t, "DIV(-7, 2) = -4"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "sign of r"));
    CU_ASSERT(!prove_verify(&t, 0));
    drop(&t);
}

int main(void)
{
    if (!rvt_setup(&fx, build(&fx.m, &G) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"honest operations match the manual", test_honest},
                                      {"fill limits", test_fill_errors},
                                      {"forged results rejected", test_forgeries},
                                      {"special cases", test_special},
                                      {"proofs", test_proofs},
                                      {NULL, NULL}};
    return rvt_run(&fx, "rv_air_muldiv", cases);
}
