/* libFuzzer harness for the recursion program parser (recursion/rc.h):
 * arbitrary bytes go to rc_program_parse; a program it accepts must
 * encode back to exactly the same bytes (the encoding is canonical) and
 * must run under rc_exec on a witness of the length it reads (zeros)
 * without crashing. A witness of another length must be refused.
 *
 * Input modes (first byte): even = the bytes after it are a program; odd =
 * the rest is a list of (offset u16, xor u8) edits applied to a valid
 * program recorded at start-up by the builder (every opcode, several
 * reasons), so mutations reach the operand and type checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recursion/rc.h"
#include "stark/vctx.h"

static uint8_t *seed;
static size_t seed_len;

static void seed_program(vctx *c)
{
    vb x = vc_input(c, 3), y = vc_input(c, 5);
    ve u = vce_input(c, (gl3_t){{1, 2, 3}});
    vb bits[8];
    vc_bits(c, bits, x, 8);
    vb s = vc_select(c, bits[0], vc_add(c, x, y), vc_sub(c, x, y));
    s = vc_mul(c, s, vc_inv(c, y));
    ve e = vce_mul(c, u, vce_from_base(c, s));
    e = vce_add(c, e, vce_const(c, (gl3_t){{4, 5, 6}}));
    e = vce_sub(c, e, vce_mul_base(c, u, x));
    e = vce_mul_base_add(c, e, u, y);
    e = vce_mul_base_add2(c, e, u, x, e, y);
    e = vce_select(c, bits[1], vce_inv(c, e), e);
    vb parts[3], st[P2_WIDTH];
    vce_parts(c, parts, e);
    for (int i = 0; i < P2_WIDTH; i++) st[i] = i < 3 ? parts[i] : vc_const(c, (gl_t)i);
    vc_permute(c, st);
    vc_permute_swap(c, st, bits[2]);
    vc_assert_eq(c, st[0], st[1], "first two lanes differ");
    vce_assert_eq(c, e, u, "e is not u");
    vc_assert_eq(c, x, vc_const(c, 3), "x is not 3");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    rc_builder *b;
    rc_program *p;
    gl_t *w;
    size_t n;
    if (rc_builder_new(&b) != CAIRN_OK) abort();
    seed_program(rc_builder_vctx(b));
    if (rc_builder_finish(b, &p, &w, &n) != CAIRN_OK) abort();
    if (rc_program_encode(&seed, &seed_len, p) != CAIRN_OK) abort();
    rc_builder_free(b);
    rc_program_free(p);
    free(w);
    rc_program *q;
    if (rc_program_parse(&q, seed, seed_len) != CAIRN_OK) abort();
    rc_program_free(q);
    return 0;
}

static void check(const uint8_t *bytes, size_t len)
{
    rc_program *p;
    if (rc_program_parse(&p, bytes, len) != CAIRN_OK) {
        if (p) abort();
        return;
    }
    uint8_t *enc;
    size_t elen;
    if (rc_program_encode(&enc, &elen, p) != CAIRN_OK) abort();
    if (elen != len || memcmp(enc, bytes, len) != 0) abort(); /* not canonical */
    free(enc);
    size_t n = rc_program_ninputs(p);
    gl_t *w = calloc(n + 1, sizeof *w);
    if (w) {
        rc_exec_result res;
        cairn_err e = rc_exec(&res, p, w, n);
        if (e != CAIRN_OK && e != CAIRN_ERR_VERIFY && e != CAIRN_ERR_NOMEM) abort();
        if (rc_exec(&res, p, w, n + 1) != CAIRN_ERR_USAGE) abort();
        free(w);
    }
    rc_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        check(data + 1, size - 1);
        return 0;
    }
    uint8_t *buf = malloc(seed_len);
    if (!buf) return 0;
    memcpy(buf, seed, seed_len);
    size_t len = seed_len;
    for (size_t i = 1; i + 3 <= size; i += 3) {
        size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % seed_len;
        buf[off] ^= data[i + 2];
    }
    /* a trailing odd byte truncates instead */
    if ((size - 1) % 3 == 1) len -= 1 + data[size - 1] % 16;
    check(buf, len);
    free(buf);
    return 0;
}
