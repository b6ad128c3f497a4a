/* The verifier's narrow arithmetic interface (DESIGN.md: the verifier is
 * written once; native evaluation is one backend, the recursion VM's
 * program builder is another: recursion/rc_builder.c, which reaches the
 * verifier through verify_rec.h).
 *
 * Values are opaque 64-bit slots: the native backend stores canonical field
 * elements in them, a recording backend would store variable ids. The
 * verifier only combines them through these operations and never branches
 * on them: data-dependent choices (Merkle path direction, the element of a
 * FRI coset) use select-by-bit, and loops are bounded by the key and the
 * parameters. A failed assert-equal does not stop the verifier: the backend
 * records the first failure with its reason and the verifier runs to the
 * end.
 *
 * Operations: base and extension add/sub/mul/inv, constants and proof
 * inputs, the Poseidon2 permutation, the permutation with a direction bit
 * (one Merkle path step: the lanes of the two children exchanged when the
 * bit is 1, so a path needs no selects), bit decomposition (the low bits
 * of a canonical element, for query indices and proof-of-work),
 * select-by-bit, assert-equal.
 */
#ifndef CAIRN_STARK_VCTX_H
#define CAIRN_STARK_VCTX_H

#include <stdarg.h>
#include <stddef.h>

#include "gl.h"
#include "p2.h"

typedef struct { uint64_t v; } vb;    /* base-field value */
typedef struct { uint64_t v[3]; } ve; /* extension value */

typedef struct vctx vctx;

typedef struct {
    vb (*b_const)(vctx *c, gl_t x);
    vb (*b_input)(vctx *c, gl_t x); /* a value read from the proof */
    vb (*b_add)(vctx *c, vb a, vb b);
    vb (*b_sub)(vctx *c, vb a, vb b);
    vb (*b_mul)(vctx *c, vb a, vb b);
    vb (*b_inv)(vctx *c, vb a); /* inv(0) = 0 */
    vb (*b_select)(vctx *c, vb bit, vb one, vb zero);
    /* Low nbits (<= 64) bits of the canonical value, as 0/1 values. */
    void (*b_bits)(vctx *c, vb *bits, vb x, unsigned nbits);
    ve (*e_const)(vctx *c, gl3_t x);
    ve (*e_input)(vctx *c, gl3_t x);
    ve (*e_from_base)(vctx *c, vb a);
    ve (*e_add)(vctx *c, ve a, ve b);
    ve (*e_sub)(vctx *c, ve a, ve b);
    ve (*e_mul)(vctx *c, ve a, ve b);
    ve (*e_mul_base)(vctx *c, ve a, vb b);
    ve (*e_mul_base_add)(vctx *c, ve acc, ve a, vb b); /* acc + a b: one DEEP term */
    /* acc + a1 b1 + a2 b2: two DEEP terms (one recursion-VM row) */
    ve (*e_mul_base_add2)(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2);
    /* The same sum for two Horner steps (acc + acc' x^2 + c x): one row of
     * another table of the recursion VM than the DEEP terms' */
    ve (*e_horner2)(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2);
    ve (*e_inv)(vctx *c, ve a);
    ve (*e_select)(vctx *c, vb bit, ve one, ve zero);
    /* Components of an extension value (for absorbing into a transcript). */
    void (*e_parts)(vctx *c, vb out[3], ve a);
    void (*permute)(vctx *c, vb st[P2_WIDTH]);
    /* permute after exchanging st[0..4) with st[4..8) when bit is 1; bit
     * is 0 or 1 (an output of b_bits or a constant, as for select) */
    void (*permute_swap)(vctx *c, vb st[P2_WIDTH], vb bit);
    void (*b_assert_eq)(vctx *c, vb a, vb b, const char *fmt, va_list ap);
    void (*e_assert_eq)(vctx *c, ve a, ve b, const char *fmt, va_list ap);
} vctx_ops;

struct vctx {
    const vctx_ops *ops;
    void *impl;
};

static inline vb vc_const(vctx *c, gl_t x) { return c->ops->b_const(c, x); }
static inline vb vc_input(vctx *c, gl_t x) { return c->ops->b_input(c, x); }
static inline vb vc_add(vctx *c, vb a, vb b) { return c->ops->b_add(c, a, b); }
static inline vb vc_sub(vctx *c, vb a, vb b) { return c->ops->b_sub(c, a, b); }
static inline vb vc_mul(vctx *c, vb a, vb b) { return c->ops->b_mul(c, a, b); }
static inline vb vc_inv(vctx *c, vb a) { return c->ops->b_inv(c, a); }
static inline vb vc_select(vctx *c, vb bit, vb one, vb zero)
{
    return c->ops->b_select(c, bit, one, zero);
}
static inline void vc_bits(vctx *c, vb *bits, vb x, unsigned n) { c->ops->b_bits(c, bits, x, n); }
static inline ve vce_const(vctx *c, gl3_t x) { return c->ops->e_const(c, x); }
static inline ve vce_input(vctx *c, gl3_t x) { return c->ops->e_input(c, x); }
static inline ve vce_from_base(vctx *c, vb a) { return c->ops->e_from_base(c, a); }
static inline ve vce_add(vctx *c, ve a, ve b) { return c->ops->e_add(c, a, b); }
static inline ve vce_sub(vctx *c, ve a, ve b) { return c->ops->e_sub(c, a, b); }
static inline ve vce_mul(vctx *c, ve a, ve b) { return c->ops->e_mul(c, a, b); }
static inline ve vce_mul_base(vctx *c, ve a, vb b) { return c->ops->e_mul_base(c, a, b); }
static inline ve vce_mul_base_add(vctx *c, ve acc, ve a, vb b)
{
    return c->ops->e_mul_base_add(c, acc, a, b);
}
static inline ve vce_mul_base_add2(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2)
{
    return c->ops->e_mul_base_add2(c, acc, a1, b1, a2, b2);
}
static inline ve vce_horner2(vctx *c, ve acc, ve a1, vb b1, ve a2, vb b2)
{
    return c->ops->e_horner2(c, acc, a1, b1, a2, b2);
}
static inline ve vce_inv(vctx *c, ve a) { return c->ops->e_inv(c, a); }
static inline ve vce_select(vctx *c, vb bit, ve one, ve zero)
{
    return c->ops->e_select(c, bit, one, zero);
}
static inline void vce_parts(vctx *c, vb out[3], ve a) { c->ops->e_parts(c, out, a); }
static inline void vc_permute(vctx *c, vb st[P2_WIDTH]) { c->ops->permute(c, st); }
static inline void vc_permute_swap(vctx *c, vb st[P2_WIDTH], vb bit)
{
    c->ops->permute_swap(c, st, bit);
}

static inline void vc_assert_eq(vctx *c, vb a, vb b, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void vc_assert_eq(vctx *c, vb a, vb b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->ops->b_assert_eq(c, a, b, fmt, ap);
    va_end(ap);
}
static inline void vce_assert_eq(vctx *c, ve a, ve b, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void vce_assert_eq(vctx *c, ve a, ve b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->ops->e_assert_eq(c, a, b, fmt, ap);
    va_end(ap);
}

/* ---- native backend (vctx_native.c) ---- */
typedef struct {
    vctx ctx;
    unsigned failures;
    char first[256]; /* reason of the first failed assertion */
} vctx_native;

void vctx_native_init(vctx_native *n);
static inline gl_t vctx_native_value(vb a) { return a.v; }

/* ---- lanes backend (vctx_lanes.c) ----
 * The native backend over VLN_LANES queries at once, in lockstep: what the
 * verifier's per-query checks run on (one pass over a batch of queries,
 * every permutation on 16 states; vctx_lanes.c says why). A vb or ve of
 * the ordinary native backend (a value, the same for every query) is a
 * valid operand; the queries' own inputs enter through vctx_lanes_input*
 * (element j of the batch at p[j * stride]; lanes past n repeat lane 0).
 * An assertion that fails in some lane below n records the lowest such
 * lane in fail_lane (VLN_LANES: none); its message is not formatted. */
#define VLN_LANES 16
typedef struct {
    vctx ctx;
    unsigned n;         /* queries in the batch (lanes that count) */
    unsigned fail_lane; /* lowest lane with a failed assertion */
    int oom;            /* the arena could not grow: the pass is void */
    gl_t *a;            /* the arena of lane vectors, VLN_LANES elements each */
    size_t used, cap;
    gl_t spare[VLN_LANES];
} vctx_lanes;

void vctx_lanes_init(vctx_lanes *l);
void vctx_lanes_begin(vctx_lanes *l, unsigned n); /* a new batch of n <= VLN_LANES queries */
void vctx_lanes_free(vctx_lanes *l);              /* the arena; l stays initialised */
vb vctx_lanes_input(vctx *c, const gl_t *p, size_t stride);
ve vctx_lanes_input_e(vctx *c, const gl3_t *p, size_t stride);

/* ---- verifier gadgets built on the interface (vgadgets in verifier) ---- */

/* One Merkle path step (fri.c), the node compression of mt.h: the parent
 * of cur and its sibling sib, cur being the right child when bit is 1
 * (bit: 0 or 1, an output of vc_bits). One vc_permute_swap, no selects;
 * out may be cur. */
void vcompress_dir(vctx *c, vb out[P2_DIGEST], vb bit, const vb *cur, const vb *sib);

/* Duplex transcript mirroring transcript.h exactly, over vctx. */
typedef struct {
    vb st[P2_WIDTH];
    unsigned absorbed, squeezed;
} vtr;

#endif
