/* Canonical byte encoding of segment snapshots, for MPI messages and HDF5.
 * All integers little-endian; the decoder is a parser of untrusted bytes.
 *
 *   magic "CAIRNSN1" (8) | version u32 = 3 | segment_po2 u32 | index u64 |
 *   cycles u64 | start state | end state | npages u32 |
 *   page_index u32[npages] (strictly ascending, in [1, 2^22)) |
 *   kind u8[npages] (0 = all-zero page, not stored; 1 = stored) |
 *   1024 bytes for each stored page, in page order |
 *   nnodes u32 | nnodes digests (4 x u64 each) |
 *   input_len u64 | input bytes
 *
 *   state = pc u32 | x1..x31 u32 | root 4 x u64 | input_pos u64 |
 *           journal_len u64 | journal_chain 4 x u64 | journal_tail 4 x u32 |
 *           halted u32 | exit_code u32 | input_eof u32 |
 *           sys_done u32                                    (240 bytes)
 *
 * Canonical: one encoding per snapshot. Field elements are < p, a page is
 * stored iff it is not all zero, unused journal-tail bytes are zero, no
 * trailing bytes. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rv_internal.h"

#define SNAP_MAGIC "CAIRNSN1"
#define SNAP_VERSION 3u /* 2: input_eof in the states; 3: sys_done */
#define STATE_BYTES 240

typedef struct {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void w_bytes(wbuf *w, const void *src, size_t n)
{
    memcpy(w->p + w->n, src, n);
    w->n += n;
}
static void w_u32(wbuf *w, uint32_t v)
{
    for (int i = 0; i < 4; i++) w->p[w->n++] = (uint8_t)(v >> (8 * i));
}
static void w_u64(wbuf *w, uint64_t v)
{
    for (int i = 0; i < 8; i++) w->p[w->n++] = (uint8_t)(v >> (8 * i));
}
static void w_digest(wbuf *w, const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST; i++) w_u64(w, d->v[i]);
}
static void w_state(wbuf *w, const rv_state *s)
{
    w_u32(w, s->pc);
    for (int i = 1; i < 32; i++) w_u32(w, s->x[i]);
    w_digest(w, &s->root);
    w_u64(w, s->input_pos);
    w_u64(w, s->journal_len);
    w_digest(w, &s->journal_chain);
    for (int i = 0; i < 4; i++) w_u32(w, s->journal_tail[i]);
    w_u32(w, s->halted);
    w_u32(w, s->exit_code);
    w_u32(w, s->input_eof);
    w_u32(w, s->sys_done);
}

static int page_is_zero(const uint8_t *p)
{
    for (unsigned i = 0; i < RV_PAGE_BYTES; i++)
        if (p[i]) return 0;
    return 1;
}

cairn_err rv_snapshot_encode(uint8_t **out, size_t *out_len, const rv_snapshot *s)
{
    *out = NULL;
    *out_len = 0;
    size_t nraw = 0;
    for (size_t i = 0; i < s->npages; i++) nraw += !page_is_zero(s->page_data + i * (size_t)RV_PAGE_BYTES);
    size_t cap = 8 + 4 + 4 + 8 + 8 + 2 * STATE_BYTES + 4 + 5 * s->npages + nraw * RV_PAGE_BYTES + 4 +
                 32 * s->nnodes + 8 + s->input_len;
    RETURN_ERROR_IF(s->npages > UINT32_MAX || s->nnodes > UINT32_MAX, CAIRN_ERR_USAGE,
                    "snapshot too large to encode");
    wbuf w = {malloc(cap), 0, cap};
    RETURN_ERROR_IF(!w.p, CAIRN_ERR_NOMEM, "no memory to encode a %zu-byte snapshot", cap);
    w_bytes(&w, SNAP_MAGIC, 8);
    w_u32(&w, SNAP_VERSION);
    w_u32(&w, s->segment_po2);
    w_u64(&w, s->index);
    w_u64(&w, s->cycles);
    w_state(&w, &s->start);
    w_state(&w, &s->end);
    w_u32(&w, (uint32_t)s->npages);
    for (size_t i = 0; i < s->npages; i++) w_u32(&w, s->page_index[i]);
    for (size_t i = 0; i < s->npages; i++) w.p[w.n++] = !page_is_zero(s->page_data + i * (size_t)RV_PAGE_BYTES);
    for (size_t i = 0; i < s->npages; i++) {
        const uint8_t *pg = s->page_data + i * (size_t)RV_PAGE_BYTES;
        if (!page_is_zero(pg)) w_bytes(&w, pg, RV_PAGE_BYTES);
    }
    w_u32(&w, (uint32_t)s->nnodes);
    for (size_t i = 0; i < s->nnodes; i++) w_digest(&w, &s->nodes[i]);
    w_u64(&w, s->input_len);
    if (s->input_len) w_bytes(&w, s->input, s->input_len);
    if (w.n != cap) {
        free(w.p);
        return cairn_fail(CAIRN_ERR_INTERNAL, "snapshot encoding size %zu != %zu", w.n, cap);
    }
    *out = w.p;
    *out_len = w.n;
    return CAIRN_OK;
}

/* ---- decoding ---------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n, off;
} rbuf;

#define NEED(r, k, what)                                                                    \
    RETURN_ERROR_IF((r)->n - (r)->off < (k), CAIRN_ERR_FORMAT,                              \
                    "snapshot truncated: %s needs %zu bytes at offset %zu, %zu left", what,  \
                    (size_t)(k), (r)->off, (r)->n - (r)->off)

static uint32_t g_u32(rbuf *r)
{
    const uint8_t *b = r->p + r->off;
    r->off += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint64_t g_u64(rbuf *r)
{
    uint64_t lo = g_u32(r);
    return lo | (uint64_t)g_u32(r) << 32;
}

static cairn_err g_digest(rbuf *r, p2_digest *d, const char *what)
{
    NEED(r, 32, what);
    for (int i = 0; i < P2_DIGEST; i++) {
        size_t at = r->off;
        d->v[i] = g_u64(r);
        RETURN_ERROR_IF(d->v[i] >= GL_P, CAIRN_ERR_FORMAT,
                        "snapshot %s: element at offset %zu is not a canonical field element", what, at);
    }
    return CAIRN_OK;
}

static cairn_err g_state(rbuf *r, rv_state *s, const char *which)
{
    memset(s, 0, sizeof *s);
    NEED(r, STATE_BYTES, which);
    s->pc = g_u32(r);
    for (int i = 1; i < 32; i++) s->x[i] = g_u32(r);
    FORWARD_IF_ERROR(g_digest(r, &s->root, which));
    s->input_pos = g_u64(r);
    s->journal_len = g_u64(r);
    FORWARD_IF_ERROR(g_digest(r, &s->journal_chain, which));
    for (int i = 0; i < 4; i++) s->journal_tail[i] = g_u32(r);
    s->halted = g_u32(r);
    s->exit_code = g_u32(r);
    s->input_eof = g_u32(r);
    s->sys_done = g_u32(r);
    RETURN_ERROR_IF(s->pc % 4, CAIRN_ERR_FORMAT, "snapshot %s: pc 0x%x not 4-aligned", which, s->pc);
    RETURN_ERROR_IF(s->halted > 1, CAIRN_ERR_FORMAT, "snapshot %s: halted flag %u", which, s->halted);
    RETURN_ERROR_IF(!s->halted && s->exit_code, CAIRN_ERR_FORMAT,
                    "snapshot %s: exit code %u without a halt", which, s->exit_code);
    RETURN_ERROR_IF(s->input_eof > 1, CAIRN_ERR_FORMAT, "snapshot %s: input end-of-file flag %u", which,
                    s->input_eof);
    RETURN_ERROR_IF(s->halted && s->sys_done, CAIRN_ERR_FORMAT,
                    "snapshot %s: halted in the middle of a system call (sys_done %u)", which, s->sys_done);
    unsigned used = (unsigned)(s->journal_len & 15);
    for (unsigned b = used; b < 16; b++)
        RETURN_ERROR_IF((s->journal_tail[b / 4] >> (8 * (b % 4))) & 0xff, CAIRN_ERR_FORMAT,
                        "snapshot %s: journal tail byte %u beyond the journal length", which, b);
    return CAIRN_OK;
}

void rv_snapshot_free(rv_snapshot *s)
{
    if (!s) return;
    free(s->page_index);
    free(s->page_data);
    free(s->nodes);
    free(s->input);
    s->page_index = NULL;
    s->page_data = NULL;
    s->nodes = NULL;
    s->input = NULL;
    s->npages = s->nnodes = s->input_len = 0;
}

static cairn_err decode(rv_snapshot *s, rbuf *r)
{
    NEED(r, 32, "header");
    RETURN_ERROR_IF(memcmp(r->p, SNAP_MAGIC, 8), CAIRN_ERR_FORMAT, "not a cairn snapshot (bad magic)");
    r->off = 8;
    uint32_t ver = g_u32(r);
    RETURN_ERROR_IF(ver != SNAP_VERSION, CAIRN_ERR_FORMAT, "snapshot version %u, expected %u", ver, SNAP_VERSION);
    s->segment_po2 = g_u32(r);
    RETURN_ERROR_IF(s->segment_po2 < RV_MIN_SEGMENT_PO2 || s->segment_po2 > RV_MAX_SEGMENT_PO2, CAIRN_ERR_FORMAT,
                    "snapshot segment_po2 %u outside [%u, %u]", s->segment_po2, RV_MIN_SEGMENT_PO2,
                    RV_MAX_SEGMENT_PO2);
    s->index = g_u64(r);
    s->cycles = g_u64(r);
    FORWARD_IF_ERROR(g_state(r, &s->start, "start state"));
    FORWARD_IF_ERROR(g_state(r, &s->end, "end state"));
    uint64_t full = 1ull << s->segment_po2;
    /* shorter than 2^po2: the last segment (halted) or one a budget ended
     * early (rv.h rv_budget) */
    RETURN_ERROR_IF(s->cycles == 0 || s->cycles > full, CAIRN_ERR_FORMAT,
                    "snapshot cycles %llu invalid for segment_po2 %u", (unsigned long long)s->cycles,
                    s->segment_po2);
    RETURN_ERROR_IF(s->start.halted, CAIRN_ERR_FORMAT, "snapshot start state is halted");
    RETURN_ERROR_IF(s->end.input_pos < s->start.input_pos || s->end.journal_len < s->start.journal_len,
                    CAIRN_ERR_FORMAT, "snapshot end state has less input or journal than its start");
    RETURN_ERROR_IF(s->start.input_eof && (!s->end.input_eof || s->end.input_pos != s->start.input_pos),
                    CAIRN_ERR_FORMAT, "snapshot reads input after end-of-file or clears the flag");

    NEED(r, 4, "page count");
    uint32_t np = g_u32(r);
    RETURN_ERROR_IF(np == 0, CAIRN_ERR_FORMAT, "snapshot has no pages");
    NEED(r, (uint64_t)np * 5, "page table");
    s->page_index = cairn_malloc_array(np, sizeof *s->page_index);
    s->page_data = cairn_calloc(np, RV_PAGE_BYTES);
    if (!s->page_index || !s->page_data)
        return cairn_fail_nomem((size_t)np * (RV_PAGE_BYTES + sizeof *s->page_index),
                                "snapshot: out of memory for %u pages", np);
    s->npages = np;
    for (uint32_t i = 0; i < np; i++) {
        uint32_t v = g_u32(r);
        RETURN_ERROR_IF(v == 0 || v >= RV_NPAGES, CAIRN_ERR_FORMAT, "snapshot page %u: index 0x%x out of range", i, v);
        RETURN_ERROR_IF(i && v <= s->page_index[i - 1], CAIRN_ERR_FORMAT,
                        "snapshot page %u: index 0x%x not ascending", i, v);
        s->page_index[i] = v;
    }
    const uint8_t *kinds = r->p + r->off;
    r->off += np;
    for (uint32_t i = 0; i < np; i++) {
        RETURN_ERROR_IF(kinds[i] > 1, CAIRN_ERR_FORMAT, "snapshot page %u: kind %u", i, kinds[i]);
        if (!kinds[i]) continue;
        NEED(r, RV_PAGE_BYTES, "page contents");
        uint8_t *dst = s->page_data + (size_t)i * RV_PAGE_BYTES;
        memcpy(dst, r->p + r->off, RV_PAGE_BYTES);
        r->off += RV_PAGE_BYTES;
        RETURN_ERROR_IF(page_is_zero(dst), CAIRN_ERR_FORMAT,
                        "snapshot page %u: all-zero page stored (not canonical)", i);
    }
    NEED(r, 4, "node count");
    uint32_t nn = g_u32(r);
    size_t need = rv_multiproof_size(s->page_index, np);
    RETURN_ERROR_IF(need == SIZE_MAX, CAIRN_ERR_NOMEM, "no memory to size the multiproof");
    RETURN_ERROR_IF(nn != need, CAIRN_ERR_FORMAT, "snapshot multiproof has %u nodes, its %u pages need %zu", nn,
                    np, need);
    NEED(r, (uint64_t)nn * 32, "multiproof");
    s->nodes = cairn_malloc_array(nn, sizeof *s->nodes);
    if (!s->nodes)
        return cairn_fail_nomem((size_t)nn * sizeof *s->nodes, "snapshot: out of memory for %u multiproof nodes", nn);
    s->nnodes = nn;
    for (uint32_t i = 0; i < nn; i++) FORWARD_IF_ERROR(g_digest(r, &s->nodes[i], "multiproof node"));
    NEED(r, 8, "input length");
    uint64_t il = g_u64(r);
    RETURN_ERROR_IF(il != s->end.input_pos - s->start.input_pos, CAIRN_ERR_FORMAT,
                    "snapshot carries %llu input bytes, its states consume %llu", (unsigned long long)il,
                    (unsigned long long)(s->end.input_pos - s->start.input_pos));
    NEED(r, il, "input bytes");
    s->input = cairn_malloc((size_t)il); /* il <= the snapshot's length (NEED above) */
    if (!s->input) return cairn_fail_nomem((size_t)il, "snapshot: out of memory for the input bytes");
    memcpy(s->input, r->p + r->off, (size_t)il);
    s->input_len = (size_t)il;
    r->off += (size_t)il;
    RETURN_ERROR_IF(r->off != r->n, CAIRN_ERR_FORMAT, "snapshot has %zu trailing bytes", r->n - r->off);
    return CAIRN_OK;
}

cairn_err rv_snapshot_decode(rv_snapshot *out, const uint8_t *buf, size_t len)
{
    memset(out, 0, sizeof *out);
    RETURN_ERROR_IF(!buf && len, CAIRN_ERR_USAGE, "rv_snapshot_decode: NULL buffer");
    rbuf r = {buf, len, 0};
    cairn_err err = decode(out, &r);
    if (err) rv_snapshot_free(out);
    return err;
}
