/* HighResolutionNet.compute_hrnet_feats (isegm/model/modeling/hrnet_ocr.py): the stem with
 * the click maps added, layer1, the transitions and stages 2-4 of HighResolutionModules, and
 * aggregate_hrnet_features (baselines.md §3.2, steps 3-7). */
#include <stdio.h>
#include <string.h>

#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "ritm/ritm_net.h"

#define CH_STEM 64      /* conv1, conv2 and the Bottlenecks' inner width */
#define CH_LAYER1 256   /* layer1's output: 64 x Bottleneck.expansion */

/* compute_pre_stage_features: conv1 -> bn1 -> relu -> + maps_transform(f) -> conv2 -> bn2 ->
 * relu: rgb[B][3][H][W], maps[B][64][H/2][W/2] -> stem[B][64][H/4][W/4] */
static int stem_forward(const ritm_net *net, ritm_work *wk) {
    int H2 = (wk->H - 1) / 2 + 1, W2 = (wk->W - 1) / 2 + 1;
    float *x = wk->mt_c1; /* maps_transform's hidden map is no longer needed */
    if (ritm_conv_bn_forward(&net->conv1, x, wk->rgb, wk->H, wk->W, 1, wk)) return -1;
    nn_residual_forward(x, wk->maps, (size_t)wk->B * CH_STEM * H2 * W2);
    return ritm_conv_bn_forward(&net->conv2, wk->stem, x, H2, W2, 1, wk);
}

/* Bottleneck.forward: relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))))
 * + identity), identity = downsample(x) in block 0, x otherwise: in -> out[B][256][H/4][W/4];
 * ds: a 256-channel map for the downsampled identity */
static int bottleneck_forward(const ritm_bottleneck *b, const float *in, float *out, float *ds, ritm_work *wk) {
    int h = wk->h[0], w = wk->w[0];
    const float *identity = in;
    if (b->has_downsample) {
        if (ritm_conv_bn_forward(&b->downsample, ds, in, h, w, 0, wk)) return -1;
        identity = ds;
    }
    return ritm_conv_bn_forward(&b->conv1, wk->l1_t[0], in, h, w, 1, wk) ||
                   ritm_conv_bn_forward(&b->conv2, wk->l1_t[1], wk->l1_t[0], h, w, 1, wk) ||
                   ritm_layer_forward(&b->conv3.conv, &b->conv3.bn, identity, 1, out, wk->l1_t[1], wk->B, h, w, wk)
               ? -1
               : 0;
}

/* layer1: n_blocks Bottlenecks, stem[64] -> the returned map [256][H/4][W/4] */
static const float *layer1_forward(const ritm_net *net, ritm_work *wk) {
    const float *x = wk->stem;
    for (int k = 0; k < net->n_blocks; k++) {
        float *out = wk->l1_x[k % 2], *other = wk->l1_x[(k + 1) % 2];
        if (bottleneck_forward(&net->layer1[k], x, out, other, wk)) return NULL;
        x = out;
    }
    return x;
}

/* BasicBlock.forward on branch i: x_i = relu(bn2(conv2(relu(bn1(conv1(x_i))))) + x_i). The
 * result is made in tmp[1], which then trades places with x_i (every branch map has the
 * largest one's size). */
static int basic_block_forward(const ritm_basic_block *b, int i, ritm_work *wk) {
    int h = wk->h[i], w = wk->w[i];
    if (ritm_conv_bn_forward(&b->conv1, wk->tmp[0], wk->x[i], h, w, 1, wk) ||
        ritm_layer_forward(&b->conv2.conv, &b->conv2.bn, wk->x[i], 1, wk->tmp[1], wk->tmp[0], wk->B, h, w, wk))
        return -1;
    float *t = wk->x[i];
    wk->x[i] = wk->tmp[1];
    wk->tmp[1] = t;
    return 0;
}

/* fuse_layers[i][j] for j < i on branch j's map: i-j 3x3 stride-2 conv + BN, ReLU after all
 * but the last -> dst[B][C_i][h_i][w_i]. The intermediate maps go to tmp[0] and tmp[1]. */
static int fuse_down(const ritm_hr_module *m, int i, int j, float *dst, ritm_work *wk) {
    const float *src = wk->x[j];
    for (int t = 0; t < i - j; t++) {
        int last = t == i - j - 1;
        float *out = last ? dst : wk->tmp[t % 2];
        if (ritm_conv_bn_forward(&m->fuse[i][j][t], out, src, wk->h[j + t], wk->w[j + t], !last, wk)) return -1;
        src = out;
    }
    return 0;
}

/* HighResolutionModule.forward on the branch maps wk->x[0..n): each branch through its
 * BasicBlocks, then out_i = relu(sum over j in order of F_ij(x_j)), F_ii the identity, F_ij
 * for j > i a 1x1 conv + BN then bilinear (align_corners) up to branch i's size. The outputs
 * are written to wk->y and the two sets swapped. */
static int hr_module_forward(const ritm_net *net, const ritm_hr_module *m, ritm_work *wk) {
    int n = m->n_branches;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < net->n_blocks; k++)
            if (basic_block_forward(&m->blocks[i][k], i, wk)) return -1;
    for (int i = 0; i < n; i++) {
        int C = net->channels[i], h = wk->h[i], w = wk->w[i];
        size_t size = (size_t)wk->B * C * h * w;
        float *y = wk->y[i];
        /* y = x_0 (i == 0) or F_i0(x_0) */
        if (i == 0)
            memcpy(y, wk->x[0], size * sizeof(float));
        else if (fuse_down(m, i, 0, y, wk))
            return -1;
        for (int j = 1; j < n; j++) {
            const float *term = wk->x[j];
            if (j > i) {
                if (ritm_conv_bn_forward(&m->fuse[i][j][0], wk->tmp[0], wk->x[j], wk->h[j], wk->w[j], 0, wk) ||
                    nn_bilinear_ac_forward(wk->tmp[1], wk->tmp[0], wk->B * C, wk->h[j], wk->w[j], h, w))
                    return -1;
                term = wk->tmp[1];
            } else if (j < i) {
                if (fuse_down(m, i, j, wk->tmp[2], wk)) return -1;
                term = wk->tmp[2];
            }
            nn_residual_forward(y, term, size); /* y = y + term */
        }
        nn_relu_inplace(y, size);
    }
    for (int i = 0; i < n; i++) {
        float *t = wk->x[i];
        wk->x[i] = wk->y[i];
        wk->y[i] = t;
    }
    return 0;
}

/* stage s (0: stage2, 1: stage3, 2: stage4): its modules in turn on the branch maps */
static int stage_forward(const ritm_net *net, int s, ritm_work *wk, int trace) {
    for (int m = 0; m < net->n_modules[s]; m++)
        if (hr_module_forward(net, &net->stage[s][m], wk)) return -1;
    if (trace)
        for (int i = 0; i < net->stage[s][0].n_branches; i++) {
            char name[64];
            snprintf(name, sizeof name, "feature_extractor.stage%d.%d", s + 2, i);
            nn_trace(name, wk->x[i], 1, net->channels[i], wk->h[i], wk->w[i]);
        }
    return 0;
}

/* aggregate_hrnet_features: cat(x_0, and x_1..x_3 bilinear (align_corners) up to branch 0's
 * size) -> feats[B][15w][H/4][W/4] */
static int aggregate_forward(const ritm_net *net, ritm_work *wk) {
    int h = wk->h[0], w = wk->w[0];
    float *dst = wk->feats;
    for (int b = 0; b < wk->B; b++)
        for (int i = 0; i < RITM_BRANCHES; i++) {
            size_t n = (size_t)net->channels[i] * wk->h[i] * wk->w[i];
            const float *x = wk->x[i] + b * n;
            if (i == 0)
                memcpy(dst, x, n * sizeof(float));
            else if (nn_bilinear_ac_forward(dst, x, net->channels[i], wk->h[i], wk->w[i], h, w))
                return -1;
            dst += (size_t)net->channels[i] * h * w;
        }
    return 0;
}

int ritm_hrnet_forward(const ritm_net *net, ritm_work *wk, int trace) {
    if (stem_forward(net, wk)) return -1;
    const float *x = layer1_forward(net, wk);
    if (!x) return -1;
    if (trace) nn_trace("feature_extractor.layer1", x, 1, CH_LAYER1, wk->h[0], wk->w[0]);
    /* transition1: 3x3 to branch 0, 3x3 stride 2 to branch 1 */
    if (ritm_conv_bn_forward(&net->transition[0], wk->x[0], x, wk->h[0], wk->w[0], 1, wk) ||
        ritm_conv_bn_forward(&net->transition[1], wk->x[1], x, wk->h[0], wk->w[0], 1, wk) ||
        stage_forward(net, 0, wk, trace))
        return -1;
    /* transition2, transition3: a new branch from the last one (the others are identities) */
    for (int s = 1; s < 3; s++)
        if (ritm_conv_bn_forward(&net->transition[s + 1], wk->x[s + 1], wk->x[s], wk->h[s], wk->w[s], 1, wk) ||
            stage_forward(net, s, wk, trace))
            return -1;
    /* fast mode's OCR head reads the branch maps themselves (ritm/upsampled_convs.c) */
    return nn_reference_mode() ? aggregate_forward(net, wk) : 0;
}
