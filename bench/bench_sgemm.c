/* The machine's sgemm peak on the shapes of the ViT image encoders (the ceiling every
 * encoder figure in `make bench` is measured against): one OpenBLAS call on all its threads,
 * OpenBLAS's own split of the product. Beside it, samc's nn_sgemm on the same shape (tiles of
 * one-thread OpenBLAS calls shared among the OpenMP threads, nn/gemm.h), so that the cost
 * of samc's split shows.
 * usage: bench_sgemm [threads]   prints one line per shape, "peak_gflops X" (OpenBLAS's)
 * and "nn_sgemm_peak_gflops X". */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn/blas.h"
#include "nn/gemm.h"
#include "util/mem.h"

void openblas_set_num_threads(int n);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* GFLOPS of C[M][N] = A[M][K] @ B[N][K]^T (the layout of nn.Linear), best of a few runs:
 * one OpenBLAS call on `threads` threads (openblas), or nn_sgemm. */
static double gflops(int M, int N, int K, int openblas, int threads) {
    float *a = util_xaligned_array((size_t)M * K, sizeof(float));
    float *b = util_xaligned_array((size_t)N * K, sizeof(float));
    float *c = util_xaligned_array((size_t)M * N, sizeof(float));
    if (!a || !b || !c) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)((i * 7919) % 1000) * 1e-3f;
    for (size_t i = 0; i < (size_t)N * K; i++) b[i] = (float)((i * 104729) % 1000) * 1e-3f;
    double best = 1e30, flop = 2.0 * M * N * K;
    int reps = flop > 1e11 ? 2 : 5;
    for (int r = 0; r < reps; r++) {
        double t = now();
        if (openblas) {
            openblas_set_num_threads(threads);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f, c, N);
            openblas_set_num_threads(1);
        } else {
            nn_sgemm(0, 1, M, N, K, 1.0f, a, K, b, K, 0.0f, c, N);
        }
        t = now() - t;
        if (t < best) best = t;
    }
    free(a);
    free(b);
    free(c);
    return flop / best * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    if (threads > 0) nn_blas_set_threads(threads);
    printf("openblas core %s, %d threads\n", nn_blas_core_name(), nn_blas_get_threads());
    /* ViT-H: 4096 tokens, E=1280: qkv, proj, mlp lin1, mlp lin2 */
    static const int shapes[][3] = {{4096, 3840, 1280}, {4096, 1280, 1280}, {4096, 5120, 1280}, {4096, 1280, 5120}};
    double peak = 0, nn_peak = 0;
    int n = nn_blas_get_threads();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int *s = shapes[i];
        double g = gflops(s[0], s[1], s[2], 1, n), t = gflops(s[0], s[1], s[2], 0, n);
        printf("sgemm %dx%dx%d: OpenBLAS %.1f GFLOPS, nn_sgemm %.1f GFLOPS\n", s[0], s[1], s[2], g, t);
        if (g > peak) peak = g;
        if (t > nn_peak) nn_peak = t;
    }
    printf("peak_gflops %.1f\n", peak);
    printf("nn_sgemm_peak_gflops %.1f\n", nn_peak);
    return 0;
}
