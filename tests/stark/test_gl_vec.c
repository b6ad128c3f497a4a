/* gl_vec_* on every SIMD path the host supports against the plain
 * references (which test_field checks against 128-bit arithmetic), on
 * random inputs, on edge values whose sums and products wrap, on lengths
 * that are not multiples of the vector width, and with out aliasing an
 * input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/gl.h"
#include "testutil.h"

static const gl_t EDGE[] = {0,
                            1,
                            2,
                            GL_P - 1,
                            GL_P - 2,
                            1ull << 32,
                            (1ull << 32) - 1,
                            (1ull << 32) + 1,
                            1ull << 63,
                            (1ull << 63) - 1,
                            GL_P - (1ull << 32),
                            GL_P - (1ull << 32) + 1,
                            0xfffffffeull,
                            0xffffffff00000000ull,
                            0xfffffffe00000001ull,
                            GL_P >> 1,
                            (GL_P >> 1) + 1,
                            0x00000001ffffffffull};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static const unsigned PATHS[] = {0, CPU_AVX2, CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA};
static const char *const PATH_NAME[] = {"scalar", "avx2", "avx512"};
#define NPATH 3

/* Is this path really available here (else restricting would silently
 * test a narrower one twice)? */
static int path_supported(int p)
{
    unsigned need = p == 0 ? 0 : p == 1 ? CPU_AVX2 : CPU_AVX512;
    return (cpu_features_host() & need) == need;
}

static gl_t rand_gl(rng_t *r) { return rng_u64(r) % GL_P; }

/* a mix: mostly random, some edge values, some values just below p */
static gl_t rand_mix(rng_t *r)
{
    uint64_t k = rng_u64(r) % 8;
    if (k == 0) return EDGE[rng_u64(r) % NEDGE];
    if (k == 1) return GL_P - 1 - rng_u64(r) % 1000;
    if (k == 2) return rng_u64(r) % 1000;
    return rand_gl(r);
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_MULS, NOP };
static const char *const OP_NAME[] = {"add", "sub", "mul", "mul_scalar"};

static void run_op(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n, int ref)
{
    switch (op) {
    case OP_ADD: (ref ? gl_vec_add_ref : gl_vec_add)(out, a, b, n); break;
    case OP_SUB: (ref ? gl_vec_sub_ref : gl_vec_sub)(out, a, b, n); break;
    case OP_MUL: (ref ? gl_vec_mul_ref : gl_vec_mul)(out, a, b, n); break;
    default: (ref ? gl_vec_mul_scalar_ref : gl_vec_mul_scalar)(out, a, b[0], n); break;
    }
}

/* Compares one operation on one path with the reference; also checks the
 * element past the end was not written, and both aliasing forms. */
static int check(int op, const gl_t *a, const gl_t *b, size_t n)
{
    gl_t *want = malloc((n + 1) * sizeof *want), *got = malloc((n + 1) * sizeof *got);
    gl_t *al = malloc((n + 1) * sizeof *al);
    int bad = 0;
    run_op(op, want, a, b, n, 1);
    got[n] = 0x5a5a5a5a;
    run_op(op, got, a, b, n, 0);
    if (got[n] != 0x5a5a5a5a) bad = 1;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] || got[i] >= GL_P) bad = 1;
    /* out == a */
    memcpy(al, a, n * sizeof *al);
    run_op(op, al, al, b, n, 0);
    if (n && memcmp(al, want, n * sizeof *al)) bad = 1;
    /* out == b (not meaningful for mul_scalar, whose b is one value) */
    if (op != OP_MULS) {
        memcpy(al, b, n * sizeof *al);
        run_op(op, al, a, al, n, 0);
        if (n && memcmp(al, want, n * sizeof *al)) bad = 1;
    }
    free(want);
    free(got);
    free(al);
    return bad;
}

static void test_paths_random(void)
{
    rng_t r;
    rng_seed(&r, test_seed("gl_vec random"));
    enum { MAXN = 100003 };
    gl_t *a = malloc(MAXN * sizeof *a), *b = malloc(MAXN * sizeof *b);
    for (int p = 0; p < NPATH; p++) {
        if (!path_supported(p)) {
            printf("  (path %s not supported by this host, skipped)\n", PATH_NAME[p]);
            continue;
        }
        cpu_features_restrict(PATHS[p]);
        for (int op = 0; op < NOP; op++) {
            int fails = 0;
            /* every length 0..40 (all tail sizes of 4 and 8 lanes), then some
             * longer ones */
            for (size_t n = 0; n <= 1030; n = n < 40 ? n + 1 : n * 2 + 3) {
                for (int rep = 0; rep < 4; rep++) {
                    for (size_t i = 0; i < n; i++) {
                        a[i] = rand_mix(&r);
                        b[i] = rand_mix(&r);
                    }
                    if (n == 0) b[0] = rand_mix(&r);
                    fails += check(op, a, b, n);
                }
            }
            /* one long run: 10^5 + 3 elements */
            for (size_t i = 0; i < 100003; i++) {
                a[i] = rand_mix(&r);
                b[i] = rand_mix(&r);
            }
            fails += check(op, a, b, 100003);
            if (fails) printf("  path %s op %s: %d mismatches\n", PATH_NAME[p], OP_NAME[op], fails);
            CU_ASSERT_EQUAL(fails, 0);
        }
    }
    cpu_features_restrict(~0u);
    free(a);
    free(b);
}

/* Every pair of edge values, at every lane position and with every
 * neighbour, on every path. */
static void test_paths_edge(void)
{
    enum { N = NEDGE * NEDGE };
    gl_t a[N], b[N];
    for (size_t i = 0; i < NEDGE; i++)
        for (size_t j = 0; j < NEDGE; j++) {
            a[i * NEDGE + j] = EDGE[i];
            b[i * NEDGE + j] = EDGE[j];
        }
    for (int p = 0; p < NPATH; p++) {
        if (!path_supported(p)) continue;
        cpu_features_restrict(PATHS[p]);
        for (int op = 0; op < NOP; op++) {
            int fails = 0;
            for (size_t shift = 0; shift < 8; shift++) fails += check(op, a + shift, b, N - shift);
            /* mul_scalar with each edge scalar */
            if (op == OP_MULS)
                for (size_t j = 0; j < NEDGE; j++) fails += check(op, a, &EDGE[j], N);
            if (fails) printf("  path %s op %s: %d edge mismatches\n", PATH_NAME[p], OP_NAME[op], fails);
            CU_ASSERT_EQUAL(fails, 0);
        }
    }
    cpu_features_restrict(~0u);
}

/* Products that exercise each branch of the reduction: a borrow in
 * lo - hi_hi, a carry in the final addition, and results in [p, 2^64)
 * before the canonical step. Random 2^k +- small values hit them. */
static void test_reduction_branches(void)
{
    enum { N = 64 * 64 };
    static gl_t a[N], b[N], want[N], got[N];
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            a[i * 64 + j] = gl_from_u64((1ull << i) - 1);
            b[i * 64 + j] = gl_from_u64(GL_P - (1ull << j));
        }
    gl_vec_mul_ref(want, a, b, N);
    for (int k = 0; k < N; k++)
        CU_ASSERT_EQUAL(want[k], (gl_t)(((unsigned __int128)a[k] * b[k]) % GL_P));
    for (int p = 0; p < NPATH; p++) {
        if (!path_supported(p)) continue;
        cpu_features_restrict(PATHS[p]);
        gl_vec_mul(got, a, b, N);
        CU_ASSERT_EQUAL(memcmp(got, want, sizeof got), 0);
    }
    cpu_features_restrict(~0u);
}


/* ---- the cubic extension over arrays (structure of arrays) ---- */

/* n extension elements at stride s: mostly rand_mix components, some whole
 * elements zero or one, some with single edge components */
static void rand_ext(rng_t *r, gl_t *x, size_t n, size_t s)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t k = rng_u64(r) % 16;
        for (int c = 0; c < 3; c++) x[c * s + i] = k == 0 ? 0 : k == 1 ? c == 0 : rand_mix(r);
    }
}

/* gl3_vec_mul on the current path against gl3_vec_mul_ref and gl3_mul,
 * with out aliasing a; gl3_vec_batch_inv against one gl3_inv per element
 * (zero stays zero) and against gl3_vec_batch_inv_ref. Stride s >= n;
 * the gaps between components must not be written. */
static int check_ext(const gl_t *a, const gl_t *b, size_t n, size_t s)
{
    const size_t len = 3 * s + 1;
    gl_t *want = malloc(len * sizeof *want), *got = malloc(len * sizeof *got);
    gl_t *sc = malloc(GL3_BATCH_INV_SCRATCH(n) * sizeof *sc);
    int bad = 0;
    for (size_t i = 0; i < len; i++) want[i] = got[i] = 0x5a5a5a5a;
    gl3_vec_mul_ref(want, a, b, n, s);
    gl3_vec_mul(got, a, b, n, s);
    for (size_t i = 0; i < n; i++) {
        gl3_t x = {{a[i], a[s + i], a[2 * s + i]}}, y = {{b[i], b[s + i], b[2 * s + i]}};
        gl3_t m = gl3_mul(x, y);
        for (int c = 0; c < 3; c++) bad |= want[c * s + i] != m.c[c];
    }
    bad |= memcmp(want, got, len * sizeof *got) != 0;
    memcpy(got, a, 3 * s * sizeof *got);
    gl3_vec_mul(got, got, b, n, s);
    for (int c = 0; c < 3; c++) bad |= n && memcmp(got + c * s, want + c * s, n * sizeof *got) != 0;
    /* acc += e x, e = element 0 of b (one if there is none), x = component 0 of a */
    gl3_t e = n ? (gl3_t){{b[0], b[s], b[2 * s]}} : gl3_one();
    memcpy(want, b, 3 * s * sizeof *want);
    memcpy(got, b, 3 * s * sizeof *got);
    gl3_vec_mad_base_ref(want, e, a, n, s);
    gl3_vec_mad_base(got, e, a, n, s);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) bad |= want[c * s + i] != gl_add(b[c * s + i], gl_mul(e.c[c], a[i]));
    bad |= memcmp(want, got, 3 * s * sizeof *got) != 0;
    /* batch inversion in place */
    memcpy(want, a, 3 * s * sizeof *want);
    memcpy(got, a, 3 * s * sizeof *got);
    gl3_vec_batch_inv_ref(want, n, s, sc);
    gl3_vec_batch_inv(got, n, s, sc);
    for (size_t i = 0; i < n; i++) {
        gl3_t x = {{a[i], a[s + i], a[2 * s + i]}}, v = gl3_inv(x);
        for (int c = 0; c < 3; c++) bad |= want[c * s + i] != v.c[c];
    }
    bad |= memcmp(want, got, 3 * s * sizeof *got) != 0;
    free(want);
    free(got);
    free(sc);
    return bad;
}

static void test_ext_paths(void)
{
    rng_t r;
    rng_seed(&r, test_seed("gl3_vec random"));
    enum { MAXN = 4099 };
    gl_t *a = malloc(3 * (MAXN + 5) * sizeof *a), *b = malloc(3 * (MAXN + 5) * sizeof *b);
    for (int p = 0; p < NPATH; p++) {
        if (!path_supported(p)) continue;
        cpu_features_restrict(PATHS[p]);
        int fails = 0;
        for (size_t n = 0; n <= MAXN; n = n < 40 ? n + 1 : n * 2 + 3) {
            for (size_t gap = 0; gap < 6; gap += 5) {
                const size_t s = n + gap;
                for (int rep = 0; rep < 3; rep++) {
                    rand_ext(&r, a, s, s);
                    rand_ext(&r, b, s, s);
                    fails += check_ext(a, b, n, s);
                }
            }
        }
        /* every edge value in every component, at every lane */
        enum { NE = 3 * NEDGE };
        gl_t ea[3 * NE], eb[3 * NE];
        for (size_t i = 0; i < NE; i++)
            for (int c = 0; c < 3; c++) {
                ea[c * NE + i] = (size_t)c == i / NEDGE ? EDGE[i % NEDGE] : EDGE[(i * 7 + c) % NEDGE];
                eb[c * NE + i] = EDGE[(i * 5 + 3 * c) % NEDGE];
            }
        fails += check_ext(ea, eb, NE, NE);
        if (fails) printf("  path %s: %d extension mismatches\n", PATH_NAME[p], fails);
        CU_ASSERT_EQUAL(fails, 0);
    }
    cpu_features_restrict(~0u);
    free(a);
    free(b);
}

int main(void)
{
    static const test_case cases[] = {
        {"every path vs reference, random, all tail lengths", test_paths_random},
        {"every path vs reference, edge values", test_paths_edge},
        {"reduction branches", test_reduction_branches},
        {"extension mul and batch inversion, every path vs reference", test_ext_paths},
        {NULL, NULL},
    };
    return test_run_suite("gl_vec", cases);
}
