/* Checked sizes and the allocation wrappers every library module uses.
 *
 * Sizes that come from a user or a file (log heights, column counts, page
 * counts, lengths read from a file) are multiplied through cairn_mul_size
 * or allocated through cairn_malloc_array, never multiplied bare: a product
 * that wraps around would allocate a small buffer and the writes that
 * follow would overflow it.
 *
 * Allocation failure is an error like any other (STYLE.md): callers return
 * CAIRN_ERR_NOMEM with a message that says what was needed, built with
 * cairn_fail_nomem, so that a worker that runs out of memory can report
 * how much it needed.
 *
 * Memory from these wrappers is released with free(). They never return
 * NULL for a zero-size request (they allocate one byte), so NULL always
 * means failure.
 */
#ifndef CAIRN_COMMON_ALLOC_H
#define CAIRN_COMMON_ALLOC_H

#include <stddef.h>

#include "cairn/error.h"

/* *out = a * b and 1 if the product fits in a size_t; else *out = SIZE_MAX
 * and 0. Chain it for three factors:
 *   if (!cairn_mul_size(&n, rows, cols) || !cairn_mul_size(&n, n, 8)) ... */
int cairn_mul_size(size_t *out, size_t a, size_t b);

/* malloc / calloc / realloc that honour the failure-injection hook below. */
void *cairn_malloc(size_t bytes);
void *cairn_calloc(size_t n, size_t size); /* NULL if n * size overflows */
void *cairn_realloc(void *p, size_t bytes); /* on failure p is left as it was */
/* n elements of size bytes, uninitialised; NULL if n * size overflows. */
void *cairn_malloc_array(size_t n, size_t size);
void *cairn_realloc_array(void *p, size_t n, size_t size);
/* bytes rounded up to a multiple of align (a power of two), aligned to it. */
void *cairn_aligned_alloc(size_t align, size_t bytes);

/* Records "<formatted message> (needed <bytes, human-readable>)" as this
 * thread's error and returns CAIRN_ERR_NOMEM; bytes == SIZE_MAX stands for
 * a size whose computation overflowed. Example:
 *   cairn_fail_nomem(bytes, "stark_prove: out of memory for the main LDE of table %s", name)
 *   -> "stark_prove: out of memory for the main LDE of table fib (needed 1.5 GiB)" */
cairn_err cairn_fail_nomem(size_t bytes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes named by the last cairn_fail_nomem on this thread (0 if none),
 * for callers that report the figure themselves. */
size_t cairn_nomem_needed(void);

/* "512 bytes", "4.0 KiB", "1.5 GiB", ... into buf (at least 24 bytes). */
void cairn_format_bytes(char *buf, size_t len, size_t bytes);

/* Test only: after n more successful allocations through the wrappers
 * above, the next one fails (once); n < 0 turns injection off. Global
 * (all threads count). cairn_alloc_fail_fired() says whether the injected
 * failure has happened since the last cairn_alloc_fail_after. */
void cairn_alloc_fail_after(long n);
int cairn_alloc_fail_fired(void);

#endif
