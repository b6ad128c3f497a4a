/* Private to the p2 module: the SIMD permutation kernels and the scalar
 * fast path, shared by p2.c (dispatch, sponge, batching) and the tests.
 *
 * The SIMD kernels work on states in structure-of-arrays form: for a
 * kernel of L lanes, soa[i * L + l] is element i of state l (L states,
 * 12 * L words). Inputs may be any 64-bit values (not only canonical ones);
 * outputs are canonical. */
#ifndef CAIRN_STARK_P2_IMPL_H
#define CAIRN_STARK_P2_IMPL_H

#include "p2.h"

/* Lanes of each kernel: two vectors interleaved, so that the dependency
 * chain of the partial rounds (one S-box per round) of one vector overlaps
 * the work of the other. */
#define P2_AVX2_LANES 8    /* 2 x 4 states in __m256i */
#define P2_AVX512_LANES 16 /* 2 x 8 states in __m512i */
#define P2_MAX_LANES 16

/* Single-vector kernels, used for batches too small for the wide ones. */
#define P2_AVX2_LANES_1 4
#define P2_AVX512_LANES_1 8

void p2_permute_soa8_avx2(gl_t *soa);
void p2_permute_soa4_avx2(gl_t *soa);
void p2_permute_soa16_avx512(gl_t *soa);
void p2_permute_soa8_avx512(gl_t *soa);

/* Portable fast path (delayed reduction). */
void p2_permute_scalar(gl_t st[P2_WIDTH]);

/* The 22 partial rounds of the portable path on words < 2^64, in the
 * fused-constant convention of p2.c: on entry x[0] already includes the
 * first partial round's constant; on exit every word includes the first
 * final full round's constant. */
void p2_partial_rounds_scalar(uint64_t x[P2_WIDTH]);

/* One state: full rounds in AVX-512 vectors, partial rounds scalar. */
void p2_permute_single_avx512(gl_t st[P2_WIDTH]);

/* Test hooks: the lane arithmetic of each path, applied to n values so
 * that the tests can hit carries and borrows that random permutation
 * inputs almost never reach (probability about 2^-32). out[i] is a word
 * < 2^64 congruent mod p to:
 *   P2_OP_MUL   a[i] b[i]            (any a, b < 2^64)
 *   P2_OP_SQR   a[i]^2
 *   P2_OP_SBOX  a[i]^7
 *   P2_OP_HALF  a[i] / 2
 *   P2_OP_QUARTER, P2_OP_EIGHTH  a[i] / 4, a[i] / 8  (SIMD only)
 *   P2_OP_CANON a[i], and canonical
 *   P2_OP_JOIN  a[i] + b[i] 2^32     (SIMD only; a, b < 2^40)
 *   P2_OP_WIDE  a[i] + b[i] 2^64     (scalar only; b < 2^31)
 * and, on whole states (n a multiple of 12 times the lane count, states in
 * the SoA layout of the kernels; b unused), the linear layers without round
 * constants, for any input words < 2^64:
 *   P2_OP_EXT   external layer
 *   P2_OP_INT   internal layer (as in the partial rounds but the last)
 *   P2_OP_INT_LAST  internal layer as in the last partial round (which
 *               adds the next round's 12 constants, here zero)
 * For the SIMD hooks n is a multiple of their vector width (4 or 8).
 * Unsupported ops leave out untouched and return 0, otherwise 1. */
enum {
    P2_OP_MUL,
    P2_OP_SQR,
    P2_OP_SBOX,
    P2_OP_HALF,
    P2_OP_CANON,
    P2_OP_JOIN,
    P2_OP_WIDE,
    P2_OP_EXT,
    P2_OP_INT,
    P2_OP_INT_LAST,
    P2_OP_QUARTER,
    P2_OP_EIGHTH
};
int p2_test_op_scalar(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n);
int p2_test_op_avx2(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n);
int p2_test_op_avx512(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n);

#endif
