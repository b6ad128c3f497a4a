/* Parameter sets and the security they give (docs/security.md explains the
 * model for users; this comment and the ones below give the formulas and
 * where each comes from).
 *
 * Notation. rho = 2^-log_blowup is the rate of every Reed-Solomon code the
 * protocol uses (a code of dimension d has evaluation domain n = d / rho);
 * F is the challenge field, the cubic extension of Goldilocks, |F| = p^3
 * ~ 2^192; s = queries; pow = grinding bits (cairn grinds once, after the
 * final FRI polynomial and before the query indices are drawn).
 *
 * Proven security is round-by-round (RBR) soundness: the protocol's error
 * is the largest error of any one verifier challenge, so its bits are the
 * minimum over the rounds below, capped by the collision resistance of the
 * commitments (Poseidon2 digests of 4 Goldilocks elements, 256 bits: 128).
 * The analysis is in the Johnson (list-decoding) regime: every oracle is
 * compared with the codewords within relative distance
 *     gamma = 1 - sqrt(rho) - eta          (0 < eta < 1 - sqrt(rho)),
 * for a slack eta that only the analysis chooses (the protocol is the same
 * for every eta): a small eta makes each query worth more and the
 * commit-phase bounds worse. stark_security_eval takes the eta that
 * maximises the minimum.
 *
 * Rounds, in protocol order (stark.h "Protocol"):
 *  1. LogUp challenges (alpha, beta) after the main commitment;
 *  2. ALI: one challenge combines each table's constraints by its powers;
 *  3. DEEP: the out-of-domain point zeta;
 *  4. FRI batching: one challenge gamma combines, per LDE height, all
 *     opened columns (quotients by X - zeta and X - g*zeta) by its powers;
 *  5. FRI folding: per layer, one challenge beta combines the 2^k coset
 *     components (and the DEEP codeword of the new height, "roll-in") by
 *     its powers;
 *  6. the query indices, after pow bits of grinding.
 *
 * The composition of these rounds (DEEP-ALI over batched FRI, RBR, list
 * decoding regime) follows eprint 2024/1553, Theorem 2 (the RPO-STARK
 * signature paper; Winterfell's proven security implements that theorem),
 * which builds on U. Haboeck, "A summary on the FRI low degree test",
 * eprint 2022/1216 (Theorem 8 for DEEP-ALI, Section 3 for FRI), and on
 * ethSTARK (eprint 2021/582). The commit-phase rounds use the proximity gap
 * of Ben-Sasson, Carmon, Haboeck, Kopparty, Saraf, "On proximity gaps for
 * Reed-Solomon codes", eprint 2025/2055 (BCHKS25), whose exceptional set
 * is linear in n (BCIKS20, eprint 2020/654, had n^2). Ethereum's soundcalc
 * computes the same FRI terms; tests/stark/test_security.c reproduces
 * the terms of one of its published reports.
 *
 * Conjectured security is ethSTARK's: s * log_blowup + pow bits, capped by
 * the hash and by log2|F| - log2(trace length) (ethSTARK repository,
 * "Measuring security"; eprint 2021/582 Section 5.9 for the conjecture).
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "common/err.h"
#include "stark.h"
#include "stark_internal.h"

/* Collision resistance of 256-bit digests (birthday bound). */
#define HASH_BITS 128.0
/* Points each column is opened at (zeta and g*zeta): the "m_c" of the
 * DEEP-ALI bound. */
#define OPEN_POINTS 2.0
/* Slack candidates eta = sqrt(rho)/j: j = 3, 4, ..., 1024, then steps of
 * 1% up to 2^24. A query is worth -log2(sqrt(rho) (1 + 1/j)) bits, within
 * 1.45/j of its limit -log2(sqrt(rho)), while BCHKS25's bound grows as j^5,
 * so the optimum is found to well under 0.01 bits. */
#define ETA_J_LINEAR 1024.0
#define ETA_J_MAX 0x1p24

/* log2 p for p = 2^64 - 2^32 + 1 (slightly below 64). */
static double log2_goldilocks(void) { return 64.0 + log2(1.0 - 0x1p-32 + 0x1p-64); }

/* log2(2^a + 2^b) without overflow. */
static double log2_add(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double hi = fmax(a, b), lo = fmin(a, b);
    return hi + log2(1.0 + exp2(lo - hi));
}

/* log2 of the number of exceptional challenges when M + 1 words are
 * combined with the powers 1, z, ..., z^M of one challenge z, for a
 * Reed-Solomon code of dimension d and length n, at proximity gamma.
 *
 * BCHKS25 (eprint 2025/2055) Theorem 4.6, for a code of dimension k + 1
 * ("rho = k/n, the slightly reduced rate") and gamma < 1 - sqrt(rho): the
 * set of z for which u_0 + z u_1 + ... + z^M u_M agrees with a codeword on
 * some set A of (1 - gamma) n points while (u_0..u_M) does not agree with
 * codewords on A has at most
 *     M * ( (2 (m+1/2)^5 + 3 (m+1/2) gamma rho) / (3 rho^(3/2)) * n
 *           + (m+1/2) / sqrt(rho) ),
 *     m = max(ceil(sqrt(rho) / (1 - sqrt(rho) - gamma)), 3)
 * elements. (Theorem 1.5, the line case, states m with sqrt(rho)/(2 eta);
 * we use 4.6's larger m, as soundcalc does: it is the conservative one.)
 * This is the mutual correlated agreement event, which is what makes a
 * doomed FRI state (no joint agreement) non-doomed, so the round's error is
 * this count / |F|.
 *
 * Dimension 1 (a final polynomial of 1 coefficient, k = 0) is outside the
 * theorem; there an exceptional z is a root of sum_i z^i (u_i(x) - u_i(y))
 * for some pair of points x, y of A where the tuple differs (a nonzero
 * polynomial of degree <= M), so at most M n (n - 1) / 2 values. */
static double log2_exceptional(double n, double d, double gamma, unsigned M)
{
    if (M == 0) return -INFINITY;
    if (d < 2) return log2((double)M) + log2(n) + log2(n - 1) - 1.0;
    double rho = (d - 1) / n, sr = sqrt(rho);
    double eta = 1.0 - sr - gamma; /* > 0: gamma is below the reduced rate's radius too */
    double m = fmax(ceil(sr / eta), 3.0), mh = m + 0.5;
    double a = (2.0 * pow(mh, 5) + 3.0 * mh * gamma * rho) / (3.0 * rho * sr) * n + mh / sr;
    return log2((double)M) + log2(a);
}

/* All terms for one slack eta (bits, uncapped). */
static void eval_at(stark_security_bits *o, const stark_security_shape *s, double eta)
{
    const double lf = s->log2_field, rho = exp2(-(double)s->log_blowup), sr = sqrt(rho);
    const double gamma = 1.0 - sr - eta;
    memset(o, 0, sizeof *o);
    o->eta = eta;
    /* Johnson bound: a code of relative distance 1 - rho has at most
     * (1 - rho) / ((1 - gamma)^2 - rho) codewords within relative distance
     * gamma; with 1 - gamma = sqrt(rho) + eta that is below
     * 1 / (2 eta sqrt(rho)), the list size soundcalc and 2022/1216 use.
     * It holds for interleaved codes (same relative distance) too, so one
     * list covers all words of a table. */
    const double L = 1.0 / (2.0 * eta * sr), lL = log2(L);
    o->list_size = L;

    /* Query round: a word gamma-far from the code passes one query with
     * probability at most 1 - gamma (eprint 2022/1216 Section 3.4; BCIKS20
     * Theorem 8.3's (sqrt(rho)(1 + 1/2m))^s is the case eta = sqrt(rho)/2m),
     * and pow bits of grinding make each attempt 2^pow times dearer
     * (eprint 2021/582 Section 6.3). */
    o->fri_query = (double)s->queries * -log2(sr + eta) + (double)s->pow_bits;

    /* Commit phase: batching (entry 0, with the entries joint to it) and
     * each fold, per round sum_entries exceptional / |F| (BCHKS25 above;
     * eprint 2024/1553 Theorem 2 and 2022/1216 Section 3 for the RBR
     * accounting of batched FRI, one error per folding challenge). */
    o->fri_batch = o->fri_fold = INFINITY;
    double cur = -INFINITY;
    unsigned rounds = 0;
    for (unsigned r = 0; r < s->ncommit; r++) {
        double d = exp2((double)s->commit[r].log_dim), n = d / rho;
        unsigned M = s->commit[r].words ? s->commit[r].words - 1 : 0;
        double e = log2_exceptional(n, d, gamma, M) - lf;
        cur = (r > 0 && s->commit[r].joint) ? log2_add(cur, e) : e;
        int last = r + 1 == s->ncommit || !s->commit[r + 1].joint;
        if (!last) continue;
        if (rounds == 0) o->fri_batch = -cur; /* the first round is the batching */
        else o->fri_fold = fmin(o->fri_fold, -cur);
        rounds++;
    }
    o->fri_rounds = rounds ? rounds - 1 : 0;
    o->fri_commit = fmin(o->fri_batch, o->fri_fold);

    /* ALI: for each table, if some constraint fails on the trace domain for
     * a list element, the combination by powers of one challenge vanishes
     * there for at most C values (eprint 2022/1216 Theorem 8, eps_ALI =
     * L C / |F|; 2024/1553 Theorem 2); one challenge for all tables, so
     * the tables' errors add. */
    double ali = -INFINITY, deep = -INFINITY;
    for (unsigned t = 0; t < s->ntables; t++) {
        double n = exp2((double)s->table[t].log_n), N = n / rho, D = s->table[t].degree;
        if (s->table[t].constraints)
            ali = log2_add(ali, lL + log2((double)s->table[t].constraints) - lf);
        /* DEEP: eprint 2022/1216 Theorem 8,
         *   eps_DEEP = L (D (n + m_c - 1) + (n - 1)) / (|F| - |H| - |D|),
         * with m_c = 2 opening points; 2024/1553 Theorem 2 charges L^2
         * (the lists of trace and quotient); we take the larger, L^2. */
        double num = D * (n + OPEN_POINTS - 1.0) + (n - 1.0);
        double den = lf + log2(1.0 - (n + N) * exp2(-lf));
        deep = log2_add(deep, 2.0 * lL + log2(num) - den);
    }
    o->ali = ali == -INFINITY ? INFINITY : -ali;
    o->deep = deep == -INFINITY ? INFINITY : -deep;

    /* LogUp: the bus is balanced iff sum_i +-m_i / (beta + phi_i(alpha)) = 0
     * as a rational function in (alpha, beta), phi_i = bus + sum_k
     * alpha^(k+1) t_ik (the logarithmic-derivative criterion of Haboeck,
     * "Multivariate lookups based on logarithmic derivatives", eprint
     * 2022/1530; it needs the count of any one tuple on the sending side
     * below the characteristic p, which holds while the machine keeps send
     * multiplicities small: at most 16 tables x 2^26 rows x 64 interactions
     * = 2^36 sends of multiplicity 1 are far below p).
     * Distinct (bus, tuple) give distinct phi_i (bus at alpha^0, tuple
     * entries at alpha^1..), so an unbalanced bus leaves a nonzero rational
     * function. Cleared of its T denominators (total degree <= W each) the
     * numerator has degree <= (T - 1) W, so a random (alpha, beta) is a root
     * with probability <= (T - 1) W / |F| (Schwartz-Zippel); a vanishing
     * denominator costs at most T / |F| more. Sum: T (W + 1) / |F|. The
     * challenge comes after the main traces of all tables are committed, so
     * the list is the product of the tables' lists: L^tables. */
    if (s->logup_fractions > 0) {
        double w = s->logup_width ? s->logup_width : 1;
        o->logup = lf - (double)s->logup_tables * lL - log2(s->logup_fractions) - log2(w + 1.0);
    } else {
        o->logup = INFINITY;
    }

    double mn = fmin(fmin(o->ali, o->deep), fmin(o->logup, o->fri_commit));
    o->proven = fmin(mn, o->fri_query);
}

/* The non-query terms only get worse as eta shrinks (m and L grow), the
 * query term only better. */
static double commit_side(const stark_security_bits *o)
{
    return fmin(fmin(o->ali, o->deep), fmin(o->logup, o->fri_commit));
}

/* The slack candidates eta = sqrt(rho) / j, j = 3, 4, ..., 1024, then
 * steps of 1% up to 2^24 (ETA_J_*), without those that leave no
 * proximity (eta >= 1 - sqrt(rho): the smallest j only). About 2000. */
#define ETA_GRID_MAX 2048
static size_t eta_grid(double grid[ETA_GRID_MAX], double sr)
{
    size_t n = 0;
    for (double j = 3; j <= ETA_J_MAX; j = j < ETA_J_LINEAR ? j + 1 : j * 1.01) {
        double e = sr / j;
        if (e >= 1.0 - sr) continue;
        assert(n < ETA_GRID_MAX);
        grid[n++] = e;
    }
    return n;
}

/* The reference: every candidate in order, the first that gives the most
 * proven bits, stopping once the non-query terms alone fall below the best
 * (they only get worse as eta shrinks). */
static void best_eta_scan(stark_security_bits *out, const stark_security_shape *s, const double *grid,
                          size_t n)
{
    stark_security_bits cand;
    for (size_t k = 0; k < n; k++) {
        eval_at(&cand, s, grid[k]);
        if (k == 0 || cand.proven > out->proven) *out = cand;
        if (commit_side(&cand) < out->proven) break; /* only worse from here */
    }
}

/* The same candidate in O(log n) evaluations. Along the grid (eta
 * shrinking) the query term only grows and the non-query terms only
 * shrink (commit_side), and proven is the smaller of the two; so proven
 * grows while the query term is the smaller and shrinks after, and the
 * first best is the last candidate before the non-query terms fall to the
 * query term or the first one after. A binary search finds that crossing;
 * test_security checks the result against best_eta_scan bit for bit on
 * every preset, recursion and example shape and on random ones. */
static void best_eta(stark_security_bits *out, const stark_security_shape *s, const double *grid, size_t n)
{
    stark_security_bits cand;
    size_t lo = 0, hi = n; /* the crossing is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        eval_at(&cand, s, grid[mid]);
        if (commit_side(&cand) <= cand.fri_query) hi = mid;
        else lo = mid + 1;
    }
    /* lo: the first candidate whose non-query terms are at most its query
     * term (n: none is) */
    size_t first = lo > 0 ? lo - 1 : 0, last = lo < n ? lo : n - 1;
    for (size_t k = first; k <= last; k++) {
        eval_at(&cand, s, grid[k]);
        if (k == first || cand.proven > out->proven) *out = cand;
    }
}

/* Test only: 1 makes stark_security_eval take every candidate in order
 * (best_eta_scan), the reference best_eta is checked against. */
int stark_security_scan_all;

cairn_err stark_security_eval(stark_security_bits *out, const stark_security_shape *s, double eta)
{
    memset(out, 0, sizeof *out);
    RETURN_ERROR_IF(!(s->log2_field > 0 && s->log2_field <= 1024), CAIRN_ERR_USAGE,
                    "stark security: log2 field size %g outside (0, 1024]", s->log2_field);
    RETURN_ERROR_IF(!(s->hash_bits > 0), CAIRN_ERR_USAGE, "stark security: hash bits %g <= 0",
                    s->hash_bits);
    RETURN_ERROR_IF(s->log_blowup < 1 || s->log_blowup > 30, CAIRN_ERR_USAGE,
                    "stark security: log_blowup %u outside 1..30", s->log_blowup);
    RETURN_ERROR_IF(s->ncommit > STARK_SEC_MAX_ROUNDS, CAIRN_ERR_USAGE,
                    "stark security: %u commit rounds (max %d)", s->ncommit,
                    STARK_SEC_MAX_ROUNDS);
    RETURN_ERROR_IF(s->ntables > STARK_SEC_MAX_TABLES, CAIRN_ERR_USAGE,
                    "stark security: %u tables (max %d)", s->ntables, STARK_SEC_MAX_TABLES);
    for (unsigned r = 0; r < s->ncommit; r++)
        RETURN_ERROR_IF(s->commit[r].log_dim > 60, CAIRN_ERR_USAGE,
                        "stark security: commit round %u: log dimension %u > 60", r,
                        s->commit[r].log_dim);
    for (unsigned t = 0; t < s->ntables; t++) {
        RETURN_ERROR_IF(s->table[t].log_n > 60 || s->table[t].log_n < 1, CAIRN_ERR_USAGE,
                        "stark security: table %u: log length %u outside 1..60", t,
                        s->table[t].log_n);
        /* the DEEP point is drawn outside trace and LDE domains */
        RETURN_ERROR_IF(s->table[t].log_n + s->log_blowup + 1.0 >= s->log2_field,
                        CAIRN_ERR_USAGE,
                        "stark security: table %u: domains of 2^%u points fill the field", t,
                        s->table[t].log_n + s->log_blowup);
    }
    RETURN_ERROR_IF(!(s->logup_fractions >= 0), CAIRN_ERR_USAGE,
                    "stark security: negative LogUp fraction count");
    const double sr = sqrt(exp2(-(double)s->log_blowup));
    if (eta > 0) {
        RETURN_ERROR_IF(eta >= 1.0 - sr, CAIRN_ERR_USAGE,
                        "stark security: eta %g leaves no proximity (needs < 1 - sqrt(rate) = %g)",
                        eta, 1.0 - sr);
        eval_at(out, s, eta);
    } else {
        double grid[ETA_GRID_MAX];
        size_t n = eta_grid(grid, sr);
        RETURN_ERROR_IF(!n, CAIRN_ERR_USAGE,
                        "stark security: no Johnson slack for log_blowup %u", s->log_blowup);
        if (stark_security_scan_all) best_eta_scan(out, s, grid, n);
        else best_eta(out, s, grid, n);
    }
    out->proven = fmin(out->proven, s->hash_bits);
    double lmax = 0;
    for (unsigned t = 0; t < s->ntables; t++) lmax = fmax(lmax, s->table[t].log_n);
    double conj = (double)s->queries * s->log_blowup + (double)s->pow_bits;
    conj = fmin(conj, s->log2_field - lmax);
    out->conjectured = fmin(conj, s->hash_bits);
    unsigned bw = 0;
    for (unsigned r = 0; r < s->ncommit && (r == 0 || s->commit[r].joint); r++)
        bw += s->commit[r].words;
    out->batch_words = bw;
    return CAIRN_OK;
}

cairn_err stark_params_validate(const stark_params *p)
{
    RETURN_ERROR_IF(p->log_blowup < 1 || p->log_blowup > 6, CAIRN_ERR_USAGE,
                    "stark params: log_blowup %u outside 1..6", p->log_blowup);
    RETURN_ERROR_IF(p->queries < 1 || p->queries > STARK_MAX_QUERIES, CAIRN_ERR_USAGE,
                    "stark params: queries %u outside 1..%d", p->queries, STARK_MAX_QUERIES);
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
        /* Blowup 4, 20 bits of grinding: the fewest queries with >= 100
         * proven bits for every example machine up to 2^22 rows (the query
         * round binds; see docs/security.md for the figures and for why
         * not blowup 8). */
        out->log_blowup = 2;
        out->queries = 81;
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

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

/* The shape of a machine's proof at the given heights, mirroring
 * stark_shape_init (proof.c) and key generation (keys.c). Where the key's
 * choices are not visible from the machine, upper bounds are used, which
 * only lower the result: every LogUp interaction is taken to have its own
 * helper column (keys.c pairs some, and the last group shares the
 * running sum's column, logup_impl.h), and a table with interactions to
 * reach the machine's maximum degree. The counts enter the bound through
 * log2 only. */
static cairn_err shape_of(stark_security_shape *s, const stark_params *p, const air_machine *m,
                          const unsigned *log_heights, int check_pre)
{
    memset(s, 0, sizeof *s);
    FORWARD_IF_ERROR(stark_params_validate(p));
    RETURN_ERROR_IF(!m, CAIRN_ERR_USAGE, "stark security: no machine");
    s->log2_field = 3.0 * log2_goldilocks();
    s->hash_bits = HASH_BITS;
    s->log_blowup = p->log_blowup;
    s->queries = p->queries;
    s->pow_bits = p->pow_bits;
    const unsigned lb = p->log_blowup, maxdeg = m->max_degree ? m->max_degree : 3;
    RETURN_ERROR_IF(m->ntables < 1 || m->ntables > STARK_SEC_MAX_TABLES, CAIRN_ERR_USAGE,
                    "stark security: machine %s has %u tables", m->name, m->ntables);
    unsigned ln[AIR_MAX_TABLES], words[AIR_MAX_TABLES], min_log = 64, l0 = 0, width = 0;
    s->ntables = m->ntables;
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        ln[t] = log_heights ? log_heights[t] : (tb->npre ? tb->pre_log_n : 22);
        RETURN_ERROR_IF(ln[t] < STARK_MIN_LOG_N || ln[t] > STARK_MAX_LOG_N, CAIRN_ERR_USAGE,
                        "stark security: table %s: log height %u outside %d..%d", tb->name, ln[t],
                        STARK_MIN_LOG_N, STARK_MAX_LOG_N);
        RETURN_ERROR_IF(check_pre && tb->npre && ln[t] != tb->pre_log_n, CAIRN_ERR_USAGE,
                        "stark security: table %s: log height %u, its preprocessed columns fix %u",
                        tb->name, ln[t], tb->pre_log_n);
        unsigned d = 2; /* as keys.c: the degree-2 floor of every table */
        for (size_t c = 0; c < tb->ncons; c++) d = umax(d, air_degree(tb, tb->cons[c].e));
        if (tb->nints) d = umax(d, maxdeg);
        unsigned qlog = 0;
        while ((1u << qlog) < d - 1) qlog++;
        unsigned wlu = tb->nints ? 3u * ((unsigned)tb->nints + 1u) : 0;
        unsigned wq = 3u << qlog;
        /* columns opened at zeta (all) and at g*zeta (all but the quotient) */
        words[t] = 2u * (tb->npre + tb->nmain + wlu) + wq;
        s->table[t].log_n = ln[t];
        s->table[t].degree = d;
        /* LogUp adds one constraint per group of interactions
         * (logup_impl.h); nints + 3 is the count of the earlier layout
         * with a separate running sum, kept as an upper bound */
        s->table[t].constraints = (unsigned)tb->ncons + (tb->nints ? (unsigned)tb->nints + 3u : 0);
        if (tb->nints) {
            s->logup_fractions += exp2((double)ln[t]) * (double)tb->nints;
            s->logup_tables++;
            for (size_t i = 0; i < tb->nints; i++) width = umax(width, tb->ints[i].len);
        }
        min_log = ln[t] < min_log ? ln[t] : min_log;
        l0 = umax(l0, ln[t] + lb);
    }
    if (m->boundary && m->boundary->nints) {
        s->logup_fractions += (double)m->boundary->nints;
        for (size_t i = 0; i < m->boundary->nints; i++)
            width = umax(width, m->boundary->ints[i].len);
    }
    s->logup_width = width;
    /* batching: one DEEP codeword per LDE height, one challenge */
    for (unsigned h = l0 + 1; h-- > 0;) {
        unsigned w = 0;
        for (unsigned t = 0; t < m->ntables; t++)
            if (ln[t] + lb == h) w += words[t];
        if (!w) continue;
        s->commit[s->ncommit].joint = s->ncommit > 0;
        s->commit[s->ncommit].log_dim = h - lb;
        s->commit[s->ncommit].words = w;
        s->ncommit++;
    }
    /* folds, as stark_shape_init: arity 2^log_arity, shortened to stop at
     * the next table height (whose DEEP codeword is then rolled in) and at
     * the final polynomial */
    unsigned log_final = p->log_final_len < min_log ? p->log_final_len : min_log;
    unsigned target = log_final + lb, cur = l0;
    while (cur > target) {
        unsigned next = target;
        for (unsigned t = 0; t < m->ntables; t++) {
            unsigned h = ln[t] + lb;
            if (h < cur && h > next) next = h;
        }
        unsigned k = p->log_arity < cur - next ? p->log_arity : cur - next;
        int roll = 0;
        for (unsigned t = 0; t < m->ntables; t++)
            if (ln[t] + lb == cur - k) roll = 1;
        RETURN_ERROR_IF(s->ncommit >= STARK_SEC_MAX_ROUNDS, CAIRN_ERR_INTERNAL,
                        "stark security: too many FRI rounds");
        s->commit[s->ncommit].joint = 0;
        s->commit[s->ncommit].log_dim = cur - k - lb;
        s->commit[s->ncommit].words = (1u << k) + (unsigned)roll;
        s->ncommit++;
        cur -= k;
    }
    return CAIRN_OK;
}

cairn_err stark_security_shape_of(stark_security_shape *s, const stark_params *p,
                                  const air_machine *m, const unsigned *log_heights)
{
    return shape_of(s, p, m, log_heights, 1);
}

cairn_err stark_security(stark_security_bits *out, const stark_params *p,
                         const air_machine *m, const unsigned *log_heights)
{
    memset(out, 0, sizeof *out);
    stark_security_shape s;
    FORWARD_IF_ERROR(stark_security_shape_of(&s, p, m, log_heights));
    return stark_security_eval(out, &s, 0);
}

cairn_err stark_params_fit_queries(stark_params *p, stark_security_bits *out, const air_machine *m,
                                   const unsigned *log_heights, double bound)
{
    stark_security_bits sec;
    stark_security_shape s;
    FORWARD_IF_ERROR(shape_of(&s, p, m, log_heights, 0));
    if (bound <= 0) {
        FORWARD_IF_ERROR(stark_security_eval(&sec, &s, 0));
        if (out) *out = sec;
        return CAIRN_OK;
    }
    /* the proven bound grows with the queries (only the query round
     * depends on them, and each of its candidates only gains): the first
     * count that reaches it is the fewest, found by bisection */
    s.queries = STARK_MAX_QUERIES;
    FORWARD_IF_ERROR(stark_security_eval(&sec, &s, 0));
    if (sec.proven >= bound) {
        unsigned lo = 1, hi = STARK_MAX_QUERIES; /* hi reaches it */
        while (lo < hi) {
            unsigned mid = lo + (hi - lo) / 2;
            s.queries = mid;
            FORWARD_IF_ERROR(stark_security_eval(&sec, &s, 0));
            if (sec.proven >= bound) hi = mid;
            else lo = mid + 1;
        }
        s.queries = lo;
        FORWARD_IF_ERROR(stark_security_eval(&sec, &s, 0));
        p->queries = lo;
        if (out) *out = sec;
        return CAIRN_OK;
    }
    return cairn_fail(CAIRN_ERR_USAGE,
                      "stark: no query count reaches %.1f proven bits (%.1f at %d queries) with "
                      "blowup 2^%u and %u bits of grinding",
                      bound, sec.proven, STARK_MAX_QUERIES, p->log_blowup, p->pow_bits);
}
