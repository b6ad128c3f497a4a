/* What cairn prove, cairn verify and cairn bench prove share: the proof
 * parameters by preset name, the security figures of the segment machine,
 * the final state and journal fields a verifier rebuilds from a job file.
 * The conversions between the machine's claims and parameters and their
 * stored form are jobs/jobs.h's (jobs_claim_from_h5s, ...). */
#ifndef CAIRN_CLI_PROOFS_H
#define CAIRN_CLI_PROOFS_H

#include <stdint.h>

#include "cairn/error.h"
#include "jobs/jobs.h"
#include "util.h"
#include "stark/stark.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air.h"

/* Largest program file read: far above any RV32 executable (the loader
 * caps the loaded size at RV_ELF_MAX_MEMSZ) with room for debug sections. */
#define CLI_MAX_PROGRAM_BYTES (UINT64_C(1) << 30)

/* A program to run: the ELF's bytes, the private input, the loaded
 * program. */
typedef struct {
    uint8_t *elf, *input;
    size_t elf_len, input_len;
    rv_program *prog;
} cli_program;

/* Reads the ELF at elf_path and the input at input_path (NULL: empty; at
 * most max_input bytes, --max-input) and loads the ELF. Returns EXIT_OK,
 * or the exit status after reporting the error through c (cli_fail). */
int cli_program_load(cli_program *out, const cli_ctx *c, const char *elf_path, const char *input_path,
                     uint64_t max_input);
void cli_program_free(cli_program *p); /* accepts a zeroed struct */

/* Default of --preset (stark.h). */
#define CLI_DEFAULT_PRESET "proven-100"

/* Parameters of a preset for segment proofs of size 2^po2 (rv_air_params:
 * a proven preset with the fewest queries that reach its bound on the
 * segment machine), a usage error naming the option on an unknown name. */
cairn_err cli_preset(stark_params *out, const char *name, unsigned po2);

/* Security of segment proofs of size 2^po2 with parameters p, at the
 * segment machine's fixed heights (rv_air_heights). */
cairn_err cli_segment_security(stark_security_bits *out, unsigned po2, const stark_params *p);

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
