/* Loading a picture for SAM as 8-bit RGB (see io/image.h). */
#include "io/image.h"

#include <stdlib.h>

#include "io/png.h"
#include "util/err.h"
#include "util/mem.h"

/* One sample reduced to 8 bits by rounding (16-bit: v * 255 / 65535 to nearest). */
static uint8_t sample8(const png_image *img, size_t i) {
    if (img->bit_depth == 8) return ((const uint8_t *)img->pixels)[i];
    uint32_t v = ((const uint16_t *)img->pixels)[i];
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

int image_read_size(const char *path, int *h, int *w) {
    png_header hd;
    size_t bytes;
    if (png_read_file_header(path, &hd)) return -1;
    if (png_decoded_bytes(&hd, &bytes)) return samc_err_context("%s", path);
    *h = hd.height;
    *w = hd.width;
    return 0;
}

int image_read_rgb8(const char *path, uint8_t **rgb, int *h, int *w) {
    *rgb = NULL;
    png_image img;
    if (png_read(path, &img)) return -1;
    size_t n = (size_t)img.width * (size_t)img.height; /* bounded by the decoder's size limit */
    uint8_t *out = xmalloc_array(n, 3);
    if (!out) {
        png_free(&img);
        return samc_err_context("%s", path);
    }
    /* grey (+alpha) replicates the grey sample; RGB(A) keeps the first three; alpha is dropped */
    size_t ch = (size_t)img.channels;
    for (size_t p = 0; p < n; p++)
        for (size_t k = 0; k < 3; k++) out[3 * p + k] = sample8(&img, p * ch + (ch >= 3 ? k : 0));
    png_free(&img);
    *rgb = out;
    *h = img.height;
    *w = img.width;
    return 0;
}
