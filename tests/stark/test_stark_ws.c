/* The prover workspace (stark.h stark_workspace): proofs made with one
 * workspace, over machines and heights in turn so that every proof gets
 * blocks that another shape wrote, are byte for byte the proofs made
 * without one and verify; the reused blocks are poisoned first (the prover
 * reads nothing it did not write); every block comes back (no stale
 * ones); what the workspace holds between proofs stays within the memory
 * query of the proof before; release gives everything back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "stark/hugemem.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "testutil.h"

typedef struct {
    air_machine *m;
    stark_pk *pk;
    stark_vk *vk;
    size_t npub;
} mach;

/* Traces of machine kind k (0 fib, 1 p2chain, 2 lookup) at log_n. */
static void make_trace(stark_trace tr[2], gl_t **bufs, gl_t *pub, int k, unsigned log_n, uint64_t seed)
{
    bufs[0] = bufs[1] = NULL;
    if (k == 0) {
        CU_ASSERT_EQUAL_FATAL(stark_fib_trace(&bufs[0], pub, log_n, seed), CAIRN_OK);
    } else if (k == 1) {
        CU_ASSERT_EQUAL_FATAL(stark_p2chain_trace(&bufs[0], pub, log_n, seed), CAIRN_OK);
    } else {
        CU_ASSERT_EQUAL_FATAL(stark_lookup_trace(&bufs[0], &bufs[1], pub, log_n, seed), CAIRN_OK);
        tr[1] = (stark_trace){bufs[1], STARK_LOOKUP_RANGE_LOG};
    }
    tr[0] = (stark_trace){bufs[0], log_n};
}

static void test_reuse(void)
{
    uint64_t seed = test_seed("stark ws");
    stark_params p;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, "test"), CAIRN_OK);
    p.log_blowup = 2; /* the trimmed blocks of the proven presets */
    mach ms[3];
    cairn_err (*mk[3])(air_machine **) = {stark_machine_fib, stark_machine_p2chain, stark_machine_lookup};
    const size_t npub[3] = {STARK_FIB_NPUB, STARK_P2CHAIN_NPUB, STARK_LOOKUP_NPUB};
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(mk[k](&ms[k].m), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(stark_setup(&ms[k].pk, &ms[k].vk, ms[k].m, &p), CAIRN_OK);
        ms[k].npub = npub[k];
    }
    /* (machine, log_n): buffers of 2 MiB and more go through the
     * workspace; heights up and down so that blocks are reused by other
     * sizes, trimmed ones included */
    static const struct {
        int k;
        unsigned log_n;
    } seq[] = {{1, 10}, {0, 15}, {1, 11}, {2, 15}, {1, 10}, {0, 16}, {2, 14}, {1, 11}};
    stark_workspace *ws = stark_workspace_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    stark_workspace_poison(ws, 0xa5);
    /* under the sanitizers (slow) the first five: every machine, reuse
     * across shapes and of trimmed blocks */
    const size_t nseq = getenv("CAIRN_SANITIZE_RUN") ? 5 : sizeof seq / sizeof seq[0];
    for (size_t i = 0; i < nseq; i++) {
        const mach *M = &ms[seq[i].k];
        stark_trace tr[2];
        gl_t *bufs[2], pub[8];
        make_trace(tr, bufs, pub, seq[i].k, seq[i].log_n, seed + i);
        uint8_t *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        CU_ASSERT_EQUAL_FATAL(stark_prove_ws(M->pk, ws, tr, pub, M->npub, &a, &la), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(stark_prove(M->pk, tr, pub, M->npub, &b, &lb), CAIRN_OK);
        CU_ASSERT_EQUAL(la, lb);
        CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
        cairn_err e = stark_verify(M->vk, pub, M->npub, a, la, TEST_ANY_HEIGHTS);
        if (e != CAIRN_OK) fprintf(stderr, "proof %zu: %s\n", i, cairn_last_error());
        CU_ASSERT_EQUAL(e, CAIRN_OK);
        CU_ASSERT_EQUAL(stark_workspace_stale(ws), 0);
        unsigned heights[AIR_MAX_TABLES] = {0};
        heights[0] = tr[0].log_n;
        heights[1] = tr[1].log_n;
        const size_t held = stark_workspace_held(ws), query = stark_prove_mem(M->pk, heights);
        if (held > query) fprintf(stderr, "proof %zu: holds %zu bytes, query %zu\n", i, held, query);
        CU_ASSERT(held <= query);
        CU_ASSERT(held > 0); /* it does keep the buffers */
        free(a);
        free(b);
        free(bufs[0]);
        free(bufs[1]);
    }
    stark_workspace_release(ws);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 0);
    stark_workspace_free(ws);
    stark_workspace_free(NULL);
    for (int k = 0; k < 3; k++) {
        stark_pk_free(ms[k].pk);
        stark_vk_free(ms[k].vk);
        air_machine_free(ms[k].m);
    }
}

/* A block freed with free() instead of stark_huge_free is reported as
 * stale at the end of the proof, not handed out again. */
static void test_stale(void)
{
    stark_workspace *ws = stark_workspace_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    stark_workspace *prev = stark_workspace_begin(ws, (size_t)64 << 20);
    void *x = stark_huge_alloc((size_t)4 << 20), *y = stark_huge_alloc((size_t)4 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    memset(x, 1, (size_t)4 << 20);
    stark_huge_free(x);
    void *z = stark_huge_alloc((size_t)3 << 20); /* takes x back */
    CU_ASSERT_PTR_EQUAL(z, x);
    stark_huge_free(z);
    free(y); /* the bug the count catches */
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 1);
    CU_ASSERT_EQUAL(stark_workspace_stale(ws), 1);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), (size_t)4 << 20);
    /* over a budget of 2 MiB the cached block gives back the pages it must
     * before a new one comes */
    prev = stark_workspace_begin(ws, (size_t)2 << 20);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), (size_t)2 << 20);
    z = stark_huge_alloc((size_t)2 << 20);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), (size_t)2 << 20);
    stark_huge_free(z);
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
    /* a trimmed block taken back whole: its pages come back, so the other
     * cached blocks make room for them within the budget */
    const size_t M = (size_t)1 << 20;
    prev = stark_workspace_begin(ws, 9 * M);
    void *a = stark_huge_alloc(8 * M), *b = stark_huge_alloc(2 * M);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    stark_huge_trim(a, 2 * M, 8 * M);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M); /* the trimmed pages: 2 MiB gone for the budget */
    stark_huge_free(a);
    stark_huge_free(b);
    void *c = stark_huge_alloc(8 * M);
    CU_ASSERT_PTR_EQUAL(c, a);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M); /* b gave way: 8 + 2 > 9 */
    stark_huge_free(c);
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
    stark_workspace_free(ws);
}

/* The trimmed pages of a block, and the pages of a cached block past a
 * smaller request, are lent to a later request (resident: no fresh pages)
 * and come back into the block once both are freed. */
static void test_trim_lend(void)
{
    const size_t M = (size_t)1 << 20;
    stark_workspace *ws = stark_workspace_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
    stark_workspace *prev = stark_workspace_begin(ws, 64 * M);
    char *a = stark_huge_alloc(8 * M);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    memset(a, 1, 8 * M);
    stark_huge_trim(a, 2 * M, 8 * M);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M);
    char *d = stark_huge_alloc(6 * M); /* the tail */
    CU_ASSERT_PTR_EQUAL(d, a + 2 * M);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M);
    memset(d, 2, 6 * M);
    CU_ASSERT_EQUAL(a[2 * M - 1], 1);
    stark_huge_free(a);
    void *e = stark_huge_alloc(4 * M); /* a is not whole while its tail is out */
    CU_ASSERT_PTR_NOT_EQUAL(e, a);
    stark_huge_free(e);
    stark_huge_free(d);
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
    /* next proof: the block is whole again, all of it resident */
    prev = stark_workspace_begin(ws, 64 * M);
    const size_t held = stark_workspace_held(ws);
    void *f = stark_huge_alloc(8 * M);
    CU_ASSERT_PTR_EQUAL(f, a);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), held);
    /* a tail that must go for room goes back to the system, its block stays;
     * then the cached e gives what is still needed */
    stark_huge_trim(f, 2 * M, 8 * M);
    stark_workspace_begin(ws, 4 * M);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 4 * M);
    stark_huge_free(f);
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
    CU_ASSERT_EQUAL(stark_workspace_stale(ws), 0);
    /* a smaller request takes the head of a cached block, the rest stays
     * cached for the next (its pages resident), and both go back as one */
    stark_workspace_release(ws);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 0);
    prev = stark_workspace_begin(ws, 64 * M);
    char *g = stark_huge_alloc(8 * M);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    memset(g, 3, 8 * M);
    stark_huge_free(g);
    char *h = stark_huge_alloc(3 * M), *i = stark_huge_alloc(4 * M);
    CU_ASSERT_PTR_EQUAL(h, g);
    CU_ASSERT_PTR_EQUAL(i, g + 4 * M);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M);
    stark_huge_free(h);
    stark_huge_free(i);
    CU_ASSERT_PTR_EQUAL(stark_huge_alloc(8 * M), g);
    CU_ASSERT_EQUAL(stark_workspace_held(ws), 8 * M);
    stark_huge_free(g);
    CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
    stark_workspace_free(ws);
}

/* A workspace that keeps the largest budget (stark_workspace_keep_largest,
 * the one a thread's segment and recursion provers share): a proof with a
 * smaller budget after a larger one evicts nothing and takes its buffers
 * from the larger one's pages (resident: no fresh ones), and the larger
 * proof after it finds its block whole again; a workspace without it
 * evicts down to each proof's budget; release forgets the largest. */
static void test_keep_largest(void)
{
    const size_t M = (size_t)1 << 20;
    for (int keep = 0; keep < 2; keep++) {
        stark_workspace *ws = stark_workspace_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
        if (keep) stark_workspace_keep_largest(ws);
        /* the "segment": 32 MiB in one block */
        stark_workspace *prev = stark_workspace_begin(ws, 32 * M);
        char *a = stark_huge_alloc(32 * M);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        memset(a, 1, 32 * M);
        stark_huge_free(a);
        CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
        CU_ASSERT_EQUAL(stark_workspace_held(ws), 32 * M);
        /* the "lift": a budget of 8 MiB, two buffers */
        prev = stark_workspace_begin(ws, 8 * M);
        CU_ASSERT_EQUAL(stark_workspace_held(ws), keep ? 32 * M : 8 * M);
        char *b = stark_huge_alloc(6 * M), *c = stark_huge_alloc(2 * M);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        if (keep) {
            /* both carved from the segment's block, nothing fresh */
            CU_ASSERT_PTR_EQUAL(b, a);
            CU_ASSERT_PTR_EQUAL(c, a + 6 * M);
            CU_ASSERT_EQUAL(stark_workspace_held(ws), 32 * M);
        } else {
            CU_ASSERT(stark_workspace_held(ws) <= 8 * M);
        }
        stark_huge_free(b);
        stark_huge_free(c);
        CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
        /* the next "segment": its block, whole and resident, with keep */
        prev = stark_workspace_begin(ws, 32 * M);
        const size_t held = stark_workspace_held(ws);
        char *d = stark_huge_alloc(32 * M);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        if (keep) {
            CU_ASSERT_PTR_EQUAL(d, a);
            CU_ASSERT_EQUAL(held, 32 * M);
        } else {
            CU_ASSERT(held <= 8 * M);
        }
        stark_huge_free(d);
        CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
        /* release gives everything back and forgets the largest budget */
        stark_workspace_release(ws);
        CU_ASSERT_EQUAL(stark_workspace_held(ws), 0);
        prev = stark_workspace_begin(ws, 4 * M);
        void *e = stark_huge_alloc(4 * M);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        stark_huge_free(e);
        CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
        prev = stark_workspace_begin(ws, 2 * M);
        CU_ASSERT_EQUAL(stark_workspace_held(ws), keep ? 4 * M : 2 * M);
        CU_ASSERT_EQUAL(stark_workspace_end(ws, prev), 0);
        CU_ASSERT_EQUAL(stark_workspace_stale(ws), 0);
        stark_workspace_free(ws);
    }
}

/* The slots of a thread's stark_keep share one workspace that keeps the
 * largest budget; releasing one slot gives that workspace back and that
 * slot's traces, not the other slot's. */
static void test_keep_slots(void)
{
    stark_keep *s = stark_keep_thread(STARK_KEEP_SEGMENT, 1), *r = stark_keep_thread(STARK_KEEP_RECURSION, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NOT_NULL(s->ws);
    CU_ASSERT_PTR_EQUAL(s->ws, r->ws);
    const size_t M = (size_t)1 << 20;
    CU_ASSERT_PTR_NOT_NULL_FATAL(stark_keep_trace(s, 0, 4 * M));
    CU_ASSERT_PTR_NOT_NULL_FATAL(stark_keep_trace(r, 0, 4 * M));
    stark_workspace *prev = stark_workspace_begin(s->ws, 16 * M);
    void *a = stark_huge_alloc(16 * M);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    stark_huge_free(a);
    CU_ASSERT_EQUAL(stark_workspace_end(s->ws, prev), 0);
    prev = stark_workspace_begin(r->ws, 4 * M); /* keeps 16 MiB */
    CU_ASSERT_EQUAL(stark_workspace_held(r->ws), 16 * M);
    CU_ASSERT_EQUAL(stark_workspace_end(r->ws, prev), 0);
    CU_ASSERT(stark_keep_held(s) >= 20 * M);
    stark_keep_release(s);
    CU_ASSERT_EQUAL(stark_keep_held(s), 0);
    CU_ASSERT_EQUAL(stark_keep_held(r), 4 * M); /* its trace only */
    stark_keep_release(r);
    CU_ASSERT_EQUAL(stark_keep_held(r), 0);
}

int main(void)
{
    static const test_case cases[] = {{"reuse", test_reuse},
                                      {"stale", test_stale},
                                      {"trim_lend", test_trim_lend},
                                      {"keep_largest", test_keep_largest},
                                      {"keep_slots", test_keep_slots},
                                      {NULL, NULL}};
    return test_run_suite("stark_ws", cases);
}
