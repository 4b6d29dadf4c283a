/* The small convolutions of SAM's prompt encoder: 2x2 stride-2 kernels and 1x1 (mask
 * downscaling). The mask decoder's transposed 2x2 convolutions are done channels-last in
 * sam/mask_decoder.c; the image encoder's general conv2d lives in nn/conv2d.c. */
#include "nn/gemm.h"

#include "nn/nn.h"

void nn_conv2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H,
                         int W, int OC) {
    int OH = H / 2, OW = W / 2;
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < OC; o++) {
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OW; x++) {
                /* 4*IC products summed in double: the correctly rounded float32 result */
                double s = bias ? bias[o] : 0.0;
                for (int c = 0; c < IC; c++) {
                    const float *w = weight + ((size_t)o * IC + c) * 4;
                    const float *p = inp + (size_t)c * H * W + (size_t)(2 * y) * W + 2 * x;
                    s += (double)p[0] * w[0] + (double)p[1] * w[1] + (double)p[W] * w[2] + (double)p[W + 1] * w[3];
                }
                out[((size_t)o * OH + y) * OW + x] = (float)s;
            }
    }
}

void nn_conv2d_1x1_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int HW,
                        int OC) {
    float beta = 0.0f;
    if (bias) {
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < OC; o++)
            for (int p = 0; p < HW; p++) out[(size_t)o * HW + p] = bias[o];
        beta = 1.0f;
    }
    nn_sgemm(0, 0, OC, HW, IC, 1.0f, weight, IC, inp, HW, beta, out, HW);
}
