/* rvgen — writes random RV32IM test programs (GNU assembly) for the
 * differential test against qemu-riscv32 (tests/guest/run_random.sh).
 *
 *   rvgen OUTDIR COUNT [LENGTH [CHUNK]]   writes OUTDIR/prog_0000.S ...
 *
 * The seed comes from $CAIRN_TEST_SEED or the clock and is printed
 * (test_seed), so a failing corpus can be regenerated exactly.
 *
 * Each program
 *  - loads every register with a value drawn mostly from the edge values
 *    of RV32 arithmetic (0, 1, -1, INT_MIN, INT_MAX, 31/32/33, ...);
 *  - runs LENGTH random items in which every RV32IM instruction appears at
 *    least once: ALU ops on random registers (x0 included, as source and
 *    as destination), immediates at their limits, shift amounts 0..31,
 *    division and remainder by zero and INT_MIN / -1, loads and stores of
 *    every width and signedness to a 256-byte scratch buffer of random
 *    bytes, branches over an instruction (taken or not depending on the
 *    data), JAL, JALR to an odd address (bit 0 must be cleared), LUI,
 *    AUIPC, FENCE;
 *  - stores x1..x31 and writes them (124 bytes, x1 first, little-endian)
 *    followed by the scratch buffer (256 bytes) to the journal, and exits
 *    with the value of a random register as exit code. The 380 bytes go
 *    out in one write, or with CHUNK in writes of at most CHUNK bytes
 *    (the same journal): a segment proof's io table holds 2^6 words at
 *    segment po2 10, so there one 95-word write runs in parts over
 *    several segments (rv.h "System calls in parts").
 * One register per program (the "base", chosen at random) holds the
 * scratch address throughout and is never a destination; across the
 * corpus every register takes both roles.
 *
 * The programs need no start-up code or library: link with
 *   riscv64-unknown-elf-gcc -march=rv32im -mabi=ilp32 -nostdlib -Wl,--no-relax
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define SCRATCH_BYTES 256
#define REG_BYTES (31 * 4)

static rng_t rng;

static uint32_t rnd(uint32_t n) { return (uint32_t)(rng_u64(&rng) % n); }

/* Operand values where RV32 arithmetic has its edges: signed/unsigned
 * limits, shift amounts around 32, half-word and byte boundaries. */
static const uint32_t special[] = {
    0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 2, 0xfffffffe, 0x80000001, 0x7ffffffe,
    31, 32, 33, 63, 0x0000ffff, 0xffff0000, 0x00008000, 0xffff8000, 0x00007fff,
    0x80, 0xff, 0x7f, 0xffffff80, 0x55555555, 0xaaaaaaaa, 3, 0xfffffffd,
};
#define NSPECIAL (sizeof special / sizeof special[0])

static uint32_t value(void)
{
    switch (rnd(8)) {
    case 0: return (uint32_t)rng_u64(&rng);
    case 1: return rnd(64) - 32; /* small, either sign */
    default: return special[rnd(NSPECIAL)];
    }
}

static int32_t imm12(void)
{
    static const int32_t edge[] = {0, 1, -1, 2047, -2048, 2046, -2047, 31, 32};
    if (rnd(2)) return edge[rnd(sizeof edge / sizeof edge[0])];
    return (int32_t)rnd(4096) - 2048;
}

static unsigned base; /* register holding scratch + 128 */
static unsigned label;

/* Any register; x0 on purpose now and then. */
static unsigned src(void) { return rnd(32); }

/* A destination: never the base; x0 (a discarded write) sometimes. */
static unsigned dst(void)
{
    for (;;) {
        unsigned r = rnd(16) == 0 ? 0 : 1 + rnd(31);
        if (r != base) return r;
    }
}

/* A register other than the base and x0, for addresses. */
static unsigned tmp(void)
{
    for (;;) {
        unsigned r = 1 + rnd(31);
        if (r != base) return r;
    }
}

enum kind {
    K_ADD, K_SUB, K_SLL, K_SLT, K_SLTU, K_XOR, K_SRL, K_SRA, K_OR, K_AND,
    K_MUL, K_MULH, K_MULHSU, K_MULHU, K_DIV, K_DIVU, K_REM, K_REMU,
    K_ADDI, K_SLTI, K_SLTIU, K_XORI, K_ORI, K_ANDI, K_SLLI, K_SRLI, K_SRAI,
    K_LUI, K_AUIPC,
    K_LB, K_LH, K_LW, K_LBU, K_LHU, K_SB, K_SH, K_SW,
    K_BEQ, K_BNE, K_BLT, K_BGE, K_BLTU, K_BGEU,
    K_JAL, K_JALR, K_FENCE,
    NKINDS_ISA, /* every instruction of RV32IM but ECALL/EBREAK */
    K_SET = NKINDS_ISA, K_DIVEDGE, K_LOADVIA,
    NKINDS
};

static const char *const name[NKINDS] = {
    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
    "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
    "addi", "slti", "sltiu", "xori", "ori", "andi", "slli", "srli", "srai",
    "lui", "auipc",
    "lb", "lh", "lw", "lbu", "lhu", "sb", "sh", "sw",
    "beq", "bne", "blt", "bge", "bltu", "bgeu",
    "jal", "jalr", "fence",
};

static unsigned width(enum kind k)
{
    switch (k) {
    case K_LB: case K_LBU: case K_SB: return 1;
    case K_LH: case K_LHU: case K_SH: return 2;
    default: return 4;
    }
}

/* An aligned offset from the base (scratch + 128) inside the buffer. */
static int offset(unsigned w)
{
    return (int)(rnd(SCRATCH_BYTES / w) * w) - SCRATCH_BYTES / 2;
}

static void filler(FILE *f)
{
    /* Something with a visible effect, so that skipping it shows. */
    unsigned r = dst();
    fprintf(f, "\taddi x%u, x%u, %d\n", r, src(), (int)rnd(2000) + 1);
}

static void emit(FILE *f, enum kind k)
{
    if (k <= K_REMU) {
        fprintf(f, "\t%s x%u, x%u, x%u\n", name[k], dst(), src(), src());
    } else if (k <= K_ANDI) {
        fprintf(f, "\t%s x%u, x%u, %d\n", name[k], dst(), src(), imm12());
    } else if (k <= K_SRAI) {
        fprintf(f, "\t%s x%u, x%u, %u\n", name[k], dst(), src(), rnd(32));
    } else if (k <= K_AUIPC) {
        uint32_t imm = rnd(2) ? (uint32_t)rng_u64(&rng) & 0xfffff
                              : (uint32_t[]){0, 1, 0x80000, 0x7ffff, 0xfffff}[rnd(5)];
        fprintf(f, "\t%s x%u, 0x%" PRIx32 "\n", name[k], dst(), imm);
    } else if (k <= K_LHU) {
        fprintf(f, "\t%s x%u, %d(x%u)\n", name[k], dst(), offset(width(k)), base);
    } else if (k <= K_SW) {
        fprintf(f, "\t%s x%u, %d(x%u)\n", name[k], src(), offset(width(k)), base);
    } else if (k <= K_BGEU) {
        unsigned a = src(), b = rnd(8) == 0 ? a : src(); /* equal operands too */
        unsigned l = label++;
        fprintf(f, "\t%s x%u, x%u, .Lb%u\n", name[k], a, b, l);
        for (unsigned i = 0, n = 1 + rnd(2); i < n; i++) filler(f);
        fprintf(f, ".Lb%u:\n", l);
    } else if (k == K_JAL) {
        unsigned l = label++;
        fprintf(f, "\tjal x%u, .Lj%u\n", dst(), l);
        filler(f);
        fprintf(f, ".Lj%u:\n", l);
    } else if (k == K_JALR) {
        /* target = (t + imm) & ~1 with t + imm = label + 1: bit 0 set. */
        unsigned l = label++, t = tmp();
        int imm = imm12();
        fprintf(f, "\tla x%u, .Lr%u + 1 - (%d)\n", t, l, imm);
        fprintf(f, "\tjalr x%u, %d(x%u)\n", dst(), imm, t);
        filler(f);
        fprintf(f, ".Lr%u:\n", l);
    } else if (k == K_FENCE) {
        fprintf(f, rnd(2) ? "\tfence\n" : "\tfence rw, rw\n");
    } else if (k == K_SET) {
        fprintf(f, "\tli x%u, 0x%" PRIx32 "\n", dst(), value());
    } else if (k == K_DIVEDGE) {
        /* Division by zero and the one signed overflow, INT_MIN / -1. */
        static const char *const op[] = {"div", "divu", "rem", "remu"};
        unsigned a = tmp(), b;
        do b = tmp(); while (b == a);
        int overflow = rnd(2);
        fprintf(f, "\tli x%u, 0x%" PRIx32 "\n", a, overflow ? 0x80000000u : value());
        fprintf(f, "\tli x%u, %d\n", b, overflow ? -1 : 0);
        fprintf(f, "\t%s x%u, x%u, x%u\n", op[rnd(4)], dst(), a, b);
    } else { /* K_LOADVIA: a load through another base register */
        static const char *const op[] = {"lb", "lh", "lw", "lbu", "lhu"};
        static const unsigned w[] = {1, 2, 4, 1, 2};
        unsigned i = rnd(5), t = tmp();
        int off = offset(w[i]) + SCRATCH_BYTES / 2;
        fprintf(f, "\tla x%u, scratch + %d\n", t, off + 8);
        fprintf(f, "\t%s x%u, -8(x%u)\n", op[i], dst(), t);
    }
}

static int write_program(const char *path, unsigned length, unsigned chunk)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rvgen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    base = 1 + rnd(31);
    label = 0;

    /* Items: one of every instruction, then random ones, shuffled. */
    unsigned n = length < NKINDS_ISA ? NKINDS_ISA : length;
    enum kind *items = malloc(n * sizeof *items);
    if (!items) {
        fclose(f);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) items[i] = i < NKINDS_ISA ? (enum kind)i : (enum kind)rnd(NKINDS);
    for (unsigned i = n; i-- > 1;) {
        unsigned j = rnd(i + 1);
        enum kind t = items[i];
        items[i] = items[j];
        items[j] = t;
    }

    fprintf(f, "# generated by rvgen; base register x%u\n", base);
    fprintf(f, "\t.option norelax\n\t.text\n\t.globl _start\n_start:\n");
    for (unsigned r = 1; r < 32; r++)
        if (r != base) fprintf(f, "\tli x%u, 0x%" PRIx32 "\n", r, value());
    fprintf(f, "\tla x%u, scratch + %d\n", base, SCRATCH_BYTES / 2);
    for (unsigned i = 0; i < n; i++) emit(f, items[i]);
    free(items);

    /* Epilogue: registers to regs[], then one write of regs and scratch
     * (adjacent in .data), then exit with a register's value. */
    int regs_off = -(SCRATCH_BYTES / 2) - REG_BYTES;
    for (unsigned r = 1; r < 32; r++) fprintf(f, "\tsw x%u, %d(x%u)\n", r, regs_off + 4 * (int)(r - 1), base);
    fprintf(f, "\taddi x1, x%u, %d\n", base, regs_off);
    for (unsigned off = 0; off < REG_BYTES + SCRATCH_BYTES; off += chunk) {
        unsigned n = REG_BYTES + SCRATCH_BYTES - off < chunk ? REG_BYTES + SCRATCH_BYTES - off : chunk;
        if (off == 0) fprintf(f, "\tli a0, 1\n\tmv a1, x1\n");
        else fprintf(f, "\tli a0, 1\n\taddi a1, x1, %u\n", off);
        fprintf(f, "\tli a2, %u\n\tli a7, 64\n\tecall\n", n);
    }
    fprintf(f, "\tlw a0, %u(x1)\n\tli a7, 93\n\tecall\n", 4 * rnd(31));
    fprintf(f, "1:\tj 1b\n");

    fprintf(f, "\t.data\n\t.balign 16\nregs:\n\t.space %d\nscratch:\n", REG_BYTES);
    for (unsigned i = 0; i < SCRATCH_BYTES; i++) {
        static const uint8_t edge[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x81};
        unsigned b = rnd(2) ? edge[rnd(sizeof edge)] : rnd(256);
        fprintf(f, "%s0x%02x%s", i % 16 ? "" : "\t.byte ", b, i % 16 == 15 ? "\n" : ",");
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "rvgen: writing %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: rvgen OUTDIR COUNT [LENGTH [CHUNK]]\n");
        return 2;
    }
    char *end;
    unsigned long count = strtoul(argv[2], &end, 10);
    unsigned long length = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    unsigned long chunk = argc > 4 ? strtoul(argv[4], NULL, 10) : REG_BYTES + SCRATCH_BYTES;
    if (*end || count == 0 || count > 100000 || length > 100000 || chunk == 0 || chunk > 2047) {
        fprintf(stderr, "rvgen: bad COUNT, LENGTH or CHUNK\n");
        return 2;
    }
    rng_seed(&rng, test_seed("rvgen"));
    for (unsigned long i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/prog_%04lu.S", argv[1], i);
        if (write_program(path, (unsigned)length, (unsigned)chunk) != 0) return 1;
    }
    return 0;
}
