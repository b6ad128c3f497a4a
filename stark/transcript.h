/* Fiat–Shamir transcript: a Poseidon2 duplex sponge (rate 8, capacity 4).
 *
 * Absorbing writes into the rate (overwrite mode) and permutes when the
 * rate is full; squeezing first permutes if anything was absorbed since the
 * last permutation, then reads the rate from element 0 upward, permuting
 * again when it is used up. The first absorb is a domain tag, so transcripts
 * of different protocols never collide.
 *
 * Index sampling: a field element x drawn uniformly from [0, p) has
 * uniform low k bits (k <= 32) when x != p - 1, because p = 1 mod 2^32;
 * tr_squeeze_bits rejects x = p - 1 and draws again, so its output is
 * exactly uniform.
 */
#ifndef CAIRN_STARK_TRANSCRIPT_H
#define CAIRN_STARK_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "gl.h"
#include "p2.h"

typedef struct {
    gl_t st[P2_WIDTH];
    unsigned absorbed; /* elements written into the rate since last permute */
    unsigned squeezed; /* rate elements left to read; 0 = must permute */
} transcript;

/* Starts a transcript and absorbs the domain tag (an ASCII string, packed
 * 7 bytes per element, preceded by its length). */
void tr_init(transcript *t, const char *domain_tag);
void tr_absorb(transcript *t, const gl_t *x, size_t n);
void tr_absorb_digest(transcript *t, const p2_digest *d);
void tr_absorb_ext(transcript *t, const gl3_t *x, size_t n);
gl_t tr_squeeze(transcript *t);
gl3_t tr_squeeze_ext(transcript *t);
/* Uniform integer in [0, 2^bits), bits <= 32. */
uint32_t tr_squeeze_bits(transcript *t, unsigned bits);

/* Proof-of-work grinding. The witness for the current transcript state is
 * the smallest nonce such that the first element of
 * permute(state with rate[0] = nonce) has `bits` leading zero bits (bits
 * counted in the 64-bit canonical value). pow_grind searches with every
 * OpenMP thread and then absorbs the nonce; pow_check verifies a nonce and
 * absorbs it, returning 0 if it is not a valid witness. */
uint64_t pow_grind(transcript *t, unsigned bits);
int pow_check(transcript *t, unsigned bits, uint64_t nonce);

#endif
