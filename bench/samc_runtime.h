/* Benchmarks run under the thread-runtime settings the samc program itself uses
 * (cli/samc.c): bounded idle spinning of OpenBLAS and libgomp threads. Both runtimes read
 * them only at start-up, so set them and start the benchmark again (once). */
#ifndef SAMC_BENCH_RUNTIME_H
#define SAMC_BENCH_RUNTIME_H

#include <stdlib.h>
#include <unistd.h>

#include "nn/blas.h"

static inline void bench_use_samc_runtime(char **argv) {
    if (!getenv("SAMC_NO_REEXEC") && blas_set_runtime_env()) {
        setenv("SAMC_NO_REEXEC", "1", 1);
        execv("/proc/self/exe", argv);
    }
}

#endif
