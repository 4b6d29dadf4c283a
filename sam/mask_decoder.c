#include "sam/mask_decoder.h"

#include "nn/gemm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/trace.h"
#include "util/err.h"
#include "util/mem.h"

#define MD_PREFIX "mask_decoder."

/* an MLP of n_layers Linear layers with the given widths, named PREFIX.layers.{i}.{weight,bias} */
static int load_mlp(mlp_head *m, const samw *w, const char *prefix, int n_layers, const int *dims) {
    char name[160];
    if (n_layers < 1 || n_layers > MLP_MAX_LAYERS) return samc_err("%s: %d layers unsupported", prefix, n_layers);
    m->n_layers = n_layers;
    memcpy(m->dims, dims, (size_t)(n_layers + 1) * sizeof(int));
    for (int i = 0; i < n_layers; i++) {
        snprintf(name, sizeof name, "%slayers.%d.weight", prefix, i);
        if (!(m->w[i] = samw_get4(w, name, dims[i + 1], dims[i], -1, -1))) return -1;
        snprintf(name, sizeof name, "%slayers.%d.bias", prefix, i);
        if (!(m->b[i] = samw_get4(w, name, dims[i + 1], -1, -1, -1))) return -1;
    }
    return 0;
}

int mask_decoder_load(mask_decoder *md, const samw *w) {
    const sam_config *c = samw_config(w);
    int C = c->prompt_dim, T = c->num_mask_tokens;
    if (C <= 0 || C % 8 || T < 2 || T > MD_MAX_MASK_TOKENS || c->patch_size <= 0 || c->img_size % c->patch_size)
        return samc_err("mask decoder: bad config (dim %d, mask tokens %d)", C, T);
    md->dim = C;
    md->grid = c->img_size / c->patch_size;
    md->num_mask_tokens = T;
    if (two_way_transformer_load(&md->transformer, w)) return -1;
    if (!(md->iou_token = samw_get4(w, MD_PREFIX "iou_token.weight", 1, C, -1, -1))) return -1;
    if (!(md->mask_tokens = samw_get4(w, MD_PREFIX "mask_tokens.weight", T, C, -1, -1))) return -1;
    if (!(md->up0_w = samw_get4(w, MD_PREFIX "output_upscaling.0.weight", C, C / 4, 2, 2))) return -1;
    if (!(md->up0_b = samw_get4(w, MD_PREFIX "output_upscaling.0.bias", C / 4, -1, -1, -1))) return -1;
    if (!(md->up1_w = samw_get4(w, MD_PREFIX "output_upscaling.1.weight", C / 4, -1, -1, -1))) return -1;
    if (!(md->up1_b = samw_get4(w, MD_PREFIX "output_upscaling.1.bias", C / 4, -1, -1, -1))) return -1;
    if (!(md->up3_w = samw_get4(w, MD_PREFIX "output_upscaling.3.weight", C / 4, C / 8, 2, 2))) return -1;
    if (!(md->up3_b = samw_get4(w, MD_PREFIX "output_upscaling.3.bias", C / 8, -1, -1, -1))) return -1;
    char p[128];
    int hyper_dims[4] = {C, C, C, C / 8};
    for (int m = 0; m < T; m++) {
        snprintf(p, sizeof p, MD_PREFIX "output_hypernetworks_mlps.%d.", m);
        if (load_mlp(&md->hyper[m], w, p, 3, hyper_dims)) return -1;
    }
    int depth = c->iou_head_depth, iou_dims[MLP_MAX_LAYERS + 1];
    if (depth < 1 || depth > MLP_MAX_LAYERS) return samc_err("mask decoder: iou_head_depth %d unsupported", depth);
    iou_dims[0] = C;
    for (int i = 1; i < depth; i++) iou_dims[i] = c->iou_hidden;
    iou_dims[depth] = T;
    return load_mlp(&md->iou_head, w, MD_PREFIX "iou_prediction_head.", depth, iou_dims);
}

static int mlp_widest(const mlp_head *m) {
    int widest = 0;
    for (int i = 0; i <= m->n_layers; i++) widest = m->dims[i] > widest ? m->dims[i] : widest;
    return widest;
}

/* MLP.forward of one vector x[dims[0]] -> y[dims[n]]; a and b hold mlp_widest(m) floats each */
static void mlp_forward(const mlp_head *m, const float *x, float *y, float *a, float *b) {
    memcpy(a, x, (size_t)m->dims[0] * sizeof(float));
    for (int i = 0; i < m->n_layers; i++) {
        linear_forward(b, a, m->w[i], m->b[i], 1, m->dims[i], m->dims[i + 1]);
        if (i < m->n_layers - 1) relu_inplace(b, (size_t)m->dims[i + 1]);
        memcpy(a, b, (size_t)m->dims[i + 1] * sizeof(float));
    }
    memcpy(y, a, (size_t)m->dims[m->n_layers] * sizeof(float));
}

int mask_decoder_predict(const mask_decoder *md, const float *image, const float *dense, const float *image_pe,
                         const float *sparse, int n_sparse, float *masks, float *iou) {
    int C = md->dim, G = md->grid, T = md->num_mask_tokens, N = 1 + T + n_sparse;
    int HW = G * G, C4 = C / 4, C8 = C / 8;
    size_t up_hw = (size_t)16 * HW; /* (4G)^2 */
    float *tokens = xmalloc_array((size_t)N * C, sizeof(float));
    float *queries = xmalloc_array((size_t)N * C, sizeof(float));
    float *src = xmalloc_array((size_t)HW * C, sizeof(float));
    float *keys = xmalloc_array((size_t)HW * C, sizeof(float));
    float *up1 = xmalloc_array((size_t)C4 * 4, (size_t)HW * sizeof(float));
    float *up2 = xmalloc_array((size_t)C8, up_hw * sizeof(float));
    /* scratch of the transposed convolutions: the larger of C4*4*HW and C8*4*(4HW) */
    float *scratch = xmalloc_array((size_t)C8 * 16, (size_t)HW * sizeof(float));
    float *hyper = xmalloc_array((size_t)T * C8, sizeof(float));
    int widest = mlp_widest(&md->iou_head);
    for (int m = 0; m < T; m++) widest = mlp_widest(&md->hyper[m]) > widest ? mlp_widest(&md->hyper[m]) : widest;
    float *mlp_a = xmalloc_array((size_t)widest, sizeof(float)), *mlp_b = xmalloc_array((size_t)widest, sizeof(float));
    int rc = -1;
    if (!tokens || !queries || !src || !keys || !up1 || !up2 || !scratch || !hyper || !mlp_a || !mlp_b) goto done;

    /* tokens = [iou_token, mask_tokens, sparse] */
    memcpy(tokens, md->iou_token, (size_t)C * sizeof(float));
    memcpy(tokens + C, md->mask_tokens, (size_t)T * C * sizeof(float));
    memcpy(tokens + (size_t)(1 + T) * C, sparse, (size_t)n_sparse * C * sizeof(float));
    /* src = image_embedding + dense_prompt_embeddings */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < (size_t)C * HW; i++) src[i] = image[i] + dense[i];
    if (two_way_transformer_forward(&md->transformer, src, image_pe, HW, tokens, N, queries, keys)) goto done;
    nn_trace("mask_decoder.transformer.queries", queries, 1, N, C, 0);
    nn_trace("mask_decoder.transformer.keys", keys, 1, HW, C, 0);

    /* keys[HW][C] back to channel-first src[C][G][G] */
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++)
        for (int p = 0; p < HW; p++) src[(size_t)c * HW + p] = keys[(size_t)p * C + c];
    /* output_upscaling: C x G x G -> C/4 x 2G x 2G -> C/8 x 4G x 4G */
    conv_transpose2d_k2s2_forward(up1, src, md->up0_w, md->up0_b, C, C4, G, G, scratch);
    layernorm2d_forward(up1, up1, md->up1_w, md->up1_b, C4, 4 * HW, 1e-6f);
    gelu_inplace(up1, (size_t)C4 * 4 * HW);
    conv_transpose2d_k2s2_forward(up2, up1, md->up3_w, md->up3_b, C4, C8, 2 * G, 2 * G, scratch);
    gelu_inplace(up2, (size_t)C8 * up_hw);
    nn_trace("mask_decoder.output_upscaling", up2, 1, C8, 4 * G, 4 * G);

    /* one hypernetwork MLP per mask token, then masks[T][4G*4G] = hyper[T][C/8] @ up2 */
    for (int m = 0; m < T; m++)
        mlp_forward(&md->hyper[m], queries + (size_t)(1 + m) * C, hyper + (size_t)m * C8, mlp_a, mlp_b);
    nn_trace("mask_decoder.output_hypernetworks_mlps", hyper, 1, T, C8, 0); /* torch.stack(hyper_in_list, dim=1) */
    nn_sgemm(0, 0, T, (int)up_hw, C8, 1.0f, hyper, C8, up2, (int)up_hw, 0.0f,
                masks, (int)up_hw);
    mlp_forward(&md->iou_head, queries, iou, mlp_a, mlp_b);
    nn_trace("mask_decoder.masks", masks, 1, T, 4 * G, 4 * G);
    nn_trace("mask_decoder.iou_prediction_head", iou, 1, T, 0, 0);
    rc = 0;
done:
    free(tokens);
    free(queries);
    free(src);
    free(keys);
    free(up1);
    free(up2);
    free(scratch);
    free(hyper);
    free(mlp_a);
    free(mlp_b);
    return rc;
}
