/* PNG decoder and encoder (self-contained but for zlib). See io/png.c. */
#ifndef SAMC_IO_PNG_H
#define SAMC_IO_PNG_H

#include <stddef.h>
#include <stdint.h>

/* A decoded PNG after libpng's "expand" conventions: palette -> RGB (RGBA with tRNS),
 * grey below 8 bits scaled to 0..255, 16-bit samples kept as 16-bit (host order). */
typedef struct {
    int width, height;
    int channels;  /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int bit_depth; /* 8 (uint8_t samples) or 16 (uint16_t samples) */
    void *pixels;  /* height x width x channels samples, row-major */
} png_image;

int png_decode(const unsigned char *buf, size_t len, png_image *img);
int png_read(const char *path, png_image *img);
void png_free(png_image *img);

/* Writes img (channels 1-4, bit depth 8 or 16) atomically. */
int png_write(const char *path, const png_image *img);
/* Writes a 1-bit grey PNG of a 0/1 mask (h x w bytes) atomically. */
int png_write_mask1(const char *path, const uint8_t *mask, int width, int height);

#endif
