/* Machine-building checks of air.c: the degree bound and the one-length-
 * per-bus rule each reject a bad machine with a message naming it. */
#include <string.h>

#include "stark/air.h"
#include "testutil.h"

static air_machine *two_tables(air_table **a, air_table **b)
{
    air_machine *m = NULL;
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "t", 0), CAIRN_OK);
    *a = air_table_add(m, "a", 0, 2);
    *b = air_table_add(m, "b", 0, 2);
    return m;
}

static void test_degree_bound(void)
{
    air_table *a, *b;
    air_machine *m = two_tables(&a, &b);
    air_expr x = air_col(m, a, AIR_MAIN, 0, 0);
    air_constrain(m, a, air_mul(m, a, air_mul(m, a, x, x), air_mul(m, a, x, x)), "x^4");
    air_constrain(m, b, air_col(m, b, AIR_MAIN, 0, 0), "zero");
    CU_ASSERT_EQUAL(air_machine_finish(m, 3), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "x^4"));
    air_machine_free(m);

    m = two_tables(&a, &b);
    x = air_col(m, a, AIR_MAIN, 0, 0);
    air_constrain(m, a, air_mul(m, a, air_mul(m, a, x, x), x), "x^3");
    air_constrain(m, b, air_col(m, b, AIR_MAIN, 0, 0), "zero");
    CU_ASSERT_EQUAL(air_machine_finish(m, 3), CAIRN_OK);
    air_machine_free(m);
}

static void test_bus_tuple_length(void)
{
    air_table *a, *b;
    air_machine *m = two_tables(&a, &b);
    air_expr one_a = air_const(m, a, 1), one_b = air_const(m, b, 1);
    air_expr ta[1] = {air_col(m, a, AIR_MAIN, 0, 0)};
    air_expr tb[2] = {air_col(m, b, AIR_MAIN, 0, 0), air_col(m, b, AIR_MAIN, 1, 0)};
    air_interact(m, a, 1, AIR_SEND, one_a, ta, 1);
    air_interact(m, b, 1, AIR_RECEIVE, one_b, tb, 2);
    CU_ASSERT_EQUAL(air_machine_finish(m, 3), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "bus 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "one length"));
    air_machine_free(m);

    /* the same lengths on one bus, and different lengths on different buses */
    m = two_tables(&a, &b);
    one_a = air_const(m, a, 1), one_b = air_const(m, b, 1);
    ta[0] = air_col(m, a, AIR_MAIN, 0, 0);
    tb[0] = air_col(m, b, AIR_MAIN, 0, 0), tb[1] = air_col(m, b, AIR_MAIN, 1, 0);
    air_interact(m, a, 1, AIR_SEND, one_a, ta, 1);
    air_interact(m, b, 1, AIR_RECEIVE, one_b, tb, 1);
    air_interact(m, b, 2, AIR_SEND, one_b, tb, 2);
    air_interact(m, a, 2, AIR_RECEIVE, one_a, (air_expr[2]){ta[0], ta[0]}, 2);
    CU_ASSERT_EQUAL(air_machine_finish(m, 3), CAIRN_OK);
    air_machine_free(m);
}

int main(void)
{
    static const test_case cases[] = {
        {"constraint degree above the bound is rejected by name", test_degree_bound},
        {"a bus with two tuple lengths is rejected", test_bus_tuple_length},
        {NULL, NULL}};
    return test_run_suite("air", cases);
}
