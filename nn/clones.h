/* NN_CLONES: GCC also builds AVX2 and AVX-512 versions of the function so marked and the
 * loader picks the one the CPU runs (the binary itself targets plain x86-64). With
 * -ffp-contract=off, and elementwise loops or sums over fixed lanes, every clone computes the
 * same bits. A function the clone calls must be inlined into it to share its instruction set. */
#ifndef SAMC_NN_CLONES_H
#define SAMC_NN_CLONES_H

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

#endif
