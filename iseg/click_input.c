/* The baselines' shared predictor pieces (baselines.md §2.2-§2.4, §2.6). The disk maps decide
 * which pixels a click covers, so their arithmetic is PyTorch's: float32, no FMA (the Makefile
 * builds with -ffp-contract=off). */
#include "iseg/click_input.h"

#include <stddef.h>

void iseg_image_to_chw(float *x, const uint8_t *rgb, int H, int W) {
    size_t HW = (size_t)H * W;
    #pragma omp parallel for schedule(static) if (HW > 65536)
    for (size_t i = 0; i < HW; i++)
        for (int c = 0; c < 3; c++) x[c * HW + i] = (float)rgb[3 * i + (size_t)c] / 255.0f;
}

void iseg_normalize_rgb(float *out, const float *x, int HW) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    for (int c = 0; c < 3; c++) {
        const float *s = x + (size_t)c * HW;
        float *d = out + (size_t)c * HW;
        for (int i = 0; i < HW; i++) d[i] = (s[i] - mean[c]) / std[c];
    }
}

int iseg_points_per_sign(const iseg_click *clicks, int n) {
    int pos = 0, neg = 0;
    for (int k = 0; k < n; k++) clicks[k].is_positive ? pos++ : neg++;
    int P = pos > neg ? pos : neg;
    return P > 1 ? P : 1;
}

void iseg_points_fill(float *pts, const iseg_click *clicks, const double *row, const double *col, int n, int P) {
    for (int i = 0; i < 2 * P * 3; i++) pts[i] = -1.0f;
    int next[2] = {0, 0}; /* rows used by [negative, positive] clicks */
    for (int k = 0; k < n; k++) {
        int s = clicks[k].is_positive ? 1 : 0;
        float *p = pts + ((size_t)(s ? 0 : P) + (size_t)next[s]++) * 3;
        p[0] = (float)row[k];
        p[1] = (float)col[k];
        p[2] = (float)k;
    }
}

/* min over the sign's P rows of the squared distance from (r, c), 1e6 for invalid points */
static float min_dist2(const float *pts, int P, float r, float c) {
    float best = 1e6f;
    for (int i = 0; i < P; i++) {
        float pr = pts[3 * i], pc = pts[3 * i + 1];
        float d = 1e6f;
        if ((pr > pc ? pr : pc) >= 0.0f) {
            float dr = r - pr, dc = c - pc;
            float d2r = dr * dr, d2c = dc * dc;
            d = d2r + d2c;
        }
        best = d < best ? d : best;
    }
    return best;
}

void iseg_disk_maps(float *out, const float *pts, int P, int h, int w, float radius) {
    float r2 = radius * radius;
    size_t HW = (size_t)h * w;
    #pragma omp parallel for schedule(static) if (HW > 16384)
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            out[i] = min_dist2(pts, P, (float)y, (float)x) <= r2 ? 1.0f : 0.0f;
            out[HW + i] = min_dist2(pts + 3 * (size_t)P, P, (float)y, (float)x) <= r2 ? 1.0f : 0.0f;
        }
}

void iseg_flip_w(float *out, const float *x, int C, int H, int W) {
    size_t rows = (size_t)C * H;
    for (size_t r = 0; r < rows; r++) {
        const float *s = x + r * W;
        float *d = out + r * W;
        for (int i = 0; i < W; i++) d[i] = s[W - 1 - i];
    }
}
