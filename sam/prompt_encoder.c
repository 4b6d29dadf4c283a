#include "sam/prompt_encoder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/mode.h"
#include "nn/nn.h"
#include "sam/eps.h"
#include "util/err.h"
#include "util/mem.h"

#define PE_PREFIX "prompt_encoder."

int sam_prompt_encoder_load(prompt_encoder *pe, const samw *w) {
    const sam_config *c = samw_config(w);
    int C = c->prompt_dim, m = c->mask_in_chans;
    if (C <= 0 || C % 2 || m <= 0 || m % 4 || c->patch_size <= 0 || c->img_size % c->patch_size)
        return util_err("prompt encoder: bad config (prompt_dim %d, mask_in_chans %d, img_size %d, patch %d)", C, m,
                        c->img_size, c->patch_size);
    pe->dim = C;
    pe->img_size = c->img_size;
    pe->grid = c->img_size / c->patch_size;
    pe->mask_in_chans = m;
    char name[96];
    pe->gauss = samw_get4(w, PE_PREFIX "pe_layer.positional_encoding_gaussian_matrix", 2, C / 2, -1, -1);
    if (!pe->gauss) return -1;
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, PE_PREFIX "point_embeddings.%d.weight", i);
        if (!(pe->point_embed[i] = samw_get4(w, name, 1, C, -1, -1))) return -1;
    }
    if (!(pe->not_a_point = samw_get4(w, PE_PREFIX "not_a_point_embed.weight", 1, C, -1, -1))) return -1;
    if (!(pe->no_mask = samw_get4(w, PE_PREFIX "no_mask_embed.weight", 1, C, -1, -1))) return -1;
    const char *md = PE_PREFIX "mask_downscaling.";
    struct {
        const float **dst;
        const char *suffix;
        int64_t d0, d1, d2, d3;
    } t[] = {
        {&pe->conv0_w, "0.weight", m / 4, 1, 2, 2}, {&pe->conv0_b, "0.bias", m / 4, -1, -1, -1},
        {&pe->ln1_w, "1.weight", m / 4, -1, -1, -1}, {&pe->ln1_b, "1.bias", m / 4, -1, -1, -1},
        {&pe->conv3_w, "3.weight", m, m / 4, 2, 2},  {&pe->conv3_b, "3.bias", m, -1, -1, -1},
        {&pe->ln4_w, "4.weight", m, -1, -1, -1},     {&pe->ln4_b, "4.bias", m, -1, -1, -1},
        {&pe->conv6_w, "6.weight", C, m, 1, 1},      {&pe->conv6_b, "6.bias", C, -1, -1, -1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(name, sizeof name, "%s%s", md, t[i].suffix);
        if (!(*t[i].dst = samw_get4(w, name, t[i].d0, t[i].d1, t[i].d2, t[i].d3))) return -1;
    }
    return 0;
}

/* PositionEmbeddingRandom._pe_encoding of one point (x, y) in [0,1]: out[C] = [sin(v), cos(v)]
 * with v = 2pi * ((2xy - 1) @ gauss), in float32 as torch. */
static void pe_encode(const prompt_encoder *pe, float x, float y, float *out, size_t out_stride) {
    int F = pe->dim / 2;
    float cx = 2.0f * x - 1.0f, cy = 2.0f * y - 1.0f;
    const float two_pi = (float)(2.0 * M_PI); /* the Python double rounded to float32, as torch */
    for (int k = 0; k < F; k++) {
        /* the 2-term dot product rounded once (torch's matmul, up to the last bit) */
        float v = (float)((double)cx * pe->gauss[k] + (double)cy * pe->gauss[F + k]);
        v = two_pi * v;
        out[(size_t)k * out_stride] = nn_sinf(v);
        out[(size_t)(F + k) * out_stride] = nn_cosf(v);
    }
}

void sam_prompt_encoder_embed_sparse(const prompt_encoder *pe, const float *xy01, const int *labels, int n,
                                     float *out) {
    int C = pe->dim;
    for (int i = 0; i < n; i++) {
        float *t = out + (size_t)i * C;
        if (labels[i] == PROMPT_PAD) {
            for (int c = 0; c < C; c++) t[c] = pe->not_a_point[c];
            continue;
        }
        pe_encode(pe, xy01[2 * i], xy01[2 * i + 1], t, 1);
        if (labels[i] >= 0 && labels[i] <= 3)
            for (int c = 0; c < C; c++) t[c] += pe->point_embed[labels[i]][c];
    }
}

int sam_prompt_sparse_count(int n_points, int has_box) {
    return n_points + (has_box ? 2 : (n_points > 0 ? 1 : 0));
}

void sam_prompt_encoder_embed_prompt(const prompt_encoder *pe, const float *pts, const int *labels, int n,
                                 const float *box, float *out) {
    float S = (float)pe->img_size;
    float xy[2];
    int lab;
    int i = 0;
    for (; i < n; i++) {
        /* _embed_points: +0.5 then / S, both float32 */
        xy[0] = (pts[2 * i] + 0.5f) / S;
        xy[1] = (pts[2 * i + 1] + 0.5f) / S;
        sam_prompt_encoder_embed_sparse(pe, xy, &labels[i], 1, out + (size_t)i * pe->dim);
    }
    if (!box) {
        if (n > 0) { /* the padding point, whose position is never used */
            xy[0] = xy[1] = 0.0f;
            lab = PROMPT_PAD;
            sam_prompt_encoder_embed_sparse(pe, xy, &lab, 1, out + (size_t)i * pe->dim);
        }
        return;
    }
    for (int k = 0; k < 2; k++) { /* _embed_boxes: corners (x0,y0) and (x1,y1) */
        xy[0] = (box[2 * k] + 0.5f) / S;
        xy[1] = (box[2 * k + 1] + 0.5f) / S;
        lab = PROMPT_BOX_TOPLEFT + k;
        sam_prompt_encoder_embed_sparse(pe, xy, &lab, 1, out + (size_t)(i + k) * pe->dim);
    }
}

int sam_prompt_encoder_embed_dense(const prompt_encoder *pe, const float *mask_input, float *out) {
    int C = pe->dim, G = pe->grid, m = pe->mask_in_chans;
    size_t GG = (size_t)G * G;
    if (!mask_input) {
        for (int c = 0; c < C; c++)
            for (size_t p = 0; p < GG; p++) out[c * GG + p] = pe->no_mask[c];
        return 0;
    }
    /* 1 x 4G x 4G -> m/4 x 2G x 2G -> m x G x G -> C x G x G */
    float *a = util_xmalloc_array((size_t)(m / 4) * 4 * GG, sizeof(float));
    float *b = util_xmalloc_array((size_t)m * GG, sizeof(float));
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    nn_conv2d_k2s2_forward(a, mask_input, pe->conv0_w, pe->conv0_b, 1, 4 * G, 4 * G, m / 4);
    nn_layernorm2d_forward(a, a, pe->ln1_w, pe->ln1_b, m / 4, 4 * (int)GG, SAM_LN_EPS);
    nn_gelu_inplace(a, (size_t)(m / 4) * 4 * GG);
    nn_conv2d_k2s2_forward(b, a, pe->conv3_w, pe->conv3_b, m / 4, 2 * G, 2 * G, m);
    nn_layernorm2d_forward(b, b, pe->ln4_w, pe->ln4_b, m, (int)GG, SAM_LN_EPS);
    nn_gelu_inplace(b, (size_t)m * GG);
    nn_conv2d_1x1_forward(out, b, pe->conv6_w, pe->conv6_b, m, (int)GG, C);
    free(a);
    free(b);
    return 0;
}

void sam_prompt_encoder_dense_pe(const prompt_encoder *pe, float *out) {
    int G = pe->grid;
    size_t GG = (size_t)G * G;
    /* cumsum(ones) - 0.5, / G: the cell centres, exact in float32 */
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++)
            pe_encode(pe, ((float)j + 0.5f) / (float)G, ((float)i + 0.5f) / (float)G, out + (size_t)i * G + j, GG);
}
