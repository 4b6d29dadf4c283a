/* Loading a picture for SAM as 8-bit RGB (see io/image.h). */
#include "io/image.h"

#include <stdlib.h>

#include "io/jpeg.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

/* 1 when the file at path starts with the JPEG magic (else it is read as a PNG). */
static int is_jpeg_file(const char *path, int *jpeg) {
    unsigned char *head;
    size_t len;
    if (util_read_file_head(path, 3, &head, &len)) return -1;
    *jpeg = io_jpg_is_jpeg(head, len);
    free(head);
    return 0;
}

/* One sample reduced to 8 bits by rounding (16-bit: v * 255 / 65535 to nearest). */
static uint8_t sample8(const png_image *img, size_t i) {
    if (img->bit_depth == 8) return ((const uint8_t *)img->pixels)[i];
    uint32_t v = ((const uint16_t *)img->pixels)[i];
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

int io_image_read_size(const char *path, int *h, int *w) {
    int jpeg;
    if (is_jpeg_file(path, &jpeg)) return -1;
    if (jpeg) {
        jpg_header jh;
        if (io_jpg_read_header(path, &jh)) return -1;
        *h = jh.height;
        *w = jh.width;
        return 0;
    }
    png_header hd;
    size_t bytes;
    if (io_png_read_file_header(path, &hd)) return -1;
    if (io_png_decoded_bytes(&hd, &bytes)) return util_err_context("%s", path);
    *h = hd.height;
    *w = hd.width;
    return 0;
}

/* A JPEG: RGB as decoded, grey replicated. */
static int read_jpeg_rgb8(const char *path, uint8_t **rgb, int *h, int *w) {
    jpg_image img;
    if (io_jpg_read(path, &img)) return -1;
    size_t n = (size_t)img.width * (size_t)img.height; /* bounded by the decoder's size limit */
    if (img.channels == 3) {
        *rgb = img.pixels; /* already h x w x 3 */
    } else {
        uint8_t *out = util_xmalloc_array(n, 3);
        if (!out) {
            io_jpg_free(&img);
            return util_err_context("%s", path);
        }
        for (size_t p = 0; p < n; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = img.pixels[p];
        io_jpg_free(&img);
        *rgb = out;
    }
    *h = img.height;
    *w = img.width;
    return 0;
}

int io_image_read_rgb8(const char *path, uint8_t **rgb, int *h, int *w) {
    *rgb = NULL;
    int jpeg;
    if (is_jpeg_file(path, &jpeg)) return -1;
    if (jpeg) return read_jpeg_rgb8(path, rgb, h, w);
    png_image img;
    if (io_png_read(path, &img)) return -1;
    size_t n = (size_t)img.width * (size_t)img.height; /* bounded by the decoder's size limit */
    uint8_t *out = util_xmalloc_array(n, 3);
    if (!out) {
        io_png_free(&img);
        return util_err_context("%s", path);
    }
    /* grey (+alpha) replicates the grey sample; RGB(A) keeps the first three; alpha is dropped */
    size_t ch = (size_t)img.channels;
    for (size_t p = 0; p < n; p++)
        for (size_t k = 0; k < 3; k++) out[3 * p + k] = sample8(&img, p * ch + (ch >= 3 ? k : 0));
    io_png_free(&img);
    *rgb = out;
    *h = img.height;
    *w = img.width;
    return 0;
}
