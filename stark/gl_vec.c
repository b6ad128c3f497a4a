/* Element-wise vector operations of gl.h: plain references and the
 * runtime dispatch to the SIMD paths (gl_vec_avx2.c, gl_vec_avx512.c). */
#include "../common/cpu.h"
#include "gl.h"
#include "gl_simd.h"

void gl_vec_add_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = gl_add(a[i], b[i]);
}

void gl_vec_sub_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = gl_sub(a[i], b[i]);
}

void gl_vec_mul_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = gl_mul(a[i], b[i]);
}

void gl_vec_mul_scalar_ref(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = gl_mul(a[i], s);
}

void gl_vec_add(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl_vec_add_avx512(out, a, b, n);
    else if (f & CPU_AVX2) gl_vec_add_avx2(out, a, b, n);
    else gl_vec_add_ref(out, a, b, n);
}

void gl_vec_sub(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl_vec_sub_avx512(out, a, b, n);
    else if (f & CPU_AVX2) gl_vec_sub_avx2(out, a, b, n);
    else gl_vec_sub_ref(out, a, b, n);
}

void gl_vec_mul(gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl_vec_mul_avx512(out, a, b, n);
    else if (f & CPU_AVX2) gl_vec_mul_avx2(out, a, b, n);
    else gl_vec_mul_ref(out, a, b, n);
}

void gl_vec_mul_scalar(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl_vec_mul_scalar_avx512(out, a, s, n);
    else if (f & CPU_AVX2) gl_vec_mul_scalar_avx2(out, a, s, n);
    else gl_vec_mul_scalar_ref(out, a, s, n);
}
