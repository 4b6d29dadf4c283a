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

/* nn.ConvTranspose2d(IC, OC, kernel_size=2, stride=2) on a channel-first map, the kernels
 * never overlapping: out[o][2y+i][2x+j] = bias[o] + sum_c inp[c][y][x] * weight[c][o][i][j].
 * inp[IC][H][W] -> out[OC][2H][2W]; weight[IC][OC][2][2] (PyTorch's layout); bias may be NULL.
 * scratch holds OC*4*H*W floats. */
void conv_transpose2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias,
                                   int IC, int OC, int H, int W, float *scratch);

/* nn.Conv2d(IC, OC, kernel_size=2, stride=2): inp[IC][H][W] -> out[OC][H/2][W/2] (H, W even);
 * weight[OC][IC][2][2], bias[OC] (may be NULL). */
void conv2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int OC,
                         int H, int W);

/* nn.Conv2d(IC, OC, kernel_size=1): out[OC][HW] = weight[OC][IC] @ inp[IC][HW] + bias[OC]
 * (bias may be NULL). */
void conv2d_1x1_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int OC,
                        int HW);

/* F.interpolate(mode="bilinear", align_corners=False) from IH x IW to OH x OW, computing only
 * the top-left KH x KW corner of the result (KH <= OH, KW <= OW; the same values as the full
 * resize followed by a crop). inp: C planes, plane c at inp + c*in_cstride, rows in_ld floats
 * apart. out[C][KH][KW]. Source indices follow PyTorch 1.13 on the CPU: the scale IN/OUT in
 * float32, the source coordinate in double, the weights in float32. 0, or -1 if out of memory. */
int bilinear_resize_forward(float *out, const float *inp, int C, int IH, int IW, int in_ld, size_t in_cstride,
                            int OH, int OW, int KH, int KW);

#endif
