/* slurm: the batch script of `cairn submit` (DESIGN.md "Slurm"; issue 11).
 *
 * slurm_script writes the text of an sbatch script that proves one job
 * under Slurm and survives time limits and requeues:
 *
 *   #SBATCH --requeue --open-mode=append --signal=B:USR1@LEAD (+ resources)
 *   OMP_NUM_THREADS from SLURM_CPUS_PER_TASK
 *   srun --mpi=pmix CAIRN prove PROGRAM [--input F] -o JOB ... --resume  (in
 *     the background; the shell waits for it)
 *   on USR1 (LEAD seconds before the time limit, to the batch shell only):
 *     kill -USR1 of srun, which forwards it to every task; rank 0 stops
 *     handing out work, stores what is finished and exits with
 *     SLURM_CHECKPOINT_STATUS (cairn prove --checkpoint-wait)
 *   on that status: scontrol requeue $SLURM_JOB_ID; the job starts again
 *     later (same job ID, SLURM_RESTART_COUNT + 1) and --resume redoes
 *     nothing stored. A requeue after a node failure resumes the same way.
 *
 * Every path is written single-quoted for the shell (slurm_quote), so
 * spaces and quotes in names are safe. Values that go on #SBATCH lines
 * (which sbatch reads without a shell) are checked to be plain words by
 * slurm_check_word / slurm_time_seconds before they get here; the log
 * path goes there only when it is plain (else the caller passes --output
 * on sbatch's command line, see slurm_job.log_in_script). */
#ifndef CAIRN_SLURM_SLURM_H
#define CAIRN_SLURM_SLURM_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

/* The exit status of cairn prove after a checkpoint on a signal (cli/util.h
 * EXIT_CHECKPOINTED; cli/submit.c checks that they are equal). */
#define SLURM_CHECKPOINT_STATUS 3

/* Default seconds between the USR1 and the time limit (Slurm's own
 * default lead for --signal is 60 s; the checkpoint waits for the proofs
 * in flight, and a large segment takes longer). */
#define SLURM_DEFAULT_SIGNAL_LEAD 120u
/* Slurm's largest --signal lead (the field is 16 bits). */
#define SLURM_MAX_SIGNAL_LEAD 65535u

typedef struct {
    /* absolute paths (the job may run in another folder) */
    const char *cairn;   /* the cairn binary */
    const char *program; /* the ELF */
    const char *input;   /* NULL: no --input */
    const char *job;     /* the job file (job.h5) */
    const char *log;     /* the job's log (stdout and stderr, appended) */
    int log_in_script;   /* 1: #SBATCH --output=log (log is a plain word) */
    const char *job_name; /* plain word (slurm_check_word) */
    /* resources: 0 / NULL = unset (Slurm's or the partition's default) */
    unsigned nodes, ntasks_per_node, cpus_per_task;
    const char *time;      /* slurm_time_seconds accepts it */
    const char *partition, *account, *mem; /* plain words */
    /* cairn prove's options */
    unsigned segment_po2;    /* 0: cairn's default */
    const char *preset;      /* NULL: cairn's default; plain word */
    unsigned signal_lead;    /* seconds, 1..SLURM_MAX_SIGNAL_LEAD */
    unsigned checkpoint_wait; /* seconds, 1..3600: cairn prove --checkpoint-wait */
    int no_fold;              /* 1: cairn prove --no-fold (segment proofs only) */
} slurm_job;

/* Writes the script for j to *out (malloc'd, NUL-terminated; the caller
 * frees it) and its length to *len. CAIRN_ERR_USAGE naming the field if a
 * required path is missing or not absolute, a lead is out of range, or a
 * value meant for an #SBATCH line is not a plain word; CAIRN_ERR_NOMEM. */
cairn_err slurm_script(char **out, size_t *len, const slurm_job *j);

/* s as one shell word in single quotes ('it'\''s'), appended to a growing
 * buffer: see slurm.c. Exposed for the tests: writes at most cap bytes
 * (NUL included) to out and returns the length the quoted text needs
 * (like snprintf). */
size_t slurm_quote(char *out, size_t cap, const char *s);

/* Checks that s can stand on an #SBATCH line for option opt: not empty,
 * at most 255 bytes, only letters, digits and "_-.,:+@=" (no spaces,
 * quotes, '#' or '%'). CAIRN_ERR_USAGE naming opt and the first bad
 * character otherwise. */
cairn_err slurm_check_word(const char *opt, const char *s);

/* 1 if path can stand on an #SBATCH line and in sbatch's --output
 * unchanged: only letters, digits and "/_-.,:+@=" (no spaces, quotes,
 * '#', or '%', which --output reads as a pattern such as %j). */
int slurm_plain_path(const char *path);

/* Parses a Slurm time limit as sbatch --time takes it: "M", "M:S",
 * "H:M:S", "D-H", "D-H:M", "D-H:M:S" (decimal fields), into seconds;
 * CAIRN_ERR_USAGE naming opt otherwise, and for 0 or more than 365
 * days. */
cairn_err slurm_time_seconds(uint64_t *secs, const char *opt, const char *s);

#endif
