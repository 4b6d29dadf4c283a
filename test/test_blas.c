/* nn/blas: the kernel choice on CPUs OpenBLAS does not recognise. */
#include "check.h"
#include "nn/blas.h"

TEST(fallback_kernel_is_replaced_by_cpu_features) {
    CHECK(!strcmp(blas_core_for("Prescott", BLAS_CPU_AVX | BLAS_CPU_AVX2 | BLAS_CPU_AVX512), "SkylakeX"));
    CHECK(!strcmp(blas_core_for("Prescott", BLAS_CPU_AVX | BLAS_CPU_AVX2), "Haswell"));
    CHECK(!strcmp(blas_core_for("Nehalem", BLAS_CPU_AVX), "SandyBridge"));
    CHECK(blas_core_for("Prescott", 0) == NULL);
}

TEST(recognised_kernel_is_kept) {
    CHECK(blas_core_for("SkylakeX", BLAS_CPU_AVX512) == NULL);
    CHECK(blas_core_for("Cooperlake", BLAS_CPU_AVX512) == NULL);
    CHECK(blas_core_for("Haswell", BLAS_CPU_AVX512) == NULL);
    CHECK(blas_core_for("Zen", BLAS_CPU_AVX2) == NULL);
}

TEST(loaded_kernel_has_a_name) {
    const char *name = blas_core_name();
    CHECK(name && name[0]);
}

int main(void) {
    RUN(fallback_kernel_is_replaced_by_cpu_features);
    RUN(recognised_kernel_is_kept);
    RUN(loaded_kernel_has_a_name);
    return check_summary();
}
