/* DICOM pixel data (PS3.3 C.7.6.3, PS3.5 8.1): which layouts samc decodes, and decoding one
 * frame into the volume's slice. */
#include <math.h>
#include <string.h>

#include "io/dicom_internal.h"
#include "util/err.h"
#include "util/mem.h"

static int is_ybr(const char *pi) { return !strcmp(pi, "YBR_FULL") || !strcmp(pi, "YBR_FULL_422"); }

/* Bytes of pixel data one frame takes (8-bit colour and the grey depths; not 1-bit, whose
 * frames are packed without byte alignment). */
static size_t frame_bytes(const dicom_info *in) {
    size_t px = (size_t)in->rows * (size_t)in->cols; /* < 2^32 */
    if (in->samples == 3) return !strcmp(in->photometric, "YBR_FULL_422") ? px * 2 : px * 3;
    return px * (size_t)(in->bits_allocated / 8);
}

static int check_photometric(const dicom_info *in) {
    const char *pi = in->photometric;
    if (!pi[0]) return util_err("no (0028,0004) Photometric Interpretation");
    if (in->samples == 1) {
        if (strcmp(pi, "MONOCHROME1") && strcmp(pi, "MONOCHROME2"))
            return util_err("Photometric Interpretation %s is not supported (with 1 sample per pixel: MONOCHROME1 "
                            "or MONOCHROME2)", pi);
        return 0;
    }
    if (strcmp(pi, "RGB") && !is_ybr(pi))
        return util_err("Photometric Interpretation %s is not supported (with 3 samples per pixel: RGB, YBR_FULL or "
                        "YBR_FULL_422)", pi);
    if (in->bits_allocated != 8)
        return util_err("colour with %d bits allocated is not supported (8 only)", in->bits_allocated);
    if (in->planar != 0 && in->planar != 1) return util_err("Planar Configuration %d is not 0 or 1", in->planar);
    if (!strcmp(pi, "YBR_FULL_422") && (in->planar != 0 || in->cols % 2))
        return util_err("YBR_FULL_422 needs Planar Configuration 0 and an even number of columns (has %d, %d)",
                        in->planar, in->cols);
    return 0;
}

static int check_bits(const dicom_file *f) {
    const dicom_info *in = &f->info;
    int ba = in->bits_allocated, bs = in->bits_stored;
    if (ba != 1 && ba != 8 && ba != 16 && ba != 32)
        return util_err("Bits Allocated %d is not supported (1, 8, 16 or 32)", ba);
    if (bs < 1 || bs > ba) return util_err("Bits Stored %d with Bits Allocated %d", bs, ba);
    if (f->has_high_bit && f->high_bit != bs - 1)
        return util_err("High Bit %d with Bits Stored %d is not supported (only High Bit = Bits Stored - 1)",
                        f->high_bit, bs);
    if (in->signed_pixels != 0 && in->signed_pixels != 1)
        return util_err("Pixel Representation %d is not 0 or 1", in->signed_pixels);
    if (ba == 1 && (in->samples != 1 || in->signed_pixels))
        return util_err("1-bit pixel data must be unsigned grey");
    return 0;
}

int io_dicom_pixel_check(const dicom_file *f, int *datatype) {
    const dicom_info *in = &f->info;
    if (!f->has_pixels) return util_err("no (7FE0,0010) Pixel Data: not an image");
    if (!f->has_rows || !f->has_cols || !f->has_bits_allocated)
        return util_err("no (0028,%s) %s", !f->has_rows ? "0010" : !f->has_cols ? "0011" : "0100",
                        !f->has_rows ? "Rows" : !f->has_cols ? "Columns" : "Bits Allocated");
    if (in->rows < 1 || in->cols < 1) return util_err("Rows x Columns is %d x %d", in->rows, in->cols);
    if (in->samples != 1 && in->samples != 3)
        return util_err("Samples per Pixel %d is not supported (1 or 3)", in->samples);
    if (check_bits(f) || check_photometric(in)) return -1;
    if (in->has_rescale && in->slope == 0) return util_err("(0028,1053) Rescale Slope is 0");

    int64_t dims[3] = {in->rows, in->cols, in->frames};
    size_t px, bytes;
    if (util_size_prod(dims, 3, &px)) return -1;
    if (in->bits_allocated == 1) bytes = px / 8 + (px % 8 != 0);
    else if (util_size_mul(frame_bytes(in), (size_t)in->frames, &bytes)) return -1;
    if (bytes > DICOM_MAX_BYTES)
        return util_err("%d x %d pixels x %d frames need %zu bytes, more than %zu GiB", in->cols, in->rows, in->frames,
                        bytes, DICOM_MAX_BYTES >> 30);
    if (f->pixels_len < bytes)
        return util_err("truncated (7FE0,0010) Pixel Data: %zu bytes, %zu expected for %d x %d pixels x %d frames x %d "
                        "samples of %d bits", f->pixels_len, bytes, in->cols, in->rows, in->frames, in->samples,
                        in->bits_allocated);
    static const int k_types[2][3] = {{NIFTI_UINT8, NIFTI_UINT16, NIFTI_UINT32}, {NIFTI_INT8, NIFTI_INT16, NIFTI_INT32}};
    if (in->samples == 3) *datatype = NIFTI_RGB24;
    else if (in->bits_allocated == 1) *datatype = NIFTI_UINT8;
    else *datatype = k_types[in->signed_pixels][in->bits_allocated == 8 ? 0 : in->bits_allocated == 16 ? 1 : 2];
    return 0;
}

/* Sample i of the pixel data (frames one after another) with only its Bits Stored low bits,
 * sign-extended when signed. */
static int64_t raw_sample(const dicom_file *f, size_t i) {
    const unsigned char *p = f->pixels;
    const dicom_info *in = &f->info;
    uint32_t u;
    switch (in->bits_allocated) {
    case 1: return (p[i >> 3] >> (i & 7)) & 1; /* the first pixel in the lowest bit (PS3.5 D.2) */
    case 8: u = p[i]; break;
    case 16:
        p += 2 * i;
        u = f->big ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
        break;
    default:
        p += 4 * i;
        u = f->big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
        break;
    }
    int bs = in->bits_stored;
    if (bs < 32) u &= (UINT32_C(1) << bs) - 1;
    if (in->signed_pixels && (u >> (bs - 1) & 1)) return (int64_t)u - ((int64_t)1 << bs);
    return u;
}

/* pydicom's convert_color_space YBR_FULL -> RGB (PS3.3 C.7.6.3.1.2), in float32 as it does:
 * the matrix product, then floor(x + 0.5) clipped to 0..255. */
static void ybr_to_rgb(int y, int cb, int cr, uint8_t *out) {
    const float kr = 1.402f, kgb = (float)(-0.114 * 1.772 / 0.587), kgr = (float)(-0.299 * 1.402 / 0.587),
                kb = 1.772f;
    float Y = (float)y, B = (float)cb - 128.0f, R = (float)cr - 128.0f;
    float rgb[3] = {Y + R * kr, Y + B * kgb + R * kgr, Y + B * kb};
    for (int c = 0; c < 3; c++) {
        float v = floorf(rgb[c] + 0.5f);
        out[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static void decode_colour(const dicom_file *f, int64_t frame, uint8_t *out) {
    const dicom_info *in = &f->info;
    size_t n = (size_t)in->rows * (size_t)in->cols;
    const uint8_t *p = f->pixels + (size_t)frame * frame_bytes(in);
    int ybr = is_ybr(in->photometric);
    if (!strcmp(in->photometric, "YBR_FULL_422")) {
        /* two pixels share one chroma pair: Y1 Y2 Cb Cr */
        for (size_t i = 0; i < n; i += 2, p += 4) {
            ybr_to_rgb(p[0], p[2], p[3], out + 3 * i);
            ybr_to_rgb(p[1], p[2], p[3], out + 3 * i + 3);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c[3];
        for (int k = 0; k < 3; k++) c[k] = in->planar ? p[(size_t)k * n + i] : p[3 * i + (size_t)k];
        if (ybr) ybr_to_rgb(c[0], c[1], c[2], out + 3 * i);
        else memcpy(out + 3 * i, c, 3);
    }
}

void io_dicom_decode_frame(const dicom_file *f, int64_t frame, int datatype, double slope, double inter, void *out) {
    if (datatype == NIFTI_RGB24) {
        decode_colour(f, frame, out);
        return;
    }
    size_t n = (size_t)f->info.rows * (size_t)f->info.cols, first = (size_t)frame * n;
#define FILL(type, expr)                                                                                               \
    do {                                                                                                               \
        type *o = out;                                                                                                 \
        for (size_t i = 0; i < n; i++) {                                                                               \
            int64_t v = raw_sample(f, first + i);                                                                      \
            o[i] = (type)(expr);                                                                                       \
        }                                                                                                              \
    } while (0)
    switch (datatype) {
    case NIFTI_UINT8: FILL(uint8_t, v); break;
    case NIFTI_INT8: FILL(int8_t, v); break;
    case NIFTI_UINT16: FILL(uint16_t, v); break;
    case NIFTI_INT16: FILL(int16_t, v); break;
    case NIFTI_UINT32: FILL(uint32_t, v); break;
    case NIFTI_INT32: FILL(int32_t, v); break;
    default: FILL(float, (double)v * slope + inter); break;
    }
#undef FILL
}
