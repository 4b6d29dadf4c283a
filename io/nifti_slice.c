/* Voxel values, the whole volume for `samc dump`, and 2D slices along anatomical planes in
 * the display orientation documented in io/nifti.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/nifti.h"
#include "util/err.h"
#include "util/mem.h"

double io_nifti_value(const nifti_image *img, size_t i) {
    const unsigned char *p = (const unsigned char *)img->data + i * img->voxel_bytes;
    double v;
    switch (img->datatype) {
    case NIFTI_UINT8: v = p[0]; break;
    case NIFTI_INT8: v = (int8_t)p[0]; break;
#define AS(type)                                                                                                       \
    do {                                                                                                               \
        type t_;                                                                                                       \
        memcpy(&t_, p, sizeof t_);                                                                                     \
        v = (double)t_;                                                                                                \
    } while (0)
    case NIFTI_INT16: AS(int16_t); break;
    case NIFTI_UINT16: AS(uint16_t); break;
    case NIFTI_INT32: AS(int32_t); break;
    case NIFTI_UINT32: AS(uint32_t); break;
    case NIFTI_INT64: AS(int64_t); break;
    case NIFTI_UINT64: AS(uint64_t); break;
    case NIFTI_FLOAT32: AS(float); break;
    case NIFTI_FLOAT64: AS(double); break;
#undef AS
    default: return 0; /* RGB24 has no single value */
    }
    /* nibabel: raw * slope + inter in float64 */
    return img->scaled ? v * img->scl_slope + img->scl_inter : v;
}

int io_nifti_to_f32(const nifti_image *img, float **out, int *ndim, int64_t shape[8]) {
    int n = img->ndim, ch = img->datatype == NIFTI_RGB24 ? 3 : 1;
    *out = util_xmalloc_array(img->nvox ? img->nvox : 1, sizeof(float) * ch);
    if (!*out) return -1;
    for (int k = 0; k < n; k++) shape[k] = img->dim[k + 1];
    *ndim = n;
    if (ch == 3) shape[(*ndim)++] = 3;
    /* walk the output in C order (last axis fastest) while tracking the voxel's position in
     * the file (first axis fastest) */
    size_t fstride[8], idx[8] = {0}, f = 0;
    fstride[0] = 1;
    for (int k = 1; k < n; k++) fstride[k] = fstride[k - 1] * (size_t)img->dim[k];
    for (size_t o = 0; o < img->nvox; o++) {
        if (ch == 3) {
            const unsigned char *p = (const unsigned char *)img->data + f * 3;
            for (int c = 0; c < 3; c++) (*out)[o * 3 + c] = p[c];
        } else {
            (*out)[o] = (float)io_nifti_value(img, f);
        }
        for (int k = n - 1; k >= 0; k--) {
            f += fstride[k];
            if (++idx[k] < (size_t)img->dim[k + 1]) break;
            f -= fstride[k] * idx[k];
            idx[k] = 0;
        }
    }
    return 0;
}

static const char *const k_plane_names[] = {"axial", "coronal", "sagittal"};

int io_nifti_plane_parse(const char *name, nifti_plane *plane) {
    for (int p = 0; p < 3; p++)
        if (!strcmp(name, k_plane_names[p])) {
            *plane = (nifti_plane)p;
            return 0;
        }
    return util_err("unknown plane '%s' (axial, coronal or sagittal)", name);
}

const char *io_nifti_plane_name(nifti_plane plane) { return (unsigned)plane < 3 ? k_plane_names[plane] : "?"; }

/* Which array axis is normal to the plane, which runs down the rows and which along the
 * columns, and whether rows/columns run against the array index. */
typedef struct {
    int normal, row, col;
    int row_flip, col_flip;
} plane_axes;

static int find_plane_axes(const nifti_image *img, nifti_plane plane, plane_axes *pa) {
    if (img->axcodes[0] == '?')
        return util_err("cannot tell the anatomical planes: the %s affine is not finite", img->affine_source);
    if ((unsigned)plane > 2) return util_err("bad plane %d", (int)plane);
    int array_axis[3];
    char code[3];
    for (int a = 0; a < 3; a++) {
        char c = img->axcodes[a];
        int w = c == 'R' || c == 'L' ? 0 : c == 'A' || c == 'P' ? 1 : 2;
        array_axis[w] = a;
        code[w] = c;
    }
    /* world axes (0 R/L, 1 A/P, 2 S/I) of the normal, the rows and the columns, and the
     * direction rows and columns run toward (radiological display) */
    static const struct {
        int normal, row, col;
        char row_toward, col_toward;
    } k[3] = {
        {2, 1, 0, 'P', 'L'}, /* axial */
        {1, 2, 0, 'I', 'L'}, /* coronal */
        {0, 2, 1, 'I', 'P'}, /* sagittal */
    };
    pa->normal = array_axis[k[plane].normal];
    pa->row = array_axis[k[plane].row];
    pa->col = array_axis[k[plane].col];
    pa->row_flip = code[k[plane].row] != k[plane].row_toward;
    pa->col_flip = code[k[plane].col] != k[plane].col_toward;
    return 0;
}

int io_nifti_slice_shape(const nifti_image *img, nifti_plane plane, int64_t *n_slices, int *h, int *w) {
    plane_axes pa = {0};
    if (find_plane_axes(img, plane, &pa)) return -1;
    *n_slices = img->dim[pa.normal + 1];
    *h = (int)img->dim[pa.row + 1];
    *w = (int)img->dim[pa.col + 1];
    return 0;
}

/* Maps pixel (r, c) of one slice to the file-order index of its voxel in the first 3D
 * volume: start at the voxel shown at (0, 0), step along the row and column array axes,
 * backwards where the display runs against the array index. */
typedef struct {
    size_t base, row_step, col_step;
    int row_neg, col_neg;
    int h, w;
} slice_walk;

static int slice_setup(const nifti_image *img, nifti_plane plane, int64_t index, slice_walk *sw) {
    plane_axes pa = {0};
    if (find_plane_axes(img, plane, &pa)) return -1;
    if (index < 0 || index >= img->dim[pa.normal + 1])
        return util_err("%s slice %lld is out of range (0..%lld)", io_nifti_plane_name(plane), (long long)index,
                        (long long)img->dim[pa.normal + 1] - 1);
    size_t stride[3] = {1, (size_t)img->dim[1], (size_t)img->dim[1] * (size_t)img->dim[2]};
    sw->h = (int)img->dim[pa.row + 1];
    sw->w = (int)img->dim[pa.col + 1];
    sw->row_step = stride[pa.row];
    sw->col_step = stride[pa.col];
    sw->row_neg = pa.row_flip;
    sw->col_neg = pa.col_flip;
    sw->base = (size_t)index * stride[pa.normal] + (pa.row_flip ? (size_t)(sw->h - 1) * stride[pa.row] : 0) +
               (pa.col_flip ? (size_t)(sw->w - 1) * stride[pa.col] : 0);
    return 0;
}

static size_t slice_voxel(const slice_walk *sw, int r, int c) {
    size_t v = sw->base;
    v = sw->row_neg ? v - (size_t)r * sw->row_step : v + (size_t)r * sw->row_step;
    v = sw->col_neg ? v - (size_t)c * sw->col_step : v + (size_t)c * sw->col_step;
    return v;
}

int io_nifti_slice(const nifti_image *img, nifti_plane plane, int64_t index, float *out, int *h, int *w) {
    if (img->datatype == NIFTI_RGB24) return util_err("cannot slice an RGB24 volume as one channel");
    slice_walk sw;
    if (slice_setup(img, plane, index, &sw)) return -1;
    for (int r = 0; r < sw.h; r++)
        for (int c = 0; c < sw.w; c++) out[(size_t)r * sw.w + c] = (float)io_nifti_value(img, slice_voxel(&sw, r, c));
    *h = sw.h;
    *w = sw.w;
    return 0;
}

int io_nifti_slice_rgb24(const nifti_image *img, nifti_plane plane, int64_t index, uint8_t *out, int *h, int *w) {
    if (img->datatype != NIFTI_RGB24) return util_err("not an RGB24 volume");
    slice_walk sw;
    if (slice_setup(img, plane, index, &sw)) return -1;
    const uint8_t *data = img->data;
    for (int r = 0; r < sw.h; r++)
        for (int c = 0; c < sw.w; c++) memcpy(out + 3 * ((size_t)r * sw.w + c), data + 3 * slice_voxel(&sw, r, c), 3);
    *h = sw.h;
    *w = sw.w;
    return 0;
}

int io_nifti_slice_put_u8(const nifti_image *img, nifti_plane plane, int64_t index, const uint8_t *slice,
                          uint8_t *vol) {
    slice_walk sw;
    if (slice_setup(img, plane, index, &sw)) return -1;
    for (int r = 0; r < sw.h; r++)
        for (int c = 0; c < sw.w; c++) vol[slice_voxel(&sw, r, c)] = slice[(size_t)r * sw.w + c];
    return 0;
}

int io_nifti_slice_put_u16(const nifti_image *img, nifti_plane plane, int64_t index, const uint16_t *slice,
                        uint16_t *vol) {
    slice_walk sw;
    if (slice_setup(img, plane, index, &sw)) return -1;
    for (int r = 0; r < sw.h; r++)
        for (int c = 0; c < sw.w; c++) vol[slice_voxel(&sw, r, c)] = slice[(size_t)r * sw.w + c];
    return 0;
}
