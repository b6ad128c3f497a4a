/* The p2 table of the RV32IM AIR and its callers' helpers (rv_air_p2.h). */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_air_p2.h"

#define W P2_WIDTH

static const p2_air GADGET = {RV_P2_COL_GADGET, 0};

void rv_p2_calls_free(rv_p2_calls *c)
{
    if (!c) return;
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

cairn_err rv_p2_record(rv_p2_calls *c, gl_t out[P2_WIDTH], const gl_t in[P2_WIDTH])
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        rv_p2_call *v = cairn_realloc_array(c->v, cap, sizeof *v);
        if (!v)
            return cairn_fail_nomem(cap * sizeof *v, "rv air: out of memory for %zu Poseidon2 calls", cap);
        c->v = v;
        c->cap = cap;
    }
    rv_p2_call *k = &c->v[c->n++];
    memcpy(k->in, in, sizeof k->in);
    k->mult = 1;
    memcpy(out, in, W * sizeof *out);
    p2_permute(out);
    return CAIRN_OK;
}

air_table *rv_p2_table_add(air_machine *m)
{
    air_table *t = air_table_add(m, "p2", 0, RV_P2_NCOLS);
    if (!t) return NULL;
    air_expr tup[2 * W];
    for (unsigned i = 0; i < W; i++) tup[i] = air_col(m, t, AIR_MAIN, RV_P2_COL_IN + i, 0);
    p2_air_build(&GADGET, m, t, tup + W, tup);
    air_interact(m, t, RV_BUS_P2, AIR_RECEIVE, air_col(m, t, AIR_MAIN, RV_P2_COL_MULT, 0), tup, 2 * W);
    return t;
}

cairn_err rv_p2_table_fill(gl_t *main, unsigned log_n, const rv_p2_call *calls, size_t ncalls)
{
    RETURN_ERROR_IF(log_n >= sizeof(size_t) * 8, CAIRN_ERR_USAGE, "rv air: p2 table height 2^%u", log_n);
    const size_t n = (size_t)1 << log_n;
    RETURN_ERROR_IF(ncalls > n, CAIRN_ERR_LIMIT,
                    "rv air: %zu Poseidon2 calls do not fit the p2 table of 2^%u rows", ncalls, log_n);
    gl_t out[W];
    for (size_t i = 0; i < ncalls; i++) {
        gl_t *row = main + i * RV_P2_NCOLS;
        memcpy(row + RV_P2_COL_IN, calls[i].in, sizeof calls[i].in);
        FORWARD_IF_ERROR(p2_air_fill(&GADGET, row, out, calls[i].in));
        row[RV_P2_COL_MULT] = calls[i].mult;
    }
    if (ncalls == n) return CAIRN_OK;
    /* padding: the permutation of zeros, answering no send */
    gl_t *pad = main + ncalls * RV_P2_NCOLS;
    static const gl_t zero[W];
    memset(pad, 0, RV_P2_NCOLS * sizeof *pad);
    FORWARD_IF_ERROR(p2_air_fill(&GADGET, pad, out, zero));
    for (size_t i = ncalls + 1; i < n; i++) memcpy(main + i * RV_P2_NCOLS, pad, RV_P2_NCOLS * sizeof *pad);
    return CAIRN_OK;
}

void rv_p2_send(air_machine *m, air_table *t, air_expr sel, const air_expr in[P2_WIDTH],
                const air_expr out[P2_WIDTH])
{
    air_expr tup[2 * W];
    memcpy(tup, in, W * sizeof *tup);
    memcpy(tup + W, out, W * sizeof *tup);
    air_interact(m, t, RV_BUS_P2, AIR_SEND, sel, tup, 2 * W);
}

void rv_p2_absorb(air_machine *m, air_table *t, air_expr sel, const air_expr *msg, unsigned take,
                  const air_expr cap[RV_P2_CAP], const air_expr out[P2_WIDTH])
{
    if (take > P2_RATE) {
        air_machine_fail(m, CAIRN_ERR_USAGE, "rv air: sponge step absorbs more than 8 elements");
        return;
    }
    air_expr in[W];
    for (unsigned j = 0; j < P2_RATE; j++)
        in[j] = j < take ? msg[j] : air_const(m, t, j == take ? 1 : 0); /* 10* padding */
    memcpy(in + P2_RATE, cap, RV_P2_CAP * sizeof *in);
    rv_p2_send(m, t, sel, in, out);
}

void rv_p2_sponge_start(air_machine *m, air_table *t, air_expr sel, const air_expr cap[RV_P2_CAP],
                        air_expr len)
{
    /* the length in capacity element 8 separates inputs of different
     * lengths (p2.h); the other capacity elements start at zero */
    air_constrain(m, t, air_mul(m, t, sel, air_sub(m, t, cap[0], len)), "p2 sponge length");
    for (unsigned i = 1; i < RV_P2_CAP; i++)
        air_constrain(m, t, air_mul(m, t, sel, cap[i]), "p2 sponge start");
}

void rv_p2_sponge_chain(air_machine *m, air_table *t, air_expr sel, const air_expr cap[RV_P2_CAP],
                        const air_expr prev_out[P2_WIDTH])
{
    /* overwrite mode: only the capacity carries over between blocks */
    for (unsigned i = 0; i < RV_P2_CAP; i++)
        air_constrain(m, t, air_mul(m, t, sel, air_sub(m, t, cap[i], prev_out[P2_RATE + i])),
                      "p2 sponge chain");
}

void rv_p2_sponge_init(gl_t st[P2_WIDTH], uint64_t len)
{
    memset(st, 0, W * sizeof *st);
    st[P2_RATE] = gl_from_u64(len);
}

cairn_err rv_p2_absorb_fill(rv_p2_calls *calls, gl_t st[P2_WIDTH], const gl_t *msg, unsigned take)
{
    RETURN_ERROR_IF(take > P2_RATE, CAIRN_ERR_USAGE, "rv air: sponge step absorbs %u > 8 elements", take);
    for (unsigned j = 0; j < P2_RATE; j++) st[j] = j < take ? msg[j] : j == take ? 1 : 0;
    gl_t in[W];
    memcpy(in, st, sizeof in);
    return rv_p2_record(calls, st, in);
}
