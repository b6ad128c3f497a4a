/* Poseidon2 permutation over vectors of states, written once for every
 * vector ISA. Private to the p2 module: p2_avx2.c and p2_avx512.c include
 * it after defining the vector type and primitives below, so the round
 * structure exists once and each file only supplies lane arithmetic.
 *
 * Required before inclusion:
 *   V, VL            vector type and its number of 64-bit lanes
 *   v_set1(u64), v_load(p), v_store(p, a)
 *   v_add, v_sub, v_and      lane-wise, modulo 2^64
 *   v_srli(a, n), v_slli(a, n) logical shifts by an immediate
 *   v_mul32(a, b)    (a mod 2^32) * (b mod 2^32), 64-bit product per lane
 *   v_blend_lo_hi(lo, hi)   low 32 bits of each lane from lo, high from hi
 *   v_reduce128(hi, lo)     value < 2^64 congruent to hi 2^64 + lo (mod p)
 *   v_add_wrap(a, b) a + b, plus 2^32 - 1 if it wrapped past 2^64 (so
 *                    congruent to a + b); valid when b < 2^64 - 2^32
 *   v_half(x)        value < 2^64 congruent to x / 2, for any x < 2^64
 *   v_canon(x)       x mod p for x < 2^64 (x - p when x >= p)
 * Optional (defaults: repeated v_half):
 *   v_quarter(x), v_eighth(x)  value < 2^64 congruent to x / 4, x / 8
 *
 * Representation (see p2.c): lanes hold values < 2^64 congruent to the
 * state, reduced to canonical only at the end. The linear layers split each
 * word into 32-bit halves, run the additions on both halves in 64-bit lanes
 * (no carries to track: every half stays below 2^37), add the next round's
 * constants, and join and reduce once per output. */
#ifndef CAIRN_STARK_P2_SIMD_H
#define CAIRN_STARK_P2_SIMD_H

#include "p2_constants.h"

#define P2S_M32 0xffffffffull

/* 64 x 64 -> 128-bit product from four 32 x 32 products (schoolbook):
 * a b = ll + (lh + hl) 2^32 + hh 2^64. mid and mid2 fold the middle terms
 * in 64 bits; neither can overflow since (2^32-1)^2 + 2^32 - 1 < 2^64. */
static inline V p2s_mul(V a, V b)
{
    V ah = v_srli(a, 32), bh = v_srli(b, 32);
    V ll = v_mul32(a, b), lh = v_mul32(a, bh), hl = v_mul32(ah, b), hh = v_mul32(ah, bh);
    V mid = v_add(lh, v_srli(ll, 32));
    V mid2 = v_add(hl, v_and(mid, v_set1(P2S_M32)));
    V lo = v_blend_lo_hi(ll, v_slli(mid2, 32));
    V hi = v_add(hh, v_add(v_srli(mid, 32), v_srli(mid2, 32)));
    return v_reduce128(hi, lo);
}

/* a^2: as p2s_mul with the two cross products equal. */
static inline V p2s_sqr(V a)
{
    V ah = v_srli(a, 32);
    V ll = v_mul32(a, a), lh = v_mul32(a, ah), hh = v_mul32(ah, ah);
    V mid = v_add(lh, v_srli(ll, 32));
    V mid2 = v_add(lh, v_and(mid, v_set1(P2S_M32)));
    V lo = v_blend_lo_hi(ll, v_slli(mid2, 32));
    V hi = v_add(hh, v_add(v_srli(mid, 32), v_srli(mid2, 32)));
    return v_reduce128(hi, lo);
}

/* x^7 = x^3 x^4 on n <= 24 independent vectors, stage by stage: each
 * S-box is a chain of three multiplications (about 60 cycles), and written
 * one after the other the chains leave the out-of-order window too little
 * independent work; side by side they run at the throughput limit (about
 * 1.5x faster on Zen 5). */
static inline __attribute__((always_inline)) void p2s_sbox_n(V *x, const int n)
{
    V x2[2 * P2_WIDTH], x3[2 * P2_WIDTH];
    for (int i = 0; i < n; i++) x2[i] = p2s_sqr(x[i]);
    for (int i = 0; i < n; i++) x3[i] = p2s_mul(x2[i], x[i]);
    for (int i = 0; i < n; i++) x2[i] = p2s_sqr(x2[i]);
    for (int i = 0; i < n; i++) x[i] = p2s_mul(x3[i], x2[i]);
}

/* Joins halves l + h 2^32 (l, h < 2^40) into a congruent word < 2^64:
 * carry l's excess into h, keep h's low 32 bits above l's low 32 bits, and
 * fold the multiples of 2^64 (h >> 32 of them, each 2^32 - 1 mod p). */
static inline V p2s_join(V l, V h)
{
    V hc = v_add(h, v_srli(l, 32));
    V lo = v_blend_lo_hi(l, v_slli(hc, 32));
    return v_add_wrap(lo, v_mul32(v_srli(hc, 32), v_set1(GL_EPS)));
}

/* M4 = circ(2,3,1,1) with 8 additions (same chain as p2.c); on halves
 * below 2^32 the outputs stay below 7 * 2^32. */
static inline void p2s_m4(V *x)
{
    V t01 = v_add(x[0], x[1]), t23 = v_add(x[2], x[3]), t0123 = v_add(t01, t23);
    V t01123 = v_add(t0123, x[1]), t01233 = v_add(t0123, x[3]);
    V y0 = v_add(t01123, t01), y1 = v_add(t01123, v_add(x[2], x[2]));
    V y2 = v_add(t01233, t23), y3 = v_add(t01233, v_add(x[0], x[0]));
    x[0] = y0;
    x[1] = y1;
    x[2] = y2;
    x[3] = y3;
}

static inline void p2s_split(V x, V *l, V *h)
{
    *l = v_and(x, v_set1(P2S_M32));
    *h = v_srli(x, 32);
}

/* Adds rc[0..nrc) to the halves (before the join). */
static inline void p2s_add_rc(V *l, V *h, const uint64_t *rc, int nrc)
{
    for (int i = 0; i < nrc; i++) {
        l[i] = v_add(l[i], v_set1(rc[i] & P2S_M32));
        h[i] = v_add(h[i], v_set1(rc[i] >> 32));
    }
}

/* External layer, then the next constants rc[0..nrc). Halves reach at most
 * 28 (2^32 - 1) + 2^32 before the join. */
static inline void p2s_external(V x[P2_WIDTH], const uint64_t *rc, int nrc)
{
    V l[P2_WIDTH], h[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) p2s_split(x[i], &l[i], &h[i]);
    for (int b = 0; b < P2_WIDTH; b += 4) {
        p2s_m4(l + b);
        p2s_m4(h + b);
    }
    for (int j = 0; j < 4; j++) {
        V sl = v_add(v_add(l[j], l[4 + j]), l[8 + j]);
        V sh = v_add(v_add(h[j], h[4 + j]), h[8 + j]);
        for (int b = 0; b < P2_WIDTH; b += 4) {
            l[b + j] = v_add(l[b + j], sl);
            h[b + j] = v_add(h[b + j], sh);
        }
    }
    p2s_add_rc(l, h, rc, nrc);
    for (int i = 0; i < P2_WIDTH; i++) x[i] = p2s_join(l[i], h[i]);
}

/* 8p written as halves KL + KH 2^32 with both halves >= 2^34: added to
 * the outputs with a negative diagonal entry so that subtracting up to
 * 4 (2^32 - 1) from each half stays non-negative.
 * KL + KH 2^32 = 2^35 + 8 + 2^67 - 2^36 = 2^67 - 2^35 + 8 = 8p. */
#define P2S_KL ((1ull << 35) + 8)
#define P2S_KH ((1ull << 35) - 16)

/* x / 4 and x / 8 (values < 2^64 congruent), where the ISA file has no
 * faster form: repeated halving. */
#ifndef v_quarter
#define v_quarter(x) v_half(v_half(x))
#endif
#ifndef v_eighth
#define v_eighth(x) v_half(v_half(v_half(x)))
#endif

/* d x for d = 2^k (k = 1, 2): x = t 2^(64-k) + lo, 2^64 = 2^32 - 1 (mod p),
 * and t (2^32 - 1) < 2^34 is a valid second operand of v_add_wrap. */
static inline V p2s_shl_mod(V x, const int k)
{
    return v_add_wrap(v_slli(x, k), v_mul32(v_srli(x, 64 - k), v_set1(GL_EPS)));
}

/* -x as p - canon(x), in 1..p. */
static inline V p2s_neg(V x) { return v_sub(v_set1(GL_P), v_canon(x)); }

/* Halves of b + f and b - f for halves (bl, bh) and a word f < 2^64 (for
 * b - f, b must be offset by 8p as kl, kh below). */
static inline void p2s_base_plus(V *yl, V *yh, V bl, V bh, V f)
{
    V fl, fh;
    p2s_split(f, &fl, &fh);
    *yl = v_add(bl, fl);
    *yh = v_add(bh, fh);
}

static inline void p2s_base_minus(V *yl, V *yh, V bl, V bh, V f)
{
    V fl, fh;
    p2s_split(f, &fl, &fh);
    *yl = v_sub(bl, fl);
    *yh = v_sub(bh, fh);
}

/* Internal layer x_i <- d_i x_i + sum with the small diagonal of p2.c
 * (-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/4, -1/4, 1/8), then the next
 * constants. The sum is formed in halves (split, add, join) as in the
 * external layer; the outputs of the entries 0, 4, 7, 8 stay in halves
 * (halves below 16 * 2^32 + 2^35 + 2^32 < 2^37 before the join). The other
 * entries take fewer operations on whole words: d x (any word < 2^64
 * congruent to it) plus the canonical sum by v_add_wrap, whose second
 * operand may be any value <= p - 1. With nrc == P2_WIDTH (the round
 * before the final full rounds) every entry takes the halves path, where
 * the constants are added. Always inlined: GCC 12 otherwise calls it, with
 * the state passed through memory (p2_permute_soa16_avx512 was 1.4%
 * slower, 2.72 against 2.76M permutations per second on the EPYC). */
static inline __attribute__((always_inline)) void p2s_internal(V x[P2_WIDTH], const uint64_t *rc, int nrc)
{
    V l[P2_WIDTH], h[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) p2s_split(x[i], &l[i], &h[i]);
    /* sum of x_1..x_11 first: only x_0 comes out of this round's S-box, so
     * this part does not wait for it. */
    V rl = l[1], rh = h[1];
    for (int i = 2; i < P2_WIDTH; i++) {
        rl = v_add(rl, l[i]);
        rh = v_add(rh, h[i]);
    }
    V sl = v_add(rl, l[0]), sh = v_add(rh, h[0]);
    V kl = v_add(sl, v_set1(P2S_KL)), kh = v_add(sh, v_set1(P2S_KH));
    V yl[P2_WIDTH], yh[P2_WIDTH];
    /* d_0 = -2: sum - 2 x_0 = (x_1 + ... + x_11) - x_0 */
    yl[0] = v_sub(v_add(rl, v_set1(P2S_KL)), l[0]);
    yh[0] = v_sub(v_add(rh, v_set1(P2S_KH)), h[0]);
    yl[4] = v_add(v_add(sl, l[4]), v_slli(l[4], 1));
    yh[4] = v_add(v_add(sh, h[4]), v_slli(h[4], 1));
    yl[7] = v_sub(v_sub(kl, l[7]), v_slli(l[7], 1));
    yh[7] = v_sub(v_sub(kh, h[7]), v_slli(h[7], 1));
    yl[8] = v_sub(kl, v_slli(l[8], 2));
    yh[8] = v_sub(kh, v_slli(h[8], 2));
    if (nrc == P2_WIDTH) {
        yl[1] = v_add(sl, l[1]);
        yh[1] = v_add(sh, h[1]);
        yl[2] = v_add(sl, v_slli(l[2], 1));
        yh[2] = v_add(sh, v_slli(h[2], 1));
        p2s_base_plus(&yl[3], &yh[3], sl, sh, v_half(x[3]));
        yl[5] = v_add(sl, v_slli(l[5], 2));
        yh[5] = v_add(sh, v_slli(h[5], 2));
        p2s_base_minus(&yl[6], &yh[6], kl, kh, v_half(x[6]));
        p2s_base_plus(&yl[9], &yh[9], sl, sh, v_quarter(x[9]));
        p2s_base_minus(&yl[10], &yh[10], kl, kh, v_quarter(x[10]));
        p2s_base_plus(&yl[11], &yh[11], sl, sh, v_eighth(x[11]));
        p2s_add_rc(yl, yh, rc, nrc);
        for (int i = 0; i < P2_WIDTH; i++) x[i] = p2s_join(yl[i], yh[i]);
        return;
    }
    p2s_add_rc(yl, yh, rc, nrc);
    const V s = v_canon(p2s_join(sl, sh));
    x[1] = v_add_wrap(x[1], s);
    x[2] = v_add_wrap(p2s_shl_mod(x[2], 1), s);
    x[3] = v_add_wrap(v_half(x[3]), s);
    x[5] = v_add_wrap(p2s_shl_mod(x[5], 2), s);
    x[6] = v_add_wrap(p2s_neg(v_half(x[6])), s);
    x[9] = v_add_wrap(v_quarter(x[9]), s);
    x[10] = v_add_wrap(p2s_neg(v_quarter(x[10])), s);
    x[11] = v_add_wrap(v_eighth(x[11]), s);
    x[0] = p2s_join(yl[0], yh[0]);
    x[4] = p2s_join(yl[4], yh[4]);
    x[7] = p2s_join(yl[7], yh[7]);
    x[8] = p2s_join(yl[8], yh[8]);
}

/* The permutation on nv interleaved vectors of states, SoA: soa[i * nv VL
 * + k VL + l] is element i of state k VL + l. Always inlined so that nv is
 * a constant and the k loops vanish. */
static inline __attribute__((always_inline)) void p2s_permute(gl_t *soa, const int nv)
{
    const int lanes = nv * VL;
    V x[2][P2_WIDTH];
    for (int k = 0; k < nv; k++)
        for (int i = 0; i < P2_WIDTH; i++) x[k][i] = v_load(soa + i * lanes + k * VL);

    for (int k = 0; k < nv; k++) p2s_external(x[k], P2_RC_EXT_INIT[0], P2_WIDTH);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        int last = r + 1 == P2_ROUNDS_F_HALF;
        const uint64_t *rc = last ? P2_RC_INT : P2_RC_EXT_INIT[r + 1];
        p2s_sbox_n(&x[0][0], nv * P2_WIDTH);
        for (int k = 0; k < nv; k++) p2s_external(x[k], rc, last ? 1 : P2_WIDTH);
    }
    for (int r = 0; r < P2_ROUNDS_P; r++) {
        int last = r + 1 == P2_ROUNDS_P;
        const uint64_t *rc = last ? P2_RC_EXT_FINAL[0] : P2_RC_INT + r + 1;
        V x0[2];
        for (int k = 0; k < nv; k++) x0[k] = x[k][0];
        p2s_sbox_n(x0, nv);
        for (int k = 0; k < nv; k++) {
            x[k][0] = x0[k];
            p2s_internal(x[k], rc, last ? P2_WIDTH : 1);
        }
    }
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        int last = r + 1 == P2_ROUNDS_F_HALF;
        p2s_sbox_n(&x[0][0], nv * P2_WIDTH);
        for (int k = 0; k < nv; k++)
            p2s_external(x[k], last ? NULL : P2_RC_EXT_FINAL[r + 1], last ? 0 : P2_WIDTH);
    }

    for (int k = 0; k < nv; k++)
        for (int i = 0; i < P2_WIDTH; i++) v_store(soa + i * lanes + k * VL, v_canon(x[k][i]));
}

/* The test hook of p2_impl.h for this ISA. */
static inline int p2s_test_op(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    if (op == P2_OP_WIDE) return 0;
    if (op == P2_OP_EXT || op == P2_OP_INT || op == P2_OP_INT_LAST) {
        static const uint64_t zero[P2_WIDTH];
        for (size_t s = 0; s + P2_WIDTH * VL <= n; s += P2_WIDTH * VL) {
            V x[P2_WIDTH];
            for (int i = 0; i < P2_WIDTH; i++) x[i] = v_load(a + s + i * VL);
            if (op == P2_OP_EXT) p2s_external(x, NULL, 0);
            else if (op == P2_OP_INT) p2s_internal(x, NULL, 0);
            else p2s_internal(x, zero, P2_WIDTH);
            for (int i = 0; i < P2_WIDTH; i++) v_store(out + s + i * VL, x[i]);
        }
        return 1;
    }
    for (size_t i = 0; i + VL <= n; i += VL) {
        V x = v_load(a + i), y = v_load(b + i), r;
        switch (op) {
        case P2_OP_MUL: r = p2s_mul(x, y); break;
        case P2_OP_SQR: r = p2s_sqr(x); break;
        case P2_OP_SBOX: r = x, p2s_sbox_n(&r, 1); break;
        case P2_OP_HALF: r = v_half(x); break;
        case P2_OP_QUARTER: r = v_quarter(x); break;
        case P2_OP_EIGHTH: r = v_eighth(x); break;
        case P2_OP_CANON: r = v_canon(x); break;
        case P2_OP_JOIN: r = p2s_join(x, y); break;
        default: return 0;
        }
        v_store(out + i, r);
    }
    return 1;
}

#endif
