#include "nn/blas.h"

#include <omp.h>
#include <string.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here to keep the header small). */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

const char *blas_core_name(void) { return openblas_get_corename(); }

const char *blas_better_core(void) {
    const char *now = blas_core_name();
    /* Kernels OpenBLAS falls back to on CPUs it does not know. */
    int fallback = !strcmp(now, "Prescott") || !strcmp(now, "Core2") || !strcmp(now, "Nehalem") ||
                   !strcmp(now, "Katmai") || !strcmp(now, "Penryn") || !strcmp(now, "Dunnington") ||
                   !strcmp(now, "Atom") || !strcmp(now, "Barcelona") || !strcmp(now, "Opteron");
    if (!fallback) return NULL;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    if (__builtin_cpu_supports("avx")) return "SandyBridge";
#endif
    return NULL;
}

static int g_threads = 0;

void blas_set_threads(int n) {
    if (n < 1) n = 1;
    g_threads = n;
    openblas_set_num_threads(n);
    omp_set_num_threads(n);
}

int blas_get_threads(void) { return g_threads ? g_threads : omp_get_max_threads(); }
