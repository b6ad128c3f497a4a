/* Merkle figures of `cairn bench primitives`: commit time of one row-major
 * matrix of 64 columns at 2^16 and 2^20 rows (target: 2^20 x 64 in at most
 * 3.5 s on 2 threads), the Poseidon2 rate that implies, the rate the
 * target needs, and the same 2^20 leaves from two 32-column matrices (rows
 * gathered in blocks instead of hashed in place). */
#include <stdlib.h>

#include "bench.h"
#include "common/util.h"
#include "stark/mt.h"

#define MERKLE_COLS 64
#define MERKLE_TARGET_S 3.5 /* 2^20 x 64 with 2 threads */

/* Permutations of one commit: ceil(cols / 8) per leaf (the length is in
 * the capacity, a multiple of 8 needs no padding block), H - 1 compressions. */
static double commit_perms(size_t rows, size_t cols)
{
    size_t per_leaf = cols == 0 ? 1 : (cols + P2_RATE - 1) / P2_RATE;
    return (double)rows * (double)per_leaf + (double)(rows - 1);
}

/* Best of `reps` commits, in seconds; -1 on failure. */
static double time_commit_mats(const mt_matrix *m, size_t n, int reps)
{
    double best = -1;
    for (int r = 0; r < reps; r++) {
        mt_tree *t;
        double t0 = now_sec();
        if (mt_commit(&t, m, n) != CAIRN_OK) return -1;
        double dt = now_sec() - t0;
        mt_free(t);
        if (best < 0 || dt < best) best = dt;
    }
    return best;
}

static double time_commit(const gl_t *data, size_t rows, size_t cols, int reps)
{
    mt_matrix m = {data, rows, cols};
    return time_commit_mats(&m, 1, reps);
}

void bench_prim_merkle(bench_out *o)
{
    const size_t big = (size_t)1 << 20, small = (size_t)1 << 16;
    gl_t *data = malloc(big * MERKLE_COLS * sizeof *data);
    if (!data) {
        bench_report_str(o, "merkle", "out of memory");
        return;
    }
    rng_t r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < big * MERKLE_COLS; i++) data[i] = gl_from_u64(rng_u64(&r));

    double ts = time_commit(data, small, MERKLE_COLS, 5);
    bench_report(o, "merkle_commit_2^16x64_s", ts, "s");
    double tb = time_commit(data, big, MERKLE_COLS, 3);
    bench_report(o, "merkle_commit_2^20x64_s", tb, "s");
    if (tb > 0) {
        double perms = commit_perms(big, MERKLE_COLS);
        bench_report(o, "merkle_commit_2^20x64_perm_per_s", perms / tb, "perm/s");
        bench_report(o, "merkle_commit_2^20x64_rows_per_s", (double)big / tb, "rows/s");
        bench_report(o, "merkle_target_2^20x64_perm_per_s", perms / MERKLE_TARGET_S, "perm/s");
    }
    /* the same leaves from two 32-column matrices: rows gathered in blocks */
    mt_matrix halves[2] = {{data, big, MERKLE_COLS / 2},
                           {data + big * (MERKLE_COLS / 2), big, MERKLE_COLS / 2}};
    bench_report(o, "merkle_commit_2^20x(32+32)_s", time_commit_mats(halves, 2, 3), "s");
    free(data);
}
