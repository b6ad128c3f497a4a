/* Internal error helpers in the style of zstd's RETURN_ERROR_IF and
 * FORWARD_IF_ERROR. Every module reports failure through these so that the
 * message always names the thing that was wrong. */
#ifndef CAIRN_COMMON_ERR_H
#define CAIRN_COMMON_ERR_H

#include "cairn/error.h"

/* Capacity of the thread's message (longer messages are cut at the end). */
#define CAIRN_ERROR_MSG_MAX 1024

/* Records a formatted message for this thread and returns err. */
cairn_err cairn_fail(cairn_err err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Puts "<formatted prefix>: " in front of this thread's message (the one
 * the failed call below left) and returns err, e.g.
 *   return cairn_prefix_error(e, "stark_prove: table %s", name);
 * The prefix is formatted into a buffer of its own first, so its arguments
 * may point into the current message. Never pass cairn_last_error() to
 * cairn_fail instead: that formats a buffer into itself. */
cairn_err cairn_prefix_error(cairn_err err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the thread's message. */
void cairn_clear_error(void);

#define RETURN_ERROR_IF(cond, err, ...)                                      \
    do {                                                                     \
        if (cond) return cairn_fail((err), __VA_ARGS__);                     \
    } while (0)

#define FORWARD_IF_ERROR(expr)                                               \
    do {                                                                     \
        cairn_err fwd_err_ = (expr);                                         \
        if (fwd_err_ != CAIRN_OK) return fwd_err_;                           \
    } while (0)

#endif
