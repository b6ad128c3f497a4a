/* libFuzzer harness for the MPI message parser (worker/msg.c): arbitrary
 * bytes must decode or be refused, never crash or read out of bounds; what
 * decodes must re-encode to a message that decodes to the same fields (the
 * same bytes when it was raw: the raw encoding is canonical); a RESULT's
 * claim bytes go through the segment-claim parser too, a LIFT or JOIN
 * task's payload through its payload parser and a LIFT or JOIN result's
 * claim through the recursion-claim parser (what decodes must re-encode
 * to the same bytes: those encodings are canonical).
 *
 * Input modes (first byte):
 *   bit 0 clear: the bytes after it are the message;
 *   bit 0 set:   bits 1..3 and 6 pick one of the valid template messages
 *                (one per kind, compressed and raw; lift and join tasks
 *                and results), bytes 1..2 say where to start
 *                XORing the rest onto it, and byte 0's bit 4 truncates it
 *                there;
 *   bit 5 set:   the checksum is recomputed before parsing, so that
 *                mutations get past it to the length checks of the body
 *                (the parser must hold on its own, not rely on the
 *                checksum). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#include "worker/msg.h"

#define NTEMPLATES 12
static uint8_t *g_tmpl[NTEMPLATES];
static size_t g_tlen[NTEMPLATES];

static void make_templates(void)
{
    static uint8_t payload[2000], claim[CMSG_SEG_CLAIM_BYTES], proof[700], rc_claim[CMSG_RC_CLAIM_BYTES];
    for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i / 64);
    for (size_t i = 0; i < sizeof proof; i++) proof[i] = (uint8_t)(i * 37 + 11);
    rv_seg_claim c = {10, {{1, 2, 3, 4}}, {{5, 6, 7, 8}}, 1000};
    cmsg_seg_claim_encode(claim, &c);
    cmsg m[NTEMPLATES];
    int compress[NTEMPLATES] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    cmsg_init(&m[0], CMSG_HELLO);
    m[0].rank = 2;
    m[0].threads = 4;
    m[0].params = (cmsg_params){10, 1, 2, 0, 1, 0};
    memcpy(m[0].build, "cairn", 6);
    m[0].mem_need = UINT64_C(1) << 30;
    m[0].mem_limit = UINT64_C(8) << 30;
    memcpy(m[0].host, "node1", 6);
    cmsg_init(&m[1], CMSG_TASK);
    m[1].task_id = 3;
    m[1].task_kind = CMSG_TASK_PROVE_SEGMENT;
    m[1].payload = payload;
    m[1].payload_len = 100;
    m[2] = m[1];
    m[2].payload_len = sizeof payload;
    cmsg_init(&m[3], CMSG_RESULT);
    m[3].task_id = 3;
    m[3].task_kind = CMSG_TASK_PROVE_SEGMENT;
    m[3].micros = 5;
    m[3].claim = claim;
    m[3].claim_len = sizeof claim;
    m[3].proof = proof;
    m[3].proof_len = sizeof proof;
    cmsg_init(&m[4], CMSG_ERROR);
    m[4].task_id = 3;
    m[4].task_kind = CMSG_TASK_PROVE_SEGMENT;
    m[4].code = CAIRN_ERR_FAULT;
    cmsg_set_text(&m[4], "segment 3: fault");
    cmsg_init(&m[5], CMSG_REQUEST);
    cmsg_init(&m[6], CMSG_SHUTDOWN);
    cmsg_init(&m[7], CMSG_ERROR);
    m[7].code = CAIRN_ERR_UNSUPPORTED;
    cmsg_set_text(&m[7], "refused");
    /* recursion: a lift task, a join task, their results */
    uint64_t rc[CMSG_RC_CLAIM_N];
    for (unsigned i = 0; i < CMSG_RC_CLAIM_N; i++) rc[i] = 1000 + i;
    cmsg_rc_claim_encode(rc_claim, rc);
    cmsg_lift l = {.preset = "test", .seg = c, .proof = proof, .proof_len = 300};
    cmsg_join j = {.preset = "test", .left = {0, {0}, proof, 200}, .right = {1, {0}, proof + 200, 100}};
    memcpy(j.left.claim, rc, sizeof rc);
    memcpy(j.right.claim, rc, sizeof rc);
    static uint8_t *lift_payload, *join_payload;
    size_t lift_len, join_len;
    if (cmsg_lift_encode(&lift_payload, &lift_len, &l) != CAIRN_OK) abort();
    if (cmsg_join_encode(&join_payload, &join_len, &j) != CAIRN_OK) abort();
    cmsg_init(&m[8], CMSG_TASK);
    m[8].task_id = 4;
    m[8].task_kind = CMSG_TASK_LIFT;
    m[8].payload = lift_payload;
    m[8].payload_len = lift_len;
    m[9] = m[8];
    m[9].task_kind = CMSG_TASK_JOIN;
    m[9].payload = join_payload;
    m[9].payload_len = join_len;
    for (int i = 10; i < 12; i++) {
        m[i] = m[3];
        m[i].task_kind = i == 10 ? CMSG_TASK_LIFT : CMSG_TASK_JOIN;
        m[i].claim = rc_claim;
        m[i].claim_len = sizeof rc_claim;
    }
    for (int i = 0; i < NTEMPLATES; i++)
        if (cmsg_encode(&g_tmpl[i], &g_tlen[i], &m[i], compress[i]) != CAIRN_OK) abort();
    if (g_tmpl[2][12] != 1) abort(); /* the compressed template must be compressed */
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int same(const cmsg *a, const cmsg *b)
{
    return a->kind == b->kind && a->task_kind == b->task_kind && a->task_id == b->task_id && a->rank == b->rank &&
           a->threads == b->threads && !memcmp(a->digest, b->digest, sizeof a->digest) &&
           !strcmp(a->build, b->build) && cmsg_params_eq(&a->params, &b->params) &&
           a->payload_len == b->payload_len && (!a->payload_len || !memcmp(a->payload, b->payload, a->payload_len)) &&
           a->micros == b->micros && a->claim_len == b->claim_len &&
           (!a->claim_len || !memcmp(a->claim, b->claim, a->claim_len)) && a->proof_len == b->proof_len &&
           (!a->proof_len || !memcmp(a->proof, b->proof, a->proof_len)) && a->code == b->code &&
           !strcmp(a->text, b->text);
}

/* A LIFT or JOIN payload that decodes re-encodes to the same bytes. */
static void payloads(const cmsg *m)
{
    uint8_t *enc = NULL;
    size_t elen = 0;
    cmsg_lift l;
    cmsg_join j;
    if (m->task_kind == CMSG_TASK_LIFT && cmsg_lift_decode(&l, m->payload, m->payload_len) == CAIRN_OK) {
        if (cmsg_lift_encode(&enc, &elen, &l) != CAIRN_OK) abort();
    } else if (m->task_kind == CMSG_TASK_JOIN && cmsg_join_decode(&j, m->payload, m->payload_len) == CAIRN_OK) {
        if (cmsg_join_encode(&enc, &elen, &j) != CAIRN_OK) abort();
    } else {
        return;
    }
    if (elen != m->payload_len || memcmp(enc, m->payload, elen)) abort();
    free(enc);
}

static void check(uint8_t *buf, size_t len, int reseal)
{
    if (reseal && len >= CMSG_HEADER_BYTES)
        put_u64(buf + 40, cmsg_checksum(buf, 40, buf + CMSG_HEADER_BYTES, len - CMSG_HEADER_BYTES));
    cmsg m;
    if (cmsg_decode(&m, buf, len) != CAIRN_OK) {
        if (m.owned_) abort(); /* a failed decode owns nothing */
        return;
    }
    if (m.kind == CMSG_RESULT) {
        rv_seg_claim c;
        (void)cmsg_seg_claim_decode(&c, m.claim, m.claim_len);
        uint64_t rc[CMSG_RC_CLAIM_N];
        uint8_t again[CMSG_RC_CLAIM_BYTES];
        if (cmsg_rc_claim_decode(rc, m.claim, m.claim_len) == CAIRN_OK) {
            cmsg_rc_claim_encode(again, rc);
            if (memcmp(again, m.claim, sizeof again)) abort();
        }
    }
    if (m.kind == CMSG_TASK) payloads(&m);
    int compressed = buf[12] & 1;
    uint8_t *enc;
    size_t elen;
    if (cmsg_encode(&enc, &elen, &m, compressed) != CAIRN_OK) abort();
    if (!compressed && (elen != len || memcmp(enc, buf, len))) abort();
    cmsg d;
    if (cmsg_decode(&d, enc, elen) != CAIRN_OK || !same(&m, &d)) abort();
    cmsg_free(&d);
    cmsg_free(&m);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tmpl[0]) make_templates();
    if (size == 0) return 0;
    const int reseal = (data[0] >> 5) & 1, t = (((data[0] >> 1) & 7) | ((data[0] >> 3) & 8)) % NTEMPLATES;
    size_t n;
    uint8_t *b = fuzz_input(&n, data, size, g_tmpl[t], g_tlen[t], data[0] & 0x10);
    check(b, n, reseal);
    free(b);
    return 0;
}
