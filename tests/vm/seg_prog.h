/* A test guest for segment tests: walks 64 pages of data with loads and
 * stores, reads input in small pieces and writes the journal, so segments
 * touch, dirty and read different things. Exit code = accumulator & 0xff. */
#ifndef CAIRN_TESTS_SEG_PROG_H
#define CAIRN_TESTS_SEG_PROG_H

#include "common/err.h"
#include "rvasm.h"
#include "vm/rv32im/rv_air.h"

#define SEG_DATA 0x00100000u
#define SEG_SCRATCH 0x00300000u

static inline void emit_syscall3(prog_t *p, uint32_t num, uint32_t fd, uint32_t buf, uint32_t len_reg)
{
    emit_li(p, A0, fd);
    emit_li(p, A1, buf);
    emit(p, ADDI(A2, len_reg, 0));
    emit(p, ADDI(A7, ZERO, (int32_t)num));
    emit(p, ECALL);
}

/* iterations: about 22 cycles each */
static inline void seg_prog(prog_t *p, uint32_t iterations)
{
    p->n = 0;
    emit_li(p, S0, SEG_DATA);
    emit(p, ADDI(S1, ZERO, 0));
    emit_li(p, S2, iterations);
    emit(p, ADDI(S3, ZERO, 0));
    emit_li(p, T0, 1031 * 4);
    emit_li(p, T2, 0xfffc);
    size_t loop = p->n;
    emit(p, MUL(T1, S1, T0));
    emit(p, ROP(0, 7, T1, T1, T2)); /* and */
    emit(p, ADD(T1, T1, S0));
    emit(p, LW(T3, T1, 0));
    emit(p, ADD(S3, S3, T3));
    emit(p, ROP(0, 4, T3, T3, S1)); /* xor */
    emit(p, SW(T3, T1, 0));
    emit(p, ANDI(T4, S1, 63));
    size_t br = p->n;
    emit(p, 0); /* patched: bne t4, zero, skip */
    emit(p, ADDI(A3, ZERO, 3));
    emit_syscall3(p, RV_SYS_READ, 0, SEG_SCRATCH, A3);
    emit(p, ADDI(A3, A0, 1));
    emit_li(p, A4, SEG_SCRATCH);
    emit(p, ADD(A4, A4, A0));
    emit(p, SB(S3, A4, 0));
    emit_syscall3(p, RV_SYS_WRITE, 1, SEG_SCRATCH, A3);
    p->w[br] = BNE(T4, ZERO, (int32_t)(4 * (p->n - br)));
    emit(p, ADDI(S1, S1, 1));
    emit(p, BNE(S1, S2, -(int32_t)(4 * (p->n - loop))));
    emit(p, ANDI(A0, S3, 0xff));
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}

/* ELF with seg_prog and a 4 KiB data pattern. */
static inline rv_program *seg_program(uint32_t iterations)
{
    static prog_t p;
    static uint32_t data[1024];
    seg_prog(&p, iterations);
    for (uint32_t i = 0; i < 1024; i++) data[i] = i * 0x9e3779b9u;
    size_t len;
    uint8_t *e = prog_elf(&len, &p, SEG_DATA, data, sizeof data, 0x10000);
    rv_program *prog = NULL;
    cairn_err err = rv_elf_load(&prog, e, len);
    free(e);
    return err ? NULL : prog;
}

/* Runs seg_program(iterations) on input with the segment machine's
 * budgets at 2^po2 (rv_air_budget), each segment to fn(arg). */
static inline cairn_err seg_run(uint32_t iterations, unsigned po2, const char *input, rv_segment_fn fn, void *arg)
{
    rv_program *prog = seg_program(iterations);
    if (!prog) return cairn_fail(CAIRN_ERR_INTERNAL, "test: seg_program");
    rv_budget b;
    rv_air_budget(&b, po2);
    rv_config cfg = {.segment_po2 = po2, .budget = &b, .on_segment = fn, .segment_arg = arg,
                     .input = (const uint8_t *)input, .input_len = strlen(input)};
    rv_result res;
    cairn_err e = rv_execute(prog, &cfg, &res);
    rv_program_free(prog);
    return e;
}

#endif
