/* Random-weight .samw files of the official SAM shapes for the benchmarks (only the time
 * matters, but the values have plausible scales so no op sees infinities or denormals):
 * norm weights near 1, small biases and embeddings, matrices U(-1,1)/sqrt(fan_in). */
#ifndef SAMC_BENCH_RANDOM_SAMW_H
#define SAMC_BENCH_RANDOM_SAMW_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weights/sam_config.h"
#include "weights/samw_write.h"

static uint32_t g_random_samw_seed = 2024;
static float random_samw_frand(void) { /* uniform in [-1, 1) */
    g_random_samw_seed = g_random_samw_seed * 1664525u + 1013904223u;
    return (float)(g_random_samw_seed >> 8) / (float)(1 << 23) - 1.0f;
}

static int random_samw_fill(void *ctx, int i, float *out) {
    const sam_key *k = (const sam_key *)ctx + i;
    size_t n = 1, fan_in = 1;
    for (int d = 0; d < k->ndim; d++) n *= (size_t)k->shape[d];
    for (int d = 1; d < k->ndim; d++) fan_in *= (size_t)k->shape[d];
    const char *dot = strrchr(k->name, '.');
    int is_norm = strstr(k->name, "norm") || strstr(k->name, "neck.1") || strstr(k->name, "neck.3") ||
                  strstr(k->name, "upscaling.1") || strstr(k->name, "downscaling.1") || strstr(k->name, "downscaling.4");
    float scale = 0.1f, offset = 0.0f;
    if (k->ndim == 1 && is_norm && dot && !strcmp(dot, ".weight")) offset = 1.0f;
    else if (k->ndim > 1 && !strstr(k->name, "embed") && !strstr(k->name, "token") && !strstr(k->name, "gaussian"))
        scale = 1.0f / sqrtf((float)fan_in);
    if (strstr(k->name, "gaussian")) scale = 1.0f;
    for (size_t j = 0; j < n; j++) out[j] = offset + scale * random_samw_frand();
    return 0;
}

/* The official configuration of sam_vit_{b,l,h} (shape 'b', 'l' or 'h'). */
static sam_config random_samw_config(char shape) {
    sam_config c = {.img_size = 1024, .patch_size = 16, .embed_dim = 768, .depth = 12, .num_heads = 12,
                    .head_dim = 64, .mlp_dim = 3072, .window_size = 14, .out_chans = 256, .prompt_dim = 256,
                    .mask_in_chans = 16, .dec_depth = 2, .dec_heads = 8, .dec_mlp_dim = 2048, .num_mask_tokens = 4,
                    .iou_hidden = 256, .iou_head_depth = 3};
    c.global_attn = (1u << 2) | (1u << 5) | (1u << 8) | (1u << 11);
    if (shape == 'l') {
        c.embed_dim = 1024, c.depth = 24, c.num_heads = 16, c.mlp_dim = 4096;
        c.global_attn = (1u << 5) | (1u << 11) | (1u << 17) | (1u << 23);
    } else if (shape == 'h') {
        c.embed_dim = 1280, c.depth = 32, c.num_heads = 16, c.head_dim = 80, c.mlp_dim = 5120;
        c.global_attn = (1u << 7) | (1u << 15) | (1u << 23) | (1u << 31);
    }
    return c;
}

static int random_samw_write(const char *path, const sam_config *cfg) {
    sam_key *keys = NULL;
    int n = 0;
    if (weights_sam_config_check(cfg) || weights_sam_config_keys(cfg, &keys, &n)) return -1;
    int rc = samw_write(path, cfg, keys, n, random_samw_fill, keys);
    free(keys);
    return rc;
}

#endif
