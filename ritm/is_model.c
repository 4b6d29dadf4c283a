/* ISModel.forward (isegm/model/is_model.py) as HRNetModel runs it: prepare_input, the click
 * features, maps_transform, the feature extractor, the final resize (baselines.md §3.2 steps
 * 1, 2, 9); and the work memory of a pass. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "iseg/click_input.h"
#include "nn/arena.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "ritm/ritm_net.h"
#include "util/err.h"

/* Image bounds that keep every map's pixel count, and an im2col band's columns, in an int. */
#define MAX_SIDE 32768
#define MAX_PIXELS ((int64_t)1 << 28)

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Where each buffer of wk lies in the two slabs, and the slabs' sizes n1, n2 in floats, for
 * a batch of RITM_BATCH at wk->threads threads. A slab holds one phase's buffers after
 * another's: slab 1 the stem's inputs, then layer1's maps, then the OCR head's (with the
 * aggregated features, or in fast mode the coarse products in their place); slab 2 the stem's
 * output, then the stages' branches, which the OCR head reads in fast mode. Each phase reads
 * only the other slab's last buffers. */
static void layout(ritm_work *wk, const ritm_net *net, float *s1, float *s2, uint64_t *n1, uint64_t *n2) {
    const uint64_t B = RITM_BATCH;
    uint64_t HW = B * wk->H * wk->W, H2W2 = B * ((wk->H + 1) / 2) * ((wk->W + 1) / 2);
    uint64_t Q1 = (uint64_t)wk->h[0] * wk->w[0], Q = B * Q1, L = 0, branch_max = 0, coarse = 0;
    uint64_t mid = (uint64_t)net->conv3x3_ocr.conv.oc, key = (uint64_t)net->f_down.conv.oc;
    for (int i = 0; i < RITM_BRANCHES; i++) {
        L += (uint64_t)net->channels[i];
        branch_max = max_u64(branch_max, B * net->channels[i] * wk->h[i] * wk->w[i]);
        if (i) coarse += (uint64_t)wk->h[i] * wk->w[i];
    }

    nn_slab c = {s1, 0};
    wk->rgb = nn_slab_take(&c, 3 * HW);
    wk->coord = nn_slab_take(&c, 3 * HW);
    wk->mt_c1 = nn_slab_take(&c, max_u64(16 * HW, 64 * H2W2));
    wk->maps = nn_slab_take(&c, 64 * H2W2);
    *n1 = c.used;
    c = (nn_slab){s1, 0};
    for (int k = 0; k < 2; k++) wk->l1_x[k] = nn_slab_take(&c, 256 * Q);
    for (int k = 0; k < 2; k++) wk->l1_t[k] = nn_slab_take(&c, 64 * Q);
    *n1 = max_u64(*n1, c.used);
    /* the OCR head: feats, or fast mode's buffers (ritm/upsampled_convs.c): conv3x3_ocr's
     * weights regrouped; one image's products at the branches' sizes (9 mid or L channels per
     * pixel) and its upsampled share (mid or L per pixel of branch 0); each thread's rows */
    c = (nn_slab){s1, 0};
    nn_slab f = {s1, 0};
    wk->feats = nn_slab_take(&c, L * Q);
    wk->ocr_w = nn_slab_take(&f, 9 * mid * L);
    wk->ocr_coarse = nn_slab_take(&f, max_u64(9 * mid, L) * coarse);
    wk->ocr_up = nn_slab_take(&f, max_u64(mid, L) * Q1);
    wk->ocr_rows = nn_slab_take(&f, (uint64_t)wk->threads * max_u64(3 * mid, L) * wk->w[1]);
    c.used = max_u64(c.used, f.used);
    wk->aux_mid = nn_slab_take(&c, max_u64(L, mid) * Q);
    wk->ocr_feats = nn_slab_take(&c, mid * Q);
    wk->aux = nn_slab_take(&c, Q);
    wk->cls = nn_slab_take(&c, Q);
    wk->context = nn_slab_take(&c, B * (3 * mid + key));
    *n1 = max_u64(*n1, c.used);

    c = (nn_slab){s2, 0};
    wk->stem = nn_slab_take(&c, 64 * Q);
    *n2 = c.used;
    c = (nn_slab){s2, 0};
    for (int i = 0; i < RITM_BRANCHES; i++) {
        wk->x[i] = nn_slab_take(&c, branch_max);
        wk->y[i] = nn_slab_take(&c, branch_max);
    }
    for (int k = 0; k < 3; k++) wk->tmp[k] = nn_slab_take(&c, branch_max);
    *n2 = max_u64(*n2, c.used);
}

int ritm_work_alloc(ritm_work *wk, const ritm_net *net, nn_arena *a, int H, int W) {
    if (H < 1 || W < 1 || H > MAX_SIDE || W > MAX_SIDE || (int64_t)H * W > MAX_PIXELS)
        return util_err("ritm: image of %dx%d pixels is empty or above %d per side or 2^28 in all", H, W, MAX_SIDE);
    *wk = (ritm_work){.H = H, .W = W};
    wk->h[0] = ((H + 1) / 2 + 1) / 2;
    wk->w[0] = ((W + 1) / 2 + 1) / 2;
    for (int i = 1; i < RITM_BRANCHES; i++) {
        wk->h[i] = (wk->h[i - 1] + 1) / 2;
        wk->w[i] = (wk->w[i - 1] + 1) / 2;
    }
    wk->threads = omp_get_max_threads();
    uint64_t n1, n2, L = 0;
    for (int i = 0; i < RITM_BRANCHES; i++) L += (uint64_t)net->channels[i];
    layout(wk, net, NULL, NULL, &n1, &n2);
    /* per thread, a tile of the widest 3x3 conv (256 or L input channels at H/4, 16 at H/2):
     * RITM_TILE_PIXELS, or one output row if longer, of im2col rows of ic*9 floats */
    uint64_t w2 = (uint64_t)(W + 1) / 2, w0 = (uint64_t)wk->w[0];
    uint64_t cols = max_u64(9 * 16 * max_u64(w2, RITM_TILE_PIXELS),
                            9 * max_u64(256, L) * max_u64(w0, RITM_TILE_PIXELS));
    cols *= (uint64_t)wk->threads;
    if (n1 > SIZE_MAX / sizeof(float) || n2 > SIZE_MAX / sizeof(float) || cols > SIZE_MAX / sizeof(float))
        return util_err("ritm: work memory for a %dx%d image is too large", H, W);
    float *s1 = nn_arena_alloc(a, (size_t)n1, sizeof(float));
    float *s2 = s1 ? nn_arena_alloc(a, (size_t)n2, sizeof(float)) : NULL;
    wk->cols = s2 ? nn_arena_alloc(a, (size_t)cols, sizeof(float)) : NULL;
    /* the resize taps of branches 1..3 up to branch 0's size, rows then columns */
    size_t taps = (size_t)2 * (wk->h[0] + wk->w[0]);
    int *ti = wk->cols ? nn_arena_alloc(a, RITM_BRANCHES * taps, sizeof(int)) : NULL;
    float *tl = ti ? nn_arena_alloc(a, RITM_BRANCHES * taps, sizeof(float)) : NULL;
    if (!tl) return util_err_context("ritm: work memory for a %dx%d image", H, W);
    wk->cols_cap = (size_t)cols;
    layout(wk, net, s1, s2, &n1, &n2);
    for (int i = 1; i < RITM_BRANCHES; i++) {
        ritm_taps *t = &wk->taps[i];
        int h = wk->h[0], w = wk->w[0];
        t->y0 = ti + i * taps, t->y1 = t->y0 + h, t->x0 = t->y1 + h, t->x1 = t->x0 + w;
        t->ly0 = tl + i * taps, t->ly1 = t->ly0 + h, t->lx0 = t->ly1 + h, t->lx1 = t->lx0 + w;
        nn_bilinear_ac_taps(t->y0, t->y1, t->ly0, t->ly1, wk->h[i], h);
        nn_bilinear_ac_taps(t->x0, t->x1, t->lx0, t->lx1, wk->w[i], w);
    }
    return 0;
}

/* maps_transform: Conv1x1 3 -> 16 (bias), LeakyReLU(0.2), Conv3x3 s2 16 -> 64 (bias), times
 * |scale| (ScaleLayer, lr_mult 1): coord[B][3][H][W] -> maps[B][64][H/2][W/2] */
static int maps_transform_forward(const ritm_net *net, ritm_work *wk) {
    int B = wk->B, H = wk->H, W = wk->W;
    size_t n = (size_t)B * net->maps_transform2.oc * ((H + 1) / 2) * ((W + 1) / 2);
    if (ritm_layer_forward(&net->maps_transform0, NULL, NULL, 0, wk->mt_c1, wk->coord, B, H, W, wk)) return -1;
    nn_leaky_relu_inplace(wk->mt_c1, (size_t)B * net->maps_transform0.oc * H * W, 0.2f);
    if (ritm_layer_forward(&net->maps_transform2, NULL, NULL, 0, wk->maps, wk->mt_c1, B, H, W, wk)) return -1;
    float scale = fabsf(net->maps_transform_scale[0]);
    float *m = wk->maps;
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) m[i] *= scale;
    return 0;
}

int ritm_net_forward_batch(const ritm_net *net, ritm_work *wk, int B, const float *image_nd, const float *points,
                           int P, float *instances, int trace) {
    if (B < 1 || B > RITM_BATCH) return util_err("ritm: a batch of %d images (1..%d)", B, RITM_BATCH);
    int H = wk->H, W = wk->W, HW = H * W;
    wk->B = B;
    for (int b = 0; b < B; b++) {
        const float *x = image_nd + (size_t)b * 4 * HW;
        float *coord = wk->coord + (size_t)b * 3 * HW;
        /* prepare_input: the RGB normalised, the previous mask as it is */
        iseg_normalize_rgb(wk->rgb + (size_t)b * 3 * HW, x, HW);
        /* get_coord_features: cat(prev_mask, DistMaps(points)) */
        memcpy(coord, x + (size_t)3 * HW, (size_t)HW * sizeof(float));
        iseg_disk_maps(coord + HW, points + (size_t)b * 2 * P * 3, P, H, W, (float)net->norm_radius);
    }
    if (maps_transform_forward(net, wk)) return -1;
    if (trace) nn_trace("maps_transform", wk->maps, 1, net->maps_transform2.oc, (H + 1) / 2, (W + 1) / 2);
    if (ritm_hrnet_forward(net, wk, trace) || ritm_ocr_head_forward(net, wk, trace)) return -1;
    /* instances: bilinear (align_corners) from H/4 to the input size */
    if (nn_bilinear_ac_forward(instances, wk->cls, B, wk->h[0], wk->w[0], H, W)) return -1;
    if (trace) nn_trace("instances", instances, 1, 1, H, W);
    return 0;
}

int ritm_net_forward(const ritm_net *net, ritm_work *wk, const float *image_nd, const float *points, int P,
                     float *instances, int trace) {
    return ritm_net_forward_batch(net, wk, 1, image_nd, points, P, instances, trace);
}
