#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/clones.h"
#include "nn/fast_expf.h"
#include "nn/mode.h"
#include "nn/nn.h"

/* GELU in fast mode: 0.5 x (1 + erf(x/sqrt2)) = 0.5 x erfc(-x/sqrt2), erfc by the Chebyshev
 * fit of Numerical Recipes (erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), relative error
 * below 1.2e-7 for z >= 0; erfc(-z) = 2 - erfc(z)). Computing 1 + erf as erfc keeps its
 * relative precision where x is very negative. Branch-free, so the loop vectorises (the C
 * library's erff costs a call per value and is most of the decoder's upscaling); the
 * polynomial in fmaf steps (nn/clones.h). */
__attribute__((always_inline)) static inline float gelu_fast(float x) {
    float z = fabsf(x) * (float)M_SQRT1_2;
    float t = 1.0f / fmaf(0.5f, z, 1.0f);
    float p = 0.17087277f;
    p = fmaf(p, t, -0.82215223f);
    p = fmaf(p, t, 1.48851587f);
    p = fmaf(p, t, -1.13520398f);
    p = fmaf(p, t, 0.27886807f);
    p = fmaf(p, t, -0.18628806f);
    p = fmaf(p, t, 0.09678418f);
    p = fmaf(p, t, 0.37409196f);
    p = fmaf(p, t, 1.00002368f);
    p = fmaf(p, t, -1.26551223f);
    float e = t * nn_fast_expf(fmaf(-z, z, p)); /* erfc(|x|/sqrt2) */
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

NN_CLONES static void gelu_fast_inplace(float *x, size_t n) {
    #pragma omp parallel for simd schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) x[i] = gelu_fast(x[i]);
}

float nn_gelu_fast_value(float x) { return gelu_fast(x); }

void nn_gelu_inplace(float *x, size_t n) {
    if (!nn_reference_mode()) {
        gelu_fast_inplace(x, n);
        return;
    }
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + nn_erff(x[i] * (float)M_SQRT1_2));
}

void nn_relu_inplace(float *x, size_t n) {
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_leaky_relu_inplace(float *x, size_t n, float slope) {
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

void nn_sigmoid_inplace(float *x, size_t n) {
    #pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + nn_expf(-x[i]));
}
