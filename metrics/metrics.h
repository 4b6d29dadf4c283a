/* Scores of binary masks (uint8, any non-zero byte is foreground, n = h * w pixels) and the
 * protocol's choice among SAM's three outputs.
 *
 * Empty masks: metrics_mask_iou and metrics_mask_dice are NaN when both masks are empty (0 / 0) and 0 when
 * only one is. The protocol scores a class only where it is present in the ground truth: an
 * image where class k is absent gives NaN for k whatever the prediction (metrics_class_iou,
 * metrics_class_dice), and per-task means skip NaN (metrics_nanmean). The authors report IoU only; Dice is
 * an extension. */
#ifndef SAMC_METRICS_METRICS_H
#define SAMC_METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

double metrics_mask_iou(const uint8_t *pred, const uint8_t *gt, size_t n);
double metrics_mask_dice(const uint8_t *pred, const uint8_t *gt, size_t n);
/* NaN when gt is empty (class absent), else metrics_mask_iou / metrics_mask_dice. */
double metrics_class_iou(const uint8_t *pred, const uint8_t *gt, size_t n);
double metrics_class_dice(const uint8_t *pred, const uint8_t *gt, size_t n);

/* Mean of the non-NaN values; NaN if there are none. */
double metrics_nanmean(const double *v, size_t n);

typedef enum {
    MASK_CHOICE_FIRST = 0,         /* output index 0: the authors' default */
    MASK_CHOICE_ORACLE = 1,        /* best IoU against gt */
    MASK_CHOICE_PREDICTED_IOU = 2, /* highest predicted IoU (an extension) */
} mask_choice;

/* Index of the output to score among k masks (k x n bytes, k >= 1).
 *   FIRST          0.
 *   ORACLE         the authors' loop: best starts at IoU 0 with index "-1"; an output wins
 *                  only with a strictly greater IoU, so the first wins ties, and if no IoU
 *                  exceeds 0 (all 0 or NaN) index -1 means the LAST output, k - 1. In mode
 *                  4 pass the OR-ed masks: one index for the union. Needs gt.
 *   PREDICTED_IOU  argmax of pred_iou (k floats), first wins ties. Needs pred_iou.
 * Returns -1 (with a message) on bad arguments. */
int metrics_choose_mask(mask_choice how, const uint8_t *masks, int k, size_t n, const uint8_t *gt,
                const float *pred_iou);

#endif
