/* The five prompt modes of the protocol (docs/protocol.md, "The five modes"):
 *
 *   1  one positive point at the center of the largest component           one call
 *   2  one positive point at the center of each of the <= 3 largest ones    one call, all points
 *   3  a box around the largest component                                   one call
 *   4  a box around each of the <= 3 largest components                     one call per box;
 *                                                                           masks OR-ed per index
 *   5  a box around the whole class mask                                    one call
 *
 * Every call uses multimask output and no mask_input. Points are (x = column, y = row)
 * pixel indices as doubles; boxes [x0, y0, x1, y1] inclusive pixel indices.
 *
 *   mode_prompt mp;
 *   prompts_mode_prompt_make(4, gt, h, w, NULL, &mp);
 *   for (int c = 0; c < prompts_mode_prompt_calls(&mp); c++) {
 *       sam_prompt pr; prompts_mode_prompt_call(&mp, c, &pr);
 *       sam_predict(p, &pr, &out);
 *       prompts_masks_or(acc, out.masks, (size_t)out.k * h * w);   // acc zeroed before the loop
 *   } */
#ifndef SAMC_PROMPTS_MODES_H
#define SAMC_PROMPTS_MODES_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"
#include "samc.h"

#define MODE_MAX_REGIONS 3

typedef struct {
    int mode;                                 /* 1..5 */
    int n_points;                             /* modes 1, 2: points of the single call */
    double points[2 * MODE_MAX_REGIONS];      /* (x, y) per point */
    int labels[MODE_MAX_REGIONS];             /* all 1 (positive) */
    int n_boxes;                              /* modes 3, 5: 1; mode 4: 1..3 */
    double boxes[4 * MODE_MAX_REGIONS];       /* x0, y0, x1, y1 per box */
} mode_prompt;

/* Builds the prompt of `mode` for the class mask gt (h x w). ties: NULL for the first
 * maximum in row-major order, else centres are drawn among tied maxima. Fails on an empty
 * mask (the protocol skips those: the image gives NaN for that class) or a bad mode. */
int prompts_mode_prompt_make(int mode, const uint8_t *gt, int h, int w, samc_rng *ties, mode_prompt *out);

/* Number of SAM calls the prompt needs (n_boxes in mode 4, else 1). */
int prompts_mode_prompt_calls(const mode_prompt *mp);

/* The sam_prompt of call c (0 <= c < prompts_mode_prompt_calls): multimask = 1, mask_input = NULL.
 * It points into mp, which must outlive it. */
void prompts_mode_prompt_call(const mode_prompt *mp, int c, sam_prompt *out);

/* acc[i] |= masks[i] for n bytes (values stay 0/1): the mode-4 union of the K calls,
 * applied per multimask index when masks is k x h x w. */
void prompts_masks_or(uint8_t *acc, const uint8_t *masks, size_t n);

#endif
