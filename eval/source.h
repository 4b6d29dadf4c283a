/* The 2D images of a data set: which files it has (sources) and the items (image + label map
 * pairs) each yields: one per PNG pair, one per kept slice of a volume pair. It finds, reads
 * and cuts the files; what their labels mean (remaps, classes, which slices to keep), the
 * plane and how a slice maps to 8-bit are the data set's rules (eval/dataset.h). */
#ifndef SAMC_EVAL_SOURCE_H
#define SAMC_EVAL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "eval/dataset.h"
#include "io/nifti.h"

typedef struct {
    char *id;    /* stable name: the image file's path under its folder, without extension */
    char *image; /* image file (PNG) or volume */
    char *label; /* mask file or label volume */
} eval_source;

typedef struct {
    eval_source *v;
    size_t n;
} source_list;

/* Every source of the data set, sorted by id. Fails (naming the file) if an image has no
 * mask / label volume. 0 or -1. */
int eval_dataset_sources(const dataset_config *c, source_list *out);
void eval_source_list_free(source_list *l);

typedef struct eval_item {
    char *id;        /* item id: the source id, plus "_<plane><slice>" for a volume slice */
    int h, w;
    uint8_t *rgb;    /* h x w x 3, as SAM gets it */
    uint16_t *label; /* h x w, label values after the data set's remaps */
    /* a slice of a volume: the volume's source id, the plane and the slice index (as samc
     * predict --slice K --plane P takes them); volume NULL and slice -1 for a 2D image (plane
     * then unused) */
    const char *volume;
    nifti_plane plane;
    int64_t slice;
    const nifti_image *geometry; /* a volume's slice: the image volume (its header gives the
                                    scan's geometry); valid during the call. NULL for 2D */
} eval_item;

/* The plane's name of a volume's slice as the results files write it; NULL for a 2D image. */
const char *eval_item_plane_name(const eval_item *it);

/* Calls fn(ctx, item) for each item of a source, in order (the item is freed after the
 * call). Stops at the first non-zero return and passes it on; -1 on a load error. */
typedef int (*eval_item_fn)(void *ctx, const eval_item *item);
int eval_source_items(const dataset_config *c, const eval_source *s, eval_item_fn fn, void *ctx);

/* 0 if a label volume lies on its image volume's voxel grid: the same dim[1..3] and the same
 * voxel-to-world affine (nifti_image.affine: sform, else qform, else pixdim), each entry within
 * 1e-3 of the voxel size along its column (the translation column: of the largest voxel
 * size). Else -1 with a message naming both files and the first entry that differs: samc cuts
 * both volumes into slices by their own orientation and does not resample, so a label volume
 * on another grid (x flipped, shifted) would silently score the wrong pixels. A non-finite
 * affine is left to io_nifti_slice_shape, which refuses it. */
int eval_volume_grids_match(const nifti_image *img, const char *img_path, const nifti_image *lab, const char *lab_path);

/* The paper's image rule: uint8(img / img.max() * 255), one maximum over all channels, in
 * double, truncated; an all-zero image stays zero. In place on n bytes. */
void eval_normalize_paper_u8(uint8_t *px, size_t n);

#endif
