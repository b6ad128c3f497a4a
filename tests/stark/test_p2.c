/* Poseidon2: known-answer vectors against the reference and every fast
 * path, fast paths against the reference on random and edge states (every
 * SIMD path the host has, batch sizes that are not multiples of the lane
 * count), the sponge and compression against straightforward
 * re-implementations on the reference, and the batched row hashing and
 * pair compression against the single-item functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/p2.h"
#include "stark/p2_constants.h"
#include "stark/p2_impl.h"
#include "testutil.h"

/* ---- the vector file ---- */

#define MAX_VEC 64

typedef struct {
    uint64_t ext_init[48], internal[22], ext_final[48], diag[12];
    int n_ext_init, n_internal, n_ext_final, n_diag;
    uint64_t in[MAX_VEC][12], out[MAX_VEC][12];
    int n_in, n_out;
} vecfile;

static int read_vectors(vecfile *vf)
{
    memset(vf, 0, sizeof *vf);
    char path[1024];
    snprintf(path, sizeof path, "%s/poseidon2-goldilocks-w12.txt", TEST_VECTORS_DIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    char line[4096], sec[64] = "";
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '[') {
            sscanf(p, "[%63[^]]", sec);
            continue;
        }
        uint64_t *dst = NULL;
        int *cnt = NULL, cap = 0;
        if (!strcmp(sec, "external_initial")) dst = vf->ext_init, cnt = &vf->n_ext_init, cap = 48;
        else if (!strcmp(sec, "internal")) dst = vf->internal, cnt = &vf->n_internal, cap = 22;
        else if (!strcmp(sec, "external_final")) dst = vf->ext_final, cnt = &vf->n_ext_final, cap = 48;
        else if (!strcmp(sec, "mat_diag_m_1")) dst = vf->diag, cnt = &vf->n_diag, cap = 12;
        else if (!strcmp(sec, "vectors")) {
            int is_in = !strncmp(p, "in", 2), is_out = !strncmp(p, "out", 3);
            if (!is_in && !is_out) continue;
            int *n = is_in ? &vf->n_in : &vf->n_out;
            if (*n >= MAX_VEC) continue;
            dst = is_in ? vf->in[*n] : vf->out[*n];
            p += is_in ? 2 : 3;
            int k = 0;
            char *end;
            for (; k < 12; k++) {
                uint64_t v = strtoull(p, &end, 16);
                if (end == p) break;
                dst[k] = v;
                p = end;
            }
            if (k == 12) (*n)++;
            continue;
        }
        if (!dst) continue;
        char *end;
        for (;;) {
            uint64_t v = strtoull(p, &end, 16);
            if (end == p) break;
            if (*cnt < cap) dst[*cnt] = v;
            (*cnt)++;
            p = end;
        }
    }
    fclose(f);
    return 1;
}

/* ---- SIMD paths the host has ---- */

typedef struct {
    const char *name;
    unsigned mask;
} path;

static const path PATHS[] = {
    {"scalar", 0},
    {"avx2", CPU_AVX2},
    {"avx512", CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA},
};
#define NPATHS (sizeof PATHS / sizeof PATHS[0])

/* Restricts dispatch to path i; returns 0 (and says so) if the host lacks
 * it, so each test runs every path the host supports. */
static int use_path(size_t i)
{
    unsigned need = PATHS[i].mask & (CPU_AVX2 | CPU_AVX512);
    if ((cpu_features_host() & need) != need) {
        fprintf(stderr, "  (host has no %s; skipped)\n", PATHS[i].name);
        return 0;
    }
    cpu_features_restrict(PATHS[i].mask);
    return 1;
}

static void restore_paths(void) { cpu_features_restrict(~0u); }

/* The SoA kernels, called directly. */
typedef struct {
    const char *name;
    unsigned need, lanes;
    void (*fn)(gl_t *soa);
} kernel;

static const kernel KERNELS[] = {
    {"avx2x4", CPU_AVX2, 4, p2_permute_soa4_avx2},
    {"avx2x8", CPU_AVX2, 8, p2_permute_soa8_avx2},
    {"avx512x8", CPU_AVX512, 8, p2_permute_soa8_avx512},
    {"avx512x16", CPU_AVX512, 16, p2_permute_soa16_avx512},
};
#define NKERNELS (sizeof KERNELS / sizeof KERNELS[0])

/* Runs kernel k on n <= lanes states (AoS in, AoS out). */
static void run_kernel(const kernel *k, gl_t *st, size_t n)
{
    gl_t soa[12 * 16] = {0};
    for (size_t l = 0; l < n; l++)
        for (int i = 0; i < 12; i++) soa[i * k->lanes + l] = st[12 * l + i];
    k->fn(soa);
    for (size_t l = 0; l < n; l++)
        for (int i = 0; i < 12; i++) st[12 * l + i] = soa[i * k->lanes + l];
}

static int kernel_ok(const kernel *k) { return (cpu_features_host() & k->need) == k->need; }

/* ---- helpers ---- */

static gl_t rand_gl(rng_t *r) { return rng_u64(r) % GL_P; }

static const gl_t EDGE[] = {0,         1,           2,           GL_P - 1,     GL_P - 2,
                            1ull << 32, (1ull << 32) - 1, (1ull << 32) + 1, 1ull << 63, GL_P >> 1,
                            GL_P - (1ull << 32), 0xfffffffeull};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static int states_equal(const gl_t *a, const gl_t *b, size_t n) { return !memcmp(a, b, n * 12 * sizeof *a); }

/* Fills n states: the first ones constant edge states (all 0, all p-1,
 * all p-2, all 2^32, all 2^32-1), then states mixing edge values, then
 * random ones. */
static void fill_states(rng_t *r, gl_t *st, size_t n)
{
    static const gl_t CONST_STATES[] = {0, GL_P - 1, GL_P - 2, 1ull << 32, (1ull << 32) - 1};
    for (size_t s = 0; s < n; s++)
        for (int i = 0; i < 12; i++) {
            gl_t v;
            if (s < 5) v = CONST_STATES[s];
            else if (s < 12) v = EDGE[rng_u64(r) % NEDGE];
            else v = rand_gl(r);
            st[12 * s + i] = v;
        }
}

static void ref_many(gl_t *st, size_t n)
{
    for (size_t s = 0; s < n; s++) p2_permute_ref(st + 12 * s);
}

/* ---- tests ---- */

static void test_constants_match_file(void)
{
    vecfile *vf = malloc(sizeof *vf);
    CU_ASSERT_FATAL(vf != NULL);
    CU_ASSERT_FATAL(read_vectors(vf));
    CU_ASSERT_EQUAL(vf->n_ext_init, 48);
    CU_ASSERT_EQUAL(vf->n_internal, 22);
    CU_ASSERT_EQUAL(vf->n_ext_final, 48);
    CU_ASSERT_EQUAL(vf->n_diag, 12);
    CU_ASSERT(!memcmp(vf->ext_init, P2_RC_EXT_INIT, sizeof vf->ext_init));
    CU_ASSERT(!memcmp(vf->internal, P2_RC_INT, sizeof vf->internal));
    CU_ASSERT(!memcmp(vf->ext_final, P2_RC_EXT_FINAL, sizeof vf->ext_final));
    CU_ASSERT(!memcmp(vf->diag, P2_DIAG, sizeof vf->diag));
    free(vf);

    /* The fast paths hard-code the diagonal as small rationals num/den. */
    static const int64_t NUM[12] = {-2, 1, 2, 1, 3, 4, -1, -3, -4, 1, -1, 1};
    static const uint64_t DEN[12] = {1, 1, 1, 2, 1, 1, 2, 1, 1, 4, 4, 8};
    for (int i = 0; i < 12; i++) {
        gl_t num = NUM[i] < 0 ? GL_P - (gl_t)(-NUM[i]) : (gl_t)NUM[i];
        CU_ASSERT_EQUAL(gl_mul(P2_DIAG[i], DEN[i]), num);
    }
}

static void test_known_answers(void)
{
    vecfile *vf = malloc(sizeof *vf);
    CU_ASSERT_FATAL(vf != NULL);
    CU_ASSERT_FATAL(read_vectors(vf));
    CU_ASSERT_FATAL(vf->n_in >= 8);
    CU_ASSERT_EQUAL_FATAL(vf->n_in, vf->n_out);
    int n = vf->n_in;
    for (int v = 0; v < n; v++) {
        gl_t st[12];
        memcpy(st, vf->in[v], sizeof st);
        p2_permute_ref(st);
        CU_ASSERT(!memcmp(st, vf->out[v], sizeof st));
        memcpy(st, vf->in[v], sizeof st);
        p2_permute_scalar(st);
        CU_ASSERT(!memcmp(st, vf->out[v], sizeof st));
        for (size_t p = 0; p < NPATHS; p++) {
            if (!use_path(p)) continue;
            memcpy(st, vf->in[v], sizeof st);
            p2_permute(st);
            CU_ASSERT(!memcmp(st, vf->out[v], sizeof st));
        }
        restore_paths();
        if (cpu_features_host() & CPU_AVX512) {
            memcpy(st, vf->in[v], sizeof st);
            p2_permute_single_avx512(st);
            CU_ASSERT(!memcmp(st, vf->out[v], sizeof st));
        }
    }
    /* every kernel directly, all vectors in one call where they fit and
     * one at a time (the other lanes zero) */
    for (size_t k = 0; k < NKERNELS; k++) {
        if (!kernel_ok(&KERNELS[k])) continue;
        for (int v0 = 0; v0 < n; v0 += (int)KERNELS[k].lanes) {
            size_t cnt = (size_t)(n - v0) < KERNELS[k].lanes ? (size_t)(n - v0) : KERNELS[k].lanes;
            gl_t st[12 * 16];
            memcpy(st, vf->in[v0], cnt * sizeof vf->in[0]);
            run_kernel(&KERNELS[k], st, cnt);
            CU_ASSERT(!memcmp(st, vf->out[v0], cnt * sizeof vf->out[0]));
        }
        for (int v = 0; v < n; v++) {
            gl_t st[12];
            memcpy(st, vf->in[v], sizeof st);
            run_kernel(&KERNELS[k], st, 1);
            CU_ASSERT(!memcmp(st, vf->out[v], sizeof st));
        }
    }
    /* the batch entry point on every path */
    gl_t *st = malloc((size_t)n * sizeof vf->in[0]);
    CU_ASSERT_FATAL(st != NULL);
    for (size_t p = 0; p < NPATHS; p++) {
        if (!use_path(p)) continue;
        memcpy(st, vf->in, (size_t)n * sizeof vf->in[0]);
        p2_permute_batch(st, (size_t)n);
        CU_ASSERT(!memcmp(st, vf->out, (size_t)n * sizeof vf->out[0]));
    }
    restore_paths();
    free(st);
    free(vf);
}

static void test_fast_vs_ref(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 fast vs ref"));
    enum { N = 300 };
    gl_t *in = malloc(N * 12 * sizeof *in), *want = malloc(N * 12 * sizeof *in),
         *got = malloc(N * 12 * sizeof *in);
    CU_ASSERT_FATAL(in && want && got);
    fill_states(&r, in, N);
    memcpy(want, in, N * 12 * sizeof *in);
    ref_many(want, N);

    for (size_t p = 0; p < NPATHS; p++) {
        if (!use_path(p)) continue;
        memcpy(got, in, N * 12 * sizeof *in);
        for (size_t s = 0; s < N; s++) p2_permute(got + 12 * s);
        if (!states_equal(got, want, N)) fprintf(stderr, "p2_permute %s differs\n", PATHS[p].name);
        CU_ASSERT(states_equal(got, want, N));
    }
    restore_paths();
    memcpy(got, in, N * 12 * sizeof *in);
    for (size_t s = 0; s < N; s++) p2_permute_scalar(got + 12 * s);
    CU_ASSERT(states_equal(got, want, N));
    if (cpu_features_host() & CPU_AVX512) {
        memcpy(got, in, N * 12 * sizeof *in);
        for (size_t s = 0; s < N; s++) p2_permute_single_avx512(got + 12 * s);
        CU_ASSERT(states_equal(got, want, N));
    }

    for (size_t k = 0; k < NKERNELS; k++) {
        if (!kernel_ok(&KERNELS[k])) continue;
        memcpy(got, in, N * 12 * sizeof *in);
        for (size_t s = 0; s < N; s += KERNELS[k].lanes) {
            size_t cnt = N - s < KERNELS[k].lanes ? N - s : KERNELS[k].lanes;
            run_kernel(&KERNELS[k], got + 12 * s, cnt);
        }
        if (!states_equal(got, want, N)) fprintf(stderr, "kernel %s differs\n", KERNELS[k].name);
        CU_ASSERT(states_equal(got, want, N));
    }

    /* batches of sizes around the lane counts, and one large enough to go
     * parallel; each compared with the reference */
    static const size_t SIZES[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 31, 33, 47, 300};
    for (size_t p = 0; p < NPATHS; p++) {
        if (!use_path(p)) continue;
        for (size_t z = 0; z < sizeof SIZES / sizeof SIZES[0]; z++) {
            size_t n = SIZES[z];
            memcpy(got, in, N * 12 * sizeof *in);
            p2_permute_batch(got, n);
            int ok = states_equal(got, want, n) && states_equal(got + 12 * n, in + 12 * n, N - n);
            if (!ok) fprintf(stderr, "batch %s n=%zu differs\n", PATHS[p].name, n);
            CU_ASSERT(ok);
        }
    }
    restore_paths();
    free(in);
    free(want);
    free(got);
}

/* The fast paths keep words in [0, 2^64) between layers, not only < p;
 * feeding them non-canonical words (x + p for x < 2^64 - p) exercises that
 * handling directly: the result must equal the reference on x. */
static void test_noncanonical_words(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 non-canonical"));
    enum { N = 64 };
    gl_t in[N * 12], want[N * 12], got[N * 12];
    for (size_t i = 0; i < N * 12; i++) {
        uint64_t x = rng_u64(&r) % (0ull - GL_P); /* x < 2^32 - 1 */
        if (i % 5 == 0) x = (0ull - GL_P) - 1;    /* x + p = 2^64 - 1 */
        want[i] = x;
        in[i] = x + GL_P;
    }
    ref_many(want, N);
    memcpy(got, in, sizeof got);
    for (size_t s = 0; s < N; s++) p2_permute_scalar(got + 12 * s);
    CU_ASSERT(states_equal(got, want, N));
    for (size_t k = 0; k < NKERNELS; k++) {
        if (!kernel_ok(&KERNELS[k])) continue;
        memcpy(got, in, sizeof got);
        for (size_t s = 0; s < N; s += KERNELS[k].lanes) run_kernel(&KERNELS[k], got + 12 * s, KERNELS[k].lanes);
        CU_ASSERT(states_equal(got, want, N));
    }
    if (cpu_features_host() & CPU_AVX512) {
        memcpy(got, in, sizeof got);
        for (size_t s = 0; s < N; s++) p2_permute_single_avx512(got + 12 * s);
        CU_ASSERT(states_equal(got, want, N));
    }
}

/* ---- lane arithmetic of every path (test hooks of p2_impl.h) ---- */

typedef int (*op_fn)(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n);

static gl_t modp(unsigned __int128 v) { return (gl_t)(v % GL_P); }

/* Expected value mod p of op on (a, b). */
static gl_t op_ref(int op, gl_t a, gl_t b)
{
    switch (op) {
    case P2_OP_MUL: return modp((unsigned __int128)a * b);
    case P2_OP_SQR: return modp((unsigned __int128)a * a);
    case P2_OP_SBOX: return gl_exp(modp(a), 7);
    case P2_OP_HALF: return gl_mul(modp(a), (GL_P + 1) / 2);
    case P2_OP_QUARTER: return gl_mul(modp(a), gl_inv(4));
    case P2_OP_EIGHTH: return gl_mul(modp(a), gl_inv(8));
    case P2_OP_CANON: return modp(a);
    case P2_OP_JOIN: return modp((unsigned __int128)a + ((unsigned __int128)b << 32));
    case P2_OP_WIDE: return modp((unsigned __int128)a + ((unsigned __int128)b << 64));
    }
    return 0;
}

/* Runs op over all pairs of xs x ys (padded to a multiple of 8) and
 * compares mod p; CANON must be exactly canonical. Returns mismatches. */
static size_t check_op(op_fn fn, int op, const gl_t *xs, size_t nx, const gl_t *ys, size_t ny)
{
    size_t n = nx * ny, np = (n + 7) / 8 * 8;
    gl_t *a = calloc(np, sizeof *a), *b = calloc(np, sizeof *b), *out = calloc(np, sizeof *out);
    size_t bad = 0;
    if (!a || !b || !out) {
        bad = 1;
        goto done;
    }
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) {
            a[i * ny + j] = xs[i];
            b[i * ny + j] = ys[j];
        }
    if (!fn(op, out, a, b, np)) goto done; /* op not on this path */
    for (size_t i = 0; i < np; i++) {
        gl_t want = op_ref(op, a[i], b[i]);
        gl_t got = op == P2_OP_CANON ? out[i] : modp(out[i]);
        if (got != want) {
            if (bad < 5)
                fprintf(stderr, "op %d (0x%016llx, 0x%016llx): got 0x%016llx want 0x%016llx\n", op,
                        (unsigned long long)a[i], (unsigned long long)b[i],
                        (unsigned long long)out[i], (unsigned long long)want);
            bad++;
        }
    }
done:
    free(a);
    free(b);
    free(out);
    return bad;
}

static void test_lane_ops(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 lane ops"));
    /* words < 2^64 (the lazy representation): edges, non-canonical values,
     * and powers of two whose products give hi >> 32 > lo (the borrow) */
    gl_t w[200];
    size_t nw = 0;
    static const gl_t W0[] = {0,          1,           2,           GL_P - 1,      GL_P - 2,
                              GL_P,       GL_P + 1,    ~0ull,       ~0ull - 1,     1ull << 32,
                              (1ull << 32) - 1, (1ull << 32) + 1, 1ull << 63, (1ull << 63) - 1,
                              GL_P - (1ull << 32), (GL_P + 1) / 2, 0xfffffffeull};
    for (size_t i = 0; i < sizeof W0 / sizeof W0[0]; i++) w[nw++] = W0[i];
    for (int k = 1; k < 64; k += 3) {
        w[nw++] = 1ull << k;
        w[nw++] = (1ull << k) - 1;
    }
    while (nw < 120) w[nw++] = rng_u64(&r);
    /* halves below 2^40 for the join; (2^32-1, 2^33-1) makes the joined
     * low word 2^64 - 1 so adding the folded 2^64 wraps */
    gl_t h[64];
    size_t nh = 0;
    static const gl_t H0[] = {0, 1, (1ull << 32) - 1, 1ull << 32, (1ull << 33) - 1, (1ull << 36) - 1,
                              (1ull << 37) + 5, (1ull << 40) - 1, (1ull << 40) - (1ull << 32)};
    for (size_t i = 0; i < sizeof H0 / sizeof H0[0]; i++) h[nh++] = H0[i];
    while (nh < 40) h[nh++] = rng_u64(&r) >> 24;
    /* multiples of 2^64 below 2^31 for the scalar wide reduction */
    static const gl_t S0[] = {0, 1, 2, 27, (1ull << 31) - 1, 12345};

    static const struct {
        const char *name;
        unsigned need;
        op_fn fn;
    } P[] = {{"scalar", 0, p2_test_op_scalar},
             {"avx2", CPU_AVX2, p2_test_op_avx2},
             {"avx512", CPU_AVX512, p2_test_op_avx512}};
    for (size_t p = 0; p < 3; p++) {
        if ((cpu_features_host() & P[p].need) != P[p].need) continue;
        size_t bad = 0;
        bad += check_op(P[p].fn, P2_OP_MUL, w, nw, w, nw);
        bad += check_op(P[p].fn, P2_OP_SQR, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_SBOX, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_HALF, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_QUARTER, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_EIGHTH, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_CANON, w, nw, w, 1);
        bad += check_op(P[p].fn, P2_OP_JOIN, h, nh, h, nh);
        bad += check_op(P[p].fn, P2_OP_WIDE, w, nw, S0, sizeof S0 / sizeof S0[0]);
        if (bad) fprintf(stderr, "%s lane ops: %zu mismatches\n", P[p].name, bad);
        CU_ASSERT_EQUAL(bad, 0);
    }
}

/* The linear layers on words anywhere in [0, 2^64) (the fast paths' lazy
 * representation), against the layers written out on canonical values. */
static void ref_ext_layer(gl_t st[12])
{
    static const gl_t M4[4][4] = {{2, 3, 1, 1}, {1, 2, 3, 1}, {1, 1, 2, 3}, {3, 1, 1, 2}};
    gl_t y[12];
    for (int b = 0; b < 12; b += 4)
        for (int i = 0; i < 4; i++) {
            y[b + i] = 0;
            for (int j = 0; j < 4; j++) y[b + i] = gl_add(y[b + i], gl_mul(M4[i][j], st[b + j]));
        }
    for (int i = 0; i < 12; i++) st[i] = gl_add(y[i], gl_add(y[i % 4], gl_add(y[4 + i % 4], y[8 + i % 4])));
}

static void ref_int_layer(gl_t st[12])
{
    gl_t sum = 0;
    for (int i = 0; i < 12; i++) sum = gl_add(sum, st[i]);
    for (int i = 0; i < 12; i++) st[i] = gl_add(gl_mul(P2_DIAG[i], st[i]), sum);
}

static void test_linear_layers(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 linear layers"));
    enum { NS = 48 }; /* states; a multiple of every lane count */
    static const gl_t X[] = {~0ull, ~0ull - 1, GL_P, GL_P + 1, GL_P - 1, 1ull << 63, (1ull << 32) - 1, 0, 1,
                             ~0ull - (1ull << 32)};
    gl_t aos[NS][12], want[NS][12];
    for (int s = 0; s < NS; s++)
        for (int i = 0; i < 12; i++) {
            gl_t v;
            if (s < 4) v = X[s]; /* constant states: all 2^64-1, 2^64-2, p, p+1 */
            else if (s == 4) v = i % 2 ? ~0ull : 0;
            else if (s < 24) v = X[rng_u64(&r) % (sizeof X / sizeof X[0])];
            else v = rng_u64(&r);
            aos[s][i] = v;
        }
    static const struct {
        const char *name;
        unsigned need, lanes;
        op_fn fn;
    } P[] = {{"scalar", 0, 1, p2_test_op_scalar},
             {"avx2", CPU_AVX2, 4, p2_test_op_avx2},
             {"avx512", CPU_AVX512, 8, p2_test_op_avx512}};
    static gl_t soa[NS * 12], out[NS * 12];
    for (int op = P2_OP_EXT; op <= P2_OP_INT_LAST; op++) {
        for (int s = 0; s < NS; s++) {
            for (int i = 0; i < 12; i++) want[s][i] = modp(aos[s][i]);
            if (op == P2_OP_EXT) ref_ext_layer(want[s]);
            else ref_int_layer(want[s]);
        }
        for (size_t p = 0; p < 3; p++) {
            if ((cpu_features_host() & P[p].need) != P[p].need) continue;
            unsigned L = P[p].lanes;
            for (int s = 0; s < NS; s++)
                for (int i = 0; i < 12; i++) soa[(s / L) * 12 * L + i * L + s % L] = aos[s][i];
            CU_ASSERT_FATAL(P[p].fn(op, out, soa, soa, NS * 12));
            size_t bad = 0;
            for (int s = 0; s < NS; s++)
                for (int i = 0; i < 12; i++) bad += modp(out[(s / L) * 12 * L + i * L + s % L]) != want[s][i];
            if (bad)
                fprintf(stderr, "%s %s layer: %zu mismatches\n", P[p].name,
                        op == P2_OP_EXT ? "external" : op == P2_OP_INT ? "internal" : "last internal", bad);
            CU_ASSERT_EQUAL(bad, 0);
        }
    }
}

/* Sponge of p2.h written directly on the reference permutation. */
static void hash_by_ref(gl_t out[4], const gl_t *in, size_t n)
{
    gl_t st[12] = {0};
    st[8] = n;
    size_t nblocks = n == 0 ? 1 : (n + 7) / 8;
    for (size_t b = 0; b < nblocks; b++) {
        for (size_t j = 0; j < 8; j++) {
            size_t idx = 8 * b + j;
            st[j] = idx < n ? in[idx] : idx == n ? 1 : 0;
        }
        p2_permute_ref(st);
    }
    memcpy(out, st, 4 * sizeof *out);
}

static void test_hash(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 hash"));
    gl_t in[40];
    for (int i = 0; i < 40; i++) in[i] = rand_gl(&r);
    for (size_t n = 0; n <= 40; n++) {
        gl_t want[4];
        p2_digest got;
        hash_by_ref(want, in, n);
        p2_hash(&got, in, n);
        CU_ASSERT(!memcmp(got.v, want, sizeof want));
    }

    /* length separation and padding: inputs that a careless padding would
     * confuse must give distinct digests */
    gl_t zeros[17] = {0};
    p2_digest dz[17];
    for (size_t n = 0; n <= 16; n++) p2_hash(&dz[n], zeros, n);
    for (size_t a = 0; a <= 16; a++)
        for (size_t b = a + 1; b <= 16; b++) CU_ASSERT(memcmp(&dz[a], &dz[b], sizeof dz[a]));
    for (size_t n = 1; n <= 16; n++) {
        gl_t x[17], y[17];
        for (size_t i = 0; i < n; i++) x[i] = y[i] = rand_gl(&r);
        y[n] = 1; /* [x] vs [x, 1]: the 1 equals the pad */
        p2_digest dx, dy;
        p2_hash(&dx, x, n);
        p2_hash(&dy, y, n + 1);
        CU_ASSERT(memcmp(&dx, &dy, sizeof dx));
        y[n] = 0; /* [x] vs [x, 0]: zeros equal the fill after the pad */
        p2_hash(&dy, y, n + 1);
        CU_ASSERT(memcmp(&dx, &dy, sizeof dx));
    }
    /* NULL is a valid empty input, for the sponge and for rows of length 0 */
    p2_digest dn, rows0[20];
    p2_hash(&dn, NULL, 0);
    CU_ASSERT(!memcmp(&dn, &dz[0], sizeof dn));
    p2_hash_rows(rows0, NULL, 20, 0, 0);
    for (int i = 0; i < 20; i++) CU_ASSERT(!memcmp(&rows0[i], &dz[0], sizeof dn));
    /* the empty input is one block of padding: not [1] */
    gl_t one = 1;
    p2_digest d1;
    p2_hash(&d1, &one, 1);
    CU_ASSERT(memcmp(&d1, &dz[0], sizeof d1));
}

static void test_compress(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 compress"));
    for (int t = 0; t < 50; t++) {
        p2_digest a, b, got;
        for (int j = 0; j < 4; j++) {
            a.v[j] = t < 2 ? (t ? GL_P - 1 : 0) : rand_gl(&r);
            b.v[j] = t < 2 ? (t ? GL_P - 1 : 0) : rand_gl(&r);
        }
        gl_t st[12] = {0};
        memcpy(st, a.v, sizeof a.v);
        memcpy(st + 4, b.v, sizeof b.v);
        p2_permute_ref(st);
        p2_compress(&got, &a, &b);
        CU_ASSERT(!memcmp(got.v, st, sizeof got.v));
        /* order matters */
        p2_digest swapped;
        p2_compress(&swapped, &b, &a);
        if (memcmp(&a, &b, sizeof a)) CU_ASSERT(memcmp(&got, &swapped, sizeof got));
    }
}

static void test_hash_rows(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 hash_rows"));
    static const size_t ROWS[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 300};
    static const size_t LENS[] = {0, 1, 7, 8, 9, 16, 17, 64};
    size_t maxrows = 300, maxstride = 64 + 5;
    gl_t *m = malloc(maxrows * maxstride * sizeof *m);
    p2_digest *got = malloc(maxrows * sizeof *got), *want = malloc(maxrows * sizeof *want);
    CU_ASSERT_FATAL(m && got && want);
    for (size_t i = 0; i < maxrows * maxstride; i++) m[i] = rand_gl(&r);
    for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
        size_t len = LENS[li];
        size_t stride = len + 1 + li % 5; /* stride > len: gaps between rows */
        for (size_t i = 0; i < maxrows; i++) p2_hash(&want[i], m + i * stride, len);
        for (size_t p = 0; p < NPATHS; p++) {
            if (!use_path(p)) continue;
            for (size_t ri = 0; ri < sizeof ROWS / sizeof ROWS[0]; ri++) {
                size_t nrows = ROWS[ri];
                memset(got, 0xee, maxrows * sizeof *got);
                p2_hash_rows(got, m, nrows, len, stride);
                int ok = !memcmp(got, want, nrows * sizeof *got);
                /* nothing written past nrows */
                for (size_t i = nrows; i < maxrows && ok; i++) ok = got[i].v[0] == 0xeeeeeeeeeeeeeeeeull;
                if (!ok) fprintf(stderr, "hash_rows %s nrows=%zu len=%zu differs\n", PATHS[p].name, nrows, len);
                CU_ASSERT(ok);
            }
        }
    }
    /* stride == len (dense matrix) too */
    for (size_t p = 0; p < NPATHS; p++) {
        if (!use_path(p)) continue;
        p2_hash_rows(got, m, 37, 12, 12);
        for (size_t i = 0; i < 37; i++) {
            p2_digest d;
            p2_hash(&d, m + 12 * i, 12);
            CU_ASSERT(!memcmp(&d, &got[i], sizeof d));
        }
    }
    restore_paths();
    free(m);
    free(got);
    free(want);
}

static void test_compress_pairs(void)
{
    rng_t r;
    rng_seed(&r, test_seed("p2 compress_pairs"));
    static const size_t NS[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000};
    size_t maxn = 1000;
    p2_digest *in = malloc(2 * maxn * sizeof *in), *got = malloc((maxn + 1) * sizeof *got),
              *want = malloc(maxn * sizeof *want);
    CU_ASSERT_FATAL(in && got && want);
    for (size_t i = 0; i < 2 * maxn; i++)
        for (int j = 0; j < 4; j++) in[i].v[j] = i < 2 ? GL_P - 1 : rand_gl(&r);
    for (size_t i = 0; i < maxn; i++) p2_compress(&want[i], &in[2 * i], &in[2 * i + 1]);
    for (size_t p = 0; p < NPATHS; p++) {
        if (!use_path(p)) continue;
        for (size_t z = 0; z < sizeof NS / sizeof NS[0]; z++) {
            size_t n = NS[z];
            memset(got, 0xee, (maxn + 1) * sizeof *got);
            p2_compress_pairs(got, in, n);
            int ok = !memcmp(got, want, n * sizeof *got) && got[n].v[0] == 0xeeeeeeeeeeeeeeeeull;
            if (!ok) fprintf(stderr, "compress_pairs %s n=%zu differs\n", PATHS[p].name, n);
            CU_ASSERT(ok);
        }
    }
    restore_paths();
    free(in);
    free(got);
    free(want);
}

int main(void)
{
    static const test_case cases[] = {
        {"constants match the vector file", test_constants_match_file},
        {"known-answer vectors, every path", test_known_answers},
        {"fast paths vs reference", test_fast_vs_ref},
        {"non-canonical input words", test_noncanonical_words},
        {"lane arithmetic, every path", test_lane_ops},
        {"linear layers on lazy words, every path", test_linear_layers},
        {"sponge hash", test_hash},
        {"compression", test_compress},
        {"hash_rows vs hash", test_hash_rows},
        {"compress_pairs vs compress", test_compress_pairs},
        {NULL, NULL},
    };
    return test_run_suite("p2", cases);
}
