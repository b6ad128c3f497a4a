/* In-circuit instruction decoding (vm/rv32im/rv_air_decode.c) against the
 * reference decoder rv_decode: a "words" table holds one fetched word per
 * row, the decoding the gadget states, and the values rv_decode gives
 * (expected columns, constrained equal to the gadget's expressions), next
 * to the decode and range tables.
 *   - every (opcode, funct3, funct7) with random, all-zero and all-one
 *     other bits: legal words fill and pass stark_check_trace, illegal
 *     ones (and EBREAK) have no fill;
 *   - the natural forgeries are rejected, each naming its constraint or
 *     its bus (the bus by an exact per-bus multiset count, since the
 *     checker only says that the LogUp sum does not balance);
 *   - proofs: an honest trace verifies, forged ones do not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_decode.h"
#include "vm/rv32im/rv_air_tables.h"

/* words table: word, active, then what rv_decode says, then the gadget */
enum { W_WORD, W_SEL, W_OP, W_RD, W_RS1, W_RS2, W_IMM, W_GADGET };
#define W_NCOLS (W_GADGET + RV_DEC_NCOLS)
#define BATCH_LOG 12
#define SMALL_LOG 5

static rvt_keys fx;
static rv_decode_gadget G;

static cairn_err build(air_machine **out, rv_decode_gadget *g)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "decode", 0));
    air_table *w = air_table_add(m, "words", 0, W_NCOLS);
    rv_decode_table_add(m);
    rv_range_table_add(m);
    rv_cols cols = {W_GADGET};
    rv_decode_layout(g, &cols);
    if (w) {
        air_expr sel = air_col(m, w, AIR_MAIN, W_SEL, 0);
        air_expr one = air_const(m, w, 1);
        air_constrain(m, w, air_mul(m, w, sel, air_sub(m, w, sel, one)), "sel boolean");
        rv_decode_build(g, m, w, sel, air_col(m, w, AIR_MAIN, W_WORD, 0));
        const struct {
            air_expr e;
            unsigned col;
            const char *name;
        } eq[] = {{g->op, W_OP, "test: op"},
                  {g->rd, W_RD, "test: rd"},
                  {g->rs1, W_RS1, "test: rs1"},
                  {g->rs2, W_RS2, "test: rs2"},
                  {g->imm, W_IMM, "test: imm"}};
        for (unsigned k = 0; k < 5; k++)
            air_constrain(
                m, w,
                air_mul(m, w, sel, air_sub(m, w, eq[k].e, air_col(m, w, AIR_MAIN, eq[k].col, 0))),
                eq[k].name);
    }
    return rvt_finish(out, m);
}

/* ---- traces ---- */

typedef struct {
    unsigned log_n, n;
    gl_t *words, *decode, *range;
    rv_lookups lk;
    rv_decode_mult dm;
} traces;

static void tr_new(traces *t, unsigned log_n)
{
    memset(t, 0, sizeof *t);
    t->log_n = log_n;
    t->words = calloc((size_t)W_NCOLS << log_n, sizeof(gl_t));
    t->decode = calloc((size_t)1 << RV_DECODE_LOG, sizeof(gl_t));
    t->range = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    CU_ASSERT_FATAL(t->words && t->decode && t->range);
    CU_ASSERT_EQUAL_FATAL(rv_lookups_alloc(&t->lk), CAIRN_OK);
}

static void tr_free(traces *t)
{
    free(t->words);
    free(t->decode);
    free(t->range);
    rv_lookups_free(&t->lk);
}

static gl_t *row_of(traces *t, unsigned r) { return t->words + (size_t)r * W_NCOLS; }

/* Appends an honest row for a legal word; the expected columns hold
 * rv_decode's answer, which the gadget's own answer must equal. */
static void tr_add(traces *t, uint32_t word)
{
    CU_ASSERT_FATAL(t->n < (1u << t->log_n));
    gl_t *row = row_of(t, t->n++);
    rv_decoded d = rv_decode(word), got;
    cairn_err e = rv_decode_fill(&G, row, &t->lk, &t->dm, &got, word);
    if (e != CAIRN_OK) fprintf(stderr, "word 0x%08x: %s\n", word, cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    if (memcmp(&got, &d, sizeof d) != 0)
        fprintf(
            stderr,
            "word 0x%08x: gadget says %s rd %u rs1 %u rs2 %u imm %d, rv_decode %s %u %u %u %d\n",
            word, rv_op_name(got.op), got.rd, got.rs1, got.rs2, got.imm, rv_op_name(d.op), d.rd,
            d.rs1, d.rs2, d.imm);
    CU_ASSERT(got.op == d.op && got.rd == d.rd && got.rs1 == d.rs1 && got.rs2 == d.rs2 &&
              got.imm == d.imm);
    row[W_WORD] = word;
    row[W_SEL] = 1;
    row[W_OP] = d.op;
    row[W_RD] = d.rd;
    row[W_RS1] = d.rs1;
    row[W_RS2] = d.rs2;
    row[W_IMM] = (uint32_t)d.imm;
}

static void tr_finish(traces *t)
{
    rv_decode_table_fill(t->decode, &t->dm);
    rv_range_table_fill(t->range, &t->lk);
}

static void tr_stark(const traces *t, stark_trace tr[3])
{
    tr[0] = (stark_trace){t->words, t->log_n};
    tr[1] = (stark_trace){t->decode, RV_DECODE_LOG};
    tr[2] = (stark_trace){t->range, RV_RANGE_LOG};
}

/* Bit b set: bus b carries a tuple whose sends and receives differ. */
static unsigned unbalanced_buses(const traces *t)
{
    stark_trace tr[3];
    tr_stark(t, tr);
    return rvt_unbalanced(fx.m, tr, NULL);
}

/* ---- checks ---- */

static cairn_err check(const traces *t)
{
    stark_trace tr[3];
    tr_stark(t, tr);
    return stark_check_trace(fx.m, tr, NULL, 0);
}

/* The checker rejects t: by the constraint named cons (a substring of its
 * name), or (cons NULL) by the LogUp balance, with exactly the buses of
 * the mask unbalanced. */
static void expect_reject(const traces *t, const char *cons, unsigned buses, const char *what)
{
    cairn_err e = check(t);
    const char *msg = cairn_last_error();
    int ok = e == CAIRN_ERR_VERIFY &&
             (cons ? strstr(msg, cons) != NULL : strstr(msg, "balance") != NULL);
    if (!ok) fprintf(stderr, "%s: checker says %s (%s)\n", what, cairn_err_name(e), msg);
    CU_ASSERT(ok);
    if (!cons) {
        unsigned bad = unbalanced_buses(t);
        if (bad != buses)
            fprintf(stderr, "%s: unbalanced buses 0x%x, expected 0x%x\n", what, bad, buses);
        CU_ASSERT_EQUAL(bad, buses);
    }
}

/* ---- (1) every (opcode, funct3, funct7) ---- */

static uint32_t word_of(uint32_t opc, uint32_t f3, uint32_t f7, uint32_t rd, uint32_t rs1,
                        uint32_t rs2)
{
    return opc | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25;
}

static unsigned n_checked;

static void batch_check(traces *t)
{
    tr_finish(t);
    cairn_err e = check(t);
    if (e != CAIRN_OK) fprintf(stderr, "batch: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    n_checked += t->n;
    tr_free(t);
    tr_new(t, BATCH_LOG);
}

static void test_exhaustive(void)
{
    uint64_t seed = test_seed("rv air decode exhaustive");
    rng_t r;
    rng_seed(&r, seed);
    double t0 = now_sec();
    traces t;
    tr_new(&t, BATCH_LOG);
    unsigned legal = 0, illegal = 0, ops_seen[RV_NOPS] = {0};
    n_checked = 0;
    for (uint32_t k = 0; k < (1u << 17); k++) {
        uint32_t opc = k & 0x7f, f3 = (k >> 7) & 7, f7 = k >> 10;
        uint64_t x = rng_u64(&r);
        uint32_t words[3] = {
            word_of(opc, f3, f7, x & 31, (x >> 5) & 31, (x >> 10) & 31), /* random other bits */
            word_of(opc, f3, f7, 0, 0, 0),                               /* ECALL's shape */
            word_of(opc, f3, f7, 31, 31, 31),
        };
        for (unsigned v = 0; v < 3; v++) {
            uint32_t w = words[v];
            rv_decoded d = rv_decode(w);
            if (d.op == RV_OP_ILLEGAL || d.op == RV_OP_EBREAK) {
                /* no valid decoding: fill refuses and writes nothing */
                gl_t row[W_NCOLS] = {0}, zero[W_NCOLS] = {0};
                rv_decoded got;
                cairn_err e = rv_decode_fill(&G, row, &t.lk, &t.dm, &got, w);
                if (e != CAIRN_ERR_FAULT) fprintf(stderr, "illegal word 0x%08x filled\n", w);
                CU_ASSERT_EQUAL(e, CAIRN_ERR_FAULT);
                CU_ASSERT_EQUAL(got.op, RV_OP_ILLEGAL);
                CU_ASSERT(memcmp(row, zero, sizeof row) == 0);
                illegal++;
                continue;
            }
            tr_add(&t, w);
            legal++;
            ops_seen[d.op]++;
            if (t.n == (1u << BATCH_LOG)) batch_check(&t);
        }
    }
    if (t.n) batch_check(&t);
    tr_free(&t);
    /* every operation but EBREAK (illegal here) was met */
    for (unsigned op = 1; op < RV_NOPS; op++)
        if (op != RV_OP_EBREAK && !ops_seen[op])
            fprintf(stderr, "op %s never met\n", rv_op_name(op));
    for (unsigned op = 1; op < RV_NOPS; op++) CU_ASSERT(op == RV_OP_EBREAK || ops_seen[op] > 0);
    CU_ASSERT_EQUAL(n_checked, legal);
    fprintf(stderr,
            "decode exhaustive: %u legal words checked in %u batches of <= 2^%d rows, %u illegal "
            "refused, %.1f s\n",
            legal, (legal + (1u << BATCH_LOG) - 1) >> BATCH_LOG, BATCH_LOG, illegal, now_sec() - t0);
}

/* ---- (2) forgeries ---- */

/* Small honest trace: the victim word in row 0, then a few others. */
static void small(traces *t, uint32_t victim)
{
    static const uint32_t others[] = {
        0x00000073, /* ecall */
        0x003100b3, /* add x1, x2, x3 */
        0xfff10093, /* addi x1, x2, -1 */
        0x800000ef, /* jal x1, -2^20 */
        0xfe209ee3, /* bne x1, x2, -4 */
        0xfe112e23, /* sw x1, -4(x2) */
        0xfffff537, /* lui x10, 0xfffff */
        0x41f0d093, /* srai x1, x1, 31 */
        0x0ff0000f, /* fence */
    };
    tr_new(t, SMALL_LOG);
    tr_add(t, victim);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) tr_add(t, others[i]);
    tr_finish(t);
}

static unsigned class_index(uint8_t op)
{
    for (unsigned i = 0; i < RV_DECODE_CLASSES; i++)
        if (G.cls[i].op == op) return i;
    CU_FAIL_FATAL("no class");
    return 0;
}

/* row 0 claims the class of op (flags, decode multiplicity; the op id the
 * flags name follows) */
static void claim_class(traces *t, uint8_t from, uint8_t to)
{
    gl_t *g = row_of(t, 0) + W_GADGET;
    unsigned ci = class_index(to);
    for (unsigned k = 0; k < RV_DEC_NFLAGS; k++)
        if (rv_decode_flag_col(k) >= 0) g[rv_decode_flag_col(k)] = G.cls[ci].flag[k];
    for (unsigned k = 0; k < RV_DEC_NSUBCOL; k++) g[RV_DEC_C_SUB0 + k] = G.cls[ci].sub[k];
    t->decode[class_index(from)] -= 1;
    t->decode[ci] += 1;
    row_of(t, 0)[W_OP] = to;
}

#define BUS(b) (1u << (b))

static void test_honest_small(void)
{
    traces t;
    small(&t, 0x403100b3);
    CU_ASSERT_EQUAL(check(&t), CAIRN_OK);
    CU_ASSERT_EQUAL(unbalanced_buses(&t), 0);
    tr_free(&t);
}

static void test_forgeries(void)
{
    traces t;
    gl_t *row, *g;

    /* SUB's word claimed as ADD (a nearby legal class): funct7 = 0x20 is
     * in the key, the table's ADD has f7key 0 */
    small(&t, 0x403100b3);
    claim_class(&t, RV_OP_SUB, RV_OP_ADD);
    expect_reject(&t, NULL, BUS(RV_BUS_DECODE), "SUB as ADD");
    tr_free(&t);

    /* SRAI claimed as SRLI */
    small(&t, 0x41f0d093);
    claim_class(&t, RV_OP_SRAI, RV_OP_SRLI);
    expect_reject(&t, NULL, BUS(RV_BUS_DECODE), "SRAI as SRLI");
    tr_free(&t);

    /* an illegal R-type word (funct7 = 0x02) claimed as ADD: the honest
     * split of the word gives f7key = 2 */
    small(&t, 0x003100b3);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    CU_ASSERT_EQUAL(rv_decode(0x043100b3).op, RV_OP_ILLEGAL);
    row[W_WORD] = 0x043100b3;
    g[RV_DEC_C_F7LO] = 2;
    t.range[rv_range_index(0, 6)] -= 1;
    t.range[rv_range_index(2, 6)] += 1;
    expect_reject(&t, NULL, BUS(RV_BUS_DECODE), "funct7 0x02 as ADD");
    /* ... and with f7key 0 by flags that say funct7 does not matter
     * (ADDI's class): the opcode is the flags' (0x13), so the fields no
     * longer add up to the word's opcode 0x33 ... */
    claim_class(&t, RV_OP_ADD, RV_OP_ADDI);
    row[W_RS2] = 0;     /* an ALUI class reads no rs2 ... */
    row[W_IMM] = 0x043; /* ... and has an I immediate */
    expect_reject(&t, "word = sum", 0, "R-type with f7key 0");
    /* ... and the opcode's difference 0x20 moved into rd_hi (2^8 rd_hi:
     * + 1/8) leaves rd_hi out of range */
    g[RV_DEC_C_RD_HI] = gl_add(g[RV_DEC_C_RD_HI], gl_inv(8));
    row[W_RD] = gl_add(gl_mul(2, g[RV_DEC_C_RD_HI]), g[RV_DEC_C_RD0]);
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "R-type as ADDI, opcode moved into rd");
    tr_free(&t);

    /* ... or f7key 0 by moving funct7's bits out of the funct7 columns:
     * 2 * 2^25 = 32 * 2^21 into rs2_hi, out of range */
    small(&t, 0x003100b3);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    row[W_WORD] = 0x043100b3;
    g[RV_DEC_C_RS2_HI] += 32;
    row[W_RS2] = 2 * g[RV_DEC_C_RS2_HI] + g[RV_DEC_C_RS2_0];
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "funct7 moved into rs2");
    tr_free(&t);

    /* EBREAK claimed as ECALL: the honest split has rs2 = 1 */
    small(&t, 0x00000073);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    row[W_WORD] = 0x00100073;
    g[RV_DEC_C_RS2_0] = 1;
    expect_reject(&t, "ECALL word", 0, "EBREAK as ECALL");
    /* ... or with rs2 = 0 the split does not add up to the word */
    g[RV_DEC_C_RS2_0] = 0;
    expect_reject(&t, "word = sum", 0, "EBREAK as ECALL, rs2 0");
    tr_free(&t);

    /* a Zicsr word (csrrw x0, mtvec, x2: funct3 1) claimed as ECALL */
    small(&t, 0x00000073);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    row[W_WORD] = 0x30511073;
    g[RV_DEC_C_FUNCT3] = 1;
    g[RV_DEC_C_RS1] = 2;
    g[RV_DEC_C_RS2_HI] = 2;
    g[RV_DEC_C_RS2_0] = 1;
    g[RV_DEC_C_F7LO] = 0x18;
    expect_reject(&t, "ECALL word", 0, "CSRRW as ECALL");
    /* ... or as a class without flags (FENCE's): the flags say opcode
     * 0x0f, the word's is 0x73 */
    claim_class(&t, RV_OP_ECALL, RV_OP_FENCE);
    expect_reject(&t, "word = sum", 0, "CSRRW as a no-op");
    tr_free(&t);

    /* a wrong immediate with the honest witness: the class fixes it */
    small(&t, 0xfff10093);
    row_of(&t, 0)[W_IMM] = 0xfff;
    expect_reject(&t, "test: imm", 0, "ADDI -1 as +4095");
    tr_free(&t);

    /* ... and by the witness: sign bit 0, f7lo = 127 (the sum still holds,
     * the immediate would be 0x7ff... +4095), f7lo out of range */
    small(&t, 0xfff10093);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    g[RV_DEC_C_SIGN] = 0;
    g[RV_DEC_C_F7LO] = 127;
    row[W_IMM] = 31 + 32 * 127;
    t.range[rv_range_index(63, 6)] -= 1;
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "ADDI sign flipped");
    tr_free(&t);

    /* a B immediate with rd0 moved into rd_hi (half a unit: not an
     * integer in range) */
    small(&t, 0xfe209ee3); /* bne x1, x2, -4: rd field 0x1d */
    row = row_of(&t, 0);
    g = row + W_GADGET;
    g[RV_DEC_C_RD0] = 0;
    g[RV_DEC_C_RD_HI] = gl_add(g[RV_DEC_C_RD_HI], gl_inv(2));
    row[W_IMM] = (uint32_t)-4 - 2048 + 1; /* what the forged fields give */
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "BNE rd0 moved");
    tr_free(&t);

    /* a field out of range with the sum kept: rs1 + 32, rs2_0 - 1 */
    small(&t, 0x003100b3);
    row = row_of(&t, 0);
    g = row + W_GADGET;
    g[RV_DEC_C_RS1] += 32;
    g[RV_DEC_C_RS2_0] -= 1;
    row[W_RS1] = 34;
    row[W_RS2] = 2;
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "rs1 = 34");
    tr_free(&t);

    /* a non-boolean moved bit with the sum kept: rd0 = 3, rd_hi - 1 */
    small(&t, 0x003101b3); /* add x3, x2, x3 */
    g = row_of(&t, 0) + W_GADGET;
    g[RV_DEC_C_RD0] += 2;
    g[RV_DEC_C_RD_HI] -= 1;
    t.range[rv_range_index(1, 4)] -= 1;
    t.range[rv_range_index(0, 4)] += 1;
    expect_reject(&t, "rd0 boolean", 0, "rd0 = 3");
    tr_free(&t);

    /* the word does not equal the sum of its fields */
    small(&t, 0x003100b3);
    row_of(&t, 0)[W_WORD] += 1 << 7;
    expect_reject(&t, "word = sum", 0, "word + 2^7");
    tr_free(&t);

    /* a class flag, or a sub-op flag, on an inactive row */
    small(&t, 0x003100b3);
    row_of(&t, 1u << SMALL_LOG >> 1)[W_GADGET + rv_decode_flag_col(RV_DEC_ALUI)] = 1;
    expect_reject(&t, "flag 0 where inactive", 0, "flag on padding");
    tr_free(&t);
    small(&t, 0x003100b3);
    row_of(&t, 1u << SMALL_LOG >> 1)[W_GADGET + RV_DEC_C_SUB0 + RV_DEC_S_ADD] = 1;
    expect_reject(&t, "flag 0 where inactive", 0, "sub-op flag on padding");
    tr_free(&t);

    /* a sub-op flag that is not the class's (the op the flags name made to
     * agree): ADD's word with SUB's ALU flag; no class has this tuple.
     * BNE's without the negation and LBU's without the unsigned flag: the
     * two are funct3's (rv_air_decode.h), so BEQ's / LB's flags leave the
     * op at BNE / LBU, and their funct3 does not split the word (or, moved
     * into rd, leaves rd_hi out of range) */
    small(&t, 0x003100b3);
    g = row_of(&t, 0) + W_GADGET;
    g[RV_DEC_C_SUB0 + RV_DEC_S_ADD] = 0;
    g[RV_DEC_C_SUB0 + RV_DEC_S_SUB] = 1;
    row_of(&t, 0)[W_OP] = RV_OP_SUB;
    expect_reject(&t, NULL, BUS(RV_BUS_DECODE), "ADD with SUB's sub-op flag");
    tr_free(&t);
    small(&t, 0xfe209ee3);
    claim_class(&t, RV_OP_BNE, RV_OP_BEQ); /* the same stored flags */
    expect_reject(&t, "test: op", 0, "BNE without the negation");
    g = row_of(&t, 0) + W_GADGET;
    g[RV_DEC_C_FUNCT3] = 0;
    expect_reject(&t, "word = sum", 0, "BNE with BEQ's funct3");
    /* funct3's 2^12 as 2^8 rd_hi: + 16; B immediate bits 4:1 = rd_hi */
    g[RV_DEC_C_RD_HI] += 16;
    row_of(&t, 0)[W_IMM] += 32;
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "BNE as BEQ, funct3 moved into rd");
    tr_free(&t);
    small(&t, 0x00014083); /* lbu x1, 0(x2) */
    claim_class(&t, RV_OP_LBU, RV_OP_LB);
    expect_reject(&t, "test: op", 0, "LBU as a signed load");
    g = row_of(&t, 0) + W_GADGET;
    g[RV_DEC_C_FUNCT3] = 0;
    expect_reject(&t, "word = sum", 0, "LBU with LB's funct3");
    /* funct3's 4 2^12 as 2^8 rd_hi: + 64 */
    g[RV_DEC_C_RD_HI] += 64;
    row_of(&t, 0)[W_RD] += 128;
    expect_reject(&t, NULL, BUS(RV_BUS_RANGE), "LBU as LB, funct3 moved into rd");
    tr_free(&t);

    /* a decode multiplicity off by one */
    small(&t, 0x003100b3);
    t.decode[class_index(RV_OP_ADD)] += 1;
    expect_reject(&t, NULL, BUS(RV_BUS_DECODE), "decode multiplicity");
    tr_free(&t);
}

/* ---- (3) proofs ---- */

static void prove_expect(const traces *t, int ok, const char *what)
{
    stark_trace tr[3];
    tr_stark(t, tr);
    rvt_expect_proof(&fx, tr, NULL, 0, ok, NULL, what);
}

static void test_proofs(void)
{
    traces t;
    small(&t, 0x403100b3);
    prove_expect(&t, 1, "honest");
    claim_class(&t, RV_OP_SUB, RV_OP_ADD);
    prove_expect(&t, 0, "SUB as ADD");
    tr_free(&t);
    small(&t, 0x00000073);
    row_of(&t, 0)[W_WORD] = 0x00100073;
    row_of(&t, 0)[W_GADGET + RV_DEC_C_RS2_0] = 1;
    prove_expect(&t, 0, "EBREAK as ECALL");
    tr_free(&t);
}

int main(void)
{
    if (!rvt_setup(&fx, build(&fx.m, &G) == CAIRN_OK)) return 1;
    fprintf(stderr,
            "decode gadget: %d main columns per row (%d field, %d class flags, %d sub-op flags), "
            "%zu constraints, %zu interactions\n",
            RV_DEC_NCOLS, RV_DEC_C_FLAG0, RV_DEC_NSTORED, RV_DEC_NSUB, fx.m->tables[0]->ncons - 6,
            fx.m->tables[0]->nints);
    static const test_case cases[] = {
        {"every opcode/funct3/funct7 against rv_decode", test_exhaustive},
        {"honest small trace", test_honest_small},
        {"forgeries rejected, named", test_forgeries},
        {"proofs: honest verifies, forged rejected", test_proofs},
        {NULL, NULL}};
    return rvt_run(&fx, "rv_air_decode", cases);
}
