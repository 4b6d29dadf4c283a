/* Overlays as the study shows its examples: the image with the ground truth's outline in green,
 * the prediction's outline in red and the prompt in blue. Drawn at the image's own size, one
 * image pixel per canvas pixel, so a pixel of the overlay is a pixel of the mask:
 *
 *   outline    the mask pixels with a 4-neighbour outside the mask (the image's edge counts as
 *              outside), 1 pixel wide; yellow where the ground truth's and the prediction's
 *              outlines meet (red over green would hide a perfect prediction)
 *   points     dots of radius 3 around the pixel nearest (x, y) (dx^2 + dy^2 <= 9): a positive
 *              click filled, a negative one a ring (the dot without its centre 3 x 3)
 *   boxes      2-pixel rectangles inside the box (inclusive pixels, coordinates rounded)
 *
 * Drawn in that order (ground truth, prediction, boxes, points), so a prompt stays visible on
 * an outline; anything outside the image is clipped. `samc report` draws its examples with it
 * (eval/examples.h), `samc predict --overlay` one prediction (no ground truth). */
#ifndef SAMC_EVAL_OVERLAY_H
#define SAMC_EVAL_OVERLAY_H

#include <stdint.h>

#include "eval/plot.h"

extern const uint8_t eval_overlay_green[3], eval_overlay_red[3], eval_overlay_yellow[3], eval_overlay_blue[3];

/* A prompt: points (x = column, y = row in image pixels, as SAM's point_coords) with their
 * labels (1 positive, 0 negative) and boxes (x0, y0, x1, y1). */
typedef struct {
    const double *xy;   /* n_points x 2 */
    const int *labels;  /* n_points */
    int n_points;
    const double *boxes; /* n_boxes x 4 */
    int n_boxes;
    void *owned; /* what eval_overlay_prompt_parse allocated (eval_overlay_prompt_free); NULL otherwise */
} overlay_prompt;

/* The prompt of a results row (eval/results.h): points "x;y;label" joined by '|' and boxes
 * "x0;y0;x1;y1" joined by '|'; NULL or "" is none. 0, or -1 naming the malformed text. */
int eval_overlay_prompt_parse(const char *points, const char *box, overlay_prompt *p);
void eval_overlay_prompt_free(overlay_prompt *p);

/* Makes c (eval_canvas_new: w x h) the overlay of the h x w x 3 image rgb: gt and pred (h x w, non-zero
 * = in the mask; either may be NULL) outlined, the prompt p (may be NULL) drawn. 0 or -1. */
int eval_overlay_draw(canvas *c, const uint8_t *rgb, int h, int w, const uint8_t *gt, const uint8_t *pred,
                 const overlay_prompt *p);
/* The same written to path as an 8-bit RGB PNG, atomically (util/file.h). 0 or -1. */
int eval_overlay_write_png(const char *path, const uint8_t *rgb, int h, int w, const uint8_t *gt, const uint8_t *pred,
                      const overlay_prompt *p);

#endif
