/* STARK prover and verifier for machines described with air.h.
 *
 * Protocol (DESIGN.md "Proof system"): commit the main traces of all
 * tables (one mixed-height Merkle tree; preprocessed columns are committed in
 * the verifying key); draw the LogUp challenges and commit the LogUp columns;
 * draw the constraint-combination challenge, commit the quotient chunks;
 * draw the out-of-domain point zeta and open every column at zeta and
 * g*zeta (quotient chunks at zeta only); DEEP-combine the openings into one
 * codeword per table height and run FRI on them (codewords of smaller
 * heights are rolled in at the folding layer of their size, as Plonky3
 * does), with proof-of-work grinding before the query indices are drawn.
 *
 * Keys fix the machine and the parameters; the verifying key digest is
 * absorbed first by the transcript, so a proof binds both. The proof states
 * the log height of each table (tables with preprocessed columns have a
 * height fixed by the key); every other shape follows from key + heights.
 */
#ifndef CAIRN_STARK_STARK_H
#define CAIRN_STARK_STARK_H

#include <stddef.h>
#include <stdint.h>

#include "air.h"
#include "cairn/error.h"
#include "gl.h"
#include "p2.h"

#define STARK_MAX_QUERIES 512

typedef struct {
    unsigned log_blowup;    /* LDE blowup 2^log_blowup, 1..6 */
    unsigned queries;       /* FRI queries, 1..STARK_MAX_QUERIES */
    unsigned pow_bits;      /* grinding bits before the queries, 0..32 */
    unsigned log_arity;     /* FRI folding arity 2^log_arity, 1..3 */
    unsigned log_final_len; /* final polynomial has 2^log_final_len coefficients, 0..8 */
    int check_trace;        /* prover runs the debug constraint checker first */
} stark_params;

/* Named parameter sets: "proven-100" (default), "conjectured-100", and
 * "test" (few queries, fast, for unit tests only: ~no security). */
cairn_err stark_params_preset(stark_params *out, const char *name);
/* "Keep the preset's" for a log_final_len argument (0 is a length). */
#define STARK_PARAMS_KEEP 0xffffffffu
cairn_err stark_params_validate(const stark_params *p);

/* Security of a parameter set for a machine whose tables have the given
 * log heights (NULL: the machine's preprocessed heights, 2^22 otherwise).
 * See security.c and docs/security.md for the formulas and their sources. */
typedef struct {
    double conjectured; /* ethSTARK conjecture, capped by field and hash */
    double proven;      /* round-by-round, Johnson regime, capped by the hash */
    /* terms of the proven bound (bits, uncapped), for reports; a term that
     * does not occur (no LogUp, no folding) is reported as INFINITY */
    double ali, deep, logup, fri_commit, fri_query;
    double fri_batch;    /* DEEP batching round of FRI */
    double fri_fold;     /* weakest FRI folding round */
    /* fri_commit = min(fri_batch, fri_fold) */
    double eta;          /* Johnson slack: proximity 1 - sqrt(rate) - eta */
    double list_size;    /* Johnson list size at that proximity */
    unsigned fri_rounds; /* folding rounds */
    unsigned batch_words; /* words in the DEEP batching (an upper bound) */
} stark_security_bits;

cairn_err stark_security(stark_security_bits *out, const stark_params *p,
                         const air_machine *m, const unsigned *log_heights);

/* Sets p->queries to the fewest (1..STARK_MAX_QUERIES) that give at least
 * bound proven bits (stark_security) for m at log_heights, the rest of p
 * as given; *out (may be NULL) gets that security. For planning a layer
 * whose tables are padded to fixed heights: log_heights (never NULL)
 * replace the machine's, its preprocessed heights included. bound <= 0
 * keeps p->queries and reports its security. CAIRN_ERR_USAGE if no query
 * count reaches the bound (another round binds). */
cairn_err stark_params_fit_queries(stark_params *p, stark_security_bits *out, const air_machine *m,
                                   const unsigned *log_heights, double bound);

/* The same calculator on an explicit description of a proof's rounds, for
 * planning other layers (recursion) and checking published figures.
 * stark_security builds one of these from a machine. */
#define STARK_SEC_MAX_ROUNDS 64
#define STARK_SEC_MAX_TABLES AIR_MAX_TABLES
typedef struct {
    double log2_field; /* log2 |F| of the challenge field */
    double hash_bits;  /* collision resistance of the commitments (cap) */
    unsigned log_blowup, queries, pow_bits; /* pow_bits: grinding before the queries */
    /* Commit-phase rounds that combine words with powers of one challenge:
     * entry 0 is the DEEP batching, the others FRI folds. Entry r combines
     * `words` words of a Reed-Solomon code of dimension 2^log_dim and rate
     * 2^-log_blowup; `joint` = drawn with the same challenge as the entry
     * before (batching of several heights), so their errors add. */
    unsigned ncommit;
    struct {
        unsigned joint, log_dim, words;
    } commit[STARK_SEC_MAX_ROUNDS];
    /* DEEP-ALI, per table: trace length 2^log_n, constraints combined by
     * powers of one challenge, maximum constraint degree */
    unsigned ntables;
    struct {
        unsigned log_n, constraints, degree;
    } table[STARK_SEC_MAX_TABLES];
    /* LogUp: number of fractions summed (rows x interactions, all tables and
     * boundary terms), widest tuple, tables with interactions */
    double logup_fractions;
    unsigned logup_width, logup_tables;
} stark_security_shape;

/* eta > 0 fixes the Johnson slack; eta <= 0 picks the one that maximises
 * the proven bound. */
cairn_err stark_security_eval(stark_security_bits *out, const stark_security_shape *s,
                              double eta);
/* The shape stark_security evaluates for a machine (same arguments). */
cairn_err stark_security_shape_of(stark_security_shape *out, const stark_params *p,
                                  const air_machine *m, const unsigned *log_heights);

/* Most public values a machine may have (stark_setup rejects more). */
#define STARK_MAX_PUB 64

typedef struct stark_pk stark_pk;
typedef struct stark_vk stark_vk;

/* Builds proving and verifying keys for a finished machine (commits the
 * preprocessed columns). The machine must outlive both keys. */
cairn_err stark_setup(stark_pk **pk, stark_vk **vk, const air_machine *m,
                      const stark_params *p);
void stark_pk_free(stark_pk *pk); /* accept NULL */

/* ---- Key cache (stark/keycache.c) ----
 * stark_setup looks the preprocessed root of a machine up on disk before
 * it commits the preprocessed columns: on a hit the verifying key is
 * ready at once and the proving key commits only when it first proves
 * (checking that the root it computes is the cached one); on a miss it
 * commits and stores the root. Entries are named by this binary, the key's
 * description and the preprocessed values, so a rebuilt binary or another
 * machine never reads them. The folder: $CAIRN_KEY_CACHE ("off" or empty:
 * no cache), else $XDG_CACHE_HOME/cairn/keys, else ~/.cache/cairn/keys;
 * created with mode 0700, and used only when it (and each entry) belongs
 * to the user and nobody else may write it: whoever can write entries can
 * change what this binary's keys verify, as whoever can write the binary
 * can. keycache.c's header has the format. */
typedef struct {
    int enabled;
    char dir[4096];
    char why_off[256]; /* when not enabled */
    uint64_t hits, misses, stores;
    uint64_t bad;   /* entries ignored: damaged, foreign, not private */
    uint64_t wrong; /* entries a prover found wrong (and deleted) */
} stark_keycache_stats;

/* Records: what a layer above derives from this binary alone and keeps
 * beside the keys, under the same folder, rules and trust (the recursion
 * layer's fold keys, recursion/rc_fold.c). A record is named by this
 * binary, a kind (1..15 of [a-z0-9]) and an id (1..STARK_KEYCACHE_MAX_ID
 * bytes: everything the value is a function of, in the binary's terms),
 * and holds a value of 1..STARK_KEYCACHE_MAX_VAL bytes.
 * stark_keycache_record_get: 1 with val (nval bytes) when a record of
 * (kind, id) with nval bytes of value exists, is whole, this binary's and
 * private (as a key's entry); 0 when there is none, the cache is off or
 * the arguments are outside the limits; -1 when there is one that fails a
 * check (ignored; counted as bad). path (cap bytes) gets the record's
 * file name ("" with the cache off). What the value says is the caller's
 * to check: stark_keycache_record_reject says that the value just read
 * is not one (counted as a bad entry, not a hit).
 * stark_keycache_record_put stores one (failures are silent). They count
 * in the stats as a key's entry does. */
#define STARK_KEYCACHE_MAX_ID 256
#define STARK_KEYCACHE_MAX_VAL 512
int stark_keycache_record_get(uint8_t *val, size_t nval, char *path, size_t cap, const char *kind,
                              const uint8_t *id, size_t nid);
void stark_keycache_record_reject(void);
void stark_keycache_record_put(const char *kind, const uint8_t *id, size_t nid, const uint8_t *val, size_t nval);

/* Overrides the environment: dir = the cache folder, NULL or "" = off.
 * Call before the first stark_setup of the process. */
void stark_keycache_set(const char *dir);
void stark_keycache_get_stats(stark_keycache_stats *out);
void stark_vk_free(stark_vk *vk);
/* The verifying key stark_setup gives for m and p when pre_root is the
 * root of m's preprocessed values, without reading those values (only
 * their heights enter the key) and without a proving key: for a verifier
 * that knows the root from elsewhere (recursion/rc_fold.c's record). A
 * wrong root gives another machine's key (another digest), under which
 * this machine's proofs do not verify. m must outlive the key. */
cairn_err stark_vk_from_root(stark_vk **vk, const air_machine *m, const stark_params *p, const p2_digest *pre_root);
p2_digest stark_vk_digest(const stark_vk *vk);
/* The root of the preprocessed columns (zero for a machine without any). */
p2_digest stark_vk_pre_root(const stark_vk *vk);
const stark_params *stark_vk_params(const stark_vk *vk);

/* Main trace of one table: 2^log_n rows x nmain columns, row-major. */
typedef struct {
    const gl_t *main;
    unsigned log_n;
} stark_trace;

/* Proves; traces has one entry per table of the machine. On success *proof
 * is a malloc'd byte string of *len bytes that the caller frees. */
cairn_err stark_prove(const stark_pk *pk, const stark_trace *traces, const gl_t *pub,
                      size_t npub, uint8_t **proof, size_t *len);

/* Memory, in bytes, sized before proving (STYLE.md: large working memory
 * is sized by a query function), so that a worker can say that it cannot
 * hold a task instead of being killed half-way through it:
 *   stark_prove_mem   the prover's own buffers at their high point during
 *                     one stark_prove with these heights (one per table):
 *                     LDEs, Merkle trees, quotient, DEEP and FRI codewords,
 *                     the proof; SIZE_MAX if the heights do not fit the key;
 *   stark_pk_mem      what the proving key holds (the preprocessed columns
 *                     of its machine, their LDE and tree);
 *   stark_traces_mem  the main traces of m at these heights (the caller's).
 * Resident bytes, modelled on the prover's allocations (prove_mem.c);
 * checked against measured peaks by tests/vm/test_rv_prove_mem.c and
 * tests/recursion/test_rc_fold_mem.c. */
size_t stark_prove_mem(const stark_pk *pk, const unsigned *log_heights);

/* A prover workspace: keeps the prover's large buffers (LDEs, trees,
 * quotient, DEEP and FRI codewords) when a proof frees them and hands
 * them out again to the next request that fits, within the proof and in
 * the next proofs, so that consecutive proofs of one shape (the segments
 * of a run) take no fresh pages, whose first touch the kernel pays for by
 * zeroing them (hugemem.h). What it holds, cached and in use, stays
 * within the stark_prove_mem of the proof it serves (or what that proof
 * holds in use, if more), so the memory query stays true with or without
 * one. Between proofs it holds up to that much; stark_workspace_release
 * gives it back to the system (the workspace stays usable) and
 * stark_workspace_free does that and frees it (accepts NULL). One
 * workspace serves one proof at a time (one per proving thread). */
typedef struct stark_workspace stark_workspace;
stark_workspace *stark_workspace_new(void); /* NULL when out of memory */
void stark_workspace_release(stark_workspace *ws);
void stark_workspace_free(stark_workspace *ws);
/* Makes ws keep the largest budget since its last release: each proof's
 * budget is raised to the largest of the proofs before it, so that a
 * smaller proof takes its buffers from the pages of a larger one instead
 * of evicting them, and the larger one, next, finds them again. For proofs
 * of different sizes that alternate on one thread (a segment proof and its
 * lift: stark_keep); ws then holds up to the largest budget. */
void stark_workspace_keep_largest(stark_workspace *ws);
/* Resident bytes it holds now (cached between proofs), for reports. */
size_t stark_workspace_held(const stark_workspace *ws);
/* Buffers that proofs took from ws and did not give back: always 0 unless
 * the prover has a bug (tests check it). */
unsigned stark_workspace_stale(const stark_workspace *ws);

/* A buffer for main traces that a caller keeps between proofs (large
 * ones on transparent huge pages, whose first touch costs far less than
 * 4 KiB pages' on virtualised hosts); contents undefined; NULL when out
 * of memory. Free with stark_trace_buf_free (accepts NULL). */
void *stark_trace_buf_alloc(size_t bytes);
void stark_trace_buf_free(void *p);

/* What a proving thread keeps between its proofs of one kind: a prover
 * workspace and the tables' main traces (stark_trace_buf_alloc), so that
 * consecutive proofs of one shape take no fresh pages. One slot per kind
 * of proof a thread makes (segment proofs, vm/rv32im/rv_air.h; lift and
 * join proofs, recursion/rc_air.h), each with its own traces; the slots
 * of a thread share one workspace, which keeps the largest budget
 * (stark_workspace_keep_largest): a lift takes its buffers from the pages
 * of the segment proof before it and the next segment proof finds them
 * all again, where a workspace per kind, each given back before the other
 * kind, had every segment after a lift take fresh pages (on the 2-core
 * benchmark machine, a virtualised host, 3.5 s of a 2^20-cycle segment's
 * 24). Between proofs a thread holds both kinds' traces and the larger
 * of the two proofs' stark_prove_mem.
 *   stark_keep_thread  the calling thread's keep of slot, made (with the
 *                      thread's workspace) when make is set; NULL when
 *                      there is none, or out of memory (prove without
 *                      one). Freed when the thread ends.
 *   stark_keep_trace   table t's main trace of bytes bytes, zeroed (as
 *                      calloc would give it), reused while it is large
 *                      enough (a smaller trace takes its first bytes: the
 *                      fold's lifts and joins have shapes of their own,
 *                      recursion/rc_fold.h); owned by k; NULL when out of
 *                      memory.
 *   stark_keep_traces_free  frees the traces only;
 *   stark_keep_release gives k's traces and the thread's workspace's
 *                      blocks back to the system (k stays usable; accepts
 *                      NULL);
 *   stark_keep_held    what k holds now, bytes: its traces and the
 *                      thread's workspace (0 for NULL). */
enum { STARK_KEEP_SEGMENT, STARK_KEEP_RECURSION, STARK_KEEP_SLOTS };
typedef struct {
    stark_workspace *ws;
    gl_t *main[AIR_MAX_TABLES];
    size_t bytes[AIR_MAX_TABLES];
} stark_keep;
stark_keep *stark_keep_thread(unsigned slot, int make);
gl_t *stark_keep_trace(stark_keep *k, unsigned t, size_t bytes);
void stark_keep_traces_free(stark_keep *k);
void stark_keep_release(stark_keep *k);
size_t stark_keep_held(const stark_keep *k);

/* stark_prove with a workspace (NULL: as stark_prove). */
cairn_err stark_prove_ws(const stark_pk *pk, stark_workspace *ws, const stark_trace *traces, const gl_t *pub,
                         size_t npub, uint8_t **proof, size_t *len);
size_t stark_pk_mem(const stark_pk *pk);
size_t stark_traces_mem(const air_machine *m, const unsigned *log_heights);
/* stark_pk_mem and stark_prove_mem of the proving key that vk belongs
 * to, from the key alone (both follow from the machine's shape and the
 * parameters): for a caller that builds the proving key only when it
 * first proves (recursion/rc_fold.c's join programs). */
size_t stark_vk_pk_mem(const stark_vk *vk);
size_t stark_vk_prove_mem(const stark_vk *vk, const unsigned *log_heights);

/* Verifies proof bytes; CAIRN_ERR_FORMAT for malformed bytes,
 * CAIRN_ERR_VERIFY naming the first failed check.
 *
 * Table heights. A proof states the log height of each table, and "these
 * public values hold for a trace of height 2^k" is a different statement
 * for each k. So the heights are part of what the caller verifies:
 * log_heights (one entry per table of the machine, never NULL) is in/out:
 *   log_heights[t] != 0: the proof must give table t exactly this height,
 *                        else CAIRN_ERR_VERIFY naming the table;
 *   log_heights[t] == 0: any height the key allows (STARK_MIN_LOG_N ..
 *                        STARK_MAX_LOG_N; fixed for tables with preprocessed
 *                        columns) is accepted, and written back on success.
 * Which to use depends on the machine: a machine whose public values pin
 * every height (the example machines: fib's and lookup's row counters end
 * at the public n, p2chain's at the public number of hashes) may pass zeros
 * and read the heights back; any other caller must state the heights it
 * expects (recursion: fixed shapes) or act on the ones returned. On failure
 * log_heights is unchanged. */
cairn_err stark_verify(const stark_vk *vk, const gl_t *pub, size_t npub, const uint8_t *proof,
                       size_t len, unsigned *log_heights);

/* Where a proof's bytes go, for reports (stark/proof.c "Format"):
 * commit = header, roots, LogUp sums, opened values at the out-of-domain
 * point, FRI roots, final polynomial and nonce; rows = the queried trace
 * rows; fri_values = the queried FRI cosets; paths = the Merkle paths of
 * both (the path bitmap, digests in full, references). path_slots of the
 * paths' digests, path_refs of them written as references. */
typedef struct {
    size_t total, commit, rows, fri_values, paths;
    size_t path_slots, path_refs;
} stark_proof_sizes;
/* Parses proof (CAIRN_ERR_FORMAT / VERIFY as stark_verify's parser) and
 * fills *out; does not verify it. */
cairn_err stark_proof_measure(stark_proof_sizes *out, const stark_vk *vk, const uint8_t *proof,
                              size_t len);

/* Number of tables of the key's machine (the length of log_heights). */
unsigned stark_vk_ntables(const stark_vk *vk);

/* Extension-field LogUp columns of table t in this key's proofs (helper
 * columns and the running sum; 0 for a table without interactions or t
 * out of range), for reports. */
unsigned stark_vk_logup_columns(const stark_vk *vk, unsigned t);

/* Debug constraint checker (check.c): evaluates every constraint of every
 * table on every row and the LogUp balance (with fixed pseudo-random
 * challenges); CAIRN_ERR_VERIFY naming table, row and constraint. */
cairn_err stark_check_trace(const air_machine *m, const stark_trace *traces, const gl_t *pub,
                            size_t npub);

/* Prover statistics of the last stark_prove on this thread (benchmarks):
 * wall seconds per phase (t_), and the process's CPU seconds, all threads,
 * during each phase (c_), which other work on a shared machine disturbs
 * less than the wall time. */
typedef struct {
    double t_main, t_logup, t_quotient, t_open, t_fri, t_queries, t_total;
    double c_main, c_logup, c_quotient, c_open, c_fri, c_queries;
} stark_prove_stats;
const stark_prove_stats *stark_last_prove_stats(void);

#endif
