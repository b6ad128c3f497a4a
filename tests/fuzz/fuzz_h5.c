/* libFuzzer harness for the job file reader (storage/h5s.h): the input is
 * a job file image, opened with h5s_open_image; every getter runs on it
 * (program, ELF, journal, run values, parameters, input digest, final
 * state, each segment's description, task, snapshot, proof, trace and side
 * tables), then the reader is closed. Nothing may
 * crash, hang, leak memory or leak HDF5 identifiers.
 *
 * Input modes (first byte b):
 *   b even  the bytes after it are the file image;
 *   b odd   edits to one of the valid job files made at start-up (seed
 *           (b >> 2) % NSEEDS): the rest is a list of (offset u32 LE, xor
 *           u8) records; a trailing partial record truncates the file by
 *           1 + its first byte. A read that succeeds must return exactly
 *           the seed's content (as tests/storage/test_h5s.c's random flips
 *           require): checksums, Fletcher32 and the reader's checks stand
 *           between accidental damage and the data.
 *
 * Crafted files: with FUZZ_H5_RESEAL=1 in the environment and bit 1 of b
 * set, the checksums of the seed's metadata blocks (superblock, object
 * headers and the other checksummed HDF5 structures, located at start-up)
 * are recomputed after the edits, as an attacker would, so that edits
 * reach the reader's own checks and libhdf5's decoders instead of stopping
 * at a checksum. Blocks are found by their signature and the first
 * following 4 bytes that hold the lookup3 checksum of everything from the
 * signature on (an edit of a block's length field moves its checksum,
 * which is then simply wrong). Job files keep every link and attribute in
 * object headers, which the reader checks, and it refuses dense storage
 * (storage/h5s.h, "Compact storage only"); the chunk index (v1 B-tree
 * nodes) still reaches libhdf5 unchecked, so CTest runs without this mode.
 *
 * Seeds: 1, 2 and 3 segments of small jobs (the 3-segment one proven:
 * parameters, input digest, final state, and per segment a proof, its
 * claim and its task), and a job of 12 segments (more than 8, past which
 * format version 1 used dense storage) with traces of 9 columns on some.
 *
 * FUZZ_H5_SEEDS=DIR keeps the seed files in DIR, to look at what an
 * artifact's edits hit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "storage/h5s.h"
#include "storage/h5s_int.h"

#define NSEEDS 4
/* Longest checksummed block searched for: object headers of a few
 * hundred bytes, and the ~21 KiB header of a group of segments (room for
 * 1000 links, storage/h5s_write.c). */
#define MAX_BLOCK 32768
#define MAX_BLOCKS 256

typedef struct {
    uint8_t *bytes;
    size_t len;
    uint64_t digest;
    size_t nblocks;
    uint32_t start[MAX_BLOCKS], sum_at[MAX_BLOCKS]; /* checksum of [start, sum_at) at sum_at */
} seed_file;

static seed_file seeds[NSEEDS];
static int allow_reseal;

/* libhdf5 1.10 leaks parts of an object header it failed to load (a
 * checksum mismatch or a decoding error: its H5O_protect error path; fixed
 * upstream in later releases). Leaks whose stack passes through libhdf5
 * are therefore not reported; ours are: memory we allocate is ours to
 * free, and HDF5 identifiers we fail to close are counted below. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libhdf5\n"; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }

/* libhdf5 1.10 allocates the size an object header claims before reading
 * it, so edited lengths make it ask for gigabytes (or 2^64 bytes). A real
 * process gets NULL or untouched lazily-mapped pages; here allocations
 * over 1 GiB return NULL (HDF5 reports "memory allocation failed"), where
 * the sanitizers would otherwise stop the run at the request itself. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1:max_allocation_size_mb=1024"; }

/* HDF5 identifiers alive between inputs; any more after an input is an
 * identifier our reader failed to close. */
static const H5I_type_t ID_TYPES[] = {H5I_FILE, H5I_GROUP, H5I_DATATYPE, H5I_DATASPACE,
                                      H5I_DATASET, H5I_ATTR, H5I_GENPROP_LST};
#define NTYPES (sizeof ID_TYPES / sizeof ID_TYPES[0])
static hsize_t id_base[NTYPES];

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* FNV-1a, as test_h5s.c's digest */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Calls every getter; returns a digest of everything read, 0 if any call
 * failed (all calls are made anyway, a failed one does not stop the
 * others: each must cope with the file on its own). */
static uint64_t read_everything(h5s_reader *r)
{
    int ok = 1;
    uint64_t h = 1469598103934665603ull;
    h = mix(h, &(uint32_t){h5s_version(r)}, 4);
    h5s_program_info p;
    h5s_program_get(r, &p);
    h = mix(mix(mix(h, p.image_id, 32), &p.entry, 4), &p.has_elf, sizeof p.has_elf);
    h5s_size sz = h5s_elf_size(r);
    h = mix(h, &sz.raw, 8);
    sz = h5s_journal_size(r);
    h = mix(h, &sz.raw, 8);
    for (size_t i = 0; i < h5s_attr_count(r) + 1; i++) { /* + 1: one past the end */
        const char *name = h5s_attr_name(r, i);
        uint64_t v = h5s_attr_value(r, i), v2 = 0;
        if (!name) continue;
        h = mix(mix(h, name, strlen(name)), &v, 8);
        if (h5s_get_attr_u64(r, name, &v2) != CAIRN_OK || v2 != v) abort(); /* listed, so it must be found */
    }
    uint64_t v;
    (void)h5s_get_attr_u64(r, "no-such-value", &v);
    /* a proven job's parameters, input digest and final state (each is
     * optional: 0 when absent) */
    h5s_params prm;
    memset(&prm, 0, sizeof prm);
    if (h5s_params_get(r, &prm)) h = mix(h, &prm, sizeof prm);
    uint8_t dig[32];
    if (h5s_input_digest_get(r, dig)) h = mix(h, dig, 32);
    uint64_t fin[H5S_STATE_ELEMS], fcycles = 0;
    if (h5s_final_get(r, fin, &fcycles)) h = mix(mix(h, fin, sizeof fin), &fcycles, 8);
    /* the final proof (/proof, optional) */
    h5s_fold_proof fp;
    memset(&fp, 0, sizeof fp);
    if (h5s_fold_proof_get(r, &fp)) {
        h = mix(mix(mix(h, fp.claim, sizeof fp.claim), fp.rc_preset, sizeof fp.rc_preset), &fp.kind, 4);
        uint8_t *fb;
        size_t fn;
        if (h5s_read_fold_proof(r, &fb, &fn) == CAIRN_OK) {
            if (fn != fp.proof_len) abort(); /* the size checked on opening is the size read */
            h = mix(h, fb, fn);
            free(fb);
        } else {
            ok = 0; /* announced but unreadable (a damaged chunk): the file does not read back */
        }
    }

    uint8_t *b;
    size_t n;
    uint8_t head[16];
    if (h5s_read_elf(r, &b, &n) == CAIRN_OK) {
        h = mix(h, b, n);
        free(b);
    } else {
        ok = 0;
    }
    if (h5s_read_journal(r, &b, &n) == CAIRN_OK) {
        h = mix(h, b, n);
        free(b);
    } else {
        ok = 0;
    }
    if (h5s_read_journal_head(r, head, sizeof head, &n) == CAIRN_OK) h = mix(h, head, n);
    else ok = 0;

    uint64_t nseg = h5s_segment_count(r);
    for (uint64_t s = 0; s <= nseg; s++) { /* <=: one past the end must fail cleanly */
        h5s_segment_meta m;
        memset(&m, 0, sizeof m);
        if (h5s_segment(r, s, &m) == CAIRN_OK) {
            if (s == nseg) abort();
            h = mix(mix(mix(h, &m.info, sizeof m.info), &m.trace_rows, 8), &m.ntables, 8);
            if (m.has_proof) h = mix(mix(h, &m.claim, sizeof m.claim), &m.proof.raw, 8);
        } else {
            ok &= s == nseg;
        }
        int has_task = 0;
        h5s_task task;
        memset(&task, 0, sizeof task);
        if (h5s_segment_task(r, s, &has_task, &task) == CAIRN_OK) {
            if (s == nseg) abort();
            if (has_task) h = mix(h, &task, sizeof task);
        } else {
            ok &= s == nseg;
        }
        if (h5s_read_proof(r, s, &b, &n) == CAIRN_OK) {
            if (!m.has_proof) abort(); /* a proof the description did not announce */
            h = mix(h, b, n);
            free(b);
        } else if (s < nseg && m.has_proof) {
            ok = 0;
        }
        if (h5s_read_snapshot(r, s, &b, &n) == CAIRN_OK) {
            h = mix(h, b, n);
            free(b);
        } else {
            ok &= s == nseg;
        }
        h5s_trace *t = NULL;
        for (int with_data = 0; with_data < 2; with_data++) {
            cairn_err e = h5s_read_trace(r, s, with_data, &t);
            if (e == CAIRN_OK) {
                for (size_t c = 0; c < t->ncols; c++) {
                    h = mix(h, t->names[c], strlen(t->names[c]));
                    if (with_data) h = mix(h, t->cols[c], 4 * t->nrows);
                }
                h5s_trace_free(t);
            } else if (t) {
                abort(); /* failure leaves *out NULL */
            } else if (s < nseg && (m.has_trace || e != CAIRN_ERR_USAGE)) {
                ok = 0;
            }
        }
        /* ntables from a failed h5s_segment is 0; try a couple anyway */
        uint64_t nt = m.ntables < H5S_MAX_TABLES ? m.ntables : H5S_MAX_TABLES;
        for (uint64_t k = 0; k <= nt; k++) {
            char name[H5S_MAX_NAME + 1];
            if (h5s_table_name(r, s, k, name) != CAIRN_OK) {
                ok &= k == nt || s == nseg;
                snprintf(name, sizeof name, "io");
            } else {
                h = mix(h, name, strlen(name));
            }
            if (h5s_read_table(r, s, name, 1, &t) == CAIRN_OK) {
                for (size_t c = 0; c < t->ncols; c++)
                    h = mix(mix(h, t->names[c], strlen(t->names[c])), t->cols[c], 4 * t->nrows);
                h5s_trace_free(t);
            } else {
                ok &= k == nt || s == nseg;
            }
        }
    }
    return ok ? (h ? h : 1) : 0;
}

static uint64_t run_image(const uint8_t *img, size_t len)
{
    h5s_reader *r = NULL;
    uint64_t d = 0;
    if (h5s_open_image(&r, img, len) == CAIRN_OK) {
        d = read_everything(r);
        h5s_close(r);
    } else if (r) {
        abort(); /* failure leaves *out NULL */
    }
    for (size_t i = 0; i < NTYPES; i++) {
        hsize_t now = 0;
        H5Inmembers(ID_TYPES[i], &now);
        if (now != id_base[i]) {
            fprintf(stderr, "fuzz_h5: %llu HDF5 identifiers of type %d open after the input, %llu before\n",
                    (unsigned long long)now, (int)ID_TYPES[i], (unsigned long long)id_base[i]);
            abort();
        }
    }
    return d;
}

/* ---- seed files ---------------------------------------------------------- */

static void write_seed(const char *path, int kind)
{
    uint8_t id[32], elf[300], snap[700];
    for (int i = 0; i < 32; i++) id[i] = (uint8_t)(i * 3 + kind);
    for (int i = 0; i < 300; i++) elf[i] = (uint8_t)(i * 11 >> 2);
    for (int i = 0; i < 700; i++) snap[i] = (uint8_t)(i * 7 + (i >> 5));
    static uint32_t cols[9][300];
    for (uint32_t i = 0; i < 300; i++)
        for (uint32_t c = 0; c < 9; c++) cols[c][i] = i * (c + 1) + (c << 20);
    const char *names[9] = {"pc", "insn", "a0", "mem.addr", "x-1", "rd", "rs1", "rs2", "imm"};
    const uint32_t *cp[9];
    for (int c = 0; c < 9; c++) cp[c] = cols[c];
    h5s_program p = {id, 32, 0x10000u + (uint32_t)kind, kind ? elf : NULL, kind ? sizeof elf : 0};
    h5s_job *j;
    if (h5s_job_create(&j, path, &p) != CAIRN_OK) goto fail;
    /* kind 2: small chunks, so datasets have several (a chunk index with
     * more than one entry) */
    if (h5s_job_set_compression(j, 1, kind == 2 ? 1024 : 4096) != CAIRN_OK) goto fail;
    int nseg = kind == 0 ? 1 : kind == 1 ? 2 : kind == 2 ? 3 : 12;
    for (int s = 0; s < nseg; s++) {
        h5s_segment_info info;
        memset(&info, 0, sizeof info);
        info.index = (uint64_t)s;
        info.cycles = 300;
        info.start_pc = 0x10000u + 4u * (uint32_t)s;
        info.end_pc = info.start_pc + 1200;
        info.start_root[0] = (uint8_t)s;
        info.halted = s == nseg - 1;
        info.exit_code = kind;
        h5s_columns tr = {kind == 3 ? 20 : 300, kind == 2 ? 5 : kind == 3 ? 9 : 2, names, cp};
        h5s_table tabs[2] = {{"io", {10, 1, names, cp}}, {"mem", {40, 2, names + 2, cp + 2}}};
        size_t ntab = kind == 0 ? 0 : (size_t)(s % 3);
        /* kind 3: a trace on every fourth segment (small inputs stay fast) */
        int has_trace = kind == 3 ? s % 4 == 1 : s > 0;
        /* kind 2: a proven job (proof, claim, task per segment) */
        static uint8_t proof[900];
        for (int i = 0; i < 900; i++) proof[i] = (uint8_t)(i * 13 + s);
        h5s_claim cl = {.po2 = 9, .cycles = 300};
        cl.start[0] = (uint8_t)s;
        cl.end[0] = (uint8_t)(s + 1);
        /* kind 1: proving tasks, one with its start and execution times */
        h5s_task task = {.rank = (uint32_t)s, .ns = 1000000u * (uint64_t)(s + 1)};
        if (kind == 1 && s == 0) {
            task.start_ns = UINT64_C(1764000000000000000);
            task.exec_ns = UINT64_C(1763999999000000000);
        }
        h5s_segment_data d = {.info = &info,
                              .snapshot = snap,
                              .snapshot_len = (size_t)(kind == 3 ? 10 + s : 100 * (s + 1)),
                              .trace = has_trace ? &tr : NULL,
                              .tables = tabs,
                              .ntables = ntab,
                              .proof = kind == 2 ? proof : NULL,
                              .proof_len = kind == 2 ? 300u + 200u * (size_t)s : 0,
                              .claim = kind == 2 ? &cl : NULL};
        if (h5s_job_add_segment_task(j, &d, kind == 1 || kind == 2 ? &task : NULL) != CAIRN_OK) goto fail;
    }
    if (kind == 2) {
        h5s_params prm = {.log_blowup = 2, .queries = 19, .pow_bits = 8, .log_arity = 1, .log_final_len = 3,
                          .segment_po2 = 9};
        snprintf(prm.preset, sizeof prm.preset, "test");
        uint64_t fin[H5S_STATE_ELEMS];
        for (unsigned i = 0; i < H5S_STATE_ELEMS; i++) fin[i] = i * 3u;
        if (h5s_job_set_params(j, &prm) != CAIRN_OK || h5s_job_set_input_digest(j, id) != CAIRN_OK ||
            h5s_job_set_final(j, fin, 900) != CAIRN_OK)
            goto fail;
        /* its final proof (/proof) */
        static uint8_t fproof[500];
        for (int i = 0; i < 500; i++) fproof[i] = (uint8_t)(i * 7 + 3);
        h5s_fold_proof fp = {.kind = 1, .proof = fproof, .proof_len = sizeof fproof};
        for (unsigned i = 0; i < H5S_FOLD_CLAIM_ELEMS; i++) fp.claim[i] = 1000u + i;
        snprintf(fp.rc_preset, sizeof fp.rc_preset, "test");
        snprintf(fp.shape, sizeof fp.shape, "rc-test");
        if (h5s_job_set_proof(j, &fp) != CAIRN_OK) goto fail;
    }
    if (kind && h5s_job_set_journal(j, (const uint8_t *)"hello, world\n", 13) != CAIRN_OK) goto fail;
    if (kind && h5s_job_set_attr_u64(j, "cycles", 300u * (unsigned)nseg) != CAIRN_OK) goto fail;
    if (kind && h5s_job_set_attr_u64(j, "segment_po2", 9) != CAIRN_OK) goto fail;
    if (h5s_job_close(j) != CAIRN_OK) goto fail;
    return;
fail:
    fprintf(stderr, "fuzz_h5: cannot write seed %d: %s\n", kind, cairn_last_error());
    abort();
}

/* HDF5's checksummed metadata structures (file format specification):
 * object header and continuation, fractal heap header / direct / indirect
 * block, v2 B-tree header / internal / leaf node, free-space manager
 * header / section list, shared message table / list, extensible array. */
static const char *const SIGNATURES[] = {"OHDR", "OCHK", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN",
                                         "BTLF", "FSHD", "FSSE", "SMTB", "SMLI", "EAHD"};

static void find_blocks(seed_file *f)
{
    /* the superblock: checksum of bytes 0..43 at 44 */
    f->start[0] = 0;
    f->sum_at[0] = 44;
    f->nblocks = 1;
    for (size_t p = H5S_SUPERBLOCK_BYTES; p + 8 <= f->len; p++) {
        int sig = 0;
        for (size_t s = 0; s < sizeof SIGNATURES / sizeof SIGNATURES[0]; s++)
            sig |= !memcmp(f->bytes + p, SIGNATURES[s], 4);
        if (!sig) continue;
        for (size_t q = p + 5; q + 4 <= f->len && q - p <= MAX_BLOCK; q++) {
            if (h5s_lookup3(f->bytes + p, q - p, 0) != get_le32(f->bytes + q)) continue;
            if (f->nblocks == MAX_BLOCKS) abort();
            f->start[f->nblocks] = (uint32_t)p;
            f->sum_at[f->nblocks++] = (uint32_t)q;
            p = q + 3; /* blocks do not overlap */
            break;
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* HDF5 keeps freed blocks on its own free lists; with no list kept,
     * its memory goes back to malloc at once, where AddressSanitizer
     * sees every use after free */
    if (h5s_init() != CAIRN_OK || H5set_free_list_limits(0, 0, 0, 0, 0, 0) < 0) abort();
    allow_reseal = getenv("FUZZ_H5_RESEAL") && atoi(getenv("FUZZ_H5_RESEAL"));
    /* FUZZ_H5_SEEDS=DIR keeps the seed files there (to look into the
     * file an artifact edits) */
    const char *keep = getenv("FUZZ_H5_SEEDS");
    char dir[256];
    snprintf(dir, sizeof dir, "%s", keep ? keep : "/tmp/fuzz_h5_XXXXXX");
    if (!keep && !mkdtemp(dir)) abort();
    for (int k = 0; k < NSEEDS; k++) {
        char path[300];
        snprintf(path, sizeof path, "%s/seed%d.h5", dir, k);
        write_seed(path, k);
        FILE *fp = fopen(path, "rb");
        if (!fp || fseek(fp, 0, SEEK_END) != 0) abort();
        long n = ftell(fp);
        seed_file *f = &seeds[k];
        f->len = (size_t)n;
        f->bytes = malloc(f->len);
        if (n <= 0 || !f->bytes || fseek(fp, 0, SEEK_SET) != 0 || fread(f->bytes, 1, f->len, fp) != f->len) abort();
        fclose(fp);
        if (!keep) unlink(path);
        find_blocks(f);
    }
    if (!keep) rmdir(dir);
    /* the identifiers HDF5 keeps between inputs, after a first full read */
    for (int k = 0; k < NSEEDS; k++) {
        h5s_reader *r;
        if (h5s_open_image(&r, seeds[k].bytes, seeds[k].len) != CAIRN_OK) {
            fprintf(stderr, "fuzz_h5: seed %d does not read back: %s\n", k, cairn_last_error());
            abort();
        }
        h5s_close(r);
    }
    for (size_t i = 0; i < NTYPES; i++) H5Inmembers(ID_TYPES[i], &id_base[i]);
    for (int k = 0; k < NSEEDS; k++) {
        seeds[k].digest = run_image(seeds[k].bytes, seeds[k].len);
        if (seeds[k].digest == 0) {
            fprintf(stderr, "fuzz_h5: seed %d does not read back: %s\n", k, cairn_last_error());
            abort();
        }
        fprintf(stderr, "fuzz_h5: seed %d: %zu bytes, %zu checksummed metadata blocks\n", k, seeds[k].len,
                seeds[k].nblocks);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        (void)run_image(data + 1, size - 1);
        return 0;
    }
    const seed_file *f = &seeds[(data[0] >> 2) % NSEEDS];
    int reseal = allow_reseal && (data[0] & 2);
    uint8_t *buf = malloc(f->len);
    if (!buf) return 0;
    memcpy(buf, f->bytes, f->len);
    size_t len = f->len, i = 1;
    for (; i + 5 <= size; i += 5) buf[get_le32(data + i) % f->len] ^= data[i + 4];
    if (i < size) len -= 1 + (size_t)data[i] % (len - 1);
    if (reseal)
        for (size_t k = 0; k < f->nblocks; k++)
            if (f->sum_at[k] + 4 <= len)
                put_le32(buf + f->sum_at[k], h5s_lookup3(buf + f->start[k], f->sum_at[k] - f->start[k], 0));
    uint64_t d = run_image(buf, len);
    /* checksums, Fletcher32 and the reader's checks stand between an edit
     * and the data: what reads back is the original or nothing */
    if (!reseal && d != 0 && d != f->digest) {
        fprintf(stderr, "fuzz_h5: an edited seed %d read back with different content\n", (int)(f - seeds));
        abort();
    }
    free(buf);
    return 0;
}
