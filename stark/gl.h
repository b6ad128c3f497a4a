/* Goldilocks field F_p, p = 2^64 - 2^32 + 1, and its cubic extension
 * F_p[X]/(X^3 - X - 1) (DESIGN.md, "Proof system").
 *
 * Representation invariant: a gl_t is a uint64_t holding the canonical
 * value, always < p. Every function here takes canonical inputs and returns
 * canonical outputs; gl_from_u64 reduces an arbitrary 64-bit integer and
 * gl_decode rejects non-canonical encodings. Debug builds check the
 * invariant with GL_CHECK.
 *
 * A gl3_t is c[0] + c[1] X + c[2] X^2 with canonical coefficients.
 * X^3 - X - 1 is irreducible over F_p (it has no root in F_p, checked by a
 * test through x^p == x), so F_p^3 has about 192 bits.
 */
#ifndef CAIRN_STARK_GL_H
#define CAIRN_STARK_GL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

typedef uint64_t gl_t;
typedef struct { gl_t c[3]; } gl3_t;

#define GL_P 0xffffffff00000001ull
#define GL_EPS 0xffffffffull /* 2^64 mod p = 2^32 - 1 */
#define GL_TWO_ADICITY 32
#define GL_GENERATOR 7ull /* multiplicative generator of F_p^* */

#ifdef NDEBUG
#define GL_CHECK(x) ((void)0)
#else
#define GL_CHECK(x) assert((x) < GL_P)
#endif

static inline gl_t gl_from_u64(uint64_t x) { return x >= GL_P ? x - GL_P : x; }

static inline gl_t gl_add(gl_t a, gl_t b)
{
    GL_CHECK(a);
    GL_CHECK(b);
    /* a + b = a - (p - b), plus p when that borrows; branch-free because
     * the condition is data-dependent and mispredicts half the time. */
    uint64_t nb = GL_P - b;
    uint64_t r = a - nb;
    return r + (((uint64_t)0 - (uint64_t)(a < nb)) & GL_P);
}

static inline gl_t gl_sub(gl_t a, gl_t b)
{
    GL_CHECK(a);
    GL_CHECK(b);
    uint64_t d = a - b;
    return d + (((uint64_t)0 - (uint64_t)(a < b)) & GL_P);
}

static inline gl_t gl_neg(gl_t a)
{
    GL_CHECK(a);
    return a ? GL_P - a : 0;
}

/* Reduces a 128-bit integer modulo p, using 2^64 = 2^32 - 1 and
 * 2^96 = -1 (mod p). */
static inline gl_t gl_reduce128(unsigned __int128 x)
{
    uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
    uint64_t hi_hi = hi >> 32, hi_lo = hi & GL_EPS;
    /* Branch-free: both corrections below depend on the data and would
     * mispredict often. A borrow means -2^64 = -(2^32 - 1) is owed. */
    uint64_t t0 = lo - hi_hi;
    t0 -= ((uint64_t)0 - (uint64_t)(lo < hi_hi)) & GL_EPS;
    uint64_t t1 = hi_lo * GL_EPS;
    uint64_t r;
    int carry = __builtin_add_overflow(t0, t1, &r);
    r += ((uint64_t)0 - (uint64_t)carry) & GL_EPS;
    return r >= GL_P ? r - GL_P : r;
}

static inline gl_t gl_mul(gl_t a, gl_t b)
{
    GL_CHECK(a);
    GL_CHECK(b);
    return gl_reduce128((unsigned __int128)a * b);
}

static inline gl_t gl_sqr(gl_t a) { return gl_mul(a, a); }

static inline gl_t gl_exp(gl_t a, uint64_t e)
{
    gl_t r = 1;
    while (e) {
        if (e & 1) r = gl_mul(r, a);
        a = gl_sqr(a);
        e >>= 1;
    }
    return r;
}

/* Inverse by Fermat; gl_inv(0) = 0 (callers that must reject zero check). */
static inline gl_t gl_inv(gl_t a) { return gl_exp(a, GL_P - 2); }

/* Primitive 2^log_n-th root of unity, log_n <= 32: 7^((p-1)/2^log_n). */
gl_t gl_root_of_unity(unsigned log_n);

/* out[i] = 1/in[i] for nonzero in[i], 0 where in[i] = 0 (Montgomery's
 * trick: three multiplications per element and one inversion). out may
 * equal in. */
void gl_batch_inv(gl_t *out, const gl_t *in, size_t n);

/* Canonical encoding: 8 bytes little-endian. gl_decode rejects values
 * >= p with CAIRN_ERR_FORMAT. */
void gl_encode(uint8_t out[8], gl_t a);
cairn_err gl_decode(gl_t *out, const uint8_t in[8]);

/* ---- vectorised element-wise operations (runtime-dispatched) ----
 * out[i] = a[i] op b[i] for i < n; out may alias a or b. Paths: scalar,
 * AVX2, AVX-512 (see common/cpu.h); gl_vec_*_ref are the plain references
 * every fast path is tested against. */
void gl_vec_add(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_sub(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_scalar(gl_t *out, const gl_t *a, gl_t s, size_t n);
void gl_vec_add_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_sub_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n);
void gl_vec_mul_scalar_ref(gl_t *out, const gl_t *a, gl_t s, size_t n);

/* ---- cubic extension ---- */

static inline gl3_t gl3_from_base(gl_t a) { return (gl3_t){{a, 0, 0}}; }
static inline gl3_t gl3_zero(void) { return (gl3_t){{0, 0, 0}}; }
static inline gl3_t gl3_one(void) { return (gl3_t){{1, 0, 0}}; }

static inline int gl3_eq(gl3_t a, gl3_t b)
{
    return a.c[0] == b.c[0] && a.c[1] == b.c[1] && a.c[2] == b.c[2];
}

static inline gl3_t gl3_add(gl3_t a, gl3_t b)
{
    return (gl3_t){{gl_add(a.c[0], b.c[0]), gl_add(a.c[1], b.c[1]), gl_add(a.c[2], b.c[2])}};
}

static inline gl3_t gl3_sub(gl3_t a, gl3_t b)
{
    return (gl3_t){{gl_sub(a.c[0], b.c[0]), gl_sub(a.c[1], b.c[1]), gl_sub(a.c[2], b.c[2])}};
}

static inline gl3_t gl3_neg(gl3_t a)
{
    return (gl3_t){{gl_neg(a.c[0]), gl_neg(a.c[1]), gl_neg(a.c[2])}};
}

static inline gl3_t gl3_mul_base(gl3_t a, gl_t s)
{
    return (gl3_t){{gl_mul(a.c[0], s), gl_mul(a.c[1], s), gl_mul(a.c[2], s)}};
}

static inline gl3_t gl3_add_base(gl3_t a, gl_t s)
{
    return (gl3_t){{gl_add(a.c[0], s), a.c[1], a.c[2]}};
}

/* s + k 2^128 (k < 5) modulo p, with 2^128 = -2^32 (mod p) */
static inline gl_t gl3_reduce_acc(unsigned __int128 s, uint64_t k)
{
    return gl_sub(gl_reduce128(s), k << 32);
}

static inline void gl3_acc(unsigned __int128 *s, uint64_t *k, unsigned __int128 x)
{
    *s += x;
    *k += *s < x;
}

/* Schoolbook product c0..c4, then X^3 = X + 1 and X^4 = X^2 + X:
 * (c0 + c3, c1 + c3 + c4, c2 + c4), each a sum of at most five 128-bit
 * products reduced once (three reductions instead of nine). */
static inline gl3_t gl3_mul(gl3_t a, gl3_t b)
{
    typedef unsigned __int128 u128;
    GL_CHECK(a.c[0]);
    GL_CHECK(a.c[1]);
    GL_CHECK(a.c[2]);
    GL_CHECK(b.c[0]);
    GL_CHECK(b.c[1]);
    GL_CHECK(b.c[2]);
    const u128 p12 = (u128)a.c[1] * b.c[2], p21 = (u128)a.c[2] * b.c[1], p22 = (u128)a.c[2] * b.c[2];
    u128 s0 = (u128)a.c[0] * b.c[0], s1 = (u128)a.c[0] * b.c[1], s2 = (u128)a.c[0] * b.c[2];
    uint64_t k0 = 0, k1 = 0, k2 = 0;
    gl3_acc(&s0, &k0, p12);
    gl3_acc(&s0, &k0, p21);
    gl3_acc(&s1, &k1, (u128)a.c[1] * b.c[0]);
    gl3_acc(&s1, &k1, p12);
    gl3_acc(&s1, &k1, p21);
    gl3_acc(&s1, &k1, p22);
    gl3_acc(&s2, &k2, (u128)a.c[1] * b.c[1]);
    gl3_acc(&s2, &k2, (u128)a.c[2] * b.c[0]);
    gl3_acc(&s2, &k2, p22);
    return (gl3_t){{gl3_reduce_acc(s0, k0), gl3_reduce_acc(s1, k1), gl3_reduce_acc(s2, k2)}};
}

static inline gl3_t gl3_sqr(gl3_t a) { return gl3_mul(a, a); }

gl3_t gl3_exp(gl3_t a, uint64_t e);

/* Inverse through the adjugate of the multiplication matrix; gl3_inv(0)=0. */
gl3_t gl3_inv(gl3_t a);

/* Batch inversion in the extension; zero maps to zero. out may equal in. */
void gl3_batch_inv(gl3_t *out, const gl3_t *in, size_t n);

/* ---- cubic extension over arrays (runtime-dispatched) ----
 * Structure of arrays: element i of an array x with component stride s is
 * x[i] + x[s + i] X + x[2s + i] X^2 (all three canonical), so a block of
 * rows is three contiguous base-field vectors. One stride for every
 * argument of a call; out may alias a or b. gl3_vec_*_ref are the plain
 * references the fast paths are tested against. */
void gl3_vec_mul(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s);
void gl3_vec_mul_ref(gl_t *out, const gl_t *a, const gl_t *b, size_t n, size_t s);
/* acc[i] += e x[i] for the extension constant e and base-field x[0..n):
 * a linear combination with extension coefficients in one pass over x */
void gl3_vec_mad_base(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s);
void gl3_vec_mad_base_ref(gl_t *acc, gl3_t e, const gl_t *x, size_t n, size_t s);

/* x[i] = 1/x[i] in place for the n elements of x (stride s), zero stays
 * zero (Montgomery's trick; the AVX-512 path runs eight interleaved
 * chains, element i in chain i mod 8, and one inversion for all eight).
 * scratch: GL3_BATCH_INV_SCRATCH(n) elements of the caller's. */
#define GL3_BATCH_INV_SCRATCH(n) (3 * ((n) + 8))
void gl3_vec_batch_inv(gl_t *x, size_t n, size_t s, gl_t *scratch);
void gl3_vec_batch_inv_ref(gl_t *x, size_t n, size_t s, gl_t *scratch);

#endif
