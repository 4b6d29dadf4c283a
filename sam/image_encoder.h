/* ImageEncoderViT (segment_anything/modeling/image_encoder.py): a 3 x S x S normalised,
 * padded image -> the image embedding, out_chans x G x G (G = S / patch_size).
 *
 *   image_encoder enc;
 *   sam_image_encoder_load(&enc, w);             // pointers into the mapped .samw, no copy
 *   sam_image_encoder_forward(&enc, img, emb);   // emb: out_chans * G * G floats
 *
 * The struct only points at weights; it owns nothing and needs no free. */
#ifndef SAMC_SAM_IMAGE_ENCODER_H
#define SAMC_SAM_IMAGE_ENCODER_H

#include <stdint.h>

#include "weights/samw.h"

#define IMAGE_ENCODER_MAX_DEPTH 64 /* global_attn is a 64-bit mask */

/* One Block: pre-norm attention and MLP, each with a residual connection. */
typedef struct {
    const float *norm1_w, *norm1_b;       /* [E] */
    const float *rel_pos_h, *rel_pos_w;   /* [2*s-1][hd]: s = window_size, or G for global blocks */
    const float *qkv_w, *qkv_b;           /* [3E][E], [3E] */
    const float *proj_w, *proj_b;         /* [E][E], [E] */
    const float *norm2_w, *norm2_b;       /* [E] */
    const float *lin1_w, *lin1_b;         /* [mlp][E], [mlp] */
    const float *lin2_w, *lin2_b;         /* [E][mlp], [E] */
} image_encoder_block;

typedef struct image_encoder {
    int img_size, patch_size, grid;       /* S, P, G = S / P */
    int embed_dim, depth, num_heads, head_dim, mlp_dim;
    int window_size;                      /* 0: every block global */
    uint64_t global_attn;                 /* bit i: block i attends globally */
    int out_chans;
    const float *patch_w, *patch_b;       /* [E][3][P][P], [E] */
    const float *pos_embed;               /* [G][G][E] */
    image_encoder_block blocks[IMAGE_ENCODER_MAX_DEPTH];
    const float *neck_conv1;              /* [out][E] (1x1) */
    const float *neck_ln1_w, *neck_ln1_b; /* [out] */
    const float *neck_conv2;              /* [out][out][3][3] */
    const float *neck_ln2_w, *neck_ln2_b; /* [out] */
} image_encoder;

/* Takes the configuration from samw_config(w) and every image_encoder.* tensor, each
 * checked for its exact shape. 0, or -1 with a message naming the field or tensor. */
int sam_image_encoder_load(image_encoder *enc, const samw *w);

/* Checks a configuration (filled in by sam_image_encoder_load or by hand) is one the forward
 * pass can run. 0 or -1 with a message. */
int sam_image_encoder_check(const image_encoder *enc);

/* Block i attends globally (window_size 0, or bit i of global_attn). */
int sam_image_encoder_is_global(const image_encoder *enc, int i);

/* x: 3 x S x S, out: out_chans x G x G. Allocates its scratch once per call.
 * 0, or -1 with a message (bad configuration, out of memory). */
int sam_image_encoder_forward(const image_encoder *enc, const float *x, float *out);

/* Where a forward's wall time goes, for profiling (samc encode --timings, make bench): the
 * blocks' time split by kind of op (attention counts its own products). */
typedef enum {
    ENC_PATCH_EMBED, /* conv, + pos_embed */
    ENC_PRODUCTS,    /* the blocks' Linears (qkv, proj, MLP, with their fused bias/GELU/residual) */
    ENC_ATTENTION,   /* the blocks' attention, relative positions and softmax included */
    ENC_ELEMENTWISE, /* the blocks' LayerNorms, window padding and (un)partition */
    ENC_NECK,
    ENC_PHASES
} image_encoder_phase;

/* sam_image_encoder_forward that adds each phase's seconds to seconds[ENC_PHASES] (the same bits:
 * only clocks are read between the ops). */
int sam_image_encoder_forward_timed(const image_encoder *enc, const float *x, float *out, double *seconds);

#endif
