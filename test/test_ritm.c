/* ritm/: the port of RITM's coco_lvis_h32_itermask against the official predictor's outputs on
 * a reduced random-weight model (test/fixtures/baselines/ritm: width 8, ocr_width 16, the
 * same module and block counts as HRNet-32; fixtures/baselines/README.md gives the
 * tolerances), in both modes, with the same bits at 1 and 2 threads; its banded convolution
 * against a hand computation; the state_dict keys of test/baseline_keys.h against the
 * fixture's; configs it refuses; and the full-size key list with random weights. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test/baseline_fixture.h"
#include "io/npy.h"
#include "iseg/click_input.h"
#include "iseg/iseg.h"
#include "nn/blas.h"
#include "nn/mode.h"
#include "nn/trace.h"
#include "ritm/ritm_net.h"
#include "test/baseline_keys.h"
#include "util/err.h"
#include "util/timer.h"
#include "weights/convert.h"
#include "weights/samw.h"

#define DIR "test/fixtures/baselines/ritm/"
#define CKPT DIR "checkpoint/hrnet8_ocr16_itermask_RANDOM.pth"
#define H 200
#define W 300

static const iseg_click clicks3[3] = {{1, 90, 120}, {0, 144, 234}, {1, 60, 108}};
static const char *const cases[2] = {"1click", "3click"};
static const int case_clicks[2] = {1, 3};

static samw *model;        /* the fixture checkpoint, converted once */
static char model_path[128];

static samw *fixture_model(void) {
    return fixture_convert_once(&model, CKPT, "ritm", model_path, sizeof model_path);
}

/* DIR/<case>_<what>.npy as float32, of n values; data NULL (and a failed check) otherwise */
static npy_array read_case(const char *c, const char *what, size_t n) {
    char path[256];
    snprintf(path, sizeof path, DIR "%s_%s.npy", c, what);
    return fixture_read_f32(path, n);
}

static uint8_t *read_image(void) {
    return fixture_read_u8(DIR "image_uint8_hwc.npy", (size_t)H * W * 3);
}

/* The banded im2col: 3x3 convs (bias) of stride 1 and 2 on a 5x4 map, with work memory for
 * one output row of the im2col at a time, against the convolution summed by hand. */
TEST(conv_bands_hand) {
    enum { IC = 2, OC = 3, IH = 5, IW = 4 };
    float in[IC * IH * IW], wt[OC * IC * 9], bias[OC] = {0.5f, -1.0f, 2.0f}, out[OC * IH * IW];
    for (int i = 0; i < IC * IH * IW; i++) in[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < OC * IC * 9; i++) wt[i] = (float)(i % 5) * 0.25f - 0.5f;
    float cols[IC * 9 * IW];
    for (int s = 1; s <= 2; s++) {
        int OH = (IH - 1) / s + 1, OW = (IW - 1) / s + 1;
        ritm_work wk = {.cols = cols, .cols_cap = (size_t)IC * 9 * OW};
        ritm_conv c = {.weight = wt, .bias = bias, .ic = IC, .oc = OC, .k = 3, .stride = s};
        CHECK(ritm_conv_forward(&c, out, in, IH, IW, &wk) == 0);
        for (int o = 0; o < OC; o++)
            for (int y = 0; y < OH; y++)
                for (int x = 0; x < OW; x++) {
                    double sum = bias[o];
                    for (int i = 0; i < IC; i++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = s * y + ky - 1, ix = s * x + kx - 1;
                                if (iy >= 0 && iy < IH && ix >= 0 && ix < IW)
                                    sum += (double)wt[((o * IC + i) * 3 + ky) * 3 + kx] * in[(i * IH + iy) * IW + ix];
                            }
                    CHECK_NEAR(out[(o * OH + y) * OW + x], sum, 1e-5);
                }
        /* less than a row of work memory is refused */
        wk.cols_cap--;
        CHECK(ritm_conv_forward(&c, out, in, IH, IW, &wk) == -1);
    }
}

TEST(config_read) {
    samw *w = fixture_model();
    if (!w) return;
    ritm_net net;
    CHECK_MSG(ritm_net_load(&net, w) == 0, "%s", samc_errmsg());
    CHECK(net.width == 8 && net.ocr_width == 16 && !net.small && net.norm_radius == 5);
    CHECK(net.n_blocks == 4 && net.n_modules[0] == 1 && net.n_modules[1] == 4 && net.n_modules[2] == 3);
}

/* The key list of test/baseline_keys.h at the fixture's width 8, ocr_width 16 is the converted
 * checkpoint's, name for name and shape for shape, in file order: 1895 keys. */
TEST(keys_match_spec) {
    samw *w = fixture_model();
    bk_list l;
    if (!w || bk_alloc(&l)) return;
    bk_ritm_keys(&l, 8, 16, 0);
    CHECK(l.n == 1895);
    CHECK_MSG(samw_count(w) == l.n, "%d tensors", samw_count(w));
    for (int i = 0; i < l.n && i < samw_count(w); i++) {
        int64_t shape[SAMW_MAX_DIMS];
        int is_int64 = 0, nd = samw_shape(w, i, shape, &is_int64);
        int same = !strcmp(samw_name(w, i), l.t[i].name) && nd == l.t[i].ndim && is_int64 == (nd == 0);
        for (int d = 0; same && d < nd; d++) same = shape[d] == l.t[i].shape[d];
        CHECK_MSG(same, "key %d: %s, expected %s", i, samw_name(w, i), l.t[i].name);
        if (!same) break;
    }
    bk_free(&l);
}

/* ---- official checkpoints written anew (pth_writer.h): configs, and the real size ---- */

/* keys l written as an HRNetModel checkpoint of that config at pth, then converted to out: the
 * conversion's result (which builds the model, so refuses what ritm_open refuses) */
static int write_and_convert(const bk_list *l, int width, int ocr_width, const char *small, const char *use_disks,
                             const char *pth, const char *out) {
    int rc = bk_ritm_write(l, width, ocr_width, small, use_disks, pth);
    CHECK(rc == 0);
    return rc ? -1 : weights_convert_any(pth, out, 0, NULL);
}

/* What the port does not compute is refused by name: DistMaps without disks, and a config
 * width the tensors do not have. */
TEST(config_refused) {
    bk_list l;
    char pth[128], out[128];
    snprintf(pth, sizeof pth, "/tmp/samc_test_ritm_cfg_%ld.pth", (long)getpid());
    snprintf(out, sizeof out, "/tmp/samc_test_ritm_cfg_%ld.samw", (long)getpid());
    if (bk_alloc(&l)) return;
    bk_ritm_keys(&l, 8, 16, 0);
    CHECK(write_and_convert(&l, 8, 16, "False", "False", pth, out) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "use_disks 0") != NULL, "%s", samc_errmsg());
    CHECK(write_and_convert(&l, 16, 16, "False", "True", pth, out) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "transition1.0.0.weight") != NULL, "%s", samc_errmsg());
    /* small = True leaves layer1.2 unread */
    CHECK(write_and_convert(&l, 8, 16, "True", "True", pth, out) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "layer1.2.") != NULL, "%s", samc_errmsg());
    CHECK(access(out, F_OK) != 0);
    CHECK_MSG(write_and_convert(&l, 8, 16, "False", "True", pth, out) == 0, "%s", samc_errmsg());
    remove(pth), remove(out);
    bk_free(&l);
}

/* A trace sink: whether every traced module output is finite, and the largest magnitude. */
static int traced_finite = 1;
static double traced_max;
static void check_finite(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape) {
    (void)ctx, (void)name;
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    for (size_t i = 0; i < n; i++) {
        traced_finite &= isfinite(data[i]) != 0;
        if (fabs(data[i]) > traced_max) traced_max = fabs(data[i]);
    }
}

/* Keys l with random values (bk_ritm_fill), converted and run through the predictor on a
 * 45x70 crop of the fixture image: every module output finite, a probability map in [0, 1],
 * the same bits at 1 and 2 threads. */
static void check_random_model(const bk_list *l, int width, int ocr_width, const char *small) {
    char pth[128], out[128];
    snprintf(pth, sizeof pth, "/tmp/samc_test_ritm_random_%ld.pth", (long)getpid());
    snprintf(out, sizeof out, "/tmp/samc_test_ritm_random_%ld.samw", (long)getpid());
    enum { SH = 45, SW = 70 };
    uint8_t *img = read_image(), crop[SH * SW * 3];
    float p1[SH * SW], p2[SH * SW];
    samw *w = NULL;
    iseg *m = NULL;
    CHECK_MSG(write_and_convert(l, width, ocr_width, small, "True", pth, out) == 0, "%s", samc_errmsg());
    CHECK_MSG((w = samw_open(out)) != NULL, "%s", samc_errmsg());
    CHECK_MSG(w && (m = iseg_open(w)) != NULL, "%s", samc_errmsg());
    if (!m || !img) goto done;
    for (int y = 0; y < SH; y++)
        memcpy(crop + (size_t)y * SW * 3, img + ((size_t)(y + 60) * W + 100) * 3, SW * 3);
    CHECK_MSG(iseg_set_image(m, crop, SH, SW) == 0, "%s", samc_errmsg());
    iseg_click c[2] = {{1, 20, 30}, {0, 40, 5}};
    int threads = nn_blas_get_threads();
    nn_blas_set_threads(1);
    traced_finite = 1, traced_max = 0;
    nn_trace_set_sink(check_finite, NULL);
    CHECK_MSG(iseg_predict(m, c, 2, p1) == 0, "%s", samc_errmsg());
    nn_trace_set_sink(NULL, NULL);
    nn_blas_set_threads(2);
    CHECK_MSG(iseg_predict(m, c, 2, p2) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(threads);
    int finite = 1;
    float lo = 1, hi = 0;
    for (int i = 0; i < SH * SW; i++) {
        finite &= isfinite(p1[i]) && p1[i] >= 0 && p1[i] <= 1;
        lo = p1[i] < lo ? p1[i] : lo, hi = p1[i] > hi ? p1[i] : hi;
    }
    printf("    module outputs all finite: %d, largest magnitude %.3g; probability in [%.3g, %.3g]\n",
           traced_finite, traced_max, lo, hi);
    CHECK(traced_finite && finite);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
done:
    iseg_free(m);
    samw_close(w);
    remove(pth), remove(out);
    free(img);
}

/* coco_lvis_h32_itermask's full key list: width 32, ocr_width 128, 1895 keys, 31.0 M values */
TEST(real_size_h32) {
    bk_list l;
    if (bk_alloc(&l)) return;
    bk_ritm_keys(&l, 32, 128, 0);
    uint64_t values = bk_values(&l);
    printf("    coco_lvis_h32_itermask: %d keys, %.2f M values\n", l.n, values / 1e6);
    CHECK(l.n == 1895 && values > 30950000 && values < 31050000);
    check_random_model(&l, 32, 128, "False");
    bk_free(&l);
}

/* small = True: 2 blocks per layer, stages of 1, 3 and 2 modules */
TEST(small_runs) {
    bk_list l;
    if (bk_alloc(&l)) return;
    bk_ritm_keys(&l, 8, 16, 1);
    check_random_model(&l, 8, 16, "True");
    bk_free(&l);
}

/* ritm_points_nd against the points_nd the official predictor gave the network */
TEST(points_match_official) {
    for (int c = 0; c < 2; c++) {
        int n = case_clicks[c], P = iseg_points_per_sign(clicks3, n);
        npy_array ref = read_case(cases[c], "netcall0_points_nd", (size_t)12 * P);
        if (!ref.data) continue;
        float pts[36];
        double scratch[6];
        ritm_points_nd(pts, clicks3, n, P, W, scratch);
        CHECK_MSG(memcmp(pts, ref.data, (size_t)12 * P * sizeof(float)) == 0, "%s", cases[c]);
        io_npy_free(&ref);
    }
}

/* A trace sink keeping the module outputs the fixture has taps of. */
typedef struct {
    const char *name, *file; /* the trace's name, the fixture's <case>_<file>.npy */
    float *data;
    size_t n;
} tap;
static tap taps[] = {
    {"feature_extractor.stage4.3", "netcall0_tap_feature_extractor.stage4_3", NULL, 0},
    {"feature_extractor.ocr_gather_head", "netcall0_tap_feature_extractor.ocr_gather_head", NULL, 0},
    {"feature_extractor.cls_head", "netcall0_tap_feature_extractor.cls_head", NULL, 0},
};
#define N_TAPS (sizeof taps / sizeof taps[0])

static void keep_tap(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape) {
    (void)ctx;
    for (size_t i = 0; i < N_TAPS; i++)
        if (!strcmp(name, taps[i].name)) {
            size_t n = 1;
            for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
            free(taps[i].data);
            taps[i].data = malloc(n * sizeof(float));
            if (taps[i].data) memcpy(taps[i].data, data, n * sizeof(float));
            taps[i].n = n;
        }
}

/* The network on the official input batch [x4, flip_W(x4)] against the official instances
 * logits (1e-4 x their range), and, for 1click, the taps of batch element 0. */
static void check_network(int c) {
    samw *w = fixture_model();
    uint8_t *img = read_image();
    int n = case_clicks[c], P = iseg_points_per_sign(clicks3, n);
    size_t HW = (size_t)H * W;
    npy_array ref = read_case(cases[c], "netcall0_instances_logits", 2 * HW);
    float *x = malloc(4 * HW * sizeof(float)), *x4 = malloc(4 * HW * sizeof(float)),
          *out = malloc(2 * HW * sizeof(float));
    ritm_net net;
    nn_arena a = {0};
    ritm_work wk;
    if (!w || !img || !ref.data || !x || !x4 || !out) goto done;
    CHECK_MSG(ritm_net_load(&net, w) == 0, "%s", samc_errmsg());
    CHECK_MSG(ritm_work_alloc(&wk, &net, &a, H, W) == 0, "%s", samc_errmsg());
    float pts[36];
    double scratch[6];
    ritm_points_nd(pts, clicks3, n, P, W, scratch);
    iseg_image_to_chw(x, img, H, W);
    memset(x + 3 * HW, 0, HW * sizeof(float));
    if (c == 0) nn_trace_set_sink(keep_tap, NULL);
    CHECK_MSG(ritm_net_forward(&net, &wk, x, pts, P, out, 1) == 0, "%s", samc_errmsg());
    nn_trace_set_sink(NULL, NULL);
    iseg_flip_w(x4, x, 4, H, W);
    CHECK_MSG(ritm_net_forward(&net, &wk, x4, pts + 6 * P, P, out + HW, 0) == 0, "%s", samc_errmsg());
    double d = max_abs_diff(out, ref.data, 2 * HW), r = range(ref.data, 2 * HW);
    printf("    %s instances: max abs diff %.3g = %.3g x range %.3g (tolerance 1e-4 x)\n", cases[c], d, d / r, r);
    CHECK(d <= 1e-4 * r);
    for (size_t t = 0; c == 0 && t < N_TAPS; t++) {
        CHECK_MSG(taps[t].data != NULL, "no trace of %s", taps[t].name);
        if (!taps[t].data) continue;
        npy_array tr = read_case(cases[c], taps[t].file, 2 * taps[t].n); /* the batch of 2: element 0 first */
        if (!tr.data) continue;
        double td = max_abs_diff(taps[t].data, tr.data, taps[t].n), tr_range = range(tr.data, taps[t].n);
        printf("    tap %s: max abs diff %.3g (range %.3g)\n", taps[t].name, td, tr_range);
        CHECK(td <= 1e-4 * tr_range);
        io_npy_free(&tr);
    }
done:
    for (size_t t = 0; t < N_TAPS; t++) free(taps[t].data), taps[t].data = NULL;
    nn_arena_free(&a);
    free(x), free(x4), free(out), free(img);
    io_npy_free(&ref);
}

TEST(network_1click_matches_official) { check_network(0); }
TEST(network_3click_matches_official) { check_network(1); }

/* The predictor's final probability: within 1e-4 of the official one, and its mask
 * prob > 0.49f the same wherever the official probability is more than 1e-4 from 0.49.
 * Also checks that 1 and 2 threads give the same bits; returns the probability of case c
 * (caller frees) or NULL. */
static float *check_predictor(int c, double *seconds) {
    samw *w = fixture_model();
    uint8_t *img = read_image();
    size_t HW = (size_t)H * W;
    npy_array ref = read_case(cases[c], "prob", HW), mask = {0};
    char path[256];
    snprintf(path, sizeof path, DIR "%s_mask.npy", cases[c]);
    CHECK_MSG(io_npy_read(path, &mask) == 0, "%s", samc_errmsg());
    float *p1 = malloc(HW * sizeof(float)), *p2 = malloc(HW * sizeof(float));
    iseg *m = NULL;
    if (!w || !img || !ref.data || !mask.data || mask.count != HW || mask.dtype != NPY_U8 || !p1 || !p2) goto fail;
    CHECK_MSG((m = iseg_open(w)) != NULL, "%s", samc_errmsg());
    if (!m) goto fail;
    CHECK(!strcmp(iseg_family(m), "ritm"));
    CHECK_MSG(iseg_set_image(m, img, H, W) == 0, "%s", samc_errmsg());
    int threads = nn_blas_get_threads();
    nn_blas_set_threads(1);
    CHECK_MSG(iseg_predict(m, clicks3, case_clicks[c], p1) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(2);
    double t0 = util_wall_seconds();
    CHECK_MSG(iseg_predict(m, clicks3, case_clicks[c], p2) == 0, "%s", samc_errmsg());
    if (seconds) *seconds = util_wall_seconds() - t0;
    nn_blas_set_threads(threads);
    CHECK(memcmp(p1, p2, HW * sizeof(float)) == 0);
    double d = max_abs_diff(p1, ref.data, HW);
    const float *r = ref.data;
    const uint8_t *mk = mask.data;
    size_t differ = 0, near = 0;
    for (size_t i = 0; i < HW; i++) {
        if (fabsf(r[i] - 0.49f) <= 1e-4f) {
            near++;
            continue;
        }
        differ += (p1[i] > ISEG_THRESHOLD) != (mk[i] != 0);
    }
    printf("    %s%s prob: max abs diff %.3g (tolerance 1e-4); mask: %zu pixels differ (%zu within 1e-4 of 0.49 "
           "not compared)\n",
           nn_reference_mode() ? "reference mode " : "", cases[c], d, differ, near);
    CHECK(d <= 1e-4);
    CHECK(differ == 0);
    iseg_free(m);
    free(p2), free(img);
    io_npy_free(&ref), io_npy_free(&mask);
    return p1;
fail:
    iseg_free(m);
    free(p1), free(p2), free(img);
    io_npy_free(&ref), io_npy_free(&mask);
    return NULL;
}

TEST(predictor_matches_official) {
    for (int c = 0; c < 2; c++) {
        double s = 0;
        free(check_predictor(c, &s));
        printf("    %s: one prediction (200x300, 2 threads) %.1f ms\n", cases[c], 1e3 * s);
    }
}

/* reference mode (portable products and exp, nn/mode.h) on 1click: parity too, and the same
 * bits at 1 and 2 threads */
TEST(predictor_reference_mode) {
    nn_set_reference_mode(1);
    free(check_predictor(0, NULL));
    nn_set_reference_mode(0);
}

/* predict before set_image */
TEST(predictor_errors) {
    samw *w = fixture_model();
    if (!w) return;
    iseg *m = iseg_open(w);
    CHECK(m != NULL);
    if (!m) return;
    float p[1];
    CHECK(iseg_predict(m, clicks3, 1, p) == -1);
    CHECK(strstr(samc_errmsg(), "set_image") != NULL);
    iseg_free(m);
}

/* Images down to one pixel (every branch 1x1): a finite probability for each pixel. */
TEST(tiny_images) {
    samw *w = fixture_model();
    uint8_t *img = read_image();
    iseg *m = w ? iseg_open(w) : NULL;
    static const int sizes[4][2] = {{1, 1}, {2, 3}, {7, 1}, {9, 33}};
    for (int t = 0; m && img && t < 4; t++) {
        int h = sizes[t][0], wd = sizes[t][1];
        float p[9 * 33];
        iseg_click c = {1, h / 2, wd / 2};
        CHECK_MSG(iseg_set_image(m, img, h, wd) == 0, "%s", samc_errmsg());
        CHECK_MSG(iseg_predict(m, &c, 1, p) == 0, "%dx%d: %s", h, wd, samc_errmsg());
        for (int i = 0; i < h * wd; i++) CHECK(isfinite(p[i]) && p[i] >= 0 && p[i] <= 1);
    }
    iseg_free(m);
    free(img);
}

int main(void) {
    RUN(conv_bands_hand);
    RUN(config_read);
    RUN(keys_match_spec);
    RUN(points_match_official);
    RUN(network_1click_matches_official);
    RUN(network_3click_matches_official);
    RUN(predictor_matches_official);
    RUN(predictor_reference_mode);
    RUN(predictor_errors);
    RUN(tiny_images);
    RUN(config_refused);
    RUN(real_size_h32);
    RUN(small_runs);
    samw_close(model);
    if (model_path[0]) remove(model_path);
    return check_summary();
}
