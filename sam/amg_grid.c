/* Geometry of the automatic mask generator: point grids, crop boxes and the crop-edge
 * filter (utils/amg.py). Every value is computed in the same arithmetic as the
 * Python code (doubles where Python uses floats, truncation where it calls int()). */
#include <math.h>
#include <stdlib.h>

#include "sam/amg.h"

/* numpy.linspace(start, stop, n)[i] = i * step + start, except the last value, which is stop */
static double linspace_at(double start, double stop, int n, int i) {
    if (n > 1 && i == n - 1) return stop;
    double step = n > 1 ? (stop - start) / (n - 1) : 0.0;
    return (double)i * step + start;
}

void sam_amg_point_grid(int n, double *out) {
    double start = 1.0 / (2.0 * n), stop = 1.0 - start;
    /* np.stack([tile(x), tile(y)], -1).reshape(-1, 2): row index = y, x fastest */
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) {
            out[2 * ((size_t)r * n + c) + 0] = linspace_at(start, stop, n, c);
            out[2 * ((size_t)r * n + c) + 1] = linspace_at(start, stop, n, r);
        }
}

int sam_amg_layer_points_per_side(int n_per_side, int layer, int scale_per_layer) {
    /* int(n_per_side / (scale_per_layer ** layer)), a Python float division */
    double scale = 1.0; /* exact integer powers, without relying on libm's pow */
    for (int i = 0; i < layer; i++) scale *= scale_per_layer;
    return (int)((double)n_per_side / scale);
}

/* crop_len(orig_len, n_crops, overlap) = int(ceil((overlap * (n_crops - 1) + orig_len) / n_crops)) */
static int crop_len(int orig_len, int n_crops, int overlap) {
    return (int)ceil((double)((long long)overlap * (n_crops - 1) + orig_len) / (double)n_crops);
}

int sam_amg_crop_boxes(int h, int w, int n_layers, double overlap_ratio, int *boxes, int *layers, int cap) {
    int count = 0;
#define PUSH(x0, y0, x1, y1, layer)                                                                  \
    do {                                                                                           \
        if (boxes && count < cap) {                                                                \
            int *b_ = boxes + 4 * count;                                                           \
            b_[0] = (x0), b_[1] = (y0), b_[2] = (x1), b_[3] = (y1);                                \
            if (layers) layers[count] = (layer);                                                   \
        }                                                                                          \
        count++;                                                                                   \
    } while (0)
    PUSH(0, 0, w, h, 0);
    int short_side = h < w ? h : w;
    for (int i = 0; i < n_layers; i++) {
        int n = 1 << (i + 1);
        int overlap = (int)(overlap_ratio * short_side * (2.0 / n));
        int crop_w = crop_len(w, n, overlap), crop_h = crop_len(h, n, overlap);
        /* itertools.product(x0s, y0s): x0 outer, y0 inner */
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) {
                int x0 = (crop_w - overlap) * a, y0 = (crop_h - overlap) * b;
                int x1 = x0 + crop_w < w ? x0 + crop_w : w, y1 = y0 + crop_h < h ? y0 + crop_h : h;
                PUSH(x0, y0, x1, y1, i + 1);
            }
    }
#undef PUSH
    if (boxes && count > cap) return -1;
    return count;
}

int sam_amg_box_near_crop_edge(const int box[4], const int crop_box[4], int h, int w) {
    /* torch.isclose(..., atol=20, rtol=0) on float32 copies of integers: |a - b| <= 20 */
    const int orig[4] = {0, 0, w, h};
    const int off[4] = {crop_box[0], crop_box[1], crop_box[0], crop_box[1]};
    for (int k = 0; k < 4; k++) {
        long long b = (long long)box[k] + off[k];
        int near_crop = llabs(b - crop_box[k]) <= 20;
        int near_image = llabs(b - orig[k]) <= 20;
        if (near_crop && !near_image) return 1;
    }
    return 0;
}
