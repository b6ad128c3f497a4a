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

void gl3_vec_mul_avx512(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s)
{
    for (size_t i = 0; i < n; i += 8) {
        const size_t m = n - i < 8 ? n - i : 8;
        __m512i x[3], y[3], r[3];
        for (int c = 0; c < 3; c++) {
            x[c] = gl8_load_n(a + c * s + i, m);
            y[c] = gl8_load_n(b + c * s + i, m);
        }
        gl8_ext_mul(r, x, y);
        for (int c = 0; c < 3; c++) gl8_store_n(out + c * s + i, r[c], m);
    }
}

/* Eight chains: lane l multiplies the elements i = l mod 8. The lanes'
 * totals are inverted together (gl3_vec_batch_inv_ref on eight), then
 * each chain is unwound as in the reference. Lanes past n load as zero
 * and, like zero elements, are skipped and not written. */
void gl3_vec_batch_inv_avx512(gl_t *x, size_t n, size_t s, gl_t *scratch)
{
    if (n == 0) return;
    const size_t steps = (n + 7) / 8, ps = steps * 8; /* prefixes: stride ps */
    const __m512i one = _mm512_set1_epi64(1), zero = _mm512_setzero_si512();
    __m512i acc[3] = {one, zero, zero};
    for (size_t k = 0; k < steps; k++) {
        const size_t i = 8 * k, m = n - i < 8 ? n - i : 8;
        __m512i v[3], t[3];
        for (int c = 0; c < 3; c++) {
            v[c] = gl8_load_n(x + c * s + i, m);
            gl8_store(scratch + c * ps + i, acc[c]);
        }
        __mmask8 nz = _mm512_test_epi64_mask(_mm512_or_si512(_mm512_or_si512(v[0], v[1]), v[2]),
                                             _mm512_set1_epi64(-1));
        gl8_ext_mul(t, acc, v);
        for (int c = 0; c < 3; c++) acc[c] = _mm512_mask_mov_epi64(acc[c], nz, t[c]);
    }
    gl_t tot[3 * 8], tsc[GL3_BATCH_INV_SCRATCH(8)];
    for (int c = 0; c < 3; c++) gl8_store(tot + 8 * c, acc[c]);
    gl3_vec_batch_inv_ref(tot, 8, 8, tsc);
    __m512i inv[3];
    for (int c = 0; c < 3; c++) inv[c] = gl8_load(tot + 8 * c);
    for (size_t k = steps; k-- > 0;) {
        const size_t i = 8 * k, m = n - i < 8 ? n - i : 8;
        __m512i v[3], pre[3], r[3], t[3];
        for (int c = 0; c < 3; c++) {
            v[c] = gl8_load_n(x + c * s + i, m);
            pre[c] = gl8_load(scratch + c * ps + i);
        }
        __mmask8 nz = _mm512_test_epi64_mask(_mm512_or_si512(_mm512_or_si512(v[0], v[1]), v[2]),
                                             _mm512_set1_epi64(-1));
        gl8_ext_mul(r, inv, pre);
        gl8_ext_mul(t, inv, v);
        for (int c = 0; c < 3; c++) {
            _mm512_mask_storeu_epi64((void *)(x + c * s + i), nz, r[c]);
            inv[c] = _mm512_mask_mov_epi64(inv[c], nz, t[c]);
        }
    }
}

void gl3_vec_mad_base_avx512(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s)
{
    __m512i ev[3], eh[3];
    for (int c = 0; c < 3; c++) {
        ev[c] = _mm512_set1_epi64((long long)e.c[c]);
        eh[c] = _mm512_srli_epi64(ev[c], 32);
    }
    for (size_t i = 0; i < n; i += 8) {
        const size_t m = n - i < 8 ? n - i : 8;
        __m512i xv = gl8_load_n(x + i, m);
        for (int c = 0; c < 3; c++)
            gl8_store_n(acc + c * s + i, gl8_add(gl8_load_n(acc + c * s + i, m), gl8_mul_pre(xv, ev[c], eh[c])), m);
    }
}
