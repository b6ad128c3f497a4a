/* HDF5 set-up, error translation and checked helpers (h5s_int.h). */
#include "storage/h5s_int.h"

#include <inttypes.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "storage/h5zstd.h"

const h5s_itype H5S_U8 = {1, 0}, H5S_U32 = {4, 0}, H5S_U64 = {8, 0}, H5S_I32 = {4, 1};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;

static void init_hdf5(void)
{
    if (H5open() < 0) return;
    /* HDF5 prints its error stack on stderr by default; cairn reports
     * errors itself, with h5s_fail_h5 reading the stack. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (h5s_zstd_register() < 0) return;
    init_status = 0;
}

cairn_err h5s_init(void)
{
    pthread_once(&init_once, init_hdf5);
    RETURN_ERROR_IF(init_status != 0, CAIRN_ERR_INTERNAL,
                    "HDF5: cannot initialise the library or register the zstd filter %d",
                    H5S_ZSTD_FILTER_ID);
    return CAIRN_OK;
}

void h5s_close_id(hid_t id)
{
    if (id < 0) return;
    switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

/* What the innermost HDF5 error says, and whether it means damaged data. */
typedef struct {
    char msg[200];
    int corrupt;
    int seen;
} h5_walk;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    h5_walk *w = data;
    char minor[96] = "";
    H5Eget_msg(e->min_num, NULL, minor, sizeof minor);
    const char *d = e->desc ? e->desc : "";
    /* Fletcher32 mismatches ("data error detected by Fletcher32 checksum"),
     * metadata checksums, and filters failing on read all mean the bytes
     * in the file are not what was written. */
    if (strstr(d, "checksum") || strstr(d, "Fletcher") || strstr(minor, "checksum") ||
        strstr(d, "filter returned failure") || strstr(minor, "Filter") ||
        strstr(d, "truncated") || strstr(minor, "truncated"))
        w->corrupt = 1;
    if (n == 0) snprintf(w->msg, sizeof w->msg, "%s (%s)", d, minor);
    w->seen = 1;
    return 0;
}

cairn_err h5s_fail_h5(cairn_err err, const char *fmt, ...)
{
    char ctx[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    h5_walk w = {{0}, 0, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    const char *z = h5s_zstd_last_error();
    if (*z) w.corrupt = 1;
    if (w.corrupt && (err == CAIRN_ERR_FORMAT || err == CAIRN_ERR_IO)) err = CAIRN_ERR_CORRUPT;
    cairn_err r = cairn_fail(err, "%s%s%s%s%s", ctx, w.seen ? ": " : "", w.seen ? w.msg : "",
                             *z ? "; " : "", z);
    h5s_zstd_clear_error();
    return r;
}

int h5s_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > H5S_MAX_NAME || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

void h5s_segment_name(char out[24], uint64_t index) { snprintf(out, 24, "%06" PRIu64, index); }
void h5s_segment_group_name(char out[24], uint64_t k) { snprintf(out, 24, "%03" PRIu64, k); }

static hid_t file_type(h5s_itype t)
{
    switch (t.size) {
    case 1: return t.is_signed ? H5T_STD_I8LE : H5T_STD_U8LE;
    case 4: return t.is_signed ? H5T_STD_I32LE : H5T_STD_U32LE;
    default: return t.is_signed ? H5T_STD_I64LE : H5T_STD_U64LE;
    }
}

static hid_t mem_type(h5s_itype t)
{
    switch (t.size) {
    case 1: return t.is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8;
    case 4: return t.is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32;
    default: return t.is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
    }
}

int h5s_type_matches(hid_t t, h5s_itype type)
{
    if (H5Tget_class(t) != H5T_INTEGER) return 0;
    if (H5Tget_size(t) != type.size) return 0;
    if (H5Tget_sign(t) != (type.is_signed ? H5T_SGN_2 : H5T_SGN_NONE)) return 0;
    /* The format is little-endian; a single byte has no order to check. */
    if (type.size > 1 && H5Tget_order(t) != H5T_ORDER_LE) return 0;
    return 1;
}

/* Why the last h5s_exists on this thread returned <0. */
static _Thread_local cairn_err exists_code;
static _Thread_local char exists_msg[400];

static int exists_fail(cairn_err err)
{
    exists_code = err;
    snprintf(exists_msg, sizeof exists_msg, "%s", cairn_last_error());
    return -1;
}

cairn_err h5s_exists_error(const char *what)
{
    return cairn_fail(exists_code ? exists_code : CAIRN_ERR_FORMAT, "%s: %s", what, exists_msg);
}

int h5s_exists(hid_t loc, const char *name)
{
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e < 0) return exists_fail(h5s_fail_h5(CAIRN_ERR_FORMAT, "cannot look up the link"));
    if (e == 0) return 0;
    /* Only hard links: a soft or external link in a crafted file could
     * point the reader at another object or make HDF5 open another file. */
    H5L_info_t li;
    if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0)
        return exists_fail(h5s_fail_h5(CAIRN_ERR_FORMAT, "cannot read the link"));
    if (li.type != H5L_TYPE_HARD) return 0;
    /* the object's header, before HDF5 decodes it */
    cairn_err err = h5s_check_object(loc, li.u.address, "");
    if (err != CAIRN_OK) return exists_fail(err);
    htri_t o = H5Oexists_by_name(loc, name, H5P_DEFAULT);
    if (o < 0) return exists_fail(h5s_fail_h5(CAIRN_ERR_FORMAT, "cannot open the object"));
    return o > 0;
}

hid_t h5s_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return H5P_DEFAULT;
    /* closing the file closes whatever an error path left open */
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
#if H5_VERSION_GE(1, 10, 7)
    /* Lock the file, but carry on where the file system has locking
     * disabled (common on cluster file systems) instead of failing. */
    H5Pset_file_locking(fapl, 1, 1);
#endif
    h5s_set_evict_on_close(fapl);
    return fapl;
}

void h5s_set_evict_on_close(hid_t fapl)
{
#if H5_VERSION_GE(1, 10, 1)
    /* An object's metadata (object header, chunk B-tree node: about 18 KB
     * a dataset) leaves HDF5's metadata cache when the object is closed,
     * instead of staying until the cache evicts it. Every segment's group
     * and datasets are closed once written or read, so a job file of any
     * length is written (or read) in constant memory: without this the
     * cache grew by ~20 KB per segment up to its adaptive bound (tens of
     * MB; the coordinator's peak RSS went from 74.5 MiB at 178 segments to
     * 92.2 MiB at 1044, issue 9). The bytes of the file are the same. */
    H5Pset_evict_on_close(fapl, 1);
#endif
}

/* ---- writing ------------------------------------------------------------ */

/* Chunks are normally filtered and written by cairn itself, in parallel,
 * and handed to HDF5 with H5Dwrite_chunk: HDF5 runs filters on the calling
 * thread only, and zstd is most of the cost of writing a trace. The bytes
 * are exactly those HDF5's own pipeline would produce (same shuffle, same
 * zstd frame, same Fletcher32), which the tests check by comparing whole
 * files written both ways. Big-endian hosts take HDF5's path, which also
 * converts the element byte order. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static int direct_chunks = 1;
#else
static int direct_chunks = 0;
#endif

void h5s_set_direct_chunks(int on)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    direct_chunks = on;
#else
    (void)on;
#endif
}

/* Fletcher-32 as HDF5's checksum filter computes it: 16-bit words read
 * big-endian, a trailing odd byte as the high half of a word, both sums
 * folded to 16 bits every 360 words (before 32-bit overflow) and at the
 * end; result sum2 << 16 | sum1, stored little-endian after the data. */
static uint32_t fletcher32(const uint8_t *p, size_t nbytes)
{
    uint32_t s1 = 0, s2 = 0;
    size_t words = nbytes / 2;
    while (words) {
        size_t t = words > 360 ? 360 : words;
        words -= t;
        for (size_t i = 0; i < t; i++, p += 2) {
            s1 += (uint32_t)p[0] << 8 | p[1];
            s2 += s1;
        }
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    if (nbytes & 1) {
        s1 += (uint32_t)p[0] << 8;
        s2 += s1;
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
    return s2 << 16 | s1;
}

/* Filters chunk k into out (shuffle, zstd, Fletcher32); returns the stored
 * size, 0 on failure. scratch holds 2 chunks. */
static size_t encode_chunk(uint8_t *out, size_t cap, const uint8_t *data, uint64_t n, hsize_t chunk, uint64_t k,
                           size_t esize, int level, uint8_t *scratch)
{
    size_t cb = chunk * esize;
    uint64_t count = n - k * chunk < chunk ? n - k * chunk : chunk;
    const uint8_t *src = data + k * cb;
    if (count < chunk) { /* the last chunk: zero tail, as the fill value */
        memcpy(scratch, src, count * esize);
        memset(scratch + count * esize, 0, cb - count * esize);
        src = scratch;
    }
    if (esize > 1) { /* HDF5 shuffle: byte j of element i to j * chunk + i */
        uint8_t *dst = scratch + cb;
        for (size_t i = 0; i < chunk; i++)
            for (size_t j = 0; j < esize; j++) dst[j * chunk + i] = src[i * esize + j];
        src = dst;
    }
    size_t c = h5s_zstd_compress(out, cap - 4, src, cb, level);
    if (c == 0) return 0;
    uint32_t f = fletcher32(out, c);
    for (int i = 0; i < 4; i++) out[c + (size_t)i] = (uint8_t)(f >> (8 * i));
    return c + 4;
}

static cairn_err write_chunks(hid_t d, const char *name, h5s_itype type, const void *data, uint64_t n, hsize_t chunk,
                              int level)
{
    size_t cb = chunk * type.size, cap = h5s_zstd_bound(cb) + 4;
    uint64_t nchunks = (n + chunk - 1) / chunk;
    int nt = omp_get_max_threads();
    /* a few chunks per thread in flight bounds the memory to ~2 * nt * cap */
    size_t batch = nt > 1 ? 2 * (size_t)nt : 1;
    uint8_t *out = malloc(batch * cap);
    size_t *len = malloc(batch * sizeof *len);
    cairn_err err = CAIRN_OK;
    if (!out || !len) err = cairn_fail(CAIRN_ERR_NOMEM, "%s: cannot allocate %zu bytes of chunk buffers", name, batch * cap);
    for (uint64_t first = 0; err == CAIRN_OK && first < nchunks; first += batch) {
        size_t m = nchunks - first < batch ? (size_t)(nchunks - first) : batch;
#pragma omp parallel if (m > 1)
        {
            uint8_t *scratch = malloc(2 * cb);
#pragma omp for schedule(dynamic, 1)
            for (size_t i = 0; i < m; i++)
                len[i] = scratch ? encode_chunk(out + i * cap, cap, data, n, chunk, first + i, type.size, level, scratch)
                                 : 0;
            free(scratch);
        }
        for (size_t i = 0; i < m && err == CAIRN_OK; i++) {
            hsize_t off = (first + i) * chunk;
            if (len[i] == 0)
                err = cairn_fail(CAIRN_ERR_INTERNAL, "%s: compressing chunk %" PRIu64 " failed", name, first + i);
            else if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len[i], out + i * cap) < 0)
                err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot write chunk %" PRIu64 " of %s", first + i, name);
        }
    }
    free(out);
    free(len);
    return err;
}

cairn_err h5s_put_array(hid_t loc, const char *name, h5s_itype type, const void *data, uint64_t n,
                        int level, size_t chunk_bytes)
{
    cairn_err err = CAIRN_OK;
    hid_t space = -1, dcpl = -1, d = -1;
    hsize_t dims = n, maxdims = H5S_UNLIMITED;
    hsize_t chunk = chunk_bytes / type.size;
    if (chunk > n) chunk = n; /* small data: one chunk exactly its size */
    if (chunk == 0) chunk = 1;
    /* cd_values[1] lets our decoder check each frame's size exactly. */
    unsigned cd[2] = {(unsigned)level, (unsigned)(chunk * type.size)};
    const uint8_t zero = 0;

    if ((space = H5Screate_simple(1, &dims, &maxdims)) < 0 ||
        (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 ||
        (type.size > 1 && H5Pset_shuffle(dcpl) < 0) ||
        H5Pset_filter(dcpl, H5S_ZSTD_FILTER_ID, H5Z_FLAG_MANDATORY, 2, cd) < 0 ||
        H5Pset_fletcher32(dcpl) < 0 ||
        /* The tail of the last chunk is zeros, not whatever memory held:
         * files are deterministic and leak nothing. */
        H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &zero) < 0 || H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) < 0 ||
        /* no timestamps: the same job gives the same bytes */
        H5Pset_obj_track_times(dcpl, 0) < 0) {
        err = h5s_fail_h5(CAIRN_ERR_INTERNAL, "HDF5: cannot set up dataset %s", name);
        goto done;
    }
    d = H5Dcreate2(loc, name, file_type(type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create dataset %s", name);
        goto done;
    }
    if (n > 0 && direct_chunks)
        err = write_chunks(d, name, type, data, n, chunk, level);
    else if (n > 0 && H5Dwrite(d, mem_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot write dataset %s (%" PRIu64 " elements)", name, n);
done:
    h5s_close_id(d);
    h5s_close_id(dcpl);
    h5s_close_id(space);
    return err;
}

cairn_err h5s_put_attr(hid_t loc, const char *what, const char *name, h5s_itype type, size_t n,
                       const void *data)
{
    cairn_err err = CAIRN_OK;
    hsize_t dims = n;
    hid_t space = n ? H5Screate_simple(1, &dims, NULL) : H5Screate(H5S_SCALAR), a = -1;
    if (space < 0) return h5s_fail_h5(CAIRN_ERR_INTERNAL, "HDF5: dataspace for %s/%s", what, name);
    htri_t ex = H5Aexists(loc, name);
    if (ex > 0 && H5Adelete(loc, name) < 0) {
        err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot replace attribute %s of %s", name, what);
        goto done;
    }
    a = H5Acreate2(loc, name, file_type(type), space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mem_type(type), data) < 0)
        err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot write attribute %s of %s", name, what);
done:
    h5s_close_id(a);
    h5s_close_id(space);
    return err;
}

/* ---- reading ------------------------------------------------------------ */

/* Checks that a dataset's shape is 1-D with n <= max elements. */
static cairn_err check_shape(hid_t space, const char *what, uint64_t max, uint64_t *n)
{
    int rank = H5Sget_simple_extent_ndims(space);
    RETURN_ERROR_IF(rank != 1 || H5Sget_simple_extent_type(space) != H5S_SIMPLE, CAIRN_ERR_FORMAT,
                    "%s: expected a 1-D dataset, found rank %d", what, rank);
    hsize_t dims;
    H5S_CHECK(H5Sget_simple_extent_dims(space, &dims, NULL), CAIRN_ERR_FORMAT, "%s: dataspace", what);
    RETURN_ERROR_IF(dims > max, CAIRN_ERR_FORMAT, "%s: %llu elements, more than the limit %" PRIu64,
                    what, (unsigned long long)dims, max);
    *n = dims;
    return CAIRN_OK;
}

/* HDF5 1.10 copies a whole chunk's worth of bytes out of whatever the
 * filters returned, so a filter output shorter than the chunk would be
 * over-read. Our zstd decoder insists on exactly cd_values[1] bytes; make
 * sure that value is this dataset's chunk size (a damaged layout or filter
 * message makes them differ). */
static cairn_err check_zstd_chunk(hid_t dcpl, const char *what, uint64_t chunk_bytes, int *fletcher)
{
    *fletcher = 0;
    int nf = H5Pget_nfilters(dcpl);
    if (nf < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: filter pipeline", what);
    for (int i = 0; i < nf; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (id < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: filter %d", what, i);
        if (id == H5Z_FILTER_FLETCHER32) *fletcher = 1;
        if (id == H5S_ZSTD_FILTER_ID && ncd >= 2 && cd[1] != chunk_bytes)
            return cairn_fail(CAIRN_ERR_FORMAT, "%s: chunks of %" PRIu64 " bytes but the zstd filter records %u", what,
                              chunk_bytes, cd[1]);
    }
    return CAIRN_OK;
}

/* The chunk index (a v1 B-tree without checksums) says where each chunk
 * is, how big it is stored and which filters were skipped for it. A
 * damaged entry could move a chunk out of place (HDF5 would return fill
 * values in its stead), skip the checksum or the decompression (a set
 * filter-mask bit), or claim a huge stored size. Every chunk must sit at
 * its offset, with every filter applied and a plausible size. */
static cairn_err check_chunks(hid_t d, const char *what, uint64_t nchunks, hsize_t chunk, uint64_t chunk_bytes,
                              int fletcher)
{
    /* HDF5 1.10's Fletcher32 filter runs off the end of a chunk shorter
     * than its own 4-byte checksum */
    uint64_t min_stored = fletcher ? 5 : 1;
    /* compressed data may exceed its input slightly (zstd's bound is
     * n + n/256 + 64 or so) plus the 4-byte Fletcher32 */
    uint64_t max_stored = chunk_bytes + chunk_bytes / 64 + 4096;
    for (uint64_t k = 0; k < nchunks; k++) {
        hsize_t off = k * chunk, size = 0;
        unsigned mask = 0;
        haddr_t addr = HADDR_UNDEF;
        if (H5Dget_chunk_info_by_coord(d, &off, &mask, &addr, &size) < 0)
            return h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: chunk %" PRIu64 ": cannot read its index entry", what, k);
        RETURN_ERROR_IF(addr == HADDR_UNDEF, CAIRN_ERR_CORRUPT, "%s: chunk %" PRIu64 " is missing", what, k);
        RETURN_ERROR_IF(mask != 0, CAIRN_ERR_CORRUPT, "%s: chunk %" PRIu64 " skips filters (mask 0x%x)", what, k, mask);
        RETURN_ERROR_IF(size < min_stored || size > max_stored, CAIRN_ERR_CORRUPT,
                        "%s: chunk %" PRIu64 " claims %llu stored bytes", what, k, (unsigned long long)size);
        /* H5Dget_chunk_info_by_coord walks the index its own way; reads go
         * through the lookup behind H5Dget_chunk_storage_size, which a
         * damaged B-tree key can lead astray (reads then return fill
         * values). Both must find the chunk. */
        hsize_t size2 = 0;
        if (H5Dget_chunk_storage_size(d, &off, &size2) < 0 || size2 != size) {
            H5Eclear2(H5E_DEFAULT);
            return cairn_fail(CAIRN_ERR_CORRUPT, "%s: chunk %" PRIu64 " cannot be found through the chunk index", what, k);
        }
    }
    return CAIRN_OK;
}

/* HDF5 returns fill values for chunks that were never written, so a file
 * whose chunk index lost entries would read as zeros. Require that the
 * dataset's storage covers every element. */
static cairn_err check_storage(hid_t d, hid_t space, const char *what, h5s_itype type, uint64_t n)
{
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: creation properties", what);
    H5D_layout_t layout = H5Pget_layout(dcpl);
    cairn_err err = CAIRN_OK;
    if (layout == H5D_CHUNKED) {
        hsize_t chunk = 0, have = 0;
        int fletcher = 0;
        if (H5Pget_chunk(dcpl, 1, &chunk) != 1 || chunk == 0) {
            err = cairn_fail(CAIRN_ERR_FORMAT, "%s: chunked dataset without a 1-D chunk size", what);
        } else if (chunk > H5S_ZSTD_MAX_CHUNK_BYTES / type.size) {
            /* HDF5 allocates a whole chunk to read any part of it */
            err = cairn_fail(CAIRN_ERR_FORMAT, "%s: chunks of %llu elements, more than the %zu-byte limit", what,
                             (unsigned long long)chunk, H5S_ZSTD_MAX_CHUNK_BYTES);
        } else if (H5Dget_num_chunks(d, space, &have) < 0) {
            err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: cannot read the chunk index", what);
        } else if ((err = check_zstd_chunk(dcpl, what, (uint64_t)chunk * type.size, &fletcher)) != CAIRN_OK) {
            /* reported */
        } else {
            uint64_t want = (n + chunk - 1) / chunk;
            if (have != want)
                err = cairn_fail(CAIRN_ERR_CORRUPT, "%s: %llu of %" PRIu64 " chunks are stored", what,
                                 (unsigned long long)have, want);
            else
                err = check_chunks(d, what, want, chunk, (uint64_t)chunk * type.size, fletcher);
        }
    } else if (layout == H5D_CONTIGUOUS) {
        if (n > 0 && H5Dget_storage_size(d) != n * type.size)
            err = cairn_fail(CAIRN_ERR_CORRUPT, "%s: %llu bytes stored for %" PRIu64 " elements", what,
                             (unsigned long long)H5Dget_storage_size(d), n);
    } else if (layout != H5D_COMPACT) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s: unsupported storage layout %d", what, (int)layout);
    }
    h5s_close_id(dcpl);
    return err;
}

cairn_err h5s_open_array(hid_t loc, const char *name, const char *what, h5s_itype type, uint64_t max,
                         hid_t *id, uint64_t *n, h5s_size *size)
{
    *id = -1;
    int ex = h5s_exists(loc, name);
    if (ex < 0) return h5s_exists_error(what);
    RETURN_ERROR_IF(ex == 0, CAIRN_ERR_FORMAT, "%s: missing (or not a hard link)", what);
    H5O_info_t oi;
    H5S_CHECK(H5Oget_info_by_name2(loc, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT), CAIRN_ERR_FORMAT,
              "%s: cannot inspect", what);
    RETURN_ERROR_IF(oi.type != H5O_TYPE_DATASET, CAIRN_ERR_FORMAT, "%s: not a dataset", what);
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot open", what);
    hid_t t = H5Dget_type(d);
    if (t < 0) {
        cairn_err e = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot read its type", what);
        h5s_close_id(d);
        return e;
    }
    hid_t s = H5Dget_space(d);
    cairn_err err = CAIRN_OK;
    if (s < 0) {
        err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot read its shape", what);
    } else if (!h5s_type_matches(t, type)) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s: expected %s %zu-bit little-endian integers", what,
                         type.is_signed ? "signed" : "unsigned", type.size * 8);
    } else if ((err = check_shape(s, what, max, n)) == CAIRN_OK) {
        err = check_storage(d, s, what, type, *n);
    }
    if (err == CAIRN_OK && size) {
        size->raw = *n * type.size;
        size->stored = H5Dget_storage_size(d);
    }
    h5s_close_id(t);
    h5s_close_id(s);
    if (err != CAIRN_OK) {
        h5s_close_id(d);
        return err;
    }
    *id = d;
    return CAIRN_OK;
}

cairn_err h5s_read_array(hid_t d, const char *what, h5s_itype type, void *buf, uint64_t n)
{
    if (n == 0) return CAIRN_OK;
    h5s_zstd_clear_error();
    H5S_CHECK(H5Dread(d, mem_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), CAIRN_ERR_CORRUPT,
              "%s: cannot read data", what);
    return CAIRN_OK;
}

cairn_err h5s_get_attr(hid_t loc, const char *what, const char *name, h5s_itype type, size_t n,
                       void *buf)
{
    htri_t ex = H5Aexists(loc, name);
    /* damaged attribute storage is not a missing attribute */
    if (ex < 0) return h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: attribute %s: cannot look it up", what, name);
    RETURN_ERROR_IF(ex == 0, CAIRN_ERR_FORMAT, "%s: attribute %s missing", what, name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot open attribute %s", what, name);
    hid_t t = H5Aget_type(a);
    if (t < 0) {
        cairn_err e = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: attribute %s: cannot read its type", what, name);
        h5s_close_id(a);
        return e;
    }
    hid_t s = H5Aget_space(a);
    cairn_err err = CAIRN_OK;
    if (s < 0) {
        err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: attribute %s: cannot read its shape", what, name);
    } else if (!h5s_type_matches(t, type)) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s: attribute %s: expected %s %zu-bit little-endian integer",
                         what, name, type.is_signed ? "signed" : "unsigned", type.size * 8);
    } else {
        H5S_class_t cls = H5Sget_simple_extent_type(s);
        int rank = H5Sget_simple_extent_ndims(s);
        hsize_t dims = 0;
        if (rank == 1) H5Sget_simple_extent_dims(s, &dims, NULL);
        int ok = n == 0 ? cls == H5S_SCALAR : (cls == H5S_SIMPLE && rank == 1 && dims == n);
        if (!ok)
            err = n ? cairn_fail(CAIRN_ERR_FORMAT, "%s: attribute %s: expected 1-D of %zu elements",
                                 what, name, n)
                    : cairn_fail(CAIRN_ERR_FORMAT, "%s: attribute %s: expected a scalar", what, name);
        else if (H5Aread(a, mem_type(type), buf) < 0)
            err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: attribute %s: cannot read", what, name);
    }
    h5s_close_id(t);
    h5s_close_id(s);
    h5s_close_id(a);
    return err;
}
