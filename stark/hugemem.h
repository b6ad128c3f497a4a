/* Large working buffers of the prover (LDEs, quotient and DEEP codewords,
 * FRI layers, Merkle node arrays) on transparent huge pages, and the
 * prover workspace that keeps them between proofs.
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
 * Even with huge pages the kernel zeroes every fresh page (about a tenth
 * of the prover's CPU time at 2^18 rows): a workspace (stark.h) keeps the
 * freed buffers and hands them out again, within a proof and across
 * proofs, so that consecutive segments of one shape take no fresh pages.
 *
 * stark_huge_alloc goes through cairn_aligned_alloc (failure injection
 * included) and returns memory of undefined contents; free the result with
 * stark_huge_free (which takes any malloc'd pointer too). Requests below
 * 2 MiB are plain cairn_malloc. While a workspace is active on the calling
 * thread (stark_workspace_begin), requests of 2 MiB and more are served
 * from it; other threads (OpenMP workers) allocate as without one. */
#ifndef CAIRN_STARK_HUGEMEM_H
#define CAIRN_STARK_HUGEMEM_H

#include <stddef.h>

#include "stark.h"

void *stark_huge_alloc(size_t bytes);
/* n elements of size bytes; NULL if n * size overflows. */
void *stark_huge_alloc_array(size_t n, size_t size);
/* A buffer kept for the life of the process (NTT twiddle tables): never
 * from a workspace; free() it if ever. */
void *stark_huge_alloc_static(size_t bytes);
/* Frees p (NULL, a buffer of stark_huge_alloc, or any malloc'd pointer);
 * a workspace's buffer goes back to its workspace. */
void stark_huge_free(void *p);

/* Gives the pages of bytes [keep, total) of p (a buffer of total bytes)
 * back: the buffer stays allocated (free it as usual) but its contents
 * past keep are lost (they read as zero, garbage on systems without
 * MADV_DONTNEED, or whatever a later buffer wrote there). A workspace's
 * buffer lends those pages to its workspace, which hands them out to a
 * later request of the proof or gives them back to the system when it
 * needs room, and takes them back into the buffer once both are freed;
 * other buffers give them back to the system at once. Cannot fail: where
 * the system refuses, the memory simply stays resident. */
void stark_huge_trim(void *p, size_t keep, size_t total);

/* Makes ws (NULL: none) the calling thread's workspace for one proof
 * whose model peak is budget bytes (stark_prove_mem): the workspace's
 * blocks, cached and live, stay within max(budget, what the proof holds
 * live), so proving with a workspace takes no more memory than the query
 * says. Returns the previous workspace, for stark_workspace_end. */
stark_workspace *stark_workspace_begin(stark_workspace *ws, size_t budget);
/* Ends the proof: restores prev, and counts (stark_workspace_stale) and
 * forgets ws's blocks that were not given back with stark_huge_free. */
unsigned stark_workspace_end(stark_workspace *ws, stark_workspace *prev);
/* Test hook: blocks that ws hands out again are first filled with byte
 * (0..255; -1: left as they are, the default), so that a test shows that
 * the prover never reads what it did not write. */
void stark_workspace_poison(stark_workspace *ws, int byte);

#endif
