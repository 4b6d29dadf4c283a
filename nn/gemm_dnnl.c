/* nn/gemm_library.h over oneDNN (make GEMM=dnnl). oneDNN runs on samc's OpenMP threads: inside
 * a parallel region (nn_sgemm's tiles) a call stays on its thread; outside one it would split
 * the product among all threads, and its split may cut K (the summation order would then
 * depend on the thread count), so there the call is held at one thread. */
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/gemm_library.h"

void nn_gemm_library_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc) {
    int outside = !omp_in_parallel(), threads = omp_get_max_threads();
    if (outside) omp_set_num_threads(1);
    dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C,
                                  ldc);
    if (outside) omp_set_num_threads(threads);
    /* fails for arguments nn_sgemm's callers never pass, or when oneDNN cannot allocate its
     * packing scratch: nn_sgemm has no error path (OpenBLAS's own buffers fail the same way),
     * so the process stops with the reason rather than computing on */
    if (st != dnnl_success) {
        fprintf(stderr, "samc: internal error: dnnl_sgemm %dx%dx%d failed (status %d)\n", M, N, K, (int)st);
        abort();
    }
}

/* oneDNN picks its blocking from the whole shape: a product cut into row parts differs in
 * its bits (AVX2: most shapes; AVX-512: some), so nn_sgemm cuts by the shape alone */
int nn_gemm_library_row_block(void) { return 0; }

/* the widest instruction set oneDNN will use here (DNNL_MAX_CPU_ISA can lower it) */
static const char *isa_name(dnnl_cpu_isa_t isa) {
    switch (isa) {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    default: return "older than avx2";
    }
}

const char *nn_gemm_library_name(void) {
    static char name[128];
    if (!name[0]) {
        const dnnl_version_t *v = dnnl_version();
        snprintf(name, sizeof name, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
                 isa_name(dnnl_get_effective_cpu_isa()));
    }
    return name;
}
