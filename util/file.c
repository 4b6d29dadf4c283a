#include "util/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

/* The first bytes of a regular file, at most `limit`; with `whole`, a longer file is an error
 * rather than cut. */
static int read_start(const char *path, size_t limit, int whole, unsigned char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return util_err("%s: %s", path, strerror(errno));
    struct stat st;
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = 0;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
        rc = util_err("%s: not a regular file", path);
    else if (whole && (unsigned long long)st.st_size > limit)
        rc = util_err("%s: file too large (%lld bytes, limit %zu)", path, (long long)st.st_size, limit);
    else
        n = (unsigned long long)st.st_size < limit ? (size_t)st.st_size : limit;
    if (rc == 0 && !(buf = util_xmalloc_array(n + 1, 1))) rc = -1;
    if (rc == 0 && n && fread(buf, 1, n, fp) != n) rc = util_err("%s: read error", path);
    fclose(fp);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int util_read_whole_file(const char *path, size_t max_bytes, unsigned char **data, size_t *len) {
    return read_start(path, max_bytes, 1, data, len);
}

int util_read_file_head(const char *path, size_t cap, unsigned char **data, size_t *len) {
    return read_start(path, cap, 0, data, len);
}

/* The file a rename may replace: path itself, or the regular file a symbolic link points to
 * (malloc'd in *final); *in_place set when the output must be written to path directly. */
static int output_target(const char *path, char **final, int *in_place) {
    struct stat st, lst;
    *final = NULL;
    *in_place = 0;
    if (stat(path, &st) != 0) {
        int e = errno;
        /* a file another process renamed into place since the stat (two eval workers caching
         * the same embedding) is replaced like a new one; only a link is refused */
        if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            return util_err("%s: a symbolic link to nothing", path);
        if (e != ENOENT) return util_err("%s: %s", path, strerror(e));
        *final = strdup(path); /* a new file */
    } else if (S_ISDIR(st.st_mode)) {
        return util_err("%s: is a directory", path);
    } else if (!S_ISREG(st.st_mode)) {
        *in_place = 1; /* a device, FIFO or socket: never replaced */
        *final = strdup(path);
    } else if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        *final = realpath(path, NULL); /* replace the target, keep the link */
    } else {
        *final = strdup(path);
    }
    return *final ? 0 : util_err("%s: %s", path, strerror(errno ? errno : ENOMEM));
}

int util_atomic_file_open(atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    if (!strcmp(path, "-")) {
        af->fp = stdout;
        af->path = strdup("standard output");
        if (!af->path) return util_err("out of memory");
        return 0;
    }
    int in_place;
    if (output_target(path, &af->path, &in_place)) return -1;
    if (in_place) {
        af->fp = fopen(af->path, "wb");
        if (!af->fp) {
            int e = errno;
            util_atomic_file_abort(af);
            return util_err("%s: cannot open: %s", path, strerror(e));
        }
        return 0;
    }
    size_t n = strlen(af->path) + 32;
    af->tmp_path = malloc(n);
    if (!af->tmp_path) {
        util_atomic_file_abort(af);
        return util_err("out of memory");
    }
    snprintf(af->tmp_path, n, "%s.tmp.%ld", af->path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        int e = errno;
        util_atomic_file_abort(af);
        return util_err("%s: cannot create: %s", path, strerror(e));
    }
    return 0;
}

int util_atomic_file_write(atomic_file *af, const void *data, size_t len) {
    if (af->failed || !af->fp) return -1;
    if (len && fwrite(data, 1, len, af->fp) != len) {
        af->failed = 1;
        return util_err("%s: write failed: %s", af->path, strerror(errno));
    }
    return 0;
}

/* closes af->fp unless it is standard output (flushed only); 0 or -1 with errno */
static int close_output(atomic_file *af) {
    int rc = af->fp == stdout ? fflush(af->fp) : fclose(af->fp);
    af->fp = NULL;
    return rc;
}

int util_atomic_file_commit(atomic_file *af) {
    if (!af->fp) return -1;
    /* written in place: a device or pipe has nothing to sync, but a full one fails the flush */
    int ok = !af->failed && fflush(af->fp) == 0 && (!af->tmp_path || fsync(fileno(af->fp)) == 0);
    int e = errno;
    if (close_output(af) != 0 && ok) {
        e = errno;
        ok = 0;
    }
    if (ok && af->tmp_path && rename(af->tmp_path, af->path) != 0) {
        e = errno;
        ok = 0;
    }
    if (!ok) {
        if (!af->failed) util_err("%s: cannot write: %s", af->path, strerror(e));
        if (af->tmp_path) unlink(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
    return ok ? 0 : -1;
}

void util_atomic_file_abort(atomic_file *af) {
    if (af->fp) {
        close_output(af);
        if (af->tmp_path) unlink(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
}

int util_write_file_atomic(const char *path, const void *data, size_t len) {
    atomic_file af;
    if (util_atomic_file_open(&af, path)) return -1;
    util_atomic_file_write(&af, data, len);
    return util_atomic_file_commit(&af);
}

int util_make_dirs(const char *path) {
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p) return util_err("out of memory");
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                util_err("%s: cannot create directory: %s", p, strerror(e));
                free(p);
                return -1;
            }
            p[i] = c;
        }
    }
    free(p);
    return 0;
}
