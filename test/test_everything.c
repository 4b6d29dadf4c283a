/* Everything mode against the official SamAutomaticMaskGenerator outputs (fixtures
 * sam-tiny/everything and sam-demo/everything, with the parameters in their annotations.json).
 *
 * Parity (fixtures/README.md): the same number of masks in the same order, scores within
 * 1e-4, masks equal but at pixels so close to the threshold that summation order may flip
 * them. The fixtures carry no logits for everything mode, so a differing pixel counts as a
 * legitimate flip only if our own upscaled logit there is within the README's logit
 * tolerance of 0 (|logit| <= 1e-3 x the mask's max |logit|); any other difference fails. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/image.h"
#include "io/npy.h"
#include "nn/blas.h"
#include "samc.h"
#include "sam/fast_decoder.h"
#include "sam/automatic_mask_generator.h"
#include "sam/predictor.h"
#include "util/file.h"
#include "weights/convert.h"

/* ---- the fixture's annotations.json ---- */

typedef struct {
    int n;
    double area[256], bbox[256][4], iou[256], point[256][2], stab[256], crop[256][4];
    int bbox_is_float; /* the bbox numbers are written 98.0 rather than 98 */
} fixture_anns;

/* The number after "key": at or after *pos (which moves past it); NAN if absent. */
static double next_number(const char *text, const char *key, const char **pos) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(*pos, pat);
    if (!p) return NAN;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n' || *p == '[') p++;
    char *end;
    double v = strtod(p, &end);
    *pos = end;
    (void)text;
    return v;
}

/* the next n numbers of an array, skipping brackets, commas and whitespace */
static void next_numbers(const char **pos, double *out, int n) {
    const char *p = *pos;
    for (int i = 0; i < n; i++) {
        while (*p && strchr(" \n,[]", *p)) p++;
        char *end;
        out[i] = strtod(p, &end);
        p = end;
    }
    *pos = p;
}

static int read_fixture(const char *path, fixture_anns *a, sam_amg_params *p) {
    unsigned char *buf;
    size_t len;
    if (util_read_whole_file(path, 1 << 24, &buf, &len)) return -1;
    const char *t = (const char *)buf, *pos = t;
    sam_amg_params_default(p);
    p->points_per_side = (int)next_number(t, "points_per_side", &pos);
    p->pred_iou_thresh = next_number(t, "pred_iou_thresh", &pos);
    p->stability_score_thresh = next_number(t, "stability_score_thresh", &pos);
    p->box_nms_thresh = next_number(t, "box_nms_thresh", &pos);
    a->n = 0;
    a->bbox_is_float = 0;
    for (;;) {
        double area = next_number(t, "area", &pos);
        if (isnan(area) || a->n == 256) break;
        int i = a->n++;
        a->area[i] = area;
        const char *b = strstr(pos, "\"bbox\":");
        pos = b + 7;
        const char *first_end = pos + strcspn(pos, ",");
        for (const char *q = pos; q < first_end; q++) a->bbox_is_float |= *q == '.';
        next_numbers(&pos, a->bbox[i], 4);
        a->iou[i] = next_number(t, "predicted_iou", &pos);
        pos = strstr(pos, "\"point_coords\":") + 15;
        next_numbers(&pos, a->point[i], 2);
        a->stab[i] = next_number(t, "stability_score", &pos);
        pos = strstr(pos, "\"crop_box\":") + 11;
        next_numbers(&pos, a->crop[i], 4);
    }
    free(buf);
    return 0;
}

/* The fixture masks as n x h x w bytes (sam-tiny's file is in Fortran order; io_npy_read
 * returns C order). */
static uint8_t *read_fixture_masks(const char *path, int *n, int *h, int *w) {
    npy_array a;
    if (io_npy_read(path, &a)) return NULL;
    if (a.ndim != 3 || a.dtype != NPY_BOOL) {
        io_npy_free(&a);
        return NULL;
    }
    *n = (int)a.shape[0], *h = (int)a.shape[1], *w = (int)a.shape[2];
    return a.data;
}

/* ---- parity ---- */

static void check_everything(const char *dir, const char *samw_path) {
    char path[512];
    snprintf(path, sizeof path, "test/fixtures/%s/model.pth", dir);
    CHECK(weights_convert(path, samw_path, 4, NULL) == 0);
    fixture_anns *ref = calloc(1, sizeof *ref);
    sam_amg_params p;
    snprintf(path, sizeof path, "test/fixtures/%s/everything/annotations.json", dir);
    CHECK(read_fixture(path, ref, &p) == 0);
    int rn = 0, rh = 0, rw = 0;
    snprintf(path, sizeof path, "test/fixtures/%s/everything/masks.npy", dir);
    uint8_t *ref_masks = read_fixture_masks(path, &rn, &rh, &rw);
    CHECK(ref_masks && rn == ref->n);

    uint8_t *rgb = NULL;
    int h = 0, w = 0;
    snprintf(path, sizeof path, "test/fixtures/%s/image.png", dir);
    CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0);
    CHECK(h == rh && w == rw);
    sam_model *m = sam_model_load(samw_path);
    sam_predictor *pred = m ? sam_predictor_new(m) : NULL;
    amg_model am = {0};
    sam_amg_result r = {0};
    CHECK(pred && sam_amg_model_init(&am, pred) == 0);
    if (!pred || !ref_masks || !rgb || !am.ctx) goto done;
    CHECK(sam_amg_generate(&am, rgb, h, w, &p, &r) == 0);
    printf("    %s: %d masks (reference %d)\n", dir, r.n, ref->n);
    CHECK(r.n == ref->n);
    CHECK(r.boxes_are_float == ref->bbox_is_float);

    size_t px = (size_t)h * w;
    int L = am.low_res;
    uint8_t *mask = malloc(px);
    float *logits = malloc(px * sizeof(float)), *low = malloc((size_t)3 * L * L * sizeof(float));
    int total_flips = 0;
    for (int i = 0; i < r.n && i < ref->n; i++) {
        const sam_amg_mask *a = &r.masks[i];
        CHECK_NEAR(a->predicted_iou, ref->iou[i], 1e-4);
        CHECK_NEAR(a->stability_score, ref->stab[i], 1e-4);
        CHECK(a->point[0] == ref->point[i][0] && a->point[1] == ref->point[i][1]);
        for (int k = 0; k < 4; k++)
            CHECK(a->crop_box[k] - (k >= 2 ? a->crop_box[k - 2] : 0) == (int)ref->crop[i][k]);
        CHECK(sam_amg_rle_decode(&a->rle, mask) == 0);
        const uint8_t *want = ref_masks + (size_t)i * px;
        int flips = 0;
        for (size_t q = 0; q < px; q++) flips += mask[q] != want[q];
        if (flips) {
            /* our logits of this mask (the predictor still holds the whole image: no crops) */
            float iou[3];
            CHECK(sam_predict_points_batch(pred, a->point, 1, 1, low, iou) == 0);
            CHECK(sam_postprocess_logits(pred, low + (size_t)a->multimask_index * L * L, 1, logits) == 0);
            float maxabs = 0;
            for (size_t q = 0; q < px; q++) maxabs = fmaxf(maxabs, fabsf(logits[q]));
            for (size_t q = 0; q < px; q++)
                if (mask[q] != want[q])
                    CHECK_MSG(fabsf(logits[q]) <= 1e-3f * maxabs, "mask %d pixel %zu: logit %g (max %g)", i, q,
                              logits[q], maxabs);
        }
        total_flips += flips;
        CHECK(fabs((double)sam_amg_rle_area(&a->rle) - ref->area[i]) <= flips);
        if (!flips) {
            const double xywh[4] = {a->box[0], a->box[1], a->box[2] - a->box[0], a->box[3] - a->box[1]};
            for (int k = 0; k < 4; k++) CHECK(xywh[k] == ref->bbox[i][k]);
        }
    }
    printf("    %s: %d pixels differ in all (each at a logit within tolerance of 0)\n", dir, total_flips);

    /* A predictor already holding the image's embedding (as from the eval cache) gives the
     * same records without encoding again; that it really uses the preset embedding shows
     * with a zeroed one, which changes the result. */
    amg_model am2 = {0};
    sam_amg_result r2 = {0};
    CHECK(sam_amg_model_init_preset(&am2, pred) == 0);
    CHECK(am2.ctx && sam_amg_generate(&am2, rgb, h, w, &p, &r2) == 0);
    CHECK(r2.n == r.n);
    for (int i = 0; i < r.n && i < r2.n; i++)
        CHECK(r2.masks[i].predicted_iou == r.masks[i].predicted_iou &&
              sam_amg_rle_area(&r2.masks[i].rle) == sam_amg_rle_area(&r.masks[i].rle));
    sam_amg_result_free(&r2);
    if (am2.ctx) sam_amg_model_free(&am2);
    size_t emb_n = (size_t)sam_model_embed_channels(m) * sam_model_embed_grid(m) * sam_model_embed_grid(m);
    float *zeros = calloc(emb_n, sizeof(float));
    CHECK(zeros && sam_predictor_set_embedding(pred, zeros, h, w) == 0);
    CHECK(sam_amg_model_init_preset(&am2, pred) == 0);
    CHECK(am2.ctx && sam_amg_generate(&am2, rgb, h, w, &p, &r2) == 0);
    int same = r2.n == r.n;
    for (int i = 0; same && i < r.n; i++) same = r2.masks[i].predicted_iou == r.masks[i].predicted_iou;
    CHECK(!same);
    sam_amg_result_free(&r2);
    if (am2.ctx) sam_amg_model_free(&am2);
    free(zeros);
    free(mask);
    free(logits);
    free(low);
done:
    sam_amg_result_free(&r);
    if (am.ctx) sam_amg_model_free(&am);
    sam_predictor_free(pred);
    sam_model_free(m);
    free(rgb);
    free(ref_masks);
    free(ref);
    remove(samw_path);
}

/* The shared-image-terms decoder against the predictor's one-prompt path (itself checked
 * against the official outputs), on the fixture embeddings: same IoUs and low-res logits. */
static void check_decoder(const char *dir, const char *samw_path) {
    char path[512];
    snprintf(path, sizeof path, "test/fixtures/%s/model.pth", dir);
    CHECK(weights_convert(path, samw_path, !strcmp(dir, "sam-small") ? 0 : 4, NULL) == 0);
    sam_model *m = sam_model_load(samw_path);
    sam_predictor *pred = m ? sam_predictor_new(m) : NULL;
    npy_array emb = {0};
    snprintf(path, sizeof path, "test/fixtures/%s/embedding.npy", dir);
    CHECK(io_npy_read(path, &emb) == 0);
    if (!pred || !emb.data) goto done;
    /* an image of 300 x 200: any size works with a given embedding */
    CHECK(sam_predictor_set_embedding(pred, emb.data, 200, 300) == 0);
    const double pts[4][2] = {{10.0, 20.0}, {150.5, 99.25}, {299.0, 199.0}, {0.0, 0.0}};
    int L = 4 * m->grid;
    size_t LL = (size_t)L * L;
    float *ref = malloc(4 * 3 * LL * sizeof(float)), *got = malloc(4 * 3 * LL * sizeof(float));
    float ref_iou[12], got_iou[12];
    CHECK(sam_predict_points_batch(pred, &pts[0][0], 4, 1, ref, ref_iou) == 0);
    fast_decoder d;
    CHECK(sam_fast_decoder_init(&d, m, emb.data) == 0);
    float xy01[8];
    for (int i = 0; i < 4; i++) {
        int input_h, input_w, oh, ow;
        sam_predictor_sizes(pred, &oh, &ow, &input_h, &input_w);
        xy01[2 * i] = (float)((pts[i][0] * ((double)input_w / ow) + 0.5) / m->img_size);
        xy01[2 * i + 1] = (float)((pts[i][1] * ((double)input_h / oh) + 0.5) / m->img_size);
    }
    CHECK(sam_fast_decoder_run(&d, xy01, 4, NAN, got_iou, got) == 0);
    float maxabs = 0, maxdiff = 0, ioudiff = 0;
    for (size_t i = 0; i < 12 * LL; i++) {
        maxabs = fmaxf(maxabs, fabsf(ref[i]));
        maxdiff = fmaxf(maxdiff, fabsf(ref[i] - got[i]));
    }
    for (int i = 0; i < 12; i++) ioudiff = fmaxf(ioudiff, fabsf(ref_iou[i] - got_iou[i]));
    printf("    %s: low-res max |diff| %g (max |logit| %g), IoU max |diff| %g\n", dir, maxdiff, maxabs, ioudiff);
    /* both paths compute the cross attentions in another order than the official one (the
     * image-side products reassociated, sam/two_way_transformer.c and sam/fast_decoder.c):
     * equal up to float rounding */
    CHECK(maxdiff <= 1e-5f * maxabs && ioudiff <= 1e-5f);
    /* with an IoU bar above every prediction, no masks are computed: low stays untouched */
    float top = 0;
    for (int i = 0; i < 12; i++) top = fmaxf(top, got_iou[i]);
    for (size_t i = 0; i < 12 * LL; i++) got[i] = 12345.0f;
    CHECK(sam_fast_decoder_run(&d, xy01, 4, top, got_iou, got) == 0);
    int untouched = 1;
    for (size_t i = 0; i < 12 * LL; i++) untouched &= got[i] == 12345.0f;
    CHECK(untouched);
    sam_fast_decoder_free(&d);
    free(ref);
    free(got);
done:
    io_npy_free(&emb);
    sam_predictor_free(pred);
    sam_model_free(m);
    remove(samw_path);
}

TEST(decoder_sam_tiny) { check_decoder("sam-tiny", "build/test_everything_dtiny.samw"); }
TEST(decoder_sam_small) { check_decoder("sam-small", "build/test_everything_dsmall.samw"); }

/* The IoU filter applied inside the decoder (no masks for prompts it drops entirely) changes
 * nothing: the same records as decoding every mask. */
static const amg_model *full_decode_inner;
static int decode_everything(void *ctx, const double *xy, int n, float keep_iou_above, float *iou, float *low) {
    (void)keep_iou_above;
    return full_decode_inner->decode(ctx, xy, n, NAN, iou, low);
}

TEST(iou_prefilter_changes_nothing) {
    const char *samw_path = "build/test_everything_prefilter.samw";
    CHECK(weights_convert("test/fixtures/sam-demo/model.pth", samw_path, 4, NULL) == 0);
    uint8_t *rgb = NULL;
    int h = 0, w = 0;
    CHECK(io_image_read_rgb8("test/fixtures/sam-demo/image.png", &rgb, &h, &w) == 0);
    sam_model *m = sam_model_load(samw_path);
    sam_predictor *pred = m ? sam_predictor_new(m) : NULL;
    amg_model am = {0};
    CHECK(pred && sam_amg_model_init(&am, pred) == 0);
    if (am.ctx && rgb) {
        sam_amg_params p;
        sam_amg_params_default(&p);
        p.points_per_side = 12, p.pred_iou_thresh = 0.7, p.stability_score_thresh = 0.6;
        amg_model full = am;
        full.decode = decode_everything;
        full_decode_inner = &am;
        sam_amg_result a = {0}, b = {0};
        CHECK(sam_amg_generate(&am, rgb, h, w, &p, &a) == 0);
        CHECK(sam_amg_generate(&full, rgb, h, w, &p, &b) == 0);
        CHECK(a.n == b.n && a.n > 0 && a.boxes_are_float == b.boxes_are_float);
        for (int i = 0; i < a.n && i < b.n; i++) {
            const sam_amg_mask *x = &a.masks[i], *y = &b.masks[i];
            CHECK(x->predicted_iou == y->predicted_iou && x->stability_score == y->stability_score);
            CHECK(!memcmp(x->box, y->box, sizeof x->box));
            CHECK(x->rle.n == y->rle.n && !memcmp(x->rle.counts, y->rle.counts, x->rle.n * sizeof *x->rle.counts));
        }
        sam_amg_result_free(&a);
        sam_amg_result_free(&b);
        sam_amg_model_free(&am);
    }
    sam_predictor_free(pred);
    sam_model_free(m);
    free(rgb);
    remove(samw_path);
}

TEST(everything_sam_tiny) { check_everything("sam-tiny", "build/test_everything_tiny.samw"); }
TEST(everything_sam_demo) { check_everything("sam-demo", "build/test_everything_demo.samw"); }

int main(void) {
    /* one thread: the suite also runs under ASan, where threads cost far more than they give;
     * results at other thread counts are compared by test/cli/test_everything.sh */
    nn_blas_set_threads(1);
    RUN(decoder_sam_tiny);
    RUN(decoder_sam_small);
    RUN(iou_prefilter_changes_nothing);
    RUN(everything_sam_tiny);
    RUN(everything_sam_demo);
    return check_summary();
}
