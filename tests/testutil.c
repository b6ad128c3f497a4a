#include "testutil.h"

#include <stdio.h>

int test_run_suite(const char *suite, const test_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    if (!s) return 2;
    for (const test_case *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn)) return 2;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (ran == 0) {
        fprintf(stderr, "%s: no test ran\n", suite);
        return 1;
    }
    return failed ? 1 : 0;
}
