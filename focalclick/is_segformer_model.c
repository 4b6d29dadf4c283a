/* SegFormerModel.forward (ClickSEG's isegm/model/is_segformer_model.py) for pipeline 's2':
 * prepare_input, the click features cat(prev_mask, dist_maps_base disks), the SegFormer
 * feature extractor at the input size, and the final bilinear resize of its logits
 * (align_corners=True) to the input size (baselines.md §5.2). */
#include <string.h>

#include "focalclick/focalclick_net.h"
#include "iseg/click_input.h"
#include "nn/nn.h"
#include "util/err.h"

/* The largest input side accepted: 16x the predictor's, and every buffer size below fits a
 * size_t with room to spare. */
#define MAX_SIDE 4096

static float *take(nn_arena *a, size_t n) { return nn_arena_alloc(a, n, sizeof(float)); }

int focalclick_work_alloc(focalclick_work *wk, const focalclick_net *net, nn_arena *a, int h, int w) {
    if (h < 1 || w < 1 || h > MAX_SIDE || w > MAX_SIDE)
        return util_err("focalclick: network input %dx%d outside 1..%d", h, w, MAX_SIDE);
    *wk = (focalclick_work){.h = h, .w = w};
    const int *E = net->embed_dims;
    size_t hw = (size_t)h * w, max_ne = 0, max_kv = 0, max_cols = 0, max_mha = 0, N[FOCALCLICK_STAGES];
    for (int s = 0; s < FOCALCLICK_STAGES; s++) {
        /* OverlapPatchEmbed's conv: k7 s4 p3, then k3 s2 p1 */
        int ih = s ? wk->gh[s - 1] : h, iw = s ? wk->gw[s - 1] : w, ic = s ? E[s - 1] : 3, k = s ? 3 : 7;
        wk->gh[s] = (ih - 1) / (s ? 2 : 4) + 1;
        wk->gw[s] = (iw - 1) / (s ? 2 : 4) + 1;
        N[s] = (size_t)wk->gh[s] * wk->gw[s];
        int r = net->sr_ratios[s];
        size_t nk = r > 1 ? (size_t)(wk->gh[s] / r) * (size_t)(wk->gw[s] / r) : N[s];
        if (nk < 1)
            return util_err("focalclick: network input %dx%d too small for stage %d's sr ratio %d", h, w, s + 1, r);
        size_t ne = N[s] * (size_t)E[s], cols = (size_t)ic * k * k * N[s], sr_cols = nk * (size_t)E[s] * r * r;
        size_t mha = nn_mha_scratch_size((int)N[s], (int)nk);
        if (!mha) return util_err("focalclick: attention scratch size overflows");
        max_ne = ne > max_ne ? ne : max_ne;
        max_kv = 2 * nk * (size_t)E[s] > max_kv ? 2 * nk * (size_t)E[s] : max_kv;
        max_cols = cols > max_cols ? cols : max_cols;
        max_cols = r > 1 && sr_cols > max_cols ? sr_cols : max_cols;
        max_mha = mha > max_mha ? mha : max_mha;
    }
    size_t De = (size_t)net->decoder_dim;
    if (!(wk->rgb = take(a, 3 * hw)) || !(wk->coord = take(a, 3 * hw)) || !(wk->map = take(a, max_ne)) ||
        !(wk->proj = take(a, max_ne)) || !(wk->cols = take(a, max_cols)) || !(wk->x = take(a, max_ne)) ||
        !(wk->side = take(a, N[0] * (size_t)E[0])) || !(wk->xn = take(a, max_ne)) || !(wk->q = take(a, max_ne)) ||
        !(wk->attn = take(a, max_ne)) || !(wk->y = take(a, max_ne)) || !(wk->kv = take(a, max_kv)) ||
        !(wk->sr = take(a, max_kv / 2)) || !(wk->hidden = take(a, 4 * max_ne)) ||
        !(wk->hidden2 = take(a, 4 * max_ne)) || !(wk->mha_scratch = take(a, max_mha)) ||
        !(wk->cat = take(a, 4 * De * N[0])) || !(wk->head_tmp = take(a, De * N[1])) ||
        !(wk->fuse = take(a, De * N[0])) || !(wk->pred = take(a, N[0])))
        return util_err_context("focalclick: work memory");
    for (int s = 0; s < FOCALCLICK_STAGES; s++)
        if (!(wk->c[s] = take(a, N[s] * (size_t)E[s]))) return util_err_context("focalclick: work memory");
    return 0;
}

int focalclick_net_forward(const focalclick_net *net, focalclick_work *wk, const float *image_nd, const float *points,
                           int P, float *instances, int trace) {
    int h = wk->h, w = wk->w;
    size_t hw = (size_t)h * w;
    /* prepare_input: the normalised RGB, and channel 3 as the previous mask (a probability) */
    iseg_normalize_rgb(wk->rgb, image_nd, (int)hw);
    /* get_coord_features: cat(prev_mask, dist_maps_base(image, points)) */
    memcpy(wk->coord, image_nd + 3 * hw, hw * sizeof(float));
    iseg_disk_maps(wk->coord + hw, points, P, h, w, net->disk_radius);
    /* 's2': the backbone sees the image and the click features at full input size */
    focalclick_mit_forward(net, wk, trace);
    if (focalclick_segformer_head_forward(net, wk, trace)) return -1;
    return nn_bilinear_ac_forward(instances, wk->pred, 1, wk->gh[0], wk->gw[0], h, w);
}
