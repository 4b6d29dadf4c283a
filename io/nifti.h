/* NIfTI-1 and NIfTI-2 volumes: reading, anatomical slicing, and writing label volumes.
 *
 *   nifti_image img;
 *   io_nifti_read("ct.nii.gz", &img);                        // .nii .nii.gz .hdr/.img (.gz)
 *   int64_t n; int h, w;
 *   io_nifti_slice_shape(&img, NIFTI_AXIAL, &n, &h, &w);      // n slices of h x w
 *   float *s = malloc(sizeof(float) * h * w);
 *   io_nifti_slice(&img, NIFTI_AXIAL, n / 2, s, &h, &w);      // scaled values, display orientation
 *   io_nifti_free(&img);
 *
 * Files in either byte order are converted to host order. The samples stay in the file's
 * datatype and layout (array axis 0 fastest); io_nifti_value() applies scl_slope/scl_inter.
 *
 * Display orientation (radiological convention, as ITK-SNAP and most PACS show CT):
 *   axial    (normal S/I): rows run anterior -> posterior, columns patient right -> left
 *   coronal  (normal A/P): rows run superior -> inferior,  columns patient right -> left
 *   sagittal (normal L/R): rows run superior -> inferior,  columns anterior -> posterior
 * so an axial slice shows the patient seen from the feet: anterior at the top, the patient's
 * right on the image's left. Slice `index` is the array index along the axis normal to the
 * plane, as stored (slice k of an image and slice k of its label volume always match). */
#ifndef SAMC_IO_NIFTI_H
#define SAMC_IO_NIFTI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* NIfTI datatype codes samc reads (nifti1.h numbering). */
enum {
    NIFTI_UINT8 = 2,
    NIFTI_INT16 = 4,
    NIFTI_INT32 = 8,
    NIFTI_FLOAT32 = 16,
    NIFTI_FLOAT64 = 64,
    NIFTI_RGB24 = 128,
    NIFTI_INT8 = 256,
    NIFTI_UINT16 = 512,
    NIFTI_UINT32 = 768,
    NIFTI_INT64 = 1024,
    NIFTI_UINT64 = 1280,
};

/* Refuse volumes whose header + voxel data would exceed this many bytes. */
#define NIFTI_MAX_BYTES ((size_t)8 << 30)

typedef struct {
    int version;         /* 1 or 2 */
    int swapped;         /* 1: the file was big-endian on this little-endian host (or vice versa) */
    int pair;            /* 1: .hdr/.img pair (magic ni1/ni2), 0: single file (n+1/n+2) */
    int gzipped;         /* 1: the voxel data came out of a gzip stream */
    int ndim;            /* dim[0], 1..7 */
    int64_t dim[8];      /* dim[0] = ndim, dim[1..ndim] (each >= 1); dim[i] = 1 for i > ndim */
    double pixdim[8];    /* as stored; pixdim[0] is qfac */
    int datatype;        /* one of the NIFTI_* codes above */
    int bitpix;          /* as stored (not trusted: the datatype decides the sample size) */
    double scl_slope, scl_inter; /* as stored */
    int scaled;          /* 1 when scl_slope is finite and non-zero: value = raw * slope + inter */
    int64_t vox_offset;  /* byte offset of the data in the .nii (or .img) */
    int qform_code, sform_code;
    double quatern[3];   /* quatern_b, c, d */
    double qoffset[3];
    double srow[3][4];
    int xyzt_units, intent_code, dim_info;
    char descrip[81];
    /* Voxel index (i, j, k) -> world mm (NIfTI RAS+): the sform if sform_code != 0, else the
     * qform if qform_code != 0, else from pixdim with x flipped (nibabel's get_best_affine). */
    double affine[3][4];
    const char *affine_source; /* "sform", "qform" or "pixdim" */
    /* For array axes 0, 1, 2: the world direction increasing index runs toward, one of
     * R L A P S I (nibabel's aff2axcodes), or '?' when the affine is not finite. */
    char axcodes[4];
    size_t nvox;         /* product of dim[1..ndim] */
    size_t voxel_bytes;  /* bytes per sample (3 for RGB24) */
    void *data;          /* nvox samples, host order, array axis 0 fastest */
} nifti_image;

typedef enum { NIFTI_AXIAL, NIFTI_CORONAL, NIFTI_SAGITTAL } nifti_plane;

/* Reads PATH: NIfTI-1 or -2, .nii or .nii.gz (detected by content), or a .hdr/.img pair given
 * by either name (each part optionally gzipped: X.hdr[.gz] + X.img[.gz]). 0 or -1. */
int io_nifti_read(const char *path, nifti_image *img);
/* 1 when a file named path that starts with the len bytes at buf is one for io_nifti_read: a
 * .hdr/.img(.gz) name, gzip data, or a NIfTI-1/2 sizeof_hdr in either byte order. */
int io_nifti_is_nifti(const char *path, const unsigned char *buf, size_t len);
/* Parses a single-file NIfTI (.nii, gzipped or not) already in memory. */
int io_nifti_parse(const unsigned char *buf, size_t len, nifti_image *img);
/* Parses a .hdr/.img pair already in memory (each gzipped or not). */
int io_nifti_parse_pair(const unsigned char *hdr, size_t hdr_len, const unsigned char *data, size_t data_len,
                     nifti_image *img);
void io_nifti_free(nifti_image *img);

/* "uint8", "int16", ... ("unknown" for other codes). */
const char *io_nifti_datatype_name(int datatype);

/* Voxel i (file order) as raw * scl_slope + scl_inter in double (raw when not scaled).
 * Not for RGB24 (returns 0). */
double io_nifti_value(const nifti_image *img, size_t i);

/* What `samc dump` writes: every voxel's scaled value as float32 (nibabel's get_fdata()
 * computes the same value in float64) in C order with shape (dim[1], ..., dim[ndim]), so
 * out[i1][i2]... is voxel (i1, i2, ...) as in nibabel. RGB24 gives the raw channels with an
 * extra last axis of 3. *out is malloc'd; *ndim and shape[0..*ndim) describe it. */
int io_nifti_to_f32(const nifti_image *img, float **out, int *ndim, int64_t shape[8]);

/* "axial" / "coronal" / "sagittal" -> plane; 0 or -1. */
int io_nifti_plane_parse(const char *name, nifti_plane *plane);
const char *io_nifti_plane_name(nifti_plane plane);

/* The number of slices along plane and each slice's display size h x w. 0 or -1. */
int io_nifti_slice_shape(const nifti_image *img, nifti_plane plane, int64_t *n_slices, int *h, int *w);
/* Slice `index` (0 .. n_slices-1) of the first 3D volume as h x w floats in the display
 * orientation above, values scaled like io_nifti_value (integer labels come out exact up to
 * 2^24). out must hold h * w floats (see io_nifti_slice_shape). 0 or -1. */
int io_nifti_slice(const nifti_image *img, nifti_plane plane, int64_t index, float *out, int *h, int *w);
/* The same for an RGB24 volume: h x w x 3 bytes (RGB) into out. 0 or -1. */
int io_nifti_slice_rgb24(const nifti_image *img, nifti_plane plane, int64_t index, uint8_t *out, int *h, int *w);
/* The inverse for label volumes: writes an h x w display-oriented slice into vol, a uint8
 * volume laid out like img's first 3D volume (dim[1]*dim[2]*dim[3] bytes, axis 0 fastest). */
int io_nifti_slice_put_u8(const nifti_image *img, nifti_plane plane, int64_t index, const uint8_t *slice, uint8_t *vol);
/* The same for a uint16 label volume (dim[1]*dim[2]*dim[3] uint16_t). */
int io_nifti_slice_put_u16(const nifti_image *img, nifti_plane plane, int64_t index, const uint16_t *slice,
                        uint16_t *vol);

/* Writes a label volume with geom's spatial geometry (dim[1..3], pixdim, qform, sform, their
 * codes, xyzt_units) as a little-endian NIfTI-1 single file, gzipped when path ends in
 * ".gz" (.nii or .nii.gz only), atomically. labels holds dim[1]*dim[2]*dim[3] samples, axis 0
 * fastest, of datatype NIFTI_UINT8 (uint8_t), NIFTI_INT16 (int16_t) or NIFTI_UINT16 (uint16_t).
 * 0 or -1. */
int io_nifti_write_labels(const char *path, const nifti_image *geom, int datatype, const void *labels);

/* Prints the header facts, one "key: value" per line (what `samc info` shows). */
void io_nifti_print_info(FILE *fp, const nifti_image *img);
/* Its part after the header fields: the affine, orientation, slices per plane and value range,
 * the affine with g significant digits (shared with io/dicom's info). */
void io_nifti_print_geometry(FILE *fp, const nifti_image *img, int g);

#endif
