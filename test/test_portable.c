/* Reference mode: portable elementary functions and the fixed-order matrix product. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "nn/blas.h"
#include "nn/gemm.h"
#include "nn/mode.h"
#include "nn/portable_math.h"

static double rel_err(double got, double want) {
    if (want == 0.0) return fabs(got);
    return fabs(got - want) / fabs(want);
}

/* The double kernels agree with glibc's double functions (an independent implementation,
 * accurate to < 1 ulp) to ~1e-15 relative over the ranges SAM uses. */
TEST(portable_exp_matches_libm) {
    double worst = 0;
    for (double x = -100.0; x <= 88.0; x += 0.01373) worst = fmax(worst, rel_err(nn_portable_exp(x), exp(x)));
    CHECK_MSG(worst < 4e-15, "worst relative error %g", worst);
    CHECK(nn_portable_exp(0.0) == 1.0);
    CHECK(isinf(nn_portable_exp(800.0)) && nn_portable_exp(-800.0) == 0.0);
}

TEST(portable_erf_matches_libm) {
    double worst = 0;
    for (double x = -7.0; x <= 7.0; x += 0.000913) {
        /* relative error is the wrong measure near the zero of erf: use absolute there */
        double e = fabs(x) < 1e-3 ? fabs(nn_portable_erf(x) - erf(x)) : rel_err(nn_portable_erf(x), erf(x));
        worst = fmax(worst, e);
    }
    CHECK_MSG(worst < 4e-15, "worst error %g", worst);
    CHECK(nn_portable_erf(0.0) == 0.0 && nn_portable_erf(10.0) == 1.0 && nn_portable_erf(-10.0) == -1.0);
}

TEST(portable_sin_cos_match_libm) {
    double worst = 0;
    for (double x = -300.0; x <= 300.0; x += 0.00731) {
        worst = fmax(worst, fabs(nn_portable_sin(x) - sin(x)));
        worst = fmax(worst, fabs(nn_portable_cos(x) - cos(x)));
    }
    CHECK_MSG(worst < 1e-14, "worst absolute error %g", worst);
}

/* The float versions are the double result rounded once: nearly always the correctly
 * rounded float, which glibc's float functions also return. */
TEST(portable_float_functions_round_like_libm) {
    int differ = 0, n = 0;
    for (float x = -20.0f; x <= 20.0f; x += 0.0013f, n++) {
        differ += nn_portable_expf(x) != (float)exp((double)x);
        differ += nn_portable_erff(x) != (float)erf((double)x);
        differ += nn_portable_sinf(x) != (float)sin((double)x);
        differ += nn_portable_cosf(x) != (float)cos((double)x);
    }
    CHECK_MSG(differ <= n / 1000, "%d of %d differ from the rounded double", differ, 4 * n);
}

static void fill(float *x, size_t n, uint32_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

/* C = A @ B^T in reference mode equals a double-precision dot product to float accuracy,
 * and the same bits come out at 1 and 2 threads; all four transpose cases agree. */
TEST(reference_gemm_is_exact_enough_and_thread_independent) {
    enum { M = 37, N = 29, K = 53 };
    float A[M * K], B[N * K], At[K * M], Bt[K * N], C1[M * N], C2[M * N], C3[M * N], C4[M * N];
    fill(A, M * K, 1);
    fill(B, N * K, 2);
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) At[k * M + i] = A[i * K + k];
    for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++) Bt[k * N + j] = B[j * K + k];
    nn_set_reference_mode(1);
    nn_blas_set_threads(1);
    nn_sgemm(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C1, N);
    nn_blas_set_threads(2);
    nn_sgemm(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C2, N);
    nn_sgemm(1, 0, M, N, K, 1.0f, At, M, Bt, N, 0.0f, C3, N);
    nn_sgemm(0, 0, M, N, K, 1.0f, A, K, Bt, N, 0.0f, C4, N);
    nn_set_reference_mode(0);
    CHECK(memcmp(C1, C2, sizeof C1) == 0);
    CHECK(memcmp(C1, C3, sizeof C1) == 0);
    CHECK(memcmp(C1, C4, sizeof C1) == 0);
    double worst = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double d = 0;
            for (int k = 0; k < K; k++) d += (double)A[i * K + k] * B[j * K + k];
            worst = fmax(worst, fabs(C1[i * N + j] - d));
        }
    CHECK_MSG(worst < 1e-5, "worst error %g", worst);
}

/* beta accumulates onto C, alpha scales the product. */
TEST(reference_gemm_alpha_beta) {
    float A[2 * 3] = {1, 2, 3, 4, 5, 6}, B[2 * 3] = {1, 0, 1, 0, 1, 0}, C[4] = {10, 20, 30, 40};
    nn_set_reference_mode(1);
    nn_sgemm(0, 1, 2, 2, 3, 2.0f, A, 3, B, 3, 1.0f, C, 2);
    nn_set_reference_mode(0);
    /* A@B^T = [[4, 2], [10, 5]] */
    CHECK(C[0] == 18 && C[1] == 24 && C[2] == 50 && C[3] == 50);
}

int main(void) {
    RUN(portable_exp_matches_libm);
    RUN(portable_erf_matches_libm);
    RUN(portable_sin_cos_match_libm);
    RUN(portable_float_functions_round_like_libm);
    RUN(reference_gemm_is_exact_enough_and_thread_independent);
    RUN(reference_gemm_alpha_beta);
    return check_summary();
}
