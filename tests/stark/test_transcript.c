/* Fiat–Shamir transcript and proof of work: agreement with an independent
 * model of the duplex sponge on random operation sequences, domain
 * separation, sensitivity to values and order, absorbing in pieces,
 * interleaved squeezes, index sampling (bounds, chi-square, low bits of
 * one element without rejection, as the verifier samples), and grinding (smallest nonce, checks, agreement of both
 * sides, thread counts and SIMD paths). */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/transcript.h"
#include "testutil.h"

static gl_t rand_gl(rng_t *r) { return rng_u64(r) % GL_P; }

/* ---- model: the sponge of transcript.h written with explicit input and
 * output buffers (the way Plonky3's DuplexChallenger is organised) ---- */
typedef struct {
    gl_t st[P2_WIDTH];
    gl_t in[P2_RATE];
    unsigned nin;
    gl_t out[P2_RATE];
    unsigned nout, next;
} model;

static void m_duplex(model *m)
{
    for (unsigned i = 0; i < m->nin; i++) m->st[i] = m->in[i];
    m->nin = 0;
    p2_permute_ref(m->st);
    memcpy(m->out, m->st, sizeof m->out);
    m->nout = P2_RATE;
    m->next = 0;
}

static void m_absorb(model *m, gl_t x)
{
    m->nout = 0;
    m->in[m->nin++] = x;
    if (m->nin == P2_RATE) m_duplex(m);
}

static gl_t m_squeeze(model *m)
{
    if (m->nin > 0 || m->nout == 0) m_duplex(m);
    m->nout--;
    return m->out[m->next++];
}

static void m_init(model *m, const char *tag)
{
    memset(m, 0, sizeof *m);
    size_t len = strlen(tag);
    m_absorb(m, len);
    for (size_t i = 0; i < len; i += 7) {
        uint8_t b[8] = {0};
        memcpy(b, tag + i, len - i < 7 ? len - i : 7);
        uint64_t e = 0;
        for (int j = 7; j-- > 0;) e = e << 8 | b[j];
        m_absorb(m, e);
    }
}

/* Random operation sequences agree with the model, element by element. */
static void test_model(void)
{
    rng_t r;
    rng_seed(&r, test_seed("transcript model"));
    static const char *tags[] = {"", "x", "cairn-test", "seven77", "eight888", "a longer domain tag"};
    for (int run = 0; run < 200; run++) {
        const char *tag = tags[run % 6];
        transcript t;
        model m;
        tr_init(&t, tag);
        m_init(&m, tag);
        int mismatches = 0;
        for (int op = 0; op < 60; op++) {
            switch (rng_u64(&r) % 6) {
            case 0: {
                gl_t x[20];
                size_t n = rng_u64(&r) % 20;
                for (size_t i = 0; i < n; i++) x[i] = rand_gl(&r);
                tr_absorb(&t, x, n);
                for (size_t i = 0; i < n; i++) m_absorb(&m, x[i]);
                break;
            }
            case 1: {
                p2_digest d;
                for (int i = 0; i < P2_DIGEST; i++) d.v[i] = rand_gl(&r);
                tr_absorb_digest(&t, &d);
                for (int i = 0; i < P2_DIGEST; i++) m_absorb(&m, d.v[i]);
                break;
            }
            case 2: {
                gl3_t x[2];
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) x[i].c[j] = rand_gl(&r);
                tr_absorb_ext(&t, x, 2);
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) m_absorb(&m, x[i].c[j]);
                break;
            }
            case 3: {
                int n = 1 + (int)(rng_u64(&r) % 10);
                for (int i = 0; i < n; i++) mismatches += tr_squeeze(&t) != m_squeeze(&m);
                break;
            }
            case 4: {
                gl3_t e = tr_squeeze_ext(&t);
                for (int j = 0; j < 3; j++) mismatches += e.c[j] != m_squeeze(&m);
                break;
            }
            default: {
                unsigned bits = (unsigned)(rng_u64(&r) % 33);
                uint32_t v = tr_squeeze_bits(&t, bits);
                gl_t x = m_squeeze(&m);
                mismatches += v != (uint32_t)(x & ((1ull << bits) - 1));
                break;
            }
            }
        }
        mismatches += tr_squeeze(&t) != m_squeeze(&m);
        CU_ASSERT_EQUAL(mismatches, 0);
    }
}

static void test_determinism(void)
{
    transcript a, b;
    tr_init(&a, "cairn-det");
    tr_init(&b, "cairn-det");
    gl_t x[11] = {0, 1, 2, GL_P - 1, GL_P - 2, 1ull << 32, (1ull << 32) - 1, 5, 6, 7, 8};
    tr_absorb(&a, x, 11);
    tr_absorb(&b, x, 11);
    for (int i = 0; i < 30; i++) CU_ASSERT_EQUAL(tr_squeeze(&a), tr_squeeze(&b));
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
}

static gl_t first_challenge(const char *tag, const gl_t *x, size_t n)
{
    transcript t;
    tr_init(&t, tag);
    tr_absorb(&t, x, n);
    return tr_squeeze(&t);
}

static void test_domain_tags(void)
{
    /* includes tags that differ only in length across the 7-byte packing
     * boundary and tags that differ in one bit of the last byte */
    static const char *tags[] = {"",        "a",        "b",        "ab",       "ba",
                                 "abcdefg", "abcdefgh", "abcdefgi", "abcdefg ", "cairn-v1",
                                 "cairn-v2", "cairn-v1 ", "\x01",    "\x01\x01"};
    const size_t n = sizeof tags / sizeof tags[0];
    gl_t c[sizeof tags / sizeof tags[0]];
    for (size_t i = 0; i < n; i++) c[i] = first_challenge(tags[i], NULL, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) CU_ASSERT_NOT_EQUAL(c[i], c[j]);
    /* NULL is the empty tag */
    CU_ASSERT_EQUAL(first_challenge(NULL, NULL, 0), c[0]);
}

static void test_values_and_order(void)
{
    rng_t r;
    rng_seed(&r, test_seed("transcript values"));
    gl_t x[12];
    for (int i = 0; i < 12; i++) x[i] = rand_gl(&r);
    gl_t base = first_challenge("v", x, 12);
    /* one element changed, at every position of both blocks */
    for (int i = 0; i < 12; i++) {
        gl_t y[12];
        memcpy(y, x, sizeof y);
        y[i] = gl_add(y[i], 1);
        CU_ASSERT_NOT_EQUAL(first_challenge("v", y, 12), base);
        y[i] = x[i] ^ 1ull << 40;
        CU_ASSERT_NOT_EQUAL(first_challenge("v", y, 12), base);
    }
    /* two elements swapped */
    for (int i = 0; i < 11; i++) {
        gl_t y[12];
        memcpy(y, x, sizeof y);
        y[i] = x[i + 1];
        y[i + 1] = x[i];
        CU_ASSERT_NOT_EQUAL(first_challenge("v", y, 12), base);
    }
    /* two digests in the other order */
    p2_digest d1 = {{1, 2, 3, 4}}, d2 = {{5, 6, 7, 8}};
    transcript a, b;
    tr_init(&a, "v");
    tr_init(&b, "v");
    tr_absorb_digest(&a, &d1);
    tr_absorb_digest(&a, &d2);
    tr_absorb_digest(&b, &d2);
    tr_absorb_digest(&b, &d1);
    CU_ASSERT_NOT_EQUAL(tr_squeeze(&a), tr_squeeze(&b));
}

/* Absorbing in pieces equals absorbing at once when no squeeze intervenes. */
static void test_pieces(void)
{
    rng_t r;
    rng_seed(&r, test_seed("transcript pieces"));
    gl_t x[29];
    for (int i = 0; i < 29; i++) x[i] = rand_gl(&r);
    static const size_t splits[][4] = {{8, 0, 0, 0}, {3, 5, 0, 0}, {1, 7, 0, 0},
                                       {13, 16, 0, 0}, {6, 7, 8, 8}, {29, 0, 0, 0}};
    gl_t ref[12];
    for (size_t s = 0; s < 6; s++) {
        transcript t;
        tr_init(&t, "pieces");
        size_t off = 0;
        for (int k = 0; k < 4; k++) {
            tr_absorb(&t, x + off, splits[s][k]);
            off += splits[s][k];
        }
        /* the first two splits absorb 8 elements, the rest 29 */
        if (s == 2) {
            transcript u;
            tr_init(&u, "pieces");
            for (int i = 0; i < 8; i++) tr_absorb(&u, x + i, 1);
            CU_ASSERT_EQUAL(memcmp(&t, &u, sizeof t), 0);
        }
        gl_t out[12];
        for (int i = 0; i < 12; i++) out[i] = tr_squeeze(&t);
        if (s == 0 || s == 3) memcpy(ref, out, sizeof ref);
        else CU_ASSERT_EQUAL(memcmp(ref, out, sizeof ref), 0);
    }
    /* extension elements and digests are their coefficients in order */
    transcript a, b;
    tr_init(&a, "pieces");
    tr_init(&b, "pieces");
    gl3_t e[2] = {{{x[0], x[1], x[2]}}, {{x[3], x[4], x[5]}}};
    p2_digest d = {{x[6], x[7], x[8], x[9]}};
    tr_absorb_ext(&a, e, 2);
    tr_absorb_digest(&a, &d);
    tr_absorb(&b, x, 10);
    CU_ASSERT_EQUAL(tr_squeeze(&a), tr_squeeze(&b));
    gl3_t ea = tr_squeeze_ext(&a);
    CU_ASSERT_EQUAL(ea.c[0], tr_squeeze(&b));
    CU_ASSERT_EQUAL(ea.c[1], tr_squeeze(&b));
    CU_ASSERT_EQUAL(ea.c[2], tr_squeeze(&b));
}

/* A squeeze between absorbs changes what follows; consecutive squeezes
 * (across the end of the rate) are distinct; the length ambiguity that the
 * header documents is real. */
static void test_interleaved(void)
{
    rng_t r;
    rng_seed(&r, test_seed("transcript interleaved"));
    gl_t x[6];
    for (int i = 0; i < 6; i++) x[i] = rand_gl(&r);
    transcript a, b, c;
    tr_init(&a, "il");
    tr_init(&b, "il");
    tr_init(&c, "il");
    tr_absorb(&a, x, 3);
    gl_t a1 = tr_squeeze(&a);
    tr_absorb(&a, x + 3, 3);
    gl_t a2 = tr_squeeze(&a);
    tr_absorb(&b, x, 6);
    gl_t b1 = tr_squeeze(&b), b2 = tr_squeeze(&b);
    tr_absorb(&c, x, 3);
    gl_t c1 = tr_squeeze(&c), c2 = tr_squeeze(&c);
    CU_ASSERT_EQUAL(a1, c1);
    CU_ASSERT_NOT_EQUAL(a1, b1);
    CU_ASSERT_NOT_EQUAL(a2, b2);
    CU_ASSERT_NOT_EQUAL(a2, c2);
    CU_ASSERT_NOT_EQUAL(a2, b1);
    gl_t s[20];
    for (int i = 0; i < 20; i++) s[i] = tr_squeeze(&a);
    for (int i = 0; i < 20; i++)
        for (int j = i + 1; j < 20; j++) CU_ASSERT_NOT_EQUAL(s[i], s[j]);

    /* documented: absorbing x, r where r is the rate element already in
     * place equals absorbing x alone (lengths must be fixed by the protocol) */
    transcript p, q;
    tr_init(&p, "il");
    (void)tr_squeeze(&p);
    q = p;
    gl_t pair[2] = {x[0], p.st[1]};
    tr_absorb(&p, x, 1);
    tr_absorb(&q, pair, 2);
    CU_ASSERT_EQUAL(tr_squeeze(&p), tr_squeeze(&q));
}

static void test_squeeze_bits(void)
{
    rng_t r;
    rng_seed(&r, test_seed("transcript squeeze bits"));
    transcript t;
    tr_init(&t, "bits");
    gl_t seed = rand_gl(&r);
    tr_absorb(&t, &seed, 1);
    for (unsigned bits = 0; bits < 32; bits++) {
        uint32_t orv = 0;
        for (int i = 0; i < 300; i++) {
            uint32_t v = tr_squeeze_bits(&t, bits);
            CU_ASSERT(v < (1u << bits));
            orv |= v;
        }
        CU_ASSERT_EQUAL(orv, (1u << bits) - 1); /* every bit position is used */
    }
    uint32_t orv = 0;
    for (int i = 0; i < 300; i++) orv |= tr_squeeze_bits(&t, 32);
    CU_ASSERT_EQUAL(orv, 0xffffffffu);

    /* chi-square of the counts; thresholds at about p = 1e-7 for 1, 7 and
     * 15 degrees of freedom, so a correct sampler fails once in ten million */
    static const struct {
        unsigned bits;
        double limit;
    } chi[] = {{1, 29.0}, {3, 48.0}, {4, 64.0}};
    for (int c = 0; c < 3; c++) {
        unsigned k = 1u << chi[c].bits;
        unsigned long cnt[16] = {0};
        const unsigned long n = 4000ul * k;
        for (unsigned long i = 0; i < n; i++) cnt[tr_squeeze_bits(&t, chi[c].bits)]++;
        double x2 = 0, e = (double)n / k;
        for (unsigned i = 0; i < k; i++) x2 += (cnt[i] - e) * (cnt[i] - e) / e;
        CU_ASSERT(x2 < chi[c].limit);
        if (x2 >= chi[c].limit) fprintf(stderr, "chi-square %u bits: %g\n", chi[c].bits, x2);
    }

    /* no rejection: p - 1 gives its low bits (0) and uses one element, as
     * the verifier's sampling does; p - 2 likewise */
    transcript u = t;
    u.absorbed = 0;
    u.squeezed = 2;
    u.st[6] = GL_P - 1;
    u.st[7] = 0x123456789ull;
    CU_ASSERT_EQUAL(tr_squeeze_bits(&u, 32), 0u);
    CU_ASSERT_EQUAL(u.squeezed, 1);
    CU_ASSERT_EQUAL(tr_squeeze_bits(&u, 32), 0x23456789u);
    CU_ASSERT_EQUAL(u.squeezed, 0);
    u.squeezed = 2;
    u.st[6] = GL_P - 2;
    CU_ASSERT_EQUAL(tr_squeeze_bits(&u, 4), (uint32_t)((GL_P - 2) & 15));
    CU_ASSERT_EQUAL(u.squeezed, 1);
}

/* ---- proof of work ---- */

/* Independent value of a candidate: element 0 of the permutation of the
 * state with the nonce at the next rate position. */
static gl_t model_y(const transcript *t, uint64_t nonce)
{
    gl_t st[P2_WIDTH];
    memcpy(st, t->st, sizeof st);
    st[t->absorbed] = nonce;
    p2_permute_ref(st);
    return st[0];
}

static int model_pow(const transcript *t, unsigned bits, uint64_t nonce)
{
    return bits == 0 || model_y(t, nonce) >> (64 - bits) == 0;
}

static void test_pow_grind_check(void)
{
    rng_t r;
    rng_seed(&r, test_seed("pow grind"));
    for (unsigned pending = 0; pending < P2_RATE; pending++) {
        transcript p;
        tr_init(&p, "pow");
        gl_t x[8];
        for (int i = 0; i < 8; i++) x[i] = rand_gl(&r);
        tr_absorb(&p, x, 8);
        (void)tr_squeeze(&p); /* pending outputs ... */
        tr_absorb(&p, x, pending); /* ... then 0..7 pending inputs */
        transcript v = p, before = p;
        const unsigned bits = 10;
        uint64_t nonce = pow_grind(&p, bits);
        CU_ASSERT(model_pow(&before, bits, nonce));
        /* smallest: every nonce below fails */
        unsigned below_ok = 0;
        for (uint64_t n = 0; n < nonce; n++) {
            transcript w = before;
            below_ok += pow_check(&w, bits, n);
        }
        CU_ASSERT_EQUAL(below_ok, 0);
        CU_ASSERT_EQUAL(pow_check(&v, bits, nonce), 1);
        /* both sides continue identically */
        CU_ASSERT_EQUAL(memcmp(&p, &v, sizeof p), 0);
        CU_ASSERT_EQUAL(tr_squeeze(&p), tr_squeeze(&v));
        if (nonce > 0) {
            transcript w = before;
            CU_ASSERT_EQUAL(pow_check(&w, bits, nonce - 1), 0);
        }
        /* a pending absorbed element is bound: changing it changes the result */
        if (pending > 0) {
            transcript w = before;
            w.st[0] = gl_add(w.st[0], 1);
            CU_ASSERT_NOT_EQUAL(model_y(&w, nonce), model_y(&before, nonce));
        }
    }
    /* random nonces: pow_check agrees with the model, and at 8 bits only a
     * few of 400 pass (expected 1.6; 15 or more has probability < 1e-9) */
    transcript base;
    tr_init(&base, "pow random");
    unsigned pass = 0;
    for (int i = 0; i < 400; i++) {
        uint64_t n = rand_gl(&r);
        transcript w = base;
        int ok = pow_check(&w, 8, n);
        CU_ASSERT_EQUAL(ok, model_pow(&base, 8, n));
        pass += ok;
    }
    CU_ASSERT(pass < 15);
}

static void test_pow_edges(void)
{
    transcript p, v;
    tr_init(&p, "pow edges");
    v = p;
    CU_ASSERT_EQUAL(pow_grind(&p, 0), 0);
    CU_ASSERT_EQUAL(pow_check(&v, 0, 0), 1);
    CU_ASSERT_EQUAL(tr_squeeze(&p), tr_squeeze(&v));
    transcript w = v, w0 = v;
    CU_ASSERT_EQUAL(pow_check(&w, 0, 12345), 1);
    /* out of range: rejected without touching the transcript */
    w = w0;
    CU_ASSERT_EQUAL(pow_check(&w, 8, GL_P), 0);
    CU_ASSERT_EQUAL(pow_check(&w, 8, ~0ull), 0);
    CU_ASSERT_EQUAL(pow_check(&w, POW_MAX_BITS + 1, 0), 0);
    CU_ASSERT_EQUAL(memcmp(&w, &w0, sizeof w), 0);
    /* higher difficulty, several search rounds */
    transcript q = w0, qc = w0;
    uint64_t nonce = pow_grind(&q, 16);
    CU_ASSERT(model_pow(&w0, 16, nonce));
    CU_ASSERT_EQUAL(pow_check(&qc, 16, nonce), 1);
    CU_ASSERT_EQUAL(tr_squeeze(&q), tr_squeeze(&qc));
    CU_ASSERT_EQUAL(pow_check(&w, 16, nonce ^ 1), model_pow(&w0, 16, nonce ^ 1));
}

/* The nonce does not depend on the thread count or on the SIMD path. */
static void test_pow_reproducible(void)
{
    transcript t0;
    tr_init(&t0, "pow reproducible");
    uint64_t ref = 0;
    int first = 1, max_threads = omp_get_max_threads();
    const unsigned masks[] = {0, CPU_AVX2, CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA};
    for (int threads = 1; threads <= (max_threads > 1 ? max_threads : 2); threads++)
        for (int m = 0; m < 3; m++) {
            omp_set_num_threads(threads);
            cpu_features_restrict(masks[m]);
            transcript t = t0;
            uint64_t n = pow_grind(&t, 13);
            if (first) ref = n;
            first = 0;
            CU_ASSERT_EQUAL(n, ref);
        }
    omp_set_num_threads(max_threads);
    cpu_features_restrict(~0u);
}

int main(void)
{
    static const test_case cases[] = {
        {"random operation sequences agree with the model", test_model},
        {"determinism", test_determinism},
        {"domain tags separate", test_domain_tags},
        {"values and order change challenges", test_values_and_order},
        {"absorbing in pieces equals absorbing at once", test_pieces},
        {"squeezes interleaved with absorbs", test_interleaved},
        {"squeeze_bits bounds, uniformity, no rejection", test_squeeze_bits},
        {"pow: smallest nonce, checks, both sides agree", test_pow_grind_check},
        {"pow: bits 0, out-of-range nonces, 16 bits", test_pow_edges},
        {"pow: same nonce for every thread count and SIMD path", test_pow_reproducible},
        {NULL, NULL}};
    return test_run_suite("transcript", cases);
}
