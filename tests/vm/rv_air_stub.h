/* A test table that stands in for the tables a test leaves out (the cpu,
 * the memory boundary, the paging tables): each row carries one message on
 * RV_BUS_MEM, RV_BUS_IO, RV_BUS_STATE or RV_BUS_NODE with a signed
 * multiplicity (+1 send, -1 receive). Header-only, static. */
#ifndef CAIRN_TESTS_RV_AIR_STUB_H
#define CAIRN_TESTS_RV_AIR_STUB_H

#include <stdlib.h>
#include <string.h>

#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air_int.h"

enum {
    STUB_MEM = 0,            /* mult, addr, value, ts */
    STUB_IO = STUB_MEM + 4,  /* mult, ts, fd, buf, n, pos */
    STUB_ST = STUB_IO + 6,   /* mult, 7 elements */
    STUB_NODE = STUB_ST + 8, /* mult, 10 elements */
    STUB_NCOLS = STUB_NODE + 11
};

static inline air_table *stub_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "stub", 0, STUB_NCOLS);
    if (!t) return NULL;
    static const unsigned at[4] = {STUB_MEM, STUB_IO, STUB_ST, STUB_NODE}, len[4] = {3, 5, 7, 10};
    static const unsigned bus[4] = {RV_BUS_MEM, RV_BUS_IO, RV_BUS_STATE, RV_BUS_NODE};
    for (unsigned b = 0; b < 4; b++) {
        air_expr tup[10];
        for (unsigned i = 0; i < len[b]; i++) tup[i] = air_col(m, t, AIR_MAIN, at[b] + 1 + i, 0);
        air_interact(m, t, bus[b], AIR_SEND, air_col(m, t, AIR_MAIN, at[b], 0), tup, len[b]);
    }
    return t;
}

typedef struct {
    gl_t *v; /* rows of STUB_NCOLS */
    size_t n, cap;
} stub_rows;

static inline gl_t *stub_row(stub_rows *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * STUB_NCOLS * sizeof *s->v);
        if (!s->v) abort();
    }
    gl_t *r = s->v + s->n++ * STUB_NCOLS;
    memset(r, 0, STUB_NCOLS * sizeof *r);
    return r;
}

static inline gl_t stub_sign(int sign) { return sign > 0 ? 1 : GL_P - 1; }

static inline void stub_msg(stub_rows *s, unsigned at, int sign, const gl_t *e, unsigned len)
{
    gl_t *r = stub_row(s);
    r[at] = stub_sign(sign);
    memcpy(r + at + 1, e, len * sizeof *e);
}

static inline void stub_mem(stub_rows *s, int sign, gl_t addr, gl_t value, gl_t ts)
{
    gl_t e[3] = {addr, value, ts};
    stub_msg(s, STUB_MEM, sign, e, 3);
}

/* The state table's four journal messages (RV_BUS_STATE tags 3..6) for a
 * segment from state a to state b: chain in with the tail length and the
 * bytes written, tail in, chain out, tail out. */
static inline void stub_journal_msgs(gl_t m[4][7], const rv_state *a, const rv_state *b)
{
    memset(m, 0, 4 * sizeof m[0]);
    m[0][0] = RV_STATE_JOURNAL_IN;
    m[1][0] = RV_STATE_JTAIL_IN;
    m[2][0] = RV_STATE_JOURNAL_OUT;
    m[3][0] = RV_STATE_JTAIL_OUT;
    for (int i = 0; i < 4; i++) {
        m[0][1 + i] = a->journal_chain.v[i];
        m[1][1 + i] = a->journal_tail[i];
        m[2][1 + i] = b->journal_chain.v[i];
        m[3][1 + i] = b->journal_tail[i];
    }
    m[0][5] = a->journal_len & 15;
    m[0][6] = b->journal_len - a->journal_len;
}

/* The table's rows, padded with zeros to 2^log_n >= max(4, n); the caller
 * frees the result. */
static inline gl_t *stub_trace(const stub_rows *s, unsigned *log_n)
{
    unsigned l = 2;
    while (((size_t)1 << l) < s->n) l++;
    gl_t *t = calloc((size_t)STUB_NCOLS << l, sizeof *t);
    if (!t) abort();
    if (s->n) memcpy(t, s->v, s->n * STUB_NCOLS * sizeof *t);
    *log_n = l;
    return t;
}

#endif
