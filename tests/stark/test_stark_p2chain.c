/* Poseidon2 chain machine: the row layout computes p2_permute (checked by
 * the trace generator), valid chains prove and verify, a wrong output or
 * count is rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "testutil.h"

static void test_chain(void)
{
    uint64_t seed = test_seed("p2chain");
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(stark_machine_p2chain(&m), CAIRN_OK);
    stark_params p;
    stark_params_preset(&p, "test");
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &p), CAIRN_OK);
    for (unsigned log_n = 2; log_n <= 6; log_n += 2) {
        gl_t *main, pub[STARK_P2CHAIN_NPUB];
        CU_ASSERT_EQUAL_FATAL(stark_p2chain_trace(&main, pub, log_n, seed + log_n), CAIRN_OK);
        stark_trace tr = {main, log_n};
        CU_ASSERT_EQUAL(stark_check_trace(m, &tr, pub, STARK_P2CHAIN_NPUB), CAIRN_OK);
        uint8_t *proof;
        size_t len;
        cairn_err e = stark_prove(pk, &tr, pub, STARK_P2CHAIN_NPUB, &proof, &len);
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
        e = stark_verify(vk, pub, STARK_P2CHAIN_NPUB, proof, len, TEST_ANY_HEIGHTS);
        if (e != CAIRN_OK) fprintf(stderr, "log_n %u: %s\n", log_n, cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        pub[0] = gl_add(pub[0], 1);
        CU_ASSERT_EQUAL(stark_verify(vk, pub, STARK_P2CHAIN_NPUB, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY);
        pub[0] = gl_sub(pub[0], 1);
        pub[4] = gl_add(pub[4], 1);
        CU_ASSERT_EQUAL(stark_verify(vk, pub, STARK_P2CHAIN_NPUB, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY);
        pub[4] = gl_sub(pub[4], 1);
        /* one S-box column wrong: the checker names it */
        main[1 * stark_p2chain_width() + 40] ^= 1;
        CU_ASSERT_EQUAL(stark_check_trace(m, &tr, pub, STARK_P2CHAIN_NPUB), CAIRN_ERR_VERIFY);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "S-box"));
        free(proof);
        free(main);
    }
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

int main(void)
{
    static const test_case cases[] = {{"chain", test_chain}, {NULL, NULL}};
    return test_run_suite("stark_p2chain", cases);
}
