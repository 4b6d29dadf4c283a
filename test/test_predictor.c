/* sam/predictor: parity of the prompt encoder + mask decoder + postprocessing with the
 * official SamPredictor.predict, on every case of the three fixture models, from the fixture
 * embedding and end to end from image.png. Tolerances are those of test/fixtures/README.md:
 * logits within 1e-3 x max |reference|, IoU within 1e-4, masks identical wherever
 * |reference logit| > 1e-3. sam-small's cases other than `box` have no reference logits.npy;
 * there the masks must agree wherever OUR |logit| > 1e-3 (the low-res logits, which the
 * upscaled ones interpolate, are still checked against the reference). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/image.h"
#include "io/npy.h"
#include "nn/blas.h"
#include "nn/mode.h"
#include "sam/predictor.h"
#include "samc.h"
#include "test_models.h"

static const char *k_cases[] = {"iterative_mask_input", "box_points", "point1_single", "point1_multi",
                                "points3_mixed", "box", "box_multi", "point_corner"};
#define ALL_CASES 8

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static double max_abs(const float *a, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fabs(a[i]) > m ? fabs(a[i]) : m;
    return m;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fabs((double)a[i] - b[i]) > m ? fabs((double)a[i] - b[i]) : m;
    return m;
}

/* A case's inputs, read from test/fixtures/MODEL/cases/NAME. */
typedef struct {
    npy_array coords, labels, box, mask;
    int has_coords, has_box, has_mask, multimask;
    int labels_i[16];
    sam_prompt prompt;
} fixture_case;

static int read_case(const char *dir, fixture_case *fc) {
    char path[512];
    memset(fc, 0, sizeof *fc);
    snprintf(path, sizeof path, "%s/point_coords.npy", dir);
    if ((fc->has_coords = file_exists(path))) {
        if (io_npy_read(path, &fc->coords) || fc->coords.dtype != NPY_F64) return -1;
        snprintf(path, sizeof path, "%s/point_labels.npy", dir);
        if (io_npy_read(path, &fc->labels) || fc->labels.dtype != NPY_I32 || fc->labels.count > 16) return -1;
        for (size_t i = 0; i < fc->labels.count; i++) fc->labels_i[i] = ((int32_t *)fc->labels.data)[i];
        fc->prompt.n_points = (int)fc->labels.count;
        fc->prompt.points = fc->coords.data;
        fc->prompt.labels = fc->labels_i;
    }
    snprintf(path, sizeof path, "%s/box.npy", dir);
    if ((fc->has_box = file_exists(path))) {
        if (io_npy_read(path, &fc->box) || fc->box.dtype != NPY_F64 || fc->box.count != 4) return -1;
        fc->prompt.box = fc->box.data;
    }
    snprintf(path, sizeof path, "%s/mask_input.npy", dir);
    if ((fc->has_mask = file_exists(path))) {
        if (io_npy_read(path, &fc->mask) || fc->mask.dtype != NPY_F32) return -1;
        fc->prompt.mask_input = fc->mask.data;
    }
    snprintf(path, sizeof path, "%s/multimask", dir);
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%d", &fc->multimask) != 1) {
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    fc->prompt.multimask = fc->multimask;
    return 0;
}

static void free_case(fixture_case *fc) {
    if (fc->has_coords) {
        io_npy_free(&fc->coords);
        io_npy_free(&fc->labels);
    }
    if (fc->has_box) io_npy_free(&fc->box);
    if (fc->has_mask) io_npy_free(&fc->mask);
}

/* Runs one case on predictor p (image or embedding already set) and compares it with the
 * reference outputs. */
static void check_case(const sam_model *m, sam_predictor *p, const char *model, const char *name) {
    char dir[256], path[512];
    snprintf(dir, sizeof dir, "test/fixtures/%s/cases/%s", model, name);
    fixture_case fc;
    npy_array ref_low, ref_iou, ref_masks, ref_logits;
    CHECK(read_case(dir, &fc) == 0);
    snprintf(path, sizeof path, "%s/low_res_logits.npy", dir);
    CHECK(io_npy_read(path, &ref_low) == 0);
    snprintf(path, sizeof path, "%s/iou_predictions.npy", dir);
    CHECK(io_npy_read(path, &ref_iou) == 0);
    snprintf(path, sizeof path, "%s/masks.npy", dir);
    CHECK(io_npy_read(path, &ref_masks) == 0 && ref_masks.ndim == 3 && ref_masks.dtype == NPY_BOOL);
    snprintf(path, sizeof path, "%s/logits.npy", dir);
    int has_logits = file_exists(path) && io_npy_read(path, &ref_logits) == 0;
    if (check_failures_in_test) return;

    int K = (int)ref_masks.shape[0], H = (int)ref_masks.shape[1], W = (int)ref_masks.shape[2];
    sam_prediction out;
    CHECK(sam_predict(p, &fc.prompt, &out) == 0);
    if (!check_failures_in_test) {
        size_t HW = (size_t)H * W;
        CHECK(out.k == K && out.h == H && out.w == W && out.low_res == 4 * sam_model_embed_grid(m));
        CHECK(ref_low.count == (size_t)K * out.low_res * out.low_res);
        double lm = max_abs(ref_low.data, ref_low.count), ld = max_diff(out.low_res_logits, ref_low.data, ref_low.count);
        CHECK_MSG(ld <= 1e-3 * lm, "%s/%s low_res_logits max diff %g (max abs %g)", model, name, ld, lm);
        double id = max_diff(out.iou, ref_iou.data, (size_t)K);
        CHECK_MSG(id <= 1e-4, "%s/%s iou max diff %g", model, name, id);
        const uint8_t *rm = ref_masks.data;
        size_t flips = 0;
        double gd = 0, gm = 0;
        if (has_logits) {
            const float *rl = ref_logits.data;
            gm = max_abs(rl, ref_logits.count);
            gd = max_diff(out.logits, rl, ref_logits.count);
            CHECK_MSG(gd <= 1e-3 * gm, "%s/%s logits max diff %g (max abs %g)", model, name, gd, gm);
            for (size_t i = 0; i < (size_t)K * HW; i++) flips += fabsf(rl[i]) > 1e-3f && out.masks[i] != (rm[i] != 0);
        } else { /* no reference logits: judge near-zero pixels by our own logit */
            for (size_t i = 0; i < (size_t)K * HW; i++)
                flips += fabsf(out.logits[i]) > 1e-3f && out.masks[i] != (rm[i] != 0);
        }
        CHECK_MSG(flips == 0, "%s/%s %zu mask pixels differ", model, name, flips);
        printf("    %s/%s: low_res %.3g/%.3g iou %.3g logits %.3g/%.3g\n", model, name, ld, lm, id, gd, gm);
        sam_prediction_free(&out);
    }
    free_case(&fc);
    io_npy_free(&ref_low);
    io_npy_free(&ref_iou);
    io_npy_free(&ref_masks);
    if (has_logits) io_npy_free(&ref_logits);
}

/* All cases of a model: from the fixture embedding, or (from_image) end to end from
 * image.png through set_image (resize, preprocess, image encoder). */
static void check_model(const char *name, int from_image, int n_cases) {
    char path[256];
    npy_array emb;
    sam_model *m = test_model_load(name);
    CHECK_MSG(m != NULL, "%s: %s", name, samc_errmsg());
    snprintf(path, sizeof path, "test/fixtures/%s/embedding.npy", name);
    CHECK(io_npy_read(path, &emb) == 0);
    if (check_failures_in_test) return;
    CHECK(emb.count == (size_t)sam_model_embed_channels(m) * sam_model_embed_grid(m) * sam_model_embed_grid(m));
    sam_predictor *p = sam_predictor_new(m);
    uint8_t *rgb = NULL;
    int h = 0, w = 0;
    snprintf(path, sizeof path, "test/fixtures/%s/image.png", name);
    CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0);
    if (from_image) {
        CHECK(p && sam_predictor_set_image(p, rgb, h, w) == 0);
        if (!check_failures_in_test) { /* within the encoder's own tolerance */
            double em = max_abs(emb.data, emb.count), ed = max_diff(sam_predictor_embedding(p), emb.data, emb.count);
            CHECK_MSG(ed <= 1e-4 * em, "%s embedding max diff %g (max abs %g)", name, ed, em);
        }
    } else {
        CHECK(p && sam_predictor_set_embedding(p, emb.data, h, w) == 0);
    }
    if (!check_failures_in_test)
        for (int c = 0; c < n_cases; c++) check_case(m, p, name, k_cases[c]);
    free(rgb);
    sam_predictor_free(p);
    io_npy_free(&emb);
    sam_model_free(m);
}

TEST(predictor_matches_fixture_cases) {
    check_model("sam-tiny", 0, ALL_CASES);
    check_model("sam-small", 0, ALL_CASES);
    check_model("sam-demo", 0, ALL_CASES);
}

/* end to end: image.png -> set_image (resize, preprocess, image encoder) -> predict */
TEST(predictor_from_image_matches_fixture_cases) {
    check_model("sam-tiny", 1, ALL_CASES);
    check_model("sam-demo", 1, ALL_CASES);
    check_model("sam-small", 1, ALL_CASES);
}

/* nn's portable reference mode (fixed-order sums, own elementary functions) is within the
 * parity tolerances too; sam-tiny's first two cases (mask input; box and clicks) only, as
 * the portable matrix products are slow */
TEST(reference_mode_matches_fixture_cases) {
    nn_set_reference_mode(1);
    check_model("sam-tiny", 0, 2);
    nn_set_reference_mode(0);
}

/* sam-tiny's point1_multi prompt, run on a predictor with the fixture embedding */
static sam_model *g_tiny;
static npy_array g_emb;

static int tiny_predict(sam_prediction *out, const sam_prompt *pr) {
    sam_predictor *p = sam_predictor_new(g_tiny);
    int rc = p ? sam_predictor_set_embedding(p, g_emb.data, 200, 300) : -1;
    if (!rc) rc = sam_predict(p, pr, out);
    sam_predictor_free(p);
    return rc;
}

static int same_prediction(const sam_prediction *a, const sam_prediction *b) {
    size_t LL = (size_t)a->low_res * a->low_res, HW = (size_t)a->h * a->w;
    return a->k == b->k && !memcmp(a->iou, b->iou, a->k * sizeof(float)) &&
           !memcmp(a->low_res_logits, b->low_res_logits, a->k * LL * sizeof(float)) &&
           !memcmp(a->logits, b->logits, a->k * HW * sizeof(float)) && !memcmp(a->masks, b->masks, a->k * HW);
}

TEST(predictor_same_bits_any_threads_and_runs) {
    double pts[4] = {150, 100, 40, 170}, box[4] = {20, 30, 200, 180};
    int labels[2] = {1, 0};
    sam_prompt pr = {.n_points = 2, .points = pts, .labels = labels, .box = box, .multimask = 1};
    sam_prediction r1, r2, r3;
    nn_blas_set_threads(1);
    CHECK(tiny_predict(&r1, &pr) == 0);
    nn_blas_set_threads(2);
    CHECK(tiny_predict(&r2, &pr) == 0);
    CHECK(tiny_predict(&r3, &pr) == 0);
    if (!check_failures_in_test) {
        CHECK(same_prediction(&r1, &r2));
        CHECK(same_prediction(&r2, &r3));
    }
    sam_prediction_free(&r1);
    sam_prediction_free(&r2);
    sam_prediction_free(&r3);
}

/* a prompt with a mask input takes its own image terms in fast mode: the same bits at 1 and
 * 2 threads too */
TEST(mask_input_same_bits_any_threads) {
    int L = 4 * sam_model_embed_grid(g_tiny);
    float *mask = malloc((size_t)L * L * sizeof(float));
    for (int i = 0; i < L * L; i++) mask[i] = (float)((i * 37) % 23) - 11.0f; /* logits of both signs */
    double pts[2] = {120, 90};
    int label = 1;
    sam_prompt pr = {.n_points = 1, .points = pts, .labels = &label, .mask_input = mask, .multimask = 0};
    sam_prediction r1, r2;
    nn_blas_set_threads(1);
    CHECK(tiny_predict(&r1, &pr) == 0);
    nn_blas_set_threads(2);
    CHECK(tiny_predict(&r2, &pr) == 0);
    if (!check_failures_in_test) CHECK(same_prediction(&r1, &r2));
    sam_prediction_free(&r1);
    sam_prediction_free(&r2);
    free(mask);
}

/* the decoder's image terms follow the image: a predictor that had another embedding first
 * answers exactly as a fresh one */
TEST(new_embedding_replaces_image_terms) {
    size_t n = g_emb.count;
    float *other = malloc(n * sizeof(float));
    const float *emb = g_emb.data;
    for (size_t i = 0; i < n; i++) other[i] = -0.5f * emb[i];
    double pts[2] = {150, 100};
    int label = 1;
    sam_prompt pr = {.n_points = 1, .points = pts, .labels = &label, .multimask = 1};
    sam_prediction before, fresh, after;
    sam_predictor *p = sam_predictor_new(g_tiny);
    CHECK(p && sam_predictor_set_embedding(p, other, 200, 300) == 0 && sam_predict(p, &pr, &before) == 0);
    CHECK(sam_predictor_set_embedding(p, g_emb.data, 200, 300) == 0 && sam_predict(p, &pr, &after) == 0);
    CHECK(tiny_predict(&fresh, &pr) == 0);
    if (!check_failures_in_test) {
        CHECK(same_prediction(&after, &fresh));
        CHECK(!same_prediction(&before, &fresh));
    }
    sam_prediction_free(&before);
    sam_prediction_free(&fresh);
    sam_prediction_free(&after);
    sam_predictor_free(p);
    free(other);
}

TEST(points_batch_agrees_with_predict) {
    /* the AMG path (float64 coordinates until normalised) against predict() on the same
     * single clicks: equal up to the last bit of the normalised coordinate */
    double pts[4] = {150, 100, 0, 199};
    sam_predictor *p = sam_predictor_new(g_tiny);
    CHECK(p && sam_predictor_set_embedding(p, g_emb.data, 200, 300) == 0);
    int L = 4 * sam_model_embed_grid(g_tiny);
    size_t LL = (size_t)L * L;
    float *low = malloc(2 * 3 * LL * sizeof(float)), iou[6];
    CHECK(sam_predict_points_batch(p, pts, 2, 1, low, iou) == 0);
    for (int i = 0; i < 2 && !check_failures_in_test; i++) {
        int lab = 1;
        sam_prompt pr = {.n_points = 1, .points = pts + 2 * i, .labels = &lab, .multimask = 1};
        sam_prediction r;
        CHECK(sam_predict(p, &pr, &r) == 0 && r.k == 3);
        if (check_failures_in_test) break;
        double mx = max_abs(r.low_res_logits, 3 * LL);
        CHECK(max_diff(low + i * 3 * LL, r.low_res_logits, 3 * LL) <= 1e-4 * mx);
        CHECK(max_diff(iou + 3 * i, r.iou, 3) <= 1e-5);
        /* postprocessing the batch output gives predict()'s upscaled logits */
        float *up = malloc(3 * (size_t)r.h * r.w * sizeof(float));
        CHECK(sam_postprocess_logits(p, low + i * 3 * LL, 3, up) == 0);
        CHECK(max_diff(up, r.logits, 3 * (size_t)r.h * r.w) <= 1e-4 * mx);
        free(up);
        sam_prediction_free(&r);
    }
    free(low);
    sam_predictor_free(p);
}

/* the batch splits its prompts over threads (one-thread sgemm each): the same bits at 1 and
 * 2 threads, and each prompt's outputs those of a batch of that prompt alone */
TEST(points_batch_same_bits_any_threads) {
    double pts[6] = {150, 100, 0, 199, 299, 3};
    sam_predictor *p = sam_predictor_new(g_tiny);
    CHECK(p && sam_predictor_set_embedding(p, g_emb.data, 200, 300) == 0);
    int L = 4 * sam_model_embed_grid(g_tiny);
    size_t n = 3 * 3 * (size_t)L * L;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float)), *c = malloc(n * sizeof(float));
    float ia[9], ib[9], ic[9];
    nn_blas_set_threads(1);
    CHECK(sam_predict_points_batch(p, pts, 3, 1, a, ia) == 0);
    nn_blas_set_threads(2);
    CHECK(sam_predict_points_batch(p, pts, 3, 1, b, ib) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(sam_predict_points_batch(p, pts + 2 * i, 1, 1, c + (size_t)i * 3 * L * L, ic + 3 * i) == 0);
    CHECK(!memcmp(a, b, n * sizeof(float)) && !memcmp(ia, ib, sizeof ia));
    CHECK(!memcmp(b, c, n * sizeof(float)) && !memcmp(ib, ic, sizeof ib));
    free(a);
    free(b);
    free(c);
    sam_predictor_free(p);
}

TEST(predictor_rejects_bad_input) {
    sam_predictor *p = sam_predictor_new(g_tiny);
    double pts[2] = {10, 10}, nan_pts[2] = {NAN, 3};
    int lab1 = 1, lab2 = 2;
    sam_prompt pr = {.n_points = 1, .points = pts, .labels = &lab1};
    sam_prediction r;
    CHECK(sam_predict(p, &pr, &r) == -1 && strstr(samc_errmsg(), "no image"));
    CHECK(sam_predictor_embedding(p) == NULL);
    CHECK(sam_predictor_set_embedding(p, g_emb.data, 0, 10) == -1);
    CHECK(sam_predictor_set_embedding(p, g_emb.data, 1, 5000) == -1 && strstr(samc_errmsg(), "elongated"));
    CHECK(sam_predictor_set_embedding(p, g_emb.data, 200, 300) == 0 && sam_predictor_embedding(p) != NULL);
    sam_prompt bad_label = {.n_points = 1, .points = pts, .labels = &lab2};
    CHECK(sam_predict(p, &bad_label, &r) == -1 && strstr(samc_errmsg(), "label 2"));
    sam_prompt bad_coord = {.n_points = 1, .points = nan_pts, .labels = &lab1};
    CHECK(sam_predict(p, &bad_coord, &r) == -1 && strstr(samc_errmsg(), "must be finite"));
    double inf_box[4] = {0, 0, INFINITY, 4};
    sam_prompt bad_box = {.box = inf_box};
    CHECK(sam_predict(p, &bad_box, &r) == -1);
    CHECK(r.masks == NULL && r.logits == NULL); /* nothing left allocated on failure */
    /* finite but past float32 once scaled: refused, not answered with NaN */
    double huge[2] = {1e39, 5}, far[2] = {SAM_COORD_LIMIT, -SAM_COORD_LIMIT};
    sam_prompt huge_pt = {.n_points = 1, .points = huge, .labels = &lab1};
    CHECK(sam_predict(p, &huge_pt, &r) == -1 && strstr(samc_errmsg(), "within +-"));
    double huge_box[4] = {0, 0, 1e39, 10};
    sam_prompt bad_box2 = {.box = huge_box};
    CHECK(sam_predict(p, &bad_box2, &r) == -1 && strstr(samc_errmsg(), "within +-"));
    /* the limit itself, far outside the image: accepted, and every logit finite */
    sam_prompt far_pt = {.n_points = 1, .points = far, .labels = &lab1, .box = (double[4]){-1e6, -1e6, 1e6, 1e6}};
    CHECK(sam_predict(p, &far_pt, &r) == 0);
    int finite = r.low_res_logits != NULL;
    for (size_t i = 0; finite && i < (size_t)r.k * r.low_res * r.low_res; i++) finite = isfinite(r.low_res_logits[i]);
    CHECK(finite);
    sam_prediction_free(&r);
    /* a NaN in the mask input, an infinity in the embedding */
    size_t LL = (size_t)16 * sam_model_embed_grid(g_tiny) * sam_model_embed_grid(g_tiny);
    float *mask = calloc(LL, sizeof(float));
    mask[LL / 2] = NAN;
    sam_prompt nan_mask = {.n_points = 1, .points = pts, .labels = &lab1, .mask_input = mask};
    CHECK(sam_predict(p, &nan_mask, &r) == -1 && strstr(samc_errmsg(), "mask input holds a non-finite"));
    size_t E = (size_t)sam_model_embed_channels(g_tiny) * sam_model_embed_grid(g_tiny) * sam_model_embed_grid(g_tiny);
    float *emb = malloc(E * sizeof(float));
    memcpy(emb, g_emb.data, E * sizeof(float));
    emb[E - 1] = INFINITY;
    CHECK(sam_predictor_set_embedding(p, emb, 200, 300) == -1 && strstr(samc_errmsg(), "embedding holds a non-finite"));
    CHECK(sam_predictor_embedding(p) == NULL); /* the earlier embedding is dropped, not half-replaced */
    free(mask);
    free(emb);
    sam_predictor_free(p);
}

TEST(predictor_takes_extreme_image_sizes) {
    /* 1 x 1 (upscaled 256x), 3 x 700 and 700 x 3 (short side resized to 1 pixel): set_image
     * and predict run, the outputs have the image's size, the logits are finite and the
     * masks are exactly logits > 0 */
    static const int sizes[][2] = {{1, 1}, {3, 700}, {700, 3}};
    sam_predictor *p = sam_predictor_new(g_tiny);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int h = sizes[i][0], w = sizes[i][1];
        uint8_t *rgb = malloc((size_t)h * w * 3);
        for (size_t k = 0; k < (size_t)h * w * 3; k++) rgb[k] = (uint8_t)(k * 37);
        CHECK(sam_predictor_set_image(p, rgb, h, w) == 0);
        double pt[2] = {w - 1, h - 1}, box[4] = {0, 0, w, h};
        int lab = 1;
        sam_prompt pr = {.n_points = 1, .points = pt, .labels = &lab, .box = box, .multimask = 1};
        sam_prediction r;
        CHECK(sam_predict(p, &pr, &r) == 0);
        if (!check_failures_in_test) {
            CHECK(r.k == 3 && r.h == h && r.w == w);
            int finite = 1;
            for (size_t k = 0; k < 3 * (size_t)h * w; k++) finite &= isfinite(r.logits[k]) && r.masks[k] == (r.logits[k] > 0);
            CHECK(finite);
            sam_prediction_free(&r);
        }
        free(rgb);
    }
    sam_predictor_free(p);
}

int main(void) {
    RUN(predictor_matches_fixture_cases);
    RUN(predictor_from_image_matches_fixture_cases);
    g_tiny = test_model_load("sam-tiny");
    if (!g_tiny || io_npy_read("test/fixtures/sam-tiny/embedding.npy", &g_emb)) {
        printf("cannot load sam-tiny: %s\n", samc_errmsg());
        return 1;
    }
    RUN(predictor_same_bits_any_threads_and_runs);
    RUN(mask_input_same_bits_any_threads);
    RUN(new_embedding_replaces_image_terms);
    RUN(points_batch_agrees_with_predict);
    RUN(points_batch_same_bits_any_threads);
    RUN(predictor_rejects_bad_input);
    RUN(predictor_takes_extreme_image_sizes);
    RUN(reference_mode_matches_fixture_cases);
    io_npy_free(&g_emb);
    sam_model_free(g_tiny);
    return check_summary();
}
