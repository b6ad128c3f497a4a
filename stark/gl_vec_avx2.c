/* AVX2 path of the gl_vec_* operations: 4 lanes, the tail in scalar code.
 * Loads happen before stores in each step, so out may alias a or b. */
#include "gl_simd.h"

void gl_vec_add_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl4_store(out + i, gl4_add(gl4_load(a + i), gl4_load(b + i)));
    for (; i < n; i++) out[i] = gl_add(a[i], b[i]);
}

void gl_vec_sub_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl4_store(out + i, gl4_sub(gl4_load(a + i), gl4_load(b + i)));
    for (; i < n; i++) out[i] = gl_sub(a[i], b[i]);
}

void gl_vec_mul_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl4_store(out + i, gl4_mul(gl4_load(a + i), gl4_load(b + i)));
    for (; i < n; i++) out[i] = gl_mul(a[i], b[i]);
}

void gl_vec_mul_scalar_avx2(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    __m256i sv = _mm256_set1_epi64x((long long)s), sh = _mm256_srli_epi64(sv, 32);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl4_store(out + i, gl4_mul_pre(gl4_load(a + i), sv, sh));
    for (; i < n; i++) out[i] = gl_mul(a[i], s);
}

void gl3_vec_mul_avx2(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i x[3], y[3], r[3];
        for (int c = 0; c < 3; c++) {
            x[c] = gl4_load(a + c * s + i);
            y[c] = gl4_load(b + c * s + i);
        }
        gl4_ext_mul(r, x, y);
        for (int c = 0; c < 3; c++) gl4_store(out + c * s + i, r[c]);
    }
    if (i < n) gl3_vec_mul_ref(out + i, a + i, b + i, n - i, s);
}

void gl3_vec_mad_base_avx2(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s)
{
    __m256i ev[3], eh[3];
    for (int c = 0; c < 3; c++) {
        ev[c] = _mm256_set1_epi64x((long long)e.c[c]);
        eh[c] = _mm256_srli_epi64(ev[c], 32);
    }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i xv = gl4_load(x + i);
        for (int c = 0; c < 3; c++)
            gl4_store(acc + c * s + i, gl4_add(gl4_load(acc + c * s + i), gl4_mul_pre(xv, ev[c], eh[c])));
    }
    if (i < n) gl3_vec_mad_base_ref(acc + i, e, x + i, n - i, s);
}
