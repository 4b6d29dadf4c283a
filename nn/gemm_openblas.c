/* nn/gemm_library.h over OpenBLAS (the default). OpenBLAS is held at one thread
 * (nn_blas_hold_serial, called by nn_sgemm), so a call runs on the calling thread. */
#include <cblas.h>
#include <stdio.h>

#include "nn/blas.h"
#include "nn/gemm_library.h"

char *openblas_get_config(void);

void nn_gemm_library_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

const char *nn_gemm_library_name(void) {
    static char name[128];
    if (!name[0]) snprintf(name, sizeof name, "OpenBLAS (%s kernel)", nn_blas_core_name());
    return name;
}
