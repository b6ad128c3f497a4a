/* Fixtures shared by the RV32IM AIR suites; see rv_air_testutil.h. */
#include "rv_air_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "vm/rv32im/rv_air_decode.h"
#include "vm/rv32im/rv_air_int.h"
#include "vm/rv32im/rv_air_tables.h"

cairn_err rvt_finish(air_machine **out, air_machine *m)
{
    cairn_err e = air_machine_finish(m, RV_AIR_MAX_DEGREE);
    if (e != CAIRN_OK) {
        air_machine_free(m);
        return e;
    }
    *out = m;
    return CAIRN_OK;
}

int rvt_setup(rvt_keys *k, int built)
{
    stark_params p;
    if (!built || stark_params_preset(&p, "test") != CAIRN_OK || stark_setup(&k->pk, &k->vk, k->m, &p) != CAIRN_OK) {
        fprintf(stderr, "setup: %s\n", cairn_last_error());
        return 0;
    }
    return 1;
}

int rvt_run(rvt_keys *k, const char *suite, const test_case *cases)
{
    int rc = test_run_suite(suite, cases);
    stark_pk_free(k->pk);
    stark_vk_free(k->vk);
    air_machine_free(k->m);
    *k = (rvt_keys){0};
    return rc;
}

static int verbose(void) { return getenv("CAIRN_TEST_VERBOSE") != NULL; }

cairn_err rvt_expect_check(const air_machine *m, const stark_trace *tr, const gl_t *pub, size_t npub,
                           int ok, const char *msg, const char *what)
{
    cairn_err e = stark_check_trace(m, tr, pub, npub);
    if ((e == CAIRN_OK) != ok)
        fprintf(stderr, "%s: checker says %s\n", what, e == CAIRN_OK ? "ok" : cairn_last_error());
    CU_ASSERT_EQUAL(e == CAIRN_OK, ok);
    if (ok || e == CAIRN_OK) return e;
    if (verbose()) fprintf(stderr, "  %s: %s\n", what, cairn_last_error());
    if (msg && !strstr(cairn_last_error(), msg)) {
        fprintf(stderr, "%s: expected '%s', checker says %s\n", what, msg, cairn_last_error());
        CU_FAIL("checker names another failure");
    }
    return e;
}

int rvt_expect_proof(const rvt_keys *k, const stark_trace *tr, const gl_t *pub, size_t npub, int ok,
                     const char *vmsg, const char *what)
{
    uint8_t *proof = NULL;
    size_t len = 0;
    double t0 = now_sec();
    cairn_err e = stark_prove(k->pk, tr, pub, npub, &proof, &len);
    if (e != CAIRN_OK) fprintf(stderr, "%s: prover says %s\n", what, cairn_last_error());
    CU_ASSERT_EQUAL_FATAL(e, CAIRN_OK);
    double t1 = now_sec();
    unsigned h[AIR_MAX_TABLES] = {0};
    for (unsigned i = 0; i < k->m->ntables; i++) h[i] = tr[i].log_n;
    e = stark_verify(k->vk, pub, npub, proof, len, h);
    fprintf(stderr, "  proof (%s): %zu bytes, prove %.2f s, verify %.3f s: %s\n", what, len, t1 - t0,
            now_sec() - t1, e == CAIRN_OK ? "accepted" : cairn_last_error());
    if ((e == CAIRN_OK) != ok) fprintf(stderr, "%s: the verifier %s\n", what, ok ? "rejects" : "accepts");
    CU_ASSERT_EQUAL(e, ok ? CAIRN_OK : CAIRN_ERR_VERIFY);
    if (!ok && e != CAIRN_OK && vmsg && !strstr(cairn_last_error(), vmsg)) {
        fprintf(stderr, "%s: expected '%s', verifier says %s\n", what, vmsg, cairn_last_error());
        CU_FAIL("verifier names another check");
    }
    free(proof);
    return e == CAIRN_OK;
}

void rvt_expect(const rvt_keys *k, const stark_trace *tr, const gl_t *pub, size_t npub, int ok, int prove,
                const char *msg, const char *vmsg, const char *what)
{
    rvt_expect_check(k->m, tr, pub, npub, ok, msg, what);
    if (prove) rvt_expect_proof(k, tr, pub, npub, ok, vmsg, what);
}

/* ---- evaluating rows ---- */

/* v: the node values of row r of table ti (wrapping to row 0). */
static void eval_row(const air_machine *m, unsigned ti, const stark_trace *tr, const gl_t *pub, size_t r,
                     gl_t *v)
{
    const air_table *t = m->tables[ti];
    const size_t rows = (size_t)1 << tr[ti].log_n, nx = (r + 1) & (rows - 1);
    gl_t sel[3] = {r == 0, r == rows - 1, r != rows - 1};
    air_eval_row(t, v, t->npre ? t->pre + r * t->npre : NULL, t->npre ? t->pre + nx * t->npre : NULL,
                 tr[ti].main + r * t->nmain, tr[ti].main + nx * t->nmain, pub, sel);
}

static gl_t *nodes_alloc(const air_table *t)
{
    gl_t *v = malloc((t->nnodes + 1) * sizeof *v);
    CU_ASSERT_FATAL(v != NULL);
    return v;
}

/* ---- lookups recounted ---- */

/* The table receiving on bus, or -1. */
static int receiver(const air_machine *m, uint32_t bus)
{
    for (unsigned ti = 0; ti < m->ntables; ti++)
        for (size_t k = 0; k < m->tables[ti]->nints; k++)
            if (m->tables[ti]->ints[k].bus == bus && m->tables[ti]->ints[k].dir == AIR_RECEIVE) return (int)ti;
    return -1;
}

/* The row of lookup table `bus` that holds the tuple v[it->tuple], or -1. */
static long lookup_row(const air_machine *m, int dec, const air_interaction *it, const gl_t *v)
{
    gl_t a = v[it->tuple[0]], b = it->len > 1 ? v[it->tuple[1]] : 0;
    if (it->bus == RV_BUS_RANGE)
        return b <= RV_RANGE_MAX_BITS && a < ((gl_t)1 << b) ? (long)rv_range_index((uint32_t)a, (unsigned)b) : -1;
    if (it->bus == RV_BUS_BYTES) {
        gl_t an = v[it->tuple[2]], o = v[it->tuple[3]], x = v[it->tuple[4]];
        return a < 256 && b < 256 && an == (a & b) && o == (a | b) && x == (a ^ b) ? (long)(a * 256 + b) : -1;
    }
    const air_table *dt = m->tables[dec];
    for (unsigned c = 0; c < RV_DECODE_CLASSES; c++) {
        unsigned e = 0;
        while (e < RV_DECODE_TUPLE && dt->pre[c * RV_DECODE_TUPLE + e] == v[it->tuple[e]]) e++;
        if (e == RV_DECODE_TUPLE) return c;
    }
    return -1;
}

size_t rvt_recount(const air_machine *m, const stark_trace *tr, const gl_t *pub)
{
    static const uint32_t BUSES[3] = {RV_BUS_RANGE, RV_BUS_BYTES, RV_BUS_DECODE};
    int lt[3], is_lookup[AIR_MAX_TABLES] = {0};
    for (int b = 0; b < 3; b++) {
        lt[b] = receiver(m, BUSES[b]);
        if (lt[b] < 0) continue;
        is_lookup[lt[b]] = 1;
        /* the caller's buffer, given as the trace of a lookup table */
        memset((gl_t *)tr[lt[b]].main, 0, (m->tables[lt[b]]->nmain * sizeof(gl_t)) << tr[lt[b]].log_n);
    }
    size_t bad = 0;
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        if (is_lookup[ti]) continue;
        const air_table *t = m->tables[ti];
        gl_t *v = nodes_alloc(t);
        for (size_t r = 0; r < (size_t)1 << tr[ti].log_n; r++) {
            eval_row(m, ti, tr, pub, r, v);
            for (size_t k = 0; k < t->nints; k++) {
                const air_interaction *it = &t->ints[k];
                int b = it->bus == RV_BUS_RANGE ? 0 : it->bus == RV_BUS_BYTES ? 1 : it->bus == RV_BUS_DECODE ? 2 : -1;
                if (b < 0 || lt[b] < 0 || it->dir != AIR_SEND || v[it->mult] == 0) continue;
                long row = lookup_row(m, lt[2], it, v);
                if (row < 0) {
                    bad++;
                    continue;
                }
                gl_t *mult = (gl_t *)tr[lt[b]].main + row;
                *mult = gl_add(*mult, v[it->mult]);
            }
        }
        free(v);
    }
    return bad;
}

/* ---- exact bus balance ---- */

typedef struct {
    uint32_t bus, len;
    gl_t mult; /* +m for a send, -m for a receive */
    gl_t tup[AIR_MAX_TUPLE];
} entry;

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->bus != b->bus) return a->bus < b->bus ? -1 : 1;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    for (unsigned i = 0; i < a->len; i++)
        if (a->tup[i] != b->tup[i]) return a->tup[i] < b->tup[i] ? -1 : 1;
    return 0;
}

unsigned rvt_unbalanced(const air_machine *m, const stark_trace *tr, const gl_t *pub)
{
    size_t cap = 1024, n = 0;
    entry *es = malloc(cap * sizeof *es);
    CU_ASSERT_FATAL(es != NULL);
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        const air_table *t = m->tables[ti];
        gl_t *v = nodes_alloc(t);
        for (size_t r = 0; r < (size_t)1 << tr[ti].log_n; r++) {
            eval_row(m, ti, tr, pub, r, v);
            for (size_t k = 0; k < t->nints; k++) {
                const air_interaction *it = &t->ints[k];
                if (v[it->mult] == 0) continue;
                if (n == cap) {
                    cap *= 2;
                    es = realloc(es, cap * sizeof *es);
                    CU_ASSERT_FATAL(es != NULL);
                }
                entry *e = &es[n++];
                memset(e, 0, sizeof *e);
                e->bus = it->bus;
                e->len = it->len;
                e->mult = it->dir == AIR_SEND ? v[it->mult] : gl_neg(v[it->mult]);
                for (unsigned i = 0; i < it->len; i++) e->tup[i] = v[it->tuple[i]];
            }
        }
        free(v);
    }
    qsort(es, n, sizeof *es, entry_cmp);
    unsigned bad = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        gl_t s = 0;
        for (; j < n && entry_cmp(&es[i], &es[j]) == 0; j++) s = gl_add(s, es[j].mult);
        if (s != 0) bad |= 1u << es[i].bus;
        i = j;
    }
    free(es);
    return bad;
}

unsigned rvt_log_for(size_t n)
{
    unsigned l = 2;
    while (((size_t)1 << l) < n) l++;
    return l;
}

/* ---- segments ---- */

cairn_err rvt_keep_segment(void *arg, const rv_snapshot *s)
{
    rvt_segments *segs = arg;
    if (segs->n == RVT_MAX_SEG) return cairn_fail(CAIRN_ERR_LIMIT, "test: too many segments");
    uint8_t *enc;
    size_t len;
    FORWARD_IF_ERROR(rv_snapshot_encode(&enc, &len, s));
    cairn_err e = rv_snapshot_decode(&segs->seg[segs->n++], enc, len);
    free(enc);
    return e;
}

void rvt_segments_free(rvt_segments *s)
{
    for (size_t i = 0; i < s->n; i++) rv_snapshot_free(&s->seg[i]);
    s->n = 0;
}

cairn_err rvt_keep_first(void *arg, const rv_snapshot *s)
{
    rvt_first *k = arg;
    return k->enc ? CAIRN_OK : rv_snapshot_encode(&k->enc, &k->len, s);
}

void rvt_syscall(prog_t *p, uint32_t num, uint32_t fd, uint32_t buf, uint32_t len)
{
    emit_li(p, A0, fd);
    emit_li(p, A1, buf);
    emit_li(p, A2, len);
    emit(p, ADDI(A7, ZERO, (int32_t)num));
    emit(p, ECALL);
}
