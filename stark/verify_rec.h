/* What a second backend of vctx.h (the recursion program builder) needs
 * from the verifier, and nothing more (issue 10, item 6): parse a proof
 * for a key at heights the caller fixes, and run the one verifier
 * (verifier.c) on any vctx. The parsed proof and its shape stay internal
 * to the stark engine (stark_internal.h); this header is what modules
 * above the proof system use.
 *
 * Witness layout. The verifier reads proof values only through vc_input /
 * vce_input, in a fixed order that depends on the key and the heights
 * alone (never on proof values; tests/stark/test_stark_forge.c checks the
 * control flow, tests/recursion that the recorded programs are identical).
 * An extension value is read as its 3 coefficients (c0, c1, c2), so the
 * witness is a sequence of base elements:
 *
 *   1. the public values, npub elements, in order;
 *      (key as input only: the inner key's preprocessed root, 4 elements)
 *   2. the main-trace root (4), if some table has main columns;
 *   3. if the machine has any LogUp interaction: the LogUp root (4; the
 *      zero digest when no table has interactions, in which case no check
 *      uses it), then the terminal LogUp sum (3) of each table with
 *      interactions, in table order; otherwise the zero digest (4, unused);
 *   4. the quotient root (4);
 *   5. the opened values (3 each), in the proof's order;
 *   6. the FRI layer roots (4 each), layer order;
 *   7. the final polynomial's coefficients (3 each), lowest first;
 *   8. the proof-of-work nonce (1);
 *   9. per query, in query order: the opened trace rows (q_rows), their
 *      Merkle paths (4 per node), the FRI coset values (3 each), the FRI
 *      Merkle paths (4 per node).
 *
 * Apart from items 1 and the unused zero digests, this is the order of the
 * field elements in the proof bytes. stark_vrec_ninputs gives the total.
 */
#ifndef CAIRN_STARK_VERIFY_REC_H
#define CAIRN_STARK_VERIFY_REC_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "stark.h"
#include "vctx.h"

/* A proof parsed against a key (owned; stark_vrec_free). */
typedef struct stark_vrec_proof stark_vrec_proof;

/* Parses proof bytes for vk (CAIRN_ERR_FORMAT for malformed bytes, as
 * stark_verify). log_heights (one entry per table, never NULL) fixes the
 * heights as in stark_verify: a nonzero entry must equal the proof's
 * height (CAIRN_ERR_VERIFY), a zero entry accepts any height the key
 * allows. A recursion program is recorded for one shape, so callers that
 * record programs state every height. */
cairn_err stark_vrec_parse(stark_vrec_proof **out, const stark_vk *vk, const uint8_t *proof,
                           size_t len, const unsigned *log_heights);
void stark_vrec_free(stark_vrec_proof *p); /* accepts NULL */

/* A proof-shaped blank for vk at the given heights (one per table, each
 * in range and equal to the key's where the key fixes it): the bytes
 * stark_vrec_parse accepts for (vk, log_heights), every field element 0
 * but the key digest and the heights. It does not verify; it exists so
 * that a recording backend can record the verifier of a shape before any
 * real proof of it exists (the recorded program depends only on the key
 * and the heights: verify_rec.h "Witness layout"), e.g. to learn the key
 * of a recursion program. *out (malloc'd, *len bytes) goes to the
 * caller. */
cairn_err stark_vrec_blank(uint8_t **out, size_t *len, const stark_vk *vk, const unsigned *log_heights);

/* Log heights of the parsed proof's tables (stark_vk_ntables entries). */
void stark_vrec_heights(const stark_vrec_proof *p, unsigned *log_heights);

/* Number of base elements the verifier reads through vc_input/vce_input
 * for this key and shape (the witness layout above). */
size_t stark_vrec_ninputs(const stark_vk *vk, const stark_vrec_proof *p);

/* The key as input. A recorded verifier normally holds the inner key as
 * constants (its preprocessed root, digest and the transcript state after
 * it), so the program is specific to one key. Keys of one machine
 * description (one recursion shape: rc_air.h) differ only in the
 * preprocessed root, and the key digest is p2_hash(description || root)
 * (keys.c). stark_vrec_parse_key parses a proof for the key of vk's
 * machine and parameters with preprocessed root *pre_root (the claimed
 * key: the proof must carry its digest, else CAIRN_ERR_VERIFY); its run
 * reads the root as 4 inputs right after the public values (witness
 * layout), computes the key digest from them in the backend (the
 * description's constant blocks hashed once, natively) and starts the
 * transcript from that digest. Everything else is the same verifier. The
 * program recorded this way does not depend on the root: one program
 * verifies proofs under every key of the shape, and its caller constrains
 * the root / digest variables (stark_vrec_key_vars) as its statement
 * requires (equal to a public value, included in a control root).
 * CAIRN_ERR_USAGE for a machine without preprocessed columns or a
 * non-canonical root. */
cairn_err stark_vrec_parse_key(stark_vrec_proof **out, const stark_vk *vk, const p2_digest *pre_root,
                               const uint8_t *proof, size_t len, const unsigned *log_heights);

/* Runs the verifier on backend c (CAIRN_ERR_USAGE for a wrong number of
 * public values or a non-canonical one, or a proof parsed for another
 * key; CAIRN_ERR_NOMEM). Every check is an assertion of c: whether the
 * proof is accepted is the backend's to say. Run once per parse (a proof
 * parsed with the key as input keeps the run's key variables). */
cairn_err stark_vrec_run(vctx *c, const stark_vk *vk, stark_vrec_proof *p, const gl_t *pub,
                         size_t npub);

/* After stark_vrec_run of a proof parsed with stark_vrec_parse_key: the
 * backend's values of the root as read, of the key digest computed from
 * it, and (pub, may be NULL; npub entries) of the public values as read
 * (CAIRN_ERR_USAGE for a proof parsed with the key as constants). */
cairn_err stark_vrec_key_vars(const stark_vrec_proof *p, vb root[P2_DIGEST], vb digest[P2_DIGEST],
                              vb *pub);

#endif
