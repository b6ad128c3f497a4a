/* Segment proofs of the RV32IM machine (docs/rv-air.md): the AIR of one
 * continuation segment, its fixed shape per segment size, and proving and
 * verifying a segment from its snapshot.
 *
 * A segment proof's statement (its claim): the machine went from the
 * state with digest `start` to the state with digest `end` in `cycles`
 * cycles (1..2^po2), by RV32IM as rv.h defines it, with some private input.
 * One verifying key per (po2, parameters), the same for every program.
 * Claims chain: a run is proven when segment 0 starts at the image ID,
 * each segment starts where the previous one ended, and the last one ends
 * halted (rv_state.halted = 1) with the journal and exit code shown.
 */
#ifndef CAIRN_VM_RV_AIR_H
#define CAIRN_VM_RV_AIR_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "rv.h"
#include "stark/stark.h"

/* Public values of a segment proof: start digest [0..3], end digest
 * [4..7], cycles [8]. */
#define RV_AIR_NPUB 9

typedef struct {
    unsigned po2;      /* segment size 2^po2 (the key) */
    p2_digest start;   /* rv_state_digest of the start state */
    p2_digest end;     /* rv_state_digest of the end state */
    uint64_t cycles;   /* 1..2^po2 */
} rv_seg_claim;

/* Tables of the segment machine, in machine order (indices of
 * rv_air_heights). */
enum {
    RV_AIR_CPU,
    RV_AIR_DECODE,
    RV_AIR_RANGE,
    RV_AIR_BYTES,
    RV_AIR_MULDIV,
    RV_AIR_ECALL,
    RV_AIR_IO,
    RV_AIR_JOURNAL,
    RV_AIR_P2,
    RV_AIR_PAGE,
    RV_AIR_NODE,
    RV_AIR_STATE,
    RV_AIR_NTABLES
};

/* Log heights of every table of the segment machine for a segment size
 * (the only heights a segment proof may have), in table order; returns
 * the number of tables (RV_AIR_NTABLES), 0 if po2 is outside
 * RV_MIN_SEGMENT_PO2..RV_MAX_SEGMENT_PO2. */
unsigned rv_air_heights(unsigned po2, unsigned log_heights[AIR_MAX_TABLES]);

/* The budgets (rv.h rv_budget) that make every segment the executor
 * produces fit these heights. */
void rv_air_budget(rv_budget *out, unsigned po2);

/* Tails (docs/rv-air.md "The last segment at its own size"): a run of
 * segment size 2^po2 proves its halted last segment in the smallest
 * segment from 2^RV_TAIL_MIN_PO2 up that holds it (rv.h rv_config tails),
 * with the run's parameters (rv_air_params of po2), and the fold lifts it
 * with a lift program of that size (recursion/rc_fold.h). Below 2^14 a
 * segment costs about what 2^14 costs (the fixed range and bytes tables):
 * the floor bounds the number of sizes (keys, lift programs) for a gain
 * that is small below it; the same floor as a run that fits one segment
 * (jobs.h JOBS_FIT_MIN_PO2). */
#define RV_TAIL_MIN_PO2 14
/* 1 if a run of segment size 2^po2 may hold a segment proof of 2^k: k ==
 * po2, or RV_TAIL_MIN_PO2 <= k < po2 (any of its segments: a segment's
 * proof says what it says whatever its size; cairn prove makes only the
 * last one smaller). */
int rv_air_seg_po2_ok(unsigned po2, unsigned k);

/* Segment proofs of 2^19 cycles and more at a proven preset take blowup
 * 2, not the preset's 4. A segment's prover time follows its LDE (the
 * Merkle leaves of the main, LogUp and quotient codewords are half its CPU
 * time); its lift's follows the queries it verifies. At blowup 2 a query
 * is worth about half a proven bit instead of one, so the queries double
 * (88 -> 175 at po2 20) and the LDE halves. Measured at po2 20 on 2 cores
 * (docs/rv-air.md "Blowup 2 for large segments"): segment 34.3 -> 20.5 s
 * warm, 6.9 -> 4.9 GiB; its lift, at a shape of 2^17 rows instead of
 * 2^16 (recursion/rc_fold.c), 4.4 -> 8.4 s; a segment and its lift
 * together 38.7 -> 28.8 s. The lift's cost does not shrink with the
 * segment, so below 2^19 cycles blowup 4 is as fast or faster (po2 18:
 * about 13.0 s against 13.5 s for the pair) and keeps the smaller lift.
 * The proof doubles (1.33 -> 2.6 MB at po2 20), which only the job file
 * and the lift see. */
#define RV_PROVEN_LOG_BLOWUP 1
#define RV_PROVEN_LOG_BLOWUP_MIN_PO2 19

/* The proof parameters of a preset (stark_params_preset) for segment
 * proofs of size 2^po2: the same, but for a proven preset (proven-100)
 * at blowup 2 from po2 RV_PROVEN_LOG_BLOWUP_MIN_PO2 up, with the query count
 * raised to the fewest that gives the preset's proven bits
 * (stark_security) on the segment machine at its heights. What cairn
 * prove uses and cairn verify expects for a preset name. */
cairn_err rv_air_params(stark_params *out, const char *preset, unsigned po2);
/* rv_air_params with FRI folding arity 2^log_arity (0: the preset's) and
 * final polynomial length 2^log_final_len (STARK_PARAMS_KEEP: the
 * preset's), the queries raised for them: for measuring other FRI shapes
 * (cairn bench prove, cairn bench recursion). */
cairn_err rv_air_params_fri(stark_params *out, const char *preset, unsigned po2,
                            unsigned log_arity, unsigned log_final_len);

/* Proves one segment from its snapshot (rv_snapshot, self-contained):
 * re-executes it, builds every table, proves with the parameters p.
 * *proof is malloc'd (the caller frees it). A segment that faults returns
 * CAIRN_ERR_FAULT naming pc and instruction; one that does not fit the
 * shape (made without rv_air_budget) CAIRN_ERR_LIMIT. Keys are built once
 * per (po2, parameters) and cached; safe to call from several threads.
 *
 * Each calling thread has a prover workspace (stark.h stark_workspace)
 * that keeps the prover's large buffers between its segments, so that the
 * second and later segments take no fresh pages. Between segments it
 * holds at most the prover's part of rv_air_prove_mem's segment figure
 * (while proving, the figure holds as without it). The thread's lifts and
 * joins share the workspace (stark.h stark_keep, recursion/rc_air.h
 * rc_prove). rv_prove_release gives the thread's segment traces and
 * workspace back to the system (before other large work on the thread,
 * or when it goes idle); a thread's is freed when it ends.
 * rv_prove_held: what the calling thread's holds now, in bytes. */
cairn_err rv_prove_segment(uint8_t **proof, size_t *len, rv_seg_claim *claim,
                           const rv_snapshot *s, const stark_params *p);
void rv_prove_release(void);
size_t rv_prove_held(void);
/* The same with a workspace of the caller's (NULL: none), instead of the
 * thread's. */
cairn_err rv_prove_segment_ws(uint8_t **proof, size_t *len, rv_seg_claim *claim, const rv_snapshot *s,
                              const stark_params *p, stark_workspace *ws);

/* Verifies a segment proof against its claim: the key of claim->po2 and
 * p, the heights of rv_air_heights, the public values from the claim.
 * CAIRN_ERR_VERIFY / CAIRN_ERR_FORMAT naming what failed. */
cairn_err rv_verify_segment(const rv_seg_claim *claim, const uint8_t *proof, size_t len,
                            const stark_params *p);

/* The public values of a segment proof for a claim (RV_AIR_NPUB: start,
 * end, cycles), as rv_verify_segment checks them: CAIRN_ERR_VERIFY naming
 * the field for a po2 or cycle count out of range or a non-canonical
 * digest element. What a lift (recursion/rc_lift.h) exposes. */
cairn_err rv_seg_claim_pub(gl_t pub[RV_AIR_NPUB], const rv_seg_claim *claim);

/* The cached verifying key of (po2, p) (p's check_trace aside), built if
 * needed; owned by the cache, valid until rv_air_keys_release. What the
 * recursion layer records the verifier of. */
cairn_err rv_air_vk(const stark_vk **vk, unsigned po2, const stark_params *p);

/* Frees the cached keys (at exit; tests). */
void rv_air_keys_release(void);

/* The machine behind the cached key of (po2, p), built if needed, for
 * reports (table names, widths, interactions); owned by the cache, valid
 * until rv_air_keys_release. */
cairn_err rv_air_machine(const air_machine **m, unsigned po2, const stark_params *p);

/* The digest of the cached verifying key of (po2, p) (p's check_trace
 * aside), built if needed: what two ranks compare to know that they prove
 * and verify the same machine (worker/worker.h). */
cairn_err rv_air_vk_digest(p2_digest *out, unsigned po2, const stark_params *p);

/* Memory a rank needs to prove segments of 2^po2 with p (STYLE.md: large
 * working memory is sized by a query function): the key, built once per
 * (po2, p) and shared by a rank's provers, and what one rv_prove_segment
 * holds at its high point on top of it (traces, the prover's buffers,
 * the re-executed segment). Resident bytes; a rank with T concurrent
 * provers needs key + T x segment. workspace: the prover's buffers alone
 * (stark_prove_mem, part of segment), which a thread's recursion proofs
 * share (rc_fold_add_mem). Builds the key if it is not cached. */
typedef struct {
    size_t key, segment, workspace;
} rv_air_mem;
cairn_err rv_air_prove_mem(rv_air_mem *out, unsigned po2, const stark_params *p);

#endif
