/* The zstd HDF5 filter on its own: round trips, and every way a chunk can
 * lie about its size (the decoder must never allocate past its bound). */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "storage/h5zstd.h"
#include "testutil.h"

/* Runs the filter the way HDF5 does: on a buffer from H5allocate_memory,
 * which the filter may replace. Returns the filter's result; *buf holds
 * the output (or the untouched input on failure). */
static size_t run(unsigned flags, size_t ncd, const unsigned *cd, void **buf, size_t *size, size_t n)
{
    return h5s_zstd_class.filter(flags, ncd, cd, n, size, buf);
}

static void *hcopy(const void *p, size_t n)
{
    void *b = H5allocate_memory(n ? n : 1, 0);
    memcpy(b, p, n);
    return b;
}

static void test_round_trip(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5zstd round trip"));
    const size_t sizes[] = {1, 2, 100, 4096, 65536, 131073, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int kind = 0; kind < 3; kind++) {
            size_t n = sizes[i];
            uint8_t *data = malloc(n);
            for (size_t k = 0; k < n; k++)
                data[k] = kind == 0 ? 0 : kind == 1 ? (uint8_t)rng_u64(&r) : (uint8_t)(k / 7);
            unsigned cd[2] = {3, (unsigned)n};
            void *buf = hcopy(data, n);
            size_t size = n;
            size_t c = run(0, 2, cd, &buf, &size, n);
            CU_ASSERT_FATAL(c > 0);
            /* the chunk is a plain zstd frame stating its size */
            CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(buf, c), n);
            CU_ASSERT_EQUAL(ZSTD_findFrameCompressedSize(buf, c), c);
            if (kind != 1) CU_ASSERT(c < n || n < 64);
            /* decode with the exact size, and as a foreign file would (level only) */
            for (size_t ncd = 1; ncd <= 2; ncd++) {
                void *b2 = hcopy(buf, c);
                size_t s2 = c;
                size_t d = run(H5Z_FLAG_REVERSE, ncd, cd, &b2, &s2, c);
                CU_ASSERT_EQUAL(d, n);
                CU_ASSERT(s2 >= n);
                CU_ASSERT(d == n && memcmp(b2, data, n) == 0);
                H5free_memory(b2);
            }
            H5free_memory(buf);
            free(data);
        }
    }
    /* levels out of range are clamped, not refused */
    uint8_t data[1000] = {0};
    unsigned bad_levels[] = {0, 99, (unsigned)-5};
    for (int i = 0; i < 3; i++) {
        void *buf = hcopy(data, sizeof data);
        size_t size = sizeof data;
        CU_ASSERT(run(0, 1, &bad_levels[i], &buf, &size, sizeof data) > 0);
        H5free_memory(buf);
    }
}

/* Decodes `frame` with the given expected chunk size (0 = none recorded)
 * and returns the filter result, checking the input survives a failure. */
static size_t decode(const uint8_t *frame, size_t n, unsigned expected)
{
    unsigned cd[2] = {3, expected};
    void *buf = hcopy(frame, n);
    size_t size = n;
    h5s_zstd_clear_error();
    size_t d = run(H5Z_FLAG_REVERSE, expected ? 2 : 1, cd, &buf, &size, n);
    if (d == 0) CU_ASSERT(h5s_zstd_last_error()[0] != '\0');
    H5free_memory(buf);
    return d;
}

/* A frame header built by hand (zstd format, RFC 8878 section 3.1.1). */
static size_t frame_header(uint8_t *p, int with_size, uint64_t content_size)
{
    size_t k = 0;
    p[k++] = 0x28; p[k++] = 0xb5; p[k++] = 0x2f; p[k++] = 0xfd; /* magic 0xFD2FB528 LE */
    if (with_size) {
        p[k++] = 0xe0; /* FCS field 8 bytes, single segment */
        for (int i = 0; i < 8; i++) p[k++] = (uint8_t)(content_size >> (8 * i));
    } else {
        p[k++] = 0x00; /* no FCS, window descriptor follows */
        p[k++] = 0x38; /* window 2^17 bytes */
    }
    return k;
}

/* A raw block of n bytes of value v (n <= 128 KiB). */
static size_t raw_block(uint8_t *p, size_t n, int last, uint8_t v)
{
    uint32_t h = (uint32_t)(n << 3) | (last ? 1 : 0); /* type 0 = raw */
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
    p[2] = (uint8_t)(h >> 16);
    memset(p + 3, v, n);
    return 3 + n;
}

static void test_bounds(void)
{
    static uint8_t f[600000];
    size_t k;

    /* header claims 2^40 bytes: refused before any allocation */
    k = frame_header(f, 1, 1ull << 40);
    k += raw_block(f + k, 4, 1, 7);
    CU_ASSERT_EQUAL(decode(f, k, 4096), 0);
    CU_ASSERT_EQUAL(decode(f, k, 0), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(h5s_zstd_last_error(), "claims"));

    /* header claims more than the recorded chunk size */
    k = frame_header(f, 1, 8192);
    k += raw_block(f + k, 8192, 1, 7);
    CU_ASSERT_EQUAL(decode(f, k, 4096), 0);
    CU_ASSERT_EQUAL(decode(f, k, 8192), 8192);

    /* header smaller than the chunk: a frame must decode to exactly one chunk */
    CU_ASSERT_EQUAL(decode(f, k, 16384), 0);

    /* unknown content size: streamed, bounded by the chunk size */
    k = frame_header(f, 0, 0);
    k += raw_block(f + k, 100000, 0, 1);
    k += raw_block(f + k, 100000, 1, 2);
    CU_ASSERT_EQUAL(decode(f, k, 200000), 200000);
    CU_ASSERT_EQUAL(decode(f, k, 150000), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(h5s_zstd_last_error(), "more than"));
    CU_ASSERT_EQUAL(decode(f, k, 0), 200000);

    /* unknown size, no recorded chunk size: capped at H5S_ZSTD_MAX_CHUNK_BYTES */
    {
        size_t blocks = H5S_ZSTD_MAX_CHUNK_BYTES / 131072 + 2;
        uint8_t *big = malloc(16 + blocks * (3 + 131072));
        size_t m = frame_header(big, 0, 0);
        for (size_t b = 0; b < blocks; b++) m += raw_block(big + m, 131072, b + 1 == blocks, (uint8_t)b);
        CU_ASSERT_EQUAL(decode(big, m, 0), 0);
        free(big);
    }

    /* truncated frames, with and without a stated size */
    k = frame_header(f, 0, 0);
    k += raw_block(f + k, 1000, 1, 3);
    CU_ASSERT_EQUAL(decode(f, k - 10, 1000), 0);
    CU_ASSERT_EQUAL(decode(f, k - 10, 0), 0);
    k = frame_header(f, 1, 1000);
    k += raw_block(f + k, 1000, 1, 3);
    CU_ASSERT_EQUAL(decode(f, k, 1000), 1000);
    CU_ASSERT_EQUAL(decode(f, k - 10, 1000), 0);

    /* two concatenated frames make one chunk (zstd allows it) */
    size_t k1 = frame_header(f, 1, 500);
    k1 += raw_block(f + k1, 500, 1, 4);
    size_t k2 = frame_header(f + k1, 1, 500);
    k2 += raw_block(f + k1 + k2, 500, 1, 5);
    CU_ASSERT_EQUAL(decode(f, k1 + k2, 1000), 1000);
    CU_ASSERT_EQUAL(decode(f, k1 + k2, 500), 0);

    /* not zstd at all, and empty */
    memset(f, 0xab, 64);
    CU_ASSERT_EQUAL(decode(f, 64, 0), 0);
    CU_ASSERT_EQUAL(decode(f, 0, 0), 0);
}

static void test_corrupt_frames(void)
{
    rng_t r;
    rng_seed(&r, test_seed("h5zstd corrupt frames"));
    size_t n = 50000;
    uint8_t *data = malloc(n);
    for (size_t k = 0; k < n; k++) data[k] = (uint8_t)((k * k) >> 9) ^ (uint8_t)(rng_u64(&r) & 3);
    unsigned cd[2] = {3, (unsigned)n};
    void *buf = hcopy(data, n);
    size_t size = n;
    size_t c = run(0, 2, cd, &buf, &size, n);
    CU_ASSERT_FATAL(c > 16);
    uint8_t *frame = malloc(c);
    memcpy(frame, buf, c);
    H5free_memory(buf);
    /* Flipping any byte must fail or, never, return other data: the
     * frame's content checksum catches what the entropy decoder does not. */
    int failures = 0;
    for (int t = 0; t < 300; t++) {
        uint8_t *g = hcopy(frame, c);
        size_t pos = rng_u64(&r) % c;
        g[pos] ^= (uint8_t)(1u << (rng_u64(&r) % 8));
        void *b = g;
        size_t s = c;
        size_t d = run(H5Z_FLAG_REVERSE, 2, cd, &b, &s, c);
        if (d == 0) failures++;
        else CU_ASSERT(d == n && memcmp(b, data, n) == 0); /* only a harmless bit (e.g. unused) */
        H5free_memory(b);
    }
    CU_ASSERT(failures > 250);
    free(frame);
    free(data);
}

int main(void)
{
    static const test_case cases[] = {
        {"round trip", test_round_trip},
        {"size bounds", test_bounds},
        {"corrupt frames", test_corrupt_frames},
        {NULL, NULL},
    };
    return test_run_suite("h5zstd", cases);
}
