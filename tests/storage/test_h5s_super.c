/* The superblock check that runs before libhdf5 sees a job file
 * (storage/h5s_super.c): lookup3 against its published values and against
 * libhdf5's own implementation, each rejection with its message (files and
 * in-memory images alike), every single-bit flip of a superblock refused,
 * and h5s_open_image reading exactly what h5s_open reads. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/h5s.h"
#include "storage/h5s_int.h"
#include "testutil.h"

/* libhdf5 exports its checksum (H5checksum.c) without declaring it in a
 * public header; it is the independent implementation to compare with. */
uint32_t H5_checksum_lookup3(const void *key, size_t length, uint32_t initval);

static const char *dir; /* test_tmpdir() */

static void spill(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(b, 1, len, f) == len);
    fclose(f);
}

/* A small job: two segments, one with a trace and a side table. */
static void write_job(const char *path, uint32_t entry)
{
    uint8_t id[32], elf[200], snap[300];
    for (int i = 0; i < 32; i++) id[i] = (uint8_t)(i * 5 + entry);
    for (int i = 0; i < 200; i++) elf[i] = (uint8_t)(i ^ 0x5a);
    for (int i = 0; i < 300; i++) snap[i] = (uint8_t)(i * 7);
    uint32_t c0[500], c1[500];
    for (uint32_t i = 0; i < 500; i++) c0[i] = i, c1[i] = i * 3 + entry;
    const char *names[2] = {"pc", "insn"}, *tnames[1] = {"v"};
    const uint32_t *cols[2] = {c0, c1}, *tcols[1] = {c1};
    h5s_columns tr = {500, 2, names, cols};
    h5s_table tab = {"io", {7, 1, tnames, tcols}};
    h5s_program p = {id, 32, entry, elf, sizeof elf};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &p), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 1, 1024), CAIRN_OK);
    for (uint64_t s = 0; s < 2; s++) {
        h5s_segment_info info;
        memset(&info, 0, sizeof info);
        info.index = s;
        info.cycles = 500;
        info.start_pc = entry;
        info.halted = s == 1;
        CU_ASSERT_EQUAL(h5s_job_add_segment_tables(j, &info, snap, sizeof snap, s ? &tr : NULL, &tab, s), CAIRN_OK);
    }
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, (const uint8_t *)"hello", 5), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "cycles", 1000), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void reseal(uint8_t *sb)
{
    uint32_t c = h5s_lookup3(sb, 44, 0);
    for (int i = 0; i < 4; i++) sb[44 + i] = (uint8_t)(c >> (8 * i));
}

/* Opening len bytes of b, as a file and as an image, fails with `want`
 * and a message containing every needle (NULL-terminated list). */
static void expect_reject(const uint8_t *b, size_t len, cairn_err want, const char *const *needles, const char *label)
{
    const char *p = test_path("bad.h5");
    spill(p, b, len);
    for (int image = 0; image < 2; image++) {
        h5s_reader *r = (h5s_reader *)1;
        cairn_err e = image ? h5s_open_image(&r, b, len) : h5s_open(&r, p);
        int ok = e == want && r == NULL;
        for (const char *const *n = needles; ok && *n; n++) ok = strstr(cairn_last_error(), *n) != NULL;
        if (!ok || getenv("CAIRN_TEST_VERBOSE"))
            fprintf(stderr, "\n  %s (%s): got %s (%s), want %s\n", label, image ? "image" : "file", cairn_err_name(e),
                    cairn_last_error(), cairn_err_name(want));
        CU_ASSERT(ok);
        h5s_close(e == CAIRN_OK ? r : NULL);
    }
    unlink(p);
}

#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_lookup3(void)
{
    /* values printed by the self-test of Jenkins' published lookup3.c */
    const char *s = "Four score and seven years ago";
    CU_ASSERT_EQUAL(h5s_lookup3("", 0, 0), 0xdeadbeefu);
    CU_ASSERT_EQUAL(h5s_lookup3("", 0, 0xdeadbeefu), 0xbd5b7ddeu);
    CU_ASSERT_EQUAL(h5s_lookup3(s, 30, 0), 0x17770551u);
    CU_ASSERT_EQUAL(h5s_lookup3(s, 30, 1), 0xcd628161u);
    /* against libhdf5 on every length across a few 12-byte blocks (the
     * tail handling) and random lengths, initial values and alignments */
    rng_t r;
    rng_seed(&r, test_seed("h5s lookup3"));
    uint8_t buf[4096 + 8];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)rng_u64(&r);
    int bad = 0;
    for (size_t n = 0; n <= 100; n++) bad += h5s_lookup3(buf, n, 0) != H5_checksum_lookup3(buf, n, 0);
    for (int t = 0; t < 500; t++) {
        size_t n = rng_u64(&r) % 4097, off = rng_u64(&r) % 8;
        uint32_t init = (uint32_t)rng_u64(&r);
        bad += h5s_lookup3(buf + off, n, init) != H5_checksum_lookup3(buf + off, n, init);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_valid(void)
{
    const char *p = test_path("good.h5");
    write_job(p, 0x1000);
    size_t len;
    uint8_t *b = test_read_file(p, &len);
    CU_ASSERT_FATAL(b != NULL && len > H5S_SUPERBLOCK_BYTES);
    /* what the writer makes: version 2, 8-byte sizes, HDF5's checksum */
    CU_ASSERT_EQUAL(b[8], 2);
    CU_ASSERT_EQUAL(b[9], 8);
    CU_ASSERT_EQUAL(b[10], 8);
    CU_ASSERT_EQUAL(h5s_lookup3(b, 44, 0), (uint32_t)b[44] | (uint32_t)b[45] << 8 | (uint32_t)b[46] << 16 |
                                               (uint32_t)b[47] << 24);
    CU_ASSERT_EQUAL(h5s_check_superblock(b, H5S_SUPERBLOCK_BYTES, len, NULL), CAIRN_OK);
    /* bytes after the end-of-file address are HDF5's business, not an
     * error: the superblock check accepts a longer file */
    CU_ASSERT_EQUAL(h5s_check_superblock(b, H5S_SUPERBLOCK_BYTES, len + 100, NULL), CAIRN_OK);
    h5s_reader *r;
    CU_ASSERT_EQUAL(h5s_open(&r, p), CAIRN_OK);
    h5s_close(r);
    free(b);
    unlink(p);
}

/* Each field of the superblock, wrong in turn. */
static void test_rejections(void)
{
    const char *p = test_path("good.h5");
    write_job(p, 0x1000);
    size_t len;
    uint8_t *good = test_read_file(p, &len), *b = malloc(len + 1);
    CU_ASSERT_FATAL(good && b);
    unlink(p);
    char want[160];

    /* files too short to hold a superblock */
    expect_reject(good, 0, CAIRN_ERR_FORMAT, NEEDLES("not an HDF5 file"), "empty");
    expect_reject(good, 8, CAIRN_ERR_FORMAT, NEEDLES("ends after the signature"), "signature only");
    expect_reject(good, 10, CAIRN_ERR_FORMAT, NEEDLES("ends after 10 bytes"), "10 bytes");
    expect_reject(good, 30, CAIRN_ERR_FORMAT, NEEDLES("ends after 30 bytes", "truncated"), "30 bytes");
    expect_reject(good, 47, CAIRN_ERR_FORMAT, NEEDLES("ends after 47 bytes"), "47 bytes");

    memcpy(b, good, len);
    b[1] = 'h';
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("not an HDF5 file"), "signature");

    memcpy(b, good, len);
    b[8] = 4;
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("not a cairn job file: HDF5 superblock version 4"), "version 4");
    b[8] = 1;
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT,
                  NEEDLES("not a cairn job file: HDF5 superblock version 1 (cairn writes version 2 or later)"),
                  "version 1");

    memcpy(b, good, len);
    b[9] = 4;
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("4-byte offsets and 8-byte lengths"), "4-byte offsets");

    memcpy(b, good, len);
    b[20] ^= 0x10; /* inside the extension address, not resealed */
    snprintf(want, sizeof want, "checksum 0x%08x stored, 0x%08x computed", h5s_lookup3(good, 44, 0),
             h5s_lookup3(b, 44, 0));
    expect_reject(b, len, CAIRN_ERR_CORRUPT, NEEDLES(want), "checksum");
    memcpy(b, good, len);
    b[46] ^= 1;
    expect_reject(b, len, CAIRN_ERR_CORRUPT, NEEDLES("HDF5 superblock: checksum"), "checksum bytes");

    memcpy(b, good, len);
    put_le64(b + 12, 512);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("base address 0x200"), "base address");

    /* end-of-file address: past the file (a truncated file), undefined,
     * inside the superblock */
    snprintf(want, sizeof want, "end-of-file address 0x%zx beyond file size 0x%zx", len, len - 1);
    expect_reject(good, len - 1, CAIRN_ERR_FORMAT, NEEDLES(want, "truncated"), "truncated by a byte");
    snprintf(want, sizeof want, "end-of-file address 0x%zx beyond file size 0x%x", len, 1000);
    expect_reject(good, 1000, CAIRN_ERR_FORMAT, NEEDLES(want), "truncated to 1000");
    memcpy(b, good, len);
    put_le64(b + 28, UINT64_MAX);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("end-of-file address undefined"), "eof undefined");
    put_le64(b + 28, 40);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("end-of-file address 0x28 inside the superblock"), "eof 40");
    /* a longer file with the true end-of-file address is fine as far as
     * the superblock goes (HDF5 ignores what follows) */
    memcpy(b, good, len);
    b[len] = 0;
    h5s_reader *r;
    CU_ASSERT_EQUAL(h5s_open_image(&r, b, len + 1), CAIRN_OK);
    h5s_close(r);

    memcpy(b, good, len);
    put_le64(b + 36, len);
    reseal(b);
    snprintf(want, sizeof want, "root object header address 0x%zx outside the file (0x30..0x%zx)", len, len);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES(want), "root at eof");
    put_le64(b + 36, 0);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("root object header address 0x0 outside"), "root at 0");
    put_le64(b + 36, UINT64_MAX);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("root object header address 0xffffffffffffffff"), "root undef");

    memcpy(b, good, len);
    put_le64(b + 20, (uint64_t)len + 4096);
    reseal(b);
    snprintf(want, sizeof want, "superblock extension address 0x%zx outside the file", len + 4096);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES(want), "extension past eof");
    put_le64(b + 20, 16);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("superblock extension address 0x10 outside"), "extension at 16");

    /* every single-bit flip in the superblock is refused by cairn itself,
     * before HDF5 reads anything: as checksum, signature or version */
    int missed = 0;
    for (size_t bit = 0; bit < 8 * H5S_SUPERBLOCK_BYTES; bit++) {
        memcpy(b, good, len);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cairn_err e = h5s_check_superblock(b, H5S_SUPERBLOCK_BYTES, len, NULL);
        if (e != CAIRN_ERR_FORMAT && e != CAIRN_ERR_CORRUPT) {
            fprintf(stderr, "\n  flip of bit %zu: %s\n", bit, cairn_err_name(e));
            missed++;
        }
    }
    CU_ASSERT_EQUAL(missed, 0);
    free(good);
    free(b);
}

/* HDF5 files cairn does not write, made by libhdf5 itself. */
static void test_other_hdf5(void)
{
    const char *p = test_path("other.h5");
    size_t len;
    uint8_t *b;

    /* default properties: the HDF5 1.6 formats, superblock version 0 */
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    H5Fclose(f);
    b = test_read_file(p, &len);
    expect_reject(b, len, CAIRN_ERR_FORMAT,
                  NEEDLES("not a cairn job file: HDF5 superblock version 0 (cairn writes version 2 or later)"),
                  "HDF5 default file");
    free(b);

    /* a user block puts the signature at 512 */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_userblock(fcpl, 512);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    f = H5Fcreate(p, H5F_ACC_TRUNC, fcpl, fapl);
    CU_ASSERT_FATAL(f >= 0);
    H5Fclose(f);
    H5Pclose(fcpl);
    b = test_read_file(p, &len);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("no HDF5 signature at offset 0"), "user block");
    free(b);

    /* 4-byte offsets, otherwise the formats cairn writes */
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_sizes(fcpl, 4, 4);
    f = H5Fcreate(p, H5F_ACC_TRUNC, fcpl, fapl);
    CU_ASSERT_FATAL(f >= 0);
    H5Fclose(f);
    H5Pclose(fcpl);
    b = test_read_file(p, &len);
    CU_ASSERT_EQUAL(b[8], 2);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("4-byte offsets and 4-byte lengths"), "4-byte sizes");
    free(b);

    /* version 3 (HDF5 1.10 formats) passes the superblock check; the file
     * is then refused for what it holds */
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    CU_ASSERT_FATAL(f >= 0);
    H5Fclose(f);
    H5Pclose(fapl);
    b = test_read_file(p, &len);
    CU_ASSERT_EQUAL(b[8], 3);
    CU_ASSERT_EQUAL(h5s_check_superblock(b, len, len, NULL), CAIRN_OK);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("not a cairn job file: attribute /cairn_format missing"),
                  "version 3, not a job");
    free(b);

    /* not a regular file */
    h5s_reader *r;
    CU_ASSERT_EQUAL(h5s_open(&r, dir), CAIRN_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "not a regular file"));
    unlink(p);
}

/* ---- object headers (storage/h5s_ohdr.c) --------------------------------
 * Crafted files: a message edited and its header's checksum recomputed,
 * as an attacker would, so that only cairn's own check stands between the
 * edit and libhdf5's decoders (each case below crashed libhdf5 1.10 in
 * tests/fuzz/fuzz_h5.c before the check existed, or is of the same kind). */

typedef struct {
    size_t start, sum_at; /* checksum of [start, sum_at) stored at sum_at */
    size_t msgs, msgs_end; /* the messages */
    int corder;            /* messages carry a creation index */
} hblock;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Object header chunks of a file: each signature followed by the first 4
 * bytes that checksum everything from it. */
static size_t find_hblocks(const uint8_t *b, size_t len, hblock *out, size_t max)
{
    size_t n = 0;
    for (size_t p = H5S_SUPERBLOCK_BYTES; p + 8 <= len && n < max; p++) {
        int ohdr = !memcmp(b + p, "OHDR", 4), ochk = !memcmp(b + p, "OCHK", 4);
        if (!ohdr && !ochk) continue;
        for (size_t q = p + 5; q + 4 <= len && q - p <= 4096; q++) {
            if (h5s_lookup3(b + p, q - p, 0) != rd32(b + q)) continue;
            hblock *h = &out[n];
            h->start = p;
            h->sum_at = q;
            h->msgs_end = q;
            h->corder = 0;
            if (ohdr) {
                unsigned fl = b[p + 5];
                h->corder = (fl & 4) != 0;
                h->msgs = p + 6 + ((fl & 0x20) ? 16 : 0) + ((fl & 0x10) ? 4 : 0) + ((size_t)1 << (fl & 3));
            } else {
                h->msgs = p + 4;
            }
            n++;
            p = q + 3;
            break;
        }
    }
    return n;
}

/* Offset of the body of the first message of `type` whose body holds
 * `needle` (NULL: any), or 0; *blk gets its block. */
static size_t find_msg(const uint8_t *b, size_t len, unsigned type, const char *needle, size_t *size, hblock *blk)
{
    static hblock hb[512];
    size_t nb = find_hblocks(b, len, hb, 512);
    for (size_t i = 0; i < nb; i++) {
        size_t hdr = hb[i].corder ? 6 : 4;
        for (size_t p = hb[i].msgs; p + hdr <= hb[i].msgs_end;) {
            size_t sz = (size_t)b[p + 1] | (size_t)b[p + 2] << 8;
            const uint8_t *body = b + p + hdr;
            int hit = b[p] == type && p + hdr + sz <= hb[i].msgs_end;
            if (hit && needle) {
                hit = 0;
                for (size_t k = 0; k + strlen(needle) <= sz; k++) hit |= !memcmp(body + k, needle, strlen(needle));
            }
            if (hit) {
                *size = sz;
                *blk = hb[i];
                return (size_t)(body - b);
            }
            p += hdr + sz;
        }
    }
    return 0;
}

static void reseal_block(uint8_t *b, const hblock *h)
{
    uint32_t c = h5s_lookup3(b + h->start, h->sum_at - h->start, 0);
    for (int i = 0; i < 4; i++) b[h->sum_at + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void test_object_headers(void)
{
    const char *p = test_path("oh.h5");
    write_job(p, 0x1000);
    size_t len, sz, at;
    uint8_t *good = test_read_file(p, &len), *b = malloc(len);
    CU_ASSERT_FATAL(good && b);
    unlink(p);
    hblock h;
    h5s_reader *r;
    /* the unedited file, through the same helpers: every header passes */
    CU_ASSERT_EQUAL(h5s_open_image(&r, good, len), CAIRN_OK);
    h5s_close(r);

    /* a link name longer than its message (libhdf5 read past the
     * message, then freed a wild pointer) */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x06, "program", &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    CU_ASSERT_EQUAL(b[at + 2], 7); /* version 1, flags 0: 1-byte name length */
    b[at + 2] = 0x7e;
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("root group: object header at 0x", "link name does not fit"),
                  "long link name");

    /* an attribute's integer type with more bits than bytes (libhdf5's
     * conversion ran off its buffer) */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x0c, "cairn_version", &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    /* version 3: name at 9; datatype after the name (14 bytes + NUL) */
    size_t dt = at + 9 + 14;
    CU_ASSERT_EQUAL(b[dt] & 15, 0);
    CU_ASSERT_EQUAL(rd32(b + dt + 4), 4);
    b[dt + 10] = 200; /* precision */
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("integer of 4 bytes with 200 bits"), "precision");
    /* ... or a size its data does not have */
    b[dt + 10] = 64;
    b[dt + 4] = 8;
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT,
                  NEEDLES("attribute 'cairn_version': 1 elements of 8 bytes, 4 bytes of data"), "attribute data short");

    /* attribute info naming a fractal heap but no B-tree (libhdf5 read
     * the B-tree header at the undefined address) */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x15, NULL, &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    CU_ASSERT_EQUAL(good[at + 2], 0xff);
    memset(b + at + 2, 0, 8);
    b[at + 2] = 0x80;
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("attribute info: dense storage addresses 0x80, 0xffffffffffffffff"),
                  "heap without B-tree");

    /* a dataset whose chunk index lies past the end of the file */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x08, NULL, &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    CU_ASSERT_EQUAL(b[at], 3);
    CU_ASSERT_EQUAL(b[at + 1], 2);
    for (int i = 0; i < 8; i++) b[at + 3 + (size_t)i] = (uint8_t)((uint64_t)(len + 64) >> (8 * i));
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("chunked layout of 2 dimensions or its index outside the file"),
                  "chunk index outside");

    /* a continuation chunk that is the header itself (a loop) */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x10, NULL, &sz, &h);
    CU_ASSERT_FATAL(at != 0 && h.start == H5S_SUPERBLOCK_BYTES); /* the root's first message */
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (uint8_t)(h.start >> (8 * i));
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("continuation chunk at 0x30 listed twice"), "continuation loop");

    /* a message type cairn never writes (a NIL message turned into an
     * old-style symbol table) */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x00, NULL, &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    b[at - (h.corder ? 6 : 4)] = 0x11;
    reseal_block(b, &h);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("message type 0x11 (not in cairn's files)"), "unknown message");

    /* a damaged header (no recomputed checksum) is refused as corrupt */
    memcpy(b, good, len);
    at = find_msg(b, len, 0x0c, "entry", &sz, &h);
    CU_ASSERT_FATAL(at != 0);
    b[at + 5] ^= 4;
    expect_reject(b, len, CAIRN_ERR_CORRUPT, NEEDLES("/program: object header at 0x", "checksum mismatch in the O"),
                  "checksum");

    /* a superblock extension inside the file */
    memcpy(b, good, len);
    b[20] = 0x30;
    memset(b + 21, 0, 7);
    reseal(b);
    expect_reject(b, len, CAIRN_ERR_FORMAT, NEEDLES("superblock extension at 0x30 (cairn files have none)"),
                  "extension");
    free(good);
    free(b);
}

/* FNV-1a of everything a reader returns (0 if any call fails). */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t digest(h5s_reader *r)
{
    uint64_t h = 1469598103934665603ull;
    h5s_program_info p;
    h5s_program_get(r, &p);
    h = mix(mix(h, p.image_id, 32), &p.entry, 4);
    for (size_t i = 0; i < h5s_attr_count(r); i++) {
        uint64_t v = h5s_attr_value(r, i);
        h = mix(mix(h, h5s_attr_name(r, i), strlen(h5s_attr_name(r, i))), &v, 8);
    }
    uint8_t *b;
    size_t n;
    if (h5s_read_elf(r, &b, &n) != CAIRN_OK) return 0;
    h = mix(h, b, n);
    free(b);
    if (h5s_read_journal(r, &b, &n) != CAIRN_OK) return 0;
    h = mix(h, b, n);
    free(b);
    for (uint64_t s = 0; s < h5s_segment_count(r); s++) {
        h5s_segment_meta m;
        if (h5s_segment(r, s, &m) != CAIRN_OK || h5s_read_snapshot(r, s, &b, &n) != CAIRN_OK) return 0;
        h = mix(mix(h, &m.info, sizeof m.info), b, n);
        free(b);
        h5s_trace *t;
        if (m.has_trace) {
            if (h5s_read_trace(r, s, 1, &t) != CAIRN_OK) return 0;
            for (size_t c = 0; c < t->ncols; c++)
                h = mix(mix(h, t->names[c], strlen(t->names[c])), t->cols[c], 4 * t->nrows);
            h5s_trace_free(t);
        }
        for (uint64_t k = 0; k < m.ntables; k++) {
            char name[H5S_MAX_NAME + 1];
            if (h5s_table_name(r, s, k, name) != CAIRN_OK || h5s_read_table(r, s, name, 1, &t) != CAIRN_OK) return 0;
            h = mix(h, name, strlen(name));
            for (size_t c = 0; c < t->ncols; c++) h = mix(h, t->cols[c], 4 * t->nrows);
            h5s_trace_free(t);
        }
    }
    return h ? h : 1;
}

static void test_image(void)
{
    const char *pa = test_path("a.h5"), *pb = test_path("b.h5");
    write_job(pa, 0x1000);
    write_job(pb, 0x2000);
    size_t la, lb;
    uint8_t *a = test_read_file(pa, &la), *b = test_read_file(pb, &lb);
    CU_ASSERT_FATAL(a && b);
    h5s_reader *fa, *fb, *ia, *ib;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&fa, pa), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_open(&fb, pb), CAIRN_OK);
    /* both images open at once: each is its own file to HDF5, and the
     * caller's buffer is not needed after the open */
    CU_ASSERT_EQUAL_FATAL(h5s_open_image(&ia, a, la), CAIRN_OK);
    uint8_t *copy = malloc(lb);
    memcpy(copy, b, lb);
    CU_ASSERT_EQUAL_FATAL(h5s_open_image(&ib, copy, lb), CAIRN_OK);
    memset(copy, 0, lb);
    free(copy);
    uint64_t da = digest(fa), db = digest(fb);
    CU_ASSERT(da != 0 && db != 0 && da != db);
    CU_ASSERT_EQUAL(digest(ia), da);
    CU_ASSERT_EQUAL(digest(ib), db);
    h5s_program_info pi;
    h5s_program_get(ib, &pi);
    CU_ASSERT_EQUAL(pi.entry, 0x2000);
    h5s_close(fa);
    h5s_close(fb);
    h5s_close(ia);
    h5s_close(ib);

    /* errors from inside an image name it: a byte of the root group's
     * object header (it follows the superblock) */
    uint8_t *bad = malloc(la);
    memcpy(bad, a, la);
    bad[H5S_SUPERBLOCK_BYTES + 12] ^= 0xff;
    h5s_reader *r;
    cairn_err e = h5s_open_image(&r, bad, la);
    if (e == CAIRN_OK) {
        e = digest(r) ? CAIRN_OK : CAIRN_ERR_CORRUPT;
        h5s_close(r);
    }
    CU_ASSERT(e != CAIRN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "job file image"));
    free(bad);

    CU_ASSERT_EQUAL(h5s_open_image(&r, NULL, 10), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_open_image(NULL, a, la), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_open_image(&r, NULL, 0), CAIRN_ERR_FORMAT);
    free(a);
    free(b);
    unlink(pa);
    unlink(pb);
}

int main(void)
{
    dir = test_tmpdir("h5s_super_XXXXXX");
    if (!dir) {
        return 2;
    }
    static const test_case cases[] = {
        {"lookup3 = published values = libhdf5", test_lookup3},
        {"valid superblock", test_valid},
        {"each field wrong", test_rejections},
        {"HDF5 files cairn does not write", test_other_hdf5},
        {"in-memory images", test_image},
        {"crafted object headers", test_object_headers},
        {NULL, NULL},
    };
    int rc = test_run_suite("h5s_super", cases);
    rmdir(dir);
    return rc;
}
