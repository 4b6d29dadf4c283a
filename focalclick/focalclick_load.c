/* focalclick_net_load: SegFormerModel's configuration and weights from a .samw of family
 * "focalclick", under the official state_dict names (baselines.md §5.3). */
#include <stdio.h>
#include <string.h>

#include "focalclick/focalclick_net.h"
#include "util/err.h"

#define BB "feature_extractor.backbone."
#define DH "feature_extractor.decode_head."

/* The MiT variants ClickSEG's SegFormer builds (segformer_model.py: only b0, b3 and b5;
 * mix_transformer.py's mit_b*). Heads and depths are in no tensor shape. */
static const struct {
    const char *version;
    int embed_dims[FOCALCLICK_STAGES], depths[FOCALCLICK_STAGES], decoder_dim;
} k_versions[] = {
    {"b0", {32, 64, 160, 256}, {2, 2, 2, 2}, 256},
    {"b3", {64, 128, 320, 512}, {3, 4, 18, 3}, 512},
    {"b5", {64, 128, 320, 512}, {3, 6, 40, 3}, 512},
};
/* the same in every variant */
static const int k_num_heads[FOCALCLICK_STAGES] = {1, 2, 5, 8}, k_sr_ratios[FOCALCLICK_STAGES] = {8, 4, 2, 1};

/* model_version (default 'b0') picks the MiT table; pipeline_version (default 's1') must be
 * 's2', the study's (its clicks at radius 5, no half-size input); the previous mask must be
 * a probability channel (ISModel: with_prev_mask, not binary_prev_mask). */
static int load_config(focalclick_net *net, const samw *w) {
    const char *version = samw_config_value(w, "model_version"), *pipeline = samw_config_value(w, "pipeline_version");
    if (!version) version = "b0";
    if (!pipeline) pipeline = "s1";
    size_t v = 0, nv = sizeof k_versions / sizeof k_versions[0];
    while (v < nv && strcmp(version, k_versions[v].version)) v++;
    if (v == nv)
        return util_err("focalclick: model_version '%s' is not one ClickSEG's SegFormer builds (b0, b3, b5)", version);
    if (strcmp(pipeline, "s2"))
        return util_err("focalclick: pipeline_version '%s' is not supported (only 's2', segformerB3_S2_comb's)",
                        pipeline);
    int prev, binary_prev;
    if (samw_config_bool(w, "with_prev_mask", 0, &prev) || samw_config_bool(w, "binary_prev_mask", 0, &binary_prev)) return -1;
    if (!prev || binary_prev)
        return util_err("focalclick: only a probability previous-mask channel is supported (config with_prev_mask "
                        "%d, binary_prev_mask %d)",
                        prev, binary_prev);
    snprintf(net->model_version, sizeof net->model_version, "%s", k_versions[v].version);
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        net->embed_dims[s] = k_versions[v].embed_dims[s];
        net->depths[s] = k_versions[v].depths[s];
        net->num_heads[s] = k_num_heads[s];
        net->sr_ratios[s] = k_sr_ratios[s];
    }
    net->decoder_dim = k_versions[v].decoder_dim;
    net->disk_radius = 5.0f;
    return 0;
}

/* OverlapPatchEmbed(k, stride, ic -> oc) at `prefix` */
static int patch_embed(const samw *w, focalclick_patch_embed *pe, int ic, int oc, int k, int stride,
                       const char *prefix) {
    *pe = (focalclick_patch_embed){.ic = ic, .oc = oc, .k = k, .stride = stride};
    return !(pe->proj_weight = samw_getf(w, oc, ic, k, k, "%s.proj.weight", prefix)) ||
                   !(pe->proj_bias = samw_getf(w, oc, -1, -1, -1, "%s.proj.bias", prefix)) ||
                   !(pe->norm_weight = samw_getf(w, oc, -1, -1, -1, "%s.norm.weight", prefix)) ||
                   !(pe->norm_bias = samw_getf(w, oc, -1, -1, -1, "%s.norm.bias", prefix))
               ? -1
               : 0;
}

/* nn.Linear(ic, oc) at "<p><name>" */
static int linear(const samw *w, const float **weight, const float **bias, int ic, int oc, const char *p,
                  const char *name) {
    return !(*weight = samw_getf(w, oc, ic, -1, -1, "%s%s.weight", p, name)) ||
                   !(*bias = samw_getf(w, oc, -1, -1, -1, "%s%s.bias", p, name))
               ? -1
               : 0;
}

/* block{s+1}.{k} of dim d */
static int block(const samw *w, focalclick_block *b, int d, int r, int s, int k) {
    char p[96];
    snprintf(p, sizeof p, BB "block%d.%d.", s + 1, k);
    *b = (focalclick_block){0};
    if (linear(w, &b->q_weight, &b->q_bias, d, d, p, "attn.q") ||
        linear(w, &b->kv_weight, &b->kv_bias, d, 2 * d, p, "attn.kv") ||
        linear(w, &b->proj_weight, &b->proj_bias, d, d, p, "attn.proj") ||
        linear(w, &b->fc1_weight, &b->fc1_bias, d, 4 * d, p, "mlp.fc1") ||
        linear(w, &b->fc2_weight, &b->fc2_bias, 4 * d, d, p, "mlp.fc2") ||
        !(b->norm1_weight = samw_getf(w, d, -1, -1, -1, "%snorm1.weight", p)) ||
        !(b->norm1_bias = samw_getf(w, d, -1, -1, -1, "%snorm1.bias", p)) ||
        !(b->norm2_weight = samw_getf(w, d, -1, -1, -1, "%snorm2.weight", p)) ||
        !(b->norm2_bias = samw_getf(w, d, -1, -1, -1, "%snorm2.bias", p)) ||
        !(b->dwconv_weight = samw_getf(w, 4 * d, 1, 3, 3, "%smlp.dwconv.dwconv.weight", p)) ||
        !(b->dwconv_bias = samw_getf(w, 4 * d, -1, -1, -1, "%smlp.dwconv.dwconv.bias", p)))
        return -1;
    if (r == 1) return 0;
    return !(b->sr_weight = samw_getf(w, d, d, r, r, "%sattn.sr.weight", p)) ||
                   !(b->sr_bias = samw_getf(w, d, -1, -1, -1, "%sattn.sr.bias", p)) ||
                   !(b->attn_norm_weight = samw_getf(w, d, -1, -1, -1, "%sattn.norm.weight", p)) ||
                   !(b->attn_norm_bias = samw_getf(w, d, -1, -1, -1, "%sattn.norm.bias", p))
               ? -1
               : 0;
}

static int load_backbone(focalclick_net *net, const samw *w) {
    const int *E = net->embed_dims;
    char p[64];
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        snprintf(p, sizeof p, BB "patch_embed%d", s + 1);
        if (patch_embed(w, &net->patch_embed[s], s ? E[s - 1] : 3, E[s], s ? 3 : 7, s ? 2 : 4, p)) return -1;
    }
    if (patch_embed(w, &net->patch_embed_side1, 3, E[0], 7, 4, BB "patch_embed_side1")) return -1;
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        for (int k = 0; k < net->depths[s]; k++)
            if (block(w, &net->block[s][k], E[s], net->sr_ratios[s], s, k)) return -1;
        if (!(net->norm_weight[s] = samw_getf(w, E[s], -1, -1, -1, BB "norm%d.weight", s + 1)) ||
            !(net->norm_bias[s] = samw_getf(w, E[s], -1, -1, -1, BB "norm%d.bias", s + 1)))
            return -1;
    }
    return 0;
}

static int load_head(focalclick_net *net, const samw *w) {
    int De = net->decoder_dim;
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        char name[32];
        snprintf(name, sizeof name, "linear_c%d.proj", s + 1);
        if (linear(w, &net->linear_c_weight[s], &net->linear_c_bias[s], net->embed_dims[s], De, DH, name)) return -1;
    }
    return !(net->linear_fuse_weight = samw_getf(w, De, 4 * De, 1, 1, DH "linear_fuse.conv.weight")) ||
                   !(net->bn_weight = samw_getf(w, De, -1, -1, -1, DH "linear_fuse.bn.weight")) ||
                   !(net->bn_bias = samw_getf(w, De, -1, -1, -1, DH "linear_fuse.bn.bias")) ||
                   !(net->bn_mean = samw_getf(w, De, -1, -1, -1, DH "linear_fuse.bn.running_mean")) ||
                   !(net->bn_var = samw_getf(w, De, -1, -1, -1, DH "linear_fuse.bn.running_var")) ||
                   !(net->linear_pred_weight = samw_getf(w, 1, De, 1, 1, DH "linear_pred.weight")) ||
                   !(net->linear_pred_bias = samw_getf(w, 1, -1, -1, -1, DH "linear_pred.bias"))
               ? -1
               : 0;
}

int focalclick_net_load(focalclick_net *net, const samw *w) {
    static const char *const unused[] = {"maps_transform.", "refiner.", NULL};
    *net = (focalclick_net){0};
    if (load_config(net, w) || load_backbone(net, w) || load_head(net, w)) return -1;
    return samw_check_unused(w, unused);
}
