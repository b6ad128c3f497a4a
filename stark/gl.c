/* Goldilocks: the non-inline parts of gl.h (roots of unity, batch
 * inversion, encoding, extension inverse). */
#include "gl.h"

#include <stdlib.h>

#include "../common/alloc.h"
#include "../common/err.h"

gl_t gl_root_of_unity(unsigned log_n)
{
    assert(log_n <= GL_TWO_ADICITY);
    return gl_exp(GL_GENERATOR, (GL_P - 1) >> log_n);
}

void gl_batch_inv(gl_t *out, const gl_t *in, size_t n)
{
    if (n == 0) return;
    /* prefix[i] = product of the nonzero in[0..i]; kept in out. */
    gl_t *prefix = cairn_malloc_array(n, sizeof *prefix);
    gl_t acc = 1;
    if (!prefix) { /* fall back to one inversion each */
        for (size_t i = 0; i < n; i++) out[i] = gl_inv(in[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        prefix[i] = acc;
        if (in[i]) acc = gl_mul(acc, in[i]);
    }
    gl_t inv = gl_inv(acc);
    for (size_t i = n; i-- > 0;) {
        gl_t x = in[i];
        if (x) {
            out[i] = gl_mul(inv, prefix[i]);
            inv = gl_mul(inv, x);
        } else {
            out[i] = 0;
        }
    }
    free(prefix);
}

void gl_encode(uint8_t out[8], gl_t a)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(a >> (8 * i));
}

cairn_err gl_decode(gl_t *out, const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)in[i] << (8 * i);
    RETURN_ERROR_IF(v >= GL_P, CAIRN_ERR_FORMAT,
                    "field element 0x%016llx is not canonical (>= p)", (unsigned long long)v);
    *out = v;
    return CAIRN_OK;
}

gl3_t gl3_exp(gl3_t a, uint64_t e)
{
    gl3_t r = gl3_one();
    while (e) {
        if (e & 1) r = gl3_mul(r, a);
        a = gl3_sqr(a);
        e >>= 1;
    }
    return r;
}

gl3_t gl3_inv(gl3_t a)
{
    /* Columns of M are a, aX, aX^2 as coefficient vectors; with X^3 = X + 1:
     *   aX   = a2 + (a0 + a2) X + a1 X^2
     *   aX^2 = a1 + (a1 + a2) X + (a0 + a2) X^2
     * The inverse x solves M x = e0, so x = (C00, C01, C02) / det(M) with
     * C0j the cofactors of the first row. */
    gl_t a0 = a.c[0], a1 = a.c[1], a2 = a.c[2];
    gl_t m00 = a0, m01 = a2, m02 = a1;
    gl_t m10 = a1, m11 = gl_add(a0, a2), m12 = gl_add(a1, a2);
    gl_t m20 = a2, m21 = a1, m22 = gl_add(a0, a2);
    gl_t c00 = gl_sub(gl_mul(m11, m22), gl_mul(m12, m21));
    gl_t c01 = gl_sub(gl_mul(m12, m20), gl_mul(m10, m22));
    gl_t c02 = gl_sub(gl_mul(m10, m21), gl_mul(m11, m20));
    gl_t det = gl_add(gl_add(gl_mul(m00, c00), gl_mul(m01, c01)), gl_mul(m02, c02));
    gl_t di = gl_inv(det);
    return (gl3_t){{gl_mul(c00, di), gl_mul(c01, di), gl_mul(c02, di)}};
}

void gl3_batch_inv(gl3_t *out, const gl3_t *in, size_t n)
{
    if (n == 0) return;
    gl3_t *prefix = cairn_malloc_array(n, sizeof *prefix);
    if (!prefix) {
        for (size_t i = 0; i < n; i++) out[i] = gl3_inv(in[i]);
        return;
    }
    gl3_t acc = gl3_one(), zero = gl3_zero();
    for (size_t i = 0; i < n; i++) {
        prefix[i] = acc;
        if (!gl3_eq(in[i], zero)) acc = gl3_mul(acc, in[i]);
    }
    gl3_t inv = gl3_inv(acc);
    for (size_t i = n; i-- > 0;) {
        gl3_t x = in[i];
        if (!gl3_eq(x, zero)) {
            out[i] = gl3_mul(inv, prefix[i]);
            inv = gl3_mul(inv, x);
        } else {
            out[i] = zero;
        }
    }
    free(prefix);
}
