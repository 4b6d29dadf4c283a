#include "eval/results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/csv.h"
#include "eval/dirlist.h"
#include "eval/sha256.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define RESULTS_MAX_FILE (256u << 20)

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) samc_err("out of memory");
    return p;
}

int result_set_add(result_set *s, const char *task, const char *image, const char *cls, const char *experiment,
                   const char *setting, const char *selection, double iou, double dice) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t bytes;
        if (size_mul(cap, sizeof *s->rows, &bytes)) return -1;
        result_row *r = realloc(s->rows, bytes);
        if (!r) return samc_err("out of memory");
        s->rows = r;
        s->cap = cap;
    }
    result_row *r = &s->rows[s->n];
    r->task = xstrdup(task);
    r->image = xstrdup(image);
    r->cls = xstrdup(cls);
    r->experiment = xstrdup(experiment);
    r->setting = xstrdup(setting);
    r->selection = xstrdup(selection);
    r->iou = iou;
    r->dice = dice;
    if (!r->task || !r->image || !r->cls || !r->experiment || !r->setting || !r->selection) {
        free(r->task), free(r->image), free(r->cls), free(r->experiment), free(r->setting), free(r->selection);
        return -1;
    }
    s->n++;
    return 0;
}

void result_set_free(result_set *s) {
    for (size_t i = 0; i < s->n; i++) {
        result_row *r = &s->rows[i];
        free(r->task), free(r->image), free(r->cls), free(r->experiment), free(r->setting), free(r->selection);
    }
    free(s->rows);
    memset(s, 0, sizeof *s);
}

char *results_item_path(const char *out, const char *item_id) {
    size_t n = strlen(item_id);
    char *name = xmalloc_array(n + 16, 1);
    if (!name) return NULL;
    int changed = n == 0;
    for (size_t i = 0; i < n; i++) {
        char c = item_id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        if (i == 0 && c == '.') ok = 0; /* no hidden files */
        name[i] = ok ? c : '_';
        changed |= !ok;
    }
    name[n] = 0;
    if (changed) {
        uint8_t d[32];
        char hex[65];
        sha256(item_id, n, d);
        sha256_hex(d, hex);
        snprintf(name + n, 10, "-%.8s", hex);
    }
    char *dir = path_join(out, "results");
    char *file = NULL;
    if (dir) {
        size_t m = strlen(dir) + strlen(name) + 8;
        file = xmalloc_array(m, 1);
        if (file) snprintf(file, m, "%s/%s.csv", dir, name);
    }
    free(dir);
    free(name);
    return file;
}

/* Numbers as text that reads back to the same double; "nan" for not-a-number. */
static void put_number(strbuf *b, double v) {
    if (isnan(v))
        sb_puts(b, "nan");
    else
        sb_printf(b, "%.17g", v);
}

char *results_format(const result_set *s, size_t *len) {
    strbuf b = {0};
    sb_puts(&b, RESULTS_HEADER "\n");
    for (size_t i = 0; i < s->n; i++) {
        const result_row *r = &s->rows[i];
        const char *f[6] = {r->task, r->image, r->cls, r->experiment, r->setting, r->selection};
        for (int k = 0; k < 6; k++) {
            csv_field(&b, f[k]);
            sb_putn(&b, ",", 1);
        }
        put_number(&b, r->iou);
        sb_putn(&b, ",", 1);
        put_number(&b, r->dice);
        sb_putn(&b, "\n", 1);
    }
    uint8_t d[32];
    char hex[65];
    sha256(b.s, b.n, d);
    sha256_hex(d, hex);
    sb_printf(&b, "#sha256=%s\n", hex);
    if (b.failed) {
        sb_free(&b);
        return NULL;
    }
    *len = b.n;
    return b.s;
}

static int parse_number(const char *s, double *v) {
    if (!strcmp(s, "nan")) {
        *v = NAN;
        return 0;
    }
    char *end;
    *v = strtod(s, &end);
    return end == s || *end || !isfinite(*v) ? -1 : 0;
}

int results_parse(char *buf, size_t len, const char *what, result_set *out) {
    /* the checksum line is the last line and covers every byte before it */
    const char *tag = "#sha256=";
    size_t tl = strlen(tag), cl = tl + 64 + 1;
    if (len < cl || buf[len - 1] != '\n' || memcmp(buf + len - cl, tag, tl) != 0 ||
        (len > cl && buf[len - cl - 1] != '\n'))
        return samc_err("%s: incomplete results file (no checksum line)", what);
    uint8_t d[32];
    char hex[65];
    sha256(buf, len - cl, d);
    sha256_hex(d, hex);
    if (memcmp(hex, buf + len - cl + tl, 64) != 0) return samc_err("%s: damaged results file (checksum mismatch)", what);
    char *p = buf, *end = buf + len - cl;
    int complete;
    char *line = next_line(&p, end, &complete);
    if (!line || strcmp(line, RESULTS_HEADER) != 0) return samc_err("%s: not a samc results file (header)", what);
    size_t lineno = 1;
    while ((line = next_line(&p, end, &complete)) != NULL) {
        lineno++;
        char *f[9];
        double iou, dice;
        if (csv_split(line, f, 9) != 8 || parse_number(f[6], &iou) || parse_number(f[7], &dice))
            return samc_err("%s:%zu: malformed row", what, lineno);
        if (result_set_add(out, f[0], f[1], f[2], f[3], f[4], f[5], iou, dice)) return -1;
    }
    return 0;
}

int results_item_write(const char *out, const char *item_id, const result_set *s) {
    char *dir = path_join(out, "results");
    if (!dir || make_dirs(dir)) {
        free(dir);
        return -1;
    }
    free(dir);
    char *path = results_item_path(out, item_id);
    size_t len = 0;
    char *text = path ? results_format(s, &len) : NULL;
    int rc = text ? write_file_atomic(path, text, len) : -1;
    free(text);
    free(path);
    return rc;
}

/* Reads and checks one results file. 0, or -1 with a message. */
static int read_results_file(const char *path, result_set *out) {
    unsigned char *buf;
    size_t len;
    if (read_whole_file(path, RESULTS_MAX_FILE, &buf, &len)) return -1;
    int rc = results_parse((char *)buf, len, path, out);
    free(buf);
    return rc;
}

int results_item_done(const char *out, const char *item_id) {
    char *path = results_item_path(out, item_id);
    if (!path) return -1;
    if (access(path, F_OK) != 0) {
        int e = errno;
        free(path);
        return e == ENOENT ? 0 : samc_err("%s: %s", out, strerror(e));
    }
    result_set s = {0};
    int rc = read_results_file(path, &s);
    result_set_free(&s);
    if (rc) {
        fprintf(stderr, "samc: warning: %s; computing it again\n", samc_errmsg());
        unlink(path);
    }
    free(path);
    return rc == 0;
}

int results_read_all(const char *out, result_set *all) {
    char *dir = path_join(out, "results");
    if (!dir) return -1;
    path_list files;
    int rc = 0;
    if (!is_dir(dir)) {
        rc = samc_err("%s: no results folder (not a samc eval output?)", out);
        free(dir);
        return rc;
    }
    if (dir_list_files(dir, 0, &files)) {
        free(dir);
        return -1;
    }
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        size_t l = strlen(files.paths[i]);
        if (l < 4 || strcmp(files.paths[i] + l - 4, ".csv")) continue;
        rc = read_results_file(files.paths[i], all);
    }
    path_list_free(&files);
    free(dir);
    return rc;
}

void results_clean_temps(const char *out) {
    char *dir = path_join(out, "results");
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".tmp.")) continue;
        char *p = path_join(dir, e->d_name);
        if (p) unlink(p);
        free(p);
    }
    if (d) closedir(d);
    free(dir);
}
