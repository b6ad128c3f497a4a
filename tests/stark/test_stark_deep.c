/* The prover's DEEP row combination (stark_deep_rows, prover.c: batch
 * inversions and extension products in structure of arrays with the
 * vector field operations) against the plain row-by-row formula
 * (stark_deep_rows_ref), on every SIMD path the host supports: random
 * rows and points, edge values in every element, every length up to a
 * chunk (tails of the vector width), and a row whose point equals zeta
 * (a zero denominator: both map its inverse to zero). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/stark_internal.h"
#include "testutil.h"

static const gl_t EDGE[] = {0, 1, 2, GL_P - 1, GL_P - 2, 1ull << 32, (1ull << 32) - 1, (1ull << 32) + 1,
                            1ull << 63, GL_P - (1ull << 32), 0xffffffff00000000ull, GL_P >> 1};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static const unsigned PATHS[] = {0, CPU_AVX2, CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA};
static const char *const PATH_NAME[] = {"scalar", "avx2", "avx512"};
#define NPATH 3

static gl_t rand_val(rng_t *r)
{
    uint64_t k = rng_u64(r) % 8;
    if (k == 0) return EDGE[rng_u64(r) % NEDGE];
    return rng_u64(r) % GL_P;
}

static gl3_t rand_ext(rng_t *r) { return (gl3_t){{rand_val(r), rand_val(r), rand_val(r)}}; }

/* rows that differ between the fast path and the reference */
static int check(const gl_t *ext, const gl_t *x, size_t len, const stark_deep_k *k)
{
    gl3_t got[STARK_DEEP_CHUNK], want[STARK_DEEP_CHUNK];
    memset(got, 0xa5, sizeof got);
    stark_deep_rows(got, ext, x, len, k);
    stark_deep_rows_ref(want, ext, x, len, k);
    int bad = 0;
    for (size_t j = 0; j < len; j++) bad += memcmp(&got[j], &want[j], sizeof got[j]) != 0;
    return bad;
}

static void test_paths(void)
{
    rng_t r;
    rng_seed(&r, test_seed("stark_deep_rows")); /* prints the seed */
    gl_t *ext = malloc(STARK_DEEP_CHUNK * STARK_DEEP_COLS * sizeof *ext), x[STARK_DEEP_CHUNK];
    CU_ASSERT_PTR_NOT_NULL_FATAL(ext);
    for (int p = 0; p < NPATH; p++) {
        /* only paths the host has (a restriction to a missing one would test
         * a narrower path twice) */
        const unsigned need = p == 0 ? 0 : p == 1 ? CPU_AVX2 : CPU_AVX512;
        if ((cpu_features_host() & need) != need) continue;
        cpu_features_restrict(PATHS[p]);
        int fails = 0;
        for (size_t len = 1; len <= STARK_DEEP_CHUNK; len = len < 40 ? len + 1 : 2 * len + 1) {
            const size_t n = len > STARK_DEEP_CHUNK ? STARK_DEEP_CHUNK : len;
            stark_deep_k k = {rand_ext(&r), rand_ext(&r), rand_ext(&r), rand_ext(&r), rand_ext(&r)};
            for (size_t i = 0; i < n * STARK_DEEP_COLS; i++) ext[i] = rand_val(&r);
            for (size_t j = 0; j < n; j++) x[j] = rand_val(&r);
            /* a point on zeta (zeta in the base field here) */
            if (n > 3) {
                k.zeta = (gl3_t){{x[n / 2], 0, 0}};
                k.gz.c[1] = k.gz.c[2] = 0;
                x[n / 3] = k.gz.c[0];
            }
            fails += check(ext, x, n, &k);
        }
        /* every edge value in every element of a row and of the constants */
        for (size_t e = 0; e < NEDGE; e++) {
            stark_deep_k k;
            gl3_t *kk = &k.zeta;
            for (int i = 0; i < 5; i++)
                for (int c = 0; c < 3; c++) kk[i].c[c] = EDGE[(e + 3 * (size_t)i + (size_t)c) % NEDGE];
            k.zeta.c[1] = k.gz.c[1] = 1; /* points off the base field */
            for (size_t j = 0; j < 64; j++) {
                x[j] = EDGE[(e + j) % NEDGE];
                for (int c = 0; c < STARK_DEEP_COLS; c++) ext[j * STARK_DEEP_COLS + c] = EDGE[(e * 7 + j + (size_t)c) % NEDGE];
            }
            fails += check(ext, x, 64, &k);
        }
        if (fails) printf("  path %s: %d rows differ\n", PATH_NAME[p], fails);
        CU_ASSERT_EQUAL(fails, 0);
    }
    cpu_features_restrict(~0u);
    free(ext);
}

int main(void)
{
    static const test_case cases[] = {
        {"DEEP rows, every path vs reference", test_paths},
        {NULL, NULL},
    };
    return test_run_suite("stark_deep", cases);
}
