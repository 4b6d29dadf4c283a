#include "nn/blas.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here to keep the header small). */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

const char *blas_core_name(void) { return openblas_get_corename(); }

const char *blas_core_for(const char *loaded, int cpu_features) {
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

const char *blas_better_core(void) { return blas_core_for(blas_core_name(), cpu_features()); }

static int g_threads = 0;

void blas_set_threads(int n) {
    if (n < 1) n = 1;
    g_threads = n;
    openblas_set_num_threads(n);
    omp_set_num_threads(n);
}

int blas_get_threads(void) { return g_threads ? g_threads : omp_get_max_threads(); }

/* samc runs two thread pools one after the other: OpenBLAS's for the large matrix products,
 * OpenMP's for everything else. An idle pool spins before it sleeps, OpenBLAS for 2^28 TSC
 * cycles (~0.1 s), libgomp for 300000 spins, and on a 2-core machine a spinning thread
 * takes a core from the other pool's work: the ViT-B encoder at 2 threads used ~7% more
 * CPU time with the defaults than with these (bench_image_encoder, forward_cpu_s). They
 * still spin ~0.1 ms, so back-to-back small calls (the decoder) do not pay a wake-up each. */
int blas_set_runtime_env(void) {
    static const char *const vars[][2] = {{"OPENBLAS_THREAD_TIMEOUT", "18"}, {"GOMP_SPINCOUNT", "10000"}};
    int set = 0;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (!getenv(vars[i][0])) {
            setenv(vars[i][0], vars[i][1], 1);
            set = 1;
        }
    return set;
}
