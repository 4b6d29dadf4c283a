/* samc eval --save-masks on a volume data set: each measurement's masks of a volume's slices
 * also as one NIfTI label volume in the scan's geometry, to overlay in ITK-SNAP or 3D Slicer:
 *
 *   OUT/masks/<volume>/<experiment>_<setting>_<selection><suffix>.nii.gz
 *
 * beside the slices' folders OUT/masks/<volume>_<plane><k>/ (eval/runner.h), <volume> the
 * volume's results file name and each file named as the slices' PNG masks it gathers (a
 * baseline's <method>_iterative_<k><suffix>.nii.gz). uint8, the image volume's dims and
 * qform/sform: 1 where the mask of that measurement is in each evaluated slice (a slice
 * holding a target: it has rows), 0 elsewhere (other slices; for a class, the slices without
 * it). The image and ground truth PNGs (image.png, gt*.png) are not gathered: the data set
 * has both as volumes.
 *
 * Built when the volume is finished, from its slices' PNGs on disk (each written before its
 * slice's results file): so a killed and resumed run builds them from every slice, whichever
 * run computed it. A volume's files are one set (util/output_dir.h): all in place or none,
 * replacing an older set. Not built when a slice was computed without --save-masks (its PNGs
 * are missing: an evaluated slice would look empty); a warning names the volume. A finished
 * volume whose set is in place is not built again unless one of its slices was computed in
 * this run. */
#ifndef SAMC_EVAL_VOLUME_MASKS_H
#define SAMC_EVAL_VOLUME_MASKS_H

#include <stddef.h>
#include <stdint.h>

#include "eval/source.h"
#include "io/nifti.h"

typedef struct {
    nifti_image geom;  /* the image volume's header (data NULL); valid when n > 0 */
    nifti_plane plane;
    int64_t *slice;    /* the evaluated slices, in order, ... */
    char **dir;        /* ... and their folders OUT/masks/<item> */
    size_t n, cap;
} volume_masks;

/* Forgets the slices of the last volume (keeps the memory). */
void eval_volume_masks_reset(volume_masks *vm);
/* Records an evaluated slice (an item with a target) of a volume. 0 or -1. */
int eval_volume_masks_add(volume_masks *vm, const char *out, const eval_item *it);
/* At the volume's end: writes its set unless (see above) it is in place and computed is 0, or
 * a slice's PNGs are missing. 0 or -1 with a message. */
int eval_volume_masks_write(volume_masks *vm, const char *out, const char *volume_id, int computed);
void eval_volume_masks_free(volume_masks *vm);

#endif
