/* The recursion VM's AIR (rc_air.h): machine, trace generator, prove and
 * verify. docs/recursion.md "The AIR" is the reference for the layout.
 *
 * One row per instruction (but a private input that a p2 row reads: the
 * first p2 lane that reads it defines it, absorb_inputs), in six tables:
 *   base   const, input, add, sub, mul, inv, select, assert_eq
 *   ext    e_const, e_input, e_from_base, e_add, e_sub, e_mul, e_mul_base,
 *          e_mul_base_add, e_horner2, e_inv, e_select, e_assert_eq
 *   bits   bits: 64 rows, one per bit (all 64 witnessed, the low n written)
 *   p2     permute, permute_swap (the stark module's p2_air gadget)
 *   parts  e_parts
 *   deep   e_mul_base_add2 (the DEEP sums)
 * base and ext rows share one operand layout: up to three operands a, b, c
 * (in the instruction's operand order) and one result out. The opcode is a
 * one-hot set of preprocessed flags, so each constraint is
 * flag * (its rule) and a padding row (all flags and multiplicities 0)
 * constrains nothing and moves nothing on the bus. Every constraint of
 * base, ext, bits and parts has degree <= 3: a flag (1) times a product of
 * two columns (2). p2's S-box constraints have degree 7 (the gadget's
 * one-column-per-S-box layout, RC_P2_AIR): its quotient has 8 chunks on a
 * domain of 8n points, twice the LDE at blowup 4, which costs the prover
 * that table's extra LDE blocks and quotient points (stark/air.h
 * "Degrees") and saves it 118 of 253 main columns. */
#include "rc_air.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rc_internal.h"
#include "stark/machines.h"

#define W P2_WIDTH
/* The memory address of public value i: p - 1 - i, which no variable has
 * (variables are u32), so the boundary's sends of the public values are
 * the same for every program with npub public values. */
#define PUB_ADDR(i) (GL_P - 1 - (gl_t)(i))
/* The tallest table a proof may state (stark_internal.h's STARK_MAX_LOG_N,
 * also machines.h's STARK_MACHINE_MAX_LOG_N) */
#define MAX_LOG_N STARK_MACHINE_MAX_LOG_N

/* Preprocessed columns. base and ext: the operand layout, then flags. */
/* (The read flags of a, b and c are sums of opcode flags: operand_bus.) */
enum { P_ADDR_A, P_ADDR_B, P_ADDR_C, P_ADDR_OUT, P_MULT_OUT, P_NOPER };
enum { BF_ADD = P_NOPER, BF_SUB, BF_MUL, BF_SEL, BF_INV, BF_ASSERT, BF_CONST, BF_PUB, B_IMM, B_NPRE };
enum {
    EF_CONST = P_NOPER, EF_ADD, EF_SUB, EF_MUL, EF_MULB, EF_FB, EF_INV, EF_SEL, EF_ASSERT, EF_MULBADD,
    EF_HORNER2, E_IMM, E_ADDR_D = E_IMM + 3, E_ADDR_E, E_NPRE
};
/* bits, per row of a decomposition's block (row k holds bit k; padding
 * rows all 0): 2^k, whether the next row continues the block (k < 63),
 * whether the row captures the low 32 bits' sum (k = 31) or carries it
 * (k >= 32), the address of the bit's variable and its multiplicity (0
 * for k >= n), and on the last row (k = 63) the address of x and its read
 * flag, which is also the last row's flag */
enum { BI_POW, BI_NEXT, BI_LOF, BI_HIF, BI_ADDR, BI_MULT, BI_ADDR_X, BI_RX, BI_NPRE };
/* p2: 12 input addresses and their 12 multiplicities (the lane's send on
 * the memory bus: p - 1 for a read, the remaining read count for the lane
 * that defines an absorbed input, 0 on padding), the first output's
 * address, 12 output multiplicities; permute_swap rows also read the
 * direction bit (its address and read flag, which is the opcode's flag) */
enum { PP_ADDR_IN, PP_M = W, PP_ADDR_DST = PP_M + W, PP_MULT, PP_ADDR_S = PP_MULT + W, PP_RS, PP_NPRE };
/* parts: the extension operand, the first output's address, 3 multiplicities */
enum { PA_ADDR_A, PA_RA, PA_ADDR_DST, PA_MULT, PA_NPRE = PA_MULT + 3 };
/* deep: the addresses of the five operands a, b, c, d, e and of out, out's
 * multiplicity, and the row's flag (1 on every instruction's row, 0 on
 * padding), which is the multiplicity of the five reads */
enum { DP_ADDR_A, DP_ADDR_B, DP_ADDR_C, DP_ADDR_D, DP_ADDR_E, DP_ADDR_OUT, DP_MULT_OUT, DP_R, DP_NPRE };

static const char *const TNAME[RC_AIR_NTABLES] = {"base", "ext", "bits", "p2", "parts", "deep"};
static const unsigned NPRE[RC_AIR_NTABLES] = {B_NPRE, E_NPRE, BI_NPRE, PP_NPRE, PA_NPRE, DP_NPRE};
static const unsigned NMAIN[RC_AIR_NTABLES] = {RC_BASE_NMAIN, RC_EXT_NMAIN, RC_BITS_NMAIN,
                                               RC_P2_NMAIN, RC_PARTS_NMAIN, RC_DEEP_NMAIN};
static const p2_air GADGET = RC_P2_AIR;

struct rc_air {
    const rc_program *p;
    unsigned npub;
    air_machine *m;
    stark_pk *pk;
    stark_vk *vk;
    uint8_t *tab;  /* per instruction: its table */
    uint32_t *row; /* per instruction: its row */
    uint32_t *pubvar; /* the variable of each public value (npub) */
    size_t rows[RC_AIR_NTABLES];
    unsigned log_n[RC_AIR_NTABLES];
};

/* Named shapes (rc_air.h). Each is sized from the measured rows of the
 * programs it is for (docs/recursion.md "Shapes"), rounded up to powers
 * of two, in table order base, ext, bits, p2, parts, deep. */
static const rc_shape SHAPES[] = {
    /* tests: the hand-written programs and the fib verifier at preset
     * test (499 / 628 / 9 x 64 / 269 / 75 / 16 rows; bits has 64 rows per
     * decomposition) */
    {"test", {12, 11, 10, 10, 8, 8}},
    /* lift and join at preset test, of segment proofs of po2 8..12 at
     * preset test (lift of po2 12: 1759 / 22.81k / 9 x 64 / 4429 / 2575 /
     * 4704 rows; join: 2982 / 17.58k / 20 x 64 / 4824 / 1944 / 3152) */
    {"rc-test", {12, 15, 11, 13, 12, 13}},
    /* lifts at proven-100 (rc_params: blowup 4, 81 queries, FRI arity 8)
     * of segment proofs at proven-100: the lift of po2 20 needs 18.25k /
     * 50.15k / 89 x 64 / 38.82k / 5047 / 47.26k rows. Every table at 2^16
     * gives the LDEs one height (2^18), so FRI folds 2^18 -> 15 -> 12 -> 9
     * with no layer that folds by less than 8 to let a smaller codeword
     * in: with five heights it folded by 2 four times (800 KB and 42.3k
     * p2 rows for the join of the time); base, bits and parts cost about
     * 2.5M padded cells against p2's 19M. ext alone at 2^17 (97.67k rows
     * before deep took e_mul_base_add2) made it two heights */
    {"rc-100", {16, 16, 16, 16, 16, 16}},
    /* lifts at proven-100 of segment proofs at proven-100, which are at
     * blowup 2 with 175 queries at po2 20 (rv_air.h RV_PROVEN_LOG_BLOWUP):
     * the lift of po2 20 needs 35.82k / 83.48k / 176 x 64 / 76.16k / 8275
     * / 102.7k rows. One height again: with base, bits and parts at their
     * own 2^16 / 2^14 the lift took 9% less CPU, but the join of two such
     * lifts needs 35.4k p2 rows (more FRI layers to check), over
     * rc-100-join's 2^15; at 2^17 everywhere it needs 30.66k */
    {"rc-100-lift", {17, 17, 17, 17, 17, 17}},
    /* joins at proven-100 (rc_fold.h "Shapes of lifts and joins"): the
     * join of two lifts of shape rc-100 needs 21.70k / 56.46k / 166 x 64 /
     * 27.90k / 5576 / 31.91k rows; the joins of join proofs need fewer but
     * in deep, which holds one row per two opened values per query (197 x
     * 81 x 2 in every join: 858 rows under 2^15; about ten more opened
     * columns per recursion proof would take deep to 2^16). Two LDE
     * heights (2^18 for ext, 2^17 for the rest) */
    {"rc-100-join", {15, 16, 15, 15, 15, 15}},
    /* joins at preset test: rc-test's heights would do; parts one
     * larger so that the fold at preset test, which the tests run, has
     * a join shape other than the lifts' as proven-100 has (three join
     * programs, rc_fold.h) */
    {"rc-test-join", {12, 15, 11, 13, 13, 13}},
};

cairn_err rc_shape_find(const rc_shape **out, const char *name)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        if (!strcmp(SHAPES[i].name, name)) {
            *out = &SHAPES[i];
            return CAIRN_OK;
        }
    return cairn_fail(CAIRN_ERR_USAGE, "rc_air: no recursion shape named '%s' (test, rc-test, rc-test-join, rc-100, rc-100-lift, rc-100-join)", name);
}

const char *rc_air_table_name(unsigned t) { return t < RC_AIR_NTABLES ? TNAME[t] : "?"; }
const air_machine *rc_air_machine(const rc_air *a) { return a->m; }
const stark_pk *rc_air_pk(const rc_air *a) { return a->pk; }
const stark_vk *rc_air_vk(const rc_air *a) { return a->vk; }
unsigned rc_air_npub(const rc_air *a) { return a->npub; }
size_t rc_air_rows(const rc_air *a, unsigned t) { return t < RC_AIR_NTABLES ? a->rows[t] : 0; }
unsigned rc_air_log_height(const rc_air *a, unsigned t)
{
    return t < RC_AIR_NTABLES ? a->log_n[t] : 0;
}

cairn_err rc_air_locate(unsigned *table, size_t *row, const rc_air *a, size_t i)
{
    RETURN_ERROR_IF(i >= a->p->nins, CAIRN_ERR_USAGE, "rc_air: instruction %zu out of range (%zu)", i,
                    a->p->nins);
    *table = a->tab[i];
    *row = a->row[i];
    return CAIRN_OK;
}

static unsigned table_of(unsigned op)
{
    switch (op) {
    case RC_BITS: return RC_TAB_BITS;
    case RC_PERMUTE: case RC_PERMUTE_SWAP: return RC_TAB_P2;
    case RC_E_PARTS: return RC_TAB_PARTS;
    case RC_E_MUL_BASE_ADD2: return RC_TAB_DEEP;
    case RC_CONST: case RC_INPUT: case RC_ADD: case RC_SUB: case RC_MUL: case RC_INV:
    case RC_SELECT: case RC_ASSERT_EQ: return RC_TAB_BASE;
    default: return RC_TAB_EXT;
    }
}

/* The flag column of a base or ext opcode; -1 for the inputs, which have
 * no rule (their value is the witness). */
static int flag_of(unsigned op)
{
    switch (op) {
    case RC_CONST: return BF_CONST;
    case RC_ADD: return BF_ADD;
    case RC_SUB: return BF_SUB;
    case RC_MUL: return BF_MUL;
    case RC_INV: return BF_INV;
    case RC_SELECT: return BF_SEL;
    case RC_ASSERT_EQ: return BF_ASSERT;
    case RC_E_CONST: return EF_CONST;
    case RC_E_FROM_BASE: return EF_FB;
    case RC_E_ADD: return EF_ADD;
    case RC_E_SUB: return EF_SUB;
    case RC_E_MUL: return EF_MUL;
    case RC_E_MUL_BASE: return EF_MULB;
    case RC_E_MUL_BASE_ADD: return EF_MULBADD;
    case RC_E_HORNER2: return EF_HORNER2;
    case RC_E_INV: return EF_INV;
    case RC_E_SELECT: return EF_SEL;
    case RC_E_ASSERT_EQ: return EF_ASSERT;
    default: return -1;
    }
}

static int is_assert(unsigned op) { return op == RC_ASSERT_EQ || op == RC_E_ASSERT_EQ; }

/* ---- constraints ---- */

typedef struct {
    air_machine *m;
    air_table *t;
} bld;

static air_expr pre(bld *b, unsigned c) { return air_col(b->m, b->t, AIR_PRE, c, 0); }
static air_expr col(bld *b, unsigned c) { return air_col(b->m, b->t, AIR_MAIN, c, 0); }
/* the next row's (cyclically: the first row follows the last) */
static air_expr pre_next(bld *b, unsigned c) { return air_col(b->m, b->t, AIR_PRE, c, 1); }
static air_expr col_next(bld *b, unsigned c) { return air_col(b->m, b->t, AIR_MAIN, c, 1); }
static air_expr cst(bld *b, gl_t x) { return air_const(b->m, b->t, x); }
static air_expr add(bld *b, air_expr x, air_expr y) { return air_add(b->m, b->t, x, y); }
static air_expr sub(bld *b, air_expr x, air_expr y) { return air_sub(b->m, b->t, x, y); }
static air_expr mul(bld *b, air_expr x, air_expr y) { return air_mul(b->m, b->t, x, y); }

/* flag * e = 0: the rule e holds on the rows of the flag's opcode */
static void rule(bld *b, unsigned flag, air_expr e, const char *name)
{
    air_constrain(b->m, b->t, mul(b, pre(b, flag), e), name);
}

/* One memory message (var, v0, v1, v2). */
static void mem(bld *b, int dir, air_expr mult, air_expr addr, air_expr v0, air_expr v1, air_expr v2)
{
    air_expr tup[4] = {addr, v0, v1, v2};
    air_interact(b->m, b->t, RC_AIR_BUS_MEM, dir, mult, tup, 4);
}

/* base and ext rows (table tab): write out, read a, b, c. A base operand
 * read by an ext row is the tuple (var, a0, a1, a2): the write was (var,
 * x, 0, 0), so the bus itself forces a1 = a2 = 0 and no constraint is
 * needed. Operand k is read once on the rows of every opcode of the table
 * with more than k operands: its multiplicity is the sum of their flags
 * (one-hot, so 1 on those rows and 0 on the others), plus, for operand a
 * of base, the public input's flag (it reads the boundary's value). No
 * column of its own: every query opens three preprocessed columns fewer
 * per table, and the DEEP sums of a recursion proof's verifier take
 * three rows fewer per query. */
static void operand_bus(bld *b, unsigned tab, const air_expr out[3], const air_expr a[3],
                        const air_expr bb[3], const air_expr c[3])
{
    const air_expr *v[3] = {a, bb, c};
    const unsigned addr[3] = {P_ADDR_A, P_ADDR_B, P_ADDR_C};
    mem(b, AIR_SEND, pre(b, P_MULT_OUT), pre(b, P_ADDR_OUT), out[0], out[1], out[2]);
    for (unsigned k = 0; k < 3; k++) {
        air_expr r = pre(b, BF_PUB);
        int n = tab == RC_TAB_BASE && k == 0;
        for (unsigned op = 1; op < RC_NOPS; op++) {
            if (table_of(op) != tab || flag_of(op) < 0 || rc_nargs(op) <= k) continue;
            air_expr f = pre(b, (unsigned)flag_of(op));
            r = n++ ? add(b, r, f) : f;
        }
        mem(b, AIR_RECEIVE, r, pre(b, addr[k]), v[k][0], v[k][1], v[k][2]);
    }
}

static void build_base(bld *b)
{
    air_expr a = col(b, RC_BASE_A), bb = col(b, RC_BASE_B), c = col(b, RC_BASE_C);
    air_expr out = col(b, RC_BASE_OUT), z = col(b, RC_BASE_Z), one = cst(b, 1), zero = cst(b, 0);
    rule(b, BF_CONST, sub(b, out, pre(b, B_IMM)), "const: out = imm");
    rule(b, BF_ADD, sub(b, out, add(b, a, bb)), "add: out = a + b");
    rule(b, BF_SUB, sub(b, out, sub(b, a, bb)), "sub: out = a - b");
    rule(b, BF_MUL, sub(b, out, mul(b, a, bb)), "mul: out = a * b");
    /* select's operands are (bit, a, b), in columns a, b, c; the bit is
     * boolean by construction (rc.h: an output of bits or a constant 0/1) */
    rule(b, BF_SEL, sub(b, out, add(b, c, mul(b, a, sub(b, bb, c)))), "select: out = b + bit (a - b)");
    /* inv with the witnessed zero flag z: a != 0 forces z = 0 and
     * out = 1/a; a = 0 forces z = 1, then out = 0 (inv(0) = 0) */
    rule(b, BF_INV, add(b, sub(b, mul(b, a, out), one), z), "inv: a out = 1 - z");
    rule(b, BF_INV, mul(b, a, z), "inv: a z = 0");
    rule(b, BF_INV, mul(b, out, z), "inv: out z = 0");
    rule(b, BF_ASSERT, sub(b, a, bb), "assert_eq: a = b");
    /* a public input copies the value that the boundary sent to its
     * public address (read as operand a) into its variable */
    rule(b, BF_PUB, sub(b, out, a), "public input: out = the public value");
    air_expr vo[3] = {out, zero, zero}, va[3] = {a, zero, zero}, vb[3] = {bb, zero, zero};
    air_expr vc[3] = {c, zero, zero};
    operand_bus(b, RC_TAB_BASE, vo, va, vb, vc);
}

/* c + a b + d e (one limb): e_horner2 in ext and e_mul_base_add2 in deep */
static air_expr madd2(bld *b, air_expr c, air_expr a, air_expr x, air_expr d, air_expr y)
{
    return add(b, add(b, c, mul(b, a, x)), mul(b, d, y));
}

/* x * y in F_p[X]/(X^3 - X - 1): the schoolbook product d0..d4 reduced by
 * X^3 = X + 1, X^4 = X^2 + X (as gl3_mul) */
static void ext_mul(bld *b, air_expr r[3], const air_expr x[3], const air_expr y[3])
{
    air_expr d0 = mul(b, x[0], y[0]);
    air_expr d1 = add(b, mul(b, x[0], y[1]), mul(b, x[1], y[0]));
    air_expr d2 = add(b, add(b, mul(b, x[0], y[2]), mul(b, x[1], y[1])), mul(b, x[2], y[0]));
    air_expr d3 = add(b, mul(b, x[1], y[2]), mul(b, x[2], y[1]));
    air_expr d4 = mul(b, x[2], y[2]);
    r[0] = add(b, d0, d3);
    r[1] = add(b, add(b, d1, d3), d4);
    r[2] = add(b, d2, d4);
}

static void build_ext(bld *b)
{
    air_expr a[3], bb[3], c[3], out[3], d[3], prod[3], inv[3];
    for (unsigned i = 0; i < 3; i++) {
        a[i] = col(b, RC_EXT_A + i);
        bb[i] = col(b, RC_EXT_B + i);
        c[i] = col(b, RC_EXT_C + i);
        out[i] = col(b, RC_EXT_OUT + i);
        d[i] = col(b, RC_EXT_D + i);
    }
    air_expr z = col(b, RC_EXT_Z), e = col(b, RC_EXT_E), one = cst(b, 1), zero = cst(b, 0);
    ext_mul(b, prod, a, bb);
    ext_mul(b, inv, a, out);
    char name[48];
    for (unsigned i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "e_const: out = imm (limb %u)", i);
        rule(b, EF_CONST, sub(b, out[i], pre(b, E_IMM + i)), name);
        /* e_from_base reads a base variable: a1 = a2 = 0 by the bus */
        snprintf(name, sizeof name, "e_from_base: out = a (limb %u)", i);
        rule(b, EF_FB, sub(b, out[i], a[i]), name);
        snprintf(name, sizeof name, "e_add: out = a + b (limb %u)", i);
        rule(b, EF_ADD, sub(b, out[i], add(b, a[i], bb[i])), name);
        snprintf(name, sizeof name, "e_sub: out = a - b (limb %u)", i);
        rule(b, EF_SUB, sub(b, out[i], sub(b, a[i], bb[i])), name);
        snprintf(name, sizeof name, "e_mul: out = a b (limb %u)", i);
        rule(b, EF_MUL, sub(b, out[i], prod[i]), name);
        /* b is a base variable (b1 = b2 = 0 by the bus) */
        snprintf(name, sizeof name, "e_mul_base: out = a b0 (limb %u)", i);
        rule(b, EF_MULB, sub(b, out[i], mul(b, a[i], bb[0])), name);
        /* (a, b, acc) in columns a, b, c: one DEEP term added */
        snprintf(name, sizeof name, "e_mul_base_add: out = c + a b0 (limb %u)", i);
        rule(b, EF_MULBADD, sub(b, out[i], add(b, c[i], mul(b, a[i], bb[0]))), name);
        /* (acc, x^2, c, coefficient, x): two Horner steps */
        snprintf(name, sizeof name, "e_horner2: out = c + a b0 + d e (limb %u)", i);
        rule(b, EF_HORNER2, sub(b, out[i], madd2(b, c[i], a[i], bb[0], d[i], e)), name);
        /* (bit, a, b) in columns a, b, c; the bit is a0 */
        snprintf(name, sizeof name, "e_select: out = b + bit (a - b) (limb %u)", i);
        rule(b, EF_SEL, sub(b, out[i], add(b, c[i], mul(b, a[0], sub(b, bb[i], c[i])))), name);
        snprintf(name, sizeof name, "e_assert_eq: a = b (limb %u)", i);
        rule(b, EF_ASSERT, sub(b, a[i], bb[i]), name);
        /* e_inv: a out = (1 - z, 0, 0), a z = 0, out z = 0 with z base:
         * a != 0 has some a_i != 0, forcing z = 0 and out = 1/a; a = 0
         * forces z = 1, then out = 0 */
        snprintf(name, sizeof name, "e_inv: a out = 1 - z (limb %u)", i);
        rule(b, EF_INV, i == 0 ? add(b, sub(b, inv[0], one), z) : inv[i], name);
        snprintf(name, sizeof name, "e_inv: a z = 0 (limb %u)", i);
        rule(b, EF_INV, mul(b, a[i], z), name);
        snprintf(name, sizeof name, "e_inv: out z = 0 (limb %u)", i);
        rule(b, EF_INV, mul(b, out[i], z), name);
    }
    operand_bus(b, RC_TAB_EXT, out, a, bb, c);
    /* e_horner2's d and e, read on its rows only (its flag is their
     * multiplicity); e is a base variable, read as (var, e, 0, 0), the
     * tuple its write sent */
    mem(b, AIR_RECEIVE, pre(b, EF_HORNER2), pre(b, E_ADDR_D), d[0], d[1], d[2]);
    mem(b, AIR_RECEIVE, pre(b, EF_HORNER2), pre(b, E_ADDR_E), e, zero, zero);
}

/* e_mul_base_add2 (a, b, c, d, e): out = c + a b + d e, on every row: a
 * padding row (all zero) satisfies it, so no flag is needed and the
 * constraint has degree 2. The base operands b and e are read as (var, x,
 * 0, 0), the tuple their write sent; the five reads and the write are the
 * row's, with the row's flag as the reads' multiplicity. */
static void build_deep(bld *b)
{
    air_expr a[3], c[3], d[3], out[3], zero = cst(b, 0);
    air_expr bb = col(b, RC_DEEP_B), e = col(b, RC_DEEP_E), r = pre(b, DP_R);
    char name[64];
    for (unsigned i = 0; i < 3; i++) {
        a[i] = col(b, RC_DEEP_A + i);
        c[i] = col(b, RC_DEEP_C + i);
        d[i] = col(b, RC_DEEP_D + i);
        out[i] = col(b, RC_DEEP_OUT + i);
        snprintf(name, sizeof name, "e_mul_base_add2: out = c + a b + d e (limb %u)", i);
        air_constrain(b->m, b->t, sub(b, out[i], madd2(b, c[i], a[i], bb, d[i], e)), name);
    }
    mem(b, AIR_SEND, pre(b, DP_MULT_OUT), pre(b, DP_ADDR_OUT), out[0], out[1], out[2]);
    mem(b, AIR_RECEIVE, r, pre(b, DP_ADDR_A), a[0], a[1], a[2]);
    mem(b, AIR_RECEIVE, r, pre(b, DP_ADDR_B), bb, zero, zero);
    mem(b, AIR_RECEIVE, r, pre(b, DP_ADDR_C), c[0], c[1], c[2]);
    mem(b, AIR_RECEIVE, r, pre(b, DP_ADDR_D), d[0], d[1], d[2]);
    mem(b, AIR_RECEIVE, r, pre(b, DP_ADDR_E), e, zero, zero);
}

/* One decomposition is a block of 64 rows, row k holding bit k, so the
 * table is 5 main and 8 preprocessed columns wide and has one read and one
 * write per row (a row per decomposition with 64 bit columns opened 235
 * columns per query, for a few hundred rows). The constraints, with the
 * preprocessed columns of the block (enum BI_*):
 *   every row       b (1 - b) = 0
 *   next row        acc' = next acc + 2^k' b'  (next = 0 on a block's last
 *                   row and on padding, so a block starts with acc = b;
 *                   cyclic: row 0 follows the last row, whose next is 0)
 *                   lo' = lof' acc' + hif' lo  (lo = acc of row 31 on rows
 *                   31..63; lof, hif = 0 on rows 0..30 and padding)
 *   last row (rx)   w = (acc - lo + 1) t,  lo (1 - w) = 0
 * so on the last row acc = sum b_k 2^k mod p and lo = sum_{k<32} b_k 2^k.
 * acc - lo = hi 2^32 with hi = sum_{k>=32} b_k 2^(k-32), exactly (as
 * integers hi 2^32 <= 2^64 - 2^32 = p - 1), so acc - lo + 1 = 0 iff
 * hi = 2^32 - 1. The integer sum b_k 2^k is >= p only if hi = 2^32 - 1
 * and lo != 0, and the last two rules exclude exactly that (hi != 2^32 - 1
 * admits t = 1 / (acc - lo + 1), w = 1; hi = 2^32 - 1 forces w = 0, then
 * lo = 0): the bits are the binary form of the canonical acc, which the
 * last row reads as x. The bus writes bit k to dst + k. */
static void build_bits(bld *b)
{
    air_expr bit = col(b, RC_BITS_B), acc = col(b, RC_BITS_ACC), lo = col(b, RC_BITS_LO);
    air_expr t = col(b, RC_BITS_T), w = col(b, RC_BITS_W), one = cst(b, 1), zero = cst(b, 0);
    air_constrain(b->m, b->t, mul(b, bit, sub(b, one, bit)), "bits: bit boolean");
    air_expr acc_next = col_next(b, RC_BITS_ACC);
    air_constrain(b->m, b->t,
                  sub(b, acc_next, add(b, mul(b, pre(b, BI_NEXT), acc),
                                       mul(b, pre_next(b, BI_POW), col_next(b, RC_BITS_B)))),
                  "bits: acc = sum of the bits so far");
    air_constrain(b->m, b->t,
                  sub(b, col_next(b, RC_BITS_LO),
                      add(b, mul(b, pre_next(b, BI_LOF), acc_next), mul(b, pre_next(b, BI_HIF), lo))),
                  "bits: lo = sum of the low 32 bits");
    rule(b, BI_RX, sub(b, w, mul(b, add(b, sub(b, acc, lo), one), t)), "bits: w = (acc - lo + 1) t");
    rule(b, BI_RX, mul(b, lo, sub(b, one, w)), "bits: canonical (< p)");
    mem(b, AIR_RECEIVE, pre(b, BI_RX), pre(b, BI_ADDR_X), acc, zero, zero);
    mem(b, AIR_SEND, pre(b, BI_MULT), pre(b, BI_ADDR), bit, zero, zero);
}

static void build_p2(bld *b)
{
    air_expr in[W], g[W], out[W], zero = cst(b, 0), one = cst(b, 1);
    for (unsigned i = 0; i < W; i++) g[i] = in[i] = col(b, RC_P2_IN + i);
    /* permute_swap: the direction bit s exchanges in[0..4) and in[4..8)
     * through d_i = s (in[4 + i] - in[i]) (degree 2), so the gadget's
     * inputs stay degree 1. s is boolean (it is read from an output of
     * bits, and checked here too), and 0 on the rows that read no bit
     * (permute, padding), where the inputs pass unchanged */
    air_expr s = col(b, RC_P2_S);
    air_constrain(b->m, b->t, mul(b, s, sub(b, one, s)), "permute_swap: direction bit boolean");
    air_constrain(b->m, b->t, mul(b, sub(b, one, pre(b, PP_RS)), s),
                  "permute: no exchange without a direction bit");
    char name[64];
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        air_expr d = col(b, RC_P2_D + i);
        snprintf(name, sizeof name, "permute_swap: d = s (in[%u] - in[%u])", P2_DIGEST + i, i);
        air_constrain(b->m, b->t, sub(b, d, mul(b, s, sub(b, in[P2_DIGEST + i], in[i]))), name);
        g[i] = add(b, in[i], d);
        g[P2_DIGEST + i] = sub(b, in[P2_DIGEST + i], d);
    }
    p2_air_build(&GADGET, b->m, b->t, out, g);
    mem(b, AIR_RECEIVE, pre(b, PP_RS), pre(b, PP_ADDR_S), s, zero, zero);
    /* one send per lane with a signed multiplicity: a read sends -1 (a
     * receive), the lane that defines an absorbed input (the first lane
     * that reads it, fill_pre) sends its value for the other reads. Its
     * value is then a free witness, as an input's is, and the bus makes
     * every other read see it */
    for (unsigned i = 0; i < W; i++)
        mem(b, AIR_SEND, pre(b, PP_M + i), pre(b, PP_ADDR_IN + i), in[i], zero, zero);
    for (unsigned i = 0; i < W; i++)
        mem(b, AIR_SEND, pre(b, PP_MULT + i), add(b, pre(b, PP_ADDR_DST), cst(b, i)), out[i], zero,
            zero);
}

/* e_parts has no constraint of its own: the read of (a, c0, c1, c2) and
 * the writes (dst + i, ci) on the bus are the whole rule. */
static void build_parts(bld *b)
{
    air_expr c[3], zero = cst(b, 0);
    for (unsigned i = 0; i < 3; i++) c[i] = col(b, RC_PARTS_C + i);
    mem(b, AIR_RECEIVE, pre(b, PA_RA), pre(b, PA_ADDR_A), c[0], c[1], c[2]);
    for (unsigned i = 0; i < 3; i++)
        mem(b, AIR_SEND, pre(b, PA_MULT + i), add(b, pre(b, PA_ADDR_DST), cst(b, i)), c[i], zero,
            zero);
}

/* ---- the program's preprocessed columns ---- */

static unsigned log_height(size_t rows)
{
    unsigned l = 2; /* STARK_MIN_LOG_N: the smallest table a proof may have */
    while (((size_t)1 << l) < rows) l++;
    return l;
}

/* Whether instruction i is an input absorbed by the p2 row that defines
 * its variable (absorb_inputs): it has no row of its own. */
static int absorbed(const rc_air *a, size_t i)
{
    return a->p->ins[i].op == RC_INPUT && a->tab[i] == RC_TAB_P2;
}

/* Preprocessed values of every table; reads[v] is the number of reads of
 * variable v, def[v] the p2 lane that defines it (absorb_inputs). */
static cairn_err fill_pre(rc_air *a, gl_t *prev[RC_AIR_NTABLES], const uint32_t *reads,
                          const uint64_t *def)
{
    const rc_program *p = a->p;
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) {
        size_t n = (size_t)1 << a->log_n[t];
        prev[t] = cairn_calloc(n, NPRE[t] * sizeof(gl_t));
        if (!prev[t])
            return cairn_fail_nomem(n * NPRE[t] * sizeof(gl_t),
                                    "rc_air: out of memory for the preprocessed columns of %s", TNAME[t]);
    }
    size_t pubk = 0;
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        const uint32_t *arg = p->args + in->arg;
        const unsigned t = a->tab[i], na = rc_nargs(in->op);
        gl_t *r = prev[t] + (size_t)a->row[i] * NPRE[t];
        if (absorbed(a, i)) continue; /* its p2 row says it all */
        if (pubk < a->npub && in->op == RC_INPUT && in->dst == a->pubvar[pubk]) {
            r[P_ADDR_A] = PUB_ADDR(pubk);
            r[P_ADDR_OUT] = in->dst;
            r[P_MULT_OUT] = reads[in->dst];
            r[BF_PUB] = 1;
            pubk++;
            continue;
        }
        switch (t) {
        case RC_TAB_BASE:
        case RC_TAB_EXT: {
            for (unsigned k = 0; k < na; k++) {
                /* operands 3 and 4 (e_horner2's d, e): ext's own columns,
                 * read with the opcode's flag */
                r[k < 3 ? P_ADDR_A + k : k == 3 ? E_ADDR_D : E_ADDR_E] = arg[k];
            }
            if (!is_assert(in->op)) {
                r[P_ADDR_OUT] = in->dst;
                r[P_MULT_OUT] = reads[in->dst];
            }
            int f = flag_of(in->op);
            if (f >= 0) r[f] = 1;
            if (in->op == RC_CONST) r[B_IMM] = p->imm[in->extra];
            if (in->op == RC_E_CONST)
                for (unsigned k = 0; k < 3; k++) r[E_IMM + k] = p->imm[in->extra + k];
            break;
        }
        case RC_TAB_BITS:
            for (unsigned k = 0; k < RC_BITS_ROWS; k++) {
                gl_t *rk = r + (size_t)k * NPRE[t];
                rk[BI_POW] = (gl_t)1 << k;
                rk[BI_NEXT] = k + 1 < RC_BITS_ROWS;
                rk[BI_LOF] = k == 31;
                rk[BI_HIF] = k >= 32;
                if (k < in->n) {
                    rk[BI_ADDR] = in->dst + k;
                    rk[BI_MULT] = reads[in->dst + k];
                }
                if (k + 1 == RC_BITS_ROWS) {
                    rk[BI_ADDR_X] = arg[0];
                    rk[BI_RX] = 1;
                }
            }
            break;
        case RC_TAB_P2: {
            const unsigned sw = in->op == RC_PERMUTE_SWAP; /* the bit is operand 0 */
            const uint64_t lane0 = (uint64_t)a->row[i] * W + 1;
            for (unsigned k = 0; k < W; k++) {
                const uint32_t v = arg[sw + k];
                r[PP_ADDR_IN + k] = v;
                /* the defining lane sends for the other reads (the read
                 * counts are u32, far below p); every other lane reads */
                r[PP_M + k] = def[v] == lane0 + k ? reads[v] - 1 : GL_P - 1;
                r[PP_MULT + k] = reads[in->dst + k];
            }
            r[PP_ADDR_DST] = in->dst;
            if (sw) {
                r[PP_ADDR_S] = arg[0];
                r[PP_RS] = 1;
            }
            break;
        }
        case RC_TAB_PARTS:
            r[PA_ADDR_A] = arg[0];
            r[PA_RA] = 1;
            r[PA_ADDR_DST] = in->dst;
            for (unsigned k = 0; k < 3; k++) r[PA_MULT + k] = reads[in->dst + k];
            break;
        default: /* deep */
            for (unsigned k = 0; k < 5; k++) r[DP_ADDR_A + k] = arg[k];
            r[DP_ADDR_OUT] = in->dst;
            r[DP_MULT_OUT] = reads[in->dst];
            r[DP_R] = 1;
            break;
        }
    }
    return CAIRN_OK;
}

/* The inputs that p2 rows absorb: def[v] = p2 row * 12 + lane + 1 for
 * the first p2 lane (in program order) that reads v, where v is a private
 * input's variable; 0 for every other variable. The lift and join
 * programs read most of their witness (opened rows, Merkle siblings) only
 * into the sponge: a base row per input was 87% of a join's base table. The
 * public inputs keep their rows, which copy the boundary's value. p2 rows
 * are placed in program order (place), so the p2 row of the k-th
 * permutation is k. */
static void absorb_inputs(const rc_air *a, uint64_t *def)
{
    const rc_program *p = a->p;
    const uint64_t open = UINT64_MAX; /* a private input no lane read yet */
    size_t wi = 0;
    uint64_t p2row = 0;
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        const uint32_t *arg = p->args + in->arg;
        if (in->op == RC_INPUT && wi++ >= a->npub) def[in->dst] = open;
        else if (in->op == RC_E_INPUT) wi += 3;
        if (table_of(in->op) != RC_TAB_P2) continue;
        const unsigned sw = in->op == RC_PERMUTE_SWAP;
        for (unsigned k = 0; k < W; k++)
            if (def[arg[sw + k]] == open) def[arg[sw + k]] = p2row * W + k + 1;
        p2row++;
    }
    for (size_t v = 0; v < p->nvars; v++)
        if (def[v] == open) def[v] = 0;
}

/* Rows of every instruction; the first npub witness elements must be
 * read by `input` instructions (their rows copy the public values). An
 * input absorbed by a p2 row (def, absorb_inputs) has none: it is located
 * at that row, in table p2. With a shape, every table has the shape's
 * height, and a program that needs more rows is refused. */
static cairn_err place(rc_air *a, const rc_shape *shape, const uint64_t *def)
{
    const rc_program *p = a->p;
    size_t wi = 0;
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        if (wi < a->npub && (in->op == RC_INPUT || in->op == RC_E_INPUT)) {
            RETURN_ERROR_IF(in->op == RC_E_INPUT, CAIRN_ERR_USAGE,
                            "rc_air: public value %zu is read by e_input (instruction %zu); the "
                            "public values must be base inputs",
                            wi, i);
            a->pubvar[wi] = in->dst;
        }
        if (in->op == RC_INPUT) wi++;
        else if (in->op == RC_E_INPUT) wi += 3;
        if (in->op == RC_INPUT && def[in->dst]) {
            a->tab[i] = RC_TAB_P2;
            a->row[i] = (uint32_t)((def[in->dst] - 1) / W);
            continue;
        }
        unsigned t = table_of(in->op), h = t == RC_TAB_BITS ? RC_BITS_ROWS : 1;
        RETURN_ERROR_IF(a->rows[t] >= UINT32_MAX - h, CAIRN_ERR_LIMIT, "rc_air: table %s too tall",
                        TNAME[t]);
        a->tab[i] = (uint8_t)t;
        a->row[i] = (uint32_t)a->rows[t];
        a->rows[t] += h;
    }
    RETURN_ERROR_IF(wi < a->npub, CAIRN_ERR_USAGE,
                    "rc_air: %u public values, but the program reads %zu witness elements", a->npub,
                    wi);
    /* every table that does not fit is named, so that one try sizes a
     * shape */
    char msg[320] = "";
    size_t used = 0;
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) {
        a->log_n[t] = log_height(a->rows[t]);
        RETURN_ERROR_IF(a->log_n[t] > MAX_LOG_N, CAIRN_ERR_LIMIT,
                        "rc_air: table %s needs 2^%u rows (more than a proof may have)", TNAME[t],
                        a->log_n[t]);
        if (!shape) continue;
        if (a->log_n[t] > shape->log_n[t] && used < sizeof msg) {
            int k = snprintf(msg + used, sizeof msg - used, "%stable %s needs %zu rows, the shape has 2^%u",
                             used ? "; " : "", TNAME[t], a->rows[t], shape->log_n[t]);
            used += k > 0 ? (size_t)k : 0;
        }
        a->log_n[t] = shape->log_n[t];
    }
    RETURN_ERROR_IF(used, CAIRN_ERR_LIMIT, "rc_air: the program does not fit shape %s: %s", shape->name, msg);
    return CAIRN_OK;
}

/* The constraint system of every program with npub public values: the
 * tables, their constraints and bus messages, the boundary terms (no
 * preprocessed values yet). */
static cairn_err machine_new(air_machine **out, air_table *tabs[RC_AIR_NTABLES], unsigned npub)
{
    FORWARD_IF_ERROR(air_machine_new(out, "recursion", npub));
    air_machine *m = *out;
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) tabs[t] = air_table_add(m, TNAME[t], NPRE[t], NMAIN[t]);
    if (m->err != CAIRN_OK) return cairn_fail(m->err, "%s", m->errmsg);
    void (*const fn[RC_AIR_NTABLES])(bld *) = {build_base, build_ext, build_bits, build_p2, build_parts,
                                               build_deep};
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) {
        bld b = {m, tabs[t]};
        fn[t](&b);
    }
    /* public inputs: the boundary sends (PUB_ADDR(i), pub_i) once; the
     * input row of public value i reads it and writes its variable, so
     * the bus balances only if every read sees the public value. Only
     * npub enters these terms (no variable, no read count): two programs
     * with as many public values and one shape have one constraint
     * system, and their keys differ only in the preprocessed columns */
    bld bd = {m, m->boundary};
    for (unsigned k = 0; k < npub; k++)
        mem(&bd, AIR_SEND, cst(&bd, 1), cst(&bd, PUB_ADDR(k)), air_pub(m, m->boundary, k), cst(&bd, 0),
            cst(&bd, 0));
    return CAIRN_OK;
}

static cairn_err build_machine(rc_air *a, const uint32_t *reads, const uint64_t *def)
{
    for (unsigned k = 0; k < a->npub; k++)
        RETURN_ERROR_IF(reads[a->pubvar[k]] == 0, CAIRN_ERR_USAGE,
                        "rc_air: public value %u (variable %u) is never read, so no proof could "
                        "bind it",
                        k, a->pubvar[k]);
    air_table *tabs[RC_AIR_NTABLES];
    FORWARD_IF_ERROR(machine_new(&a->m, tabs, a->npub));
    air_machine *m = a->m;
    gl_t *prev[RC_AIR_NTABLES] = {0};
    cairn_err e = fill_pre(a, prev, reads, def);
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) {
        if (e == CAIRN_OK) air_table_set_pre(m, tabs[t], prev[t], a->log_n[t]);
        free(prev[t]);
    }
    FORWARD_IF_ERROR(e);
    return air_machine_finish(m, RC_AIR_MAX_DEGREE);
}

/* The constraint system of machine_new, finished, with zero preprocessed
 * values at the heights log_n. */
static cairn_err zero_machine(air_machine **out, unsigned npub, const unsigned log_n[RC_AIR_NTABLES])
{
    air_table *tabs[RC_AIR_NTABLES];
    cairn_err e = machine_new(out, tabs, npub);
    for (unsigned t = 0; t < RC_AIR_NTABLES && e == CAIRN_OK; t++) air_table_set_pre(*out, tabs[t], NULL, log_n[t]);
    if (e == CAIRN_OK) e = air_machine_finish(*out, RC_AIR_MAX_DEGREE);
    if (e != CAIRN_OK) {
        air_machine_free(*out);
        *out = NULL;
    }
    return e;
}

cairn_err rc_air_shape_machine(air_machine **out, const char *shape, unsigned npub)
{
    *out = NULL;
    RETURN_ERROR_IF(npub > STARK_MAX_PUB, CAIRN_ERR_USAGE, "rc_air: %u public values (max %d)", npub, STARK_MAX_PUB);
    const rc_shape *sh;
    FORWARD_IF_ERROR(rc_shape_find(&sh, shape));
    return zero_machine(out, npub, sh->log_n);
}

/* The recursion layer's parameters (rc_air.h). A proven preset takes the
 * recursion layer's blowup, grinding and FRI shape with the fewest queries
 * that reach its bound on the recursion machine at the shape's heights.
 * Blowup 2^RC_LOG_BLOWUP: measured on join at shape rc-100
 * (docs/recursion.md "Parameters"): the lift of a po2 20 segment proof sets the shape's heights whatever the recursion
 * blowup (its rows depend on the segment proof's parameters), and the join
 * fits them at blowup 4 (81 queries) as at 8 (54), so a larger blowup only
 * adds LDE work: blowup 8 took 1.9x the CPU time of blowup 4 for the same
 * lifts and join, for a proof 0.7x the size. A last layer that must be
 * small takes rc_params_at with a larger blowup. */
#define RC_LOG_BLOWUP 2
#define RC_POW_BITS 20
/* FRI arity 2^RC_LOG_ARITY, final polynomial of 2^RC_LOG_FINAL_LEN
 * coefficients: measured on join at rc-100 (docs/recursion.md
 * "Parameters"): against arity 4 and 8 coefficients (the preset's), 5
 * FRI layers instead of 8 and 24 fewer Merkle levels per query: the join
 * proof 755 KB instead of 822 KB, its p2 rows 38.9k instead of 43.3k and
 * base rows 195k instead of 214k (ext 149k instead of 132k: the arity-8
 * folds and the final polynomial's Horner rows), at the same 81 queries
 * and 101.0 proven bits; the heights, and so the CPU time, unchanged.
 * Arity 8 with 2^5 or 2^3 coefficients, arity 4 with 2^7: 778 / 800 /
 * 778 KB. */
#define RC_LOG_ARITY 3
#define RC_LOG_FINAL_LEN 7

cairn_err rc_params(stark_params *out, stark_security_bits *sec, const char *preset, const char *shape)
{
    return rc_params_at(out, sec, preset, shape, 0);
}

cairn_err rc_params_at(stark_params *out, stark_security_bits *sec, const char *preset,
                       const char *shape, unsigned log_blowup)
{
    return rc_params_fri(out, sec, preset, shape, log_blowup, 0, STARK_PARAMS_KEEP);
}

cairn_err rc_params_fri(stark_params *out, stark_security_bits *sec, const char *preset,
                        const char *shape, unsigned log_blowup, unsigned log_arity,
                        unsigned log_final_len)
{
    const rc_shape *sh;
    FORWARD_IF_ERROR(rc_shape_find(&sh, shape));
    FORWARD_IF_ERROR(stark_params_preset(out, preset));
    const double bound = !strcmp(preset, "proven-100") ? 100.0 : 0.0;
    if (bound > 0) {
        out->log_blowup = RC_LOG_BLOWUP;
        out->pow_bits = RC_POW_BITS;
        out->log_arity = RC_LOG_ARITY;
        out->log_final_len = RC_LOG_FINAL_LEN;
    }
    if (log_blowup) out->log_blowup = log_blowup;
    if (log_arity) out->log_arity = log_arity;
    if (log_final_len != STARK_PARAMS_KEEP) out->log_final_len = log_final_len;
    FORWARD_IF_ERROR(stark_params_validate(out));
    /* the machine at the shape's heights: every program of the shape has
     * this constraint system (up to npub, whose boundary terms only add
     * LogUp fractions: the most public values give a lower bound) */
    /* preprocessed values of the smallest height: the security planner
     * takes the shape's heights (stark_params_fit_queries) */
    static const unsigned small[RC_AIR_NTABLES] = {2, 2, 2, 2, 2, 2};
    air_machine *m = NULL;
    cairn_err e = zero_machine(&m, STARK_MAX_PUB, small);
    stark_security_bits s;
    if (e == CAIRN_OK) e = stark_params_fit_queries(out, &s, m, sh->log_n, bound);
    if (e == CAIRN_OK && sec) *sec = s;
    air_machine_free(m);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "rc_params");
    return CAIRN_OK;
}

cairn_err rc_air_build(rc_air **out, const rc_program *p, unsigned npub, const stark_params *params)
{
    return rc_air_build_shape(out, p, npub, NULL, params);
}

cairn_err rc_air_build_shape(rc_air **out, const rc_program *p, unsigned npub, const char *shape,
                             const stark_params *params)
{
    *out = NULL;
    RETURN_ERROR_IF(npub > STARK_MAX_PUB, CAIRN_ERR_USAGE, "rc_air: %u public values (max %d)", npub,
                    STARK_MAX_PUB);
    rc_air *a = cairn_calloc(1, sizeof *a);
    RETURN_ERROR_IF(!a, CAIRN_ERR_NOMEM, "rc_air: out of memory");
    a->p = p;
    a->npub = npub;
    a->tab = cairn_calloc(p->nins + 1, sizeof *a->tab);
    a->row = cairn_calloc(p->nins + 1, sizeof *a->row);
    a->pubvar = cairn_calloc(npub + 1, sizeof *a->pubvar);
    uint32_t *reads = cairn_calloc(p->nvars + 1, sizeof *reads);
    uint64_t *def = cairn_calloc(p->nvars + 1, sizeof *def);
    cairn_err e = CAIRN_OK;
    const rc_shape *sh = NULL;
    if (shape && (e = rc_shape_find(&sh, shape)) != CAIRN_OK) {
        free(reads);
        free(def);
        rc_air_free(a);
        return e;
    }
    if (!a->tab || !a->row || !a->pubvar || !reads || !def)
        e = cairn_fail_nomem((p->nins * 5 + p->nvars * 12), "rc_air: out of memory for %zu instructions",
                             p->nins);
    /* a variable's read count is its write's multiplicity (a u32 count of
     * operands, far below p) */
    for (size_t i = 0; e == CAIRN_OK && i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        for (unsigned k = 0; k < rc_nargs(in->op); k++) reads[p->args[in->arg + k]]++;
    }
    if (e == CAIRN_OK) absorb_inputs(a, def);
    if (e == CAIRN_OK) e = place(a, sh, def);
    if (e == CAIRN_OK) e = build_machine(a, reads, def);
    if (e == CAIRN_OK) e = stark_setup(&a->pk, &a->vk, a->m, params);
    free(reads);
    free(def);
    if (e != CAIRN_OK) {
        rc_air_free(a);
        return e;
    }
    *out = a;
    return CAIRN_OK;
}

void rc_air_free(rc_air *a)
{
    if (!a) return;
    stark_pk_free(a->pk);
    stark_vk_free(a->vk);
    air_machine_free(a->m);
    free(a->tab);
    free(a->row);
    free(a->pubvar);
    free(a);
}

/* ---- trace ---- */

void rc_trace_free(rc_trace *t)
{
    if (!t) return;
    for (unsigned i = 0; i < RC_AIR_NTABLES; i++) free(t->main[i]);
    memset(t, 0, sizeof *t);
}

/* Frees t, whose main traces are k's when k is set (they stay k's). */
static void trace_drop(rc_trace *t, const stark_keep *k)
{
    if (k) memset(t->main, 0, sizeof t->main);
    rc_trace_free(t);
}

/* One row of base or ext: operands and result, and the zero flag of an
 * inverse. */
static void fill_operands(gl_t *r, unsigned t, const rc_instr *in, const uint32_t *arg,
                          const gl3_t *v)
{
    const unsigned na = rc_nargs(in->op);
    if (t == RC_TAB_BASE) {
        for (unsigned k = 0; k < na; k++) r[RC_BASE_A + k] = v[arg[k]].c[0];
        if (!is_assert(in->op)) r[RC_BASE_OUT] = v[in->dst].c[0];
        /* a public input's row reads its value as operand a (from the
         * boundary); a private input's a is read by nothing */
        if (in->op == RC_INPUT) r[RC_BASE_A] = r[RC_BASE_OUT];
        if (in->op == RC_INV) r[RC_BASE_Z] = r[RC_BASE_A] == 0;
        return;
    }
    for (unsigned k = 0; k < na; k++)
        for (unsigned l = 0; l < (k == 4 ? 1u : 3u); l++)
            r[(k < 3 ? RC_EXT_A + 3 * k : k == 3 ? RC_EXT_D : RC_EXT_E) + l] = v[arg[k]].c[l];
    if (!is_assert(in->op))
        for (unsigned l = 0; l < 3; l++) r[RC_EXT_OUT + l] = v[in->dst].c[l];
    if (in->op == RC_E_INV) r[RC_EXT_Z] = gl3_eq(v[arg[0]], gl3_zero());
}

/* The block of one decomposition of the canonical x (build_bits). */
static void fill_bits(gl_t *r, gl_t x)
{
    const gl_t lo = x & 0xffffffffull;
    for (unsigned k = 0; k < RC_BITS_ROWS; k++, r += RC_BITS_NMAIN) {
        r[RC_BITS_B] = (x >> k) & 1;
        r[RC_BITS_ACC] = k == 63 ? x : x & ((2ull << k) - 1);
        r[RC_BITS_LO] = k >= 31 ? lo : 0;
    }
    /* the canonicity helper: 1 / (acc - lo + 1) when it exists; it does
     * not when hi = 2^32 - 1, where the canonical x has lo = 0 and t is
     * free (0) */
    r -= RC_BITS_NMAIN;
    gl_t d = gl_add(gl_sub(x, lo), 1);
    r[RC_BITS_T] = d ? gl_inv(d) : 0;
    r[RC_BITS_W] = d ? 1 : 0;
}

/* The traces of one run; with k, the main traces are k's (reused from the
 * last proof of the shape), else the caller's. */
static cairn_err trace(rc_trace *out, const rc_air *a, const gl_t *witness, size_t n, int checked, stark_keep *k)
{
    memset(out, 0, sizeof *out);
    const rc_program *p = a->p;
    gl3_t *v = cairn_malloc_array(p->nvars + 1, sizeof *v);
    if (!v) return cairn_fail_nomem(p->nvars * sizeof *v, "rc_air_trace: out of memory for %zu variables", p->nvars);
    rc_exec_result res;
    cairn_err e = rc_exec_run(v, &res, p, witness, n);
    /* unchecked (tests): a failed assertion still leaves every value */
    if (e == CAIRN_ERR_VERIFY && !checked && res.failures) e = CAIRN_OK;
    if (e != CAIRN_OK) {
        free(v);
        return cairn_prefix_error(e, "rc_air_trace");
    }
    for (unsigned t = 0; t < RC_AIR_NTABLES && e == CAIRN_OK; t++) {
        size_t rows = (size_t)1 << a->log_n[t];
        out->main[t] = k ? stark_keep_trace(k, t, rows * NMAIN[t] * sizeof(gl_t))
                         : cairn_calloc(rows, NMAIN[t] * sizeof(gl_t));
        if (!out->main[t])
            e = cairn_fail_nomem(rows * NMAIN[t] * sizeof(gl_t),
                                 "rc_air_trace: out of memory for table %s", TNAME[t]);
        out->tr[t] = (stark_trace){out->main[t], a->log_n[t]};
    }
    /* p2 padding rows hold the permutation of the zero state: the gadget's
     * constraints hold on every row (p2_air.h) */
    gl_t zin[W] = {0}, zout[W];
    for (size_t r = a->rows[RC_TAB_P2]; e == CAIRN_OK && r < ((size_t)1 << a->log_n[RC_TAB_P2]); r++)
        e = p2_air_fill(&GADGET, out->main[RC_TAB_P2] + r * RC_P2_NMAIN, zout, zin);
    for (size_t i = 0; i < p->nins && e == CAIRN_OK; i++) {
        const rc_instr *in = &p->ins[i];
        const uint32_t *arg = p->args + in->arg;
        const unsigned t = a->tab[i];
        gl_t *r = out->main[t] + (size_t)a->row[i] * NMAIN[t];
        if (absorbed(a, i)) continue; /* its p2 row holds the value as read */
        switch (t) {
        case RC_TAB_BASE:
        case RC_TAB_EXT: fill_operands(r, t, in, arg, v); break;
        case RC_TAB_BITS: fill_bits(r, v[arg[0]].c[0]); break;
        case RC_TAB_P2: {
            const unsigned sw = in->op == RC_PERMUTE_SWAP;
            const int bit = sw && v[arg[0]].c[0] != 0;
            gl_t s[W], o[W];
            for (unsigned k = 0; k < W; k++) r[RC_P2_IN + k] = v[arg[sw + k]].c[0];
            for (unsigned k = 0; k < W; k++) s[k] = r[RC_P2_IN + rc_swap_lane(k, bit)];
            r[RC_P2_S] = (gl_t)bit;
            for (unsigned k = 0; k < P2_DIGEST; k++)
                r[RC_P2_D + k] = bit ? gl_sub(r[RC_P2_IN + P2_DIGEST + k], r[RC_P2_IN + k]) : 0;
            e = p2_air_fill(&GADGET, r, o, s);
            break;
        }
        case RC_TAB_PARTS:
            for (unsigned k = 0; k < 3; k++) r[RC_PARTS_C + k] = v[arg[0]].c[k];
            break;
        default: /* deep: (a, b, c, d, e) */
            for (unsigned k = 0; k < 3; k++) {
                r[RC_DEEP_A + k] = v[arg[0]].c[k];
                r[RC_DEEP_C + k] = v[arg[2]].c[k];
                r[RC_DEEP_D + k] = v[arg[3]].c[k];
                r[RC_DEEP_OUT + k] = v[in->dst].c[k];
            }
            r[RC_DEEP_B] = v[arg[1]].c[0];
            r[RC_DEEP_E] = v[arg[4]].c[0];
            break;
        }
    }
    free(v);
    if (e != CAIRN_OK) {
        trace_drop(out, k);
        return e;
    }
    out->npub = a->npub;
    memcpy(out->pub, witness, a->npub * sizeof *witness);
    return CAIRN_OK;
}

cairn_err rc_air_trace(rc_trace *out, const rc_air *a, const gl_t *witness, size_t n)
{
    return trace(out, a, witness, n, 1, NULL);
}

cairn_err rc_air_trace_unchecked(rc_trace *out, const rc_air *a, const gl_t *witness, size_t n)
{
    return trace(out, a, witness, n, 0, NULL);
}

/* Trace and proof with k's buffers (NULL: fresh ones). */
static cairn_err prove_kept(uint8_t **proof, size_t *len, const rc_air *a, const gl_t *witness, size_t n,
                            stark_keep *k)
{
    *proof = NULL;
    *len = 0;
    rc_trace tr;
    FORWARD_IF_ERROR(trace(&tr, a, witness, n, 1, k));
    cairn_err e = stark_prove_ws(a->pk, k ? k->ws : NULL, tr.tr, tr.pub, tr.npub, proof, len);
    trace_drop(&tr, k);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "rc_prove");
    return CAIRN_OK;
}

_Static_assert(RC_AIR_NTABLES <= AIR_MAX_TABLES, "a stark_keep holds every table");

cairn_err rc_prove(uint8_t **proof, size_t *len, const rc_air *a, const gl_t *witness, size_t n)
{
    return prove_kept(proof, len, a, witness, n, stark_keep_thread(STARK_KEEP_RECURSION, 1));
}

cairn_err rc_prove_ws(uint8_t **proof, size_t *len, const rc_air *a, const gl_t *witness, size_t n,
                      stark_workspace *ws)
{
    stark_keep k = {.ws = ws};
    cairn_err e = prove_kept(proof, len, a, witness, n, ws ? &k : NULL);
    stark_keep_traces_free(&k);
    return e;
}

void rc_prove_release(void) { stark_keep_release(stark_keep_thread(STARK_KEEP_RECURSION, 0)); }

size_t rc_prove_held(void) { return stark_keep_held(stark_keep_thread(STARK_KEEP_RECURSION, 0)); }

cairn_err rc_verify(const stark_vk *vk, const gl_t *pub, size_t npub, const uint8_t *proof,
                    size_t len)
{
    RETURN_ERROR_IF(stark_vk_ntables(vk) != RC_AIR_NTABLES, CAIRN_ERR_USAGE,
                    "rc_verify: the key has %u tables, a recursion VM's has %d", stark_vk_ntables(vk),
                    RC_AIR_NTABLES);
    /* every table has preprocessed columns, so the key fixes every height:
     * zeros accept exactly those */
    unsigned h[AIR_MAX_TABLES] = {0};
    return stark_verify(vk, pub, npub, proof, len, h);
}
