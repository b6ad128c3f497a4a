/* The lanes backend of vctx.h (stark/vctx_lanes.c), a fast path of the
 * one-state native backend, checked against it: every operation on
 * VLN_LANES random lanes (and on values common to all lanes, and mixed)
 * gives in each lane what the native backend gives on that lane's values;
 * an assertion records the lowest failing lane among the batch's n, and
 * none past n. Random inputs from a seeded RNG that prints its seed, plus
 * edge values (0, 1, p - 1). The verifier's use of it (batches of queries,
 * the failing query's message) is tests/stark/test_stark_forge "V4 V5
 * queries in batches of VLN_LANES". */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "stark/vctx.h"
#include "testutil.h"

#define K VLN_LANES

static gl_t rand_gl(rng_t *r)
{
    static const gl_t edge[] = {0, 1, GL_P - 1, 2, (gl_t)1 << 32};
    uint64_t x = rng_u64(r);
    return (x & 7) == 0 ? edge[(x >> 3) % 5] : rng_u64(r) % GL_P;
}

/* A lane value of random elements (x[j] gets them). */
static vb lane_b(vctx_lanes *l, rng_t *r, gl_t x[K])
{
    for (int j = 0; j < K; j++) x[j] = rand_gl(r);
    return vctx_lanes_input(&l->ctx, x, 1);
}

static ve lane_e(vctx_lanes *l, rng_t *r, gl3_t x[K])
{
    for (int j = 0; j < K; j++) x[j] = (gl3_t){{rand_gl(r), rand_gl(r), rand_gl(r)}};
    return vctx_lanes_input_e(&l->ctx, x, 1);
}

/* Lane j of a base / extension value of l, read back through an
 * assertion against a native value: equal iff no lane below n fails.
 * Simpler and independent of the encoding: compare by e_parts and the
 * assert of each lane against its expected value. */
static int lanes_equal_b(vctx_lanes *l, vb a, const gl_t want[K])
{
    l->fail_lane = K;
    vb w = vctx_lanes_input(&l->ctx, want, 1);
    vc_assert_eq(&l->ctx, a, w, "differs");
    return l->fail_lane == K;
}

static int lanes_equal_e(vctx_lanes *l, ve a, const gl3_t want[K])
{
    l->fail_lane = K;
    ve w = vctx_lanes_input_e(&l->ctx, want, 1);
    vce_assert_eq(&l->ctx, a, w, "differs");
    return l->fail_lane == K;
}

static void test_ops(void)
{
    rng_t r;
    rng_seed(&r, test_seed("vctx lanes ops"));
    vctx_lanes l;
    vctx_lanes_init(&l);
    vctx_native n;
    vctx_native_init(&n);
    vctx *c = &l.ctx, *nc = &n.ctx;
    for (int round = 0; round < 200; round++) {
        vctx_lanes_begin(&l, K);
        gl_t a[K], b[K], bit[K], want[K];
        gl3_t ea[K], eb[K], ec[K], ewant[K];
        vb A = lane_b(&l, &r, a), B = lane_b(&l, &r, b);
        for (int j = 0; j < K; j++) bit[j] = rng_u64(&r) & 1;
        vb BIT = vctx_lanes_input(c, bit, 1);
        ve EA = lane_e(&l, &r, ea), EB = lane_e(&l, &r, eb), EC = lane_e(&l, &r, ec);
        /* a value common to the lanes, as the verifier's shared part gives */
        const gl_t s = rand_gl(&r);
        const vb S = vc_const(nc, s);
        const gl3_t es = {{rand_gl(&r), rand_gl(&r), rand_gl(&r)}};
        const ve ES = vce_const(nc, es);
#define NB(expr_lane, expr_native)                                                                 \
    do {                                                                                           \
        vb got = expr_lane;                                                                        \
        for (int j = 0; j < K; j++) {                                                              \
            vb x = {a[j]}, y = {b[j]}, z = {bit[j]};                                               \
            (void)x, (void)y, (void)z;                                                             \
            want[j] = (expr_native).v;                                                             \
        }                                                                                          \
        CU_ASSERT(lanes_equal_b(&l, got, want));                                                   \
    } while (0)
        NB(vc_add(c, A, B), vc_add(nc, x, y));
        NB(vc_sub(c, A, S), vc_sub(nc, x, S));
        NB(vc_mul(c, S, B), vc_mul(nc, S, y));
        NB(vc_mul(c, A, B), vc_mul(nc, x, y));
        NB(vc_inv(c, A), vc_inv(nc, x));
        NB(vc_select(c, BIT, A, B), vc_select(nc, z, x, y));
        NB(vc_select(c, BIT, S, B), vc_select(nc, z, S, y));
#undef NB
#define NE(expr_lane, expr_native)                                                                 \
    do {                                                                                           \
        ve got = expr_lane;                                                                        \
        for (int j = 0; j < K; j++) {                                                              \
            vb x = {a[j]}, y = {b[j]}, z = {bit[j]};                                               \
            ve u = {{ea[j].c[0], ea[j].c[1], ea[j].c[2]}}, v = {{eb[j].c[0], eb[j].c[1], eb[j].c[2]}}; \
            ve w = {{ec[j].c[0], ec[j].c[1], ec[j].c[2]}};                                         \
            (void)x, (void)y, (void)z, (void)u, (void)v, (void)w;                                  \
            ve e = expr_native;                                                                    \
            ewant[j] = (gl3_t){{e.v[0], e.v[1], e.v[2]}};                                          \
        }                                                                                          \
        CU_ASSERT(lanes_equal_e(&l, got, ewant));                                                  \
    } while (0)
        NE(vce_add(c, EA, EB), vce_add(nc, u, v));
        NE(vce_sub(c, ES, EB), vce_sub(nc, ES, v));
        NE(vce_mul(c, EA, ES), vce_mul(nc, u, ES));
        NE(vce_mul(c, EA, EB), vce_mul(nc, u, v));
        NE(vce_mul_base(c, EA, B), vce_mul_base(nc, u, y));
        NE(vce_mul_base(c, ES, A), vce_mul_base(nc, ES, x));
        NE(vce_mul_base_add(c, EA, EB, S), vce_mul_base_add(nc, u, v, S));
        NE(vce_mul_base_add2(c, EA, EB, A, EC, B), vce_mul_base_add2(nc, u, v, x, w, y));
        NE(vce_horner2(c, EA, ES, A, EC, S), vce_horner2(nc, u, ES, x, w, S));
        NE(vce_inv(c, EA), vce_inv(nc, u));
        NE(vce_from_base(c, A), vce_from_base(nc, x));
        NE(vce_select(c, BIT, EA, ES), vce_select(nc, z, u, ES));
#undef NE
        /* parts and bits */
        vb parts[3];
        vce_parts(c, parts, EA);
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < K; j++) want[j] = ea[j].c[k];
            CU_ASSERT(lanes_equal_b(&l, parts[k], want));
        }
        vb bits[64];
        vc_bits(c, bits, A, 64);
        for (int k = 0; k < 64; k += 7) {
            for (int j = 0; j < K; j++) want[j] = (a[j] >> k) & 1;
            CU_ASSERT(lanes_equal_b(&l, bits[k], want));
        }
        /* the permutation, and one Merkle step, with lanes and common
         * elements mixed in the state */
        vb st[P2_WIDTH];
        gl_t ref[K][P2_WIDTH];
        for (int i = 0; i < P2_WIDTH; i++) {
            gl_t x[K];
            st[i] = i % 5 == 4 ? vc_const(nc, gl_add(s, (gl_t)i)) : lane_b(&l, &r, x);
            for (int j = 0; j < K; j++) ref[j][i] = i % 5 == 4 ? gl_add(s, (gl_t)i) : x[j];
        }
        const int swap = round & 1;
        if (swap) vc_permute_swap(c, st, BIT);
        else vc_permute(c, st);
        for (int j = 0; j < K; j++) {
            vb ns[P2_WIDTH];
            for (int i = 0; i < P2_WIDTH; i++) ns[i] = (vb){ref[j][i]};
            if (swap) vc_permute_swap(nc, ns, (vb){bit[j]});
            else vc_permute(nc, ns);
            for (int i = 0; i < P2_WIDTH; i++) ref[j][i] = ns[i].v;
        }
        for (int i = 0; i < P2_WIDTH; i++) {
            for (int j = 0; j < K; j++) want[j] = ref[j][i];
            CU_ASSERT(lanes_equal_b(&l, st[i], want));
        }
        CU_ASSERT_FALSE(l.oom);
    }
    CU_ASSERT_EQUAL(n.failures, 0);
    vctx_lanes_free(&l);
}

/* An assertion records the lowest failing lane below n, nothing past n;
 * inputs past n repeat lane 0's. */
static void test_asserts(void)
{
    vctx_lanes l;
    vctx_lanes_init(&l);
    vctx *c = &l.ctx;
    for (unsigned n = 1; n <= K; n++) {
        vctx_lanes_begin(&l, n);
        gl_t x[K], y[K];
        for (int j = 0; j < K; j++) x[j] = y[j] = (gl_t)(100 + j);
        vb X = vctx_lanes_input(c, x, 1), Y = vctx_lanes_input(c, y, 1);
        vc_assert_eq(c, X, Y, "equal");
        CU_ASSERT_EQUAL(l.fail_lane, K);
        /* lanes past n read lane 0: differ there only, no failure */
        y[K - 1] = 7;
        Y = vctx_lanes_input(c, y, 1);
        vc_assert_eq(c, X, Y, "past n");
        CU_ASSERT_EQUAL(l.fail_lane, n == K ? K - 1 : K);
        /* two failing lanes below n: the lower one, whatever the order */
        vctx_lanes_begin(&l, n);
        if (n >= 3) {
            y[K - 1] = x[K - 1];
            y[2] = 0;
            Y = vctx_lanes_input(c, y, 1);
            vc_assert_eq(c, X, Y, "lane 2");
            y[1] = 0;
            Y = vctx_lanes_input(c, y, 1);
            vc_assert_eq(c, X, Y, "lanes 1, 2");
            CU_ASSERT_EQUAL(l.fail_lane, 1);
            y[1] = x[1];
            y[2] = x[2];
        }
        /* a common value against lanes: lane 0 if it differs from lane 0 */
        vctx_lanes_begin(&l, n);
        vc_assert_eq(c, vc_const(c, 100), X, "common");
        CU_ASSERT_EQUAL(l.fail_lane, n > 1 ? 1 : K);
    }
    vctx_lanes_free(&l);
}

int main(void)
{
    static const test_case cases[] = {{"every operation = the native backend, lane by lane", test_ops},
                                      {"assertions: the lowest failing lane below n", test_asserts},
                                      {NULL, NULL}};
    return test_run_suite("vctx_lanes", cases);
}
