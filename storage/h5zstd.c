/* zstd HDF5 filter (ID 32015). See h5zstd.h for the format and bounds. */
#include "h5zstd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

static _Thread_local char last_error[256];
/* Contexts are reused across chunks: creating one costs more than
 * compressing a small chunk. One per thread because HDF5 may run filters
 * on any thread that does I/O; they live until the thread ends. */
static _Thread_local ZSTD_CCtx *cctx;
static _Thread_local ZSTD_DCtx *dctx;

const char *h5s_zstd_last_error(void) { return last_error; }
void h5s_zstd_clear_error(void) { last_error[0] = '\0'; }

/* Records why the filter failed and returns 0, HDF5's "filter failed". */
__attribute__((format(printf, 1, 2))) static size_t fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return 0;
}

int h5s_zstd_clamp_level(int level)
{
    if (level > ZSTD_maxCLevel()) return ZSTD_maxCLevel();
    if (level < ZSTD_minCLevel()) return ZSTD_minCLevel();
    return level;
}

size_t h5s_zstd_compress(void *dst, size_t cap, const void *src, size_t n, int level)
{
    if (!cctx && !(cctx = ZSTD_createCCtx())) return fail("zstd: cannot allocate a compression context");
    /* One-shot ZSTD_compress2 writes the content size into the frame
     * header, which decoders use to size their output. The frame's own
     * XXH64 content checksum (part of the zstd format, read by every
     * decoder) backs up HDF5's Fletcher32. */
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, h5s_zstd_clamp_level(level));
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(r)) r = ZSTD_compress2(cctx, dst, cap, src, n);
    if (ZSTD_isError(r)) return fail("zstd: compression failed: %s", ZSTD_getErrorName(r));
    return r;
}

size_t h5s_zstd_bound(size_t n) { return ZSTD_compressBound(n); }

static size_t encode(size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t *buf_size, void **buf)
{
    /* Levels travel as unsigned; negative (fast) levels wrap and are
     * recovered by the cast. Out-of-range levels are clamped, not refused,
     * as hdf5plugin does. */
    int level = cd_nelmts > 0 ? (int)cd_values[0] : H5S_ZSTD_DEFAULT_LEVEL;
    size_t bound = ZSTD_compressBound(nbytes);
    void *out = H5allocate_memory(bound, 0);
    if (!out) return fail("zstd: cannot allocate %zu bytes for a compressed chunk", bound);
    size_t n = h5s_zstd_compress(out, bound, *buf, nbytes, level);
    if (n == 0) {
        H5free_memory(out);
        return 0;
    }
    H5free_memory(*buf);
    *buf = out;
    *buf_size = bound;
    return n;
}

/* Decodes any sequence of frames into at most cap bytes, growing the output
 * as needed. Used when the header does not state the size or when the chunk
 * holds more than one frame. */
static size_t decode_stream(const void *in, size_t nbytes, size_t cap, size_t first, void **outp,
                            size_t *alloc_out)
{
    size_t alloc = first < 1 ? 1 : first;
    unsigned char *out = H5allocate_memory(alloc, 0);
    if (!out) return fail("zstd: cannot allocate %zu bytes", alloc);
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    ZSTD_inBuffer ib = {in, nbytes, 0};
    ZSTD_outBuffer ob = {out, alloc, 0};
    size_t ret = 1;
    for (;;) {
        size_t in_before = ib.pos, out_before = ob.pos;
        ret = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(ret)) {
            H5free_memory(out);
            return fail("zstd: corrupt frame: %s", ZSTD_getErrorName(ret));
        }
        if (ib.pos == ib.size && ret == 0) break; /* every frame complete */
        if (ob.pos == ob.size) {
            if (alloc >= cap) {
                H5free_memory(out);
                return fail("zstd: frame decodes to more than %zu bytes", cap);
            }
            size_t grown = alloc > cap / 2 ? cap : alloc * 2;
            unsigned char *bigger = H5resize_memory(out, grown);
            if (!bigger) {
                H5free_memory(out);
                return fail("zstd: cannot allocate %zu bytes", grown);
            }
            out = bigger;
            alloc = grown;
            ob.dst = out;
            ob.size = alloc;
        } else if (ib.pos == in_before && ob.pos == out_before) {
            /* no input left, room for output, yet the frame is unfinished */
            H5free_memory(out);
            return fail("zstd: truncated frame (%zu bytes)", nbytes);
        }
    }
    *outp = out;
    *alloc_out = alloc;
    return ob.pos;
}

static size_t decode(size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t *buf_size, void **buf)
{
    /* cd_values[1], when present, is the exact chunk size cairn wrote. */
    size_t expected = cd_nelmts > 1 ? cd_values[1] : 0;
    size_t cap = expected ? expected : H5S_ZSTD_MAX_CHUNK_BYTES;
    if (!dctx && !(dctx = ZSTD_createDCtx())) return fail("zstd: cannot allocate a decompression context");
    const void *in = *buf;
    unsigned long long fcs = ZSTD_getFrameContentSize(in, nbytes);
    if (fcs == ZSTD_CONTENTSIZE_ERROR) return fail("zstd: chunk of %zu bytes is not a zstd frame", nbytes);
    if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs > cap)
        return fail("zstd: frame claims %llu bytes, more than the %zu-byte chunk", fcs, cap);

    void *out = NULL;
    size_t alloc = 0, n;
    size_t frame = ZSTD_findFrameCompressedSize(in, nbytes);
    if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && !ZSTD_isError(frame) && frame == nbytes) {
        /* The usual case: one frame stating its size. */
        alloc = fcs ? (size_t)fcs : 1;
        if (!(out = H5allocate_memory(alloc, 0))) return fail("zstd: cannot allocate %zu bytes", alloc);
        n = ZSTD_decompressDCtx(dctx, out, (size_t)fcs, in, nbytes);
        if (ZSTD_isError(n) || n != fcs) {
            H5free_memory(out);
            return fail("zstd: corrupt frame: %s", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size differs from header");
        }
    } else {
        size_t first = fcs != ZSTD_CONTENTSIZE_UNKNOWN ? (size_t)fcs : (nbytes < cap / 4 ? nbytes * 4 : cap);
        n = decode_stream(in, nbytes, cap, first, &out, &alloc);
        if (!out) return 0;
    }
    if (expected && n != expected) {
        H5free_memory(out);
        return fail("zstd: frame decodes to %zu bytes, the chunk holds %zu", n, expected);
    }
    H5free_memory(*buf);
    *buf = out;
    *buf_size = alloc;
    return n;
}

static size_t zstd_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                          size_t *buf_size, void **buf)
{
    if (flags & H5Z_FLAG_REVERSE) return decode(cd_nelmts, cd_values, nbytes, buf_size, buf);
    return encode(cd_nelmts, cd_values, nbytes, buf_size, buf);
}

const H5Z_class2_t h5s_zstd_class = {
    .version = H5Z_CLASS_T_VERS,
    .id = H5S_ZSTD_FILTER_ID,
    .encoder_present = 1,
    .decoder_present = 1,
    .name = "zstd",
    .can_apply = NULL,
    .set_local = NULL,
    .filter = zstd_filter,
};

int h5s_zstd_register(void) { return H5Zregister(&h5s_zstd_class) < 0 ? -1 : 0; }
