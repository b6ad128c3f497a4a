/* Poseidon2 hash-chain machine (machines.h).
 *
 * Choice of H: p2_compress (one permutation per hash), so a row proves one
 * permutation. Row layout (249 main columns):
 *   in[12]                      permutation input (d_(i-1) || w_i || 0^4)
 *   per full round (8):  x3[12], out[12]   S-box input cubed, S-box output
 *   per partial round (22): x3, out        for lane 0 only
 *   ctr                         row counter 1..n
 * The S-box x^7 is split as x3 = u^3 and out = x3^2 * u, both degree 3 in
 * committed columns, where u (round constant + linear layer of the previous
 * committed values) has degree 1. Lanes not passing an S-box in partial
 * rounds stay linear expressions, so they need no columns.
 * The linear layers and round constants are the ones of p2.h's instance
 * (p2_constants.h, shared with the p2 module); the trace generator checks
 * every row's output against p2_permute, so a mismatch cannot go unnoticed.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "machines.h"
#include "p2.h"
#include "p2_constants.h"

#define W P2_WIDTH
#define RF P2_ROUNDS_F_HALF
#define RP P2_ROUNDS_P
#define COL_IN 0
#define COL_FULL(r) (W + (r) * 2 * W) /* x3 at +0, out at +W */
#define COL_PART(r) (W + 2 * RF * 2 * W + 2 * (r))
#define COL_CTR (COL_PART(RP))
#define NCOLS (COL_CTR + 1)

unsigned stark_p2chain_width(void) { return NCOLS; }

/* ---- linear layers over values ---- */
static void me_val(gl_t *x)
{
    for (int b = 0; b < W; b += 4) {
        gl_t s = gl_add(gl_add(x[b], x[b + 1]), gl_add(x[b + 2], x[b + 3]));
        gl_t y[4];
        for (int i = 0; i < 4; i++)
            y[i] = gl_add(gl_add(s, x[b + i]), gl_add(x[b + (i + 1) % 4], x[b + (i + 1) % 4]));
        memcpy(x + b, y, sizeof y);
    }
    gl_t s[4] = {0, 0, 0, 0};
    for (int i = 0; i < W; i++) s[i % 4] = gl_add(s[i % 4], x[i]);
    for (int i = 0; i < W; i++) x[i] = gl_add(x[i], s[i % 4]);
}

static void mi_val(gl_t *x)
{
    gl_t s = 0;
    for (int i = 0; i < W; i++) s = gl_add(s, x[i]);
    for (int i = 0; i < W; i++) x[i] = gl_add(gl_mul(P2_DIAG[i], x[i]), s);
}

/* ---- the same over expressions ---- */
typedef struct {
    air_machine *m;
    air_table *t;
} bld;

static air_expr add(bld *b, air_expr x, air_expr y) { return air_add(b->m, b->t, x, y); }

static void me_expr(bld *b, air_expr *x)
{
    for (int k = 0; k < W; k += 4) {
        air_expr s = add(b, add(b, x[k], x[k + 1]), add(b, x[k + 2], x[k + 3]));
        air_expr y[4];
        for (int i = 0; i < 4; i++) {
            air_expr n1 = x[k + (i + 1) % 4];
            y[i] = add(b, add(b, s, x[k + i]), add(b, n1, n1));
        }
        memcpy(x + k, y, sizeof y);
    }
    air_expr s[4];
    for (int i = 0; i < 4; i++) s[i] = add(b, add(b, x[i], x[i + 4]), x[i + 8]);
    for (int i = 0; i < W; i++) x[i] = add(b, x[i], s[i % 4]);
}

static void mi_expr(bld *b, air_expr *x)
{
    air_expr s = x[0];
    for (int i = 1; i < W; i++) s = add(b, s, x[i]);
    for (int i = 0; i < W; i++)
        x[i] = add(b, air_mul(b->m, b->t, air_const(b->m, b->t, P2_DIAG[i]), x[i]), s);
}

/* constraints x3 = u^3 and out = x3^2 u */
static void sbox_expr(bld *b, air_expr u, unsigned cx3, unsigned cout, const char *what)
{
    air_machine *m = b->m;
    air_table *t = b->t;
    air_expr x3 = air_col(m, t, AIR_MAIN, cx3, 0), o = air_col(m, t, AIR_MAIN, cout, 0);
    air_constrain(m, t, air_sub(m, t, x3, air_mul(m, t, air_mul(m, t, u, u), u)), what);
    air_constrain(m, t, air_sub(m, t, o, air_mul(m, t, air_mul(m, t, x3, x3), u)), what);
}

cairn_err stark_machine_p2chain(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "p2chain", STARK_P2CHAIN_NPUB));
    air_table *t = air_table_add(m, "p2chain", 0, NCOLS);
    bld b = {m, t};
    air_expr st[W];
    for (int i = 0; i < W; i++) st[i] = air_col(m, t, AIR_MAIN, COL_IN + i, 0);
    me_expr(&b, st);
    for (int r = 0; r < 2 * RF; r++) {
        const uint64_t *rc = r < RF ? P2_RC_EXT_INIT[r] : P2_RC_EXT_FINAL[r - RF];
        for (int i = 0; i < W; i++) {
            air_expr u = add(&b, st[i], air_const(m, t, rc[i]));
            sbox_expr(&b, u, COL_FULL(r) + i, COL_FULL(r) + W + i, "full round S-box");
        }
        for (int i = 0; i < W; i++) st[i] = air_col(m, t, AIR_MAIN, COL_FULL(r) + W + i, 0);
        me_expr(&b, st);
        if (r == RF - 1) {
            /* partial rounds sit between the two halves of full rounds */
            for (int p = 0; p < RP; p++) {
                air_expr u = add(&b, st[0], air_const(m, t, P2_RC_INT[p]));
                sbox_expr(&b, u, COL_PART(p), COL_PART(p) + 1, "partial round S-box");
                st[0] = air_col(m, t, AIR_MAIN, COL_PART(p) + 1, 0);
                mi_expr(&b, st);
            }
        }
    }
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
    air_constrain(m, t, air_mul(m, t, trans, air_sub(m, t, cn, add(&b, c, one))), "counter step");
    air_constrain(m, t, air_mul(m, t, last, air_sub(m, t, c, air_pub(m, t, 4))), "counter end");
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

static gl_t cube(gl_t x) { return gl_mul(gl_sqr(x), x); }

/* Fills one row from its input; returns the permutation output. */
static void fill_row(gl_t *row, const gl_t in[W], gl_t outv[W])
{
    gl_t st[W];
    memcpy(row + COL_IN, in, W * sizeof *in);
    memcpy(st, in, sizeof st);
    me_val(st);
    for (int r = 0; r < 2 * RF; r++) {
        const uint64_t *rc = r < RF ? P2_RC_EXT_INIT[r] : P2_RC_EXT_FINAL[r - RF];
        for (int i = 0; i < W; i++) {
            gl_t u = gl_add(st[i], rc[i]), x3 = cube(u);
            row[COL_FULL(r) + i] = x3;
            st[i] = gl_mul(gl_sqr(x3), u);
            row[COL_FULL(r) + W + i] = st[i];
        }
        me_val(st);
        if (r == RF - 1) {
            for (int p = 0; p < RP; p++) {
                gl_t u = gl_add(st[0], P2_RC_INT[p]), x3 = cube(u);
                row[COL_PART(p)] = x3;
                st[0] = gl_mul(gl_sqr(x3), u);
                row[COL_PART(p) + 1] = st[0];
                mi_val(st);
            }
        }
    }
    memcpy(outv, st, sizeof st);
}

cairn_err stark_p2chain_trace(gl_t **main, gl_t pub[STARK_P2CHAIN_NPUB], unsigned log_n,
                              uint64_t seed)
{
    size_t n = (size_t)1 << log_n;
    gl_t *t = malloc(n * NCOLS * sizeof *t);
    RETURN_ERROR_IF(!t, CAIRN_ERR_NOMEM, "p2chain: out of memory for 2^%u rows", log_n);
    rng_t r;
    rng_seed(&r, seed);
    gl_t in[W] = {0}, outv[W];
    for (int i = 0; i < 8; i++) in[i] = gl_from_u64(rng_u64(&r));
    for (size_t i = 0; i < n; i++) {
        gl_t *row = t + i * NCOLS;
        fill_row(row, in, outv);
        row[COL_CTR] = i + 1;
        if (i == 0 || i == n - 1) {
            /* the layout must compute exactly the p2 module's permutation */
            gl_t chk[W];
            memcpy(chk, in, sizeof chk);
            p2_permute(chk);
            if (memcmp(chk, outv, sizeof chk) != 0) {
                free(t);
                return cairn_fail(CAIRN_ERR_INTERNAL, "p2chain: row layout disagrees with p2_permute");
            }
        }
        memcpy(in, outv, P2_DIGEST * sizeof *in);
        for (int k = 4; k < 8; k++) in[k] = gl_from_u64(rng_u64(&r));
    }
    for (int i = 0; i < P2_DIGEST; i++) pub[i] = outv[i];
    pub[4] = n;
    *main = t;
    return CAIRN_OK;
}
