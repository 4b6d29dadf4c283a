/* Per-mask measurements of the automatic mask generator: the box around a mask
 * (batched_mask_to_box) and the stability score (calculate_stability_score). */
#include <math.h>

#include "sam/amg.h"

void sam_amg_mask_to_box(const uint8_t *mask, int h, int w, int box[4]) {
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = mask + (size_t)y * w;
        int first = -1, last = -1;
        for (int x = 0; x < w; x++)
            if (row[x]) {
                if (first < 0) first = x;
                last = x;
            }
        if (first < 0) continue;
        if (y0 == h) y0 = y;
        y1 = y;
        if (first < x0) x0 = first;
        if (last > x1) x1 = last;
    }
    if (x1 < 0) x0 = y0 = x1 = y1 = 0; /* empty mask */
    box[0] = x0, box[1] = y0, box[2] = x1, box[3] = y1;
}

float sam_amg_stability_from_counts(int64_t inter, int64_t uni) {
    /* int32 / int32 true division in torch: both to float32, then a float32 division */
    if (uni == 0) return NAN;
    return (float)inter / (float)uni;
}

float sam_amg_stability_score(const float *logits, size_t n, double mask_threshold, double offset) {
    /* the Python scalars mask_threshold +/- offset are compared with the float32 logits as float32 */
    float hi = (float)(mask_threshold + offset);
    float lo = (float)(mask_threshold - offset);
    int64_t inter = 0, uni = 0;
    for (size_t i = 0; i < n; i++) {
        inter += logits[i] > hi;
        uni += logits[i] > lo;
    }
    return sam_amg_stability_from_counts(inter, uni);
}
