/* MPI worker ranks (prefix wrk_): receive a task, run it, send the result
 * back, until told to stop. The coordinator's side and the whole protocol
 * are described in coordinator/coord.h; this is the worker's part of it.
 *
 * Worker loop (wrk_run, on every rank but the coordinator's):
 *   1. receive HELLO from the coordinator: the job's parameters (segment
 *      po2 and proof parameters) and the coordinator's verifying-key
 *      digest for them;
 *   2. compute its own verifying-key digest for those parameters
 *      (wrk_vk_digest: every rank builds its keys itself) and send HELLO
 *      back (rank, threads, digest, build string). If the digests differ
 *      (another build of the prover), send ERROR (task id 0, code
 *      CAIRN_ERR_UNSUPPORTED) saying so and wait for SHUTDOWN: the worker
 *      refuses to work rather than produce proofs the coordinator would
 *      reject, and leaves when the job ends (below);
 *   3. loop: send REQUEST; receive TASK or SHUTDOWN; on SHUTDOWN return
 *      CAIRN_OK; on TASK run its kind's handler (task.h) and send RESULT
 *      (claim, proof, microseconds) or ERROR (task id, error code,
 *      message).
 * SHUTDOWN carries how many ranks the coordinator gave up on (dead or
 * silent, coord.h "Failures"); it is sent only once the job's end is
 * settled, so the count is final, and when it is nonzero the process must
 * end without MPI_Finalize (its closing fence could wait forever for the
 * lost ranks): wrk_run returns the count for the caller to act on.
 * Every received message goes through cmsg_decode (untrusted bytes). A
 * worker only ever talks to rank 0 and waits on it (polling with 1 ms
 * naps: MPI_Probe would spin a core): it has nothing else to do, and if
 * the coordinator dies Open MPI takes the job down.
 * Threads: the loop is the rank's main (MPI) thread; the prover uses
 * OpenMP threads inside a task (OMP_NUM_THREADS).
 *
 * Failure: an error inside a task is reported to the coordinator (which
 * retries the task elsewhere) and the worker carries on; wrk_run returns an
 * error only when the protocol itself breaks (MPI error, a message it
 * cannot parse, a refused key).
 *
 * Test hooks (TEST ONLY; read from the environment by wrk_hooks_from_env,
 * each value a comma-separated list of ranks or "all"; rank 0 = the
 * coordinator's local prover, which runs tasks through wrk_serve too):
 *   CAIRN_TEST_WORKER_CORRUPT=RANKS   flip one byte in the middle of every
 *                                     proof those ranks return
 *   CAIRN_TEST_WORKER_CORRUPT_TASK=KIND  with CORRUPT: only results of
 *                                     that task kind (its cmsg_task_kind_name:
 *                                     prove-segment, lift, join), so a
 *                                     test can forge recursion results
 *                                     alone
 *   CAIRN_TEST_WORKER_FAIL=RANKS      every task fails (ERROR, no proving)
 *   CAIRN_TEST_WORKER_KILL=RANKS:K    raise(SIGKILL) on receiving a task
 *                                     after K tasks were answered
 *   CAIRN_TEST_WORKER_STALL=RANKS:S   sleep S seconds before answering the
 *                                     first task (a silent worker, for the
 *                                     coordinator's task deadline)
 *   CAIRN_TEST_WORKER_VK=RANKS        report a verifying-key digest with one
 *                                     bit flipped (another build)
 */
#ifndef CAIRN_WORKER_WORKER_H
#define CAIRN_WORKER_WORKER_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "msg.h"
#include "stark/stark.h"

typedef struct {
    int corrupt;        /* flip a proof byte */
    uint32_t corrupt_kind; /* of results of this task kind only (0: every kind) */
    int fail;           /* fail every task */
    long kill_after;    /* < 0: never; else SIGKILL on the task after this many */
    unsigned stall_sec; /* sleep before the first answer */
    int bad_vk;         /* report a wrong key digest */
} wrk_hooks;

/* The hooks the environment sets for this rank (all off when unset).
 * CAIRN_ERR_USAGE naming the variable if a value does not parse. */
cairn_err wrk_hooks_from_env(wrk_hooks *out, int rank);

/* The verifying-key digest of segment proofs of size 2^po2 with
 * parameters p, as 32 bytes (rv_digest_bytes): the digest of the key the
 * rank then proves and verifies with (rv_air's cache; the first call
 * builds it). */
cairn_err wrk_vk_digest(uint8_t out[CMSG_DIGEST_BYTES], unsigned po2, const stark_params *p);

/* Memory (worker/mem.c). A rank needs the key and one segment proof's
 * working memory (rv_air_prove_mem: one prover per rank, its OpenMP
 * threads inside). What it may hold, wrk_mem_limit: CAIRN_MEM_LIMIT from
 * the environment when set (bytes, or with a K/M/G/T suffix: a user's
 * cap, and how the tests play a small node), else the smallest of the
 * node's memory (MemTotal), the cgroup's memory.max (v2, up the
 * hierarchy; v1's limit_in_bytes), RLIMIT_AS / RLIMIT_DATA and Slurm's
 * SLURM_MEM_PER_NODE; 0 if none is known. The figures are per process;
 * ranks on one host share its memory, which the coordinator counts
 * (coord.h "Memory"). A job that folds also has the rank make lifts and
 * joins; their memory (rc_fold_add_mem) is the coordinator's to add,
 * since a worker builds the fold keys only on its first recursion task
 * (task.h); the segment prover and the recursion prover of a thread share
 * one workspace (stark.h stark_keep), so a rank holds both kinds' keys
 * and traces and the larger of the two provers' buffers (coord.h).
 * wrk_mem_hello fills a HELLO's mem_need, mem_limit
 * and host for a job of segments of 2^po2 with p (building the key if
 * it is not cached). */
uint64_t wrk_mem_limit(void);
cairn_err wrk_mem_hello(cmsg *m, unsigned po2, const stark_params *p);

/* One rank's task server, shared by wrk_run and the coordinator's local
 * prover. */
typedef struct {
    int rank;
    wrk_hooks hooks;
    unsigned long answered; /* tasks answered so far */
} wrk_ctx;

/* Serves one encoded TASK message (untrusted bytes): runs its kind's
 * handler and returns the encoded RESULT or ERROR message in *reply
 * (malloc'd; the caller frees it). Errors of the task itself become an
 * ERROR reply; the function fails only when it cannot build a reply at
 * all (out of memory). A TASK that does not parse is answered with ERROR
 * (task id 0). compress: zstd for the reply when it pays. */
cairn_err wrk_serve(wrk_ctx *ctx, uint8_t **reply, size_t *reply_len, const uint8_t *task, size_t task_len,
                    int compress);

typedef struct {
    MPI_Comm comm;    /* the job's communicator; the coordinator is rank 0 */
    unsigned threads; /* reported in HELLO (0: omp_get_max_threads) */
    wrk_hooks hooks;
} wrk_opts;

/* The worker loop above, on a rank != 0 of opts->comm. MPI must be
 * initialised (MPI_THREAD_FUNNELED at least). Returns CAIRN_OK after
 * SHUTDOWN (or a SHUTDOWN in place of the hello: the coordinator could not
 * start), CAIRN_ERR_UNSUPPORTED when the rank refused the job (another
 * key digest; the coordinator was told, went on without it and has now
 * let it go, so the process should end normally: under mpirun a nonzero
 * exit status aborts every rank), other errors when the protocol broke.
 * *lost: the ranks the coordinator gave up on, from its SHUTDOWN (0 when
 * none came); nonzero: end the process without MPI_Finalize (flush, then
 * _exit). */
cairn_err wrk_run(const wrk_opts *opts, unsigned *lost);

#endif
