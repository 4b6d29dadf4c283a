#include "eval/dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

void eval_dir_remove_temps(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".tmp.")) continue;
        char *p = eval_path_join(dir, e->d_name);
        if (p) unlink(p);
        free(p);
    }
    if (d) closedir(d);
}

int eval_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *eval_path_base(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

char *eval_path_join(const char *a, const char *b) {
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/') la--;
    size_t n = la + strlen(b) + 2;
    char *p = util_xmalloc_array(n, 1);
    if (p) snprintf(p, n, "%.*s/%s", (int)la, a, b);
    return p;
}

int eval_path_list_add(path_list *l, const char *path) {
    /* grow by doubling: capacity is the next power of two >= n */
    if ((l->n & (l->n - 1)) == 0) {
        size_t cap = l->n ? l->n * 2 : 16;
        if (l->n && cap <= l->n) return util_err("too many files");
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return util_err("out of memory listing files");
        l->paths = p;
    }
    char *s = strdup(path);
    if (!s) return util_err("out of memory listing files");
    l->paths[l->n++] = s;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void eval_path_list_sort(path_list *l) {
    if (l->n) qsort(l->paths, l->n, sizeof *l->paths, cmp_str);
}

void eval_path_list_free(path_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->paths[i]);
    free(l->paths);
    l->paths = NULL;
    l->n = 0;
}

static int list_into(const char *dir, int recursive, int depth, path_list *out) {
    if (depth > 64) return util_err("%s: folders nested too deeply", dir);
    DIR *d = opendir(dir);
    if (!d) return util_err("%s: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp.")) continue;
        char *p = eval_path_join(dir, e->d_name);
        if (!p) {
            rc = -1;
            break;
        }
        struct stat st;
        if (stat(p, &st) != 0) {
            rc = util_err("%s: %s", p, strerror(errno));
        } else if (S_ISREG(st.st_mode)) {
            rc = eval_path_list_add(out, p);
        } else if (S_ISDIR(st.st_mode) && recursive) {
            rc = list_into(p, recursive, depth + 1, out);
        }
        free(p);
    }
    closedir(d);
    return rc;
}

int eval_dir_list_files(const char *dir, int recursive, path_list *out) {
    out->paths = NULL;
    out->n = 0;
    if (list_into(dir, recursive, 0, out)) {
        eval_path_list_free(out);
        return -1;
    }
    eval_path_list_sort(out);
    return 0;
}
