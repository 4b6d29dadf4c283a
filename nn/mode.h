/* Fast mode vs. reference mode.
 *
 * Fast mode (the default) uses OpenBLAS, the C library's elementary functions and, in hot
 * loops, vectorised polynomial ones (e.g. the attention softmax): the same bits at any
 * thread count and run to run on one machine, but another CPU (another OpenBLAS kernel,
 * another vector width) or another libm can change the last bits.
 * Reference mode uses only portable C: matrix products with a fixed summation order
 * (nn/gemm.c) and the elementary functions of nn/portable_math.c, all compiled without
 * FMA contraction, so its bits are the same on any IEEE-754 machine and compiler. */
#ifndef SAMC_NN_MODE_H
#define SAMC_NN_MODE_H

void nn_set_reference_mode(int on);
int nn_reference_mode(void);

/* The elementary functions every op uses, following the mode. */
float nn_expf(float x);
float nn_erff(float x);
float nn_sinf(float x);
float nn_cosf(float x);

#endif
