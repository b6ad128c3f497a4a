/* Job files with proofs (cairn prove): each segment's proof bytes and
 * claim, the parameters (/params) and the final state (/claim) round-trip;
 * a file without them reads as before (no proof, no parameters, no final
 * state); the writer refuses a proof without a claim and parameters or a
 * final state set twice; the reader refuses a proof without its claim, a
 * claim without its proof, a partial /params, a final state of the wrong
 * length, and a flipped byte in a proof chunk is CAIRN_ERR_CORRUPT. The
 * segments' tasks (rank, time, and the optional start and execution
 * times) round-trip; times of the wrong type, a stored 0, times without a
 * task and a start whose end is past 2^64 are refused. The final proof
 * (/proof: kind, claim, names, bytes) round-trips; the writer refuses a
 * second one, kind 2, no bytes and a bad name; a file without it reads
 * as having none. */
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/h5s.h"
#include "testutil.h"

#define NSEG 3
#define CHUNK 1024 /* so that the larger proof spans several chunks */

static const char *dir;

typedef struct {
    uint8_t image_id[32];
    h5s_segment_info info[NSEG];
    uint8_t snap[NSEG][100];
    uint8_t *proof[NSEG];
    size_t proof_len[NSEG];
    h5s_claim claim[NSEG];
    h5s_task task[NSEG];
    h5s_params params;
    uint64_t final_state[H5S_STATE_ELEMS];
} fixture;

static void fixture_make(fixture *f, const char *seed)
{
    rng_t r;
    rng_seed(&r, test_seed(seed));
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 32; i++) f->image_id[i] = (uint8_t)rng_u64(&r);
    const size_t plen[NSEG] = {1, 5000, 3 * CHUNK};
    for (int s = 0; s < NSEG; s++) {
        f->info[s].index = (uint64_t)s;
        f->info[s].cycles = 1000 + (uint64_t)s;
        for (int i = 0; i < 100; i++) f->snap[s][i] = (uint8_t)rng_u64(&r);
        f->proof_len[s] = plen[s];
        f->proof[s] = malloc(plen[s]);
        for (size_t i = 0; i < plen[s]; i++) f->proof[s][i] = (uint8_t)(s == 1 ? i / 50 : rng_u64(&r));
        h5s_claim *c = &f->claim[s];
        c->po2 = 10 + (uint32_t)s;
        for (int i = 0; i < 32; i++) {
            c->start[i] = (uint8_t)rng_u64(&r);
            c->end[i] = (uint8_t)rng_u64(&r);
        }
        c->cycles = (1ull << 40) + (uint64_t)s; /* wider than 32 bits */
    }
    /* every time known; none (a file of before issue 9); execution only */
    const uint64_t t0 = UINT64_C(1764000000000000000); /* late 2025 */
    f->task[0] = (h5s_task){1, 1500000000, t0 + 2000000000, t0 + 1000000000};
    f->task[1] = (h5s_task){0, 2500000000, 0, 0};
    f->task[2] = (h5s_task){7, 1, 0, t0};
    f->params = (h5s_params){"conjectured-100", 3, 33, 20, 2, 3, 12};
    for (unsigned i = 0; i < H5S_STATE_ELEMS; i++) f->final_state[i] = rng_u64(&r);
    f->final_state[0] = UINT64_MAX; /* edge value: storage keeps any u64 */
}

static void fixture_free(fixture *f)
{
    for (int s = 0; s < NSEG; s++) free(f->proof[s]);
}

/* Writes the fixture; with_proofs = 0 writes the same segments without
 * proofs, parameters or final state (a file of cairn exec). */
static cairn_err fixture_write(const fixture *f, const char *path, int with_proofs)
{
    h5s_program prog = {f->image_id, 32, 0x10000, NULL, 0};
    h5s_job *j;
    cairn_err e = h5s_job_create(&j, path, &prog);
    if (e != CAIRN_OK) return e;
    if ((e = h5s_job_set_compression(j, 3, CHUNK)) != CAIRN_OK) goto fail;
    for (int s = 0; s < NSEG; s++) {
        h5s_segment_data d = {&f->info[s], f->snap[s], sizeof f->snap[s], NULL, NULL, 0, NULL, 0, NULL};
        if (with_proofs) {
            d.proof = f->proof[s];
            d.proof_len = f->proof_len[s];
            d.claim = &f->claim[s];
        }
        if ((e = h5s_job_add_segment_task(j, &d, with_proofs ? &f->task[s] : NULL)) != CAIRN_OK) goto fail;
    }
    if (with_proofs && ((e = h5s_job_set_params(j, &f->params)) != CAIRN_OK ||
                        (e = h5s_job_set_final(j, f->final_state, 12345)) != CAIRN_OK))
        goto fail;
    return h5s_job_close(j);
fail:
    h5s_job_abort(j);
    return e;
}

static void test_round_trip(void)
{
    fixture f;
    fixture_make(&f, "h5s proofs round trip");
    const char *path = test_path("proofs.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, path, 1), CAIRN_OK);
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    h5s_params p;
    CU_ASSERT_EQUAL(h5s_params_get(r, &p), 1);
    CU_ASSERT_STRING_EQUAL(p.preset, "conjectured-100");
    CU_ASSERT(p.log_blowup == 3 && p.queries == 33 && p.pow_bits == 20 && p.log_arity == 2 &&
              p.log_final_len == 3 && p.segment_po2 == 12);
    uint64_t st[H5S_STATE_ELEMS], cycles = 0;
    CU_ASSERT_EQUAL(h5s_final_get(r, st, &cycles), 1);
    CU_ASSERT(memcmp(st, f.final_state, sizeof st) == 0);
    CU_ASSERT_EQUAL(cycles, 12345);
    CU_ASSERT_EQUAL(h5s_segment_count(r), NSEG);
    for (int s = 0; s < NSEG; s++) {
        h5s_segment_meta m;
        CU_ASSERT_EQUAL_FATAL(h5s_segment(r, (uint64_t)s, &m), CAIRN_OK);
        CU_ASSERT(m.has_proof);
        CU_ASSERT_EQUAL(m.proof.raw, f.proof_len[s]);
        CU_ASSERT(m.claim.po2 == f.claim[s].po2 && m.claim.cycles == f.claim[s].cycles);
        CU_ASSERT(!memcmp(m.claim.start, f.claim[s].start, 32) && !memcmp(m.claim.end, f.claim[s].end, 32));
        uint8_t *b;
        size_t n;
        CU_ASSERT_EQUAL_FATAL(h5s_read_proof(r, (uint64_t)s, &b, &n), CAIRN_OK);
        CU_ASSERT(n == f.proof_len[s] && !memcmp(b, f.proof[s], n));
        free(b);
        CU_ASSERT_EQUAL_FATAL(h5s_read_snapshot(r, (uint64_t)s, &b, &n), CAIRN_OK);
        CU_ASSERT(n == sizeof f.snap[s] && !memcmp(b, f.snap[s], n));
        free(b);
        int has = 0;
        h5s_task t;
        CU_ASSERT_EQUAL_FATAL(h5s_segment_task(r, (uint64_t)s, &has, &t), CAIRN_OK);
        CU_ASSERT(has && !memcmp(&t, &f.task[s], sizeof t));
    }
    h5s_close(r);

    /* the same segments without proofs: nothing proof-related is there */
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, path, 0), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_params_get(r, &p), 0);
    CU_ASSERT_EQUAL(h5s_final_get(r, st, &cycles), 0);
    h5s_segment_meta m;
    CU_ASSERT_EQUAL(h5s_segment(r, 1, &m), CAIRN_OK);
    CU_ASSERT(!m.has_proof);
    int has = 1;
    h5s_task t = {1, 1, 1, 1};
    CU_ASSERT_EQUAL(h5s_segment_task(r, 0, &has, &t), CAIRN_OK);
    CU_ASSERT(!has && !t.rank && !t.ns && !t.start_ns && !t.exec_ns);
    uint8_t *b = (uint8_t *)1;
    size_t n = 1;
    CU_ASSERT_EQUAL(h5s_read_proof(r, 1, &b, &n), CAIRN_ERR_USAGE);
    CU_ASSERT(b == NULL && n == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "no proof"));
    h5s_close(r);
    unlink(path);
    fixture_free(&f);
}

static void test_writer_checks(void)
{
    fixture f;
    fixture_make(&f, "h5s proofs writer");
    const char *path = test_path("w.h5");
    h5s_program prog = {f.image_id, 32, 0, NULL, 0};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &prog), CAIRN_OK);
    h5s_segment_data d = {&f.info[0], f.snap[0], 100, NULL, NULL, 0, f.proof[0], 1, NULL};
    CU_ASSERT_EQUAL(h5s_job_add_segment_data(j, &d), CAIRN_ERR_USAGE); /* proof without claim */
    d.proof = NULL;
    d.claim = &f.claim[0];
    CU_ASSERT_EQUAL(h5s_job_add_segment_data(j, &d), CAIRN_ERR_USAGE); /* claim without proof */
    d.proof = f.proof[0];
    d.proof_len = 0;
    CU_ASSERT_EQUAL(h5s_job_add_segment_data(j, &d), CAIRN_ERR_USAGE); /* empty proof */
    d.proof_len = 1;
    /* a task whose end would be past 2^64 */
    h5s_task late = {0, 2, UINT64_MAX - 1, 0};
    CU_ASSERT_EQUAL(h5s_job_add_segment_task(j, &d, &late), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "past 2^64"));
    CU_ASSERT_EQUAL(h5s_job_add_segment_data(j, &d), CAIRN_OK);
    h5s_params bad = f.params;
    snprintf(bad.preset, sizeof bad.preset, "no/slash");
    CU_ASSERT_EQUAL(h5s_job_set_params(j, &bad), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_set_params(j, &f.params), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_params(j, &f.params), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_set_final(j, f.final_state, 1), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_final(j, f.final_state, 1), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_close(j), CAIRN_OK);
    unlink(path);
    fixture_free(&f);
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = test_read_file(from, &n);
    CU_ASSERT_FATAL(b != NULL);
    FILE *o = fopen(to, "wb");
    CU_ASSERT_FATAL(o != NULL);
    CU_ASSERT(fwrite(b, 1, n, o) == n);
    fclose(o);
    free(b);
}

static void del_claim(hid_t f) { CU_ASSERT(H5Ldelete(f, "segments/000/000001/claim", H5P_DEFAULT) >= 0); }
static void del_proof(hid_t f) { CU_ASSERT(H5Ldelete(f, "segments/000/000001/proof", H5P_DEFAULT) >= 0); }
static void del_param(hid_t f) { CU_ASSERT(H5Adelete_by_name(f, "params", "queries", H5P_DEFAULT) >= 0); }
static void del_claim_attr(hid_t f)
{
    CU_ASSERT(H5Adelete_by_name(f, "segments/000/000002/claim", "end", H5P_DEFAULT) >= 0);
}
static void short_final(hid_t f)
{
    CU_ASSERT(H5Adelete_by_name(f, "claim", "final_state", H5P_DEFAULT) >= 0);
    hsize_t n = H5S_STATE_ELEMS - 1;
    uint64_t v[H5S_STATE_ELEMS] = {0};
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate_by_name(f, "claim", "final_state", H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT(a >= 0 && H5Awrite(a, H5T_NATIVE_UINT64, v) >= 0);
    H5Aclose(a);
    H5Sclose(s);
}

/* Replaces attribute name of segment 0 by a scalar of type and value. */
static void set_seg0(hid_t f, const char *name, hid_t type, uint64_t v)
{
    const char *seg = "segments/000/000000";
    if (H5Aexists_by_name(f, seg, name, H5P_DEFAULT) > 0)
        CU_ASSERT(H5Adelete_by_name(f, seg, name, H5P_DEFAULT) >= 0);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate_by_name(f, seg, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT(a >= 0 && H5Awrite(a, H5T_NATIVE_UINT64, &v) >= 0);
    H5Aclose(a);
    H5Sclose(s);
}
static void start_u32(hid_t f) { set_seg0(f, "task_start_ns", H5T_STD_U32LE, 5); }
static void start_zero(hid_t f) { set_seg0(f, "task_start_ns", H5T_STD_U64LE, 0); }
static void exec_zero(hid_t f) { set_seg0(f, "exec_ns", H5T_STD_U64LE, 0); }
static void start_wraps(hid_t f) { set_seg0(f, "task_start_ns", H5T_STD_U64LE, UINT64_MAX - 10); }
static void times_without_task(hid_t f)
{
    CU_ASSERT(H5Adelete_by_name(f, "segments/000/000000", "task_rank", H5P_DEFAULT) >= 0);
    CU_ASSERT(H5Adelete_by_name(f, "segments/000/000000", "task_ns", H5P_DEFAULT) >= 0);
}

/* Opens and reads every segment's proof and task; the first error. */
static cairn_err read_all(const char *path)
{
    h5s_reader *r;
    cairn_err e = h5s_open(&r, path);
    if (e != CAIRN_OK) return e;
    for (uint64_t s = 0; e == CAIRN_OK && s < h5s_segment_count(r); s++) {
        uint8_t *b;
        size_t n;
        int has;
        h5s_task t;
        if ((e = h5s_read_proof(r, s, &b, &n)) == CAIRN_OK) free(b);
        if (e == CAIRN_OK) e = h5s_segment_task(r, s, &has, &t);
    }
    h5s_close(r);
    return e;
}

static void test_reader_checks(void)
{
    fixture f;
    fixture_make(&f, "h5s proofs reader");
    const char *good = test_path("good.h5"), *bad = test_path("bad.h5");
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, good, 1), CAIRN_OK);
    CU_ASSERT_EQUAL(read_all(good), CAIRN_OK);
    const struct {
        void (*mutate)(hid_t);
        cairn_err want;
        const char *needle;
    } cases[] = {
        {del_claim, CAIRN_ERR_FORMAT, "/segments/000/000001: proof without claim"},
        {del_proof, CAIRN_ERR_FORMAT, "/segments/000/000001: claim without proof"},
        {del_param, CAIRN_ERR_FORMAT, "/params: attribute queries missing"},
        {del_claim_attr, CAIRN_ERR_FORMAT, "/segments/000/000002/claim"},
        {short_final, CAIRN_ERR_FORMAT, "final_state"},
        {start_u32, CAIRN_ERR_FORMAT, "/segments/000/000000: attribute task_start_ns"},
        {start_zero, CAIRN_ERR_FORMAT, "/segments/000/000000: task_start_ns = 0"},
        {exec_zero, CAIRN_ERR_FORMAT, "/segments/000/000000: exec_ns = 0"},
        {start_wraps, CAIRN_ERR_FORMAT, "task_start_ns 18446744073709551605 + task_ns 1500000000 is past 2^64"},
        {times_without_task, CAIRN_ERR_FORMAT, "/segments/000/000000: task_start_ns without task_rank"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        copy_file(good, bad);
        hid_t file = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
        CU_ASSERT_FATAL(file >= 0);
        cases[i].mutate(file);
        CU_ASSERT(H5Fclose(file) >= 0);
        cairn_err e = read_all(bad);
        int ok = e == cases[i].want && strstr(cairn_last_error(), cases[i].needle);
        if (!ok)
            fprintf(stderr, "\n  case %zu: got %s (%s), want %s with '%s'\n", i, cairn_err_name(e),
                    cairn_last_error(), cairn_err_name(cases[i].want), cases[i].needle);
        CU_ASSERT(ok);
    }

    /* a flipped byte inside a proof chunk: Fletcher32 / zstd, never data */
    copy_file(good, bad);
    hid_t file = H5Fopen(bad, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, "segments/000/000002/proof", H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hsize_t off[1], size = 0;
    unsigned mask;
    haddr_t addr = 0;
    CU_ASSERT(H5Dget_chunk_info(d, sp, 1, off, &mask, &addr, &size) >= 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(file);
    CU_ASSERT_FATAL(size > 8);
    int fd = open(bad, O_RDWR);
    uint8_t b;
    CU_ASSERT(pread(fd, &b, 1, (off_t)(addr + size / 2)) == 1);
    b ^= 0x04;
    CU_ASSERT(pwrite(fd, &b, 1, (off_t)(addr + size / 2)) == 1);
    close(fd);
    cairn_err e = read_all(bad);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_CORRUPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "/segments/000/000002/proof"));
    unlink(good);
    unlink(bad);
    fixture_free(&f);
}

static void test_fold_proof(void)
{
    fixture f;
    fixture_make(&f, "h5s final proof");
    const char *path = test_path("fold.h5"), *plain = test_path("nofold.h5");
    h5s_program prog = {f.image_id, 32, 0x10000, NULL, 0};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 3, CHUNK), CAIRN_OK);
    h5s_fold_proof fp = {.kind = 1, .proof = f.proof[2], .proof_len = f.proof_len[2]};
    for (unsigned i = 0; i < H5S_FOLD_CLAIM_ELEMS; i++) fp.claim[i] = UINT64_C(0x1234567890) * (i + 1);
    snprintf(fp.rc_preset, sizeof fp.rc_preset, "test");
    snprintf(fp.shape, sizeof fp.shape, "rc-test");
    h5s_fold_proof bad = fp;
    bad.kind = H5S_PROOF_KINDS; /* 0 lift, 1..3 the joins, 4..13 tails' lifts */
    CU_ASSERT_EQUAL(h5s_job_set_proof(j, &bad), CAIRN_ERR_USAGE);
    bad = fp;
    bad.proof_len = 0;
    CU_ASSERT_EQUAL(h5s_job_set_proof(j, &bad), CAIRN_ERR_USAGE);
    bad = fp;
    snprintf(bad.shape, sizeof bad.shape, "a/b");
    CU_ASSERT_EQUAL(h5s_job_set_proof(j, &bad), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(h5s_job_set_proof(j, &fp), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_proof(j, &fp), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    h5s_fold_proof got;
    CU_ASSERT_FATAL(h5s_fold_proof_get(r, &got));
    CU_ASSERT_EQUAL(got.kind, 1);
    CU_ASSERT(!memcmp(got.claim, fp.claim, sizeof fp.claim));
    CU_ASSERT_STRING_EQUAL(got.rc_preset, "test");
    CU_ASSERT_STRING_EQUAL(got.shape, "rc-test");
    CU_ASSERT_EQUAL(got.proof_len, fp.proof_len);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(h5s_read_fold_proof(r, &b, &n), CAIRN_OK);
    CU_ASSERT(n == fp.proof_len && !memcmp(b, fp.proof, n));
    free(b);
    h5s_close(r);
    CU_ASSERT_EQUAL_FATAL(fixture_write(&f, plain, 1), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, plain), CAIRN_OK);
    CU_ASSERT(!h5s_fold_proof_get(r, &got));
    CU_ASSERT_EQUAL(h5s_read_fold_proof(r, &b, &n), CAIRN_ERR_USAGE);
    h5s_close(r);
    unlink(path);
    unlink(plain);
    fixture_free(&f);
}

int main(void)
{
    dir = test_tmpdir("h5s_proofs_XXXXXX");
    if (!dir) return 2;
    static const test_case cases[] = {
        {"proofs, claims, parameters, final state round trip", test_round_trip},
        {"writer refuses a proof without claim, double set", test_writer_checks},
        {"reader refuses partial proofs, parameters, bad task times", test_reader_checks},
        {"the final proof (/proof)", test_fold_proof},
        {NULL, NULL},
    };
    int rc = test_run_suite("h5s_proofs", cases);
    rmdir(dir);
    return rc;
}
