/* Internals shared by the job writer and reader: HDF5 set-up, error
 * translation, and checked dataset/attribute helpers. Not part of the
 * module's interface (h5s.h). */
#ifndef CAIRN_STORAGE_H5S_INT_H
#define CAIRN_STORAGE_H5S_INT_H

#include <hdf5.h>

#include "common/err.h"
#include "storage/h5s.h"

/* Opens HDF5, silences its error printing and registers the zstd filter,
 * once per process. */
cairn_err h5s_init(void);

/* Fails with a message "<formatted context>: <HDF5's innermost error>
 * [<zstd reason>]" and clears HDF5's error stack. The code is `err`, or
 * CAIRN_ERR_CORRUPT when HDF5 reports a checksum or filter failure. */
cairn_err h5s_fail_h5(cairn_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs `expr` (an HDF5 call returning a negative value on failure) and
 * returns through h5s_fail_h5 if it fails. */
#define H5S_CHECK(expr, err, ...)                                            \
    do {                                                                     \
        if ((expr) < 0) return h5s_fail_h5((err), __VA_ARGS__);              \
    } while (0)

/* Closes an identifier of any kind if it is valid; returns -1 so that
 * failure paths can use it. */
void h5s_close_id(hid_t id);

/* 1 if name is a valid column / summary attribute name (see h5s.h). */
int h5s_name_ok(const char *name);

/* Segment group name: the index zero-padded to 6 digits. */
void h5s_segment_name(char out[24], uint64_t index);

/* Expected integer type of a dataset or attribute. */
typedef struct {
    size_t size;     /* bytes per element */
    int is_signed;
} h5s_itype;

extern const h5s_itype H5S_U8, H5S_U32, H5S_U64, H5S_I32;

/* ---- writing ---- */

/* Writes a 1-D chunked dataset of n elements (see h5s.h for the filter
 * pipeline). type is one of H5S_U8/H5S_U32. */
cairn_err h5s_put_array(hid_t loc, const char *name, h5s_itype type, const void *data, uint64_t n,
                        int level, size_t chunk_bytes);

/* 1 (default on little-endian hosts): h5s_put_array filters chunks itself
 * in parallel and writes them with H5Dwrite_chunk; 0: through HDF5's
 * filter pipeline. Both give the same bytes; tests compare them. */
void h5s_set_direct_chunks(int on);

/* Writes (replacing) an attribute: a scalar when n == 0, else 1-D of n. */
cairn_err h5s_put_attr(hid_t loc, const char *what, const char *name, h5s_itype type, size_t n,
                       const void *data);

/* ---- reading ---- */

/* Opens dataset `name` under loc and checks that it is a 1-D integer
 * dataset of `type` with at most max elements, all chunks present. `what`
 * names it in messages (its path). On success *id is open. */
cairn_err h5s_open_array(hid_t loc, const char *name, const char *what, h5s_itype type, uint64_t max,
                         hid_t *id, uint64_t *n, h5s_size *size);

/* Reads all n elements of an array opened by h5s_open_array into buf. */
cairn_err h5s_read_array(hid_t d, const char *what, h5s_itype type, void *buf, uint64_t n);

/* Reads an attribute that must exist with exactly this type and shape
 * (n == 0: scalar, else 1-D of n). */
cairn_err h5s_get_attr(hid_t loc, const char *what, const char *name, h5s_itype type, size_t n,
                       void *buf);

/* File access properties for job files (H5P_DEFAULT if they cannot be
 * made); the caller closes them. */
hid_t h5s_fapl(void);

/* 1 if a hard link of that name leads to an object at loc, 0 if not (or
 * if it is a soft or external link), <0 on error. */
int h5s_exists(hid_t loc, const char *name);

/* Checks a file type against an expected integer type. */
int h5s_type_matches(hid_t t, h5s_itype type);

/* ---- the superblock, before libhdf5 (h5s_super.c) ---- */

/* Bytes of a version 2/3 superblock with 8-byte offsets, checksum
 * included: what h5s_check_superblock needs from the start of a file. */
#define H5S_SUPERBLOCK_BYTES 48u

/* Bob Jenkins' lookup3 hash ("hashlittle"), HDF5's metadata checksum
 * (computed with initval 0). */
uint32_t h5s_lookup3(const void *key, size_t len, uint32_t initval);

/* Checks the first len bytes of a file of file_size bytes: HDF5 signature
 * at offset 0, superblock version 2 or 3, 8-byte offsets and lengths,
 * checksum, base address 0, and the end-of-file, root object header and
 * superblock extension addresses within the file. CAIRN_ERR_CORRUPT for a
 * checksum mismatch, CAIRN_ERR_FORMAT for anything else, with a message
 * naming the field (no file name: the caller adds it). */
cairn_err h5s_check_superblock(const uint8_t *head, size_t len, uint64_t file_size);

#endif
