/* SimpleClick as the study ran it: CFR-ICL's cocolvis_icl_vit_huge (a PlainVitModel, ViT-H/14
 * + SimpleFPN) behind the authors' NoBRS BasePredictor with ZoomIn to 448x448 on every
 * network call, the horizontal flip, and an adaptive cascade of up to 5 calls for one click
 * (baselines.md §1, §2, §4). */
#ifndef SAMC_SIMPLECLICK_H
#define SAMC_SIMPLECLICK_H

#include "iseg/iseg.h"

/* The model a version-2 .samw of family "simpleclick" holds (any patch size, width, depth,
 * heads, neck and head widths its config gives); it points into w's mapping, so w must
 * outlive it. NULL with a message. */
iseg *simpleclick_open(const samw *w);

/* ZoomIn's object ROI: rows rmin..rmax, columns cmin..cmax of the image, inclusive. */
typedef struct {
    int rmin, rmax, cmin, cmax;
} simpleclick_roi;

/* What one network call of a prediction saw and gave, for tests and audits: its index in the
 * cascade, ZoomIn's ROI, the network input's batch element 0 image_nd[4][S][S] (element 1 is
 * its flip), the points tensor points[2][2P][3], and prob_full[H][W], the full-image
 * probability after the inverse transforms. */
typedef void (*simpleclick_call_hook)(void *ctx, int call, const simpleclick_roi *roi, const float *image_nd, int S,
                                      const float *points, int P, const float *prob_full, int H, int W);

/* iseg_predict on a "simpleclick" model that also reports each network call to hook(ctx, ...)
 * (hook may be NULL). 0 or -1. */
int simpleclick_predict_traced(iseg *m, const iseg_click *clicks, int n, float *prob, simpleclick_call_hook hook,
                               void *ctx);

#endif
