/* F.interpolate(mode="bilinear", align_corners=False), as computed by PyTorch 1.13 on the CPU
 * (the version that produced the reference outputs). */
#include <omp.h>
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

/* One source row interpolated along x at the KW output columns (the first half of each
 * output value; the second combines two such rows along y). */
static void interp_row(float *dst, const float *row, int KW, const int *xs0, const int *xs1, const float *xl0,
                       const float *xl1) {
    for (int x = 0; x < KW; x++) dst[x] = xl0[x] * row[xs0[x]] + xl1[x] * row[xs1[x]];
}

int bilinear_resize_forward(float *out, const float *inp, int C, int IH, int IW, int in_ld, size_t in_cstride,
                            int OH, int OW, int KH, int KW) {
    /* per-column taps, computed once; per thread two x-interpolated source rows, reused while
     * consecutive output rows read the same source rows (4 output rows per source row in
     * SAM's 4x upscale) */
    int threads = omp_get_max_threads();
    int *xs0 = xmalloc_array((size_t)KW, 2 * sizeof(int));
    float *xl0 = xmalloc_array((size_t)KW, 2 * sizeof(float));
    float *rows = xmalloc_array((size_t)threads * 2, (size_t)KW * sizeof(float));
    if (!xs0 || !xl0 || !rows) {
        free(xs0);
        free(xl0);
        free(rows);
        return -1;
    }
    int *xs1 = xs0 + KW;
    float *xl1 = xl0 + KW;
    for (int x = 0; x < KW; x++) source_taps(IW, OW, x, &xs0[x], &xs1[x], &xl0[x], &xl1[x]);
    long total = (long)C * KH;
    #pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *h[2] = {rows + (size_t)t * 2 * KW, rows + ((size_t)t * 2 + 1) * KW};
        long have[2] = {-1, -1}; /* which source row (c * IH + y) each buffer holds */
        /* a contiguous share of the output rows, so that neighbours share source rows */
        long begin = total * t / nt, end = total * (t + 1) / nt;
        for (long cy = begin; cy < end; cy++) {
            int c = (int)(cy / KH), y = (int)(cy % KH);
            int y0, y1;
            float yl0, yl1;
            source_taps(IH, OH, y, &y0, &y1, &yl0, &yl1);
            long want[2] = {(long)c * IH + y0, (long)c * IH + y1};
            const float *src = inp + c * in_cstride;
            int s0 = have[0] == want[0] ? 0 : have[1] == want[0] ? 1 : -1;
            if (s0 < 0) { /* load it where it does not evict the other tap's row */
                s0 = have[0] == want[1] ? 1 : 0;
                interp_row(h[s0], src + (size_t)y0 * in_ld, KW, xs0, xs1, xl0, xl1);
                have[s0] = want[0];
            }
            int s1 = have[s0] == want[1] ? s0 : have[1 - s0] == want[1] ? 1 - s0 : -1;
            if (s1 < 0) {
                s1 = 1 - s0;
                interp_row(h[s1], src + (size_t)y1 * in_ld, KW, xs0, xs1, xl0, xl1);
                have[s1] = want[1];
            }
            float *dst = out + ((size_t)c * KH + y) * KW;
            const float *t0 = h[s0], *t1 = h[s1];
            for (int x = 0; x < KW; x++) dst[x] = yl0 * t0[x] + yl1 * t1[x];
        }
    }
    free(xs0);
    free(xl0);
    free(rows);
    return 0;
}
