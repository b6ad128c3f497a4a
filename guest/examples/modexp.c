/* modexp: a long-running guest (about 10^8 cycles with the defaults) whose
 * answer is known in advance.
 *
 * Input: "p b" in decimal (default "1279 3"), p an odd number <= 4096.
 * With M = 2^p - 1 it computes r = b^((M-1)/2) mod M by left-to-right
 * square-and-multiply on Montgomery numbers (32-bit limbs, CIOS
 * multiplication), the generic algorithm of RSA-style modular
 * exponentiation; it does not exploit the special form of M.
 *
 * Journal: "p=<p> b=<b>\nr=<hex, n limbs of 8 digits, most significant
 * first>\nlegendre=<1|-1|0>\n" where legendre is 1 if r = 1, -1 if
 * r = M - 1, else 0. Exit code 0 when legendre is +-1 (as Euler's
 * criterion requires for prime M), 1 otherwise, 2 on bad input.
 *
 * Known answers: for a Mersenne prime M_p with p > 2 (p = 127, 521, 607,
 * 1279, 2203, ...), 3 is a quadratic non-residue -- M = 1 mod 3 and
 * M = 3 mod 4, so by quadratic reciprocity (3/M) = -(M/3) = -1 -- hence
 * r = M - 1 = 7ff...fe, legendre=-1. Other inputs are checked against an
 * independent host implementation in tests/guest/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BITS 4096

typedef struct {
    size_t n;         /* limbs */
    uint32_t *m;      /* modulus, n limbs, odd */
    uint32_t m0inv;   /* -m^-1 mod 2^32 */
    uint32_t *r2;     /* R^2 mod m, R = 2^(32 n) */
    uint32_t *t;      /* n + 2 limbs of scratch */
} mont_ctx;

/* a >= b over n limbs */
static int geq(const uint32_t *a, const uint32_t *b, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (a[i] != b[i]) return a[i] > b[i];
    return 1;
}

/* a -= b over n limbs; returns the borrow */
static uint32_t sub_n(uint32_t *a, const uint32_t *b, size_t n)
{
    uint32_t borrow = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)a[i] - b[i] - borrow;
        a[i] = (uint32_t)d;
        borrow = (uint32_t)(d >> 63);
    }
    return borrow;
}

/* out = a b R^-1 mod m (CIOS: Koc, Acar, Kaliski 1996). out may alias a
 * or b. Inputs < m give an output < m. */
static void mont_mul(const mont_ctx *c, uint32_t *out, const uint32_t *a, const uint32_t *b)
{
    size_t n = c->n;
    uint32_t *t = c->t;
    memset(t, 0, (n + 2) * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        uint64_t carry = 0;
        for (size_t j = 0; j < n; j++) {
            uint64_t s = (uint64_t)a[j] * b[i] + t[j] + carry;
            t[j] = (uint32_t)s;
            carry = s >> 32;
        }
        uint64_t s = (uint64_t)t[n] + carry;
        t[n] = (uint32_t)s;
        t[n + 1] = (uint32_t)(s >> 32);

        uint32_t q = t[0] * c->m0inv;
        s = (uint64_t)q * c->m[0] + t[0]; /* low word is 0 by choice of q */
        carry = s >> 32;
        for (size_t j = 1; j < n; j++) {
            s = (uint64_t)q * c->m[j] + t[j] + carry;
            t[j - 1] = (uint32_t)s;
            carry = s >> 32;
        }
        s = (uint64_t)t[n] + carry;
        t[n - 1] = (uint32_t)s;
        t[n] = t[n + 1] + (uint32_t)(s >> 32);
    }
    if (t[n] || geq(t, c->m, n)) sub_n(t, c->m, n);
    memcpy(out, t, n * sizeof *out);
}

static int mont_init(mont_ctx *c, const uint32_t *m, size_t n)
{
    c->n = n;
    c->m = malloc(n * sizeof *c->m);
    c->r2 = malloc(n * sizeof *c->r2);
    c->t = malloc((n + 2) * sizeof *c->t);
    if (!c->m || !c->r2 || !c->t) return -1;
    memcpy(c->m, m, n * sizeof *m);
    /* Newton's iteration doubles the correct low bits each step:
     * 1 -> 2 -> ... -> 32 bits (x = m0 is right to 3 bits for odd m0). */
    uint32_t x = m[0];
    for (int i = 0; i < 5; i++) x *= 2 - m[0] * x;
    c->m0inv = -x;
    /* R^2 mod m by 2 * 32 n modular doublings of 1. */
    uint32_t *r = c->r2;
    memset(r, 0, n * sizeof *r);
    r[0] = 1;
    for (size_t k = 0; k < 64 * n; k++) {
        uint32_t top = r[n - 1] >> 31;
        for (size_t i = n; i-- > 1;) r[i] = r[i] << 1 | r[i - 1] >> 31;
        r[0] <<= 1;
        if (top || geq(r, m, n)) sub_n(r, m, n);
    }
    return 0;
}

int main(void)
{
    unsigned long p = 1279, b = 3;
    int got = scanf("%lu %lu", &p, &b); /* EOF: defaults; "p" alone: b = 3 */
    if (got == 0 || p < 3 || p > MAX_BITS || p % 2 == 0 || b == 0) {
        fprintf(stderr, "modexp: need an odd p in 3..%d and b > 0, got p=%lu b=%lu\n", MAX_BITS, p, b);
        return 2;
    }
    size_t n = (p + 31) / 32;

    /* M = 2^p - 1 and e = (M - 1) / 2 = 2^(p-1) - 1, built generically. */
    uint32_t *m = calloc(n, sizeof *m), *e = calloc(n, sizeof *e);
    uint32_t *x = calloc(n, sizeof *x), *acc = calloc(n, sizeof *acc);
    if (!m || !e || !x || !acc) return 3;
    for (size_t i = 0; i < p; i++) m[i / 32] |= 1u << (i % 32);
    memcpy(e, m, n * sizeof *e);
    e[0] &= ~1u;                                                    /* M - 1 */
    for (size_t i = 0; i < n; i++) e[i] = e[i] >> 1 | (i + 1 < n ? e[i + 1] << 31 : 0); /* / 2 */
    mont_ctx c;
    if (mont_init(&c, m, n)) return 3;

    /* x = b R mod M; acc = R mod M (Montgomery 1). b is reduced first. */
    x[0] = (uint32_t)b;
    if (n == 1) x[0] %= m[0]; /* for p > 32, b < 2^32 <= M already */
    mont_mul(&c, x, x, c.r2);
    uint32_t *one = calloc(n, sizeof *one);
    if (!one) return 3;
    one[0] = 1;
    mont_mul(&c, acc, one, c.r2);

    for (size_t i = p; i-- > 0;) {
        mont_mul(&c, acc, acc, acc);
        if (e[i / 32] >> (i % 32) & 1) mont_mul(&c, acc, acc, x);
    }
    mont_mul(&c, acc, acc, one); /* leave Montgomery form */

    printf("p=%lu b=%lu\nr=", p, b);
    for (size_t i = n; i-- > 0;) printf("%08lx", (unsigned long)acc[i]);
    uint32_t *m1 = calloc(n, sizeof *m1);
    if (!m1) return 3;
    memcpy(m1, m, n * sizeof *m);
    m1[0] &= ~1u;
    int legendre = !memcmp(acc, one, n * sizeof *acc) ? 1 : !memcmp(acc, m1, n * sizeof *acc) ? -1 : 0;
    printf("\nlegendre=%d\n", legendre);
    return legendre ? 0 : 1;
}
