/* The recursion VM's AIR (recursion/rc_air.h), preset "test":
 *  (a) a hand-written program that uses every opcode: its trace passes the
 *      constraint checker, it proves and verifies, and its public values
 *      are the first witness elements;
 *  (b) the recorded verifier of a fib proof (2^5 rows) proves and verifies
 *      with the inner proof's public values as its own; rows per table
 *      are printed;
 *  (c) one wrong value per constraint (and per bus rule): the debug
 *      checker names the constraint, and a proof made from the trace
 *      without the checker (stark_prove_tampered with no tamper: the
 *      prover sends what it has instead of stopping) is rejected; a wrong
 *      public value; a proof under another program's key;
 *  (d) what cannot be proven or built: a failed assertion (named), public
 *      values that an e_input reads or that nothing reads, too many;
 *  (e) the fib verifier on a forged proof's witness: no trace; the trace
 *      filled anyway (rc_air_trace_unchecked) fails an assertion row;
 *  (f) shapes: fixed heights, a program that does not fit is refused;
 *  (g) the key as input: one recorded verifier for two programs of one
 *      shape; a proof under another key than the claimed one rejected;
 *  (i) inputs absorbed by p2 rows: no base row (counted from the program),
 *      located at the defining p2 row; a defining lane or a reading lane
 *      that holds another value than the other reads see is rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_internal.h"
#include "stark/machines.h"
#include "stark/p2_air.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "stark/verify_rec.h"
#include "testutil.h"

static stark_params prm; /* "test", without the prover's checker */
static void count_base(const rc_program *p, unsigned npub, size_t *nbase, size_t *nabs);

/* x and y are public (npub 2), w private. kconst changes one constant:
 * another program of the same shape. The first inv and e_inv have a
 * nonzero operand, the second a zero one. */
enum { EVERY_NPUB = 2 };
static cairn_err every_program(rc_program **prog, gl_t **wit, size_t *n, gl_t kconst)
{
    rc_builder *b;
    FORWARD_IF_ERROR(rc_builder_new(&b));
    vctx *c = rc_builder_vctx(b);
    vb x = vc_input(c, 0x123456789ull), y = vc_input(c, 7), w = vc_input(c, 5);
    ve u = vce_input(c, (gl3_t){{11, 22, 33}});
    ve v = vce_input(c, (gl3_t){{GL_P - 1, 5, 1ull << 40}});
    vb k = vc_const(c, kconst);
    vb s = vc_add(c, x, y), d = vc_sub(c, x, k), m = vc_mul(c, s, d);
    vb ix = vc_inv(c, w), i0 = vc_inv(c, vc_const(c, 0));
    vb bits[64], low[3];
    vc_bits(c, bits, x, 64);
    vc_bits(c, low, w, 3);
    /* p - 1: hi = 2^32 - 1 and lo = 0, where the canonicity helper t does
     * not exist (the bits table's rule has its w = 0 case) */
    vb top[2];
    vc_bits(c, top, vc_input(c, GL_P - 1), 2);
    vc_assert_eq(c, vc_add(c, top[0], top[1]), vc_const(c, 0), "p - 1 is 0 mod 4");
    vb sel = vc_select(c, bits[0], m, ix);
    vb sel2 = vc_select(c, low[1], y, i0);
    ve ka = vce_const(c, (gl3_t){{1, 2, 3}});
    ve ea = vce_add(c, u, ka), es = vce_sub(c, ea, v), em = vce_mul(c, es, u);
    ve eb = vce_mul_base_add(c, vce_mul_base(c, em, sel), u, sel2);
    eb = vce_mul_base_add2(c, eb, v, w, em, y);
    eb = vce_horner2(c, eb, u, w, v, sel2);
    ve ei = vce_inv(c, eb), e0 = vce_inv(c, vce_const(c, gl3_zero()));
    ve ef = vce_from_base(c, sel2);
    ve esel = vce_select(c, low[0], ei, e0);
    vb parts[3];
    vce_parts(c, parts, esel);
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++)
        st[i] = i < 3 ? parts[i] : i < 6 ? bits[i] : i == 6 ? sel2 : vc_const(c, (gl_t)i);
    vc_permute(c, st);
    /* Merkle steps: bits[0] = 1 (x is odd) exchanges, low[1] = 0 does not */
    vb sw1[P2_WIDTH], sw0[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) sw1[i] = sw0[i] = st[(i + 1) % P2_WIDTH];
    vc_permute_swap(c, sw1, bits[0]);
    vc_permute_swap(c, sw0, low[1]);
    vc_assert_eq(c, vc_add(c, sw1[0], sw0[3]), vc_add(c, sw0[3], sw1[0]), "Merkle step outputs read");
    vc_assert_eq(c, vc_mul(c, ix, w), vc_const(c, 1), "w times its inverse is 1");
    vce_assert_eq(c, vce_mul(c, ei, eb), vce_const(c, gl3_one()), "extension inverse");
    vce_assert_eq(c, vce_add(c, ef, esel), vce_add(c, esel, ef), "extension sum commutes");
    vc_assert_eq(c, vc_add(c, st[0], st[11]), vc_add(c, st[11], st[0]), "permutation output read");
    cairn_err e = rc_builder_failures(b) ? cairn_fail(CAIRN_ERR_INTERNAL, "every: %s",
                                                      rc_builder_first_failure(b))
                                         : rc_builder_finish(b, prog, wit, n);
    rc_builder_free(b);
    return e;
}

static rc_program *every;
static gl_t *every_wit;
static size_t every_n;
static rc_air *every_air;

/* instruction index of the k-th instruction with opcode op */
static size_t nth(const rc_program *p, unsigned op, unsigned k)
{
    for (size_t i = 0; i < p->nins; i++)
        if (p->ins[i].op == op && k-- == 0) return i;
    CU_FAIL_FATAL("no such instruction");
    return 0;
}

static void honest_trace(rc_trace *t)
{
    cairn_err e = rc_air_trace(t, every_air, every_wit, every_n);
    if (e != CAIRN_OK) fprintf(stderr, "trace: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
}

/* A trace the honest prover would not make: proven without the checker,
 * with a no-op tamper so that the prover sends its (not low-degree)
 * codeword instead of stopping; the verifier must reject the proof. */
static void prove_rejected(const rc_air *a, const rc_trace *t, const gl_t *pub, const char *what)
{
    stark_tamper none = {.kind = STARK_TAMPER_NONE};
    uint8_t *proof = NULL;
    size_t len = 0;
    cairn_err e = stark_prove_tampered(rc_air_pk(a), t->tr, pub, t->npub, &none, &proof, &len);
    if (e != CAIRN_OK) fprintf(stderr, "%s: prove: %s\n", what, cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    e = rc_verify(rc_air_vk(a), pub, t->npub, proof, len);
    if (e == CAIRN_OK) fprintf(stderr, "%s: the verifier accepted\n", what);
    else printf("  %s: verifier: %.150s\n", what, cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    free(proof);
}

/* The checker names `want`; the proof is rejected. */
static void expect_bad(const rc_air *a, const rc_trace *t, const gl_t *pub, const char *what,
                       const char *want)
{
    cairn_err e = stark_check_trace(rc_air_machine(a), t->tr, pub, t->npub);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    if (e != CAIRN_ERR_VERIFY || !strstr(cairn_last_error(), want)) {
        fprintf(stderr, "%s: checker said '%s', expected '%s'\n", what,
                e == CAIRN_OK ? "ok" : cairn_last_error(), want);
        CU_FAIL("checker message");
    } else {
        printf("  %s: checker: %.150s\n", what, cairn_last_error());
    }
    prove_rejected(a, t, pub, what);
}

/* (a) */
static void test_every_opcode(void)
{
    size_t counts[RC_NOPS];
    rc_program_counts(every, counts);
    for (unsigned op = 1; op < RC_NOPS; op++) {
        if (!counts[op]) fprintf(stderr, "opcode %s unused\n", rc_op_name(op));
        CU_ASSERT(counts[op] > 0);
    }
    rc_trace t;
    honest_trace(&t);
    CU_ASSERT_EQUAL(t.npub, EVERY_NPUB);
    CU_ASSERT(t.pub[0] == every_wit[0] && t.pub[1] == every_wit[1]);
    cairn_err e = stark_check_trace(rc_air_machine(every_air), t.tr, t.pub, t.npub);
    if (e != CAIRN_OK) fprintf(stderr, "check: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    /* the rows hold what rc_exec computes: a zero flag where inv's operand is 0 */
    unsigned tab;
    size_t row;
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &row, every_air, nth(every, RC_INV, 1)), CAIRN_OK);
    CU_ASSERT_EQUAL(tab, RC_TAB_BASE);
    CU_ASSERT_EQUAL(t.main[tab][row * RC_BASE_NMAIN + RC_BASE_Z], 1);
    CU_ASSERT_EQUAL(t.main[tab][row * RC_BASE_NMAIN + RC_BASE_OUT], 0);
    /* a public input's row copies the public value (operand a, read from
     * the boundary's address p - 1) into its variable */
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &row, every_air, nth(every, RC_INPUT, 0)), CAIRN_OK);
    CU_ASSERT_EQUAL(tab, RC_TAB_BASE);
    CU_ASSERT_EQUAL(t.main[tab][row * RC_BASE_NMAIN + RC_BASE_A], every_wit[0]);
    CU_ASSERT_EQUAL(t.main[tab][row * RC_BASE_NMAIN + RC_BASE_OUT], every_wit[0]);
    CU_ASSERT_EQUAL(rc_air_locate(&tab, &row, every_air, nth(every, RC_INPUT, 2)), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_air_locate(&tab, &row, every_air, rc_program_ninstrs(every)), CAIRN_ERR_USAGE);
    rc_trace_free(&t);

    uint8_t *proof;
    size_t len;
    e = rc_prove(&proof, &len, every_air, every_wit, every_n);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    const stark_vk *vk = rc_air_vk(every_air);
    e = rc_verify(vk, every_wit, EVERY_NPUB, proof, len);
    if (e != CAIRN_OK) fprintf(stderr, "verify: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    /* a wrong public value, and a wrong count of them */
    gl_t pub[EVERY_NPUB] = {every_wit[0], gl_add(every_wit[1], 1)};
    CU_ASSERT_EQUAL(rc_verify(vk, pub, EVERY_NPUB, proof, len), CAIRN_ERR_VERIFY);
    CU_ASSERT_NOT_EQUAL(rc_verify(vk, every_wit, EVERY_NPUB - 1, proof, len), CAIRN_OK);
    /* a damaged proof */
    proof[len / 2] ^= 1;
    e = rc_verify(vk, every_wit, EVERY_NPUB, proof, len);
    CU_ASSERT(e == CAIRN_ERR_VERIFY || e == CAIRN_ERR_FORMAT);
    free(proof);
    printf("  every opcode: %zu instructions, rows", rc_program_ninstrs(every));
    for (unsigned i = 0; i < RC_AIR_NTABLES; i++)
        printf(" %s %zu/2^%u", rc_air_table_name(i), rc_air_rows(every_air, i),
               rc_air_log_height(every_air, i));
    printf(", proof %zu bytes\n", len);
}

/* main columns of each table, in table order */
static const unsigned NMAIN[RC_AIR_NTABLES] = {RC_BASE_NMAIN, RC_EXT_NMAIN, RC_BITS_NMAIN, RC_P2_NMAIN,
                                               RC_PARTS_NMAIN, RC_DEEP_NMAIN};

/* (c) one wrong value in one row */
typedef struct {
    const char *what;
    unsigned op, k;  /* the k-th instruction with opcode op */
    unsigned col;    /* main column of its table */
    gl_t delta;      /* added to the column */
    int custom;      /* a special edit (below) instead of col += delta */
    const char *want; /* in the checker's message */
} tamper;

enum {
    C_NONE, C_INV_ZERO, C_INV_OUT, C_EINV_ZERO, C_EINV_OUT, C_BIT, C_NONCANON, C_BITS_OTHER,
    C_BITS_ACC, C_BITS_LO, C_BITS_T, C_BUS_ADD, C_BUS_SUB_B, C_EBUS_A, C_EBUS_B, C_BUS_A, C_BUS_B, C_BUS_C, C_BUS_D, C_BUS_E, C_HBUS_D, C_HBUS_E, C_SWAP_NONE, C_SWAP_BIT2,
    C_SWAP_ON_PERMUTE
};

/* Row k of a bits block (one row per bit, RC_BITS_ROWS rows from r). */
static gl_t *bits_row(gl_t *r, unsigned k) { return r + (size_t)k * RC_BITS_NMAIN; }

/* A bits block that follows every rule of the table for the 64-bit integer
 * X, which need not be canonical: the running sums are taken mod p. */
static void bits_block(gl_t *r, uint64_t X)
{
    const gl_t lo = X & 0xffffffffull;
    for (unsigned k = 0; k < RC_BITS_ROWS; k++) {
        gl_t *rk = bits_row(r, k);
        rk[RC_BITS_B] = (X >> k) & 1;
        rk[RC_BITS_ACC] = gl_from_u64(k == 63 ? X : X & ((2ull << k) - 1));
        rk[RC_BITS_LO] = k >= 31 ? lo : 0;
        rk[RC_BITS_T] = rk[RC_BITS_W] = 0;
    }
    gl_t *last = bits_row(r, RC_BITS_ROWS - 1);
    gl_t d = gl_add(gl_sub(last[RC_BITS_ACC], lo), 1);
    last[RC_BITS_T] = d ? gl_inv(d) : 0;
    last[RC_BITS_W] = d ? 1 : 0;
}

/* A p2 row's direction bit set to s, d made consistent with it, and the
 * gadget filled for the inputs that d gives: only the rule on s fails
 * (and, where s is not the bit that was read, the bus). */
static void p2_set_dir(gl_t *r, gl_t s)
{
    r[RC_P2_S] = s;
    gl_t g[P2_WIDTH], o[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) g[i] = r[RC_P2_IN + i];
    for (int i = 0; i < P2_DIGEST; i++) {
        gl_t d = gl_mul(s, gl_sub(r[RC_P2_IN + P2_DIGEST + i], r[RC_P2_IN + i]));
        r[RC_P2_D + i] = d;
        g[i] = gl_add(g[i], d);
        g[P2_DIGEST + i] = gl_sub(g[P2_DIGEST + i], d);
    }
    CU_ASSERT_EQUAL_FATAL(p2_air_fill(&RC_P2_AIR, r, o, g), CAIRN_OK);
}

/* In a row of out = c + x y + ...: the extension operand x's limb off by
 * one and out made consistent (out's limb + y), or the base operand y off
 * by one (out + x). */
static void bump_ext(gl_t *r, unsigned x, unsigned limb, unsigned y, unsigned out)
{
    r[x + limb] = gl_add(r[x + limb], 1);
    r[out + limb] = gl_add(r[out + limb], r[y]);
}
static void bump_base(gl_t *r, unsigned y, unsigned x, unsigned out)
{
    r[y] = gl_add(r[y], 1);
    for (int i = 0; i < 3; i++) r[out + i] = gl_add(r[out + i], r[x + i]);
}

static void edit(gl_t *r, const tamper *tp)
{
    switch (tp->custom) {
    case C_INV_ZERO: /* claim inv(a) = 0 for a != 0 with the flag z = 1 */
        r[RC_BASE_Z] = 1;
        r[RC_BASE_OUT] = 0;
        break;
    case C_INV_OUT: /* inv(0) = 5 with the flag set */
        r[RC_BASE_OUT] = 5;
        break;
    case C_EINV_ZERO:
        r[RC_EXT_Z] = 1;
        for (int i = 0; i < 3; i++) r[RC_EXT_OUT + i] = 0;
        break;
    case C_EINV_OUT: r[RC_EXT_OUT + 2] = 5; break;
    case C_BIT: {
        /* b_(k-1) = 2, b_k = 0 where the bits were (0, 1), and the running
         * sum of row k - 1 made consistent: the sum from row k on is
         * unchanged, only booleanity fails (k <= 30: lo untouched) */
        unsigned k = 1;
        while (k < 31 && !(bits_row(r, k)[RC_BITS_B] == 1 && bits_row(r, k - 1)[RC_BITS_B] == 0)) k++;
        CU_ASSERT_FATAL(k < 31);
        bits_row(r, k)[RC_BITS_B] = 0;
        bits_row(r, k - 1)[RC_BITS_B] = 2;
        bits_row(r, k - 1)[RC_BITS_ACC] = gl_add(bits_row(r, k - 1)[RC_BITS_ACC], (gl_t)1 << k);
        break;
    }
    case C_NONCANON: {
        /* the bits of x + p (x < 2^32 - 1 so it fits in 64 bits): boolean,
         * summing to x mod p, but hi = 2^32 - 1 with lo != 0 */
        gl_t x = bits_row(r, RC_BITS_ROWS - 1)[RC_BITS_ACC];
        CU_ASSERT_FATAL(x < 0xffffffffull);
        bits_block(r, x + GL_P);
        break;
    }
    case C_BITS_OTHER: /* a consistent block for x + 1: only the read of x fails */
        bits_block(r, bits_row(r, RC_BITS_ROWS - 1)[RC_BITS_ACC] + 1);
        break;
    case C_BITS_ACC: bits_row(r, 5)[RC_BITS_ACC] += 1; break;
    case C_BITS_LO: bits_row(r, 40)[RC_BITS_LO] += 1; break;
    case C_BITS_T: bits_row(r, RC_BITS_ROWS - 1)[RC_BITS_T] += 1; break;
    case C_SWAP_NONE: {
        /* the bit is 1 but the row permutes its inputs unexchanged (d = 0):
         * the output of the wrong order */
        gl_t o[P2_WIDTH];
        CU_ASSERT_FATAL(r[RC_P2_S] == 1);
        for (int i = 0; i < P2_DIGEST; i++) r[RC_P2_D + i] = 0;
        CU_ASSERT_EQUAL_FATAL(p2_air_fill(&RC_P2_AIR, r, o, r + RC_P2_IN), CAIRN_OK);
        break;
    }
    case C_SWAP_BIT2: p2_set_dir(r, 2); break;
    case C_SWAP_ON_PERMUTE: p2_set_dir(r, 1); break;
    /* operand reads of base and ext, whose multiplicities are sums of
     * opcode flags: one operand read as another value, the result kept
     * consistent, so only the read is wrong */
    case C_BUS_SUB_B: /* sub reads b + 1 */
        r[RC_BASE_B] = gl_add(r[RC_BASE_B], 1);
        r[RC_BASE_OUT] = gl_sub(r[RC_BASE_OUT], 1);
        break;
    case C_EBUS_A: /* e_from_base reads a + 1 */
        r[RC_EXT_A] = gl_add(r[RC_EXT_A], 1);
        r[RC_EXT_OUT] = gl_add(r[RC_EXT_OUT], 1);
        break;
    case C_EBUS_B: /* e_add reads b + (0, 1, 0) */
        r[RC_EXT_B + 1] = gl_add(r[RC_EXT_B + 1], 1);
        r[RC_EXT_OUT + 1] = gl_add(r[RC_EXT_OUT + 1], 1);
        break;
    case C_BUS_ADD: /* the add reads a + 1 and adds correctly: only the read is wrong */
        r[RC_BASE_A] = gl_add(r[RC_BASE_A], 1);
        r[RC_BASE_OUT] = gl_add(r[RC_BASE_OUT], 1);
        break;
    /* e_mul_base_add2 (deep) and e_horner2 (ext), out = c + a b + d e,
     * read one operand as another value and add correctly: only that read
     * is wrong */
    case C_BUS_A: bump_ext(r, RC_DEEP_A, 1, RC_DEEP_B, RC_DEEP_OUT); break;
    case C_BUS_B: bump_base(r, RC_DEEP_B, RC_DEEP_A, RC_DEEP_OUT); break;
    case C_BUS_C: /* the accumulator c + (1, 0, 0) */
        r[RC_DEEP_C] = gl_add(r[RC_DEEP_C], 1);
        r[RC_DEEP_OUT] = gl_add(r[RC_DEEP_OUT], 1);
        break;
    case C_BUS_D: bump_ext(r, RC_DEEP_D, 2, RC_DEEP_E, RC_DEEP_OUT); break;
    case C_BUS_E: bump_base(r, RC_DEEP_E, RC_DEEP_D, RC_DEEP_OUT); break;
    case C_HBUS_D: bump_ext(r, RC_EXT_D, 1, RC_EXT_E, RC_EXT_OUT); break;
    case C_HBUS_E: bump_base(r, RC_EXT_E, RC_EXT_D, RC_EXT_OUT); break;
    default: r[tp->col] = gl_add(r[tp->col], tp->delta); break;
    }
}

/* p2_air_full_out(&RC_P2_AIR, 7, lane) as a constant (the degree-7 layout) */
#define P2_LAST_OUT(lane) (RC_P2_GADGET + (P2_AIR_FULL_ROUNDS - 1) * P2_WIDTH + (lane))

static const tamper TAMPERS[] = {
    {"const", RC_CONST, 0, RC_BASE_OUT, 1, 0, "const: out = imm"},
    {"add", RC_ADD, 0, RC_BASE_OUT, 1, 0, "add: out = a + b"},
    {"sub", RC_SUB, 0, RC_BASE_OUT, 1, 0, "sub: out = a - b"},
    {"mul", RC_MUL, 0, RC_BASE_OUT, GL_P - 1, 0, "mul: out = a * b"},
    {"select", RC_SELECT, 0, RC_BASE_OUT, 1, 0, "select: out = b + bit"},
    {"inverse", RC_INV, 0, RC_BASE_OUT, 1, 0, "inv: a out = 1 - z"},
    {"inv zero flag on a nonzero operand", RC_INV, 0, 0, 0, C_INV_ZERO, "inv: a z = 0"},
    {"inv(0) nonzero", RC_INV, 1, 0, 0, C_INV_OUT, "inv: out z = 0"},
    {"inv(0) zero flag cleared", RC_INV, 1, RC_BASE_Z, GL_P - 1, 0, "inv: a out = 1 - z"},
    {"assert_eq operands", RC_ASSERT_EQ, 0, RC_BASE_B, 1, 0, "assert_eq: a = b"},
    {"e_const", RC_E_CONST, 0, RC_EXT_OUT + 1, 1, 0, "e_const: out = imm (limb 1)"},
    {"e_from_base", RC_E_FROM_BASE, 0, RC_EXT_OUT, 1, 0, "e_from_base: out = a (limb 0)"},
    {"e_add", RC_E_ADD, 0, RC_EXT_OUT + 2, 1, 0, "e_add: out = a + b (limb 2)"},
    {"e_sub", RC_E_SUB, 0, RC_EXT_OUT, 1, 0, "e_sub: out = a - b (limb 0)"},
    {"e_mul limb 0", RC_E_MUL, 0, RC_EXT_OUT, 1, 0, "e_mul: out = a b (limb 0)"},
    {"e_mul limb 1", RC_E_MUL, 0, RC_EXT_OUT + 1, 1, 0, "e_mul: out = a b (limb 1)"},
    {"e_mul limb 2", RC_E_MUL, 0, RC_EXT_OUT + 2, 1, 0, "e_mul: out = a b (limb 2)"},
    {"e_mul_base", RC_E_MUL_BASE, 0, RC_EXT_OUT + 1, 1, 0, "e_mul_base: out = a b0 (limb 1)"},
    {"e_mul_base_add", RC_E_MUL_BASE_ADD, 0, RC_EXT_OUT + 2, 1, 0, "e_mul_base_add: out = c + a b0 (limb 2)"},
    {"e_mul_base_add2 limb 0", RC_E_MUL_BASE_ADD2, 0, RC_DEEP_OUT, 1, 0,
     "e_mul_base_add2: out = c + a b + d e (limb 0)"},
    {"e_mul_base_add2 limb 1", RC_E_MUL_BASE_ADD2, 0, RC_DEEP_OUT + 1, 1, 0,
     "e_mul_base_add2: out = c + a b + d e (limb 1)"},
    {"e_mul_base_add2 limb 2", RC_E_MUL_BASE_ADD2, 0, RC_DEEP_OUT + 2, 1, 0,
     "e_mul_base_add2: out = c + a b + d e (limb 2)"},
    {"e_mul_base_add2 operand d", RC_E_MUL_BASE_ADD2, 0, RC_DEEP_D, 1, 0,
     "e_mul_base_add2: out = c + a b + d e (limb 0)"},
    {"e_horner2 limb 0", RC_E_HORNER2, 0, RC_EXT_OUT, 1, 0, "e_horner2: out = c + a b0 + d e (limb 0)"},
    {"e_horner2 limb 1", RC_E_HORNER2, 0, RC_EXT_OUT + 1, 1, 0, "e_horner2: out = c + a b0 + d e (limb 1)"},
    {"e_horner2 limb 2", RC_E_HORNER2, 0, RC_EXT_OUT + 2, 1, 0, "e_horner2: out = c + a b0 + d e (limb 2)"},
    {"e_inverse", RC_E_INV, 0, RC_EXT_OUT + 1, 1, 0, "e_inv: a out = 1 - z (limb"},
    {"e_inv zero flag on a nonzero operand", RC_E_INV, 0, 0, 0, C_EINV_ZERO, "e_inv: a z = 0"},
    {"e_inv(0) nonzero", RC_E_INV, 1, 0, 0, C_EINV_OUT, "e_inv: out z = 0 (limb 2)"},
    {"e_select", RC_E_SELECT, 0, RC_EXT_OUT + 2, 1, 0, "e_select: out = b + bit (a - b) (limb 2)"},
    {"e_assert_eq operands", RC_E_ASSERT_EQ, 0, RC_EXT_B + 1, 1, 0, "e_assert_eq: a = b (limb 1)"},
    {"non-boolean bit", RC_BITS, 0, 0, 0, C_BIT, "bits: bit boolean"},
    {"bits of another x", RC_BITS, 1, 0, 0, C_BITS_OTHER, "do not balance: bus 1"},
    {"bits running sum off by one", RC_BITS, 0, 0, 0, C_BITS_ACC, "bits: acc = sum of the bits so far"},
    {"bits lo off by one", RC_BITS, 0, 0, 0, C_BITS_LO, "bits: lo = sum of the low 32 bits"},
    {"bits canonicity helper", RC_BITS, 0, 0, 0, C_BITS_T, "bits: w = (acc - lo + 1) t"},
    {"bits running sum of another block start", RC_BITS, 1, RC_BITS_ACC, 1, 0,
     "bits: acc = sum of the bits so far"},
    {"bits of x + p", RC_BITS, 1, 0, 0, C_NONCANON, "bits: canonical (< p)"},
    {"Poseidon2 output lane 5", RC_PERMUTE, 0, P2_LAST_OUT(5), 1, 0, "p2 full round 7 S-box"},
    {"permute_swap output lane 2", RC_PERMUTE_SWAP, 0, P2_LAST_OUT(2), 1, 0, "p2 full round 7 S-box"},
    {"permute_swap output of the unexchanged inputs", RC_PERMUTE_SWAP, 0, 0, 0, C_SWAP_NONE,
     "permute_swap: d = s (in[4] - in[0])"},
    {"permute_swap d off by one", RC_PERMUTE_SWAP, 1, RC_P2_D + 3, 1, 0, "permute_swap: d = s (in[7] - in[3])"},
    {"non-boolean direction bit", RC_PERMUTE_SWAP, 0, 0, 0, C_SWAP_BIT2, "permute_swap: direction bit boolean"},
    {"exchange on a permute row", RC_PERMUTE, 0, 0, 0, C_SWAP_ON_PERMUTE,
     "permute: no exchange without a direction bit"},
    {"direction bit read as another value", RC_PERMUTE_SWAP, 1, 0, 0, C_SWAP_ON_PERMUTE, "do not balance: bus 1"},
    {"read of another value (add)", RC_ADD, 0, 0, 0, C_BUS_ADD, "do not balance: bus 1"},
    {"read of another value (sub's b)", RC_SUB, 0, 0, 0, C_BUS_SUB_B, "do not balance: bus 1"},
    /* select's bit is 1 (x is odd), so its third operand does not reach out */
    {"read of another value (select's c)", RC_SELECT, 0, RC_BASE_C, 1, 0, "do not balance: bus 1"},
    {"read of another value (e_from_base's a)", RC_E_FROM_BASE, 0, 0, 0, C_EBUS_A, "do not balance: bus 1"},
    {"read of another value (e_add's b)", RC_E_ADD, 0, 0, 0, C_EBUS_B, "do not balance: bus 1"},
    /* e_select's bit is 1 (low[0] of 5) */
    {"read of another value (e_select's c)", RC_E_SELECT, 0, RC_EXT_C + 1, 1, 0, "do not balance: bus 1"},
    {"read of another value (e_mul_base_add2's a)", RC_E_MUL_BASE_ADD2, 0, 0, 0, C_BUS_A,
     "do not balance: bus 1"},
    {"read of another value (e_mul_base_add2's b)", RC_E_MUL_BASE_ADD2, 0, 0, 0, C_BUS_B,
     "do not balance: bus 1"},
    {"read of another value (e_mul_base_add2's c)", RC_E_MUL_BASE_ADD2, 0, 0, 0, C_BUS_C,
     "do not balance: bus 1"},
    {"read of another value (e_mul_base_add2's d)", RC_E_MUL_BASE_ADD2, 0, 0, 0, C_BUS_D,
     "do not balance: bus 1"},
    {"read of another value (e_mul_base_add2's e)", RC_E_MUL_BASE_ADD2, 0, 0, 0, C_BUS_E,
     "do not balance: bus 1"},
    {"read of another value (e_horner2's d)", RC_E_HORNER2, 0, 0, 0, C_HBUS_D, "do not balance: bus 1"},
    {"read of another value (e_horner2's e)", RC_E_HORNER2, 0, 0, 0, C_HBUS_E, "do not balance: bus 1"},
    {"read of another value (e_parts)", RC_E_PARTS, 0, RC_PARTS_C + 1, 1, 0, "do not balance: bus 1"},
    {"private input written, read differently", RC_INPUT, 2, RC_BASE_OUT, 1, 0,
     "do not balance: bus 1"},
    {"public input copied wrongly", RC_INPUT, 0, RC_BASE_OUT, 1, 0, "public input: out = the public value"},
    /* a and out both off by one: the copy rule holds, the read of the
     * boundary's value does not */
    {"public input read as another value", RC_INPUT, 0, 0, 0, C_BUS_ADD, "do not balance: bus 1"},
};

static void test_wrong_values(void)
{
    for (size_t i = 0; i < sizeof TAMPERS / sizeof *TAMPERS; i++) {
        const tamper *tp = &TAMPERS[i];
        rc_trace t;
        honest_trace(&t);
        unsigned tab;
        size_t row;
        CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &row, every_air, nth(every, tp->op, tp->k)), CAIRN_OK);
        edit(t.main[tab] + row * NMAIN[tab], tp);
        expect_bad(every_air, &t, t.pub, tp->what, tp->want);
        rc_trace_free(&t);
    }
}

/* (c) the public values: an honest trace with a wrong public value does
 * not balance the bus (the boundary sends the public value) */
static void test_wrong_public(void)
{
    rc_trace t;
    honest_trace(&t);
    gl_t pub[EVERY_NPUB] = {gl_add(t.pub[0], 1), t.pub[1]};
    expect_bad(every_air, &t, pub, "wrong public value", "do not balance: bus 1");
    rc_trace_free(&t);
}

/* (c) a proof of program A under program B's key (same shape, one
 * constant differs) */
static void test_other_program(void)
{
    rc_program *b;
    gl_t *bw;
    size_t bn;
    CU_ASSERT_EQUAL_FATAL(every_program(&b, &bw, &bn, 1001), CAIRN_OK);
    rc_air *ba;
    CU_ASSERT_EQUAL_FATAL(rc_air_build(&ba, b, EVERY_NPUB, &prm), CAIRN_OK);
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++)
        CU_ASSERT_EQUAL(rc_air_log_height(ba, t), rc_air_log_height(every_air, t));
    uint8_t *pa, *pb;
    size_t la, lb;
    CU_ASSERT_EQUAL_FATAL(rc_prove(&pa, &la, every_air, every_wit, every_n), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_prove(&pb, &lb, ba, bw, bn), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(ba), bw, EVERY_NPUB, pb, lb), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(ba), every_wit, EVERY_NPUB, pa, la), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(every_air), bw, EVERY_NPUB, pb, lb), CAIRN_ERR_VERIFY);
    /* B's witness does not satisfy A's trace either: A's constant is used */
    rc_trace t;
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, ba, every_wit, every_n), CAIRN_OK);
    expect_bad(every_air, &t, t.pub, "program B's trace under program A", "const: out = imm");
    rc_trace_free(&t);
    free(pa);
    free(pb);
    rc_air_free(ba);
    rc_program_free(b);
    free(bw);
}

/* (f) shapes: programs padded to a named shape have its heights, prove
 * and verify; two programs of one shape differ in their keys; a program
 * that does not fit is refused naming the table; an unknown shape too. */
static void test_shape(void)
{
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, "test"), CAIRN_OK);
    rc_air *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&a, every, EVERY_NPUB, "test", &prm), CAIRN_OK);
    rc_program *bp;
    gl_t *bw;
    size_t bn;
    CU_ASSERT_EQUAL_FATAL(every_program(&bp, &bw, &bn, 1001), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&b, bp, EVERY_NPUB, "test", &prm), CAIRN_OK);
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++) {
        CU_ASSERT_EQUAL(rc_air_log_height(a, t), sh->log_n[t]);
        CU_ASSERT_EQUAL(rc_air_log_height(b, t), sh->log_n[t]);
        CU_ASSERT(rc_air_rows(a, t) < ((size_t)1 << sh->log_n[t]));
    }
    p2_digest da = stark_vk_digest(rc_air_vk(a)), db = stark_vk_digest(rc_air_vk(b));
    CU_ASSERT(memcmp(&da, &db, sizeof da) != 0);
    uint8_t *proof;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(rc_prove(&proof, &len, a, every_wit, every_n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), every_wit, EVERY_NPUB, proof, len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(b), every_wit, EVERY_NPUB, proof, len), CAIRN_ERR_VERIFY);
    free(proof);
    rc_air_free(a);
    rc_air_free(b);
    rc_program_free(bp);
    free(bw);
    /* 1100 decompositions need 1100 x 64 bits rows; the shape has 2^10 */
    rc_builder *bl;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&bl), CAIRN_OK);
    vctx *c = rc_builder_vctx(bl);
    vb x = vc_input(c, 12345), bits[8];
    for (int i = 0; i < 1100; i++) vc_bits(c, bits, x, 8);
    vc_assert_eq(c, bits[0], vc_const(c, 1), "bit 0");
    rc_program *big;
    gl_t *w;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(bl, &big, &w, &n), CAIRN_OK);
    rc_builder_free(bl);
    a = NULL;
    CU_ASSERT_EQUAL(rc_air_build_shape(&a, big, 1, "test", &prm), CAIRN_ERR_LIMIT);
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "table bits needs 70400 rows"));
    /* rc-100 is sized from measured rows (docs/recursion.md "Shapes"):
     * bits 2^16 (2^14 would hold a join's 2 x 82 + 2 decompositions at
     * blowup 4, 64 rows each; it is padded to the LDE height of base and
     * p2) holds 1024, not 1100; the check runs before any column is
     * allocated */
    CU_ASSERT_EQUAL(rc_air_build_shape(&a, big, 1, "rc-100", &prm), CAIRN_ERR_LIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "shape rc-100: table bits needs 70400 rows, the shape has 2^16"));
    CU_ASSERT_EQUAL(rc_air_build(&a, big, 1, &prm), CAIRN_OK); /* its own heights fit */
    rc_air_free(a);
    a = NULL;
    CU_ASSERT_EQUAL(rc_air_build_shape(&a, big, 1, "no such shape", &prm), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "no such shape"));
    rc_program_free(big);
    free(w);
}

/* (g) the key as input: programs A and B (one constant differs) of shape
 * "test" have keys that differ only in the preprocessed root; the
 * verifier of their recursion proofs recorded with the key as input is one
 * program (byte-identical) that accepts both; the witness of B's run with
 * A's root (and A's digest) is rejected, and so is a claimed digest that
 * is not the root's. The native backend runs the same code. */
typedef struct {
    rc_program *prog;
    gl_t *w;
    size_t n;
    uint8_t *enc;
    size_t enc_len;
} keyrec;

/* Records the verifier of proof (under the key with root *root, claimed
 * digest *dig) and the check digest == a witness input. */
static void record_key(keyrec *r, const rc_air *a, const p2_digest *root, const p2_digest *dig,
                       const gl_t *pub, const uint8_t *proof, size_t len, const rc_shape *sh)
{
    rc_builder *bl;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&bl), CAIRN_OK);
    vctx *c = rc_builder_vctx(bl);
    vb vroot[P2_DIGEST], vdig[P2_DIGEST];
    cairn_err e = rc_builder_verify(bl, vroot, vdig, NULL, rc_air_vk(a), root, pub, EVERY_NPUB, proof, len, sh->log_n);
    if (e != CAIRN_OK) fprintf(stderr, "record: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    /* the caller's constraint on the key: here, equal to a claimed digest */
    for (int i = 0; i < P2_DIGEST; i++) vc_assert_eq(c, vdig[i], vc_input(c, dig->v[i]), "key digest");
    CU_ASSERT_EQUAL(rc_builder_failures(bl), 0);
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(bl, &r->prog, &r->w, &r->n), CAIRN_OK);
    rc_builder_free(bl);
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&r->enc, &r->enc_len, r->prog), CAIRN_OK);
    /* the witness layout: public values, then the root */
    CU_ASSERT(memcmp(r->w, pub, EVERY_NPUB * sizeof *pub) == 0);
    CU_ASSERT(memcmp(r->w + EVERY_NPUB, root->v, sizeof root->v) == 0);
}

static void keyrec_free(keyrec *r)
{
    rc_program_free(r->prog);
    free(r->w);
    free(r->enc);
}

static void test_key_input(void)
{
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, "test"), CAIRN_OK);
    rc_air *a = NULL, *b = NULL;
    rc_program *bp;
    gl_t *bw;
    size_t bn;
    CU_ASSERT_EQUAL_FATAL(every_program(&bp, &bw, &bn, 1001), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&a, every, EVERY_NPUB, "test", &prm), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&b, bp, EVERY_NPUB, "test", &prm), CAIRN_OK);
    const stark_vk *ka = rc_air_vk(a), *kb = rc_air_vk(b);
    p2_digest ra = stark_vk_pre_root(ka), rb = stark_vk_pre_root(kb);
    p2_digest da = stark_vk_digest(ka), db = stark_vk_digest(kb);
    CU_ASSERT(memcmp(&ra, &rb, sizeof ra) != 0);
    /* one constraint system: A's key with B's root is B's key */
    struct stark_vk k;
    CU_ASSERT_EQUAL_FATAL(stark_vk_rekey(&k, ka, &rb), CAIRN_OK);
    CU_ASSERT(memcmp(&k.digest, &db, sizeof db) == 0);
    uint8_t *pa, *pb;
    size_t la, lb;
    CU_ASSERT_EQUAL_FATAL(rc_prove(&pa, &la, a, every_wit, every_n), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_prove(&pb, &lb, b, bw, bn), CAIRN_OK);
    keyrec xa = {0}, xb = {0};
    record_key(&xa, a, &ra, &da, every_wit, pa, la, sh);
    /* B's proof, recorded with A's key object and B's root */
    record_key(&xb, a, &rb, &db, bw, pb, lb, sh);
    CU_ASSERT_EQUAL(xa.enc_len, xb.enc_len);
    CU_ASSERT(xa.enc_len == xb.enc_len && memcmp(xa.enc, xb.enc, xa.enc_len) == 0);
    printf("  verifier with the key as input: %zu instructions, witness %zu\n", rc_program_ninstrs(xa.prog), xa.n);
    /* one program accepts both */
    CU_ASSERT_EQUAL(rc_exec(NULL, xa.prog, xa.w, xa.n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_exec(NULL, xa.prog, xb.w, xb.n), CAIRN_OK);
    /* B's proof under A's key (root and digest A's): rejected */
    gl_t *w = malloc(xb.n * sizeof *w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    memcpy(w, xb.w, xb.n * sizeof *w);
    memcpy(w + EVERY_NPUB, ra.v, sizeof ra.v);
    memcpy(w + xb.n - P2_DIGEST, da.v, sizeof da.v);
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, xa.prog, w, xb.n), CAIRN_ERR_VERIFY);
    printf("  B's proof under A's key: %s\n", res.reason);
    /* B's root with A's digest claimed: the digest is the root's */
    memcpy(w, xb.w, xb.n * sizeof *w);
    memcpy(w + xb.n - P2_DIGEST, da.v, sizeof da.v);
    CU_ASSERT_EQUAL(rc_exec(&res, xa.prog, w, xb.n), CAIRN_ERR_VERIFY);
    CU_ASSERT_STRING_EQUAL(res.reason, "key digest");
    free(w);
    /* the claimed key must be the proof's: parsing refuses B's proof under A's root */
    rc_builder *bl;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&bl), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_builder_verify(bl, NULL, NULL, NULL, ka, &ra, bw, EVERY_NPUB, pb, lb, sh->log_n), CAIRN_ERR_VERIFY);
    rc_builder_free(bl);
    /* the native backend runs the same verifier with the key as input */
    stark_vrec_proof *vp;
    CU_ASSERT_EQUAL_FATAL(stark_vrec_parse_key(&vp, ka, &rb, pb, lb, sh->log_n), CAIRN_OK);
    vctx_native nat;
    vctx_native_init(&nat);
    CU_ASSERT_EQUAL(stark_vrec_run(&nat.ctx, ka, vp, bw, EVERY_NPUB), CAIRN_OK);
    CU_ASSERT_EQUAL(nat.failures, 0);
    vb vr[P2_DIGEST], vd[P2_DIGEST];
    CU_ASSERT_EQUAL(stark_vrec_key_vars(vp, vr, vd, NULL), CAIRN_OK);
    for (int i = 0; i < P2_DIGEST; i++) CU_ASSERT_EQUAL(vctx_native_value(vd[i]), db.v[i]);
    /* a proof parsed for one key is not run under another */
    CU_ASSERT_EQUAL(stark_vrec_run(&nat.ctx, kb, vp, bw, EVERY_NPUB), CAIRN_ERR_USAGE);
    stark_vrec_free(vp);
    /* a non-canonical root; a machine without preprocessed columns (fib) */
    p2_digest bad = rb;
    bad.v[3] = GL_P;
    CU_ASSERT_EQUAL(stark_vrec_parse_key(&vp, ka, &bad, pb, lb, sh->log_n), CAIRN_ERR_USAGE);
    air_machine *fib;
    stark_pk *fpk;
    stark_vk *fvk;
    CU_ASSERT_EQUAL_FATAL(stark_machine_fib(&fib), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_setup(&fpk, &fvk, fib, &prm), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_vrec_parse_key(&vp, fvk, &rb, pb, lb, sh->log_n), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "no preprocessed columns"));
    stark_pk_free(fpk);
    stark_vk_free(fvk);
    air_machine_free(fib);
    keyrec_free(&xa);
    keyrec_free(&xb);
    free(pa);
    free(pb);
    rc_air_free(a);
    rc_air_free(b);
    rc_program_free(bp);
    free(bw);
}

/* (c) an assertion between unequal values, in a trace whose bus balances:
 * inputs a, b, assert_eq(a, b) proven for a = b, then b's write and the
 * assertion's read both changed. (d) rc_air_trace names the failure. */
static void test_failed_assertion(void)
{
    rc_builder *bl;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&bl), CAIRN_OK);
    vctx *c = rc_builder_vctx(bl);
    vb a = vc_input(c, 3), b = vc_input(c, 3);
    vc_assert_eq(c, a, b, "a equals b");
    rc_program *p;
    gl_t *wit;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(bl, &p, &wit, &n), CAIRN_OK);
    rc_builder_free(bl);
    rc_air *air;
    CU_ASSERT_EQUAL_FATAL(rc_air_build(&air, p, 0, &prm), CAIRN_OK);
    rc_trace t;
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, air, wit, n), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_check_trace(rc_air_machine(air), t.tr, NULL, 0), CAIRN_OK);
    unsigned tab;
    size_t rb, ra;
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &rb, air, 1), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &ra, air, 2), CAIRN_OK);
    t.main[RC_TAB_BASE][rb * RC_BASE_NMAIN + RC_BASE_OUT] = 4;
    t.main[RC_TAB_BASE][ra * RC_BASE_NMAIN + RC_BASE_B] = 4;
    expect_bad(air, &t, NULL, "assert_eq of 3 and 4", "assert_eq: a = b");
    rc_trace_free(&t);
    /* the witness (3, 4): no trace, and the reason is named */
    wit[1] = 4;
    CU_ASSERT_EQUAL(rc_air_trace(&t, air, wit, n), CAIRN_ERR_VERIFY);
    CU_ASSERT(strstr(cairn_last_error(), "a equals b") != NULL);
    CU_ASSERT(strstr(cairn_last_error(), "instruction 2") != NULL);
    uint8_t *proof = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(rc_prove(&proof, &len, air, wit, n), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NULL(proof);
    /* a witness of the wrong length */
    CU_ASSERT_EQUAL(rc_air_trace(&t, air, wit, n - 1), CAIRN_ERR_USAGE);
    rc_air_free(air);
    /* (d) public values that cannot be bound */
    CU_ASSERT_EQUAL(rc_air_build(&air, p, 3, &prm), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_air_build(&air, p, STARK_MAX_PUB + 1, &prm), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NULL(air);
    rc_program_free(p);
    free(wit);

    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&bl), CAIRN_OK);
    c = rc_builder_vctx(bl);
    a = vc_input(c, 1);
    (void)vc_input(c, 2); /* never read */
    ve e = vce_input(c, gl3_one());
    vce_assert_eq(c, e, vce_from_base(c, a), "e is a");
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(bl, &p, &wit, &n), CAIRN_OK);
    rc_builder_free(bl);
    CU_ASSERT_EQUAL(rc_air_build(&air, p, 1, &prm), CAIRN_OK);
    rc_air_free(air);
    CU_ASSERT_EQUAL(rc_air_build(&air, p, 2, &prm), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "never read") != NULL);
    CU_ASSERT_EQUAL(rc_air_build(&air, p, 3, &prm), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "e_input") != NULL);
    rc_program_free(p);
    free(wit);
}

/* (b) the verifier of a fib proof, proven */
static void test_fib_verifier(void)
{
    air_machine *fib;
    CU_ASSERT_EQUAL_FATAL(stark_machine_fib(&fib), CAIRN_OK);
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, fib, &prm), CAIRN_OK);
    const unsigned log_n = 5;
    gl_t *main, pub[STARK_FIB_NPUB];
    CU_ASSERT_EQUAL_FATAL(stark_fib_trace(&main, pub, log_n, 42), CAIRN_OK);
    stark_trace tr = {main, log_n};
    uint8_t *proof;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(stark_prove(pk, &tr, pub, STARK_FIB_NPUB, &proof, &len), CAIRN_OK);
    free(main);
    rc_program *p;
    gl_t *wit;
    size_t n;
    int accepted = 0;
    unsigned heights[AIR_MAX_TABLES] = {log_n};
    CU_ASSERT_EQUAL_FATAL(rc_record_verifier(&p, &wit, &n, &accepted, NULL, vk, pub, STARK_FIB_NPUB,
                                             proof, len, heights),
                          CAIRN_OK);
    CU_ASSERT_FATAL(accepted);
    free(proof);

    double t0 = now_sec();
    rc_air *air;
    cairn_err e = rc_air_build(&air, p, STARK_FIB_NPUB, &prm);
    if (e != CAIRN_OK) fprintf(stderr, "build: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    double t1 = now_sec();
    printf("  fib verifier (2^%u rows, preset test): %zu instructions, %zu witness elements\n", log_n,
           rc_program_ninstrs(p), n);
    /* (i) the opened rows and Merkle siblings go to p2 lanes only: most
     * inputs are absorbed */
    size_t nbase, nabs;
    count_base(p, STARK_FIB_NPUB, &nbase, &nabs);
    CU_ASSERT(nabs > nbase / 2);
    CU_ASSERT_EQUAL(rc_air_rows(air, RC_TAB_BASE), nbase - nabs);
    printf("  %zu base instructions, %zu inputs absorbed by p2 rows\n", nbase, nabs);
    /* LogUp columns are extension columns: 3 base columns each */
    printf("  %-6s %8s %8s %5s %5s %6s\n", "table", "rows", "height", "pre", "main", "logup");
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++)
        printf("  %-6s %8zu %8zu %5u %5u %6u\n", rc_air_table_name(t), rc_air_rows(air, t),
               (size_t)1 << rc_air_log_height(air, t), rc_air_machine(air)->tables[t]->npre, NMAIN[t],
               3 * stark_vk_logup_columns(rc_air_vk(air), t));
    /* the honest trace satisfies every constraint */
    rc_trace t;
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, air, wit, n), CAIRN_OK);
    e = stark_check_trace(rc_air_machine(air), t.tr, t.pub, t.npub);
    if (e != CAIRN_OK) fprintf(stderr, "check: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    rc_trace_free(&t);
    double t2 = now_sec();
    e = rc_prove(&proof, &len, air, wit, n);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    double t3 = now_sec();
    /* its public values are the inner proof's */
    e = rc_verify(rc_air_vk(air), pub, STARK_FIB_NPUB, proof, len);
    if (e != CAIRN_OK) fprintf(stderr, "verify: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    double t4 = now_sec();
    for (unsigned i = 0; i < STARK_FIB_NPUB; i++) {
        gl_t bad[STARK_FIB_NPUB];
        memcpy(bad, pub, sizeof bad);
        bad[i] = gl_add(bad[i], 1);
        CU_ASSERT_EQUAL(rc_verify(rc_air_vk(air), bad, STARK_FIB_NPUB, proof, len), CAIRN_ERR_VERIFY);
    }
    /* a forged inner proof (the last witness element: a sibling on the
     * last query's FRI Merkle path): the recorded verifier rejects it, so
     * there is no trace; filled anyway, the AIR rejects it at an
     * assertion row */
    gl_t *forged = malloc(n * sizeof *forged);
    CU_ASSERT_FATAL(forged != NULL);
    memcpy(forged, wit, n * sizeof *forged);
    forged[n - 1] = gl_add(forged[n - 1], 1);
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, p, forged, n), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(rc_air_trace(&t, air, forged, n), CAIRN_ERR_VERIFY);
    CU_ASSERT(strstr(cairn_last_error(), res.reason) != NULL);
    CU_ASSERT_EQUAL_FATAL(rc_air_trace_unchecked(&t, air, forged, n), CAIRN_OK);
    printf("  forged inner proof: rc_exec: %s\n", res.reason);
    expect_bad(air, &t, t.pub, "forged inner proof", "assert_eq");
    rc_trace_free(&t);
    free(forged);
    /* the inner key is not a recursion VM's */
    CU_ASSERT_EQUAL(rc_verify(vk, pub, STARK_FIB_NPUB, proof, len), CAIRN_ERR_USAGE);
    printf("  build+setup %.3f s, trace+check %.3f s, prove %.3f s, verify %.3f s, proof %zu bytes\n",
           t1 - t0, t2 - t1, t3 - t2, t4 - t3, len);
    free(proof);
    rc_air_free(air);
    rc_program_free(p);
    free(wit);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(fib);
}

/* (h) the recursion layer's parameters: for proven-100 the fewest queries
 * that give >= 100 proven bits on the recursion machine at the shape's
 * heights (one query less does not), the same bits from stark_security
 * on a program's machine at those heights; other presets as
 * stark_params_preset; usage errors. */
static void test_params(void)
{
    static const char *const shapes[] = {"test", "rc-test", "rc-100"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        printf("  %-8s", shapes[i]);
        for (unsigned lb = 2; lb <= 5; lb++) {
            stark_params p;
            stark_security_bits sec;
            CU_ASSERT_EQUAL_FATAL(rc_params_at(&p, &sec, "proven-100", shapes[i], lb), CAIRN_OK);
            CU_ASSERT(sec.proven >= 100.0);
            CU_ASSERT_EQUAL(p.log_blowup, lb);
            printf(" blowup 2^%u: %u queries (%.1f bits)", lb, p.queries, sec.proven);
            /* the fewest: one query less falls short */
            const rc_shape *sh;
            CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, shapes[i]), CAIRN_OK);
            if (i == 0) {
                /* a real program's machine at the shape's heights agrees */
                rc_air *a;
                CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&a, every, EVERY_NPUB, shapes[i], &p), CAIRN_OK);
                stark_security_bits s2;
                CU_ASSERT_EQUAL(stark_security(&s2, &p, rc_air_machine(a), sh->log_n), CAIRN_OK);
                CU_ASSERT(s2.proven >= 100.0);
                p.queries--;
                CU_ASSERT_EQUAL(stark_security(&s2, &p, rc_air_machine(a), sh->log_n), CAIRN_OK);
                CU_ASSERT(s2.proven < 100.0);
                rc_air_free(a);
            }
        }
        printf("\n");
    }
    stark_params p, q;
    CU_ASSERT_EQUAL(rc_params(&p, NULL, "proven-100", "rc-100"), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_params_validate(&p), CAIRN_OK);
    /* the layer's choice (rc_air.c RC_LOG_BLOWUP, RC_LOG_ARITY,
     * RC_LOG_FINAL_LEN, docs/recursion.md) */
    CU_ASSERT(p.log_blowup == 2 && p.pow_bits == 20 && p.queries == 81);
    CU_ASSERT(p.log_arity == 3 && p.log_final_len == 7);
    /* another FRI shape, the queries refitted (the bound holds) */
    stark_security_bits s3;
    CU_ASSERT_EQUAL(rc_params_fri(&q, &s3, "proven-100", "rc-100", 0, 2, 3), CAIRN_OK);
    CU_ASSERT(q.log_blowup == 2 && q.log_arity == 2 && q.log_final_len == 3 && q.queries == 81);
    CU_ASSERT(s3.proven >= 100.0);
    CU_ASSERT_EQUAL(rc_params_fri(&q, NULL, "proven-100", "rc-100", 0, 4, STARK_PARAMS_KEEP), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_params_fri(&q, NULL, "proven-100", "rc-100", 0, 0, 9), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_params_at(&q, NULL, "proven-100", "rc-100", 3), CAIRN_OK);
    CU_ASSERT(q.log_blowup == 3 && q.queries == 54);
    CU_ASSERT_EQUAL(rc_params(&p, NULL, "test", "rc-test"), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_params_preset(&q, "test"), CAIRN_OK);
    CU_ASSERT(memcmp(&p, &q, sizeof p) == 0);
    CU_ASSERT_EQUAL(rc_params(&p, NULL, "proven-100", "no-such-shape"), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_params(&p, NULL, "no-such-preset", "rc-100"), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_params_at(&p, NULL, "proven-100", "rc-100", 7), CAIRN_ERR_USAGE);
}

/* (i) The instructions that go to base, and the private inputs a p2
 * input lane reads (which the AIR absorbs), counted from the program
 * alone. */
static void count_base(const rc_program *p, unsigned npub, size_t *nbase, size_t *nabs)
{
    uint8_t *lane_read = calloc(p->nvars + 1, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lane_read);
    *nbase = *nabs = 0;
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        const unsigned sw = in->op == RC_PERMUTE_SWAP;
        if (in->op == RC_PERMUTE || sw)
            for (unsigned k = 0; k < P2_WIDTH; k++) lane_read[p->args[in->arg + sw + k]] = 1;
    }
    size_t wi = 0;
    for (size_t i = 0; i < p->nins; i++) {
        switch (p->ins[i].op) {
        case RC_INPUT:
            if (wi++ >= npub && lane_read[p->ins[i].dst]) ++*nabs;
            /* fall through */
        case RC_CONST: case RC_ADD: case RC_SUB: case RC_MUL: case RC_INV: case RC_SELECT:
        case RC_ASSERT_EQ: ++*nbase; break;
        case RC_E_INPUT: wi += 3; break;
        default: break;
        }
    }
    free(lane_read);
}

/* y public, x[0..12) private: permutation A absorbs every x (lane k
 * defines x[k]); permutation B reads x[3] on lane 0; an add reads x[5].
 * No permutation output is read, so a changed lane moves nothing on the
 * bus but the lane's own read or write. */
enum { ABS_NPUB = 1 };
static cairn_err absorb_program(rc_program **prog, gl_t **wit, size_t *n)
{
    rc_builder *b;
    FORWARD_IF_ERROR(rc_builder_new(&b));
    vctx *c = rc_builder_vctx(b);
    vb y = vc_input(c, 77), x[P2_WIDTH], st[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) st[i] = x[i] = vc_input(c, 100 + (gl_t)i);
    vc_permute(c, st);
    for (int i = 0; i < P2_WIDTH; i++) st[i] = i == 0 ? x[3] : vc_const(c, (gl_t)i);
    vc_permute(c, st);
    vc_assert_eq(c, vc_add(c, x[5], y), vc_const(c, 105 + 77), "x[5] + y");
    cairn_err e = rc_builder_failures(b) ? cairn_fail(CAIRN_ERR_INTERNAL, "absorb: %s",
                                                      rc_builder_first_failure(b))
                                         : rc_builder_finish(b, prog, wit, n);
    rc_builder_free(b);
    return e;
}

/* lane of the p2 row of instruction `ins` (an input or a permutation) set
 * to its value + 1, the gadget refilled: only the bus can object */
static void bump_lane(rc_trace *t, const rc_air *a, size_t ins, unsigned lane)
{
    unsigned tab;
    size_t row;
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &row, a, ins), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(tab, RC_TAB_P2);
    gl_t *r = t->main[RC_TAB_P2] + row * RC_P2_NMAIN;
    r[RC_P2_IN + lane] = gl_add(r[RC_P2_IN + lane], 1);
    p2_set_dir(r, 0);
}

static void test_absorbed_inputs(void)
{
    rc_program *p;
    gl_t *w;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(absorb_program(&p, &w, &n), CAIRN_OK);
    rc_air *a;
    CU_ASSERT_EQUAL_FATAL(rc_air_build(&a, p, ABS_NPUB, &prm), CAIRN_OK);
    /* 13 inputs, 11 + 1 constants, add, assert_eq: the 12 private inputs
     * are absorbed, y keeps its row */
    size_t nbase, nabs;
    count_base(p, ABS_NPUB, &nbase, &nabs);
    CU_ASSERT_EQUAL(nabs, P2_WIDTH);
    CU_ASSERT_EQUAL(rc_air_rows(a, RC_TAB_BASE), nbase - nabs);
    CU_ASSERT_EQUAL(rc_air_rows(a, RC_TAB_P2), 2);
    printf("  absorb: %zu base instructions, %zu inputs absorbed, base rows %zu\n", nbase, nabs,
           rc_air_rows(a, RC_TAB_BASE));
    /* the every-opcode program: its p2 lanes read no input */
    count_base(every, EVERY_NPUB, &nbase, &nabs);
    CU_ASSERT_EQUAL(nabs, 0);
    CU_ASSERT_EQUAL(rc_air_rows(every_air, RC_TAB_BASE), nbase);
    /* located: x[k] at permutation A's row (p2 row 0), y in base */
    const size_t ia = nth(p, RC_PERMUTE, 0), ib = nth(p, RC_PERMUTE, 1);
    unsigned tab;
    size_t row, rowa;
    CU_ASSERT_EQUAL_FATAL(rc_air_locate(&tab, &rowa, a, ia), CAIRN_OK);
    for (unsigned k = 0; k < P2_WIDTH; k++) {
        CU_ASSERT_EQUAL(rc_air_locate(&tab, &row, a, nth(p, RC_INPUT, 1 + k)), CAIRN_OK);
        CU_ASSERT(tab == RC_TAB_P2 && row == rowa);
    }
    CU_ASSERT_EQUAL(rc_air_locate(&tab, &row, a, nth(p, RC_INPUT, 0)), CAIRN_OK);
    CU_ASSERT_EQUAL(tab, RC_TAB_BASE);
    /* honest: checked, proven, verified */
    rc_trace t;
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, a, w, n), CAIRN_OK);
    cairn_err e = stark_check_trace(rc_air_machine(a), t.tr, t.pub, t.npub);
    if (e != CAIRN_OK) fprintf(stderr, "absorb: check: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(t.main[RC_TAB_P2][rowa * RC_P2_NMAIN + RC_P2_IN + 5], 105);
    rc_trace_free(&t);
    uint8_t *proof;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(rc_prove(&proof, &len, a, w, n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), w, ABS_NPUB, proof, len), CAIRN_OK);
    free(proof);
    /* the defining lane of x[5] (A's lane 5) holds 106, the add reads 105;
     * B's lane 0 reads x[3] as 104, A's lane 3 defined 103 */
    char want[96];
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, a, w, n), CAIRN_OK);
    bump_lane(&t, a, nth(p, RC_INPUT, 1 + 5), 5);
    snprintf(want, sizeof want, "do not balance: bus 1; tuple (%u, ", p->ins[nth(p, RC_INPUT, 1 + 5)].dst);
    expect_bad(a, &t, t.pub, "defining lane of an absorbed input", want);
    rc_trace_free(&t);
    CU_ASSERT_EQUAL_FATAL(rc_air_trace(&t, a, w, n), CAIRN_OK);
    bump_lane(&t, a, ib, 0);
    snprintf(want, sizeof want, "do not balance: bus 1; tuple (%u, ", p->ins[nth(p, RC_INPUT, 1 + 3)].dst);
    expect_bad(a, &t, t.pub, "reading lane of an absorbed input", want);
    rc_trace_free(&t);
    rc_air_free(a);
    rc_program_free(p);
    free(w);
}

int main(void)
{
    if (stark_params_preset(&prm, "test") != CAIRN_OK) return 1;
    prm.check_trace = 0;
    if (every_program(&every, &every_wit, &every_n, 1000) != CAIRN_OK ||
        rc_air_build(&every_air, every, EVERY_NPUB, &prm) != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        return 1;
    }
    static const test_case cases[] = {{"(a) every opcode", test_every_opcode},
                                      {"(b) fib verifier", test_fib_verifier},
                                      {"(c) wrong values", test_wrong_values},
                                      {"(c) wrong public value", test_wrong_public},
                                      {"(c) another program's key", test_other_program},
                                      {"(c,d) failed assertion, bad public values",
                                       test_failed_assertion},
                                      {"(f) shapes", test_shape},
                                      {"(g) the key as input", test_key_input},
                                      {"(h) recursion parameters", test_params},
                                      {"(i) absorbed inputs", test_absorbed_inputs},
                                      {NULL, NULL}};
    int rc = test_run_suite("rc_air", cases);
    rc_air_free(every_air);
    rc_program_free(every);
    free(every_wit);
    return rc;
}
