/* Poseidon2 hash-chain machine (machines.h).
 *
 * Choice of H: p2_compress (one permutation per hash), so a row proves one
 * permutation. Row layout (249 main columns):
 *   in[12]      permutation input (d_(i-1) || w_i || 0^4)
 *   p2[236]     the permutation gadget (p2_air.h: S-box columns of the
 *               8 full and 22 partial rounds; its fill checks every row
 *               against p2_permute)
 *   ctr         row counter 1..n
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "machines.h"
#include "p2.h"
#include "p2_air.h"
#include "stark_internal.h"

_Static_assert(STARK_MACHINE_MAX_LOG_N == STARK_MAX_LOG_N,
               "the generators take the heights a proof may state");

#define W P2_WIDTH
#define COL_IN 0
#define COL_P2 W
#define COL_CTR (COL_P2 + P2_AIR_NCOLS)
#define NCOLS (COL_CTR + 1)
_Static_assert(NCOLS == 249, "the row layout documented above");

static const p2_air GADGET = {COL_P2, 0};

unsigned stark_p2chain_width(void) { return NCOLS; }

cairn_err stark_machine_p2chain(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "p2chain", STARK_P2CHAIN_NPUB));
    air_table *t = air_table_add(m, "p2chain", 0, NCOLS);
    air_expr in[W], st[W];
    for (int i = 0; i < W; i++) in[i] = air_col(m, t, AIR_MAIN, COL_IN + i, 0);
    p2_air_build(&GADGET, m, t, st, in);
    air_expr first = air_sel(m, t, AIR_SEL_FIRST), last = air_sel(m, t, AIR_SEL_LAST);
    air_expr trans = air_sel(m, t, AIR_SEL_TRANS);
    /* compression: the last 4 input lanes are zero */
    for (int i = 8; i < W; i++) air_constrain(m, t, air_col(m, t, AIR_MAIN, COL_IN + i, 0), "zero lane");
    for (int i = 0; i < P2_DIGEST; i++) {
        /* the next hash's left input is this hash's digest */
        air_expr nx = air_col(m, t, AIR_MAIN, COL_IN + i, 1);
        air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, nx, st[i])), "chain");
        /* the last digest is the public output */
        air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, st[i], air_pub(m, t, i))), "output");
    }
    /* counter 1..n makes the public n equal the number of rows */
    air_expr c = air_col(m, t, AIR_MAIN, COL_CTR, 0), cn = air_col(m, t, AIR_MAIN, COL_CTR, 1);
    air_expr one = air_const(m, t, 1);
    air_constrain(m, t, air_mul(m, t, first, air_sub(m, t, c, one)), "counter start");
    air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, cn, air_add(m, t, c, one))), "counter step");
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, c, air_pub(m, t, 4))), "counter end");
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

cairn_err stark_p2chain_trace(gl_t **main, gl_t pub[STARK_P2CHAIN_NPUB], unsigned log_n,
                              uint64_t seed)
{
    RETURN_ERROR_IF(log_n < 1 || log_n > STARK_MACHINE_MAX_LOG_N, CAIRN_ERR_USAGE,
                    "p2chain: log height %u out of range 1..%d", log_n, STARK_MACHINE_MAX_LOG_N);
    size_t n = (size_t)1 << log_n;
    gl_t *t = cairn_malloc_array(n, NCOLS * sizeof *t);
    if (!t)
        return cairn_fail_nomem(n * NCOLS * sizeof *t, "p2chain: out of memory for a trace of 2^%u rows",
                                log_n);
    rng_t r;
    rng_seed(&r, seed);
    gl_t in[W] = {0}, outv[W];
    for (int i = 0; i < 8; i++) in[i] = gl_from_u64(rng_u64(&r));
    for (size_t i = 0; i < n; i++) {
        gl_t *row = t + i * NCOLS;
        memcpy(row + COL_IN, in, sizeof in);
        cairn_err e = p2_air_fill(&GADGET, row, outv, in);
        if (e != CAIRN_OK) {
            free(t);
            return e;
        }
        row[COL_CTR] = i + 1;
        memcpy(in, outv, P2_DIGEST * sizeof *in);
        for (int k = 4; k < 8; k++) in[k] = gl_from_u64(rng_u64(&r));
    }
    for (int i = 0; i < P2_DIGEST; i++) pub[i] = outv[i];
    pub[4] = n;
    *main = t;
    return CAIRN_OK;
}
