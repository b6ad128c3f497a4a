/* The coordinator's scheduling policy alone (coordinator/sched.h): queue
 * order, a retried task in front of newer ones, never the same rank twice
 * while another can take the task, the attempt bound, the back-pressure
 * bound and the deadlines. No MPI, no clock. */
#include <stdlib.h>
#include <string.h>

#include "coordinator/sched.h"
#include "testutil.h"

#define NR 4
#define NT 8

static sched s;
static sched_rank rk[NR];
static sched_task tk[NT];

/* nranks ranks: workers 1.. idle and usable, rank 0 as `local` says. */
static void setup(int nranks, int local, unsigned max_attempts, size_t bound)
{
    sched_init(&s, rk, nranks, max_attempts, bound, 0, 0);
    memset(tk, 0, sizeof tk);
    for (int r = 1; r < nranks; r++) {
        rk[r].usable = 1;
        sched_idle(&s, r, 0);
    }
    if (local) {
        rk[0].usable = 1;
        sched_idle(&s, 0, 0);
    }
}

static void add(int n)
{
    for (int i = 0; i < n; i++) sched_add(&s, &tk[s.next_id]);
}

/* Oldest first; idle workers in rank order, rank 0 last. */
static void test_order(void)
{
    setup(3, 1, 3, 0);
    add(4);
    CU_ASSERT_EQUAL(tk[0].id, 1);
    CU_ASSERT_EQUAL(tk[3].id, 4);
    CU_ASSERT_EQUAL(s.npending, 4);
    int r = -1;
    sched_task *t = sched_match(&s, &r);
    CU_ASSERT_PTR_EQUAL(t, &tk[0]);
    CU_ASSERT_EQUAL(r, 1);
    sched_assign(&s, r, t, 1.0);
    CU_ASSERT_EQUAL(rk[1].st, SCHED_BUSY);
    CU_ASSERT_EQUAL(rk[1].task, 1);
    CU_ASSERT_EQUAL(s.npending, 3);
    t = sched_match(&s, &r);
    CU_ASSERT_PTR_EQUAL(t, &tk[1]);
    CU_ASSERT_EQUAL(r, 2);
    sched_assign(&s, r, t, 1.0);
    t = sched_match(&s, &r);
    CU_ASSERT_PTR_EQUAL(t, &tk[2]);
    CU_ASSERT_EQUAL(r, 0);
    sched_assign(&s, r, t, 1.0);
    CU_ASSERT_PTR_NULL(sched_match(&s, &r)); /* nobody idle */
    /* a finished task leaves; its rank asks again and gets the next */
    CU_ASSERT_PTR_EQUAL(sched_attempt_over(&s, 2, 0), &tk[1]);
    sched_remove(&s, &tk[1]);
    CU_ASSERT_PTR_NULL(sched_find(&s, 2));
    sched_idle(&s, 2, 2.0);
    CU_ASSERT_PTR_EQUAL(sched_match(&s, &r), &tk[3]);
    CU_ASSERT_EQUAL(r, 2);
}

/* A failed task goes back before the newer ones, to another rank; the
 * rank that failed it gets a newer task instead. */
static void test_retry_in_front(void)
{
    setup(3, 0, 3, 0);
    add(3);
    int r;
    sched_task *t = sched_match(&s, &r);
    CU_ASSERT_EQUAL_FATAL(r, 1);
    sched_assign(&s, 1, t, 0);
    rk[1].st = SCHED_READY;
    CU_ASSERT_PTR_EQUAL(sched_attempt_over(&s, 1, 0), &tk[0]);
    CU_ASSERT_EQUAL(tk[0].running, 0);
    CU_ASSERT_EQUAL(sched_fail(&s, &tk[0], 1), 0);
    CU_ASSERT(tk[0].pending);
    CU_ASSERT_EQUAL(s.npending, 3);
    CU_ASSERT(sched_failed_on(&s, &tk[0], 1));
    CU_ASSERT(!sched_failed_on(&s, &tk[0], 2));
    /* rank 1 asks again: not task 1 (rank 2 can take it) but task 2 */
    sched_idle(&s, 1, 0);
    CU_ASSERT_PTR_EQUAL(sched_pick(&s, 1), &tk[1]);
    CU_ASSERT_PTR_EQUAL(sched_pick(&s, 2), &tk[0]);
    t = sched_match(&s, &r);
    CU_ASSERT_PTR_EQUAL(t, &tk[1]);
    CU_ASSERT_EQUAL(r, 1);
    sched_assign(&s, r, t, 0);
    t = sched_match(&s, &r);
    CU_ASSERT_PTR_EQUAL(t, &tk[0]); /* the retried task before task 3 */
    CU_ASSERT_EQUAL(r, 2);
}

/* Only when every rank that can prove has failed a task does a rank get
 * it again; a rank out of the job does not count. */
static void test_same_rank_again(void)
{
    setup(3, 0, 5, 0);
    add(1);
    int r;
    sched_assign(&s, 1, &tk[0], 0);
    sched_attempt_over(&s, 1, 0);
    sched_fail(&s, &tk[0], 1);
    sched_idle(&s, 1, 0);
    rk[2].st = SCHED_BUSY; /* rank 2 busy elsewhere: rank 1 must not take it */
    CU_ASSERT_PTR_NULL(sched_pick(&s, 1));
    CU_ASSERT_PTR_NULL(sched_match(&s, &r));
    rk[2].usable = 0; /* rank 2 refused: only rank 1 is left */
    CU_ASSERT_EQUAL(sched_provers(&s), 1);
    CU_ASSERT_PTR_EQUAL(sched_match(&s, &r), &tk[0]);
    CU_ASSERT_EQUAL(r, 1);
    rk[2].usable = 1;
    rk[2].st = SCHED_GONE; /* gone counts as out too */
    CU_ASSERT_PTR_EQUAL(sched_pick(&s, 1), &tk[0]);
    /* both failed it: either may take it */
    rk[2].st = SCHED_IDLE;
    sched_fail(&s, &tk[0], 2);
    CU_ASSERT_PTR_EQUAL(sched_pick(&s, 1), &tk[0]);
    CU_ASSERT_PTR_EQUAL(sched_pick(&s, 2), &tk[0]);
}

/* The max_attempts-th failure stops the job; a task another rank still
 * runs (a late one was handed out again) is not queued twice. */
static void test_attempt_bound(void)
{
    setup(4, 0, 3, 0);
    add(1);
    for (int i = 1; i <= 2; i++) {
        sched_assign(&s, i, &tk[0], 0);
        sched_attempt_over(&s, 1, 0);
        CU_ASSERT_EQUAL(sched_fail(&s, &tk[0], i), 0);
        CU_ASSERT_EQUAL(s.npending, 1);
    }
    sched_assign(&s, 3, &tk[0], 0);
    sched_attempt_over(&s, 1, 0);
    CU_ASSERT_EQUAL(sched_fail(&s, &tk[0], 3), 1);
    CU_ASSERT_EQUAL(tk[0].failures, 3);

    setup(4, 0, 3, 0);
    add(1);
    sched_assign(&s, 1, &tk[0], 0);
    sched_assign(&s, 2, &tk[0], 0); /* cannot be pending twice: assign a second copy by hand */
    s.npending = 0;
    sched_attempt_over(&s, 1, 0);
    CU_ASSERT_EQUAL(sched_fail(&s, &tk[0], 1), 0);
    CU_ASSERT(!tk[0].pending); /* rank 2 still runs it */
    CU_ASSERT_EQUAL(s.npending, 0);
}

/* The source is asked for more only while fewer than the bound are
 * pending: one per prover by default (at least one), or queue_bound. */
static void test_back_pressure(void)
{
    setup(4, 1, 3, 0);
    CU_ASSERT_EQUAL(sched_provers(&s), 4);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT(sched_wants_more(&s));
        add(1);
    }
    CU_ASSERT(!sched_wants_more(&s));
    int r;
    sched_task *t = sched_match(&s, &r);
    sched_assign(&s, r, t, 0);
    CU_ASSERT(sched_wants_more(&s)); /* running tasks do not count */
    rk[2].usable = 0;
    rk[3].usable = 0;
    CU_ASSERT(!sched_wants_more(&s)); /* 3 pending, 2 provers */

    setup(3, 0, 3, 2);
    add(2);
    CU_ASSERT(!sched_wants_more(&s));
    setup(2, 0, 3, 0);
    rk[1].usable = 0; /* no prover: still one task at a time */
    CU_ASSERT(sched_wants_more(&s));
    add(1);
    CU_ASSERT(!sched_wants_more(&s));
}

/* Deadlines at a given "now": silent at start, late, then given up on. */
static void test_deadlines(void)
{
    sched_init(&s, rk, 3, 3, 0, 10, 100);
    memset(tk, 0, sizeof tk);
    sched_task *t;
    rk[1].usable = rk[2].usable = 1; /* both STARTING since 0 */
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 1, 100, &t), SCHED_DL_NONE);
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 1, 101, &t), SCHED_DL_SILENT);
    CU_ASSERT_EQUAL(rk[1].st, SCHED_GONE);
    CU_ASSERT_EQUAL(sched_provers(&s), 1);
    rk[2].st = SCHED_READY;
    sched_idle(&s, 2, 50);
    add(1);
    sched_assign(&s, 2, &tk[0], 60);
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 2, 70, &t), SCHED_DL_NONE);
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 2, 70.5, &t), SCHED_DL_LATE);
    CU_ASSERT_PTR_EQUAL(t, &tk[0]);
    CU_ASSERT_EQUAL(tk[0].running, 0);
    CU_ASSERT_EQUAL(rk[2].st, SCHED_LATE);
    CU_ASSERT(sched_can_prove(&s, 2)); /* late ranks count until given up on */
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 2, 80, &t), SCHED_DL_NONE);
    CU_ASSERT_EQUAL(sched_check_deadline(&s, 2, 81, &t), SCHED_DL_GIVEN_UP);
    CU_ASSERT_EQUAL(rk[2].st, SCHED_GONE);
    CU_ASSERT_EQUAL(sched_provers(&s), 0);
    /* a late rank's answer does not count its attempt off twice */
    tk[0].running = 1;
    CU_ASSERT_PTR_EQUAL(sched_attempt_over(&s, 1, 1), &tk[0]);
    CU_ASSERT_EQUAL(tk[0].running, 1);
}

int main(void)
{
    static const test_case cases[] = {
        {"oldest first, workers in rank order, rank 0 last", test_order},
        {"a retried task goes before newer ones, to another rank", test_retry_in_front},
        {"the same rank again only when every rank has failed it", test_same_rank_again},
        {"the attempt bound", test_attempt_bound},
        {"back-pressure: the queue bound", test_back_pressure},
        {"deadlines given now", test_deadlines},
        {NULL, NULL},
    };
    return test_run_suite("mpi_sched", cases);
}
