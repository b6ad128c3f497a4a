/* Poseidon2 over Goldilocks, width 12 (rate 8, capacity 4), S-box x^7,
 * 4 + 22 + 4 rounds, constants of tests/vectors/poseidon2-goldilocks-w12.txt
 * (Plonky3 v0.5+ default instance). DESIGN.md fixes the instance; this
 * module fixes the sponge and compression built on it:
 *
 *  - p2_hash (variable-length sponge): state starts at zero except
 *    state[8] (first capacity element) = input length n, which makes
 *    inputs of different lengths domain-separated; absorb n elements 8 at a
 *    time by overwriting the rate (overwrite mode), permuting after each
 *    full or final partial block; a final partial block is padded with a
 *    single 1 followed by zeros (10* padding), an empty input is one block
 *    of padding. The digest is state[0..4] after the last permutation.
 *  - p2_compress (Merkle 2-to-1): permute (left || right || 0,0,0,0) and keep
 *    the first 4 elements.
 */
#ifndef CAIRN_STARK_P2_H
#define CAIRN_STARK_P2_H

#include <stddef.h>

#include "gl.h"

#define P2_WIDTH 12
#define P2_RATE 8
#define P2_DIGEST 4

typedef struct { gl_t v[P2_DIGEST]; } p2_digest;

/* Plain reference permutation; every fast path is tested against it. */
void p2_permute_ref(gl_t st[P2_WIDTH]);

/* Fastest available single permutation (runtime-dispatched). */
void p2_permute(gl_t st[P2_WIDTH]);

/* Permutes n independent states stored contiguously (st[12*i .. 12*i+11])
 * with the widest SIMD path available (AVX-512: 8 states per vector, AVX2:
 * 4), spread over the OpenMP threads when n is large (a few hundred). */
void p2_permute_batch(gl_t *st, size_t n);

/* Variable-length sponge hash (see above). */
void p2_hash(p2_digest *out, const gl_t *in, size_t n);

/* 2-to-1 compression of DESIGN.md. */
void p2_compress(p2_digest *out, const p2_digest *left, const p2_digest *right);

/* Hashes nrows rows of len elements each: row i starts at in + i*stride;
 * out[i] = p2_hash(row i). Batched across rows with SIMD and OpenMP. */
void p2_hash_rows(p2_digest *out, const gl_t *in, size_t nrows, size_t len, size_t stride);

/* out[i] = p2_compress(in[2i], in[2i+1]) for i < n; batched, parallel. */
void p2_compress_pairs(p2_digest *out, const p2_digest *in, size_t n);

#endif
