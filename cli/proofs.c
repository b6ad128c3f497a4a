/* Shared by cairn prove / verify and bench prove (proofs.h). */
#include "proofs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int cli_program_load(cli_program *out, const cli_ctx *c, const char *elf_path, const char *input_path,
                     uint64_t max_input)
{
    memset(out, 0, sizeof *out);
    cairn_err err = cli_read_file(&out->elf, &out->elf_len, "program", elf_path, CLI_MAX_PROGRAM_BYTES, NULL);
    if (err) return cli_fail(c, EXIT_USAGE, err, "%s", cairn_last_error());
    if (input_path &&
        (err = cli_read_file(&out->input, &out->input_len, "--input", input_path, max_input, "--max-input")))
        return cli_fail(c, EXIT_USAGE, err, "%s", cairn_last_error());
    if ((err = rv_elf_load(&out->prog, out->elf, out->elf_len)))
        return cli_fail(c, EXIT_USAGE, err, "%s: %s", elf_path, cairn_last_error());
    return EXIT_OK;
}

void cli_program_free(cli_program *p)
{
    rv_program_free(p->prog);
    free(p->elf);
    free(p->input);
    memset(p, 0, sizeof *p);
}

cairn_err cli_preset(stark_params *out, const char *name, unsigned po2)
{
    cairn_err e = stark_params_preset(out, name);
    if (e == CAIRN_OK) return rv_air_params(out, name, po2);
    RETURN_ERROR_IF(e != CAIRN_OK, CAIRN_ERR_USAGE, "--preset: unknown preset '%.64s' (proven-100, conjectured-100, test)",
                    name);
    return CAIRN_OK;
}

cairn_err cli_segment_security(stark_security_bits *out, unsigned po2, const stark_params *p)
{
    unsigned h[AIR_MAX_TABLES];
    RETURN_ERROR_IF(rv_air_heights(po2, h) == 0, CAIRN_ERR_USAGE, "segment po2 %u out of range %u..%u", po2,
                    RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    const air_machine *m;
    FORWARD_IF_ERROR(rv_air_machine(&m, po2, p));
    return stark_security(out, p, m, h);
}

cairn_err cli_state_from_elems(rv_state *out, const uint64_t e[RV_STATE_NELEMS])
{
    memset(out, 0, sizeof *out);
    /* every element a u32 but the root's and the chain's (field elements) */
    for (unsigned i = 0; i < RV_STATE_NELEMS; i++) {
        int digest = (i >= 33 && i <= 36) || (i >= 41 && i <= 44);
        RETURN_ERROR_IF(digest ? e[i] >= GL_P : e[i] > UINT32_MAX, CAIRN_ERR_VERIFY,
                        "state element %u is out of range (%llu)", i, (unsigned long long)e[i]);
    }
    RETURN_ERROR_IF(e[0] != RV_STATE_TAG, CAIRN_ERR_VERIFY, "state element 0 is not the state tag");
    size_t k = 1;
    out->pc = (uint32_t)e[k++];
    for (int i = 1; i < 32; i++) out->x[i] = (uint32_t)e[k++];
    for (int i = 0; i < P2_DIGEST; i++) out->root.v[i] = e[k++];
    out->input_pos = e[k] | e[k + 1] << 32;
    k += 2;
    out->journal_len = e[k] | e[k + 1] << 32;
    k += 2;
    for (int i = 0; i < P2_DIGEST; i++) out->journal_chain.v[i] = e[k++];
    for (int i = 0; i < 4; i++) out->journal_tail[i] = (uint32_t)e[k++];
    out->halted = (uint32_t)e[k++];
    out->exit_code = (uint32_t)e[k++];
    out->input_eof = (uint32_t)e[k++];
    out->sys_done = (uint32_t)e[k++];
    RETURN_ERROR_IF(out->halted > 1 || out->input_eof > 1, CAIRN_ERR_VERIFY,
                    "state flags halted = %u, input_eof = %u (0 or 1)", out->halted, out->input_eof);
    gl_t back[RV_STATE_NELEMS];
    rv_state_elems(back, out);
    for (unsigned i = 0; i < RV_STATE_NELEMS; i++)
        RETURN_ERROR_IF(back[i] != e[i], CAIRN_ERR_VERIFY, "state element %u does not round-trip", i);
    return CAIRN_OK;
}

void cli_journal_fields(rv_state *s, const uint8_t *buf, size_t len)
{
    /* rv.h: J_0 = 0, J_{k+1} = p2_compress(J_k, block_k as 4 LE words),
     * tail = the last len % 16 bytes zero-padded, as the executor's
     * rv_journal_append builds them write by write */
    memset(&s->journal_chain, 0, sizeof s->journal_chain);
    memset(s->journal_tail, 0, sizeof s->journal_tail);
    s->journal_len = len;
    size_t full = len / 16 * 16;
    for (size_t off = 0; off < full; off += 16) {
        p2_digest blk;
        for (int i = 0; i < 4; i++)
            blk.v[i] = (uint32_t)buf[off + 4 * i] | (uint32_t)buf[off + 4 * i + 1] << 8 |
                       (uint32_t)buf[off + 4 * i + 2] << 16 | (uint32_t)buf[off + 4 * i + 3] << 24;
        p2_compress(&s->journal_chain, &s->journal_chain, &blk);
    }
    for (size_t i = full; i < len; i++) s->journal_tail[(i - full) / 4] |= (uint32_t)buf[i] << (8 * ((i - full) % 4));
}

void cli_hex(char *out, const uint8_t *b, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = 0;
}
