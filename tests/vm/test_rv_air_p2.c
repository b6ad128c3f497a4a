/* The p2 table of the RV32IM AIR (vm/rv32im/rv_air_p2.c) and the
 * permutation gadget under it (stark/p2_air.c): a user table hashes a
 * 20-element message per row with the sponge helpers (two full blocks and
 * a padded one) and compresses the digest with a second digest; the
 * digests equal p2_hash / p2_compress, honest traces pass the checker and
 * prove/verify, and each wrong trace (a wrong permutation output, a wrong
 * claimed output, a wrong multiplicity, a sponge step that drops the
 * capacity or the length) is rejected by the checker and the verifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_p2.h"

#define MSG_LEN 20
#define STEPS 3 /* rv_p2_hash_steps(20): blocks of 8, 8 and 4 + padding */
#define CAP RV_P2_CAP
/* user row: msg[20], per step cap[4] and out[12], then the compression's
 * right digest[4] and out[12] */
#define U_MSG 0
#define U_CAP(s) (MSG_LEN + (s) * (CAP + P2_WIDTH))
#define U_OUT(s) (U_CAP(s) + CAP)
#define U_RIGHT U_CAP(STEPS)
#define U_COUT (U_RIGHT + P2_DIGEST)
#define U_NCOLS (U_COUT + P2_WIDTH)
#define U_LOG 2
#define P2_LOG 5

static rvt_keys fx;

static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "p2 callers", 0));
    air_table *u = air_table_add(m, "user", 0, U_NCOLS);
    rv_p2_table_add(m);
    air_expr c[U_NCOLS];
    for (unsigned i = 0; i < U_NCOLS; i++) c[i] = air_col(m, u, AIR_MAIN, i, 0);
    air_expr one = air_const(m, u, 1), zero = air_const(m, u, 0);
    /* (b) the sponge over msg, every row */
    rv_p2_sponge_start(m, u, one, c + U_CAP(0), air_const(m, u, MSG_LEN));
    for (unsigned s = 0; s < STEPS; s++) {
        if (s > 0) rv_p2_sponge_chain(m, u, one, c + U_CAP(s), c + U_OUT(s - 1));
        unsigned take = MSG_LEN - 8 * s < 8 ? MSG_LEN - 8 * s : 8;
        rv_p2_absorb(m, u, one, c + U_MSG + 8 * s, take, c + U_CAP(s), c + U_OUT(s));
    }
    /* (a) compress (digest, right) */
    air_expr in[P2_WIDTH];
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        in[i] = c[U_OUT(STEPS - 1) + i];
        in[P2_DIGEST + i] = c[U_RIGHT + i];
        in[2 * P2_DIGEST + i] = zero;
    }
    rv_p2_send(m, u, one, in, c + U_COUT);
    return rvt_finish(out, m);
}

typedef struct {
    gl_t *user, *p2;
} traces;

/* How make() breaks the statement while keeping every row consistent
 * with the calls it records. */
enum { HONEST, DROP_CAPACITY, DROP_LENGTH };

/* Rows 0..2 are random; row 3 repeats row 2, so its four permutations are
 * answered by row 2's p2 rows with multiplicity 2. The forgery applies to
 * row 1. */
static void make(traces *t, uint64_t seed, int forge)
{
    t->user = calloc((size_t)U_NCOLS << U_LOG, sizeof(gl_t));
    t->p2 = calloc((size_t)RV_P2_NCOLS << P2_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(t->user && t->p2);
    rv_p2_calls calls = {0};
    rng_t r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < (1u << U_LOG); i++) {
        gl_t *row = t->user + i * U_NCOLS;
        if (i == 3) {
            memcpy(row, row - U_NCOLS, U_NCOLS * sizeof *row);
            for (size_t k = calls.n - 1 - STEPS; k < calls.n; k++) calls.v[k].mult++;
            continue;
        }
        for (unsigned j = 0; j < MSG_LEN; j++) row[U_MSG + j] = gl_from_u64(rng_u64(&r));
        if (i == 0) row[U_MSG] = GL_P - 1; /* an edge value */
        for (unsigned j = 0; j < P2_DIGEST; j++) row[U_RIGHT + j] = gl_from_u64(rng_u64(&r));
        gl_t st[P2_WIDTH];
        rv_p2_sponge_init(st, MSG_LEN);
        if (forge == DROP_LENGTH && i == 1) st[P2_RATE] = 0;
        for (unsigned s = 0; s < STEPS; s++) {
            if (forge == DROP_CAPACITY && i == 1 && s == 1) memset(st + P2_RATE, 0, CAP * sizeof *st);
            memcpy(row + U_CAP(s), st + P2_RATE, CAP * sizeof *st);
            unsigned take = MSG_LEN - 8 * s < 8 ? MSG_LEN - 8 * s : 8;
            CU_ASSERT_EQUAL_FATAL(rv_p2_absorb_fill(&calls, st, row + U_MSG + 8 * s, take), CAIRN_OK);
            memcpy(row + U_OUT(s), st, sizeof st);
        }
        gl_t in[P2_WIDTH] = {0};
        memcpy(in, row + U_OUT(STEPS - 1), P2_DIGEST * sizeof *in);
        memcpy(in + P2_DIGEST, row + U_RIGHT, P2_DIGEST * sizeof *in);
        CU_ASSERT_EQUAL_FATAL(rv_p2_record(&calls, row + U_COUT, in), CAIRN_OK);
        if (forge != HONEST) continue;
        /* the digests are the host's */
        p2_digest d, l, rt, cd;
        p2_hash(&d, row + U_MSG, MSG_LEN);
        CU_ASSERT_EQUAL(memcmp(d.v, row + U_OUT(STEPS - 1), sizeof d.v), 0);
        memcpy(l.v, row + U_OUT(STEPS - 1), sizeof l.v);
        memcpy(rt.v, row + U_RIGHT, sizeof rt.v);
        p2_compress(&cd, &l, &rt);
        CU_ASSERT_EQUAL(memcmp(cd.v, row + U_COUT, sizeof cd.v), 0);
    }
    CU_ASSERT_EQUAL(calls.n, 3 * (STEPS + 1));
    CU_ASSERT_EQUAL_FATAL(rv_p2_table_fill(t->p2, P2_LOG, calls.v, calls.n), CAIRN_OK);
    rv_p2_calls_free(&calls);
}

static void drop(traces *t)
{
    free(t->user);
    free(t->p2);
}

/* Checker and verifier on the same trace: both accept, or both reject,
 * the checker's message containing `msg` and the verifier's `vmsg`. */
static void expect(traces *t, int ok, const char *msg, const char *vmsg, const char *what)
{
    stark_trace tr[2] = {{t->user, U_LOG}, {t->p2, P2_LOG}};
    rvt_expect(&fx, tr, NULL, 0, ok, 1, msg, vmsg, what);
}

/* The sponge steps on values give p2_hash for every length around the
 * block boundaries (0, 1, 7, 8, 9, 16, 17, ...). */
static void test_sponge_values(void)
{
    gl_t msg[3 * P2_RATE + 1];
    rng_t r;
    rng_seed(&r, test_seed("rv air p2 sponge"));
    for (size_t j = 0; j < sizeof msg / sizeof msg[0]; j++) msg[j] = gl_from_u64(rng_u64(&r));
    for (size_t len = 0; len <= 3 * P2_RATE + 1; len++) {
        rv_p2_calls calls = {0};
        gl_t st[P2_WIDTH];
        rv_p2_sponge_init(st, len);
        size_t steps = rv_p2_hash_steps(len);
        for (size_t s = 0; s < steps; s++) {
            size_t left = len - 8 * s;
            CU_ASSERT_EQUAL_FATAL(rv_p2_absorb_fill(&calls, st, msg + 8 * s, left < 8 ? (unsigned)left : 8),
                                  CAIRN_OK);
        }
        p2_digest d;
        p2_hash(&d, msg, len);
        CU_ASSERT_EQUAL(memcmp(d.v, st, sizeof d.v), 0);
        CU_ASSERT_EQUAL(calls.n, steps);
        rv_p2_calls_free(&calls);
    }
}

static void test_fill_limit(void)
{
    rv_p2_call calls[5] = {{{0}, 1}};
    gl_t *main = calloc((size_t)RV_P2_NCOLS << 2, sizeof(gl_t));
    CU_ASSERT_FATAL(main != NULL);
    CU_ASSERT_EQUAL(rv_p2_table_fill(main, 2, calls, 5), CAIRN_ERR_LIMIT);
    CU_ASSERT_EQUAL(rv_p2_table_fill(main, 2, calls, 4), CAIRN_OK);
    free(main);
}

static void test_honest(void)
{
    traces t;
    make(&t, test_seed("rv air p2 honest"), HONEST);
    expect(&t, 1, NULL, NULL, "honest");
    drop(&t);
}

static void test_wrong(void)
{
    uint64_t seed = test_seed("rv air p2 wrong");
    const p2_air g = {RV_P2_COL_GADGET, 0};
    traces t;

    /* a p2 row's output: the last full round's S-box output of lane 0,
     * from which every output element is a linear combination */
    make(&t, seed, HONEST);
    t.p2[1 * RV_P2_NCOLS + p2_air_full_col(&g, P2_AIR_FULL_ROUNDS - 1, 0) + P2_WIDTH] += 1;
    expect(&t, 0, "p2 full round 7 S-box", "table p2: constraint", "p2 output");
    drop(&t);

    /* a caller claims a wrong compression output */
    make(&t, seed + 1, HONEST);
    t.user[2 * U_NCOLS + U_COUT + 3] = gl_add(t.user[2 * U_NCOLS + U_COUT + 3], 1);
    expect(&t, 0, "balance", "balance", "claimed output");
    drop(&t);

    /* multiplicities off by one: the doubled row, and a padding row */
    make(&t, seed + 2, HONEST);
    t.p2[8 * RV_P2_NCOLS + RV_P2_COL_MULT] -= 1;
    expect(&t, 0, "balance", "balance", "multiplicity 2 -> 1");
    drop(&t);
    make(&t, seed + 3, HONEST);
    t.p2[20 * RV_P2_NCOLS + RV_P2_COL_MULT] += 1;
    expect(&t, 0, "balance", "balance", "padding multiplicity 0 -> 1");
    drop(&t);

    /* sponges that restart the state before the second block, or start
     * without the length: every permutation is right, the sponge is not */
    make(&t, seed + 4, DROP_CAPACITY);
    expect(&t, 0, "p2 sponge chain", "table user: constraint", "dropped capacity");
    drop(&t);
    make(&t, seed + 5, DROP_LENGTH);
    expect(&t, 0, "p2 sponge length", "table user: constraint", "dropped length");
    drop(&t);
}

int main(void)
{
    if (!rvt_setup(&fx, build(&fx.m) == CAIRN_OK)) return 1;
    static const test_case cases[] = {{"sponge steps equal p2_hash", test_sponge_values},
                                      {"fill refuses too many calls", test_fill_limit},
                                      {"honest callers", test_honest},
                                      {"wrong traces rejected", test_wrong},
                                      {NULL, NULL}};
    return rvt_run(&fx, "rv_air_p2", cases);
}
