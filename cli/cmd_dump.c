/* samc dump FILE -o OUT.npy: the decoded samples of an image file as a .npy array.
 * The format is recognised by its first bytes (cli/file_kind.h); each has its own dump_FORMAT. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/file_kind.h"
#include "io/dicom.h"
#include "io/jpeg.h"
#include "io/nifti.h"
#include "io/npy.h"
#include "io/png.h"

static const char k_usage[] =
    "usage: samc dump FILE|FOLDER -o OUT.npy [--threads N]\n\n"
    "Writes the decoded samples of FILE as a NumPy array.\n"
    "  PNG: uint8 or uint16, shape (H, W) for grey, (H, W, C) otherwise, after libpng's\n"
    "       'expand' rules (palette -> RGB or RGBA, grey below 8 bits scaled to 0..255,\n"
    "       tRNS -> an alpha channel, 16-bit samples kept).\n"
    "  NIfTI (.nii, .nii.gz, .hdr/.img): float32 of the scaled values (raw * scl_slope +\n"
    "       scl_inter, which nibabel's get_fdata() computes in float64), shape\n"
    "       (dim1, ..., dimN) in the file's axis order; RGB24 adds a last axis of 3.\n"
    "  JPEG: uint8, shape (H, W) for grey, (H, W, 3) for colour (RGB), as djpeg decodes it.\n"
    "  DICOM (a file, or a FOLDER holding one series): float32 of the rescaled values\n"
    "       (raw * Rescale Slope + Rescale Intercept), shape (columns, rows, slices) as for\n"
    "       NIfTI: D[i, j, k] = pydicom's pixel_array[k, j, i] (a single frame: [j, i]); a\n"
    "       series' slices sorted along the slice normal; colour adds a last axis of 3 (RGB,\n"
    "       YBR converted). See io/dicom.h.\n";

/* PNG: (H, W) or (H, W, C) of uint8 / uint16. */
static int dump_png(const char *path, const char *out) {
    png_image img;
    if (io_png_read(path, &img)) return cli_lib_error("dump");
    int64_t shape[3] = {img.height, img.width, img.channels};
    int ndim = img.channels == 1 ? 2 : 3;
    int rc = io_npy_write(out, img.bit_depth == 16 ? NPY_U16 : NPY_U8, ndim, shape, img.pixels);
    io_png_free(&img);
    return rc ? cli_lib_error("dump") : 0;
}

/* JPEG: (H, W) or (H, W, 3) of uint8. */
static int dump_jpeg(const char *path, const char *out) {
    jpg_image img;
    if (io_jpg_read(path, &img)) return cli_lib_error("dump");
    int64_t shape[3] = {img.height, img.width, img.channels};
    int rc = io_npy_write(out, NPY_U8, img.channels == 1 ? 2 : 3, shape, img.pixels);
    io_jpg_free(&img);
    return rc ? cli_lib_error("dump") : 0;
}

/* NIfTI (read by name, as a .hdr/.img pair needs its partner file) and DICOM (a file or a
 * series folder): the volume's values in its axis order. */
static int dump_volume(const char *path, file_kind kind, const char *out) {
    nifti_image img;
    float *v;
    int ndim;
    int64_t shape[8];
    if (kind == FILE_DICOM ? io_dicom_read(path, &img, NULL) : io_nifti_read(path, &img)) return cli_lib_error("dump");
    int rc = io_nifti_to_f32(&img, &v, &ndim, shape);
    io_nifti_free(&img);
    if (rc == 0) {
        rc = io_npy_write(out, NPY_F32, ndim, shape, v);
        free(v);
    }
    return rc ? cli_lib_error("dump") : 0;
}

int cmd_dump(int argc, char **argv) {
    const char *cmd = "dump", *in = NULL, *out = NULL;
    const cli_option opts[] = {CLI_STRING_OPT("-o", &out), {0}};
    int rc = cli_parse(cmd, k_usage, opts, argc, argv, &in, 1, NULL);
    if (rc >= 0) return rc;
    if (!in) return cli_usage_error(cmd, "no input file");
    if (!out) return cli_usage_error(cmd, "no output file (-o OUT.npy)");

    file_kind kind;
    if (sniff_file(cmd, in, &kind)) return 1;
    return kind == FILE_PNG ? dump_png(in, out) : kind == FILE_JPEG ? dump_jpeg(in, out) : dump_volume(in, kind, out);
}
