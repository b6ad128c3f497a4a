/* The shared command-line helpers (cli/util.h): the ranged integer parser
 * on every edge (empty, lone sign, '+', spaces, hex, 2^64-1 and 2^64,
 * negative values), the option parser, JSON error objects, the bounded
 * file reader (regular file, empty file, directory, FIFO over and under
 * the limit) and the output-path check (absent, regular, directory, FIFO,
 * device node, symbolic link, missing or non-directory parent). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/util.h"
#include "testutil.h"

/* Parses s in min..max and expects success with value want. */
static void expect_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
    uint64_t v = 12345;
    cairn_err e = cli_parse_u64(&v, "--n", s, min, max);
    if (e != CAIRN_OK || v != want)
        fprintf(stderr, "\n  '%s' in %llu..%llu: %s, %llu\n", s, (unsigned long long)min,
                (unsigned long long)max, cairn_last_error(), (unsigned long long)v);
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(v, want);
}

/* Expects a usage error whose message is exactly want; *out unchanged. */
static void expect_err(const char *s, uint64_t min, uint64_t max, const char *want)
{
    uint64_t v = 12345;
    cairn_err e = cli_parse_u64(&v, "--n", s, min, max);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(v, 12345);
    if (e != CAIRN_ERR_USAGE || strcmp(cairn_last_error(), want)) {
        fprintf(stderr, "\n  '%s': got '%s'\n  want '%s'\n", s, e ? cairn_last_error() : "(accepted)", want);
        CU_FAIL("wrong message");
    }
}

static void test_u64_accepts(void)
{
    expect_ok("0", 0, 10, 0);
    expect_ok("10", 0, 10, 10);
    expect_ok("1", 1, 512, 1);
    expect_ok("512", 1, 512, 512);
    expect_ok("010", 0, 100, 10); /* decimal, not octal */
    expect_ok("00000000000000000000000000000007", 0, 10, 7);
    expect_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
    expect_ok("18446744073709551615", 1, UINT64_MAX, UINT64_MAX);
    expect_ok("18446744073709551614", 0, UINT64_MAX - 1, UINT64_MAX - 1);
    expect_ok("-0", 0, 10, 0); /* zero, and zero is in range */
}

static void test_u64_not_numbers(void)
{
    const char *bad[] = {"", "-", "+1", "+", " 1", "1 ", "\t1", "1\n", "0x10", "0X10", "1e3", "1.0", "1_000",
                         "--1", "- 1", "abc", "12abc", "\xd9\xa1" /* ARABIC-INDIC DIGIT ONE */, "-+1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "--n: '%s' is not a decimal number (expected 1..512)", bad[i]);
        expect_err(bad[i], 1, 512, want);
    }
}

static void test_u64_out_of_range(void)
{
    expect_err("-5", 1, 512, "--n: -5 is out of range 1..512");
    expect_err("0", 1, 512, "--n: 0 is out of range 1..512");
    expect_err("513", 1, 512, "--n: 513 is out of range 1..512");
    expect_err("-0", 1, 512, "--n: -0 is out of range 1..512");
    expect_err("-1", 0, 10, "--n: -1 is out of range 0..10");
    expect_err("18446744073709551615", 0, UINT64_MAX - 1,
               "--n: 18446744073709551615 is out of range 0..18446744073709551614");
    /* 2^64 and beyond: overflow is out of range, never a wrapped value */
    expect_err("18446744073709551616", 0, UINT64_MAX,
               "--n: 18446744073709551616 is out of range 0..18446744073709551615");
    expect_err("18446744073709551620", 0, UINT64_MAX,
               "--n: 18446744073709551620 is out of range 0..18446744073709551615");
    expect_err("99999999999999999999999", 0, UINT64_MAX,
               "--n: 99999999999999999999999 is out of range 0..18446744073709551615");
    expect_err("-18446744073709551616", 0, UINT64_MAX,
               "--n: -18446744073709551616 is out of range 0..18446744073709551615");
    /* a long number is cut in the message */
    char big[101];
    memset(big, '9', 100);
    big[100] = 0;
    char want[200];
    snprintf(want, sizeof want, "--n: %.64s... is out of range 4..24", big);
    expect_err(big, 4, 24, want);
}

static void test_parse_options(void)
{
    int flag = 0, given = 0, npos = 0;
    const char *str = NULL, *pos[2] = {NULL, NULL};
    uint64_t n = 7;
    const cli_opt opts[] = {
        {"--flag", CLI_FLAG, &flag, 0, 0, NULL},
        {"--str", CLI_STR, &str, 0, 0, NULL},
        {"--n", CLI_U64, &n, 1, 512, &given},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    cli_ctx c;
    char *a1[] = {"x", "A", "--str", "-", "--flag", "-", "--n", "9", NULL};
    cli_ctx_init(&c, "test", NULL, stdout, 8, a1);
    CU_ASSERT_EQUAL(c.json, 0);
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 8, a1), CLI_PARSED);
    CU_ASSERT_EQUAL(npos, 2);
    CU_ASSERT_STRING_EQUAL(pos[0], "A");
    CU_ASSERT_STRING_EQUAL(pos[1], "-"); /* "-" is an argument (stdin), not an option */
    CU_ASSERT_PTR_NOT_NULL(str);
    if (str) CU_ASSERT_STRING_EQUAL(str, "-");
    CU_ASSERT_EQUAL(flag, 1);
    CU_ASSERT_EQUAL(n, 9);
    CU_ASSERT_EQUAL(given, 1);

    /* a value that looks like an option is still the value */
    char *a2[] = {"x", "--n", "-5", NULL};
    n = 7;
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 3, a2), EXIT_USAGE);
    CU_ASSERT_EQUAL(n, 7);
    char *a3[] = {"x", "--n", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 2, a3), EXIT_USAGE);
    char *a4[] = {"x", "--bogus", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 2, a4), EXIT_USAGE);
    char *a5[] = {"x", "a", "b", "c", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 4, a5), EXIT_USAGE);
    CU_ASSERT_EQUAL(cli_parse(&c, opts, NULL, 0, &npos, 2, a5), EXIT_USAGE);
    char *a6[] = {"x", "--n", "3", "-h", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 4, a6), CLI_HELP);
    char *a7[] = {"x", "--help", "--bogus", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 3, a7), CLI_HELP_FULL);
    given = 0;
    char *a8[] = {"x", NULL};
    CU_ASSERT_EQUAL(cli_parse(&c, opts, pos, 2, &npos, 1, a8), CLI_PARSED);
    CU_ASSERT_EQUAL(npos, 0);
    CU_ASSERT_EQUAL(given, 0);
}

/* cli_parse_command: one positional, -h / --help printed on stdout. */
static void test_parse_command(void)
{
    int flag = 0, st = -1;
    const char *path = "stale";
    cli_opt opts[] = {{"--flag", CLI_FLAG, &flag, 0, 0, NULL}, {NULL, CLI_FLAG, NULL, 0, 0, NULL}};
    cli_ctx c = {"test", "usage: test FILE\n", 0, stderr};
    char *a1[] = {"x", "--flag", "F", NULL};
    CU_ASSERT_EQUAL(cli_parse_command(&c, opts, &path, 3, a1, "help text\n", &st), 1);
    CU_ASSERT(path && !strcmp(path, "F") && flag == 1 && st == EXIT_OK);
    char *a2[] = {"x", NULL};
    CU_ASSERT_EQUAL(cli_parse_command(&c, opts, &path, 1, a2, "help text\n", &st), 1);
    CU_ASSERT_PTR_NULL(path);
    char *a3[] = {"x", "F", "G", NULL};
    CU_ASSERT_EQUAL(cli_parse_command(&c, opts, &path, 3, a3, "help text\n", &st), 0);
    CU_ASSERT_EQUAL(st, EXIT_USAGE);
    char *a4[] = {"x", "--bogus", NULL};
    CU_ASSERT_EQUAL(cli_parse_command(&c, opts, &path, 2, a4, "help text\n", &st), 0);
    CU_ASSERT_EQUAL(st, EXIT_USAGE);
    /* the help goes to stdout: captured in a file */
    const char *cap = "parse_command.out";
    for (int full = 0; full < 2; full++) {
        char *a5[] = {"x", full ? "--help" : "-h", NULL};
        fflush(stdout);
        int saved = dup(1), fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
        dup2(fd, 1);
        close(fd);
        int r = cli_parse_command(&c, opts, &path, 2, a5, "help text\n", &st);
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
        CU_ASSERT(r == 0 && st == EXIT_OK);
        size_t n;
        char *got = (char *)test_read_file(cap, &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_STRING_EQUAL(got, full ? "usage: test FILE\nhelp text\n" : "usage: test FILE\n");
        free(got);
    }
    unlink(cap);
}

/* Runs cli_fail (or cli_json_str) with the JSON stream in memory. */
static void test_json_errors(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    char *argv[] = {"x", "--n", "--json", NULL};
    cli_ctx c;
    cli_ctx_init(&c, "test", NULL, m, 3, argv);
    CU_ASSERT_EQUAL(c.json, 1);
    CU_ASSERT_EQUAL(cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "bad \"%s\"\\\n\t\x01\xff", "q"), EXIT_USAGE);
    fclose(m);
    CU_ASSERT_STRING_EQUAL(buf, "{\"error\": \"bad \\\"q\\\"\\\\\\u000a\\u0009\\u0001\\u00ff\", "
                                "\"code\": \"usage\", \"status\": 2}\n");
    free(buf);

    /* without --json nothing goes to the JSON stream */
    m = open_memstream(&buf, &len);
    char *argv2[] = {"x", "--n", NULL};
    cli_ctx_init(&c, "test", NULL, m, 2, argv2);
    CU_ASSERT_EQUAL(cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "no"), EXIT_INVALID);
    fclose(m);
    CU_ASSERT_EQUAL(len, 0);
    free(buf);

    CU_ASSERT_EQUAL(cli_status(CAIRN_OK), EXIT_OK);
    CU_ASSERT_EQUAL(cli_status(CAIRN_ERR_VERIFY), EXIT_INVALID);
    CU_ASSERT_EQUAL(cli_status(CAIRN_ERR_USAGE), EXIT_USAGE);
    CU_ASSERT_EQUAL(cli_status(CAIRN_ERR_LIMIT), EXIT_USAGE);
}

static void write_file(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < n; i++) fputc((int)(i * 7 & 0xff), f);
    fclose(f);
}

/* Reads path with limit max and expects err and a message containing want
 * (or, on success, n bytes of the write_file pattern). */
static void expect_read(const char *path, uint64_t max, cairn_err err, const char *want, size_t n)
{
    uint8_t *b = (uint8_t *)1;
    size_t len = 99;
    cairn_err e = cli_read_file(&b, &len, "--input", path, max, "--max-input");
    CU_ASSERT_EQUAL(e, err);
    if (e != err || (want && !strstr(cairn_last_error(), want)))
        fprintf(stderr, "\n  %s max %llu: %s '%s', want %s '%s'\n", path, (unsigned long long)max,
                cairn_err_name(e), cairn_last_error(), cairn_err_name(err), want ? want : "");
    if (want) CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), want));
    if (e != CAIRN_OK) {
        CU_ASSERT_PTR_NULL(b);
        CU_ASSERT_EQUAL(len, 0);
        return;
    }
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_EQUAL(len, n);
    int same = 1;
    for (size_t i = 0; b && i < len && i < n; i++) same &= b[i] == (uint8_t)(i * 7);
    CU_ASSERT(same);
    free(b);
}

/* Starts a child that writes n pattern bytes into the FIFO path (it may
 * die of SIGPIPE when the reader stops early); returns its pid. */
static pid_t fifo_writer(const char *path, size_t n)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        FILE *f = fopen(path, "wb");
        if (!f) _exit(1);
        for (size_t i = 0; i < n; i++) fputc((int)(i * 7 & 0xff), f);
        fclose(f);
        _exit(0);
    }
    return pid;
}

static void test_reader(void)
{
    write_file(test_path("f100"), 100);
    write_file(test_path("empty"), 0);
    write_file(test_path("big"), 200000);
    expect_read(test_path("f100"), 100, CAIRN_OK, NULL, 100);
    expect_read(test_path("f100"), 1000, CAIRN_OK, NULL, 100);
    expect_read(test_path("f100"), 99, CAIRN_ERR_LIMIT, "100 bytes, over the limit of 99 bytes (--max-input)", 0);
    expect_read(test_path("empty"), 0, CAIRN_OK, NULL, 0);
    expect_read(test_path("big"), 200000, CAIRN_OK, NULL, 200000);
    expect_read(test_path("big"), 199999, CAIRN_ERR_LIMIT, "200000 bytes", 0);
    expect_read(test_path("."), 1000, CAIRN_ERR_IO, "is a directory", 0);
    expect_read(test_path("missing"), 1000, CAIRN_ERR_IO, "No such file", 0);

    /* a FIFO: read to the limit, refused beyond it */
    const char *fifo = test_path("fifo");
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    const struct {
        size_t n;
        uint64_t max;
        cairn_err err;
    } cases[] = {{150000, 150000, CAIRN_OK}, {150000, 149999, CAIRN_ERR_LIMIT}, {0, 0, CAIRN_OK},
                 {1, 0, CAIRN_ERR_LIMIT}, {100, 1u << 30, CAIRN_OK}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pid_t pid = fifo_writer(fifo, cases[k].n);
        CU_ASSERT_FATAL(pid > 0);
        expect_read(fifo, cases[k].max, cases[k].err, cases[k].err ? "more than the limit" : NULL, cases[k].n);
        int st;
        waitpid(pid, &st, 0);
    }
}

static void expect_output(const char *path, cairn_err err, const char *want)
{
    cairn_err e = cli_check_output("-o", path);
    CU_ASSERT_EQUAL(e, err);
    if (e != err || (want && !strstr(cairn_last_error(), want))) {
        fprintf(stderr, "\n  -o %s: %s '%s', want %s '%s'\n", path, cairn_err_name(e), cairn_last_error(),
                cairn_err_name(err), want ? want : "");
        CU_FAIL("wrong result");
    }
}

static void test_check_output(void)
{
    write_file(test_path("reg.h5"), 10);
    CU_ASSERT_EQUAL_FATAL(mkdir(test_path("sub"), 0700), 0);
    CU_ASSERT_EQUAL_FATAL(mkfifo(test_path("out.fifo"), 0600), 0);
    CU_ASSERT_EQUAL_FATAL(symlink("reg.h5", test_path("link.h5")), 0);
    CU_ASSERT_EQUAL_FATAL(symlink("nowhere", test_path("dangling.h5")), 0);
    expect_output(test_path("new.h5"), CAIRN_OK, NULL);
    expect_output(test_path("reg.h5"), CAIRN_OK, NULL);
    expect_output(test_path("sub/new.h5"), CAIRN_OK, NULL);
    expect_output("cli_check_output_test_new.h5", CAIRN_OK, NULL); /* in the working directory */
    expect_output(test_path("sub"), CAIRN_ERR_IO, "a directory");
    expect_output(test_path("sub/"), CAIRN_ERR_IO, "a directory");
    expect_output(test_path("out.fifo"), CAIRN_ERR_IO, "a FIFO");
    expect_output(test_path("link.h5"), CAIRN_ERR_IO, "a symbolic link");
    expect_output(test_path("dangling.h5"), CAIRN_ERR_IO, "a symbolic link");
    expect_output(test_path("missing/new.h5"), CAIRN_ERR_IO, "No such file");
    expect_output(test_path("reg.h5/new.h5"), CAIRN_ERR_IO, "Not a directory");
    expect_output("", CAIRN_ERR_IO, "empty");
    /* a device node: made here when allowed (root), the real /dev/null
     * otherwise (only checked, never written) */
    const char *dev = test_path("null");
    if (mknod(dev, S_IFCHR | 0600, makedev(1, 3)) != 0) dev = "/dev/null";
    expect_output(dev, CAIRN_ERR_IO, "a character device");
    struct stat st;
    CU_ASSERT(stat(dev, &st) == 0 && S_ISCHR(st.st_mode));
}

int main(void)
{
    if (!test_tmpdir("cli_util_XXXXXX")) return 1;
    static const test_case cases[] = {
        {"cli_parse_u64 accepts decimal digits in range", test_u64_accepts},
        {"cli_parse_u64 refuses what is not a decimal number", test_u64_not_numbers},
        {"cli_parse_u64 refuses values out of range and overflow", test_u64_out_of_range},
        {"cli_parse options, values, positionals, help", test_parse_options},
        {"cli_parse_command: one file, help on stdout", test_parse_command},
        {"cli_fail JSON error object", test_json_errors},
        {"cli_read_file limits, directory, FIFO", test_reader},
        {"cli_check_output refuses all but regular files", test_check_output},
        {NULL, NULL},
    };
    return test_run_suite("cli_util", cases);
}
