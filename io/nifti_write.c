/* Label volumes as NIfTI-1 single files that carry the geometry of the image they segment,
 * so viewers (ITK-SNAP, 3D Slicer) overlay them on it voxel for voxel. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/nifti.h"
#include "io/nifti_gzip.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define N1_HDR 348
#define N1_DATA 352 /* header + the 4-byte extension flag (no extensions) */

static void put16(unsigned char *p, int v) {
    uint16_t u = (uint16_t)v;
    p[0] = (unsigned char)(u & 0xff);
    p[1] = (unsigned char)(u >> 8);
}
static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void putf32(unsigned char *p, double v) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}

/* The 348-byte little-endian NIfTI-1 header (field offsets from nifti1.h). */
static void fill_header(unsigned char *h, const nifti_image *g, int ndim, int datatype) {
    put32(h, N1_HDR);
    h[38] = 'r'; /* "regular", as Analyze expects */
    h[39] = (unsigned char)g->dim_info;
    put16(h + 40, ndim);
    for (int i = 1; i < 8; i++) put16(h + 40 + 2 * i, i <= ndim ? (int)g->dim[i] : 1);
    put16(h + 70, datatype);
    put16(h + 72, datatype == NIFTI_UINT8 ? 8 : 16);
    putf32(h + 76, g->pixdim[0] < 0 ? -1.0 : 1.0); /* qfac */
    for (int i = 1; i < 8; i++) putf32(h + 76 + 4 * i, i <= 3 ? g->pixdim[i] : 1.0);
    putf32(h + 108, N1_DATA);
    putf32(h + 112, 1.0); /* scl_slope 1, scl_inter 0: the labels are the values */
    putf32(h + 116, 0.0);
    h[123] = (unsigned char)(g->xyzt_units & 0xff);
    memcpy(h + 148, "samc label volume", 17);
    put16(h + 252, g->qform_code);
    put16(h + 254, g->sform_code);
    for (int i = 0; i < 3; i++) {
        putf32(h + 256 + 4 * i, g->quatern[i]);
        putf32(h + 268 + 4 * i, g->qoffset[i]);
        for (int c = 0; c < 4; c++) putf32(h + 280 + 16 * i + 4 * c, g->srow[i][c]);
    }
    memcpy(h + 344, "n+1", 4);
}

/* gzip (deflate with the gzip wrapper) of len bytes into a malloc'd buffer. */
static int gzip_buffer(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return util_err("zlib: cannot start compressing");
    size_t cap = (size_t)deflateBound(&zs, (uLong)len);
    unsigned char *buf = util_xmalloc_array(cap, 1);
    if (!buf) {
        deflateEnd(&zs);
        return -1;
    }
    size_t in_used = 0, produced = 0;
    int rc;
    do { /* zlib counts in uInt: hand over at most UINT_MAX bytes at a time */
        if (!zs.avail_in && in_used < len) {
            size_t n = len - in_used < UINT_MAX ? len - in_used : UINT_MAX;
            zs.next_in = in + in_used;
            zs.avail_in = (uInt)n;
            in_used += n;
        }
        size_t room = cap - produced < UINT_MAX ? cap - produced : UINT_MAX;
        zs.next_out = buf + produced;
        zs.avail_out = (uInt)room;
        rc = deflate(&zs, in_used == len ? Z_FINISH : Z_NO_FLUSH);
        produced += room - zs.avail_out;
    } while (rc == Z_OK || (rc == Z_BUF_ERROR && produced < cap));
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        return util_err("zlib: compression failed");
    }
    *out = buf;
    *out_len = produced;
    return 0;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int io_nifti_write_labels(const char *path, const nifti_image *geom, int datatype, const void *labels) {
    int gz = ends_with(path, ".nii.gz");
    if (!gz && !ends_with(path, ".nii")) return util_err("%s: a label volume is written as .nii or .nii.gz", path);
    if (datatype != NIFTI_UINT8 && datatype != NIFTI_INT16 && datatype != NIFTI_UINT16)
        return util_err("%s: labels are written as uint8, int16 or uint16, not %s", path,
                        io_nifti_datatype_name(datatype));
    int ndim = geom->ndim < 3 ? geom->ndim : 3;
    for (int i = 1; i <= 3; i++)
        if (geom->dim[i] > 32767)
            return util_err("%s: dim[%d] = %lld does not fit a NIfTI-1 header", path, i, (long long)geom->dim[i]);
    size_t nvox, bytes, total;
    size_t bpv = datatype == NIFTI_UINT8 ? 1 : 2;
    if (util_size_prod(geom->dim + 1, 3, &nvox) || util_size_mul(nvox, bpv, &bytes) || util_size_add(bytes, N1_DATA,
        &total))
        return -1;
    unsigned char *file = util_xcalloc_array(total, 1);
    if (!file) return -1;
    fill_header(file, geom, ndim, datatype);
    if (bpv == 1) {
        memcpy(file + N1_DATA, labels, nvox);
    } else if (datatype == NIFTI_INT16) {
        const int16_t *v = labels;
        for (size_t i = 0; i < nvox; i++) put16(file + N1_DATA + 2 * i, v[i]);
    } else {
        const uint16_t *v = labels;
        for (size_t i = 0; i < nvox; i++) put16(file + N1_DATA + 2 * i, v[i]);
    }
    int rc;
    if (gz) {
        unsigned char *z = NULL;
        size_t zlen = 0;
        rc = gzip_buffer(file, total, &z, &zlen);
        if (rc == 0) {
            rc = util_write_file_atomic(path, z, zlen);
            free(z);
        }
    } else {
        rc = util_write_file_atomic(path, file, total);
    }
    free(file);
    return rc;
}
