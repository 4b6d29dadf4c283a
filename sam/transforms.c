#include "sam/transforms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void sam_resize_longest_side_shape(int h, int w, int target, int *new_h, int *new_w) {
    double scale = target * 1.0 / (h > w ? h : w);
    *new_h = (int)(h * scale + 0.5);
    *new_w = (int)(w * scale + 0.5);
}

void sam_resize_apply_coords(double *xy, int n, int h, int w, int target) {
    int nh, nw;
    sam_resize_longest_side_shape(h, w, target, &nh, &nw);
    double sx = (double)nw / w, sy = (double)nh / h;
    for (int i = 0; i < n; i++) {
        xy[2 * i] *= sx;
        xy[2 * i + 1] *= sy;
    }
}

void sam_resize_apply_boxes(double *boxes, int n, int h, int w, int target) { sam_resize_apply_coords(boxes, 2 * n, h,
                            w, target); }

/* ---- Pillow's BILINEAR resampler (libImaging/Resample.c) ---- */

#define PRECISION_BITS (32 - 8 - 2)

/* Filter taps of every output pixel along one axis (precompute_coeffs followed by
 * normalize_coeffs_8bpc): output xx reads in[bounds[2xx] .. + bounds[2xx+1]) with weights
 * kk[xx*ksize ..]. Returns ksize, or -1 if out of memory. */
static int precompute_coeffs(int in_size, int out_size, int **bounds_out, int32_t **kk_out) {
    double scale = (double)in_size / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale; /* widen the triangle when shrinking */
    double support = 1.0 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    int *bounds = util_xmalloc_array((size_t)out_size, 2 * sizeof(int));
    int32_t *kk = util_xcalloc_array((size_t)out_size * ksize, sizeof(int32_t));
    double *k = util_xmalloc_array((size_t)ksize, sizeof(double));
    if (!bounds || !kk || !k) {
        free(bounds);
        free(kk);
        free(k);
        return -1;
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale;
        double ss = 1.0 / filterscale, ww = 0.0;
        int xmin = (int)(center - support + 0.5); /* C truncation, as Pillow */
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            double t = fabs((x + xmin - center + 0.5) * ss);
            k[x] = t < 1.0 ? 1.0 - t : 0.0;
            ww += k[x];
        }
        for (int x = 0; x < xmax; x++) {
            double v = ww != 0.0 ? k[x] / ww : k[x];
            kk[(size_t)xx * ksize + x] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
        }
        bounds[2 * xx] = xmin;
        bounds[2 * xx + 1] = xmax;
    }
    free(k);
    *bounds_out = bounds;
    *kk_out = kk;
    return ksize;
}

static inline uint8_t clip8(int32_t ss) {
    int32_t v = ss >> PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* in rows [row0, row0 + rows) of width iw -> out[rows][ow] */
static void resample_horizontal(uint8_t *out, const uint8_t *in, int iw, int row0, int rows, int ow, int ksize,
                                const int *bounds, const int32_t *kk) {
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < rows; y++) {
        const uint8_t *src = in + (size_t)(row0 + y) * iw * 3;
        uint8_t *dst = out + (size_t)y * ow * 3;
        for (int xx = 0; xx < ow; xx++) {
            const int32_t *k = kk + (size_t)xx * ksize;
            int xmin = bounds[2 * xx], n = bounds[2 * xx + 1];
            for (int c = 0; c < 3; c++) {
                int32_t ss = 1 << (PRECISION_BITS - 1);
                for (int x = 0; x < n; x++) ss += src[(size_t)(xmin + x) * 3 + c] * k[x];
                dst[(size_t)xx * 3 + c] = clip8(ss);
            }
        }
    }
}

/* in[..][w] -> out[oh][w]; output row yy reads input rows bounds[2yy] - row0 .. */
static void resample_vertical(uint8_t *out, const uint8_t *in, int w, int row0, int oh, int ksize,
                              const int *bounds, const int32_t *kk) {
    #pragma omp parallel for schedule(static)
    for (int yy = 0; yy < oh; yy++) {
        const int32_t *k = kk + (size_t)yy * ksize;
        int ymin = bounds[2 * yy] - row0, n = bounds[2 * yy + 1];
        uint8_t *dst = out + (size_t)yy * w * 3;
        for (int i = 0; i < w * 3; i++) {
            int32_t ss = 1 << (PRECISION_BITS - 1);
            for (int y = 0; y < n; y++) ss += in[(size_t)(ymin + y) * w * 3 + i] * k[y];
            dst[i] = clip8(ss);
        }
    }
}

int sam_pillow_resize_bilinear_rgb8(const uint8_t *in, int ih, int iw, uint8_t *out, int oh, int ow) {
    if (ih == oh && iw == ow) { /* Image.resize returns a copy */
        memcpy(out, in, (size_t)ih * iw * 3);
        return 0;
    }
    int *bv = NULL, *bh = NULL;
    int32_t *kv = NULL, *kh = NULL;
    uint8_t *tmp = NULL;
    int rc = -1;
    int ksv = precompute_coeffs(ih, oh, &bv, &kv);
    if (ksv < 0) goto done;
    /* the horizontal pass only needs the source rows the vertical pass will read */
    int first = bv[0], last = bv[2 * (oh - 1)] + bv[2 * (oh - 1) + 1];
    if (iw != ow) {
        int ksh = precompute_coeffs(iw, ow, &bh, &kh);
        if (ksh < 0) goto done;
        if (ih == oh) {
            resample_horizontal(out, in, iw, 0, ih, ow, ksh, bh, kh);
            rc = 0;
            goto done;
        }
        tmp = util_xmalloc_array((size_t)(last - first) * ow, 3);
        if (!tmp) goto done;
        resample_horizontal(tmp, in, iw, first, last - first, ow, ksh, bh, kh);
        resample_vertical(out, tmp, ow, first, oh, ksv, bv, kv);
    } else {
        resample_vertical(out, in, iw, 0, oh, ksv, bv, kv);
    }
    rc = 0;
done:
    free(bv);
    free(kv);
    free(bh);
    free(kh);
    free(tmp);
    return rc;
}

/* ---- Sam.preprocess ---- */

void sam_preprocess(float *out, const uint8_t *resized, int new_h, int new_w, int img_size) {
    /* the registered float32 buffers pixel_mean / pixel_std; IEEE division, as torch */
    static const float mean[3] = {123.675f, 116.28f, 103.53f};
    static const float std[3] = {58.395f, 57.12f, 57.375f};
    size_t plane = (size_t)img_size * img_size;
    #pragma omp parallel for schedule(static)
    for (int cy = 0; cy < 3 * img_size; cy++) {
        int c = cy / img_size, y = cy % img_size;
        float *dst = out + c * plane + (size_t)y * img_size;
        for (int x = 0; x < img_size; x++)
            dst[x] = (y < new_h && x < new_w) ? ((float)resized[((size_t)y * new_w + x) * 3 + c] - mean[c]) / std[c]
                                              : 0.0f;
    }
}
