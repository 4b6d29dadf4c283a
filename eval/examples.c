/* Example overlays: what eval --save-masks keeps for them and how the report draws them
 * (eval/examples.h). */
#include "eval/examples.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/dirlist.h"
#include "eval/experiments.h"
#include "eval/overlay.h"
#include "eval/report_internal.h"
#include "eval/results.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

/* ---- at eval time ------------------------------------------------------------------------- */

static int save_image(const char *mask_dir, const eval_item *it) {
    size_t n = (size_t)it->h * it->w;
    int grey = 1;
    for (size_t i = 0; i < n && grey; i++)
        grey = it->rgb[3 * i] == it->rgb[3 * i + 1] && it->rgb[3 * i] == it->rgb[3 * i + 2];
    uint8_t *px = it->rgb, *g = NULL;
    if (grey) {
        if (!(g = util_xmalloc_array(n, 1))) return -1;
        for (size_t i = 0; i < n; i++) g[i] = it->rgb[3 * i];
        px = g;
    }
    char *path = eval_path_join(mask_dir, EXAMPLES_IMAGE_FILE);
    png_image img = {.width = it->w, .height = it->h, .channels = grey ? 1 : 3, .bit_depth = 8, .pixels = px};
    int rc = path ? io_png_write(path, &img) : -1;
    free(path);
    free(g);
    return rc;
}

int eval_examples_save_inputs(const char *mask_dir, const dataset_config *dc, const eval_item *it) {
    uint8_t *gt = util_xmalloc_array((size_t)it->h * it->w, 1);
    int rc = gt ? save_image(mask_dir, it) : -1;
    for (int k = 0; k < dc->n_classes && rc == 0; k++) {
        if (!eval_item_has_class(dc, it, k)) continue;
        char *sfx = eval_experiment_mask_suffix(dc, k), path[PATH_MAX];
        int len = sfx ? snprintf(path, sizeof path, "%s/gt%s.png", mask_dir, sfx) : -1;
        free(sfx);
        if (len < 0 || (size_t)len >= sizeof path) {
            rc = util_err("%s: ground truth path too long", mask_dir);
            break;
        }
        eval_item_class_mask(dc, it, k, gt);
        rc = io_png_write_mask1(path, gt, it->w, it->h);
    }
    free(gt);
    return rc;
}

/* ---- in the report ------------------------------------------------------------------------ */

static const char *const k_ranks[3] = {"best", "median", "worst"};

typedef struct {
    const report *r;
    int has_masks;      /* OUT/masks exists */
    size_t n, n_undrawn; /* examples listed, and those of them not drawn for want of saved files */
    strbuf table;
} examples;

/* 1 if two measurements are of the same baseline, or both SAM's with the same selection. */
static int same_choice(const report_key *a, const report_key *b) {
    if (a->method || b->method) return a->method && b->method && !strcmp(a->method, b->method);
    return a->sel == b->sel;
}

/* The last click (largest k) of a task's iterative rows made like `like` (SAM's selection or
 * a baseline's), 0 if none. */
static int last_click(const report *r, const char *task, report_key like) {
    int k = 0;
    for (size_t i = 0; i < r->n_groups; i++) {
        const report_key *g = &r->groups[i].key;
        if (!strcmp(r->groups[i].task, task) && g->exp == EXPERIMENT_ITERATIVE && same_choice(g, &like) && g->step > k)
            k = g->step;
    }
    return k;
}

/* 1 if a baseline's method name can be part of a mask's file name (samc eval allows only these). */
static int safe_method(const char *m) { return *m && strspn(m, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(m); }

/* 1 if path exists, 0 if not, -1 on another error. */
static int exists(const char *path) {
    if (access(path, F_OK) == 0) return 1;
    return errno == ENOENT || errno == ENOTDIR ? 0 : util_err("%s: %s", path, strerror(errno));
}

/* A saved 1-bit (or any grey) mask of h x w (h = 0: any size, set). 0 or -1. */
static int read_mask(const char *path, int *h, int *w, uint8_t **out) {
    png_image m;
    if (io_png_read(path, &m)) return -1;
    int rc = 0;
    if (m.channels != 1 || m.bit_depth != 8) rc = util_err("%s: not a saved mask (8-bit or less grey)", path);
    else if (*h && (m.height != *h || m.width != *w))
        rc = util_err("%s: %d x %d, the image is %d x %d", path, m.width, m.height, *w, *h);
    if (rc == 0) {
        *h = m.height, *w = m.width;
        *out = m.pixels;
        return 0;
    }
    io_png_free(&m);
    return -1;
}

/* The image as saved (grey or RGB, 8-bit) as h x w x 3. 0 or -1. */
static int read_image(const char *path, int *h, int *w, uint8_t **rgb) {
    png_image im;
    if (io_png_read(path, &im)) return -1;
    if ((im.channels != 1 && im.channels != 3) || im.bit_depth != 8) {
        io_png_free(&im);
        return util_err("%s: not an image saved by samc eval (8-bit grey or RGB)", path);
    }
    size_t n = (size_t)im.height * im.width;
    uint8_t *out = im.channels == 3 ? im.pixels : util_xmalloc_array(n, 3);
    if (!out) {
        io_png_free(&im);
        return -1;
    }
    if (im.channels == 1) {
        const uint8_t *g = im.pixels;
        for (size_t i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = g[i];
        io_png_free(&im);
    }
    *h = im.height, *w = im.width, *rgb = out;
    return 0;
}

/* Draws a row's overlay into OUT/<rel>: 1 drawn, 0 when a saved file it needs is absent, -1. */
static int draw_row(const examples *e, const result_row *row, const char *rel) {
    const report *r = e->r;
    int baseline = strcmp(row->method, RESULTS_METHOD_SAM) != 0;
    if (baseline && !safe_method(row->method)) return 0; /* not a name samc eval saves masks under */
    char *item = eval_results_item_name(row->image), *cls = eval_results_item_name(row->cls),
                                        *masks = eval_path_join(r->out, "masks");
    char *dir = item && masks ? eval_path_join(masks, item) : NULL;
    char image[PATH_MAX], gt[PATH_MAX], pred[PATH_MAX], sfx[PATH_MAX / 4];
    int rc = dir && cls ? 0 : -1;
    /* the class suffix: the data set had several targets if its ground truth carries one */
    int len = rc == 0 ? snprintf(sfx, sizeof sfx, "_class%s", cls) : 0;
    if (rc == 0 && (len < 0 || (size_t)len >= sizeof sfx)) rc = util_err("%s: class name too long", row->cls);
    if (rc == 0) {
        snprintf(gt, sizeof gt, "%s/gt%s.png", dir, sfx);
        int several = exists(gt);
        if (several < 0) rc = -1;
        else if (!several) sfx[0] = 0;
    }
    int n[3] = {0, 0, 0};
    if (rc == 0) {
        n[0] = snprintf(image, sizeof image, "%s/" EXAMPLES_IMAGE_FILE, dir);
        n[1] = snprintf(gt, sizeof gt, "%s/gt%s.png", dir, sfx);
        n[2] = baseline ? snprintf(pred, sizeof pred, "%s/%s_iterative_%s%s.png", dir, row->method, row->setting, sfx)
                        : snprintf(pred, sizeof pred, "%s/%s_%s_%s%s.png", dir, row->experiment, row->setting,
                                   row->selection, sfx);
        for (int k = 0; k < 3 && rc == 0; k++)
            if (n[k] < 0 || n[k] >= PATH_MAX) rc = util_err("%s: path too long", dir);
    }
    int found = 1;
    for (int k = 0; k < 3 && rc == 0 && found; k++) {
        int x = exists(k == 0 ? image : k == 1 ? gt : pred);
        if (x < 0) rc = -1;
        found = x == 1;
    }
    uint8_t *rgb = NULL, *g = NULL, *p = NULL;
    int h = 0, w = 0;
    overlay_prompt pr = {0};
    char *out = NULL;
    if (rc == 0 && found) {
        rc = read_image(image, &h, &w, &rgb);
        if (rc == 0) rc = read_mask(gt, &h, &w, &g);
        if (rc == 0) rc = read_mask(pred, &h, &w, &p);
        if (rc == 0) rc = eval_overlay_prompt_parse(row->points, row->box, &pr);
        if (rc == 0) rc = (out = eval_path_join(r->out, rel)) ? 0 : -1;
        if (rc == 0) rc = eval_overlay_write_png(out, rgb, h, w, g, p, &pr);
    }
    eval_overlay_prompt_free(&pr);
    free(rgb), free(g), free(p), free(out);
    free(item), free(cls), free(masks), free(dir);
    return rc ? util_err_context("example of %s (%s, class %s)", row->image, row->task, row->cls) : found;
}

/* The indices of g's rows with an IoU, worst first (ties: image and class order). */
static size_t ranked(const report_group *g, size_t *idx) {
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!isnan(g->rows[i]->iou)) idx[n++] = i;
    for (size_t a = 1; a < n; a++) /* insertion sort, stable: a group is a task's images */
        for (size_t b = a; b > 0 && g->rows[idx[b - 1]]->iou > g->rows[idx[b]]->iou; b--) {
            size_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    return n;
}

/* The best, median and worst rows of one measurement of a task: listed, and drawn when the
 * report writes figures. 0 or -1. */
static int measurement(examples *e, const char *task, report_key k, const char *name) {
    const report_group *g = eval_report_find_group(e->r, task, k);
    if (!g) return 0;
    size_t *idx = util_xmalloc_array(g->n, sizeof *idx);
    if (!idx) return -1;
    size_t n = ranked(g, idx);
    int rc = 0;
    for (int k = 0; k < 3 && n && rc == 0; k++) {
        const result_row *row = g->rows[idx[k == 0 ? n - 1 : k == 1 ? (n - 1) / 2 : 0]];
        /* task and measurement made safe apart, so a task's files share its name's prefix */
        char *safe_task = eval_results_item_name(task), *safe_name = eval_results_item_name(name), rel[PATH_MAX];
        int len = safe_task && safe_name ? snprintf(rel, sizeof rel, "figures/examples/%s_%s_%s.png", safe_task,
                                                    safe_name, k_ranks[k])
                                         : -1;
        free(safe_task), free(safe_name);
        if (len < 0 || (size_t)len >= sizeof rel) {
            rc = len < 0 ? -1 : util_err("%s: task name too long for a file name", task);
            break;
        }
        int drawn = 0;
        if (e->r->opt->figures && e->has_masks) drawn = draw_row(e, row, rel);
        if (drawn < 0) rc = -1;
        e->n++;
        e->n_undrawn += drawn == 0;
        eval_csv_field(&e->table, task), eval_sb_puts(&e->table, ","), eval_csv_field(&e->table, name);
        eval_sb_printf(&e->table, ",%s,", k_ranks[k]);
        eval_csv_field(&e->table, row->image), eval_sb_puts(&e->table, ","), eval_csv_field(&e->table, row->cls);
        eval_sb_puts(&e->table, ","), eval_report_put_num(&e->table, row->iou), eval_sb_puts(&e->table, ",");
        eval_sb_puts(&e->table, drawn == 1 ? rel : ""), eval_sb_puts(&e->table, "\n");
    }
    free(idx);
    return rc;
}

int eval_report_write_examples(const report *r) {
    examples e = {.r = r};
    char *masks = eval_path_join(r->out, "masks"), *dir = eval_path_join(r->out, "figures/examples");
    int rc = masks && dir ? 0 : -1;
    e.has_masks = rc == 0 && eval_is_dir(masks);
    if (rc == 0 && r->opt->figures && e.has_masks) rc = util_make_dirs(dir);
    eval_sb_puts(&e.table, "task,measurement,rank,image,class,iou,file\n");
    const char *methods[16];
    int n_m = eval_report_baseline_methods(r, methods, 16);
    for (int t = 0; t < r->n_tasks && rc == 0; t++) {
        const char *task = r->tasks[t];
        char name[96];
        rc = measurement(&e, task, eval_report_sam(EXPERIMENT_MODES, 1, SELECTION_INDEX0), "mode1");
        if (rc == 0) rc = measurement(&e, task, eval_report_sam(EXPERIMENT_MODES, 3, SELECTION_INDEX0), "mode3");
        int k = last_click(r, task, eval_report_sam(EXPERIMENT_ITERATIVE, 0, SELECTION_INDEX0));
        snprintf(name, sizeof name, "iterative%d", k);
        if (rc == 0 && k)
            rc = measurement(&e, task, eval_report_sam(EXPERIMENT_ITERATIVE, k, SELECTION_INDEX0), name);
        for (int m = 0; m < n_m && rc == 0; m++) {
            if (!(k = last_click(r, task, eval_report_baseline(methods[m], 0)))) continue;
            snprintf(name, sizeof name, "%.64s_iterative%d", methods[m], k);
            rc = measurement(&e, task, eval_report_baseline(methods[m], k), name);
        }
    }
    if (rc == 0 && e.n) rc = eval_report_save(r, "tables/examples.csv", &e.table);
    else eval_sb_free(&e.table);
    if (rc == 0 && e.n && r->opt->figures && !e.has_masks)
        fprintf(stderr, "samc report: note: no masks saved in %s: the %zu example overlays of tables/examples.csv "
                        "are not drawn (samc eval --save-masks saves them)\n", r->out, e.n);
    else if (rc == 0 && r->opt->figures && e.n_undrawn)
        fprintf(stderr, "samc report: note: %zu of %zu example overlays not drawn: their image, ground truth or mask "
                        "was not saved (images computed without --save-masks or by an older samc, or shards' "
                        "masks/ not copied)\n", e.n_undrawn, e.n);
    free(masks), free(dir);
    return rc;
}
