/* The verifier recorded as a recursion program (recursion/rc.h) against
 * the native verifier, on the example machines (stark/machines.h, preset
 * "test"):
 *  - honest proofs: the recorded run accepts, rc_exec accepts the
 *    program on the recorded witness, and the witness has the length of
 *    stark/verify_rec.h's layout;
 *  - the program depends on the key and the shape only: proofs of other
 *    traces (other public values) give byte-identical programs, forged
 *    proofs too;
 *  - forgeries (an opened value, a Merkle sibling, a trace row, a FRI
 *    value, a FRI final coefficient, the proof-of-work nonce, a public
 *    value): the native verifier rejects, the recorded run rejects, and
 *    rc_exec of the honest proof's program on the forged witness rejects
 *    at an assertion whose reason is the native verifier's message, and
 *    the forged witness in the recursion AIR of that program has no trace
 *    and, filled anyway, fails the constraint checker at an assertion row;
 *  - forgeries the prover makes consistently with the transcript
 *    (stark_prove_tampered), each failing at one check of the verifier
 *    (proof of work, constraints at zeta, LogUp balance, Merkle paths,
 *    DEEP, FRI folds, final polynomial): the same comparison;
 *  - instruction counts per kind, printed for presets "test" and
 *    "proven-100" (docs/recursion.md; lookup at proven-100 only with
 *    CAIRN_RC_COUNTS_FULL=1 in the environment: its proof takes seconds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_internal.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "testutil.h"
#include "stark/lu_groups.h"

enum { M_FIB, M_LOOKUP, M_P2CHAIN, NMACH };
static const char *mname[NMACH] = {"fib", "lookup", "p2chain"};
static const unsigned mlog[NMACH] = {5, 4, 3}; /* log height of the free table */
static air_machine *mach[NMACH];
/* keys per parameter preset: "test" (every test), "proven-100" (the
 * instruction counts only, for realistic figures) */
enum { NPRESET = 2 };
static const char *preset[NPRESET] = {"test", "proven-100"};
static stark_pk *pks[NPRESET][NMACH];
static stark_vk *vks[NPRESET][NMACH];
static stark_pk **pk = pks[0];
static stark_vk **vk = vks[0];

typedef struct {
    gl_t pub[STARK_MAX_PUB];
    size_t npub;
    uint8_t *proof;
    size_t len;
    unsigned heights[AIR_MAX_TABLES];
} proved;

/* tp: a transcript-consistent forgery made by the prover (NULL: none);
 * bad_mult: lookup's range multiplicities off by one (the bus does not
 * balance; the prover does not check its witness under preset test) */
static int prove_t(proved *o, unsigned m, uint64_t seed, const stark_tamper *tp, int bad_mult)
{
    memset(o, 0, sizeof *o);
    gl_t *t0 = NULL, *t1 = NULL;
    stark_trace tr[2];
    unsigned log_n = mlog[m];
    cairn_err e;
    if (m == M_FIB) {
        e = stark_fib_trace(&t0, o->pub, log_n, seed);
        o->npub = STARK_FIB_NPUB;
        tr[0] = (stark_trace){t0, log_n};
    } else if (m == M_LOOKUP) {
        e = stark_lookup_trace(&t0, &t1, o->pub, log_n, seed);
        o->npub = STARK_LOOKUP_NPUB;
        if (e == CAIRN_OK && bad_mult) t1[5] += 1;
        tr[0] = (stark_trace){t0, log_n};
        tr[1] = (stark_trace){t1, STARK_LOOKUP_RANGE_LOG};
    } else {
        e = stark_p2chain_trace(&t0, o->pub, log_n, seed);
        o->npub = STARK_P2CHAIN_NPUB;
        tr[0] = (stark_trace){t0, log_n};
    }
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    e = stark_prove_tampered(pk[m], tr, o->pub, o->npub, tp, &o->proof, &o->len);
    free(t0);
    free(t1);
    if (e != CAIRN_OK) fprintf(stderr, "prove %s: %s\n", mname[m], cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    /* the recorded shape: every height stated */
    for (unsigned t = 0; t < stark_vk_ntables(vk[m]); t++)
        o->heights[t] = m == M_LOOKUP && t == 1 ? STARK_LOOKUP_RANGE_LOG : log_n;
    return 0;
}

static int prove(proved *o, unsigned m, uint64_t seed) { return prove_t(o, m, seed, NULL, 0); }

typedef struct {
    rc_program *prog;
    gl_t *wit;
    size_t nwit;
    int accepted;
    char first[256];
    uint8_t *bytes;
    size_t nbytes;
    p2_digest digest;
    rc_air *air; /* the program's recursion machine (compare_forgery builds it) */
} recorded;

static void record_vk(recorded *r, const stark_vk *v, const char *name, const gl_t *pub, size_t npub,
                      const uint8_t *proof, size_t len, const unsigned *heights)
{
    memset(r, 0, sizeof *r);
    cairn_err e = rc_record_verifier(&r->prog, &r->wit, &r->nwit, &r->accepted, r->first, v, pub,
                                     npub, proof, len, heights);
    if (e != CAIRN_OK) fprintf(stderr, "record %s: %s\n", name, cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(rc_program_ninputs(r->prog), r->nwit);
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&r->bytes, &r->nbytes, r->prog), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rc_program_digest(&r->digest, r->prog), CAIRN_OK);
}

static void record(recorded *r, unsigned m, const gl_t *pub, size_t npub, const uint8_t *proof,
                   size_t len, const unsigned *heights)
{
    record_vk(r, vk[m], mname[m], pub, npub, proof, len, heights);
}

static void unrecord(recorded *r)
{
    rc_air_free(r->air);
    rc_program_free(r->prog);
    free(r->wit);
    free(r->bytes);
    memset(r, 0, sizeof *r);
}

static int same_program(const recorded *a, const recorded *b)
{
    return a->nbytes == b->nbytes && memcmp(a->bytes, b->bytes, a->nbytes) == 0 &&
           memcmp(&a->digest, &b->digest, sizeof a->digest) == 0;
}

/* (a) honest proofs of every example machine */
static void test_honest(void)
{
    for (unsigned m = 0; m < NMACH; m++) {
        proved p;
        prove(&p, m, 10 + m);
        CU_ASSERT_EQUAL(stark_verify(vk[m], p.pub, p.npub, p.proof, p.len,
                                     (unsigned[AIR_MAX_TABLES]){0}),
                        CAIRN_OK);
        recorded r;
        record(&r, m, p.pub, p.npub, p.proof, p.len, p.heights);
        CU_ASSERT(r.accepted);
        CU_ASSERT_STRING_EQUAL(r.first, "");
        rc_exec_result res;
        cairn_err e = rc_exec(&res, r.prog, r.wit, r.nwit);
        if (e != CAIRN_OK) fprintf(stderr, "%s: %s\n", mname[m], cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        CU_ASSERT(res.accepted);
        CU_ASSERT_EQUAL(res.failures, 0);
        /* the encoding parses back to the same bytes, and runs the same */
        rc_program *q;
        CU_ASSERT_EQUAL_FATAL(rc_program_parse(&q, r.bytes, r.nbytes), CAIRN_OK);
        uint8_t *b2;
        size_t n2;
        CU_ASSERT_EQUAL_FATAL(rc_program_encode(&b2, &n2, q), CAIRN_OK);
        CU_ASSERT(n2 == r.nbytes && memcmp(b2, r.bytes, n2) == 0);
        CU_ASSERT_EQUAL(rc_exec(NULL, q, r.wit, r.nwit), CAIRN_OK);
        /* a program whose heights differ is another program: a proof of
         * another shape is refused when the heights are stated */
        unsigned h2[AIR_MAX_TABLES];
        memcpy(h2, p.heights, sizeof h2);
        h2[0] += 1;
        rc_program *x = NULL;
        gl_t *xw = NULL;
        size_t xn = 0;
        int acc = 1;
        CU_ASSERT_EQUAL(rc_record_verifier(&x, &xw, &xn, &acc, NULL, vk[m], p.pub, p.npub, p.proof,
                                           p.len, h2),
                        CAIRN_ERR_VERIFY);
        CU_ASSERT(strstr(cairn_last_error(), "log height") != NULL);
        CU_ASSERT_PTR_NULL(x);
        CU_ASSERT_EQUAL(acc, 0);
        free(b2);
        rc_program_free(q);
        unrecord(&r);
        free(p.proof);
    }
}

/* (b) one program per shape */
static void test_same_program(void)
{
    for (unsigned m = 0; m < NMACH; m++) {
        proved p1, p2;
        prove(&p1, m, 100);
        prove(&p2, m, 200);
        /* different traces: different proofs (and, but for lookup's n,
         * different public values) */
        CU_ASSERT(p1.len != p2.len || memcmp(p1.proof, p2.proof, p1.len) != 0);
        recorded r1, r2;
        record(&r1, m, p1.pub, p1.npub, p1.proof, p1.len, p1.heights);
        record(&r2, m, p2.pub, p2.npub, p2.proof, p2.len, p2.heights);
        CU_ASSERT(r1.accepted && r2.accepted);
        CU_ASSERT(same_program(&r1, &r2));
        CU_ASSERT_EQUAL(r1.nwit, r2.nwit);
        CU_ASSERT(memcmp(r1.wit, r2.wit, r1.nwit * sizeof *r1.wit) != 0);
        /* each witness runs on the other's program */
        CU_ASSERT_EQUAL(rc_exec(NULL, r1.prog, r2.wit, r2.nwit), CAIRN_OK);
        unrecord(&r1);
        unrecord(&r2);
        free(p1.proof);
        free(p2.proof);
    }
}

/* (c) forgeries. Each edits the parsed honest proof (or the public
 * values) and serialises it again. */
enum { F_OPEN, F_SIBLING, F_ROW, F_FRI_VAL, F_FINAL, F_NONCE, F_PUB, NFORGE };
static const char *fname[NFORGE] = {"opened value",   "Merkle sibling", "trace row",
                                    "FRI value",      "FRI final coefficient",
                                    "proof-of-work nonce", "public value"};

static void compare_forgery(unsigned m, recorded *honest, const gl_t *pub, size_t npub,
                            const uint8_t *b, size_t len, const unsigned *heights,
                            const char *what, const char *want);

static void forge_one(unsigned m, const proved *p, recorded *honest, unsigned f)
{
    stark_proof pf;
    stark_shape s;
    CU_ASSERT_EQUAL_FATAL(stark_proof_read(&pf, &s, vk[m], p->proof, p->len), CAIRN_OK);
    gl_t pub[STARK_MAX_PUB];
    memcpy(pub, p->pub, sizeof pub);
    const gl3_t one3 = {{1, 0, 0}};
    switch (f) {
    case F_OPEN: pf.open[s.nopen / 2] = gl3_add(pf.open[s.nopen / 2], one3); break;
    case F_SIBLING: pf.q_paths[1].v[2] = gl_add(pf.q_paths[1].v[2], 1); break;
    case F_ROW: pf.q_rows[0] = gl_add(pf.q_rows[0], 1); break;
    case F_FRI_VAL: pf.q_fri_vals[0] = gl3_add(pf.q_fri_vals[0], one3); break;
    case F_FINAL: pf.final_poly[0] = gl3_add(pf.final_poly[0], one3); break;
    case F_NONCE: pf.pow_nonce = gl_add(pf.pow_nonce, 1); break;
    case F_PUB: pub[0] = gl_add(pub[0], 1); break;
    }
    uint8_t *b;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(stark_proof_write(&b, &len, &pf, &s, vk[m]), CAIRN_OK);
    stark_proof_free(&pf);
    compare_forgery(m, honest, pub, p->npub, b, len, p->heights, fname[f], NULL);
    free(b);
}

/* The forged witness in the recursion VM's AIR (rc_air.h) of the honest
 * program: it has no trace, and the trace filled anyway fails the
 * constraint checker at an assertion row (every other row is filled by
 * its own rule, so only an assertion can fail). */
static void forgery_in_air(recorded *honest, size_t npub, const recorded *forged, const char *what)
{
    if (!honest->air) {
        stark_params prm;
        CU_ASSERT_EQUAL_FATAL(stark_params_preset(&prm, "test"), CAIRN_OK);
        cairn_err e = rc_air_build(&honest->air, honest->prog, (unsigned)npub, &prm);
        if (e != CAIRN_OK) fprintf(stderr, "rc_air_build: %s\n", cairn_last_error());
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    }
    rc_trace t;
    CU_ASSERT_EQUAL(rc_air_trace(&t, honest->air, forged->wit, forged->nwit), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL_FATAL(rc_air_trace_unchecked(&t, honest->air, forged->wit, forged->nwit), CAIRN_OK);
    cairn_err e = stark_check_trace(rc_air_machine(honest->air), t.tr, t.pub, t.npub);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_VERIFY);
    if (e != CAIRN_ERR_VERIFY || !strstr(cairn_last_error(), "assert_eq: a = b")) {
        fprintf(stderr, "%s in the AIR: checker said '%s', expected an assertion row\n", what,
                e == CAIRN_OK ? "ok" : cairn_last_error());
        CU_FAIL("forgery in the AIR");
    } else if (getenv("CAIRN_TEST_VERBOSE")) {
        fprintf(stderr, "  %s in the AIR: %s\n", what, cairn_last_error());
    }
    rc_trace_free(&t);
}

/* A forged proof: the native verifier rejects it (with want in its
 * message, if given), the recording of it is the honest program and
 * rejects with the native message, the honest program rejects the
 * forged witness at an assertion with the native message, and its trace
 * in the recursion AIR fails the checker (forgery_in_air). */
static void compare_forgery_vk(const stark_vk *v, const char *name, recorded *honest, const gl_t *pub,
                               size_t npub, const uint8_t *b, size_t len, const unsigned *heights,
                               const char *what, const char *want)
{
    /* the native verifier's verdict and message (the heights as the
     * recording states them) */
    unsigned lh[AIR_MAX_TABLES];
    memcpy(lh, heights, sizeof lh);
    cairn_err ne = stark_verify(v, pub, npub, b, len, lh);
    char native[256];
    snprintf(native, sizeof native, "%s", cairn_last_error());
    CU_ASSERT_EQUAL(ne, CAIRN_ERR_VERIFY);
    if (want && !strstr(native, want)) {
        fprintf(stderr, "%s, %s: native message '%s', expected '%s'\n", name, what, native, want);
        CU_FAIL("native message");
    }
    /* recorded run on the forgery: same program, rejects with the same
     * first failure */
    recorded r;
    record_vk(&r, v, name, pub, npub, b, len, heights);
    CU_ASSERT_EQUAL(r.accepted, 0);
    CU_ASSERT_STRING_EQUAL(r.first, native);
    CU_ASSERT(same_program(&r, honest));
    /* the honest program on the forged witness */
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, honest->prog, r.wit, r.nwit), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(res.accepted, 0);
    CU_ASSERT(res.failures >= 1);
    CU_ASSERT_STRING_EQUAL(res.reason, native);
    CU_ASSERT(strstr(cairn_last_error(), native) != NULL);
    fprintf(stderr, "  %s, %s: instruction %zu of %zu (%zu failed): %s\n", name, what,
            res.failed_instr, rc_program_ninstrs(honest->prog), res.failures, res.reason);
    forgery_in_air(honest, npub, &r, what);
    unrecord(&r);
}

static void compare_forgery(unsigned m, recorded *honest, const gl_t *pub, size_t npub,
                            const uint8_t *b, size_t len, const unsigned *heights,
                            const char *what, const char *want)
{
    compare_forgery_vk(vk[m], mname[m], honest, pub, npub, b, len, heights, what, want);
}

static void test_forgeries(void)
{
    for (unsigned m = 0; m < NMACH; m++) {
        proved p;
        prove(&p, m, 300 + m);
        recorded honest;
        record(&honest, m, p.pub, p.npub, p.proof, p.len, p.heights);
        CU_ASSERT_FATAL(honest.accepted);
        for (unsigned f = 0; f < NFORGE; f++) forge_one(m, &p, &honest, f);
        unrecord(&honest);
        free(p.proof);
    }
}

/* (c) continued: forgeries the prover makes consistently with the
 * transcript (stark_prove_tampered, as tests/stark/test_stark_forge.c),
 * so that each fails at one particular check, deep in the verifier: the
 * recorded program fails at the same assertion as the native verifier. */
typedef struct {
    unsigned m;
    stark_tamper tp;
    int bad_mult;
    const char *what, *want;
} tampered;

static void test_tampered(void)
{
    const gl3_t one3 = {{1, 0, 0}}, x3 = {{0, 1, 0}};
    recorded honest[NMACH];
    stark_shape sh[NMACH];
    for (unsigned m = 0; m < NMACH; m++) {
        proved p;
        prove(&p, m, 500 + m);
        record(&honest[m], m, p.pub, p.npub, p.proof, p.len, p.heights);
        CU_ASSERT_FATAL(honest[m].accepted);
        stark_proof pf;
        CU_ASSERT_EQUAL_FATAL(stark_proof_read(&pf, &sh[m], vk[m], p.proof, p.len), CAIRN_OK);
        stark_proof_free(&pf);
        free(p.proof);
    }
    const stark_shape *sf = &sh[M_FIB];
    CU_ASSERT_FATAL(sf->nlayers >= 2);
    const tampered cases[] = {
        {M_FIB, {.kind = STARK_TAMPER_POW_SHORT}, 0, "nonce one bit short", "proof-of-work nonce is invalid"},
        {M_FIB, {.kind = STARK_TAMPER_QUOTIENT, .index = 0, .delta = one3}, 0, "quotient coefficient",
         "table fib: constraint at zeta mismatch"},
        {M_FIB, {.kind = STARK_TAMPER_OPENING, .index = 0, .delta = x3}, 0, "absorbed opening",
         "table fib: constraint at zeta mismatch"},
        {M_FIB, {.kind = STARK_TAMPER_ROOT, .tree = TREE_MAIN, .index = 1, .delta = one3}, 0,
         "main root", "main Merkle path mismatch"},
        {M_FIB, {.kind = STARK_TAMPER_DEEP, .h = sf->log_l0, .delta = one3}, 0, "DEEP codeword",
         "layer 0: value does not match the DEEP composition"},
        {M_FIB, {.kind = STARK_TAMPER_FRI_LAYER, .layer = 1, .delta = one3}, 0, "FRI layer 1",
         "layer 1: value does not match the fold of layer 0"},
        {M_FIB, {.kind = STARK_TAMPER_FINAL, .index = 0, .delta = x3}, 0, "final coefficient",
         "final polynomial mismatch"},
        {M_FIB, {.kind = STARK_TAMPER_COLUMN, .tree = TREE_MAIN, .index = 0, .delta = one3}, 0,
         "committed column", "final polynomial mismatch"},
        {M_LOOKUP, {.kind = STARK_TAMPER_LU_SUM, .table = 0, .delta = one3}, 0, "LogUp sum",
         "table values: constraint at zeta mismatch"},
        {M_LOOKUP, {.kind = STARK_TAMPER_LU_RUNNING, .table = 1, .delta = one3}, 0, "LogUp running sum",
         "table range: constraint at zeta mismatch"},
        {M_LOOKUP, {.kind = STARK_TAMPER_NONE}, 1, "range multiplicity", "LogUp buses do not balance"},
        {M_P2CHAIN, {.kind = STARK_TAMPER_QUOTIENT, .index = 5, .delta = one3}, 0, "quotient coefficient",
         "constraint at zeta mismatch"},
        {M_P2CHAIN, {.kind = STARK_TAMPER_FRI_LAYER, .layer = 0, .delta = x3}, 0, "FRI layer 0",
         "layer 0: value does not match"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const tampered *c = &cases[i];
        proved p;
        prove_t(&p, c->m, 500 + c->m, c->tp.kind ? &c->tp : NULL, c->bad_mult);
        compare_forgery(c->m, &honest[c->m], p.pub, p.npub, p.proof, p.len, p.heights, c->what,
                        c->want);
        free(p.proof);
    }
    for (unsigned m = 0; m < NMACH; m++) unrecord(&honest[m]);
}

/* (d) LogUp groups of four (blowup 4, tests/stark/lu_groups.h): the
 * recorded verifier evaluates the larger groups' constraint as the native
 * one does: the honest proof is accepted, and a helper opened with 1
 * added, a shifted running sum and an unbalanced bus are rejected at the
 * native reason by the recording and by the honest program */
static void test_groups_of_four(void)
{
    rng_t rng;
    air_machine *m;
    stark_pk *k;
    stark_vk *v;
    CU_ASSERT_FATAL(lu4_start(&rng, "rc verifier logup groups of four", &m, &k, &v));
    CU_ASSERT_EQUAL(v->group_size[0][0], 4);
    gl_t *main = lu4_trace(&rng);
    CU_ASSERT_PTR_NOT_NULL_FATAL(main);
    stark_trace tr = {main, LU4_LOG_N};
    unsigned heights[AIR_MAX_TABLES] = {LU4_LOG_N};
    uint8_t *proof = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(stark_prove(k, &tr, NULL, 0, &proof, &len), CAIRN_OK);
    recorded honest;
    record_vk(&honest, v, "lu4", NULL, 0, proof, len, heights);
    CU_ASSERT(honest.accepted);
    CU_ASSERT_STRING_EQUAL(honest.first, "");
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, honest.prog, honest.wit, honest.nwit), CAIRN_OK);
    CU_ASSERT(res.accepted);
    free(proof);
    stark_shape s;
    CU_ASSERT_EQUAL_FATAL(stark_shape_init(&s, v, heights), CAIRN_OK);
    const struct {
        stark_tamper tp;
        const char *what, *want;
    } bad[] = {
        {{.kind = STARK_TAMPER_OPENING, .index = s.open_off[0][TREE_LU][0], .delta = {{1, 0, 0}}},
         "helper of the group of four", "table t: constraint at zeta mismatch"},
        {{.kind = STARK_TAMPER_LU_RUNNING, .table = 0, .delta = {{1, 0, 0}}}, "running sum",
         "table t: constraint at zeta mismatch"},
        {{.kind = STARK_TAMPER_NONE}, "unbalanced receive", "LogUp buses do not balance"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i].tp.kind == STARK_TAMPER_NONE) lu4_unbalance(main);
        CU_ASSERT_EQUAL_FATAL(stark_prove_tampered(k, &tr, NULL, 0, bad[i].tp.kind ? &bad[i].tp : NULL,
                                                   &proof, &len),
                              CAIRN_OK);
        compare_forgery_vk(v, "lu4", &honest, NULL, 0, proof, len, heights, bad[i].what, bad[i].want);
        free(proof);
    }
    unrecord(&honest);
    free(main);
    lu4_free(m, k, v);
}

/* (d) one quotient per table height (stark_shape.qlead): the lookup
 * machine with its values table as tall as its range table, so both share
 * one quotient. The recorded verifier accepts the honest proof, and a
 * forgery in the second table of the height (its terminal LogUp sum, used
 * by the prover's quotient) and a coefficient of the shared quotient are
 * rejected at the native reason, naming both tables, by the recording and
 * by the honest program. */
static void test_one_quotient(void)
{
    const unsigned L = STARK_LOOKUP_RANGE_LOG;
    gl_t *t0 = NULL, *t1 = NULL, pub[STARK_MAX_PUB] = {0};
    CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&t0, &t1, pub, L, 7), CAIRN_OK);
    stark_trace tr[2] = {{t0, L}, {t1, L}};
    unsigned heights[AIR_MAX_TABLES] = {L, L};
    stark_shape s;
    CU_ASSERT_EQUAL_FATAL(stark_shape_init(&s, vk[M_LOOKUP], heights), CAIRN_OK);
    CU_ASSERT_EQUAL(s.qlead[1], 0);
    CU_ASSERT_EQUAL(s.w[TREE_Q][1], 0u);
    uint8_t *proof = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(stark_prove(pk[M_LOOKUP], tr, pub, STARK_LOOKUP_NPUB, &proof, &len), CAIRN_OK);
    recorded honest;
    record_vk(&honest, vk[M_LOOKUP], "lookup", pub, STARK_LOOKUP_NPUB, proof, len, heights);
    CU_ASSERT(honest.accepted);
    free(proof);
    const char *want = "tables values+range (height 2^16): constraint at zeta mismatch";
    const stark_tamper bad[] = {
        {.kind = STARK_TAMPER_LU_SUM, .table = 1, .delta = {{1, 0, 0}}},
        {.kind = STARK_TAMPER_QUOTIENT, .table = 0, .index = 7, .delta = {{1, 0, 0}}},
    };
    const char *what[] = {"second table's LogUp sum", "shared quotient coefficient"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(stark_prove_tampered(pk[M_LOOKUP], tr, pub, STARK_LOOKUP_NPUB, &bad[i], &proof, &len),
                              CAIRN_OK);
        compare_forgery_vk(vk[M_LOOKUP], "lookup", &honest, pub, STARK_LOOKUP_NPUB, proof, len, heights, what[i],
                           want);
        free(proof);
    }
    unrecord(&honest);
    free(t0);
    free(t1);
}

/* (e) instruction counts per kind, for sizing the AIR's tables */
static void counts_for(unsigned pi)
{
    pk = pks[pi];
    vk = vks[pi];
    fprintf(stderr, "\npreset %s\n%-12s", preset[pi], "instruction");
    size_t counts[NMACH][RC_NOPS] = {{0}}, total[NMACH] = {0}, vars[NMACH] = {0},
           inputs[NMACH] = {0}, bytes[NMACH] = {0};
    int skip[NMACH] = {0};
    /* lookup at proven-100 proves a 2^16-row table at blowup 4 (~4 s of
     * one core): only when asked for */
    skip[M_LOOKUP] = pi > 0 && !getenv("CAIRN_RC_COUNTS_FULL");
    for (unsigned m = 0; m < NMACH; m++) {
        if (skip[m]) {
            fprintf(stderr, " %12s", mname[m]);
            continue;
        }
        proved p;
        prove(&p, m, 400 + m);
        recorded r;
        record(&r, m, p.pub, p.npub, p.proof, p.len, p.heights);
        CU_ASSERT(r.accepted);
        CU_ASSERT_EQUAL(rc_exec(NULL, r.prog, r.wit, r.nwit), CAIRN_OK);
        rc_program_counts(r.prog, counts[m]);
        total[m] = 0;
        for (unsigned op = 0; op < RC_NOPS; op++) total[m] += counts[m][op];
        CU_ASSERT_EQUAL(total[m], rc_program_ninstrs(r.prog));
        CU_ASSERT_EQUAL(counts[m][0], 0);
        /* every query hashes: permutations, bit decompositions, selects,
         * asserts are all there */
        CU_ASSERT(counts[m][RC_PERMUTE] > 0 && counts[m][RC_BITS] > 0 &&
                  counts[m][RC_SELECT] > 0 && counts[m][RC_ASSERT_EQ] > 0 &&
                  counts[m][RC_E_ASSERT_EQ] > 0);
        /* one bit decomposition per query, one for the proof of work */
        CU_ASSERT_EQUAL(counts[m][RC_BITS], stark_vk_params(vk[m])->queries + 1);
        /* inputs: one instruction per base input, one per extension input */
        CU_ASSERT_EQUAL(counts[m][RC_INPUT] + 3 * counts[m][RC_E_INPUT], r.nwit);
        vars[m] = rc_program_nvars(r.prog);
        inputs[m] = r.nwit;
        bytes[m] = r.nbytes;
        fprintf(stderr, " %12s", mname[m]);
        unrecord(&r);
        free(p.proof);
    }
    fprintf(stderr, "\n");
    for (unsigned op = 1; op < RC_NOPS; op++) {
        fprintf(stderr, "%-12s", rc_op_name(op));
        for (unsigned m = 0; m < NMACH; m++)
            if (skip[m]) fprintf(stderr, " %12s", "-");
            else fprintf(stderr, " %12zu", counts[m][op]);
        fprintf(stderr, "\n");
    }
#define ROW(label, arr)                                                                   \
    do {                                                                                  \
        fprintf(stderr, "%-12s", label);                                                  \
        for (unsigned m = 0; m < NMACH; m++)                                              \
            if (skip[m]) fprintf(stderr, " %12s", "-");                                   \
            else fprintf(stderr, " %12zu", arr[m]);                                       \
        fprintf(stderr, "\n");                                                            \
    } while (0)
    ROW("total", total);
    ROW("variables", vars);
    ROW("witness", inputs);
    ROW("bytes", bytes);
#undef ROW
    pk = pks[0];
    vk = vks[0];
}

static void test_counts(void)
{
    for (unsigned pi = 0; pi < NPRESET; pi++) counts_for(pi);
}

int main(void)
{
    if (stark_machine_fib(&mach[M_FIB]) != CAIRN_OK ||
        stark_machine_lookup(&mach[M_LOOKUP]) != CAIRN_OK ||
        stark_machine_p2chain(&mach[M_P2CHAIN]) != CAIRN_OK)
        return 1;
    for (unsigned pi = 0; pi < NPRESET; pi++) {
        stark_params par;
        if (stark_params_preset(&par, preset[pi]) != CAIRN_OK) return 1;
        for (unsigned m = 0; m < NMACH; m++)
            if (stark_setup(&pks[pi][m], &vks[pi][m], mach[m], &par) != CAIRN_OK) {
                fprintf(stderr, "setup %s %s: %s\n", preset[pi], mname[m], cairn_last_error());
                return 1;
            }
    }
    static const test_case cases[] = {{"(a) honest proofs accepted", test_honest},
                                      {"(b) one program per shape", test_same_program},
                                      {"(c) forgeries rejected at the native reason", test_forgeries},
                                      {"(c) prover-made forgeries, each failing at one check", test_tampered},
                                      {"(d) LogUp groups of four", test_groups_of_four},
                                      {"(d) one quotient per table height", test_one_quotient},
                                      {"(e) instruction counts", test_counts},
                                      {NULL, NULL}};
    int rc = test_run_suite("rc_verifier", cases);
    for (unsigned m = 0; m < NMACH; m++) {
        for (unsigned pi = 0; pi < NPRESET; pi++) {
            stark_pk_free(pks[pi][m]);
            stark_vk_free(vks[pi][m]);
        }
        air_machine_free(mach[m]);
    }
    return rc;
}
