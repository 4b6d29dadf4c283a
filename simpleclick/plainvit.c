/* PlainVitModel.forward (isegm/model/is_plainvit_model.py; baselines.md §4.2): prepare_input
 * and the click maps, backbone_forward (patch_embed_coords + VisionTransformer.forward_backbone),
 * the reshape to a map, SimpleFPN, SwinTransfomerSegHead, and ISModel's final resize. */
#include <string.h>

#include "iseg/click_input.h"
#include "nn/arena.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "simpleclick/plainvit.h"
#include "util/err.h"
#include "util/mem.h"

#define LN_EPS 1e-6f /* VisionTransformer's norm_layer: partial(nn.LayerNorm, eps=1e-6) */
#define GN_EPS 1e-5f /* SimpleFPN's nn.GroupNorm(1, C) */
#define DISK_RADIUS 5.0f

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* Where each buffer lies, and the sizes of the two slabs. Slab 1 holds what lives through the
 * whole pass (the residual stream, the im2col columns, the neck's outputs, the logits); slab 2
 * holds the backbone's scratch, then (after the last block) the neck's and head's. The loader's
 * bounds (widths up to 2^20 or D <= 16384, at most 448^2 tokens) keep every size below 2^50
 * floats, so the products cannot overflow a size_t; nn_arena_alloc checks the bytes. */
static void layout(simpleclick_work *wk, const simpleclick_net *net, float *s1, float *s2, size_t *n1, size_t *n2) {
    size_t B = (size_t)wk->B, S = (size_t)net->img_size, T = (size_t)net->tokens, D = (size_t)net->embed_dim;
    size_t M = (size_t)net->mlp_dim, p = (size_t)net->patch, Ch = (size_t)net->channels;
    size_t c4 = (size_t)net->c4, c8 = (size_t)net->c8, c32 = (size_t)net->c32;
    size_t n_l[SIMPLECLICK_LEVELS] = {16 * T, 4 * T, T, T / 4};

    nn_slab c = {s1, 0};
    wk->x = nn_slab_take(&c, B * T * D);
    /* patch embedding, down_32.0's im2col, the transposed convs' product */
    wk->cols = nn_slab_take(&c, max_size(max_size(T * 3 * p * p, D * T), max_size(4 * c4 * T, max_size(8 * c4 * T, 4 * c8 * T))));
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) wk->level[l] = nn_slab_take(&c, B * (size_t)net->out_dims[l] * n_l[l]);
    wk->seg = nn_slab_take(&c, B * 16 * T);
    *n1 = c.used;

    c = (nn_slab){s2, 0};
    wk->rgb = nn_slab_take(&c, B * 3 * S * S);
    wk->coord = nn_slab_take(&c, B * 3 * S * S);
    wk->xn = nn_slab_take(&c, B * T * D);
    wk->y = nn_slab_take(&c, B * T * D);
    wk->att = nn_slab_take(&c, B * T * D);
    wk->qkv = nn_slab_take(&c, B * T * max_size(3 * D, M));
    wk->mha = nn_slab_take(&c, nn_mha_scratch_size(net->tokens, net->tokens));
    *n2 = c.used;
    c = (nn_slab){s2, 0};
    wk->xc = nn_slab_take(&c, D * T);
    wk->t0 = nn_slab_take(&c, max_size(max_size(c4 * 4 * T, c8 * 4 * T), c32 * T / 4));
    wk->t1 = nn_slab_take(&c, c4 / 2 * 16 * T);
    wk->cat = nn_slab_take(&c, 4 * Ch * 16 * T);
    wk->small = nn_slab_take(&c, Ch * 4 * T);
    wk->fusion = nn_slab_take(&c, B * Ch * 16 * T);
    *n2 = max_size(*n2, c.used);
}

int simpleclick_work_alloc(simpleclick_work *wk, const simpleclick_net *net, nn_arena *a, int B) {
    *wk = (simpleclick_work){.B = B};
    if (!nn_mha_scratch_size(net->tokens,
        net->tokens)) return util_err("simpleclick: attention scratch size overflows");
    size_t n1, n2;
    layout(wk, net, NULL, NULL, &n1, &n2);
    float *s1 = nn_arena_alloc(a, n1, sizeof(float)), *s2 = nn_arena_alloc(a, n2, sizeof(float));
    /* GroupNorm's statistics: C + 2 doubles for the widest map */
    size_t C = max_size(max_size((size_t)net->c4, (size_t)net->c8), (size_t)net->c32);
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) C = max_size(C, (size_t)net->out_dims[l]);
    wk->stats = nn_arena_alloc(a, C + 2, sizeof(double));
    if (!s1 || !s2 || !wk->stats) return util_err_context("simpleclick: work memory");
    layout(wk, net, s1, s2, &n1, &n2);
    return 0;
}

/* prepare_input and get_coord_features: rgb[b] = the normalised RGB of image_nd[b];
 * coord[b] = cat(prev_mask, DistMaps(points[b])) (§2.3, §2.4) */
static void inputs_forward(const simpleclick_net *net, simpleclick_work *wk, const float *image_nd,
                           const float *points, int P) {
    int S = net->img_size;
    size_t SS = (size_t)S * S;
    for (int b = 0; b < wk->B; b++) {
        const float *in = image_nd + (size_t)b * 4 * SS;
        float *coord = wk->coord + (size_t)b * 3 * SS;
        iseg_normalize_rgb(wk->rgb + (size_t)b * 3 * SS, in, (int)SS);
        memcpy(coord, in + 3 * SS, SS * sizeof(float));
        iseg_disk_maps(coord + SS, points + (size_t)b * 2 * P * 3, P, S, S, DISK_RADIUS);
    }
}

/* patch_embed_coords(coord) + backbone.patch_embed(rgb) + pos_embed[:, 1:] -> x[B*T][D] */
static void patch_embed_forward(const simpleclick_net *net, simpleclick_work *wk) {
    int S = net->img_size, T = net->tokens, D = net->embed_dim, p = net->patch;
    size_t SS = (size_t)S * S, TD = (size_t)T * D;
    for (int b = 0; b < wk->B; b++)
        nn_conv2d_patchify_forward(wk->xn + b * TD, wk->coord + b * 3 * SS, net->coords_proj.w, net->coords_proj.b, 3,
                                   S,
                                S, D, p, wk->cols);
    nn_trace("patch_embed_coords", wk->xn, wk->B, T, D, 0);
    for (int b = 0; b < wk->B; b++)
        nn_conv2d_patchify_forward(wk->x + b * TD, wk->rgb + b * 3 * SS, net->patch_proj.w, net->patch_proj.b, 3, S,
                                   S, D,
                                p, wk->cols);
    nn_trace("backbone.patch_embed", wk->x, wk->B, T, D, 0);
    nn_residual_forward(wk->x, wk->xn, wk->B * TD); /* x += additional_features */
    for (int b = 0; b < wk->B; b++) nn_residual_forward(wk->x + b * TD, net->pos_embed, TD);
}

/* Block.forward on x[B*T][D] holding nseq independent sequences of n tokens each (the whole
 * grid of each image, or the windows of patchify): x += proj(attn(norm1(x))),
 * x += fc2(GELU(fc1(norm2(x)))) */
static void block_forward(const simpleclick_net *net, const simpleclick_block *blk, simpleclick_work *wk, int nseq,
                          int n) {
    int N = wk->B * net->tokens, D = net->embed_dim;
    nn_layernorm_forward(wk->xn, wk->x, blk->norm1.w, blk->norm1.b, N, D, LN_EPS);
    nn_linear_forward(wk->qkv, wk->xn, blk->qkv.w, blk->qkv.b, N, D, 3 * D); /* [N][3][heads][hd] */
    for (int s = 0; s < nseq; s++) {
        const float *q = wk->qkv + (size_t)s * n * 3 * D;
        nn_mha_forward(wk->att + (size_t)s * n * D, D, q, 3 * D, q + D, q + 2 * D, 3 * D, n, n, net->heads,
                    net->head_dim, wk->mha);
    }
    nn_linear_residual_forward(wk->x, wk->y, wk->att, blk->proj.w, blk->proj.b, N, D, D);
    nn_layernorm_forward(wk->xn, wk->x, blk->norm2.w, blk->norm2.b, N, D, LN_EPS);
    float *hid = wk->qkv; /* [N][4D] */
    nn_linear_gelu_forward(hid, wk->xn, blk->fc1.w, blk->fc1.b, N, D, net->mlp_dim);
    nn_linear_residual_forward(wk->x, wk->y, hid, blk->fc2.w, blk->fc2.b, N, net->mlp_dim, D);
}

/* patchify (windows = 1) or unpatchify (windows = 0) of each image's tokens, through y */
static void rewindow(const simpleclick_net *net, simpleclick_work *wk, int windows) {
    int g = net->grid, D = net->embed_dim;
    size_t TD = (size_t)net->tokens * D;
    for (int b = 0; b < wk->B; b++) {
        if (windows)
            nn_window_partition(wk->y + b * TD, wk->x + b * TD, g, g, D, net->window, NULL);
        else
            nn_window_unpartition(wk->y + b * TD, wk->x + b * TD, g, g, D, net->window);
    }
    memcpy(wk->x, wk->y, wk->B * TD * sizeof(float));
}

/* VisionTransformer.forward_backbone's blocks: block i (1-based) attends globally when
 * i % G == 0, else within the windows; the tokens stay in window order from the first
 * windowed block of a run to the next global one, as the official code keeps them, so each
 * block's trace has its hook's layout. No final norm. */
static void blocks_forward(const simpleclick_net *net, simpleclick_work *wk) {
    int T = net->tokens, D = net->embed_dim, ws = net->window, windowed = 0;
    for (int i = 1; i <= net->depth; i++) {
        int global = i % net->group == 0;
        if (global == windowed) {
            rewindow(net, wk, !global);
            windowed = !global;
        }
        int n = global ? T : ws * ws, nseq = wk->B * T / n;
        block_forward(net, &net->blocks[i - 1], wk, nseq, n);
        nn_trace_at("backbone.blocks.%d", i - 1, wk->x, nseq, n, D, 0);
    }
    /* the last block is global (G divides the depth), so the tokens end in grid order */
}

/* GroupNorm(1, C) in place on x[C][n], then GELU if gelu */
static void gn(simpleclick_work *wk, float *x, const simpleclick_param *p, int C, size_t n, int gelu) {
    nn_groupnorm_forward(x, x, p->w, p->b, C, n, 1, GN_EPS, wk->stats);
    if (gelu) nn_gelu_inplace(x, (size_t)C * n);
}

/* SimpleFPN on one image's map xc[D][g][g] -> out[l] = the level-l map of this image */
static void neck_forward(const simpleclick_net *net, simpleclick_work *wk, float *const out[SIMPLECLICK_LEVELS]) {
    int g = net->grid, D = net->embed_dim, c4 = net->c4, c8 = net->c8, c32 = net->c32;
    const int *o = net->out_dims;
    size_t T = (size_t)net->tokens;
    /* down_4: ConvT, GN, GELU, ConvT, GN, Conv1x1, GN, GELU -> [o0][4g][4g] */
    nn_conv_transpose2x2_forward(wk->t0, wk->xc, net->down4_0.w, net->down4_0.b, D, g, g, c4, wk->cols);
    gn(wk, wk->t0, &net->down4_1, c4, 4 * T, 1);
    nn_conv_transpose2x2_forward(wk->t1, wk->t0, net->down4_3.w, net->down4_3.b, c4, 2 * g, 2 * g, c4 / 2, wk->cols);
    gn(wk, wk->t1, &net->down4_4, c4 / 2, 16 * T, 0);
    nn_conv2d_1x1_forward(out[0], wk->t1, net->down4_5.w, net->down4_5.b, c4 / 2, (int)(16 * T), o[0]);
    gn(wk, out[0], &net->down4_6, o[0], 16 * T, 1);
    /* down_8: ConvT, GN, Conv1x1, GN, GELU -> [o1][2g][2g] */
    nn_conv_transpose2x2_forward(wk->t0, wk->xc, net->down8_0.w, net->down8_0.b, D, g, g, c8, wk->cols);
    gn(wk, wk->t0, &net->down8_1, c8, 4 * T, 0);
    nn_conv2d_1x1_forward(out[1], wk->t0, net->down8_2.w, net->down8_2.b, c8, (int)(4 * T), o[1]);
    gn(wk, out[1], &net->down8_3, o[1], 4 * T, 1);
    /* down_16: Conv1x1, GN, GELU -> [o2][g][g] */
    nn_conv2d_1x1_forward(out[2], wk->xc, net->down16_0.w, net->down16_0.b, D, (int)T, o[2]);
    gn(wk, out[2], &net->down16_1, o[2], T, 1);
    /* down_32: Conv 2x2 s2, GN, Conv1x1, GN, GELU -> [o3][g/2][g/2] */
    nn_conv2d_forward(wk->t0, wk->xc, net->down32_0.w, net->down32_0.b, D, g, g, c32, 2, 2, 0, wk->cols);
    gn(wk, wk->t0, &net->down32_1, c32, T / 4, 0);
    nn_conv2d_1x1_forward(out[3], wk->t0, net->down32_2.w, net->down32_2.b, c32, (int)(T / 4), o[3]);
    gn(wk, out[3], &net->down32_3, o[3], T / 4, 1);
}

/* SwinTransfomerSegHead (upsample 'x1') on one image's levels: convs[l] (1x1 + ReLU), each
 * resized (align_corners=False) to level 0's size, concatenated, fusion_conv (1x1 + ReLU)
 * -> fusion[Ch][4g][4g]; conv_seg -> seg[4g][4g] */
static int head_forward(const simpleclick_net *net, simpleclick_work *wk, const float *const lv[SIMPLECLICK_LEVELS],
                        float *fusion, float *seg) {
    int s0 = 4 * net->grid, Ch = net->channels;
    size_t n0 = (size_t)s0 * s0;
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) {
        int s = s0 >> l;
        /* level 0 is already at the size: its resize would be an exact copy */
        float *dst = l ? wk->small : wk->cat;
        nn_conv2d_1x1_forward(dst, lv[l], net->head_convs[l].w, net->head_convs[l].b, net->out_dims[l], s * s, Ch);
        nn_relu_inplace(dst, (size_t)Ch * s * s);
        if (l && nn_bilinear_hp_forward(wk->cat + (size_t)l * Ch * n0, dst, Ch, s, s, s0, s0)) return -1;
    }
    nn_conv2d_1x1_forward(fusion, wk->cat, net->fusion_conv.w, net->fusion_conv.b, 4 * Ch, (int)n0, Ch);
    nn_relu_inplace(fusion, (size_t)Ch * n0);
    nn_conv2d_1x1_forward(seg, fusion, net->conv_seg.w, net->conv_seg.b, Ch, (int)n0, 1);
    return 0;
}

int simpleclick_net_forward(const simpleclick_net *net, simpleclick_work *wk, const float *image_nd,
                            const float *points, int P, float *instances) {
    int B = wk->B, g = net->grid, T = net->tokens, D = net->embed_dim, s0 = 4 * g, Ch = net->channels;
    size_t n0 = (size_t)s0 * s0;
    inputs_forward(net, wk, image_nd, points, P);
    patch_embed_forward(net, wk);
    blocks_forward(net, wk);

    static const char *const level_names[SIMPLECLICK_LEVELS] = {"neck.down_4", "neck.down_8", "neck.down_16",
                                                                "neck.down_32"};
    size_t n_l[SIMPLECLICK_LEVELS] = {n0, n0 / 4, n0 / 16, n0 / 64};
    for (int b = 0; b < B; b++) {
        float *out[SIMPLECLICK_LEVELS];
        for (int l = 0; l < SIMPLECLICK_LEVELS; l++) out[l] = wk->level[l] + (size_t)b * net->out_dims[l] * n_l[l];
        nn_transpose_forward(wk->xc, T, wk->x + (size_t)b * T * D, T, D); /* transpose(-1, -2).view(B, D, g, g) */
        neck_forward(net, wk, out);
    }
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++)
        nn_trace(level_names[l], wk->level[l], B, net->out_dims[l], s0 >> l, s0 >> l);

    for (int b = 0; b < B; b++) {
        const float *lv[SIMPLECLICK_LEVELS];
        for (int l = 0; l < SIMPLECLICK_LEVELS; l++) lv[l] = wk->level[l] + (size_t)b * net->out_dims[l] * n_l[l];
        if (head_forward(net, wk, lv, wk->fusion + (size_t)b * Ch * n0, wk->seg + (size_t)b * n0)) return -1;
    }
    nn_trace("head.fusion_conv", wk->fusion, B, Ch, s0, s0);
    nn_trace("head.conv_seg", wk->seg, B, 1, s0, s0);
    /* ISModel.forward: instances resized to the input's size, align_corners=True */
    return nn_bilinear_ac_forward(instances, wk->seg, B, s0, s0, net->img_size, net->img_size);
}
