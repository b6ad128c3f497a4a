/* Shared command-line helpers (util.h). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"

void cli_ctx_init(cli_ctx *c, const char *prog, const char *usage, FILE *json_out, int argc,
                  char **argv)
{
    c->prog = prog;
    c->usage = usage;
    c->json_out = json_out;
    c->json = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--json")) c->json = 1;
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

int cli_fail(const cli_ctx *c, int status, cairn_err code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", c->prog, msg);
    if (code == CAIRN_ERR_USAGE && c->usage) fputs(c->usage, stderr);
    if (c->json) {
        fflush(stderr);
        fprintf(c->json_out, "{\"error\": ");
        cli_json_str(c->json_out, msg);
        fprintf(c->json_out, ", \"code\": ");
        cli_json_str(c->json_out, cairn_err_name(code));
        fprintf(c->json_out, ", \"status\": %d}\n", status);
        fflush(c->json_out);
    }
    return status;
}

int cli_status(cairn_err e)
{
    switch (e) {
    case CAIRN_OK: return EXIT_OK;
    case CAIRN_ERR_VERIFY:
    case CAIRN_ERR_CORRUPT:
    case CAIRN_ERR_INTERNAL: return EXIT_INVALID;
    default: return EXIT_USAGE;
    }
}

cairn_err cli_parse_u64(uint64_t *out, const char *opt, const char *s, uint64_t min, uint64_t max)
{
    const char *d = s;
    int neg = *d == '-';
    if (neg) d++;
    /* digits only: strtoull would also take spaces, '+', "0x" and octal */
    size_t n = strspn(d, "0123456789");
    RETURN_ERROR_IF(n == 0 || d[n] != '\0', CAIRN_ERR_USAGE,
                    "%s: '%.64s' is not a decimal number (expected %llu..%llu)", opt, s,
                    (unsigned long long)min, (unsigned long long)max);
    uint64_t v = 0;
    int over = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned dig = (unsigned)(d[i] - '0');
        if (v > (UINT64_MAX - dig) / 10) over = 1;
        else v = v * 10 + dig;
    }
    RETURN_ERROR_IF(over || (neg && (v > 0 || min > 0)) || v < min || v > max, CAIRN_ERR_USAGE,
                    "%s: %.64s%s is out of range %llu..%llu", opt, s, n + (size_t)neg > 64 ? "..." : "",
                    (unsigned long long)min, (unsigned long long)max);
    /* "-0" lands here only when 0 is in range: it is zero */
    *out = v;
    return CAIRN_OK;
}

static const cli_opt *find_opt(const cli_opt *opts, const char *a)
{
    for (; opts->name; opts++)
        if (!strcmp(opts->name, a)) return opts;
    return NULL;
}

int cli_parse(const cli_ctx *c, const cli_opt *opts, const char **pos, int npos_max, int *npos,
              int argc, char **argv)
{
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h")) return CLI_HELP;
        if (!strcmp(a, "--help")) return CLI_HELP_FULL;
        if (a[0] != '-' || a[1] == '\0') {
            if (*npos == npos_max)
                return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "unexpected argument '%s'", a);
            pos[(*npos)++] = a;
            continue;
        }
        const cli_opt *o = find_opt(opts, a);
        if (!o) return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "unknown option '%s'", a);
        if (o->given) *o->given = 1;
        if (o->kind == CLI_FLAG) {
            *(int *)o->dst = 1;
            continue;
        }
        if (i + 1 == argc)
            return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "%s needs a value", a);
        const char *v = argv[++i];
        if (o->kind == CLI_STR) {
            *(const char **)o->dst = v;
        } else if (cli_parse_u64(o->dst, a, v, o->min, o->max) != CAIRN_OK) {
            return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "%s", cairn_last_error());
        }
    }
    return CLI_PARSED;
}

int cli_parse_command(const cli_ctx *c, const cli_opt *opts, const char **path, int argc, char **argv,
                      const char *help, int *status)
{
    int npos;
    *path = NULL;
    int pr = cli_parse(c, opts, path, 1, &npos, argc, argv);
    if (pr == CLI_HELP || pr == CLI_HELP_FULL) {
        printf("%s%s", c->usage ? c->usage : "", pr == CLI_HELP_FULL ? help : "");
        *status = EXIT_OK;
        return 0;
    }
    *status = pr;
    return pr == CLI_PARSED;
}

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

cairn_err cli_read_file(uint8_t **out, size_t *len, const char *what, const char *path, uint64_t max,
                        const char *limit_opt)
{
    *out = NULL;
    *len = 0;
    if (max > CLI_MAX_INPUT_LIMIT) max = CLI_MAX_INPUT_LIMIT; /* no overflow of max + 1 below */
    int is_stdin = !strcmp(path, "-");
    /* a FIFO waits for its writer here, as with cat */
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "%s %s: %s", what, path, strerror(errno));
    cairn_err err = CAIRN_OK;
    uint8_t *buf = NULL;
    char lim[96];
    snprintf(lim, sizeof lim, "%llu bytes%s%s%s", (unsigned long long)max, limit_opt ? " (" : "",
             limit_opt ? limit_opt : "", limit_opt ? ")" : "");
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fd, &st) != 0) {
        err = cairn_fail(CAIRN_ERR_IO, "%s %s: %s", what, path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        err = cairn_fail(CAIRN_ERR_IO, "%s %s: is a directory", what, path);
        goto done;
    }
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > max) {
            err = cairn_fail(CAIRN_ERR_LIMIT, "%s %s: %llu bytes, over the limit of %s", what, path,
                             (unsigned long long)st.st_size, lim);
            goto done;
        }
        /* the whole file and one byte to see that it has not grown */
        cap = (size_t)st.st_size + 1;
    } else if (cap > max + 1) {
        cap = (size_t)max + 1;
    }
    buf = malloc(cap);
    for (;;) {
        if (!buf) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "%s %s: out of memory for %zu bytes", what, path, cap);
            goto done;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            err = cairn_fail(CAIRN_ERR_IO, "%s %s: %s", what, path, strerror(errno));
            goto done;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) {
            err = cairn_fail(CAIRN_ERR_LIMIT, "%s %s: more than the limit of %s", what, path, lim);
            goto done;
        }
        if (n == cap) {
            /* grow up to max + 1: one byte past the limit tells "longer" */
            size_t ncap = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
            uint8_t *b = realloc(buf, ncap);
            if (!b) free(buf);
            buf = b;
            cap = ncap;
        }
    }
done:
    if (!is_stdin) close(fd);
    if (err != CAIRN_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *len = n;
    return CAIRN_OK;
}

cairn_err cli_check_output(const char *what, const char *path)
{
    RETURN_ERROR_IF(!*path, CAIRN_ERR_IO, "%s: empty file name", what);
    struct stat st;
    if (lstat(path, &st) == 0) {
        RETURN_ERROR_IF(!S_ISREG(st.st_mode), CAIRN_ERR_IO,
                        "%s %s: %s; only a regular file is replaced", what, path, file_kind(st.st_mode));
    } else if (errno != ENOENT) {
        return cairn_fail(CAIRN_ERR_IO, "%s %s: %s", what, path, strerror(errno));
    }
    /* the directory: everything up to the last '/' ("." without one) */
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] != '/') n--;
    while (n > 1 && path[n - 1] == '/') n--;
    char *dir = n ? strndup(path, n) : strdup(".");
    RETURN_ERROR_IF(!dir, CAIRN_ERR_NOMEM, "%s: out of memory", what);
    cairn_err err = CAIRN_OK;
    if (stat(dir, &st) != 0)
        err = cairn_fail(CAIRN_ERR_IO, "%s %s: directory %s: %s", what, path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        err = cairn_fail(CAIRN_ERR_IO, "%s %s: %s is not a directory", what, path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        err = cairn_fail(CAIRN_ERR_IO, "%s %s: directory %s is not writable: %s", what, path, dir,
                         strerror(errno));
    free(dir);
    return err;
}

const char *cli_time_utc(char *buf, uint64_t ns)
{
    time_t t = (time_t)(ns / 1000000000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) {
        snprintf(buf, CLI_TIME_UTC_CAP, "@%" PRIu64 "ns", ns);
        return buf;
    }
    size_t n = strftime(buf, CLI_TIME_UTC_CAP, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, CLI_TIME_UTC_CAP - n, ".%03uZ", (unsigned)(ns / 1000000u % 1000u));
    return buf;
}
