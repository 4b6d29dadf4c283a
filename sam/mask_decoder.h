/* MaskDecoder (segment_anything/modeling/mask_decoder.py): the two-way transformer over
 * [iou token, mask tokens, prompt tokens] and the image, then upscaling of the image tokens
 * to 4G x 4G and one hypernetwork MLP per mask token; the IoU head scores each mask.
 * Tensors are borrowed from the weight file; every dim comes from its config. */
#ifndef SAMC_SAM_MASK_DECODER_H
#define SAMC_SAM_MASK_DECODER_H

#include "sam/two_way_transformer.h"
#include "weights/samw.h"

#define MLP_MAX_LAYERS 8

/* mask_decoder.MLP: Linear layers with ReLU between them (not after the last). */
typedef struct {
    int n_layers;
    int dims[MLP_MAX_LAYERS + 1];
    const float *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];
} mlp_head;

/* Floats of the widest activation of m. */
int sam_mlp_widest(const mlp_head *m);
/* MLP.forward of one vector x[dims[0]] -> y[dims[n]]; a and b hold sam_mlp_widest(m) floats each. */
void sam_mlp_forward(const mlp_head *m, const float *x, float *y, float *a, float *b);

#define MD_MAX_MASK_TOKENS 16

typedef struct {
    int dim;             /* C: transformer_dim */
    int grid;            /* G: the image embedding is C x G x G */
    int num_mask_tokens; /* 4: one single-mask output plus 3 multimask outputs */
    two_way_transformer transformer;
    const float *iou_token;   /* [C] */
    const float *mask_tokens; /* [num_mask_tokens][C] */
    /* output_upscaling: ConvT 2x2 s2 (C -> C/4), LN2d, GELU, ConvT 2x2 s2 (C/4 -> C/8), GELU */
    const float *up0_w, *up0_b, *up1_w, *up1_b, *up3_w, *up3_b;
    /* the two transposed convs' weights in tap-major order, [in][2x2 tap][out] (owned):
     * up0_taps[C][4][C/4], up3_taps[C/4][4][C/8] */
    float *up0_taps, *up3_taps;
    mlp_head hyper[MD_MAX_MASK_TOKENS]; /* C -> C -> C -> C/8 */
    mlp_head iou_head;                  /* C -> iou_hidden ... -> num_mask_tokens */
} mask_decoder;

int sam_mask_decoder_load(mask_decoder *md, const samw *w);
/* Floats of the widest activation of any of md's MLP heads (the IoU head, the hypernetworks):
 * the size of each of the two buffers sam_mlp_forward takes. */
int sam_mask_decoder_mlp_widest(const mask_decoder *md);
/* tokens[1 + num_mask_tokens + n_sparse][C] = [iou_token, mask_tokens, sparse]: the decoder's
 * input tokens (MaskDecoder.predict_masks' output_tokens concatenated with the prompt's). */
void sam_mask_decoder_tokens(const mask_decoder *md, const float *sparse, int n_sparse, float *tokens);
/* Frees what sam_mask_decoder_load allocated (the tensors stay the weight file's). */
void sam_mask_decoder_free(mask_decoder *md);

/* MaskDecoder.predict_masks for one prompt, in the official order of operations (what
 * reference mode and tracing run; fast mode runs sam/fast_decoder.h):
 *   image[C][G][G]      the image embedding
 *   dense[C][G][G]      the dense prompt embedding (no_mask_embed or the downscaled mask)
 *   pe_tokens[G*G][C]   the prompt encoder's dense PE as image tokens (sam_model_pe_tokens)
 *   sparse[n_sparse][C] the sparse prompt tokens
 * -> masks[num_mask_tokens][4G][4G] low-res logits and iou[num_mask_tokens], all mask tokens
 * (the caller slices [1:] for multimask output, [0:1] otherwise).
 * Returns 0, or -1 if out of memory. */
int sam_mask_decoder_predict(const mask_decoder *md, const float *image, const float *dense, const float *pe_tokens,
                         const float *sparse, int n_sparse, float *masks, float *iou);

#endif
