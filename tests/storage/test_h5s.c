/* Job files: round trips, the on-disk layout seen through raw HDF5, the
 * .tmp + rename rule, and damaged or malformed files (flipped chunk bytes,
 * truncation, wrong types and shapes written with raw HDF5 calls), which
 * must be reported, never read as data. Also checks that h5dump lists the
 * file and, through the plugin module, that h5dump/h5py read its data. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include "storage/h5s.h"
#include "storage/h5s_int.h"
#include "testutil.h"

#define NSEG 4
#define MAXCOL 6
#define CHUNK 4096 /* small chunks so that small data spans several */

typedef struct {
    uint8_t image_id[32];
    uint32_t entry;
    uint8_t *elf;
    size_t elf_len;
    uint8_t *journal;
    size_t journal_len;
    h5s_segment_info info[NSEG];
    uint8_t *snap[NSEG];
    size_t snap_len[NSEG];
    int has_trace[NSEG];
    size_t rows[NSEG], ncols[NSEG];
    const char *names[NSEG][MAXCOL];
    uint32_t *cols[NSEG][MAXCOL];
} fixture;

static const char *dir; /* test_tmpdir() */

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static uint8_t *rand_bytes(rng_t *r, size_t n, int compressible)
{
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) b[i] = compressible ? (uint8_t)(i / 64) : (uint8_t)rng_u64(r);
    return b;
}

static void fixture_make(fixture *f, rng_t *r)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 32; i++) f->image_id[i] = (uint8_t)rng_u64(r);
    f->entry = 0x10074;
    f->elf_len = 3000;
    f->elf = rand_bytes(r, f->elf_len, 0);
    f->journal_len = 2 * CHUNK + 100; /* more than one chunk */
    f->journal = rand_bytes(r, f->journal_len, 1);
    memcpy(f->journal, "hello\n\0\xff", 8);
    /* snapshots of 0, 1, 1000 bytes and more than three chunks */
    const size_t snap_len[NSEG] = {0, 1, 1000, 3 * CHUNK + 17};
    /* no trace; rows not a multiple of the chunk (1024 rows); 0 rows; 1 row */
    const size_t rows[NSEG] = {0, 2 * (CHUNK / 4) + 5, 0, 1};
    const size_t ncols[NSEG] = {0, 6, 2, 1};
    /* deliberately not in name order: the column order must survive */
    static const char *names[MAXCOL] = {"pc", "insn", "a0", "zz_last", "mem.addr", "x-1"};
    for (int s = 0; s < NSEG; s++) {
        h5s_segment_info *in = &f->info[s];
        in->index = (uint64_t)s;
        in->cycles = (1ull << 33) + (uint64_t)s; /* wider than 32 bits */
        in->start_pc = 0x10000u + 4u * (uint32_t)s;
        in->end_pc = 0xfffffffcu - (uint32_t)s;
        for (int i = 0; i < 32; i++) {
            in->start_root[i] = (uint8_t)rng_u64(r);
            in->end_root[i] = (uint8_t)rng_u64(r);
            in->start_state[i] = (uint8_t)rng_u64(r);
            in->end_state[i] = (uint8_t)rng_u64(r);
        }
        in->halted = s == NSEG - 1;
        in->exit_code = s == NSEG - 1 ? -3 : 0;
        f->snap_len[s] = snap_len[s];
        f->snap[s] = rand_bytes(r, snap_len[s], s == 3 ? 0 : 1);
        f->has_trace[s] = s != 0;
        f->rows[s] = rows[s];
        f->ncols[s] = ncols[s];
        for (size_t c = 0; c < ncols[s]; c++) {
            f->names[s][c] = names[c];
            f->cols[s][c] = malloc(rows[s] ? rows[s] * 4 : 4);
            for (size_t i = 0; i < rows[s]; i++)
                f->cols[s][c][i] = c % 2 ? (uint32_t)rng_u64(r) : (uint32_t)(0x10000 + 4 * i);
            if (rows[s]) f->cols[s][c][0] = c == 0 ? 0xffffffffu : 0; /* edge values */
        }
    }
}

static void fixture_free(fixture *f)
{
    free(f->elf);
    free(f->journal);
    for (int s = 0; s < NSEG; s++) {
        free(f->snap[s]);
        for (size_t c = 0; c < f->ncols[s]; c++) free(f->cols[s][c]);
    }
}

static cairn_err fixture_write(const fixture *f, const char *path, size_t chunk)
{
    h5s_program prog = {f->image_id, 32, f->entry, f->elf, f->elf_len};
    h5s_job *j;
    cairn_err e = h5s_job_create(&j, path, &prog);
    if (e != CAIRN_OK) return e;
    if ((e = h5s_job_set_compression(j, 5, chunk)) != CAIRN_OK) goto fail;
    for (int s = 0; s < NSEG; s++) {
        h5s_columns t = {f->rows[s], f->ncols[s], f->names[s], (const uint32_t *const *)f->cols[s]};
        if ((e = h5s_job_add_segment(j, &f->info[s], f->snap[s], f->snap_len[s], f->has_trace[s] ? &t : NULL)) !=
            CAIRN_OK)
            goto fail;
    }
    if ((e = h5s_job_set_journal(j, f->journal, f->journal_len)) != CAIRN_OK) goto fail;
    if ((e = h5s_job_set_attr_u64(j, "cycles", 123456789012ull)) != CAIRN_OK) goto fail;
    if ((e = h5s_job_set_attr_u64(j, "segment_po2", 10)) != CAIRN_OK) goto fail;
    if ((e = h5s_job_set_attr_u64(j, "exit_code", 0)) != CAIRN_OK) goto fail;
    if ((e = h5s_job_set_attr_u64(j, "exit_code", 253)) != CAIRN_OK) goto fail; /* replaced */
    return h5s_job_close(j);
fail:
    h5s_job_abort(j);
    return e;
}

static void check_segment_info(const h5s_segment_info *a, const h5s_segment_info *b)
{
    CU_ASSERT_EQUAL(a->index, b->index);
    CU_ASSERT_EQUAL(a->cycles, b->cycles);
    CU_ASSERT_EQUAL(a->start_pc, b->start_pc);
    CU_ASSERT_EQUAL(a->end_pc, b->end_pc);
    CU_ASSERT(!memcmp(a->start_root, b->start_root, 32));
    CU_ASSERT(!memcmp(a->end_root, b->end_root, 32));
    CU_ASSERT(!memcmp(a->start_state, b->start_state, 32));
    CU_ASSERT(!memcmp(a->end_state, b->end_state, 32));
    CU_ASSERT_EQUAL(!!a->halted, !!b->halted);
    CU_ASSERT_EQUAL(a->exit_code, b->exit_code);
}

static void fixture_check(const fixture *f, const char *path)
{
    h5s_reader *r;
    cairn_err e = h5s_open(&r, path);
    if (e != CAIRN_OK) fprintf(stderr, "open: %s\n", cairn_last_error());
    CU_ASSERT_FATAL(e == CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_version(r), H5S_FORMAT_VERSION);
    h5s_program_info p;
    h5s_program_get(r, &p);
    CU_ASSERT(!memcmp(p.image_id, f->image_id, 32));
    CU_ASSERT_EQUAL(p.entry, f->entry);
    CU_ASSERT_EQUAL(p.has_elf, f->elf_len > 0);
    CU_ASSERT_EQUAL(p.elf_len, f->elf_len);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL(h5s_read_elf(r, &b, &n), CAIRN_OK);
    CU_ASSERT(n == f->elf_len && (n == 0 || !memcmp(b, f->elf, n)));
    free(b);
    CU_ASSERT_EQUAL(h5s_journal_size(r).raw, f->journal_len);
    CU_ASSERT_EQUAL(h5s_read_journal(r, &b, &n), CAIRN_OK);
    CU_ASSERT(n == f->journal_len && (n == 0 || !memcmp(b, f->journal, n)));
    free(b);

    uint64_t v = 0;
    CU_ASSERT_EQUAL(h5s_attr_count(r), 3);
    CU_ASSERT_EQUAL(h5s_get_attr_u64(r, "cycles", &v), CAIRN_OK);
    CU_ASSERT_EQUAL(v, 123456789012ull);
    CU_ASSERT_EQUAL(h5s_get_attr_u64(r, "exit_code", &v), CAIRN_OK);
    CU_ASSERT_EQUAL(v, 253);
    CU_ASSERT_EQUAL(h5s_get_attr_u64(r, "nope", &v), CAIRN_ERR_USAGE);
    CU_ASSERT_STRING_EQUAL(h5s_attr_name(r, 0), "cycles"); /* name order */
    CU_ASSERT_PTR_NULL(h5s_attr_name(r, 3));

    CU_ASSERT_EQUAL_FATAL(h5s_segment_count(r), NSEG);
    for (int s = 0; s < NSEG; s++) {
        h5s_segment_meta m;
        CU_ASSERT_EQUAL_FATAL(h5s_segment(r, (uint64_t)s, &m), CAIRN_OK);
        check_segment_info(&m.info, &f->info[s]);
        CU_ASSERT_EQUAL(m.snapshot.raw, f->snap_len[s]);
        CU_ASSERT_EQUAL(m.has_trace, f->has_trace[s]);
        CU_ASSERT_EQUAL(m.trace_rows, f->rows[s]);
        CU_ASSERT_EQUAL(m.trace_cols, f->ncols[s]);
        CU_ASSERT_EQUAL(m.trace.raw, 4 * f->rows[s] * f->ncols[s]);
        CU_ASSERT_EQUAL(h5s_read_snapshot(r, (uint64_t)s, &b, &n), CAIRN_OK);
        CU_ASSERT(n == f->snap_len[s] && (n == 0 || !memcmp(b, f->snap[s], n)));
        free(b);
        h5s_trace *t;
        e = h5s_read_trace(r, (uint64_t)s, 1, &t);
        if (!f->has_trace[s]) {
            CU_ASSERT_EQUAL(e, CAIRN_ERR_USAGE);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
        CU_ASSERT_EQUAL(t->nrows, f->rows[s]);
        CU_ASSERT_EQUAL_FATAL(t->ncols, f->ncols[s]);
        CU_ASSERT_EQUAL(t->view.ncols, f->ncols[s]);
        for (size_t c = 0; c < t->ncols; c++) {
            CU_ASSERT_STRING_EQUAL(t->names[c], f->names[s][c]);
            CU_ASSERT(f->rows[s] == 0 || !memcmp(t->cols[c], f->cols[s][c], 4 * f->rows[s]));
        }
        h5s_trace_free(t);
        CU_ASSERT_EQUAL(h5s_read_trace(r, (uint64_t)s, 0, &t), CAIRN_OK);
        CU_ASSERT(t && t->cols == NULL && t->ncols == f->ncols[s]);
        h5s_trace_free(t);
    }
    h5s_segment_meta m;
    CU_ASSERT_EQUAL(h5s_segment(r, NSEG, &m), CAIRN_ERR_USAGE);
    h5s_close(r);
}

static void test_round_trip(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s round trip"));
    fixture f;
    fixture_make(&f, &r);
    const char *p = test_path("rt.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, p, CHUNK), CAIRN_OK);
    CU_ASSERT(!file_exists(test_path("rt.h5.tmp")));
    fixture_check(&f, p);
    /* the same data with the default 1 MiB chunks */
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, p, H5S_CHUNK_BYTES_DEFAULT), CAIRN_OK);
    fixture_check(&f, p);
    unlink(p);
    fixture_free(&f);
}

/* The same job gives the same bytes: no timestamps, zero-filled chunk
 * tails (nothing of the writer's memory leaks into the file). */
static void test_deterministic(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s deterministic"));
    fixture f;
    fixture_make(&f, &r);
    const char *a = test_path("det_a.h5"), *b = test_path("det_b.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, a, CHUNK), CAIRN_OK);
    usleep(1100000); /* HDF5 timestamps have 1 s resolution */
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, b, CHUNK), CAIRN_OK);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    CU_ASSERT_EQUAL(system(cmd), 0);
    unlink(a);
    unlink(b);
    fixture_free(&f);
}

/* cairn filters chunks itself (in parallel) and writes them with
 * H5Dwrite_chunk; the file must be byte for byte the one HDF5's own filter
 * pipeline writes (shuffle, zstd, Fletcher32, zero tails). */
static void test_direct_chunks(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s direct chunks"));
    fixture f;
    fixture_make(&f, &r);
    /* odd lengths everywhere: partial last chunks of bytes and words */
    f.journal_len -= 3;
    const char *a = test_path("direct.h5"), *b = test_path("pipeline.h5");
    for (int k = 0; k < 2; k++) {
        size_t chunk = k ? H5S_CHUNK_BYTES_DEFAULT : CHUNK;
        h5s_set_direct_chunks(1);
        CU_ASSERT_EQUAL_FATAL(fixture_write(&f, a, chunk), CAIRN_OK);
        h5s_set_direct_chunks(0);
        CU_ASSERT_EQUAL_FATAL(fixture_write(&f, b, chunk), CAIRN_OK);
        h5s_set_direct_chunks(1);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cmp %s %s", a, b);
        CU_ASSERT_EQUAL(system(cmd), 0);
        fixture_check(&f, a);
    }
    unlink(a);
    unlink(b);
    fixture_free(&f);
}

/* Default chunking with data larger than one chunk: a 1.5 MiB snapshot and
 * a 300000-row trace (chunks of 262144 rows), no ELF, journal never set. */
static void test_large_default_chunks(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s large"));
    size_t sn = 3 * H5S_CHUNK_BYTES_DEFAULT / 2 + 3, rows = 300000;
    uint8_t *snap = rand_bytes(&r, sn, 0);
    uint32_t *c0 = malloc(rows * 4), *c1 = malloc(rows * 4);
    for (size_t i = 0; i < rows; i++) {
        c0[i] = (uint32_t)i;
        c1[i] = (uint32_t)rng_u64(&r);
    }
    const char *names[2] = {"cycle", "rnd"};
    const uint32_t *cols[2] = {c0, c1};
    h5s_columns t = {rows, 2, names, cols};
    uint8_t id[32] = {1, 2, 3};
    h5s_program prog = {id, 32, 0x1000, NULL, 0};
    h5s_segment_info info = {.index = 0, .cycles = rows};
    const char *p = test_path("large.h5");
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, snap, sn, &t), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);

    h5s_reader *rd;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&rd, p), CAIRN_OK);
    h5s_program_info pi;
    h5s_program_get(rd, &pi);
    CU_ASSERT_EQUAL(pi.has_elf, 0);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL(h5s_read_elf(rd, &b, &n), CAIRN_OK);
    CU_ASSERT(b == NULL && n == 0);
    CU_ASSERT_EQUAL(h5s_read_journal(rd, &b, &n), CAIRN_OK);
    CU_ASSERT(b == NULL && n == 0);
    CU_ASSERT_EQUAL(h5s_attr_count(rd), 0);
    CU_ASSERT_EQUAL(h5s_read_snapshot(rd, 0, &b, &n), CAIRN_OK);
    CU_ASSERT(n == sn && !memcmp(b, snap, sn));
    free(b);
    h5s_trace *tr;
    CU_ASSERT_EQUAL_FATAL(h5s_read_trace(rd, 0, 1, &tr), CAIRN_OK);
    CU_ASSERT(tr->nrows == rows && !memcmp(tr->cols[0], c0, rows * 4) && !memcmp(tr->cols[1], c1, rows * 4));
    h5s_segment_meta m;
    CU_ASSERT_EQUAL(h5s_segment(rd, 0, &m), CAIRN_OK);
    /* a counter column shuffles and compresses to almost nothing; the
     * random one cannot shrink much: together well under raw */
    CU_ASSERT(m.trace.stored < m.trace.raw * 3 / 4);
    h5s_trace_free(tr);
    h5s_close(rd);
    unlink(p);
    free(snap);
    free(c0);
    free(c1);
}

/* ---- raw HDF5 views ------------------------------------------------------- */

static void check_filters(hid_t d, int shuffled, size_t chunk_bytes)
{
    hid_t dcpl = H5Dget_create_plist(d);
    CU_ASSERT_EQUAL(H5Pget_layout(dcpl), H5D_CHUNKED);
    int nf = H5Pget_nfilters(dcpl);
    CU_ASSERT_EQUAL(nf, shuffled ? 3 : 2);
    int k = 0;
    if (shuffled) {
        CU_ASSERT_EQUAL(H5Pget_filter2(dcpl, k++, NULL, NULL, NULL, 0, NULL, NULL), H5Z_FILTER_SHUFFLE);
    }
    unsigned flags, cd[4];
    size_t ncd = 4;
    CU_ASSERT_EQUAL(H5Pget_filter2(dcpl, k++, &flags, &ncd, cd, 0, NULL, NULL), 32015);
    CU_ASSERT_EQUAL(ncd, 2);
    CU_ASSERT_EQUAL(cd[0], 5); /* level set by fixture_write */
    CU_ASSERT_EQUAL(cd[1], chunk_bytes);
    CU_ASSERT_EQUAL(H5Pget_filter2(dcpl, k++, NULL, NULL, NULL, 0, NULL, NULL), H5Z_FILTER_FLETCHER32);
    H5Pclose(dcpl);
}

static void test_layout(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s layout"));
    fixture f;
    fixture_make(&f, &r);
    const char *p = test_path("layout.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, p, CHUNK), CAIRN_OK);

    hid_t file = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(file >= 0);
    /* version attribute */
    hid_t a = H5Aopen(file, "cairn_version", H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    CU_ASSERT(H5Tequal(t, H5T_STD_U32LE) > 0);
    uint32_t ver = 0;
    H5Aread(a, H5T_NATIVE_UINT32, &ver);
    CU_ASSERT_EQUAL(ver, H5S_FORMAT_VERSION);
    H5Tclose(t);
    H5Aclose(a);
    CU_ASSERT(H5Lexists(file, "params", H5P_DEFAULT) > 0);

    /* bytes: u8 LE, zstd + Fletcher32, no shuffle */
    hid_t d = H5Dopen2(file, "segments/000/000003/snapshot", H5P_DEFAULT);
    t = H5Dget_type(d);
    CU_ASSERT(H5Tequal(t, H5T_STD_U8LE) > 0);
    H5Tclose(t);
    check_filters(d, 0, CHUNK);
    hsize_t nchunks = 0;
    hid_t s = H5Dget_space(d);
    H5Dget_num_chunks(d, s, &nchunks);
    CU_ASSERT_EQUAL(nchunks, 4);
    H5Sclose(s);
    H5Dclose(d);

    /* a counter column: u32 LE, shuffle + zstd + Fletcher32, and it
     * compresses (storage size well below raw size) */
    d = H5Dopen2(file, "segments/000/000001/trace/pc", H5P_DEFAULT);
    t = H5Dget_type(d);
    CU_ASSERT(H5Tequal(t, H5T_STD_U32LE) > 0);
    H5Tclose(t);
    check_filters(d, 1, CHUNK);
    hsize_t stored = H5Dget_storage_size(d);
    CU_ASSERT(stored > 0 && stored < f.rows[1] * 4 / 4);
    H5Dclose(d);
    /* compressible journal, random ELF */
    d = H5Dopen2(file, "journal", H5P_DEFAULT);
    CU_ASSERT(H5Dget_storage_size(d) < f.journal_len / 4);
    H5Dclose(d);

    /* the segment's u64 attributes and creation-ordered trace group */
    hid_t g = H5Gopen2(file, "segments/000/000001", H5P_DEFAULT);
    a = H5Aopen(g, "cycles", H5P_DEFAULT);
    t = H5Aget_type(a);
    CU_ASSERT(H5Tequal(t, H5T_STD_U64LE) > 0);
    H5Tclose(t);
    H5Aclose(a);
    CU_ASSERT(H5Aexists(g, "complete") > 0);
    char name[32];
    H5Lget_name_by_idx(g, "trace", H5_INDEX_CRT_ORDER, H5_ITER_INC, 0, name, sizeof name, H5P_DEFAULT);
    CU_ASSERT_STRING_EQUAL(name, "pc");
    /* its 11 attributes stay in the object header (compact storage),
     * where the reader checks them: no attribute info naming a heap */
    H5O_info_t oi;
    CU_ASSERT(H5Oget_info2(g, &oi, H5O_INFO_NUM_ATTRS | H5O_INFO_META_SIZE) >= 0);
    CU_ASSERT_EQUAL(oi.num_attrs, 11);
    CU_ASSERT_EQUAL(oi.meta_size.attr.heap_size, 0);
    CU_ASSERT_EQUAL(oi.meta_size.attr.index_size, 0);
    H5Gclose(g);
    /* every group with links keeps them compact, 6 columns included */
    const char *groups[] = {"/", "segments", "segments/000", "segments/000/000001", "segments/000/000001/trace"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        H5G_info_t gi;
        CU_ASSERT(H5Gget_info_by_name(file, groups[i], &gi, H5P_DEFAULT) >= 0);
        CU_ASSERT_EQUAL(gi.storage_type, H5G_STORAGE_TYPE_COMPACT);
    }

    /* A stored chunk is a plain zstd frame followed by the 4-byte
     * Fletcher32 checksum: what hdf5plugin's Zstd filter reads. */
    d = H5Dopen2(file, "journal", H5P_DEFAULT);
    hsize_t off = CHUNK, csize = 0;
    CU_ASSERT(H5Dget_chunk_storage_size(d, &off, &csize) >= 0);
    uint8_t *raw = malloc(csize);
    uint32_t mask = 0;
    CU_ASSERT(H5Dread_chunk(d, H5P_DEFAULT, &off, &mask, raw) >= 0);
    CU_ASSERT_EQUAL(mask, 0);
    CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(raw, csize - 4), CHUNK);
    uint8_t *plain = malloc(CHUNK);
    CU_ASSERT_EQUAL(ZSTD_decompress(plain, CHUNK, raw, csize - 4), CHUNK);
    CU_ASSERT(!memcmp(plain, f.journal + CHUNK, CHUNK));
    free(plain);
    free(raw);
    H5Dclose(d);
    H5Fclose(file);
    unlink(p);
    fixture_free(&f);
}

/* ---- nothing half-written looks complete ---------------------------------- */

static void test_atomic(void)
{
    uint8_t id[32] = {0};
    h5s_program prog = {id, 32, 0, NULL, 0};
    const char *p = test_path("atomic.h5"), *tmp = test_path("atomic.h5.tmp");
    unlink(p);
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT(file_exists(tmp));
    CU_ASSERT(!file_exists(p)); /* not yet closed: no PATH */
    h5s_segment_info info = {.index = 0};
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, (const uint8_t *)"abc", 3, NULL), CAIRN_OK);
    CU_ASSERT(!file_exists(p));
    h5s_job_abort(j);
    CU_ASSERT(!file_exists(p));
    CU_ASSERT(!file_exists(tmp));
    h5s_job_abort(NULL);

    /* close publishes; a later aborted job leaves the published file alone */
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, (const uint8_t *)"first", 5), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_close(j), CAIRN_OK);
    CU_ASSERT(file_exists(p) && !file_exists(tmp));
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, (const uint8_t *)"second", 6), CAIRN_OK);
    h5s_job_abort(j);
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, p), CAIRN_OK);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL(h5s_read_journal(r, &b, &n), CAIRN_OK);
    CU_ASSERT(n == 5 && !memcmp(b, "first", 5));
    free(b);
    h5s_close(r);

    /* an open but unclosed .tmp is not a job file anyone should read, and
     * a stale .tmp from a crash is replaced by the next job */
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    h5s_job *j2;
    h5s_job_abort(j);
    FILE *stale = fopen(tmp, "w");
    fputs("stale", stale);
    fclose(stale);
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j2, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_close(j2), CAIRN_OK);
    CU_ASSERT(!file_exists(tmp));

    /* a directory that does not exist: an I/O error, nothing created */
    CU_ASSERT_EQUAL(h5s_job_create(&j, test_path("no/such/dir.h5"), &prog), CAIRN_ERR_IO);
    CU_ASSERT_PTR_NULL(j);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "dir.h5.tmp"));
    unlink(p);
}

static void test_usage_errors(void)
{
    uint8_t id[32] = {0};
    h5s_program prog = {id, 32, 0, NULL, 0};
    h5s_program bad = {id, 31, 0, NULL, 0};
    const char *p = test_path("usage.h5");
    h5s_job *j;
    CU_ASSERT_EQUAL(h5s_job_create(&j, p, &bad), CAIRN_ERR_USAGE);
    CU_ASSERT(!file_exists(test_path("usage.h5.tmp")));
    CU_ASSERT_EQUAL(h5s_job_create(&j, NULL, &prog), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 3, 100), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 30, 4096), CAIRN_ERR_USAGE);
    h5s_segment_info info = {.index = 1};
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, NULL, 0, NULL), CAIRN_ERR_USAGE); /* out of order */
    info.index = 0;
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, NULL, 5, NULL), CAIRN_ERR_USAGE);
    uint32_t col[2] = {1, 2};
    const uint32_t *cols[2] = {col, col};
    const char *bad_names[][2] = {{"ok", "a/b"}, {"", "x"}, {".hidden", "x"}, {"dup", "dup"}, {"ok", NULL}};
    for (int i = 0; i < 5; i++) {
        h5s_columns t = {2, 2, bad_names[i], cols};
        CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, NULL, 0, &t), CAIRN_ERR_USAGE);
    }
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "bad name", 1), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, NULL, 3), CAIRN_ERR_USAGE);
    /* none of the refused calls damaged the job */
    const char *good[2] = {"a", "b"};
    h5s_columns t = {2, 2, good, cols};
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &info, NULL, 0, &t), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_close(j), CAIRN_OK);
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, p), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_segment_count(r), 1);
    h5s_close(r);
    unlink(p);
}

/* ---- damaged and malformed files ------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) fwrite(buf, 1, n, b);
    fclose(a);
    fclose(b);
}

/* A fresh fixture from the seed named `seed`, written to `path`. */
static void good_file(fixture *f, const char *seed, const char *path)
{
    rng_t r;
    rng_seed(&r, test_seed(seed));
    fixture_make(f, &r);
    CU_ASSERT_EQUAL_FATAL(fixture_write(f, path, CHUNK), CAIRN_OK);
}

/* `bad`: a copy of `good` changed by mutate through libhdf5. */
static void mutated_copy(const char *good, const char *bad, void (*mutate)(hid_t))
{
    copy_file(good, bad);
    hid_t file = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(file >= 0);
    mutate(file);
    CU_ASSERT(H5Fclose(file) >= 0);
}

/* Reads everything the file holds; returns the first error. */
static cairn_err read_all(const char *path)
{
    h5s_reader *r;
    cairn_err e = h5s_open(&r, path);
    if (e != CAIRN_OK) return e;
    uint8_t *b;
    size_t n;
    if ((e = h5s_read_elf(r, &b, &n)) == CAIRN_OK) free(b);
    if (e == CAIRN_OK && (e = h5s_read_journal(r, &b, &n)) == CAIRN_OK) free(b);
    for (uint64_t s = 0; e == CAIRN_OK && s < h5s_segment_count(r); s++) {
        h5s_segment_meta m;
        if ((e = h5s_segment(r, s, &m)) != CAIRN_OK) break;
        if ((e = h5s_read_snapshot(r, s, &b, &n)) != CAIRN_OK) break;
        free(b);
        if (m.has_trace) {
            h5s_trace *t;
            if ((e = h5s_read_trace(r, s, 1, &t)) == CAIRN_OK) h5s_trace_free(t);
        }
    }
    h5s_close(r);
    return e;
}

static void expect_failure(const char *path, cairn_err want, const char *needle, const char *label)
{
    cairn_err e = read_all(path);
    int ok = e == want && (!needle || strstr(cairn_last_error(), needle));
    if (!ok || getenv("CAIRN_TEST_VERBOSE"))
        fprintf(stderr, "\n  %s: got %s (%s), want %s mentioning '%s'\n", label, cairn_err_name(e),
                cairn_last_error(), cairn_err_name(want), needle ? needle : "");
    CU_ASSERT(ok);
}

/* Flips one bit in the middle of chunk `idx` of dataset `dset`. */
static void flip_chunk_byte(const char *path, const char *dset, hsize_t idx, double where)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, dset, H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    hsize_t off[1];
    unsigned mask;
    haddr_t addr = 0;
    hsize_t size = 0;
    CU_ASSERT(H5Dget_chunk_info(d, s, idx, off, &mask, &addr, &size) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(file);
    CU_ASSERT_FATAL(size > 8);
    int fd = open(path, O_RDWR);
    off_t at = (off_t)addr + (off_t)(size * where);
    if (at >= (off_t)(addr + size)) at = (off_t)(addr + size - 1);
    uint8_t b;
    CU_ASSERT(pread(fd, &b, 1, at) == 1);
    b ^= 0x10;
    CU_ASSERT(pwrite(fd, &b, 1, at) == 1);
    close(fd);
}

static void test_corrupt_chunks(void)
{
    fixture f;
    const char *good = test_path("good.h5"), *bad = test_path("bad.h5");
    good_file(&f, "h5s corrupt", good);
    CU_ASSERT_EQUAL(read_all(good), CAIRN_OK);
    const struct {
        const char *dset;
        hsize_t chunk;
        const char *name;
    } cases[] = {
        {"segments/000/000003/snapshot", 1, "/segments/000/000003/snapshot"},
        {"segments/000/000003/snapshot", 0, "/segments/000/000003/snapshot"},
        {"journal", 2, "/journal"},
        {"program/elf", 0, "/program/elf"},
        {"segments/000/000001/trace/insn", 1, "/segments/000/000001/trace/insn"},
        {"segments/000/000001/trace/pc", 2, "/segments/000/000001/trace/pc"},
    };
    const double where[] = {0.0, 0.5, 0.999};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int w = 0; w < 3; w++) {
            copy_file(good, bad);
            flip_chunk_byte(bad, cases[i].dset, cases[i].chunk, where[w]);
            expect_failure(bad, CAIRN_ERR_CORRUPT, cases[i].name, cases[i].dset);
        }
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

/* A chunk whose frame lies about its size, written below the filters with
 * H5Dwrite_chunk into a dataset without Fletcher32 (so zstd's own checks
 * are what stands between the file and the reader). */
static void test_lying_frame(void)
{
    fixture f;
    const char *p = test_path("lying.h5");
    good_file(&f, "h5s lying frame", p);
    hid_t file = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(file, "segments/000/000002/snapshot", H5P_DEFAULT);
    hsize_t dims = 2 * CHUNK, maxd = H5S_UNLIMITED, chunk = CHUNK;
    hid_t s = H5Screate_simple(1, &dims, &maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    unsigned cd[2] = {3, CHUNK};
    /* optional so that raw HDF5 accepts it without the filter registered */
    H5Pset_filter(dcpl, 32015, H5Z_FLAG_OPTIONAL, 2, cd);
    hid_t d = H5Dcreate2(file, "segments/000/000002/snapshot", H5T_STD_U8LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CU_ASSERT_FATAL(d >= 0);
    /* chunk 0: a valid frame; chunk 1: a header claiming 2^40 bytes */
    uint8_t *plain = calloc(1, CHUNK), frame[CHUNK + 64], lie[32];
    size_t fl = ZSTD_compress(frame, sizeof frame, plain, CHUNK, 3);
    hsize_t off = 0;
    CU_ASSERT(H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, fl, frame) >= 0);
    size_t k = 0;
    lie[k++] = 0x28, lie[k++] = 0xb5, lie[k++] = 0x2f, lie[k++] = 0xfd, lie[k++] = 0xe0;
    for (int i = 0; i < 8; i++) lie[k++] = (uint8_t)((1ull << 40) >> (8 * i));
    lie[k++] = 0x21, lie[k++] = 0, lie[k++] = 0; /* last raw block of 4 bytes */
    memset(lie + k, 7, 4);
    k += 4;
    off = CHUNK;
    CU_ASSERT(H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, k, lie) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
    H5Fclose(file);
    expect_failure(p, CAIRN_ERR_CORRUPT, "claims", "lying frame");
    expect_failure(p, CAIRN_ERR_CORRUPT, "/segments/000/000002/snapshot", "lying frame name");
    free(plain);
    unlink(p);
    fixture_free(&f);
}

static void test_truncated(void)
{
    fixture f;
    const char *good = test_path("trgood.h5"), *bad = test_path("trbad.h5");
    good_file(&f, "h5s truncated", good);
    struct stat st;
    stat(good, &st);
    const off_t sizes[] = {0, 7, 100, 2048, st.st_size / 3, st.st_size / 2, st.st_size - 100, st.st_size - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        copy_file(good, bad);
        CU_ASSERT(truncate(bad, sizes[i]) == 0);
        cairn_err e = read_all(bad);
        if (e != CAIRN_ERR_CORRUPT && e != CAIRN_ERR_FORMAT)
            fprintf(stderr, "\n  truncated to %lld: %s (%s)\n", (long long)sizes[i], cairn_err_name(e),
                    cairn_last_error());
        CU_ASSERT(e == CAIRN_ERR_CORRUPT || e == CAIRN_ERR_FORMAT);
        /* past the superblock, HDF5's own reason reaches the message */
        if (sizes[i] > 2048) CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "truncated"));
    }
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

/* FNV-1a over everything the reader returns; 0 if any call failed. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t digest_all(const char *path)
{
    h5s_reader *r;
    if (h5s_open(&r, path) != CAIRN_OK) return 0;
    uint64_t h = 1469598103934665603ull;
    h5s_program_info p;
    h5s_program_get(r, &p);
    h = mix(h, p.image_id, 32);
    h = mix(h, &p.entry, 4);
    for (size_t i = 0; i < h5s_attr_count(r); i++) {
        uint64_t v = h5s_attr_value(r, i);
        h = mix(mix(h, h5s_attr_name(r, i), strlen(h5s_attr_name(r, i))), &v, 8);
    }
    uint8_t *b;
    size_t n;
    int ok = h5s_read_elf(r, &b, &n) == CAIRN_OK;
    if (ok) h = mix(h, b, n), free(b);
    ok = ok && h5s_read_journal(r, &b, &n) == CAIRN_OK;
    if (ok) h = mix(h, b, n), free(b);
    for (uint64_t s = 0; ok && s < h5s_segment_count(r); s++) {
        h5s_segment_meta m;
        ok = h5s_segment(r, s, &m) == CAIRN_OK && h5s_read_snapshot(r, s, &b, &n) == CAIRN_OK;
        if (!ok) break;
        h = mix(mix(h, &m.info, sizeof m.info), b, n);
        free(b);
        h5s_trace *t;
        if (m.has_trace && (ok = h5s_read_trace(r, s, 1, &t) == CAIRN_OK)) {
            for (size_t c = 0; c < t->ncols; c++)
                h = mix(mix(h, t->names[c], strlen(t->names[c])), t->cols[c], 4 * t->nrows);
            h5s_trace_free(t);
        }
    }
    h5s_close(r);
    return ok ? (h ? h : 1) : 0;
}

/* Bit flips anywhere in the file, metadata included: every read either
 * reports an error or returns exactly the original content. Each read
 * runs in a child process so that a crash is caught and reported. */
static void test_random_flips(void)
{
    uint64_t seed = test_seed("h5s random flips");
    rng_t r;
    rng_seed(&r, seed);
    fixture f;
    fixture_make(&f, &r);
    char good[256], bad[256];
    snprintf(good, sizeof good, "%s", test_path("fgood.h5"));
    snprintf(bad, sizeof bad, "%s", test_path("fbad.h5"));
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, good, CHUNK), CAIRN_OK);
    uint64_t want = digest_all(good);
    CU_ASSERT_FATAL(want != 0);
    FILE *fp = fopen(good, "rb");
    fseek(fp, 0, SEEK_END);
    size_t size = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *orig = malloc(size), *mut = malloc(size);
    CU_ASSERT_FATAL(fread(orig, 1, size, fp) == size);
    fclose(fp);
    int detected = 0, same = 0;
    for (int t = 0; t < 300; t++) {
        memcpy(mut, orig, size);
        size_t pos[2];
        int nflip = 1 + (int)(rng_u64(&r) % 2);
        for (int k = 0; k < nflip; k++) {
            pos[k] = rng_u64(&r) % size;
            mut[pos[k]] ^= (uint8_t)(1u << (rng_u64(&r) % 8));
        }
        fp = fopen(bad, "wb");
        fwrite(mut, 1, size, fp);
        fclose(fp);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            uint64_t got = digest_all(bad);
            _exit(got == 0 ? 0 : got == want ? 1 : 2);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (code != 0 && code != 1) {
            /* keep the file for a post-mortem */
            char keep[64];
            snprintf(keep, sizeof keep, "flip_%d.h5", t);
            rename(bad, test_path(keep));
            snprintf(keep, sizeof keep, "flip_%d_orig.h5", t);
            copy_file(good, test_path(keep));
            fprintf(stderr, "\n  flip at %zu%s: %s; file kept as %s\n", pos[0], nflip > 1 ? " (+1)" : "",
                    code < 0 ? "reader crashed" : "reader returned altered data", test_path(keep));
        }
        CU_ASSERT(code == 0 || code == 1);
        detected += code == 0;
        same += code == 1;
    }
    /* most flips land in data or checksummed metadata */
    CU_ASSERT(detected > 100);
    fprintf(stderr, "(%d detected, %d harmless) ", detected, same);
    free(orig);
    free(mut);
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

/* ---- wrong structure, written with raw HDF5 ------------------------------ */

static void replace_dataset(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims)
{
    if (H5Lexists(file, name, H5P_DEFAULT) > 0) H5Ldelete(file, name, H5P_DEFAULT);
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(file, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    size_t n = H5Tget_size(type);
    for (int i = 0; i < rank; i++) n *= dims[i];
    void *zero = calloc(1, n ? n : 1);
    if (n) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero);
    free(zero);
    H5Dclose(d);
    H5Sclose(s);
}

static void replace_attr(hid_t file, const char *obj, const char *name, hid_t type, size_t n, const void *v)
{
    hid_t o = H5Oopen(file, obj, H5P_DEFAULT);
    if (H5Aexists(o, name) > 0) H5Adelete(o, name);
    hsize_t dims = n;
    hid_t s = n ? H5Screate_simple(1, &dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(o, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, v);
    H5Aclose(a);
    H5Sclose(s);
    H5Oclose(o);
}

static void m_journal_float(hid_t f) { replace_dataset(f, "journal", H5T_IEEE_F64LE, 1, (hsize_t[]){10}); }
static void m_journal_2d(hid_t f) { replace_dataset(f, "journal", H5T_STD_U8LE, 2, (hsize_t[]){4, 4}); }
static void m_journal_group(hid_t f)
{
    H5Ldelete(f, "journal", H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "journal", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
}
static void m_snapshot_u16(hid_t f) { replace_dataset(f, "segments/000/000001/snapshot", H5T_STD_U16LE, 1, (hsize_t[]){1}); }
static void m_snapshot_be(hid_t f) { replace_dataset(f, "segments/000/000001/snapshot", H5T_STD_I8LE, 1, (hsize_t[]){1}); }
static void m_no_program(hid_t f) { H5Ldelete(f, "program", H5P_DEFAULT); }
static void m_image_id_16(hid_t f)
{
    uint8_t v[16] = {0};
    replace_attr(f, "program", "image_id", H5T_STD_U8LE, 16, v);
}
static void m_entry_be(hid_t f)
{
    uint32_t v = 7;
    replace_attr(f, "program", "entry", H5T_STD_U32BE, 0, &v);
}
static void m_version_4(hid_t f)
{
    uint32_t v = 4;
    replace_attr(f, "/", "cairn_version", H5T_STD_U32LE, 0, &v);
}
static void m_version_2(hid_t f)
{
    uint32_t v = 2;
    replace_attr(f, "/", "cairn_version", H5T_STD_U32LE, 0, &v);
}
static void m_version_1(hid_t f)
{
    uint32_t v = 1;
    replace_attr(f, "/", "cairn_version", H5T_STD_U32LE, 0, &v);
}
static void m_format_name(hid_t f)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 6);
    replace_attr(f, "/", "cairn_format", t, 0, "other");
    H5Tclose(t);
}
static void m_extra_segment(hid_t f)
{
    H5Gclose(H5Gcreate2(f, "segments/000/000009", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
}
static void m_segment_name(hid_t f) { H5Lmove(f, "segments/000/000003", f, "segments/000/3", H5P_DEFAULT, H5P_DEFAULT); }
static void m_group_name(hid_t f) { H5Lmove(f, "segments/000", f, "segments/0", H5P_DEFAULT, H5P_DEFAULT); }
/* a second group of segments while the first is not full */
static void m_second_group(hid_t f)
{
    H5Gclose(H5Gcreate2(f, "segments/001", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Lmove(f, "segments/000/000003", f, "segments/001/001000", H5P_DEFAULT, H5P_DEFAULT);
}
static void m_incomplete(hid_t f)
{
    hid_t g = H5Gopen2(f, "segments/000/000002", H5P_DEFAULT);
    H5Adelete(g, "complete");
    H5Gclose(g);
}
static void m_short_column(hid_t f)
{
    replace_dataset(f, "segments/000/000001/trace/a0", H5T_STD_U32LE, 1, (hsize_t[]){2 * (CHUNK / 4) + 4});
}
static void m_extra_column(hid_t f)
{
    replace_dataset(f, "segments/000/000001/trace/extra", H5T_STD_U32LE, 1, (hsize_t[]){2 * (CHUNK / 4) + 5});
}
static void m_signed_column(hid_t f)
{
    replace_dataset(f, "segments/000/000003/trace/pc", H5T_STD_I32LE, 1, (hsize_t[]){1});
}
static void m_rows_huge(hid_t f)
{
    uint64_t v = 1ull << 40;
    replace_attr(f, "segments/000/000002/trace", "rows", H5T_STD_U64LE, 0, &v);
}
static void m_run_float(hid_t f)
{
    double v = 1.5;
    replace_attr(f, "run", "cycles", H5T_IEEE_F64LE, 0, &v);
}
static void m_halted_5(hid_t f)
{
    uint8_t v = 5;
    replace_attr(f, "segments/000/000000", "halted", H5T_STD_U8LE, 0, &v);
}
static void m_index_wrong(hid_t f)
{
    uint64_t v = 3;
    replace_attr(f, "segments/000/000001", "index", H5T_STD_U64LE, 0, &v);
}
/* Chunked, 3 chunks long, only the first written: HDF5 would hand back
 * zeros for the other two. */
static void m_missing_chunks(hid_t f)
{
    H5Ldelete(f, "segments/000/000003/snapshot", H5P_DEFAULT);
    hsize_t dims = 3 * CHUNK, chunk = CHUNK, start = 0, count = CHUNK;
    hid_t s = H5Screate_simple(1, &dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t d = H5Dcreate2(f, "segments/000/000003/snapshot", H5T_STD_U8LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    H5Sselect_hyperslab(s, H5S_SELECT_SET, &start, NULL, &count, NULL);
    uint8_t *buf = calloc(1, CHUNK);
    H5Dwrite(d, H5T_NATIVE_UINT8, ms, s, H5P_DEFAULT, buf);
    free(buf);
    H5Sclose(ms);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
}
/* Links that lead elsewhere: another dataset, another file. */
static void m_soft_link(hid_t f)
{
    H5Ldelete(f, "journal", H5P_DEFAULT);
    H5Lcreate_soft("/segments/000/000003/snapshot", f, "journal", H5P_DEFAULT, H5P_DEFAULT);
}
static void m_external_link(hid_t f)
{
    H5Ldelete(f, "segments/000/000001/snapshot", H5P_DEFAULT);
    H5Lcreate_external("sgood.h5", "/segments/000/000003/snapshot", f, "segments/000/000001/snapshot", H5P_DEFAULT,
                       H5P_DEFAULT);
}
/* A chunk whose index entry says its zstd step was skipped: HDF5 would
 * hand back the stored bytes without decompressing them. */
static void m_filter_mask(hid_t f)
{
    H5Ldelete(f, "segments/000/000002/snapshot", H5P_DEFAULT);
    hsize_t dims = 1000, maxd = H5S_UNLIMITED, chunk = 1000, off = 0;
    hid_t s = H5Screate_simple(1, &dims, &maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    unsigned cd[2] = {3, 1000};
    H5Pset_filter(dcpl, 32015, H5Z_FLAG_OPTIONAL, 2, cd);
    hid_t d = H5Dcreate2(f, "segments/000/000002/snapshot", H5T_STD_U8LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    uint8_t raw[1000] = {0};
    H5Dwrite_chunk(d, H5P_DEFAULT, 1 /* filter 0 skipped */, &off, sizeof raw, raw);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
}
/* Chunks of 2^30 bytes: HDF5 would allocate that much to read one. */
static void m_huge_chunk(hid_t f)
{
    H5Ldelete(f, "segments/000/000001/snapshot", H5P_DEFAULT);
    hsize_t dims = 1, maxd = H5S_UNLIMITED, chunk = 1ull << 30;
    hid_t s = H5Screate_simple(1, &dims, &maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t d = H5Dcreate2(f, "segments/000/000001/snapshot", H5T_STD_U8LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
}
/* 2^28 rows x 4096 columns claimed: each within its own limit, together
 * over the cell limit, refused before anything is allocated. */
static void m_cells(hid_t f)
{
    uint64_t v = 1ull << 28;
    uint32_t c = 4096;
    replace_attr(f, "segments/000/000001/trace", "rows", H5T_STD_U64LE, 0, &v);
    replace_attr(f, "segments/000/000001/trace", "columns", H5T_STD_U32LE, 0, &c);
}
/* Contiguous and never written: no storage at all. */
static void m_unwritten(hid_t f)
{
    H5Ldelete(f, "journal", H5P_DEFAULT);
    hsize_t dims = 100;
    hid_t s = H5Screate_simple(1, &dims, NULL);
    H5Dclose(H5Dcreate2(f, "journal", H5T_STD_U8LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose(s);
}

static void test_wrong_structure(void)
{
    fixture f;
    const char *good = test_path("sgood.h5"), *bad = test_path("sbad.h5");
    good_file(&f, "h5s structure", good);
    const struct {
        void (*mutate)(hid_t);
        cairn_err want;
        const char *needle;
        const char *label;
    } cases[] = {
        {m_journal_float, CAIRN_ERR_FORMAT, "/journal", "journal float"},
        {m_journal_2d, CAIRN_ERR_FORMAT, "/journal", "journal 2-D"},
        {m_journal_group, CAIRN_ERR_FORMAT, "/journal: not a dataset", "journal group"},
        {m_snapshot_u16, CAIRN_ERR_FORMAT, "/segments/000/000001/snapshot", "snapshot u16"},
        {m_snapshot_be, CAIRN_ERR_FORMAT, "/segments/000/000001/snapshot", "snapshot signed"},
        {m_no_program, CAIRN_ERR_FORMAT, "/program", "no program"},
        {m_image_id_16, CAIRN_ERR_FORMAT, "image_id", "image id 16 bytes"},
        {m_entry_be, CAIRN_ERR_FORMAT, "entry", "entry big-endian"},
        {m_version_4, CAIRN_ERR_UNSUPPORTED, "version 4", "version 4"},
        {m_version_2, CAIRN_ERR_UNSUPPORTED, "version 2 is no longer read", "version 2"},
        {m_version_1, CAIRN_ERR_UNSUPPORTED, "version 1 is no longer read", "version 1"},
        {m_format_name, CAIRN_ERR_FORMAT, "not a cairn job file", "format name"},
        {m_extra_segment, CAIRN_ERR_FORMAT, "000009", "extra segment"},
        {m_segment_name, CAIRN_ERR_FORMAT, "'3'", "segment name"},
        {m_group_name, CAIRN_ERR_FORMAT, "/segments: unexpected member '0'", "segment group name"},
        {m_second_group, CAIRN_ERR_FORMAT, "/segments/000: 3 segments (expected 1000)", "second group"},
        {m_incomplete, CAIRN_ERR_FORMAT, "incomplete", "incomplete segment"},
        {m_short_column, CAIRN_ERR_FORMAT, "/segments/000/000001/trace/a0", "short column"},
        {m_extra_column, CAIRN_ERR_FORMAT, "7 datasets", "extra column"},
        {m_signed_column, CAIRN_ERR_FORMAT, "/segments/000/000003/trace/pc", "signed column"},
        {m_rows_huge, CAIRN_ERR_FORMAT, "limit", "rows 2^40"},
        {m_run_float, CAIRN_ERR_FORMAT, "/run", "run float"},
        {m_halted_5, CAIRN_ERR_FORMAT, "halted", "halted 5"},
        {m_index_wrong, CAIRN_ERR_FORMAT, "index", "index"},
        {m_missing_chunks, CAIRN_ERR_CORRUPT, "1 of 3 chunks", "missing chunks"},
        {m_unwritten, CAIRN_ERR_CORRUPT, "/journal", "unwritten"},
        {m_filter_mask, CAIRN_ERR_CORRUPT, "chunk 0 skips filters", "filter mask"},
        {m_huge_chunk, CAIRN_ERR_FORMAT, "byte limit", "huge chunk"},
        {m_cells, CAIRN_ERR_FORMAT, "cells", "too many cells"},
        {m_soft_link, CAIRN_ERR_FORMAT, "/journal: missing (or not a hard link)", "soft link"},
        {m_external_link, CAIRN_ERR_FORMAT, "/segments/000/000001/snapshot: missing", "external link"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mutated_copy(good, bad, cases[i].mutate);
        expect_failure(bad, cases[i].want, cases[i].needle, cases[i].label);
    }
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

/* Dense link or attribute storage (fractal heap, v2 B-trees), which the
 * reader cannot check before libhdf5 reads it: a segment group with the
 * default phase change (8) and 12 attributes, and a group of segments
 * with 9 links. Refused as damage, naming the object. */
static void m_dense_attrs(hid_t f)
{
    hid_t g = H5Gcreate2(f, "segments/000/dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int i = 0; i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "a%d", i);
        uint8_t v = 1;
        hid_t s = H5Screate(H5S_SCALAR), a = H5Acreate2(g, name, H5T_STD_U8LE, s, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_UINT8, &v);
        H5Aclose(a);
        H5Sclose(s);
    }
    H5Gclose(g);
    H5Ldelete(f, "segments/000/000002", H5P_DEFAULT);
    H5Lmove(f, "segments/000/dense", f, "segments/000/000002", H5P_DEFAULT, H5P_DEFAULT);
}
static void m_dense_links(hid_t f)
{
    H5Gclose(H5Gcreate2(f, "segments/dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    for (int i = 0; i < 10; i++) {
        char from[32], to[32];
        snprintf(from, sizeof from, "segments/000/%06d", i);
        snprintf(to, sizeof to, "segments/dense/%06d", i);
        if (i < NSEG) H5Lmove(f, from, f, to, H5P_DEFAULT, H5P_DEFAULT);
        else H5Lcreate_hard(f, "segments/dense/000000", f, to, H5P_DEFAULT, H5P_DEFAULT);
    }
    H5Ldelete(f, "segments/000", H5P_DEFAULT);
    H5Lmove(f, "segments/dense", f, "segments/000", H5P_DEFAULT, H5P_DEFAULT);
}

static void test_dense_storage(void)
{
    fixture f;
    const char *good = test_path("dgood.h5"), *bad = test_path("dbad.h5");
    good_file(&f, "h5s dense", good);
    const struct {
        void (*mutate)(hid_t);
        const char *object, *what;
        int at_open;
    } cases[] = {
        {m_dense_attrs, "/segments/000/000002: object header at 0x", "attributes in dense storage", 0},
        {m_dense_links, "/segments/000: object header at 0x", "links in dense storage", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mutated_copy(good, bad, cases[i].mutate);
        h5s_reader *rd = NULL;
        h5s_segment_meta m;
        cairn_err e = h5s_open(&rd, bad);
        if (!cases[i].at_open && e == CAIRN_OK) e = h5s_segment(rd, 2, &m);
        const char *msg = cairn_last_error();
        int ok = e == CAIRN_ERR_CORRUPT && strstr(msg, cases[i].object) && strstr(msg, cases[i].what);
        if (!ok) fprintf(stderr, "\n  %s: got %s (%s)\n", cases[i].what, cairn_err_name(e), msg);
        CU_ASSERT(ok);
        h5s_close(rd);
    }
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

static void test_not_a_job(void)
{
    const char *p = test_path("junk.h5");
    FILE *fp = fopen(p, "wb");
    for (int i = 0; i < 5000; i++) fputc(i * 7, fp);
    fclose(fp);
    h5s_reader *r;
    CU_ASSERT_EQUAL(h5s_open(&r, p), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(h5s_open(&r, test_path("missing.h5")), CAIRN_ERR_IO);
    /* an HDF5 file, but not ours */
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    CU_ASSERT_EQUAL(h5s_open(&r, p), CAIRN_ERR_FORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "not a cairn job file"));
    h5s_close(NULL);
    unlink(p);
}

/* ---- other readers ------------------------------------------------------- */

static int have_tool(const char *cmd)
{
    char buf[256];
    snprintf(buf, sizeof buf, "command -v %s >/dev/null 2>&1", cmd);
    return system(buf) == 0;
}

/* A file's text; an empty string if it cannot be read. */
static char *slurp(const char *path)
{
    size_t n;
    char *s = (char *)test_read_file(path, &n);
    return s ? s : calloc(1, 1);
}

/* The h5dump and h5py cases run as CTest tests of their own
 * (storage_h5s_h5dump, storage_h5s_h5py: `test_storage_h5s h5dump`), which
 * report a skip (status 77, with the reason) when the tool is missing. */
#define SKIPPED 77

static int h5dump_missing(void)
{
    if (have_tool("h5dump")) return 0;
    fprintf(stderr, "skipped: h5dump not on PATH (Debian package hdf5-tools)\n");
    return 1;
}

static void test_h5dump(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5s h5dump"));
    fixture f;
    fixture_make(&f, &r);
    memcpy(f.journal, "hello", 5);
    const char *p = test_path("dump.h5"), *out = test_path("dump.txt");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, p, CHUNK), CAIRN_OK);
    char cmd[1024];
    /* the header listing needs no plugin */
    snprintf(cmd, sizeof cmd, "env -u HDF5_PLUGIN_PATH h5dump -H %s > %s 2>&1", p, out);
    CU_ASSERT_EQUAL(system(cmd), 0);
    char *s = slurp(out);
    CU_ASSERT_FATAL(s != NULL);
    const char *want[] = {"GROUP \"segments\"", "GROUP \"000003\"", "DATASET \"snapshot\"", "DATASET \"journal\"",
                          "DATASET \"mem.addr\"", "ATTRIBUTE \"cairn_version\"", "H5T_STD_U32LE", "GROUP \"params\""};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(s, want[i])) fprintf(stderr, "\n  h5dump -H lacks %s\n", want[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(s, want[i]));
    }
    free(s);
    /* with the plugin module, h5dump decodes the data: the journal starts
     * with "hello" = 104, 101, 108, 108, 111 */
    snprintf(cmd, sizeof cmd, "HDF5_PLUGIN_PATH=%s h5dump -d /journal -s 0 -c 5 %s > %s 2>&1", H5ZSTD_PLUGIN_DIR, p,
             out);
    CU_ASSERT_EQUAL(system(cmd), 0);
    s = slurp(out);
    CU_ASSERT_FATAL(s != NULL);
    if (!strstr(s, "104, 101, 108, 108, 111")) fprintf(stderr, "\n  h5dump -d /journal:\n%s\n", s);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "104, 101, 108, 108, 111"));
    free(s);
    unlink(out);
    unlink(p);
    fixture_free(&f);
}

/* h5py reading through HDF5_PLUGIN_PATH: an independent HDF5 binding, with
 * the zstd module loaded by HDF5's plugin mechanism. */
static const char *h5py_python(void)
{
    static const char *cands[] = {"python3", "/usr/bin/python3"};
    char cmd[256];
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s -c 'import h5py, numpy' >/dev/null 2>&1", cands[i]);
        if (system(cmd) == 0) return cands[i];
    }
    return NULL;
}

static int h5py_missing(void)
{
    if (h5py_python()) return 0;
    fprintf(stderr, "skipped: no python3 with h5py (Debian package python3-h5py)\n");
    return 1;
}

static void test_h5py(void)
{
    const char *py = h5py_python();
    char cmd[2048];
    CU_ASSERT_PTR_NOT_NULL_FATAL(py); /* main checked */
    rng_t r;
    rng_seed(&r, test_seed("h5s h5py"));
    fixture f;
    fixture_make(&f, &r);
    const char *p = test_path("py.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, p, CHUNK), CAIRN_OK);
    /* sums computed here, compared by python */
    uint64_t js = 0, ss = 0, cs = 0;
    for (size_t i = 0; i < f.journal_len; i++) js += f.journal[i];
    for (size_t i = 0; i < f.snap_len[3]; i++) ss += f.snap[3][i];
    for (size_t i = 0; i < f.rows[1]; i++) cs += f.cols[1][1][i];
    snprintf(cmd, sizeof cmd,
             "HDF5_PLUGIN_PATH=%s %s -c '\n"
             "import h5py, sys\n"
             "f = h5py.File(sys.argv[1], \"r\")\n"
             "assert int(f.attrs[\"cairn_version\"]) == 3\n"
             "assert int(f[\"journal\"][:].astype(\"u8\").sum()) == %" PRIu64 "\n"
             "assert int(f[\"segments/000/000003/snapshot\"][:].astype(\"u8\").sum()) == %" PRIu64 "\n"
             "c = f[\"segments/000/000001/trace/insn\"]\n"
             "assert c.dtype.str == \"<u4\" and c.shape == (%zu,)\n"
             "assert int(c[:].astype(\"u8\").sum()) == %" PRIu64 "\n"
             "assert int(f[\"segments/000/000001\"].attrs[\"cycles\"]) == %" PRIu64 "\n"
             "' %s",
             H5ZSTD_PLUGIN_DIR, py, js, ss, f.rows[1], cs, f.info[1].cycles, p);
    int rc = system(cmd);
    CU_ASSERT_EQUAL(rc, 0);
    unlink(p);
    fixture_free(&f);
}

int main(int argc, char **argv)
{
    /* `test_storage_h5s h5dump` / `h5py`: only that case, or a skip */
    static const test_case h5dump_cases[] = {{"h5dump", test_h5dump}, {NULL, NULL}};
    static const test_case h5py_cases[] = {{"h5py", test_h5py}, {NULL, NULL}};
    const test_case *tool_cases = NULL;
    if (argc > 1 && !strcmp(argv[1], "h5dump")) {
        if (h5dump_missing()) return SKIPPED;
        tool_cases = h5dump_cases;
    } else if (argc > 1 && !strcmp(argv[1], "h5py")) {
        if (h5py_missing()) return SKIPPED;
        tool_cases = h5py_cases;
    } else if (argc > 1) {
        fprintf(stderr, "usage: %s [h5dump|h5py]\n", argv[0]);
        return 2;
    }
    dir = test_tmpdir("h5s_test_XXXXXX");
    if (!dir) {
        return 2;
    }
    static const test_case cases[] = {
        {"round trip", test_round_trip},
        {"large data, default chunks", test_large_default_chunks},
        {"deterministic bytes", test_deterministic},
        {"direct chunk writes = HDF5 pipeline", test_direct_chunks},
        {"layout seen by raw HDF5", test_layout},
        {"tmp + rename", test_atomic},
        {"usage errors", test_usage_errors},
        {"flipped chunk bytes", test_corrupt_chunks},
        {"lying zstd frame", test_lying_frame},
        {"truncated files", test_truncated},
        {"random bit flips", test_random_flips},
        {"wrong types and shapes", test_wrong_structure},
        {"dense storage refused", test_dense_storage},
        {"not a job file", test_not_a_job},
        {NULL, NULL},
    };
    int rc = test_run_suite("h5s", tool_cases ? tool_cases : cases);
    rmdir(dir);
    return rc;
}
