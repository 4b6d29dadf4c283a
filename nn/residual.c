#include "nn/nn.h"

/* "simd" because gcc -O2 leaves the loop scalar otherwise (the decoder's 4096 x 256 key adds
 * were 6% of a click); elementwise, so the same bits either way */
void nn_add_forward(float *out, const float *a, const float *b, size_t n) {
    #pragma omp parallel for simd schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void nn_residual_forward(float *x, const float *y, size_t n) { nn_add_forward(x, x, y, n); }
