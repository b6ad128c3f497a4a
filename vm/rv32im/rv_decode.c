/* RV32IM instruction decoder (RISC-V unprivileged ISA, chapters "RV32I Base
 * Integer Instruction Set" and "M Extension"). Every encoding that the two
 * chapters do not assign decodes to RV_OP_ILLEGAL; register fields that a
 * format does not have are reported as 0 so that a trace row never shows a
 * register the instruction does not read or write. */
#include "rv.h"

static const char *const op_names[RV_NOPS] = {
#define RV_OP_NAME_(n) #n,
    RV_OPS(RV_OP_NAME_)
#undef RV_OP_NAME_
};

const char *rv_op_name(rv_op op) { return (unsigned)op < RV_NOPS ? op_names[op] : "?"; }

static int32_t imm_i(uint32_t w) { return (int32_t)w >> 20; }
static int32_t imm_s(uint32_t w) { return (int32_t)(((int32_t)w >> 25) * 32) | (int32_t)((w >> 7) & 0x1f); }
static int32_t imm_b(uint32_t w)
{
    uint32_t v = ((w >> 31) & 1) << 12 | ((w >> 7) & 1) << 11 | ((w >> 25) & 0x3f) << 5 |
                 ((w >> 8) & 0xf) << 1;
    return (int32_t)(v << 19) >> 19;
}
static int32_t imm_j(uint32_t w)
{
    uint32_t v = ((w >> 31) & 1) << 20 | ((w >> 12) & 0xff) << 12 | ((w >> 20) & 1) << 11 |
                 ((w >> 21) & 0x3ff) << 1;
    return (int32_t)(v << 11) >> 11;
}

rv_decoded rv_decode(uint32_t w)
{
    rv_decoded d = {RV_OP_ILLEGAL, 0, 0, 0, 0};
    uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
    uint8_t rd = (w >> 7) & 31, rs1 = (w >> 15) & 31, rs2 = (w >> 20) & 31;
    switch (opc) {
    case 0x37: /* LUI */
    case 0x17: /* AUIPC */
        d.op = opc == 0x37 ? RV_OP_LUI : RV_OP_AUIPC;
        d.rd = rd;
        d.imm = (int32_t)(w & 0xfffff000u);
        break;
    case 0x6f:
        d.op = RV_OP_JAL;
        d.rd = rd;
        d.imm = imm_j(w);
        break;
    case 0x67:
        if (f3 != 0) break;
        d.op = RV_OP_JALR;
        d.rd = rd;
        d.rs1 = rs1;
        d.imm = imm_i(w);
        break;
    case 0x63: {
        static const uint8_t br[8] = {RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
                                      RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU, RV_OP_BGEU};
        if (br[f3] == RV_OP_ILLEGAL) break;
        d.op = br[f3];
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.imm = imm_b(w);
        break;
    }
    case 0x03: {
        static const uint8_t ld[8] = {RV_OP_LB,  RV_OP_LH,  RV_OP_LW,      RV_OP_ILLEGAL,
                                      RV_OP_LBU, RV_OP_LHU, RV_OP_ILLEGAL, RV_OP_ILLEGAL};
        if (ld[f3] == RV_OP_ILLEGAL) break;
        d.op = ld[f3];
        d.rd = rd;
        d.rs1 = rs1;
        d.imm = imm_i(w);
        break;
    }
    case 0x23:
        if (f3 > 2) break;
        d.op = f3 == 0 ? RV_OP_SB : f3 == 1 ? RV_OP_SH : RV_OP_SW;
        d.rs1 = rs1;
        d.rs2 = rs2;
        d.imm = imm_s(w);
        break;
    case 0x13: {
        static const uint8_t ri[8] = {RV_OP_ADDI, RV_OP_SLLI, RV_OP_SLTI, RV_OP_SLTIU,
                                      RV_OP_XORI, RV_OP_SRLI, RV_OP_ORI,  RV_OP_ANDI};
        uint8_t op = ri[f3];
        if (f3 == 1) {
            if (f7 != 0) break; /* RV32: shamt[5] must be 0 */
        } else if (f3 == 5) {
            if (f7 == 0x20) op = RV_OP_SRAI;
            else if (f7 != 0) break;
        }
        d.op = op;
        d.rd = rd;
        d.rs1 = rs1;
        d.imm = (f3 == 1 || f3 == 5) ? (int32_t)rs2 : imm_i(w);
        break;
    }
    case 0x33: {
        static const uint8_t r0[8] = {RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
                                      RV_OP_XOR, RV_OP_SRL, RV_OP_OR,  RV_OP_AND};
        static const uint8_t rm[8] = {RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
                                      RV_OP_DIV, RV_OP_DIVU, RV_OP_REM,    RV_OP_REMU};
        uint8_t op;
        if (f7 == 0) op = r0[f3];
        else if (f7 == 1) op = rm[f3];
        else if (f7 == 0x20 && f3 == 0) op = RV_OP_SUB;
        else if (f7 == 0x20 && f3 == 5) op = RV_OP_SRA;
        else break;
        d.op = op;
        d.rd = rd;
        d.rs1 = rs1;
        d.rs2 = rs2;
        break;
    }
    case 0x0f:
        /* FENCE (funct3 0) and FENCE.I (Zifencei, funct3 1): no-ops on a
         * single hart whose stores invalidate pre-decoded code. Reserved
         * fields are ignored, as the ISA asks for forward compatibility. */
        if (f3 > 1) break;
        d.op = RV_OP_FENCE;
        break;
    case 0x73:
        if (w == 0x00000073u) d.op = RV_OP_ECALL;
        else if (w == 0x00100073u) d.op = RV_OP_EBREAK;
        break; /* CSR instructions (Zicsr) are not part of RV32IM */
    default:
        break;
    }
    return d;
}
