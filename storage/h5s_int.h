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
/* Name of group k of /segments (segments k * H5S_SEGMENTS_PER_GROUP
 * on): k zero-padded to 3 digits. */
void h5s_segment_group_name(char out[24], uint64_t k);

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
 * made); the caller closes them. The writer's. */
hid_t h5s_fapl(void);

/* Sets fapl (the writer's and the reader's) to evict an object's metadata
 * from HDF5's cache when the object is closed: memory stays flat however
 * many segments a file has (h5s_h5.c). */
void h5s_set_evict_on_close(hid_t fapl);

/* File access properties for reading a job file through cairn's read-only
 * driver (h5s_vfd.c): with image non-NULL the len bytes there, which must
 * stay valid until the file is closed; else with fd >= 0 that open file
 * (the driver reads a duplicate of the descriptor, so the file that was
 * checked is the file that is read); else the file H5Fopen names. -1 on
 * failure; the caller closes them. */
hid_t h5s_fapl_read(const void *image, size_t len, int fd);

/* Raw bytes of a file opened with h5s_fapl_read: the image, or a file
 * descriptor (valid while the file is open), and the file's size. */
typedef struct {
    const uint8_t *image;
    int fd;
    uint64_t eof;
} h5s_raw;

/* Fills raw for the file loc belongs to; -1 if that file was not opened
 * through h5s_fapl_read (the writer's files). */
int h5s_raw_of(hid_t loc, h5s_raw *raw);

/* Reads len bytes at addr; -1 if any of them is outside the file or the
 * read fails. */
int h5s_raw_read(const h5s_raw *raw, uint64_t addr, void *buf, size_t len);

/* Checks the object header at addr (the target of a hard link under loc)
 * before HDF5 decodes it, when loc's file was opened for reading
 * (h5s_fapl_read; otherwise there is nothing to check): h5s_ohdr.c says
 * what is checked. A message names the header by `what` and address. */
cairn_err h5s_check_object(hid_t loc, uint64_t addr, const char *what);
/* The same on raw bytes (the root group's header, before HDF5 opens the
 * file); what may be "". */
cairn_err h5s_check_object_raw(const h5s_raw *raw, uint64_t addr, const char *what);

/* 1 if a hard link of that name leads to an object at loc, 0 if not (or
 * if it is a soft or external link), <0 if the link or the object is
 * damaged: its object header is checked (h5s_check_object) before HDF5
 * reads it. After <0, h5s_exists_error(what) returns the error. */
int h5s_exists(hid_t loc, const char *name);
cairn_err h5s_exists_error(const char *what);

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
 * naming the field (no file name: the caller adds it). *root (unless
 * NULL) gets the root group's object header address. A superblock
 * extension, which cairn never writes, is refused. */
cairn_err h5s_check_superblock(const uint8_t *head, size_t len, uint64_t file_size, uint64_t *root);

#endif
