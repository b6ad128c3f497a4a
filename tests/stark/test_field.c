/* Goldilocks and cubic-extension arithmetic against 128-bit big-integer
 * references, edge values, and field axioms. */
#include <stdio.h>

#include "stark/gl.h"
#include "testutil.h"

static const gl_t EDGE[] = {0, 1, 2, GL_P - 1, GL_P - 2, 1ull << 32, (1ull << 32) - 1,
                            (1ull << 32) + 1, 1ull << 63, GL_P - (1ull << 32), 0xfffffffeull,
                            GL_P >> 1};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static gl_t ref_mul(gl_t a, gl_t b) { return (gl_t)(((unsigned __int128)a * b) % GL_P); }
static gl_t ref_add(gl_t a, gl_t b) { return (gl_t)(((unsigned __int128)a + b) % GL_P); }
static gl_t ref_sub(gl_t a, gl_t b) { return (gl_t)(((unsigned __int128)a + GL_P - b) % GL_P); }

static gl_t rand_gl(rng_t *r) { return rng_u64(r) % GL_P; }

static void check_pair(gl_t a, gl_t b)
{
    CU_ASSERT_EQUAL(gl_mul(a, b), ref_mul(a, b));
    CU_ASSERT_EQUAL(gl_add(a, b), ref_add(a, b));
    CU_ASSERT_EQUAL(gl_sub(a, b), ref_sub(a, b));
}

static void test_base_ops(void)
{
    for (size_t i = 0; i < NEDGE; i++)
        for (size_t j = 0; j < NEDGE; j++) check_pair(EDGE[i], EDGE[j]);
    rng_t r;
    rng_seed(&r, test_seed("field base ops"));
    for (int i = 0; i < 200000; i++) check_pair(rand_gl(&r), rand_gl(&r));
    /* products whose 128-bit value stresses every reduction branch */
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            gl_t a = gl_from_u64((1ull << i) - 1), b = gl_from_u64(GL_P - (1ull << j));
            check_pair(a, b);
        }
    CU_ASSERT_EQUAL(gl_neg(0), 0);
    CU_ASSERT_EQUAL(gl_neg(1), GL_P - 1);
    CU_ASSERT_EQUAL(gl_from_u64(~0ull), (~0ull) - GL_P);
}

static void test_inverse(void)
{
    rng_t r;
    rng_seed(&r, test_seed("field inverse"));
    for (size_t i = 1; i < NEDGE; i++) CU_ASSERT_EQUAL(gl_mul(EDGE[i], gl_inv(EDGE[i])), 1);
    gl_t v[1000], inv[1000];
    for (int i = 0; i < 1000; i++) v[i] = (i % 97 == 0) ? 0 : rand_gl(&r);
    gl_batch_inv(inv, v, 1000);
    for (int i = 0; i < 1000; i++) {
        if (v[i] == 0) {
            CU_ASSERT_EQUAL(inv[i], 0);
        } else {
            CU_ASSERT_EQUAL(gl_mul(v[i], inv[i]), 1);
        }
    }
}

static void test_roots(void)
{
    for (unsigned k = 0; k <= GL_TWO_ADICITY; k++) {
        gl_t w = gl_root_of_unity(k);
        CU_ASSERT_EQUAL(gl_exp(w, 1ull << k), 1);
        if (k > 0) CU_ASSERT_NOT_EQUAL(gl_exp(w, 1ull << (k - 1)), 1);
    }
    /* 7 generates F_p^*: 7^((p-1)/q) != 1 for each prime q | p-1 =
     * 2^32 * 3 * 5 * 17 * 257 * 65537. */
    const uint64_t q[] = {2, 3, 5, 17, 257, 65537};
    for (int i = 0; i < 6; i++) CU_ASSERT_NOT_EQUAL(gl_exp(GL_GENERATOR, (GL_P - 1) / q[i]), 1);
}

static void test_encoding(void)
{
    uint8_t b[8];
    gl_t x;
    for (size_t i = 0; i < NEDGE; i++) {
        gl_encode(b, EDGE[i]);
        CU_ASSERT_EQUAL(gl_decode(&x, b), CAIRN_OK);
        CU_ASSERT_EQUAL(x, EDGE[i]);
    }
    const uint64_t bad[] = {GL_P, GL_P + 1, ~0ull};
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 8; k++) b[k] = (uint8_t)(bad[i] >> (8 * k));
        CU_ASSERT_EQUAL(gl_decode(&x, b), CAIRN_ERR_FORMAT);
    }
}

static gl3_t rand_gl3(rng_t *r) { return (gl3_t){{rand_gl(r), rand_gl(r), rand_gl(r)}}; }

/* Reference extension product: polynomial product reduced by X^3 = X + 1,
 * written independently of gl3_mul (reduce the degree-4 product top down). */
static gl3_t ref_mul3(gl3_t a, gl3_t b)
{
    gl_t c[5] = {0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) c[i + j] = ref_add(c[i + j], ref_mul(a.c[i], b.c[j]));
    for (int d = 4; d >= 3; d--) { /* X^d = X^(d-2) + X^(d-3) */
        c[d - 2] = ref_add(c[d - 2], c[d]);
        c[d - 3] = ref_add(c[d - 3], c[d]);
        c[d] = 0;
    }
    return (gl3_t){{c[0], c[1], c[2]}};
}

static void test_extension(void)
{
    rng_t r;
    rng_seed(&r, test_seed("extension"));
    for (int i = 0; i < 20000; i++) {
        gl3_t a = rand_gl3(&r), b = rand_gl3(&r), c = rand_gl3(&r);
        CU_ASSERT(gl3_eq(gl3_mul(a, b), ref_mul3(a, b)));
        CU_ASSERT(gl3_eq(gl3_mul(a, b), gl3_mul(b, a)));
        CU_ASSERT(gl3_eq(gl3_mul(gl3_mul(a, b), c), gl3_mul(a, gl3_mul(b, c))));
        CU_ASSERT(gl3_eq(gl3_mul(a, gl3_add(b, c)), gl3_add(gl3_mul(a, b), gl3_mul(a, c))));
        CU_ASSERT(gl3_eq(gl3_sqr(a), gl3_mul(a, a)));
        CU_ASSERT(gl3_eq(gl3_mul(a, gl3_inv(a)), gl3_one()));
        CU_ASSERT(gl3_eq(gl3_sub(gl3_add(a, b), b), a));
    }
    /* X^3 = X + 1 */
    gl3_t x = {{0, 1, 0}};
    CU_ASSERT(gl3_eq(gl3_mul(gl3_sqr(x), x), (gl3_t){{1, 1, 0}}));
    /* sparse and edge elements */
    for (size_t i = 0; i < NEDGE; i++)
        for (size_t j = 0; j < NEDGE; j++) {
            gl3_t a = {{EDGE[i], EDGE[j], EDGE[(i + j) % NEDGE]}};
            gl3_t bb = {{EDGE[(i + 2 * j) % NEDGE], EDGE[i], EDGE[j]}};
            CU_ASSERT(gl3_eq(gl3_mul(a, bb), ref_mul3(a, bb))); /* carries of the lazy sums */
            CU_ASSERT(gl3_eq(gl3_mul(a, a), ref_mul3(a, a)));
            if (gl3_eq(a, gl3_zero())) continue;
            CU_ASSERT(gl3_eq(gl3_mul(a, gl3_inv(a)), gl3_one()));
        }
    /* Irreducibility: X^3 - X - 1 has no root in F_p iff gcd with X^p - X is
     * 1; equivalently in F_p^3, X^(p^3) = X but X^p != X (X is not in F_p)
     * and the Frobenius has order 3. */
    gl3_t xp = gl3_exp(x, GL_P), xp2 = gl3_exp(xp, GL_P), xp3 = gl3_exp(xp2, GL_P);
    CU_ASSERT(!gl3_eq(xp, x));
    CU_ASSERT(!gl3_eq(xp2, x));
    CU_ASSERT(gl3_eq(xp3, x));
    gl3_t v[300], inv[300];
    for (int i = 0; i < 300; i++) v[i] = (i % 50 == 7) ? gl3_zero() : rand_gl3(&r);
    gl3_batch_inv(inv, v, 300);
    for (int i = 0; i < 300; i++)
        CU_ASSERT(gl3_eq(inv[i], gl3_inv(v[i])));
}

int main(void)
{
    static const test_case cases[] = {
        {"base field ops vs 128-bit reference", test_base_ops},
        {"inverse and batch inverse", test_inverse},
        {"roots of unity and generator", test_roots},
        {"canonical encoding", test_encoding},
        {"cubic extension axioms, inverse, irreducibility", test_extension},
        {NULL, NULL}};
    return test_run_suite("field", cases);
}
