/* rc_fold.h: the recursion parameters of a segment preset, the lift and
 * join keys and the control root of (preset, po2), lift / join / verify
 * of fold nodes. */
#include "rc_fold.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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
    if (!strcmp(seg_preset, "test")) {
        *out = (rc_fold_cfg){"test", "rc-test", "rc-test-join"};
    } else if (!strcmp(seg_preset, "proven-100")) {
        /* large segments' proofs are at blowup 2 (rv_air.h
         * RV_PROVEN_LOG_BLOWUP_MIN_PO2; 175 queries at po2 20): their
         * lifts need 2^17 rows */
        *out = (rc_fold_cfg){"proven-100", po2 >= RV_PROVEN_LOG_BLOWUP_MIN_PO2 ? "rc-100-lift" : "rc-100",
                             "rc-100-join"};
    } else if (!strcmp(seg_preset, "conjectured-100")) {
        /* its join of two lifts needs 36.1k p2 rows: over rc-100-join's
         * 2^15, so joins keep the lifts' shape */
        *out = (rc_fold_cfg){"conjectured-100", "rc-100", "rc-100"};
    } else {
        return cairn_fail(CAIRN_ERR_USAGE,
                          "fold: no recursion parameters for preset '%s' (proven-100, conjectured-100, test)",
                          seg_preset);
    }
    return CAIRN_OK;
}

int rc_fold_is_lift(unsigned kind) { return kind == RC_FOLD_LIFT || (kind >= RC_FOLD_TAIL0 && kind < RC_FOLD_NKINDS); }

/* the segment size a tail kind lifts */
static unsigned tail_po2(unsigned kind) { return RV_TAIL_MIN_PO2 + (kind - RC_FOLD_TAIL0); }

cairn_err rc_fold_join_kind(unsigned *out, unsigned left, unsigned right)
{
    *out = RC_FOLD_NKINDS;
    RETURN_ERROR_IF(left >= RC_FOLD_NKINDS || right >= RC_FOLD_NKINDS, CAIRN_ERR_USAGE,
                    "join: node kinds %u and %u (0..%d)", left, right, RC_FOLD_NKINDS - 1);
    RETURN_ERROR_IF(rc_fold_is_lift(left) && !rc_fold_is_lift(right), CAIRN_ERR_USAGE,
                    "join: a lift left of a %s (the fold never joins one; there is no program for it)",
                    rc_fold_kind_name(right));
    *out = rc_fold_is_lift(left) ? RC_FOLD_JOIN_LL : rc_fold_is_lift(right) ? RC_FOLD_JOIN_JL : RC_FOLD_JOIN_JJ;
    return CAIRN_OK;
}

const char *rc_fold_kind_name(unsigned kind)
{
    static const char *const name[RC_FOLD_NKINDS] = {
        "lift", "join of joins", "join of lifts", "join of a join and a lift", "lift of a tail of 2^14",
        "lift of a tail of 2^15", "lift of a tail of 2^16", "lift of a tail of 2^17", "lift of a tail of 2^18",
        "lift of a tail of 2^19", "lift of a tail of 2^20", "lift of a tail of 2^21", "lift of a tail of 2^22",
        "lift of a tail of 2^23"};
    _Static_assert(RC_FOLD_NKINDS == 14 && RV_TAIL_MIN_PO2 == 14, "the names above");
    return kind < RC_FOLD_NKINDS ? name[kind] : "unknown kind";
}

/* Index of the shape of a kind's proofs in rc_fold's shape[]: 0 lifts
 * (tails' too), 1 joins. */
static unsigned shape_of(unsigned kind) { return !rc_fold_is_lift(kind); }
_Static_assert(RC_FOLD_NKINDS <= RC_CTRL_MAX, "every kind is a leaf of the control tree");

const char *rc_fold_shape_of(const rc_fold_cfg *cfg, unsigned kind)
{
    return shape_of(kind) ? cfg->join_shape : cfg->shape;
}

struct rc_fold {
    char seg_preset[32];
    unsigned po2;
    /* a verifier's context (rc_fold_get_verifier) whose keys come from the
     * key cache's record: no programs, no machines of them, no proving keys */
    int verify_only; /* 1: from the key cache's record, 2: shipped roots */
    rc_fold_cfg cfg;
    stark_params seg, rec;
    const rc_shape *shape[2];           /* lifts, joins (shape_of) */
    rc_program *prog[RC_FOLD_NKINDS];   /* by kind (a full context's) */
    rc_air *air[RC_FOLD_NKINDS];
    air_machine *vm[2];                 /* verify_only: the shapes' machines */
    stark_vk *own_vk[RC_FOLD_NKINDS];   /* verify_only: the keys of vm */
    const stark_vk *vk[RC_FOLD_NKINDS]; /* the verifying keys, either's */
    const air_machine *m[2];            /* a machine of each shape (security) */
    p2_digest key[RC_FOLD_NKINDS], pre_root[RC_FOLD_NKINDS], ctrl;
    char rec_path[4200]; /* the key cache's record read or looked for */
    /* a prover's context from the shipped roots (from_shipped): the join
     * programs, their machines and proving keys are made on the first
     * join of their kind (ensure_prog, under mu); until then vk[] of a
     * join is own_vk[], from its shipped root */
    int lazy;
    /* tails (rc_fold.h): every context but a verifier's makes a tail's
     * lift program, machine and proving key on its first lift of that
     * size (ensure_prog, under mu); until then vk[] is own_vk[], from its
     * root */
    pthread_mutex_t mu;
};

/* With one shape for lifts and joins the three join programs are one
 * (a recorded verifier depends on its children's shapes only): the join
 * of lifts' program and machine then serve the other two kinds. */
static int one_shape(const rc_fold *f)
{
    return f->cfg.shape && f->cfg.join_shape && !strcmp(f->cfg.shape, f->cfg.join_shape);
}
/* kind k uses the join of lifts' program and machine */
static int aliased(const rc_fold *f, unsigned k)
{
    return !rc_fold_is_lift(k) && k != RC_FOLD_JOIN_LL && one_shape(f);
}

int rc_fold_has_kind(const rc_fold *f, unsigned kind)
{
    return kind < RC_FOLD_TAIL0 || (kind < RC_FOLD_NKINDS && tail_po2(kind) < f->po2);
}

cairn_err rc_fold_lift_kind(unsigned *out, const rc_fold *f, unsigned seg_po2)
{
    *out = RC_FOLD_LIFT;
    RETURN_ERROR_IF(!rv_air_seg_po2_ok(f->po2, seg_po2), CAIRN_ERR_USAGE,
                    "lift: a segment of 2^%u in a fold of 2^%u (its size, or a tail of 2^%u up)", seg_po2, f->po2,
                    RV_TAIL_MIN_PO2);
    if (seg_po2 != f->po2) *out = RC_FOLD_TAIL0 + (seg_po2 - RV_TAIL_MIN_PO2);
    return CAIRN_OK;
}

static void fold_free(rc_fold *f)
{
    if (!f) return;
    pthread_mutex_destroy(&f->mu);
    for (int k = 0; k < RC_FOLD_NKINDS; k++) {
        if (!aliased(f, (unsigned)k)) {
            rc_air_free(f->air[k]);
            rc_program_free(f->prog[k]);
        }
        stark_vk_free(f->own_vk[k]);
    }
    for (int s = 0; s < 2; s++) air_machine_free(f->vm[s]);
    free(f);
}

/* The lift program of a lift kind (the segment size of the kind, the
 * run's seg params), recorded on a blank segment proof (a claim of 1
 * cycle between zero digests: any claim the shape allows gives the same
 * program). */
static cairn_err record_lift(rc_fold *f, unsigned kind)
{
    const unsigned po2 = kind == RC_FOLD_LIFT ? f->po2 : tail_po2(kind);
    const stark_vk *svk;
    unsigned lh[AIR_MAX_TABLES];
    FORWARD_IF_ERROR(rv_air_vk(&svk, po2, &f->seg));
    rv_air_heights(po2, lh);
    uint8_t *blank;
    size_t len;
    FORWARD_IF_ERROR(stark_vrec_blank(&blank, &len, svk, lh));
    rv_seg_claim c = {.po2 = po2, .cycles = 1};
    p2_digest zero = {{0}};
    gl_t *w = NULL;
    size_t n;
    int acc;
    cairn_err e = rc_lift_record(&f->prog[kind], &w, &n, &acc, NULL, &zero, &c, blank, len, &f->seg);
    free(blank);
    free(w);
    return e;
}

/* The join program of kind (RC_FOLD_JOIN_*), recorded on blank
 * recursion proofs of its children's shapes, each under a key of that
 * shape: the lift's, and for a join side the join of lifts' (built
 * first). The program takes the inner keys as input: it is the same for
 * every key of the shape and every claim. */
static cairn_err record_join(rc_fold *f, unsigned kind)
{
    const unsigned side[2] = {kind == RC_FOLD_JOIN_LL ? RC_FOLD_LIFT : RC_FOLD_JOIN_LL,
                              kind == RC_FOLD_JOIN_JJ ? RC_FOLD_JOIN_LL : RC_FOLD_LIFT};
    uint8_t *blank[2] = {NULL, NULL};
    size_t len[2];
    gl_t claim[RC_CLAIM_NPUB] = {0};
    rc_join_input in[2];
    cairn_err e = CAIRN_OK;
    for (int s = 0; s < 2 && e == CAIRN_OK; s++) {
        const unsigned *log_n = f->shape[shape_of(side[s])]->log_n;
        e = stark_vrec_blank(&blank[s], &len[s], f->vk[side[s]], log_n);
        in[s] = (rc_join_input){blank[s], len[s], claim, f->pre_root[side[s]], f->vk[side[s]], log_n};
    }
    gl_t *w = NULL;
    size_t n;
    int acc;
    if (e == CAIRN_OK)
        e = rc_join_record(&f->prog[kind], &w, &n, &acc, NULL, &f->key[RC_FOLD_LIFT], 1, &in[0], &in[1]);
    free(blank[0]);
    free(blank[1]);
    free(w);
    return e;
}

static cairn_err build_air(rc_fold *f, unsigned kind)
{
    FORWARD_IF_ERROR(rc_air_build_shape(&f->air[kind], f->prog[kind], RC_CLAIM_NPUB, rc_fold_shape_of(&f->cfg, kind),
                                        &f->rec));
    f->vk[kind] = rc_air_vk(f->air[kind]);
    f->m[shape_of(kind)] = rc_air_machine(f->air[kind]);
    f->key[kind] = stark_vk_digest(f->vk[kind]);
    f->pre_root[kind] = stark_vk_pre_root(f->vk[kind]);
    return CAIRN_OK;
}

/* The recursion parameters of cfg: rc_params at each shape, the larger
 * query count for both (so that lift and join proofs reach the bound). */
static cairn_err fold_params(stark_params *out, const rc_fold_cfg *cfg)
{
    stark_params j;
    FORWARD_IF_ERROR(rc_params(out, NULL, cfg->preset, cfg->shape));
    FORWARD_IF_ERROR(rc_params(&j, NULL, cfg->preset, cfg->join_shape));
    if (j.queries > out->queries) out->queries = j.queries;
    return CAIRN_OK;
}

/* ---- the key cache's record of a fold (stark.h "Key cache", records) ----
 * Kind "fold"; value: the programs' preprocessed roots in kind order
 * (RC_FOLD_NKINDS x 4 u64, zero for a kind the context has not), all a
 * verifier needs beyond what (preset, po2) and this binary give at once
 * (parameters, shapes, the shapes' machines). Its id says what they are
 * the roots of: */
#define REC_KIND "fold"
#define REC_VAL (RC_FOLD_NKINDS * P2_DIGEST * 8)
enum { ID_PRESET = 0, ID_PO2 = 32, ID_SHAPE = 36, ID_SEG = 68, ID_REC = 88, ID_DESC = 108, ID_BYTES = 140 };
_Static_assert(ID_BYTES == RC_FOLD_ID_BYTES, "rc_fold.h's record id is this one");
_Static_assert(REC_VAL == sizeof((rc_fold_shipped *)0)->root, "rc_fold.h's roots are the record's value");

/* n bytes of v, little-endian */
static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_params(uint8_t *p, const stark_params *s)
{
    const unsigned v[5] = {s->log_blowup, s->queries, s->pow_bits, s->log_arity, s->log_final_len};
    for (int i = 0; i < 5; i++) put_le(p + 4 * i, v[i], 4);
}

/* The record's id: segment preset and po2, the shapes ("lift+join"),
 * both layers' parameters, and the compression of the digests of the
 * keys of m[0] and m[1] (the machines of every program of each shape:
 * constraint system, preprocessed heights, public values and the
 * recursion parameters) under a zero root. */
static cairn_err record_id(uint8_t id[ID_BYTES], const rc_fold *f, const air_machine *const m[2])
{
    p2_digest ds[2];
    const p2_digest zero = {{0}};
    for (int s = 0; s < 2; s++) {
        stark_vk *vk;
        FORWARD_IF_ERROR(stark_vk_from_root(&vk, m[s], &f->rec, &zero));
        ds[s] = stark_vk_digest(vk);
        stark_vk_free(vk);
    }
    p2_digest d;
    p2_compress(&d, &ds[0], &ds[1]);
    char shapes[64];
    snprintf(shapes, sizeof shapes, "%s+%s", f->cfg.shape, f->cfg.join_shape);
    memset(id, 0, ID_BYTES);
    memcpy(id + ID_PRESET, f->seg_preset, strlen(f->seg_preset));
    put_le(id + ID_PO2, f->po2, 4);
    memcpy(id + ID_SHAPE, shapes, strlen(shapes) < 32 ? strlen(shapes) : 31);
    put_params(id + ID_SEG, &f->seg);
    put_params(id + ID_REC, &f->rec);
    for (int i = 0; i < P2_DIGEST; i++) put_le(id + ID_DESC + 8 * i, d.v[i], 8);
    return CAIRN_OK;
}

/* Stores a full context's roots (a failure only costs the next verifier
 * the full build). */
static void record_store(const rc_fold *f)
{
    uint8_t id[ID_BYTES], val[REC_VAL];
    if (record_id(id, f, f->m) != CAIRN_OK) {
        cairn_clear_error();
        return;
    }
    for (int k = 0; k < RC_FOLD_NKINDS; k++)
        for (int i = 0; i < P2_DIGEST; i++) put_le(val + 32 * k + 8 * i, f->pre_root[k].v[i], 8);
    stark_keycache_record_put(REC_KIND, id, sizeof id, val, sizeof val);
}

cairn_err rc_fold_shipped_of(rc_fold_shipped *out, const rc_fold *f)
{
    RETURN_ERROR_IF(f->verify_only || f->lazy, CAIRN_ERR_USAGE,
                    "fold: a context whose keys came from a record or the shipped roots has none to ship");
    FORWARD_IF_ERROR(record_id(out->id, f, f->m));
    for (int k = 0; k < RC_FOLD_NKINDS; k++) memcpy(out->root[k], f->pre_root[k].v, sizeof out->root[k]);
    return CAIRN_OK;
}

static const rc_fold_shipped *g_ship;
static size_t g_nship;

void rc_fold_ship(const rc_fold_shipped *table, size_t n)
{
    const char *env = getenv("CAIRN_FOLD_ROOTS");
    if (env && !strcmp(env, "off")) table = NULL;
    g_ship = table;
    g_nship = table ? n : 0;
}

/* The shipped record of id (NULL: none). */
static const rc_fold_shipped *shipped(const uint8_t id[ID_BYTES])
{
    for (size_t i = 0; i < g_nship; i++)
        if (!memcmp(g_ship[i].id, id, ID_BYTES)) return &g_ship[i];
    return NULL;
}

/* The verifying keys of the kinds from first up that f has, from their
 * pre_root (each shape's machine vm[]), their digests, and the control
 * root (the leaves of kinds f has not stay zero). */
static cairn_err keys_from_roots(rc_fold *f, unsigned first)
{
    for (unsigned k = first; k < RC_FOLD_NKINDS; k++) {
        if (!rc_fold_has_kind(f, k)) continue;
        FORWARD_IF_ERROR(stark_vk_from_root(&f->own_vk[k], f->vm[shape_of(k)], &f->rec, &f->pre_root[k]));
        f->vk[k] = f->own_vk[k];
        f->key[k] = stark_vk_digest(f->vk[k]);
    }
    return rc_ctrl_root(&f->ctrl, f->key, RC_FOLD_NKINDS);
}

/* A verifier's keys from the record: *hit = 1 and the keys, derived from
 * the shape's machine and the two roots (the key digests and the control
 * root are computed here, never read); *hit = 0 when there is no usable
 * record (a damaged or foreign one gets a notice on stderr). */
static cairn_err from_record(rc_fold *f, int *hit)
{
    *hit = 0;
    FORWARD_IF_ERROR(rc_air_shape_machine(&f->vm[0], f->cfg.shape, RC_CLAIM_NPUB));
    FORWARD_IF_ERROR(rc_air_shape_machine(&f->vm[1], f->cfg.join_shape, RC_CLAIM_NPUB));
    f->m[0] = f->vm[0];
    f->m[1] = f->vm[1];
    uint8_t id[ID_BYTES], val[REC_VAL];
    FORWARD_IF_ERROR(record_id(id, f, f->m));
    const rc_fold_shipped *sh = shipped(id);
    int r;
    if (sh) {
        for (int k = 0; k < RC_FOLD_NKINDS; k++)
            for (int i = 0; i < P2_DIGEST; i++) put_le(val + 32 * k + 8 * i, sh->root[k][i], 8);
        r = 1;
    } else {
        r = stark_keycache_record_get(val, sizeof val, f->rec_path, sizeof f->rec_path, REC_KIND, id, sizeof id);
    }
    int canonical = 1; /* field elements, and zero for a kind f has not */
    p2_digest roots[RC_FOLD_NKINDS];
    for (unsigned k = 0; r > 0 && k < RC_FOLD_NKINDS; k++)
        for (int i = 0; i < P2_DIGEST; i++) {
            roots[k].v[i] = get64(val + 32 * k + 8 * i);
            canonical &= roots[k].v[i] < GL_P && (rc_fold_has_kind(f, k) || !roots[k].v[i]);
        }
    RETURN_ERROR_IF(sh && !canonical, CAIRN_ERR_INTERNAL, "fold: a shipped root of preset %s, 2^%u is not canonical",
                    f->seg_preset, f->po2);
    if (r > 0 && !canonical) { /* not field elements: damaged */
        stark_keycache_record_reject();
        r = -1;
    }
    if (r < 0)
        fprintf(stderr, "cairn: key cache: ignoring the fold record %s (damaged, foreign or not private); "
                        "rebuilding the keys\n", f->rec_path);
    if (r <= 0) return CAIRN_OK; /* nothing of a refused record reaches f */
    memcpy(f->pre_root, roots, sizeof roots);
    FORWARD_IF_ERROR(keys_from_roots(f, 0));
    f->verify_only = sh ? 2 : 1;
    *hit = 1;
    return CAIRN_OK;
}

/* A prover's context from the roots shipped with the build, when they
 * have (preset, po2): *hit = 1, the lift program and its keys built now
 * (checked against the shipped root), the join programs only on the first
 * join of their kind (ensure_prog); their verifying keys, all key digests
 * and the control root come from the shipped roots, which the build's own
 * code made (recursion/gen/fold_roots_gen.c), as a verifier's context
 * takes them. A run that fits one segment never joins: it skips recording
 * three programs and building their keys (2.2 s of the 3.4 s the fold's
 * keys took at proven-100, 2^17). The key cache's records are not used
 * here: fold_roots_gen builds full contexts, and what it ships must be
 * the code's, never a record's. */
static cairn_err from_shipped(rc_fold *f, int *hit)
{
    *hit = 0;
    if (!g_nship) return CAIRN_OK;
    FORWARD_IF_ERROR(rc_air_shape_machine(&f->vm[0], f->cfg.shape, RC_CLAIM_NPUB));
    FORWARD_IF_ERROR(rc_air_shape_machine(&f->vm[1], f->cfg.join_shape, RC_CLAIM_NPUB));
    uint8_t id[ID_BYTES];
    const air_machine *const vm[2] = {f->vm[0], f->vm[1]};
    FORWARD_IF_ERROR(record_id(id, f, vm));
    const rc_fold_shipped *sh = shipped(id);
    if (!sh) return CAIRN_OK;
    FORWARD_IF_ERROR(record_lift(f, RC_FOLD_LIFT));
    FORWARD_IF_ERROR(build_air(f, RC_FOLD_LIFT));
    RETURN_ERROR_IF(memcmp(f->pre_root[RC_FOLD_LIFT].v, sh->root[RC_FOLD_LIFT], sizeof sh->root[RC_FOLD_LIFT]),
                    CAIRN_ERR_INTERNAL,
                    "fold: the lift program's key is not the one the fold roots shipped with this build name "
                    "(preset %s, 2^%u): rebuild cairn, or run with CAIRN_FOLD_ROOTS=off",
                    f->seg_preset, f->po2);
    f->m[1] = f->vm[1];
    for (unsigned k = RC_FOLD_LIFT + 1; k < RC_FOLD_NKINDS; k++)
        for (int i = 0; i < P2_DIGEST && rc_fold_has_kind(f, k); i++) {
            RETURN_ERROR_IF(sh->root[k][i] >= GL_P, CAIRN_ERR_INTERNAL,
                            "fold: a shipped root of preset %s, 2^%u is not canonical", f->seg_preset, f->po2);
            f->pre_root[k].v[i] = sh->root[k][i];
        }
    FORWARD_IF_ERROR(keys_from_roots(f, RC_FOLD_LIFT + 1));
    f->lazy = 1;
    *hit = 1;
    return CAIRN_OK;
}

/* The program of kind, with its machine and keys, when the context has
 * its verifying key only: a join's in a context of from_shipped, a tail's
 * lift in any prover's context (a no-op otherwise). Its key must be the
 * one that the control root and the verifying keys were made from. */
static cairn_err ensure_prog(const rc_fold *cf, unsigned kind)
{
    rc_fold *f = (rc_fold *)cf; /* only what the lock guards changes */
    if (f->verify_only || !rc_fold_has_kind(f, kind) || kind == RC_FOLD_LIFT || (!f->lazy && kind < RC_FOLD_TAIL0))
        return CAIRN_OK;
    pthread_mutex_lock(&f->mu);
    const unsigned k0 = aliased(f, kind) ? RC_FOLD_JOIN_LL : kind;
    cairn_err e = CAIRN_OK;
    if (!f->air[k0]) {
        rc_air *a = NULL;
        e = rc_fold_is_lift(k0) ? record_lift(f, k0) : record_join(f, k0);
        if (e == CAIRN_OK)
            e = rc_air_build_shape(&a, f->prog[k0], RC_CLAIM_NPUB, rc_fold_shape_of(&f->cfg, k0), &f->rec);
        if (e == CAIRN_OK) {
            const p2_digest d = stark_vk_digest(rc_air_vk(a));
            if (memcmp(&d, &f->key[k0], sizeof d))
                e = cairn_fail(CAIRN_ERR_INTERNAL,
                               "fold: the %s program's key is not the one %s (preset %s, 2^%u)%s",
                               rc_fold_kind_name(k0),
                               f->lazy ? "the fold roots shipped with this build name" : "the context was built with",
                               f->seg_preset, f->po2,
                               f->lazy ? ": rebuild cairn, or run with CAIRN_FOLD_ROOTS=off" : "");
        }
        if (e == CAIRN_OK) {
            f->air[k0] = a;
        } else {
            rc_air_free(a);
            rc_program_free(f->prog[k0]);
            f->prog[k0] = NULL;
        }
    }
    if (e == CAIRN_OK && k0 != kind) {
        f->prog[kind] = f->prog[k0];
        f->air[kind] = f->air[k0];
    }
    pthread_mutex_unlock(&f->mu);
    return e;
}

unsigned rc_fold_programs_built(const rc_fold *cf)
{
    rc_fold *f = (rc_fold *)cf;
    pthread_mutex_lock(&f->mu);
    unsigned m = 0;
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++)
        if (f->air[k]) m |= 1u << k;
    pthread_mutex_unlock(&f->mu);
    return m;
}

/* A tail's lift key in a full build: the program recorded and its machine
 * built for the root and digest, then given back (a run has at most one
 * tail; ensure_prog makes it again on its first lift, and its key must
 * come out the same), keeping a verifying key from the root. */
static cairn_err tail_key(rc_fold *f, unsigned kind)
{
    const air_machine *lift_m = f->m[0]; /* the lift's, which outlives the context's keys */
    FORWARD_IF_ERROR(record_lift(f, kind));
    cairn_err e = build_air(f, kind);
    f->m[0] = lift_m;
    if (e == CAIRN_OK) e = stark_vk_from_root(&f->own_vk[kind], lift_m, &f->rec, &f->pre_root[kind]);
    if (e == CAIRN_OK) {
        const p2_digest d = stark_vk_digest(f->own_vk[kind]);
        if (memcmp(&d, &f->key[kind], sizeof d))
            e = cairn_fail(CAIRN_ERR_INTERNAL, "fold: the %s key from its root is not the one built",
                           rc_fold_kind_name(kind));
    }
    rc_air_free(f->air[kind]);
    rc_program_free(f->prog[kind]);
    f->air[kind] = NULL;
    f->prog[kind] = NULL;
    f->vk[kind] = f->own_vk[kind];
    return e;
}

/* A context of (seg_preset, po2): with verifier set, from the key cache's
 * record when there is a usable one; else (or without a cache) the full
 * build, which then stores the record. */
static cairn_err fold_build(rc_fold **out, const char *seg_preset, unsigned po2, int verifier)
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
    if (pthread_mutex_init(&f->mu, NULL)) {
        free(f);
        return cairn_fail(CAIRN_ERR_NOMEM, "fold: no mutex");
    }
    int hit = 0;
    cairn_err e = rc_fold_config(&f->cfg, seg_preset, po2);
    if (e == CAIRN_OK) e = rv_air_params(&f->seg, seg_preset, po2);
    if (e == CAIRN_OK) e = fold_params(&f->rec, &f->cfg);
    if (e == CAIRN_OK) e = rc_shape_find(&f->shape[0], f->cfg.shape);
    if (e == CAIRN_OK) e = rc_shape_find(&f->shape[1], f->cfg.join_shape);
    if (e == CAIRN_OK) e = verifier ? from_record(f, &hit) : from_shipped(f, &hit);
    if (e == CAIRN_OK && !hit) {
        for (int s = 0; s < 2; s++) {
            air_machine_free(f->vm[s]);
            f->vm[s] = NULL;
        }
        /* the join of lifts before the others: its key is the join
         * shape's for recording them */
        static const unsigned order[RC_FOLD_TAIL0] = {RC_FOLD_LIFT, RC_FOLD_JOIN_LL, RC_FOLD_JOIN_JL,
                                                      RC_FOLD_JOIN_JJ};
        for (int i = 0; i < RC_FOLD_TAIL0 && e == CAIRN_OK; i++) {
            const unsigned k = order[i];
            if (aliased(f, k)) {
                f->prog[k] = f->prog[RC_FOLD_JOIN_LL];
                f->air[k] = f->air[RC_FOLD_JOIN_LL];
                f->vk[k] = f->vk[RC_FOLD_JOIN_LL];
                f->key[k] = f->key[RC_FOLD_JOIN_LL];
                f->pre_root[k] = f->pre_root[RC_FOLD_JOIN_LL];
                continue;
            }
            e = k == RC_FOLD_LIFT ? record_lift(f, k) : record_join(f, k);
            if (e == CAIRN_OK) e = build_air(f, k);
        }
        for (unsigned k = RC_FOLD_TAIL0; k < RC_FOLD_NKINDS && e == CAIRN_OK; k++)
            if (rc_fold_has_kind(f, k)) e = tail_key(f, k);
        if (e == CAIRN_OK) e = rc_ctrl_root(&f->ctrl, f->key, RC_FOLD_NKINDS);
        if (e == CAIRN_OK) record_store(f);
    }
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

/* The cached context of (seg_preset, po2): a full one, or with verifier
 * set either kind (a full one first); built when there is none. */
static cairn_err get(const rc_fold **out, const char *seg_preset, unsigned po2, int verifier)
{
    *out = NULL;
    pthread_mutex_lock(&g_lock);
    cairn_err e = CAIRN_OK;
    int i = 0, any = -1;
    for (; i < FOLD_CACHE_MAX && g_cache[i]; i++)
        if (g_cache[i]->po2 == po2 && !strcmp(g_cache[i]->seg_preset, seg_preset)) {
            if (!g_cache[i]->verify_only) break;
            any = i;
        }
    if (verifier && any >= 0 && (i == FOLD_CACHE_MAX || !g_cache[i])) i = any;
    if (i == FOLD_CACHE_MAX) e = cairn_fail(CAIRN_ERR_LIMIT, "fold: more than %d cached fold contexts", FOLD_CACHE_MAX);
    else if (!g_cache[i]) e = fold_build(&g_cache[i], seg_preset, po2, verifier);
    if (e == CAIRN_OK) *out = g_cache[i];
    pthread_mutex_unlock(&g_lock);
    return e;
}

cairn_err rc_fold_get(const rc_fold **out, const char *seg_preset, unsigned po2)
{
    return get(out, seg_preset, po2, 0);
}

cairn_err rc_fold_get_verifier(const rc_fold **out, const char *seg_preset, unsigned po2)
{
    return get(out, seg_preset, po2, 1);
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
p2_digest rc_fold_key(const rc_fold *f, unsigned kind) { return f->key[kind < RC_FOLD_NKINDS ? kind : 0]; }
const rc_fold_cfg *rc_fold_cfg_of(const rc_fold *f) { return &f->cfg; }
const char *rc_fold_seg_preset(const rc_fold *f) { return f->seg_preset; }
unsigned rc_fold_po2(const rc_fold *f) { return f->po2; }
const stark_params *rc_fold_params(const rc_fold *f) { return &f->rec; }
int rc_fold_from_record(const rc_fold *f) { return f->verify_only; }

const char *rc_fold_keys_note(const rc_fold *f)
{
    static _Thread_local char note[sizeof f->rec_path + 160];
    if (!f->verify_only) return "";
    if (f->verify_only == 2)
        return " (keys from the fold roots shipped with this build: if this build made the proof, they are not its "
               "code's; rebuild it, or verify with CAIRN_FOLD_ROOTS=off)";
    snprintf(note, sizeof note,
             " (keys from the key cache's record %s: if this build made the proof, that record is wrong; delete it "
             "or verify with CAIRN_KEY_CACHE=off)",
             f->rec_path);
    return note;
}

cairn_err rc_fold_security(stark_security_bits *out, const rc_fold *f)
{
    /* the weaker of the two shapes' */
    stark_security_bits j;
    FORWARD_IF_ERROR(stark_security(out, &f->rec, f->m[0], f->shape[0]->log_n));
    FORWARD_IF_ERROR(stark_security(&j, &f->rec, f->m[1], f->shape[1]->log_n));
    if (j.proven < out->proven) *out = j;
    return CAIRN_OK;
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
        return cairn_prefix_error(e, "fold: the %s proof just made does not verify", rc_fold_kind_name(kind));
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
                    rc_fold_kind_name(kind));
    return CAIRN_OK;
}

/* Lift and join need the programs and proving keys: a full context. */
static cairn_err can_prove(const rc_fold *f)
{
    RETURN_ERROR_IF(f->verify_only, CAIRN_ERR_USAGE,
                    "fold: a verifier's context (rc_fold_get_verifier) neither lifts nor joins");
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
        e = cairn_fail(CAIRN_ERR_VERIFY, "%s: rejected: %s",
                       rc_fold_is_lift(kind) ? "lift of the segment proof" : "join", r->first);
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
    FORWARD_IF_ERROR(can_prove(f));
    unsigned kind;
    FORWARD_IF_ERROR(rc_fold_lift_kind(&kind, f, seg->po2));
    FORWARD_IF_ERROR(ensure_prog(f, kind));
    recorded r = {0};
    r.e = rc_lift_record(&r.p, &r.w, &r.n, &r.acc, r.first, &f->ctrl, seg, proof, len, &f->seg);
    return finish_node(out, seconds, f, kind, &r, t0);
}

cairn_err rc_fold_join(rc_fold_node *out, double *seconds, const rc_fold *f, const rc_fold_node *left,
                       const rc_fold_node *right)
{
    memset(out, 0, sizeof *out);
    double t0 = now_sec();
    FORWARD_IF_ERROR(can_prove(f));
    unsigned kind;
    FORWARD_IF_ERROR(rc_fold_join_kind(&kind, left->kind, right->kind));
    FORWARD_IF_ERROR(ensure_prog(f, kind));
    const unsigned lk = left->kind, rk = right->kind;
    rc_join_input l = {left->proof, left->len, left->claim, f->pre_root[lk], f->vk[lk], f->shape[shape_of(lk)]->log_n};
    rc_join_input r = {right->proof, right->len, right->claim, f->pre_root[rk], f->vk[rk],
                       f->shape[shape_of(rk)]->log_n};
    recorded rec = {0};
    rec.e = rc_join_record(&rec.p, &rec.w, &rec.n, &rec.acc, rec.first, f->key, RC_FOLD_NKINDS, &l, &r);
    return finish_node(out, seconds, f, kind, &rec, t0);
}

cairn_err rc_fold_verify(const rc_fold *f, unsigned kind, const gl_t claim[RC_CLAIM_NPUB], const uint8_t *proof,
                         size_t len)
{
    RETURN_ERROR_IF(kind >= RC_FOLD_NKINDS || !rc_fold_has_kind(f, kind), CAIRN_ERR_USAGE,
                    "fold: unknown proof kind %u (0 lift, 1 join of joins, 2 join of lifts, 3 join of a join and a "
                    "lift, 4.. the lift of a tail of 2^14.. below the fold's 2^%u)",
                    kind, f->po2);
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(claim[RC_CLAIM_CTRL + i] != f->ctrl.v[i], CAIRN_ERR_VERIFY,
                        "control root: the claim's is not this build's for preset %s, segments of 2^%u%s",
                        f->seg_preset, f->po2, rc_fold_keys_note(f));
    cairn_err e = rc_verify(f->vk[kind], claim, RC_CLAIM_NPUB, proof, len);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "%s proof", rc_fold_kind_name(kind));
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

/* The fold's figure (rc_fold_prove_mem) and its proof part, the larger
 * proof's prover buffers (the workspace's budget). */
static size_t fold_mem(const rc_fold *f, size_t *proof_ws)
{
    *proof_ws = 0;
    if (f->verify_only) return SIZE_MAX;
    size_t keys = 0, proof = 0;
    /* the thread's kept traces (rc_air.h rc_prove) grow to the larger of
     * the two shapes in each table */
    unsigned hmax[RC_AIR_NTABLES];
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++)
        hmax[t] = f->shape[0]->log_n[t] > f->shape[1]->log_n[t] ? f->shape[0]->log_n[t] : f->shape[1]->log_n[t];
    size_t tail = 0;
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++) {
        if (aliased(f, k) || !rc_fold_has_kind(f, k)) continue; /* the same machine; none */
        /* from the verifying key: a join's or a tail's proving key may
         * not be built yet (from_shipped, ensure_prog) */
        const size_t pk = stark_vk_pk_mem(f->vk[k]);
        if (k < RC_FOLD_TAIL0) keys += pk;
        else if (pk > tail) tail = pk; /* a run has at most one tail */
        size_t p = stark_vk_prove_mem(f->vk[k], f->shape[shape_of(k)]->log_n);
        if (p > proof) proof = p;
    }
    keys += tail;
    *proof_ws = proof;
    proof += stark_traces_mem(rc_air_machine(f->air[RC_FOLD_LIFT]), hmax);
    /* a quarter on top of both: the context itself (the recorded
     * programs, the machines' row maps and constraint DAGs) is about a
     * fifth of the keys' figure, and the recursion prover about 6 % over
     * its model (tests/recursion/test_rc_fold_mem: at preset test the
     * keys, two lifts and a join grew 0.87-0.92 of this; 0.89-0.92 with
     * the thread's recursion workspace kept between them, rc_air.h
     * rc_prove, which holds at most the proof part below; after segment
     * proofs on the thread, which share its workspace, 0.83 of
     * rc_fold_add_mem) */
    return (keys + proof) + (keys + proof) / 4;
}

size_t rc_fold_prove_mem(const rc_fold *f)
{
    size_t ws;
    return fold_mem(f, &ws);
}

size_t rc_fold_add_mem(const rc_fold *f, size_t seg_workspace)
{
    size_t ws;
    const size_t all = fold_mem(f, &ws);
    if (all == SIZE_MAX) return all;
    return all - (seg_workspace < ws ? seg_workspace : ws);
}
