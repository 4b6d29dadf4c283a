/* The machine's sgemm peak on the shapes of the ViT image encoders (the ceiling every
 * encoder figure in `make bench` is measured against).
 * usage: bench_sgemm [threads]   prints one line per shape and "peak_gflops X". */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn/blas.h"
#include "util/mem.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* GFLOPS of C[M][N] = A[M][K] @ B[N][K]^T (the layout of nn.Linear), best of a few runs. */
static double gflops(int M, int N, int K) {
    float *a = xaligned_array((size_t)M * K, sizeof(float));
    float *b = xaligned_array((size_t)N * K, sizeof(float));
    float *c = xaligned_array((size_t)M * N, sizeof(float));
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
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f, c, N);
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
    if (threads > 0) blas_set_threads(threads);
    printf("openblas core %s, %d threads\n", blas_core_name(), blas_get_threads());
    /* ViT-H: 4096 tokens, E=1280: qkv, proj, mlp lin1, mlp lin2 */
    static const int shapes[][3] = {{4096, 3840, 1280}, {4096, 1280, 1280}, {4096, 5120, 1280}, {4096, 1280, 5120}};
    double peak = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double g = gflops(shapes[i][0], shapes[i][1], shapes[i][2]);
        printf("sgemm %dx%dx%d: %.1f GFLOPS\n", shapes[i][0], shapes[i][1], shapes[i][2], g);
        if (g > peak) peak = g;
    }
    printf("peak_gflops %.1f\n", peak);
    return 0;
}
