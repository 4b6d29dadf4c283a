/* The BLAS underneath nn/: which OpenBLAS kernel is running, which one this CPU should run,
 * and threads. samc runs one thread pool, OpenMP's: nn_sgemm shares a product's tiles among
 * the OpenMP threads (nn/gemm.h), and OpenBLAS is held at one thread, so that its own pool
 * never runs (or spins) beside OpenMP's. */
#ifndef SAMC_NN_BLAS_H
#define SAMC_NN_BLAS_H

/* OpenBLAS's name for the kernel it loaded ("SkylakeX", "Haswell", "Prescott", ...). */
const char *nn_blas_core_name(void);

/* The OPENBLAS_CORETYPE this CPU should use when the loaded kernel is a slow fallback
 * (OpenBLAS builds older than the CPU do not recognise it and pick "Prescott"); NULL when
 * the loaded kernel is already right or nothing better is known. OpenBLAS reads the
 * variable only when it loads, so the caller must set it and re-execute the program. */
const char *nn_blas_better_core(void);

/* The decision behind nn_blas_better_core, for a loaded kernel name and CPU feature bits. */
enum { BLAS_CPU_AVX = 1, BLAS_CPU_AVX2 = 2, BLAS_CPU_AVX512 = 4 };
const char *nn_blas_core_for(const char *loaded, int cpu_features);

/* Settings that OpenBLAS and libgomp read only when they load, put in the environment where
 * the user has not set them, the program then started again, once (argv: main's;
 * SAMC_NO_REEXEC in the environment prevents it; if nothing changes or exec fails, it
 * returns): OPENBLAS_CORETYPE when OpenBLAS loaded a slow fallback kernel (nn_blas_better_core),
 * and GOMP_SPINCOUNT=10000: OpenMP's idle threads spin ~0.1 ms before they sleep instead of
 * libgomp's 300000 spins. A spinning thread slows the one still working where two vCPUs
 * share a core: the decoder click took 27 ms with libgomp's default, 17 with this, on the
 * development VM (bench_decoder). */
void nn_blas_runtime_reexec(char **argv);

/* Holds OpenBLAS at one thread (again, if something set it otherwise meanwhile). Every
 * nn_sgemm calls it; a program linking libsamc that calls OpenBLAS itself gets one thread. */
void nn_blas_hold_serial(void);

/* samc's threads, OpenMP's (n >= 1). */
void nn_blas_set_threads(int n);
int nn_blas_get_threads(void);

#endif
