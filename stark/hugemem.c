/* Huge-page backed working buffers and the prover workspace (hugemem.h). */
#include "hugemem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/alloc.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define SMALL_PAGE ((size_t)4096)

static size_t round_huge(size_t bytes) { return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1); }

/* Gives the whole small pages of [p + keep, p + total) back to the system. */
static void release_pages(void *p, size_t keep, size_t total)
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

/* ---- the workspace ----
 *
 * One registry for every workspace of the process: the blocks that
 * workspaces handed out (live) or keep for the next request (cached),
 * with their capacity and their resident bytes (a prefix of the block:
 * trimmed or evicted pages are at its end). A block is found by its
 * address when it is freed, whichever thread frees it. The lock is taken
 * per block of >= 2 MiB, a few hundred times per proof.
 *
 * A block is a run of one allocation from the system (a chunk), which
 * may be cut into consecutive runs: a request that takes a cached block
 * of 2 MiB or more beyond it leaves the rest as a cached block, and a
 * trimmed block (stark_huge_trim) leaves its pages past the kept bytes as
 * one, resident either way. Neighbouring runs that are both cached are
 * merged back, so a chunk whose runs are all back is one block again.
 * Why: one proof asks for the same sizes in the same order as the last
 * proof of its shape, with the model's peak (the budget) only a little
 * above what it holds live at its end. Blocks that could not be cut left
 * the large buffers of one phase (the quotient's LDE blocks, the LogUp
 * columns after the trimmed main LDE) and the smaller ones of the next
 * (DEEP, FRI, trees) competing for the budget: each proof evicted and
 * took fresh, kernel-zeroed pages for a gigabyte at 2^18 rows. */
#define WS_BLOCKS 1024

typedef struct {
    void *p;
    size_t cap, res;
    stark_workspace *ws;
    int cached;
    void *next; /* the run after this one in its chunk, else NULL */
    void *prev; /* the run before it, else NULL (p is the chunk's) */
} ws_block;

struct stark_workspace {
    size_t budget; /* most resident bytes its blocks may hold, 0 = none */
    size_t held;   /* resident bytes of its blocks, live and cached */
    unsigned stale;
    int poison; /* test hook: fill reused blocks with this byte (-1: no) */
    /* stark_workspace_keep_largest: the largest budget since the last
     * release, which every later proof's budget is raised to */
    int keep_largest;
    size_t largest;
};

static ws_block reg[WS_BLOCKS];
static unsigned nreg;
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local stark_workspace *cur_ws;

static ws_block *reg_find(const void *p)
{
    for (unsigned i = 0; i < nreg; i++)
        if (reg[i].p == p) return &reg[i];
    return NULL;
}

/* Entries move on removal: no ws_block pointer survives it. */
static void reg_remove(ws_block *b)
{
    b->ws->held -= b->res;
    *b = reg[--nreg];
}

/* Forgets every run of b's chunk (the chunk is not freed: a holder may
 * still use part of it). */
static void chunk_drop(ws_block *b)
{
    while (b->prev) b = reg_find(b->prev);
    void *p = b->p;
    while (p) {
        b = reg_find(p);
        p = b->next;
        reg_remove(b);
    }
}

/* Merges the run at a with the cached run after it (a cached too). The
 * resident bytes stay a prefix: the second run's pages go back to the
 * system when a is not wholly resident. */
static void run_merge(void *a)
{
    ws_block *x = reg_find(a), *y = reg_find(x->next);
    if (x->res == x->cap) {
        x->res += y->res;
        y->res = 0;
    } else {
        release_pages(y->p, 0, y->cap);
    }
    x->cap += y->cap;
    x->next = y->next;
    if (y->next) reg_find(y->next)->prev = a;
    reg_remove(y);
}

/* Merges the cached run at p with its cached neighbours. */
static void run_coalesce(void *p)
{
    ws_block *b = reg_find(p);
    ws_block *n = b->next ? reg_find(b->next) : NULL;
    if (n && n->cached) run_merge(p);
    b = reg_find(p);
    ws_block *v = b->prev ? reg_find(b->prev) : NULL;
    if (v && v->cached) run_merge(v->p);
}

/* Cuts b at `at` (0 < at < b->cap, a registry slot free): bytes from at
 * on become a cached run. */
static void run_split(ws_block *b, size_t at)
{
    void *t = (char *)b->p + at;
    if (b->next) reg_find(b->next)->prev = t;
    reg[nreg++] = (ws_block){t, b->cap - at, b->res > at ? b->res - at : 0, b->ws, 1, b->next, b->p};
    b->next = t;
    b->cap = at;
    if (b->res > at) b->res = at;
    run_coalesce(t);
}

/* Writes zeros to [p, p + bytes) on every thread of the team: a page
 * touched for the first time costs a fault and the kernel's zeroing
 * (and, on a virtualised host, the host's backing of it), which one
 * thread pays in series; on two threads a fresh GiB took 0.48 s instead
 * of 1.8 s (2 MiB pages, the 2-core benchmark machine). Within a
 * parallel region it runs on the calling thread alone. */
static void par_zero(void *p, size_t bytes)
{
    const size_t nblk = (bytes + HUGE_PAGE - 1) / HUGE_PAGE;
#pragma omp parallel for schedule(static) if (nblk > 1)
    for (size_t i = 0; i < nblk; i++) {
        const size_t at = i * HUGE_PAGE;
        memset((char *)p + at, 0, bytes - at < HUGE_PAGE ? bytes - at : HUGE_PAGE);
    }
}

/* A block from the system (not a workspace's). Its address may be that of
 * a block a workspace handed out and that was freed with free() (a bug
 * that stark_workspace_end counts): that entry is dropped here, so that
 * stark_huge_free of the new block never takes it for the old one. */
static void *huge_fresh(size_t bytes)
{
    void *p = cairn_aligned_alloc(HUGE_PAGE, bytes);
    if (!p) return NULL;
#ifdef MADV_HUGEPAGE
    /* advice only: a kernel without THP refuses it and 4 KiB pages serve */
    (void)madvise(p, round_huge(bytes), MADV_HUGEPAGE);
#endif
    /* its first touch on every thread rather than on whichever writes
     * it first: a fresh process's first segment spent 13% of its CPU
     * time in the kernel's page clearing, much of it in one thread */
    par_zero(p, bytes);
    pthread_mutex_lock(&reg_mu);
    ws_block *b = nreg ? reg_find(p) : NULL;
    if (b) {
        b->ws->stale++;
        chunk_drop(b);
    }
    pthread_mutex_unlock(&reg_mu);
    return p;
}

/* Gives pages of ws's cached blocks back to the system, from the largest
 * block on, until `want` more bytes fit its budget (or none is left);
 * lock held. A block gives only the pages needed (from its end, so that
 * the rest stays resident for the next request), a whole chunk that gives
 * all of them is freed. */
static void ws_evict(stark_workspace *ws, size_t want)
{
    while (ws->held + want > ws->budget) {
        ws_block *big = NULL;
        for (unsigned i = 0; i < nreg; i++)
            if (reg[i].ws == ws && reg[i].cached && reg[i].res && (!big || reg[i].res > big->res)) big = &reg[i];
        if (!big) return;
        const size_t need = round_huge(ws->held + want - ws->budget);
        if (need >= big->res && !big->next && !big->prev) {
            free(big->p);
            reg_remove(big);
        } else {
            const size_t keep = need >= big->res ? 0 : big->res - need;
            release_pages(big->p, keep, big->cap);
            ws->held -= big->res - keep;
            big->res = keep;
        }
    }
}

stark_workspace *stark_workspace_new(void)
{
    stark_workspace *ws = cairn_calloc(1, sizeof(stark_workspace));
    if (ws) ws->poison = -1;
    return ws;
}

void stark_workspace_poison(stark_workspace *ws, int byte) { ws->poison = byte; }

void stark_workspace_keep_largest(stark_workspace *ws)
{
    pthread_mutex_lock(&reg_mu);
    ws->keep_largest = 1;
    pthread_mutex_unlock(&reg_mu);
}

void stark_workspace_release(stark_workspace *ws)
{
    if (!ws) return;
    pthread_mutex_lock(&reg_mu);
    size_t b = ws->budget;
    ws->budget = 0;
    ws_evict(ws, 0);
    ws->budget = b;
    ws->largest = 0;
    /* and the chunks left without resident pages */
    for (unsigned i = 0; i < nreg;)
        if (reg[i].ws == ws && reg[i].cached && !reg[i].next && !reg[i].prev) {
            free(reg[i].p);
            reg_remove(&reg[i]);
        } else {
            i++;
        }
    pthread_mutex_unlock(&reg_mu);
}

void stark_workspace_free(stark_workspace *ws)
{
    if (!ws) return;
    stark_workspace_release(ws);
    /* live blocks are their holders' to free; they are no longer tracked */
    pthread_mutex_lock(&reg_mu);
    for (unsigned i = 0; i < nreg;)
        if (reg[i].ws == ws) reg_remove(&reg[i]);
        else i++;
    pthread_mutex_unlock(&reg_mu);
    free(ws);
}

size_t stark_workspace_held(const stark_workspace *ws)
{
    pthread_mutex_lock(&reg_mu);
    size_t h = ws ? ws->held : 0;
    pthread_mutex_unlock(&reg_mu);
    return h;
}

stark_workspace *stark_workspace_begin(stark_workspace *ws, size_t budget)
{
    stark_workspace *prev = cur_ws;
    cur_ws = ws;
    if (ws) {
        pthread_mutex_lock(&reg_mu);
        if (ws->keep_largest) {
            if (budget < ws->largest) budget = ws->largest;
            ws->largest = budget;
        }
        ws->budget = budget;
        ws_evict(ws, 0);
        pthread_mutex_unlock(&reg_mu);
    }
    return prev;
}

unsigned stark_workspace_end(stark_workspace *ws, stark_workspace *prev)
{
    cur_ws = prev;
    if (!ws) return 0;
    /* every block the proof took must be back: one still live was freed
     * with free() instead of stark_huge_free (a bug), or is still held;
     * its chunk is forgotten whole (never freed nor handed out over it) */
    unsigned stale = 0;
    pthread_mutex_lock(&reg_mu);
    for (unsigned i = 0; i < nreg;)
        if (reg[i].ws == ws && !reg[i].cached) {
            chunk_drop(&reg[i]);
            stale++;
            i = 0; /* the drop moved entries */
        } else {
            i++;
        }
    ws->stale += stale;
    pthread_mutex_unlock(&reg_mu);
    return stale;
}

unsigned stark_workspace_stale(const stark_workspace *ws) { return ws ? ws->stale : 0; }

/* ---- allocation ---- */

void *stark_huge_alloc(size_t bytes)
{
    if (bytes < HUGE_PAGE) return cairn_malloc(bytes);
    stark_workspace *ws = cur_ws;
    if (!ws) return huge_fresh(bytes);
    const size_t want = round_huge(bytes);
    pthread_mutex_lock(&reg_mu);
    /* the smallest cached block that holds the request; 2 MiB or more
     * past the request stay cached as a block of their own, less than
     * that goes back to the system, so a reused block holds no more than
     * a fresh one would */
    ws_block *best = NULL;
    for (unsigned i = 0; i < nreg; i++)
        if (reg[i].ws == ws && reg[i].cached && reg[i].cap >= bytes && (!best || reg[i].cap < best->cap))
            best = &reg[i];
    if (best) {
        best->cached = 0;
        void *p = best->p;
        if (best->cap >= want + HUGE_PAGE && nreg < WS_BLOCKS) {
            run_split(best, want);
            best = reg_find(p);
        }
        if (best->res > want) {
            release_pages(p, want, best->cap);
            ws->held -= best->res - want;
            best->res = want;
        } else if (best->res < want) {
            /* pages given back come back as they are touched: room for
             * them first (the eviction may move entries, not this one's
             * block) */
            const size_t more = want - best->res;
            ws_evict(ws, more);
            best = reg_find(p);
            ws->held += more;
            best->res = want;
        }
        const int poison = ws->poison;
        pthread_mutex_unlock(&reg_mu);
        if (poison >= 0) memset(p, poison, bytes); /* test only */
        return p;
    }
    ws_evict(ws, want);
    pthread_mutex_unlock(&reg_mu);
    void *p = huge_fresh(bytes);
    if (!p) return NULL;
    pthread_mutex_lock(&reg_mu);
    if (nreg < WS_BLOCKS) {
        reg[nreg++] = (ws_block){p, want, want, ws, 0, NULL, NULL};
        ws->held += want;
    }
    pthread_mutex_unlock(&reg_mu);
    return p;
}

void *stark_huge_alloc_array(size_t n, size_t size)
{
    size_t bytes;
    return cairn_mul_size(&bytes, n, size) ? stark_huge_alloc(bytes) : NULL;
}

void *stark_huge_alloc_static(size_t bytes)
{
    return bytes < HUGE_PAGE ? cairn_malloc(bytes) : huge_fresh(bytes);
}

void stark_huge_free(void *p)
{
    if (!p) return;
    pthread_mutex_lock(&reg_mu);
    ws_block *b = nreg ? reg_find(p) : NULL;
    if (b) {
        b->cached = 1;
        run_coalesce(p);
    }
    pthread_mutex_unlock(&reg_mu);
    if (!b) free(p);
}

void stark_huge_trim(void *p, size_t keep, size_t total)
{
    const size_t cut = (keep + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1);
    pthread_mutex_lock(&reg_mu);
    ws_block *b = nreg ? reg_find(p) : NULL;
    if (b && !b->cached && cut && cut < b->res && nreg < WS_BLOCKS) {
        /* the resident pages past cut become a cached block (the
         * workspace's held bytes do not change); what the proof holds
         * live went down, so the cached blocks are brought within the
         * budget as they were before */
        stark_workspace *ws = b->ws;
        run_split(b, cut);
        ws_evict(ws, 0);
        pthread_mutex_unlock(&reg_mu);
        return;
    }
    if (b) {
        if (cut < b->res) {
            b->ws->held -= b->res - cut;
            b->res = cut;
        }
        if (total > b->cap) total = b->cap; /* never into the next run */
    }
    pthread_mutex_unlock(&reg_mu);
    release_pages(p, keep, total);
}

void *stark_trace_buf_alloc(size_t bytes) { return stark_huge_alloc_static(bytes); }
void stark_trace_buf_free(void *p) { free(p); }

/* ---- what a proving thread keeps (stark.h stark_keep) ---- */

static pthread_key_t keep_key;
static pthread_once_t keep_once = PTHREAD_ONCE_INIT;
static int keep_ok;

void stark_keep_traces_free(stark_keep *k)
{
    for (unsigned t = 0; t < AIR_MAX_TABLES; t++) {
        stark_trace_buf_free(k->main[t]);
        k->main[t] = NULL;
        k->bytes[t] = 0;
    }
}

void stark_keep_release(stark_keep *k)
{
    if (!k) return;
    stark_keep_traces_free(k);
    stark_workspace_release(k->ws);
}

size_t stark_keep_held(const stark_keep *k)
{
    if (!k) return 0;
    size_t b = stark_workspace_held(k->ws);
    for (unsigned t = 0; t < AIR_MAX_TABLES; t++) b += k->bytes[t];
    return b;
}

gl_t *stark_keep_trace(stark_keep *k, unsigned t, size_t bytes)
{
    if (k->bytes[t] < bytes) {
        stark_trace_buf_free(k->main[t]);
        k->main[t] = stark_trace_buf_alloc(bytes);
        k->bytes[t] = k->main[t] ? bytes : 0;
    }
    if (k->main[t]) par_zero(k->main[t], bytes);
    return k->main[t];
}

/* the thread's slots, at its end (they share one workspace) */
static void keep_destroy(void *p)
{
    stark_keep *k = p;
    for (unsigned s = 0; s < STARK_KEEP_SLOTS; s++) stark_keep_release(&k[s]);
    stark_workspace_free(k[0].ws);
    free(k);
}

static void keep_key_init(void) { keep_ok = pthread_key_create(&keep_key, keep_destroy) == 0; }

stark_keep *stark_keep_thread(unsigned slot, int make)
{
    if (slot >= STARK_KEEP_SLOTS) return NULL;
    pthread_once(&keep_once, keep_key_init);
    if (!keep_ok) return NULL;
    stark_keep *k = pthread_getspecific(keep_key);
    if (!k && make) {
        k = cairn_calloc(STARK_KEEP_SLOTS, sizeof *k);
        if (k && pthread_setspecific(keep_key, k) != 0) {
            free(k);
            k = NULL;
        }
    }
    if (!k) return NULL;
    if (!k[0].ws && make) {
        /* one workspace for every slot of the thread, keeping the largest
         * budget: a lift after a segment proof takes its buffers from the
         * segment's pages, and the next segment finds them all again */
        stark_workspace *ws = stark_workspace_new();
        if (ws) stark_workspace_keep_largest(ws);
        for (unsigned s = 0; s < STARK_KEEP_SLOTS; s++) k[s].ws = ws;
    }
    return k[slot].ws ? &k[slot] : NULL;
}
