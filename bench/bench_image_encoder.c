/* The image encoder at the official ViT shapes with random weights: time, GFLOP/s (to set
 * against bench_sgemm's peak) and peak memory of one forward pass on a 1024 x 1024 input.
 * usage: bench_image_encoder [b|l|h] [threads] [img_size] [depth]
 *   defaults: b, all cores, 1024, the model's depth. A smaller depth (its last block made
 *   global) measures the activation memory of a big model without its full weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/blas.h"
#include "sam/image_encoder.h"
#include "test/random_encoder.h"
#include "util/err.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Multiply-adds x 2 of the forward pass (matrix products only; padded window tokens count,
 * as they are computed). */
static double forward_flop(const image_encoder *e) {
    double G = e->grid, T = G * G, E = e->embed_dim, M = e->mlp_dim, O = e->out_chans, P = e->patch_size;
    double hd = e->head_dim, ws = e->window_size, f = 2 * T * E * 3 * P * P;
    for (int i = 0; i < e->depth; i++) {
        int global = image_encoder_is_global(e, i);
        double s = global ? G : ws, nw = global ? 1 : ceil(G / ws) * ceil(G / ws), N = s * s, Tb = nw * N;
        f += 2 * Tb * E * 3 * E;                                            /* qkv */
        f += nw * e->num_heads * (4 * N * N * hd + 2 * N * 2 * (2 * s - 1) * hd); /* attention + rel pos */
        f += 2 * T * E * E + 4 * T * E * M;                                 /* proj, mlp */
    }
    return f + 2 * T * E * O + 2 * T * 9 * O * O; /* neck */
}

int main(int argc, char **argv) {
    const char *shape = argc > 1 ? argv[1] : "b";
    int threads = argc > 2 ? atoi(argv[2]) : 0, img = argc > 3 ? atoi(argv[3]) : 1024;
    int depth_arg = argc > 4 ? atoi(argv[4]) : 0;
    if (threads > 0) blas_set_threads(threads);
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
    double t = now();
    if (image_encoder_forward(&e, x, out)) {
        fprintf(stderr, "forward failed: %s\n", samc_errmsg());
        return 1;
    }
    t = now() - t;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double flop = forward_flop(&e);
    printf("vit_%s img %d, depth %d, %d threads, core %s\n", shape, img, depth, blas_get_threads(), blas_core_name());
    printf("forward %.2f s, %.0f GFLOP, %.1f GFLOPS, peak RSS %.0f MB\n", t, flop * 1e-9, flop / t * 1e-9,
           ru.ru_maxrss / 1024.0);
    free(w), free(x), free(out);
    return 0;
}
