#include "nn/gemm.h"
#include "nn/nn.h"

void nn_linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC, int OC) {
    float beta = 0.0f;
    if (bias) {
        /* start from the bias and let sgemm accumulate onto it: out = 1*inp@W^T + 1*out */
        #pragma omp parallel for schedule(static) if ((size_t)N * OC > 65536)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] = bias[o];
        beta = 1.0f;
    }
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, beta, out, OC);
}

/* Rows per step of the epilogues below: a few rows of the product, read once, stay in L1/L2
 * between adding the bias and what follows. */
#define EPILOGUE_ROWS 8

void nn_linear_gelu_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC,
                         int OC) {
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, 0.0f, out, OC);
    int steps = (N + EPILOGUE_ROWS - 1) / EPILOGUE_ROWS;
    #pragma omp parallel for schedule(static)
    for (int s = 0; s < steps; s++) {
        int n0 = s * EPILOGUE_ROWS, nr = N - n0 < EPILOGUE_ROWS ? N - n0 : EPILOGUE_ROWS;
        float *o = out + (size_t)n0 * OC;
        for (int n = 0; n < nr; n++)
            for (int c = 0; c < OC; c++) o[(size_t)n * OC + c] += bias[c];
        nn_gelu_inplace(o, (size_t)nr * OC); /* a nested region: runs on this thread */
    }
}

void nn_linear_residual_forward(float *x, float *y, const float *inp, const float *weight, const float *bias, int N,
                             int IC, int OC) {
    nn_sgemm(0, 1, N, OC, IC, 1.0f, inp, IC, weight, IC, 0.0f, y, OC);
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        float *xr = x + (size_t)n * OC;
        const float *yr = y + (size_t)n * OC;
        for (int c = 0; c < OC; c++) xr[c] += yr[c] + bias[c];
    }
}
