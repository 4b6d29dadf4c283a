/* LayerNorm of one vector x[C] in place (one image token's, or one pixel's, channels), for
 * fused passes that normalise each row while it is in cache. Mean and variance are summed
 * over fixed lanes (nn/lanes.h): the same bits in every vector clone, at any thread count, in
 * both nn modes, on any machine. Always inlined, so that it takes its caller's clone. Returns
 * the 1/sqrt(var + eps) it scaled by. */
#ifndef SAMC_NN_LAYERNORM_LANES_H
#define SAMC_NN_LAYERNORM_LANES_H

#include <math.h>

#include "nn/lanes.h"

__attribute__((always_inline)) static inline float layernorm_lanes(float *x, const float *w, const float *b, int C,
                                                                   float eps) {
    float s[NN_LANES] = {0}, v[NN_LANES] = {0};
    int cl = C - C % NN_LANES;
    for (int c = 0; c < cl; c += NN_LANES)
        for (int l = 0; l < NN_LANES; l++) s[l] += x[c + l];
    float sum = nn_lanes_sum(s);
    for (int c = cl; c < C; c++) sum += x[c];
    float mean = sum / (float)C;
    for (int c = 0; c < cl; c += NN_LANES)
        for (int l = 0; l < NN_LANES; l++) v[l] += (x[c + l] - mean) * (x[c + l] - mean);
    float var = nn_lanes_sum(v);
    for (int c = cl; c < C; c++) var += (x[c] - mean) * (x[c] - mean);
    float rstd = 1.0f / sqrtf(var / (float)C + eps);
    #pragma omp simd /* elementwise: gcc -O2 leaves it scalar otherwise; the same bits */
    for (int c = 0; c < C; c++) x[c] = (x[c] - mean) * rstd * w[c] + b[c];
    return rstd;
}

#endif
