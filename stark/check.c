/* Debug constraint checker: evaluates every constraint of every table on
 * every row of the trace domain and the LogUp balance, and names the first
 * failure (table, row, constraint). Slow and simple on purpose: it is the
 * reference the prover's output is compared with in tests. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "stark_internal.h"

cairn_err stark_check_trace(const air_machine *m, const stark_trace *traces, const gl_t *pub,
                            size_t npub)
{
    RETURN_ERROR_IF(npub != m->npub, CAIRN_ERR_USAGE, "check: %zu public values, machine has %u",
                    npub, m->npub);
    /* fixed challenges: any values work for a debugging aid; these come
     * from a transcript so they are not special */
    transcript tr;
    tr_init(&tr, "cairn-check");
    gl3_t a = tr_squeeze_ext(&tr), b = tr_squeeze_ext(&tr);
    gl3_t total = gl3_zero();
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        const air_table *t = m->tables[ti];
        unsigned log_n = traces[ti].log_n;
        RETURN_ERROR_IF(t->npre && log_n != t->pre_log_n, CAIRN_ERR_USAGE,
                        "check: table %s has height 2^%u, its preprocessed columns 2^%u", t->name,
                        log_n, t->pre_log_n);
        RETURN_ERROR_IF(log_n < STARK_MIN_LOG_N || log_n > STARK_MAX_LOG_N, CAIRN_ERR_USAGE,
                        "check: table %s: log height %u outside %d..%d", t->name, log_n,
                        STARK_MIN_LOG_N, STARK_MAX_LOG_N);
        size_t n = (size_t)1 << log_n;
        gl_t *v = cairn_malloc_array(t->nnodes + 1, sizeof *v);
        RETURN_ERROR_IF(!v, CAIRN_ERR_NOMEM, "check: out of memory");
        for (size_t r = 0; r < n; r++) {
            size_t nx = (r + 1) & (n - 1);
            gl_t sel[3] = {r == 0, r == n - 1, r != n - 1};
            const gl_t *mc = traces[ti].main ? traces[ti].main + r * t->nmain : NULL;
            const gl_t *mn = traces[ti].main ? traces[ti].main + nx * t->nmain : NULL;
            const gl_t *pc = t->pre ? t->pre + r * t->npre : NULL;
            const gl_t *pn = t->pre ? t->pre + nx * t->npre : NULL;
            air_eval_row(t, v, pc, pn, mc, mn, pub, sel);
            for (size_t k = 0; k < t->ncons; k++)
                if (v[t->cons[k].e] != 0) {
                    free(v);
                    return cairn_fail(CAIRN_ERR_VERIFY, "check: table %s row %zu: constraint %zu (%s) fails",
                                      t->name, r, k, t->cons[k].name);
                }
            for (size_t k = 0; k < t->nints; k++) {
                const air_interaction *it = &t->ints[k];
                gl_t tup[AIR_MAX_TUPLE];
                for (unsigned e = 0; e < it->len; e++) tup[e] = v[it->tuple[e]];
                gl3_t term = gl3_mul_base(gl3_inv(stark_fingerprint(a, b, it->bus, tup, it->len)),
                                          v[it->mult]);
                total = it->dir == AIR_SEND ? gl3_add(total, term) : gl3_sub(total, term);
            }
        }
        free(v);
    }
    const air_table *bt = m->boundary;
    if (bt->nints) {
        gl_t *v = cairn_malloc_array(bt->nnodes + 1, sizeof *v);
        RETURN_ERROR_IF(!v, CAIRN_ERR_NOMEM, "check: out of memory");
        gl_t sel[3] = {0, 0, 0};
        air_eval_row(bt, v, NULL, NULL, NULL, NULL, pub, sel);
        for (size_t k = 0; k < bt->nints; k++) {
            const air_interaction *it = &bt->ints[k];
            gl_t tup[AIR_MAX_TUPLE];
            for (unsigned e = 0; e < it->len; e++) tup[e] = v[it->tuple[e]];
            gl3_t term = gl3_mul_base(gl3_inv(stark_fingerprint(a, b, it->bus, tup, it->len)),
                                      v[it->mult]);
            total = it->dir == AIR_SEND ? gl3_add(total, term) : gl3_sub(total, term);
        }
        free(v);
    }
    RETURN_ERROR_IF(!gl3_eq(total, gl3_zero()), CAIRN_ERR_VERIFY,
                    "check: LogUp buses do not balance");
    return CAIRN_OK;
}
