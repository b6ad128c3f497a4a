/* Fibonacci machine (machines.h): the smallest end-to-end example. */
#include <stdlib.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "machines.h"

cairn_err stark_machine_fib(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "fib", STARK_FIB_NPUB));
    air_table *t = air_table_add(m, "fib", 0, 3);
    air_expr a = air_col(m, t, AIR_MAIN, 0, 0), b = air_col(m, t, AIR_MAIN, 1, 0);
    air_expr an = air_col(m, t, AIR_MAIN, 0, 1), bn = air_col(m, t, AIR_MAIN, 1, 1);
    air_expr first = air_sel(m, t, AIR_SEL_FIRST), last = air_sel(m, t, AIR_SEL_LAST);
    air_expr trans = air_sel(m, t, AIR_SEL_TRANS);
    /* the sequence starts at the public (a0, a1) */
    air_constrain(m, t, air_mul(m, t, first, air_sub(m, t, a, air_pub(m, t, 0))), "a0");
    air_constrain(m, t, air_mul(m, t, first, air_sub(m, t, b, air_pub(m, t, 1))), "a1");
    /* each row advances the sequence by one step */
    air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, an, b)), "shift");
    air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, bn, air_add(m, t, a, b))), "add");
    /* the claimed result is the last b */
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, b, air_pub(m, t, 2))), "result");
    /* a row counter 0..n-1 makes the public n the number of rows, so the
     * statement says after how many steps the result is reached (the
     * height is otherwise the prover's choice) */
    air_expr i = air_col(m, t, AIR_MAIN, 2, 0), in = air_col(m, t, AIR_MAIN, 2, 1);
    air_constrain(m, t, air_mul(m, t, first, i), "counter start");
    air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, in, air_add(m, t, i, air_const(m, t, 1)))),
                  "counter step");
    air_constrain(m, t,
                  air_mul(m, t, last,
                          air_sub(m, t, air_add(m, t, i, air_const(m, t, 1)), air_pub(m, t, 3))),
                  "counter end");
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

cairn_err stark_fib_trace(gl_t **main, gl_t pub[STARK_FIB_NPUB], unsigned log_n, uint64_t seed)
{
    RETURN_ERROR_IF(log_n < 1 || log_n > STARK_MACHINE_MAX_LOG_N, CAIRN_ERR_USAGE,
                    "fib: log height %u out of range 1..%d", log_n, STARK_MACHINE_MAX_LOG_N);
    size_t n = (size_t)1 << log_n;
    gl_t *t = cairn_malloc_array(n, 3 * sizeof *t);
    if (!t) return cairn_fail_nomem(n * 3 * sizeof *t, "fib: out of memory for a trace of 2^%u rows", log_n);
    rng_t r;
    rng_seed(&r, seed);
    t[0] = gl_from_u64(rng_u64(&r));
    t[1] = gl_from_u64(rng_u64(&r));
    t[2] = 0;
    for (size_t i = 1; i < n; i++) {
        t[3 * i] = t[3 * i - 2];
        t[3 * i + 1] = gl_add(t[3 * i - 3], t[3 * i - 2]);
        t[3 * i + 2] = i;
    }
    pub[0] = t[0];
    pub[1] = t[1];
    pub[2] = t[3 * n - 2];
    pub[3] = n;
    *main = t;
    return CAIRN_OK;
}
