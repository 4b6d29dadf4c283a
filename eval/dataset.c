#include "eval/dataset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/dirlist.h"
#include "eval/source.h"
#include "util/err.h"
#include "util/file.h"
#include "util/sha256.h"

#define DS_MAX_CONFIG_BYTES (1u << 20)

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

/* Task names go into the results (CSV) and OUT/shards.conf (one per line): no control
 * characters, so a line break cannot split a record. 0 or -1. */
static int check_task_name(const char *name, const char *what, int line) {
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return line ? util_err("%s:%d: control character 0x%02x in the task name", what, line, (unsigned char)*p)
                        : util_err("%s: control character 0x%02x in the task name", what, (unsigned char)*p);
    return 0;
}

static int set_str(char **dst, const char *v, const char *what, int line, const char *key) {
    if (*dst) return util_err("%s:%d: '%s' given twice", what, line, key);
    *dst = strdup(v);
    return *dst ? 0 : util_err("out of memory");
}

static int parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *trim(end) || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int parse_bool(const char *s, int *out) {
    if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1")) return *out = 1, 0;
    if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0")) return *out = 0, 0;
    return -1;
}

/* "FROM -> TO" split in place; 0 or -1. */
static int split_arrow(char *v, char **from, char **to) {
    char *a = strstr(v, "->");
    if (!a) return -1;
    *a = 0;
    *from = trim(v);
    *to = trim(a + 2);
    return **from && **to ? 0 : -1;
}

/* Keys read into a typed value, whose default cannot tell whether they were given: one bit
 * each in the parser's 'given'. */
enum { GIVEN_PLANE = 1, GIVEN_INTENSITY = 2 };

static int given_once(unsigned *given, unsigned key_bit, const char *what, int line, const char *key) {
    if (*given & key_bit) return util_err("%s:%d: '%s' given twice", what, line, key);
    *given |= key_bit;
    return 0;
}

static int parse_line(dataset_config *c, unsigned *given, char *key, char *v, const char *what, int line) {
    if (!strcmp(key, "name")) return set_str(&c->name, v, what, line, key);
    if (!strcmp(key, "root")) return set_str(&c->root, v, what, line, key);
    if (!strcmp(key, "images")) return set_str(&c->images, v, what, line, key);
    if (!strcmp(key, "masks")) return set_str(&c->masks, v, what, line, key);
    if (!strcmp(key, "mask_suffix")) return set_str(&c->mask_suffix, v, what, line, key);
    if (!strcmp(key, "volumes")) return set_str(&c->volumes, v, what, line, key);
    if (!strcmp(key, "list")) return set_str(&c->list, v, what, line, key);
    if (!strcmp(key, "task")) {
        if (check_task_name(v, what, line)) return -1;
        if (c->n_classes) return util_err("%s:%d: 'task' given twice or mixed with 'class.N'", what, line);
        c->classes[0].values[0] = 1;
        c->classes[0].n_values = 1;
        c->n_classes = 1;
        c->single_task = 1;
        if (set_str(&c->classes[0].cls, "1", what, line, key)) return -1;
        return set_str(&c->classes[0].task, v, what, line, key);
    }
    if (!strcmp(key, "layout")) {
        if (!strcmp(v, "png")) c->layout = DS_LAYOUT_PNG;
        else if (!strcmp(v, "nifti")) c->layout = DS_LAYOUT_NIFTI;
        else return util_err("%s:%d: layout must be png or nifti, not '%s'", what, line, v);
        return 0;
    }
    if (!strcmp(key, "labels")) {
        char *from, *to;
        if (split_arrow(v, &from, &to)) return util_err("%s:%d: labels must read 'FROM -> TO'", what, line);
        if (set_str(&c->label_from, from, what, line, key)) return -1;
        return set_str(&c->label_to, to, what, line, key);
    }
    /* plane and intensity: the parsers of samc predict --plane / --intensity, so both take
     * the same words */
    if (!strcmp(key, "plane")) {
        if (io_nifti_plane_parse(v, &c->plane)) return util_err_context("%s:%d", what, line);
        return given_once(given, GIVEN_PLANE, what, line, key);
    }
    if (!strcmp(key, "slices")) {
        if (!strcmp(v, "target")) c->all_slices = 0;
        else if (!strcmp(v, "all")) c->all_slices = 1;
        else return util_err("%s:%d: slices must be target or all", what, line);
        return 0;
    }
    if (!strcmp(key, "intensity")) {
        if (io_intensity_parse(v, &c->intensity)) return util_err_context("%s:%d", what, line);
        return given_once(given, GIVEN_INTENSITY, what, line, key);
    }
    if (!strcmp(key, "binary")) {
        if (parse_bool(v, &c->binary)) return util_err("%s:%d: binary must be yes or no", what, line);
        return 0;
    }
    if (!strcmp(key, "remap")) {
        char *from, *to;
        int a, b;
        if (split_arrow(v, &from, &to) || parse_int(from, 0, 65535, &a) || parse_int(to, 0, 65535, &b))
            return util_err("%s:%d: remap must read 'VALUE -> VALUE'", what, line);
        if (c->n_remaps == DS_MAX_REMAPS) return util_err("%s:%d: too many remaps", what, line);
        for (int i = 0; i < c->n_remaps; i++)
            if (c->remap_from[i] == a) return util_err("%s:%d: label %d remapped twice", what, line, a);
        c->remap_from[c->n_remaps] = a;
        c->remap_to[c->n_remaps++] = b;
        return 0;
    }
    if (!strncmp(key, "class.", 6)) {
        if (c->single_task) return util_err("%s:%d: 'class.N' mixed with 'task'", what, line);
        if (c->n_classes == DS_MAX_CLASSES) return util_err("%s:%d: too many classes", what, line);
        if (check_task_name(v, what, line)) return -1;
        ds_class *k = &c->classes[c->n_classes];
        memset(k, 0, sizeof *k);
        char list[64];
        snprintf(list, sizeof list, "%s", key + 6);
        for (char *tok = list, *comma; tok; tok = comma ? comma + 1 : NULL) {
            comma = strchr(tok, ',');
            if (comma) *comma = 0;
            if (k->n_values == DS_MAX_VALUES || parse_int(tok, 1, 65535, &k->values[k->n_values]))
                return util_err("%s:%d: class.N needs label values 1..65535 (at most %d, comma-separated)", what,
                                line, DS_MAX_VALUES);
            k->n_values++;
        }
        for (int i = 0; i < c->n_classes; i++) {
            if (!strcmp(c->classes[i].cls, key + 6)) return util_err("%s:%d: %s given twice", what, line, key);
            if (!strcmp(c->classes[i].task, v)) return util_err("%s:%d: task '%s' given twice", what, line, v);
        }
        k->task = strdup(v);
        k->cls = strdup(key + 6);
        c->n_classes++; /* counted before the check so eval_dataset_config_free releases both */
        if (!k->task || !k->cls) return util_err("out of memory");
        return 0;
    }
    return util_err("%s:%d: unknown key '%s'", what, line, key);
}

static int resolve_root(dataset_config *c, const char *config_dir, const char *root_override) {
    const char *r = root_override ? root_override : c->root ? c->root : ".";
    char *abs = NULL;
    if (root_override || r[0] == '/' || !config_dir)
        abs = strdup(r);
    else
        abs = eval_path_join(config_dir, r);
    if (!abs) return util_err("out of memory");
    free(c->root);
    c->root = abs;
    return 0;
}

static int finish(dataset_config *c, unsigned given, const char *what) {
    if (!c->name) return util_err("%s: 'name' missing", what);
    if (c->n_classes == 0) return util_err("%s: no task ('task = NAME' or 'class.N = NAME' lines)", what);
    if (c->binary && (c->n_classes != 1 || c->classes[0].n_values != 1 || c->classes[0].values[0] != 1))
        return util_err("%s: a binary data set has exactly one 'task' (or 'class.1')", what);
    if (c->layout == DS_LAYOUT_PNG) {
        if (!c->mask_suffix && !(c->mask_suffix = strdup(""))) return util_err("out of memory");
        if (c->volumes || c->list || c->label_from || (given & GIVEN_PLANE))
            return util_err("%s: volumes/list/labels/plane belong to layout = nifti", what);
        if (!c->images && !(c->images = strdup("images"))) return util_err("out of memory");
        if (!c->masks && !(c->masks = strdup("masks"))) return util_err("out of memory");
        if (c->intensity.mode != INTENSITY_PAPER)
            return util_err("%s: PNG images are always normalised as the paper did (intensity = paper)", what);
    } else {
        if (c->images || c->masks || c->mask_suffix) return util_err("%s: images/masks belong to layout = png", what);
        if (!c->volumes == !c->list) return util_err("%s: give either 'volumes' (a glob) or 'list'", what);
        if (c->volumes && !c->label_from) return util_err("%s: 'volumes' needs 'labels = FROM -> TO'", what);
    }
    return 0;
}

int eval_dataset_config_parse(const char *text, const char *what, const char *config_dir, const char *root_override,
                         dataset_config *c) {
    memset(c, 0, sizeof *c);
    c->plane = NIFTI_AXIAL;
    c->intensity.mode = INTENSITY_PAPER;
    char *copy = strdup(text);
    if (!copy) return util_err("out of memory");
    unsigned given = 0;
    int rc = 0, lineno = 0;
    for (char *p = copy; p && rc == 0;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        lineno++;
        char *hash = strchr(p, '#');
        if (hash) *hash = 0;
        char *line = trim(p);
        if (*line) {
            char *eq = strchr(line, '=');
            if (!eq) {
                rc = util_err("%s:%d: expected 'key = value'", what, lineno);
            } else {
                *eq = 0;
                char *key = trim(line), *v = trim(eq + 1);
                if (!*v) rc = util_err("%s:%d: '%s' has no value", what, lineno, key);
                else rc = parse_line(c, &given, key, v, what, lineno);
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    free(copy);
    if (rc == 0) rc = finish(c, given, what);
    if (rc == 0) rc = resolve_root(c, config_dir, root_override);
    if (rc) eval_dataset_config_free(c);
    return rc;
}

int eval_dataset_config_load(const char *path, const char *root_override, dataset_config *c) {
    unsigned char *buf;
    size_t len;
    memset(c, 0, sizeof *c);
    if (util_read_whole_file(path, DS_MAX_CONFIG_BYTES, &buf, &len)) return -1;
    if (strlen((char *)buf) != len) {
        free(buf);
        return util_err("%s: not a text file", path);
    }
    char *dir = strdup(path);
    if (!dir) {
        free(buf);
        return util_err("out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else strcpy(dir, ".");
    int rc = eval_dataset_config_parse((char *)buf, path, dir, root_override, c);
    free(dir);
    free(buf);
    return rc;
}

int eval_dataset_config_png_dirs(const char *images, const char *masks, const char *task, dataset_config *c) {
    memset(c, 0, sizeof *c);
    if (check_task_name(task, "--task", 0)) return -1;
    c->layout = DS_LAYOUT_PNG;
    c->binary = 1;
    c->n_classes = 1;
    c->classes[0].values[0] = 1;
    c->classes[0].n_values = 1;
    c->name = strdup(task);
    c->classes[0].task = strdup(task);
    c->classes[0].cls = strdup("1");
    c->mask_suffix = strdup("");
    c->root = strdup("");
    c->images = strdup(images);
    c->masks = strdup(masks);
    c->intensity.mode = INTENSITY_PAPER;
    if (!c->name || !c->classes[0].task || !c->classes[0].cls || !c->mask_suffix || !c->root || !c->images || !c->masks) {
        eval_dataset_config_free(c);
        return util_err("out of memory");
    }
    return 0;
}

void eval_dataset_config_free(dataset_config *c) {
    free(c->name), free(c->root), free(c->images), free(c->masks), free(c->volumes);
    free(c->label_from), free(c->label_to), free(c->list), free(c->mask_suffix);
    for (int i = 0; i < c->n_classes; i++) free(c->classes[i].task), free(c->classes[i].cls);
    memset(c, 0, sizeof *c);
}

static int remap(const dataset_config *c, int v) {
    for (int i = 0; i < c->n_remaps; i++)
        if (c->remap_from[i] == v) return c->remap_to[i];
    return v;
}

void eval_dataset_remap_labels(const dataset_config *c, uint16_t *label, size_t n) {
    for (size_t i = 0; i < n; i++) label[i] = (uint16_t)remap(c, label[i]);
}

/* 1 if a (remapped) label value belongs to class k's target. */
static int in_class(const dataset_config *c, int k, int v) {
    if (c->binary) return v > 0;
    for (int i = 0; i < c->classes[k].n_values; i++)
        if (c->classes[k].values[i] == v) return 1;
    return 0;
}

int eval_item_has_class(const dataset_config *c, const eval_item *it, int k) {
    size_t n = (size_t)it->h * it->w;
    for (size_t i = 0; i < n; i++)
        if (in_class(c, k, it->label[i])) return 1;
    return 0;
}

void eval_item_class_mask(const dataset_config *c, const eval_item *it, int k, uint8_t *mask) {
    size_t n = (size_t)it->h * it->w;
    for (size_t i = 0; i < n; i++) mask[i] = (uint8_t)in_class(c, k, it->label[i]);
}

int eval_item_slice_kept(const dataset_config *c, const eval_item *it) {
    int keep = c->all_slices;
    for (int k = 0; k < c->n_classes && !keep; k++) keep = eval_item_has_class(c, it, k);
    return keep;
}

int eval_shard_of(const char *id, int n) {
    uint8_t d[32];
    util_sha256(id, strlen(id), d);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | d[i];
    return (int)(v % (uint64_t)n);
}
