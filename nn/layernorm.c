#include <math.h>

#include "nn/nn.h"

/* Mean and biased variance are accumulated in double: the result is then the correctly
 * rounded float32 statistic whatever the row length, which is at least as close to
 * PyTorch's float32 result as any other summation order. */

void layernorm_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C,
                       float eps) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *y = out + (size_t)n * C;
        double s = 0.0;
        for (int c = 0; c < C; c++) s += x[c];
        double mean = s / C;
        double v = 0.0;
        for (int c = 0; c < C; c++) v += (x[c] - mean) * (x[c] - mean);
        float m = (float)mean;
        float rstd = (float)(1.0 / sqrt(v / C + eps));
        for (int c = 0; c < C; c++) y[c] = (x[c] - m) * rstd * weight[c] + bias[c];
    }
}

void layernorm2d_forward(float *out, const float *inp, const float *weight, const float *bias, int C, int HW,
                         float eps) {
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < HW; p++) {
        double s = 0.0;
        for (int c = 0; c < C; c++) s += inp[(size_t)c * HW + p];
        double mean = s / C;
        double v = 0.0;
        for (int c = 0; c < C; c++) {
            double d = inp[(size_t)c * HW + p] - mean;
            v += d * d;
        }
        float m = (float)mean;
        float rstd = (float)(1.0 / sqrt(v / C + eps));
        for (int c = 0; c < C; c++)
            out[(size_t)c * HW + p] = (inp[(size_t)c * HW + p] - m) * rstd * weight[c] + bias[c];
    }
}
