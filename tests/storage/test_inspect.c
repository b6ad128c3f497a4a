/* `cairn inspect`: text and JSON descriptions of a job file, --check on a
 * damaged file, and the exit status for files that are not job files. */
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/h5s.h"
#include "testutil.h"

static const char *dir; /* test_tmpdir() */
static char out_path[128], err_path[128];

/* Runs `cairn inspect ARGS`; returns the exit status, output in out/err. */
/* A file's text; an empty string if it cannot be read. */
static char *slurp(const char *path)
{
    size_t n;
    char *s = (char *)test_read_file(path, &n);
    return s ? s : calloc(1, 1);
}

static int inspect(const char *args, char **out, char **err)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s inspect %s > %s 2> %s", CAIRN_BIN, args, out_path, err_path);
    int rc = system(cmd);
    *out = slurp(out_path);
    *err = slurp(err_path);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint8_t image_id[32];

static void write_job(const char *path)
{
    for (int i = 0; i < 32; i++) image_id[i] = (uint8_t)(0xa0 + i);
    uint8_t elf[3000];
    memset(elf, 0x5a, sizeof elf);
    h5s_program p = {image_id, 32, 0x10074, elf, sizeof elf};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &p), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_compression(j, 3, 4096), CAIRN_OK);
    static uint32_t pc[5000], insn[5000];
    for (int i = 0; i < 5000; i++) {
        pc[i] = 0x10074 + 4 * (uint32_t)i;
        insn[i] = (uint32_t)i * 2654435761u;
    }
    const char *names[2] = {"pc", "insn"};
    const uint32_t *cols[2] = {pc, insn};
    h5s_columns t = {5000, 2, names, cols};
    static uint8_t snap[20000];
    for (int i = 0; i < 20000; i++) snap[i] = (uint8_t)(i * 31 + (i >> 7));
    h5s_segment_info s0 = {.index = 0, .cycles = 5000, .start_pc = 0x10074, .end_pc = 0x12000};
    memset(s0.end_root, 0xee, 32);
    h5s_segment_info s1 = {.index = 1, .cycles = 77, .start_pc = 0x12000, .end_pc = 0x12100, .halted = 1, .exit_code = -3};
    CU_ASSERT_EQUAL(h5s_job_add_segment(j, &s0, snap, sizeof snap, &t), CAIRN_OK);
    /* segment 1 was proven on rank 2, its times known (segment 0's task
     * is not recorded, as in a file of cairn exec) */
    h5s_segment_data d1 = {.info = &s1, .snapshot = snap, .snapshot_len = 100};
    h5s_task t1 = {2, 1500000000, UINT64_C(1764000000250000000), UINT64_C(1763999999500000000)};
    CU_ASSERT_EQUAL(h5s_job_add_segment_task(j, &d1, &t1), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, (const uint8_t *)"hi \"there\"\n\x01", 12), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "cycles", 5077), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "segment_po2", 12), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
}

static void test_text(void)
{
    const char *p = test_path("ok.h5");
    write_job(p);
    char *out, *err, args[512];
    snprintf(args, sizeof args, "%s", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 0);
    char idhex[65];
    for (int i = 0; i < 32; i++) sprintf(idhex + 2 * i, "%02x", image_id[i]);
    const char *want[] = {idhex, "format       cairn-job version 3", "entry        0x00010074",
                          "ELF          3000 bytes", "journal      12 bytes", "\"hi \\\"there\\\"\\n\\x01\"",
                          "cycles               5077", "segments     2", "segment 0: 5000 cycles, pc 0x00010074 -> 0x00012000",
                          "end root     eeeeeeee", "snapshot     20000 bytes", "5000 rows x 2 columns",
                          "columns      pc insn", "halted, exit code -3", "trace        none",
                          "proved by    rank 2 in 1.500 s", "task start   2025-11-24T16:00:00.250Z",
                          "executed     2025-11-24T15:59:59.500Z"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i])) fprintf(stderr, "\n  inspect output lacks '%s':\n%s\n", want[i], out);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want[i]));
    }
    CU_ASSERT_STRING_EQUAL(err, "");
    free(out);
    free(err);

    snprintf(args, sizeof args, "%s --check", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "checksums and frames verified"));
    free(out);
    free(err);
    unlink(p);
}

static void test_binary_journal(void)
{
    const char *p = test_path("bin.h5");
    uint8_t id[32] = {0}, journal[40];
    for (int i = 0; i < 40; i++) journal[i] = (uint8_t)(i * 37 + 128);
    h5s_program prog = {id, 32, 0, NULL, 0};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, journal, sizeof journal), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
    char *out, *err;
    CU_ASSERT_EQUAL(inspect(p, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hex 80a5caef"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ELF          not stored"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "segments     0"));
    free(out);
    free(err);
    unlink(p);
}

static void test_json(void)
{
    const char *p = test_path("json.h5");
    write_job(p);
    char *out, *err, args[512];
    snprintf(args, sizeof args, "%s --json", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 0);
    const char *want[] = {"\"version\":3", "\"entry\":65652", "\"elf\":{\"raw\":3000", "\"cycles\":5077",
                          "\"columns\":[\"pc\",\"insn\"]", "\"halted\":true,\"exit_code\":-3", "\"trace\":null",
                          "\"head_hex\":\"686920227468657265220a01\"", "\"ok\":true", "\"task\":null",
                          "\"task\":{\"rank\":2,\"ns\":1500000000,\"seconds\":1.500000000,"
                          "\"start_ns\":1764000000250000000,\"exec_ns\":1763999999500000000}"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i])) fprintf(stderr, "\n  inspect --json lacks '%s':\n%s\n", want[i], out);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want[i]));
    }
    /* one line, and valid JSON where python3 can say so */
    char *nl = strchr(out, '\n');
    CU_ASSERT(nl != NULL && nl[1] == '\0');
    if (system("python3 -c 'import json' >/dev/null 2>&1") == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                 "assert len(d[\"segments\"]) == 2' %s", out_path);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
    free(out);
    free(err);
    unlink(p);
}

static void test_damaged(void)
{
    const char *p = test_path("bad.h5");
    write_job(p);
    /* flip a byte in the second chunk of segment 0's snapshot */
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "segments/000/000000/snapshot", H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    hsize_t off;
    unsigned mask;
    haddr_t addr;
    hsize_t size;
    CU_ASSERT_FATAL(H5Dget_chunk_info(d, s, 1, &off, &mask, &addr, &size) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    int fd = open(p, O_RDWR);
    uint8_t b;
    CU_ASSERT(pread(fd, &b, 1, (off_t)(addr + size / 2)) == 1);
    b ^= 1;
    CU_ASSERT(pwrite(fd, &b, 1, (off_t)(addr + size / 2)) == 1);
    close(fd);

    char *out, *err, args[512];
    /* metadata alone still reads; --check reads the chunk and fails */
    snprintf(args, sizeof args, "%s", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 0);
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --check", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/segments/000/000000/snapshot"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "corrupt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAILED"));
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --check --json", p);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"unreadable_segments\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\":false"));
    free(out);
    free(err);
    unlink(p);
}

/* Single flipped bytes in a job file with more than 8 segments (where
 * libhdf5 once moved links and attributes into unchecked dense storage):
 * `cairn inspect` exits 0 (the flip hit data it does not read without
 * --check, or nothing that matters) or 2 (damaged input), never 1, never a
 * crash, and never calls damage an "incomplete segment". */
static void test_flips(void)
{
    const char *p = test_path("flips.h5");
    for (int i = 0; i < 32; i++) image_id[i] = (uint8_t)i;
    uint8_t elf[64] = {0};
    h5s_program prog = {image_id, 32, 0x10074, elf, sizeof elf};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, p, &prog), CAIRN_OK);
    static uint8_t snap[600];
    for (uint64_t s = 0; s < 20; s++) {
        for (size_t i = 0; i < sizeof snap; i++) snap[i] = (uint8_t)(i * 7 + s);
        h5s_segment_info si = {.index = s, .cycles = 4096, .start_pc = 0x10074, .end_pc = 0x10078};
        CU_ASSERT_EQUAL_FATAL(h5s_job_add_segment(j, &si, snap, sizeof snap, NULL), CAIRN_OK);
    }
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
    size_t len;
    uint8_t *orig = test_read_file(p, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
    const char *q = test_path("flipped.h5");
    rng_t r;
    rng_seed(&r, 20261205);
    int bad = 0, refused = 0;
    const int trials = 300;
    for (int t = 0; t < trials; t++) {
        size_t pos = (size_t)(rng_u64(&r) % len);
        uint8_t old = orig[pos];
        orig[pos] ^= (uint8_t)(1 + rng_u64(&r) % 255);
        FILE *f = fopen(q, "wb");
        CU_ASSERT_FATAL(f && fwrite(orig, 1, len, f) == len);
        fclose(f);
        orig[pos] = old;
        char *out, *err, args[512];
        snprintf(args, sizeof args, "%s %s", q, t % 2 ? "--json" : "");
        int rc = inspect(args, &out, &err);
        if ((rc != 0 && rc != 2) || strstr(err, "incomplete segment")) {
            fprintf(stderr, "\n  byte %zu flipped: exit %d: %s", pos, rc, err);
            bad++;
        }
        refused += rc == 2;
        free(out);
        free(err);
    }
    fprintf(stderr, "  %zu-byte file: %d of %d flips refused (exit 2), the rest read ", len, refused,
            trials);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(refused > 0); /* the flips reach the checks */
    free(orig);
    unlink(q);
    unlink(p);
}

static void test_bad_input(void)
{
    char *out, *err, args[512];
    const char *junk = test_path("junk.h5");
    FILE *fp = fopen(junk, "wb");
    fputs("definitely not HDF5", fp);
    fclose(fp);
    CU_ASSERT_EQUAL(inspect(junk, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an HDF5 file"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(inspect(test_path("missing.h5"), &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.h5"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(inspect("", &out, &err), 2);
    free(out);
    free(err);
    snprintf(args, sizeof args, "%s --bogus", junk);
    CU_ASSERT_EQUAL(inspect(args, &out, &err), 2);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(inspect("--help", &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Exit status"));
    free(out);
    free(err);
    unlink(junk);
}

int main(void)
{
    dir = test_tmpdir("inspect_test_XXXXXX");
    if (!dir) {
        return 2;
    }
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
    static const test_case cases[] = {
        {"text", test_text},
        {"binary journal", test_binary_journal},
        {"json", test_json},
        {"damaged file", test_damaged},
        {"bad input", test_bad_input},
        {"flipped bytes in a 20-segment file: exit 0 or 2", test_flips},
        {NULL, NULL},
    };
    int rc = test_run_suite("inspect", cases);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    return rc;
}
