/* The conv and BatchNorm layers every part of RITM's network is made of. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "ritm/ritm_net.h"
#include "util/err.h"

/* Tiles a layer is cut into at least (its output channels split when the batch's bands are
 * fewer), so that the small maps of the low-resolution branches share the threads too. The
 * count depends on the shape alone: so do the tiles, and the bits do not depend on the
 * thread count. */
#define MIN_TILES 8

/* cols[ic*k*k][rows*OW]: row (c, ky, kx) holds, for each output pixel of rows y0..y0+rows-1,
 * the input value its kernel tap (ky, kx) of channel c reads (0 in the padding), in the order
 * of weight[oc][ic][k][k]. The output columns [lo, hi) of a tap read inside the input row,
 * the others its padding, so the copy has no test per value. */
static void im2col_rows(float *cols, const float *in, int ic, int H, int W, int k, int stride, int pad, int y0,
                        int rows, int OW) {
    int KK = ic * k * k;
    size_t n = (size_t)rows * OW;
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

/* What follows the product on rows [o0, o0+m) of one tile, out[o][n] with rows ld floats
 * apart (res likewise): + bias, BatchNorm, + res, ReLU, each as its own op computes it
 * (nn_batchnorm2d_forward's alpha and beta; the residual added as nn_residual_forward adds it). */
static void epilogue(float *out, size_t ld, int o0, int m, int n, const float *bias, const ritm_bn *bn,
                     const float *res, int relu) {
    for (int i = 0; i < m; i++) {
        int o = o0 + i;
        float *p = out + (size_t)i * ld;
        const float *r = res ? res + (size_t)i * ld : NULL;
        if (bias)
            for (int j = 0; j < n; j++) p[j] = p[j] + bias[o];
        if (bn) {
            float alpha = bn->weight[o] / sqrtf(bn->running_var[o] + 1e-5f);
            float beta = bn->bias[o] - bn->running_mean[o] * alpha;
            #pragma omp simd
            for (int j = 0; j < n; j++) p[j] = p[j] * alpha + beta;
        }
        if (r)
            for (int j = 0; j < n; j++) p[j] = p[j] + r[j];
        if (relu)
            for (int j = 0; j < n; j++) p[j] = p[j] > 0.0f ? p[j] : 0.0f;
    }
}

/* nn.Conv2d(padding=k/2) -> BN -> + res -> ReLU on B maps in[B][ic][H][W] -> out[B][oc][OH][OW],
 * in one parallel pass: the output is cut into tiles of a band of output rows of one map
 * and a block of output channels, and each thread makes its tile's im2col (a 1x1 stride-1
 * conv reads its input as it is), its product and what follows, while they are in its cache.
 * So the work memory does not grow with the image either: the whole im2col of conv3x3_ocr
 * would take 270 floats per input pixel at width 32. */
int ritm_layer_forward(const ritm_conv *c, const ritm_bn *bn, const float *res, int relu, float *out,
                       const float *in, int B, int H, int W, ritm_work *wk) {
    int k = c->k, s = c->stride, pad = k / 2, oc = c->oc;
    int OH = (H + 2 * pad - k) / s + 1, OW = (W + 2 * pad - k) / s + 1, KK = c->ic * k * k;
    size_t P = (size_t)OH * OW; /* ritm_work_alloc bounds the image, so a band's columns fit an int */
    int direct = k == 1 && s == 1;
    int rows = OW >= RITM_TILE_PIXELS ? 1 : RITM_TILE_PIXELS / OW, threads = omp_get_max_threads();
    if (rows > OH) rows = OH;
    size_t need = 0; /* im2col floats per thread */
    if (!direct) {
        size_t row = (size_t)KK * OW;
        if (wk->cols_cap < row) return util_err("ritm: a conv's im2col row (%d x %d) exceeds the work memory", KK, OW);
        if (wk->cols_cap < row * rows) rows = (int)(wk->cols_cap / row);
        need = row * rows;
        if ((size_t)threads > wk->cols_cap / need) threads = (int)(wk->cols_cap / need);
    }
    int bands = (OH + rows - 1) / rows, tiles_n = B * bands;
    int m_parts = tiles_n >= MIN_TILES ? 1 : (MIN_TILES + tiles_n - 1) / tiles_n;
    int tile_m = (oc + m_parts - 1) / m_parts;
    tile_m = (tile_m + 15) / 16 * 16; /* whole blocks of the sgemm kernels' rows */
    m_parts = (oc + tile_m - 1) / tile_m;
    #pragma omp parallel num_threads(threads)
    {
        float *cols = wk->cols + (size_t)omp_get_thread_num() * need;
        int have = -1; /* the (map, band) whose im2col cols holds */
        #pragma omp for schedule(static)
        for (int t = 0; t < tiles_n * m_parts; t++) {
            int nt = t / m_parts, o0 = t % m_parts * tile_m, b = nt / bands, y0 = nt % bands * rows;
            int m = oc - o0 < tile_m ? oc - o0 : tile_m, n = (OH - y0 < rows ? OH - y0 : rows) * OW;
            const float *x = in + (size_t)b * c->ic * H * W, *op = x + (size_t)y0 * OW;
            int ldb = (int)P;
            if (!direct) {
                if (have != nt) im2col_rows(cols, x, c->ic, H, W, k, s, pad, y0, n / OW, OW);
                have = nt;
                op = cols, ldb = n;
            }
            /* out[b][o0..o0+m)[band] = weight[o0..o0+m)[KK] @ op[KK][band] */
            float *dst = out + ((size_t)b * oc + o0) * P + (size_t)y0 * OW;
            nn_sgemm_tiled(0, 0, 0, 0, m, n, KK, 1.0f, c->weight + (size_t)o0 * KK, KK, op, ldb, 0.0f, dst, (int)P);
            epilogue(dst, P, o0, m, n, c->bias, bn, res ? res + (dst - out) : NULL, relu);
        }
    }
    return 0;
}

int ritm_conv_forward(const ritm_conv *c, float *out, const float *in, int H, int W, ritm_work *wk) {
    return ritm_layer_forward(c, NULL, NULL, 0, out, in, 1, H, W, wk);
}

void ritm_bn_forward(const ritm_bn *bn, float *x, int C, size_t HW) {
    nn_batchnorm2d_forward(x, bn->weight, bn->bias, bn->running_mean, bn->running_var, C, HW, 1e-5f);
}

int ritm_conv_bn_forward(const ritm_conv_bn *l, float *out, const float *in, int H, int W, int relu, ritm_work *wk) {
    return ritm_layer_forward(&l->conv, &l->bn, NULL, relu, out, in, wk->B, H, W, wk);
}
