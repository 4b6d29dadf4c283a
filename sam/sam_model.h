/* The insides of the public sam_model and sam_predictor (samc.h), for the rest of samc
 * (everything mode, evaluation) that needs more than the public API. */
#ifndef SAMC_SAM_SAM_MODEL_H
#define SAMC_SAM_SAM_MODEL_H

#include "nn/arena.h"
#include "samc.h"
#include "sam/image_encoder.h"
#include "sam/mask_decoder.h"
#include "sam/prompt_encoder.h"
#include "weights/samw.h"

struct sam_model {
    samw *w;
    const sam_config *cfg;
    int img_size; /* S: the square model input */
    int channels; /* C: embedding channels (out_chans == prompt_dim) */
    int grid;     /* G: embedding grid; low-res masks are 4G x 4G */
    image_encoder encoder;
    prompt_encoder prompt;
    mask_decoder decoder;
    float *pe_tokens;       /* [G*G][C]: prompt_encoder.get_dense_pe() as image tokens, computed once */
    int pe_tokens_reference; /* the nn mode it was computed in (nn/mode.h) */
};

/* The dense positional encoding as image tokens [G*G][C] (flatten(2).permute(0, 2, 1) of
 * get_dense_pe()) in the current nn mode (nn/mode.h): m->pe_tokens, or, for a model loaded in
 * the other mode, a fresh one in *tmp (the caller frees *tmp; NULL when m->pe_tokens is
 * returned). NULL on out of memory. */
const float *sam_model_pe_tokens(const sam_model *m, float **tmp);

struct sam_predictor {
    const sam_model *m;
    float *embedding; /* C x G x G */
    /* the fast decoder's image terms (sam/fast_decoder.h), made by set_image/set_embedding in
     * fast mode; NULL for an image set in reference mode */
    struct fast_decoder *image_terms;
    int has_image;
    int orig_h, orig_w;   /* original_size */
    int input_h, input_w; /* input_size: the image resized into the S frame */
    sam_timings *timings; /* sam_predictor_time; NULL when not timed */
    nn_arena scratch;     /* a predict's work memory, kept from click to click */
};

#endif
