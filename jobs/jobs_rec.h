/* The record format of a job's record folder (jobs.h, "Storage"): one
 * small file per result, written whole and published by rename, so a
 * record on disk is complete or absent. A record is still untrusted input
 * when it is read back (a disk, a person or a tool may have changed it):
 * the decoders check every length against the bytes there are, the
 * checksum over everything, and that the encoding is canonical (whatever
 * decodes re-encodes to the same bytes; tests/fuzz/fuzz_jobrec.c).
 *
 * Layout, version 1, every integer little-endian:
 *
 *   offset  size  field
 *   0       8     magic "CAIRNREC"
 *   8       4     version (JOBS_REC_VERSION)
 *   12      4     kind: 1 job description, 2 segment result
 *   16      8     body length B
 *   24      B     body (below)
 *   24 + B  8     CRC-64/XZ of bytes 0 .. 24 + B
 *   the file is exactly 32 + B bytes.
 *
 * Job description body (JOBS_REC_JOB, file "job.rec"):
 *   4 x 6   segment_po2, log_blowup, queries, pow_bits, log_arity,
 *           log_final_len (u32)
 *   64      preset name: 1..63 characters of [A-Za-z0-9_.-], not starting
 *           with '.', then NUL bytes to the end of the field
 *   32      image ID (4 field elements, LE)
 *   4       entry point (u32)
 *   32      input digest (jobs.h jobs_input_digest)
 *   8       ELF length E (at most JOBS_REC_MAX_BYTES)
 *   E       the ELF
 *
 * Segment result body (JOBS_REC_SEGMENT, file "seg-NNNNNNNNN.rec", the
 * index in 9 digits):
 *   8       index
 *   4       flags: bit 0 = proven (a proof and its claim follow); no other
 *           bit may be set
 *   4       rank that proved it (0 when not proven)
 *   8       nanoseconds the proof took (0 when not proven)
 *   4       claim po2                     \
 *   32      claim start digest             | all zero when not proven
 *   32      claim end digest               |
 *   8       claim cycles (>= 1 if proven) /
 *   8       snapshot length S (1..JOBS_REC_MAX_BYTES)
 *   8       proof length P (1..JOBS_REC_MAX_PROOF_BYTES if proven, else 0)
 *   S       snapshot bytes (vm/rv32im/rv.h rv_snapshot_encode)
 *   P       proof bytes (vm/rv32im/rv_air.h rv_prove_segment)
 *   0 or 16 timing, both Unix-epoch nanoseconds, 0 = unknown:
 *           8 exec_ns   when rank 0 finished executing the segment
 *           8 start_ns  when its proving task was handed to a rank
 *                       (0 when not proven; start_ns + task_ns < 2^64)
 *           present exactly when one of the two is not 0
 * A record without the proven flag holds a segment that is executed but
 * not yet proven (its snapshot waits on disk, not in memory).
 *
 * Attempts body (JOBS_REC_ATTEMPTS, file "attempts.rec"; issue 11): the
 * runs of cairn prove on the job, oldest first, rewritten whole when one
 * starts and when it ends:
 *   8       count N (1..JOBS_REC_MAX_ATTEMPTS)
 *   N x 32  per attempt:
 *           8 slurm_job_id    SLURM_JOB_ID, 0 = not run by Slurm
 *           8 restart_count   SLURM_RESTART_COUNT (0 without Slurm)
 *           8 start_ns        when it started, Unix-epoch ns, never 0
 *           8 used_ns         how long it ran, 0 = still running or
 *                             killed; start_ns + used_ns < 2^64
 * (Added after version 1 was in use: a new kind in a new file, so the
 * other records and their readers are unchanged; the version stays 1.)
 *
 * Fold node body (JOBS_REC_FOLD, file "fold-LL-NNNNNNNNN.rec", level in 2
 * digits and index in 9; recursion/rc_fold.h): one node of the run's fold
 * tree, node (level, index) covering segments index * 2^level .. on:
 *   4       level (0..JOBS_REC_MAX_FOLD_LEVEL)
 *   4       kind: 0 lift; 1, 2, 3 a join (recursion/rc_fold.h's kinds;
 *           level 0 is always a lift)
 *   8       index (< JOBS_REC_MAX_SEGMENTS)
 *   13 x 8  claim: control root (4), start (4), end (4), cycles, each a
 *           canonical field element (< 2^64 - 2^32 + 1)
 *   8       nanoseconds the lift or join took
 *   8       proof length P (1..JOBS_REC_MAX_PROOF_BYTES)
 *   P       proof bytes (recursion/rc_air.h rc_prove)
 * (A new kind in new files, like attempts: the version stays 1.)
 *
 * The timing tail was added after version 1 was in use (issue 9): its
 * length is what the body holds beyond the snapshot and proof (0 or 16,
 * anything else is refused), so a record written before it reads as
 * before, with unknown times, and the encoding stays canonical (a record
 * without times is written without the tail). The version stays 1.
 *
 * Why CRC-64 and not a cryptographic hash: the checksum is there to catch
 * accidental damage (a torn or bit-flipped file); a record made on purpose
 * can carry a right checksum whatever the hash, which is why a result is
 * reused only when its proof verifies and its claim is the re-executed
 * segment's (jobs.h jobs_reuse). CRC-64 finds every burst error of up to
 * 64 bits and any other with probability 1 - 2^-64. */
#ifndef CAIRN_JOBS_JOBS_REC_H
#define CAIRN_JOBS_JOBS_REC_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

#define JOBS_REC_MAGIC "CAIRNREC"
#define JOBS_REC_VERSION 1u
enum { JOBS_REC_JOB = 1, JOBS_REC_SEGMENT = 2, JOBS_REC_ATTEMPTS = 3, JOBS_REC_FOLD = 4 };
/* Levels of a fold tree over at most JOBS_REC_MAX_SEGMENTS (< 2^20) leaves. */
#define JOBS_REC_MAX_FOLD_LEVEL 20u
#define JOBS_REC_FOLD_CLAIM 13u
#define JOBS_REC_FOLD_KINDS 14u /* recursion/rc_fold.h's node kinds */
#define JOBS_REC_FOLD_TAIL0 4u  /* from it up: lifts of tails (rc_fold.h) */
/* Attempts kept (the oldest are dropped beyond): 4 job file values each
 * fit /run's H5S_MAX_RUN_VALUES with room for the run summary. */
#define JOBS_REC_MAX_ATTEMPTS 200u

/* Header (magic, version, kind, body length) and trailer (checksum). */
#define JOBS_REC_HEADER_BYTES 24u
#define JOBS_REC_TRAILER_BYTES 8u
/* Byte strings (ELF, snapshot): the job file's limit (storage/h5s.h
 * H5S_MAX_BYTES); a proof: H5S_MAX_PROOF_BYTES. */
#define JOBS_REC_MAX_BYTES ((uint64_t)1 << 32)
#define JOBS_REC_MAX_PROOF_BYTES ((uint64_t)1 << 30)
/* Segment indices: the job file's H5S_MAX_SEGMENTS. */
#define JOBS_REC_MAX_SEGMENTS ((uint64_t)1000000)
#define JOBS_REC_PRESET_BYTES 64u

typedef struct {
    uint32_t segment_po2;
    uint32_t log_blowup, queries, pow_bits, log_arity, log_final_len;
    char preset[JOBS_REC_PRESET_BYTES]; /* NUL-terminated name */
    uint8_t image_id[32];
    uint32_t entry;
    uint8_t input_digest[32];
    const uint8_t *elf; /* decoded: points into the record's bytes */
    size_t elf_len;
} jobs_rec_job;

typedef struct {
    uint64_t index;
    int proven; /* 0 or 1 */
    uint32_t rank;
    uint64_t task_ns;
    uint64_t exec_ns, start_ns; /* Unix-epoch nanoseconds, 0 = unknown */
    uint32_t claim_po2;
    uint8_t claim_start[32], claim_end[32];
    uint64_t claim_cycles;
    const uint8_t *snapshot; /* decoded: point into the record's bytes */
    size_t snapshot_len;
    const uint8_t *proof;
    size_t proof_len;
} jobs_rec_seg;

typedef struct {
    uint64_t slurm_job_id, restart_count, start_ns, used_ns;
} jobs_rec_attempt;

typedef struct {
    uint32_t level, kind;
    uint64_t index;
    uint64_t claim[JOBS_REC_FOLD_CLAIM];
    uint64_t task_ns;
    const uint8_t *proof; /* decoded: points into the record's bytes */
    size_t proof_len;
} jobs_rec_fold;

/* CRC-64/XZ (ECMA-182 polynomial, reflected, initial and final value all
 * ones): jobs_crc64(0, "123456789", 9) = 0x995dc9bbdf1939fa. Pass the
 * previous result as crc to continue over more bytes. */
uint64_t jobs_crc64(uint64_t crc, const void *buf, size_t len);

/* 1 if name is a valid preset name (the rules above, as storage/h5s.h's
 * names). */
int jobs_rec_name_ok(const char *name);

/* Encode a record into a new buffer the caller frees. CAIRN_ERR_USAGE for
 * a value the format cannot hold (the message names it). */
cairn_err jobs_rec_encode_job(uint8_t **out, size_t *len, const jobs_rec_job *j);
cairn_err jobs_rec_encode_seg(uint8_t **out, size_t *len, const jobs_rec_seg *s);
cairn_err jobs_rec_encode_attempts(uint8_t **out, size_t *len, const jobs_rec_attempt *a, size_t n);

/* Decode untrusted bytes (len = the whole file). The pointers of *out
 * point into buf. CAIRN_ERR_CORRUPT for a checksum that does not match,
 * CAIRN_ERR_FORMAT for anything else, CAIRN_ERR_UNSUPPORTED for another
 * version; the message names the field (no file name: the caller adds
 * it). */
cairn_err jobs_rec_decode_job(jobs_rec_job *out, const uint8_t *buf, size_t len);
cairn_err jobs_rec_decode_seg(jobs_rec_seg *out, const uint8_t *buf, size_t len);
cairn_err jobs_rec_encode_fold(uint8_t **out, size_t *len, const jobs_rec_fold *f);
cairn_err jobs_rec_decode_fold(jobs_rec_fold *out, const uint8_t *buf, size_t len);
/* out has room for JOBS_REC_MAX_ATTEMPTS entries; *n gets the count. */
cairn_err jobs_rec_decode_attempts(jobs_rec_attempt *out, size_t *n, const uint8_t *buf, size_t len);

#endif
