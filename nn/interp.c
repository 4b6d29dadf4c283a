/* F.interpolate(mode="bilinear", align_corners=False), as computed by PyTorch 1.13 on the CPU
 * (the version that produced the reference outputs). */
#include <stdint.h>
#include <stdlib.h>

#include "nn/nn.h"
#include "util/mem.h"

/* Source taps of output index o along an axis of length in -> out (aten's
 * compute_source_index_and_lambda): the two neighbours and their weights. */
static void source_taps(int in, int out, int o, int *i0, int *i1, float *l0, float *l1) {
    if (in == out) {
        *i0 = *i1 = o;
        *l0 = 1.0f;
        *l1 = 0.0f;
        return;
    }
    float scale = (float)in / (float)out;
    double src = (double)scale * (o + 0.5) - 0.5; /* torch 1.13 CPU: double here, not float */
    if (src < 0) src = 0;
    int a = (int)src;
    if (a > in - 1) a = in - 1;
    *i0 = a;
    *i1 = a + (a < in - 1 ? 1 : 0);
    double lam = src - a;
    lam = lam < 0 ? 0 : lam > 1 ? 1 : lam;
    *l1 = (float)lam;
    *l0 = 1.0f - *l1;
}

int bilinear_resize_forward(float *out, const float *inp, int C, int IH, int IW, int in_ld, size_t in_cstride,
                            int OH, int OW, int KH, int KW) {
    /* per-column taps, computed once */
    int *xs0 = xmalloc_array((size_t)KW, 2 * sizeof(int));
    float *xl0 = xmalloc_array((size_t)KW, 2 * sizeof(float));
    if (!xs0 || !xl0) {
        free(xs0);
        free(xl0);
        return -1;
    }
    int *xs1 = xs0 + KW;
    float *xl1 = xl0 + KW;
    for (int x = 0; x < KW; x++) source_taps(IW, OW, x, &xs0[x], &xs1[x], &xl0[x], &xl1[x]);
    #pragma omp parallel for schedule(static)
    for (int cy = 0; cy < C * KH; cy++) {
        int c = cy / KH, y = cy % KH;
        int y0, y1;
        float yl0, yl1;
        source_taps(IH, OH, y, &y0, &y1, &yl0, &yl1);
        const float *r0 = inp + c * in_cstride + (size_t)y0 * in_ld;
        const float *r1 = inp + c * in_cstride + (size_t)y1 * in_ld;
        float *dst = out + ((size_t)c * KH + y) * KW;
        for (int x = 0; x < KW; x++) {
            float t0 = xl0[x] * r0[xs0[x]] + xl1[x] * r0[xs1[x]];
            float t1 = xl0[x] * r1[xs0[x]] + xl1[x] * r1[xs1[x]];
            dst[x] = yl0 * t0 + yl1 * t1;
        }
    }
    free(xs0);
    free(xl0);
    return 0;
}
