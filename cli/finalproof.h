/* The final proof of a run, as cairn verify and cairn export see it: the
 * checks of `cairn verify job.h5` (with a /proof) and `cairn verify
 * --proof run.proof` are one function over the exported form
 * (recursion/rc_export.h), whichever file it came from. */
#ifndef CAIRN_CLI_FINALPROOF_H
#define CAIRN_CLI_FINALPROOF_H

#include <stdio.h>

#include "recursion/rc_export.h"
#include "recursion/rc_fold.h"
#include "storage/h5s.h"
#include "vm/rv32im/rv.h"

typedef struct {
    rv_state fin;          /* the final state, checked */
    p2_digest ctrl;        /* this build's control root for (preset, po2) */
    double keys_sec;       /* building the fold keys (first use) */
    int keys_cached;       /* from the key cache's fold record (1) or shipped with the build (2) */
    double verify_sec;     /* the recursion proof's verification */
    stark_security_bits sec; /* of the recursion proof */
} cli_final_info;

/* Checks e: the recursion preset and shape are this build's choice for
 * (segment preset, po2) (rc_fold_config); the control root field and the
 * claim's are this build's control root; the final state is a machine
 * state, halted, whose digest is the claim's end; the journal bytes give
 * the final state's journal fields; the proof verifies under the key of
 * its kind with the claim. CAIRN_ERR_VERIFY naming the first check that
 * fails ("parameters", "control root", "final state", "journal", "final
 * proof"); other errors as the fold keys' building returns them. */
cairn_err cli_final_check(cli_final_info *out, const rc_export *e);

/* The exported form of a finished job file's /proof (its final state,
 * journal, segment preset and po2): *journal and *proof are malloc'd and
 * e points into them (free both). CAIRN_ERR_USAGE if the file has no
 * /proof, no final state or no parameters. */
cairn_err cli_final_from_job(rc_export *e, uint8_t **journal, uint8_t **proof, h5s_reader *r);

/* Prints a verified final proof's statement (stdout), text or one JSON
 * object; image_from says where the image ID was checked against. */
void cli_final_print(FILE *o, int json, const char *path, const rc_export *e, const cli_final_info *i,
                     const char *image_from, double seconds);

#endif
