/* cairn submit: proves a program as a Slurm batch job that survives time
 * limits and requeues (issue 11; the script is slurm/slurm.h's):
 *
 *   cairn submit PROGRAM.elf [--input FILE] -o job.h5 [--nodes N]
 *                [--ntasks-per-node T] [--cpus-per-task C] [--time T]
 *                [--partition P] [--account A] [--mem M] [--segment-po2 K]
 *                [--preset P] [--no-fold] [--signal-lead S] [--resume]
 *                [--dry-run] [--json] [-q] [-v] [-- extra sbatch options]
 *
 * Everything is checked before anything is submitted (exit 2 and a message
 * naming the problem): the program loads, the input is readable, the job
 * file's folder is writable, the values are in range and can stand on an
 * #SBATCH line, and without --resume no job is stored at job.h5 yet. Then
 * the script goes to job.sbatch (next to job.h5; written to a temporary
 * name and renamed) and `sbatch --parsable [extra options] job.sbatch`
 * submits it; the job's output is appended to job.log. stdout: the Slurm
 * job ID (with --json: {"job_id", "script", "log", "job"}); --dry-run
 * prints the script instead and neither writes nor submits anything.
 *
 * sbatch is found on PATH, or is the program named by the environment
 * variable CAIRN_SBATCH (tests). A missing sbatch, or one that fails, is
 * exit 2 with its stderr. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common/err.h"
#include "proofs.h"
#include "slurm/slurm.h"
#include "vm/rv32im/rv.h"

_Static_assert(EXIT_CHECKPOINTED == SLURM_CHECKPOINT_STATUS,
               "the batch script requeues on cairn prove's checkpoint status");

static const char USAGE[] =
    "usage: cairn submit PROGRAM.elf [--input FILE] -o job.h5 [--nodes N] [--ntasks-per-node T]\n"
    "                    [--cpus-per-task C] [--time T] [--partition P] [--account A] [--mem M]\n"
    "                    [--segment-po2 K] [--preset P] [--no-fold] [--signal-lead S]\n"
    "                    [--resume] [--dry-run] [--json] [-q] [-v] [-- extra sbatch options]\n";

static const char HELP[] =
    "\nProves PROGRAM as a Slurm batch job: writes job.sbatch next to the job file\n"
    "and submits it with sbatch, then prints the Slurm job ID. The job runs\n"
    "`srun --mpi=pmix cairn prove ... --resume` on its tasks (rank 0 executes and\n"
    "coordinates, every rank proves with OMP_NUM_THREADS = --cpus-per-task). S\n"
    "seconds before its time limit Slurm signals the script, cairn stores what is\n"
    "proven and stops (status 3), and the script requeues the job, which continues\n"
    "from the job file when it starts again. Output (appended): job.log.\n\n"
    "  --input FILE         private input of the guest (default empty)\n"
    "  -o job.h5            the job file (its folder must be writable)\n"
    "  --nodes N            #SBATCH --nodes (1..65536)\n"
    "  --ntasks-per-node T  #SBATCH --ntasks-per-node: MPI ranks per node (1..4096)\n"
    "  --cpus-per-task C    #SBATCH --cpus-per-task: threads per rank (1..4096)\n"
    "  --time T             #SBATCH --time (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S);\n"
    "                       must be longer than the signal lead\n"
    "  --partition P, --account A, --mem M   the #SBATCH options of those names\n"
    "  --segment-po2 K      cairn prove's segment size (4..24, default 20)\n"
    "  --preset P           proven-100 (default), conjectured-100 or test\n"
    "  --no-fold            segment proofs only (cairn prove --no-fold): no lifts,\n"
    "                       joins or final proof\n"
    "  --signal-lead S      seconds before the time limit that the checkpoint starts\n"
    "                       (1..65535, default 120); cairn waits at most S/2 seconds\n"
    "                       for the proofs in flight (cairn prove --checkpoint-wait)\n"
    "  --resume             continue the job stored at job.h5 (without it a stored\n"
    "                       job there is refused)\n"
    "  --dry-run            print the script; write and submit nothing\n"
    "  --json               the result (or error) as one JSON object on stdout\n"
    "  -q                   nothing on stderr but errors; -v: the sbatch command too\n"
    "  -- OPTIONS           passed to sbatch before the script (e.g. --qos=high)\n\n"
    "Exit status: 0 submitted (or printed); 2 a usage or input error, a missing or\n"
    "failing sbatch (nothing submitted).\n";

/* path with its suffix ".h5" (if any) replaced by suffix; malloc'd. */
static char *sibling(const char *path, const char *suffix)
{
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".h5")) n -= 3;
    char *s = malloc(n + strlen(suffix) + 1);
    if (!s) return NULL;
    memcpy(s, path, n);
    strcpy(s + n, suffix);
    return s;
}

/* The absolute form of an output path whose folder exists: realpath of
 * the folder + the last component. malloc'd, NULL on error. */
static char *abs_output(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    const char *base = slash ? slash + 1 : path;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    char *r = realpath(dir, NULL);
    if (!r) return NULL;
    size_t n = strlen(r) + strlen(base) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", r, strcmp(r, "/") ? "/" : "", base);
    free(r);
    return s;
}

/* "cairn-" and the job file's name without .h5, with anything that is
 * not a plain character turned into '_'. */
static void job_name(char *out, size_t cap, const char *job)
{
    const char *b = strrchr(job, '/');
    b = b ? b + 1 : job;
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".h5")) n -= 3;
    if (n > 48) n = 48;
    snprintf(out, cap, "cairn-%.*s", (int)n, b);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            *p = '_';
}

/* Writes text to path through path.tmp and rename. */
static cairn_err write_file(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    RETURN_ERROR_IF(!tmp, CAIRN_ERR_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmp", path);
    cairn_err e = CAIRN_OK;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        e = cairn_fail(CAIRN_ERR_IO, "%s: %s", tmp, strerror(errno));
    } else {
        size_t w = fwrite(text, 1, len, f);
        int bad = w != len || fflush(f) != 0 || fsync(fileno(f)) != 0;
        int err = errno;
        if (fclose(f) != 0 && !bad) bad = 1, err = errno;
        if (bad) e = cairn_fail(CAIRN_ERR_IO, "writing %s: %s", tmp, strerror(err));
        else if (chmod(tmp, 0755) != 0 || rename(tmp, path) != 0)
            e = cairn_fail(CAIRN_ERR_IO, "%s: %s", path, strerror(errno));
        if (e != CAIRN_OK) unlink(tmp);
    }
    free(tmp);
    return e;
}

/* Runs argv (argv[0] looked up on PATH), collecting stdout and stderr
 * (each at most cap - 1 bytes kept, NUL-terminated); *status: the exit
 * status, 127 when it could not be started (the reason in err), 128 + N
 * after signal N. */
static cairn_err run_capture(char *const argv[], char *out, char *err, size_t cap, int *status)
{
    int po[2], pe[2];
    RETURN_ERROR_IF(pipe(po) != 0, CAIRN_ERR_IO, "pipe: %s", strerror(errno));
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return cairn_fail(CAIRN_ERR_IO, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return cairn_fail(CAIRN_ERR_IO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) dup2(nul, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t n[2] = {0, 0};
    char *buf[2] = {out, err};
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char tmp[4096];
            ssize_t r = read(fds[i].fd, tmp, sizeof tmp);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            size_t k = (size_t)r;
            if (k > cap - 1 - n[i]) k = cap - 1 - n[i];
            memcpy(buf[i] + n[i], tmp, k);
            n[i] += k;
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    out[n[0]] = 0;
    err[n[1]] = 0;
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return cairn_fail(CAIRN_ERR_IO, "waitpid: %s", strerror(errno));
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return CAIRN_OK;
}

/* s without trailing white space. */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
}

int cmd_submit(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL, *preset = NULL;
    const char *time_s = NULL, *partition = NULL, *account = NULL, *mem = NULL;
    uint64_t nodes = 0, ntasks = 0, cpus = 0, po2 = 0, lead = SLURM_DEFAULT_SIGNAL_LEAD;
    int json = 0, quiet = 0, verbose = 0, dry = 0, resume = 0, no_fold = 0, status = EXIT_USAGE;
    int po2_given = 0;
    /* what follows "--" is sbatch's */
    int nargs = argc, extra0 = argc;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            nargs = i;
            extra0 = i + 1;
            break;
        }
    cli_ctx c;
    cli_ctx_init(&c, "cairn submit", USAGE, stdout, nargs, argv);
    const cli_opt opts[] = {
        {"--input", CLI_STR, &input_path, 0, 0, NULL},
        {"-o", CLI_STR, &out_path, 0, 0, NULL},
        {"--nodes", CLI_U64, &nodes, 1, 65536, NULL},
        {"--ntasks-per-node", CLI_U64, &ntasks, 1, 4096, NULL},
        {"--cpus-per-task", CLI_U64, &cpus, 1, 4096, NULL},
        {"--time", CLI_STR, &time_s, 0, 0, NULL},
        {"--partition", CLI_STR, &partition, 0, 0, NULL},
        {"--account", CLI_STR, &account, 0, 0, NULL},
        {"--mem", CLI_STR, &mem, 0, 0, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, &po2_given},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"--no-fold", CLI_FLAG, &no_fold, 0, 0, NULL},
        {"--signal-lead", CLI_U64, &lead, 1, SLURM_MAX_SIGNAL_LEAD, NULL},
        {"--resume", CLI_FLAG, &resume, 0, 0, NULL},
        {"--dry-run", CLI_FLAG, &dry, 0, 0, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"-q", CLI_FLAG, &quiet, 0, 0, NULL},
        {"-v", CLI_FLAG, &verbose, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int r;
    if (!cli_parse_command(&c, opts, &elf_path, nargs, argv, HELP, &r)) return r;
    if (!elf_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no program given");
    if (!out_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no job file given (-o job.h5)");
    if (input_path && !strcmp(input_path, "-"))
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--input -: a batch job has no stdin; give a file");

    /* from here errors are about the request's values and files: no usage lines */
    cli_ctx ic = c;
    ic.usage = NULL;
    cli_program pg = {0};
    char *prog_abs = NULL, *input_abs = NULL, *job_abs = NULL, *log = NULL, *script_path = NULL,
         *dot_d = NULL, *script = NULL, *self = NULL;
    size_t script_len = 0;
    cairn_err e;
    uint64_t secs = 0;
    stark_params params;

    if ((e = cli_preset(&params, preset ? preset : CLI_DEFAULT_PRESET,
                        po2_given ? (unsigned)po2 : RV_DEFAULT_SEGMENT_PO2)) != CAIRN_OK) {
        status = cli_fail(&ic, EXIT_USAGE, e, "%s", cairn_last_error());
        goto done;
    }
    if (time_s) {
        if ((e = slurm_time_seconds(&secs, "--time", time_s)) != CAIRN_OK) {
            status = cli_fail(&ic, EXIT_USAGE, e, "%s", cairn_last_error());
            goto done;
        }
        if (secs <= lead) {
            status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_USAGE,
                              "--time %s (%" PRIu64 " s) is not longer than --signal-lead %" PRIu64
                              " s: the checkpoint would start at once",
                              time_s, secs, lead);
            goto done;
        }
    }
    const char *words[][2] = {{"--partition", partition}, {"--account", account}, {"--mem", mem}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (words[i][1] && (e = slurm_check_word(words[i][0], words[i][1])) != CAIRN_OK) {
            status = cli_fail(&ic, EXIT_USAGE, e, "%s", cairn_last_error());
            goto done;
        }
    /* the program loads and the input is readable, as cairn prove will see them */
    if ((status = cli_program_load(&pg, &ic, elf_path, input_path, CLI_DEFAULT_MAX_INPUT)) != EXIT_OK) goto done;
    status = EXIT_USAGE;
    if ((e = cli_check_output("-o", out_path)) != CAIRN_OK) {
        status = cli_fail(&ic, EXIT_USAGE, e, "%s", cairn_last_error());
        goto done;
    }
    prog_abs = realpath(elf_path, NULL);
    input_abs = input_path ? realpath(input_path, NULL) : NULL;
    job_abs = abs_output(out_path);
    self = realpath("/proc/self/exe", NULL);
    if (!prog_abs || (input_path && !input_abs) || !job_abs || !self) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_IO, "cannot make the paths absolute: %s", strerror(errno));
        goto done;
    }
    log = sibling(job_abs, ".log");
    script_path = sibling(job_abs, ".sbatch");
    size_t dn = strlen(job_abs) + sizeof JOBS_DIR_SUFFIX;
    dot_d = malloc(dn);
    if (!log || !script_path || !dot_d) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(dot_d, dn, "%s%s", job_abs, JOBS_DIR_SUFFIX);
    if (strchr(log, '%')) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_USAGE,
                          "-o %s: Slurm reads '%%' in the log's name (%s) as a pattern; choose another name",
                          out_path, log);
        goto done;
    }
    struct stat sb;
    if (!resume && (stat(job_abs, &sb) == 0 || stat(dot_d, &sb) == 0)) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_USAGE,
                          "-o %s: a job is stored there already; continue it with --resume or remove it",
                          out_path);
        goto done;
    }
    char name[64];
    job_name(name, sizeof name, job_abs);
    unsigned wait = (unsigned)(lead / 2 ? lead / 2 : 1);
    slurm_job sj = {.cairn = self,
                    .program = prog_abs,
                    .input = input_abs,
                    .job = job_abs,
                    .log = log,
                    .log_in_script = slurm_plain_path(log),
                    .job_name = name,
                    .nodes = (unsigned)nodes,
                    .ntasks_per_node = (unsigned)ntasks,
                    .cpus_per_task = (unsigned)cpus,
                    .time = time_s,
                    .partition = partition,
                    .account = account,
                    .mem = mem,
                    .segment_po2 = po2_given ? (unsigned)po2 : 0,
                    .preset = preset,
                    .signal_lead = (unsigned)lead,
                    .checkpoint_wait = wait > 3600 ? 3600 : wait,
                    .no_fold = no_fold};
    if ((e = slurm_script(&script, &script_len, &sj)) != CAIRN_OK) {
        status = cli_fail(&ic, cli_status(e), e, "%s", cairn_last_error());
        goto done;
    }
    if (dry) {
        if (json) {
            printf("{\"dry_run\": true, \"script_path\": ");
            cli_json_str(stdout, script_path);
            printf(", \"script\": ");
            cli_json_str(stdout, script);
            printf("}\n");
        } else {
            fwrite(script, 1, script_len, stdout);
        }
        status = EXIT_OK;
        goto done;
    }
    if ((e = write_file(script_path, script, script_len)) != CAIRN_OK) {
        status = cli_fail(&ic, EXIT_USAGE, e, "%s", cairn_last_error());
        goto done;
    }

    /* sbatch --parsable [--output=LOG] [extra] SCRIPT */
    const char *sbatch = getenv("CAIRN_SBATCH");
    if (!sbatch || !*sbatch) sbatch = "sbatch";
    int nextra = argc - extra0;
    char **av = calloc((size_t)nextra + 5, sizeof *av);
    char *outopt = malloc(strlen(log) + 16);
    if (!av || !outopt) {
        free(av);
        free(outopt);
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_NOMEM, "out of memory");
        goto done;
    }
    int k = 0;
    av[k++] = (char *)sbatch;
    av[k++] = (char *)"--parsable";
    if (!sj.log_in_script) {
        sprintf(outopt, "--output=%s", log);
        av[k++] = outopt;
    }
    for (int i = 0; i < nextra; i++) av[k++] = argv[extra0 + i];
    av[k++] = script_path;
    av[k] = NULL;
    if (verbose && !quiet) {
        fprintf(stderr, "cairn submit: running");
        for (int i = 0; i < k; i++) fprintf(stderr, " %s", av[i]);
        fprintf(stderr, "\n");
    }
    static char out[4096], err[8192];
    int st = 0;
    e = run_capture(av, out, err, sizeof err < sizeof out ? sizeof err : sizeof out, &st);
    free(av);
    free(outopt);
    chomp(err);
    chomp(out);
    if (e != CAIRN_OK) {
        status = cli_fail(&ic, EXIT_USAGE, e, "running %s: %s", sbatch, cairn_last_error());
        goto done;
    }
    if (st == 127) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_IO,
                          "sbatch not found (%s; install slurm-client, or set CAIRN_SBATCH): %s; nothing submitted",
                          sbatch, err);
        goto done;
    }
    if (st != 0) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_IO, "%s failed with status %d: %s; nothing submitted", sbatch,
                          st, *err ? err : "(no message)");
        goto done;
    }
    /* --parsable: "ID" or "ID;CLUSTER" */
    char *semi = strchr(out, ';');
    if (semi) *semi = 0;
    int digits = *out != 0;
    for (const char *p = out; *p; p++) digits &= *p >= '0' && *p <= '9';
    if (!digits) {
        status = cli_fail(&ic, EXIT_USAGE, CAIRN_ERR_FORMAT, "%s printed '%s', not a job ID", sbatch, out);
        goto done;
    }
    if (json) {
        printf("{\"job_id\": %s, \"script\": ", out);
        cli_json_str(stdout, script_path);
        printf(", \"log\": ");
        cli_json_str(stdout, log);
        printf(", \"job\": ");
        cli_json_str(stdout, job_abs);
        printf("}\n");
    } else {
        printf("%s\n", out);
        if (!quiet)
            fprintf(stderr, "cairn submit: Slurm job %s: script %s, log %s, job file %s\n", out, script_path, log,
                    job_abs);
    }
    status = EXIT_OK;
done:
    cli_program_free(&pg);
    free(prog_abs);
    free(input_abs);
    free(job_abs);
    free(log);
    free(script_path);
    free(dot_d);
    free(script);
    free(self);
    return status;
}
