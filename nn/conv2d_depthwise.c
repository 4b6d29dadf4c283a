/* The depthwise 3x3 convolution of MiT's Mix-FFN (DWConv: nn.Conv2d(C, C, 3, 1, 1, groups=C))
 * on channels-last tokens, the layout the Linears around it use, so the token image needs no
 * transposes. Each output is bias + the 9 taps in (ky, kx) order, one thread per output row:
 * the same bits at any thread count, in both modes (no products to hand to a GEMM, no
 * elementary functions). */
#include "nn/nn.h"

/* channels per block: the taps of a block of channels are regrouped tap-major on the stack so
 * that the loop over channels reads both operands contiguously */
#define DW_BLOCK 64

void nn_conv2d_depthwise3x3_tokens_forward(float *out, const float *inp, const float *weight, const float *bias, int H,
                                        int W, int C) {
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < H; y++)
        for (int c0 = 0; c0 < C; c0 += DW_BLOCK) {
            int nc = C - c0 < DW_BLOCK ? C - c0 : DW_BLOCK;
            float wt[9][DW_BLOCK];
            for (int t = 0; t < 9; t++)
                for (int c = 0; c < nc; c++) wt[t][c] = weight[(size_t)(c0 + c) * 9 + (size_t)t];
            for (int x = 0; x < W; x++) {
                float *o = out + ((size_t)y * W + x) * C + c0;
                for (int c = 0; c < nc; c++) o[c] = bias[c0 + c];
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y + ky - 1;
                    if (iy < 0 || iy >= H) continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x + kx - 1;
                        if (ix < 0 || ix >= W) continue;
                        const float *in = inp + ((size_t)iy * W + ix) * C + c0, *wk = wt[ky * 3 + kx];
                        #pragma omp simd
                        for (int c = 0; c < nc; c++) o[c] += wk[c] * in[c];
                    }
                }
            }
        }
}
