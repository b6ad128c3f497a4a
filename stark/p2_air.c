/* Poseidon2 permutation gadget (p2_air.h). The linear layers and round
 * constants are those of p2.h's instance (p2_constants.h, shared with the
 * p2 module); fill checks every row against p2_permute, so a layout that
 * drifted from the reference cannot produce a trace. */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "p2_air.h"
#include "p2_constants.h"

#define W P2_WIDTH
#define RF P2_ROUNDS_F_HALF
#define RP P2_ROUNDS_P

_Static_assert(2 * RF == P2_AIR_FULL_ROUNDS && RP == P2_AIR_PARTIAL_ROUNDS,
               "p2_air.h's round counts are the instance's");

unsigned p2_air_layout(p2_air *g, unsigned first)
{
    g->first = first;
    g->deg7 = 0;
    return P2_AIR_NCOLS;
}

static const uint64_t *full_rc(int r) { return r < RF ? P2_RC_EXT_INIT[r] : P2_RC_EXT_FINAL[r - RF]; }

/* ---- linear layers over values (the same as p2.c's reference) ---- */

/* external layer: circ(2M4, M4, M4) with M4 the 4x4 matrix of Poseidon2 */
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

/* internal layer: diag(P2_DIAG) + all-ones */
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

/* The S-box u^7: through the committed x3 = u^3 and out = x3^2 * u
 * (degree 3), or out = u^7 (degree 7; cx3 unused). */
static void sbox_expr(const p2_air *g, bld *b, air_expr u, unsigned cx3, unsigned cout, const char *what)
{
    air_machine *m = b->m;
    air_table *t = b->t;
    if (g->deg7) {
        air_expr o = air_col(m, t, AIR_MAIN, cout, 0), u3 = air_mul(m, t, air_mul(m, t, u, u), u);
        air_constrain(m, t, air_sub(m, t, o, air_mul(m, t, air_mul(m, t, u3, u3), u)), what);
        return;
    }
    /* the nodes in the order they always had: the degree-3 machines'
     * keys (their digests hash the DAG) stay the same */
    air_expr x3 = air_col(m, t, AIR_MAIN, cx3, 0), o = air_col(m, t, AIR_MAIN, cout, 0);
    air_constrain(m, t, air_sub(m, t, x3, air_mul(m, t, air_mul(m, t, u, u), u)), what);
    air_constrain(m, t, air_sub(m, t, o, air_mul(m, t, air_mul(m, t, x3, x3), u)), what);
}

void p2_air_build(const p2_air *g, air_machine *m, air_table *t, air_expr out[P2_WIDTH],
                  const air_expr in[P2_WIDTH])
{
    bld b = {m, t};
    air_expr st[W];
    char name[48];
    memcpy(st, in, sizeof st);
    me_expr(&b, st);
    for (int r = 0; r < 2 * RF; r++) {
        const uint64_t *rc = full_rc(r);
        snprintf(name, sizeof name, "p2 full round %d S-box", r);
        for (int i = 0; i < W; i++)
            sbox_expr(g, &b, add(&b, st[i], air_const(m, t, rc[i])), p2_air_full_col(g, (unsigned)r, (unsigned)i),
                      p2_air_full_out(g, (unsigned)r, (unsigned)i), name);
        for (int i = 0; i < W; i++)
            st[i] = air_col(m, t, AIR_MAIN, p2_air_full_out(g, (unsigned)r, (unsigned)i), 0);
        me_expr(&b, st);
        if (r == RF - 1) {
            /* partial rounds sit between the two halves of full rounds */
            for (int p = 0; p < RP; p++) {
                unsigned c = p2_air_part_out(g, (unsigned)p);
                snprintf(name, sizeof name, "p2 partial round %d S-box", p);
                sbox_expr(g, &b, add(&b, st[0], air_const(m, t, P2_RC_INT[p])), p2_air_part_col(g, (unsigned)p), c,
                          name);
                st[0] = air_col(m, t, AIR_MAIN, c, 0);
                mi_expr(&b, st);
            }
        }
    }
    memcpy(out, st, sizeof st);
}

static gl_t cube(gl_t x) { return gl_mul(gl_sqr(x), x); }

cairn_err p2_air_fill(const p2_air *g, gl_t *row, gl_t out[P2_WIDTH], const gl_t in[P2_WIDTH])
{
    gl_t st[W];
    memcpy(st, in, sizeof st);
    me_val(st);
    for (int r = 0; r < 2 * RF; r++) {
        const uint64_t *rc = full_rc(r);
        for (int i = 0; i < W; i++) {
            gl_t u = gl_add(st[i], rc[i]), x3 = cube(u);
            if (!g->deg7) row[p2_air_full_col(g, (unsigned)r, (unsigned)i)] = x3;
            st[i] = gl_mul(gl_sqr(x3), u);
            row[p2_air_full_out(g, (unsigned)r, (unsigned)i)] = st[i];
        }
        me_val(st);
        if (r == RF - 1) {
            for (int p = 0; p < RP; p++) {
                gl_t u = gl_add(st[0], P2_RC_INT[p]), x3 = cube(u);
                if (!g->deg7) row[p2_air_part_col(g, (unsigned)p)] = x3;
                st[0] = gl_mul(gl_sqr(x3), u);
                row[p2_air_part_out(g, (unsigned)p)] = st[0];
                mi_val(st);
            }
        }
    }
    /* the layout must compute exactly the p2 module's permutation */
    gl_t chk[W];
    memcpy(chk, in, sizeof chk);
    p2_permute(chk);
    RETURN_ERROR_IF(memcmp(chk, st, sizeof chk) != 0, CAIRN_ERR_INTERNAL,
                    "p2 air: row witness disagrees with p2_permute");
    memcpy(out, st, sizeof st);
    return CAIRN_OK;
}
