/* The fold (recursion/rc_fold.h), segment po2 8, preset test (recursion
 * preset test, shape rc-test):
 *  (a) the choice of recursion parameters and shapes per preset, the
 *      kind of a join by its children's (a lift left of a join and
 *      unknown kinds refused); unknown presets and po2 out of range are
 *      usage errors;
 *  (b) the lift program recorded on a blank segment proof
 *      (stark_vrec_blank) is byte-identical to the one recorded on a real
 *      proof, and the key of the real one's machine is the fold's lift key
 *      (so the control root needs no proof); the four keys (lift, and
 *      the joins of joins, of lifts, of a join and a lift) differ and the
 *      control root is rc_ctrl_root over them in that order;
 *  (c) three segments lifted, (0,1) joined (a join of lifts), then joined
 *      with 2 (a join of a join and a lift): the final claim is (control
 *      root, start of 0, end of 2, cycles of all) and verifies; a changed
 *      claim element, each other kind's key, a claim under another control
 *      root, a damaged proof byte do not; joins out of order are rejected,
 *      a lift left of a join is refused (no program), and a forged
 *      segment proof is not lifted. (The join of joins runs in
 *      tests/cli/run_fold.sh, 4 segments.)
 *  (d) a verifier's context (rc_fold_get_verifier), in a fresh key cache:
 *      the first builds everything and stores the fold's record, the next
 *      reads it; both have the full context's control root, key digests
 *      and security and accept (c)'s final proof, and the one from the
 *      record neither lifts nor joins. A record with a flipped byte, a
 *      non-canonical root, another binary's hash, truncated or writable by
 *      others is ignored and rebuilt (the keys are the full ones again);
 *      a record whose lift root was changed and its checksum fixed (a
 *      consistent forgery) gives other keys, under which the valid final
 *      proof fails "control root", naming the record.
 *  (e) the recursion prover's workspace (rc_air.h rc_prove: one per thread,
 *      kept from (c)'s lifts and joins): with its blocks and its kept
 *      traces filled with a poison byte before they are handed out again,
 *      a second lift of segments 0 and 1 and their join are byte-identical
 *      to the same proofs made without a workspace (rc_prove_ws NULL, on
 *      machines built here from the recorded programs) and verify; so are
 *      two proofs with a poisoned workspace of the caller's;
 *      rc_prove_release gives everything back (held 0, nothing stale).
 *  (f) a prover's context of a (preset, po2) whose roots ship with the
 *      build (rc_fold_ship): the lift's program only is built, the control
 *      root, key digests and memory figure are the full context's and a
 *      join of two lifts builds the join of lifts' program (then held)
 *      and verifies; shipped join roots that are not the code's give
 *      another control root and the join fails CAIRN_ERR_INTERNAL naming
 *      the shipped roots (its program is not kept), a shipped lift root
 *      that is not the code's fails at once.
 *  (g) tails (rv_air.h): a run of 2^15 whose halted last segment is
 *      2^14 (preset test): the context of 2^15 has the tail's key as
 *      leaf 4 of its control root, made on the first lift of a 2^14
 *      segment (and from the shipped roots likewise, a wrong shipped tail
 *      root failing there); the tail's lift verifies under its own kind
 *      only, a forged tail proof is not lifted, sizes other than 2^15 and
 *      2^14 are refused, the join of the lift and the tail's lift
 *      verifies with the run's cycles, in a verifier's context too.
 * Under CAIRN_SANITIZE_RUN (c), (d), (e), (f) and (g) are skipped (several 2^16-row
 * proofs and key builds take minutes there); (a) and (b) run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vm/seg_prog.h"
#include "common/err.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_fold.h"
#include "stark/hugemem.h" /* stark_workspace_poison */
#include "stark/verify_rec.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

#define PO2 8
#define NSEG 3

static stark_params g_seg;
static int g_sanitize;

typedef struct {
    uint8_t *proof;
    size_t len;
    rv_seg_claim claim;
} segproof;
static segproof g_s[NSEG];
static int g_have;
static rc_fold_node g_fin; /* (c)'s final proof, for (d) */

static cairn_err prove_seg(void *arg, const rv_snapshot *s)
{
    (void)arg;
    if (g_have >= NSEG) return CAIRN_OK;
    segproof *t = &g_s[g_have++];
    return rv_prove_segment(&t->proof, &t->len, &t->claim, s, &g_seg);
}

static cairn_err setup(void)
{
    /* at least 3 segments of 2^8 */
    cairn_err e = seg_run(80, PO2, "fold me: some private input bytes for read(0)", prove_seg, NULL);
    if (e == CAIRN_OK && g_have < NSEG) e = cairn_fail(CAIRN_ERR_INTERNAL, "test: fewer than %d segments", NSEG);
    return e;
}

static void test_config(void)
{
    rc_fold_cfg c;
    CU_ASSERT_EQUAL(rc_fold_config(&c, "test", PO2), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(c.preset, "test");
    CU_ASSERT_STRING_EQUAL(c.shape, "rc-test");
    CU_ASSERT_STRING_EQUAL(c.join_shape, "rc-test-join");
    CU_ASSERT_STRING_EQUAL(rc_fold_shape_of(&c, RC_FOLD_LIFT), "rc-test");
    for (unsigned k = 1; k < RC_FOLD_NKINDS; k++) /* tails' lifts are lifts */
        CU_ASSERT_STRING_EQUAL(rc_fold_shape_of(&c, k), k < RC_FOLD_TAIL0 ? "rc-test-join" : "rc-test");
    CU_ASSERT_EQUAL(rc_fold_config(&c, "proven-100", 20), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(c.preset, "proven-100");
    CU_ASSERT_STRING_EQUAL(c.shape, "rc-100-lift");
    CU_ASSERT_STRING_EQUAL(c.join_shape, "rc-100-join");
    /* segments below RV_PROVEN_LOG_BLOWUP_MIN_PO2 are at blowup 4: their
     * lifts fit the smaller shape */
    CU_ASSERT_EQUAL(rc_fold_config(&c, "proven-100", RV_PROVEN_LOG_BLOWUP_MIN_PO2 - 1), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(c.shape, "rc-100");
    CU_ASSERT_STRING_EQUAL(c.join_shape, "rc-100-join");
    /* conjectured-100's joins (blowup 2) do not fit rc-100-join: one shape,
     * one join program (its context is built by the build's
     * fold_roots_gen, conjectured-100:20) */
    CU_ASSERT_EQUAL(rc_fold_config(&c, "conjectured-100", 20), CAIRN_OK);
    CU_ASSERT_STRING_EQUAL(c.shape, "rc-100");
    CU_ASSERT_STRING_EQUAL(c.join_shape, "rc-100");
    /* node kinds: a join's by its children; a lift left of a join has none */
    unsigned k;
    CU_ASSERT_EQUAL(rc_fold_join_kind(&k, RC_FOLD_LIFT, RC_FOLD_LIFT), CAIRN_OK);
    CU_ASSERT_EQUAL(k, RC_FOLD_JOIN_LL);
    for (unsigned l = 1; l < RC_FOLD_TAIL0; l++) {
        CU_ASSERT_EQUAL(rc_fold_join_kind(&k, l, RC_FOLD_LIFT), CAIRN_OK);
        CU_ASSERT_EQUAL(k, RC_FOLD_JOIN_JL);
        for (unsigned r = 1; r < RC_FOLD_NKINDS; r++) { /* a tail's lift is a lift */
            CU_ASSERT_EQUAL(rc_fold_join_kind(&k, l, r), CAIRN_OK);
            CU_ASSERT_EQUAL(k, r < RC_FOLD_TAIL0 ? RC_FOLD_JOIN_JJ : RC_FOLD_JOIN_JL);
        }
        CU_ASSERT_EQUAL(rc_fold_join_kind(&k, RC_FOLD_LIFT, l), CAIRN_ERR_USAGE);
        CU_ASSERT_EQUAL(k, RC_FOLD_NKINDS);
        CU_ASSERT_EQUAL(rc_fold_join_kind(&k, RC_FOLD_NKINDS - 1, l), CAIRN_ERR_USAGE);
    }
    CU_ASSERT_EQUAL(rc_fold_join_kind(&k, RC_FOLD_NKINDS, RC_FOLD_LIFT), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_join_kind(&k, RC_FOLD_JOIN_JJ, RC_FOLD_NKINDS), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_config(&c, "fast", 20), CAIRN_ERR_USAGE);
    const rc_fold *f;
    CU_ASSERT_EQUAL(rc_fold_get(&f, "fast", PO2), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_get(&f, "test", 2), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NULL(f);
}

static uint8_t *encode(rc_program *p, size_t *len)
{
    uint8_t *e = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&e, len, p), CAIRN_OK);
    return e;
}

static void test_keys(void)
{
    const rc_fold *f;
    double t0 = now_sec();
    cairn_err e = rc_fold_get(&f, "test", PO2);
    if (e != CAIRN_OK) fprintf(stderr, "fold: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    printf("  fold keys (lift + join, rc-test): %.2f s\n", now_sec() - t0);
    const rc_fold *f2;
    CU_ASSERT_EQUAL(rc_fold_get(&f2, "test", PO2), CAIRN_OK);
    CU_ASSERT_PTR_EQUAL(f, f2); /* cached */
    /* a blank and a real proof record one program */
    const stark_vk *svk;
    unsigned lh[AIR_MAX_TABLES];
    CU_ASSERT_EQUAL_FATAL(rv_air_vk(&svk, PO2, &g_seg), CAIRN_OK);
    rv_air_heights(PO2, lh);
    uint8_t *blank;
    size_t blen;
    CU_ASSERT_EQUAL_FATAL(stark_vrec_blank(&blank, &blen, svk, lh), CAIRN_OK);
    /* proof-shaped: it parses at the heights and gives as many inputs;
     * its bytes are fewer (every path digest repeats the first) */
    stark_vrec_proof *vb_ = NULL, *vr_ = NULL;
    CU_ASSERT_EQUAL_FATAL(stark_vrec_parse(&vb_, svk, blank, blen, lh), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_vrec_parse(&vr_, svk, g_s[0].proof, g_s[0].len, lh), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_vrec_ninputs(svk, vb_), stark_vrec_ninputs(svk, vr_));
    CU_ASSERT(blen < g_s[0].len);
    stark_vrec_free(vb_);
    stark_vrec_free(vr_);
    CU_ASSERT_NOT_EQUAL(rv_verify_segment(&g_s[0].claim, blank, blen, &g_seg), CAIRN_OK);
    p2_digest ctrl = rc_fold_ctrl(f);
    rc_program *pb = NULL, *pr = NULL;
    gl_t *wb = NULL, *wr = NULL;
    size_t nb, nr, lb, lr;
    int ab = 1, ar = 0;
    rv_seg_claim bc = {.po2 = PO2, .cycles = 1};
    CU_ASSERT_EQUAL_FATAL(rc_lift_record(&pb, &wb, &nb, &ab, NULL, &ctrl, &bc, blank, blen, &g_seg), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_lift_record(&pr, &wr, &nr, &ar, NULL, &ctrl, &g_s[1].claim, g_s[1].proof, g_s[1].len,
                                         &g_seg),
                          CAIRN_OK);
    CU_ASSERT(!ab && ar);
    uint8_t *eb = encode(pb, &lb), *er = encode(pr, &lr);
    CU_ASSERT_EQUAL(lb, lr);
    CU_ASSERT(lb == lr && !memcmp(eb, er, lb));
    /* the real program's key is the fold's lift key */
    rc_fold_cfg cfg;
    stark_params rec;
    CU_ASSERT_EQUAL(rc_fold_config(&cfg, "test", PO2), CAIRN_OK);
    CU_ASSERT_EQUAL(stark_params_preset(&rec, cfg.preset), CAIRN_OK);
    rc_air *a = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(&a, pr, RC_CLAIM_NPUB, cfg.shape, &rec), CAIRN_OK);
    p2_digest k = stark_vk_digest(rc_air_vk(a)), keys[RC_FOLD_NKINDS], root;
    for (unsigned i = 0; i < RC_FOLD_NKINDS; i++) keys[i] = rc_fold_key(f, i);
    CU_ASSERT(!memcmp(&k, &keys[RC_FOLD_LIFT], sizeof k));
    /* the four kinds' keys differ; a context of 2^8 has no tails: zero
     * leaves */
    const p2_digest zero = {{0}};
    for (unsigned i = 0; i < RC_FOLD_NKINDS; i++) {
        CU_ASSERT_EQUAL(rc_fold_has_kind(f, i), i < RC_FOLD_TAIL0);
        if (i >= RC_FOLD_TAIL0) CU_ASSERT(!memcmp(&keys[i], &zero, sizeof zero));
        for (unsigned j = 0; j < i && i < RC_FOLD_TAIL0; j++) CU_ASSERT(memcmp(&keys[i], &keys[j], sizeof k) != 0);
    }
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, RC_FOLD_NKINDS), CAIRN_OK);
    CU_ASSERT(!memcmp(&root, &ctrl, sizeof root));
    rc_air_free(a);
    free(eb);
    free(er);
    free(wb);
    free(wr);
    free(blank);
    rc_program_free(pb);
    rc_program_free(pr);
}

static void test_fold(void)
{
    if (g_sanitize) {
        printf("  skipped under CAIRN_SANITIZE_RUN\n");
        return;
    }
    const rc_fold *f;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", PO2), CAIRN_OK);
    rc_fold_node l[NSEG], j01, fin, bad;
    memset(l, 0, sizeof l);
    for (int i = 0; i < NSEG; i++) {
        double s;
        cairn_err e = rc_fold_lift(&l[i], &s, f, &g_s[i].claim, g_s[i].proof, g_s[i].len);
        if (e != CAIRN_OK) fprintf(stderr, "lift %d: %s\n", i, cairn_last_error());
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
        printf("  lift %d: %.2f s, %zu bytes\n", i, s, l[i].len);
        CU_ASSERT_EQUAL(l[i].kind, RC_FOLD_LIFT);
    }
    double s;
    /* out of order: left end != right start */
    CU_ASSERT_EQUAL(rc_fold_join(&bad, NULL, f, &l[1], &l[0]), CAIRN_ERR_VERIFY);
    CU_ASSERT(strstr(cairn_last_error(), "left end != right start") != NULL);
    CU_ASSERT_EQUAL_FATAL(rc_fold_join(&j01, &s, f, &l[0], &l[1]), CAIRN_OK);
    CU_ASSERT_EQUAL(j01.kind, RC_FOLD_JOIN_LL);
    printf("  join (0,1): %.2f s\n", s);
    /* a lift left of a join: no program for it */
    CU_ASSERT_EQUAL(rc_fold_join(&bad, NULL, f, &l[2], &j01), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "a lift left of a join of lifts") != NULL);
    CU_ASSERT_PTR_NULL(bad.proof);
    cairn_err e = rc_fold_join(&fin, &s, f, &j01, &l[2]);
    if (e != CAIRN_OK) fprintf(stderr, "join: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(fin.kind, RC_FOLD_JOIN_JL);
    printf("  join ((0,1),2): %.2f s, %zu bytes\n", s, fin.len);
    /* the claim */
    gl_t want[RC_CLAIM_NPUB];
    p2_digest ctrl = rc_fold_ctrl(f);
    memcpy(want, ctrl.v, sizeof ctrl.v);
    memcpy(want + RC_CLAIM_START, g_s[0].claim.start.v, sizeof ctrl.v);
    memcpy(want + RC_CLAIM_END, g_s[2].claim.end.v, sizeof ctrl.v);
    want[RC_CLAIM_CYCLES] = g_s[0].claim.cycles + g_s[1].claim.cycles + g_s[2].claim.cycles;
    CU_ASSERT(!memcmp(want, fin.claim, sizeof want));
    double t0 = now_sec();
    CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_JOIN_JL, fin.claim, fin.proof, fin.len), CAIRN_OK);
    printf("  verify: %.3f s\n", now_sec() - t0);
    /* negative: each claim element, the other key, the root, a proof byte */
    for (int i = RC_CLAIM_START; i < RC_CLAIM_NPUB; i++) {
        gl_t c[RC_CLAIM_NPUB];
        memcpy(c, fin.claim, sizeof c);
        c[i] = gl_add(c[i], 1);
        CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_JOIN_JL, c, fin.proof, fin.len), CAIRN_ERR_VERIFY);
    }
    gl_t c[RC_CLAIM_NPUB];
    memcpy(c, fin.claim, sizeof c);
    c[RC_CLAIM_CTRL] = gl_add(c[RC_CLAIM_CTRL], 1);
    CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_JOIN_JL, c, fin.proof, fin.len), CAIRN_ERR_VERIFY);
    CU_ASSERT(strstr(cairn_last_error(), "control root") != NULL);
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++)
        if (k != RC_FOLD_JOIN_JL) CU_ASSERT_NOT_EQUAL(rc_fold_verify(f, k, fin.claim, fin.proof, fin.len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_NKINDS, fin.claim, fin.proof, fin.len), CAIRN_ERR_USAGE);
    fin.proof[fin.len / 2] ^= 1;
    CU_ASSERT_NOT_EQUAL(rc_fold_verify(f, RC_FOLD_JOIN_JL, fin.claim, fin.proof, fin.len), CAIRN_OK);
    fin.proof[fin.len / 2] ^= 1;
    /* a lift proof verifies under the lift key with its own claim */
    CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_LIFT, l[2].claim, l[2].proof, l[2].len), CAIRN_OK);
    /* a forged segment proof (a byte of its last query) is not lifted */
    uint8_t *forged = malloc(g_s[2].len);
    CU_ASSERT_FATAL(forged != NULL);
    memcpy(forged, g_s[2].proof, g_s[2].len);
    forged[g_s[2].len - 20] ^= 1;
    e = rc_fold_lift(&bad, NULL, f, &g_s[2].claim, forged, g_s[2].len);
    CU_ASSERT(e == CAIRN_ERR_VERIFY || e == CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NULL(bad.proof);
    free(forged);
    for (int i = 0; i < NSEG; i++) rc_fold_node_free(&l[i]);
    rc_fold_node_free(&j01);
    g_fin = fin;
}

/* A recorded run of the fold's program kind, proven without a workspace
 * on a machine built here at the shape (the fold's key: test (b)). */
typedef struct {
    rc_program *p;
    gl_t *w;
    size_t n;
    uint8_t *proof;
    size_t len;
} plain_proof;

static void plain_prove(plain_proof *x, rc_air **air, const rc_fold *f, unsigned kind)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(x->p);
    if (!*air)
        CU_ASSERT_EQUAL_FATAL(rc_air_build_shape(air, x->p, RC_CLAIM_NPUB,
                                                 kind == RC_FOLD_LIFT ? rc_fold_cfg_of(f)->shape
                                                                      : rc_fold_cfg_of(f)->join_shape,
                                                 rc_fold_params(f)),
                              CAIRN_OK);
    p2_digest k = stark_vk_digest(rc_air_vk(*air)), want = rc_fold_key(f, kind);
    CU_ASSERT_FATAL(!memcmp(&k, &want, sizeof k));
    CU_ASSERT_EQUAL_FATAL(rc_prove_ws(&x->proof, &x->len, *air, x->w, x->n, NULL), CAIRN_OK);
}

static void plain_free(plain_proof *x)
{
    rc_program_free(x->p);
    free(x->w);
    free(x->proof);
}

static int same_bytes(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    return la == lb && !memcmp(a, b, la);
}

static void test_workspace(void)
{
    if (g_sanitize) {
        printf("  skipped under CAIRN_SANITIZE_RUN\n");
        return;
    }
    const rc_fold *f;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", PO2), CAIRN_OK);
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, rc_fold_cfg_of(f)->shape), CAIRN_OK);
    /* the references: lifts of segments 0 and 1 and their join, no workspace */
    p2_digest ctrl = rc_fold_ctrl(f), keys[RC_FOLD_NKINDS];
    for (unsigned i = 0; i < RC_FOLD_NKINDS; i++) keys[i] = rc_fold_key(f, i);
    plain_proof pl[2], pj;
    memset(pl, 0, sizeof pl);
    memset(&pj, 0, sizeof pj);
    rc_air *lift_air = NULL, *join_air = NULL;
    int acc = 0;
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(rc_lift_record(&pl[i].p, &pl[i].w, &pl[i].n, &acc, NULL, &ctrl, &g_s[i].claim,
                                             g_s[i].proof, g_s[i].len, &g_seg),
                              CAIRN_OK);
        CU_ASSERT_FATAL(acc);
        plain_prove(&pl[i], &lift_air, f, RC_FOLD_LIFT);
    }
    const stark_vk *lvk = rc_air_vk(lift_air);
    rc_join_input l = {pl[0].proof, pl[0].len, pl[0].w, stark_vk_pre_root(lvk), lvk, sh->log_n};
    rc_join_input r = {pl[1].proof, pl[1].len, pl[1].w, stark_vk_pre_root(lvk), lvk, sh->log_n};
    CU_ASSERT_EQUAL_FATAL(rc_join_record(&pj.p, &pj.w, &pj.n, &acc, NULL, keys, RC_FOLD_NKINDS, &l, &r), CAIRN_OK);
    CU_ASSERT_FATAL(acc);
    plain_prove(&pj, &join_air, f, RC_FOLD_JOIN_LL);

    /* the thread's workspace is warm from (c): poison what it hands out
     * again, and the traces it keeps */
    stark_keep *k = stark_keep_thread(STARK_KEEP_RECURSION, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT(stark_workspace_held(k->ws) > 0);
    const size_t held = rc_prove_held();
    printf("  the thread's recursion workspace holds %.1f MiB after (c)\n", (double)held / 1048576.0);
    stark_workspace_poison(k->ws, 0xA5);
    gl_t *kept[AIR_MAX_TABLES];
    memcpy(kept, k->main, sizeof kept);
    CU_ASSERT_PTR_NOT_NULL(kept[RC_TAB_P2]);
    rc_fold_node n[3];
    memset(n, 0, sizeof n);
    for (int i = 0; i < 3; i++) {
        for (unsigned t = 0; t < AIR_MAX_TABLES; t++)
            if (k->main[t]) memset(k->main[t], 0x5A, k->bytes[t]);
        cairn_err e = i < 2 ? rc_fold_lift(&n[i], NULL, f, &g_s[i].claim, g_s[i].proof, g_s[i].len)
                            : rc_fold_join(&n[i], NULL, f, &n[0], &n[1]);
        if (e != CAIRN_OK) fprintf(stderr, "%s with a poisoned workspace: %s\n", i < 2 ? "lift" : "join",
                                   cairn_last_error());
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK); /* rc_fold_lift / _join verified it */
        const plain_proof *want = i < 2 ? &pl[i] : &pj;
        CU_ASSERT(same_bytes(n[i].proof, n[i].len, want->proof, want->len));
        CU_ASSERT_EQUAL(rc_fold_verify(f, n[i].kind, n[i].claim, n[i].proof, n[i].len), CAIRN_OK);
    }
    /* the kept traces served every proof (the shape's heights) */
    CU_ASSERT(!memcmp(kept, k->main, sizeof kept));
    CU_ASSERT(rc_prove_held() > 0);
    CU_ASSERT_EQUAL(stark_workspace_stale(k->ws), 0);
    stark_workspace_poison(k->ws, -1);

    /* a workspace of the caller's, poisoned: its second proof too */
    stark_workspace *ws = stark_workspace_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    stark_workspace_poison(ws, 0xFF);
    for (int i = 0; i < 2; i++) {
        uint8_t *p = NULL;
        size_t len = 0;
        CU_ASSERT_EQUAL_FATAL(rc_prove_ws(&p, &len, join_air, pj.w, pj.n, ws), CAIRN_OK);
        CU_ASSERT(same_bytes(p, len, pj.proof, pj.len));
        free(p);
    }
    CU_ASSERT(stark_workspace_held(ws) > 0);
    CU_ASSERT_EQUAL(stark_workspace_stale(ws), 0);
    stark_workspace_free(ws);

    /* release: everything back to the system */
    rc_prove_release();
    CU_ASSERT_EQUAL(rc_prove_held(), 0);
    CU_ASSERT_EQUAL(stark_workspace_held(k->ws), 0);
    for (unsigned t = 0; t < AIR_MAX_TABLES; t++) CU_ASSERT_PTR_NULL(k->main[t]);
    for (int i = 0; i < 3; i++) rc_fold_node_free(&n[i]);
    for (int i = 0; i < 2; i++) plain_free(&pl[i]);
    plain_free(&pj);
    rc_air_free(lift_air);
    rc_air_free(join_air);
}

static p2_digest g_ctrl, g_key[RC_FOLD_NKINDS];
/* the fold record's value: a root (4 x u64) per kind */
#define VAL (RC_FOLD_NKINDS * 32)
static stark_security_bits g_sec;

/* A fresh verifier's context (the process's contexts released first);
 * 1 if it came from the record, 2 from the shipped roots, 0 if built, -1
 * on error. Its keys and
 * security must be the full context's when same is set. */
static int verifier(const rc_fold **f, int same)
{
    rc_fold_release();
    cairn_err e = rc_fold_get_verifier(f, "test", PO2);
    if (e != CAIRN_OK) fprintf(stderr, "verifier: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    if (same) {
        p2_digest c = rc_fold_ctrl(*f);
        CU_ASSERT(!memcmp(&c, &g_ctrl, sizeof c));
        for (unsigned i = 0; i < RC_FOLD_NKINDS; i++) {
            p2_digest k = rc_fold_key(*f, i);
            CU_ASSERT(!memcmp(&k, &g_key[i], sizeof c));
        }
        stark_security_bits sec;
        CU_ASSERT_EQUAL(rc_fold_security(&sec, *f), CAIRN_OK);
        CU_ASSERT_DOUBLE_EQUAL(sec.proven, g_sec.proven, 1e-9);
        CU_ASSERT_DOUBLE_EQUAL(sec.conjectured, g_sec.conjectured, 1e-9);
        CU_ASSERT_EQUAL(rc_fold_verify(*f, g_fin.kind, g_fin.claim, g_fin.proof, g_fin.len), CAIRN_OK);
    }
    return rc_fold_from_record(*f);
}

static void test_verifier(void)
{
    if (g_sanitize || !g_fin.proof) {
        printf("  skipped under CAIRN_SANITIZE_RUN (or without (c)'s proof)\n");
        return;
    }
    const rc_fold *full, *f;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&full, "test", PO2), CAIRN_OK);
    g_ctrl = rc_fold_ctrl(full);
    for (unsigned i = 0; i < RC_FOLD_NKINDS; i++) g_key[i] = rc_fold_key(full, i);
    CU_ASSERT_EQUAL_FATAL(rc_fold_security(&g_sec, full), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_from_record(full), 0);
    /* a fresh cache: built, then read */
    const char *dir = test_tmpdir("foldkc_" "XXX" "XXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    stark_keycache_set(dir);
    CU_ASSERT_EQUAL(verifier(&f, 1), 0);
    const char *rec = test_cache_file(dir, ".fold");
    CU_ASSERT_STRING_NOT_EQUAL_FATAL(rec, "");
    double t0 = now_sec();
    CU_ASSERT_EQUAL(verifier(&f, 1), 1);
    printf("  verifier's keys from the record and the final proof: %.3f s\n", now_sec() - t0);
    /* what the record does not give: lifts, joins, a prover's memory */
    rc_fold_node bad;
    CU_ASSERT_EQUAL(rc_fold_lift(&bad, NULL, f, &g_s[0].claim, g_s[0].proof, g_s[0].len), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_join(&bad, NULL, f, &g_fin, &g_fin), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_prove_mem(f), SIZE_MAX);
    /* still a verifier: a changed claim and the other kind's key fail */
    gl_t c[RC_CLAIM_NPUB];
    memcpy(c, g_fin.claim, sizeof c);
    c[RC_CLAIM_CYCLES] = gl_add(c[RC_CLAIM_CYCLES], 1);
    CU_ASSERT_EQUAL(rc_fold_verify(f, g_fin.kind, c, g_fin.proof, g_fin.len), CAIRN_ERR_VERIFY);
    CU_ASSERT_NOT_EQUAL(rc_fold_verify(f, RC_FOLD_LIFT, g_fin.claim, g_fin.proof, g_fin.len), CAIRN_OK);
    /* a full context asked for next is built, and then serves verifiers */
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&full, "test", PO2), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_from_record(full), 0);
    CU_ASSERT_EQUAL_FATAL(rc_fold_get_verifier(&f, "test", PO2), CAIRN_OK);
    CU_ASSERT_PTR_EQUAL(f, full);
    /* damaged records: ignored (counted as bad), rebuilt, then read */
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(rec, &st), 0);
    for (int k = 0; k < 6; k++) {
        stark_keycache_stats s0, s1;
        stark_keycache_get_stats(&s0);
        int ed = 0;
        switch (k) {
        /* the value is the last VAL bytes before the 8 of the checksum */
        case 0: ed = test_cache_edit(rec, -8 - VAL + 5, 1, 0x01, 0); break; /* a lift root byte, checksum left */
        case 1: ed = test_cache_edit(rec, -8 - VAL + 120, 8, 0, 1); break; /* a join root element 2^64 - 1 >= p */
        case 2: ed = test_cache_edit(rec, 20, 1, 0x01, 1); break;  /* another binary's */
        case 3: CU_ASSERT_EQUAL(truncate(rec, st.st_size - 1), 0); break;
        case 4: ed = test_cache_edit(rec, -8 - 2, 1, 0x01, 1); break; /* a root where 2^8 has no tail */
        default: CU_ASSERT_EQUAL(chmod(rec, 0666), 0); break;  /* others may write it */
        }
        CU_ASSERT_EQUAL(ed, 0);
        CU_ASSERT_EQUAL(verifier(&f, 1), 0);
        stark_keycache_get_stats(&s1);
        CU_ASSERT_EQUAL(s1.bad - s0.bad, 1);
        int again = verifier(&f, 1);
        if (again != 1) fprintf(stderr, "  damage %d: the rebuilt record read back as %d\n", k, again);
        CU_ASSERT_EQUAL(again, 1); /* stored again, whole */
    }
    /* a consistent forgery: a lift root changed (still a field element),
     * checksum fixed. The keys are another program's: the key digest and
     * control root derived from it differ, and the valid proof fails
     * "control root", naming the record */
    CU_ASSERT_EQUAL(test_cache_edit(rec, -8 - VAL + 1, 1, 0x01, 1), 0);
    CU_ASSERT_EQUAL(verifier(&f, 0), 1);
    p2_digest cf = rc_fold_ctrl(f), kf = rc_fold_key(f, RC_FOLD_LIFT);
    CU_ASSERT(memcmp(&cf, &g_ctrl, sizeof cf) != 0);
    CU_ASSERT(memcmp(&kf, &g_key[0], sizeof kf) != 0);
    for (unsigned i = 1; i < RC_FOLD_NKINDS; i++) {
        p2_digest kj = rc_fold_key(f, i);
        CU_ASSERT(!memcmp(&kj, &g_key[i], sizeof kj));
    }
    CU_ASSERT_EQUAL(rc_fold_verify(f, g_fin.kind, g_fin.claim, g_fin.proof, g_fin.len), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "control root"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), rec));
    /* even with the claim's root set to the forged one, the proof binds
     * the key it was made under */
    memcpy(c, g_fin.claim, sizeof c);
    memcpy(c + RC_CLAIM_CTRL, cf.v, sizeof cf.v);
    CU_ASSERT_EQUAL(rc_fold_verify(f, g_fin.kind, c, g_fin.proof, g_fin.len), CAIRN_ERR_VERIFY);
    /* without the cache: built, the full keys */
    unlink(rec);
    stark_keycache_set(NULL);
    CU_ASSERT_EQUAL(verifier(&f, 1), 0);
    CU_ASSERT_STRING_EQUAL(test_cache_file(dir, ".fold"), "");
    /* roots shipped with the build (rc_fold_ship): taken before the key
     * cache, the full context's keys; an entry of another id is not used;
     * a wrong root gives other keys and the valid proof fails "control
     * root", naming the shipped roots */
    rc_fold_shipped sh, other;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&full, "test", PO2), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_fold_shipped_of(&sh, full), CAIRN_OK);
    other = sh;
    other.id[33] ^= 1; /* the po2's second byte: another segment size's record */
    other.root[0][0] ^= 1;
    rc_fold_ship(&other, 1);
    CU_ASSERT_EQUAL(verifier(&f, 1), 0);
    rc_fold_ship(&sh, 1);
    stark_keycache_set(dir);
    CU_ASSERT_EQUAL(verifier(&f, 1), 2);
    CU_ASSERT_STRING_EQUAL(test_cache_file(dir, ".fold"), ""); /* nothing read or stored */
    CU_ASSERT_EQUAL(rc_fold_shipped_of(&other, f), CAIRN_ERR_USAGE); /* a verifier's has none */
    stark_keycache_set(NULL);
    sh.root[0][0] = sh.root[0][0] == 0 ? 1 : sh.root[0][0] - 1;
    CU_ASSERT_EQUAL(verifier(&f, 0), 2);
    p2_digest cs = rc_fold_ctrl(f);
    CU_ASSERT(memcmp(&cs, &g_ctrl, sizeof cs) != 0);
    CU_ASSERT_EQUAL(rc_fold_verify(f, g_fin.kind, g_fin.claim, g_fin.proof, g_fin.len), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "control root"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "shipped"));
    /* CAIRN_FOLD_ROOTS=off: the table is ignored */
    sh.root[0][0] = sh.root[0][0] == 0 ? 1 : sh.root[0][0] - 1; /* not the real one either way */
    setenv("CAIRN_FOLD_ROOTS", "off", 1);
    rc_fold_ship(&sh, 1);
    unsetenv("CAIRN_FOLD_ROOTS");
    CU_ASSERT_EQUAL(verifier(&f, 1), 0);
    rc_fold_ship(NULL, 0);
    rc_fold_node_free(&g_fin);
}

/* a root element changed to another field element */
static void bump(uint64_t *v) { *v = *v == 0 ? 1 : *v - 1; }

/* Ships sh with element i of kind's root changed (*bad, which must
 * outlive the context) and returns the context of (test, po2) built from
 * it: its control root is not ctrl. */
static const rc_fold *ship_bumped(rc_fold_shipped *bad, const rc_fold_shipped *sh, unsigned kind, int i,
                                  unsigned po2, const p2_digest *ctrl)
{
    *bad = *sh;
    bump(&bad->root[kind][i]);
    rc_fold_ship(bad, 1);
    const rc_fold *f = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", po2), CAIRN_OK);
    p2_digest c = rc_fold_ctrl(f);
    CU_ASSERT(memcmp(&c, ctrl, sizeof c) != 0);
    return f;
}

static void test_lazy(void)
{
    if (g_sanitize) {
        printf("  skipped under CAIRN_SANITIZE_RUN\n");
        return;
    }
    const unsigned all = (1u << RC_FOLD_TAIL0) - 1, lift = 1u << RC_FOLD_LIFT, ll = 1u << RC_FOLD_JOIN_LL;
    rc_fold_release();
    rc_fold_ship(NULL, 0);
    const rc_fold *full, *f;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&full, "test", PO2), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_programs_built(full), all);
    rc_fold_shipped sh;
    CU_ASSERT_EQUAL_FATAL(rc_fold_shipped_of(&sh, full), CAIRN_OK);
    const p2_digest ctrl = rc_fold_ctrl(full);
    p2_digest key[RC_FOLD_NKINDS];
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++) key[k] = rc_fold_key(full, k);
    const size_t mem = rc_fold_prove_mem(full);
    rc_fold_release();

    rc_fold_ship(&sh, 1);
    double t0 = now_sec();
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", PO2), CAIRN_OK);
    printf("  keys from the shipped roots: %.3f s\n", now_sec() - t0);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), lift);
    CU_ASSERT_EQUAL(rc_fold_from_record(f), 0);
    p2_digest c = rc_fold_ctrl(f);
    CU_ASSERT(!memcmp(&c, &ctrl, sizeof c));
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++) {
        p2_digest d = rc_fold_key(f, k);
        CU_ASSERT(!memcmp(&d, &key[k], sizeof d));
    }
    CU_ASSERT_EQUAL(rc_fold_prove_mem(f), mem);
    rc_fold_shipped other;
    CU_ASSERT_EQUAL(rc_fold_shipped_of(&other, f), CAIRN_ERR_USAGE); /* it would echo the table */
    rc_fold_node l[2], j;
    memset(l, 0, sizeof l);
    memset(&j, 0, sizeof j);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(rc_fold_lift(&l[i], NULL, f, &g_s[i].claim, g_s[i].proof, g_s[i].len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), lift);
    CU_ASSERT_EQUAL_FATAL(rc_fold_join(&j, NULL, f, &l[0], &l[1]), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), lift | ll);
    CU_ASSERT_EQUAL(rc_fold_verify(f, j.kind, j.claim, j.proof, j.len), CAIRN_OK);
    /* the same join again: the program held is used */
    rc_fold_node_free(&j);
    CU_ASSERT_EQUAL(rc_fold_join(&j, NULL, f, &l[0], &l[1]), CAIRN_OK);
    rc_fold_node_free(&j);
    for (int i = 0; i < 2; i++) rc_fold_node_free(&l[i]);
    rc_fold_release();

    /* a join root that is not the code's: another control root, and the
     * join's own key is found out when it is built */
    rc_fold_shipped bad;
    f = ship_bumped(&bad, &sh, RC_FOLD_JOIN_LL, 0, PO2, &ctrl);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(rc_fold_lift(&l[i], NULL, f, &g_s[i].claim, g_s[i].proof, g_s[i].len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_join(&j, NULL, f, &l[0], &l[1]), CAIRN_ERR_INTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "join of lifts program's key"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "shipped"));
    CU_ASSERT_PTR_NULL(j.proof);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), lift);
    for (int i = 0; i < 2; i++) rc_fold_node_free(&l[i]);
    rc_fold_release();

    /* a lift root that is not the code's: refused at once */
    bad = sh;
    bump(&bad.root[RC_FOLD_LIFT][3]);
    rc_fold_ship(&bad, 1);
    CU_ASSERT_EQUAL(rc_fold_get(&f, "test", PO2), CAIRN_ERR_INTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "lift program's key"));
    rc_fold_ship(NULL, 0);
    rc_fold_release();
}

/* ---- (g) tails ---- */

#define TPO2 15 /* the run's size; its tail is 2^14 */
static segproof g_t[2];
static int g_nt;

static cairn_err prove_tail_seg(void *arg, const rv_snapshot *s)
{
    const stark_params *p = arg;
    if (g_nt >= 2) return cairn_fail(CAIRN_ERR_INTERNAL, "test: more than 2 segments");
    segproof *t = &g_t[g_nt++];
    return rv_prove_segment(&t->proof, &t->len, &t->claim, s, p);
}

/* Lifts g_t[i] under f: its kind, or CAIRN_ERR_* */
static cairn_err lift_tail(rc_fold_node *out, const rc_fold *f, int i)
{
    return rc_fold_lift(out, NULL, f, &g_t[i].claim, g_t[i].proof, g_t[i].len);
}

static void test_tails(void)
{
    if (g_sanitize) {
        printf("  skipped under CAIRN_SANITIZE_RUN\n");
        return;
    }
    rc_fold_release();
    rc_fold_ship(NULL, 0);
    /* a count-down of 2^15 + about 3000 cycles: a segment of 2^15 and a
     * tail of 2^14, both proven with the run's parameters (rv_air.h) */
    prog_t p;
    prog_countdown(&p, (32768 + 3000) / 2, 7);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    stark_params sp;
    CU_ASSERT_EQUAL_FATAL(rv_air_params(&sp, "test", TPO2), CAIRN_OK);
    rv_budget b;
    rv_air_budget(&b, TPO2);
    rv_config cfg = {.segment_po2 = TPO2, .budget = &b, .on_segment = prove_tail_seg, .segment_arg = &sp,
                     .tail_min_po2 = RV_TAIL_MIN_PO2, .budget_of = rv_air_budget};
    rv_result res;
    cairn_err e = rv_execute(prog, &cfg, &res);
    rv_program_free(prog);
    if (e != CAIRN_OK) fprintf(stderr, "tail run: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(g_nt, 2);
    CU_ASSERT_EQUAL(g_t[0].claim.po2, TPO2);
    CU_ASSERT_EQUAL_FATAL(g_t[1].claim.po2, RV_TAIL_MIN_PO2);
    const unsigned tail = RC_FOLD_TAIL0 + (RV_TAIL_MIN_PO2 - RV_TAIL_MIN_PO2);

    /* the context of 2^15: one tail kind, a leaf of its control root,
     * made on the first lift of that size */
    const rc_fold *f;
    double t0 = now_sec();
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", TPO2), CAIRN_OK);
    printf("  fold keys of 2^15 (a tail of 2^14): %.2f s\n", now_sec() - t0);
    const unsigned four = (1u << RC_FOLD_TAIL0) - 1;
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), four);
    p2_digest keys[RC_FOLD_NKINDS], root, zero = {{0}};
    for (unsigned k = 0; k < RC_FOLD_NKINDS; k++) {
        keys[k] = rc_fold_key(f, k);
        CU_ASSERT_EQUAL(rc_fold_has_kind(f, k), k <= tail);
        CU_ASSERT_EQUAL(!memcmp(&keys[k], &zero, sizeof zero), k > tail);
    }
    for (unsigned k = 0; k < tail; k++) CU_ASSERT(memcmp(&keys[k], &keys[tail], sizeof zero) != 0);
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, RC_FOLD_NKINDS), CAIRN_OK);
    p2_digest ctrl = rc_fold_ctrl(f);
    CU_ASSERT(!memcmp(&root, &ctrl, sizeof root));
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, RC_FOLD_TAIL0), CAIRN_OK); /* the tail's leaf counts */
    CU_ASSERT(memcmp(&root, &ctrl, sizeof root) != 0);
    unsigned kind = 99;
    CU_ASSERT(rc_fold_lift_kind(&kind, f, TPO2) == CAIRN_OK && kind == RC_FOLD_LIFT);
    CU_ASSERT(rc_fold_lift_kind(&kind, f, 14) == CAIRN_OK && kind == tail);
    CU_ASSERT_EQUAL(rc_fold_lift_kind(&kind, f, 13), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_fold_lift_kind(&kind, f, 16), CAIRN_ERR_USAGE);
    CU_ASSERT(rc_fold_is_lift(RC_FOLD_LIFT) && rc_fold_is_lift(tail) && rc_fold_is_lift(RC_FOLD_NKINDS - 1) &&
              !rc_fold_is_lift(RC_FOLD_JOIN_LL) && !rc_fold_is_lift(RC_FOLD_NKINDS));
    CU_ASSERT(strstr(rc_fold_kind_name(tail), "tail of 2^14") != NULL);
    /* a tail's lift is a lift to the joins */
    CU_ASSERT(rc_fold_join_kind(&kind, RC_FOLD_LIFT, tail) == CAIRN_OK && kind == RC_FOLD_JOIN_LL);
    CU_ASSERT(rc_fold_join_kind(&kind, RC_FOLD_JOIN_LL, tail) == CAIRN_OK && kind == RC_FOLD_JOIN_JL);
    CU_ASSERT_EQUAL(rc_fold_join_kind(&kind, tail, RC_FOLD_JOIN_LL), CAIRN_ERR_USAGE);

    rc_fold_node l[2], j, bad;
    memset(l, 0, sizeof l);
    memset(&j, 0, sizeof j);
    memset(&bad, 0, sizeof bad);
    CU_ASSERT_EQUAL_FATAL(lift_tail(&l[0], f, 0), CAIRN_OK);
    CU_ASSERT_EQUAL(l[0].kind, RC_FOLD_LIFT);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), four);
    /* a forged tail proof is not lifted */
    g_t[1].proof[g_t[1].len / 2] ^= 1;
    CU_ASSERT_EQUAL(lift_tail(&bad, f, 1), CAIRN_ERR_VERIFY);
    g_t[1].proof[g_t[1].len / 2] ^= 1;
    CU_ASSERT_PTR_NULL(bad.proof);
    t0 = now_sec();
    e = lift_tail(&l[1], f, 1);
    if (e != CAIRN_OK) fprintf(stderr, "tail lift: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    printf("  lift of the tail (its program and keys made first): %.2f s\n", now_sec() - t0);
    CU_ASSERT_EQUAL(l[1].kind, tail);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), four | 1u << tail);
    /* each lift verifies under its own kind's key only */
    CU_ASSERT_EQUAL(rc_fold_verify(f, tail, l[1].claim, l[1].proof, l[1].len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_verify(f, RC_FOLD_LIFT, l[1].claim, l[1].proof, l[1].len), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(rc_fold_verify(f, tail, l[0].claim, l[0].proof, l[0].len), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(rc_fold_verify(f, tail + 1, l[1].claim, l[1].proof, l[1].len), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL_FATAL(rc_fold_join(&j, NULL, f, &l[0], &l[1]), CAIRN_OK);
    CU_ASSERT_EQUAL(j.kind, RC_FOLD_JOIN_LL);
    CU_ASSERT_EQUAL(rc_fold_verify(f, j.kind, j.claim, j.proof, j.len), CAIRN_OK);
    CU_ASSERT_EQUAL(j.claim[RC_CLAIM_CYCLES], res.cycles);
    /* a context of 2^14 has no tail: its 2^14 segments are its lifts */
    const rc_fold *f14;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get_verifier(&f14, "test", 14), CAIRN_OK);
    CU_ASSERT(rc_fold_lift_kind(&kind, f14, 14) == CAIRN_OK && kind == RC_FOLD_LIFT);
    CU_ASSERT(!rc_fold_has_kind(f14, tail));
    rc_fold_shipped sh;
    CU_ASSERT_EQUAL_FATAL(rc_fold_shipped_of(&sh, f), CAIRN_OK);
    CU_ASSERT(!memcmp(sh.root[tail + 1], &zero, sizeof zero) && memcmp(sh.root[tail], &zero, sizeof zero) != 0);

    /* a verifier's context (from the key cache's record when there is
     * one, else built): the same control root, and both proofs verify */
    rc_fold_release();
    const rc_fold *v;
    CU_ASSERT_EQUAL_FATAL(rc_fold_get_verifier(&v, "test", TPO2), CAIRN_OK);
    root = rc_fold_ctrl(v);
    CU_ASSERT(!memcmp(&root, &ctrl, sizeof root));
    CU_ASSERT_EQUAL(rc_fold_verify(v, tail, l[1].claim, l[1].proof, l[1].len), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_verify(v, j.kind, j.claim, j.proof, j.len), CAIRN_OK);
    rc_fold_release();

    /* from the shipped roots: the tail's program is made on its first
     * lift and must have the shipped key */
    rc_fold_ship(&sh, 1);
    CU_ASSERT_EQUAL_FATAL(rc_fold_get(&f, "test", TPO2), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), 1u << RC_FOLD_LIFT);
    rc_fold_node_free(&l[1]);
    CU_ASSERT_EQUAL_FATAL(lift_tail(&l[1], f, 1), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), 1u << RC_FOLD_LIFT | 1u << tail);
    CU_ASSERT_EQUAL(rc_fold_verify(f, tail, l[1].claim, l[1].proof, l[1].len), CAIRN_OK);
    rc_fold_release();
    rc_fold_shipped wrong;
    f = ship_bumped(&wrong, &sh, tail, 1, TPO2, &ctrl);
    CU_ASSERT_EQUAL(lift_tail(&bad, f, 1), CAIRN_ERR_INTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "lift of a tail of 2^14 program's key"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "shipped"));
    CU_ASSERT_EQUAL(rc_fold_programs_built(f), 1u << RC_FOLD_LIFT);
    rc_fold_ship(NULL, 0);
    rc_fold_release();
    for (int i = 0; i < 2; i++) rc_fold_node_free(&l[i]);
    rc_fold_node_free(&j);
    for (int i = 0; i < g_nt; i++) free(g_t[i].proof);
}

static void test_release(void)
{
    rc_fold_release();
    for (int i = 0; i < NSEG; i++) free(g_s[i].proof);
    rv_air_keys_release();
}

int main(void)
{
    g_sanitize = getenv("CAIRN_SANITIZE_RUN") != NULL;
    if (rv_air_params(&g_seg, "test", PO2) != CAIRN_OK) return 1;
    if (setup() != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        return 1;
    }
    static const test_case cases[] = {{"(a) recursion parameters per preset", test_config},
                                      {"(b) keys from blanks, control root", test_keys},
                                      {"(c) lift, join, verify; forgeries", test_fold},
                                      {"(e) the recursion prover's workspace", test_workspace},
                                      {"(d) a verifier's keys from the key cache's record or the shipped roots", test_verifier},
                                      {"(f) a prover's context from the shipped roots", test_lazy},
                                      {"(g) tails: a last segment of 2^14 in a run of 2^15", test_tails},
                                      {"release", test_release},
                                      {NULL, NULL}};
    return test_run_suite("rc_fold", cases);
}
