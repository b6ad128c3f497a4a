#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

uint8_t *test_read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *b = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

static char tmpdir[256];

const char *test_tmpdir(const char *prefix)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", prefix);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return NULL;
    }
    return tmpdir;
}

const char *test_path(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

const char *test_cache_file(const char *dir, const char *suffix)
{
    static char path[4200];
    path[0] = 0;
    DIR *d = opendir(dir);
    if (!d) return path;
    struct dirent *e;
    const size_t k = strlen(suffix);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > k && !strcmp(e->d_name + n - k, suffix)) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return path;
}

int test_cache_edit(const char *path, long off, size_t len, uint8_t x, int fix)
{
    uint8_t e[1024];
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    size_t n = fread(e, 1, sizeof e, f);
    size_t at = off < 0 ? n - (size_t)-off : (size_t)off;
    if (n <= 8 || (off < 0 && (size_t)-off > n) || at + len > n) {
        fclose(f);
        return -1;
    }
    for (size_t i = 0; i < len; i++) e[at + i] = x ? e[at + i] ^ x : 0xff;
    if (fix) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < n - 8; i++) h = (h ^ e[i]) * 0x100000001b3ull;
        for (int i = 0; i < 8; i++) e[n - 8 + i] = (uint8_t)(h >> (8 * i));
    }
    rewind(f);
    int ok = fwrite(e, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}
