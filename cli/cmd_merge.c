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

#define MAX_RESULTS_FILE (256u << 20)

static void usage(void) {
    printf("usage: samc merge OUT1 OUT2 ... -o OUT\n"
           "Copies the per-image results of several run folders (e.g. the shards of a SLURM job\n"
           "array) into OUT, after checking that they were made with the same model, data set\n"
           "and options (run.conf) and that every results file is intact. An image present in\n"
           "two inputs must have identical results. Then: samc report OUT\n");
}

static int read_file(const char *dir, const char *name, unsigned char **buf, size_t *len) {
    char *p = path_join(dir, name);
    int rc = p ? read_whole_file(p, MAX_RESULTS_FILE, buf, len) : -1;
    free(p);
    return rc;
}

/* Copies one results file after checking it; identical duplicates are fine. */
static int merge_file(const char *src, const char *dst_dir) {
    unsigned char *buf, *old;
    size_t len, old_len;
    if (read_whole_file(src, MAX_RESULTS_FILE, &buf, &len)) return -1;
    unsigned char *copy = malloc(len + 1);
    int rc = copy ? 0 : samc_err("out of memory");
    if (rc == 0) {
        memcpy(copy, buf, len + 1);
        result_set s = {0};
        rc = results_parse((char *)copy, len, src, &s);
        result_set_free(&s);
    }
    free(copy);
    char *dst = rc == 0 ? path_join(dst_dir, path_base(src)) : NULL;
    if (rc == 0 && !dst) rc = -1;
    if (rc == 0 && access(dst, F_OK) == 0) {
        if ((rc = read_whole_file(dst, MAX_RESULTS_FILE, &old, &old_len)) == 0) {
            if (old_len != len || memcmp(old, buf, len))
                rc = samc_err("%s: the same image has different results in another input", src);
            free(old);
        }
    } else if (rc == 0) {
        rc = write_file_atomic(dst, buf, len);
    }
    free(dst);
    free(buf);
    return rc;
}

int cmd_merge(int argc, char **argv) {
    const char *cmd = "merge", *out = NULL;
    const char **in = calloc((size_t)argc, sizeof *in);
    int n_in = 0;
    if (!in) return cli_error(cmd, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = cli_common_option(cmd, argc, argv, &i);
        if (c < 0) return free(in), 2;
        if (c) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            free(in);
            return 0;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (!(out = cli_value(cmd, argc, argv, &i))) return free(in), 2;
        } else if (a[0] == '-') {
            free(in);
            return cli_usage_error(cmd, "unknown option %s", a);
        } else {
            in[n_in++] = a;
        }
    }
    if (!out || n_in < 1) {
        free(in);
        return cli_usage_error(cmd, "give the run folders to merge and -o OUT");
    }
    unsigned char *manifest = NULL;
    size_t mlen = 0;
    int rc = 0;
    for (int k = 0; k < n_in && rc == 0; k++) {
        if (!strcmp(in[k], out)) {
            rc = samc_err("%s: the output cannot be one of the inputs", out);
            break;
        }
        unsigned char *m;
        size_t len;
        if ((rc = read_file(in[k], "run.conf", &m, &len))) {
            samc_err_context("%s is not a samc eval folder", in[k]);
            break;
        }
        if (!manifest) {
            manifest = m, mlen = len;
        } else {
            if (len != mlen || memcmp(m, manifest, len))
                rc = samc_err("%s/run.conf differs from %s/run.conf: different model, data set or options", in[k], in[0]);
            free(m);
        }
    }
    char *dst = rc == 0 ? path_join(out, "results") : NULL;
    if (rc == 0 && (!dst || make_dirs(dst))) rc = -1;
    if (rc == 0) {
        /* an existing OUT must come from the same settings too */
        unsigned char *m;
        size_t len;
        char *p = path_join(out, "run.conf");
        if (p && access(p, F_OK) == 0 && read_whole_file(p, 1 << 20, &m, &len) == 0) {
            if (len != mlen || memcmp(m, manifest, len)) rc = samc_err("%s: already holds a run with other settings", out);
            free(m);
        } else if (p) {
            rc = write_file_atomic(p, manifest, mlen);
        }
        free(p);
    }
    size_t n_files = 0;
    for (int k = 0; k < n_in && rc == 0; k++) {
        char *dir = path_join(in[k], "results");
        path_list files = {0};
        if (!dir || dir_list_files(dir, 0, &files)) rc = -1;
        for (size_t i = 0; i < files.n && rc == 0; i++) {
            rc = merge_file(files.paths[i], dst);
            n_files++;
        }
        path_list_free(&files);
        free(dir);
    }
    free(dst);
    free(manifest);
    free(in);
    if (rc) return cli_lib_error(cmd);
    printf("samc merge: %zu results files from %d folders into %s\n", n_files, n_in, out);
    return 0;
}
