/* Field, extension, NTT and LDE figures of `cairn bench primitives`. */
#include "bench.h"
#include "common/util.h"
#include "stark/gl.h"

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

void bench_prim_field(bench_out *o)
{
    bench_report(o, "goldilocks_mul_scalar_per_s", gl_mul_scalar_rate(1u << 26), "mul/s");
}
