/* samc info FILE: the header facts of an image file, one "key: value" per line.
 * The format is recognised by its first bytes (cli/file_kind.h); each has its own info_FORMAT. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/file_kind.h"
#include "cli/samw_check.h"
#include "io/dicom.h"
#include "io/jpeg.h"
#include "io/nifti.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"
#include "weights/samw.h"

static const char k_usage[] =
    "usage: samc info FILE|FOLDER [--threads N]\n\n"
    "Prints the header facts of FILE (PNG: the chunks before the image data, CRCs checked;\n"
    "JPEG: its frame header; NIfTI: the header and orientation; DICOM: transfer syntax,\n"
    "pixel format, rescale, window, spacing and orientation) and what 'samc dump' would write\n"
    "for it. A FOLDER is a DICOM series. For a model (.samw): its configuration, tensor count,\n"
    "size and digest, then all tensor data is checked as by 'samc verify'.\n";

/* The chunks before the image data (io/png.h png_read_file_header), then whether it can be
 * decoded at all: a header too large to decode is reported, but the file is not usable. */
static int info_png(const char *path) {
    png_header h;
    size_t bytes;
    if (png_read_file_header(path, &h)) return cli_lib_error("info");
    printf("file: %s\n", path);
    printf("format: png\n");
    printf("width: %d\n", h.width);
    printf("height: %d\n", h.height);
    printf("bit_depth: %d\n", h.bit_depth);
    printf("color_type: %d (%s)\n", h.color_type, png_color_type_name(h.color_type));
    printf("interlace: %s\n", h.interlace ? "adam7" : "none");
    if (h.color_type == 3) printf("palette_entries: %d\n", h.palette_size);
    printf("transparency: %s\n", h.has_trns ? "tRNS" : "none");
    if (png_decoded_bytes(&h, &bytes)) {
        fflush(stdout);
        return cli_error("info", "%s: %s", path, samc_errmsg());
    }
    if (h.channels == 1) printf("decoded: %s (%d, %d)\n", h.out_depth == 16 ? "uint16" : "uint8", h.height, h.width);
    else printf("decoded: %s (%d, %d, %d)\n", h.out_depth == 16 ? "uint16" : "uint8", h.height, h.width, h.channels);
    return 0;
}

/* The header up to the first scan, read by libjpeg only as far as it needs. */
static int info_jpeg(const char *path) {
    jpg_header h;
    if (jpg_read_header(path, &h)) return cli_lib_error("info");
    printf("file: %s\n", path);
    printf("format: jpeg\n");
    printf("width: %d\n", h.width);
    printf("height: %d\n", h.height);
    printf("components: %d (%s)\n", h.components, h.color_space);
    printf("precision: %d\n", h.precision);
    printf("coding: %s, %s\n", h.progressive ? "progressive" : "sequential", h.arithmetic ? "arithmetic" : "huffman");
    if (h.channels == 1) printf("decoded: uint8 (%d, %d)\n", h.height, h.width);
    else printf("decoded: uint8 (%d, %d, 3)\n", h.height, h.width);
    return 0;
}

/* A DICOM file or series folder: it is read whole (the value range needs the pixels). */
static int info_dicom(const char *path) {
    nifti_image img;
    dicom_info di;
    if (dicom_read(path, &img, &di)) return cli_lib_error("info");
    printf("file: %s\n", path);
    dicom_print_info(stdout, &img, &di);
    nifti_free(&img);
    return 0;
}

static int info_nifti(const char *path) {
    nifti_image img;
    if (nifti_read(path, &img)) return cli_lib_error("info");
    printf("file: %s\n", path);
    nifti_print_info(stdout, &img);
    nifti_free(&img);
    return 0;
}

int cmd_info(int argc, char **argv) {
    const char *cmd = "info", *in = NULL;
    int rc = cli_parse(cmd, k_usage, NULL, argc, argv, &in, 1, NULL);
    if (rc >= 0) return rc;
    if (!in) return cli_usage_error(cmd, "no input file");

    /* a model first; a path that cannot be read (or a folder) is sniff_file's business */
    unsigned char *head;
    size_t len;
    int model = 0;
    if (read_file_head(in, 4, &head, &len) == 0) {
        model = samw_is_samw(head, len);
        free(head);
    }
    if (model) return cli_samw_check(cmd, in, 1);
    file_kind kind;
    if (sniff_file(cmd, in, &kind)) return 1;
    switch (kind) {
    case FILE_PNG: return info_png(in);
    case FILE_JPEG: return info_jpeg(in);
    case FILE_DICOM: return info_dicom(in);
    default: return info_nifti(in);
    }
}
