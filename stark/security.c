/* Parameter sets and their security.
 *
 * Conjectured security (ethSTARK documentation, "Conjecture 1" and its
 * soundness formula): queries * log2(blowup) + pow_bits, capped by the hash
 * (Poseidon2 digests of 4 Goldilocks elements: ~128-bit collision
 * resistance) and by log2|F_ext| - log2(LDE size) for the algebraic terms.
 *
 * Proven security: round-by-round soundness in the Johnson regime as
 * summarised in eprint 2024/1553 (U. Haböck, "A summary on the FRI low degree
 * test"). With rate rho = 2^-log_blowup and Johnson parameter m >= 3,
 *     eta = sqrt(rho) / (2m),  delta = 1 - sqrt(rho) - eta,
 *     list size  L = (m + 1/2) / sqrt(rho).
 * The proof's error is the largest of its rounds' errors:
 *  - ALI (combining C constraints with powers of one challenge):
 *        L * C / |F_ext|
 *  - DEEP (out-of-domain sample; the composition has degree < D*n):
 *        L * (D * n_max + n_max) / |F_ext|
 *  - LogUp (fraction-sum identity over sum of table rows x interactions
 *    T terms, tuple compression by powers of alpha): (2T + len) / |F_ext|
 *    (Haböck, "Multivariate lookups based on logarithmic derivatives",
 *    eprint 2022/1530, soundness of the rational identity)
 *  - FRI commit phase: each batching or folding step combining k words
 *    with powers of a challenge over a code of length N errs with
 *    probability at most (k - 1) * B(m, rho) * N / |F_ext|, using the
 *    proximity gap up to the Johnson radius with O(N) exceptional
 *    challenges of BCHKS25 (Ben-Sasson, Carmon, Haböck, Kopparty, Saraf,
 *    "On proximity gaps for Reed-Solomon codes", 2025). For the constant
 *    B we keep the BCIKS20 Johnson-regime constant (m + 1/2)^7 / (3 rho^1.5),
 *    which is conservative; only its dependence on N changes from N^2 to N.
 *  - queries: (1 - delta)^queries, i.e. queries * -log2(sqrt(rho) + eta)
 *    bits, plus pow_bits of grinding.
 * m is chosen from 3..64 to maximise the minimum.
 */
#include <math.h>
#include <string.h>

#include "common/err.h"
#include "stark.h"

#define LOG2_FEXT (3.0 * 63.99999999966) /* log2(p^3), p = 2^64 - 2^32 + 1 */
#define HASH_BITS 128.0                  /* collision resistance of 256-bit digests */

cairn_err stark_params_validate(const stark_params *p)
{
    RETURN_ERROR_IF(p->log_blowup < 1 || p->log_blowup > 6, CAIRN_ERR_USAGE,
                    "stark params: log_blowup %u outside 1..6", p->log_blowup);
    RETURN_ERROR_IF(p->queries < 1 || p->queries > 512, CAIRN_ERR_USAGE,
                    "stark params: queries %u outside 1..512", p->queries);
    RETURN_ERROR_IF(p->pow_bits > 32, CAIRN_ERR_USAGE, "stark params: pow_bits %u > 32",
                    p->pow_bits);
    RETURN_ERROR_IF(p->log_arity < 1 || p->log_arity > 3, CAIRN_ERR_USAGE,
                    "stark params: log_arity %u outside 1..3", p->log_arity);
    RETURN_ERROR_IF(p->log_final_len > 8, CAIRN_ERR_USAGE,
                    "stark params: log_final_len %u > 8", p->log_final_len);
    return CAIRN_OK;
}

cairn_err stark_params_preset(stark_params *out, const char *name)
{
    memset(out, 0, sizeof *out);
    out->log_arity = 2;
    out->log_final_len = 3;
    if (!name || !strcmp(name, "proven-100")) {
        /* blowup 4: per query -log2(0.5 * (1 + 1/(2m))) ~ 0.95 bits; 84
         * queries + 20 bits of grinding give >= 100 proven bits up to 2^22
         * rows (stark_security reports the exact figure). */
        out->log_blowup = 2;
        out->queries = 84;
        out->pow_bits = 20;
    } else if (!strcmp(name, "conjectured-100")) {
        /* ethSTARK: 80 queries * 1 bit + 20 bits of grinding. */
        out->log_blowup = 1;
        out->queries = 80;
        out->pow_bits = 20;
    } else if (!strcmp(name, "test")) {
        /* for unit tests: fast, no meaningful security */
        out->log_blowup = 1;
        out->queries = 8;
        out->pow_bits = 2;
        out->log_arity = 1;
        out->log_final_len = 1;
    } else {
        return cairn_fail(CAIRN_ERR_USAGE,
                          "stark: unknown preset '%s' (proven-100, conjectured-100, test)", name);
    }
    return CAIRN_OK;
}

static double bits_of(double log2_err) { return -log2_err; }

cairn_err stark_security(stark_security_bits *out, const stark_params *p,
                         const air_machine *m, const unsigned *log_heights)
{
    FORWARD_IF_ERROR(stark_params_validate(p));
    memset(out, 0, sizeof *out);
    double log_b = p->log_blowup, rho = ldexp(1.0, -(int)p->log_blowup);
    /* shape figures */
    double n_max = 0, cons = 0, cols = 0, lookups = 0, max_deg = m && m->max_degree ? m->max_degree : 3;
    unsigned max_len = 1;
    if (m) {
        for (unsigned t = 0; t < m->ntables; t++) {
            const air_table *tb = m->tables[t];
            unsigned ln = log_heights ? log_heights[t] : (tb->npre ? tb->pre_log_n : 22);
            double n = ldexp(1.0, (int)ln);
            if (n > n_max) n_max = n;
            cons += (double)tb->ncons + 3.0 * (double)tb->nints + 3;
            cols += 2.0 * (tb->npre + tb->nmain) + 6.0 * (tb->nints + 1) + 3.0 * max_deg;
            lookups += n * (double)tb->nints;
            for (size_t i = 0; i < tb->nints; i++)
                if (tb->ints[i].len + 1u > max_len) max_len = tb->ints[i].len + 1u;
        }
    } else {
        n_max = ldexp(1.0, 22);
        cons = 300;
        cols = 600;
    }
    double N = n_max / rho; /* largest LDE */
    /* conjectured */
    double conj = p->queries * log_b + p->pow_bits;
    double alg = LOG2_FEXT - log2(N);
    if (conj > HASH_BITS) conj = HASH_BITS;
    if (conj > alg) conj = alg;
    out->conjectured = conj;
    /* proven: maximise over the Johnson parameter */
    double best = -1;
    for (int mm = 3; mm <= 64; mm++) {
        double sr = sqrt(rho), eta = sr / (2.0 * mm);
        double L = (mm + 0.5) / sr;
        double ali = bits_of(log2(L * cons) - LOG2_FEXT);
        double deep = bits_of(log2(L * (max_deg + 1) * n_max) - LOG2_FEXT);
        double logup = lookups > 0 ? bits_of(log2(2 * lookups + max_len) - LOG2_FEXT) : 1e9;
        double B = pow(mm + 0.5, 7) / (3.0 * pow(rho, 1.5));
        /* batching of all opened columns + every folding step (arity k
         * costs k - 1 times; the sum over layers is < 2N(k-1)/k * ...):
         * bound the total by (cols + 2^arity) * B * N. */
        double arity = ldexp(1.0, (int)p->log_arity);
        double fri = bits_of(log2((cols + 2.0 * arity) * B * N) - LOG2_FEXT);
        double q = p->queries * -log2(sr + eta) + p->pow_bits;
        double mn = fmin(fmin(fmin(ali, deep), fmin(logup, fri)), q);
        if (mn > HASH_BITS) mn = HASH_BITS;
        if (mn > best) {
            best = mn;
            out->ali = ali;
            out->deep = deep;
            out->logup = lookups > 0 ? logup : 0;
            out->fri_commit = fri;
            out->fri_query = q;
        }
    }
    out->proven = best;
    return CAIRN_OK;
}
