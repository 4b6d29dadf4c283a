/* Attention of segment_anything/modeling/image_encoder.py: multi-head self-attention with
 * decomposed relative position, over B independent h x w grids (the windows of a windowed
 * block, or the one grid of a global block).
 *
 * Work is split into tasks (grid, head, block of query rows), each independent, run in
 * parallel with OpenMP; every task does its own small matrix products on its thread, so the
 * bits never depend on the thread count. A task holds at most
 * ATTN_QUERY_BLOCK x (h*w) logits: a global block on the 64x64 grid needs 4 MB per thread
 * instead of heads x 4096 x 4096 floats. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "nn/clones.h"
#include "nn/fast_expf.h"
#include "nn/gemm.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "util/mem.h"

#define ATTN_QUERY_BLOCK 256
#define MAX_LANES 16 /* one AVX-512 register of floats */

/* The softmax row kernel is most of the attention's work outside sgemm: it is built for AVX2
 * and AVX-512 too (nn/clones.h). */
/* Query rows of the grid per task: whole rows, about ATTN_QUERY_BLOCK queries. */
static int block_rows(int h, int w) {
    int rows = ATTN_QUERY_BLOCK / w;
    if (rows < 1) rows = 1;
    return rows < h ? rows : h;
}

int nn_rel_pos_attention_scratch_size(size_t *out, int h, int w, int hd, int threads) {
    size_t N = (size_t)h * w, Rh = 2 * (size_t)h - 1, Rw = 2 * (size_t)w - 1;
    size_t Qb = (size_t)block_rows(h, w) * w;
    size_t tables = 0, per_task = 0, all_tasks = 0;
    /* resized tables th[Rh][hd], tw[Rw][hd]; per thread attn[Qb][N], ph[Qb][Rh], pw[Qb][Rw], qs[Qb][hd],
     * rel_h[h], rel_w[w] */
    if (util_size_mul(Rh + Rw, (size_t)hd, &tables) || util_size_mul(Qb, N + Rh + Rw + (size_t)hd, &per_task) ||
        util_size_add(per_task, (size_t)h + w, &per_task) ||
        util_size_mul(per_task, (size_t)threads, &all_tasks) || util_size_add(tables, all_tasks, out))
        return -1;
    return 0;
}

float nn_attention_expf(float x) { return nn_fast_expf(x); }

/* softmax on one query's logits row[N], in place, as nn_softmax_rows_inplace (max, exp, sum
 * in double, times 1/sum), one row at a time so that it stays in L1. The maximum is the same
 * whatever order the vectorised loop takes. Reference mode keeps the portable nn_expf and a
 * sequential sum; fast mode vectorises exp and the sum (a fixed order for a given build,
 * whatever the thread count). */
NN_CLONES static void softmax_row(float *row, int N) {
    /* the maximum in MAX_LANES independent running maxima, elementwise so that it vectorises
     * (clang does not take a compare-and-select as a reduction without -ffast-math) */
    float lane[MAX_LANES];
    for (int i = 0; i < MAX_LANES; i++) lane[i] = -INFINITY;
    int c0 = 0;
    for (; c0 + MAX_LANES <= N; c0 += MAX_LANES) {
        #pragma omp simd
        for (int i = 0; i < MAX_LANES; i++) lane[i] = row[c0 + i] > lane[i] ? row[c0 + i] : lane[i];
    }
    for (int c = c0; c < N; c++) lane[0] = row[c] > lane[0] ? row[c] : lane[0];
    float mx = lane[0];
    for (int i = 1; i < MAX_LANES; i++) mx = lane[i] > mx ? lane[i] : mx;
    double sum = 0.0;
    if (nn_reference_mode()) {
        for (int c = 0; c < N; c++) {
            row[c] = nn_expf(row[c] - mx);
            sum += row[c];
        }
    } else {
        #pragma omp simd reduction(+ : sum)
        for (int c = 0; c < N; c++) {
            row[c] = nn_fast_expf(row[c] - mx);
            sum += row[c];
        }
    }
    float inv = (float)(1.0 / sum);
    #pragma omp simd
    for (int c = 0; c < N; c++) row[c] *= inv;
}

/* add_decomposed_rel_pos's terms of one query, at grid row i and column j: nn_get_rel_pos for
 * q_size == k_size gives Rh[i][kk] = rel_pos_h[i - kk + h - 1], so
 * rel_h[kk] = q . rel_pos_h[i - kk + h - 1], a gather from ph_n[r] = q . rel_pos_h[r]
 * (and the same along w). */
static void gather_rel_pos(float *rel_h, float *rel_w, const float *ph_n, const float *pw_n, int i, int j, int h,
                           int w) {
    for (int kk = 0; kk < h; kk++) rel_h[kk] = ph_n[i - kk + h - 1];
    for (int l = 0; l < w; l++) rel_w[l] = pw_n[j - l + w - 1];
}

/* attn[nq][N] = (q * scale) @ k^T + rel_h + rel_w, the official way round: the product, then
 * ((attn + rel_h) + rel_w) as add_decomposed_rel_pos adds its views (reference mode). */
static void logits_bias_after(float *attn, const float *qs, const float *k, int ld, const float *ph, const float *pw,
                              float *rel_h, float *rel_w, int i0, int nq, int h, int w, int hd) {
    int N = h * w, Rh = 2 * h - 1, Rw = 2 * w - 1;
    nn_sgemm(0, 1, nq, N, hd, 1.0f, qs, hd, k, ld, 0.0f, attn, N);
    for (int n = 0; n < nq; n++) {
        gather_rel_pos(rel_h, rel_w, ph + (size_t)n * Rh, pw + (size_t)n * Rw, i0 + n / w, n % w, h, w);
        float *r = attn + (size_t)n * N;
        for (int kk = 0; kk < h; kk++) {
            float bh = rel_h[kk];
            #pragma omp simd
            for (int l = 0; l < w; l++) r[kk * w + l] = r[kk * w + l] + bh + rel_w[l];
        }
    }
}

/* The same logits with the terms first: attn starts as rel_h + rel_w and the product adds onto
 * it (beta = 1), so that the GEMM library skips its pass that zeroes C (with K = hd, about
 * 13 % of this product) and no pass adds the terms afterwards (fast mode; the sums round in
 * another order, within the parity tolerances). */
static void logits_bias_first(float *attn, const float *qs, const float *k, int ld, const float *ph, const float *pw,
                              float *rel_h, float *rel_w, int i0, int nq, int h, int w, int hd) {
    int N = h * w, Rh = 2 * h - 1, Rw = 2 * w - 1;
    for (int n = 0; n < nq; n++) {
        gather_rel_pos(rel_h, rel_w, ph + (size_t)n * Rh, pw + (size_t)n * Rw, i0 + n / w, n % w, h, w);
        float *r = attn + (size_t)n * N;
        for (int kk = 0; kk < h; kk++) {
            float bh = rel_h[kk];
            #pragma omp simd
            for (int l = 0; l < w; l++) r[kk * w + l] = bh + rel_w[l];
        }
    }
    nn_sgemm(0, 1, nq, N, hd, 1.0f, qs, hd, k, ld, 1.0f, attn, N);
}

/* One task: queries of grid rows [i0, i0+nr) of one grid, one head. */
static void rel_pos_attention_task(float *out, const float *qkv, const float *th, const float *tw, int h, int w,
                                   int C, int hd, int head, int i0, int nr, float scale, float *s) {
    int N = h * w, Rh = 2 * h - 1, Rw = 2 * w - 1, nq = nr * w, ld = 3 * C;
    const float *q = qkv + (size_t)i0 * w * ld + (size_t)head * hd; /* q[nq][hd], row stride ld */
    const float *k = qkv + C + (size_t)head * hd;                     /* k[N][hd] */
    const float *v = qkv + 2 * C + (size_t)head * hd;                 /* v[N][hd] */
    float *attn = s;                             /* [nq][N] */
    float *ph = attn + (size_t)nq * N;           /* [nq][Rh]: q . rel_pos_h[r] for every table row r */
    float *pw = ph + (size_t)nq * Rh;            /* [nq][Rw] */
    float *qs = pw + (size_t)nq * Rw;            /* [nq][hd]: q * scale */
    float *rel_h = qs + (size_t)nq * hd;         /* [h]: one query's rel_h terms */
    float *rel_w = rel_h + h;                    /* [w] */

    for (int n = 0; n < nq; n++)
        for (int d = 0; d < hd; d++) qs[(size_t)n * hd + d] = q[(size_t)n * ld + d] * scale;
    /* add_decomposed_rel_pos with the unscaled q: one sgemm against each whole table */
    nn_sgemm(0, 1, nq, Rh, hd, 1.0f, q, ld, th, hd, 0.0f, ph, Rh);
    nn_sgemm(0, 1, nq, Rw, hd, 1.0f, q, ld, tw, hd, 0.0f, pw, Rw);
    if (nn_reference_mode())
        logits_bias_after(attn, qs, k, ld, ph, pw, rel_h, rel_w, i0, nq, h, w, hd);
    else
        logits_bias_first(attn, qs, k, ld, ph, pw, rel_h, rel_w, i0, nq, h, w, hd);
    for (int n = 0; n < nq; n++) softmax_row(attn + (size_t)n * N, N);

    /* out[nq][hd] (columns of this head) = attn @ v */
    nn_sgemm(0, 0, nq, hd, N, 1.0f, attn, N, v, ld, 0.0f, out + (size_t)i0 * w * C + (size_t)head * hd, C);
}

void nn_rel_pos_attention_forward(float *out, const float *qkv, const float *rel_h, int Lh, const float *rel_w, int Lw,
                               int B, int h, int w, int heads, int hd, int threads, float *scratch) {
    int C = heads * hd, N = h * w, Rh = 2 * h - 1, Rw = 2 * w - 1;
    int rows = block_rows(h, w), nblk = (h + rows - 1) / rows;
    size_t per_task = (size_t)rows * w * ((size_t)N + Rh + Rw + hd) + h + w;
    /* Python's head_dim**-0.5 rounded to float32 (1/sqrt gives the same float for every
     * hd up to 4096, and sqrt is exact IEEE everywhere) */
    float scale = (float)(1.0 / sqrt((double)hd));

    /* nn_get_rel_pos resizes a table whose length is not 2*size-1 */
    float *th = scratch, *tw = th + (size_t)Rh * hd, *task_scratch = tw + (size_t)Rw * hd;
    nn_rel_pos_resize(th, Rh, rel_h, Lh, hd);
    nn_rel_pos_resize(tw, Rw, rel_w, Lw, hd);

    int tasks = B * heads * nblk;
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int t = 0; t < tasks; t++) {
        int b = t / (heads * nblk), head = t / nblk % heads, i0 = t % nblk * rows;
        int nr = h - i0 < rows ? h - i0 : rows;
        rel_pos_attention_task(out + (size_t)b * N * C, qkv + (size_t)b * N * 3 * C, th, tw, h, w, C, hd, head, i0,
                               nr, scale, task_scratch + (size_t)omp_get_thread_num() * per_task);
    }
}
