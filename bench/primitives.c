/* cairn bench primitives: throughput of the building blocks every proof
 * uses. Figures only; see the foundation issue for the targets. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common/cpu.h"
#include "common/util.h"
#include "stark/gl.h"

typedef struct {
    int json;
    int first;
} out_ctx;

static void report(out_ctx *o, const char *key, double value, const char *unit)
{
    if (o->json) {
        printf("%s\n  \"%s\": %.6g", o->first ? "" : ",", key, value);
        o->first = 0;
    } else {
        printf("%-40s %14.4g %s\n", key, value, unit);
    }
}

static double bench_gl_mul_scalar(size_t n)
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

int bench_primitives(int argc, char **argv)
{
    out_ctx o = {0, 1};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) o.json = 1;
        else {
            fprintf(stderr, "usage: cairn bench primitives [--json]\n");
            return strcmp(argv[i], "-h") && strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (o.json) printf("{\n  \"simd\": \"%s\",\n  \"threads\": %d", cpu_simd_name(), omp_get_max_threads()), o.first = 0;
    else printf("threads %d, simd %s\n", omp_get_max_threads(), cpu_simd_name());
    report(&o, "goldilocks_mul_scalar_per_s", bench_gl_mul_scalar(1u << 26), "mul/s");
    if (o.json) printf("\n}\n");
    return 0;
}
