/* PNG decoder and encoder (self-contained but for zlib). See io/png.c. */
#ifndef SAMC_IO_PNG_H
#define SAMC_IO_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Decoding limits. A PNG whose decoded samples would exceed PNG_MAX_DECODED_BYTES (2 GiB) is
 * refused before anything is allocated, as is a file larger than PNG_MAX_FILE_BYTES. Widths
 * and heights are 1 .. 2^31-1 and chunk lengths at most 2^31-1, as the PNG spec says. */
#define PNG_MAX_DECODED_BYTES ((size_t)1 << 31)
#define PNG_MAX_FILE_BYTES ((size_t)1 << 32)

/* A decoded PNG after libpng's "expand" conventions: palette -> RGB (RGBA with tRNS),
 * grey below 8 bits scaled to 0..255, 16-bit samples kept as 16-bit (host order). */
typedef struct {
    int width, height;
    int channels;  /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int bit_depth; /* 8 (uint8_t samples) or 16 (uint16_t samples) */
    void *pixels;  /* height x width x channels samples, row-major */
} png_image;

/* The facts of a PNG's header (IHDR, plus what PLTE/tRNS before the image data add). */
typedef struct {
    int width, height;
    int bit_depth;    /* 1, 2, 4, 8 or 16 as stored */
    int color_type;   /* 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
    int interlace;    /* 0 none, 1 Adam7 */
    int palette_size; /* PLTE entries (0 if none) */
    int has_trns;     /* a tRNS chunk applies */
    int channels;     /* channels after expansion (what io_png_decode returns) */
    int out_depth;    /* 8 or 16: sample size after expansion */
} png_header;

/* 1 if buf starts with the PNG signature. */
int io_png_is_png(const unsigned char *buf, size_t len);
/* Parses the chunks before the image data (checking their CRCs) into h. */
int io_png_read_header(const unsigned char *buf, size_t len, png_header *h);
/* The same from a file, reading only as much of it as the chunks before the image data need. */
int io_png_read_file_header(const char *path, png_header *h);
/* The bytes io_png_decode would allocate for the samples; -1 with a message when that exceeds
 * PNG_MAX_DECODED_BYTES (the image cannot be decoded). */
int io_png_decoded_bytes(const png_header *h, size_t *bytes);
const char *io_png_color_type_name(int color_type);

int io_png_decode(const unsigned char *buf, size_t len, png_image *img);
int io_png_read(const char *path, png_image *img);

/* Decoding options of io_png_decode_ex / io_png_read_ex (0: as io_png_decode). */
enum {
    /* A palette image (colour type 3) comes out as one 8-bit channel of palette indices, not
     * expanded to its colours (what PIL's np.array of a mode "P" image gives): a label map
     * stored as a palette PNG means its indices, whatever colours the palette shows them in.
     * Other colour types decode as without it. */
    PNG_PALETTE_INDICES = 1,
};
int io_png_decode_ex(const unsigned char *buf, size_t len, int flags, png_image *img);
int io_png_read_ex(const char *path, int flags, png_image *img);
void io_png_free(png_image *img);

/* Writes img (channels 1-4, bit depth 8 or 16) atomically. */
int io_png_write(const char *path, const png_image *img);
/* Writes a 1-bit grey PNG of a 0/1 mask (h x w bytes, any non-zero byte is 1) atomically. */
int io_png_write_mask1(const char *path, const uint8_t *mask, int width, int height);

#endif
