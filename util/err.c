#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char g_msg[1024];

int util_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    return -1;
}

int util_err_context(const char *fmt, ...) {
    char prev[sizeof g_msg];
    memcpy(prev, g_msg, sizeof prev);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    /* append ": prev", truncated to fit (done by hand: snprintf would warn of truncation) */
    if (n >= 0 && prev[0]) {
        size_t at = (size_t)n, room = sizeof g_msg - 1;
        if (at + 2 < room) {
            g_msg[at++] = ':';
            g_msg[at++] = ' ';
            size_t len = strlen(prev);
            if (len > room - at) len = room - at;
            memcpy(g_msg + at, prev, len);
            g_msg[at + len] = 0;
        }
    }
    return -1;
}

const char *samc_errmsg(void) { return g_msg; }

void util_err_clear(void) { g_msg[0] = 0; }
