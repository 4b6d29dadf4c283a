/* ResizeLongestSide (segment_anything/utils/transforms.py) and Sam.preprocess: how an image
 * and its prompt coordinates reach the model's square input frame. */
#ifndef SAMC_SAM_TRANSFORMS_H
#define SAMC_SAM_TRANSFORMS_H

#include <stdint.h>

/* The size the long side is scaled to: get_preprocess_shape(h, w, target), i.e.
 * int(h * (target / max(h, w)) + 0.5) in double, likewise for w. */
void sam_resize_longest_side_shape(int h, int w, int target, int *new_h, int *new_w);

/* Pillow's Image.resize((ow, oh), Image.BILINEAR) of 8-bit RGB in[ih][iw][3] -> out[oh][ow][3],
 * bit for bit (antialiased convolution, 22-bit fixed point, horizontal pass first through a
 * uint8 image). Returns 0, or -1 if out of memory. */
int sam_pillow_resize_bilinear_rgb8(const uint8_t *in, int ih, int iw, uint8_t *out, int oh, int ow);

/* apply_coords: n points (x, y), in original-image pixels of an h x w image, scaled in place
 * into the resized frame (x * new_w / w, y * new_h / h, in double). */
void sam_resize_apply_coords(double *xy, int n, int h, int w, int target);
/* apply_boxes: n boxes (x0, y0, x1, y1), each corner transformed as a point. */
void sam_resize_apply_boxes(double *boxes, int n, int h, int w, int target);

/* Sam.preprocess: resized[new_h][new_w][3] -> out[3][img_size][img_size] float32,
 * (x - pixel_mean) / pixel_std per channel, zero-padded at the right and bottom. */
void sam_preprocess(float *out, const uint8_t *resized, int new_h, int new_w, int img_size);

#endif
