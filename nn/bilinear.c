/* F.interpolate(mode="bilinear") in both corner conventions, with the sample positions and
 * weights of PyTorch 1.13's CPU kernel (upsample_bilinear2d; baselines.md §2.5): the ratio
 * in float32, the source position in double, the weights in float32. Computing the positions
 * in float32 instead is off by up to 3e-5 on 448-pixel outputs. */
#include <stdint.h>
#include <stdlib.h>

#include "nn/nn.h"
#include "util/err.h"
#include "util/mem.h"

/* The two neighbours i0, i1 of each output index along one axis, and their weights. */
typedef struct {
    int *i0, *i1;
    float *l0, *l1;
} axis_taps;

/* align_corners=True: src = r*o with r = (in-1)/(out-1) (0 when out == 1). */
void nn_bilinear_ac_taps(int *i0, int *i1, float *l0, float *l1, int in, int out) {
    float r = out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    for (int o = 0; o < out; o++) {
        double src = in == out ? o : (double)r * o;
        int a = (int)src;
        if (a > in - 1) a = in - 1;
        i0[o] = a;
        i1[o] = a + (a < in - 1);
        l1[o] = (float)(src - a);
        l0[o] = 1.0f - l1[o];
    }
}

static void taps_ac(axis_taps *t, int in, int out) { nn_bilinear_ac_taps(t->i0, t->i1, t->l0, t->l1, in, out); }

/* align_corners=False: src = max(r*(o+0.5)-0.5, 0) with r = in/out. */
static void taps_hp(axis_taps *t, int in, int out) {
    float r = (float)in / (float)out;
    for (int o = 0; o < out; o++) {
        double src = in == out ? o : (double)r * (o + 0.5) - 0.5;
        if (src < 0) src = 0;
        int a = (int)src;
        if (a > in - 1) a = in - 1;
        t->i0[o] = a;
        t->i1[o] = a + (a < in - 1);
        t->l1[o] = (float)(src - a);
        t->l0[o] = 1.0f - t->l1[o];
    }
}

static int taps_alloc(axis_taps *t, int n) {
    t->i0 = util_xmalloc_array((size_t)n * 2, sizeof(int));
    t->l0 = util_xmalloc_array((size_t)n * 2, sizeof(float));
    if (!t->i0 || !t->l0) {
        free(t->i0);
        free(t->l0);
        return -1;
    }
    t->i1 = t->i0 + n;
    t->l1 = t->l0 + n;
    return 0;
}

/* out = l0h*(l0w*a + l1w*b) + l1h*(l0w*c + l1w*d), one output row per iteration. */
static int resize(float *out, const float *inp, int C, int IH, int IW, int OH, int OW,
                  void (*taps)(axis_taps *, int, int)) {
    if (C < 1 || IH < 1 || IW < 1 || OH < 1 || OW < 1) return util_err("bilinear resize: bad sizes");
    axis_taps ty, tx;
    if (taps_alloc(&ty, OH)) return -1;
    if (taps_alloc(&tx, OW)) {
        free(ty.i0);
        free(ty.l0);
        return -1;
    }
    taps(&ty, IH, OH);
    taps(&tx, IW, OW);
    size_t rows = (size_t)C * OH;
    #pragma omp parallel for schedule(static) if (rows * OW > 65536)
    for (size_t r = 0; r < rows; r++) {
        size_t c = r / OH;
        int y = (int)(r % OH);
        const float *top = inp + (c * IH + ty.i0[y]) * IW, *bot = inp + (c * IH + ty.i1[y]) * IW;
        float h0 = ty.l0[y], h1 = ty.l1[y];
        float *o = out + r * OW;
        for (int x = 0; x < OW; x++) {
            int a = tx.i0[x], b = tx.i1[x];
            float w0 = tx.l0[x], w1 = tx.l1[x];
            o[x] = h0 * (w0 * top[a] + w1 * top[b]) + h1 * (w0 * bot[a] + w1 * bot[b]);
        }
    }
    free(ty.i0);
    free(ty.l0);
    free(tx.i0);
    free(tx.l0);
    return 0;
}

int nn_bilinear_ac_forward(float *out, const float *inp, int C, int IH, int IW, int OH, int OW) {
    return resize(out, inp, C, IH, IW, OH, OW, taps_ac);
}

int nn_bilinear_hp_forward(float *out, const float *inp, int C, int IH, int IW, int OH, int OW) {
    return resize(out, inp, C, IH, IW, OH, OW, taps_hp);
}
