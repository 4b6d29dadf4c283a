/* MaskDecoder's output upscaling and hypernetwork product for the everything decoder, done
 * in tiles of the embedding grid's rows so that every intermediate of a tile stays in cache
 * (the whole-map form streams a [C/4][2G][2G] map through memory several times and reads it
 * channel-strided for LayerNorm2d). The ops of MaskDecoder.output_upscaling, with the
 * upscaled maps held pixel-major instead of channel-first; the LayerNorm2d statistics are
 * summed over 8 fixed lanes, so the logits equal the predictor's up to float rounding. */
#ifndef SAMC_SAM_AMG_MASK_HEAD_H
#define SAMC_SAM_AMG_MASK_HEAD_H

#include <stddef.h>

#include "sam/mask_decoder.h"

/* Floats of scratch amg_mask_head needs for C channels on a G x G grid. */
size_t amg_mask_head_scratch(int C, int G);

/* keys[G*G][C] (the transformer's image output, token-major), hyper[n_masks][C/8] (the
 * hypernetwork outputs) -> out[n_masks][4G][4G] low-res logits. Single-threaded. */
void amg_mask_head(const mask_decoder *md, int C, int G, const float *keys, const float *hyper, int n_masks,
                   float *out, float *scratch);

#endif
