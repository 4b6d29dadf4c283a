#include "nn/nn.h"

/* In tiles of 64 output rows x 8 input rows: 8 read streams (rows `cols` floats apart alias
 * in the L1 cache, so few at a time) and short contiguous writes. */
void nn_transpose_forward(float *out, int ld, const float *in, int rows, int cols) {
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < cols; c0 += 64) {
        int c1 = c0 + 64 < cols ? c0 + 64 : cols;
        for (int r0 = 0; r0 < rows; r0 += 8) {
            int r1 = r0 + 8 < rows ? r0 + 8 : rows;
            for (int c = c0; c < c1; c++)
                for (int r = r0; r < r1; r++) out[(size_t)c * ld + r] = in[(size_t)r * cols + c];
        }
    }
}
