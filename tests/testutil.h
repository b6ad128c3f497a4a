/* Shared test helpers: a tiny runner around CUnit so each suite file only
 * lists its tests, and the path of the known-answer vectors. */
#ifndef CAIRN_TESTUTIL_H
#define CAIRN_TESTUTIL_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "common/util.h"

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

/* Runs one suite; returns the process exit status (0 if all passed).
 * Every test case runs; failures are listed by CUnit. */
int test_run_suite(const char *suite, const test_case *cases);

/* Directory of tests/vectors. */
#define TEST_VECTORS_DIR CAIRN_TEST_VECTORS

#endif
