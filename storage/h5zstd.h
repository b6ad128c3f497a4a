/* The zstd HDF5 filter, registered under its HDF Group filter ID 32015.
 *
 * Compatible with hdf5plugin's Zstd filter (and the HDF5Plugin-Zstandard
 * code it comes from): cd_values[0] is the compression level and the data
 * of a filtered chunk is one plain zstd frame of the chunk's bytes, with the
 * content size in the frame header. Files written by either side read on
 * the other.
 *
 * cairn's writer also records the chunk's size in bytes as cd_values[1].
 * hdf5plugin ignores values past the first; our decoder uses it to insist
 * that a frame decodes to exactly one chunk. Without it (files from other
 * writers) a frame may decode to at most H5S_ZSTD_MAX_CHUNK_BYTES. Either
 * way a corrupted frame can never make the decoder allocate more than that
 * bound, whatever size its header claims.
 *
 * This file has no dependency on the rest of cairn so that it also builds
 * into the HDF5 plugin module (h5zstd_plugin.c) that lets h5dump and h5py
 * read cairn files through HDF5_PLUGIN_PATH. */
#ifndef CAIRN_STORAGE_H5ZSTD_H
#define CAIRN_STORAGE_H5ZSTD_H

#include <hdf5.h>
#include <stddef.h>

/* Registered with The HDF Group for Zstandard (HDF5 filter registry). */
#define H5S_ZSTD_FILTER_ID 32015
/* zstd's own default level: a good speed/ratio balance for traces. */
#define H5S_ZSTD_DEFAULT_LEVEL 3
/* Largest chunk a frame may decode to when the dataset does not record its
 * chunk size. cairn writes chunks of at most 4 MiB (H5S_CHUNK_BYTES_MAX in
 * h5s.h); 64 MiB leaves room for other writers' larger chunks while keeping
 * a lying frame header from asking for gigabytes. */
#define H5S_ZSTD_MAX_CHUNK_BYTES ((size_t)64 << 20)

/* The filter class, for H5Zregister and the plugin entry point. */
extern const H5Z_class2_t h5s_zstd_class;

/* Registers the filter with this process's HDF5 library (idempotent).
 * Returns 0 on success, -1 if HDF5 refused. */
int h5s_zstd_register(void);

/* Compresses n bytes into one frame exactly as the filter's encoder does
 * (same level clamping and parameters), so that chunks written directly
 * with H5Dwrite_chunk are byte-identical to filtered ones. Returns the
 * frame size, 0 on failure (reason in h5s_zstd_last_error). Thread-safe:
 * each thread has its own context. cap >= h5s_zstd_bound(n). */
size_t h5s_zstd_compress(void *dst, size_t cap, const void *src, size_t n, int level);
size_t h5s_zstd_bound(size_t n);
int h5s_zstd_clamp_level(int level);

/* Why the last decode or encode on this thread failed; "" if none. HDF5
 * only learns that a filter failed, so the reader fetches the reason here. */
const char *h5s_zstd_last_error(void);
void h5s_zstd_clear_error(void);

#endif
