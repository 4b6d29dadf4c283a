/* The one image that predict, encode, everything, preprocess and trace read: a PNG or JPEG, or
 * one slice of a volume (NIfTI, or DICOM: a file or a series folder, io/dicom.h), as 8-bit RGB
 * for SAM. Their options (rows for a cli_parse table):
 *   --max-pixels N        refuse an image (a slice) of more than N pixels, before decoding it
 *   --slice K             the slice of a volume (required for one; 0 .. slices - 1)
 *   --plane P             axial (default), coronal or sagittal, as in io/nifti.h
 *   --intensity SPEC      paper (default), minmax, window:L,W or a CT preset (io/intensity.h)
 * A slice is shown in io/nifti.h's display orientation (an axial slice: rows anterior to
 * posterior, columns patient right to left) and prompt coordinates are in its pixels; the
 * commands say so on stderr. A DICOM volume's intensities are mapped like a NIfTI volume's:
 * --intensity paper stays the default even when the file names a window (Window Center /
 * Width; give it as --intensity window:L,W to use it); a MONOCHROME1 image's grey is inverted
 * after the mapping, so that it looks as its modality shows it. A colour volume (DICOM RGB or
 * YBR, NIfTI RGB24) gives its slice's own colours and takes no --intensity. Without --max-pixels any image the decoder can hold is taken (up
 * to 2 GiB of samples, io/png.h): a small PNG may declare 20000 x 20000 pixels.
 *
 * predict and everything also segment several slices of a volume (CLI_SLICE_RANGE_OPTIONS):
 *   --slices A:B          slices A to B inclusive, in the chosen plane
 *   --all-slices          every slice of the plane
 * either one, not with --slice; a range outside the volume is refused naming the valid one.
 * cli_image_read then reads the volume once and shows slice `first`; cli_image_set_slice
 * shows the next. */
#ifndef SAMC_CLI_IMAGE_INPUT_H
#define SAMC_CLI_IMAGE_INPUT_H

#include <limits.h>
#include <stdint.h>

#include "cli/cli.h"
#include "io/intensity.h"
#include "io/nifti.h"
#include "samc.h"

typedef struct {
    int max_pixels;        /* 0: no bound */
    int slice;             /* -1: not given */
    const char *plane;     /* NULL: axial */
    const char *intensity; /* NULL: paper */
    const char *slices;    /* --slices A:B; NULL: not given */
    int all_slices;        /* --all-slices */
    int takes_range;       /* the command has CLI_SLICE_RANGE_OPTIONS (for its messages) */
    /* called once the size is known, before the image is decoded (may be NULL) */
    void (*on_size)(int h, int w, void *ctx);
    void *ctx;
} cli_image_options;

#define CLI_IMAGE_DEFAULTS {.slice = -1}
#define CLI_IMAGE_OPTIONS(o)                                                                  \
    CLI_INT_OPT("--max-pixels", &(o)->max_pixels, 1, INT_MAX),                                \
        CLI_INT_OPT("--slice", &(o)->slice, 0, INT_MAX), CLI_STRING_OPT("--plane", &(o)->plane), \
        CLI_STRING_OPT("--intensity", &(o)->intensity)
#define CLI_SLICE_RANGE_OPTIONS(o) CLI_STRING_OPT("--slices", &(o)->slices), CLI_FLAG_OPT("--all-slices", &(o)->all_slices)

typedef struct {
    uint8_t *rgb; /* h x w x 3 */
    int h, w;
    int is_volume;   /* 1: rgb is slice `slice` of vol along `plane` */
    nifti_image vol; /* the whole volume (its geometry for label volumes) */
    nifti_plane plane;
    int64_t slice, n_slices;
    int64_t first, last;    /* the slices to segment: a range, or `slice` alone */
    intensity_map grey;     /* how a grey volume's values become a slice's grey */
    int invert;             /* 1: MONOCHROME1, grey inverted after the mapping */
} cli_image;

/* The range options' form: --slices FIRST:LAST (FIRST <= LAST), and one of --slice, --slices,
 * --all-slices at most. 0, or 2 after a usage error (cli_image_read checks them too). */
int cli_image_check_options(const char *cmd, const cli_image_options *o);

/* Reads the image at path (a PNG, JPEG, NIfTI or DICOM file told by its first bytes, or a
 * folder: a DICOM series). 0, or 1 after printing the error. */
int cli_image_read(const char *cmd, const char *path, const cli_image_options *o, cli_image *img);
void cli_image_free(cli_image *img);
/* For a volume: shows slice k (first .. last) in img->rgb (h x w x 3, the same size for
 * every slice of the plane). 0, or 1 after printing the error. */
int cli_image_set_slice(const char *cmd, cli_image *img, int64_t k);

/* Loads the model and a predictor. 0, or 1 after printing the error. */
int cli_open_model(const char *cmd, const char *model_path, sam_model **m, sam_predictor **p);

/* For a volume: writes DIR/NAME, a uint8 label volume with the source's geometry, 0 but for
 * the image's slice, which holds mask (h x w, display orientation, values kept). 0 or -1. */
int cli_image_write_label_volume(const cli_image *img, const uint8_t *mask, const char *path);

#endif
