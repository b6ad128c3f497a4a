/* Key generation: LogUp grouping, quotient sizes, preprocessed commitment,
 * and the verifying-key digest that binds machine and parameters. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "ntt.h"
#include "stark_internal.h"

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

static unsigned tuple_degree(const air_table *t, const air_interaction *it)
{
    unsigned d = 0;
    for (unsigned k = 0; k < it->len; k++) d = umax(d, air_degree(t, it->tuple[k]));
    return d;
}

/* Groups consecutive interactions, as many (up to STARK_MAX_GROUP) as
 * keep the group's constraint within the degree bound D:
 *   h * prod_i fp_i - sum_i (+-m_i prod_{j != i} fp_j) = 0
 * has degree max(1 + sum_i d_i, max_i (dm_i + sum_{j != i} d_j)), d_i the
 * degree of tuple i, dm_i of its multiplicity. A group of one is
 * h * fp - +-m = 0. */
static unsigned group_interactions(struct stark_vk *vk, unsigned ti, const air_table *t,
                                   unsigned D)
{
    unsigned g = 0, maxd = 2; /* the degree-2 floor of every table (stark_setup) */
    for (unsigned i = 0; i < t->nints;) {
        unsigned size = 0, sum = 0, gd = 0;
        /* max_i (dm_i - d_i) so far (none yet: below any): the numerator's
         * degree is sum + this */
        int mx = -(int)AIR_MAX_TUPLE * 64;
        while (i + size < t->nints && size < STARK_MAX_GROUP) {
            const air_interaction *a = &t->ints[i + size];
            const unsigned da = tuple_degree(t, a), ma = air_degree(t, a->mult);
            const int mx2 = (int)ma - (int)da > mx ? (int)ma - (int)da : mx;
            const unsigned sum2 = sum + da;
            const int num = (int)sum2 + mx2;
            const unsigned d = umax(1 + sum2, num > 0 ? (unsigned)num : 0);
            if (size && d > D) break;
            size++;
            sum = sum2;
            mx = mx2;
            gd = d;
        }
        vk->group_first[ti][g] = (uint8_t)i;
        vk->group_size[ti][g++] = (uint8_t)size;
        maxd = umax(maxd, gd);
        i += size;
    }
    vk->ngroups[ti] = g;
    return maxd;
}

/* Description of machine + parameters as field elements, hashed into the
 * key digest. */
typedef struct {
    gl_t *v;
    size_t n, cap;
    int oom;
} gvec;

static void put(gvec *g, gl_t x)
{
    if (g->oom) return;
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 1024;
        gl_t *q = cairn_realloc_array(g->v, nc, sizeof *q);
        if (!q) {
            g->oom = 1;
            return;
        }
        g->v = q;
        g->cap = nc;
    }
    g->v[g->n++] = gl_from_u64(x);
}

static void put_table(gvec *g, const air_table *t)
{
    put(g, t->npre);
    put(g, t->nmain);
    put(g, t->pre_log_n);
    put(g, t->nnodes);
    for (size_t i = 0; i < t->nnodes; i++) {
        const air_node *n = &t->nodes[i];
        put(g, (gl_t)n->op | (gl_t)n->kind << 8 | (gl_t)n->offset << 16);
        put(g, n->a);
        put(g, n->b);
        put(g, n->c);
    }
    put(g, t->ncons);
    for (size_t i = 0; i < t->ncons; i++) put(g, t->cons[i].e);
    put(g, t->nints);
    for (size_t i = 0; i < t->nints; i++) {
        const air_interaction *it = &t->ints[i];
        put(g, it->bus);
        put(g, it->dir);
        put(g, it->mult);
        put(g, it->len);
        for (unsigned k = 0; k < it->len; k++) put(g, it->tuple[k]);
    }
}

/* The key digest hashes the description of machine + parameters, then
 * the preprocessed root (last, so that keys of one machine description
 * share every full sponge block before it: stark_key_input). */
cairn_err stark_key_desc(gl_t **out, size_t *n, const air_machine *m, const stark_params *p)
{
    gvec g = {0};
    put(&g, STARK_VERSION);
    put(&g, p->log_blowup);
    put(&g, p->queries);
    put(&g, p->pow_bits);
    put(&g, p->log_arity);
    put(&g, p->log_final_len);
    put(&g, m->max_degree);
    put(&g, m->npub);
    put(&g, m->ntables);
    for (unsigned ti = 0; ti < m->ntables; ti++) put_table(&g, m->tables[ti]);
    put_table(&g, m->boundary);
    for (int i = 0; i < P2_DIGEST; i++) put(&g, 0); /* room for the root */
    if (g.oom) {
        free(g.v);
        return cairn_fail(CAIRN_ERR_NOMEM, "stark: out of memory hashing the key");
    }
    *out = g.v;
    *n = g.n - P2_DIGEST;
    return CAIRN_OK;
}

cairn_err stark_vk_rekey(struct stark_vk *out, const struct stark_vk *vk, const p2_digest *pre_root)
{
    gl_t *d;
    size_t n;
    FORWARD_IF_ERROR(stark_key_desc(&d, &n, vk->m, &vk->p));
    struct stark_vk k = *vk;
    k.pre_root = *pre_root;
    memcpy(d + n, pre_root->v, sizeof pre_root->v);
    p2_hash(&k.digest, d, n + P2_DIGEST);
    free(d);
    tr_init(&k.tr0, STARK_DOMAIN_TAG);
    tr_absorb_digest(&k.tr0, &k.digest);
    *out = k;
    return CAIRN_OK;
}

cairn_err stark_key_input_init(stark_key_input *k, const struct stark_vk *vk, const p2_digest *pre_root)
{
    gl_t *d;
    size_t n;
    FORWARD_IF_ERROR(stark_key_desc(&d, &n, vk->m, &vk->p));
    memset(k, 0, sizeof *k);
    k->pre_root = *pre_root;
    /* p2_hash over n + 4 elements: its blocks of 8 that lie inside the
     * description are the same for every root (absorbed here); the rest
     * of the description and the root are the verifier's to absorb */
    const size_t full = n / P2_RATE;
    k->state[P2_RATE] = gl_from_u64((uint64_t)(n + P2_DIGEST));
    for (size_t b = 0; b < full; b++) {
        memcpy(k->state, d + b * P2_RATE, P2_RATE * sizeof *d);
        p2_permute(k->state);
    }
    k->ntail = (unsigned)(n - full * P2_RATE);
    memcpy(k->tail, d + full * P2_RATE, k->ntail * sizeof *d);
    free(d);
    return CAIRN_OK;
}

static cairn_err commit_pre(stark_pk *pk, const air_machine *m, unsigned log_b)
{
    mt_matrix mats[AIR_MAX_TABLES];
    unsigned nm = 0;
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        const air_table *t = m->tables[ti];
        if (!t->npre) continue;
        size_t rows = (size_t)1 << (t->pre_log_n + log_b);
        size_t bytes;
        gl_t *l = cairn_mul_size(&bytes, rows, t->npre) && cairn_mul_size(&bytes, bytes, sizeof *l)
                      ? cairn_malloc(bytes) : NULL;
        if (!l)
            return cairn_fail_nomem(bytes, "stark_setup: out of memory for the preprocessed LDE of table %s",
                                    t->name);
        pk->pre_lde[ti] = l; /* freed with pk */
        cairn_err e = ntt_lde_batch(l, t->pre, t->pre_log_n, t->npre, log_b, STARK_SHIFT, 1);
        if (e != CAIRN_OK)
            return cairn_prefix_error(e, "stark_setup: preprocessed LDE of table %s", t->name);
        mats[nm++] = (mt_matrix){l, rows, t->npre};
    }
    if (!nm) return CAIRN_OK;
    FORWARD_IF_ERROR(mt_commit(&pk->pre_tree, mats, nm));
    pk->vk.pre_root = mt_root(pk->pre_tree);
    pk->vk.has_pre = 1;
    return CAIRN_OK;
}

/* Whether any table has preprocessed columns (only those have a root to
 * cache). */
static int has_pre(const air_machine *m)
{
    for (unsigned ti = 0; ti < m->ntables; ti++)
        if (m->tables[ti]->npre) return 1;
    return 0;
}

/* The preprocessed root of a new key: from the key cache (the proving key
 * then commits on first use), else committed now and stored. */
static cairn_err setup_pre(stark_pk *pk, const air_machine *m, const stark_params *p)
{
    if (!has_pre(m)) return CAIRN_OK;
    int found;
    p2_digest root;
    FORWARD_IF_ERROR(stark_keycache_lookup(&found, &root, pk->cache_path, sizeof pk->cache_path, m, &pk->vk.p));
    if (found) {
        pk->vk.pre_root = root;
        pk->vk.has_pre = 1;
        pk->lazy = 1;
        return CAIRN_OK;
    }
    FORWARD_IF_ERROR(commit_pre(pk, m, p->log_blowup));
    stark_keycache_store(m, &pk->vk.p, &pk->vk.pre_root);
    return CAIRN_OK;
}

static void free_pre(stark_pk *pk)
{
    for (unsigned i = 0; i < AIR_MAX_TABLES; i++) {
        free(pk->pre_lde[i]);
        pk->pre_lde[i] = NULL;
    }
    mt_free(pk->pre_tree);
    pk->pre_tree = NULL;
}

cairn_err stark_pk_ready(stark_pk *pk)
{
    cairn_err e = CAIRN_OK;
    pthread_mutex_lock(&pk->lock);
    if (pk->lazy) {
        const p2_digest cached = pk->vk.pre_root;
        e = commit_pre(pk, pk->vk.m, pk->vk.p.log_blowup);
        if (e == CAIRN_OK && memcmp(cached.v, pk->vk.pre_root.v, sizeof cached.v) != 0) {
            stark_keycache_forget(pk->cache_path);
            e = cairn_fail(CAIRN_ERR_INTERNAL,
                           "stark: the key cache entry %s holds another preprocessed root than machine %s's "
                           "(deleted: run again)",
                           pk->cache_path, pk->vk.m->name);
        }
        if (e != CAIRN_OK) {
            free_pre(pk);
            pk->vk.pre_root = cached;
        } else {
            pk->lazy = 0;
        }
    }
    pthread_mutex_unlock(&pk->lock);
    return e;
}

void stark_pk_free(stark_pk *pk)
{
    if (!pk) return;
    pthread_mutex_destroy(&pk->lock);
    free_pre(pk);
    free(pk);
}

void stark_vk_free(stark_vk *vk) { free(vk); }
p2_digest stark_vk_digest(const stark_vk *vk) { return vk->digest; }
p2_digest stark_vk_pre_root(const stark_vk *vk) { return vk->pre_root; }
const stark_params *stark_vk_params(const stark_vk *vk) { return &vk->p; }
unsigned stark_vk_ntables(const stark_vk *vk) { return vk->m->ntables; }

unsigned stark_vk_logup_columns(const stark_vk *vk, unsigned t)
{
    /* a helper column per group of interactions but the last, whose
     * fractions the running sum carries (logup_impl.h) */
    if (t >= vk->m->ntables || !vk->ngroups[t]) return 0;
    return vk->ngroups[t];
}

/* The verifying key's parts that come from m and p alone (LogUp groups,
 * quotient sizes); the preprocessed root and the digest are the caller's. */
static cairn_err vk_init(struct stark_vk *vk, const air_machine *m, const stark_params *p)
{
    RETURN_ERROR_IF(!m->finished, CAIRN_ERR_USAGE, "stark: machine %s is not finished", m->name);
    FORWARD_IF_ERROR(stark_params_validate(p));
    vk->m = m;
    vk->p = *p;
    vk->max_lu_degree = stark_lu_degree(m, p->log_blowup);
    /* The checker is the prover's business: the verifying key (and its
     * digest) never carries it. */
    vk->p.check_trace = 0;
    RETURN_ERROR_IF(m->npub > STARK_MAX_PUB, CAIRN_ERR_LIMIT, "stark: machine %s has %u public values (max %d)",
                    m->name, m->npub, STARK_MAX_PUB);
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        const air_table *t = m->tables[ti];
        RETURN_ERROR_IF(t->nints > STARK_MAX_INTS, CAIRN_ERR_LIMIT, "stark: table %s has %zu interactions (max %d)",
                        t->name, t->nints, STARK_MAX_INTS);
        unsigned d = 2, dlu = 0;
        for (size_t c = 0; c < t->ncons; c++) d = umax(d, air_degree(t, t->cons[c].e));
        const unsigned d_own = d;
        if (t->nints) {
            dlu = group_interactions(vk, ti, t, vk->max_lu_degree);
            d = umax(d, dlu);
            vk->has_lu = 1;
        }
        /* the quotient has degree < (d - 1) n: 2^q chunks, evaluated on a
         * coset of 2^q n points, which may be larger than the LDE (the
         * prover then computes the extra blocks for the quotient alone) */
        unsigned q = 0;
        while ((1u << q) < d - 1) q++;
        vk->qlog[ti] = q;
        RETURN_ERROR_IF(q > STARK_MAX_QLOG, CAIRN_ERR_USAGE,
                        "stark: table %s has constraint degree %u (at most %d)", t->name, d,
                        (1 << STARK_MAX_QLOG) + 1);
        vk->qsplit[ti] = vk->qhi_reads[ti] = vk->qlo_log[ti] = 0;
        unsigned q_own = 0;
        while ((1u << q_own) < d_own - 1) q_own++;
        if (q <= p->log_blowup && q_own < q) {
            /* the LogUp groups set the degree: the own constraints on
             * fewer blocks (qsplit 2) */
            vk->qsplit[ti] = 2;
            vk->qlo_log[ti] = (uint8_t)q_own;
        } else if (q > p->log_blowup && dlu < stark_qhi_degree(vk)) {
            size_t c = 0;
            uint32_t *list = air_nodes_read(t, 0, stark_qhi_degree(vk), &c);
            if (!list)
                return cairn_fail_nomem(t->nnodes * sizeof *list, "stark: out of memory planning the quotient of table %s",
                                        t->name);
            vk->qsplit[ti] = 1;
            vk->qlo_log[ti] = (uint8_t)p->log_blowup;
            for (size_t i = 0; i < c; i++)
                if (t->nodes[list[i]].op == AIR_COL) vk->qhi_reads[ti] |= (uint8_t)(1u << t->nodes[list[i]].kind);
            free(list);
        }
    }
    /* A machine whose only interactions are boundary terms still states
     * a bus equation over its public values: it is checked like any other. */
    if (m->boundary->nints) vk->has_lu = 1;
    return CAIRN_OK;
}

void stark_quotient_blocks(const struct stark_vk *vk, unsigned t, size_t *um, size_t *ul, size_t *up)
{
    const size_t nq = (size_t)1 << vk->qlog[t], nlo = (size_t)1 << vk->p.log_blowup;
    const int s = vk->qsplit[t] == 1;
    *um = !s || (vk->qhi_reads[t] & (1u << AIR_MAIN)) ? nq : nlo;
    *ul = !s ? nq : nlo;
    *up = !s || (vk->qhi_reads[t] & (1u << AIR_PRE)) ? nq : nlo;
}

/* A malloc'd copy of vk. */
static cairn_err vk_copy(stark_vk **out, const struct stark_vk *vk)
{
    *out = cairn_malloc(sizeof **out);
    RETURN_ERROR_IF(!*out, CAIRN_ERR_NOMEM, "stark: out of memory for keys");
    memcpy(*out, vk, sizeof *vk);
    return CAIRN_OK;
}

cairn_err stark_setup(stark_pk **pkp, stark_vk **vkp, const air_machine *m,
                      const stark_params *p)
{
    *pkp = NULL;
    *vkp = NULL;
    stark_pk *pk = cairn_calloc(1, sizeof *pk);
    RETURN_ERROR_IF(!pk, CAIRN_ERR_NOMEM, "stark: out of memory for keys");
    pthread_mutex_init(&pk->lock, NULL);
    struct stark_vk *vk = &pk->vk;
    pk->check_trace = p->check_trace;
    cairn_err err = vk_init(vk, m, p);
    if (err == CAIRN_OK) err = setup_pre(pk, m, p);
    if (err == CAIRN_OK) err = stark_vk_rekey(vk, vk, &vk->pre_root);
    if (err == CAIRN_OK) err = vk_copy(vkp, vk);
    if (err != CAIRN_OK) {
        stark_pk_free(pk);
        return err;
    }
    *pkp = pk;
    return CAIRN_OK;
}

cairn_err stark_vk_from_root(stark_vk **out, const air_machine *m, const stark_params *p, const p2_digest *pre_root)
{
    *out = NULL;
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(pre_root->v[i] >= GL_P, CAIRN_ERR_USAGE, "stark_vk_from_root: a root element not below p");
    struct stark_vk *vk = cairn_calloc(1, sizeof *vk);
    RETURN_ERROR_IF(!vk, CAIRN_ERR_NOMEM, "stark: out of memory for keys");
    cairn_err err = vk_init(vk, m, p);
    if (err == CAIRN_OK && has_pre(m)) {
        vk->pre_root = *pre_root;
        vk->has_pre = 1;
    } else if (err == CAIRN_OK && (pre_root->v[0] | pre_root->v[1] | pre_root->v[2] | pre_root->v[3])) {
        err = cairn_fail(CAIRN_ERR_USAGE, "stark_vk_from_root: machine %s has no preprocessed columns", m->name);
    }
    if (err == CAIRN_OK) err = stark_vk_rekey(vk, vk, &vk->pre_root);
    if (err != CAIRN_OK) {
        free(vk);
        return err;
    }
    *out = vk;
    return CAIRN_OK;
}
