/* nn.Conv2d in its three uses in the image encoder, each as im2col + one sgemm. */
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"

/* cols[IC*K*K][OH*OW]: row (c, ky, kx) holds, for every output pixel, the input value its
 * kernel tap (ky, kx) of channel c reads (0 in the padding). The row order is the order of
 * weight[OC][IC][K][K], so the convolution becomes weight[OC][IC*K*K] @ cols. */
static void im2col(float *cols, const float *inp, int IC, int H, int W, int K, int stride, int pad, int OH, int OW) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < IC * K * K; r++) {
        int c = r / (K * K), ky = r / K % K, kx = r % K;
        const float *src = inp + (size_t)c * H * W;
        float *dst = cols + (size_t)r * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            int y = oy * stride + ky - pad;
            for (int ox = 0; ox < OW; ox++) {
                int x = ox * stride + kx - pad;
                dst[(size_t)oy * OW + ox] = (y >= 0 && y < H && x >= 0 && x < W) ? src[(size_t)y * W + x] : 0.0f;
            }
        }
    }
}

void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H, int W,
                       int OC,
                    int K, int stride, int pad, float *cols) {
    int OH = (H + 2 * pad - K) / stride + 1, OW = (W + 2 * pad - K) / stride + 1;
    int P = OH * OW, KK = IC * K * K;
    const float *b = inp; /* a 1x1, stride 1, unpadded conv reads the input as it is */
    if (!(K == 1 && stride == 1 && pad == 0)) {
        im2col(cols, inp, IC, H, W, K, stride, pad, OH, OW);
        b = cols;
    }
    float beta = 0.0f;
    if (bias) {
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < OC; o++)
            for (int p = 0; p < P; p++) out[(size_t)o * P + p] = bias[o];
        beta = 1.0f;
    }
    /* out[OC][P] = weight[OC][KK] @ cols[KK][P] (+ out holding the bias) */
    nn_sgemm(0, 0, OC, P, KK, 1.0f, weight, KK, b, P, beta, out, P);
}

void nn_conv2d_patchify_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H,
                             int W, int OC, int P, float *cols) {
    int OH = H / P, OW = W / P, KK = IC * P * P;
    /* cols[OH*OW][IC*P*P]: one row per patch, in the order of weight[OC][IC][P][P] */
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < OH * OW; t++) {
        int oy = t / OW, ox = t % OW;
        float *row = cols + (size_t)t * KK;
        for (int c = 0; c < IC; c++)
            for (int ky = 0; ky < P; ky++)
                memcpy(row + ((size_t)c * P + ky) * P, inp + ((size_t)c * H + (size_t)oy * P + ky) * W + (size_t)ox * P,
                       (size_t)P * sizeof(float));
    }
    nn_linear_forward(out, cols, weight, bias, OH * OW, KK, OC);
}

void nn_conv2d_1x1_tokens_forward(float *out, const float *inp, const float *weight, int HW, int IC, int OC) {
    /* out[OC][HW] = weight[OC][IC] @ inp[HW][IC]^T */
    nn_sgemm(0, 1, OC, HW, IC, 1.0f, weight, IC, inp, IC, 0.0f, out, HW);
}
