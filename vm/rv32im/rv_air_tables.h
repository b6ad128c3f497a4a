/* Lookup tables of the RV32IM AIR and the calls that use them (see
 * rv_air_int.h for the conventions, docs/rv-air.md for the design). */
#ifndef CAIRN_VM_RV_AIR_TABLES_H
#define CAIRN_VM_RV_AIR_TABLES_H

#include "rv_air_int.h"

/* Counters for one segment's lookups: allocate once, clear per segment. */
cairn_err rv_lookups_alloc(rv_lookups *lk);
void rv_lookups_free(rv_lookups *lk); /* accepts a zeroed struct */
void rv_lookups_clear(rv_lookups *lk);

static inline void rv_lk_range(rv_lookups *lk, uint32_t value, unsigned bits)
{
    lk->range[rv_range_index(value, bits)]++;
}
static inline void rv_lk_bytes(rv_lookups *lk, uint32_t a, uint32_t b)
{
    lk->bytes[a * 256u + b]++;
}

/* Adds the table (preprocessed (value, bits); main: multiplicity) to m;
 * NULL on error (recorded in m, reported by air_machine_finish). */
air_table *rv_range_table_add(air_machine *m);
/* Preprocessed (a, b, and, or, xor); main: multiplicity. */
air_table *rv_bytes_table_add(air_machine *m);

/* Main columns of the tables (1 column, 2^RV_RANGE_LOG / 2^RV_BYTES_LOG
 * rows) from the counters. */
void rv_range_table_fill(gl_t *main, const rv_lookups *lk);
void rv_bytes_table_fill(gl_t *main, const rv_lookups *lk);

/* Lookups from table t, with multiplicity sel: 0 <= value < 2^bits
 * (bits <= RV_RANGE_MAX_BITS); and the byte relation of (a, b). */
void rv_range_send(air_machine *m, air_table *t, air_expr sel, air_expr value, unsigned bits);
void rv_bytes_send(air_machine *m, air_table *t, air_expr sel, air_expr a, air_expr b,
                   air_expr and_, air_expr or_, air_expr xor_);

#endif
