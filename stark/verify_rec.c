/* verify_rec.h: the verifier's interface for a recording backend, a thin
 * layer over stark_internal.h (the parser and stark_verify_vctx). */
#include "verify_rec.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "stark_internal.h"

struct stark_vrec_proof {
    stark_proof pf;
    stark_shape s;
    const stark_vk *vk; /* the key given to the parser */
    /* key as input: the key of the claimed root (parse and run use it),
     * and the verifier's key inputs */
    int key_input;
    struct stark_vk kv;
    stark_key_input key;
};

static cairn_err parse(stark_vrec_proof **out, const stark_vk *vk, const p2_digest *pre_root,
                       const uint8_t *proof, size_t len, const unsigned *log_heights)
{
    *out = NULL;
    RETURN_ERROR_IF(!log_heights, CAIRN_ERR_USAGE,
                    "stark_vrec_parse: no table heights given (see stark.h)");
    stark_vrec_proof *p = cairn_calloc(1, sizeof *p);
    RETURN_ERROR_IF(!p, CAIRN_ERR_NOMEM, "stark_vrec_parse: out of memory");
    p->vk = vk;
    cairn_err err = CAIRN_OK;
    if (pre_root) {
        p->key_input = 1;
        err = stark_vk_rekey(&p->kv, vk, pre_root);
        if (err == CAIRN_OK) err = stark_key_input_init(&p->key, vk, pre_root);
        vk = &p->kv; /* the proof must carry the claimed key's digest */
    }
    if (err == CAIRN_OK) err = stark_proof_read(&p->pf, &p->s, vk, proof, len);
    if (err != CAIRN_OK) {
        free(p);
        return err;
    }
    const air_machine *m = vk->m;
    for (unsigned t = 0; t < m->ntables && err == CAIRN_OK; t++)
        if (log_heights[t] && log_heights[t] != p->s.log_n[t])
            err = cairn_fail(CAIRN_ERR_VERIFY,
                             "stark_vrec_parse: table %s has log height %u in the proof, %u expected",
                             m->tables[t]->name, p->s.log_n[t], log_heights[t]);
    if (err != CAIRN_OK) {
        stark_vrec_free(p);
        return err;
    }
    *out = p;
    return CAIRN_OK;
}

cairn_err stark_vrec_parse(stark_vrec_proof **out, const stark_vk *vk, const uint8_t *proof,
                           size_t len, const unsigned *log_heights)
{
    return parse(out, vk, NULL, proof, len, log_heights);
}

cairn_err stark_vrec_parse_key(stark_vrec_proof **out, const stark_vk *vk, const p2_digest *pre_root,
                               const uint8_t *proof, size_t len, const unsigned *log_heights)
{
    RETURN_ERROR_IF(!pre_root, CAIRN_ERR_USAGE, "stark_vrec_parse_key: no preprocessed root given");
    RETURN_ERROR_IF(!vk->has_pre, CAIRN_ERR_USAGE,
                    "stark_vrec_parse_key: machine %s has no preprocessed columns (no root to take as input)",
                    vk->m->name);
    for (int i = 0; i < P2_DIGEST; i++)
        RETURN_ERROR_IF(pre_root->v[i] >= GL_P, CAIRN_ERR_USAGE,
                        "stark_vrec_parse_key: preprocessed root element %d is not canonical", i);
    return parse(out, vk, pre_root, proof, len, log_heights);
}

cairn_err stark_vrec_blank(uint8_t **out, size_t *len, const stark_vk *vk, const unsigned *log_heights)
{
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(!log_heights, CAIRN_ERR_USAGE, "stark_vrec_blank: no table heights given");
    stark_shape s;
    stark_proof pf;
    FORWARD_IF_ERROR(stark_shape_init(&s, vk, log_heights));
    FORWARD_IF_ERROR(stark_proof_alloc(&pf, &s, vk->p.queries));
    pf.vk_digest = vk->digest;
    for (unsigned t = 0; t < s.ntables; t++) pf.log_n[t] = s.log_n[t];
    cairn_err err = stark_proof_write(out, len, &pf, &s, vk);
    stark_proof_free(&pf);
    return err;
}

void stark_vrec_free(stark_vrec_proof *p)
{
    if (!p) return;
    stark_proof_free(&p->pf);
    free(p);
}

void stark_vrec_heights(const stark_vrec_proof *p, unsigned *log_heights)
{
    for (unsigned t = 0; t < p->s.ntables; t++) log_heights[t] = p->s.log_n[t];
}

size_t stark_vrec_ninputs(const stark_vk *vk, const stark_vrec_proof *p)
{
    /* the layout of verify_rec.h, item by item */
    const stark_shape *s = &p->s;
    size_t n = vk->m->npub;
    if (p->key_input) n += P2_DIGEST; /* the root, after the public values */
    if (s->tree_nmats[TREE_MAIN]) n += P2_DIGEST;
    n += P2_DIGEST; /* LogUp root or the unused zero digest */
    if (vk->has_lu) n += 3 * (size_t)s->nlu_sums;
    n += P2_DIGEST;
    n += 3 * s->nopen;
    n += (size_t)P2_DIGEST * s->nlayers;
    n += (size_t)3 << s->log_final;
    n += 1;
    n += (size_t)vk->p.queries *
         (s->q_rows + P2_DIGEST * s->q_paths + 3 * s->q_fri_vals + P2_DIGEST * s->q_fri_paths);
    return n;
}

cairn_err stark_vrec_run(vctx *c, const stark_vk *vk, stark_vrec_proof *p, const gl_t *pub,
                         size_t npub)
{
    RETURN_ERROR_IF(vk != p->vk, CAIRN_ERR_USAGE, "stark_vrec_run: the proof was parsed for another key");
    if (!p->key_input) return stark_verify_vctx(c, vk, &p->s, &p->pf, pub, npub);
    /* the key's variables of this run are kept in p (stark_vrec_key_vars) */
    return stark_verify_vctx_key(c, &p->kv, &p->s, &p->pf, pub, npub, &p->key);
}

cairn_err stark_vrec_key_vars(const stark_vrec_proof *p, vb root[P2_DIGEST], vb digest[P2_DIGEST],
                              vb *pub)
{
    RETURN_ERROR_IF(!p->key_input, CAIRN_ERR_USAGE,
                    "stark_vrec_key_vars: the proof was parsed with the key as constants");
    memcpy(root, p->key.root, sizeof p->key.root);
    memcpy(digest, p->key.digest, sizeof p->key.digest);
    if (pub) memcpy(pub, p->key.pub, p->kv.m->npub * sizeof *pub);
    return CAIRN_OK;
}
