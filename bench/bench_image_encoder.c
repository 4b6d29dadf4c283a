/* The image encoder at the official ViT shapes with random weights: time, GFLOP/s and peak
 * memory of one forward pass on a 1024 x 1024 input, set against the sgemm peak measured in
 * the same process (on the encoder's MLP shape, just before and just after the forward, the
 * better of the two), so that the fraction means something on a loaded machine too.
 * usage: bench_image_encoder [b|l|h] [threads] [img_size] [depth] [warm]
 *   defaults: b, all cores, 1024, the model's depth (0: the model's), no warm passes. A smaller
 *   depth (its last block made global) measures the activation memory of a big model without
 *   its full weights. warm > 0 runs that many more forward passes after the first, as a
 *   program that encodes many images does (its buffers and threads already up), for
 *   comparison with a warm ONNX Runtime session.
 * Output: the line "forward T s, F GFLOP, R GFLOPS, peak RSS M MB", then one "key value"
 * line each: forward_s, forward_cpu_s (user + system CPU time of the forward), gflop,
 * gflops, sgemm_peak_gflops, peak_fraction (gflops / sgemm_peak_gflops), cpu_gflops (per
 * CPU-second), sgemm_cpu_gflops, cpu_peak_fraction (the same ratio in CPU time: on a loaded
 * machine the steadier one; it also charges threads that spin), peak_rss_mb; with warm
 * passes, warm_min_s and warm_median_s. The first line names the GEMM library. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "nn/blas.h"
#include "nn/gemm.h"
#include "nn/gemm_library.h"
#include "sam/image_encoder.h"
#include "test/random_encoder.h"
#include "util/err.h"

void openblas_set_num_threads(int n);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* GFLOP/s of the MLP's first Linear, out[T][M] = x[T][E] @ W[M][E]^T, at the threads set: the
 * ceiling every matrix product of the encoder is measured against, the better of one
 * OpenBLAS call on all its threads (OpenBLAS's own split) and samc's nn_sgemm (tiles of
 * one-thread calls), so that samc's split is charged to the encoder if it costs. Best of two
 * runs each (the first also warms the threads and buffers); *per_cpu_s gets the same flops
 * per CPU-second (user + system, all threads), a figure other processes on the machine
 * disturb far less than the wall-clock one. */
static double sgemm_gflops(int T, int E, int M, double *per_cpu_s) {
    float *a = malloc((size_t)T * E * sizeof(float)), *b = malloc((size_t)M * E * sizeof(float));
    float *c = malloc((size_t)T * M * sizeof(float));
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return 0;
    }
    for (size_t i = 0; i < (size_t)T * E; i++) a[i] = frand();
    for (size_t i = 0; i < (size_t)M * E; i++) b[i] = frand();
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < 4; r++) {
        double t = now(), cpu = cpu_seconds();
        if (r < 2) {
            openblas_set_num_threads(nn_blas_get_threads());
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, M, E, 1.0f, a, E, b, E, 0.0f, c, M);
            openblas_set_num_threads(1);
        } else {
            nn_sgemm(0, 1, T, M, E, 1.0f, a, E, b, E, 0.0f, c, M);
        }
        t = now() - t, cpu = cpu_seconds() - cpu;
        best = t < best ? t : best;
        best_cpu = cpu < best_cpu ? cpu : best_cpu;
    }
    free(a), free(b), free(c);
    *per_cpu_s = 2.0 * T * M * E / best_cpu * 1e-9;
    return 2.0 * T * M * E / best * 1e-9;
}

/* Multiply-adds x 2 of the forward pass (matrix products only; padded window tokens count
 * in the attention, where they are computed, not in qkv, which runs on the real tokens). */
static double forward_flop(const image_encoder *e) {
    double G = e->grid, T = G * G, E = e->embed_dim, M = e->mlp_dim, O = e->out_chans, P = e->patch_size;
    double hd = e->head_dim, ws = e->window_size, f = 2 * T * E * 3 * P * P;
    for (int i = 0; i < e->depth; i++) {
        int global = sam_image_encoder_is_global(e, i);
        double s = global ? G : ws, nw = global ? 1 : ceil(G / ws) * ceil(G / ws), N = s * s;
        f += 2 * T * E * 3 * E;                                             /* qkv */
        f += nw * e->num_heads * (4 * N * N * hd + 2 * N * 2 * (2 * s - 1) * hd); /* attention + rel pos */
        f += 2 * T * E * E + 4 * T * E * M;                                 /* proj, mlp */
    }
    return f + 2 * T * E * O + 2 * T * 9 * O * O; /* neck */
}

int main(int argc, char **argv) {
    nn_blas_runtime_reexec(argv); /* as the samc program does */
    const char *shape = argc > 1 ? argv[1] : "b";
    int threads = argc > 2 ? atoi(argv[2]) : 0, img = argc > 3 ? atoi(argv[3]) : 1024;
    int depth_arg = argc > 4 ? atoi(argv[4]) : 0, warm = argc > 5 ? atoi(argv[5]) : 0;
    if (warm < 0 || warm > 100) warm = 0;
    if (threads > 0) nn_blas_set_threads(threads);
    int E, depth, heads;
    uint64_t global;
    if (!strcmp(shape, "b"))
        E = 768, depth = 12, heads = 12, global = (1u << 2) | (1u << 5) | (1u << 8) | (1u << 11);
    else if (!strcmp(shape, "l"))
        E = 1024, depth = 24, heads = 16, global = (1u << 5) | (1u << 11) | (1u << 17) | (1u << 23);
    else if (!strcmp(shape, "h"))
        E = 1280, depth = 32, heads = 16, global = (1u << 7) | (1u << 15) | (1u << 23) | (1u << 31);
    else {
        fprintf(stderr, "usage: bench_image_encoder [b|l|h] [threads] [img_size] [depth]\n");
        return 2;
    }
    if (depth_arg > 0 && depth_arg < depth) {
        depth = depth_arg;
        global = (global & ((1ull << depth) - 1)) | (1ull << (depth - 1));
    }
    image_encoder e;
    float *w = random_encoder(&e, img, 16, E, depth, heads, 14, global, 256);
    size_t n_in = (size_t)3 * img * img, n_out = (size_t)256 * e.grid * e.grid;
    float *x = malloc(n_in * sizeof(float)), *out = malloc(n_out * sizeof(float));
    if (!w || !x || !out) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n_in; i++) x[i] = 2.0f * frand();
    int T = e.grid * e.grid;
    double peak_cpu = 0, peak_cpu_after = 0;
    double peak = sgemm_gflops(T, E, e.mlp_dim, &peak_cpu);
    double t = now(), cpu = cpu_seconds();
    if (sam_image_encoder_forward(&e, x, out)) {
        fprintf(stderr, "forward failed: %s\n", samc_errmsg());
        return 1;
    }
    t = now() - t, cpu = cpu_seconds() - cpu;
    double warm_s[100];
    for (int r = 0; r < warm; r++) {
        double tw = now();
        if (sam_image_encoder_forward(&e, x, out)) {
            fprintf(stderr, "forward failed: %s\n", samc_errmsg());
            return 1;
        }
        warm_s[r] = now() - tw;
        for (int j = r; j > 0 && warm_s[j] < warm_s[j - 1]; j--) { /* kept sorted */
            double v = warm_s[j];
            warm_s[j] = warm_s[j - 1], warm_s[j - 1] = v;
        }
    }
    double peak_after = sgemm_gflops(T, E, e.mlp_dim, &peak_cpu_after);
    peak = peak_after > peak ? peak_after : peak;
    peak_cpu = peak_cpu_after > peak_cpu ? peak_cpu_after : peak_cpu;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double flop = forward_flop(&e), rss = ru.ru_maxrss / 1024.0;
    printf("vit_%s img %d, depth %d, %d threads, gemm %s, openblas core %s\n", shape, img, depth,
           nn_blas_get_threads(), nn_gemm_library_name(), nn_blas_core_name());
    printf("forward %.2f s, %.0f GFLOP, %.1f GFLOPS, peak RSS %.0f MB\n", t, flop * 1e-9, flop / t * 1e-9, rss);
    printf("forward_s %.3f\n", t);
    printf("forward_cpu_s %.3f\n", cpu);
    printf("gflop %.1f\n", flop * 1e-9);
    printf("gflops %.2f\n", flop / t * 1e-9);
    printf("sgemm_peak_gflops %.2f\n", peak);
    printf("peak_fraction %.3f\n", peak > 0 ? flop / t * 1e-9 / peak : 0.0);
    printf("cpu_gflops %.2f\n", flop / cpu * 1e-9);
    printf("sgemm_cpu_gflops %.2f\n", peak_cpu);
    printf("cpu_peak_fraction %.3f\n", peak_cpu > 0 ? flop / cpu * 1e-9 / peak_cpu : 0.0);
    printf("peak_rss_mb %.0f\n", rss);
    if (warm > 0) printf("warm_min_s %.3f\nwarm_median_s %.3f\n", warm_s[0], warm_s[warm / 2]);
    free(w), free(x), free(out);
    return 0;
}
