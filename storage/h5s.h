/* cairn job files: one HDF5 file per job (DESIGN.md, "Storage").
 *
 * Layout, format version 3 (H5S_FORMAT_VERSION; 3: the final state has
 * 53 elements, sys_done added):
 *
 *   /                         attrs cairn_format = "cairn-job" (string),
 *                                   cairn_version (u32) = 3
 *   /program                  group; attrs image_id (u8[32]: 4 Goldilocks
 *                             elements, LE), entry (u32); optional
 *                             input_digest (u8[32]: jobs/jobs.h
 *                             jobs_input_digest of the private input, so
 *                             that a resumed cairn prove job can check it)
 *   /program/elf              u8[n], optional: the ELF that was run
 *   /journal                  u8[n]: everything the guest wrote to fd 1
 *   /run                      group; one scalar u64 attribute per run summary
 *                             value (cycles, segments, segment_po2,
 *                             exit_code, ...; names chosen by the caller)
 *   /segments                 group of segment group groups: segment i
 *                             is /segments/BBB/NNNNNN, BBB = i / 1000
 *                             zero-padded to 3 digits, NNNNNN = i
 *                             zero-padded to 6 (h5py:
 *                             f[f"segments/{i//1000:03}/{i:06}"])
 *   /segments/000             group of segments 0..999 (the last one holds
 *                             the rest; every other one exactly 1000)
 *   /segments/000/000000      group; attrs
 *                               index, cycles (u64), start_pc, end_pc (u32),
 *                               start_root, end_root, start_state,
 *                               end_state (u8[32]), halted (u8),
 *                               exit_code (i32), complete (u8) = 1;
 *                             optional, together: task_rank (u32: the MPI
 *                             rank that proved it), task_ns (u64: how long
 *                             the proof took, nanoseconds); optional, each
 *                             only with those two: task_start_ns (u64: when
 *                             the task was handed to the rank), exec_ns
 *                             (u64: when rank 0 finished executing the
 *                             segment), both Unix-epoch nanoseconds, never
 *                             0 (absent = unknown), task_start_ns +
 *                             task_ns below 2^64
 *   /segments/000/000000/snapshot  u8[n]: rv_snapshot_encode bytes
 *   /segments/000/000000/trace     group, optional; attrs rows (u64), columns
 *                             (u32); one u32[rows] dataset per column, named
 *                             after it, links kept in creation order = the
 *                             column order
 *   /segments/000/000000/tables    group, optional: side tables of the trace with
 *                             their own row counts (e.g. the RISC-V machine's
 *                             io table, vm/rv32im/rv.h); one member group
 *                             per table, named by the table (same name rules
 *                             as columns), each laid out exactly like
 *                             /segments/000/000000/trace
 *   /segments/000/000000/proof     u8[n], optional (cairn prove): the segment's
 *                             proof bytes (vm/rv32im/rv_air.h rv_prove_segment)
 *   /segments/000/000000/claim     group, present exactly when proof is; attrs
 *                               po2 (u32), start, end (u8[32]: state digests,
 *                               4 field elements LE), cycles (u64): the
 *                               statement the proof is checked against
 *   /params                   group; without proofs no attributes. With
 *                             proofs (h5s_job_set_params) attrs preset
 *                             (fixed string, a name like a column's),
 *                             log_blowup, queries, pow_bits, log_arity,
 *                             log_final_len, segment_po2 (u32): the STARK
 *                             parameters (stark/stark.h stark_params) and
 *                             segment size every proof was made with
 *   /claim                    group, optional (cairn prove): attrs
 *                             final_state (u64[H5S_STATE_ELEMS]: the final
 *                             machine state as the field elements of
 *                             vm/rv32im/rv.h rv_state_elems, whose hash is
 *                             the last segment's end digest), cycles (u64)
 *
 *   /proof                    group, optional (cairn prove without --no-fold):
 *                             the run's final recursion proof
 *                             (recursion/rc_fold.h); attrs kind (u32: 0 lift,
 *                             1 join: which recursion key verifies it),
 *                             claim (u64[H5S_FOLD_CLAIM_ELEMS]: control root
 *                             (4), start digest (4), end digest (4), cycles),
 *                             rc_preset, shape (fixed strings, names like a
 *                             column's: the recursion parameters and
 *                             shape); dataset proof u8[n] (1..
 *                             H5S_MAX_PROOF_BYTES)
 *
 * Name reserved for later issues: /recursion. A reader of this
 * version ignores objects it does not know, so adding optional objects
 * does not change the version (proofs, claims and parameters were added
 * so; a file without them reads as before).
 *
 * Compact storage only (why segments are grouped by 1000). HDF5 keeps a
 * group's links and an object's attributes as messages in the object
 * header (checksummed, and parsed by the reader before libhdf5 sees them,
 * see "The reader") until there are more than 8 of them, and then moves
 * them to "dense" storage: a fractal heap indexed by v2 B-trees, blocks
 * elsewhere in the file that the reader cannot check before libhdf5
 * follows them (one flipped byte there crashed H5Literate). So every
 * group and object is created with link and attribute phase changes at
 * the maximum HDF5 allows (65535, H5Pset_link_phase_change and
 * H5Pset_attr_phase_change), and the reader refuses dense storage (a link
 * info or attribute info message naming a fractal heap) as damage. A link
 * is a message of ~21 bytes, and a header that grows one message at a
 * time gets one continuation chunk per message, so no group holds many
 * links: /segments at most 1000 groups, each of at most 1000 segments,
 * created with room for all 1000 (H5Pset_est_link_info: one ~21 KiB
 * header chunk), which bounds a job at H5S_MAX_SEGMENTS = 10^6 segments; a
 * trace at H5S_MAX_TRACE_COLS columns (header sized for them at creation);
 * /run at H5S_MAX_RUN_VALUES values. Format version 1 put segments
 * directly under /segments and their attributes in dense storage; this
 * reader refuses it (re-run `cairn exec`).
 *
 * Every byte string and trace column is a 1-D dataset, chunked (at most
 * H5S_CHUNK_BYTES_MAX per chunk, unlimited maximum size so later writers
 * can append), filtered by shuffle (u32 columns only; it groups the bytes
 * of equal significance, which zstd then finds runs in), zstd (filter 32015,
 * cd_values = {level, chunk size in bytes}; see h5zstd.h) and a Fletcher32
 * checksum of the compressed chunk. File types are explicitly little-endian
 * (H5T_STD_U8LE, H5T_STD_U32LE, H5T_STD_U64LE, H5T_STD_I32LE). The file uses
 * HDF5 1.8 object formats (libver bounds V18..V18): any HDF5 since 1.8 (h5py,
 * h5dump) reads it, and the superblock and object headers, which hold every
 * attribute, carry checksums. With the zstd plugin (libh5zstd_cairn.so,
 * built next to this library, or hdf5plugin's Zstd) other tools also read
 * the data. Files are deterministic: no timestamps, zero-filled chunk
 * tails, so the same job gives the same bytes.
 *
 * Nothing half-written looks complete:
 * - the writer creates PATH.tmp and renames it to PATH only in
 *   h5s_job_close, after flushing and fsync; a job that fails or is never
 *   closed leaves no PATH (an older PATH stays untouched);
 * - a segment group's `complete` attribute is written after everything
 *   else in the group; h5s_segment() reports a segment without it as
 *   CAIRN_ERR_FORMAT. Whole files never hold an incomplete segment.
 * Resumable jobs do not append to a job file either: results arriving
 * one by one go to a folder of checksummed records written atomically,
 * and the job file is written whole from them at checkpoints and at the
 * end (jobs/jobs.h, "Storage", argues why this survives a SIGKILL at any
 * instant and HDF5 in place would not).
 *
 * The reader trusts nothing: it checks the version, that every expected
 * object exists as a hard link with the expected type class, size,
 * signedness, byte order and shape, that sizes are within H5S_MAX_*, and
 * that a segment's trace has as many column datasets as it says, all of the
 * same length, and that groups and attributes are in compact storage. The
 * chunk index (HDF5's v1 B-tree, which has no checksum) is
 * checked entry by entry before any data is read: every chunk present and
 * found by HDF5's read-path lookup (otherwise HDF5 silently returns fill
 * values), every filter applied (mask 0), a plausible stored size, chunks of
 * at most H5S_ZSTD_MAX_CHUNK_BYTES and equal to the size the zstd filter
 * recorded (HDF5 1.10 over-reads a filter output shorter than a chunk).
 * HDF5 checksum failures, zstd errors and a damaged chunk index are
 * reported as CAIRN_ERR_CORRUPT, wrong structure as CAIRN_ERR_FORMAT, each
 * with a message naming the file and object (see cairn_last_error()). The
 * test suite flips random bits anywhere in a file and requires every read
 * to either fail or return exactly the original content.
 *
 * libhdf5 (1.10) is not robust to malformed metadata, and its checksums
 * only catch accidental damage: a file crafted with correct checksums
 * made it read and free out of bounds. So the reader checks what HDF5
 * would decode before HDF5 sees it:
 * - the superblock (h5s_super.c): HDF5 signature at offset 0 (no user
 *   block), version 2 or 3 (checksummed; cairn writes 2), 8-byte offsets
 *   and lengths, the lookup3 checksum, base address 0, end-of-file address
 *   within the file, root object header address after the superblock and
 *   before the end of the file, no superblock extension;
 * - every object header, before HDF5 reads it (the root's before the file
 *   is opened, the others in h5s_exists, i.e. whenever the reader follows
 *   a link; h5s_ohdr.c): version 2 with its checksums, chunks inside the
 *   file and not repeated, and only the messages cairn writes, each parsed
 *   completely within its length (attribute data exactly as long as its
 *   type and shape say, whole integers, addresses inside the file, no
 *   dense link or attribute storage: every link and attribute the reader
 *   looks at lives in a header checked here);
 * - every read HDF5 makes goes through cairn's read-only file driver
 *   (h5s_vfd.c), which refuses any byte range outside the file; HDF5's own
 *   drivers gather metadata in an accumulator that a wild address made
 *   ask for exabytes and then copy into NULL.
 * Still reaching libhdf5 unchecked, and still able to crash it when
 * crafted: the chunk index (v1 B-tree nodes, which have no checksum),
 * whose entries the reader checks through HDF5's own lookups
 * (tests/fuzz/fuzz_h5.c with FUZZ_H5_RESEAL=1 edits files as an attacker
 * would). Accidental damage there is caught (Fletcher32, the chunk checks
 * above): tests/storage/test_h5s_flips.c flips thousands of single bytes
 * of a 20-segment file and requires every read to fail cleanly or return
 * the original. A file made to exploit HDF5 may still crash it: open job
 * files from untrusted sources in a process that can afford to crash.
 * libhdf5 1.10 also leaks a few hundred bytes each time an object header
 * fails to load (its H5O_protect error path), i.e. per damaged file read.
 *
 * Threads: HDF5 serialises its own calls; an h5s_job or h5s_reader is used
 * by one thread at a time. The writer filters chunks itself on OpenMP
 * threads and hands them to HDF5 with H5Dwrite_chunk (the same bytes as
 * HDF5's filter pipeline, which runs on one thread; the tests compare). Loading this module silences HDF5's automatic
 * error printing for the whole process: errors come back as cairn_err.
 */
#ifndef CAIRN_STORAGE_H5S_H
#define CAIRN_STORAGE_H5S_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

#define H5S_FORMAT_VERSION 3u
#define H5S_FORMAT_NAME "cairn-job"
/* /proof's kind: 0 lift, 1..3 the joins, 4..13 the lift of a tail
 * (recursion/rc_fold.h) */
#define H5S_PROOF_KINDS 14u

/* Chunk size of byte strings and trace columns: 1 MiB keeps zstd well
 * past its small-input overheads and HDF5's default 1 MiB chunk cache
 * able to hold a chunk. Adjustable per job up to H5S_CHUNK_BYTES_MAX. */
#define H5S_CHUNK_BYTES_DEFAULT ((size_t)1 << 20)
#define H5S_CHUNK_BYTES_MAX ((size_t)4 << 20)

/* Reader bounds, checked before anything is allocated. A byte string (ELF,
 * journal, snapshot) cannot usefully exceed the guest's 4 GiB address
 * space; a segment is at most 2^28 cycles (segment_po2 <= 28) and a trace
 * has at most 4096 columns; 10^6 segments of 2^20 cycles is 10^12 cycles. */
#define H5S_MAX_BYTES ((uint64_t)1 << 32)
#define H5S_MAX_TRACE_ROWS ((uint64_t)1 << 28)
#define H5S_MAX_TRACE_COLS 4096u
/* rows x columns of one trace: 2^32 cells = 16 GiB decoded, whatever the
 * two limits above allow together (a small file of zero chunks must not
 * make the reader allocate terabytes). */
#define H5S_MAX_TRACE_CELLS ((uint64_t)1 << 32)
/* Segments per group under /segments, and at most that many groups
 * ("Compact storage only" above). */
#define H5S_SEGMENTS_PER_GROUP 1000u
#define H5S_MAX_SEGMENTS ((uint64_t)H5S_SEGMENTS_PER_GROUP * H5S_SEGMENTS_PER_GROUP)
/* Run summary values (/run attributes); each is a header message. */
#define H5S_MAX_RUN_VALUES 1024u
/* Elements of a final machine state (/claim final_state): RV_STATE_NELEMS
 * of vm/rv32im/rv.h (the storage module does not depend on the machine;
 * cli/prove.c checks that the two agree). */
#define H5S_STATE_ELEMS 53u
/* Proof bytes of one segment: far above any proof of a 2^28-row trace. */
#define H5S_MAX_PROOF_BYTES ((uint64_t)1 << 30)

/* Elements of a recursion claim (/proof claim): RC_CLAIM_NPUB of
 * recursion/rc_join.h (cli/ checks that the two agree). */
#define H5S_FOLD_CLAIM_ELEMS 13u

/* Side tables of one segment (more would not be a trace we wrote). */
#define H5S_MAX_TABLES 64u
/* Column names: 1..63 characters of [A-Za-z0-9_.-], not starting with '.'
 * (they become HDF5 link names). Attribute names of /run: the same. */
#define H5S_MAX_NAME 63u

/* ---- Writing ----------------------------------------------------------- */

typedef struct h5s_job h5s_job; /* an open job file being written */

typedef struct {                                   /* program information */
    const uint8_t *image_id; size_t image_id_len;  /* 32 bytes: 4 field elements LE */
    uint32_t entry;
    const uint8_t *elf; size_t elf_len;            /* optional (NULL, 0) */
} h5s_program;

typedef struct { /* summary of one segment, stored as attributes */
    uint64_t index, cycles;
    uint32_t start_pc, end_pc;
    uint8_t start_root[32], end_root[32];   /* memory Merkle roots, 4 field elements LE */
    uint8_t start_state[32], end_state[32]; /* machine-state digests */
    int halted; int32_t exit_code;
} h5s_segment_info;

typedef struct { /* per-cycle trace of one segment, column-major */
    size_t nrows, ncols;
    const char *const *names;    /* ncols column names */
    const uint32_t *const *cols; /* ncols arrays of nrows uint32 */
} h5s_columns;

/* Creates PATH.tmp (replacing a stale one) and writes the program group.
 * On error *out is NULL and nothing is left behind. */
cairn_err h5s_job_create(h5s_job **out, const char *path, const h5s_program *prog);

/* Optional, before adding data: zstd level (1..22, negative = fast) and
 * chunk size in bytes (1 KiB .. H5S_CHUNK_BYTES_MAX) of later datasets. */
cairn_err h5s_job_set_compression(h5s_job *j, int level, size_t chunk_bytes);

/* Adds segment info->index, which must be the number of segments added so
 * far (segments come in execution order). snapshot may be NULL when
 * snapshot_len is 0; trace NULL stores no trace. Copies nothing it keeps. */
cairn_err h5s_job_add_segment(h5s_job *j, const h5s_segment_info *info,
                              const uint8_t *snapshot, size_t snapshot_len,
                              const h5s_columns *trace);

/* A named side table of a segment's trace (h5s.h layout: .../tables/NAME). */
typedef struct {
    const char *name; /* a column-style name, unique within the segment */
    h5s_columns cols;
} h5s_table;

/* h5s_job_add_segment with ntables side tables stored next to the trace
 * (tables may be NULL when ntables is 0; at most H5S_MAX_TABLES). Each
 * table is checked like a trace. */
cairn_err h5s_job_add_segment_tables(h5s_job *j, const h5s_segment_info *info,
                                     const uint8_t *snapshot, size_t snapshot_len,
                                     const h5s_columns *trace, const h5s_table *tables,
                                     size_t ntables);

/* The statement of a segment proof (vm/rv32im/rv_air.h rv_seg_claim, as
 * bytes): the machine goes from the state with digest start to the one
 * with digest end in cycles cycles, segments of 2^po2. */
typedef struct {
    uint32_t po2;
    uint8_t start[32], end[32]; /* state digests, 4 field elements LE */
    uint64_t cycles;
} h5s_claim;

/* Everything stored for one segment. */
typedef struct {
    const h5s_segment_info *info;
    const uint8_t *snapshot; size_t snapshot_len; /* snapshot may be NULL when 0 */
    const h5s_columns *trace;                     /* NULL: no trace */
    const h5s_table *tables; size_t ntables;      /* side tables (NULL, 0: none) */
    const uint8_t *proof; size_t proof_len;       /* NULL: no proof; else 1..H5S_MAX_PROOF_BYTES */
    const h5s_claim *claim;                       /* given exactly when proof is */
} h5s_segment_data;

/* h5s_job_add_segment_tables with everything a segment may hold,
 * including its proof and claim. */
cairn_err h5s_job_add_segment_data(h5s_job *j, const h5s_segment_data *d);

/* Proof parameters (/params): the preset name (h5s_name_ok rules) and the
 * fields of stark_params that the verifier needs, and the segment size. */
typedef struct {
    char preset[H5S_MAX_NAME + 1];
    uint32_t log_blowup, queries, pow_bits, log_arity, log_final_len;
    uint32_t segment_po2;
} h5s_params;

/* Stores the parameters (once per job). */
cairn_err h5s_job_set_params(h5s_job *j, const h5s_params *p);

/* Stores /program input_digest (once per job; optional). */
cairn_err h5s_job_set_input_digest(h5s_job *j, const uint8_t digest[32]);

/* Who proved a segment and how long it took (segment attributes
 * task_rank, task_ns), and when known (not 0) when the task was handed to
 * the rank (task_start_ns) and when the segment was executed (exec_ns),
 * Unix-epoch nanoseconds. Written only with the task: the job files that
 * hold proofs are the ones that have tasks. */
typedef struct {
    uint32_t rank;
    uint64_t ns;
    uint64_t start_ns, exec_ns; /* 0 = unknown: not written */
} h5s_task;

/* h5s_job_add_segment_data, with the segment's task when task is not
 * NULL. */
cairn_err h5s_job_add_segment_task(h5s_job *j, const h5s_segment_data *d, const h5s_task *task);

/* Stores the final machine state's H5S_STATE_ELEMS field elements and the
 * total cycle count as /claim (once per job). */
cairn_err h5s_job_set_final(h5s_job *j, const uint64_t state[H5S_STATE_ELEMS], uint64_t cycles);

/* The final recursion proof (/proof). */
typedef struct {
    uint32_t kind; /* 0 lift; 1, 2, 3 a join (of joins, of lifts, of a join
                    * and a lift); 4..13 a tail's lift: recursion/rc_fold.h's
                    * kinds */
    uint64_t claim[H5S_FOLD_CLAIM_ELEMS];
    char rc_preset[H5S_MAX_NAME + 1], shape[H5S_MAX_NAME + 1];
    const uint8_t *proof; /* writing: 1..H5S_MAX_PROOF_BYTES bytes; reading: NULL */
    size_t proof_len;
} h5s_fold_proof;

/* Stores /proof (once per job; the names h5s_name_ok, kind 0 or 1). */
cairn_err h5s_job_set_proof(h5s_job *j, const h5s_fold_proof *p);

/* Stores the journal (replacing one set before). Close stores an empty
 * journal if this was never called. */
cairn_err h5s_job_set_journal(h5s_job *j, const uint8_t *journal, size_t len);

/* Sets (or replaces) one run summary value under /run (at most
 * H5S_MAX_RUN_VALUES names). */
cairn_err h5s_job_set_attr_u64(h5s_job *j, const char *name, uint64_t value);

/* Flushes, fsyncs and renames PATH.tmp to PATH; frees j in every case. If
 * any earlier call on j failed, or this one fails, PATH.tmp is removed,
 * PATH is left as it was, and an error is returned. */
cairn_err h5s_job_close(h5s_job *j);

/* Removes PATH.tmp and frees j; accepts NULL. */
void h5s_job_abort(h5s_job *j);

/* ---- Reading ----------------------------------------------------------- */

typedef struct h5s_reader h5s_reader;

/* Opens and validates the file's version and top-level layout. Segments
 * are validated as they are read. The superblock is checked by cairn
 * before libhdf5 reads the file (see "The reader" above). */
cairn_err h5s_open(h5s_reader **out, const char *path);
/* The same for a whole job file held in memory (len bytes; copied, so the
 * caller may free them once this returns). Messages name it "job file
 * image". */
cairn_err h5s_open_image(h5s_reader **out, const void *bytes, size_t len);
void h5s_close(h5s_reader *r); /* accepts NULL */

uint32_t h5s_version(const h5s_reader *r);

typedef struct {
    uint8_t image_id[32];
    uint32_t entry;
    int has_elf;
    uint64_t elf_len;
} h5s_program_info;

/* Sizes of a stored dataset: raw bytes and bytes used in the file. */
typedef struct {
    uint64_t raw, stored;
} h5s_size;

void h5s_program_get(const h5s_reader *r, h5s_program_info *out);
h5s_size h5s_elf_size(const h5s_reader *r);
h5s_size h5s_journal_size(const h5s_reader *r);

/* Reads the ELF / journal into a new buffer the caller frees (NULL with
 * *len = 0 when empty or, for the ELF, not stored). */
cairn_err h5s_read_elf(h5s_reader *r, uint8_t **out, size_t *len);
cairn_err h5s_read_journal(h5s_reader *r, uint8_t **out, size_t *len);
/* Reads the first min(cap, journal length) bytes into buf (a preview). */
cairn_err h5s_read_journal_head(h5s_reader *r, uint8_t *buf, size_t cap, size_t *len);

/* Run summary values (/run attributes), listed in name order. */
size_t h5s_attr_count(const h5s_reader *r);
const char *h5s_attr_name(const h5s_reader *r, size_t i); /* NULL if i out of range */
uint64_t h5s_attr_value(const h5s_reader *r, size_t i);
/* CAIRN_ERR_USAGE with a message if the file has no such value. */
cairn_err h5s_get_attr_u64(const h5s_reader *r, const char *name, uint64_t *value);

uint64_t h5s_segment_count(const h5s_reader *r);

/* The parameters of /params: 1 and *out filled if the file has them, 0 if
 * not (a file of cairn exec). Validated on opening: all or none of the
 * attributes, the preset a valid name. */
int h5s_params_get(const h5s_reader *r, h5s_params *out);

/* /proof: 1 and *out filled (proof NULL, proof_len its size) if the file
 * has one, 0 if not. Validated on opening (types, names, kind 0/1, size
 * bounds); whether it verifies is the verifier's business. */
int h5s_fold_proof_get(const h5s_reader *r, h5s_fold_proof *out);
/* Reads /proof's bytes into a new buffer the caller frees;
 * CAIRN_ERR_USAGE if the file has none. */
cairn_err h5s_read_fold_proof(h5s_reader *r, uint8_t **out, size_t *len);

/* The input digest of /program: 1 and out filled if the file has one. */
int h5s_input_digest_get(const h5s_reader *r, uint8_t out[32]);

/* The final state of /claim: 1 and out, *cycles filled if the file has
 * one, 0 if not. Validated on opening (shape and types only: whether the
 * elements are a machine state is for the verifier to check). */
int h5s_final_get(const h5s_reader *r, uint64_t out[H5S_STATE_ELEMS], uint64_t *cycles);

typedef struct {
    h5s_segment_info info;
    h5s_size snapshot;
    int has_trace;
    uint64_t trace_rows, trace_cols;
    h5s_size trace; /* all columns together */
    uint64_t ntables; /* side tables (each validated like a trace) */
    h5s_size tables;  /* all side tables' columns together */
    int has_proof;    /* proof and claim (always together) */
    h5s_size proof;
    h5s_claim claim;
} h5s_segment_meta;

/* Validates and describes segment `index` (< h5s_segment_count). */
cairn_err h5s_segment(h5s_reader *r, uint64_t index, h5s_segment_meta *out);

/* Who proved segment `index` and how long it took (its task_rank and
 * task_ns attributes, which h5s_segment checks come together, and the
 * optional task_start_ns and exec_ns, 0 when absent): *has = 1 and *out
 * filled if the segment has them, *has = 0 (and *out zero) if not. */
cairn_err h5s_segment_task(h5s_reader *r, uint64_t index, int *has, h5s_task *out);

/* Reads a segment's snapshot into a new buffer the caller frees. */
cairn_err h5s_read_snapshot(h5s_reader *r, uint64_t index, uint8_t **out, size_t *len);

/* Reads a segment's proof into a new buffer the caller frees;
 * CAIRN_ERR_USAGE if the segment has none. */
cairn_err h5s_read_proof(h5s_reader *r, uint64_t index, uint8_t **out, size_t *len);

/* A trace read back, owned by the caller: free with h5s_trace_free. The
 * `view` field points into it, ready to pass back to a writer. */
typedef struct {
    size_t nrows, ncols;
    char **names;
    uint32_t **cols;
    h5s_columns view;
} h5s_trace;

/* Reads a segment's trace; with_data = 0 reads only the names (cols NULL).
 * CAIRN_ERR_USAGE if the segment has no trace. */
cairn_err h5s_read_trace(h5s_reader *r, uint64_t index, int with_data, h5s_trace **out);
void h5s_trace_free(h5s_trace *t); /* accepts NULL */

/* Name of side table i (< meta.ntables, in name order) of a segment. */
cairn_err h5s_table_name(h5s_reader *r, uint64_t index, uint64_t i, char out[H5S_MAX_NAME + 1]);
/* Reads a segment's side table `name` like h5s_read_trace; CAIRN_ERR_USAGE
 * if the segment has no such table. */
cairn_err h5s_read_table(h5s_reader *r, uint64_t index, const char *name, int with_data, h5s_trace **out);

#endif
