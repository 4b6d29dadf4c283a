#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "io/npy.h"
#include "nn/trace.h"
#include "util/err.h"
#include "util/file.h"

static struct {
    char *dir;
    FILE *manifest; /* written to a temp name, renamed by audit_trace_stop */
    char *manifest_tmp;
    char **written; /* paths of the .npy files, for audit_trace_abort */
    int index;
    int failed;
} g_rec;

static void sink(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape) {
    (void)ctx;
    if (g_rec.failed) return;
    char file[300], path[4200], shp[128] = "";
    snprintf(file, sizeof file, "%03d_%s.npy", g_rec.index, name);
    snprintf(path, sizeof path, "%s/%s", g_rec.dir, file);
    size_t off = 0;
    for (int i = 0; i < ndim; i++)
        off += (size_t)snprintf(shp + off, sizeof shp - off, i ? "x%lld" : "%lld", (long long)shape[i]);
    char **w = realloc(g_rec.written, sizeof(char *) * (size_t)(g_rec.index + 1));
    if (w) g_rec.written = w;
    if (!w || !(w[g_rec.index] = strdup(path))) {
        util_err("out of memory");
        g_rec.failed = 1;
        return;
    }
    g_rec.index++; /* counted before writing, so that abort removes a half-written file's name too */
    if (io_npy_write(path, NPY_F32, ndim, shape, data) != 0 ||
        fprintf(g_rec.manifest, "%d\t%s\t%s\t%s\n", g_rec.index - 1, name, file, shp) < 0)
        g_rec.failed = 1;
}

static void release(void) {
    for (int i = 0; i < g_rec.index; i++) free(g_rec.written[i]);
    free(g_rec.written);
    free(g_rec.dir);
    free(g_rec.manifest_tmp);
    memset(&g_rec, 0, sizeof g_rec);
}

int audit_trace_start(const char *dir) {
    memset(&g_rec, 0, sizeof g_rec);
    if (util_make_dirs(dir)) return -1;
    size_t n = strlen(dir) + 64;
    g_rec.dir = strdup(dir);
    g_rec.manifest_tmp = malloc(n);
    if (!g_rec.dir || !g_rec.manifest_tmp) {
        release();
        return util_err("out of memory");
    }
    /* an older trace's manifest must not survive to describe a half-written new trace */
    char old[4200];
    snprintf(old, sizeof old, "%s/manifest.tsv", dir);
    remove(old);
    snprintf(g_rec.manifest_tmp, n, "%s/manifest.tsv.tmp", dir);
    g_rec.manifest = fopen(g_rec.manifest_tmp, "w");
    if (!g_rec.manifest) {
        util_err("%s: cannot create", g_rec.manifest_tmp);
        release();
        return -1;
    }
    nn_trace_set_sink(sink, NULL);
    return 0;
}

int audit_trace_stop(void) {
    nn_trace_set_sink(NULL, NULL);
    if (!g_rec.dir) return util_err("no trace is being recorded");
    int failed = g_rec.failed;
    char final[4200];
    snprintf(final, sizeof final, "%s/manifest.tsv", g_rec.dir);
    if (fclose(g_rec.manifest) != 0) failed = 1;
    g_rec.manifest = NULL;
    if (!failed && rename(g_rec.manifest_tmp, final) != 0) failed = 1;
    if (failed) {
        remove(g_rec.manifest_tmp);
        for (int i = 0; i < g_rec.index; i++) remove(g_rec.written[i]);
        if (!samc_errmsg()[0]) util_err("%s: writing the trace failed", g_rec.dir);
    }
    release();
    return failed ? -1 : 0;
}

void audit_trace_abort(void) {
    nn_trace_set_sink(NULL, NULL);
    if (!g_rec.dir) return;
    if (g_rec.manifest) fclose(g_rec.manifest);
    remove(g_rec.manifest_tmp);
    for (int i = 0; i < g_rec.index; i++) remove(g_rec.written[i]);
    rmdir(g_rec.dir); /* if now empty */
    release();
}
