/* AVX2 NTT butterflies (4 lanes). See ntt_kern.h for what each kernel
 * computes; ntt.c chooses the order. Tails narrower than a vector run in
 * scalar code. */
#include "gl_simd.h"
#include "ntt_kern.h"

#define AI static inline __attribute__((always_inline))

/* DIT: (x, y) -> (x + t y, x - t y); DIF: (x, y) -> (x + y, (x - y) t). */
AI void bfly(__m256i *x, __m256i *y, __m256i t, __m256i th, int dif)
{
    if (dif) {
        __m256i s = gl4_add(*x, *y), d = gl4_sub(*x, *y);
        *x = s;
        *y = gl4_mul_pre(d, t, th);
    } else {
        __m256i p = gl4_mul_pre(*y, t, th);
        __m256i s = gl4_add(*x, p), d = gl4_sub(*x, p);
        *x = s;
        *y = d;
    }
}

AI void bfly1(__m256i *x, __m256i *y)
{
    __m256i s = gl4_add(*x, *y), d = gl4_sub(*x, *y);
    *x = s;
    *y = d;
}

AI void bfly_scalar(gl_t *x, gl_t *y, gl_t t, int dif)
{
    if (dif) {
        gl_t s = gl_add(*x, *y), d = gl_sub(*x, *y);
        *x = s;
        *y = gl_mul(d, t);
    } else {
        gl_t p = gl_mul(*y, t);
        gl_t s = gl_add(*x, p), d = gl_sub(*x, p);
        *x = s;
        *y = d;
    }
}

AI void strip_bcast(gl_t *x, gl_t *y, gl_t w, size_t width, int dif)
{
    size_t j = 0;
    if (w == 1) {
        for (; j + 4 <= width; j += 4) {
            __m256i a = gl4_load(x + j), b = gl4_load(y + j);
            bfly1(&a, &b);
            gl4_store(x + j, a);
            gl4_store(y + j, b);
        }
    } else {
        __m256i t = _mm256_set1_epi64x((long long)w), th = _mm256_srli_epi64(t, 32);
        for (; j + 8 <= width; j += 8) {
            __m256i a0 = gl4_load(x + j), b0 = gl4_load(y + j);
            __m256i a1 = gl4_load(x + j + 4), b1 = gl4_load(y + j + 4);
            bfly(&a0, &b0, t, th, dif);
            bfly(&a1, &b1, t, th, dif);
            gl4_store(x + j, a0);
            gl4_store(y + j, b0);
            gl4_store(x + j + 4, a1);
            gl4_store(y + j + 4, b1);
        }
        for (; j + 4 <= width; j += 4) {
            __m256i a = gl4_load(x + j), b = gl4_load(y + j);
            bfly(&a, &b, t, th, dif);
            gl4_store(x + j, a);
            gl4_store(y + j, b);
        }
    }
    for (; j < width; j++) bfly_scalar(x + j, y + j, w, dif);
}

AI void strip_vec(gl_t *x, gl_t *y, const gl_t *w, size_t width, int dif)
{
    size_t j = 0;
    for (; j + 4 <= width; j += 4) {
        __m256i a = gl4_load(x + j), b = gl4_load(y + j), t = gl4_load(w + j);
        bfly(&a, &b, t, _mm256_srli_epi64(t, 32), dif);
        gl4_store(x + j, a);
        gl4_store(y + j, b);
    }
    for (; j < width; j++) bfly_scalar(x + j, y + j, w[j], dif);
}

AI void layer_t(gl_t *base, size_t ustride, size_t width, size_t nunits, size_t hr,
                const gl_t *tw, size_t tw_step, int dif, int vec)
{
    for (size_t kb = 0; kb < nunits; kb += 2 * hr)
        for (size_t i = 0; i < hr; i++) {
            gl_t *x = base + (kb + i) * ustride, *y = x + hr * ustride;
            const gl_t *w = tw + i * tw_step;
            if (vec) strip_vec(x, y, w, width, dif);
            else strip_bcast(x, y, w[0], width, dif);
        }
}

static void layer(gl_t *base, size_t ustride, size_t width, size_t nunits, size_t hr,
                  const gl_t *tw, size_t tw_step, unsigned mode)
{
    switch (mode) {
    case 0: layer_t(base, ustride, width, nunits, hr, tw, tw_step, 0, 0); break;
    case NTT_K_DIF: layer_t(base, ustride, width, nunits, hr, tw, tw_step, 1, 0); break;
    case NTT_K_VEC: layer_t(base, ustride, width, nunits, hr, tw, tw_step, 0, 1); break;
    default: layer_t(base, ustride, width, nunits, hr, tw, tw_step, 1, 1); break;
    }
}

/* ---- one contiguous column: pairs 1 and 2 apart live inside a vector, so
 * those layers run on 8 elements (X, Y) rearranged into the halves (u, v)
 * of each butterfly and back. ---- */

/* Pairs 2 apart: u = X0 X1 Y0 Y1, v = X2 X3 Y2 Y3; its own inverse. */
AI void split2(__m256i X, __m256i Y, __m256i *u, __m256i *v)
{
    *u = _mm256_permute2x128_si256(X, Y, 0x20);
    *v = _mm256_permute2x128_si256(X, Y, 0x31);
}
/* Pairs 1 apart: u = X0 Y0 X2 Y2, v = X1 Y1 X3 Y3; its own inverse. */
AI void split1(__m256i X, __m256i Y, __m256i *u, __m256i *v)
{
    *u = _mm256_unpacklo_epi64(X, Y);
    *v = _mm256_unpackhi_epi64(X, Y);
}

AI void small_layers(gl_t *p, unsigned s_lo, __m256i t2, __m256i t2h, int dif)
{
    __m256i X = gl4_load(p), Y = gl4_load(p + 4), u, v;
    if (!dif) {
        if (s_lo <= 0) { split1(X, Y, &u, &v); bfly1(&u, &v); split1(u, v, &X, &Y); }
        split2(X, Y, &u, &v);
        bfly(&u, &v, t2, t2h, 0);
        split2(u, v, &X, &Y);
    } else {
        split2(X, Y, &u, &v);
        bfly(&u, &v, t2, t2h, 1);
        split2(u, v, &X, &Y);
        if (s_lo <= 0) { split1(X, Y, &u, &v); bfly1(&u, &v); split1(u, v, &X, &Y); }
    }
    gl4_store(p, X);
    gl4_store(p + 4, Y);
}

static void big_layer(gl_t *a, size_t n, unsigned s, const gl_t *tw, int dif)
{
    size_t h = (size_t)1 << s;
    for (size_t kb = 0; kb < n; kb += 2 * h) {
        if (dif) strip_vec(a + kb, a + kb + h, tw, h, 1);
        else strip_vec(a + kb, a + kb + h, tw, h, 0);
    }
}

static void block(gl_t *a, unsigned s_lo, unsigned s_hi, const gl_t *const *tw, int dif)
{
    if (s_hi < 3) {
        ntt_block_scalar(a, s_lo, s_hi, tw, dif);
        return;
    }
    size_t n = (size_t)1 << s_hi;
    unsigned big_lo = s_lo > 2 ? s_lo : 2;
    __m256i t2 = _mm256_setzero_si256();
    if (s_lo < 2)
        t2 = _mm256_set_epi64x((long long)tw[1][1], (long long)tw[1][0], (long long)tw[1][1],
                               (long long)tw[1][0]);
    __m256i t2h = _mm256_srli_epi64(t2, 32);
    if (!dif) {
        if (s_lo < 2)
            for (size_t i = 0; i < n; i += 8) small_layers(a + i, s_lo, t2, t2h, 0);
        for (unsigned s = big_lo; s < s_hi; s++) big_layer(a, n, s, tw[s], 0);
    } else {
        for (unsigned s = s_hi; s-- > big_lo;) big_layer(a, n, s, tw[s], 1);
        if (s_lo < 2)
            for (size_t i = 0; i < n; i += 8) small_layers(a + i, s_lo, t2, t2h, 1);
    }
}

const ntt_kern ntt_kern_avx2 = {layer, block};
