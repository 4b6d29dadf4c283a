#include <omp.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "util/mem.h"

void nn_linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC, int OC) {
    float beta = 0.0f;
    if (bias) {
        /* start from the bias and let sgemm accumulate onto it: out = 1*inp@W^T + 1*out */
        #pragma omp parallel for schedule(static) if ((size_t)N * OC > 65536)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] = bias[o];
        beta = 1.0f;
    }
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, beta, out, OC);
}

/* nn_linear_forward's tiles at `threads` threads, at most one per thread at a time: returns
 * the buffers, one per thread that has a tile */
static int window_tiles(nn_sgemm_cut *cut, int N, int IC, int OC, int threads) {
    nn_sgemm_cut_make(cut, N, OC, IC, threads);
    int tiles = nn_sgemm_cut_tiles(cut);
    return threads < tiles ? threads : tiles;
}

int nn_linear_windows_scratch_size(size_t *out, int H, int W, int IC, int OC, int threads) {
    nn_sgemm_cut cut;
    int buffers = window_tiles(&cut, H * W, IC, OC, threads < 1 ? 1 : threads);
    size_t tile = 0;
    return util_size_mul((size_t)nn_sgemm_cut_max_rows(&cut), (size_t)cut.tile_n, &tile) ||
                   util_size_mul(tile, (size_t)buffers, out)
               ? -1
               : 0;
}

void nn_linear_windows_forward(float *windows, const float *inp, const float *weight, const float *bias, int H, int W,
                               int IC, int OC, int ws, int threads, float *scratch) {
    int N = H * W, nw = (W + ws - 1) / ws;
    nn_sgemm_cut cut;
    int buffers = window_tiles(&cut, N, IC, OC, threads < 1 ? 1 : threads);
    int tiles_n = (OC + cut.tile_n - 1) / cut.tile_n, tiles = nn_sgemm_cut_tiles(&cut);
    size_t buffer = (size_t)nn_sgemm_cut_max_rows(&cut) * cut.tile_n;
    /* tile t runs on thread t % buffers (static schedule), into that thread's buffer */
    #pragma omp parallel for schedule(static) num_threads(buffers)
    for (int t = 0; t < tiles; t++) {
        int i0, m = nn_sgemm_cut_part(&cut, t / tiles_n, &i0), j0 = t % tiles_n * cut.tile_n;
        int n = OC - j0 < cut.tile_n ? OC - j0 : cut.tile_n;
        float *tile = scratch + (size_t)omp_get_thread_num() * buffer; /* [m][n] */
        /* as nn_linear_forward: start from the bias, the product accumulates onto it */
        if (bias)
            for (int r = 0; r < m; r++) memcpy(tile + (size_t)r * n, bias + j0, (size_t)n * sizeof(float));
        nn_sgemm_tiled(m, n, 0, 1, m, n, IC, 1.0f, inp + (size_t)i0 * IC, IC, weight + (size_t)j0 * IC, IC,
                       bias ? 1.0f : 0.0f, tile, n);
        for (int r = 0; r < m; r++) { /* token i0 + r to its place in its window */
            int y = (i0 + r) / W, x = (i0 + r) % W;
            size_t row = (size_t)(y / ws * nw + x / ws) * ws * ws + (size_t)(y % ws) * ws + x % ws;
            memcpy(windows + row * OC + j0, tile + (size_t)r * n, (size_t)n * sizeof(float));
        }
    }
}

/* Rows per step of the epilogues below: a few rows of the product, read once, stay in L1/L2
 * between adding the bias and what follows. */
#define EPILOGUE_ROWS 8

void nn_linear_gelu_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC,
                         int OC) {
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, 0.0f, out, OC);
    int steps = (N + EPILOGUE_ROWS - 1) / EPILOGUE_ROWS;
    #pragma omp parallel for schedule(static)
    for (int s = 0; s < steps; s++) {
        int n0 = s * EPILOGUE_ROWS, nr = N - n0 < EPILOGUE_ROWS ? N - n0 : EPILOGUE_ROWS;
        float *o = out + (size_t)n0 * OC;
        for (int n = 0; n < nr; n++)
            for (int c = 0; c < OC; c++) o[(size_t)n * OC + c] += bias[c];
        nn_gelu_inplace(o, (size_t)nr * OC); /* a nested region: runs on this thread */
    }
}

void nn_linear_residual_forward(float *x, float *y, const float *inp, const float *weight, const float *bias, int N,
                             int IC, int OC) {
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, 0.0f, y, OC);
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        float *xr = x + (size_t)n * OC;
        const float *yr = y + (size_t)n * OC;
        for (int c = 0; c < OC; c++) xr[c] += yr[c] + bias[c];
    }
}
