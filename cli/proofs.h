/* What cairn prove, cairn verify and cairn bench prove share: the proof
 * parameters by preset name, the security figures of the segment machine,
 * and conversions between the machine's claims and states and the bytes a
 * job file stores them as (storage/h5s.h). */
#ifndef CAIRN_CLI_PROOFS_H
#define CAIRN_CLI_PROOFS_H

#include <stdint.h>

#include "cairn/error.h"
#include "stark/stark.h"
#include "storage/h5s.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

/* Default of --preset (stark.h). */
#define CLI_DEFAULT_PRESET "proven-100"

/* Parameters of a preset (stark_params_preset), for a usage error naming
 * the option on an unknown name. */
cairn_err cli_preset(stark_params *out, const char *name);

/* Security of segment proofs of size 2^po2 with parameters p, at the
 * segment machine's fixed heights (rv_air_heights). */
cairn_err cli_segment_security(stark_security_bits *out, unsigned po2, const stark_params *p);

/* The stored form of parameters / a claim, and back. cli_params_from_h5s
 * validates the numbers (stark_params_validate); cli_claim_from_h5s fails
 * on a digest element that is not a canonical field element. */
void cli_params_to_h5s(h5s_params *out, const char *preset, const stark_params *p, unsigned po2);
cairn_err cli_params_from_h5s(stark_params *out, const h5s_params *in);
void cli_claim_to_h5s(h5s_claim *out, const rv_seg_claim *c);
cairn_err cli_claim_from_h5s(rv_seg_claim *out, const h5s_claim *in);

/* 32 bytes (4 little-endian u64) to a digest; CAIRN_ERR_VERIFY if an
 * element is not below the field's modulus. */
cairn_err cli_digest_from_bytes(p2_digest *out, const uint8_t b[32]);

/* A machine state from its RV_STATE_NELEMS field elements (rv_state_elems'
 * order, rv.h): every element must be what rv_state_elems would give for
 * some state (tag, 32-bit words, flags 0/1, canonical root and chain), so
 * that rv_state_elems(out) == elems; CAIRN_ERR_VERIFY naming the first
 * element that is not. */
cairn_err cli_state_from_elems(rv_state *out, const uint64_t elems[RV_STATE_NELEMS]);

/* The journal fields of a state (chain, tail, length) computed from the
 * journal bytes, as the machine appends them (rv.h "Journal"). */
void cli_journal_fields(rv_state *s, const uint8_t *journal, size_t len);

/* Lowercase hex of n bytes into out (2n + 1 chars). */
void cli_hex(char *out, const uint8_t *b, size_t n);

#endif
