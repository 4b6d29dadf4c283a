/* The pieces every baseline predictor shares (baselines.md §2): the image as the network
 * takes it, the points tensor, the click disks, the horizontal flip. */
#ifndef SAMC_ISEG_CLICK_INPUT_H
#define SAMC_ISEG_CLICK_INPUT_H

#include <stdint.h>

#include "iseg/iseg.h"

/* torchvision ToTensor: rgb[H][W][3] uint8 -> x[3][H][W] = v / 255 in float32. */
void iseg_image_to_chw(float *x, const uint8_t *rgb, int H, int W);

/* prepare_input (§2.4): out[c][HW] = (x[c][HW] - mean_c) / std_c for the 3 RGB channels,
 * mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), divided (not multiplied by a
 * reciprocal). In place allowed. */
void iseg_normalize_rgb(float *out, const float *x, int HW);

/* P = max(1, #positive, #negative) (§2.2). */
int iseg_points_per_sign(const iseg_click *clicks, int n);

/* The points tensor of one batch element (§2.2): pts[2P][3] = (row, col, index) of the
 * positive clicks in click order, padded with (-1, -1, -1) to P rows, then the negatives
 * likewise. row[k], col[k] are click k's coordinates after the predictor's transforms,
 * computed in double and rounded to float32 here, once. */
void iseg_points_fill(float *pts, const iseg_click *clicks, const double *row, const double *col, int n, int P);

/* DistMaps(norm_radius=5, spatial_scale=1, use_disks=True) (§2.3) on an h x w input:
 * out[0][h][w] = 1 where some valid positive point of pts[2P][3] is within `radius` (squared
 * distance <= radius^2, evaluated in float32 without FMA), else 0; out[1] likewise for the
 * negatives. A point is invalid when max(row, col) < 0. */
void iseg_disk_maps(float *out, const float *pts, int P, int h, int w, float radius);

/* torch.flip(x, dims=[-1]) of C planes x[C][H][W] -> out (not aliased). */
void iseg_flip_w(float *out, const float *x, int C, int H, int W);

#endif
