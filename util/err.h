/* Error reporting shared by every layer of samc.
 *
 * A failing function returns an error value (NULL, -1) and records a human-readable
 * message here; the caller either adds context or prints it. The message lives in
 * thread-local storage so worker threads never overwrite each other's errors. */
#ifndef SAMC_UTIL_ERR_H
#define SAMC_UTIL_ERR_H

#if defined(__GNUC__)
#define SAMC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SAMC_PRINTF(a, b)
#endif

/* Replace the current message. Always returns -1 so that `return util_err(...)` reads naturally. */
int util_err(const char *fmt, ...) SAMC_PRINTF(1, 2);

/* Prefix the current message with more context: "context: previous message". Returns -1. */
int util_err_context(const char *fmt, ...) SAMC_PRINTF(1, 2);

/* The last message recorded on this thread ("" if none). */
const char *samc_errmsg(void);

void util_err_clear(void);

#endif
