#include "eval/experiments.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/csv.h"
#include "io/png.h"
#include "metrics/metrics.h"
#include "prompts/components.h"
#include "prompts/modes.h"
#include "prompts/placement.h"
#include "util/rng.h"
#include "sam/amg.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/sha256.h"

int eval_experiments_parse(const char *list, unsigned *bits) {
    *bits = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < N_EXPERIMENTS; i++) {
            const char *name = eval_experiment_name((eval_experiment)i);
            if (strlen(name) == n && !strncmp(p, name, n)) *bits |= 1u << i, found = 1;
        }
        if (!found) return util_err("unknown experiment '%.*s' (modes, iterative, placement, size, everything)",
            (int)n, p);
        p += n;
        if (*p == ',') p++;
    }
    return *bits ? 0 : util_err("no experiment given");
}

void eval_experiments_format(unsigned bits, char *buf, size_t cap) {
    buf[0] = 0;
    for (int i = 0; i < N_EXPERIMENTS; i++)
        if (bits & (1u << i)) {
            size_t l = strlen(buf);
            snprintf(buf + l, cap - l, "%s%s", l ? "," : "", eval_experiment_name((eval_experiment)i));
        }
}

/* How SAM's selections choose among its outputs (eval/measure.h: the first N_SAM_SELECTIONS). */
static const mask_choice k_choices[N_SAM_SELECTIONS] = {
    [SELECTION_INDEX0] = MASK_CHOICE_FIRST,
    [SELECTION_ORACLE] = MASK_CHOICE_ORACLE,
    [SELECTION_BEST_PREDICTED] = MASK_CHOICE_PREDICTED_IOU,
};

/* What one class of one image needs. */
typedef struct {
    sam_predictor *p;
    const eval_item *it;
    const char *task, *cls;
    const uint8_t *gt;       /* class mask */
    const uint8_t *labels;   /* full label map != 0 (the paper's click label rule) */
    size_t n;                /* h * w */
    long long area;          /* pixels of gt */
    const experiment_options *o;
    result_set *rows;
    strbuf points, box;      /* the prompt of the measurement being made (result_detail) */
    const char *mask_dir;    /* the image's folder of saved masks; NULL: masks not saved */
    const char *mask_suffix; /* added to a saved mask's name: "" or "_class<class>" */
} ctx;

/* A coordinate as the shortest text that reads back to the same double (12, 40.5). */
static void put_coord(strbuf *b, double v) {
    char t[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, v);
        if (strtod(t, NULL) == v) break;
    }
    eval_sb_puts(b, t);
}

/* The next measurement's prompt starts empty. */
static void prompt_clear(ctx *c) {
    c->points.n = c->box.n = 0;
    if (c->points.s) c->points.s[0] = 0;
    if (c->box.s) c->box.s[0] = 0;
}

/* Adds a SAM call's prompt to the measurement's: its points ("x;y;label") and its box
 * ("x0;y0;x1;y1"), each list joined by '|'. */
static void prompt_add(ctx *c, const sam_prompt *pr) {
    for (int i = 0; i < pr->n_points; i++) {
        if (c->points.n) eval_sb_puts(&c->points, "|");
        put_coord(&c->points, pr->points[2 * i]);
        eval_sb_puts(&c->points, ";");
        put_coord(&c->points, pr->points[2 * i + 1]);
        eval_sb_printf(&c->points, ";%d", pr->labels[i]);
    }
    if (!pr->box) return;
    if (c->box.n) eval_sb_puts(&c->box, "|");
    for (int k = 0; k < 4; k++) {
        if (k) eval_sb_puts(&c->box, ";");
        put_coord(&c->box, pr->box[k]);
    }
}

/* --save-masks: the mask a measurement scored, as MASK_DIR/<exp>_<setting>_<selection><suffix>.png
 * (1-bit, written atomically). */
static int save_mask(const ctx *c, eval_experiment exp, const char *setting, eval_selection sel,
                     const uint8_t *mask) {
    char path[PATH_MAX];
    int k = snprintf(path, sizeof path, "%s/%s_%s_%s%s.png", c->mask_dir, eval_experiment_name(exp), setting,
                     eval_selection_name(sel), c->mask_suffix);
    if (k < 0 || (size_t)k >= sizeof path) return util_err("%s: mask path too long", c->mask_dir);
    return io_png_write_mask1(path, mask, c->it->w, c->it->h);
}

/* A row: mask scored against the class mask, made from the current prompt, with SAM's
 * predicted IoU for it (NaN: none). */
static int add_row(ctx *c, eval_experiment exp, const char *setting, eval_selection sel, const uint8_t *mask,
                   double pred_iou) {
    if (c->points.failed || c->box.failed) return util_err("out of memory");
    if (c->mask_dir && save_mask(c, exp, setting, sel, mask)) return -1;
    double iou = metrics_mask_iou(mask, c->gt, c->n), dice = metrics_mask_dice(mask, c->gt, c->n);
    result_detail d = {c->points.s, c->box.s, pred_iou, c->area, c->it->volume, eval_item_plane_name(c->it), c->it->slice, NULL};
    return eval_result_set_add_detail(c->rows, c->task, c->it->id, c->cls, eval_experiment_name(exp), setting,
                                      eval_selection_name(sel), iou, dice, &d);
}

/* Scores the three outputs (masks 3 x n) under every selection rule. pred_iou: the outputs'
 * predicted IoUs summed over n_calls calls (mode 4), which best_predicted ranks; a row
 * records their mean. */
static int add_rows3(ctx *c, eval_experiment exp, const char *setting, const uint8_t *masks, int k,
                     const float *pred_iou, int n_calls) {
    for (int s = 0; s < N_SAM_SELECTIONS; s++) {
        int idx = metrics_choose_mask(k_choices[s], masks, k, c->n, c->gt, pred_iou);
        if (idx < 0 ||
            add_row(c, exp, setting, (eval_selection)s, masks + (size_t)idx * c->n, (double)pred_iou[idx] / n_calls))
            return -1;
    }
    return 0;
}

static int predict(ctx *c, const sam_prompt *pr, sam_prediction *out) {
    if (sam_predict(c->p, pr, out)) return util_err_context("%s (%s)", c->it->id, c->task);
    if (out->k < 1 || out->h != c->it->h || out->w != c->it->w) {
        sam_prediction_free(out);
        return util_err("%s: prediction has the wrong shape", c->it->id);
    }
    return 0;
}

static int run_modes(ctx *c) {
    int rc = 0;
    uint8_t *acc = util_xmalloc_array(c->n, 3);
    if (!acc) return -1;
    for (int m = 1; m <= 5 && rc == 0; m++) {
        mode_prompt mp;
        if ((rc = prompts_mode_prompt_make(m, c->gt, c->it->h, c->it->w, NULL, &mp))) break;
        memset(acc, 0, c->n * 3);
        float sum_iou[3] = {0, 0, 0};
        int k = 3, calls = prompts_mode_prompt_calls(&mp);
        prompt_clear(c);
        for (int call = 0; call < calls && rc == 0; call++) {
            sam_prompt pr;
            prompts_mode_prompt_call(&mp, call, &pr);
            prompt_add(c, &pr);
            sam_prediction out;
            if ((rc = predict(c, &pr, &out))) break;
            k = out.k < 3 ? out.k : 3;
            prompts_masks_or(acc, out.masks, (size_t)k * c->n);
            for (int i = 0; i < k; i++) sum_iou[i] += out.iou[i];
            sam_prediction_free(&out);
        }
        char setting[16];
        snprintf(setting, sizeof setting, "%d", m);
        if (rc == 0) rc = add_rows3(c, EXPERIMENT_MODES, setting, acc, k, sum_iou, calls);
    }
    free(acc);
    return rc;
}

/* One click sequence scored with one selection rule; feedback: mask_input from the chosen
 * output of the previous call. */
static int run_clicks(ctx *c, eval_selection sel, int feedback) {
    int K = c->o->clicks, rc = 0;
    double *xy = util_xmalloc_array((size_t)K, 2 * sizeof(double));
    int *lab = util_xmalloc_array((size_t)K, sizeof(int));
    float *prev = NULL;
    if (!xy || !lab) {
        free(xy), free(lab);
        return -1;
    }
    click ck;
    rc = prompts_click_first(c->gt, c->it->h, c->it->w, NULL, &ck);
    for (int k = 0; k < K && rc == 0; k++) {
        xy[2 * k] = ck.x, xy[2 * k + 1] = ck.y, lab[k] = ck.label;
        sam_prompt pr = {.n_points = k + 1, .points = xy, .labels = lab, .mask_input = prev, .multimask = 1};
        prompt_clear(c);
        prompt_add(c, &pr);
        sam_prediction out;
        if ((rc = predict(c, &pr, &out))) break;
        int idx = metrics_choose_mask(k_choices[sel], out.masks, out.k, c->n, c->gt, out.iou);
        char setting[16];
        snprintf(setting, sizeof setting, "%s%d", feedback ? "fb" : "", k + 1);
        const uint8_t *chosen = idx >= 0 ? out.masks + (size_t)idx * c->n : NULL;
        rc = chosen ? add_row(c, EXPERIMENT_ITERATIVE, setting, sel, chosen, out.iou[idx]) : -1;
        if (rc == 0 && k + 1 < K)
            rc = prompts_click_next(c->gt, c->labels, chosen, c->it->h, c->it->w, c->o->click_rule, NULL, &ck);
        if (rc == 0 && feedback) {
            size_t l2 = (size_t)out.low_res * out.low_res;
            if (!prev) prev = util_xmalloc_array(l2, sizeof *prev);
            if (!prev) rc = -1;
            else memcpy(prev, out.low_res_logits + (size_t)idx * l2, l2 * sizeof *prev);
        }
        sam_prediction_free(&out);
    }
    free(xy), free(lab), free(prev);
    return rc;
}

static int run_iterative(ctx *c) {
    for (int s = 0; s < N_SAM_SELECTIONS; s++) {
        if (run_clicks(c, (eval_selection)s, 0)) return -1;
        if (c->o->feedback_logits && run_clicks(c, (eval_selection)s, 1)) return -1;
    }
    return 0;
}

/* A stream for one (image, class, setting): the same draws in any shard or order. */
static void seed_stream(const ctx *c, const char *setting, samc_rng *r) {
    sha256_ctx h;
    uint8_t d[32], seed[8];
    for (int i = 0; i < 8; i++) seed[i] = (uint8_t)(c->o->seed >> (8 * i));
    util_sha256_init(&h);
    util_sha256_update(&h, seed, 8);
    util_sha256_update(&h, c->it->id, strlen(c->it->id) + 1);
    util_sha256_update(&h, c->cls, strlen(c->cls) + 1);
    util_sha256_update(&h, setting, strlen(setting) + 1);
    util_sha256_final(&h, d);
    uint64_t s = 0;
    for (int i = 0; i < 8; i++) s = s << 8 | d[i];
    util_rng_seed(r, s);
}

static int run_placement(ctx *c) {
    int h = c->it->h, w = c->it->w, n_comp = 0, rc = 0;
    int32_t *lab = util_xmalloc_array(c->n, sizeof *lab);
    uint8_t *largest = util_xmalloc_array(c->n, 1);
    mask_component *comps = NULL;
    if (!lab || !largest || prompts_components_find(c->gt, h, w, lab, &comps, &n_comp) || n_comp < 1) {
        free(lab), free(largest), free(comps);
        return util_err_context("%s: components", c->it->id);
    }
    prompts_component_mask(lab, c->n, 1, largest);
    for (int q = 0; q <= 9 && rc == 0; q++) {
        char setting[24];
        snprintf(setting, sizeof setting, "point_q0.%d", q);
        samc_rng r;
        seed_stream(c, setting, &r);
        placed_point pp;
        if ((rc = prompts_placement_point(largest, h, w, q / 10.0, &r, &pp))) break;
        double xy[2] = {pp.x, pp.y};
        int one = 1;
        sam_prompt pr = {.n_points = 1, .points = xy, .labels = &one, .multimask = 1};
        prompt_clear(c);
        prompt_add(c, &pr);
        sam_prediction out;
        if ((rc = predict(c, &pr, &out))) break;
        rc = add_rows3(c, EXPERIMENT_PLACEMENT, setting, out.masks, out.k, out.iou, 1);
        sam_prediction_free(&out);
    }
    double box[4] = {comps[0].x0, comps[0].y0, comps[0].x1, comps[0].y1};
    for (int j = 0; j <= 20 && rc == 0; j += 5) {
        char setting[24];
        snprintf(setting, sizeof setting, "box_j%d", j);
        samc_rng r;
        seed_stream(c, setting, &r);
        double jb[4], off[4];
        if ((rc = prompts_placement_box(box, h, w, j / 100.0, &r, jb, off))) break;
        sam_prompt pr = {.box = jb, .multimask = 1};
        prompt_clear(c);
        prompt_add(c, &pr);
        sam_prediction out;
        if ((rc = predict(c, &pr, &out))) break;
        rc = add_rows3(c, EXPERIMENT_PLACEMENT, setting, out.masks, out.k, out.iou, 1);
        sam_prediction_free(&out);
    }
    free(lab), free(largest), free(comps);
    return rc;
}

/* No prompt and no predicted mask: the rows' detail is the target's area. */
static int run_size(ctx *c) {
    object_size sz;
    if (prompts_object_size_of(c->gt, c->it->h, c->it->w, &sz)) return -1;
    result_detail d = {NULL, NULL, NAN, c->area, c->it->volume, eval_item_plane_name(c->it), c->it->slice, NULL};
    const char *exp = eval_experiment_name(EXPERIMENT_SIZE), *gt = eval_selection_name(SELECTION_GT);
    if (eval_result_set_add_detail(c->rows, c->task, c->it->id, c->cls, exp, "area_fraction", gt, sz.area_fraction,
                                   NAN, &d))
        return -1;
    return eval_result_set_add_detail(c->rows, c->task, c->it->id, c->cls, exp, "components", gt, sz.n_components,
                                      NAN, &d);
}

/* Best single generated mask (with its predicted IoU) and the union of those mostly inside
 * the class mask (no single score); the generator's grid is not a prompt of the rows. */
static int run_everything(ctx *c, const sam_amg_result *ev) {
    uint8_t *m = util_xmalloc_array(c->n, 1), *uni = util_xcalloc_array(c->n, 1), *best = util_xcalloc_array(c->n, 1);
    int rc = m && uni && best ? 0 : -1;
    double best_iou = -1, best_pred = NAN;
    prompt_clear(c);
    for (int i = 0; i < ev->n && rc == 0; i++) {
        if ((rc = sam_amg_rle_decode(&ev->masks[i].rle, m))) break;
        double iou = metrics_mask_iou(m, c->gt, c->n);
        if (iou > best_iou) best_iou = iou, best_pred = ev->masks[i].predicted_iou, memcpy(best, m, c->n);
        size_t area = 0, inside = 0;
        for (size_t k = 0; k < c->n; k++) area += m[k] != 0, inside += m[k] && c->gt[k];
        if (area && 2 * inside > area) prompts_masks_or(uni, m, c->n);
    }
    /* no generated mask: the empty masks best and uni score IoU 0 */
    if (rc == 0) rc = add_row(c, EXPERIMENT_EVERYTHING, "best_mask", SELECTION_ORACLE, best, best_pred);
    if (rc == 0) rc = add_row(c, EXPERIMENT_EVERYTHING, "union", SELECTION_ORACLE, uni, NAN);
    free(m), free(uni), free(best);
    return rc;
}

/* The suffix of class k's saved masks: none for a data set of one target, else
 * "_class<class>" (the class as a results file name: "1,2" is "1_2-<hash>"). */
char *eval_experiment_mask_suffix(const dataset_config *dc, int k) {
    char *name = dc->n_classes > 1 ? eval_results_item_name(dc->classes[k].cls) : NULL;
    if (dc->n_classes > 1 && !name) return NULL;
    size_t len = name ? strlen(name) + sizeof "_class" : 1;
    char *sfx = util_xmalloc_array(len, 1);
    if (sfx) snprintf(sfx, len, "%s%s", name ? "_class" : "", name ? name : "");
    free(name);
    return sfx;
}

int eval_run_item_experiments(sam_predictor *p, const dataset_config *dc, const eval_item *it,
                         const experiment_options *o, const sam_amg_result *everything, const char *mask_dir,
                         result_set *rows) {
    size_t n = (size_t)it->h * it->w;
    uint8_t *gt = util_xmalloc_array(n, 1), *labels = util_xmalloc_array(n, 1);
    if (!gt || !labels) {
        free(gt), free(labels);
        return -1;
    }
    for (size_t i = 0; i < n; i++) labels[i] = it->label[i] != 0;
    int rc = 0;
    for (int k = 0; k < dc->n_classes && rc == 0; k++) {
        if (!eval_item_has_class(dc, it, k)) continue; /* absent: the authors' NaN, no row */
        eval_item_class_mask(dc, it, k, gt);
        ctx c = {.p = p, .it = it, .task = dc->classes[k].task, .cls = dc->classes[k].cls, .gt = gt,
                 .labels = labels, .n = n, .o = o, .rows = rows, .mask_dir = mask_dir};
        for (size_t i = 0; i < n; i++) c.area += gt[i];
        char *sfx = mask_dir ? eval_experiment_mask_suffix(dc, k) : NULL;
        c.mask_suffix = sfx;
        if (mask_dir && !sfx) rc = -1;
        if (rc == 0 && (o->experiments & EXP_MODES)) rc = run_modes(&c);
        if (rc == 0 && (o->experiments & EXP_ITERATIVE)) rc = run_iterative(&c);
        if (rc == 0 && (o->experiments & EXP_PLACEMENT)) rc = run_placement(&c);
        if (rc == 0 && (o->experiments & EXP_SIZE)) rc = run_size(&c);
        if (rc == 0 && everything) rc = run_everything(&c, everything);
        eval_sb_free(&c.points), eval_sb_free(&c.box);
        free(sfx);
    }
    free(gt), free(labels);
    return rc;
}
