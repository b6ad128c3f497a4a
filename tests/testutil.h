/* Shared test helpers: a tiny runner around CUnit so each suite file only
 * lists its tests, and the path of the known-answer vectors. */
#ifndef CAIRN_TESTUTIL_H
#define CAIRN_TESTUTIL_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

/* Runs one suite; returns the process exit status (0 if all passed).
 * Every test case runs; failures are listed by CUnit. */
int test_run_suite(const char *suite, const test_case *cases);

/* Reads a whole file into a malloc'd buffer with a NUL after its *len bytes
 * (so text can be used as a string); NULL if it cannot be read. */
uint8_t *test_read_file(const char *path, size_t *len);

/* Creates a fresh directory in the working directory from `prefix`
 * ("name_XXXXXX" style, mkdtemp) and remembers it for test_path; returns
 * its name, or NULL (with a message) on failure. */
const char *test_tmpdir(const char *prefix);

/* "<tmpdir>/<name>" in one of 8 rotating static buffers. */
const char *test_path(const char *name);

/* The key cache's files (stark/keycache.c), for its tests:
 * test_cache_file: the last file of folder dir whose name ends in suffix
 * (".key", ".fold"), in a static buffer; "" if none.
 * test_cache_edit: XORs len bytes of the file from off with x (off < 0:
 * from the end; x = 0: sets them to 0xff instead); fix: the checksum (its
 * last 8 bytes, FNV-1a 64 of the bytes before) recomputed, as a
 * consistent forger would. 0 on success. */
const char *test_cache_file(const char *dir, const char *suffix);
int test_cache_edit(const char *path, long off, size_t len, uint8_t x, int fix);

/* A fresh all-zero heights array for stark_verify (accept the heights the
 * proof states; see stark.h), for tests whose point is elsewhere. Needs
 * stark/air.h for AIR_MAX_TABLES where it is used. */
#define TEST_ANY_HEIGHTS ((unsigned[AIR_MAX_TABLES]){0})

/* Directory of tests/vectors. */
#define TEST_VECTORS_DIR CAIRN_TEST_VECTORS

#endif
