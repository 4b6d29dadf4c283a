/* TwoWayTransformer (segment_anything/modeling/transformer.py): the prompt tokens and the
 * image tokens attend to each other in `depth` TwoWayAttentionBlocks, then the tokens attend
 * to the image once more. Tensors are borrowed from the weight file. */
#ifndef SAMC_SAM_TWO_WAY_TRANSFORMER_H
#define SAMC_SAM_TWO_WAY_TRANSFORMER_H

#include "weights/samw.h"

/* Attention with a downscaled internal dim: q/k/v_proj C -> D, heads split D contiguously,
 * out_proj D -> C. */
typedef struct {
    int dim, internal, heads;
    const float *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *out_w, *out_b;
} tw_attention;

typedef struct {
    int skip_first_layer_pe;   /* layer 0: self-attention without PE and without residual */
    tw_attention self_attn;    /* internal dim C */
    tw_attention cross_t2i;    /* cross_attn_token_to_image, internal C/2 */
    tw_attention cross_i2t;    /* cross_attn_image_to_token, internal C/2 */
    const float *norm_w[4], *norm_b[4];
    const float *mlp1_w, *mlp1_b, *mlp2_w, *mlp2_b; /* C -> mlp_dim (ReLU) -> C */
} tw_block;

#define TW_MAX_DEPTH 8

typedef struct {
    int dim, heads, mlp_dim, depth;
    tw_block layers[TW_MAX_DEPTH];
    tw_attention final_attn; /* final_attn_token_to_image */
    const float *norm_final_w, *norm_final_b;
} two_way_transformer;

int sam_two_way_transformer_load(two_way_transformer *t, const samw *w);

/* image[C][HW] (image embedding + dense prompt, channel-first), key_pe[HW][C] (the image PE
 * as tokens), tokens[N][C] -> queries[N][C] and keys[HW][C] (the transformer's two outputs).
 * Returns 0, or -1 if out of memory. */
int sam_two_way_transformer_forward(const two_way_transformer *t, const float *image, const float *key_pe, int HW,
                                const float *tokens, int N, float *queries, float *keys);

#endif
