/* Poseidon2 figures of `cairn bench primitives`: permutations per second
 * single (portable path, one thread) and batched (widest SIMD path; one
 * thread and all OpenMP threads), row hashing and pair compression.
 * Each figure is the best of three runs of at least BENCH_MIN_SEC, since
 * other work on the machine only ever slows a run down. */
#include <omp.h>
#include <stdlib.h>

#include "bench.h"
#include "common/util.h"
#include "stark/p2.h"

#define BENCH_MIN_SEC 0.25
#define BENCH_RUNS 3

/* Batch of 2^15 states (3 MiB): larger than L2, as in a Merkle layer. */
#define BATCH_STATES (1u << 15)
/* Rows of 64 elements, the task's figure for trace-row hashing. */
#define ROW_LEN 64
#define ROWS (1u << 14)
#define PAIRS (1u << 15)

static gl_t *state_buf(rng_t *r, size_t n)
{
    gl_t *p = malloc(n * sizeof *p);
    if (p)
        for (size_t i = 0; i < n; i++) p[i] = rng_u64(r) % GL_P;
    return p;
}

/* Items per second of fn(arg), which processes `items` items per call. */
static double rate(void (*fn)(void *), void *arg, double items)
{
    double best = 0;
    for (int run = 0; run < BENCH_RUNS; run++) {
        long calls = 0;
        double t0 = now_sec(), t;
        do {
            fn(arg);
            calls++;
            t = now_sec() - t0;
        } while (t < BENCH_MIN_SEC);
        double r = items * calls / t;
        if (r > best) best = r;
    }
    return best;
}

typedef struct {
    gl_t *st;
    size_t n;
    p2_digest *out;
    const p2_digest *in;
} job;

static void run_single(void *a)
{
    job *j = a;
    for (size_t i = 0; i < j->n; i++) p2_permute(j->st);
}

static void run_batch(void *a)
{
    job *j = a;
    p2_permute_batch(j->st, j->n);
}

static void run_rows(void *a)
{
    job *j = a;
    p2_hash_rows(j->out, j->st, j->n, ROW_LEN, ROW_LEN);
}

static void run_pairs(void *a)
{
    job *j = a;
    p2_compress_pairs(j->out, j->in, j->n);
}

void bench_prim_hash(bench_out *o)
{
    rng_t r;
    rng_seed(&r, 1);
    gl_t *st = state_buf(&r, (size_t)BATCH_STATES * P2_WIDTH);
    gl_t *rows = state_buf(&r, (size_t)ROWS * ROW_LEN);
    p2_digest *pairs = (p2_digest *)state_buf(&r, (size_t)2 * PAIRS * P2_DIGEST);
    p2_digest *out = malloc((size_t)(ROWS > PAIRS ? ROWS : PAIRS) * sizeof *out);
    if (!st || !rows || !pairs || !out) {
        bench_report_str(o, "p2_error", "out of memory");
        goto done;
    }
    int threads = omp_get_max_threads();

    job single = {st, 10000, NULL, NULL};
    bench_report(o, "p2_permute_single_1t", rate(run_single, &single, 10000), "perm/s");

    job batch = {st, BATCH_STATES, NULL, NULL};
    omp_set_num_threads(1);
    bench_report(o, "p2_permute_batch_1t", rate(run_batch, &batch, BATCH_STATES), "perm/s");
    omp_set_num_threads(threads);
    bench_report(o, "p2_permute_batch", rate(run_batch, &batch, BATCH_STATES), "perm/s");

    job hr = {rows, ROWS, out, NULL};
    bench_report(o, "p2_hash_rows_64", rate(run_rows, &hr, ROWS), "rows/s");

    job cp = {NULL, PAIRS, out, pairs};
    bench_report(o, "p2_compress_pairs", rate(run_pairs, &cp, PAIRS), "compr/s");

done:
    free(st);
    free(rows);
    free(pairs);
    free(out);
}
