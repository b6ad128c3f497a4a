/* The prover's working memory, sized before proving (stark.h
 * stark_prove_mem, stark_pk_mem): a worker states what a task needs, and
 * a rank that cannot hold it says so before it starts instead of being
 * killed by the kernel's out-of-memory killer half-way through.
 *
 * A model of prover.c's buffers, phase by phase, in the order it makes
 * them: what is alive at the high point of each phase, the largest of
 * those. Buffers that are trimmed (stark_huge_trim: the pages past the
 * kept blocks go back to the system) count at their kept size from the
 * trim on. Small allocations (per-thread blocks, challenges, the query
 * indices) are left out: they are kilobytes against the gigabytes of the
 * LDEs. tests/vm/test_rv_prove_mem.c (segment proofs at several sizes
 * and presets) and tests/recursion/test_rc_fold_mem.c (lifts and a join)
 * check this figure, through the figures built on it, against the
 * resident memory the proofs took; a change to the prover's buffers that
 * this model misses fails there. */
#include <stddef.h>
#include <stdint.h>

#include "stark.h"
#include "stark_internal.h"

/* bytes of 2^log_rows x cols field elements (the model's sizes are far
 * below SIZE_MAX for every shape stark_shape_init accepts: heights
 * <= 2^(26 + 6), widths below 2^16) */
static size_t mat(unsigned log_rows, size_t cols) { return ((size_t)cols << log_rows) * sizeof(gl_t); }

/* a Merkle tree over leaves of 2^log_h rows: 2H - 1 digests (mt.c) */
static size_t tree(unsigned log_h) { return (((size_t)2 << log_h) - 1) * sizeof(p2_digest); }

static size_t max2(size_t a, size_t b) { return a > b ? a : b; }

/* resident bytes of one buffer from stark_huge_alloc: from 2 MiB on it is
 * advised onto transparent huge pages, which the kernel backs whole
 * (hugemem.c); a dozen tables with several buffers each make this tens of
 * MiB at small heights */
static size_t hb(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    return bytes < huge ? bytes : (bytes + huge - 1) & ~(huge - 1);
}

size_t stark_pk_mem(const stark_pk *pk) { return stark_vk_pk_mem(&pk->vk); }

size_t stark_vk_pk_mem(const stark_vk *vk)
{
    const air_machine *m = vk->m;
    const unsigned lb = vk->p.log_blowup;
    size_t bytes = 0;
    unsigned hmax = 0;
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        if (!tb->npre) continue;
        /* the machine's preprocessed columns, their LDE in the key */
        bytes += mat(tb->pre_log_n, tb->npre) + mat(tb->pre_log_n + lb, tb->npre);
        if (tb->pre_log_n + lb > hmax) hmax = tb->pre_log_n + lb;
    }
    return bytes ? bytes + tree(hmax) : 0;
}

size_t stark_traces_mem(const air_machine *m, const unsigned *log_heights)
{
    size_t bytes = 0;
    for (unsigned t = 0; t < m->ntables; t++) bytes += mat(log_heights[t], m->tables[t]->nmain);
    return bytes;
}

size_t stark_prove_mem(const stark_pk *pk, const unsigned *log_heights)
{
    return stark_vk_prove_mem(&pk->vk, log_heights);
}

size_t stark_vk_prove_mem(const stark_vk *vk, const unsigned *log_heights)
{
    stark_shape sh;
    if (stark_shape_init(&sh, vk, log_heights) != CAIRN_OK) return SIZE_MAX;
    const stark_shape *s = &sh;
    const unsigned lb = s->log_b, kb = stark_keep_log(s);
    const unsigned queries = vk->p.queries;
    size_t peak = 0, live;

    /* the proof's arrays (alive from the start) and, at the end, its
     * bytes: about as large again */
    const size_t proof = (size_t)queries * (s->q_rows * sizeof(gl_t) + s->q_paths * sizeof(p2_digest) +
                                            s->q_fri_vals * sizeof(gl3_t) + s->q_fri_paths * sizeof(p2_digest)) +
                         s->nopen * sizeof(gl3_t) + (((size_t)1 << s->log_final) * sizeof(gl3_t));
    live = proof;

    /* main LDEs whole, then their tree; trimmed after the commitment */
    unsigned rows_log[2][AIR_MAX_TABLES] = {{0}};
    size_t main_kept = 0;
    for (unsigned t = 0; t < s->ntables; t++) {
        const size_t w = s->w[TREE_MAIN][t];
        if (!w) continue;
        live += hb(mat(s->log_n[t] + lb, w));
        rows_log[0][t] = s->log_n[t] + lb;
    }
    if (s->tree_nmats[TREE_MAIN]) live += hb(tree(s->tree_log_h[TREE_MAIN]));
    peak = max2(peak, live);
    for (unsigned t = 0; t < s->ntables; t++) {
        const size_t w = s->w[TREE_MAIN][t];
        if (!w) continue;
        if (stark_trimmed(s, TREE_MAIN, t, rows_log[0][t])) {
            live -= hb(mat(rows_log[0][t], w)) - mat(s->log_n[t] + kb, w);
            rows_log[0][t] = s->log_n[t] + kb;
        }
        main_kept += mat(rows_log[0][t], w);
    }

    /* LogUp: the tallest tables' columns in their kept blocks (the other
     * blocks go through one scratch block each), the others whole */
    if (vk->has_lu) {
        const unsigned HL = s->tree_log_h[TREE_LU];
        size_t scratch = 0;
        for (unsigned t = 0; t < s->ntables; t++) {
            const size_t W = s->w[TREE_LU][t];
            if (!W) continue;
            const int tall = s->log_n[t] + lb == HL;
            const unsigned kt = tall && stark_trimmed(s, TREE_LU, t, s->log_n[t] + lb) ? kb : lb;
            rows_log[1][t] = s->log_n[t] + kt;
            live += hb(mat(rows_log[1][t], W));
            if (kt < lb) scratch += hb(mat(s->log_n[t], W));
        }
        if (s->tree_nmats[TREE_LU]) live += hb(tree(HL));
        peak = max2(peak, live + scratch);
        for (unsigned t = 0; t < s->ntables; t++) {
            const size_t W = s->w[TREE_LU][t];
            if (!W || !stark_trimmed(s, TREE_LU, t, rows_log[1][t])) continue;
            live -= hb(mat(rows_log[1][t], W)) - mat(s->log_n[t] + kb, W);
            rows_log[1][t] = s->log_n[t] + kb;
        }
    }

    /* quotient: the LDEs of every height's quotient first (prover.c: the
     * tables of a height add to one, stark_shape.qlead); then table by
     * table, while it is evaluated, the evaluation points and values on
     * 2^qlog blocks, and the main and LogUp blocks past the kept ones,
     * rebuilt */
    for (unsigned t = 0; t < s->ntables; t++) live += hb(mat(s->log_n[t] + lb, s->w[TREE_Q][t]));
    for (unsigned t = 0; t < s->ntables; t++) {
        const unsigned n = s->log_n[t];
        const size_t nq = (size_t)1 << vk->qlog[t], Q = (size_t)1 << (n + vk->qlog[t]);
        const size_t wm = s->w[TREE_MAIN][t], wl = s->w[TREE_LU][t];
        const size_t km = wm ? (size_t)1 << (rows_log[0][t] - n) : nq;
        const size_t kl = wl ? (size_t)1 << (rows_log[1][t] - n) : nq;
        /* the preprocessed LDE has 2^lb blocks: more for a quotient
         * domain larger than the LDE */
        const size_t kp = (size_t)1 << lb, wp = vk->m->tables[t]->npre;
        size_t um, ul, up;
        stark_quotient_blocks(vk, t, &um, &ul, &up);
        const size_t more = (((km < um ? um - km : 0) * wm + (kl < ul ? ul - kl : 0) * wl +
                              (kp < up ? up - kp : 0) * wp)
                             << n) *
                            sizeof(gl_t);
        /* a split quotient keeps the low part's values on the LDE's points */
        const size_t qlo = vk->qsplit[t] ? hb(((size_t)1 << (n + vk->qlo_log[t])) * sizeof(gl3_t)) : 0;
        peak = max2(peak, live + 3 * hb(Q * sizeof(gl_t)) + hb(Q * sizeof(gl3_t)) + qlo + hb(more));
    }
    /* the LogUp LDEs kept whole for the quotient are trimmed after it */
    for (unsigned t = 0; t < s->ntables; t++) {
        const size_t w = s->w[TREE_LU][t];
        if (!w || !stark_trimmed_after_quotient(s, TREE_LU, t, rows_log[1][t])) continue;
        live -= hb(mat(rows_log[1][t], w)) - mat(s->log_n[t] + kb, w);
        rows_log[1][t] = s->log_n[t] + kb;
    }
    live += hb(tree(s->tree_log_h[TREE_Q]));
    peak = max2(peak, live);

    /* openings: weights over the tallest trace */
    size_t nmax = 0;
    for (unsigned t = 0; t < s->ntables; t++) nmax = max2(nmax, (size_t)1 << s->log_n[t]);
    peak = max2(peak, live + 2 * hb(nmax * sizeof(gl3_t)) + hb(nmax * sizeof(gl_t)));

    /* DEEP codewords, one per LDE height (kept for FRI), each made through
     * two 8-column buffers */
    for (unsigned h = 0; h <= s->log_l0; h++) {
        unsigned log_n = 0;
        int any = 0;
        for (unsigned t = 0; t < s->ntables; t++)
            if (s->log_n[t] + lb == h) any = 1, log_n = s->log_n[t];
        if (!any) continue;
        live += hb(((size_t)1 << h) * sizeof(gl3_t));
        peak = max2(peak, live + hb(mat(log_n, STARK_DEEP_COLS)) + hb(mat(h, STARK_DEEP_COLS)));
    }

    /* FRI: each layer's tree and folded codeword stay, the fold goes
     * through one more buffer of the folded size */
    unsigned h = s->log_l0;
    for (unsigned l = 0; l < s->nlayers; l++) {
        const unsigned k = s->layer_arity[l];
        live += hb(tree(h - k)) + hb(((size_t)1 << (h - 1)) * sizeof(gl3_t));
        peak = max2(peak, live + hb(((size_t)1 << (h - 1)) * sizeof(gl3_t)));
        h -= k;
    }

    /* queries: the rows of LDEs kept whole as one block are rebuilt in a
     * buffer of their trace's size; then the proof's bytes */
    for (int k = 0; k < 2; k++)
        for (unsigned t = 0; t < s->ntables; t++) {
            const size_t w = s->w[k == 0 ? TREE_MAIN : TREE_LU][t];
            if (w && rows_log[k][t] - s->log_n[t] < 1) peak = max2(peak, live + hb(mat(s->log_n[t], w)));
        }
    /* the bytes are at most the arrays again and the path bitmap; the
     * writer's plan of the path slots (stark/proof.c path_plan) takes two
     * u32 and two 16-byte sort entries per slot */
    const size_t slots = (size_t)queries * (s->q_paths + s->q_fri_paths);
    return max2(peak, live + proof + slots / 8 + 1 + slots * (2 * sizeof(uint32_t) + 32));
}
