/* Lift (issue 10): the recursion program that verifies one RV32IM segment
 * proof (vm/rv32im/rv_air.h). It is the one verifier (stark/verifier.c)
 * recorded for the segment key of po2 K at the segment shape
 * rv_air_heights(K): nothing of the segment machine is written again here.
 *
 * Statement. The recorded program's public values (its first witness
 * elements, which a recursion proof exposes: rc_air.h) are the claim of
 * every recursion proof (rc_join.h): the control root (4, carried: the
 * lift reads it and checks nothing about it; join checks it), then the
 * segment proof's start state digest (4), end state digest (4) and cycles
 * (1), in rv_seg_claim_pub's order. So a recursion proof of a lift run
 * says "a segment proof of this claim, under the segment key of (K,
 * parameters), was accepted". The cycle count's range 1..2^K needs no check of its own
 * in the program: the segment AIR's row counter bounds it (docs/rv-air.md,
 * cpu table), and rv_seg_claim_pub refuses a claim outside it before
 * recording. */
#ifndef CAIRN_RECURSION_RC_LIFT_H
#define CAIRN_RECURSION_RC_LIFT_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "rc.h"
#include "rc_join.h"
#include "vm/rv32im/rv_air.h"

/* Public values of a lift program: the claim of rc_join.h. */
#define RC_LIFT_NPUB RC_CLAIM_NPUB

/* Records the lift of one segment proof: the verifier of the segment key
 * of (claim->po2, seg_params) on proof at heights rv_air_heights(po2),
 * with the claim's public values, under the control root *ctrl. As
 * rc_record_verifier: *prog and *witness (n elements, the first
 * RC_LIFT_NPUB the claim: ctrl, then the segment's public values)
 * go to the caller; *accepted says whether the recorded run accepted and
 * first (may be NULL, >= 256 bytes) gets the first failed check's reason.
 * A proof whose bytes do not parse for the key, or whose heights are not
 * the segment shape, is CAIRN_ERR_FORMAT / CAIRN_ERR_VERIFY (no program:
 * a program is recorded for one shape); a claim out of range
 * CAIRN_ERR_VERIFY (rv_seg_claim_pub). */
cairn_err rc_lift_record(rc_program **prog, gl_t **witness, size_t *n, int *accepted, char *first,
                         const p2_digest *ctrl, const rv_seg_claim *claim, const uint8_t *proof,
                         size_t len, const stark_params *seg_params);

#endif
