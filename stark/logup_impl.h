/* The LogUp part of a table's constraints, written once (air.h "LogUp").
 * It is instantiated by the prover (prover.c: base-field DAG values on one
 * row of the quotient domain, extension arithmetic in gl3) and by the
 * verifier (verifier.c: every value an extension value at zeta, through
 * vctx.h), so both evaluate the same constraints in the same order. The
 * witness side (stark_lu_columns) and the debug checker compute the terms
 * m / fingerprint that these constraints are about with the same
 * fingerprint (LU_FP).
 *
 * For table t with interactions in groups g = 0..G-1 (keys.c groups them in
 * ones and twos; helper column h_g, running sum s = helper column G):
 *   group of one  (m, fp):             h_g * fp - m
 *   group of two  (m1, fp1), (m2, fp2): h_g * fp1 * fp2 - (m1 fp2 + m2 fp1)
 *   first row:   s - sum_g h_g
 *   transitions: s' - s - sum_g h_g'
 *   last row:    s - (the table's terminal sum, sent in the proof)
 * m is the multiplicity, negated for a RECEIVE. The constraints are emitted
 * as numbers ncons, ncons + 1, ... of the table (after its own constraints).
 *
 * The including file defines, then includes this header (which undefines
 * nothing; include it once per file):
 *   LU_FN(name)           name of the generated function
 *   LU_CTX                context argument type
 *   LU_E, LU_B            extension value type; type of DAG values
 *                         (tuple elements, multiplicities, selectors)
 *   LU_E_ADD/SUB/MUL(c, a, b), LU_E_ZERO(c)
 *   LU_E_MUL_B(c, e, b)   extension value times DAG value
 *   LU_E_FROM_B(c, b)
 *   LU_B_NEG(c, b)
 *   LU_FP(c, bus, tup, len)   fingerprint of a tuple of DAG values
 *   LU_VAL(c, node)           DAG value of a node on the row
 *   LU_HELPER(c, g, next)     LogUp column g (G = running sum) on the row
 *                             (next = 0) or the next row (next = 1)
 *   LU_SUM(c)                 the table's terminal sum
 *   LU_SEL(c, which)          AIR_SEL_FIRST / LAST / TRANS as a DAG value
 *   LU_EMIT(c, k, e)          constraint k has value e
 */
#ifndef LU_FN
#error "define LU_FN and the other LU_ macros before including logup_impl.h"
#endif

static void LU_FN(logup_constraints)(LU_CTX c, const struct stark_vk *vk, unsigned ti)
{
    const air_table *t = vk->m->tables[ti];
    const unsigned G = vk->ngroups[ti];
    size_t k = t->ncons;
    LU_E Hs = LU_E_ZERO(c), Hn = LU_E_ZERO(c);
    for (unsigned g = 0; g < G; g++) {
        LU_E h = LU_HELPER(c, g, 0), hn = LU_HELPER(c, g, 1);
        Hs = LU_E_ADD(c, Hs, h);
        Hn = LU_E_ADD(c, Hn, hn);
        LU_E fp[2];
        LU_B mv[2];
        const unsigned gs = vk->group_size[ti][g];
        for (unsigned e = 0; e < gs; e++) {
            const air_interaction *it = &t->ints[vk->group_first[ti][g] + e];
            LU_B tup[AIR_MAX_TUPLE];
            for (unsigned u = 0; u < it->len; u++) tup[u] = LU_VAL(c, it->tuple[u]);
            fp[e] = LU_FP(c, it->bus, tup, it->len);
            mv[e] = LU_VAL(c, it->mult);
            if (it->dir == AIR_RECEIVE) mv[e] = LU_B_NEG(c, mv[e]);
        }
        LU_E cv;
        if (gs == 1) {
            cv = LU_E_SUB(c, LU_E_MUL(c, h, fp[0]), LU_E_FROM_B(c, mv[0]));
        } else {
            LU_E num = LU_E_ADD(c, LU_E_MUL_B(c, fp[1], mv[0]), LU_E_MUL_B(c, fp[0], mv[1]));
            cv = LU_E_SUB(c, LU_E_MUL(c, h, LU_E_MUL(c, fp[0], fp[1])), num);
        }
        LU_EMIT(c, k, cv);
        k++;
    }
    LU_E s = LU_HELPER(c, G, 0), sn = LU_HELPER(c, G, 1);
    LU_EMIT(c, k, LU_E_MUL_B(c, LU_E_SUB(c, s, Hs), LU_SEL(c, AIR_SEL_FIRST)));
    LU_EMIT(c, k + 1,
            LU_E_MUL_B(c, LU_E_SUB(c, LU_E_SUB(c, sn, s), Hn), LU_SEL(c, AIR_SEL_TRANS)));
    LU_EMIT(c, k + 2, LU_E_MUL_B(c, LU_E_SUB(c, s, LU_SUM(c)), LU_SEL(c, AIR_SEL_LAST)));
}
