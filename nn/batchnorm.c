/* nn.BatchNorm2d in eval mode, as PyTorch's CPU kernel computes it
 * (batch_norm_cpu_transform_input): per channel alpha = weight / sqrt(var + eps) and
 * beta = bias - mean * alpha, then x * alpha + beta. */
#include <math.h>

#include "nn/nn.h"

void nn_batchnorm2d_forward(float *x, const float *weight, const float *bias, const float *mean, const float *var,
                            int C,
                         size_t HW, float eps) {
    #pragma omp parallel for schedule(static) if ((size_t)C * HW > 65536)
    for (int c = 0; c < C; c++) {
        float alpha = weight[c] / sqrtf(var[c] + eps);
        float beta = bias[c] - mean[c] * alpha;
        float *p = x + (size_t)c * HW;
        #pragma omp simd
        for (size_t i = 0; i < HW; i++) p[i] = p[i] * alpha + beta;
    }
}
