/* Loading a picture for SAM: any supported image file as 8-bit RGB. */
#ifndef SAMC_IO_IMAGE_H
#define SAMC_IO_IMAGE_H

#include <stdint.h>

/* Reads an image (PNG, or JPEG told by its first bytes FF D8 FF) as h x w x 3 uint8 RGB: grey
 * is replicated, alpha dropped, 16-bit PNG samples reduced to 8 bits by rounding
 * (v * 255 + 32767) / 65535. *rgb is malloc'd. */
int io_image_read_rgb8(const char *path, uint8_t **rgb, int *h, int *w);
/* The size of the image io_image_read_rgb8 would return, from the file's header only (an image
 * too large to decode at all is an error here already). 0 or -1. */
int io_image_read_size(const char *path, int *h, int *w);

#endif
