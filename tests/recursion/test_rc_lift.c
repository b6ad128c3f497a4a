/* Lift of RV32IM segment proofs (recursion/rc_lift.h), segment po2 8,
 * preset "test" for the segment proof and for the recursion proof:
 *  (a) the first segment of a generated program (tests/vm/seg_prog.h:
 *      loads, stores, read and write calls) is proven, its lift recorded,
 *      the recorded run proven with rc_air and verified; the recursion
 *      proof's public values are the segment claim (start digest, end
 *      digest, cycles), and another claim (end digest or cycles changed)
 *      does not verify;
 *  (b) a forged segment proof (one FRI Merkle sibling changed) records the same program (byte-identical), the
 *      recorded run rejects naming the failed check, and there is no trace
 *      and so no recursion proof; so does another element of the last
 *      query's openings; each forged witness, filled into the honest
 *      lift's AIR anyway, fails the constraint checker at an assertion;
 *  (c) a claim that is not the proof's (end digest changed) records a run
 *      that rejects; truncated proof bytes and a claim outside the segment
 *      shape are refused before recording.
 *  (d) join (rc_join.h): segments 0 and 1 lifted under a control root
 *      holding the lift and join keys, joined, proven and verified with
 *      the claim (root, start 0, end 1, cycles); joins out of order,
 *      under a root without the lift key, of a lift under another root,
 *      and with a claimed key that is not the proof's are rejected.
 * Lifts and joins are of one shape (rc-test). Under CAIRN_SANITIZE_RUN
 * the recursion proofs are skipped ((a)'s, and (d) whole: its four
 * rc-test proofs (tallest table 2^15) take minutes there); the recorded runs and the traces
 * of (a)-(c), which hold every check, still run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../vm/seg_prog.h"
#include "common/err.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_internal.h" /* rc_air_trace_unchecked */
#include "recursion/rc_join.h"
#include "recursion/rc_lift.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

#define PO2 8
#define SHAPE "rc-test" /* lift and join proofs of one shape */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static stark_params g_seg, g_rec; /* segment proof, recursion proof */
static int g_sanitize;

/* The first two segments' proofs and claims. */
typedef struct {
    uint8_t *proof;
    size_t len;
    rv_seg_claim claim;
} segproof;
static segproof g, g2;
/* the control root the lifts of (a)-(c) carry (any value: the lift does
 * not check it) */
static const p2_digest g_ctrl = {{11, 22, 33, 44}};

static cairn_err prove_first(void *arg, const rv_snapshot *s)
{
    (void)arg;
    segproof *t = !g.proof ? &g : !g2.proof ? &g2 : NULL;
    if (!t) return CAIRN_OK;
    return rv_prove_segment(&t->proof, &t->len, &t->claim, s, &g_seg);
}

static cairn_err setup(void)
{
    /* ~900 cycles: a full first segment */
    cairn_err e = seg_run(40, PO2, "lift me: some private input bytes for read(0)", prove_first, NULL);
    if (e == CAIRN_OK && !g2.proof) e = cairn_fail(CAIRN_ERR_INTERNAL, "test: fewer than two segments");
    return e;
}

/* Records the lift of (claim, proof); the encoding of its program in
 * *enc (may be NULL). */
typedef struct {
    rc_program *prog;
    gl_t *wit;
    size_t n;
    int accepted;
    char first[256];
    uint8_t *enc;
    size_t enc_len;
} lifted;

static void lifted_free(lifted *l)
{
    rc_program_free(l->prog);
    free(l->wit);
    free(l->enc);
    memset(l, 0, sizeof *l);
}

static void lift_ctrl(lifted *l, const p2_digest *ctrl, const rv_seg_claim *c, const uint8_t *proof, size_t len)
{
    memset(l, 0, sizeof *l);
    cairn_err e = rc_lift_record(&l->prog, &l->wit, &l->n, &l->accepted, l->first, ctrl, c, proof, len, &g_seg);
    if (e != CAIRN_OK) fprintf(stderr, "lift: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&l->enc, &l->enc_len, l->prog), CAIRN_OK);
}

static void lift(lifted *l, const rv_seg_claim *c, const uint8_t *proof, size_t len)
{
    lift_ctrl(l, &g_ctrl, c, proof, len);
}

/* the lift's claim: the control root, then the segment's public values */
static void claim_pub(gl_t pub[RC_LIFT_NPUB], const p2_digest *ctrl, const rv_seg_claim *c)
{
    memcpy(pub, ctrl->v, sizeof ctrl->v);
    CU_ASSERT_EQUAL_FATAL(rv_seg_claim_pub(pub + RC_CLAIM_START, c), CAIRN_OK);
}

static lifted g_honest;
typedef struct {
    uint8_t *proof;
    size_t len;
    gl_t claim[RC_CLAIM_NPUB];
} rproof;

/* (a)'s recursion proof: the lift of segment 0 under g_ctrl (kept for (d)) */
static rproof g_lift0;
static rc_air *g_air; /* the honest lift's machine (a forged proof records the same program) */

static void test_honest(void)
{
    lifted *l = &g_honest;
    lift(l, &g.claim, g.proof, g.len);
    CU_ASSERT(l->accepted);
    CU_ASSERT_STRING_EQUAL(l->first, "");
    /* the statement: the first witness elements are the claim */
    gl_t pub[RC_LIFT_NPUB];
    claim_pub(pub, &g_ctrl, &g.claim);
    CU_ASSERT_FATAL(l->n > RC_LIFT_NPUB);
    CU_ASSERT(memcmp(l->wit, pub, sizeof pub) == 0);
    CU_ASSERT_EQUAL(rc_exec(NULL, l->prog, l->wit, l->n), CAIRN_OK);
    cairn_err e = rc_air_build_shape(&g_air, l->prog, RC_LIFT_NPUB, SHAPE, &g_rec);
    if (e != CAIRN_OK) fprintf(stderr, "build: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    const rc_air *a = g_air;
    printf("  lift of a 2^%u segment (%llu cycles, proof %zu bytes): %zu instructions, witness %zu\n", PO2,
           (unsigned long long)g.claim.cycles, g.len, rc_program_ninstrs(l->prog), l->n);
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++)
        printf("    %-6s %7zu rows (2^%u)\n", rc_air_table_name(t), rc_air_rows(a, t), rc_air_log_height(a, t));
    if (g_sanitize) {
        /* the trace holds every check the proof would (rc_air_trace runs
         * the program, and fills every table) */
        rc_trace tr;
        CU_ASSERT_EQUAL(rc_air_trace(&tr, a, l->wit, l->n), CAIRN_OK);
        rc_trace_free(&tr);
        return;
    }
    e = rc_prove(&g_lift0.proof, &g_lift0.len, a, l->wit, l->n);
    memcpy(g_lift0.claim, pub, sizeof pub);
    const uint8_t *proof = g_lift0.proof;
    const size_t len = g_lift0.len;
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), pub, RC_LIFT_NPUB, proof, len), CAIRN_OK);
    /* another claim: end digest, cycles */
    gl_t bad[RC_LIFT_NPUB];
    memcpy(bad, pub, sizeof bad);
    bad[RC_CLAIM_END] = gl_add(bad[RC_CLAIM_END], 1);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), bad, RC_LIFT_NPUB, proof, len), CAIRN_ERR_VERIFY);
    memcpy(bad, pub, sizeof bad);
    bad[RC_LIFT_NPUB - 1] = gl_add(bad[RC_LIFT_NPUB - 1], 1);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), bad, RC_LIFT_NPUB, proof, len), CAIRN_ERR_VERIFY);
}

/* The forged witness filled into the honest lift's AIR anyway (rows
 * filled by their own rules, so only an assertion can fail): the
 * constraint checker rejects it at an assert_eq row, as test_rc_verifier
 * shows for the example machines' forgeries. */
static void forgery_in_air(const lifted *l)
{
    rc_trace t;
    CU_ASSERT_EQUAL_FATAL(rc_air_trace_unchecked(&t, g_air, l->wit, l->n), CAIRN_OK);
    cairn_err e = stark_check_trace(rc_air_machine(g_air), t.tr, t.pub, t.npub);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    if (e != CAIRN_ERR_VERIFY || !strstr(cairn_last_error(), "assert_eq: a = b")) {
        fprintf(stderr, "forged segment proof in the lift's AIR: checker said '%s', expected an assertion row\n",
                e == CAIRN_OK ? "ok" : cairn_last_error());
        CU_FAIL("forgery in the AIR");
    }
    rc_trace_free(&t);
}

/* A forged proof: same program, the run rejects with reason containing
 * want, no trace; in the AIR, the checker rejects it. */
static void expect_forgery_rejected(const uint8_t *proof, size_t len, const char *want)
{
    lifted l;
    lift(&l, &g.claim, proof, len);
    CU_ASSERT(!l.accepted);
    if (!strstr(l.first, want)) fprintf(stderr, "rejected with '%s', expected '%s'\n", l.first, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.first, want));
    /* no data-dependent control flow: the program is the honest one's */
    CU_ASSERT_EQUAL(l.enc_len, g_honest.enc_len);
    CU_ASSERT(l.enc_len == g_honest.enc_len && memcmp(l.enc, g_honest.enc, l.enc_len) == 0);
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, l.prog, l.wit, l.n), CAIRN_ERR_VERIFY);
    CU_ASSERT_STRING_EQUAL(res.reason, l.first);
    /* the honest machine is this program's: the forged witness has no
     * trace in it, so no recursion proof */
    CU_ASSERT_FATAL(g_air != NULL);
    uint8_t *rp = NULL;
    size_t rlen = 0;
    CU_ASSERT_EQUAL(rc_prove(&rp, &rlen, g_air, l.wit, l.n), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NULL(rp);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), want));
    forgery_in_air(&l);
    lifted_free(&l);
}

/* Adds 1 to the field element at byte offset off (little-endian u64),
 * staying canonical. */
static void bump(uint8_t *b, size_t off)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[off + i] << (8 * i);
    v = v + 1 < GL_P ? v + 1 : 0;
    for (int i = 0; i < 8; i++) b[off + i] = (uint8_t)(v >> (8 * i));
}

/* Offset of the one place in b where field element x is encoded, or
 * SIZE_MAX if it occurs nowhere or more than once. */
static size_t once8(const uint8_t *b, size_t len, gl_t x)
{
    uint8_t e[8];
    for (int i = 0; i < 8; i++) e[i] = (uint8_t)(x >> (8 * i));
    size_t at = SIZE_MAX;
    for (size_t i = 0; i + 8 <= len; i++) {
        if (memcmp(b + i, e, 8)) continue;
        if (at != SIZE_MAX) return SIZE_MAX;
        at = i;
    }
    return at;
}

static void test_forged(void)
{
    CU_ASSERT_FATAL(g_honest.enc != NULL);
    uint8_t *f = malloc(g.len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    /* The witness holds the proof's elements in proof order (verify_rec.h
     * witness layout) with the Merkle path digests that repeat an earlier
     * one expanded (stark/proof.c writes those as references): witness
     * element k is where its 8 bytes occur in the proof, if they occur
     * once. The last one, of the last query's FRI Merkle path (item 9),
     * may be a reference's target far before the end. */
    size_t off = once8(g.proof, g.len, g_honest.wit[g_honest.n - 1]);
    CU_ASSERT_FATAL(off < g.len);
    memcpy(f, g.proof, g.len);
    bump(f, off);
    expect_forgery_rejected(f, g.len, "Merkle");
    /* another element of the last query, from 200 before the end */
    size_t k = g_honest.n - 200;
    while ((off = once8(g.proof, g.len, g_honest.wit[k])) >= g.len) k--;
    CU_ASSERT_FATAL(g_honest.n - k < 400);
    memcpy(f, g.proof, g.len);
    bump(f, off);
    lifted l;
    lift(&l, &g.claim, f, g.len);
    CU_ASSERT(!l.accepted);
    CU_ASSERT_FATAL(l.n == g_honest.n);
    CU_ASSERT(l.wit[k] == gl_add(g_honest.wit[k], 1));
    /* elsewhere the same, but for the copies of a referenced digest */
    for (size_t i = 0; i < l.n; i++)
        if (l.wit[i] != g_honest.wit[i])
            CU_ASSERT(g_honest.wit[i] == g_honest.wit[k] && l.wit[i] == l.wit[k]);
    CU_ASSERT(l.enc_len == g_honest.enc_len && memcmp(l.enc, g_honest.enc, l.enc_len) == 0);
    CU_ASSERT_EQUAL(rc_exec(NULL, l.prog, l.wit, l.n), CAIRN_ERR_VERIFY);
    forgery_in_air(&l);
    lifted_free(&l);
    free(f);
}

static void test_wrong_claim(void)
{
    /* the proof is honest, the claim is not its statement */
    rv_seg_claim c = g.claim;
    c.end.v[0] = gl_add(c.end.v[0], 1);
    lifted l;
    lift(&l, &c, g.proof, g.len);
    CU_ASSERT(!l.accepted);
    CU_ASSERT(strlen(l.first) > 0);
    CU_ASSERT(l.enc_len == g_honest.enc_len && memcmp(l.enc, g_honest.enc, l.enc_len) == 0);
    lifted_free(&l);
    /* refused before recording: truncated bytes, a claim outside the
     * shape (cycles > 2^po2, another po2) */
    rc_program *p = NULL;
    gl_t *w = NULL;
    size_t n = 0;
    int acc = 1;
    CU_ASSERT_EQUAL(rc_lift_record(&p, &w, &n, &acc, NULL, &g_ctrl, &g.claim, g.proof, g.len - 8, &g_seg),
                    CAIRN_ERR_FORMAT);
    CU_ASSERT(p == NULL && w == NULL && n == 0 && !acc);
    c = g.claim;
    c.cycles = (1u << PO2) + 1;
    CU_ASSERT_EQUAL(rc_lift_record(&p, &w, &n, &acc, NULL, &g_ctrl, &c, g.proof, g.len, &g_seg), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "cycles"));
    c = g.claim;
    c.po2 = PO2 + 1; /* the po2 9 key parses these bytes at other heights */
    cairn_err e = rc_lift_record(&p, &w, &n, &acc, NULL, &g_ctrl, &c, g.proof, g.len, &g_seg);
    CU_ASSERT(e == CAIRN_ERR_FORMAT || e == CAIRN_ERR_VERIFY);
    CU_ASSERT(p == NULL && !acc);
}

/* (d) join. The control root holds the lift key (po2 8) and the join key
 * (both programs are independent of the proofs and of the root's value:
 * the join program is recorded once on any two proofs of the shape to
 * learn its key). Segments 0 and 1 are lifted under that root and
 * joined: the join accepts, its claim is (root, start 0, end 1, cycles
 * 0 + 1), and it proves and verifies. Rejected: the two in the wrong
 * order (left end != right start), a root without the lift key, a left
 * lift under another control root. */
static void lift_prove(rproof *r, const p2_digest *ctrl, const segproof *sp)
{
    lifted l;
    lift_ctrl(&l, ctrl, &sp->claim, sp->proof, sp->len);
    CU_ASSERT_FATAL(l.accepted);
    CU_ASSERT_FATAL(l.enc_len == g_honest.enc_len && !memcmp(l.enc, g_honest.enc, l.enc_len));
    memcpy(r->claim, l.wit, sizeof r->claim);
    cairn_err e = rc_prove(&r->proof, &r->len, g_air, l.wit, l.n);
    if (e != CAIRN_OK) fprintf(stderr, "lift prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    lifted_free(&l);
}

static void join(lifted *j, const p2_digest *keys, size_t nkeys, const rproof *a, const p2_digest *ra,
                 const rproof *b, const p2_digest *rb)
{
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, SHAPE), CAIRN_OK);
    rc_join_input l = {a->proof, a->len, a->claim, *ra, rc_air_vk(g_air), sh->log_n};
    rc_join_input r = {b->proof, b->len, b->claim, *rb, rc_air_vk(g_air), sh->log_n};
    memset(j, 0, sizeof *j);
    cairn_err e = rc_join_record(&j->prog, &j->wit, &j->n, &j->accepted, j->first, keys, nkeys, &l, &r);
    if (e != CAIRN_OK) fprintf(stderr, "join: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&j->enc, &j->enc_len, j->prog), CAIRN_OK);
}

static void expect_join_rejected(const lifted *j, const lifted *honest, const char *want)
{
    CU_ASSERT(!j->accepted);
    if (!strstr(j->first, want)) fprintf(stderr, "join rejected with '%s', expected '%s'\n", j->first, want);
    CU_ASSERT_PTR_NOT_NULL(strstr(j->first, want));
    CU_ASSERT(j->enc_len == honest->enc_len && !memcmp(j->enc, honest->enc, j->enc_len));
}

static void test_join(void)
{
    if (g_sanitize) {
        /* four rc-test proofs (tallest table 2^15): minutes under the
         * sanitizers; the recorded checks of join run in the release suite */
        printf("  skipped under CAIRN_SANITIZE_RUN\n");
        return;
    }
    CU_ASSERT_FATAL(g_air != NULL);
    const p2_digest rl = stark_vk_pre_root(rc_air_vk(g_air));
    /* the join program, from any two proofs of the shape (here the lift
     * of (a) twice: the run rejects, the program is the same) */
    CU_ASSERT_FATAL(g_lift0.proof != NULL);
    const rproof dummy = g_lift0;
    p2_digest keys[2] = {stark_vk_digest(rc_air_vk(g_air))};
    lifted j0;
    join(&j0, keys, 1, &dummy, &rl, &dummy, &rl);
    CU_ASSERT(!j0.accepted);
    rc_air *ja = NULL;
    cairn_err e = rc_air_build_shape(&ja, j0.prog, RC_CLAIM_NPUB, SHAPE, &g_rec);
    if (e != CAIRN_OK) fprintf(stderr, "join build: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    printf("  join (verifies two recursion proofs of shape %s): %zu instructions, witness %zu\n", SHAPE,
           rc_program_ninstrs(j0.prog), j0.n);
    for (unsigned t = 0; t < RC_AIR_NTABLES; t++)
        printf("    %-6s %7zu rows (2^%u)\n", rc_air_table_name(t), rc_air_rows(ja, t), rc_air_log_height(ja, t));
    keys[1] = stark_vk_digest(rc_air_vk(ja));
    p2_digest root;
    CU_ASSERT_EQUAL_FATAL(rc_ctrl_root(&root, keys, 2), CAIRN_OK);
    /* segments 0 and 1 lifted under the root, joined */
    rproof l0, l1;
    lift_prove(&l0, &root, &g);
    lift_prove(&l1, &root, &g2);
    lifted j;
    join(&j, keys, 2, &l0, &rl, &l1, &rl);
    if (!j.accepted) fprintf(stderr, "join rejected: %s\n", j.first);
    CU_ASSERT_FATAL(j.accepted);
    CU_ASSERT(j.enc_len == j0.enc_len && !memcmp(j.enc, j0.enc, j.enc_len));
    gl_t want[RC_CLAIM_NPUB];
    memcpy(want, root.v, sizeof root.v);
    memcpy(want + RC_CLAIM_START, g.claim.start.v, sizeof g.claim.start.v);
    memcpy(want + RC_CLAIM_END, g2.claim.end.v, sizeof g2.claim.end.v);
    want[RC_CLAIM_CYCLES] = g.claim.cycles + g2.claim.cycles;
    CU_ASSERT(memcmp(j.wit, want, sizeof want) == 0);
    uint8_t *jp = NULL;
    size_t jl = 0;
    double t0 = now_s();
    e = rc_prove(&jp, &jl, ja, j.wit, j.n);
    double t1 = now_s();
    if (e != CAIRN_OK) fprintf(stderr, "join prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(ja), want, RC_CLAIM_NPUB, jp, jl), CAIRN_OK);
    printf("  join proven in %.2f s (one thread), proof %zu bytes\n", t1 - t0, jl);
    want[RC_CLAIM_END] = gl_add(want[RC_CLAIM_END], 1);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(ja), want, RC_CLAIM_NPUB, jp, jl), CAIRN_ERR_VERIFY);
    free(jp);
    /* rejected: out of order, the lift key not in the root, a left lift
     * under another root */
    lifted bad;
    join(&bad, keys, 2, &l1, &rl, &l0, &rl);
    expect_join_rejected(&bad, &j0, "left end != right start");
    lifted_free(&bad);
    join(&bad, keys + 1, 1, &l0, &rl, &l1, &rl);
    expect_join_rejected(&bad, &j0, "left key is not in the control root");
    lifted_free(&bad);
    join(&bad, keys, 2, &dummy, &rl, &l1, &rl);
    expect_join_rejected(&bad, &j0, "control root");
    lifted_free(&bad);
    /* a claimed key that is not the proof's: refused at parsing */
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, SHAPE), CAIRN_OK);
    rc_join_input li = {l0.proof, l0.len, l0.claim, stark_vk_pre_root(rc_air_vk(ja)), rc_air_vk(g_air), sh->log_n};
    rc_join_input ri = li;
    rc_program *p = NULL;
    gl_t *w = NULL;
    size_t n = 0;
    int acc = 1;
    CU_ASSERT_EQUAL(rc_join_record(&p, &w, &n, &acc, NULL, keys, 2, &li, &ri), CAIRN_ERR_VERIFY);
    CU_ASSERT(p == NULL && !acc);
    lifted_free(&j);
    lifted_free(&j0);
    rc_air_free(ja);
    free(l0.proof);
    free(l1.proof);
}

/* (e) refused arguments: a control tree of 0 or 17 keys, a join under a
 * key that is not a recursion VM's, with no keys or a non-canonical claim,
 * a lift under a non-canonical root. */
static void test_bad_arguments(void)
{
    p2_digest keys[RC_CTRL_MAX + 1] = {{{0}}}, root;
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, 0), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, RC_CTRL_MAX + 1), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(rc_ctrl_root(&root, keys, RC_CTRL_MAX), CAIRN_OK);
    CU_ASSERT_FATAL(g_air != NULL);
    const rc_shape *sh;
    CU_ASSERT_EQUAL_FATAL(rc_shape_find(&sh, SHAPE), CAIRN_OK);
    gl_t claim[RC_CLAIM_NPUB] = {0};
    rc_program *p = NULL;
    gl_t *w = NULL;
    size_t n = 0;
    int acc = 1;
    const stark_vk *seg;
    CU_ASSERT_EQUAL_FATAL(rv_air_vk(&seg, PO2, &g_seg), CAIRN_OK);
    rc_join_input in = {g.proof, g.len, claim, {{0}}, seg, sh->log_n};
    CU_ASSERT_EQUAL(rc_join_record(&p, &w, &n, &acc, NULL, keys, 1, &in, &in), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "recursion VM"));
    in.shape_vk = NULL; /* no shape */
    CU_ASSERT_EQUAL(rc_join_record(&p, &w, &n, &acc, NULL, keys, 1, &in, &in), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "has no shape"));
    in.shape_vk = rc_air_vk(g_air);
    CU_ASSERT_EQUAL(rc_join_record(&p, &w, &n, &acc, NULL, keys, 0, &in, &in), CAIRN_ERR_USAGE);
    claim[RC_CLAIM_CYCLES] = GL_P;
    CU_ASSERT_EQUAL(rc_join_record(&p, &w, &n, &acc, NULL, keys, 1, &in, &in), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "not canonical"));
    CU_ASSERT(p == NULL && w == NULL && n == 0 && !acc);
    p2_digest bad = g_ctrl;
    bad.v[2] = GL_P;
    CU_ASSERT_EQUAL(rc_lift_record(&p, &w, &n, &acc, NULL, &bad, &g.claim, g.proof, g.len, &g_seg),
                    CAIRN_ERR_USAGE);
    CU_ASSERT(p == NULL && !acc);
}

static void test_release(void)
{
    lifted_free(&g_honest);
    free(g_lift0.proof);
    g_lift0.proof = NULL;
    rc_air_free(g_air);
    g_air = NULL;
    free(g.proof);
    free(g2.proof);
    g.proof = g2.proof = NULL;
    rv_air_keys_release();
}

int main(void)
{
    g_sanitize = getenv("CAIRN_SANITIZE_RUN") != NULL;
    if (stark_params_preset(&g_seg, "test") != CAIRN_OK || stark_params_preset(&g_rec, "test") != CAIRN_OK)
        return 1;
    if (setup() != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        return 1;
    }
    static const test_case cases[] = {{"(a) honest segment proof: lift, prove, verify", test_honest},
                                      {"(b) forged segment proofs", test_forged},
                                      {"(c) wrong claims", test_wrong_claim},
                                      {"(d) join", test_join},
                                      {"(e) refused arguments", test_bad_arguments},
                                      {"release", test_release},
                                      {NULL, NULL}};
    return test_run_suite("rc_lift", cases);
}
