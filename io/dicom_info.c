/* The facts of a DICOM file or series as `samc info` prints them. */
#include <stdio.h>
#include <string.h>

#include "io/dicom.h"

void io_dicom_print_info(FILE *fp, const nifti_image *img, const dicom_info *in) {
    if (in->n_files > 1 || in->n_skipped)
        fprintf(fp, "format: DICOM series folder (%d files, %d others skipped)\n", in->n_files, in->n_skipped);
    else
        fprintf(fp, "format: DICOM %s\n", in->has_meta ? "Part 10 file" : "data set without file meta");
    fprintf(fp, "transfer_syntax: %s (%s)%s\n", in->transfer_syntax_name, in->transfer_syntax,
            in->has_meta ? "" : ", told from the first element");
    fprintf(fp, "modality: %s\n", in->modality[0] ? in->modality : "(none)");
    fprintf(fp, "series_uid: %s\n", in->series_uid[0] ? in->series_uid : "(none)");
    fprintf(fp, "rows: %d\ncolumns: %d\nframes: %d\n", in->rows, in->cols, in->frames);
    fprintf(fp, "samples_per_pixel: %d", in->samples);
    if (in->samples == 3) fprintf(fp, " (planar configuration %d)", in->planar);
    fprintf(fp, "\nbits: %d allocated, %d stored, %s\n", in->bits_allocated, in->bits_stored,
            in->signed_pixels ? "signed" : "unsigned");
    fprintf(fp, "photometric: %s%s\n", in->photometric,
            in->monochrome1             ? " (low values bright: inverted for display)"
            : in->samples == 3 && strcmp(in->photometric, "RGB") ? " (converted to RGB)"
                                                                  : "");
    if (in->rescale_varies)
        fprintf(fp, "rescale: differs between slices (first: slope %.9g, intercept %.9g): float32 volume\n", in->slope,
                in->intercept);
    else if (in->has_rescale)
        fprintf(fp, "rescale: slope %.9g, intercept %.9g\n", in->slope, in->intercept);
    else
        fprintf(fp, "rescale: none\n");
    if (in->has_window) fprintf(fp, "window: center %.9g, width %.9g\n", in->window_center, in->window_width);
    else fprintf(fp, "window: none\n");
    if (in->has_pixel_spacing)
        fprintf(fp, "pixel_spacing: %.9g mm between rows, %.9g mm between columns\n", in->pixel_spacing[0],
                in->pixel_spacing[1]);
    else
        fprintf(fp, "pixel_spacing: none (1 mm assumed)\n");
    fprintf(fp, "image_orientation: %s\n", in->has_orientation ? "given" : "none (axial 1\\0\\0\\0\\1\\0 assumed)");
    fprintf(fp, "image_position: %s\n", in->has_position ? "given" : "none (origin assumed)");
    if (in->slices > 1)
        fprintf(fp, "slices: %lld, %.9g mm apart (from %s)\n", (long long)in->slices, in->slice_spacing,
                in->spacing_source);
    else
        fprintf(fp, "slices: 1 (%.9g mm thick in the affine, from %s)\n", in->slice_spacing, in->spacing_source);
    fprintf(fp, "dims: %lld x %lld x %lld (columns, rows, slices)\n", (long long)img->dim[1], (long long)img->dim[2],
            (long long)img->dim[3]);
    fprintf(fp, "datatype: %s%s\n", io_nifti_datatype_name(img->datatype),
            img->scaled ? " (values: raw * slope + intercept)" : "");
    io_nifti_print_geometry(fp, img, 9);
    if (img->datatype == NIFTI_RGB24)
        fprintf(fp, "decoded: float32 (%lld, %lld, %lld, 3)\n", (long long)img->dim[1], (long long)img->dim[2],
                (long long)img->dim[3]);
    else
        fprintf(fp, "decoded: float32 (%lld, %lld, %lld)\n", (long long)img->dim[1], (long long)img->dim[2],
                (long long)img->dim[3]);
}
