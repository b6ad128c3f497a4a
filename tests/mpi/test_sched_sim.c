/* The scheduler simulation of `cairn bench sched` (bench/sched_sim.h) on
 * cases worked out by hand, so that its table can be trusted: equal tasks
 * with free execution and verification, an executor slower than proving,
 * a verification that serialises the results, transfers, and failed
 * attempts up to the bound. Every run books all rank-time (proving +
 * losses = ranks x wall). */
#include <math.h>
#include <string.h>

#include "bench/sched_sim.h"
#include "testutil.h"

#define EPS 1e-9
#define ANY NAN /* a figure the case does not check */

typedef struct {
    const char *what;
    /* the run: prove_s is 10 */
    unsigned ranks;
    uint64_t segments;
    int no_local;
    double exec_s, verify_s, snapshot_bytes, proof_bytes, bandwidth;
    /* what it must give */
    double wall, first_proof, efficiency, r0_exec, r0_verify, r0_msg;
    double lost_exec, lost_tail, lost_transfer, lost_no_prover;
    const char *bound;
} sim_case;

static const sim_case cases_by_hand[] = {
    /* 4 ranks (rank 0 proving too), 8 equal tasks, nothing else costs: two
     * rounds of proving, efficiency 1, the first proof after one */
    {"equal tasks", 4, 8, 0, 0, 0, 0, 0, 0, 20, 10, 1, 0, 0, 0, 0, 0, 0, 0, "proving"},
    /* 9 tasks: a third round with one rank busy, three idle at the tail */
    {"one task more", 4, 9, 0, 0, 0, 0, 0, 0, 30, 10, 90.0 / 120, 0, 0, 0, 0, 30, 0, 0, "tail"},
    /* without the local prover rank 0 only coordinates */
    {"no local prover", 5, 8, 1, 0, 0, 0, 0, 0, 20, 10, 0.8, 0, 0, 0, 0, 0, 0, 20, "rank 0 idle"},
    /* executing a segment takes half a proof: the queue (bound 4) fills at
     * 5, 10, 15, 20 s before anything is handed out; the four are proven
     * by 30 s while rank 0 executes the next four (until 40 s: the results
     * wait), which are done at 50 s */
    {"slow executor", 4, 8, 0, 5, 0, 0, 0, 0, 50, 40, 0.4, 40, 0, 0, 120, 0, 0, 0, "executor"},
    /* verifying takes 5 s on rank 0: the second round goes out at 10 s,
     * as soon as the first round's results are in, and the first round is
     * checked meanwhile (10..30 s, the first proof at 15 s); the second
     * round's results (in at 20 s) wait for their checks until 50 s, the
     * four ranks idle for 30 s each (lost to verification, none to the
     * tail). Before the checks came after the handing out, the second
     * round waited for the first round's checks: 60 s. */
    {"serial verification", 4, 8, 0, 0, 5, 0, 0, 0, 50, 15, 80.0 / 200, 0, 40, 0, 0, 0, 0, 0, "verification"},
    /* 1 MB snapshots, 2 MB proofs, 1 MB/s each way: rank 1 starts at 1 s,
     * rank 2 at 2 s (the sends queue); rank 1's proof takes 2 s to
     * receive (in at 13 s), rank 2's is in at 15 s, both checked then (the
     * first proof at 15 s: every message waiting is received first); rank
     * 0 has no task (tail: 15 s, and rank 1 for 2 s) */
    {"transfers", 3, 2, 0, 0, 0, 1e6, 2e6, 1e6, 15, 15, 20.0 / 45, 0, 0, 4, 0, 17, 3, 0, "tail"},
};

static void expect(const char *what, const char *figure, double got, double want)
{
    if (isnan(want) || fabs(got - want) <= EPS * (1 + fabs(want))) return;
    fprintf(stderr, "\n  %s: %s %.9g, want %.9g\n", what, figure, got, want);
    CU_FAIL("a figure of the simulation is off");
}

static void check_books(const char *what, const ssim_params *p, const ssim_result *r)
{
    double sum = r->prove + r->wasted + r->lost_exec + r->lost_verify + r->lost_starved + r->lost_transfer +
                 r->lost_tail + r->lost_no_prover;
    expect(what, "booked rank-time", sum, (double)p->ranks * r->wall);
}

static void base(ssim_params *p, unsigned ranks, uint64_t segments)
{
    ssim_params_default(p);
    p->ranks = ranks;
    p->segments = segments;
    p->prove_s = 10;
}

static void test_by_hand(void)
{
    for (size_t i = 0; i < sizeof cases_by_hand / sizeof cases_by_hand[0]; i++) {
        const sim_case *k = &cases_by_hand[i];
        ssim_params p;
        base(&p, k->ranks, k->segments);
        p.local = !k->no_local;
        p.exec_s = k->exec_s;
        p.verify_s = k->verify_s;
        p.snapshot_bytes = k->snapshot_bytes;
        p.proof_bytes = k->proof_bytes;
        p.bandwidth = k->bandwidth;
        ssim_result r;
        CU_ASSERT_EQUAL_FATAL(ssim_run(&r, &p), 0);
        CU_ASSERT_EQUAL(r.accepted, k->segments);
        expect(k->what, "wall", r.wall, k->wall);
        expect(k->what, "first proof", r.first_proof, k->first_proof);
        expect(k->what, "efficiency", r.efficiency, k->efficiency);
        expect(k->what, "rank 0 executing", r.r0_exec, k->r0_exec);
        expect(k->what, "rank 0 verifying", r.r0_verify, k->r0_verify);
        expect(k->what, "rank 0 receiving", r.r0_msg, k->r0_msg);
        expect(k->what, "lost to the executor", r.lost_exec, k->lost_exec);
        expect(k->what, "lost at the tail", r.lost_tail, k->lost_tail);
        expect(k->what, "lost to transfers", r.lost_transfer, k->lost_transfer);
        expect(k->what, "lost without a local prover", r.lost_no_prover, k->lost_no_prover);
        expect(k->what, "rank 0 busy", r.r0_busy, (r.r0_exec + r.r0_verify + r.r0_msg) / r.wall);
        check_books(k->what, &p, &r);
        if (strcmp(r.bound, k->bound)) {
            fprintf(stderr, "\n  %s: bound '%s', want '%s'\n", k->what, r.bound, k->bound);
            CU_FAIL("wrong bound");
        }
    }
}

/* Every attempt fails: rank 1, then rank 0 (rank 1 failed it), then rank 1
 * again (both have): the third failure stops the job at 30 s. Some
 * failures: every segment is still proven once, the retries paid. */
static void test_failures(void)
{
    ssim_params p;
    base(&p, 2, 1);
    p.fail_rate = 1;
    ssim_result r;
    CU_ASSERT_EQUAL_FATAL(ssim_run(&r, &p), 0);
    CU_ASSERT(r.stopped);
    CU_ASSERT_EQUAL(r.failed_attempts, 3);
    CU_ASSERT_EQUAL(r.accepted, 0);
    expect("all fail", "wall", r.wall, 30);
    CU_ASSERT_STRING_EQUAL(r.bound, "stopped");

    base(&p, 8, 200);
    p.fail_rate = 0.1;
    p.max_attempts = 16;
    p.seed = 7;
    CU_ASSERT_EQUAL_FATAL(ssim_run(&r, &p), 0);
    CU_ASSERT(!r.stopped);
    CU_ASSERT_EQUAL(r.accepted, 200);
    CU_ASSERT(r.failed_attempts > 0);
    expect("some fail", "wasted", r.wasted, 10.0 * (double)r.failed_attempts);
    expect("some fail", "proving", r.prove, 2000);
    check_books("some fail", &p, &r);
}

int main(void)
{
    static const test_case cases[] = {
        {"cases worked out by hand", test_by_hand},
        {"failed attempts: retries and the bound", test_failures},
        {NULL, NULL},
    };
    return test_run_suite("bench_sched_sim", cases);
}
