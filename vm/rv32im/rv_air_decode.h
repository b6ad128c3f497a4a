/* In-circuit decoding of a fetched instruction word for the cpu table of
 * the RV32IM segment AIR (docs/rv-air.md "cpu"; conventions in
 * rv_air_int.h). There are no per-program preprocessed columns, so the
 * word a row fetched is decoded by constraints:
 *
 *   - the word is split into opcode (7 bits), rd = 2 rd_hi + rd0,
 *     funct3 (3), rs1 (5), rs2 = 2 rs2_hi + rs2_0, funct7 = f7lo + 64 s:
 *     rd0, rs2_0 and s (= word bit 31, the sign of every immediate) are the
 *     bits the immediate formats move, so they have columns of their own;
 *   - the class (opcode, funct3, f7key) is looked up in the preprocessed
 *     `decode` table on RV_BUS_DECODE, which returns the class flags and
 *     the sub-op flags (the flags are the row's columns: the lookup pins
 *     every one of them to the class's value, so the cpu uses them as
 *     degree-1 selectors with no constraint of its own);
 *   - the immediate of the class's format and the register fields it
 *     names are expressions over these columns.
 *
 * Decode bus tuple (RV_BUS_DECODE, RV_DECODE_TUPLE = 29 elements):
 *   (opcode, funct3, f7key, the stored class flags, sub[0..RV_DEC_NSUB-1])
 * The opcode is not a column either: every class flag names one opcode
 * (LUI 0x37, ..., ECALL 0x73) and FENCE / FENCE.I, the classes with no
 * flag, have opcode 0x0f, so opcode = 0x0f sel + sum_k flag_k (opcode_k -
 * 0x0f), an expression of degree 1 that goes into the tuple and into the
 * word's split; the lookup then states that it is the class's opcode
 * (rv_decode_classes asserts that every class's opcode is the one its
 * flags name).
 * The class flags ALUR and LOAD are not stored: they are sums of other
 * flags (ALUR = the ALU sub-ops - ALUI - SHI - (BRANCH - BEQ), LOAD = WB +
 * WH + WW - STORE), which keeps the tuple within AIR_MAX_TUPLE. The
 * rv_op id is an expression of the flags (and funct3 for the M
 * extension), not a column.
 * f7key = funct7 for classes whose funct7 selects the operation (R-type,
 * M extension, shifts by an immediate: the flags ALUR, MULDIV, SHI) and 0
 * for every other class; it is the expression (ALUR + SHI + MULDIV) *
 * funct7, not a column (the flags come back from the table, so a row
 * cannot claim "funct7 does not matter" for an R-type word).
 */
#ifndef CAIRN_VM_RV_AIR_DECODE_H
#define CAIRN_VM_RV_AIR_DECODE_H

#include "rv.h"
#include "rv_air_int.h"

/* Class flags: one-hot over the classes, except FENCE / FENCE.I, whose
 * flags are all 0 (op = RV_OP_FENCE: the cpu does nothing but pc += 4).
 * The format of the immediate and the register fields follow from them:
 *   format I:  JALR, LOAD, ALUI        format S: STORE     format B: BRANCH
 *   format U:  LUI, AUIPC              format J: JAL       shamt: SHI
 *   no immediate (0): ALUR, MULDIV, ECALL, FENCE
 *   reads rs1: JALR BRANCH LOAD STORE ALUI SHI ALUR MULDIV
 *   reads rs2: BRANCH STORE ALUR MULDIV
 *   writes rd: LUI AUIPC JAL JALR LOAD ALUI SHI ALUR MULDIV
 * ALUI = ADDI SLTI SLTIU XORI ORI ANDI; SHI = SLLI SRLI SRAI;
 * ALUR = ADD..AND with SUB and SRA; MULDIV = MUL..REMU. */
enum {
    RV_DEC_LUI,
    RV_DEC_AUIPC,
    RV_DEC_JAL,
    RV_DEC_JALR,
    RV_DEC_BRANCH,
    RV_DEC_LOAD,
    RV_DEC_STORE,
    RV_DEC_ALUI,
    RV_DEC_SHI,
    RV_DEC_ALUR,
    RV_DEC_MULDIV,
    RV_DEC_ECALL,
    RV_DEC_NFLAGS
};

/* Sub-op flags of a class (0 where the class has none): the ALU operation
 * (register and immediate forms share one; one-hot on ALUR, ALUI and SHI
 * classes), the branch comparison (one-hot on branches: BEQ, or the
 * comparator's SLT / SLTU flag, which the branch shares with the ALU op)
 * and its negation (BNE, BGE, BGEU), the load/store width (one-hot on loads
 * and stores) and the unsigned loads (LBU, LHU).
 * The last two (NEG, U) are not columns: funct3 and the other flags give
 * them (ISA manual, "Conditional Branches" and "Load and Store
 * Instructions": funct3 is 0 BEQ, 1 BNE, 4 BLT, 5 BGE, 6 BLTU, 7 BGEU and
 * 0 LB/SB, 1 LH/SH, 2 LW/SW, 4 LBU, 5 LHU):
 *   NEG = funct3 - 4 (SLT + SLTU) - 2 SLTU   on branch rows,
 *   U   = (funct3 - WH - 2 WW) / 4           on load and store rows,
 * and 0 on every other class (rv_decode_classes asserts both for every
 * class). */
enum {
    RV_DEC_S_ADD,
    RV_DEC_S_SUB,
    RV_DEC_S_SLT,
    RV_DEC_S_SLTU,
    RV_DEC_S_XOR,
    RV_DEC_S_OR,
    RV_DEC_S_AND,
    RV_DEC_S_SLL,
    RV_DEC_S_SRL,
    RV_DEC_S_SRA,
    RV_DEC_NALU,
    RV_DEC_S_BEQ = RV_DEC_NALU, /* BEQ / BNE (NEG); BLT / BGE: SLT, BLTU / BGEU: SLTU */
    RV_DEC_S_WB,
    RV_DEC_S_WH,
    RV_DEC_S_WW,
    RV_DEC_NSUBCOL, /* the sub-op flags above are columns, those below expressions */
    RV_DEC_S_NEG = RV_DEC_NSUBCOL,
    RV_DEC_S_U,
    RV_DEC_NSUB
};

/* The class flags that are columns (and tuple elements), in order. */
#define RV_DEC_NSTORED 10

/* The decode table: RV_DECODE_CLASSES legal classes padded with copies of
 * class 0 to 2^RV_DECODE_LOG rows (a copy's multiplicity stays 0; a
 * duplicate row only splits a multiplicity, it admits nothing new). */
#define RV_DECODE_LOG 7
#define RV_DECODE_CLASSES 69
#define RV_DECODE_TUPLE (3 + RV_DEC_NSTORED + RV_DEC_NSUB)

/* Multiplicities of the decode table, counted while rows are filled. */
typedef struct {
    uint32_t n[1u << RV_DECODE_LOG];
} rv_decode_mult;

/* One row of the decode table. */
typedef struct {
    uint8_t opcode, funct3, f7key, op;
    uint8_t flag[RV_DEC_NFLAGS];
    uint8_t sub[RV_DEC_NSUB];
} rv_decode_class;

/* Columns of the gadget (in the order allocated by layout). */
enum {
    RV_DEC_C_RD_HI, /* rd >> 1, 4 bits */
    RV_DEC_C_RD0,   /* rd & 1 (B immediate bit 11) */
    RV_DEC_C_FUNCT3,
    RV_DEC_C_RS1,
    RV_DEC_C_RS2_HI, /* rs2 >> 1, 4 bits */
    RV_DEC_C_RS2_0,  /* rs2 & 1 (J immediate bit 11) */
    RV_DEC_C_F7LO,   /* funct7 & 63 */
    RV_DEC_C_SIGN,   /* word bit 31 */
    RV_DEC_C_FLAG0,  /* the RV_DEC_NSTORED stored class flags follow */
    RV_DEC_C_SUB0 = RV_DEC_C_FLAG0 + RV_DEC_NSTORED, /* then the RV_DEC_NSUBCOL sub-op flags
                                                       * that are columns */
    RV_DEC_NCOLS = RV_DEC_C_SUB0 + RV_DEC_NSUBCOL
};

/* Column (offset from the gadget's first) of class flag k, or -1 for a
 * flag that is a sum of others (ALUR, LOAD). */
int rv_decode_flag_col(unsigned k);

typedef struct {
    unsigned col; /* first column; column k of the enum above is col + k */
    /* (opcode, funct3) -> first class with that key, 0xff if none */
    uint8_t first[1u << 10];
    rv_decode_class cls[RV_DECODE_CLASSES];
    /* Expressions set by build (valid where sel = 1): */
    air_expr op;                              /* rv_op id (degree 2) */
    air_expr flag[RV_DEC_NFLAGS];             /* class flags, degree 1 (0 where sel = 0) */
    air_expr sub[RV_DEC_NSUB];                /* sub-op flags, 0 where sel = 0: columns, and
                                               * NEG, U of degree 2 (gated by BRANCH, LS) */
    air_expr neg_br, u_ls;                    /* NEG, U of degree 1, valid only where
                                               * BRANCH = 1 / LOAD + STORE = 1 */
    air_expr opcode, funct3, funct7;          /* raw fields (degree 1; opcode an expression
                                               * of the flags) */
    air_expr rd, rs1, rs2;                    /* registers the instruction names, 0 for
                                               * fields its format lacks (degree 2) */
    air_expr imm;                             /* the immediate as a u32 (sign-extended;
                                               * shamt for SHI; 0 if none), degree 2 */
    air_expr reads_rs1, reads_rs2, writes_rd; /* linear in the flags */
} rv_decode_gadget;

/* Allocates RV_DEC_NCOLS columns of the cpu table and prepares the class
 * list (the same one rv_decode_table_add builds). */
void rv_decode_layout(rv_decode_gadget *g, rv_cols *cols);

/* The opcode expression (degree 1): 0x0f sel + sum_k flag_k (opcode_k -
 * 0x0f) over the class flags (sets g's flag and sub expressions). The cpu
 * calls it to assemble the fetched word before rv_decode_build. */
air_expr rv_decode_opcode(rv_decode_gadget *g, air_machine *m, air_table *t, air_expr sel);

/* Constraints of table t, gated by sel (a boolean of degree <= 1):
 *   word = opcode + 2^7 rd + 2^12 funct3 + 2^15 rs1 + 2^20 rs2 + 2^25 funct7,
 *   rd_hi < 2^4, rs1 < 2^5, rs2_hi < 2^4, f7lo < 2^6 on RV_BUS_RANGE,
 *   rd0, rs2_0, s boolean, opcode (from the flags) and funct3 by the decode lookup (the
 *   table holds only legal ones): the sum is then < 2^32 < p, so it is the
 *   unique split of the u32 word (word must be a u32: it comes off MEM);
 *   the class on RV_BUS_DECODE; flags (class and sub-op) 0 where sel = 0,
 *   so the cpu can use them as degree-1 selectors; ECALL: rd = rs1 = rs2 =
 *   funct7 = 0 (with the table's opcode 0x73 and funct3 0, the word is
 *   exactly 0x00000073: EBREAK and the Zicsr words have no valid row).
 * Sets the expressions of g. Interactions: 4 range sends, 1 decode send
 * (its tuple has degree 2, so it forms a LogUp group alone). */
void rv_decode_build(rv_decode_gadget *g, air_machine *m, air_table *t, air_expr sel,
                     air_expr word);

/* Writes the gadget's columns of one row for a fetched word, counts its
 * range lookups in lk and its class in dm, and returns the decoding in out
 * (rv_decode's answer). A word with no valid decoding (every word
 * rv_decode calls illegal, and EBREAK) gets CAIRN_ERR_FAULT naming it;
 * then nothing is written or counted and out->op = RV_OP_ILLEGAL. */
cairn_err rv_decode_fill(const rv_decode_gadget *g, gl_t *row, rv_lookups *lk, rv_decode_mult *dm,
                         rv_decoded *out, uint32_t word);

/* The decoding a filled row states (from its columns, as the constraints
 * read them), for tests and for the cpu's own fill. */
rv_decoded rv_decode_row(const rv_decode_gadget *g, const gl_t *row);

/* Adds the decode table (preprocessed: the RV_DECODE_TUPLE elements of a
 * class; main: multiplicity) to m; NULL on error (recorded in m). */
air_table *rv_decode_table_add(air_machine *m);
/* Its main column (2^RV_DECODE_LOG rows) from the counters. */
void rv_decode_table_fill(gl_t *main, const rv_decode_mult *dm);

/* The class list (RV_DECODE_CLASSES entries, table order). */
void rv_decode_classes(rv_decode_class cls[RV_DECODE_CLASSES]);

#endif
