#include "weights/hf_names.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* Renamed prefixes, most specific first; the first that matches is replaced. */
static const char *const k_prefixes[][2] = {
    {"vision_encoder.neck.conv1.", "image_encoder.neck.0."},
    {"vision_encoder.neck.layer_norm1.", "image_encoder.neck.1."},
    {"vision_encoder.neck.conv2.", "image_encoder.neck.2."},
    {"vision_encoder.neck.layer_norm2.", "image_encoder.neck.3."},
    {"vision_encoder.patch_embed.projection.", "image_encoder.patch_embed.proj."},
    {"vision_encoder.layers.", "image_encoder.blocks."},
    {"vision_encoder.", "image_encoder."},
    {"prompt_encoder.mask_embed.conv1.", "prompt_encoder.mask_downscaling.0."},
    {"prompt_encoder.mask_embed.layer_norm1.", "prompt_encoder.mask_downscaling.1."},
    {"prompt_encoder.mask_embed.conv2.", "prompt_encoder.mask_downscaling.3."},
    {"prompt_encoder.mask_embed.layer_norm2.", "prompt_encoder.mask_downscaling.4."},
    {"prompt_encoder.mask_embed.conv3.", "prompt_encoder.mask_downscaling.6."},
    {"prompt_encoder.point_embed.", "prompt_encoder.point_embeddings."},
    {"prompt_encoder.shared_embedding.positional_embedding", "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"},
    {"shared_image_embedding.positional_embedding", "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"},
    {"mask_decoder.upscale_conv1.", "mask_decoder.output_upscaling.0."},
    {"mask_decoder.upscale_layer_norm.", "mask_decoder.output_upscaling.1."},
    {"mask_decoder.upscale_conv2.", "mask_decoder.output_upscaling.3."},
    {"mask_decoder.transformer.layer_norm_final_attn.", "mask_decoder.transformer.norm_final_attn."},
};

/* Replaces the first occurrence of `from` in s (size n) by `to`; 1 if replaced. */
static int replace(char *s, size_t n, const char *from, const char *to) {
    char *p = strstr(s, from);
    if (!p) return 0;
    char tail[256];
    snprintf(tail, sizeof tail, "%s", p + strlen(from));
    snprintf(p, n - (size_t)(p - s), "%s%s", to, tail);
    return 1;
}

/* HF MLPs are proj_in, layers.0..d-3, proj_out; the official ones layers.0..d-1. */
static int map_mlp(char *s, size_t n, int (*hidden_layers)(void *, const char *), void *ctx) {
    char prefix[160];
    const char *p = NULL;
    if (!strncmp(s, "mask_decoder.iou_prediction_head.", 33)) {
        p = s + 33;
    } else if (!strncmp(s, "mask_decoder.output_hypernetworks_mlps.", 39)) {
        p = strchr(s + 39, '.');
        if (!p) return 0;
        p++;
    } else {
        return 0;
    }
    snprintf(prefix, sizeof prefix, "%.*s", (int)(p - s), s);
    int hidden = hidden_layers(ctx, prefix);
    if (hidden < 0) return 0; /* no proj_in: the file already uses official layers.0..d-1 */
    char rest[256], param[64];
    int layer = -1;
    if (sscanf(p, "proj_in.%63s", param) == 1) {
        layer = 0;
    } else if (sscanf(p, "proj_out.%63s", param) == 1) {
        layer = hidden + 1;
    } else if (sscanf(p, "layers.%d.%63s", &layer, param) == 2 && layer >= 0 && layer < 1000) {
        layer += 1;
    } else {
        return -1;
    }
    int k = snprintf(rest, sizeof rest, "%slayers.%d.%s", prefix, layer, param);
    if (k < 0 || (size_t)k >= sizeof rest || (size_t)k >= n) return -1;
    memcpy(s, rest, (size_t)k + 1);
    return 0;
}

int weights_hf_to_official(const char *hf, char *out, size_t n, int (*hidden_layers)(void *, const char *), void *ctx) {
    if (strlen(hf) >= 128 || n < 160) return util_err("tensor name '%.128s' too long", hf);
    snprintf(out, n, "%s", hf);
    for (size_t i = 0; i < sizeof k_prefixes / sizeof k_prefixes[0]; i++) {
        size_t len = strlen(k_prefixes[i][0]);
        if (!strncmp(out, k_prefixes[i][0], len)) {
            char tail[160];
            snprintf(tail, sizeof tail, "%s", out + len);
            snprintf(out, n, "%s%s", k_prefixes[i][1], tail);
            break;
        }
    }
    /* norm1..4 of encoder blocks and two-way layers */
    const char *norms[4][2] = {{".layer_norm1.", ".norm1."}, {".layer_norm2.", ".norm2."},
                               {".layer_norm3.", ".norm3."}, {".layer_norm4.", ".norm4."}};
    for (int i = 0; i < 4; i++) replace(out, n, norms[i][0], norms[i][1]);
    if (map_mlp(out, n, hidden_layers, ctx)) return util_err("unknown MLP tensor name '%s'", hf);
    return 0;
}
