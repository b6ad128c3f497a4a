/* The coordinator <-> worker message codec (prefix cmsg_). Both sides of
 * the MPI protocol (coordinator/coord.h, worker/worker.h) use it; it knows
 * nothing of MPI: a message is a byte string, sent as one MPI_BYTE message
 * with tag CMSG_TAG.
 *
 * Wire format (little-endian), a fixed 48-byte header then the body:
 *
 *   off size field
 *     0    4 magic      CMSG_MAGIC ("CMSG")
 *     4    2 version    CMSG_VERSION
 *     6    2 kind       cmsg_kind
 *     8    4 task_kind  cmsg_task_kind (0 unless TASK / RESULT / ERROR)
 *    12    4 flags      bit 0: body is one zstd frame; other bits 0
 *    16    8 task_id    0 unless TASK / RESULT / ERROR about a task
 *    24    8 wire_len   bytes after the header (exactly)
 *    32    8 body_len   body bytes once decompressed (== wire_len if raw;
 *                       > wire_len if compressed; <= CMSG_MAX_BODY)
 *    40    8 checksum   FNV-1a 64 of header bytes 0..39 and the wire bytes
 *
 * Bodies (u32/u64 little-endian; "bytes" = u64 length + the bytes):
 *   HELLO     u32 rank, u32 threads, params (6 x u32: po2, log_blowup,
 *             queries, pow_bits, log_arity, log_final_len), 32-byte
 *             verifying-key digest (rv_digest_bytes of stark_vk_digest),
 *             u32 length + build string (printable ASCII, < 64 bytes),
 *             u64 mem_need (bytes the sender needs to prove the job's
 *             segments: rv_air_prove_mem's key + segment), u64 mem_limit
 *             (bytes its process may hold: wrk_mem_limit; 0 = unknown),
 *             u32 length + host name (printable ASCII, < 64 bytes)
 *   REQUEST   empty
 *   TASK      params (6 x u32), payload bytes (per task kind: the snapshot
 *             bytes of rv_snapshot_encode for PROVE_SEGMENT, cmsg_lift for
 *             LIFT, cmsg_join for JOIN: below)
 *   RESULT    u64 microseconds the task took, claim bytes (per task kind:
 *             cmsg_seg_claim for PROVE_SEGMENT, cmsg_rc_claim for LIFT and
 *             JOIN), proof bytes
 *   ERROR     u32 cairn_err code, u32 length + message (printable ASCII,
 *             <= CMSG_TEXT_MAX bytes)
 *   SHUTDOWN  u32 lost: ranks the coordinator gave up on (coordinator/
 *             coord.h "Failures"); when nonzero the worker ends without
 *             MPI_Finalize, whose closing fence could wait for them
 * A body must be consumed exactly (no trailing bytes).
 *
 * Bodies of at least CMSG_COMPRESS_MIN bytes are zstd-compressed when that
 * saves at least 1/16 of them (snapshots, whose pages are mostly zeros or
 * code, shrink; proofs, hash outputs, do not and go raw).
 *
 * The parser treats its input as untrusted (a worker may be faulty or
 * hostile): it checks every length against what is left before reading,
 * the checksum, the zstd frame's declared size, and the header fields each
 * kind allows; the error (CAIRN_ERR_FORMAT, CAIRN_ERR_CORRUPT for a checksum
 * mismatch) names the field and offset. The checksum catches transport
 * damage; it is not a defence against a hostile worker (the coordinator
 * verifies every proof for that).
 *
 * Recursion payloads and claims (the fold, recursion/rc_fold.h; u32/u64
 * little-endian, "bytes" = u64 length + the bytes, consumed exactly):
 *   rc claim  RC_CLAIM_NPUB (13) x u64: control root (4), start digest
 *             (4), end digest (4), cycles; each a canonical field element
 *             (< p) = CMSG_RC_CLAIM_BYTES
 *   node      u32 kind (0 lift; 1, 2, 3 a join of joins, of lifts, of a
 *             join and a lift; 4..13 the lift of a tail of 2^(14..23):
 *             the key that verifies it), rc
 *             claim, proof bytes (non-empty)
 *   LIFT      u32 length + segment preset name (printable ASCII, 1..
 *             CMSG_PRESET_MAX bytes), segment claim (cmsg_seg_claim), the
 *             segment's proof bytes (non-empty)
 *   JOIN      u32 length + segment preset name, left node, right node
 * The segment preset travels in the payload because a fold context is
 * keyed by it (rc_fold_get(preset, po2): it chooses the recursion
 * parameters and shape), and the numeric params of TASK do not name it
 * (two presets may share segment parameters and still fold differently).
 * The decoders check every length, the name, the kinds and that every
 * claim element is canonical; whether the claims chain is the task's
 * business (worker/task.c), not the codec's.
 */
#ifndef CAIRN_WORKER_MSG_H
#define CAIRN_WORKER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "stark/stark.h"
#include "vm/rv32im/rv_air.h"

#define CMSG_MAGIC 0x47534d43u /* "CMSG" as little-endian bytes */
/* 4: the recursion task kinds LIFT and JOIN (a worker of version 3 knows
 * neither); 5: tails (a prove-segment snapshot or a lift's segment of a
 * smaller size than the job's, node kinds 4..13 for their lifts) */
#define CMSG_VERSION 5u
#define CMSG_HEADER_BYTES 48u
/* MPI tag of every protocol message (one tag: MPI keeps the messages of
 * one sender in order, which the protocol relies on). */
#define CMSG_TAG 0x4341
/* Largest body accepted; MPI counts are ints, so a message must stay
 * below 2^31 bytes. The fuzz harness builds with a smaller bound. */
#ifndef CMSG_MAX_BODY
#define CMSG_MAX_BODY (1u << 30)
#endif
#define CMSG_COMPRESS_MIN 512u
#define CMSG_TEXT_MAX 1024u  /* ERROR message bytes */
#define CMSG_BUILD_MAX 63u   /* HELLO build string bytes */
#define CMSG_HOST_MAX 63u    /* HELLO host name bytes */
#define CMSG_DIGEST_BYTES 32u

typedef enum {
    CMSG_HELLO = 1, /* coordinator -> worker: the job; worker -> coordinator: its key */
    CMSG_REQUEST,   /* worker -> coordinator: idle, send a task */
    CMSG_TASK,      /* coordinator -> worker */
    CMSG_RESULT,    /* worker -> coordinator */
    CMSG_ERROR,     /* worker -> coordinator: a task (task_id != 0) or the worker failed */
    CMSG_SHUTDOWN,  /* coordinator -> worker: stop */
    CMSG_NKINDS
} cmsg_kind;

/* Task kinds. The table of what each kind does is worker/task.h; new kinds
 * (recursion: LIFT, JOIN) are appended here and there. */
typedef enum {
    CMSG_TASK_NONE = 0,
    CMSG_TASK_PROVE_SEGMENT = 1,
    CMSG_TASK_LIFT = 2, /* lift one segment proof into a recursion proof */
    CMSG_TASK_JOIN = 3, /* join two adjacent recursion proofs */
    CMSG_TASK_NKINDS
} cmsg_task_kind;

/* Proof parameters as they travel: the segment size and stark_params
 * without check_trace (a prover-side debugging switch, not part of a key). */
typedef struct {
    uint32_t po2, log_blowup, queries, pow_bits, log_arity, log_final_len;
} cmsg_params;

void cmsg_params_set(cmsg_params *out, unsigned po2, const stark_params *p);
void cmsg_params_get(stark_params *out, const cmsg_params *in); /* check_trace = 0 */
int cmsg_params_eq(const cmsg_params *a, const cmsg_params *b);

/* One message. For encoding, the pointers are the caller's (borrowed); a
 * decoded message points into its own buffer (owned_, freed by
 * cmsg_free). Fields not used by the kind are 0 / NULL. */
typedef struct {
    cmsg_kind kind;
    uint32_t task_kind;
    uint64_t task_id;
    /* HELLO */
    uint32_t rank, threads;
    uint8_t digest[CMSG_DIGEST_BYTES];
    char build[CMSG_BUILD_MAX + 1];
    uint64_t mem_need, mem_limit;
    char host[CMSG_HOST_MAX + 1];
    /* HELLO, TASK */
    cmsg_params params;
    /* TASK */
    const uint8_t *payload;
    size_t payload_len;
    /* RESULT */
    uint64_t micros;
    const uint8_t *claim;
    size_t claim_len;
    const uint8_t *proof;
    size_t proof_len;
    /* ERROR */
    uint32_t code;
    char text[CMSG_TEXT_MAX + 1];
    /* SHUTDOWN */
    uint32_t lost;
    uint8_t *owned_;
} cmsg;

/* A zeroed message of the given kind. */
void cmsg_init(cmsg *m, cmsg_kind kind);
/* Frees what a decoded message owns (accepts NULL and encoded-only
 * messages) and zeroes it. */
void cmsg_free(cmsg *m);

/* Encodes m into *out (malloc'd, *len bytes; the caller frees it).
 * compress: 1 = zstd when it pays, 0 = never. CAIRN_ERR_USAGE if m breaks
 * the rules the parser checks (so every encoded message decodes). */
cairn_err cmsg_encode(uint8_t **out, size_t *len, const cmsg *m, int compress);

/* Parses untrusted bytes into *out (which then owns a copy of the body;
 * free with cmsg_free). On error *out is zeroed and owns nothing. */
cairn_err cmsg_decode(cmsg *out, const uint8_t *buf, size_t len);

/* Sets the text of an ERROR message from a string, replacing what the
 * parser would refuse (control characters, non-ASCII) with '?' and cutting
 * it at CMSG_TEXT_MAX bytes. */
void cmsg_set_text(cmsg *m, const char *text);

const char *cmsg_kind_name(uint32_t kind);           /* "hello", ...; "?" */
const char *cmsg_task_kind_name(uint32_t task_kind); /* "prove-segment"; "?" */

/* The claim bytes of a PROVE_SEGMENT result: u32 po2, start digest
 * (4 x u64), end digest (4 x u64), u64 cycles = CMSG_SEG_CLAIM_BYTES.
 * The decoder checks the length, po2 in RV_MIN_SEGMENT_PO2..
 * RV_MAX_SEGMENT_PO2, canonical digest elements (< p) and cycles in
 * 1..2^po2. */
#define CMSG_SEG_CLAIM_BYTES 76u
void cmsg_seg_claim_encode(uint8_t out[CMSG_SEG_CLAIM_BYTES], const rv_seg_claim *c);
cairn_err cmsg_seg_claim_decode(rv_seg_claim *out, const uint8_t *buf, size_t len);

/* ---- recursion payloads and claims (the layouts above) ---- */

#define CMSG_RC_CLAIM_N 13u /* RC_CLAIM_NPUB (recursion/rc_join.h; task.c checks) */
#define CMSG_RC_CLAIM_BYTES (8u * CMSG_RC_CLAIM_N)
#define CMSG_PRESET_MAX 31u
/* RC_FOLD_LIFT, RC_FOLD_JOIN_JJ, _LL, _JL, RC_FOLD_TAIL0, RC_FOLD_NKINDS
 * (recursion/rc_fold.h; task.c checks) */
enum {
    CMSG_NODE_LIFT = 0,
    CMSG_NODE_JOIN_JJ = 1,
    CMSG_NODE_JOIN_LL = 2,
    CMSG_NODE_JOIN_JL = 3,
    CMSG_NODE_TAIL0 = 4,
    CMSG_NODE_NKINDS = 14
};

/* A node as it travels; decoded, proof points into the decoder's input. */
typedef struct {
    uint32_t kind;
    uint64_t claim[CMSG_RC_CLAIM_N];
    const uint8_t *proof;
    size_t proof_len;
} cmsg_rc_node;

typedef struct {
    char preset[CMSG_PRESET_MAX + 1];
    rv_seg_claim seg;
    const uint8_t *proof; /* the segment proof */
    size_t proof_len;
} cmsg_lift;

typedef struct {
    char preset[CMSG_PRESET_MAX + 1];
    cmsg_rc_node left, right;
} cmsg_join;

void cmsg_rc_claim_encode(uint8_t out[CMSG_RC_CLAIM_BYTES], const uint64_t claim[CMSG_RC_CLAIM_N]);
/* CAIRN_ERR_FORMAT for another length or an element not below p. */
cairn_err cmsg_rc_claim_decode(uint64_t out[CMSG_RC_CLAIM_N], const uint8_t *buf, size_t len);

/* Encoders: *out malloc'd (the caller frees it); CAIRN_ERR_USAGE for what
 * the decoder would refuse. Decoders: untrusted bytes, CAIRN_ERR_FORMAT
 * naming the field; the decoded proofs point into buf. */
cairn_err cmsg_lift_encode(uint8_t **out, size_t *len, const cmsg_lift *l);
cairn_err cmsg_lift_decode(cmsg_lift *out, const uint8_t *buf, size_t len);
cairn_err cmsg_join_encode(uint8_t **out, size_t *len, const cmsg_join *j);
cairn_err cmsg_join_decode(cmsg_join *out, const uint8_t *buf, size_t len);

/* FNV-1a 64 of the concatenation a || b (exposed for tests). */
uint64_t cmsg_checksum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
