/* Copies a job file of cairn prove through the h5s API with one change,
 * for the tests of cairn verify (run_prove.sh):
 *
 *   cli_jobedit IN.h5 OUT.h5 CHANGE [SEGMENT]
 *
 * CHANGE (SEGMENT defaults to 0):
 *   none          an exact copy
 *   proof-byte    flips one bit in the middle of the segment's proof
 *   claim-end     changes the segment's claimed end digest
 *   claim-cycles  claims one cycle less for the segment
 *   claim-po2-up  claims a segment size twice the segment's
 *   claim-po2-down claims a segment size half the segment's
 *   drop-segment  leaves the segment out (later ones move up)
 *   journal-byte  flips one bit of the journal's last byte
 *   final-exit    changes the exit code in the stored final state
 *   final-halted  clears halted in the stored final state
 *   image-id      changes /program image_id (the ELF is kept)
 *   no-elf        leaves the ELF out (the image ID is taken as stored)
 *   no-elf-id     leaves the ELF out and changes the stored image ID
 *   queries       stores one query more than the preset's
 *   fold-claim    adds 1 to element SEGMENT of the final proof's claim
 *                 (/proof: 0..3 control root, 4..7 start, 8..11 end, 12
 *                 cycles)
 *   fold-proof    flips one bit in the middle of the final proof's bytes
 *   fold-kind     says the final proof is of the other kind (lift / join)
 *   fold-drop     leaves /proof out
 * /proof is copied when there is one (and the change is not fold-drop).
 * Exit 0 when written, 1 on any error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/h5s.h"

/* element indices of vm/rv32im/rv.h rv_state_elems */
#define ELEM_HALTED 49
#define ELEM_EXIT 50

static int die(const char *what)
{
    fprintf(stderr, "cli_jobedit: %s: %s\n", what, cairn_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: cli_jobedit IN.h5 OUT.h5 CHANGE [SEGMENT]\n");
        return 1;
    }
    const char *ch = argv[3];
    uint64_t target = argc == 5 ? strtoull(argv[4], NULL, 10) : 0;
    h5s_reader *r;
    if (h5s_open(&r, argv[1]) != CAIRN_OK) return die("open");
    h5s_program_info pi;
    h5s_program_get(r, &pi);
    uint8_t *elf = NULL, *journal = NULL;
    size_t elf_len = 0, journal_len = 0;
    if (h5s_read_elf(r, &elf, &elf_len) != CAIRN_OK) return die("elf");
    if (h5s_read_journal(r, &journal, &journal_len) != CAIRN_OK) return die("journal");
    h5s_params prm;
    uint64_t fin[H5S_STATE_ELEMS], cycles;
    if (!h5s_params_get(r, &prm) || !h5s_final_get(r, fin, &cycles)) {
        fprintf(stderr, "cli_jobedit: %s is not a proof job\n", argv[1]);
        return 1;
    }
    if (!strcmp(ch, "image-id") || !strcmp(ch, "no-elf-id")) pi.image_id[5] ^= 1;
    if (!strcmp(ch, "no-elf") || !strcmp(ch, "no-elf-id")) elf_len = 0;
    if (!strcmp(ch, "journal-byte") && journal_len) journal[journal_len - 1] ^= 0x20;
    if (!strcmp(ch, "final-exit")) fin[ELEM_EXIT] ^= 1;
    if (!strcmp(ch, "final-halted")) fin[ELEM_HALTED] = 0;
    if (!strcmp(ch, "queries")) prm.queries++;

    h5s_program hp = {pi.image_id, 32, pi.entry, elf_len ? elf : NULL, elf_len};
    h5s_job *j;
    if (h5s_job_create(&j, argv[2], &hp) != CAIRN_OK) return die("create");
    uint64_t out = 0;
    for (uint64_t i = 0; i < h5s_segment_count(r); i++) {
        if (!strcmp(ch, "drop-segment") && i == target) continue;
        h5s_segment_meta m;
        uint8_t *snap, *proof;
        size_t snap_len, proof_len;
        if (h5s_segment(r, i, &m) != CAIRN_OK || h5s_read_snapshot(r, i, &snap, &snap_len) != CAIRN_OK ||
            h5s_read_proof(r, i, &proof, &proof_len) != CAIRN_OK)
            return die("segment");
        if (i == target) {
            if (!strcmp(ch, "proof-byte")) proof[proof_len / 2] ^= 0x08;
            if (!strcmp(ch, "claim-end")) m.claim.end[3] ^= 1;
            if (!strcmp(ch, "claim-cycles")) m.claim.cycles--;
            if (!strcmp(ch, "claim-po2-up")) m.claim.po2++;
            if (!strcmp(ch, "claim-po2-down")) m.claim.po2--;
        }
        m.info.index = out++;
        h5s_segment_data d = {&m.info, snap, snap_len, NULL, NULL, 0, proof, proof_len, &m.claim};
        if (h5s_job_add_segment_data(j, &d) != CAIRN_OK) return die("add segment");
        free(snap);
        free(proof);
    }
    if (h5s_job_set_journal(j, journal, journal_len) != CAIRN_OK || h5s_job_set_params(j, &prm) != CAIRN_OK ||
        h5s_job_set_final(j, fin, cycles) != CAIRN_OK)
        return die("write");
    for (size_t i = 0; i < h5s_attr_count(r); i++)
        if (h5s_job_set_attr_u64(j, h5s_attr_name(r, i), h5s_attr_value(r, i)) != CAIRN_OK) return die("run value");
    h5s_fold_proof fp;
    uint8_t *fbytes = NULL;
    if (h5s_fold_proof_get(r, &fp) && strcmp(ch, "fold-drop")) {
        size_t flen;
        if (h5s_read_fold_proof(r, &fbytes, &flen) != CAIRN_OK) return die("final proof");
        if (!strcmp(ch, "fold-claim") && target < H5S_FOLD_CLAIM_ELEMS) fp.claim[target]++;
        if (!strcmp(ch, "fold-proof")) fbytes[flen / 2] ^= 0x08;
        if (!strcmp(ch, "fold-kind")) fp.kind ^= 1;
        fp.proof = fbytes;
        fp.proof_len = flen;
        if (h5s_job_set_proof(j, &fp) != CAIRN_OK) return die("write /proof");
    }
    if (h5s_job_close(j) != CAIRN_OK) return die("close");
    free(fbytes);
    h5s_close(r);
    free(elf);
    free(journal);
    return 0;
}
