/* The interpreter loop, included three times by rv_exec.c: plain, with
 * per-cycle trace recording (RV_LOOP_TRACE 1) and with segment budget
 * checks (RV_LOOP_BUDGET 1), so the fast path carries neither recording
 * nor budget code. Needs RV_LOOP_NAME, RV_LOOP_TRACE and RV_LOOP_BUDGET.
 *
 * With RV_LOOP_BUDGET the loop also stops with RV_STOP_BUDGET before an
 * instruction that would take the segment past its budget (budget_check,
 * called where that instruction first touches a page in the segment, at
 * ECALL and, as a counter compare, at the M ops); pc and cycle then
 * point at that instruction, which has not run. It stops the same way
 * after an ECALL that ran as a part (rv.h "System calls in parts"): that
 * cycle has run, and pc points at the ECALL, which continues.
 *
 * Per instruction the fast path does: the stop-cycle compare, a page-change
 * test on pc (the decoded page of the current pc is cached in `dec`),
 * and a computed-goto dispatch on the pre-decoded entry. Data accesses
 * look the page up in the flat page table and test its epoch stamp; only
 * the first touch (or first write) of a page in a segment leaves the fast
 * path. Register index 32 (RV_XSINK) absorbs writes to x0. */

#if RV_LOOP_TRACE && RV_LOOP_BUDGET
#error "the trace loop re-executes recorded segments and has no budget"
#endif

static int RV_LOOP_NAME(rv_machine *m, uint64_t stop)
{
    static const void *const labels[RV_NOPS + 1] = {
#define RV_LABEL_(n) &&L_##n,
        RV_OPS(RV_LABEL_)
#undef RV_LABEL_
        &&L_FETCHFAULT,
    };
    uint32_t x[33];
    memcpy(x, m->x, sizeof x);
    uint32_t pc = m->pc;
    uint64_t cycle = m->cycle;
    const uint32_t ep = m->epoch;
    rv_page **const pt = m->pt;
    const rv_decoded *dec = g_fault_dec;
    uint32_t dbase = 0;
    const rv_decoded *d;
    int reason;
    uint32_t faddr = 0;
    rv_fault_kind fkind = RV_FAULT_NONE;
#if RV_LOOP_TRACE
    uint32_t *const *col = m->trace->col;
    const uint64_t row0 = m->seg_start_cycle;
    const rv_page *cur_page = NULL;
    size_t row = 0;
    int pending = 0;
#define TR(c, v) (col[RV_COL_##c][row] = (uint32_t)(v))
#endif

#define NEXT goto next
#if RV_LOOP_BUDGET
/* before the instruction at pc; adj = 1 once its cycle is counted */
#define BUDGET_CHECK(adj)                                                      \
    do {                                                                       \
        int b_ = budget_check(m, x, pc, cycle - (adj) - m->seg_start_cycle);   \
        if (__builtin_expect(b_ != BUDGET_FITS, 0)) {                          \
            cycle -= (adj);                                                    \
            reason = b_ == BUDGET_FULL ? RV_STOP_BUDGET : RV_STOP_ERROR;       \
            goto out;                                                          \
        }                                                                      \
    } while (0)
/* M ops: only the muldiv count changes (the fetch page is touched) */
#define MULDIV_GATE                                                            \
    if (__builtin_expect(m->seg_muldiv >= m->muldiv_lim, 0)) {                 \
        cycle--;                                                               \
        reason = RV_STOP_BUDGET;                                               \
        goto out;                                                              \
    }                                                                          \
    m->seg_muldiv++;
#else
#define BUDGET_CHECK(adj) ((void)0)
#define MULDIV_GATE
#endif
#define FAULT(kind, addr)                                                      \
    do {                                                                       \
        fkind = (kind);                                                        \
        faddr = (addr);                                                        \
        goto fault;                                                            \
    } while (0)

next:
#if RV_LOOP_TRACE
    if (pending) {
        TR(rd_val, d->rd == RV_XSINK ? 0 : x[d->rd]);
        TR(next_pc, pc);
        pending = 0;
    }
#endif
    if (__builtin_expect(cycle >= stop, 0)) {
        reason = RV_STOP_CYCLES;
        goto out;
    }
    if (__builtin_expect((pc ^ dbase) >> RV_PAGE_LOG, 0)) {
        rv_page *p = pt[pc >> RV_PAGE_LOG];
        if (!p || p->tepoch != ep || !p->dec) {
            if (RV_LOOP_BUDGET && (!p || p->tepoch != ep)) BUDGET_CHECK(0);
            p = fetch_slow(m, pc);
            if (!p) {
                if (m->err == CAIRN_ERR_FAULT) FAULT(RV_FAULT_ACCESS, pc);
                reason = RV_STOP_ERROR;
                goto out;
            }
        }
        dec = p->dec;
        dbase = pc & ~(RV_PAGE_BYTES - 1);
#if RV_LOOP_TRACE
        cur_page = p;
#endif
    }
    d = &dec[(pc >> 2) & (RV_PAGE_WORDS - 1)];
#if RV_LOOP_TRACE
    row = (size_t)(cycle - row0);
    TR(cycle, cycle - row0);
    TR(pc, pc);
    {
        uint32_t w = 0;
        if (cur_page && dbase) memcpy(&w, cur_page->b + (pc & (RV_PAGE_BYTES - 1)), 4);
        TR(insn, w);
    }
    TR(op, d->op);
    TR(rs1, d->rs1);
    TR(rs1_val, x[d->rs1]);
    TR(rs2, d->rs2);
    TR(rs2_val, x[d->rs2]);
    TR(rd, d->rd == RV_XSINK ? 0 : d->rd);
    TR(mem_addr, 0); /* overwritten by loads and stores */
    TR(mem_width, 0);
    TR(mem_write, 0);
    TR(mem_val, 0);
    TR(mem_before, 0);
    TR(mem_after, 0);
    pending = 1;
#endif
    cycle++;
    goto *labels[d->op];

#define ALU_(name, gate, expr)                                                 \
    L_##name : {                                                               \
        gate                                                                   \
        const uint32_t a = x[d->rs1], b = x[d->rs2];                           \
        const uint32_t imm = (uint32_t)d->imm;                                 \
        (void)a; (void)b; (void)imm;                                           \
        x[d->rd] = (expr);                                                     \
        pc += 4;                                                               \
        NEXT;                                                                  \
    }
#define ALU(name, expr) ALU_(name, , expr)
#define MALU(name, expr) ALU_(name, MULDIV_GATE, expr)
    ALU(LUI, imm)
    ALU(AUIPC, pc + imm)
    ALU(ADDI, a + imm)
    ALU(SLTI, (int32_t)a < (int32_t)imm)
    ALU(SLTIU, a < imm)
    ALU(XORI, a ^ imm)
    ALU(ORI, a | imm)
    ALU(ANDI, a & imm)
    ALU(SLLI, a << imm)
    ALU(SRLI, a >> imm)
    ALU(SRAI, (uint32_t)((int32_t)a >> imm))
    ALU(ADD, a + b)
    ALU(SUB, a - b)
    ALU(SLL, a << (b & 31))
    ALU(SLT, (int32_t)a < (int32_t)b)
    ALU(SLTU, a < b)
    ALU(XOR, a ^ b)
    ALU(SRL, a >> (b & 31))
    ALU(SRA, (uint32_t)((int32_t)a >> (b & 31)))
    ALU(OR, a | b)
    ALU(AND, a & b)
    MALU(MUL, a * b)
    MALU(MULH, (uint32_t)(((int64_t)(int32_t)a * (int64_t)(int32_t)b) >> 32))
    MALU(MULHSU, (uint32_t)(((int64_t)(int32_t)a * (int64_t)(uint64_t)b) >> 32))
    MALU(MULHU, (uint32_t)(((uint64_t)a * b) >> 32))
    /* M extension, "Division Operations": x/0 = -1, x%0 = x, and the one
     * signed overflow INT_MIN / -1 = INT_MIN with remainder 0. */
    MALU(DIV, b == 0 ? 0xffffffffu
             : (a == 0x80000000u && b == 0xffffffffu) ? a
             : (uint32_t)((int32_t)a / (int32_t)b))
    MALU(DIVU, b == 0 ? 0xffffffffu : a / b)
    MALU(REM, b == 0 ? a : (a == 0x80000000u && b == 0xffffffffu) ? 0 : (uint32_t)((int32_t)a % (int32_t)b))
    MALU(REMU, b == 0 ? a : a % b)
#undef ALU
#undef MALU
#undef ALU_

L_FENCE:
    pc += 4;
    NEXT;

#define BRANCH(name, cond)                                                     \
    L_##name : {                                                               \
        const uint32_t a = x[d->rs1], b = x[d->rs2];                           \
        if (cond) {                                                            \
            uint32_t t = pc + (uint32_t)d->imm;                                \
            if (__builtin_expect(t & 3, 0)) FAULT(RV_FAULT_MISALIGNED, t);     \
            pc = t;                                                            \
        } else {                                                               \
            pc += 4;                                                           \
        }                                                                      \
        NEXT;                                                                  \
    }
    BRANCH(BEQ, a == b)
    BRANCH(BNE, a != b)
    BRANCH(BLT, (int32_t)a < (int32_t)b)
    BRANCH(BGE, (int32_t)a >= (int32_t)b)
    BRANCH(BLTU, a < b)
    BRANCH(BGEU, a >= b)
#undef BRANCH

L_JAL: {
    uint32_t t = pc + (uint32_t)d->imm;
    if (__builtin_expect(t & 3, 0)) FAULT(RV_FAULT_MISALIGNED, t);
    x[d->rd] = pc + 4;
    pc = t;
    NEXT;
}
L_JALR: {
    uint32_t t = (x[d->rs1] + (uint32_t)d->imm) & ~1u;
    if (__builtin_expect(t & 3, 0)) FAULT(RV_FAULT_MISALIGNED, t);
    x[d->rd] = pc + 4;
    pc = t;
    NEXT;
}

#if RV_LOOP_TRACE
#define TRACE_MEM(width, wr, val, before, after)                               \
    do {                                                                       \
        TR(mem_addr, a);                                                       \
        TR(mem_width, width);                                                  \
        TR(mem_write, wr);                                                     \
        TR(mem_val, val);                                                      \
        TR(mem_before, before);                                                \
        TR(mem_after, after);                                                  \
    } while (0)
#else
#define TRACE_MEM(width, wr, val, before, after) ((void)0)
#endif

#define LOAD(name, width, T, ext)                                              \
    L_##name : {                                                               \
        const uint32_t a = x[d->rs1] + (uint32_t)d->imm;                       \
        if (__builtin_expect(a & ((width) - 1), 0)) FAULT(RV_FAULT_MISALIGNED, a); \
        rv_page *p = pt[a >> RV_PAGE_LOG];                                     \
        if (__builtin_expect(!p || p->tepoch != ep, 0)) {                      \
            BUDGET_CHECK(1);                                                   \
            p = touch_slow(m, a >> RV_PAGE_LOG, 0);                            \
            if (!p) goto mem_error_##name;                                     \
        }                                                                      \
        T v;                                                                   \
        memcpy(&v, p->b + (a & (RV_PAGE_BYTES - 1)), sizeof v);                \
        x[d->rd] = (uint32_t)(ext)v;                                           \
        if (RV_LOOP_TRACE) {                                                   \
            uint32_t w_;                                                       \
            memcpy(&w_, p->b + (a & (RV_PAGE_BYTES - 4)), 4);                  \
            TRACE_MEM(width, 0, (uint32_t)v, w_, w_);                          \
        }                                                                      \
        pc += 4;                                                               \
        NEXT;                                                                  \
    mem_error_##name:                                                          \
        if (m->err == CAIRN_ERR_FAULT) FAULT(RV_FAULT_ACCESS, a);              \
        cycle--;                                                               \
        reason = RV_STOP_ERROR;                                                \
        goto out;                                                              \
    }
    LOAD(LB, 1, uint8_t, int8_t)
    LOAD(LH, 2, uint16_t, int16_t)
    LOAD(LW, 4, uint32_t, uint32_t)
    LOAD(LBU, 1, uint8_t, uint8_t)
    LOAD(LHU, 2, uint16_t, uint16_t)
#undef LOAD

#define STORE(name, width, T)                                                  \
    L_##name : {                                                               \
        const uint32_t a = x[d->rs1] + (uint32_t)d->imm;                       \
        if (__builtin_expect(a & ((width) - 1), 0)) FAULT(RV_FAULT_MISALIGNED, a); \
        rv_page *p = pt[a >> RV_PAGE_LOG];                                     \
        if (__builtin_expect(!p || p->wepoch != ep, 0)) {                      \
            if (RV_LOOP_BUDGET && (!p || p->tepoch != ep)) BUDGET_CHECK(1);    \
            p = touch_slow(m, a >> RV_PAGE_LOG, 1);                            \
            if (!p) goto mem_error_##name;                                     \
        }                                                                      \
        uint32_t before_ = 0;                                                  \
        if (RV_LOOP_TRACE) memcpy(&before_, p->b + (a & (RV_PAGE_BYTES - 4)), 4); \
        const T v = (T)x[d->rs2];                                              \
        memcpy(p->b + (a & (RV_PAGE_BYTES - 1)), &v, sizeof v);                \
        if (__builtin_expect(p->dec != NULL, 0)) redecode(p, a);               \
        if (RV_LOOP_TRACE) {                                                   \
            uint32_t after_;                                                   \
            memcpy(&after_, p->b + (a & (RV_PAGE_BYTES - 4)), 4);              \
            TRACE_MEM(width, 1, (uint32_t)v, before_, after_);                 \
        }                                                                      \
        (void)before_;                                                         \
        pc += 4;                                                               \
        NEXT;                                                                  \
    mem_error_##name:                                                          \
        if (m->err == CAIRN_ERR_FAULT) FAULT(RV_FAULT_ACCESS, a);              \
        cycle--;                                                               \
        reason = RV_STOP_ERROR;                                                \
        goto out;                                                              \
    }
    STORE(SB, 1, uint8_t)
    STORE(SH, 2, uint16_t)
    STORE(SW, 4, uint32_t)
#undef STORE
#undef TRACE_MEM

L_ECALL: {
#if RV_LOOP_BUDGET
    BUDGET_CHECK(1); /* sets m->part_end */
#else
    /* re-execution: a call in parts stops where the snapshot's end state
     * says, on the segment's last cycle (end_done is 0 otherwise) */
    m->part_end = cycle == stop ? m->end_done : 0;
#endif
#if RV_LOOP_TRACE
    TR(mem_before, m->io.sys_done);
#endif
    memcpy(m->x, x, sizeof x);
    m->pc = pc;
    m->cycle = cycle;
#if RV_LOOP_TRACE
    TR(rs1, 17);
    TR(rs1_val, x[17]);
    TR(rs2, 10);
    TR(rs2_val, x[10]);
    TR(rd, 10);
    /* the syscall's buffer and length (rv.h, "ECALL rows"); its words are
     * rows of the io table, recorded by do_ecall */
    TR(mem_addr, x[11]);
    TR(mem_val, x[12]);
    m->io_cycle = (uint32_t)row;
#endif
    int r = do_ecall(m);
    memcpy(x, m->x, sizeof x);
#if RV_LOOP_TRACE
    TR(mem_after, m->io.sys_done);
#endif
    if (r == ECALL_PART) {
        /* pc stays on the ECALL, a0 keeps its argument; the instruction
         * retires with its last part */
#if RV_LOOP_TRACE
        TR(rd_val, x[10]);
        TR(next_pc, pc);
        pending = 0;
#endif
#if RV_LOOP_BUDGET
        /* the part took what the segment had left: it ends here */
        reason = RV_STOP_BUDGET;
        goto out;
#else
        NEXT;
#endif
    }
    pc += 4;
    if (r == ECALL_CONTINUE) {
#if RV_LOOP_TRACE
        /* the row reports a0 as rd */
        TR(rd_val, x[10]);
        TR(next_pc, pc);
        pending = 0;
#endif
        NEXT;
    }
#if RV_LOOP_TRACE
    TR(rd, 0);
    TR(rd_val, 0);
    TR(next_pc, pc);
    pending = 0;
#endif
    if (r == ECALL_HALT) {
        reason = RV_STOP_HALT;
        goto out;
    }
    pc -= 4;
    cycle--;
    if (m->err == CAIRN_ERR_FAULT) {
        fkind = RV_FAULT_ACCESS;
        faddr = m->fault.addr;
        goto fault;
    }
    reason = RV_STOP_ERROR;
    goto out;
}

L_ILLEGAL:
    FAULT(RV_FAULT_ILLEGAL, 0);
L_EBREAK:
    FAULT(RV_FAULT_EBREAK, 0);
L_FETCHFAULT:
    FAULT(RV_FAULT_ACCESS, pc);

fault:
    cycle--; /* the faulting instruction does not retire */
#if RV_LOOP_TRACE
    pending = 0;
#endif
    m->fault.kind = fkind;
    m->fault.pc = pc;
    m->fault.addr = faddr;
    m->fault.insn = peek_word(m, pc);
    m->err = cairn_fail(CAIRN_ERR_FAULT, "guest fault at pc 0x%08x (instruction 0x%08x): %s, address 0x%08x",
                        pc, m->fault.insn, rv_fault_name(fkind), faddr);
    reason = RV_STOP_FAULT;
out:
    memcpy(m->x, x, sizeof x);
    m->x[0] = 0;
    m->pc = pc;
    m->cycle = cycle;
    return reason;
#undef NEXT
#undef FAULT
#undef BUDGET_CHECK
#undef MULDIV_GATE
#if RV_LOOP_TRACE
#undef TR
#endif
}
