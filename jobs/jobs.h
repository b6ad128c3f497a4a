/* jobs: what to prove, with which parameters, what is done, and resuming
 * (DESIGN.md "Distribution", "Storage"; issue 9). Used by cairn prove,
 * cairn exec -o, the benchmarks and the MPI coordinator.
 *
 * A job is the program (ELF), a digest of its private input, the preset
 * and STARK parameters and the segment size (jobs_desc). Its results are
 * segment proofs that may arrive in any order from any rank (jobs_put,
 * or a jobs_sink), each with the segment's snapshot, its claim, the rank
 * that proved it and how long that took, and when known the times it was
 * executed and handed to that rank. When every segment is proven,
 * jobs_finish writes the job file that cairn verify and cairn inspect
 * read (storage/h5s.h layout, unchanged).
 *
 * Storage: a job file plus a record folder
 * =========================================
 * For a job file PATH (job.h5) the job lives in two places:
 *
 *   PATH      the HDF5 job file (h5s.h). Written only whole: PATH.tmp,
 *             fsync, rename, fsync of the directory (h5s_job_close). While
 *             the job runs it is a checkpoint (the proven segments 0..k-1,
 *             the program and the parameters, no /claim); at the end the
 *             finished job file (with /claim and the journal).
 *   PATH.d/   the record folder: job.rec (the job description) and one
 *             file per segment result, seg-NNNNNNNNN.rec (jobs_rec.h: a
 *             checksummed binary record). Each is written as NAME.tmp,
 *             fsync, rename to NAME, fsync of the folder.
 *
 * Why this survives SIGKILL at any instant: nothing is ever modified in
 * place. Every file a reader looks at (PATH, job.rec, seg-*.rec) came
 * into existence by rename(2) of a complete, fsynced temporary file, and
 * rename replaces a name atomically: a process killed at any point leaves
 * each name either absent, or pointing at the old complete file, or at
 * the new complete one. A killed writer leaves at most *.tmp files, which
 * nobody reads and the next open removes. The checksum of a record
 * (and HDF5's own checksums plus Fletcher32 in the job file) catch what
 * the file system or a person did to a file afterwards; such a record is
 * ignored (renamed NAME.bad, the segment redone) with a message, such a
 * job file refused, never overwritten.
 *
 * The order of the steps keeps the pair consistent: job.rec is written
 * before any segment record (a folder without job.rec and without segment
 * records is a job whose creation was interrupted: it is started again);
 * a checkpoint or the finished file is renamed into place before the
 * records it gathered are deleted (a crash in between leaves a segment in
 * both places: the same bytes, either is used); the folder is removed
 * only after the finished file is in place, job.rec last.
 *
 * Why not HDF5 alone: libhdf5 1.10 (Debian 12) has no journal. Its
 * writes go to many places of the file (object headers, B-tree nodes,
 * heaps, the superblock's end-of-file address) and a process killed
 * between two of them leaves a file whose metadata disagree, which HDF5
 * may refuse to open at all, losing every earlier result. SWMR mode
 * orders writes for concurrent readers, but it does not make a sequence
 * of writes atomic either, needs the 1.10 file format (which h5s's
 * checked reader does not accept) and is documented as not crash-safe.
 * Appending to the job file would also put untrusted-until-checked
 * metadata of growing size in front of libhdf5 on every resume. Small
 * immutable records plus a job file written whole avoid all of that, and
 * keep the job file's format and its hardened reader unchanged.
 *
 * Cost: a segment result is written twice (its record, then the job
 * file), which is small next to proving it. A checkpoint rewrites the
 * job file, so they are spaced geometrically (jobs_opts.checkpoint_first:
 * then each time the proven prefix doubles), which writes each result at
 * most about twice more in all; the records a checkpoint has gathered are
 * deleted, so the folder holds about as many records as there are
 * segments proven out of order plus those since the last checkpoint.
 *
 * After a successful jobs_finish the folder is deleted: the job file then
 * holds everything. A finished job resumed again re-reads its job file
 * (every segment is reused) and writes the same file again.
 *
 * Trust on resume: a record is used only if its checksum and lengths are
 * right (jobs_rec.h) and its index and claim size fit the job; before a
 * stored result stands for a segment, jobs_reuse also checks it against
 * the re-executed segment (same claim, same snapshot bytes) and verifies
 * its proof. The job file's description (ELF, input digest, preset,
 * parameters, segment size) must equal the request, or jobs_open refuses
 * naming the first difference.
 *
 * Threads: a jobs_job is used by one thread at a time. */
#ifndef CAIRN_JOBS_JOBS_H
#define CAIRN_JOBS_JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cairn/error.h"
#include "jobs/jobs_rec.h"
#include "stark/stark.h"
#include "storage/h5s.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

/* Suffix of the record folder: PATH + JOBS_DIR_SUFFIX. */
#define JOBS_DIR_SUFFIX ".d"

/* ---- the job description ------------------------------------------------ */

typedef struct {
    const uint8_t *elf; /* the program file as given (not owned) */
    size_t elf_len;
    uint8_t image_id[32]; /* rv_image_id of the loaded program */
    uint32_t entry;
    uint8_t input_digest[32]; /* jobs_input_digest of the private input */
    h5s_params params;        /* preset name, STARK parameters, segment_po2 */
} jobs_desc;

/* Poseidon2 digest of a private input: a sponge (rate 8) over the length
 * and the bytes packed 7 to a field element, with its own domain tag.
 * Only compared with itself (resume), never proven. */
void jobs_input_digest(uint8_t out[32], const uint8_t *input, size_t len);

/* Fills a description: the image ID and entry from prog (loaded from the
 * elf bytes, which d keeps pointing to), the input's digest, the preset
 * name and parameters p for segments of 2^po2. */
cairn_err jobs_desc_make(jobs_desc *d, const uint8_t *elf, size_t elf_len, const rv_program *prog,
                         const uint8_t *input, size_t input_len, const char *preset, const stark_params *p,
                         unsigned po2);

/* ---- conversions between the machine's values and the stored ones ------- */

/* The stored form of parameters / a claim, and back. jobs_params_from_h5s
 * validates the numbers (stark_params_validate); jobs_claim_from_h5s
 * fails on a digest element that is not a canonical field element. */
void jobs_params_to_h5s(h5s_params *out, const char *preset, const stark_params *p, unsigned po2);
cairn_err jobs_params_from_h5s(stark_params *out, const h5s_params *in);
void jobs_claim_to_h5s(h5s_claim *out, const rv_seg_claim *c);
cairn_err jobs_claim_from_h5s(rv_seg_claim *out, const h5s_claim *in);
/* 32 bytes (4 little-endian u64) to a digest; CAIRN_ERR_VERIFY if an
 * element is not below the field's modulus. */
cairn_err jobs_digest_from_bytes(p2_digest *out, const uint8_t b[32]);

/* The claim a proof of s must make (its start and end state digests, its
 * cycles and po2), and the job file's summary of s. */
void jobs_snapshot_claim(rv_seg_claim *out, const rv_snapshot *s);
void jobs_segment_info(h5s_segment_info *out, const rv_snapshot *s);

/* ---- running and proving ------------------------------------------------ */

/* A machine running prog with input, cut into segments of 2^po2 that fit
 * the segment proof's fixed shape (rv_air_budget), delivering segments
 * and writes to the callbacks (either may be NULL). With tails set, a
 * halted last segment comes at the smallest size from RV_TAIL_MIN_PO2 up
 * that holds it (rv.h rv_config tails; what cairn prove proves); without,
 * every segment is 2^po2. */
cairn_err jobs_machine_new(rv_machine **out, const rv_program *prog, unsigned po2, int tails, const uint8_t *input,
                           size_t input_len, rv_segment_fn on_segment, void *segment_arg, rv_write_fn on_write,
                           void *write_arg);

/* The smallest segment size that holds a whole short run, so that a
 * program of a few thousand cycles is not proven in a segment of 2^20
 * (a segment proof costs what its size costs, however few of its cycles
 * run: docs/rv-air.md "A run that fits one segment"). *out = the smallest
 * k in lo..po2 such that the run, cut into segments of 2^k
 * (jobs_machine_new), halts within its first segment; po2 when it does
 * not halt within the first segment of 2^po2, faults there or stops on a
 * limit (the run itself then says so), and when lo >= po2. The program
 * runs without output, at most twice (2^po2 cycles, then from the fitting
 * size up). An error only when it cannot run at all (memory). */
#define JOBS_FIT_MIN_PO2 RV_TAIL_MIN_PO2
cairn_err jobs_fit_po2(unsigned *out, const rv_program *prog, const uint8_t *input, size_t input_len, unsigned lo,
                       unsigned po2);

/* What the guest writes: fd 1 (the journal) to `journal`, fd 2 to `log`,
 * and with keep set the journal's bytes kept in memory for the job file.
 * Pass jobs_output_write and the struct as a machine's write callback. */
typedef struct {
    FILE *journal, *log;
    int keep;
    uint8_t *bytes; /* the journal when keep (malloc'ed; jobs_output_free) */
    size_t len, cap;
    int io_error; /* a write failed or the copy ran out of memory */
} jobs_output;

void jobs_output_write(void *arg, int fd, const uint8_t *buf, size_t len);
void jobs_output_free(jobs_output *o);

/* One segment proof. */
typedef struct {
    uint8_t *proof; /* malloc'ed; jobs_proof_free */
    size_t len;
    rv_seg_claim claim;
    double seconds; /* wall time of rv_prove_segment */
} jobs_proof;

/* Proves s with p (rv_prove_segment) and checks that the proof's claim is
 * s's (jobs_snapshot_claim; a mismatch is cairn's bug: CAIRN_ERR_INTERNAL).
 * Errors carry "segment N" in front. */
cairn_err jobs_prove(jobs_proof *out, const rv_snapshot *s, const stark_params *p);
void jobs_proof_free(jobs_proof *p); /* accepts NULL and a zeroed struct */

/* ---- a job and its results ---------------------------------------------- */

typedef struct jobs_job jobs_job;

typedef enum {
    JOBS_NEW,   /* start a job; an unfinished one at PATH is refused */
    JOBS_RESUME /* continue the job at PATH (start it if there is none) */
} jobs_mode;

typedef enum {
    JOBS_EV_STORED,     /* index: a result was stored (its record is durable) */
    JOBS_EV_CHECKPOINT, /* count: the job file now holds segments 0..count-1 */
    JOBS_EV_IGNORED,    /* index: a stored result is not used (msg: why); it is redone */
    JOBS_EV_NOTICE      /* msg: something the user should know */
} jobs_event_kind;

typedef struct {
    jobs_event_kind kind;
    uint64_t index, count;
    const char *msg; /* valid during the call */
} jobs_event;

typedef void (*jobs_event_fn)(void *arg, const jobs_event *e);

typedef struct {
    /* Checkpoints: the first when segments 0..checkpoint_first-1 are
     * proven, then each time that proven prefix has doubled since the
     * last one. 0: only jobs_checkpoint and jobs_finish write the job
     * file. */
    uint64_t checkpoint_first;
    jobs_event_fn on_event; /* optional */
    void *event_arg;
} jobs_opts;

#define JOBS_DEFAULT_CHECKPOINT 64u

/* Opens the job at path (PATH, see above) for the description d (whose
 * ELF bytes are copied). opts may be NULL (defaults). JOBS_NEW: an
 * existing PATH.d, or a PATH that is an unfinished cairn prove job (a
 * checkpoint), is refused (CAIRN_ERR_USAGE: continue it with resume or
 * remove it); any other existing PATH (a finished job, a cairn exec
 * file, another file) is removed, as the new job replaces it. JOBS_RESUME:
 * the stored description must equal d, else CAIRN_ERR_USAGE naming the
 * first difference (program, input, preset, a parameter, segment size);
 * an unreadable PATH or job.rec is refused (CAIRN_ERR_FORMAT/CORRUPT),
 * not overwritten; damaged segment records are ignored (JOBS_EV_IGNORED)
 * and left as NAME.bad. */
cairn_err jobs_open(jobs_job **out, const char *path, const jobs_desc *d, jobs_mode mode, const jobs_opts *opts);

/* A result. Executed-only results (proof NULL) keep a snapshot on disk
 * until it is proven (what the coordinator does with segments it has not
 * handed out yet); a proven result replaces it, and may then leave its
 * snapshot out (NULL): the stored one is used. */
typedef struct {
    uint64_t index;
    const uint8_t *snapshot; /* rv_snapshot_encode bytes; NULL: the stored one */
    size_t snapshot_len;
    const uint8_t *proof; /* NULL: executed, not proven */
    size_t proof_len;
    rv_seg_claim claim; /* with a proof: what it proves */
    uint32_t rank;      /* that proved it */
    double seconds;     /* that the proof took */
    /* Unix-epoch nanoseconds, 0 = unknown (what cairn report draws):
     * exec_ns when rank 0 finished executing the segment (may come with an
     * executed-only result; a proven result without it keeps the stored
     * one), start_ns when the proving task was handed to a rank (proven
     * results only). */
    uint64_t exec_ns, start_ns;
} jobs_result;

/* Stores a result durably (its record is on disk when this returns) and
 * may write a checkpoint (jobs_opts). Results come in any order; a result
 * for a segment that is already proven is dropped (the first one counts).
 * The caller has checked the proof (the coordinator verifies what workers
 * send; cairn prove trusts its own prover). */
cairn_err jobs_put(jobs_job *j, const jobs_result *r);

/* jobs_put of s, proven by p on rank. */
cairn_err jobs_put_proof(jobs_job *j, const rv_snapshot *s, const jobs_proof *p, uint32_t rank);

/* Where results arrive from (the coordinator's receive loop, a local
 * prover): put is jobs_put on ctx, or anything with the same contract. */
typedef struct {
    cairn_err (*put)(void *ctx, const jobs_result *r);
    void *ctx;
} jobs_sink;

jobs_sink jobs_sink_of(jobs_job *j);

typedef enum { JOBS_SEG_MISSING, JOBS_SEG_EXECUTED, JOBS_SEG_PROVEN } jobs_seg_state;

jobs_seg_state jobs_state(const jobs_job *j, uint64_t index);
uint64_t jobs_proven_count(const jobs_job *j);
/* Segments 0..n-1 are proven, n is not. */
uint64_t jobs_proven_prefix(const jobs_job *j);
/* Writes the indices below nseg that are not proven, in order, at most
 * cap of them, to out (may be NULL when cap is 0); returns how many there
 * are in all. */
uint64_t jobs_missing(const jobs_job *j, uint64_t nseg, uint64_t *out, size_t cap);

/* A stored result read back (from its record or the job file). */
typedef struct {
    jobs_seg_state state;
    uint8_t *snapshot; /* malloc'ed */
    size_t snapshot_len;
    uint8_t *proof; /* malloc'ed; NULL unless proven */
    size_t proof_len;
    h5s_claim claim;
    uint32_t rank;
    uint64_t task_ns;
    uint64_t exec_ns, start_ns; /* jobs_result's; 0 = unknown */
} jobs_stored;

/* Reads segment index's stored result (CAIRN_ERR_USAGE if there is none;
 * a record damaged since it was opened is CAIRN_ERR_CORRUPT). */
cairn_err jobs_get(jobs_job *j, uint64_t index, jobs_stored *out);
void jobs_stored_free(jobs_stored *s); /* accepts NULL */

/* Whether the stored result of segment s->index stands for s: proven,
 * its claim is jobs_snapshot_claim(s), its snapshot bytes are s's
 * encoding, and its proof verifies with the job's parameters. *reused = 1
 * (and *proof_len its size) if so; 0 if nothing is stored, or if what is
 * stored fails a check: then it is dropped (JOBS_EV_IGNORED naming why)
 * and the segment must be proven again. */
cairn_err jobs_reuse(jobs_job *j, const rv_snapshot *s, int *reused, size_t *proof_len);

/* Gathers the proven prefix into the job file PATH (if it grew since the
 * last one) and deletes the records it now holds. */
cairn_err jobs_checkpoint(jobs_job *j);

/* Writes the finished job file: segments 0..nseg-1 (all proven; their
 * claims must chain from the image ID to the final state), the
 * parameters, the final state, the journal, the run summary (/run:
 * cycles, segments, segment_po2, exit_code, journal_len, input_len,
 * proof_bytes); then deletes the record folder. *proof_bytes (optional)
 * gets the proofs' total size. The job stays open (close it with
 * jobs_close). */
cairn_err jobs_finish(jobs_job *j, uint64_t nseg, const rv_state *final, uint64_t cycles, const uint8_t *journal,
                      size_t journal_len, uint64_t *proof_bytes);

/* Deletes everything the job stored (PATH.d and a checkpoint PATH): for a
 * run that faulted, which has no proof to resume. */
cairn_err jobs_discard(jobs_job *j);

/* Closes the job; what is stored stays for a later resume. Accepts NULL. */
void jobs_close(jobs_job *j);

/* ---- the fold (recursion/rc_fold.h) ------------------------------------ */

/* The fold tree's nodes are results like segment proofs: each is stored
 * in the record folder as soon as it is made (fold-LL-NNNNNNNNN.rec,
 * jobs_rec.h), durably when jobs_put_fold returns, and used again by a
 * resumed run (after its caller verified it). The finished job file holds
 * the last one, the run's final proof (/proof, h5s.h); the folder, with
 * the other nodes, is deleted after it. The caller has verified the
 * node. */
cairn_err jobs_put_fold(jobs_job *j, const jobs_rec_fold *f);

/* A stored node read back. */
typedef struct {
    uint32_t kind;
    uint64_t claim[JOBS_REC_FOLD_CLAIM];
    uint8_t *proof; /* malloc'ed */
    size_t proof_len;
} jobs_fold_stored;

/* Node (level, index): *found = 1 and *out filled if a record holds it
 * (free out->proof); 0 if none (or the folder is gone). A record that
 * does not decode, or holds another node, is set aside (NAME.bad,
 * JOBS_EV_IGNORED) and reads as absent. */
cairn_err jobs_get_fold(jobs_job *j, uint32_t level, uint64_t index, jobs_fold_stored *out, int *found);

/* Sets node (level, index)'s record aside (its proof did not verify:
 * why), so it is made again. */
void jobs_drop_fold(jobs_job *j, uint32_t level, uint64_t index, const char *why);

/* The final proof jobs_finish writes as /proof (p and its bytes must stay
 * valid until then; NULL: none). */
void jobs_set_fold_proof(jobs_job *j, const h5s_fold_proof *p);

/* A finished job file's /proof (resume of a finished job): 1 and *out,
 * *bytes (malloc'ed) if the file PATH is finished and has one; 0
 * otherwise (or when it cannot be read: then it is made again). */
int jobs_file_fold_proof(jobs_job *j, h5s_fold_proof *out, uint8_t **bytes);

/* ---- attempts (issue 11) ------------------------------------------------ */

/* Each run of cairn prove on a job in a Slurm job is an attempt: the
 * Slurm job ID and restart count it ran under (the caller's; cairn prove
 * records attempts only when SLURM_JOB_ID is set), when it started and how
 * long it ran. They are kept in the record folder (attempts.rec, jobs_rec.h,
 * rewritten at each begin and end) and in the job file as /run values
 * "attempts" (the count) and attempt_NNN_slurm_job_id, _restart_count,
 * _start_ns, _used_ns (NNN from 000, oldest first), written by every
 * checkpoint and jobs_finish. At most JOBS_REC_MAX_ATTEMPTS are kept (the
 * oldest dropped). A log only: nothing a proof depends on. */
typedef jobs_rec_attempt jobs_attempt;

/* Starts an attempt (appends it, used_ns 0) and stores it. */
cairn_err jobs_attempt_begin(jobs_job *j, uint64_t slurm_job_id, uint64_t restart_count, uint64_t start_ns);
/* Sets the current attempt's time used and stores it (call before
 * jobs_finish so that the job file has it). */
cairn_err jobs_attempt_end(jobs_job *j, uint64_t used_ns);
/* The attempts known, oldest first (*out valid until the next call on j). */
size_t jobs_attempts(const jobs_job *j, const jobs_attempt **out);
/* Reads a job file's attempts into out (room for JOBS_REC_MAX_ATTEMPTS);
 * *n = 0 for a file without them; CAIRN_ERR_FORMAT (naming the value) for
 * an inconsistent set. */
cairn_err jobs_attempts_read(const h5s_reader *r, jobs_attempt *out, size_t *n);
/* 1 if a /run name is one of the attempts' (cairn inspect lists them
 * apart from the run summary). */
int jobs_attempt_attr(const char *name);

/* Test only (the crash-consistency tests): the process kills itself with
 * SIGKILL at its n-th storage step (n >= 1; 0 turns it off). A step is
 * each write, fsync, rename and delete of a record, and each stage of
 * writing the job file. jobs_test_steps() counts the steps so far. */
void jobs_test_kill_at(uint64_t n);
uint64_t jobs_test_steps(void);

/* ---- cairn exec -o: a job file of snapshots in execution order ---------- */

typedef struct jobs_execfile jobs_execfile;

/* Creates PATH.tmp for the program of this image ID and entry point (its
 * ELF bytes stored). */
cairn_err jobs_execfile_create(jobs_execfile **out, const char *path, const uint8_t image_id[32], uint32_t entry,
                               const uint8_t *elf, size_t elf_len);
/* Adds segment s with its trace and io table (t may be NULL). */
cairn_err jobs_execfile_segment(jobs_execfile *f, const rv_snapshot *s, const rv_trace *t);
/* Stores the journal and the run summary and publishes PATH; frees f. */
cairn_err jobs_execfile_finish(jobs_execfile *f, const rv_result *res, unsigned po2, const uint8_t *journal,
                               size_t journal_len);
void jobs_execfile_abort(jobs_execfile *f); /* accepts NULL */

#endif
