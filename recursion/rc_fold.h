/* Folding a run's segment proofs into one recursion proof (issue 10,
 * deliverables 5 and 7; docs/recursion.md "The fold").
 *
 * A fold context belongs to one segment preset and segment size (po2):
 * it knows the recursion parameters and shape to use (rc_fold_config, the
 * one place that chooses them), the lift program of that po2, the join
 * program, their keys, and the control root over those keys. Everything
 * is derived from (preset, po2) and the build alone, never from a proof:
 * the programs are recorded on proof-shaped blanks (stark_vrec_blank),
 * since a recorded verifier depends only on the key and the heights. So
 * `cairn verify` recomputes the control root of its own build.
 *
 * Shapes of lifts and joins: a lift proof has the lift shape, every join
 * proof the join shape (rc_fold_config). Joins verify two proofs cheaper
 * than a lift verifies a segment proof, so at proven-100 their shape is
 * half the lift's in every table but ext, and a join proves in about
 * two thirds of the time (docs/recursion.md "Shapes"). A config may give
 * both one shape (conjectured-100): the three join programs are then one
 * program with one key, in three leaves of the control root. A join program is
 * recorded for the shapes of its two children, so there are three:
 * of two lifts (level 1 of the fold), of a join and a lift (a lift
 * carried up from an odd level, always the right child), of two joins.
 * A lift is never the left child of a join in the fold (cli/fold.c:
 * a node without a partner is the last of its level); rc_fold_join
 * refuses that pair.
 *
 * Control root of (preset, po2): rc_ctrl_root over the key digests
 * in kind order [lift(po2), join of joins, join of lifts, join of a join
 * and a lift, lift(14), ..., lift(23)] (leaves 0..3, and 4 + k - 14 for
 * each tail size k < po2; the other leaves zero). Tails (rv_air.h): a
 * run's halted last segment may be proven smaller, from 2^14 up, so the
 * root of po2 holds the lift program of each size 14..po2-1 too; they are
 * lift-shaped, so the joins take them as lifts unchanged (the key is an
 * input), and their programs and proving keys are made on a context's
 * first lift of that size (a run has at most one tail). Each join
 * program takes its children's keys as input and checks them against the
 * control root, so a join accepts any allowed program of the shape it
 * was recorded for on each side. One root per
 * (preset, po2) rather than one for every po2 the CLI accepts (4..24):
 * 21 lifts and a join do not fit the control tree's 16 leaves, and a
 * verifier would have to build 21 lift keys (each a recursion machine's
 * preprocessed commitment, 0.5 s at rc-test, about 14 s at rc-100,
 * twice that at rc-100-lift) to check one proof. A run has one segment size, so its final proof needs
 * only its own lift; the verifier reads (preset, po2) from the proof file
 * and recomputes the root, which it then requires in the final claim.
 *
 * A prover's context of a (preset, po2) in that table takes the joins'
 * keys and the control root from it too, and records and builds each
 * join program on the first join of its kind (rc_fold_programs_built):
 * a run that fits one segment never pays for them.
 *
 * Contexts are built on first use and cached for the process (keyed by
 * preset and po2; thread-safe); rc_fold_release frees them.
 *
 * A verifier needs less (rc_fold_get_verifier): the parameters and the
 * shapes, which are cheap, and the four verifying keys, which are each
 * shape's one constraint system (rc_air_shape_machine) with each
 * program's preprocessed root. Recording the programs and filling their
 * machines' preprocessed columns only yields those four roots, so a full
 * build stores them in the key cache (stark.h "Key cache", a record of
 * kind "fold" named by this binary, preset, po2, shapes, both layers'
 * parameters and the shape machines' key descriptions), and a verifier
 * that finds the record builds the keys from the shapes' machines and the
 * roots, and derives the key digests and the control root from them (the
 * record holds neither). A wrong root in a record (written by someone with
 * the cache's trust, README "The key cache") gives another key digest and
 * control root, so every proof of this build fails "control root";
 * damaged or foreign records are ignored (notice on stderr) and rebuilt.
 * Without a cache (CAIRN_KEY_CACHE=off) the verifier builds everything.
 *
 * Roots shipped with the build: a program may hand rc_fold_ship a table
 * of such records (id and roots), made by the build's own code when it
 * was built (recursion/gen/fold_roots_gen.c; the cairn binary carries
 * those of CMake's CAIRN_SHIP_FOLD_ROOTS, by default the default segment
 * size at proven-100 and conjectured-100). A verifier's context whose
 * record id is in the table takes its roots from there, before the key
 * cache: the first `cairn verify` of such a proof on a machine takes
 * milliseconds instead of the full build. CAIRN_FOLD_ROOTS=off ignores
 * the table.
 *
 * Node kinds: a lift proof (level 0, or an odd node carried up) or one of
 * the three join proofs; the kind says which key verifies it. */
#ifndef CAIRN_RECURSION_RC_FOLD_H
#define CAIRN_RECURSION_RC_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "rc_join.h"
#include "rc_lift.h"

typedef struct rc_fold rc_fold;

/* The recursion layer's choice for a segment preset: the recursion proofs'
 * preset (stark_params_preset) and shape (rc_air.h). */
typedef struct {
    const char *preset;
    const char *shape;      /* of lift proofs */
    const char *join_shape; /* of join proofs */
} rc_fold_cfg;

/* THE place that maps a segment preset (and po2) to the recursion
 * preset and shapes; the parameters are rc_params(preset, shape) (a proven
 * preset: the recursion layer's blowup and the fewest queries that reach
 * its bound at the shape's heights), with the larger query count of the
 * two shapes for both:
 *   test            -> preset test, shapes rc-test / rc-test-join
 *   proven-100      -> preset proven-100, shapes rc-100 / rc-100-join,
 *                      from po2 RV_PROVEN_LOG_BLOWUP_MIN_PO2 (19) up
 *                      rc-100-lift / rc-100-join (segment proofs at
 *                      blowup 2 have 175 queries: their lifts need 2^17
 *                      rows)
 *   conjectured-100 -> preset conjectured-100, shape rc-100 for both
 *                      (its recursion proofs are at blowup 2: the join
 *                      of two lifts needs 36.1k p2 rows, over
 *                      rc-100-join's 2^15; with one shape the three join
 *                      programs are one, and so are their keys)
 * CAIRN_ERR_USAGE for another preset. */
cairn_err rc_fold_config(rc_fold_cfg *out, const char *seg_preset, unsigned po2);

/* Node kinds (the order of the control root's leaves): the lift of a
 * segment of the context's po2, the three joins, and from RC_FOLD_TAIL0
 * the lifts of tails, kind RC_FOLD_TAIL0 + k - RV_TAIL_MIN_PO2 for a
 * segment of 2^k (rv_air.h "Tails"; a context of po2 has the tails k <
 * po2; the others' leaves are zero, so a context of po2 <= 14 has the
 * control root of the four kinds alone). */
enum {
    RC_FOLD_LIFT = 0,
    RC_FOLD_JOIN_JJ = 1,
    RC_FOLD_JOIN_LL = 2,
    RC_FOLD_JOIN_JL = 3,
    RC_FOLD_TAIL0 = 4,
    RC_FOLD_NKINDS = RC_FOLD_TAIL0 + RV_MAX_SEGMENT_PO2 - RV_TAIL_MIN_PO2
};

/* 1 for the lift kinds (RC_FOLD_LIFT and the tails'): proofs of the lift
 * shape, which a join takes as a lift. */
int rc_fold_is_lift(unsigned kind);
/* 1 if kind is a leaf of f's control root (the lift, the joins, the
 * tails of sizes below f's po2). */
int rc_fold_has_kind(const rc_fold *f, unsigned kind);
/* The kind of the lift of a segment of 2^seg_po2 in f's run: RC_FOLD_LIFT
 * for f's po2, a tail's for a smaller size rv_air_seg_po2_ok allows;
 * CAIRN_ERR_USAGE naming the sizes otherwise. */
cairn_err rc_fold_lift_kind(unsigned *out, const rc_fold *f, unsigned seg_po2);
/* The kind of the join of a left node of kind left and a right one of
 * kind right (CAIRN_ERR_USAGE naming them for an unknown kind or a lift
 * left of a join). */
cairn_err rc_fold_join_kind(unsigned *out, unsigned left, unsigned right);
/* "lift", "join of joins", "join of lifts", "join of a join and a lift",
 * "lift of a tail of 2^k", or "unknown kind". */
const char *rc_fold_kind_name(unsigned kind);
/* The shape of a kind's proofs under cfg: cfg->shape for a lift,
 * cfg->join_shape for a join. */
const char *rc_fold_shape_of(const rc_fold_cfg *cfg, unsigned kind);

/* The context of (seg_preset, po2), built on first use (records the lift
 * and join programs on blanks, builds their machines and keys) and cached.
 * CAIRN_ERR_USAGE for an unknown preset or a po2 out of range;
 * CAIRN_ERR_LIMIT if a program does not fit the shape. */
cairn_err rc_fold_get(const rc_fold **out, const char *seg_preset, unsigned po2);
/* A context that verifies (rc_fold_verify, _ctrl, _key, _security,
 * _params, the claims) but may not lift or join: from the key cache's
 * record of (seg_preset, po2) when there is a usable one (milliseconds;
 * rc_fold_from_record says so), else a full context as rc_fold_get's
 * (which stores the record). A full context of the process is returned
 * when there is one. Errors as rc_fold_get. */
cairn_err rc_fold_get_verifier(const rc_fold **out, const char *seg_preset, unsigned po2);
/* 1 if f's keys came from the key cache's record, 2 if from the roots
 * shipped with the build (a verifier's context: rc_fold_lift and
 * rc_fold_join refuse it with CAIRN_ERR_USAGE, rc_fold_prove_mem is
 * SIZE_MAX), 0 for a full context. */
int rc_fold_from_record(const rc_fold *f);
/* The kinds whose programs and proving keys f holds now, a bit per kind
 * (1 << kind): the lift and the joins for a full context built from
 * scratch, and a tail's lift from its first lift; only the
 * lift's until the first join of each kind for a prover's context of a
 * (preset, po2) whose roots ship with the build (its joins' keys are
 * built then, and must be the shipped ones: CAIRN_ERR_INTERNAL from
 * rc_fold_join otherwise); none for a verifier's. */
unsigned rc_fold_programs_built(const rc_fold *f);
/* "" for a full context; for one from a record or the shipped roots, a
 * note naming where the roots came from, for messages about a control
 * root that differs (" (keys from the key cache's record PATH: ...)";
 * the thread's buffer, until the next call). */
const char *rc_fold_keys_note(const rc_fold *f);

/* ---- roots shipped with the build ----
 * A record as the key cache holds it: the id (preset, po2, shape, both
 * layers' parameters, the shape machine's key description) and the lift
 * and join programs' preprocessed roots. */
#define RC_FOLD_ID_BYTES 140
typedef struct {
    uint8_t id[RC_FOLD_ID_BYTES];
    uint64_t root[RC_FOLD_NKINDS][P2_DIGEST]; /* zero for a kind the context has not */
} rc_fold_shipped;
/* The record of a full context built from scratch (CAIRN_ERR_USAGE for a
 * verifier's, and for a prover's whose join keys came from the shipped
 * roots: it would only echo the table). */
cairn_err rc_fold_shipped_of(rc_fold_shipped *out, const rc_fold *f);
/* Makes table[0..n) the process's shipped roots (NULL, 0: none); the table
 * must outlive the contexts built after the call. Ignored (no table)
 * while CAIRN_FOLD_ROOTS=off. Not thread-safe against concurrent
 * rc_fold_get*: call it at start-up. */
void rc_fold_ship(const rc_fold_shipped *table, size_t n);
/* The table that the build made (the generated library cairn_fold_roots,
 * linked by the cairn binary; NULL when it ships none). */
extern const rc_fold_shipped *const rc_fold_roots_built;
extern const size_t rc_fold_roots_built_n;
/* Frees every cached context (no rc_fold may be used afterwards). */
void rc_fold_release(void);

p2_digest rc_fold_ctrl(const rc_fold *f);
/* key digest of the program of a kind (RC_FOLD_LIFT .. RC_FOLD_NKINDS-1) */
p2_digest rc_fold_key(const rc_fold *f, unsigned kind);
const rc_fold_cfg *rc_fold_cfg_of(const rc_fold *f);
const char *rc_fold_seg_preset(const rc_fold *f);
unsigned rc_fold_po2(const rc_fold *f);
/* The recursion parameters and the security of a recursion proof of the
 * shape. */
const stark_params *rc_fold_params(const rc_fold *f);
cairn_err rc_fold_security(stark_security_bits *out, const rc_fold *f);

/* Memory (resident bytes) a rank needs to make lifts and joins of this
 * context, beside what it holds for segment proofs (STYLE.md: sized by a
 * query function): the recursion keys (stark_pk_mem) of the lift, the
 * joins and the largest tail's lift (a run has one tail at most) plus the
 * traces at each table's larger height of the two shapes
 * (stark_traces_mem) and the larger proof's prover buffers
 * (stark_prove_mem; both the model tests/stark checks against measured
 * peaks), plus a quarter of both on top for what the
 * figures do not model (the context's recorded programs and machines, the
 * witness, the child proofs being verified). The proving thread keeps
 * its recursion workspace and traces between lifts and joins (rc_air.h
 * rc_prove): at most the proof part of the figure, so the figure holds
 * with it; rc_prove_release gives it back.
 * rc_fold_add_mem: the same on top of a thread that proves segments
 * whose prover buffers are seg_workspace bytes (rv_air_mem.workspace),
 * since both provers of a thread share one workspace (stark.h stark_keep),
 * which holds the larger of the two: the figure less the smaller of
 * seg_workspace and the proof part. What the coordinator adds to a
 * rank's segment need when the job folds (coord.h "Memory").
 * tests/recursion/test_rc_fold_mem checks both against the resident
 * memory that building the keys, two lifts and a join take (preset test),
 * alone and after segment proofs on the same thread. SIZE_MAX for a
 * verify-only context. */
size_t rc_fold_prove_mem(const rc_fold *f);
size_t rc_fold_add_mem(const rc_fold *f, size_t seg_workspace);

/* One node of the fold tree: a recursion proof and its claim
 * (RC_CLAIM_NPUB values: control root, start, end, cycles). */
typedef struct {
    unsigned kind; /* RC_FOLD_LIFT .. RC_FOLD_NKINDS-1 */
    gl_t claim[RC_CLAIM_NPUB];
    uint8_t *proof; /* malloc'd by the producer; rc_fold_node_free */
    size_t len;
} rc_fold_node;

void rc_fold_node_free(rc_fold_node *n); /* accepts NULL and a zeroed node */

/* The claims the fold's nodes make, the one description of them for the
 * fold's producer (cli/fold.c) and its checker (worker/task.c):
 * a lift of segment claim seg claims (the context's control root, seg's
 * start, end, cycles) (CAIRN_ERR_VERIFY as rv_seg_claim_pub for a claim
 * out of range); a join of left and right claims (left's control root
 * and start, right's end, the sum of the cycles), what rc_join exposes
 * when the two chain (which the join checks). */
cairn_err rc_fold_lift_claim(gl_t out[RC_CLAIM_NPUB], const rc_fold *f, const rv_seg_claim *seg);
void rc_fold_join_claim(gl_t out[RC_CLAIM_NPUB], const gl_t left[RC_CLAIM_NPUB], const gl_t right[RC_CLAIM_NPUB]);

/* Lifts a segment proof of claim seg (the segment's po2 the context's,
 * or a tail's: rc_fold_lift_kind, whose program and proving key are made
 * on the first lift of that size) under the control root, proves the
 * lift and verifies that proof: *out gets a verified node. CAIRN_ERR_VERIFY (naming the failed
 * check) if the segment proof does not verify for its claim. seconds
 * (may be NULL) gets the wall time. */
cairn_err rc_fold_lift(rc_fold_node *out, double *seconds, const rc_fold *f, const rv_seg_claim *seg,
                       const uint8_t *proof, size_t len);

/* Joins two adjacent nodes (left end = right start, both under the
 * context's control root) with the join program of their kinds
 * (rc_fold_join_kind), proves the join and verifies it. */
cairn_err rc_fold_join(rc_fold_node *out, double *seconds, const rc_fold *f, const rc_fold_node *left,
                       const rc_fold_node *right);

/* Verifies a node: its claim's control root is the context's
 * (CAIRN_ERR_VERIFY "control root ...") and its proof verifies under the
 * key of its kind with its claim as public values. CAIRN_ERR_USAGE for a
 * kind the context does not have (rc_fold_has_kind). */
cairn_err rc_fold_verify(const rc_fold *f, unsigned kind, const gl_t claim[RC_CLAIM_NPUB], const uint8_t *proof,
                         size_t len);

#endif
