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
    if (!fp) return samc_err("%s: %s", path, strerror(errno));
    struct stat st;
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = 0;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
        rc = samc_err("%s: not a regular file", path);
    else if (whole && (unsigned long long)st.st_size > limit)
        rc = samc_err("%s: file too large (%lld bytes, limit %zu)", path, (long long)st.st_size, limit);
    else
        n = (unsigned long long)st.st_size < limit ? (size_t)st.st_size : limit;
    if (rc == 0 && !(buf = xmalloc_array(n + 1, 1))) rc = -1;
    if (rc == 0 && n && fread(buf, 1, n, fp) != n) rc = samc_err("%s: read error", path);
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

int read_whole_file(const char *path, size_t max_bytes, unsigned char **data, size_t *len) {
    return read_start(path, max_bytes, 1, data, len);
}

int read_file_head(const char *path, size_t cap, unsigned char **data, size_t *len) {
    return read_start(path, cap, 0, data, len);
}

int atomic_file_open(atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path) + 32;
    af->path = strdup(path);
    af->tmp_path = malloc(n);
    if (!af->path || !af->tmp_path) {
        atomic_file_abort(af);
        return samc_err("out of memory");
    }
    snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        int e = errno;
        atomic_file_abort(af);
        return samc_err("%s: cannot create: %s", path, strerror(e));
    }
    return 0;
}

int atomic_file_write(atomic_file *af, const void *data, size_t len) {
    if (af->failed || !af->fp) return -1;
    if (len && fwrite(data, 1, len, af->fp) != len) {
        af->failed = 1;
        return samc_err("%s: write failed: %s", af->path, strerror(errno));
    }
    return 0;
}

int atomic_file_commit(atomic_file *af) {
    if (!af->fp) return -1;
    int ok = !af->failed && fflush(af->fp) == 0 && fsync(fileno(af->fp)) == 0;
    int e = errno;
    if (fclose(af->fp) != 0) ok = 0;
    af->fp = NULL;
    if (ok && rename(af->tmp_path, af->path) != 0) {
        e = errno;
        ok = 0;
    }
    if (!ok) {
        if (!af->failed) samc_err("%s: cannot write: %s", af->path, strerror(e));
        unlink(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
    return ok ? 0 : -1;
}

void atomic_file_abort(atomic_file *af) {
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
        unlink(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    af->path = af->tmp_path = NULL;
}

int write_file_atomic(const char *path, const void *data, size_t len) {
    atomic_file af;
    if (atomic_file_open(&af, path)) return -1;
    atomic_file_write(&af, data, len);
    return atomic_file_commit(&af);
}

int make_dirs(const char *path) {
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p) return samc_err("out of memory");
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                samc_err("%s: cannot create directory: %s", p, strerror(e));
                free(p);
                return -1;
            }
            p[i] = c;
        }
    }
    free(p);
    return 0;
}
