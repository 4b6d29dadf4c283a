/* Shared between the io/dicom_*.c files; not part of the public DICOM API. */
#ifndef SAMC_IO_DICOM_INTERNAL_H
#define SAMC_IO_DICOM_INTERNAL_H

#include "io/dicom.h"

/* One file's attributes as the parser found them (io/dicom_parse.c), and where its pixel data
 * is. The pointers point into the caller's buffer, or into `owned` for a deflated file. */
typedef struct {
    dicom_info info;
    int big; /* the data set's byte order (pixel data included) */
    int has_rows, has_cols, has_bits_allocated, has_bits_stored, has_samples, has_planar;
    int high_bit, has_high_bit;
    double iop[6], ipp[3];
    double slice_thickness, spacing_between; /* 0: absent */
    /* an enhanced multi-frame file: Plane Position (Patient) per frame, in frame order */
    double (*frame_ipp)[3];
    size_t n_frame_ipp, cap_frame_ipp;
    /* RT Dose: Grid Frame Offset Vector (mm along the normal) */
    double *gfov;
    size_t n_gfov;
    const unsigned char *pixels;
    size_t pixels_len;
    int has_pixels;
    unsigned char *owned;
} dicom_file;

/* Parses the file in buf (which must outlive f): syntax, attributes, pixel data location. On
 * failure f needs no io_dicom_file_free. 0 or -1. */
int io_dicom_parse_file(const unsigned char *buf, size_t len, dicom_file *f);
void io_dicom_file_free(dicom_file *f);

/* Checks the pixel attributes against what samc decodes and the pixel data's length, and
 * gives the volume datatype of the samples as stored (NIFTI_UINT8 ... NIFTI_RGB24). 0 or -1. */
int io_dicom_pixel_check(const dicom_file *f, int *datatype);
/* Decodes frame `frame` into out: rows * cols samples in pixel data order, of `datatype`:
 * the stored type from io_dicom_pixel_check (raw values, Bits Stored applied), NIFTI_FLOAT32
 * (raw * slope + inter), or NIFTI_RGB24. Call io_dicom_pixel_check first. */
void io_dicom_decode_frame(const dicom_file *f, int64_t frame, int datatype, double slope, double inter, void *out);

#endif
