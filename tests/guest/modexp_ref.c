/* modexp_ref — host reference for the modexp example guest
 * (guest/examples/modexp.c): prints exactly the journal the guest should
 * write for input "p b" and exits with the guest's expected exit code.
 *
 *   modexp_ref P B
 *
 * Deliberately a different algorithm from the guest's, so that the two
 * agreeing means something: the guest uses Montgomery multiplication and
 * left-to-right square-and-multiply for a generic odd modulus; this uses
 * schoolbook products reduced with the Mersenne identity
 * 2^p = 1 (mod 2^p - 1), i.e. x mod M = (x mod 2^p) + (x >> p) repeated,
 * and right-to-left exponentiation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIMBS (4096 / 32 + 1)

static unsigned p, n; /* M = 2^p - 1 in n 32-bit limbs */

static uint32_t bit(const uint32_t *x, unsigned i) { return x[i / 32] >> (i % 32) & 1; }

/* x (2n limbs) -> x mod M in its low n limbs. */
static void reduce(uint32_t *x)
{
    for (;;) {
        /* hi = x >> p, then x = (x mod 2^p) + hi */
        uint32_t hi[2 * MAX_LIMBS] = {0};
        int nonzero = 0;
        for (unsigned i = p; i < 64 * n; i++)
            if (bit(x, i)) {
                hi[(i - p) / 32] |= 1u << ((i - p) % 32);
                nonzero = 1;
            }
        if (!nonzero) break;
        for (unsigned i = p; i < 64 * n; i++) x[i / 32] &= ~(1u << (i % 32));
        uint64_t carry = 0;
        for (unsigned i = 0; i < 2 * n; i++) {
            carry += (uint64_t)x[i] + hi[i];
            x[i] = (uint32_t)carry;
            carry >>= 32;
        }
    }
    /* Now x < 2^p; x == M (all p bits set) means 0. */
    int all = 1;
    for (unsigned i = 0; i < p; i++) all &= (int)bit(x, i);
    if (all) memset(x, 0, 2 * n * sizeof *x);
}

static void mulmod(uint32_t *out, const uint32_t *a, const uint32_t *b)
{
    uint32_t t[2 * MAX_LIMBS] = {0};
    for (unsigned i = 0; i < n; i++) {
        uint64_t carry = 0;
        for (unsigned j = 0; j < n; j++) {
            uint64_t s = (uint64_t)a[i] * b[j] + t[i + j] + carry;
            t[i + j] = (uint32_t)s;
            carry = s >> 32;
        }
        t[i + n] = (uint32_t)carry;
    }
    reduce(t);
    memcpy(out, t, n * sizeof *out);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: modexp_ref P B\n");
        return 2;
    }
    unsigned long pl = strtoul(argv[1], NULL, 10), b = strtoul(argv[2], NULL, 10);
    if (pl < 3 || pl > 4096 || pl % 2 == 0 || b == 0 || b > 0xffffffffu) {
        fprintf(stderr, "modexp_ref: need an odd P in 3..4096 and 0 < B < 2^32\n");
        return 2;
    }
    p = (unsigned)pl;
    n = (p + 31) / 32;

    uint32_t base[2 * MAX_LIMBS] = {0}, r[MAX_LIMBS] = {0};
    base[0] = (uint32_t)b;
    reduce(base);
    r[0] = 1;
    /* e = (M - 1) / 2 = 2^(p-1) - 1: bits 0 .. p-2 set. */
    for (unsigned i = 0; i + 1 < p; i++) {
        mulmod(r, r, base); /* every bit of e is 1 */
        mulmod(base, base, base);
    }

    printf("p=%u b=%lu\nr=", p, b);
    for (unsigned i = n; i-- > 0;) printf("%08lx", (unsigned long)r[i]);
    uint32_t one[MAX_LIMBS] = {1}, m1[MAX_LIMBS] = {0};
    for (unsigned i = 1; i < p; i++) m1[i / 32] |= 1u << (i % 32); /* M - 1 */
    int legendre = !memcmp(r, one, n * sizeof *r) ? 1 : !memcmp(r, m1, n * sizeof *r) ? -1 : 0;
    printf("\nlegendre=%d\n", legendre);
    return legendre ? 0 : 1;
}
