/* Native backend of vctx.h over lanes: evaluates up to VLN_LANES queries of
 * one proof at once, in lockstep (vctx.h "lanes backend").
 *
 * Why: the verifier's work per query is Poseidon2 permutations in chains
 * (sponges over the opened rows, Merkle paths), so the one-state native
 * backend runs at the permutation's latency (about 1M a second per core),
 * while the batch kernels of p2.c reach about 2.6M a second on 16 states.
 * The verifier has no data-dependent control flow: every query runs the
 * same operations in the same order, so one pass over a batch of queries,
 * each value a vector of one element per query, does all of them, every
 * permutation on 16 states.
 *
 * Values: a vb slot holds either a canonical element (< p: a value of the
 * proof's common part, from the ordinary native context, the same in every
 * lane) or p + i, the index i of a lane vector in the arena; a ve slot
 * holds three canonical elements or, in v[0], p + i for three consecutive
 * lane vectors (its components). So the constants and the per-proof values
 * the queries share enter without conversion, and the per-query inputs
 * enter through vctx_lanes_input / vctx_lanes_input_e.
 *
 * A failed assertion records the lowest failing lane only (the caller
 * re-runs that query on the one-state backend for the message). */
#include <stdlib.h>
#include <string.h>

#include "../common/alloc.h"
#include "vctx.h"

#define L_OF(c) ((vctx_lanes *)(c)->impl)

static int is_lane(uint64_t v) { return v >= GL_P; }

/* n new lane vectors (VLN_LANES elements each): the first one's index.
 * Out of memory sets oom (vec then gives the scratch vector, and the
 * pass's results are discarded). */
static size_t new_vec(vctx_lanes *l, unsigned n)
{
    if (l->used + n > l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4096;
        while (cap < l->used + n) cap *= 2;
        gl_t *a = cairn_realloc_array(l->a, cap, VLN_LANES * sizeof *a);
        if (!a) {
            l->oom = 1;
            return 0;
        }
        l->a = a;
        l->cap = cap;
    }
    size_t i = l->used;
    l->used += n;
    return i;
}

/* Vector i; after an allocation failure every result is the scratch
 * vector l->spare (the pass's results are discarded). */
static gl_t *vec(vctx_lanes *l, size_t i) { return l->oom ? l->spare : l->a + i * VLN_LANES; }

/* The lanes of a (a lane vector, or a broadcast value in tmp). */
static const gl_t *lanes_of(vctx_lanes *l, uint64_t a, gl_t tmp[VLN_LANES])
{
    if (is_lane(a)) return vec(l, a - GL_P);
    for (int j = 0; j < VLN_LANES; j++) tmp[j] = a;
    return tmp;
}

static vb bvec(size_t i) { return (vb){GL_P + i}; }
static ve evec(size_t i) { return (ve){{GL_P + i, GL_P + i, GL_P + i}}; }

/* Components of an extension value as three lane pointers. */
static void elanes(vctx_lanes *l, ve a, const gl_t *p[3], gl_t tmp[3][VLN_LANES])
{
    if (is_lane(a.v[0])) {
        size_t i = a.v[0] - GL_P;
        for (int c = 0; c < 3; c++) p[c] = vec(l, i + (size_t)c);
        return;
    }
    for (int c = 0; c < 3; c++) p[c] = lanes_of(l, a.v[c], tmp[c]);
}

static gl3_t eget(const gl_t *const p[3], int j) { return (gl3_t){{p[0][j], p[1][j], p[2][j]}}; }

/* A new extension lane value: its three components' vectors. */
static ve enew(vctx_lanes *l, gl_t *out[3])
{
    size_t i = new_vec(l, 3);
    for (int c = 0; c < 3; c++) out[c] = vec(l, i + (size_t)c);
    return evec(i);
}

static void eput(gl_t *const out[3], int j, gl3_t v)
{
    for (int c = 0; c < 3; c++) out[c][j] = v.c[c];
}

static vb ln_const(vctx *c, gl_t x)
{
    (void)c;
    return (vb){gl_from_u64(x)};
}

/* Base operations: a lane result unless every operand is a value. */
#define BASE_OP(name, expr)                                                                                        \
    static vb name(vctx *c, vb a, vb b)                                                                            \
    {                                                                                                              \
        if (!is_lane(a.v) && !is_lane(b.v)) {                                                                      \
            gl_t x = a.v, y = b.v;                                                                                 \
            return (vb){expr};                                                                                     \
        }                                                                                                          \
        vctx_lanes *l = L_OF(c);                                                                                   \
        size_t i = new_vec(l, 1); /* first: it may move the arena */                                               \
        gl_t ta[VLN_LANES], tb[VLN_LANES];                                                                         \
        const gl_t *pa = lanes_of(l, a.v, ta), *pb = lanes_of(l, b.v, tb);                                         \
        gl_t *r = vec(l, i);                                                                                       \
        for (int j = 0; j < VLN_LANES; j++) {                                                                      \
            gl_t x = pa[j], y = pb[j];                                                                             \
            r[j] = expr;                                                                                           \
        }                                                                                                          \
        return bvec(i);                                                                                            \
    }
BASE_OP(ln_add, gl_add(x, y))
BASE_OP(ln_sub, gl_sub(x, y))
BASE_OP(ln_mul, gl_mul(x, y))

static vb ln_inv(vctx *c, vb a)
{
    if (!is_lane(a.v)) return (vb){gl_inv(a.v)};
    vctx_lanes *l = L_OF(c);
    size_t i = new_vec(l, 1);
    const gl_t *pa = vec(l, a.v - GL_P);
    gl_t *r = vec(l, i);
    for (int j = 0; j < VLN_LANES; j++) r[j] = gl_inv(pa[j]);
    return bvec(i);
}

static vb ln_select(vctx *c, vb bit, vb one, vb zero)
{
    if (!is_lane(bit.v)) return bit.v ? one : zero;
    vctx_lanes *l = L_OF(c);
    size_t i = new_vec(l, 1);
    gl_t t1[VLN_LANES], t0[VLN_LANES];
    const gl_t *p1 = lanes_of(l, one.v, t1), *p0 = lanes_of(l, zero.v, t0);
    const gl_t *pb = vec(l, bit.v - GL_P);
    gl_t *r = vec(l, i);
    for (int j = 0; j < VLN_LANES; j++) r[j] = pb[j] ? p1[j] : p0[j];
    return bvec(i);
}

static void ln_bits(vctx *c, vb *bits, vb x, unsigned n)
{
    if (!is_lane(x.v)) {
        for (unsigned k = 0; k < n; k++) bits[k].v = k < 64 ? (x.v >> k) & 1 : 0;
        return;
    }
    vctx_lanes *l = L_OF(c);
    size_t i = new_vec(l, n);
    const gl_t *px = vec(l, x.v - GL_P);
    for (unsigned k = 0; k < n; k++) {
        gl_t *r = vec(l, i + k);
        for (int j = 0; j < VLN_LANES; j++) r[j] = k < 64 ? (px[j] >> k) & 1 : 0;
        bits[k] = bvec(i + k);
    }
}

static ve ln_econst(vctx *c, gl3_t x)
{
    (void)c;
    return (ve){{gl_from_u64(x.c[0]), gl_from_u64(x.c[1]), gl_from_u64(x.c[2])}};
}

static ve ln_efrom(vctx *c, vb a)
{
    if (!is_lane(a.v)) return (ve){{a.v, 0, 0}};
    vctx_lanes *l = L_OF(c);
    gl_t *o[3];
    ve r = enew(l, o);
    const gl_t *pa = vec(l, a.v - GL_P);
    for (int j = 0; j < VLN_LANES; j++) eput(o, j, gl3_from_base(pa[j]));
    return r;
}

static gl3_t E(ve a) { return (gl3_t){{a.v[0], a.v[1], a.v[2]}}; }
static ve V(gl3_t a) { return (ve){{a.c[0], a.c[1], a.c[2]}}; }

/* Extension operations over up to three extension and two base operands:
 * out = f(e0, e1, e2, b0, b1) lane by lane, a value when no operand is a
 * lane. */
typedef gl3_t (*efn)(gl3_t e0, gl3_t e1, gl3_t e2, gl_t b0, gl_t b1);

static ve eop(vctx *c, efn f, ve e0, ve e1, ve e2, vb b0, vb b1)
{
    if (!is_lane(e0.v[0]) && !is_lane(e1.v[0]) && !is_lane(e2.v[0]) && !is_lane(b0.v) && !is_lane(b1.v))
        return V(f(E(e0), E(e1), E(e2), b0.v, b1.v));
    vctx_lanes *l = L_OF(c);
    gl_t *o[3];
    ve r = enew(l, o); /* first: it may move the arena */
    const gl_t *p0[3], *p1[3], *p2[3];
    gl_t t0[3][VLN_LANES], t1[3][VLN_LANES], t2[3][VLN_LANES], tb0[VLN_LANES], tb1[VLN_LANES];
    elanes(l, e0, p0, t0);
    elanes(l, e1, p1, t1);
    elanes(l, e2, p2, t2);
    const gl_t *q0 = lanes_of(l, b0.v, tb0), *q1 = lanes_of(l, b1.v, tb1);
    for (int j = 0; j < VLN_LANES; j++) eput(o, j, f(eget(p0, j), eget(p1, j), eget(p2, j), q0[j], q1[j]));
    return r;
}

static gl3_t f_add(gl3_t a, gl3_t b, gl3_t u, gl_t x, gl_t y) { return (void)u, (void)x, (void)y, gl3_add(a, b); }
static gl3_t f_sub(gl3_t a, gl3_t b, gl3_t u, gl_t x, gl_t y) { return (void)u, (void)x, (void)y, gl3_sub(a, b); }
static gl3_t f_mul(gl3_t a, gl3_t b, gl3_t u, gl_t x, gl_t y) { return (void)u, (void)x, (void)y, gl3_mul(a, b); }
static gl3_t f_inv(gl3_t a, gl3_t b, gl3_t u, gl_t x, gl_t y) { return (void)b, (void)u, (void)x, (void)y, gl3_inv(a); }
static gl3_t f_mulb(gl3_t a, gl3_t b, gl3_t u, gl_t x, gl_t y)
{
    return (void)b, (void)u, (void)y, gl3_mul_base(a, x);
}
/* acc + a x */
static gl3_t f_mulbadd(gl3_t acc, gl3_t a, gl3_t u, gl_t x, gl_t y)
{
    return (void)u, (void)y, gl3_add(acc, gl3_mul_base(a, x));
}
/* acc + a1 x + a2 y */
static gl3_t f_mulbadd2(gl3_t acc, gl3_t a1, gl3_t a2, gl_t x, gl_t y)
{
    return gl3_add(gl3_add(acc, gl3_mul_base(a1, x)), gl3_mul_base(a2, y));
}

static const ve EZ = {{0, 0, 0}};
static const vb BZ = {0};

static ve ln_eadd(vctx *c, ve a, ve b) { return eop(c, f_add, a, b, EZ, BZ, BZ); }
static ve ln_esub(vctx *c, ve a, ve b) { return eop(c, f_sub, a, b, EZ, BZ, BZ); }
static ve ln_emul(vctx *c, ve a, ve b) { return eop(c, f_mul, a, b, EZ, BZ, BZ); }
static ve ln_emulb(vctx *c, ve a, vb b) { return eop(c, f_mulb, a, EZ, EZ, b, BZ); }
static ve ln_emulbadd(vctx *c, ve acc, ve a, vb b) { return eop(c, f_mulbadd, acc, a, EZ, b, BZ); }
static ve ln_emulbadd2(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2)
{
    return eop(c, f_mulbadd2, acc, a1, a2, b1, b2);
}
static ve ln_einv(vctx *c, ve a) { return eop(c, f_inv, a, EZ, EZ, BZ, BZ); }

static ve ln_eselect(vctx *c, vb bit, ve one, ve zero)
{
    if (!is_lane(bit.v)) return bit.v ? one : zero;
    vctx_lanes *l = L_OF(c);
    gl_t *o[3];
    ve r = enew(l, o);
    const gl_t *p1[3], *p0[3];
    gl_t t1[3][VLN_LANES], t0[3][VLN_LANES];
    elanes(l, one, p1, t1);
    elanes(l, zero, p0, t0);
    const gl_t *pb = vec(l, bit.v - GL_P);
    for (int j = 0; j < VLN_LANES; j++) eput(o, j, pb[j] ? eget(p1, j) : eget(p0, j));
    return r;
}

static void ln_eparts(vctx *c, vb out[3], ve a)
{
    (void)c;
    if (!is_lane(a.v[0])) {
        for (int k = 0; k < 3; k++) out[k].v = a.v[k];
        return;
    }
    for (int k = 0; k < 3; k++) out[k] = bvec(a.v[0] - GL_P + (size_t)k);
}

/* The permutation on every lane (p2_permute_batch: the kernel of 16
 * states), or on the values when no element is a lane. */
static void ln_permute(vctx *c, vb st[P2_WIDTH])
{
    int any = 0;
    for (int i = 0; i < P2_WIDTH; i++) any |= is_lane(st[i].v);
    if (!any) {
        gl_t s[P2_WIDTH];
        for (int i = 0; i < P2_WIDTH; i++) s[i] = st[i].v;
        p2_permute(s);
        for (int i = 0; i < P2_WIDTH; i++) st[i].v = s[i];
        return;
    }
    vctx_lanes *l = L_OF(c);
    gl_t aos[VLN_LANES * P2_WIDTH], tmp[VLN_LANES];
    for (int i = 0; i < P2_WIDTH; i++) {
        const gl_t *p = lanes_of(l, st[i].v, tmp);
        for (int j = 0; j < VLN_LANES; j++) aos[j * P2_WIDTH + i] = p[j];
    }
    p2_permute_batch(aos, VLN_LANES);
    size_t b = new_vec(l, P2_WIDTH);
    for (int i = 0; i < P2_WIDTH; i++) {
        gl_t *r = vec(l, b + (size_t)i);
        for (int j = 0; j < VLN_LANES; j++) r[j] = aos[j * P2_WIDTH + i];
        st[i] = bvec(b + (size_t)i);
    }
}

static void ln_permute_swap(vctx *c, vb st[P2_WIDTH], vb bit)
{
    if (!is_lane(bit.v)) {
        if (bit.v)
            for (int i = 0; i < P2_DIGEST; i++) {
                vb t = st[i];
                st[i] = st[P2_DIGEST + i];
                st[P2_DIGEST + i] = t;
            }
    } else {
        /* st[i] <- bit ? st[4 + i] : st[i], st[4 + i] <- bit ? st[i] : st[4 + i] */
        for (int i = 0; i < P2_DIGEST; i++) {
            vb a = st[i], b = st[P2_DIGEST + i];
            st[i] = ln_select(c, bit, b, a);
            st[P2_DIGEST + i] = ln_select(c, bit, a, b);
        }
    }
    ln_permute(c, st);
}

/* The lowest lane below l->n whose a and b differ. */
static void fail_at(vctx_lanes *l, const gl_t *a, const gl_t *b)
{
    for (unsigned j = 0; j < l->n && j < l->fail_lane; j++)
        if (a[j] != b[j]) {
            l->fail_lane = j;
            break;
        }
}

static void ln_assert(vctx *c, vb a, vb b, const char *fmt, va_list ap)
{
    (void)fmt;
    (void)ap;
    vctx_lanes *l = L_OF(c);
    gl_t ta[VLN_LANES], tb[VLN_LANES];
    fail_at(l, lanes_of(l, a.v, ta), lanes_of(l, b.v, tb));
}

static void ln_eassert(vctx *c, ve a, ve b, const char *fmt, va_list ap)
{
    (void)fmt;
    (void)ap;
    vctx_lanes *l = L_OF(c);
    const gl_t *pa[3], *pb[3];
    gl_t ta[3][VLN_LANES], tb[3][VLN_LANES];
    elanes(l, a, pa, ta);
    elanes(l, b, pb, tb);
    for (int k = 0; k < 3; k++) fail_at(l, pa[k], pb[k]);
}

static const vctx_ops lanes_ops = {
    .b_const = ln_const,
    .b_input = ln_const,
    .b_add = ln_add,
    .b_sub = ln_sub,
    .b_mul = ln_mul,
    .b_inv = ln_inv,
    .b_select = ln_select,
    .b_bits = ln_bits,
    .e_const = ln_econst,
    .e_input = ln_econst,
    .e_from_base = ln_efrom,
    .e_add = ln_eadd,
    .e_sub = ln_esub,
    .e_mul = ln_emul,
    .e_mul_base = ln_emulb,
    .e_mul_base_add = ln_emulbadd,
    .e_mul_base_add2 = ln_emulbadd2,
    .e_horner2 = ln_emulbadd2,
    .e_inv = ln_einv,
    .e_select = ln_eselect,
    .e_parts = ln_eparts,
    .permute = ln_permute,
    .permute_swap = ln_permute_swap,
    .b_assert_eq = ln_assert,
    .e_assert_eq = ln_eassert,
};

void vctx_lanes_init(vctx_lanes *l)
{
    memset(l, 0, sizeof *l);
    l->ctx.ops = &lanes_ops;
    l->ctx.impl = l;
    l->fail_lane = VLN_LANES;
}

void vctx_lanes_begin(vctx_lanes *l, unsigned n)
{
    l->n = n;
    l->fail_lane = VLN_LANES;
    l->used = 0;
}

void vctx_lanes_free(vctx_lanes *l)
{
    free(l->a);
    l->a = NULL;
    l->cap = l->used = 0;
}

vb vctx_lanes_input(vctx *c, const gl_t *p, size_t stride)
{
    vctx_lanes *l = L_OF(c);
    size_t i = new_vec(l, 1);
    gl_t *r = vec(l, i);
    for (unsigned j = 0; j < VLN_LANES; j++) r[j] = gl_from_u64(p[(j < l->n ? j : 0) * stride]);
    return bvec(i);
}

ve vctx_lanes_input_e(vctx *c, const gl3_t *p, size_t stride)
{
    vctx_lanes *l = L_OF(c);
    gl_t *o[3];
    ve r = enew(l, o);
    for (unsigned j = 0; j < VLN_LANES; j++) {
        const gl3_t *x = p + (j < l->n ? j : 0) * stride;
        eput(o, (int)j, (gl3_t){{gl_from_u64(x->c[0]), gl_from_u64(x->c[1]), gl_from_u64(x->c[2])}});
    }
    return r;
}
