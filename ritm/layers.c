/* The conv and BatchNorm layers every part of RITM's network is made of. */
#include <stdint.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "ritm/ritm_net.h"
#include "util/err.h"

/* Columns of C per product tile: a band of output rows is often under nn_sgemm's own tile
 * width, and would then run on one thread. */
#define CONV_TILE_N 256

/* cols[ic*k*k][rows*OW]: row (c, ky, kx) holds, for each output pixel of rows y0..y0+rows-1,
 * the input value its kernel tap (ky, kx) of channel c reads (0 in the padding), in the order
 * of weight[oc][ic][k][k]. The output columns [lo, hi) of a tap read inside the input row,
 * the others its padding, so the copy has no test per value. */
static void im2col_rows(float *cols, const float *in, int ic, int H, int W, int k, int stride, int pad, int y0,
                        int rows, int OW) {
    int KK = ic * k * k;
    size_t n = (size_t)rows * OW;
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < KK; r++) {
        int c = r / (k * k), ky = r / k % k, kx = r % k, off = kx - pad; /* x = ox * stride + off */
        int lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
        int hi = W - 1 - off < 0 ? 0 : (W - 1 - off) / stride + 1;
        if (hi > OW) hi = OW;
        if (lo > hi) lo = hi;
        const float *src = in + (size_t)c * H * W;
        float *dst = cols + (size_t)r * n;
        for (int oy = 0; oy < rows; oy++) {
            int y = (y0 + oy) * stride + ky - pad;
            float *d = dst + (size_t)oy * OW;
            if (y < 0 || y >= H) {
                memset(d, 0, (size_t)OW * sizeof(float));
                continue;
            }
            const float *s = src + (size_t)y * W;
            for (int ox = 0; ox < lo; ox++) d[ox] = 0.0f;
            if (stride == 1)
                memcpy(d + lo, s + lo + off, (size_t)(hi - lo) * sizeof(float));
            else
                for (int ox = lo; ox < hi; ox++) d[ox] = s[ox * stride + off];
            for (int ox = hi; ox < OW; ox++) d[ox] = 0.0f;
        }
    }
}

/* nn.Conv2d(padding=k/2) as im2col + product, a band of output rows at a time, so that the
 * work memory does not grow with the image: the whole im2col of conv3x3_ocr would take 270
 * floats per input pixel at width 32. A 1x1 stride-1 conv is one product on the input. */
int ritm_conv_forward(const ritm_conv *c, float *out, const float *in, int H, int W, ritm_work *wk) {
    int k = c->k, s = c->stride, pad = k / 2;
    int OH = (H + 2 * pad - k) / s + 1, OW = (W + 2 * pad - k) / s + 1;
    int P = OH * OW; /* ritm_work_alloc bounds the image, so this fits */
    if (k == 1 && s == 1) {
        conv2d_1x1_forward(out, in, c->weight, c->bias, c->ic, P, c->oc);
        return 0;
    }
    int KK = c->ic * k * k;
    size_t band = wk->cols_cap / ((size_t)KK * OW);
    if (band < 1) return samc_err("ritm: a conv's im2col row (%d x %d) exceeds the work memory", KK, OW);
    float beta = 0.0f;
    if (c->bias) {
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < c->oc; o++)
            for (int p = 0; p < P; p++) out[(size_t)o * P + p] = c->bias[o];
        beta = 1.0f;
    }
    for (int y0 = 0; y0 < OH; y0 += (int)band) {
        int rows = OH - y0 < (int)band ? OH - y0 : (int)band;
        im2col_rows(wk->cols, in, c->ic, H, W, k, s, pad, y0, rows, OW);
        /* out[oc][rows of the band] (+)= weight[oc][KK] @ cols[KK][rows*OW] */
        nn_sgemm_tiled(0, CONV_TILE_N, 0, 0, c->oc, rows * OW, KK, 1.0f, c->weight, KK, wk->cols, rows * OW, beta,
                       out + (size_t)y0 * OW, P);
    }
    return 0;
}

void ritm_bn_forward(const ritm_bn *bn, float *x, int C, size_t HW) {
    batchnorm2d_forward(x, bn->weight, bn->bias, bn->running_mean, bn->running_var, C, HW, 1e-5f);
}

int ritm_conv_bn_forward(const ritm_conv_bn *l, float *out, const float *in, int H, int W, int relu, ritm_work *wk) {
    if (ritm_conv_forward(&l->conv, out, in, H, W, wk)) return -1;
    int s = l->conv.stride;
    size_t HW = (size_t)((H - 1) / s + 1) * ((W - 1) / s + 1);
    ritm_bn_forward(&l->bn, out, l->conv.oc, HW);
    if (relu) relu_inplace(out, (size_t)l->conv.oc * HW);
    return 0;
}
