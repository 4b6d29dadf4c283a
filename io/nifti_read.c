/* NIfTI-1 / NIfTI-2 reader: header fields, sanity checks, voxel data in host order.
 *
 * Layouts (byte offsets) from nifti1.h and nifti2.h. The byte order is recognised from
 * sizeof_hdr (348 for NIfTI-1, 540 for NIfTI-2), read both ways. */
#include "io/nifti.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/nifti_gzip.h"
#include "io/nifti_internal.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define N1_HDR 348
#define N2_HDR 540

static const struct {
    int code;
    const char *name;
    size_t bytes; /* 0: a type samc does not read */
} k_types[] = {
    {NIFTI_UINT8, "uint8", 1},     {NIFTI_INT8, "int8", 1},       {NIFTI_INT16, "int16", 2},
    {NIFTI_UINT16, "uint16", 2},   {NIFTI_INT32, "int32", 4},     {NIFTI_UINT32, "uint32", 4},
    {NIFTI_INT64, "int64", 8},     {NIFTI_UINT64, "uint64", 8},   {NIFTI_FLOAT32, "float32", 4},
    {NIFTI_FLOAT64, "float64", 8}, {NIFTI_RGB24, "RGB24", 3},     {1, "binary", 0},
    {32, "complex64", 0},          {1536, "float128", 0},         {1792, "complex128", 0},
    {2048, "complex256", 0},       {2304, "RGBA32", 0},
};
#define N_TYPES (sizeof k_types / sizeof k_types[0])

const char *io_nifti_datatype_name(int datatype) {
    for (size_t i = 0; i < N_TYPES; i++)
        if (k_types[i].code == datatype) return k_types[i].name;
    return "unknown";
}

static size_t datatype_bytes(int datatype) {
    for (size_t i = 0; i < N_TYPES; i++)
        if (k_types[i].code == datatype) return k_types[i].bytes;
    return 0;
}

/* ---- reading header fields in the file's byte order ---- */

static uint64_t rd_u(const unsigned char *p, int n, int big) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[big ? i : n - 1 - i];
    return v;
}
static int64_t rd_i16(const unsigned char *p, int big) { return (int16_t)(uint16_t)rd_u(p, 2, big); }
static int64_t rd_i32(const unsigned char *p, int big) { return (int32_t)(uint32_t)rd_u(p, 4, big); }
static int64_t rd_i64(const unsigned char *p, int big) { return (int64_t)rd_u(p, 8, big); }
static double rd_f32(const unsigned char *p, int big) {
    uint32_t u = (uint32_t)rd_u(p, 4, big);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static double rd_f64(const unsigned char *p, int big) {
    uint64_t u = rd_u(p, 8, big);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int host_is_big_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

/* The NIfTI-1 fields (nifti1.h). */
static void read_fields_v1(const unsigned char *h, int big, nifti_image *img, double *vox_offset) {
    for (int i = 0; i < 8; i++) img->dim[i] = rd_i16(h + 40 + 2 * i, big);
    img->intent_code = (int)rd_i16(h + 68, big);
    img->datatype = (int)rd_i16(h + 70, big);
    img->bitpix = (int)rd_i16(h + 72, big);
    for (int i = 0; i < 8; i++) img->pixdim[i] = rd_f32(h + 76 + 4 * i, big);
    *vox_offset = rd_f32(h + 108, big);
    img->scl_slope = rd_f32(h + 112, big);
    img->scl_inter = rd_f32(h + 116, big);
    img->dim_info = h[39];
    img->xyzt_units = h[123];
    memcpy(img->descrip, h + 148, 80);
    img->qform_code = (int)rd_i16(h + 252, big);
    img->sform_code = (int)rd_i16(h + 254, big);
    for (int i = 0; i < 3; i++) {
        img->quatern[i] = rd_f32(h + 256 + 4 * i, big);
        img->qoffset[i] = rd_f32(h + 268 + 4 * i, big);
        for (int c = 0; c < 4; c++) img->srow[i][c] = rd_f32(h + 280 + 16 * i + 4 * c, big);
    }
}

/* The NIfTI-2 fields (nifti2.h): the same meanings, 64-bit ints and doubles, new offsets. */
static void read_fields_v2(const unsigned char *h, int big, nifti_image *img, double *vox_offset) {
    img->datatype = (int)rd_i16(h + 12, big);
    img->bitpix = (int)rd_i16(h + 14, big);
    for (int i = 0; i < 8; i++) img->dim[i] = rd_i64(h + 16 + 8 * i, big);
    for (int i = 0; i < 8; i++) img->pixdim[i] = rd_f64(h + 104 + 8 * i, big);
    int64_t off = rd_i64(h + 168, big);
    *vox_offset = off < 0 ? -1.0 : (double)off;
    img->scl_slope = rd_f64(h + 176, big);
    img->scl_inter = rd_f64(h + 184, big);
    memcpy(img->descrip, h + 240, 80);
    img->qform_code = (int)rd_i32(h + 344, big);
    img->sform_code = (int)rd_i32(h + 348, big);
    for (int i = 0; i < 3; i++) {
        img->quatern[i] = rd_f64(h + 352 + 8 * i, big);
        img->qoffset[i] = rd_f64(h + 376 + 8 * i, big);
        for (int c = 0; c < 4; c++) img->srow[i][c] = rd_f64(h + 400 + 32 * i + 8 * c, big);
    }
    img->xyzt_units = (int)rd_i32(h + 500, big);
    img->intent_code = (int)rd_i32(h + 504, big);
    img->dim_info = h[524];
}

/* Parses and checks a header; on success img holds every field but the data. */
static int parse_header(const unsigned char *h, size_t len, nifti_image *img) {
    memset(img, 0, sizeof *img);
    if (len < 4) return util_err("not a NIfTI file: %zu bytes is too short for a header", len);
    uint64_t le = rd_u(h, 4, 0), be = rd_u(h, 4, 1);
    int big;
    size_t hdr_size;
    if (le == N1_HDR || le == N2_HDR) {
        big = 0;
        hdr_size = (size_t)le;
    } else if (be == N1_HDR || be == N2_HDR) {
        big = 1;
        hdr_size = (size_t)be;
    } else {
        return util_err("not a NIfTI file (sizeof_hdr is %llu, expected 348 or 540)", (unsigned long long)le);
    }
    img->version = hdr_size == N1_HDR ? 1 : 2;
    if (len < hdr_size)
        return util_err("truncated NIfTI-%d header (%zu of %zu bytes)", img->version, len, hdr_size);
    img->swapped = big != host_is_big_endian();

    double vox_offset = 0;
    if (img->version == 1) {
        const unsigned char *m = h + 344;
        if (memcmp(m, "n+1", 4) && memcmp(m, "ni1", 4))
            return util_err("not a NIfTI-1 file: no n+1/ni1 magic (an Analyze 7.5 header is not supported)");
        img->pair = m[1] == 'i';
        read_fields_v1(h, big, img, &vox_offset);
    } else {
        if (memcmp(h + 4, "n+2", 4) && memcmp(h + 4, "ni2", 4)) return util_err("not a NIfTI-2 file: no n+2/ni2 magic");
        if (memcmp(h + 8, "\r\n\032\n", 4))
            return util_err("NIfTI-2 header damaged (its \\r\\n\\032\\n check bytes were altered, e.g. by a text-mode copy)");
        img->pair = h[5] == 'i';
        read_fields_v2(h, big, img, &vox_offset);
    }
    img->descrip[80] = 0;
    for (char *c = img->descrip; *c; c++)
        if ((unsigned char)*c < 32 || (unsigned char)*c > 126) *c = '?';

    if (img->dim[0] < 1 || img->dim[0] > 7)
        return util_err("dim[0] = %lld: the number of dimensions must be 1 to 7", (long long)img->dim[0]);
    img->ndim = (int)img->dim[0];
    for (int i = 1; i <= img->ndim; i++) {
        if (img->dim[i] < 1) return util_err("dim[%d] = %lld: every dimension must be at least 1", i,
            (long long)img->dim[i]);
        if (img->dim[i] > INT32_MAX)
            return util_err("dim[%d] = %lld is too large (limit %d)", i, (long long)img->dim[i], INT32_MAX);
    }
    for (int i = img->ndim + 1; i < 8; i++) img->dim[i] = 1;
    img->voxel_bytes = datatype_bytes(img->datatype);
    if (!img->voxel_bytes)
        return util_err("unsupported datatype %d (%s)", img->datatype, io_nifti_datatype_name(img->datatype));
    size_t bytes;
    if (util_size_prod(img->dim + 1, img->ndim, &img->nvox) || util_size_mul(img->nvox, img->voxel_bytes, &bytes) ||
        bytes > NIFTI_MAX_BYTES)
        return util_err("dims %lld x %lld x %lld x ... (%s) need more than %zu GiB of data", (long long)img->dim[1],
                        (long long)img->dim[2], (long long)img->dim[3], io_nifti_datatype_name(img->datatype),
                        NIFTI_MAX_BYTES >> 30);

    /* NIfTI-1 stores vox_offset as a float; it must still name a whole byte */
    if (!(vox_offset >= 0) || vox_offset != floor(vox_offset) || vox_offset > (double)NIFTI_MAX_BYTES)
        return util_err("vox_offset %g is not a valid byte offset", vox_offset);
    img->vox_offset = (int64_t)vox_offset;
    if (!img->pair && (size_t)img->vox_offset < hdr_size)
        return util_err("vox_offset %lld lies inside the %zu-byte header", (long long)img->vox_offset, hdr_size);
    if (bytes > NIFTI_MAX_BYTES - (size_t)img->vox_offset)
        return util_err("vox_offset %lld + %zu bytes of data exceed the %zu GiB limit", (long long)img->vox_offset,
                        bytes, NIFTI_MAX_BYTES >> 30);

    /* as nibabel: a zero or non-finite slope means the stored values are the values */
    img->scaled = isfinite(img->scl_slope) && img->scl_slope != 0;
    if (img->scaled && !isfinite(img->scl_inter))
        return util_err("scl_inter is %g while scl_slope is %g", img->scl_inter, img->scl_slope);
    io_nifti_orient(img);
    return 0;
}

/* Reverses the bytes of every multi-byte sample of a file in the other byte order. */
static void to_host_order(nifti_image *img) {
    size_t b = img->voxel_bytes;
    if (!img->swapped || b == 1 || img->datatype == NIFTI_RGB24) return;
    unsigned char *p = img->data;
    for (size_t i = 0; i < img->nvox; i++, p += b)
        for (size_t k = 0; k < b / 2; k++) {
            unsigned char t = p[k];
            p[k] = p[b - 1 - k];
            p[b - 1 - k] = t;
        }
}

/* Data stored uncompressed at vox_offset in buf. */
static int load_plain(nifti_image *img, const unsigned char *buf, size_t len) {
    size_t off = (size_t)img->vox_offset, bytes = img->nvox * img->voxel_bytes;
    if (off > len) return util_err("vox_offset %zu is past the end of the file (%zu bytes)", off, len);
    if (bytes > len - off)
        return util_err("truncated: %zu bytes of voxel data expected at offset %zu, the file has %zu after it", bytes,
                        off, len - off);
    img->data = util_xmalloc_array(bytes ? bytes : 1, 1);
    if (!img->data) return -1;
    memcpy(img->data, buf + off, bytes);
    to_host_order(img);
    return 0;
}

/* Data at vox_offset of a gzip stream of which the first prefix_len bytes are already read
 * (into prefix). Inflates only up to the end of the declared data. */
static int load_gz(nifti_image *img, gz_stream *s, const unsigned char *prefix, size_t prefix_len) {
    size_t off = (size_t)img->vox_offset, bytes = img->nvox * img->voxel_bytes, head = 0;
    if (off <= prefix_len) {
        head = prefix_len - off;
    } else {
        unsigned char skip[4096];
        for (size_t at = prefix_len; at < off;) {
            size_t want = off - at < sizeof skip ? off - at : sizeof skip, got;
            if (io_gz_stream_read(s, skip, want, &got)) return -1;
            if (got < want) return util_err("vox_offset %zu is past the end of the data (%zu bytes uncompressed)",
                off, at + got);
            at += got;
        }
    }
    size_t got;
    unsigned char *data;
    img->gzipped = 1;
    if (io_gz_stream_read_alloc(s, head ? prefix + off : NULL, head, bytes, &data, &got)) return -1;
    img->data = data;
    if (got < bytes)
        return util_err("truncated: the gzip data ends after %zu of %zu bytes of voxel data", got, bytes);
    if (io_gz_stream_finish(s)) return -1;
    to_host_order(img);
    return 0;
}

int io_nifti_parse(const unsigned char *buf, size_t len, nifti_image *img) {
    memset(img, 0, sizeof *img);
    if (!io_gz_is_gzip(buf, len)) {
        if (parse_header(buf, len, img)) return -1;
        if (img->pair)
            return util_err("this is the header of a .hdr/.img pair (magic ni%d): read it as .hdr", img->version);
        if (load_plain(img, buf, len)) {
            io_nifti_free(img);
            return -1;
        }
        return 0;
    }
    gz_stream s;
    if (io_gz_stream_open(&s, buf, len)) return -1;
    unsigned char prefix[N2_HDR];
    size_t got;
    int rc = io_gz_stream_read(&s, prefix, sizeof prefix, &got);
    if (rc == 0) rc = parse_header(prefix, got, img);
    if (rc == 0 && img->pair) {
        rc = util_err("this is the header of a .hdr/.img pair (magic ni%d): read it as .hdr", img->version);
    }
    if (rc == 0) rc = load_gz(img, &s, prefix, got);
    io_gz_stream_close(&s);
    if (rc) io_nifti_free(img);
    return rc;
}

int io_nifti_parse_pair(const unsigned char *hdr, size_t hdr_len, const unsigned char *data, size_t data_len,
                     nifti_image *img) {
    memset(img, 0, sizeof *img);
    unsigned char *inflated = NULL;
    if (io_gz_is_gzip(hdr, hdr_len)) {
        if (io_gz_inflate_capped(hdr, hdr_len, N2_HDR, &inflated, &hdr_len)) return -1;
        hdr = inflated;
    }
    int rc = parse_header(hdr, hdr_len, img);
    free(inflated);
    if (rc) return -1;
    if (!img->pair)
        return util_err("the header's magic n+%d says the data is in the same file, not in a .img", img->version);
    if (!io_gz_is_gzip(data, data_len)) {
        rc = load_plain(img, data, data_len);
    } else {
        gz_stream s;
        rc = io_gz_stream_open(&s, data, data_len);
        if (rc == 0) {
            rc = load_gz(img, &s, NULL, 0);
            io_gz_stream_close(&s);
        }
    }
    if (rc) io_nifti_free(img);
    return rc;
}

void io_nifti_free(nifti_image *img) {
    free(img->data);
    img->data = NULL;
}

/* ---- files ---- */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int file_exists(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (fp) fclose(fp);
    return fp != NULL;
}

/* For X.hdr[.gz] the image X.img[.gz] and vice versa: the partner with the same compression
 * if it exists, else the other. NULL (with an error) if neither exists. */
static char *pair_partner(const char *path) {
    int gz = ends_with(path, ".gz");
    size_t stem = strlen(path) - (gz ? 7 : 4);
    const char *ext = ends_with(path, gz ? ".hdr.gz" : ".hdr") ? ".img" : ".hdr";
    char *p = util_xmalloc_array(stem + 8, 1);
    if (!p) return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        int with_gz = attempt == 0 ? gz : !gz;
        memcpy(p, path, stem);
        strcpy(p + stem, ext);
        if (with_gz) strcat(p, ".gz");
        if (file_exists(p)) return p;
    }
    memcpy(p, path, stem);
    strcpy(p + stem, ext);
    util_err("%s: its pair file %s[.gz] does not exist", path, p);
    free(p);
    return NULL;
}

static int is_pair_name(const char *path) {
    return ends_with(path, ".hdr") || ends_with(path, ".img") || ends_with(path, ".hdr.gz") || ends_with(path, ".img.gz");
}

int io_nifti_is_nifti(const char *path, const unsigned char *buf, size_t len) {
    if (is_pair_name(path) || io_gz_is_gzip(buf, len)) return 1;
    if (len < 4) return 0;
    uint64_t le = rd_u(buf, 4, 0), be = rd_u(buf, 4, 1);
    return le == N1_HDR || le == N2_HDR || be == N1_HDR || be == N2_HDR;
}

int io_nifti_read(const char *path, nifti_image *img) {
    memset(img, 0, sizeof *img);
    const size_t limit = NIFTI_MAX_BYTES + ((size_t)1 << 20);
    int is_pair = is_pair_name(path);
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    int rc;
    if (!is_pair) {
        rc = util_read_whole_file(path, limit, &a, &alen);
        if (rc == 0 && (rc = io_nifti_parse(a, alen, img))) util_err_context("%s", path);
    } else {
        int given_hdr = ends_with(path, ".hdr") || ends_with(path, ".hdr.gz");
        char *other = pair_partner(path);
        const char *hdr_path = given_hdr ? path : other, *img_path = given_hdr ? other : path;
        rc = other ? 0 : -1;
        if (rc == 0) rc = util_read_whole_file(hdr_path, limit, &a, &alen);
        if (rc == 0) rc = util_read_whole_file(img_path, limit, &b, &blen);
        if (rc == 0 && (rc = io_nifti_parse_pair(a, alen, b, blen, img))) util_err_context("%s", path);
        free(other);
    }
    free(a);
    free(b);
    return rc;
}
