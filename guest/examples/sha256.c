/* sha256: the SHA-256 digest (FIPS 180-4) of the whole private input,
 * written to the journal as 32 raw bytes; the hex form goes to the debug
 * log. The input is hashed as it streams in, so its length is bounded only
 * by the input the host supplies.
 */
#include <stdint.h>
#include <string.h>

#include "cairn_guest.h"

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef struct {
    uint32_t h[8];
    uint64_t nbytes;   /* message length so far */
    uint8_t block[64]; /* pending bytes, nbytes % 64 of them */
} sha256_ctx;

static inline uint32_t rotr(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }

static void sha256_init(sha256_ctx *c)
{
    /* FIPS 180-4 section 5.3.3: fractional parts of the square roots of
     * the first 8 primes. */
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->nbytes = 0;
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t len)
{
    size_t fill = c->nbytes % 64;
    c->nbytes += len;
    if (fill) {
        size_t take = 64 - fill < len ? 64 - fill : len;
        memcpy(c->block + fill, p, take);
        p += take, len -= take, fill += take;
        if (fill < 64) return;
        sha256_block(c->h, c->block);
    }
    for (; len >= 64; p += 64, len -= 64) sha256_block(c->h, p);
    memcpy(c->block, p, len);
}

static void sha256_final(sha256_ctx *c, uint8_t out[32])
{
    /* Padding (section 5.1.1): 0x80, zeros to 56 mod 64, the bit length
     * as a 64-bit big-endian number. */
    uint64_t bits = c->nbytes * 8;
    uint8_t pad[72] = {0x80};
    size_t fill = c->nbytes % 64;
    size_t padlen = (fill < 56 ? 56 : 120) - fill;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
}

int main(void)
{
    static uint8_t buf[4096];
    sha256_ctx c;
    sha256_init(&c);
    size_t n;
    while ((n = cairn_read(buf, sizeof buf)) > 0) sha256_update(&c, buf, n);

    uint64_t msg_len = c.nbytes; /* sha256_final counts the padding too */
    uint8_t digest[32];
    sha256_final(&c, digest);
    cairn_commit(digest, sizeof digest);

    char hex[65];
    cairn_hex(hex, digest, sizeof digest);
    cairn_logf("sha256 of %lu bytes: %s\n", (unsigned long)msg_len, hex);
    return 0;
}
