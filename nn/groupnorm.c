/* nn.GroupNorm: statistics over each group's channels and pixels, then a per-channel affine.
 * A group's sums are taken per channel (in parallel, one channel per task) and the channel
 * sums added in channel order, all in double: the same bits at any thread count, and the
 * correctly rounded float32 statistic for any realistic map. */
#include <math.h>

#include "nn/nn.h"

void nn_groupnorm_forward(float *out, const float *inp, const float *weight, const float *bias, int C, size_t HW,
                       int groups, float eps, double *stats) {
    int cg = C / groups;
    double n = (double)cg * (double)HW;
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * HW;
        double s = 0.0;
        for (size_t i = 0; i < HW; i++) s += x[i];
        stats[c] = s;
    }
    for (int g = 0; g < groups; g++) {
        double s = 0.0;
        for (int c = g * cg; c < (g + 1) * cg; c++) s += stats[c];
        stats[C + g] = s / n; /* the group's mean */
    }
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * HW;
        double m = stats[C + c / cg], v = 0.0;
        for (size_t i = 0; i < HW; i++) v += (x[i] - m) * (x[i] - m);
        stats[c] = v;
    }
    for (int g = 0; g < groups; g++) {
        double v = 0.0;
        for (int c = g * cg; c < (g + 1) * cg; c++) v += stats[c];
        stats[C + groups + g] = 1.0 / sqrt(v / n + eps); /* biased variance, as PyTorch's */
    }
    #pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        int g = c / cg;
        float m = (float)stats[C + g], rstd = (float)stats[C + groups + g];
        const float *x = inp + (size_t)c * HW;
        float *y = out + (size_t)c * HW;
        for (size_t i = 0; i < HW; i++) y[i] = (x[i] - m) * rstd * weight[c] + bias[c];
    }
}
