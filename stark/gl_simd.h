/* Private to the field and NTT code: Goldilocks arithmetic on SIMD vectors
 * of 64-bit lanes, and the entry points of each dispatch path.
 *
 * The intrinsics part is compiled only where the ISA flags are on (files
 * named *_avx2.c / *_avx512.c, see stark/CMakeLists.txt); every other file
 * sees the prototypes alone.
 *
 * Lanes hold canonical values (< p) on input and output of every function
 * here, like gl_t.
 *
 * Multiplication: a*b < 2^128 from four 32x32->64 partial products
 * (vpmuludq), then reduction of hi*2^64 + lo with 2^64 = 2^32 - 1 and
 * 2^96 = -1 (mod p), as gl_reduce128 in gl.h does for one element.
 */
#ifndef CAIRN_STARK_GL_SIMD_H
#define CAIRN_STARK_GL_SIMD_H

#include "gl.h"

void gl_vec_add_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_sub_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_scalar_avx2(gl_t *out, const gl_t *a, gl_t s, size_t n);
void gl_vec_add_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_sub_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_scalar_avx512(gl_t *out, const gl_t *a, gl_t s, size_t n);
void gl3_vec_mul_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s);
void gl3_vec_mul_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s);
void gl3_vec_mad_base_avx2(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s);
void gl3_vec_mad_base_avx512(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s);
void gl3_vec_batch_inv_avx512(gl_t *x, size_t n, size_t s, gl_t *scratch);

/* The extension product of a vector of lanes (gl.h: X^3 = X + 1) by
 * Karatsuba: six base products instead of nine, the same field result.
 * Written once, instantiated for 4 and 8 lanes below. */
#define GL_EXT_MUL_DEFINE(name, V, add, sub, mul)                                   \
    static inline void name(V r[3], const V a[3], const V b[3])                     \
    {                                                                                \
        V m0 = mul(a[0], b[0]), m1 = mul(a[1], b[1]), m2 = mul(a[2], b[2]);          \
        V m01 = mul(add(a[0], a[1]), add(b[0], b[1]));                               \
        V m02 = mul(add(a[0], a[2]), add(b[0], b[2]));                               \
        V m12 = mul(add(a[1], a[2]), add(b[1], b[2]));                               \
        /* schoolbook c1..c3 from the sums; c0 = m0, c4 = m2 */                      \
        V c1 = sub(m01, add(m0, m1));                                                \
        V c2 = add(sub(m02, add(m0, m2)), m1);                                       \
        V c3 = sub(m12, add(m1, m2));                                                \
        r[0] = add(m0, c3);                                                          \
        r[1] = add(add(c1, c3), m2);                                                 \
        r[2] = add(c2, m2);                                                          \
    }

#if defined(__AVX2__)
#include <immintrin.h>

/* ---- AVX2: 4 lanes. AVX2 has no unsigned 64-bit compare, so x < y is
 * computed as a signed compare of x ^ 2^63 and y ^ 2^63. ---- */

#define GL4_SIGN _mm256_set1_epi64x((long long)0x8000000000000000ull)
#define GL4_P _mm256_set1_epi64x((long long)GL_P)
#define GL4_EPS _mm256_set1_epi64x((long long)GL_EPS)

/* all-ones lanes where x < y (unsigned) */
static inline __m256i gl4_ltu(__m256i x, __m256i y)
{
    return _mm256_cmpgt_epi64(_mm256_xor_si256(y, GL4_SIGN), _mm256_xor_si256(x, GL4_SIGN));
}

/* a + b: with nb = p - b (in (0, p]), a + b = a - nb, plus p if a < nb. */
static inline __m256i gl4_add(__m256i a, __m256i b)
{
    __m256i nb = _mm256_sub_epi64(GL4_P, b);
    __m256i r = _mm256_sub_epi64(a, nb);
    return _mm256_add_epi64(r, _mm256_and_si256(gl4_ltu(a, nb), GL4_P));
}

static inline __m256i gl4_sub(__m256i a, __m256i b)
{
    __m256i r = _mm256_sub_epi64(a, b);
    return _mm256_add_epi64(r, _mm256_and_si256(gl4_ltu(a, b), GL4_P));
}

/* hi*2^64 + lo mod p, canonical. hi <= (p-1)^2 >> 64 < 2^64 - 2^33. */
static inline __m256i gl4_reduce(__m256i lo, __m256i hi)
{
    __m256i hh = _mm256_srli_epi64(hi, 32);
    /* lo - hh; on a borrow the wrapped value is off by 2^64 = 2^32-1. */
    __m256i t0 = _mm256_sub_epi64(lo, hh);
    t0 = _mm256_sub_epi64(t0, _mm256_and_si256(gl4_ltu(lo, hh), GL4_EPS));
    /* (hi mod 2^32) * (2^32 - 1) < 2^64 */
    __m256i t1 = _mm256_mul_epu32(hi, GL4_EPS);
    __m256i r = _mm256_add_epi64(t0, t1);
    /* on a carry add 2^64 mod p; r + eps cannot wrap again since t1 is at
     * most (2^32-1)^2 */
    r = _mm256_add_epi64(r, _mm256_and_si256(gl4_ltu(r, t1), GL4_EPS));
    /* canonical: subtract p where r >= p, i.e. where !(r < p) */
    __m256i ge = _mm256_andnot_si256(gl4_ltu(r, GL4_P), GL4_P);
    return _mm256_sub_epi64(r, ge);
}

/* a*b, with bh = b >> 32 precomputed (a twiddle reused across a row). */
static inline __m256i gl4_mul_pre(__m256i a, __m256i b, __m256i bh)
{
    __m256i ah = _mm256_srli_epi64(a, 32);
    __m256i ll = _mm256_mul_epu32(a, b);
    __m256i lh = _mm256_mul_epu32(a, bh);
    __m256i hl = _mm256_mul_epu32(ah, b);
    __m256i hh = _mm256_mul_epu32(ah, bh);
    /* middle terms folded in two steps so nothing overflows 64 bits:
     * (2^32-1)^2 + 2^32-1 < 2^64 */
    __m256i t = _mm256_add_epi64(hl, _mm256_srli_epi64(ll, 32));
    __m256i u = _mm256_add_epi64(lh, _mm256_and_si256(t, GL4_EPS));
    __m256i lo = _mm256_blend_epi32(ll, _mm256_slli_epi64(u, 32), 0xaa);
    __m256i hi = _mm256_add_epi64(hh, _mm256_add_epi64(_mm256_srli_epi64(t, 32),
                                                       _mm256_srli_epi64(u, 32)));
    return gl4_reduce(lo, hi);
}

static inline __m256i gl4_mul(__m256i a, __m256i b)
{
    return gl4_mul_pre(a, b, _mm256_srli_epi64(b, 32));
}

static inline __m256i gl4_load(const gl_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline void gl4_store(gl_t *p, __m256i v) { _mm256_storeu_si256((__m256i *)p, v); }

GL_EXT_MUL_DEFINE(gl4_ext_mul, __m256i, gl4_add, gl4_sub, gl4_mul)
#endif /* __AVX2__ */

#if defined(__AVX512F__)
/* ---- AVX-512: 8 lanes, native unsigned compares into mask registers. ---- */

#define GL8_P _mm512_set1_epi64((long long)GL_P)
#define GL8_EPS _mm512_set1_epi64((long long)GL_EPS)

static inline __m512i gl8_add(__m512i a, __m512i b)
{
    __m512i nb = _mm512_sub_epi64(GL8_P, b);
    __m512i r = _mm512_sub_epi64(a, nb);
    return _mm512_mask_add_epi64(r, _mm512_cmplt_epu64_mask(a, nb), r, GL8_P);
}

static inline __m512i gl8_sub(__m512i a, __m512i b)
{
    __m512i r = _mm512_sub_epi64(a, b);
    return _mm512_mask_add_epi64(r, _mm512_cmplt_epu64_mask(a, b), r, GL8_P);
}

static inline __m512i gl8_reduce(__m512i lo, __m512i hi)
{
    __m512i hh = _mm512_srli_epi64(hi, 32);
    __m512i t0 = _mm512_sub_epi64(lo, hh);
    t0 = _mm512_mask_sub_epi64(t0, _mm512_cmplt_epu64_mask(lo, hh), t0, GL8_EPS);
    __m512i t1 = _mm512_mul_epu32(hi, GL8_EPS);
    __m512i r = _mm512_add_epi64(t0, t1);
    r = _mm512_mask_add_epi64(r, _mm512_cmplt_epu64_mask(r, t1), r, GL8_EPS);
    /* r - p wraps above r exactly when r < p, so the unsigned minimum is
     * the canonical value */
    return _mm512_min_epu64(r, _mm512_sub_epi64(r, GL8_P));
}

static inline __m512i gl8_mul_pre(__m512i a, __m512i b, __m512i bh)
{
    __m512i ah = _mm512_srli_epi64(a, 32);
    __m512i ll = _mm512_mul_epu32(a, b);
    __m512i lh = _mm512_mul_epu32(a, bh);
    __m512i hl = _mm512_mul_epu32(ah, b);
    __m512i hh = _mm512_mul_epu32(ah, bh);
    __m512i t = _mm512_add_epi64(hl, _mm512_srli_epi64(ll, 32));
    __m512i u = _mm512_add_epi64(lh, _mm512_and_si512(t, GL8_EPS));
    __m512i lo = _mm512_mask_blend_epi32(0xaaaa, ll, _mm512_slli_epi64(u, 32));
    __m512i hi = _mm512_add_epi64(hh, _mm512_add_epi64(_mm512_srli_epi64(t, 32),
                                                       _mm512_srli_epi64(u, 32)));
    return gl8_reduce(lo, hi);
}

static inline __m512i gl8_mul(__m512i a, __m512i b)
{
    return gl8_mul_pre(a, b, _mm512_srli_epi64(b, 32));
}

static inline __m512i gl8_load(const gl_t *p) { return _mm512_loadu_si512((const void *)p); }
static inline void gl8_store(gl_t *p, __m512i v) { _mm512_storeu_si512((void *)p, v); }

GL_EXT_MUL_DEFINE(gl8_ext_mul, __m512i, gl8_add, gl8_sub, gl8_mul)

/* first n (< 8) lanes; the others read as zero and are not written */
static inline __mmask8 gl8_tail(size_t n) { return (__mmask8)((1u << n) - 1); }
static inline __m512i gl8_load_n(const gl_t *p, size_t n)
{
    return _mm512_maskz_loadu_epi64(gl8_tail(n), (const void *)p);
}
static inline void gl8_store_n(gl_t *p, __m512i v, size_t n)
{
    _mm512_mask_storeu_epi64((void *)p, gl8_tail(n), v);
}
#endif /* __AVX512F__ */

#endif
