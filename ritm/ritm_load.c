/* ritm_net_load: HRNetModel's configuration and weights from a .samw of family "ritm",
 * under the official state_dict names (baselines.md §3.3). */
#include <stdio.h>
#include <string.h>

#include "ritm/ritm_net.h"
#include "util/err.h"

#define FE "feature_extractor."

/* nn.Conv2d(ic, oc, k, stride) at `prefix` (.weight, and .bias if bias) */
static int conv(const samw *w, ritm_conv *c, int ic, int oc, int k, int stride, int bias, const char *prefix) {
    *c = (ritm_conv){.ic = ic, .oc = oc, .k = k, .stride = stride};
    if (!(c->weight = samw_getf(w, oc, ic, k, k, "%s.weight", prefix))) return -1;
    if (bias && !(c->bias = samw_getf(w, oc, -1, -1, -1, "%s.bias", prefix))) return -1;
    return 0;
}

/* nn.BatchNorm2d(C) at `prefix` */
static int bn(const samw *w, ritm_bn *b, int C, const char *prefix) {
    return !(b->weight = samw_getf(w, C, -1, -1, -1, "%s.weight", prefix)) ||
                   !(b->bias = samw_getf(w, C, -1, -1, -1, "%s.bias", prefix)) ||
                   !(b->running_mean = samw_getf(w, C, -1, -1, -1, "%s.running_mean", prefix)) ||
                   !(b->running_var = samw_getf(w, C, -1, -1, -1, "%s.running_var", prefix))
               ? -1
               : 0;
}

/* A conv without bias at "<prefix><conv_name>" and its BN at "<prefix><bn_name>" */
static int conv_bn(const samw *w, ritm_conv_bn *l, int ic, int oc, int k, int stride, const char *prefix,
                   const char *conv_name, const char *bn_name) {
    char cn[192], bnn[192];
    snprintf(cn, sizeof cn, "%s%s", prefix, conv_name);
    snprintf(bnn, sizeof bnn, "%s%s", prefix, bn_name);
    return conv(w, &l->conv, ic, oc, k, stride, 0, cn) || bn(w, &l->bn, oc, bnn) ? -1 : 0;
}

/* A config int in [lo, hi]; `def` (the official default) when the file has none. */
static int config_int(const samw *w, const char *key, int lo, int hi, int def, int *out) {
    if (!samw_config_value(w, key)) {
        *out = def;
        return 0;
    }
    return samw_config_int(w, key, lo, hi, out);
}

/* The config: HRNetModel's width (default 48), ocr_width (256), small (False), and the
 * ISModel settings the port computes with, which must be coco_lvis_h32_itermask's. */
static int load_config(ritm_net *net, const samw *w) {
    int use_disks = 0, leaky = 0, prev = 0, binary_prev = 0; /* gcc -O3 cannot see config_bool sets them */
    if (config_int(w, "width", 1, 1024, 48, &net->width) ||
        config_int(w, "ocr_width", 1, 1024, 256, &net->ocr_width) ||
        samw_config_bool(w, "small", 0, &net->small) ||
        config_int(w, "norm_radius", 1, 100000, 260, &net->norm_radius) ||
        samw_config_bool(w, "use_disks", 0, &use_disks) || samw_config_bool(w, "use_leaky_relu", 0, &leaky) ||
        samw_config_bool(w, "with_prev_mask", 0, &prev) || samw_config_bool(w, "binary_prev_mask", 0, &binary_prev))
        return -1;
    if (!use_disks || !leaky || !prev || binary_prev)
        return util_err("ritm: only click disks, a LeakyReLU maps_transform and a probability previous-mask channel "
                        "are supported (config use_disks %d, use_leaky_relu %d, with_prev_mask %d, "
                        "binary_prev_mask %d)",
                        use_disks, leaky, prev, binary_prev);
    int w0 = net->width;
    net->n_blocks = net->small ? 2 : 4;
    net->n_modules[0] = 1;
    net->n_modules[1] = net->small ? 3 : 4;
    net->n_modules[2] = net->small ? 2 : 3;
    for (int i = 0; i < RITM_BRANCHES; i++) net->channels[i] = w0 << i;
    return 0;
}

/* maps_transform, the stem, layer1 and the transitions */
static int load_stem(ritm_net *net, const samw *w) {
    const int *C = net->channels;
    if (conv(w, &net->maps_transform0, 3, 16, 1, 1, 1, "maps_transform.0") ||
        conv(w, &net->maps_transform2, 16, 64, 3, 2, 1, "maps_transform.2") ||
        !(net->maps_transform_scale = samw_getf(w, 1, -1, -1, -1, "maps_transform.3.scale")) ||
        conv_bn(w, &net->conv1, 3, 64, 3, 2, FE, "conv1", "bn1") ||
        conv_bn(w, &net->conv2, 64, 64, 3, 2, FE, "conv2", "bn2"))
        return -1;
    for (int k = 0; k < net->n_blocks; k++) {
        ritm_bottleneck *b = &net->layer1[k];
        char p[64];
        snprintf(p, sizeof p, FE "layer1.%d.", k);
        if (conv_bn(w, &b->conv1, k ? 256 : 64, 64, 1, 1, p, "conv1", "bn1") ||
            conv_bn(w, &b->conv2, 64, 64, 3, 1, p, "conv2", "bn2") ||
            conv_bn(w, &b->conv3, 64, 256, 1, 1, p, "conv3", "bn3"))
            return -1;
        b->has_downsample = k == 0;
        if (b->has_downsample && conv_bn(w, &b->downsample, 64, 256, 1, 1, p, "downsample.0", "downsample.1"))
            return -1;
    }
    return conv_bn(w, &net->transition[0], 256, C[0], 3, 1, FE, "transition1.0.0", "transition1.0.1") ||
                   conv_bn(w, &net->transition[1], 256, C[1], 3, 2, FE, "transition1.1.0.0", "transition1.1.0.1") ||
                   conv_bn(w, &net->transition[2], C[1], C[2], 3, 2, FE, "transition2.2.0.0", "transition2.2.0.1") ||
                   conv_bn(w, &net->transition[3], C[2], C[3], 3, 2, FE, "transition3.3.0.0", "transition3.3.0.1")
               ? -1
               : 0;
}

/* stage{s+2}.{m}: the BasicBlocks of each branch, then the fuse layers */
static int load_module(ritm_net *net, const samw *w, int s, int m) {
    ritm_hr_module *mod = &net->stage[s][m];
    const int *C = net->channels;
    mod->n_branches = s + 2;
    char p[96];
    for (int b = 0; b < mod->n_branches; b++)
        for (int k = 0; k < net->n_blocks; k++) {
            snprintf(p, sizeof p, FE "stage%d.%d.branches.%d.%d.", s + 2, m, b, k);
            if (conv_bn(w, &mod->blocks[b][k].conv1, C[b], C[b], 3, 1, p, "conv1", "bn1") ||
                conv_bn(w, &mod->blocks[b][k].conv2, C[b], C[b], 3, 1, p, "conv2", "bn2"))
                return -1;
        }
    for (int i = 0; i < mod->n_branches; i++)
        for (int j = 0; j < mod->n_branches; j++) {
            if (j > i) {
                snprintf(p, sizeof p, FE "stage%d.%d.fuse_layers.%d.%d.", s + 2, m, i, j);
                if (conv_bn(w, &mod->fuse[i][j][0], C[j], C[i], 1, 1, p, "0", "1")) return -1;
            }
            for (int t = 0; t < i - j; t++) { /* j < i: the last conv maps to C_i */
                snprintf(p, sizeof p, FE "stage%d.%d.fuse_layers.%d.%d.%d.", s + 2, m, i, j, t);
                if (conv_bn(w, &mod->fuse[i][j][t], C[j], t == i - j - 1 ? C[i] : C[j], 3, 2, p, "0", "1"))
                    return -1;
            }
        }
    return 0;
}

/* conv3x3_ocr, ocr_distri_head, cls_head, aux_head */
static int load_ocr_head(ritm_net *net, const samw *w) {
    int L = 15 * net->width, mid = 2 * net->ocr_width, key = net->ocr_width;
    const char *ocb = FE "ocr_distri_head.object_context_block.";
    return conv(w, &net->conv3x3_ocr.conv, L, mid, 3, 1, 1, FE "conv3x3_ocr.0") ||
                   bn(w, &net->conv3x3_ocr.bn, mid, FE "conv3x3_ocr.1") ||
                   conv_bn(w, &net->f_down, mid, key, 1, 1, ocb, "f_down.0", "f_down.1.0") ||
                   conv_bn(w, &net->f_up, key, mid, 1, 1, ocb, "f_up.0", "f_up.1.0") ||
                   conv_bn(w, &net->conv_bn_dropout, 2 * mid, mid, 1, 1, FE "ocr_distri_head.", "conv_bn_dropout.0",
                           "conv_bn_dropout.1.0") ||
                   conv(w, &net->cls_head, mid, 1, 1, 1, 1, FE "cls_head") ||
                   conv(w, &net->aux_head0, L, L, 1, 1, 1, FE "aux_head.0") ||
                   bn(w, &net->aux_head1, L, FE "aux_head.1") ||
                   conv(w, &net->aux_head3, L, 1, 1, 1, 1, FE "aux_head.3")
               ? -1
               : 0;
}

int ritm_net_load(ritm_net *net, const samw *w) {
    static const char *const unused[] = {
        FE "ocr_distri_head.object_context_block.f_pixel.",
        FE "ocr_distri_head.object_context_block.f_object.",
        NULL,
    };
    *net = (ritm_net){0};
    if (load_config(net, w) || load_stem(net, w)) return -1;
    for (int s = 0; s < 3; s++)
        for (int m = 0; m < net->n_modules[s]; m++)
            if (load_module(net, w, s, m)) return -1;
    if (load_ocr_head(net, w)) return -1;
    return samw_check_unused(w, unused);
}
