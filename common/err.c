#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_msg[CAIRN_ERROR_MSG_MAX];

cairn_err cairn_fail(cairn_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    return err;
}

cairn_err cairn_prefix_error(cairn_err err, const char *fmt, ...)
{
    char prefix[sizeof last_msg], joined[2 * sizeof last_msg + 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (last_msg[0]) snprintf(joined, sizeof joined, "%s: %s", prefix, last_msg);
    else snprintf(joined, sizeof joined, "%s", prefix);
    size_t n = strlen(joined);
    if (n >= sizeof last_msg) n = sizeof last_msg - 1; /* keep the front: the context */
    memcpy(last_msg, joined, n);
    last_msg[n] = '\0';
    return err;
}

void cairn_clear_error(void) { last_msg[0] = '\0'; }

const char *cairn_last_error(void) { return last_msg; }

const char *cairn_err_name(cairn_err err)
{
    switch (err) {
    case CAIRN_OK: return "ok";
    case CAIRN_ERR_USAGE: return "usage";
    case CAIRN_ERR_NOMEM: return "out of memory";
    case CAIRN_ERR_IO: return "i/o";
    case CAIRN_ERR_FORMAT: return "format";
    case CAIRN_ERR_CORRUPT: return "corrupt";
    case CAIRN_ERR_VERIFY: return "verify";
    case CAIRN_ERR_FAULT: return "guest fault";
    case CAIRN_ERR_LIMIT: return "limit";
    case CAIRN_ERR_UNSUPPORTED: return "unsupported";
    case CAIRN_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}
