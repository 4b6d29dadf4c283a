/* BasePredictor (isegm/inference/predictors/base.py) as get_predictor(model, 'NoBRS') builds
 * it for RITM, in the study's one-pass call (baselines.md §1, §3.1). Of its transforms
 * (ZoomIn, SigmoidForPred, AddHorizontalFlip) ZoomIn never acts there: with one click it
 * skips, with more it has no previous probabilities. So a prediction is the network on the
 * batch [x4, flip_W(x4)] at the full image size, x4 = cat(x, zeros), and
 * prob = sigmoid(0.5 * (l0 + flip_W(l1))). */
#include <stdlib.h>
#include <string.h>

#include "iseg/click_input.h"
#include "nn/nn.h"
#include "ritm/ritm.h"
#include "ritm/ritm_net.h"
#include "util/err.h"
#include "util/mem.h"

typedef struct {
    iseg base;
    ritm_net net;
    nn_arena arena; /* a prediction's work memory, kept from one to the next */
    float *image;   /* the set image as ToTensor gives it: x[3][H][W] in [0, 1] */
    int H, W;
} ritm_model;

void ritm_points_nd(float *pts, const iseg_click *clicks, int n, int P, int W, double *scratch) {
    double *row = scratch, *col = scratch + n;
    for (int k = 0; k < n; k++) {
        row[k] = clicks[k].row;
        col[k] = clicks[k].col;
    }
    iseg_points_fill(pts, clicks, row, col, n, P);
    for (int k = 0; k < n; k++) col[k] = (W - col[k]) - 1; /* AddHorizontalFlip */
    iseg_points_fill(pts + (size_t)2 * P * 3, clicks, row, col, n, P);
}

static int set_image(iseg *m, const uint8_t *rgb, int H, int W) {
    ritm_model *r = (ritm_model *)m;
    free(r->image);
    r->H = r->W = 0;
    if (!(r->image = util_xmalloc_array((size_t)3 * H, (size_t)W * sizeof(float)))) return -1;
    iseg_image_to_chw(r->image, rgb, H, W);
    r->H = H, r->W = W;
    return 0;
}

static int predict(iseg *m, const iseg_click *clicks, int n, float *prob) {
    ritm_model *r = (ritm_model *)m;
    if (!r->image) return util_err("ritm: predict before set_image");
    int H = r->H, W = r->W, P = iseg_points_per_sign(clicks, n);
    size_t HW = (size_t)H * W;
    nn_arena_reset(&r->arena);
    ritm_work wk;
    if (ritm_work_alloc(&wk, &r->net, &r->arena, H, W)) return -1;
    float *points = nn_arena_alloc(&r->arena, (size_t)12 * P, sizeof(float)); /* [2][2P][3] */
    double *scratch = nn_arena_alloc(&r->arena, (size_t)2 * n, sizeof(double));
    float *x4 = nn_arena_alloc(&r->arena, 8 * HW, sizeof(float));     /* image_nd [2][4][H][W] */
    float *logits = nn_arena_alloc(&r->arena, 2 * HW, sizeof(float)); /* instances [2][H][W] */
    if (!points || !scratch || !x4 || !logits) return util_err_context("ritm: predict");
    ritm_points_nd(points, clicks, n, P, W, scratch);

    /* the batch [cat(x, prev_prediction), its flip]; prev_prediction is zeros after
     * set_image, and so is its flip */
    memcpy(x4, r->image, 3 * HW * sizeof(float));
    memset(x4 + 3 * HW, 0, HW * sizeof(float));
    iseg_flip_w(x4 + 4 * HW, r->image, 3, H, W);
    memset(x4 + 7 * HW, 0, HW * sizeof(float));
    if (ritm_net_forward_batch(&r->net, &wk, 2, x4, points, P, logits, 1)) return -1;

    /* the inverse transforms in reverse order: the flip's 0.5 * (l0 + flip_W(l1)), then the
     * sigmoid */
    float *flipped = x4;
    iseg_flip_w(flipped, logits + HW, 1, H, W);
    for (size_t i = 0; i < HW; i++) prob[i] = 0.5f * (logits[i] + flipped[i]);
    nn_sigmoid_inplace(prob, HW);
    return 0;
}

static void model_free(iseg *m) {
    ritm_model *r = (ritm_model *)m;
    nn_arena_free(&r->arena);
    free(r->image);
    free(r);
}

static const iseg_ops ops = {"ritm", set_image, predict, model_free};

iseg *ritm_open(const samw *w) {
    if (strcmp(samw_family(w), "ritm")) {
        util_err("ritm: the file holds a %s model", samw_family(w));
        return NULL;
    }
    ritm_model *r = util_xcalloc_array(1, sizeof *r);
    if (!r) return NULL;
    r->base.ops = &ops;
    if (ritm_net_load(&r->net, w)) {
        free(r);
        return NULL;
    }
    return &r->base;
}
