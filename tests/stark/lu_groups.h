/* A machine whose LogUp interactions form groups of four at blowup 4
 * (stark_lu_degree), shared by test_stark_lu (prover, verifier, checker)
 * and test_rc_verifier (the verifier recorded as a recursion program).
 *
 * One table "t" of LU4_NCOLS main columns: four cancelling pairs of
 * interactions (send and receive of the same tuple, with a column or a
 * constant multiplicity; one pair of degree-2 tuples), so the keys group
 * them 4 / 2 / 2 under degree bound 5. The receive of the first pair
 * reads column LU4_R, equal to column 0 on an honest trace. One own
 * constraint of degree 3: column LU4_P is the product of columns 1, 2, 3.
 * Header-only (static functions): include it once per test. */
#ifndef CAIRN_TESTS_LU_GROUPS_H
#define CAIRN_TESTS_LU_GROUPS_H

#include <stdlib.h>

#include "common/util.h"
#include "stark/air.h"
#include "stark/gl.h"
#include "stark/stark.h"

enum { LU4_NCOLS = 9, LU4_R = 7, LU4_P = 8, LU4_LOG_N = 5 };

/* A machine of one table "t" with ncols main columns, c[i] column i. */
static air_machine *one_table(const char *name, unsigned ncols, air_table **t, air_expr *c)
{
    air_machine *m;
    if (air_machine_new(&m, name, 0) != CAIRN_OK) return NULL;
    *t = air_table_add(m, "t", 0, ncols);
    for (unsigned i = 0; i < ncols; i++) c[i] = air_col(m, *t, AIR_MAIN, i, 0);
    return m;
}

static air_machine *lu4_build(void)
{
    air_table *t;
    air_expr c[LU4_NCOLS];
    air_machine *m = one_table("lu4", LU4_NCOLS, &t, c);
    if (!m) return NULL;
    air_expr one = air_const(m, t, 1), prod = air_mul(m, t, c[3], c[4]);
    air_expr s0[1] = {c[0]}, r0[1] = {c[LU4_R]}, t12[2] = {c[1], c[2]}, tp[2] = {prod, c[1]};
    air_expr t5[1] = {c[5]};
    air_interact(m, t, 1, AIR_SEND, c[6], s0, 1);
    air_interact(m, t, 2, AIR_SEND, one, t12, 2);
    air_interact(m, t, 1, AIR_RECEIVE, c[6], r0, 1);
    air_interact(m, t, 2, AIR_RECEIVE, one, t12, 2);
    air_interact(m, t, 3, AIR_SEND, one, tp, 2);
    air_interact(m, t, 3, AIR_RECEIVE, one, tp, 2);
    air_interact(m, t, 4, AIR_SEND, c[6], t5, 1);
    air_interact(m, t, 4, AIR_RECEIVE, c[6], t5, 1);
    air_expr c123 = air_mul(m, t, air_mul(m, t, c[1], c[2]), c[3]);
    air_constrain(m, t, air_sub(m, t, c[LU4_P], c123), "t: p = c1 c2 c3");
    if (air_machine_finish(m, 5) != CAIRN_OK) {
        air_machine_free(m);
        return NULL;
    }
    return m;
}

/* The machine and its keys at preset test with blowup 4 (where the
 * groups of four form); 0 on failure (what is built is freed). */
static int lu4_keys(air_machine **m, stark_pk **pk, stark_vk **vk)
{
    stark_params prm;
    *pk = NULL;
    *vk = NULL;
    if (!(*m = lu4_build())) return 0;
    if (stark_params_preset(&prm, "test") != CAIRN_OK) return 0;
    prm.log_blowup = 2;
    if (stark_setup(pk, vk, *m, &prm) == CAIRN_OK) return 1;
    air_machine_free(*m);
    *m = NULL;
    return 0;
}

/* Seeds rng from the test's seed under `name` (testutil.h, included
 * before this header) and builds lu4_keys. */
static int lu4_start(rng_t *rng, const char *name, air_machine **m, stark_pk **pk, stark_vk **vk)
{
    rng_seed(rng, test_seed(name));
    return lu4_keys(m, pk, vk);
}

static void lu4_free(air_machine *m, stark_pk *pk, stark_vk *vk)
{
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

/* An honest trace of 2^log_n random rows (malloc'd; NULL when out of
 * memory). */
static gl_t *lu4_trace_rows(rng_t *rng, unsigned log_n)
{
    const size_t n = (size_t)1 << log_n;
    gl_t *main = malloc(n * LU4_NCOLS * sizeof *main);
    if (!main) return NULL;
    for (size_t i = 0; i < n * LU4_NCOLS; i++) main[i] = rng_u64(rng) % GL_P;
    for (size_t r = 0; r < n; r++) {
        gl_t *w = main + r * LU4_NCOLS;
        w[LU4_R] = w[0];
        w[LU4_P] = gl_mul(gl_mul(w[1], w[2]), w[3]);
    }
    return main;
}

/* The same of 2^LU4_LOG_N rows. */
static gl_t *lu4_trace(rng_t *rng) { return lu4_trace_rows(rng, LU4_LOG_N); }

/* Row 3's receive in the group of four reads a wrong value (multiplicity
 * 1): the bus no longer balances. */
static void lu4_unbalance(gl_t *main)
{
    main[3 * LU4_NCOLS + LU4_R] = gl_add(main[3 * LU4_NCOLS + LU4_R], 1);
    main[3 * LU4_NCOLS + 6] = 1;
}

#endif
