/* The batch script of cairn submit (slurm.h). */
#include "slurm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"

/* A growing text buffer; err is set once an allocation fails (later
 * appends do nothing). */
typedef struct {
    char *b;
    size_t len, cap;
    int err;
} sbuf;

static void put_n(sbuf *s, const char *t, size_t n)
{
    if (s->err) return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1) cap *= 2;
        char *b = cairn_realloc(s->b, cap);
        if (!b) {
            s->err = 1;
            return;
        }
        s->b = b;
        s->cap = cap;
    }
    memcpy(s->b + s->len, t, n);
    s->len += n;
    s->b[s->len] = 0;
}

static void put(sbuf *s, const char *t) { put_n(s, t, strlen(t)); }

static void putf(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *tmp = n < 0 ? NULL : cairn_malloc((size_t)n + 1);
    if (!tmp) {
        s->err = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_n(s, tmp, (size_t)n);
    free(tmp);
}

/* s single-quoted: a quote inside ends the quoted part, adds \' and opens
 * a new one; nothing else is special between single quotes. */
static void put_quoted(sbuf *s, const char *t)
{
    put(s, "'");
    for (const char *p = t; *p; p++) {
        if (*p == '\'') put(s, "'\\''");
        else put_n(s, p, 1);
    }
    put(s, "'");
}

size_t slurm_quote(char *out, size_t cap, const char *s)
{
    sbuf b = {0};
    put_quoted(&b, s);
    size_t n = b.err ? 0 : b.len;
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        if (k) memcpy(out, b.b, k);
        out[k] = 0;
    }
    free(b.b);
    return n;
}

cairn_err slurm_check_word(const char *opt, const char *s)
{
    RETURN_ERROR_IF(!s || !*s, CAIRN_ERR_USAGE, "%s: empty value", opt);
    size_t n = strlen(s);
    RETURN_ERROR_IF(n > 255, CAIRN_ERR_USAGE, "%s: value of %zu bytes, at most 255", opt, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 (ch && strchr("_-.,:+@=", ch));
        RETURN_ERROR_IF(!ok, CAIRN_ERR_USAGE,
                        "%s: '%s' has the character 0x%02x at %zu; only letters, digits and _-.,:+@= "
                        "can stand on an #SBATCH line",
                        opt, s, ch, i);
    }
    return CAIRN_OK;
}

int slurm_plain_path(const char *path)
{
    if (!path || !*path || strlen(path) > 4000) return 0;
    for (const char *p = path; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("/_-.,:+@=", ch)))
            return 0;
    }
    return 1;
}

/* Reads up to three ':'-separated decimal fields from *p (at most 9
 * digits each); returns how many, or -1 on a malformed field. */
static int fields(const char **p, uint64_t f[3])
{
    int n = 0;
    for (;;) {
        const char *s = *p;
        uint64_t v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 10) v = v * 10 + (uint64_t)(*s++ - '0'), digits++;
        if (!digits || digits > 9 || n == 3) return -1;
        f[n++] = v;
        *p = s;
        if (*s != ':') return n;
        (*p)++;
    }
}

cairn_err slurm_time_seconds(uint64_t *secs, const char *opt, const char *s)
{
    const char *p = s ? s : "";
    uint64_t days = 0, f[3] = {0, 0, 0}, t = 0;
    const char *dash = strchr(p, '-');
    int n;
    if (dash) {
        /* D-H, D-H:M, D-H:M:S */
        const char *q = p;
        uint64_t d[3];
        if (fields(&q, d) != 1 || q != dash) goto bad;
        days = d[0];
        p = dash + 1;
        n = fields(&p, f);
        if (n < 1 || *p) goto bad;
        t = f[0] * 3600 + (n > 1 ? f[1] * 60 : 0) + (n > 2 ? f[2] : 0);
    } else {
        /* M, M:S, H:M:S */
        n = fields(&p, f);
        if (n < 1 || *p) goto bad;
        t = n == 1 ? f[0] * 60 : n == 2 ? f[0] * 60 + f[1] : f[0] * 3600 + f[1] * 60 + f[2];
    }
    t += days * 86400;
    RETURN_ERROR_IF(t == 0, CAIRN_ERR_USAGE, "%s: '%s' is no time at all", opt, s);
    RETURN_ERROR_IF(t > 365u * 86400, CAIRN_ERR_USAGE, "%s: '%s' is more than 365 days", opt, s);
    *secs = t;
    return CAIRN_OK;
bad:
    return cairn_fail(CAIRN_ERR_USAGE,
                      "%s: '%s' is not a Slurm time (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S)", opt, s ? s : "");
}

static cairn_err check_path(const char *what, const char *p)
{
    RETURN_ERROR_IF(!p || p[0] != '/', CAIRN_ERR_USAGE, "slurm_script: the %s path '%s' is not absolute", what,
                    p ? p : "(none)");
    return CAIRN_OK;
}

cairn_err slurm_script(char **out, size_t *len, const slurm_job *j)
{
    *out = NULL;
    *len = 0;
    FORWARD_IF_ERROR(check_path("cairn", j->cairn));
    FORWARD_IF_ERROR(check_path("program", j->program));
    if (j->input) FORWARD_IF_ERROR(check_path("input", j->input));
    FORWARD_IF_ERROR(check_path("job file", j->job));
    FORWARD_IF_ERROR(check_path("log", j->log));
    RETURN_ERROR_IF(j->signal_lead < 1 || j->signal_lead > SLURM_MAX_SIGNAL_LEAD, CAIRN_ERR_USAGE,
                    "slurm_script: signal lead %u outside 1..%u", j->signal_lead, SLURM_MAX_SIGNAL_LEAD);
    RETURN_ERROR_IF(j->checkpoint_wait < 1 || j->checkpoint_wait > 3600, CAIRN_ERR_USAGE,
                    "slurm_script: checkpoint wait %u outside 1..3600", j->checkpoint_wait);
    FORWARD_IF_ERROR(slurm_check_word("--job-name", j->job_name));
    uint64_t secs;
    if (j->time) FORWARD_IF_ERROR(slurm_time_seconds(&secs, "--time", j->time));
    if (j->partition) FORWARD_IF_ERROR(slurm_check_word("--partition", j->partition));
    if (j->account) FORWARD_IF_ERROR(slurm_check_word("--account", j->account));
    if (j->mem) FORWARD_IF_ERROR(slurm_check_word("--mem", j->mem));
    if (j->preset) FORWARD_IF_ERROR(slurm_check_word("--preset", j->preset));
    RETURN_ERROR_IF(j->log_in_script && !slurm_plain_path(j->log), CAIRN_ERR_USAGE,
                    "slurm_script: the log path '%s' cannot stand on an #SBATCH line", j->log);

    sbuf s = {0};
    put(&s, "#!/bin/bash\n"
            "# Written by `cairn submit` (README \"Slurm\"). It proves one job under\n"
            "# Slurm and survives time limits and requeues: LEAD seconds before the\n"
            "# time limit Slurm sends SIGUSR1 to this shell (--signal=B:USR1@LEAD),\n"
            "# which passes it to the cairn step; cairn stores every finished proof and\n"
            "# exits with status 3, and this script requeues the job. The job starts\n"
            "# again later with the same ID and continues from the job file (--resume\n"
            "# redoes nothing stored). sbatch reads the #SBATCH lines below.\n");
    putf(&s, "#SBATCH --job-name=%s\n", j->job_name);
    if (j->nodes) putf(&s, "#SBATCH --nodes=%u\n", j->nodes);
    if (j->ntasks_per_node) putf(&s, "#SBATCH --ntasks-per-node=%u\n", j->ntasks_per_node);
    if (j->cpus_per_task) putf(&s, "#SBATCH --cpus-per-task=%u\n", j->cpus_per_task);
    if (j->time) putf(&s, "#SBATCH --time=%s\n", j->time);
    if (j->partition) putf(&s, "#SBATCH --partition=%s\n", j->partition);
    if (j->account) putf(&s, "#SBATCH --account=%s\n", j->account);
    if (j->mem) putf(&s, "#SBATCH --mem=%s\n", j->mem);
    put(&s, "#SBATCH --requeue\n#SBATCH --open-mode=append\n");
    putf(&s, "#SBATCH --signal=B:USR1@%u\n", j->signal_lead);
    if (j->log_in_script) {
        put(&s, "#SBATCH --output=");
        put(&s, j->log);
        put(&s, "\n");
    }

    put(&s, "\n# What to run (single-quoted: any file name is safe).\nCAIRN=");
    put_quoted(&s, j->cairn);
    put(&s, "\nPROGRAM=");
    put_quoted(&s, j->program);
    put(&s, "\nJOB=");
    put_quoted(&s, j->job);
    put(&s, "\nPROVE=(prove \"$PROGRAM\" -o \"$JOB\" --resume");
    if (j->input) {
        put(&s, " --input ");
        put_quoted(&s, j->input);
    }
    if (j->segment_po2) putf(&s, " --segment-po2 %u", j->segment_po2);
    if (j->preset) putf(&s, " --preset %s", j->preset);
    if (j->no_fold) put(&s, " --no-fold");
    putf(&s, " --checkpoint-wait %u)\n", j->checkpoint_wait);

    putf(&s,
         "\n"
         "# One OpenMP thread per CPU that Slurm gives each task.\n"
         "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
         "\n"
         "attempt=${SLURM_RESTART_COUNT:-0}\n"
         "echo \"cairn job: Slurm job $SLURM_JOB_ID, attempt $attempt (restart count), started\" \\\n"
         "     \"$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ) on $(hostname)\"\n"
         "\n"
         "# SIGUSR1 (the time limit is near): forward it to the step. kill of srun\n"
         "# passes the signal on to every task; cairn's rank 0 checkpoints, the\n"
         "# other ranks ignore it. A signal before srun started is forwarded\n"
         "# as soon as it has.\n"
         "step=\n"
         "asked=0\n"
         "signalled=0\n"
         "forward() {\n"
         "    asked=1\n"
         "    signalled=1\n"
         "    echo \"cairn job: SIGUSR1 at $(date -u +%%H:%%M:%%S): asking cairn for a checkpoint\"\n"
         "    [ -n \"$step\" ] && kill -USR1 \"$step\" 2>/dev/null\n"
         "}\n"
         "trap forward USR1\n"
         "# SIGTERM (time limit reached, scancel) reaches the step from Slurm\n"
         "# itself: this shell only waits for it.\n"
         "trap 'signalled=1; echo \"cairn job: SIGTERM: waiting for cairn\"' TERM\n"
         "\n"
         "srun --mpi=pmix \"$CAIRN\" \"${PROVE[@]}\" &\n"
         "step=$!\n"
         "[ \"$asked\" = 1 ] && kill -USR1 \"$step\" 2>/dev/null\n"
         "\n"
         "# A trapped signal ends `wait` early (status > 128): wait again while\n"
         "# the step runs. If the step ended meanwhile, the shell still holds its\n"
         "# status for the next wait.\n"
         "while :; do\n"
         "    signalled=0\n"
         "    wait \"$step\"\n"
         "    status=$?\n"
         "    [ \"$signalled\" = 1 ] || break\n"
         "    kill -0 \"$step\" 2>/dev/null && continue\n"
         "    wait \"$step\" 2>/dev/null\n"
         "    again=$?\n"
         "    [ \"$again\" != 127 ] && status=$again\n"
         "    break\n"
         "done\n"
         "echo \"cairn job: cairn ended with status $status after ${SECONDS} s (attempt $attempt)\"\n"
         "\n"
         "# Status %d after our SIGUSR1: checkpointed before the time limit:\n"
         "# requeue this job, which resumes from the job file when it starts\n"
         "# again. After SIGTERM alone (scancel, or the limit itself) the job is\n"
         "# not requeued: `cairn submit --resume` continues it.\n"
         "if [ \"$status\" = %d ] && [ \"$asked\" = 1 ]; then\n"
         "    echo \"cairn job: requeueing job $SLURM_JOB_ID to continue\"\n"
         "    scontrol requeue \"$SLURM_JOB_ID\"\n"
         "    exit 0\n"
         "fi\n"
         "[ \"$status\" = %d ] && echo \"cairn job: stopped; cairn submit --resume continues it\"\n"
         "exit \"$status\"\n",
         SLURM_CHECKPOINT_STATUS, SLURM_CHECKPOINT_STATUS, SLURM_CHECKPOINT_STATUS);
    if (s.err) {
        free(s.b);
        return cairn_fail_nomem(s.cap * 2, "slurm_script: out of memory for the script");
    }
    *out = s.b;
    *len = s.len;
    return CAIRN_OK;
}
