/* libFuzzer harness for the PNG decoder: any bytes must give a decoded image or an error,
 * never a crash, a sanitizer report, a hang or an unbounded allocation.
 *
 * Each input is decoded twice: as a file as it is, and wrapped into a PNG with valid CRCs
 * and zlib stream (the first bytes choose size, colour type, depth, interlace, PLTE and
 * tRNS; the rest is the filtered image data), so mutations reach the unfiltering and
 * expansion code instead of stopping at a CRC or Adler-32 check. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io/png.h"

/* Decodes as is and with palette indices (the label-map path of eval/source.c). */
static void decode(const uint8_t *data, size_t size) {
    png_header h;
    (void)io_png_read_header(data, size, &h);
    for (int flags = 0; flags <= PNG_PALETTE_INDICES; flags += PNG_PALETTE_INDICES) {
        png_image img;
        if (io_png_decode_ex(data, size, flags, &img) != 0) continue;
        /* read every sample so ASan checks the buffer really has the size the image claims */
        size_t n = (size_t)img.width * (size_t)img.height * (size_t)img.channels * (size_t)(img.bit_depth / 8);
        volatile unsigned sum = 0;
        for (size_t i = 0; i < n; i++) sum += ((const uint8_t *)img.pixels)[i];
        io_png_free(&img);
    }
}

static size_t put_chunk(uint8_t *out, const char *type, const uint8_t *data, size_t n) {
    out[0] = (uint8_t)(n >> 24), out[1] = (uint8_t)(n >> 16), out[2] = (uint8_t)(n >> 8), out[3] = (uint8_t)n;
    memcpy(out + 4, type, 4);
    if (n) memcpy(out + 8, data, n);
    uint32_t crc = (uint32_t)crc32(0, out + 4, (uInt)(n + 4));
    uint8_t *c = out + 8 + n;
    c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16), c[2] = (uint8_t)(crc >> 8), c[3] = (uint8_t)crc;
    return 12 + n;
}

/* header bytes: width, height, format, flags (interlace, PLTE, tRNS), palette/tRNS length */
static void decode_wrapped(const uint8_t *data, size_t size) {
    static const uint8_t formats[15][2] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16}, {3, 1},
                                           {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8}, {6, 16}};
    if (size < 5) return;
    uint32_t w = 1 + data[0] % 64, h = 1 + data[1] % 64;
    const uint8_t *fmt = formats[data[2] % 15];
    int interlace = data[3] & 1, with_plte = data[3] & 2, with_trns = data[3] & 4;
    size_t extra = (size_t)data[4] % 64 + 1; /* PLTE entries and tRNS bytes */
    const uint8_t *raw = data + 5;
    size_t raw_len = size - 5;
    uLongf zlen = compressBound((uLong)raw_len);
    uint8_t *png = malloc(8 + 25 + (12 + 3 * extra) + (12 + 64) + 12 + zlen + 12);
    uint8_t *z = malloc(zlen);
    uint8_t ihdr[13] = {0, 0, 0, (uint8_t)w, 0, 0, 0, (uint8_t)h, fmt[1], fmt[0], 0, 0, (uint8_t)interlace};
    uint8_t table[3 * 64];
    for (size_t i = 0; i < sizeof table; i++) table[i] = (uint8_t)(i * 7 + data[4]);
    if (png && z && compress2(z, &zlen, raw, (uLong)raw_len, 1) == Z_OK) {
        size_t n = 0;
        memcpy(png, "\x89PNG\r\n\x1a\n", 8);
        n = 8;
        n += put_chunk(png + n, "IHDR", ihdr, 13);
        if (with_plte || fmt[0] == 3) n += put_chunk(png + n, "PLTE", table, 3 * extra);
        if (with_trns) n += put_chunk(png + n, "tRNS", table, fmt[0] == 3 ? extra : fmt[0] == 2 ? 6 : 2);
        n += put_chunk(png + n, "IDAT", z, zlen);
        n += put_chunk(png + n, "IEND", NULL, 0);
        decode(png, n);
    }
    free(png);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    decode(data, size);
    decode_wrapped(data, size);
    return 0;
}
