/* The message codec (worker/msg.h): every kind round-trips, raw and
 * compressed; every header field and body length the parser checks is
 * rejected with a message naming it (truncations at every length, flipped
 * bytes at every offset, forged lengths with a recomputed checksum);
 * segment claims; the lift and join entries of the task table (a real
 * lift of that segment proof; forged claims and a flipped proof byte);
 * recursion claims and the lift and join payloads (every
 * truncation, non-canonical elements, bad kinds and names); the task table refuses a wrong claim and a corrupted
 * proof (with a real segment proof at po2 8); the test-hook parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "testutil.h"
#include "vm/seg_prog.h"
#include "recursion/rc_fold.h"
#include "worker/msg.h"
#include "worker/task.h"
#include "worker/worker.h"

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the header checksum after a test changed bytes. */
static void reseal(uint8_t *b, size_t len)
{
    put_u64(b + 40, cmsg_checksum(b, 40, b + CMSG_HEADER_BYTES, len - CMSG_HEADER_BYTES));
}

static void expect_reject(const uint8_t *b, size_t len, cairn_err want, const char *text)
{
    cmsg m;
    cairn_err e = cmsg_decode(&m, b, len);
    CU_ASSERT_EQUAL(e, want);
    CU_ASSERT_PTR_NULL(m.owned_);
    if (e != want || (text && !strstr(cairn_last_error(), text)))
        fprintf(stderr, "\n  got %s '%s', want '%s'\n", cairn_err_name(e), e ? cairn_last_error() : "", text);
    if (text) CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), text));
}

static uint8_t g_payload[5000];

static void fill_task(cmsg *m, int random)
{
    cmsg_init(m, CMSG_TASK);
    m->task_id = 7;
    m->task_kind = CMSG_TASK_PROVE_SEGMENT;
    m->params = (cmsg_params){10, 1, 2, 3, 1, 2};
    rng_t r;
    rng_seed(&r, 5);
    for (size_t i = 0; i < sizeof g_payload; i++) g_payload[i] = random ? (uint8_t)rng_u64(&r) : (uint8_t)(i / 100);
    m->payload = g_payload;
    m->payload_len = sizeof g_payload;
}

static void test_roundtrip(void)
{
    for (int compress = 0; compress < 2; compress++) {
        /* task: compressible payload, compressed when asked */
        cmsg m, d;
        fill_task(&m, 0);
        uint8_t *b;
        size_t n;
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL(b[12], compress); /* flags: zstd only when asked and it pays */
        if (compress) CU_ASSERT(n < sizeof g_payload / 2);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.kind, CMSG_TASK);
        CU_ASSERT_EQUAL(d.task_id, 7);
        CU_ASSERT_EQUAL(d.task_kind, CMSG_TASK_PROVE_SEGMENT);
        CU_ASSERT(cmsg_params_eq(&d.params, &m.params));
        CU_ASSERT_EQUAL(d.payload_len, sizeof g_payload);
        CU_ASSERT(d.payload_len == sizeof g_payload && !memcmp(d.payload, g_payload, sizeof g_payload));
        cmsg_free(&d);
        free(b);
        /* random payload: never compressed (it would not pay) */
        fill_task(&m, 1);
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL(b[12], 0);
        CU_ASSERT_EQUAL(n, CMSG_HEADER_BYTES + 24 + 8 + sizeof g_payload);
        free(b);

        cmsg_init(&m, CMSG_HELLO);
        m.rank = 3;
        m.threads = 8;
        m.params = (cmsg_params){12, 2, 50, 16, 2, 3};
        for (int i = 0; i < 32; i++) m.digest[i] = (uint8_t)(i * 9);
        strcpy(m.build, "cairn test");
        m.mem_need = UINT64_C(6) << 30;
        m.mem_limit = (UINT64_C(24) << 30) + 5;
        strcpy(m.host, "node-17.cluster");
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.rank, 3);
        CU_ASSERT_EQUAL(d.threads, 8);
        CU_ASSERT(cmsg_params_eq(&d.params, &m.params));
        CU_ASSERT(!memcmp(d.digest, m.digest, 32));
        CU_ASSERT_STRING_EQUAL(d.build, "cairn test");
        CU_ASSERT_EQUAL(d.mem_need, m.mem_need);
        CU_ASSERT_EQUAL(d.mem_limit, m.mem_limit);
        CU_ASSERT_STRING_EQUAL(d.host, "node-17.cluster");
        cmsg_free(&d);
        free(b);

        static uint8_t claim[CMSG_SEG_CLAIM_BYTES], proof[3000];
        for (size_t i = 0; i < sizeof proof; i++) proof[i] = (uint8_t)(i * 31 + 1);
        cmsg_init(&m, CMSG_RESULT);
        m.task_id = 99;
        m.task_kind = CMSG_TASK_PROVE_SEGMENT;
        m.micros = 123456789;
        m.claim = claim;
        m.claim_len = sizeof claim;
        m.proof = proof;
        m.proof_len = sizeof proof;
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.micros, 123456789);
        CU_ASSERT(d.claim_len == sizeof claim && !memcmp(d.claim, claim, sizeof claim));
        CU_ASSERT(d.proof_len == sizeof proof && !memcmp(d.proof, proof, sizeof proof));
        cmsg_free(&d);
        free(b);

        cmsg_init(&m, CMSG_ERROR);
        m.task_id = 4;
        m.task_kind = CMSG_TASK_PROVE_SEGMENT;
        m.code = CAIRN_ERR_FAULT;
        cmsg_set_text(&m, "segment 3: illegal\ninstruction \x01");
        CU_ASSERT_STRING_EQUAL(m.text, "segment 3: illegal?instruction ?");
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.code, CAIRN_ERR_FAULT);
        CU_ASSERT_STRING_EQUAL(d.text, m.text);
        cmsg_free(&d);
        free(b);

        cmsg_init(&m, CMSG_REQUEST);
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL(n, CMSG_HEADER_BYTES);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.kind, CMSG_REQUEST);
        cmsg_free(&d);
        free(b);

        cmsg_init(&m, CMSG_SHUTDOWN);
        m.lost = 3;
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        CU_ASSERT_EQUAL(n, CMSG_HEADER_BYTES + 4);
        CU_ASSERT_EQUAL_FATAL(cmsg_decode(&d, b, n), CAIRN_OK);
        CU_ASSERT_EQUAL(d.kind, CMSG_SHUTDOWN);
        CU_ASSERT_EQUAL(d.lost, 3);
        cmsg_free(&d);
        free(b);
    }
}

static void test_encode_refuses(void)
{
    cmsg m;
    uint8_t *b;
    size_t n;
    cmsg_init(&m, CMSG_TASK); /* no task id */
    CU_ASSERT_EQUAL(cmsg_encode(&b, &n, &m, 0), CAIRN_ERR_USAGE);
    cmsg_init(&m, CMSG_REQUEST);
    m.task_id = 3;
    CU_ASSERT_EQUAL(cmsg_encode(&b, &n, &m, 0), CAIRN_ERR_USAGE);
    cmsg_init(&m, CMSG_ERROR);
    m.code = 1;
    m.text[0] = '\n';
    CU_ASSERT_EQUAL(cmsg_encode(&b, &n, &m, 0), CAIRN_ERR_USAGE);
    cmsg_init(&m, 0);
    CU_ASSERT_EQUAL(cmsg_encode(&b, &n, &m, 0), CAIRN_ERR_USAGE);
}

/* Every truncation and every single-byte flip of a raw and a compressed
 * message is rejected (the checksum covers header and body), never read
 * out of bounds (the sanitizer build runs this too). */
static void test_damage(void)
{
    for (int compress = 0; compress < 2; compress++) {
        cmsg m;
        fill_task(&m, 0);
        uint8_t *b;
        size_t n;
        CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, compress), CAIRN_OK);
        for (size_t len = 0; len < n; len++) {
            cmsg d;
            CU_ASSERT_NOT_EQUAL(cmsg_decode(&d, b, len), CAIRN_OK);
        }
        size_t rejected = 0;
        for (size_t i = 0; i < n; i++) {
            b[i] ^= 0x04;
            cmsg d;
            cairn_err e = cmsg_decode(&d, b, n);
            rejected += e != CAIRN_OK;
            if (e == CAIRN_OK) cmsg_free(&d);
            b[i] ^= 0x04;
        }
        CU_ASSERT_EQUAL(rejected, n);
        free(b);
    }
}

/* Forged fields with a valid checksum: the parser's own checks. */
static void test_forged(void)
{
    cmsg m;
    fill_task(&m, 0);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&b, &n, &m, 0), CAIRN_OK);
    uint8_t *c = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);

#define FORGE(stmt, err, text)                                                                                         \
    do {                                                                                                               \
        memcpy(c, b, n);                                                                                               \
        stmt;                                                                                                          \
        reseal(c, n);                                                                                                  \
        expect_reject(c, n, err, text);                                                                                \
    } while (0)

    expect_reject(b, 10, CAIRN_ERR_FORMAT, "shorter than the 48-byte header");
    FORGE(c[0] = 'X', CAIRN_ERR_FORMAT, "magic");
    FORGE(c[4] = 9, CAIRN_ERR_FORMAT, "version 9");
    FORGE(c[6] = 9, CAIRN_ERR_FORMAT, "unknown kind 9");
    FORGE(c[8] = 5, CAIRN_ERR_FORMAT, "task kind 5");
    FORGE(c[12] = 2, CAIRN_ERR_FORMAT, "unknown flags");
    FORGE(memset(c + 16, 0, 8), CAIRN_ERR_FORMAT, "task id 0");
    FORGE(c[24]++, CAIRN_ERR_FORMAT, "arrived");
    FORGE(c[32]++, CAIRN_ERR_FORMAT, "raw body");
    FORGE(c[12] = 1, CAIRN_ERR_FORMAT, "does not grow");
    FORGE(put_u64(c + 32, (uint64_t)CMSG_MAX_BODY + 1), CAIRN_ERR_FORMAT, "exceeds");
    /* payload length beyond the body, and short of it (trailing bytes) */
    FORGE(put_u64(c + CMSG_HEADER_BYTES + 24, sizeof g_payload + 1), CAIRN_ERR_FORMAT, "payload length 5001 exceeds");
    FORGE(put_u64(c + CMSG_HEADER_BYTES + 24, sizeof g_payload - 1), CAIRN_ERR_FORMAT, "1 trailing body bytes");
    FORGE(put_u64(c + CMSG_HEADER_BYTES + 24, UINT64_MAX), CAIRN_ERR_FORMAT, "payload length");
    memcpy(c, b, n);
    c[n - 1] ^= 1; /* no reseal: checksum */
    expect_reject(c, n, CAIRN_ERR_CORRUPT, "checksum");
    /* a request with a task id; a body on a shutdown */
    cmsg r;
    cmsg_init(&r, CMSG_REQUEST);
    uint8_t *q;
    size_t qn;
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&q, &qn, &r, 0), CAIRN_OK);
    q[16] = 1;
    reseal(q, qn);
    expect_reject(q, qn, CAIRN_ERR_FORMAT, "a request carries no task");
    free(q);
    /* a shutdown without its count, and with a byte more */
    cmsg_init(&r, CMSG_SHUTDOWN);
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&q, &qn, &r, 0), CAIRN_OK);
    put_u64(q + 24, 3);
    put_u64(q + 32, 3);
    reseal(q, qn - 1);
    expect_reject(q, qn - 1, CAIRN_ERR_FORMAT, "lost ranks needs 4 bytes");
    uint8_t *q5 = malloc(qn + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q5);
    memcpy(q5, q, qn);
    q5[qn] = 0;
    put_u64(q5 + 24, 5);
    put_u64(q5 + 32, 5);
    reseal(q5, qn + 1);
    expect_reject(q5, qn + 1, CAIRN_ERR_FORMAT, "1 trailing body bytes");
    free(q5);
    free(q);
    /* error text that is not printable, error code out of range */
    cmsg_init(&r, CMSG_ERROR);
    r.code = CAIRN_ERR_IO;
    cmsg_set_text(&r, "abc");
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&q, &qn, &r, 0), CAIRN_OK);
    q[CMSG_HEADER_BYTES + 9] = 0x07;
    reseal(q, qn);
    expect_reject(q, qn, CAIRN_ERR_FORMAT, "not printable");
    q[CMSG_HEADER_BYTES + 9] = 'b';
    q[CMSG_HEADER_BYTES] = 0;
    reseal(q, qn);
    expect_reject(q, qn, CAIRN_ERR_FORMAT, "not a cairn error");
    q[CMSG_HEADER_BYTES] = (uint8_t)CAIRN_ERR_IO;
    q[CMSG_HEADER_BYTES + 4] = 4; /* text length past the body */
    reseal(q, qn);
    expect_reject(q, qn, CAIRN_ERR_FORMAT, "error text needs 4 bytes");
    free(q);
    /* compressed: a frame whose declared size disagrees */
    CU_ASSERT_EQUAL_FATAL(cmsg_encode(&q, &qn, &m, 1), CAIRN_OK);
    CU_ASSERT_EQUAL(q[12], 1);
    put_u64(q + 32, sizeof g_payload + 24 + 8 + 1);
    reseal(q, qn);
    expect_reject(q, qn, CAIRN_ERR_FORMAT, "zstd frame declares");
    free(q);
#undef FORGE
    free(c);
    free(b);
}

static void test_seg_claim(void)
{
    rv_seg_claim c = {10, {{1, 2, 3, 4}}, {{5, 6, 7, GL_P - 1}}, 1024}, d;
    uint8_t b[CMSG_SEG_CLAIM_BYTES];
    cmsg_seg_claim_encode(b, &c);
    CU_ASSERT_EQUAL_FATAL(cmsg_seg_claim_decode(&d, b, sizeof b), CAIRN_OK);
    CU_ASSERT(!memcmp(&c.start, &d.start, sizeof c.start) && !memcmp(&c.end, &d.end, sizeof c.end));
    CU_ASSERT(d.po2 == 10 && d.cycles == 1024);
    CU_ASSERT_EQUAL(cmsg_seg_claim_decode(&d, b, sizeof b - 1), CAIRN_ERR_FORMAT);
    c.cycles = 1025;
    cmsg_seg_claim_encode(b, &c);
    CU_ASSERT_EQUAL(cmsg_seg_claim_decode(&d, b, sizeof b), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "1025 cycles"));
    c.cycles = 5;
    c.end.v[3] = GL_P;
    cmsg_seg_claim_encode(b, &c);
    CU_ASSERT_EQUAL(cmsg_seg_claim_decode(&d, b, sizeof b), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "end digest element 3"));
    c.end.v[3] = 0;
    c.po2 = 30;
    cmsg_seg_claim_encode(b, &c);
    CU_ASSERT_EQUAL(cmsg_seg_claim_decode(&d, b, sizeof b), CAIRN_ERR_FORMAT);
}

/* Recursion claims, lift and join payloads: round trip; every truncation
 * and every extension refused; non-canonical elements, unknown node
 * kinds, bad preset names and empty proofs refused naming the field. */
static void test_rc_payloads(void)
{
    uint64_t c[CMSG_RC_CLAIM_N], d[CMSG_RC_CLAIM_N];
    for (unsigned i = 0; i < CMSG_RC_CLAIM_N; i++) c[i] = GL_P - 1 - i;
    uint8_t cb[CMSG_RC_CLAIM_BYTES];
    cmsg_rc_claim_encode(cb, c);
    CU_ASSERT_EQUAL_FATAL(cmsg_rc_claim_decode(d, cb, sizeof cb), CAIRN_OK);
    CU_ASSERT(!memcmp(c, d, sizeof c));
    CU_ASSERT_EQUAL(cmsg_rc_claim_decode(d, cb, sizeof cb - 1), CAIRN_ERR_FORMAT);
    c[12] = GL_P;
    cmsg_rc_claim_encode(cb, c);
    CU_ASSERT_EQUAL(cmsg_rc_claim_decode(d, cb, sizeof cb), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "element 12 (cycles)"));
    c[12] = 77;
    c[2] = UINT64_MAX;
    cmsg_rc_claim_encode(cb, c);
    CU_ASSERT_EQUAL(cmsg_rc_claim_decode(d, cb, sizeof cb), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "control root"));
    c[2] = 5;

    static const uint8_t proof[300] = {1, 2, 3};
    cmsg_lift l = {.preset = "test", .seg = {10, {{1, 2, 3, 4}}, {{5, 6, 7, 8}}, 1000}, .proof = proof,
                   .proof_len = sizeof proof}, lo;
    uint8_t *lb;
    size_t llen;
    CU_ASSERT_EQUAL_FATAL(cmsg_lift_encode(&lb, &llen, &l), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(cmsg_lift_decode(&lo, lb, llen), CAIRN_OK);
    CU_ASSERT(!strcmp(lo.preset, "test") && lo.seg.cycles == 1000 && lo.proof_len == sizeof proof &&
              !memcmp(lo.proof, proof, sizeof proof));
    for (size_t n = 0; n < llen; n++) CU_ASSERT_EQUAL(cmsg_lift_decode(&lo, lb, n), CAIRN_ERR_FORMAT);
    uint8_t *big = malloc(llen + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memcpy(big, lb, llen);
    big[llen] = 0;
    CU_ASSERT_EQUAL(cmsg_lift_decode(&lo, big, llen + 1), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "trailing"));
    free(big);
    /* a start digest element (after u32 4 + "test" + po2) of p */
    put_u64(lb + 8 + 4, GL_P);
    CU_ASSERT_EQUAL(cmsg_lift_decode(&lo, lb, llen), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "start digest element 0"));
    put_u64(lb + 8 + 4, 1);
    lb[5] = 0x07; /* the preset name: a control character */
    CU_ASSERT_EQUAL(cmsg_lift_decode(&lo, lb, llen), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "preset name"));
    free(lb);
    l.proof_len = 0;
    CU_ASSERT_EQUAL(cmsg_lift_encode(&lb, &llen, &l), CAIRN_ERR_USAGE);
    l.proof_len = sizeof proof;
    snprintf(l.preset, sizeof l.preset, "%s", "");
    CU_ASSERT_EQUAL(cmsg_lift_encode(&lb, &llen, &l), CAIRN_ERR_USAGE);

    cmsg_join j = {.preset = "proven-100",
                   .left = {CMSG_NODE_LIFT, {0}, proof, 100},
                   .right = {CMSG_NODE_JOIN_JJ, {0}, proof + 100, 200}}, jo;
    memcpy(j.left.claim, c, sizeof c);
    j.right.claim[12] = 9;
    uint8_t *jb;
    size_t jlen;
    CU_ASSERT_EQUAL_FATAL(cmsg_join_encode(&jb, &jlen, &j), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(cmsg_join_decode(&jo, jb, jlen), CAIRN_OK);
    CU_ASSERT(!strcmp(jo.preset, "proven-100") && jo.left.kind == CMSG_NODE_LIFT &&
              jo.right.kind == CMSG_NODE_JOIN_JJ && !memcmp(jo.left.claim, c, sizeof c) && jo.right.claim[12] == 9 &&
              jo.left.proof_len == 100 && jo.right.proof_len == 200 && jo.right.proof == jb + jlen - 200);
    for (size_t n = 0; n < jlen; n++) CU_ASSERT_EQUAL(cmsg_join_decode(&jo, jb, n), CAIRN_ERR_FORMAT);
    const size_t left = 4 + 10; /* the left node's kind */
    jb[left] = CMSG_NODE_NKINDS; /* 0 lift, 1..3 the joins, 4..13 tails' lifts */
    CU_ASSERT_EQUAL(cmsg_join_decode(&jo, jb, jlen), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "left node kind 14"));
    jb[left] = 0;
    put_u64(jb + left + 4 + 8 * 12, GL_P + 5); /* left cycles */
    CU_ASSERT_EQUAL(cmsg_join_decode(&jo, jb, jlen), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "left node"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "cycles"));
    put_u64(jb + left + 4 + 8 * 12, c[12]);
    put_u64(jb + left + 4 + CMSG_RC_CLAIM_BYTES, 0); /* left proof length 0 */
    CU_ASSERT_EQUAL(cmsg_join_decode(&jo, jb, jlen), CAIRN_ERR_FORMAT);
    put_u64(jb + left + 4 + CMSG_RC_CLAIM_BYTES, UINT64_MAX); /* beyond the payload */
    CU_ASSERT_EQUAL(cmsg_join_decode(&jo, jb, jlen), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "left node proof"));
    free(jb);
    j.right.claim[0] = GL_P;
    CU_ASSERT_EQUAL(cmsg_join_encode(&jb, &jlen, &j), CAIRN_ERR_USAGE);
    CU_ASSERT_STRING_EQUAL(cmsg_task_kind_name(CMSG_TASK_LIFT), "lift");
    CU_ASSERT_STRING_EQUAL(cmsg_task_kind_name(CMSG_TASK_JOIN), "join");
}

/* The task table on a real segment: run, expect, check; a wrong claim and
 * a damaged proof are refused by check. */
static uint8_t *g_snap;
static size_t g_snap_len;

static cairn_err first_segment(void *arg, const rv_snapshot *s)
{
    (void)arg;
    if (g_snap) return CAIRN_OK;
    return rv_snapshot_encode(&g_snap, &g_snap_len, s);
}

/* LIFT and JOIN of the task table on the real segment proof (seg_claim,
 * seg_proof): the lift runs, its result passes check; a result with
 * another control root or cycle count, or a flipped proof byte, is
 * refused naming what is wrong. A join of the lift with itself: its
 * expected claim has twice the cycles (the lift's claim is refused
 * naming them), and running it fails (the two do not chain). */
static void check_recursion(const uint8_t *seg_claim, size_t seg_claim_len, const uint8_t *seg_proof,
                            size_t seg_proof_len, const cmsg_params *p)
{
    const wrk_task_ops *lift = wrk_task_lookup(CMSG_TASK_LIFT), *join = wrk_task_lookup(CMSG_TASK_JOIN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lift);
    CU_ASSERT_PTR_NOT_NULL_FATAL(join);
    cmsg_lift l = {.preset = "test", .proof = seg_proof, .proof_len = seg_proof_len};
    CU_ASSERT_EQUAL_FATAL(cmsg_seg_claim_decode(&l.seg, seg_claim, seg_claim_len), CAIRN_OK);
    uint8_t *payload, *claim, *proof;
    size_t payload_len, claim_len, proof_len;
    CU_ASSERT_EQUAL_FATAL(cmsg_lift_encode(&payload, &payload_len, &l), CAIRN_OK);
    cairn_err e = lift->run(&claim, &claim_len, &proof, &proof_len, payload, payload_len, p);
    if (e) fprintf(stderr, "\n  %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    void *exp;
    CU_ASSERT_EQUAL_FATAL(lift->expect(&exp, payload, payload_len, p), CAIRN_OK);
    CU_ASSERT_EQUAL(lift->check(exp, claim, claim_len, proof, proof_len, p), CAIRN_OK);
    uint64_t rc[CMSG_RC_CLAIM_N];
    CU_ASSERT_EQUAL_FATAL(cmsg_rc_claim_decode(rc, claim, claim_len), CAIRN_OK);
    uint8_t forged[CMSG_RC_CLAIM_BYTES];
    static const struct {
        unsigned i;
        const char *what;
    } parts[] = {{0, "control root"}, {5, "start digest"}, {11, "end digest"}, {12, "cycle count"}};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        uint64_t f[CMSG_RC_CLAIM_N];
        memcpy(f, rc, sizeof f);
        f[parts[k].i] = (f[parts[k].i] + 1) % GL_P;
        cmsg_rc_claim_encode(forged, f);
        CU_ASSERT_EQUAL(lift->check(exp, forged, sizeof forged, proof, proof_len, p), CAIRN_ERR_VERIFY);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), parts[k].what));
    }
    proof[proof_len / 2] ^= 0x10; /* CAIRN_TEST_WORKER_CORRUPT */
    CU_ASSERT_NOT_EQUAL(lift->check(exp, claim, claim_len, proof, proof_len, p), CAIRN_OK);
    proof[proof_len / 2] ^= 0x10;
    /* a lift payload of another po2 than the job's */
    cmsg_params p9 = *p;
    p9.po2 = 9;
    void *exp9 = NULL;
    CU_ASSERT_EQUAL(lift->expect(&exp9, payload, payload_len, &p9), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "a segment of po2 8 in a job of po2 9"));
    free(exp);
    free(payload);

    cmsg_join j = {.preset = "test", .left = {CMSG_NODE_LIFT, {0}, proof, proof_len},
                   .right = {CMSG_NODE_LIFT, {0}, proof, proof_len}};
    memcpy(j.left.claim, rc, sizeof rc);
    memcpy(j.right.claim, rc, sizeof rc);
    CU_ASSERT_EQUAL_FATAL(cmsg_join_encode(&payload, &payload_len, &j), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(join->expect(&exp, payload, payload_len, p), CAIRN_OK);
    CU_ASSERT_EQUAL(join->check(exp, claim, claim_len, proof, proof_len, p), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "join of lifts claim: its cycle count"));
    uint8_t *jc = NULL, *jp = NULL;
    size_t jcl, jpl;
    CU_ASSERT_NOT_EQUAL(join->run(&jc, &jcl, &jp, &jpl, payload, payload_len, p), CAIRN_OK);
    CU_ASSERT_PTR_NULL(jp);
    free(exp);
    free(payload);
    /* a lift left of a join: the fold makes none, there is no program */
    j.right.kind = CMSG_NODE_JOIN_LL;
    CU_ASSERT_EQUAL_FATAL(cmsg_join_encode(&payload, &payload_len, &j), CAIRN_OK);
    exp = NULL;
    CU_ASSERT_EQUAL(join->expect(&exp, payload, payload_len, p), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "a lift left of a join of lifts"));
    CU_ASSERT_PTR_NULL(exp);
    free(payload);
    free(claim);
    free(proof);
}

static void test_task_table(void)
{
    CU_ASSERT_PTR_NULL(wrk_task_lookup(CMSG_TASK_NONE));
    CU_ASSERT_PTR_NULL(wrk_task_lookup(CMSG_TASK_NKINDS));
    const wrk_task_ops *ops = wrk_task_lookup(CMSG_TASK_PROVE_SEGMENT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    rv_program *prog = seg_program(40);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_budget budget;
    rv_air_budget(&budget, 8);
    static const uint8_t input[16] = {1, 2, 3};
    rv_config cfg = {.segment_po2 = 8, .budget = &budget, .input = input, .input_len = sizeof input,
                     .on_segment = first_segment};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g_snap);
    stark_params sp;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&sp, "test"), CAIRN_OK);
    cmsg_params p;
    cmsg_params_set(&p, 8, &sp);
    uint8_t *claim, *proof;
    size_t claim_len, proof_len;
    cairn_err e = ops->run(&claim, &claim_len, &proof, &proof_len, g_snap, g_snap_len, &p);
    if (e) fprintf(stderr, "\n  %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    void *exp;
    CU_ASSERT_EQUAL_FATAL(ops->expect(&exp, g_snap, g_snap_len, &p), CAIRN_OK);
    CU_ASSERT_EQUAL(ops->check(exp, claim, claim_len, proof, proof_len, &p), CAIRN_OK);
    /* another end digest, the same proof */
    claim[36] ^= 1;
    CU_ASSERT_EQUAL(ops->check(exp, claim, claim_len, proof, proof_len, &p), CAIRN_ERR_VERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "end digest"));
    claim[36] ^= 1;
    proof[proof_len / 2] ^= 0x10; /* what CAIRN_TEST_WORKER_CORRUPT does */
    CU_ASSERT_NOT_EQUAL(ops->check(exp, claim, claim_len, proof, proof_len, &p), CAIRN_OK);
    proof[proof_len / 2] ^= 0x10;
    /* a job of another po2 refuses the snapshot */
    cmsg_params p9 = p;
    p9.po2 = 9;
    uint8_t *c2 = NULL, *p2 = NULL;
    size_t l1, l2;
    CU_ASSERT_EQUAL(ops->run(&c2, &l1, &p2, &l2, g_snap, g_snap_len, &p9), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "po2 8 in a job of po2 9"));
    free(exp);
    check_recursion(claim, claim_len, proof, proof_len, &p);
    free(claim);
    free(proof);
    free(g_snap);
    rv_program_free(prog);
    rc_fold_release();
    rv_air_keys_release();
}

static void test_hooks(void)
{
    wrk_hooks h;
    setenv("CAIRN_TEST_WORKER_FAIL", "1,3", 1);
    setenv("CAIRN_TEST_WORKER_KILL", "all:2", 1);
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 3), CAIRN_OK);
    CU_ASSERT(h.fail && h.kill_after == 2 && !h.corrupt);
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 2), CAIRN_OK);
    CU_ASSERT(!h.fail && h.kill_after == 2);
    setenv("CAIRN_TEST_WORKER_FAIL", "1;3", 1);
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 3), CAIRN_ERR_USAGE);
    setenv("CAIRN_TEST_WORKER_FAIL", "1:3", 1);
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 3), CAIRN_ERR_USAGE);
    unsetenv("CAIRN_TEST_WORKER_FAIL");
    setenv("CAIRN_TEST_WORKER_KILL", "2", 1);
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 2), CAIRN_ERR_USAGE);
    unsetenv("CAIRN_TEST_WORKER_KILL");
    CU_ASSERT_EQUAL(wrk_hooks_from_env(&h, 2), CAIRN_OK);
    CU_ASSERT(!h.fail && h.kill_after == -1 && !h.stall_sec && !h.bad_vk);
}

int main(void)
{
    static const test_case cases[] = {
        {"every kind round-trips, raw and compressed", test_roundtrip},
        {"the encoder refuses what the parser would", test_encode_refuses},
        {"truncated and flipped messages are rejected", test_damage},
        {"forged fields are rejected, naming the field", test_forged},
        {"segment claims", test_seg_claim},
        {"recursion claims, lift and join payloads", test_rc_payloads},
        {"task table: prove, expect, check a segment, lift it, join", test_task_table},
        {"test hooks from the environment", test_hooks},
        {NULL, NULL},
    };
    return test_run_suite("mpi_msg", cases);
}
