/* Where the array axes point in the patient: the voxel-to-world affine of a NIfTI header and
 * the anatomical direction of each array axis.
 *
 * The affine follows nibabel's get_best_affine: the sform when sform_code != 0, else the
 * qform (nifti1.h "method 2", quaternion + pixdim + qfac) when qform_code != 0, else the
 * Analyze-style default from pixdim with the x axis flipped and the volume centred.
 * World coordinates are NIfTI's RAS+: +x toward the patient's Right, +y Anterior, +z Superior.
 * The axis codes follow nibabel's aff2axcodes / io_orientation. */
#include <math.h>
#include <string.h>

#include "io/nifti_internal.h"

/* Rotation from the unit quaternion (a, b, c, d) with a >= 0 derived from b, c, d. */
static void qform_affine(const nifti_image *img, double A[3][4]) {
    double b = img->quatern[0], c = img->quatern[1], d = img->quatern[2];
    double a = 1.0 - (b * b + c * c + d * d);
    if (a < 1e-7) {
        /* a 180-degree rotation stored with rounding error: renormalise (b, c, d), a = 0,
         * as nifti1_io does */
        double n = sqrt(b * b + c * c + d * d);
        b /= n, c /= n, d /= n;
        a = 0;
    } else {
        a = sqrt(a);
    }
    const double R[3][3] = {
        {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
        {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
        {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b},
    };
    /* non-positive voxel sizes count as 1 and qfac is the sign of pixdim[0] (0 means +1),
     * as in nifti1_io's quatern_to_mat44 */
    double zoom[3];
    for (int j = 0; j < 3; j++) zoom[j] = img->pixdim[j + 1] > 0 ? img->pixdim[j + 1] : 1.0;
    if (img->pixdim[0] < 0) zoom[2] = -zoom[2];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) A[i][j] = R[i][j] * zoom[j];
        A[i][3] = img->qoffset[i];
    }
}

/* nibabel's shape_zoom_affine(shape, zooms, x_flip=True): voxel sizes on the diagonal, x
 * negated, the centre of the volume at the origin. */
static void pixdim_affine(const nifti_image *img, double A[3][4]) {
    memset(A, 0, sizeof(double) * 12);
    for (int j = 0; j < 3; j++) {
        double z = j < img->ndim ? img->pixdim[j + 1] : 1.0;
        if (j == 0) z = -z;
        A[j][j] = z;
        A[j][3] = -((double)img->dim[j + 1] - 1) / 2.0 * z;
    }
}

static double det3(const double M[3][3]) {
    return M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
           M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
}

/* The orthogonal matrix nearest to M (its polar factor, which nibabel takes from the SVD as
 * U V^T), by Newton's iteration X <- (X + X^-T) / 2. M must be non-singular. */
static void polar_factor(double M[3][3]) {
    for (int it = 0; it < 100; it++) {
        double det = det3(M), N[3][3], change = 0;
        /* X^-T = cofactor(X) / det */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
                double cof = M[i1][j1] * M[i2][j2] - M[i1][j2] * M[i2][j1];
                N[i][j] = 0.5 * (M[i][j] + cof / det);
                change += fabs(N[i][j] - M[i][j]);
            }
        memcpy(M, N, sizeof N);
        if (change < 1e-14) break;
    }
}

/* nibabel's io_orientation: for array axes in order, the world axis with the largest
 * component of the (orthogonalised) direction, each world axis used once. */
static void axis_codes(const double A[3][4], char codes[4]) {
    static const char pos[3] = {'R', 'A', 'S'}, neg[3] = {'L', 'P', 'I'};
    double M[3][3];
    int zero_col[3];
    for (int j = 0; j < 3; j++) {
        double n = sqrt(A[0][j] * A[0][j] + A[1][j] * A[1][j] + A[2][j] * A[2][j]);
        zero_col[j] = n == 0;
        for (int i = 0; i < 3; i++) M[i][j] = zero_col[j] ? 0 : A[i][j] / n;
    }
    if (fabs(det3(M)) > 1e-9) polar_factor(M);
    int used[3] = {0, 0, 0};
    codes[0] = codes[1] = codes[2] = 0;
    codes[3] = 0;
    for (int j = 0; j < 3; j++) {
        if (zero_col[j]) continue;
        int best = -1;
        for (int i = 0; i < 3; i++)
            if (!used[i] && (best < 0 || fabs(M[i][j]) > fabs(M[best][j]))) best = i;
        used[best] = 1;
        codes[j] = M[best][j] < 0 ? neg[best] : pos[best];
    }
    /* an axis of zero length (pixdim 0) has no direction; nibabel leaves it unknown, samc
     * gives it the world axis nobody took so that every plane can still be sliced */
    for (int j = 0; j < 3; j++) {
        if (codes[j]) continue;
        int i = 0;
        while (used[i]) i++;
        used[i] = 1;
        codes[j] = pos[i];
    }
}

void io_nifti_orient(nifti_image *img) {
    if (img->sform_code != 0) {
        memcpy(img->affine, img->srow, sizeof img->affine);
        img->affine_source = "sform";
    } else if (img->qform_code != 0) {
        qform_affine(img, img->affine);
        img->affine_source = "qform";
    } else {
        pixdim_affine(img, img->affine);
        img->affine_source = "pixdim";
    }
    int finite = 1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) finite &= isfinite(img->affine[i][j]) != 0;
    if (finite) {
        axis_codes(img->affine, img->axcodes);
    } else {
        memcpy(img->axcodes, "???", 4);
    }
}

/* nifti1_io's nifti_mat44_to_quatern: the qform (quaternion, offsets, voxel sizes, qfac) of
 * the rotation nearest to A's direction columns. */
static void set_qform(nifti_image *img, const double A[3][4]) {
    double R[3][3];
    for (int j = 0; j < 3; j++) {
        double n = sqrt(A[0][j] * A[0][j] + A[1][j] * A[1][j] + A[2][j] * A[2][j]);
        img->pixdim[j + 1] = n > 0 ? n : 1.0;
        for (int i = 0; i < 3; i++) R[i][j] = n > 0 ? A[i][j] / n : (i == j);
    }
    if (fabs(det3(R)) > 1e-9) polar_factor(R);
    /* a left-handed frame is stored as qfac = -1 with the third column negated */
    img->pixdim[0] = det3(R) > 0 ? 1.0 : -1.0;
    if (img->pixdim[0] < 0)
        for (int i = 0; i < 3; i++) R[i][2] = -R[i][2];
    double a = R[0][0] + R[1][1] + R[2][2] + 1.0, b, c, d;
    if (a > 0.5) {
        a = 0.5 * sqrt(a);
        b = 0.25 * (R[2][1] - R[1][2]) / a;
        c = 0.25 * (R[0][2] - R[2][0]) / a;
        d = 0.25 * (R[1][0] - R[0][1]) / a;
    } else {
        double xd = 1.0 + R[0][0] - (R[1][1] + R[2][2]), yd = 1.0 + R[1][1] - (R[0][0] + R[2][2]),
               zd = 1.0 + R[2][2] - (R[0][0] + R[1][1]);
        if (xd > 1.0) {
            b = 0.5 * sqrt(xd);
            c = 0.25 * (R[0][1] + R[1][0]) / b;
            d = 0.25 * (R[0][2] + R[2][0]) / b;
            a = 0.25 * (R[2][1] - R[1][2]) / b;
        } else if (yd > 1.0) {
            c = 0.5 * sqrt(yd);
            b = 0.25 * (R[0][1] + R[1][0]) / c;
            d = 0.25 * (R[1][2] + R[2][1]) / c;
            a = 0.25 * (R[0][2] - R[2][0]) / c;
        } else {
            d = 0.5 * sqrt(zd);
            b = 0.25 * (R[0][2] + R[2][0]) / d;
            c = 0.25 * (R[1][2] + R[2][1]) / d;
            a = 0.25 * (R[1][0] - R[0][1]) / d;
        }
        if (a < 0) b = -b, c = -c, d = -d;
    }
    img->quatern[0] = b;
    img->quatern[1] = c;
    img->quatern[2] = d;
    for (int i = 0; i < 3; i++) img->qoffset[i] = A[i][3];
}

void io_nifti_set_affine(nifti_image *img, const double A[3][4], int code) {
    memcpy(img->srow, A, sizeof img->srow);
    img->sform_code = img->qform_code = code;
    set_qform(img, A);
    io_nifti_orient(img);
}
