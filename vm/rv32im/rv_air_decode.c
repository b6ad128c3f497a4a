/* In-circuit instruction decoding (rv_air_decode.h): the split of a
 * fetched word into its fields, the lookup of its class in the decode
 * table, and the immediate and register fields of its format. Which
 * encodings are legal follows rv_decode.c (RISC-V unprivileged ISA, RV32I
 * and M chapters); the test compares the two on every (opcode, funct3,
 * funct7). */
#include <assert.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_decode.h"
#include "rv_air_tables.h"

/* ---- the class list ---- */

#define ANY (-1)
#define NOFLAG RV_DEC_NFLAGS

/* funct3 ANY: every funct3 is a class of its own (it is immediate bits);
 * f7 ANY: funct7 does not select the operation (f7key 0). */
typedef struct {
    uint8_t opcode;
    int8_t funct3;
    int16_t f7;
    uint8_t op, flag;
} class_spec;

static const class_spec specs[] = {
    {0x37, ANY, ANY, RV_OP_LUI, RV_DEC_LUI},
    {0x17, ANY, ANY, RV_OP_AUIPC, RV_DEC_AUIPC},
    {0x6f, ANY, ANY, RV_OP_JAL, RV_DEC_JAL},
    {0x67, 0, ANY, RV_OP_JALR, RV_DEC_JALR},
    {0x63, 0, ANY, RV_OP_BEQ, RV_DEC_BRANCH},
    {0x63, 1, ANY, RV_OP_BNE, RV_DEC_BRANCH},
    {0x63, 4, ANY, RV_OP_BLT, RV_DEC_BRANCH},
    {0x63, 5, ANY, RV_OP_BGE, RV_DEC_BRANCH},
    {0x63, 6, ANY, RV_OP_BLTU, RV_DEC_BRANCH},
    {0x63, 7, ANY, RV_OP_BGEU, RV_DEC_BRANCH},
    {0x03, 0, ANY, RV_OP_LB, RV_DEC_LOAD},
    {0x03, 1, ANY, RV_OP_LH, RV_DEC_LOAD},
    {0x03, 2, ANY, RV_OP_LW, RV_DEC_LOAD},
    {0x03, 4, ANY, RV_OP_LBU, RV_DEC_LOAD},
    {0x03, 5, ANY, RV_OP_LHU, RV_DEC_LOAD},
    {0x23, 0, ANY, RV_OP_SB, RV_DEC_STORE},
    {0x23, 1, ANY, RV_OP_SH, RV_DEC_STORE},
    {0x23, 2, ANY, RV_OP_SW, RV_DEC_STORE},
    {0x13, 0, ANY, RV_OP_ADDI, RV_DEC_ALUI},
    {0x13, 2, ANY, RV_OP_SLTI, RV_DEC_ALUI},
    {0x13, 3, ANY, RV_OP_SLTIU, RV_DEC_ALUI},
    {0x13, 4, ANY, RV_OP_XORI, RV_DEC_ALUI},
    {0x13, 6, ANY, RV_OP_ORI, RV_DEC_ALUI},
    {0x13, 7, ANY, RV_OP_ANDI, RV_DEC_ALUI},
    /* RV32 shifts: funct7 is 0 (shamt[5] = 0) or 0x20 for SRAI */
    {0x13, 1, 0x00, RV_OP_SLLI, RV_DEC_SHI},
    {0x13, 5, 0x00, RV_OP_SRLI, RV_DEC_SHI},
    {0x13, 5, 0x20, RV_OP_SRAI, RV_DEC_SHI},
    {0x33, 0, 0x00, RV_OP_ADD, RV_DEC_ALUR},
    {0x33, 0, 0x20, RV_OP_SUB, RV_DEC_ALUR},
    {0x33, 1, 0x00, RV_OP_SLL, RV_DEC_ALUR},
    {0x33, 2, 0x00, RV_OP_SLT, RV_DEC_ALUR},
    {0x33, 3, 0x00, RV_OP_SLTU, RV_DEC_ALUR},
    {0x33, 4, 0x00, RV_OP_XOR, RV_DEC_ALUR},
    {0x33, 5, 0x00, RV_OP_SRL, RV_DEC_ALUR},
    {0x33, 5, 0x20, RV_OP_SRA, RV_DEC_ALUR},
    {0x33, 6, 0x00, RV_OP_OR, RV_DEC_ALUR},
    {0x33, 7, 0x00, RV_OP_AND, RV_DEC_ALUR},
    {0x33, 0, 0x01, RV_OP_MUL, RV_DEC_MULDIV},
    {0x33, 1, 0x01, RV_OP_MULH, RV_DEC_MULDIV},
    {0x33, 2, 0x01, RV_OP_MULHSU, RV_DEC_MULDIV},
    {0x33, 3, 0x01, RV_OP_MULHU, RV_DEC_MULDIV},
    {0x33, 4, 0x01, RV_OP_DIV, RV_DEC_MULDIV},
    {0x33, 5, 0x01, RV_OP_DIVU, RV_DEC_MULDIV},
    {0x33, 6, 0x01, RV_OP_REM, RV_DEC_MULDIV},
    {0x33, 7, 0x01, RV_OP_REMU, RV_DEC_MULDIV},
    /* FENCE and FENCE.I (Zifencei): no-ops, reserved fields ignored */
    {0x0f, 0, ANY, RV_OP_FENCE, NOFLAG},
    {0x0f, 1, ANY, RV_OP_FENCE, NOFLAG},
    /* ECALL; the gadget pins the other fields to 0 (EBREAK is illegal) */
    {0x73, 0, ANY, RV_OP_ECALL, RV_DEC_ECALL},
};

static int f7_matters(const uint8_t *flag)
{
    return flag[RV_DEC_ALUR] | flag[RV_DEC_SHI] | flag[RV_DEC_MULDIV];
}

/* The sub-op flags of op (rv_air_decode.h). */
static void sub_of(uint8_t sub[RV_DEC_NSUB], uint8_t op)
{
    static const struct {
        uint8_t op, s1, s2; /* s2 = RV_DEC_NSUB: none */
    } map[] = {
        {RV_OP_ADD, RV_DEC_S_ADD, RV_DEC_NSUB},    {RV_OP_ADDI, RV_DEC_S_ADD, RV_DEC_NSUB},
        {RV_OP_SUB, RV_DEC_S_SUB, RV_DEC_NSUB},    {RV_OP_SLT, RV_DEC_S_SLT, RV_DEC_NSUB},
        {RV_OP_SLTI, RV_DEC_S_SLT, RV_DEC_NSUB},   {RV_OP_SLTU, RV_DEC_S_SLTU, RV_DEC_NSUB},
        {RV_OP_SLTIU, RV_DEC_S_SLTU, RV_DEC_NSUB}, {RV_OP_XOR, RV_DEC_S_XOR, RV_DEC_NSUB},
        {RV_OP_XORI, RV_DEC_S_XOR, RV_DEC_NSUB},   {RV_OP_OR, RV_DEC_S_OR, RV_DEC_NSUB},
        {RV_OP_ORI, RV_DEC_S_OR, RV_DEC_NSUB},     {RV_OP_AND, RV_DEC_S_AND, RV_DEC_NSUB},
        {RV_OP_ANDI, RV_DEC_S_AND, RV_DEC_NSUB},   {RV_OP_SLL, RV_DEC_S_SLL, RV_DEC_NSUB},
        {RV_OP_SLLI, RV_DEC_S_SLL, RV_DEC_NSUB},   {RV_OP_SRL, RV_DEC_S_SRL, RV_DEC_NSUB},
        {RV_OP_SRLI, RV_DEC_S_SRL, RV_DEC_NSUB},   {RV_OP_SRA, RV_DEC_S_SRA, RV_DEC_NSUB},
        {RV_OP_SRAI, RV_DEC_S_SRA, RV_DEC_NSUB},   {RV_OP_BEQ, RV_DEC_S_BEQ, RV_DEC_NSUB},
        {RV_OP_BNE, RV_DEC_S_BEQ, RV_DEC_S_NEG},   {RV_OP_BLT, RV_DEC_S_SLT, RV_DEC_NSUB},
        {RV_OP_BGE, RV_DEC_S_SLT, RV_DEC_S_NEG},   {RV_OP_BLTU, RV_DEC_S_SLTU, RV_DEC_NSUB},
        {RV_OP_BGEU, RV_DEC_S_SLTU, RV_DEC_S_NEG}, {RV_OP_LB, RV_DEC_S_WB, RV_DEC_NSUB},
        {RV_OP_LH, RV_DEC_S_WH, RV_DEC_NSUB},      {RV_OP_LW, RV_DEC_S_WW, RV_DEC_NSUB},
        {RV_OP_LBU, RV_DEC_S_WB, RV_DEC_S_U},      {RV_OP_LHU, RV_DEC_S_WH, RV_DEC_S_U},
        {RV_OP_SB, RV_DEC_S_WB, RV_DEC_NSUB},      {RV_OP_SH, RV_DEC_S_WH, RV_DEC_NSUB},
        {RV_OP_SW, RV_DEC_S_WW, RV_DEC_NSUB},
    };
    for (unsigned k = 0; k < RV_DEC_NSUB; k++) sub[k] = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].op == op) {
            sub[map[i].s1] = 1;
            if (map[i].s2 < RV_DEC_NSUB) sub[map[i].s2] = 1;
        }
}

/* The stored class flags (columns and tuple elements), in order; ALUR and
 * LOAD are sums of other flags (rv_air_decode.h). */
static const uint8_t STORED[RV_DEC_NSTORED] = {RV_DEC_LUI,    RV_DEC_AUIPC, RV_DEC_JAL,
                                               RV_DEC_JALR,   RV_DEC_BRANCH, RV_DEC_STORE,
                                               RV_DEC_ALUI,   RV_DEC_SHI,   RV_DEC_MULDIV,
                                               RV_DEC_ECALL};

int rv_decode_flag_col(unsigned k)
{
    for (unsigned i = 0; i < RV_DEC_NSTORED; i++)
        if (STORED[i] == k) return (int)(RV_DEC_C_FLAG0 + i);
    return -1;
}

/* The opcode of each class flag; FENCE / FENCE.I (no flag) have
 * FENCE_OPCODE. rv_decode_build states opcode = FENCE_OPCODE sel + sum_k
 * flag_k (FLAG_OPCODE[k] - FENCE_OPCODE) (ISA manual, "RV32/64G Instruction
 * Set Listings": one major opcode per class). */
#define FENCE_OPCODE 0x0f
static const uint8_t FLAG_OPCODE[RV_DEC_NFLAGS] = {
    [RV_DEC_LUI] = 0x37,  [RV_DEC_AUIPC] = 0x17, [RV_DEC_JAL] = 0x6f,    [RV_DEC_JALR] = 0x67,
    [RV_DEC_BRANCH] = 0x63, [RV_DEC_LOAD] = 0x03, [RV_DEC_STORE] = 0x23, [RV_DEC_ALUI] = 0x13,
    [RV_DEC_SHI] = 0x13,  [RV_DEC_ALUR] = 0x33,  [RV_DEC_MULDIV] = 0x33, [RV_DEC_ECALL] = 0x73};

/* The opcode a class's flags name (at most one flag is set). */
static unsigned flag_opcode(const uint8_t *flag)
{
    unsigned opc = FENCE_OPCODE;
    for (unsigned k = 0; k < RV_DEC_NFLAGS; k++)
        if (flag[k]) opc = FLAG_OPCODE[k];
    return opc;
}

static unsigned class_key(const rv_decode_class *c)
{
    return (unsigned)c->opcode << 11 | (unsigned)c->funct3 << 8 | c->f7key;
}

void rv_decode_classes(rv_decode_class cls[RV_DECODE_CLASSES])
{
    unsigned n = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const class_spec *s = &specs[i];
        for (unsigned f3 = 0; f3 < 8; f3++) {
            if (s->funct3 != ANY && (unsigned)s->funct3 != f3) continue;
            assert(n < RV_DECODE_CLASSES);
            rv_decode_class *c = &cls[n++];
            *c = (rv_decode_class){.opcode = s->opcode,
                                   .funct3 = (uint8_t)f3,
                                   .f7key = s->f7 == ANY ? 0 : (uint8_t)s->f7,
                                   .op = s->op};
            if (s->flag != NOFLAG) c->flag[s->flag] = 1;
            sub_of(c->sub, s->op);
            assert((s->f7 != ANY) == f7_matters(c->flag));
            /* the flags that are not stored are these sums (rv_decode_build) */
            int alu = 0;
            for (unsigned k = 0; k < RV_DEC_NALU; k++) alu += c->sub[k];
            assert(c->flag[RV_DEC_ALUR] + c->flag[RV_DEC_ALUI] + c->flag[RV_DEC_SHI] +
                       c->flag[RV_DEC_BRANCH] - c->sub[RV_DEC_S_BEQ] ==
                   alu);
            assert(c->flag[RV_DEC_LOAD] + c->flag[RV_DEC_STORE] ==
                   c->sub[RV_DEC_S_WB] + c->sub[RV_DEC_S_WH] + c->sub[RV_DEC_S_WW]);
            /* NEG and U are these expressions of funct3 and the other
             * flags (set_flags) */
            const int f3 = c->funct3, ls = c->sub[RV_DEC_S_WB] + c->sub[RV_DEC_S_WH] + c->sub[RV_DEC_S_WW];
            assert(c->sub[RV_DEC_S_NEG] ==
                   (c->flag[RV_DEC_BRANCH]
                        ? f3 - 4 * (c->sub[RV_DEC_S_SLT] + c->sub[RV_DEC_S_SLTU]) - 2 * c->sub[RV_DEC_S_SLTU]
                        : 0));
            assert(4 * c->sub[RV_DEC_S_U] == (ls ? f3 - c->sub[RV_DEC_S_WH] - 2 * c->sub[RV_DEC_S_WW] : 0));
            (void)f3, (void)ls;
            /* the opcode is the one its flags name (rv_decode_build's
             * opcode expression) */
            assert(c->opcode == flag_opcode(c->flag));
            (void)flag_opcode; /* used by the assert only */
            (void)alu;
        }
    }
    assert(n == RV_DECODE_CLASSES);
    /* table order: sorted by (opcode, funct3, f7key), so the classes of
     * one (opcode, funct3) are adjacent */
    for (unsigned i = 1; i < n; i++) {
        rv_decode_class c = cls[i];
        unsigned j = i;
        for (; j > 0 && class_key(&cls[j - 1]) > class_key(&c); j--) cls[j] = cls[j - 1];
        cls[j] = c;
    }
}

/* ---- the gadget ---- */

void rv_decode_layout(rv_decode_gadget *g, rv_cols *cols)
{
    g->col = rv_col_alloc(cols, RV_DEC_NCOLS);
    rv_decode_classes(g->cls);
    for (unsigned k = 0; k < sizeof g->first; k++) g->first[k] = 0xff;
    for (unsigned i = RV_DECODE_CLASSES; i-- > 0;)
        g->first[(unsigned)g->cls[i].opcode << 3 | g->cls[i].funct3] = (uint8_t)i;
}

/* a + c * b */
static air_expr mac(air_machine *m, air_table *t, air_expr a, gl_t c, air_expr b)
{
    return air_add(m, t, a, air_mul(m, t, air_const(m, t, c), b));
}

/* sum of the flags listed (k < 0 ends the list) */
static air_expr flag_sum(air_machine *m, air_table *t, const rv_decode_gadget *g, const int *k)
{
    air_expr s = air_const(m, t, 0);
    for (; *k >= 0; k++) s = air_add(m, t, s, g->flag[*k]);
    return s;
}

static const int READS_RS1[] = {RV_DEC_JALR,  RV_DEC_BRANCH, RV_DEC_LOAD,
                                RV_DEC_STORE, RV_DEC_ALUI,   RV_DEC_SHI,
                                RV_DEC_ALUR,  RV_DEC_MULDIV, -1};
static const int READS_RS2[] = {RV_DEC_BRANCH, RV_DEC_STORE, RV_DEC_ALUR, RV_DEC_MULDIV, -1};
static const int WRITES_RD[] = {RV_DEC_LUI,  RV_DEC_AUIPC, RV_DEC_JAL,  RV_DEC_JALR,   RV_DEC_LOAD,
                                RV_DEC_ALUI, RV_DEC_SHI,   RV_DEC_ALUR, RV_DEC_MULDIV, -1};
static const int FMT_I[] = {RV_DEC_JALR, RV_DEC_LOAD, RV_DEC_ALUI, -1};
static const int FMT_S[] = {RV_DEC_STORE, -1};
static const int FMT_B[] = {RV_DEC_BRANCH, -1};
static const int FMT_U[] = {RV_DEC_LUI, RV_DEC_AUIPC, -1};
static const int FMT_J[] = {RV_DEC_JAL, -1};
static const int FMT_SH[] = {RV_DEC_SHI, -1};
static const int F7_MATTERS[] = {RV_DEC_ALUR, RV_DEC_SHI, RV_DEC_MULDIV, -1};

/* The rv_op id the flags name (degree 2): FENCE where no class flag is
 * set, else the id of the one class: a constant for LUI .. JALR and
 * ECALL; the sub-op's id for loads and stores (LBU / LHU = LB / LH + 3,
 * Sx = Lx + 5) and register ALU ops, moved to the immediate form's id on
 * ALUI / SHI rows and to BLT / BLTU on branch rows (BEQ's flag: BEQ; +1
 * for the negated branches); MUL + funct3 for the M extension (rv.h
 * orders both as funct3 does). */
static air_expr op_expr(const rv_decode_gadget *g, air_machine *m, air_table *t, air_expr funct3)
{
    static const uint8_t ALU_R[RV_DEC_NALU] = {RV_OP_ADD, RV_OP_SUB, RV_OP_SLT, RV_OP_SLTU,
                                               RV_OP_XOR, RV_OP_OR,  RV_OP_AND, RV_OP_SLL,
                                               RV_OP_SRL, RV_OP_SRA};
    static const uint8_t ALU_I[RV_DEC_NALU] = {RV_OP_ADDI, RV_OP_SUB,  RV_OP_SLTI, RV_OP_SLTIU,
                                               RV_OP_XORI, RV_OP_ORI,  RV_OP_ANDI, RV_OP_SLLI,
                                               RV_OP_SRLI, RV_OP_SRAI}; /* SUB: no I form */
    static const struct {
        uint8_t flag, op;
    } fixed[] = {{RV_DEC_LUI, RV_OP_LUI},   {RV_DEC_AUIPC, RV_OP_AUIPC}, {RV_DEC_JAL, RV_OP_JAL},
                 {RV_DEC_JALR, RV_OP_JALR}, {RV_DEC_ECALL, RV_OP_ECALL}};
    static const struct {
        uint8_t sub, op;
    } subs[] = {{RV_DEC_S_BEQ, RV_OP_BEQ},
                {RV_DEC_S_WB, RV_OP_LB},   {RV_DEC_S_WH, RV_OP_LH},   {RV_DEC_S_WW, RV_OP_LW}};
    const gl_t F = RV_OP_FENCE;
    air_expr op = air_const(m, t, F);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        op = mac(m, t, op, gl_sub(fixed[i].op, F), g->flag[fixed[i].flag]);
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        op = mac(m, t, op, gl_sub(subs[i].op, F), g->sub[subs[i].sub]);
    op = air_add(m, t, op, g->sub[RV_DEC_S_NEG]);
    op = mac(m, t, op, RV_OP_LBU - RV_OP_LB, g->sub[RV_DEC_S_U]);
    op = mac(m, t, op, RV_OP_SB - RV_OP_LB, g->flag[RV_DEC_STORE]);
    air_expr to_i = air_const(m, t, 0);
    for (unsigned k = 0; k < RV_DEC_NALU; k++) {
        op = mac(m, t, op, gl_sub(ALU_R[k], F), g->sub[k]);
        to_i = mac(m, t, to_i, gl_sub(ALU_I[k], ALU_R[k]), g->sub[k]);
    }
    op = air_add(m, t, op, air_mul(m, t, air_add(m, t, g->flag[RV_DEC_ALUI], g->flag[RV_DEC_SHI]), to_i));
    /* BLT / BLTU carry SLT's / SLTU's flag */
    air_expr to_b = mac(m, t, air_const(m, t, 0), gl_sub(RV_OP_BLT, RV_OP_SLT), g->sub[RV_DEC_S_SLT]);
    to_b = mac(m, t, to_b, gl_sub(RV_OP_BLTU, RV_OP_SLTU), g->sub[RV_DEC_S_SLTU]);
    op = air_add(m, t, op, air_mul(m, t, g->flag[RV_DEC_BRANCH], to_b));
    air_expr md = air_add(m, t, air_const(m, t, gl_sub(RV_OP_MUL, F)), funct3);
    return air_add(m, t, op, air_mul(m, t, g->flag[RV_DEC_MULDIV], md));
}

/* Sign extension of word bit 31 from immediate bit k: -2^k mod 2^32. */
#define SEXT(k) ((gl_t)0x100000000ull - ((gl_t)1 << (k)))

/* The flag expressions: the stored flags are columns, ALUR and LOAD sums
 * of others (rv_decode_classes checks each class). */
static void set_flags(rv_decode_gadget *g, air_machine *m, air_table *t)
{
    for (unsigned k = 0; k < RV_DEC_NSUBCOL; k++)
        g->sub[k] = air_col(m, t, AIR_MAIN, g->col + RV_DEC_C_SUB0 + k, 0);
    for (unsigned i = 0; i < RV_DEC_NSTORED; i++)
        g->flag[STORED[i]] = air_col(m, t, AIR_MAIN, g->col + RV_DEC_C_FLAG0 + i, 0);
    air_expr alu = air_const(m, t, 0);
    for (unsigned k = 0; k < RV_DEC_NALU; k++) alu = air_add(m, t, alu, g->sub[k]);
    air_expr brlt = air_sub(m, t, g->flag[RV_DEC_BRANCH], g->sub[RV_DEC_S_BEQ]); /* BLT .. BGEU */
    g->flag[RV_DEC_ALUR] = air_sub(
        m, t, alu, air_add(m, t, air_add(m, t, g->flag[RV_DEC_ALUI], g->flag[RV_DEC_SHI]), brlt));
    air_expr ls = air_add(m, t, air_add(m, t, g->sub[RV_DEC_S_WB], g->sub[RV_DEC_S_WH]),
                          g->sub[RV_DEC_S_WW]);
    g->flag[RV_DEC_LOAD] = air_sub(m, t, ls, g->flag[RV_DEC_STORE]);
    /* NEG and U from funct3 (rv_air_decode.h; the branch and load/store
     * encodings of the ISA manual): degree 1 where the class is a branch /
     * a load or store, and gated by BRANCH / LS = WB + WH + WW to degree 2,
     * 0 on every other row. The lookup pins funct3 and the flags these are
     * made of, so they are the class's values. */
    air_expr f3 = air_col(m, t, AIR_MAIN, g->col + RV_DEC_C_FUNCT3, 0);
    air_expr slt = g->sub[RV_DEC_S_SLT], sltu = g->sub[RV_DEC_S_SLTU];
    g->neg_br = air_sub(m, t, f3, mac(m, t, air_mul(m, t, air_const(m, t, 4), slt), 6, sltu));
    g->u_ls = air_mul(m, t, air_const(m, t, 0xbfffffff40000001ull), /* 4^-1 mod p */
                      air_sub(m, t, f3, mac(m, t, g->sub[RV_DEC_S_WH], 2, g->sub[RV_DEC_S_WW])));
    g->sub[RV_DEC_S_NEG] = air_mul(m, t, g->flag[RV_DEC_BRANCH], g->neg_br);
    g->sub[RV_DEC_S_U] = air_mul(m, t, ls, g->u_ls);
}

air_expr rv_decode_opcode(rv_decode_gadget *g, air_machine *m, air_table *t, air_expr sel)
{
    set_flags(g, m, t);
    /* Each class flag names its class's major opcode, and FENCE / FENCE.I
     * (no flag) are 0x0f (FLAG_OPCODE); 0 where sel = 0 (every flag is 0
     * there). The decode lookup pins it, with the flags, to a legal
     * class's opcode, so the word's split is the one of a legal opcode
     * without a column of its own. */
    air_expr opcode = air_mul(m, t, air_const(m, t, FENCE_OPCODE), sel);
    for (unsigned k = 0; k < RV_DEC_NFLAGS; k++)
        opcode = mac(m, t, opcode, gl_sub(FLAG_OPCODE[k], FENCE_OPCODE), g->flag[k]);
    g->opcode = opcode;
    return opcode;
}

void rv_decode_build(rv_decode_gadget *g, air_machine *m, air_table *t, air_expr sel, air_expr word)
{
    air_expr c[RV_DEC_NCOLS];
    for (unsigned k = 0; k < RV_DEC_NCOLS; k++) c[k] = air_col(m, t, AIR_MAIN, g->col + k, 0);
    air_expr one = air_const(m, t, 1);
    air_expr rd = mac(m, t, c[RV_DEC_C_RD0], 2, c[RV_DEC_C_RD_HI]);
    air_expr rs2 = mac(m, t, c[RV_DEC_C_RS2_0], 2, c[RV_DEC_C_RS2_HI]);
    air_expr f7 = mac(m, t, c[RV_DEC_C_F7LO], 64, c[RV_DEC_C_SIGN]);
    air_expr opcode = rv_decode_opcode(g, m, t, sel);
    g->funct3 = c[RV_DEC_C_FUNCT3];
    g->funct7 = f7;
    g->op = op_expr(g, m, t, c[RV_DEC_C_FUNCT3]);

    /* the fields are the word's bits: with every field in range (below) the
     * sum is < 2^32 < p, so this is the unique split of the u32 word */
    air_expr sum = opcode;
    sum = mac(m, t, sum, 1u << 7, rd);
    sum = mac(m, t, sum, 1u << 12, c[RV_DEC_C_FUNCT3]);
    sum = mac(m, t, sum, 1u << 15, c[RV_DEC_C_RS1]);
    sum = mac(m, t, sum, 1u << 20, rs2);
    sum = mac(m, t, sum, 1u << 25, f7);
    air_constrain(m, t, air_mul(m, t, sel, air_sub(m, t, word, sum)),
                  "decode: word = sum of fields");
    static const struct {
        unsigned col;
        const char *name;
    } bits[] = {{RV_DEC_C_RD0, "decode: rd0 boolean"},
                {RV_DEC_C_RS2_0, "decode: rs2_0 boolean"},
                {RV_DEC_C_SIGN, "decode: sign boolean"}};
    for (unsigned k = 0; k < 3; k++) {
        air_expr b = c[bits[k].col];
        air_constrain(m, t, air_mul(m, t, sel, air_mul(m, t, b, air_sub(m, t, b, one))),
                      bits[k].name);
    }
    /* opcode (an expression of the flags) and funct3 are ranged by the
     * decode lookup */
    rv_range_send(m, t, sel, c[RV_DEC_C_RD_HI], 4);
    rv_range_send(m, t, sel, c[RV_DEC_C_RS1], 5);
    rv_range_send(m, t, sel, c[RV_DEC_C_RS2_HI], 4);
    rv_range_send(m, t, sel, c[RV_DEC_C_F7LO], 6);

    /* the class: the flags come from the table where sel = 1 and are 0
     * elsewhere, so they are trustworthy degree-1 selectors */
    air_expr off = air_sub(m, t, one, sel);
    for (unsigned k = RV_DEC_C_FLAG0; k < RV_DEC_NCOLS; k++)
        air_constrain(m, t, air_mul(m, t, off, c[k]), "decode: flag 0 where inactive");
    air_expr tup[RV_DECODE_TUPLE];
    tup[0] = opcode;
    tup[1] = c[RV_DEC_C_FUNCT3];
    tup[2] = air_mul(m, t, flag_sum(m, t, g, F7_MATTERS), f7); /* f7key */
    for (unsigned k = 0; k < RV_DEC_NSTORED; k++) tup[3 + k] = c[RV_DEC_C_FLAG0 + k];
    for (unsigned k = 0; k < RV_DEC_NSUB; k++) tup[3 + RV_DEC_NSTORED + k] = g->sub[k];
    air_interact(m, t, RV_BUS_DECODE, AIR_SEND, sel, tup, RV_DECODE_TUPLE);

    /* ECALL is the one SYSTEM word 0x00000073: opcode and funct3 come from
     * the table; the other fields are non-negative integers, so their sum
     * is 0 only if each is */
    air_expr rest = air_add(m, t, air_add(m, t, rd, c[RV_DEC_C_RS1]), air_add(m, t, rs2, f7));
    air_constrain(m, t, air_mul(m, t, g->flag[RV_DEC_ECALL], rest), "decode: ECALL word is 0x73");

    /* registers the format names; the others read as 0 (as rv_decode) */
    g->reads_rs1 = flag_sum(m, t, g, READS_RS1);
    g->reads_rs2 = flag_sum(m, t, g, READS_RS2);
    g->writes_rd = flag_sum(m, t, g, WRITES_RD);
    g->rd = air_mul(m, t, g->writes_rd, rd);
    g->rs1 = air_mul(m, t, g->reads_rs1, c[RV_DEC_C_RS1]);
    g->rs2 = air_mul(m, t, g->reads_rs2, rs2);

    /* immediates (ISA manual, "Immediate Encoding Variants"), as u32 */
    air_expr s = c[RV_DEC_C_SIGN], f7lo32 = air_mul(m, t, air_const(m, t, 32), c[RV_DEC_C_F7LO]);
    air_expr upper = mac(m, t, air_mul(m, t, air_const(m, t, 1u << 12), c[RV_DEC_C_FUNCT3]),
                         1u << 15, c[RV_DEC_C_RS1]); /* word bits 12..19 in place */
    /* I: imm[11:0] = word[31:20] */
    air_expr imm_i = mac(m, t, air_add(m, t, rs2, f7lo32), SEXT(11), s);
    /* S: imm[11:5] = word[31:25], imm[4:0] = word[11:7] */
    air_expr imm_s = mac(m, t, air_add(m, t, rd, f7lo32), SEXT(11), s);
    /* B: imm[12] = word[31], imm[10:5] = word[30:25], imm[4:1] = word[11:8],
     * imm[11] = word[7] */
    air_expr imm_b = mac(m, t, mac(m, t, f7lo32, 2, c[RV_DEC_C_RD_HI]), 1u << 11, c[RV_DEC_C_RD0]);
    imm_b = mac(m, t, imm_b, SEXT(12), s);
    /* U: imm[31:12] = word[31:12] */
    air_expr imm_u = mac(m, t, upper, 1u << 20, rs2);
    imm_u = mac(m, t, mac(m, t, imm_u, 1u << 25, c[RV_DEC_C_F7LO]), 1u << 31, s);
    /* J: imm[20] = word[31], imm[10:1] = word[30:21], imm[11] = word[20],
     * imm[19:12] = word[19:12] */
    air_expr imm_j =
        mac(m, t, mac(m, t, f7lo32, 2, c[RV_DEC_C_RS2_HI]), 1u << 11, c[RV_DEC_C_RS2_0]);
    imm_j = mac(m, t, air_add(m, t, imm_j, upper), SEXT(20), s);
    /* shifts: shamt = rs2 field */
    air_expr imm = air_mul(m, t, flag_sum(m, t, g, FMT_I), imm_i);
    imm = air_add(m, t, imm, air_mul(m, t, flag_sum(m, t, g, FMT_S), imm_s));
    imm = air_add(m, t, imm, air_mul(m, t, flag_sum(m, t, g, FMT_B), imm_b));
    imm = air_add(m, t, imm, air_mul(m, t, flag_sum(m, t, g, FMT_U), imm_u));
    imm = air_add(m, t, imm, air_mul(m, t, flag_sum(m, t, g, FMT_J), imm_j));
    imm = air_add(m, t, imm, air_mul(m, t, flag_sum(m, t, g, FMT_SH), rs2));
    g->imm = imm;
}

/* Class index of a word, or -1 if no class fits. */
static int find_class(const rv_decode_gadget *g, uint32_t w)
{
    uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
    unsigned i = g->first[opc << 3 | f3];
    if (i == 0xff) return -1;
    for (; i < RV_DECODE_CLASSES && g->cls[i].opcode == opc && g->cls[i].funct3 == f3; i++) {
        const rv_decode_class *c = &g->cls[i];
        if (f7_matters(c->flag) && c->f7key != f7) continue;
        /* ECALL: every other field 0 */
        if (c->flag[RV_DEC_ECALL] && (w >> 7 & 0x1f || w >> 15 != 0)) return -1;
        return (int)i;
    }
    return -1;
}

cairn_err rv_decode_fill(const rv_decode_gadget *g, gl_t *row, rv_lookups *lk, rv_decode_mult *dm,
                         rv_decoded *out, uint32_t word)
{
    int ci = find_class(g, word);
    if (ci < 0) {
        *out = (rv_decoded){RV_OP_ILLEGAL, 0, 0, 0, 0};
        return cairn_fail(CAIRN_ERR_FAULT,
                          "rv air decode: word 0x%08x is not a legal RV32IM instruction", word);
    }
    const rv_decode_class *c = &g->cls[ci];
    gl_t *r = row + g->col;
    uint32_t rd = (word >> 7) & 31, rs1 = (word >> 15) & 31, rs2 = (word >> 20) & 31;
    r[RV_DEC_C_RD_HI] = rd >> 1;
    r[RV_DEC_C_RD0] = rd & 1;
    r[RV_DEC_C_FUNCT3] = (word >> 12) & 7;
    r[RV_DEC_C_RS1] = rs1;
    r[RV_DEC_C_RS2_HI] = rs2 >> 1;
    r[RV_DEC_C_RS2_0] = rs2 & 1;
    r[RV_DEC_C_F7LO] = (word >> 25) & 63;
    r[RV_DEC_C_SIGN] = word >> 31;
    for (unsigned i = 0; i < RV_DEC_NSTORED; i++) r[RV_DEC_C_FLAG0 + i] = c->flag[STORED[i]];
    for (unsigned k = 0; k < RV_DEC_NSUBCOL; k++) r[RV_DEC_C_SUB0 + k] = c->sub[k];
    rv_lk_range(lk, rd >> 1, 4);
    rv_lk_range(lk, rs1, 5);
    rv_lk_range(lk, rs2 >> 1, 4);
    rv_lk_range(lk, (word >> 25) & 63, 6);
    dm->n[ci]++;
    *out = rv_decode_row(g, row);
    return CAIRN_OK;
}

static int any_flag(const uint8_t *flag, const int *k)
{
    unsigned s = 0;
    for (; *k >= 0; k++) s += flag[*k];
    return s != 0;
}

/* The class a row's columns name (its key and every flag), or -1. */
static int row_class(const rv_decode_gadget *g, const gl_t *r)
{
    const gl_t f7 = r[RV_DEC_C_F7LO] + 64 * r[RV_DEC_C_SIGN];
    for (unsigned i = 0; i < RV_DECODE_CLASSES; i++) {
        const rv_decode_class *c = &g->cls[i];
        /* the opcode is the flags' (checked with them below) */
        int ok = r[RV_DEC_C_FUNCT3] == c->funct3 &&
                 (!f7_matters(c->flag) || f7 == c->f7key);
        for (unsigned k = 0; ok && k < RV_DEC_NSTORED; k++) ok = r[RV_DEC_C_FLAG0 + k] == c->flag[STORED[k]];
        /* (NEG and U follow from funct3 and these) */
        for (unsigned k = 0; ok && k < RV_DEC_NSUBCOL; k++) ok = r[RV_DEC_C_SUB0 + k] == c->sub[k];
        if (ok) return (int)i;
    }
    return -1;
}

rv_decoded rv_decode_row(const rv_decode_gadget *g, const gl_t *row)
{
    const gl_t *r = row + g->col;
    const int ci = row_class(g, r);
    if (ci < 0) return (rv_decoded){RV_OP_ILLEGAL, 0, 0, 0, 0};
    const uint8_t *fl = g->cls[ci].flag;
    uint32_t rd = (uint32_t)(2 * r[RV_DEC_C_RD_HI] + r[RV_DEC_C_RD0]);
    uint32_t rs1 = (uint32_t)r[RV_DEC_C_RS1];
    uint32_t rs2 = (uint32_t)(2 * r[RV_DEC_C_RS2_HI] + r[RV_DEC_C_RS2_0]);
    uint32_t f7lo = (uint32_t)r[RV_DEC_C_F7LO], s = (uint32_t)r[RV_DEC_C_SIGN];
    uint32_t upper = (uint32_t)r[RV_DEC_C_FUNCT3] << 12 | rs1 << 15;
    uint32_t imm = 0;
    if (any_flag(fl, FMT_I))
        imm = rs2 + 32 * f7lo + (uint32_t)SEXT(11) * s;
    else if (any_flag(fl, FMT_S))
        imm = rd + 32 * f7lo + (uint32_t)SEXT(11) * s;
    else if (any_flag(fl, FMT_B))
        imm = 2 * (uint32_t)r[RV_DEC_C_RD_HI] + ((uint32_t)r[RV_DEC_C_RD0] << 11) + 32 * f7lo +
              (uint32_t)SEXT(12) * s;
    else if (any_flag(fl, FMT_U))
        imm = upper | rs2 << 20 | f7lo << 25 | s << 31;
    else if (any_flag(fl, FMT_J))
        imm = 2 * (uint32_t)r[RV_DEC_C_RS2_HI] + ((uint32_t)r[RV_DEC_C_RS2_0] << 11) + 32 * f7lo +
              upper + (uint32_t)SEXT(20) * s;
    else if (any_flag(fl, FMT_SH))
        imm = rs2;
    rv_decoded d = {g->cls[ci].op, 0, 0, 0, (int32_t)imm};
    if (any_flag(fl, WRITES_RD)) d.rd = (uint8_t)rd;
    if (any_flag(fl, READS_RS1)) d.rs1 = (uint8_t)rs1;
    if (any_flag(fl, READS_RS2)) d.rs2 = (uint8_t)rs2;
    return d;
}

/* ---- the table ---- */

air_table *rv_decode_table_add(air_machine *m)
{
    const size_t n = (size_t)1 << RV_DECODE_LOG;
    air_table *t = air_table_add(m, "decode", RV_DECODE_TUPLE, 1);
    if (!t) return NULL;
    gl_t *pre = cairn_calloc(n * RV_DECODE_TUPLE, sizeof *pre);
    if (!pre) {
        air_machine_fail(m, CAIRN_ERR_NOMEM, "rv air: out of memory for the decode table");
        return NULL;
    }
    rv_decode_class cls[RV_DECODE_CLASSES];
    rv_decode_classes(cls);
    for (size_t r = 0; r < n; r++) {
        /* rows past the classes repeat class 0 (multiplicity 0) */
        const rv_decode_class *c = &cls[r < RV_DECODE_CLASSES ? r : 0];
        gl_t *p = pre + r * RV_DECODE_TUPLE;
        p[0] = c->opcode;
        p[1] = c->funct3;
        p[2] = c->f7key;
        for (unsigned k = 0; k < RV_DEC_NSTORED; k++) p[3 + k] = c->flag[STORED[k]];
        for (unsigned k = 0; k < RV_DEC_NSUB; k++) p[3 + RV_DEC_NSTORED + k] = c->sub[k];
    }
    air_table_set_pre(m, t, pre, RV_DECODE_LOG);
    free(pre);
    air_expr tup[RV_DECODE_TUPLE];
    for (unsigned i = 0; i < RV_DECODE_TUPLE; i++) tup[i] = air_col(m, t, AIR_PRE, i, 0);
    air_interact(m, t, RV_BUS_DECODE, AIR_RECEIVE, air_col(m, t, AIR_MAIN, 0, 0), tup,
                 RV_DECODE_TUPLE);
    return t;
}

void rv_decode_table_fill(gl_t *main, const rv_decode_mult *dm)
{
    for (size_t i = 0; i < (size_t)1 << RV_DECODE_LOG; i++) main[i] = dm->n[i];
}
