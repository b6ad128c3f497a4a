/* Command-line helpers shared by the cairn subcommands (cli/) and the
 * benchmarks (bench/), so that every command reads its options, reports a
 * usage or input error and reads its input files the same way (STYLE.md,
 * "The CLI"):
 *
 * - one option parser (cli_parse) whose integer options are ranged
 *   (cli_parse_u64: decimal digits only, the message names the option and
 *   its range);
 * - one error reporter (cli_fail): "PROG: MESSAGE" on stderr and, when
 *   --json is given, one JSON object {"error", "code", "status"} on the
 *   command's JSON stream, so that --json output stays valid JSON;
 * - one bounded file reader (cli_read_file) and one check of an output
 *   path (cli_check_output) done before any work starts.
 *
 * Built as the small library cairn_cli_util: bench/ is linked into the CLI
 * and parses its options with it too. */
#ifndef CAIRN_CLI_UTIL_H
#define CAIRN_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cairn/error.h"

/* Exit status of every command (STYLE.md): 0 success, 1 a proof/claim is
 * invalid or a check failed, 2 usage or input error. */
enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };
/* cairn prove only: stopped on SIGUSR1/SIGTERM after storing what was
 * finished; --resume completes the job (the batch script of cairn submit
 * requeues the job on this status: slurm/slurm.h). */
enum { EXIT_CHECKPOINTED = 3 };

/* Default of --max-input: the largest input file read (1 GiB). */
#define CLI_DEFAULT_MAX_INPUT (UINT64_C(1) << 30)
/* Upper end of --max-input (1 TiB): beyond any machine's memory, and far
 * enough below SIZE_MAX that the reader's one-byte over-limit probe and
 * its buffer doubling cannot overflow. */
#define CLI_MAX_INPUT_LIMIT (UINT64_C(1) << 40)

/* How a command reports errors. */
typedef struct {
    const char *prog;  /* "cairn exec": prefix of every message */
    const char *usage; /* usage lines printed after a command-line error, or NULL */
    int json;          /* --json: errors also as a JSON object */
    FILE *json_out;    /* the command's JSON stream (stdout; stderr for exec) */
} cli_ctx;

/* Sets json when "--json" is any of argv[1..argc-1], so that an error found
 * before the parser reaches --json is reported as JSON too. */
void cli_ctx_init(cli_ctx *c, const char *prog, const char *usage, FILE *json_out, int argc,
                  char **argv);

/* Reports an error and returns status: "PROG: MESSAGE" on stderr (then the
 * usage lines when code is CAIRN_ERR_USAGE), and with c->json the line
 * {"error": MESSAGE, "code": cairn_err_name(code), "status": status} on
 * c->json_out. */
int cli_fail(const cli_ctx *c, int status, cairn_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Exit status for a library error: 1 for an invalid proof or claim
 * (verify, corrupt) and for a broken invariant of cairn (internal), 2 for
 * everything caused by the request or its input. */
int cli_status(cairn_err e);

/* Writes s as a JSON string literal in ASCII: quotes and backslashes
 * escaped, every byte below 0x20 or from 0x7f as \u00XX (so the output is
 * valid JSON whatever the bytes, e.g. a file name that is not UTF-8). */
void cli_json_str(FILE *f, const char *s);

/* Parses s as an integer in min..max. Accepted: decimal digits only (no
 * sign, no spaces, no 0x: "010" is ten), at most max. A leading '-'
 * followed by digits is read as a negative value and reported as out of
 * range. On error returns CAIRN_ERR_USAGE with a message naming opt and
 * the range ("--queries: -5 is out of range 1..512"); *out is then
 * unchanged. */
cairn_err cli_parse_u64(uint64_t *out, const char *opt, const char *s, uint64_t min, uint64_t max);

/* One option of a command. Every option but a flag takes its value from
 * the next argument, whatever it looks like ("--queries -5" is a value out
 * of range, "--input -" is stdin). */
typedef enum { CLI_FLAG, CLI_STR, CLI_U64 } cli_opt_kind;
typedef struct {
    const char *name;  /* "--queries", "-o" */
    cli_opt_kind kind;
    void *dst;         /* CLI_FLAG: int (set to 1); CLI_STR: const char *; CLI_U64: uint64_t */
    uint64_t min, max; /* CLI_U64: the accepted range */
    int *given;        /* optional: set to 1 when the option appears */
} cli_opt;

/* cli_parse results besides EXIT_USAGE. */
enum { CLI_PARSED = 0, CLI_HELP = -1, CLI_HELP_FULL = -2 };

/* Parses argv[1..argc-1] with the options opts (ended by an entry whose
 * name is NULL). Arguments that do not start with '-', and "-" itself, are
 * positional: up to npos_max of them are stored in pos and counted in
 * *npos. Returns CLI_PARSED; CLI_HELP for -h and CLI_HELP_FULL for --help
 * (the caller prints its help); or EXIT_USAGE after reporting an unknown
 * option, a missing or bad value, or an extra argument through c. */
int cli_parse(const cli_ctx *c, const cli_opt *opts, const char **pos, int npos_max, int *npos,
              int argc, char **argv);

/* cli_parse for a command of one positional argument (*path, NULL when
 * absent) whose -h prints c->usage and --help c->usage then help, on
 * stdout. Returns 1 when the command goes on; 0 when it ends with
 * *status (EXIT_OK after the help, EXIT_USAGE after a reported error). */
int cli_parse_command(const cli_ctx *c, const cli_opt *opts, const char **path, int argc, char **argv,
                      const char *help, int *status);

/* Reads all of path ("-": stdin) into a malloc'd buffer (*out, *len;
 * caller frees; never NULL on success, even when empty). At most max bytes
 * are accepted: a regular file is refused from its size before it is
 * read; a pipe, FIFO, terminal or device is read up to max bytes and
 * refused if there is more. A directory is refused at once. Errors name
 * what ("--input") and path, and limit_opt ("--max-input", or NULL when
 * the limit is fixed): CAIRN_ERR_IO, CAIRN_ERR_LIMIT or CAIRN_ERR_NOMEM. */
cairn_err cli_read_file(uint8_t **out, size_t *len, const char *what, const char *path, uint64_t max,
                        const char *limit_opt);

/* Checks, before any work, that path can receive a new file written next
 * to it and renamed over it (how the job writer publishes a file): its
 * directory exists, is a directory and is writable, and path is absent or
 * a regular file. Anything else (a directory, a device node such as
 * /dev/null, a FIFO, a socket, a symbolic link, which the rename would
 * replace rather than write through) is refused: CAIRN_ERR_IO naming what
 * ("-o") and path. */
cairn_err cli_check_output(const char *what, const char *path);

/* Writes a Unix-epoch time in nanoseconds as UTC ISO 8601 with
 * milliseconds ("2026-12-05T10:31:02.123Z") into buf (at least
 * CLI_TIME_UTC_CAP bytes); returns buf. */
#define CLI_TIME_UTC_CAP 32
const char *cli_time_utc(char *buf, uint64_t ns);

#endif
