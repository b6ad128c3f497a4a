/* The ecall table (rv_air_ecall.h): layout, constraints and fill.
 *
 * Notation: A = active, E_k the outcome flags (0 on padding: the "other"
 * flag A - sum E_k is boolean), Fok = F0 + F1 + F2 the passing calls, ER
 * the error rows. Every constraint has degree <= 3. Values are u32 field
 * elements: a7, a0, a1, a2 by the memory argument, and the result vd by a
 * constant, len, fd, or a range check (read's n), as the rules say. */
#include "rv_air_ecall.h"

#include <string.h>

#include "common/err.h"
#include "rv_air_bld.h"
#include "rv_air_tables.h"

#define TWO16 ((gl_t)1 << 16)
#define TWO32 ((gl_t)1 << 32)

/* ---- layout ------------------------------------------------------------- */

void rv_ecall_layout(rv_ecall *e, unsigned log_n)
{
    memset(e, 0, sizeof *e);
    e->log_n = log_n;
    rv_cols k = {0};
#define ONE(f) (e->f = rv_col_alloc(&k, 1))
    ONE(active);
    ONE(last);
    ONE(ts);
    ONE(a7);
    ONE(fd);
    ONE(buf);
    ONE(len);
    ONE(vd);
    rv_mem_layout(&e->m_a7, &k);
    rv_mem_layout(&e->m_a0, &k);
    rv_mem_layout(&e->m_a1, &k);
    rv_mem_layout(&e->m_a2, &k);
    ONE(olo);
    ONE(ohi);
    for (int i = 0; i < RV_EC_NE; i++) ONE(e[i]);
    for (int i = 0; i < 2; i++) ONE(cnt[i]);
    ONE(eof);
    ONE(seof);
    ONE(halt);
    ONE(xc);
    rv_add_layout(&e->add, &k);
    rv_lt_layout(&e->lt, &k, 0);
    ONE(P1);
    ONE(P2);
    ONE(W1);
    ONE(W2);
    ONE(z);
    ONE(wl);
    ONE(io);
    ONE(nhi);
    ONE(lo);
    ONE(h);
    ONE(bd);
    ONE(sh);
    ONE(part);
    ONE(pn);
    ONE(dn);
    ONE(sdone);
    ONE(nt);
    e->isw = e->P2; /* P2, W2: ENOSYS rows only; isw, q: EBADF / EFAULT rows */
    e->q = e->W2;
    e->isf = e->io; /* io, nhi: passing calls only; isf, fl: EBADF / EFAULT rows */
    e->fl = e->nhi;
    e->ncols = k.n;
#undef ONE
}

/* ---- build -------------------------------------------------------------- */


static void ecall_build(const rv_ecall *c, air_machine *m, air_table *t)
{
    B bb = {m, t}, *b = &bb;
    air_expr one = K(b, 1), A = col(b, c->active), last = col(b, c->last), ts = col(b, c->ts);
    air_expr FIRST = air_sel(m, t, AIR_SEL_FIRST), LASTR = air_sel(m, t, AIR_SEL_LAST);
    air_expr TRANS = air_sel(m, t, AIR_SEL_TRANS);
    air_expr a7 = col(b, c->a7), fd = col(b, c->fd), buf = col(b, c->buf), L = col(b, c->len);
    air_expr vd = col(b, c->vd);

    /* -- rows: active ones first, in strictly increasing ts (cycle order:
     * the running columns below follow the execution), each an ECALL cycle
     * of the cpu (the hand-off: the cpu sends (ts, last) once per ECALL row,
     * with ts < 2^28, so ts' - ts - 1 in [0, 2^32) is the integer order) -- */
    con(b, bit(b, A), "ecall: active boolean");
    con(b, mul(b, TRANS, mul(b, nxt(b, c->active), sub(b, one, A))), "ecall: active never rises");
    air_expr ngap = add(b, nxt(b, c->olo), scl(b, nxt(b, c->ohi), TWO16));
    con(b, mul(b, TRANS, mul(b, nxt(b, c->active), sub(b, sub(b, nxt(b, c->ts), ts), add(b, ngap, one)))),
        "ecall: rows in cycle order");
    rv_range_send(m, t, A, col(b, c->olo), 16);
    rv_range_send(m, t, A, col(b, c->ohi), 16);
    air_expr part = col(b, c->part);
    {
        air_expr tup[3] = {ts, last, part};
        air_interact(m, t, RV_BUS_ECALL, AIR_RECEIVE, A, tup, 3);
    }
    con(b, bit(b, part), "ecall: part boolean");

    /* -- the register accesses at the ECALL's slots (multiplicity A) -- */
    air_expr E[RV_EC_NE];
    for (int i = 0; i < RV_EC_NE; i++) {
        E[i] = col(b, c->e[i]);
        con(b, bit(b, E[i]), "ecall: outcome flag boolean");
    }
    air_expr EXIT = E[RV_EC_EXIT], F0 = E[RV_EC_F0], F1 = E[RV_EC_F1], F2 = E[RV_EC_F2], ER = E[RV_EC_ERR];
    rv_mem_build(&c->m_a7, m, t, A, K(b, RV_REG_ADDR(17)), a7, a7, add(b, ts, K(b, RV_SLOT_RS1)));
    rv_mem_build(&c->m_a1, m, t, A, K(b, RV_REG_ADDR(11)), buf, buf, add(b, ts, K(b, RV_SLOT_DATA)));
    rv_mem_build(&c->m_a2, m, t, A, K(b, RV_REG_ADDR(12)), L, L, add(b, ts, K(b, RV_SLOT_ARG)));
    /* a0: finds the argument fd and leaves the result (exit: fd itself) */
    rv_mem_build(&c->m_a0, m, t, A, K(b, RV_REG_ADDR(10)), fd, vd, add(b, ts, K(b, RV_SLOT_RD)));
    con(b, mul(b, EXIT, sub(b, vd, fd)), "ecall: exit leaves a0");
    con(b, mul(b, EXIT, sub(b, one, last)), "ecall: exit is the last active cycle");

    /* -- outcome -- */
    air_expr Fok = add(b, add(b, F0, F1), F2);
    air_expr Eo = sub(b, A, add(b, add(b, Fok, ER), EXIT)); /* any other number */
    con(b, bit(b, Eo), "ecall: one outcome");
    air_expr Ebuf = add(b, Fok, ER); /* rows that evaluate buf_ok (EBADF too: defined for any buffer) */
    air_expr g63 = mul(b, sub(b, a7, K(b, 63)), sub(b, a7, K(b, 64)));
    air_expr g93 = mul(b, sub(b, a7, K(b, 93)), sub(b, a7, K(b, 94)));
    air_expr fd12 = mul(b, sub(b, fd, one), sub(b, fd, K(b, 2)));
    air_expr P1 = col(b, c->P1), P2 = col(b, c->P2), W1 = col(b, c->W1), W2 = col(b, c->W2);
    air_expr isw = col(b, c->isw), q = col(b, c->q), isf = col(b, c->isf);
    con(b, mul(b, EXIT, g93), "ecall: exit is a7 = 93 or 94");
    con(b, mul(b, F0, sub(b, a7, K(b, RV_SYS_READ))), "ecall: read is a7 = 63");
    con(b, mul(b, add(b, F1, F2), sub(b, a7, K(b, RV_SYS_WRITE))), "ecall: write is a7 = 64");
    con(b, mul(b, Eo, sub(b, P1, g63)), "ecall: ENOSYS P1");
    con(b, mul(b, Eo, sub(b, P2, g93)), "ecall: ENOSYS P2");
    con(b, mul(b, Eo, sub(b, mul(b, P1, W1), one)), "ecall: ENOSYS a7 not 63/64");
    con(b, mul(b, Eo, sub(b, mul(b, P2, W2), one)), "ecall: ENOSYS a7 not 93/94");
    con(b, mul(b, F0, fd), "ecall: read fd 0");
    con(b, mul(b, F1, sub(b, fd, one)), "ecall: write fd 1");
    con(b, mul(b, F2, sub(b, fd, K(b, 2))), "ecall: write fd 2");
    /* EBADF / EFAULT (one flag ER; isf = [EFAULT]): isw = [write] (a7 = 63
     * + isw); q = the read's fd or the write's (fd - 1)(fd - 2) (P1), zero
     * exactly when the fd is one the call accepts: EBADF has q != 0 (q W1 =
     * 1), EFAULT q = 0 (and the buffer rule below) */
    con(b, mul(b, ER, bit(b, isw)), "ecall: isw boolean");
    con(b, mul(b, ER, bit(b, isf)), "ecall: isf boolean");
    con(b, mul(b, ER, sub(b, a7, add(b, K(b, RV_SYS_READ), isw))), "ecall: EBADF/EFAULT is a7 = 63 + isw");
    con(b, mul(b, ER, sub(b, P1, fd12)), "ecall: EBADF/EFAULT P1 = (fd - 1)(fd - 2)");
    con(b, mul(b, ER, sub(b, q, add(b, fd, mul(b, isw, sub(b, P1, fd))))), "ecall: EBADF/EFAULT q");
    con(b, mul(b, ER, add(b, sub(b, mul(b, q, W1), one), isf)), "ecall: EBADF fd not accepted");
    con(b, mul(b, mul(b, ER, isf), q), "ecall: EFAULT fd accepted");
    con(b, mul(b, ER, add(b, sub(b, vd, K(b, TWO32 - RV_EBADF)), scl(b, isf, RV_EFAULT - RV_EBADF))),
        "ecall: EBADF / EFAULT result");
    con(b, mul(b, Eo, sub(b, vd, K(b, TWO32 - RV_ENOSYS))), "ecall: ENOSYS result");
    /* (a write's result: below, with the parts) */

    /* buf_ok: z = [len != 0] (z = len wl, (1 - z) len = 0); lo = [buf <
     * 1024] by bd = lo ? 1023 - buf : buf - 1024 in [0, 2^32) (16 + 16
     * bits); the adder's carry = [buf + len - 1 >= 2^32] (len > 0), i.e. the
     * buffer wraps. EFAULT needs len > 0 and (lo or wrap); a passing call
     * with len > 0 has neither. */
    air_expr z = col(b, c->z), lo = col(b, c->lo), hh = col(b, c->h), bd = col(b, c->bd);
    air_expr carry = col(b, c->add.carry);
    air_expr alo = col(b, c->add.c.lo), ahi = col(b, c->add.c.hi);
    con(b, mul(b, Ebuf, sub(b, add(b, buf, sub(b, L, z)), add(b, add(b, alo, scl(b, ahi, TWO16)), scl(b, carry, TWO32)))),
        "ecall: buf + len - z = c + 2^32 carry");
    con(b, mul(b, Ebuf, bit(b, carry)), "ecall: carry boolean");
    rv_range_send(m, t, Ebuf, alo, 16);
    rv_range_send(m, t, Ebuf, ahi, 16);
    con(b, mul(b, Ebuf, sub(b, z, mul(b, L, col(b, c->wl)))), "ecall: z = len wl");
    con(b, mul(b, Ebuf, mul(b, sub(b, one, z), L)), "ecall: z = 0 only for len 0");
    con(b, mul(b, Ebuf, bit(b, lo)), "ecall: lo boolean");
    con(b, mul(b, Ebuf, sub(b, bd, add(b, sub(b, buf, K(b, 1024)), mul(b, lo, sub(b, K(b, 2047), scl(b, buf, 2)))))),
        "ecall: bd = buf - 1024 or 1023 - buf");
    rv_range_send(m, t, Ebuf, sub(b, bd, scl(b, hh, TWO16)), 16);
    rv_range_send(m, t, Ebuf, hh, 16);
    air_expr fl = col(b, c->fl); /* error rows: [buf >= 1024 and no wrap] */
    con(b, mul(b, ER, sub(b, fl, mul(b, sub(b, one, lo), sub(b, one, carry)))), "ecall: fl");
    con(b, mul(b, mul(b, ER, isf), sub(b, one, z)), "ecall: EFAULT needs len > 0");
    con(b, mul(b, mul(b, ER, isf), fl), "ecall: EFAULT needs page 0 or wrap");
    con(b, mul(b, Fok, mul(b, z, lo)), "ecall: passing call avoids page 0");
    con(b, mul(b, Fok, mul(b, z, carry)), "ecall: passing call does not wrap");

    /* Bytes: the row moves k = nt - dn (dn: earlier parts of the call,
     * nt: the total after this row; rv.h "System calls in parts"). k - io
     * is a u32 (16 + 16 bits) and (1 - io) k = 0, so io = [k > 0] and k is
     * a u32; nt <= len (lt = [nt < len]) on every passing row, so the
     * bytes stay in the buffer; a read's total is 0 after end-of-file,
     * and a last part with nt < len sets it (sh). The call's last row
     * (part = 0) returns nt (a write: nt = len); a part moves at least one
     * byte, leaves a0, and carries nt to the next row as its dn. */
    air_expr io = col(b, c->io), sh = col(b, c->sh), eof = col(b, c->eof), nhi = col(b, c->nhi);
    air_expr dn = col(b, c->dn), nt = col(b, c->nt), kb = sub(b, nt, dn), pn = col(b, c->pn);
    rv_lt_build(&c->lt, m, t, Fok, K(b, 0), nt, L);
    air_expr ltc = col(b, c->lt.lt);
    con(b, mul(b, Fok, bit(b, io)), "ecall: io boolean");
    con(b, mul(b, Fok, mul(b, sub(b, one, io), kb)), "ecall: io = [n > 0]");
    rv_range_send(m, t, Fok, sub(b, sub(b, kb, io), scl(b, nhi, TWO16)), 16);
    rv_range_send(m, t, Fok, nhi, 16);
    con(b, mul(b, Fok, mul(b, sub(b, one, ltc), sub(b, nt, L))), "ecall: read n <= len");
    con(b, mul(b, F0, mul(b, eof, nt)), "ecall: read after end-of-file returns 0");
    con(b, mul(b, F0, sub(b, sh, mul(b, ltc, sub(b, sub(b, one, eof), part)))),
        "ecall: short read sets end-of-file");
    con(b, mul(b, Fok, mul(b, sub(b, one, part), sub(b, vd, nt))), "ecall: the last part returns the total");
    con(b, mul(b, add(b, F1, F2), mul(b, sub(b, one, part), sub(b, nt, L))), "ecall: write returns len");
    con(b, mul(b, part, sub(b, one, Fok)), "ecall: only a passing read/write runs in parts");
    con(b, mul(b, part, sub(b, one, io)), "ecall: a part moves bytes");
    con(b, mul(b, part, sub(b, vd, fd)), "ecall: a part leaves a0");
    con(b, mul(b, part, eof), "ecall: no part after end-of-file");
    con(b, mul(b, sub(b, A, Fok), dn), "ecall: only a read/write continues a call in parts");
    con(b, sub(b, pn, mul(b, part, sub(b, one, last))), "ecall: pn = part and not the last cycle");
    con(b, mul(b, TRANS, mul(b, pn, sub(b, sub(b, nxt(b, c->ts), ts), K(b, 8)))),
        "ecall: a part continues at the next cycle");
    con(b, mul(b, LASTR, pn), "ecall: a part continues in the segment");

    /* -- running values (before the row): byte counters of fd 0 and 1
     * (fd 2's debug log is in no statement, its calls have pos 0),
     * end-of-file from the start state's seof, halted and the exit code;
     * padding rows (every flag 0) carry them -- */
    air_expr FK[2] = {F0, F1};
    air_expr pos = K(b, 0), after[2];
    for (int k = 0; k < 2; k++) {
        air_expr ck = col(b, c->cnt[k]);
        con(b, mul(b, FIRST, ck), "ecall: byte counter starts at 0");
        after[k] = add(b, ck, mul(b, FK[k], kb));
        con(b, mul(b, TRANS, sub(b, nxt(b, c->cnt[k]), after[k])), "ecall: byte counter += n");
        pos = add(b, pos, mul(b, FK[k], ck));
    }
    air_expr seof = col(b, c->seof), halt = col(b, c->halt), xc = col(b, c->xc);
    air_expr eof_after = add(b, eof, mul(b, F0, sh));
    air_expr halt_after = add(b, halt, EXIT), xc_after = add(b, xc, mul(b, EXIT, fd));
    con(b, mul(b, FIRST, sub(b, eof, seof)), "ecall: end-of-file starts at the start state's");
    con(b, mul(b, FIRST, halt), "ecall: not halted at the start");
    con(b, mul(b, FIRST, xc), "ecall: exit code 0 at the start");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->seof), seof)), "ecall: start end-of-file constant");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->eof), eof_after)), "ecall: end-of-file carries");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->halt), halt_after)), "ecall: halted carries");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->xc), xc_after)), "ecall: exit code carries");
    /* the bytes done of a call in parts: the start state's on the first
     * row, whose ECALL is then cycle 0 (ts 8; the segment began inside
     * that call); a part sets them to nt, any other active row to 0,
     * padding carries them */
    air_expr sdone = col(b, c->sdone);
    air_expr dn_after = add(b, mul(b, part, nt), mul(b, sub(b, one, A), dn));
    con(b, mul(b, FIRST, sub(b, dn, sdone)), "ecall: bytes done start at the start state's");
    con(b, mul(b, FIRST, mul(b, sdone, sub(b, ts, K(b, 8)))), "ecall: a call in parts continues at cycle 0");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->sdone), sdone)), "ecall: start bytes done constant");
    con(b, mul(b, TRANS, sub(b, nxt(b, c->dn), dn_after)), "ecall: bytes done carry");

    /* -- hand-offs: io (degree-2 tuple) and the end state -- */
    {
        air_expr tup[5] = {ts, fd, add(b, buf, dn), kb, pos};
        air_interact(m, t, RV_BUS_IO, AIR_SEND, mul(b, Fok, io), tup, 5);
    }
    {
        air_expr en[7] = {K(b, RV_STATE_ECALLS), seof, halt_after, xc_after, after[0], after[1], eof_after};
        air_interact(m, t, RV_BUS_STATE, AIR_SEND, LASTR, en, 7);
        air_expr z = K(b, 0);
        air_expr sd[7] = {K(b, RV_STATE_SYSDONE), sdone, dn_after, z, z, z, z};
        air_interact(m, t, RV_BUS_STATE, AIR_SEND, LASTR, sd, 7);
    }
}

air_table *rv_ecall_table_add(air_machine *m, rv_ecall *e, unsigned log_n)
{
    rv_ecall_layout(e, log_n);
    air_table *t = air_table_add(m, "ecall", 0, e->ncols);
    if (!t) return NULL;
    ecall_build(e, m, t);
    return t;
}

/* ---- fill --------------------------------------------------------------- */

static int buf_ok(uint32_t buf, uint32_t len)
{
    if (len == 0) return 1;
    return buf >= RV_MEM_MIN && (uint64_t)buf + len <= (1ull << 32);
}

static gl_t inv0(gl_t x) { return x ? gl_inv(x) : 0; }

/* The running columns of row r. */
static void put_running(const rv_ecall_fill_st *f, gl_t *r)
{
    const rv_ecall *c = f->e;
    r[c->cnt[0]] = f->cnt[0];
    r[c->cnt[1]] = f->cnt[1];
    r[c->eof] = f->eof;
    r[c->seof] = f->seof;
    r[c->halt] = f->halted;
    r[c->xc] = f->exit_code;
    r[c->dn] = f->done;
    r[c->sdone] = f->sdone;
}

void rv_ecall_fill_begin(rv_ecall_fill_st *f, const rv_ecall *e, gl_t *main, uint32_t start_eof,
                         uint32_t start_done)
{
    memset(f, 0, sizeof *f);
    f->e = e;
    f->main = main;
    f->eof = f->seof = start_eof;
    f->done = f->sdone = start_done;
    memset(main, 0, ((size_t)e->ncols << e->log_n) * sizeof *main);
}

cairn_err rv_ecall_fill_row(rv_ecall_fill_st *f, rv_lookups *lk, rv_memtrack *mt, uint32_t ts, int last,
                            uint32_t n_read, uint32_t done_before, uint32_t done_after, uint32_t *a0, int *writes)
{
    const rv_ecall *c = f->e;
    RETURN_ERROR_IF(done_before != f->done, CAIRN_ERR_CORRUPT,
                    "rv ecall fill: cycle %u: the trace says %u bytes done of a call in parts, the table %u",
                    ts / 8 - 1, done_before, f->done);
    RETURN_ERROR_IF(f->row >= (size_t)1 << c->log_n, CAIRN_ERR_LIMIT,
                    "rv ecall fill: more than 2^%u ECALLs (cycle %u)", c->log_n, ts / 8 - 1);
    RETURN_ERROR_IF(f->row && ts <= f->prev_ts, CAIRN_ERR_CORRUPT, "rv ecall fill: ECALLs out of order");
    gl_t *r = f->main + f->row * c->ncols;
    put_running(f, r);
    r[c->active] = 1;
    r[c->last] = last != 0;
    r[c->ts] = ts;
    const uint32_t gap = f->row ? ts - f->prev_ts - 1 : 0;
    r[c->olo] = gap & 0xffff;
    r[c->ohi] = gap >> 16;
    rv_lk_range(lk, gap & 0xffff, 16);
    rv_lk_range(lk, gap >> 16, 16);
    f->prev_ts = ts;
    f->row++;

    uint32_t a7, fd, buf, len;
    FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_a7, r, lk, mt, &a7, RV_REG_ADDR(17), ts + RV_SLOT_RS1));
    FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_a1, r, lk, mt, &buf, RV_REG_ADDR(11), ts + RV_SLOT_DATA));
    uint32_t pts;
    if (!rv_memtrack_get(mt, RV_REG_ADDR(10), &fd, &pts))
        return cairn_fail(CAIRN_ERR_CORRUPT, "rv ecall fill: a0 unknown");
    r[c->a7] = a7;
    r[c->fd] = fd;
    r[c->buf] = buf;
    int e = -1, fault = 0; /* outcome flag, -1: other; EFAULT (not EBADF) */
    uint32_t vd = 0;
    /* a2 at slot ARG before a0's access at slot RD: the tracker orders
     * the accesses of each address on its own */
    FORWARD_IF_ERROR(rv_mem_fill_read(&c->m_a2, r, lk, mt, &len, RV_REG_ADDR(12), ts + RV_SLOT_ARG));
    r[c->len] = len;
    if (a7 == RV_SYS_EXIT || a7 == RV_SYS_EXIT_GROUP) {
        e = RV_EC_EXIT;
    } else if (a7 == RV_SYS_READ) {
        fault = fd == 0 && !buf_ok(buf, len);
        e = fd != 0 || fault ? RV_EC_ERR : RV_EC_F0;
    } else if (a7 == RV_SYS_WRITE) {
        fault = (fd == 1 || fd == 2) && !buf_ok(buf, len);
        e = (fd != 1 && fd != 2) || fault ? RV_EC_ERR : fd == 1 ? RV_EC_F1 : RV_EC_F2;
    }
    if (e >= 0) r[c->e[e]] = 1;
    if (e < 0) {
        r[c->P1] = gl_mul(gl_sub(a7, 63), gl_sub(a7, 64));
        r[c->P2] = gl_mul(gl_sub(a7, 93), gl_sub(a7, 94));
        r[c->W1] = inv0(r[c->P1]);
        r[c->W2] = inv0(r[c->P2]);
        vd = (uint32_t)-RV_ENOSYS;
    } else if (e == RV_EC_ERR) {
        const int w = a7 == RV_SYS_WRITE;
        r[c->isw] = w;
        r[c->isf] = fault;
        r[c->P1] = gl_mul(gl_sub(fd, 1), gl_sub(fd, 2));
        r[c->q] = w ? r[c->P1] : fd;
        r[c->W1] = inv0(r[c->q]);
        vd = (uint32_t)(fault ? -RV_EFAULT : -RV_EBADF);
    } else if (e == RV_EC_EXIT) {
        vd = fd;
    }
    if (e == RV_EC_ERR || e == RV_EC_F0 || e == RV_EC_F1 || e == RV_EC_F2) {
        const uint32_t zz = len != 0, lo = buf < RV_MEM_MIN;
        const uint32_t bd = lo ? RV_MEM_MIN - 1 - buf : buf - RV_MEM_MIN;
        r[c->z] = zz;
        r[c->wl] = inv0(len);
        r[c->lo] = lo;
        r[c->bd] = bd;
        r[c->h] = bd >> 16;
        rv_lk_range(lk, bd & 0xffff, 16);
        rv_lk_range(lk, bd >> 16, 16);
        rv_add_fill(&c->add, r, lk, buf, len - zz);
        if (e == RV_EC_ERR) r[c->fl] = !lo && !r[c->add.carry];
    }
    const int ok = e == RV_EC_F0 || e == RV_EC_F1 || e == RV_EC_F2, part = done_after != 0;
    RETURN_ERROR_IF((!ok && (f->done || part)) ||
                        (part && (done_after <= f->done || done_after > len || (e == RV_EC_F0 && f->eof))),
                    CAIRN_ERR_CORRUPT, "rv ecall fill: cycle %u: no valid part of a call (bytes done %u -> %u of %u)",
                    ts / 8 - 1, f->done, done_after, len);
    uint32_t nt = 0;
    if (ok) {
        if (part) {
            nt = done_after;
            vd = fd;
        } else if (e == RV_EC_F0) {
            RETURN_ERROR_IF(n_read > len || n_read < f->done || (f->eof && n_read), CAIRN_ERR_CORRUPT,
                            "rv ecall fill: cycle %u: read returns %u of %u bytes (end-of-file %u, %u done)",
                            ts / 8 - 1, n_read, len, f->eof, f->done);
            nt = vd = n_read;
        } else {
            nt = vd = len;
        }
        const uint32_t l = rv_lt_fill(&c->lt, r, lk, 0, nt, len);
        r[c->sh] = e == RV_EC_F0 && l && !f->eof && !part;
        const uint32_t k = nt - f->done, io = k != 0;
        r[c->io] = io;
        r[c->nhi] = (k - io) >> 16;
        rv_lk_range(lk, (k - io) & 0xffff, 16);
        rv_lk_range(lk, (k - io) >> 16, 16);
        r[c->nt] = nt;
        r[c->part] = part;
        r[c->pn] = part && !last;
    }
    uint32_t prev;
    FORWARD_IF_ERROR(rv_mem_fill_write(&c->m_a0, r, lk, mt, &prev, RV_REG_ADDR(10), ts + RV_SLOT_RD, vd));
    r[c->vd] = vd;

    /* running values after the row */
    if (ok) f->cnt[e - RV_EC_F0] += nt - f->done;
    f->done = part ? nt : 0;
    if (e == RV_EC_F0 && r[c->sh]) f->eof = 1;
    if (e == RV_EC_EXIT) {
        f->halted = 1;
        f->exit_code = fd;
    }
    *a0 = vd;
    *writes = e != RV_EC_EXIT;
    return CAIRN_OK;
}

void rv_ecall_fill_end(rv_ecall_fill_st *f)
{
    const size_t n = (size_t)1 << f->e->log_n;
    for (size_t i = f->row; i < n; i++) put_running(f, f->main + i * f->e->ncols);
}
