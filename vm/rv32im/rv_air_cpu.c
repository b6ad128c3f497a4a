/* The cpu table (rv_air_cpu.h): layout, constraints and fill.
 *
 * Notation in the comments: A = active, the decode flags LUI .. ECALL
 * (0/1, degree 1, 0 on inactive rows), ALU = ALUR + ALUI + SHI, LS = LOAD
 * + STORE, S_x the sub-op flags (decode's, equally trustworthy: the
 * decode lookup pins them), ts = 8 (cycle + 1). Every constraint has
 * degree <= 3. Values are u32 field elements (rv_air_alu.h "Values"):
 * register values by the memory argument, the immediate from decoding,
 * and every value written (vd, dnew, npc) by a range check or by being
 * assembled from checked parts, as each rule below says. */
#include "rv_air_cpu.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_bld.h"
#include "rv_air_tables.h"

#define TWO16 ((gl_t)1 << 16)
#define TWO32 ((gl_t)1 << 32)
/* 4^-1 mod p: word address = pc * INV4 for a 4-aligned pc */
#define INV4 ((gl_t)0xbfffffff40000001ull)

/* ---- layout ------------------------------------------------------------- */

void rv_cpu_layout(rv_cpu *c, unsigned log_n)
{
    memset(c, 0, sizeof *c);
    c->log_n = log_n;
    rv_cols k = {0};
#define ONE(f) (c->f = rv_col_alloc(&k, 1))
    ONE(active);
    ONE(last);
    ONE(pc);
    ONE(pch);
    ONE(npc);
    ONE(imm);
    ONE(v1);
    ONE(v2);
    ONE(vd);
    ONE(pd);
    c->sv = c->pd; /* stores write no rd: their stored sub-word takes pd's column */
    ONE(dprev);
    ONE(dnew);
    ONE(daddr);
    ONE(n1);
    ONE(n2);
    ONE(wd);
    ONE(taken);
    rv_decode_layout(&c->dec, &k);
    rv_mem_layout(&c->m_fetch, &k);
    rv_mem_layout(&c->m_rs1, &k);
    rv_mem_layout(&c->m_rs2, &k);
    rv_mem_layout(&c->m_data, &k);
    rv_mem_layout(&c->m_rd, &k);
    rv_add_layout(&c->add, &k);

    /* region R: each group of mutually exclusive rows lays out from r0 */
    c->r0 = k.n;
    unsigned end = k.n;
    rv_cols r;
    /* ALU / branch: comparator (+ eq inverse), or shifter, or bitwise */
    r = k;
    rv_lt_layout(&c->lt, &r, 1);
    c->eq.eq = c->lt.lt;
    c->eq.inv = rv_col_alloc(&r, 1);
    end = r.n > end ? r.n : end;
    /* the shifter's result limbs and sign of a on the comparator's d and
     * sa: one range lookup per column serves both (cpu_build) */
    r = k;
    r.n = c->lt.d.lo;
    rv_shift_layout(&c->shift, &r, 1);
    assert(c->shift.c.lo == c->lt.d.lo && c->shift.c.hi == c->lt.d.hi &&
           c->shift.sa.l0 == c->lt.sa.l0 && c->shift.sa.l1 == c->lt.sa.l1);
    c->lt.d.ext = c->shift.c.ext = c->lt.sa.ext = c->shift.sa.ext = 1;
    end = r.n > end ? r.n : end;
    r = k;
    c->b0 = rv_col_alloc(&r, 1); /* JALR uses nothing else in R */
    /* loads / stores: bitwise byte splits + selection */
    r = k;
    rv_bitwise_layout(&c->bw, &r);
    for (int i = 0; i < 4; i++) c->p[i] = rv_col_alloc(&r, 1);
    c->rv = rv_col_alloc(&r, 1);
    c->msb = rv_col_alloc(&r, 1);
    end = r.n > end ? r.n : end;
    c->rn = end - c->r0;
    c->ncols = end;
#undef ONE
}

/* ---- build -------------------------------------------------------------- */

static air_expr sum(B *b, const air_expr *x, unsigned n)
{
    air_expr s = K(b, 0);
    for (unsigned i = 0; i < n; i++) s = add(b, s, x[i]);
    return s;
}
/* (x - y)(x - y - 2^32): x = y mod 2^32 for y a u32 and x in [0, 2^33) */
static air_expr wrap_eq(B *b, air_expr x, air_expr y)
{
    air_expr d = sub(b, x, y);
    return mul(b, d, sub(b, d, K(b, TWO32)));
}
/* a range lookup (value, bits) with an expression as width */
static void range(B *b, air_expr mult, air_expr value, air_expr bits)
{
    air_expr tup[2] = {value, bits};
    air_interact(b->m, b->t, RV_BUS_RANGE, AIR_SEND, mult, tup, 2);
}

static void cpu_build(rv_cpu *c, air_machine *m, air_table *t)
{
    B bb = {m, t}, *b = &bb;
    rv_decode_gadget *dg = &c->dec; /* build records expressions in it */
    air_expr A = col(b, c->active), one = K(b, 1);
    air_expr FIRST = air_sel(m, t, AIR_SEL_FIRST), LASTR = air_sel(m, t, AIR_SEL_LAST);
    air_expr TRANS = air_sel(m, t, AIR_SEL_TRANS);
    air_expr cyc = air_col(m, t, AIR_PRE, 0, 0);
    air_expr ts = scl(b, add(b, cyc, one), 8);
    air_expr pc = col(b, c->pc), npc = col(b, c->npc), imm = col(b, c->imm);
    air_expr v1 = col(b, c->v1), v2 = col(b, c->v2), vd = col(b, c->vd);
    air_expr dprev = col(b, c->dprev), dnew = col(b, c->dnew), daddr = col(b, c->daddr);

    /* -- active rows: a prefix of length public cycles -- */
    con(b, bit(b, A), "cpu: active boolean");
    con(b, mul(b, FIRST, sub(b, one, A)), "cpu: row 0 active");
    con(b, mul(b, TRANS, mul(b, nxt(b, c->active), sub(b, one, A))), "cpu: active never rises");
    air_expr last = col(b, c->last);
    con(b, mul(b, TRANS, add(b, sub(b, last, A), nxt(b, c->active))), "cpu: last = active - active'");
    con(b, mul(b, LASTR, sub(b, last, A)), "cpu: last on the final row");
    con(b, mul(b, last, sub(b, add(b, cyc, one), air_pub(m, t, RV_CPU_PUB_CYCLES))),
        "cpu: cycles = index of the last active row + 1");

    /* -- fetch and decode -- */
    const unsigned dc = c->dec.col;
    air_expr rdf = add(b, col(b, dc + RV_DEC_C_RD0), scl(b, col(b, dc + RV_DEC_C_RD_HI), 2));
    air_expr rs1f = col(b, dc + RV_DEC_C_RS1);
    air_expr rs2f = add(b, col(b, dc + RV_DEC_C_RS2_0), scl(b, col(b, dc + RV_DEC_C_RS2_HI), 2));
    air_expr f7 = add(b, col(b, dc + RV_DEC_C_F7LO), scl(b, col(b, dc + RV_DEC_C_SIGN), 64));
    /* the fetched word is the sum of the decoded fields (each range-checked
     * by decode, so the sum is the word's unique split; the memory value
     * is a u32); the opcode is the expression of the class flags that the
     * decode lookup pins to the class's opcode (rv_decode_opcode) */
    air_expr word = rv_decode_opcode(dg, m, t, A);
    word = add(b, word, scl(b, rdf, 1u << 7));
    word = add(b, word, scl(b, col(b, dc + RV_DEC_C_FUNCT3), 1u << 12));
    word = add(b, word, scl(b, rs1f, 1u << 15));
    word = add(b, word, scl(b, rs2f, 1u << 20));
    word = add(b, word, scl(b, f7, 1u << 25));
    rv_decode_build(dg, m, t, A, word);
    air_expr F[RV_DEC_NFLAGS];
    for (int i = 0; i < RV_DEC_NFLAGS; i++) F[i] = dg->flag[i];
    air_expr LOAD = F[RV_DEC_LOAD], STORE = F[RV_DEC_STORE], ECALL = F[RV_DEC_ECALL];
    air_expr BRANCH = F[RV_DEC_BRANCH], JAL = F[RV_DEC_JAL], JALR = F[RV_DEC_JALR];
    air_expr LS = add(b, LOAD, STORE);
    con(b, sub(b, imm, dg->imm), "cpu: imm = decoded immediate");

    /* fetch: word address pc / 4; pc 4-aligned with page >= 1: pc/4 - 256
     * = lo + 2^16 pch, lo < 2^16, pch < 2^14. pc is a u32 (row 0: the
     * start state's; later rows: the previous npc), so 4 (pc/4) = pc as
     * integers, pc is aligned and pc/4 in [256, 2^30). */
    air_expr pcw = scl(b, pc, INV4);
    rv_mem_build(&c->m_fetch, m, t, A, pcw, word, word, ts);
    air_expr pch = col(b, c->pch);
    range(b, A, sub(b, sub(b, pcw, K(b, 256)), scl(b, pch, TWO16)), K(b, 16));
    range(b, A, pch, K(b, 14));
    /* next pc: a 4-aligned u32 on every active row (a misaligned target
     * has no valid row), with no limbs of its own: a row followed by an
     * active row has npc = the next row's pc, which that row's fetch
     * checks above (16 + 14 bits, also page >= 1: a jump to page 0 faults
     * there); the last active row's npc is the end state's pc, which the
     * state table checks (16 + 14 bits, rv_air_state.h). The wrap_eq
     * rules below rely on npc being a u32. */
    con(b, mul(b, TRANS, mul(b, nxt(b, c->active), sub(b, nxt(b, c->pc), npc))),
        "cpu: next active row's pc = npc");

    /* -- sub-op flags: columns of the decode gadget, pinned by the decode
     * lookup to the class's values (one-hot in their group, 0 elsewhere) -- */
    air_expr S[RV_DEC_NSUB];
    for (int i = 0; i < RV_DEC_NSUB; i++) S[i] = dg->sub[i];
    /* NEG and U are no columns: the decode gadget's degree-1 expressions of
     * funct3 and the flags, which are the flag's value on branch rows (neg)
     * and on load/store rows (U); each rule below that uses one is gated
     * so that it vanishes on every other row (rv_air_decode.h) */
    air_expr neg = dg->neg_br, taken = col(b, c->taken);
    air_expr WB = S[RV_DEC_S_WB], WH = S[RV_DEC_S_WH], WW = S[RV_DEC_S_WW], U = dg->u_ls;

    /* -- registers -- */
    air_expr n1 = col(b, c->n1), n2 = col(b, c->n2), wd = col(b, c->wd);
    con(b, bit(b, n1), "cpu: n1 boolean");
    con(b, bit(b, n2), "cpu: n2 boolean");
    con(b, bit(b, wd), "cpu: wd boolean");
    /* (an ECALL names no register: the ecall table makes its accesses) */
    con(b, mul(b, n1, sub(b, one, dg->reads_rs1)), "cpu: rs1 read only if named");
    con(b, mul(b, n2, sub(b, one, dg->reads_rs2)), "cpu: rs2 read only if named");
    con(b, mul(b, wd, sub(b, one, dg->writes_rd)), "cpu: rd write only if named");
    con(b, mul(b, dg->rs1, sub(b, one, n1)), "cpu: rs1 != x0 is read");
    con(b, mul(b, dg->rs2, sub(b, one, n2)), "cpu: rs2 != x0 is read");
    con(b, mul(b, dg->rd, sub(b, one, wd)), "cpu: rd != x0 is written");
    con(b, mul(b, sub(b, one, n1), v1), "cpu: x0 / no rs1 reads 0");
    con(b, mul(b, sub(b, one, n2), v2), "cpu: x0 / no rs2 reads 0");
    air_expr regb = K(b, RV_REG_ADDR(0));
    rv_mem_build(&c->m_rs1, m, t, n1, add(b, regb, rs1f), v1, v1, add(b, ts, K(b, RV_SLOT_RS1)));
    rv_mem_build(&c->m_rs2, m, t, n2, add(b, regb, rs2f), v2, v2, add(b, ts, K(b, RV_SLOT_RS2)));
    rv_mem_build(&c->m_rd, m, t, wd, add(b, regb, rdf), col(b, c->pd), vd, add(b, ts, K(b, RV_SLOT_RD)));

    /* -- the adder: ADD(I), AUIPC, JAL/JALR link pc + 4, load/store
     *    address */
    air_expr S_ADD = S[RV_DEC_S_ADD], AUIPC = F[RV_DEC_AUIPC];
    air_expr LINK = add(b, JAL, JALR);
    air_expr add_sel = add(b, add(b, add(b, S_ADD, AUIPC), LINK), LS);
    air_expr add_a = add(b, mul(b, add(b, S_ADD, LS), v1), mul(b, add(b, AUIPC, LINK), pc));
    air_expr add_b = add(b, mul(b, S_ADD, add(b, v2, imm)), mul(b, add(b, AUIPC, LS), imm));
    add_b = add(b, add_b, scl(b, LINK, 4));
    /* The sum's two limbs have two readings. Loads/stores: the word address
     * minus 256 (16 + 14 bits: page >= 1, below 2^30) and the sum 4 (256 +
     * limbs) + offset, in [1024, 2^32); every other adder row: the sum itself
     * (16 + 16 bits, rv_add). Either way a + b = c + 2^32 carry is an integer
     * equation (both sides below 2^33 < p) and c = (a + b) mod 2^32. */
    air_expr p[4];
    for (int i = 0; i < 4; i++) p[i] = col(b, c->p[i]);
    air_expr off = add(b, add(b, p[1], scl(b, p[2], 2)), scl(b, p[3], 3));
    air_expr alo = col(b, c->add.c.lo), ahi = col(b, c->add.c.hi), carry = col(b, c->add.carry);
    air_expr limbs = add(b, alo, scl(b, ahi, TWO16));
    air_expr add_c = add(b, limbs, mul(b, LS, add(b, add(b, scl(b, limbs, 3), K(b, 1024)), off)));
    con(b, mul(b, add_sel, sub(b, add(b, add_a, add_b), add(b, add_c, scl(b, carry, TWO32)))),
        "cpu: adder a + b = c + 2^32 carry");
    con(b, mul(b, add_sel, bit(b, carry)), "cpu: adder carry boolean");
    range(b, add_sel, alo, K(b, 16));
    range(b, add_sel, ahi, sub(b, K(b, 16), scl(b, LS, 2)));
    con(b, mul(b, add(b, add(b, S_ADD, AUIPC), LINK), sub(b, vd, add_c)), "cpu: rd = adder sum");
    con(b, mul(b, F[RV_DEC_LUI], sub(b, vd, imm)), "cpu: LUI rd = imm");

    /* -- comparator: SUB, SLT(I)(U), BLT/BGE(U) (branches carry SLT's /
     * SLTU's flag). b is rs2 on register forms and branches (whose
     * immediate is the offset), the immediate on SLTI(U) (rs2 reads 0
     * there) -- */
    air_expr ltop = add(b, add(b, S[RV_DEC_S_SUB], S[RV_DEC_S_SLT]), S[RV_DEC_S_SLTU]);
    air_expr lt_sel = ltop;
    air_expr lt_sgn = S[RV_DEC_S_SLT];
    air_expr lt_a = mul(b, ltop, v1);
    air_expr lt_b = add(b, mul(b, ltop, v2), mul(b, F[RV_DEC_ALUI], imm));
    rv_lt_build(&c->lt, m, t, lt_sel, lt_sgn, lt_a, lt_b);
    air_expr ltc = col(b, c->lt.lt);
    air_expr ltd = add(b, col(b, c->lt.d.lo), scl(b, col(b, c->lt.d.hi), TWO16));
    air_expr slt = sub(b, add(b, S[RV_DEC_S_SLT], S[RV_DEC_S_SLTU]), sub(b, BRANCH, S[RV_DEC_S_BEQ]));
    con(b, mul(b, slt, sub(b, vd, ltc)), "cpu: SLT rd = lt");
    con(b, mul(b, S[RV_DEC_S_SUB], sub(b, vd, ltd)), "cpu: SUB rd = a - b");
    rv_eq_build(&c->eq, m, t, S[RV_DEC_S_BEQ], v1, v2);

    /* -- branches and the next pc -- */
    /* (neg is NEG where BRANCH = 1, and taken's rule is gated by BRANCH) */
    air_expr cn = mul(b, ltc, neg);
    con(b, sub(b, taken, mul(b, BRANCH, sub(b, add(b, ltc, neg), add(b, cn, cn)))),
        "cpu: taken = cond XOR neg");
    air_expr seq = sub(b, sub(b, A, LINK), taken);
    /* an ECALL moves to pc + 4, or stays at pc when it ran as a part of a
     * system call (b0, which only JALR uses otherwise, is the part flag
     * the ecall table receives: rv_air_ecall.h) */
    air_expr b0 = col(b, c->b0);
    con(b, mul(b, sub(b, seq, ECALL), wrap_eq(b, add(b, pc, K(b, 4)), npc)), "cpu: npc = pc + 4");
    con(b, mul(b, ECALL, bit(b, b0)), "cpu: ECALL part flag boolean");
    con(b, mul(b, ECALL, wrap_eq(b, sub(b, add(b, pc, K(b, 4)), scl(b, b0, 4)), npc)),
        "cpu: ECALL npc = pc + 4, or pc for a part");
    con(b, mul(b, add(b, JAL, taken), wrap_eq(b, add(b, pc, imm), npc)), "cpu: npc = pc + imm");
    con(b, mul(b, JALR, bit(b, b0)), "cpu: JALR bit 0 boolean");
    con(b, mul(b, JALR, wrap_eq(b, sub(b, add(b, v1, imm), b0), npc)),
        "cpu: JALR npc = (rs1 + imm) & ~1");

    /* -- bitwise; loads/stores use its byte splits of (old word, rs2) -- */
    air_expr SBW = add(b, add(b, S[RV_DEC_S_AND], S[RV_DEC_S_OR]), S[RV_DEC_S_XOR]);
    air_expr bw_a = add(b, mul(b, SBW, v1), mul(b, LS, dprev));
    air_expr bw_b = add(b, mul(b, SBW, add(b, v2, imm)), mul(b, LS, v2));
    air_expr bw_and = rv_bitwise_expr(&c->bw, m, t, RV_AND, bw_a, bw_b);
    air_expr bw_out = add(b, mul(b, SBW, vd), mul(b, LS, bw_and));
    rv_bitwise_build(&c->bw, m, t, add(b, S[RV_DEC_S_AND], LS), S[RV_DEC_S_OR], S[RV_DEC_S_XOR], bw_a,
                     bw_b, bw_out);

    /* -- shifts -- */
    rv_shift_build(&c->shift, m, t, S[RV_DEC_S_SLL], S[RV_DEC_S_SRL], S[RV_DEC_S_SRA], v1,
                   add(b, v2, imm), vd);
    /* the range lookups the comparator and the shifter share (rv_cpu_layout;
     * their rows are exclusive): d / the shift result, 16 + 16 bits; the
     * sign split of a (signed comparisons, SRA), 16 + 15 bits */
    air_expr shift_sel = add(b, add(b, S[RV_DEC_S_SLL], S[RV_DEC_S_SRL]), S[RV_DEC_S_SRA]);
    air_expr sgn_sel = add(b, lt_sgn, S[RV_DEC_S_SRA]);
    range(b, add(b, lt_sel, shift_sel), col(b, c->lt.d.lo), K(b, 16));
    range(b, add(b, lt_sel, shift_sel), col(b, c->lt.d.hi), K(b, 16));
    range(b, sgn_sel, col(b, c->lt.sa.l0), K(b, 16));
    range(b, sgn_sel, col(b, c->lt.sa.l1), K(b, 15));

    /* -- M extension -- */
    /* the op id: MUL + funct3 (rv.h orders the M ops as funct3 does) */
    rv_muldiv_send(m, t, F[RV_DEC_MULDIV], add(b, K(b, RV_OP_MUL), dg->funct3), v1, v2, vd);

    /* -- loads and stores: byte address = rs1 + imm = 4 daddr + offset
     * (one-hot p), daddr in [256, 2^30) (page >= 1; with the u32 sum this
     * also bounds it), the old word's bytes A_i and rs2's bytes B_i from
     * the bitwise gadget; rv = the old sub-word at the offset, msb its top
     * bit, sv = the stored sub-word -- */
    air_expr Ab[4], Bb[4];
    for (int i = 0; i < 4; i++) {
        Ab[i] = col(b, c->bw.a.b[i]);
        Bb[i] = col(b, c->bw.b.b[i]);
        con(b, mul(b, LS, bit(b, p[i])), "cpu: offset flag boolean");
    }
    con(b, mul(b, LS, sub(b, sum(b, p, 4), one)), "cpu: one offset");
    con(b, mul(b, LS, sub(b, daddr, add(b, K(b, 256), limbs))), "cpu: word address = 256 + adder limbs");
    con(b, mul(b, WH, add(b, p[1], p[3])), "cpu: halfword aligned");
    con(b, mul(b, WW, sub(b, one, p[0])), "cpu: word aligned");
    air_expr rvv = col(b, c->rv), msb = col(b, c->msb), sv = col(b, c->sv);
    air_expr selb = K(b, 0);
    for (int i = 0; i < 4; i++) selb = add(b, selb, mul(b, p[i], Ab[i]));
    air_expr h01 = add(b, Ab[0], scl(b, Ab[1], 256)), h23 = add(b, Ab[2], scl(b, Ab[3], 256));
    air_expr selh = add(b, mul(b, p[0], h01), mul(b, p[2], h23));
    con(b, mul(b, WB, sub(b, rvv, selb)), "cpu: byte at the offset");
    con(b, mul(b, WH, sub(b, rvv, selh)), "cpu: halfword at the offset");
    con(b, mul(b, WW, sub(b, rvv, dprev)), "cpu: word");
    con(b, mul(b, LS, bit(b, msb)), "cpu: msb boolean");
    air_expr ext = add(b, mul(b, WB, K(b, TWO32 - 256)), mul(b, WH, K(b, TWO32 - TWO16)));
    /* LOAD - U is 1 on signed loads and 0 on unsigned loads and on
     * stores (U is the load/store rows' value there); ext is 0 off byte
     * and halfword loads/stores, so the sign extension msb (LOAD - U) ext
     * vanishes off signed loads */
    con(b, sub(b, mul(b, LOAD, sub(b, vd, rvv)), mul(b, mul(b, msb, sub(b, LOAD, U)), ext)),
        "cpu: load rd = extended value");
    /* sv is the column of pd, which a store (no rd write: wd = 0) leaves
     * free; its rules are gated by STORE */
    con(b, mul(b, mul(b, STORE, WB), sub(b, sv, Bb[0])), "cpu: stored byte");
    con(b, mul(b, mul(b, STORE, WH), sub(b, sv, add(b, Bb[0], scl(b, Bb[1], 256)))), "cpu: stored halfword");
    con(b, mul(b, mul(b, STORE, WW), sub(b, sv, v2)), "cpu: stored word");
    air_expr P = add(b, add(b, p[0], scl(b, p[1], 256)), add(b, scl(b, p[2], TWO16), scl(b, p[3], 1u << 24)));
    con(b, mul(b, STORE, sub(b, sub(b, dnew, dprev), mul(b, P, sub(b, sv, rvv)))),
        "cpu: store replaces the sub-word");
    con(b, mul(b, sub(b, one, STORE), sub(b, dnew, dprev)), "cpu: only stores change the word");
    rv_mem_build(&c->m_data, m, t, LS, daddr, dprev, dnew, add(b, ts, K(b, RV_SLOT_DATA)));

    /* -- ECALL: the ecall table (rv_air_ecall.h) does the call; the row
     * fetches, decodes and moves to pc + 4 or stays (a part, above), and
     * hands the ecall table its ts, whether it is the last active row and
     * the part flag -- */
    {
        air_expr tup[3] = {ts, last, col(b, c->b0)};
        air_interact(m, t, RV_BUS_ECALL, AIR_SEND, ECALL, tup, 3);
    }
    {
        air_expr z = K(b, 0);
        air_expr st[7] = {K(b, RV_STATE_START), pc, z, z, z, z, z};
        air_interact(m, t, RV_BUS_STATE, AIR_SEND, FIRST, st, 7);
        air_expr en[7] = {K(b, RV_STATE_END), npc, z, z, z, z, z};
        air_interact(m, t, RV_BUS_STATE, AIR_SEND, last, en, 7);
    }
    /* loads/stores of a byte or halfword: the sub-word below its top bit
     * (degree-2 tuple: last, so that the degree-1 ones pair up) */
    range(b, add(b, WB, WH),
          add(b, mul(b, WB, sub(b, rvv, scl(b, msb, 128))), mul(b, WH, sub(b, rvv, scl(b, msb, 1u << 15)))),
          add(b, scl(b, WB, 7), scl(b, WH, 15)));
}

air_table *rv_cpu_table_add(air_machine *m, rv_cpu *c, unsigned log_n)
{
    rv_cpu_layout(c, log_n);
    air_table *t = air_table_add(m, "cpu", 1, c->ncols);
    if (!t) return NULL;
    size_t n = (size_t)1 << log_n;
    gl_t *pre = m->pre_zero ? NULL : cairn_calloc(n, sizeof *pre);
    if (!pre && !m->pre_zero) {
        air_machine_fail(m, CAIRN_ERR_NOMEM, "rv air: out of memory for the cpu cycle column");
        return NULL;
    }
    for (size_t i = 0; pre && i < n; i++) pre[i] = i;
    air_table_set_pre(m, t, pre, log_n);
    free(pre);
    cpu_build(c, m, t);
    return t;
}

/* ---- fill --------------------------------------------------------------- */

#define CORRUPT(...) return cairn_fail(CAIRN_ERR_CORRUPT, __VA_ARGS__)

static int is_alu(rv_op op) { return op >= RV_OP_ADDI && op <= RV_OP_AND; }

/* The ALU sub-op the decoded row's flags name. */
static int alu_sub(const rv_cpu *c, const gl_t *r)
{
    for (int k = 0; k < RV_DEC_NALU; k++)
        if (r[c->dec.col + RV_DEC_C_SUB0 + k]) return k;
    return -1;
}

cairn_err rv_cpu_fill(const rv_cpu *c, gl_t *main, rv_cpu_fill_out *out, rv_lookups *lk,
                      rv_decode_mult *dm, rv_memtrack *mt, rv_muldiv_call *md, size_t md_cap,
                      uint32_t *io_prev_ts, const rv_ecall *ec, gl_t *ec_main, const rv_trace *tr,
                      const rv_snapshot *s)
{
    const size_t n = (size_t)1 << c->log_n, W = c->ncols, cycles = tr->nrows;
    RETURN_ERROR_IF(cycles == 0 || cycles > n, CAIRN_ERR_LIMIT,
                    "rv cpu fill: %zu cycles do not fit a table of 2^%u rows", cycles, c->log_n);
    memset(main, 0, n * W * sizeof *main);
    memset(out, 0, sizeof *out);
    rv_ecall_fill_st ef;
    rv_ecall_fill_begin(&ef, ec, ec_main, s->start.input_eof, s->start.sys_done);
    size_t io_row = 0;
    uint32_t npc_last = 0;

    for (size_t i = 0; i < cycles; i++) {
        gl_t *r = main + i * W;
#define T(name) (tr->col[RV_COL_##name][i])
        const uint32_t ts = 8u * (uint32_t)(i + 1), pc = T(pc), npc = T(next_pc);
        r[c->active] = 1;
        r[c->last] = i + 1 == cycles;
        r[c->pc] = pc;
        r[c->npc] = npc;
        RETURN_ERROR_IF((pc & 3) || pc < RV_MEM_MIN || (npc & 3), CAIRN_ERR_CORRUPT,
                        "rv cpu fill: cycle %zu: pc 0x%08x / next pc 0x%08x", i, pc, npc);
        uint32_t w;
        FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_fetch, r, lk, mt, &w, pc >> 2, ts + RV_SLOT_FETCH));
        RETURN_ERROR_IF(w != T(insn), CAIRN_ERR_CORRUPT,
                        "rv cpu fill: cycle %zu: memory holds 0x%08x at pc, the trace 0x%08x", i, w,
                        T(insn));
        rv_decoded d;
        FORWARD_IF_ERROR(rv_decode_fill(&c->dec, r, lk, dm, &d, w));
        const rv_op op = (rv_op)d.op;
        RETURN_ERROR_IF(op != T(op), CAIRN_ERR_CORRUPT, "rv cpu fill: cycle %zu: op %u, trace %u", i,
                        (unsigned)op, T(op));
        const uint32_t imm = (uint32_t)d.imm;
        r[c->imm] = imm;
        uint32_t x = (pc >> 2) - 256;
        r[c->pch] = x >> 16;
        rv_lk_range(lk, x & 0xffff, 16);
        rv_lk_range(lk, x >> 16, 14);

        /* registers read */
        const int is_ecall = op == RV_OP_ECALL; /* the ecall table reads its registers */
        const uint32_t r1 = is_ecall ? 0 : d.rs1, r2 = is_ecall ? 0 : d.rs2;
        uint32_t v1 = 0, v2 = 0;
        if (r1) FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_rs1, r, lk, mt, &v1, RV_REG_ADDR(r1), ts + RV_SLOT_RS1));
        if (r2) FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_rs2, r, lk, mt, &v2, RV_REG_ADDR(r2), ts + RV_SLOT_RS2));
        RETURN_ERROR_IF(!is_ecall && (v1 != T(rs1_val) || v2 != T(rs2_val)), CAIRN_ERR_CORRUPT,
                        "rv cpu fill: cycle %zu: register values differ from the trace", i);
        r[c->n1] = r1 != 0;
        r[c->n2] = r2 != 0;
        r[c->v1] = v1;
        r[c->v2] = v2;

        uint32_t vd = 0;
        int writes = 0; /* the op has a result for rd */
        const int ls = op >= RV_OP_LB && op <= RV_OP_SW;
        if (ls) {
            const uint64_t sum = (uint64_t)v1 + imm;
            const uint32_t addr = (uint32_t)sum;
            RETURN_ERROR_IF(addr != T(mem_addr) || addr < RV_MEM_MIN, CAIRN_ERR_CORRUPT,
                            "rv cpu fill: cycle %zu: address", i);
            const uint32_t wa = addr >> 2, o = addr & 3;
            /* the adder's limbs hold wa - 256 (16 + 14 bits) */
            r[c->add.carry] = sum >> 32;
            r[c->add.c.lo] = (wa - 256) & 0xffff;
            r[c->add.c.hi] = (wa - 256) >> 16;
            rv_lk_range(lk, (wa - 256) & 0xffff, 16);
            rv_lk_range(lk, (wa - 256) >> 16, 14);
            const int store = op >= RV_OP_SB;
            const unsigned width = store ? 1u << (op - RV_OP_SB) : (op == RV_OP_LB || op == RV_OP_LBU) ? 1 : (op == RV_OP_LW ? 4 : 2);
            const int uns = op == RV_OP_LBU || op == RV_OP_LHU;
            r[c->daddr] = wa;
            r[c->p[o]] = 1;
            uint32_t old, nw = 0;
            if (!store) {
                FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_data, r, lk, mt, &old, wa, ts + RV_SLOT_DATA));
                nw = old;
            } else {
                uint32_t mask = width == 4 ? 0xffffffffu : ((1u << (8 * width)) - 1) << (8 * o);
                uint32_t sval = width == 4 ? v2 : v2 & ((1u << (8 * width)) - 1);
                uint32_t cur;
                uint32_t pts;
                if (!rv_memtrack_get(mt, wa, &cur, &pts))
                    CORRUPT("rv cpu fill: cycle %zu: store to an unknown word 0x%08x", i, wa);
                nw = (cur & ~mask) | (sval << (8 * o));
                FORWARD_IF_ERROR(rv_mem_fill_write(&c->m_data, r, lk, mt, &old, wa, ts + RV_SLOT_DATA, nw));
            }
            RETURN_ERROR_IF(old != T(mem_before) || nw != T(mem_after), CAIRN_ERR_CORRUPT,
                            "rv cpu fill: cycle %zu: data word differs from the trace", i);
            r[c->dprev] = old;
            r[c->dnew] = nw;
            rv_bitwise_fill(&c->bw, r, lk, RV_AND, old, v2);
            const uint32_t sub_old = width == 4 ? old : (old >> (8 * o)) & ((1u << (8 * width)) - 1);
            const uint32_t m_ = width == 4 ? 0 : (sub_old >> (8 * width - 1)) & 1;
            r[c->rv] = sub_old;
            r[c->msb] = m_;
            if (store) r[c->sv] = width == 4 ? v2 : v2 & ((1u << (8 * width)) - 1);
            if (width < 4) rv_lk_range(lk, sub_old - (m_ << (8 * width - 1)), 8 * width - 1);
            if (!store) {
                vd = (m_ && !uns) ? sub_old | ~0u << (8 * width) : sub_old;
                writes = 1;
            }
        } else if (is_alu(op)) {
            const int k = alu_sub(c, r);
            const uint32_t bo = v2 + imm;
            switch (k) {
            case RV_DEC_S_ADD: vd = rv_add_fill(&c->add, r, lk, v1, bo); break;
            case RV_DEC_S_SUB: rv_lt_fill(&c->lt, r, lk, 0, v1, bo); vd = v1 - bo; break;
            case RV_DEC_S_SLT: vd = rv_lt_fill(&c->lt, r, lk, 1, v1, bo); break;
            case RV_DEC_S_SLTU: vd = rv_lt_fill(&c->lt, r, lk, 0, v1, bo); break;
            case RV_DEC_S_XOR: vd = rv_bitwise_fill(&c->bw, r, lk, RV_XOR, v1, bo); break;
            case RV_DEC_S_OR: vd = rv_bitwise_fill(&c->bw, r, lk, RV_OR, v1, bo); break;
            case RV_DEC_S_AND: vd = rv_bitwise_fill(&c->bw, r, lk, RV_AND, v1, bo); break;
            case RV_DEC_S_SLL: vd = rv_shift_fill(&c->shift, r, lk, RV_SLL, v1, bo); break;
            case RV_DEC_S_SRL: vd = rv_shift_fill(&c->shift, r, lk, RV_SRL, v1, bo); break;
            default: vd = rv_shift_fill(&c->shift, r, lk, RV_SRA, v1, bo); break;
            }
            writes = 1;
        } else if (op >= RV_OP_BEQ && op <= RV_OP_BGEU) {
            int cond;
            if (op <= RV_OP_BNE) {
                cond = (int)rv_eq_fill(&c->eq, r, lk, v1, v2);
            } else {
                const int uns = op >= RV_OP_BLTU;
                cond = (int)rv_lt_fill(&c->lt, r, lk, !uns, v1, v2);
            }
            const int ng = (op - RV_OP_BEQ) & 1;
            r[c->taken] = cond ^ ng;
        } else if (op == RV_OP_LUI) {
            vd = imm;
            writes = 1;
        } else if (op == RV_OP_AUIPC) {
            vd = rv_add_fill(&c->add, r, lk, pc, imm);
            writes = 1;
        } else if (op == RV_OP_JAL || op == RV_OP_JALR) {
            vd = rv_add_fill(&c->add, r, lk, pc, 4);
            if (op == RV_OP_JALR) r[c->b0] = (v1 + imm) & 1;
            writes = 1;
        } else if (op >= RV_OP_MUL && op <= RV_OP_REMU) {
            RETURN_ERROR_IF(out->nmuldiv >= md_cap, CAIRN_ERR_LIMIT,
                            "rv cpu fill: more than %zu M-extension instructions", md_cap);
            md[out->nmuldiv++] = (rv_muldiv_call){op, v1, v2};
            vd = rv_muldiv_result(op, v1, v2);
            writes = 1;
        } else if (is_ecall) {
            /* the ecall table's row: its own accesses, the result in a0 */
            uint32_t a0;
            FORWARD_IF_ERROR(rv_ecall_fill_row(&ef, lk, mt, ts, i + 1 == cycles, T(rd_val), T(mem_before),
                                               T(mem_after), &a0, &writes));
            r[c->b0] = T(mem_after) != 0; /* a part */
            RETURN_ERROR_IF(npc != (T(mem_after) ? pc : pc + 4), CAIRN_ERR_CORRUPT,
                            "rv cpu fill: cycle %zu: the ECALL's next pc 0x%08x", i, npc);
            RETURN_ERROR_IF(T(rs1_val) != ec_main[(ef.row - 1) * ec->ncols + ec->a7] ||
                                T(rs2_val) != ec_main[(ef.row - 1) * ec->ncols + ec->fd] ||
                                T(mem_addr) != ec_main[(ef.row - 1) * ec->ncols + ec->buf] ||
                                T(mem_val) != ec_main[(ef.row - 1) * ec->ncols + ec->len] ||
                                (uint32_t)T(rd) != (writes ? 10u : 0u) || (writes && T(rd_val) != a0),
                            CAIRN_ERR_CORRUPT, "rv cpu fill: cycle %zu: the ECALL differs from the trace", i);
        }
        /* FENCE: nothing */

        /* rd (an ECALL's a0 is the ecall table's) */
        const uint32_t rdi = is_ecall ? 0 : writes ? d.rd : 0;
        r[c->vd] = vd;
        if (rdi) {
            uint32_t prev;
            FORWARD_IF_ERROR(rv_mem_fill_write(&c->m_rd, r, lk, mt, &prev, RV_REG_ADDR(rdi), ts + RV_SLOT_RD, vd));
            r[c->pd] = prev;
            r[c->wd] = 1;
        }
        RETURN_ERROR_IF(!is_ecall && (rdi != T(rd) || (rdi && vd != T(rd_val))), CAIRN_ERR_CORRUPT,
                        "rv cpu fill: cycle %zu (%s): rd x%u = 0x%08x, the trace says x%u = 0x%08x", i,
                        rv_op_name(op), rdi, vd, T(rd), T(rd_val));

        /* the io table's words of this call, at slot IO */
        for (; io_row < tr->io_nrows && tr->io_col[RV_IO_cycle][io_row] == i; io_row++) {
            const uint32_t wa = tr->io_col[RV_IO_addr][io_row] >> 2, after = tr->io_col[RV_IO_after][io_row];
            uint32_t v, pts;
            if (!rv_memtrack_get(mt, wa, &v, &pts))
                CORRUPT("rv cpu fill: io word 0x%08x unknown", wa);
            if (tr->io_col[RV_IO_fd][io_row] == 0)
                FORWARD_IF_ERROR(rv_memtrack_write(mt, &v, &pts, wa, ts + RV_SLOT_IO, after));
            else
                FORWARD_IF_ERROR(rv_memtrack_read(mt, &v, &pts, wa, ts + RV_SLOT_IO));
            RETURN_ERROR_IF(v != tr->io_col[RV_IO_before][io_row], CAIRN_ERR_CORRUPT,
                            "rv cpu fill: io word 0x%08x differs from the trace", wa);
            if (io_prev_ts) io_prev_ts[io_row] = pts;
        }

        npc_last = npc;
#undef T
    }
    rv_ecall_fill_end(&ef);
    out->next_pc = npc_last;
    out->halted = ef.halted;
    out->exit_code = ef.exit_code;
    out->input_eof = ef.eof;
    out->sys_done = ef.done;
    for (int k = 0; k < 3; k++) out->bytes[k] = ef.cnt[k];
    return CAIRN_OK;
}
