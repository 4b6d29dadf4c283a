/* simpleclick/: the port of CFR-ICL's cocolvis_icl_vit_huge ("SimpleClick") against the official
 * predictor's outputs on a reduced random-weight model (test/fixtures/baselines/simpleclick:
 * ViT patch 14 at 448, dim 128, depth 8, 2 heads, neck [24,48,96,192], head 32;
 * fixtures/baselines/README.md gives the tolerances): per network call ZoomIn's ROI, the
 * points, head.conv_seg and the full-image probability, and per case the number of calls, the
 * final probability and mask; the same bits at 1 and 2 threads in reference mode; the new ops
 * (ConvTranspose2d k2 s2, GroupNorm) against hand computations; and the official key sets of
 * ViT-B and ViT-H (cocolvis_icl_vit_huge) at full size, random values, converted and run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check.h"
#include "test/baseline_fixture.h"
#include "io/npy.h"
#include "io/png.h"
#include "iseg/iseg.h"
#include "nn/blas.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "simpleclick/plainvit.h"
#include "simpleclick/simpleclick.h"
#include "test/baseline_keys.h"
#include "util/err.h"
#include "util/timer.h"
#include "weights/convert.h"

#define DIR "test/fixtures/baselines/simpleclick/"
#define CKPT DIR "plainvit_small448_RANDOM.pth"
#define MAX_CALLS 5

/* A case of fixture.json: the image, the clicks, and per network call ZoomIn's ROI
 * ("object_roi(rmin,rmax,cmin,cmax)") and the files of its points and prob_full. */
typedef struct {
    const char *name, *image; /* image: .npy (uint8 HxWx3) or .png */
    int H, W, n;
    iseg_click clicks[3];
    int calls;
    simpleclick_roi roi[MAX_CALLS];
    const char *points[MAX_CALLS], *prob_full[MAX_CALLS];
} fixture_case;

static const fixture_case cases[3] = {
    {"1click",
     "image_uint8_hwc.npy",
     200,
     300,
     1,
     {{1, 90, 120}},
     5,
     {{0, 199, 0, 299}, {0, 199, 0, 299}, {0, 199, 0, 299}, {0, 199, 0, 299}, {0, 199, 0, 299}},
     {"1click_netcall0_points_nd", "1click_netcall0_points_nd", "1click_netcall0_points_nd",
      "1click_netcall0_points_nd", "1click_netcall0_points_nd"},
     {"1click_netcall0_prob_full", "1click_netcall1_prob_full", "1click_netcall2_prob_full",
      "1click_netcall3_prob_full", "1click_prob"}},
    {"3click",
     "image_uint8_hwc.npy",
     200,
     300,
     3,
     {{1, 90, 120}, {0, 144, 234}, {1, 60, 108}},
     1,
     {{0, 199, 0, 299}},
     {"3click_netcall0_points_nd"},
     {"3click_prob"}},
    {"480x640_1click",
     "image480x640_uint8_hwc.png",
     480,
     640,
     1,
     {{1, 201, 256}},
     3,
     {{0, 479, 0, 639}, {105, 305, 158, 358}, {105, 305, 158, 358}},
     {"480x640_1click_netcall0_points_nd", "480x640_1click_netcall1_points_nd", "480x640_1click_netcall1_points_nd"},
     {"480x640_1click_netcall0_prob_full", "480x640_1click_netcall1_prob_full", "480x640_1click_prob"}},
};

static samw *model; /* the fixture checkpoint, converted once */
static char model_path[128];

static samw *fixture_model(void) {
    return fixture_convert_once(&model, CKPT, "simpleclick", model_path, sizeof model_path);
}

/* DIR/<file>.npy as float32, of n values; data NULL (and a failed check) otherwise */
static npy_array read_f32(const char *file, size_t n) {
    char path[256];
    snprintf(path, sizeof path, DIR "%s.npy", file);
    return fixture_read_f32(path, n);
}

/* the case's image as uint8 HxWx3 (caller frees), or NULL */
static uint8_t *read_image(const fixture_case *c) {
    size_t n = (size_t)c->H * c->W * 3;
    char path[256];
    snprintf(path, sizeof path, DIR "%s", c->image);
    if (strstr(c->image, ".png")) {
        png_image p = {0};
        CHECK_MSG(io_png_read(path, &p) == 0, "%s", samc_errmsg());
        CHECK(p.pixels && p.width == c->W && p.height == c->H && p.channels == 3 && p.bit_depth == 8);
        if (!p.pixels || p.width != c->W || p.height != c->H || p.channels != 3 || p.bit_depth != 8) {
            io_png_free(&p);
            return NULL;
        }
        return p.pixels;
    }
    return fixture_read_u8(path, n);
}

/* ConvTranspose2d(2, 1, 2, 2) on a 2-channel 1x2 map, summed by hand: out[o][2y+a][2x+b] =
 * bias + in[0][y][x] * w[0][o][a][b] + in[1][y][x] * w[1][o][a][b] */
TEST(conv_transpose2x2_hand) {
    float in[4] = {1, 2, /* channel 1: */ 3, -1};
    float wt[8] = {1, 2, 3, 4, /* channel 1: */ 0.5f, 0, -1, 2};
    float bias = 0.25f, out[8], cols[8];
    nn_conv_transpose2x2_forward(out, in, wt, &bias, 2, 1, 2, 1, cols);
    /* pixel (0,0): 1*{1,2,3,4} + 3*{0.5,0,-1,2} = {2.5, 2, 0, 10}; pixel (0,1): 2*{1,2,3,4} -
     * 1*{0.5,0,-1,2} = {1.5, 4, 7, 6}; out rows: [a=0: x0 b0, x0 b1, x1 b0, x1 b1], [a=1: ...] */
    const float expect[8] = {2.75f, 2.25f, 1.75f, 4.25f, 0.25f, 10.25f, 7.25f, 6.25f};
    for (int i = 0; i < 8; i++) CHECK_NEAR(out[i], expect[i], 1e-6);
    /* no bias */
    nn_conv_transpose2x2_forward(out, in, wt, NULL, 2, 1, 2, 1, cols);
    for (int i = 0; i < 8; i++) CHECK_NEAR(out[i], expect[i] - 0.25f, 1e-6);
}

/* GroupNorm on 2 channels of 2 pixels {1, 2 | 3, 4}: one group has mean 2.5 and biased
 * variance 1.25; two groups have means 1.5, 3.5 and variance 0.25 each. */
TEST(groupnorm_hand) {
    float in[4] = {1, 2, 3, 4}, w[2] = {2, -1}, b[2] = {0.5f, 1}, out[4];
    double stats[6];
    nn_groupnorm_forward(out, in, w, b, 2, 2, 1, 1e-5f, stats);
    double r = 1 / sqrt(1.25 + 1e-5);
    CHECK_NEAR(out[0], -1.5 * r * 2 + 0.5, 1e-6);
    CHECK_NEAR(out[1], -0.5 * r * 2 + 0.5, 1e-6);
    CHECK_NEAR(out[2], 0.5 * r * -1 + 1, 1e-6);
    CHECK_NEAR(out[3], 1.5 * r * -1 + 1, 1e-6);
    nn_groupnorm_forward(in, in, w, b, 2, 2, 2, 1e-5f, stats); /* in place */
    r = 1 / sqrt(0.25 + 1e-5);
    CHECK_NEAR(in[0], -0.5 * r * 2 + 0.5, 1e-6);
    CHECK_NEAR(in[1], 0.5 * r * 2 + 0.5, 1e-6);
    CHECK_NEAR(in[2], -0.5 * r * -1 + 1, 1e-6);
    CHECK_NEAR(in[3], 0.5 * r * -1 + 1, 1e-6);
}

/* the sizes the loader derives: fixture.json's config and baselines.md §4.2 */
TEST(config_and_keys) {
    samw *w = fixture_model();
    if (!w) return;
    simpleclick_net net;
    CHECK_MSG(simpleclick_net_load(&net, w) == 0, "%s", samc_errmsg());
    CHECK(net.img_size == 448 && net.patch == 14 && net.grid == 32 && net.tokens == 1024);
    CHECK(net.embed_dim == 128 && net.depth == 8 && net.heads == 2 && net.head_dim == 64 && net.mlp_dim == 512);
    CHECK(net.window == 16 && net.group == 2); /* 2x2 windows of 16x16 tokens; global at 2, 4, 6, 8 */
    CHECK(net.out_dims[0] == 24 && net.out_dims[1] == 48 && net.out_dims[2] == 96 && net.out_dims[3] == 192);
    CHECK(net.c4 == 64 && net.c8 == 64 && net.c32 == 256 && net.channels == 32);
    CHECK(samw_count(w) == 166);
}

/* What the hook and the trace sink saw in one prediction. */
typedef struct {
    int calls;
    simpleclick_roi roi[MAX_CALLS];
    float *points[MAX_CALLS], *prob_full[MAX_CALLS], *conv_seg[MAX_CALLS];
    size_t n_points, n_seg;
    float *seg; /* the last head.conv_seg trace, [2][1][128][128] */
} record;

static void keep_seg(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape) {
    record *r = ctx;
    if (strcmp(name, "head.conv_seg")) return;
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    free(r->seg);
    if ((r->seg = malloc(n * sizeof(float)))) memcpy(r->seg, data, n * sizeof(float));
    r->n_seg = n;
}

static void keep_call(void *ctx, int call, const simpleclick_roi *roi, const float *image_nd, int S,
                      const float *points, int P, const float *prob_full, int H, int W) {
    (void)image_nd, (void)S;
    record *r = ctx;
    if (call != r->calls || call >= MAX_CALLS) {
        r->calls = MAX_CALLS + 1; /* out of order: fails the count check */
        return;
    }
    r->roi[call] = *roi;
    r->n_points = (size_t)12 * P;
    if ((r->points[call] = malloc(r->n_points * sizeof(float))))
        memcpy(r->points[call], points, r->n_points * sizeof(float));
    if ((r->prob_full[call] = malloc((size_t)H * W * sizeof(float))))
        memcpy(r->prob_full[call], prob_full, (size_t)H * W * sizeof(float));
    r->conv_seg[call] = r->seg;
    r->seg = NULL;
    r->calls++;
}

static void record_free(record *r) {
    for (int i = 0; i < MAX_CALLS; i++) free(r->points[i]), free(r->prob_full[i]), free(r->conv_seg[i]);
    free(r->seg);
    *r = (record){0};
}

/* Case c through the predictor: each network call's ROI, points (exact), head.conv_seg
 * (1e-4 x range) and prob_full (1e-4) against the official ones, the number of calls, the
 * final probability (1e-4) and its mask prob > 0.49f the same wherever the official
 * probability is more than 1e-4 from 0.49. Returns the final probability (caller frees) or
 * NULL. */
static float *check_case(const fixture_case *c, double *seconds) {
    samw *w = fixture_model();
    uint8_t *img = read_image(c);
    size_t HW = (size_t)c->H * c->W;
    npy_array mask = {0};
    char path[256];
    snprintf(path, sizeof path, DIR "%s_mask.npy", c->name);
    CHECK_MSG(io_npy_read(path, &mask) == 0, "%s", samc_errmsg());
    float *prob = malloc(HW * sizeof(float));
    iseg *m = NULL;
    record rec = {0};
    if (!w || !img || !mask.data || mask.count != HW || mask.dtype != NPY_U8 || !prob) goto fail;
    CHECK_MSG((m = iseg_open(w)) != NULL, "%s", samc_errmsg());
    if (!m) goto fail;
    CHECK(!strcmp(iseg_family(m), "simpleclick"));
    CHECK_MSG(iseg_set_image(m, img, c->H, c->W) == 0, "%s", samc_errmsg());
    nn_trace_set_sink(keep_seg, &rec);
    double t0 = util_wall_seconds();
    CHECK_MSG(simpleclick_predict_traced(m, c->clicks, c->n, prob, keep_call, &rec) == 0, "%s", samc_errmsg());
    if (seconds) *seconds = util_wall_seconds() - t0;
    nn_trace_set_sink(NULL, NULL);
    printf("    %s%s: %d network calls (official %d)\n", nn_reference_mode() ? "reference mode " : "", c->name,
           rec.calls, c->calls);
    CHECK(rec.calls == c->calls);
    for (int k = 0; k < rec.calls && k < c->calls; k++) {
        const simpleclick_roi *a = &rec.roi[k], *e = &c->roi[k];
        printf("      call %d: ROI rows %d..%d cols %d..%d", k, a->rmin, a->rmax, a->cmin, a->cmax);
        CHECK(a->rmin == e->rmin && a->rmax == e->rmax && a->cmin == e->cmin && a->cmax == e->cmax);
        npy_array pts = read_f32(c->points[k], rec.n_points);
        CHECK(pts.data && rec.points[k] && !memcmp(pts.data, rec.points[k], rec.n_points * sizeof(float)));
        snprintf(path, sizeof path, "%s_netcall%d_tap_head.conv_seg", c->name, k);
        npy_array seg = read_f32(path, (size_t)2 * 128 * 128);
        CHECK_MSG(rec.conv_seg[k] != NULL, "no trace of head.conv_seg at call %d", k);
        if (seg.data && rec.conv_seg[k]) {
            double d = max_abs_diff(rec.conv_seg[k], seg.data, seg.count), r = range(seg.data, seg.count);
            printf("; head.conv_seg max abs diff %.3g = %.3g x range", d, d / r);
            CHECK(d <= 1e-4 * r);
        }
        npy_array full = read_f32(c->prob_full[k], HW);
        if (full.data && rec.prob_full[k]) {
            double d = max_abs_diff(rec.prob_full[k], full.data, HW);
            printf("; prob_full max abs diff %.3g", d);
            CHECK(d <= 1e-4);
        }
        printf("\n");
        io_npy_free(&pts), io_npy_free(&seg), io_npy_free(&full);
    }
    npy_array ref = read_f32(c->prob_full[c->calls - 1], HW); /* the last call's result is the final prob */
    if (ref.data) {
        double d = max_abs_diff(prob, ref.data, HW);
        const float *r = ref.data;
        const uint8_t *mk = mask.data;
        size_t differ = 0, near = 0, on = 0;
        for (size_t i = 0; i < HW; i++) {
            on += mk[i] != 0;
            if (fabsf(r[i] - 0.49f) <= 1e-4f) {
                near++;
                continue;
            }
            differ += (prob[i] > ISEG_THRESHOLD) != (mk[i] != 0);
        }
        printf("    %s prob: max abs diff %.3g (tolerance 1e-4); mask (%zu pixels on): %zu pixels differ (%zu within "
               "1e-4 of 0.49 not compared)\n",
               c->name, d, on, differ, near);
        CHECK(d <= 1e-4);
        CHECK(differ == 0);
        io_npy_free(&ref);
    }
    iseg_free(m);
    record_free(&rec);
    free(img);
    io_npy_free(&mask);
    return prob;
fail:
    nn_trace_set_sink(NULL, NULL);
    iseg_free(m);
    record_free(&rec);
    free(prob), free(img);
    io_npy_free(&mask);
    return NULL;
}

TEST(predictor_1click_matches_official) {
    double s = 0;
    free(check_case(&cases[0], &s));
    printf("    1click: one prediction (200x300, 5 network calls, %d threads) %.1f ms\n", nn_blas_get_threads(),
           1e3 * s);
}

TEST(predictor_3click_matches_official) { free(check_case(&cases[1], NULL)); }

/* the case where ZoomIn crops (call 1) and the cascade stops after 3 calls */
TEST(predictor_480x640_matches_official) { free(check_case(&cases[2], NULL)); }

/* reference mode (portable products and exp, nn/mode.h) on 3click (one network call): parity,
 * and the same bits at 1 and 2 threads */
TEST(predictor_reference_mode) {
    nn_set_reference_mode(1);
    int threads = nn_blas_get_threads();
    nn_blas_set_threads(1);
    float *p1 = check_case(&cases[1], NULL);
    nn_blas_set_threads(2);
    float *p2 = check_case(&cases[1], NULL);
    nn_blas_set_threads(threads);
    nn_set_reference_mode(0);
    CHECK(p1 && p2 && !memcmp(p1, p2, (size_t)200 * 300 * sizeof(float)));
    free(p1), free(p2);
}

/* predict before set_image; a click outside the image */
TEST(predictor_errors) {
    samw *w = fixture_model();
    if (!w) return;
    iseg *m = iseg_open(w);
    CHECK(m != NULL);
    if (!m) return;
    float p[4];
    iseg_click in = {1, 1, 1}, out = {1, 2, 0};
    CHECK(iseg_predict(m, &in, 1, p) == -1);
    uint8_t img[2 * 2 * 3] = {0};
    CHECK(iseg_set_image(m, img, 2, 2) == 0);
    CHECK(iseg_predict(m, &out, 1, p) == -1);
    CHECK(strstr(samc_errmsg(), "outside") != NULL);
    iseg_free(m);
}

/* ---- real size: a random-weight checkpoint with the official key list of a given size ---- */

/* The checkpoint of size v, as the official save_checkpoint writes it (test/baseline_keys.h),
 * converted to out (the .pth removed after); the number of keys, or -1. */
static int write_model(const bk_vit *v, const char *out, uint64_t *values) {
    bk_list l;
    char pth[160];
    if (bk_alloc(&l)) return -1;
    bk_plainvit_keys(&l, v);
    int n = l.n;
    *values = bk_values(&l);
    snprintf(pth, sizeof pth, "%s.pth", out);
    samc_convert_info info;
    if (bk_simpleclick_write(&l, v, pth, NULL, NULL) || weights_convert_any(pth, out, 0, &info))
        n = -1;
    else
        CHECK(!strcmp(info.family, "simpleclick") && info.n_tensors == n && info.n_values == *values);
    remove(pth);
    bk_free(&l);
    return n;
}

/* the shapes of the traces a pass reports */
typedef struct {
    int first_global; /* the first global block's index */
    int64_t block0[3], global[3], seg[4];
} shapes_seen;

static void keep_shapes(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape) {
    (void)data, (void)ndim;
    shapes_seen *s = ctx;
    char global[32];
    snprintf(global, sizeof global, "backbone.blocks.%d", s->first_global);
    if (!strcmp(name, "backbone.blocks.0")) memcpy(s->block0, shape, sizeof s->block0);
    if (!strcmp(name, global)) memcpy(s->global, shape, sizeof s->global);
    if (!strcmp(name, "head.conv_seg")) memcpy(s->seg, shape, sizeof s->seg);
}

static void count_call(void *ctx, int call, const simpleclick_roi *roi, const float *image_nd, int S,
                       const float *points, int P, const float *prob_full, int H, int W) {
    (void)call, (void)image_nd, (void)S, (void)points, (void)P, (void)prob_full;
    int *calls = ctx;
    *calls += roi->rmin == 0 && roi->rmax == H - 1 && roi->cmin == 0 && roi->cmax == W - 1 ? 1 : 100;
}

/* A full-size variant and what baselines.md §4 says of it. */
typedef struct {
    const char *name;
    bk_vit v;
    int keys, grid, window, first_global, c4, c8, c32;
    double mvalues; /* millions of state_dict values, 0 if the spec gives none */
} variant;

/* The variant converted from the official key list, loaded, and one network call (2 clicks)
 * on a small image: the sizes, the official module shapes, a probability map. */
static void check_real_size(const variant *x) {
    const bk_vit *v = &x->v;
    char path[128];
    snprintf(path, sizeof path, "/tmp/samc_test_simpleclick_real_%ld.samw", (long)getpid());
    uint64_t values = 0;
    double t0 = util_wall_seconds();
    int n = write_model(v, path, &values);
    CHECK_MSG(n == x->keys, "%d keys: %s", n, samc_errmsg());
    CHECK(x->mvalues == 0 || fabs(values / 1e6 - x->mvalues) < 0.05);
    samw *w = n > 0 ? samw_open(path) : NULL;
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    iseg *m = w ? iseg_open(w) : NULL;
    CHECK_MSG(m != NULL, "%s", samc_errmsg());
    double t1 = util_wall_seconds();
    if (m) {
        simpleclick_net net;
        int G = x->first_global + 1, g = x->grid, ws = x->window, D = v->D;
        CHECK(simpleclick_net_load(&net, w) == 0);
        CHECK(net.grid == g && net.window == ws && net.group == G && net.head_dim == D / v->heads);
        CHECK(net.c4 == x->c4 && net.c8 == x->c8 && net.c32 == x->c32 && net.channels == v->Ch);
        enum { IH = 36, IW = 52 };
        uint8_t img[IH * IW * 3];
        for (int i = 0; i < IH * IW * 3; i++) img[i] = (uint8_t)(i * 7 % 251);
        float prob[IH * IW];
        shapes_seen s = {.first_global = x->first_global};
        int calls = 0;
        CHECK(iseg_set_image(m, img, IH, IW) == 0);
        nn_trace_set_sink(keep_shapes, &s);
        const iseg_click clicks[2] = {{1, 10, 20}, {0, 30, 40}};
        CHECK_MSG(simpleclick_predict_traced(m, clicks, 2, prob, count_call, &calls) == 0, "%s", samc_errmsg());
        nn_trace_set_sink(NULL, NULL);
        CHECK(calls == 1); /* 2 clicks: one call, on the whole image */
        int nwin = g / ws;
        CHECK(s.block0[0] == 2 * nwin * nwin && s.block0[1] == ws * ws && s.block0[2] == D); /* in windows */
        CHECK(s.global[0] == 2 && s.global[1] == g * g && s.global[2] == D);
        CHECK(s.seg[0] == 2 && s.seg[1] == 1 && s.seg[2] == 4 * g && s.seg[3] == 4 * g);
        int ok = 1;
        float lo = 1, hi = 0;
        for (int i = 0; i < IH * IW; i++) {
            ok &= prob[i] >= 0 && prob[i] <= 1;
            lo = prob[i] < lo ? prob[i] : lo, hi = prob[i] > hi ? prob[i] : hi;
        }
        CHECK(ok && hi > lo);
        printf("    %s: %d keys, %.1f M values; write + convert + open %.1f s, one network call (%d threads) %.1f s, "
               "prob %.3g..%.3g\n",
               x->name, n, values / 1e6, t1 - t0, nn_blas_get_threads(), util_wall_seconds() - t1, lo, hi);
    }
    iseg_free(m);
    samw_close(w);
    remove(path);
}

/* A depth the official forward_backbone asserts against (not a multiple of 4) is refused when
 * the checkpoint is converted, with a message; nothing is written. */
TEST(loader_refuses_depth) {
    bk_vit v = {14, 32, 6, 2, {8, 8, 8, 8}, 8};
    char path[128];
    snprintf(path, sizeof path, "/tmp/samc_test_simpleclick_depth_%ld.samw", (long)getpid());
    uint64_t values;
    CHECK(write_model(&v, path, &values) == -1);
    CHECK_MSG(strstr(samc_errmsg(), "depth 6 is not a multiple of 4") != NULL, "%s", samc_errmsg());
    CHECK(access(path, F_OK) != 0);
}

/* Whether the build has AddressSanitizer (SAN=1): the real-size ViT-H is left out there, where
 * its 1.3 TFLOP per image would take many minutes. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Free bytes on the file system of /tmp (0 if unknown). */
static double tmp_free_bytes(void) {
    struct statvfs v;
    return statvfs("/tmp", &v) ? 0 : (double)v.f_bavail * v.f_frsize;
}

/* SimpleClick's ViT-B/16 variant at full size: 12 heads, 2x2 windows of 14x14 tokens, global
 * blocks 6 and 12 (G = 6 for depth 12), neck [128, 256, 512, 1024], head 256; ~8 s. Then
 * ViT-H, the study's model (issue 14: 454 keys, 662.2 M values, a 2.6 GB checkpoint and as
 * much .samw, the .pth removed once converted; ~1.3 TFLOP per image): on the shared 2-core
 * development VM 19 s to write and convert and 16-35 s for the call. It runs in the normal
 * build and is left out, with a note, under AddressSanitizer and when /tmp has under 6 GB
 * free; SAMC_TEST_VIT_H=0 leaves it out, SAMC_TEST_VIT_H=1 runs it under sanitizers too. */
TEST(real_size) {
    static const variant vit_b = {"ViT-B/16", {16, 768, 12, 12, {128, 256, 512, 1024}, 256},
                                  214, 28, 14, 5, 384, 384, 1536, 0};
    static const variant vit_h = {"ViT-H/14", BK_VIT_H, 454, 32, 16, 7, 640, 640, 2560, 662.2};
    check_real_size(&vit_b);
    const char *env = getenv("SAMC_TEST_VIT_H");
    double free_gb = tmp_free_bytes() / 1e9;
    if (env && !strcmp(env, "0"))
        printf("    ViT-H/14 left out (SAMC_TEST_VIT_H=0)\n");
    else if (SANITIZED && !(env && !strcmp(env, "1")))
        printf("    ViT-H/14 left out under AddressSanitizer (SAMC_TEST_VIT_H=1 runs it)\n");
    else if (free_gb < 6)
        printf("    ViT-H/14 left out: %.1f GB free in /tmp, it needs 6\n", free_gb);
    else
        check_real_size(&vit_h);
}

int main(void) {
    RUN(conv_transpose2x2_hand);
    RUN(groupnorm_hand);
    RUN(config_and_keys);
    RUN(predictor_1click_matches_official);
    RUN(predictor_3click_matches_official);
    RUN(predictor_480x640_matches_official);
    RUN(predictor_reference_mode);
    RUN(predictor_errors);
    RUN(loader_refuses_depth);
    RUN(real_size);
    samw_close(model);
    if (model_path[0]) remove(model_path);
    return check_summary();
}
