/* The exported final proof of a run (`cairn export job.h5 -o run.proof`,
 * `cairn verify --proof run.proof`; docs/recursion.md "The export
 * format"): a small self-describing file that a verifier checks without
 * HDF5, the trace or the segment proofs. This module only encodes and
 * parses it (it depends on common/ alone, so that its fuzz harness
 * tests/fuzz/fuzz_rc_export.c builds it alone); verifying is the fold's
 * (rc_fold_verify) and the CLI's.
 *
 * Layout, version 1, every integer little-endian:
 *
 *   offset  size   field
 *   0       8      magic "CAIRNFIN"
 *   8       4      version (RC_EXPORT_VERSION)
 *   12      4      kind: 0 lift; 1, 2, 3 a join of joins, of lifts, of a
 *                  join and a lift; 4..13 the lift of a tail (rc_fold.h:
 *                  which recursion key verifies it)
 *   16      4      segment po2 (RC_EXPORT_MIN_PO2..RC_EXPORT_MAX_PO2)
 *   20      32     segment preset name \
 *   52      32     recursion preset     | each 1..31 characters of
 *   84      32     recursion shape     /  [A-Za-z0-9_.-], NUL-padded
 *   116     32     control root (4 x u64)
 *   148     104    claim (13 x u64): control root, start state digest
 *                  (the image ID), end state digest, cycles
 *   252     424    final state (53 x u64: vm/rv32im/rv.h rv_state_elems)
 *   676     8      journal length J (0..RC_EXPORT_MAX_JOURNAL)
 *   684     J      journal bytes
 *   684+J   8      proof length P (1..RC_EXPORT_MAX_PROOF)
 *   692+J   P      proof bytes (recursion/rc_air.h rc_prove)
 *   the file is exactly 692 + J + P bytes.
 * u64 fields that are field elements (control root, claim, state) must be
 * canonical (< p = 2^64 - 2^32 + 1). The encoding is canonical: whatever
 * parses re-encodes to the same bytes. */
#ifndef CAIRN_RECURSION_RC_EXPORT_H
#define CAIRN_RECURSION_RC_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

#define RC_EXPORT_MAGIC "CAIRNFIN"
#define RC_EXPORT_VERSION 1u
#define RC_EXPORT_NAME 32u
#define RC_EXPORT_CLAIM 13u  /* RC_CLAIM_NPUB (rc_join.h) */
#define RC_EXPORT_STATE 53u  /* RV_STATE_NELEMS (vm/rv32im/rv.h) */
#define RC_EXPORT_MIN_PO2 4u /* RV_MIN_SEGMENT_PO2 .. RV_MAX_SEGMENT_PO2 */
#define RC_EXPORT_MAX_PO2 24u
#define RC_EXPORT_MAX_JOURNAL ((uint64_t)1 << 32)
#define RC_EXPORT_MAX_PROOF ((uint64_t)1 << 30)
#define RC_EXPORT_FIXED 692u /* bytes besides the journal and the proof */

typedef struct {
    uint32_t kind, po2;
    char seg_preset[RC_EXPORT_NAME], rc_preset[RC_EXPORT_NAME], shape[RC_EXPORT_NAME]; /* NUL-terminated */
    uint64_t ctrl[4];
    uint64_t claim[RC_EXPORT_CLAIM];
    uint64_t state[RC_EXPORT_STATE];
    const uint8_t *journal; /* parsed: point into the parsed bytes */
    size_t journal_len;
    const uint8_t *proof;
    size_t proof_len;
} rc_export;

/* Encodes e into a new buffer the caller frees; CAIRN_ERR_USAGE for a
 * value the format cannot hold (the message names it). */
cairn_err rc_export_encode(uint8_t **out, size_t *len, const rc_export *e);

/* Parses untrusted bytes (len = the whole file): CAIRN_ERR_FORMAT naming
 * the field and offset for anything that is not such a file (bad magic,
 * a length that does not match the bytes, a name that is not one, a
 * non-canonical element, trailing bytes), CAIRN_ERR_UNSUPPORTED for
 * another version. The pointers of *out point into buf. */
cairn_err rc_export_parse(rc_export *out, const uint8_t *buf, size_t len);

#endif
