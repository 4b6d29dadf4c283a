/* The mask head's first transposed conv folded through the keys LayerNorms (see
 * sam/keys_fold.h). */
#include "sam/keys_fold.h"

#include <stdlib.h>
#include <string.h>

#include "nn/clones.h"
#include "nn/gemm.h"
#include "util/mem.h"

void sam_keys_fold_free(keys_fold *f) {
    free(f->h);
    free(f->c);
    free(f->d);
    free(f->img);
    memset(f, 0, sizeof *f);
}

/* the mean of x[C], summed in double */
static double row_mean(const float *x, int C) {
    double s = 0.0;
    for (int c = 0; c < C; c++) s += x[c];
    return s / C;
}

/* x[rows][C] minus each row's mean, into out */
static void center_rows(float *out, const float *x, int rows, int C) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * C;
        float mean = (float)row_mean(xr, C);
        for (int c = 0; c < C; c++) out[(size_t)r * C + c] = xr[c] - mean;
    }
}

/* out[O] = (x - shift) H for one row x[C] and H[C][O], in double */
static void row_times(float *out, const float *x, double shift, const float *H, int C, int O) {
    for (int o = 0; o < O; o++) {
        double acc = 0.0;
        for (int c = 0; c < C; c++) acc += (x[c] - shift) * H[(size_t)c * O + o];
        out[o] = (float)acc;
    }
}

int sam_keys_fold_init(keys_fold *f, const keys_fold_layer *layers, int L, int C, const float *U, int O,
                   const float *src, int HW) {
    memset(f, 0, sizeof *f);
    if (L < 1 || L > KEYS_FOLD_MAX_LAYERS) return -1;
    f->L = L, f->C = C, f->O = O, f->HW = HW;
    f->h = util_xmalloc_array((size_t)L * C, (size_t)O * sizeof(float));
    f->c = util_xmalloc_array((size_t)L, (size_t)O * sizeof(float));
    f->d = util_xmalloc_array((size_t)O, sizeof(float));
    f->img = util_xmalloc_array((size_t)HW, (size_t)O * sizeof(float));
    float *tmp = util_xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
    float *row = util_xmalloc_array((size_t)C, sizeof(float));
    if (!f->h || !f->c || !f->d || !f->img || !tmp || !row) {
        free(tmp);
        free(row);
        sam_keys_fold_free(f);
        return -1;
    }
    /* H_{L-1} = diag(gamma_{L-1}) U; H_{l-1} = diag(gamma_{l-1}) Pi H_l (Pi centres each column) */
    size_t CO = (size_t)C * O;
    for (int c = 0; c < C; c++)
        for (int o = 0; o < O; o++)
            f->h[(L - 1) * CO + (size_t)c * O + o] = layers[L - 1].gamma[c] * U[(size_t)c * O + o];
    for (int l = L - 1; l > 0; l--) {
        const float *Hl = f->h + l * CO;
        float *Hp = f->h + (l - 1) * CO;
        for (int o = 0; o < O; o++) {
            double s = 0.0;
            for (int c = 0; c < C; c++) s += Hl[(size_t)c * O + o];
            double mean = s / C;
            for (int c = 0; c < C; c++)
                Hp[(size_t)c * O + o] = (float)(layers[l - 1].gamma[c] * (Hl[(size_t)c * O + o] - mean));
        }
    }
    /* c_l = ((beta_{l-1} + bo_l) Pi) H_l */
    memset(f->c, 0, (size_t)O * sizeof(float));
    for (int l = 1; l < L; l++) {
        for (int c = 0; c < C; c++) row[c] = layers[l - 1].beta[c] + layers[l].out_b[c];
        row_times(f->c + (size_t)l * O, row, row_mean(row, C), f->h + l * CO, C, O);
    }
    row_times(f->d, layers[L - 1].beta, 0.0, U, C, O); /* d = beta_{L-1} U */
    /* IMG = ((src + bo_0) Pi) H_0 */
    for (int p = 0; p < HW; p++)
        for (int c = 0; c < C; c++) tmp[(size_t)p * C + c] = src[(size_t)p * C + c] + layers[0].out_b[c];
    center_rows(tmp, tmp, HW, C);
    nn_sgemm(0, 0, HW, O, C, 1.0f, tmp, C, f->h, O, 0.0f, f->img, O);
    free(tmp);
    free(row);
    return 0;
}

void sam_keys_fold_values(const keys_fold *f, int l, const float *F, int R, float *v_l, float *scratch) {
    center_rows(scratch, F, R, f->C);
    nn_sgemm(0, 0, R, f->O, f->C, 1.0f, scratch, f->C, f->h + (size_t)l * f->C * f->O, f->O, 0.0f, v_l, f->O);
}

/* rows[r][q] *= g[r / R][q] for rows [L R][HW] (the probabilities' columns by their g_l) */
NN_CLONES static void scale_probs(float *rows, const float *g, int L, int R, int HW) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < L * R; r++) {
        const float *gl = g + (size_t)(r / R) * HW;
        float *s = rows + (size_t)r * HW;
        #pragma omp simd /* elementwise: the same bits in every clone */
        for (int q = 0; q < HW; q++) s[q] *= gl[q];
    }
}

void sam_keys_fold_scale(const keys_fold_prompt *p) {
    const keys_fold *f = p->f;
    int L = f->L, HW = f->HW, LR = L * p->R;
    #pragma omp parallel for schedule(static)
    for (int q = 0; q < HW; q++) { /* g_{L-1} = 1, g_l = rstd_l g_{l+1} */
        float g = 1.0f;
        p->g[(size_t)(L - 1) * HW + q] = g;
        for (int l = L - 2; l >= 0; l--) {
            g *= p->rstd[(size_t)l * HW + q];
            p->g[(size_t)l * HW + q] = g;
        }
    }
    scale_probs(p->probs, p->g, L, p->R, HW);
    for (int l = 1; l < L; l++) { /* + g_l c_l */
        memcpy(p->probs + (size_t)(LR + l - 1) * HW, p->g + (size_t)l * HW, (size_t)HW * sizeof(float));
        memcpy(p->v + (size_t)(LR + l - 1) * f->O, f->c + (size_t)l * f->O, (size_t)f->O * sizeof(float));
    }
}

/* out[i][o] = rstd_{L-1} (g_0 IMG + out[i][o]) + d[o], for token p0 + i */
NN_CLONES static void conv_epilogue(const keys_fold_prompt *p, int p0, int P, float *out) {
    const keys_fold *f = p->f;
    int O = f->O;
    const float *last = p->rstd + (size_t)(f->L - 1) * f->HW;
    for (int i = 0; i < P; i++) {
        int q = p0 + i;
        float *oi = out + (size_t)i * O, g0 = p->g[q], r = last[q];
        const float *img = f->img + (size_t)q * O;
        #pragma omp simd /* elementwise: the same bits in every clone */
        for (int o = 0; o < O; o++) oi[o] = r * (g0 * img[o] + oi[o]) + f->d[o];
    }
}

void sam_keys_fold_conv(const keys_fold_prompt *p, int p0, int P, float *out) {
    const keys_fold *f = p->f;
    /* sum_l (g_l S_l) V_l + sum_{l >= 1} g_l c_l */
    nn_sgemm(1, 0, P, f->O, KEYS_FOLD_K(f->L, p->R), 1.0f, p->probs + p0, f->HW, p->v, f->O, 0.0f, out, f->O);
    conv_epilogue(p, p0, P, out);
}
