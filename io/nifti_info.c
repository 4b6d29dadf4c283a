/* The header facts of a NIfTI volume as `samc info` prints them. */
#include <math.h>
#include <stdio.h>

#include "io/nifti.h"

/* xform codes of nifti1.h (5 was added with NIfTI-2) */
static const char *xform_name(int code) {
    static const char *const names[] = {"unknown", "scanner_anat", "aligned_anat", "talairach", "mni_152", "template_other"};
    return code >= 0 && code <= 5 ? names[code] : "invalid";
}

/* xyzt_units: bits 0-2 the spatial unit, bits 3-5 the temporal unit (nifti1.h) */
static const char *space_unit(int u) {
    switch (u & 7) {
    case 1: return "m";
    case 2: return "mm";
    case 3: return "um";
    default: return "unknown";
    }
}

void io_nifti_print_info(FILE *fp, const nifti_image *img) {
    /* NIfTI-1 stores floats: 7 digits show them as written (0.8, not 0.800000012) */
    int g = img->version == 1 ? 7 : 15;
    fprintf(fp, "format: NIfTI-%d %s%s, %s-endian\n", img->version, img->pair ? ".hdr/.img pair" : "single file",
            img->gzipped ? ", gzip" : "", img->swapped ? "big" : "little");
    fprintf(fp, "dims:");
    for (int i = 1; i <= img->ndim; i++) fprintf(fp, "%s%lld", i > 1 ? " x " : " ", (long long)img->dim[i]);
    fprintf(fp, "\ndatatype: %s (code %d, bitpix %d)\n", io_nifti_datatype_name(img->datatype), img->datatype,
            img->bitpix);
    fprintf(fp, "pixdim:");
    for (int i = 1; i <= img->ndim; i++) fprintf(fp, "%s%.*g", i > 1 ? " x " : " ", g, img->pixdim[i]);
    fprintf(fp, " (spatial unit: %s)\n", space_unit(img->xyzt_units));
    if (img->scaled)
        fprintf(fp, "scaling: scl_slope %.*g, scl_inter %.*g\n", g, img->scl_slope, g, img->scl_inter);
    else
        fprintf(fp, "scaling: none\n");
    fprintf(fp, "vox_offset: %lld\n", (long long)img->vox_offset);
    fprintf(fp, "qform_code: %d (%s)\n", img->qform_code, xform_name(img->qform_code));
    fprintf(fp, "sform_code: %d (%s)\n", img->sform_code, xform_name(img->sform_code));
    io_nifti_print_geometry(fp, img, g);
    if (img->descrip[0]) fprintf(fp, "description: %s\n", img->descrip);
}

void io_nifti_print_geometry(FILE *fp, const nifti_image *img, int g) {
    fprintf(fp, "affine (%s):\n", img->affine_source);
    for (int i = 0; i < 3; i++)
        fprintf(fp, "  %.*g %.*g %.*g %.*g\n", g, img->affine[i][0], g, img->affine[i][1], g, img->affine[i][2], g,
                img->affine[i][3]);
    fprintf(fp, "orientation: %s\n", img->axcodes);
    for (int p = 0; p < 3; p++) {
        int64_t n;
        int h, w;
        if (io_nifti_slice_shape(img, (nifti_plane)p, &n, &h, &w) == 0)
            fprintf(fp, "%s: %lld slices of %d x %d\n", io_nifti_plane_name((nifti_plane)p), (long long)n, h, w);
    }
    if (img->datatype != NIFTI_RGB24 && img->nvox) {
        double lo = INFINITY, hi = -INFINITY;
        size_t nan = 0;
        for (size_t i = 0; i < img->nvox; i++) {
            double v = io_nifti_value(img, i);
            if (isnan(v)) {
                nan++;
                continue;
            }
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        fprintf(fp, "range: %.9g .. %.9g", lo, hi);
        if (nan) fprintf(fp, " (%zu NaN)", nan);
        fputc('\n', fp);
    }
}
