/* nn_get_rel_pos of segment_anything/modeling/image_encoder.py: the relative-position
 * embedding for every (query, key) pair along one axis. */
#include <math.h>
#include <string.h>

#include "nn/nn.h"

void nn_rel_pos_resize(float *out, int out_len, const float *table, int L, int C) {
    if (L == out_len) {
        memcpy(out, table, (size_t)L * C * sizeof(float));
        return;
    }
    /* F.interpolate(mode="linear", align_corners=False) along the table's length, per
     * channel, with torch's CPU index and weight rule: float scale, double source index
     * clamped at 0, float weights. */
    float scale = (float)L / (float)out_len;
    for (int o = 0; o < out_len; o++) {
        double src = (double)scale * (o + 0.5) - 0.5;
        if (src < 0) src = 0;
        int i0 = (int)floor(src);
        if (i0 > L - 1) i0 = L - 1;
        int i1 = i0 + (i0 < L - 1 ? 1 : 0);
        float l1 = (float)(src - i0);
        l1 = l1 < 0.0f ? 0.0f : l1 > 1.0f ? 1.0f : l1;
        float l0 = 1.0f - l1;
        const float *t0 = table + (size_t)i0 * C, *t1 = table + (size_t)i1 * C;
        for (int c = 0; c < C; c++) out[(size_t)o * C + c] = l0 * t0[c] + l1 * t1[c];
    }
}

void nn_rel_pos_index(int *idx, int q_size, int k_size) {
    /* The official coordinates are float32 tensors (an integer arange times a Python float),
     * and .long() truncates; every value is >= 0, so truncation is floor. */
    float q_scale = (float)fmax((double)k_size / q_size, 1.0);
    float k_scale = (float)fmax((double)q_size / k_size, 1.0);
    float offset = (float)((k_size - 1) * fmax((double)q_size / k_size, 1.0));
    for (int i = 0; i < q_size; i++)
        for (int j = 0; j < k_size; j++)
            idx[(size_t)i * k_size + j] = (int)(((float)i * q_scale - (float)j * k_scale) + offset);
}

void nn_get_rel_pos(float *out, int q_size, int k_size, const float *table, int L, int C, float *resized, int *idx) {
    int max_rel_dist = 2 * (q_size > k_size ? q_size : k_size) - 1;
    const float *t = table;
    if (L != max_rel_dist) {
        nn_rel_pos_resize(resized, max_rel_dist, table, L, C);
        t = resized;
    }
    nn_rel_pos_index(idx, q_size, k_size);
    for (size_t p = 0; p < (size_t)q_size * k_size; p++)
        memcpy(out + p * C, t + (size_t)idx[p] * C, (size_t)C * sizeof(float));
}
