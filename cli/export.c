/* cairn export JOB.h5 -o FILE: writes a finished job file's final proof
 * (/proof) with what a verifier needs besides it (segment preset and po2,
 * recursion preset and shape, control root, claim, final state, journal)
 * as one small file in the format of recursion/rc_export.h, which
 * `cairn verify --proof FILE` checks without HDF5. The file is written
 * whole (FILE.tmp, fsync, rename). Nothing is verified here: the export
 * copies what the job file holds (cairn verify JOB.h5 checks it; cairn
 * verify --proof checks the export).
 *
 * Exit status: 0 written; 2 usage error, or a job file that cannot be
 * read, or that has no final proof (made with --no-fold, or under MPI by
 * a cairn from before the fold ran there),
 * or an output that cannot be written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/err.h"
#include "finalproof.h"

static const char USAGE[] = "usage: cairn export JOB.h5 -o FILE [--json]\n";

static const char HELP[] =
    "\nWrites the final proof of a job file made by cairn prove -o (its /proof),\n"
    "with the claim, control root, parameters, final state and journal, to\n"
    "FILE: a small self-describing file (docs/recursion.md \"The export\n"
    "format\") that cairn verify --proof FILE checks without the job file.\n\n"
    "  -o FILE   the file to write (replaced if it exists)\n"
    "  --json    one JSON object on stdout: {\"file\", \"bytes\", \"proof_bytes\"}\n\n"
    "Exit status: 0 written; 2 usage error, a job file that cannot be read or\n"
    "has no final proof (--no-fold, MPI), or an output that cannot be written.\n";

static cairn_err write_whole(const char *path, const uint8_t *b, size_t n)
{
    char tmp[4096];
    RETURN_ERROR_IF(snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp, CAIRN_ERR_USAGE,
                    "-o: path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    size_t done = 0;
    cairn_err err = CAIRN_OK;
    while (done < n && err == CAIRN_OK) {
        ssize_t w = write(fd, b + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) err = cairn_fail(CAIRN_ERR_IO, "writing %s: %s", tmp, strerror(errno));
        else done += (size_t)w;
    }
    if (err == CAIRN_OK && fsync(fd) != 0) err = cairn_fail(CAIRN_ERR_IO, "fsync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && err == CAIRN_OK) err = cairn_fail(CAIRN_ERR_IO, "closing %s: %s", tmp, strerror(errno));
    if (err == CAIRN_OK && rename(tmp, path) != 0)
        err = cairn_fail(CAIRN_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (err != CAIRN_OK) unlink(tmp);
    return err;
}

int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int json = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn export", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"-o", CLI_STR, &out, 0, 0, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int status;
    if (!cli_parse_command(&c, opts, &path, argc, argv, HELP, &status)) return status;
    if (!path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no job file given");
    if (!out) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no output file given (-o FILE)");
    cairn_err err = cli_check_output("-o", out);
    if (err != CAIRN_OK) return cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
    h5s_reader *r = NULL;
    uint8_t *journal = NULL, *proof = NULL, *bytes = NULL;
    size_t len = 0;
    rc_export e;
    status = EXIT_USAGE;
    if ((err = h5s_open(&r, path)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s (%s)", cairn_last_error(), cairn_err_name(err));
    } else if ((err = cli_final_from_job(&e, &journal, &proof, r)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s: %s (made with --no-fold, or under MPI by an older cairn?)", path,
                          cairn_last_error());
    } else if ((err = rc_export_encode(&bytes, &len, &e)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s: %s", path, cairn_last_error());
    } else if ((err = write_whole(out, bytes, len)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
    } else {
        status = EXIT_OK;
        if (json) {
            fprintf(stdout, "{\"file\": ");
            cli_json_str(stdout, out);
            fprintf(stdout, ", \"bytes\": %zu, \"proof_bytes\": %zu}\n", len, e.proof_len);
        } else {
            fprintf(stdout, "%s: %zu bytes (final proof %zu bytes, journal %zu bytes)\n", out, len, e.proof_len,
                    e.journal_len);
        }
    }
    free(bytes);
    free(journal);
    free(proof);
    h5s_close(r);
    return status;
}
