/* 32-bit arithmetic gadgets of the RV32IM cpu table (see rv_air_alu.h for
 * the API, rv_air_int.h for the conventions).
 *
 * Soundness, in general. The field is Goldilocks, p = 2^64 - 2^32 + 1. A
 * constraint E = 0 between integers that are small enough holds over the
 * integers: if every value on both sides is a non-negative integer below
 * p (or the difference of the sides lies in (-p, p)), equality mod p is
 * equality. Each gadget below states the bounds that make this so; range
 * checks (RV_BUS_RANGE: 0 <= value < 2^bits, bits <= 16) and bytes-table
 * lookups (RV_BUS_BYTES) provide them. Operands are u32 expressions
 * (rv_air_alu.h) unless said otherwise. */
#include "rv_air_alu.h"

#include "rv_air_tables.h"

#define TWO16 ((gl_t)1 << 16)
#define TWO32 ((gl_t)1 << 32)

static air_expr col(air_machine *m, air_table *t, unsigned c)
{
    return air_col(m, t, AIR_MAIN, c, 0);
}

static air_expr cst(air_machine *m, air_table *t, gl_t c) { return air_const(m, t, c); }

/* x * c */
static air_expr scale(air_machine *m, air_table *t, air_expr x, gl_t c)
{
    return air_mul(m, t, cst(m, t, c), x);
}

/* sel * e = 0 */
static void gated(air_machine *m, air_table *t, air_expr sel, air_expr e, const char *name)
{
    air_constrain(m, t, air_mul(m, t, sel, e), name);
}

/* sel * x (x - 1) = 0 */
static void boolean(air_machine *m, air_table *t, air_expr sel, air_expr x, const char *name)
{
    gated(m, t, sel, air_mul(m, t, x, air_sub(m, t, x, cst(m, t, 1))), name);
}

/* A range lookup whose width is an expression (0 <= value < 2^bits): the
 * tuple of rv_range_send with a variable second element. Sound only where
 * the caller relies on the table holding widths 0..16 alone. */
static void range_send_var(air_machine *m, air_table *t, air_expr sel, air_expr value,
                           air_expr bits)
{
    air_expr tup[2] = {value, bits};
    air_interact(m, t, RV_BUS_RANGE, AIR_SEND, sel, tup, 2);
}

/* ---- u32 range check ------------------------------------------------------
 * x = lo + 2^16 hi with lo, hi < 2^16: the right side is an integer below
 * 2^32 < p, so x (mod p) is that integer, a u32. */

void rv_u32_layout(rv_u32_g *g, rv_cols *c)
{
    g->lo = rv_col_alloc(c, 1);
    g->hi = rv_col_alloc(c, 1);
    g->ext = 0;
}

static air_expr u32_value(const rv_u32_g *g, air_machine *m, air_table *t)
{
    return air_add(m, t, col(m, t, g->lo), scale(m, t, col(m, t, g->hi), TWO16));
}

void rv_u32_build(const rv_u32_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x)
{
    gated(m, t, sel, air_sub(m, t, x, u32_value(g, m, t)), "u32: x = lo + 2^16 hi");
    if (g->ext) return;
    rv_range_send(m, t, sel, col(m, t, g->lo), 16);
    rv_range_send(m, t, sel, col(m, t, g->hi), 16);
}

void rv_u32_fill(const rv_u32_g *g, gl_t *row, rv_lookups *lk, uint32_t x)
{
    row[g->lo] = x & 0xffff;
    row[g->hi] = x >> 16;
    rv_lk_range(lk, x & 0xffff, 16);
    rv_lk_range(lk, x >> 16, 16);
}

/* ---- byte split -------------------------------------------------------------
 * x = sum b_i 256^i with every b_i < 256 (checked here or by the caller's
 * bytes-table lookups): the sum is below 2^32 < p, so the b_i are the
 * bytes of x, and x is a u32. Used by AND/OR/XOR and by loads/stores. */

void rv_bytes4_layout(rv_bytes4_g *g, rv_cols *c, int checked)
{
    for (unsigned i = 0; i < 4; i++) g->b[i] = rv_col_alloc(c, 1);
    g->checked = checked;
}

static air_expr bytes4_value(const unsigned b[4], air_machine *m, air_table *t)
{
    air_expr s = col(m, t, b[0]);
    for (unsigned i = 1; i < 4; i++)
        s = air_add(m, t, s, scale(m, t, col(m, t, b[i]), (gl_t)1 << (8 * i)));
    return s;
}

void rv_bytes4_build(const rv_bytes4_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x)
{
    gated(m, t, sel, air_sub(m, t, x, bytes4_value(g->b, m, t)), "bytes4: x = sum b_i 256^i");
    if (g->checked)
        for (unsigned i = 0; i < 4; i++) rv_range_send(m, t, sel, col(m, t, g->b[i]), 8);
}

void rv_bytes4_fill(const rv_bytes4_g *g, gl_t *row, rv_lookups *lk, uint32_t x)
{
    for (unsigned i = 0; i < 4; i++) {
        uint32_t b = (x >> (8 * i)) & 0xff;
        row[g->b[i]] = b;
        if (g->checked) rv_lk_range(lk, b, 8);
    }
}

/* ---- sign bit ---------------------------------------------------------------
 * x = l0 + 2^16 l1 + 2^31 s with l0 < 2^16, l1 < 2^15, s in {0, 1}: the
 * right side is an integer below 2^32 < p and its bit 31 is s, so x is a
 * u32 whose sign bit (as an int32) is s. */

void rv_sign_layout(rv_sign_g *g, rv_cols *c)
{
    g->l0 = rv_col_alloc(c, 1);
    g->l1 = rv_col_alloc(c, 1);
    g->s = rv_col_alloc(c, 1);
    g->ext = 0;
}

void rv_sign_build(const rv_sign_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x)
{
    air_expr v = air_add(m, t, col(m, t, g->l0), scale(m, t, col(m, t, g->l1), TWO16));
    v = air_add(m, t, v, scale(m, t, col(m, t, g->s), (gl_t)1 << 31));
    gated(m, t, sel, air_sub(m, t, x, v), "sign: x = l0 + 2^16 l1 + 2^31 s");
    boolean(m, t, sel, col(m, t, g->s), "sign: s boolean");
    if (g->ext) return;
    rv_range_send(m, t, sel, col(m, t, g->l0), 16);
    rv_range_send(m, t, sel, col(m, t, g->l1), 15);
}

uint32_t rv_sign_fill(const rv_sign_g *g, gl_t *row, rv_lookups *lk, uint32_t x)
{
    row[g->l0] = x & 0xffff;
    row[g->l1] = (x >> 16) & 0x7fff;
    row[g->s] = x >> 31;
    rv_lk_range(lk, x & 0xffff, 16);
    rv_lk_range(lk, (x >> 16) & 0x7fff, 15);
    return x >> 31;
}

/* ---- add / sub ----------------------------------------------------------------
 * ADD: a + b = c + 2^32 carry, carry boolean, c = lo + 2^16 hi range-checked.
 * With a, b < 2^32 both sides are integers below 2^33 < p, so the equation
 * holds over the integers and c = (a + b) mod 2^32, carry = the carry out.
 * SUB: a - b + 2^32 borrow = c: both sides lie in (-2^32, 2^33), so again an
 * integer equation; c in [0, 2^32) forces borrow = 1 exactly when a < b
 * (borrow 0 would make c negative, borrow 1 with a >= b would make c >=
 * 2^32), and c = (a - b) mod 2^32. */

void rv_add_layout(rv_add_g *g, rv_cols *c)
{
    g->carry = rv_col_alloc(c, 1);
    rv_u32_layout(&g->c, c);
}

static void add_build(const rv_add_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                      air_expr b, air_expr c, int sub)
{
    air_expr cy = scale(m, t, col(m, t, g->carry), TWO32);
    if (sub) {
        air_expr lhs = air_add(m, t, air_sub(m, t, a, b), cy);
        gated(m, t, sel, air_sub(m, t, lhs, c), "sub: a - b + 2^32 borrow = c");
        boolean(m, t, sel, col(m, t, g->carry), "sub: borrow boolean");
    } else {
        air_expr rhs = air_add(m, t, c, cy);
        gated(m, t, sel, air_sub(m, t, air_add(m, t, a, b), rhs), "add: a + b = c + 2^32 carry");
        boolean(m, t, sel, col(m, t, g->carry), "add: carry boolean");
    }
    rv_u32_build(&g->c, m, t, sel, c);
}

void rv_add_build(const rv_add_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                  air_expr b, air_expr c)
{
    add_build(g, m, t, sel, a, b, c, 0);
}

void rv_sub_build(const rv_add_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                  air_expr b, air_expr c)
{
    add_build(g, m, t, sel, a, b, c, 1);
}

uint32_t rv_add_fill(const rv_add_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b)
{
    uint64_t s = (uint64_t)a + b;
    row[g->carry] = s >> 32;
    rv_u32_fill(&g->c, row, lk, (uint32_t)s);
    return (uint32_t)s;
}

uint32_t rv_sub_fill(const rv_add_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b)
{
    row[g->carry] = a < b;
    rv_u32_fill(&g->c, row, lk, a - b);
    return a - b;
}

/* ---- AND / OR / XOR -----------------------------------------------------------
 * The lookup (a_i, b_i, n_i, a_i + b_i - n_i, a_i + b_i - 2 n_i) matches a
 * row (x, y, x AND y, x OR y, x XOR y) of the bytes table only if a_i, b_i
 * are bytes and n_i = a_i AND b_i (the other two entries then match by
 * x + y = (x OR y) + (x AND y) = (x XOR y) + 2 (x AND y)). So the byte
 * splits are the bytes of a and b (see rv_bytes4, which also proves a and
 * b are u32) and AND = sum n_i 256^i is a AND b. Summed over the bytes, the
 * same identities give a OR b = a + b - AND and a XOR b = a + b - 2 AND as
 * integers below 2^33 < p. One witness column per byte (n_i) serves all
 * three ops. */

void rv_bitwise_layout(rv_bitwise_g *g, rv_cols *c)
{
    rv_bytes4_layout(&g->a, c, 0);
    rv_bytes4_layout(&g->b, c, 0);
    for (unsigned i = 0; i < 4; i++) g->n[i] = rv_col_alloc(c, 1);
}

air_expr rv_bitwise_expr(const rv_bitwise_g *g, air_machine *m, air_table *t, int op, air_expr a,
                         air_expr b)
{
    air_expr and_ = bytes4_value(g->n, m, t);
    if (op == RV_AND) return and_;
    air_expr s = air_add(m, t, a, b);
    return air_sub(m, t, s, op == RV_OR ? and_ : scale(m, t, and_, 2));
}

void rv_bitwise_build(const rv_bitwise_g *g, air_machine *m, air_table *t, air_expr f_and,
                      air_expr f_or, air_expr f_xor, air_expr a, air_expr b, air_expr out)
{
    air_expr sel = air_add(m, t, air_add(m, t, f_and, f_or), f_xor);
    rv_bytes4_build(&g->a, m, t, sel, a);
    rv_bytes4_build(&g->b, m, t, sel, b);
    for (unsigned i = 0; i < 4; i++) {
        air_expr x = col(m, t, g->a.b[i]), y = col(m, t, g->b.b[i]), n = col(m, t, g->n[i]);
        air_expr s = air_add(m, t, x, y);
        rv_bytes_send(m, t, sel, x, y, n, air_sub(m, t, s, n), air_sub(m, t, s, scale(m, t, n, 2)));
    }
    static const char *const names[3] = {"bitwise: out = a AND b", "bitwise: out = a OR b",
                                         "bitwise: out = a XOR b"};
    air_expr flags[3] = {f_and, f_or, f_xor};
    for (int op = RV_AND; op <= RV_XOR; op++)
        gated(m, t, flags[op], air_sub(m, t, out, rv_bitwise_expr(g, m, t, op, a, b)), names[op]);
}

uint32_t rv_bitwise_fill(const rv_bitwise_g *g, gl_t *row, rv_lookups *lk, int op, uint32_t a,
                         uint32_t b)
{
    rv_bytes4_fill(&g->a, row, lk, a);
    rv_bytes4_fill(&g->b, row, lk, b);
    uint32_t and_ = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t x = (uint32_t)row[g->a.b[i]], y = (uint32_t)row[g->b.b[i]];
        row[g->n[i]] = x & y;
        and_ |= (x & y) << (8 * i);
        rv_lk_bytes(lk, x, y);
    }
    /* the results the constraints give, from the witness */
    uint64_t s = (uint64_t)a + b;
    return op == RV_AND ? and_ : op == RV_OR ? (uint32_t)(s - and_) : (uint32_t)(s - 2ull * and_);
}

/* ---- less-than -----------------------------------------------------------------
 * a' - b' + 2^32 lt = d with a' = a + 2^31 - 2^32 sgn s_a (= a XOR 2^31 when
 * sgn = 1, else a + 2^31; the common 2^31 cancels), likewise b', lt
 * boolean and d = lo + 2^16 hi range-checked. Both sides lie in (-2^34,
 * 2^34) (|a - b| < 2^32, the sign term is a multiple of 2^32 of size <= 1),
 * so the equation holds over the integers and, as for rv_sub, lt = [a' <
 * b']. Unsigned: a' < b' iff a < b. Signed: x -> x XOR 2^31 maps the
 * int32 order to the u32 order, and s_a, s_b are the true sign bits
 * (rv_sign, which also proves a and b are u32). The sign gadgets are gated
 * by sgn, not sel: on an unsigned comparison their columns are unused (the
 * sign term is multiplied by sgn = 0) and free for the caller's other
 * gadgets; sgn = 1 only where sel = 1 (rv_air_alu.h). */

void rv_lt_layout(rv_lt_g *g, rv_cols *c, int signed_ok)
{
    g->lt = rv_col_alloc(c, 1);
    rv_u32_layout(&g->d, c);
    g->signed_ok = signed_ok;
    if (signed_ok) {
        rv_sign_layout(&g->sa, c);
        rv_sign_layout(&g->sb, c);
    }
}

void rv_lt_build(const rv_lt_g *g, air_machine *m, air_table *t, air_expr sel, air_expr sgn,
                 air_expr a, air_expr b)
{
    air_expr lhs = air_add(m, t, air_sub(m, t, a, b), scale(m, t, col(m, t, g->lt), TWO32));
    if (g->signed_ok) {
        air_expr ds = air_sub(m, t, col(m, t, g->sa.s), col(m, t, g->sb.s));
        lhs = air_sub(m, t, lhs, scale(m, t, air_mul(m, t, sgn, ds), TWO32));
    }
    gated(m, t, sel, air_sub(m, t, lhs, u32_value(&g->d, m, t)), "lt: a' - b' + 2^32 lt = d");
    boolean(m, t, sel, col(m, t, g->lt), "lt: lt boolean");
    if (!g->d.ext) {
        rv_range_send(m, t, sel, col(m, t, g->d.lo), 16);
        rv_range_send(m, t, sel, col(m, t, g->d.hi), 16);
    }
    if (g->signed_ok) {
        rv_sign_build(&g->sa, m, t, sgn, a);
        rv_sign_build(&g->sb, m, t, sgn, b);
    }
}

uint32_t rv_lt_fill(const rv_lt_g *g, gl_t *row, rv_lookups *lk, int sgn, uint32_t a, uint32_t b)
{
    uint32_t flip = sgn ? 0x80000000u : 0;
    uint32_t x = a ^ flip, y = b ^ flip;
    row[g->lt] = x < y;
    rv_u32_fill(&g->d, row, lk, x - y);
    if (g->signed_ok && sgn) {
        rv_sign_fill(&g->sa, row, lk, a);
        rv_sign_fill(&g->sb, row, lk, b);
    }
    return x < y;
}

/* ---- equality -------------------------------------------------------------------
 * eq = 1 - (a - b) inv and (a - b) eq = 0: if a = b the first gives eq = 1;
 * if a != b the second gives eq = 0 (and inv = (a - b)^-1 satisfies the
 * first). As field elements of u32s, a = b in the field iff a = b. */

void rv_eq_layout(rv_eq_g *g, rv_cols *c)
{
    g->eq = rv_col_alloc(c, 1);
    g->inv = rv_col_alloc(c, 1);
}

void rv_eq_build(const rv_eq_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                 air_expr b)
{
    air_expr d = air_sub(m, t, a, b), eq = col(m, t, g->eq);
    air_expr e = air_add(m, t, eq, air_mul(m, t, d, col(m, t, g->inv)));
    gated(m, t, sel, air_sub(m, t, e, cst(m, t, 1)), "eq: eq = 1 - (a - b) inv");
    gated(m, t, sel, air_mul(m, t, d, eq), "eq: (a - b) eq = 0");
}

uint32_t rv_eq_fill(const rv_eq_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b)
{
    (void)lk;
    row[g->eq] = a == b;
    row[g->inv] = a == b ? 0 : gl_inv(gl_sub(a, b));
    return a == b;
}

/* ---- 2^shamt ----------------------------------------------------------------------
 * The lookups (u - 1, r) and (w - 1, 15 - r) exist only if r and 15 - r are
 * table widths (0..16), so r is in 0..15, and 1 <= u <= 2^r, 1 <= w <=
 * 2^(15 - r). Then u w <= 2^15 as integers (< p), with equality only for u
 * = 2^r and w = 2^(15 - r): the constraint u w = 2^15 pins u = 2^r. With k
 * boolean, sh = r + 16 k is in 0..31 and pow = u (1 + (2^16 - 1) k) = 2^sh.
 * Register amount: amount = sh + 32 (q0 + 2^16 q1), q0 < 2^16, q1 < 2^11:
 * the right side is an integer below 2^32 and sh < 32 is its low 5 bits,
 * so sh = amount & 31 (the RV32I rule for SLL/SRL/SRA: "the shift amount
 * is held in the lower 5 bits of rs2"). Immediate amount: amount = sh, the
 * shamt field (0..31 by decoding). */

void rv_pow2_layout(rv_pow2_g *g, rv_cols *c, int reg)
{
    g->r = rv_col_alloc(c, 1);
    g->k = rv_col_alloc(c, 1);
    g->u = rv_col_alloc(c, 1);
    g->w = rv_col_alloc(c, 1);
    g->pow = rv_col_alloc(c, 1);
    g->reg = reg;
    if (reg) {
        g->q0 = rv_col_alloc(c, 1);
        g->q1 = rv_col_alloc(c, 1);
    }
}

void rv_pow2_build(const rv_pow2_g *g, air_machine *m, air_table *t, air_expr sel,
                   air_expr amount)
{
    air_expr r = col(m, t, g->r), k = col(m, t, g->k), u = col(m, t, g->u);
    air_expr w = col(m, t, g->w), one = cst(m, t, 1);
    air_expr sh = air_add(m, t, r, scale(m, t, k, 16));
    boolean(m, t, sel, k, "pow2: k boolean");
    gated(m, t, sel, air_sub(m, t, air_mul(m, t, u, w), cst(m, t, 1u << 15)), "pow2: u w = 2^15");
    air_expr p = air_mul(m, t, u, air_add(m, t, one, scale(m, t, k, TWO16 - 1)));
    gated(m, t, sel, air_sub(m, t, col(m, t, g->pow), p), "pow2: pow = u (1 + (2^16 - 1) k)");
    range_send_var(m, t, sel, air_sub(m, t, u, one), r);
    range_send_var(m, t, sel, air_sub(m, t, w, one), air_sub(m, t, cst(m, t, 15), r));
    if (g->reg) {
        air_expr q = air_add(m, t, col(m, t, g->q0), scale(m, t, col(m, t, g->q1), TWO16));
        gated(m, t, sel, air_sub(m, t, amount, air_add(m, t, sh, scale(m, t, q, 32))),
              "pow2: amount = sh + 32 q");
        rv_range_send(m, t, sel, col(m, t, g->q0), 16);
        rv_range_send(m, t, sel, col(m, t, g->q1), 11);
    } else {
        gated(m, t, sel, air_sub(m, t, amount, sh), "pow2: amount = sh");
    }
}

uint32_t rv_pow2_fill(const rv_pow2_g *g, gl_t *row, rv_lookups *lk, uint32_t amount)
{
    uint32_t sh = amount & 31, r = sh & 15;
    row[g->r] = r;
    row[g->k] = sh >> 4;
    row[g->u] = 1u << r;
    row[g->w] = 1u << (15 - r);
    row[g->pow] = 1u << sh;
    rv_lk_range(lk, (1u << r) - 1, r);
    rv_lk_range(lk, (1u << (15 - r)) - 1, 15 - r);
    if (g->reg) {
        uint32_t q = amount >> 5;
        row[g->q0] = q & 0xffff;
        row[g->q1] = q >> 16;
        rv_lk_range(lk, q & 0xffff, 16);
        rv_lk_range(lk, q >> 16, 11);
    }
    return sh;
}

/* ---- shifts ------------------------------------------------------------------------
 * pow = 2^sh (rv_pow2), out = c0 + 2^16 c1 range-checked (c < 2^32), and v
 * = v0 + 2^16 v1 < 2^sh: with t1 = k r the lookups are (v0, r + 16 k - t1)
 * and (v1, t1), i.e. v0 < 2^r, v1 = 0 when k = 0 and v0 < 2^16, v1 < 2^r
 * when k = 1. So 0 <= v < 2^sh <= 2^31 and pow <= 2^31.
 *
 * Goldilocks: a product of two u32 is below p, but an integer written as
 * lo + 2^32 hi is only unique mod p while it stays below p; hi = 2^32 - 1
 * would let lo + 2^32 hi wrap (x + p = (x + 1) + 2^32 (2^32 - 1)). Here
 * the high part v is bounded by 2^31, so no side of any equation reaches p:
 *   SLL: a pow < 2^63 and c + 2^32 v < 2^32 + 2^63 < p: a 2^sh = c + 2^32 v
 *        over the integers, c < 2^32, so c = (a << sh) mod 2^32 (RV32I:
 *        "zeros shifted into the lower bits", high bits dropped).
 *   SRL: c pow + v < 2^63 + 2^31 < p and a < 2^32: a = c 2^sh + v with 0 <=
 *        v < 2^sh is Euclidean division, so c = a >> sh (logical).
 *   SRA: with A = a - 2^32 s_a the int32 value of a (s_a its sign, rv_sign),
 *        the right side a + 2^32 s_a (pow - 1) = A + 2^32 s_a pow is in
 *        [0, 2^63] and the left in [0, 2^63): integer division again gives
 *        c = floor(A / 2^sh) + 2^32 s_a = the u32 of the arithmetic shift
 *        (the original sign bit copied into the vacated upper bits). */

void rv_shift_layout(rv_shift_g *g, rv_cols *c, int reg)
{
    /* c and sa first, in rv_lt's order of d and sa (the cpu lays both
     * gadgets over the same columns and shares their lookups) */
    rv_u32_layout(&g->c, c);
    rv_sign_layout(&g->sa, c);
    rv_pow2_layout(&g->p, c, reg);
    g->v0 = rv_col_alloc(c, 1);
    g->v1 = rv_col_alloc(c, 1);
    g->t1 = rv_col_alloc(c, 1);
}

void rv_shift_build(const rv_shift_g *g, air_machine *m, air_table *t, air_expr f_sll,
                    air_expr f_srl, air_expr f_sra, air_expr a, air_expr amount, air_expr out)
{
    air_expr sel = air_add(m, t, air_add(m, t, f_sll, f_srl), f_sra);
    rv_pow2_build(&g->p, m, t, sel, amount);
    rv_u32_build(&g->c, m, t, sel, out);
    air_expr r = col(m, t, g->p.r), k = col(m, t, g->p.k), t1 = col(m, t, g->t1);
    gated(m, t, sel, air_sub(m, t, t1, air_mul(m, t, k, r)), "shift: t1 = k r");
    air_expr bits0 = air_sub(m, t, air_add(m, t, r, scale(m, t, k, 16)), t1);
    range_send_var(m, t, sel, col(m, t, g->v0), bits0);
    range_send_var(m, t, sel, col(m, t, g->v1), t1);
    air_expr v = air_add(m, t, col(m, t, g->v0), scale(m, t, col(m, t, g->v1), TWO16));
    air_expr pow = col(m, t, g->p.pow), one = cst(m, t, 1);
    air_expr hi = scale(m, t, v, TWO32);
    gated(m, t, f_sll, air_sub(m, t, air_mul(m, t, a, pow), air_add(m, t, out, hi)),
          "shift: SLL a pow = c + 2^32 v");
    air_expr cp = air_add(m, t, air_mul(m, t, out, pow), v);
    gated(m, t, f_srl, air_sub(m, t, cp, a), "shift: SRL c pow + v = a");
    air_expr ext = air_mul(m, t, col(m, t, g->sa.s), air_sub(m, t, pow, one));
    gated(m, t, f_sra, air_sub(m, t, cp, air_add(m, t, a, scale(m, t, ext, TWO32))),
          "shift: SRA c pow + v = a + 2^32 s (pow - 1)");
    rv_sign_build(&g->sa, m, t, f_sra, a);
}

uint32_t rv_shift_fill(const rv_shift_g *g, gl_t *row, rv_lookups *lk, int op, uint32_t a,
                       uint32_t amount)
{
    uint32_t sh = rv_pow2_fill(&g->p, row, lk, amount), r = sh & 15, k = sh >> 4;
    uint32_t c, v;
    if (op == RV_SLL) {
        uint64_t prod = (uint64_t)a << sh;
        c = (uint32_t)prod;
        v = (uint32_t)(prod >> 32);
    } else {
        /* a mod 2^sh is also the remainder of the signed division: 2^sh
         * divides 2^32 */
        c = op == RV_SRL ? a >> sh : (uint32_t)((int32_t)a >> sh);
        v = (uint32_t)(((uint64_t)1 << sh) - 1) & a;
    }
    rv_u32_fill(&g->c, row, lk, c);
    row[g->v0] = v & 0xffff;
    row[g->v1] = v >> 16;
    row[g->t1] = k * r;
    rv_lk_range(lk, v & 0xffff, r + 16 * k - k * r);
    rv_lk_range(lk, v >> 16, k * r);
    if (op == RV_SRA) rv_sign_fill(&g->sa, row, lk, a);
    return c;
}

/* ---- sign / zero extension -----------------------------------------------------------
 * v = m + 2^(bits-1) msb with m < 2^(bits-1) (range lookup of v - 2^(bits-1)
 * msb) and msb boolean: v < 2^bits and msb is its top bit. LB/LH: the
 * loaded value sign-extended, v + msb (2^32 - 2^bits) (all upper bits equal
 * to msb); LBU/LHU: zero-extended, v. */

void rv_ext_layout(rv_ext_g *g, rv_cols *c, unsigned bits)
{
    g->msb = rv_col_alloc(c, 1);
    g->bits = bits;
}

void rv_ext_build(const rv_ext_g *g, air_machine *m, air_table *t, air_expr sel, air_expr sgn,
                  air_expr v, air_expr out)
{
    air_expr msb = col(m, t, g->msb);
    boolean(m, t, sel, msb, "ext: msb boolean");
    rv_range_send(m, t, sel, air_sub(m, t, v, scale(m, t, msb, (gl_t)1 << (g->bits - 1))),
                  g->bits - 1);
    air_expr e = scale(m, t, air_mul(m, t, sgn, msb), TWO32 - ((gl_t)1 << g->bits));
    gated(m, t, sel, air_sub(m, t, out, air_add(m, t, v, e)),
          "ext: out = v + sgn msb (2^32 - 2^bits)");
}

uint32_t rv_ext_fill(const rv_ext_g *g, gl_t *row, rv_lookups *lk, int sgn, uint32_t v)
{
    uint32_t msb = (v >> (g->bits - 1)) & 1;
    row[g->msb] = msb;
    rv_lk_range(lk, v - (msb << (g->bits - 1)), g->bits - 1);
    return sgn && msb ? v | ~(uint32_t)0 << g->bits : v;
}
