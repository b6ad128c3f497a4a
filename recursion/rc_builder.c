/* The program builder: the second backend of stark/vctx.h. Each vctx
 * operation appends one instruction whose variable ids travel in the
 * opaque vb/ve slots (vb.v = variable id; ve.v[0] = variable id), and is
 * evaluated on the side (the values of every variable are kept), so that
 * the builder, like vctx_native, knows whether the recorded run accepted
 * and can append input values to the witness.
 *
 * Constants are interned: one variable per distinct (type, value), which
 * keeps the program independent of how often the verifier asks for a
 * constant's slot. Reason strings are interned in the side table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rc_internal.h"
#include "stark/verify_rec.h"

/* Open-addressing table of uint32 ids (UINT32_MAX = empty), compared
 * through a callback. */
typedef struct {
    uint32_t *slot;
    size_t cap, n; /* cap a power of two */
} idtab;

struct rc_builder {
    vctx ctx;
    rc_program *p;
    gl3_t *val; /* value of every variable */
    size_t cap_val;
    gl_t *wit;
    size_t nwit, cap_wit;
    idtab cbase, cext, reasons; /* interned constants (base, extension), reasons */
    size_t failures;
    char first[256];
    cairn_err err; /* first recording error, reported by finish */
    char errmsg[CAIRN_ERROR_MSG_MAX];
};

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static void set_err(rc_builder *b, cairn_err e)
{
    if (b->err != CAIRN_OK) return;
    b->err = e;
    snprintf(b->errmsg, sizeof b->errmsg, "%s", cairn_last_error());
}

static int grow(void **buf, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *nb = cairn_realloc_array(*buf, nc, sz);
    if (!nb) return 0;
    *buf = nb;
    *cap = nc;
    return 1;
}

/* Reserves k new variables; their ids are returned (UINT32_MAX on error). */
static uint32_t new_vars(rc_builder *b, unsigned k)
{
    rc_program *p = b->p;
    if (b->err != CAIRN_OK) return UINT32_MAX;
    if (p->nvars + k > RC_MAX_VARS) {
        set_err(b, cairn_fail(CAIRN_ERR_LIMIT, "rc_builder: more than %u variables", RC_MAX_VARS));
        return UINT32_MAX;
    }
    if (!grow((void **)&b->val, &b->cap_val, p->nvars + k, sizeof *b->val)) {
        set_err(b, cairn_fail_nomem(SIZE_MAX, "rc_builder: out of memory for variable values"));
        return UINT32_MAX;
    }
    uint32_t v = (uint32_t)p->nvars;
    p->nvars += k;
    return v;
}

static void emit(rc_builder *b, unsigned op, unsigned n, uint32_t dst, const uint32_t *args,
                 const gl_t *imm, uint32_t extra)
{
    if (b->err != CAIRN_OK) return;
    cairn_err e = rc_program_emit(b->p, op, n, dst, args, imm, extra);
    if (e != CAIRN_OK) set_err(b, e);
}

/* Value of a variable (a harmless zero once recording has failed). */
static gl3_t V(const rc_builder *b, uint64_t id)
{
    return id < b->p->nvars ? b->val[id] : gl3_zero();
}

#define B(c) ((rc_builder *)(c)->impl)

gl_t rc_builder_value(const rc_builder *b, vb x) { return b->p ? V(b, x.v).c[0] : 0; }

/* ---- id tables ---- */
typedef int (*id_eq)(const rc_builder *b, uint32_t id, const void *key);

static uint32_t *tab_find(idtab *t, const rc_builder *b, uint64_t h, const void *key, id_eq eq)
{
    size_t m = t->cap - 1;
    for (size_t i = h & m;; i = (i + 1) & m)
        if (t->slot[i] == UINT32_MAX || eq(b, t->slot[i], key)) return &t->slot[i];
}

/* Makes room for one more id (rehashing with hash_of); 0 if out of memory.
 * Then tab_find gives the id equal to the key, or the empty slot to fill. */
static int tab_grow(idtab *t, rc_builder *b, uint64_t (*hash_of)(const rc_builder *, uint32_t))
{
    if ((t->n + 1) * 2 <= t->cap) return 1;
    size_t nc = t->cap ? t->cap * 2 : 1024;
    uint32_t *ns = cairn_malloc_array(nc, sizeof *ns);
    if (!ns) return 0;
    for (size_t i = 0; i < nc; i++) ns[i] = UINT32_MAX;
    for (size_t i = 0; i < t->cap; i++) {
        uint32_t id = t->slot[i];
        if (id == UINT32_MAX) continue;
        size_t j = hash_of(b, id) & (nc - 1);
        while (ns[j] != UINT32_MAX) j = (j + 1) & (nc - 1);
        ns[j] = id;
    }
    free(t->slot);
    t->slot = ns;
    t->cap = nc;
    return 1;
}

/* constants: key = (type, value) */
typedef struct {
    int ext;
    gl3_t x;
} ckey;

static uint64_t chash(int ext, gl3_t x)
{
    return mix(mix(mix(mix(0, (uint64_t)ext), x.c[0]), x.c[1]), x.c[2]);
}

static int ceq(const rc_builder *b, uint32_t id, const void *key)
{
    const ckey *k = key;
    return gl3_eq(b->val[id], k->x);
}
static uint64_t chash_base(const rc_builder *b, uint32_t id) { return chash(0, b->val[id]); }
static uint64_t chash_ext(const rc_builder *b, uint32_t id) { return chash(1, b->val[id]); }

static uint64_t shash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}
static int req(const rc_builder *b, uint32_t id, const void *key)
{
    return strcmp(b->p->reasons[id], key) == 0;
}
static uint64_t rhash(const rc_builder *b, uint32_t id) { return shash(b->p->reasons[id]); }

static uint32_t intern_const(rc_builder *b, idtab *t, int ext, gl3_t x)
{
    if (b->err != CAIRN_OK) return UINT32_MAX;
    if (!tab_grow(t, b, ext ? chash_ext : chash_base)) {
        set_err(b, cairn_fail_nomem(SIZE_MAX, "rc_builder: out of memory for the constant table"));
        return UINT32_MAX;
    }
    ckey k = {ext, x};
    uint32_t *s = tab_find(t, b, chash(ext, x), &k, ceq);
    if (*s != UINT32_MAX) return *s;
    uint32_t v = new_vars(b, 1);
    if (v == UINT32_MAX) return v;
    b->val[v] = x;
    emit(b, ext ? RC_E_CONST : RC_CONST, 0, v, NULL, x.c, 0);
    if (b->err != CAIRN_OK) return UINT32_MAX;
    *s = v;
    t->n++;
    return v;
}

/* ---- vctx operations ---- */

static vb r_const(vctx *c, gl_t x)
{
    rc_builder *b = B(c);
    return (vb){intern_const(b, &b->cbase, 0, gl3_from_base(gl_from_u64(x)))};
}

static void push_wit(rc_builder *b, const gl_t *x, unsigned k)
{
    if (b->err != CAIRN_OK) return;
    if (!grow((void **)&b->wit, &b->cap_wit, b->nwit + k, sizeof *b->wit)) {
        set_err(b, cairn_fail_nomem(SIZE_MAX, "rc_builder: out of memory for the witness"));
        return;
    }
    memcpy(b->wit + b->nwit, x, k * sizeof *x);
    b->nwit += k;
}

static vb r_input(vctx *c, gl_t x)
{
    rc_builder *b = B(c);
    x = gl_from_u64(x);
    uint32_t v = new_vars(b, 1);
    if (v == UINT32_MAX) return (vb){0};
    b->val[v] = gl3_from_base(x);
    emit(b, RC_INPUT, 0, v, NULL, NULL, 0);
    push_wit(b, &x, 1);
    return (vb){v};
}

/* One instruction with one output of value r. */
static uint32_t op1(rc_builder *b, unsigned op, const uint32_t *args, gl3_t r)
{
    uint32_t v = new_vars(b, 1);
    if (v == UINT32_MAX) return 0;
    b->val[v] = r;
    emit(b, op, 0, v, args, NULL, 0);
    return v;
}

#define A2(x, y) ((const uint32_t[]){(uint32_t)(x), (uint32_t)(y)})
static vb r_add(vctx *c, vb a, vb x)
{
    rc_builder *b = B(c);
    return (vb){op1(b, RC_ADD, A2(a.v, x.v), gl3_from_base(gl_add(V(b, a.v).c[0], V(b, x.v).c[0])))};
}
static vb r_sub(vctx *c, vb a, vb x)
{
    rc_builder *b = B(c);
    return (vb){op1(b, RC_SUB, A2(a.v, x.v), gl3_from_base(gl_sub(V(b, a.v).c[0], V(b, x.v).c[0])))};
}
static vb r_mul(vctx *c, vb a, vb x)
{
    rc_builder *b = B(c);
    return (vb){op1(b, RC_MUL, A2(a.v, x.v), gl3_from_base(gl_mul(V(b, a.v).c[0], V(b, x.v).c[0])))};
}
static vb r_inv(vctx *c, vb a)
{
    rc_builder *b = B(c);
    return (vb){op1(b, RC_INV, A2(a.v, 0), gl3_from_base(gl_inv(V(b, a.v).c[0])))};
}
static vb r_select(vctx *c, vb bit, vb one, vb zero)
{
    rc_builder *b = B(c);
    uint32_t args[3] = {(uint32_t)bit.v, (uint32_t)one.v, (uint32_t)zero.v};
    return (vb){op1(b, RC_SELECT, args, V(b, bit.v).c[0] ? V(b, one.v) : V(b, zero.v))};
}
static void r_bits(vctx *c, vb *bits, vb x, unsigned n)
{
    rc_builder *b = B(c);
    if (n == 0) return;
    if (n > 64) {
        set_err(b, cairn_fail(CAIRN_ERR_USAGE, "rc_builder: bits of %u > 64 bits", n));
        n = 64;
    }
    uint32_t v = new_vars(b, n);
    if (v == UINT32_MAX) {
        for (unsigned i = 0; i < n; i++) bits[i].v = 0;
        return;
    }
    gl_t xv = V(b, x.v).c[0];
    for (unsigned i = 0; i < n; i++) {
        b->val[v + i] = gl3_from_base((xv >> i) & 1);
        bits[i].v = v + i;
    }
    uint32_t arg = (uint32_t)x.v;
    emit(b, RC_BITS, n, v, &arg, NULL, 0);
}
static ve r_econst(vctx *c, gl3_t x)
{
    rc_builder *b = B(c);
    gl3_t r = {{gl_from_u64(x.c[0]), gl_from_u64(x.c[1]), gl_from_u64(x.c[2])}};
    return (ve){{intern_const(b, &b->cext, 1, r), 0, 0}};
}
static ve r_einput(vctx *c, gl3_t x)
{
    rc_builder *b = B(c);
    gl3_t r = {{gl_from_u64(x.c[0]), gl_from_u64(x.c[1]), gl_from_u64(x.c[2])}};
    uint32_t v = new_vars(b, 1);
    if (v == UINT32_MAX) return (ve){{0, 0, 0}};
    b->val[v] = r;
    emit(b, RC_E_INPUT, 0, v, NULL, NULL, 0);
    push_wit(b, r.c, 3);
    return (ve){{v, 0, 0}};
}
static ve r_efrom(vctx *c, vb a)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_FROM_BASE, A2(a.v, 0), gl3_from_base(V(b, a.v).c[0])), 0, 0}};
}
static ve r_eadd(vctx *c, ve a, ve x)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_ADD, A2(a.v[0], x.v[0]), gl3_add(V(b, a.v[0]), V(b, x.v[0]))), 0, 0}};
}
static ve r_esub(vctx *c, ve a, ve x)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_SUB, A2(a.v[0], x.v[0]), gl3_sub(V(b, a.v[0]), V(b, x.v[0]))), 0, 0}};
}
static ve r_emul(vctx *c, ve a, ve x)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_MUL, A2(a.v[0], x.v[0]), gl3_mul(V(b, a.v[0]), V(b, x.v[0]))), 0, 0}};
}
static ve r_emulb(vctx *c, ve a, vb x)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_MUL_BASE, A2(a.v[0], x.v), gl3_mul_base(V(b, a.v[0]), V(b, x.v).c[0])),
                 0, 0}};
}
static ve r_emulbadd(vctx *c, ve acc, ve a, vb x)
{
    rc_builder *b = B(c);
    uint32_t args[3] = {(uint32_t)a.v[0], (uint32_t)x.v, (uint32_t)acc.v[0]};
    gl3_t r = gl3_add(V(b, acc.v[0]), gl3_mul_base(V(b, a.v[0]), V(b, x.v).c[0]));
    return (ve){{op1(b, RC_E_MUL_BASE_ADD, args, r), 0, 0}};
}
/* acc + a1 x1 + a2 x2 as opcode op (e_mul_base_add2 or e_horner2) */
static ve emulbadd2_op(vctx *c, unsigned op, ve acc, ve a1, vb x1, ve a2, vb x2)
{
    rc_builder *b = B(c);
    uint32_t args[5] = {(uint32_t)a1.v[0], (uint32_t)x1.v, (uint32_t)acc.v[0], (uint32_t)a2.v[0],
                        (uint32_t)x2.v};
    gl3_t r = gl3_add(gl3_add(V(b, acc.v[0]), gl3_mul_base(V(b, a1.v[0]), V(b, x1.v).c[0])),
                      gl3_mul_base(V(b, a2.v[0]), V(b, x2.v).c[0]));
    return (ve){{op1(b, op, args, r), 0, 0}};
}
static ve r_emulbadd2(vctx *c, ve acc, ve a1, vb x1, ve a2, vb x2)
{
    return emulbadd2_op(c, RC_E_MUL_BASE_ADD2, acc, a1, x1, a2, x2);
}
static ve r_ehorner2(vctx *c, ve acc, ve a1, vb x1, ve a2, vb x2)
{
    return emulbadd2_op(c, RC_E_HORNER2, acc, a1, x1, a2, x2);
}
static ve r_einv(vctx *c, ve a)
{
    rc_builder *b = B(c);
    return (ve){{op1(b, RC_E_INV, A2(a.v[0], 0), gl3_inv(V(b, a.v[0]))), 0, 0}};
}
static ve r_esel(vctx *c, vb bit, ve one, ve zero)
{
    rc_builder *b = B(c);
    uint32_t args[3] = {(uint32_t)bit.v, (uint32_t)one.v[0], (uint32_t)zero.v[0]};
    return (ve){{op1(b, RC_E_SELECT, args, V(b, bit.v).c[0] ? V(b, one.v[0]) : V(b, zero.v[0])), 0, 0}};
}
static void r_eparts(vctx *c, vb out[3], ve a)
{
    rc_builder *b = B(c);
    uint32_t v = new_vars(b, 3);
    if (v == UINT32_MAX) {
        for (int i = 0; i < 3; i++) out[i].v = 0;
        return;
    }
    gl3_t x = V(b, a.v[0]);
    for (int i = 0; i < 3; i++) {
        b->val[v + i] = gl3_from_base(x.c[i]);
        out[i].v = v + i;
    }
    uint32_t arg = (uint32_t)a.v[0];
    emit(b, RC_E_PARTS, 0, v, &arg, NULL, 0);
}
/* permute (bit NULL) or permute_swap: the lanes of st, exchanged by the
 * bit's value, are permuted into 12 new variables that replace st */
static void permute_rec(rc_builder *b, vb st[P2_WIDTH], const vb *bit)
{
    uint32_t args[1 + P2_WIDTH], *in = args + (bit != NULL);
    gl_t s[P2_WIDTH];
    const int sw = bit && V(b, bit->v).c[0] != 0;
    if (bit) args[0] = (uint32_t)bit->v;
    for (unsigned i = 0; i < P2_WIDTH; i++) {
        in[i] = (uint32_t)st[i].v;
        s[i] = V(b, st[rc_swap_lane(i, sw)].v).c[0];
    }
    uint32_t v = new_vars(b, P2_WIDTH);
    if (v == UINT32_MAX) {
        for (int i = 0; i < P2_WIDTH; i++) st[i].v = 0;
        return;
    }
    p2_permute(s);
    for (int i = 0; i < P2_WIDTH; i++) {
        b->val[v + i] = gl3_from_base(s[i]);
        st[i].v = v + i;
    }
    emit(b, bit ? RC_PERMUTE_SWAP : RC_PERMUTE, 0, v, args, NULL, 0);
}
static void r_permute(vctx *c, vb st[P2_WIDTH]) { permute_rec(B(c), st, NULL); }
static void r_permute_swap(vctx *c, vb st[P2_WIDTH], vb bit) { permute_rec(B(c), st, &bit); }

/* Interns the formatted reason (as vctx_native formats it: 256 bytes). */
static uint32_t reason(rc_builder *b, const char *fmt, va_list ap)
{
    char s[256];
    vsnprintf(s, sizeof s, fmt, ap);
    if (b->err != CAIRN_OK) return 0;
    idtab *t = &b->reasons;
    if (!tab_grow(t, b, rhash)) {
        set_err(b, cairn_fail_nomem(SIZE_MAX, "rc_builder: out of memory for the reason table"));
        return 0;
    }
    uint32_t *slot = tab_find(t, b, shash(s), s, req);
    if (*slot != UINT32_MAX) return *slot;
    uint32_t idx;
    cairn_err e = rc_program_add_reason(b->p, &idx, s);
    if (e != CAIRN_OK) {
        set_err(b, e);
        return 0;
    }
    *slot = idx;
    t->n++;
    return idx;
}

static void failed(rc_builder *b, const char *why)
{
    if (b->failures++ == 0) snprintf(b->first, sizeof b->first, "%s", why);
}

static void r_assert(vctx *c, vb a, vb x, const char *fmt, va_list ap)
{
    rc_builder *b = B(c);
    uint32_t r = reason(b, fmt, ap);
    emit(b, RC_ASSERT_EQ, 0, 0, A2(a.v, x.v), NULL, r);
    if (b->err == CAIRN_OK && V(b, a.v).c[0] != V(b, x.v).c[0]) failed(b, b->p->reasons[r]);
}
static void r_eassert(vctx *c, ve a, ve x, const char *fmt, va_list ap)
{
    rc_builder *b = B(c);
    uint32_t r = reason(b, fmt, ap);
    emit(b, RC_E_ASSERT_EQ, 0, 0, A2(a.v[0], x.v[0]), NULL, r);
    if (b->err == CAIRN_OK && !gl3_eq(V(b, a.v[0]), V(b, x.v[0]))) failed(b, b->p->reasons[r]);
}

static const vctx_ops builder_ops = {
    .b_const = r_const,
    .b_input = r_input,
    .b_add = r_add,
    .b_sub = r_sub,
    .b_mul = r_mul,
    .b_inv = r_inv,
    .b_select = r_select,
    .b_bits = r_bits,
    .e_const = r_econst,
    .e_input = r_einput,
    .e_from_base = r_efrom,
    .e_add = r_eadd,
    .e_sub = r_esub,
    .e_mul = r_emul,
    .e_mul_base = r_emulb,
    .e_mul_base_add = r_emulbadd,
    .e_mul_base_add2 = r_emulbadd2,
    .e_horner2 = r_ehorner2,
    .e_inv = r_einv,
    .e_select = r_esel,
    .e_parts = r_eparts,
    .permute = r_permute,
    .permute_swap = r_permute_swap,
    .b_assert_eq = r_assert,
    .e_assert_eq = r_eassert,
};

cairn_err rc_builder_new(rc_builder **out)
{
    *out = NULL;
    rc_builder *b = cairn_calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, CAIRN_ERR_NOMEM, "rc_builder_new: out of memory");
    b->p = rc_program_alloc();
    if (!b->p) {
        free(b);
        return cairn_fail(CAIRN_ERR_NOMEM, "rc_builder_new: out of memory");
    }
    b->ctx.ops = &builder_ops;
    b->ctx.impl = b;
    *out = b;
    return CAIRN_OK;
}

void rc_builder_free(rc_builder *b)
{
    if (!b) return;
    rc_program_free(b->p);
    free(b->val);
    free(b->wit);
    free(b->cbase.slot);
    free(b->cext.slot);
    free(b->reasons.slot);
    free(b);
}

vctx *rc_builder_vctx(rc_builder *b) { return &b->ctx; }
size_t rc_builder_failures(const rc_builder *b) { return b->failures; }
const char *rc_builder_first_failure(const rc_builder *b) { return b->first; }

cairn_err rc_builder_finish(rc_builder *b, rc_program **prog, gl_t **witness, size_t *n)
{
    *prog = NULL;
    *witness = NULL;
    *n = 0;
    RETURN_ERROR_IF(!b->p, CAIRN_ERR_USAGE, "rc_builder_finish: the builder was already finished");
    if (b->err != CAIRN_OK) return cairn_fail(b->err, "%s", b->errmsg);
    /* the program and its witness agree by construction */
    if (b->nwit != b->p->ninputs)
        return cairn_fail(CAIRN_ERR_INTERNAL, "rc_builder_finish: %zu witness elements, %zu inputs",
                          b->nwit, b->p->ninputs);
    /* The recorded program must be one the parser accepts (e.g. every
     * select bit an output of bits: a verifier change that selected on
     * another value would show here, not in a later layer). Encoding and
     * parsing cost a few ms for the verifiers recorded so far. */
    uint8_t *enc;
    size_t elen;
    FORWARD_IF_ERROR(rc_program_encode(&enc, &elen, b->p));
    rc_program *check;
    cairn_err e = rc_program_parse(&check, enc, elen);
    free(enc);
    if (e == CAIRN_ERR_FORMAT)
        return cairn_prefix_error(CAIRN_ERR_INTERNAL, "rc_builder_finish: the recorded program is invalid");
    FORWARD_IF_ERROR(e);
    rc_program_free(check);
    gl_t *w = b->wit ? b->wit : cairn_malloc(sizeof *w);
    RETURN_ERROR_IF(!w, CAIRN_ERR_NOMEM, "rc_builder_finish: out of memory");
    *prog = b->p;
    *witness = w;
    *n = b->nwit;
    b->p = NULL;
    b->wit = NULL;
    b->nwit = 0;
    return CAIRN_OK;
}

cairn_err rc_builder_verify(rc_builder *b, vb root[P2_DIGEST], vb digest[P2_DIGEST], vb *pubv,
                            const stark_vk *vk, const p2_digest *pre_root, const gl_t *pub, size_t npub,
                            const uint8_t *proof, size_t len, const unsigned *log_heights)
{
    RETURN_ERROR_IF(!b->p, CAIRN_ERR_USAGE, "rc_builder_verify: the builder was already finished");
    stark_vrec_proof *pp;
    if (pre_root) FORWARD_IF_ERROR(stark_vrec_parse_key(&pp, vk, pre_root, proof, len, log_heights));
    else FORWARD_IF_ERROR(stark_vrec_parse(&pp, vk, proof, len, log_heights));
    const size_t before = b->nwit;
    cairn_err err = stark_vrec_run(&b->ctx, vk, pp, pub, npub);
    /* the witness layout of verify_rec.h is what the run read */
    if (err == CAIRN_OK && b->err == CAIRN_OK && b->nwit - before != stark_vrec_ninputs(vk, pp))
        err = cairn_fail(CAIRN_ERR_INTERNAL, "rc_builder_verify: the verifier read %zu inputs, its layout has %zu",
                         b->nwit - before, stark_vrec_ninputs(vk, pp));
    if (err == CAIRN_OK && pre_root) {
        vb r[P2_DIGEST], d[P2_DIGEST];
        err = stark_vrec_key_vars(pp, r, d, pubv);
        if (root) memcpy(root, r, sizeof r);
        if (digest) memcpy(digest, d, sizeof d);
    }
    stark_vrec_free(pp);
    return err;
}

cairn_err rc_builder_end(rc_builder *b, rc_program **prog, gl_t **witness, size_t *n, int *accepted,
                         char *first)
{
    *accepted = b->failures == 0;
    if (first) snprintf(first, 256, "%s", b->first);
    cairn_err err = rc_builder_finish(b, prog, witness, n);
    if (err != CAIRN_OK) {
        *accepted = 0;
        if (first) first[0] = 0;
    }
    rc_builder_free(b);
    return err;
}

cairn_err rc_record_verifier(rc_program **prog, gl_t **witness, size_t *n, int *accepted,
                             char *first, const stark_vk *vk, const gl_t *pub, size_t npub,
                             const uint8_t *proof, size_t len, const unsigned *log_heights)
{
    *prog = NULL;
    *witness = NULL;
    *n = 0;
    *accepted = 0;
    if (first) first[0] = 0;
    rc_builder *b;
    FORWARD_IF_ERROR(rc_builder_new(&b));
    cairn_err err = rc_builder_verify(b, NULL, NULL, NULL, vk, NULL, pub, npub, proof, len, log_heights);
    if (err != CAIRN_OK) {
        rc_builder_free(b);
        return err;
    }
    return rc_builder_end(b, prog, witness, n, accepted, first);
}
