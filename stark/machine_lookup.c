/* Range-check machine (machines.h): two tables of different heights tied
 * by a LogUp bus, one with a preprocessed column. */
#include <stdlib.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "machines.h"

#define RANGE_BUS 1

cairn_err stark_machine_lookup(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "lookup", STARK_LOOKUP_NPUB));
    air_table *v = air_table_add(m, "values", 0, 4);
    air_table *r = air_table_add(m, "range", 1, 1);
    size_t rn = (size_t)1 << STARK_LOOKUP_RANGE_LOG;
    gl_t *pre = cairn_malloc_array(rn, sizeof *pre);
    if (!pre) {
        air_machine_free(m);
        return cairn_fail(CAIRN_ERR_NOMEM, "lookup: out of memory");
    }
    for (size_t i = 0; i < rn; i++) pre[i] = i;
    air_table_set_pre(m, r, pre, STARK_LOOKUP_RANGE_LOG);
    free(pre);
    air_expr a = air_col(m, v, AIR_MAIN, 0, 0), b = air_col(m, v, AIR_MAIN, 1, 0);
    air_expr c = air_col(m, v, AIR_MAIN, 2, 0), one = air_const(m, v, 1);
    /* c = a + b over the field; a and b are 16-bit by the lookups */
    air_constrain(m, v, air_sub(m, v, c, air_add(m, v, a, b)), "sum");
    /* a row counter 0..n-1 pins the height of "values" to the public n */
    air_expr i = air_col(m, v, AIR_MAIN, 3, 0), in = air_col(m, v, AIR_MAIN, 3, 1);
    air_constrain(m, v, air_mul(m, v, air_sel(m, v, AIR_SEL_FIRST), i), "counter start");
    air_constrain(m, v,
                  air_mul(m, v, air_sel(m, v, AIR_SEL_TRANS), air_sub(m, v, in, air_add(m, v, i, one))),
                  "counter step");
    air_constrain(m, v,
                  air_mul(m, v, air_sel(m, v, AIR_SEL_LAST),
                          air_sub(m, v, air_add(m, v, i, one), air_pub(m, v, 0))),
                  "counter end");
    air_interact(m, v, RANGE_BUS, AIR_SEND, one, &a, 1);
    air_interact(m, v, RANGE_BUS, AIR_SEND, one, &b, 1);
    air_expr val = air_col(m, r, AIR_PRE, 0, 0), mult = air_col(m, r, AIR_MAIN, 0, 0);
    air_interact(m, r, RANGE_BUS, AIR_RECEIVE, mult, &val, 1);
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

cairn_err stark_lookup_trace(gl_t **values, gl_t **range, gl_t pub[STARK_LOOKUP_NPUB],
                             unsigned log_n, uint64_t seed)
{
    RETURN_ERROR_IF(log_n < 1 || log_n > STARK_MACHINE_MAX_LOG_N, CAIRN_ERR_USAGE,
                    "lookup: log height %u out of range 1..%d", log_n, STARK_MACHINE_MAX_LOG_N);
    size_t n = (size_t)1 << log_n, rn = (size_t)1 << STARK_LOOKUP_RANGE_LOG;
    gl_t *v = cairn_malloc_array(n, 4 * sizeof *v), *r = cairn_calloc(rn, sizeof *r);
    if (!v || !r) {
        free(v);
        free(r);
        return cairn_fail_nomem((4 * n + rn) * sizeof *v, "lookup: out of memory for a trace of 2^%u rows",
                                log_n);
    }
    rng_t g;
    rng_seed(&g, seed);
    for (size_t i = 0; i < n; i++) {
        gl_t a = rng_u64(&g) & 0xffff, b = rng_u64(&g) & 0xffff;
        v[4 * i] = a;
        v[4 * i + 1] = b;
        v[4 * i + 2] = a + b;
        v[4 * i + 3] = i;
        r[a]++;
        r[b]++;
    }
    pub[0] = n;
    *values = v;
    *range = r;
    return CAIRN_OK;
}
