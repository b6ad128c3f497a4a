/* The RV32IM AIR's lookup tables (vm/rv32im/rv_air_tables.c): a user table
 * range-checks values and looks bytes up; honest traces pass the checker
 * and prove/verify, and every wrong value (out of range, a wrong AND / OR /
 * XOR, a wrong width, a wrong multiplicity) is rejected by the checker and
 * by the verifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_tables.h"

enum { U_X, U_BITS_X, U_A, U_B, U_AND, U_OR, U_XOR, U_NCOLS };
#define U_LOG 6
#define X_BITS 11

static rvt_keys fx;

/* user: x < 2^16, x < 2^X_BITS (the same x twice: two widths), and the
 * byte relation of (a, b). */
static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "tables", 0));
    air_table *u = air_table_add(m, "user", 0, U_NCOLS);
    rv_range_table_add(m);
    rv_bytes_table_add(m);
    air_expr one = air_const(m, u, 1);
    air_expr c[U_NCOLS];
    for (unsigned i = 0; i < U_NCOLS; i++) c[i] = air_col(m, u, AIR_MAIN, i, 0);
    rv_range_send(m, u, one, c[U_X], 16);
    rv_range_send(m, u, one, c[U_BITS_X], X_BITS);
    rv_bytes_send(m, u, one, c[U_A], c[U_B], c[U_AND], c[U_OR], c[U_XOR]);
    return rvt_finish(out, m);
}

typedef struct {
    gl_t *user, *range, *bytes;
} traces;

static void make(traces *t, uint64_t seed)
{
    rv_lookups lk = {0};
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&lk), CAIRN_OK);
    const size_t n = 1u << U_LOG;
    t->user = calloc(n * U_NCOLS, sizeof(gl_t));
    t->range = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    t->bytes = calloc((size_t)1 << RV_BYTES_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(t->user && t->range && t->bytes);
    rng_t r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        gl_t *row = t->user + i * U_NCOLS;
        /* edge values first, then random ones */
        uint32_t x = i == 0 ? 0 : i == 1 ? 0xffff : (uint32_t)(rng_u64(&r) & 0xffff);
        uint32_t y = i == 0 ? 0 : i == 1 ? (1u << X_BITS) - 1 : (uint32_t)(rng_u64(&r) % (1u << X_BITS));
        uint32_t a = i == 1 ? 255 : (uint32_t)(rng_u64(&r) & 0xff), b = (uint32_t)(rng_u64(&r) & 0xff);
        row[U_X] = x;
        row[U_BITS_X] = y;
        row[U_A] = a;
        row[U_B] = b;
        row[U_AND] = a & b;
        row[U_OR] = a | b;
        row[U_XOR] = a ^ b;
        rv_lk_range(&lk, x, 16);
        rv_lk_range(&lk, y, X_BITS);
        rv_lk_bytes(&lk, a, b);
    }
    rv_range_table_fill(t->range, &lk);
    rv_bytes_table_fill(t->bytes, &lk);
    rv_lookups_free(&lk);
}

static void drop(traces *t)
{
    free(t->user);
    free(t->range);
    free(t->bytes);
}

/* Checker and (when prove is set) verifier on the same trace: both accept
 * or both reject. Proofs of the 2^17-row range table cost seconds each, so
 * the verifier sees one case of each kind. */
static void expect(traces *t, int ok, int prove, const char *what)
{
    stark_trace tr[3] = {{t->user, U_LOG}, {t->range, RV_RANGE_LOG}, {t->bytes, RV_BYTES_LOG}};
    rvt_expect(&fx, tr, NULL, 0, ok, prove, "balance", NULL, what);
}

static void test_honest(void)
{
    traces t;
    make(&t, test_seed("rv air tables honest"));
    expect(&t, 1, 1, "honest");
    drop(&t);
}

static void test_wrong(void)
{
    uint64_t seed = test_seed("rv air tables wrong");
    static const struct {
        unsigned col;
        gl_t value;
        const char *what;
        int prove;
    } cases[] = {
        {U_X, 0x10000, "x = 2^16", 1},
        {U_X, GL_P - 1, "x = -1", 0},
        {U_BITS_X, 1u << X_BITS, "y = 2^11 at 11 bits", 0},
        {U_A, 256, "a = 256", 0},
        {U_AND, 0x100, "wrong AND", 0},
        {U_OR, 0, "wrong OR", 0},
        {U_XOR, 1, "wrong XOR", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        traces t;
        make(&t, seed + k);
        gl_t *row = t.user + 5 * U_NCOLS;
        if (cases[k].col == U_OR) row[U_OR] = row[U_OR] ^ 1; /* always wrong */
        else if (cases[k].col == U_XOR) row[U_XOR] = row[U_XOR] ^ 1;
        else if (cases[k].col == U_AND) row[U_AND] = row[U_AND] + 0x100;
        else row[cases[k].col] = cases[k].value;
        expect(&t, 0, cases[k].prove, cases[k].what);
        drop(&t);
    }
    /* a multiplicity off by one */
    traces t;
    make(&t, seed + 100);
    t.range[rv_range_index(3, 2)] += 1;
    expect(&t, 0, 1, "range multiplicity");
    drop(&t);
}

int main(void)
{
    if (!rvt_setup(&fx, build(&fx.m) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"honest lookups", test_honest},
                                      {"wrong values rejected", test_wrong},
                                      {NULL, NULL}};
    return rvt_run(&fx, "rv_air_tables", cases);
}
