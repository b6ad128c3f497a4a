/* The bytes one iteration of a template-based harness parses (fuzz_msg,
 * fuzz_jobrec, fuzz_rc_export): with bit 0 of data[0] set, the template
 * tmpl (tlen > 0 bytes, picked by the harness from data[0]) with data[3..]
 * xored in from the offset data[1] | data[2] << 8 (mod tlen), cut at that
 * offset when cut is set (so truncations of valid files are explored);
 * with bit 0 clear, data[1..] as is. The result is an exact-size malloc'd
 * buffer (*n bytes, so that ASan sees any read past its end); the caller
 * frees it. size must be > 0. */
#ifndef CAIRN_TESTS_FUZZ_INPUT_H
#define CAIRN_TESTS_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *fuzz_input(size_t *n, const uint8_t *data, size_t size, const uint8_t *tmpl, size_t tlen,
                                  int cut)
{
    uint8_t *b;
    if (data[0] & 1) {
        b = malloc(tlen);
        if (!b) abort();
        memcpy(b, tmpl, tlen);
        size_t at = size > 2 ? ((size_t)data[1] | (size_t)data[2] << 8) % tlen : 0;
        for (size_t i = 3; i < size; i++) b[(at + i - 3) % tlen] ^= data[i];
        *n = cut ? at : tlen;
    } else {
        *n = size - 1;
        b = malloc(*n ? *n : 1);
        if (!b) abort();
        memcpy(b, data + 1, *n);
    }
    uint8_t *exact = malloc(*n ? *n : 1);
    if (!exact) abort();
    memcpy(exact, b, *n);
    free(b);
    return exact;
}

#endif
