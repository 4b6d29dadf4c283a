/* JPEG through libjpeg(-turbo) (see io/jpeg.h). libjpeg reports errors by calling
 * error_exit, which must not return: it jumps back here (setjmp/longjmp, as libjpeg's own
 * example.c does) and the decoder is destroyed; warnings take the same way. */
#include "io/jpeg.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "util/err.h"
#include "util/mem.h"

typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg's err pointer is also ours */
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX + 64];
} reader;

static void fail(j_common_ptr c) {
    reader *r = (reader *)c->err;
    c->err->format_message(c, r->msg);
    longjmp(r->jump, 1);
}

/* level -1: a warning, i.e. corrupt data libjpeg would paper over; other levels are traces */
static void on_message(j_common_ptr c, int level) {
    if (level < 0) fail(c);
}

static void on_progress(j_common_ptr c) {
    j_decompress_ptr d = (j_decompress_ptr)c;
    reader *r = (reader *)c->err;
    if (d->input_scan_number > JPG_MAX_SCANS) {
        snprintf(r->msg, sizeof r->msg, "more than %d progressive scans", JPG_MAX_SCANS);
        longjmp(r->jump, 1);
    }
}

/* Refuses from inside the decoding (after setjmp), with the decoder destroyed there. */
#define REFUSE(r, ...)                                                                                                 \
    do {                                                                                                               \
        snprintf((r)->msg, sizeof (r)->msg, __VA_ARGS__);                                                              \
        longjmp((r)->jump, 1);                                                                                         \
    } while (0)

static const char *space_name(J_COLOR_SPACE s) {
    switch (s) {
    case JCS_GRAYSCALE: return "grayscale";
    case JCS_YCbCr: return "YCbCr";
    case JCS_RGB: return "RGB";
    case JCS_CMYK: return "CMYK";
    case JCS_YCCK: return "YCCK";
    default: return "unknown";
    }
}

/* The header facts, checked against what samc decodes. */
static void take_header(reader *r, j_decompress_ptr d, jpg_header *h) {
    memset(h, 0, sizeof *h);
    h->width = (int)d->image_width;
    h->height = (int)d->image_height;
    h->components = d->num_components;
    h->color_space = space_name(d->jpeg_color_space);
    h->precision = d->data_precision;
    h->progressive = d->progressive_mode;
    h->arithmetic = d->arith_code;
    switch (d->jpeg_color_space) {
    case JCS_GRAYSCALE: h->channels = 1; break;
    case JCS_YCbCr:
    case JCS_RGB: h->channels = 3; break;
    default:
        REFUSE(r, "%s JPEG (%d components) is not supported (grey, YCbCr or RGB only)", h->color_space, h->components);
    }
    if (h->precision != 8) REFUSE(r, "%d-bit JPEG is not supported (8-bit only)", h->precision);
    int64_t dims[3] = {h->height, h->width, h->channels};
    size_t bytes;
    if (util_size_prod(dims, 3, &bytes) || bytes > JPG_MAX_DECODED_BYTES)
        REFUSE(r, "%d x %d pixels x %d channels: more than %zu GiB decoded", h->width, h->height, h->channels,
               JPG_MAX_DECODED_BYTES >> 30);
}

/* Reads the header from fp or buf and, when img is given, decodes the image. */
static int run(FILE *fp, const unsigned char *buf, size_t len, jpg_header *h, jpg_image *img) {
    struct jpeg_decompress_struct d;
    reader r;
    uint8_t *volatile pixels = NULL;
    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&r.pub);
    r.pub.error_exit = fail;
    r.pub.emit_message = on_message;
    r.progress.progress_monitor = on_progress;
    if (setjmp(r.jump)) {
        jpeg_destroy_decompress(&d);
        free(pixels);
        return util_err("JPEG: %s", r.msg);
    }
    jpeg_create_decompress(&d);
    d.progress = &r.progress;
    if (fp) jpeg_stdio_src(&d, fp);
    else jpeg_mem_src(&d, buf, (unsigned long)len);
    jpeg_read_header(&d, TRUE);
    take_header(&r, &d, h);
    if (img) {
        d.out_color_space = h->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
        jpeg_start_decompress(&d);
        if ((int)d.output_width != h->width || (int)d.output_height != h->height || d.output_components != h->channels)
            REFUSE(&r, "decoder output %u x %u x %d differs from the header", d.output_width, d.output_height,
                   d.output_components);
        size_t stride = (size_t)h->width * (size_t)h->channels; /* bounded by take_header */
        if (!(pixels = malloc(stride * (size_t)h->height))) REFUSE(&r, "out of memory for %d x %d pixels", h->width, h->height);
        while (d.output_scanline < d.output_height) {
            JSAMPROW row = pixels + (size_t)d.output_scanline * stride;
            jpeg_read_scanlines(&d, &row, 1);
        }
        jpeg_finish_decompress(&d);
        img->width = h->width;
        img->height = h->height;
        img->channels = h->channels;
        img->pixels = pixels;
    }
    jpeg_destroy_decompress(&d);
    return 0;
}

int io_jpg_is_jpeg(const unsigned char *buf,
                   size_t len) { return len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff; }

int io_jpg_parse_header(const unsigned char *buf, size_t len, jpg_header *h) { return run(NULL, buf, len, h, NULL); }

int io_jpg_decode(const unsigned char *buf, size_t len, jpg_image *img) {
    jpg_header h;
    memset(img, 0, sizeof *img);
    return run(NULL, buf, len, &h, img);
}

/* The file is read by libjpeg's stdio source, only as far as needed. */
static int run_file(const char *path, jpg_header *h, jpg_image *img) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return util_err("%s: %s", path, strerror(errno));
    int rc = run(fp, NULL, 0, h, img);
    fclose(fp);
    return rc ? util_err_context("%s", path) : 0;
}

int io_jpg_read_header(const char *path, jpg_header *h) { return run_file(path, h, NULL); }

int io_jpg_read(const char *path, jpg_image *img) {
    jpg_header h;
    memset(img, 0, sizeof *img);
    return run_file(path, &h, img);
}

void io_jpg_free(jpg_image *img) {
    free(img->pixels);
    img->pixels = NULL;
}
