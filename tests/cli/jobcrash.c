/* The storage side of cairn prove, driven alone for the crash tests
 * (run_resume.sh crash): it stores the results of a proven job again
 * through the same calls cairn prove makes (jobs_open, jobs_put with
 * checkpoints, jobs_finish), without proving, so that a test can kill it
 * at many moments in seconds.
 *
 *   cli_jobcrash replay REF.h5 JOB.h5 SEED
 *       a new job at JOB.h5 with REF's description, REF's segment results
 *       put in an order drawn from SEED, a checkpoint whenever the proven
 *       prefix doubles (from 1), then finished with REF's final state and
 *       journal. With CAIRN_TEST_KILL_AT=N it kills itself (SIGKILL) at
 *       its N-th storage step (jobs_test_kill_at); at the end it prints
 *       "steps: S" (the steps it took).
 *   cli_jobcrash check REF.h5 JOB.h5 SEED
 *       after a killed replay: the job must open for resuming with no
 *       stored result set aside (a crash leaves no damaged record) and no
 *       temporary file left, and every stored result must be REF's, byte
 *       for byte; then it is completed like cairn prove --resume would
 *       (the missing results in the same order) and finished. Prints
 *       "file: none|checkpoint|final" (the job file as the kill left it)
 *       and "stored: K of N".
 *   cli_jobcrash probe REF.h5 JOB.h5 SEED
 *       the checks of check, without completing the job (after a killed
 *       cairn prove, whose deterministic proofs are REF's).
 *   cli_jobcrash timed REF.h5 JOB.h5 RANKS [partial]
 *       REF's results stored again as a finished job with known timing,
 *       for cairn report's tests (run_report.sh): segment i is executed
 *       at T0 + 0.5 s * (i + 1), its proof takes (i % 3 + 1) * 0.25 s on
 *       the rank of 0..RANKS-1 that is free first (the lowest of equals),
 *       handed to it when both are ready. With "partial", the odd
 *       segments carry no times (as written before they were recorded).
 * Exit 0 when done, 1 when a check fails (the message says which), 2 on a
 * usage error. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/proofs.h"
#include "common/util.h"
#include "jobs/jobs.h"

#define MAX_SEGMENTS 4096

typedef struct {
    h5s_reader *r;
    jobs_desc desc;
    uint8_t *elf, *journal;
    size_t elf_len, journal_len;
    uint64_t nseg, cycles;
    rv_state final;
    uint64_t order[MAX_SEGMENTS];
} ref_job;

/* Field by field: the struct has padding, which memcmp would compare. */
static int claim_same(const h5s_claim *a, const h5s_claim *b)
{
    return a->po2 == b->po2 && a->cycles == b->cycles && !memcmp(a->start, b->start, sizeof a->start) &&
           !memcmp(a->end, b->end, sizeof a->end);
}

static int die(const char *what)
{
    fprintf(stderr, "cli_jobcrash: %s: %s\n", what, cairn_last_error());
    return 1;
}

static int load_ref(ref_job *ref, const char *path, uint64_t seed)
{
    memset(ref, 0, sizeof *ref);
    if (h5s_open(&ref->r, path) != CAIRN_OK) return die("reference job");
    h5s_program_info pi;
    h5s_program_get(ref->r, &pi);
    uint64_t fin[H5S_STATE_ELEMS];
    if (!h5s_params_get(ref->r, &ref->desc.params) || !h5s_input_digest_get(ref->r, ref->desc.input_digest) ||
        !h5s_final_get(ref->r, fin, &ref->cycles)) {
        fprintf(stderr, "cli_jobcrash: %s is not a finished cairn prove job\n", path);
        return 1;
    }
    if (h5s_read_elf(ref->r, &ref->elf, &ref->elf_len) != CAIRN_OK ||
        h5s_read_journal(ref->r, &ref->journal, &ref->journal_len) != CAIRN_OK ||
        cli_state_from_elems(&ref->final, fin) != CAIRN_OK)
        return die("reference job");
    ref->desc.elf = ref->elf;
    ref->desc.elf_len = ref->elf_len;
    memcpy(ref->desc.image_id, pi.image_id, 32);
    ref->desc.entry = pi.entry;
    ref->nseg = h5s_segment_count(ref->r);
    if (ref->nseg == 0 || ref->nseg > MAX_SEGMENTS) {
        fprintf(stderr, "cli_jobcrash: %" PRIu64 " segments (1..%d)\n", ref->nseg, MAX_SEGMENTS);
        return 1;
    }
    /* a seeded shuffle: results arrive out of order */
    rng_t g;
    rng_seed(&g, seed);
    for (uint64_t i = 0; i < ref->nseg; i++) ref->order[i] = i;
    for (uint64_t i = ref->nseg - 1; i > 0; i--) {
        uint64_t k = rng_u64(&g) % (i + 1), t = ref->order[i];
        ref->order[i] = ref->order[k];
        ref->order[k] = t;
    }
    return 0;
}

static void free_ref(ref_job *ref)
{
    h5s_close(ref->r);
    free(ref->elf);
    free(ref->journal);
}

/* REF's result for segment i (its buffers: *snap and *proof, to free). */
static int ref_result(ref_job *ref, uint64_t i, jobs_result *out, uint8_t **snap, uint8_t **proof)
{
    h5s_segment_meta m;
    h5s_task t;
    int has_task;
    size_t sl, pl;
    if (h5s_segment(ref->r, i, &m) != CAIRN_OK || h5s_segment_task(ref->r, i, &has_task, &t) != CAIRN_OK ||
        h5s_read_snapshot(ref->r, i, snap, &sl) != CAIRN_OK || h5s_read_proof(ref->r, i, proof, &pl) != CAIRN_OK)
        return die("reference segment");
    memset(out, 0, sizeof *out);
    out->index = i;
    out->snapshot = *snap;
    out->snapshot_len = sl;
    out->proof = *proof;
    out->proof_len = pl;
    if (jobs_claim_from_h5s(&out->claim, &m.claim) != CAIRN_OK) return die("reference claim");
    out->rank = t.rank;
    out->seconds = (double)t.ns / 1e9;
    out->exec_ns = t.exec_ns;
    out->start_ns = t.start_ns;
    return 0;
}

/* Known timing (the timed mode): a list schedule over nranks ranks. */
#define TIMED_T0 UINT64_C(1764000000000000000)
#define MAX_RANKS 16

typedef struct {
    uint32_t rank;
    uint64_t ns, exec_ns, start_ns;
} timing;

static timing *g_timing; /* NULL: REF's own */

static void schedule(timing *t, uint64_t nseg, unsigned nranks, int partial)
{
    uint64_t free_at[MAX_RANKS];
    for (unsigned r = 0; r < nranks; r++) free_at[r] = TIMED_T0;
    for (uint64_t i = 0; i < nseg; i++) {
        unsigned best = 0;
        for (unsigned r = 1; r < nranks; r++)
            if (free_at[r] < free_at[best]) best = r;
        uint64_t exec = TIMED_T0 + 500000000u * (i + 1), ns = 250000000u * (i % 3 + 1);
        uint64_t start = exec > free_at[best] ? exec : free_at[best];
        free_at[best] = start + ns;
        int untimed = partial && i % 2 == 1;
        t[i] = (timing){best, ns, untimed ? 0 : exec, untimed ? 0 : start};
    }
}

/* Puts REF's results that the job lacks, in REF's order, and finishes. */
static int complete(ref_job *ref, jobs_job *j)
{
    for (uint64_t k = 0; k < ref->nseg; k++) {
        uint64_t i = ref->order[k];
        if (jobs_state(j, i) == JOBS_SEG_PROVEN) continue;
        jobs_result r;
        uint8_t *snap = NULL, *proof = NULL;
        int bad = ref_result(ref, i, &r, &snap, &proof);
        if (g_timing) {
            r.rank = g_timing[i].rank;
            r.seconds = (double)g_timing[i].ns / 1e9;
            r.exec_ns = g_timing[i].exec_ns;
            r.start_ns = g_timing[i].start_ns;
        }
        cairn_err e = bad ? CAIRN_OK : jobs_put(j, &r);
        free(snap);
        free(proof);
        if (bad) return 1;
        if (e != CAIRN_OK) return die("jobs_put");
    }
    if (jobs_finish(j, ref->nseg, &ref->final, ref->cycles, ref->journal, ref->journal_len, NULL) != CAIRN_OK)
        return die("jobs_finish");
    return 0;
}

typedef struct {
    int ignored;
} events;

static void on_event(void *arg, const jobs_event *e)
{
    events *ev = arg;
    if (e->kind == JOBS_EV_IGNORED) {
        ev->ignored++;
        fprintf(stderr, "cli_jobcrash: %s\n", e->msg);
    }
}

/* The folder holds only job.rec and segment records after opening. */
static int folder_clean(const char *job)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s%s", job, JOBS_DIR_SUFFIX);
    DIR *d = opendir(dir);
    if (!d) return 1; /* no folder: nothing stray */
    struct dirent *de;
    int ok = 1;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "job.rec")) continue;
        if (strncmp(n, "seg-", 4) || strlen(n) != 17 || strcmp(n + 13, ".rec")) {
            fprintf(stderr, "cli_jobcrash: %s holds %s after opening\n", dir, n);
            ok = 0;
        }
    }
    closedir(d);
    return ok;
}

static int same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    return al == bl && (al == 0 || !memcmp(a, b, al));
}

/* What the job file is after the kill: none, a checkpoint or final. */
static const char *file_state(const char *job)
{
    h5s_reader *r;
    if (h5s_open(&r, job) != CAIRN_OK) return "none";
    uint64_t fin[H5S_STATE_ELEMS], cyc;
    const char *s = h5s_final_get(r, fin, &cyc) ? "final" : "checkpoint";
    h5s_close(r);
    return s;
}

static int check(ref_job *ref, const char *job, int finish)
{
    printf("file: %s\n", file_state(job));
    events ev = {0};
    jobs_opts o = {.checkpoint_first = 1, .on_event = on_event, .event_arg = &ev};
    jobs_job *j;
    if (jobs_open(&j, job, &ref->desc, JOBS_RESUME, &o) != CAIRN_OK) return die("the killed job does not open");
    int bad = 0;
    if (ev.ignored) {
        fprintf(stderr, "cli_jobcrash: %d stored results were damaged by the kill\n", ev.ignored);
        bad = 1;
    }
    if (!folder_clean(job)) bad = 1;
    uint64_t stored = 0;
    for (uint64_t i = 0; i < ref->nseg && !bad; i++) {
        if (jobs_state(j, i) != JOBS_SEG_PROVEN) continue;
        stored++;
        jobs_stored st;
        jobs_result r;
        uint8_t *snap = NULL, *proof = NULL;
        if (jobs_get(j, i, &st) != CAIRN_OK) {
            bad = die("a stored result cannot be read");
            break;
        }
        if (!ref_result(ref, i, &r, &snap, &proof)) {
            h5s_claim hc;
            jobs_claim_to_h5s(&hc, &r.claim);
            if (!same(st.snapshot, st.snapshot_len, r.snapshot, r.snapshot_len) ||
                !same(st.proof, st.proof_len, r.proof, r.proof_len) || !claim_same(&st.claim, &hc)) {
                fprintf(stderr, "cli_jobcrash: segment %" PRIu64 ": the stored result is not the reference's\n", i);
                bad = 1;
            }
        } else {
            bad = 1;
        }
        free(snap);
        free(proof);
        jobs_stored_free(&st);
    }
    printf("stored: %" PRIu64 " of %" PRIu64 "\n", stored, ref->nseg);
    if (!bad && finish) bad = complete(ref, j);
    jobs_close(j);
    return bad;
}

int main(int argc, char **argv)
{
    int timed = argc >= 2 && !strcmp(argv[1], "timed");
    if (timed ? argc != 5 && !(argc == 6 && !strcmp(argv[5], "partial"))
              : argc != 5 || (strcmp(argv[1], "replay") && strcmp(argv[1], "check") && strcmp(argv[1], "probe"))) {
        fprintf(stderr, "usage: cli_jobcrash replay|check|probe REF.h5 JOB.h5 SEED\n"
                        "       cli_jobcrash timed REF.h5 JOB.h5 RANKS [partial]\n");
        return 2;
    }
    unsigned long nranks = timed ? strtoul(argv[4], NULL, 10) : 0;
    if (timed && (nranks == 0 || nranks > MAX_RANKS)) {
        fprintf(stderr, "cli_jobcrash: RANKS must be 1..%d\n", MAX_RANKS);
        return 2;
    }
    const char *kill_at = getenv("CAIRN_TEST_KILL_AT");
    if (kill_at) jobs_test_kill_at(strtoull(kill_at, NULL, 10));
    ref_job ref;
    int rc = load_ref(&ref, argv[2], timed ? 0 : strtoull(argv[4], NULL, 10));
    static timing t[MAX_SEGMENTS];
    if (rc == 0 && timed) {
        schedule(t, ref.nseg, (unsigned)nranks, argc == 6);
        g_timing = t;
    }
    if (rc == 0 && (timed || !strcmp(argv[1], "replay"))) {
        jobs_opts o = {.checkpoint_first = 1};
        jobs_job *j;
        if (jobs_open(&j, argv[3], &ref.desc, JOBS_NEW, &o) != CAIRN_OK) {
            rc = die("jobs_open");
        } else {
            rc = complete(&ref, j);
            jobs_close(j);
        }
        if (!timed) printf("steps: %" PRIu64 "\n", jobs_test_steps());
    } else if (rc == 0) {
        rc = check(&ref, argv[3], !strcmp(argv[1], "check"));
    }
    free_ref(&ref);
    return rc;
}
