#include <math.h>

#include "nn/fast_expf.h"
#include "nn/mode.h"
#include "nn/nn.h"

/* softmax over each row: max, exp, sum in double, times 1/sum. Reference mode keeps the
 * portable nn_expf and a sequential sum; fast mode uses the vectorisable nn_fast_expf and a
 * simd sum (the libm call per value was an eighth of a decoder click). The sum's order is
 * fixed for a build, whatever the thread count, since each row is one thread's. */
void softmax_rows_inplace(float *x, size_t rows, int cols) {
    int reference = nn_reference_mode();
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * (size_t)cols;
        float mx = -INFINITY;
        for (int c = 0; c < cols; c++) mx = row[c] > mx ? row[c] : mx;
        double sum = 0.0;
        if (reference) {
            for (int c = 0; c < cols; c++) {
                row[c] = nn_expf(row[c] - mx);
                sum += row[c];
            }
        } else {
            #pragma omp simd reduction(+ : sum)
            for (int c = 0; c < cols; c++) {
                row[c] = nn_fast_expf(row[c] - mx);
                sum += row[c];
            }
        }
        float inv = (float)(1.0 / sum);
        #pragma omp simd
        for (int c = 0; c < cols; c++) row[c] *= inv;
    }
}
