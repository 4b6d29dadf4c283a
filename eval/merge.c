/* samc merge's work: combines the run folders of shards (samc eval --shard I/N) into one
 * (eval/merge.h). */
#include "eval/merge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "eval/dirlist.h"
#include "eval/results.h"
#include "eval/skipped.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define MAX_RESULTS_FILE (256u << 20)

/* Takes a shared hold of DIR/lock, which samc eval holds exclusively while it writes; *fd
 * is -1 when there is no lock file. 0, or -1 when the lock is held by a live process. A
 * lock file left by a finished or killed run is not held (flock ends with its process). */
static int hold_lock(const char *dir, int *fd) {
    char *path = eval_path_join(dir, "lock");
    if (!path) return -1;
    int rc = 0;
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* O_NONBLOCK: a FIFO does not hang us */
    if (*fd < 0) {
        if (errno != ENOENT) rc = util_err("%s: %s", path, strerror(errno));
    } else if (flock(*fd, LOCK_SH | LOCK_NB) != 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        rc = e == EWOULDBLOCK ? util_err("%s: a samc eval is still writing to this folder (%s is held); "
                                         "merge it when that run has ended", dir, path)
                              : util_err("%s: %s", path, strerror(e));
    }
    free(path);
    return rc;
}

/* The bytes of a file, or of DIR/NAME; NULL (with a message) if it cannot be read. */
static unsigned char *slurp(const char *dir, const char *name, size_t *len) {
    char *p = name ? eval_path_join(dir, name) : strdup(dir);
    unsigned char *buf = NULL;
    if (!p || util_read_whole_file(p, MAX_RESULTS_FILE, &buf, len)) buf = NULL;
    free(p);
    return buf;
}

/* 0 if the results file at path is intact (checksum, rows). */
static int check_results_file(const char *path) {
    size_t len;
    unsigned char *buf = slurp(path, NULL, &len);
    if (!buf) return -1;
    result_set s = {0};
    int rc = eval_results_parse((char *)buf, len, path, &s);
    eval_result_set_free(&s);
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
    int c = strcmp(eval_path_base(x), eval_path_base(y));
    return c ? c : strcmp(x, y);
}

/* The stems of the results files in a path list ("a/results/x.csv" -> "x") added to names. */
static int add_stems(path_list *names, const path_list *files) {
    for (size_t i = 0; i < files->n; i++) {
        const char *b = eval_path_base(files->paths[i]);
        size_t l = strlen(b);
        if (l <= 4 || strcmp(b + l - 4, ".csv")) continue;
        char *stem = strndup(b, l - 4);
        int rc = stem ? eval_path_list_add(names, stem) : util_err("out of memory");
        free(stem);
        if (rc) return -1;
    }
    return 0;
}

static void note_unrecorded(const char *dir) {
    fprintf(stderr, "samc merge: note: %s has no " SHARDS_FILE " (made by an older samc): which shards and images "
                    "are missing is not checked\n", dir);
}

/* OUT/skipped.txt: the unreadable images of every input and of OUT, less those that have a
 * results file in OUT now (read by a later run of their shard). 0 or -1. */
static int merge_skipped(const char *const *in, int n_in, const char *out, const char *results) {
    skip_list all = {0};
    int rc = eval_skip_list_read(out, &all);
    for (int k = 0; k < n_in && rc == 0; k++) {
        skip_list l = {0};
        rc = eval_skip_list_read(in[k], &l);
        if (rc == 0) rc = eval_skip_list_join(&all, &l);
        eval_skip_list_free(&l);
    }
    for (size_t i = 0; i < all.n && rc == 0;) {
        /* an entry is "image NAME: ..." or "volume NAME: ..." (eval_skip_list_read keeps only those);
         * a volume's results are per slice, so its entry stays */
        const char *name = strchr(all.lines[i], ' ') + 1;
        char stem[4096], file[4200];
        snprintf(stem, sizeof stem, "%.*s", (int)strcspn(name, ":"), name);
        snprintf(file, sizeof file, "%s.csv", stem);
        char *p = eval_path_join(results, file);
        if (!p) rc = -1;
        else if (access(p, F_OK) == 0) eval_skip_list_remove(&all, stem);
        else i++;
        free(p);
    }
    if (rc == 0) rc = eval_skip_list_write(out, &all);
    eval_skip_list_free(&all);
    return rc;
}

int eval_merge(const char *const *in, int n_in, const char *out, size_t *n_copied, char **incomplete) {
    unsigned char *manifest = NULL;
    size_t mlen = 0;
    path_list all = {0}, names = {0};
    shard_record rec = {0};
    int *given = NULL; /* given[i]: the first input holding shard i, or -1 */
    int unrecorded = 0;
    int *locks = calloc((size_t)n_in + 1, sizeof *locks);
    int n_locks = 0, rc = locks ? 0 : util_err("out of memory");
    *incomplete = NULL;
    /* first: no samc eval may be writing to an input (or to OUT); the holds last until the end */
    for (int k = 0; k <= n_in && rc == 0; k++) {
        rc = hold_lock(k < n_in ? in[k] : out, &locks[k]);
        if (rc == 0) n_locks = k + 1;
    }
    for (int k = 0; k < n_in && rc == 0; k++) {
        if (!strcmp(in[k], out)) {
            rc = util_err("%s: the output cannot be one of the inputs", out);
            break;
        }
        size_t len;
        unsigned char *m = slurp(in[k], "run.conf", &len);
        if (!m) {
            rc = util_err_context("%s is not a samc eval folder", in[k]);
            break;
        }
        if (!manifest) {
            manifest = m, mlen = len;
        } else {
            if (len != mlen || memcmp(m, manifest, len))
                rc = util_err("%s/run.conf differs from %s/run.conf: another model, data set or options", in[k], in[0]);
            free(m);
        }
        /* its shard count, shards and the data set's images must agree with the others' */
        shard_record r;
        int has = rc ? 0 : eval_shard_record_read(in[k], &r);
        if (has < 0) rc = -1;
        if (has == 0 && rc == 0) unrecorded = 1, note_unrecorded(in[k]);
        if (has == 1) {
            rc = eval_shard_record_join(&rec, &r, in[k]);
            if (rc == 0 && !given) {
                given = malloc((size_t)rec.n_shards * sizeof *given);
                if (!given) rc = util_err("out of memory");
                for (int i = 0; given && i < rec.n_shards; i++) given[i] = -1;
            }
            for (int i = 0; i < r.n_shards && rc == 0; i++) {
                if (!r.held[i]) continue;
                if (given[i] < 0) given[i] = k;
                else
                    fprintf(stderr, "samc merge: note: shard %d/%d is in both %s and %s\n", i, r.n_shards,
                            in[given[i]], in[k]);
            }
            eval_shard_record_free(&r);
        }
        char *dir = rc ? NULL : eval_path_join(in[k], "results");
        path_list files = {0};
        if (rc == 0 && (!dir || eval_dir_list_files(dir, 0, &files))) rc = -1;
        for (size_t i = 0; i < files.n && rc == 0; i++) {
            rc = check_results_file(files.paths[i]);
            if (rc == 0) rc = eval_path_list_add(&all, files.paths[i]);
        }
        eval_path_list_free(&files);
        free(dir);
    }
    /* the same image in two inputs: fine only with the same bytes */
    if (rc == 0 && all.n) qsort(all.paths, all.n, sizeof *all.paths, cmp_base);
    for (size_t i = 1; i < all.n && rc == 0; i++)
        if (!strcmp(eval_path_base(all.paths[i - 1]), eval_path_base(all.paths[i]))) {
            int same = same_bytes(all.paths[i - 1], all.paths[i]);
            if (same < 0) rc = -1;
            else if (!same) rc = util_err("%s and %s: the same image with different results", all.paths[i - 1],
                     all.paths[i]);
        }
    char *dst = rc == 0 ? eval_path_join(out, "results") : NULL;
    if (rc == 0 && !dst) rc = -1;
    /* an existing OUT must hold the same run; what it holds counts too */
    if (rc == 0) {
        size_t len;
        char *p = eval_path_join(out, "run.conf");
        if (!p) rc = -1;
        else if (access(p, F_OK) == 0) {
            unsigned char *m = slurp(p, NULL, &len);
            if (!m) rc = -1;
            else if (len != mlen || memcmp(m, manifest,
                     len)) rc = util_err("%s: already holds a run with other settings", out);
            free(m);
            shard_record r;
            int has = rc ? 0 : eval_shard_record_read(out, &r);
            if (has < 0) rc = -1;
            if (has == 1) rc = eval_shard_record_join(&rec, &r, out), eval_shard_record_free(&r);
            if (rc == 0) rc = eval_results_list_names(out, &names);
            if (rc == 0 && has == 0 && names.n) unrecorded = 1, note_unrecorded(out);
        }
        free(p);
    }
    for (size_t i = 0; i < all.n && rc == 0; i++) {
        char *d = eval_path_join(dst, eval_path_base(all.paths[i]));
        if (!d) rc = -1;
        else if (access(d, F_OK) == 0) {
            int same = same_bytes(d, all.paths[i]);
            if (same < 0) rc = -1;
            else if (!same) rc = util_err("%s: OUT already has other results for this image", all.paths[i]);
        }
        free(d);
    }
    /* what the merged run lacks: shards no input holds, images of the data set without results */
    if (rc == 0 && !unrecorded && rec.n_shards) {
        rc = add_stems(&names, &all);
        if (rc == 0) {
            eval_path_list_sort(&names);
            rc = eval_shard_record_missing(&rec, names.paths, names.n, incomplete);
        }
    }
    /* everything checked: write */
    if (rc == 0) rc = util_make_dirs(dst);
    if (rc == 0) {
        char *p = eval_path_join(out, "run.conf");
        rc = p ? util_write_file_atomic(p, manifest, mlen) : -1;
        free(p);
    }
    *n_copied = 0;
    for (size_t i = 0; i < all.n && rc == 0; i++) {
        if (i && !strcmp(eval_path_base(all.paths[i - 1]), eval_path_base(all.paths[i]))) continue;
        size_t len;
        unsigned char *buf = slurp(all.paths[i], NULL, &len);
        char *d = buf ? eval_path_join(dst, eval_path_base(all.paths[i])) : NULL;
        rc = d ? util_write_file_atomic(d, buf, len) : -1;
        free(buf), free(d);
        (*n_copied)++;
    }
    if (rc == 0) rc = merge_skipped(in, n_in, out, dst);
    /* the record last: the shards and images OUT holds now (none when an input had none) */
    if (rc == 0 && !unrecorded && rec.n_shards) {
        rc = eval_shard_record_write(out, &rec);
    } else if (rc == 0) {
        char *p = eval_path_join(out, SHARDS_FILE);
        if (!p || (unlink(p) != 0 && errno != ENOENT)) rc = util_err("%s: %s", p ? p : out, strerror(errno));
        free(p);
    }
    if (rc) free(*incomplete), *incomplete = NULL;
    for (int k = 0; k < n_locks; k++)
        if (locks[k] >= 0) close(locks[k]);
    free(locks);
    free(given);
    free(dst);
    free(manifest);
    eval_shard_record_free(&rec);
    eval_path_list_free(&names);
    eval_path_list_free(&all);
    return rc;
}
