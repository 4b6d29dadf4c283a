/* The study's three baselines at their official sizes with random weights (issues 13, 14): the
 * key sets of coco_lvis_h32_itermask (RITM, HRNet-32 + OCR-128), segformerB3_S2_comb
 * (FocalClick, MiT-B3) and cocolvis_icl_vit_huge (SimpleClick, ViT-H/14), written as the
 * authors' checkpoints (test/baseline_keys.h) and converted with weights_convert_any once, the
 * .samw kept as ${SAMC_BENCH_TMP:-/tmp}/samc_bench_<model>.samw for later runs (the .pth is
 * written to a temporary folder there and removed). On a 200x300 image:
 *   ritm, focalclick  one prediction with 1 click and with 3 clicks: the best and the median
 *                     of 7 after one untimed prediction (other work on the machine only adds
 *                     time, so the best is the steadier figure), and the best CPU time of all
 *                     threads
 *   simpleclick       one network call (2 clicks: no cascade) and one whole 1-click prediction
 *                     (the cascade of up to 5 calls, each timed), with the GFLOP of a call
 *                     (matrix products; the batch of the image and its flip) and the fraction
 *                     of the sgemm peak measured in the same process (just before and just
 *                     after, the better), as bench_image_encoder does
 * usage: bench_baselines ritm|focalclick|simpleclick [threads]   (threads: 2 by default, the
 * count the issues' goals are set at)
 * Prints "key value" lines that bench/run.sh collects, and peak_rss_mb. */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iseg/iseg.h"
#include "nn/blas.h"
#include "nn/gemm.h"
#include "simpleclick/plainvit.h"
#include "simpleclick/simpleclick.h"
#include "test/baseline_keys.h"
#include "util/err.h"
#include "util/mem.h"
#include "weights/convert.h"

void openblas_set_num_threads(int n);

#define H 200
#define W 300
#define REPS 7

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_now(void) { /* CPU time of all threads: what the work costs on a busy machine */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "bench_baselines: %s: %s\n", what, samc_errmsg());
    exit(1);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- the random-weight models ---- */

/* ${SAMC_BENCH_TMP:-/tmp} */
static const char *tmp_dir(void) {
    const char *t = getenv("SAMC_BENCH_TMP");
    return t && *t ? t : "/tmp";
}

/* The model's keys written as its official checkpoint in a temporary folder of tmp_dir(),
 * converted to path, the checkpoint and the folder removed. 0 or -1. */
static int write_model(const char *model, const char *path) {
    char dir[512], pth[600];
    snprintf(dir, sizeof dir, "%s/samc_bench_pth_XXXXXX", tmp_dir());
    if (!mkdtemp(dir)) return util_err("%s: %s", dir, strerror(errno));
    snprintf(pth, sizeof pth, "%s/model.pth", dir);
    bk_list l;
    int rc = -1;
    if (bk_alloc(&l)) {
        util_err("out of memory");
        goto done;
    }
    fprintf(stderr, "bench_baselines: writing the random %s checkpoint and converting it to %s\n", model, path);
    if (!strcmp(model, "ritm")) {
        bk_ritm_keys(&l, 32, 128, 0);
        rc = bk_ritm_write(&l, 32, 128, "False", "True", pth);
    } else if (!strcmp(model, "focalclick")) {
        static const int E[4] = BK_MIT_B3_E, depths[4] = BK_MIT_B3_DEPTHS;
        bk_segformer_keys(&l, E, depths, 512, 512);
        rc = bk_focalclick_write(&l, "s2", "b3", pth);
    } else {
        static const bk_vit v = BK_VIT_H;
        bk_plainvit_keys(&l, &v);
        rc = bk_simpleclick_write(&l, &v, pth, NULL, NULL);
    }
    if (rc) util_err("writing %s", pth);
    else rc = weights_convert_any(pth, path, 0, NULL);
done:
    bk_free(&l);
    remove(pth);
    rmdir(dir);
    return rc;
}

/* ---- the image and the clicks ---- */

/* A 200x300 RGB image with some structure: a lit ellipse (the object the clicks point at)
 * on a textured gradient. */
static void make_image(uint8_t *rgb) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double dy = (y - 95) / 45.0, dx = (x - 125) / 70.0, inside = dy * dy + dx * dx < 1;
            double tex = 20 * sin(0.31 * x) * cos(0.23 * y);
            uint8_t *p = rgb + ((size_t)y * W + x) * 3;
            p[0] = (uint8_t)(inside ? 200 + tex / 2 : 60 + 0.3 * x + tex);
            p[1] = (uint8_t)(inside ? 90 + tex / 2 : 80 + 0.4 * y + tex);
            p[2] = (uint8_t)(inside ? 60 : 120 + tex);
        }
}

/* the clicks of the models' parity tests */
static const iseg_click clicks3[3] = {{1, 90, 120}, {0, 144, 234}, {1, 60, 108}};

/* ---- RITM and FocalClick: one prediction ---- */

static void bench_predictions(const char *model, iseg *m) {
    float *prob = util_xmalloc_array((size_t)H * W, sizeof(float));
    if (!prob) die("out of memory");
    for (int n = 1; n <= 3; n += 2) {
        double t[REPS], cpu[REPS];
        if (iseg_predict(m, clicks3, n, prob)) die("predict"); /* the arena's first allocation */
        for (int r = 0; r < REPS; r++) {
            double t0 = now(), c0 = cpu_now();
            if (iseg_predict(m, clicks3, n, prob)) die("predict");
            t[r] = now() - t0, cpu[r] = cpu_now() - c0;
        }
        qsort(t, REPS, sizeof *t, cmp_double);
        qsort(cpu, REPS, sizeof *cpu, cmp_double);
        printf("%s %d click%s: best %.3f s, median %.3f s of %d (CPU time of all threads: best %.3f s)\n", model, n,
               n > 1 ? "s" : "", t[0], t[REPS / 2], REPS, cpu[0]);
        printf("%s_%dclick_s %.4f\n", model, n, t[0]);
        printf("%s_%dclick_median_s %.4f\n", model, n, t[REPS / 2]);
        printf("%s_%dclick_cpu_s %.4f\n", model, n, cpu[0]);
    }
    free(prob);
}

/* ---- SimpleClick: a network call and the cascade ---- */

/* GFLOP/s of C[T][M] = A[T][E] @ B[M][E]^T (the MLP's fc1 on the batch), the better of one
 * OpenBLAS call on all its threads and nn_sgemm, best of two runs each */
static double sgemm_peak(int T, int E, int M) {
    float *a = util_xmalloc_array((size_t)T * E, sizeof(float)), *b = util_xmalloc_array((size_t)M * E, sizeof(float));
    float *c = util_xmalloc_array((size_t)T * M, sizeof(float));
    if (!a || !b || !c) die("out of memory");
    for (size_t i = 0; i < (size_t)T * E; i++) a[i] = (float)((i * 7919) % 1000) * 1e-3f;
    for (size_t i = 0; i < (size_t)M * E; i++) b[i] = (float)((i * 104729) % 1000) * 1e-3f;
    double best = 1e30;
    for (int r = 0; r < 4; r++) {
        double t = now();
        if (r < 2) {
            openblas_set_num_threads(nn_blas_get_threads());
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, M, E, 1.0f, a, E, b, E, 0.0f, c, M);
            openblas_set_num_threads(1);
        } else {
            nn_sgemm(0, 1, T, M, E, 1.0f, a, E, b, E, 0.0f, c, M);
        }
        t = now() - t;
        best = t < best ? t : best;
    }
    free(a), free(b), free(c);
    return 2.0 * T * M * E / best * 1e-9;
}

/* Multiply-adds x 2 of one network call on the batch of 2 (the image and its flip): the patch
 * embeddings, the blocks (windowed attention within ws x ws windows, global every G-th), the
 * neck's and the head's convolutions. */
static double call_flop(const simpleclick_net *n) {
    double T = n->tokens, D = n->embed_dim, M = n->mlp_dim, p = n->patch, hd = n->head_dim, ws = n->window;
    double c4 = n->c4, c8 = n->c8, c32 = n->c32, Ch = n->channels;
    const int *o = n->out_dims;
    double f = 2 * (2 * T * D * 3 * p * p); /* patch_embed, patch_embed_coords */
    for (int i = 1; i <= n->depth; i++) {
        double seq = i % n->group == 0 ? T : ws * ws;
        f += 2 * T * D * (3 * D + D + 2 * M);            /* qkv, proj, fc1, fc2 */
        f += T / seq * n->heads * 4 * seq * seq * hd;    /* q k^T and attn v */
    }
    f += 2 * T * D * 4 * c4 + 2 * 4 * T * c4 * 4 * (c4 / 2) + 2 * 16 * T * (c4 / 2) * o[0]; /* down_4 */
    f += 2 * T * D * 4 * c8 + 2 * 4 * T * c8 * o[1];                                       /* down_8 */
    f += 2 * T * D * o[2];                                                                 /* down_16 */
    f += 2 * (T / 4) * 4 * D * c32 + 2 * (T / 4) * c32 * o[3];                             /* down_32 */
    for (int l = 0; l < SIMPLECLICK_LEVELS; l++) f += 2 * (16 * T / (1 << 2 * l)) * o[l] * Ch; /* head.convs */
    f += 2 * 16 * T * 4 * Ch * Ch + 2 * 16 * T * Ch;                                      /* fusion, conv_seg */
    return 2 * f;                                                                          /* the batch of 2 */
}

/* the end time of each network call of a prediction */
typedef struct {
    int calls;
    double end[8];
} call_times;

static void time_call(void *ctx, int call, const simpleclick_roi *roi, const float *image_nd, int S,
                      const float *points, int P, const float *prob_full, int H_, int W_) {
    (void)call, (void)roi, (void)image_nd, (void)S, (void)points, (void)P, (void)prob_full, (void)H_, (void)W_;
    call_times *c = ctx;
    if (c->calls < 8) c->end[c->calls++] = now();
}

static void bench_simpleclick(iseg *m, const samw *w) {
    simpleclick_net net;
    if (simpleclick_net_load(&net, w)) die("simpleclick_net_load");
    float *prob = util_xmalloc_array((size_t)H * W, sizeof(float));
    if (!prob) die("out of memory");
    double flop = call_flop(&net);
    double peak = sgemm_peak(2 * net.tokens, net.embed_dim, net.mlp_dim);

    /* one call: 2 clicks are past cascade_clicks, so no cascade */
    call_times one = {0};
    double t0 = now();
    if (simpleclick_predict_traced(m, clicks3, 2, prob, time_call, &one)) die("predict");
    double call_s = now() - t0;
    /* the whole 1-click prediction, each call timed */
    call_times casc = {0};
    t0 = now();
    if (simpleclick_predict_traced(m, clicks3, 1, prob, time_call, &casc)) die("predict");
    double casc_s = now() - t0;

    double peak_after = sgemm_peak(2 * net.tokens, net.embed_dim, net.mlp_dim);
    peak = peak_after > peak ? peak_after : peak;
    double rate = flop / call_s * 1e-9;
    printf("simpleclick one network call (2 clicks): %.2f s, %.0f GFLOP, %.1f GFLOPS = %.1f %% of the sgemm peak "
           "(%.1f GFLOPS)\n",
           call_s, flop * 1e-9, rate, 100 * rate / peak, peak);
    printf("simpleclick 1-click prediction: %.2f s, %d network calls (", casc_s, casc.calls);
    for (int i = 0; i < casc.calls; i++) printf("%s%.2f", i ? " " : "", casc.end[i] - (i ? casc.end[i - 1] : t0));
    printf(" s)\n");
    printf("simpleclick_call_s %.3f\n", call_s);
    printf("simpleclick_call_gflop %.1f\n", flop * 1e-9);
    printf("simpleclick_call_gflops %.2f\n", rate);
    printf("sgemm_peak_gflops %.2f\n", peak);
    printf("simpleclick_call_peak_fraction %.3f\n", rate / peak);
    printf("simpleclick_cascade_s %.3f\n", casc_s);
    printf("simpleclick_cascade_calls %d\n", casc.calls);
    free(prob);
}

int main(int argc, char **argv) {
    nn_blas_runtime_reexec(argv); /* as the samc program does */
    const char *model = argc > 1 ? argv[1] : "";
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    if (strcmp(model, "ritm") && strcmp(model, "focalclick") && strcmp(model, "simpleclick")) {
        fprintf(stderr, "usage: bench_baselines ritm|focalclick|simpleclick [threads]\n");
        return 2;
    }
    nn_blas_set_threads(threads > 0 ? threads : 2);
    char path[512];
    snprintf(path, sizeof path, "%s/samc_bench_%s.samw", tmp_dir(), model);
    struct stat st;
    if (stat(path, &st) && write_model(model, path)) die(path);
    double t0 = now();
    samw *w = samw_open(path);
    if (!w) die(path);
    iseg *m = iseg_open(w);
    if (!m) die(path);
    printf("%s: %s, %d threads, core %s, open %.3f s\n", model, path, nn_blas_get_threads(), nn_blas_core_name(),
           now() - t0);
    uint8_t *rgb = util_xmalloc_array((size_t)H * W, 3);
    if (!rgb) die("out of memory");
    make_image(rgb);
    if (iseg_set_image(m, rgb, H, W)) die("set_image");
    if (!strcmp(model, "simpleclick")) bench_simpleclick(m, w);
    else bench_predictions(model, m);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak_rss_mb %.0f\n", ru.ru_maxrss / 1024.0);
    iseg_free(m);
    samw_close(w);
    free(rgb);
    return 0;
}
