/* Recursion programs: the opcode table, the canonical byte encoding, its
 * parser (the one reader of untrusted program bytes; fuzzed by
 * tests/fuzz/fuzz_rc_program.c) and the program digest.
 *
 * Encoding (little-endian; docs/recursion.md):
 *   "CAIRNRCP" | version u32 = 3 | nvars u32 | ninstrs u32 | nreasons u32
 *   ninstrs instructions: op u8 [n u8 if RC_BITS] [dst u32 if the op defines
 *     variables] operands u32... [imm u64 x1 (RC_CONST) or x3 (RC_E_CONST)]
 *     [reason u32 (asserts)]
 *   nreasons reasons: len u16 (<= 255) | len bytes (no NUL)
 *   nothing after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rc_internal.h"

/* ---- opcode table ---- */
typedef struct {
    const char *name;
    const char *args; /* operand types: 'b' base, 'e' extension */
    char out;         /* type defined: 'b', 'e', or 0 (asserts) */
    unsigned nouts;   /* 0 for RC_BITS: its n */
    unsigned nimm;
} op_info;

static const op_info OPS[RC_NOPS] = {
    [RC_CONST] = {"const", "", 'b', 1, 1},
    [RC_INPUT] = {"input", "", 'b', 1, 0},
    [RC_ADD] = {"add", "bb", 'b', 1, 0},
    [RC_SUB] = {"sub", "bb", 'b', 1, 0},
    [RC_MUL] = {"mul", "bb", 'b', 1, 0},
    [RC_INV] = {"inv", "b", 'b', 1, 0},
    [RC_SELECT] = {"select", "bbb", 'b', 1, 0},
    [RC_BITS] = {"bits", "b", 'b', 0, 0},
    [RC_E_CONST] = {"e_const", "", 'e', 1, 3},
    [RC_E_INPUT] = {"e_input", "", 'e', 1, 0},
    [RC_E_FROM_BASE] = {"e_from_base", "b", 'e', 1, 0},
    [RC_E_ADD] = {"e_add", "ee", 'e', 1, 0},
    [RC_E_SUB] = {"e_sub", "ee", 'e', 1, 0},
    [RC_E_MUL] = {"e_mul", "ee", 'e', 1, 0},
    [RC_E_MUL_BASE] = {"e_mul_base", "eb", 'e', 1, 0},
    [RC_E_INV] = {"e_inv", "e", 'e', 1, 0},
    [RC_E_SELECT] = {"e_select", "bee", 'e', 1, 0},
    [RC_E_PARTS] = {"e_parts", "e", 'b', 3, 0},
    [RC_PERMUTE] = {"permute", "bbbbbbbbbbbb", 'b', P2_WIDTH, 0},
    [RC_ASSERT_EQ] = {"assert_eq", "bb", 0, 0, 0},
    [RC_E_ASSERT_EQ] = {"e_assert_eq", "ee", 0, 0, 0},
    [RC_PERMUTE_SWAP] = {"permute_swap", "bbbbbbbbbbbbb", 'b', P2_WIDTH, 0},
    [RC_E_MUL_BASE_ADD] = {"e_mul_base_add", "ebe", 'e', 1, 0},
    [RC_E_MUL_BASE_ADD2] = {"e_mul_base_add2", "ebeeb", 'e', 1, 0},
    [RC_E_HORNER2] = {"e_horner2", "ebeeb", 'e', 1, 0},
};

static int known(unsigned op) { return op > 0 && op < RC_NOPS; }

const char *rc_op_name(unsigned op) { return known(op) ? OPS[op].name : "?"; }
unsigned rc_nargs(unsigned op) { return (unsigned)strlen(OPS[op].args); }
rc_type rc_arg_type(unsigned op, unsigned i) { return OPS[op].args[i] == 'e' ? RC_T_EXT : RC_T_BASE; }
rc_type rc_out_type(unsigned op)
{
    return OPS[op].out == 'e' ? RC_T_EXT : OPS[op].out == 'b' ? RC_T_BASE : RC_T_NONE;
}
unsigned rc_nouts(unsigned op, unsigned n)
{
    if (op == RC_BITS) return n;
    return OPS[op].nouts;
}
unsigned rc_nimm(unsigned op) { return OPS[op].nimm; }
static int is_assert(unsigned op) { return op == RC_ASSERT_EQ || op == RC_E_ASSERT_EQ; }

/* ---- building ---- */
rc_program *rc_program_alloc(void) { return cairn_calloc(1, sizeof(rc_program)); }

void rc_program_free(rc_program *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nreasons; i++) free(p->reasons[i]);
    free(p->reasons);
    free(p->ins);
    free(p->args);
    free(p->imm);
    free(p);
}

/* Grows *buf (elements of size sz) to hold need elements. */
static int grow(void **buf, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *nb = cairn_realloc_array(*buf, nc, sz);
    if (!nb) return 0;
    *buf = nb;
    *cap = nc;
    return 1;
}

cairn_err rc_program_emit(rc_program *p, unsigned op, unsigned n, uint32_t dst,
                          const uint32_t *args, const gl_t *imm, uint32_t extra)
{
    unsigned na = rc_nargs(op), ni = rc_nimm(op);
    if (!grow((void **)&p->ins, &p->cap_ins, p->nins + 1, sizeof *p->ins) ||
        !grow((void **)&p->args, &p->cap_args, p->nargs + na, sizeof *p->args) ||
        !grow((void **)&p->imm, &p->cap_imm, p->nimm + ni, sizeof *p->imm))
        return cairn_fail_nomem(SIZE_MAX, "recursion program: out of memory at instruction %zu",
                                p->nins);
    rc_instr *in = &p->ins[p->nins++];
    in->op = (uint8_t)op;
    in->n = (uint8_t)n;
    in->dst = dst;
    in->arg = p->nargs;
    in->extra = extra;
    if (na) {
        memcpy(p->args + p->nargs, args, na * sizeof *args);
        p->nargs += na;
    }
    if (ni) {
        in->extra = (uint32_t)p->nimm;
        memcpy(p->imm + p->nimm, imm, ni * sizeof *imm);
        p->nimm += ni;
    }
    if (op == RC_INPUT) p->ninputs += 1;
    if (op == RC_E_INPUT) p->ninputs += 3;
    return CAIRN_OK;
}

cairn_err rc_program_add_reason(rc_program *p, uint32_t *idx, const char *s)
{
    size_t len = strnlen(s, RC_MAX_REASON);
    char *c = cairn_malloc(len + 1);
    if (!c || !grow((void **)&p->reasons, &p->cap_reasons, p->nreasons + 1, sizeof *p->reasons)) {
        free(c);
        return cairn_fail(CAIRN_ERR_NOMEM, "recursion program: out of memory for a reason string");
    }
    memcpy(c, s, len);
    c[len] = 0;
    *idx = (uint32_t)p->nreasons;
    p->reasons[p->nreasons++] = c;
    return CAIRN_OK;
}

size_t rc_program_ninstrs(const rc_program *p) { return p->nins; }
size_t rc_program_nvars(const rc_program *p) { return p->nvars; }
size_t rc_program_ninputs(const rc_program *p) { return p->ninputs; }

void rc_program_counts(const rc_program *p, size_t counts[RC_NOPS])
{
    memset(counts, 0, RC_NOPS * sizeof *counts);
    for (size_t i = 0; i < p->nins; i++) counts[p->ins[i].op]++;
}

/* ---- encoding ---- */
typedef struct {
    uint8_t *b;
    size_t len, cap;
    int oom;
} wbuf;

static void put(wbuf *w, const void *x, size_t n)
{
    if (w->oom) return;
    if (!grow((void **)&w->b, &w->cap, w->len + n, 1)) {
        w->oom = 1;
        return;
    }
    memcpy(w->b + w->len, x, n);
    w->len += n;
}
static void put_u8(wbuf *w, uint8_t x) { put(w, &x, 1); }
static void put_u16(wbuf *w, uint16_t x)
{
    uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
    put(w, b, 2);
}
static void put_u32(wbuf *w, uint32_t x)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(x >> (8 * i));
    put(w, b, 4);
}
static void put_u64(wbuf *w, uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(x >> (8 * i));
    put(w, b, 8);
}

cairn_err rc_program_encode(uint8_t **out, size_t *len, const rc_program *p)
{
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(p->nvars > RC_MAX_VARS || p->nins > UINT32_MAX || p->nreasons > UINT32_MAX,
                    CAIRN_ERR_LIMIT, "rc_program_encode: program too large (%zu variables)",
                    p->nvars);
    wbuf w = {0};
    put(&w, RC_MAGIC, 8);
    put_u32(&w, RC_VERSION);
    put_u32(&w, (uint32_t)p->nvars);
    put_u32(&w, (uint32_t)p->nins);
    put_u32(&w, (uint32_t)p->nreasons);
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        put_u8(&w, in->op);
        if (in->op == RC_BITS) put_u8(&w, in->n);
        if (!is_assert(in->op)) put_u32(&w, in->dst);
        for (unsigned a = 0; a < rc_nargs(in->op); a++) put_u32(&w, p->args[in->arg + a]);
        for (unsigned k = 0; k < rc_nimm(in->op); k++) put_u64(&w, p->imm[in->extra + k]);
        if (is_assert(in->op)) put_u32(&w, in->extra);
    }
    for (size_t i = 0; i < p->nreasons; i++) {
        size_t l = strlen(p->reasons[i]);
        put_u16(&w, (uint16_t)l);
        put(&w, p->reasons[i], l);
    }
    if (w.oom) {
        free(w.b);
        return cairn_fail_nomem(w.len, "rc_program_encode: out of memory");
    }
    *out = w.b ? w.b : cairn_malloc(1);
    RETURN_ERROR_IF(!*out, CAIRN_ERR_NOMEM, "rc_program_encode: out of memory");
    *len = w.len;
    return CAIRN_OK;
}

cairn_err rc_program_digest(p2_digest *out, const rc_program *p)
{
    uint8_t *b;
    size_t len;
    FORWARD_IF_ERROR(rc_program_encode(&b, &len, p));
    /* element 0: the byte length; then 4 bytes per element, little-endian,
     * the last word zero-padded (p2_hash separates input lengths, the
     * byte length separates the padding) */
    size_t nw = 1 + (len + 3) / 4;
    gl_t *e = cairn_malloc_array(nw, sizeof *e);
    if (!e) {
        free(b);
        return cairn_fail_nomem(SIZE_MAX, "rc_program_digest: out of memory");
    }
    e[0] = (gl_t)len;
    for (size_t i = 0; i < nw - 1; i++) {
        gl_t x = 0;
        for (size_t k = 0; k < 4 && 4 * i + k < len; k++) x |= (gl_t)b[4 * i + k] << (8 * k);
        e[1 + i] = x;
    }
    p2_hash(out, e, nw);
    free(e);
    free(b);
    return CAIRN_OK;
}

/* ---- parsing ---- */
typedef struct {
    const uint8_t *b;
    size_t len, off;
} rbuf;

static int get(rbuf *r, void *x, size_t n)
{
    if (r->len - r->off < n) return 0;
    memcpy(x, r->b + r->off, n);
    r->off += n;
    return 1;
}
static int get_u8(rbuf *r, uint8_t *x) { return get(r, x, 1); }
static int get_u16(rbuf *r, uint16_t *x)
{
    uint8_t b[2];
    if (!get(r, b, 2)) return 0;
    *x = (uint16_t)(b[0] | b[1] << 8);
    return 1;
}
static int get_u32(rbuf *r, uint32_t *x)
{
    uint8_t b[4];
    if (!get(r, b, 4)) return 0;
    *x = 0;
    for (int i = 0; i < 4; i++) *x |= (uint32_t)b[i] << (8 * i);
    return 1;
}
static int get_u64(rbuf *r, uint64_t *x)
{
    uint8_t b[8];
    if (!get(r, b, 8)) return 0;
    *x = 0;
    for (int i = 0; i < 8; i++) *x |= (uint64_t)b[i] << (8 * i);
    return 1;
}

/* Variable states while parsing. */
enum { V_UNSET = 0, V_BASE = 1, V_EXT = 2, V_BIT = 3 /* base, known boolean */ };

#define FAIL_AT(r, i, ...)                                                                       \
    do {                                                                                         \
        char m_[256];                                                                            \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                    \
        err = cairn_fail(CAIRN_ERR_FORMAT, "recursion program: instruction %zu at offset %zu: %s", \
                         (size_t)(i), (r)->off, m_);                                             \
        goto done;                                                                               \
    } while (0)

cairn_err rc_program_parse(rc_program **out, const uint8_t *bytes, size_t len)
{
    *out = NULL;
    rbuf r = {bytes, len, 0};
    char magic[8];
    uint32_t version, nvars, nins, nreasons;
    RETURN_ERROR_IF(!get(&r, magic, 8) || !get_u32(&r, &version) || !get_u32(&r, &nvars) ||
                        !get_u32(&r, &nins) || !get_u32(&r, &nreasons),
                    CAIRN_ERR_FORMAT, "recursion program: header truncated (%zu bytes, 24 needed)",
                    len);
    RETURN_ERROR_IF(memcmp(magic, RC_MAGIC, 8), CAIRN_ERR_FORMAT,
                    "recursion program: bad magic (not %s)", RC_MAGIC);
    RETURN_ERROR_IF(version != RC_VERSION, CAIRN_ERR_FORMAT,
                    "recursion program: version %u, this build reads %u", version, RC_VERSION);
    /* sizes are bounded by the bytes before anything is allocated: an
     * instruction takes at least 5 bytes and defines at most 64 variables
     * in 10 (RC_BITS), a reason at least 2 bytes */
    size_t rest = len - r.off;
    RETURN_ERROR_IF(nins > rest / 5, CAIRN_ERR_FORMAT,
                    "recursion program: %u instructions cannot fit in %zu bytes", nins, rest);
    RETURN_ERROR_IF(nvars > RC_MAX_VARS || nvars / 7 > rest, CAIRN_ERR_FORMAT,
                    "recursion program: %u variables cannot be defined in %zu bytes", nvars, rest);
    RETURN_ERROR_IF(nreasons > rest / 2, CAIRN_ERR_FORMAT,
                    "recursion program: %u reasons cannot fit in %zu bytes", nreasons, rest);
    cairn_err err = CAIRN_OK;
    rc_program *p = rc_program_alloc();
    uint8_t *st = cairn_calloc((size_t)nvars + 1, 1);
    if (!p || !st) {
        err = cairn_fail(CAIRN_ERR_NOMEM, "recursion program: out of memory for %u variables", nvars);
        goto done;
    }
    p->nvars = nvars;
    size_t i;
    for (i = 0; i < nins; i++) {
        size_t start = r.off;
        uint8_t op, n = 0;
        uint32_t dst = 0, args[RC_MAX_ARGS], extra = 0;
        gl_t imm[3];
        if (!get_u8(&r, &op)) FAIL_AT(&r, i, "truncated (opcode)");
        if (!known(op)) {
            r.off = start;
            FAIL_AT(&r, i, "unknown opcode %u", op);
        }
        if (op == RC_BITS) {
            if (!get_u8(&r, &n)) FAIL_AT(&r, i, "truncated (bit count)");
            if (n < 1 || n > 64) FAIL_AT(&r, i, "bits: bit count %u outside 1..64", n);
        }
        if (!is_assert(op) && !get_u32(&r, &dst)) FAIL_AT(&r, i, "%s: truncated (dst)", OPS[op].name);
        unsigned na = rc_nargs(op);
        for (unsigned a = 0; a < na; a++) {
            if (!get_u32(&r, &args[a])) FAIL_AT(&r, i, "%s: truncated (operand %u)", OPS[op].name, a);
            if (args[a] >= nvars)
                FAIL_AT(&r, i, "%s: operand %u is variable %u, out of range (%u variables)",
                        OPS[op].name, a, args[a], nvars);
            uint8_t s = st[args[a]];
            if (s == V_UNSET)
                FAIL_AT(&r, i, "%s: operand %u reads variable %u before it is written",
                        OPS[op].name, a, args[a]);
            rc_type want = rc_arg_type(op, a);
            if ((want == RC_T_EXT) != (s == V_EXT))
                FAIL_AT(&r, i, "%s: operand %u (variable %u) is %s, %s expected", OPS[op].name, a,
                        args[a], s == V_EXT ? "an extension value" : "a base value",
                        want == RC_T_EXT ? "an extension value" : "a base value");
        }
        if ((op == RC_SELECT || op == RC_E_SELECT || op == RC_PERMUTE_SWAP) && st[args[0]] != V_BIT)
            FAIL_AT(&r, i, "%s: the bit (variable %u) is neither an output of bits nor 0 or 1",
                    OPS[op].name, args[0]);
        for (unsigned k = 0; k < rc_nimm(op); k++) {
            if (!get_u64(&r, &imm[k])) FAIL_AT(&r, i, "%s: truncated (constant)", OPS[op].name);
            if (imm[k] >= GL_P) FAIL_AT(&r, i, "%s: constant %u not canonical", OPS[op].name, k);
        }
        if (is_assert(op)) {
            if (!get_u32(&r, &extra)) FAIL_AT(&r, i, "%s: truncated (reason)", OPS[op].name);
            if (extra >= nreasons)
                FAIL_AT(&r, i, "%s: reason %u out of range (%u reasons)", OPS[op].name, extra,
                        nreasons);
        }
        unsigned no = rc_nouts(op, n);
        if (no && (dst >= nvars || nvars - dst < no))
            FAIL_AT(&r, i, "%s: defines variables %u..%u, out of range (%u variables)",
                    OPS[op].name, dst, dst + no - 1, nvars);
        for (unsigned k = 0; k < no; k++)
            if (st[dst + k] != V_UNSET)
                FAIL_AT(&r, i, "%s: variable %u is written a second time", OPS[op].name, dst + k);
        rc_type ot = rc_out_type(op);
        for (unsigned k = 0; k < no; k++) {
            uint8_t s = ot == RC_T_EXT ? V_EXT : V_BASE;
            if (op == RC_BITS || (op == RC_CONST && imm[0] <= 1)) s = V_BIT;
            st[dst + k] = s;
        }
        if ((err = rc_program_emit(p, op, n, dst, args, imm, extra)) != CAIRN_OK) goto done;
    }
    for (uint32_t v = 0; v < nvars; v++)
        if (st[v] == V_UNSET) {
            err = cairn_fail(CAIRN_ERR_FORMAT, "recursion program: variable %u is never written", v);
            goto done;
        }
    for (uint32_t k = 0; k < nreasons; k++) {
        uint16_t l;
        char s[RC_MAX_REASON + 1];
        if (!get_u16(&r, &l)) {
            err = cairn_fail(CAIRN_ERR_FORMAT, "recursion program: reason %u at offset %zu: truncated",
                             k, r.off);
            goto done;
        }
        if (l > RC_MAX_REASON || !get(&r, s, l) || memchr(s, 0, l)) {
            err = cairn_fail(CAIRN_ERR_FORMAT,
                             "recursion program: reason %u at offset %zu: length %u %s", k, r.off,
                             l, l > RC_MAX_REASON ? "over 255" : "truncated or holds a NUL byte");
            goto done;
        }
        s[l] = 0;
        uint32_t idx;
        if ((err = rc_program_add_reason(p, &idx, s)) != CAIRN_OK) goto done;
    }
    if (r.off != len) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "recursion program: %zu trailing bytes at offset %zu",
                         len - r.off, r.off);
        goto done;
    }
done:
    free(st);
    if (err != CAIRN_OK) {
        rc_program_free(p);
        return err;
    }
    *out = p;
    return CAIRN_OK;
}
