/* cairn prove: runs an RV32IM ELF and proves every segment as the executor
 * delivers it:
 *
 *   cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]
 *               [--exact-po2] [--preset P] [-o job.h5 [--resume] [--checkpoint N]]
 *               [--task-deadline S] [--attempts N] [--no-local]
 *               [--checkpoint-wait S] [--json] [-q]
 *
 * One process, or many under mpirun / srun --mpi=pmix (DESIGN.md
 * "Distribution"): rank 0 runs the executor and the coordinator
 * (coordinator/coord.h), the other ranks are workers (worker/worker.h).
 * Without a launcher the same coordinator runs with its local prover alone
 * (no MPI_Init): one code path for both. The executor runs segment by
 * segment (rv_run_segment, with the segment machine's budgets from
 * jobs_machine_new, so every segment fits the fixed shape of its proof) as
 * the coordinator's task source: it runs only as far ahead of the provers
 * as the coordinator's queue bound (back-pressure), and the snapshots
 * handed out wait in memory until their proof is back (one per task in
 * flight: bounded by the ranks). Every proof, rank 0's too, is verified by
 * the coordinator before it is stored.
 *
 * stdout: the guest's journal byte for byte, as cairn exec; stderr: its fd
 * 2 writes, a line per segment, a progress line on a terminal and a
 * summary, or with --json one JSON event per line instead (below; none of
 * them with -q). With -o the job is stored as it goes (jobs/jobs.h): each
 * proof is on disk in the record folder job.h5.d/ as soon as it is
 * verified, the job file is checkpointed now and then and written whole at
 * the end (ELF, journal, each segment's snapshot, proof, claim, rank and
 * time, the parameters and the final state, for cairn verify), and the
 * folder is then removed. --resume continues a stored job: the program is
 * run again (cheap), and a segment whose stored result is still valid (its
 * claim and snapshot are the re-executed segment's and its proof verifies)
 * is not proven again.
 *
 * --json events on stderr (stdout is the journal), one object a line:
 *   {"event": "segment_executed", "segment": i, "cycles": n, "halted": b}
 *   {"event": "segment_reused", "segment": i, "proof_bytes": n}
 *   {"event": "segment_ignored", "segment": i, "reason": "..."}
 *   {"event": "task_started", "task": "prove", "segment": i, "rank": r, "attempt": a}
 *   {"event": "task_finished", "task": "prove", "segment": i, "rank": r,
 *    "seconds": s, "proof_bytes": n, "attempt": a}
 *   {"event": "retry", "task": "prove", "segment": i, "rank": r, "attempt": a,
 *    "why": "failed"|"rejected"|"late", "reason": "..."}
 *   {"event": "rank_ready", "rank": r, "info": "..."}
 *   {"event": "rank_out", "rank": r, "reason": "..."}
 *   {"event": "checkpoint", "segments": n}
 *   {"event": "notice", "message": "..."}
 *   {"event": "stopped", "signal": "USR1"|"TERM", "seconds": s, "in_flight": n,
 *    "lost": n, "proven": n}    (a checkpoint on a signal, below)
 *   {"event": "done", ...the summary...}
 *
 * Exit status: 0 when every segment is proven (whatever the guest's exit
 * code, which the summary shows); after a guest fault qemu-user's status
 * (132, 135, 139) as cairn exec, and no job file; 2 for usage and input
 * errors, a job that cannot be resumed (another program, input or
 * parameters; a damaged job file), storage errors and a job stopped by
 * failing tasks (what is stored stays for --resume); 1 if cairn's own
 * checks of a proof it made fail; 3 (EXIT_CHECKPOINTED) after a checkpoint
 * on a signal. Under mpirun the launcher reports rank 0's status.
 *
 * The fold (cli/fold.h; without --no-fold, with -o): the coordinator's
 * source asks the fold for its next lift or join before it runs the
 * executor for a new segment, and the sink gives each verified segment
 * proof to the fold (it queues its lift) and each verified lift or join
 * to the fold (it stores the node and makes the next join). One code path
 * in one process and under MPI: lifts and joins run on any rank, rank 0's
 * local prover included, and the coordinator checks them like segment
 * proofs (worker/task.h). The source answers "none yet" while the tree
 * waits for results and "done" once the final node exists, which then
 * goes to /proof.
 *
 * --json events of the fold:
 *   {"event": "task_finished", "task": "lift"|"join", "level": l, "index": i,
 *    "rank": r, "seconds": s, "proof_bytes": n}
 *   {"event": "fold_reused", "task": "lift"|"join", "level": l, "index": i,
 *    "proof_bytes": n}
 *   task_started and retry events of lift and join tasks name "level" and
 *   "index" in place of "segment".
 *
 * Checkpoint on a signal (issue 11; Slurm sends SIGUSR1 before a time
 * limit when asked with --signal, SIGTERM at the limit and on scancel):
 * rank 0's handler only sets a flag (stop_signal); the coordinator then
 * stops executing and handing out tasks, waits for the tasks in flight
 * (--checkpoint-wait, coord.h "Stopping early"), every result it got is
 * already stored, and cairn prove exits with status 3 after printing how
 * long the checkpoint took. The other ranks ignore both signals (srun
 * forwards a signal to every task, and SIGUSR1's default action ends the
 * process): they finish their task and are then shut down by rank 0. */
#include <inttypes.h>
#include <mpi.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/error.h"
#include "commands.h"
#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "coordinator/coord.h"
#include "fold.h"
#include "jobs/jobs.h"
#include "progress.h"
#include "proofs.h"
#include "worker/worker.h"

static const char USAGE[] =
    "usage: cairn prove PROGRAM.elf [--input FILE|-] [--max-input BYTES] [--segment-po2 K]\n"
    "                   [--exact-po2] [--preset proven-100|conjectured-100|test] [-o job.h5 [--resume]\n"
    "                   [--checkpoint N]] [--task-deadline S] [--attempts N] [--no-local]\n"
    "                   [--checkpoint-wait S] [--no-fold] [--json] [-q]\n"
    "       mpirun -np N cairn prove ...   |   srun --mpi=pmix cairn prove ...\n";

static const char HELP[] =
    "\nRuns an RV32IM program cut into segments and proves each segment as it\n"
    "completes. The journal (fd 1) goes to stdout as with cairn exec; fd 2, one\n"
    "line per proven segment, a progress line (on a terminal) and a summary\n"
    "(cycles, segments, time, kHz, proof bytes, proven and conjectured security\n"
    "bits) to stderr.\n\n"
    "Under mpirun or srun --mpi=pmix, rank 0 executes the program, hands the\n"
    "segments, and the fold's lifts and joins, to the other ranks as they ask for\n"
    "work, verifies every proof they return and stores it; it proves too when no\n"
    "worker is waiting. Each rank\n"
    "proves with OpenMP threads (OMP_NUM_THREADS, or the cores it is bound to).\n\n"
    "  --input FILE|-     private input read by the guest from fd 0 (default empty)\n"
    "  --max-input BYTES  refuse a larger input (default 1073741824, 1 GiB)\n"
    "  --segment-po2 K    segments of at most 2^K cycles (4..24, default 20); a\n"
    "                     segment may end earlier to fit its proof's tables. A run\n"
    "                     that halts within one segment is proven in the smallest\n"
    "                     segment from 2^14 up that holds it (a notice says so)\n"
    "  --exact-po2        segments of 2^K even for such a run\n"
    "  --preset P         proof parameters: proven-100 (default), conjectured-100,\n"
    "                     or test (fast, no meaningful security: tests only)\n"
    "  -o FILE.h5         store the job: every proof as soon as it is verified (in\n"
    "                     the record folder FILE.h5.d/), and at the end the job file\n"
    "                     (program, journal, snapshots, proofs, claims, ranks and\n"
    "                     times, parameters, final state) for cairn verify; the\n"
    "                     folder is then removed. An unfinished job at FILE.h5 is\n"
    "                     refused without --resume; a finished job file there is\n"
    "                     replaced by the new job\n"
    "  --resume           continue the job stored at FILE.h5 (start it if there is\n"
    "                     none): the program runs again and only segments without a\n"
    "                     valid stored proof are proven. The program, input, preset\n"
    "                     and segment size must be the job's (else exit 2 naming the\n"
    "                     difference); a damaged job file is refused, never replaced\n"
    "  --checkpoint N     write the job file from the stored proofs once segments\n"
    "                     0..N-1 are proven, then each time that prefix doubles\n"
    "                     (default 64; 0: only at the end)\n"
    "  --task-deadline S  a rank that holds a task longer than S seconds is late:\n"
    "                     its task goes to another rank, and a rank silent for a\n"
    "                     second deadline is given up on (for mpirun\n"
    "                     --enable-recovery; default 0: wait as long as it takes)\n"
    "  --attempts N       failed attempts of a task (error, rejected proof,\n"
    "                     deadline) before the job stops (1..16, default 3)\n"
    "  --no-local         rank 0 only executes and verifies; the workers prove\n"
    "                     (needs at least two ranks)\n"
    "  --checkpoint-wait S  on SIGUSR1 or SIGTERM (Slurm: --signal, time limit,\n"
    "                     scancel) stop executing and handing out segments, wait\n"
    "                     at most S seconds for the proofs in flight, keep what\n"
    "                     is stored and exit 3 (1..3600, default 60; rank 0's own\n"
    "                     proof in flight is always waited for)\n"
    "  --no-fold          with -o, keep the segment proofs only: no final proof.\n"
    "                     By default the segment proofs are folded (lifted as they\n"
    "                     are proven, joined pairwise left to right) into one\n"
    "                     final recursion proof stored as /proof in the job file\n"
    "                     (cairn verify checks it alone; cairn export writes it to\n"
    "                     a small file); every lift and join is stored as it is\n"
    "                     made and reused by --resume. Lifts and joins are tasks\n"
    "                     like segments: under MPI any rank makes them, a join as\n"
    "                     soon as its two children exist\n"
    "  --json             JSON on stderr (stdout is the journal): one event a line\n"
    "                     (segment_executed, segment_reused, segment_ignored,\n"
    "                     task_started, task_finished, retry, rank_ready, rank_out,\n"
    "                     checkpoint, notice, stopped) and the summary as the event \"done\"\n"
    "  -q                 no progress, events or summary\n\n"
    "Exit status: 0 every segment proven; 132/135/139 after a guest fault (as\n"
    "qemu-riscv32; nothing is proven or kept); 2 usage or input error, a job that\n"
    "cannot be resumed, a storage error, or a task that failed on every attempt\n"
    "(what is stored stays for --resume); 1 a proof cairn made failed its checks;\n"
    "3 stopped by SIGUSR1/SIGTERM after storing what was proven (--resume ends it).\n";

/* The signal that asked for a checkpoint (0: none); set by the handler
 * only (async-signal-safe), read by the coordinator each pass. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* Rank 0: SIGUSR1 and SIGTERM ask for a checkpoint. Other ranks: both are
 * ignored (see the top of the file). */
static void catch_stop_signals(int coordinator)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = coordinator ? on_stop_signal : SIG_IGN;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* A snapshot handed to the coordinator, kept until its proof is back
 * (the job file stores it with the proof). */
typedef struct held {
    struct held *next;
    uint64_t index, cycles;
    unsigned po2, tail; /* its size; tail: smaller than the run's (rv_air.h "Tails") */
    uint8_t *bytes;
    size_t len;
    uint64_t exec_ns;                      /* when it was executed (Unix ns) */
    uint64_t start_ns[COORD_MAX_ATTEMPTS]; /* when each attempt was handed out */
    int start_rank[COORD_MAX_ATTEMPTS];
    unsigned nstarts;
} held;

typedef struct {
    jobs_job *job;
    int quiet, json;
    unsigned po2; /* the run's segment size */
    cli_progress bar;
    /* the executor (the coordinator's source) */
    rv_machine *m;
    rv_result res;
    int halted;     /* the run is over: the source is done */
    cairn_err fault; /* CAIRN_ERR_FAULT once rv_run_segment reported one */
    held *next;     /* the segment rv_run_segment just delivered (not reused) */
    held *out;      /* handed out, proof not back yet */
    /* counts */
    uint64_t nseg, proven, reused, proof_bytes, retries;
    double prove_sec;
    /* the fold (cli/fold.h): NULL with --no-fold or without -o */
    cli_fold *fold;
    rc_fold_node final;
    double fold_keys_sec;
} prove_ctx;

static void held_free(held *h)
{
    if (!h) return;
    free(h->bytes);
    free(h);
}

/* Text on stderr: the progress line is taken away first. */
static void say(prove_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(prove_ctx *c, const char *fmt, ...)
{
    cli_progress_clear(&c->bar);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void json_event_str(const char *name, const char *key, uint64_t index, const char *field, const char *text)
{
    fprintf(stderr, "{\"event\": \"%s\", \"%s\": %" PRIu64 ", \"%s\": ", name, key, index, field);
    cli_json_str(stderr, text);
    fprintf(stderr, "}\n");
}

/* A notice: a line on stderr, or the event "notice" with --json. */
static void job_notice(prove_ctx *c, const char *msg)
{
    if (c->quiet) return;
    if (c->json) {
        fprintf(stderr, "{\"event\": \"notice\", \"message\": ");
        cli_json_str(stderr, msg);
        fprintf(stderr, "}\n");
    } else {
        say(c, "cairn prove: %s\n", msg);
    }
}

static void on_job_event(void *arg, const jobs_event *e)
{
    prove_ctx *c = arg;
    switch (e->kind) {
    case JOBS_EV_STORED: return;
    case JOBS_EV_IGNORED:
        /* a damaged or invalid stored result is worth saying even with -q */
        if (c->json && !c->quiet) json_event_str("segment_ignored", "segment", e->index, "reason", e->msg);
        else say(c, "cairn prove: %s\n", e->msg);
        return;
    case JOBS_EV_CHECKPOINT:
        if (c->quiet) return;
        if (c->json) fprintf(stderr, "{\"event\": \"checkpoint\", \"segments\": %" PRIu64 "}\n", e->count);
        else say(c, "cairn prove: %s\n", e->msg);
        return;
    case JOBS_EV_NOTICE: job_notice(c, e->msg); return;
    }
}

/* The guest's writes: fd 2 must not land in the middle of the progress
 * line. */
typedef struct {
    jobs_output out;
    prove_ctx *c;
} guest_output;

static void on_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    guest_output *g = arg;
    if (fd != 1 && len) cli_progress_clear(&g->c->bar);
    jobs_output_write(&g->out, fd, buf, len);
}

/* A segment whose stored proof is reused: it joins the fold like a new
 * one. */
static cairn_err fold_stored(prove_ctx *c, uint64_t index)
{
    if (!c->fold) return CAIRN_OK;
    jobs_stored st;
    FORWARD_IF_ERROR(jobs_get(c->job, index, &st));
    rv_seg_claim cl;
    cairn_err e = jobs_claim_from_h5s(&cl, &st.claim);
    if (e == CAIRN_OK) e = cli_fold_segment(c->fold, index, &cl);
    jobs_stored_free(&st);
    return e;
}

static void on_fold_event(void *arg, const cli_fold_event *e)
{
    prove_ctx *c = arg;
    if (c->quiet) return;
    if (c->json && e->reused)
        fprintf(stderr,
                "{\"event\": \"fold_reused\", \"task\": \"%s\", \"level\": %u, \"index\": %" PRIu64
                ", \"proof_bytes\": %zu}\n",
                e->task, e->level, e->index, e->proof_bytes);
    else if (c->json)
        fprintf(stderr,
                "{\"event\": \"task_finished\", \"task\": \"%s\", \"level\": %u, \"index\": %" PRIu64
                ", \"rank\": %d, \"seconds\": %.6f, \"proof_bytes\": %zu}\n",
                e->task, e->level, e->index, e->rank, e->seconds, e->proof_bytes);
    else if (e->reused)
        say(c, "cairn prove: %s %u/%" PRIu64 ": stored proof reused\n", e->task, e->level, e->index);
    else
        say(c, "cairn prove: %s %u/%" PRIu64 ": %.2f s on rank %d, %zu proof bytes\n", e->task, e->level, e->index,
            e->seconds, e->rank, e->proof_bytes);
}

/* The executor delivered segment s: reuse a stored proof, or keep the
 * encoded snapshot for the coordinator. */
static cairn_err on_segment(void *arg, const rv_snapshot *s)
{
    prove_ctx *c = arg;
    int show = !c->quiet;
    if (show && c->json)
        fprintf(stderr, "{\"event\": \"segment_executed\", \"segment\": %" PRIu64 ", \"cycles\": %" PRIu64
                        ", \"halted\": %s}\n",
                s->index, s->cycles, s->end.halted ? "true" : "false");
    c->nseg++;
    c->bar.executed++;
    c->bar.cycles_total += s->cycles;
    cli_progress_update(&c->bar, 0);
    if (c->job) {
        int reused;
        size_t plen;
        FORWARD_IF_ERROR(jobs_reuse(c->job, s, &reused, &plen));
        if (reused) {
            c->reused++;
            c->proof_bytes += plen;
            c->bar.proven++;
            c->bar.cycles_done += s->cycles;
            if (show && c->json)
                fprintf(stderr, "{\"event\": \"segment_reused\", \"segment\": %" PRIu64 ", \"proof_bytes\": %zu}\n",
                        s->index, plen);
            else if (show)
                say(c, "cairn prove: segment %" PRIu64 ": %" PRIu64 " cycles, stored proof reused%s\n", s->index,
                    s->cycles, s->end.halted ? " (halted)" : "");
            return fold_stored(c, s->index);
        }
    }
    held *h = cairn_calloc(1, sizeof *h);
    RETURN_ERROR_IF(!h, CAIRN_ERR_NOMEM, "out of memory for segment %" PRIu64, s->index);
    h->index = s->index;
    h->cycles = s->cycles;
    h->po2 = s->segment_po2;
    h->tail = s->end.halted && s->segment_po2 < c->po2;
    h->exec_ns = unix_ns();
    cairn_err e = rv_snapshot_encode(&h->bytes, &h->len, s);
    if (e != CAIRN_OK) {
        free(h);
        return e;
    }
    c->next = h;
    return CAIRN_OK;
}

/* The source once the run is over: the fold's last tasks, then done. */
static cairn_err source_after_run(prove_ctx *c, coord_next *status, coord_task *task)
{
    *status = COORD_NEXT_DONE;
    if (!c->fold) return CAIRN_OK;
    int got;
    FORWARD_IF_ERROR(cli_fold_next(c->fold, &got, task));
    if (got) {
        *status = COORD_NEXT_TASK;
        return CAIRN_OK;
    }
    if (cli_fold_done(c->fold)) return CAIRN_OK;
    /* results still to come make the fold's next tasks */
    RETURN_ERROR_IF(!c->out && !cli_fold_in_flight(c->fold), CAIRN_ERR_INTERNAL,
                    "fold: the run is over, no task is in flight and the tree is not finished");
    *status = COORD_NEXT_NONE_YET;
    return CAIRN_OK;
}

/* The coordinator's source: the fold's next lift or join first (so the
 * tree, and rank 0's memory, stays small), else one segment per call. */
static cairn_err source_next(void *arg, coord_next *status, coord_task *task)
{
    prove_ctx *c = arg;
    *status = COORD_NEXT_DONE;
    if (c->halted) return source_after_run(c, status, task);
    if (c->fold) {
        int got;
        FORWARD_IF_ERROR(cli_fold_next(c->fold, &got, task));
        if (got) {
            *status = COORD_NEXT_TASK;
            return CAIRN_OK;
        }
    }
    cairn_err e = rv_run_segment(c->m, &c->res);
    if (e != CAIRN_OK) {
        held_free(c->next);
        c->next = NULL;
        if (e == CAIRN_ERR_FAULT) c->fault = e;
        return cairn_prefix_error(e, "executor");
    }
    if (c->res.final.halted) {
        c->halted = 1;
        c->bar.total = c->nseg;
        if (c->fold) FORWARD_IF_ERROR(cli_fold_total(c->fold, c->res.segments));
    }
    held *h = c->next;
    if (!h) {
        /* reused, or halted exactly at the last segment's end */
        if (c->halted) return source_after_run(c, status, task);
        *status = COORD_NEXT_NONE_YET;
        return CAIRN_OK;
    }
    uint8_t *copy = cairn_malloc(h->len);
    RETURN_ERROR_IF(!copy, CAIRN_ERR_NOMEM, "out of memory for segment %" PRIu64, h->index);
    memcpy(copy, h->bytes, h->len);
    c->next = NULL;
    h->next = c->out;
    c->out = h;
    task->kind = CMSG_TASK_PROVE_SEGMENT;
    task->index = h->index;
    task->payload = copy;
    task->payload_len = h->len;
    *status = COORD_NEXT_TASK;
    return CAIRN_OK;
}

/* A verified proof: store it with its snapshot (a segment's), or give it
 * to the fold (a lift's or join's: it stores it). */
static cairn_err sink_put(void *arg, const coord_result *r)
{
    prove_ctx *c = arg;
    if (r->kind != CMSG_TASK_PROVE_SEGMENT) {
        RETURN_ERROR_IF(!c->fold, CAIRN_ERR_INTERNAL, "a %s result without a fold", cmsg_task_kind_name(r->kind));
        return cli_fold_put(c->fold, r);
    }
    held **pp = &c->out;
    while (*pp && (*pp)->index != r->index) pp = &(*pp)->next;
    RETURN_ERROR_IF(!*pp, CAIRN_ERR_INTERNAL, "a proof of segment %" PRIu64 " that was not handed out", r->index);
    held *h = *pp;
    *pp = h->next;
    c->proven++;
    c->prove_sec += r->seconds;
    c->proof_bytes += r->proof_len;
    c->bar.proven++;
    c->bar.cycles_done += h->cycles;
    if (!c->quiet && c->json)
        fprintf(stderr,
                "{\"event\": \"task_finished\", \"task\": \"prove\", \"segment\": %" PRIu64
                ", \"rank\": %d, \"seconds\": %.6f, \"proof_bytes\": %zu, \"attempt\": %u}\n",
                r->index, r->rank, r->seconds, r->proof_len, r->attempt);
    else if (!c->quiet) {
        char tail[48] = "";
        if (h->tail) snprintf(tail, sizeof tail, " (the last, proven at 2^%u)", h->po2);
        say(c, "cairn prove: segment %" PRIu64 ": %" PRIu64 " cycles%s, %.2f s on rank %d, %zu proof bytes\n",
            r->index, h->cycles, tail, r->seconds, r->rank, r->proof_len);
    }
    /* the event first (the task is over); then the proof is stored, with
     * when the attempt that made it was handed out */
    uint64_t start = 0;
    for (unsigned i = h->nstarts; i-- > 0;)
        if (h->start_rank[i] == r->rank) {
            start = h->start_ns[i];
            break;
        }
    cairn_err err = CAIRN_OK;
    if (c->job) {
        jobs_result jr = {.index = r->index,
                          .snapshot = h->bytes,
                          .snapshot_len = h->len,
                          .proof = r->proof,
                          .proof_len = r->proof_len,
                          .claim = r->seg,
                          .rank = (uint32_t)r->rank,
                          .seconds = r->seconds,
                          .exec_ns = h->exec_ns,
                          .start_ns = start};
        err = jobs_put(c->job, &jr);
    }
    held_free(h);
    /* stored first: a fold that fails loses no segment proof */
    if (err == CAIRN_OK && c->fold) err = cli_fold_segment(c->fold, r->index, &r->seg);
    cli_progress_update(&c->bar, 0);
    return err;
}

/* What a task is about, for messages ("segment 3", "join 2/1") and JSON
 * ("\"segment\": 3", "\"level\": 2, \"index\": 1"); the task's name in
 * events: "prove", "lift", "join". */
static const char *task_name(uint32_t kind)
{
    return kind == CMSG_TASK_PROVE_SEGMENT ? "prove" : cmsg_task_kind_name(kind);
}

static void task_what(char *out, size_t n, uint32_t kind, uint64_t index, int json)
{
    const unsigned level = (unsigned)(index >> CLI_FOLD_LEVEL_SHIFT);
    const uint64_t i = index & ((UINT64_C(1) << CLI_FOLD_LEVEL_SHIFT) - 1);
    if (kind == CMSG_TASK_PROVE_SEGMENT)
        snprintf(out, n, json ? "\"segment\": %" PRIu64 : "segment %" PRIu64, index);
    else if (json)
        snprintf(out, n, "\"level\": %u, \"index\": %" PRIu64, level, i);
    else
        snprintf(out, n, "%s %u/%" PRIu64, task_name(kind), level, i);
}

static void on_coord_event(void *arg, const coord_event *ev)
{
    prove_ctx *c = arg;
    char what[64];
    task_what(what, sizeof what, ev->kind, ev->index, c->json);
    static const char *why[] = {[COORD_EV_FAILED] = "failed", [COORD_EV_REJECTED] = "rejected",
                                [COORD_EV_LATE] = "late"};
    switch (ev->type) {
    case COORD_EV_ASSIGNED: {
        held *h = ev->kind == CMSG_TASK_PROVE_SEGMENT ? c->out : NULL;
        while (h && h->index != ev->index) h = h->next;
        if (h && h->nstarts < COORD_MAX_ATTEMPTS) {
            h->start_ns[h->nstarts] = unix_ns();
            h->start_rank[h->nstarts++] = ev->rank;
        }
        if (!c->quiet && c->json)
            fprintf(stderr, "{\"event\": \"task_started\", \"task\": \"%s\", %s, \"rank\": %d, \"attempt\": %u}\n",
                    task_name(ev->kind), what, ev->rank, ev->attempt);
        cli_progress_update(&c->bar, 0);
        return;
    }
    case COORD_EV_FAILED:
    case COORD_EV_REJECTED:
    case COORD_EV_LATE:
        /* a failed attempt is worth saying even with -q */
        c->retries++;
        if (c->json && !c->quiet) {
            fprintf(stderr,
                    "{\"event\": \"retry\", \"task\": \"%s\", %s, \"rank\": %d, \"attempt\": %u, \"why\": "
                    "\"%s\", \"reason\": ",
                    task_name(ev->kind), what, ev->rank, ev->attempt, why[ev->type]);
            cli_json_str(stderr, ev->text);
            fprintf(stderr, "}\n");
        } else {
            say(c, "cairn prove: %s: attempt %u on rank %d %s: %s\n", what, ev->attempt, ev->rank, why[ev->type],
                ev->text);
        }
        return;
    case COORD_EV_READY:
        if (!c->quiet && c->json) json_event_str("rank_ready", "rank", (uint64_t)ev->rank, "info", ev->text);
        return;
    case COORD_EV_REFUSED:
        if (c->json && !c->quiet) json_event_str("rank_out", "rank", (uint64_t)ev->rank, "reason", ev->text);
        else say(c, "cairn prove: rank %d is out: %s\n", ev->rank, ev->text);
        return;
    case COORD_EV_ACCEPTED:
    case COORD_EV_DISCARDED: return;
    }
}

/* ---- MPI ---- */

/* Whether a launcher started this process as one rank of several. A
 * process started by srun without an MPI plugin cannot know its peers:
 * each would run the whole job alone (and write the same job file), so
 * that is refused. */
static int mpi_launched(const cli_ctx *c, int *status)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    const char *n = getenv("SLURM_STEP_NUM_TASKS");
    if (n && strtoul(n, NULL, 10) > 1 && getenv("SLURM_PROCID")) {
        cli_ctx nc = *c; /* not a command-line error: no usage lines */
        nc.usage = NULL;
        *status = cli_fail(&nc, EXIT_USAGE, CAIRN_ERR_USAGE,
                           "started by srun as one of %s tasks without an MPI plugin: use srun --mpi=pmix", n);
        return -1;
    }
    return 0;
}

/* A worker's keys, built from the command line every rank parsed while
 * rank 0 builds its own (before its hello): the worker then answers the
 * hello at once and its first task starts with rank 0's. Built after the
 * hello, the worker started a key build later than rank 0 (at po2 18,
 * 9 s on a loaded 2-core machine: the 2-rank job's tail waited for it;
 * issue 9). Best effort: the hello's parameters decide (the key cache
 * rv_air keeps is per parameters), an error here is only a lost head
 * start. */
static void prebuild_keys(const char *preset, unsigned po2)
{
    stark_params p;
    uint8_t digest[CMSG_DIGEST_BYTES];
    if (cli_preset(&p, preset, po2) == CAIRN_OK) wrk_vk_digest(digest, po2, &p);
    cairn_clear_error();
}

/* Ranks 1..N-1: serve the coordinator until it lets go. *lost: ranks the
 * coordinator gave up on (end without MPI_Finalize, as rank 0 does). */
static int run_worker(int rank, unsigned *lost)
{
    wrk_opts wo = {.comm = MPI_COMM_WORLD};
    *lost = 0;
    cairn_err e = wrk_hooks_from_env(&wo.hooks, rank);
    if (e == CAIRN_OK) e = wrk_run(&wo, lost);
    if (e == CAIRN_OK) return EXIT_OK;
    fprintf(stderr, "cairn prove: rank %d: %s\n", rank, cairn_last_error());
    /* a refusal was reported to the coordinator, which goes on without
     * this rank: a nonzero status would make mpirun abort every rank */
    return e == CAIRN_ERR_UNSUPPORTED ? EXIT_OK : EXIT_USAGE;
}


/* The fold's part of the summary (nothing without a fold). */
static void fold_summary(const prove_ctx *c, int json)
{
    if (!c->fold) return;
    cli_fold_stats fs;
    cli_fold_get_stats(c->fold, &fs);
    uint8_t rb[32];
    char rh[65];
    p2_digest root = rc_fold_ctrl(cli_fold_ctx(c->fold));
    rv_digest_bytes(rb, &root);
    cli_hex(rh, rb, 32);
    if (json) {
        fprintf(stderr,
                ", \"fold_lifts\": %" PRIu64 ", \"fold_lifts_reused\": %" PRIu64 ", \"fold_joins\": %" PRIu64
                ", \"fold_joins_reused\": %" PRIu64 ", \"fold_lift_sec\": %.6f, \"fold_join_sec\": %.6f"
                ", \"fold_keys_sec\": %.6f, \"final_reused\": %s, \"final_proof_bytes\": %zu, \"control_root\": \"%s\"",
                fs.lifts, fs.lifts_reused, fs.joins, fs.joins_reused, fs.lift_sec, fs.join_sec, c->fold_keys_sec,
                fs.final_reused ? "true" : "false", c->final.len, rh);
    } else if (c->final.proof) {
        fprintf(stderr,
                "cairn prove: final proof %zu bytes (%s): %" PRIu64 " lifts (%.2f s) and %" PRIu64
                " joins (%.2f s) made, %" PRIu64 " and %" PRIu64 " reused%s; keys %.2f s\n",
                c->final.len, c->final.kind ? "a join" : "a lift", fs.lifts, fs.lift_sec, fs.joins, fs.join_sec,
                fs.lifts_reused, fs.joins_reused, fs.final_reused ? ", the stored final proof reused" : "",
                c->fold_keys_sec);
        fprintf(stderr, "cairn prove: control root %s\n", rh);
    }
}

/* The summary line(s) of a run that ended (err: how). */
static void summary(const prove_ctx *c, cairn_err err, int status, double dt, const char *preset, uint64_t po2,
                    const stark_security_bits *sec, const char *id_hex, const coord_stats *st, const char *out_path)
{
    const rv_result *res = &c->res;
    double khz = dt > 0 ? res->cycles / dt / 1e3 : 0;
    const char *outcome = err == CAIRN_OK          ? (st->stopped ? "stopped" : "exit")
                          : err == CAIRN_ERR_FAULT ? "fault"
                                                   : "error";
    if (c->json) {
        fprintf(stderr,
                "{\"event\": \"done\", \"outcome\": \"%s\", \"status\": %d, \"exit_code\": %u, \"cycles\": %" PRIu64
                ", \"segments\": %" PRIu64 ", \"proven\": %" PRIu64 ", \"reused\": %" PRIu64 ", \"segment_po2\": %" PRIu64
                ", \"preset\": ",
                outcome, status, res->final.exit_code, res->cycles, c->nseg, c->proven, c->reused, po2);
        cli_json_str(stderr, preset);
        fprintf(stderr,
                ", \"wall_sec\": %.6f, \"prove_sec\": %.6f, \"khz\": %.3f, \"proof_bytes\": %" PRIu64
                ", \"proven_bits\": %.2f, \"conjectured_bits\": %.2f, \"image_id\": \"%s\", \"journal_bytes\": %" PRIu64
                ", \"input_bytes\": %" PRIu64 ", \"ranks\": %u, \"failed_attempts\": %" PRIu64 ", \"peak_rss_mb\": %.1f",
                dt, c->prove_sec, khz, c->proof_bytes, sec->proven, sec->conjectured, id_hex, res->final.journal_len,
                res->final.input_pos, st->ranks, st->failed_attempts, (double)peak_rss_bytes() / (1 << 20));
        /* where rank 0's CPU went (coord.h coord_stats): the figures of
         * cairn bench cluster's "rank 0" lines */
        fprintf(stderr,
                ", \"coord_cpu_sec\": %.6f, \"coord_exec_cpu_sec\": %.6f, \"coord_check_cpu_sec\": %.6f"
                ", \"coord_store_cpu_sec\": %.6f, \"coord_wakeups\": %" PRIu64
                ", \"local_cpu_sec\": %.6f, \"local_task_sec\": %.6f",
                st->cpu, st->cpu_source, st->cpu_check, st->cpu_sink, st->wakeups, st->local_cpu, st->local_task);
        /* rank 0's prover: what it needs and may hold (coord.h "Memory") */
        fprintf(stderr, ", \"mem_need_mb\": %.1f, \"mem_limit_mb\": %.1f", (double)st->mem_need / (1 << 20),
                (double)st->mem_limit / (1 << 20));
        fold_summary(c, 1);
        if (err == CAIRN_ERR_FAULT)
            fprintf(stderr, ", \"fault\": \"%s\", \"fault_pc\": %u, \"fault_insn\": %u, \"fault_addr\": %u",
                    rv_fault_name(res->fault.kind), res->fault.pc, res->fault.insn, res->fault.addr);
        fprintf(stderr, "}\n");
    } else if (err == CAIRN_OK && st->stopped) {
        fprintf(stderr,
                "cairn prove: stopped after %" PRIu64 " segments executed (%" PRIu64 " proven, %" PRIu64
                " reused), %.2f s on %u rank%s\n",
                c->nseg, c->proven, c->reused, dt, st->ranks, st->ranks == 1 ? "" : "s");
    } else if (err == CAIRN_OK) {
        fprintf(stderr,
                "cairn prove: exit code %u, %" PRIu64 " cycles, %" PRIu64 " segments of 2^%" PRIu64 " (%" PRIu64
                " proven, %" PRIu64 " reused), %.2f s (%.2f s proving on %u rank%s), %.1f kHz\n",
                res->final.exit_code, res->cycles, c->nseg, po2, c->proven, c->reused, dt, c->prove_sec, st->ranks,
                st->ranks == 1 ? "" : "s", khz);
        fprintf(stderr, "cairn prove: %" PRIu64 " proof bytes, %s: %.1f proven / %.1f conjectured security bits\n",
                c->proof_bytes, preset, sec->proven, sec->conjectured);
        fprintf(stderr, "cairn prove: image ID %s%s%s\n", id_hex, out_path ? ", job file " : "",
                out_path ? out_path : "");
        fold_summary(c, 0);
    }
}

/* A decimal number from the environment (SLURM_JOB_ID, ...); 0 when
 * unset or not a number. */
static uint64_t env_u64(const char *name)
{
    const char *v = getenv(name);
    uint64_t n = 0;
    if (!v || cli_parse_u64(&n, name, v, 0, UINT64_MAX) != CAIRN_OK) {
        cairn_clear_error();
        return 0;
    }
    return n;
}

/* After a checkpoint on a signal: how long it took and what it kept;
 * said even with -q (the job is not finished). */
static void stopped_report(const prove_ctx *c, const coord_stats *st, const char *out_path)
{
    const char *sig = stop_signal == SIGTERM ? "TERM" : "USR1";
    if (c->json) {
        fprintf(stderr,
                "{\"event\": \"stopped\", \"signal\": \"%s\", \"seconds\": %.3f, \"in_flight\": %u, \"lost\": %u"
                ", \"proven\": %" PRIu64 "}\n",
                sig, st->stop_seconds, st->stop_in_flight, st->stop_lost, c->proven);
    } else {
        fprintf(stderr,
                "cairn prove: checkpoint on SIG%s in %.2f s: %u of %u proofs in flight stored, %" PRIu64
                " proofs stored by this run%s%s\n",
                sig, st->stop_seconds, st->stop_in_flight - st->stop_lost, st->stop_in_flight, c->proven,
                out_path ? "; continue with --resume -o " : " (no -o: nothing kept)", out_path ? out_path : "");
    }
}

/* CAIRN_TEST_KILL_AT=N (tests only): die by SIGKILL at the N-th storage
 * step of the job (jobs_test_kill_at). */
static int test_kill_hook(void)
{
    const char *v = getenv("CAIRN_TEST_KILL_AT");
    uint64_t n;
    if (!v || cli_parse_u64(&n, "CAIRN_TEST_KILL_AT", v, 1, UINT64_MAX) != CAIRN_OK) return 0;
    jobs_test_kill_at(n);
    return 1;
}

int cmd_prove(int argc, char **argv)
{
    const char *elf_path = NULL, *input_path = NULL, *out_path = NULL, *preset = CLI_DEFAULT_PRESET;
    uint64_t po2 = RV_DEFAULT_SEGMENT_PO2, asked_po2 = 0, max_input = CLI_DEFAULT_MAX_INPUT, checkpoint = JOBS_DEFAULT_CHECKPOINT;
    uint64_t deadline = 0, attempts = 3, ckpt_wait = 60, attempt_t0 = 0;
    int json = 0, quiet = 0, resume = 0, no_local = 0, no_fold = 0, exact_po2 = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn prove", USAGE, stderr, argc, argv);
    const cli_opt opts[] = {
        {"--input", CLI_STR, &input_path, 0, 0, NULL},
        {"--max-input", CLI_U64, &max_input, 0, CLI_MAX_INPUT_LIMIT, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--exact-po2", CLI_FLAG, &exact_po2, 0, 0, NULL},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"-o", CLI_STR, &out_path, 0, 0, NULL},
        {"--resume", CLI_FLAG, &resume, 0, 0, NULL},
        {"--checkpoint", CLI_U64, &checkpoint, 0, H5S_MAX_SEGMENTS, NULL},
        {"--task-deadline", CLI_U64, &deadline, 0, 7 * 86400, NULL},
        {"--attempts", CLI_U64, &attempts, 1, COORD_MAX_ATTEMPTS, NULL},
        {"--no-local", CLI_FLAG, &no_local, 0, 0, NULL},
        {"--no-fold", CLI_FLAG, &no_fold, 0, 0, NULL},
        {"--checkpoint-wait", CLI_U64, &ckpt_wait, 1, 3600, NULL},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"-q", CLI_FLAG, &quiet, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int r;
    if (!cli_parse_command(&c, opts, &elf_path, argc, argv, HELP, &r)) return r;
    if (!elf_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no program given");
    if (resume && !out_path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--resume needs the job file (-o FILE.h5)");

    /* every rank parsed the same command line; from here rank 0 alone
     * reads the program and writes the job */
    int status = EXIT_USAGE, rank = 0, nranks = 1;
    int mpi = mpi_launched(&c, &status);
    if (mpi < 0) return status;
    if (!mpi) catch_stop_signals(1);
    if (mpi) {
        int provided = 0;
        if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_IO, "MPI_Init_thread failed");
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &nranks);
        if (provided < MPI_THREAD_FUNNELED) {
            /* every rank sees the same level: all stop */
            status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_UNSUPPORTED, "MPI gives no MPI_THREAD_FUNNELED");
            MPI_Finalize();
            return status;
        }
        catch_stop_signals(rank == 0);
        if (rank > 0) {
            prebuild_keys(preset, (unsigned)po2);
            unsigned lost;
            status = run_worker(rank, &lost);
            if (lost) { /* see the end of rank 0 below */
                fflush(stdout);
                fflush(stderr);
                _exit(status);
            }
            MPI_Finalize();
            rv_air_keys_release();
            rc_fold_release();
            return status;
        }
    }

    cli_program pg = {0};
    prove_ctx ctx = {.quiet = quiet, .json = json};
    guest_output gout = {.out = {.journal = stdout, .log = stderr, .keep = out_path != NULL}, .c = &ctx};
    coord_stats st = {.ranks = (unsigned)nranks};
    cairn_err err = CAIRN_OK;
    stark_security_bits sec;
    int kill_hook = test_kill_hook(), started = 0;
    coord_opts co;
    coord_opts_default(&co);
    cli_progress_init(&ctx.bar, stderr, !quiet && !json);

    if ((err = cli_preset(&co.params, preset, (unsigned)po2)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if (no_local && nranks < 2) {
        status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--no-local needs workers (run under mpirun -np N, N >= 2)");
        goto done;
    }
    if (out_path && (err = cli_check_output("-o", out_path))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    if ((status = cli_program_load(&pg, &c, elf_path, input_path, max_input)) != EXIT_OK) goto done;
    status = EXIT_USAGE;
    if (!exact_po2) {
        /* a run that halts within one segment is proven in the smallest
         * segment that holds it (jobs_fit_po2): a short program pays for
         * its own size, not 2^po2. Deterministic, so --resume finds the
         * same size again */
        unsigned k;
        if ((err = jobs_fit_po2(&k, pg.prog, pg.input, pg.input_len, JOBS_FIT_MIN_PO2, (unsigned)po2)) != CAIRN_OK) {
            status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
            goto done;
        }
        if (k != po2) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "the run fits one segment of 2^%u cycles: proven at that size, not 2^%" PRIu64
                     " (--exact-po2 keeps 2^%" PRIu64 ")",
                     k, po2, po2);
            job_notice(&ctx, msg);
            asked_po2 = po2;
            po2 = k;
            if ((err = cli_preset(&co.params, preset, k)) != CAIRN_OK) {
                status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
                goto done;
            }
        }
    }
    /* the machine's key and its security figures before the run: they
     * do not depend on the program */
    if ((err = cli_segment_security(&sec, (unsigned)po2, &co.params)) != CAIRN_OK) {
        status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
        goto done;
    }
    if (nranks < 2) {
        /* alone, a process that cannot hold a segment proof says so before
         * it makes a job (under mpirun the coordinator counts every rank:
         * coord.h "Memory") */
        rv_air_mem need;
        const uint64_t limit = wrk_mem_limit();
        if ((err = rv_air_prove_mem(&need, (unsigned)po2, &co.params)) != CAIRN_OK) {
            status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
            goto done;
        }
        const uint64_t total = (uint64_t)need.key + (uint64_t)need.segment;
        if (limit && total > limit) {
            status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_LIMIT,
                              "proving segments of 2^%" PRIu64 " needs %.2f GiB (key %.2f + segment %.2f) and this "
                              "process may hold %.2f GiB (its memory, cgroup, ulimit or CAIRN_MEM_LIMIT): use a "
                              "smaller --segment-po2",
                              po2, (double)total / (1 << 30), (double)need.key / (1 << 30),
                              (double)need.segment / (1 << 30), (double)limit / (1 << 30));
            goto done;
        }
    }
    jobs_desc desc;
    char id_hex[65];
    if ((err = jobs_desc_make(&desc, pg.elf, pg.elf_len, pg.prog, pg.input, pg.input_len, preset, &co.params,
                              (unsigned)po2))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    cli_hex(id_hex, desc.image_id, 32);
    if (out_path) {
        jobs_opts jo = {.checkpoint_first = checkpoint, .on_event = on_job_event, .event_arg = &ctx};
        if ((err = jobs_open(&ctx.job, out_path, &desc, resume ? JOBS_RESUME : JOBS_NEW, &jo))) {
            /* about the stored job, not the command line: no usage lines */
            cli_ctx jc = c;
            jc.usage = NULL;
            if (asked_po2) /* the size it compared is not the one typed */
                status = cli_fail(&jc, EXIT_USAGE, err,
                                  "%s (the run fits one segment of 2^%" PRIu64 "; --exact-po2 keeps --segment-po2 %" PRIu64
                                  ")",
                                  cairn_last_error(), po2, asked_po2);
            else
                status = cli_fail(&jc, EXIT_USAGE, err, "%s", cairn_last_error());
            goto done;
        }
        /* in a Slurm job, this run is an attempt of the job (jobs.h
         * "attempts"): its job ID, restart count and time are recorded.
         * Outside Slurm nothing is (the record folder holds what it always
         * did). */
        uint64_t slurm_id = env_u64("SLURM_JOB_ID");
        attempt_t0 = slurm_id ? unix_ns() : 0;
        if (slurm_id && (err = jobs_attempt_begin(ctx.job, slurm_id, env_u64("SLURM_RESTART_COUNT"), attempt_t0))) {
            status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
            goto done;
        }
    }
    if (ctx.job && !no_fold) {
        /* one path with or without MPI: the fold's lifts and joins are
         * tasks of the coordinator (cli/fold.h); rank 0 builds the fold's
         * keys before the run (it checks every result), a worker on its
         * first recursion task */
        double tk = now_sec();
        if ((err = cli_fold_new(&ctx.fold, preset, (unsigned)po2, ctx.job, on_fold_event, &ctx)) != CAIRN_OK) {
            status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
            goto done;
        }
        ctx.fold_keys_sec = now_sec() - tk;
        /* what folding adds to a rank's segment need: the recursion keys
         * and traces, and the part of the recursion prover's buffers that
         * the segment prover's (one workspace per thread) do not cover */
        rv_air_mem seg;
        if ((err = rv_air_prove_mem(&seg, (unsigned)po2, &co.params)) != CAIRN_OK) {
            status = cli_fail(&c, cli_status(err), err, "%s", cairn_last_error());
            goto done;
        }
        co.fold_mem = rc_fold_add_mem(cli_fold_ctx(ctx.fold), seg.workspace);
    }
    ctx.po2 = (unsigned)po2;
    if ((err = jobs_machine_new(&ctx.m, pg.prog, (unsigned)po2, !exact_po2, pg.input, pg.input_len, on_segment, &ctx,
                                on_write, &gout))) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    co.comm = mpi ? MPI_COMM_WORLD : MPI_COMM_NULL;
    co.po2 = (unsigned)po2;
    co.local = !no_local;
    co.max_attempts = (unsigned)attempts;
    co.task_deadline = (double)deadline;
    co.on_event = on_coord_event;
    co.event_arg = &ctx;
    co.stop_request = &stop_signal;
    co.stop_wait = (double)ckpt_wait;
    if ((err = wrk_hooks_from_env(&co.local_hooks, 0)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, err, "%s", cairn_last_error());
        goto done;
    }
    double t0 = now_sec();
    coord_source src = {source_next, &ctx};
    coord_sink sink = {sink_put, &ctx};
    started = 1;
    err = coord_run(&co, &src, &sink, &st);
    cli_progress_update(&ctx.bar, 1);
    cli_progress_clear(&ctx.bar);
    fflush(stdout);
    /* the attempt's time, stored before the job file is written */
    if (ctx.job && attempt_t0 && jobs_attempt_end(ctx.job, unix_ns() - attempt_t0) != CAIRN_OK)
        fprintf(stderr, "cairn prove: recording the attempt's time: %s\n", cairn_last_error());
    if (err == CAIRN_OK && st.stopped) {
        status = EXIT_CHECKPOINTED;
        stopped_report(&ctx, &st, out_path);
    } else if (err == CAIRN_OK) {
        status = EXIT_OK;
        if (gout.out.io_error) {
            /* said below; what is stored stays for --resume */
        } else if (ctx.job) {
            /* the fold's last nodes; the final proof goes to /proof */
            h5s_fold_proof fp;
            if (ctx.fold) {
                err = cli_fold_final(ctx.fold, &ctx.final);
                if (err == CAIRN_OK) {
                    memset(&fp, 0, sizeof fp);
                    const rc_fold_cfg *cfg = rc_fold_cfg_of(cli_fold_ctx(ctx.fold));
                    fp.kind = ctx.final.kind;
                    memcpy(fp.claim, ctx.final.claim, sizeof fp.claim);
                    snprintf(fp.rc_preset, sizeof fp.rc_preset, "%s", cfg->preset);
                    snprintf(fp.shape, sizeof fp.shape, "%s", rc_fold_shape_of(cfg, fp.kind));
                    fp.proof = ctx.final.proof;
                    fp.proof_len = ctx.final.len;
                    jobs_set_fold_proof(ctx.job, &fp);
                } else {
                    fprintf(stderr, "cairn prove: %s\ncairn prove: %s: what is stored stays; continue with --resume\n",
                            cairn_last_error(), out_path);
                    status = err == CAIRN_ERR_VERIFY || err == CAIRN_ERR_INTERNAL ? EXIT_INVALID : EXIT_USAGE;
                }
            }
            /* checks the claims' chain to the final state as it writes */
            if (err == CAIRN_OK)
                err = jobs_finish(ctx.job, ctx.res.segments, &ctx.res.final, ctx.res.cycles, gout.out.bytes,
                                  gout.out.len, NULL);
            jobs_set_fold_proof(ctx.job, NULL); /* fp ends with this block */
            if (err != CAIRN_OK && status == EXIT_OK) {
                fprintf(stderr, "cairn prove: writing %s: %s\n", out_path, cairn_last_error());
                status = err == CAIRN_ERR_INTERNAL ? EXIT_INVALID : EXIT_USAGE;
            }
        } else if (ctx.proven + ctx.reused != ctx.res.segments || ctx.out || !ctx.halted) {
            /* the coordinator checked each claim against its snapshot;
             * here only that every segment has its proof */
            err = cairn_fail(CAIRN_ERR_INTERNAL, "%" PRIu64 " of %" PRIu64 " segments proven",
                             ctx.proven + ctx.reused, ctx.res.segments);
            fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
            status = EXIT_INVALID;
        }
    } else if (ctx.fault == CAIRN_ERR_FAULT) {
        err = CAIRN_ERR_FAULT;
        const rv_result *res = &ctx.res;
        status = rv_fault_status(res->fault.kind);
        fprintf(stderr, "cairn prove: guest fault: %s at pc 0x%08x (instruction 0x%08x), address 0x%08x, "
                        "after %llu cycles; nothing proven\n",
                rv_fault_name(res->fault.kind), res->fault.pc, res->fault.insn, res->fault.addr,
                (unsigned long long)res->cycles);
        /* a faulting run has no proof: nothing to resume */
        if (ctx.job && jobs_discard(ctx.job) != CAIRN_OK)
            fprintf(stderr, "cairn prove: removing the job's records: %s\n", cairn_last_error());
    } else {
        status = cli_status(err);
        if (err == CAIRN_ERR_LIMIT) status = EXIT_USAGE; /* no rank left that can prove */
        fprintf(stderr, "cairn prove: %s\n", cairn_last_error());
        if (ctx.job) fprintf(stderr, "cairn prove: %s: what is stored stays; continue with --resume\n", out_path);
    }
    if (gout.out.io_error) {
        fprintf(stderr, "cairn prove: error writing the guest's output\n");
        if (status == EXIT_OK) status = EXIT_USAGE;
    }
    if (!quiet) summary(&ctx, err, status, now_sec() - t0, preset, po2, &sec, id_hex, &st, out_path);
    if (kill_hook) fprintf(stderr, "cairn prove: test: %" PRIu64 " storage steps\n", jobs_test_steps());
done:
    if (mpi && !started) coord_cancel(MPI_COMM_WORLD);
    jobs_close(ctx.job);
    cli_fold_free(ctx.fold);
    rc_fold_node_free(&ctx.final);
    rv_machine_free(ctx.m);
    held_free(ctx.next);
    while (ctx.out) {
        held *h = ctx.out;
        ctx.out = h->next;
        held_free(h);
    }
    cli_program_free(&pg);
    jobs_output_free(&gout.out);
    if (mpi) {
        if (st.unresponsive) {
            /* ranks given up on (coord.h "Failures"): MPI_Finalize's closing
             * fence could wait for them forever; mpirun ends the job with
             * this status */
            fprintf(stderr, "cairn prove: %u rank%s did not come back; ending without MPI_Finalize\n",
                    st.unresponsive, st.unresponsive == 1 ? "" : "s");
            fflush(stdout);
            fflush(stderr);
            _exit(status);
        }
        MPI_Finalize();
    }
    return status;
}
