/* The BLAS underneath nn/: which OpenBLAS kernel is running, which one this CPU should run,
 * and thread control. */
#ifndef SAMC_NN_BLAS_H
#define SAMC_NN_BLAS_H

/* OpenBLAS's name for the kernel it loaded ("SkylakeX", "Haswell", "Prescott", ...). */
const char *blas_core_name(void);

/* The OPENBLAS_CORETYPE this CPU should use when the loaded kernel is a slow fallback
 * (OpenBLAS builds older than the CPU do not recognise it and pick "Prescott"); NULL when
 * the loaded kernel is already right or nothing better is known. OpenBLAS reads the
 * variable only when it loads, so the caller must set it and re-execute the program. */
const char *blas_better_core(void);

/* The decision behind blas_better_core, for a loaded kernel name and CPU feature bits. */
enum { BLAS_CPU_AVX = 1, BLAS_CPU_AVX2 = 2, BLAS_CPU_AVX512 = 4 };
const char *blas_core_for(const char *loaded, int cpu_features);

/* Put in the environment the thread-runtime settings samc wants that the user has not set
 * (OpenBLAS and libgomp read them only when they load, so they take effect only in a program
 * started afresh with this environment): idle threads spin about 0.1 ms before sleeping
 * instead of OpenBLAS's 0.1 s and libgomp's 300000 spins (see blas.c). 1 if it set any. */
int blas_set_runtime_env(void);

/* Threads for BLAS and for samc's own OpenMP loops (n >= 1). */
void blas_set_threads(int n);
int blas_get_threads(void);

#endif
