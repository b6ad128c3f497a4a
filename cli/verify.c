/* cairn verify JOB.h5 [--segments] [--json] | cairn verify --proof FILE
 * [--json]: checks that a job file of cairn prove (or a final proof
 * exported from one) proves its claim, from the file alone.
 *
 * A job file with a final proof (/proof) is checked by it alone
 * (cli/finalproof.h): the recursion parameters are this build's for the
 * stored preset and po2, the control root is this build's (computed from
 * the lift and join keys, printed), the claim starts at the image ID
 * (recomputed from the stored ELF), ends at the stored final state
 * (halted, its journal fields recomputed from the stored journal bytes),
 * with /claim's cycles, and the recursion proof verifies. --proof FILE
 * does the same on an exported file (recursion/rc_export.h), with no
 * HDF5: the image ID is then the claim's start, printed.
 *
 * --segments (and a job file without /proof, made with --no-fold, or
 * under MPI by a cairn from before the fold ran there) checks the segment
 * proofs instead:
 *
 *  - the parameters stored in /params are valid (and, for a known preset
 *    name, exactly that preset's for the stored segment size:
 *    rv_air_params, which for proven-100 means >= 100 proven bits);
 *  - every segment's proof verifies (rv_verify_segment) against its
 *    stored claim, with the stored parameters and segment size;
 *  - the claims chain: segment 0 starts at the image ID (recomputed from
 *    the stored ELF; taken from /program when no ELF is stored, and the
 *    output says so), segment i ends where segment i+1 starts;
 *  - the last segment ends at the stored final state (its elements are
 *    hashed here, rv_state_digest), which is halted;
 *  - the stored journal bytes give exactly the final state's journal
 *    chain, tail and length (rv.h "Journal").
 * Then prints the verified claim: image ID, journal, exit code, segments,
 * cycles and the security of the parameters.
 *
 * Exit status: 0 valid; 1 invalid, naming what failed (parameters,
 * segment i proof, chain between i and i+1, image ID, final state,
 * journal); 2 usage error, or a file that is missing, not a job file, not
 * a proof job (no parameters, no final state or a segment without a
 * proof), an unfinished job (a checkpoint of cairn prove: parameters
 * without a final state), damaged or truncated (storage/h5s.h reader). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/err.h"
#include "common/util.h"
#include "finalproof.h"
#include "proofs.h"
#include "storage/h5s.h"

static const char USAGE[] = "usage: cairn verify JOB.h5 [--segments] [--image-id HEX | --elf PROGRAM.elf] [--json]\n"
                            "       cairn verify --proof FILE [--image-id HEX | --elf PROGRAM.elf] [--json]\n";

static const char HELP[] =
    "\nVerifies a job file written by cairn prove. With a final proof (/proof,\n"
    "the default of cairn prove -o) that proof alone: its claim starts at the\n"
    "image ID (recomputed from the stored ELF) and ends at the stored, halted\n"
    "final state whose journal is the stored journal, under the control root of\n"
    "this build (printed). Without one, or with --segments: every segment's\n"
    "proof against its claim with the stored parameters, the chain of claims\n"
    "from the image ID to a halted final state, and the stored journal against\n"
    "that state. Prints the verified image ID, journal, exit code and cycles\n"
    "(stdout).\n\n"
    "  --segments    check every segment proof and the chain, not the final proof\n"
    "  --proof FILE  verify a final proof exported by cairn export (no job file,\n"
    "                no HDF5): the same checks, the image ID is the claim's\n"
    "  --image-id HEX  the proof must be of this image ID (64 hex digits, as\n"
    "                cairn prove prints it): a proof of another program is\n"
    "                invalid (exit 1). Without it any program's proof verifies\n"
    "                and its image ID is printed for you to compare\n"
    "  --elf PROGRAM.elf  the same with the image ID of that program\n"
    "  --json    the result as one JSON object on stdout; on an error\n"
    "            {\"error\", \"code\", \"status\"} instead\n\n"
    "Exit status: 0 valid; 1 invalid (the message names the segment proof, the\n"
    "chain link, the image ID, the final state, the journal, the control root,\n"
    "the parameters or the final proof that failed); 2\n"
    "usage error, or a missing, foreign, damaged or truncated file, or one\n"
    "without proofs (cairn exec's).\n";

/* Text for people: printable ASCII as is, the rest escaped. */
static void escaped(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = b[i];
        if (ch == '\n') fputs("\\n", f);
        else if (ch == '\t') fputs("\\t", f);
        else if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f) fprintf(f, "\\x%02x", ch);
        else fputc(ch, f);
    }
}

/* The image ID the caller expects (--image-id HEX or --elf PROGRAM.elf):
 * without one, a proof of any program verifies and its image ID is only
 * printed; with one, a proof of another program is invalid (exit 1). */
typedef struct {
    int set;
    p2_digest id;
    char from[300]; /* "--image-id" or "--elf PATH" */
} want_id;

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Fills w from --image-id (64 hex digits, as cairn prints it) or --elf
 * (the image ID of that program); EXIT_OK or the usage error's status. */
static int want_load(want_id *w, const cli_ctx *c, const char *hex, const char *elf_path)
{
    memset(w, 0, sizeof *w);
    if (!hex && !elf_path) return EXIT_OK;
    if (hex && elf_path) return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "--image-id and --elf: give one of them");
    if (hex) {
        uint8_t b[32];
        size_t n = strlen(hex);
        int ok = n == 64;
        for (size_t i = 0; ok && i < 32; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            b[i] = (uint8_t)(hi << 4 | (lo & 15));
        }
        if (!ok)
            return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "--image-id: '%.80s' is not 64 hexadecimal digits", hex);
        if (jobs_digest_from_bytes(&w->id, b) != CAIRN_OK)
            return cli_fail(c, EXIT_USAGE, CAIRN_ERR_USAGE, "--image-id: not a digest: %s", cairn_last_error());
        snprintf(w->from, sizeof w->from, "--image-id");
    } else {
        cli_program pg;
        memset(&pg, 0, sizeof pg);
        int st = cli_program_load(&pg, c, elf_path, NULL, 0);
        if (st != EXIT_OK) return st;
        cairn_err e = rv_image_id(&w->id, pg.prog);
        cli_program_free(&pg);
        if (e != CAIRN_OK) return cli_fail(c, EXIT_USAGE, e, "--elf %s: %s", elf_path, cairn_last_error());
        snprintf(w->from, sizeof w->from, "--elf %.280s", elf_path);
    }
    w->set = 1;
    return EXIT_OK;
}

/* The verified image ID against the expected one: EXIT_OK (also when none
 * is expected) or EXIT_INVALID naming both. */
static int want_check(const want_id *w, const cli_ctx *c, const p2_digest *id)
{
    if (!w->set || !memcmp(w->id.v, id->v, sizeof id->v)) return EXIT_OK;
    uint8_t a[32], b[32];
    char ah[65], bh[65];
    rv_digest_bytes(a, id);
    rv_digest_bytes(b, &w->id);
    cli_hex(ah, a, 32);
    cli_hex(bh, b, 32);
    return cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: the proof is of image ID %s, not %s (%s)", ah, bh,
                    w->from);
}

/* Where the printed image ID was checked against. */
static const char *want_note(const want_id *w, char *buf, size_t cap, const char *otherwise)
{
    if (!w->set) return otherwise;
    snprintf(buf, cap, "%s, equal to %s", otherwise, w->from);
    return buf;
}

/* --proof FILE: an exported final proof. */
static int verify_exported(const cli_ctx *c, const char *path, int json, const want_id *want)
{
    uint8_t *b = NULL;
    size_t len = 0;
    rc_export e;
    cli_final_info info;
    double t0 = now_sec();
    int status;
    cairn_err err = cli_read_file(&b, &len, "--proof", path, RC_EXPORT_FIXED + RC_EXPORT_MAX_JOURNAL + RC_EXPORT_MAX_PROOF,
                                  NULL);
    if (err != CAIRN_OK) {
        status = cli_fail(c, EXIT_USAGE, err, "%s", cairn_last_error());
    } else if ((err = rc_export_parse(&e, b, len)) != CAIRN_OK) {
        status = cli_fail(c, EXIT_USAGE, err, "%s: %s (%s)", path, cairn_last_error(), cairn_err_name(err));
    } else if ((err = cli_final_check(&info, &e)) != CAIRN_OK) {
        status = cli_fail(c, cli_status(err), err, "%s", cairn_last_error());
    } else {
        p2_digest id;
        memcpy(id.v, e.claim + RC_CLAIM_START, sizeof id.v);
        char note[400];
        if ((status = want_check(want, c, &id)) == EXIT_OK)
            cli_final_print(stdout, json, path, &e, &info,
                            want_note(want, note, sizeof note, "the claim's start: no ELF in an exported proof"),
                            now_sec() - t0);
    }
    free(b);
    return status;
}

/* A job file's /proof: the final proof alone. */
static int verify_final(const cli_ctx *c, h5s_reader *r, const char *path, int json, double t0,
                        const want_id *want)
{
    rc_export e;
    cli_final_info info;
    uint8_t *journal = NULL, *proof = NULL, *elf = NULL;
    size_t elf_len = 0;
    rv_program *prog = NULL;
    int status = EXIT_USAGE;
    h5s_program_info pi;
    h5s_program_get(r, &pi);
    h5s_params hp;
    uint64_t fin[H5S_STATE_ELEMS], fin_cycles = 0;
    h5s_params_get(r, &hp);
    h5s_final_get(r, fin, &fin_cycles);
    cairn_err err = cli_final_from_job(&e, &journal, &proof, r);
    if (err != CAIRN_OK) {
        status = cli_fail(c, cli_status(err) == EXIT_INVALID ? EXIT_INVALID : EXIT_USAGE, err, "%s (%s)",
                          cairn_last_error(), cairn_err_name(err));
        goto out;
    }
    /* the image ID: from the ELF when stored */
    p2_digest id;
    if (pi.has_elf) {
        uint8_t idb[32];
        if ((err = h5s_read_elf(r, &elf, &elf_len)) != CAIRN_OK) {
            status = cli_fail(c, EXIT_USAGE, err, "%s (%s)", cairn_last_error(), cairn_err_name(err));
            goto out;
        }
        if (rv_elf_load(&prog, elf, elf_len) != CAIRN_OK || rv_image_id(&id, prog) != CAIRN_OK) {
            status = cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: the stored ELF does not load: %s",
                              cairn_last_error());
            goto out;
        }
        rv_digest_bytes(idb, &id);
        if (memcmp(idb, pi.image_id, 32)) {
            status = cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                              "image ID: /program/image_id is not the image ID of the stored ELF");
            goto out;
        }
    } else if ((err = jobs_digest_from_bytes(&id, pi.image_id)) != CAIRN_OK) {
        status = cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: %s", cairn_last_error());
        goto out;
    }
    if (memcmp(id.v, e.claim + RC_CLAIM_START, sizeof id.v)) {
        status = cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: the final claim does not start at the image ID%s",
                          pi.has_elf ? " of the stored ELF" : "");
        goto out;
    }
    if (fin_cycles != e.claim[RC_CLAIM_CYCLES]) {
        status = cli_fail(c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                          "cycles: /claim says %" PRIu64 ", the final proof's claim %" PRIu64, fin_cycles,
                          e.claim[RC_CLAIM_CYCLES]);
        goto out;
    }
    if ((err = cli_final_check(&info, &e)) != CAIRN_OK) {
        status = cli_fail(c, cli_status(err), err, "%s", cairn_last_error());
        goto out;
    }
    if ((status = want_check(want, c, &id)) != EXIT_OK) goto out;
    char note[400];
    cli_final_print(stdout, json, path, &e, &info,
                    want_note(want, note, sizeof note,
                              pi.has_elf ? "recomputed from the stored ELF" : "as stored: the job file has no ELF"),
                    now_sec() - t0);
out:
    free(journal);
    free(proof);
    free(elf);
    rv_program_free(prog);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    const char *path = NULL, *proof_path = NULL, *want_hex = NULL, *want_elf = NULL;
    int json = 0, segments = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn verify", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--segments", CLI_FLAG, &segments, 0, 0, NULL},
        {"--proof", CLI_STR, &proof_path, 0, 0, NULL},
        {"--image-id", CLI_STR, &want_hex, 0, 0, NULL},
        {"--elf", CLI_STR, &want_elf, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int status;
    if (!cli_parse_command(&c, opts, &path, argc, argv, HELP, &status)) return status;
    want_id wid;
    if ((status = want_load(&wid, &c, want_hex, want_elf)) != EXIT_OK) return status;
    if (proof_path && (path || segments))
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--proof takes the exported file alone (no job file, no --segments)");
    if (proof_path) return verify_exported(&c, proof_path, json, &wid);
    if (!path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no job file given");

    status = EXIT_USAGE;
    h5s_reader *r = NULL;
    uint8_t *elf = NULL, *journal = NULL, *proof = NULL;
    size_t elf_len = 0, journal_len = 0, proof_len = 0;
    rv_program *prog = NULL;
    cairn_err e;
    double t0 = now_sec();

    if ((e = h5s_open(&r, path)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
        goto done;
    }
    h5s_params hp;
    uint64_t fin_elems[H5S_STATE_ELEMS], fin_cycles;
    uint64_t nseg = h5s_segment_count(r);
    if (h5s_params_get(r, &hp) && !h5s_final_get(r, fin_elems, &fin_cycles)) {
        /* a checkpoint of cairn prove (jobs/jobs.h) */
        status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_FORMAT,
                          "%s: an unfinished job (a checkpoint of %" PRIu64 " proven segments, no final state): "
                          "finish it with cairn prove ... -o %s --resume",
                          path, nseg, path);
        goto done;
    }
    if (!h5s_params_get(r, &hp) || !h5s_final_get(r, fin_elems, &fin_cycles) || nseg == 0) {
        status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_FORMAT,
                          "%s: not a proof job (no %s; made by cairn exec? run cairn prove)", path,
                          !h5s_params_get(r, &hp) ? "proof parameters" : nseg == 0 ? "segments" : "final state");
        goto done;
    }

    h5s_fold_proof fpm;
    if (!segments && h5s_fold_proof_get(r, &fpm)) {
        status = verify_final(&c, r, path, json, t0, &wid);
        goto done;
    }

    /* parameters: valid, and a known preset's exactly */
    stark_params prm, want;
    if ((e = jobs_params_from_h5s(&prm, &hp)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "parameters: %s", cairn_last_error());
        goto done;
    }
    if (hp.segment_po2 >= RV_MIN_SEGMENT_PO2 && hp.segment_po2 <= RV_MAX_SEGMENT_PO2 &&
        stark_params_preset(&want, hp.preset) == CAIRN_OK && rv_air_params(&want, hp.preset, hp.segment_po2) == CAIRN_OK &&
        (want.log_blowup != prm.log_blowup || want.queries != prm.queries || want.pow_bits != prm.pow_bits ||
         want.log_arity != prm.log_arity || want.log_final_len != prm.log_final_len)) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                          "parameters: the file says preset %s but stores other values (log_blowup %u, queries %u, "
                          "pow_bits %u, log_arity %u, log_final_len %u)",
                          hp.preset, prm.log_blowup, prm.queries, prm.pow_bits, prm.log_arity, prm.log_final_len);
        goto done;
    }
    unsigned po2 = hp.segment_po2;
    stark_security_bits sec;
    if (po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2 ||
        (e = cli_segment_security(&sec, po2, &prm)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "parameters: segment po2 %u (%u..%u)%s%s", po2,
                          RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2 ? "" : ": ",
                          po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2 ? "" : cairn_last_error());
        goto done;
    }

    /* the image ID: from the ELF when stored */
    h5s_program_info pi;
    h5s_program_get(r, &pi);
    p2_digest id;
    int id_from_elf = pi.has_elf;
    if ((e = h5s_read_elf(r, &elf, &elf_len)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
        goto done;
    }
    if (id_from_elf) {
        uint8_t idb[32];
        if ((e = rv_elf_load(&prog, elf, elf_len)) != CAIRN_OK || (e = rv_image_id(&id, prog)) != CAIRN_OK) {
            status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: the stored ELF does not load: %s",
                              cairn_last_error());
            goto done;
        }
        rv_digest_bytes(idb, &id);
        if (memcmp(idb, pi.image_id, 32)) {
            status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                              "image ID: /program/image_id is not the image ID of the stored ELF");
            goto done;
        }
    } else if ((e = jobs_digest_from_bytes(&id, pi.image_id)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "image ID: %s", cairn_last_error());
        goto done;
    }

    if ((status = want_check(&wid, &c, &id)) != EXIT_OK) goto done;
    status = EXIT_USAGE;

    /* the final state and the journal */
    rv_state fin, jr;
    if ((e = cli_state_from_elems(&fin, fin_elems)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "final state: %s", cairn_last_error());
        goto done;
    }
    if (!fin.halted) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "final state: not halted");
        goto done;
    }
    if ((e = h5s_read_journal(r, &journal, &journal_len)) != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
        goto done;
    }
    jr = fin;
    cli_journal_fields(&jr, journal, journal_len);
    if (jr.journal_len != fin.journal_len || memcmp(&jr.journal_chain, &fin.journal_chain, sizeof jr.journal_chain) ||
        memcmp(jr.journal_tail, fin.journal_tail, sizeof jr.journal_tail)) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                          "journal: the stored %zu bytes are not the final state's journal (%" PRIu64 " bytes%s)",
                          journal_len, fin.journal_len,
                          jr.journal_len == fin.journal_len ? ", different contents" : "");
        goto done;
    }
    p2_digest fin_digest;
    rv_state_digest(&fin_digest, &fin);

    /* every segment: proof against claim, claims chained */
    p2_digest prev = id;
    uint64_t cycles = 0, proof_bytes = 0;
    unsigned last_po2 = po2; /* a tail may be smaller (rv_air.h) */
    for (uint64_t i = 0; i < nseg; i++) {
        h5s_segment_meta m;
        if ((e = h5s_segment(r, i, &m)) != CAIRN_OK) {
            status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
            goto done;
        }
        if (!m.has_proof) {
            status = cli_fail(&c, EXIT_USAGE, CAIRN_ERR_FORMAT, "%s: segment %" PRIu64 " has no proof", path, i);
            goto done;
        }
        rv_seg_claim cl;
        if ((e = jobs_claim_from_h5s(&cl, &m.claim)) != CAIRN_OK) {
            status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "segment %" PRIu64 " claim: %s", i, cairn_last_error());
            goto done;
        }
        if (!rv_air_seg_po2_ok(po2, cl.po2)) { /* the run's size, or a tail's (rv_air.h) */
            status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                              "segment %" PRIu64 " claim: po2 %u, the job's segments are 2^%u (a tail 2^%u up)", i,
                              cl.po2, po2, RV_TAIL_MIN_PO2);
            goto done;
        }
        if (memcmp(&cl.start, &prev, sizeof prev)) {
            if (i == 0)
                status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                                  "image ID: segment 0 does not start at the image ID%s",
                                  id_from_elf ? " of the stored ELF" : "");
            else
                status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                                  "chain between segments %" PRIu64 " and %" PRIu64
                                  ": segment %" PRIu64 " does not start where segment %" PRIu64 " ends",
                                  i - 1, i, i, i - 1);
            goto done;
        }
        free(proof);
        proof = NULL;
        if ((e = h5s_read_proof(r, i, &proof, &proof_len)) != CAIRN_OK) {
            status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
            goto done;
        }
        if ((e = rv_verify_segment(&cl, proof, proof_len, &prm)) != CAIRN_OK) {
            status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY, "segment %" PRIu64 " proof: %s", i,
                              cairn_last_error());
            goto done;
        }
        prev = cl.end;
        cycles += cl.cycles;
        proof_bytes += proof_len;
        last_po2 = cl.po2;
    }
    if (memcmp(&prev, &fin_digest, sizeof prev)) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                          "final state: the last segment (%" PRIu64 ") does not end in the stored final state",
                          nseg - 1);
        goto done;
    }
    if (fin_cycles != cycles) {
        status = cli_fail(&c, EXIT_INVALID, CAIRN_ERR_VERIFY,
                          "final state: /claim says %" PRIu64 " cycles, the segments' claims %" PRIu64, fin_cycles,
                          cycles);
        goto done;
    }
    double dt = now_sec() - t0;

    status = EXIT_OK;
    uint8_t idb[32], jdb[32];
    char idh[65], jdh[65];
    p2_digest jd;
    rv_digest_bytes(idb, &id);
    cli_hex(idh, idb, 32);
    rv_journal_digest(&jd, &fin);
    rv_digest_bytes(jdb, &jd);
    cli_hex(jdh, jdb, 32);
    FILE *o = stdout;
    if (json) {
        fprintf(o, "{\"valid\": true, \"checked\": \"segments\", \"file\": ");
        cli_json_str(o, path);
        fprintf(o, ", \"image_id\": \"%s\", \"image_id_from\": \"%s\", \"exit_code\": %u, \"segments\": %" PRIu64
                   ", \"segment_po2\": %u, \"last_segment_po2\": %u, \"cycles\": %" PRIu64
                   ", \"journal_bytes\": %zu, \"journal_digest\": \"%s\", \"journal_hex\": \"",
                idh, id_from_elf ? "elf" : "stored", fin.exit_code, nseg, po2, last_po2, cycles, journal_len, jdh);
        for (size_t i = 0; i < journal_len; i++) fprintf(o, "%02x", journal[i]);
        fprintf(o, "\", \"preset\": ");
        cli_json_str(o, hp.preset);
        fprintf(o, ", \"proof_bytes\": %" PRIu64 ", \"proven_bits\": %.2f, \"conjectured_bits\": %.2f, \"verify_sec\": %.6f}\n",
                proof_bytes, sec.proven, sec.conjectured, dt);
    } else {
        fprintf(o, "valid        every segment proof verifies; claims chained to a halted final state\n");
        if (!segments)
            fprintf(o, "             (the file has no final proof: made with --no-fold, or under MPI by an older "
                       "cairn)\n");
        char note[400];
        fprintf(o, "image ID     %s (%s)\n", idh,
                want_note(&wid, note, sizeof note,
                          id_from_elf ? "recomputed from the stored ELF" : "as stored: the job file has no ELF"));
        fprintf(o, "exit code    %u\n", fin.exit_code);
        fprintf(o, "segments     %" PRIu64 " of at most 2^%u cycles", nseg, po2);
        if (last_po2 != po2) fprintf(o, ", the last proven at 2^%u (a tail)", last_po2);
        fprintf(o, "\n");
        fprintf(o, "cycles       %" PRIu64 "\n", cycles);
        fprintf(o, "journal      %zu bytes, digest %s\n", journal_len, jdh);
        if (journal_len) {
            /* text when it mostly is, hex for binary journals (digests) */
            size_t odd = 0;
            for (size_t i = 0; i < journal_len; i++)
                odd += (journal[i] < 0x20 && journal[i] != '\n' && journal[i] != '\t') || journal[i] >= 0x7f;
            if (odd * 4 > journal_len) {
                fprintf(o, "  hex ");
                for (size_t i = 0; i < journal_len; i++) fprintf(o, "%02x", journal[i]);
                fputc('\n', o);
            } else {
                fprintf(o, "  \"");
                escaped(o, journal, journal_len);
                fprintf(o, "\"\n");
            }
        }
        fprintf(o, "parameters   %s: %.1f proven / %.1f conjectured security bits; %" PRIu64 " proof bytes\n",
                hp.preset, sec.proven, sec.conjectured, proof_bytes);
        fprintf(o, "verified in  %.3f s\n", dt);
    }
done:
    free(proof);
    free(journal);
    free(elf);
    rv_program_free(prog);
    h5s_close(r);
    return status;
}
