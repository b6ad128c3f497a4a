/* NTTs against the naive DFT and direct polynomial evaluation, every SIMD
 * path against the scalar one, and the cache-blocked multi-pass plans
 * forced onto small sizes (ntt_set_blocking) so they are covered without
 * huge inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/ntt.h"
#include "stark/ntt_kern.h"
#include "testutil.h"

static rng_t rng;
static int rng_ready;

static rng_t *R(void)
{
    if (!rng_ready) {
        rng_seed(&rng, test_seed("ntt"));
        rng_ready = 1;
    }
    return &rng;
}

static gl_t rand_gl(void) { return rng_u64(R()) % GL_P; }

static gl_t *rand_vec(size_t n)
{
    gl_t *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        /* some edge values among the random ones */
        uint64_t k = rng_u64(R()) % 16;
        v[i] = k == 0 ? GL_P - 1 : k == 1 ? 0 : k == 2 ? 1ull << 32 : rand_gl();
    }
    return v;
}

static gl_t *copy_vec(const gl_t *a, size_t n)
{
    gl_t *v = malloc((n ? n : 1) * sizeof *v);
    memcpy(v, a, n * sizeof *v);
    return v;
}

static size_t rev(size_t x, unsigned bits)
{
    size_t r = 0;
    for (unsigned i = 0; i < bits; i++) r |= ((x >> i) & 1) << (bits - 1 - i);
    return r;
}

/* column c of a row-major matrix, evaluated at z as a polynomial whose
 * coefficient j is row j */
static gl_t horner(const gl_t *m, size_t n, size_t cols, size_t c, gl_t z)
{
    gl_t acc = 0;
    for (size_t j = n; j-- > 0;) acc = gl_add(gl_mul(acc, z), m[j * cols + c]);
    return acc;
}

static const unsigned PATHS[] = {0, CPU_AVX2, CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA};
static const char *const PATH_NAME[] = {"scalar", "avx2", "avx512"};
#define NPATH 3

static int path_supported(int p)
{
    unsigned need = p == 0 ? 0 : p == 1 ? CPU_AVX2 : CPU_AVX512;
    return (cpu_features_host() & need) == need;
}

/* Blocking configurations: the default, and two that force many passes,
 * narrow one-column units (vector tails) and several column strips with a
 * ragged last one. */
static const struct {
    size_t group_bytes;
    unsigned col_block_log;
    size_t col_unit, strip_cols;
    const char *name;
} BLOCKINGS[] = {
    {0, 0, 0, 0, "default"},
    {1024, 3, 8, 16, "small groups"},
    {512, 2, 2, 5, "tiny groups, ragged strips"},
};
#define NBLOCKING 3

static void set_blocking(int b)
{
    ntt_set_blocking(BLOCKINGS[b].group_bytes, BLOCKINGS[b].col_block_log, BLOCKINGS[b].col_unit,
                     BLOCKINGS[b].strip_cols);
}

static void restore(void)
{
    cpu_features_restrict(~0u);
    ntt_set_blocking(0, 0, 0, 0);
}

/* ---- forward against the naive DFT, every size 2^0 .. 2^12 ---- */

static void test_forward_vs_dft(void)
{
    for (unsigned L = 0; L <= 12; L++) {
        size_t n = (size_t)1 << L;
        gl_t *in = rand_vec(n), *want = malloc(n * sizeof *want);
        ntt_forward_ref(want, in, L);
        for (int p = 0; p < NPATH; p++) {
            if (!path_supported(p)) continue;
            cpu_features_restrict(PATHS[p]);
            for (int b = 0; b < NBLOCKING; b++) {
                set_blocking(b);
                gl_t *a = copy_vec(in, n);
                ntt_forward(a, L);
                int ok = !memcmp(a, want, n * sizeof *a);
                if (!ok) printf("  forward 2^%u path %s blocking %s differs from the DFT\n", L, PATH_NAME[p], BLOCKINGS[b].name);
                CU_ASSERT(ok);
                free(a);
            }
        }
        restore();
        free(in);
        free(want);
    }
}

/* the reference itself on known answers: the DFT of a delta at j is
 * w^(ij), of a constant c is (n c, 0, ..., 0) */
static void test_dft_known(void)
{
    unsigned L = 5;
    size_t n = 32;
    gl_t in[32], out[32], w = gl_root_of_unity(L);
    memset(in, 0, sizeof in);
    in[3] = 1;
    ntt_forward_ref(out, in, L);
    for (size_t i = 0; i < n; i++) CU_ASSERT_EQUAL(out[i], gl_exp(w, 3 * i));
    for (size_t i = 0; i < n; i++) in[i] = 7;
    ntt_forward_ref(out, in, L);
    CU_ASSERT_EQUAL(out[0], 7 * 32);
    for (size_t i = 1; i < n; i++) CU_ASSERT_EQUAL(out[i], 0);
}

/* ---- inverse ---- */

static void test_roundtrip(void)
{
    /* one column, every size up to 2^16; the inverse of the naive DFT too */
    for (unsigned L = 0; L <= 16; L++) {
        size_t n = (size_t)1 << L;
        gl_t *in = rand_vec(n), *a = copy_vec(in, n);
        ntt_forward(a, L);
        ntt_inverse(a, L);
        CU_ASSERT_EQUAL(memcmp(a, in, n * sizeof *a), 0);
        if (L <= 10) {
            ntt_forward_ref(a, in, L);
            ntt_inverse(a, L);
            CU_ASSERT_EQUAL(memcmp(a, in, n * sizeof *a), 0);
        }
        free(in);
        free(a);
    }
    /* matrices */
    static const size_t COLS[] = {1, 3, 8, 64};
    static const unsigned LS[] = {0, 1, 5, 10, 13};
    for (int b = 0; b < NBLOCKING; b++) {
        set_blocking(b);
        for (size_t ci = 0; ci < 4; ci++)
            for (size_t li = 0; li < 5; li++) {
                size_t cols = COLS[ci], n = (size_t)1 << LS[li];
                if (b == 2 && LS[li] == 13 && cols == 64) continue; /* slow with tiny groups */
                gl_t *in = rand_vec(n * cols), *a = copy_vec(in, n * cols);
                ntt_forward_batch(a, LS[li], cols);
                gl_t *br = copy_vec(a, n * cols); /* evaluations, rows bit-reversed */
                ntt_bitrev_rows(br, LS[li], cols);
                ntt_inverse_batch(a, LS[li], cols);
                ntt_inverse_batch_bitrev(br, LS[li], cols);
                int ok = !memcmp(a, in, n * cols * sizeof *a);
                if (!ok) printf("  roundtrip 2^%u x %zu blocking %s fails\n", LS[li], cols, BLOCKINGS[b].name);
                CU_ASSERT(ok);
                ok = !memcmp(br, in, n * cols * sizeof *br);
                if (!ok)
                    printf("  roundtrip from bit-reversed rows 2^%u x %zu blocking %s fails\n", LS[li], cols,
                           BLOCKINGS[b].name);
                CU_ASSERT(ok);
                free(in);
                free(a);
                free(br);
            }
    }
    restore();
}

/* ---- batch equals column by column ---- */

static void test_batch_vs_single(void)
{
    static const size_t COLS[] = {2, 3, 7, 8, 9, 17, 64, 100, 130};
    static const unsigned LS[] = {0, 3, 9, 12};
    for (int b = 0; b < NBLOCKING; b++) {
        for (size_t ci = 0; ci < sizeof COLS / sizeof COLS[0]; ci++)
            for (size_t li = 0; li < 4; li++) {
                unsigned L = LS[li];
                size_t cols = COLS[ci], n = (size_t)1 << L;
                if (L == 12 && cols > 64) continue; /* keep the suite quick */
                gl_t *in = rand_vec(n * cols), *fb = copy_vec(in, n * cols), *ib = copy_vec(in, n * cols);
                gl_t *col = malloc(n * sizeof *col);
                set_blocking(b);
                ntt_forward_batch(fb, L, cols);
                ntt_inverse_batch(ib, L, cols);
                restore();
                int bad = 0;
                for (size_t c = 0; c < cols; c++) {
                    for (size_t i = 0; i < n; i++) col[i] = in[i * cols + c];
                    ntt_forward(col, L);
                    for (size_t i = 0; i < n; i++) bad += col[i] != fb[i * cols + c];
                    for (size_t i = 0; i < n; i++) col[i] = in[i * cols + c];
                    ntt_inverse(col, L);
                    for (size_t i = 0; i < n; i++) bad += col[i] != ib[i * cols + c];
                }
                if (bad) printf("  batch 2^%u x %zu blocking %s: %d differences\n", L, cols, BLOCKINGS[b].name, bad);
                CU_ASSERT_EQUAL(bad, 0);
                free(in);
                free(fb);
                free(ib);
                free(col);
            }
    }
}

/* ---- coset forward against evaluation at shift * w^i ---- */

/* checks rows (all if few, else a random sample) of an evaluation matrix
 * against Horner on the coefficients; point(i) is the evaluation point of
 * row i */
typedef gl_t (*point_fn)(size_t i, const void *ctx);

static int check_evals(const gl_t *coef, size_t n, size_t cols, const gl_t *ev, size_t N, point_fn point,
                       const void *ctx)
{
    int bad = 0;
    /* every row and column of small cases; else the first and last two rows
     * and columns and random ones */
    size_t samples = N <= 256 ? N : 40, csamples = cols <= 6 ? cols : 6;
    for (size_t s = 0; s < samples; s++) {
        size_t i = N <= 256 ? s : (s < 4 ? (s < 2 ? s : N - 1 - (s - 2)) : rng_u64(R()) % N);
        gl_t z = point(i, ctx);
        for (size_t cs = 0; cs < csamples; cs++) {
            size_t c = cols <= 6 ? cs : cs < 2 ? cs : cs < 4 ? cols - 1 - (cs - 2) : rng_u64(R()) % cols;
            bad += horner(coef, n, cols, c, z) != ev[i * cols + c];
        }
    }
    return bad;
}

typedef struct {
    gl_t shift, w;
    unsigned bits;
    int bitrev;
} coset_pt;

static gl_t coset_point(size_t i, const void *ctx)
{
    const coset_pt *p = ctx;
    return gl_mul(p->shift, gl_exp(p->w, p->bitrev ? rev(i, p->bits) : i));
}

static void test_coset(void)
{
    static const struct { unsigned L; size_t cols; } CASES[] = {
        {0, 1}, {1, 1}, {4, 3}, {8, 8}, {11, 1}, {11, 20}, {13, 64}, {6, 2}};
    for (int b = 0; b < NBLOCKING; b++) {
        set_blocking(b);
        for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
            unsigned L = CASES[k].L;
            size_t cols = CASES[k].cols, n = (size_t)1 << L;
            coset_pt pt = {.shift = rand_gl() | 1, .w = gl_root_of_unity(L), .bits = L};
            if (k == 0) pt.shift = GL_GENERATOR;
            gl_t *coef = rand_vec(n * cols), *ev = copy_vec(coef, n * cols), *evb = copy_vec(coef, n * cols);
            ntt_coset_forward_batch(ev, L, cols, pt.shift);
            int bad = check_evals(coef, n, cols, ev, n, coset_point, &pt);
            if (bad) printf("  coset 2^%u x %zu blocking %s: %d wrong\n", L, cols, BLOCKINGS[b].name, bad);
            CU_ASSERT_EQUAL(bad, 0);
            /* bit-reversed variant: the same rows in bit-reversed order */
            ntt_coset_forward_batch_bitrev(evb, L, cols, pt.shift);
            ntt_bitrev_rows(evb, L, cols);
            CU_ASSERT_EQUAL(memcmp(evb, ev, n * cols * sizeof *ev), 0);
            free(coef);
            free(ev);
            free(evb);
        }
    }
    restore();
}

/* ---- LDE against evaluation on shift * H' ---- */

static void test_lde(void)
{
    static const struct { unsigned L, k; size_t cols; } CASES[] = {
        {0, 1, 1}, {0, 2, 3}, {1, 1, 1}, {3, 2, 8}, {5, 1, 9}, {8, 3, 1},
        {10, 1, 64}, {10, 2, 3}, {12, 1, 16}, {7, 0, 8}, {6, 0, 1}, {9, 1, 130}};
    for (int b = 0; b < NBLOCKING; b++) {
        for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
            unsigned L = CASES[t].L, k = CASES[t].k;
            size_t cols = CASES[t].cols, n = (size_t)1 << L, N = n << k;
            gl_t *coef = rand_vec(n * cols), *evals = copy_vec(coef, n * cols);
            ntt_forward_batch(evals, L, cols); /* values on H, natural order */
            gl_t *keep = copy_vec(evals, n * cols);
            for (int br = 0; br <= 1; br++) {
                gl_t *out = malloc(N * cols * sizeof *out);
                coset_pt pt = {.shift = GL_GENERATOR, .w = gl_root_of_unity(L + k), .bits = L + k, .bitrev = br};
                if (t % 2) pt.shift = rand_gl() | 1;
                set_blocking(b);
                ntt_lde_batch(out, evals, L, cols, k, pt.shift, br);
                restore();
                CU_ASSERT_EQUAL(memcmp(evals, keep, n * cols * sizeof *evals), 0); /* input intact */
                int bad = check_evals(coef, n, cols, out, N, coset_point, &pt);
                if (bad)
                    printf("  lde 2^%u x %zu blowup 2^%u %s blocking %s: %d wrong\n", L, cols, k,
                           br ? "bitrev" : "natural", BLOCKINGS[b].name, bad);
                CU_ASSERT_EQUAL(bad, 0);
                /* in place: evaluations in the first n rows of out */
                gl_t *io = malloc(N * cols * sizeof *io);
                memcpy(io, evals, n * cols * sizeof *io);
                set_blocking(b);
                ntt_lde_batch(io, io, L, cols, k, pt.shift, br);
                restore();
                int diff = memcmp(io, out, N * cols * sizeof *io) != 0;
                if (diff)
                    printf("  in-place lde 2^%u x %zu blowup 2^%u %s blocking %s differs\n", L, cols, k,
                           br ? "bitrev" : "natural", BLOCKINGS[b].name);
                CU_ASSERT_EQUAL(diff, 0);
                free(io);
                free(out);
            }
            free(coef);
            free(evals);
            free(keep);
        }
    }
}

/* ---- every SIMD path against the scalar path ---- */

enum { F_FWD, F_INV, F_FWD_B, F_INV_B, F_INV_BR, F_COSET, F_COSET_BR, F_LDE_NAT, F_LDE_REV, NF };
static const char *const F_NAME[] = {"forward", "inverse", "forward batch", "inverse batch",
                                     "inverse batch from bit-reversed rows", "coset forward",
                                     "coset forward bitrev", "LDE natural", "LDE bitrev"};

static gl_t *apply(int f, const gl_t *in, unsigned L, size_t cols, size_t *outlen)
{
    size_t n = (size_t)1 << L;
    gl_t *a;
    if (f == F_LDE_NAT || f == F_LDE_REV) {
        /* blowups 1, 2, 4 one after the other (a blowup of 1 is a coset
         * transform through the LDE code; 2 and 4 start the natural-order
         * DIT at layers 1 and 2) */
        a = malloc(7 * n * cols * sizeof *a);
        for (unsigned k = 0, off = 0; k <= 2; off += 1u << k, k++)
            ntt_lde_batch(a + off * n * cols, in, L, cols, k, GL_GENERATOR, f == F_LDE_REV);
        *outlen = 7 * n * cols;
        return a;
    }
    a = copy_vec(in, n * cols);
    *outlen = n * cols;
    switch (f) {
    case F_FWD: ntt_forward(a, L); break;
    case F_INV: ntt_inverse(a, L); break;
    case F_FWD_B: ntt_forward_batch(a, L, cols); break;
    case F_INV_B: ntt_inverse_batch(a, L, cols); break;
    case F_INV_BR: ntt_inverse_batch_bitrev(a, L, cols); break;
    case F_COSET: ntt_coset_forward_batch(a, L, cols, 0x1234567890abcdefull % GL_P); break;
    default: ntt_coset_forward_batch_bitrev(a, L, cols, 0x1234567890abcdefull % GL_P); break;
    }
    return a;
}

static void test_paths(void)
{
    static const struct { unsigned L; size_t cols; } CASES[] = {
        {15, 1}, {12, 1}, {3, 1}, {2, 1}, {10, 3}, {10, 8}, {9, 13}, {8, 64}, {11, 17}};
    for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
        unsigned L = CASES[t].L;
        size_t cols = CASES[t].cols, n = (size_t)1 << L;
        gl_t *in = rand_vec(n * cols);
        for (int f = 0; f < NF; f++) {
            if ((f == F_FWD || f == F_INV) && cols != 1) continue;
            for (int b = 0; b < NBLOCKING; b++) {
                if (b && L > 12) continue;
                set_blocking(b);
                size_t len, len2;
                cpu_features_restrict(0);
                gl_t *want = apply(f, in, L, cols, &len);
                for (int p = 1; p < NPATH; p++) {
                    if (!path_supported(p)) continue;
                    cpu_features_restrict(PATHS[p]);
                    gl_t *got = apply(f, in, L, cols, &len2);
                    int ok = len == len2 && !memcmp(got, want, len * sizeof *got);
                    if (!ok)
                        printf("  %s 2^%u x %zu: path %s differs from scalar (blocking %s)\n", F_NAME[f], L,
                               cols, PATH_NAME[p], BLOCKINGS[b].name);
                    CU_ASSERT(ok);
                    free(got);
                }
                free(want);
            }
        }
        restore();
        free(in);
    }
}

/* ---- selected rows of a bit-reversed coset transform ---- */

static void test_coset_rows(void)
{
    static const struct { unsigned L; size_t cols, nrows; } CASES[] = {
        {0, 1, 1}, {4, 1, 3}, {13, 1, 5}, {15, 1, 40}, {10, 3, 7}, {12, 5, 2},
        {9, 8, 1}, {11, 17, 9}, {12, 64, 20}, {10, 130, 33}};
    for (int b = 0; b < NBLOCKING; b++) {
        for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
            unsigned L = CASES[t].L;
            size_t cols = CASES[t].cols, n = (size_t)1 << L, nr = CASES[t].nrows;
            gl_t shift = rand_gl() | 1;
            gl_t *in = rand_vec(n * cols), *full = copy_vec(in, n * cols), *part = copy_vec(in, n * cols);
            size_t rows[64];
            for (size_t i = 0; i < nr; i++) rows[i] = rng_u64(R()) % n;
            if (nr > 1) rows[1] = rows[0]; /* a repeat */
            set_blocking(b);
            ntt_coset_forward_batch_bitrev(full, L, cols, shift);
            CU_ASSERT_EQUAL(ntt_coset_forward_batch_bitrev_rows(part, L, cols, shift, rows, nr), CAIRN_OK);
            restore();
            int bad = 0;
            for (size_t i = 0; i < nr; i++)
                bad += memcmp(part + rows[i] * cols, full + rows[i] * cols, cols * sizeof *part) != 0;
            if (bad)
                printf("  coset rows 2^%u x %zu blocking %s: %d of %zu rows wrong\n", L, cols, BLOCKINGS[b].name,
                       bad, nr);
            CU_ASSERT_EQUAL(bad, 0);
            free(in);
            free(full);
            free(part);
        }
    }
}

/* ---- coset transform reading another buffer against copy then transform ---- */

static void test_coset_from(void)
{
    static const struct { unsigned L; size_t cols, nrows; } CASES[] = {
        {0, 1, 0}, {4, 1, 3}, {13, 1, 0}, {10, 3, 0}, {12, 5, 4}, {9, 8, 0}, {11, 17, 9}, {12, 64, 0},
        {10, 130, 33}};
    for (int b = 0; b < NBLOCKING; b++) {
        for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
            unsigned L = CASES[t].L;
            size_t cols = CASES[t].cols, n = (size_t)1 << L, nr = CASES[t].nrows;
            gl_t shift = rand_gl() | 1;
            gl_t *src = rand_vec(n * cols), *want = copy_vec(src, n * cols), *got = rand_vec(n * cols);
            gl_t *keep = copy_vec(src, n * cols);
            size_t rows[64];
            for (size_t i = 0; i < nr; i++) rows[i] = rng_u64(R()) % n;
            set_blocking(b);
            CU_ASSERT_EQUAL(ntt_coset_forward_batch_bitrev(want, L, cols, shift), CAIRN_OK);
            CU_ASSERT_EQUAL(ntt_coset_forward_bitrev_from(got, src, L, cols, shift, nr ? rows : NULL, nr), CAIRN_OK);
            restore();
            int bad = memcmp(src, keep, n * cols * sizeof *src) != 0; /* the source is left alone */
            if (nr)
                for (size_t i = 0; i < nr; i++)
                    bad += memcmp(got + rows[i] * cols, want + rows[i] * cols, cols * sizeof *got) != 0;
            else bad += memcmp(got, want, n * cols * sizeof *got) != 0;
            /* in place (src == dst) */
            gl_t *inplace = copy_vec(keep, n * cols);
            set_blocking(b);
            CU_ASSERT_EQUAL(ntt_coset_forward_bitrev_from(inplace, inplace, L, cols, shift, NULL, 0), CAIRN_OK);
            restore();
            bad += memcmp(inplace, want, n * cols * sizeof *got) != 0;
            if (bad) printf("  coset from 2^%u x %zu (%zu rows) blocking %s: wrong\n", L, cols, nr, BLOCKINGS[b].name);
            CU_ASSERT_EQUAL(bad, 0);
            free(src);
            free(want);
            free(got);
            free(keep);
            free(inplace);
        }
    }
}

/* ---- coset LDE from coefficients against the zero-padded transform ---- */

static void test_lde_coeffs(void)
{
    static const struct { unsigned L, k; size_t cols; } CASES[] = {
        {0, 1, 1}, {3, 2, 1}, {12, 2, 1}, {5, 1, 3}, {11, 2, 6}, {9, 3, 7},
        {8, 2, 8}, {11, 1, 13}, {10, 2, 70}, {4, 0, 9}};
    for (int b = 0; b < NBLOCKING; b++) {
        for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
            unsigned L = CASES[t].L, k = CASES[t].k;
            size_t cols = CASES[t].cols, n = (size_t)1 << L, N = n << k;
            gl_t shift = rand_gl() | 1;
            gl_t *want = rand_vec(N * cols), *got = copy_vec(want, N * cols);
            /* the reference reads zeros below row n, the fast path must
             * not read what is there */
            memset(want + n * cols, 0, (N - n) * cols * sizeof *want);
            set_blocking(b);
            CU_ASSERT_EQUAL(ntt_coset_forward_batch_bitrev(want, L + k, cols, shift), CAIRN_OK);
            CU_ASSERT_EQUAL(ntt_coset_lde_coeffs_bitrev(got, L, cols, k, shift), CAIRN_OK);
            restore();
            int bad = memcmp(got, want, N * cols * sizeof *got) != 0;
            if (bad) printf("  lde coeffs 2^%u x %zu blowup 2^%u blocking %s: wrong\n", L, cols, k, BLOCKINGS[b].name);
            CU_ASSERT_EQUAL(bad, 0);
            free(want);
            free(got);
        }
    }
}

/* ---- bit reversal ---- */

static void test_bitrev(void)
{
    static const struct { unsigned L; size_t cols; } CASES[] = {
        {0, 1}, {1, 1}, {5, 1}, {8, 1}, {9, 1}, {10, 1}, {15, 1}, {4, 3}, {10, 7}, {7, 64}};
    for (size_t t = 0; t < sizeof CASES / sizeof CASES[0]; t++) {
        unsigned L = CASES[t].L;
        size_t cols = CASES[t].cols, n = (size_t)1 << L;
        gl_t *in = rand_vec(n * cols), *a = copy_vec(in, n * cols);
        ntt_bitrev_rows(a, L, cols);
        int bad = 0;
        for (size_t i = 0; i < n; i++) bad += memcmp(a + i * cols, in + rev(i, L) * cols, cols * sizeof *a) != 0;
        CU_ASSERT_EQUAL(bad, 0);
        ntt_bitrev_rows(a, L, cols);
        CU_ASSERT_EQUAL(memcmp(a, in, n * cols * sizeof *a), 0);
        free(in);
        free(a);
    }
}

/* Threads that start transforms of sizes nobody used yet race to build the
 * twiddle tables; every result must still be right. Runs first, before
 * other tests have built the tables. */
static void test_concurrent_tables(void)
{
    enum { NT = 4, LMIN = 13, LMAX = 17 };
    gl_t *in[LMAX + 1];
    for (unsigned L = LMIN; L <= LMAX; L++) in[L] = rand_vec((size_t)1 << L);
    int bad = 0;
#pragma omp parallel for num_threads(NT) schedule(static, 1) reduction(+ : bad)
    for (int job = 0; job < NT * (LMAX - LMIN + 1); job++) {
        unsigned L = LMIN + (unsigned)(job + job / NT) % (LMAX - LMIN + 1);
        size_t n = (size_t)1 << L;
        gl_t *a = copy_vec(in[L], n);
        if (job % 2) ntt_inverse(a, L);
        else ntt_forward(a, L);
        if (job % 2) ntt_forward(a, L);
        else ntt_inverse(a, L);
        bad += memcmp(a, in[L], n * sizeof *a) != 0;
        free(a);
    }
    CU_ASSERT_EQUAL(bad, 0);
    for (unsigned L = LMIN; L <= LMAX; L++) free(in[L]);
    /* and the tables they built agree with the DFT */
    unsigned L = LMIN;
    size_t n = (size_t)1 << L;
    gl_t *x = rand_vec(n), *y = malloc(n * sizeof *y);
    ntt_forward_ref(y, x, L);
    ntt_forward(x, L);
    CU_ASSERT_EQUAL(memcmp(x, y, n * sizeof *x), 0);
    free(x);
    free(y);
}

static void test_prepare(void)
{
    CU_ASSERT_EQUAL(ntt_prepare(12), CAIRN_OK);
    CU_ASSERT_EQUAL(ntt_prepare(33), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "two-adicity") != NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"twiddle tables built by racing threads", test_concurrent_tables},
        {"naive DFT known answers", test_dft_known},
        {"forward vs naive DFT, sizes 2^0..2^12, every path and blocking", test_forward_vs_dft},
        {"inverse(forward(x)) = x, columns and matrices", test_roundtrip},
        {"batch equals column by column", test_batch_vs_single},
        {"coset forward vs direct evaluation", test_coset},
        {"LDE vs direct evaluation, natural and bit-reversed, out of place and in place", test_lde},
        {"selected rows of a bit-reversed coset transform", test_coset_rows},
        {"every SIMD path vs scalar", test_paths},
        {"coset transform from another buffer vs copy then transform", test_coset_from},
        {"coset LDE from coefficients vs zero-padded transform", test_lde_coeffs},
        {"bit reversal of rows", test_bitrev},
        {"twiddle preparation and its errors", test_prepare},
        {NULL, NULL},
    };
    return test_run_suite("ntt", cases);
}
