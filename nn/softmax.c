#include <math.h>

#include "nn/clones.h"
#include "nn/fast_expf.h"
#include "nn/mode.h"
#include "nn/nn.h"

/* softmax over each row: max, exp, sum, times 1/sum. Reference mode keeps the portable
 * nn_expf and a sequential sum in double; fast mode uses the vectorisable nn_fast_expf and a
 * simd sum in float (the libm call per value was an eighth of a decoder click, the double
 * sum another tenth). The sum's order is fixed for a build, whatever the thread count, since
 * each row is one thread's. */
NN_CLONES void nn_softmax_rows_inplace(float *x, size_t rows, int cols) {
    int reference = nn_reference_mode();
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * (size_t)cols;
        float mx = -INFINITY;
        for (int c = 0; c < cols; c++) mx = row[c] > mx ? row[c] : mx;
        float inv;
        if (reference) {
            double sum = 0.0;
            for (int c = 0; c < cols; c++) {
                row[c] = nn_expf(row[c] - mx);
                sum += row[c];
            }
            inv = (float)(1.0 / sum);
        } else {
            float sum = 0.0f;
            #pragma omp simd reduction(+ : sum)
            for (int c = 0; c < cols; c++) {
                row[c] = nn_fast_expf(row[c] - mx);
                sum += row[c];
            }
            inv = 1.0f / sum;
        }
        #pragma omp simd
        for (int c = 0; c < cols; c++) row[c] *= inv;
    }
}

/* The softmax down each column c < n of x[rows][ld] (n <= SOFTMAX_DOWN_MAX): max, exp, a sum
 * in row order, times 1/sum, each column's as nn_softmax_rows_inplace does a row's (reference:
 * nn_expf and the sum in double). Always inlined, to take its caller's clone. */
#define SOFTMAX_DOWN_MAX 256

__attribute__((always_inline)) static inline void softmax_down(float *x, int rows, size_t ld, size_t n,
                                                               int reference) {
    float mx[SOFTMAX_DOWN_MAX], inv[SOFTMAX_DOWN_MAX];
    double dsum[SOFTMAX_DOWN_MAX];
    for (size_t c = 0; c < n; c++) mx[c] = x[c], inv[c] = 0.0f, dsum[c] = 0.0;
    for (int r = 1; r < rows; r++) {
        const float *xr = x + (size_t)r * ld;
        #pragma omp simd
        for (size_t c = 0; c < n; c++) mx[c] = xr[c] > mx[c] ? xr[c] : mx[c];
    }
    for (int r = 0; r < rows; r++) {
        float *xr = x + (size_t)r * ld;
        if (reference) {
            for (size_t c = 0; c < n; c++) {
                xr[c] = nn_expf(xr[c] - mx[c]);
                dsum[c] += xr[c];
            }
        } else {
            #pragma omp simd
            for (size_t c = 0; c < n; c++) {
                xr[c] = nn_fast_expf(xr[c] - mx[c]);
                inv[c] += xr[c]; /* the sum, in float, until inverted below */
            }
        }
    }
    for (size_t c = 0; c < n; c++) inv[c] = reference ? (float)(1.0 / dsum[c]) : 1.0f / inv[c];
    for (int r = 0; r < rows; r++) {
        float *xr = x + (size_t)r * ld;
        #pragma omp simd
        for (size_t c = 0; c < n; c++) xr[c] *= inv[c];
    }
}

/* Rows per block of nn_softmax_short_rows_inplace: a block, transposed, stays in L1. */
#define SHORT_BLOCK 64
#define SHORT_MAX_COLS 64

NN_CLONES void nn_softmax_short_rows_inplace(float *x, size_t rows, int cols) {
    if (nn_reference_mode() || cols > SHORT_MAX_COLS) {
        nn_softmax_rows_inplace(x, rows, cols);
        return;
    }
    size_t blocks = (rows + SHORT_BLOCK - 1) / SHORT_BLOCK;
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t b = 0; b < blocks; b++) {
        size_t r0 = b * SHORT_BLOCK, n = rows - r0 < SHORT_BLOCK ? rows - r0 : SHORT_BLOCK;
        float *blk = x + r0 * cols;
        float t[SHORT_MAX_COLS][SHORT_BLOCK];
        for (size_t r = 0; r < n; r++) /* t[c][r] = blk[r][c] */
            for (int c = 0; c < cols; c++) t[c][r] = blk[r * cols + c];
        softmax_down(&t[0][0], cols, SHORT_BLOCK, n, 0);
        for (size_t r = 0; r < n; r++)
            for (int c = 0; c < cols; c++) blk[r * cols + c] = t[c][r];
    }
}

/* Columns per block of nn_softmax_cols_inplace: the block's rows stay in L1 between passes. */
#define COLS_BLOCK SOFTMAX_DOWN_MAX

NN_CLONES void nn_softmax_cols_inplace(float *x, int groups, int rows, size_t cols) {
    int reference = nn_reference_mode();
    size_t blocks = (cols + COLS_BLOCK - 1) / COLS_BLOCK;
    #pragma omp parallel for schedule(static) if ((size_t)groups * rows * cols > 65536)
    for (size_t gb = 0; gb < (size_t)groups * blocks; gb++) {
        size_t c0 = gb % blocks * COLS_BLOCK, n = cols - c0 < COLS_BLOCK ? cols - c0 : COLS_BLOCK;
        softmax_down(x + gb / blocks * rows * cols + c0, rows, cols, n, reference);
    }
}
