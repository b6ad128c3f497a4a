/* The `muldiv` table of the RV32IM segment AIR (docs/rv-air.md; conventions
 * in rv_air_int.h). Each active row is one M-extension instruction: it
 * receives (op, a, b, result) on RV_BUS_MULDIV with multiplicity 1 (padding
 * rows 0), op the rv_op id (RV_OP_MUL..RV_OP_REMU), a = x[rs1], b = x[rs2],
 * result the u32 written to rd, and enforces the ISA manual's semantics
 * (unprivileged spec, "M" extension): MUL the low word of a * b; MULH /
 * MULHSU / MULHU the high word of the signed x signed / signed x unsigned /
 * unsigned x unsigned 64-bit product; DIV / DIVU rounding toward zero,
 * REM / REMU with the sign of the dividend; x / 0 = all ones, x % 0 = x;
 * INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0.
 *
 * One multiplier serves all eight: the row proves
 *     X_s * B_s + Z_s = W   (mod 2^64)
 * with X, B, Z u32 (two 16-bit limbs each), _s their signed or unsigned
 * value as the op reads them, and W a 64-bit value (four 16-bit limbs):
 *     MUL*:  X = a, Z = 0, W = the product, result = W_lo (MUL) or W_hi;
 *     DIV*:  X = q, Z = r, W = a sign-extended (INT_MIN / -1: 2^31),
 *            result = q (DIV, DIVU) or r (REM, REMU),
 * plus |r| < |b| (b != 0), r = 0 or sign(r) = sign(a), and q = all ones
 * for b = 0. Why that is exactly the manual's semantics, and why the limb
 * equations over Goldilocks hold over the integers: rv_air_muldiv.c.
 *
 * Columns of a row (RV_MD_NCOLS = 26; all 0 on padding rows):
 *   F0..F7  one-hot op flags, F_k for op RV_OP_MUL + k
 *   X0 X1   16-bit limbs of X (a for MUL*, the quotient for DIV*)
 *   B0 B1   16-bit limbs of b
 *   Z0 Z1   16-bit limbs of Z (0 for MUL*, the remainder for DIV*)
 *   W0 W1   16-bit limbs of W_lo (the product's low word; a for DIV*)
 *   W2 W3   MUL*: 16-bit limbs of W_hi (the product's high word);
 *           DIV*: 16-bit limbs of |b| - |r| - 1 (0 if b = 0), the
 *           remainder bound (W_hi of a division is a function of a's sign,
 *           so the limbs are free for this)
 *   SX SB SZ SW  sign bits of X, b, Z, W_lo (0 where the op reads the
 *           operand as unsigned; SZ and SW only for DIV and REM)
 *   C0      carry out of limb 0 of the product, < 2^16
 *   K       3 + the multiple of 2^64 dropped from the product, < 2^3
 *   BZ      b = 0 (division rows only)
 *   OVF     INT_MIN / -1 (DIV and REM only)
 * Interactions per row: 1 receive on MULDIV, 12 sends on RANGE (every limb,
 * sign-split top limbs, C0, K).
 */
#ifndef CAIRN_VM_RV_AIR_MULDIV_H
#define CAIRN_VM_RV_AIR_MULDIV_H

#include <stddef.h>

#include "rv.h"
#include "rv_air_int.h"

#define RV_MD_NOPS 8 /* RV_OP_MUL .. RV_OP_REMU, consecutive in rv_op */

enum {
    RV_MD_C_F0,
    RV_MD_C_X0 = RV_MD_C_F0 + RV_MD_NOPS,
    RV_MD_C_X1,
    RV_MD_C_B0,
    RV_MD_C_B1,
    RV_MD_C_Z0,
    RV_MD_C_Z1,
    RV_MD_C_W0,
    RV_MD_C_W1,
    RV_MD_C_W2,
    RV_MD_C_W3,
    RV_MD_C_SX,
    RV_MD_C_SB,
    RV_MD_C_SZ,
    RV_MD_C_SW,
    RV_MD_C_C0,
    RV_MD_C_K,
    RV_MD_C_BZ,
    RV_MD_C_OVF,
    RV_MD_NCOLS
};

typedef struct {
    unsigned col;   /* first column; column k of the enum above is col + k */
    unsigned log_n; /* table height (set by rv_muldiv_table_add) */
    air_table *t;
} rv_muldiv_gadget;

/* One M-extension instruction for the fill. */
typedef struct {
    uint32_t op; /* rv_op, RV_OP_MUL..RV_OP_REMU */
    uint32_t a, b;
} rv_muldiv_call;

/* Allocates RV_MD_NCOLS columns. */
void rv_muldiv_layout(rv_muldiv_gadget *g, rv_cols *cols);

/* Constraints and interactions of the muldiv table t (its columns from
 * layout): see the column list above and rv_air_muldiv.c. Every
 * constraint has degree <= 3; the MULDIV receive (tuple degree 2) forms a
 * LogUp group alone, the 12 range sends pair up. */
void rv_muldiv_build(const rv_muldiv_gadget *g, air_machine *m, air_table *t);

/* Adds the table "muldiv" (no preprocessed columns, RV_MD_NCOLS main) to
 * m for traces of 2^log_n rows (the fill's capacity; the verifier pins the
 * height through stark_verify's heights); NULL on error (recorded in m). */
air_table *rv_muldiv_table_add(air_machine *m, rv_muldiv_gadget *g, unsigned log_n);

/* The result the instruction writes to rd (the manual's semantics). op
 * must be one of the eight. */
uint32_t rv_muldiv_result(rv_op op, uint32_t a, uint32_t b);

/* Writes the columns of one active row for (op, a, b), counts its range
 * lookups in lk and returns the result. op must be one of the eight
 * (asserted: rv_muldiv_fill checks its input). */
uint32_t rv_muldiv_fill_row(const rv_muldiv_gadget *g, gl_t *row, rv_lookups *lk, rv_op op,
                            uint32_t a, uint32_t b);

/* Writes the whole main trace (2^g->log_n rows x RV_MD_NCOLS, row-major,
 * caller-owned): one row per call in order, zero padding rows; counts the
 * range lookups in lk; results[i] (if results is not NULL) receives call
 * i's result. CAIRN_ERR_LIMIT if n exceeds the height, CAIRN_ERR_USAGE for
 * an op that is not MUL..REMU; on error nothing is written or counted. */
cairn_err rv_muldiv_fill(const rv_muldiv_gadget *g, gl_t *main, rv_lookups *lk, uint32_t *results,
                         const rv_muldiv_call *calls, size_t n);

/* Caller side: table t sends (op, a, b, result) on RV_BUS_MULDIV with
 * multiplicity sel (a 0/1 flag; tuple elements of degree <= 2). */
void rv_muldiv_send(air_machine *m, air_table *t, air_expr sel, air_expr op, air_expr a,
                    air_expr b, air_expr result);

#endif
