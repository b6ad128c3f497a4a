/* libFuzzer harness for the snapshot parser (vm/rv32im/rv_snapshot.c):
 * whatever decodes must re-encode to exactly the same bytes (the encoding
 * is canonical). Half of the inputs are XORed onto a structurally valid
 * snapshot so that the fuzzer reaches the page, multiproof and input
 * checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv32im/rv.h"

static uint8_t *g_tmpl;
static size_t g_tlen;

static void make_template(void)
{
    static uint32_t idx[3] = {0x40, 0x41, 0x300};
    static uint8_t pages[3 * RV_PAGE_BYTES];
    static uint8_t input[5] = {1, 2, 3, 4, 5};
    static p2_digest nodes[64];
    rv_snapshot s;
    memset(&s, 0, sizeof s);
    s.segment_po2 = 10;
    s.cycles = 1024;
    s.start.pc = 0x10000;
    s.end.pc = 0x10040;
    s.end.input_pos = 5;
    s.end.journal_len = 3;
    s.end.journal_tail[0] = 0x636261;
    s.npages = 3;
    s.page_index = idx;
    pages[5] = 7;
    pages[2 * RV_PAGE_BYTES + 9] = 1;
    s.page_data = pages;
    s.nnodes = rv_multiproof_size(idx, 3);
    for (size_t i = 0; i < s.nnodes && i < 64; i++) nodes[i].v[0] = i + 1;
    s.nodes = nodes;
    s.input_len = 5;
    s.input = input;
    if (s.nnodes > 64 || rv_snapshot_encode(&g_tmpl, &g_tlen, &s) != CAIRN_OK) abort();
}

static void check(const uint8_t *buf, size_t len)
{
    rv_snapshot s;
    if (rv_snapshot_decode(&s, buf, len) != CAIRN_OK) return;
    uint8_t *enc;
    size_t elen;
    if (rv_snapshot_encode(&enc, &elen, &s) != CAIRN_OK) abort();
    if (elen != len || memcmp(enc, buf, len)) abort();
    free(enc);
    rv_snapshot_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tmpl) make_template();
    if (size > 0 && (data[0] & 1)) {
        uint8_t *b = malloc(g_tlen);
        memcpy(b, g_tmpl, g_tlen);
        /* data[1..2]: where to start XORing; the rest: the XOR pattern */
        size_t at = size > 2 ? ((size_t)data[1] | (size_t)data[2] << 8) % g_tlen : 0;
        for (size_t i = 3; i < size; i++) b[(at + i - 3) % g_tlen] ^= data[i];
        check(b, g_tlen);
        if (size > 3) check(b, (at + size) % g_tlen); /* truncated */
        free(b);
    } else {
        uint8_t *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        check(copy, size);
        free(copy);
    }
    return 0;
}
