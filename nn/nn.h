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
void nn_linear_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC, int OC);

/* The Linears of a transformer block with what follows them fused into one pass over the
 * product (bias added after the whole product, where nn_linear_forward starts from it: in fast
 * mode the last bits can differ from nn_linear_forward's; in reference mode they are the same):
 *   nn_linear_gelu_forward:     out[N][OC] = GELU(inp[N][IC] @ weight[OC][IC]^T + bias[OC])
 *   nn_linear_residual_forward: x[N][OC] += inp[N][IC] @ weight[OC][IC]^T + bias[OC]
 *                            (y[N][OC] scratch; the bias joins the product before the sum) */
void nn_linear_gelu_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int IC,
                         int OC);
void nn_linear_residual_forward(float *x, float *y, const float *inp, const float *weight, const float *bias, int N,
                             int IC, int OC);

/* nn_linear_forward on the tokens inp[H*W][IC] of an H x W grid, each output row written
 * where nn_window_partition puts it: windows[nh*nw][ws*ws][OC] (nh = ceil(H/ws),
 * nw = ceil(W/ws)); the padding rows are left as they are (nn_window_pad). The same bits as
 * nn_linear_forward then nn_window_partition, without their [H*W][OC] intermediate: the
 * same tiles, each computed into a buffer of scratch and copied to its windows while in
 * cache. scratch holds nn_linear_windows_scratch_size floats (at most `threads` tiles);
 * the products run on up to `threads` threads. */
int nn_linear_windows_scratch_size(size_t *out, int H, int W, int IC, int OC, int threads);
void nn_linear_windows_forward(float *windows, const float *inp, const float *weight, const float *bias, int H, int W,
                               int IC, int OC, int ws, int threads, float *scratch);

/* nn.LayerNorm over the last dim: inp[N][C] -> out[N][C]; biased variance. In place allowed. */
void nn_layernorm_forward(float *out, const float *inp, const float *weight, const float *bias, int N, int C,
                       float eps);

/* LayerNorm2d (segment_anything/modeling/common.py) over channels of a channel-first map:
 * inp[C][HW] -> out[C][HW], normalising each pixel's C values. In place allowed. */
void nn_layernorm2d_forward(float *out, const float *inp, const float *weight, const float *bias, int C, int HW,
                         float eps);

/* nn.GELU() (exact erf form), in place on n values. Fast mode uses a vectorisable erfc:
 * relative error of the result below 1.5e-6 for |x| <= 3 and 2e-5 wherever the result is a
 * normal float, exactly -0 below about -13 (see nn/activation.c); reference mode the
 * portable erff. */
void nn_gelu_inplace(float *x, size_t n);
/* One value as nn_gelu_inplace computes it in fast mode. */
float nn_gelu_fast_value(float x);

/* nn.ReLU, in place on n values. */
void nn_relu_inplace(float *x, size_t n);

/* softmax over each row of x[rows][cols], in place. */
void nn_softmax_rows_inplace(float *x, size_t rows, int cols);
/* nn_softmax_rows_inplace for short rows (up to 64 values, such as 7 prompt tokens): in fast
 * mode blocks of rows are transposed in a local buffer so that the exps vectorise across
 * rows; each value gets the same operations as in nn_softmax_rows_inplace's fast mode but for
 * the order of the sum. */
void nn_softmax_short_rows_inplace(float *x, size_t rows, int cols);
/* softmax over each column of each group of x[groups][rows][cols], in place: for few rows of
 * many values (the image-to-token attention's scores: a group per head, a row per token),
 * vectorised along the rows. Each value gets nn_softmax_rows_inplace's operations, the sum
 * running down the column in row order. */
void nn_softmax_cols_inplace(float *x, int groups, int rows, size_t cols);

/* The convolutions take their sizes in one order: the input's dimensions as it lies in memory
 * (IC, H, W for a channel-first map; HW, IC for channels-last tokens), then the output
 * channels OC, then the kernel's geometry (K, stride, pad or P) and scratch. */

/* nn.Conv2d(IC, OC, kernel_size=2, stride=2): inp[IC][H][W] -> out[OC][H/2][W/2] (H, W even);
 * weight[OC][IC][2][2], bias[OC] (may be NULL). */
void nn_conv2d_k2s2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H, int W,
                         int OC);

/* nn.Conv2d(IC, OC, kernel_size=1): out[OC][HW] = weight[OC][IC] @ inp[IC][HW] + bias[OC]
 * (bias may be NULL). */
void nn_conv2d_1x1_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int HW,
                           int OC);

/* F.interpolate(mode="bilinear", align_corners=False) twice, with a crop between: inp (C
 * planes, plane c at inp + c*in_cstride, rows in_ld floats apart) resized from IH x IW to
 * MH x MW, its top-left KH x KW kept, that resized to out[C][OH][OW], without storing the
 * intermediate (Sam.postprocess_masks; KH = MH, KW = MW and OH = KH, OW = KW make it one
 * resize). Source indices follow PyTorch 1.13 on the CPU: the scale IN/OUT in float32, the
 * source coordinate in double, the weights in float32. 0, or -1 on bad sizes (KH > MH,
 * KW > MW, a size < 1) or out of memory. */
int nn_bilinear_resize2_forward(float *out, const float *inp, int C, int IH, int IW, int in_ld, size_t in_cstride,
                             int MH, int MW, int KH, int KW, int OH, int OW);

/* F.interpolate(mode="bilinear") of C planes inp[C][IH][IW] -> out[C][OH][OW] as PyTorch
 * 1.13's CPU kernel samples (baselines.md §2.5): per axis an exact copy when the sizes are
 * equal, else the ratio in float32, the source position in double, the weights in float32.
 *   nn_bilinear_ac_forward: align_corners=True   (src = r*i, r = (in-1)/(out-1))
 *   nn_bilinear_hp_forward: align_corners=False  (src = max(r*(i+0.5)-0.5, 0), r = in/out)
 * 0, or -1 on bad sizes or out of memory. */
int nn_bilinear_ac_forward(float *out, const float *inp, int C, int IH, int IW, int OH, int OW);
int nn_bilinear_hp_forward(float *out, const float *inp, int C, int IH, int IW, int OH, int OW);

/* nn.BatchNorm2d in eval mode, in place on x[C][HW]:
 * (x - running_mean) / sqrt(running_var + eps) * weight + bias. */
void nn_batchnorm2d_forward(float *x, const float *weight, const float *bias, const float *mean, const float *var,
                            int C,
                         size_t HW, float eps);

/* nn.LeakyReLU(slope), in place on n values. */
void nn_leaky_relu_inplace(float *x, size_t n, float slope);
/* torch.sigmoid, in place on n values: 1 / (1 + exp(-x)). */
void nn_sigmoid_inplace(float *x, size_t n);

/* Multi-head scaled dot-product attention without position terms (timm's Attention, MiT's
 * Attention): for each head h (channels [h*hd, (h+1)*hd) of q, k, v and out)
 *   out[Nq][heads*hd] = softmax((q @ k^T) * hd^-0.5) @ v
 * with q[Nq] rows q_ld floats apart, k and v [Nk] rows kv_ld apart (so a fused qkv or kv
 * Linear's output is passed as is), out rows out_ld apart. scratch: Nq*Nk floats per
 * thread (nn_mha_scratch_size). The same bits at any thread count. */
void nn_mha_forward(float *out, int out_ld, const float *q, int q_ld, const float *k, const float *v, int kv_ld, int Nq,
                 int Nk, int heads, int hd, float *scratch);
/* floats of scratch nn_mha_forward needs; 0 on overflow. */
size_t nn_mha_scratch_size(int Nq, int Nk);

/* out[cols][rows] = in[rows][cols] transposed (e.g. a channel-first map to tokens), the rows
 * of out ld >= rows floats apart. */
void nn_transpose_forward(float *out, int ld, const float *in, int rows, int cols);
/* out = a + b on n values (out may be a or b). */
void nn_add_forward(float *out, const float *a, const float *b, size_t n);
/* x += y on n values (a residual connection). */
void nn_residual_forward(float *x, const float *y, size_t n);

/* nn.Conv2d on a channel-first map via im2col + sgemm: inp[IC][H][W], weight[OC][IC][K][K],
 * bias[OC] or NULL -> out[OC][OH][OW], OH = (H + 2*pad - K)/stride + 1 (likewise OW).
 * cols: scratch of IC*K*K*OH*OW floats; not used (may be NULL) for a 1x1, stride 1,
 * unpadded conv. */
void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H, int W,
                       int OC,
                    int K, int stride, int pad, float *cols);

/* nn.Conv2d with kernel = stride = P and no padding (ViT patch embedding), returning
 * channels-last tokens as PatchEmbed's permute(0, 2, 3, 1) does: inp[IC][H][W],
 * weight[OC][IC][P][P], bias[OC] -> out[(H/P)*(W/P)][OC]. cols: scratch of
 * (H/P)*(W/P)*IC*P*P floats. */
void nn_conv2d_patchify_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H,
                             int W, int OC, int P, float *cols);

/* nn.Conv2d 1x1 without bias applied to channels-last tokens (x.permute(0, 3, 1, 2) then
 * the conv): inp[HW][IC], weight[OC][IC] -> channel-first out[OC][HW]. */
void nn_conv2d_1x1_tokens_forward(float *out, const float *inp, const float *weight, int HW, int IC, int OC);

/* nn_get_rel_pos (image_encoder.py): relative-position embeddings out[q_size][k_size][C] from
 * a table[L][C]. If L != 2*max(q_size, k_size) - 1 the table is first resized to that
 * length (into `resized`, that many x C floats) as F.interpolate(mode="linear",
 * align_corners=False) does. idx: scratch of q_size*k_size ints (see nn_rel_pos_index). */
void nn_get_rel_pos(float *out, int q_size, int k_size, const float *table, int L, int C, float *resized, int *idx);
/* The two halves of nn_get_rel_pos. Resize table[L][C] to out[out_len][C] along its length
 * (F.interpolate linear, align_corners=False; a copy when L == out_len). */
void nn_rel_pos_resize(float *out, int out_len, const float *table, int L, int C);
/* idx[q_size][k_size]: the table row of each (query, key) pair, from the official scaled
 * coordinates: (i*max(k/q, 1) - j*max(q/k, 1)) + (k-1)*max(q/k, 1), truncated. */
void nn_rel_pos_index(int *idx, int q_size, int k_size);

/* nn_window_partition: x[H][W][C] -> windows[nh*nw][ws*ws][C] with nh = ceil(H/ws),
 * nw = ceil(W/ws); windows row-major over the grid, tokens row-major in a window; the
 * grid is padded at the bottom and right with zeros, or with copies of pad[C]. */
void nn_window_partition(float *windows, const float *x, int H, int W, int C, int ws, const float *pad);
/* nn_window_unpartition: windows[nh*nw][ws*ws][C] -> x[H][W][C], dropping the padding. */
void nn_window_unpartition(float *x, const float *windows, int H, int W, int C, int ws);
/* The padding rows of nn_window_partition's output alone (zeros, or copies of pad[C]). */
void nn_window_pad(float *windows, int H, int W, int C, int ws, const float *pad);

/* Attention of image_encoder.py (multi-head, decomposed relative position, before the
 * output projection) on B independent grids of h x w tokens:
 *   qkv[B][h*w][3*C]   the qkv Linear's output, channel which*C + head*hd + d (q, k, v), C = heads*hd
 *   rel_h[Lh][hd], rel_w[Lw][hd]   rel_pos_h / rel_pos_w (resized as nn_get_rel_pos does if
 *                      Lh != 2h-1 or Lw != 2w-1)
 *   out[B][h*w][C]     per head softmax((q*hd^-0.5) @ k^T + rel_h + rel_w) @ v at channels [head*hd, +hd)
 * The relative terms use the unscaled q. Runs on `threads` OpenMP threads, each task doing
 * its own small sgemms on its thread. The result is the same bits for any thread count.
 * scratch: nn_rel_pos_attention_scratch_size floats. */
void nn_rel_pos_attention_forward(float *out, const float *qkv, const float *rel_h, int Lh, const float *rel_w, int Lw,
                               int B, int h, int w, int heads, int hd, int threads, float *scratch);
/* exp(x) for x <= 0 as nn_rel_pos_attention_forward's softmax computes it in fast mode (a
 * vectorisable polynomial within 2 ulp of exp; 0 below -87 and for NaN). */
float nn_attention_expf(float x);
/* *out = floats of scratch nn_rel_pos_attention_forward needs for h x w grids at `threads` threads.
 * 0, or -1 on size overflow. */
int nn_rel_pos_attention_scratch_size(size_t *out, int h, int w, int hd, int threads);

/* nn.ConvTranspose2d(IC, OC, kernel_size=2, stride=2): inp[IC][H][W], weight[IC][OC][2][2],
 * bias[OC] (may be NULL) -> out[OC][2H][2W], out[o][2y+a][2x+b] = bias[o] +
 * sum_i inp[i][y][x] * weight[i][o][a][b]. cols: scratch of 4*OC*H*W floats. */
void nn_conv_transpose2x2_forward(float *out, const float *inp, const float *weight, const float *bias, int IC, int H,
                               int W, int OC, float *cols);

/* nn.GroupNorm(groups, C) on one image inp[C][HW] -> out[C][HW] (in place allowed): each
 * group of C/groups channels normalised over all its values (biased variance), then
 * out = norm * weight[c] + bias[c]. stats: scratch of C + 2*groups doubles. */
void nn_groupnorm_forward(float *out, const float *inp, const float *weight, const float *bias, int C, size_t HW,
                       int groups, float eps, double *stats);

/* nn.Conv2d(C, C, 3, stride=1, padding=1, groups=C) (MiT's DWConv) on channels-last tokens:
 * inp[H*W][C], weight[C][1][3][3], bias[C] -> out[H*W][C] (not aliased). */
void nn_conv2d_depthwise3x3_tokens_forward(float *out, const float *inp, const float *weight, const float *bias, int H,
                                        int W, int C);

/* The sample positions of nn_bilinear_ac_forward along one axis of in -> out values: output o
 * is l0[o] * in[i0[o]] + l1[o] * in[i1[o]] (each array of out values). */
void nn_bilinear_ac_taps(int *i0, int *i1, float *l0, float *l1, int in, int out);

#endif
