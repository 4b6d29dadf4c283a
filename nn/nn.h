/* Tensor ops of SAM, each mirroring one PyTorch module or function.
 *
 * Conventions (as in llm.c): plain float arrays, row-major, the shape written in the
 * comment of each function; `out` never aliases `inp` unless the function says "in place".
 * Every op is deterministic: the same inputs give the same bits at any thread count
 * (parallel loops split independent rows, never a reduction). nn/ knows nothing of SAM
 * or of files. */
#ifndef SAMC_NN_H
#define SAMC_NN_H

#include <stddef.h>

/* nn.Linear: out[N][OC] = inp[N][IC] @ weight[OC][IC]^T + bias[OC] (bias may be NULL). */
void linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC, int OC);

/* nn.LayerNorm over the last dim: inp[N][C] -> out[N][C]; biased variance. In place allowed. */
void layernorm_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C,
                       float eps);

/* LayerNorm2d (segment_anything/modeling/common.py) over channels of a channel-first map:
 * inp[C][HW] -> out[C][HW], normalising each pixel's C values. In place allowed. */
void layernorm2d_forward(float *out, const float *inp, const float *weight, const float *bias, int C, int HW,
                         float eps);

/* nn.GELU() (exact erf form), in place on n values. */
void gelu_inplace(float *x, size_t n);

/* nn.ReLU, in place on n values. */
void relu_inplace(float *x, size_t n);

/* softmax over each row of x[rows][cols], in place. */
void softmax_rows_inplace(float *x, size_t rows, int cols);

#endif
