/* Exhaustive RV32IM decoder test: every major opcode x funct3 x funct7
 * combination (with random register fields) decodes to the instruction
 * whose MATCH/MASK pair (as in the riscv-opcodes tables) it satisfies, or
 * to RV_OP_ILLEGAL when none does; immediates and register fields against
 * an independent bit-by-bit extraction. */
#include <stdio.h>

#include "rvasm.h"
#include "testutil.h"

typedef struct {
    uint32_t mask, match;
    rv_op op;
    char fmt; /* R I S B U J N(one) */
} opdef;

static const opdef OPS[] = {
    {0x7f, 0x37, RV_OP_LUI, 'U'},          {0x7f, 0x17, RV_OP_AUIPC, 'U'},
    {0x7f, 0x6f, RV_OP_JAL, 'J'},          {0x707f, 0x67, RV_OP_JALR, 'I'},
    {0x707f, 0x63, RV_OP_BEQ, 'B'},        {0x707f, 0x1063, RV_OP_BNE, 'B'},
    {0x707f, 0x4063, RV_OP_BLT, 'B'},      {0x707f, 0x5063, RV_OP_BGE, 'B'},
    {0x707f, 0x6063, RV_OP_BLTU, 'B'},     {0x707f, 0x7063, RV_OP_BGEU, 'B'},
    {0x707f, 0x3, RV_OP_LB, 'I'},          {0x707f, 0x1003, RV_OP_LH, 'I'},
    {0x707f, 0x2003, RV_OP_LW, 'I'},       {0x707f, 0x4003, RV_OP_LBU, 'I'},
    {0x707f, 0x5003, RV_OP_LHU, 'I'},      {0x707f, 0x23, RV_OP_SB, 'S'},
    {0x707f, 0x1023, RV_OP_SH, 'S'},       {0x707f, 0x2023, RV_OP_SW, 'S'},
    {0x707f, 0x13, RV_OP_ADDI, 'I'},       {0x707f, 0x2013, RV_OP_SLTI, 'I'},
    {0x707f, 0x3013, RV_OP_SLTIU, 'I'},    {0x707f, 0x4013, RV_OP_XORI, 'I'},
    {0x707f, 0x6013, RV_OP_ORI, 'I'},      {0x707f, 0x7013, RV_OP_ANDI, 'I'},
    {0xfe00707f, 0x1013, RV_OP_SLLI, 'H'}, {0xfe00707f, 0x5013, RV_OP_SRLI, 'H'},
    {0xfe00707f, 0x40005013, RV_OP_SRAI, 'H'},
    {0xfe00707f, 0x33, RV_OP_ADD, 'R'},    {0xfe00707f, 0x40000033, RV_OP_SUB, 'R'},
    {0xfe00707f, 0x1033, RV_OP_SLL, 'R'},  {0xfe00707f, 0x2033, RV_OP_SLT, 'R'},
    {0xfe00707f, 0x3033, RV_OP_SLTU, 'R'}, {0xfe00707f, 0x4033, RV_OP_XOR, 'R'},
    {0xfe00707f, 0x5033, RV_OP_SRL, 'R'},  {0xfe00707f, 0x40005033, RV_OP_SRA, 'R'},
    {0xfe00707f, 0x6033, RV_OP_OR, 'R'},   {0xfe00707f, 0x7033, RV_OP_AND, 'R'},
    {0xfe00707f, 0x2000033, RV_OP_MUL, 'R'},    {0xfe00707f, 0x2001033, RV_OP_MULH, 'R'},
    {0xfe00707f, 0x2002033, RV_OP_MULHSU, 'R'}, {0xfe00707f, 0x2003033, RV_OP_MULHU, 'R'},
    {0xfe00707f, 0x2004033, RV_OP_DIV, 'R'},    {0xfe00707f, 0x2005033, RV_OP_DIVU, 'R'},
    {0xfe00707f, 0x2006033, RV_OP_REM, 'R'},    {0xfe00707f, 0x2007033, RV_OP_REMU, 'R'},
    {0x707f, 0xf, RV_OP_FENCE, 'N'},       {0x707f, 0x100f, RV_OP_FENCE, 'N'}, /* FENCE.I */
    {0xffffffff, 0x73, RV_OP_ECALL, 'N'},  {0xffffffff, 0x100073, RV_OP_EBREAK, 'N'},
};
#define NOPDEF (sizeof OPS / sizeof OPS[0])

static uint32_t bit(uint32_t w, int i) { return (w >> i) & 1; }

/* Immediate assembled bit by bit as the ISA manual's format figures draw
 * it, then sign-extended from its top bit. */
static int32_t ref_imm(uint32_t w, char fmt)
{
    uint32_t v = 0;
    int top = 0;
    switch (fmt) {
    case 'I':
        for (int i = 0; i < 12; i++) v |= bit(w, 20 + i) << i;
        top = 11;
        break;
    case 'S':
        for (int i = 0; i < 5; i++) v |= bit(w, 7 + i) << i;
        for (int i = 0; i < 7; i++) v |= bit(w, 25 + i) << (5 + i);
        top = 11;
        break;
    case 'B':
        for (int i = 0; i < 4; i++) v |= bit(w, 8 + i) << (1 + i);
        for (int i = 0; i < 6; i++) v |= bit(w, 25 + i) << (5 + i);
        v |= bit(w, 7) << 11 | bit(w, 31) << 12;
        top = 12;
        break;
    case 'U':
        return (int32_t)(w & 0xfffff000u);
    case 'J':
        for (int i = 0; i < 10; i++) v |= bit(w, 21 + i) << (1 + i);
        v |= bit(w, 20) << 11;
        for (int i = 0; i < 8; i++) v |= bit(w, 12 + i) << (12 + i);
        v |= bit(w, 31) << 20;
        top = 20;
        break;
    case 'H':
        return (int32_t)((w >> 20) & 31);
    default:
        return 0;
    }
    if (bit(v, top)) v |= ~0u << top;
    return (int32_t)v;
}

static void check_word(uint32_t w)
{
    const opdef *want = NULL;
    for (size_t i = 0; i < NOPDEF; i++)
        if ((w & OPS[i].mask) == OPS[i].match) {
            CU_ASSERT_PTR_NULL(want); /* the table has no overlaps */
            want = &OPS[i];
        }
    rv_decoded d = rv_decode(w);
    if (!want) {
        if (d.op != RV_OP_ILLEGAL) {
            fprintf(stderr, "0x%08x decoded as %s, expected illegal\n", w, rv_op_name(d.op));
            CU_FAIL("illegal word decoded");
        }
        return;
    }
    if (d.op != want->op) {
        fprintf(stderr, "0x%08x decoded as %s, expected %s\n", w, rv_op_name(d.op), rv_op_name(want->op));
        CU_FAIL("wrong op");
        return;
    }
    uint8_t rd = (w >> 7) & 31, rs1 = (w >> 15) & 31, rs2 = (w >> 20) & 31;
    char f = want->fmt;
    CU_ASSERT_EQUAL(d.rd, (f == 'R' || f == 'I' || f == 'H' || f == 'U' || f == 'J') ? rd : 0);
    CU_ASSERT_EQUAL(d.rs1, (f == 'R' || f == 'I' || f == 'H' || f == 'S' || f == 'B') ? rs1 : 0);
    CU_ASSERT_EQUAL(d.rs2, (f == 'R' || f == 'S' || f == 'B') ? rs2 : 0);
    if (f != 'R' && f != 'N') CU_ASSERT_EQUAL(d.imm, ref_imm(w, f));
}

static void test_exhaustive_opcode_funct(void)
{
    rng_t r;
    rng_seed(&r, test_seed("decoder exhaustive"));
    for (uint32_t opc = 0; opc < 128; opc++)
        for (uint32_t f3 = 0; f3 < 8; f3++)
            for (uint32_t f7 = 0; f7 < 128; f7++) {
                uint32_t base = f7 << 25 | f3 << 12 | opc;
                /* register fields (bits 7-11, 15-24): zero, all ones, random */
                check_word(base);
                check_word(base | 0x01ff8f80u);
                for (int k = 0; k < 2; k++) check_word(base | ((uint32_t)rng_u64(&r) & 0x01ff8f80u));
            }
    /* SYSTEM words near ECALL/EBREAK are illegal (CSR, other funct12) */
    check_word(0x00200073u);
    check_word(0x30200073u); /* MRET */
    check_word(0xc0002073u); /* rdcycle: Zicsr, not RV32IM */
    check_word(0x000000f3u); /* ECALL with rd != 0 */
}

static void test_immediates_round_trip(void)
{
    rng_t r;
    rng_seed(&r, test_seed("decoder immediates"));
    for (int i = 0; i < 100000; i++) {
        int32_t i12 = (int32_t)(rng_u64(&r) << 20) >> 20;
        int32_t b13 = ((int32_t)(rng_u64(&r) << 19) >> 19) & ~1;
        int32_t j21 = ((int32_t)(rng_u64(&r) << 11) >> 11) & ~1;
        uint32_t u20 = (uint32_t)rng_u64(&r) & 0xfffff;
        CU_ASSERT_EQUAL(rv_decode(ADDI(1, 2, i12)).imm, i12);
        CU_ASSERT_EQUAL(rv_decode(SW(3, 4, i12)).imm, i12);
        CU_ASSERT_EQUAL(rv_decode(BNE(3, 4, b13)).imm, b13);
        CU_ASSERT_EQUAL(rv_decode(JAL(1, j21)).imm, j21);
        CU_ASSERT_EQUAL((uint32_t)rv_decode(LUI(1, u20)).imm, u20 << 12);
    }
    /* extremes */
    CU_ASSERT_EQUAL(rv_decode(ADDI(1, 2, -2048)).imm, -2048);
    CU_ASSERT_EQUAL(rv_decode(ADDI(1, 2, 2047)).imm, 2047);
    CU_ASSERT_EQUAL(rv_decode(BEQ(1, 2, -4096)).imm, -4096);
    CU_ASSERT_EQUAL(rv_decode(BEQ(1, 2, 4094)).imm, 4094);
    CU_ASSERT_EQUAL(rv_decode(JAL(0, -(1 << 20))).imm, -(1 << 20));
    CU_ASSERT_EQUAL(rv_decode(JAL(0, (1 << 20) - 2)).imm, (1 << 20) - 2);
    CU_ASSERT_EQUAL(rv_decode(0).op, RV_OP_ILLEGAL);           /* all-zero word */
    CU_ASSERT_EQUAL(rv_decode(0xffffffffu).op, RV_OP_ILLEGAL); /* all-ones word */
    CU_ASSERT_STRING_EQUAL(rv_op_name(RV_OP_MULHSU), "MULHSU");
}

int main(void)
{
    static const test_case cases[] = {
        {"every opcode x funct3 x funct7", test_exhaustive_opcode_funct},
        {"immediates round trip", test_immediates_round_trip},
        {NULL, NULL},
    };
    return test_run_suite("rv_decode", cases);
}
