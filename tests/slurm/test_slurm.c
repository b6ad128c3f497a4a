/* The batch script generator (slurm/slurm.h): shell quoting of every
 * path (spaces, quotes, $, backslashes, newlines read back by bash as the
 * same bytes), the #SBATCH lines present exactly for the options given,
 * the checks of plain words, paths and Slurm times, and the refusals
 * (relative paths, leads out of range, values that cannot stand on an
 * #SBATCH line). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "slurm/slurm.h"
#include "testutil.h"

static const slurm_job base = {.cairn = "/opt/cairn/bin/cairn",
                               .program = "/data/prog.elf",
                               .job = "/data/job.h5",
                               .log = "/data/job.log",
                               .log_in_script = 1,
                               .job_name = "cairn-job",
                               .signal_lead = 120,
                               .checkpoint_wait = 60};

static char *script_of(const slurm_job *j)
{
    char *s = NULL;
    size_t n = 0;
    cairn_err e = slurm_script(&s, &n, j);
    if (e != CAIRN_OK) fprintf(stderr, "\n  slurm_script: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(strlen(s), n);
    return s;
}

static int has_line(const char *s, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = s; (p = strstr(p, line)); p++)
        if ((p == s || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0)) return 1;
    return 0;
}

/* bash reads the quoted form of s back as s */
static void roundtrip(const char *s)
{
    char q[1024];
    size_t n = slurm_quote(q, sizeof q, s);
    CU_ASSERT_FATAL(n < sizeof q);
    CU_ASSERT_EQUAL(strlen(q), n);
    const char *out = test_path("rt.out");
    /* bash -c 'printf %s QUOTED > OUT', itself quoted for system()'s sh */
    char outer[4096];
    size_t k = 0;
    k += (size_t)snprintf(outer + k, sizeof outer - k, "bash -c ");
    char inner[2048];
    snprintf(inner, sizeof inner, "printf %%s %s > %s", q, out);
    size_t qn = slurm_quote(outer + k, sizeof outer - k, inner);
    CU_ASSERT_FATAL(k + qn < sizeof outer);
    int st = system(outer);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    FILE *f = fopen(out, "rb");
    CU_ASSERT_FATAL(f != NULL);
    char got[1024];
    size_t m = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[m] = 0;
    if (strcmp(got, s)) fprintf(stderr, "\n  quoted %s read back as '%s', not '%s'\n", q, got, s);
    CU_ASSERT_STRING_EQUAL(got, s);
}

static void test_quote(void)
{
    char q[64];
    CU_ASSERT_EQUAL(slurm_quote(q, sizeof q, "a b"), 5);
    CU_ASSERT_STRING_EQUAL(q, "'a b'");
    CU_ASSERT_EQUAL(slurm_quote(q, sizeof q, "it's"), 9);
    CU_ASSERT_STRING_EQUAL(q, "'it'\\''s'");
    CU_ASSERT_EQUAL(slurm_quote(q, sizeof q, ""), 2);
    CU_ASSERT_STRING_EQUAL(q, "''");
    /* cut to the capacity, the length still the whole */
    CU_ASSERT_EQUAL(slurm_quote(q, 4, "abcdef"), 8);
    CU_ASSERT_STRING_EQUAL(q, "'ab");
    roundtrip("/tmp/a dir/job.h5");
    roundtrip("/tmp/it's \"q\" $HOME `x` \\n\\ back\\slash; rm -rf /");
    roundtrip("/tmp/new\nline*?[a]");
}

static void test_script_options(void)
{
    char *s = script_of(&base);
    CU_ASSERT(!strncmp(s, "#!/bin/bash\n", 12));
    CU_ASSERT(has_line(s, "#SBATCH --requeue"));
    CU_ASSERT(has_line(s, "#SBATCH --open-mode=append"));
    CU_ASSERT(has_line(s, "#SBATCH --signal=B:USR1@120"));
    CU_ASSERT(has_line(s, "#SBATCH --job-name=cairn-job"));
    CU_ASSERT(has_line(s, "#SBATCH --output=/data/job.log"));
    CU_ASSERT(strstr(s, "#SBATCH --nodes") == NULL);
    CU_ASSERT(strstr(s, "#SBATCH --time") == NULL);
    CU_ASSERT(strstr(s, "#SBATCH --partition") == NULL);
    CU_ASSERT(strstr(s, "--input") == NULL);
    CU_ASSERT(strstr(s, "--segment-po2") == NULL);
    CU_ASSERT(has_line(s, "CAIRN='/opt/cairn/bin/cairn'"));
    CU_ASSERT(has_line(s, "PROVE=(prove \"$PROGRAM\" -o \"$JOB\" --resume --checkpoint-wait 60)"));
    CU_ASSERT(has_line(s, "srun --mpi=pmix \"$CAIRN\" \"${PROVE[@]}\" &"));
    CU_ASSERT(has_line(s, "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}"));
    CU_ASSERT(has_line(s, "trap forward USR1"));
    CU_ASSERT(has_line(s, "if [ \"$status\" = 3 ] && [ \"$asked\" = 1 ]; then"));
    CU_ASSERT(has_line(s, "    scontrol requeue \"$SLURM_JOB_ID\""));
    free(s);

    slurm_job j = base;
    j.input = "/data/in put.bin";
    j.nodes = 2;
    j.ntasks_per_node = 4;
    j.cpus_per_task = 8;
    j.time = "1-02:03:04";
    j.partition = "long,short";
    j.account = "proj_1";
    j.mem = "16G";
    j.segment_po2 = 12;
    j.preset = "test";
    j.signal_lead = 300;
    j.checkpoint_wait = 150;
    j.log = "/data/a b.log";
    j.log_in_script = 0;
    s = script_of(&j);
    CU_ASSERT(has_line(s, "#SBATCH --nodes=2"));
    CU_ASSERT(has_line(s, "#SBATCH --ntasks-per-node=4"));
    CU_ASSERT(has_line(s, "#SBATCH --cpus-per-task=8"));
    CU_ASSERT(has_line(s, "#SBATCH --time=1-02:03:04"));
    CU_ASSERT(has_line(s, "#SBATCH --partition=long,short"));
    CU_ASSERT(has_line(s, "#SBATCH --account=proj_1"));
    CU_ASSERT(has_line(s, "#SBATCH --mem=16G"));
    CU_ASSERT(has_line(s, "#SBATCH --signal=B:USR1@300"));
    CU_ASSERT(strstr(s, "#SBATCH --output") == NULL);
    CU_ASSERT(has_line(s, "PROVE=(prove \"$PROGRAM\" -o \"$JOB\" --resume --input '/data/in put.bin' --segment-po2 12 "
                          "--preset test --checkpoint-wait 150)"));
    free(s);
    /* segment proofs only */
    j.no_fold = 1;
    s = script_of(&j);
    CU_ASSERT(has_line(s, "PROVE=(prove \"$PROGRAM\" -o \"$JOB\" --resume --input '/data/in put.bin' --segment-po2 12 "
                          "--preset test --no-fold --checkpoint-wait 150)"));
    free(s);
}

/* The script parses as bash, with awkward paths. */
static void test_script_bash(void)
{
    slurm_job j = base;
    j.job = "/tmp/it's a \"dir\"/$x/job.h5";
    j.program = "/tmp/`p`/prog.elf";
    j.input = "/tmp/in\\put";
    j.log_in_script = 0;
    char *s = script_of(&j);
    const char *path = test_path("job.sbatch");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(s, f);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "bash -n '%s'", path);
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* JOB= reads back as the path */
    const char *line = strstr(s, "\nJOB=");
    CU_ASSERT_FATAL(line != NULL);
    line++;
    const char *end = strchr(line, '\n');
    const char *out = test_path("job.out");
    snprintf(cmd, sizeof cmd, "%.*s; printf %%s \"$JOB\" > %s", (int)(end - line), line, out);
    char q[2048];
    slurm_quote(q, sizeof q, cmd);
    char run[2100];
    snprintf(run, sizeof run, "bash -c %s", q);
    st = system(run);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    f = fopen(out, "r");
    CU_ASSERT_FATAL(f != NULL);
    char got[512] = {0};
    CU_ASSERT(fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(got, j.job);
    free(s);
}

static void expect_refused(const slurm_job *j, const char *want)
{
    char *s = (char *)1;
    size_t n = 1;
    cairn_err e = slurm_script(&s, &n, j);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_USAGE);
    CU_ASSERT(s == NULL && n == 0);
    if (e != CAIRN_ERR_USAGE || !strstr(cairn_last_error(), want))
        fprintf(stderr, "\n  expected an error naming '%s', got '%s'\n", want, cairn_last_error());
    CU_ASSERT(strstr(cairn_last_error(), want) != NULL);
}

static void test_script_refusals(void)
{
    slurm_job j = base;
    j.job = "job.h5";
    expect_refused(&j, "job file path 'job.h5' is not absolute");
    j = base;
    j.cairn = NULL;
    expect_refused(&j, "cairn path");
    j = base;
    j.input = "in.bin";
    expect_refused(&j, "input path");
    j = base;
    j.signal_lead = 0;
    expect_refused(&j, "signal lead 0");
    j.signal_lead = SLURM_MAX_SIGNAL_LEAD + 1;
    expect_refused(&j, "signal lead 65536");
    j = base;
    j.checkpoint_wait = 0;
    expect_refused(&j, "checkpoint wait 0");
    j = base;
    j.partition = "a b";
    expect_refused(&j, "--partition");
    j = base;
    j.mem = "1G\n#SBATCH --x";
    expect_refused(&j, "--mem");
    j = base;
    j.time = "soon";
    expect_refused(&j, "--time");
    j = base;
    j.log = "/data/a b.log"; /* log_in_script still 1 */
    expect_refused(&j, "log path");
    j = base;
    j.job_name = "";
    expect_refused(&j, "--job-name");
}

static void test_words(void)
{
    CU_ASSERT_EQUAL(slurm_check_word("--p", "gpu-long_2.x,cpu"), CAIRN_OK);
    CU_ASSERT_EQUAL(slurm_check_word("--mem", "4G"), CAIRN_OK);
    const char *bad[] = {"", "a b", "a#b", "a%j", "a'b", "a\"b", "a\tb", "a\nb", "a/b", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(slurm_check_word("--p", bad[i]), CAIRN_ERR_USAGE);
        CU_ASSERT(strstr(cairn_last_error(), "--p") != NULL);
    }
    char longw[300];
    memset(longw, 'a', sizeof longw - 1);
    longw[299] = 0;
    CU_ASSERT_EQUAL(slurm_check_word("--p", longw), CAIRN_ERR_USAGE);
    CU_ASSERT(slurm_plain_path("/data/run-1/job_2.log"));
    CU_ASSERT(!slurm_plain_path("/data/a b.log"));
    CU_ASSERT(!slurm_plain_path("/data/%j.log"));
    CU_ASSERT(!slurm_plain_path("/data/it's.log"));
    CU_ASSERT(!slurm_plain_path(""));
}

static void expect_time(const char *s, uint64_t want)
{
    uint64_t t = 0;
    cairn_err e = slurm_time_seconds(&t, "--time", s);
    if (e != CAIRN_OK || t != want) fprintf(stderr, "\n  '%s': %s, %llu\n", s, cairn_last_error(), (unsigned long long)t);
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    CU_ASSERT_EQUAL(t, want);
}

static void test_times(void)
{
    expect_time("10", 600);
    expect_time("10:30", 630);
    expect_time("01:02:03", 3723);
    expect_time("2-3", 2 * 86400 + 3 * 3600);
    expect_time("2-03:04", 2 * 86400 + 3 * 3600 + 4 * 60);
    expect_time("2-03:04:05", 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect_time("365-0", 365u * 86400);
    const char *bad[] = {"", "0", "0:0:0", "1:2:3:4", "a", "1:", ":1", "1-", "-1", "1-2-3", "1-1:2:3:4",
                         "366-0", "1 ", "10000000000", "1:x", "UNLIMITED"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t t = 77;
        CU_ASSERT_EQUAL(slurm_time_seconds(&t, "--time", bad[i]), CAIRN_ERR_USAGE);
        CU_ASSERT_EQUAL(t, 77);
        CU_ASSERT(strstr(cairn_last_error(), "--time") != NULL);
    }
}

int main(void)
{
    if (!test_tmpdir("slurm_XXXXXX")) return 1;
    static const test_case cases[] = {
        {"slurm_quote: bash reads every path back", test_quote},
        {"slurm_script: #SBATCH lines and prove options as given", test_script_options},
        {"slurm_script: valid bash with awkward paths", test_script_bash},
        {"slurm_script: refusals name the field", test_script_refusals},
        {"slurm_check_word and slurm_plain_path", test_words},
        {"slurm_time_seconds: Slurm's time formats", test_times},
        {NULL, NULL},
    };
    return test_run_suite("slurm", cases);
}
