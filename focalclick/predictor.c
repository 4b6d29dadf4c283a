/* ClickSEG's BaselinePredictor (isegm/inference/predictors/baseline.py) as get_predictor(model,
 * 'NoBRS', prob_thresh=0.49) builds it for FocalClick, in the study's one-pass call
 * (baselines.md §1, §5.1). Of its transforms (ZoomIn, ResizeTrans(256), SigmoidForPred) ZoomIn
 * never acts there: with one click it skips, with more it has no previous probabilities; no
 * flip is added and the refiner never runs. So a prediction is the network on
 * cat(x, zeros) resized to 256x256, clicks scaled to that size, and
 * prob = resize(sigmoid(logits)) back to H x W (bilinear, align_corners=True). */
#include <stdlib.h>
#include <string.h>

#include "focalclick/focalclick.h"
#include "focalclick/focalclick_net.h"
#include "iseg/click_input.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "util/err.h"
#include "util/mem.h"

typedef struct {
    iseg base;
    focalclick_net net;
    nn_arena arena; /* a prediction's work memory, kept from one to the next */
    float *image;   /* the set image as ToTensor gives it: x[3][H][W] in [0, 1] */
    int H, W;
} focalclick_model;

int focalclick_image_nd(float *out, const float *x, int H, int W, int size) {
    size_t plane = (size_t)size * size;
    /* the previous-mask channel is zeros, and so is its resize */
    memset(out + 3 * plane, 0, plane * sizeof(float));
    return nn_bilinear_ac_forward(out, x, 3, H, W, size, size);
}

void focalclick_points_nd(float *pts, const iseg_click *clicks, int n, int P, int H, int W, int size,
                          double *scratch) {
    double *row = scratch, *col = scratch + n;
    double y_ratio = (double)size / H, x_ratio = (double)size / W; /* ResizeTrans: crop / image size */
    for (int k = 0; k < n; k++) {
        row[k] = clicks[k].row * y_ratio;
        col[k] = clicks[k].col * x_ratio;
    }
    iseg_points_fill(pts, clicks, row, col, n, P);
}

static int set_image(iseg *m, const uint8_t *rgb, int H, int W) {
    focalclick_model *f = (focalclick_model *)m;
    free(f->image);
    f->image = NULL;
    f->H = f->W = 0;
    if (!(f->image = util_xmalloc_array((size_t)3 * H, (size_t)W * sizeof(float)))) return -1;
    iseg_image_to_chw(f->image, rgb, H, W);
    f->H = H, f->W = W;
    return 0;
}

static int predict(iseg *m, const iseg_click *clicks, int n, float *prob) {
    focalclick_model *f = (focalclick_model *)m;
    if (!f->image) return util_err("focalclick: predict before set_image");
    const int S = FOCALCLICK_INFER_SIZE;
    int P = iseg_points_per_sign(clicks, n);
    nn_arena_reset(&f->arena);
    focalclick_work wk;
    if (focalclick_work_alloc(&wk, &f->net, &f->arena, S, S)) return -1;
    float *points = nn_arena_alloc(&f->arena, (size_t)6 * P, sizeof(float)); /* [2P][3] */
    double *scratch = nn_arena_alloc(&f->arena, (size_t)2 * n, sizeof(double));
    float *image_nd = nn_arena_alloc(&f->arena, (size_t)4 * S * S, sizeof(float));
    float *logits = nn_arena_alloc(&f->arena, (size_t)S * S, sizeof(float));
    if (!points || !scratch || !image_nd || !logits) return util_err_context("focalclick: predict");
    if (focalclick_image_nd(image_nd, f->image, f->H, f->W, S)) return -1;
    focalclick_points_nd(points, clicks, n, P, f->H, f->W, S, scratch);
    if (focalclick_net_forward(&f->net, &wk, image_nd, points, P, logits, nn_trace_enabled())) return -1;
    /* the inverse transforms in reverse order: the sigmoid, then ResizeTrans back to H x W */
    nn_sigmoid_inplace(logits, (size_t)S * S);
    return nn_bilinear_ac_forward(prob, logits, 1, S, S, f->H, f->W);
}

static void model_free(iseg *m) {
    focalclick_model *f = (focalclick_model *)m;
    nn_arena_free(&f->arena);
    free(f->image);
    free(f);
}

static const iseg_ops ops = {"focalclick", set_image, predict, model_free};

iseg *focalclick_open(const samw *w) {
    if (strcmp(samw_family(w), "focalclick")) {
        util_err("focalclick: the file holds a %s model", samw_family(w));
        return NULL;
    }
    focalclick_model *f = util_xcalloc_array(1, sizeof *f);
    if (!f) return NULL;
    f->base.ops = &ops;
    if (focalclick_net_load(&f->net, w)) {
        free(f);
        return NULL;
    }
    return &f->base;
}
