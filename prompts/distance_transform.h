/* The "center" of a region as the protocol defines it: the argmax of OpenCV's
 * distanceTransform(DIST_L2, maskSize=5) on the region padded with one pixel of zeros.
 *
 * OpenCV's 5x5 chamfer transform (modules/imgproc/src/distransform.cpp, the portable path,
 * which Debian's OpenCV uses; pip wheels built with IPP may call IPP instead) works in
 * 16.16 fixed point: the float weights 1, 1.4f, 2.1969f become cvRound(w * 65536) =
 * 65536, 91750, 143976 (axial, diagonal, knight move). A forward raster pass takes, for each
 * foreground pixel, the minimum over its already-visited neighbours (two rows up: knight
 * moves at dx = -1, +1; one row up: knight dx = -2, diagonal -1, axial 0, diagonal +1,
 * knight +2; same row: axial dx = -1); a backward pass does the mirror image and keeps the
 * smaller value. Background pixels are 0. Pixels outside the image count as "far" (the
 * clamp value 2^29 - 1 of OpenCV 4.6, read back as 8192.0), NOT as background: that is why
 * the protocol pads. The
 * output is (float)t * (1.0f / 65536), the integer converted to float first (exact up to
 * distance 256). */
#ifndef SAMC_PROMPTS_DISTANCE_TRANSFORM_H
#define SAMC_PROMPTS_DISTANCE_TRANSFORM_H

#include <stdint.h>

#include "util/rng.h"

/* cv2.distanceTransform(mask, DIST_L2, 5) on the h x w mask as is (no padding). */
int prompts_chamfer5_distance(const uint8_t *mask, int h, int w, float *dist);

/* The protocol's map: pad by one zero pixel on each side, transform, crop back to h x w. */
int prompts_region_distance(const uint8_t *mask, int h, int w, float *dist);

/* Index of the maximum of dist[0..n): the first in row-major order when ties == NULL,
 * else one drawn uniformly among all maxima (the authors drew with numpy; exact replay is
 * impossible). Optionally reports how many pixels tie at the maximum. */
int64_t prompts_argmax_ties(const float *dist, int64_t n, samc_rng *ties, int64_t *n_max);

/* Center of the non-zero pixels of mask: *x = column, *y = row of the maximum of
 * prompts_region_distance. An empty mask has an all-zero map, so every pixel ties and the result
 * is pixel (0, 0) (or a random pixel with ties): the authors' code behaves the same way. */
int prompts_region_center(const uint8_t *mask, int h, int w, samc_rng *ties, int *x, int *y);

#endif
