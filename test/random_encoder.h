/* A randomly initialised image encoder of any shape, for tests and benchmarks: weights
 * U(-1,1)/sqrt(fan_in), LayerNorm scales near 1, small biases and embeddings. */
#ifndef SAMC_TEST_RANDOM_ENCODER_H
#define SAMC_TEST_RANDOM_ENCODER_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sam/image_encoder.h"

static uint32_t g_seed = 12345;
static float frand(void) { /* uniform in [-1, 1) */
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float)(g_seed >> 8) / (float)(1 << 23) - 1.0f;
}

/* Random weights for every tensor of enc, carved from one arena (returned; free it). */
typedef struct {
    float *arena;
    size_t used, cap;
} carver;

static const float *take(carver *c, size_t n, float scale, float offset) {
    float *p = c->arena + c->used;
    c->used += n;
    if (c->used > c->cap) abort();
    for (size_t i = 0; i < n; i++) p[i] = offset + scale * frand();
    return p;
}

static float *random_encoder(image_encoder *e, int img, int patch, int E, int depth, int heads, int ws,
                             uint64_t global, int out_chans) {
    *e = (image_encoder){.img_size = img, .patch_size = patch, .grid = img / patch, .embed_dim = E, .depth = depth,
                         .num_heads = heads, .head_dim = E / heads, .mlp_dim = 4 * E, .window_size = ws,
                         .global_attn = global, .out_chans = out_chans};
    size_t G = e->grid, hd = e->head_dim, M = e->mlp_dim, O = out_chans;
    size_t per_block = 4 * E + 2 * (2 * G - 1) * hd + 3 * E * E + 3 * E + E * E + E + 2 * M * E + M + E;
    carver c = {.cap = G * G * E + E * 3 * patch * patch + E + depth * per_block + O * E + O * O * 9 + 4 * O};
    c.arena = malloc(c.cap * sizeof(float));
    if (!c.arena) return NULL;
    float lin = 1.0f / sqrtf((float)E), lin_m = 1.0f / sqrtf((float)M);
    e->pos_embed = take(&c, G * G * E, 0.1f, 0);
    e->patch_w = take(&c, (size_t)E * 3 * patch * patch, 1.0f / sqrtf(3.0f * patch * patch), 0);
    e->patch_b = take(&c, E, 0.1f, 0);
    for (int i = 0; i < depth; i++) {
        image_encoder_block *b = &e->blocks[i];
        size_t rel = 2 * (size_t)(sam_image_encoder_is_global(e, i) ? G : (size_t)ws) - 1;
        b->norm1_w = take(&c, E, 0.1f, 1), b->norm1_b = take(&c, E, 0.1f, 0);
        b->rel_pos_h = take(&c, rel * hd, 0.1f, 0), b->rel_pos_w = take(&c, rel * hd, 0.1f, 0);
        b->qkv_w = take(&c, 3 * (size_t)E * E, lin, 0), b->qkv_b = take(&c, 3 * (size_t)E, 0.1f, 0);
        b->proj_w = take(&c, (size_t)E * E, lin, 0), b->proj_b = take(&c, E, 0.1f, 0);
        b->norm2_w = take(&c, E, 0.1f, 1), b->norm2_b = take(&c, E, 0.1f, 0);
        b->lin1_w = take(&c, M * E, lin, 0), b->lin1_b = take(&c, M, 0.1f, 0);
        b->lin2_w = take(&c, E * M, lin_m, 0), b->lin2_b = take(&c, E, 0.1f, 0);
    }
    e->neck_conv1 = take(&c, O * E, lin, 0);
    e->neck_ln1_w = take(&c, O, 0.1f, 1), e->neck_ln1_b = take(&c, O, 0.1f, 0);
    e->neck_conv2 = take(&c, O * O * 9, 1.0f / sqrtf(9.0f * O), 0);
    e->neck_ln2_w = take(&c, O, 0.1f, 1), e->neck_ln2_b = take(&c, O, 0.1f, 0);
    return c.arena;
}

#endif
