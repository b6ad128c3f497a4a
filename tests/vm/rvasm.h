/* Test helpers: RV32IM instruction encoders (RISC-V unprivileged ISA,
 * "Base Instruction Formats"), a tiny program builder, and an ELF32 writer,
 * so the VM tests need no guest toolchain. Header-only; every function is
 * static. */
#ifndef CAIRN_TESTS_RVASM_H
#define CAIRN_TESTS_RVASM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv32im/rv.h"

enum { ZERO = 0, RA = 1, SP = 2, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9, A0 = 10, A1 = 11,
       A2 = 12, A3 = 13, A4 = 14, A5 = 15, A7 = 17, S2 = 18, S3 = 19, T3 = 28, T4 = 29 };

static inline uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | opc;
}
static inline uint32_t enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
static inline uint32_t enc_u(uint32_t imm20, uint32_t rd, uint32_t opc) { return imm20 << 12 | rd << 7 | opc; }
static inline uint32_t enc_j(int32_t imm, uint32_t rd)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

/* Named instructions */
#define LUI(rd, imm20) enc_u((imm20) & 0xfffff, rd, 0x37)
#define AUIPC(rd, imm20) enc_u((imm20) & 0xfffff, rd, 0x17)
#define JAL(rd, off) enc_j(off, rd)
#define JALR(rd, rs1, off) enc_i(off, rs1, 0, rd, 0x67)
#define BEQ(a, b, off) enc_b(off, b, a, 0)
#define BNE(a, b, off) enc_b(off, b, a, 1)
#define BLT(a, b, off) enc_b(off, b, a, 4)
#define BGE(a, b, off) enc_b(off, b, a, 5)
#define BLTU(a, b, off) enc_b(off, b, a, 6)
#define BGEU(a, b, off) enc_b(off, b, a, 7)
#define LB(rd, rs1, off) enc_i(off, rs1, 0, rd, 0x03)
#define LH(rd, rs1, off) enc_i(off, rs1, 1, rd, 0x03)
#define LW(rd, rs1, off) enc_i(off, rs1, 2, rd, 0x03)
#define LBU(rd, rs1, off) enc_i(off, rs1, 4, rd, 0x03)
#define LHU(rd, rs1, off) enc_i(off, rs1, 5, rd, 0x03)
#define SB(rs2, rs1, off) enc_s(off, rs2, rs1, 0, 0x23)
#define SH(rs2, rs1, off) enc_s(off, rs2, rs1, 1, 0x23)
#define SW(rs2, rs1, off) enc_s(off, rs2, rs1, 2, 0x23)
#define ADDI(rd, rs1, imm) enc_i(imm, rs1, 0, rd, 0x13)
#define SLTI(rd, rs1, imm) enc_i(imm, rs1, 2, rd, 0x13)
#define SLTIU(rd, rs1, imm) enc_i(imm, rs1, 3, rd, 0x13)
#define XORI(rd, rs1, imm) enc_i(imm, rs1, 4, rd, 0x13)
#define ORI(rd, rs1, imm) enc_i(imm, rs1, 6, rd, 0x13)
#define ANDI(rd, rs1, imm) enc_i(imm, rs1, 7, rd, 0x13)
#define SLLI(rd, rs1, sh) enc_r(0, sh, rs1, 1, rd, 0x13)
#define SRLI(rd, rs1, sh) enc_r(0, sh, rs1, 5, rd, 0x13)
#define SRAI(rd, rs1, sh) enc_r(0x20, sh, rs1, 5, rd, 0x13)
#define ROP(f7, f3, rd, a, b) enc_r(f7, b, a, f3, rd, 0x33)
#define ADD(rd, a, b) ROP(0, 0, rd, a, b)
#define SUB(rd, a, b) ROP(0x20, 0, rd, a, b)
#define MUL(rd, a, b) ROP(1, 0, rd, a, b)
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define FENCE 0x0ff0000fu

/* A program under construction: code words placed at CODE_BASE. */
#define CODE_BASE 0x10000u
typedef struct {
    uint32_t w[4096];
    size_t n;
} prog_t;

static inline void emit(prog_t *p, uint32_t w) { p->w[p->n++] = w; }
/* rd = v (LUI + ADDI, always two words so that offsets are predictable) */
static inline void emit_li(prog_t *p, uint32_t rd, uint32_t v)
{
    uint32_t lo = v & 0xfff, hi = (v >> 12) + (lo >> 11);
    emit(p, LUI(rd, hi & 0xfffff));
    emit(p, ADDI(rd, rd, (int32_t)(lo << 20) >> 20));
}
static inline void emit_exit(prog_t *p, uint32_t code)
{
    emit_li(p, A0, code);
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}
/* p = a count-down of n iterations (2 cycles each, no memory access but
 * the code's), then exit(code): a run of a chosen length */
static inline void prog_countdown(prog_t *p, uint32_t n, uint32_t code)
{
    p->n = 0;
    emit_li(p, S0, n);
    size_t loop = p->n;
    emit(p, ADDI(S0, S0, -1));
    emit(p, BLT(ZERO, S0, -(int32_t)(4 * (p->n - loop))));
    emit_exit(p, code);
}
static inline void emit_exit_reg(prog_t *p, uint32_t reg)
{
    emit(p, ADDI(A0, reg, 0));
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}

/* ELF32 writer: n PT_LOAD segments (code first), little-endian. */
typedef struct {
    uint32_t type, vaddr, flags, memsz, align;
    const uint8_t *data;
    uint32_t filesz;
} elf_seg;

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Returns a malloc'ed ELF image of *len bytes. */
static inline uint8_t *elf_build(size_t *len, uint32_t entry, const elf_seg *segs, unsigned nsegs)
{
    size_t off = 52 + 32 * (size_t)nsegs, total = off;
    for (unsigned i = 0; i < nsegs; i++) total += segs[i].filesz + 8192;
    uint8_t *e = calloc(1, total);
    memcpy(e, "\177ELF", 4);
    e[4] = 1; /* ELFCLASS32 */
    e[5] = 1; /* little-endian */
    e[6] = 1;
    put16(e + 16, 2);   /* ET_EXEC */
    put16(e + 18, 243); /* EM_RISCV */
    put32(e + 20, 1);
    put32(e + 24, entry);
    put32(e + 28, 52);
    put16(e + 40, 52);
    put16(e + 42, 32);
    put16(e + 44, (uint16_t)nsegs);
    for (unsigned i = 0; i < nsegs; i++) {
        /* file offset congruent to vaddr modulo 4096, as p_align asks */
        off = (off + 4095) / 4096 * 4096 + (segs[i].vaddr & 4095);
        uint8_t *ph = e + 52 + 32 * i;
        put32(ph, segs[i].type ? segs[i].type : 1);
        put32(ph + 4, (uint32_t)off);
        put32(ph + 8, segs[i].vaddr);
        put32(ph + 12, segs[i].vaddr);
        put32(ph + 16, segs[i].filesz);
        put32(ph + 20, segs[i].memsz);
        put32(ph + 24, segs[i].flags);
        put32(ph + 28, segs[i].align ? segs[i].align : 4096);
        if (off + segs[i].filesz > total) {
            total = off + segs[i].filesz;
            e = realloc(e, total);
        }
        if (segs[i].filesz) memcpy(e + off, segs[i].data, segs[i].filesz);
        off += segs[i].filesz;
    }
    *len = off;
    return e;
}

/* ELF of a program: code at CODE_BASE (R+X) and an optional data segment. */
static inline uint8_t *prog_elf(size_t *len, const prog_t *p, uint32_t data_addr, const void *data, uint32_t data_len,
                                uint32_t data_memsz)
{
    elf_seg s[2] = {{1, CODE_BASE, 5, (uint32_t)(4 * p->n), 4096, (const uint8_t *)p->w, (uint32_t)(4 * p->n)},
                    {1, data_addr, 6, data_memsz, 4096, data, data_len}};
    return elf_build(len, CODE_BASE, s, data_memsz ? 2 : 1);
}

static inline rv_program *prog_load(const prog_t *p)
{
    size_t len;
    uint8_t *e = prog_elf(&len, p, 0, NULL, 0, 0);
    rv_program *prog = NULL;
    cairn_err err = rv_elf_load(&prog, e, len);
    free(e);
    return err ? NULL : prog;
}

#endif
