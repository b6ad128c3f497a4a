/* Lookup tables of the RV32IM AIR (docs/rv-air.md): the range table of
 * (value, bits) pairs and the bytes table of bitwise results, both
 * preprocessed (fixed, in the verifying key), each with one main column of
 * multiplicities that receives every lookup made on its bus. */
#include <stdlib.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_tables.h"

cairn_err rv_lookups_alloc(rv_lookups *lk)
{
    lk->range = cairn_calloc((size_t)1 << RV_RANGE_LOG, sizeof *lk->range);
    lk->bytes = cairn_calloc((size_t)1 << RV_BYTES_LOG, sizeof *lk->bytes);
    if (!lk->range || !lk->bytes) {
        rv_lookups_free(lk);
        return cairn_fail(CAIRN_ERR_NOMEM, "rv air: out of memory for lookup counters");
    }
    return CAIRN_OK;
}

void rv_lookups_free(rv_lookups *lk)
{
    if (!lk) return;
    free(lk->range);
    free(lk->bytes);
    lk->range = NULL;
    lk->bytes = NULL;
}

void rv_lookups_clear(rv_lookups *lk)
{
    for (size_t i = 0; i < (size_t)1 << RV_RANGE_LOG; i++) lk->range[i] = 0;
    for (size_t i = 0; i < (size_t)1 << RV_BYTES_LOG; i++) lk->bytes[i] = 0;
}

air_table *rv_range_table_add(air_machine *m)
{
    const size_t n = (size_t)1 << RV_RANGE_LOG;
    air_table *t = air_table_add(m, "range", 2, 1);
    if (!t) return NULL;
    gl_t *pre = m->pre_zero ? NULL : cairn_calloc(2 * n, sizeof *pre);
    if (!pre && !m->pre_zero) {
        air_machine_fail(m, CAIRN_ERR_NOMEM, "rv air: out of memory for the range table");
        return NULL;
    }
    /* row (1 << bits) - 1 + value holds (value, bits); the last row repeats
     * (0, 0), whose multiplicity stays 0 */
    for (unsigned bits = 0; pre && bits <= RV_RANGE_MAX_BITS; bits++)
        for (uint32_t v = 0; v < (1u << bits); v++) {
            size_t r = rv_range_index(v, bits);
            pre[2 * r] = v;
            pre[2 * r + 1] = bits;
        }
    air_table_set_pre(m, t, pre, RV_RANGE_LOG);
    free(pre);
    air_expr tup[2] = {air_col(m, t, AIR_PRE, 0, 0), air_col(m, t, AIR_PRE, 1, 0)};
    air_interact(m, t, RV_BUS_RANGE, AIR_RECEIVE, air_col(m, t, AIR_MAIN, 0, 0), tup, 2);
    return t;
}

air_table *rv_bytes_table_add(air_machine *m)
{
    const size_t n = (size_t)1 << RV_BYTES_LOG;
    air_table *t = air_table_add(m, "bytes", 5, 1);
    if (!t) return NULL;
    gl_t *pre = m->pre_zero ? NULL : cairn_calloc(5 * n, sizeof *pre);
    if (!pre && !m->pre_zero) {
        air_machine_fail(m, CAIRN_ERR_NOMEM, "rv air: out of memory for the bytes table");
        return NULL;
    }
    for (uint32_t a = 0; pre && a < 256; a++)
        for (uint32_t b = 0; b < 256; b++) {
            gl_t *r = pre + 5 * (size_t)(a * 256 + b);
            r[0] = a;
            r[1] = b;
            r[2] = a & b;
            r[3] = a | b;
            r[4] = a ^ b;
        }
    air_table_set_pre(m, t, pre, RV_BYTES_LOG);
    free(pre);
    air_expr tup[5];
    for (unsigned i = 0; i < 5; i++) tup[i] = air_col(m, t, AIR_PRE, i, 0);
    air_interact(m, t, RV_BUS_BYTES, AIR_RECEIVE, air_col(m, t, AIR_MAIN, 0, 0), tup, 5);
    return t;
}

void rv_range_table_fill(gl_t *main, const rv_lookups *lk)
{
    for (size_t i = 0; i < (size_t)1 << RV_RANGE_LOG; i++) main[i] = lk->range[i];
}

void rv_bytes_table_fill(gl_t *main, const rv_lookups *lk)
{
    for (size_t i = 0; i < (size_t)1 << RV_BYTES_LOG; i++) main[i] = lk->bytes[i];
}

void rv_range_send(air_machine *m, air_table *t, air_expr sel, air_expr value, unsigned bits)
{
    air_expr tup[2] = {value, air_const(m, t, bits)};
    air_interact(m, t, RV_BUS_RANGE, AIR_SEND, sel, tup, 2);
}

void rv_bytes_send(air_machine *m, air_table *t, air_expr sel, air_expr a, air_expr b,
                   air_expr and_, air_expr or_, air_expr xor_)
{
    air_expr tup[5] = {a, b, and_, or_, xor_};
    air_interact(m, t, RV_BUS_BYTES, AIR_SEND, sel, tup, 5);
}
