/* One flipped byte anywhere in a job file with many segments: the reader
 * returns the original content or an error, and never crashes.
 *
 * With more than 8 segments, format version 1 put /segments' links and
 * every segment's attributes in dense storage (fractal heap, v2 B-tree),
 * which the reader did not check before libhdf5 read it; one flipped byte
 * there crashed libhdf5 inside H5Literate (issue 7). Version 2 keeps every
 * link and attribute in checksummed object headers that the reader parses
 * first (storage/h5s.h, "Compact storage only"). This test writes a job
 * of 20 segments, each with a trace of more than 8 columns and some with
 * a side table, and reads it back through the in-process reader API (no
 * process per trial, so that it stays fast under ASan) once per trial,
 * each trial a fresh copy with one byte XORed with a random non-zero
 * value. A crash fails the test (CTest sees the process die); under ASan
 * (make test-sanitize) so does any bad read, and glibc's M_PERTURB fills
 * freed and fresh memory with a pattern here, as MALLOC_PERTURB_ would.
 *
 * Trials: 2000 flips anywhere in the file (much of which is unused room
 * in chunk index nodes, where a flip changes nothing), then 1000 within
 * 512 bytes of the start of a metadata block (found by its signature:
 * object headers, where the links and attributes are, chunk index nodes,
 * and in version 1 files the dense storage, where these flips crash the
 * version 1 reader within a few hundred trials). The seed is fixed (CAIRN_TEST_SEED replays another);
 * CAIRN_FLIP_TRIALS sets the number of each kind (2000 and half that). */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/h5s.h"
#include "testutil.h"

#define NSEG 20
#define NCOLS 9 /* > 8: a trace group with many links */
#define ROWS 40
#define DEFAULT_SEED 7
#define DEFAULT_TRIALS 2000
#define MAX_SIGS 4096

static const char *dir; /* test_tmpdir() */

/* FNV-1a, folding in everything the reader returns. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t mix_trace(uint64_t h, const h5s_trace *t, int with_data)
{
    for (size_t c = 0; c < t->ncols; c++) {
        h = mix(h, t->names[c], strlen(t->names[c]));
        if (with_data) h = mix(h, t->cols[c], 4 * t->nrows);
    }
    return h;
}

/* Everything the reader API returns, or 0 at the first error; *err gets
 * that error (CAIRN_OK when all reads succeed). */
static uint64_t read_all(h5s_reader *r, cairn_err *err)
{
    uint64_t h = 1469598103934665603ull;
    h5s_program_info p;
    h5s_program_get(r, &p);
    h = mix(mix(mix(h, p.image_id, 32), &p.entry, 4), &p.elf_len, 8);
    for (size_t i = 0; i < h5s_attr_count(r); i++) {
        uint64_t v = h5s_attr_value(r, i);
        h = mix(mix(h, h5s_attr_name(r, i), strlen(h5s_attr_name(r, i))), &v, 8);
    }
    uint8_t *b;
    size_t n;
    if ((*err = h5s_read_elf(r, &b, &n)) != CAIRN_OK) return 0;
    h = mix(h, b, n);
    free(b);
    if ((*err = h5s_read_journal(r, &b, &n)) != CAIRN_OK) return 0;
    h = mix(h, b, n);
    free(b);
    uint64_t nseg = h5s_segment_count(r);
    h = mix(h, &nseg, 8);
    for (uint64_t s = 0; s < nseg; s++) {
        h5s_segment_meta m;
        if ((*err = h5s_segment(r, s, &m)) != CAIRN_OK) return 0;
        h = mix(mix(mix(h, &m.info, sizeof m.info), &m.ntables, 8), &m.has_trace, sizeof m.has_trace);
        if ((*err = h5s_read_snapshot(r, s, &b, &n)) != CAIRN_OK) return 0;
        h = mix(h, b, n);
        free(b);
        h5s_trace *t;
        if (m.has_trace) {
            if ((*err = h5s_read_trace(r, s, 1, &t)) != CAIRN_OK) return 0;
            h = mix_trace(h, t, 1);
            h5s_trace_free(t);
        }
        for (uint64_t k = 0; k < m.ntables; k++) {
            char name[H5S_MAX_NAME + 1];
            if ((*err = h5s_table_name(r, s, k, name)) != CAIRN_OK) return 0;
            if ((*err = h5s_read_table(r, s, name, 1, &t)) != CAIRN_OK) return 0;
            h = mix_trace(mix(h, name, strlen(name)), t, 1);
            h5s_trace_free(t);
        }
    }
    *err = CAIRN_OK;
    return h ? h : 1;
}

static uint64_t read_image(const uint8_t *b, size_t len, cairn_err *err)
{
    h5s_reader *r = NULL;
    if ((*err = h5s_open_image(&r, b, len)) != CAIRN_OK) {
        CU_ASSERT_PTR_NULL(r); /* failure leaves no reader */
        return 0;
    }
    uint64_t d = read_all(r, err);
    h5s_close(r);
    return d;
}

/* The job: 20 segments (dense links in version 1's flat /segments, dense
 * attributes in each), traces of 9 columns on every fourth (the reader
 * opens every column of a trace whenever it looks at its segment, so
 * more would only slow the test down), an io side table on every fifth,
 * small chunks so that datasets have several. */
static void write_job(const char *path)
{
    uint8_t id[32], elf[500], snap[300];
    for (int i = 0; i < 32; i++) id[i] = (uint8_t)(i * 13 + 1);
    for (int i = 0; i < 500; i++) elf[i] = (uint8_t)(i * 7 ^ i >> 3);
    for (int i = 0; i < 300; i++) snap[i] = (uint8_t)(i / 3);
    static uint32_t cols[NCOLS][ROWS];
    static const char *names[NCOLS] = {"pc", "insn", "rd", "rs1", "rs2", "rd_val", "rs1_val", "rs2_val",
                                       "mem_addr"};
    const uint32_t *cp[NCOLS];
    for (int c = 0; c < NCOLS; c++) {
        for (uint32_t i = 0; i < ROWS; i++) cols[c][i] = i * (uint32_t)(c + 1) + ((uint32_t)c << 16);
        cp[c] = cols[c];
    }
    h5s_program p = {id, 32, 0x10000, elf, sizeof elf};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &p), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 1, 1024), CAIRN_OK);
    for (uint64_t s = 0; s < NSEG; s++) {
        h5s_segment_info info;
        memset(&info, 0, sizeof info);
        info.index = s;
        info.cycles = ROWS;
        info.start_pc = 0x10000u + 4u * (uint32_t)s;
        info.end_pc = info.start_pc + 4u * ROWS;
        for (int i = 0; i < 32; i++) {
            info.start_root[i] = (uint8_t)(s + (uint64_t)i);
            info.end_state[i] = (uint8_t)(s * 3 + (uint64_t)i);
        }
        info.halted = s == NSEG - 1;
        h5s_columns tr = {ROWS, NCOLS, names, cp};
        h5s_table io = {"io", {5, 3, names, cp}};
        CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &info, snap, 20 + 10 * (size_t)s, s % 4 == 1 ? &tr : NULL,
                                                   &io, s % 5 == 2),
                        CAIRN_OK);
    }
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, (const uint8_t *)"twenty segments\n", 16), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "cycles", NSEG * ROWS), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "segments", NSEG), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "segment_po2", 6), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
}

static void test_flips(void)
{
    const char *e = getenv("CAIRN_TEST_SEED");
    uint64_t seed = e && *e ? strtoull(e, NULL, 0) : DEFAULT_SEED;
    e = getenv("CAIRN_FLIP_TRIALS");
    int trials = e && *e ? atoi(e) : DEFAULT_TRIALS;
    fprintf(stderr, "seed: %" PRIu64 " (h5s flips; replay with CAIRN_TEST_SEED), %d + %d trials\n", seed, trials,
            trials / 2);
    rng_t r;
    rng_seed(&r, seed);

    const char *path = test_path("many.h5");
    write_job(path);
    size_t len;
    uint8_t *orig = test_read_file(path, &len), *b = malloc(len ? len : 1);
    CU_ASSERT_FATAL(orig && b && len > 0);
    unlink(path);
    cairn_err err;
    uint64_t want = read_image(orig, len, &err);
    if (err != CAIRN_OK) fprintf(stderr, "\n  the unedited job does not read back: %s\n", cairn_last_error());
    CU_ASSERT_FATAL(want != 0);
    /* where HDF5's metadata blocks start: object headers, their
     * continuation chunks, v1 B-tree nodes (the chunk indexes), and the
     * fractal heap and v2 B-tree blocks of dense storage, should a writer
     * ever produce them again */
    static const char *const SIGS[] = {"OHDR", "OCHK", "TREE", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN", "BTLF"};
    static size_t sig[MAX_SIGS];
    size_t nsig = 0;
    for (size_t p = 0; p + 4 <= len && nsig < MAX_SIGS; p++)
        for (size_t k = 0; k < sizeof SIGS / sizeof SIGS[0]; k++)
            if (!memcmp(orig + p, SIGS[k], 4)) sig[nsig++] = p;
    CU_ASSERT_FATAL(nsig > NSEG);

    int same = 0, refused = 0, refused_any = 0, altered = 0, incomplete = 0, codes[CAIRN_ERR_INTERNAL + 2] = {0};
    for (int t = 0; t < trials + trials / 2; t++) {
        memcpy(b, orig, len);
        if (t == trials) refused_any = refused;
        size_t pos = (size_t)(rng_u64(&r) % len);
        if (t >= trials) {
            pos = sig[rng_u64(&r) % nsig] + (size_t)(rng_u64(&r) % 512);
            if (pos >= len) pos = len - 1;
        }
        uint8_t x = (uint8_t)(1 + rng_u64(&r) % 255);
        b[pos] ^= x;
        uint64_t got = read_image(b, len, &err);
        if (err == CAIRN_OK) {
            same += got == want;
            if (got != want) {
                altered++;
                fprintf(stderr, "\n  byte %zu ^ 0x%02x: read back with different content\n", pos, x);
            }
            continue;
        }
        refused++;
        codes[(unsigned)err <= CAIRN_ERR_INTERNAL ? err : CAIRN_ERR_INTERNAL + 1]++;
        /* a damaged header or attribute is damage, not an unfinished
         * segment (which a resumed job would silently rewrite) */
        if (strstr(cairn_last_error(), "incomplete segment")) {
            incomplete++;
            fprintf(stderr, "\n  byte %zu ^ 0x%02x: %s\n", pos, x, cairn_last_error());
        }
    }
    fprintf(stderr,
            "  %zu-byte file, %zu metadata blocks: %d refused (%d of the flips anywhere; format %d, corrupt %d, "
            "other %d), %d read back unchanged ",
            len, nsig, refused, refused_any, codes[CAIRN_ERR_FORMAT], codes[CAIRN_ERR_CORRUPT],
            refused - codes[CAIRN_ERR_FORMAT] - codes[CAIRN_ERR_CORRUPT], same);
    CU_ASSERT_EQUAL(altered, 0);
    CU_ASSERT_EQUAL(incomplete, 0);
    /* the test reaches the checks: a fair share of the flips anywhere, and
     * most flips in metadata, are noticed */
    CU_ASSERT(refused_any > trials / 8);
    CU_ASSERT(refused - refused_any > trials / 8);
    free(orig);
    free(b);
}

int main(void)
{
#ifdef M_PERTURB
    /* freed and fresh blocks filled with a pattern (MALLOC_PERTURB_=190),
     * so that a use of one shows (no effect under ASan, which checks) */
    mallopt(M_PERTURB, 190);
#endif
    dir = test_tmpdir("h5s_flips_XXXXXX");
    if (!dir) return 2;
    static const test_case cases[] = {
        {"one flipped byte in a 20-segment job", test_flips},
        {NULL, NULL},
    };
    int rc = test_run_suite("h5s flips", cases);
    rmdir(dir);
    return rc;
}
