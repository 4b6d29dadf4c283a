#include "eval/results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/csv.h"
#include "eval/dirlist.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/sha256.h"

#define RESULTS_MAX_FILE (256u << 20)

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) util_err("out of memory");
    return p;
}

/* A copy of an optional text: NULL for none or empty. 0, or -1 on out of memory. */
static int copy_optional(const char *src, char **dst) {
    *dst = NULL;
    if (!src || !*src) return 0;
    return (*dst = xstrdup(src)) ? 0 : -1;
}

static void row_free(result_row *r) {
    free(r->task), free(r->image), free(r->cls), free(r->experiment), free(r->setting), free(r->selection);
    free(r->method);
    free(r->points), free(r->box), free(r->volume), free(r->plane);
}

int eval_result_set_add_detail(result_set *s, const char *task, const char *image, const char *cls,
                          const char *experiment, const char *setting, const char *selection, double iou,
                          double dice, const result_detail *d) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t bytes;
        if (util_size_mul(cap, sizeof *s->rows, &bytes)) return -1;
        result_row *r = realloc(s->rows, bytes);
        if (!r) return util_err("out of memory");
        s->rows = r;
        s->cap = cap;
    }
    result_row *r = &s->rows[s->n];
    memset(r, 0, sizeof *r);
    r->iou = iou;
    r->dice = dice;
    r->pred_iou = NAN;
    r->area = r->slice = -1;
    int rc = (r->task = xstrdup(task)) && (r->image = xstrdup(image)) && (r->cls = xstrdup(cls)) &&
                     (r->experiment = xstrdup(experiment)) && (r->setting = xstrdup(setting)) &&
                     (r->selection = xstrdup(selection)) &&
                     (r->method = xstrdup(d && d->method ? d->method : RESULTS_METHOD_SAM))
                 ? 0
                 : -1;
    if (rc == 0) {
        r->exp = eval_experiment_from_name(experiment);
        r->sel = eval_selection_from_name(selection);
        r->step = eval_measure_step(r->exp, setting);
    }
    if (rc == 0 && d) {
        r->has_detail = 1;
        r->pred_iou = d->pred_iou;
        r->area = d->area;
        r->slice = d->slice;
        rc = copy_optional(d->points, &r->points) || copy_optional(d->box, &r->box) ||
                     copy_optional(d->volume, &r->volume) || copy_optional(d->plane, &r->plane)
                 ? -1
                 : 0;
    }
    if (rc) {
        row_free(r);
        return -1;
    }
    s->n++;
    return 0;
}

int eval_result_set_add(result_set *s, const char *task, const char *image, const char *cls, const char *experiment,
                   const char *setting, const char *selection, double iou, double dice) {
    return eval_result_set_add_detail(s, task, image, cls, experiment, setting, selection, iou, dice, NULL);
}

void eval_result_set_free(result_set *s) {
    for (size_t i = 0; i < s->n; i++) row_free(&s->rows[i]);
    free(s->rows);
    memset(s, 0, sizeof *s);
}

char *eval_results_item_name(const char *item_id) {
    size_t n = strlen(item_id);
    char *name = util_xmalloc_array(n + 16, 1);
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
        util_sha256(item_id, n, d);
        util_sha256_hex(d, hex);
        snprintf(name + n, 10, "-%.8s", hex);
    }
    return name;
}

char *eval_results_item_path(const char *out, const char *item_id) {
    char *name = eval_results_item_name(item_id);
    char *dir = name ? eval_path_join(out, "results") : NULL;
    char *file = NULL;
    if (dir) {
        size_t m = strlen(dir) + strlen(name) + 8;
        file = util_xmalloc_array(m, 1);
        if (file) snprintf(file, m, "%s/%s.csv", dir, name);
    }
    free(dir);
    free(name);
    return file;
}

/* Numbers as text that reads back to the same double; "nan" for not-a-number. */
static void put_number(strbuf *b, double v) {
    if (isnan(v))
        eval_sb_puts(b, "nan");
    else
        eval_sb_printf(b, "%.17g", v);
}

/* The key columns of a row, each followed by a comma. */
static void put_key(strbuf *b, const result_row *r) {
    const char *f[6] = {r->task, r->image, r->cls, r->experiment, r->setting, r->selection};
    for (int k = 0; k < 6; k++) {
        eval_csv_field(b, f[k]);
        eval_sb_putn(b, ",", 1);
    }
}

static void put_measure(strbuf *b, const result_row *r) {
    put_number(b, r->iou);
    eval_sb_putn(b, ",", 1);
    put_number(b, r->dice);
}

/* The detail columns (RESULTS_DETAIL_COLUMNS); all empty for a row without detail. The
 * predicted IoU is a float32 of SAM's (mode 4: a mean of them): 9 digits give it back. */
static void put_detail(strbuf *b, const result_row *r) {
    int d = r->has_detail;
    eval_csv_field(b, d && r->points ? r->points : "");
    eval_sb_putn(b, ",", 1);
    eval_csv_field(b, d && r->box ? r->box : "");
    eval_sb_putn(b, ",", 1);
    if (d && !isnan(r->pred_iou)) eval_sb_printf(b, "%.9g", r->pred_iou);
    eval_sb_putn(b, ",", 1);
    if (d && r->area >= 0) eval_sb_printf(b, "%lld", r->area);
    eval_sb_putn(b, ",", 1);
    eval_csv_field(b, d && r->volume ? r->volume : "");
    eval_sb_putn(b, ",", 1);
    eval_csv_field(b, d && r->plane ? r->plane : "");
    eval_sb_putn(b, ",", 1);
    if (d && r->slice >= 0) eval_sb_printf(b, "%lld", r->slice);
}

enum { COLS_RESULTS, COLS_PER_IMAGE, COLS_PROMPTS };

/* The header and one line per row in the columns of one of the three files. */
static void put_rows(strbuf *b, const result_set *s, int cols) {
    eval_sb_puts(b, cols == COLS_RESULTS ? RESULTS_FILE_HEADER "\n" : cols == COLS_PER_IMAGE ? RESULTS_HEADER "\n"
                                                                                         : PROMPTS_HEADER "\n");
    for (size_t i = 0; i < s->n; i++) {
        const result_row *r = &s->rows[i];
        put_key(b, r);
        if (cols != COLS_PROMPTS) put_measure(b, r);
        if (cols == COLS_RESULTS) eval_sb_putn(b, ",", 1);
        if (cols != COLS_PER_IMAGE) put_detail(b, r);
        eval_sb_putn(b, ",", 1);
        eval_csv_field(b, r->method);
        eval_sb_putn(b, "\n", 1);
    }
}

static char *finish(strbuf *b, size_t *len) {
    if (b->failed) {
        eval_sb_free(b);
        util_err("out of memory");
        return NULL;
    }
    *len = b->n;
    return b->s;
}

char *eval_results_format(const result_set *s, size_t *len) {
    strbuf b = {0};
    put_rows(&b, s, COLS_RESULTS);
    if (!b.failed) {
        uint8_t d[32];
        char hex[65];
        util_sha256(b.s, b.n, d);
        util_sha256_hex(d, hex);
        eval_sb_printf(&b, "#sha256=%s\n", hex);
    }
    return finish(&b, len);
}

char *eval_results_per_image_csv(const result_set *s, size_t *len) {
    strbuf b = {0};
    put_rows(&b, s, COLS_PER_IMAGE);
    return finish(&b, len);
}

char *eval_results_prompts_csv(const result_set *s, size_t *len) {
    strbuf b = {0};
    put_rows(&b, s, COLS_PROMPTS);
    return finish(&b, len);
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

/* A count or index: "" is -1 (none), else digits. 0 or -1. */
static int parse_count(const char *s, long long *v) {
    if (!*s) {
        *v = -1;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return *s < '0' || *s > '9' || *end || errno ? -1 : 0;
}

#define N_FILE_FIELDS 16

/* The detail fields of a row (points, box, pred_iou, area, volume, plane, slice), pointing
 * into f. 0 or -1. */
static int parse_detail(char **f, result_detail *d) {
    d->points = f[0], d->box = f[1], d->volume = f[4], d->plane = f[5];
    d->pred_iou = NAN;
    if (*f[2] && (parse_number(f[2], &d->pred_iou) || isnan(d->pred_iou))) return -1;
    return parse_count(f[3], &d->area) || parse_count(f[6], &d->slice) ? -1 : 0;
}

int eval_results_parse(char *buf, size_t len, const char *what, result_set *out) {
    /* the checksum line is the last line and covers every byte before it */
    const char *tag = "#sha256=";
    size_t tl = strlen(tag), cl = tl + 64 + 1;
    if (len < cl || buf[len - 1] != '\n' || memcmp(buf + len - cl, tag, tl) != 0 ||
        (len > cl && buf[len - cl - 1] != '\n'))
        return util_err("%s: incomplete results file (no checksum line)", what);
    uint8_t d[32];
    char hex[65];
    util_sha256(buf, len - cl, d);
    util_sha256_hex(d, hex);
    if (memcmp(hex, buf + len - cl + tl, 64) != 0) return util_err("%s: damaged results file (checksum mismatch)",
        what);
    char *p = buf, *end = buf + len - cl;
    int complete;
    char *line = eval_next_line(&p, end, &complete);
    /* 3: this samc's columns; 2: without the method; 1: the measurement only */
    int version = !line ? 0 : !strcmp(line, RESULTS_FILE_HEADER) ? 3 : !strcmp(line, RESULTS_FILE_HEADER_V2) ? 2
                            : !strcmp(line, RESULTS_HEADER_V1)   ? 1 : 0;
    if (!version) return util_err("%s: not a samc results file (header)", what);
    int detail = version >= 2, n_fields = version == 3 ? N_FILE_FIELDS : version == 2 ? N_FILE_FIELDS - 1 : 8;
    size_t lineno = 1;
    /* records, not lines: an image name may hold a quoted line break */
    while ((line = eval_csv_next_record(&p, end, &complete)) != NULL) {
        lineno++;
        char *f[N_FILE_FIELDS + 1];
        double iou, dice;
        result_detail d;
        if (eval_csv_split(line, f, N_FILE_FIELDS + 1) != n_fields || parse_number(f[6], &iou) ||
            parse_number(f[7], &dice) || (detail && parse_detail(f + 8, &d)) ||
            (version == 3 && !*f[N_FILE_FIELDS - 1]))
            return util_err("%s:%zu: malformed row", what, lineno);
        if (detail) d.method = version == 3 ? f[N_FILE_FIELDS - 1] : NULL;
        if (eval_result_set_add_detail(out, f[0], f[1], f[2], f[3], f[4], f[5], iou, dice, detail ? &d : NULL))
            return -1;
    }
    return 0;
}

int eval_results_item_write(const char *out, const char *item_id, const result_set *s) {
    char *dir = eval_path_join(out, "results");
    if (!dir || util_make_dirs(dir)) {
        free(dir);
        return -1;
    }
    free(dir);
    char *path = eval_results_item_path(out, item_id);
    size_t len = 0;
    char *text = path ? eval_results_format(s, &len) : NULL;
    int rc = text ? util_write_file_atomic(path, text, len) : -1;
    free(text);
    free(path);
    return rc;
}

/* Reads and checks one results file. 0, or -1 with a message. */
static int read_results_file(const char *path, result_set *out) {
    unsigned char *buf;
    size_t len;
    if (util_read_whole_file(path, RESULTS_MAX_FILE, &buf, &len)) return -1;
    int rc = eval_results_parse((char *)buf, len, path, out);
    free(buf);
    return rc;
}

int eval_results_item_done(const char *out, const char *item_id) {
    char *path = eval_results_item_path(out, item_id);
    if (!path) return -1;
    if (access(path, F_OK) != 0) {
        int e = errno;
        free(path);
        return e == ENOENT ? 0 : util_err("%s: %s", out, strerror(e));
    }
    result_set s = {0};
    int rc = read_results_file(path, &s);
    eval_result_set_free(&s);
    if (rc) {
        fprintf(stderr, "samc: warning: %s; computing it again\n", samc_errmsg());
        unlink(path);
    }
    free(path);
    return rc == 0;
}

int eval_results_read_all(const char *out, result_set *all) {
    char *dir = eval_path_join(out, "results");
    if (!dir) return -1;
    path_list files;
    int rc = 0;
    if (!eval_is_dir(dir)) {
        rc = util_err("%s: no results folder (not a samc eval output?)", out);
        free(dir);
        return rc;
    }
    if (eval_dir_list_files(dir, 0, &files)) {
        free(dir);
        return -1;
    }
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        size_t l = strlen(files.paths[i]);
        if (l < 4 || strcmp(files.paths[i] + l - 4, ".csv")) continue;
        rc = read_results_file(files.paths[i], all);
    }
    eval_path_list_free(&files);
    free(dir);
    return rc;
}

void eval_results_clean_temps(const char *out) {
    char *dir = eval_path_join(out, "results");
    if (dir) eval_dir_remove_temps(dir);
    free(dir);
}

int eval_results_list_names(const char *out, path_list *names) {
    memset(names, 0, sizeof *names);
    char *dir = eval_path_join(out, "results");
    if (!dir) return -1;
    path_list files = {0};
    int rc = eval_is_dir(dir) ? eval_dir_list_files(dir, 0, &files) : 0;
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        const char *base = eval_path_base(files.paths[i]);
        size_t l = strlen(base);
        if (l <= 4 || strcmp(base + l - 4, ".csv")) continue;
        char *stem = strndup(base, l - 4);
        rc = stem ? eval_path_list_add(names, stem) : util_err("out of memory");
        free(stem);
    }
    if (rc == 0) eval_path_list_sort(names);
    else eval_path_list_free(names);
    eval_path_list_free(&files);
    free(dir);
    return rc;
}

/* ---- OUT/shards.conf ------------------------------------------------------------------ */

static int valid_name(const char *s, size_t n) {
    if (n == 0 || s[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

int eval_shard_record_init(shard_record *r, int n_shards) {
    memset(r, 0, sizeof *r);
    if (n_shards < 1 || n_shards > 100000) return util_err("shard count %d out of range", n_shards);
    r->held = calloc((size_t)n_shards, 1);
    if (!r->held) return util_err("out of memory");
    r->n_shards = n_shards;
    return 0;
}

void eval_shard_record_free(shard_record *r) {
    for (size_t i = 0; i < r->n; i++) free(r->v[i].name), free(r->v[i].slices);
    for (size_t i = 0; i < r->n_classes; i++) free(r->classes[i].task), free(r->classes[i].cls);
    free(r->classes);
    free(r->v);
    free(r->held);
    memset(r, 0, sizeof *r);
}

int eval_shard_record_add(shard_record *r, const char *name, int shard, int volume, const char *slices) {
    if (shard < 0 || shard >= r->n_shards) return util_err("%s: shard %d out of range", name, shard);
    if ((r->n & (r->n - 1)) == 0) { /* n is 0 or a power of two: full */
        size_t cap = r->n ? r->n * 2 : 1, bytes;
        if (util_size_mul(cap, sizeof *r->v, &bytes)) return -1;
        shard_source *v = realloc(r->v, bytes);
        if (!v) return util_err("out of memory");
        r->v = v;
    }
    shard_source *s = &r->v[r->n];
    s->name = strdup(name);
    s->slices = slices ? strdup(slices) : NULL;
    if (!s->name || (slices && !s->slices)) {
        free(s->name), free(s->slices);
        return util_err("out of memory");
    }
    s->shard = shard, s->volume = volume;
    r->n++;
    return 0;
}

static int has_control(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

int eval_shard_record_add_class(shard_record *r, const char *task, const char *cls) {
    /* the record is line-based: a line break in a name would end its line */
    if (has_control(task) || has_control(cls)) return util_err("task '%s': control characters in its name", task);
    if ((r->n_classes & (r->n_classes - 1)) == 0) { /* 0 or a power of two: full */
        size_t cap = r->n_classes ? r->n_classes * 2 : 1, bytes;
        if (util_size_mul(cap, sizeof *r->classes, &bytes)) return -1;
        shard_class *v = realloc(r->classes, bytes);
        if (!v) return util_err("out of memory");
        r->classes = v;
    }
    shard_class *k = &r->classes[r->n_classes];
    k->task = strdup(task);
    k->cls = strdup(cls);
    if (!k->task || !k->cls) {
        free(k->task), free(k->cls);
        return util_err("out of memory");
    }
    r->n_classes++;
    return 0;
}

static int cmp_source_name(const void *a, const void *b) {
    return strcmp(((const shard_source *)a)->name, ((const shard_source *)b)->name);
}

void eval_shard_record_sort(shard_record *r) {
    if (r->n) qsort(r->v, r->n, sizeof *r->v, cmp_source_name);
}

shard_source *eval_shard_record_find(const shard_record *r, const char *name) {
    shard_source key = {.name = (char *)name};
    return r->n ? bsearch(&key, r->v, r->n, sizeof *r->v, cmp_source_name) : NULL;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

/* "I NAME": the shard and the name (in place). 0 or -1. */
static int parse_entry(char *v, int n_shards, int *shard, char **name) {
    char *end;
    long i = strtol(v, &end, 10);
    if (end == v || *end != ' ' || i < 0 || i >= n_shards) return -1;
    *shard = (int)i;
    *name = trim(end);
    return valid_name(*name, strlen(*name)) ? 0 : -1;
}

/* The slices after "NAME:", checked and re-joined with single spaces (in place). 0 or -1. */
static int parse_slices(char *list) {
    char *w = list, *p = list;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (!n) break;
        if (!valid_name(p, n)) return -1;
        if (w != list) *w++ = ' ';
        memmove(w, p, n);
        w += n, p += n;
    }
    *w = 0;
    return 0;
}

int eval_shard_record_parse(char *buf, size_t len, const char *what, shard_record *r) {
    memset(r, 0, sizeof *r);
    char *p = buf, *end = buf + len, *line;
    struct pending {
        char *name, *list;
    } *sl = NULL;
    size_t n_sl = 0, lineno = 0;
    int complete, rc = 0;
    while (rc == 0 && (line = eval_next_line(&p, end, &complete)) != NULL) {
        lineno++;
        if (!complete) break; /* the end of an append cut short by a kill: not recorded */
        line = trim(line);
        if (!*line || *line == '#') continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            rc = util_err("%s:%zu: expected key = value", what, lineno);
            break;
        }
        *eq = 0;
        char *key = trim(line), *v = trim(eq + 1);
        long x;
        char *e;
        int shard;
        char *name;
        if (!strcmp(key, "shards")) {
            x = strtol(v, &e, 10);
            if (r->n_shards) rc = util_err("%s:%zu: a second 'shards' line", what, lineno);
            else if (e == v || *e || x < 1 || x > 100000)
                rc = util_err("%s:%zu: bad shard count '%s'", what, lineno, v);
            else rc = eval_shard_record_init(r, (int)x);
        } else if (!r->n_shards) {
            rc = util_err("%s:%zu: '%s' before the 'shards' line", what, lineno, key);
        } else if (!strcmp(key, "shard")) {
            x = strtol(v, &e, 10);
            if (e == v || *e || x < 0 || x >= r->n_shards) rc = util_err("%s:%zu: bad shard '%s'", what, lineno, v);
            else r->held[x] = 1;
        } else if (!strcmp(key, "image") || !strcmp(key, "volume")) {
            if (parse_entry(v, r->n_shards, &shard, &name))
                rc = util_err("%s:%zu: expected '%s = SHARD NAME'", what, lineno, key);
            else rc = eval_shard_record_add(r, name, shard, key[0] == 'v', NULL);
        } else if (!strcmp(key, "class")) {
            char *f[3];
            if (eval_csv_split(v, f, 3) != 2) rc = util_err("%s:%zu: expected 'class = \"CLASS\",\"TASK\"'", what,
                lineno);
            else rc = eval_shard_record_add_class(r, f[1], f[0]);
        } else if (!strcmp(key, "slices")) {
            char *colon = strchr(v, ':');
            if (!colon || !valid_name(v, (size_t)(colon - v)) || parse_slices(colon + 1)) {
                rc = util_err("%s:%zu: expected 'slices = VOLUME: NAME NAME ...'", what, lineno);
            } else {
                *colon = 0;
                void *t = (n_sl & (n_sl - 1)) == 0 ? realloc(sl, (n_sl ? n_sl * 2 : 1) * sizeof *sl) : sl;
                if (!t) rc = util_err("out of memory");
                else sl = t, sl[n_sl++] = (struct pending){v, colon + 1};
            }
        } /* other keys: from a later samc, ignored */
    }
    if (rc == 0 && !r->n_shards) rc = util_err("%s: no 'shards' line", what);
    if (rc == 0) eval_shard_record_sort(r);
    for (size_t i = 1; i < r->n && rc == 0; i++)
        if (!strcmp(r->v[i - 1].name, r->v[i].name)) rc = util_err("%s: %s listed twice", what, r->v[i].name);
    for (size_t i = 0; i < n_sl && rc == 0; i++) { /* in file order: a later line supersedes */
        shard_source *s = eval_shard_record_find(r, sl[i].name);
        if (!s || !s->volume) {
            rc = util_err("%s: slices of %s, which is not a volume of the record", what, sl[i].name);
        } else {
            free(s->slices);
            s->slices = strdup(sl[i].list);
            if (!s->slices) rc = util_err("out of memory");
        }
    }
    free(sl);
    if (rc) eval_shard_record_free(r);
    return rc;
}

int eval_shard_record_read(const char *out, shard_record *r) {
    memset(r, 0, sizeof *r);
    char *path = eval_path_join(out, SHARDS_FILE);
    if (!path) return -1;
    int rc;
    if (access(path, F_OK) != 0) {
        rc = errno == ENOENT ? 0 : util_err("%s: %s", path, strerror(errno));
    } else {
        unsigned char *buf;
        size_t len;
        rc = util_read_whole_file(path, 1u << 30, &buf, &len);
        if (rc == 0) {
            rc = eval_shard_record_parse((char *)buf, len, path, r) ? -1 : 1;
            free(buf);
        }
    }
    free(path);
    return rc;
}

char *eval_shard_record_format(const shard_record *r, size_t *len) {
    strbuf b = {0};
    eval_sb_puts(&b, "# samc: the images of the data set by shard, and the shards this folder holds;\n"
                "# samc merge and samc report check that each has results (eval/README.md)\n");
    eval_sb_printf(&b, "shards = %d\n", r->n_shards);
    for (int i = 0; i < r->n_shards; i++)
        if (r->held[i]) eval_sb_printf(&b, "shard = %d\n", i);
    for (size_t i = 0; i < r->n_classes; i++) {
        eval_sb_puts(&b, "class = ");
        eval_csv_field_quoted(&b, r->classes[i].cls);
        eval_sb_puts(&b, ",");
        eval_csv_field_quoted(&b, r->classes[i].task);
        eval_sb_puts(&b, "\n");
    }
    for (size_t i = 0; i < r->n; i++)
        eval_sb_printf(&b, "%s = %d %s\n", r->v[i].volume ? "volume" : "image", r->v[i].shard, r->v[i].name);
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].volume && r->v[i].slices) {
            eval_sb_printf(&b, "slices = %s:", r->v[i].name);
            if (r->v[i].slices[0]) eval_sb_printf(&b, " %s", r->v[i].slices);
            eval_sb_puts(&b, "\n");
        }
    if (b.failed) {
        eval_sb_free(&b);
        util_err("out of memory");
        return NULL;
    }
    *len = b.n;
    return b.s;
}

int eval_shard_record_write(const char *out, const shard_record *r) {
    size_t len;
    char *text = eval_shard_record_format(r, &len);
    char *path = text ? eval_path_join(out, SHARDS_FILE) : NULL;
    int rc = path ? util_write_file_atomic(path, text, len) : -1;
    free(path);
    free(text);
    return rc;
}

int eval_shard_record_join(shard_record *into, const shard_record *from, const char *what) {
    if (!into->n_shards) {
        if (eval_shard_record_init(into, from->n_shards)) return -1;
        memcpy(into->held, from->held, (size_t)from->n_shards);
        for (size_t i = 0; i < from->n; i++)
            if (eval_shard_record_add(into, from->v[i].name, from->v[i].shard, from->v[i].volume, from->v[i].slices))
                return -1;
        for (size_t i = 0; i < from->n_classes; i++)
            if (eval_shard_record_add_class(into, from->classes[i].task, from->classes[i].cls)) return -1;
        return 0; /* from is sorted, so is the copy */
    }
    if (into->n_shards != from->n_shards)
        return util_err("%s: shards of a run in %d shards, not %d", what, from->n_shards, into->n_shards);
    if (into->n != from->n)
        return util_err("%s: a data set of %zu images or volumes, not %zu (another data folder?)", what, from->n,
                        into->n);
    /* a record of a samc before the class lines lists none: it agrees with any */
    if (into->n_classes && from->n_classes) {
        int same = into->n_classes == from->n_classes;
        for (size_t i = 0; same && i < from->n_classes; i++)
            same = !strcmp(into->classes[i].task, from->classes[i].task) &&
                   !strcmp(into->classes[i].cls, from->classes[i].cls);
        if (!same) return util_err("%s: another list of classes (another data set config?)", what);
    }
    for (size_t i = 0; i < from->n; i++) {
        shard_source *a = &into->v[i];
        const shard_source *b = &from->v[i];
        if (strcmp(a->name, b->name) || a->shard != b->shard || a->volume != b->volume)
            return util_err("%s: another list of images (%s, not %s; another data folder?)", what, b->name, a->name);
        if (!b->slices) continue;
        if (a->slices && strcmp(a->slices, b->slices))
            return util_err("%s: volume %s finished with other slices", what, b->name);
        if (!a->slices && !(a->slices = strdup(b->slices))) return util_err("out of memory");
    }
    size_t had = into->n_classes;
    for (size_t i = 0; !had && i < from->n_classes; i++)
        if (eval_shard_record_add_class(into, from->classes[i].task, from->classes[i].cls)) return -1;
    for (int i = 0; i < into->n_shards; i++) into->held[i] |= from->held[i];
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define MISSING_LISTED 10

/* Lists a missing image or volume (up to MISSING_LISTED). */
static void note_missing(strbuf *list, size_t *n, const char *name, size_t len) {
    if (*n < MISSING_LISTED) {
        if (*n) eval_sb_puts(list, ", ");
        eval_sb_putn(list, name, len);
    }
    (*n)++;
}

int eval_shard_record_missing(const shard_record *r, char *const *names, size_t n_names, char **msg) {
    *msg = NULL;
    strbuf b = {0}, list = {0}, vols = {0};
    size_t n_missing = 0, n_shards_missing = 0, n_vols = 0;
    for (int i = 0; i < r->n_shards; i++) {
        if (r->held[i]) continue;
        if (n_shards_missing < MISSING_LISTED) eval_sb_printf(&b, "%s%d/%d", n_shards_missing ? ", " : "", i,
            r->n_shards);
        n_shards_missing++;
    }
    if (n_shards_missing > MISSING_LISTED) eval_sb_printf(&b, " and %zu more", n_shards_missing - MISSING_LISTED);
    for (size_t i = 0; i < r->n; i++) {
        const shard_source *s = &r->v[i];
        if (!s->volume) {
            const char *key = s->name;
            if (!n_names || !bsearch(&key, names, n_names, sizeof *names, cmp_str))
                note_missing(&list, &n_missing, s->name, strlen(s->name));
            continue;
        }
        if (!s->slices) {
            note_missing(&vols, &n_vols, s->name, strlen(s->name));
            continue;
        }
        for (const char *p = s->slices; *p;) {
            size_t n = strcspn(p, " ");
            char *key = strndup(p, n);
            if (!key) {
                eval_sb_free(&b), eval_sb_free(&list), eval_sb_free(&vols);
                return util_err("out of memory");
            }
            if (!n_names || !bsearch(&key, names, n_names, sizeof *names, cmp_str))
                note_missing(&list, &n_missing, p, n);
            free(key);
            p += n;
            while (*p == ' ') p++;
        }
    }
    if (n_missing > MISSING_LISTED) eval_sb_printf(&list, " and %zu more", n_missing - MISSING_LISTED);
    if (n_vols > MISSING_LISTED) eval_sb_printf(&vols, " and %zu more", n_vols - MISSING_LISTED);
    if (!n_shards_missing && !n_missing && !n_vols) {
        eval_sb_free(&b), eval_sb_free(&list), eval_sb_free(&vols);
        return 0;
    }
    strbuf m = {0};
    if (n_shards_missing) eval_sb_printf(&m, "shard%s %s missing", n_shards_missing == 1 ? "" : "s", b.s);
    if (n_missing)
        eval_sb_printf(&m, "%s%zu image%s without results: %s", m.n ? "; " : "", n_missing, n_missing == 1 ? "" : "s",
                  list.s);
    /* a volume's slices are known once it is finished */
    if (n_vols)
        eval_sb_printf(&m, "%s%zu volume%s not finished: %s", m.n ? "; " : "", n_vols, n_vols == 1 ? "" : "s", vols.s);
    int failed = b.failed || list.failed || vols.failed || m.failed;
    eval_sb_free(&b), eval_sb_free(&list), eval_sb_free(&vols);
    if (failed) {
        eval_sb_free(&m);
        return util_err("out of memory");
    }
    *msg = m.s;
    return 0;
}

int eval_shard_record_absent_classes(const shard_record *r, const result_set *rows, char **msg, size_t *n) {
    *msg = NULL;
    *n = 0;
    strbuf b = {0};
    for (size_t k = 0; k < r->n_classes; k++) {
        const shard_class *c = &r->classes[k];
        size_t i = 0;
        while (i < rows->n && (strcmp(rows->rows[i].task, c->task) || strcmp(rows->rows[i].cls, c->cls))) i++;
        if (i < rows->n) continue;
        eval_sb_printf(&b, "%sclass %s of task '%s'", *n ? ", " : "", c->cls, c->task);
        (*n)++;
    }
    if (b.failed) {
        eval_sb_free(&b);
        *n = 0;
        return util_err("out of memory");
    }
    *msg = b.s;
    return 0;
}

int eval_results_check_complete(const char *out, const result_set *rows, char **msg, char **absent, size_t *n_absent) {
    *msg = *absent = NULL;
    *n_absent = 0;
    shard_record r;
    int rc = eval_shard_record_read(out, &r);
    if (rc != 1) return rc;
    path_list names;
    if (eval_results_list_names(out, &names)) {
        eval_shard_record_free(&r);
        return -1;
    }
    rc = eval_shard_record_missing(&r, names.paths, names.n, msg) ? -1 : 1;
    if (rc == 1 && eval_shard_record_absent_classes(&r, rows, absent, n_absent)) {
        free(*msg), *msg = NULL;
        rc = -1;
    }
    eval_path_list_free(&names);
    eval_shard_record_free(&r);
    return rc;
}
