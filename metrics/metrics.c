#include "metrics/metrics.h"

#include <math.h>

#include "util/err.h"

/* intersection and union (or sum of sizes) counts */
static void overlap(const uint8_t *pred, const uint8_t *gt, size_t n, size_t *inter, size_t *n_pred,
                    size_t *n_gt) {
    size_t i_ = 0, p_ = 0, g_ = 0;
    for (size_t i = 0; i < n; i++) {
        int p = pred[i] != 0, g = gt[i] != 0;
        i_ += p & g, p_ += p, g_ += g;
    }
    *inter = i_, *n_pred = p_, *n_gt = g_;
}

double metrics_mask_iou(const uint8_t *pred, const uint8_t *gt, size_t n) {
    size_t in, np, ng;
    overlap(pred, gt, n, &in, &np, &ng);
    size_t uni = np + ng - in;
    return uni ? (double)in / (double)uni : NAN;
}

double metrics_mask_dice(const uint8_t *pred, const uint8_t *gt, size_t n) {
    size_t in, np, ng;
    overlap(pred, gt, n, &in, &np, &ng);
    return np + ng ? 2.0 * (double)in / (double)(np + ng) : NAN;
}

static int any(const uint8_t *m, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (m[i]) return 1;
    return 0;
}

double metrics_class_iou(const uint8_t *pred, const uint8_t *gt, size_t n) {
    return any(gt, n) ? metrics_mask_iou(pred, gt, n) : NAN;
}

double metrics_class_dice(const uint8_t *pred, const uint8_t *gt, size_t n) {
    return any(gt, n) ? metrics_mask_dice(pred, gt, n) : NAN;
}

double metrics_nanmean(const double *v, size_t n) {
    double s = 0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) s += v[i], c++;
    return c ? s / (double)c : NAN;
}

int metrics_choose_mask(mask_choice how, const uint8_t *masks, int k, size_t n, const uint8_t *gt,
                const float *pred_iou) {
    if (k < 1) return util_err("choose_mask: %d masks", k);
    switch (how) {
    case MASK_CHOICE_FIRST: return 0;
    case MASK_CHOICE_ORACLE: {
        if (!gt || !masks) return util_err("choose_mask: the oracle needs the masks and the ground truth");
        int best = k - 1; /* the authors' "-1" */
        double best_iou = 0;
        for (int i = 0; i < k; i++) {
            double v = metrics_mask_iou(masks + (size_t)i * n, gt, n);
            if (v > best_iou) best_iou = v, best = i;
        }
        return best;
    }
    case MASK_CHOICE_PREDICTED_IOU: {
        if (!pred_iou) return util_err("choose_mask: needs the predicted IoUs");
        int best = 0;
        for (int i = 1; i < k; i++)
            if (pred_iou[i] > pred_iou[best]) best = i;
        return best;
    }
    }
    return util_err("choose_mask: unknown choice %d", (int)how);
}
