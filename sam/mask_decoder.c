#include "sam/mask_decoder.h"

#include "nn/gemm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/trace.h"
#include "sam/eps.h"
#include "util/err.h"
#include "util/mem.h"

#define MD_PREFIX "mask_decoder."

/* an MLP of n_layers Linear layers with the given widths, named PREFIX.layers.{i}.{weight,bias} */
static int load_mlp(mlp_head *m, const samw *w, const char *prefix, int n_layers, const int *dims) {
    char name[160];
    if (n_layers < 1 || n_layers > MLP_MAX_LAYERS) return util_err("%s: %d layers unsupported", prefix, n_layers);
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

/* A ConvTranspose2d 2x2 weight [in][out][2][2] reordered to [in][2x2 tap][out], so that the
 * product with it holds each output pixel's channels contiguously. */
static float *conv_transpose_taps(const float *w, int in, int out) {
    float *taps = util_xmalloc_array((size_t)in * 4, (size_t)out * sizeof(float));
    if (!taps) return NULL;
    for (int c = 0; c < in; c++)
        for (int o = 0; o < out; o++)
            for (int t = 0; t < 4; t++) taps[((size_t)c * 4 + t) * out + o] = w[((size_t)c * out + o) * 4 + t];
    return taps;
}

void sam_mask_decoder_free(mask_decoder *md) {
    free(md->up0_taps);
    free(md->up3_taps);
    md->up0_taps = md->up3_taps = NULL;
}

int sam_mask_decoder_load(mask_decoder *md, const samw *w) {
    const sam_config *c = samw_config(w);
    int C = c->prompt_dim, T = c->num_mask_tokens;
    if (C <= 0 || C % 8 || T < 2 || T > MD_MAX_MASK_TOKENS || c->patch_size <= 0 || c->img_size % c->patch_size)
        return util_err("mask decoder: bad config (dim %d, mask tokens %d)", C, T);
    md->dim = C;
    md->grid = c->img_size / c->patch_size;
    md->num_mask_tokens = T;
    if (sam_two_way_transformer_load(&md->transformer, w)) return -1;
    if (!(md->iou_token = samw_get4(w, MD_PREFIX "iou_token.weight", 1, C, -1, -1))) return -1;
    if (!(md->mask_tokens = samw_get4(w, MD_PREFIX "mask_tokens.weight", T, C, -1, -1))) return -1;
    if (!(md->up0_w = samw_get4(w, MD_PREFIX "output_upscaling.0.weight", C, C / 4, 2, 2))) return -1;
    if (!(md->up0_b = samw_get4(w, MD_PREFIX "output_upscaling.0.bias", C / 4, -1, -1, -1))) return -1;
    if (!(md->up1_w = samw_get4(w, MD_PREFIX "output_upscaling.1.weight", C / 4, -1, -1, -1))) return -1;
    if (!(md->up1_b = samw_get4(w, MD_PREFIX "output_upscaling.1.bias", C / 4, -1, -1, -1))) return -1;
    if (!(md->up3_w = samw_get4(w, MD_PREFIX "output_upscaling.3.weight", C / 4, C / 8, 2, 2))) return -1;
    if (!(md->up3_b = samw_get4(w, MD_PREFIX "output_upscaling.3.bias", C / 8, -1, -1, -1))) return -1;
    if (!(md->up0_taps = conv_transpose_taps(md->up0_w, C, C / 4)) ||
        !(md->up3_taps = conv_transpose_taps(md->up3_w, C / 4, C / 8)))
        return -1;
    char p[128];
    int hyper_dims[4] = {C, C, C, C / 8};
    for (int m = 0; m < T; m++) {
        snprintf(p, sizeof p, MD_PREFIX "output_hypernetworks_mlps.%d.", m);
        if (load_mlp(&md->hyper[m], w, p, 3, hyper_dims)) return -1;
    }
    int depth = c->iou_head_depth, iou_dims[MLP_MAX_LAYERS + 1];
    if (depth < 1 || depth > MLP_MAX_LAYERS) return util_err("mask decoder: iou_head_depth %d unsupported", depth);
    iou_dims[0] = C;
    for (int i = 1; i < depth; i++) iou_dims[i] = c->iou_hidden;
    iou_dims[depth] = T;
    return load_mlp(&md->iou_head, w, MD_PREFIX "iou_prediction_head.", depth, iou_dims);
}

int sam_mlp_widest(const mlp_head *m) {
    int widest = 0;
    for (int i = 0; i <= m->n_layers; i++) widest = m->dims[i] > widest ? m->dims[i] : widest;
    return widest;
}

void sam_mlp_forward(const mlp_head *m, const float *x, float *y, float *a, float *b) {
    memcpy(a, x, (size_t)m->dims[0] * sizeof(float));
    for (int i = 0; i < m->n_layers; i++) {
        nn_linear_forward(b, a, m->w[i], m->b[i], 1, m->dims[i], m->dims[i + 1]);
        if (i < m->n_layers - 1) nn_relu_inplace(b, (size_t)m->dims[i + 1]);
        memcpy(a, b, (size_t)m->dims[i + 1] * sizeof(float));
    }
    memcpy(y, a, (size_t)m->dims[m->n_layers] * sizeof(float));
}

/* output_upscaling on the transformer's image tokens, channels-last throughout (no
 * transposes; LayerNorm2d then normalises contiguous rows):
 *   keys[G*G][C] -> ConvT 2x2 s2 -> u[2G*2G][C/4] -> LN2d, GELU -> ConvT 2x2 s2, GELU
 *   -> v[2G*2G][4][C/8]: the C/8 channels of output pixel (2Y+i, 2X+j) sit at v[Y*2G+X][2i+j].
 * a holds G*G*C floats, u 4*G*G*C/4, v 16*G*G*C/8. */
static void output_upscaling(const mask_decoder *md, const float *keys, float *a, float *u, float *v) {
    int C = md->dim, G = md->grid, C4 = C / 4, C8 = C / 8, HW = G * G, G2 = 2 * G;
    /* a[p][(o,i,j)] = keys[p] @ up0_w[C][C4*4] (PyTorch's [in][out][kh][kw]) */
    nn_sgemm_tiled(512, 0, 0, 0, HW, 4 * C4, C, 1.0f, keys, C, md->up0_w, 4 * C4, 0.0f, a, 4 * C4);
    /* scatter each tap to its output pixel, adding the bias */
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < HW; p++) {
        int y = p / G, x = p % G;
        for (int t = 0; t < 4; t++) {
            float *dst = u + ((size_t)(2 * y + (t >> 1)) * G2 + 2 * x + (t & 1)) * C4;
            for (int o = 0; o < C4; o++) dst[o] = a[(size_t)p * 4 * C4 + o * 4 + t] + md->up0_b[o];
        }
    }
    nn_layernorm_forward(u, u, md->up1_w, md->up1_b, 4 * HW, C4, SAM_LN_EPS); /* LayerNorm2d */
    nn_gelu_inplace(u, (size_t)4 * HW * C4);
    /* v = u @ up3_taps + bias, GELU (tap-major, so v holds each tap's channels contiguously) */
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < 4 * HW; p++)
        for (int t = 0; t < 4; t++) memcpy(v + ((size_t)p * 4 + t) * C8, md->up3_b, (size_t)C8 * sizeof(float));
    nn_sgemm_tiled(1024, 0, 0, 0, 4 * HW, 4 * C8, C4, 1.0f, u, C4, md->up3_taps, 4 * C8, 1.0f, v, 4 * C8);
    nn_gelu_inplace(v, (size_t)16 * HW * C8);
}

/* The trace point output_upscaling: v (see above) as the official channel-first
 * [C/8][4G][4G]. 0, or -1 if out of memory. */
static int trace_upscaling(const float *v, int G, int C8) {
    int G2 = 2 * G, L = 4 * G;
    float *out = util_xmalloc_array((size_t)C8 * L, (size_t)L * sizeof(float));
    if (!out) return -1;
    for (int P = 0; P < G2 * G2; P++)
        for (int t = 0; t < 4; t++)
            for (int o = 0; o < C8; o++)
                out[(size_t)o * L * L + (size_t)(2 * (P / G2) + (t >> 1)) * L + 2 * (P % G2) + (t & 1)] =
                    v[((size_t)P * 4 + t) * C8 + o];
    nn_trace("mask_decoder.output_upscaling", out, 1, C8, L, L);
    free(out);
    return 0;
}

int sam_mask_decoder_mlp_widest(const mask_decoder *md) {
    int widest = sam_mlp_widest(&md->iou_head);
    for (int m = 0; m < md->num_mask_tokens; m++)
        if (sam_mlp_widest(&md->hyper[m]) > widest) widest = sam_mlp_widest(&md->hyper[m]);
    return widest;
}

void sam_mask_decoder_tokens(const mask_decoder *md, const float *sparse, int n_sparse, float *tokens) {
    int C = md->dim, T = md->num_mask_tokens;
    memcpy(tokens, md->iou_token, (size_t)C * sizeof(float));
    memcpy(tokens + C, md->mask_tokens, (size_t)T * C * sizeof(float));
    memcpy(tokens + (size_t)(1 + T) * C, sparse, (size_t)n_sparse * C * sizeof(float));
}

int sam_mask_decoder_predict(const mask_decoder *md, const float *image, const float *dense, const float *pe_tokens,
                         const float *sparse, int n_sparse, float *masks, float *iou) {
    int C = md->dim, G = md->grid, T = md->num_mask_tokens, N = 1 + T + n_sparse;
    int HW = G * G, C4 = C / 4, C8 = C / 8, G2 = 2 * G, L = 4 * G;
    size_t up_hw = (size_t)16 * HW; /* (4G)^2 */
    float *tokens = util_xmalloc_array((size_t)N * C, sizeof(float));
    float *queries = util_xmalloc_array((size_t)N * C, sizeof(float));
    float *src = util_xmalloc_array((size_t)HW * C, sizeof(float)); /* also the upscaling's first product */
    float *keys = util_xmalloc_array((size_t)HW * C, sizeof(float));
    float *u = util_xmalloc_array((size_t)C4 * 4, (size_t)HW * sizeof(float));
    float *v = util_xmalloc_array((size_t)C8, up_hw * sizeof(float));
    float *tap = util_xmalloc_array((size_t)T * 4, (size_t)4 * HW * sizeof(float));
    float *hyper = util_xmalloc_array((size_t)T * C8, sizeof(float));
    int widest = sam_mask_decoder_mlp_widest(md);
    float *mlp_a = util_xmalloc_array((size_t)widest, sizeof(float)), *mlp_b = util_xmalloc_array((size_t)widest,
                                      sizeof(float));
    int rc = -1;
    if (!tokens || !queries || !src || !keys || !u || !v || !tap || !hyper || !mlp_a || !mlp_b) goto done;

    sam_mask_decoder_tokens(md, sparse, n_sparse, tokens);
    /* src = image_embedding + dense_prompt_embeddings */
    nn_add_forward(src, image, dense, (size_t)C * HW);
    if (sam_two_way_transformer_forward(&md->transformer, src, pe_tokens, HW, tokens, N, queries, keys)) goto done;
    nn_trace("mask_decoder.transformer.queries", queries, 1, N, C, 0);
    nn_trace("mask_decoder.transformer.keys", keys, 1, HW, C, 0);

    output_upscaling(md, keys, src, u, v);
    if (nn_trace_enabled() && trace_upscaling(v, G, C8)) goto done;
    /* one hypernetwork MLP per mask token, then per tap tap[t][T][2G*2G] = hyper[T][C/8] @
     * v[.][t]^T, each tap's pixels scattered to masks[T][4G][4G] */
    for (int m = 0; m < T; m++)
        sam_mlp_forward(&md->hyper[m], queries + (size_t)(1 + m) * C, hyper + (size_t)m * C8, mlp_a, mlp_b);
    nn_trace("mask_decoder.output_hypernetworks_mlps", hyper, 1, T, C8, 0); /* torch.stack(hyper_in_list, dim=1) */
    for (int t = 0; t < 4; t++)
        nn_sgemm_tiled(0, 2048, 0, 1, T, 4 * HW, C8, 1.0f, hyper, C8, v + (size_t)t * C8, 4 * C8, 0.0f,
                        tap + (size_t)t * T * 4 * HW, 4 * HW);
    #pragma omp parallel for schedule(static)
    for (int my = 0; my < T * L; my++) {
        int m = my / L, y = my % L, i = y & 1;
        float *dst = masks + (size_t)m * up_hw + (size_t)y * L;
        const float *t0 = tap + ((size_t)(2 * i) * T + m) * 4 * HW + (size_t)(y >> 1) * G2;
        const float *t1 = tap + ((size_t)(2 * i + 1) * T + m) * 4 * HW + (size_t)(y >> 1) * G2;
        for (int x = 0; x < G2; x++) {
            dst[2 * x] = t0[x];
            dst[2 * x + 1] = t1[x];
        }
    }
    sam_mlp_forward(&md->iou_head, queries, iou, mlp_a, mlp_b);
    nn_trace("mask_decoder.masks", masks, 1, T, 4 * G, 4 * G);
    nn_trace("mask_decoder.iou_prediction_head", iou, 1, T, 0, 0);
    rc = 0;
done:
    free(tokens);
    free(queries);
    free(src);
    free(keys);
    free(u);
    free(v);
    free(tap);
    free(hyper);
    free(mlp_a);
    free(mlp_b);
    return rc;
}
