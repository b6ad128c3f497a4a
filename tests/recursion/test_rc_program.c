/* Recursion programs without a proof (recursion/rc.h):
 *  - every instruction, recorded by the builder and run by rc_exec,
 *    computes what the native vctx backend computes (edge values 0, 1,
 *    p-1, 2^32, 2^32-1 and seeded random ones);
 *  - the builder interns constants and reasons and counts failures;
 *  - rc_exec rejects a witness of the wrong length or with a
 *    non-canonical element, and reports the first failed assertion;
 *  - the parser reads a hand-written encoding (written here from
 *    docs/recursion.md, independently of rc_program.c) and rejects every
 *    malformed variant with a message naming what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "recursion/rc.h"
#include "stark/vctx.h"
#include "testutil.h"

/* ---- instruction semantics against the native backend ---- */
enum { NB = 64, NE = 16 };

/* Uses every vctx operation; outputs in ob[0..nb), oe[0..ne). */
static void gadget(vctx *c, const gl_t in[4], const gl3_t ein[2], vb *ob, unsigned *nb, ve *oe,
                   unsigned *ne)
{
    unsigned b = 0, e = 0;
    vb x = vc_input(c, in[0]), y = vc_input(c, in[1]), z = vc_input(c, in[2]), w = vc_input(c, in[3]);
    ve u = vce_input(c, ein[0]), v = vce_input(c, ein[1]);
    ob[b++] = vc_add(c, x, y);
    ob[b++] = vc_sub(c, x, y);
    ob[b++] = vc_mul(c, x, y);
    ob[b++] = vc_inv(c, x);
    ob[b++] = vc_inv(c, z);
    ob[b++] = vc_add(c, w, vc_const(c, 7));
    vb bits[64];
    vc_bits(c, bits, x, 64);
    ob[b++] = bits[0];
    ob[b++] = bits[31];
    ob[b++] = bits[32];
    ob[b++] = bits[63];
    ob[b++] = vc_select(c, bits[0], x, y);
    ob[b++] = vc_select(c, bits[63], y, z);
    vb low[3];
    vc_bits(c, low, w, 3);
    ob[b++] = vc_select(c, low[2], w, x);
    oe[e++] = vce_add(c, u, v);
    oe[e++] = vce_sub(c, u, v);
    oe[e++] = vce_mul(c, u, v);
    oe[e++] = vce_mul_base(c, u, y);
    oe[e++] = vce_mul_base_add(c, v, u, y);
    oe[e++] = vce_mul_base_add2(c, v, u, y, v, z);
    oe[e++] = vce_horner2(c, u, v, z, u, y);
    oe[e++] = vce_inv(c, u);
    oe[e++] = vce_inv(c, vce_const(c, gl3_zero()));
    oe[e++] = vce_from_base(c, z);
    oe[e++] = vce_select(c, bits[1], u, v);
    oe[e++] = vce_add(c, v, vce_const(c, (gl3_t){{1, 2, 3}}));
    vb parts[3];
    vce_parts(c, parts, v);
    for (int i = 0; i < 3; i++) ob[b++] = parts[i];
    vb st[P2_WIDTH];
    for (int i = 0; i < P2_WIDTH; i++) st[i] = i % 3 == 0 ? x : i % 3 == 1 ? parts[i % 3] : vc_const(c, i);
    vc_permute(c, st);
    for (int i = 0; i < P2_WIDTH; i++) ob[b++] = st[i];
    /* a Merkle step each way: bits[0] and low[2] are the bits of the
     * inputs, the constants 0 and 1 are bits too */
    vb one = vc_const(c, 1), zero = vc_const(c, 0);
    const vb dirs[4] = {bits[0], low[2], one, zero};
    for (int k = 0; k < 4; k++) {
        vb sw[P2_WIDTH];
        for (int i = 0; i < P2_WIDTH; i++) sw[i] = i < 8 ? st[(i + k) % P2_WIDTH] : y;
        vc_permute_swap(c, sw, dirs[k]);
        for (int i = 0; i < (k < 2 ? P2_WIDTH : P2_DIGEST); i++) ob[b++] = sw[i];
    }
    *nb = b;
    *ne = e;
}

static void check_semantics(const gl_t in[4], const gl3_t ein[2])
{
    vctx_native nat;
    vctx_native_init(&nat);
    vb nb_[NB];
    ve ne_[NE];
    unsigned nb, ne;
    gadget(&nat.ctx, in, ein, nb_, &nb, ne_, &ne);
    CU_ASSERT_FATAL(nb <= NB && ne <= NE);

    rc_builder *b;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&b), CAIRN_OK);
    vctx *c = rc_builder_vctx(b);
    vb rb[NB];
    ve re[NE];
    unsigned rnb, rne;
    gadget(c, in, ein, rb, &rnb, re, &rne);
    CU_ASSERT_EQUAL(rnb, nb);
    CU_ASSERT_EQUAL(rne, ne);
    /* the program asserts the native results */
    for (unsigned i = 0; i < nb; i++)
        vc_assert_eq(c, rb[i], vc_const(c, vctx_native_value(nb_[i])), "base output %u", i);
    for (unsigned i = 0; i < ne; i++)
        vce_assert_eq(c, re[i], vce_const(c, (gl3_t){{ne_[i].v[0], ne_[i].v[1], ne_[i].v[2]}}),
                      "extension output %u", i);
    /* the builder evaluated alongside */
    CU_ASSERT_EQUAL(rc_builder_failures(b), 0);
    CU_ASSERT_STRING_EQUAL(rc_builder_first_failure(b), "");
    rc_program *p;
    gl_t *wit;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(b, &p, &wit, &n), CAIRN_OK);
    CU_ASSERT_EQUAL(n, 4 + 6);
    CU_ASSERT_EQUAL(wit[0], in[0]);
    CU_ASSERT_EQUAL(wit[4], ein[0].c[0]);
    CU_ASSERT_EQUAL(wit[9], ein[1].c[2]);
    rc_exec_result res;
    cairn_err e = rc_exec(&res, p, wit, n);
    if (e != CAIRN_OK) fprintf(stderr, "exec: %s\n", cairn_last_error());
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    CU_ASSERT(res.accepted);
    /* another witness breaks the permutation's output at least */
    wit[0] = gl_add(wit[0], 1);
    CU_ASSERT_EQUAL(rc_exec(&res, p, wit, n), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(res.accepted, 0);
    CU_ASSERT(strncmp(res.reason, "base output", 11) == 0);
    size_t counts[RC_NOPS];
    rc_program_counts(p, counts);
    for (unsigned op = 1; op < RC_NOPS; op++)
        if (!counts[op]) fprintf(stderr, "opcode %s not exercised\n", rc_op_name(op));
    for (unsigned op = 1; op < RC_NOPS; op++) CU_ASSERT(counts[op] > 0);
    /* a second finish is refused */
    rc_program *p2;
    gl_t *w2;
    size_t n2;
    CU_ASSERT_EQUAL(rc_builder_finish(b, &p2, &w2, &n2), CAIRN_ERR_USAGE);
    rc_builder_free(b);
    rc_program_free(p);
    free(wit);
}

/* The native backend's permute_swap is p2_permute of the state with the
 * two children exchanged (mt.h's node order), and permute with bit 0. */
static void test_permute_swap_native(void)
{
    for (int bit = 0; bit < 2; bit++) {
        vctx_native nat;
        vctx_native_init(&nat);
        vb st[P2_WIDTH];
        gl_t ref[P2_WIDTH];
        for (int i = 0; i < P2_WIDTH; i++) st[i] = vc_const(&nat.ctx, GL_P - 1 - (gl_t)i * 0x9e3779b97f4a7c15ull % GL_P);
        for (int i = 0; i < P2_WIDTH; i++) ref[i] = vctx_native_value(st[i < 8 && bit ? (i + 4) % 8 : i]);
        vc_permute_swap(&nat.ctx, st, vc_const(&nat.ctx, (gl_t)bit));
        p2_permute(ref);
        for (int i = 0; i < P2_WIDTH; i++) CU_ASSERT_EQUAL(vctx_native_value(st[i]), ref[i]);
    }
}

static void test_semantics(void)
{
    const gl_t P1 = GL_P - 1, T32 = 1ull << 32;
    const gl_t edges[][4] = {{0, 0, 0, 0},          {1, 1, 1, 1},   {P1, 1, 0, P1},
                             {T32, T32 - 1, P1, 5}, {P1, P1, T32, 0}, {T32 - 1, 0, 2, T32}};
    const gl3_t e0 = {{0, 0, 0}}, e1 = {{1, 0, 0}}, ep = {{P1, T32, 3}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        check_semantics(edges[i], (gl3_t[2]){i & 1 ? e0 : ep, i & 2 ? e1 : ep});
    }
    rng_t r;
    rng_seed(&r, test_seed("rc_program semantics"));
    for (int k = 0; k < 20; k++) {
        gl_t in[4];
        gl3_t ein[2];
        for (int i = 0; i < 4; i++) in[i] = gl_from_u64(rng_u64(&r));
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) ein[i].c[j] = gl_from_u64(rng_u64(&r));
        check_semantics(in, ein);
    }
}

/* Constants and reasons are interned; failures are counted like the
 * native backend's. */
static void test_builder(void)
{
    rc_builder *b;
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&b), CAIRN_OK);
    vctx *c = rc_builder_vctx(b);
    vb a = vc_const(c, 5), a2 = vc_const(c, 5), a3 = vc_const(c, 5 + GL_P), o = vc_const(c, 6);
    CU_ASSERT_EQUAL(a.v, a2.v);
    CU_ASSERT_EQUAL(a.v, a3.v); /* reduced like the native backend */
    CU_ASSERT_NOT_EQUAL(a.v, o.v);
    ve e = vce_const(c, (gl3_t){{5, 0, 0}}), e2 = vce_const(c, (gl3_t){{5, 0, 0}});
    CU_ASSERT_EQUAL(e.v[0], e2.v[0]);
    CU_ASSERT_NOT_EQUAL(e.v[0], a.v); /* base and extension constants are distinct variables */
    vb x = vc_input(c, 9);
    vc_assert_eq(c, x, a, "x is %d", 5);
    vc_assert_eq(c, x, o, "x is %d", 6);
    vc_assert_eq(c, x, a, "x is %d", 5);
    CU_ASSERT_EQUAL(rc_builder_failures(b), 3);
    CU_ASSERT_STRING_EQUAL(rc_builder_first_failure(b), "x is 5");
    rc_program *p;
    gl_t *w;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(rc_builder_finish(b, &p, &w, &n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_program_ninstrs(p), 3 + 1 + 3); /* consts 5, 6, e5; input; asserts */
    CU_ASSERT_EQUAL(rc_program_nvars(p), 4);
    uint8_t *bytes;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&bytes, &len, p), CAIRN_OK);
    /* two reasons, interned: "x is 5" once */
    CU_ASSERT(len >= 16 && memcmp(bytes + len - 16, "\x06\x00x is 5\x06\x00x is 6", 16) == 0);
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, p, w, n), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(res.failures, 3);
    CU_ASSERT_EQUAL(res.failed_instr, 4);
    CU_ASSERT_STRING_EQUAL(res.reason, "x is 5");
    w[0] = 5;
    CU_ASSERT_EQUAL(rc_exec(&res, p, w, n), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(res.failures, 1);
    CU_ASSERT_EQUAL(res.failed_instr, 5);
    CU_ASSERT_STRING_EQUAL(res.reason, "x is 6");
    free(bytes);
    free(w);
    rc_program_free(p);
    rc_builder_free(b);

    /* a recording the parser would refuse (a select on a value that is not
     * a bit) is refused by finish, naming the rule */
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&b), CAIRN_OK);
    c = rc_builder_vctx(b);
    vb in = vc_input(c, 1);
    vb s = vc_select(c, in, vc_const(c, 2), vc_const(c, 3));
    vc_assert_eq(c, s, vc_const(c, 2), "select");
    CU_ASSERT_EQUAL(rc_builder_failures(b), 0);
    p = (rc_program *)1;
    CU_ASSERT_EQUAL(rc_builder_finish(b, &p, &w, &n), CAIRN_ERR_INTERNAL);
    CU_ASSERT(strstr(cairn_last_error(), "recorded program is invalid") &&
              strstr(cairn_last_error(), "neither an output of bits"));
    CU_ASSERT_PTR_NULL(p);
    rc_builder_free(b);
    /* more than 64 bits */
    CU_ASSERT_EQUAL_FATAL(rc_builder_new(&b), CAIRN_OK);
    c = rc_builder_vctx(b);
    vb many[65];
    vc_bits(c, many, vc_input(c, 1), 65);
    CU_ASSERT_EQUAL(rc_builder_finish(b, &p, &w, &n), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "bits of 65 > 64 bits") != NULL);
    rc_builder_free(b);
}

/* ---- hand-written encodings ---- */
typedef struct {
    uint8_t b[512];
    size_t n;
} buf;
static void w8(buf *o, unsigned x) { o->b[o->n++] = (uint8_t)x; }
static void w32(buf *o, uint32_t x)
{
    for (int i = 0; i < 4; i++) w8(o, (x >> (8 * i)) & 0xff);
}
static void w64(buf *o, uint64_t x)
{
    for (int i = 0; i < 8; i++) w8(o, (unsigned)(x >> (8 * i)) & 0xff);
}
static void wstr(buf *o, const char *s)
{
    size_t l = strlen(s);
    w8(o, (unsigned)l & 0xff);
    w8(o, (unsigned)(l >> 8));
    memcpy(o->b + o->n, s, l);
    o->n += l;
}

/* P0: x = input; s = x + 5; assert s == 12 ("sum is not 12"). Fields that
 * the corruption tests change: */
typedef struct {
    const char *magic;
    uint32_t version, nvars, nins, nreasons;
    uint8_t op2;     /* opcode of instruction 2 (add) */
    uint32_t a2, b2; /* its operands */
    uint32_t dst3;   /* dst of instruction 3 (const 12) */
    uint64_t imm3;
    uint32_t reason4;
} p0;

static p0 p0_default(void)
{
    return (p0){"CAIRNRCP", 4, 4, 5, 1, RC_ADD, 0, 1, 3, 12, 0};
}

static void write_p0(buf *o, const p0 *f)
{
    o->n = 0;
    memcpy(o->b, f->magic, 8);
    o->n = 8;
    w32(o, f->version);
    w32(o, f->nvars);
    w32(o, f->nins);
    w32(o, f->nreasons);
    w8(o, RC_INPUT), w32(o, 0);
    w8(o, RC_CONST), w32(o, 1), w64(o, 5);
    w8(o, f->op2), w32(o, 2), w32(o, f->a2), w32(o, f->b2);
    w8(o, RC_CONST), w32(o, f->dst3), w64(o, f->imm3);
    w8(o, RC_ASSERT_EQ), w32(o, 2), w32(o, 3), w32(o, f->reason4);
    wstr(o, "sum is not 12");
}

static unsigned n_bad;

#define BAD(bytes, len, sub) bad_at(__LINE__, (bytes), (len), (sub))
static void bad_at(int line, const uint8_t *bytes, size_t len, const char *sub)
{
    rc_program *p = (rc_program *)1;
    cairn_err e = rc_program_parse(&p, bytes, len);
    int ok = e == CAIRN_ERR_FORMAT && strstr(cairn_last_error(), sub) && p == NULL;
    if (!ok)
        fprintf(stderr, "line %d: expected a format error containing '%s', got %d: %s\n", line,
                sub, e, e == CAIRN_OK ? "(accepted)" : cairn_last_error());
    CU_ASSERT(ok);
    if (e == CAIRN_OK) rc_program_free(p);
    n_bad++;
}

static void bad_p0(int line, p0 f, const char *sub)
{
    buf o;
    write_p0(&o, &f);
    bad_at(line, o.b, o.n, sub);
}
#define BAD_P0(field, value, sub)                                                              \
    do {                                                                                       \
        p0 f_ = p0_default();                                                                  \
        f_.field = value;                                                                      \
        bad_p0(__LINE__, f_, sub);                                                             \
    } while (0)

static void test_p0(void)
{
    buf o;
    p0 f = p0_default();
    write_p0(&o, &f);
    rc_program *p;
    CU_ASSERT_EQUAL_FATAL(rc_program_parse(&p, o.b, o.n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_program_ninstrs(p), 5);
    CU_ASSERT_EQUAL(rc_program_nvars(p), 4);
    CU_ASSERT_EQUAL(rc_program_ninputs(p), 1);
    /* canonical: the encoder gives back the same bytes */
    uint8_t *enc;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(rc_program_encode(&enc, &len, p), CAIRN_OK);
    CU_ASSERT(len == o.n && memcmp(enc, o.b, len) == 0);
    free(enc);
    /* digest: deterministic, and another constant is another program */
    p2_digest d1, d2, d3;
    CU_ASSERT_EQUAL(rc_program_digest(&d1, p), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_program_digest(&d2, p), CAIRN_OK);
    CU_ASSERT(memcmp(&d1, &d2, sizeof d1) == 0);
    rc_program *q;
    f.imm3 = 13;
    write_p0(&o, &f);
    CU_ASSERT_EQUAL_FATAL(rc_program_parse(&q, o.b, o.n), CAIRN_OK);
    CU_ASSERT_EQUAL(rc_program_digest(&d3, q), CAIRN_OK);
    CU_ASSERT(memcmp(&d1, &d3, sizeof d1) != 0);
    rc_program_free(q);

    /* executor */
    rc_exec_result res;
    CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){7}, 1), CAIRN_OK);
    CU_ASSERT(res.accepted);
    CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){8}, 1), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(res.accepted, 0);
    CU_ASSERT_EQUAL(res.failed_instr, 4);
    CU_ASSERT_STRING_EQUAL(res.reason, "sum is not 12");
    CU_ASSERT(strstr(cairn_last_error(), "instruction 4") && strstr(cairn_last_error(), "sum is not 12"));
    CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){0}, 1), CAIRN_ERR_VERIFY);
    /* witness of the wrong length, non-canonical */
    CU_ASSERT_EQUAL(rc_exec(&res, p, NULL, 0), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "witness has 0 elements, the program reads 1") != NULL);
    CU_ASSERT_EQUAL(res.accepted, 0);
    CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){7, 7}, 2), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "witness has 2 elements, the program reads 1") != NULL);
    CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){GL_P + 7}, 1), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "witness element 0 is not canonical") != NULL);
    rc_program_free(p);
}

static void test_malformed(void)
{
    BAD_P0(magic, "CAIRNRCQ", "bad magic");
    BAD_P0(version, 3, "version 3, this build reads 4");
    BAD_P0(version, 5, "version 5");
    BAD_P0(op2, 0, "instruction 2 at offset 42: unknown opcode 0");
    BAD_P0(op2, RC_NOPS, "unknown opcode 26");
    BAD_P0(op2, 0xff, "unknown opcode 255");
    BAD_P0(a2, 4, "add: operand 0 is variable 4, out of range (4 variables)");
    BAD_P0(b2, 0xffffffffu, "operand 1 is variable 4294967295, out of range");
    BAD_P0(b2, 3, "add: operand 1 reads variable 3 before it is written");
    BAD_P0(b2, 2, "reads variable 2 before it is written"); /* its own output */
    BAD_P0(dst3, 1, "const: variable 1 is written a second time");
    BAD_P0(dst3, 0, "variable 0 is written a second time");
    BAD_P0(dst3, 4, "defines variables 4..4, out of range");
    BAD_P0(nvars, 5, "variable 4 is never written");
    BAD_P0(nvars, 3, "out of range (3 variables)");
    BAD_P0(imm3, GL_P, "const: constant 0 not canonical");
    BAD_P0(reason4, 1, "reason 1 out of range (1 reasons)");
    BAD_P0(nreasons, 2, "reason 1 at offset 96: truncated");
    BAD_P0(nreasons, 0, "reason 0 out of range (0 reasons)");
    BAD_P0(nins, 6, "instruction 5 at offset 90: e_sub: operand 0"); /* the reason read as e_sub */
    BAD_P0(nins, 4, "reason 0 at offset 70: length 532 over 255"); /* the assert read as a reason */
    BAD_P0(nvars, 0xfffffff0u, "variables cannot be defined");
    BAD_P0(nins, 0xffffffffu, "instructions cannot fit");
    BAD_P0(nreasons, 0x7fffffffu, "reasons cannot fit");
    BAD_P0(op2, RC_E_ADD, "e_add: operand 0 (variable 0) is a base value, an extension value expected");
    BAD_P0(op2, RC_ASSERT_EQ, "assert_eq: operand 0 reads variable 2 before it is written");
    /* truncations at every length, trailing bytes */
    buf o;
    p0 f = p0_default();
    write_p0(&o, &f);
    BAD(o.b, 0, "header truncated");
    BAD(o.b, 23, "header truncated");
    BAD(o.b, 30, "instructions cannot fit");
    for (size_t n = 24; n < o.n; n++) {
        rc_program *p;
        CU_ASSERT_EQUAL(rc_program_parse(&p, o.b, n), CAIRN_ERR_FORMAT);
    }
    BAD(o.b, o.n - 1, "reason 0 at offset 83: length 13 truncated");
    o.b[o.n++] = 0;
    BAD(o.b, o.n, "1 trailing bytes at offset 96");
    /* a reason holding a NUL byte */
    write_p0(&o, &f);
    o.b[90] = 0;
    BAD(o.b, o.n, "holds a NUL byte");

    /* select bits and bit counts: x = input; y = input; bits; select */
    buf s;
#define SEL_PROG(bitvar, nbits) /* version 4 */                                                 \
    do {                                                                                       \
        s.n = 0;                                                                               \
        memcpy(s.b, "CAIRNRCP", 8);                                                            \
        s.n = 8;                                                                               \
        w32(&s, 4), w32(&s, 3 + (nbits)), w32(&s, 4), w32(&s, 0);                              \
        w8(&s, RC_INPUT), w32(&s, 0);                                                          \
        w8(&s, RC_INPUT), w32(&s, 1);                                                          \
        w8(&s, RC_BITS), w8(&s, nbits), w32(&s, 2), w32(&s, 0);                                \
        w8(&s, RC_SELECT), w32(&s, 2 + (nbits)), w32(&s, bitvar), w32(&s, 0), w32(&s, 1);      \
    } while (0)
    rc_program *p;
    SEL_PROG(2, 1);
    CU_ASSERT_EQUAL(rc_program_parse(&p, s.b, s.n), CAIRN_OK);
    if (p) {
        rc_exec_result res;
        CU_ASSERT_EQUAL(rc_exec(&res, p, (gl_t[]){3, 4}, 2), CAIRN_OK);
        rc_program_free(p);
    }
    SEL_PROG(0, 1);
    BAD(s.b, s.n, "select: the bit (variable 0) is neither an output of bits nor 0 or 1");
    SEL_PROG(1, 1);
    BAD(s.b, s.n, "the bit (variable 1) is neither");
    SEL_PROG(2, 0);
    BAD(s.b, s.n, "bits: bit count 0 outside 1..64");
    SEL_PROG(2, 65);
    BAD(s.b, s.n, "bits: bit count 65 outside 1..64");
    SEL_PROG(2, 64);
    CU_ASSERT_EQUAL(rc_program_parse(&p, s.b, s.n), CAIRN_OK);
    rc_program_free(p);
#undef SEL_PROG
    fprintf(stderr, "malformed programs rejected: %u\n", n_bad);
}

int main(void)
{
    static const test_case cases[] = {{"instruction semantics = native backend", test_semantics},
                                      {"native permute_swap = swap, then p2_permute", test_permute_swap_native},
                                      {"builder: interning, failures", test_builder},
                                      {"P0: parse, encode, digest, exec", test_p0},
                                      {"malformed programs", test_malformed},
                                      {NULL, NULL}};
    return test_run_suite("rc_program", cases);
}
