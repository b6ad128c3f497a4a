/* Fiat–Shamir transcript and proof-of-work grinding (transcript.h). */
#include "transcript.h"

#include <string.h>

/* Nonces tried per batched permutation call: enough states for the widest
 * SIMD path to run full vectors, small enough to live on the stack. */
#define POW_BATCH 32
/* Nonces examined per parallel round: starts small so that low difficulty
 * costs little, grows so that high difficulty spends little time in
 * fork/join. Each round finishes before the next one starts, so the smallest
 * valid nonce of the first round that has one is the smallest overall. */
#define POW_ROUND_FIRST ((uint64_t)POW_BATCH * 32)
#define POW_ROUND_MAX ((uint64_t)1 << 18)

static void duplex(transcript *t)
{
    p2_permute(t->st);
    t->absorbed = 0;
    t->squeezed = P2_RATE;
}

static void absorb_one(transcript *t, gl_t x)
{
    GL_CHECK(x);
    /* Outputs not yet read are stale once new input arrives. */
    t->squeezed = 0;
    t->st[t->absorbed++] = x;
    if (t->absorbed == P2_RATE) duplex(t);
}

void tr_init(transcript *t, const char *domain_tag)
{
    memset(t, 0, sizeof *t);
    if (!domain_tag) domain_tag = "";
    size_t len = strlen(domain_tag);
    absorb_one(t, gl_from_u64(len));
    /* 7 bytes per element, little-endian, so every element is < 2^56 < p
     * and the packing is injective (the length fixes the trailing zeros). */
    for (size_t i = 0; i < len; i += 7) {
        uint64_t e = 0;
        for (size_t j = 0; j < 7 && i + j < len; j++)
            e |= (uint64_t)(unsigned char)domain_tag[i + j] << (8 * j);
        absorb_one(t, e);
    }
}

void tr_absorb(transcript *t, const gl_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) absorb_one(t, x[i]);
}

void tr_absorb_digest(transcript *t, const p2_digest *d) { tr_absorb(t, d->v, P2_DIGEST); }

void tr_absorb_ext(transcript *t, const gl3_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) tr_absorb(t, x[i].c, 3);
}

gl_t tr_squeeze(transcript *t)
{
    if (t->absorbed > 0 || t->squeezed == 0) duplex(t);
    return t->st[P2_RATE - t->squeezed--];
}

gl3_t tr_squeeze_ext(transcript *t)
{
    gl3_t r;
    for (int i = 0; i < 3; i++) r.c[i] = tr_squeeze(t);
    return r;
}

uint32_t tr_squeeze_bits(transcript *t, unsigned bits)
{
    assert(bits <= 32);
    /* no rejection: the verifier (verifier.c) cannot branch on the sample,
     * so both sides take the low bits of one element (transcript.h) */
    gl_t x = tr_squeeze(t);
    return bits >= 32 ? (uint32_t)x : (uint32_t)(x & (((uint64_t)1 << bits) - 1));
}

/* ---- proof of work ---- */

static int pow_ok(gl_t y, unsigned bits) { return bits == 0 || (y >> (64 - bits)) == 0; }

int pow_check(transcript *t, unsigned bits, uint64_t nonce)
{
    if (bits > POW_MAX_BITS || nonce >= GL_P) return 0;
    tr_absorb(t, &nonce, 1);
    return pow_ok(tr_squeeze(t), bits);
}

uint64_t pow_grind(transcript *t, unsigned bits)
{
    assert(bits <= POW_MAX_BITS);
    /* Release builds: a search that cannot end is worse than a nonce the
     * verifier rejects. */
    if (bits > POW_MAX_BITS) bits = POW_MAX_BITS;
    uint64_t found = 0;
    if (bits > 0) {
        /* pow_check absorbs the nonce at rate position `absorbed` (0 when
         * nothing is pending) and squeezes; that squeeze permutes exactly
         * once, so a candidate's value is element 0 of the permutation of
         * this state with the nonce written there. */
        const unsigned pos = t->absorbed;
        gl_t base[P2_WIDTH];
        memcpy(base, t->st, sizeof base);
        uint64_t start = 0, round = POW_ROUND_FIRST;
        found = UINT64_MAX;
        while (found == UINT64_MAX) {
            int64_t batches = (int64_t)(round / POW_BATCH);
            uint64_t best = UINT64_MAX;
#pragma omp parallel for schedule(dynamic, 16) reduction(min : best)
            for (int64_t b = 0; b < batches; b++) {
                gl_t st[POW_BATCH * P2_WIDTH];
                uint64_t n0 = start + (uint64_t)b * POW_BATCH;
                for (int i = 0; i < POW_BATCH; i++) {
                    memcpy(st + i * P2_WIDTH, base, sizeof base);
                    /* past p - 1 the candidates are not field elements and
                     * are skipped below; reaching them takes 2^(64 - bits)
                     * times the expected work */
                    st[i * P2_WIDTH + pos] = gl_from_u64(n0 + (uint64_t)i);
                }
                p2_permute_batch(st, POW_BATCH);
                for (int i = 0; i < POW_BATCH; i++)
                    if (pow_ok(st[i * P2_WIDTH], bits) && n0 + (uint64_t)i < GL_P) {
                        if (n0 + (uint64_t)i < best) best = n0 + (uint64_t)i;
                        break;
                    }
            }
            found = best;
            start += round;
            if (round < POW_ROUND_MAX) round *= 2;
        }
    }
    int ok = pow_check(t, bits, found);
    assert(ok);
    (void)ok;
    return found;
}
