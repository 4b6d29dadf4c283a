/* SegFormerHead.forward (ClickSEG's modeling/segformer/segformer_head.py): each stage output
 * through its linear_c MLP, resized to c1's grid (bilinear, align_corners=False),
 * concatenated as [_c4, _c3, _c2, _c1], linear_fuse (1x1 conv + BN + ReLU), linear_pred
 * (baselines.md §5.2). Dropout2d is an identity in eval. */
#include "focalclick/focalclick_net.h"
#include "nn/nn.h"
#include "nn/trace.h"

/* MLP linear_c{s+1} on tokens c[N][E] then permute(0, 2, 1).reshape to a map: out[De][N] =
 * weight[De][E] @ c^T + bias (the layout change done by the product itself). */
static void linear_c(float *out, const float *c, const float *weight, const float *bias, int N, int E, int De) {
    nn_conv2d_1x1_tokens_forward(out, c, weight, N, E, De);
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < De; o++) {
        float *p = out + (size_t)o * N;
        for (int i = 0; i < N; i++) p[i] += bias[o];
    }
}

int focalclick_segformer_head_forward(const focalclick_net *net, focalclick_work *wk, int trace) {
    int De = net->decoder_dim, h1 = wk->gh[0], w1 = wk->gw[0];
    size_t N1 = (size_t)h1 * w1;
    /* cat slot 0 holds _c4, ..., slot 3 _c1, which is already at c1's size */
    for (int s = FOCALCLICK_STAGES - 1; s >= 0; s--) {
        float *slot = wk->cat + (size_t)(FOCALCLICK_STAGES - 1 - s) * De * N1;
        int N = wk->gh[s] * wk->gw[s];
        float *map = s ? wk->head_tmp : slot;
        linear_c(map, wk->c[s], net->linear_c_weight[s], net->linear_c_bias[s], N, net->embed_dims[s], De);
        if (s && nn_bilinear_hp_forward(slot, map, De, wk->gh[s], wk->gw[s], h1, w1)) return -1;
    }
    /* linear_fuse: ConvModule 1x1 4De -> De (no bias) -> BN -> ReLU */
    nn_conv2d_1x1_forward(wk->fuse, wk->cat, net->linear_fuse_weight, NULL, 4 * De, (int)N1, De);
    nn_batchnorm2d_forward(wk->fuse, net->bn_weight, net->bn_bias, net->bn_mean, net->bn_var, De, N1, 1e-5f);
    nn_relu_inplace(wk->fuse, (size_t)De * N1);
    if (trace) nn_trace("feature_extractor.decode_head.linear_fuse", wk->fuse, 1, De, h1, w1);
    /* linear_pred: Conv1x1 De -> 1 (bias) */
    nn_conv2d_1x1_forward(wk->pred, wk->fuse, net->linear_pred_weight, net->linear_pred_bias, De, (int)N1, 1);
    if (trace) nn_trace("feature_extractor.decode_head.linear_pred", wk->pred, 1, 1, h1, w1);
    return 0;
}
