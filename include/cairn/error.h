/* cairn — error codes shared by every module and the public API.
 *
 * Library code never exits on bad input: it returns one of these codes and
 * leaves a message naming what was wrong (file, offset, field) in a
 * thread-local buffer read with cairn_last_error().
 */
#ifndef CAIRN_ERROR_H
#define CAIRN_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cairn_err {
    CAIRN_OK = 0,
    CAIRN_ERR_USAGE,       /* a caller passed an invalid argument */
    CAIRN_ERR_NOMEM,       /* an allocation failed */
    CAIRN_ERR_IO,          /* a file or device operation failed */
    CAIRN_ERR_FORMAT,      /* malformed bytes: ELF, proof, HDF5, message */
    CAIRN_ERR_CORRUPT,     /* a checksum or digest does not match */
    CAIRN_ERR_VERIFY,      /* a proof or claim is invalid */
    CAIRN_ERR_FAULT,       /* the guest program faulted */
    CAIRN_ERR_LIMIT,       /* a configured limit was reached */
    CAIRN_ERR_UNSUPPORTED, /* valid request this build cannot serve */
    CAIRN_ERR_INTERNAL     /* an invariant of cairn itself was broken */
} cairn_err;

/* Short constant name of an error code ("format", "verify", ...). */
const char *cairn_err_name(cairn_err err);

/* Message of the last error set on this thread; "" if none. */
const char *cairn_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
