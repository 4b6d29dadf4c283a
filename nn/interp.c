/* F.interpolate(mode="bilinear", align_corners=False), as computed by PyTorch 1.13 on the CPU
 * (the version that produced the reference outputs). */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn/clones.h"
#include "nn/nn.h"
#include "util/err.h"
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

/* Two resizes chained with a crop.
 * out[y][x] is the two resizes' expressions, unchanged:
 *   t[s][c]   = xl0[c]*in[s][xs0[c]] + xl1[c]*in[s][xs1[c]]     first resize, along x
 *   mid[r][c] = yl0[r]*t[ys0[r]][c] + yl1[r]*t[ys1[r]][c]        first resize, along y
 *   p[r][x]   = ul0[x]*mid[r][us0[x]] + ul1[x]*mid[r][us1[x]]    second resize, along x
 *   out[y][x] = vl0[y]*p[vs0[y]][x] + vl1[y]*p[vs1[y]][x]        second resize, along y
 * but mid is never stored. Only its columns us0[x] and us1[x] are read, so per source row s
 * ta[s][x] = t[s][us0[x]] and tb[s][x] = t[s][us1[x]] are computed straight from the input
 * with composed taps (ga0 = xs0[us0], ...), and p[r] from the ta, tb of two source rows:
 * every loop but the one gathering from a source row is contiguous and vectorisable. */
typedef struct {
    int *ga0, *ga1, *gb0, *gb1; /* [OW] input columns of ta and tb */
    float *wa1, *wb1; /* [OW] their weights (the first is 1 - these, as source_taps makes it) */
    float *ul0, *ul1; /* [OW] */
    int *ys0, *ys1;   /* [KH] source rows of each mid row */
    float *yl0, *yl1; /* [KH] */
    int *vs0, *vs1;   /* [OH] mid rows of each output row */
    float *vl0, *vl1; /* [OH] */
} chain_taps;

/* Two-slot cache of computed rows keyed by a row id: the slot holding `want`, else one that
 * does not hold `keep` (the other row the caller needs), claimed and flagged in *fresh. */
static int row_slot(long have[2], long want, long keep, int *fresh) {
    *fresh = 0;
    if (have[0] == want) return 0;
    if (have[1] == want) return 1;
    int s = have[0] == keep ? 1 : 0;
    have[s] = want;
    *fresh = 1;
    return s;
}

/* ta[OW] and tb[OW] (stored together in tab[2][OW]) of one input row. The gathers make this
 * the costliest loop: the first weights are recomputed (1 - w1, the same bits as source_taps'
 * l0) rather than loaded, and it is left to plain SSE2, faster here than the hardware gathers
 * of an AVX2 or AVX-512 clone. */
static void chain_source_row(float *tab, const float *row, const chain_taps *k, int OW) {
    float *ta = tab, *tb = tab + OW;
    #pragma omp simd /* elementwise: the same bits */
    for (int x = 0; x < OW; x++) {
        float a1 = k->wa1[x], b1 = k->wb1[x];
        ta[x] = (1.0f - a1) * row[k->ga0[x]] + a1 * row[k->ga1[x]];
        tb[x] = (1.0f - b1) * row[k->gb0[x]] + b1 * row[k->gb1[x]];
    }
}

/* p[OW] of mid row r, from the ta|tb rows t0 (source row ys0[r]) and t1 (ys1[r]) */
NN_CLONES static void chain_mid_row(float *p, const float *t0, const float *t1, float m0, float m1, const chain_taps *k,
                                    int OW) {
    const float *ta0 = t0, *tb0 = t0 + OW, *ta1 = t1, *tb1 = t1 + OW, *ul0 = k->ul0, *ul1 = k->ul1;
    #pragma omp simd /* elementwise: gcc -O2 leaves it scalar otherwise; the same bits */
    for (int x = 0; x < OW; x++) p[x] = ul0[x] * (m0 * ta0[x] + m1 * ta1[x]) + ul1[x] * (m0 * tb0[x] + m1 * tb1[x]);
}

/* out row y from the p rows of vs0[y] and vs1[y] */
NN_CLONES static void chain_out_row(float *dst, const float *p0, const float *p1, float v0, float v1, int OW) {
    #pragma omp simd
    for (int x = 0; x < OW; x++) dst[x] = v0 * p0[x] + v1 * p1[x];
}

int nn_bilinear_resize2_forward(float *out, const float *inp, int C, int IH, int IW, int in_ld, size_t in_cstride,
                             int MH, int MW, int KH, int KW, int OH, int OW) {
    if (C < 1 || IH < 1 || IW < 1 || MH < 1 || MW < 1 || KH < 1 || KW < 1 || OH < 1 || OW < 1 || KH > MH ||
        KW > MW)
        return util_err("bilinear_resize2_forward: bad sizes %dx%d -> %dx%d[:%d, :%d] -> %dx%d", IH, IW, MH, MW,
                        KH, KW, OH, OW);
    int threads = omp_get_max_threads();
    size_t n_y = (size_t)2 * KH + (size_t)2 * OH; /* ys0, ys1, vs0, vs1 and their weights */
    int *ix = util_xmalloc_array((size_t)6 * OW + n_y, sizeof(int));
    float *wt = util_xmalloc_array((size_t)4 * OW + n_y, sizeof(float));
    /* per thread: two ta|tb rows (2 x 2*OW) and two p rows (2 x OW) */
    float *rows = util_xmalloc_array((size_t)threads * 6, (size_t)OW * sizeof(float));
    if (!ix || !wt || !rows) {
        free(ix);
        free(wt);
        free(rows);
        return -1;
    }
    chain_taps k;
    k.ga0 = ix, k.ga1 = ix + OW, k.gb0 = ix + 2 * (size_t)OW, k.gb1 = ix + 3 * (size_t)OW;
    int *us0 = ix + 4 * (size_t)OW, *us1 = ix + 5 * (size_t)OW; /* columns of mid */
    k.ys0 = ix + 6 * (size_t)OW, k.ys1 = k.ys0 + KH, k.vs0 = k.ys1 + KH, k.vs1 = k.vs0 + OH;
    k.wa1 = wt, k.wb1 = wt + OW, k.ul0 = wt + 2 * (size_t)OW, k.ul1 = wt + 3 * (size_t)OW;
    k.yl0 = wt + 4 * (size_t)OW, k.yl1 = k.yl0 + KH, k.vl0 = k.yl1 + KH, k.vl1 = k.vl0 + OH;
    for (int x = 0; x < OW; x++) {
        float w0; /* 1 - w1, recomputed where used */
        source_taps(KW, OW, x, &us0[x], &us1[x], &k.ul0[x], &k.ul1[x]);
        source_taps(IW, MW, us0[x], &k.ga0[x], &k.ga1[x], &w0, &k.wa1[x]);
        source_taps(IW, MW, us1[x], &k.gb0[x], &k.gb1[x], &w0, &k.wb1[x]);
    }
    for (int r = 0; r < KH; r++) source_taps(IH, MH, r, &k.ys0[r], &k.ys1[r], &k.yl0[r], &k.yl1[r]);
    for (int y = 0; y < OH; y++) source_taps(KH, OH, y, &k.vs0[y], &k.vs1[y], &k.vl0[y], &k.vl1[y]);
    long total = (long)C * OH;
    #pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *tab[2], *p[2];
        tab[0] = rows + (size_t)t * 6 * OW, tab[1] = tab[0] + 2 * (size_t)OW;
        p[0] = tab[1] + 2 * (size_t)OW, p[1] = p[0] + OW;
        long have_t[2] = {-1, -1}, have_p[2] = {-1, -1}; /* which source row / mid row each holds */
        /* a contiguous share of the output rows, so that neighbours share rows */
        long begin = total * t / nt, end = total * (t + 1) / nt;
        for (long cy = begin; cy < end; cy++) {
            int c = (int)(cy / OH), y = (int)(cy % OH), sp[2];
            const float *src = inp + c * in_cstride;
            int r[2] = {k.vs0[y], k.vs1[y]};
            for (int i = 0; i < 2; i++) {
                int fresh;
                sp[i] = row_slot(have_p, (long)c * KH + r[i], (long)c * KH + r[1 - i], &fresh);
                if (!fresh) continue;
                int s[2] = {k.ys0[r[i]], k.ys1[r[i]]}, st[2];
                for (int j = 0; j < 2; j++) {
                    int fresh_t;
                    st[j] = row_slot(have_t, (long)c * IH + s[j], (long)c * IH + s[1 - j], &fresh_t);
                    if (fresh_t) chain_source_row(tab[st[j]], src + (size_t)s[j] * in_ld, &k, OW);
                }
                chain_mid_row(p[sp[i]], tab[st[0]], tab[st[1]], k.yl0[r[i]], k.yl1[r[i]], &k, OW);
            }
            chain_out_row(out + ((size_t)c * OH + y) * OW, p[sp[0]], p[sp[1]], k.vl0[y], k.vl1[y], OW);
        }
    }
    free(ix);
    free(wt);
    free(rows);
    return 0;
}
