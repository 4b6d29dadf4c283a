/* Shared between the io/nifti_*.c files; not part of the public NIfTI API. */
#ifndef SAMC_IO_NIFTI_INTERNAL_H
#define SAMC_IO_NIFTI_INTERNAL_H

#include "io/nifti.h"

/* Sets img->affine, affine_source and axcodes from the header fields (io/nifti_orient.c). */
void nifti_orient(nifti_image *img);

#endif
