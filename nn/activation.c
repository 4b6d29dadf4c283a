#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/mode.h"
#include "nn/nn.h"

/* The loops below are plain elementwise C; GCC also builds AVX2 and AVX-512 versions and the
 * loader picks the one the CPU runs (the binary itself targets plain x86-64). With
 * -ffp-contract=off every clone computes the same bits. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define GELU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GELU_CLONES
#endif

/* exp(x) for x <= 0, vectorisable: x = n*ln2 + r, exp(r) by Cephes' degree-6 polynomial on
 * |r| <= ln2/2, 2^n from its bits; within 2 ulp. Below -87 it returns 0 (the clamp is a bit
 * select: gcc does not if-convert a float ?: under -ftrapping-math). */
static inline float exp_nonpositive(float x) {
    const float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f, ROUND = 12582912.0f;
    const float LO = -87.0f;
    int keep = x >= LO;
    uint32_t xb, lob, mask = 0u - (uint32_t)keep, cb;
    memcpy(&xb, &x, sizeof xb);
    memcpy(&lob, &LO, sizeof lob);
    cb = (xb & mask) | (lob & ~mask);
    float xc;
    memcpy(&xc, &cb, sizeof xc);
    float n = (xc * LOG2E + ROUND) - ROUND;
    float r = (xc - n * LN2_HI) - n * LN2_LO;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = (p * r * r + r) + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale * (float)keep;
}

/* GELU in fast mode: 0.5 x (1 + erf(x/sqrt2)) = 0.5 x erfc(-x/sqrt2), erfc by the Chebyshev
 * fit of Numerical Recipes (erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), relative error
 * below 1.2e-7 for z >= 0; erfc(-z) = 2 - erfc(z)). Computing 1 + erf as erfc keeps its
 * relative precision where x is very negative. Branch-free, so the loop vectorises (the C
 * library's erff costs a call per value and is most of the decoder's upscaling). */
static inline float gelu_fast(float x) {
    float z = fabsf(x) * (float)M_SQRT1_2;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float e = t * exp_nonpositive(p - z * z); /* erfc(|x|/sqrt2) */
    float f = 2.0f - e;
    /* erfc(-x/sqrt2): e for negative x, 2 - e otherwise (a bit select on the sign) */
    uint32_t xb, eb, fb;
    memcpy(&xb, &x, sizeof xb);
    memcpy(&eb, &e, sizeof eb);
    memcpy(&fb, &f, sizeof fb);
    uint32_t neg = 0u - (xb >> 31), cb = (eb & neg) | (fb & ~neg);
    float c;
    memcpy(&c, &cb, sizeof c);
    return 0.5f * x * c;
}

GELU_CLONES static void gelu_fast_inplace(float *x, size_t n) {
    #pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) x[i] = gelu_fast(x[i]);
}

float gelu_fast_value(float x) { return gelu_fast(x); }

void gelu_inplace(float *x, size_t n) {
    if (!nn_reference_mode()) {
        gelu_fast_inplace(x, n);
        return;
    }
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + nn_erff(x[i] * (float)M_SQRT1_2));
}

void relu_inplace(float *x, size_t n) {
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
