/* nn/gemm_library.h over OpenBLAS (the default). OpenBLAS is held at one thread
 * (nn_blas_hold_serial, called by nn_sgemm), so a call runs on the calling thread. */
#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "nn/blas.h"
#include "nn/gemm_library.h"

char *openblas_get_config(void);

void nn_gemm_library_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

/* OpenBLAS 0.3.21's sgemm kernels, row-major C: the AVX-512 ones (SkylakeX, Cooperlake) sum a
 * C value the same wherever its row falls in a block of 8, the AVX2 ones (Haswell, Zen) in a
 * block of 12; cut at 4 or 16 rows, the Haswell kernel changes bits. test_nn cuts products at
 * whole blocks and test/cli/test_kernels.sh runs it under these four kernels; others are
 * not checked, so their rows are cut by the shape alone. */
int nn_gemm_library_row_block(void) {
    const char *core = nn_blas_core_name();
    if (!strcmp(core, "SkylakeX") || !strcmp(core, "Cooperlake")) return 8;
    if (!strcmp(core, "Haswell") || !strcmp(core, "Zen")) return 12;
    return 0;
}

const char *nn_gemm_library_name(void) {
    static char name[128];
    if (!name[0]) snprintf(name, sizeof name, "OpenBLAS (%s kernel)", nn_blas_core_name());
    return name;
}
