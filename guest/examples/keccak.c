/* keccak: SHA3-256 (FIPS 202) of the whole private input, built on the
 * Keccak-f[1600] permutation; the 32-byte digest goes to the journal raw,
 * its hex form to the debug log.
 *
 * The round constants and rotation offsets are not typed in as tables but
 * derived at start-up from their definitions in FIPS 202 (the rc(t) LFSR of
 * algorithm 5 and the (x, y) walk of algorithm 2), so a typo cannot hide in
 * them; the known-answer tests then check the whole construction.
 */
#include <stdint.h>
#include <string.h>

#include "cairn_guest.h"

#define ROUNDS 24
#define RATE 136 /* SHA3-256: (1600 - 2 * 256) / 8 bytes */

static uint64_t round_const[ROUNDS];
static unsigned rot_offset[25]; /* indexed x + 5 y */

static inline uint64_t rotl64(uint64_t v, unsigned n) { return n ? v << n | v >> (64 - n) : v; }

/* FIPS 202 algorithm 5: rc(t), the output bit of an LFSR with feedback
 * polynomial x^8 + x^6 + x^5 + x^4 + 1. Bit i of r holds R[i]. */
static unsigned rc_bit(unsigned t)
{
    unsigned r = 1;
    for (unsigned i = 0; i < t % 255; i++) {
        r <<= 1;
        if (r & 0x100) r ^= 0x171; /* R[0,4,5,6] ^= R[8], drop R[8] */
    }
    return r & 1;
}

static void keccak_tables(void)
{
    /* Algorithm 6 (iota): bit 2^j - 1 of RC for round ir is rc(j + 7 ir). */
    for (unsigned ir = 0; ir < ROUNDS; ir++) {
        uint64_t rc = 0;
        for (unsigned j = 0; j <= 6; j++)
            if (rc_bit(j + 7 * ir)) rc |= (uint64_t)1 << ((1u << j) - 1);
        round_const[ir] = rc;
    }
    /* Algorithm 2 (rho): lane (x, y) starts at (1, 0), moves to
     * (y, 2x + 3y mod 5), and is rotated by (t + 1)(t + 2) / 2. */
    unsigned x = 1, y = 0;
    rot_offset[0] = 0;
    for (unsigned t = 0; t < 24; t++) {
        rot_offset[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        unsigned nx = y, ny = (2 * x + 3 * y) % 5;
        x = nx, y = ny;
    }
}

/* The loops below are fully unrolled (GCC unroll pragmas) so that every
 * "mod 5" index folds to a constant; on RV32 each would otherwise cost a
 * remainder instruction per lane access. */
static void keccak_f1600(uint64_t a[25])
{
    for (unsigned ir = 0; ir < ROUNDS; ir++) {
        uint64_t c[5], d[5], b[25];
        /* theta */
#pragma GCC unroll 5
        for (unsigned x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (unsigned x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (unsigned i = 0; i < 25; i++) a[i] ^= d[i % 5];
        /* rho and pi: B[x, y] = rot(A[(x + 3y) mod 5, x]) */
#pragma GCC unroll 5
        for (unsigned x = 0; x < 5; x++)
#pragma GCC unroll 5
            for (unsigned y = 0; y < 5; y++) {
                unsigned src = (x + 3 * y) % 5 + 5 * x;
                b[x + 5 * y] = rotl64(a[src], rot_offset[src]);
            }
        /* chi */
#pragma GCC unroll 5
        for (unsigned y = 0; y < 5; y++)
#pragma GCC unroll 5
            for (unsigned x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        /* iota */
        a[0] ^= round_const[ir];
    }
}

typedef struct {
    uint64_t a[25];
    size_t fill; /* bytes absorbed into the current block */
} sha3_ctx;

/* Lanes are little-endian 8-byte words of the state string (FIPS 202
 * section 3.1.2 with the bit order of appendix B.1). */
static void xor_byte(sha3_ctx *c, size_t i, uint8_t v) { c->a[i / 8] ^= (uint64_t)v << (8 * (i % 8)); }

static void sha3_update(sha3_ctx *c, const uint8_t *p, size_t len)
{
    /* Whole blocks at a block boundary: lane by lane. */
    while (c->fill == 0 && len >= RATE) {
        for (size_t i = 0; i < RATE / 8; i++) {
            uint64_t v = 0;
            for (int k = 7; k >= 0; k--) v = v << 8 | p[8 * i + (size_t)k];
            c->a[i] ^= v;
        }
        keccak_f1600(c->a);
        p += RATE, len -= RATE;
    }
    for (size_t i = 0; i < len; i++) {
        xor_byte(c, c->fill++, p[i]);
        if (c->fill == RATE) {
            keccak_f1600(c->a);
            c->fill = 0;
        }
    }
}

static void sha3_final(sha3_ctx *c, uint8_t out[32])
{
    /* SHA3 domain suffix 01 followed by pad10*1: bytes 0x06 ... 0x80 (one
     * byte 0x86 when they coincide). */
    xor_byte(c, c->fill, 0x06);
    xor_byte(c, RATE - 1, 0x80);
    keccak_f1600(c->a);
    for (size_t i = 0; i < 32; i++) out[i] = (uint8_t)(c->a[i / 8] >> (8 * (i % 8)));
}

int main(void)
{
    keccak_tables();
    static sha3_ctx c;
    static uint8_t buf[4096];
    size_t n, total = 0;
    while ((n = cairn_read(buf, sizeof buf)) > 0) {
        sha3_update(&c, buf, n);
        total += n;
    }
    uint8_t digest[32];
    sha3_final(&c, digest);
    cairn_commit(digest, sizeof digest);

    char hex[65];
    cairn_hex(hex, digest, sizeof digest);
    cairn_logf("sha3-256 of %lu bytes: %s\n", (unsigned long)total, hex);
    return 0;
}
