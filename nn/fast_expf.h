/* A vectorisable exp for fast mode: the encoder's attention, the decoder's
 * nn_softmax_rows_inplace and the fast GELU's erfc share it. */
#ifndef NN_FAST_EXPF_H
#define NN_FAST_EXPF_H
#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp(x) for the softmax in fast mode, written so that the loop around it vectorises (the
 * C library's expf costs a call per value, and the logits are most of the attention's
 * values): x = n*ln2 + r with n = round(x/ln2) (by the 1.5*2^23 trick) and ln2 split in two
 * so n*LN2_HI is exact; exp(r) on |r| <= ln2/2 by Cephes' degree-6 minimax polynomial, in
 * fmaf steps (one instruction each in the vector clones, nn/clones.h); 2^n from its bit
 * pattern. Within 2 ulp of exp. Below -87 (and for NaN) it returns 0: there
 * exp(x) < 2^-125 adds nothing next to the row's maximum, exp(0) = 1. The clamp is a bit
 * select rather than a ?: because gcc does not if-convert a float compare-and-select under
 * -ftrapping-math. Only elementwise IEEE operations: the bits do not depend on the vector
 * width. */
__attribute__((always_inline)) static inline float nn_fast_expf(float x) {
    const float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f, ROUND = 12582912.0f;
    const float LO = -87.0f;
    int keep = x >= LO;
    uint32_t xb, lob, mask = 0u - (uint32_t)keep, cb;
    memcpy(&xb, &x, sizeof xb);
    memcpy(&lob, &LO, sizeof lob);
    cb = (xb & mask) | (lob & ~mask);
    float xc; /* max(x, -87) */
    memcpy(&xc, &cb, sizeof xc);
    float n = fmaf(xc, LOG2E, ROUND) - ROUND;
    float r = fmaf(n, -LN2_LO, fmaf(n, -LN2_HI, xc));
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p, r * r, r) + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale * (float)keep;
}

#endif
