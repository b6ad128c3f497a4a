/* libFuzzer harness for the record parser of a job's record folder
 * (jobs/jobs_rec.c): arbitrary bytes must decode or be refused, never
 * crash or read out of bounds, and whatever decodes must re-encode to
 * exactly the same bytes (the encoding is canonical).
 *
 * Input modes (first byte):
 *   bit 0 clear: the bytes after it are the record (decoded as every kind);
 *   bit 0 set:   bits 1, 2 and 5 pick a valid template record (a job
 *                description, a proven segment, an executed segment, a
 *                proven segment with its timing tail, an executed one
 *                with its execution time, an attempts record, a fold
 *                node),
 *                bytes 1..2 say where to start XORing the rest onto it,
 *                and bit 3 truncates it there;
 *   bit 4 set:   the checksum is recomputed before parsing, so that
 *                mutations get past it to the field and length checks
 *                (the parser must hold on its own, not rely on the
 *                checksum). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#include "jobs/jobs_rec.h"

#define NTEMPLATES 7
static uint8_t *g_tmpl[NTEMPLATES];
static size_t g_tlen[NTEMPLATES];

static void make_templates(void)
{
    static uint8_t elf[300], snap[500], proof[400];
    for (size_t i = 0; i < sizeof elf; i++) elf[i] = (uint8_t)(i * 3);
    for (size_t i = 0; i < sizeof snap; i++) snap[i] = (uint8_t)(i / 7);
    for (size_t i = 0; i < sizeof proof; i++) proof[i] = (uint8_t)(i * 37 + 11);
    jobs_rec_job j;
    memset(&j, 0, sizeof j);
    j.segment_po2 = 10;
    j.log_blowup = 1;
    j.queries = 20;
    strcpy(j.preset, "test");
    j.image_id[3] = 1;
    j.entry = 0x10000;
    j.elf = elf;
    j.elf_len = sizeof elf;
    jobs_rec_seg s;
    memset(&s, 0, sizeof s);
    s.index = 7;
    s.proven = 1;
    s.rank = 2;
    s.task_ns = 1000;
    s.claim_po2 = 10;
    s.claim_start[0] = 1;
    s.claim_end[0] = 2;
    s.claim_cycles = 1024;
    s.snapshot = snap;
    s.snapshot_len = sizeof snap;
    s.proof = proof;
    s.proof_len = sizeof proof;
    jobs_rec_seg e;
    memset(&e, 0, sizeof e);
    e.index = 8;
    e.snapshot = snap;
    e.snapshot_len = sizeof snap;
    jobs_rec_seg st = s, et = e;
    st.exec_ns = UINT64_C(1764000000000000000);
    st.start_ns = st.exec_ns + 123456;
    et.exec_ns = st.exec_ns;
    const jobs_rec_attempt att[3] = {{41, 0, st.exec_ns, 5000000000u},
                                     {41, 1, st.exec_ns + 9000000000u, 0},
                                     {0, 0, UINT64_MAX - 7, 7}};
    jobs_rec_fold fo = {.level = 2, .kind = 1, .index = 3, .task_ns = 777, .proof = proof, .proof_len = sizeof proof};
    for (unsigned i = 0; i < JOBS_REC_FOLD_CLAIM; i++) fo.claim[i] = UINT64_C(0x1234567) * (i + 1);
    if (jobs_rec_encode_job(&g_tmpl[0], &g_tlen[0], &j) != CAIRN_OK ||
        jobs_rec_encode_seg(&g_tmpl[1], &g_tlen[1], &s) != CAIRN_OK ||
        jobs_rec_encode_seg(&g_tmpl[2], &g_tlen[2], &e) != CAIRN_OK ||
        jobs_rec_encode_seg(&g_tmpl[3], &g_tlen[3], &st) != CAIRN_OK ||
        jobs_rec_encode_seg(&g_tmpl[4], &g_tlen[4], &et) != CAIRN_OK ||
        jobs_rec_encode_attempts(&g_tmpl[5], &g_tlen[5], att, 3) != CAIRN_OK ||
        jobs_rec_encode_fold(&g_tmpl[6], &g_tlen[6], &fo) != CAIRN_OK)
        abort();
}

static void reseal(uint8_t *b, size_t n)
{
    if (n < JOBS_REC_TRAILER_BYTES) return;
    uint64_t c = jobs_crc64(0, b, n - JOBS_REC_TRAILER_BYTES);
    for (int i = 0; i < 8; i++) b[n - JOBS_REC_TRAILER_BYTES + i] = (uint8_t)(c >> (8 * i));
}

static void check(const uint8_t *buf, size_t len)
{
    jobs_rec_job j;
    if (jobs_rec_decode_job(&j, buf, len) == CAIRN_OK) {
        uint8_t *enc;
        size_t n;
        if (jobs_rec_encode_job(&enc, &n, &j) != CAIRN_OK || n != len || memcmp(enc, buf, len)) abort();
        free(enc);
    }
    jobs_rec_seg s;
    if (jobs_rec_decode_seg(&s, buf, len) == CAIRN_OK) {
        uint8_t *enc;
        size_t n;
        if (jobs_rec_encode_seg(&enc, &n, &s) != CAIRN_OK || n != len || memcmp(enc, buf, len)) abort();
        free(enc);
    }
    jobs_rec_fold f;
    if (jobs_rec_decode_fold(&f, buf, len) == CAIRN_OK) {
        uint8_t *enc;
        size_t n;
        if (jobs_rec_encode_fold(&enc, &n, &f) != CAIRN_OK || n != len || memcmp(enc, buf, len)) abort();
        free(enc);
    }
    static jobs_rec_attempt a[JOBS_REC_MAX_ATTEMPTS];
    size_t na;
    if (jobs_rec_decode_attempts(a, &na, buf, len) == CAIRN_OK) {
        uint8_t *enc;
        size_t n;
        if (jobs_rec_encode_attempts(&enc, &n, a, na) != CAIRN_OK || n != len || memcmp(enc, buf, len)) abort();
        free(enc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tmpl[0]) make_templates();
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const unsigned t = (((mode >> 1) & 3u) | ((mode >> 3) & 4u)) % NTEMPLATES;
    size_t n;
    uint8_t *exact = fuzz_input(&n, data, size, g_tmpl[t], g_tlen[t], mode & 8);
    if (mode & 16) reseal(exact, n);
    check(exact, n);
    free(exact);
    return 0;
}
