/* libFuzzer harness for the exported final proof's parser
 * (recursion/rc_export.h): arbitrary bytes must parse or be refused,
 * never crash or read out of bounds, and whatever parses must re-encode
 * to exactly the same bytes (the encoding is canonical).
 *
 * Input modes (first byte):
 *   bit 0 clear: the bytes after it are the file;
 *   bit 0 set:   a valid template file (bit 1: with an empty journal),
 *                bytes 1..2 say where to start XORing the rest onto it,
 *                and bit 3 truncates it there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#include "recursion/rc_export.h"

static uint8_t *g_tmpl[2];
static size_t g_tlen[2];

static void make_templates(void)
{
    static uint8_t journal[40], proof[300];
    for (size_t i = 0; i < sizeof journal; i++) journal[i] = (uint8_t)('a' + i % 26);
    for (size_t i = 0; i < sizeof proof; i++) proof[i] = (uint8_t)(i * 37 + 11);
    rc_export e;
    memset(&e, 0, sizeof e);
    e.kind = 1;
    e.po2 = 10;
    strcpy(e.seg_preset, "test");
    strcpy(e.rc_preset, "test");
    strcpy(e.shape, "rc-test");
    for (int i = 0; i < 4; i++) e.ctrl[i] = e.claim[i] = UINT64_C(0x1111) * (i + 1);
    for (unsigned i = 4; i < RC_EXPORT_CLAIM; i++) e.claim[i] = i * 1000;
    for (unsigned i = 0; i < RC_EXPORT_STATE; i++) e.state[i] = i;
    e.journal = journal;
    e.journal_len = sizeof journal;
    e.proof = proof;
    e.proof_len = sizeof proof;
    if (rc_export_encode(&g_tmpl[0], &g_tlen[0], &e) != CAIRN_OK) abort();
    e.journal = NULL;
    e.journal_len = 0;
    if (rc_export_encode(&g_tmpl[1], &g_tlen[1], &e) != CAIRN_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_tmpl[0]) make_templates();
    if (size == 0) return 0;
    size_t n;
    const unsigned t = (data[0] >> 1) & 1u;
    uint8_t *exact = fuzz_input(&n, data, size, g_tmpl[t], g_tlen[t], data[0] & 8);
    rc_export e;
    if (rc_export_parse(&e, exact, n) == CAIRN_OK) {
        uint8_t *enc;
        size_t m;
        if (rc_export_encode(&enc, &m, &e) != CAIRN_OK || m != n || memcmp(enc, exact, n)) abort();
        free(enc);
    }
    free(exact);
    return 0;
}
