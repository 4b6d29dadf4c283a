/* NN_CLONES: GCC also builds AVX2+FMA (x86-64-v3) and AVX-512 versions of the function so
 * marked and the loader picks the one the CPU runs (the binary itself targets plain x86-64).
 * With -ffp-contract=off, and elementwise loops or sums over fixed lanes, every clone computes
 * the same bits; an explicit fmaf() is one instruction in those two clones and a C library
 * call, rounded the same, in the default one. A function the clone calls must be inlined
 * into it to share its instruction set. */
#ifndef SAMC_NN_CLONES_H
#define SAMC_NN_CLONES_H

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define NN_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

#endif
