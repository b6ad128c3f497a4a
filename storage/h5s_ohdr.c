/* Object headers checked before libhdf5 decodes them (h5s_int.h).
 *
 * libhdf5 1.10 trusts the lengths inside object header messages: a link
 * name longer than its message, an attribute whose data runs past its
 * message, a datatype whose precision exceeds its size, a link-info
 * message naming a fractal heap but no B-tree, ... make it read or free
 * out of bounds (found by tests/fuzz/fuzz_h5.c with checksums recomputed
 * after each edit, i.e. files crafted on purpose). The checksums only
 * catch accidental damage. So before HDF5 touches an object's header, the
 * reader parses it here and refuses anything outside what cairn writes:
 *
 * - version 2 object headers ("OHDR", HDF5 1.8 formats) and their "OCHK"
 *   continuation chunks, checksums verified, every chunk inside the file,
 *   no chunk visited twice, at most MAX_CHUNKS of them;
 * - only the message types cairn's files hold (dataspace, link info,
 *   datatype, fill value, link, layout, group info, filter pipeline,
 *   attribute, continuation, modification time, attribute info, reference
 *   count, NIL), none shared, each parsed completely within its size:
 *   integers with precision = 8 x size and offset 0, fixed strings;
 *   version 2 dataspaces of rank <= 32; attribute data of exactly the
 *   size its datatype and dataspace give; layout version 3 with addresses
 *   inside the file; filters shuffle, Fletcher32 and zstd only; link and
 *   attribute info that name no fractal heap or v2 B-tree: cairn keeps
 *   links and attributes in the header (h5s.h, "Compact storage only"),
 *   so dense storage, whose blocks lie outside any header checked here,
 *   is refused as damage.
 *
 * Not checked (see h5s.h, "The reader"): the chunk index (v1 B-tree)
 * beyond its address. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/h5s_int.h"
#include "storage/h5zstd.h"

/* Chunks of one header: cairn's have a handful, but a header grown one
 * message at a time gets a chunk per message: /run with its
 * H5S_MAX_RUN_VALUES attributes, /segments past 16 groups (h5s.h). */
#define MAX_CHUNKS 2048
/* Bytes in one header chunk: cairn's are a few hundred. */
#define MAX_CHUNK_BYTES ((uint64_t)1 << 20)
#define ADDR_UNDEF UINT64_MAX
/* Message types (HDF5 file format specification, "Header Message Types") */
enum {
    MSG_NIL = 0x00, MSG_DATASPACE = 0x01, MSG_LINFO = 0x02, MSG_DTYPE = 0x03, MSG_FILL = 0x05, MSG_LINK = 0x06,
    MSG_LAYOUT = 0x08, MSG_GINFO = 0x0a, MSG_PLINE = 0x0b, MSG_ATTR = 0x0c, MSG_CONT = 0x10, MSG_MTIME = 0x12,
    MSG_AINFO = 0x15, MSG_REFCOUNT = 0x16,
};

/* A bounded cursor over bytes already in memory. */
typedef struct {
    const uint8_t *p;
    size_t n;
} cur;

static int take(cur *c, size_t k, const uint8_t **out)
{
    if (c->n < k) return 0;
    if (out) *out = c->p;
    c->p += k;
    c->n -= k;
    return 1;
}

static int getn(cur *c, size_t k, uint64_t *v)
{
    const uint8_t *b;
    if (!take(c, k, &b)) return 0;
    *v = 0;
    for (size_t i = 0; i < k; i++) *v |= (uint64_t)b[i] << (8 * i);
    return 1;
}

typedef struct {
    const h5s_raw *raw;
    const char *what;
    uint64_t addr; /* of the header */
    size_t nchunks, cap;
    uint64_t *chunk, *chunk_len; /* cap entries each, grown up to MAX_CHUNKS */
    size_t next; /* chunks before this one are checked */
} walk;

#define BAD(w, ...) bad((w), CAIRN_ERR_FORMAT, __VA_ARGS__)

static cairn_err bad(const walk *w, cairn_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cairn_err bad(const walk *w, cairn_err code, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cairn_fail(code, "%s%sobject header at 0x%" PRIx64 ": %s", w->what, *w->what ? ": " : "", w->addr, msg);
}

/* An address field: undefined, or inside the file past the superblock. */
static int addr_ok(const walk *w, uint64_t a)
{
    return a == ADDR_UNDEF || (a >= H5S_SUPERBLOCK_BYTES && a < w->raw->eof);
}

/* ---- messages ------------------------------------------------------------ */

/* Dataspace, version 2: *nelem gets the number of elements. */
static cairn_err check_dataspace(const walk *w, cur c, uint64_t *nelem)
{
    uint64_t version, rank, flags, type;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &rank) || !getn(&c, 1, &flags) || !getn(&c, 1, &type))
        return BAD(w, "dataspace message too short");
    if (version != 2) return BAD(w, "dataspace message version %" PRIu64 " (cairn writes version 2)", version);
    if (rank > 32 || type > 2 || (flags & ~1u) || (type != 1 && rank != 0))
        return BAD(w, "dataspace of rank %" PRIu64 ", type %" PRIu64 ", flags 0x%" PRIx64, rank, type, flags);
    uint64_t n = type == 0 ? 1 : type == 1 ? 1 : 0;
    for (uint64_t i = 0; i < rank; i++) {
        uint64_t d;
        if (!getn(&c, 8, &d)) return BAD(w, "dataspace message too short for rank %" PRIu64, rank);
        /* no more elements than 2^62: products below cannot wrap */
        n = (d && n > ((uint64_t)1 << 62) / d) ? ((uint64_t)1 << 62) + 1 : n * d;
    }
    if ((flags & 1) && !take(&c, 8 * rank, NULL)) return BAD(w, "dataspace message too short for its maximum sizes");
    if (n > ((uint64_t)1 << 62)) return BAD(w, "dataspace of more than 2^62 elements");
    *nelem = n;
    return CAIRN_OK;
}

/* Datatype: the integers and fixed-length strings cairn writes; *size
 * gets the element size. */
static cairn_err check_datatype(const walk *w, cur c, uint64_t *size)
{
    uint64_t cv, bits, sz;
    if (!getn(&c, 1, &cv) || !getn(&c, 3, &bits) || !getn(&c, 4, &sz)) return BAD(w, "datatype message too short");
    unsigned cls = cv & 15, version = (unsigned)(cv >> 4);
    if (version < 1 || version > 3) return BAD(w, "datatype version %u", version);
    if (cls == 0) { /* fixed-point */
        uint64_t offset, precision;
        if (!getn(&c, 2, &offset) || !getn(&c, 2, &precision)) return BAD(w, "integer datatype message too short");
        if ((sz != 1 && sz != 2 && sz != 4 && sz != 8) || offset != 0 || precision != 8 * sz)
            return BAD(w, "integer of %" PRIu64 " bytes with %" PRIu64 " bits at bit %" PRIu64
                          " (cairn writes whole 1-, 2-, 4- and 8-byte integers)", sz, precision, offset);
    } else if (cls == 3) { /* string */
        if (sz == 0 || sz > MAX_CHUNK_BYTES) return BAD(w, "string of %" PRIu64 " bytes", sz);
    } else {
        return BAD(w, "datatype class %u (cairn writes integers and strings only)", cls);
    }
    *size = sz;
    return CAIRN_OK;
}

static cairn_err check_attribute(const walk *w, cur c)
{
    uint64_t version, flags, name_len, dt_len, ds_len, cset;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &flags) || !getn(&c, 2, &name_len) || !getn(&c, 2, &dt_len) ||
        !getn(&c, 2, &ds_len))
        return BAD(w, "attribute message too short");
    if (version < 1 || version > 3) return BAD(w, "attribute message version %" PRIu64, version);
    if (version >= 2 && flags) return BAD(w, "attribute with shared type or space (flags 0x%" PRIx64 ")", flags);
    if (version == 3 && !getn(&c, 1, &cset)) return BAD(w, "attribute message too short");
    /* version 1 pads name, datatype and dataspace to multiples of 8 */
    size_t pad = version == 1 ? 7 : 0;
    const uint8_t *name, *dt, *ds;
    if (name_len < 2 || !take(&c, (name_len + pad) & ~pad, &name) || name[name_len - 1] != 0 ||
        memchr(name, 0, name_len - 1))
        return BAD(w, "attribute name of %" PRIu64 " bytes does not fit its message", name_len);
    if (!take(&c, (dt_len + pad) & ~pad, &dt) || !take(&c, (ds_len + pad) & ~pad, &ds))
        return BAD(w, "attribute '%.40s': datatype and dataspace do not fit its message", (const char *)name);
    uint64_t esize, nelem;
    FORWARD_IF_ERROR(check_datatype(w, (cur){dt, dt_len}, &esize));
    FORWARD_IF_ERROR(check_dataspace(w, (cur){ds, ds_len}, &nelem));
    /* HDF5 reads nelem x esize bytes of data after them */
    if (nelem > MAX_CHUNK_BYTES || nelem * esize > c.n)
        return BAD(w, "attribute '%.40s': %" PRIu64 " elements of %" PRIu64 " bytes, %zu bytes of data",
                   (const char *)name, nelem, esize, c.n);
    return CAIRN_OK;
}

static cairn_err check_link(const walk *w, cur c)
{
    uint64_t version, flags, type = 0, len;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &flags)) return BAD(w, "link message too short");
    if (version != 1 || (flags & ~0x1fu))
        return BAD(w, "link message version %" PRIu64 ", flags 0x%" PRIx64, version, flags);
    if ((flags & 8) && !getn(&c, 1, &type)) return BAD(w, "link message too short");
    if ((flags & 4) && !take(&c, 8, NULL)) return BAD(w, "link message too short");
    if ((flags & 16) && !take(&c, 1, NULL)) return BAD(w, "link message too short");
    if (!getn(&c, (size_t)1 << (flags & 3), &len) || len == 0 || !take(&c, len, NULL))
        return BAD(w, "link name does not fit its message");
    if (type == 0) {
        uint64_t a;
        if (!getn(&c, 8, &a) || a == ADDR_UNDEF || !addr_ok(w, a))
            return BAD(w, "hard link to an address outside the file");
    } else if (type == 1 || type == 64) { /* soft, external: the reader refuses to follow them */
        if (!getn(&c, 2, &len) || !take(&c, len, NULL)) return BAD(w, "link value does not fit its message");
    } else {
        return BAD(w, "link of type %" PRIu64 " (cairn writes hard links)", type);
    }
    return CAIRN_OK;
}

/* Link info and attribute info: where dense storage would be. */
static cairn_err check_dense_info(const walk *w, cur c, int is_link)
{
    const char *kind = is_link ? "link info" : "attribute info";
    uint64_t version, flags, heap, name_bt, order_bt = ADDR_UNDEF;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &flags)) return BAD(w, "%s message too short", kind);
    if (version != 0 || (flags & ~3u))
        return BAD(w, "%s message version %" PRIu64 ", flags 0x%" PRIx64, kind, version, flags);
    if ((flags & 1) && !take(&c, is_link ? 8 : 2, NULL)) return BAD(w, "%s message too short", kind);
    if (!getn(&c, 8, &heap) || !getn(&c, 8, &name_bt) || ((flags & 2) && !getn(&c, 8, &order_bt)))
        return BAD(w, "%s message too short", kind);
    int undef = heap == ADDR_UNDEF;
    /* HDF5 opens the B-trees whenever the heap is defined */
    if (!addr_ok(w, heap) || !addr_ok(w, name_bt) || !addr_ok(w, order_bt) || (name_bt == ADDR_UNDEF) != undef ||
        ((flags & 2) && (order_bt == ADDR_UNDEF) != undef))
        return BAD(w, "%s: dense storage addresses 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 " are not all in the file",
                   kind, heap, name_bt, order_bt);
    /* cairn writes every link and attribute into the header, which is
     * checked here; a heap and B-trees would be read unchecked */
    if (!undef)
        return bad(w, CAIRN_ERR_CORRUPT, "%s in dense storage (fractal heap at 0x%" PRIx64
                   "; cairn keeps them in the object header)", is_link ? "links" : "attributes", heap);
    return CAIRN_OK;
}

static cairn_err check_layout(const walk *w, cur c)
{
    uint64_t version, cls, a, len, rank = 0;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &cls)) return BAD(w, "layout message too short");
    if (version != 3) return BAD(w, "layout message version %" PRIu64 " (cairn writes version 3)", version);
    if (cls == 0) { /* compact */
        if (!getn(&c, 2, &len) || !take(&c, len, NULL)) return BAD(w, "compact data does not fit its message");
    } else if (cls == 1) { /* contiguous */
        if (!getn(&c, 8, &a) || !getn(&c, 8, &len)) return BAD(w, "layout message too short");
        if (a != ADDR_UNDEF && (!addr_ok(w, a) || len > w->raw->eof - a))
            return BAD(w, "contiguous data of %" PRIu64 " bytes at 0x%" PRIx64 " outside the file", len, a);
    } else if (cls == 2) { /* chunked: rank + 1 dimensions, the last the element size */
        if (!getn(&c, 1, &rank) || rank < 2 || rank > 33 || !getn(&c, 8, &a) || !addr_ok(w, a))
            return BAD(w, "chunked layout of %" PRIu64 " dimensions or its index outside the file", rank);
        for (uint64_t i = 0; i < rank; i++) {
            uint64_t d;
            if (!getn(&c, 4, &d) || d == 0) return BAD(w, "chunk dimension %" PRIu64 " missing or zero", i);
        }
    } else {
        return BAD(w, "layout class %" PRIu64, cls);
    }
    return CAIRN_OK;
}

static cairn_err check_pipeline(const walk *w, cur c)
{
    uint64_t version, n;
    if (!getn(&c, 1, &version) || !getn(&c, 1, &n)) return BAD(w, "filter pipeline message too short");
    if ((version != 1 && version != 2) || n > 32)
        return BAD(w, "filter pipeline version %" PRIu64 " with %" PRIu64 " filters", version, n);
    if (version == 1 && !take(&c, 6, NULL)) return BAD(w, "filter pipeline message too short");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id, name_len = 0, flags, ncd;
        if (!getn(&c, 2, &id) || ((version == 1 || id >= 256) && !getn(&c, 2, &name_len)) || !getn(&c, 2, &flags) ||
            !getn(&c, 2, &ncd))
            return BAD(w, "filter pipeline message too short");
        /* shuffle (2), Fletcher32 (3) and zstd: what cairn's writer sets */
        if (id != 2 && id != 3 && id != H5S_ZSTD_FILTER_ID)
            return BAD(w, "filter %" PRIu64 " (cairn writes shuffle, Fletcher32, zstd)", id);
        if (ncd > 16) return BAD(w, "filter %" PRIu64 " with %" PRIu64 " parameters", id, ncd);
        if (version == 1) name_len = (name_len + 7) & ~(uint64_t)7;
        if (!take(&c, name_len, NULL) || !take(&c, 4 * ncd, NULL) || (version == 1 && (ncd & 1) && !take(&c, 4, NULL)))
            return BAD(w, "filter %" PRIu64 " does not fit its message", id);
    }
    return CAIRN_OK;
}

static cairn_err check_fill(const walk *w, cur c)
{
    uint64_t version, flags, size;
    if (!getn(&c, 1, &version)) return BAD(w, "fill value message too short");
    if (version == 3) {
        if (!getn(&c, 1, &flags)) return BAD(w, "fill value message too short");
        if ((flags & 0x20) && (!getn(&c, 4, &size) || !take(&c, size, NULL)))
            return BAD(w, "fill value does not fit its message");
    } else if (version == 2) {
        uint64_t defined;
        if (!take(&c, 2, NULL) || !getn(&c, 1, &defined)) return BAD(w, "fill value message too short");
        if (defined && (!getn(&c, 4, &size) || !take(&c, size, NULL)))
            return BAD(w, "fill value does not fit its message");
    } else {
        return BAD(w, "fill value message version %" PRIu64, version);
    }
    return CAIRN_OK;
}

static cairn_err check_message(walk *w, unsigned type, unsigned mflags, cur c)
{
    if (mflags & 2) return BAD(w, "shared message of type 0x%x (cairn writes none)", type);
    switch (type) {
    case MSG_NIL: return CAIRN_OK;
    case MSG_DATASPACE: {
        uint64_t n;
        return check_dataspace(w, c, &n);
    }
    case MSG_DTYPE: {
        uint64_t s;
        return check_datatype(w, c, &s);
    }
    case MSG_LINFO: return check_dense_info(w, c, 1);
    case MSG_AINFO: return check_dense_info(w, c, 0);
    case MSG_FILL: return check_fill(w, c);
    case MSG_LINK: return check_link(w, c);
    case MSG_LAYOUT: return check_layout(w, c);
    case MSG_PLINE: return check_pipeline(w, c);
    case MSG_ATTR: return check_attribute(w, c);
    case MSG_GINFO: {
        uint64_t version, flags;
        if (!getn(&c, 1, &version) || !getn(&c, 1, &flags) || version != 0 || (flags & ~3u) ||
            ((flags & 1) && !take(&c, 4, NULL)) || ((flags & 2) && !take(&c, 4, NULL)))
            return BAD(w, "group info message malformed");
        return CAIRN_OK;
    }
    case MSG_MTIME:
    case MSG_REFCOUNT:
        return c.n >= 5 ? CAIRN_OK : BAD(w, "message of type 0x%x too short", type);
    case MSG_CONT: {
        uint64_t a, len;
        if (!getn(&c, 8, &a) || !getn(&c, 8, &len)) return BAD(w, "continuation message too short");
        if (a == ADDR_UNDEF || !addr_ok(w, a) || len < 8 || len > MAX_CHUNK_BYTES || len > w->raw->eof - a)
            return BAD(w, "continuation chunk of %" PRIu64 " bytes at 0x%" PRIx64 " outside the file", len, a);
        for (size_t i = 0; i < w->nchunks; i++)
            if (w->chunk[i] == a) return BAD(w, "continuation chunk at 0x%" PRIx64 " listed twice", a);
        if (w->nchunks == MAX_CHUNKS) return BAD(w, "more than %d chunks", MAX_CHUNKS);
        if (w->nchunks == w->cap) {
            size_t cap = 2 * w->cap;
            uint64_t *c = realloc(w->chunk, cap * sizeof *c), *l = c ? realloc(w->chunk_len, cap * sizeof *l) : NULL;
            if (c) w->chunk = c;
            if (!l) return cairn_fail(CAIRN_ERR_NOMEM, "%s: out of memory", w->what);
            w->chunk_len = l;
            w->cap = cap;
        }
        w->chunk[w->nchunks] = a;
        w->chunk_len[w->nchunks++] = len;
        return CAIRN_OK;
    }
    default: return BAD(w, "message type 0x%x (not in cairn's files)", type);
    }
}

/* The messages of one chunk; `corder`: each carries a creation index. */
static cairn_err check_messages(walk *w, cur c, int corder)
{
    size_t hdr = corder ? 6 : 4;
    while (c.n >= hdr) {
        uint64_t type, size, mflags;
        getn(&c, 1, &type);
        getn(&c, 2, &size);
        getn(&c, 1, &mflags);
        if (corder) take(&c, 2, NULL);
        const uint8_t *body;
        if (!take(&c, size, &body))
            return BAD(w, "message of type 0x%" PRIx64 " (%" PRIu64 " bytes) runs past its chunk", type, size);
        FORWARD_IF_ERROR(check_message(w, (unsigned)type, (unsigned)mflags, (cur){body, size}));
    }
    /* what is left is a gap too small for a message: HDF5 skips it */
    return CAIRN_OK;
}

/* Reads [a, a + len) and checks the lookup3 checksum in its last 4 bytes. */
static cairn_err read_chunk(const walk *w, uint64_t a, uint64_t len, const char *sig, uint8_t **out)
{
    *out = NULL;
    if (len < 8 || len > MAX_CHUNK_BYTES || a > w->raw->eof || len > w->raw->eof - a)
        return BAD(w, "chunk of %" PRIu64 " bytes at 0x%" PRIx64 " outside the file", len, a);
    uint8_t *b = malloc(len);
    if (!b) return cairn_fail(CAIRN_ERR_NOMEM, "%s: out of memory", w->what);
    if (h5s_raw_read(w->raw, a, b, len) != 0) {
        free(b);
        return bad(w, CAIRN_ERR_IO, "cannot read %" PRIu64 " bytes at 0x%" PRIx64, len, a);
    }
    if (memcmp(b, sig, 4) != 0) {
        free(b);
        return BAD(w, "no %s signature at 0x%" PRIx64 " (cairn writes HDF5 1.8 object headers)", sig, a);
    }
    uint32_t want = (uint32_t)b[len - 4] | (uint32_t)b[len - 3] << 8 | (uint32_t)b[len - 2] << 16 |
                    (uint32_t)b[len - 1] << 24;
    if (h5s_lookup3(b, len - 4, 0) != want) {
        free(b);
        return bad(w, CAIRN_ERR_CORRUPT, "checksum mismatch in the %s chunk at 0x%" PRIx64, sig, a);
    }
    *out = b;
    return CAIRN_OK;
}

static cairn_err check_header(walk *w)
{
    /* the prefix: signature, version, flags, optional times and attribute
     * phase change values, then the size of chunk 0 in 1..8 bytes */
    uint8_t pre[34];
    uint64_t a = w->addr, avail = w->raw->eof > a ? w->raw->eof - a : 0;
    size_t plen = avail < sizeof pre ? (size_t)avail : sizeof pre;
    if (a < H5S_SUPERBLOCK_BYTES || plen < 11 || h5s_raw_read(w->raw, a, pre, plen) != 0)
        return BAD(w, "outside the file");
    if (memcmp(pre, "OHDR", 4) != 0 || pre[4] != 2)
        return BAD(w, "not a version 2 object header (cairn writes HDF5 1.8 object headers)");
    unsigned flags = pre[5];
    if (flags & 0xc0) return BAD(w, "object header flags 0x%x", flags);
    cur c = {pre + 6, plen - 6};
    if ((flags & 0x20) && !take(&c, 16, NULL)) return BAD(w, "object header too short");
    if ((flags & 0x10) && !take(&c, 4, NULL)) return BAD(w, "object header too short");
    uint64_t size0;
    if (!getn(&c, (size_t)1 << (flags & 3), &size0)) return BAD(w, "object header too short");
    uint64_t prefix = (uint64_t)(c.p - pre);
    if (size0 > MAX_CHUNK_BYTES) return BAD(w, "first chunk of %" PRIu64 " bytes", size0);
    uint8_t *b;
    FORWARD_IF_ERROR(read_chunk(w, a, prefix + size0 + 4, "OHDR", &b));
    w->chunk[0] = a;
    w->chunk_len[0] = prefix + size0 + 4;
    w->nchunks = 1;
    cairn_err err = check_messages(w, (cur){b + prefix, size0}, flags & 4);
    free(b);
    /* continuation chunks, in the order their messages were found */
    for (w->next = 1; err == CAIRN_OK && w->next < w->nchunks; w->next++) {
        uint64_t ca = w->chunk[w->next], len = w->chunk_len[w->next];
        if ((err = read_chunk(w, ca, len, "OCHK", &b)) != CAIRN_OK) break;
        err = check_messages(w, (cur){b + 4, len - 8}, flags & 4);
        free(b);
    }
    return err;
}

cairn_err h5s_check_object_raw(const h5s_raw *raw, uint64_t addr, const char *what)
{
    walk *w = calloc(1, sizeof *w);
    if (!w) return cairn_fail(CAIRN_ERR_NOMEM, "%s: out of memory", what);
    w->raw = raw;
    w->what = what;
    w->addr = addr;
    w->cap = 16;
    w->chunk = malloc(w->cap * sizeof *w->chunk);
    w->chunk_len = malloc(w->cap * sizeof *w->chunk_len);
    cairn_err err = w->chunk && w->chunk_len ? check_header(w) : cairn_fail(CAIRN_ERR_NOMEM, "%s: out of memory", what);
    free(w->chunk);
    free(w->chunk_len);
    free(w);
    return err;
}

cairn_err h5s_check_object(hid_t loc, uint64_t addr, const char *what)
{
    h5s_raw raw;
    if (h5s_raw_of(loc, &raw) != 0) return CAIRN_OK; /* not a file the reader opened */
    return h5s_check_object_raw(&raw, addr, what);
}
