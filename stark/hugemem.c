/* Huge-page backed working buffers (hugemem.h). */
#include "hugemem.h"

#include <stdint.h>
#include <sys/mman.h>

#include "common/alloc.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define SMALL_PAGE ((size_t)4096)

void *stark_huge_alloc(size_t bytes)
{
    if (bytes < HUGE_PAGE) return cairn_malloc(bytes);
    void *p = cairn_aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
    /* advice only: a kernel without THP refuses it and 4 KiB pages serve */
    if (p) (void)madvise(p, (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void *stark_huge_alloc_array(size_t n, size_t size)
{
    size_t bytes;
    return cairn_mul_size(&bytes, n, size) ? stark_huge_alloc(bytes) : NULL;
}

void stark_huge_trim(void *p, size_t keep, size_t total)
{
#ifdef MADV_DONTNEED
    uintptr_t a = ((uintptr_t)p + keep + SMALL_PAGE - 1) & ~(uintptr_t)(SMALL_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + total) & ~(uintptr_t)(SMALL_PAGE - 1);
    if (p && keep < total && a < e) (void)madvise((void *)a, e - a, MADV_DONTNEED);
#else
    (void)p;
    (void)keep;
    (void)total;
#endif
}
