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
NN_CLONES void softmax_rows_inplace(float *x, size_t rows, int cols) {
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

/* Rows per block of softmax_short_rows_inplace: a block, transposed, stays in L1. */
#define SHORT_BLOCK 64
#define SHORT_MAX_COLS 64

NN_CLONES void softmax_short_rows_inplace(float *x, size_t rows, int cols) {
    if (nn_reference_mode() || cols > SHORT_MAX_COLS) {
        softmax_rows_inplace(x, rows, cols);
        return;
    }
    size_t blocks = (rows + SHORT_BLOCK - 1) / SHORT_BLOCK;
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t b = 0; b < blocks; b++) {
        size_t r0 = b * SHORT_BLOCK, n = rows - r0 < SHORT_BLOCK ? rows - r0 : SHORT_BLOCK;
        float *blk = x + r0 * cols;
        float t[SHORT_MAX_COLS][SHORT_BLOCK], mx[SHORT_BLOCK], sum[SHORT_BLOCK];
        for (size_t r = 0; r < n; r++) /* t[c][r] = blk[r][c] */
            for (int c = 0; c < cols; c++) t[c][r] = blk[r * cols + c];
        for (size_t r = 0; r < n; r++) {
            mx[r] = t[0][r];
            sum[r] = 0.0f;
        }
        for (int c = 1; c < cols; c++) {
            #pragma omp simd
            for (size_t r = 0; r < n; r++) mx[r] = t[c][r] > mx[r] ? t[c][r] : mx[r];
        }
        for (int c = 0; c < cols; c++) {
            #pragma omp simd
            for (size_t r = 0; r < n; r++) {
                t[c][r] = nn_fast_expf(t[c][r] - mx[r]);
                sum[r] += t[c][r];
            }
        }
        #pragma omp simd
        for (size_t r = 0; r < n; r++) sum[r] = 1.0f / sum[r];
        for (size_t r = 0; r < n; r++)
            for (int c = 0; c < cols; c++) blk[r * cols + c] = t[c][r] * sum[r];
    }
}

/* Columns per block of softmax_cols_inplace: the block's rows stay in L1 between passes. */
#define COLS_BLOCK 256

NN_CLONES void softmax_cols_inplace(float *x, int groups, int rows, size_t cols) {
    int reference = nn_reference_mode();
    size_t blocks = (cols + COLS_BLOCK - 1) / COLS_BLOCK;
    #pragma omp parallel for schedule(static) if ((size_t)groups * rows * cols > 65536)
    for (size_t gb = 0; gb < (size_t)groups * blocks; gb++) {
        size_t c0 = gb % blocks * COLS_BLOCK, n = cols - c0 < COLS_BLOCK ? cols - c0 : COLS_BLOCK;
        float *xg = x + gb / blocks * rows * cols + c0;
        float mx[COLS_BLOCK], inv[COLS_BLOCK];
        double dsum[COLS_BLOCK];
        for (size_t c = 0; c < n; c++) mx[c] = xg[c], inv[c] = 0.0f, dsum[c] = 0.0;
        for (int r = 1; r < rows; r++) {
            const float *xr = xg + (size_t)r * cols;
            #pragma omp simd
            for (size_t c = 0; c < n; c++) mx[c] = xr[c] > mx[c] ? xr[c] : mx[c];
        }
        for (int r = 0; r < rows; r++) {
            float *xr = xg + (size_t)r * cols;
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
            float *xr = xg + (size_t)r * cols;
            #pragma omp simd
            for (size_t c = 0; c < n; c++) xr[c] *= inv[c];
        }
    }
}
