/* Debug constraint checker: evaluates every constraint of every table on
 * every row of the trace domain and the LogUp balance, and names the first
 * failure (table, row, constraint). Slow and simple on purpose: it is the
 * reference the prover's output is compared with in tests.
 *
 * Bus balance is checked per bus (the sum of m / fingerprint over the
 * bus's interactions, with fixed challenges). When a bus does not balance,
 * a second pass over that bus groups its interactions by tuple and names
 * the tuples whose sends and receives do not cancel, with their net
 * multiplicity and where the first of them occurs, since debugging a
 * machine with many buses depends on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "stark_internal.h"

#define CHECK_MAX_BUSES 256
#define CHECK_REPORT 3 /* unmatched tuples named in the message */

typedef struct {
    uint32_t id;
    gl3_t sum;
} bus_sum;

typedef struct {
    const air_machine *m;
    const stark_trace *traces;
    const gl_t *pub;
    gl3_t a, b; /* fixed challenges */
    bus_sum bus[CHECK_MAX_BUSES];
    unsigned nbus;
} checker;

/* The table and boundary pseudo-table in one index space: m->ntables is
 * the boundary. */
static const air_table *table_of(const checker *ck, unsigned ti)
{
    return ti < ck->m->ntables ? ck->m->tables[ti] : ck->m->boundary;
}

static size_t rows_of(const checker *ck, unsigned ti)
{
    return ti < ck->m->ntables ? (size_t)1 << ck->traces[ti].log_n : 1;
}

/* DAG values of row r of table ti (v has nnodes entries). */
static void eval_row(const checker *ck, unsigned ti, size_t r, gl_t *v)
{
    const air_table *t = table_of(ck, ti);
    if (ti == ck->m->ntables) {
        gl_t sel[3] = {0, 0, 0};
        air_eval_row(t, v, NULL, NULL, NULL, NULL, ck->pub, sel);
        return;
    }
    size_t n = rows_of(ck, ti), nx = (r + 1) & (n - 1);
    gl_t sel[3] = {r == 0, r == n - 1, r != n - 1};
    const gl_t *main = ck->traces[ti].main;
    const gl_t *mc = main ? main + r * t->nmain : NULL, *mn = main ? main + nx * t->nmain : NULL;
    const gl_t *pc = t->pre ? t->pre + r * t->npre : NULL;
    const gl_t *pn = t->pre ? t->pre + nx * t->npre : NULL;
    air_eval_row(t, v, pc, pn, mc, mn, ck->pub, sel);
}

static gl3_t fp_of(const checker *ck, const air_interaction *it, const gl_t *v, gl_t *tup)
{
    for (unsigned e = 0; e < it->len; e++) tup[e] = v[it->tuple[e]];
    return stark_fingerprint(ck->a, ck->b, it->bus, tup, it->len);
}

static gl_t signed_mult(const air_interaction *it, const gl_t *v)
{
    return it->dir == AIR_SEND ? v[it->mult] : gl_neg(v[it->mult]);
}

static bus_sum *bus_slot(checker *ck, uint32_t id)
{
    for (unsigned i = 0; i < ck->nbus; i++)
        if (ck->bus[i].id == id) return &ck->bus[i];
    if (ck->nbus == CHECK_MAX_BUSES) return NULL;
    ck->bus[ck->nbus] = (bus_sum){id, gl3_zero()};
    return &ck->bus[ck->nbus++];
}

/* ---- naming the unmatched tuples of one bus ---- */
typedef struct {
    gl3_t fp;
    gl_t mult;
    uint32_t ti, k;
    size_t row;
} bus_ent;

static int cmp_ent(const void *x, const void *y)
{
    const bus_ent *a = x, *b = y;
    for (int i = 0; i < 3; i++)
        if (a->fp.c[i] != b->fp.c[i]) return a->fp.c[i] < b->fp.c[i] ? -1 : 1;
    if (a->ti != b->ti) return a->ti < b->ti ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static void put_signed(char *buf, size_t cap, gl_t x)
{
    if (x > GL_P / 2) snprintf(buf, cap, "-%llu", (unsigned long long)(GL_P - x));
    else snprintf(buf, cap, "%llu", (unsigned long long)x);
}

/* Appends to msg (of size cap) a description of up to CHECK_REPORT tuples
 * of bus `id` whose multiplicities do not cancel. */
static cairn_err name_unmatched(const checker *ck, uint32_t id, char *msg, size_t cap)
{
    size_t nent = 0, cap_ent = 0;
    bus_ent *ents = NULL;
    gl_t *v = NULL;
    size_t maxnodes = 1;
    for (unsigned ti = 0; ti <= ck->m->ntables; ti++)
        if (table_of(ck, ti)->nnodes + 1 > maxnodes) maxnodes = table_of(ck, ti)->nnodes + 1;
    v = cairn_malloc_array(maxnodes, sizeof *v);
    if (!v) return cairn_fail(CAIRN_ERR_NOMEM, "check: out of memory");
    gl_t tup[AIR_MAX_TUPLE];
    for (unsigned ti = 0; ti <= ck->m->ntables; ti++) {
        const air_table *t = table_of(ck, ti);
        int uses = 0;
        for (size_t k = 0; k < t->nints; k++) uses |= t->ints[k].bus == id;
        if (!uses) continue;
        for (size_t r = 0; r < rows_of(ck, ti); r++) {
            eval_row(ck, ti, r, v);
            for (size_t k = 0; k < t->nints; k++) {
                const air_interaction *it = &t->ints[k];
                if (it->bus != id) continue;
                gl_t mu = signed_mult(it, v);
                if (mu == 0) continue;
                if (nent == cap_ent) {
                    size_t nc = cap_ent ? 2 * cap_ent : 1024;
                    bus_ent *ne = cairn_realloc_array(ents, nc, sizeof *ne);
                    if (!ne) {
                        free(ents);
                        free(v);
                        return cairn_fail(CAIRN_ERR_NOMEM, "check: out of memory");
                    }
                    ents = ne;
                    cap_ent = nc;
                }
                ents[nent++] = (bus_ent){fp_of(ck, it, v, tup), mu, ti, (uint32_t)k, r};
            }
        }
    }
    qsort(ents, nent, sizeof *ents, cmp_ent);
    size_t named = 0, used = strlen(msg);
    for (size_t i = 0; i < nent && named < CHECK_REPORT;) {
        size_t j = i;
        gl_t net = 0;
        while (j < nent && gl3_eq(ents[j].fp, ents[i].fp)) net = gl_add(net, ents[j++].mult);
        if (net != 0) {
            /* the tuple's values, from its first occurrence */
            const bus_ent *e = &ents[i];
            const air_table *t = table_of(ck, e->ti);
            const air_interaction *it = &t->ints[e->k];
            eval_row(ck, e->ti, e->row, v);
            (void)fp_of(ck, it, v, tup);
            char line[400], num[32];
            size_t o = 0;
            o += (size_t)snprintf(line + o, sizeof line - o, "; tuple (");
            for (unsigned u = 0; u < it->len && o < sizeof line - 40; u++)
                o += (size_t)snprintf(line + o, sizeof line - o, "%s%llu", u ? ", " : "",
                                      (unsigned long long)tup[u]);
            put_signed(num, sizeof num, net);
            snprintf(line + o, sizeof line - o, ") net multiplicity %s (sent +, received -), first in table %s row %zu",
                     num, t->name, e->row);
            if (used + 1 < cap) {
                snprintf(msg + used, cap - used, "%s", line);
                used = strlen(msg);
            }
            named++;
        }
        i = j;
    }
    if (named == 0 && used + 1 < cap)
        snprintf(msg + used, cap - used, "; every tuple's multiplicities cancel, but the sum of "
                                         "m / fingerprint does not (a fingerprint collision?)");
    free(ents);
    free(v);
    return CAIRN_OK;
}

cairn_err stark_check_trace(const air_machine *m, const stark_trace *traces, const gl_t *pub,
                            size_t npub)
{
    RETURN_ERROR_IF(npub != m->npub, CAIRN_ERR_USAGE, "check: %zu public values, machine has %u",
                    npub, m->npub);
    checker *ck = cairn_calloc(1, sizeof *ck);
    RETURN_ERROR_IF(!ck, CAIRN_ERR_NOMEM, "check: out of memory");
    ck->m = m;
    ck->traces = traces;
    ck->pub = pub;
    /* fixed challenges: any values work for a debugging aid; these come
     * from a transcript so they are not special */
    transcript tr;
    tr_init(&tr, "cairn-check");
    ck->a = tr_squeeze_ext(&tr);
    ck->b = tr_squeeze_ext(&tr);
    cairn_err err = CAIRN_OK;
    for (unsigned ti = 0; ti < m->ntables && err == CAIRN_OK; ti++) {
        const air_table *t = m->tables[ti];
        unsigned log_n = traces[ti].log_n;
        if (t->npre && log_n != t->pre_log_n) {
            err = cairn_fail(CAIRN_ERR_USAGE,
                             "check: table %s has height 2^%u, its preprocessed columns 2^%u",
                             t->name, log_n, t->pre_log_n);
            break;
        }
        if (log_n < STARK_MIN_LOG_N || log_n > STARK_MAX_LOG_N) {
            err = cairn_fail(CAIRN_ERR_USAGE, "check: table %s: log height %u outside %d..%d",
                             t->name, log_n, STARK_MIN_LOG_N, STARK_MAX_LOG_N);
            break;
        }
    }
    gl_t *v = NULL;
    if (err == CAIRN_OK) {
        size_t maxnodes = 1;
        for (unsigned ti = 0; ti <= m->ntables; ti++)
            if (table_of(ck, ti)->nnodes + 1 > maxnodes) maxnodes = table_of(ck, ti)->nnodes + 1;
        v = cairn_malloc_array(maxnodes, sizeof *v);
        if (!v) err = cairn_fail(CAIRN_ERR_NOMEM, "check: out of memory");
    }
    gl_t tup[AIR_MAX_TUPLE];
    for (unsigned ti = 0; ti <= m->ntables && err == CAIRN_OK; ti++) {
        const air_table *t = table_of(ck, ti);
        for (size_t r = 0; r < rows_of(ck, ti) && err == CAIRN_OK; r++) {
            eval_row(ck, ti, r, v);
            for (size_t k = 0; k < t->ncons; k++)
                if (v[t->cons[k].e] != 0) {
                    err = cairn_fail(CAIRN_ERR_VERIFY,
                                     "check: table %s row %zu: constraint %zu (%s) fails", t->name,
                                     r, k, t->cons[k].name);
                    break;
                }
            for (size_t k = 0; k < t->nints && err == CAIRN_OK; k++) {
                const air_interaction *it = &t->ints[k];
                bus_sum *bs = bus_slot(ck, it->bus);
                if (!bs) {
                    err = cairn_fail(CAIRN_ERR_LIMIT, "check: machine %s uses more than %d buses",
                                     m->name, CHECK_MAX_BUSES);
                    break;
                }
                gl3_t term = gl3_mul_base(gl3_inv(fp_of(ck, it, v, tup)), signed_mult(it, v));
                bs->sum = gl3_add(bs->sum, term);
            }
        }
    }
    free(v);
    for (unsigned i = 0; i < ck->nbus && err == CAIRN_OK; i++) {
        if (gl3_eq(ck->bus[i].sum, gl3_zero())) continue;
        char msg[1400];
        snprintf(msg, sizeof msg, "check: LogUp buses do not balance: bus %u", ck->bus[i].id);
        err = name_unmatched(ck, ck->bus[i].id, msg, sizeof msg);
        if (err == CAIRN_OK) err = cairn_fail(CAIRN_ERR_VERIFY, "%s", msg);
    }
    free(ck);
    return err;
}
