/* Side tables of a segment (h5s_job_add_segment_tables, h5s_read_table):
 * round trip next to a trace and without one, empty tables, the writer's
 * argument checks, lookups of absent tables, and a reader that finds a
 * table whose column lengths disagree. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/h5s.h"
#include "testutil.h"

static const char *dir; /* test_tmpdir() */

#define ROWS 3000
#define IO_ROWS 77
static uint32_t a[ROWS], b[ROWS], io0[IO_ROWS], io1[IO_ROWS];

static h5s_job *new_job(const char *path)
{
    static uint8_t id[32] = {1, 2, 3};
    h5s_program p = {id, 32, 0x10000, NULL, 0};
    h5s_job *j = NULL;
    CU_ASSERT_EQUAL(h5s_job_create(&j, path, &p), CAIRN_OK);
    return j;
}

static void fill(void)
{
    static int done;
    if (done++) return;
    rng_t r;
    rng_seed(&r, test_seed("h5s_tables"));
    for (int i = 0; i < ROWS; i++) {
        a[i] = (uint32_t)i;
        b[i] = (uint32_t)rng_u64(&r);
    }
    for (int i = 0; i < IO_ROWS; i++) {
        io0[i] = (uint32_t)(i / 3);
        io1[i] = (uint32_t)rng_u64(&r);
    }
}

static int cols_equal(const h5s_trace *t, const h5s_columns *c)
{
    if (t->nrows != c->nrows || t->ncols != c->ncols) return 0;
    for (size_t k = 0; k < c->ncols; k++) {
        if (strcmp(t->names[k], c->names[k])) return 0;
        if (c->nrows && memcmp(t->cols[k], c->cols[k], c->nrows * sizeof(uint32_t))) return 0;
    }
    return 1;
}

static void test_round_trip(void)
{
    fill();
    const char *path = test_path("tables.h5");
    h5s_job *j = new_job(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    const char *tn[2] = {"cycle", "pc"};
    const uint32_t *tc[2] = {a, b};
    h5s_columns trace = {ROWS, 2, tn, tc};
    const char *in[2] = {"cycle", "val"};
    const uint32_t *ic[2] = {io0, io1};
    /* tables are listed in name order: "io" first, whatever the order given */
    h5s_table tables[2] = {{"mem", {IO_ROWS, 2, in, ic}}, {"io", {0, 2, in, ic}}};
    h5s_segment_info s0 = {.index = 0, .cycles = ROWS};
    h5s_segment_info s1 = {.index = 1, .cycles = 5, .halted = 1};
    uint8_t snap[100] = {7};
    CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, &trace, tables, 2), CAIRN_OK);
    /* a side table without a main trace */
    CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s1, snap, sizeof snap, NULL, tables, 1), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);

    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    h5s_segment_meta m;
    CU_ASSERT_EQUAL(h5s_segment(r, 0, &m), CAIRN_OK);
    CU_ASSERT_EQUAL(m.ntables, 2);
    CU_ASSERT_EQUAL(m.tables.raw, IO_ROWS * 2 * sizeof(uint32_t));
    CU_ASSERT(m.has_trace);
    CU_ASSERT_EQUAL(m.trace_rows, ROWS);
    char name[H5S_MAX_NAME + 1];
    CU_ASSERT_EQUAL(h5s_table_name(r, 0, 0, name), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(name, "io");
    CU_ASSERT_EQUAL(h5s_table_name(r, 0, 1, name), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(name, "mem");
    CU_ASSERT_EQUAL(h5s_table_name(r, 0, 2, name), CAIRN_ERR_USAGE);
    h5s_trace *t;
    CU_ASSERT_EQUAL_FATAL(h5s_read_table(r, 0, "mem", 1, &t), CAIRN_OK);
    CU_ASSERT(cols_equal(t, &tables[0].cols));
    h5s_trace_free(t);
    CU_ASSERT_EQUAL_FATAL(h5s_read_table(r, 0, "io", 1, &t), CAIRN_OK);
    CU_ASSERT_EQUAL(t->nrows, 0);
    CU_ASSERT_EQUAL(t->ncols, 2);
    h5s_trace_free(t);
    CU_ASSERT_EQUAL_FATAL(h5s_read_trace(r, 0, 1, &t), CAIRN_OK);
    CU_ASSERT(cols_equal(t, &trace));
    h5s_trace_free(t);
    /* segment 1: the table, no trace */
    CU_ASSERT_EQUAL(h5s_segment(r, 1, &m), CAIRN_OK);
    CU_ASSERT_EQUAL(m.ntables, 1);
    CU_ASSERT(!m.has_trace);
    CU_ASSERT_EQUAL(h5s_read_table(r, 1, "mem", 0, &t), CAIRN_OK);
    CU_ASSERT_PTR_NULL(t->cols);
    CU_ASSERT_EQUAL(t->nrows, IO_ROWS);
    h5s_trace_free(t);
    CU_ASSERT_EQUAL(h5s_read_table(r, 1, "io", 1, &t), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "no side table io"));
    CU_ASSERT_EQUAL(h5s_read_table(r, 1, "bad/name", 1, &t), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_read_table(r, 2, "io", 1, &t), CAIRN_ERR_USAGE);
    h5s_close(r);
    unlink(path);
}

static void test_writer_checks(void)
{
    const char *path = test_path("bad.h5");
    const char *in[2] = {"cycle", "val"};
    const char *dup[2] = {"x", "x"};
    const uint32_t *ic[2] = {io0, io1};
    h5s_segment_info s0 = {.index = 0, .cycles = 1};
    uint8_t snap[4] = {0};
    struct {
        h5s_table t[2];
        size_t n;
        const char *msg;
    } bad[] = {
        {{{"a b", {1, 2, in, ic}}}, 1, "side table 0 name"},
        {{{"io", {1, 2, in, ic}}, {"io", {1, 2, in, ic}}}, 2, "appears twice"},
        {{{"io", {1, 2, dup, ic}}}, 1, "side table io: trace: column name x appears twice"},
        {{{NULL, {1, 2, in, ic}}}, 1, "(null)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        h5s_job *j = new_job(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, NULL, bad[i].t, bad[i].n),
                        CAIRN_ERR_USAGE);
        if (!strstr(cairn_last_error(), bad[i].msg)) fprintf(stderr, "\n  message: %s\n", cairn_last_error());
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), bad[i].msg));
        /* a refused segment is not added: the next one is still segment 0 */
        CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, NULL, NULL, 0), CAIRN_OK);
        CU_ASSERT_EQUAL(h5s_job_close(j), CAIRN_OK);
    }
    h5s_job *j = new_job(path);
    CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, NULL, NULL, 1), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, NULL, NULL, H5S_MAX_TABLES + 1),
                    CAIRN_ERR_USAGE);
    h5s_job_abort(j);
    unlink(path);
}

/* A table whose columns have different lengths (written with HDF5 directly
 * into a valid job file) is refused by h5s_segment with its path. */
static void test_reader_checks(void)
{
    fill();
    const char *path = test_path("ragged.h5");
    h5s_job *j = new_job(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    const char *in[2] = {"cycle", "val"};
    const uint32_t *ic[2] = {io0, io1};
    h5s_table t = {"io", {IO_ROWS, 2, in, ic}};
    h5s_segment_info s0 = {.index = 0, .cycles = 1, .halted = 1};
    uint8_t snap[4] = {0};
    CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &s0, snap, sizeof snap, NULL, &t, 1), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
    /* replace column "val" by a shorter one */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    CU_ASSERT(H5Ldelete(f, "segments/000/000000/tables/io/val", H5P_DEFAULT) >= 0);
    hsize_t n = 5;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "segments/000/000000/tables/io/val", H5T_STD_U32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    CU_ASSERT(d >= 0);
    CU_ASSERT(H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, io1) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    h5s_segment_meta m;
    CU_ASSERT_EQUAL(h5s_segment(r, 0, &m), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "/segments/000/000000/tables/io"));
    h5s_trace *tr;
    CU_ASSERT_NOT_EQUAL(h5s_read_table(r, 0, "io", 1, &tr), CAIRN_OK);
    CU_ASSERT_PTR_NULL(tr);
    h5s_close(r);
    unlink(path);
}

int main(void)
{
    dir = test_tmpdir("h5s_tables_XXXXXX");
    if (!dir) {
        return 2;
    }
    static const test_case cases[] = {
        {"side tables round trip", test_round_trip},
        {"writer refuses bad tables", test_writer_checks},
        {"reader refuses a ragged table", test_reader_checks},
        {NULL, NULL},
    };
    int rc = test_run_suite("h5s_tables", cases);
    rmdir(dir);
    return rc;
}
