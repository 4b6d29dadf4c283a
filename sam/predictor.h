/* SamPredictor below the public API (samc.h): the prompt encoder + mask decoder on prompts
 * given in any form, for callers that run many prompts on one cached embedding
 * (SamAutomaticMaskGenerator's batches of grid points). All functions need an image or an
 * embedding set on the predictor first. */
#ifndef SAMC_SAM_PREDICTOR_H
#define SAMC_SAM_PREDICTOR_H

#include "nn/arena.h"
#include "samc.h"

/* Prompt encoder + mask decoder for sparse prompts already normalised to the model frame:
 * xy01[n][2] = ((x, y) in the S frame + 0.5) / S, labels PROMPT_* of sam/prompt_encoder.h
 * (1 foreground, 0 background, -1 padding, 2/3 box corners), plus an optional
 * mask_input[4G][4G]. Writes the outputs of ALL mask tokens (T = 4 for SAM):
 * low_res[T][4G][4G] logits and iou[T]; output 0 is the single-mask answer, 1..T-1 the
 * multimask ones. Returns 0 or -1. */
int sam_decode_normalised(const sam_predictor *p, nn_arena *a, const float *xy01, const int *labels, int n,
                          const float *mask_input, float *low_res, float *iou);

/* SamAutomaticMaskGenerator._process_batch / predict_torch: each of n points (x, y in
 * original-image pixels, float64) is its own prompt of that point with label 1 plus the
 * padding point. Coordinates follow that path's dtypes (scaled, shifted and normalised in
 * float64, cast to float32 last). multimask 1 keeps outputs 1..3 (k = 3), 0 output 0 (k = 1):
 * low_res[n][k][4G][4G], iou[n][k]. Returns 0 or -1. */
int sam_predict_points_batch(const sam_predictor *p, const double *points, int n, int multimask, float *low_res,
                             float *iou);

/* Sam.postprocess_masks for the predictor's image: k low-res logit maps [k][4G][4G] -> bilinear
 * to S x S, crop to the resized image, bilinear to the original h x w: out[k][h][w].
 * Returns 0 or -1. */
int sam_postprocess_logits(const sam_predictor *p, const float *low_res, int k, float *out);

/* The predictor's image sizes: original (h, w) and resized into the S frame. */
void sam_predictor_sizes(const sam_predictor *p, int *orig_h, int *orig_w, int *input_h, int *input_w);

#endif
