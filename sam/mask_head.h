/* MaskDecoder's output upscaling and hypernetwork product, done in tiles of the embedding
 * grid's rows so that every intermediate of a tile stays in cache (the whole-map form of
 * mask_decoder.c streams a [C/4][2G][2G] map through memory several times and reads it
 * channel-strided for LayerNorm2d). The ops of MaskDecoder.output_upscaling, with the
 * upscaled maps held pixel-major instead of channel-first and the LayerNorm2d statistics
 * summed in float over 16 fixed lanes: the logits equal the whole-map form's up to float
 * rounding. Used by the predictor in fast mode and by the everything decoder. */
#ifndef SAMC_SAM_MASK_HEAD_H
#define SAMC_SAM_MASK_HEAD_H

#include <stddef.h>

#include "nn/arena.h"
#include "sam/keys_fold.h"
#include "sam/mask_decoder.h"

/* Floats of scratch sam_mask_head needs for C channels on a G x G grid and n_masks masks. */
size_t sam_mask_head_scratch(int C, int G, int n_masks);

/* keys[G*G][C] (the transformer's image output, token-major), hyper[n_masks][C/8] (the
 * hypernetwork outputs) -> out[n_masks][4G][4G] low-res logits. With fold (not NULL), the
 * first transposed conv comes from the fold (sam/keys_fold.h) and keys is not read.
 * Single-threaded. */
void sam_mask_head(const mask_decoder *md, int C, int G, const float *keys, const keys_fold_prompt *fold,
               const float *hyper, int n_masks, float *out, float *scratch);

/* sam_mask_head with the tiles shared among the OpenMP threads (each a one-thread sgemm): for one
 * prompt at a time, the threads' scratch from a. The tiles do not depend on the thread count:
 * neither do the bits. Returns 0, or -1 if out of memory. */
int sam_mask_head_parallel(const mask_decoder *md, int C, int G, const float *keys, const keys_fold_prompt *fold,
                       const float *hyper, int n_masks, float *out, nn_arena *a);

#endif
