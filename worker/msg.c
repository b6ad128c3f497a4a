/* The message codec (msg.h): one writer and one checking parser. */
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "common/alloc.h"
#include "common/err.h"

/* zstd level 1: snapshots of a 2^20-cycle segment are tens of MiB and the
 * coordinator compresses each once; the ratio of higher levels buys little
 * on page images. */
#define CMSG_ZSTD_LEVEL 1

void cmsg_params_set(cmsg_params *out, unsigned po2, const stark_params *p)
{
    out->po2 = po2;
    out->log_blowup = p->log_blowup;
    out->queries = p->queries;
    out->pow_bits = p->pow_bits;
    out->log_arity = p->log_arity;
    out->log_final_len = p->log_final_len;
}

void cmsg_params_get(stark_params *out, const cmsg_params *in)
{
    memset(out, 0, sizeof *out);
    out->log_blowup = in->log_blowup;
    out->queries = in->queries;
    out->pow_bits = in->pow_bits;
    out->log_arity = in->log_arity;
    out->log_final_len = in->log_final_len;
}

int cmsg_params_eq(const cmsg_params *a, const cmsg_params *b)
{
    return a->po2 == b->po2 && a->log_blowup == b->log_blowup && a->queries == b->queries &&
           a->pow_bits == b->pow_bits && a->log_arity == b->log_arity && a->log_final_len == b->log_final_len;
}

void cmsg_init(cmsg *m, cmsg_kind kind)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
}

void cmsg_free(cmsg *m)
{
    if (!m) return;
    free(m->owned_);
    memset(m, 0, sizeof *m);
}

const char *cmsg_kind_name(uint32_t kind)
{
    switch (kind) {
    case CMSG_HELLO: return "hello";
    case CMSG_REQUEST: return "request";
    case CMSG_TASK: return "task";
    case CMSG_RESULT: return "result";
    case CMSG_ERROR: return "error";
    case CMSG_SHUTDOWN: return "shutdown";
    }
    return "?";
}

const char *cmsg_task_kind_name(uint32_t task_kind)
{
    switch (task_kind) {
    case CMSG_TASK_NONE: return "none";
    case CMSG_TASK_PROVE_SEGMENT: return "prove-segment";
    case CMSG_TASK_LIFT: return "lift";
    case CMSG_TASK_JOIN: return "join";
    }
    return "?";
}

void cmsg_set_text(cmsg *m, const char *text)
{
    size_t n = 0;
    for (; text && text[n] && n < CMSG_TEXT_MAX; n++) {
        unsigned char c = (unsigned char)text[n];
        m->text[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    m->text[n] = '\0';
}

uint64_t cmsg_checksum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis and prime */
    for (size_t i = 0; i < alen; i++) h = (h ^ a[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < blen; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* ---- little-endian helpers ---------------------------------------------- */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

/* ---- segment claims ------------------------------------------------------ */

void cmsg_seg_claim_encode(uint8_t out[CMSG_SEG_CLAIM_BYTES], const rv_seg_claim *c)
{
    put_u32(out, c->po2);
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        put_u64(out + 4 + 8 * i, c->start.v[i]);
        put_u64(out + 36 + 8 * i, c->end.v[i]);
    }
    put_u64(out + 68, c->cycles);
}

cairn_err cmsg_seg_claim_decode(rv_seg_claim *out, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(len != CMSG_SEG_CLAIM_BYTES, CAIRN_ERR_FORMAT, "segment claim: %zu bytes, not %u", len,
                    CMSG_SEG_CLAIM_BYTES);
    rv_seg_claim c;
    memset(&c, 0, sizeof c);
    c.po2 = get_u32(buf);
    RETURN_ERROR_IF(c.po2 < RV_MIN_SEGMENT_PO2 || c.po2 > RV_MAX_SEGMENT_PO2, CAIRN_ERR_FORMAT,
                    "segment claim: po2 %u outside %u..%u", c.po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    for (unsigned i = 0; i < P2_DIGEST; i++) {
        c.start.v[i] = get_u64(buf + 4 + 8 * i);
        c.end.v[i] = get_u64(buf + 36 + 8 * i);
        RETURN_ERROR_IF(c.start.v[i] >= GL_P, CAIRN_ERR_FORMAT,
                        "segment claim: start digest element %u is not below p", i);
        RETURN_ERROR_IF(c.end.v[i] >= GL_P, CAIRN_ERR_FORMAT, "segment claim: end digest element %u is not below p",
                        i);
    }
    c.cycles = get_u64(buf + 68);
    RETURN_ERROR_IF(c.cycles == 0 || c.cycles > ((uint64_t)1 << c.po2), CAIRN_ERR_FORMAT,
                    "segment claim: %llu cycles outside 1..2^%u", (unsigned long long)c.cycles, c.po2);
    *out = c;
    return CAIRN_OK;
}

/* ---- encoding ------------------------------------------------------------ */

static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

static uint8_t *put_params(uint8_t *p, const cmsg_params *q)
{
    const uint32_t v[6] = {q->po2, q->log_blowup, q->queries, q->pow_bits, q->log_arity, q->log_final_len};
    for (int i = 0; i < 6; i++) put_u32(p + 4 * i, v[i]);
    return p + 24;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *b, size_t n)
{
    put_u64(p, n);
    if (n) memcpy(p + 8, b, n);
    return p + 8 + n;
}

/* Rules shared with the parser: which header fields a kind may use. */
static int kind_has_task(cmsg_kind k) { return k == CMSG_TASK || k == CMSG_RESULT; }

cairn_err cmsg_encode(uint8_t **out, size_t *len, const cmsg *m, int compress)
{
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(m->kind < CMSG_HELLO || m->kind >= CMSG_NKINDS, CAIRN_ERR_USAGE, "cmsg_encode: kind %u",
                    (unsigned)m->kind);
    if (kind_has_task(m->kind))
        RETURN_ERROR_IF(m->task_id == 0 || m->task_kind == CMSG_TASK_NONE || m->task_kind >= CMSG_TASK_NKINDS,
                        CAIRN_ERR_USAGE, "cmsg_encode: %s without a task id and kind", cmsg_kind_name(m->kind));
    else if (m->kind == CMSG_ERROR)
        RETURN_ERROR_IF((m->task_id == 0) != (m->task_kind == CMSG_TASK_NONE) || m->task_kind >= CMSG_TASK_NKINDS,
                        CAIRN_ERR_USAGE, "cmsg_encode: error with task id %llu and kind %u",
                        (unsigned long long)m->task_id, m->task_kind);
    else
        RETURN_ERROR_IF(m->task_id || m->task_kind, CAIRN_ERR_USAGE, "cmsg_encode: %s with a task",
                        cmsg_kind_name(m->kind));
    size_t build_len = strnlen(m->build, sizeof m->build), text_len = strnlen(m->text, sizeof m->text);
    size_t host_len = strnlen(m->host, sizeof m->host);
    RETURN_ERROR_IF(build_len > CMSG_BUILD_MAX || !printable(m->build, build_len), CAIRN_ERR_USAGE,
                    "cmsg_encode: build string not printable or too long");
    RETURN_ERROR_IF(host_len > CMSG_HOST_MAX || !printable(m->host, host_len), CAIRN_ERR_USAGE,
                    "cmsg_encode: host name not printable or too long");
    RETURN_ERROR_IF(text_len > CMSG_TEXT_MAX || !printable(m->text, text_len), CAIRN_ERR_USAGE,
                    "cmsg_encode: error text not printable or too long (use cmsg_set_text)");

    size_t body_len = 0;
    switch (m->kind) {
    case CMSG_HELLO: body_len = 8 + 24 + CMSG_DIGEST_BYTES + 4 + build_len + 16 + 4 + host_len; break;
    case CMSG_TASK: body_len = 24 + 8 + m->payload_len; break;
    case CMSG_RESULT: body_len = 8 + 8 + m->claim_len + 8 + m->proof_len; break;
    case CMSG_ERROR: body_len = 8 + text_len; break;
    case CMSG_SHUTDOWN: body_len = 4; break;
    default: break;
    }
    RETURN_ERROR_IF(body_len > CMSG_MAX_BODY || m->payload_len > CMSG_MAX_BODY || m->claim_len > CMSG_MAX_BODY ||
                        m->proof_len > CMSG_MAX_BODY,
                    CAIRN_ERR_LIMIT, "cmsg_encode: %s body of %zu bytes exceeds %u", cmsg_kind_name(m->kind),
                    body_len, (unsigned)CMSG_MAX_BODY);
    uint8_t *buf = cairn_malloc(CMSG_HEADER_BYTES + body_len);
    if (!buf)
        return cairn_fail_nomem(CMSG_HEADER_BYTES + body_len, "cmsg_encode: out of memory for a %s message",
                                cmsg_kind_name(m->kind));
    uint8_t *b = buf + CMSG_HEADER_BYTES, *p = b;
    switch (m->kind) {
    case CMSG_HELLO:
        put_u32(p, m->rank);
        put_u32(p + 4, m->threads);
        p = put_params(p + 8, &m->params);
        memcpy(p, m->digest, CMSG_DIGEST_BYTES);
        p += CMSG_DIGEST_BYTES;
        put_u32(p, (uint32_t)build_len);
        memcpy(p + 4, m->build, build_len);
        p += 4 + build_len;
        put_u64(p, m->mem_need);
        put_u64(p + 8, m->mem_limit);
        put_u32(p + 16, (uint32_t)host_len);
        memcpy(p + 20, m->host, host_len);
        p += 20 + host_len;
        break;
    case CMSG_TASK:
        p = put_params(p, &m->params);
        p = put_bytes(p, m->payload, m->payload_len);
        break;
    case CMSG_RESULT:
        put_u64(p, m->micros);
        p = put_bytes(p + 8, m->claim, m->claim_len);
        p = put_bytes(p, m->proof, m->proof_len);
        break;
    case CMSG_ERROR:
        put_u32(p, m->code);
        put_u32(p + 4, (uint32_t)text_len);
        memcpy(p + 8, m->text, text_len);
        p += 8 + text_len;
        break;
    case CMSG_SHUTDOWN:
        put_u32(p, m->lost);
        p += 4;
        break;
    default: break;
    }
    if ((size_t)(p - b) != body_len) {
        free(buf);
        return cairn_fail(CAIRN_ERR_INTERNAL, "cmsg_encode: wrote %zu body bytes, sized %zu", (size_t)(p - b),
                          body_len);
    }

    uint32_t flags = 0;
    size_t wire_len = body_len;
    if (compress && body_len >= CMSG_COMPRESS_MIN) {
        size_t cap = ZSTD_compressBound(body_len);
        uint8_t *z = cairn_malloc(CMSG_HEADER_BYTES + cap);
        if (z) {
            size_t zn = ZSTD_compress(z + CMSG_HEADER_BYTES, cap, b, body_len, CMSG_ZSTD_LEVEL);
            /* pays if it saves at least 1/16 */
            if (!ZSTD_isError(zn) && zn <= body_len - body_len / 16) {
                free(buf);
                buf = z;
                wire_len = zn;
                flags = 1;
            } else {
                free(z);
            }
        } /* no memory to compress: send it raw */
    }
    uint8_t *h = buf;
    put_u32(h, CMSG_MAGIC);
    put_u16(h + 4, CMSG_VERSION);
    put_u16(h + 6, (uint16_t)m->kind);
    put_u32(h + 8, m->task_kind);
    put_u32(h + 12, flags);
    put_u64(h + 16, m->task_id);
    put_u64(h + 24, wire_len);
    put_u64(h + 32, body_len);
    put_u64(h + 40, cmsg_checksum(h, 40, h + CMSG_HEADER_BYTES, wire_len));
    *out = buf;
    *len = CMSG_HEADER_BYTES + wire_len;
    return CAIRN_OK;
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, off;
    const char *what; /* message kind, for errors */
} reader;

static cairn_err rd_need(reader *r, size_t n, const char *field)
{
    RETURN_ERROR_IF(r->len - r->off < n, CAIRN_ERR_FORMAT,
                    "message %s: %s needs %zu bytes at body offset %zu, only %zu left", r->what, field, n, r->off,
                    r->len - r->off);
    return CAIRN_OK;
}

static cairn_err rd_u32(reader *r, uint32_t *v, const char *field)
{
    FORWARD_IF_ERROR(rd_need(r, 4, field));
    *v = get_u32(r->p + r->off);
    r->off += 4;
    return CAIRN_OK;
}

static cairn_err rd_u64(reader *r, uint64_t *v, const char *field)
{
    FORWARD_IF_ERROR(rd_need(r, 8, field));
    *v = get_u64(r->p + r->off);
    r->off += 8;
    return CAIRN_OK;
}

/* u64 length + bytes; *b points into the body */
static cairn_err rd_bytes(reader *r, const uint8_t **b, size_t *n, const char *field)
{
    uint64_t len;
    FORWARD_IF_ERROR(rd_u64(r, &len, field));
    RETURN_ERROR_IF(len > r->len - r->off, CAIRN_ERR_FORMAT,
                    "message %s: %s length %llu exceeds the %zu bytes left at body offset %zu", r->what, field,
                    (unsigned long long)len, r->len - r->off, r->off);
    *b = r->p + r->off;
    *n = (size_t)len;
    r->off += (size_t)len;
    return CAIRN_OK;
}

/* u32 length + printable text of at most max bytes into out (NUL-ended) */
static cairn_err rd_text(reader *r, char *out, size_t max, const char *field)
{
    uint32_t n;
    FORWARD_IF_ERROR(rd_u32(r, &n, field));
    RETURN_ERROR_IF(n > max, CAIRN_ERR_FORMAT, "message %s: %s of %u bytes exceeds %zu", r->what, field, n, max);
    FORWARD_IF_ERROR(rd_need(r, n, field));
    RETURN_ERROR_IF(!printable((const char *)r->p + r->off, n), CAIRN_ERR_FORMAT,
                    "message %s: %s at body offset %zu is not printable ASCII", r->what, field, r->off);
    memcpy(out, r->p + r->off, n);
    out[n] = '\0';
    r->off += n;
    return CAIRN_OK;
}

static cairn_err rd_params(reader *r, cmsg_params *q)
{
    FORWARD_IF_ERROR(rd_u32(r, &q->po2, "params po2"));
    FORWARD_IF_ERROR(rd_u32(r, &q->log_blowup, "params log_blowup"));
    FORWARD_IF_ERROR(rd_u32(r, &q->queries, "params queries"));
    FORWARD_IF_ERROR(rd_u32(r, &q->pow_bits, "params pow_bits"));
    FORWARD_IF_ERROR(rd_u32(r, &q->log_arity, "params log_arity"));
    return rd_u32(r, &q->log_final_len, "params log_final_len");
}

static cairn_err parse_body(cmsg *m, reader *r)
{
    switch (m->kind) {
    case CMSG_HELLO:
        FORWARD_IF_ERROR(rd_u32(r, &m->rank, "rank"));
        FORWARD_IF_ERROR(rd_u32(r, &m->threads, "threads"));
        FORWARD_IF_ERROR(rd_params(r, &m->params));
        FORWARD_IF_ERROR(rd_need(r, CMSG_DIGEST_BYTES, "key digest"));
        memcpy(m->digest, r->p + r->off, CMSG_DIGEST_BYTES);
        r->off += CMSG_DIGEST_BYTES;
        FORWARD_IF_ERROR(rd_text(r, m->build, CMSG_BUILD_MAX, "build string"));
        FORWARD_IF_ERROR(rd_u64(r, &m->mem_need, "memory need"));
        FORWARD_IF_ERROR(rd_u64(r, &m->mem_limit, "memory limit"));
        FORWARD_IF_ERROR(rd_text(r, m->host, CMSG_HOST_MAX, "host name"));
        break;
    case CMSG_TASK:
        FORWARD_IF_ERROR(rd_params(r, &m->params));
        FORWARD_IF_ERROR(rd_bytes(r, &m->payload, &m->payload_len, "payload"));
        break;
    case CMSG_RESULT:
        FORWARD_IF_ERROR(rd_u64(r, &m->micros, "microseconds"));
        FORWARD_IF_ERROR(rd_bytes(r, &m->claim, &m->claim_len, "claim"));
        FORWARD_IF_ERROR(rd_bytes(r, &m->proof, &m->proof_len, "proof"));
        break;
    case CMSG_ERROR:
        FORWARD_IF_ERROR(rd_u32(r, &m->code, "error code"));
        RETURN_ERROR_IF(m->code == CAIRN_OK || m->code > CAIRN_ERR_INTERNAL, CAIRN_ERR_FORMAT,
                        "message error: error code %u is not a cairn error", m->code);
        FORWARD_IF_ERROR(rd_text(r, m->text, CMSG_TEXT_MAX, "error text"));
        break;
    case CMSG_SHUTDOWN: FORWARD_IF_ERROR(rd_u32(r, &m->lost, "lost ranks")); break;
    default: break;
    }
    RETURN_ERROR_IF(r->off != r->len, CAIRN_ERR_FORMAT, "message %s: %zu trailing body bytes at offset %zu",
                    r->what, r->len - r->off, r->off);
    return CAIRN_OK;
}

static cairn_err decode(cmsg *m, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(len < CMSG_HEADER_BYTES, CAIRN_ERR_FORMAT, "message: %zu bytes, shorter than the %u-byte header",
                    len, CMSG_HEADER_BYTES);
    uint32_t magic = get_u32(buf);
    RETURN_ERROR_IF(magic != CMSG_MAGIC, CAIRN_ERR_FORMAT, "message: magic 0x%08x, not 0x%08x", magic, CMSG_MAGIC);
    uint16_t version = get_u16(buf + 4);
    RETURN_ERROR_IF(version != CMSG_VERSION, CAIRN_ERR_FORMAT, "message: version %u, this build speaks %u", version,
                    CMSG_VERSION);
    uint16_t kind = get_u16(buf + 6);
    RETURN_ERROR_IF(kind < CMSG_HELLO || kind >= CMSG_NKINDS, CAIRN_ERR_FORMAT, "message: unknown kind %u", kind);
    m->kind = (cmsg_kind)kind;
    const char *what = cmsg_kind_name(kind);
    m->task_kind = get_u32(buf + 8);
    uint32_t flags = get_u32(buf + 12);
    m->task_id = get_u64(buf + 16);
    uint64_t wire_len = get_u64(buf + 24), body_len = get_u64(buf + 32), sum = get_u64(buf + 40);
    RETURN_ERROR_IF(flags > 1, CAIRN_ERR_FORMAT, "message %s: unknown flags 0x%x", what, flags);
    RETURN_ERROR_IF(wire_len != len - CMSG_HEADER_BYTES, CAIRN_ERR_FORMAT,
                    "message %s: header says %llu body bytes, %zu arrived", what, (unsigned long long)wire_len,
                    len - CMSG_HEADER_BYTES);
    RETURN_ERROR_IF(body_len > CMSG_MAX_BODY, CAIRN_ERR_FORMAT, "message %s: body of %llu bytes exceeds %u", what,
                    (unsigned long long)body_len, (unsigned)CMSG_MAX_BODY);
    if (flags & 1)
        RETURN_ERROR_IF(body_len <= wire_len, CAIRN_ERR_FORMAT,
                        "message %s: compressed body of %llu bytes does not grow (%llu bytes decompressed)", what,
                        (unsigned long long)wire_len, (unsigned long long)body_len);
    else
        RETURN_ERROR_IF(body_len != wire_len, CAIRN_ERR_FORMAT,
                        "message %s: raw body of %llu bytes but body length %llu", what,
                        (unsigned long long)wire_len, (unsigned long long)body_len);
    uint64_t want = cmsg_checksum(buf, 40, buf + CMSG_HEADER_BYTES, (size_t)wire_len);
    RETURN_ERROR_IF(sum != want, CAIRN_ERR_CORRUPT, "message %s: checksum 0x%016llx, computed 0x%016llx", what,
                    (unsigned long long)sum, (unsigned long long)want);

    if (kind_has_task(m->kind))
        RETURN_ERROR_IF(m->task_id == 0 || m->task_kind == CMSG_TASK_NONE || m->task_kind >= CMSG_TASK_NKINDS,
                        CAIRN_ERR_FORMAT, "message %s: task id %llu, task kind %u (need a task and a known kind)",
                        what, (unsigned long long)m->task_id, m->task_kind);
    else if (m->kind == CMSG_ERROR)
        RETURN_ERROR_IF((m->task_id == 0) != (m->task_kind == CMSG_TASK_NONE) || m->task_kind >= CMSG_TASK_NKINDS,
                        CAIRN_ERR_FORMAT, "message error: task id %llu with task kind %u",
                        (unsigned long long)m->task_id, m->task_kind);
    else
        RETURN_ERROR_IF(m->task_id || m->task_kind, CAIRN_ERR_FORMAT,
                        "message %s: task id %llu, task kind %u (a %s carries no task)", what,
                        (unsigned long long)m->task_id, m->task_kind, what);

    const uint8_t *body = buf + CMSG_HEADER_BYTES;
    if (flags & 1) {
        unsigned long long declared = ZSTD_getFrameContentSize(body, (size_t)wire_len);
        RETURN_ERROR_IF(declared != body_len, CAIRN_ERR_FORMAT,
                        "message %s: zstd frame declares %s, header says %llu bytes", what,
                        declared == ZSTD_CONTENTSIZE_ERROR     ? "no valid frame"
                        : declared == ZSTD_CONTENTSIZE_UNKNOWN ? "no content size"
                                                               : "another content size",
                        (unsigned long long)body_len);
        size_t fsz = ZSTD_findFrameCompressedSize(body, (size_t)wire_len);
        RETURN_ERROR_IF(ZSTD_isError(fsz) || fsz != wire_len, CAIRN_ERR_FORMAT,
                        "message %s: the zstd frame does not span the %llu body bytes", what,
                        (unsigned long long)wire_len);
    }
    m->owned_ = cairn_malloc((size_t)body_len);
    if (!m->owned_)
        return cairn_fail_nomem((size_t)body_len, "message %s: out of memory for the body", what);
    if (flags & 1) {
        size_t n = ZSTD_decompress(m->owned_, (size_t)body_len, body, (size_t)wire_len);
        RETURN_ERROR_IF(ZSTD_isError(n), CAIRN_ERR_FORMAT, "message %s: zstd: %s", what, ZSTD_getErrorName(n));
        RETURN_ERROR_IF(n != body_len, CAIRN_ERR_FORMAT, "message %s: zstd gave %zu bytes, header says %llu", what,
                        n, (unsigned long long)body_len);
    } else if (body_len) {
        memcpy(m->owned_, body, (size_t)body_len);
    }
    reader r = {m->owned_, (size_t)body_len, 0, what};
    return parse_body(m, &r);
}

cairn_err cmsg_decode(cmsg *out, const uint8_t *buf, size_t len)
{
    cmsg_init(out, 0);
    cairn_err e = decode(out, buf, len);
    if (e != CAIRN_OK) cmsg_free(out);
    return e;
}

/* ---- recursion payloads and claims (msg.h) ------------------------------------ */

void cmsg_rc_claim_encode(uint8_t out[CMSG_RC_CLAIM_BYTES], const uint64_t claim[CMSG_RC_CLAIM_N])
{
    for (unsigned i = 0; i < CMSG_RC_CLAIM_N; i++) put_u64(out + 8 * i, claim[i]);
}

static const char *const g_rc_claim_part[CMSG_RC_CLAIM_N] = {
    "control root", "control root", "control root", "control root", "start digest", "start digest", "start digest",
    "start digest", "end digest",   "end digest",   "end digest",   "end digest",   "cycles"};

cairn_err cmsg_rc_claim_decode(uint64_t out[CMSG_RC_CLAIM_N], const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(len != CMSG_RC_CLAIM_BYTES, CAIRN_ERR_FORMAT, "recursion claim: %zu bytes, not %u", len,
                    CMSG_RC_CLAIM_BYTES);
    uint64_t c[CMSG_RC_CLAIM_N];
    for (unsigned i = 0; i < CMSG_RC_CLAIM_N; i++) {
        c[i] = get_u64(buf + 8 * i);
        RETURN_ERROR_IF(c[i] >= GL_P, CAIRN_ERR_FORMAT, "recursion claim: element %u (%s) is not below p", i,
                        g_rc_claim_part[i]);
    }
    memcpy(out, c, sizeof c);
    return CAIRN_OK;
}

static int preset_ok(const char *s)
{
    size_t n = strnlen(s, CMSG_PRESET_MAX + 1);
    return n >= 1 && n <= CMSG_PRESET_MAX && printable(s, n);
}

static int rc_claim_ok(const uint64_t c[CMSG_RC_CLAIM_N])
{
    for (unsigned i = 0; i < CMSG_RC_CLAIM_N; i++)
        if (c[i] >= GL_P) return 0;
    return 1;
}

static int node_ok(const cmsg_rc_node *n)
{
    return n->kind < CMSG_NODE_NKINDS && rc_claim_ok(n->claim) && n->proof_len > 0 &&
           n->proof_len <= CMSG_MAX_BODY;
}

static size_t node_bytes(const cmsg_rc_node *n) { return 4 + CMSG_RC_CLAIM_BYTES + 8 + n->proof_len; }

static uint8_t *put_node(uint8_t *p, const cmsg_rc_node *n)
{
    put_u32(p, n->kind);
    cmsg_rc_claim_encode(p + 4, n->claim);
    return put_bytes(p + 4 + CMSG_RC_CLAIM_BYTES, n->proof, n->proof_len);
}

static uint8_t *put_preset(uint8_t *p, const char *preset)
{
    size_t n = strlen(preset);
    put_u32(p, (uint32_t)n);
    memcpy(p + 4, preset, n);
    return p + 4 + n;
}

cairn_err cmsg_lift_encode(uint8_t **out, size_t *len, const cmsg_lift *l)
{
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(!preset_ok(l->preset), CAIRN_ERR_USAGE, "lift payload: preset name not 1..%u printable bytes",
                    CMSG_PRESET_MAX);
    RETURN_ERROR_IF(!l->proof_len || l->proof_len > CMSG_MAX_BODY, CAIRN_ERR_USAGE,
                    "lift payload: segment proof of %zu bytes", l->proof_len);
    size_t n = 4 + strlen(l->preset) + CMSG_SEG_CLAIM_BYTES + 8 + l->proof_len;
    uint8_t *b = cairn_malloc(n);
    RETURN_ERROR_IF(!b, CAIRN_ERR_NOMEM, "lift payload: out of memory for %zu bytes", n);
    uint8_t *p = put_preset(b, l->preset);
    cmsg_seg_claim_encode(p, &l->seg);
    put_bytes(p + CMSG_SEG_CLAIM_BYTES, l->proof, l->proof_len);
    *out = b;
    *len = n;
    return CAIRN_OK;
}

cairn_err cmsg_join_encode(uint8_t **out, size_t *len, const cmsg_join *j)
{
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(!preset_ok(j->preset), CAIRN_ERR_USAGE, "join payload: preset name not 1..%u printable bytes",
                    CMSG_PRESET_MAX);
    RETURN_ERROR_IF(!node_ok(&j->left) || !node_ok(&j->right), CAIRN_ERR_USAGE,
                    "join payload: a node of another kind, a non-canonical claim or no proof");
    size_t n = 4 + strlen(j->preset) + node_bytes(&j->left) + node_bytes(&j->right);
    uint8_t *b = cairn_malloc(n);
    RETURN_ERROR_IF(!b, CAIRN_ERR_NOMEM, "join payload: out of memory for %zu bytes", n);
    put_node(put_node(put_preset(b, j->preset), &j->left), &j->right);
    *out = b;
    *len = n;
    return CAIRN_OK;
}

static cairn_err rd_preset(reader *r, char out[CMSG_PRESET_MAX + 1])
{
    FORWARD_IF_ERROR(rd_text(r, out, CMSG_PRESET_MAX, "preset name"));
    RETURN_ERROR_IF(!out[0], CAIRN_ERR_FORMAT, "%s: empty preset name", r->what);
    return CAIRN_OK;
}

static cairn_err rd_node(reader *r, cmsg_rc_node *n, const char *side)
{
    char field[32];
    snprintf(field, sizeof field, "%s node kind", side);
    FORWARD_IF_ERROR(rd_u32(r, &n->kind, field));
    RETURN_ERROR_IF(n->kind >= CMSG_NODE_NKINDS, CAIRN_ERR_FORMAT,
                    "%s: %s %u is neither lift (0) nor join (1, 2, 3)", r->what, field, n->kind);
    snprintf(field, sizeof field, "%s node claim", side);
    FORWARD_IF_ERROR(rd_need(r, CMSG_RC_CLAIM_BYTES, field));
    cairn_err e = cmsg_rc_claim_decode(n->claim, r->p + r->off, CMSG_RC_CLAIM_BYTES);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "%s: %s node", r->what, side);
    r->off += CMSG_RC_CLAIM_BYTES;
    snprintf(field, sizeof field, "%s node proof", side);
    FORWARD_IF_ERROR(rd_bytes(r, &n->proof, &n->proof_len, field));
    RETURN_ERROR_IF(!n->proof_len, CAIRN_ERR_FORMAT, "%s: empty %s", r->what, field);
    return CAIRN_OK;
}

static cairn_err rd_end(reader *r)
{
    RETURN_ERROR_IF(r->off != r->len, CAIRN_ERR_FORMAT, "%s: %zu trailing bytes at offset %zu", r->what,
                    r->len - r->off, r->off);
    return CAIRN_OK;
}

cairn_err cmsg_lift_decode(cmsg_lift *out, const uint8_t *buf, size_t len)
{
    memset(out, 0, sizeof *out);
    reader r = {buf, len, 0, "lift payload"};
    cmsg_lift l;
    memset(&l, 0, sizeof l);
    FORWARD_IF_ERROR(rd_preset(&r, l.preset));
    FORWARD_IF_ERROR(rd_need(&r, CMSG_SEG_CLAIM_BYTES, "segment claim"));
    cairn_err e = cmsg_seg_claim_decode(&l.seg, buf + r.off, CMSG_SEG_CLAIM_BYTES);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "lift payload");
    r.off += CMSG_SEG_CLAIM_BYTES;
    FORWARD_IF_ERROR(rd_bytes(&r, &l.proof, &l.proof_len, "segment proof"));
    RETURN_ERROR_IF(!l.proof_len, CAIRN_ERR_FORMAT, "lift payload: empty segment proof");
    FORWARD_IF_ERROR(rd_end(&r));
    *out = l;
    return CAIRN_OK;
}

cairn_err cmsg_join_decode(cmsg_join *out, const uint8_t *buf, size_t len)
{
    memset(out, 0, sizeof *out);
    reader r = {buf, len, 0, "join payload"};
    cmsg_join j;
    memset(&j, 0, sizeof j);
    FORWARD_IF_ERROR(rd_preset(&r, j.preset));
    FORWARD_IF_ERROR(rd_node(&r, &j.left, "left"));
    FORWARD_IF_ERROR(rd_node(&r, &j.right, "right"));
    FORWARD_IF_ERROR(rd_end(&r));
    *out = j;
    return CAIRN_OK;
}
