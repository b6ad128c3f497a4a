/* FRI commit phase, query openings, and the verifier's query check
 * (see fri.h). */
#include "fri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "hugemem.h"
#include "ntt.h"

/* Coset shift of a codeword of log size h: each binary fold squares the
 * points, so after l0 - h folds the shift is STARK_SHIFT^(2^(l0 - h)). */
static gl_t layer_shift(unsigned l0, unsigned h)
{
    gl_t s = STARK_SHIFT;
    for (unsigned i = h; i < l0; i++) s = gl_sqr(s);
    return s;
}

/* One binary fold of a codeword of log size h (bit-reversed order on the
 * coset shift*H) into out (2^(h-1) elements). */
static cairn_err binfold(gl3_t *out, const gl3_t *in, unsigned h, gl_t shift, gl3_t beta)
{
    size_t half = (size_t)1 << (h - 1);
    gl_t *xinv = cairn_malloc_array(half, sizeof *xinv);
    /* pair u holds f(x), f(-x) with x = shift * w_h^bitrev_{h-1}(u) */
    gl_t w = gl_root_of_unity(h), winv = gl_inv(w), sinv = gl_inv(shift);
    gl_t *pw = cairn_malloc_array(half, sizeof *pw);
    if (!xinv || !pw) {
        free(xinv);
        free(pw);
        return cairn_fail_nomem(2 * half * sizeof *pw, "fri: out of memory folding a codeword of 2^%u", h);
    }
    pw[0] = sinv;
    for (size_t i = 1; i < half; i++) pw[i] = gl_mul(pw[i - 1], winv);
    for (size_t u = 0; u < half; u++) xinv[u] = pw[stark_bitrev((uint32_t)u, h - 1)];
    free(pw);
    const gl_t inv2 = (GL_P + 1) / 2;
#pragma omp parallel for schedule(static)
    for (size_t u = 0; u < half; u++) {
        gl3_t a = in[2 * u], b = in[2 * u + 1];
        gl3_t sum = gl3_add(a, b), dif = gl3_mul_base(gl3_sub(a, b), xinv[u]);
        out[u] = gl3_mul_base(gl3_add(sum, gl3_mul(beta, dif)), inv2);
    }
    free(xinv);
    return CAIRN_OK;
}

void fri_prover_free(fri_prover *f)
{
    for (unsigned l = 0; l < STARK_MAX_LAYERS; l++) {
        if (l > 0) stark_huge_free(f->layer[l]);
        mt_free(f->tree[l]);
    }
    memset(f, 0, sizeof *f);
}

cairn_err fri_commit(fri_prover *f, const stark_shape *s, gl3_t *const *ro, transcript *tr,
                     stark_proof *pf, const stark_tamper *tp)
{
    memset(f, 0, sizeof *f);
    gl3_t *cur = ro[s->log_l0];
    unsigned h = s->log_l0;
    cairn_err err = CAIRN_OK;
    gl3_t *tmp = NULL;
    for (unsigned l = 0; l < s->nlayers && err == CAIRN_OK; l++) {
        unsigned k = s->layer_arity[l];
        f->layer[l] = cur;
        if (stark_tampering(tp, STARK_TAMPER_FRI_LAYER) && tp->layer == l) /* test only */
            for (size_t i = 0; i < (size_t)1 << h; i++) cur[i] = gl3_add(cur[i], tp->delta);
        mt_matrix mat = {(const gl_t *)cur, (size_t)1 << (h - k), 3u << k};
        err = mt_commit(&f->tree[l], &mat, 1);
        if (err != CAIRN_OK) break;
        pf->fri_root[l] = mt_root(f->tree[l]);
        stark_tamper_root(tp, NTREES, l, &pf->fri_root[l]); /* test only */
        tr_absorb_digest(tr, &pf->fri_root[l]);
        gl3_t beta = tr_squeeze_ext(tr);
        /* k binary folds with beta, beta^2, ... */
        gl3_t *next = stark_huge_alloc_array((size_t)1 << (h - 1), sizeof *next);
        tmp = stark_huge_alloc_array((size_t)1 << (h - 1), sizeof *tmp);
        if (!next || !tmp) {
            stark_huge_free(next);
            stark_huge_free(tmp);
            tmp = NULL;
            err = cairn_fail_nomem(((size_t)1 << h) * sizeof *next,
                                   "fri: out of memory for layer %u (2^%u elements)", l + 1, h - 1);
            break;
        }
        const gl3_t *src = cur;
        gl3_t b = beta;
        for (unsigned i = 0; i < k && err == CAIRN_OK; i++) {
            gl3_t *dst = (i % 2 == 0) ? next : tmp;
            err = binfold(dst, src, h - i, layer_shift(s->log_l0, h - i), b);
            src = dst;
            b = gl3_sqr(b);
        }
        if (err != CAIRN_OK) {
            stark_huge_free(next);
            stark_huge_free(tmp);
            tmp = NULL;
            break;
        }
        if (src != next) memcpy(next, src, ((size_t)1 << (h - k)) * sizeof *next);
        stark_huge_free(tmp);
        tmp = NULL;
        h -= k;
        /* roll in the DEEP codeword of this size with weight beta^(2^k) */
        if (ro[h]) {
            size_t n = (size_t)1 << h;
#pragma omp parallel for schedule(static)
            for (size_t i = 0; i < n; i++) next[i] = gl3_add(next[i], gl3_mul(b, ro[h][i]));
        }
        cur = next;
        f->layer[l + 1] = next; /* owned (freed by fri_prover_free) */
        f->nlayers = l + 1;
    }
    if (err != CAIRN_OK) return err;
    /* final polynomial: natural order, inverse NTT, undo the coset shift */
    size_t nf = (size_t)1 << h, nc = (size_t)1 << s->log_final;
    gl3_t *v = cairn_malloc_array(nf, sizeof *v);
    if (!v) return cairn_fail_nomem(nf * sizeof *v, "fri: out of memory for the final codeword");
    memcpy(v, cur, nf * sizeof *v);
    ntt_bitrev_rows((gl_t *)v, h, 3);
    err = ntt_inverse_batch((gl_t *)v, h, 3);
    if (err != CAIRN_OK) {
        free(v);
        return cairn_prefix_error(err, "fri: final polynomial");
    }
    gl_t sinv = gl_inv(layer_shift(s->log_l0, h)), pw = 1;
    for (size_t j = 0; j < nf; j++) {
        v[j] = gl3_mul_base(v[j], pw);
        pw = gl_mul(pw, sinv);
    }
    for (size_t j = nc; j < nf && !tp; j++) /* test only: tampered proofs send the truncation */
        if (!gl3_eq(v[j], gl3_zero())) {
            free(v);
            return cairn_fail(CAIRN_ERR_INTERNAL,
                              "fri: final codeword is not of degree < %zu (bad trace or bug)", nc);
        }
    memcpy(pf->final_poly, v, nc * sizeof *v);
    free(v);
    if (stark_tampering(tp, STARK_TAMPER_FINAL) && tp->index < nc) /* test only */
        pf->final_poly[tp->index] = gl3_add(pf->final_poly[tp->index], tp->delta);
    tr_absorb_ext(tr, pf->final_poly, nc);
    return CAIRN_OK;
}

cairn_err fri_open(const fri_prover *f, const stark_shape *s, stark_proof *pf, unsigned q,
                   uint32_t index)
{
    gl3_t *vals = pf->q_fri_vals + (size_t)q * s->q_fri_vals;
    p2_digest *paths = pf->q_fri_paths + (size_t)q * s->q_fri_paths;
    for (unsigned l = 0; l < s->nlayers; l++) {
        unsigned h = s->layer_log[l], k = s->layer_arity[l];
        uint32_t pos = index >> (s->log_l0 - h), g = pos >> k;
        mt_opening o;
        FORWARD_IF_ERROR(mt_open(f->tree[l], &o, g));
        memcpy(vals, o.rows[0], (sizeof *vals) << k);
        memcpy(paths, o.path, (h - k) * sizeof *paths);
        mt_opening_free(&o);
        vals += (size_t)1 << k;
        paths += h - k;
    }
    return CAIRN_OK;
}

/* ---- verifier side ---- */

/* x = shift * w_h^bitrev_h(pos) where pos's bits are bits[0..h) (LSB
 * first): the point of row pos of a bit-reversed LDE of size 2^h. */
static vb fri_domain_point(vctx *c, const vb *bits, unsigned h, gl_t shift)
{
    /* bit b of pos becomes bit h-1-b of bitrev(pos) */
    gl_t w = gl_root_of_unity(h);
    gl_t pw[33];
    pw[0] = w;
    for (unsigned i = 1; i < h; i++) pw[i] = gl_sqr(pw[i - 1]); /* w^(2^i) */
    vb x = vc_const(c, shift), one = vc_const(c, 1);
    for (unsigned b = 0; b < h; b++)
        x = vc_mul(c, x, vc_select(c, bits[b], vc_const(c, pw[h - 1 - b]), one));
    return x;
}

void fri_query_points(vctx *c, vb *y, const vb *idx_bits, unsigned l0, unsigned hmin)
{
    y[l0] = fri_domain_point(c, idx_bits, l0, 1);
    for (unsigned h = l0; h > hmin; h--) y[h - 1] = vc_mul(c, y[h], y[h]);
}

void vcompress(vctx *c, vb out[P2_DIGEST], const vb *l, const vb *r)
{
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_DIGEST; i++) {
        st[i] = l[i];
        st[P2_DIGEST + i] = r[i];
        st[2 * P2_DIGEST + i] = vc_const(c, 0);
    }
    vc_permute(c, st);
    for (int i = 0; i < P2_DIGEST; i++) out[i] = st[i];
}

void vcompress_dir(vctx *c, vb out[P2_DIGEST], vb bit, const vb *cur, const vb *sib)
{
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_DIGEST; i++) {
        st[i] = cur[i];
        st[P2_DIGEST + i] = sib[i];
        st[2 * P2_DIGEST + i] = vc_const(c, 0);
    }
    vc_permute_swap(c, st, bit);
    for (int i = 0; i < P2_DIGEST; i++) out[i] = st[i];
}

void vhash(vctx *c, vb out[P2_DIGEST], const vb *in, size_t n)
{
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) st[i] = vc_const(c, 0);
    st[P2_RATE] = vc_const(c, n);
    vhash_from(c, out, st, in, n);
}

void vhash_from(vctx *c, vb out[P2_DIGEST], vb st[P2_WIDTH], const vb *in, size_t n)
{
    size_t i = 0;
    do {
        size_t r = n - i < P2_RATE ? n - i : P2_RATE;
        for (size_t j = 0; j < r; j++) st[j] = in[i + j];
        if (r < P2_RATE) {
            st[r] = vc_const(c, 1);
            for (size_t j = r + 1; j < P2_RATE; j++) st[j] = vc_const(c, 0);
        }
        vc_permute(c, st);
        i += r;
        if (r < P2_RATE) break;
    } while (i < n);
    for (int k = 0; k < P2_DIGEST; k++) out[k] = st[k];
}

/* vhash of the concatenated rows of the matrices of height h, absorbed
 * straight from the rows (the same operations as vhash on a gathered copy,
 * without memory that could run out). */
static void hash_group(vctx *c, vb out[P2_DIGEST], const mt_dims *dims, unsigned nmats,
                       const vb *const *rows, size_t h)
{
    size_t w = 0;
    for (unsigned k = 0; k < nmats; k++)
        if (dims[k].height == h) w += dims[k].width;
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) st[i] = vc_const(c, 0);
    st[P2_RATE] = vc_const(c, w);
    unsigned k = 0; /* next element: rows[k][j] */
    size_t j = 0, i = 0;
    do {
        size_t r = w - i < P2_RATE ? w - i : P2_RATE;
        for (size_t t = 0; t < r; t++) {
            while (dims[k].height != h || j == dims[k].width) {
                k++;
                j = 0;
            }
            st[t] = rows[k][j++];
        }
        if (r < P2_RATE) {
            st[r] = vc_const(c, 1);
            for (size_t t = r + 1; t < P2_RATE; t++) st[t] = vc_const(c, 0);
        }
        vc_permute(c, st);
        i += r;
        if (r < P2_RATE) break;
    } while (i < w);
    for (int t = 0; t < P2_DIGEST; t++) out[t] = st[t];
}

void vmt_verify(vctx *c, const vb root[P2_DIGEST], const mt_dims *dims, unsigned nmats,
                const vb *bits, const vb *const *rows, const vb *path, const char *what,
                unsigned q)
{
    size_t H = 0;
    for (unsigned k = 0; k < nmats; k++)
        if (dims[k].height > H) H = dims[k].height;
    unsigned logh = 0;
    while (((size_t)1 << logh) < H) logh++;
    vb cur[P2_DIGEST];
    hash_group(c, cur, dims, nmats, rows, H);
    for (unsigned l = 0; l < logh; l++) {
        vb next[P2_DIGEST];
        /* bit l set: cur is the right child (as mt_verify) */
        vcompress_dir(c, next, bits[l], cur, path + (size_t)l * P2_DIGEST);
        size_t n = H >> (l + 1);
        int present = 0;
        for (unsigned k = 0; k < nmats; k++) present |= dims[k].height == n;
        if (present) {
            vb inj[P2_DIGEST];
            hash_group(c, inj, dims, nmats, rows, n);
            vcompress(c, cur, next, inj);
        } else {
            memcpy(cur, next, sizeof cur);
        }
    }
    for (int i = 0; i < P2_DIGEST; i++)
        vc_assert_eq(c, cur[i], root[i], "query %u: %s Merkle path mismatch", q, what);
}

void fri_verify_query(vctx *c, const stark_shape *s, const fri_vstate *st, const vb *idx_bits,
                      const vb *y, const ve *ro_at, const ve *vals, const vb *paths, unsigned q)
{
    const unsigned l0 = s->log_l0;
    ve cur = ro_at[l0];
    const gl_t inv2 = (GL_P + 1) / 2;
    int rolled = 0; /* the previous layer's fold had a DEEP codeword added */
    for (unsigned l = 0; l < s->nlayers; l++) {
        unsigned h = s->layer_log[l], k = s->layer_arity[l], m = 1u << k;
        /* position in this layer: index >> (l0 - h); its bits */
        const vb *pb = idx_bits + (l0 - h);
        /* Merkle check of the coset row */
        vb row[3 * 8];
        for (unsigned t = 0; t < m; t++) vce_parts(c, row + 3 * t, vals[t]);
        mt_dims dim = {(size_t)1 << (h - k), 3u * m};
        const vb *rows[1] = {row};
        char what[32];
        snprintf(what, sizeof what, "FRI layer %u", l);
        vmt_verify(c, st->root[l], &dim, 1, pb + k, rows, paths, what, q);
        paths += (size_t)(h - k) * P2_DIGEST;
        vals += m;
        /* the element at our position must be the current value: a select
         * tree over the low k bits */
        ve sel[8];
        for (unsigned t = 0; t < m; t++) sel[t] = (vals - m)[t];
        for (unsigned b = 0; b < k; b++)
            for (unsigned t = 0; t < (m >> (b + 1)); t++)
                sel[t] = vce_select(c, pb[b], sel[2 * t + 1], sel[2 * t]);
        /* layer 0 is the DEEP codeword of the largest tables: its value is
         * the one the verifier computed from the opened rows */
        if (l == 0)
            vce_assert_eq(c, sel[0], cur,
                          "FRI query %u layer 0: value does not match the DEEP composition of "
                          "the opened rows", q);
        else
            vce_assert_eq(c, sel[0], cur,
                          "FRI query %u layer %u: value does not match the fold of layer %u%s", q, l,
                          l - 1, rolled ? " plus the DEEP roll-in" : "");
        /* X_g = w_h^bitrev_{h-k}(g), g = pos >> k; its inverse once. With
         * bitrev_h(pos) = bitrev_k(pos mod 2^k) 2^(h-k) + bitrev_{h-k}(g):
         * X_g = y[h] w_h^-(bitrev_k(pos mod 2^k) 2^(h-k)), the factor picked
         * from 2^k constants by a select tree over the low k bits */
        gl_t wk = gl_inv(gl_root_of_unity(k)); /* w_h^-(2^(h-k)) */
        vb fac[8];
        for (unsigned u = 0; u < m; u++) fac[u] = vc_const(c, gl_exp(wk, stark_bitrev(u, k)));
        for (unsigned b = 0; b < k; b++)
            for (unsigned t = 0; t < (m >> (b + 1)); t++)
                fac[t] = vc_select(c, pb[b], fac[2 * t + 1], fac[2 * t]);
        vb xginv = vc_inv(c, vc_mul(c, y[h], fac[0]));
        ve cv[8];
        for (unsigned t = 0; t < m; t++) cv[t] = (vals - m)[t];
        ve beta = st->beta[l];
        for (unsigned i = 0; i < k; i++) {
            unsigned hh = h - i, npair = m >> (i + 1);
            gl_t sh_inv = gl_inv(layer_shift(l0, hh));
            gl_t wh = gl_root_of_unity(hh);
            /* xginv^(2^i) */
            vb xgi = xginv;
            for (unsigned j = 0; j < i; j++) xgi = vc_mul(c, xgi, xgi);
            for (unsigned u = 0; u < npair; u++) {
                /* x = sh * X_g^(2^i) * w_hh^(bitrev_{k-1-i}(u) * 2^(h-k)) */
                gl_t e = (gl_t)stark_bitrev(u, k - 1 - i) << (h - k);
                gl_t cinv = gl_mul(sh_inv, gl_inv(gl_exp(wh, e)));
                vb xinv = vc_mul(c, xgi, vc_const(c, cinv));
                ve a = cv[2 * u], bb = cv[2 * u + 1];
                ve sum = vce_add(c, a, bb);
                ve dif = vce_mul_base(c, vce_sub(c, a, bb), xinv);
                cv[u] = vce_mul_base(c, vce_add(c, sum, vce_mul(c, beta, dif)), vc_const(c, inv2));
            }
            beta = vce_mul(c, beta, beta);
        }
        cur = cv[0];
        unsigned nh = h - k;
        /* roll-in: the caller provided ro_at[nh] if some table has this size */
        rolled = 0;
        for (unsigned t = 0; t < s->ntables && !rolled; t++)
            if (s->log_n[t] + s->log_b == nh) {
                cur = vce_add(c, cur, vce_mul(c, beta, ro_at[nh]));
                rolled = 1;
            }
    }
    /* final polynomial at the final point */
    unsigned hf = s->log_final + s->log_b;
    vb x = vc_mul(c, y[hf], vc_const(c, layer_shift(l0, hf)));
    size_t nc = (size_t)1 << s->log_final;
    /* Horner two coefficients a step, acc' = c_(j-1) + acc x^2 + c_j x:
     * one e_horner2 row of the recursion VM per two coefficients (x is a
     * base element), an odd last step one e_mul_base_add row */
    ve acc = st->final_poly[nc - 1];
    size_t j = nc - 1; /* coefficients j-1 .. 0 are still to add */
    if (j >= 2) {
        vb x2 = vc_mul(c, x, x);
        for (; j >= 2; j -= 2) acc = vce_horner2(c, st->final_poly[j - 2], acc, x2, st->final_poly[j - 1], x);
    }
    if (j == 1) acc = vce_mul_base_add(c, st->final_poly[0], acc, x);
    vce_assert_eq(c, acc, cur, "FRI query %u: final polynomial mismatch%s", q,
                  s->nlayers == 0 ? " (with the DEEP composition of the opened rows)"
                  : rolled      ? " (with the last fold plus the DEEP roll-in)"
                                : "");
}
