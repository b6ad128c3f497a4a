/* Proof parameters of segment proofs (rv_air.h rv_air_params): a proven
 * preset reaches its bound on the segment machine (at blowup 2 from
 * RV_PROVEN_LOG_BLOWUP_MIN_PO2 up) with the fewest queries that do (one
 * query fewer does not), at every tested segment size; the
 * other presets are stark_params_preset's unchanged; unknown presets and
 * segment sizes out of range are usage errors. */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

static stark_security_bits bits(unsigned po2, const stark_params *p)
{
    unsigned lh[AIR_MAX_TABLES];
    const air_machine *m;
    stark_security_bits s = {0};
    CU_ASSERT_EQUAL_FATAL(rv_air_heights(po2, lh), RV_AIR_NTABLES);
    CU_ASSERT_EQUAL_FATAL(rv_air_machine(&m, po2, p), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_security(&s, p, m, lh), CAIRN_OK);
    return s;
}

static double proven(unsigned po2, const stark_params *p) { return bits(po2, p).proven; }

static void test_proven_fewest(void)
{
    /* 17: where the count first grows past the small sizes'; 18 and 19
     * on either side of RV_PROVEN_LOG_BLOWUP_MIN_PO2 */
    static const unsigned po2s[] = {RV_MIN_SEGMENT_PO2, 12, 16, 17, 18, 19, 20};
    for (size_t i = 0; i < sizeof po2s / sizeof *po2s; i++) {
        stark_params p, base;
        CU_ASSERT_EQUAL_FATAL(rv_air_params(&p, "proven-100", po2s[i]), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(stark_params_preset(&base, "proven-100"), CAIRN_OK);
        double bits = proven(po2s[i], &p);
        printf("  po2 %u: %u queries, %.2f proven bits\n", po2s[i], p.queries, bits);
        CU_ASSERT(bits >= 100.0);
        /* the query count differs from the generic preset, and so does
         * the blowup of large segments */
        if (po2s[i] >= RV_PROVEN_LOG_BLOWUP_MIN_PO2) {
            CU_ASSERT_EQUAL(p.log_blowup, RV_PROVEN_LOG_BLOWUP);
            CU_ASSERT(p.log_blowup < base.log_blowup);
        } else {
            CU_ASSERT_EQUAL(p.log_blowup, base.log_blowup);
        }
        CU_ASSERT_EQUAL(p.pow_bits, base.pow_bits);
        CU_ASSERT_EQUAL(p.log_arity, base.log_arity);
        CU_ASSERT_EQUAL(p.log_final_len, base.log_final_len);
        CU_ASSERT(p.queries >= base.queries);
        stark_params fewer = p;
        fewer.queries--;
        if (p.queries > base.queries) CU_ASSERT(proven(po2s[i], &fewer) < 100.0);
    }
    rv_air_keys_release();
}

/* Every segment size has heights a proof may state, with the fractions of
 * docs/rv-air.md "Shape" above their floors (po2 4 and 5 once wrapped an
 * unsigned subtraction into a 2^32-row journal). */
static void test_heights(void)
{
    for (unsigned po2 = RV_MIN_SEGMENT_PO2; po2 <= RV_MAX_SEGMENT_PO2; po2++) {
        unsigned lh[AIR_MAX_TABLES];
        CU_ASSERT_EQUAL_FATAL(rv_air_heights(po2, lh), RV_AIR_NTABLES);
        for (unsigned t = 0; t < RV_AIR_NTABLES; t++) CU_ASSERT(lh[t] >= 2 && lh[t] <= 26);
        CU_ASSERT_EQUAL(lh[RV_AIR_CPU], po2);
        CU_ASSERT_EQUAL(lh[RV_AIR_JOURNAL], po2 >= 10 ? po2 - 6 : 4);
        CU_ASSERT_EQUAL(lh[RV_AIR_MULDIV], po2 - 2);
        stark_params p;
        CU_ASSERT_EQUAL(rv_air_params(&p, "proven-100", po2), CAIRN_OK);
    }
}

/* A tail (rv_air.h "Tails") is proven with its run's parameters at a
 * smaller size: at every run size and every tail size it allows, the
 * bits are at least the run's (what cairn prove reports), so at least the
 * preset's 100; rv_air_seg_po2_ok allows exactly the run's size and the
 * sizes from RV_TAIL_MIN_PO2 below it. */
static void test_tails(void)
{
    /* the sizes on either side of a change of blowup or query count and
     * the default (a machine of 2^21 and up takes seconds to describe) */
    static const char *const presets[] = {"proven-100", "proven-100", "proven-100", "proven-100", "conjectured-100"};
    static const unsigned po2s[] = {15, 17, 19, 20, 20};
    for (size_t i = 0; i < sizeof po2s / sizeof *po2s; i++) {
        const unsigned po2 = po2s[i];
        const int conj = !strcmp(presets[i], "conjectured-100");
        {
            stark_params p;
            CU_ASSERT_EQUAL_FATAL(rv_air_params(&p, presets[i], po2), CAIRN_OK);
            const double run = conj ? bits(po2, &p).conjectured : proven(po2, &p);
            CU_ASSERT(run >= 100.0);
            double least = 1e9;
            for (unsigned k = RV_TAIL_MIN_PO2; k < po2; k++) {
                const double b = conj ? bits(k, &p).conjectured : proven(k, &p);
                CU_ASSERT(b >= run);
                if (b < least) least = b;
            }
            printf("  %s 2^%u: %.2f bits, its tails at least %.2f\n", presets[i], po2, run, least);
            rv_air_keys_release();
        }
    }
    for (unsigned po2 = 0; po2 <= RV_MAX_SEGMENT_PO2 + 1; po2++)
        for (unsigned k = 0; k <= RV_MAX_SEGMENT_PO2 + 1; k++) {
            const int in = po2 >= RV_MIN_SEGMENT_PO2 && po2 <= RV_MAX_SEGMENT_PO2;
            CU_ASSERT_EQUAL(rv_air_seg_po2_ok(po2, k), in && (k == po2 || (k >= RV_TAIL_MIN_PO2 && k < po2)));
        }
    CU_ASSERT(rv_air_seg_po2_ok(20, 14) && rv_air_seg_po2_ok(20, 19) && rv_air_seg_po2_ok(11, 11));
    CU_ASSERT(!rv_air_seg_po2_ok(20, 13) && !rv_air_seg_po2_ok(20, 21) && !rv_air_seg_po2_ok(14, 13));
}

static void test_other_presets(void)
{
    static const char *const names[] = {"conjectured-100", "test"};
    for (size_t i = 0; i < 2; i++) {
        stark_params p, base;
        CU_ASSERT_EQUAL(rv_air_params(&p, names[i], 20), CAIRN_OK);
        CU_ASSERT_EQUAL(stark_params_preset(&base, names[i]), CAIRN_OK);
        CU_ASSERT(!memcmp(&p, &base, sizeof p));
    }
}

static void test_usage(void)
{
    stark_params p;
    CU_ASSERT_EQUAL(rv_air_params(&p, "proven-128", 12), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "proven-128"));
    CU_ASSERT_EQUAL(rv_air_params(&p, "proven-100", RV_MIN_SEGMENT_PO2 - 1), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "po2"));
    CU_ASSERT_EQUAL(rv_air_params(&p, "proven-100", RV_MAX_SEGMENT_PO2 + 1), CAIRN_ERR_USAGE);
}

int main(void)
{
    static const test_case cases[] = {
        {"proven-100: >= 100 proven bits with the fewest queries", test_proven_fewest},
        {"heights and parameters of every segment size", test_heights},
        {"conjectured-100 and test: the generic presets", test_other_presets},
        {"tails: the run's parameters at every smaller size", test_tails},
        {"unknown preset, segment size out of range", test_usage},
        {NULL, NULL},
    };
    return test_run_suite("rv_air_params", cases);
}
