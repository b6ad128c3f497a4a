/* jobs/ (jobs.h, jobs_rec.h): the record format, the input digest, the
 * executor's step interface (rv_run_segment), and a job's stored state:
 * results out of order, what is missing, resume against the stored
 * description, damaged records set aside, checkpoints and the finished
 * job file. No proofs are made here: results carry stand-in proof bytes
 * (the store does not verify; jobs_reuse does, and must refuse them), so
 * the suite runs in well under a second; tests/cli/run_resume.sh covers
 * real proofs and crashes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/progs.h"
#include "jobs/jobs.h"
#include "testutil.h"

#define PO2 10

/* ---- the record format ---- */

/* Field by field: the struct has padding, which memcmp would compare. */
static int claim_same(const h5s_claim *a, const h5s_claim *b)
{
    return a->po2 == b->po2 && a->cycles == b->cycles && !memcmp(a->start, b->start, sizeof a->start) &&
           !memcmp(a->end, b->end, sizeof a->end);
}

static void t_crc64(void)
{
    /* the CRC-64/XZ check value */
    CU_ASSERT_EQUAL(jobs_crc64(0, "123456789", 9), UINT64_C(0x995dc9bbdf1939fa));
    CU_ASSERT_EQUAL(jobs_crc64(0, "", 0), 0);
    /* continuing over a split gives the same */
    CU_ASSERT_EQUAL(jobs_crc64(jobs_crc64(0, "1234", 4), "56789", 5), UINT64_C(0x995dc9bbdf1939fa));
}

static uint8_t g_snap[300], g_proof[200], g_elf[100];

static jobs_rec_seg sample_seg(int proven)
{
    for (size_t i = 0; i < sizeof g_snap; i++) g_snap[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof g_proof; i++) g_proof[i] = (uint8_t)(i * 13 + 5);
    jobs_rec_seg s;
    memset(&s, 0, sizeof s);
    s.index = 42;
    s.snapshot = g_snap;
    s.snapshot_len = sizeof g_snap;
    if (proven) {
        s.proven = 1;
        s.rank = 3;
        s.task_ns = 123456789;
        s.claim_po2 = PO2;
        for (int i = 0; i < 32; i++) {
            s.claim_start[i] = (uint8_t)i;
            s.claim_end[i] = (uint8_t)(100 + i);
        }
        s.claim_cycles = 1000;
        s.proof = g_proof;
        s.proof_len = sizeof g_proof;
    }
    return s;
}

static jobs_rec_job sample_job(void)
{
    for (size_t i = 0; i < sizeof g_elf; i++) g_elf[i] = (uint8_t)(i ^ 0x5a);
    jobs_rec_job j;
    memset(&j, 0, sizeof j);
    j.segment_po2 = PO2;
    j.log_blowup = 1;
    j.queries = 20;
    j.pow_bits = 4;
    j.log_arity = 2;
    j.log_final_len = 3;
    strcpy(j.preset, "test");
    j.image_id[0] = 9;
    j.entry = 0x10000;
    j.input_digest[31] = 7;
    j.elf = g_elf;
    j.elf_len = sizeof g_elf;
    return j;
}

/* Timing variants of the sample records: none, execution only, both. */
#define T0 UINT64_C(1764000000000000000)
static void set_timing(jobs_rec_seg *s, int variant)
{
    s->exec_ns = variant >= 1 ? T0 : 0;
    s->start_ns = variant == 2 && s->proven ? T0 + 5000 : 0;
}

static void t_rec_roundtrip(void)
{
    for (int k = 0; k < 6; k++) {
        int proven = k & 1, timing = k >> 1;
        jobs_rec_seg s = sample_seg(proven), d;
        set_timing(&s, timing);
        int timed = s.exec_ns || s.start_ns;
        uint8_t *b, *b2;
        size_t n, n2;
        CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_OK);
        CU_ASSERT_EQUAL(n, JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES + 116 + s.snapshot_len + s.proof_len +
                               (timed ? 16 : 0));
        CU_ASSERT_EQUAL_FATAL(jobs_rec_decode_seg(&d, b, n), CAIRN_OK);
        CU_ASSERT(d.index == 42 && d.proven == proven && d.rank == s.rank && d.task_ns == s.task_ns);
        CU_ASSERT(d.exec_ns == s.exec_ns && d.start_ns == s.start_ns);
        CU_ASSERT(d.claim_cycles == s.claim_cycles && !memcmp(d.claim_end, s.claim_end, 32));
        CU_ASSERT(d.snapshot_len == sizeof g_snap && !memcmp(d.snapshot, g_snap, sizeof g_snap));
        CU_ASSERT(d.proof_len == s.proof_len && (!proven || !memcmp(d.proof, g_proof, sizeof g_proof)));
        CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&b2, &n2, &d), CAIRN_OK);
        CU_ASSERT(n2 == n && !memcmp(b, b2, n));
        /* a job description is not a segment result, nor the reverse */
        jobs_rec_job jd;
        CU_ASSERT_EQUAL(jobs_rec_decode_job(&jd, b, n), CAIRN_ERR_FORMAT);
        free(b);
        free(b2);
    }
    jobs_rec_job j = sample_job(), d;
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_job(&b, &n, &j), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(jobs_rec_decode_job(&d, b, n), CAIRN_OK);
    CU_ASSERT(!strcmp(d.preset, "test") && d.queries == 20 && d.segment_po2 == PO2 && d.entry == 0x10000);
    CU_ASSERT(d.elf_len == sizeof g_elf && !memcmp(d.elf, g_elf, sizeof g_elf) && d.input_digest[31] == 7);
    free(b);
    /* what the format cannot hold */
    strcpy(j.preset, ".hidden");
    CU_ASSERT_EQUAL(jobs_rec_encode_job(&b, &n, &j), CAIRN_ERR_USAGE);
    jobs_rec_seg s = sample_seg(0);
    s.rank = 1; /* not proven: no rank */
    CU_ASSERT_EQUAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_ERR_USAGE);
    s = sample_seg(0);
    s.start_ns = T0; /* not proven: no task, no start */
    CU_ASSERT_EQUAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_ERR_USAGE);
    s = sample_seg(1);
    s.start_ns = UINT64_MAX - s.task_ns + 1; /* ends past 2^64 */
    CU_ASSERT_EQUAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_ERR_USAGE);
    s.proof_len = 0;
    s.start_ns = 0;
    CU_ASSERT_EQUAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_ERR_USAGE);
}

static void put_le(uint8_t *p, uint64_t v, int bytes);
static void reseal(uint8_t *b, size_t n);

/* A proven segment record as written before the timing tail existed,
 * laid out by hand from the version 1 layout: it reads with unknown
 * times, and re-encodes to the same bytes. */
static void t_rec_old(void)
{
    jobs_rec_seg s = sample_seg(1), d;
    const size_t body = 116 + sizeof g_snap + sizeof g_proof, n = 24 + body + 8;
    uint8_t *b = calloc(1, n), *p = b;
    memcpy(p, "CAIRNREC", 8);
    put_le(p + 8, 1, 4);
    put_le(p + 12, 2, 4);
    put_le(p + 16, body, 8);
    p += 24;
    put_le(p, s.index, 8);
    put_le(p + 8, 1, 4);
    put_le(p + 12, s.rank, 4);
    put_le(p + 16, s.task_ns, 8);
    put_le(p + 24, s.claim_po2, 4);
    memcpy(p + 28, s.claim_start, 32);
    memcpy(p + 60, s.claim_end, 32);
    put_le(p + 92, s.claim_cycles, 8);
    put_le(p + 100, sizeof g_snap, 8);
    put_le(p + 108, sizeof g_proof, 8);
    memcpy(p + 116, g_snap, sizeof g_snap);
    memcpy(p + 116 + sizeof g_snap, g_proof, sizeof g_proof);
    reseal(b, n);
    CU_ASSERT_EQUAL_FATAL(jobs_rec_decode_seg(&d, b, n), CAIRN_OK);
    CU_ASSERT(d.proven && d.rank == 3 && d.task_ns == 123456789 && d.exec_ns == 0 && d.start_ns == 0);
    CU_ASSERT(d.proof_len == sizeof g_proof && !memcmp(d.proof, g_proof, sizeof g_proof));
    uint8_t *e;
    size_t en;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&e, &en, &d), CAIRN_OK);
    CU_ASSERT(en == n && !memcmp(e, b, n));
    free(e);
    free(b);
}

/* Writes the checksum of a record whose bytes were edited on purpose. */
static void reseal(uint8_t *b, size_t n)
{
    uint64_t c = jobs_crc64(0, b, n - 8);
    for (int i = 0; i < 8; i++) b[n - 8 + i] = (uint8_t)(c >> (8 * i));
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Fold records' kinds (rc_fold.h): a level-0 node is a lift, the run's
 * or a tail's (kinds 0 and 4..13); above it any kind; 14 and up none.
 * The encoder refuses what the decoder refuses. */
static void t_rec_fold_kinds(void)
{
    uint8_t proof[3] = {1, 2, 3};
    static const struct {
        unsigned level, kind;
        int ok;
    } cases[] = {{0, 0, 1},  {0, JOBS_REC_FOLD_TAIL0, 1}, {0, JOBS_REC_FOLD_KINDS - 1, 1}, {0, 1, 0}, {0, 3, 0},
                 {1, 2, 1},  {2, JOBS_REC_FOLD_TAIL0, 1}, {0, JOBS_REC_FOLD_KINDS, 0},     {1, JOBS_REC_FOLD_KINDS, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        jobs_rec_fold f = {.level = cases[i].level, .kind = cases[i].kind, .index = 0, .proof = proof,
                           .proof_len = sizeof proof}, d;
        uint8_t *b = NULL;
        size_t n = 0;
        cairn_err e = jobs_rec_encode_fold(&b, &n, &f);
        CU_ASSERT_EQUAL(e, cases[i].ok ? CAIRN_OK : CAIRN_ERR_USAGE);
        if (e == CAIRN_OK) {
            CU_ASSERT(jobs_rec_decode_fold(&d, b, n) == CAIRN_OK && d.kind == f.kind && d.level == f.level);
            free(b);
            continue;
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "fold record: kind"));
        /* the same record with a right checksum over it: refused on decode */
        f.kind = 0;
        f.level = 0;
        CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_fold(&b, &n, &f), CAIRN_OK);
        put_le(b + JOBS_REC_HEADER_BYTES, cases[i].level, 4);
        put_le(b + JOBS_REC_HEADER_BYTES + 4, cases[i].kind, 4);
        reseal(b, n);
        CU_ASSERT_EQUAL(jobs_rec_decode_fold(&d, b, n), CAIRN_ERR_FORMAT);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "fold record: kind"));
        free(b);
    }
}

static void t_rec_damage(void)
{
    jobs_rec_seg s = sample_seg(1), d;
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&b, &n, &s), CAIRN_OK);
    /* every truncation and an extension */
    for (size_t k = 0; k < n; k++) CU_ASSERT_NOT_EQUAL(jobs_rec_decode_seg(&d, b, k), CAIRN_OK);
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, b, n);
    longer[n] = 0;
    CU_ASSERT_EQUAL(jobs_rec_decode_seg(&d, longer, n + 1), CAIRN_ERR_FORMAT);
    free(longer);
    /* every single-bit flip */
    int missed = 0;
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            if (jobs_rec_decode_seg(&d, b, n) == CAIRN_OK) missed++;
            b[i] ^= (uint8_t)(1u << bit);
        }
    CU_ASSERT_EQUAL(missed, 0);
    /* right checksums over wrong contents: the field checks */
    const size_t body = JOBS_REC_HEADER_BYTES;
    uint8_t *c = malloc(n);
    struct {
        size_t off;
        uint64_t v;
        int bytes;
    } edits[] = {
        {body + 8, 2, 4},                         /* unknown flag */
        {body, JOBS_REC_MAX_SEGMENTS, 8},         /* index too large */
        {body + 92, 0, 8},                        /* claim of 0 cycles */
        {body + 100, UINT64_MAX - 10, 8},         /* snapshot length: the sum would wrap */
        {body + 108, 0, 8},                       /* proven without a proof */
        {body + 100, 0, 8},                       /* empty snapshot */
        {8, 2, 4},                                /* another version */
        {16, 1, 8},                               /* body length */
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(c, b, n);
        put_le(c + edits[e].off, edits[e].v, edits[e].bytes);
        reseal(c, n);
        cairn_err err = jobs_rec_decode_seg(&d, c, n);
        CU_ASSERT_NOT_EQUAL(err, CAIRN_OK);
        if (err == CAIRN_OK) fprintf(stderr, "edit %zu accepted\n", e);
    }
    /* the timing tail: both 0, cut short, not proven yet started, an end
     * past 2^64 */
    jobs_rec_seg ts = sample_seg(1);
    set_timing(&ts, 2);
    uint8_t *tb;
    size_t tn;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&tb, &tn, &ts), CAIRN_OK);
    const size_t tail = tn - 8 - 16;
    uint8_t *tc = malloc(tn);
    for (int e = 0; e < 3; e++) {
        memcpy(tc, tb, tn);
        if (e == 0) memset(tc + tail, 0, 16);
        if (e == 1) put_le(tc + tail + 8, UINT64_MAX - ts.task_ns + 1, 8);
        if (e == 2) put_le(tc + 16, tn - 32 - 8, 8); /* an 8-byte tail */
        size_t len = e == 2 ? tn - 8 : tn;
        if (e == 2) memmove(tc + tail + 8, tc + tail + 16, 8);
        reseal(tc, len);
        CU_ASSERT_EQUAL(jobs_rec_decode_seg(&d, tc, len), CAIRN_ERR_FORMAT);
    }
    free(tc);
    free(tb);
    ts = sample_seg(0);
    set_timing(&ts, 1);
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&tb, &tn, &ts), CAIRN_OK);
    put_le(tb + tn - 8 - 8, T0, 8); /* a start time on an unproven segment */
    reseal(tb, tn);
    CU_ASSERT_EQUAL(jobs_rec_decode_seg(&d, tb, tn), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "start time"));
    free(tb);
    /* not proven, yet a rank */
    jobs_rec_seg u = sample_seg(0);
    uint8_t *ub;
    size_t un;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_seg(&ub, &un, &u), CAIRN_OK);
    put_le(ub + body + 12, 1, 4);
    reseal(ub, un);
    CU_ASSERT_EQUAL(jobs_rec_decode_seg(&d, ub, un), CAIRN_ERR_FORMAT);
    free(ub);
    free(c);
    free(b);
    /* a preset field with bytes after the name's NUL */
    jobs_rec_job j = sample_job(), jd;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_job(&b, &n, &j), CAIRN_OK);
    b[body + 24 + 10] = 'x';
    reseal(b, n);
    CU_ASSERT_EQUAL(jobs_rec_decode_job(&jd, b, n), CAIRN_ERR_FORMAT);
    free(b);
}

static void t_input_digest(void)
{
    const uint8_t z[16] = {0};
    uint8_t d[6][32];
    jobs_input_digest(d[0], NULL, 0);
    jobs_input_digest(d[1], z, 1);
    jobs_input_digest(d[2], z, 2);
    jobs_input_digest(d[3], z, 7);
    jobs_input_digest(d[4], z, 8);
    jobs_input_digest(d[5], z, 16);
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < i; k++) CU_ASSERT(memcmp(d[i], d[k], 32) != 0);
    uint8_t again[32];
    jobs_input_digest(again, z, 7);
    CU_ASSERT(!memcmp(again, d[3], 32));
    uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    jobs_input_digest(again, one, 8);
    CU_ASSERT(memcmp(again, d[4], 32) != 0);
}

/* ---- a program and its segments ---- */

static uint8_t *g_prog_elf;
static size_t g_prog_elf_len;
static rv_program *g_prog;

/* The loop of the CLI tests (tests/cli/progs.h): about 4000 cycles, four
 * segments of 2^10, "hello\n" on the journal, exit code 3. */
static void build_program(void)
{
    if (g_prog) return;
    g_prog_elf = cli_prog_elf(&g_prog_elf_len, "loop");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g_prog_elf);
    CU_ASSERT_EQUAL_FATAL(rv_elf_load(&g_prog, g_prog_elf, g_prog_elf_len), CAIRN_OK);
}

typedef struct {
    size_t n;
    uint8_t *enc[16];
    size_t len[16];
} seg_list;

static cairn_err collect(void *arg, const rv_snapshot *s)
{
    seg_list *l = arg;
    if (l->n >= 16 || s->index != l->n) return CAIRN_ERR_INTERNAL;
    cairn_err e = rv_snapshot_encode(&l->enc[l->n], &l->len[l->n], s);
    if (e == CAIRN_OK) l->n++;
    return e;
}

static void seg_list_free(seg_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->enc[i]);
    l->n = 0;
}

static void t_run_segment(void)
{
    build_program();
    seg_list a = {0}, b = {0};
    rv_machine *m;
    rv_result ra, rb;
    jobs_output out = {.keep = 1};
    CU_ASSERT_EQUAL_FATAL(jobs_machine_new(&m, g_prog, PO2, 0, NULL, 0, collect, &a, jobs_output_write, &out),
                          CAIRN_OK);
    CU_ASSERT_EQUAL(rv_run(m, &ra), CAIRN_OK);
    rv_machine_free(m);
    CU_ASSERT(out.len == 6 && !memcmp(out.bytes, "hello\n", 6));
    jobs_output_free(&out);
    CU_ASSERT_EQUAL_FATAL(jobs_machine_new(&m, g_prog, PO2, 0, NULL, 0, collect, &b, NULL, NULL), CAIRN_OK);
    uint64_t calls = 0;
    do {
        CU_ASSERT_EQUAL_FATAL(rv_run_segment(m, &rb), CAIRN_OK);
        calls++;
        /* one segment per call */
        CU_ASSERT_EQUAL(rb.segments, calls);
        CU_ASSERT_EQUAL(b.n, calls);
    } while (!rb.final.halted && calls < 100);
    /* a halted machine: nothing more, and no error */
    rv_result rc;
    CU_ASSERT_EQUAL(rv_run_segment(m, &rc), CAIRN_OK);
    CU_ASSERT(rc.segments == rb.segments && rc.cycles == rb.cycles && rc.final.halted);
    rv_machine_free(m);
    CU_ASSERT_EQUAL(ra.segments, 4);
    CU_ASSERT(ra.segments == rb.segments && ra.cycles == rb.cycles && rv_state_eq(&ra.final, &rb.final));
    CU_ASSERT_EQUAL_FATAL(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) CU_ASSERT(a.len[i] == b.len[i] && !memcmp(a.enc[i], b.enc[i], a.len[i]));
    seg_list_free(&a);
    seg_list_free(&b);
}

/* ---- the size of a run that fits one segment ---- */

/* Segments of a whole run of prog at po2 (jobs_machine_new), 0 on error. */
static uint64_t run_segments(const rv_program *prog, unsigned po2)
{
    rv_machine *m;
    rv_result r;
    if (jobs_machine_new(&m, prog, po2, 0, NULL, 0, NULL, NULL, NULL, NULL) != CAIRN_OK) return 0;
    cairn_err e = rv_run(m, &r);
    rv_machine_free(m);
    return e == CAIRN_OK ? r.segments : 0;
}

/* The snapshots of a whole run of prog at po2, with or without tails
 * (rv.h rv_config); CU failure on error. */
static void run_collect(seg_list *l, const rv_program *prog, unsigned po2, int tails)
{
    rv_machine *m;
    rv_result r;
    CU_ASSERT_EQUAL_FATAL(jobs_machine_new(&m, prog, po2, tails, NULL, 0, collect, l, NULL, NULL), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_run(m, &r), CAIRN_OK);
    rv_machine_free(m);
}

/* A run of prog at po2 with tails: its snapshots are those of the run
 * without, but the last one's size, which is the smallest from
 * RV_TAIL_MIN_PO2 up whose cycles and budget hold it; returns that size
 * and *nseg the number of segments. */
static unsigned check_tail(const rv_program *prog, unsigned po2, size_t *nseg)
{
    seg_list a = {0}, b = {0};
    run_collect(&a, prog, po2, 0);
    run_collect(&b, prog, po2, 1);
    CU_ASSERT_FATAL(a.n > 0 && a.n == b.n);
    unsigned k = po2;
    for (size_t i = 0; i < a.n; i++) {
        rv_snapshot x, y;
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&x, a.enc[i], a.len[i]), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&y, b.enc[i], b.len[i]), CAIRN_OK);
        CU_ASSERT_EQUAL(x.segment_po2, po2);
        if (i + 1 < a.n) CU_ASSERT_EQUAL(y.segment_po2, po2);
        k = y.segment_po2;
        CU_ASSERT(k == po2 || (k >= RV_TAIL_MIN_PO2 && k < po2 && y.cycles <= (UINT64_C(1) << k)));
        y.segment_po2 = x.segment_po2; /* the rest is the same */
        uint8_t *enc = NULL;
        size_t len = 0;
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_encode(&enc, &len, &y), CAIRN_OK);
        CU_ASSERT(len == a.len[i] && !memcmp(enc, a.enc[i], len));
        free(enc);
        rv_snapshot_free(&x);
        rv_snapshot_free(&y);
    }
    *nseg = a.n;
    seg_list_free(&a);
    seg_list_free(&b);
    return k;
}

/* jobs_fit_po2 against a scan of whole runs: the smallest k in lo..po2
 * whose run is one segment, else po2. With lo the tails' floor, a run of
 * one segment is labelled that size by the executor too (rv.h tails:
 * from its counts, not by running again). */
static void check_fit(const rv_program *prog, unsigned lo, unsigned po2, unsigned want)
{
    unsigned got = 0, scan = po2;
    CU_ASSERT_EQUAL_FATAL(jobs_fit_po2(&got, prog, NULL, 0, lo, po2), CAIRN_OK);
    for (unsigned k = lo; k < po2; k++)
        if (run_segments(prog, k) == 1) {
            scan = k;
            break;
        }
    if (got != want || got != scan)
        fprintf(stderr, "\n  jobs_fit_po2(lo %u, po2 %u) = %u, scan %u, expected %u\n", lo, po2, got, scan, want);
    CU_ASSERT_EQUAL(got, want);
    CU_ASSERT_EQUAL(got, scan);
    size_t nseg;
    if (lo == RV_TAIL_MIN_PO2 && po2 > lo) {
        const unsigned k = check_tail(prog, po2, &nseg);
        if (nseg == 1) CU_ASSERT_EQUAL(k, got);
    }
}

static void t_fit_po2(void)
{
    build_program();
    /* the loop: about 4000 cycles, 2^12 holds it */
    check_fit(g_prog, 4, 10, 10); /* four segments of 2^10: no smaller size */
    check_fit(g_prog, 4, 16, 12);
    check_fit(g_prog, 13, 16, 13); /* not below lo */
    check_fit(g_prog, 16, 16, 16);
    check_fit(g_prog, 18, 16, 16); /* lo above po2: po2 */
    check_fit(g_prog, RV_TAIL_MIN_PO2, 17, RV_TAIL_MIN_PO2);

    /* 40 pages written in about 130 cycles: the cycles fit 2^8, the page
     * capacity of small segments (32 pages up to 2^16) does not */
    prog_t p = {.n = 0};
    emit_li(&p, S0, 0x100000);
    emit_li(&p, S1, 0x100000 + 40 * 1024);
    size_t loop = p.n;
    emit(&p, SW(ZERO, S0, 0));
    emit(&p, ADDI(S0, S0, 1024));
    emit(&p, BLT(S0, S1, -(int32_t)(4 * (p.n - loop))));
    emit_exit(&p, 0);
    rv_program *pages = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pages);
    unsigned want = 8;
    rv_budget b;
    for (rv_air_budget(&b, want); b.pages < 41; rv_air_budget(&b, want)) want++;
    CU_ASSERT(want > RV_TAIL_MIN_PO2);
    check_fit(pages, 8, 20, want);
    check_fit(pages, RV_TAIL_MIN_PO2, 20, want);
    rv_program_free(pages);

    /* 30 pages written (31 with the code's): their digests (64
     * permutations each), paths and state digests are over 2^11
     * permutations, within the page budget of 32; from 2^14 the p2 floor
     * is 2^12 (rv_air.c rv_air_heights), so 2^14 holds the run (with 2^11
     * it took 2^17) */
    p.n = 0;
    emit_li(&p, S0, 0x100000);
    emit_li(&p, S1, 0x100000 + 30 * 1024);
    loop = p.n;
    emit(&p, SW(ZERO, S0, 0));
    emit(&p, ADDI(S0, S0, 1024));
    emit(&p, BLT(S0, S1, -(int32_t)(4 * (p.n - loop))));
    emit_exit(&p, 0);
    pages = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pages);
    check_fit(pages, 14, 20, 14);
    rv_program_free(pages);

    /* 2^15 + about 3000 cycles of a count-down (no page but the code's):
     * a segment of 2^15, then a tail of 2^14; with a budget of 2^16
     * cycles and more, one segment of 2^16 */
    prog_countdown(&p, (32768 + 3000) / 2, 0);
    rv_program *count = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(count);
    size_t nseg;
    CU_ASSERT_EQUAL(check_tail(count, 15, &nseg), RV_TAIL_MIN_PO2);
    CU_ASSERT_EQUAL(nseg, 2);
    CU_ASSERT_EQUAL(check_tail(count, 14, &nseg), 14); /* no size below the floor */
    CU_ASSERT_EQUAL(nseg, 3);
    CU_ASSERT_EQUAL(check_tail(count, 12, &nseg), 12);
    CU_ASSERT_EQUAL(check_tail(count, 17, &nseg), 16);
    CU_ASSERT_EQUAL(nseg, 1);
    rv_program_free(count);

    /* a guest fault in the first segment: the size stays (the run says) */
    size_t len;
    uint8_t *elf = cli_prog_elf(&len, "fault");
    rv_program *fault = NULL;
    CU_ASSERT_EQUAL_FATAL(rv_elf_load(&fault, elf, len), CAIRN_OK);
    free(elf);
    unsigned got = 0;
    CU_ASSERT_EQUAL(jobs_fit_po2(&got, fault, NULL, 0, 4, 16), CAIRN_OK);
    CU_ASSERT_EQUAL(got, 16);
    rv_program_free(fault);
}

/* ---- a job's stored state ---- */

typedef struct {
    int stored, checkpoints, ignored, notices;
    char last[1024];
} ev_count;

static void on_event(void *arg, const jobs_event *e)
{
    ev_count *c = arg;
    if (e->kind == JOBS_EV_STORED) c->stored++;
    if (e->kind == JOBS_EV_CHECKPOINT) c->checkpoints++;
    if (e->kind == JOBS_EV_IGNORED) c->ignored++;
    if (e->kind == JOBS_EV_NOTICE) c->notices++;
    if (e->msg && e->msg[0]) snprintf(c->last, sizeof c->last, "%s", e->msg);
}

typedef struct {
    seg_list segs;
    rv_snapshot snap[16];
    rv_result res;
    jobs_desc desc;
    stark_params prm;
} fixture;

static void fixture_make(fixture *f)
{
    build_program();
    memset(f, 0, sizeof *f);
    rv_machine *m;
    CU_ASSERT_EQUAL_FATAL(jobs_machine_new(&m, g_prog, PO2, 0, NULL, 0, collect, &f->segs, NULL, NULL), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_run(m, &f->res), CAIRN_OK);
    rv_machine_free(m);
    for (size_t i = 0; i < f->segs.n; i++)
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&f->snap[i], f->segs.enc[i], f->segs.len[i]), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&f->prm, "test"), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(
        jobs_desc_make(&f->desc, g_prog_elf, g_prog_elf_len, g_prog, NULL, 0, "test", &f->prm, PO2), CAIRN_OK);
}

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < f->segs.n; i++) rv_snapshot_free(&f->snap[i]);
    seg_list_free(&f->segs);
}

/* A result for segment i with stand-in proof bytes (not a proof). */
static uint8_t g_fake[16][64];

static jobs_result fake_result(const fixture *f, uint64_t i)
{
    memset(g_fake[i], (int)(0x30 + i), sizeof g_fake[i]);
    jobs_result r = {.index = i,
                     .snapshot = f->segs.enc[i],
                     .snapshot_len = f->segs.len[i],
                     .proof = g_fake[i],
                     .proof_len = sizeof g_fake[i],
                     .rank = (uint32_t)(i + 1),
                     .seconds = 0.25 * (double)(i + 1),
                     /* segment 0 of an older writer: no times */
                     .exec_ns = i ? T0 + i * 1000 : 0,
                     .start_ns = i ? T0 + i * 2000 : 0};
    jobs_snapshot_claim(&r.claim, &f->snap[i]);
    return r;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void t_store(void)
{
    fixture f;
    fixture_make(&f);
    CU_ASSERT_EQUAL_FATAL(f.segs.n, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(test_tmpdir("jobs_store_XXXXXX"));
    const char *path = test_path("job.h5");
    char dir[512], rec[600];
    snprintf(dir, sizeof dir, "%s.d", path);
    ev_count ev = {0};
    jobs_opts o = {.checkpoint_first = 0, .on_event = on_event, .event_arg = &ev};
    jobs_job *j;
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_NEW, &o), CAIRN_OK);
    CU_ASSERT(exists(dir) && !exists(path));
    /* out of order, from several ranks */
    uint64_t order[3] = {2, 0, 3};
    for (int k = 0; k < 3; k++) {
        jobs_result r = fake_result(&f, order[k]);
        CU_ASSERT_EQUAL(jobs_put(j, &r), CAIRN_OK);
    }
    CU_ASSERT_EQUAL(ev.stored, 3);
    CU_ASSERT_EQUAL(jobs_proven_count(j), 3);
    CU_ASSERT_EQUAL(jobs_proven_prefix(j), 1);
    CU_ASSERT_EQUAL(jobs_state(j, 1), JOBS_SEG_MISSING);
    CU_ASSERT_EQUAL(jobs_state(j, 2), JOBS_SEG_PROVEN);
    uint64_t miss[4];
    CU_ASSERT_EQUAL(jobs_missing(j, 4, miss, 4), 1);
    CU_ASSERT_EQUAL(miss[0], 1);
    /* a second result for a proven segment is dropped */
    jobs_result dup = fake_result(&f, 2);
    dup.rank = 99;
    CU_ASSERT_EQUAL(jobs_put(j, &dup), CAIRN_OK);
    CU_ASSERT_EQUAL(ev.stored, 3);
    /* not finished while a segment is missing */
    CU_ASSERT_EQUAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, NULL, 0, NULL), CAIRN_ERR_USAGE);
    jobs_stored st;
    CU_ASSERT_EQUAL_FATAL(jobs_get(j, 2, &st), CAIRN_OK);
    CU_ASSERT(st.state == JOBS_SEG_PROVEN && st.rank == 3 && st.task_ns == 750000000);
    CU_ASSERT(st.exec_ns == T0 + 2000 && st.start_ns == T0 + 4000);
    CU_ASSERT(st.snapshot_len == f.segs.len[2] && !memcmp(st.snapshot, f.segs.enc[2], st.snapshot_len));
    CU_ASSERT(st.proof_len == 64 && st.proof[0] == 0x32);
    jobs_stored_free(&st);
    jobs_close(j);

    /* a new job over an unfinished one is refused; resuming finds it */
    CU_ASSERT_EQUAL(jobs_open(&j, path, &f.desc, JOBS_NEW, &o), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "unfinished job"));
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT(jobs_proven_count(j) == 3 && jobs_state(j, 1) == JOBS_SEG_MISSING);
    /* an executed segment, then its proof without the snapshot */
    /* its execution time comes with the executed result and is kept */
    jobs_result ex = {.index = 1, .snapshot = f.segs.enc[1], .snapshot_len = f.segs.len[1], .exec_ns = T0 + 1000};
    CU_ASSERT_EQUAL(jobs_put(j, &ex), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_state(j, 1), JOBS_SEG_EXECUTED);
    jobs_result r1 = fake_result(&f, 1);
    r1.snapshot = NULL;
    r1.exec_ns = 0;
    r1.snapshot_len = 0;
    CU_ASSERT_EQUAL(jobs_put(j, &r1), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_proven_prefix(j), 4);
    CU_ASSERT_EQUAL_FATAL(jobs_get(j, 1, &st), CAIRN_OK);
    CU_ASSERT(st.snapshot_len == f.segs.len[1] && !memcmp(st.snapshot, f.segs.enc[1], st.snapshot_len));
    jobs_stored_free(&st);

    /* stand-in proofs do not verify: jobs_reuse drops them */
    int reused = 1;
    CU_ASSERT_EQUAL(jobs_reuse(j, &f.snap[3], &reused, NULL), CAIRN_OK);
    CU_ASSERT_EQUAL(reused, 0);
    CU_ASSERT_EQUAL(ev.ignored, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(ev.last, "does not verify"));
    CU_ASSERT_EQUAL(jobs_state(j, 3), JOBS_SEG_MISSING);
    snprintf(rec, sizeof rec, "%s/seg-000000003.rec.bad", dir);
    CU_ASSERT(exists(rec));
    jobs_result r3 = fake_result(&f, 3);
    CU_ASSERT_EQUAL(jobs_put(j, &r3), CAIRN_OK);

    /* a checkpoint gathers the records into the job file */
    CU_ASSERT_EQUAL_FATAL(jobs_checkpoint(j), CAIRN_OK);
    CU_ASSERT_EQUAL(ev.checkpoints, 1);
    snprintf(rec, sizeof rec, "%s/seg-000000000.rec", dir);
    CU_ASSERT(exists(path) && !exists(rec));
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    uint64_t fin[H5S_STATE_ELEMS], cyc;
    CU_ASSERT(h5s_segment_count(r) == 4 && !h5s_final_get(r, fin, &cyc));
    h5s_close(r);
    jobs_close(j);

    /* resumed from the checkpoint: the same state */
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_proven_prefix(j), 4);
    CU_ASSERT_EQUAL_FATAL(jobs_get(j, 0, &st), CAIRN_OK);
    CU_ASSERT(st.rank == 1 && st.task_ns == 250000000 && st.proof[0] == 0x30);
    CU_ASSERT(st.exec_ns == 0 && st.start_ns == 0);
    jobs_stored_free(&st);
    CU_ASSERT_EQUAL_FATAL(jobs_get(j, 3, &st), CAIRN_OK); /* from the checkpoint file */
    CU_ASSERT(st.exec_ns == T0 + 3000 && st.start_ns == T0 + 6000);
    jobs_stored_free(&st);
    const uint8_t journal[6] = "hello\n";
    uint64_t pb = 0;
    CU_ASSERT_EQUAL_FATAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, journal, 6, &pb), CAIRN_OK);
    CU_ASSERT_EQUAL(pb, 4 * 64);
    CU_ASSERT(!exists(dir));
    jobs_close(j);

    /* the finished file: h5s layout, claims, tasks, input digest */
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    CU_ASSERT(h5s_segment_count(r) == 4 && h5s_final_get(r, fin, &cyc) && cyc == f.res.cycles);
    uint8_t dig[32];
    CU_ASSERT(h5s_input_digest_get(r, dig) && !memcmp(dig, f.desc.input_digest, 32));
    for (uint64_t i = 0; i < 4; i++) {
        h5s_segment_meta m;
        CU_ASSERT_EQUAL_FATAL(h5s_segment(r, i, &m), CAIRN_OK);
        rv_seg_claim want;
        h5s_claim hc;
        jobs_snapshot_claim(&want, &f.snap[i]);
        jobs_claim_to_h5s(&hc, &want);
        CU_ASSERT(m.has_proof && claim_same(&m.claim, &hc));
        int has_task;
        h5s_task t;
        CU_ASSERT_EQUAL_FATAL(h5s_segment_task(r, i, &has_task, &t), CAIRN_OK);
        CU_ASSERT(has_task && t.rank == i + 1 && t.ns == 250000000 * (i + 1));
        CU_ASSERT(t.exec_ns == (i ? T0 + i * 1000 : 0) && t.start_ns == (i ? T0 + i * 2000 : 0));
    }
    uint64_t v;
    CU_ASSERT(h5s_get_attr_u64(r, "proof_bytes", &v) == CAIRN_OK && v == 256);
    CU_ASSERT(h5s_get_attr_u64(r, "exit_code", &v) == CAIRN_OK && v == 3);
    h5s_close(r);

    /* a finished job resumes: every segment is in the file, and
     * finishing again writes the same bytes */
    size_t len1, len2;
    uint8_t *first = test_read_file(path, &len1);
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_proven_prefix(j), 4);
    CU_ASSERT_EQUAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, journal, 6, NULL), CAIRN_OK);
    jobs_close(j);
    uint8_t *second = test_read_file(path, &len2);
    CU_ASSERT(first && second && len1 == len2 && !memcmp(first, second, len1));
    CU_ASSERT(!exists(dir));
    free(first);
    free(second);
    /* a new job replaces a finished one */
    ev.notices = 0;
    cairn_err e = jobs_open(&j, path, &f.desc, JOBS_NEW, &o);
    if (e != CAIRN_OK) fprintf(stderr, "jobs_open: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT(!exists(path) && ev.notices == 1 && jobs_proven_count(j) == 0);
    CU_ASSERT_EQUAL(jobs_discard(j), CAIRN_OK);
    CU_ASSERT(!exists(dir));
    jobs_close(j);
    fixture_free(&f);
}

/* Resuming with another program, input, preset, parameter or segment size
 * is refused naming it; so is a damaged job file, which stays as it is. */
static void t_resume_refused(void)
{
    fixture f;
    fixture_make(&f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(test_tmpdir("jobs_refuse_XXXXXX"));
    const char *path = test_path("job.h5");
    jobs_job *j;
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_NEW, NULL), CAIRN_OK);
    jobs_result r = fake_result(&f, 0);
    CU_ASSERT_EQUAL(jobs_put(j, &r), CAIRN_OK);
    jobs_close(j);
    struct {
        const char *what;
        jobs_desc d;
    } cases[6];
    for (int i = 0; i < 6; i++) cases[i].d = f.desc;
    uint8_t *other_elf = malloc(g_prog_elf_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(other_elf);
    memcpy(other_elf, g_prog_elf, g_prog_elf_len);
    other_elf[g_prog_elf_len - 1] ^= 1;
    cases[0].what = "program:";
    cases[0].d.elf = other_elf;
    cases[1].what = "input:";
    jobs_input_digest(cases[1].d.input_digest, (const uint8_t *)"x", 1);
    cases[2].what = "preset:";
    strcpy(cases[2].d.params.preset, "conjectured-100");
    cases[3].what = "queries";
    cases[3].d.params.queries++;
    cases[4].what = "segment size:";
    cases[4].d.params.segment_po2 = PO2 + 1;
    cases[5].what = "program:";
    cases[5].d.image_id[0] ^= 1;
    for (int i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL(jobs_open(&j, path, &cases[i].d, JOBS_RESUME, NULL), CAIRN_ERR_USAGE);
        if (!strstr(cairn_last_error(), cases[i].what))
            CU_FAIL_FATAL("the refusal does not name the difference");
    }
    /* a checkpoint file, then truncated: refused and left alone */
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, NULL), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(jobs_checkpoint(j), CAIRN_OK);
    jobs_close(j);
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    FILE *fp = fopen(path, "wb");
    fwrite(bytes, 1, len / 2, fp);
    fclose(fp);
    CU_ASSERT_NOT_EQUAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, NULL), CAIRN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "left as it is"));
    size_t len2;
    uint8_t *after = test_read_file(path, &len2);
    CU_ASSERT(after && len2 == len / 2 && !memcmp(after, bytes, len2));
    free(after);
    /* ... and a new job is refused too while the record folder is there */
    CU_ASSERT_EQUAL(jobs_open(&j, path, &f.desc, JOBS_NEW, NULL), CAIRN_ERR_USAGE);
    free(bytes);
    free(other_elf);
    fixture_free(&f);
}

/* Records damaged on disk are set aside and their segments redone;
 * interrupted writes (*.tmp) are removed. */
static void t_damaged_records(void)
{
    fixture f;
    fixture_make(&f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(test_tmpdir("jobs_damage_XXXXXX"));
    const char *path = test_path("job.h5");
    char dir[512], name[600];
    snprintf(dir, sizeof dir, "%s.d", path);
    jobs_job *j;
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_NEW, NULL), CAIRN_OK);
    for (uint64_t i = 0; i < 3; i++) {
        jobs_result r = fake_result(&f, i);
        CU_ASSERT_EQUAL(jobs_put(j, &r), CAIRN_OK);
    }
    jobs_close(j);
    /* 0: a flipped byte; 1: truncated; 2: intact; a stray tmp file */
    snprintf(name, sizeof name, "%s/seg-000000000.rec", dir);
    FILE *fp = fopen(name, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fseek(fp, 100, SEEK_SET);
    fputc(0xee, fp);
    fclose(fp);
    snprintf(name, sizeof name, "%s/seg-000000001.rec", dir);
    CU_ASSERT_EQUAL(truncate(name, 50), 0);
    snprintf(name, sizeof name, "%s/seg-000000005.rec.tmp", dir);
    fp = fopen(name, "wb");
    fclose(fp);
    ev_count ev = {0};
    jobs_opts o = {.checkpoint_first = 0, .on_event = on_event, .event_arg = &ev};
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(ev.ignored, 2);
    CU_ASSERT_EQUAL(jobs_state(j, 0), JOBS_SEG_MISSING);
    CU_ASSERT_EQUAL(jobs_state(j, 1), JOBS_SEG_MISSING);
    CU_ASSERT_EQUAL(jobs_state(j, 2), JOBS_SEG_PROVEN);
    CU_ASSERT(!exists(name));
    snprintf(name, sizeof name, "%s/seg-000000001.rec.bad", dir);
    CU_ASSERT(exists(name));
    /* a result whose claim is another segment's breaks the chain: the
     * job file is not written */
    jobs_result r0 = fake_result(&f, 0), r1 = fake_result(&f, 1), r3 = fake_result(&f, 3);
    r1.claim = r3.claim;
    CU_ASSERT_EQUAL(jobs_put(j, &r0), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_put(j, &r1), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_put(j, &r3), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, NULL, 0, NULL), CAIRN_ERR_INTERNAL);
    CU_ASSERT(!exists(path));
    jobs_close(j);
    fixture_free(&f);
}

/* Attempts (issue 11): the record round-trips and refuses bad values;
 * begin/end survive a reopen through the record folder, go into a
 * checkpoint and the finished job file (/run), and come back from the
 * file when the folder is gone; the oldest are dropped beyond the bound. */
static void t_attempts(void)
{
    jobs_rec_attempt a[3] = {{41, 0, T0, 5000000000u}, {41, 1, T0 + 9000000000u, 0}, {0, 0, UINT64_MAX - 7, 7}};
    jobs_rec_attempt back[JOBS_REC_MAX_ATTEMPTS];
    uint8_t *b;
    size_t n, nb;
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_attempts(&b, &n, a, 3), CAIRN_OK);
    CU_ASSERT_EQUAL(n, JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES + 8 + 3 * 32);
    CU_ASSERT_EQUAL(jobs_rec_decode_attempts(back, &nb, b, n), CAIRN_OK);
    CU_ASSERT(nb == 3 && !memcmp(back, a, sizeof a));
    /* another kind's decoder refuses it, and it refuses the others */
    jobs_rec_seg sg;
    CU_ASSERT_EQUAL(jobs_rec_decode_seg(&sg, b, n), CAIRN_ERR_FORMAT);
    b[JOBS_REC_HEADER_BYTES + 8 + 16] ^= 1; /* a start time: the checksum */
    CU_ASSERT_EQUAL(jobs_rec_decode_attempts(back, &nb, b, n), CAIRN_ERR_CORRUPT);
    b[JOBS_REC_HEADER_BYTES + 8 + 16] ^= 1;
    put_le(b + JOBS_REC_HEADER_BYTES, 4, 8); /* a count the bytes do not hold */
    reseal(b, n);
    CU_ASSERT_EQUAL(jobs_rec_decode_attempts(back, &nb, b, n), CAIRN_ERR_FORMAT);
    put_le(b + JOBS_REC_HEADER_BYTES, 3, 8);
    put_le(b + JOBS_REC_HEADER_BYTES + 8 + 2 * 32 + 16, 0, 8); /* no start time */
    reseal(b, n);
    CU_ASSERT_EQUAL(jobs_rec_decode_attempts(back, &nb, b, n), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "attempt 2"));
    free(b);
    CU_ASSERT_EQUAL(jobs_rec_encode_attempts(&b, &n, a, 0), CAIRN_ERR_USAGE);
    jobs_rec_attempt over = {1, 0, UINT64_MAX - 7, 8};
    CU_ASSERT_EQUAL(jobs_rec_encode_attempts(&b, &n, &over, 1), CAIRN_ERR_USAGE);
    jobs_rec_job jr = sample_job();
    CU_ASSERT_EQUAL_FATAL(jobs_rec_encode_job(&b, &n, &jr), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_rec_decode_attempts(back, &nb, b, n), CAIRN_ERR_FORMAT);
    free(b);

    fixture f;
    fixture_make(&f);
    CU_ASSERT_EQUAL_FATAL(f.segs.n, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(test_tmpdir("jobs_attempts_XXXXXX"));
    const char *path = test_path("job.h5");
    jobs_opts o = {.checkpoint_first = 0};
    jobs_job *j;
    const jobs_attempt *got;
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_NEW, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts(j, &got), 0);
    CU_ASSERT_EQUAL(jobs_attempt_end(j, 1), CAIRN_ERR_USAGE); /* none begun */
    CU_ASSERT_EQUAL(jobs_attempt_begin(j, 41, 0, T0), CAIRN_OK);
    jobs_result r = fake_result(&f, 0);
    CU_ASSERT_EQUAL(jobs_put(j, &r), CAIRN_OK);
    jobs_close(j); /* killed: no end */
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(jobs_attempts(j, &got), 1);
    CU_ASSERT(got[0].slurm_job_id == 41 && got[0].restart_count == 0 && got[0].start_ns == T0 && got[0].used_ns == 0);
    CU_ASSERT_EQUAL(jobs_attempt_begin(j, 41, 1, T0 + 100), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempt_end(j, 2500), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_checkpoint(j), CAIRN_OK); /* segment 0 into the file, with the attempts */
    jobs_close(j);
    h5s_reader *rd;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&rd, path), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts_read(rd, back, &nb), CAIRN_OK);
    CU_ASSERT(nb == 2 && back[1].restart_count == 1 && back[1].start_ns == T0 + 100 && back[1].used_ns == 2500);
    h5s_close(rd);
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts(j, &got), 2);
    CU_ASSERT_EQUAL(jobs_attempt_begin(j, 0, 0, T0 + 200), CAIRN_OK);
    for (uint64_t i = 1; i < 4; i++) {
        r = fake_result(&f, i);
        CU_ASSERT_EQUAL(jobs_put(j, &r), CAIRN_OK);
    }
    CU_ASSERT_EQUAL(jobs_attempt_end(j, 3000), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, NULL, 0, NULL), CAIRN_OK);
    jobs_close(j);
    char dir[600];
    snprintf(dir, sizeof dir, "%s.d", path);
    CU_ASSERT(!exists(dir)); /* attempts.rec went with the folder */
    CU_ASSERT_EQUAL_FATAL(h5s_open(&rd, path), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts_read(rd, back, &nb), CAIRN_OK);
    CU_ASSERT(nb == 3 && back[0].slurm_job_id == 41 && back[2].slurm_job_id == 0 && back[2].used_ns == 3000);
    uint64_t v;
    CU_ASSERT(h5s_get_attr_u64(rd, "attempt_001_restart_count", &v) == CAIRN_OK && v == 1);
    CU_ASSERT(jobs_attempt_attr("attempts") && jobs_attempt_attr("attempt_002_used_ns") && !jobs_attempt_attr("cycles"));
    h5s_close(rd);
    /* a finished job resumed: its attempts come from the file */
    CU_ASSERT_EQUAL_FATAL(jobs_open(&j, path, &f.desc, JOBS_RESUME, &o), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts(j, &got), 3);
    /* the bound: the oldest go */
    for (unsigned i = 0; i < JOBS_REC_MAX_ATTEMPTS; i++) CU_ASSERT_EQUAL(jobs_attempt_begin(j, 1000 + i, i, T0 + i), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts(j, &got), JOBS_REC_MAX_ATTEMPTS);
    CU_ASSERT(got[0].slurm_job_id == 1000 && got[JOBS_REC_MAX_ATTEMPTS - 1].slurm_job_id == 1000 + JOBS_REC_MAX_ATTEMPTS - 1);
    /* all of them fit the job file's /run with the run summary */
    CU_ASSERT_EQUAL(jobs_finish(j, 4, &f.res.final, f.res.cycles, NULL, 0, NULL), CAIRN_OK);
    jobs_close(j);
    CU_ASSERT_EQUAL_FATAL(h5s_open(&rd, path), CAIRN_OK);
    CU_ASSERT_EQUAL(jobs_attempts_read(rd, back, &nb), CAIRN_OK);
    CU_ASSERT(nb == JOBS_REC_MAX_ATTEMPTS && back[nb - 1].restart_count == JOBS_REC_MAX_ATTEMPTS - 1);
    h5s_close(rd);
    fixture_free(&f);
}

int main(void)
{
    static const test_case cases[] = {
        {"crc64 check value", t_crc64},
        {"records round-trip", t_rec_roundtrip},
        {"records without timing (before issue 9) read", t_rec_old},
        {"damaged records refused", t_rec_damage},
        {"fold records: the kinds at each level", t_rec_fold_kinds},
        {"input digest", t_input_digest},
        {"rv_run_segment = rv_run", t_run_segment},
        {"a run that fits one segment: its smallest size", t_fit_po2},
        {"results out of order, checkpoint, finish", t_store},
        {"resume refused naming the difference", t_resume_refused},
        {"damaged records set aside", t_damaged_records},
        {"attempts: record, folder, job file", t_attempts},
        {NULL, NULL},
    };
    int rc = test_run_suite("jobs", cases);
    rv_program_free(g_prog);
    free(g_prog_elf);
    return rc;
}
