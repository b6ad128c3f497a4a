/* The LogUp part of a table's constraints, written once (air.h "LogUp").
 * It is instantiated by the prover (prover.c: base-field DAG values on one
 * row of the quotient domain, extension arithmetic in gl3) and by the
 * verifier (verifier.c: every value an extension value at zeta, through
 * vctx.h), so both evaluate the same constraints in the same order. The
 * witness side (stark_lu_columns) and the debug checker compute the terms
 * m / fingerprint that these constraints are about with the same
 * fingerprint (LU_FP).
 *
 * For table t with interactions in groups g = 0..G-1 (keys.c groups them,
 * up to STARK_MAX_GROUP, as the degree bound allows), the LogUp columns
 * are helpers h_g for g = 0..G-2 and the running sum s (column G-1); the last group has no helper of its own:
 * its fractions are s' - s - sum_{g<G-1} h_g + S/n, S the table's
 * terminal sum (sent in the proof), n its height. The constraints:
 *   group of one  (m, fp):              H * fp - m
 *   group of two  (m1, fp1), (m2, fp2): H * fp1 * fp2 - (m1 fp2 + m2 fp1)
 *   larger groups, from the pair on:    D = fp1 fp2, N = m1 fp2 + m2 fp1,
 *       then per further (m, fp) N <- N fp + m D, D <- D fp;  H * D - N
 * with H = h_g for g < G-1 and H = s' - s - sum_{g<G-1} h_g + S/n for the
 * last, on every row, the next row of the last being the first (no
 * selector). Why this is the same statement as an explicit running sum
 * with first- and last-row constraints: summed over the n rows, the
 * differences s' - s cancel cyclically, so sum over rows of all fractions
 * = n * (S/n) = S, which is what the balance check uses (Stwo's LogUp
 * does the same). It saves one extension column and two constraints per
 * table, and costs no degree: H is linear in the columns like h_g.
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
 *   LU_FP(c, k, bus, tup, len) fingerprint of interaction k of the table,
 *                             whose tuple has the DAG values tup[0..len)
 *   LU_VAL(c, node)           DAG value of a node on the row
 *   LU_HELPER(c, g, next)     LogUp column g (G-1 = running sum) on the row
 *                             (next = 0) or the next row (next = 1)
 *   LU_SUM_ROW(c)             the table's terminal sum divided by its height
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
    /* H of the last group: s' - s - sum of the other helpers + S/n */
    LU_E last = LU_E_ADD(c, LU_E_SUB(c, LU_HELPER(c, G - 1, 1), LU_HELPER(c, G - 1, 0)), LU_SUM_ROW(c));
    for (unsigned g = 0; g < G; g++) {
        LU_E h;
        if (g + 1 < G) {
            h = LU_HELPER(c, g, 0);
            last = LU_E_SUB(c, last, h);
        } else {
            h = last;
        }
        LU_E fp[STARK_MAX_GROUP];
        LU_B mv[STARK_MAX_GROUP];
        const unsigned gs = vk->group_size[ti][g];
        for (unsigned e = 0; e < gs; e++) {
            const unsigned ki = vk->group_first[ti][g] + e;
            const air_interaction *it = &t->ints[ki];
            LU_B tup[AIR_MAX_TUPLE];
            for (unsigned u = 0; u < it->len; u++) tup[u] = LU_VAL(c, it->tuple[u]);
            fp[e] = LU_FP(c, ki, it->bus, tup, it->len);
            mv[e] = LU_VAL(c, it->mult);
            if (it->dir == AIR_RECEIVE) mv[e] = LU_B_NEG(c, mv[e]);
        }
        LU_E cv;
        if (gs == 1) {
            cv = LU_E_SUB(c, LU_E_MUL(c, h, fp[0]), LU_E_FROM_B(c, mv[0]));
        } else {
            LU_E num = LU_E_ADD(c, LU_E_MUL_B(c, fp[1], mv[0]), LU_E_MUL_B(c, fp[0], mv[1]));
            LU_E den = LU_E_MUL(c, fp[0], fp[1]);
            for (unsigned e = 2; e < gs; e++) {
                num = LU_E_ADD(c, LU_E_MUL(c, num, fp[e]), LU_E_MUL_B(c, den, mv[e]));
                den = LU_E_MUL(c, den, fp[e]);
            }
            cv = LU_E_SUB(c, LU_E_MUL(c, h, den), num);
        }
        LU_EMIT(c, k, cv);
        k++;
    }
}
