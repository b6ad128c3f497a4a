/* rc_export.h: the exported final proof's encoder and its one parser. */
#include "rc_export.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rc_fold.h"

#define GOLDILOCKS_P UINT64_C(0xffffffff00000001)

_Static_assert(8 + 4 * 3 + 3 * RC_EXPORT_NAME + 8 * (4 + RC_EXPORT_CLAIM + RC_EXPORT_STATE) + 8 + 8 == RC_EXPORT_FIXED,
               "RC_EXPORT_FIXED is the layout's fixed part");

static int name_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n >= cap || s[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    for (size_t i = n; i < cap; i++)
        if (s[i]) return 0;
    return 1;
}

static void put_u32(uint8_t **p, uint32_t v)
{
    for (int i = 0; i < 4; i++) *(*p)++ = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t **p, uint64_t v)
{
    for (int i = 0; i < 8; i++) *(*p)++ = (uint8_t)(v >> (8 * i));
}

static uint64_t le(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* The checks both directions share; code: USAGE for the encoder, FORMAT
 * for the parser. */
static cairn_err check(const rc_export *e, cairn_err code)
{
    RETURN_ERROR_IF(e->kind >= RC_FOLD_NKINDS, code, "final proof: kind %u (0 lift, 1-3 join, 4-13 lift of a tail)",
                    e->kind);
    RETURN_ERROR_IF(e->po2 < RC_EXPORT_MIN_PO2 || e->po2 > RC_EXPORT_MAX_PO2, code,
                    "final proof: segment po2 %u (%u..%u)", e->po2, RC_EXPORT_MIN_PO2, RC_EXPORT_MAX_PO2);
    RETURN_ERROR_IF(!name_ok(e->seg_preset, RC_EXPORT_NAME), code, "final proof: segment preset (offset 20) is not a name");
    RETURN_ERROR_IF(!name_ok(e->rc_preset, RC_EXPORT_NAME), code, "final proof: recursion preset (offset 52) is not a name");
    RETURN_ERROR_IF(!name_ok(e->shape, RC_EXPORT_NAME), code, "final proof: shape (offset 84) is not a name");
    for (int i = 0; i < 4; i++)
        RETURN_ERROR_IF(e->ctrl[i] >= GOLDILOCKS_P, code, "final proof: control root element %d is not canonical", i);
    for (unsigned i = 0; i < RC_EXPORT_CLAIM; i++)
        RETURN_ERROR_IF(e->claim[i] >= GOLDILOCKS_P, code, "final proof: claim element %u is not canonical", i);
    for (unsigned i = 0; i < RC_EXPORT_STATE; i++)
        RETURN_ERROR_IF(e->state[i] >= GOLDILOCKS_P, code, "final proof: final state element %u is not canonical", i);
    RETURN_ERROR_IF((uint64_t)e->journal_len > RC_EXPORT_MAX_JOURNAL, code, "final proof: journal of %zu bytes",
                    e->journal_len);
    RETURN_ERROR_IF(e->proof_len == 0 || (uint64_t)e->proof_len > RC_EXPORT_MAX_PROOF, code,
                    "final proof: proof of %zu bytes (1..%" PRIu64 ")", e->proof_len, RC_EXPORT_MAX_PROOF);
    return CAIRN_OK;
}

cairn_err rc_export_encode(uint8_t **out, size_t *len, const rc_export *e)
{
    RETURN_ERROR_IF(!out || !len || !e || (!e->journal && e->journal_len) || !e->proof, CAIRN_ERR_USAGE,
                    "rc_export_encode: NULL argument");
    *out = NULL;
    *len = 0;
    FORWARD_IF_ERROR(check(e, CAIRN_ERR_USAGE));
    size_t total = RC_EXPORT_FIXED + e->journal_len + e->proof_len;
    uint8_t *b = cairn_malloc(total), *p = b;
    if (!b) return cairn_fail_nomem(total, "out of memory for the exported proof");
    memcpy(p, RC_EXPORT_MAGIC, 8);
    p += 8;
    put_u32(&p, RC_EXPORT_VERSION);
    put_u32(&p, e->kind);
    put_u32(&p, e->po2);
    memcpy(p, e->seg_preset, RC_EXPORT_NAME);
    memcpy(p + RC_EXPORT_NAME, e->rc_preset, RC_EXPORT_NAME);
    memcpy(p + 2 * RC_EXPORT_NAME, e->shape, RC_EXPORT_NAME);
    p += 3 * RC_EXPORT_NAME;
    for (int i = 0; i < 4; i++) put_u64(&p, e->ctrl[i]);
    for (unsigned i = 0; i < RC_EXPORT_CLAIM; i++) put_u64(&p, e->claim[i]);
    for (unsigned i = 0; i < RC_EXPORT_STATE; i++) put_u64(&p, e->state[i]);
    put_u64(&p, e->journal_len);
    if (e->journal_len) memcpy(p, e->journal, e->journal_len);
    p += e->journal_len;
    put_u64(&p, e->proof_len);
    memcpy(p, e->proof, e->proof_len);
    *out = b;
    *len = total;
    return CAIRN_OK;
}

cairn_err rc_export_parse(rc_export *out, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(!out || (!buf && len), CAIRN_ERR_USAGE, "rc_export_parse: NULL argument");
    memset(out, 0, sizeof *out);
    RETURN_ERROR_IF(len < 12 || memcmp(buf, RC_EXPORT_MAGIC, 8) != 0, CAIRN_ERR_FORMAT,
                    "not an exported cairn proof (bad magic)");
    uint32_t ver = (uint32_t)le(buf + 8, 4);
    RETURN_ERROR_IF(ver != RC_EXPORT_VERSION, CAIRN_ERR_UNSUPPORTED,
                    "exported proof format version %u; this build reads version %u", ver, RC_EXPORT_VERSION);
    RETURN_ERROR_IF(len < RC_EXPORT_FIXED, CAIRN_ERR_FORMAT, "final proof: %zu bytes, shorter than its fixed %u",
                    len, RC_EXPORT_FIXED);
    const uint8_t *p = buf + 12;
    out->kind = (uint32_t)le(p, 4);
    out->po2 = (uint32_t)le(p + 4, 4);
    p += 8;
    /* names: copied with their padding, then checked (NUL-terminated) */
    memcpy(out->seg_preset, p, RC_EXPORT_NAME);
    memcpy(out->rc_preset, p + RC_EXPORT_NAME, RC_EXPORT_NAME);
    memcpy(out->shape, p + 2 * RC_EXPORT_NAME, RC_EXPORT_NAME);
    p += 3 * RC_EXPORT_NAME;
    for (int i = 0; i < 4; i++, p += 8) out->ctrl[i] = le(p, 8);
    for (unsigned i = 0; i < RC_EXPORT_CLAIM; i++, p += 8) out->claim[i] = le(p, 8);
    for (unsigned i = 0; i < RC_EXPORT_STATE; i++, p += 8) out->state[i] = le(p, 8);
    uint64_t jl = le(p, 8);
    p += 8;
    size_t off = (size_t)(p - buf);
    /* the journal and the proof length must fit in what is left */
    RETURN_ERROR_IF(jl > RC_EXPORT_MAX_JOURNAL || jl > len - off || len - off - jl < 8, CAIRN_ERR_FORMAT,
                    "final proof: journal length %" PRIu64 " at offset %zu does not fit the %zu bytes", jl, off - 8,
                    len);
    out->journal = jl ? p : NULL;
    out->journal_len = (size_t)jl;
    p += jl;
    uint64_t pl = le(p, 8);
    p += 8;
    off = (size_t)(p - buf);
    RETURN_ERROR_IF(pl != len - off, CAIRN_ERR_FORMAT,
                    "final proof: proof length %" PRIu64 " at offset %zu, but %zu bytes follow", pl, off - 8,
                    len - off);
    out->proof = p;
    out->proof_len = (size_t)pl;
    /* NUL padding: a name field must end in NUL */
    RETURN_ERROR_IF(!memchr(out->seg_preset, 0, RC_EXPORT_NAME) || !memchr(out->rc_preset, 0, RC_EXPORT_NAME) ||
                        !memchr(out->shape, 0, RC_EXPORT_NAME),
                    CAIRN_ERR_FORMAT, "final proof: a name field is not NUL-terminated");
    return check(out, CAIRN_ERR_FORMAT);
}
