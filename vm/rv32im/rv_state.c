/* Machine-state digests, the journal chain and image IDs (see rv.h). */
#include <string.h>

#include "common/err.h"
#include "rv_internal.h"

void rv_state_elems(gl_t out[RV_STATE_NELEMS], const rv_state *s)
{
    size_t k = 0;
    out[k++] = RV_STATE_TAG;
    out[k++] = s->pc;
    for (int i = 1; i < 32; i++) out[k++] = s->x[i];
    for (int i = 0; i < P2_DIGEST; i++) out[k++] = s->root.v[i];
    out[k++] = (uint32_t)s->input_pos;
    out[k++] = (uint32_t)(s->input_pos >> 32);
    out[k++] = (uint32_t)s->journal_len;
    out[k++] = (uint32_t)(s->journal_len >> 32);
    for (int i = 0; i < P2_DIGEST; i++) out[k++] = s->journal_chain.v[i];
    for (int i = 0; i < 4; i++) out[k++] = s->journal_tail[i];
    out[k++] = s->halted;
    out[k++] = s->exit_code;
    out[k++] = s->input_eof;
    out[k++] = s->sys_done;
    (void)k;
}

void rv_state_digest(p2_digest *out, const rv_state *s)
{
    gl_t e[RV_STATE_NELEMS];
    rv_state_elems(e, s);
    p2_hash(out, e, RV_STATE_NELEMS);
}

int rv_state_eq(const rv_state *a, const rv_state *b)
{
    gl_t ea[RV_STATE_NELEMS], eb[RV_STATE_NELEMS];
    rv_state_elems(ea, a);
    rv_state_elems(eb, b);
    return !memcmp(ea, eb, sizeof ea) && a->x[0] == b->x[0];
}

void rv_journal_digest(p2_digest *out, const rv_state *s)
{
    gl_t e[P2_DIGEST + 4 + 2];
    for (int i = 0; i < P2_DIGEST; i++) e[i] = s->journal_chain.v[i];
    for (int i = 0; i < 4; i++) e[P2_DIGEST + i] = s->journal_tail[i];
    e[8] = (uint32_t)s->journal_len;
    e[9] = (uint32_t)(s->journal_len >> 32);
    p2_hash(out, e, 10);
}

void rv_digest_bytes(uint8_t out[32], const p2_digest *d)
{
    for (int i = 0; i < P2_DIGEST; i++)
        for (int j = 0; j < 8; j++) out[8 * i + j] = (uint8_t)(d->v[i] >> (8 * j));
}

void rv_journal_append(rv_state *s, const uint8_t *buf, size_t len)
{
    while (len) {
        unsigned pos = (unsigned)(s->journal_len & 15);
        size_t take = 16 - pos < len ? 16 - pos : len;
        for (size_t i = 0; i < take; i++)
            s->journal_tail[(pos + i) / 4] |= (uint32_t)buf[i] << (8 * ((pos + i) % 4));
        s->journal_len += take;
        buf += take;
        len -= take;
        if ((s->journal_len & 15) == 0) {
            p2_digest blk;
            for (int i = 0; i < 4; i++) blk.v[i] = s->journal_tail[i];
            p2_compress(&s->journal_chain, &s->journal_chain, &blk);
            memset(s->journal_tail, 0, sizeof s->journal_tail);
        }
    }
}

void rv_page_digest(p2_digest *out, const uint8_t page[RV_PAGE_BYTES])
{
    gl_t e[RV_PAGE_WORDS];
    for (unsigned i = 0; i < RV_PAGE_WORDS; i++) {
        uint32_t w;
        memcpy(&w, page + 4 * i, 4); /* little-endian host (x86-64) */
        e[i] = w;
    }
    p2_hash(out, e, RV_PAGE_WORDS);
}

void rv_page_digests(p2_digest *out, const uint8_t *const *pages, size_t n, gl_t *work)
{
    for (size_t k = 0; k < n; k++)
        for (unsigned i = 0; i < RV_PAGE_WORDS; i++) {
            uint32_t w;
            memcpy(&w, pages[k] + 4 * i, 4);
            work[k * RV_PAGE_WORDS + i] = w;
        }
    p2_hash_rows(out, work, n, RV_PAGE_WORDS, RV_PAGE_WORDS);
}

const char *rv_fault_name(rv_fault_kind k)
{
    switch (k) {
    case RV_FAULT_NONE: return "none";
    case RV_FAULT_ILLEGAL: return "illegal instruction";
    case RV_FAULT_EBREAK: return "breakpoint (EBREAK)";
    case RV_FAULT_MISALIGNED: return "misaligned address";
    case RV_FAULT_ACCESS: return "access outside guest memory (page 0)";
    }
    return "?";
}

int rv_fault_status(rv_fault_kind k)
{
    switch (k) {
    case RV_FAULT_ILLEGAL:
    case RV_FAULT_EBREAK: return 128 + 4;     /* SIGILL */
    case RV_FAULT_MISALIGNED: return 128 + 7; /* SIGBUS */
    case RV_FAULT_ACCESS: return 128 + 11;    /* SIGSEGV */
    default: return 0;
    }
}
