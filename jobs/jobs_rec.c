/* Record files of a job's record folder: encoding, checked decoding and
 * the checksum (jobs_rec.h). Depends on nothing but common/, so that the
 * fuzz harness (tests/fuzz/fuzz_jobrec.c) builds it alone. */
#include "jobs/jobs_rec.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"

/* CRC-64/XZ, byte-wise with a table built on first use (the reflected
 * ECMA-182 polynomial 0x42f0e1eba9ea3693). */
#define CRC64_POLY_REFLECTED UINT64_C(0xc96c5795d7870f42)

static uint64_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc_table[i] = c;
    }
    __atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint64_t jobs_crc64(uint64_t crc, const void *buf, size_t len)
{
    /* the table is the same whoever builds it: a race only repeats work */
    if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) crc_init();
    const uint8_t *p = buf;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int jobs_rec_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= JOBS_REC_PRESET_BYTES || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* ---- little-endian cursor ---- */

typedef struct {
    uint8_t *p;
} wcur;

static void put_u32(wcur *w, uint32_t v)
{
    for (int i = 0; i < 4; i++) *w->p++ = (uint8_t)(v >> (8 * i));
}

static void put_u64(wcur *w, uint64_t v)
{
    for (int i = 0; i < 8; i++) *w->p++ = (uint8_t)(v >> (8 * i));
}

static void put_bytes(wcur *w, const void *b, size_t n)
{
    if (n) memcpy(w->p, b, n);
    w->p += n;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} rcur;

static int take(rcur *r, size_t n, const uint8_t **out)
{
    if (r->left < n) return 0;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 1;
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t le64(const uint8_t *b)
{
    return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

static int get_u32(rcur *r, uint32_t *v)
{
    const uint8_t *b;
    if (!take(r, 4, &b)) return 0;
    *v = le32(b);
    return 1;
}

static int get_u64(rcur *r, uint64_t *v)
{
    const uint8_t *b;
    if (!take(r, 8, &b)) return 0;
    *v = le64(b);
    return 1;
}

static int get_bytes(rcur *r, void *out, size_t n)
{
    const uint8_t *b;
    if (!take(r, n, &b)) return 0;
    memcpy(out, b, n);
    return 1;
}

/* ---- framing ---- */

/* A buffer for a record of body_len bytes with its header written; *w at
 * the body. */
static cairn_err frame_begin(uint8_t **out, size_t *len, wcur *w, uint32_t kind, uint64_t body_len)
{
    size_t total;
    RETURN_ERROR_IF(body_len > SIZE_MAX - JOBS_REC_HEADER_BYTES - JOBS_REC_TRAILER_BYTES, CAIRN_ERR_USAGE,
                    "record body of %" PRIu64 " bytes is too long", body_len);
    total = (size_t)body_len + JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES;
    uint8_t *b = cairn_malloc(total);
    if (!b) return cairn_fail_nomem(total, "out of memory for a record");
    w->p = b;
    put_bytes(w, JOBS_REC_MAGIC, 8);
    put_u32(w, JOBS_REC_VERSION);
    put_u32(w, kind);
    put_u64(w, body_len);
    *out = b;
    *len = total;
    return CAIRN_OK;
}

static void frame_end(uint8_t *buf, size_t len)
{
    size_t body_end = len - JOBS_REC_TRAILER_BYTES;
    uint64_t crc = jobs_crc64(0, buf, body_end);
    wcur t = {buf + body_end};
    put_u64(&t, crc);
}

/* Checks magic, version, kind, lengths and checksum; *body = the body. */
static cairn_err frame_open(rcur *body, const uint8_t *buf, size_t len, uint32_t want_kind)
{
    RETURN_ERROR_IF(!buf && len, CAIRN_ERR_USAGE, "record bytes are NULL");
    RETURN_ERROR_IF(len < JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES, CAIRN_ERR_FORMAT,
                    "%zu bytes: shorter than a record's header and checksum (%u)", len,
                    JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES);
    RETURN_ERROR_IF(memcmp(buf, JOBS_REC_MAGIC, 8) != 0, CAIRN_ERR_FORMAT, "not a cairn record (bad magic)");
    uint32_t version = le32(buf + 8), kind = le32(buf + 12);
    uint64_t body_len = le64(buf + 16);
    RETURN_ERROR_IF(version != JOBS_REC_VERSION, CAIRN_ERR_UNSUPPORTED,
                    "record format version %u; this build reads version %u", version, JOBS_REC_VERSION);
    RETURN_ERROR_IF(body_len != len - JOBS_REC_HEADER_BYTES - JOBS_REC_TRAILER_BYTES, CAIRN_ERR_FORMAT,
                    "record body length %" PRIu64 " but the record has %zu bytes (%zu of body): truncated or "
                    "extended",
                    body_len, len, len - JOBS_REC_HEADER_BYTES - JOBS_REC_TRAILER_BYTES);
    uint64_t want = le64(buf + len - JOBS_REC_TRAILER_BYTES);
    uint64_t got = jobs_crc64(0, buf, len - JOBS_REC_TRAILER_BYTES);
    RETURN_ERROR_IF(want != got, CAIRN_ERR_CORRUPT, "record checksum mismatch (stored %016" PRIx64 ", computed %016" PRIx64 ")",
                    want, got);
    RETURN_ERROR_IF(kind != want_kind, CAIRN_ERR_FORMAT, "record kind %u, expected %u (%s)", kind, want_kind,
                    want_kind == JOBS_REC_JOB       ? "a job description"
                    : want_kind == JOBS_REC_SEGMENT ? "a segment result"
                    : want_kind == JOBS_REC_FOLD    ? "a fold node"
                                                    : "attempts");
    body->p = buf + JOBS_REC_HEADER_BYTES;
    body->left = (size_t)body_len;
    return CAIRN_OK;
}

/* ---- job description ---- */

#define JOB_FIXED (4u * 6 + JOBS_REC_PRESET_BYTES + 32 + 4 + 32 + 8)

cairn_err jobs_rec_encode_job(uint8_t **out, size_t *len, const jobs_rec_job *j)
{
    RETURN_ERROR_IF(!out || !len || !j, CAIRN_ERR_USAGE, "jobs_rec_encode_job: NULL argument");
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(!memchr(j->preset, 0, sizeof j->preset) || !jobs_rec_name_ok(j->preset), CAIRN_ERR_USAGE,
                    "job record: preset name is not 1..%u characters of [A-Za-z0-9_.-]", JOBS_REC_PRESET_BYTES - 1);
    RETURN_ERROR_IF(j->elf_len > JOBS_REC_MAX_BYTES || (j->elf_len && !j->elf), CAIRN_ERR_USAGE,
                    "job record: ELF of %zu bytes (at most %" PRIu64 ", with its bytes)", j->elf_len,
                    JOBS_REC_MAX_BYTES);
    wcur w = {NULL};
    uint8_t *b = NULL;
    size_t n = 0;
    FORWARD_IF_ERROR(frame_begin(&b, &n, &w, JOBS_REC_JOB, (uint64_t)JOB_FIXED + j->elf_len));
    const uint32_t u[6] = {j->segment_po2, j->log_blowup, j->queries, j->pow_bits, j->log_arity, j->log_final_len};
    for (int i = 0; i < 6; i++) put_u32(&w, u[i]);
    uint8_t preset[JOBS_REC_PRESET_BYTES] = {0};
    memcpy(preset, j->preset, strlen(j->preset));
    put_bytes(&w, preset, sizeof preset);
    put_bytes(&w, j->image_id, 32);
    put_u32(&w, j->entry);
    put_bytes(&w, j->input_digest, 32);
    put_u64(&w, j->elf_len);
    put_bytes(&w, j->elf, j->elf_len);
    frame_end(b, n);
    *out = b;
    *len = n;
    return CAIRN_OK;
}

cairn_err jobs_rec_decode_job(jobs_rec_job *out, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "jobs_rec_decode_job: out is NULL");
    memset(out, 0, sizeof *out);
    rcur r;
    FORWARD_IF_ERROR(frame_open(&r, buf, len, JOBS_REC_JOB));
    uint32_t *u[6] = {&out->segment_po2, &out->log_blowup, &out->queries, &out->pow_bits, &out->log_arity,
                      &out->log_final_len};
    uint64_t elf_len = 0;
    uint8_t preset[JOBS_REC_PRESET_BYTES];
    int ok = 1;
    for (int i = 0; i < 6; i++) ok = ok && get_u32(&r, u[i]);
    ok = ok && get_bytes(&r, preset, sizeof preset) && get_bytes(&r, out->image_id, 32) &&
         get_u32(&r, &out->entry) && get_bytes(&r, out->input_digest, 32) && get_u64(&r, &elf_len);
    RETURN_ERROR_IF(!ok, CAIRN_ERR_FORMAT, "job record: body of %zu bytes is shorter than its fixed fields (%u)",
                    len - JOBS_REC_HEADER_BYTES - JOBS_REC_TRAILER_BYTES, JOB_FIXED);
    /* the name, then only NUL bytes */
    size_t nlen = strnlen((const char *)preset, sizeof preset);
    RETURN_ERROR_IF(nlen == sizeof preset, CAIRN_ERR_FORMAT, "job record: preset name not NUL-terminated");
    for (size_t i = nlen; i < sizeof preset; i++)
        RETURN_ERROR_IF(preset[i] != 0, CAIRN_ERR_FORMAT, "job record: preset field byte %zu after the name is not 0",
                        i);
    memcpy(out->preset, preset, sizeof preset);
    RETURN_ERROR_IF(!jobs_rec_name_ok(out->preset), CAIRN_ERR_FORMAT,
                    "job record: preset name is not 1..%u characters of [A-Za-z0-9_.-]", JOBS_REC_PRESET_BYTES - 1);
    RETURN_ERROR_IF(elf_len > JOBS_REC_MAX_BYTES, CAIRN_ERR_FORMAT, "job record: ELF length %" PRIu64 " over %" PRIu64,
                    elf_len, JOBS_REC_MAX_BYTES);
    RETURN_ERROR_IF(elf_len != r.left, CAIRN_ERR_FORMAT,
                    "job record: ELF length %" PRIu64 " but %zu bytes follow", elf_len, r.left);
    out->elf = elf_len ? r.p : NULL;
    out->elf_len = (size_t)elf_len;
    return CAIRN_OK;
}

/* ---- segment result ---- */

#define SEG_FIXED (8u + 4 + 4 + 8 + 4 + 32 + 32 + 8 + 8 + 8)
#define SEG_FLAG_PROVEN 1u
/* the optional timing tail: exec_ns, start_ns */
#define SEG_TIMING 16u

static int all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

/* What a segment record must satisfy, encoded or decoded. */
static cairn_err seg_check(const jobs_rec_seg *s, cairn_err code)
{
    RETURN_ERROR_IF(s->index >= JOBS_REC_MAX_SEGMENTS, code, "segment record: index %" PRIu64 " (at most %" PRIu64 ")",
                    s->index, JOBS_REC_MAX_SEGMENTS - 1);
    RETURN_ERROR_IF(s->snapshot_len == 0 || s->snapshot_len > JOBS_REC_MAX_BYTES, code,
                    "segment record %" PRIu64 ": snapshot of %zu bytes (1..%" PRIu64 ")", s->index, s->snapshot_len,
                    JOBS_REC_MAX_BYTES);
    if (s->proven) {
        RETURN_ERROR_IF(s->proof_len == 0 || s->proof_len > JOBS_REC_MAX_PROOF_BYTES, code,
                        "segment record %" PRIu64 ": proof of %zu bytes (1..%" PRIu64 ")", s->index, s->proof_len,
                        JOBS_REC_MAX_PROOF_BYTES);
        RETURN_ERROR_IF(s->claim_cycles == 0, code, "segment record %" PRIu64 ": claim of 0 cycles", s->index);
    } else {
        RETURN_ERROR_IF(s->proof_len != 0 || s->rank != 0 || s->task_ns != 0 || s->claim_po2 != 0 ||
                            s->claim_cycles != 0 || !all_zero(s->claim_start, 32) || !all_zero(s->claim_end, 32),
                        code, "segment record %" PRIu64 ": not proven, but proof, rank, time or claim fields are set",
                        s->index);
        RETURN_ERROR_IF(s->start_ns != 0, code,
                        "segment record %" PRIu64 ": not proven, but its task's start time is set", s->index);
    }
    RETURN_ERROR_IF(s->start_ns > UINT64_MAX - s->task_ns, code,
                    "segment record %" PRIu64 ": task start %" PRIu64 " ns + %" PRIu64 " ns is past 2^64", s->index,
                    s->start_ns, s->task_ns);
    return CAIRN_OK;
}

cairn_err jobs_rec_encode_seg(uint8_t **out, size_t *len, const jobs_rec_seg *s)
{
    RETURN_ERROR_IF(!out || !len || !s, CAIRN_ERR_USAGE, "jobs_rec_encode_seg: NULL argument");
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(s->proven != 0 && s->proven != 1, CAIRN_ERR_USAGE, "segment record: proven is %d", s->proven);
    FORWARD_IF_ERROR(seg_check(s, CAIRN_ERR_USAGE));
    RETURN_ERROR_IF(!s->snapshot || (s->proof_len && !s->proof), CAIRN_ERR_USAGE,
                    "segment record %" PRIu64 ": snapshot or proof bytes missing", s->index);
    wcur w = {NULL};
    uint8_t *b = NULL;
    size_t n = 0;
    int timed = s->exec_ns != 0 || s->start_ns != 0;
    FORWARD_IF_ERROR(frame_begin(&b, &n, &w, JOBS_REC_SEGMENT,
                                 (uint64_t)SEG_FIXED + s->snapshot_len + s->proof_len + (timed ? SEG_TIMING : 0)));
    put_u64(&w, s->index);
    put_u32(&w, s->proven ? SEG_FLAG_PROVEN : 0);
    put_u32(&w, s->rank);
    put_u64(&w, s->task_ns);
    put_u32(&w, s->claim_po2);
    put_bytes(&w, s->claim_start, 32);
    put_bytes(&w, s->claim_end, 32);
    put_u64(&w, s->claim_cycles);
    put_u64(&w, s->snapshot_len);
    put_u64(&w, s->proof_len);
    put_bytes(&w, s->snapshot, s->snapshot_len);
    put_bytes(&w, s->proof, s->proof_len);
    if (timed) {
        put_u64(&w, s->exec_ns);
        put_u64(&w, s->start_ns);
    }
    frame_end(b, n);
    *out = b;
    *len = n;
    return CAIRN_OK;
}

cairn_err jobs_rec_decode_seg(jobs_rec_seg *out, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "jobs_rec_decode_seg: out is NULL");
    memset(out, 0, sizeof *out);
    rcur r;
    FORWARD_IF_ERROR(frame_open(&r, buf, len, JOBS_REC_SEGMENT));
    uint32_t flags = 0;
    uint64_t slen = 0, plen = 0;
    int ok = get_u64(&r, &out->index) && get_u32(&r, &flags) && get_u32(&r, &out->rank) &&
             get_u64(&r, &out->task_ns) && get_u32(&r, &out->claim_po2) && get_bytes(&r, out->claim_start, 32) &&
             get_bytes(&r, out->claim_end, 32) && get_u64(&r, &out->claim_cycles) && get_u64(&r, &slen) &&
             get_u64(&r, &plen);
    RETURN_ERROR_IF(!ok, CAIRN_ERR_FORMAT, "segment record: body of %zu bytes is shorter than its fixed fields (%u)",
                    len - JOBS_REC_HEADER_BYTES - JOBS_REC_TRAILER_BYTES, SEG_FIXED);
    RETURN_ERROR_IF(flags & ~SEG_FLAG_PROVEN, CAIRN_ERR_FORMAT, "segment record %" PRIu64 ": unknown flags 0x%x",
                    out->index, flags);
    out->proven = (flags & SEG_FLAG_PROVEN) != 0;
    /* each length on its own first: their sum must not wrap; then nothing
     * or the timing tail */
    RETURN_ERROR_IF(slen > r.left || plen > r.left || slen + plen > r.left ||
                        (r.left - slen - plen != 0 && r.left - slen - plen != SEG_TIMING),
                    CAIRN_ERR_FORMAT,
                    "segment record %" PRIu64 ": snapshot %" PRIu64 " + proof %" PRIu64
                    " bytes, but %zu bytes follow (with or without the %u of timing)",
                    out->index, slen, plen, r.left, SEG_TIMING);
    out->snapshot_len = (size_t)slen;
    out->proof_len = (size_t)plen;
    out->snapshot = r.p;
    out->proof = plen ? r.p + slen : NULL;
    if (r.left - slen - plen == SEG_TIMING) {
        r.p += slen + plen;
        r.left = SEG_TIMING;
        get_u64(&r, &out->exec_ns);
        get_u64(&r, &out->start_ns);
        RETURN_ERROR_IF(!out->exec_ns && !out->start_ns, CAIRN_ERR_FORMAT,
                        "segment record %" PRIu64 ": timing present but both times 0 (unknown times are left out)",
                        out->index);
    }
    FORWARD_IF_ERROR(seg_check(out, CAIRN_ERR_FORMAT));
    return CAIRN_OK;
}

/* ---- attempts ---- */

#define ATTEMPT_BYTES 32u

static cairn_err attempt_check(const jobs_rec_attempt *a, size_t i, cairn_err code)
{
    RETURN_ERROR_IF(a->start_ns == 0, code, "attempts record: attempt %zu has no start time", i);
    RETURN_ERROR_IF(a->used_ns > UINT64_MAX - a->start_ns, code,
                    "attempts record: attempt %zu ends after 2^64 ns (start %" PRIu64 ", used %" PRIu64 ")", i,
                    a->start_ns, a->used_ns);
    return CAIRN_OK;
}

cairn_err jobs_rec_encode_attempts(uint8_t **out, size_t *len, const jobs_rec_attempt *a, size_t n)
{
    RETURN_ERROR_IF(!out || !len || (!a && n), CAIRN_ERR_USAGE, "jobs_rec_encode_attempts: NULL argument");
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(n < 1 || n > JOBS_REC_MAX_ATTEMPTS, CAIRN_ERR_USAGE, "attempts record: %zu attempts, not 1..%u",
                    n, JOBS_REC_MAX_ATTEMPTS);
    for (size_t i = 0; i < n; i++) FORWARD_IF_ERROR(attempt_check(&a[i], i, CAIRN_ERR_USAGE));
    wcur w = {NULL};
    uint8_t *b = NULL;
    size_t total = 0;
    FORWARD_IF_ERROR(frame_begin(&b, &total, &w, JOBS_REC_ATTEMPTS, 8 + (uint64_t)n * ATTEMPT_BYTES));
    put_u64(&w, n);
    for (size_t i = 0; i < n; i++) {
        put_u64(&w, a[i].slurm_job_id);
        put_u64(&w, a[i].restart_count);
        put_u64(&w, a[i].start_ns);
        put_u64(&w, a[i].used_ns);
    }
    frame_end(b, total);
    *out = b;
    *len = total;
    return CAIRN_OK;
}

cairn_err jobs_rec_decode_attempts(jobs_rec_attempt *out, size_t *n, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(!out || !n, CAIRN_ERR_USAGE, "jobs_rec_decode_attempts: NULL argument");
    *n = 0;
    rcur r;
    FORWARD_IF_ERROR(frame_open(&r, buf, len, JOBS_REC_ATTEMPTS));
    uint64_t count = 0;
    RETURN_ERROR_IF(!get_u64(&r, &count), CAIRN_ERR_FORMAT, "attempts record: no count");
    RETURN_ERROR_IF(count < 1 || count > JOBS_REC_MAX_ATTEMPTS, CAIRN_ERR_FORMAT,
                    "attempts record: count %" PRIu64 " not 1..%u", count, JOBS_REC_MAX_ATTEMPTS);
    RETURN_ERROR_IF(r.left != count * ATTEMPT_BYTES, CAIRN_ERR_FORMAT,
                    "attempts record: %zu bytes for %" PRIu64 " attempts of %u", r.left, count, ATTEMPT_BYTES);
    for (size_t i = 0; i < (size_t)count; i++) {
        jobs_rec_attempt *a = &out[i];
        get_u64(&r, &a->slurm_job_id);
        get_u64(&r, &a->restart_count);
        get_u64(&r, &a->start_ns);
        get_u64(&r, &a->used_ns);
        FORWARD_IF_ERROR(attempt_check(a, i, CAIRN_ERR_FORMAT));
    }
    *n = (size_t)count;
    return CAIRN_OK;
}

/* ---- fold node ---- */

#define FOLD_FIXED (4u + 4 + 8 + 8 * JOBS_REC_FOLD_CLAIM + 8 + 8)
/* Goldilocks: claim elements are canonical field elements */
#define FOLD_P UINT64_C(0xffffffff00000001)

static cairn_err fold_check(const jobs_rec_fold *f, cairn_err code)
{
    RETURN_ERROR_IF(f->level > JOBS_REC_MAX_FOLD_LEVEL, code, "fold record: level %u (0..%u)", f->level,
                    JOBS_REC_MAX_FOLD_LEVEL);
    RETURN_ERROR_IF(f->kind >= JOBS_REC_FOLD_KINDS || (f->level == 0 && f->kind != 0 && f->kind < JOBS_REC_FOLD_TAIL0),
                    code,
                    "fold record: kind %u at level %u", f->kind, f->level);
    RETURN_ERROR_IF(f->index >= JOBS_REC_MAX_SEGMENTS, code, "fold record: index %" PRIu64, f->index);
    for (unsigned i = 0; i < JOBS_REC_FOLD_CLAIM; i++)
        RETURN_ERROR_IF(f->claim[i] >= FOLD_P, code, "fold record: claim element %u is not a field element", i);
    RETURN_ERROR_IF(f->proof_len == 0 || f->proof_len > JOBS_REC_MAX_PROOF_BYTES, code,
                    "fold record: proof length %zu (1..%" PRIu64 ")", f->proof_len, JOBS_REC_MAX_PROOF_BYTES);
    return CAIRN_OK;
}

cairn_err jobs_rec_encode_fold(uint8_t **out, size_t *len, const jobs_rec_fold *f)
{
    RETURN_ERROR_IF(!out || !len || !f || !f->proof, CAIRN_ERR_USAGE, "jobs_rec_encode_fold: NULL argument");
    *out = NULL;
    *len = 0;
    FORWARD_IF_ERROR(fold_check(f, CAIRN_ERR_USAGE));
    wcur w = {NULL};
    uint8_t *b = NULL;
    size_t total = 0;
    FORWARD_IF_ERROR(frame_begin(&b, &total, &w, JOBS_REC_FOLD, FOLD_FIXED + (uint64_t)f->proof_len));
    put_u32(&w, f->level);
    put_u32(&w, f->kind);
    put_u64(&w, f->index);
    for (unsigned i = 0; i < JOBS_REC_FOLD_CLAIM; i++) put_u64(&w, f->claim[i]);
    put_u64(&w, f->task_ns);
    put_u64(&w, f->proof_len);
    put_bytes(&w, f->proof, f->proof_len);
    frame_end(b, total);
    *out = b;
    *len = total;
    return CAIRN_OK;
}

cairn_err jobs_rec_decode_fold(jobs_rec_fold *out, const uint8_t *buf, size_t len)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "jobs_rec_decode_fold: NULL argument");
    memset(out, 0, sizeof *out);
    rcur r;
    FORWARD_IF_ERROR(frame_open(&r, buf, len, JOBS_REC_FOLD));
    RETURN_ERROR_IF(r.left < FOLD_FIXED, CAIRN_ERR_FORMAT, "fold record: %zu body bytes, at least %u", r.left,
                    FOLD_FIXED);
    uint64_t plen = 0;
    get_u32(&r, &out->level);
    get_u32(&r, &out->kind);
    get_u64(&r, &out->index);
    for (unsigned i = 0; i < JOBS_REC_FOLD_CLAIM; i++) get_u64(&r, &out->claim[i]);
    get_u64(&r, &out->task_ns);
    get_u64(&r, &plen);
    RETURN_ERROR_IF(plen != r.left, CAIRN_ERR_FORMAT, "fold record: proof length %" PRIu64 " but %zu bytes follow",
                    plen, r.left);
    out->proof = r.p;
    out->proof_len = (size_t)plen;
    return fold_check(out, CAIRN_ERR_FORMAT);
}
