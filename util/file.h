/* Whole-file reads and crash-safe writes.
 *
 * Outputs are never half-written: an atomic_file writes to "PATH.tmp.PID" and only
 * util_atomic_file_commit() renames it over PATH (after fsync), so a crash or an error leaves
 * either the old file or none. A rename only ever replaces a regular file: a symbolic link
 * to a regular file is replaced at its target (the link stays); a path that is, or links
 * to, anything else that can be written (a character device such as /dev/null or /dev/full,
 * a FIFO, a socket) is written in place, as any program would; "-" is standard output; a
 * directory or a dangling link is refused. */
#ifndef SAMC_UTIL_FILE_H
#define SAMC_UTIL_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Reads the whole file into a malloc'd buffer (plus one zero byte past the end, not counted).
 * Refuses files larger than max_bytes. Returns 0 or -1 with an error message. */
int util_read_whole_file(const char *path, size_t max_bytes, unsigned char **data, size_t *len);
/* The first min(file size, cap) bytes of a regular file, likewise (for telling a format from
 * its first bytes without reading the rest). Returns 0 or -1 with an error message. */
int util_read_file_head(const char *path, size_t cap, unsigned char **data, size_t *len);

typedef struct {
    FILE *fp;
    char *path;     /* where the output ends up (a link's target) */
    char *tmp_path; /* NULL when written in place */
    int failed;
} atomic_file;

/* Opens a temporary file beside path (or path itself, see above). Returns 0 or -1. */
int util_atomic_file_open(atomic_file *af, const char *path);
/* fwrite that remembers failure; returns 0 or -1. */
int util_atomic_file_write(atomic_file *af, const void *data, size_t len);
/* Flushes, fsyncs and renames onto the final path. On any earlier failure it discards the
 * temp file instead and returns -1. Always releases af. */
int util_atomic_file_commit(atomic_file *af);
/* Discards the temp file; safe on an unopened or already-finished af. */
void util_atomic_file_abort(atomic_file *af);

/* Writes len bytes to path atomically. */
int util_write_file_atomic(const char *path, const void *data, size_t len);

/* mkdir -p; returns 0 or -1. */
int util_make_dirs(const char *path);

#endif
