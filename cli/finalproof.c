/* cli/finalproof.h: the checks of a run's final proof. */
#include "finalproof.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "proofs.h"
#include "recursion/rc_join.h"

_Static_assert(RC_EXPORT_CLAIM == RC_CLAIM_NPUB, "the export's claim is a recursion claim");
_Static_assert(RC_EXPORT_STATE == RV_STATE_NELEMS, "the export's state is a machine state");
_Static_assert(H5S_FOLD_CLAIM_ELEMS == RC_CLAIM_NPUB, "/proof's claim is a recursion claim");
_Static_assert(RC_EXPORT_MIN_PO2 == RV_MIN_SEGMENT_PO2 && RC_EXPORT_MAX_PO2 == RV_MAX_SEGMENT_PO2,
               "the export's po2 range is the machine's");

cairn_err cli_final_check(cli_final_info *out, const rc_export *e)
{
    memset(out, 0, sizeof *out);
    rc_fold_cfg cfg;
    RETURN_ERROR_IF(rc_fold_config(&cfg, e->seg_preset, e->po2) != CAIRN_OK, CAIRN_ERR_VERIFY,
                    "parameters: segment preset '%s' has no recursion layer in this build", e->seg_preset);
    const char *shape = rc_fold_shape_of(&cfg, e->kind);
    RETURN_ERROR_IF(strcmp(cfg.preset, e->rc_preset) || strcmp(shape, e->shape), CAIRN_ERR_VERIFY,
                    "parameters: recursion preset %s, shape %s; this build folds preset %s segments with preset %s, "
                    "a %s at shape %s",
                    e->rc_preset, e->shape, e->seg_preset, cfg.preset, rc_fold_kind_name(e->kind), shape);
    const rc_fold *f;
    double t0 = now_sec();
    FORWARD_IF_ERROR(rc_fold_get_verifier(&f, e->seg_preset, e->po2));
    out->keys_sec = now_sec() - t0;
    out->keys_cached = rc_fold_from_record(f);
    out->ctrl = rc_fold_ctrl(f);
    FORWARD_IF_ERROR(rc_fold_security(&out->sec, f));
    RETURN_ERROR_IF(memcmp(e->ctrl, out->ctrl.v, sizeof e->ctrl), CAIRN_ERR_VERIFY,
                    "control root: the file's is not this build's for preset %s, segments of 2^%u%s", e->seg_preset,
                    e->po2, rc_fold_keys_note(f));
    RETURN_ERROR_IF(memcmp(e->claim + RC_CLAIM_CTRL, out->ctrl.v, sizeof out->ctrl.v), CAIRN_ERR_VERIFY,
                    "control root: the claim's is not this build's for preset %s, segments of 2^%u%s", e->seg_preset,
                    e->po2, rc_fold_keys_note(f));
    cairn_err err = cli_state_from_elems(&out->fin, e->state);
    if (err != CAIRN_OK) return cairn_prefix_error(CAIRN_ERR_VERIFY, "final state");
    RETURN_ERROR_IF(!out->fin.halted, CAIRN_ERR_VERIFY, "final state: not halted");
    p2_digest d;
    rv_state_digest(&d, &out->fin);
    RETURN_ERROR_IF(memcmp(d.v, e->claim + RC_CLAIM_END, sizeof d.v), CAIRN_ERR_VERIFY,
                    "final state: the claim's end is not the digest of the final state");
    rv_state jr = out->fin;
    cli_journal_fields(&jr, e->journal, e->journal_len);
    RETURN_ERROR_IF(jr.journal_len != out->fin.journal_len ||
                        memcmp(&jr.journal_chain, &out->fin.journal_chain, sizeof jr.journal_chain) ||
                        memcmp(jr.journal_tail, out->fin.journal_tail, sizeof jr.journal_tail),
                    CAIRN_ERR_VERIFY, "journal: the %zu bytes given are not the final state's journal (%" PRIu64 " bytes%s)",
                    e->journal_len, out->fin.journal_len,
                    jr.journal_len == out->fin.journal_len ? ", different contents" : "");
    gl_t claim[RC_CLAIM_NPUB];
    memcpy(claim, e->claim, sizeof claim);
    t0 = now_sec();
    err = rc_fold_verify(f, e->kind, claim, e->proof, e->proof_len);
    out->verify_sec = now_sec() - t0;
    if (err != CAIRN_OK) return cairn_prefix_error(CAIRN_ERR_VERIFY, "final proof (%s)", e->kind ? "join" : "lift");
    return CAIRN_OK;
}

cairn_err cli_final_from_job(rc_export *e, uint8_t **journal, uint8_t **proof, h5s_reader *r)
{
    memset(e, 0, sizeof *e);
    *journal = *proof = NULL;
    h5s_fold_proof fp;
    h5s_params hp;
    uint64_t cycles;
    RETURN_ERROR_IF(!h5s_fold_proof_get(r, &fp), CAIRN_ERR_USAGE, "the job file has no final proof (/proof)");
    RETURN_ERROR_IF(!h5s_params_get(r, &hp) || !h5s_final_get(r, e->state, &cycles), CAIRN_ERR_USAGE,
                    "the job file has no parameters or no final state");
    RETURN_ERROR_IF(strlen(hp.preset) >= RC_EXPORT_NAME || strlen(fp.rc_preset) >= RC_EXPORT_NAME ||
                        strlen(fp.shape) >= RC_EXPORT_NAME,
                    CAIRN_ERR_VERIFY, "parameters: a preset or shape name longer than %u", RC_EXPORT_NAME - 1);
    e->kind = fp.kind;
    e->po2 = hp.segment_po2;
    strcpy(e->seg_preset, hp.preset);
    strcpy(e->rc_preset, fp.rc_preset);
    strcpy(e->shape, fp.shape);
    memcpy(e->ctrl, fp.claim + RC_CLAIM_CTRL, sizeof e->ctrl);
    memcpy(e->claim, fp.claim, sizeof e->claim);
    size_t jl, pl;
    FORWARD_IF_ERROR(h5s_read_journal(r, journal, &jl));
    cairn_err err = h5s_read_fold_proof(r, proof, &pl);
    if (err != CAIRN_OK) {
        free(*journal);
        *journal = NULL;
        return err;
    }
    e->journal = *journal;
    e->journal_len = jl;
    e->proof = *proof;
    e->proof_len = pl;
    return CAIRN_OK;
}

static void hex_digest(char out[65], const uint64_t v[4])
{
    p2_digest d;
    memcpy(d.v, v, sizeof d.v);
    uint8_t b[32];
    rv_digest_bytes(b, &d);
    cli_hex(out, b, 32);
}

void cli_final_print(FILE *o, int json, const char *path, const rc_export *e, const cli_final_info *i,
                     const char *image_from, double seconds)
{
    char root[65], id[65], end[65], jdh[65];
    hex_digest(root, i->ctrl.v);
    hex_digest(id, e->claim + RC_CLAIM_START);
    hex_digest(end, e->claim + RC_CLAIM_END);
    p2_digest jd;
    uint8_t jdb[32];
    rv_journal_digest(&jd, &i->fin);
    rv_digest_bytes(jdb, &jd);
    cli_hex(jdh, jdb, 32);
    if (json) {
        fprintf(o, "{\"valid\": true, \"checked\": \"final_proof\", \"file\": ");
        cli_json_str(o, path);
        fprintf(o, ", \"control_root\": \"%s\", \"image_id\": \"%s\", \"image_id_from\": \"%s\", \"end_state\": \"%s\""
                   ", \"exit_code\": %u, \"cycles\": %" PRIu64 ", \"segment_po2\": %u, \"preset\": ",
                root, id, image_from, end, i->fin.exit_code, e->claim[RC_CLAIM_CYCLES], e->po2);
        cli_json_str(o, e->seg_preset);
        fprintf(o, ", \"rc_preset\": ");
        cli_json_str(o, e->rc_preset);
        fprintf(o, ", \"shape\": ");
        cli_json_str(o, e->shape);
        fprintf(o, ", \"kind\": \"%s\", \"journal_bytes\": %zu, \"journal_digest\": \"%s\", \"journal_hex\": \"",
                e->kind ? "join" : "lift", e->journal_len, jdh);
        for (size_t k = 0; k < e->journal_len; k++) fprintf(o, "%02x", e->journal[k]);
        fprintf(o, "\", \"proof_bytes\": %zu, \"proven_bits\": %.2f, \"conjectured_bits\": %.2f, \"keys_sec\": %.6f"
                   ", \"keys_cached\": %s, \"keys_from\": \"%s\", \"proof_verify_sec\": %.6f, \"verify_sec\": %.6f}\n",
                e->proof_len, i->sec.proven, i->sec.conjectured, i->keys_sec, i->keys_cached ? "true" : "false",
                i->keys_cached == 2 ? "shipped" : i->keys_cached ? "key cache" : "built", i->verify_sec, seconds);
        return;
    }
    fprintf(o, "valid        the final proof verifies (%s proof, recursion preset %s, shape %s)\n",
            e->kind ? "a join" : "a lift", e->rc_preset, e->shape);
    fprintf(o, "control root %s (this build's for preset %s, segments of 2^%u)\n", root, e->seg_preset, e->po2);
    fprintf(o, "image ID     %s (%s)\n", id, image_from);
    fprintf(o, "end state    %s (halted)\n", end);
    fprintf(o, "exit code    %u\n", i->fin.exit_code);
    fprintf(o, "cycles       %" PRIu64 "\n", e->claim[RC_CLAIM_CYCLES]);
    fprintf(o, "journal      %zu bytes, digest %s\n", e->journal_len, jdh);
    fprintf(o, "final proof  %zu bytes, %.1f proven / %.1f conjectured security bits\n", e->proof_len, i->sec.proven,
            i->sec.conjectured);
    fprintf(o, "verified in  %.3f s (keys %.3f s, the proof %.3f s)\n", seconds, i->keys_sec, i->verify_sec);
    stark_keycache_stats kc;
    stark_keycache_get_stats(&kc);
    if (i->keys_cached == 2)
        fprintf(o, "keys         the lift and join keys from the fold roots shipped with this build\n");
    else if (kc.enabled && i->keys_cached)
        fprintf(o, "key cache    %s: hit, the lift and join keys from the fold's record\n", kc.dir);
    else if (kc.enabled)
        fprintf(o, "key cache    %s: miss, keys built (%" PRIu64 " entries read, %" PRIu64 " computed and stored)\n",
                kc.dir, kc.hits, kc.stores);
    else
        fprintf(o, "key cache    off (%s)\n", kc.why_off);
}
