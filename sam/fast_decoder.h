/* The prompt encoder's output through MaskDecoder.predict_masks in fast mode: what the
 * predictor runs for every prompt, and the everything mode for its grid points (many
 * single-point prompts on one embedding). It computes what MaskDecoder.predict_masks
 * computes (sam/mask_decoder.c keeps the official order of operations, for reference mode and
 * tracing), but
 *  - the work that depends only on the image is done once per image: the image tokens
 *    (embedding + no_mask_embed) and their positional terms, and in the first two-way layer
 *    the token-to-image keys and values and the image-to-token queries, whose inputs are
 *    the unchanged image tokens for every prompt (a prompt with a mask input gets its own
 *    image tokens, without the first layer's projections);
 *  - the image tokens are never projected per prompt: each cross attention works on the
 *    [heads * tokens] x C side (sam/fast_decoder.c), and the output upscaling runs in row
 *    tiles (sam/mask_head.c), its first transposed conv folded back through the keys
 *    LayerNorms onto the per-image tokens (sam/keys_fold.h) when the image terms are shared;
 *  - the final attention of the tokens to the image is computed for the IoU and mask tokens
 *    only (the prompt tokens' outputs are never read), and each layer's keys LayerNorm
 *    computes the next such attention's scores while its rows are in cache;
 *  - in the everything mode, the masks of a prompt are skipped when all three of its
 *    predicted IoUs fail the generator's IoU filter, which would drop them anyway.
 * Equal to MaskDecoder up to float rounding (test_predictor against the official fixtures;
 * test_everything: 1e-5 of the largest logit, 1e-5 on the IoUs). */
#ifndef SAMC_SAM_FAST_DECODER_H
#define SAMC_SAM_FAST_DECODER_H

#include "nn/arena.h"
#include "sam/keys_fold.h"
#include "sam/sam_model.h"

typedef struct fast_decoder {
    const sam_model *m;
    int C, HW, D0;      /* channels, image tokens, layer-0 cross-attention internal dim */
    float *keys;        /* [HW][C] image embedding + no_mask_embed, token-major */
    const float *key_pe; /* [HW][C] dense PE, token-major (sam_model_pe_tokens) */
    float *key_pe_tmp;   /* owned key_pe, for a model loaded in the other nn mode */
    /* layer 0, transposed ([D0][HW], rows ldT floats apart), or NULL: k_proj(keys + key_pe)
     * and v_proj(keys) of the token-to-image attention, q_proj(keys + key_pe) of the
     * image-to-token one */
    float *t2i_kT, *t2i_vT, *i2t_qT;
    int ldT;
    int folded;         /* the mask head's first conv comes from fold (with t2i_kT etc.) */
    keys_fold fold;
} fast_decoder;

/* Precomputes the image terms for embedding[C][G][G]. Returns 0 or -1. */
int sam_fast_decoder_init(fast_decoder *d, const sam_model *m, const float *embedding);
/* The image terms of one prompt with a mask input: embedding[C][G][G] + dense[C][G][G] (the
 * prompt encoder's dense embedding), without the first layer's projections (t2i_kT, t2i_vT,
 * i2t_qT stay NULL: a single prompt has nothing to share them with). Returns 0 or -1. */
int sam_fast_decoder_init_dense(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense);
void sam_fast_decoder_free(fast_decoder *d);

/* n prompts, each one positive point at xy01[i] (normalised as the prompt encoder takes it)
 * plus the padding point: iou[n][3] and low[n][3][4G][4G] (multimask outputs 1..3). If
 * keep_iou_above is not NaN, a prompt whose three IoUs are all <= it gets no masks (its low
 * entries are left unwritten). The prompts are spread over the nn_blas_get_threads() threads,
 * with BLAS set to one thread for the duration of the call. Returns 0 or -1. */
int sam_fast_decoder_run(const fast_decoder *d, const float *xy01, int n, float keep_iou_above, float *iou, float *low);

/* One prompt of any sparse tokens (sparse[n_sparse][C] from the prompt encoder) and no mask
 * input, for the predictor: the outputs of ALL mask tokens, low[T][4G][4G] and iou[T], each
 * op threaded (BLAS at its current thread count), its scratch from a (the predictor's, so a
 * click allocates nothing). Returns 0 or -1. */
int sam_fast_decoder_predict(const fast_decoder *d, nn_arena *a, const float *sparse, int n_sparse, float *low,
                         float *iou);

#endif
