#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "io/npy.h"
#include "nn/trace.h"
#include "util/err.h"
#include "util/file.h"

static struct {
    char *dir;
    FILE *manifest; /* written to a temp name, renamed by audit_trace_stop */
    char *manifest_tmp;
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
    if (npy_write(path, NPY_F32, ndim, shape, data) != 0 ||
        fprintf(g_rec.manifest, "%d\t%s\t%s\t%s\n", g_rec.index, name, file, shp) < 0) {
        g_rec.failed = 1;
        return;
    }
    g_rec.index++;
}

int audit_trace_start(const char *dir) {
    if (make_dirs(dir)) return -1;
    size_t n = strlen(dir) + 64;
    g_rec.dir = strdup(dir);
    g_rec.manifest_tmp = malloc(n);
    if (!g_rec.dir || !g_rec.manifest_tmp) return samc_err("out of memory");
    snprintf(g_rec.manifest_tmp, n, "%s/manifest.tsv.tmp", dir);
    g_rec.manifest = fopen(g_rec.manifest_tmp, "w");
    if (!g_rec.manifest) return samc_err("%s: cannot create", g_rec.manifest_tmp);
    g_rec.index = 0;
    g_rec.failed = 0;
    nn_trace_set_sink(sink, NULL);
    return 0;
}

int audit_trace_stop(void) {
    nn_trace_set_sink(NULL, NULL);
    int failed = g_rec.failed;
    char final[4200];
    snprintf(final, sizeof final, "%s/manifest.tsv", g_rec.dir ? g_rec.dir : ".");
    if (g_rec.manifest && fclose(g_rec.manifest) != 0) failed = 1;
    if (!failed && rename(g_rec.manifest_tmp, final) != 0) failed = 1;
    if (failed) {
        if (g_rec.manifest_tmp) remove(g_rec.manifest_tmp);
        if (!samc_errmsg()[0]) samc_err("%s: writing the trace failed", g_rec.dir);
    }
    free(g_rec.dir);
    free(g_rec.manifest_tmp);
    memset(&g_rec, 0, sizeof g_rec);
    return failed ? -1 : 0;
}
