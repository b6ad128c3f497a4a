/* AIR builder, validation and degree check (see air.h). */
#include "air.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"

static void set_err(air_machine *m, cairn_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(air_machine *m, cairn_err e, const char *fmt, ...)
{
    if (m->err != CAIRN_OK) return;
    m->err = e;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->errmsg, sizeof m->errmsg, fmt, ap);
    va_end(ap);
}

void air_machine_fail(air_machine *m, cairn_err e, const char *msg)
{
    set_err(m, e, "%s", msg);
}

static void table_free(air_table *t)
{
    if (!t) return;
    free(t->pre);
    free(t->nodes);
    free(t->cons);
    free(t->ints);
    free(t->col_cache);
    free(t);
}

static air_table *table_new(const char *name, unsigned npre, unsigned nmain)
{
    air_table *t = cairn_calloc(1, sizeof *t);
    if (!t) return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->npre = npre;
    t->nmain = nmain;
    t->col_cache = cairn_calloc(2 * ((size_t)npre + nmain) + 2, sizeof *t->col_cache);
    if (!t->col_cache) {
        free(t);
        return NULL;
    }
    return t;
}

cairn_err air_machine_new(air_machine **out, const char *name, unsigned npub)
{
    *out = NULL;
    air_machine *m = cairn_calloc(1, sizeof *m);
    RETURN_ERROR_IF(!m, CAIRN_ERR_NOMEM, "air: out of memory for machine %s", name);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->npub = npub;
    m->boundary = table_new("boundary", 0, 0);
    if (!m->boundary) {
        free(m);
        return cairn_fail(CAIRN_ERR_NOMEM, "air: out of memory for machine %s", name);
    }
    *out = m;
    return CAIRN_OK;
}

void air_machine_free(air_machine *m)
{
    if (!m) return;
    for (unsigned i = 0; i < m->ntables; i++) table_free(m->tables[i]);
    table_free(m->boundary);
    free(m);
}

air_table *air_table_add(air_machine *m, const char *name, unsigned npre, unsigned nmain)
{
    if (m->ntables >= AIR_MAX_TABLES) {
        set_err(m, CAIRN_ERR_LIMIT, "air: machine %s has more than %d tables", m->name,
                AIR_MAX_TABLES);
        return NULL;
    }
    air_table *t = table_new(name, npre, nmain);
    if (!t) {
        set_err(m, CAIRN_ERR_NOMEM, "air: out of memory adding table %s", name);
        return NULL;
    }
    m->tables[m->ntables++] = t;
    return t;
}

void air_table_set_pre(air_machine *m, air_table *t, const gl_t *values, unsigned log_n)
{
    if (!t) return;
    if (m->pre_zero) values = NULL;
    if (log_n > GL_TWO_ADICITY) {
        set_err(m, CAIRN_ERR_USAGE, "air: preprocessed columns of %s: log height %u out of range 0..%d",
                t->name, log_n, GL_TWO_ADICITY);
        return;
    }
    size_t n;
    gl_t *p = !cairn_mul_size(&n, (size_t)1 << log_n, t->npre) ? NULL
              : values                                        ? cairn_malloc_array(n, sizeof *p)
                                                              : cairn_calloc(n, sizeof *p);
    if (!p) {
        set_err(m, CAIRN_ERR_NOMEM, "air: out of memory for the preprocessed columns of %s (2^%u x %u)",
                t->name, log_n, t->npre);
        return;
    }
    if (values) memcpy(p, values, n * sizeof *p);
    free(t->pre);
    t->pre = p;
    t->pre_log_n = log_n;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    void *q = cairn_realloc_array(*p, nc, elem);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

static air_expr push(air_machine *m, air_table *t, air_node nd)
{
    if (!t) return 0;
    if (!grow((void **)&t->nodes, &t->cap_nodes, t->nnodes + 1, sizeof nd)) {
        set_err(m, CAIRN_ERR_NOMEM, "air: out of memory in table %s", t->name);
        return 0;
    }
    t->nodes[t->nnodes] = nd;
    return (air_expr)t->nnodes++;
}

static int check_arg(air_machine *m, air_table *t, air_expr a)
{
    if (!t) return 0;
    if (a >= t->nnodes) {
        set_err(m, CAIRN_ERR_USAGE, "air: table %s: operand %u is not a node", t->name, a);
        return 0;
    }
    return 1;
}

air_expr air_const(air_machine *m, air_table *t, gl_t c)
{
    return push(m, t, (air_node){.op = AIR_CONST, .c = gl_from_u64(c), .degree = 0});
}

air_expr air_col(air_machine *m, air_table *t, int kind, unsigned idx, unsigned offset)
{
    if (!t) return 0;
    unsigned w = kind == AIR_PRE ? t->npre : t->nmain;
    if ((kind != AIR_PRE && kind != AIR_MAIN) || idx >= w || offset > 1) {
        set_err(m, CAIRN_ERR_USAGE, "air: table %s: column (kind %d, %u, offset %u) out of range",
                t->name, kind, idx, offset);
        return 0;
    }
    size_t key = ((size_t)(kind == AIR_PRE ? idx : t->npre + idx)) * 2 + offset;
    if (t->col_cache[key]) return t->col_cache[key] - 1;
    air_expr e = push(m, t, (air_node){.op = AIR_COL, .kind = (uint8_t)kind, .a = idx,
                                       .offset = (uint8_t)offset, .degree = 1});
    if (m->err == CAIRN_OK) t->col_cache[key] = e + 1;
    return e;
}

air_expr air_pub(air_machine *m, air_table *t, unsigned idx)
{
    if (idx >= m->npub) {
        set_err(m, CAIRN_ERR_USAGE, "air: public value %u out of range (%u)", idx, m->npub);
        return 0;
    }
    return push(m, t, (air_node){.op = AIR_PUB, .a = idx, .degree = 0});
}

air_expr air_sel(air_machine *m, air_table *t, int sel)
{
    if (sel < AIR_SEL_FIRST || sel > AIR_SEL_TRANS) {
        set_err(m, CAIRN_ERR_USAGE, "air: bad selector %d", sel);
        return 0;
    }
    return push(m, t, (air_node){.op = AIR_SEL, .kind = (uint8_t)sel, .degree = 1});
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

static air_expr binop(air_machine *m, air_table *t, air_op op, air_expr a, air_expr b)
{
    if (!check_arg(m, t, a) || !check_arg(m, t, b)) return 0;
    unsigned da = t->nodes[a].degree, db = t->nodes[b].degree;
    unsigned d = op == AIR_MUL ? da + db : umax(da, db);
    if (d > 255) d = 255;
    return push(m, t, (air_node){.op = (uint8_t)op, .a = a, .b = b, .degree = (uint8_t)d});
}

air_expr air_add(air_machine *m, air_table *t, air_expr a, air_expr b)
{
    return binop(m, t, AIR_ADD, a, b);
}
air_expr air_sub(air_machine *m, air_table *t, air_expr a, air_expr b)
{
    return binop(m, t, AIR_SUB, a, b);
}
air_expr air_mul(air_machine *m, air_table *t, air_expr a, air_expr b)
{
    return binop(m, t, AIR_MUL, a, b);
}
air_expr air_neg(air_machine *m, air_table *t, air_expr a)
{
    if (!check_arg(m, t, a)) return 0;
    return push(m, t, (air_node){.op = AIR_NEG, .a = a, .degree = t->nodes[a].degree});
}

void air_constrain(air_machine *m, air_table *t, air_expr e, const char *name)
{
    if (!check_arg(m, t, e)) return;
    if (!grow((void **)&t->cons, &t->cap_cons, t->ncons + 1, sizeof *t->cons)) {
        set_err(m, CAIRN_ERR_NOMEM, "air: out of memory in table %s", t->name);
        return;
    }
    air_constraint *c = &t->cons[t->ncons++];
    c->e = e;
    snprintf(c->name, sizeof c->name, "%s", name ? name : "");
}

void air_interact(air_machine *m, air_table *t, unsigned bus, int dir, air_expr mult,
                  const air_expr *tuple, unsigned len)
{
    if (!check_arg(m, t, mult)) return;
    if (len > AIR_MAX_TUPLE || (dir != AIR_SEND && dir != AIR_RECEIVE)) {
        set_err(m, CAIRN_ERR_USAGE, "air: table %s: interaction with %u elements (max %d)",
                t->name, len, AIR_MAX_TUPLE);
        return;
    }
    for (unsigned i = 0; i < len; i++)
        if (!check_arg(m, t, tuple[i])) return;
    if (!grow((void **)&t->ints, &t->cap_ints, t->nints + 1, sizeof *t->ints)) {
        set_err(m, CAIRN_ERR_NOMEM, "air: out of memory in table %s", t->name);
        return;
    }
    air_interaction *it = &t->ints[t->nints++];
    memset(it, 0, sizeof *it);
    it->bus = bus;
    it->dir = (uint8_t)dir;
    it->mult = mult;
    it->len = (uint8_t)len;
    for (unsigned i = 0; i < len; i++) it->tuple[i] = tuple[i];
}

unsigned air_degree(const air_table *t, air_expr e) { return t->nodes[e].degree; }

uint32_t *air_nodes_read(const air_table *t, int with_ints, unsigned min_degree, size_t *count)
{
    uint8_t *need = cairn_calloc(t->nnodes ? t->nnodes : 1, 1);
    uint32_t *list = cairn_malloc_array(t->nnodes ? t->nnodes : 1, sizeof *list);
    if (!need || !list) {
        free(need);
        free(list);
        return NULL;
    }
    if (with_ints)
        for (size_t k = 0; k < t->nints; k++) {
            need[t->ints[k].mult] = 1;
            for (unsigned e = 0; e < t->ints[k].len; e++) need[t->ints[k].tuple[e]] = 1;
        }
    if (min_degree)
        for (size_t k = 0; k < t->ncons; k++)
            if (t->nodes[t->cons[k].e].degree >= min_degree) need[t->cons[k].e] = 1;
    /* the DAG is topologically ordered: a node's operands come before it */
    for (size_t i = t->nnodes; i-- > 0;) {
        const air_node *n = &t->nodes[i];
        if (!need[i] || n->op < AIR_ADD) continue;
        need[n->a] = 1;
        if (n->op != AIR_NEG) need[n->b] = 1;
    }
    size_t c = 0;
    for (size_t i = 0; i < t->nnodes; i++)
        if (need[i]) list[c++] = (uint32_t)i;
    free(need);
    *count = c;
    return list;
}

cairn_err air_machine_finish(air_machine *m, unsigned max_degree)
{
    if (m->err != CAIRN_OK) return cairn_fail(m->err, "%s", m->errmsg);
    if (max_degree == 0) max_degree = 3;
    RETURN_ERROR_IF(max_degree < 2 || max_degree > 8, CAIRN_ERR_USAGE,
                    "air: machine %s: max degree %u outside 2..8", m->name, max_degree);
    RETURN_ERROR_IF(m->ntables == 0, CAIRN_ERR_USAGE, "air: machine %s has no tables", m->name);
    for (unsigned ti = 0; ti < m->ntables; ti++) {
        const air_table *t = m->tables[ti];
        RETURN_ERROR_IF(t->npre > 0 && !t->pre, CAIRN_ERR_USAGE,
                        "air: table %s has %u preprocessed columns but no values", t->name,
                        t->npre);
        RETURN_ERROR_IF(t->npre > 0 && (t->pre_log_n < 2 || t->pre_log_n > 28), CAIRN_ERR_USAGE,
                        "air: table %s: preprocessed height 2^%u outside 2^2..2^28", t->name,
                        t->pre_log_n);
        RETURN_ERROR_IF(t->nmain + t->npre == 0, CAIRN_ERR_USAGE, "air: table %s has no columns",
                        t->name);
        for (size_t c = 0; c < t->ncons; c++) {
            unsigned d = t->nodes[t->cons[c].e].degree;
            RETURN_ERROR_IF(d > max_degree, CAIRN_ERR_USAGE,
                            "air: table %s: constraint %zu (%s) has degree %u > %u", t->name, c,
                            t->cons[c].name, d, max_degree);
        }
        for (size_t i = 0; i < t->nints; i++) {
            const air_interaction *it = &t->ints[i];
            unsigned dt = 0;
            for (unsigned k = 0; k < it->len; k++) dt = umax(dt, t->nodes[it->tuple[k]].degree);
            unsigned dm = t->nodes[it->mult].degree;
            /* helper * fingerprint - m: the helper column adds 1 */
            RETURN_ERROR_IF(dt + 1 > max_degree || dm > max_degree, CAIRN_ERR_USAGE,
                            "air: table %s: interaction %zu (bus %u) needs degree %u > %u",
                            t->name, i, it->bus, umax(dt + 1, dm), max_degree);
        }
    }
    /* One tuple length per bus: the fingerprint beta + bus + sum alpha^(i+1)
     * t_i cannot tell (x) from (x, 0), so a bus that mixed lengths could be
     * balanced by a forged tuple. The boundary's interactions count too. */
    for (unsigned ti = 0; ti <= m->ntables; ti++) {
        const air_table *t = ti < m->ntables ? m->tables[ti] : m->boundary;
        for (size_t i = 0; i < t->nints; i++) {
            const air_interaction *it = &t->ints[i];
            for (unsigned tj = 0; tj <= ti; tj++) {
                const air_table *u = tj < m->ntables ? m->tables[tj] : m->boundary;
                size_t lim = tj == ti ? i : u->nints;
                for (size_t j = 0; j < lim; j++)
                    RETURN_ERROR_IF(u->ints[j].bus == it->bus && u->ints[j].len != it->len,
                                    CAIRN_ERR_USAGE,
                                    "air: machine %s: bus %u carries tuples of length %u (table "
                                    "%s) and %u (table %s); a bus needs one length",
                                    m->name, it->bus, u->ints[j].len, u->name, it->len, t->name);
            }
        }
    }
    const air_table *b = m->boundary;
    for (size_t i = 0; i < b->nnodes; i++)
        RETURN_ERROR_IF(b->nodes[i].op == AIR_COL || b->nodes[i].op == AIR_SEL, CAIRN_ERR_USAGE,
                        "air: machine %s: boundary expressions may use only constants and "
                        "public values",
                        m->name);
    m->max_degree = max_degree;
    m->finished = 1;
    return CAIRN_OK;
}

void air_eval_row(const air_table *t, gl_t *v, const gl_t *pre_cur, const gl_t *pre_next,
                  const gl_t *main_cur, const gl_t *main_next, const gl_t *pub,
                  const gl_t sel[3])
{
    for (size_t i = 0; i < t->nnodes; i++) {
        const air_node *n = &t->nodes[i];
        switch (n->op) {
        case AIR_CONST: v[i] = n->c; break;
        case AIR_COL:
            if (n->kind == AIR_PRE) v[i] = (n->offset ? pre_next : pre_cur)[n->a];
            else v[i] = (n->offset ? main_next : main_cur)[n->a];
            break;
        case AIR_PUB: v[i] = pub[n->a]; break;
        case AIR_SEL: v[i] = sel[n->kind]; break;
        case AIR_ADD: v[i] = gl_add(v[n->a], v[n->b]); break;
        case AIR_SUB: v[i] = gl_sub(v[n->a], v[n->b]); break;
        case AIR_MUL: v[i] = gl_mul(v[n->a], v[n->b]); break;
        case AIR_NEG: v[i] = gl_neg(v[n->a]); break;
        default: v[i] = 0; break;
        }
    }
}
