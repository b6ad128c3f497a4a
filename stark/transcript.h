/* Fiat–Shamir transcript: a Poseidon2 duplex sponge (rate 8, capacity 4).
 *
 * Absorbing writes into the rate (overwrite mode) and permutes when the
 * rate is full; squeezing first permutes if anything was absorbed since the
 * last permutation, then reads the rate from element 0 upward, permuting
 * again when it is used up. The first absorb is a domain tag, so transcripts
 * of different protocols never collide.
 *
 * Index sampling: tr_squeeze_bits returns the low k bits (k <= 32) of one
 * squeezed element x, without rejection, so that the verifier, which
 * cannot branch on transcript values, samples identically. With x uniform
 * in [0, p) and p = q 2^k + 1 (p = 1 mod 2^32), residue 0 has probability
 * (q + 1)/p and every other residue q/p, so the statistical distance from
 * uniform on [0, 2^k) is (2^k - 1)/(2^k p) <= 2^-64 per sample (and <= Q
 * 2^-64 over Q queries), which the security analysis can ignore.
 *
 * Absorbing in pieces is the same as absorbing at once (3 + 5 elements ==
 * 8 elements) as long as no squeeze intervenes; a squeeze between them
 * changes everything after it. Like other overwrite-mode duplex
 * challengers (Plonky3's DuplexChallenger), the transcript does not encode
 * message lengths: absorbing x and then squeezing equals absorbing x, r
 * when r is the rate element already at that position. Every message of
 * the protocol therefore has a length fixed by the protocol and the
 * verifying key, or is preceded by its length.
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
/* Integer in [0, 2^bits): the low `bits` bits of one squeezed element
 * (within 2^-64 of uniform, see above); bits <= 32 (asserted: a protocol
 * constant, never input). */
uint32_t tr_squeeze_bits(transcript *t, unsigned bits);

/* Proof-of-work grinding. A nonce (a field element, < p) is a witness for
 * the current transcript state iff absorbing it and squeezing one element
 * gives a value y with `bits` leading zero bits in its 64-bit canonical
 * value (y < 2^(64 - bits)); the witness used is the smallest such nonce.
 * When nothing is pending to be absorbed this is the first element of
 * permute(state with rate[0] = nonce), as first specified here; pending
 * absorbed elements stay bound because the nonce goes to the next rate
 * position instead of overwriting rate[0]. The value y is consumed like any
 * squeezed element, so the next challenge is not the ground (biased) one.
 *
 * pow_grind searches with every OpenMP thread, in rounds of increasing
 * nonces so that the result does not depend on the thread count, then does
 * what pow_check does. pow_check absorbs the nonce, squeezes y and returns
 * 1 if the nonce is a witness, else 0 (also for bits > POW_MAX_BITS or a
 * nonce >= p, which leave the transcript untouched). After a failed check the
 * transcript is of no further use. Both sides' transcripts agree after a
 * grind and a successful check. bits = 0 accepts every nonce and grind
 * returns 0. */
#define POW_MAX_BITS 40 /* 2^40 permutations is beyond any prover's budget */
uint64_t pow_grind(transcript *t, unsigned bits);
int pow_check(transcript *t, unsigned bits, uint64_t nonce);

#endif
