/* Poseidon2 kernels on AVX-512 (F/DQ/VL/BW): 8 states per __m512i, the
 * round structure from p2_simd.h. Carries and borrows use the unsigned
 * compares into mask registers that AVX-512 has and AVX2 lacks. Built with
 * the AVX-512 flags (stark/CMakeLists.txt) and only called when
 * cpu_features() reports CPU_AVX512. */
#include <immintrin.h>

#include "p2_impl.h"

#define V __m512i
#define VL 8

static inline V v_set1(uint64_t a) { return _mm512_set1_epi64((long long)a); }
static inline V v_load(const gl_t *p) { return _mm512_loadu_si512((const void *)p); }
static inline void v_store(gl_t *p, V a) { _mm512_storeu_si512((void *)p, a); }
static inline V v_add(V a, V b) { return _mm512_add_epi64(a, b); }
static inline V v_sub(V a, V b) { return _mm512_sub_epi64(a, b); }
static inline V v_and(V a, V b) { return _mm512_and_si512(a, b); }
#define v_srli(a, n) _mm512_srli_epi64((a), (n))
#define v_slli(a, n) _mm512_slli_epi64((a), (n))
static inline V v_mul32(V a, V b) { return _mm512_mul_epu32(a, b); }
/* odd 32-bit elements (the high halves of the lanes) from hi */
static inline V v_blend_lo_hi(V lo, V hi) { return _mm512_mask_blend_epi32(0xaaaa, lo, hi); }

/* hi 2^64 + lo with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p):
 * lo - (hi >> 32) + (hi mod 2^32)(2^32 - 1); a borrow of 2^64 is fixed by
 * subtracting 2^32 - 1 (the difference is then >= 2^64 - 2^32, so no
 * second borrow), a carry by adding it (the sum is then below
 * (2^32-1)^2, so no second carry). */
static inline V v_reduce128(V hi, V lo)
{
    const V eps = v_set1(GL_EPS);
    V hh = v_srli(hi, 32);
    __mmask8 borrow = _mm512_cmplt_epu64_mask(lo, hh);
    V t0 = v_sub(lo, hh);
    t0 = _mm512_mask_sub_epi64(t0, borrow, t0, eps);
    V t1 = v_mul32(hi, eps);
    V r = v_add(t0, t1);
    __mmask8 carry = _mm512_cmplt_epu64_mask(r, t1);
    return _mm512_mask_add_epi64(r, carry, r, eps);
}

static inline V v_add_wrap(V a, V b)
{
    V r = v_add(a, b);
    __mmask8 carry = _mm512_cmplt_epu64_mask(r, b);
    return _mm512_mask_add_epi64(r, carry, r, v_set1(GL_EPS));
}

/* odd x: (x + p) / 2 = (x >> 1) + (p + 1) / 2 */
static inline V v_half(V x)
{
    V s = v_srli(x, 1);
    __mmask8 odd = _mm512_test_epi64_mask(x, v_set1(1));
    return _mm512_mask_add_epi64(s, odd, s, v_set1((GL_P + 1) / 2));
}

static inline V v_canon(V x)
{
    __mmask8 ge = _mm512_cmpge_epu64_mask(x, v_set1(GL_P));
    return _mm512_mask_sub_epi64(x, ge, x, v_set1(GL_P));
}

/* x / 2^k = (x >> k) + r / 2^k for r = x mod 2^k, with r / 2^k =
 * (r + (2^k - r) p) / 2^k (p = 1 mod 8) read from a table by vpermq. The
 * sum stays below 2^64: (x >> k) < 2^(64-k), and the largest entry,
 * (1 + (2^k - 1) p) / 2^k, is below 2^64 - 2^(64-k) (tests/stark/test_p2.c
 * checks both against the reference on edge words). Two operations fewer
 * than repeated halving for x / 4, five for x / 8. */
static const uint64_t P2_DIV8[8] = {
    0,
    (1 + 7 * (unsigned __int128)GL_P) / 8,
    (2 + 6 * (unsigned __int128)GL_P) / 8,
    (3 + 5 * (unsigned __int128)GL_P) / 8,
    (4 + 4 * (unsigned __int128)GL_P) / 8,
    (5 + 3 * (unsigned __int128)GL_P) / 8,
    (6 + 2 * (unsigned __int128)GL_P) / 8,
    (7 + 1 * (unsigned __int128)GL_P) / 8,
};
static const uint64_t P2_DIV4[8] = {
    0,
    (1 + 3 * (unsigned __int128)GL_P) / 4,
    (2 + 2 * (unsigned __int128)GL_P) / 4,
    (3 + 1 * (unsigned __int128)GL_P) / 4,
};
static inline V v_quarter(V x)
{
    V t = _mm512_permutexvar_epi64(v_and(x, v_set1(3)), v_load(P2_DIV4));
    return v_add(v_srli(x, 2), t);
}
static inline V v_eighth(V x)
{
    V t = _mm512_permutexvar_epi64(x, v_load(P2_DIV8)); /* vpermq reads the low 3 bits */
    return v_add(v_srli(x, 3), t);
}
#define v_quarter v_quarter
#define v_eighth v_eighth

#include "p2_simd.h"

void p2_permute_soa8_avx512(gl_t *soa) { p2s_permute(soa, 1); }
void p2_permute_soa16_avx512(gl_t *soa) { p2s_permute(soa, 2); }

int p2_test_op_avx512(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    return p2s_test_op(op, out, a, b, n);
}

/* ---- one state: full rounds in two vectors, a = x[0..8) and b =
 * x[8..12) in its low four lanes (the high four lanes of b carry values
 * that are never stored) ---- */

#define ROT1 _MM_SHUFFLE(0, 3, 2, 1)   /* lane i <- lane i+1 of its 4-block */
#define ROT2 _MM_SHUFFLE(1, 0, 3, 2)   /* lane i <- lane i+2 of its 4-block */
#define SWAP256 _MM_SHUFFLE(1, 0, 3, 2) /* exchange the 256-bit halves */
#define DUP256 _MM_SHUFFLE(1, 0, 1, 0)  /* low 256 bits into both halves */

/* M4 = circ(2,3,1,1) on each 4-block of halves: y_i = 2x_i + 3x_{i+1} +
 * x_{i+2} + x_{i+3} = (x_i + x_{i+1} + x_{i+2} + x_{i+3}) + x_i + 2x_{i+1}. */
static inline V m4_blocks(V x)
{
    V t = v_add(x, _mm512_permutex_epi64(x, ROT2));
    V total = v_add(t, _mm512_permutex_epi64(t, ROT1));
    V r1 = _mm512_permutex_epi64(x, ROT1);
    return v_add(v_add(total, x), v_add(r1, r1));
}

/* Column sums y_0 + y_1 + y_2 of the three M4 outputs, in both halves. */
static inline V colsum(V a, V b)
{
    return v_add(v_add(a, _mm512_shuffle_i64x2(a, a, SWAP256)), _mm512_shuffle_i64x2(b, b, DUP256));
}

/* External layer of p2_simd.h on the two-vector layout, then rc[0..nrc)
 * (nrc is 0, 1 or 12). */
static inline void ext_single(V *a, V *b, const uint64_t *rc, int nrc)
{
    V al, ah, bl, bh;
    p2s_split(*a, &al, &ah);
    p2s_split(*b, &bl, &bh);
    al = m4_blocks(al);
    ah = m4_blocks(ah);
    bl = m4_blocks(bl);
    bh = m4_blocks(bh);
    V cl = colsum(al, bl), ch = colsum(ah, bh);
    al = v_add(al, cl);
    ah = v_add(ah, ch);
    bl = v_add(bl, cl);
    bh = v_add(bh, ch);
    if (nrc) {
        V ra = _mm512_maskz_loadu_epi64(nrc == P2_WIDTH ? 0xff : 0x01, rc);
        V rb = _mm512_maskz_loadu_epi64(nrc == P2_WIDTH ? 0x0f : 0x00, rc + 8);
        V m32 = v_set1(P2S_M32);
        al = v_add(al, v_and(ra, m32));
        ah = v_add(ah, v_srli(ra, 32));
        bl = v_add(bl, v_and(rb, m32));
        bh = v_add(bh, v_srli(rb, 32));
    }
    *a = p2s_join(al, ah);
    *b = p2s_join(bl, bh);
}

void p2_permute_single_avx512(gl_t st[P2_WIDTH])
{
    V a = v_load(st), b = _mm512_maskz_loadu_epi64(0x0f, st + 8);
    ext_single(&a, &b, P2_RC_EXT_INIT[0], P2_WIDTH);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        int last = r + 1 == P2_ROUNDS_F_HALF;
        V ab[2] = {a, b};
        p2s_sbox_n(ab, 2);
        a = ab[0];
        b = ab[1];
        ext_single(&a, &b, last ? P2_RC_INT : P2_RC_EXT_INIT[r + 1], last ? 1 : P2_WIDTH);
    }
    uint64_t x[P2_WIDTH];
    v_store(x, a);
    _mm512_mask_storeu_epi64(x + 8, 0x0f, b);
    p2_partial_rounds_scalar(x);
    a = v_load(x);
    b = _mm512_maskz_loadu_epi64(0x0f, x + 8);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        int last = r + 1 == P2_ROUNDS_F_HALF;
        V ab[2] = {a, b};
        p2s_sbox_n(ab, 2);
        a = ab[0];
        b = ab[1];
        ext_single(&a, &b, last ? NULL : P2_RC_EXT_FINAL[r + 1], last ? 0 : P2_WIDTH);
    }
    v_store(st, v_canon(a));
    _mm512_mask_storeu_epi64(st + 8, 0x0f, v_canon(b));
}
