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

static inline gl3_t gl3_ld(const gl_t *x, size_t i, size_t s) { return (gl3_t){{x[i], x[s + i], x[2 * s + i]}}; }

static inline void gl3_st(gl_t *x, size_t i, size_t s, gl3_t v)
{
    x[i] = v.c[0];
    x[s + i] = v.c[1];
    x[2 * s + i] = v.c[2];
}

void gl3_vec_mul_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s)
{
    for (size_t i = 0; i < n; i++) gl3_st(out, i, s, gl3_mul(gl3_ld(a, i, s), gl3_ld(b, i, s)));
}

void gl3_vec_mad_base_ref(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) acc[c * s + i] = gl_add(acc[c * s + i], gl_mul(e.c[c], x[i]));
}

void gl3_vec_mad_base(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl3_vec_mad_base_avx512(acc, e, x, n, s);
    else if (f & CPU_AVX2) gl3_vec_mad_base_avx2(acc, e, x, n, s);
    else gl3_vec_mad_base_ref(acc, e, x, n, s);
}

/* one chain; scratch holds the prefix products, 3 per element */
void gl3_vec_batch_inv_ref(gl_t *x, size_t n, size_t s, gl_t *scratch)
{
    if (n == 0) return;
    gl3_t acc = gl3_one(), zero = gl3_zero();
    for (size_t i = 0; i < n; i++) {
        gl3_st(scratch, i, n, acc);
        gl3_t v = gl3_ld(x, i, s);
        if (!gl3_eq(v, zero)) acc = gl3_mul(acc, v);
    }
    gl3_t inv = gl3_inv(acc);
    for (size_t i = n; i-- > 0;) {
        gl3_t v = gl3_ld(x, i, s);
        if (!gl3_eq(v, zero)) {
            gl3_st(x, i, s, gl3_mul(inv, gl3_ld(scratch, i, n)));
            inv = gl3_mul(inv, v);
        }
    }
}

void gl3_vec_mul(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) gl3_vec_mul_avx512(out, a, b, n, s);
    else if (f & CPU_AVX2) gl3_vec_mul_avx2(out, a, b, n, s);
    else gl3_vec_mul_ref(out, a, b, n, s);
}

/* AVX2 takes the scalar chain: four lanes of 64x64 products built from
 * 32-bit ones do not pay for the transposition and the extra inversions. */
void gl3_vec_batch_inv(gl_t *x, size_t n, size_t s, gl_t *scratch)
{
    if (cpu_features() & CPU_AVX512) gl3_vec_batch_inv_avx512(x, n, s, scratch);
    else gl3_vec_batch_inv_ref(x, n, s, scratch);
}
