/* The state_dict keys of the study's three baselines at any size, in the official file order
 * (baselines.md §3.3, §4.3, §5.3), and their checkpoints written as the authors'
 * save_checkpoint does (pth_writer.h, random values): for the model tests and
 * bench/bench_baselines.c.
 *
 *   bk_list l;
 *   if (bk_alloc(&l)) ...
 *   bk_ritm_keys(&l, 32, 128, 0);                       // coco_lvis_h32_itermask: 1895 keys
 *   bk_ritm_write(&l, 32, 128, "False", "True", "x.pth"); // pw_write's result
 *   bk_free(&l);
 *
 * A key of ndim 0 is an int64 scalar (BatchNorm's num_batches_tracked); keys past BK_MAX_KEYS
 * are dropped, so a generator's count check catches an overflow. */
#ifndef SAMC_TEST_BASELINE_KEYS_H
#define SAMC_TEST_BASELINE_KEYS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simpleclick/plainvit.h"
#include "test/pth_writer.h"
#include "util/err.h"

#define BK_MAX_KEYS 2048
#define BK_NAME 128

typedef struct {
    pw_tensor *t;            /* t[i].name points at names[i] */
    char (*names)[BK_NAME];
    int n;
} bk_list;

static inline int bk_alloc(bk_list *l) {
    l->t = calloc(BK_MAX_KEYS, sizeof *l->t);
    l->names = calloc(BK_MAX_KEYS, sizeof *l->names);
    l->n = 0;
    if (l->t && l->names) return 0;
    free(l->t), free(l->names);
    l->t = NULL, l->names = NULL;
    return -1;
}

static inline void bk_free(bk_list *l) {
    free(l->t), free(l->names);
    *l = (bk_list){0};
}

/* the values of all keys */
static inline uint64_t bk_values(const bk_list *l) {
    uint64_t v = 0;
    for (int i = 0; i < l->n; i++) v += pw_numel(&l->t[i]);
    return v;
}

SAMC_PRINTF(7, 8)
static inline void bk_key(bk_list *l, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...) {
    if (l->n == BK_MAX_KEYS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->names[l->n], BK_NAME, fmt, ap);
    va_end(ap);
    l->t[l->n] = (pw_tensor){.name = l->names[l->n], .ndim = ndim, .shape = {d0, d1, d2, d3},
                             .dtype = ndim ? PW_F32 : PW_I64};
    l->n++;
}

/* BatchNorm2d(C) at prefix p: weight, bias, running_mean, running_var [C], num_batches_tracked [] */
static inline void bk_bn(bk_list *l, const char *p, int C) {
    static const char *const f[4] = {"weight", "bias", "running_mean", "running_var"};
    for (int i = 0; i < 4; i++) bk_key(l, 1, C, 0, 0, 0, "%s.%s", p, f[i]);
    bk_key(l, 0, 0, 0, 0, 0, "%s.num_batches_tracked", p);
}

/* a layer's weight of the given shape and its bias [d0] at prefix p */
static inline void bk_wb(bk_list *l, const char *p, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    bk_key(l, ndim, d0, d1, d2, d3, "%s.weight", p);
    bk_key(l, 1, d0, 0, 0, 0, "%s.bias", p);
}

/* ---- RITM: HRNetModel (width w, ocr_width o; small: 2 Bottlenecks and 2 BasicBlocks per
 * branch, stages of 1, 3, 2 modules) ---- */

/* a conv weight [oc][ic][k][k] at "<conv>.weight" and BN(oc) at bn */
static inline void bk_conv_bn(bk_list *l, const char *conv, const char *bn, int oc, int ic, int k) {
    bk_key(l, 4, oc, ic, k, k, "%s.weight", conv);
    bk_bn(l, bn, oc);
}

static inline void bk_ritm_keys(bk_list *l, int w, int o, int small) {
    char a[BK_NAME], b[BK_NAME];
    int C[4] = {w, 2 * w, 4 * w, 8 * w}, L = 15 * w, blocks = small ? 2 : 4;
    int modules[3] = {1, small ? 3 : 4, small ? 2 : 3};
    l->n = 0;
    bk_wb(l, "maps_transform.0", 4, 16, 3, 1, 1);
    bk_wb(l, "maps_transform.2", 4, 64, 16, 3, 3);
    bk_key(l, 1, 1, 0, 0, 0, "maps_transform.3.scale");
    bk_conv_bn(l, "feature_extractor.conv1", "feature_extractor.bn1", 64, 3, 3);
    bk_conv_bn(l, "feature_extractor.conv2", "feature_extractor.bn2", 64, 64, 3);
    for (int k = 0; k < blocks; k++) {
        static const int oc[3] = {64, 64, 256}, ks[3] = {1, 3, 1};
        int ic[3] = {k ? 256 : 64, 64, 64};
        for (int c = 0; c < 3; c++) {
            snprintf(a, sizeof a, "feature_extractor.layer1.%d.conv%d", k, c + 1);
            snprintf(b, sizeof b, "feature_extractor.layer1.%d.bn%d", k, c + 1);
            bk_conv_bn(l, a, b, oc[c], ic[c], ks[c]);
        }
        if (k == 0)
            bk_conv_bn(l, "feature_extractor.layer1.0.downsample.0", "feature_extractor.layer1.0.downsample.1", 256,
                       64, 1);
    }
    bk_conv_bn(l, "feature_extractor.transition1.0.0", "feature_extractor.transition1.0.1", C[0], 256, 3);
    bk_conv_bn(l, "feature_extractor.transition1.1.0.0", "feature_extractor.transition1.1.0.1", C[1], 256, 3);
    for (int s = 0; s < 3; s++) {
        if (s > 0) {
            snprintf(a, sizeof a, "feature_extractor.transition%d.%d.0.0", s + 1, s + 1);
            snprintf(b, sizeof b, "feature_extractor.transition%d.%d.0.1", s + 1, s + 1);
            bk_conv_bn(l, a, b, C[s + 1], C[s], 3);
        }
        int nb = s + 2;
        for (int m = 0; m < modules[s]; m++) {
            for (int br = 0; br < nb; br++)
                for (int k = 0; k < blocks; k++)
                    for (int c = 1; c <= 2; c++) {
                        snprintf(a, sizeof a, "feature_extractor.stage%d.%d.branches.%d.%d.conv%d", s + 2, m, br, k, c);
                        snprintf(b, sizeof b, "feature_extractor.stage%d.%d.branches.%d.%d.bn%d", s + 2, m, br, k, c);
                        bk_conv_bn(l, a, b, C[br], C[br], 3);
                    }
            for (int i = 0; i < nb; i++)
                for (int j = 0; j < nb; j++) {
                    if (j > i) {
                        snprintf(a, sizeof a, "feature_extractor.stage%d.%d.fuse_layers.%d.%d.0", s + 2, m, i, j);
                        snprintf(b, sizeof b, "feature_extractor.stage%d.%d.fuse_layers.%d.%d.1", s + 2, m, i, j);
                        bk_conv_bn(l, a, b, C[i], C[j], 1);
                    }
                    for (int t = 0; t < i - j; t++) {
                        snprintf(a, sizeof a, "feature_extractor.stage%d.%d.fuse_layers.%d.%d.%d.0", s + 2, m, i, j, t);
                        snprintf(b, sizeof b, "feature_extractor.stage%d.%d.fuse_layers.%d.%d.%d.1", s + 2, m, i, j, t);
                        bk_conv_bn(l, a, b, t == i - j - 1 ? C[i] : C[j], C[j], 3);
                    }
                }
        }
    }
    bk_wb(l, "feature_extractor.conv3x3_ocr.0", 4, 2 * o, L, 3, 3);
    bk_bn(l, "feature_extractor.conv3x3_ocr.1", 2 * o);
    static const char *const ocb[4] = {"f_pixel", "f_object", "f_down", "f_up"};
    for (int i = 0; i < 4; i++) {
        const char *p = "feature_extractor.ocr_distri_head.object_context_block";
        int oc = i == 3 ? 2 * o : o, ic = i == 3 ? o : 2 * o;
        snprintf(a, sizeof a, "%s.%s.0", p, ocb[i]);
        snprintf(b, sizeof b, "%s.%s.1.0", p, ocb[i]);
        bk_conv_bn(l, a, b, oc, ic, 1);
        if (i < 2) { /* f_pixel, f_object: a second conv + BN */
            snprintf(a, sizeof a, "%s.%s.2", p, ocb[i]);
            snprintf(b, sizeof b, "%s.%s.3.0", p, ocb[i]);
            bk_conv_bn(l, a, b, o, o, 1);
        }
    }
    bk_conv_bn(l, "feature_extractor.ocr_distri_head.conv_bn_dropout.0",
               "feature_extractor.ocr_distri_head.conv_bn_dropout.1.0", 2 * o, 4 * o, 1);
    bk_wb(l, "feature_extractor.cls_head", 4, 1, 2 * o, 1, 1);
    bk_wb(l, "feature_extractor.aux_head.0", 4, L, L, 1, 1);
    bk_bn(l, "feature_extractor.aux_head.1", L);
    bk_wb(l, "feature_extractor.aux_head.3", 4, 1, L, 1, 1);
}

#define BK_RITM_PARAMS                                                                                            \
    "{'width': %d, 'ocr_width': %d, 'small': %s, 'backbone_lr_mult': 0.1, "                                    \
    "'norm_layer': <class torch.nn.modules.batchnorm.BatchNorm2d>, 'use_leaky_relu': True, "                      \
    "'use_rgb_conv': False, 'use_disks': %s, 'norm_radius': 5, 'with_prev_mask': True, 'with_aux_output': True, " \
    "'binary_prev_mask': False, 'norm_mean_std': ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])}"

/* pth_writer's random values, but with the last BN of each residual branch scaled down, as
 * trained residual networks have them (else, with the BN statistics fixed, each of the 100
 * residual blocks adds its branch at full size and the logits reach thousands), and the
 * classifier too, so that the probabilities are not all 1 */
static inline void bk_ritm_fill(const pw_tensor *t, float *out, size_t n, void *ctx) {
    uint64_t s = pw_seed(*(const uint64_t *)ctx, t->name);
    pw_random(t, &s, out, n);
    int last_bn = strstr(t->name, ".branches.") ? pw_ends_with(t->name, "bn2.weight")
                                                : strstr(t->name, ".layer1.") && pw_ends_with(t->name, "bn3.weight");
    int cls = !strcmp(t->name, "feature_extractor.cls_head.weight");
    for (size_t i = 0; (last_bn || cls) && i < n; i++) out[i] *= 0.1f;
}

/* keys l as an HRNetModel checkpoint of that config (small, use_disks: "True" or "False") at
 * pth; pw_write's result */
static inline int bk_ritm_write(const bk_list *l, int width, int ocr_width, const char *small, const char *use_disks,
                                const char *pth) {
    char params[640];
    snprintf(params, sizeof params, BK_RITM_PARAMS, width, ocr_width, small, use_disks);
    static const uint64_t seed = 1895;
    pw_options o = {.class_name = "isegm.model.is_hrnet_model.HRNetModel",
                    .params = params,
                    .seed = seed,
                    .fill = bk_ritm_fill,
                    .fill_ctx = (void *)&seed};
    return pw_write(pth, l->t, l->n, &o);
}

/* ---- FocalClick: ClickSEG's SegFormerModel, any MiT variant ---- */

/* the embedding widths and depths of MiT-B0 and MiT-B3 (array initialisers) */
#define BK_MIT_B0_E {32, 64, 160, 256}
#define BK_MIT_B0_DEPTHS {2, 2, 2, 2}
#define BK_MIT_B3_E {64, 128, 320, 512}
#define BK_MIT_B3_DEPTHS {3, 4, 18, 3}

/* RefineLayer's XConvBnRelu(32, 32) */
static inline void bk_xconv(bk_list *l, const char *p) {
    char q[BK_NAME];
    snprintf(q, sizeof q, "%s.conv3x3", p), bk_wb(l, q, 4, 32, 1, 3, 3);
    snprintf(q, sizeof q, "%s.conv1x1", p), bk_wb(l, q, 4, 32, 32, 1, 1);
    snprintf(q, sizeof q, "%s.norm", p), bk_bn(l, q, 32);
}

/* In module registration order: E, depths and the decoder dim De of the variant; the
 * refiner's feature_indim is 256 for b0, else 512. */
static inline void bk_segformer_keys(bk_list *l, const int E[4], const int depths[4], int De, int feature_indim) {
    static const int sr[4] = {8, 4, 2, 1};
    char p[BK_NAME];
    l->n = 0;
    bk_wb(l, "maps_transform.0", 4, 16, 3, 3, 3);
    bk_wb(l, "maps_transform.2", 4, 32, 16, 3, 3);
    bk_key(l, 1, 1, 0, 0, 0, "maps_transform.3.scale");
    const char *bb = "feature_extractor.backbone";
    for (int s = 0; s < 5; s++) { /* patch_embed1..4, patch_embed_side1 */
        int e = s < 4 ? E[s] : E[0], ic = s == 0 || s == 4 ? 3 : E[s - 1], kk = s == 0 || s == 4 ? 7 : 3;
        if (s < 4) snprintf(p, sizeof p, "%s.patch_embed%d.proj", bb, s + 1);
        else snprintf(p, sizeof p, "%s.patch_embed_side1.proj", bb);
        bk_wb(l, p, 4, e, ic, kk, kk);
        memcpy(p + strlen(p) - 4, "norm", 4);
        bk_wb(l, p, 1, e, 0, 0, 0);
    }
    for (int s = 0; s < 4; s++) {
        int e = E[s];
        for (int b = 0; b < depths[s]; b++) {
            char q[BK_NAME];
#define BK_BLK(name) (snprintf(q, sizeof q, "%s.block%d.%d." name, bb, s + 1, b), q)
            bk_wb(l, BK_BLK("norm1"), 1, e, 0, 0, 0);
            bk_wb(l, BK_BLK("attn.q"), 2, e, e, 0, 0);
            bk_wb(l, BK_BLK("attn.kv"), 2, 2 * e, e, 0, 0);
            bk_wb(l, BK_BLK("attn.proj"), 2, e, e, 0, 0);
            if (sr[s] > 1) {
                bk_wb(l, BK_BLK("attn.sr"), 4, e, e, sr[s], sr[s]);
                bk_wb(l, BK_BLK("attn.norm"), 1, e, 0, 0, 0);
            }
            bk_wb(l, BK_BLK("norm2"), 1, e, 0, 0, 0);
            bk_wb(l, BK_BLK("mlp.fc1"), 2, 4 * e, e, 0, 0);
            bk_wb(l, BK_BLK("mlp.dwconv.dwconv"), 4, 4 * e, 1, 3, 3);
            bk_wb(l, BK_BLK("mlp.fc2"), 2, e, 4 * e, 0, 0);
#undef BK_BLK
        }
        snprintf(p, sizeof p, "%s.norm%d", bb, s + 1);
        bk_wb(l, p, 1, e, 0, 0, 0);
    }
    for (int s = 3; s >= 0; s--) {
        snprintf(p, sizeof p, "feature_extractor.decode_head.linear_c%d.proj", s + 1);
        bk_wb(l, p, 2, De, E[s], 0, 0);
    }
    bk_key(l, 4, De, 4 * De, 1, 1, "feature_extractor.decode_head.linear_fuse.conv.weight");
    bk_bn(l, "feature_extractor.decode_head.linear_fuse.bn", De);
    bk_wb(l, "feature_extractor.decode_head.linear_pred", 4, 1, De, 1, 1);
    bk_wb(l, "refiner.image_conv1.conv", 4, 32, 6, 3, 3);
    bk_bn(l, "refiner.image_conv1.norm", 32);
    bk_xconv(l, "refiner.image_conv2");
    bk_xconv(l, "refiner.image_conv3");
    bk_wb(l, "refiner.refine_fusion.conv", 4, 32, feature_indim, 1, 1);
    bk_bn(l, "refiner.refine_fusion.norm", 32);
    bk_xconv(l, "refiner.refine_fusion2");
    bk_xconv(l, "refiner.refine_fusion3");
    bk_wb(l, "refiner.feature_gate.0", 4, 1, 32, 1, 1);
    bk_wb(l, "refiner.refine_pred", 4, 1, 32, 3, 3);
    bk_wb(l, "refiner.refine_trimap", 4, 1, 32, 3, 3);
}

#define BK_FOCALCLICK_PARAMS                                                                                     \
    "{'feature_stride': 4, 'backbone_lr_mult': 0.1, 'norm_layer': <class torch.nn.modules.batchnorm.BatchNorm2d>, " \
    "'pipeline_version': '%s', 'model_version': '%s', 'use_leaky_relu': True, 'use_rgb_conv': False, "          \
    "'use_disks': True, 'norm_radius': 5, 'binary_prev_mask': False, 'with_prev_mask': True, "                 \
    "'with_aux_output': True, 'norm_mean_std': ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])}"

/* keys l as a SegFormerModel checkpoint of pipeline_version and model_version at pth;
 * pw_write's result */
static inline int bk_focalclick_write(const bk_list *l, const char *pipeline, const char *version, const char *pth) {
    char params[640];
    snprintf(params, sizeof params, BK_FOCALCLICK_PARAMS, pipeline, version);
    pw_options o = {.class_name = "isegm.model.is_segformer_model.SegFormerModel", .params = params, .seed = 653};
    return pw_write(pth, l->t, l->n, &o);
}

/* ---- SimpleClick (CFR-ICL): PlainVitModel of any size ---- */

/* patch size p, width D, depth L, heads, the neck's out_dims o, the head's channels Ch */
typedef struct {
    int p, D, L, heads, o[SIMPLECLICK_LEVELS], Ch;
} bk_vit;

/* cocolvis_icl_vit_huge: ViT-H/14, 454 keys, 662.2 M values */
#define BK_VIT_H {14, 1280, 32, 16, {240, 480, 960, 1920}, 256}

/* PlainVitModel's keys in file order (the blocks' order and the unused up_conv1/up_conv2 as
 * the official model registers them) */
static inline void bk_plainvit_keys(bk_list *l, const bk_vit *v) {
    int D = v->D, p = v->p, g = 448 / p, Ch = v->Ch;
    int c4 = 2 * v->o[0] > D / 2 ? 2 * v->o[0] : D / 2, c8 = v->o[1] > D / 2 ? v->o[1] : D / 2,
        c32 = v->o[3] > 2 * D ? v->o[3] : 2 * D;
    l->n = 0;
    bk_wb(l, "patch_embed_coords.proj", 4, D, 3, p, p);
    bk_key(l, 3, 1, 1, D, 0, "backbone.cls_token");
    bk_key(l, 3, 1, g * g + 1, D, 0, "backbone.pos_embed");
    bk_wb(l, "backbone.patch_embed.proj", 4, D, 3, p, p);
    for (int i = 0; i < v->L; i++) {
        char q[BK_NAME];
#define BK_BLK(name) (snprintf(q, sizeof q, "backbone.blocks.%d." name, i), q)
        bk_key(l, 1, D, 0, 0, 0, "backbone.blocks.%d.norm1.weight", i);
        bk_key(l, 1, D, 0, 0, 0, "backbone.blocks.%d.norm1.bias", i);
        bk_key(l, 1, D, 0, 0, 0, "backbone.blocks.%d.norm2.weight", i);
        bk_key(l, 1, D, 0, 0, 0, "backbone.blocks.%d.norm2.bias", i);
        bk_wb(l, BK_BLK("attn.qkv"), 2, 3 * D, D, 0, 0);
        bk_wb(l, BK_BLK("attn.proj"), 2, D, D, 0, 0);
        bk_wb(l, BK_BLK("mlp.fc1"), 2, 4 * D, D, 0, 0);
        bk_wb(l, BK_BLK("mlp.fc2"), 2, D, 4 * D, 0, 0);
#undef BK_BLK
    }
    bk_wb(l, "backbone.fc_norm", 1, D, 0, 0, 0);
    bk_wb(l, "backbone.head", 2, 1000, D, 0, 0);
    /* neck: ConvTranspose2d [in][out][2][2] (bias [out]), GroupNorm [C], Conv2d [out][in][k][k] */
    bk_key(l, 4, D, c4, 2, 2, "neck.down_4.0.weight");
    bk_key(l, 1, c4, 0, 0, 0, "neck.down_4.0.bias");
    bk_wb(l, "neck.down_4.1", 1, c4, 0, 0, 0);
    bk_key(l, 4, c4, c4 / 2, 2, 2, "neck.down_4.3.weight");
    bk_key(l, 1, c4 / 2, 0, 0, 0, "neck.down_4.3.bias");
    bk_wb(l, "neck.down_4.4", 1, c4 / 2, 0, 0, 0);
    bk_wb(l, "neck.down_4.5", 4, v->o[0], c4 / 2, 1, 1);
    bk_wb(l, "neck.down_4.6", 1, v->o[0], 0, 0, 0);
    bk_key(l, 4, D, c8, 2, 2, "neck.down_8.0.weight");
    bk_key(l, 1, c8, 0, 0, 0, "neck.down_8.0.bias");
    bk_wb(l, "neck.down_8.1", 1, c8, 0, 0, 0);
    bk_wb(l, "neck.down_8.2", 4, v->o[1], c8, 1, 1);
    bk_wb(l, "neck.down_8.3", 1, v->o[1], 0, 0, 0);
    bk_wb(l, "neck.down_16.0", 4, v->o[2], D, 1, 1);
    bk_wb(l, "neck.down_16.1", 1, v->o[2], 0, 0, 0);
    bk_wb(l, "neck.down_32.0", 4, c32, D, 2, 2);
    bk_wb(l, "neck.down_32.1", 1, c32, 0, 0, 0);
    bk_wb(l, "neck.down_32.2", 4, v->o[3], c32, 1, 1);
    bk_wb(l, "neck.down_32.3", 1, v->o[3], 0, 0, 0);
    bk_wb(l, "head.conv_seg", 4, 1, Ch, 1, 1);
    for (int k = 0; k < SIMPLECLICK_LEVELS; k++) {
        char q[BK_NAME];
        snprintf(q, sizeof q, "head.convs.%d.conv", k);
        bk_wb(l, q, 4, Ch, v->o[k], 1, 1);
    }
    bk_wb(l, "head.fusion_conv.conv", 4, Ch, 4 * Ch, 1, 1);
    for (int u = 1; u <= 2; u++) {
        int in = Ch >> (u - 1), out = Ch >> u;
        bk_key(l, 4, in, out, 2, 2, "head.up_conv%d.0.weight", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.0.bias", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.1.weight", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.1.bias", u);
        bk_key(l, 4, out, out, 1, 1, "head.up_conv%d.2.weight", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.2.bias", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.3.weight", u);
        bk_key(l, 1, out, 0, 0, 0, "head.up_conv%d.3.bias", u);
    }
}

/* keys l of size v as a PlainVitModel checkpoint at pth (fill: pth_writer's rule if NULL,
 * called with fill_ctx); pw_write's result */
static inline int bk_simpleclick_write(const bk_list *l, const bk_vit *v, const char *pth,
                                       void (*fill)(const pw_tensor *, float *, size_t, void *), void *fill_ctx) {
    char params[2048];
    const int *o = v->o;
    snprintf(params, sizeof params,
             "{'use_disks': True, 'norm_radius': 5, 'with_prev_mask': True,"
             " 'backbone_params': {'img_size': (448, 448), 'patch_size': (%d, %d), 'in_chans': 3, 'embed_dim': %d,"
             " 'depth': %d, 'num_heads': %d, 'mlp_ratio': 4, 'qkv_bias': True},"
             " 'neck_params': {'in_dim': %d, 'out_dims': [%d, %d, %d, %d]},"
             " 'head_params': {'in_channels': [%d, %d, %d, %d], 'in_index': [0, 1, 2, 3], 'dropout_ratio': 0.1,"
             " 'num_classes': 1,"
             " 'loss_decode': <object isegm.model.modeling.transformer_helper.cross_entropy_loss.CrossEntropyLoss>,"
             " 'align_corners': False, 'upsample': 'x1', 'channels': %d},"
             " 'random_split': False}",
             v->p, v->p, v->D, v->L, v->heads, v->D, o[0], o[1], o[2], o[3], o[0], o[1], o[2], o[3], v->Ch);
    pw_options opt = {.class_name = "isegm.model.is_plainvit_model.PlainVitModel",
                      .params = params,
                      .seed = 4321,
                      .fill = fill,
                      .fill_ctx = fill_ctx};
    return pw_write(pth, l->t, l->n, &opt);
}

#endif
