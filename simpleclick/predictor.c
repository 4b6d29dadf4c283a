/* BasePredictor (isegm/inference/predictors/base.py) as CFR-ICL's get_predictor(model, 'NoBRS',
 * prob_thresh=0.49, predictor_params={'cascade_step': 5, 'cascade_adaptive': True,
 * 'cascade_clicks': 1}, zoom_in_params={'skip_clicks': -1, 'target_size': (448, 448)}) builds
 * it, in the study's one-pass call (baselines.md §1, §2.6-§2.8, §4.1). Its transforms are
 * ZoomIn, SigmoidForPred, AddHorizontalFlip; a network call crops the image and the previous
 * prediction to ZoomIn's ROI, resizes them to 448x448, runs the batch [x, flip_W(x)], averages
 * the flipped logits, takes the sigmoid, and resizes the result back into the ROI of a zero
 * map. With one click the calls repeat (each one's result the next one's previous mask) until
 * at most 20 pixels of the mask change, at most 5 times. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iseg/click_input.h"
#include "nn/nn.h"
#include "simpleclick/plainvit.h"
#include "simpleclick/simpleclick.h"
#include "util/err.h"
#include "util/mem.h"

/* ZoomIn's parameters here: expansion_ratio 1.4, min_crop_size 200, recompute_thresh_iou 0.5,
 * prob_thresh 0.5 (compared in float32) */
#define ZOOM_EXPANSION 1.4
#define ZOOM_MIN_CROP 200.0
#define ZOOM_RECOMPUTE_IOU 0.5
#define ZOOM_PROB_THRESH 0.5f
/* the cascade: cascade_step 5, for at most cascade_clicks 1 click, stopping when at most 20
 * pixels of the mask (prob > pred_thr) change */
#define CASCADE_STEPS 5
#define CASCADE_CLICKS 1
#define CASCADE_STOP_PIXELS 20

typedef struct {
    iseg base;
    simpleclick_net net;
    nn_arena arena; /* a prediction's work memory, kept from one to the next */
    float *image;   /* the set image as ToTensor gives it: x[3][H][W] in [0, 1] */
    int H, W;
} simpleclick_model;

static const iseg_ops ops;

static int set_image(iseg *m, const uint8_t *rgb, int H, int W) {
    simpleclick_model *s = (simpleclick_model *)m;
    free(s->image);
    s->H = s->W = 0;
    if (!(s->image = util_xmalloc_array((size_t)3 * H, (size_t)W * sizeof(float)))) return -1;
    iseg_image_to_chw(s->image, rgb, H, W);
    s->H = H, s->W = W;
    return 0;
}

/* get_object_roi (isegm/inference/transforms/zoom_in.py): the bounding box of
 * (probs > prob_thresh) with each positive click's pixel set, expanded by expand_bbox about
 * its centre (Python's round: half to even, rint) and clamped to the image */
static simpleclick_roi object_roi(const float *probs, int H, int W, const iseg_click *clicks, int n) {
    int rmin = H, rmax = -1, cmin = W, cmax = -1;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
            if (probs[(size_t)r * W + c] > ZOOM_PROB_THRESH) {
                rmin = r < rmin ? r : rmin, rmax = r > rmax ? r : rmax;
                cmin = c < cmin ? c : cmin, cmax = c > cmax ? c : cmax;
            }
    for (int k = 0; k < n; k++)
        if (clicks[k].is_positive) {
            int r = clicks[k].row, c = clicks[k].col;
            rmin = r < rmin ? r : rmin, rmax = r > rmax ? r : rmax;
            cmin = c < cmin ? c : cmin, cmax = c > cmax ? c : cmax;
        }
    double rc = 0.5 * (rmin + rmax), cc = 0.5 * (cmin + cmax);
    double h = fmax(ZOOM_EXPANSION * (rmax - rmin + 1), ZOOM_MIN_CROP);
    double w = fmax(ZOOM_EXPANSION * (cmax - cmin + 1), ZOOM_MIN_CROP);
    simpleclick_roi roi = {(int)rint(rc - 0.5 * h), (int)rint(rc + 0.5 * h), (int)rint(cc - 0.5 * w),
                           (int)rint(cc + 0.5 * w)};
    /* clamp_bbox */
    roi.rmin = roi.rmin < 0 ? 0 : roi.rmin > H - 1 ? H - 1 : roi.rmin;
    roi.rmax = roi.rmax < 0 ? 0 : roi.rmax > H - 1 ? H - 1 : roi.rmax;
    roi.cmin = roi.cmin < 0 ? 0 : roi.cmin > W - 1 ? W - 1 : roi.cmin;
    roi.cmax = roi.cmax < 0 ? 0 : roi.cmax > W - 1 ? W - 1 : roi.cmax;
    return roi;
}

/* get_segments_iou of closed integer intervals [a, b] and [c, d]; the "union" is their span */
static double segments_iou(int a, int b, int c, int d) {
    double inter = fmax(0.0, (double)((b < d ? b : d) - (a > c ? a : c) + 1));
    double uni = fmax(1e-6, (double)((b > d ? b : d) - (a < c ? a : c) + 1));
    return inter / uni;
}

static double bbox_iou(const simpleclick_roi *a, const simpleclick_roi *b) {
    return segments_iou(a->rmin, a->rmax, b->rmin, b->rmax) * segments_iou(a->cmin, a->cmax, b->cmin, b->cmax);
}

/* check_object_roi: every positive click inside the ROI, whose max side counts as outside */
static int clicks_inside(const simpleclick_roi *roi, const iseg_click *clicks, int n) {
    for (int k = 0; k < n; k++) {
        const iseg_click *c = &clicks[k];
        if (c->is_positive && (c->row < roi->rmin || c->row >= roi->rmax || c->col < roi->cmin || c->col >= roi->cmax))
            return 0;
    }
    return 1;
}

/* ZoomIn's state between the calls of one prediction */
typedef struct {
    int have_roi, have_probs;
    simpleclick_roi roi;
} zoom_state;

/* ZoomIn.transform's choice of ROI, given prev_probs (the previous call's probabilities, if
 * have_probs): the candidate is the object's ROI, or with no object the whole image
 * (skip_clicks < 0); it replaces the ROI when there is none, a positive click lies outside it
 * or the two overlap by less than recompute_thresh_iou */
static void zoom_update_roi(zoom_state *z, const float *prev_probs, int H, int W, const iseg_click *clicks, int n) {
    simpleclick_roi cand = {0, H - 1, 0, W - 1};
    if (z->have_probs) {
        size_t HW = (size_t)H * W, i = 0;
        while (i < HW && !(prev_probs[i] > ZOOM_PROB_THRESH)) i++;
        if (i < HW) cand = object_roi(prev_probs, H, W, clicks, n);
    }
    if (!z->have_roi || !clicks_inside(&z->roi, clicks, n) || bbox_iou(&cand, &z->roi) < ZOOM_RECOMPUTE_IOU) {
        z->roi = cand;
        z->have_roi = 1;
    }
}

/* The buffers of one prediction, from the model's arena. */
typedef struct {
    simpleclick_work wk;
    float *image_nd; /* [2][4][S][S]: the ROI of cat(x, prev) resized, and its flip */
    float *crop;     /* [4][rh][rw] of the ROI, then [rh][rw] of the probabilities */
    float *points;   /* [2][2P][3] */
    double *rowcol;  /* [2][n]: clicks' coordinates as the transforms make them */
    float *logits;   /* [2][S][S] */
    float *avg;      /* [S][S] */
} call_buffers;

/* One network call (§2.1, §4.1): ZoomIn, the flip, the network, and the inverse transforms in
 * reverse order, prev (the previous prediction, zeros at first) -> out[H][W]. */
static int network_call(simpleclick_model *s, call_buffers *cb, zoom_state *z, const iseg_click *clicks, int n,
                        int P, const float *prev, float *out) {
    int H = s->H, W = s->W, S = s->net.img_size;
    size_t HW = (size_t)H * W, SS = (size_t)S * S;
    zoom_update_roi(z, prev, H, W, clicks, n);
    const simpleclick_roi *r = &z->roi;
    int rh = r->rmax - r->rmin + 1, rw = r->cmax - r->cmin + 1;

    /* get_roi_image_nd: cat(x, prev) cropped to the ROI (all 4 channels), resized with
     * align_corners=True to S x S; then AddHorizontalFlip's batch element 1 */
    for (int c = 0; c < 4; c++) {
        const float *src = c < 3 ? s->image + (size_t)c * HW : prev;
        for (int y = 0; y < rh; y++)
            memcpy(cb->crop + ((size_t)c * rh + y) * rw, src + (size_t)(r->rmin + y) * W + r->cmin,
                   (size_t)rw * sizeof(float));
    }
    if (nn_bilinear_ac_forward(cb->image_nd, cb->crop, 4, rh, rw, S, S)) return -1;
    iseg_flip_w(cb->image_nd + 4 * SS, cb->image_nd, 4, S, S);

    /* ZoomIn._transform_clicks: crop_size * (coord - min) / (max - min + 1), integers
     * until the true division; then the flip's (S - col) - 1, in double */
    double *row = cb->rowcol, *col = cb->rowcol + n;
    for (int k = 0; k < n; k++) {
        row[k] = (double)((int64_t)S * (clicks[k].row - r->rmin)) / (double)rh;
        col[k] = (double)((int64_t)S * (clicks[k].col - r->cmin)) / (double)rw;
    }
    iseg_points_fill(cb->points, clicks, row, col, n, P);
    for (int k = 0; k < n; k++) col[k] = (S - col[k]) - 1;
    iseg_points_fill(cb->points + (size_t)6 * P, clicks, row, col, n, P);

    if (simpleclick_net_forward(&s->net, &cb->wk, cb->image_nd, cb->points, P, cb->logits)) return -1;

    /* AddHorizontalFlip's inverse on logits, then SigmoidForPred's */
    iseg_flip_w(cb->avg, cb->logits + SS, 1, S, S);
    for (size_t i = 0; i < SS; i++) cb->avg[i] = 0.5f * (cb->logits[i] + cb->avg[i]);
    nn_sigmoid_inplace(cb->avg, SS);
    /* ZoomIn's inverse: resized to the ROI, pasted into zeros. The first call (no previous
     * probabilities) keeps the resized map as it is, which is the same: its ROI is the whole
     * image. */
    if (nn_bilinear_ac_forward(cb->crop, cb->avg, 1, S, S, rh, rw)) return -1;
    memset(out, 0, HW * sizeof(float));
    for (int y = 0; y < rh; y++)
        memcpy(out + (size_t)(r->rmin + y) * W + r->cmin, cb->crop + (size_t)y * rw, (size_t)rw * sizeof(float));
    z->have_probs = 1;
    return 0;
}

/* pixels whose mask (p > pred_thr) differs between a and b */
static size_t mask_changes(const float *a, const float *b, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += (a[i] > ISEG_THRESHOLD) != (b[i] > ISEG_THRESHOLD);
    return k;
}

int simpleclick_predict_traced(iseg *m, const iseg_click *clicks, int n, float *prob, simpleclick_call_hook hook,
                               void *ctx) {
    if (m->ops != &ops) return util_err("simpleclick: the model is a %s model", m->ops->family);
    simpleclick_model *s = (simpleclick_model *)m;
    if (!s->image) return util_err("simpleclick: predict before set_image");
    int H = s->H, W = s->W, S = s->net.img_size, P = iseg_points_per_sign(clicks, n);
    for (int k = 0; k < n; k++)
        if (clicks[k].row < 0 || clicks[k].row >= H || clicks[k].col < 0 || clicks[k].col >= W)
            return util_err("simpleclick: click %d at (row %d, col %d) is outside the %dx%d image", k, clicks[k].row,
                            clicks[k].col, H, W);
    size_t HW = (size_t)H * W, SS = (size_t)S * S;
    nn_arena_reset(&s->arena);
    call_buffers cb;
    if (simpleclick_work_alloc(&cb.wk, &s->net, &s->arena, 2)) return -1;
    cb.image_nd = nn_arena_alloc(&s->arena, 8 * SS, sizeof(float));
    cb.crop = nn_arena_alloc(&s->arena, 4 * HW, sizeof(float));
    cb.points = nn_arena_alloc(&s->arena, (size_t)12 * P, sizeof(float));
    cb.rowcol = nn_arena_alloc(&s->arena, (size_t)2 * n, sizeof(double));
    cb.logits = nn_arena_alloc(&s->arena, 2 * SS, sizeof(float));
    cb.avg = nn_arena_alloc(&s->arena, SS, sizeof(float));
    float *prev = nn_arena_alloc(&s->arena, HW, sizeof(float)), *cur = nn_arena_alloc(&s->arena, HW, sizeof(float));
    if (!cb.image_nd || !cb.crop || !cb.points || !cb.rowcol || !cb.logits || !cb.avg || !prev || !cur)
        return util_err_context("simpleclick: predict");

    /* set_input_image's state: prev_prediction zeros, no ROI, no prev_probs (ZoomIn's
     * prev_probs is always the last prediction, so prev serves as both) */
    memset(prev, 0, HW * sizeof(float));
    zoom_state z = {0};
    int steps = n <= CASCADE_CLICKS ? CASCADE_STEPS : 1;
    for (int i = 0; i < steps; i++) {
        if (network_call(s, &cb, &z, clicks, n, P, prev, cur)) return -1;
        if (hook) hook(ctx, i, &z.roi, cb.image_nd, S, cb.points, P, cur, H, W);
        int stop = i > 0 && mask_changes(cur, prev, HW) <= CASCADE_STOP_PIXELS;
        float *t = prev;
        prev = cur, cur = t;
        if (stop) break;
    }
    memcpy(prob, prev, HW * sizeof(float));
    return 0;
}

static int predict(iseg *m, const iseg_click *clicks, int n, float *prob) {
    return simpleclick_predict_traced(m, clicks, n, prob, NULL, NULL);
}

static void model_free(iseg *m) {
    simpleclick_model *s = (simpleclick_model *)m;
    nn_arena_free(&s->arena);
    free(s->image);
    free(s);
}

static const iseg_ops ops = {"simpleclick", set_image, predict, model_free};

iseg *simpleclick_open(const samw *w) {
    if (strcmp(samw_family(w), "simpleclick")) {
        util_err("simpleclick: the file holds a %s model", samw_family(w));
        return NULL;
    }
    simpleclick_model *s = util_xcalloc_array(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &ops;
    if (simpleclick_net_load(&s->net, w)) {
        free(s);
        return NULL;
    }
    return &s->base;
}
