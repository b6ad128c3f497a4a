/* rc_fold.h: the recursion parameters of a segment preset, the lift and
 * join keys and the control root of (preset, po2), lift / join / verify
 * of fold nodes. */
#include "rc_fold.h"

#include <pthread.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "rc_air.h"
#include "stark/verify_rec.h"

cairn_err rc_fold_config(rc_fold_cfg *out, const char *seg_preset, unsigned po2)
{
    (void)po2; /* one choice for every segment size today */
    if (!strcmp(seg_preset, "test")) {
        *out = (rc_fold_cfg){"test", "rc-test"};
    } else if (!strcmp(seg_preset, "proven-100")) {
        *out = (rc_fold_cfg){"proven-100", "rc-100"};
    } else if (!strcmp(seg_preset, "conjectured-100")) {
        *out = (rc_fold_cfg){"conjectured-100", "rc-100"};
    } else {
        return cairn_fail(CAIRN_ERR_USAGE,
                          "fold: no recursion parameters for preset '%s' (proven-100, conjectured-100, test)",
                          seg_preset);
    }
    return CAIRN_OK;
}

struct rc_fold {
    char seg_preset[32];
    unsigned po2;
    rc_fold_cfg cfg;
    stark_params seg, rec;
    const rc_shape *shape;
    rc_program *prog[2]; /* lift, join */
    rc_air *air[2];
    p2_digest key[2], pre_root[2], ctrl;
};

static void fold_free(rc_fold *f)
{
    if (!f) return;
    for (int k = 0; k < 2; k++) {
        rc_air_free(f->air[k]);
        rc_program_free(f->prog[k]);
    }
    free(f);
}

/* The lift program of (po2, seg params), recorded on a blank segment proof
 * (a claim of 1 cycle between zero digests: any claim the shape allows
 * gives the same program). */
static cairn_err record_lift(rc_fold *f)
{
    const stark_vk *svk;
    unsigned lh[AIR_MAX_TABLES];
    FORWARD_IF_ERROR(rv_air_vk(&svk, f->po2, &f->seg));
    rv_air_heights(f->po2, lh);
    uint8_t *blank;
    size_t len;
    FORWARD_IF_ERROR(stark_vrec_blank(&blank, &len, svk, lh));
    rv_seg_claim c = {.po2 = f->po2, .cycles = 1};
    p2_digest zero = {{0}};
    gl_t *w = NULL;
    size_t n;
    int acc;
    cairn_err e = rc_lift_record(&f->prog[RC_FOLD_LIFT], &w, &n, &acc, NULL, &zero, &c, blank, len, &f->seg);
    free(blank);
    free(w);
    return e;
}

/* The join program of the shape, recorded on a blank recursion proof
 * under the lift's key (the program takes the inner key as input: it is
 * the same for every key and claim). */
static cairn_err record_join(rc_fold *f)
{
    const stark_vk *lvk = rc_air_vk(f->air[RC_FOLD_LIFT]);
    uint8_t *blank;
    size_t len;
    FORWARD_IF_ERROR(stark_vrec_blank(&blank, &len, lvk, f->shape->log_n));
    gl_t claim[RC_CLAIM_NPUB] = {0};
    rc_join_input in = {blank, len, claim, f->pre_root[RC_FOLD_LIFT]};
    gl_t *w = NULL;
    size_t n;
    int acc;
    cairn_err e = rc_join_record(&f->prog[RC_FOLD_JOIN], &w, &n, &acc, NULL, lvk, f->shape->log_n,
                                 &f->key[RC_FOLD_LIFT], 1, &in, &in);
    free(blank);
    free(w);
    return e;
}

static cairn_err build_air(rc_fold *f, unsigned kind)
{
    FORWARD_IF_ERROR(rc_air_build_shape(&f->air[kind], f->prog[kind], RC_CLAIM_NPUB, f->cfg.shape, &f->rec));
    const stark_vk *vk = rc_air_vk(f->air[kind]);
    f->key[kind] = stark_vk_digest(vk);
    f->pre_root[kind] = stark_vk_pre_root(vk);
    return CAIRN_OK;
}

static cairn_err fold_build(rc_fold **out, const char *seg_preset, unsigned po2)
{
    *out = NULL;
    RETURN_ERROR_IF(strlen(seg_preset) >= sizeof((rc_fold *)0)->seg_preset, CAIRN_ERR_USAGE,
                    "fold: preset name too long");
    unsigned lh[AIR_MAX_TABLES];
    RETURN_ERROR_IF(!rv_air_heights(po2, lh), CAIRN_ERR_USAGE, "fold: segment po2 %u outside %d..%d", po2,
                    RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    rc_fold *f = cairn_calloc(1, sizeof *f);
    RETURN_ERROR_IF(!f, CAIRN_ERR_NOMEM, "fold: out of memory");
    strcpy(f->seg_preset, seg_preset);
    f->po2 = po2;
    cairn_err e = rc_fold_config(&f->cfg, seg_preset, po2);
    if (e == CAIRN_OK) e = rv_air_params(&f->seg, seg_preset, po2);
    if (e == CAIRN_OK) e = rc_params(&f->rec, NULL, f->cfg.preset, f->cfg.shape);
    if (e == CAIRN_OK) e = rc_shape_find(&f->shape, f->cfg.shape);
    if (e == CAIRN_OK) e = record_lift(f);
    if (e == CAIRN_OK) e = build_air(f, RC_FOLD_LIFT);
    if (e == CAIRN_OK) e = record_join(f);
    if (e == CAIRN_OK) e = build_air(f, RC_FOLD_JOIN);
    if (e == CAIRN_OK) e = rc_ctrl_root(&f->ctrl, f->key, 2);
    if (e != CAIRN_OK) {
        fold_free(f);
        return cairn_prefix_error(e, "fold keys of preset %s, segments of 2^%u", seg_preset, po2);
    }
    *out = f;
    return CAIRN_OK;
}

/* ---- the cache ---- */

#define FOLD_CACHE_MAX 8
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static rc_fold *g_cache[FOLD_CACHE_MAX];

cairn_err rc_fold_get(const rc_fold **out, const char *seg_preset, unsigned po2)
{
    *out = NULL;
    pthread_mutex_lock(&g_lock);
    cairn_err e = CAIRN_OK;
    int i = 0;
    for (; i < FOLD_CACHE_MAX && g_cache[i]; i++)
        if (g_cache[i]->po2 == po2 && !strcmp(g_cache[i]->seg_preset, seg_preset)) break;
    if (i == FOLD_CACHE_MAX) e = cairn_fail(CAIRN_ERR_LIMIT, "fold: more than %d cached fold contexts", FOLD_CACHE_MAX);
    else if (!g_cache[i]) e = fold_build(&g_cache[i], seg_preset, po2);
    if (e == CAIRN_OK) *out = g_cache[i];
    pthread_mutex_unlock(&g_lock);
    return e;
}

void rc_fold_release(void)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < FOLD_CACHE_MAX; i++) {
        fold_free(g_cache[i]);
        g_cache[i] = NULL;
    }
    pthread_mutex_unlock(&g_lock);
}

p2_digest rc_fold_ctrl(const rc_fold *f) { return f->ctrl; }
p2_digest rc_fold_key(const rc_fold *f, unsigned kind) { return f->key[kind ? 1 : 0]; }
const rc_fold_cfg *rc_fold_cfg_of(const rc_fold *f) { return &f->cfg; }
const char *rc_fold_seg_preset(const rc_fold *f) { return f->seg_preset; }
unsigned rc_fold_po2(const rc_fold *f) { return f->po2; }
const stark_params *rc_fold_params(const rc_fold *f) { return &f->rec; }

cairn_err rc_fold_security(stark_security_bits *out, const rc_fold *f)
{
    return stark_security(out, &f->rec, rc_air_machine(f->air[RC_FOLD_JOIN]), f->shape->log_n);
}

void rc_fold_node_free(rc_fold_node *n)
{
    if (!n) return;
    free(n->proof);
    n->proof = NULL;
    n->len = 0;
}

/* Proves a recorded run of program kind (its witness w, n elements, the
 * first RC_CLAIM_NPUB the claim) and verifies the proof. */
static cairn_err prove_node(rc_fold_node *out, const rc_fold *f, unsigned kind, const gl_t *w, size_t n)
{
    RETURN_ERROR_IF(n < RC_CLAIM_NPUB, CAIRN_ERR_INTERNAL, "fold: a witness of %zu elements", n);
    uint8_t *proof = NULL;
    size_t len = 0;
    cairn_err e = rc_prove(&proof, &len, f->air[kind], w, n);
#ifdef __GLIBC__
    /* as after a segment proof (rv_air.c): the allocator would keep this
     * proof's freed mid-sized buffers in its arenas, and the next lift or
     * join's high point would come on top of them (tests/recursion
     * test_rc_fold_mem measured it) */
    malloc_trim(0);
#endif
    if (e != CAIRN_OK) return e;
    e = rc_fold_verify(f, kind, w, proof, len);
    if (e != CAIRN_OK) {
        free(proof);
        return cairn_prefix_error(e, "fold: the %s proof just made does not verify", kind ? "join" : "lift");
    }
    out->kind = kind;
    memcpy(out->claim, w, sizeof out->claim);
    out->proof = proof;
    out->len = len;
    return CAIRN_OK;
}

/* The program recorded for a proof must be the one the machine was built
 * from (it is, by construction: no data-dependent control flow); a witness
 * of another length would be refused by the trace anyway, this names it. */
static cairn_err same_program(const rc_fold *f, unsigned kind, const rc_program *p)
{
    RETURN_ERROR_IF(rc_program_ninstrs(p) != rc_program_ninstrs(f->prog[kind]) ||
                        rc_program_ninputs(p) != rc_program_ninputs(f->prog[kind]),
                    CAIRN_ERR_INTERNAL, "fold: the recorded %s program differs from the one of the keys",
                    kind ? "join" : "lift");
    return CAIRN_OK;
}

/* A recorded lift or join run, before it is proven. */
typedef struct {
    cairn_err e;
    rc_program *p;
    gl_t *w;
    size_t n;
    int acc;
    char first[256];
} recorded;

/* The common end of lift and join: an accepted run of the program of the
 * keys is proven and verified into *out; r's buffers are freed. */
static cairn_err finish_node(rc_fold_node *out, double *seconds, const rc_fold *f, unsigned kind, recorded *r,
                             double t0)
{
    cairn_err e = r->e;
    if (e == CAIRN_OK && !r->acc)
        e = cairn_fail(CAIRN_ERR_VERIFY, "%s: rejected: %s", kind ? "join" : "lift of the segment proof", r->first);
    if (e == CAIRN_OK) e = same_program(f, kind, r->p);
    if (e == CAIRN_OK) e = prove_node(out, f, kind, r->w, r->n);
    rc_program_free(r->p);
    free(r->w);
    if (seconds) *seconds = now_sec() - t0;
    return e;
}

cairn_err rc_fold_lift(rc_fold_node *out, double *seconds, const rc_fold *f, const rv_seg_claim *seg,
                       const uint8_t *proof, size_t len)
{
    memset(out, 0, sizeof *out);
    double t0 = now_sec();
    RETURN_ERROR_IF(seg->po2 != f->po2, CAIRN_ERR_USAGE, "lift: a segment of 2^%u, the fold is for 2^%u", seg->po2,
                    f->po2);
    recorded r = {0};
    r.e = rc_lift_record(&r.p, &r.w, &r.n, &r.acc, r.first, &f->ctrl, seg, proof, len, &f->seg);
    return finish_node(out, seconds, f, RC_FOLD_LIFT, &r, t0);
}

cairn_err rc_fold_join(rc_fold_node *out, double *seconds, const rc_fold *f, const rc_fold_node *left,
                       const rc_fold_node *right)
{
    memset(out, 0, sizeof *out);
    double t0 = now_sec();
    RETURN_ERROR_IF(left->kind > RC_FOLD_JOIN || right->kind > RC_FOLD_JOIN, CAIRN_ERR_USAGE,
                    "join: unknown node kind");
    rc_join_input l = {left->proof, left->len, left->claim, f->pre_root[left->kind]};
    rc_join_input r = {right->proof, right->len, right->claim, f->pre_root[right->kind]};
    recorded rec = {0};
    rec.e = rc_join_record(&rec.p, &rec.w, &rec.n, &rec.acc, rec.first, rc_air_vk(f->air[RC_FOLD_LIFT]),
                           f->shape->log_n, f->key, 2, &l, &r);
    return finish_node(out, seconds, f, RC_FOLD_JOIN, &rec, t0);
}

cairn_err rc_fold_verify(const rc_fold *f, unsigned kind, const gl_t claim[RC_CLAIM_NPUB], const uint8_t *proof,
                         size_t len)
{
    RETURN_ERROR_IF(kind > RC_FOLD_JOIN, CAIRN_ERR_USAGE, "fold: unknown proof kind %u (0 lift, 1 join)", kind);
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(claim[RC_CLAIM_CTRL + i] != f->ctrl.v[i], CAIRN_ERR_VERIFY,
                        "control root: the claim's is not this build's for preset %s, segments of 2^%u",
                        f->seg_preset, f->po2);
    cairn_err e = rc_verify(rc_air_vk(f->air[kind]), claim, RC_CLAIM_NPUB, proof, len);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "%s proof", kind ? "join" : "lift");
    return CAIRN_OK;
}

cairn_err rc_fold_lift_claim(gl_t out[RC_CLAIM_NPUB], const rc_fold *f, const rv_seg_claim *seg)
{
    memcpy(out + RC_CLAIM_CTRL, f->ctrl.v, sizeof f->ctrl.v);
    return rv_seg_claim_pub(out + RC_CLAIM_START, seg);
}

void rc_fold_join_claim(gl_t out[RC_CLAIM_NPUB], const gl_t left[RC_CLAIM_NPUB], const gl_t right[RC_CLAIM_NPUB])
{
    gl_t c[RC_CLAIM_NPUB];
    memcpy(c, left, sizeof c);
    memcpy(c + RC_CLAIM_END, right + RC_CLAIM_END, P2_DIGEST * sizeof *c);
    c[RC_CLAIM_CYCLES] = gl_add(left[RC_CLAIM_CYCLES], right[RC_CLAIM_CYCLES]);
    memcpy(out, c, sizeof c);
}

size_t rc_fold_prove_mem(const rc_fold *f)
{
    size_t keys = 0, proof = 0;
    for (int k = 0; k < 2; k++) {
        const stark_pk *pk = rc_air_pk(f->air[k]);
        keys += stark_pk_mem(pk);
        size_t p = stark_traces_mem(rc_air_machine(f->air[k]), f->shape->log_n) + stark_prove_mem(pk, f->shape->log_n);
        if (p > proof) proof = p;
    }
    /* a quarter on top of both: the context itself (the recorded
     * programs, the machines' row maps and constraint DAGs) is about a
     * fifth of the keys' figure, and the recursion prover about 6 % over
     * its model (tests/recursion/test_rc_fold_mem: at preset test the
     * keys, two lifts and a join grew 0.87-0.92 of this) */
    return (keys + proof) + (keys + proof) / 4;
}
