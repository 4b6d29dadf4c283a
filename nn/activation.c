#include <math.h>

#include "nn/mode.h"
#include "nn/nn.h"

void gelu_inplace(float *x, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + nn_erff(x[i] * (float)M_SQRT1_2));
}

void relu_inplace(float *x, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
