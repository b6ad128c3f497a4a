/* AVX-512 NTT butterflies (8 lanes). See ntt_kern.h for what each kernel
 * computes; ntt.c chooses the order. */
#include "gl_simd.h"
#include "ntt_kern.h"

#define AI static inline __attribute__((always_inline))

/* DIT: (x, y) -> (x + t y, x - t y); DIF: (x, y) -> (x + y, (x - y) t). */
AI void bfly(__m512i *x, __m512i *y, __m512i t, __m512i th, int dif)
{
    if (dif) {
        __m512i s = gl8_add(*x, *y), d = gl8_sub(*x, *y);
        *x = s;
        *y = gl8_mul_pre(d, t, th);
    } else {
        __m512i p = gl8_mul_pre(*y, t, th);
        __m512i s = gl8_add(*x, p), d = gl8_sub(*x, p);
        *x = s;
        *y = d;
    }
}

/* twiddle 1: no multiplication */
AI void bfly1(__m512i *x, __m512i *y)
{
    __m512i s = gl8_add(*x, *y), d = gl8_sub(*x, *y);
    *x = s;
    *y = d;
}

/* width elements of x and y with one twiddle */
AI void strip_bcast(gl_t *x, gl_t *y, gl_t w, size_t width, int dif)
{
    size_t j = 0;
    if (w == 1) {
        for (; j + 8 <= width; j += 8) {
            __m512i a = gl8_load(x + j), b = gl8_load(y + j);
            bfly1(&a, &b);
            gl8_store(x + j, a);
            gl8_store(y + j, b);
        }
        if (j < width) {
            size_t r = width - j;
            __m512i a = gl8_load_n(x + j, r), b = gl8_load_n(y + j, r);
            bfly1(&a, &b);
            gl8_store_n(x + j, a, r);
            gl8_store_n(y + j, b, r);
        }
        return;
    }
    __m512i t = _mm512_set1_epi64((long long)w), th = _mm512_srli_epi64(t, 32);
    for (; j + 16 <= width; j += 16) {
        __m512i a0 = gl8_load(x + j), b0 = gl8_load(y + j);
        __m512i a1 = gl8_load(x + j + 8), b1 = gl8_load(y + j + 8);
        bfly(&a0, &b0, t, th, dif);
        bfly(&a1, &b1, t, th, dif);
        gl8_store(x + j, a0);
        gl8_store(y + j, b0);
        gl8_store(x + j + 8, a1);
        gl8_store(y + j + 8, b1);
    }
    for (; j + 8 <= width; j += 8) {
        __m512i a = gl8_load(x + j), b = gl8_load(y + j);
        bfly(&a, &b, t, th, dif);
        gl8_store(x + j, a);
        gl8_store(y + j, b);
    }
    if (j < width) {
        size_t r = width - j;
        __m512i a = gl8_load_n(x + j, r), b = gl8_load_n(y + j, r);
        bfly(&a, &b, t, th, dif);
        gl8_store_n(x + j, a, r);
        gl8_store_n(y + j, b, r);
    }
}

/* width elements of x and y, lane j with twiddle w[j] */
AI void strip_vec(gl_t *x, gl_t *y, const gl_t *w, size_t width, int dif)
{
    size_t j = 0;
    for (; j + 8 <= width; j += 8) {
        __m512i a = gl8_load(x + j), b = gl8_load(y + j), t = gl8_load(w + j);
        bfly(&a, &b, t, _mm512_srli_epi64(t, 32), dif);
        gl8_store(x + j, a);
        gl8_store(y + j, b);
    }
    if (j < width) {
        size_t r = width - j;
        __m512i a = gl8_load_n(x + j, r), b = gl8_load_n(y + j, r), t = gl8_load_n(w + j, r);
        bfly(&a, &b, t, _mm512_srli_epi64(t, 32), dif);
        gl8_store_n(x + j, a, r);
        gl8_store_n(y + j, b, r);
    }
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

/* ---- one contiguous column: layers with pairs 1, 2, 4 apart live inside
 * a vector, so they run on 16 elements (X, Y) rearranged into the two
 * halves (u, v) of each butterfly and back. ---- */

/* Pairs 4 apart: u = X0..3 Y0..3, v = X4..7 Y4..7 (128-bit lane moves). */
AI void split4(__m512i X, __m512i Y, __m512i *u, __m512i *v)
{
    *u = _mm512_shuffle_i64x2(X, Y, 0x44);
    *v = _mm512_shuffle_i64x2(X, Y, 0xee);
}
/* The same shuffle is its own inverse on (u, v). */
#define join4 split4

/* Pairs 2 apart: u = X0 X1 X4 X5 Y0 Y1 Y4 Y5, v = X2 X3 X6 X7 Y2 Y3 Y6 Y7. */
AI void split2(__m512i X, __m512i Y, __m512i *u, __m512i *v)
{
    *u = _mm512_permutex2var_epi64(X, _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0), Y);
    *v = _mm512_permutex2var_epi64(X, _mm512_set_epi64(15, 14, 11, 10, 7, 6, 3, 2), Y);
}
AI void join2(__m512i u, __m512i v, __m512i *X, __m512i *Y)
{
    *X = _mm512_permutex2var_epi64(u, _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0), v);
    *Y = _mm512_permutex2var_epi64(u, _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4), v);
}

/* Pairs 1 apart: u = even elements, v = odd ones (lane-interleaved). */
AI void split1(__m512i X, __m512i Y, __m512i *u, __m512i *v)
{
    *u = _mm512_unpacklo_epi64(X, Y);
    *v = _mm512_unpackhi_epi64(X, Y);
}
#define join1 split1

/* Layers s in [s_lo, s_hi) with s < 3, on 16 elements at p. */
AI void small_layers(gl_t *p, unsigned s_lo, unsigned s_hi, __m512i t2, __m512i t2h, __m512i t4,
                     __m512i t4h, int dif)
{
    __m512i X = gl8_load(p), Y = gl8_load(p + 8), u, v;
    if (!dif) {
        if (s_lo <= 0 && s_hi > 0) { split1(X, Y, &u, &v); bfly1(&u, &v); join1(u, v, &X, &Y); }
        if (s_lo <= 1 && s_hi > 1) { split2(X, Y, &u, &v); bfly(&u, &v, t2, t2h, 0); join2(u, v, &X, &Y); }
        if (s_lo <= 2 && s_hi > 2) { split4(X, Y, &u, &v); bfly(&u, &v, t4, t4h, 0); join4(u, v, &X, &Y); }
    } else {
        if (s_lo <= 2 && s_hi > 2) { split4(X, Y, &u, &v); bfly(&u, &v, t4, t4h, 1); join4(u, v, &X, &Y); }
        if (s_lo <= 1 && s_hi > 1) { split2(X, Y, &u, &v); bfly(&u, &v, t2, t2h, 1); join2(u, v, &X, &Y); }
        if (s_lo <= 0 && s_hi > 0) { split1(X, Y, &u, &v); bfly1(&u, &v); join1(u, v, &X, &Y); }
    }
    gl8_store(p, X);
    gl8_store(p + 8, Y);
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
    if (s_hi < 4) {
        ntt_block_scalar(a, s_lo, s_hi, tw, dif);
        return;
    }
    size_t n = (size_t)1 << s_hi;
    unsigned small_hi = s_hi < 3 ? s_hi : 3;
    __m512i t2 = _mm512_setzero_si512(), t4 = t2;
    if (s_lo < small_hi) {
        /* lane twiddles of layers 1 (pairs 2 apart) and 2 (4 apart) */
        t2 = _mm512_set_epi64((long long)tw[1][1], (long long)tw[1][0], (long long)tw[1][1],
                              (long long)tw[1][0], (long long)tw[1][1], (long long)tw[1][0],
                              (long long)tw[1][1], (long long)tw[1][0]);
        t4 = _mm512_set_epi64((long long)tw[2][3], (long long)tw[2][2], (long long)tw[2][1],
                              (long long)tw[2][0], (long long)tw[2][3], (long long)tw[2][2],
                              (long long)tw[2][1], (long long)tw[2][0]);
    }
    __m512i t2h = _mm512_srli_epi64(t2, 32), t4h = _mm512_srli_epi64(t4, 32);
    if (!dif) {
        if (s_lo < small_hi)
            for (size_t i = 0; i < n; i += 16) small_layers(a + i, s_lo, small_hi, t2, t2h, t4, t4h, 0);
        for (unsigned s = s_lo > 3 ? s_lo : 3; s < s_hi; s++) big_layer(a, n, s, tw[s], 0);
    } else {
        for (unsigned s = s_hi; s-- > (s_lo > 3 ? s_lo : 3);) big_layer(a, n, s, tw[s], 1);
        if (s_lo < small_hi)
            for (size_t i = 0; i < n; i += 16) small_layers(a + i, s_lo, small_hi, t2, t2h, t4, t4h, 1);
    }
}

const ntt_kern ntt_kern_avx512 = {layer, block};
