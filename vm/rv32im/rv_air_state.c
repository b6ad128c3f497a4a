/* The state table of the RV32IM AIR (rv_air_state.h). */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_alu.h"
#include "rv_air_state.h"
#include "rv_air_tables.h"

#define W P2_WIDTH
#define D P2_DIGEST
#define NROWS (1u << RV_STATE_LOG)
#define NSLOTS (8 * RV_STATE_STEPS) /* 56: the elements and the padding */

static const rv_u32_g U_IP = {RV_ST_UIP, RV_ST_UIP + 1, 0};
static const rv_u32_g U_JL = {RV_ST_UJL, RV_ST_UJL + 1, 0};

static air_expr col(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_MAIN, i, 0); }
static air_expr pre(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_PRE, i, 0); }
static air_expr k(air_machine *m, air_table *t, gl_t c) { return air_const(m, t, c); }
static air_expr one_minus(air_machine *m, air_table *t, air_expr a) { return air_sub(m, t, k(m, t, 1), a); }
static void boolean(air_machine *m, air_table *t, air_expr a, const char *name)
{
    air_constrain(m, t, air_mul(m, t, a, one_minus(m, t, a)), name);
}

/* What element e of a state (e < 56, rv.h's order, then the padding) is
 * bound to: a register, the root, a constant, or a global column of the
 * start (g_start) and end (g_end) state. */
typedef struct {
    enum { SLOT_REG, SLOT_ROOT, SLOT_CONST, SLOT_GLOBAL, SLOT_START0 } kind;
    gl_t c;                 /* SLOT_CONST: both; SLOT_START0: start is 0, end is g_end */
    unsigned g_start, g_end;
} slot_kind;

static slot_kind slot_of(unsigned e)
{
    slot_kind s = {SLOT_CONST, 0, 0, 0};
    if (e == 0) s.c = RV_STATE_TAG;
    else if (e == 1) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SPC, RV_ST_EPC};
    else if (e < 33) s.kind = SLOT_REG; /* x_{e-1} */
    else if (e < 37) s.kind = SLOT_ROOT;
    else if (e == 37) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SIPL, RV_ST_EIPL};
    else if (e == 38) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SIPH, RV_ST_EIPH};
    else if (e == 39) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SJLL, RV_ST_EJLL};
    else if (e == 40) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SJLH, RV_ST_EJLH};
    else if (e < 45) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SCH + e - 41, RV_ST_ECH + e - 41};
    else if (e < 49) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_STL + e - 45, RV_ST_ETL + e - 45};
    else if (e == 49) s = (slot_kind){SLOT_START0, 0, 0, RV_ST_EHALT}; /* a halted state does not run */
    else if (e == 50) s = (slot_kind){SLOT_START0, 0, 0, RV_ST_EEXIT}; /* not halted: exit code 0 */
    else if (e == 51) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SEOF, RV_ST_EEOF};
    else if (e == 52) s = (slot_kind){SLOT_GLOBAL, 0, RV_ST_SDONE, RV_ST_EDONE};
    else s.c = e == RV_STATE_NELEMS; /* 10* padding */
    return s;
}

static cairn_err set_pre(air_machine *m, air_table *t)
{
    gl_t *p = calloc((size_t)NROWS * RV_STP_NCOLS, sizeof *p);
    if (!p) return cairn_fail_nomem((size_t)NROWS * RV_STP_NCOLS * sizeof *p, "rv air state: preprocessed columns");
    for (unsigned r = 0; r < RV_STATE_STEPS; r++) {
        gl_t *x = p + r * RV_STP_NCOLS;
        x[RV_STP_STEP] = 1;
        x[RV_STP_ROW + r] = 1;
        x[RV_STP_CHAIN] = r + 1 < RV_STATE_STEPS;
        for (unsigned j = 0; j < 8; j++)
            if (slot_of(8 * r + j).kind == SLOT_REG) {
                x[RV_STP_ADDR + j] = RV_REG_ADDR(8 * r + j - 1);
                x[RV_STP_ISREG + j] = 1;
            }
    }
    air_table_set_pre(m, t, p, RV_STATE_LOG);
    free(p);
    return CAIRN_OK;
}

static void state_send(air_machine *m, air_table *t, air_expr mult, unsigned tag, unsigned first4, air_expr a,
                       air_expr b)
{
    air_expr tup[7] = {k(m, t, tag), col(m, t, first4), col(m, t, first4 + 1), col(m, t, first4 + 2),
                       col(m, t, first4 + 3), a, b};
    air_interact(m, t, RV_BUS_STATE, AIR_SEND, mult, tup, 7);
}

air_table *rv_state_table_add(air_machine *m, unsigned pub0)
{
    air_table *t = air_table_add(m, "state", RV_STP_NCOLS, RV_ST_NCOLS);
    if (!t) return NULL;
    cairn_err e = set_pre(m, t);
    if (e) {
        air_machine_fail(m, e, "rv air state: out of memory");
        return NULL;
    }
    air_expr step = pre(m, t, RV_STP_STEP), chain = pre(m, t, RV_STP_CHAIN), row[RV_STATE_STEPS];
    for (unsigned r = 0; r < RV_STATE_STEPS; r++) row[r] = pre(m, t, RV_STP_ROW + r);
    air_expr trans = air_sel(m, t, AIR_SEL_TRANS), zr = k(m, t, 0);

    /* the two sponges: p2_hash of the RV_STATE_NELEMS elements */
    static const unsigned blk[2] = {RV_ST_S, RV_ST_E}, cap[2] = {RV_ST_SC, RV_ST_EC}, out[2] = {RV_ST_SO, RV_ST_EO};
    for (unsigned s = 0; s < 2; s++) {
        air_expr msg[8], c[RV_P2_CAP], cn[RV_P2_CAP], o[W];
        for (unsigned j = 0; j < 8; j++) msg[j] = col(m, t, blk[s] + j);
        for (unsigned i = 0; i < RV_P2_CAP; i++) {
            c[i] = col(m, t, cap[s] + i);
            cn[i] = air_col(m, t, AIR_MAIN, cap[s] + i, 1);
        }
        for (unsigned i = 0; i < W; i++) o[i] = col(m, t, out[s] + i);
        rv_p2_sponge_start(m, t, row[0], c, k(m, t, RV_STATE_NELEMS));
        rv_p2_sponge_chain(m, t, chain, cn, o);
        rv_p2_absorb(m, t, step, msg, 8, c, o); /* the padding is in the slots */
        for (unsigned i = 0; i < D; i++)
            air_constrain(m, t, air_mul(m, t, row[RV_STATE_STEPS - 1], air_sub(m, t, o[i], air_pub(m, t, pub0 + 4 * s + i))),
                          s ? "state end digest" : "state start digest");
    }
    /* slots */
    for (unsigned e = 0; e < NSLOTS; e++) {
        const unsigned r = e / 8, j = e % 8;
        const slot_kind sk = slot_of(e);
        air_expr sv = col(m, t, RV_ST_S + j), ev = col(m, t, RV_ST_E + j), ws, we;
        switch (sk.kind) {
        case SLOT_REG: continue;
        case SLOT_ROOT: continue;
        case SLOT_CONST: ws = we = k(m, t, sk.c); break;
        case SLOT_START0: ws = zr; we = col(m, t, sk.g_end); break;
        default: ws = col(m, t, sk.g_start); we = col(m, t, sk.g_end); break;
        }
        air_constrain(m, t, air_mul(m, t, row[r], air_sub(m, t, sv, ws)), "state start field");
        air_constrain(m, t, air_mul(m, t, row[r], air_sub(m, t, ev, we)), "state end field");
    }
    /* registers: start values at ts 0, end values at their last ts */
    for (unsigned j = 0; j < 8; j++) {
        air_expr a = pre(m, t, RV_STP_ADDR + j), isreg = pre(m, t, RV_STP_ISREG + j);
        air_expr tx[3] = {a, col(m, t, RV_ST_S + j), zr};
        air_interact(m, t, RV_BUS_MEM, AIR_SEND, isreg, tx, 3);
        air_expr rx[3] = {a, col(m, t, RV_ST_E + j), col(m, t, RV_ST_T + j)};
        air_interact(m, t, RV_BUS_MEM, AIR_RECEIVE, isreg, rx, 3);
    }
    /* the roots: elements 33..36 are slots 1..4 of row 4 */
    {
        air_expr rin[D], rout[D];
        for (unsigned i = 0; i < D; i++) {
            rin[i] = col(m, t, RV_ST_S + 1 + i);
            rout[i] = col(m, t, RV_ST_E + 1 + i);
        }
        rv_mem_root_receive(m, t, row[33 / 8], rin, rout);
    }
    /* globals: one value on every row */
    for (unsigned g = RV_ST_SPC; g < RV_ST_NCOLS; g++)
        air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, air_col(m, t, AIR_MAIN, g, 1), col(m, t, g))),
                      "state global constant");
    /* 64-bit sums: end = start + bytes of the segment */
    static const unsigned lo_s[2] = {RV_ST_SIPL, RV_ST_SJLL}, hi_s[2] = {RV_ST_SIPH, RV_ST_SJLH};
    static const unsigned lo_e[2] = {RV_ST_EIPL, RV_ST_EJLL}, hi_e[2] = {RV_ST_EIPH, RV_ST_EJLH};
    static const unsigned cy[2] = {RV_ST_CIP, RV_ST_CJL}, nb[2] = {RV_ST_IB, RV_ST_JB};
    for (unsigned s = 0; s < 2; s++) {
        air_expr c = col(m, t, cy[s]);
        boolean(m, t, c, "state carry boolean");
        air_constrain(m, t,
                      air_sub(m, t, air_add(m, t, col(m, t, lo_e[s]), air_mul(m, t, k(m, t, (gl_t)1 << 32), c)),
                              air_add(m, t, col(m, t, lo_s[s]), col(m, t, nb[s]))),
                      s ? "state journal_len lo" : "state input_pos lo");
        air_constrain(m, t, air_sub(m, t, col(m, t, hi_e[s]), air_add(m, t, col(m, t, hi_s[s]), c)),
                      s ? "state journal_len hi" : "state input_pos hi");
        rv_u32_build(s ? &U_JL : &U_IP, m, t, row[0], col(m, t, lo_e[s]));
    }
    /* s0 = start journal_len mod 16 */
    air_expr q = air_add(m, t, col(m, t, RV_ST_Q0), air_mul(m, t, k(m, t, 1u << 16), col(m, t, RV_ST_Q1)));
    air_constrain(m, t,
                  air_sub(m, t, col(m, t, RV_ST_SJLL), air_add(m, t, air_mul(m, t, k(m, t, 16), q), col(m, t, RV_ST_S0))),
                  "state journal_len mod 16");
    rv_range_send(m, t, row[0], col(m, t, RV_ST_S0), 4);
    rv_range_send(m, t, row[0], col(m, t, RV_ST_Q0), 16);
    rv_range_send(m, t, row[0], col(m, t, RV_ST_Q1), 12);
    /* The end pc (the last active cpu row's next pc) is a 4-aligned u32:
     * pc / 4 = lo + 2^16 EPCH, lo < 2^16, EPCH < 2^14 (4^-1 mod p times
     * pc is an integer below 2^30 only if pc is a multiple of 4 below
     * 2^32). RV32IM pcs are 4-aligned u32s (no C extension: a misaligned
     * jump target faults); the cpu relies on it for its last row's npc
     * (rv_air_cpu.c, "next pc"). */
    {
        air_expr pcw = air_mul(m, t, k(m, t, 0xbfffffff40000001ull), col(m, t, RV_ST_EPC));
        air_expr eh = col(m, t, RV_ST_EPCH);
        rv_range_send(m, t, row[0], air_sub(m, t, pcw, air_mul(m, t, k(m, t, 1u << 16), eh)), 16);
        rv_range_send(m, t, row[0], eh, 14);
    }
    /* halt and end-of-file */
    air_expr halt = col(m, t, RV_ST_EHALT), seof = col(m, t, RV_ST_SEOF), eeof = col(m, t, RV_ST_EEOF);
    boolean(m, t, halt, "state halted boolean");
    air_constrain(m, t, air_mul(m, t, one_minus(m, t, halt), col(m, t, RV_ST_EEXIT)), "state exit code without halt");
    boolean(m, t, seof, "state input_eof boolean");
    boolean(m, t, eeof, "state input_eof boolean");
    air_constrain(m, t, air_mul(m, t, seof, one_minus(m, t, eeof)), "state input_eof stays");
    air_constrain(m, t, air_mul(m, t, seof, col(m, t, RV_ST_IB)), "state no input after end-of-file");
    /* the cpu's messages (the pcs) and the ecall table's (the rest) */
    {
        air_expr st[7] = {k(m, t, RV_STATE_START), col(m, t, RV_ST_SPC), zr, zr, zr, zr, zr};
        air_interact(m, t, RV_BUS_STATE, AIR_RECEIVE, row[0], st, 7);
        air_expr en[7] = {k(m, t, RV_STATE_END), col(m, t, RV_ST_EPC), zr, zr, zr, zr, zr};
        air_interact(m, t, RV_BUS_STATE, AIR_RECEIVE, row[0], en, 7);
        air_expr ec[7] = {k(m, t, RV_STATE_ECALLS), seof, halt, col(m, t, RV_ST_EEXIT),
                          col(m, t, RV_ST_IB), col(m, t, RV_ST_JB), eeof};
        air_interact(m, t, RV_BUS_STATE, AIR_RECEIVE, row[0], ec, 7);
        air_expr sd[7] = {k(m, t, RV_STATE_SYSDONE), col(m, t, RV_ST_SDONE), col(m, t, RV_ST_EDONE), zr, zr, zr, zr};
        air_interact(m, t, RV_BUS_STATE, AIR_RECEIVE, row[0], sd, 7);
    }
    /* the journal table's */
    state_send(m, t, row[0], RV_STATE_JOURNAL_IN, RV_ST_SCH, col(m, t, RV_ST_S0), col(m, t, RV_ST_JB));
    state_send(m, t, row[0], RV_STATE_JTAIL_IN, RV_ST_STL, zr, zr);
    state_send(m, t, row[0], RV_STATE_JOURNAL_OUT, RV_ST_ECH, zr, zr);
    state_send(m, t, row[0], RV_STATE_JTAIL_OUT, RV_ST_ETL, zr, zr);
    return t;
}

cairn_err rv_state_fill(gl_t *main, gl_t pub[RV_STATE_NPUB], rv_p2_calls *calls, rv_lookups *lk,
                        const rv_snapshot *s, const rv_memtrack *mt)
{
    const rv_state *a = &s->start, *b = &s->end;
    RETURN_ERROR_IF(a->halted || a->exit_code, CAIRN_ERR_VERIFY, "rv air state: the start state is halted");
    RETURN_ERROR_IF(b->input_pos < a->input_pos || b->journal_len < a->journal_len ||
                        b->input_pos - a->input_pos > UINT32_MAX || b->journal_len - a->journal_len > UINT32_MAX,
                    CAIRN_ERR_VERIFY, "rv air state: end input position or journal length out of range");
    gl_t es[NSLOTS], ee[NSLOTS];
    memset(es, 0, sizeof es);
    memset(ee, 0, sizeof ee);
    rv_state_elems(es, a);
    rv_state_elems(ee, b);
    es[RV_STATE_NELEMS] = ee[RV_STATE_NELEMS] = 1;
    memset(main, 0, (size_t)NROWS * RV_ST_NCOLS * sizeof *main);
    /* globals */
    gl_t g[RV_ST_NCOLS];
    memset(g, 0, sizeof g);
    g[RV_ST_SPC] = a->pc;
    g[RV_ST_EPC] = b->pc;
    g[RV_ST_SIPL] = (uint32_t)a->input_pos;
    g[RV_ST_SIPH] = (uint32_t)(a->input_pos >> 32);
    g[RV_ST_EIPL] = (uint32_t)b->input_pos;
    g[RV_ST_EIPH] = (uint32_t)(b->input_pos >> 32);
    g[RV_ST_SJLL] = (uint32_t)a->journal_len;
    g[RV_ST_SJLH] = (uint32_t)(a->journal_len >> 32);
    g[RV_ST_EJLL] = (uint32_t)b->journal_len;
    g[RV_ST_EJLH] = (uint32_t)(b->journal_len >> 32);
    for (unsigned i = 0; i < 4; i++) {
        g[RV_ST_SCH + i] = a->journal_chain.v[i];
        g[RV_ST_ECH + i] = b->journal_chain.v[i];
        g[RV_ST_STL + i] = a->journal_tail[i];
        g[RV_ST_ETL + i] = b->journal_tail[i];
    }
    g[RV_ST_EHALT] = b->halted;
    g[RV_ST_EEXIT] = b->exit_code;
    g[RV_ST_SEOF] = a->input_eof;
    g[RV_ST_EEOF] = b->input_eof;
    g[RV_ST_SDONE] = a->sys_done;
    g[RV_ST_EDONE] = b->sys_done;
    g[RV_ST_IB] = b->input_pos - a->input_pos;
    g[RV_ST_JB] = b->journal_len - a->journal_len;
    g[RV_ST_CIP] = (uint32_t)a->input_pos + (uint64_t)(uint32_t)g[RV_ST_IB] > UINT32_MAX;
    g[RV_ST_CJL] = (uint32_t)a->journal_len + (uint64_t)(uint32_t)g[RV_ST_JB] > UINT32_MAX;
    const uint32_t jl = (uint32_t)a->journal_len;
    g[RV_ST_S0] = jl & 15;
    g[RV_ST_Q0] = (jl >> 4) & 0xffff;
    g[RV_ST_Q1] = jl >> 20;
    g[RV_ST_EPCH] = b->pc >> 18;
    /* the sponges */
    gl_t ss[W], se[W];
    rv_p2_sponge_init(ss, RV_STATE_NELEMS);
    rv_p2_sponge_init(se, RV_STATE_NELEMS);
    for (unsigned r = 0; r < NROWS; r++) {
        gl_t *x = main + r * RV_ST_NCOLS;
        memcpy(x + RV_ST_SPC, g + RV_ST_SPC, (RV_ST_NCOLS - RV_ST_SPC) * sizeof *x);
        if (r >= RV_STATE_STEPS) continue;
        memcpy(x + RV_ST_S, es + 8 * r, 8 * sizeof *x);
        memcpy(x + RV_ST_E, ee + 8 * r, 8 * sizeof *x);
        memcpy(x + RV_ST_SC, ss + P2_RATE, RV_P2_CAP * sizeof *x);
        memcpy(x + RV_ST_EC, se + P2_RATE, RV_P2_CAP * sizeof *x);
        FORWARD_IF_ERROR(rv_p2_absorb_fill(calls, ss, es + 8 * r, 8));
        FORWARD_IF_ERROR(rv_p2_absorb_fill(calls, se, ee + 8 * r, 8));
        memcpy(x + RV_ST_SO, ss, sizeof ss);
        memcpy(x + RV_ST_EO, se, sizeof se);
        for (unsigned j = 0; j < 8; j++) {
            const unsigned e = 8 * r + j;
            if (slot_of(e).kind != SLOT_REG) continue;
            const unsigned i = e - 1;
            uint32_t v, ts;
            RETURN_ERROR_IF(!rv_memtrack_get(mt, RV_MEM_REG_BASE + i, &v, &ts), CAIRN_ERR_USAGE,
                            "rv air state: the tracker has no register x%u", i);
            RETURN_ERROR_IF(v != b->x[i], CAIRN_ERR_VERIFY,
                            "rv air state: x%u is 0x%08x after the segment, the end state says 0x%08x", i, v, b->x[i]);
            x[RV_ST_T + j] = ts;
        }
    }
    /* lookups of row 0 */
    rv_u32_fill(&U_IP, main, lk, (uint32_t)b->input_pos);
    rv_u32_fill(&U_JL, main, lk, (uint32_t)b->journal_len);
    for (unsigned r = 1; r < NROWS; r++) {
        gl_t *x = main + r * RV_ST_NCOLS;
        memcpy(x + RV_ST_UIP, main + RV_ST_UIP, 4 * sizeof *x);
    }
    rv_lk_range(lk, jl & 15, 4);
    rv_lk_range(lk, (jl >> 4) & 0xffff, 16);
    rv_lk_range(lk, jl >> 20, 12);
    rv_lk_range(lk, (b->pc >> 2) & 0xffff, 16);
    rv_lk_range(lk, b->pc >> 18, 14);
    if (pub) {
        /* the digests the sponges reached: p2_hash of rv_state_elems */
        for (unsigned i = 0; i < D; i++) {
            pub[i] = ss[i];
            pub[D + i] = se[i];
        }
    }
    return CAIRN_OK;
}
