/* HighResolutionNet's OCR head (hrnet_ocr.py forward after compute_hrnet_feats; ocr.py's
 * SpatialGather_Module and SpatialOCR_Module): baselines.md §3.2 step 8. */
#include <string.h>

#include "nn/gemm.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "ritm/ritm_net.h"

/* aux_head: Conv1x1 L -> L (bias) -> BN -> ReLU -> Conv1x1 L -> 1 (bias):
 * feats[B][L][HW] -> aux[B][HW] (aux_mid[B][L][HW] between); fast: the first three from
 * the branch maps (ritm/upsampled_convs.c) */
static int aux_head_forward(const ritm_net *net, ritm_work *wk, int fast) {
    int h = wk->h[0], w = wk->w[0];
    int rc = fast ? ritm_aux_head0_upsampled(net, wk)
                  : ritm_layer_forward(&net->aux_head0, &net->aux_head1, NULL, 1, wk->aux_mid, wk->feats, wk->B, h,
                                       w, wk);
    return rc || ritm_layer_forward(&net->aux_head3, NULL, NULL, 0, wk->aux, wk->aux_mid, wk->B, h, w, wk) ? -1 : 0;
}

/* SpatialGather_Module on image b: p = softmax of the aux logits over all HW positions, then
 * ctx[c] = sum_p p * feats[c][p]: ocr_feats[b][mid][HW], aux[b][HW] -> ctx[mid] */
static void ocr_gather_head_forward(const ritm_net *net, ritm_work *wk, int b, float *ctx) {
    int HW = wk->h[0] * wk->w[0], mid = net->conv3x3_ocr.conv.oc;
    float *p = wk->cls + (size_t)b * HW; /* free until cls_head */
    memcpy(p, wk->aux + (size_t)b * HW, (size_t)HW * sizeof(float));
    nn_softmax_rows_inplace(p, 1, HW);
    /* ctx[mid][1] = ocr_feats[mid][HW] @ p[HW][1] */
    nn_sgemm(0, 0, mid, 1, HW, 1.0f, wk->ocr_feats + (size_t)b * mid * HW, HW, p, 1, 0.0f, ctx, 1);
}

/* SpatialOCR_Module on the one object region of each image: object_context_block gives
 * f_up(f_down(ctx)) at every pixel (its attention over one object is a softmax of one
 * value, exactly 1, so f_pixel and f_object never matter), then conv_bn_dropout =
 * ReLU(BN(Conv1x1 2mid -> mid)) of cat(context, ocr_feats): ctx[B][mid] -> out[B][mid][HW].
 * The context half of that conv is the same at every pixel of an image: it is computed once
 * and starts the image's product as its bias. */
static int ocr_distri_head_forward(const ritm_net *net, ritm_work *wk, const float *ctx, float *out) {
    int B = wk->B, HW = wk->h[0] * wk->w[0], mid = net->conv3x3_ocr.conv.oc;
    float *value = wk->context + (size_t)B * mid, *up = value + (size_t)B * net->f_down.conv.oc, *bias = up + B * mid;
    /* f_down, f_up: Conv1x1 -> BN -> ReLU on the batch's 1x1 maps */
    if (ritm_conv_bn_forward(&net->f_down, value, ctx, 1, 1, 1, wk) ||
        ritm_conv_bn_forward(&net->f_up, up, value, 1, 1, 1, wk))
        return -1;
    /* conv_bn_dropout.0: weight[mid][2mid], columns [0, mid) for the context, [mid, 2mid)
     * for ocr_feats */
    const float *wt = net->conv_bn_dropout.conv.weight;
    for (int b = 0; b < B; b++) {
        float *o_b = out + (size_t)b * mid * HW, *bias_b = bias + (size_t)b * mid;
        nn_sgemm(0, 0, mid, 1, mid, 1.0f, wt, 2 * mid, up + (size_t)b * mid, 1, 0.0f, bias_b, 1);
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < mid; o++)
            for (int p = 0; p < HW; p++) o_b[(size_t)o * HW + p] = bias_b[o];
        nn_sgemm(0, 0, mid, HW, mid, 1.0f, wt + mid, 2 * mid, wk->ocr_feats + (size_t)b * mid * HW, HW, 1.0f, o_b,
                 HW);
        ritm_bn_forward(&net->conv_bn_dropout.bn, o_b, mid, (size_t)HW);
    }
    nn_relu_inplace(out, (size_t)B * mid * HW);
    return 0;
}

int ritm_ocr_head_forward(const ritm_net *net, ritm_work *wk, int trace) {
    int h = wk->h[0], w = wk->w[0], mid = net->conv3x3_ocr.conv.oc, fast = !nn_reference_mode();
    if (aux_head_forward(net, wk, fast)) return -1;
    if (trace) nn_trace("feature_extractor.aux_head", wk->aux, 1, 1, h, w);
    /* conv3x3_ocr: Conv3x3 L -> mid (bias) -> BN -> ReLU */
    if (fast ? ritm_conv3x3_ocr_upsampled(net, wk)
             : ritm_conv_bn_forward(&net->conv3x3_ocr, wk->ocr_feats, wk->feats, h, w, 1, wk))
        return -1;
    if (trace) nn_trace("feature_extractor.conv3x3_ocr", wk->ocr_feats, 1, mid, h, w);
    float *ctx = wk->context; /* [B][mid] */
    for (int b = 0; b < wk->B; b++) ocr_gather_head_forward(net, wk, b, ctx + (size_t)b * mid);
    if (trace) nn_trace("feature_extractor.ocr_gather_head", ctx, 1, mid, 1, 1);
    float *out = wk->aux_mid; /* aux_head's hidden map is no longer needed */
    if (ocr_distri_head_forward(net, wk, ctx, out)) return -1;
    if (trace) nn_trace("feature_extractor.ocr_distri_head", out, 1, mid, h, w);
    /* cls_head: Conv1x1 mid -> 1 (bias) */
    if (ritm_layer_forward(&net->cls_head, NULL, NULL, 0, wk->cls, out, wk->B, h, w, wk)) return -1;
    if (trace) nn_trace("feature_extractor.cls_head", wk->cls, 1, 1, h, w);
    return 0;
}
