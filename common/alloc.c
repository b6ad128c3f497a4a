#include "alloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"

int cairn_mul_size(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        *out = SIZE_MAX;
        return 0;
    }
    *out = r;
    return 1;
}

/* ---- failure injection (tests) ---- */

/* Allocations left before the injected failure; < 0: off. */
static _Atomic long fail_countdown = -1;
static atomic_int fail_fired;

void cairn_alloc_fail_after(long n)
{
    atomic_store(&fail_fired, 0);
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

int cairn_alloc_fail_fired(void) { return atomic_load(&fail_fired); }

/* 1 if this allocation is the one to fail. Exactly one caller sees the
 * countdown go from 0 to -1, whatever the threads do. */
static int inject(void)
{
    if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) < 0) return 0;
    if (atomic_fetch_sub(&fail_countdown, 1) != 0) return 0;
    atomic_store(&fail_fired, 1);
    return 1;
}

/* ---- wrappers ---- */

/* No object may be larger than PTRDIFF_MAX (pointer differences inside it
 * would overflow); such requests fail here without reaching malloc, which
 * under sanitizers would stop the process instead of returning NULL. */
#define TOO_BIG(bytes) ((bytes) > (size_t)PTRDIFF_MAX)

void *cairn_malloc(size_t bytes)
{
    if (TOO_BIG(bytes) || inject()) return NULL;
    return malloc(bytes ? bytes : 1);
}

void *cairn_calloc(size_t n, size_t size)
{
    size_t bytes;
    if (!cairn_mul_size(&bytes, n, size) || TOO_BIG(bytes) || inject()) return NULL;
    return bytes ? calloc(n, size) : calloc(1, 1);
}

void *cairn_realloc(void *p, size_t bytes)
{
    if (TOO_BIG(bytes) || inject()) return NULL;
    return realloc(p, bytes ? bytes : 1);
}

void *cairn_malloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (!cairn_mul_size(&bytes, n, size)) return NULL;
    return cairn_malloc(bytes);
}

void *cairn_realloc_array(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (!cairn_mul_size(&bytes, n, size)) return NULL;
    return cairn_realloc(p, bytes);
}

void *cairn_aligned_alloc(size_t align, size_t bytes)
{
    if (TOO_BIG(bytes) || bytes > SIZE_MAX - align) return NULL;
    size_t r = (bytes + align - 1) & ~(align - 1);
    if (inject()) return NULL;
    return aligned_alloc(align, r ? r : align);
}

/* ---- out-of-memory messages ---- */

static _Thread_local size_t nomem_needed;

void cairn_format_bytes(char *buf, size_t len, size_t bytes)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes == SIZE_MAX) {
        snprintf(buf, len, "more than the address space");
        return;
    }
    if (bytes < 1024) {
        snprintf(buf, len, "%zu bytes", bytes);
        return;
    }
    double v = (double)bytes / 1024;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof unit / sizeof unit[0]) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, unit[u]);
}

cairn_err cairn_fail_nomem(size_t bytes, const char *fmt, ...)
{
    char what[400], size[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cairn_format_bytes(size, sizeof size, bytes);
    nomem_needed = bytes;
    return cairn_fail(CAIRN_ERR_NOMEM, "%s (needed %s)", what, size);
}

size_t cairn_nomem_needed(void) { return nomem_needed; }
