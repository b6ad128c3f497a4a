/* cairn guest runtime: the picolibc glue and the cairn_guest.h calls.
 *
 * picolibc's tiny stdio leaves stdin/stdout/stderr to the application, and
 * its malloc wants sbrk; the POSIX-style read/write/_exit that a few libc
 * functions call are provided here as well, each one system call.
 *
 * stdout is buffered (BUF_SIZE bytes) because every system call is a VM
 * cycle plus host work, and printf writes one character at a time; the
 * buffer is flushed when full, by fflush, before any direct journal write,
 * and in _exit. stderr is flushed at each newline so log lines come out
 * whole and in time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn_guest.h"

/* 4 KiB: one qemu page, a few VM pages; large enough that printf-heavy
 * guests spend few cycles in system calls. */
#define BUF_SIZE 4096

typedef struct {
    int fd;
    int line_buffered;
    size_t len;
    char *buf; /* BUF_SIZE bytes */
} out_buf;

/* The buffers live in .bss, apart from the initialised descriptors, so
 * they cost no bytes in the ELF's .data. */
static char journal_bytes[BUF_SIZE], log_bytes[BUF_SIZE];
static out_buf out_journal = {CAIRN_FD_JOURNAL, 0, 0, journal_bytes};
static out_buf out_log = {CAIRN_FD_LOG, 1, 0, log_bytes};

/* One read or write of len bytes as system calls of at most
 * CAIRN_IO_CHUNK bytes (cairn_guest.h says why), with the result one call
 * would have: the bytes moved, or the negative error if the first call
 * failed. A read stops early at the end of input (a call that returns less
 * than it asked for); a write when the host accepts less than it was
 * given. */
static long io_chunked(long num, int fd, char *buf, size_t len)
{
    size_t done = 0;
    do { /* one call at least: a call of 0 bytes still checks fd */
        const size_t ask = len - done < CAIRN_IO_CHUNK ? len - done : CAIRN_IO_CHUNK;
        long n = cairn_syscall3(num, fd, (long)(buf + done), (long)ask);
        if (n < 0) return done ? (long)done : n;
        done += (size_t)n;
        if ((size_t)n < ask) break;
    } while (done < len);
    return (long)done;
}

/* Writes all of buf to fd; returns 0, or the negative error of the call. */
static long write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        long n = io_chunked(CAIRN_SYS_WRITE, fd, (char *)p, len);
        if (n < 0) return n;
        if (n == 0) return -EIO; /* the host accepted nothing: don't spin */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int out_flush(out_buf *o)
{
    long r = write_all(o->fd, o->buf, o->len);
    o->len = 0;
    return r < 0 ? -1 : 0;
}

static int out_put(out_buf *o, char c)
{
    o->buf[o->len++] = c;
    if (o->len == BUF_SIZE || (o->line_buffered && c == '\n'))
        if (out_flush(o) < 0) return EOF;
    return (unsigned char)c;
}

static int journal_put(char c, FILE *f)
{
    (void)f;
    return out_put(&out_journal, c);
}

static int log_put(char c, FILE *f)
{
    (void)f;
    return out_put(&out_log, c);
}

static int journal_flush(FILE *f)
{
    (void)f;
    return out_flush(&out_journal);
}

static int log_flush(FILE *f)
{
    (void)f;
    return out_flush(&out_log);
}

/* stdin reads the private input through a small buffer so that getchar
 * and scanf cost one system call per buffer, not per byte. */
static struct {
    size_t pos, len;
    uint8_t buf[CAIRN_IO_CHUNK];
} in_buf;

static int input_get(FILE *f)
{
    (void)f;
    if (in_buf.pos == in_buf.len) {
        long n = cairn_syscall3(CAIRN_SYS_READ, CAIRN_FD_INPUT, (long)in_buf.buf,
                                (long)sizeof in_buf.buf);
        if (n <= 0) return n == 0 ? _FDEV_EOF : _FDEV_ERR;
        in_buf.pos = 0;
        in_buf.len = (size_t)n;
    }
    return in_buf.buf[in_buf.pos++];
}

static FILE file_stdin = FDEV_SETUP_STREAM(NULL, input_get, NULL, _FDEV_SETUP_READ);
static FILE file_stdout = FDEV_SETUP_STREAM(journal_put, NULL, journal_flush, _FDEV_SETUP_WRITE);
static FILE file_stderr = FDEV_SETUP_STREAM(log_put, NULL, log_flush, _FDEV_SETUP_WRITE);

FILE *const stdin = &file_stdin;
FILE *const stdout = &file_stdout;
FILE *const stderr = &file_stderr;

/* ---- POSIX-style calls used by libc ---- */

ssize_t read(int fd, void *buf, size_t len)
{
    /* Bytes already pulled into the stdin buffer come first, so mixing
     * getchar and read never loses or reorders input. */
    if (fd == CAIRN_FD_INPUT && in_buf.pos < in_buf.len) {
        size_t n = in_buf.len - in_buf.pos;
        if (n > len) n = len;
        memcpy(buf, in_buf.buf + in_buf.pos, n);
        in_buf.pos += n;
        return (ssize_t)n;
    }
    long n = io_chunked(CAIRN_SYS_READ, fd, buf, len);
    if (n < 0) {
        errno = (int)-n;
        return -1;
    }
    return n;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    /* Keep the order of buffered stdio output and direct writes. */
    if (fd == CAIRN_FD_JOURNAL) out_flush(&out_journal);
    if (fd == CAIRN_FD_LOG) out_flush(&out_log);
    long n = io_chunked(CAIRN_SYS_WRITE, fd, (char *)buf, len);
    if (n < 0) {
        errno = (int)-n;
        return -1;
    }
    return n;
}

_Noreturn void _exit(int code)
{
    out_flush(&out_journal);
    out_flush(&out_log);
    for (;;) cairn_syscall3(CAIRN_SYS_EXIT, code, 0, 0);
}

/* The heap is [__heap_start, __heap_end) of cairn_guest.ld. */
extern char __heap_start[], __heap_end[];
static char *heap_top = __heap_start;

void *sbrk(ptrdiff_t incr)
{
    char *old = heap_top;
    if (incr > __heap_end - heap_top || incr < __heap_start - heap_top) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_top += incr;
    return old;
}

/* ---- cairn_guest.h ---- */

size_t cairn_read(void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(CAIRN_FD_INPUT, p + got, len - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    return got;
}

uint8_t *cairn_read_all(size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (cap - n < 2) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(CAIRN_FD_INPUT, buf + n, cap - n - 1);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int cairn_read_u32(uint32_t *value)
{
    uint8_t b[4];
    if (cairn_read(b, 4) != 4) return 0;
    *value = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

void cairn_commit(const void *buf, size_t len)
{
    out_flush(&out_journal);
    write_all(CAIRN_FD_JOURNAL, buf, len);
}

void cairn_log(const void *buf, size_t len)
{
    out_flush(&out_log);
    write_all(CAIRN_FD_LOG, buf, len);
}

void cairn_logf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    out_flush(&out_log);
}

_Noreturn void cairn_exit(int code)
{
    /* exit() rather than _exit(): atexit handlers run as after main. */
    exit(code);
}
