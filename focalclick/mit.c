/* MixVisionTransformer.forward_features (ClickSEG's modeling/segformer/mix_transformer.py)
 * with the click features: four stages of OverlapPatchEmbed -> Blocks -> LayerNorm, the side
 * embedding of the clicks added to stage 1's output after c1 is taken (baselines.md §5.2). */
#include <stdio.h>

#include "focalclick/focalclick_net.h"
#include "nn/nn.h"
#include "nn/trace.h"

/* OverlapPatchEmbed: in[ic][H][W] -> proj (Conv k, stride, pad k/2) [oc][OH][OW] in
 * wk->proj -> flatten(2).transpose(1, 2) -> out[OH*OW][oc] -> norm (LayerNorm eps 1e-5). */
static void overlap_patch_embed(const focalclick_patch_embed *pe, float *out, const float *in, int H, int W,
                                focalclick_work *wk) {
    int pad = pe->k / 2, OH = (H + 2 * pad - pe->k) / pe->stride + 1, OW = (W + 2 * pad - pe->k) / pe->stride + 1;
    nn_conv2d_forward(wk->proj, in, pe->proj_weight, pe->proj_bias, pe->ic, H, W, pe->oc, pe->k, pe->stride, pad,
                   wk->cols);
    nn_transpose_forward(out, pe->oc, wk->proj, pe->oc, OH * OW);
    nn_layernorm_forward(out, out, pe->norm_weight, pe->norm_bias, OH * OW, pe->oc, 1e-5f);
}

/* Attention (spatial-reduction) on xn[N][d], the tokens of an h x w grid, sr ratio r:
 * q = q(xn) [N][d]; kv = kv(norm(sr(xn as [d][h][w]))) [Nk][2d] with Nk = (h/r)*(w/r), or
 * kv(xn) [N][2d] when r == 1; per head softmax(q k^T * (d/n)^-0.5) v -> wk->attn [N][d]
 * (before proj). */
static void attention(const focalclick_block *b, focalclick_work *wk, int h, int w, int d, int heads, int r) {
    int N = h * w, Nk = N;
    const float *kv_in = wk->xn;
    nn_linear_forward(wk->q, wk->xn, b->q_weight, b->q_bias, N, d, d);
    if (r > 1) {
        Nk = (h / r) * (w / r);
        nn_transpose_forward(wk->map, N, wk->xn, N, d); /* x.permute(0, 2, 1).reshape(B, C, H, W) */
        /* sr: Conv r x r stride r, returned as tokens [Nk][d] (reshape(B, C, -1).permute(0, 2, 1)) */
        nn_conv2d_patchify_forward(wk->sr, wk->map, b->sr_weight, b->sr_bias, d, h, w, d, r, wk->cols);
        nn_layernorm_forward(wk->sr, wk->sr, b->attn_norm_weight, b->attn_norm_bias, Nk, d, 1e-5f);
        kv_in = wk->sr;
    }
    nn_linear_forward(wk->kv, kv_in, b->kv_weight, b->kv_bias, Nk, d, 2 * d);
    /* kv.reshape(B, -1, 2, heads, d/heads): k = the first d outputs of a row, v the next d */
    nn_mha_forward(wk->attn, d, wk->q, d, wk->kv, wk->kv + d, 2 * d, N, Nk, heads, d / heads, wk->mha_scratch);
}

/* Block on x[N][d] in place: x += proj(attn(norm1(x))); x += fc2(GELU(dwconv(fc1(norm2(x))))). */
static void block_forward(const focalclick_block *b, focalclick_work *wk, float *x, int h, int w, int d, int heads,
                          int r) {
    int N = h * w;
    nn_layernorm_forward(wk->xn, x, b->norm1_weight, b->norm1_bias, N, d, 1e-6f);
    attention(b, wk, h, w, d, heads, r);
    nn_linear_residual_forward(x, wk->y, wk->attn, b->proj_weight, b->proj_bias, N, d, d);
    /* Mlp */
    nn_layernorm_forward(wk->xn, x, b->norm2_weight, b->norm2_bias, N, d, 1e-6f);
    nn_linear_forward(wk->hidden, wk->xn, b->fc1_weight, b->fc1_bias, N, d, 4 * d);
    nn_conv2d_depthwise3x3_tokens_forward(wk->hidden2, wk->hidden, b->dwconv_weight, b->dwconv_bias, h, w, 4 * d);
    nn_gelu_inplace(wk->hidden2, (size_t)N * 4 * d);
    nn_linear_residual_forward(x, wk->y, wk->hidden2, b->fc2_weight, b->fc2_bias, N, 4 * d, d);
}

void focalclick_mit_forward(const focalclick_net *net, focalclick_work *wk, int trace) {
    /* patch_embed_side1 on the click features [3][h][w] -> side [N1][E1] */
    overlap_patch_embed(&net->patch_embed_side1, wk->side, wk->coord, wk->h, wk->w, wk);
    if (trace) nn_trace("feature_extractor.backbone.patch_embed_side1", wk->side, 1, wk->gh[0] * wk->gw[0],
                        net->embed_dims[0], 0);
    const float *in = wk->rgb; /* the stage's input map */
    int H = wk->h, W = wk->w;
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        int h = wk->gh[s], w = wk->gw[s], N = h * w, E = net->embed_dims[s];
        char name[64];
        overlap_patch_embed(&net->patch_embed[s], wk->x, in, H, W, wk);
        if (trace) {
            snprintf(name, sizeof name, "feature_extractor.backbone.patch_embed%d", s + 1);
            nn_trace(name, wk->x, 1, N, E, 0);
        }
        for (int k = 0; k < net->depths[s]; k++) {
            block_forward(&net->block[s][k], wk, wk->x, h, w, E, net->num_heads[s], net->sr_ratios[s]);
            if (trace) {
                snprintf(name, sizeof name, "feature_extractor.backbone.block%d.%d", s + 1, k);
                nn_trace(name, wk->x, 1, N, E, 0);
            }
        }
        /* norm{s}: c_s, traced as the module returns it (tokens [1][N][E]) */
        nn_layernorm_forward(wk->c[s], wk->x, net->norm_weight[s], net->norm_bias[s], N, E, 1e-6f);
        if (trace) {
            snprintf(name, sizeof name, "feature_extractor.backbone.norm%d", s + 1);
            nn_trace(name, wk->c[s], 1, N, E, 0);
        }
        if (s == FOCALCLICK_STAGES - 1) break;
        /* the next stage's input: c_s as a map [E][h][w]; stage 1's with the side embedding
         * added (after c1 was taken, so c1 does not see the clicks) */
        const float *t = wk->c[s];
        if (s == 0) {
            nn_add_forward(wk->x, wk->c[0], wk->side, (size_t)N * E);
            t = wk->x;
        }
        nn_transpose_forward(wk->map, N, t, N, E);
        in = wk->map;
        H = h, W = w;
    }
}
