#include <math.h>

#include "nn/mode.h"
#include "nn/nn.h"

/* Mean and biased variance are accumulated in double: the result is then the correctly
 * rounded float32 statistic whatever the row length, which is at least as close to
 * PyTorch's float32 result as any other summation order. */

/* The row statistics. Fast mode lets the sums vectorise (partial sums in a fixed order for a
 * given build, whatever the thread count); reference mode (nn/mode.h) sums in index order. */
static void row_stats(const float *x, int C, float eps, int sequential, float *mean_out, float *rstd_out) {
    double s = 0.0, v = 0.0, mean;
    if (sequential) {
        for (int c = 0; c < C; c++) s += x[c];
        mean = s / C;
        for (int c = 0; c < C; c++) v += (x[c] - mean) * (x[c] - mean);
    } else {
        #pragma omp simd reduction(+ : s)
        for (int c = 0; c < C; c++) s += x[c];
        mean = s / C;
        #pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++) v += (x[c] - mean) * (x[c] - mean);
    }
    *mean_out = (float)mean;
    *rstd_out = (float)(1.0 / sqrt(v / C + eps));
}

void nn_layernorm_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C,
                       float eps) {
    int sequential = nn_reference_mode();
    #pragma omp parallel for schedule(static) if ((size_t)N * C > 65536)
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *y = out + (size_t)n * C;
        float m, rstd;
        row_stats(x, C, eps, sequential, &m, &rstd);
        /* simd: gcc -O2 leaves it scalar (it cannot rule out out/inp overlap, and in place is
         * allowed); elementwise, so the same bits */
        #pragma omp simd
        for (int c = 0; c < C; c++) y[c] = (x[c] - m) * rstd * weight[c] + bias[c];
    }
}

/* Pixels go in tiles of LN2D_TILE so that every channel's read is a contiguous run; each
 * pixel's sums still go over the channels in order, as one pixel at a time would. */
#define LN2D_TILE 64

void nn_layernorm2d_forward(float *out, const float *inp, const float *weight, const float *bias, int C, int HW,
                         float eps) {
    int tiles = (HW + LN2D_TILE - 1) / LN2D_TILE;
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < tiles; t++) {
        int p0 = t * LN2D_TILE, n = HW - p0 < LN2D_TILE ? HW - p0 : LN2D_TILE;
        double mean[LN2D_TILE], v[LN2D_TILE];
        float m[LN2D_TILE], rstd[LN2D_TILE];
        for (int p = 0; p < n; p++) mean[p] = v[p] = 0.0;
        for (int c = 0; c < C; c++) {
            const float *x = inp + (size_t)c * HW + p0;
            for (int p = 0; p < n; p++) mean[p] += x[p];
        }
        for (int p = 0; p < n; p++) mean[p] /= C;
        for (int c = 0; c < C; c++) {
            const float *x = inp + (size_t)c * HW + p0;
            for (int p = 0; p < n; p++) {
                double d = x[p] - mean[p];
                v[p] += d * d;
            }
        }
        for (int p = 0; p < n; p++) {
            m[p] = (float)mean[p];
            rstd[p] = (float)(1.0 / sqrt(v[p] / C + eps));
        }
        for (int c = 0; c < C; c++) {
            const float *x = inp + (size_t)c * HW + p0;
            float *y = out + (size_t)c * HW + p0;
            for (int p = 0; p < n; p++) y[p] = (x[p] - m[p]) * rstd[p] * weight[c] + bias[c];
        }
    }
}
