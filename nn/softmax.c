#include <math.h>

#include "nn/mode.h"
#include "nn/nn.h"

void softmax_rows_inplace(float *x, size_t rows, int cols) {
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * (size_t)cols;
        float mx = -INFINITY;
        for (int c = 0; c < cols; c++) mx = row[c] > mx ? row[c] : mx;
        double sum = 0.0;
        for (int c = 0; c < cols; c++) {
            row[c] = nn_expf(row[c] - mx);
            sum += row[c];
        }
        float inv = (float)(1.0 / sum);
        for (int c = 0; c < cols; c++) row[c] *= inv;
    }
}
