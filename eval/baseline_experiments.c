#include "eval/baseline_experiments.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "eval/experiments.h"
#include "io/png.h"
#include "metrics/metrics.h"
#include "util/err.h"
#include "util/mem.h"
#include "eval/csv.h"

/* The clicks so far as the points column has them: "x;y;label" joined by '|'. */
static void put_clicks(strbuf *b, const iseg_click *ck, int n) {
    b->n = 0;
    if (b->s) b->s[0] = 0;
    for (int i = 0; i < n; i++) eval_sb_printf(b, "%s%d;%d;%d", i ? "|" : "", ck[i].col, ck[i].row, ck[i].is_positive);
}

/* A simulated click as the baseline's Click: integer pixel coordinates (region centers are pixels). */
static int to_click(const click *c, iseg_click *out) {
    if (c->x != floor(c->x) || c->y != floor(c->y)) return util_err("click (%g, %g) is not a pixel", c->x, c->y);
    *out = (iseg_click){.is_positive = c->label, .row = (int)c->y, .col = (int)c->x};
    return 0;
}

/* One class: K predictions, K rows. */
static int run_class(iseg *m, const char *method, const eval_item *it, const char *task, const char *cls,
                     const uint8_t *gt, const uint8_t *labels, int K, click_label_rule rule, const char *mask_dir,
                     const char *suffix, float *prob, uint8_t *mask, iseg_click *ck, result_set *rows) {
    size_t n = (size_t)it->h * it->w;
    long long area = 0;
    for (size_t i = 0; i < n; i++) area += gt[i];
    strbuf points = {0};
    click c;
    int rc = prompts_click_first(gt, it->h, it->w, NULL, &c);
    for (int k = 0; k < K && rc == 0; k++) {
        if ((rc = to_click(&c, &ck[k])) || (rc = iseg_predict(m, ck, k + 1, prob))) break;
        for (size_t i = 0; i < n; i++) mask[i] = prob[i] > ISEG_THRESHOLD;
        char setting[16], path[PATH_MAX];
        snprintf(setting, sizeof setting, "%d", k + 1);
        put_clicks(&points, ck, k + 1);
        if (points.failed) rc = util_err("out of memory");
        if (rc == 0 && mask_dir) {
            int len = snprintf(path, sizeof path, "%s/%s_%s_%d%s.png", mask_dir, method,
                               eval_experiment_name(EXPERIMENT_ITERATIVE), k + 1, suffix);
            rc = len < 0 || (size_t)len >= sizeof path ? util_err("%s: mask path too long", mask_dir)
                                                       : io_png_write_mask1(path, mask, it->w, it->h);
        }
        result_detail d = {points.s, NULL, NAN, area, it->volume, eval_item_plane_name(it), it->slice, method};
        if (rc == 0)
            rc = eval_result_set_add_detail(rows, task, it->id, cls, eval_experiment_name(EXPERIMENT_ITERATIVE),
                                            setting, eval_selection_name(SELECTION_SINGLE),
                                            metrics_mask_iou(mask, gt, n), metrics_mask_dice(mask, gt, n), &d);
        if (rc == 0 && k + 1 < K) rc = prompts_click_next(gt, labels, mask, it->h, it->w, rule, NULL, &c);
    }
    eval_sb_free(&points);
    return rc ? util_err_context("%s (%s, %s)", it->id, task, method) : 0;
}

int eval_run_item_baseline(iseg *m, const char *method, const dataset_config *dc, const eval_item *it, int K,
                      click_label_rule rule, const char *mask_dir, result_set *rows) {
    size_t n = (size_t)it->h * it->w;
    uint8_t *gt = util_xmalloc_array(n, 1), *labels = util_xmalloc_array(n, 1), *mask = util_xmalloc_array(n, 1);
    float *prob = util_xmalloc_array(n, sizeof(float));
    iseg_click *ck = util_xmalloc_array((size_t)K, sizeof *ck);
    int rc = gt && labels && mask && prob && ck ? iseg_set_image(m, it->rgb, it->h, it->w) : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) labels[i] = it->label[i] != 0;
    for (int k = 0; k < dc->n_classes && rc == 0; k++) {
        if (!eval_item_has_class(dc, it, k)) continue;
        eval_item_class_mask(dc, it, k, gt);
        char *sfx = mask_dir ? eval_experiment_mask_suffix(dc, k) : NULL;
        if (mask_dir && !sfx) rc = -1;
        else
            rc = run_class(m, method, it, dc->classes[k].task, dc->classes[k].cls, gt, labels, K, rule, mask_dir,
                           sfx ? sfx : "", prob, mask, ck, rows);
        free(sfx);
    }
    free(gt), free(labels), free(mask), free(prob), free(ck);
    return rc;
}
