#include "weights/sam_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

/* ---- shape lookups ---- */

static const ck_tensor *find_fmt(const ckpt *c, const char *fmt, ...) SAMC_PRINTF(2, 3);
static const ck_tensor *find_fmt(const ckpt *c, const char *fmt, ...) {
    char name[SAM_KEY_NAME];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return weights_ckpt_find(c, name);
}

/* The tensor `name` with the given rank, or an error naming it. */
static const ck_tensor *need(const ckpt *c, const char *name, int ndim) {
    const ck_tensor *t = weights_ckpt_find(c, name);
    if (!t) {
        util_err("%s: tensor '%s' is missing (not a SAM checkpoint?)", c->label, name);
        return NULL;
    }
    if (t->ndim != ndim) {
        util_err("%s: tensor '%s' has %d dims, expected %d", c->label, name, t->ndim, ndim);
        return NULL;
    }
    for (int i = 0; i < ndim; i++)
        if (t->shape[i] <= 0 || t->shape[i] > (1 << 20)) {
            util_err("%s: tensor '%s' has an implausible dimension %lld", c->label, name, (long long)t->shape[i]);
            return NULL;
        }
    return t;
}

/* Counts consecutive indices i = 0,1,... for which the formatted name exists. */
static int count_indexed(const ckpt *c, const char *fmt) {
    int n = 0;
    while (n < 1000 && find_fmt(c, fmt, n)) n++;
    return n;
}

/* ---- inference (sam-reference.md §6.4) ---- */

static int infer_encoder(const ckpt *c, sam_config *cfg) {
    const ck_tensor *pos = need(c, "image_encoder.pos_embed", 4);
    const ck_tensor *patch = need(c, "image_encoder.patch_embed.proj.weight", 4);
    const ck_tensor *neck = need(c, "image_encoder.neck.0.weight", 4);
    if (!pos || !patch || !neck) return -1;
    int grid = (int)pos->shape[1];
    cfg->embed_dim = (int)pos->shape[3];
    cfg->patch_size = (int)patch->shape[2];
    if ((int64_t)grid * cfg->patch_size > (1 << 16))
        return util_err("%s: a %d-token grid of %d-pixel patches is too large an image", c->label, grid,
                        cfg->patch_size);
    cfg->img_size = grid * cfg->patch_size;
    cfg->out_chans = (int)neck->shape[0];
    cfg->depth = count_indexed(c, "image_encoder.blocks.%d.norm1.weight");
    if (cfg->depth < 1 || cfg->depth > 64)
        return util_err("%s: found %d encoder blocks (image_encoder.blocks.N.norm1.weight); expected 1..64", c->label,
                        cfg->depth);
    char name[SAM_KEY_NAME];
    cfg->window_size = 0;
    cfg->global_attn = 0;
    for (int i = 0; i < cfg->depth; i++) {
        snprintf(name, sizeof name, "image_encoder.blocks.%d.attn.rel_pos_h", i);
        const ck_tensor *rel = need(c, name, 2);
        if (!rel) return -1;
        if (i == 0) cfg->head_dim = (int)rel->shape[1];
        int rows = (int)rel->shape[0];
        /* a global block attends over the whole grid: 2*grid-1 relative offsets */
        if (rows == 2 * grid - 1) {
            cfg->global_attn |= (uint64_t)1 << i;
            continue;
        }
        if (rows % 2 == 0 || (cfg->window_size && rows != 2 * cfg->window_size - 1))
            return util_err("%s: tensor '%s' has %d rows: neither 2*grid-1 = %d nor 2*window-1 of the other blocks",
                            c->label, name, rows, 2 * grid - 1);
        cfg->window_size = (rows + 1) / 2;
    }
    if (cfg->head_dim <= 0 || cfg->embed_dim % cfg->head_dim)
        return util_err("%s: embed dim %d is not a multiple of the rel-pos head dim %d", c->label, cfg->embed_dim,
                        cfg->head_dim);
    cfg->num_heads = cfg->embed_dim / cfg->head_dim;
    const ck_tensor *lin1 = need(c, "image_encoder.blocks.0.mlp.lin1.weight", 2);
    if (!lin1) return -1;
    cfg->mlp_dim = (int)lin1->shape[0];
    return 0;
}

static int infer_decoder(const ckpt *c, int dec_heads, sam_config *cfg) {
    const ck_tensor *nomask = need(c, "prompt_encoder.no_mask_embed.weight", 2);
    const ck_tensor *down = need(c, "prompt_encoder.mask_downscaling.3.weight", 4);
    const ck_tensor *mlp = need(c, "mask_decoder.transformer.layers.0.mlp.lin1.weight", 2);
    const ck_tensor *tokens = need(c, "mask_decoder.mask_tokens.weight", 2);
    const ck_tensor *iou = need(c, "mask_decoder.iou_prediction_head.layers.0.weight", 2);
    if (!nomask || !down || !mlp || !tokens || !iou) return -1;
    cfg->prompt_dim = (int)nomask->shape[1];
    cfg->mask_in_chans = (int)down->shape[0];
    cfg->dec_mlp_dim = (int)mlp->shape[0];
    cfg->num_mask_tokens = (int)tokens->shape[0];
    cfg->iou_hidden = (int)iou->shape[0];
    cfg->dec_depth = count_indexed(c, "mask_decoder.transformer.layers.%d.norm1.weight");
    cfg->iou_head_depth = count_indexed(c, "mask_decoder.iou_prediction_head.layers.%d.weight");
    if (cfg->dec_depth < 1 || cfg->dec_depth > 64)
        return util_err("%s: found %d two-way transformer layers; expected 1..64", c->label, cfg->dec_depth);
    if (cfg->iou_head_depth < 1 || cfg->iou_head_depth > 64)
        return util_err("%s: found %d IoU head layers; expected 1..64", c->label, cfg->iou_head_depth);
    /* the head count changes no shape; official SAM/MedSAM checkpoints all use 8 with a 256 dim */
    if (dec_heads == 0) {
        if (cfg->prompt_dim != 256)
            return util_err("%s: the mask decoder's head count is not in the checkpoint and prompt dim %d is not the "
                            "official 256: give it with --decoder-heads N", c->label, cfg->prompt_dim);
        dec_heads = 8;
    }
    cfg->dec_heads = dec_heads;
    if (cfg->prompt_dim % 2 || (cfg->prompt_dim / 2) % dec_heads)
        return util_err("%s: %d decoder heads do not divide the attention dims %d and %d", c->label, dec_heads,
                        cfg->prompt_dim, cfg->prompt_dim / 2);
    return 0;
}

int weights_sam_config_infer(const ckpt *c, int dec_heads, sam_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    if (infer_encoder(c, cfg) || infer_decoder(c, dec_heads, cfg)) return -1;
    if (cfg->out_chans != cfg->prompt_dim)
        return util_err("%s: the encoder's neck gives %d channels but the decoder expects %d", c->label,
                        cfg->out_chans, cfg->prompt_dim);
    if (weights_sam_config_check(cfg)) return util_err_context("%s", c->label);
    return 0;
}

/* ---- the tensor list (sam-reference.md §6.2) ---- */

typedef struct {
    sam_key *k;
    int n, cap;
} key_list;

/* Appends one key; dims given as a -1-terminated list. */
static void add(key_list *l, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...) SAMC_PRINTF(6, 7);
static void add(key_list *l, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...) {
    if (l->n == l->cap) return; /* cap is computed up front; cannot happen */
    sam_key *k = &l->k[l->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->name, sizeof k->name, fmt, ap);
    va_end(ap);
    int64_t d[4] = {d0, d1, d2, d3};
    k->ndim = 0;
    while (k->ndim < 4 && d[k->ndim] >= 0) {
        k->shape[k->ndim] = d[k->ndim];
        k->ndim++;
    }
}
#define NO (-1)

static void keys_encoder(key_list *l, const sam_config *cfg) {
    int64_t E = cfg->embed_dim, G = cfg->img_size / cfg->patch_size, P = cfg->patch_size, hd = cfg->head_dim;
    add(l, 1, G, G, E, "image_encoder.pos_embed");
    add(l, E, 3, P, P, "image_encoder.patch_embed.proj.weight");
    add(l, E, NO, NO, NO, "image_encoder.patch_embed.proj.bias");
    for (int i = 0; i < cfg->depth; i++) {
        int64_t S = (cfg->global_attn >> i & 1) ? 2 * G - 1 : 2 * cfg->window_size - 1;
        const char *b = "image_encoder.blocks";
        add(l, E, NO, NO, NO, "%s.%d.norm1.weight", b, i);
        add(l, E, NO, NO, NO, "%s.%d.norm1.bias", b, i);
        add(l, S, hd, NO, NO, "%s.%d.attn.rel_pos_h", b, i);
        add(l, S, hd, NO, NO, "%s.%d.attn.rel_pos_w", b, i);
        add(l, 3 * E, E, NO, NO, "%s.%d.attn.qkv.weight", b, i);
        add(l, 3 * E, NO, NO, NO, "%s.%d.attn.qkv.bias", b, i);
        add(l, E, E, NO, NO, "%s.%d.attn.proj.weight", b, i);
        add(l, E, NO, NO, NO, "%s.%d.attn.proj.bias", b, i);
        add(l, E, NO, NO, NO, "%s.%d.norm2.weight", b, i);
        add(l, E, NO, NO, NO, "%s.%d.norm2.bias", b, i);
        add(l, cfg->mlp_dim, E, NO, NO, "%s.%d.mlp.lin1.weight", b, i);
        add(l, cfg->mlp_dim, NO, NO, NO, "%s.%d.mlp.lin1.bias", b, i);
        add(l, E, cfg->mlp_dim, NO, NO, "%s.%d.mlp.lin2.weight", b, i);
        add(l, E, NO, NO, NO, "%s.%d.mlp.lin2.bias", b, i);
    }
    int64_t C = cfg->out_chans;
    add(l, C, E, 1, 1, "image_encoder.neck.0.weight");
    add(l, C, NO, NO, NO, "image_encoder.neck.1.weight");
    add(l, C, NO, NO, NO, "image_encoder.neck.1.bias");
    add(l, C, C, 3, 3, "image_encoder.neck.2.weight");
    add(l, C, NO, NO, NO, "image_encoder.neck.3.weight");
    add(l, C, NO, NO, NO, "image_encoder.neck.3.bias");
}

static void keys_prompt_encoder(key_list *l, const sam_config *cfg) {
    int64_t D = cfg->prompt_dim, M = cfg->mask_in_chans;
    add(l, 2, D / 2, NO, NO, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix");
    for (int i = 0; i < 4; i++) add(l, 1, D, NO, NO, "prompt_encoder.point_embeddings.%d.weight", i);
    add(l, 1, D, NO, NO, "prompt_encoder.not_a_point_embed.weight");
    add(l, M / 4, 1, 2, 2, "prompt_encoder.mask_downscaling.0.weight");
    add(l, M / 4, NO, NO, NO, "prompt_encoder.mask_downscaling.0.bias");
    add(l, M / 4, NO, NO, NO, "prompt_encoder.mask_downscaling.1.weight");
    add(l, M / 4, NO, NO, NO, "prompt_encoder.mask_downscaling.1.bias");
    add(l, M, M / 4, 2, 2, "prompt_encoder.mask_downscaling.3.weight");
    add(l, M, NO, NO, NO, "prompt_encoder.mask_downscaling.3.bias");
    add(l, M, NO, NO, NO, "prompt_encoder.mask_downscaling.4.weight");
    add(l, M, NO, NO, NO, "prompt_encoder.mask_downscaling.4.bias");
    add(l, D, M, 1, 1, "prompt_encoder.mask_downscaling.6.weight");
    add(l, D, NO, NO, NO, "prompt_encoder.mask_downscaling.6.bias");
    add(l, 1, D, NO, NO, "prompt_encoder.no_mask_embed.weight");
}

/* An attention module: q/k/v project D -> I (internal dim), out projects back. */
static void keys_attention(key_list *l, int64_t D, int64_t I, const char *prefix) {
    const char *qkv[3] = {"q", "k", "v"};
    for (int j = 0; j < 3; j++) {
        add(l, I, D, NO, NO, "%s.%s_proj.weight", prefix, qkv[j]);
        add(l, I, NO, NO, NO, "%s.%s_proj.bias", prefix, qkv[j]);
    }
    add(l, D, I, NO, NO, "%s.out_proj.weight", prefix);
    add(l, D, NO, NO, NO, "%s.out_proj.bias", prefix);
}

/* MLP(in, hidden, out, depth) as in mask_decoder.MLP. */
static void keys_mlp(key_list *l, int64_t in, int64_t hidden, int64_t out, int depth, const char *prefix) {
    for (int k = 0; k < depth; k++) {
        int64_t i = k == 0 ? in : hidden, o = k == depth - 1 ? out : hidden;
        add(l, o, i, NO, NO, "%s.layers.%d.weight", prefix, k);
        add(l, o, NO, NO, NO, "%s.layers.%d.bias", prefix, k);
    }
}

static void keys_mask_decoder(key_list *l, const sam_config *cfg) {
    int64_t D = cfg->prompt_dim, I = D / 2; /* cross attention downsample rate 2 */
    char p[SAM_KEY_NAME];
    for (int li = 0; li < cfg->dec_depth; li++) {
        const char *b = "mask_decoder.transformer.layers";
        snprintf(p, sizeof p, "%s.%d.self_attn", b, li);
        keys_attention(l, D, D, p);
        add(l, D, NO, NO, NO, "%s.%d.norm1.weight", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm1.bias", b, li);
        snprintf(p, sizeof p, "%s.%d.cross_attn_token_to_image", b, li);
        keys_attention(l, D, I, p);
        add(l, D, NO, NO, NO, "%s.%d.norm2.weight", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm2.bias", b, li);
        add(l, cfg->dec_mlp_dim, D, NO, NO, "%s.%d.mlp.lin1.weight", b, li);
        add(l, cfg->dec_mlp_dim, NO, NO, NO, "%s.%d.mlp.lin1.bias", b, li);
        add(l, D, cfg->dec_mlp_dim, NO, NO, "%s.%d.mlp.lin2.weight", b, li);
        add(l, D, NO, NO, NO, "%s.%d.mlp.lin2.bias", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm3.weight", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm3.bias", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm4.weight", b, li);
        add(l, D, NO, NO, NO, "%s.%d.norm4.bias", b, li);
        snprintf(p, sizeof p, "%s.%d.cross_attn_image_to_token", b, li);
        keys_attention(l, D, I, p);
    }
    keys_attention(l, D, I, "mask_decoder.transformer.final_attn_token_to_image");
    add(l, D, NO, NO, NO, "mask_decoder.transformer.norm_final_attn.weight");
    add(l, D, NO, NO, NO, "mask_decoder.transformer.norm_final_attn.bias");
    add(l, 1, D, NO, NO, "mask_decoder.iou_token.weight");
    add(l, cfg->num_mask_tokens, D, NO, NO, "mask_decoder.mask_tokens.weight");
    add(l, D, D / 4, 2, 2, "mask_decoder.output_upscaling.0.weight"); /* ConvTranspose2d: [in, out, kh, kw] */
    add(l, D / 4, NO, NO, NO, "mask_decoder.output_upscaling.0.bias");
    add(l, D / 4, NO, NO, NO, "mask_decoder.output_upscaling.1.weight");
    add(l, D / 4, NO, NO, NO, "mask_decoder.output_upscaling.1.bias");
    add(l, D / 4, D / 8, 2, 2, "mask_decoder.output_upscaling.3.weight");
    add(l, D / 8, NO, NO, NO, "mask_decoder.output_upscaling.3.bias");
    for (int m = 0; m < cfg->num_mask_tokens; m++) {
        snprintf(p, sizeof p, "mask_decoder.output_hypernetworks_mlps.%d", m);
        keys_mlp(l, D, D, D / 8, 3, p);
    }
    keys_mlp(l, D, cfg->iou_hidden, cfg->num_mask_tokens, cfg->iou_head_depth, "mask_decoder.iou_prediction_head");
}

int weights_sam_config_keys(const sam_config *cfg, sam_key **keys, int *n) {
    key_list l = {0};
    l.cap = 3 + 14 * cfg->depth + 6 + 17 + 36 * cfg->dec_depth + 8 + 2 + 2 + 6 + 6 * cfg->num_mask_tokens +
            2 * cfg->iou_head_depth;
    l.k = util_xcalloc_array((size_t)l.cap, sizeof *l.k);
    if (!l.k) return -1;
    keys_encoder(&l, cfg);
    keys_prompt_encoder(&l, cfg);
    keys_mask_decoder(&l, cfg);
    *keys = l.k;
    *n = l.n;
    return 0;
}

int weights_sam_config_check(const sam_config *cfg) {
    const struct {
        const char *name;
        int v, lo, hi;
    } f[] = {
        {"img_size", cfg->img_size, 1, 1 << 16},        {"patch_size", cfg->patch_size, 1, 1 << 10},
        {"embed_dim", cfg->embed_dim, 1, 1 << 16},      {"depth", cfg->depth, 1, 64},
        {"num_heads", cfg->num_heads, 1, 1 << 10},      {"head_dim", cfg->head_dim, 1, 1 << 12},
        {"mlp_dim", cfg->mlp_dim, 1, 1 << 18},          {"window_size", cfg->window_size, 0, 1 << 12},
        {"out_chans", cfg->out_chans, 8, 1 << 16},      {"prompt_dim", cfg->prompt_dim, 8, 1 << 16},
        {"mask_in_chans", cfg->mask_in_chans, 4, 1 << 16}, {"dec_depth", cfg->dec_depth, 1, 64},
        {"dec_heads", cfg->dec_heads, 1, 1 << 10},      {"dec_mlp_dim", cfg->dec_mlp_dim, 1, 1 << 18},
        {"num_mask_tokens", cfg->num_mask_tokens, 1, 64}, {"iou_hidden", cfg->iou_hidden, 1, 1 << 16},
        {"iou_head_depth", cfg->iou_head_depth, 1, 64},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].lo || f[i].v > f[i].hi)
            return util_err("model config: %s = %d is outside [%d, %d]", f[i].name, f[i].v, f[i].lo, f[i].hi);
    if (cfg->img_size % cfg->patch_size) return util_err("model config: img_size %d is not a multiple of patch_size %d", cfg->img_size, cfg->patch_size);
    if (cfg->embed_dim != cfg->num_heads * cfg->head_dim) return util_err("model config: embed_dim != num_heads * head_dim");
    if (cfg->depth < 64 && cfg->global_attn >> cfg->depth) return util_err("model config: global attention in a block past depth");
    uint64_t all = cfg->depth == 64 ? ~(uint64_t)0 : ((uint64_t)1 << cfg->depth) - 1;
    if (cfg->window_size == 0 && cfg->global_attn != all) return util_err("model config: window_size 0 but some blocks are windowed");
    if (cfg->out_chans != cfg->prompt_dim) return util_err("model config: out_chans != prompt_dim");
    if (cfg->prompt_dim % 8 || cfg->mask_in_chans % 4) return util_err("model config: prompt_dim must be a multiple of 8, mask_in_chans of 4");
    if ((cfg->prompt_dim / 2) % cfg->dec_heads) return util_err("model config: dec_heads %d does not divide %d",
        cfg->dec_heads, cfg->prompt_dim / 2);
    return 0;
}
