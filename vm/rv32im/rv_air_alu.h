/* 32-bit arithmetic gadgets of the RV32IM cpu table (docs/rv-air.md "cpu"):
 * range checks, byte splits, add/sub, AND/OR/XOR, unsigned and signed
 * less-than, equality, shifts and the sign/zero extension of loads. Every
 * gadget follows rv_air_int.h: _layout assigns columns, _build adds
 * constraints and lookups gated by a selector, _fill writes one row's
 * witness and counts its lookups.
 *
 * Values. A u32 is held as the field element of the same integer (< 2^32 <
 * p). Operands are "u32 expressions": expressions whose value on an active
 * row is a u32 -- register values (u32 by the memory argument's induction),
 * immediates assembled from range-checked instruction fields, or outputs of
 * these gadgets. Where a gadget needs more (or proves it), its comment says
 * so.
 *
 * Degrees. Selectors (sel and the op flags) are 0/1 expressions of degree
 * 1; at most one op flag of a gadget is 1 on a row. Operands have degree 1
 * unless the gadget's comment allows 2. Every constraint is then of degree
 * <= 3 and every lookup tuple of degree 1 (so the engine pairs lookups
 * two per LogUp helper column).
 *
 * Sharing columns. Gadgets used by mutually exclusive ops may be laid out
 * over the same columns (lay one out, rewind a copy of the allocator, lay
 * out the other): their constraints and lookups are off where their
 * selector is 0. Only one of them may then fill a given row.
 *
 * Column and lookup counts (cells per cycle; each pair of lookups costs one
 * degree-3 extension helper column, i.e. 3 base cells):
 *   gadget            columns  lookups
 *   rv_u32                2       2   (16 + 16 bits)
 *   rv_bytes4             4       4   (8 bits each; 0 if unchecked)
 *   rv_sign               3       2   (16 + 15 bits)
 *   rv_add / rv_sub       3       2
 *   rv_bitwise           12       4   (bytes table)
 *   rv_lt                 3/9     2/6 (unsigned only / with signed)
 *   rv_eq                 2       0
 *   rv_pow2               5/7     2/4 (immediate / register amount)
 *   rv_shift             13/15    8/10 (immediate / register amount)
 *   rv_ext                1       1
 * (The result columns of add/sub/bitwise/shift/ext are the caller's.)
 */
#ifndef CAIRN_VM_RV_AIR_ALU_H
#define CAIRN_VM_RV_AIR_ALU_H

#include "rv_air_int.h"

/* ---- u32 range check --------------------------------------------------- */

/* x = lo + 2^16 hi, lo and hi 16-bit: x is (the field element of) a u32.
 * `ext` (0 after layout; rv_sign_g has one too): the caller makes the
 * range lookups of lo and hi itself, with a multiplicity that is 1 on every
 * row where the gadget's sel is, e.g. one lookup for two gadgets of
 * exclusive rows laid out on the same columns; fill still counts them. */
typedef struct {
    unsigned lo, hi;
    int ext;
} rv_u32_g;

void rv_u32_layout(rv_u32_g *g, rv_cols *c);
void rv_u32_build(const rv_u32_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x);
void rv_u32_fill(const rv_u32_g *g, gl_t *row, rv_lookups *lk, uint32_t x);

/* ---- byte split ---------------------------------------------------------- */

/* x = b0 + 2^8 b1 + 2^16 b2 + 2^24 b3. With `checked` each byte is
 * range-checked (8 bits) here; without, the caller must prove each byte
 * < 256 by other lookups (rv_bitwise does, through the bytes table). */
typedef struct {
    unsigned b[4];
    int checked;
} rv_bytes4_g;

void rv_bytes4_layout(rv_bytes4_g *g, rv_cols *c, int checked);
void rv_bytes4_build(const rv_bytes4_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x);
void rv_bytes4_fill(const rv_bytes4_g *g, gl_t *row, rv_lookups *lk, uint32_t x);

/* ---- sign bit ------------------------------------------------------------ */

/* x = l0 + 2^16 l1 + 2^31 s with l0 < 2^16, l1 < 2^15, s boolean: x is a
 * u32 and s its bit 31 (the sign of x as an int32). */
typedef struct {
    unsigned l0, l1, s;
    int ext; /* as rv_u32_g's: the caller makes the lookups of l0 and l1 */
} rv_sign_g;

void rv_sign_layout(rv_sign_g *g, rv_cols *c);
void rv_sign_build(const rv_sign_g *g, air_machine *m, air_table *t, air_expr sel, air_expr x);
/* Returns s. */
uint32_t rv_sign_fill(const rv_sign_g *g, gl_t *row, rv_lookups *lk, uint32_t x);

/* ---- add / sub ------------------------------------------------------------ */

/* rv_add: c = a + b mod 2^32 (ADD, ADDI, AUIPC, JAL/JALR links, address
 * sums), as a + b = c + 2^32 carry. rv_sub: c = a - b mod 2^32 (SUB), as
 * a - b + 2^32 borrow = c; the borrow is then [a < b] (unsigned). Both
 * range-check c. a and b are u32 expressions of degree <= 2 (an immediate
 * may be muxed by a flag); c is the caller's expression of degree <= 2. */
typedef struct {
    unsigned carry; /* carry of rv_add, borrow of rv_sub */
    rv_u32_g c;
} rv_add_g;

void rv_add_layout(rv_add_g *g, rv_cols *c);
void rv_add_build(const rv_add_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                  air_expr b, air_expr c);
void rv_sub_build(const rv_add_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                  air_expr b, air_expr c);
/* Return c. */
uint32_t rv_add_fill(const rv_add_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b);
uint32_t rv_sub_fill(const rv_add_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b);

/* ---- AND / OR / XOR ------------------------------------------------------- */

/* Byte splits of a and b and, per byte, n_i = a_i AND b_i looked up as
 * (a_i, b_i, n_i, a_i + b_i - n_i, a_i + b_i - 2 n_i) in the bytes table;
 * then AND = sum n_i 256^i, OR = a + b - AND, XOR = a + b - 2 AND.
 * out is the caller's result expression; the op flags f_and, f_or, f_xor
 * (at most one set) select the result and together gate the gadget. */
enum { RV_AND = 0, RV_OR = 1, RV_XOR = 2 };
typedef struct {
    rv_bytes4_g a, b;
    unsigned n[4];
} rv_bitwise_g;

void rv_bitwise_layout(rv_bitwise_g *g, rv_cols *c);
void rv_bitwise_build(const rv_bitwise_g *g, air_machine *m, air_table *t, air_expr f_and,
                      air_expr f_or, air_expr f_xor, air_expr a, air_expr b, air_expr out);
/* The result expression of one op (for callers that mux results
 * themselves); needs the gadget's lookups, i.e. rv_bitwise_build. */
air_expr rv_bitwise_expr(const rv_bitwise_g *g, air_machine *m, air_table *t, int op, air_expr a,
                         air_expr b);
/* op = RV_AND/RV_OR/RV_XOR; returns the result. */
uint32_t rv_bitwise_fill(const rv_bitwise_g *g, gl_t *row, rv_lookups *lk, int op, uint32_t a,
                         uint32_t b);

/* ---- less-than ------------------------------------------------------------ */

/* lt = [a < b], unsigned when sgn = 0 (SLTU, SLTIU, BLTU, BGEU = 1 - lt),
 * signed when sgn = 1 (SLT, SLTI, BLT, BGE). Signed order is the unsigned
 * order of a ^ 2^31 and b ^ 2^31, i.e. of a + 2^31 - 2^32 s_a and
 * b + 2^31 - 2^32 s_b with the sign bits s_a, s_b (rv_sign of a and b). A
 * gadget laid out with `signed_ok` = 0 has no sign columns and ignores
 * sgn (unsigned only). The result is the column `lt`. sgn is a 0/1
 * expression of degree <= 1 that is 1 only where sel is: the sign columns
 * (sa, sb) and their lookups are gated by sgn, so an unsigned comparison
 * leaves them free for other gadgets of the row. */
typedef struct {
    unsigned lt;
    rv_u32_g d; /* (a' - b') mod 2^32 */
    int signed_ok;
    rv_sign_g sa, sb;
} rv_lt_g;

void rv_lt_layout(rv_lt_g *g, rv_cols *c, int signed_ok);
void rv_lt_build(const rv_lt_g *g, air_machine *m, air_table *t, air_expr sel, air_expr sgn,
                 air_expr a, air_expr b);
/* Returns lt. */
uint32_t rv_lt_fill(const rv_lt_g *g, gl_t *row, rv_lookups *lk, int sgn, uint32_t a, uint32_t b);

/* ---- equality ------------------------------------------------------------- */

/* eq = [a == b] (BEQ; BNE = 1 - eq) with inv = (a - b)^-1 when a != b. */
typedef struct {
    unsigned eq, inv;
} rv_eq_g;

void rv_eq_layout(rv_eq_g *g, rv_cols *c);
void rv_eq_build(const rv_eq_g *g, air_machine *m, air_table *t, air_expr sel, air_expr a,
                 air_expr b);
uint32_t rv_eq_fill(const rv_eq_g *g, gl_t *row, rv_lookups *lk, uint32_t a, uint32_t b);

/* ---- 2^shamt ---------------------------------------------------------------- */

/* pow = 2^sh for the shift amount sh = amount & 31. sh = r + 16 k (r in
 * 0..15, k boolean) and u = 2^r through u * w = 2^15 with u - 1 < 2^r and
 * w - 1 < 2^(15 - r) (range table); pow = u (1 + (2^16 - 1) k). With `reg`,
 * amount is a u32 (a register: sh = its low 5 bits) and amount = sh +
 * 32 q with q < 2^27; without, amount is already a shamt in 0..31 (an
 * immediate). For shifts here, or for SLL/SRL as a product / quotient in
 * muldiv. */
typedef struct {
    unsigned r, k, u, w, pow;
    int reg;
    unsigned q0, q1; /* with reg */
} rv_pow2_g;

void rv_pow2_layout(rv_pow2_g *g, rv_cols *c, int reg);
void rv_pow2_build(const rv_pow2_g *g, air_machine *m, air_table *t, air_expr sel,
                   air_expr amount);
/* Returns sh. */
uint32_t rv_pow2_fill(const rv_pow2_g *g, gl_t *row, rv_lookups *lk, uint32_t amount);

/* ---- shifts --------------------------------------------------------------- */

/* c = a << sh (SLL, SLLI), a >> sh (SRL, SRLI), a >>s sh (SRA, SRAI), sh
 * from rv_pow2 (register or immediate amount). With pow = 2^sh, c
 * range-checked and a witness v < 2^sh:
 *   SLL: a * pow = c + 2^32 v                           (v = the bits shifted out)
 *   SRL: c * pow + v = a                                (v = the remainder)
 *   SRA: c * pow + v = a + 2^32 s_a (pow - 1)           (s_a = sign of a)
 * See rv_air_alu.c for why each is sound in Goldilocks. out is the
 * caller's result expression. */
enum { RV_SLL = 0, RV_SRL = 1, RV_SRA = 2 };
typedef struct {
    rv_pow2_g p;
    rv_u32_g c;
    unsigned v0, v1, t1; /* v = v0 + 2^16 v1 < 2^sh; t1 = k r */
    rv_sign_g sa;        /* SRA only */
} rv_shift_g;

void rv_shift_layout(rv_shift_g *g, rv_cols *c, int reg);
void rv_shift_build(const rv_shift_g *g, air_machine *m, air_table *t, air_expr f_sll,
                    air_expr f_srl, air_expr f_sra, air_expr a, air_expr amount, air_expr out);
/* op = RV_SLL/RV_SRL/RV_SRA; returns c. */
uint32_t rv_shift_fill(const rv_shift_g *g, gl_t *row, rv_lookups *lk, int op, uint32_t a,
                       uint32_t amount);

/* ---- sign / zero extension -------------------------------------------------- */

/* out = v zero-extended (sgn = 0: LBU, LHU) or sign-extended (sgn = 1: LB,
 * LH) from `bits` = 8 or 16 to 32 bits: v = m + 2^(bits-1) msb with m <
 * 2^(bits-1) (range table) and msb boolean, out = v + sgn msb (2^32 -
 * 2^bits). Also proves v < 2^bits. */
typedef struct {
    unsigned msb;
    unsigned bits;
} rv_ext_g;

void rv_ext_layout(rv_ext_g *g, rv_cols *c, unsigned bits);
void rv_ext_build(const rv_ext_g *g, air_machine *m, air_table *t, air_expr sel, air_expr sgn,
                  air_expr v, air_expr out);
/* Returns out. */
uint32_t rv_ext_fill(const rv_ext_g *g, gl_t *row, rv_lookups *lk, int sgn, uint32_t v);

#endif
