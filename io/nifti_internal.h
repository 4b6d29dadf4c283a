/* Shared between the io/nifti_*.c files; not part of the public NIfTI API. */
#ifndef SAMC_IO_NIFTI_INTERNAL_H
#define SAMC_IO_NIFTI_INTERNAL_H

#include "io/nifti.h"

/* Sets img->affine, affine_source and axcodes from the header fields (io/nifti_orient.c). */
void io_nifti_orient(nifti_image *img);
/* Gives img the voxel-to-RAS affine A (finite) as its sform and, as nifti1_io's
 * nifti_mat44_to_quatern, the qform of the rotation nearest to A's directions (pixdim 1..3 and
 * qfac included), both with code `code`; then io_nifti_orient. For volumes made in memory. */
void io_nifti_set_affine(nifti_image *img, const double A[3][4], int code);

#endif
