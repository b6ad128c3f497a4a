/* The verifier, written once over the narrow arithmetic interface of
 * vctx.h: every check (transcript, constraint identity at zeta, bus
 * balance, Merkle paths, DEEP values, FRI folding, final polynomial,
 * proof of work) goes through the context's operations and assertions.
 * Control flow depends only on the key, the parameters and the shape the
 * parser derived from them. Shape and length checks are the parser's
 * (proof.c), which reads exactly the counts the key fixes.
 *
 * Query indices are the low log_l0 bits of one squeezed element, exactly
 * as tr_squeeze_bits draws them (no rejection; transcript.h bounds the
 * bias). The list of checks, each with a forgery that fails exactly there,
 * is in tests/stark/test_stark_forge.c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "fri.h"
#include "stark_internal.h"
#include "vctx.h"

/* ---- transcript over vctx, mirroring transcript.c ---- */
static void vtr_duplex(vctx *c, vtr *t)
{
    vc_permute(c, t->st);
    t->absorbed = 0;
    t->squeezed = P2_RATE;
}
static void vtr_absorb(vctx *c, vtr *t, vb x)
{
    t->squeezed = 0;
    t->st[t->absorbed++] = x;
    if (t->absorbed == P2_RATE) vtr_duplex(c, t);
}
static void vtr_absorb_n(vctx *c, vtr *t, const vb *x, size_t n)
{
    for (size_t i = 0; i < n; i++) vtr_absorb(c, t, x[i]);
}
static void vtr_absorb_ext(vctx *c, vtr *t, ve x)
{
    vb p[3];
    vce_parts(c, p, x);
    vtr_absorb_n(c, t, p, 3);
}
static vb vtr_squeeze(vctx *c, vtr *t)
{
    if (t->absorbed > 0 || t->squeezed == 0) vtr_duplex(c, t);
    return t->st[P2_RATE - t->squeezed--];
}
static ve vtr_squeeze_ext(vctx *c, vtr *t)
{
    vb p[3];
    for (int i = 0; i < 3; i++) p[i] = vtr_squeeze(c, t);
    /* e = p0 + p1 X + p2 X^2 */
    ve e = vce_from_base(c, p[0]);
    e = vce_add(c, e, vce_mul_base(c, vce_const(c, (gl3_t){{0, 1, 0}}), p[1]));
    e = vce_add(c, e, vce_mul_base(c, vce_const(c, (gl3_t){{0, 0, 1}}), p[2]));
    return e;
}

typedef struct {
    vctx *c;
    const struct stark_vk *vk;
    const stark_shape *s;
    const stark_proof *pf;
    vb pub[STARK_MAX_PUB];
    ve *open; /* nopen */
    ve alpha, lu_alpha, lu_beta, zeta, gamma;
    ve lu_sum[AIR_MAX_TABLES];
    /* per table height, at its first table (stark_shape.qlead): the
     * combination of its tables' constraints so far and the next power */
    ve qacc[AIR_MAX_TABLES], qapw[AIR_MAX_TABLES];
    /* Native evaluation only: the queries are independent once their
     * indices are drawn, so they may run on several threads, each with a
     * native context of its own; the first failure (in query order) is
     * reported into native_fail. NULL for other backends: one pass. */
    vctx_native *native_fail;
    /* The key as input (verify_rec.h), NULL: the key's constants. */
    stark_key_input *key;
} vstate;

static ve ext_col(vctx *c, const ve *v)
{
    /* extension column from its 3 base-column openings */
    ve r = v[0];
    r = vce_add(c, r, vce_mul(c, v[1], vce_const(c, (gl3_t){{0, 1, 0}})));
    r = vce_add(c, r, vce_mul(c, v[2], vce_const(c, (gl3_t){{0, 0, 1}})));
    return r;
}

static ve fingerprint(vctx *c, ve alpha, ve beta, unsigned bus, const ve *t, unsigned len)
{
    ve acc = vce_add(c, beta, vce_const(c, gl3_from_base(gl_from_u64(bus)))), pw = alpha;
    for (unsigned k = 0; k < len; k++) {
        acc = vce_add(c, acc, vce_mul(c, pw, t[k]));
        pw = vce_mul(c, pw, alpha);
    }
    return acc;
}

/* ---- LogUp constraints at zeta (logup_impl.h) ---- */
typedef struct {
    vstate *v;
    unsigned ti;
    const ve *val;     /* DAG values at zeta */
    ve sum_row;        /* the table's terminal sum / its height */
    const ve *lz, *lg; /* LogUp openings at zeta and g * zeta */
    ve acc, apw;       /* combination: acc += apw * constraint; apw *= alpha */
} vlu;

static void vlu_emit(vlu *l, ve e)
{
    vctx *c = l->v->c;
    l->acc = vce_add(c, l->acc, vce_mul(c, l->apw, e));
    l->apw = vce_mul(c, l->apw, l->v->alpha);
}

#define LU_FN(name) v_##name
#define LU_CTX vlu *
#define LU_E ve
#define LU_B ve
#define LU_E_ADD(l, a, b) vce_add((l)->v->c, (a), (b))
#define LU_E_SUB(l, a, b) vce_sub((l)->v->c, (a), (b))
#define LU_E_MUL(l, a, b) vce_mul((l)->v->c, (a), (b))
#define LU_E_ZERO(l) vce_const((l)->v->c, gl3_zero())
#define LU_E_MUL_B(l, e, b) vce_mul((l)->v->c, (e), (b))
#define LU_E_FROM_B(l, b) (b)
#define LU_B_NEG(l, b) vce_sub((l)->v->c, vce_const((l)->v->c, gl3_zero()), (b))
#define LU_FP(l, k, bus, tup, len) fingerprint((l)->v->c, (l)->v->lu_alpha, (l)->v->lu_beta, (bus), (tup), (len))
#define LU_VAL(l, node) ((l)->val[node])
#define LU_HELPER(l, g, next) ext_col((l)->v->c, ((next) ? (l)->lg : (l)->lz) + 3 * (g))
#define LU_SUM_ROW(l) ((l)->sum_row)
#define LU_EMIT(l, k, e) vlu_emit((l), (e))
#include "logup_impl.h"

/* Evaluates a table's DAG at zeta (or the boundary DAG, with no columns). */
static void eval_dag(vstate *v, const air_table *t, unsigned ti, ve *val, const ve sel[3])
{
    vctx *c = v->c;
    const stark_shape *s = v->s;
    for (size_t i = 0; i < t->nnodes; i++) {
        const air_node *n = &t->nodes[i];
        switch (n->op) {
        case AIR_CONST: val[i] = vce_const(c, gl3_from_base(n->c)); break;
        case AIR_COL: {
            int k = n->kind == AIR_PRE ? TREE_PRE : TREE_MAIN;
            val[i] = v->open[s->open_off[ti][k][n->offset] + n->a];
            break;
        }
        case AIR_PUB: val[i] = vce_from_base(c, v->pub[n->a]); break;
        case AIR_SEL: val[i] = sel[n->kind]; break;
        case AIR_ADD: val[i] = vce_add(c, val[n->a], val[n->b]); break;
        case AIR_SUB: val[i] = vce_sub(c, val[n->a], val[n->b]); break;
        case AIR_MUL: val[i] = vce_mul(c, val[n->a], val[n->b]); break;
        case AIR_NEG: val[i] = vce_sub(c, vce_const(c, gl3_zero()), val[n->a]); break;
        default: val[i] = vce_const(c, gl3_zero()); break;
        }
    }
}

static cairn_err check_constraints(vstate *v, unsigned ti)
{
    vctx *c = v->c;
    const struct stark_vk *vk = v->vk;
    const stark_shape *s = v->s;
    const air_table *t = vk->m->tables[ti];
    const unsigned log_n = s->log_n[ti];
    const gl_t n = (gl_t)1 << log_n, g = gl_root_of_unity(log_n), ginv = gl_inv(g);
    ve zn = v->zeta;
    for (unsigned i = 0; i < log_n; i++) zn = vce_mul(c, zn, zn);
    ve one = vce_const(c, gl3_one());
    ve Z = vce_sub(c, zn, one);
    ve Zn = vce_mul(c, Z, vce_const(c, gl3_from_base(gl_inv(n))));
    ve sel[3];
    sel[AIR_SEL_FIRST] = vce_mul(c, Zn, vce_inv(c, vce_sub(c, v->zeta, one)));
    sel[AIR_SEL_LAST] = vce_mul(c, vce_mul(c, Zn, vce_const(c, gl3_from_base(ginv))),
                                vce_inv(c, vce_sub(c, v->zeta, vce_const(c, gl3_from_base(ginv)))));
    sel[AIR_SEL_TRANS] = vce_sub(c, one, sel[AIR_SEL_LAST]);
    ve *val = cairn_malloc_array(t->nnodes + 1, sizeof *val);
    RETURN_ERROR_IF(!val, CAIRN_ERR_NOMEM, "stark_verify: out of memory");
    eval_dag(v, t, ti, val, sel);
    /* the tables of one height share a quotient (stark_shape.qlead): their
     * constraints are combined by consecutive powers of alpha, in table
     * order, and checked against it once, at the last of them */
    const unsigned lead = s->qlead[ti];
    ve acc = ti == lead ? vce_const(c, gl3_zero()) : v->qacc[lead];
    ve apw = ti == lead ? one : v->qapw[lead];
    for (size_t k = 0; k < t->ncons; k++) {
        acc = vce_add(c, acc, vce_mul(c, apw, val[t->cons[k].e]));
        apw = vce_mul(c, apw, v->alpha);
    }
    if (t->nints) {
        ve sum_row = vce_mul(c, v->lu_sum[ti], vce_const(c, gl3_from_base(gl_inv(n))));
        vlu l = {v, ti, val, sum_row, v->open + s->open_off[ti][TREE_LU][0],
                 v->open + s->open_off[ti][TREE_LU][1], acc, apw};
        v_logup_constraints(&l, vk, ti);
        acc = l.acc;
        apw = l.apw;
    }
    free(val);
    v->qacc[lead] = acc;
    v->qapw[lead] = apw;
    unsigned more = 0;
    for (unsigned u = ti + 1; u < s->ntables; u++) more += s->qlead[u] == lead;
    if (more) return CAIRN_OK;
    /* quotient: sum_j zeta^(j n) Q_j(zeta) */
    const ve *qz = v->open + s->open_off[lead][TREE_Q][0];
    ve qs = vce_const(c, gl3_zero()), zp = one;
    for (unsigned j = 0; j < s->qchunks[lead]; j++) {
        qs = vce_add(c, qs, vce_mul(c, zp, ext_col(c, qz + 3 * j)));
        zp = vce_mul(c, zp, zn);
    }
    if (ti == lead) {
        vce_assert_eq(c, acc, vce_mul(c, Z, qs), "table %s: constraint at zeta mismatch", t->name);
    } else {
        char names[256] = "";
        size_t len = 0;
        for (unsigned u = lead; u <= ti && len < sizeof names; u++)
            if (s->qlead[u] == lead)
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", u == lead ? "" : "+",
                                        vk->m->tables[u]->name);
        vce_assert_eq(c, acc, vce_mul(c, Z, qs), "tables %s (height 2^%u): constraint at zeta mismatch", names,
                      log_n);
    }
    return CAIRN_OK;
}

static cairn_err check_balance(vstate *v)
{
    vctx *c = v->c;
    const air_machine *m = v->vk->m;
    ve total = vce_const(c, gl3_zero());
    for (unsigned t = 0; t < m->ntables; t++)
        if (m->tables[t]->nints) total = vce_add(c, total, v->lu_sum[t]);
    const air_table *b = m->boundary;
    if (b->nints) {
        ve *val = cairn_malloc_array(b->nnodes + 1, sizeof *val);
        RETURN_ERROR_IF(!val, CAIRN_ERR_NOMEM, "stark_verify: out of memory");
        ve sel[3] = {vce_const(c, gl3_zero()), vce_const(c, gl3_zero()), vce_const(c, gl3_zero())};
        eval_dag(v, b, 0, val, sel);
        for (size_t i = 0; i < b->nints; i++) {
            const air_interaction *it = &b->ints[i];
            ve tup[AIR_MAX_TUPLE];
            for (unsigned u = 0; u < it->len; u++) tup[u] = val[it->tuple[u]];
            ve fp = fingerprint(c, v->lu_alpha, v->lu_beta, it->bus, tup, it->len);
            ve term = vce_mul(c, val[it->mult], vce_inv(c, fp));
            total = it->dir == AIR_SEND ? vce_add(c, total, term) : vce_sub(c, total, term);
        }
        free(val);
    }
    vce_assert_eq(c, total, vce_const(c, gl3_zero()), "LogUp buses do not balance");
    return CAIRN_OK;
}

static p2_digest zero_digest;

static void dig_input(vctx *c, vb out[P2_DIGEST], const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST; i++) out[i] = vc_input(c, d->v[i]);
}

/* What every query checks needs, computed once: the trace roots, the
 * FRI state, gamma powers and the DEEP constants per LDE size. */
typedef struct {
    const vstate *v;
    const fri_vstate *fs;
    const ve *gp;
    vb roots[NTREES][P2_DIGEST];
    int lanes; /* c is a vctx_lanes: one pass checks queries q0..q1-1 */
    int has_h[33];
    ve A[33], B1[33], gz[33], gK[33];
} qconst;

/* Per-context buffers for one query's openings. */
typedef struct {
    vb *rows, *paths, *fpaths;
    ve *fvals;
} qbufs;

static void qbufs_free(qbufs *b)
{
    free(b->rows);
    free(b->paths);
    free(b->fvals);
    free(b->fpaths);
}

static cairn_err qbufs_alloc(qbufs *b, const stark_shape *s)
{
    b->rows = cairn_malloc_array(s->q_rows + 1, sizeof *b->rows);
    b->paths = cairn_malloc_array((s->q_paths + 1) * P2_DIGEST, sizeof *b->paths);
    b->fvals = cairn_malloc_array(s->q_fri_vals + 1, sizeof *b->fvals);
    b->fpaths = cairn_malloc_array((s->q_fri_paths + 1) * P2_DIGEST, sizeof *b->fpaths);
    if (b->rows && b->paths && b->fvals && b->fpaths) return CAIRN_OK;
    qbufs_free(b);
    memset(b, 0, sizeof *b);
    return cairn_fail(CAIRN_ERR_NOMEM, "stark_verify: out of memory");
}

/* A DEEP sum sum_k gamma_k v_k over opened values v_k, two terms per step:
 * one row of the recursion VM (e_mul_base_add2) per pair of opened
 * columns; an odd last term takes e_mul_base_add. */
typedef struct {
    ve s;
    ve g; /* the pending term, when pend */
    vb v;
    int pend;
} deep_sum;

static void deep_term(vctx *c, deep_sum *d, ve g, vb v)
{
    if (!d->pend) {
        d->g = g;
        d->v = v;
        d->pend = 1;
        return;
    }
    d->s = vce_mul_base_add2(c, d->s, d->g, d->v, g, v);
    d->pend = 0;
}

static ve deep_end(vctx *c, deep_sum *d)
{
    if (d->pend) d->s = vce_mul_base_add(c, d->s, d->g, d->v);
    d->pend = 0;
    return d->s;
}

/* The proof's input at p for this query (qc->lanes: for each query of the
 * batch, at p + j stride). */
static vb q_input(const qconst *qc, vctx *c, const gl_t *p, size_t stride)
{
    return qc->lanes ? vctx_lanes_input(c, p, stride) : vc_input(c, *p);
}

static void q_digest(const qconst *qc, vctx *c, vb out[P2_DIGEST], const p2_digest *d, size_t stride)
{
    for (int i = 0; i < P2_DIGEST; i++) out[i] = q_input(qc, c, &d->v[i], stride * P2_DIGEST);
}

_Static_assert(sizeof(vb) == sizeof(gl_t) && sizeof(p2_digest) == P2_DIGEST * sizeof(gl_t),
               "q_input reads vb samples and digests as arrays of elements");

/* Queries q0..q1-1 (their index samples drawn): Merkle openings of the
 * trace trees, the DEEP values at the index, FRI. A failed check is an
 * assertion of c. With qc->lanes, one pass checks them all (c is a
 * vctx_lanes begun with q1 - q0 <= VLN_LANES queries). */
static void check_queries(const qconst *qc, vctx *c, const qbufs *b, const vb *samples, unsigned q0,
                          unsigned q1)
{
    const vstate *v = qc->v;
    const struct stark_vk *vk = v->vk;
    const stark_shape *s = v->s;
    const stark_proof *pf = v->pf;
    const air_machine *m = vk->m;
    vb *rows = b->rows, *paths = b->paths, *fpaths = b->fpaths;
    ve *fvals = b->fvals;
    for (unsigned q = q0; q < q1; q = qc->lanes ? q1 : q + 1) {
        /* the index: low log_l0 bits of one element, as tr_squeeze_bits */
        vb ib[32];
        vc_bits(c, ib, qc->lanes ? q_input(qc, c, &samples[q].v, 1) : samples[q], s->log_l0);
        const gl_t *qr = pf->q_rows + (size_t)q * s->q_rows;
        const p2_digest *qp = pf->q_paths + (size_t)q * s->q_paths;
        for (size_t i = 0; i < s->q_rows; i++) rows[i] = q_input(qc, c, &qr[i], s->q_rows);
        for (size_t i = 0; i < s->q_paths; i++) q_digest(qc, c, paths + i * P2_DIGEST, &qp[i], s->q_paths);
        /* Merkle openings of the trace trees; remember each table's rows */
        const vb *trow[NTREES][AIR_MAX_TABLES] = {{0}};
        const vb *rp = rows, *pp = paths;
        static const char *tname[NTREES] = {"preprocessed", "main", "LogUp", "quotient"};
        for (int k = 0; k < NTREES; k++) {
            if (!s->tree_nmats[k]) continue;
            mt_dims dims[AIR_MAX_TABLES];
            const vb *rr[AIR_MAX_TABLES];
            for (unsigned i = 0; i < s->tree_nmats[k]; i++) {
                unsigned t = s->tree_tab[k][i];
                dims[i] = (mt_dims){(size_t)1 << (s->log_n[t] + s->log_b), s->w[k][t]};
                rr[i] = rp;
                trow[k][t] = rp;
                rp += s->w[k][t];
            }
            vmt_verify(c, qc->roots[k], dims, s->tree_nmats[k], ib + (s->log_l0 - s->tree_log_h[k]), rr,
                       pp, tname[k], q);
            pp += (size_t)s->tree_log_h[k] * P2_DIGEST;
        }
        /* the index's points on every domain down to the final
         * polynomial's and the smallest LDE */
        vb y[33];
        unsigned hmin = s->log_final + s->log_b;
        for (unsigned h = 0; h < hmin; h++)
            if (qc->has_h[h]) hmin = h;
        fri_query_points(c, y, ib, s->log_l0, hmin);
        /* DEEP values at this index, per LDE size */
        ve ro_at[33];
        for (unsigned h = 0; h <= s->log_l0; h++) {
            if (!qc->has_h[h]) continue;
            vb x = vc_mul(c, y[h], vc_const(c, STARK_SHIFT));
            ve xe = vce_from_base(c, x);
            ve i1 = vce_inv(c, vce_sub(c, xe, v->zeta)), i2 = vce_inv(c, vce_sub(c, xe, qc->gz[h]));
            deep_sum D1 = {vce_const(c, gl3_zero()), {{0}}, {0}, 0}, D2 = D1;
            size_t k = 0;
            for (unsigned t = 0; t < m->ntables; t++) {
                if (s->log_n[t] + s->log_b != h) continue;
                for (int tr2 = 0; tr2 < NTREES; tr2++)
                    for (unsigned col = 0; col < s->w[tr2][t]; col++, k++)
                        deep_term(c, tr2 == TREE_Q ? &D2 : &D1, qc->gp[k], trow[tr2][t][col]);
            }
            ve S1 = deep_end(c, &D1), S2 = deep_end(c, &D2);
            ve a = vce_mul(c, vce_sub(c, vce_add(c, S1, S2), qc->A[h]), i1);
            ve b = vce_mul(c, vce_mul(c, vce_sub(c, S1, qc->B1[h]), i2), qc->gK[h]);
            ro_at[h] = vce_add(c, a, b);
        }
        const gl3_t *qv = pf->q_fri_vals + (size_t)q * s->q_fri_vals;
        const p2_digest *qfp = pf->q_fri_paths + (size_t)q * s->q_fri_paths;
        for (size_t i = 0; i < s->q_fri_vals; i++)
            fvals[i] = qc->lanes ? vctx_lanes_input_e(c, &qv[i], s->q_fri_vals) : vce_input(c, qv[i]);
        for (size_t i = 0; i < s->q_fri_paths; i++)
            q_digest(qc, c, fpaths + i * P2_DIGEST, &qfp[i], s->q_fri_paths);
        fri_verify_query(c, s, qc->fs, ib, y, ro_at, fvals, fpaths, q);
    }
}

/* The key digest from the root inputs: p2_hash (p2.c) finished over the
 * description's tail and the root, from the state after its full blocks
 * (stark_key_input_init), with vhash's sponge (fri.c). */
static void key_digest(vctx *c, stark_key_input *k)
{
    vb st[P2_WIDTH], e[P2_RATE + P2_DIGEST];
    for (int i = 0; i < P2_WIDTH; i++) st[i] = vc_const(c, k->state[i]);
    for (unsigned i = 0; i < k->ntail; i++) e[i] = vc_const(c, k->tail[i]);
    for (int i = 0; i < P2_DIGEST; i++) e[k->ntail + i] = k->root[i];
    vhash_from(c, k->digest, st, e, k->ntail + P2_DIGEST);
}

static cairn_err verify(vstate *v)
{
    vctx *c = v->c;
    const struct stark_vk *vk = v->vk;
    const stark_shape *s = v->s;
    const stark_proof *pf = v->pf;
    const air_machine *m = vk->m;
    vtr tr;
    vb roots[NTREES][P2_DIGEST];
    if (v->key) {
        key_digest(c, v->key);
        transcript t0;
        tr_init(&t0, STARK_DOMAIN_TAG);
        for (int i = 0; i < P2_WIDTH; i++) tr.st[i] = vc_const(c, t0.st[i]);
        tr.absorbed = t0.absorbed;
        tr.squeezed = t0.squeezed;
        vtr_absorb_n(c, &tr, v->key->digest, P2_DIGEST);
        memcpy(roots[TREE_PRE], v->key->root, sizeof roots[TREE_PRE]);
    } else {
        for (int i = 0; i < P2_WIDTH; i++) tr.st[i] = vc_const(c, vk->tr0.st[i]);
        tr.absorbed = vk->tr0.absorbed;
        tr.squeezed = vk->tr0.squeezed;
        for (int i = 0; i < P2_DIGEST; i++) roots[TREE_PRE][i] = vc_const(c, vk->pre_root.v[i]);
    }
    vtr_absorb_n(c, &tr, v->pub, m->npub);
    for (unsigned t = 0; t < m->ntables; t++) vtr_absorb(c, &tr, vc_const(c, s->log_n[t]));
    if (s->tree_nmats[TREE_MAIN]) {
        dig_input(c, roots[TREE_MAIN], &pf->main_root);
        vtr_absorb_n(c, &tr, roots[TREE_MAIN], P2_DIGEST);
    }
    if (vk->has_lu) {
        v->lu_alpha = vtr_squeeze_ext(c, &tr);
        v->lu_beta = vtr_squeeze_ext(c, &tr);
        if (s->tree_nmats[TREE_LU]) {
            dig_input(c, roots[TREE_LU], &pf->lu_root);
            vtr_absorb_n(c, &tr, roots[TREE_LU], P2_DIGEST);
        } else {
            dig_input(c, roots[TREE_LU], &zero_digest);
        }
        for (unsigned t = 0; t < m->ntables; t++)
            if (m->tables[t]->nints) {
                v->lu_sum[t] = vce_input(c, pf->lu_sum[t]);
                vtr_absorb_ext(c, &tr, v->lu_sum[t]);
            }
    } else {
        dig_input(c, roots[TREE_LU], &zero_digest);
    }
    v->alpha = vtr_squeeze_ext(c, &tr);
    dig_input(c, roots[TREE_Q], &pf->q_root);
    vtr_absorb_n(c, &tr, roots[TREE_Q], P2_DIGEST);
    v->zeta = vtr_squeeze_ext(c, &tr);
    for (size_t i = 0; i < s->nopen; i++) {
        v->open[i] = vce_input(c, pf->open[i]);
        vtr_absorb_ext(c, &tr, v->open[i]);
    }
    v->gamma = vtr_squeeze_ext(c, &tr);
    fri_vstate *fs = cairn_malloc(sizeof *fs);
    RETURN_ERROR_IF(!fs, CAIRN_ERR_NOMEM, "stark_verify: out of memory");
    for (unsigned l = 0; l < s->nlayers; l++) {
        dig_input(c, fs->root[l], &pf->fri_root[l]);
        vtr_absorb_n(c, &tr, fs->root[l], P2_DIGEST);
        fs->beta[l] = vtr_squeeze_ext(c, &tr);
    }
    size_t nc = (size_t)1 << s->log_final;
    for (size_t j = 0; j < nc; j++) {
        fs->final_poly[j] = vce_input(c, pf->final_poly[j]);
        vtr_absorb_ext(c, &tr, fs->final_poly[j]);
    }
    /* proof of work: absorb the nonce, the next sample's top bits are 0 */
    {
        vb nonce = vc_input(c, pf->pow_nonce);
        vtr_absorb(c, &tr, nonce);
        vb y = vtr_squeeze(c, &tr), bits[64];
        vc_bits(c, bits, y, 64);
        for (unsigned b = 0; b < vk->p.pow_bits; b++)
            vc_assert_eq(c, bits[63 - b], vc_const(c, 0), "proof-of-work nonce is invalid");
    }
    /* constraints at zeta, bus balance */
    cairn_err err = CAIRN_OK;
    for (unsigned t = 0; t < m->ntables && err == CAIRN_OK; t++) err = check_constraints(v, t);
    if (err == CAIRN_OK && vk->has_lu) err = check_balance(v);
    /* DEEP constants per LDE size: gamma powers, A, B1, g*zeta */
    vb *samples = NULL;
    size_t maxK = 0;
    for (unsigned t = 0; t < m->ntables; t++)
        for (int k = 0; k < NTREES; k++) maxK += s->w[k][t];
    ve *gp = cairn_malloc_array(maxK + 1, sizeof *gp);
    if (!gp) {
        if (err == CAIRN_OK) err = cairn_fail(CAIRN_ERR_NOMEM, "stark_verify: out of memory");
        goto done;
    }
    gp[0] = vce_const(c, gl3_one());
    for (size_t k = 1; k <= maxK; k++) gp[k] = vce_mul(c, gp[k - 1], v->gamma);
    qconst qc = {.v = v, .fs = fs, .gp = gp};
    memcpy(qc.roots, roots, sizeof roots);
    for (unsigned h = 0; h <= s->log_l0; h++) {
        size_t k = 0;
        qc.A[h] = qc.B1[h] = vce_const(c, gl3_zero());
        for (unsigned t = 0; t < m->ntables; t++) {
            if (s->log_n[t] + s->log_b != h) continue;
            if (!qc.has_h[h])
                qc.gz[h] = vce_mul(c, v->zeta, vce_const(c, gl3_from_base(gl_root_of_unity(s->log_n[t]))));
            qc.has_h[h] = 1;
            for (int tr2 = 0; tr2 < NTREES; tr2++)
                for (unsigned col = 0; col < s->w[tr2][t]; col++, k++) {
                    qc.A[h] = vce_add(c, qc.A[h], vce_mul(c, gp[k], v->open[s->open_off[t][tr2][0] + col]));
                    if (tr2 != TREE_Q)
                        qc.B1[h] = vce_add(c, qc.B1[h], vce_mul(c, gp[k], v->open[s->open_off[t][tr2][1] + col]));
                }
        }
        if (qc.has_h[h]) qc.gK[h] = gp[k];
    }
    /* every query index is drawn before any query is checked (the
     * transcript is only squeezed: the same samples as one at a time) */
    const unsigned nq = vk->p.queries;
    samples = cairn_malloc_array(nq, sizeof *samples);
    if (!samples) {
        if (err == CAIRN_OK) err = cairn_fail(CAIRN_ERR_NOMEM, "stark_verify: out of memory");
        goto done;
    }
    for (unsigned q = 0; q < nq; q++) samples[q] = vtr_squeeze(c, &tr);
    if (err == CAIRN_OK && !v->native_fail) {
        qbufs b;
        err = qbufs_alloc(&b, s);
        if (err == CAIRN_OK) check_queries(&qc, c, &b, samples, 0, nq);
        qbufs_free(&b);
    } else if (err == CAIRN_OK) {
        /* native: batches of VLN_LANES queries on threads, each batch in
         * one pass of a lanes context (vctx.h); the failure of the lowest
         * query is reported, as one pass would, with the message of the
         * one-state backend on that query alone */
        unsigned first_q = nq;
        const unsigned nb = (nq + VLN_LANES - 1) / VLN_LANES;
        int oom = 0;
        qconst ql = qc;
        ql.lanes = 1;
#pragma omp parallel
        {
            vctx_lanes tl;
            vctx_lanes_init(&tl);
            qbufs b;
            if (qbufs_alloc(&b, s) != CAIRN_OK) {
#pragma omp atomic write
                oom = 1;
            }
#pragma omp for schedule(dynamic, 1)
            for (unsigned bi = 0; bi < nb; bi++) {
                if (!b.rows) continue;
                const unsigned q0 = bi * VLN_LANES, q1 = q0 + VLN_LANES < nq ? q0 + VLN_LANES : nq;
                vctx_lanes_begin(&tl, q1 - q0);
                check_queries(&ql, &tl.ctx, &b, samples, q0, q1);
                if (tl.oom) {
#pragma omp atomic write
                    oom = 1;
                } else if (tl.fail_lane < q1 - q0) {
#pragma omp critical(stark_verify_queries)
                    if (q0 + tl.fail_lane < first_q) first_q = q0 + tl.fail_lane;
                }
            }
            qbufs_free(&b);
            vctx_lanes_free(&tl);
        }
        vctx_native *nf = v->native_fail;
        if (oom) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "stark_verify: out of memory");
        } else if (first_q < nq) {
            /* the message: the failing query again, alone */
            vctx_native tn;
            vctx_native_init(&tn);
            qbufs b;
            err = qbufs_alloc(&b, s);
            if (err == CAIRN_OK) check_queries(&qc, &tn.ctx, &b, samples, first_q, first_q + 1);
            qbufs_free(&b);
            if (err == CAIRN_OK && nf->failures++ == 0) {
                if (tn.failures) memcpy(nf->first, tn.first, sizeof nf->first);
                else /* the two backends disagree: cairn's bug, still a rejection */
                    snprintf(nf->first, sizeof nf->first, "query %u: rejected by the lanes backend only", first_q);
            }
        }
    }
done:
    free(gp);
    free(samples);
    free(fs);
    return err;
}

static cairn_err verify_vctx(vctx *c, vctx_native *native, const struct stark_vk *vk,
                             const stark_shape *s, const stark_proof *pf, const gl_t *pub, size_t npub,
                             stark_key_input *key)
{
    RETURN_ERROR_IF(npub != vk->m->npub, CAIRN_ERR_USAGE,
                    "stark_verify: %zu public values, machine %s has %u", npub, vk->m->name,
                    vk->m->npub);
    assert(npub <= STARK_MAX_PUB); /* stark_setup rejects larger machines */
    vstate v;
    memset(&v, 0, sizeof v);
    v.c = c;
    v.vk = vk;
    v.s = s;
    v.pf = pf;
    v.native_fail = native;
    for (size_t i = 0; i < npub; i++) {
        RETURN_ERROR_IF(pub[i] >= GL_P, CAIRN_ERR_USAGE,
                        "stark_verify: public value %zu is not canonical", i);
        v.pub[i] = vc_input(v.c, pub[i]);
    }
    /* the inner key's root: the witness right after the public values */
    v.key = key;
    if (key) {
        memcpy(key->pub, v.pub, npub * sizeof *v.pub);
        for (int i = 0; i < P2_DIGEST; i++) key->root[i] = vc_input(c, key->pre_root.v[i]);
    }
    v.open = cairn_malloc_array(s->nopen + 1, sizeof *v.open);
    RETURN_ERROR_IF(!v.open, CAIRN_ERR_NOMEM, "stark_verify: out of memory");
    cairn_err err = verify(&v);
    free(v.open);
    return err;
}

cairn_err stark_verify_vctx(vctx *c, const struct stark_vk *vk, const stark_shape *s,
                            const stark_proof *pf, const gl_t *pub, size_t npub)
{
    return verify_vctx(c, NULL, vk, s, pf, pub, npub, NULL);
}

cairn_err stark_verify_vctx_key(vctx *c, const struct stark_vk *vk, const stark_shape *s,
                                const stark_proof *pf, const gl_t *pub, size_t npub,
                                stark_key_input *key)
{
    return verify_vctx(c, NULL, vk, s, pf, pub, npub, key);
}

cairn_err stark_verify_parsed(const struct stark_vk *vk, const stark_shape *s,
                              const stark_proof *pf, const gl_t *pub, size_t npub)
{
    vctx_native nat;
    vctx_native_init(&nat);
    FORWARD_IF_ERROR(verify_vctx(&nat.ctx, &nat, vk, s, pf, pub, npub, NULL));
    RETURN_ERROR_IF(nat.failures, CAIRN_ERR_VERIFY, "%s", nat.first);
    return CAIRN_OK;
}

cairn_err stark_verify(const stark_vk *vk, const gl_t *pub, size_t npub, const uint8_t *proof,
                       size_t len, unsigned *log_heights)
{
    RETURN_ERROR_IF(!log_heights, CAIRN_ERR_USAGE,
                    "stark_verify: no table heights given (see stark.h: the heights are part "
                    "of the statement)");
    stark_proof pf;
    stark_shape s;
    FORWARD_IF_ERROR(stark_proof_read(&pf, &s, vk, proof, len));
    const air_machine *m = vk->m;
    cairn_err err = CAIRN_OK;
    for (unsigned t = 0; t < m->ntables && err == CAIRN_OK; t++)
        if (log_heights[t] && log_heights[t] != s.log_n[t])
            err = cairn_fail(CAIRN_ERR_VERIFY,
                             "stark_verify: table %s has log height %u in the proof, %u expected",
                             m->tables[t]->name, s.log_n[t], log_heights[t]);
    if (err == CAIRN_OK) err = stark_verify_parsed(vk, &s, &pf, pub, npub);
    if (err == CAIRN_OK)
        for (unsigned t = 0; t < m->ntables; t++) log_heights[t] = s.log_n[t];
    stark_proof_free(&pf);
    return err;
}
