#include "nn/blas.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here to keep the header small). */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);

const char *nn_blas_core_name(void) { return openblas_get_corename(); }

const char *nn_blas_core_for(const char *loaded, int cpu_features) {
    /* Kernels OpenBLAS falls back to on CPUs it does not know. */
    static const char *const fallbacks[] = {"Prescott", "Core2",     "Nehalem", "Katmai",  "Penryn",
                                            "Dunnington", "Atom",    "Barcelona", "Opteron"};
    int fallback = 0;
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
        if (!strcmp(loaded, fallbacks[i])) fallback = 1;
    if (!fallback) return NULL;
    if (cpu_features & BLAS_CPU_AVX512) return "SkylakeX";
    if (cpu_features & BLAS_CPU_AVX2) return "Haswell";
    if (cpu_features & BLAS_CPU_AVX) return "SandyBridge";
    return NULL;
}

static int cpu_features(void) {
    int f = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    /* OpenBLAS's SkylakeX kernels use AVX-512 F, BW, VL, DQ and CD */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd"))
        f |= BLAS_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= BLAS_CPU_AVX2;
    if (__builtin_cpu_supports("avx")) f |= BLAS_CPU_AVX;
#endif
    return f;
}

const char *nn_blas_better_core(void) { return nn_blas_core_for(nn_blas_core_name(), cpu_features()); }

void nn_blas_runtime_reexec(char **argv) {
    if (getenv("SAMC_NO_REEXEC")) {
        unsetenv("SAMC_NO_REEXEC"); /* children (e.g. tests spawning samc) decide afresh */
        return;
    }
    const char *better = getenv("OPENBLAS_CORETYPE") ? NULL : nn_blas_better_core();
    int spin = !getenv("GOMP_SPINCOUNT");
    if (!better && !spin) return;
    if (better) setenv("OPENBLAS_CORETYPE", better, 1);
    if (spin) setenv("GOMP_SPINCOUNT", "10000", 1);
    setenv("SAMC_NO_REEXEC", "1", 1); /* never loop, even if the kernel is refused */
    execv("/proc/self/exe", argv);
    /* exec failed (no /proc): carry on as loaded rather than fail */
    if (better) unsetenv("OPENBLAS_CORETYPE");
    if (spin) unsetenv("GOMP_SPINCOUNT");
    unsetenv("SAMC_NO_REEXEC");
}

void nn_blas_hold_serial(void) {
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

static int g_threads = 0;

void nn_blas_set_threads(int n) {
    if (n < 1) n = 1;
    g_threads = n;
    nn_blas_hold_serial();
    omp_set_num_threads(n);
}

int nn_blas_get_threads(void) { return g_threads ? g_threads : omp_get_max_threads(); }
