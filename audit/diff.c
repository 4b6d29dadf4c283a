#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "io/npy.h"
#include "util/err.h"

/* float bits mapped to integers that are ordered like the floats, so that the distance of
 * two floats in units in the last place is a subtraction (-0 and +0 are 0 apart). */
static int64_t ordered_bits(float f) {
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i < 0 ? (int64_t)INT32_MIN - i : i;
}

void audit_compare(const float *a, const float *b, size_t n, audit_diff *d) {
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            if (isnan(a[i]) != isnan(b[i])) d->nan_mismatch = 1;
            continue;
        }
        double diff = fabs((double)a[i] - (double)b[i]);
        if (diff > d->max_abs) d->max_abs = diff;
        if (fabs(b[i]) > d->max_abs_ref) d->max_abs_ref = fabs(b[i]);
        int64_t u = ordered_bits(a[i]) - ordered_bits(b[i]);
        if (u < 0) u = -u;
        if (u > d->max_ulp) d->max_ulp = u;
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) d->n_diff++;
    }
    d->max_rel = d->max_abs_ref > 0 ? d->max_abs / d->max_abs_ref : d->max_abs;
}

typedef struct {
    char **names, **files;
    int n;
} listing;

static void listing_free(listing *l) {
    for (int i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->files[i]);
    }
    free(l->names);
    free(l->files);
    memset(l, 0, sizeof *l);
}

static int listing_add(listing *l, const char *name, const char *file) {
    char **nn = realloc(l->names, sizeof(char *) * (size_t)(l->n + 1));
    if (!nn) return util_err("out of memory");
    l->names = nn;
    char **nf = realloc(l->files, sizeof(char *) * (size_t)(l->n + 1));
    if (!nf) return util_err("out of memory");
    l->files = nf;
    l->names[l->n] = strdup(name);
    l->files[l->n] = strdup(file);
    if (!l->names[l->n] || !l->files[l->n]) return util_err("out of memory");
    l->n++;
    return 0;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* A trace folder lists its tensors in manifest.tsv; any other folder is every *.npy in it,
 * by file name, the name being the file name without ".npy". */
static int list_dir(const char *dir, listing *l) {
    memset(l, 0, sizeof *l);
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    FILE *fp = fopen(path, "r");
    if (fp) {
        char line[1024];
        while (fgets(line, sizeof line, fp)) {
            char *idx = strtok(line, "\t\n"), *name = strtok(NULL, "\t\n"), *file = strtok(NULL, "\t\n");
            if (!idx || !name || !file || strchr(file, '/')) {
                fclose(fp);
                listing_free(l);
                return util_err("%s: malformed line", path);
            }
            if (listing_add(l, name, file)) {
                fclose(fp);
                listing_free(l);
                return -1;
            }
        }
        fclose(fp);
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) return util_err("%s: cannot open folder", dir);
    struct dirent *e;
    char **files = NULL;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".npy") != 0) continue;
        char **nf = realloc(files, sizeof(char *) * (size_t)(n + 1));
        if (!nf || !(nf[n] = strdup(e->d_name))) {
            free(nf ? nf : files);
            closedir(d);
            return util_err("out of memory");
        }
        files = nf;
        n++;
    }
    closedir(d);
    qsort(files, (size_t)n, sizeof *files, cmp_str);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(files[i]) - 4), files[i]);
        if (!rc) rc = listing_add(l, name, files[i]);
        free(files[i]);
    }
    free(files);
    if (rc) listing_free(l);
    return rc;
}

int audit_diff_dirs(const char *a, const char *b, double threshold, FILE *out) {
    listing la, lb;
    if (list_dir(a, &la)) return -1;
    if (list_dir(b, &lb)) {
        listing_free(&la);
        return -1;
    }
    int over = 0, first_reported = 0, compared = 0;
    fprintf(out, "%-52s %-16s %12s %12s %10s\n", "tensor", "shape", "max_abs", "max_rel", "max_ulp");
    for (int i = 0; i < la.n; i++) {
        int j = 0;
        while (j < lb.n && strcmp(la.names[i], lb.names[j]) != 0) j++;
        if (j == lb.n) {
            fprintf(out, "%-52s (not in %s)\n", la.names[i], b);
            continue;
        }
        char pa[4200], pb[4200];
        snprintf(pa, sizeof pa, "%s/%s", a, la.files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, lb.files[j]);
        npy_array xa, xb;
        if (io_npy_read_f32(pa, &xa)) goto fail;
        if (io_npy_read_f32(pb, &xb)) {
            io_npy_free(&xa);
            goto fail;
        }
        char shp[64] = "";
        size_t off = 0;
        for (int k = 0; k < xa.ndim && off < sizeof shp; k++)
            off += (size_t)snprintf(shp + off, sizeof shp - off, k ? "x%lld" : "%lld", (long long)xa.shape[k]);
        if (xa.count != xb.count) {
            fprintf(out, "%-52s %-16s sizes differ (%zu vs %zu values)\n", la.names[i], shp, xa.count, xb.count);
            over++;
        } else {
            audit_diff d;
            audit_compare(xa.data, xb.data, xa.count, &d);
            int bad = d.max_rel > threshold || d.nan_mismatch;
            fprintf(out, "%-52s %-16s %12.4g %12.4g %10lld%s%s\n", la.names[i], shp, d.max_abs, d.max_rel, d.max_ulp,
                    d.nan_mismatch ? "  NaN mismatch" : "", bad && !first_reported ? "  <- first over threshold" : "");
            if (bad) {
                over++;
                first_reported = 1;
            }
        }
        compared++;
        io_npy_free(&xa);
        io_npy_free(&xb);
    }
    fprintf(out, "%d tensors compared, %d over threshold %g\n", compared, over, threshold);
    listing_free(&la);
    listing_free(&lb);
    if (compared == 0) return util_err("no tensor of %s found in %s", a, b);
    return over;
fail:
    listing_free(&la);
    listing_free(&lb);
    return -1;
}
