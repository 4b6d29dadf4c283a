/* LayerNorm of one vector x[C] in place (one image token's, or one pixel's, channels), for
 * fused passes that normalise each row while it is in cache. Mean and variance are summed in
 * float over LN_LANES fixed partial sums combined in a fixed order: the same bits in every
 * vector clone (nn/clones.h), at any thread count, in both nn modes, on any machine. Always
 * inlined, so that it takes its caller's clone. */
#ifndef SAMC_NN_LAYERNORM_LANES_H
#define SAMC_NN_LAYERNORM_LANES_H

#include <math.h>

#define LN_LANES 16

/* sums v[LN_LANES] pairwise, in a fixed order */
__attribute__((always_inline)) static inline float ln_lanes_sum(float *v) {
    for (int w = LN_LANES / 2; w > 0; w /= 2)
        for (int l = 0; l < w; l++) v[l] += v[l + w];
    return v[0];
}

__attribute__((always_inline)) static inline void layernorm_lanes(float *x, const float *w, const float *b, int C,
                                                                  float eps) {
    float s[LN_LANES] = {0}, v[LN_LANES] = {0};
    int cl = C - C % LN_LANES;
    for (int c = 0; c < cl; c += LN_LANES)
        for (int l = 0; l < LN_LANES; l++) s[l] += x[c + l];
    float sum = ln_lanes_sum(s);
    for (int c = cl; c < C; c++) sum += x[c];
    float mean = sum / (float)C;
    for (int c = 0; c < cl; c += LN_LANES)
        for (int l = 0; l < LN_LANES; l++) v[l] += (x[c + l] - mean) * (x[c + l] - mean);
    float var = ln_lanes_sum(v);
    for (int c = cl; c < C; c++) var += (x[c] - mean) * (x[c] - mean);
    float rstd = 1.0f / sqrtf(var / (float)C + eps);
    #pragma omp simd /* elementwise: gcc -O2 leaves it scalar otherwise; the same bits */
    for (int c = 0; c < C; c++) x[c] = (x[c] - mean) * rstd * w[c] + b[c];
}

#endif
