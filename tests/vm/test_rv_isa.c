/* RV32IM execution semantics: every ALU, branch and load/store operation on
 * edge and random operands against references written from the ISA
 * manual's definitions, plus the manual's corner cases (division by zero,
 * INT_MIN / -1, MULH* signs, shift amounts, sign extension, JALR bit 0,
 * x0), faults, system calls and self-modifying code. */
#include <stdio.h>

#include "rvasm.h"
#include "vm/rv32im/rv_internal.h"
#include "testutil.h"

#define IN_BASE 0x00100000u
#define OUT_BASE 0x00200000u
#define SCRATCH 0x00300000u

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
    uint8_t journal[4096], debug[4096];
    size_t njournal, ndebug;
} io_t;

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    io_t *io = arg;
    uint8_t *dst = fd == 1 ? io->journal : io->debug;
    size_t *n = fd == 1 ? &io->njournal : &io->ndebug;
    if (*n + len <= 4096) memcpy(dst + *n, buf, len);
    *n += len;
}

/* Runs p (with an optional data segment) and returns the machine (caller
 * frees) after the run; *err receives rv_run's result. */
static rv_machine *run_prog(const prog_t *p, const void *data, uint32_t data_len, const uint8_t *input,
                            size_t input_len, io_t *io, rv_result *res, cairn_err *err)
{
    size_t len;
    uint8_t *e = prog_elf(&len, p, IN_BASE, data, data_len, data_len ? data_len : 0);
    rv_program *prog;
    cairn_err le = rv_elf_load(&prog, e, len);
    free(e);
    CU_ASSERT_EQUAL_FATAL(le, CAIRN_OK);
    rv_config cfg = {.segment_po2 = 12, .input = input, .input_len = input_len,
                     .on_write = io ? on_write : NULL, .write_arg = io, .max_cycles = 10000000};
    rv_machine *m;
    CU_ASSERT_EQUAL_FATAL(rv_machine_new(&m, prog, &cfg), CAIRN_OK);
    *err = rv_run(m, res);
    rv_program_free(prog);
    return m;
}

/* ---- ALU against references ---------------------------------------------------- */

typedef uint32_t (*ref_fn)(uint32_t a, uint32_t b);
static uint32_t r_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t r_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t r_sll(uint32_t a, uint32_t b) { return a << (b % 32); }
static uint32_t r_slt(uint32_t a, uint32_t b) { return (int64_t)(int32_t)a < (int64_t)(int32_t)b; }
static uint32_t r_sltu(uint32_t a, uint32_t b) { return (uint64_t)a < (uint64_t)b; }
static uint32_t r_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t r_srl(uint32_t a, uint32_t b) { return a >> (b % 32); }
static uint32_t r_sra(uint32_t a, uint32_t b)
{
    uint32_t s = b % 32, v = a >> s;
    if ((a >> 31) && s) v |= ~0u << (32 - s); /* copies of the sign bit */
    return v;
}
static uint32_t r_or(uint32_t a, uint32_t b) { return a | b; }
static uint32_t r_and(uint32_t a, uint32_t b) { return a & b; }
static uint32_t r_mul(uint32_t a, uint32_t b) { return (uint32_t)((uint64_t)a * b); }
static uint32_t r_mulh(uint32_t a, uint32_t b) { return (uint32_t)((__int128)(int32_t)a * (int32_t)b >> 32); }
static uint32_t r_mulhsu(uint32_t a, uint32_t b) { return (uint32_t)((__int128)(int32_t)a * (__int128)b >> 32); }
static uint32_t r_mulhu(uint32_t a, uint32_t b) { return (uint32_t)((unsigned __int128)a * b >> 32); }
/* M extension, Table "Semantics for division by zero and division
 * overflow" */
static uint32_t r_div(uint32_t a, uint32_t b)
{
    if (b == 0) return 0xffffffffu;
    int64_t q = (int64_t)(int32_t)a / (int64_t)(int32_t)b; /* 2^31 overflows to INT_MIN */
    return (uint32_t)q;
}
static uint32_t r_divu(uint32_t a, uint32_t b) { return b ? a / b : 0xffffffffu; }
static uint32_t r_rem(uint32_t a, uint32_t b)
{
    if (b == 0) return a;
    return (uint32_t)((int64_t)(int32_t)a % (int64_t)(int32_t)b);
}
static uint32_t r_remu(uint32_t a, uint32_t b) { return b ? a % b : a; }

static const struct {
    uint32_t f7, f3;
    ref_fn ref;
    const char *name;
} ROPS[] = {
    {0, 0, r_add, "add"},    {0x20, 0, r_sub, "sub"},       {0, 1, r_sll, "sll"},
    {0, 2, r_slt, "slt"},    {0, 3, r_sltu, "sltu"},        {0, 4, r_xor, "xor"},
    {0, 5, r_srl, "srl"},    {0x20, 5, r_sra, "sra"},       {0, 6, r_or, "or"},
    {0, 7, r_and, "and"},    {1, 0, r_mul, "mul"},          {1, 1, r_mulh, "mulh"},
    {1, 2, r_mulhsu, "mulhsu"}, {1, 3, r_mulhu, "mulhu"},   {1, 4, r_div, "div"},
    {1, 5, r_divu, "divu"},  {1, 6, r_rem, "rem"},          {1, 7, r_remu, "remu"},
};
#define NROPS (sizeof ROPS / sizeof ROPS[0])

static const int32_t IMMS[] = {0, 1, -1, 2047, -2048, 0x555, -0x556, 31};
#define NIMMS (sizeof IMMS / sizeof IMMS[0])
static const uint32_t SHAMTS[] = {0, 1, 5, 31};
#define NSH 4
/* I-type ops: f3 and reference with b = sign-extended immediate */
static const struct {
    uint32_t f3;
    ref_fn ref;
} IOPS[] = {{0, r_add}, {2, r_slt}, {3, r_sltu}, {4, r_xor}, {6, r_or}, {7, r_and}};
#define NIOPS 6
static const struct {
    uint32_t f3;
    int taken_if; /* index into branch reference */
} BOPS[] = {{0, 0}, {1, 1}, {4, 2}, {5, 3}, {6, 4}, {7, 5}};
static int r_branch(int k, uint32_t a, uint32_t b)
{
    switch (k) {
    case 0: return a == b;
    case 1: return a != b;
    case 2: return (int32_t)a < (int32_t)b;
    case 3: return (int32_t)a >= (int32_t)b;
    case 4: return a < b;
    default: return a >= b;
    }
}

/* results per operand pair */
#define NRES (NROPS + NIOPS * NIMMS + 3 * NSH + 6 + 4 + 4 + 2 + 1 + 1)

static void test_alu_against_reference(void)
{
    static const uint32_t EDGE[] = {0, 1, 2, 3, 31, 32, 33, 0x7fffffffu, 0x80000000u, 0x80000001u,
                                    0xffffffffu, 0xfffffffeu, 0x12345678u, 0xfffff800u, 0x800u};
    enum { NE = sizeof EDGE / sizeof EDGE[0], NRAND = 300, N = NE * NE + NRAND };
    static uint32_t in[2 * N];
    rng_t r;
    rng_seed(&r, test_seed("rv alu"));
    size_t k = 0;
    for (int i = 0; i < NE; i++)
        for (int j = 0; j < NE; j++) {
            in[k++] = EDGE[i];
            in[k++] = EDGE[j];
        }
    for (int i = 0; i < NRAND; i++) {
        uint64_t v = rng_u64(&r);
        in[k++] = (uint32_t)v;
        /* small divisors and shift amounts often */
        in[k++] = (i % 3 == 0) ? (uint32_t)(v >> 32) % 40 - 4 : (uint32_t)(v >> 32);
    }

    prog_t p = {.n = 0};
    emit_li(&p, S0, IN_BASE);
    emit_li(&p, S1, OUT_BASE);
    emit_li(&p, S2, N);
    size_t loop = p.n;
    emit(&p, LW(T0, S0, 0));
    emit(&p, LW(T1, S0, 4));
    int slot = 0;
#define OUT() emit(&p, SW(T2, S1, 4 * slot++))
    for (size_t i = 0; i < NROPS; i++) {
        emit(&p, ROP(ROPS[i].f7, ROPS[i].f3, T2, T0, T1));
        OUT();
    }
    for (size_t i = 0; i < NIOPS; i++)
        for (size_t j = 0; j < NIMMS; j++) {
            emit(&p, enc_i(IMMS[j], T0, IOPS[i].f3, T2, 0x13));
            OUT();
        }
    for (int j = 0; j < NSH; j++) {
        emit(&p, SLLI(T2, T0, SHAMTS[j]));
        OUT();
        emit(&p, SRLI(T2, T0, SHAMTS[j]));
        OUT();
        emit(&p, SRAI(T2, T0, SHAMTS[j]));
        OUT();
    }
    for (int i = 0; i < 6; i++) { /* branch taken? */
        emit(&p, ADDI(T2, ZERO, 1));
        emit(&p, enc_b(8, T1, T0, BOPS[i].f3));
        emit(&p, ADDI(T2, ZERO, 0));
        OUT();
    }
    /* loads of every byte / half of a (stored to scratch) */
    emit_li(&p, T3, SCRATCH);
    emit(&p, SW(T0, T3, 0));
    for (int b = 0; b < 4; b++) {
        emit(&p, LB(T2, T3, b));
        OUT();
    }
    for (int b = 0; b < 4; b++) {
        emit(&p, LBU(T2, T3, b));
        OUT();
    }
    emit(&p, LH(T2, T3, 2));
    OUT();
    emit(&p, LHU(T2, T3, 2));
    OUT();
    /* SB/SH merge into the word: store b's low byte at 1, low half at 2 */
    emit(&p, SB(T1, T3, 1));
    emit(&p, SH(T1, T3, 2));
    emit(&p, LW(T2, T3, 0));
    OUT();
    /* writes to x0 are discarded */
    emit(&p, ADD(ZERO, T0, T1));
    emit(&p, SW(ZERO, S1, 4 * slot++));
#undef OUT
    CU_ASSERT_EQUAL_FATAL(slot, (int)NRES);
    emit(&p, ADDI(S0, S0, 8));
    emit(&p, ADDI(S1, S1, 4 * slot));
    emit(&p, ADDI(S2, S2, -1));
    emit(&p, BNE(S2, ZERO, -(int32_t)(4 * (p.n - loop))));
    emit_exit(&p, 0);

    rv_result res;
    cairn_err err;
    rv_machine *m = run_prog(&p, in, sizeof in, NULL, 0, NULL, &res, &err);
    CU_ASSERT_EQUAL(err, CAIRN_OK);
    CU_ASSERT_EQUAL(res.final.halted, 1);
    int bad = 0;
    for (int i = 0; i < N && bad < 10; i++) {
        uint32_t a = in[2 * i], b = in[2 * i + 1];
        uint32_t want[NRES];
        int s = 0;
        for (size_t o = 0; o < NROPS; o++) want[s++] = ROPS[o].ref(a, b);
        for (size_t o = 0; o < NIOPS; o++)
            for (size_t j = 0; j < NIMMS; j++) want[s++] = IOPS[o].ref(a, (uint32_t)IMMS[j]);
        for (int j = 0; j < NSH; j++) {
            want[s++] = r_sll(a, SHAMTS[j]);
            want[s++] = r_srl(a, SHAMTS[j]);
            want[s++] = r_sra(a, SHAMTS[j]);
        }
        for (int o = 0; o < 6; o++) want[s++] = (uint32_t)r_branch(BOPS[o].taken_if, a, b);
        for (int by = 0; by < 4; by++) {
            uint32_t v = (a >> (8 * by)) & 0xff;
            want[s++] = v >= 0x80 ? v | 0xffffff00u : v;
        }
        for (int by = 0; by < 4; by++) want[s++] = (a >> (8 * by)) & 0xff;
        uint32_t h = a >> 16;
        want[s++] = h >= 0x8000 ? h | 0xffff0000u : h;
        want[s++] = h;
        want[s++] = (a & 0xff) | (b & 0xff) << 8 | (b & 0xffff) << 16;
        want[s++] = 0;
        for (int j = 0; j < s; j++) {
            uint32_t got = rv_machine_load_word(m, OUT_BASE + 4 * (uint32_t)(i * NRES + j));
            if (got != want[j] && bad++ < 10)
                fprintf(stderr, "operands 0x%08x 0x%08x result %d: got 0x%08x want 0x%08x\n", a, b, j, got,
                        want[j]);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    rv_machine_free(m);
}

/* Register values after running p to its exit. */
static int run_regs(const prog_t *p, rv_result *res)
{
    cairn_err err;
    rv_machine *m = run_prog(p, NULL, 0, NULL, 0, NULL, res, &err);
    rv_machine_free(m);
    return err;
}

static void test_manual_corner_cases(void)
{
    prog_t p = {.n = 0};
    /* division corner cases by name */
    emit_li(&p, T0, 0x80000000u);
    emit_li(&p, T1, 0xffffffffu);
    emit(&p, ROP(1, 4, S2, T0, T1));   /* DIV INT_MIN/-1 = INT_MIN */
    emit(&p, ROP(1, 6, S3, T0, T1));   /* REM INT_MIN%-1 = 0 */
    emit(&p, ROP(1, 4, A1, T0, ZERO)); /* DIV x/0 = -1 */
    emit(&p, ROP(1, 5, A2, T0, ZERO)); /* DIVU x/0 = 2^32-1 */
    emit(&p, ROP(1, 6, A3, T0, ZERO)); /* REM x%0 = x */
    emit(&p, ROP(1, 7, A4, T1, ZERO)); /* REMU x%0 = x */
    emit(&p, ROP(1, 1, A5, T1, T1));   /* MULH -1*-1 = 0 (high of 1) */
    emit(&p, ROP(1, 2, T3, T1, T1));   /* MULHSU -1*(2^32-1) high = -1 */
    emit(&p, ROP(1, 3, T4, T1, T1));   /* MULHU (2^32-1)^2 high = 2^32-2 */
    /* shifts use the low 5 bits of rs2 */
    emit(&p, ADDI(T2, ZERO, 33));
    emit(&p, ADDI(S0, ZERO, 1));
    emit(&p, ROP(0, 1, S0, S0, T2)); /* 1 << 33 -> 1 << 1 */
    /* x0 stays 0; LUI into x0 too */
    emit(&p, ADDI(ZERO, ZERO, 5));
    emit(&p, LUI(ZERO, 0x12345));
    emit(&p, ADD(S1, ZERO, ZERO));
    /* JALR clears bit 0: jump to (label | 1) */
    emit(&p, AUIPC(T0, 0));          /* t0 = this pc */
    emit(&p, ADDI(T0, T0, 4 * 4 + 1)); /* target 4 words ahead, odd */
    emit(&p, JALR(RA, T0, 0));
    emit(&p, EBREAK);                /* skipped */
    emit(&p, ADDI(A0, ZERO, 7));     /* the target: a0 = 7 */
    /* JALR with rd == rs1 uses the old value */
    emit(&p, AUIPC(T1, 0));
    emit(&p, ADDI(T1, T1, 16));
    emit(&p, JALR(T1, T1, 0));       /* over the EBREAK */
    emit(&p, EBREAK);
    emit(&p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(&p, ADDI(A0, ZERO, 0));
    emit(&p, ECALL);
    rv_result res;
    CU_ASSERT_EQUAL(run_regs(&p, &res), CAIRN_OK);
    const uint32_t *x = res.final.x;
    CU_ASSERT_EQUAL(x[S2], 0x80000000u);
    CU_ASSERT_EQUAL(x[S3], 0);
    CU_ASSERT_EQUAL(x[A1], 0xffffffffu);
    CU_ASSERT_EQUAL(x[A2], 0xffffffffu);
    CU_ASSERT_EQUAL(x[A3], 0x80000000u);
    CU_ASSERT_EQUAL(x[A4], 0xffffffffu);
    CU_ASSERT_EQUAL(x[A5], 0);
    CU_ASSERT_EQUAL(x[T3], 0xffffffffu);
    CU_ASSERT_EQUAL(x[T4], 0xfffffffeu);
    CU_ASSERT_EQUAL(x[S0], 2);
    CU_ASSERT_EQUAL(x[0], 0);
    CU_ASSERT_EQUAL(x[S1], 0);
    CU_ASSERT_EQUAL(x[RA], CODE_BASE + 4 * 21 + 4); /* link = jalr pc + 4 */
    CU_ASSERT_EQUAL(x[T1], CODE_BASE + 4 * 26 + 4);
    CU_ASSERT_EQUAL(res.final.exit_code, 0);
    CU_ASSERT_EQUAL(res.final.halted, 1);
    CU_ASSERT_EQUAL(res.cycles, p.n - 2); /* two EBREAKs skipped */
}

static void test_initial_state_and_zero_memory(void)
{
    prog_t p = {.n = 0};
    emit(&p, ADDI(S0, SP, 0));
    emit_li(&p, T0, 0x40000000u);
    emit(&p, LW(S1, T0, 0)); /* unwritten memory reads 0 */
    emit(&p, LW(S2, SP, 0)); /* argc = 0 */
    emit(&p, FENCE);
    emit_exit(&p, 3);
    rv_result res;
    CU_ASSERT_EQUAL(run_regs(&p, &res), CAIRN_OK);
    CU_ASSERT_EQUAL(res.final.x[S0], RV_DEFAULT_SP);
    CU_ASSERT_EQUAL(res.final.x[S1], 0);
    CU_ASSERT_EQUAL(res.final.x[S2], 0);
    CU_ASSERT_EQUAL(res.final.exit_code, 3);
    CU_ASSERT_EQUAL(res.final.pc, CODE_BASE + 4 * (uint32_t)p.n);
}

/* Runs a program expected to fault; checks kind, pc and address. */
static void expect_fault(const prog_t *p, rv_fault_kind kind, uint32_t pc, uint32_t addr)
{
    rv_result res;
    int err = run_regs(p, &res);
    CU_ASSERT_EQUAL(err, CAIRN_ERR_FAULT);
    CU_ASSERT_EQUAL(res.fault.kind, kind);
    CU_ASSERT_EQUAL(res.fault.pc, pc);
    CU_ASSERT_EQUAL(res.fault.addr, addr);
    if (res.fault.kind != kind || res.fault.pc != pc || res.fault.addr != addr)
        fprintf(stderr, "fault %s pc 0x%x addr 0x%x (%s)\n", rv_fault_name(res.fault.kind), res.fault.pc,
                res.fault.addr, cairn_last_error());
}

static void test_faults(void)
{
    prog_t p;
    /* misaligned loads and stores */
    p.n = 0;
    emit_li(&p, T0, 0x20002);
    emit(&p, LW(T1, T0, 0));
    expect_fault(&p, RV_FAULT_MISALIGNED, CODE_BASE + 8, 0x20002);
    p.n = 0;
    emit_li(&p, T0, 0x20001);
    emit(&p, LB(T1, T0, 0)); /* fine */
    emit(&p, SH(T1, T0, 0));
    expect_fault(&p, RV_FAULT_MISALIGNED, CODE_BASE + 12, 0x20001);
    /* page 0: null pointer and the last word of page 0 */
    p.n = 0;
    emit(&p, LW(T1, ZERO, 0));
    expect_fault(&p, RV_FAULT_ACCESS, CODE_BASE, 0);
    p.n = 0;
    emit(&p, SW(T1, ZERO, 0x3fc));
    expect_fault(&p, RV_FAULT_ACCESS, CODE_BASE, 0x3fc);
    p.n = 0;
    emit(&p, LW(T1, ZERO, 0x400)); /* page 1 is fine */
    emit_exit(&p, 0);
    rv_result res;
    CU_ASSERT_EQUAL(run_regs(&p, &res), CAIRN_OK);
    /* jump to page 0 */
    p.n = 0;
    emit(&p, JALR(RA, ZERO, 0x10));
    expect_fault(&p, RV_FAULT_ACCESS, 0x10, 0x10);
    /* misaligned jump targets (no C extension) */
    p.n = 0;
    emit(&p, JAL(RA, 6));
    expect_fault(&p, RV_FAULT_MISALIGNED, CODE_BASE, CODE_BASE + 6);
    p.n = 0;
    emit(&p, BEQ(ZERO, ZERO, 10));
    expect_fault(&p, RV_FAULT_MISALIGNED, CODE_BASE, CODE_BASE + 10);
    p.n = 0; /* a not-taken branch with a misaligned target does not fault */
    emit(&p, BNE(ZERO, ZERO, 10));
    emit_exit(&p, 0);
    CU_ASSERT_EQUAL(run_regs(&p, &res), CAIRN_OK);
    p.n = 0;
    emit_li(&p, T0, CODE_BASE + 0x102);
    emit(&p, JALR(RA, T0, 0));
    expect_fault(&p, RV_FAULT_MISALIGNED, CODE_BASE + 8, CODE_BASE + 0x102);
    /* EBREAK, illegal words, CSR access */
    p.n = 0;
    emit(&p, EBREAK);
    expect_fault(&p, RV_FAULT_EBREAK, CODE_BASE, 0);
    p.n = 0;
    emit(&p, FENCE);
    emit(&p, 0);
    expect_fault(&p, RV_FAULT_ILLEGAL, CODE_BASE + 4, 0);
    p.n = 0;
    emit(&p, 0xc0002073u); /* rdcycle */
    expect_fault(&p, RV_FAULT_ILLEGAL, CODE_BASE, 0);
    /* running off the end of the code into zero memory */
    p.n = 0;
    emit(&p, ADDI(T0, ZERO, 1));
    expect_fault(&p, RV_FAULT_ILLEGAL, CODE_BASE + 4, 0);
    CU_ASSERT_EQUAL(rv_fault_status(RV_FAULT_ILLEGAL), 132);
    CU_ASSERT_EQUAL(rv_fault_status(RV_FAULT_EBREAK), 132);
    CU_ASSERT_EQUAL(rv_fault_status(RV_FAULT_MISALIGNED), 135);
    CU_ASSERT_EQUAL(rv_fault_status(RV_FAULT_ACCESS), 139);
}

static void test_cycle_limit(void)
{
    prog_t p = {.n = 0};
    emit(&p, ADDI(T0, T0, 1));
    emit(&p, JAL(ZERO, -4));
    size_t len;
    uint8_t *e = prog_elf(&len, &p, 0, NULL, 0, 0);
    rv_program *prog;
    CU_ASSERT_EQUAL_FATAL(rv_elf_load(&prog, e, len), CAIRN_OK);
    free(e);
    rv_config cfg = {.segment_po2 = 10, .max_cycles = 5000};
    rv_result res;
    CU_ASSERT_EQUAL(rv_execute(prog, &cfg, &res), CAIRN_ERR_LIMIT);
    CU_ASSERT_EQUAL(res.cycles, 5000);
    CU_ASSERT_EQUAL(res.segments, 4);
    CU_ASSERT_EQUAL(res.final.x[T0], 2500);
    rv_program_free(prog);
}

/* write(fd, buf, len) with the result in a register */
static void emit_sys(prog_t *p, uint32_t num, uint32_t fd, uint32_t buf, uint32_t len, uint32_t save)
{
    emit_li(p, A0, fd);
    emit_li(p, A1, buf);
    emit_li(p, A2, len);
    emit(p, ADDI(A7, ZERO, (int32_t)num));
    emit(p, ECALL);
    emit(p, ADDI(save, A0, 0));
}

static void test_syscalls(void)
{
    static const char msg[] = "hello, journal";
    prog_t p = {.n = 0};
    emit_sys(&p, RV_SYS_WRITE, 1, IN_BASE, 5, S0);       /* "hello" */
    emit_sys(&p, RV_SYS_WRITE, 2, IN_BASE + 7, 7, S1);   /* "journal" to debug */
    emit_sys(&p, RV_SYS_WRITE, 3, IN_BASE, 5, S2);       /* EBADF */
    emit_sys(&p, RV_SYS_WRITE, 0, IN_BASE, 5, S3);       /* EBADF */
    emit_sys(&p, RV_SYS_WRITE, 1, 0, 5, T3);             /* EFAULT */
    emit_sys(&p, RV_SYS_WRITE, 1, 0, 0, T4);             /* 0 */
    emit_sys(&p, RV_SYS_WRITE, 1, 0xfffffffeu, 4, A3);   /* wraps: EFAULT */
    emit_sys(&p, RV_SYS_READ, 0, SCRATCH, 4, A4);        /* 4 input bytes */
    emit_sys(&p, RV_SYS_READ, 0, SCRATCH + 4, 100, A5);  /* the other 2 */
    emit_sys(&p, RV_SYS_READ, 0, SCRATCH + 8, 100, RA);  /* 0: end of input */
    emit_sys(&p, RV_SYS_READ, 1, SCRATCH, 4, T0);        /* EBADF */
    emit_sys(&p, RV_SYS_READ, 0, 0x100, 4, T1);          /* EFAULT */
    emit_sys(&p, 1234, 0, 0, 0, T2);                     /* ENOSYS */
    emit_sys(&p, RV_SYS_WRITE, 1, SCRATCH, 6, S0 + 0);   /* echo input to journal */
    emit_li(&p, A0, 0x1234);
    emit(&p, ADDI(A7, ZERO, RV_SYS_EXIT_GROUP));
    emit(&p, ECALL);
    static const uint8_t input[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
    io_t io = {.njournal = 0};
    rv_result res;
    cairn_err err;
    rv_machine *m = run_prog(&p, msg, sizeof msg, input, sizeof input, &io, &res, &err);
    CU_ASSERT_EQUAL(err, CAIRN_OK);
    const uint32_t *x = res.final.x;
    CU_ASSERT_EQUAL(x[S1], 7);
    CU_ASSERT_EQUAL(x[S2], (uint32_t)-9);
    CU_ASSERT_EQUAL(x[S3], (uint32_t)-9);
    CU_ASSERT_EQUAL(x[T3], (uint32_t)-14);
    CU_ASSERT_EQUAL(x[T4], 0);
    CU_ASSERT_EQUAL(x[A3], (uint32_t)-14);
    CU_ASSERT_EQUAL(x[A4], 4);
    CU_ASSERT_EQUAL(x[A5], 2);
    CU_ASSERT_EQUAL(x[RA], 0);
    CU_ASSERT_EQUAL(x[T0], (uint32_t)-9);
    CU_ASSERT_EQUAL(x[T1], (uint32_t)-14);
    CU_ASSERT_EQUAL(x[T2], (uint32_t)-38);
    CU_ASSERT_EQUAL(x[S0], 6);
    CU_ASSERT_EQUAL(res.final.exit_code, 0x1234);
    CU_ASSERT_EQUAL(res.final.input_pos, 6);
    CU_ASSERT_EQUAL(res.final.journal_len, 11);
    CU_ASSERT_EQUAL(io.njournal, 11);
    CU_ASSERT_NSTRING_EQUAL(io.journal, "helloabcdef", 11);
    CU_ASSERT_EQUAL(io.ndebug, 7);
    CU_ASSERT_NSTRING_EQUAL(io.debug, "journal", 7);
    CU_ASSERT_EQUAL(rv_machine_load_word(m, SCRATCH), 0x64636261u);
    /* the journal chain does not depend on how writes were split */
    rv_state a = {.journal_len = 0}, b = {.journal_len = 0};
    const uint8_t *j = (const uint8_t *)"0123456789abcdefghijklmnopqrstuvwxyz!";
    for (size_t i = 0; i < 37; i++) rv_journal_append(&a, j + i, 1);
    rv_journal_append(&b, j, 20);
    rv_journal_append(&b, j + 20, 17);
    p2_digest da, db;
    rv_journal_digest(&da, &a);
    rv_journal_digest(&db, &b);
    CU_ASSERT_EQUAL(memcmp(&da, &db, sizeof da), 0);
    CU_ASSERT_EQUAL(a.journal_len, 37);
    rv_machine_free(m);
}

static void test_self_modifying_code(void)
{
    /* The program overwrites a later instruction (ADDI a0, zero, 1) with
     * ADDI a0, zero, 42 after having executed it once in a loop. */
    prog_t p = {.n = 0};
    emit(&p, ADDI(S0, ZERO, 2));           /* 0: iterations */
    emit(&p, AUIPC(S1, 0));                /* 4: s1 = CODE_BASE + 4 */
    size_t target = p.n;
    emit(&p, ADDI(A0, ZERO, 1));           /* 8: patched */
    emit(&p, ADD(S2, S2, A0));             /* 12: s2 += a0 */
    emit_li(&p, T0, ADDI(A0, ZERO, 42));   /* 16, 20 */
    emit(&p, SW(T0, S1, 4));               /* 24: patch word at 8 */
    emit(&p, ADDI(S0, S0, -1));
    emit(&p, BNE(S0, ZERO, -(int32_t)(4 * (p.n - target))));
    /* code written into the data area and called */
    emit_li(&p, T1, SCRATCH);
    emit_li(&p, T0, ADDI(S3, ZERO, 99));
    emit(&p, SW(T0, T1, 0));
    emit_li(&p, T0, JALR(ZERO, RA, 0));
    emit(&p, SW(T0, T1, 4));
    emit(&p, JALR(RA, T1, 0));
    emit_exit_reg(&p, S2);
    rv_result res;
    CU_ASSERT_EQUAL(run_regs(&p, &res), CAIRN_OK);
    CU_ASSERT_EQUAL(res.final.exit_code, 1 + 42);
    CU_ASSERT_EQUAL(res.final.x[S3], 99);
}

int main(void)
{
    static const test_case cases[] = {
        {"ALU, branches, loads against references", test_alu_against_reference},
        {"ISA manual corner cases", test_manual_corner_cases},
        {"initial state, unwritten memory", test_initial_state_and_zero_memory},
        {"faults", test_faults},
        {"cycle limit", test_cycle_limit},
        {"system calls", test_syscalls},
        {"self-modifying code", test_self_modifying_code},
        {NULL, NULL},
    };
    return test_run_suite("rv_isa", cases);
}
