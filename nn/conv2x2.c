/* The small convolutions of SAM's prompt encoder and mask decoder: 2x2 stride-2 kernels
 * (mask downscaling, output upscaling) and 1x1. The image encoder's general conv2d lives
 * in nn/conv2d.c. */
#include "nn/gemm.h"

#include "nn/nn.h"

void conv_transpose2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias,
                                   int IC, int OC, int H, int W, float *scratch) {
    int HW = H * W, K = OC * 4;
    /* scratch[(o,i,j)][HW] = weight viewed as [IC][(o,i,j)], transposed, @ inp[IC][HW] */
    nn_sgemm(1, 0, K, HW, IC, 1.0f, weight, K, inp, HW, 0.0f, scratch, HW);
    /* scatter each kernel tap to its place in the 2x larger map and add the bias */
    int OW = 2 * W;
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < OC; o++) {
        float b = bias ? bias[o] : 0.0f;
        float *dst = out + (size_t)o * 4 * HW;
        for (int t = 0; t < 4; t++) {
            int i = t >> 1, j = t & 1;
            const float *src = scratch + (size_t)(o * 4 + t) * HW;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) dst[(size_t)(2 * y + i) * OW + 2 * x + j] = src[y * W + x] + b;
        }
    }
}

void conv2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int OC,
                         int H, int W) {
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

void conv2d_1x1_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int OC,
                        int HW) {
    float beta = 0.0f;
    if (bias) {
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < OC; o++)
            for (int p = 0; p < HW; p++) out[(size_t)o * HW + p] = bias[o];
        beta = 1.0f;
    }
    nn_sgemm(0, 0, OC, HW, IC, 1.0f, weight, IC, inp, HW, beta, out, HW);
}
