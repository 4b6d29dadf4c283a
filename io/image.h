/* Loading a picture for SAM: any supported image file as 8-bit RGB. */
#ifndef SAMC_IO_IMAGE_H
#define SAMC_IO_IMAGE_H

#include <stdint.h>

/* Reads an image (PNG) as h x w x 3 uint8 RGB: grey is replicated, alpha dropped, 16-bit
 * samples reduced to 8 bits by rounding (v * 255 + 32767) / 65535. *rgb is malloc'd. */
int image_read_rgb8(const char *path, uint8_t **rgb, int *h, int *w);

#endif
