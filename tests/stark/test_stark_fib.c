/* STARK engine end to end on the Fibonacci machine: completeness at several
 * sizes and parameter sets, the verifier's gadgets against the native
 * primitives, and rejection of wrong statements and bad traces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "stark/fri.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "testutil.h"

static air_machine *fib;

static int prove_fib(const stark_params *p, unsigned log_n, uint64_t seed, stark_vk **vkp,
                     uint8_t **proof, size_t *len, gl_t pub[STARK_FIB_NPUB])
{
    stark_pk *pk;
    stark_vk *vk;
    if (stark_setup(&pk, &vk, fib, p) != CAIRN_OK) return -1;
    gl_t *main;
    CU_ASSERT_EQUAL_FATAL(stark_fib_trace(&main, pub, log_n, seed), CAIRN_OK);
    stark_trace tr = {main, log_n};
    cairn_err e = stark_prove(pk, &tr, pub, STARK_FIB_NPUB, proof, len);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    free(main);
    stark_pk_free(pk);
    *vkp = vk;
    return e == CAIRN_OK ? 0 : -1;
}

static void test_complete(void)
{
    uint64_t seed = test_seed("fib complete");
    const char *presets[] = {"test", "conjectured-100", "proven-100"};
    for (int pi = 0; pi < 3; pi++)
        for (unsigned log_n = 3; log_n <= 8; log_n++) {
            stark_params p;
            CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, presets[pi]), CAIRN_OK);
            if (pi >= 1 && log_n != 5) continue;
            p.pow_bits = pi == 1 ? 8 : p.pow_bits;
            /* the default preset runs once, unchanged */
            for (unsigned arity = 1; arity <= (pi == 2 ? 1u : 3u); arity++) {
                if (pi != 2) {
                    p.log_arity = arity;
                    p.log_final_len = log_n % 3;
                }
                stark_vk *vk = NULL;
                uint8_t *proof = NULL;
                size_t len = 0;
                gl_t pub[STARK_FIB_NPUB];
                int ok = prove_fib(&p, log_n, seed + log_n, &vk, &proof, &len, pub);
                CU_ASSERT_EQUAL(ok, 0);
                if (ok) {
                    fprintf(stderr, "prove failed: log_n %u arity %u final %u\n", log_n, arity, p.log_final_len);
                    stark_vk_free(vk);
                    continue;
                }
                cairn_err e = stark_verify(vk, pub, STARK_FIB_NPUB, proof, len, TEST_ANY_HEIGHTS);
                if (e != CAIRN_OK)
                    fprintf(stderr, "log_n %u arity %u: %s\n", log_n, arity, cairn_last_error());
                CU_ASSERT_EQUAL(e, CAIRN_OK);
                pub[2] = gl_add(pub[2], 1);
                CU_ASSERT_EQUAL(stark_verify(vk, pub, STARK_FIB_NPUB, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY);
                free(proof);
                stark_vk_free(vk);
            }
        }
}

static void test_gadgets(void)
{
    rng_t r;
    rng_seed(&r, test_seed("vctx gadgets"));
    vctx_native nat;
    vctx_native_init(&nat);
    vctx *c = &nat.ctx;
    for (size_t n = 0; n < 30; n++) {
        gl_t in[30];
        vb vin[30];
        for (size_t i = 0; i < n; i++) {
            in[i] = gl_from_u64(rng_u64(&r));
            vin[i] = vc_input(c, in[i]);
        }
        p2_digest d;
        vb vd[4];
        p2_hash(&d, in, n);
        vhash(c, vd, vin, n);
        for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(vd[i].v, d.v[i]);
    }
    /* mixed-height Merkle tree against mt_verify */
    gl_t *m1 = malloc(64 * 5 * sizeof *m1), *m2 = malloc(16 * 3 * sizeof *m2), *m3 = malloc(64 * 2 * sizeof *m3);
    for (int i = 0; i < 64 * 5; i++) m1[i] = gl_from_u64(rng_u64(&r));
    for (int i = 0; i < 16 * 3; i++) m2[i] = gl_from_u64(rng_u64(&r));
    for (int i = 0; i < 64 * 2; i++) m3[i] = gl_from_u64(rng_u64(&r));
    mt_matrix mats[3] = {{m1, 64, 5}, {m2, 16, 3}, {m3, 64, 2}};
    mt_dims dims[3] = {{64, 5}, {16, 3}, {64, 2}};
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, mats, 3), CAIRN_OK);
    p2_digest root = mt_root(t);
    vb vroot[4];
    for (int i = 0; i < 4; i++) vroot[i] = vc_input(c, root.v[i]);
    for (size_t idx = 0; idx < 64; idx += 7) {
        mt_opening o;
        CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, idx), CAIRN_OK);
        vb rows[3][5], path[6 * 4], bits[6];
        const vb *rp[3] = {rows[0], rows[1], rows[2]};
        for (int k = 0; k < 3; k++)
            for (size_t j = 0; j < dims[k].width; j++) rows[k][j] = vc_input(c, o.rows[k][j]);
        for (int l = 0; l < 6; l++)
            for (int i = 0; i < 4; i++) path[4 * l + i] = vc_input(c, o.path[l].v[i]);
        vc_bits(c, bits, vc_input(c, idx), 6);
        vmt_verify(c, vroot, dims, 3, bits, rp, path, "test", 0);
        CU_ASSERT_EQUAL(nat.failures, 0);
        rows[1][2].v = gl_add(rows[1][2].v, 1);
        vmt_verify(c, vroot, dims, 3, bits, rp, path, "test", 0);
        CU_ASSERT(nat.failures > 0);
        nat.failures = 0;
        mt_opening_free(&o);
    }
    mt_free(t);
    free(m1);
    free(m2);
    free(m3);
}

static void test_bad_trace(void)
{
    stark_params p;
    stark_params_preset(&p, "test");
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, fib, &p), CAIRN_OK);
    gl_t *main, pub[STARK_FIB_NPUB];
    unsigned log_n = 6;
    CU_ASSERT_EQUAL_FATAL(stark_fib_trace(&main, pub, log_n, 7), CAIRN_OK);
    main[3 * 17 + 1] = gl_add(main[3 * 17 + 1], 1); /* breaks "add" at row 16 */
    /* fix up the rest so only one row is wrong */
    for (size_t i = 18; i < 64; i++) {
        main[3 * i] = main[3 * i - 2];
        main[3 * i + 1] = gl_add(main[3 * i - 3], main[3 * i - 2]);
    }
    pub[2] = main[3 * 63 + 1];
    stark_trace tr = {main, log_n};
    cairn_err e = stark_check_trace(fib, &tr, pub, STARK_FIB_NPUB);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "row 16"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "add"));
    uint8_t *proof;
    size_t len;
    e = stark_prove(pk, &tr, pub, STARK_FIB_NPUB, &proof, &len);
    /* the quotient is not low-degree: the prover either fails at the
     * final polynomial or produces a proof the verifier rejects */
    if (e == CAIRN_OK) {
        CU_ASSERT_EQUAL(stark_verify(vk, pub, STARK_FIB_NPUB, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY);
        free(proof);
    } else {
        CU_ASSERT_EQUAL(e, CAIRN_ERR_INTERNAL);
    }
    /* with params.check_trace the prover refuses the same trace up front */
    stark_pk *pkc;
    stark_vk *vkc;
    p.check_trace = 1;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pkc, &vkc, fib, &p), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_prove(pkc, &tr, pub, STARK_FIB_NPUB, &proof, &len), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "row 16"));
    /* and the checker flag is not part of the verifying key */
    p2_digest d0 = stark_vk_digest(vk), d1 = stark_vk_digest(vkc);
    CU_ASSERT_EQUAL(memcmp(&d0, &d1, sizeof d0), 0);
    stark_pk_free(pkc);
    stark_vk_free(vkc);
    free(main);
    stark_pk_free(pk);
    stark_vk_free(vk);
}

int main(void)
{
    if (stark_machine_fib(&fib) != CAIRN_OK) return 1;
    static const test_case cases[] = {{"gadgets", test_gadgets},
                                      {"complete", test_complete},
                                      {"bad trace", test_bad_trace},
                                      {NULL, NULL}};
    int rc = test_run_suite("stark_fib", cases);
    air_machine_free(fib);
    return rc;
}
