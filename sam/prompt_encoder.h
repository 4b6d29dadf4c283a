/* PromptEncoder (segment_anything/modeling/prompt_encoder.py): clicks and boxes become
 * sparse tokens, a low-res mask (or its absence) becomes a dense C x G x G map, and the
 * random-Fourier positional encoding of the G x G grid is the image's dense PE.
 * Every tensor is borrowed from the weight file; dims come from its config. */
#ifndef SAMC_SAM_PROMPT_ENCODER_H
#define SAMC_SAM_PROMPT_ENCODER_H

#include "weights/samw.h"

/* Sparse token labels: the official point labels plus the two box corners (which the
 * PyTorch code embeds separately, and the ONNX export labels 2 and 3). */
enum {
    PROMPT_PAD = -1,        /* padding point: not_a_point_embed, no PE */
    PROMPT_NEGATIVE = 0,    /* background click */
    PROMPT_POSITIVE = 1,    /* foreground click */
    PROMPT_BOX_TOPLEFT = 2, /* box corner (x0, y0) */
    PROMPT_BOX_BOTTOMRIGHT = 3,
};

typedef struct {
    int dim;           /* C: prompt_dim (embed_dim of the prompt encoder) */
    int grid;          /* G: image embedding size */
    int img_size;      /* S: input_image_size */
    int mask_in_chans; /* channels of the mask downscaling path (its first conv has /4) */
    const float *gauss;         /* pe_layer.positional_encoding_gaussian_matrix [2][C/2] */
    const float *point_embed[4]; /* point_embeddings.{0..3}.weight [C] */
    const float *not_a_point;   /* not_a_point_embed.weight [C] */
    const float *no_mask;       /* no_mask_embed.weight [C] */
    /* mask_downscaling: conv 2x2 s2 (1 -> m/4), LN2d, GELU, conv 2x2 s2 (m/4 -> m), LN2d,
     * GELU, conv 1x1 (m -> C) */
    const float *conv0_w, *conv0_b, *ln1_w, *ln1_b, *conv3_w, *conv3_b, *ln4_w, *ln4_b, *conv6_w, *conv6_b;
} prompt_encoder;

int sam_prompt_encoder_load(prompt_encoder *pe, const samw *w);

/* Sparse tokens of n prompts given as normalised coordinates xy01[n][2] (x, y already
 * shifted to the pixel centre and divided by S, i.e. in [0, 1]) with labels above:
 * out[n][C] = PE(xy) + point_embed[label], or not_a_point for PROMPT_PAD. */
void sam_prompt_encoder_embed_sparse(const prompt_encoder *pe, const float *xy01, const int *labels, int n, float *out);

/* The tokens of SamPredictor.predict: clicks pts[n][2] (x, y in the S frame, float32 as the
 * predictor casts them) with labels 0/1 (or -1), then the padding point if there is no box,
 * then the box corners (box = x0, y0, x1, y1 in the S frame, or NULL).
 * out[sam_prompt_sparse_count(n, box != NULL)][C]. */
int sam_prompt_sparse_count(int n_points, int has_box);
void sam_prompt_encoder_embed_prompt(const prompt_encoder *pe, const float *pts, const int *labels, int n,
                                 const float *box, float *out);

/* The dense embedding out[C][G][G]: mask_downscaling(mask_input[4G][4G]) or, if mask_input is
 * NULL, no_mask_embed at every position. Returns 0, or -1 if out of memory. */
int sam_prompt_encoder_embed_dense(const prompt_encoder *pe, const float *mask_input, float *out);

/* get_dense_pe(): PE of the G x G grid cell centres, out[C][G][G]. */
void sam_prompt_encoder_dense_pe(const prompt_encoder *pe, float *out);

#endif
