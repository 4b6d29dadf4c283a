/* LayerNorm of one image token's (one pixel's) C channels, in place, as the everything-mode
 * decoder needs it inside its fused passes. Mean and variance are summed in double over 8
 * fixed lanes (independent chains in a fixed order: the same bits at any thread count, in
 * every vector clone, and in reference mode on any machine). */
#ifndef SAMC_SAM_AMG_LAYERNORM_H
#define SAMC_SAM_AMG_LAYERNORM_H

#include <math.h>

static inline void amg_layernorm_pixel(float *x, const float *w, const float *b, int C, float eps) {
    double s[8] = {0}, v[8] = {0};
    int c8 = C & ~7;
    for (int c = 0; c < c8; c += 8)
        for (int l = 0; l < 8; l++) s[l] += x[c + l];
    double sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (int c = c8; c < C; c++) sum += x[c];
    double mean = sum / C;
    for (int c = 0; c < c8; c += 8)
        for (int l = 0; l < 8; l++) v[l] += (x[c + l] - mean) * (x[c + l] - mean);
    double var = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
    for (int c = c8; c < C; c++) var += (x[c] - mean) * (x[c] - mean);
    float m = (float)mean, rstd = (float)(1.0 / sqrt(var / C + eps));
    for (int c = 0; c < C; c++) x[c] = (x[c] - m) * rstd * w[c] + b[c];
}

#endif
