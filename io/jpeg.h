/* JPEG decoding with libjpeg(-turbo): 8-bit greyscale and colour (YCbCr or RGB) images, as
 * djpeg gives them (its defaults: islow DCT, fancy upsampling), grey as one channel and colour
 * as RGB. CMYK/YCCK, 12-bit and other precisions are refused. Any warning of libjpeg (corrupt
 * data, a truncated file) is an error here, so a damaged file is refused rather than decoded
 * with grey blocks, and libjpeg never prints or exits: its errors come back as samc errors. */
#ifndef SAMC_IO_JPEG_H
#define SAMC_IO_JPEG_H

#include <stddef.h>
#include <stdint.h>

/* An image whose decoded samples would exceed this is refused before decoding (as PNG's). */
#define JPG_MAX_DECODED_BYTES ((size_t)1 << 31)
/* Progressive files with more scans than this are refused (a small file could otherwise
 * keep the decoder busy for minutes: libjpeg-turbo's djpeg -maxscans). */
#define JPG_MAX_SCANS 1000

typedef struct {
    int width, height;
    int components;          /* in the file */
    const char *color_space; /* "grayscale", "YCbCr", "RGB", "CMYK", "YCCK" or "unknown" */
    int precision;           /* bits per sample (8) */
    int progressive, arithmetic;
    int channels;            /* decoded: 1 (grey) or 3 (RGB) */
} jpg_header;

typedef struct {
    int width, height, channels;
    uint8_t *pixels; /* height x width x channels, row-major */
} jpg_image;

/* 1 if buf starts with a JPEG SOI marker and another marker (FF D8 FF). */
int io_jpg_is_jpeg(const unsigned char *buf, size_t len);

/* The header (up to the first scan) of the JPEG in memory / in a file; -1 when it cannot be
 * decoded (damaged, CMYK, not 8-bit, larger than JPG_MAX_DECODED_BYTES). */
int io_jpg_parse_header(const unsigned char *buf, size_t len, jpg_header *h);
int io_jpg_read_header(const char *path, jpg_header *h);

int io_jpg_decode(const unsigned char *buf, size_t len, jpg_image *img);
int io_jpg_read(const char *path, jpg_image *img);
void io_jpg_free(jpg_image *img);

#endif
