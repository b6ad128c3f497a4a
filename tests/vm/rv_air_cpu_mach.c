/* The cpu test machine, its programs and alterations; see rv_air_cpu_mach.h. */
#include "rv_air_cpu_mach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "vm/rv32im/rv_air_tables.h"

/* iost columns */
enum { I_MIO, I_IO, I_MW = I_IO + 5, I_W, I_MST = I_W + 5, I_ST, I_NCOLS = I_ST + 7 };
/* memb columns */
enum { M_ACT, M_ADDR, M_START, M_END, M_TLAST, M_NCOLS };

static air_expr C(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_MAIN, i, 0); }

cairn_err rvc_mach_build(rvc_mach *x, unsigned po2) { return rvc_mach_build_ec(x, po2, RVC_EC_LOG); }

cairn_err rvc_mach_build_ec(rvc_mach *x, unsigned po2, unsigned ec_log)
{
    memset(x, 0, sizeof *x);
    x->po2 = po2;
    x->ec_log = ec_log;
    FORWARD_IF_ERROR(air_machine_new(&x->m, "rv-cpu-test", RV_CPU_NPUB));
    air_machine *m = x->m;
    rv_cpu_table_add(m, &x->cpu, po2);
    rv_decode_table_add(m);
    rv_range_table_add(m);
    rv_bytes_table_add(m);
    rv_muldiv_table_add(m, &x->md, po2 > 4 ? po2 - 2 : 2);
    rv_ecall_table_add(m, &x->ec, ec_log);
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
    /* the segment machine's bound: groups of four at blowup 4 */
    return air_machine_finish(m, RV_AIR_MAX_DEGREE);
}

/* ---- one segment's traces ---- */

void rvc_as_stark(stark_trace tt[RVC_NT], const rvc_run *r)
{
    for (int t = 0; t < RVC_NT; t++) tt[t] = (stark_trace){r->main[t], r->log[t]};
}

void rvc_recount(const rvc_mach *x, rvc_run *r)
{
    stark_trace tt[RVC_NT];
    rvc_as_stark(tt, r);
    rvt_recount(x->m, tt, r->pub);
}

void rvc_run_free(rvc_run *r)
{
    for (int t = 0; t < RVC_NT; t++) free(r->main[t]);
    rv_trace_free(&r->tr);
    rv_snapshot_free(&r->s);
    free(r->io_pts);
}

/* keeps the encoding of segment `want` */
typedef struct {
    uint64_t want;
    uint8_t *enc;
    size_t len;
} keep_nth;
static cairn_err keep_seg(void *arg, const rv_snapshot *s)
{
    keep_nth *k = arg;
    return s->index != k->want ? CAIRN_OK : rv_snapshot_encode(&k->enc, &k->len, s);
}

int rvc_run_make(rvc_run *r, const rvc_mach *x, const prog_t *p, const char *input)
{
    return rvc_run_make_seg(r, x, p, input, NULL, 0);
}

int rvc_run_make_seg(rvc_run *r, const rvc_mach *x, const prog_t *p, const char *input, const rv_budget *b,
                     uint64_t seg)
{
    memset(r, 0, sizeof *r);
    rv_program *prog = prog_load(p);
    if (!prog) return 0;
    keep_nth k = {seg, NULL, 0};
    rv_config cfg = {.segment_po2 = x->po2, .budget = b, .on_segment = keep_seg, .segment_arg = &k,
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
    r->log[RVC_CPU] = x->po2;
    r->log[RVC_DEC] = RV_DECODE_LOG;
    r->log[RVC_RANGE] = RV_RANGE_LOG;
    r->log[RVC_BYTES] = RV_BYTES_LOG;
    r->log[RVC_MD] = x->md.log_n;
    r->log[RVC_EC] = x->ec_log;
    const air_table *const *tabs = (const air_table *const *)x->m->tables;
    r->main[RVC_CPU] = calloc((size_t)1 << x->po2, tabs[RVC_CPU]->nmain * sizeof(gl_t));
    r->main[RVC_DEC] = calloc((size_t)1 << RV_DECODE_LOG, sizeof(gl_t));
    r->main[RVC_RANGE] = calloc((size_t)1 << RV_RANGE_LOG, sizeof(gl_t));
    r->main[RVC_BYTES] = calloc((size_t)1 << RV_BYTES_LOG, sizeof(gl_t));
    r->main[RVC_MD] = calloc((size_t)1 << x->md.log_n, RV_MD_NCOLS * sizeof(gl_t));
    r->main[RVC_EC] = calloc((size_t)1 << x->ec_log, x->ec.ncols * sizeof(gl_t));
    size_t mdcap = (size_t)1 << x->md.log_n;
    rv_muldiv_call *calls = calloc(mdcap, sizeof *calls);
    r->io_pts = calloc(r->tr.io_nrows + 1, sizeof *r->io_pts);
    e = rv_cpu_fill(&x->cpu, r->main[RVC_CPU], &r->out, &lk, &dm, &mt, calls, mdcap, r->io_pts, &x->ec,
                    r->main[RVC_EC], &r->tr, &r->s);
    if (e != CAIRN_OK) {
        fprintf(stderr, "cpu fill: %s\n", cairn_last_error());
        return 0;
    }
    if (rv_muldiv_fill(&x->md, r->main[RVC_MD], &lk, NULL, calls, r->out.nmuldiv) != CAIRN_OK) return 0;
    free(calls);

    /* memb: every address known at the start */
    size_t nb = 0;
    for (size_t j = 0; j < mt0.cap; j++) nb += mt0.key[j] != 0;
    r->log[RVC_MEMB] = rvt_log_for(nb);
    r->main[RVC_MEMB] = calloc((size_t)1 << r->log[RVC_MEMB], M_NCOLS * sizeof(gl_t));
    size_t row = 0;
    for (size_t j = 0; j < mt0.cap; j++) {
        if (!mt0.key[j]) continue;
        gl_t *q = r->main[RVC_MEMB] + row++ * M_NCOLS;
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
    size_t ni = 3 + 2 * tr->io_nrows;
    r->log[RVC_IOST] = rvt_log_for(ni);
    r->main[RVC_IOST] = calloc((size_t)1 << r->log[RVC_IOST], I_NCOLS * sizeof(gl_t));
    row = 0;
    for (size_t j = 0; j < tr->io_nrows; j++) {
        uint32_t cyc = tr->io_col[RV_IO_cycle][j], ts = 8 * (cyc + 1);
        if (j == 0 || tr->io_col[RV_IO_cycle][j - 1] != cyc) {
            gl_t *q = r->main[RVC_IOST] + row++ * I_NCOLS;
            q[I_MIO] = 1;
            q[I_IO + 0] = ts;
            q[I_IO + 1] = tr->io_col[RV_IO_fd][j];
            /* a call in parts moves bytes [done before, total after) of
             * its buffer this cycle (rv_air_ecall.h) */
            const uint32_t d0 = tr->col[RV_COL_mem_before][cyc], d1 = tr->col[RV_COL_mem_after][cyc];
            q[I_IO + 2] = tr->col[RV_COL_mem_addr][cyc] + d0;
            q[I_IO + 3] = (d1 ? d1 : tr->col[RV_COL_rd_val][cyc]) - d0;
            q[I_IO + 4] = tr->io_col[RV_IO_fd][j] == 2 ? 0 : tr->io_col[RV_IO_pos][j]; /* rv_air_int.h */
        }
        gl_t *q = r->main[RVC_IOST] + row++ * I_NCOLS;
        q[I_MW] = 1;
        q[I_W + 0] = tr->io_col[RV_IO_addr][j] >> 2;
        q[I_W + 1] = tr->io_col[RV_IO_before][j];
        q[I_W + 2] = r->io_pts[j];
        q[I_W + 3] = tr->io_col[RV_IO_after][j];
        q[I_W + 4] = ts + RV_SLOT_IO;
    }
    gl_t *q = r->main[RVC_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_START;
    q[I_ST + 1] = r->s.start.pc;
    q = r->main[RVC_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_END;
    q[I_ST + 1] = r->out.next_pc;
    q = r->main[RVC_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_ECALLS;
    q[I_ST + 1] = r->s.start.input_eof;
    q[I_ST + 2] = r->out.halted;
    q[I_ST + 3] = r->out.exit_code;
    q[I_ST + 4] = r->out.bytes[0];
    q[I_ST + 5] = r->out.bytes[1];
    q[I_ST + 6] = r->out.input_eof;
    q = r->main[RVC_IOST] + row++ * I_NCOLS;
    q[I_MST] = 1;
    q[I_ST + 0] = RV_STATE_SYSDONE;
    q[I_ST + 1] = r->s.start.sys_done;
    q[I_ST + 2] = r->out.sys_done;
    r->pub[RV_CPU_PUB_CYCLES] = tr->nrows;

    rv_range_table_fill(r->main[RVC_RANGE], &lk);
    rv_bytes_table_fill(r->main[RVC_BYTES], &lk);
    rv_decode_table_fill(r->main[RVC_DEC], &dm);
    rv_lookups_free(&lk);
    rv_memtrack_free(&mt0);
    rv_memtrack_free(&mt);
    /* the state the executor reached agrees with the fill's */
    CU_ASSERT_EQUAL(r->out.next_pc, r->s.end.pc);
    CU_ASSERT_EQUAL(r->out.halted, r->s.end.halted);
    CU_ASSERT_EQUAL(r->out.exit_code, r->s.end.exit_code);
    CU_ASSERT_EQUAL(r->out.input_eof, r->s.end.input_eof);
    CU_ASSERT_EQUAL(r->out.sys_done, r->s.end.sys_done);
    CU_ASSERT_EQUAL(r->out.bytes[0], r->s.end.input_pos - r->s.start.input_pos);
    CU_ASSERT_EQUAL(r->out.bytes[1], r->s.end.journal_len - r->s.start.journal_len);
    return 1;
}

cairn_err rvc_check(const rvc_mach *x, const rvc_run *r)
{
    stark_trace tt[RVC_NT];
    rvc_as_stark(tt, r);
    return stark_check_trace(x->m, tt, r->pub, RV_CPU_NPUB);
}

/* ---- programs ---- */

#define DATA 0x20000u
#define BUF 0x30000u

void rvc_ops_prog(prog_t *p)
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

const char RVC_INPUT[] = "abcdefgh";

/* the ECALLs of rvc_sys_prog, in order */
static const char *const SYS_NAMES[RVC_NSYS] = {
    "read 5 bytes", "read short to end of file", "read at end of file", "read EBADF", "read EFAULT",
    "read 0 bytes", "write(1) journal", "write(2) debug", "write EBADF", "write EFAULT",
    "write 0 bytes", "ENOSYS", "exit_group"};

const char *rvc_sys_name(size_t k) { return k < RVC_NSYS ? SYS_NAMES[k] : "?"; }

void rvc_sys_prog(prog_t *p)
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
    rvt_syscall(p, RVC_NOSYS, 0, 0, 0);           /* ENOSYS */
    emit_li(p, A0, 42);
    emit(p, ADDI(A7, ZERO, RV_SYS_EXIT_GROUP));
    emit(p, ECALL);
}

int rvc_parts_run(rvc_run *r, const rvc_mach *x)
{
    static prog_t p;
    p.n = 0;
    rvt_syscall(&p, RV_SYS_READ, 0, BUF, 40);
    rvt_syscall(&p, RVC_NOSYS, 0, 0, 0);
    rvt_syscall(&p, RV_SYS_WRITE, 1, BUF, 0);
    rvt_syscall(&p, RV_SYS_WRITE, 1, BUF, 40);
    emit_exit(&p, 7);
    const rv_budget b = {.io_words = 4};
    return rvc_run_make_seg(r, x, &p, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", &b, 2);
}

/* ---- alterations ---- */

void rvc_t_vd(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r, (void)i;
    row[c->vd] = (uint32_t)row[c->vd] ^ 1u;
}

void rvc_t_npc(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r, (void)i;
    /* the other branch outcome / a neighbouring word */
    uint32_t pc = (uint32_t)row[c->pc], imm = (uint32_t)row[c->imm], npc = (uint32_t)row[c->npc];
    uint32_t alt = npc == pc + 4 ? pc + imm : pc + 4;
    if (alt == npc) alt = npc + 4;
    row[c->npc] = alt;
}

void rvc_t_taken(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    rvc_t_npc(c, row, r, i);
    row[c->taken] ^= 1;
}

void rvc_t_store(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i)
{
    (void)r, (void)i;
    row[c->dnew] = (uint32_t)row[c->dnew] ^ 0x01010101u;
}

/* ---- alterations of the ecall table (i: the ECALL's cpu row) ---- */

/* The ecall row of the ECALL at cpu row i. */
static size_t ec_row(const rvc_mach *x, const rvc_run *r, size_t i)
{
    const size_t n = (size_t)1 << x->ec_log;
    for (size_t k = 0; k < n; k++) {
        const gl_t *q = r->main[RVC_EC] + k * x->ec.ncols;
        if (q[x->ec.active] && q[x->ec.ts] == 8 * (i + 1)) return k;
    }
    CU_FAIL_FATAL("no ecall row for the ECALL");
    return 0;
}
static gl_t *ec_at(const rvc_mach *x, rvc_run *r, size_t k) { return r->main[RVC_EC] + k * x->ec.ncols; }
/* adds d to column c of every row after row k */
static void ec_shift_after(const rvc_mach *x, rvc_run *r, size_t k, unsigned c, gl_t d)
{
    for (size_t j = k + 1; j < (size_t)1 << x->ec_log; j++) ec_at(x, r, j)[c] = gl_add(ec_at(x, r, j)[c], d);
}

static void et_vd(const rvc_mach *x, rvc_run *r, size_t i)
{
    gl_t *q = ec_at(x, r, ec_row(x, r, i));
    q[x->ec.vd] = (uint32_t)q[x->ec.vd] ^ 1u;
}

static void et_exit(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_at(x, r, ec_row(x, r, i))[x->ec.e[RV_EC_EXIT]] = 0; /* claim ENOSYS */
}

static void et_flag(const rvc_mach *x, rvc_run *r, size_t i)
{
    /* another outcome: pass -> error, error -> pass (as a write of fd 1),
     * ENOSYS -> error */
    static const int other[RV_EC_NE] = {RV_EC_EXIT, RV_EC_ERR, RV_EC_ERR, RV_EC_ERR, RV_EC_F1};
    gl_t *q = ec_at(x, r, ec_row(x, r, i));
    for (int k = 0; k < RV_EC_NE; k++)
        if (q[x->ec.e[k]]) {
            q[x->ec.e[k]] = 0;
            q[x->ec.e[other[k]]] = 1;
            return;
        }
    q[x->ec.e[RV_EC_ERR]] = 1;
}

static void et_isw(const rvc_mach *x, rvc_run *r, size_t i)
{
    /* an EBADF / EFAULT row claims the other call (read <-> write) */
    ec_at(x, r, ec_row(x, r, i))[x->ec.isw] ^= 1;
}

static void et_isf(const rvc_mach *x, rvc_run *r, size_t i)
{
    /* an EBADF row claims EFAULT and the other way round, with the result */
    gl_t *q = ec_at(x, r, ec_row(x, r, i));
    q[x->ec.isf] ^= 1;
    q[x->ec.vd] = (uint32_t)(q[x->ec.isf] ? -RV_EFAULT : -RV_EBADF);
}

static void et_io(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_at(x, r, ec_row(x, r, i))[x->ec.io] = 0; /* no hand-off to io */
}

/* the counter of the call's fd (0 or 1) one more after the call */
static void et_cnt(const rvc_mach *x, rvc_run *r, size_t i)
{
    const size_t k = ec_row(x, r, i);
    ec_shift_after(x, r, k, x->ec.cnt[ec_at(x, r, k)[x->ec.e[RV_EC_F1]] ? 1 : 0], 1);
}

static void et_eof(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_shift_after(x, r, ec_row(x, r, i), x->ec.eof, GL_P - 1); /* 1 -> 0 after the short read */
}

static void et_halt(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_shift_after(x, r, ec_row(x, r, i), x->ec.halt, GL_P - 1); /* not halted after the exit */
}

static void et_xc(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_shift_after(x, r, ec_row(x, r, i), x->ec.xc, 1); /* another exit code */
}

/* the ECALL's row removed (later rows move up, the final padding row
 * repeats its predecessor): the cpu's ECALL cycle has no ecall row */
static void et_delete(const rvc_mach *x, rvc_run *r, size_t i)
{
    const size_t k = ec_row(x, r, i), n = (size_t)1 << x->ec_log, w = x->ec.ncols;
    memmove(ec_at(x, r, k), ec_at(x, r, k + 1), (n - 1 - k) * w * sizeof(gl_t));
    memcpy(ec_at(x, r, n - 1), ec_at(x, r, n - 2), w * sizeof(gl_t));
    /* the row moved into k keeps the cycle order with its new predecessor */
    gl_t *q = ec_at(x, r, k);
    if (k > 0 && q[x->ec.active]) {
        const uint32_t gap = (uint32_t)(q[x->ec.ts] - ec_at(x, r, k - 1)[x->ec.ts] - 1);
        q[x->ec.olo] = gap & 0xffff;
        q[x->ec.ohi] = gap >> 16;
    }
}

/* the row of a non-final ECALL claims the segment's last cycle: (ts, 1)
 * is no tuple the cpu sends, and nothing else changes (only an exit
 * row's rules read `last`) */
static void et_last(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_at(x, r, ec_row(x, r, i))[x->ec.last] = 1;
}

/* a copy of the ENOSYS row i placed after the last active row, at the
 * next cycle: an ecall row that no cpu ECALL cycle sends */
static void et_spurious(const rvc_mach *x, rvc_run *r, size_t i)
{
    const size_t k = ec_row(x, r, i), n = (size_t)1 << x->ec_log, w = x->ec.ncols;
    size_t j = 0;
    while (j < n && ec_at(x, r, j)[x->ec.active]) j++;
    CU_ASSERT_FATAL(j > 0 && j < n);
    gl_t *q = ec_at(x, r, j);
    const gl_t prev_ts = ec_at(x, r, j - 1)[x->ec.ts];
    gl_t keep[6];
    const unsigned run[6] = {x->ec.cnt[0], x->ec.cnt[1], x->ec.eof, x->ec.seof, x->ec.halt, x->ec.xc};
    for (int c = 0; c < 6; c++) keep[c] = q[run[c]];
    memcpy(q, ec_at(x, r, k), w * sizeof(gl_t));
    for (int c = 0; c < 6; c++) q[run[c]] = keep[c];
    q[x->ec.ts] = prev_ts + 8;
    q[x->ec.last] = 0;
    q[x->ec.olo] = 7;
    q[x->ec.ohi] = 0;
}

static void add_case(rvc_case *out, size_t *n, int *first, size_t row, rvc_tamper_fn f, const char *what)
{
    CU_ASSERT_FATAL(*n < RVC_MAX_CASES);
    out[(*n)++] = (rvc_case){row, f, what, *first, NULL};
    *first = 0;
}

size_t rvc_op_cases(rvc_case *out, int *nops, const rvc_run *r)
{
    int done[RV_NOPS] = {0};
    size_t n = 0;
    *nops = 0;
    for (size_t i = 0; i < r->tr.nrows; i++) {
        rv_op op = (rv_op)r->tr.col[RV_COL_op][i];
        if (done[op] || op == RV_OP_ECALL) continue; /* ECALL: rvc_sys_cases */
        done[op] = 1;
        (*nops)++;
        int writes = r->tr.col[RV_COL_rd][i] != 0, first = 1;
        int branch = op >= RV_OP_BEQ && op <= RV_OP_BGEU;
        if (writes) add_case(out, &n, &first, i, rvc_t_vd, "rd value");
        if (op >= RV_OP_SB && op <= RV_OP_SW) add_case(out, &n, &first, i, rvc_t_store, "stored word");
        if (branch) {
            add_case(out, &n, &first, i, rvc_t_npc, "branch target");
            add_case(out, &n, &first, i, rvc_t_taken, "branch outcome");
        } else if (op == RV_OP_JAL || op == RV_OP_JALR || op == RV_OP_FENCE || !writes) {
            add_case(out, &n, &first, i, rvc_t_npc, "next pc");
        }
    }
    return n;
}

static void add_ecase(rvc_case *out, size_t *n, int *first, size_t row, rvc_etamper_fn f, const char *what)
{
    CU_ASSERT_FATAL(*n < RVC_MAX_CASES);
    out[(*n)++] = (rvc_case){row, NULL, what, *first, f};
    *first = 0;
}

size_t rvc_sys_cases(rvc_case *out, int *necalls, const rvc_run *r)
{
    size_t n = 0, enosys = SIZE_MAX;
    *necalls = 0;
    for (size_t i = 0; i < r->tr.nrows; i++) {
        if (r->tr.col[RV_COL_op][i] != RV_OP_ECALL) continue;
        int first = 1;
        (*necalls)++;
        const uint32_t a7 = r->tr.col[RV_COL_rs1_val][i], res = r->tr.col[RV_COL_rd_val][i];
        const uint32_t fd = r->tr.col[RV_COL_rs2_val][i];
        if (r->tr.col[RV_COL_rd][i]) {
            add_ecase(out, &n, &first, i, et_vd, "syscall result");
            add_ecase(out, &n, &first, i, et_flag, "syscall outcome");
            if (res == (uint32_t)-RV_EBADF || res == (uint32_t)-RV_EFAULT) {
                add_ecase(out, &n, &first, i, et_isw, "syscall read/write kind");
                add_ecase(out, &n, &first, i, et_isf, "syscall EBADF/EFAULT kind");
            }
            if (res == (uint32_t)-RV_ENOSYS) enosys = i;
            const int moves = (a7 == RV_SYS_READ || a7 == RV_SYS_WRITE) && res && res < (uint32_t)-4096;
            if (moves) add_ecase(out, &n, &first, i, et_io, "io hand-off dropped");
            if (moves && fd < 2) add_ecase(out, &n, &first, i, et_cnt, "byte counter");
            if (a7 == RV_SYS_READ && moves && res < r->tr.col[RV_COL_mem_val][i])
                add_ecase(out, &n, &first, i, et_eof, "end-of-file");
        } else {
            add_ecase(out, &n, &first, i, et_exit, "exit");
            add_ecase(out, &n, &first, i, et_vd, "exit leaves a0");
            add_ecase(out, &n, &first, i, et_halt, "halted");
            add_ecase(out, &n, &first, i, et_xc, "exit code");
        }
        add_ecase(out, &n, &first, i, et_delete, "ecall row missing");
    }
    CU_ASSERT_FATAL(enosys != SIZE_MAX);
    int first = 0;
    add_ecase(out, &n, &first, enosys, et_last, "ecall row unmatched (last cycle)");
    add_ecase(out, &n, &first, enosys, et_spurious, "spurious ecall row");
    return n;
}

static size_t cpu_bytes(const rvc_mach *x) { return ((size_t)1 << x->po2) * x->cpu.ncols * sizeof(gl_t); }
static size_t ec_bytes(const rvc_mach *x) { return ((size_t)1 << x->ec_log) * x->ec.ncols * sizeof(gl_t); }

size_t rvc_cpu_bytes(const rvc_mach *x) { return cpu_bytes(x) + ec_bytes(x); }

void rvc_apply(const rvc_mach *x, rvc_run *r, const rvc_case *c, gl_t *save)
{
    memcpy(save, r->main[RVC_CPU], cpu_bytes(x));
    memcpy((char *)save + cpu_bytes(x), r->main[RVC_EC], ec_bytes(x));
    if (c->ef)
        c->ef(x, r, c->row);
    else
        c->f(&x->cpu, r->main[RVC_CPU] + c->row * x->cpu.ncols, r, c->row);
    rvc_recount(x, r);
}

void rvc_undo(const rvc_mach *x, rvc_run *r, const gl_t *save)
{
    memcpy(r->main[RVC_CPU], save, cpu_bytes(x));
    memcpy(r->main[RVC_EC], (const char *)save + cpu_bytes(x), ec_bytes(x));
    rvc_recount(x, r);
}

/* ---- calls in parts (rvc_parts_run's segment) ---- */

void rvc_et_write_len(const rvc_mach *x, rvc_run *r, size_t i)
{
    const size_t k = ec_row(x, r, i);
    gl_t *q = ec_at(x, r, k);
    const uint32_t nt = (uint32_t)q[x->ec.len] - 1;
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    q[x->ec.nt] = q[x->ec.vd] = nt;
    rv_lt_fill(&x->ec.lt, q, &lk, 0, nt, (uint32_t)q[x->ec.len]);
    q[x->ec.nhi] = (nt - 1) >> 16;
    rv_lookups_free(&lk);
    ec_shift_after(x, r, k, x->ec.cnt[1], GL_P - 1);
}

void rvc_et_part_other(const rvc_mach *x, rvc_run *r, size_t i)
{
    ec_at(x, r, ec_row(x, r, i))[x->ec.part] = 1;
}

void rvc_et_part_eof(const rvc_mach *x, rvc_run *r, size_t i)
{
    gl_t *q = ec_at(x, r, ec_row(x, r, i));
    q[x->ec.part] = 1;
    q[x->ec.io] = 1;
    q[x->ec.sh] = GL_P - 1; /* ltc (1 - eof - part) */
}

void rvc_et_cycle0(const rvc_mach *x, rvc_run *r, size_t i)
{
    const size_t k = ec_row(x, r, i);
    CU_ASSERT_FATAL(k == 0);
    ec_shift_after(x, r, (size_t)-1, x->ec.sdone, 1); /* every row */
    ec_at(x, r, 0)[x->ec.dn] = 1;
    ec_shift_after(x, r, 0, x->ec.cnt[0], GL_P - 1); /* it moves one byte less */
}

/* the ecall row k: its k-th ECALL (PT_READ: the read's last part,
 * then ENOSYS and a write of 0 bytes, PT_WRITE: the write's first part,
 * which ends the segment) */
enum { PT_READ = 0, PT_WRITE = 3 };
static gl_t *pt_row(const rvc_mach *x, rvc_run *r, size_t k) { return ec_at(x, r, k); }
/* the cpu row of the segment's last cycle (the write's part) */
static gl_t *pt_cpu_last(const rvc_mach *x, rvc_run *r)
{
    return r->main[RVC_CPU] + (r->tr.nrows - 1) * x->cpu.ncols;
}

/* the read's last part claims fewer bytes done (dn) than the start
 * state's, so it moves 4 more (the input counter after it agrees) */
static void pt_dn(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_READ);
    q[x->ec.dn] = gl_sub(q[x->ec.dn], 4);
    ec_shift_after(x, r, PT_READ, x->ec.cnt[0], 4);
}

/* the write's part claims to be no part although not the last cycle
 * (last cleared): pn should be 1, and a part then needs the next cycle */
static void pt_pn(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    pt_row(x, r, PT_WRITE)[x->ec.pn] = 1;
}
static void pt_next(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_WRITE);
    q[x->ec.last] = 0;
    q[x->ec.pn] = 1;
}

/* the write's part moves no byte (nt = dn = 0, io = 0) */
static void pt_nobytes(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_WRITE);
    rv_lookups lk;
    rv_lookups_alloc(&lk);
    q[x->ec.nt] = 0;
    q[x->ec.io] = 0;
    q[x->ec.nhi] = 0;
    rv_lt_fill(&x->ec.lt, q, &lk, 0, 0, (uint32_t)q[x->ec.len]);
    rv_lookups_free(&lk);
    ec_shift_after(x, r, PT_WRITE, x->ec.dn, GL_P - 8); /* padding after it carries dn = 0 */
}

/* the write's part writes a0 (its byte count) */
static void pt_a0(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_WRITE);
    q[x->ec.vd] = q[x->ec.nt];
}

/* the write's row claims bytes done before it (dn 4, total 12: the same
 * 8 bytes), though the read before it finished its call */
static void pt_carry(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_WRITE);
    q[x->ec.dn] = 4;
    q[x->ec.nt] = 12;
    ec_shift_after(x, r, PT_WRITE, x->ec.dn, 4);
}

/* the read's last part returns another total than its bytes done */
static void pt_total(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_READ);
    q[x->ec.vd] = gl_add(q[x->ec.vd], 1);
}

/* the write's part flag 2 in the ecall table */
static void pt_bool(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    pt_row(x, r, PT_WRITE)[x->ec.part] = 2;
}

/* the start state's bytes done change after the first row */
static void pt_sdone(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    ec_shift_after(x, r, PT_READ, x->ec.sdone, 1);
}

/* the read's last part (cycle 0, 32 bytes done before the segment)
 * claims to be a call of an unknown number (ENOSYS: a7, its witnesses and
 * result made to hold): only a read or write continues a call in parts */
static void pt_notrw(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_row(x, r, PT_READ);
    const gl_t a7 = RVC_NOSYS;
    q[x->ec.e[RV_EC_F0]] = 0;
    q[x->ec.a7] = a7;
    q[x->ec.P1] = gl_mul(gl_sub(a7, 63), gl_sub(a7, 64));
    q[x->ec.W1] = gl_inv(q[x->ec.P1]);
    q[x->ec.P2] = gl_mul(gl_sub(a7, 93), gl_sub(a7, 94));
    q[x->ec.W2] = gl_inv(q[x->ec.P2]);
    q[x->ec.vd] = (gl_t)(uint32_t)-RV_ENOSYS;
}

/* the write's part, the table's last row, claims not to be the
 * segment's last cycle (so pn = 1 holds): a part must continue inside
 * the segment, and no row follows it */
static void pt_lastpn(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    CU_ASSERT_FATAL(PT_WRITE + 1 == (size_t)1 << x->ec_log);
    gl_t *q = pt_row(x, r, PT_WRITE);
    q[x->ec.last] = 0;
    q[x->ec.pn] = 1;
}

/* the cpu's last row (the write's part) moves on to pc + 4, or claims no
 * part while staying; or a part flag 2 (npc = pc - 4) */
static void pt_cpu_npc(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_cpu_last(x, r);
    q[x->cpu.npc] = gl_add(q[x->cpu.npc], 4);
}
static void pt_cpu_flag(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    pt_cpu_last(x, r)[x->cpu.b0] = 0;
}
static void pt_cpu_flag2(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_cpu_last(x, r);
    q[x->cpu.b0] = 2;
    q[x->cpu.npc] = gl_sub(q[x->cpu.npc], 4);
}
/* the write's part as the cpu would run a whole ECALL: flag 0, next pc
 * pc + 4 and the end state's pc with it, so every cpu constraint and the
 * STATE message hold while the ecall row still says "part": only the third
 * element of the (ts, last, part) tuple on RV_BUS_ECALL differs */
static void pt_cpu_whole(const rvc_mach *x, rvc_run *r, size_t i)
{
    (void)i;
    gl_t *q = pt_cpu_last(x, r);
    q[x->cpu.b0] = 0;
    q[x->cpu.npc] = gl_add(q[x->cpu.npc], 4);
    for (size_t row = 0; row < (size_t)1 << r->log[RVC_IOST]; row++) {
        gl_t *st = r->main[RVC_IOST] + row * I_NCOLS;
        if (st[I_MST] == 1 && st[I_ST + 0] == RV_STATE_END) st[I_ST + 1] = gl_add(st[I_ST + 1], 4);
    }
}

size_t rvc_part_cases(rvc_case *out, const char **msgs, const rvc_mach *x, const rvc_run *r)
{
    /* the part that breaks off: on a full table (the write's part on the
     * last row) only pt_lastpn applies, else (padding after it) pt_next */
    const int full = (size_t)1 << x->ec_log == PT_WRITE + 1;
    enum { ANY, PADDED, FULL };
    static const struct {
        rvc_etamper_fn f;
        int when;
        const char *what, *msg;
    } C[] = {
        {pt_dn, ANY, "bytes done not the start state's", "ecall: bytes done start at the start state's"},
        {pt_sdone, ANY, "start bytes done not constant", "ecall: start bytes done constant"},
        {pt_bool, ANY, "part flag 2", "ecall: part boolean"},
        {pt_pn, ANY, "pn set on the last cycle", "ecall: pn = part and not the last cycle"},
        {pt_nobytes, ANY, "a part that moves nothing", "ecall: a part moves bytes"},
        {pt_a0, ANY, "a part writes a0", "ecall: a part leaves a0"},
        {pt_carry, ANY, "bytes done not carried", "ecall: bytes done carry"},
        {pt_total, ANY, "a last part's result", "ecall: the last part returns the total"},
        {pt_cpu_npc, ANY, "a part's next pc", "cpu: ECALL npc = pc + 4, or pc for a part"},
        {pt_cpu_flag, ANY, "a part without the cpu's flag", "cpu: ECALL npc = pc + 4, or pc for a part"},
        {pt_cpu_flag2, ANY, "a part flag 2", "cpu: ECALL part flag boolean"},
        {pt_cpu_whole, ANY, "the cpu runs a whole call where the ecall row has a part", "do not balance: bus 11;"},
        {pt_notrw, ANY, "an ENOSYS call continues a call in parts",
         "ecall: only a read/write continues a call in parts"},
        {pt_next, PADDED, "a part not followed by its ECALL", "ecall: a part continues at the next cycle"},
        {pt_lastpn, FULL, "a part on the table's last row not the last cycle",
         "ecall: a part continues in the segment"},
    };
    size_t n = 0;
    for (size_t k = 0; k < sizeof C / sizeof *C; k++) {
        if (C[k].when != ANY && (C[k].when == FULL) != full) continue;
        out[n] = (rvc_case){r->tr.nrows - 1, NULL, C[k].what, 1, C[k].f};
        msgs[n++] = C[k].msg;
    }
    return n;
}
