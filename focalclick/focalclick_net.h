/* FocalClick's network as the study ran it: ClickSEG's SegFormerModel (isegm/model/
 * is_segformer_model.py, pipeline 's2') with its SegFormer feature extractor, a MiT backbone
 * (modeling/segformer/mix_transformer.py) and the SegFormerHead decoder
 * (modeling/segformer/segformer_head.py), below the predictor (baselines.md §5). The weights
 * as the official modules hold them, and one image's forward pass. Tokens are channels-last
 * x[N][C] (N = h*w, row-major), as MiT keeps them; maps are channel-first x[C][h][w]. */
#ifndef SAMC_FOCALCLICK_FOCALCLICK_NET_H
#define SAMC_FOCALCLICK_FOCALCLICK_NET_H

#include "iseg/iseg.h"
#include "nn/arena.h"
#include "weights/samw.h"

#define FOCALCLICK_STAGES 4
#define FOCALCLICK_MAX_DEPTH 40 /* block3 of mit_b5 */
/* BaselinePredictor's infer_size: ResizeTrans brings every image to this square */
#define FOCALCLICK_INFER_SIZE 256

/* OverlapPatchEmbed: Conv k x k, stride s, padding k/2 (bias) -> tokens -> LayerNorm (eps
 * 1e-5). proj weight[oc][ic][k][k]. */
typedef struct {
    const float *proj_weight, *proj_bias, *norm_weight, *norm_bias;
    int ic, oc, k, stride;
} focalclick_patch_embed;

/* MiT Block of dim d with sr ratio r: norm1/norm2 LayerNorm (eps 1e-6); Attention q Linear
 * d->d, kv Linear d->2d, proj d->d, and for r > 1 sr Conv r x r stride r d->d + norm
 * LayerNorm (eps 1e-5); Mlp fc1 d->4d, dwconv depthwise 3x3 [4d][1][3][3], fc2 4d->d. */
typedef struct {
    const float *norm1_weight, *norm1_bias, *norm2_weight, *norm2_bias;
    const float *q_weight, *q_bias, *kv_weight, *kv_bias, *proj_weight, *proj_bias;
    const float *sr_weight, *sr_bias, *attn_norm_weight, *attn_norm_bias; /* NULL when r == 1 */
    const float *fc1_weight, *fc1_bias, *dwconv_weight, *dwconv_bias, *fc2_weight, *fc2_bias;
} focalclick_block;

typedef struct {
    char model_version[4];                /* "b0", "b3", "b5" */
    int embed_dims[FOCALCLICK_STAGES];    /* E_s */
    int depths[FOCALCLICK_STAGES];
    int num_heads[FOCALCLICK_STAGES];
    int sr_ratios[FOCALCLICK_STAGES];
    int decoder_dim;                      /* De: decoder_params embed_dim */
    float disk_radius;                    /* dist_maps_base's norm_radius: 5 for pipeline 's2' */

    /* feature_extractor.backbone (MixVisionTransformer) */
    focalclick_patch_embed patch_embed[FOCALCLICK_STAGES]; /* k7 s4 3->E1, then k3 s2 E_{s-1}->E_s */
    focalclick_patch_embed patch_embed_side1;              /* k7 s4 3->E1, on the click features */
    focalclick_block block[FOCALCLICK_STAGES][FOCALCLICK_MAX_DEPTH];
    const float *norm_weight[FOCALCLICK_STAGES], *norm_bias[FOCALCLICK_STAGES]; /* LayerNorm eps 1e-6 */

    /* feature_extractor.decode_head (SegFormerHead) */
    const float *linear_c_weight[FOCALCLICK_STAGES], *linear_c_bias[FOCALCLICK_STAGES]; /* [De][E_s], [De] */
    const float *linear_fuse_weight;                      /* [De][4De] (1x1, no bias) */
    const float *bn_weight, *bn_bias, *bn_mean, *bn_var;  /* linear_fuse.bn, eps 1e-5 */
    const float *linear_pred_weight, *linear_pred_bias;   /* [1][De], [1] */
} focalclick_net;

/* Reads the config (model_version, pipeline_version and the input settings the port assumes)
 * and every tensor the forward pass uses, shape-checked against the model_version's table,
 * then refuses any other tensor but maps_transform.* and refiner.* (never used, baselines.md
 * §6). 0 or -1. */
int focalclick_net_load(focalclick_net *net, const samw *w);

/* The work memory of a forward pass on an h x w input, carved from an arena (see
 * focalclick_work_alloc). */
typedef struct {
    int h, w;
    int gh[FOCALCLICK_STAGES], gw[FOCALCLICK_STAGES]; /* token grids: h/4, h/8, h/16, h/32 (conv sizes) */
    float *rgb, *coord;       /* prepare_input's normalised RGB [3][h][w]; cat(prev, pos, neg) [3][h][w] */
    float *map;               /* a stage's input map [C][gh][gw], or a token image for the sr conv */
    float *proj;              /* a patch embedding's conv output [E][N] */
    float *cols;              /* im2col of a patch embedding or an sr conv */
    float *x, *side;          /* the stage's tokens [N][E]; patch_embed_side1's [N1][E1] */
    float *xn, *q, *attn, *y; /* [N][E]: a LayerNorm's output, q, the heads' output, Linear scratch */
    float *kv, *sr;           /* [Nk][2E], the reduced tokens [Nk][E] */
    float *hidden, *hidden2;  /* [N][4E]: fc1's output, dwconv's output */
    float *mha_scratch;
    float *c[FOCALCLICK_STAGES]; /* the stage outputs c1..c4 as tokens [N_s][E_s] */
    float *cat;               /* the decoder's cat([_c4, _c3, _c2, _c1]) [4De][gh1][gw1] */
    float *head_tmp;          /* linear_c{2,3,4}'s map before the resize [De][N_s] */
    float *fuse, *pred;       /* linear_fuse's [De][gh1][gw1], linear_pred's [gh1][gw1] */
} focalclick_work;

/* Carves the work memory of a forward pass on an h x w input out of arena a (which the caller
 * resets; the pointers live until then). 0 or -1 (sizes, out of memory). */
int focalclick_work_alloc(focalclick_work *wk, const focalclick_net *net, nn_arena *a, int h, int w);

/* SegFormerModel.forward on one image: image_nd[4][h][w] (RGB in [0, 1], then the previous
 * mask), points[2P][3] (row, col, index: P positive rows, then P negative rows, padded with
 * -1) -> instances[h][w], the logits after the final bilinear resize. trace: report the
 * official module outputs to nn_trace. 0 or -1. */
int focalclick_net_forward(const focalclick_net *net, focalclick_work *wk, const float *image_nd, const float *points,
                           int P, float *instances, int trace);

/* The two halves of the feature extractor. focalclick_mit_forward: MixVisionTransformer on
 * wk->rgb with the click features wk->coord -> the stage outputs wk->c[0..3].
 * focalclick_segformer_head_forward: SegFormerHead on wk->c -> linear_pred's logits
 * wk->pred [gh1][gw1]; 0 or -1. */
void focalclick_mit_forward(const focalclick_net *net, focalclick_work *wk, int trace);
int focalclick_segformer_head_forward(const focalclick_net *net, focalclick_work *wk, int trace);

/* The predictor's network input (baselines.md §5.1): ResizeTrans of cat(x, zeros), i.e.
 * x[3][H][W] (ToTensor's image) resized with bilinear align_corners=True to
 * out[4][size][size], channel 3 zero. 0 or -1. */
int focalclick_image_nd(float *out, const float *x, int H, int W, int size);
/* The points tensor after ResizeTrans: pts[2P][3], rows r * (size / H) and columns
 * c * (size / W), the ratios in double first; scratch: 2n doubles. */
void focalclick_points_nd(float *pts, const iseg_click *clicks, int n, int P, int H, int W, int size,
                          double *scratch);

#endif
