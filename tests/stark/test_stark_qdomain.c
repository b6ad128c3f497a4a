/* Quotient domains larger than the LDE (keys.c, prover.c "quotient"): a
 * table whose constraints have degree d needs its quotient (degree
 * < (d - 1) n) on 2^qlog n points with 2^qlog >= d - 1; when that is more
 * than the LDE's 2^log_blowup n, the prover rebuilds the extra blocks of
 * the preprocessed, main and LogUp columns for the quotient alone.
 *
 * The machine: table sbox (preprocessed c; main x, y) with y = (x + c)^7
 * on every row (degree 7: 8 quotient chunks), x' = y, x_0 = pub 0, and
 * each row sends (c, y) on a bus that table sink (main a, b, m) receives
 * with multiplicity m. Proven at log_blowup 1, 2 and 3 (a quotient domain
 * 4x, 2x the LDE and equal to it), verified; an S-box output changed
 * (and the chain continued from it) is rejected by the checker naming the
 * constraint and by the verifier of a proof of it; a quotient coefficient
 * changed after the fact is rejected at the constraint check at zeta; a
 * sink row that does not match is rejected by the checker and the
 * verifier's bus balance. The prover's split of such a quotient by
 * constraint degree gives the proof of the whole evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "common/err.h"
#include "testutil.h"

#define LOG_N 6
#define N (1u << LOG_N)
#define BUS 1

static air_machine *g_m;

static gl_t pre_c(unsigned i) { return (gl_t)(i % 7 + 1); }

static cairn_err build(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "pow7", 1));
    air_table *t = air_table_add(m, "sbox", 1, 2);
    gl_t pre[N];
    for (unsigned i = 0; i < N; i++) pre[i] = pre_c(i);
    air_table_set_pre(m, t, pre, LOG_N);
    air_expr c = air_col(m, t, AIR_PRE, 0, 0), x = air_col(m, t, AIR_MAIN, 0, 0);
    air_expr y = air_col(m, t, AIR_MAIN, 1, 0), xn = air_col(m, t, AIR_MAIN, 0, 1);
    air_expr u = air_add(m, t, x, c), u2 = air_mul(m, t, u, u), u3 = air_mul(m, t, u2, u);
    air_expr u7 = air_mul(m, t, u, air_mul(m, t, u3, u3));
    air_constrain(m, t, air_sub(m, t, y, u7), "sbox: y = (x + c)^7");
    air_constrain(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_TRANS), air_sub(m, t, xn, y)), "sbox: x' = y");
    air_constrain(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_FIRST), air_sub(m, t, x, air_pub(m, t, 0))),
                  "sbox: x_0 = pub 0");
    air_expr tup[2] = {c, y};
    air_interact(m, t, BUS, AIR_SEND, air_const(m, t, 1), tup, 2);
    air_table *s = air_table_add(m, "sink", 0, 3);
    air_expr st[2] = {air_col(m, s, AIR_MAIN, 0, 0), air_col(m, s, AIR_MAIN, 1, 0)};
    air_interact(m, s, BUS, AIR_RECEIVE, air_col(m, s, AIR_MAIN, 2, 0), st, 2);
    cairn_err e = air_machine_finish(m, 7);
    if (e != CAIRN_OK) {
        air_machine_free(m);
        return e;
    }
    *out = m;
    return CAIRN_OK;
}

/* The traces from x_0 = x0; row `bad` (N: none) gets y + 1 and the chain
 * goes on from it; the sink copies every (c, y) with multiplicity 1, but
 * its row `bad_sink` (N: none) holds y + 5. */
static void traces(gl_t sbox[2 * N], gl_t sink[3 * N], gl_t x0, unsigned bad, unsigned bad_sink)
{
    gl_t x = x0;
    for (unsigned i = 0; i < N; i++) {
        gl_t u = gl_add(x, pre_c(i)), u2 = gl_mul(u, u), u3 = gl_mul(u2, u);
        gl_t y = gl_mul(u, gl_mul(u3, u3));
        if (i == bad) y = gl_add(y, 1);
        sbox[2 * i] = x;
        sbox[2 * i + 1] = y;
        sink[3 * i] = pre_c(i);
        sink[3 * i + 1] = i == bad_sink ? gl_add(y, 5) : y;
        sink[3 * i + 2] = 1;
        x = y;
    }
}

/* The keys of the machine at the test preset with log_blowup lb. */
static void setup_at(unsigned lb, stark_pk **pk, stark_vk **vk)
{
    stark_params p;
    stark_params_preset(&p, "test");
    p.log_blowup = lb;
    CU_ASSERT_EQUAL_FATAL(stark_setup(pk, vk, g_m, &p), CAIRN_OK);
}

/* Proves the traces at log_blowup lb (tp: a tamper, or NULL) and
 * verifies: the verifier's result, its message in msg. */
static cairn_err prove_verify(unsigned lb, gl_t x0, unsigned bad, unsigned bad_sink, const stark_tamper *tp,
                              char *msg, size_t msglen)
{
    stark_pk *pk;
    stark_vk *vk;
    setup_at(lb, &pk, &vk);
    CU_ASSERT_EQUAL(vk->qlog[0], 3u); /* degree 7: 8 chunks */
    CU_ASSERT(vk->qlog[1] <= 1u);
    static gl_t sbox[2 * N], sink[3 * N];
    traces(sbox, sink, x0, bad, bad_sink);
    stark_trace tr[2] = {{sbox, LOG_N}, {sink, LOG_N}};
    uint8_t *proof = NULL;
    size_t len = 0;
    cairn_err e = stark_prove_tampered(pk, tr, &x0, 1, tp, &proof, &len);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    e = stark_verify(vk, &x0, 1, proof, len, TEST_ANY_HEIGHTS);
    snprintf(msg, msglen, "%s", e == CAIRN_OK ? "" : cairn_last_error());
    free(proof);
    stark_pk_free(pk);
    stark_vk_free(vk);
    return e;
}

static void test_honest(void)
{
    for (unsigned lb = 1; lb <= 3; lb++) {
        static gl_t sbox[2 * N], sink[3 * N];
        traces(sbox, sink, 11, N, N);
        stark_trace tr[2] = {{sbox, LOG_N}, {sink, LOG_N}};
        gl_t x0 = 11;
        CU_ASSERT_EQUAL(stark_check_trace(g_m, tr, &x0, 1), CAIRN_OK);
        char msg[512];
        cairn_err e = prove_verify(lb, 11, N, N, NULL, msg, sizeof msg);
        if (e != CAIRN_OK) fprintf(stderr, "log_blowup %u: %s\n", lb, msg);
        else printf("  log_blowup %u (quotient domain %ux the LDE): proves and verifies\n", lb, 8u >> lb);
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        /* another start: the public value binds */
        stark_pk *pk;
        stark_vk *vk;
        setup_at(lb, &pk, &vk);
        uint8_t *proof = NULL;
        size_t len = 0;
        CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, &x0, 1, &proof, &len), CAIRN_OK);
        gl_t other = 12;
        CU_ASSERT_EQUAL(stark_verify(vk, &other, 1, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY);
        free(proof);
        stark_pk_free(pk);
        stark_vk_free(vk);
    }
}

static void test_wrong_sbox(void)
{
    for (unsigned lb = 1; lb <= 3; lb++)
        for (unsigned bad = 0; bad < N; bad += 21) {
            static gl_t sbox[2 * N], sink[3 * N];
            traces(sbox, sink, 11, bad, N);
            stark_trace tr[2] = {{sbox, LOG_N}, {sink, LOG_N}};
            gl_t x0 = 11;
            CU_ASSERT_EQUAL(stark_check_trace(g_m, tr, &x0, 1), CAIRN_ERR_VERIFY);
            CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "y = (x + c)^7"));
            char msg[512];
            CU_ASSERT_EQUAL(prove_verify(lb, 11, bad, N, NULL, msg, sizeof msg), CAIRN_ERR_VERIFY);
            CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tables sbox+sink (height 2^"));
        }
}

static void test_forged_quotient(void)
{
    for (unsigned lb = 1; lb <= 3; lb++)
        for (size_t idx = 0; idx < 3 * 8 * N; idx += 3 * 8 * N / 5 + 1) { /* rows and chunks across */
            stark_tamper tp = {.kind = STARK_TAMPER_QUOTIENT, .table = 0, .index = idx, .delta = {{1, 0, 0}}};
            char msg[512];
            CU_ASSERT_EQUAL(prove_verify(lb, 11, N, N, &tp, msg, sizeof msg), CAIRN_ERR_VERIFY);
            CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tables sbox+sink (height 2^"));
        }
}

/* One quotient per table height (stark_internal.h stark_shape.qlead): sbox
 * and sink have one height, so sbox's quotient matrix holds both (8
 * chunks, the most either needs) and sink has none; a constraint of the
 * second table that fails (sink's LogUp constraint, with its terminal sum
 * changed: the prover's quotient used it) is rejected at zeta, naming
 * both tables. */
static void test_one_quotient(void)
{
    for (unsigned lb = 1; lb <= 3; lb++) {
        stark_pk *pk;
        stark_vk *vk;
        setup_at(lb, &pk, &vk);
        stark_shape s;
        CU_ASSERT_EQUAL_FATAL(stark_shape_init(&s, vk, (unsigned[]){LOG_N, LOG_N}), CAIRN_OK);
        CU_ASSERT_EQUAL(s.qlead[0], 0);
        CU_ASSERT_EQUAL(s.qlead[1], 0);
        CU_ASSERT_EQUAL(s.qchunks[0], 8u);
        CU_ASSERT_EQUAL(s.qchunks[1], 0u);
        CU_ASSERT_EQUAL(s.w[TREE_Q][0], 24u);
        CU_ASSERT_EQUAL(s.w[TREE_Q][1], 0u);
        stark_pk_free(pk);
        stark_vk_free(vk);
        for (int k = 0; k < 2; k++) {
            stark_tamper tp = {.kind = STARK_TAMPER_LU_SUM, .table = 1, .delta = {{k ? 0 : 1, k ? 1 : 0, 0}}};
            char msg[512];
            CU_ASSERT_EQUAL(prove_verify(lb, 11, N, N, &tp, msg, sizeof msg), CAIRN_ERR_VERIFY);
            if (!strstr(msg, "tables sbox+sink (height 2^6): constraint at zeta mismatch"))
                fprintf(stderr, "\n  got '%s'\n", msg);
            CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tables sbox+sink (height 2^6): constraint at zeta mismatch"));
        }
    }
}

/* The quotient split by degree (stark_internal.h, qsplit): the S-box
 * constraint is high below blowup 8, the transition, boundary and LogUp
 * constraints are low; the prover evaluates the low ones on the LDE's
 * blocks only and interpolates their part. The quotient is the same
 * polynomial, so the proof is byte for byte the one of the whole
 * evaluation (the split turned off in the key). */
static void test_split_same_proof(void)
{
    for (unsigned lb = 1; lb <= 3; lb++) {
        stark_pk *pk;
        stark_vk *vk;
        setup_at(lb, &pk, &vk);
        CU_ASSERT_EQUAL(pk->vk.qsplit[0], lb < 3);
        CU_ASSERT_EQUAL(pk->vk.qsplit[1], 0);
        if (lb < 3) CU_ASSERT_EQUAL(pk->vk.qhi_reads[0], (1u << AIR_PRE) | (1u << AIR_MAIN));
        size_t um, ul, up;
        stark_quotient_blocks(&pk->vk, 0, &um, &ul, &up);
        CU_ASSERT_EQUAL(um, 8u);
        CU_ASSERT_EQUAL(up, 8u);
        CU_ASSERT_EQUAL(ul, lb < 3 ? 1u << lb : 8u); /* no LogUp blocks past the LDE's */
        static gl_t sbox[2 * N], sink[3 * N];
        traces(sbox, sink, 11, N, N);
        stark_trace tr[2] = {{sbox, LOG_N}, {sink, LOG_N}};
        gl_t x0 = 11;
        uint8_t *a = NULL, *b = NULL;
        size_t la = 0, lb_ = 0;
        CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, &x0, 1, &a, &la), CAIRN_OK);
        pk->vk.qsplit[0] = 0;
        CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, &x0, 1, &b, &lb_), CAIRN_OK);
        CU_ASSERT_EQUAL(la, lb_);
        CU_ASSERT(la == lb_ && memcmp(a, b, la) == 0);
        CU_ASSERT_EQUAL(stark_verify(vk, &x0, 1, a, la, TEST_ANY_HEIGHTS), CAIRN_OK);
        free(a);
        free(b);
        stark_pk_free(pk);
        stark_vk_free(vk);
    }
}

static void test_wrong_sink(void)
{
    for (unsigned lb = 1; lb <= 3; lb += 2) {
        static gl_t sbox[2 * N], sink[3 * N];
        traces(sbox, sink, 11, N, 9);
        stark_trace tr[2] = {{sbox, LOG_N}, {sink, LOG_N}};
        gl_t x0 = 11;
        CU_ASSERT_EQUAL(stark_check_trace(g_m, tr, &x0, 1), CAIRN_ERR_VERIFY);
        char msg[512];
        CU_ASSERT_EQUAL(prove_verify(lb, 11, N, 9, NULL, msg, sizeof msg), CAIRN_ERR_VERIFY);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "LogUp"));
        if (!strstr(msg, "LogUp")) fprintf(stderr, "  wrong sink: %s\n", msg);
    }
}

int main(void)
{
    if (build(&g_m) != CAIRN_OK) {
        fprintf(stderr, "machine: %s\n", cairn_last_error());
        return 1;
    }
    static const test_case cases[] = {{"degree 7 at blowup 2, 4, 8: proves and verifies", test_honest},
                                      {"a wrong S-box output is rejected", test_wrong_sbox},
                                      {"a forged quotient is rejected at zeta", test_forged_quotient},
                                      {"an unbalanced bus is rejected", test_wrong_sink},
                                      {"one quotient for the tables of one height", test_one_quotient},
                                      {"a quotient split by degree gives the same proof", test_split_same_proof},
                                      {NULL, NULL}};
    int rc = test_run_suite("stark_qdomain", cases);
    air_machine_free(g_m);
    return rc;
}
