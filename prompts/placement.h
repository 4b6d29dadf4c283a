/* Prompt-placement variability and object size (named by the paper, not in the released
 * code; our definitions):
 *
 * prompts_placement_point: a point drawn uniformly among the region's pixels whose distance value
 *   (prompts_region_distance, the protocol's padded map) is >= the q-quantile of the values over
 *   the region's pixels. q = 0 allows any region pixel, q -> 1 only the deepest ones.
 *   Quantile: metrics_quantile_sorted of metrics/stats.h (numpy's default, type 7).
 *   dx, dy, displacement: offset and Euclidean distance from the protocol center (the first
 *   maximum in row-major order).
 *
 * prompts_placement_box: each coordinate of an inclusive box moved by an integer offset drawn
 *   uniformly in [-m, m], m = floor(jitter * size), size = x1 - x0 + 1 for x0 and x1,
 *   y1 - y0 + 1 for y0 and y1; then clipped to the image, and the ends swapped if they cross.
 *   offset[] returns the applied movement of each coordinate (after clipping).
 *
 * prompts_object_size_of: area, area fraction of the image and number of 8-connected components. */
#ifndef SAMC_PROMPTS_PLACEMENT_H
#define SAMC_PROMPTS_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

typedef struct {
    double x, y;            /* the sampled pixel (column, row) */
    double dx, dy;          /* x - center x, y - center y */
    double displacement;    /* sqrt(dx^2 + dy^2) */
    double threshold;       /* the q-quantile of the region's distance values */
    size_t n_candidates;    /* pixels at or above it */
} placed_point;

/* q in [0, 1]. Fails on an empty mask, q outside [0, 1] or a NULL rng. */
int prompts_placement_point(const uint8_t *mask, int h, int w, double q, samc_rng *rng, placed_point *out);

/* jitter in [0, 1]; box and out are {x0, y0, x1, y1}, out may alias box. */
int prompts_placement_box(const double box[4], int h, int w, double jitter, samc_rng *rng, double out[4],
                  double offset[4]);

typedef struct {
    size_t area;          /* foreground pixels */
    double area_fraction; /* area / (h * w) */
    int n_components;     /* 8-connected */
    size_t largest_area;  /* area of the largest component (0 if empty) */
} object_size;

int prompts_object_size_of(const uint8_t *mask, int h, int w, object_size *out);

#endif
