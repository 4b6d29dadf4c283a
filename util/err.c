#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char g_msg[1024];

int samc_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    return -1;
}

int samc_err_context(const char *fmt, ...) {
    char prev[sizeof g_msg];
    memcpy(prev, g_msg, sizeof prev);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof g_msg && prev[0])
        snprintf(g_msg + n, sizeof g_msg - (size_t)n, ": %s", prev);
    return -1;
}

const char *samc_errmsg(void) { return g_msg; }

void samc_err_clear(void) { g_msg[0] = 0; }
