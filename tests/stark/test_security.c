/* Security calculator (stark/security.c): known answers worked out by hand,
 * a published soundcalc report reproduced, the presets' targets, the
 * directions in which the parameters may move the result, and agreement of
 * the calculator's picture of a proof with the prover's own shape. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stark/machines.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "testutil.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static air_machine *machines[3];

/* log2 |F| for F = GF(p^3), p = 2^64 - 2^32 + 1 */
static double log2_fext(void) { return 3.0 * (64.0 + log2(1.0 - 0x1p-32 + 0x1p-64)); }

/* Independent evaluation of the BCHKS25 Theorem 4.6 count (eprint
 * 2025/2055), written as the theorem states it, in plain arithmetic: M + 1
 * words, code of dimension d (k = d - 1, rho = k/n), proximity gamma. */
static double bchks_count(double n, double d, double gamma, double M)
{
    double rho = (d - 1) / n;
    double m = ceil(sqrt(rho) / (1 - sqrt(rho) - gamma));
    if (m < 3) m = 3;
    return M * ((2 * pow(m + 0.5, 5) + 3 * (m + 0.5) * gamma * rho) / (3 * pow(rho, 1.5)) * n +
                (m + 0.5) / sqrt(rho));
}

/* Hand-worked case. Rate 1/4, |F| = 2^192 exactly, eta = 1/16, so
 * gamma = 1 - 1/2 - 1/16 = 7/16 and the Johnson list size is
 * 1 / (2 * 1/16 * 1/2) = 16. Rounds:
 *  - batching: 3 words of a code of dimension 2^10 (n = 4096): rho' =
 *    1023/4096, sqrt = 0.49976, eta' = 1 - 0.49976 - 0.4375 = 0.06274,
 *    m = ceil(7.965) = 8, count = 2 * ((2*8.5^5 + 3*8.5*(7/16)*rho') /
 *    (3 rho'^1.5) * 4096 + 8.5/sqrt(rho')) = 2^30.85 -> 161.1455 bits;
 *  - a fold of arity 4 with a roll-in (5 words) into dimension 2^8 (n =
 *    1024): m = 8 again, 162.1391 bits;
 *  - a fold into dimension 1 (4 words, n = 4): at most 3 * 4*3/2 = 18
 *    exceptional values, 192 - log2 18 = 187.8301 bits;
 *  - queries: 10 * -log2(1/2 + 1/16) + 3 = 10 * 0.830075 + 3 = 11.3007;
 *  - ALI: 7 constraints, 192 - log2(16 * 7) = 185.1926;
 *  - DEEP: degree 3, n = 1024: 16^2 * (3 * 1025 + 1023) = 2^8 * 4098 over
 *    2^192 - 5120: 192 - 8 - 12.0007 = 171.9993;
 *  - LogUp: 2048 fractions of width 2, one table: 16 * 2048 * 3 / 2^192:
 *    192 - 4 - 11 - log2 3 = 175.4150.
 * Conjectured: 10 * 2 + 3 = 23. (Values to 10 digits from a separate
 * Python evaluation of the same formulas.) */
static stark_security_shape hand_shape(void)
{
    stark_security_shape s;
    memset(&s, 0, sizeof s);
    s.log2_field = 192;
    s.hash_bits = 128;
    s.log_blowup = 2;
    s.queries = 10;
    s.pow_bits = 3;
    s.ncommit = 3;
    s.commit[0].log_dim = 10;
    s.commit[0].words = 3;
    s.commit[1].log_dim = 8;
    s.commit[1].words = 5;
    s.commit[2].log_dim = 0;
    s.commit[2].words = 4;
    s.ntables = 1;
    s.table[0].log_n = 10;
    s.table[0].constraints = 7;
    s.table[0].degree = 3;
    s.logup_fractions = 2048;
    s.logup_width = 2;
    s.logup_tables = 1;
    return s;
}

static void test_hand_case(void)
{
    stark_security_shape s = hand_shape();
    stark_security_bits b;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(NEAR(b.list_size, 16.0, 1e-12));
    CU_ASSERT(NEAR(b.fri_batch, 161.1454886160, 1e-8));
    CU_ASSERT(NEAR(b.fri_batch, 192 - log2(bchks_count(4096, 1024, 7.0 / 16, 2)), 1e-9));
    CU_ASSERT(NEAR(b.fri_fold, 162.1391331840, 1e-8));
    CU_ASSERT(NEAR(b.fri_fold, 192 - log2(bchks_count(1024, 256, 7.0 / 16, 4)), 1e-9));
    CU_ASSERT(NEAR(b.fri_commit, b.fri_batch, 0));
    CU_ASSERT_EQUAL(b.fri_rounds, 2);
    CU_ASSERT_EQUAL(b.batch_words, 3);
    CU_ASSERT(NEAR(b.fri_query, 11.3007499856, 1e-9));
    CU_ASSERT(NEAR(b.ali, 185.1926450779, 1e-9));
    CU_ASSERT(NEAR(b.deep, 171.9992957310, 1e-8));
    CU_ASSERT(NEAR(b.logup, 175.4150374993, 1e-9));
    CU_ASSERT(NEAR(b.proven, b.fri_query, 0));
    CU_ASSERT(NEAR(b.conjectured, 23, 0));

    /* the dimension-1 fold alone: 18 exceptional values */
    s.commit[1] = s.commit[2];
    s.ncommit = 2;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(NEAR(b.fri_fold, 192 - log2(18.0), 1e-9));

    /* a batching of several heights is one challenge: errors add. Two
     * equal entries cost exactly one bit. */
    s = hand_shape();
    s.ncommit = 2;
    s.commit[1] = s.commit[0];
    s.commit[1].joint = 1;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(NEAR(b.fri_batch, 161.1454886160 - 1.0, 1e-8));
    CU_ASSERT_EQUAL(b.fri_rounds, 0);
    CU_ASSERT(isinf(b.fri_fold));
    CU_ASSERT_EQUAL(b.batch_words, 6);

    /* grinding adds exactly its bits to the query round and nothing else */
    s = hand_shape();
    stark_security_bits g;
    s.pow_bits = 20;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&g, &s, 1.0 / 16), CAIRN_OK);
    s.pow_bits = 3;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(NEAR(g.fri_query - b.fri_query, 17.0, 1e-9));
    CU_ASSERT(NEAR(g.fri_batch, b.fri_batch, 0));
    CU_ASSERT(NEAR(g.deep, b.deep, 0));

    /* the hash caps both bounds */
    s.queries = 400;
    s.log2_field = 1000;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(NEAR(b.proven, 128, 0));
    CU_ASSERT(NEAR(b.conjectured, 128, 0));
}

/* Ethereum's soundcalc, report for ZisK v0.16.0, circuit "Poseidon2"
 * (github.com/ethereum/soundcalc, reports/zisk.md, parameters in
 * soundcalc/zkvms/zisk/zisk.toml): Goldilocks^3, rate 1/4, trace 2^17,
 * 114 queries, 16 bits of grinding, 182 words batched by powers, folding
 * factors 8, 8, 8, 8, 4, 85 constraints, gap to the Johnson radius 0.004.
 * Published JBR bits (floors): batching 128, commit rounds 135 138 141
 * 144 148, query 128, ALI 177. Our batching, first round, query and ALI
 * floors agree. Rounds 2-5 come out higher here (139.1, 143.4, 152.7,
 * 163.9): Theorem 4.6 is stated for rho = (dimension - 1)/n, which we use,
 * while soundcalc puts the rate itself; for dimensions 2^11 .. 2^3 that
 * makes m smaller. (soundcalc's DEEP term uses its own opening count and
 * the list size once, so it is not compared.) */
static void test_soundcalc_zisk(void)
{
    stark_security_shape s;
    memset(&s, 0, sizeof s);
    s.log2_field = log2_fext();
    s.hash_bits = 128;
    s.log_blowup = 2;
    s.queries = 114;
    s.pow_bits = 16;
    s.ntables = 1;
    s.table[0].log_n = 17;
    s.table[0].constraints = 85;
    s.table[0].degree = 4;
    static const unsigned dims[6] = {17, 14, 11, 8, 5, 3}, words[6] = {182, 8, 8, 8, 8, 4};
    static const int published[6] = {128, 135, 138, 141, 144, 148};
    for (unsigned r = 0; r < 6; r++) {
        s.commit[r].log_dim = dims[r];
        s.commit[r].words = words[r];
    }
    s.ncommit = 6;
    stark_security_bits b;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 0.004), CAIRN_OK);
    CU_ASSERT_EQUAL((int)floor(b.fri_batch), published[0]);
    CU_ASSERT_EQUAL((int)floor(b.fri_query), 128);
    CU_ASSERT_EQUAL((int)floor(b.ali), 177);
    CU_ASSERT_EQUAL((int)floor(b.proven), 128);
    CU_ASSERT_EQUAL(b.fri_rounds, 5);
    /* each folding round alone (a batching of one word has no error) */
    for (unsigned r = 1; r < 6; r++) {
        stark_security_shape one = s;
        one.commit[0].words = 1;
        one.commit[1] = s.commit[r];
        one.ncommit = 2;
        stark_security_bits c;
        CU_ASSERT_EQUAL_FATAL(stark_security_eval(&c, &one, 0.004), CAIRN_OK);
        fprintf(stderr, "soundcalc ZisK Poseidon2 commit round %u: %.2f bits (published %d)\n", r,
                c.fri_fold, published[r]);
        if (r == 1) CU_ASSERT_EQUAL((int)floor(c.fri_fold), published[r]);
        CU_ASSERT(c.fri_fold >= published[r]);
        CU_ASSERT(c.fri_fold < published[r] + 16);
    }
}

/* Heights with the first table at 2^h (lookup's range table is fixed;
 * the other machines have one table). */
static void heights(unsigned h, unsigned hs[2])
{
    hs[0] = h;
    hs[1] = STARK_LOOKUP_RANGE_LOG;
}

static void test_presets(void)
{
    stark_params pv, pc, p;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&pv, "proven-100"), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&pc, "conjectured-100"), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, NULL), CAIRN_OK);
    CU_ASSERT_EQUAL(p.queries, pv.queries); /* proven-100 is the default */
    CU_ASSERT_EQUAL(pv.log_blowup, 2);
    stark_security_bits b;
    for (unsigned i = 0; i < 3; i++) {
        for (unsigned h = STARK_MIN_LOG_N; h <= 22; h++) {
            unsigned hs[2];
            heights(h, hs);
            CU_ASSERT_EQUAL_FATAL(stark_security(&b, &pv, machines[i], hs), CAIRN_OK);
            CU_ASSERT(b.proven >= 100);
            CU_ASSERT(b.conjectured >= 100);
            CU_ASSERT_EQUAL_FATAL(stark_security(&b, &pc, machines[i], hs), CAIRN_OK);
            CU_ASSERT(b.conjectured >= 100);
            CU_ASSERT(b.proven < 100);
        }
        /* still >= 100 at the largest height a proof may state */
        unsigned hs[2];
        heights(STARK_MAX_LOG_N, hs);
        CU_ASSERT_EQUAL_FATAL(stark_security(&b, &pv, machines[i], hs), CAIRN_OK);
        CU_ASSERT(b.proven >= 100);
    }
    /* proven-100 has the fewest queries at its blowup and grinding */
    stark_params fewer = pv;
    fewer.queries--;
    unsigned hs[2] = {22, STARK_LOOKUP_RANGE_LOG};
    CU_ASSERT_EQUAL_FATAL(stark_security(&b, &fewer, machines[2], hs), CAIRN_OK);
    CU_ASSERT(b.proven < 100);
    stark_params fewer_c = pc;
    fewer_c.queries--;
    CU_ASSERT_EQUAL_FATAL(stark_security(&b, &fewer_c, machines[2], hs), CAIRN_OK);
    CU_ASSERT(b.conjectured < 100);
    /* report the figures docs/security.md quotes */
    for (unsigned h = 16; h <= 22; h += 2) {
        unsigned hh[2] = {h, STARK_LOOKUP_RANGE_LOG};
        stark_security_bits a, c;
        CU_ASSERT_EQUAL(stark_security(&a, &pv, machines[2], hh), CAIRN_OK);
        CU_ASSERT_EQUAL(stark_security(&c, &pc, machines[2], hh), CAIRN_OK);
        fprintf(stderr,
                "p2chain 2^%u: proven-100 %.2f proven / %.1f conjectured; conjectured-100 %.2f / "
                "%.1f\n",
                h, a.proven, a.conjectured, c.proven, c.conjectured);
    }
}

static void test_monotone(void)
{
    for (unsigned i = 0; i < 3; i++) {
        stark_params p;
        CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, "proven-100"), CAIRN_OK);
        unsigned hs[2] = {20, STARK_LOOKUP_RANGE_LOG};
        stark_security_bits b;
        double prev = -1, prevc = -1;
        for (unsigned q = 1; q <= 512; q += (q < 40 ? 1 : 17)) {
            p.queries = q;
            CU_ASSERT_EQUAL_FATAL(stark_security(&b, &p, machines[i], hs), CAIRN_OK);
            CU_ASSERT(b.proven >= prev);
            CU_ASSERT(b.conjectured >= prevc);
            prev = b.proven;
            prevc = b.conjectured;
        }
        stark_params_preset(&p, "proven-100");
        prev = prevc = -1;
        for (unsigned g = 0; g <= 32; g++) {
            p.pow_bits = g;
            CU_ASSERT_EQUAL_FATAL(stark_security(&b, &p, machines[i], hs), CAIRN_OK);
            CU_ASSERT(b.proven >= prev);
            CU_ASSERT(b.conjectured >= prevc);
            prev = b.proven;
            prevc = b.conjectured;
        }
        static const unsigned qs[] = {10, 30, 60, 81, 120};
        for (unsigned k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            stark_params_preset(&p, "proven-100");
            p.queries = qs[k];
            prev = prevc = -1;
            for (unsigned lb = 1; lb <= 6; lb++) {
                p.log_blowup = lb;
                CU_ASSERT_EQUAL_FATAL(stark_security(&b, &p, machines[i], hs), CAIRN_OK);
                CU_ASSERT(b.proven >= prev);
                CU_ASSERT(b.conjectured >= prevc);
                prev = b.proven;
                prevc = b.conjectured;
            }
        }
        /* bigger traces never raise it */
        static const char *presets[] = {"proven-100", "conjectured-100", "test"};
        for (unsigned k = 0; k < 3; k++) {
            stark_params_preset(&p, presets[k]);
            prev = prevc = INFINITY;
            for (unsigned h = STARK_MIN_LOG_N; h <= STARK_MAX_LOG_N; h++) {
                unsigned hh[2] = {h, STARK_LOOKUP_RANGE_LOG};
                CU_ASSERT_EQUAL_FATAL(stark_security(&b, &p, machines[i], hh), CAIRN_OK);
                CU_ASSERT(b.proven <= prev);
                CU_ASSERT(b.conjectured <= prevc);
                CU_ASSERT(b.fri_commit <= b.fri_batch && b.fri_commit <= b.fri_fold);
                prev = b.proven;
                prevc = b.conjectured;
            }
        }
    }
    /* with the slack fixed, each commit-phase and DEEP-ALI term falls as
     * the trace grows, and the query term does not move */
    stark_security_shape s = hand_shape();
    stark_security_bits a, b;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&a, &s, 1.0 / 16), CAIRN_OK);
    s.commit[0].log_dim++;
    s.commit[1].log_dim++;
    s.table[0].log_n++;
    s.logup_fractions *= 2;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, 1.0 / 16), CAIRN_OK);
    CU_ASSERT(b.fri_batch < a.fri_batch);
    CU_ASSERT(b.fri_fold < a.fri_fold);
    CU_ASSERT(b.deep < a.deep);
    CU_ASSERT(b.logup < a.logup);
    CU_ASSERT(NEAR(b.ali, a.ali, 0));
    CU_ASSERT(NEAR(b.fri_query, a.fri_query, 0));
}

/* The calculator's rounds must be the proof's: the FRI layers as
 * stark_shape_init lays them out (arity, size, roll-ins), and per LDE
 * height at least as many batched words as the proof opens (exactly as
 * many without LogUp, whose grouping the calculator bounds from above). */
static void test_shape_agrees(void)
{
    static const char *presets[] = {"proven-100", "conjectured-100", "test"};
    for (unsigned i = 0; i < 2; i++) { /* fib, lookup: cheap keys */
        const int exact = machines[i]->tables[0]->nints == 0;
        for (unsigned k = 0; k < 3; k++) {
            for (unsigned arity = 1; arity <= 3; arity++) {
                stark_params p;
                stark_params_preset(&p, presets[k]);
                p.log_arity = arity;
                stark_pk *pk;
                stark_vk *vk;
                CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, machines[i], &p), CAIRN_OK);
                for (unsigned h = STARK_MIN_LOG_N; h <= 24; h += 3) {
                    unsigned hs[2] = {h, STARK_LOOKUP_RANGE_LOG};
                    stark_shape sh;
                    CU_ASSERT_EQUAL_FATAL(stark_shape_init(&sh, vk, hs), CAIRN_OK);
                    stark_security_shape s;
                    CU_ASSERT_EQUAL_FATAL(stark_security_shape_of(&s, &p, machines[i], hs),
                                          CAIRN_OK);
                    /* batching entries: LDE heights in decreasing order */
                    unsigned r = 0;
                    for (unsigned lh = sh.log_l0 + 1; lh-- > 0;) {
                        unsigned words = 0, present = 0;
                        for (unsigned t = 0; t < sh.ntables; t++) {
                            if (sh.log_n[t] + sh.log_b != lh) continue;
                            present = 1;
                            for (int tr = 0; tr < NTREES; tr++)
                                words += (tr == TREE_Q ? 1u : 2u) * sh.w[tr][t];
                        }
                        if (!present) continue;
                        CU_ASSERT_EQUAL(s.commit[r].joint, r > 0);
                        CU_ASSERT_EQUAL(s.commit[r].log_dim, lh - sh.log_b);
                        CU_ASSERT(s.commit[r].words >= words);
                        if (exact) CU_ASSERT_EQUAL(s.commit[r].words, words);
                        r++;
                    }
                    /* one fold per FRI layer */
                    CU_ASSERT_EQUAL_FATAL(s.ncommit, r + sh.nlayers);
                    for (unsigned l = 0; l < sh.nlayers; l++, r++) {
                        unsigned nh = sh.layer_log[l] - sh.layer_arity[l], roll = 0;
                        for (unsigned t = 0; t < sh.ntables; t++)
                            if (sh.log_n[t] + sh.log_b == nh) roll = 1;
                        CU_ASSERT_EQUAL(s.commit[r].joint, 0);
                        CU_ASSERT_EQUAL(s.commit[r].log_dim, nh - sh.log_b);
                        CU_ASSERT_EQUAL(s.commit[r].words, (1u << sh.layer_arity[l]) + roll);
                    }
                    CU_ASSERT_EQUAL(s.commit[s.ncommit - 1].log_dim, sh.log_final);
                    stark_security_bits b, c;
                    CU_ASSERT_EQUAL_FATAL(stark_security(&b, &p, machines[i], hs), CAIRN_OK);
                    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&c, &s, 0), CAIRN_OK);
                    CU_ASSERT(NEAR(b.proven, c.proven, 0));
                    CU_ASSERT_EQUAL(b.fri_rounds, sh.nlayers);
                }
                stark_pk_free(pk);
                stark_vk_free(vk);
            }
        }
    }
}

static void test_errors(void)
{
    stark_params p;
    stark_security_bits b;
    stark_params_preset(&p, "proven-100");
    unsigned bad[2] = {STARK_MAX_LOG_N + 1, STARK_LOOKUP_RANGE_LOG};
    CU_ASSERT_EQUAL(stark_security(&b, &p, machines[0], bad), CAIRN_ERR_USAGE);
    unsigned wrong_range[2] = {10, STARK_LOOKUP_RANGE_LOG + 1};
    CU_ASSERT_EQUAL(stark_security(&b, &p, machines[1], wrong_range), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(stark_security(&b, &p, NULL, NULL), CAIRN_ERR_USAGE);
    p.queries = 0;
    CU_ASSERT_EQUAL(stark_security(&b, &p, machines[0], NULL), CAIRN_ERR_USAGE);
    stark_params_preset(&p, "proven-100");
    /* NULL heights: preprocessed heights, else 2^22 */
    stark_security_bits n, e;
    unsigned h22[2] = {22, STARK_LOOKUP_RANGE_LOG};
    CU_ASSERT_EQUAL(stark_security(&n, &p, machines[1], NULL), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_security(&e, &p, machines[1], h22), CAIRN_OK);
    CU_ASSERT(NEAR(n.proven, e.proven, 0) && NEAR(n.fri_batch, e.fri_batch, 0));
    /* explicit shapes: a slack beyond the Johnson radius, a field too small */
    stark_security_shape s = hand_shape();
    CU_ASSERT_EQUAL(stark_security_eval(&b, &s, 0.5), CAIRN_ERR_USAGE);
    s.log2_field = 12;
    CU_ASSERT_EQUAL(stark_security_eval(&b, &s, 0), CAIRN_ERR_USAGE);
    s = hand_shape();
    s.ncommit = STARK_SEC_MAX_ROUNDS + 1;
    CU_ASSERT_EQUAL(stark_security_eval(&b, &s, 0), CAIRN_ERR_USAGE);
    /* the chosen slack is at least as good as any fixed one */
    s = hand_shape();
    stark_security_bits best;
    CU_ASSERT_EQUAL_FATAL(stark_security_eval(&best, &s, 0), CAIRN_OK);
    for (double eta = 0.001; eta < 0.49; eta *= 1.5) {
        CU_ASSERT_EQUAL_FATAL(stark_security_eval(&b, &s, eta), CAIRN_OK);
        CU_ASSERT(best.proven >= b.proven - 1e-9);
    }
}

/* The bisection over the slack candidates gives the reference scan's
 * choice bit for bit, and the bisection over the query count the first
 * count that reaches the bound, on the example machines at every preset
 * and height and on random shapes (seeded; the seed is printed). */
static int same_as_scan(const stark_security_shape *s)
{
    stark_security_bits a, b;
    memset(&a, 0xa5, sizeof a);
    memset(&b, 0x5a, sizeof b);
    cairn_err ea = stark_security_eval(&a, s, 0);
    stark_security_scan_all = 1;
    cairn_err eb = stark_security_eval(&b, s, 0);
    stark_security_scan_all = 0;
    if (ea != eb) return 0;
    return ea != CAIRN_OK || !memcmp(&a, &b, sizeof a);
}

/* Proven bits of shape s at q queries by the reference scan. */
static double scan_bits(stark_security_shape s, unsigned q)
{
    stark_security_bits b;
    s.queries = q;
    stark_security_scan_all = 1;
    cairn_err e = stark_security_eval(&b, &s, 0);
    stark_security_scan_all = 0;
    return e == CAIRN_OK ? b.proven : -1;
}

static void test_bisection(void)
{
    static const char *presets[] = {"proven-100", "conjectured-100", "test"};
    unsigned checked = 0, bad = 0;
    for (unsigned i = 0; i < 3; i++)
        for (unsigned k = 0; k < 3; k++)
            for (unsigned h = STARK_MIN_LOG_N; h <= STARK_MAX_LOG_N; h++) {
                stark_params p;
                stark_params_preset(&p, presets[k]);
                unsigned hs[2] = {h, STARK_LOOKUP_RANGE_LOG};
                stark_security_shape s;
                CU_ASSERT_EQUAL_FATAL(stark_security_shape_of(&s, &p, machines[i], hs), CAIRN_OK);
                for (unsigned q = 1; q <= 200; q += 23) {
                    s.queries = q;
                    checked++;
                    bad += !same_as_scan(&s);
                }
                /* the fitted count is the first one that reaches 100 bits
                 * (the bound grows with the queries: it reaches 100 and one
                 * query fewer does not) */
                stark_params f = p;
                stark_security_bits fb;
                if (stark_params_fit_queries(&f, &fb, machines[i], hs, 100.0) == CAIRN_OK) {
                    CU_ASSERT(fb.proven >= 100.0);
                    CU_ASSERT(scan_bits(s, f.queries) >= 100.0);
                    CU_ASSERT(f.queries == 1 || scan_bits(s, f.queries - 1) < 100.0);
                }
            }
    uint64_t seed = test_seed("security bisection");
    rng_t rng, *st = &rng;
    rng_seed(st, seed);
    for (unsigned r = 0; r < 800; r++) {
        stark_security_shape s;
        memset(&s, 0, sizeof s);
        s.log2_field = (rng_u64(st) & 1) ? 192 : 64 + (double)(rng_u64(st) % 128);
        s.hash_bits = 128;
        s.log_blowup = 1 + (unsigned)(rng_u64(st) % 6);
        s.queries = 1 + (unsigned)(rng_u64(st) % 300);
        s.pow_bits = (unsigned)(rng_u64(st) % 33);
        unsigned top = 4 + (unsigned)(rng_u64(st) % 22);
        s.ncommit = 1 + (unsigned)(rng_u64(st) % (STARK_SEC_MAX_ROUNDS < 12 ? STARK_SEC_MAX_ROUNDS : 12));
        for (unsigned c = 0; c < s.ncommit; c++) {
            unsigned d = top > 2 * c ? top - 2 * c : 0;
            s.commit[c].log_dim = d;
            s.commit[c].words = 1 + (unsigned)(rng_u64(st) % 400);
            s.commit[c].joint = c > 0 && (rng_u64(st) % 4) == 0;
        }
        s.ntables = 1 + (unsigned)(rng_u64(st) % 8);
        for (unsigned t = 0; t < s.ntables; t++) {
            s.table[t].log_n = 1 + (unsigned)(rng_u64(st) % top);
            s.table[t].constraints = (unsigned)(rng_u64(st) % 500);
            s.table[t].degree = 1 + (unsigned)(rng_u64(st) % 8);
        }
        if (rng_u64(st) & 1) {
            s.logup_fractions = (double)(1 + rng_u64(st) % (1u << 30));
            s.logup_width = 1 + (unsigned)(rng_u64(st) % 20);
            s.logup_tables = 1 + (unsigned)(rng_u64(st) % 8);
        }
        checked++;
        if (!same_as_scan(&s)) {
            bad++;
            if (bad <= 3) printf("  random shape %u (seed %llu) differs from the scan\n", r, (unsigned long long)seed);
        }
    }
    printf("  %u shapes, %u differ from the reference scan\n", checked, bad);
    CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
    if (stark_machine_fib(&machines[0]) != CAIRN_OK ||
        stark_machine_lookup(&machines[1]) != CAIRN_OK ||
        stark_machine_p2chain(&machines[2]) != CAIRN_OK)
        return 1;
    static const test_case cases[] = {{"hand-worked case", test_hand_case},
                                      {"soundcalc ZisK report", test_soundcalc_zisk},
                                      {"presets reach their targets", test_presets},
                                      {"monotone in the parameters", test_monotone},
                                      {"rounds match the proof shape", test_shape_agrees},
                                      {"errors", test_errors},
                                      {"bisection agrees with the scan", test_bisection},
                                      {NULL, NULL}};
    int rc = test_run_suite("security", cases);
    for (unsigned i = 0; i < 3; i++) air_machine_free(machines[i]);
    return rc;
}
