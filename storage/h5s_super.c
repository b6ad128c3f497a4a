/* The HDF5 superblock, checked before libhdf5 sees a file (h5s_int.h).
 *
 * libhdf5 1.10 trusts the addresses in a superblock more than it should;
 * cairn files are always written the same way (HDF5 1.8 object formats,
 * 8-byte offsets and lengths, no user block), so anything else is refused
 * here with a message naming the field, and a damaged superblock never
 * reaches the library. */
#include <inttypes.h>
#include <string.h>

#include "storage/h5s_int.h"

/* ---- Jenkins lookup3 ("hashlittle") ---------------------------------------
 * HDF5 checksums its metadata with Bob Jenkins' lookup3 hash of the bytes
 * read as little-endian 32-bit words, initial value 0 (HDF5 file format
 * specification, "Checksums"). Written here from the algorithm's
 * description: the state a = b = c = 0xdeadbeef + length + initval takes
 * 12 bytes at a time with the reversible `mix` between blocks; the last
 * 1..12 bytes (zero-padded) go through `final`; an empty key returns c
 * unmixed. The rotation counts are those of the published algorithm. */

static inline uint32_t rotl32(uint32_t x, unsigned k) { return x << k | x >> (32 - k); }

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define L3_MIX(a, b, c)                                                      \
    do {                                                                     \
        a -= c; a ^= rotl32(c, 4);  c += b;                                  \
        b -= a; b ^= rotl32(a, 6);  a += c;                                  \
        c -= b; c ^= rotl32(b, 8);  b += a;                                  \
        a -= c; a ^= rotl32(c, 16); c += b;                                  \
        b -= a; b ^= rotl32(a, 19); a += c;                                  \
        c -= b; c ^= rotl32(b, 4);  b += a;                                  \
    } while (0)

#define L3_FINAL(a, b, c)                                                    \
    do {                                                                     \
        c ^= b; c -= rotl32(b, 14);                                          \
        a ^= c; a -= rotl32(c, 11);                                          \
        b ^= a; b -= rotl32(a, 25);                                          \
        c ^= b; c -= rotl32(b, 16);                                          \
        a ^= c; a -= rotl32(c, 4);                                           \
        b ^= a; b -= rotl32(a, 14);                                          \
        c ^= b; c -= rotl32(b, 24);                                          \
    } while (0)

uint32_t h5s_lookup3(const void *key, size_t len, uint32_t initval)
{
    const uint8_t *k = key;
    /* the length enters the state modulo 2^32, as in the reference */
    uint32_t a = 0xdeadbeefu + (uint32_t)len + initval, b = a, c = a;
    if (len == 0) return c;
    while (len > 12) {
        a += le32(k);
        b += le32(k + 4);
        c += le32(k + 8);
        L3_MIX(a, b, c);
        k += 12;
        len -= 12;
    }
    uint8_t tail[12] = {0};
    memcpy(tail, k, len);
    a += le32(tail);
    b += le32(tail + 4);
    c += le32(tail + 8);
    L3_FINAL(a, b, c);
    return c;
}

/* ---- superblock ------------------------------------------------------------
 * Superblock versions 2 and 3 (HDF5 file format specification, "Version 2
 * and 3 Superblock"), with 8-byte offsets:
 *    0  signature \211 H D F \r \n \032 \n
 *    8  version, size of offsets, size of lengths, file consistency flags
 *   12  base address, superblock extension address, end-of-file address,
 *       root group object header address (8 bytes each, relative to the
 *       base address; all ones = undefined)
 *   44  lookup3 checksum of bytes 0..43
 * Versions 0 and 1 (HDF5 1.6 formats) have no checksum; HDF5 1.10 reads
 * versions up to 3. */

static const uint8_t SIGNATURE[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
#define SB_CHECKSUM_AT 44
#define SB_MIN_VERSION 2u
#define SB_MAX_VERSION 3u
#define ADDR_UNDEF UINT64_MAX

static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

cairn_err h5s_check_superblock(const uint8_t *head, size_t len, uint64_t file_size, uint64_t *root_out)
{
    RETURN_ERROR_IF(len < sizeof SIGNATURE || memcmp(head, SIGNATURE, sizeof SIGNATURE) != 0, CAIRN_ERR_FORMAT,
                    "not an HDF5 file (no HDF5 signature at offset 0)");
    RETURN_ERROR_IF(len < 9, CAIRN_ERR_FORMAT, "HDF5 superblock: the file ends after the signature");
    unsigned version = head[8];
    RETURN_ERROR_IF(version < SB_MIN_VERSION, CAIRN_ERR_FORMAT,
                    "not a cairn job file: HDF5 superblock version %u (cairn writes version %u or later)", version,
                    SB_MIN_VERSION);
    RETURN_ERROR_IF(version > SB_MAX_VERSION, CAIRN_ERR_FORMAT,
                    "not a cairn job file: HDF5 superblock version %u (this build reads versions %u and %u)", version,
                    SB_MIN_VERSION, SB_MAX_VERSION);
    /* the sizes fix where the checksum is, so they come first */
    RETURN_ERROR_IF(len < 11, CAIRN_ERR_FORMAT, "HDF5 superblock: the file ends after %zu bytes (truncated)", len);
    RETURN_ERROR_IF(head[9] != 8 || head[10] != 8, CAIRN_ERR_FORMAT,
                    "not a cairn job file: HDF5 superblock with %u-byte offsets and %u-byte lengths (cairn writes 8 "
                    "and 8)",
                    head[9], head[10]);
    RETURN_ERROR_IF(len < H5S_SUPERBLOCK_BYTES, CAIRN_ERR_FORMAT,
                    "HDF5 superblock: the file ends after %zu bytes, inside the %u-byte superblock (truncated)", len,
                    H5S_SUPERBLOCK_BYTES);
    uint32_t want = le32(head + SB_CHECKSUM_AT), got = h5s_lookup3(head, SB_CHECKSUM_AT, 0);
    /* Checked before the fields: with a wrong checksum any field may be
     * the damaged one, and the checksum is what says so. */
    RETURN_ERROR_IF(want != got, CAIRN_ERR_CORRUPT,
                    "HDF5 superblock: checksum 0x%08" PRIx32 " stored, 0x%08" PRIx32 " computed (damaged file)", want,
                    got);

    uint64_t base = le64(head + 12), ext = le64(head + 20), eof = le64(head + 28), root = le64(head + 36);
    RETURN_ERROR_IF(base != 0, CAIRN_ERR_FORMAT,
                    "HDF5 superblock: base address 0x%" PRIx64 " (cairn files start at 0: no user block)", base);
    RETURN_ERROR_IF(eof == ADDR_UNDEF, CAIRN_ERR_FORMAT, "HDF5 superblock: end-of-file address undefined (all ones)");
    RETURN_ERROR_IF(eof > file_size, CAIRN_ERR_FORMAT,
                    "HDF5 superblock: end-of-file address 0x%" PRIx64 " beyond file size 0x%" PRIx64
                    " (the file is truncated)",
                    eof, file_size);
    RETURN_ERROR_IF(eof < H5S_SUPERBLOCK_BYTES, CAIRN_ERR_FORMAT,
                    "HDF5 superblock: end-of-file address 0x%" PRIx64 " inside the superblock", eof);
    /* Objects lie after the superblock and before the end of the file
     * (HDF5 reads nothing past the end-of-file address). */
    RETURN_ERROR_IF(root < H5S_SUPERBLOCK_BYTES || root >= eof, CAIRN_ERR_FORMAT,
                    "HDF5 superblock: root object header address 0x%" PRIx64 " outside the file (0x%x..0x%" PRIx64 ")",
                    root, H5S_SUPERBLOCK_BYTES, eof);
    RETURN_ERROR_IF(ext != ADDR_UNDEF && (ext < H5S_SUPERBLOCK_BYTES || ext >= eof), CAIRN_ERR_FORMAT,
                    "HDF5 superblock: superblock extension address 0x%" PRIx64 " outside the file (0x%x..0x%" PRIx64
                    ")",
                    ext, H5S_SUPERBLOCK_BYTES, eof);
    /* its messages (shared message tables, file space settings, ...) are
     * decoded by HDF5 at open, and cairn's writer makes none */
    RETURN_ERROR_IF(ext != ADDR_UNDEF, CAIRN_ERR_FORMAT,
                    "not a cairn job file: HDF5 superblock extension at 0x%" PRIx64 " (cairn files have none)", ext);
    if (root_out) *root_out = root;
    return CAIRN_OK;
}
