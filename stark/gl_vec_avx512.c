/* AVX-512 path of the gl_vec_* operations: 8 lanes, the tail with masked
 * loads and stores. Loads happen before stores in each step, so out may
 * alias a or b. */
#include "gl_simd.h"

void gl_vec_add_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) gl8_store(out + i, gl8_add(gl8_load(a + i), gl8_load(b + i)));
    if (i < n) gl8_store_n(out + i, gl8_add(gl8_load_n(a + i, n - i), gl8_load_n(b + i, n - i)), n - i);
}

void gl_vec_sub_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) gl8_store(out + i, gl8_sub(gl8_load(a + i), gl8_load(b + i)));
    if (i < n) gl8_store_n(out + i, gl8_sub(gl8_load_n(a + i, n - i), gl8_load_n(b + i, n - i)), n - i);
}

void gl_vec_mul_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) gl8_store(out + i, gl8_mul(gl8_load(a + i), gl8_load(b + i)));
    if (i < n) gl8_store_n(out + i, gl8_mul(gl8_load_n(a + i, n - i), gl8_load_n(b + i, n - i)), n - i);
}

void gl_vec_mul_scalar_avx512(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    __m512i sv = _mm512_set1_epi64((long long)s), sh = _mm512_srli_epi64(sv, 32);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) gl8_store(out + i, gl8_mul_pre(gl8_load(a + i), sv, sh));
    if (i < n) gl8_store_n(out + i, gl8_mul_pre(gl8_load_n(a + i, n - i), sv, sh), n - i);
}
