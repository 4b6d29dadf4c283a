/* CFR-ICL's network, PlainVitModel (isegm/model/is_plainvit_model.py) as the study's
 * cocolvis_icl_vit_huge runs it (baselines.md §4.2): the click maps' patch embedding added to
 * the image's, a plain ViT whose blocks attend within 2x2 windows except every G-th,
 * SimpleFPN, SwinTransfomerSegHead. Activations of the whole batch (the image and its flip)
 * go through each op together: tokens x[B*T][D], channel-first maps [B][C][h][w], so that
 * the traces have the shapes a PyTorch hook dumps. */
#ifndef SAMC_SIMPLECLICK_PLAINVIT_H
#define SAMC_SIMPLECLICK_PLAINVIT_H

#include <stddef.h>

#include "nn/arena.h"
#include "weights/samw.h"

#define SIMPLECLICK_MAX_DEPTH 64
#define SIMPLECLICK_LEVELS 4

/* A layer's weight and bias (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, a norm's affine). */
typedef struct {
    const float *w, *b;
} simpleclick_param;

/* Block (timm-style): norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2. */
typedef struct {
    simpleclick_param norm1, qkv, proj, norm2, fc1, fc2;
} simpleclick_block;

typedef struct {
    int img_size, patch, grid;  /* S = 448, p, g = S/p */
    int tokens;                 /* T = g*g */
    int embed_dim, depth, heads, head_dim, mlp_dim; /* D, L, h, D/h, 4D */
    int window;                 /* tokens along a window's side: g / (g // (224/p)) */
    int group;                  /* G: block i (1-based) attends globally when i % G == 0 */
    int out_dims[SIMPLECLICK_LEVELS];  /* the neck's o0..o3 */
    int c4, c8, c32;            /* SimpleFPN's intermediate widths */
    int channels;               /* the head's Ch */

    simpleclick_param coords_proj; /* patch_embed_coords.proj: [D][3][p][p], [D] */
    simpleclick_param patch_proj;  /* backbone.patch_embed.proj: [D][3][p][p], [D] */
    const float *pos_embed;        /* backbone.pos_embed[0, 1:]: [T][D] */
    simpleclick_block blocks[SIMPLECLICK_MAX_DEPTH];

    /* neck (SimpleFPN), by key index: ConvTranspose2d, GroupNorm(1, C), Conv2d */
    simpleclick_param down4_0, down4_1, down4_3, down4_4, down4_5, down4_6;
    simpleclick_param down8_0, down8_1, down8_2, down8_3;
    simpleclick_param down16_0, down16_1;
    simpleclick_param down32_0, down32_1, down32_2, down32_3;

    /* head: convs[l].conv 1x1 o_l -> Ch, fusion_conv.conv 1x1 4Ch -> Ch, conv_seg 1x1 Ch -> 1 */
    simpleclick_param head_convs[SIMPLECLICK_LEVELS], fusion_conv, conv_seg;
} simpleclick_net;

/* Reads the config (backbone_params, neck_params, head_params) and every tensor the forward
 * pass uses, shape-checked, then refuses any other tensor but the ones the official model
 * never computes with (baselines.md §6). 0 or -1 with a message. */
int simpleclick_net_load(simpleclick_net *net, const samw *w);

/* The work memory of forward passes on a batch of B, from an arena. */
typedef struct {
    int B;
    float *rgb, *coord;       /* [B][3][S][S]: normalised RGB; cat(prev, pos disk, neg disk) */
    float *x, *xn, *y, *att;  /* tokens [B*T][D]: residual stream, norm output, proj/fc2 product, attention */
    float *qkv;               /* [B*T][3D], and the MLP's hidden [B*T][4D] */
    float *mha;               /* nn_mha_forward's scratch */
    float *cols;              /* im2col of a patch embedding or of down_32.0; ConvTranspose2d's product */
    double *stats;            /* GroupNorm's */
    float *xc;                /* one image's tokens as a map [D][g][g] */
    float *t0, *t1;           /* a neck branch's intermediate maps */
    float *level[SIMPLECLICK_LEVELS]; /* the neck's outputs [B][o_l][s_l][s_l], s = 4g, 2g, g, g/2 */
    float *cat;               /* one image's head features [4Ch][4g][4g] */
    float *small;             /* head.convs[l]'s output [Ch][s_l][s_l] before the resize */
    float *fusion;            /* [B][Ch][4g][4g] */
    float *seg;               /* [B][4g][4g]: conv_seg's logits */
} simpleclick_work;

/* Carves the work memory of forward passes on a batch of B out of arena a (which the caller
 * resets; the pointers live until then). 0 or -1. */
int simpleclick_work_alloc(simpleclick_work *wk, const simpleclick_net *net, nn_arena *a, int B);

/* PlainVitModel.forward on the batch: image_nd[B][4][S][S] (RGB in [0, 1], then the previous
 * mask), points[B][2P][3] (row, col, index; P positive rows, then P negative rows, padded with
 * -1) -> instances[B][S][S], the logits after the final bilinear (align_corners=True) resize.
 * Reports the official module outputs to nn_trace. 0 or -1. */
int simpleclick_net_forward(const simpleclick_net *net, simpleclick_work *wk, const float *image_nd,
                            const float *points, int P, float *instances);

#endif
