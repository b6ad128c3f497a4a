/* The prover's LogUp witness (stark_lu_columns, prover.c: fingerprints
 * of a block at once with the vector field operations, batch inversion, a
 * parallel prefix sum, the cyclic running sum of logup_impl.h) against a
 * plain reference: every fraction from stark_fingerprint and gl3_inv, row
 * by row, on random main columns of a table whose interactions make groups
 * of two and of one (a degree-2 tuple), sends and receives, tuples of
 * several lengths, constant and column multiplicities. At blowup 4 the
 * groups grow to four (stark_lu_degree): a balanced machine whose groups
 * have four and two interactions proves, verifies, and is rejected when a
 * helper's opening, the running sum or one tuple value is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "testutil.h"
#include "stark/lu_groups.h"

#define NCOL 6

static air_machine *build(void)
{
    air_table *t;
    air_expr c[NCOL];
    air_machine *m = one_table("lu", NCOL, &t, c);
    if (!m) return NULL;
    air_expr one = air_const(m, t, 1), sum = air_add(m, t, c[0], c[1]);
    air_expr prod = air_mul(m, t, c[2], c[3]); /* degree 2: its interaction stands alone */
    air_expr t1[1] = {c[0]}, t2[2] = {c[1], c[2]}, t3[3] = {sum, c[3], c[4]};
    air_expr t4[AIR_MAX_TUPLE];
    for (unsigned i = 0; i < AIR_MAX_TUPLE; i++) t4[i] = c[i % NCOL];
    air_expr t5[2] = {prod, c[0]};
    air_interact(m, t, 1, AIR_SEND, one, t1, 1);
    air_interact(m, t, 2, AIR_RECEIVE, c[5], t2, 2);
    air_interact(m, t, 3, AIR_SEND, c[5], t3, 3);
    air_interact(m, t, 4, AIR_RECEIVE, one, t4, AIR_MAX_TUPLE);
    air_interact(m, t, 5, AIR_SEND, one, t5, 2);
    air_interact(m, t, 1, AIR_RECEIVE, c[4], t1, 1);
    if (air_machine_finish(m, 3) != CAIRN_OK) {
        air_machine_free(m);
        return NULL;
    }
    return m;
}

static gl_t node_val(const air_table *t, air_expr e, const gl_t *row)
{
    const air_node *n = &t->nodes[e];
    switch (n->op) {
    case AIR_CONST: return n->c;
    case AIR_COL: return row[n->a];
    case AIR_ADD: return gl_add(node_val(t, n->a, row), node_val(t, n->b, row));
    case AIR_MUL: return gl_mul(node_val(t, n->a, row), node_val(t, n->b, row));
    default: CU_FAIL("unexpected node"); return 0;
    }
}

/* sum of +-m / fp over interactions [k0, k0 + cnt) of row r */
static gl3_t fractions(const air_table *t, size_t k0, size_t cnt, const gl_t *row, gl3_t a, gl3_t b)
{
    gl3_t acc = gl3_zero();
    for (size_t k = k0; k < k0 + cnt; k++) {
        const air_interaction *it = &t->ints[k];
        gl_t tup[AIR_MAX_TUPLE];
        for (unsigned u = 0; u < it->len; u++) tup[u] = node_val(t, it->tuple[u], row);
        gl3_t f = gl3_mul_base(gl3_inv(stark_fingerprint(a, b, it->bus, tup, it->len)),
                               node_val(t, it->mult, row));
        acc = it->dir == AIR_SEND ? gl3_add(acc, f) : gl3_sub(acc, f);
    }
    return acc;
}

static void test_reference(void)
{
    uint64_t seed = test_seed("logup witness");
    rng_t rng;
    rng_seed(&rng, seed);
    air_machine *m = build();
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    stark_params p;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, "test"), CAIRN_OK);
    stark_pk *pk = NULL;
    stark_vk *vk = NULL;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &p), CAIRN_OK);
    const air_table *t = m->tables[0];
    const unsigned G = vk->ngroups[0];
    /* pairs where the degree allows, the degree-2 tuple alone */
    CU_ASSERT(G >= 2 && G < t->nints);
    CU_ASSERT_EQUAL(stark_vk_logup_columns(vk, 0), G);
    /* 2^8 rows: several evaluation blocks and their prefix sums; one row
     * with edge values */
    for (unsigned log_n = 2; log_n <= 8; log_n += 6) {
        const size_t n = (size_t)1 << log_n, W = 3 * (size_t)G;
        gl_t *main = malloc(n * NCOL * sizeof *main), *lu = malloc(n * W * sizeof *lu);
        CU_ASSERT_PTR_NOT_NULL_FATAL(main);
        CU_ASSERT_PTR_NOT_NULL_FATAL(lu);
        for (size_t i = 0; i < n * NCOL; i++) main[i] = rng_u64(&rng) % GL_P;
        static const gl_t edge[NCOL] = {0, 1, GL_P - 1, (gl_t)1 << 32, GL_P - 2, 2};
        memcpy(main + (n - 1) * NCOL, edge, sizeof edge);
        gl3_t a = {{rng_u64(&rng) % GL_P, rng_u64(&rng) % GL_P, rng_u64(&rng) % GL_P}};
        gl3_t b = {{rng_u64(&rng) % GL_P, rng_u64(&rng) % GL_P, rng_u64(&rng) % GL_P}};
        gl3_t sum;
        CU_ASSERT_EQUAL_FATAL(stark_lu_columns(lu, &sum, vk, 0, NULL, main, log_n, NULL, a, b), CAIRN_OK);
        gl3_t total = gl3_zero();
        for (size_t r = 0; r < n; r++) total = gl3_add(total, fractions(t, 0, t->nints, main + r * NCOL, a, b));
        CU_ASSERT(gl3_eq(sum, total));
        const gl3_t per_row = gl3_mul_base(total, gl_inv(gl_from_u64(n)));
        gl3_t s = gl3_zero(); /* sum_{i<r} (T_i - S/n) */
        size_t bad = 0;
        for (size_t r = 0; r < n; r++) {
            const gl_t *row = main + r * NCOL, *lr = lu + r * W;
            for (unsigned g = 0; g + 1 < G; g++) {
                gl3_t h = fractions(t, vk->group_first[0][g], vk->group_size[0][g], row, a, b);
                bad += !gl3_eq(h, (gl3_t){{lr[3 * g], lr[3 * g + 1], lr[3 * g + 2]}});
            }
            bad += !gl3_eq(s, (gl3_t){{lr[W - 3], lr[W - 2], lr[W - 1]}});
            s = gl3_add(s, gl3_sub(fractions(t, 0, t->nints, row, a, b), per_row));
        }
        /* cyclic: the last row's step returns to s_0 = 0 */
        CU_ASSERT(gl3_eq(s, gl3_zero()));
        if (bad) fprintf(stderr, "log_n %u: %zu LogUp values differ from the reference\n", log_n, bad);
        CU_ASSERT_EQUAL(bad, 0);
        free(main);
        free(lu);
    }
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

static int prove_big(const stark_pk *pk, const gl_t *main, unsigned log_n, const stark_tamper *tp,
                     uint8_t **proof, size_t *len)
{
    stark_trace tr = {main, log_n};
    return stark_prove_tampered(pk, &tr, NULL, 0, tp, proof, len) == CAIRN_OK;
}

static cairn_err verify_big(const stark_vk *vk, const uint8_t *proof, size_t len, unsigned log_n)
{
    unsigned lh[1] = {log_n};
    return stark_verify(vk, NULL, 0, proof, len, lh);
}

/* LDEs of at least STARK_TRIM_MIN_ELEMS elements whose quotient reads all
 * their blocks (groups of four at blowup 4) stay whole through the
 * quotient, and the LogUp one is trimmed after it
 * (stark_trimmed_after_quotient): its queried rows past the kept blocks
 * are then rebuilt from block 0, and a wrong row would fail the
 * verifier's Merkle checks. 2^19 rows of 9 columns: the main LDE has 9 x
 * 2^21 elements, the LogUp LDE (three groups) as many. */
static void test_groups_of_four_trimmed(void)
{
    enum { LOG_N = 19 };
    rng_t rng;
    air_machine *m;
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_FATAL(lu4_start(&rng, "logup groups of four trimmed", &m, &pk, &vk));
    stark_shape s;
    unsigned lh[1] = {LOG_N};
    CU_ASSERT_EQUAL_FATAL(stark_shape_init(&s, vk, lh), CAIRN_OK);
    const unsigned rows = LOG_N + s.log_b;
    CU_ASSERT_FATAL(((size_t)s.w[TREE_MAIN][0] << rows) >= STARK_TRIM_MIN_ELEMS);
    CU_ASSERT_FATAL(((size_t)s.w[TREE_LU][0] << rows) >= STARK_TRIM_MIN_ELEMS);
    /* both whole through the quotient; then the LogUp LDE is trimmed,
     * once, and the main LDE stays whole */
    CU_ASSERT_FALSE(stark_trimmed(&s, TREE_MAIN, 0, rows));
    CU_ASSERT_FALSE(stark_trimmed(&s, TREE_LU, 0, rows));
    CU_ASSERT_FALSE(stark_trimmed_after_quotient(&s, TREE_MAIN, 0, rows));
    CU_ASSERT_TRUE(stark_trimmed_after_quotient(&s, TREE_LU, 0, rows));
    CU_ASSERT_FALSE(stark_trimmed_after_quotient(&s, TREE_LU, 0, LOG_N + stark_keep_log(&s)));
    gl_t *main = lu4_trace_rows(&rng, LOG_N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(main);
    uint8_t *proof = NULL;
    size_t len = 0;
    CU_ASSERT_FATAL(prove_big(pk, main, LOG_N, NULL, &proof, &len));
    CU_ASSERT_EQUAL(verify_big(vk, proof, len, LOG_N), CAIRN_OK);
    free(proof);
    free(main);
    lu4_free(m, pk, vk);
}

static void test_groups_of_four(void)
{
    rng_t rng;
    air_machine *m;
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_FATAL(lu4_start(&rng, "logup groups of four", &m, &pk, &vk));
    /* degree 5 allowed: four degree-1 tuples (1 + 4), then the two
     * degree-2 tuples (1 + 4), then the last pair */
    CU_ASSERT_EQUAL(vk->max_lu_degree, 5);
    CU_ASSERT_EQUAL_FATAL(vk->ngroups[0], 3);
    CU_ASSERT_EQUAL(vk->group_size[0][0], 4);
    CU_ASSERT_EQUAL(vk->group_size[0][1], 2);
    CU_ASSERT_EQUAL(vk->group_size[0][2], 2);
    CU_ASSERT_EQUAL(vk->qlog[0], 2); /* four chunks: within the LDE */
    /* the degree-3 constraint on two blocks, the LogUp ones on four */
    CU_ASSERT_EQUAL(vk->qsplit[0], 2);
    CU_ASSERT_EQUAL(vk->qlo_log[0], 1);
    const unsigned log_n = LU4_LOG_N;
    gl_t *main = lu4_trace(&rng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(main);
    stark_trace tr = {main, log_n};
    CU_ASSERT_EQUAL(stark_check_trace(m, &tr, NULL, 0), CAIRN_OK);
    uint8_t *proof = NULL;
    size_t len = 0;
    CU_ASSERT_FATAL(prove_big(pk, main, log_n, NULL, &proof, &len));
    CU_ASSERT_EQUAL(verify_big(vk, proof, len, log_n), CAIRN_OK);
    /* the split is the prover's business: the whole evaluation on four
     * blocks gives the same proof */
    uint8_t *whole = NULL;
    size_t wlen = 0;
    pk->vk.qsplit[0] = 0;
    CU_ASSERT_FATAL(prove_big(pk, main, log_n, NULL, &whole, &wlen));
    pk->vk.qsplit[0] = 2;
    CU_ASSERT(wlen == len && memcmp(whole, proof, len) == 0);
    free(whole);
    free(proof);
    /* a helper of the group of four, opened at zeta with 1 added (the
     * transcript absorbs the changed value) */
    stark_shape s;
    unsigned lh[1] = {log_n};
    CU_ASSERT_EQUAL_FATAL(stark_shape_init(&s, vk, lh), CAIRN_OK);
    const stark_tamper bad[] = {
        {.kind = STARK_TAMPER_OPENING, .index = s.open_off[0][TREE_LU][0], .delta = {{1, 0, 0}}},
        {.kind = STARK_TAMPER_LU_RUNNING, .table = 0, .delta = {{1, 0, 0}}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_FATAL(prove_big(pk, main, log_n, &bad[i], &proof, &len));
        CU_ASSERT_EQUAL(verify_big(vk, proof, len, log_n), CAIRN_ERR_VERIFY);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "constraint at zeta mismatch"));
        free(proof);
    }
    /* one receive of the group of four reads a wrong value: the checker
     * and the verifier (bus balance) reject it */
    lu4_unbalance(main);
    CU_ASSERT_EQUAL(stark_check_trace(m, &tr, NULL, 0), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    CU_ASSERT_FATAL(prove_big(pk, main, log_n, NULL, &proof, &len));
    CU_ASSERT_EQUAL(verify_big(vk, proof, len, log_n), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    free(proof);
    free(main);
    lu4_free(m, pk, vk);
}

int main(void)
{
    static const test_case cases[] = {{"witness against the reference", test_reference},
                                      {"groups of four at blowup 4", test_groups_of_four},
                                      {"groups of four: a large LogUp LDE trimmed after the quotient",
                                       test_groups_of_four_trimmed},
                                      {NULL, NULL}};
    return test_run_suite("stark_lu", cases);
}
