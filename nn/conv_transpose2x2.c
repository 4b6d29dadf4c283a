/* nn.ConvTranspose2d(IC, OC, kernel_size=2, stride=2) on a channel-first map, as SimpleFPN's
 * upsampling layers use it: every input pixel feeds its own 2x2 output block, so the layer
 * is one product (each input pixel times the weight's IC x 4*OC matrix) and a scatter. */
#include "nn/gemm.h"
#include "nn/nn.h"

void nn_conv_transpose2x2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H,
                               int W, int OC, float *cols) {
    int HW = H * W, OW = 2 * W;
    /* cols[OC*4][HW] = weight[IC][OC*4]^T @ inp[IC][HW]: row o*4 + a*2 + b is tap (a, b) of o */
    nn_sgemm(1, 0, OC * 4, HW, IC, 1.0f, weight, OC * 4, inp, HW, 0.0f, cols, HW);
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < OC; o++) {
        float bo = bias ? bias[o] : 0.0f;
        float *dst = out + (size_t)o * 4 * HW;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                const float *src = cols + ((size_t)o * 4 + a * 2 + b) * HW;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++) dst[(size_t)(2 * y + a) * OW + 2 * x + b] = src[(size_t)y * W + x] + bo;
            }
    }
}
