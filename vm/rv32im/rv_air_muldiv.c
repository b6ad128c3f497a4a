/* The muldiv table (rv_air_muldiv.h): M-extension instructions as one
 * 64-bit multiply-add over 16-bit limbs.
 *
 * Soundness. Write X = X0 + 2^16 X1, B, Z likewise, W_lo = W0 + 2^16 W1,
 * W_hi = W2 + 2^16 W3 on MUL* rows and 0xffffffff * (SW - OVF) on DIV*
 * rows, every limb in [0, 2^16) by its range lookup, and sx, sb, sz the
 * sign bits (X_s = X - 2^32 sx, ...). Since X_s B_s = X B - 2^32 (sx B +
 * sb X) + 2^64 sx sb, the relation X_s B_s + Z_s = W (mod 2^64) is, over
 * the integers,
 *   X B + Z - 2^32 (sx B + sb X + sz) = W + 2^64 (K - 3),
 * which the table checks as two equations at the 2^16 boundary:
 *   E0:  X0 B0 + Z0 = W0 + 2^16 C0
 *   E1:  X0 B1 + X1 B0 + Z1 + C0 + 2^16 (X1 B1 - sx B - sb X - sz)
 *          = W1 + 2^16 W_hi + 2^48 (K - 3)
 * (E0 + 2^16 E1 is the relation). Goldilocks: the constraints hold mod
 * p = 2^64 - 2^32 + 1, and a 64-bit value is not one field element (W and
 * W + p are both below 2^64 when W < 2^32 - 1, so "product = W" mod p
 * would admit a wrong high word). Here every term of E0 is below 2^33 and
 * every term of E1 below 2^52 in absolute value (C0 < 2^16, K < 2^3 by
 * their lookups), so a side that vanishes mod p vanishes over the
 * integers. Honest values fit: C0 <= ((2^16-1)^2 + 2^16-1) / 2^16 < 2^16,
 * and E1's left side lies in [-2^49 - 2^16, 2^48 + 2^34), so K - 3 is in
 * -3..1.
 *
 * Sign bits: the top limb's lookup is (T1 - 2^15 s, 16 - signed), with
 * s (s - signed) = 0: an unsigned operand has s = 0 and T1 < 2^16, a
 * signed one has T1 - 2^15 s in [0, 2^15), so s is bit 31.
 *
 * MUL*: Z = 0 (constrained), so W = X_s B_s mod 2^64. The exact product
 * lies in [-2^63, 2^64) and in a window of width < 2^64 for each
 * signedness, so W is its two's complement and W_lo / W_hi are the
 * manual's low / high words.
 *
 * DIV*: W_lo = a and W_hi its sign extension, so W = a_s (mod 2^64); with
 * |q_s B_s + r_s - a_s| < 2^63 the relation holds over the integers:
 * a_s = q_s b_s + r_s. Then
 *   b != 0: d = |b| - |r| - 1 (in W2, W3) is a range-checked u32, so
 *     |r| < |b| (a negative d is p - small, no pair of 16-bit limbs);
 *     (SW - SZ) r = 0 gives r = 0 or sign(r) = sign(a). These fix q and r
 *     as truncated division (unique), except a = INT_MIN, b = -1 signed,
 *     where q_s = 2^31 does not fit: that row needs OVF, the manual's
 *     overflow case. OVF is allowed on DIV and REM rows with b = -1 only
 *     and sets W_hi = 0xffffffff (SW - 1): then |r| < 1 gives r = 0 and
 *     -q_s = W (mod 2^64); with SW = 1 (a >= 2^31 as u32) W = a as u32
 *     and -q_s <= 2^31 leaves a = INT_MIN, q = INT_MIN; with SW = 0,
 *     W = a + 2^32 (mod 2^64) is no -q_s at all. So OVF admits exactly
 *     INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0 (and honest rows of those
 *     operands need it).
 *   b = 0: BZ = 1 (BZ b = 0 allows it only then; with BZ = 0 the bound
 *     -|r| - 1 >= 0 fails), the bound is skipped, q = 0xffffffff by
 *     constraint and the relation gives r = a: the manual's x / 0 = -1,
 *     x % 0 = x.
 * BZ is not constrained boolean: BZ != 0 needs b = 0 (BZ b = 0) and then
 * any BZ != 1 leaves the gate is_div - BZ of the bound nonzero, whose
 * -|r| - 1 = W2 + 2^16 W3 has no solution; on MUL* rows the same gate
 * -BZ forces W2 + 2^16 W3 = |b| - |r| - 1 = -1. So BZ = [b = 0] on
 * division rows and 0 elsewhere. OVF and the sign bits are constrained:
 * on a MUL* row OVF = 1 with b = -1 (or SW = 1) would shift W_hi by
 * -(2^32 - 1) (or +) and so the high word by one.
 */
#include <assert.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_muldiv.h"
#include "rv_air_tables.h"

/* Flag of each op, k = op - RV_OP_MUL; what it reads as signed. */
enum { K_MUL, K_MULH, K_MULHSU, K_MULHU, K_DIV, K_DIVU, K_REM, K_REMU };

static int signed_x(unsigned k) { return k == K_MULH || k == K_MULHSU || k == K_DIV || k == K_REM; }
static int signed_b(unsigned k) { return k == K_MULH || k == K_DIV || k == K_REM; }
static int signed_zw(unsigned k) { return k == K_DIV || k == K_REM; }

void rv_muldiv_layout(rv_muldiv_gadget *g, rv_cols *cols)
{
    g->col = rv_col_alloc(cols, RV_MD_NCOLS);
}

/* sum of the flags in mask (bit k = F_k) */
static air_expr flags(air_machine *m, air_table *t, const air_expr *f, unsigned mask)
{
    air_expr s = air_const(m, t, 0);
    for (unsigned k = 0; k < RV_MD_NOPS; k++)
        if (mask >> k & 1) s = air_add(m, t, s, f[k]);
    return s;
}

static air_expr lin(air_machine *m, air_table *t, air_expr lo, air_expr hi, uint64_t shift)
{
    return air_add(m, t, lo, air_mul(m, t, air_const(m, t, shift), hi));
}

/* RANGE lookup (value, bits) with bits an expression (16 - signed). */
static void range_expr(air_machine *m, air_table *t, air_expr sel, air_expr value, air_expr bits)
{
    air_expr tup[2] = {value, bits};
    air_interact(m, t, RV_BUS_RANGE, AIR_SEND, sel, tup, 2);
}

void rv_muldiv_build(const rv_muldiv_gadget *g, air_machine *m, air_table *t)
{
#define C(k) air_col(m, t, AIR_MAIN, g->col + (k), 0)
#define K(c) air_const(m, t, (c))
#define MUL(a, b) air_mul(m, t, (a), (b))
#define ADD(a, b) air_add(m, t, (a), (b))
#define SUB(a, b) air_sub(m, t, (a), (b))
    air_expr f[RV_MD_NOPS];
    for (unsigned k = 0; k < RV_MD_NOPS; k++) f[k] = C(RV_MD_C_F0 + k);
    air_expr x0 = C(RV_MD_C_X0), x1 = C(RV_MD_C_X1), b0 = C(RV_MD_C_B0), b1 = C(RV_MD_C_B1);
    air_expr z0 = C(RV_MD_C_Z0), z1 = C(RV_MD_C_Z1), w0 = C(RV_MD_C_W0), w1 = C(RV_MD_C_W1);
    air_expr w2 = C(RV_MD_C_W2), w3 = C(RV_MD_C_W3);
    air_expr sx = C(RV_MD_C_SX), sb = C(RV_MD_C_SB), sz = C(RV_MD_C_SZ), sw = C(RV_MD_C_SW);
    air_expr c0 = C(RV_MD_C_C0), kk = C(RV_MD_C_K), bz = C(RV_MD_C_BZ), ovf = C(RV_MD_C_OVF);

    air_expr sel = flags(m, t, f, 0xff);
    air_expr is_mul = flags(m, t, f, 0x0f), is_div = flags(m, t, f, 0xf0);
    air_expr sgx = flags(m, t, f, 1u << K_MULH | 1u << K_MULHSU | 1u << K_DIV | 1u << K_REM);
    air_expr sgb = flags(m, t, f, 1u << K_MULH | 1u << K_DIV | 1u << K_REM);
    air_expr sgz = flags(m, t, f, 1u << K_DIV | 1u << K_REM); /* also W_lo's */
    air_expr X = lin(m, t, x0, x1, 1u << 16), B = lin(m, t, b0, b1, 1u << 16);
    air_expr Z = lin(m, t, z0, z1, 1u << 16), Wlo = lin(m, t, w0, w1, 1u << 16);
    air_expr W23 = lin(m, t, w2, w3, 1u << 16);

    /* one op per active row; padding rows have none. Non-boolean flags
     * would mix ops (F_MUL = 1, F_MULH = -1, F_DIV = 1 reads as MULHU with
     * a division's columns); two flags would put an op id >= 77 on the
     * bus, which no caller sends: kept so that the table's statement does
     * not rest on its callers' op ids. */
    for (unsigned k = 0; k < RV_MD_NOPS; k++)
        air_constrain(m, t, MUL(f[k], SUB(f[k], K(1))), "muldiv: op flag boolean");
    air_constrain(m, t, MUL(sel, SUB(sel, K(1))), "muldiv: at most one op");
    /* sign bits: boolean where the op reads the operand as signed, else 0;
     * OVF only on DIV and REM rows (BZ needs no such constraint: see the
     * top comment) */
    air_constrain(m, t, MUL(sx, SUB(sx, sgx)), "muldiv: sign of X");
    air_constrain(m, t, MUL(sb, SUB(sb, sgb)), "muldiv: sign of b");
    air_constrain(m, t, MUL(sz, SUB(sz, sgz)), "muldiv: sign of Z");
    air_constrain(m, t, MUL(sw, SUB(sw, sgz)), "muldiv: sign of a");
    air_constrain(m, t, MUL(ovf, SUB(ovf, sgz)), "muldiv: overflow flag");

    /* MUL*: nothing is added to the product */
    air_constrain(m, t, MUL(is_mul, z0), "muldiv: MUL adds 0 (limb 0)");
    air_constrain(m, t, MUL(is_mul, z1), "muldiv: MUL adds 0 (limb 1)");

    /* X_s B_s + Z_s = W (mod 2^64), as E0 and E1 (see the top comment) */
    air_expr whi = ADD(MUL(is_mul, W23), MUL(K(0xffffffffu), SUB(sw, ovf)));
    air_expr e0 = SUB(ADD(MUL(x0, b0), z0), ADD(w0, MUL(K(1u << 16), c0)));
    air_constrain(m, t, MUL(sel, e0), "muldiv: product limb 0 (E0)");
    air_expr mid = ADD(ADD(MUL(x0, b1), MUL(x1, b0)), ADD(z1, c0));
    air_expr top = SUB(MUL(x1, b1), ADD(ADD(MUL(sx, B), MUL(sb, X)), sz));
    air_expr lhs = ADD(mid, MUL(K(1u << 16), top));
    air_expr rhs = ADD(ADD(w1, MUL(K(1u << 16), whi)), MUL(K(1ull << 48), SUB(kk, K(3))));
    air_constrain(m, t, MUL(sel, SUB(lhs, rhs)), "muldiv: product limbs 1-3 (E1)");

    /* division by zero: q = all ones (r = a follows from the relation) */
    air_constrain(m, t, MUL(bz, B), "muldiv: b = 0 flag only for b = 0");
    air_constrain(m, t, MUL(bz, SUB(x0, K(0xffff))), "muldiv: x / 0 = -1 (limb 0)");
    air_constrain(m, t, MUL(bz, SUB(x1, K(0xffff))), "muldiv: x / 0 = -1 (limb 1)");
    /* |r| < |b|: |v| = v + s (2^32 - 2 v) for a sign bit s */
    air_expr absb = ADD(B, MUL(sb, SUB(K(1ull << 32), MUL(K(2), B))));
    air_expr absr = ADD(Z, MUL(sz, SUB(K(1ull << 32), MUL(K(2), Z))));
    air_expr bound = SUB(SUB(SUB(absb, absr), K(1)), W23);
    air_expr chk = SUB(is_div, bz);
    air_constrain(m, t, MUL(chk, bound), "muldiv: |r| < |b|");
    air_constrain(m, t, MUL(SUB(sw, sz), Z), "muldiv: sign of r is sign of a");
    /* INT_MIN / -1: OVF needs b = -1 (a = INT_MIN then follows, see top) */
    air_constrain(m, t, MUL(ovf, SUB(b0, K(0xffff))), "muldiv: overflow needs b = -1 (limb 0)");
    air_constrain(m, t, MUL(ovf, SUB(b1, K(0xffff))), "muldiv: overflow needs b = -1 (limb 1)");

    /* the instruction: op id, a, b, result */
    air_expr op = K(0);
    for (unsigned k = 0; k < RV_MD_NOPS; k++) op = ADD(op, MUL(K(RV_OP_MUL + k), f[k]));
    air_expr a = ADD(MUL(is_mul, X), MUL(is_div, Wlo));
    air_expr res = ADD(ADD(MUL(f[K_MUL], Wlo), MUL(flags(m, t, f, 0x0e), W23)),
                       ADD(MUL(flags(m, t, f, 1u << K_DIV | 1u << K_DIVU), X),
                           MUL(flags(m, t, f, 1u << K_REM | 1u << K_REMU), Z)));
    air_expr tup[4] = {op, a, B, res};
    air_interact(m, t, RV_BUS_MULDIV, AIR_RECEIVE, sel, tup, 4);

    /* every limb < 2^16, the top limbs split at their sign bit */
    air_expr k16 = K(16), k15 = K(1u << 15);
    rv_range_send(m, t, sel, x0, 16);
    range_expr(m, t, sel, SUB(x1, MUL(k15, sx)), SUB(k16, sgx));
    rv_range_send(m, t, sel, b0, 16);
    range_expr(m, t, sel, SUB(b1, MUL(k15, sb)), SUB(k16, sgb));
    rv_range_send(m, t, sel, z0, 16);
    range_expr(m, t, sel, SUB(z1, MUL(k15, sz)), SUB(k16, sgz));
    rv_range_send(m, t, sel, w0, 16);
    range_expr(m, t, sel, SUB(w1, MUL(k15, sw)), SUB(k16, sgz));
    rv_range_send(m, t, sel, w2, 16);
    rv_range_send(m, t, sel, w3, 16);
    rv_range_send(m, t, sel, c0, 16);
    rv_range_send(m, t, sel, kk, 3);
#undef C
#undef K
#undef MUL
#undef ADD
#undef SUB
}

air_table *rv_muldiv_table_add(air_machine *m, rv_muldiv_gadget *g, unsigned log_n)
{
    rv_cols cols = {0};
    rv_muldiv_layout(g, &cols);
    g->log_n = log_n;
    g->t = air_table_add(m, "muldiv", 0, cols.n);
    if (!g->t) return NULL;
    rv_muldiv_build(g, m, g->t);
    return g->t;
}

uint32_t rv_muldiv_result(rv_op op, uint32_t a, uint32_t b)
{
    const int64_t as = (int32_t)a, bs = (int32_t)b;
    switch (op) {
    case RV_OP_MUL: return a * b;
    case RV_OP_MULH: return (uint32_t)((uint64_t)(as * bs) >> 32);
    case RV_OP_MULHSU: return (uint32_t)((uint64_t)(as * (int64_t)b) >> 32);
    case RV_OP_MULHU: return (uint32_t)((uint64_t)a * b >> 32);
    /* "Division by zero and division overflow" table of the manual */
    case RV_OP_DIV: return b == 0 ? 0xffffffffu : (uint32_t)(as / bs); /* 2^31 wraps to INT_MIN */
    case RV_OP_DIVU: return b == 0 ? 0xffffffffu : a / b;
    case RV_OP_REM: return b == 0 ? a : (uint32_t)(as % bs); /* int64: INT_MIN % -1 = 0 */
    case RV_OP_REMU: return b == 0 ? a : a % b;
    default: assert(!"rv_muldiv_result: not an M-extension op"); return 0;
    }
}

static void lk16(rv_lookups *lk, uint32_t top, unsigned s, int sgn)
{
    rv_lk_range(lk, top - (s << 15), sgn ? 15 : 16);
}

uint32_t rv_muldiv_fill_row(const rv_muldiv_gadget *g, gl_t *row, rv_lookups *lk, rv_op op,
                            uint32_t a, uint32_t b)
{
    assert(op >= RV_OP_MUL && op <= RV_OP_REMU);
    const unsigned k = (unsigned)op - RV_OP_MUL;
    const int sgx = signed_x(k), sgb = signed_b(k), sgz = signed_zw(k), div = k >= K_DIV;
    gl_t *c = row + g->col;
    memset(c, 0, RV_MD_NCOLS * sizeof *c);
    const uint32_t res = rv_muldiv_result(op, a, b);
    uint32_t x, z, wlo, w23;
    uint64_t whi; /* W_hi in the relation */
    unsigned bz = 0, ovf = 0;
    if (!div) {
        x = a;
        z = 0;
        uint64_t xe = sgx ? (uint64_t)(int64_t)(int32_t)a : a;
        uint64_t be = sgb ? (uint64_t)(int64_t)(int32_t)b : b;
        uint64_t w = xe * be; /* X_s B_s mod 2^64 */
        wlo = (uint32_t)w;
        whi = w >> 32;
        w23 = (uint32_t)whi;
    } else {
        const int rem = k == K_REM || k == K_REMU;
        x = rv_muldiv_result(rem ? op - 2 : op, a, b); /* the quotient */
        z = rv_muldiv_result(rem ? op : op + 2, a, b); /* the remainder */
        wlo = a;
        bz = b == 0;
        ovf = sgz && a == 0x80000000u && b == 0xffffffffu;
        whi = sgz && (a >> 31) && !ovf ? 0xffffffffu : 0;
        /* magnitudes as u32 (|INT_MIN| = 2^31 = 0u - 0x80000000) */
        uint32_t absb = sgb && (b >> 31) ? 0u - b : b;
        uint32_t absr = sgz && (z >> 31) ? 0u - z : z;
        assert(bz || absr < absb);
        w23 = bz ? 0 : absb - absr - 1;
    }
    const unsigned sx = sgx && (x >> 31), sb = sgb && (b >> 31), sz = sgz && (z >> 31);
    const unsigned sw = sgz && (wlo >> 31);
    const uint32_t x0 = x & 0xffff, x1 = x >> 16, b0 = b & 0xffff, b1 = b >> 16;
    const uint32_t z0 = z & 0xffff, z1 = z >> 16, w0 = wlo & 0xffff, w1 = wlo >> 16;
    const uint32_t w2 = w23 & 0xffff, w3 = w23 >> 16;
    /* E0 and E1 solved for the carries (exact: |terms| < 2^52) */
    int64_t e0 = (int64_t)x0 * b0 + z0 - w0;
    assert((e0 & 0xffff) == 0 && e0 >= 0 && e0 >> 16 < 0x10000);
    const int64_t c0 = e0 >> 16;
    int64_t e1 = (int64_t)x0 * b1 + (int64_t)x1 * b0 + z1 + c0 +
                 65536 * ((int64_t)x1 * b1 - (int64_t)sx * b - (int64_t)sb * x - sz) -
                 (int64_t)w1 - 65536 * (int64_t)whi;
    assert(e1 % (1ll << 48) == 0);
    const int64_t kv = e1 / (1ll << 48) + 3;
    assert(kv >= 0 && kv < 8);

    c[RV_MD_C_F0 + k] = 1;
    c[RV_MD_C_X0] = x0, c[RV_MD_C_X1] = x1, c[RV_MD_C_B0] = b0, c[RV_MD_C_B1] = b1;
    c[RV_MD_C_Z0] = z0, c[RV_MD_C_Z1] = z1, c[RV_MD_C_W0] = w0, c[RV_MD_C_W1] = w1;
    c[RV_MD_C_W2] = w2, c[RV_MD_C_W3] = w3;
    c[RV_MD_C_SX] = sx, c[RV_MD_C_SB] = sb, c[RV_MD_C_SZ] = sz, c[RV_MD_C_SW] = sw;
    c[RV_MD_C_C0] = (gl_t)c0, c[RV_MD_C_K] = (gl_t)kv, c[RV_MD_C_BZ] = bz, c[RV_MD_C_OVF] = ovf;

    /* the lookups build sends, in its order */
    rv_lk_range(lk, x0, 16);
    lk16(lk, x1, sx, sgx);
    rv_lk_range(lk, b0, 16);
    lk16(lk, b1, sb, sgb);
    rv_lk_range(lk, z0, 16);
    lk16(lk, z1, sz, sgz);
    rv_lk_range(lk, w0, 16);
    lk16(lk, w1, sw, sgz);
    rv_lk_range(lk, w2, 16);
    rv_lk_range(lk, w3, 16);
    rv_lk_range(lk, (uint32_t)c0, 16);
    rv_lk_range(lk, (uint32_t)kv, 3);
    return res;
}

cairn_err rv_muldiv_fill(const rv_muldiv_gadget *g, gl_t *main, rv_lookups *lk, uint32_t *results,
                         const rv_muldiv_call *calls, size_t n)
{
    const size_t rows = (size_t)1 << g->log_n;
    RETURN_ERROR_IF(n > rows, CAIRN_ERR_LIMIT,
                    "muldiv: %zu M-extension instructions exceed the table's %zu rows", n, rows);
    for (size_t i = 0; i < n; i++)
        RETURN_ERROR_IF(calls[i].op < RV_OP_MUL || calls[i].op > RV_OP_REMU, CAIRN_ERR_USAGE,
                        "muldiv: call %zu has op %u, not an M-extension operation", i,
                        (unsigned)calls[i].op);
    const size_t w = g->col + RV_MD_NCOLS;
    memset(main, 0, rows * w * sizeof *main);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rv_muldiv_fill_row(g, main + i * w, lk, (rv_op)calls[i].op, calls[i].a,
                                        calls[i].b);
        if (results) results[i] = r;
    }
    return CAIRN_OK;
}

void rv_muldiv_send(air_machine *m, air_table *t, air_expr sel, air_expr op, air_expr a,
                    air_expr b, air_expr result)
{
    air_expr tup[4] = {op, a, b, result};
    air_interact(m, t, RV_BUS_MULDIV, AIR_SEND, sel, tup, 4);
}
