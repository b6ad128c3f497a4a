/* Segments: every snapshot re-executes alone to its recorded end state and
 * root, roots chain from segment to segment, the incremental memory root
 * equals one computed from scratch, results do not depend on the segment
 * size, image IDs are stable, snapshots round-trip through their canonical
 * encoding, truncated or corrupted encodings are rejected, and input
 * end-of-file is set by a short read and chains across segments. */
#include <stdio.h>

#include "common/err.h"
#include "seg_prog.h"
#include "testutil.h"

static const uint8_t INPUT[] = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";

typedef struct {
    rv_machine *m;
    uint64_t nseg;
    rv_state prev_end;
    int bad;
    uint8_t *keep;       /* encoding of segment keep_index */
    size_t keep_len;
    uint64_t keep_index;
    uint64_t total_pages, max_enc;
} seg_ctx;

static cairn_err check_segment(void *arg, const rv_snapshot *s)
{
    seg_ctx *c = arg;
    int bad = 0;
    if (s->index != c->nseg) bad |= 1;
    if (c->nseg > 0 && !rv_state_eq(&s->start, &c->prev_end)) bad |= 2;
    /* incremental root == from scratch (the callback runs after the
     * segment's root update, with memory at the segment's end) */
    p2_digest scratch = rv_machine_root_scratch(c->m);
    if (memcmp(&scratch, &s->end.root, sizeof scratch)) bad |= 4;
    uint8_t *enc;
    size_t len;
    if (rv_snapshot_encode(&enc, &len, s) != CAIRN_OK) {
        bad |= 8;
    } else {
        rv_snapshot d;
        if (rv_snapshot_decode(&d, enc, len) != CAIRN_OK) {
            fprintf(stderr, "decode: %s\n", cairn_last_error());
            bad |= 16;
        } else {
            uint8_t *enc2;
            size_t len2;
            if (rv_snapshot_encode(&enc2, &len2, &d) || len2 != len || memcmp(enc, enc2, len)) bad |= 32;
            free(enc2);
            rv_state end;
            rv_fault f;
            cairn_err err = rv_reexecute(&d, &end, &f);
            if (err != CAIRN_OK) {
                fprintf(stderr, "re-execution of segment %llu: %s\n", (unsigned long long)s->index,
                        cairn_last_error());
                bad |= 64;
            } else if (!rv_state_eq(&end, &s->end)) {
                bad |= 128;
            }
            rv_snapshot_free(&d);
        }
        if (s->index == c->keep_index && !c->keep) {
            c->keep = enc;
            c->keep_len = len;
            enc = NULL;
        }
        if (len > c->max_enc) c->max_enc = len;
        free(enc);
    }
    if (bad) {
        fprintf(stderr, "segment %llu: check mask 0x%x\n", (unsigned long long)s->index, bad);
        c->bad++;
    }
    c->total_pages += s->npages;
    c->prev_end = s->end;
    c->nseg++;
    return CAIRN_OK;
}

static void run_segments(unsigned po2, uint32_t iters, seg_ctx *c, rv_result *res)
{
    rv_program *prog = seg_program(iters);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    rv_config cfg = {.segment_po2 = po2, .input = INPUT, .input_len = sizeof INPUT - 1,
                     .on_segment = check_segment, .segment_arg = c};
    CU_ASSERT_EQUAL_FATAL(rv_machine_new(&c->m, prog, &cfg), CAIRN_OK);
    rv_state init;
    CU_ASSERT_EQUAL(rv_machine_state(c->m, &init), CAIRN_OK);
    c->prev_end = init;
    CU_ASSERT_EQUAL(rv_run(c->m, res), CAIRN_OK);
    /* the first segment starts from the image's initial state */
    p2_digest id, d0;
    CU_ASSERT_EQUAL(rv_image_id(&id, prog), CAIRN_OK);
    rv_state_digest(&d0, &init);
    CU_ASSERT_EQUAL(memcmp(&id, &d0, sizeof id), 0);
    rv_machine_free(c->m);
    rv_program_free(prog);
}

static void test_segments_chain_and_reexecute(void)
{
    rv_state finals[4];
    uint64_t cycles[4];
    static const unsigned PO2[4] = {10, 11, 12, 14};
    for (int k = 0; k < 4; k++) {
        seg_ctx c = {.keep_index = ~0ull};
        rv_result res;
        run_segments(PO2[k], 3000, &c, &res);
        CU_ASSERT_EQUAL(c.bad, 0);
        CU_ASSERT_EQUAL(c.nseg, res.segments);
        CU_ASSERT_EQUAL(c.nseg, (res.cycles + (1u << PO2[k]) - 1) >> PO2[k]);
        CU_ASSERT(rv_state_eq(&c.prev_end, &res.final));
        CU_ASSERT_EQUAL(res.final.halted, 1);
        CU_ASSERT_EQUAL(res.final.input_pos, sizeof INPUT - 1);
        finals[k] = res.final;
        cycles[k] = res.cycles;
        fprintf(stderr, "po2 %u: %llu cycles, %llu segments, %llu pages, largest snapshot %llu bytes\n",
                PO2[k], (unsigned long long)res.cycles, (unsigned long long)c.nseg,
                (unsigned long long)c.total_pages, (unsigned long long)c.max_enc);
        free(c.keep);
    }
    for (int k = 1; k < 4; k++) {
        CU_ASSERT(rv_state_eq(&finals[0], &finals[k]));
        CU_ASSERT_EQUAL(cycles[0], cycles[k]);
    }
}

static void test_image_id_stable(void)
{
    rv_program *a = seg_program(100), *b = seg_program(100), *c = seg_program(101);
    p2_digest ia, ib, ic;
    CU_ASSERT_EQUAL(rv_image_id(&ia, a), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_image_id(&ib, b), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_image_id(&ic, c), CAIRN_OK);
    CU_ASSERT_EQUAL(memcmp(&ia, &ib, sizeof ia), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(&ia, &ic, sizeof ia), 0); /* one immediate differs */
    rv_program_free(a);
    rv_program_free(b);
    rv_program_free(c);
}

static cairn_err failing_cb(void *arg, const rv_snapshot *s)
{
    (void)arg;
    return s->index == 1 ? cairn_fail(CAIRN_ERR_IO, "test callback failure") : CAIRN_OK;
}

static void test_callback_error_stops_run(void)
{
    rv_program *prog = seg_program(3000);
    rv_config cfg = {.segment_po2 = 10, .input = INPUT, .input_len = 10, .on_segment = failing_cb};
    rv_result res;
    CU_ASSERT_EQUAL(rv_execute(prog, &cfg, &res), CAIRN_ERR_IO);
    CU_ASSERT_EQUAL(res.cycles, 2048);
    rv_program_free(prog);
}

/* What a verifier checks of a snapshot: it parses, its start state is the
 * one the chain expects (a register that the segment overwrites before
 * reading is caught only here), and it re-executes to its end state. */
static int rejected(const uint8_t *buf, size_t len, const rv_state *want_start)
{
    rv_snapshot d;
    if (rv_snapshot_decode(&d, buf, len) != CAIRN_OK) return 1;
    cairn_err err = rv_reexecute(&d, NULL, NULL);
    int start_ok = rv_state_eq(&d.start, want_start);
    rv_snapshot_free(&d);
    return err != CAIRN_OK || !start_ok;
}

static void test_snapshot_corruption(void)
{
    seg_ctx c = {.keep_index = 3};
    rv_result res;
    run_segments(10, 3000, &c, &res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.keep);
    const uint8_t *enc = c.keep;
    size_t len = c.keep_len;
    rv_snapshot orig;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&orig, enc, len), CAIRN_OK);
    const rv_state start = orig.start;
    rv_snapshot_free(&orig);
    CU_ASSERT_FALSE(rejected(enc, len, &start));
    /* truncation: every short length, then a sample */
    int accepted = 0;
    for (size_t l = 0; l < len; l += (l < 4096 ? 1 : 61)) {
        rv_snapshot d;
        if (rv_snapshot_decode(&d, enc, l) == CAIRN_OK) {
            accepted++;
            rv_snapshot_free(&d);
        }
    }
    CU_ASSERT_EQUAL(accepted, 0);
    /* an extra byte */
    uint8_t *buf = malloc(len + 1);
    memcpy(buf, enc, len);
    buf[len] = 0;
    CU_ASSERT(rejected(buf, len + 1, &start));
    /* single-bit corruption anywhere except the segment index (bytes
     * 16..23, informational) and segment_po2 (bytes 12..15) must be
     * caught by the parser or by re-execution: the header fully, one byte
     * of each 4-byte state field, the rest sampled. A larger segment_po2
     * describes the same segment ended early by a budget (rv.h rv_budget;
     * the po2 selects the proof shape, which the segment proof binds), so
     * only a po2 too small for the cycles is an error, checked below. */
    rng_t r;
    rng_seed(&r, test_seed("snapshot corruption"));
    int missed = 0, tried = 0;
    for (size_t i = 0; i < len; i++) {
        if (i >= 12 && i < 24) continue;
        if (i >= 32 && i < 32 + 2 * 240 && i % 4 != rng_u64(&r) % 4) continue;
        if (i >= 32 + 2 * 240 && rng_u64(&r) % 200) continue;
        memcpy(buf, enc, len);
        buf[i] ^= (uint8_t)(1u << (rng_u64(&r) % 8));
        tried++;
        if (!rejected(buf, len, &start)) {
            if (missed++ < 5) fprintf(stderr, "bit flip at byte %zu of %zu not detected\n", i, len);
        }
    }
    fprintf(stderr, "%d corruptions tried\n", tried);
    CU_ASSERT_EQUAL(missed, 0);
    /* segment_po2 (bytes 12..15, 10 here): below log2(cycles) or out of
     * range is rejected, a larger one re-executes */
    static const uint8_t po2s[] = {0, 3, 9, 25, 11, 24};
    for (size_t k = 0; k < sizeof po2s; k++) {
        memcpy(buf, enc, len);
        buf[12] = po2s[k];
        CU_ASSERT_EQUAL(rejected(buf, len, &start), k < 4);
    }
    free(buf);
    free(c.keep);
}

/* Input end-of-file: a read with len > 0 that returns fewer bytes sets
 * input_eof, a read of 0 bytes does not, and the flag chains from segment
 * to segment (the program's reads fall into different 16-cycle segments).
 * A snapshot that claims end-of-file at its start cannot re-execute a
 * read that moves bytes. */
typedef struct {
    seg_ctx c;
    uint32_t start_eof[16], end_eof[16];
    uint64_t end_pos[16];
    uint8_t *enc_read; /* encoding of the segment of the short read */
    size_t enc_read_len;
} eof_ctx;

static cairn_err eof_segment(void *arg, const rv_snapshot *s)
{
    eof_ctx *e = arg;
    if (s->index < 16) {
        e->start_eof[s->index] = s->start.input_eof;
        e->end_eof[s->index] = s->end.input_eof;
        e->end_pos[s->index] = s->end.input_pos;
        if (!s->start.input_eof && s->end.input_eof && !e->enc_read &&
            rv_snapshot_encode(&e->enc_read, &e->enc_read_len, s) != CAIRN_OK)
            e->enc_read = NULL;
    }
    return check_segment(&e->c, s);
}

static void emit_read(prog_t *p, uint32_t len, uint32_t save)
{
    emit_li(p, A2, len);
    emit_li(p, A0, 0);
    emit_li(p, A1, SEG_SCRATCH);
    emit(p, ADDI(A7, ZERO, RV_SYS_READ));
    emit(p, ECALL);
    emit(p, ADDI(save, A0, 0));
    for (int i = 0; i < 20; i++) emit(p, ADDI(ZERO, ZERO, 0)); /* next segment */
}

static void test_input_eof(void)
{
    static prog_t p;
    p.n = 0;
    emit_read(&p, 0, T0);  /* len 0: returns 0, no end-of-file */
    emit_read(&p, 4, S1);  /* 4 of 6 */
    emit_read(&p, 4, S2);  /* 2 of the remaining 2: short, end-of-file */
    emit_read(&p, 4, S3);  /* 0 */
    emit_exit(&p, 0);
    rv_program *prog = prog_load(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    eof_ctx e;
    memset(&e, 0, sizeof e);
    e.c.keep_index = ~0ull;
    static const uint8_t in[6] = {1, 2, 3, 4, 5, 6};
    rv_config cfg = {.segment_po2 = 4, .input = in, .input_len = sizeof in, .on_segment = eof_segment,
                     .segment_arg = &e};
    CU_ASSERT_EQUAL_FATAL(rv_machine_new(&e.c.m, prog, &cfg), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(rv_machine_state(e.c.m, &e.c.prev_end), CAIRN_OK);
    rv_result res;
    CU_ASSERT_EQUAL(rv_run(e.c.m, &res), CAIRN_OK);
    CU_ASSERT_EQUAL(e.c.bad, 0);
    CU_ASSERT_EQUAL(res.final.x[T0], 0);
    CU_ASSERT_EQUAL(res.final.x[S1], 4);
    CU_ASSERT_EQUAL(res.final.x[S2], 2);
    CU_ASSERT_EQUAL(res.final.x[S3], 0);
    CU_ASSERT_EQUAL(res.final.input_eof, 1);
    CU_ASSERT_FATAL(res.segments >= 6 && res.segments <= 16);
    /* 0 until the segment of the short read, 1 from there on, each
     * segment starting where the previous one ended */
    uint64_t flip = ~0ull;
    for (uint64_t i = 0; i < res.segments; i++) {
        if (i) CU_ASSERT_EQUAL(e.start_eof[i], e.end_eof[i - 1]);
        if (!e.end_eof[i]) CU_ASSERT(e.end_pos[i] <= 4);
        if (e.end_eof[i] && flip == ~0ull) flip = i;
    }
    CU_ASSERT_EQUAL(e.start_eof[0], 0);
    CU_ASSERT(flip > 0 && flip + 1 < res.segments);
    CU_ASSERT_EQUAL(e.end_pos[flip], 6);
    /* the short read's segment, claimed to start at end-of-file: the
     * decoder refuses input after end-of-file, and re-execution reads
     * nothing and misses the recorded end */
    CU_ASSERT_PTR_NOT_NULL_FATAL(e.enc_read);
    rv_snapshot d;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&d, e.enc_read, e.enc_read_len), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_reexecute(&d, NULL, NULL), CAIRN_OK);
    d.start.input_eof = 1;
    CU_ASSERT_EQUAL(rv_reexecute(&d, NULL, NULL), CAIRN_ERR_VERIFY);
    uint8_t *enc;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_encode(&enc, &len, &d), CAIRN_OK);
    rv_snapshot d2;
    CU_ASSERT_EQUAL(rv_snapshot_decode(&d2, enc, len), CAIRN_ERR_FORMAT);
    /* a flag other than 0/1 */
    d.start.input_eof = 0;
    d.end.input_eof = 2;
    free(enc);
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_encode(&enc, &len, &d), CAIRN_OK);
    CU_ASSERT_EQUAL(rv_snapshot_decode(&d2, enc, len), CAIRN_ERR_FORMAT);
    free(enc);
    rv_snapshot_free(&d);
    free(e.enc_read);
    rv_machine_free(e.c.m);
    rv_program_free(prog);
}

int main(void)
{
    static const test_case cases[] = {
        {"segments chain and re-execute at several sizes", test_segments_chain_and_reexecute},
        {"image ID stable", test_image_id_stable},
        {"callback error stops the run", test_callback_error_stops_run},
        {"snapshot truncation and corruption", test_snapshot_corruption},
        {"input end-of-file chains across segments", test_input_eof},
        {NULL, NULL},
    };
    return test_run_suite("rv_segments", cases);
}
