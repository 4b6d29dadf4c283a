/* The OCR head's two convs on the aggregated HRNet features, aux_head.0 (1x1, L -> L) and
 * conv3x3_ocr (3x3, L -> mid), in fast mode: computed from the branch maps without their
 * aggregation feats = cat(x_0, up(x_1), up(x_2), up(x_3)), up the bilinear (align_corners)
 * resize to branch 0's h x w. Both convs and the resize are linear, so each upsampled
 * branch's share is computed at the branch's own size and resized after: the same sums in
 * another order, which fast mode allows (reference mode convolves feats, ritm/ocr_head.c).
 * With W_i the weights of branch i's channels, at output pixel (y, x):
 *   sum over taps (ky, kx) of W_i[ky][kx] up(x_i)(y+ky-p, x+kx-p)     (p = k/2, 0 outside)
 *   = sum over taps of up(Z_i[ky][kx])(y+ky-p, x+kx-p),  Z_i[ky][kx] = W_i[ky][kx] x_i,
 * for the resize's weights at a pixel sum to 1. The products Z_i are made at branch i's
 * n_i pixels instead of at h*w (at width 32, 1.3 instead of 10 GFLOP per image for the two
 * convs); the resize is separable, so each output row combines its taps' rows of Z_i first,
 * then their columns, all channels-last, so that a pixel's output channels are one vector. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/nn.h"
#include "ritm/ritm_net.h"

/* Output pixels per block of the last pass (a block's channels-last share stays in cache) */
#define BLOCK_PIXELS 64

/* Image b's share of the upsampled branches in a k x k conv (k = 1 or 3) of oc outputs,
 * channels-last: up[h*w][oc]. wt[i], branch i's weights as rows (ky, kx, o) of C_i values,
 * ld[i] floats apart. */
static void upsampled_share(const ritm_net *net, ritm_work *wk, int b, int k, int oc, const float *const wt[],
                            const int ld[], float *up) {
    int h = wk->h[0], w = wk->w[0], pad = k / 2, kk = k * k;
    const float *z[RITM_BRANCHES];
    float *zi = wk->ocr_coarse;
    for (int i = 1; i < RITM_BRANCHES; i++) {
        /* Z_i[n_i][kk][oc] = x_i^T [n_i][C_i] @ wt_i^T [C_i][kk * oc] */
        int C = net->channels[i], n = wk->h[i] * wk->w[i];
        nn_sgemm(1, 1, n, kk * oc, C, 1.0f, wk->x[i] + (size_t)b * C * n, n, wt[i], ld[i], 0.0f, zi, kk * oc);
        z[i] = zi;
        zi += (size_t)n * kk * oc;
    }
    size_t row_floats = (size_t)k * wk->w[1] * oc; /* a thread's v: k x w_1 x oc */
    int threads = omp_get_max_threads() < wk->threads ? omp_get_max_threads() : wk->threads; /* ocr_rows' */
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int y = 0; y < h; y++) {
        float *u = up + (size_t)y * w * oc, *v = wk->ocr_rows + (size_t)omp_get_thread_num() * row_floats;
        memset(u, 0, (size_t)w * oc * sizeof(float));
        for (int i = 1; i < RITM_BRANCHES; i++) {
            const ritm_taps *t = &wk->taps[i];
            int wi = wk->w[i];
            /* v[kx][c][o]: the taps' rows of Z_i combined at row y, branch i's columns c */
            memset(v, 0, (size_t)k * wi * oc * sizeof(float));
            for (int ky = 0; ky < k; ky++) {
                int yy = y + ky - pad;
                if (yy < 0 || yy >= h) continue;
                float l0 = t->ly0[yy], l1 = t->ly1[yy];
                for (int kx = 0; kx < k; kx++)
                    for (int c = 0; c < wi; c++) {
                        const float *a = z[i] + (((size_t)t->y0[yy] * wi + c) * kk + ky * k + kx) * oc;
                        const float *d = z[i] + (((size_t)t->y1[yy] * wi + c) * kk + ky * k + kx) * oc;
                        float *vv = v + ((size_t)kx * wi + c) * oc;
                        #pragma omp simd
                        for (int o = 0; o < oc; o++) vv[o] += l0 * a[o] + l1 * d[o];
                    }
            }
            /* u[x][o] += the taps' columns of v */
            for (int x = 0; x < w; x++)
                for (int kx = 0; kx < k; kx++) {
                    int xx = x + kx - pad;
                    if (xx < 0 || xx >= w) continue;
                    float l0 = t->lx0[xx], l1 = t->lx1[xx];
                    const float *a = v + ((size_t)kx * wi + t->x0[xx]) * oc;
                    const float *d = v + ((size_t)kx * wi + t->x1[xx]) * oc;
                    float *uu = u + (size_t)x * oc;
                    #pragma omp simd
                    for (int o = 0; o < oc; o++) uu[o] += l0 * a[o] + l1 * d[o];
                }
        }
    }
}

/* out[oc][h*w] (branch 0's share) = ReLU(BN(out + up^T + bias)), up[h*w][oc] read in blocks
 * of pixels */
static void finish(float *out, const float *up, const float *bias, const ritm_bn *bn, int oc, int Q) {
    #pragma omp parallel for schedule(static)
    for (int p0 = 0; p0 < Q; p0 += BLOCK_PIXELS) {
        int np = Q - p0 < BLOCK_PIXELS ? Q - p0 : BLOCK_PIXELS;
        for (int o = 0; o < oc; o++) {
            float alpha = bn->weight[o] / sqrtf(bn->running_var[o] + 1e-5f);
            float beta = bn->bias[o] - bn->running_mean[o] * alpha;
            float *d = out + (size_t)o * Q + p0;
            const float *u = up + (size_t)p0 * oc + o;
            for (int j = 0; j < np; j++) {
                float s = (d[j] + u[(size_t)j * oc] + bias[o]) * alpha + beta;
                d[j] = s > 0.0f ? s : 0.0f;
            }
        }
    }
}

int ritm_aux_head0_upsampled(const ritm_net *net, ritm_work *wk) {
    int Q = wk->h[0] * wk->w[0], L = net->aux_head0.oc, C0 = net->channels[0];
    const float *W = net->aux_head0.weight; /* [L][L] */
    const float *wt[RITM_BRANCHES];
    int ld[RITM_BRANCHES];
    for (int i = 1, off = C0; i < RITM_BRANCHES; i++) {
        wt[i] = W + off, ld[i] = L; /* branch i's columns of W */
        off += net->channels[i];
    }
    for (int b = 0; b < wk->B; b++) {
        float *out = wk->aux_mid + (size_t)b * L * Q;
        /* branch 0's share: the first C0 columns of W on x_0 */
        nn_sgemm(0, 0, L, Q, C0, 1.0f, W, L, wk->x[0] + (size_t)b * C0 * Q, Q, 0.0f, out, Q);
        upsampled_share(net, wk, b, 1, L, wt, ld, wk->ocr_up);
        finish(out, wk->ocr_up, net->aux_head0.bias, &net->aux_head1, L, Q);
    }
    return 0;
}

int ritm_conv3x3_ocr_upsampled(const ritm_net *net, ritm_work *wk) {
    int h = wk->h[0], w = wk->w[0], Q = h * w, L = 0, mid = net->conv3x3_ocr.conv.oc, C0 = net->channels[0];
    for (int i = 0; i < RITM_BRANCHES; i++) L += net->channels[i];
    const float *W = net->conv3x3_ocr.conv.weight; /* [mid][L][3][3] */
    /* regrouped into ocr_w: branch 0's [mid][C0][3][3], then per branch i its
     * [3][3][mid][C_i] */
    const float *wt[RITM_BRANCHES];
    int ld[RITM_BRANCHES];
    float *w0 = wk->ocr_w, *wi = w0 + (size_t)mid * C0 * 9;
    for (int i = 1, off = C0; i < RITM_BRANCHES; i++) {
        int C = net->channels[i];
        float *dst = wi;
        #pragma omp parallel for schedule(static)
        for (int o = 0; o < mid; o++)
            for (int c = 0; c < C; c++)
                for (int t = 0; t < 9; t++) dst[((size_t)t * mid + o) * C + c] = W[((size_t)o * L + off + c) * 9 + t];
        wt[i] = wi, ld[i] = C;
        wi += (size_t)9 * mid * C;
        off += C;
    }
    for (int o = 0; o < mid; o++)
        memcpy(w0 + (size_t)o * C0 * 9, W + (size_t)o * L * 9, (size_t)C0 * 9 * sizeof(float));
    /* branch 0's share on the batch, then each image's upsampled shares */
    ritm_conv conv0 = {.weight = w0, .ic = C0, .oc = mid, .k = 3, .stride = 1};
    if (ritm_layer_forward(&conv0, NULL, NULL, 0, wk->ocr_feats, wk->x[0], wk->B, h, w, wk)) return -1;
    for (int b = 0; b < wk->B; b++) {
        upsampled_share(net, wk, b, 3, mid, wt, ld, wk->ocr_up);
        float *out = wk->ocr_feats + (size_t)b * mid * Q;
        finish(out, wk->ocr_up, net->conv3x3_ocr.conv.bias, &net->conv3x3_ocr.bn, mid, Q);
    }
    return 0;
}
