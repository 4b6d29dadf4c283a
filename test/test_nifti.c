/* io/nifti: NIfTI-1/2 files built byte by byte here (both byte orders, every datatype,
 * gzip, .hdr/.img pairs), orientation and slicing checked against hand-derived mappings,
 * the label writer round trip, every corrupt-input rule, and the nibabel-written fixtures
 * against values nibabel reported for them. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "files.h"
#include "io/nifti.h"
#include "util/err.h"
#include "util/file.h"

#define TMP "build/test_nifti_tmp"

/* ---- building headers by hand (field offsets from nifti1.h / nifti2.h) ---- */

typedef struct {
    int version, big, pair;
    int datatype, bitpix;
    int64_t dim[8];
    double pixdim[8];
    double vox_offset;
    double slope, inter;
    int qform_code, sform_code;
    double quatern[3], qoffset[3], srow[3][4];
    int xyzt_units;
} hdr_spec;

static void put_u(unsigned char *p, int n, uint64_t v, int big) {
    for (int i = 0; i < n; i++) p[big ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}
static void put_f32(unsigned char *p, double v, int big) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u(p, 4, u, big);
}
static void put_f64(unsigned char *p, double v, int big) {
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u(p, 8, u, big);
}

static hdr_spec default_spec(int version, int big, int datatype, int bitpix) {
    hdr_spec s;
    memset(&s, 0, sizeof s);
    s.version = version;
    s.big = big;
    s.datatype = datatype;
    s.bitpix = bitpix;
    s.dim[0] = 3, s.dim[1] = 4, s.dim[2] = 3, s.dim[3] = 2;
    for (int i = 4; i < 8; i++) s.dim[i] = 1;
    for (int i = 0; i < 8; i++) s.pixdim[i] = 1;
    s.vox_offset = version == 1 ? 352 : 544;
    s.xyzt_units = 2; /* mm */
    return s;
}

/* Writes the header into h (zeroing its 348 or 540 bytes first); returns its size. */
static size_t build_header(const hdr_spec *s, unsigned char *h) {
    int b = s->big;
    memset(h, 0, s->version == 1 ? 348 : 540);
    if (s->version == 1) {
        put_u(h, 4, 348, b);
        for (int i = 0; i < 8; i++) put_u(h + 40 + 2 * i, 2, (uint64_t)s->dim[i], b);
        put_u(h + 70, 2, (uint64_t)s->datatype, b);
        put_u(h + 72, 2, (uint64_t)s->bitpix, b);
        for (int i = 0; i < 8; i++) put_f32(h + 76 + 4 * i, s->pixdim[i], b);
        put_f32(h + 108, s->vox_offset, b);
        put_f32(h + 112, s->slope, b);
        put_f32(h + 116, s->inter, b);
        h[123] = (unsigned char)s->xyzt_units;
        put_u(h + 252, 2, (uint64_t)s->qform_code, b);
        put_u(h + 254, 2, (uint64_t)s->sform_code, b);
        for (int i = 0; i < 3; i++) {
            put_f32(h + 256 + 4 * i, s->quatern[i], b);
            put_f32(h + 268 + 4 * i, s->qoffset[i], b);
            for (int c = 0; c < 4; c++) put_f32(h + 280 + 16 * i + 4 * c, s->srow[i][c], b);
        }
        memcpy(h + 344, s->pair ? "ni1" : "n+1", 4);
        return 348;
    }
    put_u(h, 4, 540, b);
    memcpy(h + 4, s->pair ? "ni2" : "n+2", 4);
    memcpy(h + 8, "\r\n\032\n", 4);
    put_u(h + 12, 2, (uint64_t)s->datatype, b);
    put_u(h + 14, 2, (uint64_t)s->bitpix, b);
    for (int i = 0; i < 8; i++) put_u(h + 16 + 8 * i, 8, (uint64_t)s->dim[i], b);
    for (int i = 0; i < 8; i++) put_f64(h + 104 + 8 * i, s->pixdim[i], b);
    put_u(h + 168, 8, (uint64_t)(int64_t)s->vox_offset, b);
    put_f64(h + 176, s->slope, b);
    put_f64(h + 184, s->inter, b);
    put_u(h + 344, 4, (uint64_t)s->qform_code, b);
    put_u(h + 348, 4, (uint64_t)s->sform_code, b);
    for (int i = 0; i < 3; i++) {
        put_f64(h + 352 + 8 * i, s->quatern[i], b);
        put_f64(h + 376 + 8 * i, s->qoffset[i], b);
        for (int c = 0; c < 4; c++) put_f64(h + 400 + 32 * i + 8 * c, s->srow[i][c], b);
    }
    put_u(h + 500, 4, (uint64_t)s->xyzt_units, b);
    return 540;
}

/* ---- sample values: a formula per datatype, independent of the reader ---- */

static size_t type_bytes(int dt) {
    switch (dt) {
    case NIFTI_UINT8: case NIFTI_INT8: return 1;
    case NIFTI_INT16: case NIFTI_UINT16: return 2;
    case NIFTI_INT32: case NIFTI_UINT32: case NIFTI_FLOAT32: return 4;
    case NIFTI_RGB24: return 3;
    default: return 8;
    }
}

/* The raw bits of sample i (low bytes first) and its value as a double. */
static uint64_t sample_bits(int dt, size_t i, double *value) {
    uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull; /* spreads over the whole type range */
    switch (dt) {
    case NIFTI_UINT8: *value = (uint8_t)h; return (uint8_t)h;
    case NIFTI_INT8: *value = (int8_t)(uint8_t)(h >> 8); return (uint8_t)(h >> 8);
    case NIFTI_INT16: *value = (int16_t)(uint16_t)(h >> 16); return (uint16_t)(h >> 16);
    case NIFTI_UINT16: *value = (uint16_t)(h >> 16); return (uint16_t)(h >> 16);
    case NIFTI_INT32: *value = (int32_t)(uint32_t)(h >> 32); return (uint32_t)(h >> 32);
    case NIFTI_UINT32: *value = (uint32_t)(h >> 32); return (uint32_t)(h >> 32);
    case NIFTI_INT64: *value = (double)(int64_t)h; return h;
    case NIFTI_UINT64: *value = (double)h; return h;
    case NIFTI_FLOAT32: {
        float f = (float)i * 0.37f - 5.5f;
        uint32_t u;
        memcpy(&u, &f, 4);
        *value = f;
        return u;
    }
    case NIFTI_FLOAT64: {
        double d = (double)i * 1e-3 - 123.456789;
        uint64_t u;
        memcpy(&u, &d, 8);
        *value = d;
        return u;
    }
    default: *value = 0; return 0x030201u + i; /* RGB24: bytes i+1, 2, 3 */
    }
}

/* Header + extension flag + data in a malloc'd buffer (data at vox_offset). */
static unsigned char *build_file(const hdr_spec *s, size_t nvox, size_t *len) {
    size_t hdr_end = s->version == 1 ? 352 : 544;
    size_t bytes = type_bytes(s->datatype), off = s->vox_offset >= 0 ? (size_t)s->vox_offset : hdr_end;
    size_t total = (off > hdr_end ? off : hdr_end) + nvox * bytes;
    unsigned char *f = calloc(total + 1, 1);
    build_header(s, f);
    for (size_t i = 0; i < nvox; i++) {
        double v;
        uint64_t bits = sample_bits(s->datatype, i, &v);
        if (s->datatype == NIFTI_RGB24)
            for (int c = 0; c < 3; c++) f[off + 3 * i + c] = (unsigned char)(bits >> (8 * c));
        else
            put_u(f + off + i * bytes, (int)bytes, bits, s->big);
    }
    *len = off + nvox * bytes;
    return f;
}

static unsigned char *gzip(const unsigned char *in, size_t len, size_t *out_len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&zs, len);
    unsigned char *out = malloc(cap);
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

/* Checks every voxel of img against the formula (and the scaling in s). */
static int values_match(const nifti_image *img, const hdr_spec *s, size_t nvox) {
    if (img->nvox != nvox) return 0;
    for (size_t i = 0; i < nvox; i++) {
        double v;
        uint64_t bits = sample_bits(s->datatype, i, &v);
        if (s->datatype == NIFTI_RGB24) {
            if (memcmp((const unsigned char *)img->data + 3 * i, &(unsigned char[3]){(unsigned char)bits,
                                                                                       (unsigned char)(bits >> 8),
                                                                                       (unsigned char)(bits >> 16)},
                       3))
                return 0;
            continue;
        }
        /* slope and inter as the header stores them (float32 in NIfTI-1) */
        double slope = s->version == 1 ? (double)(float)s->slope : s->slope;
        double inter = s->version == 1 ? (double)(float)s->inter : s->inter;
        double want = slope != 0 && isfinite(slope) ? v * slope + inter : v;
        if (io_nifti_value(img, i) != want) return 0;
    }
    return 1;
}

static const struct {
    int code, bitpix;
} k_all_types[] = {
    {NIFTI_UINT8, 8},   {NIFTI_INT8, 8},    {NIFTI_INT16, 16},   {NIFTI_UINT16, 16},
    {NIFTI_INT32, 32},  {NIFTI_UINT32, 32}, {NIFTI_INT64, 64},   {NIFTI_UINT64, 64},
    {NIFTI_FLOAT32, 32}, {NIFTI_FLOAT64, 64}, {NIFTI_RGB24, 24},
};
#define N_ALL_TYPES (sizeof k_all_types / sizeof k_all_types[0])

/* ---- reading ---- */

TEST(every_version_order_and_datatype) {
    for (int version = 1; version <= 2; version++)
        for (int big = 0; big <= 1; big++)
            for (size_t t = 0; t < N_ALL_TYPES; t++) {
                hdr_spec s = default_spec(version, big, k_all_types[t].code, k_all_types[t].bitpix);
                size_t len;
                unsigned char *f = build_file(&s, 24, &len);
                nifti_image img;
                int rc = io_nifti_parse(f, len, &img);
                CHECK_MSG(rc == 0, "v%d %s %s: %s", version, big ? "BE" : "LE", io_nifti_datatype_name(s.datatype),
                          samc_errmsg());
                if (rc == 0) {
                    CHECK(img.version == version && img.datatype == s.datatype && img.ndim == 3);
                    CHECK(img.dim[1] == 4 && img.dim[2] == 3 && img.dim[3] == 2 && img.dim[4] == 1);
                    CHECK(img.swapped == big); /* the test host is little-endian (x86-64, arm64) */
                    CHECK(!img.scaled);
                    CHECK_MSG(values_match(&img, &s, 24), "v%d %s %s", version, big ? "BE" : "LE",
                              io_nifti_datatype_name(s.datatype));
                    io_nifti_free(&img);
                }
                free(f);
            }
}

TEST(gzip_single_file_every_datatype) {
    for (int version = 1; version <= 2; version++)
        for (size_t t = 0; t < N_ALL_TYPES; t++) {
            hdr_spec s = default_spec(version, version == 2, k_all_types[t].code, k_all_types[t].bitpix);
            size_t len, zlen;
            unsigned char *f = build_file(&s, 24, &len);
            unsigned char *z = gzip(f, len, &zlen);
            nifti_image img;
            CHECK(io_nifti_parse(z, zlen, &img) == 0);
            CHECK(img.gzipped == 1 && values_match(&img, &s, 24));
            io_nifti_free(&img);
            free(f);
            free(z);
        }
}

TEST(gzip_multi_member_and_trailing_data) {
    hdr_spec s = default_spec(1, 0, NIFTI_INT16, 16);
    size_t len, z1, z2;
    unsigned char *f = build_file(&s, 24, &len);
    /* split the file into two gzip members, as `cat a.gz b.gz` makes */
    unsigned char *a = gzip(f, 300, &z1), *b = gzip(f + 300, len - 300, &z2);
    unsigned char *cat = malloc(z1 + z2 + 5);
    memcpy(cat, a, z1);
    memcpy(cat + z1, b, z2);
    nifti_image img;
    CHECK(io_nifti_parse(cat, z1 + z2, &img) == 0);
    CHECK(values_match(&img, &s, 24));
    io_nifti_free(&img);
    /* zero padding after the last member is not gzip and is ignored */
    memset(cat + z1 + z2, 0, 5);
    CHECK(io_nifti_parse(cat, z1 + z2 + 5, &img) == 0);
    io_nifti_free(&img);
    free(f), free(a), free(b), free(cat);
}

TEST(scaling) {
    for (int version = 1; version <= 2; version++) {
        hdr_spec s = default_spec(version, 0, NIFTI_INT16, 16);
        s.slope = 2.5, s.inter = -10;
        size_t len;
        unsigned char *f = build_file(&s, 24, &len);
        nifti_image img;
        CHECK(io_nifti_parse(f, len, &img) == 0);
        CHECK(img.scaled && values_match(&img, &s, 24));
        double v;
        sample_bits(NIFTI_INT16, 5, &v);
        CHECK(io_nifti_value(&img, 5) == v * 2.5 - 10); /* hand check of one voxel */
        io_nifti_free(&img);
        free(f);
        /* slope 0 and slope NaN mean "not scaled" (nibabel's rule) */
        double unscaled[2] = {0, NAN};
        for (int k = 0; k < 2; k++) {
            s.slope = unscaled[k], s.inter = 7;
            f = build_file(&s, 24, &len);
            CHECK(io_nifti_parse(f, len, &img) == 0);
            CHECK(!img.scaled && values_match(&img, &s, 24));
            io_nifti_free(&img);
            free(f);
        }
        /* a valid slope with an infinite intercept is refused */
        s.slope = 1, s.inter = INFINITY;
        f = build_file(&s, 24, &len);
        CHECK(io_nifti_parse(f, len, &img) == -1 && strstr(samc_errmsg(), "scl_inter"));
        free(f);
    }
}

TEST(seven_dimensions) {
    hdr_spec s = default_spec(2, 1, NIFTI_FLOAT32, 32);
    int64_t d[8] = {7, 2, 1, 3, 1, 2, 1, 2};
    memcpy(s.dim, d, sizeof d);
    size_t len;
    unsigned char *f = build_file(&s, 24, &len);
    nifti_image img;
    CHECK(io_nifti_parse(f, len, &img) == 0);
    CHECK(img.ndim == 7 && img.nvox == 24 && values_match(&img, &s, 24));
    float *out;
    int nd;
    int64_t shape[8];
    CHECK(io_nifti_to_f32(&img, &out, &nd, shape) == 0);
    CHECK(nd == 7 && shape[0] == 2 && shape[2] == 3 && shape[6] == 2);
    /* C order: out[(((((i0*1+i1)*3+i2)*1+i3)*2+i4)*1+i5)*2+i6] = file voxel
     * i0 + 2*(i1 + 1*(i2 + 3*(i3 + 1*(i4 + 2*(i5 + 1*i6))))) */
    int ok = 1;
    for (int i0 = 0; i0 < 2; i0++)
        for (int i2 = 0; i2 < 3; i2++)
            for (int i4 = 0; i4 < 2; i4++)
                for (int i6 = 0; i6 < 2; i6++) {
                    size_t c = (size_t)((i0 * 3 + i2) * 2 + i4) * 2 + i6;
                    size_t fi = (size_t)i0 + 2 * (i2 + 3 * (i4 + 2 * i6));
                    ok &= out[c] == (float)io_nifti_value(&img, fi);
                }
    CHECK(ok);
    free(out);
    io_nifti_free(&img);
    free(f);
}

TEST(dump_layout_3d_and_rgb) {
    hdr_spec s = default_spec(1, 0, NIFTI_RGB24, 24);
    size_t len;
    unsigned char *f = build_file(&s, 24, &len);
    nifti_image img;
    CHECK(io_nifti_parse(f, len, &img) == 0);
    float *out;
    int nd;
    int64_t shape[8];
    CHECK(io_nifti_to_f32(&img, &out, &nd, shape) == 0);
    CHECK(nd == 4 && shape[0] == 4 && shape[1] == 3 && shape[2] == 2 && shape[3] == 3);
    /* voxel (i, j, k) = file index i + 4 j + 12 k; its red byte is (index + 1) & 0xff */
    CHECK(out[((1 * 3 + 2) * 2 + 1) * 3 + 0] == (float)((1 + 4 * 2 + 12 * 1 + 1) & 0xff));
    CHECK(out[((3 * 3 + 0) * 2 + 1) * 3 + 2] == 3.0f);
    float slice[16];
    int h, w;
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 0, slice, &h, &w) == -1); /* RGB has no single value */
    free(out);
    io_nifti_free(&img);
    free(f);
}

TEST(pairs_in_memory_and_on_disk) {
    util_make_dirs(TMP);
    for (int version = 1; version <= 2; version++) {
        hdr_spec s = default_spec(version, version == 1, NIFTI_INT32, 32);
        s.pair = 1;
        s.vox_offset = 0;
        unsigned char hdr[544];
        size_t hlen = build_header(&s, hdr);
        size_t nvox = 24, ilen = nvox * 4;
        unsigned char *data = malloc(ilen);
        for (size_t i = 0; i < nvox; i++) {
            double v;
            put_u(data + 4 * i, 4, sample_bits(NIFTI_INT32, i, &v), s.big);
        }
        nifti_image img;
        CHECK(io_nifti_parse_pair(hdr, hlen, data, ilen, &img) == 0);
        CHECK(img.pair && values_match(&img, &s, nvox));
        io_nifti_free(&img);

        /* on disk: X.hdr + X.img, read by either name; then X.hdr.gz + X.img.gz */
        char hp[128], ip[128];
        snprintf(hp, sizeof hp, TMP "/pair%d.hdr", version);
        snprintf(ip, sizeof ip, TMP "/pair%d.img", version);
        CHECK(write_bytes(hp, hdr, hlen) == 0 && write_bytes(ip, data, ilen) == 0);
        CHECK(io_nifti_read(hp, &img) == 0 && values_match(&img, &s, nvox));
        io_nifti_free(&img);
        CHECK(io_nifti_read(ip, &img) == 0 && values_match(&img, &s, nvox));
        io_nifti_free(&img);
        remove(hp);
        remove(ip);
        size_t zh, zi;
        unsigned char *gh = gzip(hdr, hlen, &zh), *gi = gzip(data, ilen, &zi);
        strcat(hp, ".gz");
        strcat(ip, ".gz");
        CHECK(write_bytes(hp, gh, zh) == 0 && write_bytes(ip, gi, zi) == 0);
        CHECK(io_nifti_read(hp, &img) == 0 && values_match(&img, &s, nvox) && img.gzipped);
        io_nifti_free(&img);
        CHECK(io_nifti_read(ip, &img) == 0 && values_match(&img, &s, nvox));
        io_nifti_free(&img);
        remove(hp);
        /* the partner is missing */
        CHECK(io_nifti_read(ip, &img) == -1 && strstr(samc_errmsg(), "does not exist"));
        remove(ip);
        free(gh), free(gi), free(data);

        /* the pair's data may start past vox_offset bytes of padding */
        s.vox_offset = 16;
        hlen = build_header(&s, hdr);
        size_t len;
        unsigned char *whole = build_file(&s, nvox, &len); /* header bytes then data at 16 */
        memset(whole, 0, 16);
        CHECK(io_nifti_parse_pair(hdr, hlen, whole, 16 + ilen, &img) == 0 && values_match(&img, &s, nvox));
        io_nifti_free(&img);
        free(whole);
    }
}

TEST(single_file_on_disk) {
    util_make_dirs(TMP);
    hdr_spec s = default_spec(1, 0, NIFTI_UINT16, 16);
    size_t len, zlen;
    unsigned char *f = build_file(&s, 24, &len);
    unsigned char *z = gzip(f, len, &zlen);
    CHECK(write_bytes(TMP "/a.nii", f, len) == 0 && write_bytes(TMP "/a.nii.gz", z, zlen) == 0);
    nifti_image img;
    CHECK(io_nifti_read(TMP "/a.nii", &img) == 0 && values_match(&img, &s, 24) && !img.gzipped);
    io_nifti_free(&img);
    CHECK(io_nifti_read(TMP "/a.nii.gz", &img) == 0 && values_match(&img, &s, 24) && img.gzipped);
    io_nifti_free(&img);
    /* the content decides, not the name: gzip data named .nii still reads */
    CHECK(write_bytes(TMP "/b.nii", z, zlen) == 0);
    CHECK(io_nifti_read(TMP "/b.nii", &img) == 0 && values_match(&img, &s, 24));
    io_nifti_free(&img);
    CHECK(io_nifti_read(TMP "/missing.nii", &img) == -1);
    remove(TMP "/a.nii"), remove(TMP "/a.nii.gz"), remove(TMP "/b.nii");
    free(f), free(z);
}

/* ---- orientation ---- */

static int parse_spec(hdr_spec *s, nifti_image *img) {
    size_t len;
    unsigned char *f = build_file(s, (size_t)(s->dim[1] * s->dim[2] * s->dim[3]), &len);
    int rc = io_nifti_parse(f, len, img);
    free(f);
    return rc;
}

TEST(orientation_from_sform_qform_pixdim) {
    nifti_image img;
    /* sform: axis 0 -> -y (P), axis 1 -> +z (S), axis 2 -> +x (R) */
    hdr_spec s = default_spec(1, 0, NIFTI_UINT8, 8);
    s.sform_code = 2;
    double sr[3][4] = {{0, 0, 2.5, 10}, {-0.8, 0, 0, 20}, {0, 0.8, 0, 30}};
    memcpy(s.srow, sr, sizeof sr);
    CHECK(parse_spec(&s, &img) == 0);
    CHECK(!strcmp(img.axcodes, "PSR") && !strcmp(img.affine_source, "sform"));
    CHECK(img.affine[0][2] == 2.5 && img.affine[1][3] == 20);
    io_nifti_free(&img);

    /* qform: 90 degrees about z, quaternion (cos 45, 0, 0, sin 45): R = [[0,-1,0],[1,0,0],[0,0,1]] */
    s = default_spec(2, 1, NIFTI_UINT8, 8);
    s.qform_code = 1;
    s.quatern[2] = sqrt(0.5);
    s.pixdim[1] = 2, s.pixdim[2] = 3, s.pixdim[3] = 4;
    s.qoffset[0] = -5;
    CHECK(parse_spec(&s, &img) == 0);
    CHECK(!strcmp(img.axcodes, "ALS") && !strcmp(img.affine_source, "qform"));
    CHECK_NEAR(img.affine[1][0], 2, 1e-12);  /* axis 0 along +y, 2 mm */
    CHECK_NEAR(img.affine[0][1], -3, 1e-12); /* axis 1 along -x, 3 mm */
    CHECK_NEAR(img.affine[2][2], 4, 1e-12);
    CHECK(img.affine[0][3] == -5);
    io_nifti_free(&img);
    s.pixdim[0] = -1; /* qfac -1 flips the third axis */
    CHECK(parse_spec(&s, &img) == 0);
    CHECK(!strcmp(img.axcodes, "ALI"));
    CHECK_NEAR(img.affine[2][2], -4, 1e-12);
    io_nifti_free(&img);

    /* neither: nibabel's default affine, x flipped, centred: diag(-dx, dy, dz) */
    s = default_spec(1, 0, NIFTI_UINT8, 8);
    s.pixdim[1] = 0.5;
    CHECK(parse_spec(&s, &img) == 0);
    CHECK(!strcmp(img.axcodes, "LAS") && !strcmp(img.affine_source, "pixdim"));
    CHECK(img.affine[0][0] == -0.5 && img.affine[0][3] == 0.75); /* (4-1)/2 * 0.5 */
    CHECK(img.affine[1][3] == -1 && img.affine[2][3] == -0.5);
    io_nifti_free(&img);

    /* oblique by 30 degrees about z: still RAS (cos 30 > sin 30) */
    s = default_spec(1, 0, NIFTI_UINT8, 8);
    s.sform_code = 1;
    double c = cos(M_PI / 6), sn = sin(M_PI / 6);
    double ob[3][4] = {{c, -sn, 0, 0}, {sn, c, 0, 0}, {0, 0, 1, 0}};
    memcpy(s.srow, ob, sizeof ob);
    CHECK(parse_spec(&s, &img) == 0 && !strcmp(img.axcodes, "RAS"));
    io_nifti_free(&img);

    /* a NaN in the sform: the data still reads, slicing refuses */
    s.srow[0][0] = NAN;
    CHECK(parse_spec(&s, &img) == 0 && !strcmp(img.axcodes, "???"));
    float out[64];
    int h, w;
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 0, out, &h, &w) == -1 && strstr(samc_errmsg(), "not finite"));
    io_nifti_free(&img);
}

/* Volume 4 x 3 x 2 with value i + 10 j + 100 k at voxel (i, j, k). */
static void ijk_volume(hdr_spec *s, nifti_image *img) {
    size_t len;
    unsigned char *f = build_file(s, 24, &len);
    CHECK(io_nifti_parse(f, len, img) == 0);
    float *v = img->data;
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 4; i++) v[i + 4 * j + 12 * k] = (float)(i + 10 * j + 100 * k);
    free(f);
}

TEST(slices_ras_volume) {
    hdr_spec s = default_spec(1, 0, NIFTI_FLOAT32, 32);
    s.sform_code = 1;
    double id[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
    memcpy(s.srow, id, sizeof id);
    nifti_image img;
    ijk_volume(&s, &img);
    CHECK(!strcmp(img.axcodes, "RAS"));
    float out[24];
    int h, w;
    int64_t n;
    int ok = 1;
    /* axial k: rows anterior->posterior (j from 2 down), columns right->left (i from 3 down) */
    CHECK(io_nifti_slice_shape(&img, NIFTI_AXIAL, &n, &h, &w) == 0 && n == 2 && h == 3 && w == 4);
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 1, out, &h, &w) == 0 && h == 3 && w == 4);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) ok &= out[r * 4 + c] == (float)((3 - c) + 10 * (2 - r) + 100);
    CHECK(ok);
    /* coronal j: rows superior->inferior (k from 1 down), columns right->left */
    CHECK(io_nifti_slice(&img, NIFTI_CORONAL, 2, out, &h, &w) == 0 && h == 2 && w == 4);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) ok &= out[r * 4 + c] == (float)((3 - c) + 20 + 100 * (1 - r));
    CHECK(ok);
    /* sagittal i: rows superior->inferior, columns anterior->posterior (j from 2 down) */
    CHECK(io_nifti_slice(&img, NIFTI_SAGITTAL, 0, out, &h, &w) == 0 && h == 2 && w == 3);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) ok &= out[r * 3 + c] == (float)(10 * (2 - c) + 100 * (1 - r));
    CHECK(ok);
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 2, out, &h, &w) == -1 && strstr(samc_errmsg(), "out of range"));
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, -1, out, &h, &w) == -1);
    io_nifti_free(&img);
}

TEST(slices_permuted_volume) {
    /* axis 0 -> P, axis 1 -> S, axis 2 -> R (the PSR sform above) */
    hdr_spec s = default_spec(1, 0, NIFTI_FLOAT32, 32);
    s.sform_code = 1;
    double sr[3][4] = {{0, 0, 1, 0}, {-1, 0, 0, 0}, {0, 1, 0, 0}};
    memcpy(s.srow, sr, sizeof sr);
    nifti_image img;
    ijk_volume(&s, &img);
    float out[24];
    int h, w, ok = 1;
    /* axial: normal is axis 1 (S); rows toward P = axis 0 as stored; columns toward L =
     * axis 2 reversed */
    CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 2, out, &h, &w) == 0 && h == 4 && w == 2);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 2; c++) ok &= out[r * 2 + c] == (float)(r + 20 + 100 * (1 - c));
    CHECK(ok);
    /* coronal: normal axis 0; rows toward I = axis 1 reversed; columns toward L = axis 2 reversed */
    CHECK(io_nifti_slice(&img, NIFTI_CORONAL, 3, out, &h, &w) == 0 && h == 3 && w == 2);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 2; c++) ok &= out[r * 2 + c] == (float)(3 + 10 * (2 - r) + 100 * (1 - c));
    CHECK(ok);
    /* sagittal: normal axis 2; rows toward I = axis 1 reversed; columns toward P = axis 0 */
    CHECK(io_nifti_slice(&img, NIFTI_SAGITTAL, 0, out, &h, &w) == 0 && h == 3 && w == 4);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) ok &= out[r * 4 + c] == (float)(c + 10 * (2 - r));
    CHECK(ok);

    /* put_u8 and put_u16 are the inverse: scattering every slice of a label volume rebuilds it */
    uint8_t labels[24], rebuilt[24], sl[24];
    uint16_t labels16[24], rebuilt16[24], sl16[24];
    for (int i = 0; i < 24; i++) labels[i] = (uint8_t)(i * 7 % 5), labels16[i] = (uint16_t)(i * 2711);
    for (int p = 0; p < 3; p++) {
        int64_t n;
        CHECK(io_nifti_slice_shape(&img, (nifti_plane)p, &n, &h, &w) == 0);
        memset(rebuilt, 0xff, sizeof rebuilt);
        memset(rebuilt16, 0xff, sizeof rebuilt16);
        float *v = img.data;
        for (int i = 0; i < 24; i++) v[i] = labels[i] + 256.0f * labels16[i]; /* exact in float32 */
        for (int64_t k = 0; k < n; k++) {
            CHECK(io_nifti_slice(&img, (nifti_plane)p, k, out, &h, &w) == 0);
            for (int q = 0; q < h * w; q++) {
                int64_t x = (int64_t)out[q];
                sl[q] = (uint8_t)(x % 256), sl16[q] = (uint16_t)(x / 256);
            }
            CHECK(io_nifti_slice_put_u8(&img, (nifti_plane)p, k, sl, rebuilt) == 0);
            CHECK(io_nifti_slice_put_u16(&img, (nifti_plane)p, k, sl16, rebuilt16) == 0);
        }
        CHECK(memcmp(rebuilt, labels, 24) == 0);
        CHECK(memcmp(rebuilt16, labels16, sizeof labels16) == 0);
    }
    nifti_plane pl;
    CHECK(io_nifti_plane_parse("coronal", &pl) == 0 && pl == NIFTI_CORONAL);
    CHECK(io_nifti_plane_parse("transverse", &pl) == -1);
    io_nifti_free(&img);
}

/* ---- corrupt input: each rule gives an error naming the problem ---- */

static void expect_error(const unsigned char *f, size_t len, const char *needle) {
    nifti_image img;
    int rc = io_nifti_parse(f, len, &img);
    if (rc == 0) io_nifti_free(&img);
    CHECK(failed_with(rc, needle));
    /* the same through gzip */
    size_t zlen;
    unsigned char *z = gzip(f, len, &zlen);
    rc = io_nifti_parse(z, zlen, &img);
    if (rc == 0) io_nifti_free(&img);
    CHECK(failed_with(rc, needle));
    free(z);
}

static void expect_spec_error(hdr_spec *s, size_t nvox, const char *needle) {
    size_t len;
    unsigned char *f = build_file(s, nvox, &len);
    expect_error(f, len, needle);
    free(f);
}

TEST(rejects_truncated_files) {
    hdr_spec s = default_spec(1, 0, NIFTI_INT16, 16);
    size_t len;
    unsigned char *f = build_file(&s, 24, &len);
    expect_error(f, 2, "too short");
    expect_error(f, 200, "truncated NIfTI-1 header");
    expect_error(f, len - 1, "truncated");
    free(f);
    s = default_spec(2, 1, NIFTI_INT16, 16);
    f = build_file(&s, 24, &len);
    expect_error(f, 500, "truncated NIfTI-2 header");
    expect_error(f, len - 2, "truncated");
    free(f);
}

TEST(rejects_bad_gzip) {
    hdr_spec s = default_spec(1, 0, NIFTI_FLOAT64, 64);
    size_t len, zlen;
    unsigned char *f = build_file(&s, 24, &len);
    unsigned char *z = gzip(f, len, &zlen);
    nifti_image img;
    /* cut inside the deflate data, and just before the CRC/length trailer */
    CHECK(io_nifti_parse(z, zlen / 2, &img) == -1 && strstr(samc_errmsg(), "gzip"));
    CHECK(io_nifti_parse(z, zlen - 4, &img) == -1 && strstr(samc_errmsg(), "truncated"));
    /* a damaged CRC */
    z[zlen - 6] ^= 0x55;
    CHECK(io_nifti_parse(z, zlen, &img) == -1 && strstr(samc_errmsg(), "gzip stream is corrupt"));
    z[zlen - 6] ^= 0x55;
    /* a damaged deflate block header right after the 10-byte gzip header */
    z[10] = 0xff;
    CHECK(io_nifti_parse(z, zlen, &img) == -1 && strstr(samc_errmsg(), "gzip"));
    /* nothing but the magic */
    CHECK(io_nifti_parse(z, 2, &img) == -1);
    free(f), free(z);
}

TEST(rejects_bad_dims) {
    hdr_spec s = default_spec(1, 0, NIFTI_UINT8, 8);
    s.dim[0] = 0;
    expect_spec_error(&s, 24, "dim[0] = 0");
    s.dim[0] = 8;
    expect_spec_error(&s, 24, "dim[0] = 8");
    s = default_spec(2, 0, NIFTI_UINT8, 8);
    s.dim[0] = (int64_t)1 << 31;
    expect_spec_error(&s, 24, "dim[0] = 2147483648");
    s = default_spec(1, 1, NIFTI_UINT8, 8);
    s.dim[2] = 0;
    expect_spec_error(&s, 24, "dim[2] = 0");
    s.dim[2] = -5;
    expect_spec_error(&s, 24, "dim[2] = -5");
    s = default_spec(2, 0, NIFTI_UINT8, 8);
    s.dim[3] = (int64_t)1 << 31;
    expect_spec_error(&s, 24, "dim[3] = 2147483648 is too large");
    s.dim[3] = -((int64_t)1 << 40);
    expect_spec_error(&s, 24, "at least 1");
    /* each dim legal, the product overflows 64 bits */
    s = default_spec(2, 0, NIFTI_UINT64, 64);
    s.dim[0] = 4;
    for (int i = 1; i <= 4; i++) s.dim[i] = INT32_MAX;
    expect_spec_error(&s, 24, "more than 8 GiB");
    /* the product fits but is far over the 8 GiB limit */
    s = default_spec(1, 0, NIFTI_INT16, 16);
    s.dim[1] = s.dim[2] = s.dim[3] = 32767;
    expect_spec_error(&s, 24, "more than 8 GiB");
}

TEST(rejects_bad_offsets_types_and_magic) {
    hdr_spec s = default_spec(1, 0, NIFTI_UINT8, 8);
    size_t len;
    unsigned char *f = build_file(&s, 24, &len);
    /* vox_offset past the end: data promised at 4096 in a 376-byte file */
    hdr_spec t = s;
    t.vox_offset = 4096;
    build_header(&t, f);
    expect_error(f, len, "past the end");
    t.vox_offset = 100;
    build_header(&t, f);
    expect_error(f, len, "inside the 348-byte header");
    t.vox_offset = 352.5;
    build_header(&t, f);
    expect_error(f, len, "not a valid byte offset");
    t.vox_offset = -16;
    build_header(&t, f);
    expect_error(f, len, "not a valid byte offset");
    /* unknown and unsupported datatypes */
    t = s;
    t.datatype = 3;
    build_header(&t, f);
    expect_error(f, len, "unsupported datatype 3");
    t.datatype = 32;
    build_header(&t, f);
    expect_error(f, len, "complex64");
    /* magic and sizeof_hdr */
    build_header(&s, f);
    memcpy(f + 344, "abc", 4);
    expect_error(f, len, "no n+1/ni1 magic");
    build_header(&s, f);
    f[0] = 100;
    expect_error(f, len, "sizeof_hdr");
    /* a pair header handed over as a single file, and the other way round */
    t = s;
    t.pair = 1;
    build_header(&t, f);
    expect_error(f, len, ".hdr/.img pair");
    build_header(&s, f);
    nifti_image img;
    CHECK(io_nifti_parse_pair(f, len, f, len, &img) == -1 && strstr(samc_errmsg(), "same file"));
    free(f);
    /* NIfTI-2: mangled end-of-line check bytes, and a negative vox_offset */
    s = default_spec(2, 0, NIFTI_UINT8, 8);
    f = build_file(&s, 24, &len);
    f[8] = '\n'; /* \r\n turned into \n\n */
    expect_error(f, len, "text-mode");
    free(f);
    s.vox_offset = -8;
    expect_spec_error(&s, 24, "not a valid byte offset");
}

TEST(gzip_liar_is_refused_without_a_huge_allocation) {
    /* a header declaring 65536 x 65536 uint8 (4 GiB, within the limit) followed by only
     * 1 KiB: the reader must report truncation after inflating what is there */
    hdr_spec s = default_spec(2, 0, NIFTI_UINT8, 8);
    s.dim[0] = 2, s.dim[1] = 65536, s.dim[2] = 65536;
    unsigned char f[544 + 1024];
    memset(f, 7, sizeof f);
    build_header(&s, f);
    memset(f + 540, 0, 4);
    size_t zlen;
    unsigned char *z = gzip(f, sizeof f, &zlen);
    nifti_image img;
    CHECK(io_nifti_parse(z, zlen, &img) == -1 && strstr(samc_errmsg(), "truncated"));
    free(z);
}

/* ---- the label writer ---- */

TEST(writer_round_trip_keeps_geometry) {
    util_make_dirs(TMP);
    /* a NIfTI-2 big-endian source with a qform and an sform */
    hdr_spec s = default_spec(2, 1, NIFTI_FLOAT32, 32);
    s.qform_code = 1, s.sform_code = 4;
    s.quatern[0] = 0.25, s.quatern[1] = -0.5, s.quatern[2] = 0.125;
    s.qoffset[0] = -90.5, s.qoffset[1] = 12.25, s.qoffset[2] = 3;
    s.pixdim[0] = -1, s.pixdim[1] = 0.75, s.pixdim[2] = 1.25, s.pixdim[3] = 3;
    double sr[3][4] = {{0, 0, -3, 40}, {0.75, 0, 0, -20.5}, {0, 1.25, 0, 7}};
    memcpy(s.srow, sr, sizeof sr);
    s.xyzt_units = 2 | 8;
    nifti_image src;
    CHECK(parse_spec(&s, &src) == 0);
    uint8_t lab8[24];
    int16_t lab16[24];
    uint16_t labu16[24]; /* above 32767 too: read back unsigned */
    for (int i = 0; i < 24; i++)
        lab8[i] = (uint8_t)(i % 3), lab16[i] = (int16_t)(i * 1000 - 9000), labu16[i] = (uint16_t)(i * 2849);
    const char *paths[2] = {TMP "/labels.nii", TMP "/labels.nii.gz"};
    const int types[3] = {NIFTI_UINT8, NIFTI_INT16, NIFTI_UINT16};
    const void *labs[3] = {lab8, lab16, labu16};
    for (int p = 0; p < 2; p++)
        for (int t = 0; t < 3; t++) {
            int dt = types[t];
            CHECK(io_nifti_write_labels(paths[p], &src, dt, labs[t]) == 0);
            nifti_image back;
            CHECK(io_nifti_read(paths[p], &back) == 0);
            CHECK(back.version == 1 && back.datatype == dt && back.gzipped == p);
            CHECK(back.ndim == 3 && back.dim[1] == 4 && back.dim[2] == 3 && back.dim[3] == 2);
            CHECK(back.qform_code == 1 && back.sform_code == 4 && back.xyzt_units == (2 | 8));
            CHECK(back.pixdim[0] == -1 && back.pixdim[1] == 0.75 && back.pixdim[2] == 1.25 && back.pixdim[3] == 3);
            /* every value above is exact in float32, so the geometry comes back bit for bit */
            CHECK(memcmp(back.srow, src.srow, sizeof src.srow) == 0);
            CHECK(memcmp(back.affine, src.affine, sizeof src.affine) == 0);
            CHECK(back.quatern[1] == -0.5 && back.qoffset[0] == -90.5);
            CHECK(!strcmp(back.axcodes, src.axcodes));
            int ok = 1;
            for (int i = 0; i < 24; i++)
                ok &= io_nifti_value(&back, (size_t)i) == (t == 2 ? labu16[i] : t ? lab16[i] : lab8[i]);
            CHECK(ok);
            io_nifti_free(&back);
            remove(paths[p]);
        }
    /* refused: another extension, another datatype, a folder that does not exist */
    CHECK(io_nifti_write_labels(TMP "/labels.img", &src, NIFTI_UINT8, lab8) == -1);
    CHECK(io_nifti_write_labels(TMP "/labels.nii", &src, NIFTI_FLOAT32, lab8) == -1);
    CHECK(io_nifti_write_labels(TMP "/no/such/dir/l.nii", &src, NIFTI_UINT8, lab8) == -1);
    FILE *fp = fopen(TMP "/labels.nii", "rb");
    CHECK(fp == NULL); /* nothing half-written */
    if (fp) fclose(fp);
    io_nifti_free(&src);
}

/* ---- the nibabel-written fixtures ----
 * Reference numbers printed once by nibabel 5.0 (Debian python3-nibabel) for these files:
 * img.shape, img.affine, aff2axcodes, get_fdata() voxels and sums, and display slices cut
 * from get_fdata() with numpy following io/nifti.h's convention (e.g. axial k of this RAS
 * volume = d[:, :, k].T[::-1, ::-1]). */

#define CT "test/fixtures/sam-demo/data/volume/ct_phantom.nii.gz"
#define CT_LABELS "test/fixtures/sam-demo/data/volume/ct_phantom_labels.nii.gz"

static void weighted_sums(const float *v, int h, int w, double out[3]) {
    out[0] = out[1] = out[2] = 0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            double x = v[(size_t)r * w + c];
            out[0] += x, out[1] += x * r, out[2] += x * c;
        }
}

TEST(fixture_matches_nibabel) {
    static const struct {
        const char *path;
        int datatype;
        double sum, wi, wj, wk; /* sum of d, and of d*i, d*j, d*k (0-based voxel indices) */
        double v_80_72_12, v_100_50_3;
        double axial12[3], coronal70[3], sagittal60[3]; /* sum, sum*row, sum*col */
    } k[2] = {
        {CT, NIFTI_INT16, -229275093.0, -18081095712.0, -16237523958.0, -2636610974.0, 79.0, 40.0,
         {-9482972.0, -684177335.0, -759674596.0}, {-403091.0, -4653002.0, -33076237.0},
         {-614299.0, -7078480.0, -45265593.0}},
        {CT_LABELS, NIFTI_UINT8, 33089.0, 2207550.0, 2266850.0, 387192.0, 1.0, 0.0, {2973.0, 223409.0, 265617.0},
         {831.0, 9141.0, 82269.0}, {693.0, 7623.0, 50589.0}},
    };
    for (int f = 0; f < 2; f++) {
        nifti_image img;
        CHECK(io_nifti_read(k[f].path, &img) == 0);
        if (!img.data) continue;
        CHECK(img.version == 1 && img.gzipped && img.datatype == k[f].datatype && !img.swapped);
        CHECK(img.ndim == 3 && img.dim[1] == 160 && img.dim[2] == 144 && img.dim[3] == 24);
        CHECK(img.scaled && img.scl_slope == 1 && img.scl_inter == 0); /* stored 1/0 */
        CHECK(img.vox_offset == 352 && img.sform_code == 2 && img.qform_code == 0);
        CHECK(!strcmp(img.affine_source, "sform") && !strcmp(img.axcodes, "RAS"));
        CHECK(img.affine[0][0] == (double)0.8f && img.affine[1][1] == (double)0.8f && img.affine[2][2] == 2.5);
        CHECK(img.affine[0][1] == 0 && img.affine[0][3] == 0 && img.affine[2][3] == 0);

        /* samc dump's array: C order, shape (160, 144, 24) */
        float *d;
        int nd;
        int64_t shape[8];
        CHECK(io_nifti_to_f32(&img, &d, &nd, shape) == 0);
        CHECK(nd == 3 && shape[0] == 160 && shape[1] == 144 && shape[2] == 24);
        double sum = 0, wi = 0, wj = 0, wk = 0;
        for (int i = 0; i < 160; i++)
            for (int j = 0; j < 144; j++)
                for (int kk = 0; kk < 24; kk++) {
                    double x = d[((size_t)i * 144 + j) * 24 + kk];
                    sum += x, wi += x * i, wj += x * j, wk += x * kk;
                }
        CHECK(sum == k[f].sum && wi == k[f].wi && wj == k[f].wj && wk == k[f].wk);
        CHECK(d[((size_t)80 * 144 + 72) * 24 + 12] == k[f].v_80_72_12);
        CHECK(d[((size_t)100 * 144 + 50) * 24 + 3] == k[f].v_100_50_3);
        free(d);

        float s[160 * 144];
        int h, w;
        double ws[3];
        CHECK(io_nifti_slice(&img, NIFTI_AXIAL, 12, s, &h, &w) == 0 && h == 144 && w == 160);
        weighted_sums(s, h, w, ws);
        CHECK(ws[0] == k[f].axial12[0] && ws[1] == k[f].axial12[1] && ws[2] == k[f].axial12[2]);
        CHECK(io_nifti_slice(&img, NIFTI_CORONAL, 70, s, &h, &w) == 0 && h == 24 && w == 160);
        weighted_sums(s, h, w, ws);
        CHECK(ws[0] == k[f].coronal70[0] && ws[1] == k[f].coronal70[1] && ws[2] == k[f].coronal70[2]);
        CHECK(io_nifti_slice(&img, NIFTI_SAGITTAL, 60, s, &h, &w) == 0 && h == 24 && w == 144);
        weighted_sums(s, h, w, ws);
        CHECK(ws[0] == k[f].sagittal60[0] && ws[1] == k[f].sagittal60[1] && ws[2] == k[f].sagittal60[2]);
        io_nifti_free(&img);
    }
}

TEST(fixture_labels_written_over_their_image) {
    nifti_image ct, lab, back;
    CHECK(io_nifti_read(CT, &ct) == 0 && io_nifti_read(CT_LABELS, &lab) == 0);
    if (ct.data && lab.data) {
        util_make_dirs(TMP);
        CHECK(io_nifti_write_labels(TMP "/ct_labels.nii.gz", &ct, NIFTI_UINT8, lab.data) == 0);
        CHECK(io_nifti_read(TMP "/ct_labels.nii.gz", &back) == 0);
        CHECK(memcmp(back.affine, ct.affine, sizeof ct.affine) == 0 && !strcmp(back.axcodes, "RAS"));
        CHECK(back.nvox == lab.nvox && memcmp(back.data, lab.data, lab.nvox) == 0);
        io_nifti_free(&back);
        remove(TMP "/ct_labels.nii.gz");
    }
    io_nifti_free(&ct);
    io_nifti_free(&lab);
}

int main(void) {
    RUN(every_version_order_and_datatype);
    RUN(gzip_single_file_every_datatype);
    RUN(gzip_multi_member_and_trailing_data);
    RUN(scaling);
    RUN(seven_dimensions);
    RUN(dump_layout_3d_and_rgb);
    RUN(pairs_in_memory_and_on_disk);
    RUN(single_file_on_disk);
    RUN(orientation_from_sform_qform_pixdim);
    RUN(slices_ras_volume);
    RUN(slices_permuted_volume);
    RUN(rejects_truncated_files);
    RUN(rejects_bad_gzip);
    RUN(rejects_bad_dims);
    RUN(rejects_bad_offsets_types_and_magic);
    RUN(gzip_liar_is_refused_without_a_huge_allocation);
    RUN(writer_round_trip_keeps_geometry);
    RUN(fixture_matches_nibabel);
    RUN(fixture_labels_written_over_their_image);
    return check_summary();
}
