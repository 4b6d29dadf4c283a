/* focalclick/: the port of FocalClick's segformerB3_S2_comb (ClickSEG's NoBRS BaselinePredictor)
 * against the official predictor's outputs on a reduced random-weight model
 * (test/fixtures/baselines/focalclick: ClickSEG's segformerB0_S2_comb config, MiT-B0, decoder
 * 256; fixtures/baselines/README.md gives the tolerances): the network input and points, the
 * network's logits and stage taps, the final probability and mask; the same bits at 1 and 2
 * threads in reference mode; the depthwise conv against a hand computation; and a real-size
 * checkpoint (segformerB3_S2_comb's 653 keys, random values) converted and run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test/baseline_fixture.h"
#include "focalclick/focalclick_net.h"
#include "io/npy.h"
#include "iseg/click_input.h"
#include "iseg/iseg.h"
#include "nn/blas.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "test/baseline_keys.h"
#include "util/err.h"
#include "util/timer.h"
#include "weights/convert.h"

#define DIR "test/fixtures/baselines/focalclick/"
#define CKPT DIR "checkpoint/segformerB0_S2_comb_RANDOM.pth"
#define H 200
#define W 300
#define S FOCALCLICK_INFER_SIZE

static const iseg_click clicks3[3] = {{1, 90, 120}, {0, 144, 234}, {1, 60, 108}};
static const char *const cases[2] = {"1click", "3click"};
static const int case_clicks[2] = {1, 3};

static samw *model; /* the fixture checkpoint, converted once */
static char model_path[128];

static samw *fixture_model(void) {
    return fixture_convert_once(&model, CKPT, "focalclick", model_path, sizeof model_path);
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

/* The depthwise 3x3 conv on channels-last tokens against the convolution summed by hand, on
 * grids with a border on every side and a single row, with more channels than one block
 * (64) of the op. */
TEST(dwconv_hand) {
    enum { C = 70 };
    static const int sizes[3][2] = {{4, 5}, {1, 3}, {3, 1}};
    float in[4 * 5 * C], wt[C * 9], bias[C], out[4 * 5 * C];
    for (int i = 0; i < 4 * 5 * C; i++) in[i] = (float)(i % 11) * 0.5f - 2.5f;
    for (int i = 0; i < C * 9; i++) wt[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (int c = 0; c < C; c++) bias[c] = (float)(c % 3) - 1.0f;
    for (int t = 0; t < 3; t++) {
        int h = sizes[t][0], w = sizes[t][1];
        nn_conv2d_depthwise3x3_tokens_forward(out, in, wt, bias, h, w, C);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < C; c++) {
                    double sum = bias[c];
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y + ky - 1, ix = x + kx - 1;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                sum += (double)wt[c * 9 + ky * 3 + kx] * in[(iy * w + ix) * C + c];
                        }
                    CHECK_NEAR(out[(y * w + x) * C + c], sum, 1e-5);
                }
    }
}

static const int k_b0_E[4] = BK_MIT_B0_E, k_b0_depths[4] = BK_MIT_B0_DEPTHS;
static const int k_b3_E[4] = BK_MIT_B3_E, k_b3_depths[4] = BK_MIT_B3_DEPTHS;

/* The config, the loader's sizes, and the key generator of test/baseline_keys.h against the fixture's keys
 * (names, shapes, order), so that the real-size list below is the official one too. */
TEST(config_and_keys) {
    samw *w = fixture_model();
    if (!w) return;
    static focalclick_net net;
    CHECK_MSG(focalclick_net_load(&net, w) == 0, "%s", samc_errmsg());
    CHECK(!strcmp(net.model_version, "b0") && net.decoder_dim == 256 && net.disk_radius == 5.0f);
    static const int heads[4] = {1, 2, 5, 8}, sr[4] = {8, 4, 2, 1};
    for (int s = 0; s < 4; s++)
        CHECK(net.embed_dims[s] == k_b0_E[s] && net.depths[s] == k_b0_depths[s] && net.num_heads[s] == heads[s] &&
              net.sr_ratios[s] == sr[s]);
    bk_list k;
    if (bk_alloc(&k)) return;
    bk_segformer_keys(&k, k_b0_E, k_b0_depths, 256, 256);
    CHECK_MSG(samw_count(w) == k.n && k.n == 257, "%d keys in the file, %d generated", samw_count(w), k.n);
    for (int i = 0; i < k.n && i < samw_count(w); i++) {
        int64_t shape[SAMW_MAX_DIMS];
        int is_i64, nd = samw_shape(w, i, shape, &is_i64);
        int same = !strcmp(samw_name(w, i), k.t[i].name) && nd == k.t[i].ndim && is_i64 == (k.t[i].dtype == PW_I64);
        for (int d = 0; same && d < nd; d++) same = shape[d] == k.t[i].shape[d];
        CHECK_MSG(same, "key %d: file %s, generated %s", i, samw_name(w, i), k.t[i].name);
    }
    bk_free(&k);
}

/* The network input and the points tensor against those the official predictor built */
TEST(inputs_match_official) {
    uint8_t *img = read_image();
    npy_array ref = read_case("1click", "netcall0_image_nd", (size_t)4 * S * S);
    float *x = malloc((size_t)3 * H * W * sizeof(float)), *nd = malloc((size_t)4 * S * S * sizeof(float));
    if (img && ref.data && x && nd) {
        iseg_image_to_chw(x, img, H, W);
        CHECK(focalclick_image_nd(nd, x, H, W, S) == 0);
        double d = max_abs_diff(nd, ref.data, (size_t)4 * S * S);
        printf("    image_nd: max abs diff %.3g (tolerance 1e-6)\n", d);
        CHECK(d <= 1e-6);
    }
    for (int c = 0; c < 2; c++) {
        int n = case_clicks[c], P = iseg_points_per_sign(clicks3, n);
        npy_array pr = read_case(cases[c], "netcall0_points_nd", (size_t)6 * P);
        if (!pr.data) continue;
        float pts[18];
        double scratch[6];
        focalclick_points_nd(pts, clicks3, n, P, H, W, S, scratch);
        double d = max_abs_diff(pts, pr.data, (size_t)6 * P);
        printf("    %s points_nd: max abs diff %.3g (tolerance 1e-6)\n", cases[c], d);
        CHECK(d <= 1e-6);
        io_npy_free(&pr);
    }
    free(x), free(nd), free(img);
    io_npy_free(&ref);
}

/* A trace sink keeping the module outputs the fixture has taps of. */
typedef struct {
    const char *name;
    float *data;
    size_t n;
} tap;
static tap taps[] = {
    {"feature_extractor.backbone.norm2", NULL, 0},
    {"feature_extractor.backbone.norm4", NULL, 0},
    {"feature_extractor.decode_head.linear_pred", NULL, 0},
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

/* The network on the official input against the official instances logits (1e-4 x their
 * range), and, for 1click, the taps. */
static void check_network(int c) {
    samw *w = fixture_model();
    int n = case_clicks[c], P = iseg_points_per_sign(clicks3, n);
    size_t SS = (size_t)S * S;
    npy_array ref = read_case(cases[c], "netcall0_instances_logits", SS);
    npy_array nd = read_case("1click", "netcall0_image_nd", 4 * SS); /* the same input in both cases */
    float *out = malloc(SS * sizeof(float));
    static focalclick_net net;
    nn_arena a = {0};
    focalclick_work wk;
    if (!w || !ref.data || !nd.data || !out) goto done;
    CHECK_MSG(focalclick_net_load(&net, w) == 0, "%s", samc_errmsg());
    CHECK_MSG(focalclick_work_alloc(&wk, &net, &a, S, S) == 0, "%s", samc_errmsg());
    float pts[18];
    double scratch[6];
    focalclick_points_nd(pts, clicks3, n, P, H, W, S, scratch);
    if (c == 0) nn_trace_set_sink(keep_tap, NULL);
    CHECK_MSG(focalclick_net_forward(&net, &wk, nd.data, pts, P, out, 1) == 0, "%s", samc_errmsg());
    nn_trace_set_sink(NULL, NULL);
    double d = max_abs_diff(out, ref.data, SS), r = range(ref.data, SS);
    printf("    %s instances: max abs diff %.3g = %.3g x range %.3g (tolerance 1e-4 x)\n", cases[c], d, d / r, r);
    CHECK(d <= 1e-4 * r);
    for (size_t t = 0; c == 0 && t < N_TAPS; t++) {
        CHECK_MSG(taps[t].data != NULL, "no trace of %s", taps[t].name);
        if (!taps[t].data) continue;
        char file[128];
        snprintf(file, sizeof file, "netcall0_tap_%s", taps[t].name);
        npy_array tr = read_case(cases[c], file, taps[t].n);
        if (!tr.data) continue;
        double td = max_abs_diff(taps[t].data, tr.data, taps[t].n), tr_range = range(tr.data, taps[t].n);
        printf("    tap %s: max abs diff %.3g (range %.3g)\n", taps[t].name, td, tr_range);
        CHECK(td <= 1e-4 * tr_range);
        io_npy_free(&tr);
    }
done:
    for (size_t t = 0; t < N_TAPS; t++) free(taps[t].data), taps[t].data = NULL;
    nn_arena_free(&a);
    free(out);
    io_npy_free(&ref), io_npy_free(&nd);
}

TEST(network_1click_matches_official) { check_network(0); }
TEST(network_3click_matches_official) { check_network(1); }

/* The predictor's final probability: within 1e-4 of the official one, and its mask
 * prob > 0.49f the same wherever the official probability is more than 1e-4 from 0.49.
 * Also checks that 1 and 2 threads give the same bits; *seconds: the prediction at 2. */
static void check_predictor(int c, double *seconds) {
    samw *w = fixture_model();
    uint8_t *img = read_image();
    size_t HW = (size_t)H * W;
    npy_array ref = read_case(cases[c], "prob", HW), mask = {0};
    char path[256];
    snprintf(path, sizeof path, DIR "%s_mask.npy", cases[c]);
    CHECK_MSG(io_npy_read(path, &mask) == 0, "%s", samc_errmsg());
    float *p1 = malloc(HW * sizeof(float)), *p2 = malloc(HW * sizeof(float));
    iseg *m = NULL;
    if (!w || !img || !ref.data || !mask.data || mask.count != HW || mask.dtype != NPY_U8 || !p1 || !p2) goto done;
    CHECK_MSG((m = iseg_open(w)) != NULL, "%s", samc_errmsg());
    if (!m) goto done;
    CHECK(!strcmp(iseg_family(m), "focalclick"));
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
done:
    iseg_free(m);
    free(p1), free(p2), free(img);
    io_npy_free(&ref), io_npy_free(&mask);
}

TEST(predictor_matches_official) {
    for (int c = 0; c < 2; c++) {
        double s = 0;
        check_predictor(c, &s);
        printf("    %s: one prediction (200x300, 2 threads) %.1f ms\n", cases[c], 1e3 * s);
    }
}

/* reference mode (portable products and exp, nn/mode.h) on 1click: parity too, and the same
 * bits at 1 and 2 threads */
TEST(predictor_reference_mode) {
    nn_set_reference_mode(1);
    check_predictor(0, NULL);
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

/* writes keys k with the given config as an official checkpoint at pth, converts it to samw;
 * the conversion's result */
static int write_and_convert(const bk_list *k, const char *pipeline, const char *version, const char *pth,
                             const char *samw_path) {
    CHECK(bk_focalclick_write(k, pipeline, version, pth) == 0);
    return weights_convert_any(pth, samw_path, 0, NULL);
}

/* A config the port does not run is refused by name: a model_version ClickSEG's SegFormer
 * does not build, the 's1' pipeline, and a b0 file that says b3 (shapes). */
TEST(config_refused) {
    bk_list k;
    char pth[128], out[128];
    snprintf(pth, sizeof pth, "/tmp/samc_test_focalclick_cfg_%ld.pth", (long)getpid());
    snprintf(out, sizeof out, "/tmp/samc_test_focalclick_cfg_%ld.samw", (long)getpid());
    if (bk_alloc(&k)) return;
    bk_segformer_keys(&k, k_b0_E, k_b0_depths, 256, 256);
    static const char *const bad[3][3] = {
        {"s2", "b2", "model_version 'b2'"}, {"s1", "b0", "pipeline_version 's1'"}, {"s2", "b3", "patch_embed1"}};
    for (int i = 0; i < 3; i++) {
        CHECK(write_and_convert(&k, bad[i][0], bad[i][1], pth, out) == -1);
        CHECK_MSG(strstr(samc_errmsg(), bad[i][2]) != NULL, "%s", samc_errmsg());
        CHECK(access(out, F_OK) != 0);
    }
    CHECK(write_and_convert(&k, "s2", "b0", pth, out) == 0);
    remove(pth), remove(out);
    bk_free(&k);
}

/* segformerB3_S2_comb's full key list (653 keys, 45.7 M values) with random values, converted
 * and run through the predictor on a small image: a finite probability map. */
TEST(real_size_b3) {
    bk_list k;
    if (bk_alloc(&k)) return;
    bk_segformer_keys(&k, k_b3_E, k_b3_depths, 512, 512);
    CHECK_MSG(k.n == 653, "%d keys", k.n);
    uint64_t values = bk_values(&k);
    printf("    segformerB3_S2_comb: %d keys, %.1f M values\n", k.n, values / 1e6);
    char pth[128], out[128];
    snprintf(pth, sizeof pth, "/tmp/samc_test_focalclick_b3_%ld.pth", (long)getpid());
    snprintf(out, sizeof out, "/tmp/samc_test_focalclick_b3_%ld.samw", (long)getpid());
    CHECK_MSG(write_and_convert(&k, "s2", "b3", pth, out) == 0, "%s", samc_errmsg());
    remove(pth);
    bk_free(&k);
    samw *w = samw_open(out);
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    iseg *m = w ? iseg_open(w) : NULL;
    CHECK_MSG(!w || m != NULL, "%s", samc_errmsg());
    enum { h = 40, wd = 52 };
    uint8_t img[h * wd * 3];
    for (int i = 0; i < h * wd * 3; i++) img[i] = (uint8_t)(i * 37 % 251);
    float prob[h * wd];
    static const iseg_click clicks[2] = {{1, 20, 30}, {0, 5, 7}};
    if (m) {
        CHECK(iseg_set_image(m, img, h, wd) == 0);
        double t0 = util_wall_seconds();
        CHECK_MSG(iseg_predict(m, clicks, 2, prob) == 0, "%s", samc_errmsg());
        printf("    b3 prediction (40x52 image, 256x256 network input): %.1f ms\n", 1e3 * (util_wall_seconds() - t0));
        int finite = 1;
        for (int i = 0; i < h * wd; i++) finite &= prob[i] >= 0.0f && prob[i] <= 1.0f;
        CHECK(finite);
    }
    iseg_free(m);
    samw_close(w);
    remove(out);
}

int main(void) {
    RUN(dwconv_hand);
    RUN(config_and_keys);
    RUN(inputs_match_official);
    RUN(network_1click_matches_official);
    RUN(network_3click_matches_official);
    RUN(predictor_matches_official);
    RUN(predictor_reference_mode);
    RUN(predictor_errors);
    RUN(config_refused);
    RUN(real_size_b3);
    samw_close(model);
    if (model_path[0]) remove(model_path);
    return check_summary();
}
