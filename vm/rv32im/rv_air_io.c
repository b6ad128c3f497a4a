/* The io and journal tables of the RV32IM AIR (rv_air_io.h). */
#include <string.h>

#include "common/err.h"
#include "rv_air_io.h"
#include "rv_air_tables.h"

#define W P2_WIDTH
#define D P2_DIGEST

static air_expr col(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_MAIN, i, 0); }
static air_expr nxt(air_machine *m, air_table *t, unsigned i) { return air_col(m, t, AIR_MAIN, i, 1); }
static air_expr k(air_machine *m, air_table *t, gl_t c) { return air_const(m, t, c); }
static air_expr one_minus(air_machine *m, air_table *t, air_expr a) { return air_sub(m, t, k(m, t, 1), a); }
static void zero(air_machine *m, air_table *t, air_expr e, const char *name) { air_constrain(m, t, e, name); }
static void boolean(air_machine *m, air_table *t, air_expr a, const char *name)
{
    air_constrain(m, t, air_mul(m, t, a, one_minus(m, t, a)), name);
}

/* ---- calls -------------------------------------------------------------- */

static unsigned popcount4(uint32_t mask) { return (mask & 1) + (mask >> 1 & 1) + (mask >> 2 & 1) + (mask >> 3 & 1); }
static unsigned lowbit4(uint32_t mask)
{
    unsigned i = 0;
    while (i < 4 && !(mask >> i & 1)) i++;
    return i;
}
static int contiguous4(uint32_t mask)
{
    if (!mask || mask > 15) return 0;
    uint32_t m = mask >> lowbit4(mask);
    return (m & (m + 1)) == 0;
}

cairn_err rv_io_call_at(rv_io_call *c, const rv_trace *tr, size_t first)
{
    RETURN_ERROR_IF(first >= tr->io_nrows, CAIRN_ERR_USAGE, "rv air io: row %zu past the io table (%zu rows)", first,
                    tr->io_nrows);
    uint32_t *const *io = tr->io_col;
    const uint32_t cyc = io[RV_IO_cycle][first], fd = io[RV_IO_fd][first];
    size_t r = first;
    uint32_t n = 0;
    for (; r < tr->io_nrows && io[RV_IO_cycle][r] == cyc; r++) {
        const uint32_t mask = io[RV_IO_mask][r];
        const int is_first = r == first;
        const int is_last = r + 1 == tr->io_nrows || io[RV_IO_cycle][r + 1] != cyc;
        RETURN_ERROR_IF(!contiguous4(mask) || (!is_first && !(mask & 1)) || (!is_last && !(mask & 8)) ||
                            io[RV_IO_fd][r] != fd || io[RV_IO_addr][r] % 4 ||
                            (!is_first && io[RV_IO_addr][r] != io[RV_IO_addr][r - 1] + 4) ||
                            io[RV_IO_pos][r] != io[RV_IO_pos][first] + n,
                        CAIRN_ERR_CORRUPT, "rv air io: io row %zu (cycle %u) breaks the io table's rules", r, cyc);
        n += popcount4(mask);
    }
    RETURN_ERROR_IF(fd > 2, CAIRN_ERR_CORRUPT, "rv air io: io row %zu has fd %u", first, fd);
    RETURN_ERROR_IF(cyc >= (1u << RV_MAX_SEGMENT_PO2), CAIRN_ERR_CORRUPT, "rv air io: io row %zu has cycle %u", first,
                    cyc);
    c->ts = 8 * (cyc + 1);
    c->fd = fd;
    c->buf = io[RV_IO_addr][first] + lowbit4(io[RV_IO_mask][first]);
    c->n = n;
    c->pos = fd == 2 ? 0 : io[RV_IO_pos][first]; /* the debug log's bytes have no order (rv_air_int.h) */
    c->first = first;
    c->nrows = r - first;
    return CAIRN_OK;
}

/* ---- io table ----------------------------------------------------------- */

static const rv_mem_g IO_MEM = {RV_IOT_MEM, RV_IOT_MEM + 1};

air_table *rv_io_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "io", 0, RV_IOT_NCOLS);
    if (!t) return NULL;
    air_expr act = col(m, t, RV_IOT_ACTIVE), first = col(m, t, RV_IOT_FIRST), last = col(m, t, RV_IOT_LAST);
    air_expr fd[3], mk[4], pv[4], by[4];
    for (unsigned i = 0; i < 3; i++) fd[i] = col(m, t, RV_IOT_FD0 + i);
    for (unsigned i = 0; i < 4; i++) {
        mk[i] = col(m, t, RV_IOT_MASK + i);
        pv[i] = col(m, t, RV_IOT_PREV + i);
        by[i] = col(m, t, RV_IOT_BYTE + i);
    }
    air_expr ts = col(m, t, RV_IOT_TS), waddr = col(m, t, RV_IOT_WADDR), buf = col(m, t, RV_IOT_BUF);
    air_expr rem = col(m, t, RV_IOT_REM), pos = col(m, t, RV_IOT_POS), value = col(m, t, RV_IOT_VALUE);
    air_expr trans = air_sel(m, t, AIR_SEL_TRANS);

    /* flags */
    boolean(m, t, act, "io active boolean");
    boolean(m, t, first, "io first boolean");
    boolean(m, t, last, "io last boolean");
    zero(m, t, air_mul(m, t, first, one_minus(m, t, act)), "io first is active");
    zero(m, t, air_mul(m, t, last, one_minus(m, t, act)), "io last is active");
    for (unsigned i = 0; i < 3; i++) boolean(m, t, fd[i], "io fd boolean");
    zero(m, t, air_sub(m, t, air_add(m, t, air_add(m, t, fd[0], fd[1]), fd[2]), act), "io fd one-hot");
    for (unsigned i = 0; i < 4; i++) boolean(m, t, mk[i], "io mask boolean");

    /* row order: active rows first; a call's rows are consecutive */
    air_expr cont = air_mul(m, t, act, one_minus(m, t, last)); /* the call goes on */
    zero(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_FIRST), air_sub(m, t, first, act)), "io row 0 starts a call");
    zero(m, t, air_mul(m, t, trans, air_mul(m, t, one_minus(m, t, act), nxt(m, t, RV_IOT_ACTIVE))),
         "io padding is last");
    zero(m, t, air_mul(m, t, trans, air_add(m, t, air_sub(m, t, nxt(m, t, RV_IOT_FIRST), nxt(m, t, RV_IOT_ACTIVE)), cont)),
         "io next first");
    zero(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_LAST), cont), "io call ends in the table");
    /* cont = 0 on the table's last row, so these need no transition
     * selector (and stay of degree 3) */
    zero(m, t, air_mul(m, t, cont, one_minus(m, t, nxt(m, t, RV_IOT_ACTIVE))), "io call continues");
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_IOT_TS), ts)), "io call ts");
    for (unsigned i = 0; i < 3; i++)
        zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_IOT_FD0 + i), fd[i])), "io call fd");
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_IOT_WADDR), air_add(m, t, waddr, k(m, t, 1)))),
         "io call next word");
    air_expr pc = air_add(m, t, air_add(m, t, mk[0], mk[1]), air_add(m, t, mk[2], mk[3]));
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_IOT_POS), air_add(m, t, pos, pc))), "io call pos");
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_IOT_REM), air_sub(m, t, rem, pc))), "io call rem");
    zero(m, t, air_mul(m, t, last, air_sub(m, t, rem, pc)), "io last row length");

    /* masks: contiguous; inner edges full */
    static const unsigned gap[4][3] = {{0, 1, 2}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}};
    for (unsigned g = 0; g < 4; g++)
        zero(m, t, air_mul(m, t, air_mul(m, t, mk[gap[g][0]], one_minus(m, t, mk[gap[g][1]])), mk[gap[g][2]]),
             "io mask contiguous");
    zero(m, t, air_mul(m, t, air_sub(m, t, act, first), one_minus(m, t, mk[0])), "io mask starts at byte 0");
    zero(m, t, air_mul(m, t, cont, one_minus(m, t, mk[3])), "io mask ends at byte 3");
    /* first row: buf = 4 waddr + the first masked byte, mask nonzero */
    air_expr st[4], off = k(m, t, 0), nst = k(m, t, 0);
    st[0] = mk[0];
    for (unsigned i = 1; i < 4; i++) st[i] = air_mul(m, t, mk[i], one_minus(m, t, mk[i - 1]));
    for (unsigned i = 0; i < 4; i++) {
        off = air_add(m, t, off, air_mul(m, t, k(m, t, i), st[i]));
        nst = air_add(m, t, nst, st[i]);
    }
    zero(m, t, air_mul(m, t, first, air_sub(m, t, buf, air_add(m, t, air_mul(m, t, k(m, t, 4), waddr), off))),
         "io first row covers buf");
    zero(m, t, air_mul(m, t, first, one_minus(m, t, nst)), "io first row mask nonzero");

    /* the word: bytes, the access, the moved bytes */
    air_expr prev = k(m, t, 0), delta = k(m, t, 0);
    for (unsigned i = 0; i < 4; i++) {
        air_expr s = k(m, t, (gl_t)1 << (8 * i));
        prev = air_add(m, t, prev, air_mul(m, t, s, pv[i]));
        delta = air_add(m, t, delta, air_mul(m, t, s, air_mul(m, t, mk[i], air_sub(m, t, by[i], pv[i]))));
        rv_range_send(m, t, act, pv[i], 8);
        rv_range_send(m, t, act, by[i], 8);
        zero(m, t, air_mul(m, t, air_add(m, t, fd[1], fd[2]), air_mul(m, t, mk[i], air_sub(m, t, by[i], pv[i]))),
             "io write moves memory bytes");
    }
    zero(m, t, air_sub(m, t, value, air_add(m, t, prev, delta)), "io word keeps unmasked bytes");
    zero(m, t, air_mul(m, t, act, air_sub(m, t, waddr, air_add(m, t, col(m, t, RV_IOT_WLO),
                                                                air_mul(m, t, k(m, t, 1u << 16), col(m, t, RV_IOT_WHI))))),
         "io waddr limbs");
    rv_range_send(m, t, act, col(m, t, RV_IOT_WLO), 16);
    rv_range_send(m, t, act, col(m, t, RV_IOT_WHI), 14);
    rv_mem_build(&IO_MEM, m, t, act, waddr, prev, value, air_add(m, t, ts, k(m, t, RV_SLOT_IO)));

    /* the hand-off */
    air_expr hand[5] = {ts, air_add(m, t, fd[1], air_mul(m, t, k(m, t, 2), fd[2])), buf, rem, pos};
    air_interact(m, t, RV_BUS_IO, AIR_RECEIVE, first, hand, 5);
    /* journal bytes in stream order */
    air_expr before = k(m, t, 0);
    for (unsigned i = 0; i < 4; i++) {
        air_expr tup[2] = {air_add(m, t, pos, before), by[i]};
        air_interact(m, t, RV_BUS_JOURNAL, AIR_SEND, air_mul(m, t, fd[1], mk[i]), tup, 2);
        before = air_add(m, t, before, mk[i]);
    }
    return t;
}

cairn_err rv_io_fill_call(gl_t *main, unsigned log_n, size_t *row, rv_lookups *lk, rv_memtrack *mt,
                          const rv_trace *tr, const rv_io_call *c)
{
    const size_t n = (size_t)1 << log_n;
    RETURN_ERROR_IF(*row > n || c->nrows > n - *row, CAIRN_ERR_LIMIT,
                    "rv air io: call at cycle %u needs %zu io rows, %zu of 2^%u left", c->ts / 8 - 1, c->nrows,
                    n - (*row > n ? n : *row), log_n);
    uint32_t *const *io = tr->io_col;
    uint32_t pos = c->pos, rem = c->n;
    for (size_t i = 0; i < c->nrows; i++) {
        const size_t r = c->first + i;
        gl_t *x = main + (*row + i) * RV_IOT_NCOLS;
        memset(x, 0, RV_IOT_NCOLS * sizeof *x);
        const uint32_t mask = io[RV_IO_mask][r], waddr = io[RV_IO_addr][r] >> 2;
        const uint32_t before = io[RV_IO_before][r], after = io[RV_IO_after][r];
        x[RV_IOT_ACTIVE] = 1;
        x[RV_IOT_FIRST] = i == 0;
        x[RV_IOT_LAST] = i + 1 == c->nrows;
        x[RV_IOT_FD0 + c->fd] = 1;
        x[RV_IOT_TS] = c->ts;
        x[RV_IOT_WADDR] = waddr;
        x[RV_IOT_BUF] = i == 0 ? c->buf : 0;
        x[RV_IOT_REM] = rem;
        x[RV_IOT_POS] = pos;
        for (unsigned b = 0; b < 4; b++) {
            const uint32_t pb = before >> (8 * b) & 0xff, ab = after >> (8 * b) & 0xff;
            const uint32_t mb = mask >> b & 1;
            x[RV_IOT_MASK + b] = mb;
            x[RV_IOT_PREV + b] = pb;
            x[RV_IOT_BYTE + b] = mb ? ab : 0;
            rv_lk_range(lk, pb, 8);
            rv_lk_range(lk, mb ? ab : 0, 8);
        }
        x[RV_IOT_VALUE] = after;
        x[RV_IOT_WLO] = waddr & 0xffff;
        x[RV_IOT_WHI] = waddr >> 16;
        rv_lk_range(lk, waddr & 0xffff, 16);
        rv_lk_range(lk, waddr >> 16, 14);
        uint32_t prev_value;
        if (c->fd == 0) {
            FORWARD_IF_ERROR(rv_mem_fill_write(&IO_MEM, x, lk, mt, &prev_value, waddr, c->ts + RV_SLOT_IO, after));
        } else {
            FORWARD_IF_ERROR(rv_mem_fill_read(&IO_MEM, x, lk, mt, &prev_value, waddr, c->ts + RV_SLOT_IO));
        }
        RETURN_ERROR_IF(prev_value != before, CAIRN_ERR_CORRUPT,
                        "rv air io: word 0x%08x holds 0x%08x at cycle %u, the trace says 0x%08x", waddr << 2,
                        prev_value, c->ts / 8 - 1, before);
        pos += popcount4(mask);
        rem -= popcount4(mask);
    }
    *row += c->nrows;
    return CAIRN_OK;
}

void rv_io_fill_pad(gl_t *main, unsigned log_n, size_t row)
{
    const size_t n = (size_t)1 << log_n;
    if (row < n) memset(main + row * RV_IOT_NCOLS, 0, (n - row) * RV_IOT_NCOLS * sizeof *main);
}

cairn_err rv_io_fill(gl_t *main, unsigned log_n, rv_lookups *lk, rv_memtrack *mt, const rv_trace *tr)
{
    size_t row = 0;
    for (size_t r = 0; r < tr->io_nrows;) {
        rv_io_call c;
        FORWARD_IF_ERROR(rv_io_call_at(&c, tr, r));
        FORWARD_IF_ERROR(rv_io_fill_call(main, log_n, &row, lk, mt, tr, &c));
        r += c.nrows;
    }
    rv_io_fill_pad(main, log_n, row);
    return CAIRN_OK;
}

/* ---- journal table ------------------------------------------------------ */

/* Block words of a journal row's bytes (little-endian). */
static void block_words(air_machine *m, air_table *t, air_expr w[4])
{
    for (unsigned i = 0; i < 4; i++) {
        w[i] = k(m, t, 0);
        for (unsigned j = 0; j < 4; j++)
            w[i] = air_add(m, t, w[i], air_mul(m, t, k(m, t, (gl_t)1 << (8 * j)), col(m, t, RV_JT_B + 4 * i + j)));
    }
}

static void state_receive(air_machine *m, air_table *t, air_expr mult, unsigned tag, const air_expr v[4], air_expr a,
                          air_expr b)
{
    air_expr tup[7] = {k(m, t, tag), v[0], v[1], v[2], v[3], a, b};
    air_interact(m, t, RV_BUS_STATE, AIR_RECEIVE, mult, tup, 7);
}

air_table *rv_journal_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "journal", 0, RV_JT_NCOLS);
    if (!t) return NULL;
    air_expr act = col(m, t, RV_JT_ACTIVE), last = col(m, t, RV_JT_LAST), row0 = col(m, t, RV_JT_ROW0);
    air_expr base = col(m, t, RV_JT_BASE), J = col(m, t, RV_JT_J);
    air_expr trans = air_sel(m, t, AIR_SEL_TRANS), sfirst = air_sel(m, t, AIR_SEL_FIRST);
    air_expr sl = air_sel(m, t, AIR_SEL_LAST);
    air_expr b[16], o[16], w[16], z[16];
    for (unsigned j = 0; j < 16; j++) {
        b[j] = col(m, t, RV_JT_B + j);
        o[j] = col(m, t, RV_JT_O + j);
        w[j] = col(m, t, RV_JT_W + j);
        z[j] = air_sub(m, t, one_minus(m, t, o[j]), w[j]);
    }
    /* rows: row 0 active; active rows first; last = the last active row */
    boolean(m, t, act, "journal active boolean");
    boolean(m, t, last, "journal last boolean");
    boolean(m, t, row0, "journal row0 boolean");
    zero(m, t, air_mul(m, t, sfirst, one_minus(m, t, row0)), "journal row0 on row 0");
    zero(m, t, air_mul(m, t, trans, nxt(m, t, RV_JT_ROW0)), "journal row0 only on row 0");
    zero(m, t, air_mul(m, t, sfirst, one_minus(m, t, act)), "journal row 0 active");
    zero(m, t, air_mul(m, t, trans, air_mul(m, t, one_minus(m, t, act), nxt(m, t, RV_JT_ACTIVE))),
         "journal padding is last");
    zero(m, t, air_mul(m, t, trans, air_add(m, t, air_sub(m, t, last, act), nxt(m, t, RV_JT_ACTIVE))),
         "journal last active row");
    zero(m, t, air_mul(m, t, sl, air_sub(m, t, last, act)), "journal last active row");
    /* bytes: o..o w..w z..z; o only on row 0; nothing on padding */
    for (unsigned j = 0; j < 16; j++) {
        boolean(m, t, o[j], "journal old boolean");
        boolean(m, t, w[j], "journal written boolean");
        zero(m, t, air_mul(m, t, o[j], w[j]), "journal old or written");
        zero(m, t, air_mul(m, t, one_minus(m, t, row0), o[j]), "journal old only on row 0");
        zero(m, t, air_mul(m, t, one_minus(m, t, act), w[j]), "journal padding writes nothing");
        zero(m, t, air_mul(m, t, z[j], b[j]), "journal unwritten byte is 0");
        if (j + 1 < 16) {
            zero(m, t, air_mul(m, t, o[j + 1], one_minus(m, t, o[j])), "journal old bytes first");
            zero(m, t, air_mul(m, t, z[j], one_minus(m, t, z[j + 1])), "journal unwritten bytes last");
        }
    }
    air_expr cont = air_sub(m, t, act, last); /* 0 on the table's last row */
    zero(m, t, air_mul(m, t, cont, z[15]), "journal inner block complete");
    zero(m, t, air_mul(m, t, last, one_minus(m, t, z[15])), "journal last block incomplete");
    /* positions */
    air_expr nold = k(m, t, 0), nmoved = k(m, t, 0);
    for (unsigned j = 0; j < 16; j++) {
        nold = air_add(m, t, nold, o[j]);
        nmoved = air_add(m, t, nmoved, air_add(m, t, o[j], w[j]));
    }
    zero(m, t, air_mul(m, t, row0, air_add(m, t, base, nold)), "journal row 0 base");
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_JT_BASE), air_add(m, t, base, k(m, t, 16)))),
         "journal next base");
    zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_JT_J), J)), "journal J constant");
    zero(m, t, air_mul(m, t, last, air_sub(m, t, air_add(m, t, nmoved, base), J)), "journal ends at J");
    for (unsigned j = 0; j < 16; j++) {
        air_expr tup[2] = {air_add(m, t, base, k(m, t, j)), b[j]};
        air_interact(m, t, RV_BUS_JOURNAL, AIR_RECEIVE, w[j], tup, 2);
        rv_range_send(m, t, o[j], b[j], 8); /* start tail bytes */
    }
    /* the chain */
    air_expr words[4], in[W], out[W], chain[D], tail_in[4];
    block_words(m, t, words);
    for (unsigned i = 0; i < D; i++) chain[i] = col(m, t, RV_JT_CHAIN + i);
    for (unsigned i = 0; i < W; i++) out[i] = col(m, t, RV_JT_OUT + i);
    for (unsigned i = 0; i < 4; i++) {
        in[i] = chain[i];
        in[D + i] = words[i];
        in[2 * D + i] = k(m, t, 0);
    }
    rv_p2_send(m, t, cont, in, out);
    for (unsigned i = 0; i < D; i++)
        zero(m, t, air_mul(m, t, cont, air_sub(m, t, nxt(m, t, RV_JT_CHAIN + i), out[i])), "journal chain");
    /* the start tail: the old bytes of row 0 */
    for (unsigned i = 0; i < 4; i++) {
        tail_in[i] = col(m, t, RV_JT_TAIL_IN + i);
        air_expr v = k(m, t, 0);
        for (unsigned j = 0; j < 4; j++)
            v = air_add(m, t, v, air_mul(m, t, k(m, t, (gl_t)1 << (8 * j)), air_mul(m, t, o[4 * i + j], b[4 * i + j])));
        zero(m, t, air_mul(m, t, row0, air_sub(m, t, tail_in[i], v)), "journal start tail");
    }
    air_expr zr = k(m, t, 0);
    state_receive(m, t, row0, RV_STATE_JOURNAL_IN, chain, nold, J);
    state_receive(m, t, row0, RV_STATE_JTAIL_IN, tail_in, zr, zr);
    state_receive(m, t, last, RV_STATE_JOURNAL_OUT, chain, zr, zr);
    state_receive(m, t, last, RV_STATE_JTAIL_OUT, words, zr, zr);
    return t;
}

/* The next fd 1 byte of tr's io table from (*r, *kb) on (row, byte). */
static int next_journal_byte(uint32_t *v, const rv_trace *tr, size_t *r, unsigned *kb)
{
    uint32_t *const *io = tr->io_col;
    for (; *r < tr->io_nrows; (*r)++, *kb = 0) {
        if (io[RV_IO_fd][*r] != 1) continue;
        for (; *kb < 4; (*kb)++)
            if (io[RV_IO_mask][*r] >> *kb & 1) {
                *v = io[RV_IO_before][*r] >> (8 * *kb) & 0xff;
                (*kb)++;
                return 1;
            }
    }
    return 0;
}

size_t rv_journal_rows(uint64_t start_len, uint64_t nbytes) { return (size_t)(((start_len & 15) + nbytes) / 16 + 1); }

cairn_err rv_journal_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, rv_lookups *lk, const rv_snapshot *s,
                          const rv_trace *tr)
{
    const size_t n = (size_t)1 << log_n;
    const uint64_t J = s->end.journal_len - s->start.journal_len;
    const size_t need = rv_journal_rows(s->start.journal_len, J);
    RETURN_ERROR_IF(J > s->end.journal_len || need > n, CAIRN_ERR_LIMIT,
                    "rv air journal: %llu journal bytes need %zu blocks, the table has 2^%u rows",
                    (unsigned long long)J, need, log_n);
    memset(main, 0, n * RV_JT_NCOLS * sizeof *main);
    const unsigned s0 = (unsigned)(s->start.journal_len & 15);
    /* the fd 1 bytes of the trace, in order */
    size_t r = 0;
    unsigned kb = 0;
    uint64_t got = 0;
    gl_t chain[D];
    for (unsigned i = 0; i < D; i++) chain[i] = s->start.journal_chain.v[i];
    gl_t out[W];
    for (size_t row = 0; row < need; row++) {
        gl_t *x = main + row * RV_JT_NCOLS;
        x[RV_JT_ACTIVE] = 1;
        x[RV_JT_LAST] = row + 1 == need;
        x[RV_JT_ROW0] = row == 0;
        x[RV_JT_BASE] = gl_sub(gl_from_u64(16 * (uint64_t)row), s0);
        x[RV_JT_J] = gl_from_u64(J);
        memcpy(x + RV_JT_CHAIN, chain, sizeof chain);
        for (unsigned j = 0; j < 16; j++) {
            const uint64_t p = 16 * (uint64_t)row + j; /* j's position counted from the block of row 0 */
            uint32_t v = 0;
            if (row == 0 && j < s0) {
                v = s->start.journal_tail[j / 4] >> (8 * (j % 4)) & 0xff;
                x[RV_JT_O + j] = 1;
                rv_lk_range(lk, v, 8);
            } else if (p - s0 < J) {
                RETURN_ERROR_IF(!next_journal_byte(&v, tr, &r, &kb), CAIRN_ERR_VERIFY,
                                "rv air journal: the trace writes %llu journal bytes, the states say %llu",
                                (unsigned long long)got, (unsigned long long)J);
                got++;
                x[RV_JT_W + j] = 1;
            }
            x[RV_JT_B + j] = v;
        }
        gl_t words[4];
        for (unsigned i = 0; i < 4; i++)
            words[i] = x[RV_JT_B + 4 * i] | x[RV_JT_B + 4 * i + 1] << 8 | x[RV_JT_B + 4 * i + 2] << 16 |
                       x[RV_JT_B + 4 * i + 3] << 24;
        if (row == 0)
            for (unsigned i = 0; i < 4; i++) {
                gl_t v = 0;
                for (unsigned j = 0; j < 4; j++)
                    if (4 * i + j < s0) v |= x[RV_JT_B + 4 * i + j] << (8 * j);
                x[RV_JT_TAIL_IN + i] = v;
            }
        if (row + 1 < need) {
            gl_t in[W] = {0};
            memcpy(in, chain, sizeof chain);
            memcpy(in + D, words, sizeof words);
            FORWARD_IF_ERROR(rv_p2_record(calls, out, in));
            memcpy(x + RV_JT_OUT, out, sizeof out);
            memcpy(chain, out, sizeof chain);
        } else {
            /* the end: chain and tail of s->end */
            int ok = 1;
            for (unsigned i = 0; i < 4; i++)
                ok &= chain[i] == s->end.journal_chain.v[i] && words[i] == s->end.journal_tail[i];
            RETURN_ERROR_IF(!ok, CAIRN_ERR_VERIFY,
                            "rv air journal: the trace's journal bytes do not give the end state's chain and tail");
        }
    }
    uint32_t v;
    RETURN_ERROR_IF(next_journal_byte(&v, tr, &r, &kb), CAIRN_ERR_VERIFY,
                    "rv air journal: the trace writes more journal bytes than the states say (%llu)",
                    (unsigned long long)J);
    return CAIRN_OK;
}
