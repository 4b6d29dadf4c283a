/* ISModel.forward (isegm/model/is_model.py) as HRNetModel runs it: prepare_input, the click
 * features, maps_transform, the feature extractor, the final resize (baselines.md §3.2 steps
 * 1, 2, 9); and the work memory of a pass. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "iseg/click_input.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "ritm/ritm_net.h"
#include "util/err.h"

/* Image bounds that keep every map's pixel count, and an im2col band's columns, in an int. */
#define MAX_SIDE 32768
#define MAX_PIXELS ((int64_t)1 << 28)
/* An im2col band's floats (16 MB), unless one output row needs more. */
#define COLS_BUDGET ((uint64_t)1 << 22)

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Hands out consecutive pieces of a slab, each a multiple of 16 floats (64 bytes); with no
 * slab (base NULL) it only counts. */
typedef struct {
    float *base;
    uint64_t used;
} carver;

static float *take(carver *c, uint64_t n) {
    float *p = c->base ? c->base + c->used : NULL;
    c->used += (n + 15) / 16 * 16;
    return p;
}

/* Where each buffer of wk lies in the two slabs, and the slabs' sizes n1, n2 in floats. A
 * slab holds one phase's buffers after another's: slab 1 the stem's inputs, then layer1's
 * maps, then the aggregated features; slab 2 the stem's output, then the stages' branches,
 * then the OCR head's maps. Each phase reads only the other slab's last buffers. */
static void layout(ritm_work *wk, const ritm_net *net, float *s1, float *s2, uint64_t *n1, uint64_t *n2) {
    uint64_t HW = (uint64_t)wk->H * wk->W, H2W2 = (uint64_t)((wk->H + 1) / 2) * ((wk->W + 1) / 2);
    uint64_t Q = (uint64_t)wk->h[0] * wk->w[0], L = 0, branch_max = 0;
    uint64_t mid = (uint64_t)net->conv3x3_ocr.conv.oc, key = (uint64_t)net->f_down.conv.oc;
    for (int i = 0; i < RITM_BRANCHES; i++) {
        L += (uint64_t)net->channels[i];
        branch_max = max_u64(branch_max, (uint64_t)net->channels[i] * wk->h[i] * wk->w[i]);
    }

    carver c = {s1, 0};
    wk->rgb = take(&c, 3 * HW);
    wk->coord = take(&c, 3 * HW);
    wk->mt_c1 = take(&c, max_u64(16 * HW, 64 * H2W2));
    wk->maps = take(&c, 64 * H2W2);
    *n1 = c.used;
    c = (carver){s1, 0};
    for (int k = 0; k < 2; k++) wk->l1_x[k] = take(&c, 256 * Q);
    for (int k = 0; k < 2; k++) wk->l1_t[k] = take(&c, 64 * Q);
    *n1 = max_u64(*n1, c.used);
    c = (carver){s1, 0};
    wk->feats = take(&c, L * Q);
    *n1 = max_u64(*n1, c.used);

    c = (carver){s2, 0};
    wk->stem = take(&c, 64 * Q);
    *n2 = c.used;
    c = (carver){s2, 0};
    for (int i = 0; i < RITM_BRANCHES; i++) {
        wk->x[i] = take(&c, (uint64_t)net->channels[i] * wk->h[i] * wk->w[i]);
        wk->y[i] = take(&c, (uint64_t)net->channels[i] * wk->h[i] * wk->w[i]);
    }
    for (int k = 0; k < 3; k++) wk->tmp[k] = take(&c, branch_max);
    *n2 = max_u64(*n2, c.used);
    c = (carver){s2, 0};
    wk->aux_mid = take(&c, max_u64(L, mid) * Q);
    wk->ocr_feats = take(&c, mid * Q);
    wk->aux = take(&c, Q);
    wk->cls = take(&c, Q);
    wk->context = take(&c, 3 * mid + key);
    *n2 = max_u64(*n2, c.used);
}

int ritm_work_alloc(ritm_work *wk, const ritm_net *net, nn_arena *a, int H, int W) {
    if (H < 1 || W < 1 || H > MAX_SIDE || W > MAX_SIDE || (int64_t)H * W > MAX_PIXELS)
        return samc_err("ritm: image of %dx%d pixels is empty or above %d per side or 2^28 in all", H, W, MAX_SIDE);
    *wk = (ritm_work){.H = H, .W = W};
    wk->h[0] = ((H + 1) / 2 + 1) / 2;
    wk->w[0] = ((W + 1) / 2 + 1) / 2;
    for (int i = 1; i < RITM_BRANCHES; i++) {
        wk->h[i] = (wk->h[i - 1] + 1) / 2;
        wk->w[i] = (wk->w[i - 1] + 1) / 2;
    }
    uint64_t n1, n2, L = 0;
    for (int i = 0; i < RITM_BRANCHES; i++) L += (uint64_t)net->channels[i];
    layout(wk, net, NULL, NULL, &n1, &n2);
    /* one output row of the widest 3x3 conv (of 256 or L input channels at H/4, or 16 at H/2) */
    uint64_t cols = max_u64(COLS_BUDGET, 9 * max_u64(256, L) * (uint64_t)wk->w[0]);
    if (n1 > SIZE_MAX / sizeof(float) || n2 > SIZE_MAX / sizeof(float) || cols > SIZE_MAX / sizeof(float))
        return samc_err("ritm: work memory for a %dx%d image is too large", H, W);
    float *s1 = nn_arena_alloc(a, (size_t)n1, sizeof(float));
    float *s2 = s1 ? nn_arena_alloc(a, (size_t)n2, sizeof(float)) : NULL;
    wk->cols = s2 ? nn_arena_alloc(a, (size_t)cols, sizeof(float)) : NULL;
    if (!wk->cols) return samc_err_context("ritm: work memory for a %dx%d image", H, W);
    wk->cols_cap = (size_t)cols;
    layout(wk, net, s1, s2, &n1, &n2);
    return 0;
}

/* maps_transform: Conv1x1 3 -> 16 (bias), LeakyReLU(0.2), Conv3x3 s2 16 -> 64 (bias), times
 * |scale| (ScaleLayer, lr_mult 1): coord[3][H][W] -> maps[64][H/2][W/2] */
static int maps_transform_forward(const ritm_net *net, ritm_work *wk) {
    int H = wk->H, W = wk->W;
    size_t n = (size_t)net->maps_transform2.oc * ((H + 1) / 2) * ((W + 1) / 2);
    if (ritm_conv_forward(&net->maps_transform0, wk->mt_c1, wk->coord, H, W, wk)) return -1;
    leaky_relu_inplace(wk->mt_c1, (size_t)net->maps_transform0.oc * H * W, 0.2f);
    if (ritm_conv_forward(&net->maps_transform2, wk->maps, wk->mt_c1, H, W, wk)) return -1;
    float scale = fabsf(net->maps_transform_scale[0]);
    float *m = wk->maps;
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) m[i] *= scale;
    return 0;
}

int ritm_net_forward(const ritm_net *net, ritm_work *wk, const float *image_nd, const float *points, int P,
                     float *instances, int trace) {
    int H = wk->H, W = wk->W, HW = H * W;
    /* prepare_input: the RGB normalised, the previous mask as it is */
    iseg_normalize_rgb(wk->rgb, image_nd, HW);
    /* get_coord_features: cat(prev_mask, DistMaps(points)) */
    memcpy(wk->coord, image_nd + (size_t)3 * HW, (size_t)HW * sizeof(float));
    iseg_disk_maps(wk->coord + HW, points, P, H, W, (float)net->norm_radius);
    if (maps_transform_forward(net, wk)) return -1;
    if (trace) nn_trace("maps_transform", wk->maps, 1, net->maps_transform2.oc, (H + 1) / 2, (W + 1) / 2);
    if (ritm_hrnet_forward(net, wk, trace) || ritm_ocr_head_forward(net, wk, trace)) return -1;
    /* instances: bilinear (align_corners) from H/4 to the input size */
    if (bilinear_ac_forward(instances, wk->cls, 1, wk->h[0], wk->w[0], H, W)) return -1;
    if (trace) nn_trace("instances", instances, 1, 1, H, W);
    return 0;
}
