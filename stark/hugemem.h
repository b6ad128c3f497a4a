/* Large working buffers of the prover (LDEs, quotient and DEEP codewords,
 * FRI layers, Merkle node arrays) on transparent huge pages.
 *
 * Why: these buffers are hundreds of MiB to GiB, written once right after
 * they are allocated, and freed at the end of a proof. With 4 KiB pages the
 * first touch costs one page fault per 4 KiB, which on virtualised hosts
 * (the 2-core benchmark machine) runs at ~5 s per GiB of memory, about a
 * third of the prover's CPU time at 2^17 rows; with 2 MiB pages it is a few
 * hundredths of that, and the NTT's and the Merkle tree's strided accesses
 * miss the TLB less. Kernels whose THP mode is "madvise" (the Debian
 * default) only give huge pages to ranges advised MADV_HUGEPAGE, so the
 * buffers are aligned to 2 MiB and advised; elsewhere the advice is a no-op.
 *
 * stark_huge_alloc goes through cairn_aligned_alloc (failure injection
 * included); free the result with free(). Requests below 2 MiB are plain
 * cairn_malloc. */
#ifndef CAIRN_STARK_HUGEMEM_H
#define CAIRN_STARK_HUGEMEM_H

#include <stddef.h>

void *stark_huge_alloc(size_t bytes);
/* n elements of size bytes; NULL if n * size overflows. */
void *stark_huge_alloc_array(size_t n, size_t size);

/* Gives the pages of bytes [keep, total) of p (a buffer of total bytes)
 * back to the system; the buffer stays allocated (free it as usual) but
 * its contents past keep are lost (they read as zero, or garbage on
 * systems without MADV_DONTNEED). Cannot fail: where the system refuses,
 * the memory simply stays resident. */
void stark_huge_trim(void *p, size_t keep, size_t total);

#endif
