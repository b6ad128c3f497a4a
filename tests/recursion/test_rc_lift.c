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
 *      query's openings;
 *  (c) a claim that is not the proof's (end digest changed) records a run
 *      that rejects; truncated proof bytes and a claim outside the segment
 *      shape are refused before recording.
 * Under CAIRN_SANITIZE_RUN the recursion proof of (a) is skipped (its
 * 2^16-row trace takes most of the suite's time there); the recorded runs
 * and the traces, which hold every check, still run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/seg_prog.h"
#include "common/err.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_lift.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

#define PO2 8

static stark_params g_seg, g_rec; /* segment proof, recursion proof */
static int g_sanitize;

/* The first segment's proof and claim. */
static struct {
    uint8_t *proof;
    size_t len;
    rv_seg_claim claim;
} g;

static cairn_err prove_first(void *arg, const rv_snapshot *s)
{
    (void)arg;
    if (g.proof) return CAIRN_OK;
    return rv_prove_segment(&g.proof, &g.len, &g.claim, s, &g_seg);
}

static cairn_err setup(void)
{
    rv_program *prog = seg_program(40); /* ~900 cycles: a full first segment */
    if (!prog) return cairn_fail(CAIRN_ERR_INTERNAL, "test: seg_program");
    rv_budget b;
    rv_air_budget(&b, PO2);
    static const uint8_t input[] = "lift me: some private input bytes for read(0)";
    rv_config cfg = {.segment_po2 = PO2, .budget = &b, .on_segment = prove_first, .input = input,
                     .input_len = sizeof input - 1};
    rv_result res;
    cairn_err e = rv_execute(prog, &cfg, &res);
    rv_program_free(prog);
    if (e == CAIRN_OK && !g.proof) e = cairn_fail(CAIRN_ERR_INTERNAL, "test: no segment");
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

static void lift(lifted *l, const rv_seg_claim *c, const uint8_t *proof, size_t len)
{
    memset(l, 0, sizeof *l);
    cairn_err e = rc_lift_record(&l->prog, &l->wit, &l->n, &l->accepted, l->first, c, proof, len, &g_seg);
    if (e != CAIRN_OK) fprintf(stderr, "lift: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&l->enc, &l->enc_len, l->prog), CAIRN_OK);
}

static void claim_pub(gl_t pub[RC_LIFT_NPUB], const rv_seg_claim *c)
{
    CU_ASSERT_EQUAL_FATAL(rv_seg_claim_pub(pub, c), CAIRN_OK);
}

static lifted g_honest;
static rc_air *g_air; /* the honest lift's machine (a forged proof records the same program) */

static void test_honest(void)
{
    lifted *l = &g_honest;
    lift(l, &g.claim, g.proof, g.len);
    CU_ASSERT(l->accepted);
    CU_ASSERT_STRING_EQUAL(l->first, "");
    /* the statement: the first witness elements are the claim */
    gl_t pub[RC_LIFT_NPUB];
    claim_pub(pub, &g.claim);
    CU_ASSERT_FATAL(l->n > RC_LIFT_NPUB);
    CU_ASSERT(memcmp(l->wit, pub, sizeof pub) == 0);
    CU_ASSERT_EQUAL(rc_exec(NULL, l->prog, l->wit, l->n), CAIRN_OK);
    cairn_err e = rc_air_build(&g_air, l->prog, RC_LIFT_NPUB, &g_rec);
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
    uint8_t *proof = NULL;
    size_t len = 0;
    e = rc_prove(&proof, &len, a, l->wit, l->n);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), pub, RC_LIFT_NPUB, proof, len), CAIRN_OK);
    /* another claim: end digest, cycles */
    gl_t bad[RC_LIFT_NPUB];
    memcpy(bad, pub, sizeof bad);
    bad[P2_DIGEST] = gl_add(bad[P2_DIGEST], 1);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), bad, RC_LIFT_NPUB, proof, len), CAIRN_ERR_VERIFY);
    memcpy(bad, pub, sizeof bad);
    bad[RC_LIFT_NPUB - 1] = gl_add(bad[RC_LIFT_NPUB - 1], 1);
    CU_ASSERT_EQUAL(rc_verify(rc_air_vk(a), bad, RC_LIFT_NPUB, proof, len), CAIRN_ERR_VERIFY);
    free(proof);
}

/* A forged proof: same program, the run rejects with reason containing
 * want, no trace. */
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

static void test_forged(void)
{
    CU_ASSERT_FATAL(g_honest.enc != NULL);
    uint8_t *f = malloc(g.len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    /* the proof ends with the last query's FRI Merkle path (verify_rec.h
     * witness layout, item 9): its last sibling's last element */
    memcpy(f, g.proof, g.len);
    bump(f, g.len - 8);
    expect_forgery_rejected(f, g.len, "Merkle");
    /* another element of the last query, 200 from the end: the witness
     * holds the proof's elements in proof order (verify_rec.h), so it
     * is the witness element 200 from the end, and at byte len - 1600 */
    memcpy(f, g.proof, g.len);
    const size_t off = g.len - 8 * 200;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)f[off + i] << (8 * i);
    CU_ASSERT_EQUAL_FATAL(v, g_honest.wit[g_honest.n - 200]);
    bump(f, off);
    lifted l;
    lift(&l, &g.claim, f, g.len);
    CU_ASSERT(!l.accepted);
    CU_ASSERT(l.enc_len == g_honest.enc_len && memcmp(l.enc, g_honest.enc, l.enc_len) == 0);
    CU_ASSERT_EQUAL(rc_exec(NULL, l.prog, l.wit, l.n), CAIRN_ERR_VERIFY);
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
    CU_ASSERT_EQUAL(rc_lift_record(&p, &w, &n, &acc, NULL, &g.claim, g.proof, g.len - 8, &g_seg),
                    CAIRN_ERR_FORMAT);
    CU_ASSERT(p == NULL && w == NULL && n == 0 && !acc);
    c = g.claim;
    c.cycles = (1u << PO2) + 1;
    CU_ASSERT_EQUAL(rc_lift_record(&p, &w, &n, &acc, NULL, &c, g.proof, g.len, &g_seg), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "cycles"));
    c = g.claim;
    c.po2 = PO2 + 1; /* the po2 9 key parses these bytes at other heights */
    cairn_err e = rc_lift_record(&p, &w, &n, &acc, NULL, &c, g.proof, g.len, &g_seg);
    CU_ASSERT(e == CAIRN_ERR_FORMAT || e == CAIRN_ERR_VERIFY);
    CU_ASSERT(p == NULL && !acc);
}

static void test_release(void)
{
    lifted_free(&g_honest);
    rc_air_free(g_air);
    g_air = NULL;
    free(g.proof);
    g.proof = NULL;
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
                                      {"release", test_release},
                                      {NULL, NULL}};
    return test_run_suite("rc_lift", cases);
}
