/* Field, extension, NTT and LDE figures of `cairn bench primitives`.
 *
 * Short runs report the best of a few repetitions (other work on the
 * machine only ever slows a run down); the large matrix transforms run
 * twice and report the faster. Buffers are written before timing, so page
 * faults are not counted. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common/util.h"
#include "stark/gl.h"
#include "stark/ntt.h"

static double gl_mul_scalar_rate(size_t n)
{
    gl_t acc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const gl_t m = 0x123456789abcdefull;
    double t = now_sec();
    for (size_t i = 0; i < n / 8; i++)
        for (int k = 0; k < 8; k++) acc[k] = gl_mul(acc[k], m);
    t = now_sec() - t;
    volatile gl_t sink = acc[0] ^ acc[7];
    (void)sink;
    return (double)n / t;
}

static void fill(gl_t *a, size_t n, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) a[i] = rng_u64(&r) % GL_P;
}

/* gl_vec_mul (widest SIMD path) over 4096 elements, in L1/L2: out = a*b
 * repeatedly, out feeding back into a so nothing is hoisted. */
static double gl_mul_simd_rate(void)
{
    enum { N = 4096, REPS = 4000 };
    static gl_t a[N], b[N];
    fill(a, N, 1);
    fill(b, N, 2);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t = now_sec();
        for (int i = 0; i < REPS; i++) gl_vec_mul(a, a, b, N);
        t = now_sec() - t;
        double rate = (double)N * REPS / t;
        if (rate > best) best = rate;
    }
    volatile gl_t sink = a[7];
    (void)sink;
    return best;
}

/* Cubic-extension products, 8 independent chains. */
static double gl3_mul_rate(size_t n)
{
    gl3_t acc[8], m = {{0x123456789abcdefull, 0xfedcba987654321ull, 0x0f0f0f0f0f0f0f0full}};
    for (int k = 0; k < 8; k++) acc[k] = (gl3_t){{(gl_t)k + 1, (gl_t)k + 2, (gl_t)k + 3}};
    double t = now_sec();
    for (size_t i = 0; i < n / 8; i++)
        for (int k = 0; k < 8; k++) acc[k] = gl3_mul(acc[k], m);
    t = now_sec() - t;
    volatile gl_t sink = acc[0].c[0] ^ acc[7].c[2];
    (void)sink;
    return (double)n / t;
}

/* Best time in seconds of `reps` forward NTTs of one column of 2^log_n. */
static double ntt_col_time(unsigned log_n, int reps)
{
    size_t n = (size_t)1 << log_n;
    gl_t *a = malloc(n * sizeof *a);
    if (!a) return -1;
    fill(a, n, 3);
    ntt_forward(a, log_n); /* twiddles built, pages touched */
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = now_sec();
        ntt_forward(a, log_n);
        t = now_sec() - t;
        if (t < best) best = t;
    }
    free(a);
    return best;
}

static double ntt_batch_time(unsigned log_n, size_t cols, int reps)
{
    size_t n = (size_t)1 << log_n;
    gl_t *m = malloc(n * cols * sizeof *m);
    if (!m) return -1;
    fill(m, n * cols, 4);
    ntt_prepare(log_n);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = now_sec();
        ntt_forward_batch(m, log_n, cols);
        t = now_sec() - t;
        if (t < best) best = t;
    }
    free(m);
    return best;
}

static double lde_time(unsigned log_n, size_t cols, unsigned log_blowup, int bitrev, int reps)
{
    size_t n = (size_t)1 << log_n, N = n << log_blowup;
    gl_t *ev = malloc(n * cols * sizeof *ev), *out = malloc(N * cols * sizeof *out);
    if (!ev || !out) {
        free(ev);
        free(out);
        return -1;
    }
    fill(ev, n * cols, 5);
    memset(out, 0, N * cols * sizeof *out);
    ntt_prepare(log_n + log_blowup);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = now_sec();
        ntt_lde_batch(out, ev, log_n, cols, log_blowup, GL_GENERATOR, bitrev);
        t = now_sec() - t;
        if (t < best) best = t;
    }
    free(ev);
    free(out);
    return best;
}

void bench_prim_field(bench_out *o)
{
    bench_report(o, "goldilocks_mul_scalar_per_s", gl_mul_scalar_rate(1u << 26), "mul/s");
    bench_report(o, "goldilocks_mul_simd_per_s", gl_mul_simd_rate(), "mul/s");
    bench_report(o, "gl3_mul_per_s", gl3_mul_rate(1u << 24), "mul/s");
    bench_report(o, "ntt_2^16_ms", 1e3 * ntt_col_time(16, 20), "ms");
    bench_report(o, "ntt_2^20_ms", 1e3 * ntt_col_time(20, 7), "ms");
    bench_report(o, "ntt_2^22_ms", 1e3 * ntt_col_time(22, 3), "ms");
    bench_report(o, "ntt_2^20x64_s", ntt_batch_time(20, 64, 2), "s");
    bench_report(o, "lde_2^20x64_blowup2_bitrev_s", lde_time(20, 64, 1, 1, 2), "s");
    bench_report(o, "lde_2^20x64_blowup2_natural_s", lde_time(20, 64, 1, 0, 2), "s");
}
