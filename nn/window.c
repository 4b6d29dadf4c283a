/* nn_window_partition / nn_window_unpartition of segment_anything/modeling/image_encoder.py. */
#include <string.h>

#include "nn/nn.h"

void nn_window_partition(float *windows, const float *x, int H, int W, int C, int ws, const float *pad) {
    int nh = (H + ws - 1) / ws, nw = (W + ws - 1) / ws;
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < nh * nw; n++) {
        int y0 = n / nw * ws, x0 = n % nw * ws;
        for (int r = 0; r < ws; r++)
            for (int c = 0; c < ws; c++) {
                float *dst = windows + ((size_t)n * ws * ws + (size_t)r * ws + c) * C;
                int y = y0 + r, xx = x0 + c;
                if (y < H && xx < W)
                    memcpy(dst, x + ((size_t)y * W + xx) * C, (size_t)C * sizeof(float));
                else if (pad)
                    memcpy(dst, pad, (size_t)C * sizeof(float));
                else
                    memset(dst, 0, (size_t)C * sizeof(float)); /* F.pad: zeros at the bottom/right */
            }
    }
}

void nn_window_pad(float *windows, int H, int W, int C, int ws, const float *pad) {
    int nh = (H + ws - 1) / ws, nw = (W + ws - 1) / ws;
    if (H % ws == 0 && W % ws == 0) return;
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < nh * nw; n++) {
        int y0 = n / nw * ws, x0 = n % nw * ws;
        for (int r = 0; r < ws; r++)
            for (int c = 0; c < ws; c++) {
                if (y0 + r < H && x0 + c < W) continue;
                float *dst = windows + ((size_t)n * ws * ws + (size_t)r * ws + c) * C;
                if (pad)
                    memcpy(dst, pad, (size_t)C * sizeof(float));
                else
                    memset(dst, 0, (size_t)C * sizeof(float));
            }
    }
}

void nn_window_unpartition(float *x, const float *windows, int H, int W, int C, int ws) {
    int nw = (W + ws - 1) / ws;
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < H; y++)
        for (int xx = 0; xx < W; xx++) {
            int n = y / ws * nw + xx / ws, r = y % ws, c = xx % ws;
            memcpy(x + ((size_t)y * W + xx) * C, windows + ((size_t)n * ws * ws + (size_t)r * ws + c) * C,
                   (size_t)C * sizeof(float));
        }
}
