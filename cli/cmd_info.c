/* samc info FILE: the header facts of an image file, one "key: value" per line.
 * The format is recognised by its first bytes (cli/file_kind.h); each has its own info_FORMAT. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "weights/ckpt.h"
#include "weights/convert.h"
#include "weights/samw.h"

static const char k_usage[] =
    "usage: samc info FILE|FOLDER [--threads N]\n\n"
    "Prints the header facts of FILE (PNG: the chunks before the image data, CRCs checked;\n"
    "JPEG: its frame header; NIfTI: the header and orientation; DICOM: transfer syntax,\n"
    "pixel format, rescale, window, spacing and orientation) and what 'samc dump' would write\n"
    "for it. A FOLDER is a DICOM series. For a model (.samw): its family (sam, ritm,\n"
    "focalclick, simpleclick), its configuration (a baseline's as 'config: key=value' lines),\n"
    "tensor count, size and digest, then all tensor data is checked as by 'samc verify'. For a\n"
    "PyTorch checkpoint (.pth, zip or legacy): the family 'samc convert' would make of it, a\n"
    "baseline's config, the classes its pickle names that samc does not know, and the tensor\n"
    "counts.\n";

/* The chunks before the image data (io/png.h io_png_read_file_header), then whether it can be
 * decoded at all: a header too large to decode is reported, but the file is not usable. */
static int info_png(const char *path) {
    png_header h;
    size_t bytes;
    if (io_png_read_file_header(path, &h)) return cli_lib_error("info");
    printf("file: %s\n", path);
    printf("format: png\n");
    printf("width: %d\n", h.width);
    printf("height: %d\n", h.height);
    printf("bit_depth: %d\n", h.bit_depth);
    printf("color_type: %d (%s)\n", h.color_type, io_png_color_type_name(h.color_type));
    printf("interlace: %s\n", h.interlace ? "adam7" : "none");
    if (h.color_type == 3) printf("palette_entries: %d\n", h.palette_size);
    printf("transparency: %s\n", h.has_trns ? "tRNS" : "none");
    if (io_png_decoded_bytes(&h, &bytes)) {
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
    if (io_jpg_read_header(path, &h)) return cli_lib_error("info");
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

/* A PyTorch checkpoint: what 'samc convert' would read from it. */
static int info_checkpoint(const char *path, int zip) {
    ckpt c;
    if (weights_ckpt_open(&c, path)) return cli_lib_error("info");
    const char *family = weights_checkpoint_family(&c);
    if (!family) {
        weights_ckpt_close(&c);
        return cli_lib_error("info");
    }
    printf("file: %s\n", path);
    printf("format: %s\n", zip ? "pth (torch zip)" : "pth (torch legacy)");
    printf("family: %s\n", family);
    for (const char *line = c.config; line && *line;) {
        size_t n = strcspn(line, "\n");
        if (!strncmp(line, "class=", 6)) printf("class: %.*s\n", (int)n - 6, line + 6);
        else printf("config: %.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
    if (c.unknown) printf("unknown_classes: %s (kept inert, nothing imported or run)\n", c.unknown);
    int n64 = 0;
    uint64_t values = 0;
    for (int i = 0; i < c.n_tensors; i++) {
        uint64_t v = 1;
        for (int d = 0; d < c.tensors[i].ndim; d++) v *= (uint64_t)c.tensors[i].shape[d];
        values += v;
        n64 += c.storages[c.tensors[i].storage].dtype == CK_I64;
    }
    printf("tensors: %d", c.n_tensors);
    if (n64) printf(" (%d of them int64)", n64);
    printf("\n");
    printf("values: %" PRIu64 "\n", values);
    weights_ckpt_close(&c);
    return 0;
}

/* A DICOM file or series folder: it is read whole (the value range needs the pixels). */
static int info_dicom(const char *path) {
    nifti_image img;
    dicom_info di;
    if (io_dicom_read(path, &img, &di)) return cli_lib_error("info");
    printf("file: %s\n", path);
    io_dicom_print_info(stdout, &img, &di);
    io_nifti_free(&img);
    return 0;
}

static int info_nifti(const char *path) {
    nifti_image img;
    if (io_nifti_read(path, &img)) return cli_lib_error("info");
    printf("file: %s\n", path);
    io_nifti_print_info(stdout, &img);
    io_nifti_free(&img);
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
    int model = 0, zip = 0, legacy = 0;
    if (util_read_file_head(in, 4, &head, &len) == 0) {
        model = samw_is_samw(head, len);
        zip = len == 4 && !memcmp(head, "PK\x03\x04", 4);
        legacy = len == 4 && !memcmp(head, "\x80\x02\x8a\x0a", 4); /* pickle: PROTO 2, LONG1 of the torch magic */
        free(head);
    }
    if (model) return cli_samw_check(cmd, in, 1);
    if (zip || legacy) return info_checkpoint(in, zip);
    file_kind kind;
    if (sniff_file(cmd, in, &kind)) return 1;
    switch (kind) {
    case FILE_PNG: return info_png(in);
    case FILE_JPEG: return info_jpeg(in);
    case FILE_DICOM: return info_dicom(in);
    default: return info_nifti(in);
    }
}
