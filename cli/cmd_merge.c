/* samc merge: combines the run folders of shards (samc eval --shard I/N) into one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/dirlist.h"
#include "eval/results.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define MAX_RESULTS_FILE (256u << 20)

static const char k_usage[] =
    "usage: samc merge OUT1 OUT2 ... -o OUT\n"
    "Copies the per-image results of several run folders (e.g. the shards of a SLURM job\n"
    "array) into OUT, after checking that they were made with the same model, data set\n"
    "and options (run.conf) and that every results file is intact. An image present in\n"
    "two inputs (or already in OUT) must have identical results. Nothing is written\n"
    "unless every check passes. Then: samc report OUT\n";

/* The bytes of a file, or of DIR/NAME; NULL (with a message) if it cannot be read. */
static unsigned char *slurp(const char *dir, const char *name, size_t *len) {
    char *p = name ? path_join(dir, name) : strdup(dir);
    unsigned char *buf = NULL;
    if (!p || read_whole_file(p, MAX_RESULTS_FILE, &buf, len)) buf = NULL;
    free(p);
    return buf;
}

/* 0 if the results file at path is intact (checksum, rows). */
static int check_results_file(const char *path) {
    size_t len;
    unsigned char *buf = slurp(path, NULL, &len);
    if (!buf) return -1;
    result_set s = {0};
    int rc = results_parse((char *)buf, len, path, &s);
    result_set_free(&s);
    free(buf);
    return rc;
}

/* 1 if the two files have the same bytes, 0 if not, -1 on a read error. */
static int same_bytes(const char *a, const char *b) {
    size_t la, lb;
    unsigned char *x = slurp(a, NULL, &la), *y = x ? slurp(b, NULL, &lb) : NULL;
    int r = !x || !y ? -1 : la == lb && !memcmp(x, y, la);
    free(x), free(y);
    return r;
}

static int cmp_base(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strcmp(path_base(x), path_base(y));
    return c ? c : strcmp(x, y);
}

/* Checks every input (same run.conf, intact files, no conflicting duplicates, nothing
 * conflicting already in OUT), then copies. Returns 0 or -1. */
static int merge(const char *const *in, int n_in, const char *out, size_t *n_copied) {
    unsigned char *manifest = NULL;
    size_t mlen = 0;
    path_list all = {0};
    int rc = 0;
    for (int k = 0; k < n_in && rc == 0; k++) {
        if (!strcmp(in[k], out)) {
            rc = samc_err("%s: the output cannot be one of the inputs", out);
            break;
        }
        size_t len;
        unsigned char *m = slurp(in[k], "run.conf", &len);
        if (!m) {
            rc = samc_err_context("%s is not a samc eval folder", in[k]);
            break;
        }
        if (!manifest) {
            manifest = m, mlen = len;
        } else {
            if (len != mlen || memcmp(m, manifest, len))
                rc = samc_err("%s/run.conf differs from %s/run.conf: another model, data set or options", in[k], in[0]);
            free(m);
        }
        char *dir = rc ? NULL : path_join(in[k], "results");
        path_list files = {0};
        if (rc == 0 && (!dir || dir_list_files(dir, 0, &files))) rc = -1;
        for (size_t i = 0; i < files.n && rc == 0; i++) {
            rc = check_results_file(files.paths[i]);
            if (rc == 0) rc = path_list_add(&all, files.paths[i]);
        }
        path_list_free(&files);
        free(dir);
    }
    /* the same image in two inputs: fine only with the same bytes */
    if (rc == 0 && all.n) qsort(all.paths, all.n, sizeof *all.paths, cmp_base);
    for (size_t i = 1; i < all.n && rc == 0; i++)
        if (!strcmp(path_base(all.paths[i - 1]), path_base(all.paths[i]))) {
            int same = same_bytes(all.paths[i - 1], all.paths[i]);
            if (same < 0) rc = -1;
            else if (!same) rc = samc_err("%s and %s: the same image with different results", all.paths[i - 1], all.paths[i]);
        }
    char *dst = rc == 0 ? path_join(out, "results") : NULL;
    if (rc == 0 && !dst) rc = -1;
    /* an existing OUT must hold the same run */
    if (rc == 0) {
        size_t len;
        char *p = path_join(out, "run.conf");
        if (!p) rc = -1;
        else if (access(p, F_OK) == 0) {
            unsigned char *m = slurp(p, NULL, &len);
            if (!m) rc = -1;
            else if (len != mlen || memcmp(m, manifest, len)) rc = samc_err("%s: already holds a run with other settings", out);
            free(m);
        }
        free(p);
    }
    for (size_t i = 0; i < all.n && rc == 0; i++) {
        char *d = path_join(dst, path_base(all.paths[i]));
        if (!d) rc = -1;
        else if (access(d, F_OK) == 0) {
            int same = same_bytes(d, all.paths[i]);
            if (same < 0) rc = -1;
            else if (!same) rc = samc_err("%s: OUT already has other results for this image", all.paths[i]);
        }
        free(d);
    }
    /* everything checked: write */
    if (rc == 0) rc = make_dirs(dst);
    if (rc == 0) {
        char *p = path_join(out, "run.conf");
        rc = p ? write_file_atomic(p, manifest, mlen) : -1;
        free(p);
    }
    *n_copied = 0;
    for (size_t i = 0; i < all.n && rc == 0; i++) {
        if (i && !strcmp(path_base(all.paths[i - 1]), path_base(all.paths[i]))) continue;
        size_t len;
        unsigned char *buf = slurp(all.paths[i], NULL, &len);
        char *d = buf ? path_join(dst, path_base(all.paths[i])) : NULL;
        rc = d ? write_file_atomic(d, buf, len) : -1;
        free(buf), free(d);
        (*n_copied)++;
    }
    free(dst);
    free(manifest);
    path_list_free(&all);
    return rc;
}

int cmd_merge(int argc, char **argv) {
    const char *cmd = "merge", *out = NULL;
    const char **in = xcalloc_array((size_t)argc, sizeof *in);
    if (!in) return cli_lib_error(cmd);
    const cli_option opts[] = {{.name = "-o", .alias = "--out", .kind = CLI_STRING, .dst = &out}, {0}};
    int n_in = 0, rc = cli_parse(cmd, k_usage, opts, argc, argv, in, argc, &n_in);
    size_t n = 0;
    if (rc < 0 && (!out || n_in < 1)) {
        rc = cli_usage_error(cmd, "give the run folders to merge and -o OUT");
    } else if (rc < 0) {
        rc = merge(in, n_in, out, &n) ? cli_lib_error(cmd) : 0;
        if (rc == 0) printf("samc merge: %zu results files from %d folders into %s\n", n, n_in, out);
    }
    free(in);
    return rc;
}
