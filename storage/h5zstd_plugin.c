/* HDF5 dynamic-plugin entry points for the zstd filter, built as the module
 * libh5zstd_cairn.so. Not part of libcairn_storage (which registers the
 * filter in-process); it exists so that h5dump, h5py and other HDF5 tools
 * can read the data of cairn files by pointing HDF5_PLUGIN_PATH at the
 * directory holding the module. */
#include <H5PLextern.h>

#include "h5zstd.h"

H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }

const void *H5PLget_plugin_info(void) { return &h5s_zstd_class; }
