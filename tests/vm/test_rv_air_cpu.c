/* The cpu table of the RV32IM AIR (vm/rv32im/rv_air_cpu.c) in a test
 * machine: cpu + decode + range + bytes + muldiv, a test-only "memb" table
 * standing in for page/state on the memory bus (sends the start value of
 * every register and word of the segment's pages at ts 0, receives the
 * final value with its last ts) and a test-only "iost" table standing in
 * for io/state (receives the IO hand-offs, performs the io words' memory
 * accesses at slot IO, receives the two STATE messages).
 *
 * Programs (tests/vm/rvasm.h) run through rv_execute + rv_trace_build:
 * one with every ALU/M/branch/jump/load/store op and FENCE, one with every
 * syscall outcome. The honest traces pass the checker; for every op the
 * row's result (rd value, next pc / branch target, loaded value, stored
 * word, link, ECALL result) altered is rejected (lookup multiplicities
 * recounted from the tampered trace, so only the alteration is wrong); a
 * stale register read and a load that misses the last store are rejected
 * by the memory bus balance; a small program proves and verifies and a
 * few alterations are rejected by the verifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_cpu.h"
#include "vm/rv32im/rv_air_tables.h"

enum { T_CPU, T_DEC, T_RANGE, T_BYTES, T_MD, T_MEMB, T_IOST, T_N };

/* iost columns */
enum { I_MIO, I_IO, I_MW = I_IO + 5, I_W, I_MST = I_W + 5, I_ST, I_NCOLS = I_ST + 7 };
/* memb columns */
enum { M_ACT, M_ADDR, M_START, M_END, M_TLAST, M_NCOLS };

typedef struct {
    air_machine *m;
    rv_cpu cpu;
    rv_muldiv_gadget md;
    unsigned po2;
} mach;

static air_expr C(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_MAIN, i, 0); }

static cairn_err mach_build(mach *x, unsigned po2)
{
    memset(x, 0, sizeof *x);
    x->po2 = po2;
    FORWARD_IF_ERROR(air_machine_new(&x->m, "rv-cpu-test", RV_CPU_NPUB));
    air_machine *m = x->m;
    rv_cpu_table_add(m, &x->cpu, po2);
    rv_decode_table_add(m);
    rv_range_table_add(m);
    rv_bytes_table_add(m);
    rv_muldiv_table_add(m, &x->md, po2 > 4 ? po2 - 2 : 2);
    air_table *mb = air_table_add(m, "memb", 0, M_NCOLS);
    if (mb) {
        air_expr s[3] = {C(m, mb, M_ADDR), C(m, mb, M_START), air_const(m, mb, 0)};
        air_interact(m, mb, RV_BUS_MEM, AIR_SEND, C(m, mb, M_ACT), s, 3);
        air_expr r[3] = {C(m, mb, M_ADDR), C(m, mb, M_END), C(m, mb, M_TLAST)};
        air_interact(m, mb, RV_BUS_MEM, AIR_RECEIVE, C(m, mb, M_ACT), r, 3);
    }
    air_table *io = air_table_add(m, "iost", 0, I_NCOLS);
    if (io) {
        air_expr t[7];
        for (int k = 0; k < 5; k++) t[k] = C(m, io, I_IO + k);
        air_interact(m, io, RV_BUS_IO, AIR_RECEIVE, C(m, io, I_MIO), t, 5);
        air_expr a[3] = {C(m, io, I_W + 0), C(m, io, I_W + 1), C(m, io, I_W + 2)};
        air_interact(m, io, RV_BUS_MEM, AIR_RECEIVE, C(m, io, I_MW), a, 3);
        air_expr b[3] = {C(m, io, I_W + 0), C(m, io, I_W + 3), C(m, io, I_W + 4)};
        air_interact(m, io, RV_BUS_MEM, AIR_SEND, C(m, io, I_MW), b, 3);
        for (int k = 0; k < 7; k++) t[k] = C(m, io, I_ST + k);
        air_interact(m, io, RV_BUS_STATE, AIR_RECEIVE, C(m, io, I_MST), t, 7);
    }
    return air_machine_finish(m, 0);
}

/* ---- one segment's traces ---- */

typedef struct {
    rv_trace tr;
    rv_snapshot s;
    gl_t *main[T_N];
    unsigned log[T_N];
    gl_t pub[RV_CPU_NPUB];
    rv_cpu_fill_out out;
    uint32_t *io_pts;
} run;

static void as_stark(stark_trace tt[T_N], const run *r)
{
    for (int t = 0; t < T_N; t++) tt[t] = (stark_trace){r->main[t], r->log[t]};
}

/* the lookup tables' multiplicities, from every send of the other tables */
static void recount(const mach *x, run *r)
{
    stark_trace tt[T_N];
    as_stark(tt, r);
    rvt_recount(x->m, tt, r->pub);
}

static void run_free(run *r)
{
    for (int t = 0; t < T_N; t++) free(r->main[t]);
    rv_trace_free(&r->tr);
    rv_snapshot_free(&r->s);
    free(r->io_pts);
}

/* Runs prog (one segment of 2^po2 cycles at most), fills every table. */
static int run_make(run *r, const mach *x, const prog_t *p, const char *input)
{
    memset(r, 0, sizeof *r);
    rv_program *prog = prog_load(p);
    if (!prog) return 0;
    rvt_first k = {NULL, 0};
    rv_config cfg = {.segment_po2 = x->po2, .on_segment = rvt_keep_first, .segment_arg = &k,
                     .input = (const uint8_t *)input, .input_len = input ? strlen(input) : 0};
    rv_result res;
    cairn_err e = rv_execute(prog, &cfg, &res);
    rv_program_free(prog);
    if (e != CAIRN_OK || !k.enc) {
        fprintf(stderr, "run: %s\n", cairn_last_error());
        free(k.enc);
        return 0;
    }
    e = rv_snapshot_decode(&r->s, k.enc, k.len);
    free(k.enc);
    if (e != CAIRN_OK || rv_trace_build(&r->tr, &r->s) != CAIRN_OK) return 0;

    rv_lookups lk;
    rv_lookups_alloc(&lk);
    rv_decode_mult dm;
    memset(&dm, 0, sizeof dm);
    rv_memtrack mt0 = {0}, mt = {0};
    size_t words = r->s.npages * RV_PAGE_WORDS + 64;
    rv_memtrack_init(&mt0, words);
    rv_memtrack_init(&mt, words);
    rv_memtrack_load(&mt0, &r->s);
    rv_memtrack_load(&mt, &r->s);
    r->log[T_CPU] = x->po2;
    r->log[T_DEC] = RV_DECODE_LOG;
    r->log[T_RANGE] = RV_RANGE_LOG;
    r->log[T_BYTES] = RV_BYTES_LOG;
    r->log[T_MD] = x->md.log_n;
    const air_table *const *tabs = (const air_table *const *)x->m->tables;
    r->main[T_CPU] = calloc((size_t)1 << x->po2, tabs[T_CPU]->nmain * sizeof(gl_t));
    r->main[T_DEC] = calloc((size_t)1 << RV_DECODE_LOG, sizeof(gl_t));
    r->main[T_RANGE] = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    r->main[T_BYTES] = calloc((size_t)1 << RV_BYTES_LOG, sizeof(gl_t));
    r->main[T_MD] = calloc((size_t)1 << x->md.log_n, RV_MD_NCOLS * sizeof(gl_t));
    size_t mdcap = (size_t)1 << x->md.log_n;
    rv_muldiv_call *calls = calloc(mdcap, sizeof *calls);
    r->io_pts = calloc(r->tr.io_nrows + 1, sizeof *r->io_pts);
    e = rv_cpu_fill(&x->cpu, r->main[T_CPU], &r->out, &lk, &dm, &mt, calls, mdcap, r->io_pts, &r->tr, &r->s);
    if (e != CAIRN_OK) {
        fprintf(stderr, "cpu fill: %s\n", cairn_last_error());
        return 0;
    }
    if (rv_muldiv_fill(&x->md, r->main[T_MD], &lk, NULL, calls, r->out.nmuldiv) != CAIRN_OK) return 0;
    free(calls);

    /* memb: every address known at the start */
    size_t nb = 0;
    for (size_t j = 0; j < mt0.cap; j++) nb += mt0.key[j] != 0;
    r->log[T_MEMB] = rvt_log_for(nb);
    r->main[T_MEMB] = calloc((size_t)1 << r->log[T_MEMB], M_NCOLS * sizeof(gl_t));
    size_t row = 0;
    for (size_t j = 0; j < mt0.cap; j++) {
        if (!mt0.key[j]) continue;
        gl_t *q = r->main[T_MEMB] + row++ * M_NCOLS;
        uint32_t a = mt0.key[j] - 1, v, t;
        rv_memtrack_get(&mt, a, &v, &t);
        q[M_ACT] = 1;
        q[M_ADDR] = a;
        q[M_START] = mt0.value[j];
        q[M_END] = v;
        q[M_TLAST] = t;
    }
    /* iost: calls, words, state */
    const rv_trace *tr = &r->tr;
    size_t ni = 2 + 2 * tr->io_nrows;
    r->log[T_IOST] = rvt_log_for(ni);
    r->main[T_IOST] = calloc((size_t)1 << r->log[T_IOST], I_NCOLS * sizeof(gl_t));
    row = 0;
    for (size_t j = 0; j < tr->io_nrows; j++) {
        uint32_t cyc = tr->io_col[RV_IO_cycle][j], ts = 8 * (cyc + 1);
        if (j == 0 || tr->io_col[RV_IO_cycle][j - 1] != cyc) {
            gl_t *q = r->main[T_IOST] + row++ * I_NCOLS;
            q[I_MIO] = 1;
            q[I_IO + 0] = ts;
            q[I_IO + 1] = tr->io_col[RV_IO_fd][j];
            q[I_IO + 2] = tr->col[RV_COL_mem_addr][cyc];
            q[I_IO + 3] = tr->col[RV_COL_rd_val][cyc];
            q[I_IO + 4] = tr->io_col[RV_IO_pos][j];
        }
        gl_t *q = r->main[T_IOST] + row++ * I_NCOLS;
        q[I_MW] = 1;
        q[I_W + 0] = tr->io_col[RV_IO_addr][j] >> 2;
        q[I_W + 1] = tr->io_col[RV_IO_before][j];
        q[I_W + 2] = r->io_pts[j];
        q[I_W + 3] = tr->io_col[RV_IO_after][j];
        q[I_W + 4] = ts + RV_SLOT_IO;
    }
    gl_t *q = r->main[T_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_START;
    q[I_ST + 1] = r->s.start.pc;
    q[I_ST + 2] = r->s.start.input_eof;
    q = r->main[T_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_END;
    q[I_ST + 1] = r->out.next_pc;
    q[I_ST + 2] = r->out.halted;
    q[I_ST + 3] = r->out.exit_code;
    q[I_ST + 4] = r->out.bytes[0];
    q[I_ST + 5] = r->out.bytes[1];
    q[I_ST + 6] = r->out.input_eof;
    r->pub[RV_CPU_PUB_CYCLES] = tr->nrows;

    rv_range_table_fill(r->main[T_RANGE], &lk);
    rv_bytes_table_fill(r->main[T_BYTES], &lk);
    rv_decode_table_fill(r->main[T_DEC], &dm);
    rv_lookups_free(&lk);
    rv_memtrack_free(&mt0);
    rv_memtrack_free(&mt);
    /* the state the executor reached agrees with the fill's */
    CU_ASSERT_EQUAL(r->out.next_pc, r->s.end.pc);
    CU_ASSERT_EQUAL(r->out.halted, r->s.end.halted);
    CU_ASSERT_EQUAL(r->out.exit_code, r->s.end.exit_code);
    CU_ASSERT_EQUAL(r->out.input_eof, r->s.end.input_eof);
    CU_ASSERT_EQUAL(r->out.bytes[0], r->s.end.input_pos - r->s.start.input_pos);
    CU_ASSERT_EQUAL(r->out.bytes[1], r->s.end.journal_len - r->s.start.journal_len);
    return 1;
}

static cairn_err check(const mach *x, const run *r)
{
    stark_trace tt[T_N];
    as_stark(tt, r);
    return stark_check_trace(x->m, tt, r->pub, RV_CPU_NPUB);
}

/* ---- programs ---- */

#define DATA 0x20000u
#define BUF 0x30000u

static void ops_prog(prog_t *p)
{
    p->n = 0;
    emit_li(p, T0, 0x80000001u);
    emit_li(p, T1, 7);
    emit_li(p, T2, 0xfffffff0u);
    emit(p, ADD(S0, T0, T1));
    emit(p, SUB(S0, T1, T0));
    emit(p, ROP(0, 1, S0, T0, T1)); /* sll */
    emit(p, ROP(0, 2, S0, T2, T1)); /* slt */
    emit(p, ROP(0, 3, S0, T2, T1)); /* sltu */
    emit(p, ROP(0, 4, S0, T0, T2)); /* xor */
    emit(p, ROP(0, 5, S0, T2, T1)); /* srl */
    emit(p, ROP(0x20, 5, S0, T2, T1)); /* sra */
    emit(p, ROP(0, 6, S0, T0, T1)); /* or */
    emit(p, ROP(0, 7, S0, T2, T1)); /* and */
    emit(p, ADDI(S0, T0, -5));
    emit(p, SLTI(S0, T2, -1));
    emit(p, SLTIU(S0, T1, -1));
    emit(p, XORI(S0, T0, 0x555));
    emit(p, ORI(S0, T1, -256));
    emit(p, ANDI(S0, T2, 0x7f3));
    emit(p, SLLI(S0, T0, 3));
    emit(p, SRLI(S0, T0, 31));
    emit(p, SRAI(S0, T0, 4));
    emit(p, LUI(S0, 0xabcde));
    emit(p, AUIPC(S0, 0x12));
    for (uint32_t f3 = 0; f3 < 8; f3++) emit(p, ROP(1, f3, S0, T0, T2)); /* MUL .. REMU */
    emit(p, ROP(1, 4, S0, T0, ZERO)); /* DIV by zero */
    emit_li(p, S1, DATA);
    emit(p, SW(T0, S1, 0));
    emit(p, SH(T2, S1, 6));
    emit(p, SB(T1, S1, 3));
    emit(p, LW(S0, S1, 0));
    emit(p, LH(S0, S1, 6));
    emit(p, LHU(S0, S1, 6));
    emit(p, LH(S0, S1, 2));
    emit(p, LB(S0, S1, 3));
    emit(p, LB(S0, S1, 6));
    emit(p, LBU(S0, S1, 7));
    emit(p, LBU(S0, S1, 0));
    emit(p, BEQ(T1, T1, 8)); /* taken */
    emit(p, ADDI(S0, ZERO, 1));
    emit(p, BNE(T1, T1, 8)); /* not taken */
    emit(p, BLT(T2, T1, 8)); /* taken */
    emit(p, ADDI(S0, ZERO, 2));
    emit(p, BGE(T2, T1, 8)); /* not taken */
    emit(p, BLTU(T2, T1, 8)); /* not taken */
    emit(p, BGEU(T2, T1, 8)); /* taken */
    emit(p, ADDI(S0, ZERO, 3));
    emit(p, BEQ(T1, T2, 8)); /* not taken */
    emit(p, BNE(T1, T2, 8)); /* taken */
    emit(p, ADDI(S0, ZERO, 4));
    emit(p, JAL(RA, 8));
    emit(p, ADDI(S0, ZERO, 5));
    emit(p, AUIPC(A0, 0));
    emit(p, ADDI(A0, A0, 17)); /* odd: JALR clears bit 0 */
    emit(p, JALR(RA, A0, 0));
    emit(p, ADDI(S0, ZERO, 6));
    emit(p, FENCE);
    emit(p, ADDI(S2, ZERO, 111)); /* for the stale-read test */
    emit(p, ADDI(S2, ZERO, 222));
    emit(p, ADD(ZERO, S2, ZERO));
    emit(p, SW(T1, S1, 8)); /* for the stale-load test: word was 0 */
    emit(p, LW(ZERO, S1, 8));
    emit_exit(p, 0);
}

static const char INPUT[] = "abcdefgh";

static void sys_prog(prog_t *p)
{
    p->n = 0;
    rvt_syscall(p, RV_SYS_READ, 0, BUF + 1, 5);   /* 5 bytes */
    emit_li(p, S1, BUF);
    emit(p, LW(S0, S1, 4));               /* sees the input bytes */
    rvt_syscall(p, RV_SYS_READ, 0, BUF, 10);      /* short: 3, end-of-file */
    rvt_syscall(p, RV_SYS_READ, 0, BUF, 4);       /* 0 at end of file */
    rvt_syscall(p, RV_SYS_READ, 3, BUF, 4);       /* EBADF */
    rvt_syscall(p, RV_SYS_READ, 0, 0x10, 4);      /* EFAULT: page 0 */
    rvt_syscall(p, RV_SYS_READ, 0, 0x10, 0);      /* len 0: 0 */
    rvt_syscall(p, RV_SYS_WRITE, 1, BUF + 2, 5);  /* journal */
    rvt_syscall(p, RV_SYS_WRITE, 2, BUF, 3);      /* debug */
    rvt_syscall(p, RV_SYS_WRITE, 5, BUF, 1);      /* EBADF */
    rvt_syscall(p, RV_SYS_WRITE, 1, 0xfffffff0u, 0x20); /* EFAULT: wraps */
    rvt_syscall(p, RV_SYS_WRITE, 1, BUF, 0);      /* len 0 */
    rvt_syscall(p, 1000, 0, 0, 0);                /* ENOSYS */
    emit_li(p, A0, 42);
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT_GROUP));
    emit(p, ECALL);
}

/* ---- tests ---- */

static mach MX; /* po2 8 */

static void test_honest(void)
{
    static prog_t p;
    run r;
    ops_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &MX, &p, NULL));
    /* every op of rv_op but ILLEGAL/EBREAK occurs */
    int seen[RV_NOPS] = {0};
    for (size_t i = 0; i < r.tr.nrows; i++) seen[r.tr.col[RV_COL_op][i]] = 1;
    for (int op = RV_OP_LUI; op <= RV_OP_ECALL; op++) {
        if (!seen[op]) fprintf(stderr, "op %s not covered\n", rv_op_name((rv_op)op));
        CU_ASSERT(seen[op]);
    }
    cairn_err e = check(&MX, &r);
    if (e) fprintf(stderr, "ops: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    run_free(&r);

    sys_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &MX, &p, INPUT));
    CU_ASSERT_EQUAL(r.s.end.exit_code, 42);
    CU_ASSERT_EQUAL(r.s.end.input_eof, 1);
    e = check(&MX, &r);
    if (e) fprintf(stderr, "sys: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    run_free(&r);
}

/* Alters cpu row i by f, recounts the lookups, expects rejection. */
typedef void (*tamper_fn)(const rv_cpu *c, gl_t *row, const run *r, size_t i);

static char LASTMSG[256]; /* the checker's message for the last rejection */

static int rejected(const mach *x, run *r, size_t i, tamper_fn f, const char *what)
{
    const unsigned W = x->cpu.ncols;
    size_t bytes = ((size_t)1 << x->po2) * W * sizeof(gl_t);
    gl_t *save = malloc(bytes);
    memcpy(save, r->main[T_CPU], bytes);
    f(&x->cpu, r->main[T_CPU] + i * W, r, i);
    recount(x, r);
    cairn_err e = check(x, r);
    int ok = e == CAIRN_ERR_VERIFY &&
             (strstr(cairn_last_error(), "constraint") || strstr(cairn_last_error(), "balance"));
    snprintf(LASTMSG, sizeof LASTMSG, "%s", e ? cairn_last_error() : "");
    if (ok && getenv("CAIRN_TEST_VERBOSE"))
        fprintf(stderr, "  %s (cycle %zu, %s): %s\n", what, i, rv_op_name((rv_op)r->tr.col[RV_COL_op][i]),
                cairn_last_error());
    if (!ok) fprintf(stderr, "%s (cycle %zu, %s) not rejected: %s\n", what, i,
                     rv_op_name((rv_op)r->tr.col[RV_COL_op][i]), e ? cairn_last_error() : "accepted");
    memcpy(r->main[T_CPU], save, bytes);
    recount(x, r);
    free(save);
    return ok;
}

static void t_vd(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r, (void)i;
    row[c->vd] = (uint32_t)row[c->vd] ^ 1u;
}
static void t_npc(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r, (void)i;
    /* the other branch outcome / a neighbouring word */
    uint32_t pc = (uint32_t)row[c->pc], imm = (uint32_t)row[c->imm], npc = (uint32_t)row[c->npc];
    uint32_t alt = npc == pc + 4 ? pc + imm : pc + 4;
    if (alt == npc) alt = npc + 4;
    row[c->npc] = alt;
    row[c->npch] = alt >> 18;
}
static void t_taken(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    t_npc(c, row, r, i);
    row[c->taken] ^= 1;
}
static void t_store(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r, (void)i;
    row[c->dnew] = (uint32_t)row[c->dnew] ^ 0x01010101u;
}
static void t_exit(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r, (void)i;
    row[c->e[RV_CPU_E_EXIT]] = 0; /* claim ENOSYS, no write */
}
static void t_ecall_flag(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r, (void)i;
    /* another outcome: EBADF <-> pass, EFAULT <-> pass, ENOSYS -> EBADF */
    static const int other[RV_CPU_NE] = {RV_CPU_E_EXIT, RV_CPU_E_BW, RV_CPU_E_XR, RV_CPU_E_XW,
                                         RV_CPU_E_F0,   RV_CPU_E_F1, RV_CPU_E_F2, RV_CPU_E_F1};
    for (int k = 0; k < RV_CPU_NE; k++)
        if (row[c->e[k]]) {
            row[c->e[k]] = 0;
            row[c->e[other[k]]] = 1;
            return;
        }
    row[c->e[RV_CPU_E_BR]] = 1;
}

static void test_wrong_ops(void)
{
    static prog_t p;
    run r;
    ops_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &MX, &p, NULL));
    int done[RV_NOPS] = {0};
    int n = 0;
    for (size_t i = 0; i < r.tr.nrows; i++) {
        rv_op op = (rv_op)r.tr.col[RV_COL_op][i];
        if (done[op]) continue;
        int writes = r.tr.col[RV_COL_rd][i] != 0;
        if (op == RV_OP_ECALL) continue; /* the sys test */
        done[op] = 1;
        if (writes) CU_ASSERT(rejected(&MX, &r, i, t_vd, "rd value"));
        if (op >= RV_OP_SB && op <= RV_OP_SW) CU_ASSERT(rejected(&MX, &r, i, t_store, "stored word"));
        if ((op >= RV_OP_BEQ && op <= RV_OP_BGEU)) {
            CU_ASSERT(rejected(&MX, &r, i, t_npc, "branch target"));
            CU_ASSERT(rejected(&MX, &r, i, t_taken, "branch outcome"));
        }
        if (op == RV_OP_JAL || op == RV_OP_JALR || op == RV_OP_FENCE || !writes)
            CU_ASSERT(rejected(&MX, &r, i, t_npc, "next pc"));
        n++;
    }
    CU_ASSERT(n >= 45);
    run_free(&r);
}

static void test_wrong_syscalls(void)
{
    static prog_t p;
    run r;
    sys_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &MX, &p, INPUT));
    int n = 0;
    for (size_t i = 0; i < r.tr.nrows; i++) {
        if (r.tr.col[RV_COL_op][i] != RV_OP_ECALL) continue;
        if (r.tr.col[RV_COL_rd][i]) {
            CU_ASSERT(rejected(&MX, &r, i, t_vd, "syscall result"));
            CU_ASSERT(rejected(&MX, &r, i, t_ecall_flag, "syscall outcome"));
        } else {
            CU_ASSERT(rejected(&MX, &r, i, t_exit, "exit"));
        }
        n++;
    }
    CU_ASSERT_EQUAL(n, 13);
    run_free(&r);
}

/* index of the k-th row of op (k from 0) */
static size_t find_op(const run *r, rv_op op, int k)
{
    for (size_t i = 0; i < r->tr.nrows; i++)
        if (r->tr.col[RV_COL_op][i] == op && k-- == 0) return i;
    return SIZE_MAX;
}

static size_t STALE_T;
static uint32_t STALE_V;

/* ADD x0, s2, x0 reads s2 = 222; claim the older 111 from its first write */
static void t_stale_reg(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    row[c->v1] = STALE_V;
    rv_mem_fill(&c->m_rs1, row, &lk, 8u * (uint32_t)(i + 1) + RV_SLOT_RS1, (uint32_t)STALE_T);
    row[c->vd] = rv_add_fill(&c->add, row, &lk, STALE_V, 0);
    rv_lookups_free(&lk);
}

/* LW x0, 8(s1) after SW: claim the word's value before the store (0) */
static void t_stale_load(const rv_cpu *c, gl_t *row, const run *r, size_t i)
{
    (void)r;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    row[c->dprev] = row[c->dnew] = row[c->rv] = row[c->vd] = 0;
    rv_mem_fill(&c->m_data, row, &lk, 8u * (uint32_t)(i + 1) + RV_SLOT_DATA, (uint32_t)STALE_T);
    rv_bitwise_fill(&c->bw, row, &lk, RV_AND, 0, 0);
    rv_lookups_free(&lk);
}

static void test_stale(void)
{
    static prog_t p;
    run r;
    ops_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &MX, &p, NULL));
    /* the two ADDI s2 writes and the ADD x0 read */
    size_t i = SIZE_MAX, w1 = SIZE_MAX;
    for (size_t k = 0; k < r.tr.nrows; k++) {
        if (r.tr.col[RV_COL_op][k] == RV_OP_ADDI && r.tr.col[RV_COL_rd][k] == S2 &&
            r.tr.col[RV_COL_rd_val][k] == 111)
            w1 = k;
        if (r.tr.col[RV_COL_op][k] == RV_OP_ADD && r.tr.col[RV_COL_rs1][k] == S2) i = k;
    }
    CU_ASSERT_FATAL(i != SIZE_MAX && w1 != SIZE_MAX);
    STALE_T = 8 * (w1 + 1) + RV_SLOT_RD;
    STALE_V = 111;
    CU_ASSERT(rejected(&MX, &r, i, t_stale_reg, "stale register read"));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 1")); /* RV_BUS_MEM alone */
    /* the load of the stored word: its only older value is the start (ts 0) */
    size_t ld = SIZE_MAX;
    for (size_t k = 0; k < r.tr.nrows; k++)
        if (r.tr.col[RV_COL_op][k] == RV_OP_LW && r.tr.col[RV_COL_rd][k] == 0) ld = k;
    CU_ASSERT_FATAL(ld != SIZE_MAX);
    STALE_T = 0;
    CU_ASSERT(rejected(&MX, &r, ld, t_stale_load, "load missing the last store"));
    CU_ASSERT_PTR_NOT_NULL(strstr(LASTMSG, "do not balance: bus 1"));
    (void)find_op;
    run_free(&r);
}

/* a small program: prove, verify, and reject a few alterations */
static void small_prog(prog_t *p)
{
    p->n = 0;
    emit_li(p, T0, 0x1234);
    emit_li(p, S1, DATA);
    emit(p, SW(T0, S1, 4));
    emit(p, LH(T1, S1, 4));
    emit(p, ADD(T2, T1, T0));
    emit(p, MUL(T2, T2, T0));
    emit(p, BNE(T2, ZERO, 8));
    emit(p, ADDI(T2, ZERO, 0));
    emit(p, SLLI(A0, T2, 3));
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT));
    emit(p, ECALL);
}

static void test_prove(void)
{
    mach x;
    CU_ASSERT_EQUAL_FATAL(mach_build(&x, 5), CAIRN_OK);
    stark_params prm;
    stark_pk *pk = NULL;
    stark_vk *vk = NULL;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&prm, "test"), CAIRN_OK);
    prm.check_trace = 0;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, x.m, &prm), CAIRN_OK);
    static prog_t p;
    run r;
    small_prog(&p);
    CU_ASSERT_FATAL(run_make(&r, &x, &p, NULL));
    CU_ASSERT_EQUAL(check(&x, &r), CAIRN_OK);
    static const struct {
        rv_op op;
        tamper_fn f;
        const char *what;
    } cases[] = {{RV_OP_LUI, NULL, "honest"},
                 {RV_OP_LH, t_vd, "loaded value"},
                 {RV_OP_SW, t_store, "stored word"},
                 {RV_OP_BNE, t_taken, "branch"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const unsigned W = x.cpu.ncols;
        size_t bytes = ((size_t)1 << x.po2) * W * sizeof(gl_t);
        gl_t *save = malloc(bytes);
        memcpy(save, r.main[T_CPU], bytes);
        if (cases[k].f) {
            size_t i = find_op(&r, cases[k].op, 0);
            CU_ASSERT_FATAL(i != SIZE_MAX);
            cases[k].f(&x.cpu, r.main[T_CPU] + i * W, &r, i);
            recount(&x, &r);
        }
        stark_trace tt[T_N];
        as_stark(tt, &r);
        const rvt_keys keys = {x.m, pk, vk};
        rvt_expect_proof(&keys, tt, r.pub, RV_CPU_NPUB, cases[k].f == NULL, NULL, cases[k].what);
        memcpy(r.main[T_CPU], save, bytes);
        recount(&x, &r);
        free(save);
    }
    run_free(&r);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(x.m);
}

int main(void)
{
    double t0 = now_sec();
    if (mach_build(&MX, 8) != CAIRN_OK) {
        fprintf(stderr, "machine: %s\n", cairn_last_error());
        return 1;
    }
    const air_table *t = MX.m->tables[T_CPU];
    unsigned ng = 0;
    fprintf(stderr, "cpu table: %u main columns (region R %u), 1 preprocessed, %zu constraints, %zu interactions (%.2f s)\n",
            MX.cpu.ncols, MX.cpu.rn, t->ncons, t->nints, now_sec() - t0);
    (void)ng;
    static const test_case cases[] = {{"honest traces", test_honest},
                                      {"altered op results rejected", test_wrong_ops},
                                      {"altered syscall results rejected", test_wrong_syscalls},
                                      {"stale register / load rejected", test_stale},
                                      {"proofs", test_prove},
                                      {NULL, NULL}};
    int rc = test_run_suite("rv_air_cpu", cases);
    air_machine_free(MX.m);
    return rc;
}
