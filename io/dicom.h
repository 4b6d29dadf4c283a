/* DICOM images and series as NIfTI volumes in memory, so that slicing (io_nifti_slice), intensity
 * mapping and label volumes (io_nifti_write_labels) work on them unchanged.
 *
 *   nifti_image img;
 *   dicom_info info;
 *   io_dicom_read("series/", &img, &info);                  // a file, or a folder holding one series
 *   int64_t n; int h, w;
 *   io_nifti_slice_shape(&img, NIFTI_AXIAL, &n, &h, &w);     // then as io/nifti.h
 *   io_nifti_free(&img);
 *
 * Files: DICOM Part 10 (128-byte preamble, "DICM", file meta group) or a bare data set without
 * meta (its transfer syntax told from its first element), in implicit VR little endian
 * (1.2.840.10008.1.2), explicit VR little endian (.1.2.1), deflated explicit VR little endian
 * (.1.2.1.99) or explicit VR big endian (.1.2.2). Every compressed syntax (JPEG, JPEG-LS,
 * JPEG 2000, RLE, MPEG, HTJ2K) is refused, "not supported: NAME (UID)". Sequences of either
 * length form are walked item by item (nested up to DICOM_MAX_DEPTH), so an icon image or
 * any other attribute inside a sequence is never taken for the image's own.
 *
 * Pixels: Samples per Pixel 1 (MONOCHROME1, MONOCHROME2) with Bits Allocated 1, 8, 16 or 32,
 * unsigned or signed (Pixel Representation 1); only the Bits Stored low bits count (High Bit
 * must be Bits Stored - 1): the bits above are cleared, or filled with the sign bit for signed
 * data, as the standard says (pydicom 2.x keeps them; its uncompressed test files all have
 * Bits Stored = Bits Allocated, so both agree there). Samples per Pixel 3 with 8 bits: RGB, YBR_FULL and YBR_FULL_422, planar
 * configuration 0 or 1; YBR is converted to RGB with pydicom's convert_color_space formula.
 * Number of Frames > 1 makes a multi-frame volume. PALETTE COLOR, 16-bit colour and Float
 * Pixel Data are refused. Pixel data longer than needed (padding) is fine, shorter refused.
 *
 * The volume (grey): dims (Columns, Rows, slices) with the column index fastest, exactly the
 * order of DICOM's pixel data, so array axis 0 runs along Image Orientation (Patient)'s row
 * direction (its first three values), axis 1 along its column direction, axis 2 across the
 * slices. The samples keep their stored type (uint8/int8, uint16/int16, uint32/int32; 1-bit
 * data as uint8 0/1) and Rescale Slope/Intercept become scl_slope/scl_inter, so
 * io_nifti_value() and io_nifti_to_f32() give raw * slope + intercept computed in double, as
 * pydicom's pixel_array * RescaleSlope + RescaleIntercept. A series whose slices have different
 * rescale values is converted to float32 holding the rescaled values. Colour images are
 * NIFTI_RGB24 (io_nifti_to_f32 adds a last axis of 3). MONOCHROME1 keeps its values (dicom_info's
 * monochrome1 says that low values are to be shown bright; samc's slice input inverts the grey
 * image it makes). Window Center/Width (the first values) are reported, not applied; nor is
 * RT Dose's Dose Grid Scaling (pydicom's pixel_array does not apply it either). An enhanced
 * file's rescale may come from its functional groups, one for all frames.
 * In numpy terms, for samc dump's float32 array D and pydicom's P = ds.pixel_array (frames,
 * rows, cols[, 3]) of a file, D[i, j, k] = P[k, j, i] * RescaleSlope + RescaleIntercept; a
 * single frame has k = 0 only (P[j, i]). For a series folder, k is the slice's place in the
 * sorted order below.
 *
 * Geometry: DICOM's patient coordinates are LPS (+x to the patient's left, +y posterior); the
 * affine is built there, then its first two rows are negated to NIfTI's RAS and stored as the
 * sform (code 1, scanner) with a matching qform, and nifti_image.axcodes, affine, pixdim filled
 * as io_nifti_read does. Column i of the affine: Image Orientation's row direction times the
 * column spacing (Pixel Spacing's second value); column j: its column direction times the row
 * spacing (the first value); column k: (position of the last slice - position of the first) /
 * (slices - 1); the origin: Image Position (Patient) of the first slice. Slice positions come
 * from the files of a series, from the Per-frame Functional Groups' Plane Position of an
 * enhanced multi-frame file, from RT Dose's Grid Frame Offset Vector, or else are Spacing
 * Between Slices (or Slice Thickness, or 1 mm) apart along the normal; the frames of a
 * multi-frame file stay in their stored order. Consecutive slices must be evenly spaced along
 * the normal (row direction x column direction) within DICOM_SPACING_TOLERANCE of the mean.
 * Without Image Orientation the standard axial one (1\0\0\0\1\0) is assumed, without Image
 * Position the origin, without Pixel Spacing 1 mm (dicom_info says which were missing). So an
 * axial slice of an axial series shows the image as stored: row 0 at the top, column 0 left.
 *
 * A series folder: every regular file in it whose first bytes look like DICOM (others are
 * skipped, and DICOM files without pixel data, such as a DICOMDIR); all must carry the same
 * Series Instance UID (a folder mixing series is refused, naming both), orientation, size and
 * pixel format, be single-frame, and have Image Position (Patient); a DICOM file that cannot
 * be read fails the whole series (naming it). They are sorted by position along the normal
 * (position . (row direction x column direction)), increasing; two at one position are refused
 * (two acquisitions, echoes or time points in one folder). */
#ifndef SAMC_IO_DICOM_H
#define SAMC_IO_DICOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/nifti.h"

/* Refuse a file or volume larger than this (the NIfTI reader's limit). */
#define DICOM_MAX_BYTES NIFTI_MAX_BYTES
/* Sequences nested deeper than this are refused. */
#define DICOM_MAX_DEPTH 16
/* Consecutive slices may be this fraction of the mean spacing (plus 1e-3 mm) off it. */
#define DICOM_SPACING_TOLERANCE 0.01
/* A folder with more files than this is refused. */
#define DICOM_MAX_FILES 100000

typedef struct {
    int has_meta;                    /* 1: Part 10 file meta group present */
    char transfer_syntax[65];        /* its UID; for a file without one, the syntax guessed */
    const char *transfer_syntax_name;
    char modality[17];
    char photometric[17];            /* as stored ("YBR_FULL" even though converted to RGB) */
    char series_uid[65];
    int rows, cols, frames, samples, planar;
    int bits_allocated, bits_stored, signed_pixels;
    int monochrome1;                 /* 1: MONOCHROME1, low values shown bright */
    int has_rescale, rescale_varies; /* rescale_varies: slices of a series differ (volume is float32) */
    double slope, intercept;         /* the first slice's (1, 0 when absent) */
    int has_window;
    double window_center, window_width;
    int has_pixel_spacing, has_orientation, has_position;
    double pixel_spacing[2];         /* between rows, between columns (mm) */
    int64_t slices;                  /* volume dim 3: frames, or files of a series */
    double slice_spacing;            /* mm between slices along the normal (1 slice: the stated one) */
    const char *spacing_source;      /* where slice positions came from (see above) */
    int n_files, n_skipped;          /* series folder: files used, files skipped */
} dicom_info;

/* 1 when buf (a file's first len bytes, 132 or more for a Part 10 file) looks like DICOM:
 * "DICM" at offset 128, or a data set starting with a group 0008 (or 0002) element in one of
 * the syntaxes above. */
int io_dicom_is_dicom(const unsigned char *buf, size_t len);

/* One DICOM file already in memory as a volume (info may be NULL). 0 or -1. */
int io_dicom_parse(const unsigned char *buf, size_t len, nifti_image *img, dicom_info *info);

/* A DICOM file, or a folder holding one series (see above). Errors name the file. 0 or -1. */
int io_dicom_read(const char *path, nifti_image *img, dicom_info *info);

/* The DICOM facts, then the volume's geometry, one "key: value" per line (samc info). */
void io_dicom_print_info(FILE *fp, const nifti_image *img, const dicom_info *info);

#endif
