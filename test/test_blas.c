/* nn/blas: the kernel choice on CPUs OpenBLAS does not recognise. */
#include "check.h"
#include "nn/blas.h"
#include "nn/gemm.h"

int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

TEST(fallback_kernel_is_replaced_by_cpu_features) {
    CHECK(!strcmp(nn_blas_core_for("Prescott", BLAS_CPU_AVX | BLAS_CPU_AVX2 | BLAS_CPU_AVX512), "SkylakeX"));
    CHECK(!strcmp(nn_blas_core_for("Prescott", BLAS_CPU_AVX | BLAS_CPU_AVX2), "Haswell"));
    CHECK(!strcmp(nn_blas_core_for("Nehalem", BLAS_CPU_AVX), "SandyBridge"));
    CHECK(nn_blas_core_for("Prescott", 0) == NULL);
}

TEST(recognised_kernel_is_kept) {
    CHECK(nn_blas_core_for("SkylakeX", BLAS_CPU_AVX512) == NULL);
    CHECK(nn_blas_core_for("Cooperlake", BLAS_CPU_AVX512) == NULL);
    CHECK(nn_blas_core_for("Haswell", BLAS_CPU_AVX512) == NULL);
    CHECK(nn_blas_core_for("Zen", BLAS_CPU_AVX2) == NULL);
}

/* samc runs one thread pool: whatever OpenBLAS was set to, an nn_sgemm puts it back to one
 * thread (its pool would spin beside OpenMP's, and its own split changes bits, nn/gemm.h). */
TEST(openblas_held_at_one_thread) {
    float a[4] = {1, 2, 3, 4}, c[4];
    nn_blas_set_threads(2);
    CHECK(openblas_get_num_threads() == 1);
    openblas_set_num_threads(2);
    nn_sgemm(0, 0, 2, 2, 2, 1.0f, a, 2, a, 2, 0.0f, c, 2);
    CHECK(openblas_get_num_threads() == 1);
    CHECK(c[0] == 7 && c[1] == 10 && c[2] == 15 && c[3] == 22);
}

TEST(loaded_kernel_has_a_name) {
    const char *name = nn_blas_core_name();
    CHECK(name && name[0]);
}

int main(void) {
    RUN(fallback_kernel_is_replaced_by_cpu_features);
    RUN(recognised_kernel_is_kept);
    RUN(openblas_held_at_one_thread);
    RUN(loaded_kernel_has_a_name);
    return check_summary();
}
