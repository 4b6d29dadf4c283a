/* simpleclick_net_load: PlainVitModel's configuration and weights from a .samw of family
 * "simpleclick", under the official state_dict names (baselines.md §4.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simpleclick/plainvit.h"
#include "util/err.h"

#define SIMPLECLICK_SIZE 448 /* ZoomIn's target_size, which the backbone's img_size must be */

/* `prefix`.weight of shape d0..d3 and `prefix`.bias [d0] */
static int param(const samw *w, simpleclick_param *p, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                 const char *prefix) {
    return !(p->w = samw_getf(w, d0, d1, d2, d3, "%s.weight", prefix)) ||
                   !(p->b = samw_getf(w, d0, -1, -1, -1, "%s.bias", prefix))
               ? -1
               : 0;
}

/* ConvTranspose2d's weight is [in][out][2][2] and its bias [out] */
static int conv_transpose(const samw *w, simpleclick_param *p, int64_t ic, int64_t oc, const char *prefix) {
    return !(p->w = samw_getf(w, ic, oc, 2, 2, "%s.weight", prefix)) ||
                   !(p->b = samw_getf(w, oc, -1, -1, -1, "%s.bias", prefix))
               ? -1
               : 0;
}

/* The shape of tensor `name` (its rank must be ndim); -1 with a message if it is missing. */
static int shape_of(const samw *w, const char *name, int ndim, int64_t shape[SAMW_MAX_DIMS]) {
    for (int i = 0; i < samw_count(w); i++) {
        if (strcmp(samw_name(w, i), name)) continue;
        int is_int64, rank = samw_shape(w, i, shape, &is_int64);
        if (rank != ndim || is_int64) return util_err("simpleclick: %s is not a %d-d float tensor", name, ndim);
        for (int d = 0; d < ndim; d++)
            if (shape[d] < 1 || shape[d] > 1 << 20) return util_err("simpleclick: %s has a bad dimension", name);
        return 0;
    }
    return util_err("simpleclick: the file has no tensor %s", name);
}

/* norm_mean_std, when the config has it, must be the default that iseg_normalize_rgb applies */
static int check_mean_std(const samw *w) {
    static const float expect[6] = {0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f};
    const char *v = samw_config_value(w, "norm_mean_std"), *s = v;
    for (int i = 0; v && i < 6; i++) {
        while (*s == '(' || *s == '[' || *s == ',' || *s == ')' || *s == ']' || *s == ' ') s++;
        char *end;
        double x = strtod(s, &end);
        if (end == s || (float)x != expect[i])
            return util_err("simpleclick: config norm_mean_std = '%s'; only the ImageNet mean and std are supported",
                            v);
        s = end;
    }
    return 0;
}

/* The sizes: p, D from backbone.patch_embed.proj.weight [D][3][p][p], the token count from
 * pos_embed [1][N+1][D], the depth from the blocks present, the neck's and head's widths from
 * their convs; the head count (in no shape) from backbone_params.num_heads. The ISModel
 * settings the port computes with must be cocolvis_icl_vit_huge's. */
static int load_config(simpleclick_net *net, const samw *w) {
    int64_t pe[SAMW_MAX_DIMS], pos[SAMW_MAX_DIMS], o[SAMW_MAX_DIMS], seg[SAMW_MAX_DIMS];
    if (shape_of(w, "backbone.patch_embed.proj.weight", 4, pe) || shape_of(w, "backbone.pos_embed", 3, pos) ||
        shape_of(w, "head.conv_seg.weight", 4, seg))
        return -1;
    static const char *const level_convs[SIMPLECLICK_LEVELS] = {"neck.down_4.5.weight", "neck.down_8.2.weight",
                                                                "neck.down_16.0.weight", "neck.down_32.2.weight"};
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) {
        if (shape_of(w, level_convs[l], 4, o)) return -1;
        net->out_dims[l] = (int)o[0];
    }
    int64_t D = pe[0], p = pe[2];
    if (pe[1] != 3 || pe[3] != p || D > 16384)
        return util_err("simpleclick: backbone.patch_embed.proj.weight is not [D][3][p][p] with D <= 16384");
    if (p > 224 || SIMPLECLICK_SIZE % p)
        return util_err("simpleclick: patch size %d does not tile %d and fit 224", (int)p, SIMPLECLICK_SIZE);
    int g = SIMPLECLICK_SIZE / (int)p;
    if (pos[0] != 1 || pos[1] != (int64_t)g * g + 1 || pos[2] != D)
        return util_err("simpleclick: backbone.pos_embed is not [1][%d][%d]: the backbone's img_size must be %d (the "
                        "predictor's target_size), and pos_embed is not interpolated",
                        g * g + 1, (int)D, SIMPLECLICK_SIZE);
    int L = 0;
    for (int i = 0; i < samw_count(w); i++) {
        int b;
        char rest[16];
        if (sscanf(samw_name(w, i), "backbone.blocks.%d.%15s", &b, rest) == 2 && !strcmp(rest, "norm1.weight") &&
            b + 1 > L)
            L = b + 1;
    }
    if (L < 1 || L > SIMPLECLICK_MAX_DEPTH) return util_err("simpleclick: %d blocks (1..%d)", L, SIMPLECLICK_MAX_DEPTH);
    if (L % 4) return util_err("simpleclick: depth %d is not a multiple of 4 (forward_backbone asserts it)", L);
    net->embed_dim = (int)D, net->depth = L, net->channels = (int)seg[1];

    int radius = 5, disks = 0, prev = 0, binary_prev = 0, random_split = 0; /* gcc -O3 cannot see they are set */
    if (samw_config_int(w, "backbone_params.num_heads", 1, 16384, &net->heads) ||
        (samw_config_value(w, "norm_radius") && samw_config_int(w, "norm_radius", 1, 100000, &radius)) ||
        samw_config_bool(w, "use_disks", 0, &disks) || samw_config_bool(w, "with_prev_mask", 0, &prev) ||
        samw_config_bool(w, "binary_prev_mask", 0, &binary_prev) || samw_config_bool(w, "random_split", 0, &random_split))
        return -1;
    if (!disks || !prev || binary_prev || radius != 5)
        return util_err("simpleclick: only radius-5 click disks and a probability previous-mask channel are "
                        "supported (config use_disks %d, with_prev_mask %d, binary_prev_mask %d, norm_radius %d)",
                        disks, prev, binary_prev, radius);
    /* random_split makes forward_backbone shuffle the tokens at random */
    if (random_split) return util_err("simpleclick: config random_split = True is not supported");
    if (check_mean_std(w)) return -1;
    const char *up = samw_config_value(w, "head_params.upsample");
    if (up && strcmp(up, "x1"))
        return util_err("simpleclick: config head_params.upsample = '%s', only 'x1' is supported", up);
    if (D % net->heads) return util_err("simpleclick: embed_dim %d is not a multiple of num_heads %d", (int)D,
        net->heads);

    /* patchify: as many windows of the 224-pixel pretraining grid (224/p tokens) as fit, of equal size */
    int nwin = g / (224 / (int)p);
    if (g % nwin) return util_err("simpleclick: a %dx%d token grid does not split into %dx%d windows", g, g, nwin,
        nwin);
    if (g % 2) return util_err("simpleclick: down_32 needs an even token grid, not %d", g);
    net->img_size = SIMPLECLICK_SIZE;
    net->patch = (int)p;
    net->grid = g;
    net->tokens = g * g;
    net->head_dim = (int)D / net->heads;
    net->mlp_dim = 4 * (int)D; /* mlp_ratio 4: mlp.fc1's shape is checked against it */
    net->window = g / nwin;
    net->group = L == 12 ? 6 : L / 4;
    const int *od = net->out_dims;
    int half = (int)D / 2;
    net->c4 = 2 * od[0] > half ? 2 * od[0] : half;
    net->c8 = od[1] > half ? od[1] : half;
    net->c32 = od[3] > 2 * (int)D ? od[3] : 2 * (int)D;
    if (net->c4 % 2) return util_err("simpleclick: down_4's width %d is odd", net->c4);
    return 0;
}

static int load_backbone(simpleclick_net *net, const samw *w) {
    int64_t D = net->embed_dim, p = net->patch, T = net->tokens, M = net->mlp_dim;
    const float *pos;
    if (param(w, &net->coords_proj, D, 3, p, p, "patch_embed_coords.proj") ||
        !(pos = samw_getf(w, 1, T + 1, D, -1, "backbone.pos_embed")) ||
        param(w, &net->patch_proj, D, 3, p, p, "backbone.patch_embed.proj"))
        return -1;
    net->pos_embed = pos + D; /* row 0 is the class token's */
    for (int i = 0; i < net->depth; i++) {
        simpleclick_block *b = &net->blocks[i];
        char pre[96];
#define BLOCK(field, name, d0, d1)                                                                                   \
    (snprintf(pre, sizeof pre, "backbone.blocks.%d." name, i), param(w, &b->field, d0, d1, -1, -1, pre))
        if (BLOCK(norm1, "norm1", D, -1) || BLOCK(qkv, "attn.qkv", 3 * D, D) || BLOCK(proj, "attn.proj", D, D) ||
            BLOCK(norm2, "norm2", D, -1) || BLOCK(fc1, "mlp.fc1", M, D) || BLOCK(fc2, "mlp.fc2", D, M))
            return -1;
#undef BLOCK
    }
    return 0;
}

static int load_neck_head(simpleclick_net *net, const samw *w) {
    int64_t D = net->embed_dim, c4 = net->c4, c8 = net->c8, c32 = net->c32, Ch = net->channels;
    const int *o = net->out_dims;
    if (conv_transpose(w, &net->down4_0, D, c4, "neck.down_4.0") ||
        param(w, &net->down4_1, c4, -1, -1, -1, "neck.down_4.1") ||
        conv_transpose(w, &net->down4_3, c4, c4 / 2, "neck.down_4.3") ||
        param(w, &net->down4_4, c4 / 2, -1, -1, -1, "neck.down_4.4") ||
        param(w, &net->down4_5, o[0], c4 / 2, 1, 1, "neck.down_4.5") ||
        param(w, &net->down4_6, o[0], -1, -1, -1, "neck.down_4.6") ||
        conv_transpose(w, &net->down8_0, D, c8, "neck.down_8.0") ||
        param(w, &net->down8_1, c8, -1, -1, -1, "neck.down_8.1") ||
        param(w, &net->down8_2, o[1], c8, 1, 1, "neck.down_8.2") ||
        param(w, &net->down8_3, o[1], -1, -1, -1, "neck.down_8.3") ||
        param(w, &net->down16_0, o[2], D, 1, 1, "neck.down_16.0") ||
        param(w, &net->down16_1, o[2], -1, -1, -1, "neck.down_16.1") ||
        param(w, &net->down32_0, c32, D, 2, 2, "neck.down_32.0") ||
        param(w, &net->down32_1, c32, -1, -1, -1, "neck.down_32.1") ||
        param(w, &net->down32_2, o[3], c32, 1, 1, "neck.down_32.2") ||
        param(w, &net->down32_3, o[3], -1, -1, -1, "neck.down_32.3") ||
        param(w, &net->conv_seg, 1, Ch, 1, 1, "head.conv_seg") ||
        param(w, &net->fusion_conv, Ch, 4 * Ch, 1, 1, "head.fusion_conv.conv"))
        return -1;
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) {
        char pre[64];
        snprintf(pre, sizeof pre, "head.convs.%d.conv", l);
        if (param(w, &net->head_convs[l], Ch, o[l], 1, 1, pre)) return -1;
    }
    return 0;
}

int simpleclick_net_load(simpleclick_net *net, const samw *w) {
    /* stored by the official model, never computed with (baselines.md §6); pos_embed's row 0
     * is part of a tensor the loader takes */
    static const char *const unused[] = {"backbone.cls_token", "backbone.fc_norm.", "backbone.head.",
                                         "head.up_conv1.",     "head.up_conv2.",    NULL};
    *net = (simpleclick_net){0};
    return load_config(net, w) || load_backbone(net, w) || load_neck_head(net, w) || samw_check_unused(w, unused)
               ? -1
               : 0;
}
