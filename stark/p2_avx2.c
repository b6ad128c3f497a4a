/* Poseidon2 kernels on AVX2: 4 states per __m256i, the round structure
 * from p2_simd.h. AVX2 has only signed 64-bit compares, so carries and
 * borrows are found on values with the top bit flipped ("shifted"): x ^
 * 2^63 orders as signed exactly as x orders as unsigned. Built with
 * -mavx2 -mbmi2 and only called when cpu_features() reports CPU_AVX2. */
#include <immintrin.h>

#include "p2_impl.h"

#define V __m256i
#define VL 4

static inline V v_set1(uint64_t a) { return _mm256_set1_epi64x((long long)a); }
static inline V v_load(const gl_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline void v_store(gl_t *p, V a) { _mm256_storeu_si256((__m256i *)p, a); }
static inline V v_add(V a, V b) { return _mm256_add_epi64(a, b); }
static inline V v_sub(V a, V b) { return _mm256_sub_epi64(a, b); }
static inline V v_and(V a, V b) { return _mm256_and_si256(a, b); }
static inline V v_xor(V a, V b) { return _mm256_xor_si256(a, b); }
#define v_srli(a, n) _mm256_srli_epi64((a), (n))
#define v_slli(a, n) _mm256_slli_epi64((a), (n))
static inline V v_mul32(V a, V b) { return _mm256_mul_epu32(a, b); }
/* odd 32-bit elements (the high halves of the lanes) from hi */
static inline V v_blend_lo_hi(V lo, V hi) { return _mm256_blend_epi32(lo, hi, 0xaa); }

#define SIGN (1ull << 63)

/* As in p2_avx512.c: lo - (hi >> 32) + (hi mod 2^32)(2^32 - 1), a borrow
 * fixed by subtracting 2^32 - 1, a carry by adding it. On shifted values a
 * wrap shows as the result comparing (signed) beyond the operand. */
static inline V v_reduce128(V hi, V lo)
{
    const V eps = v_set1(GL_EPS);
    V lo_s = v_xor(lo, v_set1(SIGN));
    V t0_s = v_sub(lo_s, v_srli(hi, 32));
    V borrow = _mm256_cmpgt_epi64(t0_s, lo_s);
    t0_s = v_sub(t0_s, v_and(borrow, eps));
    V r_s = v_add(t0_s, v_mul32(hi, eps));
    V carry = _mm256_cmpgt_epi64(t0_s, r_s);
    r_s = v_add(r_s, v_and(carry, eps));
    return v_xor(r_s, v_set1(SIGN));
}

static inline V v_add_wrap(V a, V b)
{
    V a_s = v_xor(a, v_set1(SIGN));
    V r_s = v_add(a_s, b);
    V carry = _mm256_cmpgt_epi64(a_s, r_s);
    r_s = v_add(r_s, v_and(carry, v_set1(GL_EPS)));
    return v_xor(r_s, v_set1(SIGN));
}

/* odd x: (x + p) / 2 = (x >> 1) + (p + 1) / 2; blendv picks on the top
 * bit, where the shift left by 63 puts the parity. */
static inline V v_half(V x)
{
    __m256d c = _mm256_castsi256_pd(v_set1((GL_P + 1) / 2));
    __m256d m = _mm256_castsi256_pd(v_slli(x, 63));
    V add = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_setzero_pd(), c, m));
    return v_add(v_srli(x, 1), add);
}

static inline V v_canon(V x)
{
    V ge = _mm256_cmpgt_epi64(v_xor(x, v_set1(SIGN)), v_set1((GL_P - 1) ^ SIGN));
    return v_sub(x, v_and(ge, v_set1(GL_P)));
}

#include "p2_simd.h"

void p2_permute_soa4_avx2(gl_t *soa) { p2s_permute(soa, 1); }
void p2_permute_soa8_avx2(gl_t *soa) { p2s_permute(soa, 2); }

int p2_test_op_avx2(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    return p2s_test_op(op, out, a, b, n);
}
