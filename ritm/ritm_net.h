/* RITM's network, HRNetModel (isegm/model/is_hrnet_model.py) with its HighResolutionNet +
 * OCR feature extractor (isegm/model/modeling/hrnet_ocr.py), below the predictor: the
 * weights as the official modules hold them, and the forward pass (baselines.md §3.2). Activations are channel-first maps of the whole batch, x[B][C][h][w] as PyTorch holds
 * them: the predictor's batch of two (the image and its flip) goes through each layer
 * together. */
#ifndef SAMC_RITM_RITM_NET_H
#define SAMC_RITM_RITM_NET_H

#include <stddef.h>

#include "iseg/iseg.h"
#include "nn/arena.h"
#include "weights/samw.h"

/* nn.Conv2d: weight[oc][ic][k][k], bias[oc] or NULL; padding k/2. */
typedef struct {
    const float *weight, *bias;
    int ic, oc, k, stride;
} ritm_conv;

/* nn.BatchNorm2d (eval, eps 1e-5). */
typedef struct {
    const float *weight, *bias, *running_mean, *running_var;
} ritm_bn;

/* A conv followed by BatchNorm2d, the unit of every HRNet layer. BN stays a separate op (not
 * folded into the conv), in both modes: the official order of operations, one code path. */
typedef struct {
    ritm_conv conv;
    ritm_bn bn;
} ritm_conv_bn;

/* Bottleneck (expansion 4): conv1 1x1, conv2 3x3, conv3 1x1, each with its BN; downsample
 * (1x1 conv + BN) on block 0's identity. */
typedef struct {
    ritm_conv_bn conv1, conv2, conv3, downsample;
    int has_downsample;
} ritm_bottleneck;

/* BasicBlock: conv1 3x3 + bn1, conv2 3x3 + bn2. */
typedef struct {
    ritm_conv_bn conv1, conv2;
} ritm_basic_block;

#define RITM_BRANCHES 4 /* stage4's branch count: the most any module has */
#define RITM_MAX_BLOCKS 4
#define RITM_MAX_MODULES 4

/* HighResolutionModule with n_branches branches of n_blocks BasicBlocks each, then the fuse
 * layers: fuse[i][j] for j > i is one 1x1 conv + BN; for j < i it is i-j 3x3 stride-2 convs
 * + BN (fuse[i][j][t]); fuse[i][i] is the identity. */
typedef struct {
    int n_branches;
    ritm_basic_block blocks[RITM_BRANCHES][RITM_MAX_BLOCKS];
    ritm_conv_bn fuse[RITM_BRANCHES][RITM_BRANCHES][RITM_BRANCHES - 1];
} ritm_hr_module;

typedef struct {
    int width, ocr_width, small; /* the checkpoint's config */
    int norm_radius;             /* DistMaps' disk radius */
    int n_blocks;                /* Bottlenecks in layer1 and BasicBlocks per branch: 4, or 2 if small */
    int channels[RITM_BRANCHES]; /* C = [w, 2w, 4w, 8w] */
    int n_modules[3];            /* stage2, stage3, stage4: 1, 4, 3 (1, 3, 2 if small) */

    /* ISModel.maps_transform: Conv1x1 3->16 (bias), LeakyReLU(0.2), Conv3x3 s2 16->64
     * (bias), ScaleLayer (|scale|, one value) */
    ritm_conv maps_transform0, maps_transform2;
    const float *maps_transform_scale;

    /* feature_extractor (HighResolutionNet) */
    ritm_conv_bn conv1, conv2; /* the stem: 3x3 s2 each */
    ritm_bottleneck layer1[RITM_MAX_BLOCKS];
    /* the transitions that are not identities: transition1.0 (256 -> w), transition1.1.0
     * (256 -> 2w, s2), transition2.2.0 (2w -> 4w, s2), transition3.3.0 (4w -> 8w, s2) */
    ritm_conv_bn transition[RITM_BRANCHES];
    ritm_hr_module stage[3][RITM_MAX_MODULES]; /* stage2, stage3, stage4 */

    /* the OCR head, mid = 2 * ocr_width, key = ocr_width, L = 15 * width */
    ritm_conv aux_head0, aux_head3; /* 1x1 L -> L (bias), 1x1 L -> 1 (bias) */
    ritm_bn aux_head1;
    ritm_conv_bn conv3x3_ocr;     /* 3x3 L -> mid (bias) + BN */
    ritm_conv_bn f_down, f_up;    /* ocr_distri_head.object_context_block: 1x1 mid -> key, key -> mid */
    ritm_conv_bn conv_bn_dropout; /* ocr_distri_head: 1x1 2*mid -> mid */
    ritm_conv cls_head;           /* 1x1 mid -> 1 (bias) */
} ritm_net;

/* Reads the config (width, ocr_width, small, and the click-map settings the port assumes)
 * and every tensor the forward pass uses, shape-checked, then refuses any other tensor but
 * the never-used object_context_block.f_pixel / f_object (baselines.md §6). 0 or -1. */
int ritm_net_load(ritm_net *net, const samw *w);

/* The largest batch a forward pass runs: the image and its flip. */
#define RITM_BATCH 2
/* ritm_layer_forward's tiles: whole output rows of at most this many pixels (one row if
 * longer), enough columns for the product to run near the sgemm peak, few enough that a
 * tile's im2col stays in the cache */
#define RITM_TILE_PIXELS 512

/* The bilinear (align_corners) resize of a branch up to branch 0's h x w, per axis: output
 * row y is ly0[y] * row y0[y] + ly1[y] * row y1[y] of the input, columns likewise. */
typedef struct {
    int *y0, *y1, *x0, *x1;
    float *ly0, *ly1, *lx0, *lx1;
} ritm_taps;

/* The work memory of forward passes on batches of up to RITM_BATCH H x W images, from an
 * arena (see ritm_work_alloc). Every map below holds the batch, [B][...]. */
typedef struct {
    int B;       /* the batch of the pass under way */
    int threads; /* the OpenMP threads the memory is for */
    int H, W;
    int h[RITM_BRANCHES], w[RITM_BRANCHES]; /* branch sizes: H/4, H/8, H/16, H/32 (ceil) */
    /* slab 1: the stem's inputs and maps, then layer1's, then the aggregated features and the
     * OCR head's maps */
    float *rgb, *coord, *mt_c1, *maps;    /* [3][H][W], [3][H][W], [16][H][W] or [64][H/2][W/2], [64][H/2][W/2] */
    float *l1_x[2], *l1_t[2];              /* layer1: [256][H/4][W/4] x2, [64][H/4][W/4] x2 */
    float *feats;                          /* [15w][H/4][W/4] (reference mode) */
    float *aux_mid, *ocr_feats;            /* [15w][H/4][W/4] (later conv_bn_dropout's [mid]); [mid][H/4][W/4] */
    float *aux, *cls, *context;            /* [H/4][W/4] x2; ctx[B][mid], value[B][key], up[B][mid], bias[B][mid] */
    /* slab 2: the stem's output, then the stages' branches, each of the largest branch's size
     * so that they can trade places */
    float *stem;                           /* [64][H/4][W/4] */
    float *x[RITM_BRANCHES], *y[RITM_BRANCHES], *tmp[3];
    float *cols;                           /* each thread's im2col of a tile (ritm_layer_forward) */
    size_t cols_cap;                       /* floats of cols, all threads' */
    /* fast mode's OCR head, in feats' place (ritm/upsampled_convs.c): conv3x3_ocr's weights
     * regrouped, one image's products at the branches' sizes and its upsampled share
     * (channels-last), each thread's rows */
    float *ocr_w, *ocr_coarse, *ocr_up, *ocr_rows;
    ritm_taps taps[RITM_BRANCHES];         /* branches 1..3 up to branch 0's size */
} ritm_work;

/* Carves the work memory of forward passes on batches of up to RITM_BATCH H x W images, at
 * the current OpenMP thread count, out of arena a (which the caller resets; the pointers
 * live until then). 0 or -1 (sizes, out of memory). */
int ritm_work_alloc(ritm_work *wk, const ritm_net *net, nn_arena *a, int H, int W);

/* HRNetModel.forward on a batch of B <= RITM_BATCH images: image_nd[B][4][H][W] (RGB in
 * [0, 1], then the previous mask), points[B][2P][3] (row, col, index: P positive rows, then
 * P negative rows, padded with -1) -> instances[B][H][W], the logits after the final
 * bilinear resize. trace: report the official module outputs to nn_trace (for the batch's
 * element 0). 0 or -1. */
int ritm_net_forward_batch(const ritm_net *net, ritm_work *wk, int B, const float *image_nd, const float *points,
                           int P, float *instances, int trace);
/* ritm_net_forward_batch on one image */
int ritm_net_forward(const ritm_net *net, ritm_work *wk, const float *image_nd, const float *points, int P,
                     float *instances, int trace);

/* The layers both halves of the network use (ritm/layers.c), from maps in[B][ic][H][W] to
 * out[B][oc][OH][OW], OH = ceil(H / stride); out aliases neither in nor res.
 * ritm_layer_forward: conv -> BN (if bn) -> + res[B][oc][OH][OW] (if res) -> ReLU (if relu)
 * on B maps; the convs' im2col in wk->cols. 0 or -1 (work memory under one output row). */
int ritm_layer_forward(const ritm_conv *c, const ritm_bn *bn, const float *res, int relu, float *out,
                       const float *in, int B, int H, int W, ritm_work *wk);
/* the conv alone on one map */
int ritm_conv_forward(const ritm_conv *c, float *out, const float *in, int H, int W, ritm_work *wk);
/* BatchNorm2d in place on x[C][HW] */
void ritm_bn_forward(const ritm_bn *bn, float *x, int C, size_t HW);
/* conv -> BN, then ReLU if relu, on the wk->B maps of the pass */
int ritm_conv_bn_forward(const ritm_conv_bn *l, float *out, const float *in, int H, int W, int relu, ritm_work *wk);

/* The feature extractor in ritm_net_forward. ritm_hrnet_forward: from prepare_input's
 * normalised RGB wk->rgb and maps_transform's output wk->maps to the branch maps wk->x[0..3]
 * and (reference mode) their aggregation wk->feats [15w][H/4][W/4]. ritm_ocr_head_forward:
 * those -> the cls_head logits wk->cls [H/4][W/4] (aux_head's logits in wk->aux). */
int ritm_hrnet_forward(const ritm_net *net, ritm_work *wk, int trace);
int ritm_ocr_head_forward(const ritm_net *net, ritm_work *wk, int trace);

/* Fast mode's aux_head.0 -> BN -> ReLU (into wk->aux_mid) and conv3x3_ocr -> BN -> ReLU (into
 * wk->ocr_feats) from the branch maps wk->x[0..3], without their aggregation feats (the
 * upsampled branches' shares computed at their own size, ritm/upsampled_convs.c). 0 or -1. */
int ritm_aux_head0_upsampled(const ritm_net *net, ritm_work *wk);
int ritm_conv3x3_ocr_upsampled(const ritm_net *net, ritm_work *wk);

/* The predictor's points tensor for the batch [image, flip] (baselines.md §2.2, §2.6):
 * pts[2][2P][3], element 1 with the columns flipped as (W - col) - 1; scratch: 2n doubles. */
void ritm_points_nd(float *pts, const iseg_click *clicks, int n, int P, int W, double *scratch);

#endif
