/* Proof shape, canonical byte format, serialiser and parser.
 *
 * Format (little-endian, version 5; 4 had the same layout with a
 * quotient per table instead of per table height, stark_shape.qlead; 3
 * that of 4, and LogUp always in pairs, stark_lu_degree):
 *   magic "CAIRNPRF" (8 bytes) | version u32 | verifying-key digest (4 gl)
 *   | ntables u8 | log height u8 per table
 *   | main root (if any table has main columns) | LogUp root and one
 *     terminal sum (gl3) per table with interactions (if any)
 *   | quotient root | opened values (gl3, order of stark_shape.open_off)
 *   | FRI layer roots | final polynomial (gl3, 2^log_final coefficients)
 *   | proof-of-work nonce (gl)
 *   | path bitmap: one bit per path slot (below), LSB first, ceil(S/8)
 *     bytes, the bits past the last slot zero
 *   | per query: opened rows of every trace tree (gl), their Merkle paths
 *     (slots), FRI coset values (gl3) per layer, FRI Merkle paths (slots)
 * gl = 8 bytes canonical (< p), gl3 = 3 gl, digest = 4 gl.
 *
 * Path slots. The S = queries * (q_paths + q_fri_paths) sibling digests
 * of the Merkle paths are numbered in the order they are written. Queries
 * share the top levels of every tree, so many siblings repeat (an
 * exported rc-100 final proof compressed by 21% under zstd for this
 * reason alone). A slot whose bit is clear holds its digest; a slot whose
 * bit is set holds a reference, the number of an earlier slot with the
 * same digest, u16 when S <= 2^16 and u32 otherwise. One encoding per
 * proof: a reference names an earlier slot that holds a digest (not a
 * reference), and no digest written in full equals an earlier one (each
 * repeat is a reference). The parser expands references, so the parsed
 * proof, and what the verifier (native or recorded) reads, are as before.
 *
 * Every count comes from the verifying key, the parameters and the stated
 * heights (each checked against the key's bounds) and never from the proof
 * itself; the parser rejects trailing bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "stark_internal.h"

/* Every fold removes at least one bit from a codeword of at most
 * 2^(STARK_MAX_LOG_N + 6) (log_blowup <= 6) down to 2^1: no proof a parser
 * accepts has more layers than the proof's arrays hold. */
_Static_assert(STARK_MAX_LOG_N + 6 - 1 <= STARK_MAX_LAYERS, "FRI layer bound");

cairn_err stark_shape_init(stark_shape *s, const struct stark_vk *vk, const unsigned *log_n)
{
    const air_machine *m = vk->m;
    memset(s, 0, sizeof *s);
    s->ntables = m->ntables;
    s->log_b = vk->p.log_blowup;
    unsigned min_log = 64;
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        unsigned ln = log_n[t];
        RETURN_ERROR_IF(ln < STARK_MIN_LOG_N || ln > STARK_MAX_LOG_N, CAIRN_ERR_FORMAT,
                        "proof: table %s: log height %u outside %d..%d", tb->name, ln,
                        STARK_MIN_LOG_N, STARK_MAX_LOG_N);
        RETURN_ERROR_IF(tb->npre && ln != tb->pre_log_n, CAIRN_ERR_FORMAT,
                        "proof: table %s: log height %u, key fixes %u", tb->name, ln,
                        tb->pre_log_n);
        s->log_n[t] = ln;
        s->w[TREE_PRE][t] = tb->npre;
        s->w[TREE_MAIN][t] = tb->nmain;
        s->w[TREE_LU][t] = tb->nints ? 3 * vk->ngroups[t] : 0; /* logup_impl.h */
        unsigned lead = 0; /* the first table of its height */
        while (s->log_n[lead] != ln) lead++;
        s->qlead[t] = (uint8_t)lead;
        s->nq[t] = 1u << vk->qlog[t];
        if (s->nq[t] > s->qchunks[lead]) s->qchunks[lead] = s->nq[t];
        if (ln + s->log_b > s->log_l0) s->log_l0 = ln + s->log_b;
        if (ln < min_log) min_log = ln;
        if (tb->nints) s->nlu_sums++;
    }
    for (unsigned t = 0; t < m->ntables; t++) s->w[TREE_Q][t] = 3 * s->qchunks[t];
    size_t off = 0;
    for (unsigned t = 0; t < m->ntables; t++) {
        for (int k = 0; k < NTREES; k++) {
            s->open_off[t][k][0] = off;
            off += s->w[k][t];
            s->open_off[t][k][1] = off;
            if (k != TREE_Q) off += s->w[k][t];
        }
    }
    s->nopen = off;
    for (int k = 0; k < NTREES; k++) {
        for (unsigned t = 0; t < m->ntables; t++) {
            if (!s->w[k][t]) continue;
            s->tree_tab[k][s->tree_nmats[k]++] = t;
            if (s->log_n[t] + s->log_b > s->tree_log_h[k]) s->tree_log_h[k] = s->log_n[t] + s->log_b;
            s->q_rows += s->w[k][t];
        }
        if (s->tree_nmats[k]) s->q_paths += s->tree_log_h[k];
    }
    s->log_final = vk->p.log_final_len < min_log ? vk->p.log_final_len : min_log;
    unsigned target = s->log_final + s->log_b, cur = s->log_l0;
    while (cur > target) {
        unsigned next = target;
        for (unsigned t = 0; t < m->ntables; t++) {
            unsigned h = s->log_n[t] + s->log_b;
            if (h < cur && h > next) next = h;
        }
        unsigned k = vk->p.log_arity < cur - next ? vk->p.log_arity : cur - next;
        /* unreachable for valid parameters (see the static assertion) */
        if (s->nlayers >= STARK_MAX_LAYERS)
            return cairn_fail(CAIRN_ERR_INTERNAL, "stark: too many FRI layers");
        s->layer_log[s->nlayers] = cur;
        s->layer_arity[s->nlayers++] = k;
        s->q_fri_vals += (size_t)1 << k;
        s->q_fri_paths += cur - k;
        cur -= k;
    }
    return CAIRN_OK;
}

cairn_err stark_proof_alloc(stark_proof *pf, const stark_shape *s, unsigned queries)
{
    memset(pf, 0, sizeof *pf);
    pf->open = cairn_calloc(s->nopen + 1, sizeof *pf->open);
    pf->final_poly = cairn_calloc(((size_t)1 << s->log_final), sizeof *pf->final_poly);
    pf->q_rows = cairn_calloc(queries * s->q_rows + 1, sizeof *pf->q_rows);
    pf->q_paths = cairn_calloc(queries * s->q_paths + 1, sizeof *pf->q_paths);
    pf->q_fri_vals = cairn_calloc(queries * s->q_fri_vals + 1, sizeof *pf->q_fri_vals);
    pf->q_fri_paths = cairn_calloc(queries * s->q_fri_paths + 1, sizeof *pf->q_fri_paths);
    if (!pf->open || !pf->final_poly || !pf->q_rows || !pf->q_paths || !pf->q_fri_vals ||
        !pf->q_fri_paths) {
        stark_proof_free(pf);
        return cairn_fail(CAIRN_ERR_NOMEM, "stark: out of memory for the proof's %u queries", queries);
    }
    return CAIRN_OK;
}

void stark_proof_free(stark_proof *pf)
{
    free(pf->open);
    free(pf->final_poly);
    free(pf->q_rows);
    free(pf->q_paths);
    free(pf->q_fri_vals);
    free(pf->q_fri_paths);
    memset(pf, 0, sizeof *pf);
}

/* ---- path slots (format comment above) ---- */
static size_t path_nslots(const stark_shape *s, unsigned queries)
{
    return (size_t)queries * (s->q_paths + s->q_fri_paths);
}
static unsigned path_ref_bytes(size_t nslots) { return nslots <= ((size_t)1 << 16) ? 2 : 4; }
static p2_digest *path_slot(const stark_proof *pf, const stark_shape *s, size_t i)
{
    const size_t per = s->q_paths + s->q_fri_paths, q = i / per, k = i % per;
    return k < s->q_paths ? &pf->q_paths[q * s->q_paths + k]
                          : &pf->q_fri_paths[q * s->q_fri_paths + (k - s->q_paths)];
}

typedef struct {
    p2_digest d;
    uint32_t k;
} slot_entry;
static int slot_cmp(const void *a, const void *b)
{
    const slot_entry *x = a, *y = b;
    for (int i = 0; i < P2_DIGEST; i++)
        if (x->d.v[i] != y->d.v[i]) return x->d.v[i] < y->d.v[i] ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}
typedef struct {
    uint64_t key;
    uint32_t k;
} slot_key;

/* For the slots slot[0..n): first[k] = the smallest j with the digest of
 * slot[j] equal to that of slot[k] (k itself if there is none). A stable
 * radix sort on the digests' first element puts candidates side by side
 * (honest paths: runs of one repeated digest, done in one pass); a run of
 * distinct digests sharing a first element, which only a forger makes, is
 * sorted on the whole digest. n log n at worst, whatever the digests. */
static cairn_err first_equal(uint32_t *first, const stark_proof *pf, const stark_shape *s,
                             const uint32_t *slot, size_t n)
{
    RETURN_ERROR_IF(n > UINT32_MAX, CAIRN_ERR_INTERNAL, "stark: %zu path slots", n);
    slot_key *e = cairn_malloc_array(2 * n + 1, sizeof *e);
    if (!e) return cairn_fail(CAIRN_ERR_NOMEM, "stark: out of memory for %zu path slots", n);
    slot_key *tmp = e + n;
    for (size_t k = 0; k < n; k++) {
        e[k] = (slot_key){path_slot(pf, s, slot[k])->v[0], (uint32_t)k};
        first[k] = (uint32_t)k;
    }
    for (int sh = 0; sh < 64 && n; sh += 8) { /* LSD, 8 bits a pass */
        size_t cnt[257] = {0};
        for (size_t k = 0; k < n; k++) cnt[(e[k].key >> sh & 255) + 1]++;
        if (cnt[(e[0].key >> sh & 255) + 1] == n) continue; /* one digit: nothing moves */
        for (int d = 0; d < 256; d++) cnt[d + 1] += cnt[d];
        for (size_t k = 0; k < n; k++) tmp[cnt[e[k].key >> sh & 255]++] = e[k];
        memcpy(e, tmp, n * sizeof *e);
    }
    cairn_err err = CAIRN_OK;
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && e[b].key == e[a].key; b++) {}
        if (b - a == 1) continue;
        const p2_digest *d0 = path_slot(pf, s, slot[e[a].k]);
        size_t i = a + 1;
        while (i < b && !memcmp(path_slot(pf, s, slot[e[i].k]), d0, sizeof *d0)) i++;
        if (i == b) { /* stable: e[a] has the smallest k */
            for (i = a + 1; i < b; i++) first[e[i].k] = e[a].k;
            continue;
        }
        slot_entry *r = cairn_malloc_array(b - a, sizeof *r);
        if (!r) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "stark: out of memory for %zu path slots", n);
            break;
        }
        for (i = a; i < b; i++) r[i - a] = (slot_entry){*path_slot(pf, s, slot[e[i].k]), e[i].k};
        qsort(r, b - a, sizeof *r, slot_cmp);
        for (i = 1; i < b - a; i++)
            if (!memcmp(&r[i].d, &r[i - 1].d, sizeof r[i].d)) first[r[i].k] = first[r[i - 1].k];
        free(r);
    }
    free(e);
    return err;
}

/* *ref (malloc'd, one entry per slot): ref[i] is the first slot with slot
 * i's digest, i itself if none before it has it. */
static cairn_err path_plan(uint32_t **ref, const stark_proof *pf, const stark_shape *s,
                           unsigned queries)
{
    const size_t nslots = path_nslots(s, queries);
    uint32_t *r = cairn_malloc_array(2 * nslots + 1, sizeof *r);
    if (!r) return cairn_fail(CAIRN_ERR_NOMEM, "stark: out of memory for the proof's paths");
    for (size_t i = 0; i < nslots; i++) r[nslots + i] = (uint32_t)i;
    cairn_err e = first_equal(r, pf, s, r + nslots, nslots);
    if (e != CAIRN_OK) {
        free(r);
        return e;
    }
    *ref = r;
    return CAIRN_OK;
}

/* ---- writer ---- */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void w_bytes(wbuf *w, const void *b, size_t n)
{
    if (w->n + n <= w->cap) memcpy(w->p + w->n, b, n);
    w->n += n;
}
static void w_gl(wbuf *w, gl_t x)
{
    uint8_t b[8];
    gl_encode(b, x);
    w_bytes(w, b, 8);
}
static void w_gls(wbuf *w, const gl_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) w_gl(w, x[i]);
}
static void w_gl3s(wbuf *w, const gl3_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) w_gls(w, x[i].c, 3);
}
static void w_digs(wbuf *w, const p2_digest *d, size_t n)
{
    for (size_t i = 0; i < n; i++) w_gls(w, d[i].v, P2_DIGEST);
}

/* Path slots first..first+n-1: a digest, or the u16/u32 number of the
 * earlier slot ref[i] with the same digest. */
static void w_slots(wbuf *w, const stark_proof *pf, const stark_shape *s, const uint32_t *ref,
                    size_t nslots, size_t first, size_t n)
{
    const unsigned rb = path_ref_bytes(nslots);
    for (size_t i = first; i < first + n; i++) {
        if (ref[i] == i) {
            w_digs(w, path_slot(pf, s, i), 1);
            continue;
        }
        uint8_t b[4] = {(uint8_t)ref[i], (uint8_t)(ref[i] >> 8), (uint8_t)(ref[i] >> 16),
                        (uint8_t)(ref[i] >> 24)};
        w_bytes(w, b, rb);
    }
}

static void write_all(wbuf *w, const stark_proof *pf, const stark_shape *s,
                      const struct stark_vk *vk, const uint32_t *ref)
{
    const air_machine *m = vk->m;
    uint32_t ver = STARK_VERSION;
    uint8_t vb[4] = {(uint8_t)ver, (uint8_t)(ver >> 8), (uint8_t)(ver >> 16), (uint8_t)(ver >> 24)};
    w_bytes(w, STARK_MAGIC, 8);
    w_bytes(w, vb, 4);
    w_digs(w, &pf->vk_digest, 1);
    uint8_t nt = (uint8_t)s->ntables;
    w_bytes(w, &nt, 1);
    for (unsigned t = 0; t < s->ntables; t++) {
        uint8_t l = (uint8_t)s->log_n[t];
        w_bytes(w, &l, 1);
    }
    if (s->tree_nmats[TREE_MAIN]) w_digs(w, &pf->main_root, 1);
    if (s->tree_nmats[TREE_LU]) {
        w_digs(w, &pf->lu_root, 1);
        for (unsigned t = 0; t < s->ntables; t++)
            if (m->tables[t]->nints) w_gl3s(w, &pf->lu_sum[t], 1);
    }
    w_digs(w, &pf->q_root, 1);
    w_gl3s(w, pf->open, s->nopen);
    w_digs(w, pf->fri_root, s->nlayers);
    w_gl3s(w, pf->final_poly, (size_t)1 << s->log_final);
    w_gl(w, pf->pow_nonce);
    const size_t nslots = path_nslots(s, vk->p.queries);
    for (size_t i = 0; i < nslots; i += 8) {
        uint8_t byte = 0;
        for (size_t j = i; j < i + 8 && j < nslots; j++) byte |= (uint8_t)((ref[j] != j) << (j - i));
        w_bytes(w, &byte, 1);
    }
    size_t slot = 0;
    for (unsigned q = 0; q < vk->p.queries; q++) {
        w_gls(w, pf->q_rows + q * s->q_rows, s->q_rows);
        w_slots(w, pf, s, ref, nslots, slot, s->q_paths);
        slot += s->q_paths;
        w_gl3s(w, pf->q_fri_vals + q * s->q_fri_vals, s->q_fri_vals);
        w_slots(w, pf, s, ref, nslots, slot, s->q_fri_paths);
        slot += s->q_fri_paths;
    }
}

cairn_err stark_proof_write(uint8_t **out, size_t *len, const stark_proof *pf,
                            const stark_shape *s, const struct stark_vk *vk)
{
    uint32_t *ref;
    FORWARD_IF_ERROR(path_plan(&ref, pf, s, vk->p.queries));
    wbuf w = {0};
    write_all(&w, pf, s, vk, ref); /* sizing pass */
    w.p = cairn_malloc(w.n);
    if (!w.p) {
        free(ref);
        return cairn_fail_nomem(w.n, "stark: out of memory for the proof bytes");
    }
    w.cap = w.n;
    w.n = 0;
    write_all(&w, pf, s, vk, ref);
    free(ref);
    *out = w.p;
    *len = w.n;
    return CAIRN_OK;
}

/* ---- parser ---- */
typedef struct {
    const uint8_t *p;
    size_t n, off;
    cairn_err err;
} rbuf;

static int r_need(rbuf *r, size_t n, const char *what)
{
    if (r->err != CAIRN_OK) return 0;
    if (r->n - r->off < n) {
        r->err = cairn_fail(CAIRN_ERR_FORMAT, "proof: truncated at offset %zu reading %s",
                            r->off, what);
        return 0;
    }
    return 1;
}
static void r_gls(rbuf *r, gl_t *x, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!r_need(r, 8, what)) return;
        if (gl_decode(&x[i], r->p + r->off) != CAIRN_OK) {
            r->err = cairn_fail(CAIRN_ERR_FORMAT,
                                "proof: non-canonical field element at offset %zu (%s)", r->off,
                                what);
            return;
        }
        r->off += 8;
    }
}
static void r_gl3s(rbuf *r, gl3_t *x, size_t n, const char *what)
{
    for (size_t i = 0; i < n && r->err == CAIRN_OK; i++) r_gls(r, x[i].c, 3, what);
}
static void r_digs(rbuf *r, p2_digest *d, size_t n, const char *what)
{
    for (size_t i = 0; i < n && r->err == CAIRN_OK; i++) r_gls(r, d[i].v, P2_DIGEST, what);
}

/* The path bitmap and where the slots' references are. */
typedef struct {
    const uint8_t *bits;
    size_t nslots;
    unsigned ref_bytes;
    uint32_t *lit; /* slots written in full, in order */
    size_t nlit;
} rpaths;
static int slot_is_ref(const rpaths *rp, size_t i) { return rp->bits[i / 8] >> (i % 8) & 1; }

/* Path slots first..first+n-1 (format comment above). */
static void r_slots(rbuf *r, rpaths *rp, stark_proof *pf, const stark_shape *s, size_t first,
                    size_t n, const char *what)
{
    for (size_t i = first; i < first + n && r->err == CAIRN_OK; i++) {
        p2_digest *d = path_slot(pf, s, i);
        if (!slot_is_ref(rp, i)) {
            r_digs(r, d, 1, what);
            rp->lit[rp->nlit++] = (uint32_t)i;
            continue;
        }
        if (!r_need(r, rp->ref_bytes, "path reference")) return;
        const uint8_t *b = r->p + r->off;
        uint32_t j = (uint32_t)b[0] | (uint32_t)b[1] << 8;
        if (rp->ref_bytes == 4) j |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (j >= i || slot_is_ref(rp, j)) {
            r->err = cairn_fail(CAIRN_ERR_FORMAT,
                                "proof: path reference at offset %zu (slot %zu) names slot %u, %s",
                                r->off, i, j,
                                j >= i ? "not an earlier one" : "itself a reference");
            return;
        }
        *d = *path_slot(pf, s, j);
        r->off += rp->ref_bytes;
    }
}

cairn_err stark_proof_read(stark_proof *pf, stark_shape *s, const struct stark_vk *vk,
                           const uint8_t *in, size_t len)
{
    const air_machine *m = vk->m;
    memset(pf, 0, sizeof *pf);
    rbuf r = {in, len, 0, CAIRN_OK};
    if (!r_need(&r, 12, "header")) return r.err;
    RETURN_ERROR_IF(memcmp(in, STARK_MAGIC, 8) != 0, CAIRN_ERR_FORMAT, "proof: bad magic");
    uint32_t ver = (uint32_t)in[8] | (uint32_t)in[9] << 8 | (uint32_t)in[10] << 16 |
                   (uint32_t)in[11] << 24;
    RETURN_ERROR_IF(ver != STARK_VERSION, CAIRN_ERR_FORMAT,
                    "proof: version %u, this build reads %u", ver, STARK_VERSION);
    r.off = 12;
    p2_digest dg;
    r_digs(&r, &dg, 1, "key digest");
    if (r.err != CAIRN_OK) return r.err;
    RETURN_ERROR_IF(memcmp(&dg, &vk->digest, sizeof dg) != 0, CAIRN_ERR_VERIFY,
                    "proof: made for a different verifying key (machine or parameters)");
    if (!r_need(&r, 1 + m->ntables, "table heights")) return r.err;
    RETURN_ERROR_IF(in[r.off] != m->ntables, CAIRN_ERR_FORMAT,
                    "proof: states %u tables, key has %u", in[r.off], m->ntables);
    r.off++;
    unsigned log_n[AIR_MAX_TABLES];
    for (unsigned t = 0; t < m->ntables; t++) log_n[t] = in[r.off++];
    FORWARD_IF_ERROR(stark_shape_init(s, vk, log_n));
    FORWARD_IF_ERROR(stark_proof_alloc(pf, s, vk->p.queries));
    pf->vk_digest = dg;
    memcpy(pf->log_n, log_n, sizeof log_n);
    if (s->tree_nmats[TREE_MAIN]) r_digs(&r, &pf->main_root, 1, "main root");
    if (s->tree_nmats[TREE_LU]) {
        r_digs(&r, &pf->lu_root, 1, "LogUp root");
        for (unsigned t = 0; t < s->ntables; t++)
            if (m->tables[t]->nints) r_gl3s(&r, &pf->lu_sum[t], 1, "LogUp sum");
    }
    r_digs(&r, &pf->q_root, 1, "quotient root");
    r_gl3s(&r, pf->open, s->nopen, "opened values");
    r_digs(&r, pf->fri_root, s->nlayers, "FRI roots");
    r_gl3s(&r, pf->final_poly, (size_t)1 << s->log_final, "final polynomial");
    r_gls(&r, &pf->pow_nonce, 1, "proof-of-work nonce");
    rpaths rp = {0};
    rp.nslots = path_nslots(s, vk->p.queries);
    rp.ref_bytes = path_ref_bytes(rp.nslots);
    const size_t nbits = (rp.nslots + 7) / 8;
    if (r_need(&r, nbits, "path bitmap")) {
        rp.bits = r.p + r.off;
        if (rp.nslots % 8 && rp.bits[nbits - 1] >> (rp.nslots % 8))
            r.err = cairn_fail(CAIRN_ERR_FORMAT,
                               "proof: path bitmap at offset %zu has bits set past its %zu slots",
                               r.off, rp.nslots);
        r.off += nbits;
    }
    if (r.err == CAIRN_OK && !(rp.lit = cairn_malloc_array(rp.nslots + 1, sizeof *rp.lit)))
        r.err = cairn_fail(CAIRN_ERR_NOMEM, "proof: out of memory for %zu path slots", rp.nslots);
    size_t slot = 0;
    for (unsigned q = 0; q < vk->p.queries && r.err == CAIRN_OK; q++) {
        r_gls(&r, pf->q_rows + q * s->q_rows, s->q_rows, "query rows");
        r_slots(&r, &rp, pf, s, slot, s->q_paths, "query paths");
        slot += s->q_paths;
        r_gl3s(&r, pf->q_fri_vals + q * s->q_fri_vals, s->q_fri_vals, "FRI values");
        r_slots(&r, &rp, pf, s, slot, s->q_fri_paths, "FRI paths");
        slot += s->q_fri_paths;
    }
    if (r.err == CAIRN_OK && r.off != len)
        r.err = cairn_fail(CAIRN_ERR_FORMAT, "proof: %zu trailing bytes after offset %zu",
                           len - r.off, r.off);
    /* one encoding: no digest written in full repeats an earlier one */
    uint32_t *first = NULL;
    if (r.err == CAIRN_OK && !(first = cairn_malloc_array(rp.nlit + 1, sizeof *first)))
        r.err = cairn_fail(CAIRN_ERR_NOMEM, "proof: out of memory for %zu path slots", rp.nlit);
    if (r.err == CAIRN_OK) r.err = first_equal(first, pf, s, rp.lit, rp.nlit);
    for (size_t k = 0; r.err == CAIRN_OK && k < rp.nlit; k++) {
        if (first[k] == k) continue;
        r.err = cairn_fail(CAIRN_ERR_FORMAT,
                           "proof: path slot %u repeats the digest of slot %u in full (a "
                           "repeat is written as a reference)",
                           rp.lit[k], rp.lit[first[k]]);
    }
    free(first);
    free(rp.lit);
    if (r.err != CAIRN_OK) stark_proof_free(pf);
    return r.err;
}

cairn_err stark_proof_measure(stark_proof_sizes *out, const stark_vk *vk, const uint8_t *proof,
                              size_t len)
{
    memset(out, 0, sizeof *out);
    stark_proof pf;
    stark_shape s;
    FORWARD_IF_ERROR(stark_proof_read(&pf, &s, vk, proof, len));
    uint32_t *ref;
    cairn_err e = path_plan(&ref, &pf, &s, vk->p.queries);
    if (e == CAIRN_OK) {
        /* the parser accepts one encoding: the plan's */
        const unsigned q = vk->p.queries;
        out->path_slots = path_nslots(&s, q);
        for (size_t i = 0; i < out->path_slots; i++) out->path_refs += ref[i] != i;
        out->total = len;
        out->rows = (size_t)q * s.q_rows * 8;
        out->fri_values = (size_t)q * s.q_fri_vals * 24;
        out->paths = (out->path_slots + 7) / 8 + (out->path_slots - out->path_refs) * 32 +
                     out->path_refs * path_ref_bytes(out->path_slots);
        out->commit = len - out->rows - out->fri_values - out->paths;
        free(ref);
    }
    stark_proof_free(&pf);
    return e;
}
