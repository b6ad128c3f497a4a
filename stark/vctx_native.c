/* Native backend of vctx.h: evaluates every operation directly on
 * canonical field elements and records the first failed assertion. */
#include <stdio.h>
#include <string.h>

#include "vctx.h"

static gl3_t E(ve a) { return (gl3_t){{a.v[0], a.v[1], a.v[2]}}; }
static ve V(gl3_t a) { return (ve){{a.c[0], a.c[1], a.c[2]}}; }

static vb n_const(vctx *c, gl_t x)
{
    (void)c;
    return (vb){gl_from_u64(x)};
}
static vb n_add(vctx *c, vb a, vb b)
{
    (void)c;
    return (vb){gl_add(a.v, b.v)};
}
static vb n_sub(vctx *c, vb a, vb b)
{
    (void)c;
    return (vb){gl_sub(a.v, b.v)};
}
static vb n_mul(vctx *c, vb a, vb b)
{
    (void)c;
    return (vb){gl_mul(a.v, b.v)};
}
static vb n_inv(vctx *c, vb a)
{
    (void)c;
    return (vb){gl_inv(a.v)};
}
static vb n_select(vctx *c, vb bit, vb one, vb zero)
{
    (void)c;
    return bit.v ? one : zero;
}
static void n_bits(vctx *c, vb *bits, vb x, unsigned n)
{
    (void)c;
    for (unsigned i = 0; i < n; i++) bits[i].v = i < 64 ? (x.v >> i) & 1 : 0;
}
static ve n_econst(vctx *c, gl3_t x)
{
    (void)c;
    return V((gl3_t){{gl_from_u64(x.c[0]), gl_from_u64(x.c[1]), gl_from_u64(x.c[2])}});
}
static ve n_efrom(vctx *c, vb a)
{
    (void)c;
    return V(gl3_from_base(a.v));
}
static ve n_eadd(vctx *c, ve a, ve b)
{
    (void)c;
    return V(gl3_add(E(a), E(b)));
}
static ve n_esub(vctx *c, ve a, ve b)
{
    (void)c;
    return V(gl3_sub(E(a), E(b)));
}
static ve n_emul(vctx *c, ve a, ve b)
{
    (void)c;
    return V(gl3_mul(E(a), E(b)));
}
static ve n_emulb(vctx *c, ve a, vb b)
{
    (void)c;
    return V(gl3_mul_base(E(a), b.v));
}
static ve n_emulbadd(vctx *c, ve acc, ve a, vb b)
{
    (void)c;
    return V(gl3_add(E(acc), gl3_mul_base(E(a), b.v)));
}
static ve n_emulbadd2(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2)
{
    (void)c;
    return V(gl3_add(gl3_add(E(acc), gl3_mul_base(E(a1), b1.v)), gl3_mul_base(E(a2), b2.v)));
}
static ve n_einv(vctx *c, ve a)
{
    (void)c;
    return V(gl3_inv(E(a)));
}
static ve n_eselect(vctx *c, vb bit, ve one, ve zero)
{
    (void)c;
    return bit.v ? one : zero;
}
static void n_eparts(vctx *c, vb out[3], ve a)
{
    (void)c;
    for (int i = 0; i < 3; i++) out[i].v = a.v[i];
}
static void n_permute(vctx *c, vb st[P2_WIDTH])
{
    (void)c;
    gl_t s[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) s[i] = st[i].v;
    p2_permute(s);
    for (int i = 0; i < P2_WIDTH; i++) st[i].v = s[i];
}

static void n_permute_swap(vctx *c, vb st[P2_WIDTH], vb bit)
{
    if (bit.v)
        for (int i = 0; i < P2_DIGEST; i++) {
            vb t = st[i];
            st[i] = st[P2_DIGEST + i];
            st[P2_DIGEST + i] = t;
        }
    n_permute(c, st);
}

static void fail(vctx *c, const char *fmt, va_list ap)
{
    vctx_native *n = c->impl;
    if (n->failures++ == 0) vsnprintf(n->first, sizeof n->first, fmt, ap);
}
static void n_assert(vctx *c, vb a, vb b, const char *fmt, va_list ap)
{
    if (a.v != b.v) fail(c, fmt, ap);
}
static void n_eassert(vctx *c, ve a, ve b, const char *fmt, va_list ap)
{
    if (a.v[0] != b.v[0] || a.v[1] != b.v[1] || a.v[2] != b.v[2]) fail(c, fmt, ap);
}

static const vctx_ops native_ops = {
    .b_const = n_const,
    .b_input = n_const,
    .b_add = n_add,
    .b_sub = n_sub,
    .b_mul = n_mul,
    .b_inv = n_inv,
    .b_select = n_select,
    .b_bits = n_bits,
    .e_const = n_econst,
    .e_input = n_econst,
    .e_from_base = n_efrom,
    .e_add = n_eadd,
    .e_sub = n_esub,
    .e_mul = n_emul,
    .e_mul_base = n_emulb,
    .e_mul_base_add = n_emulbadd,
    .e_mul_base_add2 = n_emulbadd2,
    .e_horner2 = n_emulbadd2,
    .e_inv = n_einv,
    .e_select = n_eselect,
    .e_parts = n_eparts,
    .permute = n_permute,
    .permute_swap = n_permute_swap,
    .b_assert_eq = n_assert,
    .e_assert_eq = n_eassert,
};

void vctx_native_init(vctx_native *n)
{
    memset(n, 0, sizeof *n);
    n->ctx.ops = &native_ops;
    n->ctx.impl = n;
}
