/* Shorthand for building one table's constraints (rv_air_int.h
 * conventions), shared by the table implementations that write many
 * rules by hand (rv_air_cpu.c, rv_air_ecall.c): a builder holds the
 * machine and the table, and each helper makes one air_expr node of that
 * table. Included by .c files only (the names are short and static). */
#ifndef CAIRN_VM_RV_AIR_BLD_H
#define CAIRN_VM_RV_AIR_BLD_H

#include "stark/air.h"

typedef struct {
    air_machine *m;
    air_table *t;
} B;

static inline air_expr col(B *b, unsigned i) { return air_col(b->m, b->t, AIR_MAIN, i, 0); }
static inline air_expr nxt(B *b, unsigned i) { return air_col(b->m, b->t, AIR_MAIN, i, 1); }
static inline air_expr K(B *b, gl_t v) { return air_const(b->m, b->t, v); }
static inline air_expr add(B *b, air_expr x, air_expr y) { return air_add(b->m, b->t, x, y); }
static inline air_expr sub(B *b, air_expr x, air_expr y) { return air_sub(b->m, b->t, x, y); }
static inline air_expr mul(B *b, air_expr x, air_expr y) { return air_mul(b->m, b->t, x, y); }
static inline air_expr scl(B *b, air_expr x, gl_t v) { return mul(b, K(b, v), x); }
static inline void con(B *b, air_expr e, const char *name) { air_constrain(b->m, b->t, e, name); }
/* x (x - 1): zero iff x is boolean */
static inline air_expr bit(B *b, air_expr x) { return mul(b, x, sub(b, x, K(b, 1))); }

#endif
