/* The prover (protocol in stark.h). Expressions are evaluated node by node
 * over blocks of rows with the vectorised field operations of gl.h. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "fri.h"
#include "hugemem.h"
#include "ntt.h"
#include "stark_internal.h"

#define BLK 64 /* rows per evaluation block */

static _Thread_local stark_prove_stats last_stats;
const stark_prove_stats *stark_last_prove_stats(void) { return &last_stats; }

/* ---- lazily reduced dot products ----
 * Sums of many 128-bit products a*b (a, b < p) kept as s + c * 2^128, and
 * reduced once at the end with 2^128 = -2^32 (mod p) (since 2^64 = 2^32 - 1
 * and 2^96 = -1). */
typedef struct {
    unsigned __int128 s;
    uint64_t c;
} lacc;

static inline void lacc_mad(lacc *a, gl_t x, gl_t y)
{
    unsigned __int128 p = (unsigned __int128)x * y;
    a->s += p;
    a->c += a->s < p;
}

static inline gl_t lacc_reduce(const lacc *a)
{
    gl_t r = gl_reduce128(a->s);
    return gl_add(r, gl_mul(gl_from_u64(a->c), GL_P - (1ull << 32)));
}

/* ---- block evaluation of a table's DAG ---- */
typedef struct {
    const gl_t *pre;
    unsigned pre_w;
    const gl_t *main;
    unsigned main_w;
    const gl_t *pub;
} ev_src;

/* v: nnodes x B values; row/nrow: matrix rows of the current and next row;
 * sel: 3 x B selector values (first, last, transition). Evaluates the
 * nodes list[0..nlist) (ascending), or every node if list is NULL. */
static void eval_block(const air_table *t, gl_t *v, size_t B, const ev_src *s, const size_t *row,
                       const size_t *nrow, const gl_t *sel, const uint32_t *list, size_t nlist)
{
    static const gl_t zeros[BLK];
    const size_t cnt = list ? nlist : t->nnodes;
    for (size_t li = 0; li < cnt; li++) {
        const size_t i = list ? list[li] : li;
        const air_node *n = &t->nodes[i];
        gl_t *o = v + i * B;
        switch (n->op) {
        case AIR_CONST:
            for (size_t j = 0; j < B; j++) o[j] = n->c;
            break;
        case AIR_COL: {
            const gl_t *m = n->kind == AIR_PRE ? s->pre : s->main;
            size_t w = n->kind == AIR_PRE ? s->pre_w : s->main_w;
            const size_t *r = n->offset ? nrow : row;
            for (size_t j = 0; j < B; j++) o[j] = m[r[j] * w + n->a];
            break;
        }
        case AIR_PUB:
            for (size_t j = 0; j < B; j++) o[j] = s->pub[n->a];
            break;
        case AIR_SEL: memcpy(o, sel + (size_t)n->kind * B, B * sizeof *o); break;
        case AIR_ADD: gl_vec_add(o, v + (size_t)n->a * B, v + (size_t)n->b * B, B); break;
        case AIR_SUB: gl_vec_sub(o, v + (size_t)n->a * B, v + (size_t)n->b * B, B); break;
        case AIR_MUL: gl_vec_mul(o, v + (size_t)n->a * B, v + (size_t)n->b * B, B); break;
        case AIR_NEG: gl_vec_sub(o, zeros, v + (size_t)n->a * B, B); break;
        default: memset(o, 0, B * sizeof *o); break;
        }
    }
}

/* ---- fingerprints with the powers of alpha computed once ---- */
typedef struct {
    gl3_t beta;
    gl3_t pw[AIR_MAX_TUPLE]; /* alpha^(k+1) */
} fpk;

static void fpk_init(fpk *f, gl3_t alpha, gl3_t beta)
{
    f->beta = beta;
    f->pw[0] = alpha;
    for (unsigned k = 1; k < AIR_MAX_TUPLE; k++) f->pw[k] = gl3_mul(f->pw[k - 1], alpha);
}

/* stark_fingerprint(alpha, beta, bus, tuple of row j) of interaction it
 * of table t for the B rows of a block at once, column by column with the
 * vector field operations (v: DAG values, node-major as eval_block leaves
 * them), into out in structure of arrays (gl.h), component stride s.
 * Constant tuple elements (range widths, tags, the zeros that pad a
 * tuple) go into the fingerprint's constant term once instead of a pass
 * over the block each. Field arithmetic is exact, so the bits agree with
 * the row-by-row sum; tests/stark/test_stark_lu.c checks it. */
static void fpk_eval_block(const fpk *f, gl_t *out, size_t s, const air_table *t, const air_interaction *it,
                           const gl_t *v, size_t B)
{
    gl3_t c = gl3_add_base(f->beta, gl_from_u64(it->bus));
    for (unsigned e = 0; e < it->len; e++) {
        const air_node *nd = &t->nodes[it->tuple[e]];
        if (nd->op == AIR_CONST) c = gl3_add(c, gl3_mul_base(f->pw[e], nd->c));
    }
    for (size_t j = 0; j < B; j++) {
        out[j] = c.c[0];
        out[s + j] = c.c[1];
        out[2 * s + j] = c.c[2];
    }
    for (unsigned e = 0; e < it->len; e++)
        if (t->nodes[it->tuple[e]].op != AIR_CONST)
            gl3_vec_mad_base(out, f->pw[e], v + (size_t)it->tuple[e] * B, B, s);
}

/* gl3_batch_inv in place with the caller's scratch of n elements (no
 * allocation: callable in a parallel region); zero maps to zero. */
static void batch_inv3(gl3_t *a, size_t n, gl3_t *pre)
{
    if (n == 0) return;
    gl3_t acc = gl3_one(), zero = gl3_zero();
    for (size_t i = 0; i < n; i++) {
        pre[i] = acc;
        if (!gl3_eq(a[i], zero)) acc = gl3_mul(acc, a[i]);
    }
    gl3_t inv = gl3_inv(acc);
    for (size_t i = n; i-- > 0;) {
        gl3_t x = a[i];
        if (!gl3_eq(x, zero)) {
            a[i] = gl3_mul(inv, pre[i]);
            inv = gl3_mul(inv, x);
        }
    }
}

static void batch_inv1(gl_t *a, size_t n, gl_t *pre)
{
    if (n == 0) return;
    gl_t acc = 1;
    for (size_t i = 0; i < n; i++) {
        pre[i] = acc;
        if (a[i]) acc = gl_mul(acc, a[i]);
    }
    gl_t inv = gl_inv(acc);
    for (size_t i = n; i-- > 0;) {
        gl_t x = a[i];
        if (x) {
            a[i] = gl_mul(inv, pre[i]);
            inv = gl_mul(inv, x);
        }
    }
}

/* Batch inversions of long arrays, in place and in parallel: chunks of
 * INV_CHUNK elements each pay one inversion, with scratch on the stack. */
#define INV_CHUNK 1024
static void par_batch_inv3(gl3_t *a, size_t n)
{
    size_t nch = (n + INV_CHUNK - 1) / INV_CHUNK;
#pragma omp parallel for schedule(static) if (nch > 4)
    for (size_t c = 0; c < nch; c++) {
        gl3_t pre[INV_CHUNK];
        size_t lo = c * INV_CHUNK, len = n - lo < INV_CHUNK ? n - lo : INV_CHUNK;
        batch_inv3(a + lo, len, pre);
    }
}

static void par_batch_inv1(gl_t *a, size_t n)
{
    size_t nch = (n + INV_CHUNK - 1) / INV_CHUNK;
#pragma omp parallel for schedule(static) if (nch > 4)
    for (size_t c = 0; c < nch; c++) {
        gl_t pre[INV_CHUNK];
        size_t lo = c * INV_CHUNK, len = n - lo < INV_CHUNK ? n - lo : INV_CHUNK;
        batch_inv1(a + lo, len, pre);
    }
}

/* ---- LogUp columns on the trace domain ----
 * Blocks of BLK rows go to the threads; a block evaluates only the DAG
 * nodes its interactions use, inverts its fingerprints in one batch,
 * writes its helper columns and its running sum counted from zero, and
 * records its total. The running sums are then offset by the exclusive
 * prefix sums of the block totals (a parallel prefix sum), so memory is
 * per thread and per block, not per interaction and row. */

cairn_err stark_lu_columns(gl_t *lu, gl3_t *sum, const struct stark_vk *vk, unsigned ti,
                           const gl_t *pre, const gl_t *main, unsigned log_n, const gl_t *pub,
                           gl3_t lu_alpha, gl3_t lu_beta)
{
    const air_table *t = vk->m->tables[ti];
    const size_t n = (size_t)1 << log_n, ni = t->nints, G = vk->ngroups[ti], W = 3 * G;
    const size_t nblk = (n + BLK - 1) / BLK;
    size_t nlist = 0;
    uint32_t *list = air_nodes_read(t, 1, 0, &nlist);
    gl3_t *tot = cairn_malloc_array(nblk, sizeof *tot);
    if (!list || !tot) {
        free(list);
        free(tot);
        return cairn_fail_nomem(nblk * sizeof *tot + t->nnodes * sizeof *list,
                                "stark: out of memory for the LogUp block sums of table %s", t->name);
    }
    fpk fk;
    fpk_init(&fk, lu_alpha, lu_beta);
    ev_src src = {pre, t->npre, main, t->nmain, pub};
    int oom = 0;
#pragma omp parallel if (nblk > 1)
    {
        gl_t *v = cairn_malloc_array(t->nnodes * BLK, sizeof *v);
        /* fractions (structure of arrays, stride BLK * ni: interaction k,
         * row j at k * B + j), then the inversion's scratch */
        gl_t *fp = cairn_malloc_array(3 * BLK * ni + GL3_BATCH_INV_SCRATCH(BLK * ni), sizeof *fp);
        gl_t *mult = cairn_malloc_array(BLK * (ni + 7), sizeof *mult); /* then h, tmp, row totals */
        if (!v || !fp || !mult) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (size_t bi = 0; bi < nblk; bi++) {
            if (!v || !fp || !mult) continue;
            const size_t b0 = bi * BLK, B = n - b0 < BLK ? n - b0 : BLK, fs = B * ni;
            size_t row[BLK], nrow[BLK];
            gl_t sel[3 * BLK];
            for (size_t j = 0; j < B; j++) {
                row[j] = b0 + j;
                nrow[j] = (b0 + j + 1) & (n - 1);
                sel[j] = b0 + j == 0;
                sel[B + j] = b0 + j == n - 1;
                sel[2 * B + j] = b0 + j != n - 1;
            }
            eval_block(t, v, B, &src, row, nrow, sel, list, nlist);
            for (size_t k = 0; k < ni; k++) {
                const air_interaction *it = &t->ints[k];
                const gl_t *m = v + (size_t)it->mult * B;
                fpk_eval_block(&fk, fp + k * B, fs, t, it, v, B);
                if (it->dir == AIR_SEND) memcpy(mult + k * B, m, B * sizeof *m);
                else
                    for (size_t j = 0; j < B; j++) mult[k * B + j] = gl_neg(m[j]);
            }
            gl3_vec_batch_inv(fp, fs, fs, fp + 3 * fs);
            /* helpers of groups 0..G-2; column G-1 gets the running sum
             * of the row totals before the row (exclusive, from zero in
             * the block): the offsets below make it sum_{i<r} (T_i - S/n) */
            gl_t *h = mult + BLK * ni, *tmp = h + 3 * BLK;
            gl3_t run = gl3_zero();
            for (size_t g = 0; g < G; g++) {
                for (unsigned e = 0; e < vk->group_size[ti][g]; e++) {
                    const size_t k = vk->group_first[ti][g] + e;
                    for (int c = 0; c < 3; c++) {
                        gl_t *hc = h + c * B;
                        gl_vec_mul(e ? tmp : hc, fp + c * fs + k * B, mult + k * B, B);
                        if (e) gl_vec_add(hc, hc, tmp, B);
                    }
                }
                if (g + 1 < G)
                    for (size_t j = 0; j < B; j++)
                        for (int c = 0; c < 3; c++) lu[(b0 + j) * W + 3 * g + c] = h[c * B + j];
                /* the row totals, summed over the groups */
                if (g == 0) memcpy(tmp + B, h, 3 * B * sizeof *h);
                else
                    for (int c = 0; c < 3; c++) gl_vec_add(tmp + B + c * B, tmp + B + c * B, h + c * B, B);
            }
            const gl_t *rt = tmp + B;
            for (size_t j = 0; j < B; j++) {
                gl_t *rw = lu + (b0 + j) * W + 3 * (G - 1);
                memcpy(rw, run.c, sizeof run.c);
                run = gl3_add(run, (gl3_t){{rt[j], rt[B + j], rt[2 * B + j]}});
            }
            tot[bi] = run;
        }
        free(v);
        free(fp);
        free(mult);
    }
    if (oom) {
        free(list);
        free(tot);
        return cairn_fail_nomem((t->nnodes + 7 * ni) * BLK * sizeof(gl_t),
                                "stark: out of memory for the LogUp evaluation of table %s (per thread)",
                                t->name);
    }
    /* exclusive prefix sums of the block totals, then the offsets */
    gl3_t run = gl3_zero();
    for (size_t bi = 0; bi < nblk; bi++) {
        gl3_t x = tot[bi];
        tot[bi] = run;
        run = gl3_add(run, x);
    }
    *sum = run;
    /* row r: block offset + in-block sum - r S/n (so that s' - s = T_r -
     * S/n on every row, cyclically: row n wraps to s_0 = 0) */
    const gl3_t per_row = gl3_mul_base(run, gl_inv(gl_from_u64(n)));
#pragma omp parallel for schedule(static) if (n >= 4096)
    for (size_t bi = 0; bi < nblk; bi++) {
        const size_t b0 = bi * BLK, B = n - b0 < BLK ? n - b0 : BLK;
        gl3_t off = gl3_sub(tot[bi], gl3_mul_base(per_row, gl_from_u64(b0)));
        for (size_t j = 0; j < B; j++) {
            gl_t *s = lu + (b0 + j) * W + 3 * (G - 1);
            for (int c = 0; c < 3; c++) s[c] = gl_add(s[c], off.c[c]);
            off = gl3_sub(off, per_row);
        }
    }
    free(list);
    free(tot);
    return CAIRN_OK;
}

/* out[i] = base * r^i, i < n, in parallel chunks. */
static void powers(gl_t *out, size_t n, gl_t base, gl_t r)
{
    const size_t chunk = 4096, nch = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (nch > 4)
    for (size_t c = 0; c < nch; c++) {
        size_t lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;
        gl_t x = gl_mul(base, gl_exp(r, lo));
        for (size_t i = lo; i < hi; i++) {
            out[i] = x;
            x = gl_mul(x, r);
        }
    }
}

/* dst[i] = src[i], i < n, in parallel */
static void par_copy(gl_t *dst, const gl_t *src, size_t n)
{
    const size_t chunk = (size_t)1 << 16, nch = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (nch > 1)
    for (size_t c = 0; c < nch; c++) {
        size_t lo = c * chunk, len = n - lo < chunk ? n - lo : chunk;
        memcpy(dst + lo, src + lo, len * sizeof *dst);
    }
}

/* ---- LDE blocks recomputed from block 0 ----
 * Block y (rows y n .. y n + n - 1) of a bit-reversed LDE of blowup 2^lb
 * on s H' holds P on the coset s w_N^bitrev_lb(y) H in bit-reversed order
 * (N = n 2^lb). With g(u) = P(s u), whose coefficients come from block 0
 * (the inverse NTT of bit-reversed rows), block y is the bit-reversed coset transform
 * of g's coefficients with shift w_N^bitrev_lb(y). After their commitment
 * the prover keeps only block 0 of the main and LogUp LDEs and rebuilds
 * the other blocks where the quotient and the queries need them. */

static gl_t block_shift(unsigned log_n, unsigned lb, size_t y)
{
    return gl_exp(gl_root_of_unity(log_n + lb), stark_bitrev((uint32_t)y, lb));
}

/* out (nb - y0 blocks of n x cols): blocks y0 .. nb-1 (y0 >= 1) from blk0. */
static cairn_err lde_blocks(gl_t *out, const gl_t *blk0, unsigned log_n, size_t cols, unsigned lb,
                            size_t y0, size_t nb)
{
    const size_t n = (size_t)1 << log_n, sz = n * cols;
    if (y0 >= nb || cols == 0) return CAIRN_OK;
    gl_t *coef = out + (nb - 1 - y0) * sz;
    par_copy(coef, blk0, sz);
    FORWARD_IF_ERROR(ntt_inverse_batch_bitrev(coef, log_n, cols));
    for (size_t y = y0; y + 1 < nb; y++)
        FORWARD_IF_ERROR(ntt_coset_forward_bitrev_from(out + (y - y0) * sz, coef, log_n, cols, block_shift(log_n, lb, y),
                                                       NULL, 0));
    return ntt_coset_forward_batch_bitrev(coef, log_n, cols, block_shift(log_n, lb, nb - 1));
}

/* out[q] (cols elements each) = row rows[q] (< n 2^lb) of the LDE whose
 * first `keep` blocks are in blk0; blk0 is overwritten (block 0 by g's
 * coefficients, block 1 serves as the work block). */
static cairn_err lde_rows(gl_t *out, gl_t *blk0, unsigned log_n, size_t cols, unsigned lb, size_t keep,
                          const size_t *rows, size_t nrows)
{
    const size_t n = (size_t)1 << log_n, nb = (size_t)1 << lb;
    int later = 0;
    for (size_t q = 0; q < nrows; q++) {
        if (rows[q] < keep * n) memcpy(out + q * cols, blk0 + rows[q] * cols, cols * sizeof *out);
        else later = 1;
    }
    if (!later || cols == 0) return CAIRN_OK;
    gl_t *own = keep >= 2 ? NULL : stark_huge_alloc_array(n, cols * sizeof *own);
    gl_t *buf = keep >= 2 ? blk0 + n * cols : own;
    size_t *in = cairn_malloc_array(nrows, sizeof *in);
    if (!buf || !in) {
        stark_huge_free(own);
        free(in);
        return cairn_fail_nomem(n * cols * sizeof *buf, "stark: out of memory for an LDE block (queries)");
    }
    cairn_err err = ntt_inverse_batch_bitrev(blk0, log_n, cols);
    for (size_t y = keep; y < nb && err == CAIRN_OK; y++) {
        size_t cnt = 0;
        for (size_t q = 0; q < nrows; q++)
            if (rows[q] / n == y) in[cnt++] = rows[q] - y * n;
        if (!cnt) continue;
        err = ntt_coset_forward_bitrev_from(buf, blk0, log_n, cols, block_shift(log_n, lb, y), in, cnt);
        for (size_t q = 0; q < nrows && err == CAIRN_OK; q++)
            if (rows[q] / n == y) memcpy(out + q * cols, buf + (rows[q] - y * n) * cols, cols * sizeof *out);
    }
    stark_huge_free(own);
    free(in);
    return err;
}

/* ---- quotient ---- */
typedef struct {
    const struct stark_vk *vk;
    const stark_shape *s;
    const gl_t *pub;
    gl3_t alpha, lu_alpha, lu_beta;
    fpk fk; /* fingerprints with lu_alpha, lu_beta */
} qctx;

/* LogUp constraints of one block of the quotient domain (logup_impl.h),
 * over its B rows at once: an extension value is a slot of 3 B elements
 * of the context's arena (structure of arrays, stride B), a DAG value
 * the pointer to its B values, and every operation one call of the
 * vector field operations (gl.h) over the block. Values are never freed
 * within a block: the arena holds PLU_SLOTS(G, ni) slots, more than the
 * template allocates (per group at most 7, and 5 per interaction: its
 * negated multiplicity and the products of a larger group; 4 more). */
#define PLU_SLOTS(G, ni) (8 * (size_t)(G) + 6 * (size_t)(ni) + 8)
typedef struct {
    const gl_t *v;              /* DAG values of the block, node-major: v[node * B + j] */
    size_t B;
    const gl_t *lu;             /* LogUp LDE block, luw elements per row */
    size_t luw;
    const size_t *row, *nrow;   /* LDE rows of the block's points and of the next points */
    const gl_t *fpb;            /* fingerprints: interaction k at fpb + 3 B k */
    const gl_t *sum_row;        /* terminal sum / n, broadcast (a slot) */
    const gl3_t *apw;           /* alpha powers */
    gl_t *acc;                  /* combined constraint, 3 B */
    gl_t *arena;
    size_t used, cap;
} plu;

static const gl_t plu_zeros[BLK];

static gl_t *plu_slot(plu *l)
{
    assert(l->used < l->cap);
    return l->arena + 3 * l->B * l->used++;
}

static gl_t *plu_add(plu *l, const gl_t *a, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    gl_vec_add(r, a, b, 3 * l->B);
    return r;
}

static gl_t *plu_sub(plu *l, const gl_t *a, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    gl_vec_sub(r, a, b, 3 * l->B);
    return r;
}

static gl_t *plu_mul(plu *l, const gl_t *a, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    gl3_vec_mul(r, a, b, l->B, l->B);
    return r;
}

static gl_t *plu_mul_b(plu *l, const gl_t *e, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    for (int c = 0; c < 3; c++) gl_vec_mul(r + c * l->B, e + c * l->B, b, l->B);
    return r;
}

static gl_t *plu_from_b(plu *l, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    memcpy(r, b, l->B * sizeof *r);
    memset(r + l->B, 0, 2 * l->B * sizeof *r);
    return r;
}

static const gl_t *plu_neg(plu *l, const gl_t *b)
{
    gl_t *r = plu_slot(l);
    gl_vec_sub(r, plu_zeros, b, l->B);
    return r;
}

static gl_t *plu_helper(plu *l, unsigned g, int next)
{
    gl_t *r = plu_slot(l);
    const size_t *rows = next ? l->nrow : l->row;
    for (size_t j = 0; j < l->B; j++) {
        const gl_t *x = l->lu + rows[j] * l->luw + 3 * g;
        r[j] = x[0];
        r[l->B + j] = x[1];
        r[2 * l->B + j] = x[2];
    }
    return r;
}

/* acc += alpha^k e */
static void plu_emit(plu *l, size_t k, const gl_t *e)
{
    gl_t *r = plu_slot(l);
    for (int c = 0; c < 3; c++)
        for (size_t j = 0; j < l->B; j++) r[c * l->B + j] = l->apw[k].c[c];
    gl3_vec_mul(r, r, e, l->B, l->B);
    gl_vec_add(l->acc, l->acc, r, 3 * l->B);
}

#define LU_FN(name) p_##name
#define LU_CTX plu *
#define LU_E gl_t *
#define LU_B const gl_t *
#define LU_E_ADD(l, a, b) plu_add((l), (a), (b))
#define LU_E_SUB(l, a, b) plu_sub((l), (a), (b))
#define LU_E_MUL(l, a, b) plu_mul((l), (a), (b))
#define LU_E_MUL_B(l, e, b) plu_mul_b((l), (e), (b))
#define LU_E_FROM_B(l, b) plu_from_b((l), (b))
#define LU_B_NEG(l, b) plu_neg((l), (b))
/* the block's fingerprints, computed before (fpk_eval_block); the tuple
 * logup_impl.h gathers is only pointers, unused */
static gl_t *plu_fp(const plu *l, size_t k, const gl_t *const *tup)
{
    (void)tup;
    return (gl_t *)l->fpb + 3 * l->B * k;
}

#define LU_FP(l, k, bus, tup, len) plu_fp((l), (k), (tup))
#define LU_VAL(l, node) ((l)->v + (size_t)(node) * (l)->B)
#define LU_HELPER(l, g, next) plu_helper((l), (g), (next))
#define LU_SUM_ROW(l) ((gl_t *)(l)->sum_row)
#define LU_EMIT(l, k, e) plu_emit((l), (k), (e))
#include "logup_impl.h"

/* Table ti's quotient: evaluations of its constraints, combined by
 * a0 alpha^k (k from 0), divided by Z_H on the quotient coset (first Q
 * rows of the bit-reversed LDEs of blowup max(2^lb, nq): blocks
 * 0 .. nq-1, given per block in pre_blk[y] (NULL without preprocessed
 * columns), main_blk[y] and lu_blk[y]), then chunk coefficients, added to
 * coef: the first n rows of its height's quotient matrix
 * (stark_shape.qlead), wout columns (column 3j+c = component c of chunk
 * j), in coefficient order. *next: the power after its last, for the
 * height's next table. */
static cairn_err quotient_table(const qctx *q, unsigned ti, const gl_t *const *pre_blk,
                                const gl_t *const *main_blk, const gl_t *const *lu_blk, gl3_t lu_sum,
                                gl3_t a0, gl3_t *next, gl_t *coef, size_t wout)
{
    const struct stark_vk *vk = q->vk;
    const air_table *t = vk->m->tables[ti];
    const unsigned log_n = q->s->log_n[ti], qlog = vk->qlog[ti], lq = log_n + qlog;
    const size_t n = (size_t)1 << log_n, Q = (size_t)1 << lq, nq = (size_t)1 << qlog;
    const size_t G = vk->ngroups[ti], luw = t->nints ? 3 * G : 0;
    /* Split by degree (stark_internal.h, qsplit): the high constraints on
     * every block, the rest (qlo) on the first nlo blocks, whose first Qlo
     * rows are the bit-reversed evaluations on the coset of Qlo points.
     * qsplit 1: the own constraints above the LDE's degree are high, the
     * LogUp constraints low; qsplit 2: the LogUp constraints high, every
     * own constraint low. */
    const int split = vk->qsplit[ti] != 0, lu_hi = vk->qsplit[ti] == 2;
    const unsigned llo = log_n + vk->qlo_log[ti];
    const size_t nlo = split ? (size_t)1 << vk->qlo_log[ti] : nq, Qlo = (size_t)1 << llo;
    const unsigned dhi = lu_hi ? UINT_MAX : stark_qhi_degree(vk);
    cairn_err err = CAIRN_OK;
    gl_t *xs = stark_huge_alloc_array(Q, sizeof *xs), *d1 = stark_huge_alloc_array(Q, sizeof *d1);
    gl_t *d2 = stark_huge_alloc_array(Q, sizeof *d2);
    gl3_t *qv = stark_huge_alloc_array(Q, sizeof *qv);
    gl3_t *qlo = split ? stark_huge_alloc_array(Qlo, sizeof *qlo) : NULL;
    size_t nh = 0;
    uint32_t *hlist = split ? air_nodes_read(t, lu_hi, dhi, &nh) : NULL;
    gl_t *alpha_pw = NULL;
    size_t ncomb = t->ncons + (t->nints ? G : 0);
    gl3_t *apw = cairn_malloc_array(ncomb + 1, sizeof *apw);
    if (!xs || !d1 || !d2 || !qv || !apw || (split && (!qlo || !hlist))) {
        err = cairn_fail_nomem(Q * (3 * sizeof *xs + sizeof *qv),
                               "stark: out of memory for the quotient of table %s", t->name);
        goto done;
    }
    {
        gl_t wq = gl_root_of_unity(lq), g = gl_root_of_unity(log_n), ginv = gl_inv(g);
        /* natural powers then bit-reversed placement */
        gl_t *pw = d1;
        powers(pw, Q, STARK_SHIFT, wq);
#pragma omp parallel for schedule(static) if (Q >= 4096)
        for (size_t i = 0; i < Q; i++) xs[i] = pw[stark_bitrev((uint32_t)i, lq)];
#pragma omp parallel for schedule(static) if (Q >= 4096)
        for (size_t i = 0; i < Q; i++) {
            d1[i] = gl_sub(xs[i], 1);
            d2[i] = gl_sub(xs[i], ginv);
        }
        par_batch_inv1(d1, Q);
        par_batch_inv1(d2, Q);
        /* Z_H(x) = x^n - 1 takes nq values: shift^n * w_nq^j - 1 */
        gl_t zh[8], zinv[8], sn = gl_exp(STARK_SHIFT, n), wnq = gl_root_of_unity(qlog);
        for (size_t j = 0; j < nq; j++) {
            zh[j] = gl_sub(gl_mul(sn, gl_exp(wnq, j)), 1);
            zinv[j] = gl_inv(zh[j]);
        }
        gl_t ninv = gl_inv(gl_from_u64(n));
        const gl3_t lu_row = gl3_mul_base(lu_sum, ninv);
        apw[0] = a0;
        for (size_t k = 1; k <= ncomb; k++) apw[k] = gl3_mul(apw[k - 1], q->alpha);
        *next = apw[ncomb];
        const size_t nch = (n + BLK - 1) / BLK;
        int oom = 0;
#pragma omp parallel
        {
            gl_t *v = cairn_malloc_array(t->nnodes * BLK, sizeof *v);
            gl_t *fpb = cairn_malloc_array(3 * t->nints * BLK + 1, sizeof *fpb);
            /* the terminal sum per row (broadcast), then the arena */
            gl_t *arena = cairn_malloc_array(3 * BLK * (PLU_SLOTS(G, t->nints) + 1), sizeof *arena);
            if (!v || !fpb || !arena) {
#pragma omp atomic write
                oom = 1;
            }
            /* rows of LDE block y (the first Q rows are blocks 0 .. nq-1);
             * the next row of a point x w_n stays in its block */
#pragma omp for schedule(dynamic, 4)
            for (size_t ci = 0; ci < nq * nch; ci++) {
                if (!v || !fpb || !arena) continue;
                const size_t y = ci / nch, off = y * n, b0 = off + (ci % nch) * BLK;
                const size_t B = off + n - b0 < BLK ? off + n - b0 : BLK;
                const ev_src src = {pre_blk[y], t->npre, main_blk[y], t->nmain, q->pub};
                size_t row[BLK], nrow[BLK];
                gl_t sel[3 * BLK], acc[3 * BLK], acch[3 * BLK];
                for (size_t j = 0; j < B; j++) {
                    size_t i = b0 + j;
                    uint32_t br = stark_bitrev((uint32_t)i, lq);
                    row[j] = i - off;
                    nrow[j] = stark_bitrev((uint32_t)((br + nq) & (Q - 1)), lq) - off;
                    gl_t z = zh[br & (nq - 1)];
                    gl_t zn = gl_mul(z, ninv);
                    sel[j] = gl_mul(zn, d1[i]);
                    sel[B + j] = gl_mul(gl_mul(zn, ginv), d2[i]);
                    sel[2 * B + j] = gl_sub(1, sel[B + j]);
                }
                /* past the LDE's blocks (split) only the high constraints */
                const int hi_only = y >= nlo;
                eval_block(t, v, B, &src, row, nrow, sel, hi_only ? hlist : NULL, nh);
                memset(acc, 0, sizeof acc);
                memset(acch, 0, sizeof acch);
                for (size_t k = 0; k < t->ncons; k++) {
                    const int hi = split && t->nodes[t->cons[k].e].degree >= dhi;
                    if (hi || !hi_only)
                        gl3_vec_mad_base(hi ? acch : acc, apw[k], v + (size_t)t->cons[k].e * B, B, B);
                }
                if (t->nints && (lu_hi || !hi_only)) {
                    for (size_t k = 0; k < t->nints; k++)
                        fpk_eval_block(&q->fk, fpb + 3 * k * B, B, t, &t->ints[k], v, B);
                    for (int c = 0; c < 3; c++)
                        for (size_t j = 0; j < B; j++) arena[c * B + j] = lu_row.c[c];
                    gl_t *lu_acc = lu_hi ? acch : acc;
                    plu l = {v, B, lu_blk[y], luw, row, nrow, fpb, arena, apw, lu_acc, arena + 3 * B, 0,
                             PLU_SLOTS(G, t->nints)};
                    p_logup_constraints(&l, vk, ti);
                }
                for (size_t j = 0; j < B; j++) {
                    gl3_t a = {{acc[j], acc[B + j], acc[2 * B + j]}};
                    gl3_t h = {{acch[j], acch[B + j], acch[2 * B + j]}};
                    uint32_t br = stark_bitrev((uint32_t)(b0 + j), lq);
                    gl_t zi = zinv[br & (nq - 1)];
                    if (!split) {
                        qv[b0 + j] = gl3_mul_base(a, zi);
                    } else {
                        qv[b0 + j] = gl3_mul_base(h, zi);
                        if (!hi_only) qlo[b0 + j] = gl3_mul_base(a, zi);
                    }
                }
            }
            free(v);
            free(fpb);
            free(arena);
        }
        if (oom) {
            err = cairn_fail_nomem((t->nnodes + 1) * BLK * sizeof(gl_t),
                                   "stark: out of memory evaluating the quotient of table %s (per thread)",
                                   t->name);
            goto done;
        }
    }
    /* natural order, inverse NTT on the coset: coefficients of q(shift*y) */
    ntt_bitrev_rows((gl_t *)qv, lq, 3);
    err = ntt_inverse_batch((gl_t *)qv, lq, 3);
    if (err == CAIRN_OK && split) {
        /* the low part: degree < Qlo, so its Qlo values give its
         * coefficients, which add to the high part's */
        ntt_bitrev_rows((gl_t *)qlo, llo, 3);
        err = ntt_inverse_batch((gl_t *)qlo, llo, 3);
        if (err == CAIRN_OK) {
#pragma omp parallel for schedule(static) if (Qlo >= 4096)
            for (size_t i = 0; i < Qlo; i++) qv[i] = gl3_add(qv[i], qlo[i]);
        }
    }
    if (err != CAIRN_OK) {
        err = cairn_prefix_error(err, "stark: quotient of table %s", t->name);
        goto done;
    }
    {
        gl_t sinv = gl_inv(STARK_SHIFT), pw = 1;
        for (size_t i = 0; i < Q; i++) {
            gl3_t cf = gl3_mul_base(qv[i], pw);
            pw = gl_mul(pw, sinv);
            size_t chunk = i >> log_n, r = i & (n - 1);
            gl_t *o = coef + r * wout + 3 * chunk;
            for (int c = 0; c < 3; c++) o[c] = gl_add(o[c], cf.c[c]);
        }
    }
done:
    stark_huge_free(xs);
    stark_huge_free(d1);
    stark_huge_free(d2);
    stark_huge_free(qv);
    stark_huge_free(qlo);
    free(hlist);
    free(apw);
    free(alpha_pw);
    return err;
}

/* ---- openings at an out-of-domain point ----
 * The first n = 2^log_n rows of a bit-reversed LDE on the coset s H' (any
 * blowup) are the evaluations on s H, H of order n, in bit-reversed order:
 * row r holds f(s u_r), u_r = w^bitrev(r) with w of order n. Barycentric
 * interpolation on that coset:
 *     f(z) = (y^n - 1)/n * sum_r u_r / (y - u_r) * f(s u_r),   y = z / s,
 * so every opening reads n rows of an LDE the prover keeps anyway (no
 * trace-domain copy of the LogUp columns or quotient coefficients). */

/* Weights c[r] = u_r / (y - u_r) of the rows of s H (above) for the point
 * z; returns the factor (y^n - 1)/n. wp: n elements of scratch. */
static gl3_t coset_weights(gl3_t *c, gl_t *wp, unsigned log_n, gl3_t z)
{
    const size_t n = (size_t)1 << log_n;
    const gl3_t y = gl3_mul_base(z, gl_inv(STARK_SHIFT));
    powers(wp, n, 1, gl_root_of_unity(log_n));
#pragma omp parallel for schedule(static) if (n >= 4096)
    for (size_t r = 0; r < n; r++) c[r] = gl3_sub(y, gl3_from_base(wp[stark_bitrev((uint32_t)r, log_n)]));
    par_batch_inv3(c, n);
#pragma omp parallel for schedule(static) if (n >= 4096)
    for (size_t r = 0; r < n; r++) c[r] = gl3_mul_base(c[r], wp[stark_bitrev((uint32_t)r, log_n)]);
    return gl3_mul_base(gl3_sub(gl3_exp(y, n), gl3_one()), gl_inv(gl_from_u64(n)));
}

/* Openings of the w columns of vals (the first n rows of an LDE) at one
 * point (c0, f0) or two (and c1, f1; c1 NULL for one): out0[k], out1[k]. */
static cairn_err open_rows(gl3_t *out0, gl3_t *out1, const gl_t *vals, size_t w, size_t n,
                           const gl3_t *c0, gl3_t f0, const gl3_t *c1, gl3_t f1)
{
    const size_t np = c1 ? 2 : 1;
    for (size_t k = 0; k < w; k++) {
        out0[k] = gl3_zero();
        if (c1) out1[k] = gl3_zero();
    }
    int oom = 0;
#pragma omp parallel if (n * w >= 4096)
    {
        lacc *acc = cairn_calloc(3 * np * w + 1, sizeof *acc);
        if (!acc) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
            if (!acc) continue;
            const gl_t *r = vals + i * w;
            const gl_t a0 = c0[i].c[0], a1 = c0[i].c[1], a2 = c0[i].c[2];
            if (c1) {
                const gl_t b0 = c1[i].c[0], b1 = c1[i].c[1], b2 = c1[i].c[2];
                for (size_t k = 0; k < w; k++) {
                    lacc *a = acc + 6 * k;
                    lacc_mad(&a[0], a0, r[k]);
                    lacc_mad(&a[1], a1, r[k]);
                    lacc_mad(&a[2], a2, r[k]);
                    lacc_mad(&a[3], b0, r[k]);
                    lacc_mad(&a[4], b1, r[k]);
                    lacc_mad(&a[5], b2, r[k]);
                }
            } else {
                for (size_t k = 0; k < w; k++) {
                    lacc *a = acc + 3 * k;
                    lacc_mad(&a[0], a0, r[k]);
                    lacc_mad(&a[1], a1, r[k]);
                    lacc_mad(&a[2], a2, r[k]);
                }
            }
        }
#pragma omp critical
        {
            if (acc)
                for (size_t k = 0; k < w; k++)
                    for (size_t p = 0; p < np; p++) {
                        const lacc *a = acc + 3 * (np * k + p);
                        gl3_t v = {{lacc_reduce(&a[0]), lacc_reduce(&a[1]), lacc_reduce(&a[2])}};
                        gl3_t *o = p ? &out1[k] : &out0[k];
                        *o = gl3_add(*o, v);
                    }
        }
        free(acc);
    }
    if (oom) /* a thread's rows were left out: the sums are wrong */
        return cairn_fail_nomem((3 * np * w + 1) * sizeof(lacc), "stark: out of memory opening columns (per thread)");
    for (size_t k = 0; k < w; k++) {
        out0[k] = gl3_mul(out0[k], f0);
        if (c1) out1[k] = gl3_mul(out1[k], f1);
    }
    return CAIRN_OK;
}

/* ---- the prover ---- */
typedef struct {
    gl_t *main_lde[AIR_MAX_TABLES], *lu_lde[AIR_MAX_TABLES], *q_lde[AIR_MAX_TABLES];
    /* main, LogUp: log2 of the rows each LDE buffer holds (all 2^(log_n +
     * log_b) until the commitment, then the kept blocks) */
    unsigned rows_log[NTREES][AIR_MAX_TABLES];
    uint32_t *qidx;                        /* query indices */
    gl_t *qrows[NTREES][AIR_MAX_TABLES];   /* main, LogUp: queried rows */
    mt_tree *tree[NTREES];
    gl3_t *ro[33];
    fri_prover fri;
    stark_proof pf;
} pstate;

static void pstate_free(pstate *ps)
{
    for (int t = 0; t < AIR_MAX_TABLES; t++) {
        stark_huge_free(ps->main_lde[t]);
        stark_huge_free(ps->lu_lde[t]);
        stark_huge_free(ps->q_lde[t]);
    }
    for (int k = 1; k < NTREES; k++) mt_free(ps->tree[k]);
    for (int k = 0; k < NTREES; k++)
        for (int t = 0; t < AIR_MAX_TABLES; t++) free(ps->qrows[k][t]);
    free(ps->qidx);
    fri_prover_free(&ps->fri);
    for (int h = 0; h < 33; h++) stark_huge_free(ps->ro[h]);
    stark_proof_free(&ps->pf);
}

/* Bytes of a 2^log_rows x cols matrix; log_rows <= 32 (checked by
 * stark_shape_init), so only the column count can make it overflow:
 * SIZE_MAX then, which no allocation satisfies. */
static size_t lde_bytes(unsigned log_rows, size_t cols)
{
    size_t b;
    return cairn_mul_size(&b, (size_t)1 << log_rows, cols) && cairn_mul_size(&b, b, sizeof(gl_t)) ? b
                                                                                                 : SIZE_MAX;
}

static cairn_err commit_tree(mt_tree **out, p2_digest *root, const stark_shape *s, int k,
                             gl_t *const *ldes)
{
    mt_matrix mats[AIR_MAX_TABLES];
    for (unsigned i = 0; i < s->tree_nmats[k]; i++) {
        unsigned t = s->tree_tab[k][i];
        mats[i] = (mt_matrix){ldes[t], (size_t)1 << (s->log_n[t] + s->log_b), s->w[k][t]};
    }
    FORWARD_IF_ERROR(mt_commit(out, mats, s->tree_nmats[k]));
    *root = mt_root(*out);
    return CAIRN_OK;
}

/* Openings of every table at zeta and g zeta (not the quotient's at g
 * zeta) from the first n rows of its LDEs; the weights are computed once
 * per table height. */
static cairn_err open_tables(pstate *ps, const stark_pk *pk, const stark_shape *s, gl3_t zeta)
{
    size_t nmax = 0;
    for (unsigned t = 0; t < s->ntables; t++)
        if (((size_t)1 << s->log_n[t]) > nmax) nmax = (size_t)1 << s->log_n[t];
    gl3_t *c0 = stark_huge_alloc_array(nmax, sizeof *c0), *c1 = stark_huge_alloc_array(nmax, sizeof *c1);
    gl_t *wp = stark_huge_alloc_array(nmax, sizeof *wp);
    cairn_err err = CAIRN_OK;
    if (!c0 || !c1 || !wp) {
        err = cairn_fail_nomem(nmax * (2 * sizeof *c0 + sizeof *wp), "stark: out of memory for the opening weights");
        goto done;
    }
    for (unsigned L = 0; L <= STARK_MAX_LOG_N && err == CAIRN_OK; L++) {
        int any = 0;
        for (unsigned t = 0; t < s->ntables; t++) any |= s->log_n[t] == L;
        if (!any) continue;
        const size_t n = (size_t)1 << L;
        const gl3_t gz = gl3_mul_base(zeta, gl_root_of_unity(L));
        const gl3_t f0 = coset_weights(c0, wp, L, zeta), f1 = coset_weights(c1, wp, L, gz);
        for (unsigned t = 0; t < s->ntables && err == CAIRN_OK; t++) {
            if (s->log_n[t] != L) continue;
            const gl_t *src[NTREES] = {pk->pre_lde[t], ps->main_lde[t], ps->lu_lde[t], ps->q_lde[t]};
            for (int k = 0; k < NTREES && err == CAIRN_OK; k++) {
                if (!s->w[k][t]) continue;
                const int two = k != TREE_Q;
                err = open_rows(ps->pf.open + s->open_off[t][k][0], two ? ps->pf.open + s->open_off[t][k][1] : NULL,
                                src[k], s->w[k][t], n, c0, f0, two ? c1 : NULL, f1);
            }
        }
    }
done:
    stark_huge_free(c0);
    stark_huge_free(c1);
    stark_huge_free(wp);
    return err;
}

/* DEEP codeword for every LDE size (see stark.h and the verifier):
 *   ro(x) = (S1(x) + S2(x) - A) / (x - zeta) + (S1(x) - B1) gamma^K / (x - g zeta)
 * with S1 = sum gamma^k f_k over the preprocessed, main and LogUp columns
 * and S2 over the quotient chunks, in the order table, tree, column. The
 * sums are linear in the columns, so they are formed on the first n rows
 * of the LDEs (the coset s H, openings above) and extended to the LDE
 * domain as two extension columns, instead of being summed on every row of
 * every LDE. */
#define DEEP_CHUNK STARK_DEEP_CHUNK
#define DEEP_COLS STARK_DEEP_COLS

void stark_deep_rows_ref(gl3_t *ro, const gl_t *ext, const gl_t *x, size_t len, const stark_deep_k *k)
{
    for (size_t j = 0; j < len; j++) {
        const gl_t *e = ext + DEEP_COLS * j;
        gl3_t S1 = {{e[0], e[1], e[2]}}, S2 = {{e[3], e[4], e[5]}}, xj = gl3_from_base(x[j]);
        gl3_t a = gl3_mul(gl3_sub(gl3_add(S1, S2), k->A), gl3_inv(gl3_sub(xj, k->zeta)));
        gl3_t b = gl3_mul(gl3_mul(gl3_sub(S1, k->B1), gl3_inv(gl3_sub(xj, k->gz))), k->gK);
        ro[j] = gl3_add(a, b);
    }
}

/* The same in structure of arrays (stride len): the two batch inversions
 * and the three extension products per row go through the vector
 * operations (eight rows a step on AVX-512) instead of gl3_t arithmetic
 * row by row. Field operations are exact, so the values are those of the
 * reference whatever the order of the products. */
void stark_deep_rows(gl3_t *ro, const gl_t *ext, const gl_t *x, size_t len, const stark_deep_k *k)
{
    gl_t i1[3 * DEEP_CHUNK], i2[3 * DEEP_CHUNK], u[3 * DEEP_CHUNK], v[3 * DEEP_CHUNK];
    gl_t sc[GL3_BATCH_INV_SCRATCH(DEEP_CHUNK)];
    assert(len <= DEEP_CHUNK);
    const size_t s = len;
    const gl_t z1 = gl_neg(k->zeta.c[1]), z2 = gl_neg(k->zeta.c[2]);
    const gl_t g1 = gl_neg(k->gz.c[1]), g2 = gl_neg(k->gz.c[2]);
    for (size_t j = 0; j < len; j++) {
        const gl_t *e = ext + DEEP_COLS * j;
        i1[j] = gl_sub(x[j], k->zeta.c[0]);
        i1[s + j] = z1;
        i1[2 * s + j] = z2;
        i2[j] = gl_sub(x[j], k->gz.c[0]);
        i2[s + j] = g1;
        i2[2 * s + j] = g2;
        for (int c = 0; c < 3; c++) {
            u[c * s + j] = gl_sub(gl_add(e[c], e[3 + c]), k->A.c[c]);
            v[c * s + j] = gl_sub(e[c], k->B1.c[c]);
        }
    }
    gl3_vec_batch_inv(i1, len, s, sc);
    gl3_vec_batch_inv(i2, len, s, sc);
    gl3_vec_mul(u, u, i1, len, s);
    gl3_vec_mul(v, v, i2, len, s);
    for (int c = 0; c < 3; c++)
        for (size_t j = 0; j < len; j++) i2[c * s + j] = k->gK.c[c];
    gl3_vec_mul(v, v, i2, len, s);
    for (size_t j = 0; j < len; j++)
        for (int c = 0; c < 3; c++) ro[j].c[c] = gl_add(u[c * s + j], v[c * s + j]);
}

static cairn_err deep_codewords(pstate *ps, const stark_pk *pk, const stark_shape *s, gl3_t zeta,
                                gl3_t gamma)
{
    for (unsigned h = 0; h <= s->log_l0; h++) {
        unsigned tabs[AIR_MAX_TABLES], nt = 0;
        for (unsigned t = 0; t < s->ntables; t++)
            if (s->log_n[t] + s->log_b == h) tabs[nt++] = t;
        if (!nt) continue;
        const unsigned log_n = s->log_n[tabs[0]];
        const size_t n = (size_t)1 << log_n, L = (size_t)1 << h;
        /* gamma powers in the order: table, tree (pre, main, lu, q), column */
        size_t K = 0;
        for (unsigned i = 0; i < nt; i++)
            for (int k = 0; k < NTREES; k++) K += s->w[k][tabs[i]];
        const unsigned lo_bits = (h + 1) / 2;
        const size_t nlo = (size_t)1 << lo_bits, nhi = (size_t)1 << (h - lo_bits);
        gl3_t *gp = cairn_malloc_array(K + 1, sizeof *gp);
        /* S1, S2 as six base columns, padded to eight (DEEP_COLS) for the
         * NTT's matrix path: one vector across a row */
        gl_t *comb = stark_huge_alloc_array(n, DEEP_COLS * sizeof *comb);
        gl_t *ext = stark_huge_alloc_array(L, DEEP_COLS * sizeof *ext);
        gl_t *tlo = cairn_malloc_array(nlo, sizeof *tlo), *thi = cairn_malloc_array(nhi, sizeof *thi);
        gl3_t *ro = stark_huge_alloc_array(L, sizeof *ro);
        cairn_err err = CAIRN_OK;
        if (!gp || !comb || !ext || !tlo || !thi || !ro) {
            err = cairn_fail_nomem(L * (DEEP_COLS * sizeof *ext + sizeof *ro) + n * DEEP_COLS * sizeof *comb,
                                   "stark: out of memory for the DEEP codeword of size 2^%u", h);
            goto fail;
        }
        gp[0] = gl3_one();
        for (size_t k = 1; k <= K; k++) gp[k] = gl3_mul(gp[k - 1], gamma);
        gl3_t A = gl3_zero(), B1 = gl3_zero();
        size_t k = 0;
        for (unsigned i = 0; i < nt; i++) {
            unsigned t = tabs[i];
            for (int tr = 0; tr < NTREES; tr++)
                for (unsigned c = 0; c < s->w[tr][t]; c++, k++) {
                    A = gl3_add(A, gl3_mul(gp[k], ps->pf.open[s->open_off[t][tr][0] + c]));
                    if (tr != TREE_Q)
                        B1 = gl3_add(B1, gl3_mul(gp[k], ps->pf.open[s->open_off[t][tr][1] + c]));
                }
        }
        /* S1, S2 on the rows of s H (bit-reversed order) */
#pragma omp parallel for schedule(static) if (n >= 1024)
        for (size_t r = 0; r < n; r++) {
            lacc l1[3] = {{0, 0}, {0, 0}, {0, 0}}, l2[3] = {{0, 0}, {0, 0}, {0, 0}};
            size_t kk = 0;
            for (unsigned i = 0; i < nt; i++) {
                unsigned t = tabs[i];
                const gl_t *lde[NTREES] = {pk->pre_lde[t], ps->main_lde[t], ps->lu_lde[t], ps->q_lde[t]};
                for (int tr = 0; tr < NTREES; tr++) {
                    const unsigned w = s->w[tr][t];
                    if (!w) continue;
                    lacc *l = tr == TREE_Q ? l2 : l1;
                    const gl3_t *g = gp + kk;
                    const gl_t *rw = lde[tr] + r * w;
                    for (unsigned c = 0; c < w; c++) {
                        lacc_mad(&l[0], g[c].c[0], rw[c]);
                        lacc_mad(&l[1], g[c].c[1], rw[c]);
                        lacc_mad(&l[2], g[c].c[2], rw[c]);
                    }
                    kk += w;
                }
            }
            gl_t *o = comb + DEEP_COLS * r;
            for (int c = 0; c < 3; c++) {
                o[c] = lacc_reduce(&l1[c]);
                o[3 + c] = lacc_reduce(&l2[c]);
            }
            o[6] = o[7] = 0;
        }
        /* natural order on s H = the values of S(s y) on H; their LDE with
         * shift 1 is S on the bit-reversed rows of s H' */
        ntt_bitrev_rows(comb, log_n, DEEP_COLS);
        err = ntt_lde_batch(ext, comb, log_n, DEEP_COLS, s->log_b, 1, 1);
        if (err != CAIRN_OK) {
            err = cairn_prefix_error(err, "stark: DEEP codeword of size 2^%u", h);
            goto fail;
        }
        stark_huge_free(comb);
        comb = NULL;
        /* x_r = s wh^bitrev(r) = (s wh^(e mod 2^lo_bits)) wh^(e - e mod 2^lo_bits) */
        const gl_t wh = gl_root_of_unity(h);
        powers(tlo, nlo, STARK_SHIFT, wh);
        powers(thi, nhi, 1, gl_exp(wh, nlo));
        const stark_deep_k dk = {zeta, gl3_mul_base(zeta, gl_root_of_unity(log_n)), A, B1, gp[K]};
        const size_t nch = (L + DEEP_CHUNK - 1) / DEEP_CHUNK;
#pragma omp parallel for schedule(static) if (nch > 4)
        for (size_t ci = 0; ci < nch; ci++) {
            gl_t x[DEEP_CHUNK];
            const size_t r0 = ci * DEEP_CHUNK, len = L - r0 < DEEP_CHUNK ? L - r0 : DEEP_CHUNK;
            for (size_t j = 0; j < len; j++) {
                uint32_t e = stark_bitrev((uint32_t)(r0 + j), h);
                x[j] = gl_mul(tlo[e & (nlo - 1)], thi[e >> lo_bits]);
            }
            stark_deep_rows(ro + r0, ext + DEEP_COLS * r0, x, len, &dk);
        }
        free(gp);
        stark_huge_free(ext);
        free(tlo);
        free(thi);
        ps->ro[h] = ro;
        continue;
    fail:
        free(gp);
        stark_huge_free(comb);
        stark_huge_free(ext);
        free(tlo);
        free(thi);
        stark_huge_free(ro);
        return err;
    }
    return CAIRN_OK;
}

/* Keeps the first kept blocks of the LDEs of tree k (main or LogUp) once
 * they are committed (stark_trimmed says which), or of the LogUp LDEs
 * once the quotient is done (stark_trimmed_after_quotient). */
static void trim_tree(pstate *ps, const stark_shape *s, int k, int quotient_done)
{
    gl_t **ldes = k == TREE_MAIN ? ps->main_lde : ps->lu_lde;
    for (unsigned t = 0; t < s->ntables; t++) {
        const unsigned want = s->log_n[t] + stark_keep_log(s), rl = ps->rows_log[k][t];
        if (!ldes[t] || !(quotient_done ? stark_trimmed_after_quotient(s, k, t, rl) : stark_trimmed(s, k, t, rl)))
            continue;
        stark_huge_trim(ldes[t], lde_bytes(want, s->w[k][t]), lde_bytes(ps->rows_log[k][t], s->w[k][t]));
        ps->rows_log[k][t] = want;
    }
}

/* Draws the query indices into ps->qidx and puts the queried rows of the
 * main and LogUp LDEs into ps->qrows (their blocks 0 become coefficients). */
static cairn_err query_rows(pstate *ps, const stark_shape *s, transcript *tr, unsigned queries)
{
    ps->qidx = cairn_malloc_array(queries, sizeof *ps->qidx);
    size_t *rows = cairn_malloc_array(queries, sizeof *rows);
    cairn_err err = CAIRN_OK;
    if (!ps->qidx || !rows) {
        err = cairn_fail_nomem(queries * (sizeof *rows + sizeof *ps->qidx),
                               "stark_prove: out of memory for the query indices");
        goto done;
    }
    for (unsigned q = 0; q < queries; q++) ps->qidx[q] = tr_squeeze_bits(tr, s->log_l0);
    for (int k = TREE_MAIN; k <= TREE_LU && err == CAIRN_OK; k++) {
        gl_t **ldes = k == TREE_MAIN ? ps->main_lde : ps->lu_lde;
        for (unsigned t = 0; t < s->ntables && err == CAIRN_OK; t++) {
            const size_t w = s->w[k][t];
            if (!w) continue;
            ps->qrows[k][t] = cairn_malloc_array(queries, w * sizeof(gl_t));
            if (!ps->qrows[k][t]) {
                err = cairn_fail_nomem(queries * w * sizeof(gl_t), "stark_prove: out of memory for the queried rows");
                break;
            }
            for (unsigned q = 0; q < queries; q++) rows[q] = ps->qidx[q] >> (s->log_l0 - s->log_n[t] - s->log_b);
            err = lde_rows(ps->qrows[k][t], ldes[t], s->log_n[t], w, s->log_b,
                           (size_t)1 << (ps->rows_log[k][t] - s->log_n[t]), rows, queries);
        }
    }
done:
    free(rows);
    return err;
}

/* Test only (STARK_TAMPER_COLUMN): the tamper's delta added to its column
 * in rows [0, rows) of lde, if it names tree k and table t. */
static void tamper_rows(const stark_tamper *tp, const stark_shape *s, int k, unsigned t, gl_t *lde, size_t rows)
{
    if (!stark_tampering(tp, STARK_TAMPER_COLUMN) || tp->tree != (unsigned)k || tp->table != t ||
        tp->index >= s->w[k][t])
        return;
    const size_t w = s->w[k][t];
    for (size_t r = 0; r < rows; r++) lde[r * w + tp->index] = gl_add(lde[r * w + tp->index], tp->delta.c[0]);
}

/* The LogUp columns, their LDEs and their commitment. The tables of the
 * tree's largest height (the cpu table, the largest LDEs of a proof) never
 * hold their whole LDE: their columns become coefficients in a buffer of
 * the kept blocks, and the LDE blocks are made last to first (block 0 in
 * place of the coefficients), their rows hashed into the tree's leaves as
 * they come; blocks past the kept ones go through a scratch block. The
 * other tables' LDEs are made whole and trimmed after the commitment. */
static cairn_err logup_commit(pstate *ps, const struct stark_vk *vk, const stark_shape *s,
                              const stark_trace *traces, const gl_t *pub, gl3_t lu_alpha, gl3_t lu_beta,
                              const stark_tamper *tp)
{
    const air_machine *m = vk->m;
    const unsigned lb = s->log_b, kb = stark_keep_log(s), HL = s->tree_log_h[TREE_LU];
    stark_proof *pf = &ps->pf;
    unsigned tall[AIR_MAX_TABLES], ntall = 0;
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        if (!tb->nints) continue;
        const size_t n = (size_t)1 << s->log_n[t], W = s->w[TREE_LU][t];
        const int is_tall = s->log_n[t] + lb == HL;
        /* a tallest table keeps the blocks it is trimmed to (all of them
         * when its quotient reads them: stark_trimmed) */
        const unsigned kt = is_tall && stark_trimmed(s, TREE_LU, t, s->log_n[t] + lb) ? kb : lb;
        const size_t bytes = lde_bytes(s->log_n[t] + kt, W);
        /* the columns in the first n rows */
        gl_t *lu = ps->lu_lde[t] = stark_huge_alloc(bytes);
        ps->rows_log[TREE_LU][t] = s->log_n[t] + kt;
        if (!lu)
            return cairn_fail_nomem(bytes, "stark_prove: out of memory for the LogUp columns of table %s", tb->name);
        FORWARD_IF_ERROR(stark_lu_columns(lu, &pf->lu_sum[t], vk, t, tb->pre, traces[t].main, s->log_n[t], pub,
                                          lu_alpha, lu_beta));
        if (stark_tampering(tp, STARK_TAMPER_LU_SUM) && tp->table == t) /* test only */
            pf->lu_sum[t] = gl3_add(pf->lu_sum[t], tp->delta);
        if (stark_tampering(tp, STARK_TAMPER_LU_RUNNING) && tp->table == t) { /* test only */
            for (size_t r = 0; r < n; r++)
                for (int c = 0; c < 3; c++) {
                    gl_t *x = &lu[r * W + W - 3 + c];
                    *x = gl_add(*x, tp->delta.c[c]);
                }
            pf->lu_sum[t] = gl3_add(pf->lu_sum[t], tp->delta);
        }
        cairn_err e;
        if (is_tall) {
            tall[ntall++] = t;
            e = ntt_inverse_batch(lu, s->log_n[t], W);
        } else {
            e = ntt_lde_batch(lu, lu, s->log_n[t], W, lb, STARK_SHIFT, 1);
            tamper_rows(tp, s, TREE_LU, t, lu, n << lb); /* test only */
        }
        if (e != CAIRN_OK) return cairn_prefix_error(e, "stark_prove: LogUp LDE of table %s", tb->name);
    }
    if (!s->tree_nmats[TREE_LU]) return CAIRN_OK;
    mt_matrix mats[AIR_MAX_TABLES];
    for (unsigned i = 0; i < s->tree_nmats[TREE_LU]; i++) {
        unsigned t = s->tree_tab[TREE_LU][i];
        int is_tall = s->log_n[t] + lb == HL;
        mats[i] = (mt_matrix){is_tall ? NULL : ps->lu_lde[t], (size_t)1 << (s->log_n[t] + lb), s->w[TREE_LU][t]};
    }
    FORWARD_IF_ERROR(mt_commit_begin(&ps->tree[TREE_LU], mats, s->tree_nmats[TREE_LU]));
    p2_digest *leaves = mt_leaves(ps->tree[TREE_LU]);
    const unsigned L = HL - lb;
    const size_t n = (size_t)1 << L, nb = (size_t)1 << lb;
    gl_t *scratch[AIR_MAX_TABLES] = {0};
    cairn_err err = CAIRN_OK;
    for (size_t y = nb; y-- > 0 && err == CAIRN_OK;) {
        mt_matrix blk[AIR_MAX_TABLES];
        for (unsigned i = 0; i < ntall && err == CAIRN_OK; i++) {
            const unsigned t = tall[i];
            const size_t W = s->w[TREE_LU][t];
            const size_t keep = (size_t)1 << (ps->rows_log[TREE_LU][t] - L);
            gl_t *coef = ps->lu_lde[t], *dst = coef + y * n * W;
            if (y >= keep) {
                if (!scratch[i] && !(scratch[i] = stark_huge_alloc_array(n, W * sizeof(gl_t)))) {
                    err = cairn_fail_nomem(n * W * sizeof(gl_t),
                                           "stark_prove: out of memory for a LogUp LDE block of table %s",
                                           m->tables[t]->name);
                    break;
                }
                dst = scratch[i];
            }
            err = ntt_coset_forward_bitrev_from(dst, coef, L, W, gl_mul(STARK_SHIFT, block_shift(L, lb, y)), NULL, 0);
            tamper_rows(tp, s, TREE_LU, t, dst, n); /* test only */
            blk[i] = (mt_matrix){dst, n, W};
        }
        if (err == CAIRN_OK) err = mt_hash_rows(leaves + y * n, blk, ntall, n);
        for (unsigned i = 0; i < ntall; i++)
            if (y == (size_t)1 << (ps->rows_log[TREE_LU][tall[i]] - L)) {
                stark_huge_free(scratch[i]);
                scratch[i] = NULL;
            }
    }
    for (unsigned i = 0; i < ntall; i++) stark_huge_free(scratch[i]);
    if (err == CAIRN_OK) err = mt_commit_finish(ps->tree[TREE_LU]);
    if (err != CAIRN_OK) return cairn_prefix_error(err, "stark_prove: LogUp commitment");
    pf->lu_root = mt_root(ps->tree[TREE_LU]);
    trim_tree(ps, s, TREE_LU, 0);
    return CAIRN_OK;
}

/* Test only (STARK_TAMPER_COLUMN): adds (undo: subtracts) the tamper's
 * delta to one column of a main, LogUp or quotient LDE. */
static void tamper_lde(pstate *ps, const stark_shape *s, const stark_tamper *tp, int tree, int undo)
{
    if (!stark_tampering(tp, STARK_TAMPER_COLUMN) || tp->tree != (unsigned)tree ||
        tp->table >= s->ntables || tp->index >= s->w[tree][tp->table])
        return;
    gl_t *lde = tree == TREE_MAIN ? ps->main_lde[tp->table]
              : tree == TREE_LU   ? ps->lu_lde[tp->table]
                                  : ps->q_lde[tp->table];
    const size_t w = s->w[tree][tp->table];
    const unsigned log_rows = tree == TREE_Q ? s->log_n[tp->table] + s->log_b : ps->rows_log[tree][tp->table];
    const size_t rows = (size_t)1 << log_rows;
    const gl_t d = undo ? gl_neg(tp->delta.c[0]) : tp->delta.c[0];
    for (size_t r = 0; r < rows; r++) lde[r * w + tp->index] = gl_add(lde[r * w + tp->index], d);
}

/* Test only (STARK_TAMPER_POW_SHORT): the smallest nonce whose sample has
 * bits - 1 leading zero bits but not bits; absorbs it like pow_grind. */
static uint64_t pow_short(transcript *tr, unsigned bits)
{
    for (uint64_t n = 0;; n++) {
        transcript a = *tr, b = *tr;
        if (pow_check(&a, bits - 1, n) && !pow_check(&b, bits, n)) {
            *tr = a;
            return n;
        }
    }
}

/* Ends a phase of stark_prove_stats: its wall and process CPU seconds
 * since *tl and *cl, which move to now. */
static void phase_end(double *wall, double *cpu, double *tl, double *cl)
{
    double t = now_sec(), c = process_cpu_sec();
    *wall = t - *tl;
    *cpu = c - *cl;
    *tl = t;
    *cl = c;
}

static cairn_err prove(pstate *ps, const stark_pk *pk, const stark_trace *traces,
                       const gl_t *pub, size_t npub, const stark_tamper *tp, uint8_t **out,
                       size_t *outlen)
{
    const struct stark_vk *vk = &pk->vk;
    const air_machine *m = vk->m;
    stark_prove_stats *st = &last_stats;
    memset(st, 0, sizeof *st);
    double t0 = now_sec(), tl = t0, cl = process_cpu_sec();
    RETURN_ERROR_IF(npub != m->npub, CAIRN_ERR_USAGE, "stark_prove: %zu public values, machine %s has %u",
                    npub, m->name, m->npub);
    unsigned log_n[AIR_MAX_TABLES];
    for (unsigned t = 0; t < m->ntables; t++) {
        log_n[t] = traces[t].log_n;
        RETURN_ERROR_IF(m->tables[t]->nmain && !traces[t].main, CAIRN_ERR_USAGE,
                        "stark_prove: no main trace for table %s", m->tables[t]->name);
    }
    stark_shape shape, *s = &shape;
    {
        cairn_err e = stark_shape_init(s, vk, log_n);
        if (e != CAIRN_OK) return cairn_prefix_error(CAIRN_ERR_USAGE, "stark_prove");
    }
    if (pk->check_trace) FORWARD_IF_ERROR(stark_check_trace(m, traces, pub, npub));
    FORWARD_IF_ERROR(stark_proof_alloc(&ps->pf, s, vk->p.queries));
    stark_proof *pf = &ps->pf;
    pf->vk_digest = vk->digest;
    memcpy(pf->log_n, log_n, sizeof log_n);
    transcript tr = vk->tr0;
    tr_absorb(&tr, pub, npub);
    for (unsigned t = 0; t < m->ntables; t++) {
        gl_t l = log_n[t];
        tr_absorb(&tr, &l, 1);
    }
    const unsigned lb = s->log_b;
    /* main traces */
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        if (!tb->nmain) continue;
        size_t bytes = lde_bytes(log_n[t] + lb, tb->nmain);
        ps->main_lde[t] = stark_huge_alloc(bytes);
        ps->rows_log[TREE_MAIN][t] = log_n[t] + lb;
        if (!ps->main_lde[t])
            return cairn_fail_nomem(bytes, "stark_prove: out of memory for the main LDE of table %s",
                                    tb->name);
        cairn_err e = ntt_lde_batch(ps->main_lde[t], traces[t].main, log_n[t], tb->nmain, lb,
                                    STARK_SHIFT, 1);
        if (e != CAIRN_OK) return cairn_prefix_error(e, "stark_prove: main LDE of table %s", tb->name);
    }
    tamper_lde(ps, s, tp, TREE_MAIN, 0); /* test only */
    if (s->tree_nmats[TREE_MAIN]) {
        FORWARD_IF_ERROR(commit_tree(&ps->tree[TREE_MAIN], &pf->main_root, s, TREE_MAIN, ps->main_lde));
        trim_tree(ps, s, TREE_MAIN, 0);
        stark_tamper_root(tp, TREE_MAIN, 0, &pf->main_root); /* test only */
        tr_absorb_digest(&tr, &pf->main_root);
    }
    phase_end(&st->t_main, &st->c_main, &tl, &cl);
    /* LogUp */
    gl3_t lu_alpha = gl3_zero(), lu_beta = gl3_zero();
    if (vk->has_lu) {
        lu_alpha = tr_squeeze_ext(&tr);
        lu_beta = tr_squeeze_ext(&tr);
        FORWARD_IF_ERROR(logup_commit(ps, vk, s, traces, pub, lu_alpha, lu_beta, tp));
        if (s->tree_nmats[TREE_LU]) {
            stark_tamper_root(tp, TREE_LU, 0, &pf->lu_root); /* test only */
            tr_absorb_digest(&tr, &pf->lu_root);
        }
        for (unsigned t = 0; t < m->ntables; t++)
            if (m->tables[t]->nints) tr_absorb_ext(&tr, &pf->lu_sum[t], 1);
    }
    phase_end(&st->t_logup, &st->c_logup, &tl, &cl);
    /* quotient */
    qctx qc = {.vk = vk, .s = s, .pub = pub, .alpha = tr_squeeze_ext(&tr), .lu_alpha = lu_alpha, .lu_beta = lu_beta};
    fpk_init(&qc.fk, lu_alpha, lu_beta);
    tamper_lde(ps, s, tp, TREE_MAIN, 1); /* test only: the quotient sees honest LDEs */
    tamper_lde(ps, s, tp, TREE_LU, 1);
    /* one quotient per height (stark_shape.qlead): its matrix, the first
     * n rows zero for the coefficients its tables add */
    gl3_t qpw[AIR_MAX_TABLES]; /* per height: alpha^(powers its tables used) */
    for (unsigned t = 0; t < m->ntables; t++) {
        const size_t n = (size_t)1 << log_n[t], W = s->w[TREE_Q][t];
        if (!W) continue;
        size_t lde = lde_bytes(log_n[t] + lb, W);
        gl_t *q = ps->q_lde[t] = stark_huge_alloc(lde);
        if (!q)
            return cairn_fail_nomem(lde, "stark_prove: out of memory for the quotient of the tables of height 2^%u",
                                    log_n[t]);
        memset(q, 0, n * W * sizeof *q);
        qpw[t] = gl3_one();
    }
    for (unsigned t = 0; t < m->ntables; t++) {
        const unsigned lead = s->qlead[t];
        const size_t n = (size_t)1 << log_n[t];
        /* LDE blocks 0 .. nq-1 of the preprocessed, main and LogUp
         * columns: kept, or rebuilt past the kept ones. A quotient domain
         * larger than the LDE (a constraint degree above 2^lb + 1) takes
         * blocks of the LDE of blowup nq, whose first 2^lb blocks are this
         * LDE's (block_shift), the others rebuilt from block 0 like the
         * trimmed ones; the preprocessed LDE is whole (2^lb blocks). */
        const size_t nq = (size_t)1 << vk->qlog[t], wm = s->w[TREE_MAIN][t], wl = s->w[TREE_LU][t];
        const size_t wp = m->tables[t]->npre;
        const unsigned lbq = vk->qlog[t] > lb ? vk->qlog[t] : lb;
        const size_t km = wm ? (size_t)1 << (ps->rows_log[TREE_MAIN][t] - log_n[t]) : nq;
        const size_t kl = wl ? (size_t)1 << (ps->rows_log[TREE_LU][t] - log_n[t]) : nq;
        const size_t kp = wp ? (size_t)1 << lb : nq;
        /* blocks each kind needs: past the LDE's, only what the high
         * constraints read when the quotient is split (qsplit) */
        size_t um, ul, up;
        stark_quotient_blocks(vk, t, &um, &ul, &up);
        gl_t *more = NULL;
        const gl_t *pblk[8] = {0}, *mblk[8] = {0}, *lblk[8] = {0};
        for (size_t y = 0; y < nq; y++) {
            if (wp && y < kp) pblk[y] = pk->pre_lde[t] + y * n * wp;
            if (wm && y < km) mblk[y] = ps->main_lde[t] + y * n * wm;
            if (wl && y < kl) lblk[y] = ps->lu_lde[t] + y * n * wl;
        }
        const size_t rm = km < um ? um - km : 0, rl = kl < ul ? ul - kl : 0, rp = kp < up ? up - kp : 0;
        if (rm + rl + rp) {
            more = stark_huge_alloc_array(n, (rm * wm + rl * wl + rp * wp) * sizeof *more);
            if (!more)
                return cairn_fail_nomem(n * (rm * wm + rl * wl + rp * wp) * sizeof *more,
                                        "stark_prove: out of memory for the LDE blocks of table %s",
                                        m->tables[t]->name);
            gl_t *lmore = more + rm * n * wm, *pmore = lmore + rl * n * wl;
            cairn_err e = lde_blocks(more, ps->main_lde[t], log_n[t], wm, lbq, km, um);
            if (e == CAIRN_OK) e = lde_blocks(lmore, ps->lu_lde[t], log_n[t], wl, lbq, kl, ul);
            if (e == CAIRN_OK) e = lde_blocks(pmore, pk->pre_lde[t], log_n[t], wp, lbq, kp, up);
            if (e != CAIRN_OK) {
                stark_huge_free(more);
                return cairn_prefix_error(e, "stark_prove: LDE blocks of table %s", m->tables[t]->name);
            }
            for (size_t y = 0; y < nq; y++) {
                if (wm && y >= km && y < um) mblk[y] = more + (y - km) * n * wm;
                if (wl && y >= kl && y < ul) lblk[y] = lmore + (y - kl) * n * wl;
                if (wp && y >= kp && y < up) pblk[y] = pmore + (y - kp) * n * wp;
            }
        }
        /* chunk coefficients in the first n rows, then their bit-reversed
         * coset evaluations in place (the rows below are never read: no
         * zero padding to write and transform) */
        cairn_err qe = quotient_table(&qc, t, pblk, mblk, lblk, pf->lu_sum[t], qpw[lead], &qpw[lead],
                                      ps->q_lde[lead], s->w[TREE_Q][lead]);
        stark_huge_free(more);
        FORWARD_IF_ERROR(qe);
    }
    for (unsigned t = 0; t < m->ntables; t++) {
        const size_t n = (size_t)1 << log_n[t], W = s->w[TREE_Q][t];
        if (!W) continue;
        gl_t *q = ps->q_lde[t];
        if (stark_tampering(tp, STARK_TAMPER_QUOTIENT) && tp->table == t && tp->index < n * W)
            q[tp->index] = gl_add(q[tp->index], tp->delta.c[0]); /* test only */
        cairn_err e = ntt_coset_lde_coeffs_bitrev(q, log_n[t], W, lb, STARK_SHIFT);
        if (e != CAIRN_OK)
            return cairn_prefix_error(e, "stark_prove: quotient LDE of the tables of height 2^%u", log_n[t]);
    }
    tamper_lde(ps, s, tp, TREE_MAIN, 0); /* test only */
    tamper_lde(ps, s, tp, TREE_LU, 0);
    tamper_lde(ps, s, tp, TREE_Q, 0);
    trim_tree(ps, s, TREE_LU, 1); /* the main LDEs stay whole (stark_trimmed_after_quotient) */
    FORWARD_IF_ERROR(commit_tree(&ps->tree[TREE_Q], &pf->q_root, s, TREE_Q, ps->q_lde));
    stark_tamper_root(tp, TREE_Q, 0, &pf->q_root); /* test only */
    tr_absorb_digest(&tr, &pf->q_root);
    phase_end(&st->t_quotient, &st->c_quotient, &tl, &cl);
    /* openings */
    gl3_t zeta = tr_squeeze_ext(&tr);
    tamper_lde(ps, s, tp, TREE_MAIN, 1); /* test only: openings of the honest columns */
    tamper_lde(ps, s, tp, TREE_LU, 1);
    tamper_lde(ps, s, tp, TREE_Q, 1);
    FORWARD_IF_ERROR(open_tables(ps, pk, s, zeta));
    tamper_lde(ps, s, tp, TREE_MAIN, 0); /* test only */
    tamper_lde(ps, s, tp, TREE_LU, 0);
    tamper_lde(ps, s, tp, TREE_Q, 0);
    /* test only: a changed opening goes into the proof and the transcript,
     * the honest one into the DEEP codewords */
    const int bad_open = stark_tampering(tp, STARK_TAMPER_OPENING) && tp->index < s->nopen;
    if (bad_open) pf->open[tp->index] = gl3_add(pf->open[tp->index], tp->delta);
    tr_absorb_ext(&tr, pf->open, s->nopen);
    gl3_t gamma = tr_squeeze_ext(&tr);
    if (bad_open) pf->open[tp->index] = gl3_sub(pf->open[tp->index], tp->delta);
    FORWARD_IF_ERROR(deep_codewords(ps, pk, s, zeta, gamma));
    if (bad_open) pf->open[tp->index] = gl3_add(pf->open[tp->index], tp->delta);
    if (stark_tampering(tp, STARK_TAMPER_DEEP) && tp->h <= s->log_l0 && ps->ro[tp->h])
        for (size_t i = 0; i < (size_t)1 << tp->h; i++) /* test only */
            ps->ro[tp->h][i] = gl3_add(ps->ro[tp->h][i], tp->delta);
    phase_end(&st->t_open, &st->c_open, &tl, &cl);
    /* FRI */
    FORWARD_IF_ERROR(fri_commit(&ps->fri, s, ps->ro, &tr, pf, tp));
    if (stark_tampering(tp, STARK_TAMPER_POW_SHORT) && vk->p.pow_bits > 0)
        pf->pow_nonce = pow_short(&tr, vk->p.pow_bits); /* test only */
    else
        pf->pow_nonce = pow_grind(&tr, vk->p.pow_bits);
    phase_end(&st->t_fri, &st->c_fri, &tl, &cl);
    /* queries: the indices first (nothing is absorbed between them), the
     * rows of the main and LogUp LDEs rebuilt from their blocks 0 */
    FORWARD_IF_ERROR(query_rows(ps, s, &tr, vk->p.queries));
    const mt_tree *trees[NTREES] = {pk->pre_tree, ps->tree[TREE_MAIN], ps->tree[TREE_LU],
                                    ps->tree[TREE_Q]};
    for (unsigned q = 0; q < vk->p.queries; q++) {
        uint32_t idx = ps->qidx[q];
        gl_t *rows = pf->q_rows + (size_t)q * s->q_rows;
        p2_digest *paths = pf->q_paths + (size_t)q * s->q_paths;
        for (int k = 0; k < NTREES; k++) {
            if (!s->tree_nmats[k]) continue;
            mt_opening o;
            FORWARD_IF_ERROR(mt_open(trees[k], &o, idx >> (s->log_l0 - s->tree_log_h[k])));
            for (unsigned i = 0; i < s->tree_nmats[k]; i++) {
                unsigned t = s->tree_tab[k][i], w = s->w[k][t];
                const gl_t *src = k == TREE_MAIN ? ps->qrows[TREE_MAIN][t] + (size_t)q * w
                                : k == TREE_LU   ? ps->qrows[TREE_LU][t] + (size_t)q * w
                                                 : o.rows[i];
                memcpy(rows, src, w * sizeof *rows);
                rows += w;
            }
            memcpy(paths, o.path, s->tree_log_h[k] * sizeof *paths);
            paths += s->tree_log_h[k];
            mt_opening_free(&o);
        }
        FORWARD_IF_ERROR(fri_open(&ps->fri, s, pf, q, idx));
    }
    phase_end(&st->t_queries, &st->c_queries, &tl, &cl);
    FORWARD_IF_ERROR(stark_proof_write(out, outlen, pf, s, vk));
    st->t_total = now_sec() - t0;
    return CAIRN_OK;
}

static cairn_err prove_with(const stark_pk *pk, stark_workspace *ws, const stark_trace *traces,
                            const gl_t *pub, size_t npub, const stark_tamper *tp, uint8_t **proof, size_t *len)
{
    *proof = NULL;
    *len = 0;
    /* a key from the key cache commits its preprocessed columns now (the
     * key is shared and logically const: stark_pk_ready locks) */
    FORWARD_IF_ERROR(stark_pk_ready((stark_pk *)pk));
    pstate *ps = cairn_calloc(1, sizeof *ps);
    if (!ps) return cairn_fail_nomem(sizeof *ps, "stark_prove: out of memory for the prover state");
    stark_workspace *prev = NULL;
    if (ws) {
        unsigned log_n[AIR_MAX_TABLES] = {0};
        for (unsigned t = 0; t < pk->vk.m->ntables; t++) log_n[t] = traces[t].log_n;
        const size_t budget = stark_prove_mem(pk, log_n);
        /* heights the key rejects: prove() reports them, the workspace
         * keeps nothing new */
        prev = stark_workspace_begin(ws, budget == SIZE_MAX ? 0 : budget);
    }
    cairn_err err = prove(ps, pk, traces, pub, npub, tp, proof, len);
    /* ps->ro[log_l0] is FRI's layer 0 and freed with ro[] */
    pstate_free(ps);
    free(ps);
    if (ws) stark_workspace_end(ws, prev);
    return err;
}

cairn_err stark_prove(const stark_pk *pk, const stark_trace *traces, const gl_t *pub,
                      size_t npub, uint8_t **proof, size_t *len)
{
    return prove_with(pk, NULL, traces, pub, npub, NULL, proof, len);
}

cairn_err stark_prove_ws(const stark_pk *pk, stark_workspace *ws, const stark_trace *traces, const gl_t *pub,
                         size_t npub, uint8_t **proof, size_t *len)
{
    return prove_with(pk, ws, traces, pub, npub, NULL, proof, len);
}

cairn_err stark_prove_tampered(const stark_pk *pk, const stark_trace *traces, const gl_t *pub,
                               size_t npub, const stark_tamper *tp, uint8_t **proof, size_t *len)
{
    return prove_with(pk, NULL, traces, pub, npub, tp, proof, len);
}
