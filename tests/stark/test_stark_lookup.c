/* LogUp end to end: the range-check machine (two tables of different
 * heights, a preprocessed column, a bus) proves and verifies; an
 * out-of-range value or a wrong multiplicity makes the verifier reject. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "common/err.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "testutil.h"

static air_machine *lk;
static stark_pk *pk;
static stark_vk *vk;

static cairn_err prove_verify(gl_t *vals, gl_t *range, unsigned log_n, int check)
{
    stark_trace tr[2] = {{vals, log_n}, {range, STARK_LOOKUP_RANGE_LOG}};
    gl_t pub[STARK_LOOKUP_NPUB] = {(gl_t)1 << log_n};
    if (check) {
        cairn_err e = stark_check_trace(lk, tr, pub, STARK_LOOKUP_NPUB);
        if (e != CAIRN_OK) return e;
    }
    uint8_t *proof;
    size_t len;
    cairn_err e = stark_prove(pk, tr, pub, STARK_LOOKUP_NPUB, &proof, &len);
    if (e != CAIRN_OK) {
        fprintf(stderr, "prove: %s\n", cairn_last_error());
        return e;
    }
    /* the public n pins the height of "values"; the key fixes "range" */
    unsigned h[AIR_MAX_TABLES] = {0};
    e = stark_verify(vk, pub, STARK_LOOKUP_NPUB, proof, len, h);
    if (e == CAIRN_OK && (h[0] != log_n || h[1] != STARK_LOOKUP_RANGE_LOG))
        e = cairn_fail(CAIRN_ERR_VERIFY, "heights %u %u returned", h[0], h[1]);
    free(proof);
    return e;
}

static void test_complete(void)
{
    uint64_t seed = test_seed("lookup complete");
    for (unsigned log_n = 3; log_n <= 10; log_n += 7) {
        gl_t *v, *r, lpub[STARK_LOOKUP_NPUB];
        CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&v, &r, lpub, log_n, seed + log_n), CAIRN_OK);
        cairn_err e = prove_verify(v, r, log_n, 1);
        if (e != CAIRN_OK) fprintf(stderr, "log_n %u: %s\n", log_n, cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        free(v);
        free(r);
    }
}

static void test_unbalanced(void)
{
    uint64_t seed = test_seed("lookup unbalanced");
    unsigned log_n = 4;
    gl_t *v, *r, lpub[STARK_LOOKUP_NPUB];
    /* a value outside the range table (and c kept consistent) */
    CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&v, &r, lpub, log_n, seed), CAIRN_OK);
    r[v[4 * 5]]--;
    v[4 * 5] = 70000;
    v[4 * 5 + 2] = 70000 + v[4 * 5 + 1];
    CU_ASSERT_EQUAL(prove_verify(v, r, log_n, 1), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    /* the checker names the bus and the tuple nobody receives */
    if (!strstr(cairn_last_error(), "bus 1; tuple (70000) net multiplicity 1"))
        fprintf(stderr, "checker said: %s\n", cairn_last_error());
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "bus 1; tuple (70000) net multiplicity 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "first in table values row 5"));
    cairn_err e = prove_verify(v, r, log_n, 0);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    free(v);
    free(r);
    /* a wrong multiplicity */
    CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&v, &r, lpub, log_n, seed + 1), CAIRN_OK);
    r[12345]++;
    CU_ASSERT_EQUAL(prove_verify(v, r, log_n, 0), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "balance"));
    free(v);
    free(r);
}

/* The LogUp columns and the quotient's LogUp constraints run block-wise
 * with the vector extension arithmetic (gl3_vec_*): every SIMD path the
 * host supports must give the same proof bytes as the scalar one, for a
 * table shorter than a block (log_n 3) and one of several blocks. */
static void test_paths_same_proof(void)
{
    static const unsigned paths[] = {CPU_AVX2, CPU_AVX512 | CPU_AVX2 | CPU_AVX512IFMA};
    uint64_t seed = test_seed("lookup paths");
    for (unsigned log_n = 3; log_n <= 10; log_n += 7) {
        gl_t *v, *r, lpub[STARK_LOOKUP_NPUB];
        CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&v, &r, lpub, log_n, seed + log_n), CAIRN_OK);
        stark_trace tr[2] = {{v, log_n}, {r, STARK_LOOKUP_RANGE_LOG}};
        gl_t pub[STARK_LOOKUP_NPUB] = {(gl_t)1 << log_n};
        uint8_t *want, *got;
        size_t wlen, glen;
        cpu_features_restrict(0);
        CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, pub, STARK_LOOKUP_NPUB, &want, &wlen), CAIRN_OK);
        for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
            if ((cpu_features_host() & paths[p]) != paths[p]) {
                printf("  (path %zu not supported by this host, skipped)\n", p);
                continue;
            }
            cpu_features_restrict(paths[p]);
            CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, pub, STARK_LOOKUP_NPUB, &got, &glen), CAIRN_OK);
            CU_ASSERT(glen == wlen && memcmp(got, want, wlen) == 0);
            free(got);
        }
        cpu_features_restrict(~0u);
        free(want);
        free(v);
        free(r);
    }
}

int main(void)
{
    stark_params p;
    if (stark_machine_lookup(&lk) != CAIRN_OK || stark_params_preset(&p, "test") != CAIRN_OK)
        return 1;
    if (stark_setup(&pk, &vk, lk, &p) != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        return 1;
    }
    static const test_case cases[] = {{"complete", test_complete},
                                      {"unbalanced bus", test_unbalanced},
                                      {"every SIMD path, same proof bytes", test_paths_same_proof},
                                      {NULL, NULL}};
    int rc = test_run_suite("stark_lookup", cases);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(lk);
    return rc;
}
