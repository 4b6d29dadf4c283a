/* sam/automatic_mask_generator: the pipeline (filters, NMS, crops, small regions, order)
 * driven by a synthetic model whose masks are squares around the prompt point, so every
 * expected record can be worked out by hand. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sam/automatic_mask_generator.h"

/* Each of the three masks of a point is a square of logit 2 with half-size `half` around the
 * point (rounded down, crop frame), optionally with a ring of logit 0.5 out to `ring`, a
 * 1-pixel hole at its centre, or an extra 1-pixel island at (island_x, island_y); half < 0
 * means the whole crop. */
typedef struct {
    int half, ring, hole, island_x, island_y;
    float iou;
} fake_mask;

typedef struct {
    fake_mask k[3];
    float iou_step; /* added to every IoU once per point decoded so far */
    int crop_h, crop_w;
    int calls, points_seen;
} fake_model;

static int fake_set_image(void *ctx, const uint8_t *rgb, int h, int w, int stride) {
    (void)rgb, (void)stride;
    fake_model *f = ctx;
    f->crop_h = h, f->crop_w = w;
    return 0;
}

static int fake_decode(void *ctx, const double *xy, int n, float keep_iou_above, float *iou, float *low) {
    (void)keep_iou_above;
    fake_model *f = ctx;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++) {
            iou[3 * i + k] = f->k[k].iou + f->iou_step * (float)f->points_seen;
            float *l = low + (size_t)(3 * i + k) * 16;
            memset(l, 0, 16 * sizeof(float));
            l[0] = (float)xy[2 * i], l[1] = (float)xy[2 * i + 1], l[2] = (float)k;
        }
        f->points_seen++;
    }
    f->calls++;
    return 0;
}

static int fake_upscale(void *ctx, const float *low, float *out) {
    const fake_model *f = ctx;
    int cx = (int)floorf(low[0]), cy = (int)floorf(low[1]);
    const fake_mask *m = &f->k[(int)low[2]];
    for (int y = 0; y < f->crop_h; y++)
        for (int x = 0; x < f->crop_w; x++) {
            int d = abs(x - cx) > abs(y - cy) ? abs(x - cx) : abs(y - cy);
            float v = -2.0f;
            if (m->half < 0 || d <= m->half) v = 2.0f;
            else if (d <= m->ring) v = 0.5f;
            if (m->hole && d == 0) v = -2.0f;
            if (m->island_x && x == m->island_x && y == m->island_y) v = 2.0f;
            out[(size_t)y * f->crop_w + x] = v;
        }
    return 0;
}

static amg_model fake_bind(fake_model *f) {
    amg_model m = {f, 4, fake_set_image, fake_decode, fake_upscale};
    return m;
}

static sam_amg_params params(int pps, double iou, double stab) {
    sam_amg_params p;
    sam_amg_params_default(&p);
    p.points_per_side = pps;
    p.pred_iou_thresh = iou;
    p.stability_score_thresh = stab;
    return p;
}

static int box_is(const sam_amg_mask *m, int x0, int y0, int x1, int y1) {
    return m->box[0] == x0 && m->box[1] == y0 && m->box[2] == x1 && m->box[3] == y1;
}

TEST(iou_filter_and_score_order) {
    /* 40 x 40, 2 x 2 grid at 10 and 30; mask 0: 7x7 square (IoU 0.9), mask 1: 13x13 (0.95),
     * mask 2: whole image (0.5, dropped by pred_iou_thresh 0.88). The IoUs grow by 0.001 per
     * point, so the output is mask 1 of points 3,2,1,0 then mask 0 of points 3,2,1,0. */
    fake_model f = {.k = {{3, 0, 0, 0, 0, 0.9f}, {6, 0, 0, 0, 0, 0.95f}, {-1, 0, 0, 0, 0, 0.5f}}, .iou_step = 0.001f};
    amg_model m = fake_bind(&f);
    uint8_t img[40 * 40 * 3] = {0};
    sam_amg_params p = params(2, 0.88, 0.95);
    sam_amg_result r;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 8 && f.calls == 1 && !r.boxes_are_float);
    if (r.n != 8) return;
    const double px[4] = {10, 30, 10, 30}, py[4] = {10, 10, 30, 30};
    for (int i = 0; i < 8; i++) {
        int pt = 3 - i % 4, k = i < 4 ? 1 : 0, half = k ? 6 : 3;
        const sam_amg_mask *a = &r.masks[i];
        CHECK(a->point[0] == px[pt] && a->point[1] == py[pt] && a->multimask_index == k);
        CHECK(box_is(a, (int)px[pt] - half, (int)py[pt] - half, (int)px[pt] + half, (int)py[pt] + half));
        CHECK(sam_amg_rle_area(&a->rle) == (uint64_t)(2 * half + 1) * (2 * half + 1));
        CHECK(a->predicted_iou == (k ? 0.95f : 0.9f) + 0.001f * (float)pt);
        CHECK(a->stability_score == 1.0f); /* no logit in (-1, 1] */
        CHECK(a->crop_box[0] == 0 && a->crop_box[1] == 0 && a->crop_box[2] == 40 && a->crop_box[3] == 40);
    }
    sam_amg_result_free(&r);
}

TEST(stability_filter_and_float_boxes) {
    /* mask 0: 5x5 of logit 2 inside a 7x7 ring of 0.5: stability 25/49 (the area of the mask
     * is 49); mask 1: the same with a ring out to 9x9: 25/81; mask 2: a plain 5x5: 1.0. One
     * point per batch; IoUs 0.32, 0.41, 0.47 + 0.1 * point; pred_iou_thresh 0.5 drops all of
     * point 0's masks, so its batch keeps nothing and the boxes become float. */
    fake_model f = {.k = {{2, 3, 0, 0, 0, 0.32f}, {2, 4, 0, 0, 0, 0.41f}, {2, 0, 0, 0, 0, 0.47f}}, .iou_step = 0.1f};
    amg_model m = fake_bind(&f);
    uint8_t img[40 * 40 * 3] = {0};
    sam_amg_params p = params(2, 0.5, 0.0);
    p.points_per_batch = 1;
    sam_amg_result r;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(f.calls == 4 && r.boxes_are_float);
    /* kept: point 1 masks 1, 2; points 2 and 3 all. Box IoUs within a point are 36/64, 16/36
     * and 16/64, all below 0.7, and the points are far apart: nothing is suppressed. */
    CHECK(r.n == 8);
    if (r.n == 8) {
        /* descending IoU: p3 m2 0.77, p3 m1 0.71, p2 m2 0.67, ..., p2 m0 0.52, p1 m1 0.51 */
        CHECK(r.masks[0].point[0] == 30 && r.masks[0].point[1] == 30 && r.masks[0].multimask_index == 2);
        CHECK(r.masks[7].point[0] == 30 && r.masks[7].point[1] == 10 && r.masks[7].multimask_index == 1);
        for (int i = 0; i < 8; i++) {
            const sam_amg_mask *a = &r.masks[i];
            int k = a->multimask_index;
            CHECK(a->stability_score == (k == 0 ? 25.0f / 49.0f : k == 1 ? 25.0f / 81.0f : 1.0f));
            CHECK(sam_amg_rle_area(&a->rle) == (uint64_t)(k == 0 ? 49 : k == 1 ? 81 : 25));
            if (i) CHECK(a->predicted_iou <= r.masks[i - 1].predicted_iou);
        }
    }
    sam_amg_result_free(&r);
    /* the stability filter at 0.6 keeps only the plain squares (and no batch is then empty
     * except point 0's, which the IoU filter emptied) */
    p.stability_score_thresh = 0.6;
    f.points_seen = 0;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 3 && r.boxes_are_float);
    for (int i = 0; i < r.n; i++) CHECK(r.masks[i].multimask_index == 2);
    sam_amg_result_free(&r);
    /* no filter empties a batch: boxes stay integers */
    p.pred_iou_thresh = 0.0, p.stability_score_thresh = 0.0;
    f.points_seen = 0;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 12 && !r.boxes_are_float);
    sam_amg_result_free(&r);
}

TEST(box_nms_removes_duplicates) {
    /* mask 2 is the whole image for every point: four identical boxes, the highest IoU wins */
    fake_model f = {.k = {{3, 0, 0, 0, 0, 0.9f}, {3, 0, 0, 0, 0, 0.8f}, {-1, 0, 0, 0, 0, 0.5f}}, .iou_step = 0.001f};
    amg_model m = fake_bind(&f);
    uint8_t img[40 * 40 * 3] = {0};
    sam_amg_params p = params(2, 0.0, 0.0);
    sam_amg_result r;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    /* masks 0 and 1 of a point are equal (mask 1 suppressed); 4 squares + 1 whole image */
    CHECK(r.n == 5);
    if (r.n == 5) {
        CHECK(r.masks[4].multimask_index == 2 && box_is(&r.masks[4], 0, 0, 39, 39));
        CHECK(r.masks[4].point[0] == 30 && r.masks[4].point[1] == 30); /* point 3: IoU 0.503 */
        CHECK(sam_amg_rle_area(&r.masks[4].rle) == 1600);
        for (int i = 0; i < 4; i++) CHECK(r.masks[i].multimask_index == 0);
    }
    sam_amg_result_free(&r);
}

TEST(crops_edge_filter_and_crop_nms) {
    /* 200 x 200 with one crop layer: crops [0,0,134,134] [0,66,134,200] [66,0,200,134]
     * [66,66,200,200] after the image; one point per crop at its centre. Mask 0: 7x7 square
     * (0.9), mask 1: the whole crop (0.95), mask 2: the same square (0.8, a duplicate). The
     * sub-crops' whole-crop masks touch an inner crop edge and are dropped. */
    fake_model f = {.k = {{3, 0, 0, 0, 0, 0.9f}, {-1, 0, 0, 0, 0, 0.95f}, {3, 0, 0, 0, 0, 0.8f}}};
    amg_model m = fake_bind(&f);
    uint8_t *img = calloc(200 * 200 * 3, 1);
    sam_amg_params p = params(1, 0.0, 0.0);
    p.crop_n_layers = 1;
    sam_amg_result r;
    CHECK(sam_amg_generate(&m, img, 200, 200, &p, &r) == 0);
    CHECK(f.calls == 5);
    CHECK(r.n == 6);
    if (r.n == 6) {
        /* smaller crops first (score 1/area), in crop order; then the image's two masks */
        CHECK(box_is(&r.masks[0], 64, 64, 70, 70) && r.masks[0].crop_box[2] == 134);
        CHECK(box_is(&r.masks[1], 64, 130, 70, 136) && r.masks[1].crop_box[1] == 66);
        CHECK(box_is(&r.masks[2], 130, 64, 136, 70) && r.masks[2].crop_box[0] == 66);
        CHECK(box_is(&r.masks[3], 130, 130, 136, 136));
        CHECK(r.masks[1].point[0] == 67 && r.masks[1].point[1] == 133);
        CHECK(box_is(&r.masks[4], 0, 0, 199, 199) && r.masks[4].crop_box[2] == 200);
        CHECK(box_is(&r.masks[5], 97, 97, 103, 103) && r.masks[5].multimask_index == 0);
        /* the RLE is over the whole image: the crop's square lands at its global place */
        uint8_t *mask = malloc(200 * 200);
        CHECK(sam_amg_rle_decode(&r.masks[1].rle, mask) == 0);
        CHECK(mask[133 * 200 + 67] == 1 && mask[129 * 200 + 67] == 0 && sam_amg_rle_area(&r.masks[1].rle) == 49);
        free(mask);
    }
    sam_amg_result_free(&r);
    free(img);
}

TEST(small_regions_postprocess) {
    /* one point at (20, 20) of 40 x 40. mask 0: 13x13 square with a 1-pixel hole (0.9);
     * mask 1: the same square without the hole (0.8, suppressed by mask 0 in box NMS);
     * mask 2: 7x7 square at the point plus a 1-pixel island at (35, 35) (0.7) */
    fake_model f = {.k = {{6, 0, 1, 0, 0, 0.9f}, {6, 0, 0, 0, 0, 0.8f}, {3, 0, 0, 35, 35, 0.7f}}};
    amg_model m = fake_bind(&f);
    uint8_t img[40 * 40 * 3] = {0};
    sam_amg_params p = params(1, 0.0, 0.0);
    sam_amg_result r;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 2 && box_is(&r.masks[1], 17, 17, 35, 35) && sam_amg_rle_area(&r.masks[0].rle) == 168);
    sam_amg_result_free(&r);
    /* area 2: both change (hole filled, island removed), both kept in order, new boxes */
    p.min_mask_region_area = 2;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 2);
    if (r.n == 2) {
        CHECK(r.masks[0].multimask_index == 0 && sam_amg_rle_area(&r.masks[0].rle) == 169);
        CHECK(r.masks[1].multimask_index == 2 && box_is(&r.masks[1], 17, 17, 23, 23));
        CHECK(sam_amg_rle_area(&r.masks[1].rle) == 49);
    }
    sam_amg_result_free(&r);
    /* without the island, mask 2 is unchanged and NMS puts it before the changed mask 0 */
    f.k[2].island_x = 0;
    CHECK(sam_amg_generate(&m, img, 40, 40, &p, &r) == 0);
    CHECK(r.n == 2 && r.masks[0].multimask_index == 2 && r.masks[1].multimask_index == 0);
    sam_amg_result_free(&r);
}

TEST(bad_parameters) {
    fake_model f = {0};
    amg_model m = fake_bind(&f);
    uint8_t img[3] = {0};
    sam_amg_result r;
    sam_amg_params p = params(0, 0.88, 0.95);
    CHECK(sam_amg_generate(&m, img, 1, 1, &p, &r) == -1);
    p = params(4, NAN, 0.95);
    CHECK(sam_amg_generate(&m, img, 1, 1, &p, &r) == -1);
    p = params(4, 0.88, 0.95);
    p.crop_n_layers = 2, p.crop_n_points_downscale_factor = 4; /* layer 2: int(4/16) = 0 points */
    CHECK(sam_amg_generate(&m, img, 1, 1, &p, &r) == -1);
    p = params(4, 0.88, 0.95);
    CHECK(sam_amg_generate(&m, img, 0, 5, &p, &r) == -1);
    CHECK(f.calls == 0);
}

int main(void) {
    RUN(iou_filter_and_score_order);
    RUN(stability_filter_and_float_boxes);
    RUN(box_nms_removes_duplicates);
    RUN(crops_edge_filter_and_crop_nms);
    RUN(small_regions_postprocess);
    RUN(bad_parameters);
    return check_summary();
}
