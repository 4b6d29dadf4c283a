/* sam_image_encoder_load: the encoder's configuration and weights from a .samw. */
#include <stdio.h>

#include "sam/image_encoder.h"

/* image_encoder.NAME, or image_encoder.blocks.BLOCK.NAME, of exactly the given shape */
static const float *tensor(const samw *w, int block, const char *name, int64_t d0, int64_t d1, int64_t d2,
                           int64_t d3) {
    char full[128];
    if (block < 0)
        snprintf(full, sizeof full, "image_encoder.%s", name);
    else
        snprintf(full, sizeof full, "image_encoder.blocks.%d.%s", block, name);
    return samw_get4(w, full, d0, d1, d2, d3);
}

#define GET(field, block, name, d0, d1, d2, d3)                                                                      \
    do {                                                                                                             \
        if (!((field) = tensor(w, block, name, d0, d1, d2, d3))) return -1;                                         \
    } while (0)

int sam_image_encoder_load(image_encoder *enc, const samw *w) {
    const sam_config *c = samw_config(w);
    *enc = (image_encoder){
        .img_size = c->img_size,
        .patch_size = c->patch_size,
        .grid = c->patch_size > 0 ? c->img_size / c->patch_size : 0,
        .embed_dim = c->embed_dim,
        .depth = c->depth,
        .num_heads = c->num_heads,
        .head_dim = c->head_dim,
        .mlp_dim = c->mlp_dim,
        .window_size = c->window_size,
        .global_attn = c->global_attn,
        .out_chans = c->out_chans,
    };
    if (sam_image_encoder_check(enc)) return -1;
    int64_t E = enc->embed_dim, P = enc->patch_size, G = enc->grid, hd = enc->head_dim, M = enc->mlp_dim,
            O = enc->out_chans;
    GET(enc->pos_embed, -1, "pos_embed", 1, G, G, E);
    GET(enc->patch_w, -1, "patch_embed.proj.weight", E, 3, P, P);
    GET(enc->patch_b, -1, "patch_embed.proj.bias", E, -1, -1, -1);
    for (int i = 0; i < enc->depth; i++) {
        image_encoder_block *b = &enc->blocks[i];
        int64_t rel = 2 * (int64_t)(sam_image_encoder_is_global(enc, i) ? enc->grid : enc->window_size) - 1;
        GET(b->norm1_w, i, "norm1.weight", E, -1, -1, -1);
        GET(b->norm1_b, i, "norm1.bias", E, -1, -1, -1);
        GET(b->rel_pos_h, i, "attn.rel_pos_h", rel, hd, -1, -1);
        GET(b->rel_pos_w, i, "attn.rel_pos_w", rel, hd, -1, -1);
        GET(b->qkv_w, i, "attn.qkv.weight", 3 * E, E, -1, -1);
        GET(b->qkv_b, i, "attn.qkv.bias", 3 * E, -1, -1, -1);
        GET(b->proj_w, i, "attn.proj.weight", E, E, -1, -1);
        GET(b->proj_b, i, "attn.proj.bias", E, -1, -1, -1);
        GET(b->norm2_w, i, "norm2.weight", E, -1, -1, -1);
        GET(b->norm2_b, i, "norm2.bias", E, -1, -1, -1);
        GET(b->lin1_w, i, "mlp.lin1.weight", M, E, -1, -1);
        GET(b->lin1_b, i, "mlp.lin1.bias", M, -1, -1, -1);
        GET(b->lin2_w, i, "mlp.lin2.weight", E, M, -1, -1);
        GET(b->lin2_b, i, "mlp.lin2.bias", E, -1, -1, -1);
    }
    GET(enc->neck_conv1, -1, "neck.0.weight", O, E, 1, 1);
    GET(enc->neck_ln1_w, -1, "neck.1.weight", O, -1, -1, -1);
    GET(enc->neck_ln1_b, -1, "neck.1.bias", O, -1, -1, -1);
    GET(enc->neck_conv2, -1, "neck.2.weight", O, O, 3, 3);
    GET(enc->neck_ln2_w, -1, "neck.3.weight", O, -1, -1, -1);
    GET(enc->neck_ln2_b, -1, "neck.3.bias", O, -1, -1, -1);
    return 0;
}

