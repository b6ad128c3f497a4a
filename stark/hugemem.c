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
 * with their capacity and their resident bytes (capacity less what was
 * trimmed). A block is found by its address when it is freed, whichever
 * thread frees it. The lock is taken per block of >= 2 MiB, a few hundred
 * times per proof. */
#define WS_BLOCKS 1024

/* A trimmed block (stark_huge_trim) lends the pages past its kept bytes
 * to the workspace as a block of their own, its tail (kid): a cached
 * block like the others, handed out to a later request of the proof
 * (such as the LogUp columns after the main commitment) or evicted, that
 * is, given back to the system, when room is needed. Without it the
 * trimmed pages went back to the system at once, and the next proof took
 * them fresh (zeroed by the kernel) to make the block whole again. The
 * tail is merged back into its block once both are freed; a block whose
 * tail is out is neither handed out nor evicted. */
typedef struct {
    void *p;
    size_t cap, res;
    stark_workspace *ws;
    int cached;
    void *kid;    /* this block's tail while it is lent out, else NULL */
    void *parent; /* for a tail: the block it belongs to, else NULL */
} ws_block;

struct stark_workspace {
    size_t budget; /* most resident bytes its blocks may hold, 0 = none */
    size_t held;   /* resident bytes of its blocks, live and cached */
    unsigned stale;
    int poison; /* test hook: fill reused blocks with this byte (-1: no) */
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

static void reg_remove(ws_block *b)
{
    b->ws->held -= b->res;
    *b = reg[--nreg];
}

/* Forgets b and, for a block with its tail out, the tail (which is part
 * of b's memory); a tail dropped alone leaves its block whole, its pages
 * past the tail's start not resident. Entries move: no ws_block pointer
 * survives this. */
static void reg_drop(ws_block *b)
{
    void *kid = b->kid, *parent = b->parent;
    reg_remove(b);
    ws_block *o = kid ? reg_find(kid) : parent ? reg_find(parent) : NULL;
    if (o && kid) reg_remove(o);
    else if (o) o->kid = NULL;
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
    pthread_mutex_lock(&reg_mu);
    ws_block *b = nreg ? reg_find(p) : NULL;
    if (b) {
        b->ws->stale++;
        reg_drop(b);
    }
    pthread_mutex_unlock(&reg_mu);
    return p;
}

/* Frees ws's cached blocks, largest first, until `want` more bytes fit
 * its budget (or none is left); lock held. */
static void ws_evict(stark_workspace *ws, size_t want)
{
    while (ws->held + want > ws->budget) {
        ws_block *big = NULL;
        for (unsigned i = 0; i < nreg; i++)
            if (reg[i].ws == ws && reg[i].cached && !reg[i].kid && (!big || reg[i].res > big->res))
                big = &reg[i];
        if (!big) return;
        if (big->parent) release_pages(big->p, 0, big->cap); /* a tail: its block's pages */
        else free(big->p);
        reg_drop(big);
    }
}

stark_workspace *stark_workspace_new(void)
{
    stark_workspace *ws = cairn_calloc(1, sizeof(stark_workspace));
    if (ws) ws->poison = -1;
    return ws;
}

void stark_workspace_poison(stark_workspace *ws, int byte) { ws->poison = byte; }

void stark_workspace_release(stark_workspace *ws)
{
    if (!ws) return;
    pthread_mutex_lock(&reg_mu);
    size_t b = ws->budget;
    ws->budget = 0;
    ws_evict(ws, 0);
    ws->budget = b;
    pthread_mutex_unlock(&reg_mu);
}

void stark_workspace_free(stark_workspace *ws)
{
    if (!ws) return;
    stark_workspace_release(ws);
    /* live blocks are their holders' to free; they are no longer tracked */
    pthread_mutex_lock(&reg_mu);
    for (unsigned i = 0; i < nreg;)
        if (reg[i].ws == ws) reg_drop(&reg[i]), i = 0; /* a drop may move entries below i */
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
     * with free() instead of stark_huge_free (a bug), or is still held */
    unsigned stale = 0;
    pthread_mutex_lock(&reg_mu);
    for (unsigned i = 0; i < nreg;) {
        if (reg[i].ws != ws || reg[i].cached) {
            i++;
            continue;
        }
        void *parent = reg[i].parent;
        reg_drop(&reg[i]);
        stale++;
        /* a tail still out: its block's memory is in use too, so the
         * block is forgotten as well (never freed nor handed out over it) */
        ws_block *o = parent ? reg_find(parent) : NULL;
        if (o) reg_drop(o);
        i = 0; /* a drop may move entries below i */
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
    /* the smallest cached block that holds the request; pages past the
     * request go back to the system, so a reused block holds no more than
     * a fresh one would */
    ws_block *best = NULL;
    for (unsigned i = 0; i < nreg; i++)
        if (reg[i].ws == ws && reg[i].cached && !reg[i].kid && reg[i].cap >= bytes &&
            (!best || reg[i].cap < best->cap))
            best = &reg[i];
    if (best) {
        best->cached = 0;
        void *p = best->p;
        if (best->res > want) {
            release_pages(p, want, best->cap);
            ws->held -= best->res - want;
            best->res = want;
        } else if (best->res < want) {
            /* trimmed pages come back as they are touched: room for them
             * first (the eviction may move entries, not this one's block) */
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
        /* a block and its tail, both back: one block again */
        ws_block *o = b->kid ? reg_find(b->kid) : b->parent ? reg_find(b->parent) : NULL;
        if (o && o->cached) {
            ws_block *blk = b->kid ? b : o, *tail = b->kid ? o : b;
            const size_t cut = (size_t)((char *)tail->p - (char *)blk->p);
            if (blk->res == cut) {
                blk->res += tail->res;
                tail->res = 0;
            } else {
                /* pages missing below the tail (trimmed again): keep the
                 * resident bytes a prefix, the tail's go */
                release_pages(tail->p, 0, tail->cap);
            }
            reg_drop(tail);
        }
    }
    pthread_mutex_unlock(&reg_mu);
    if (!b) free(p);
}

void stark_huge_trim(void *p, size_t keep, size_t total)
{
    const size_t cut = (keep + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1);
    pthread_mutex_lock(&reg_mu);
    ws_block *b = nreg ? reg_find(p) : NULL;
    if (b && !b->kid && !b->parent && !b->cached && cut < b->res && cut <= total && nreg < WS_BLOCKS) {
        /* the pages past cut become the block's tail, cached and resident
         * (the workspace's held bytes do not change) */
        reg[nreg++] = (ws_block){(char *)p + cut, b->cap - cut, b->res - cut, b->ws, 1, NULL, p};
        b->kid = (char *)p + cut;
        b->res = cut;
        /* what the proof holds live went down: the workspace's cached
         * blocks stay within its budget as they did before */
        ws_evict(b->ws, 0);
        pthread_mutex_unlock(&reg_mu);
        return;
    }
    if (b && cut < b->res) {
        b->ws->held -= b->res - cut;
        b->res = cut;
    }
    /* never past the block's tail, which may be out */
    if (b && b->kid && total > (size_t)((char *)b->kid - (char *)p))
        total = (size_t)((char *)b->kid - (char *)p);
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
    if (k->bytes[t] != bytes) {
        stark_trace_buf_free(k->main[t]);
        k->main[t] = stark_trace_buf_alloc(bytes);
        k->bytes[t] = k->main[t] ? bytes : 0;
    }
    if (k->main[t]) memset(k->main[t], 0, bytes);
    return k->main[t];
}

/* the thread's slots, at its end */
static void keep_destroy(void *p)
{
    stark_keep *k = p;
    for (unsigned s = 0; s < STARK_KEEP_SLOTS; s++) {
        stark_keep_release(&k[s]);
        stark_workspace_free(k[s].ws);
    }
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
    if (!k[slot].ws && make) k[slot].ws = stark_workspace_new();
    return k[slot].ws ? &k[slot] : NULL;
}
