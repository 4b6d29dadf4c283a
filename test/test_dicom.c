/* io/dicom: data sets built byte by byte here (every supported syntax, sequences of both
 * length forms, icon images, UN, 1-bit, Bits Stored, colour layouts, enhanced multi-frame),
 * geometry checked against hand-derived affines (and the qform written for it read back),
 * series folders built in a scratch folder, every corrupt-input rule, and the pydicom test
 * files in test/fixtures/dicom against values pydicom 2.3.1 reported for them. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "files.h"
#include "io/dicom.h"
#include "io/nifti.h"
#include "util/err.h"

#define FX "test/fixtures/dicom/"

/* ---- building data sets ---- */

typedef struct {
    unsigned char p[1 << 16];
    size_t n;
    int explicit_vr, big;
} dbuf;

static void put(dbuf *b, const void *v, size_t n) {
    memcpy(b->p + b->n, v, n);
    b->n += n;
}
static void put16(dbuf *b, unsigned v) {
    unsigned char c[2] = {(unsigned char)(b->big ? v >> 8 : v), (unsigned char)(b->big ? v : v >> 8)};
    put(b, c, 2);
}
static void put32(dbuf *b, uint32_t v) {
    put16(b, b->big ? v >> 16 : v & 0xffff);
    put16(b, b->big ? v & 0xffff : v >> 16);
}
static int is_long(const char *vr) { return strstr("OB OD OF OL OV OW SQ UC UN UR UT", vr) != NULL; }

/* An element header (len 0xffffffff: undefined); returns where its length is, for patching. */
static size_t header(dbuf *b, unsigned g, unsigned e, const char *vr, uint32_t len) {
    put16(b, g);
    put16(b, e);
    size_t at;
    if (!b->explicit_vr || g == 0xfffe) {
        at = b->n;
        put32(b, len);
    } else if (is_long(vr)) {
        put(b, vr, 2);
        put16(b, 0);
        at = b->n;
        put32(b, len);
    } else {
        put(b, vr, 2);
        at = b->n;
        put16(b, len);
    }
    return at;
}
static void elem(dbuf *b, unsigned g, unsigned e, const char *vr, const void *v, size_t n) {
    header(b, g, e, vr, (uint32_t)n);
    put(b, v, n);
}
/* a text value, padded to even length */
static void text(dbuf *b, unsigned g, unsigned e, const char *vr, const char *s) {
    size_t n = strlen(s);
    header(b, g, e, vr, (uint32_t)(n + n % 2));
    put(b, s, n);
    if (n % 2) put(b, strcmp(vr, "UI") ? " " : "", 1);
}
static void us(dbuf *b, unsigned g, unsigned e, unsigned v) {
    header(b, g, e, "US", 2);
    put16(b, v);
}
static void patch32(dbuf *b, size_t at, uint32_t v) {
    size_t n = b->n;
    b->n = at;
    put32(b, v);
    b->n = n;
}

/* The image attributes of a grey rows x cols x frames image. */
static void image_attrs(dbuf *b, int rows, int cols, int frames, int bits, int stored, int sign) {
    us(b, 0x0028, 0x0002, 1);
    text(b, 0x0028, 0x0004, "CS", "MONOCHROME2");
    if (frames > 1) {
        char s[16];
        snprintf(s, sizeof s, "%d", frames);
        text(b, 0x0028, 0x0008, "IS", s);
    }
    us(b, 0x0028, 0x0010, (unsigned)rows);
    us(b, 0x0028, 0x0011, (unsigned)cols);
    us(b, 0x0028, 0x0100, (unsigned)bits);
    us(b, 0x0028, 0x0101, (unsigned)stored);
    us(b, 0x0028, 0x0102, (unsigned)stored - 1);
    us(b, 0x0028, 0x0103, (unsigned)sign);
}
/* 16-bit pixel data in the data set's byte order */
static void pixels16(dbuf *b, const uint16_t *v, size_t n) {
    header(b, 0x7fe0, 0x0010, "OW", (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++) put16(b, v[i]);
}

/* A Part 10 preamble and file meta group naming syntax uid; b continues in that syntax. */
static void part10(dbuf *b, const char *uid, int explicit_vr, int big) {
    memset(b, 0, sizeof *b);
    memcpy(b->p + 128, "DICM", 4);
    b->n = 132;
    b->explicit_vr = 1;
    size_t at = b->n;
    header(b, 0x0002, 0x0000, "UL", 4);
    put32(b, 0);
    size_t start = b->n;
    text(b, 0x0002, 0x0010, "UI", uid);
    size_t n = b->n;
    b->n = at + 8;
    put32(b, (uint32_t)(n - start));
    b->n = n;
    b->explicit_vr = explicit_vr;
    b->big = big;
}
static void bare(dbuf *b, int explicit_vr, int big) {
    memset(b, 0, sizeof *b);
    b->explicit_vr = explicit_vr;
    b->big = big;
}

static int parse(const dbuf *b, nifti_image *img, dicom_info *info) {
    util_err_clear();
    return io_dicom_parse(b->p, b->n, img, info);
}

/* ---- syntaxes and samples ---- */

static const uint16_t k_px[6] = {1, 2, 3, 400, 500, 65535};

TEST(implicit_without_meta) {
    dbuf b;
    bare(&b, 0, 0);
    text(&b, 0x0008, 0x0060, "CS", "CT");
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    pixels16(&b, k_px, 6);
    CHECK(io_dicom_is_dicom(b.p, b.n));
    nifti_image img;
    dicom_info in;
    CHECK(parse(&b, &img, &in) == 0);
    CHECK(!in.has_meta && !strcmp(in.transfer_syntax, "1.2.840.10008.1.2") && !strcmp(in.modality, "CT"));
    CHECK(img.ndim == 3 && img.dim[1] == 3 && img.dim[2] == 2 && img.dim[3] == 1);
    CHECK(img.datatype == NIFTI_UINT16 && !img.scaled);
    /* DICOM's pixel order (column fastest) is the volume's order */
    for (size_t i = 0; i < 6; i++) CHECK(io_nifti_value(&img, i) == k_px[i]);
    float *f;
    int nd;
    int64_t shape[8];
    CHECK(io_nifti_to_f32(&img, &f, &nd, shape) == 0);
    CHECK(nd == 3 && shape[0] == 3 && shape[1] == 2 && shape[2] == 1);
    CHECK(f[1 * 2 + 1] == 500); /* D[1, 1, 0] = pixel (row 1, column 1) */
    CHECK(f[2 * 2 + 0] == 3);   /* D[2, 0, 0] = pixel (row 0, column 2) */
    free(f);
    io_nifti_free(&img);
}

/* The same samples in each syntax, with a rescale. */
TEST(every_syntax) {
    static const struct {
        const char *uid;
        int explicit_vr, big, meta;
    } k[] = {{"1.2.840.10008.1.2", 0, 0, 1},   {"1.2.840.10008.1.2.1", 1, 0, 1}, {"1.2.840.10008.1.2.2", 1, 1, 1},
             {"", 1, 0, 0},                    {"", 1, 1, 0}};
    for (size_t t = 0; t < sizeof k / sizeof k[0]; t++) {
        dbuf b;
        if (k[t].meta) part10(&b, k[t].uid, k[t].explicit_vr, k[t].big);
        else bare(&b, k[t].explicit_vr, k[t].big);
        text(&b, 0x0008, 0x0005, "CS", "ISO_IR 100");
        image_attrs(&b, 2, 3, 1, 16, 16, 1);
        text(&b, 0x0028, 0x1052, "DS", "-1024 ");
        text(&b, 0x0028, 0x1053, "DS", "0.5");
        pixels16(&b, k_px, 6);
        nifti_image img;
        dicom_info in;
        CHECK_MSG(parse(&b, &img, &in) == 0, "syntax %zu: %s", t, samc_errmsg());
        if (img.data) {
            CHECK(img.datatype == NIFTI_INT16 && img.scaled && in.has_rescale);
            CHECK(io_nifti_value(&img, 3) == 400 * 0.5 - 1024);
            CHECK(io_nifti_value(&img, 5) == -1 * 0.5 - 1024); /* 65535 as signed */
            CHECK(k[t].meta || !strcmp(in.transfer_syntax, k[t].big ? "1.2.840.10008.1.2.2" : "1.2.840.10008.1.2.1"));
        }
        io_nifti_free(&img);
    }
}

/* Only the Bits Stored low bits count; signed values are sign-extended from the high bit. */
TEST(bits_stored) {
    static const uint16_t raw[4] = {0xF7FF, 0x0800, 0xFFFF, 0x1234};
    for (int sign = 0; sign < 2; sign++) {
        dbuf b;
        bare(&b, 1, 0);
        text(&b, 0x0008, 0x0060, "CS", "MR");
        image_attrs(&b, 2, 2, 1, 16, 12, sign);
        pixels16(&b, raw, 4);
        nifti_image img;
        CHECK(parse(&b, &img, NULL) == 0);
        double want[2][4] = {{0x7FF, 0x800, 0xFFF, 0x234}, {2047, -2048, -1, 0x234}};
        for (int i = 0; i < 4; i++) CHECK(io_nifti_value(&img, (size_t)i) == want[sign][i]);
        io_nifti_free(&img);
    }
}

TEST(one_bit) {
    dbuf b;
    bare(&b, 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "SEG");
    image_attrs(&b, 3, 3, 1, 1, 1, 0);
    const unsigned char bits[2] = {0xB5, 0x01}; /* 1 0 1 0 1 1 0 1, then 1: the first pixel lowest */
    elem(&b, 0x7fe0, 0x0010, "OB", bits, 2);
    nifti_image img;
    CHECK(parse(&b, &img, NULL) == 0);
    const int want[9] = {1, 0, 1, 0, 1, 1, 0, 1, 1};
    CHECK(img.datatype == NIFTI_UINT8);
    for (int i = 0; i < 9 && img.data; i++) CHECK(io_nifti_value(&img, (size_t)i) == want[i]);
    io_nifti_free(&img);
}

static void colour_attrs(dbuf *b, const char *pi, int planar, int rows, int cols) {
    us(b, 0x0028, 0x0002, 3);
    text(b, 0x0028, 0x0004, "CS", pi);
    us(b, 0x0028, 0x0006, (unsigned)planar);
    us(b, 0x0028, 0x0010, (unsigned)rows);
    us(b, 0x0028, 0x0011, (unsigned)cols);
    us(b, 0x0028, 0x0100, 8);
    us(b, 0x0028, 0x0101, 8);
    us(b, 0x0028, 0x0103, 0);
}

TEST(colour_layouts) {
    /* 2 pixels: planar 1 stores R R G G B B */
    dbuf b;
    bare(&b, 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "OT");
    colour_attrs(&b, "RGB", 1, 1, 2);
    const unsigned char planar[6] = {10, 11, 20, 21, 30, 31};
    elem(&b, 0x7fe0, 0x0010, "OB", planar, 6);
    nifti_image img;
    CHECK(parse(&b, &img, NULL) == 0);
    const unsigned char want[6] = {10, 20, 30, 11, 21, 31};
    CHECK(img.datatype == NIFTI_RGB24 && img.data && !memcmp(img.data, want, 6));
    io_nifti_free(&img);
    /* YBR_FULL: Y Cb Cr 128 128 128 is grey 128; 0 128 255 is R = 127 * 1.402 -> 178, G < 0 -> 0 */
    bare(&b, 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "OT");
    colour_attrs(&b, "YBR_FULL", 0, 1, 2);
    const unsigned char ybr[6] = {128, 128, 128, 0, 128, 255};
    elem(&b, 0x7fe0, 0x0010, "OB", ybr, 6);
    CHECK(parse(&b, &img, NULL) == 0);
    const unsigned char rgb[6] = {128, 128, 128, 178, 0, 0};
    CHECK(img.data && !memcmp(img.data, rgb, 6));
    io_nifti_free(&img);
    /* YBR_FULL_422: Y1 Y2 Cb Cr for two pixels */
    bare(&b, 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "OT");
    colour_attrs(&b, "YBR_FULL_422", 0, 1, 2);
    const unsigned char y422[4] = {128, 0, 128, 255};
    elem(&b, 0x7fe0, 0x0010, "OB", y422, 4);
    CHECK(parse(&b, &img, NULL) == 0);
    const unsigned char rgb422[6] = {255, 37, 128, 178, 0, 0}; /* 128 + 127 * 1.402 > 255; 128 - 127 * 0.714 */
    CHECK(img.data && !memcmp(img.data, rgb422, 6));
    io_nifti_free(&img);
    /* refused: odd columns for 422, PALETTE COLOR, 16-bit colour */
    bare(&b, 1, 0);
    colour_attrs(&b, "YBR_FULL_422", 0, 1, 3);
    elem(&b, 0x7fe0, 0x0010, "OB", y422, 4);
    CHECK(failed_with(parse(&b, &img, NULL), "even number of columns"));
    bare(&b, 1, 0);
    image_attrs(&b, 1, 2, 1, 16, 16, 0);
    text(&b, 0x0028, 0x0004, "CS", "PALETTE COLOR");
    pixels16(&b, k_px, 2);
    CHECK(failed_with(parse(&b, &img, NULL), "PALETTE COLOR is not supported"));
}

/* ---- sequences ---- */

/* Attributes inside sequences are not the image's: an icon image of undefined length with
 * its own Rows, Columns and Pixel Data; a defined-length sequence holding an undefined one;
 * UN of undefined length (its content implicit VR); empty items and sequences. */
TEST(sequences) {
    for (int big = 0; big < 2; big++) {
        dbuf b;
        part10(&b, big ? "1.2.840.10008.1.2.2" : "1.2.840.10008.1.2.1", 1, big);
        text(&b, 0x0008, 0x0060, "CS", "CT");
        header(&b, 0x0008, 0x1140, "SQ", 0); /* empty, defined */
        size_t outer = header(&b, 0x0008, 0x1115, "SQ", 0);
        size_t start = b.n;
        size_t item = header(&b, 0xfffe, 0xe000, "", 0);
        size_t item_start = b.n;
        header(&b, 0x0008, 0x1199, "SQ", UINT32_MAX);
        header(&b, 0xfffe, 0xe000, "", UINT32_MAX);
        us(&b, 0x0028, 0x0010, 77);
        header(&b, 0xfffe, 0xe00d, "", 0);
        header(&b, 0xfffe, 0xe000, "", 0); /* an empty item */
        header(&b, 0xfffe, 0xe0dd, "", 0);
        patch32(&b, item, (uint32_t)(b.n - item_start));
        patch32(&b, outer, (uint32_t)(b.n - start));
        /* UN of undefined length: implicit VR little endian inside, whatever the syntax */
        header(&b, 0x0009, 0x1010, "UN", UINT32_MAX);
        int was_big = b.big;
        b.explicit_vr = 0, b.big = 0;
        header(&b, 0xfffe, 0xe000, "", UINT32_MAX);
        us(&b, 0x0028, 0x0011, 66);
        header(&b, 0xfffe, 0xe00d, "", 0);
        header(&b, 0xfffe, 0xe0dd, "", 0);
        b.explicit_vr = 1, b.big = was_big;
        image_attrs(&b, 2, 3, 1, 16, 16, 0);
        /* the icon image comes after (0028,xxxx): group 0088 */
        header(&b, 0x0088, 0x0200, "SQ", UINT32_MAX);
        header(&b, 0xfffe, 0xe000, "", UINT32_MAX);
        us(&b, 0x0028, 0x0010, 1);
        us(&b, 0x0028, 0x0011, 1);
        const unsigned char icon[2] = {9, 9};
        elem(&b, 0x7fe0, 0x0010, "OB", icon, 2);
        header(&b, 0xfffe, 0xe00d, "", 0);
        header(&b, 0xfffe, 0xe0dd, "", 0);
        pixels16(&b, k_px, 6);
        nifti_image img;
        CHECK_MSG(parse(&b, &img, NULL) == 0, "%s", samc_errmsg());
        CHECK(img.dim[1] == 3 && img.dim[2] == 2 && img.data && io_nifti_value(&img, 4) == 500);
        io_nifti_free(&img);
        /* and every prefix of it is refused or read, never a crash (ASan) */
        for (size_t n = 0; n < b.n; n++) {
            nifti_image cut;
            if (io_dicom_parse(b.p, n, &cut, NULL) == 0) io_nifti_free(&cut);
            else CHECK(samc_errmsg()[0] != 0);
        }
    }
}

/* ---- geometry ---- */

/* An oblique plane: row (0.8, 0.6, 0), column (-0.6, 0.8, 0) LPS, 2 mm between rows, 3 mm
 * between columns, 4 mm thick, at (10, 20, 30). By hand, in RAS (x and y negated): axis 0 =
 * row * 3 = (-2.4, -1.8, 0), axis 1 = column * 2 = (1.2, -1.6, 0), axis 2 = (0, 0, 4), origin
 * (-10, -20, 30). */
TEST(affine_and_qform) {
    dbuf b;
    bare(&b, 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "MR");
    text(&b, 0x0018, 0x0050, "DS", "4");
    text(&b, 0x0020, 0x0032, "DS", "10\\20\\30");
    text(&b, 0x0020, 0x0037, "DS", "0.8\\0.6\\0\\-0.6\\0.8\\0");
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    text(&b, 0x0028, 0x0030, "DS", "2\\3");
    pixels16(&b, k_px, 6);
    nifti_image img;
    dicom_info in;
    CHECK(parse(&b, &img, &in) == 0);
    const double want[3][4] = {{-2.4, 1.2, 0, -10}, {-1.8, -1.6, 0, -20}, {0, 0, 4, 30}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) CHECK_NEAR(img.affine[i][j], want[i][j], 1e-12);
    CHECK(img.sform_code == 1 && img.qform_code == 1 && !strcmp(img.affine_source, "sform"));
    CHECK(!strcmp(img.axcodes, "LPS"));
    CHECK(in.slice_spacing == 4 && !strcmp(in.spacing_source, "Slice Thickness"));
    /* the label volume's qform, read back without the sform, gives the same affine */
    scratch_open("dicom");
    CHECK(io_nifti_write_labels(tmp_path("lab.nii"), &img, NIFTI_UINT8, (uint8_t[6]){0}) == 0);
    size_t n;
    uint8_t *file = read_bytes(tmp_path("lab.nii"), &n);
    CHECK(file && n > 348);
    if (file) {
        file[254] = file[255] = 0; /* sform_code 0 */
        nifti_image q;
        CHECK(io_nifti_parse(file, n, &q) == 0 && !strcmp(q.affine_source, "qform"));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) CHECK_NEAR(q.affine[i][j], want[i][j], 1e-5);
        io_nifti_free(&q);
    }
    free(file);
    remove(tmp_path("lab.nii"));
    scratch_close();
    io_nifti_free(&img);
}

/* Frames of an enhanced image: positions per frame (here going down z), the orientation and
 * spacing in the shared functional groups; unevenly placed frames are refused. */
static void enhanced(dbuf *b, const char *const *positions, int n) {
    bare(b, 1, 0);
    text(b, 0x0008, 0x0060, "CS", "CT");
    image_attrs(b, 1, 2, n, 16, 16, 0);
    header(b, 0x5200, 0x9229, "SQ", UINT32_MAX);
    header(b, 0xfffe, 0xe000, "", UINT32_MAX);
    header(b, 0x0020, 0x9116, "SQ", UINT32_MAX);
    header(b, 0xfffe, 0xe000, "", UINT32_MAX);
    text(b, 0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
    header(b, 0xfffe, 0xe00d, "", 0);
    header(b, 0xfffe, 0xe0dd, "", 0);
    header(b, 0x0028, 0x9110, "SQ", UINT32_MAX);
    header(b, 0xfffe, 0xe000, "", UINT32_MAX);
    text(b, 0x0028, 0x0030, "DS", "0.5\\0.5");
    header(b, 0xfffe, 0xe00d, "", 0);
    header(b, 0xfffe, 0xe0dd, "", 0);
    header(b, 0xfffe, 0xe00d, "", 0);
    header(b, 0xfffe, 0xe0dd, "", 0);
    header(b, 0x5200, 0x9230, "SQ", UINT32_MAX);
    for (int k = 0; k < n; k++) {
        header(b, 0xfffe, 0xe000, "", UINT32_MAX);
        header(b, 0x0020, 0x9113, "SQ", UINT32_MAX);
        header(b, 0xfffe, 0xe000, "", UINT32_MAX);
        text(b, 0x0020, 0x0032, "DS", positions[k]);
        header(b, 0xfffe, 0xe00d, "", 0);
        header(b, 0xfffe, 0xe0dd, "", 0);
        header(b, 0xfffe, 0xe00d, "", 0);
    }
    header(b, 0xfffe, 0xe0dd, "", 0);
    uint16_t px[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    pixels16(b, px, (size_t)2 * n);
}

TEST(enhanced_frames) {
    dbuf b;
    const char *even[3] = {"0\\0\\10", "0\\0\\7", "0\\0\\4"};
    enhanced(&b, even, 3);
    nifti_image img;
    dicom_info in;
    CHECK_MSG(parse(&b, &img, &in) == 0, "%s", samc_errmsg());
    CHECK(img.dim[3] == 3 && in.frames == 3);
    CHECK_NEAR(img.affine[2][2], -3, 1e-12); /* frames in stored order: z falls by 3 */
    CHECK_NEAR(img.affine[2][3], 10, 1e-12);
    CHECK_NEAR(img.affine[0][0], -0.5, 1e-12);
    CHECK(img.axcodes[2] == 'I' && io_nifti_value(&img, 4) == 5);
    io_nifti_free(&img);
    const char *uneven[3] = {"0\\0\\10", "0\\0\\7", "0\\0\\1"};
    enhanced(&b, uneven, 3);
    CHECK(failed_with(parse(&b, &img, NULL), "uneven slice spacing: -3 mm from frame 0 to frame 1"));
}

/* ---- series folders ---- */

/* A file of series `series` at z (LPS) whose two pixels are value. */
static void series_file(const char *name, const char *series, double z, int value) {
    dbuf b;
    part10(&b, "1.2.840.10008.1.2.1", 1, 0);
    text(&b, 0x0008, 0x0060, "CS", "CT");
    text(&b, 0x0020, 0x000e, "UI", series);
    char pos[64];
    snprintf(pos, sizeof pos, "-5\\2\\%g", z);
    text(&b, 0x0020, 0x0032, "DS", pos);
    text(&b, 0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
    image_attrs(&b, 1, 2, 1, 16, 16, 0);
    uint16_t px[2] = {(uint16_t)value, (uint16_t)value};
    pixels16(&b, px, 2);
    write_bytes(tmp_path(name), b.p, b.n);
}

TEST(series_folder) {
    scratch_open("dicom_series");
    series_file("c", "1.2.3", 4, 40);
    series_file("a.dcm", "1.2.3", 0, 0);
    series_file("b", "1.2.3", 2, 20);
    write_bytes(tmp_path("notes.txt"), "not dicom", 9);
    nifti_image img;
    dicom_info in;
    util_err_clear();
    CHECK_MSG(io_dicom_read(scratch_dir_, &img, &in) == 0, "%s", samc_errmsg());
    CHECK(img.dim[3] == 3 && in.n_files == 3 && in.n_skipped == 1 && in.slices == 3);
    for (int k = 0; k < 3 && img.data; k++) CHECK(io_nifti_value(&img, (size_t)2 * k) == 20 * k); /* sorted by z */
    CHECK_NEAR(img.affine[2][2], 2, 1e-12);
    CHECK_NEAR(img.affine[0][3], 5, 1e-12);
    CHECK_NEAR(img.affine[1][3], -2, 1e-12);
    CHECK(!strcmp(img.axcodes, "LPS"));
    io_nifti_free(&img);

    series_file("c", "1.2.3", 5, 40); /* 0, 2, 5 */
    util_err_clear();
    CHECK(failed_with(io_dicom_read(scratch_dir_, &img, NULL), "uneven slice spacing: 2 mm from"));
    series_file("c", "1.2.3", 2, 40);
    util_err_clear();
    CHECK(failed_with(io_dicom_read(scratch_dir_, &img, NULL), "are at the same position"));
    series_file("c", "1.2.4", 4, 40);
    util_err_clear();
    CHECK(failed_with(io_dicom_read(scratch_dir_, &img, NULL), "the folder mixes series 1.2.3 ("));
    CHECK(strstr(samc_errmsg(), "and 1.2.4 (") != NULL);
    remove(tmp_path("a.dcm"));
    remove(tmp_path("b"));
    remove(tmp_path("c"));
    util_err_clear();
    CHECK(failed_with(io_dicom_read(scratch_dir_, &img, NULL), "no DICOM image in the folder (1 files skipped"));
    remove(tmp_path("notes.txt"));
    scratch_close();
}

/* ---- refusals ---- */

static void small_image(dbuf *b) {
    bare(b, 1, 0);
    text(b, 0x0008, 0x0060, "CS", "CT");
}

TEST(refusals) {
    nifti_image img;
    dbuf b;
    /* sequences nested too deep */
    small_image(&b);
    for (int d = 0; d < 40; d++) {
        header(&b, 0x0008, 0x1115, "SQ", UINT32_MAX);
        header(&b, 0xfffe, 0xe000, "", UINT32_MAX);
    }
    CHECK(failed_with(parse(&b, &img, NULL), "nested more than 16 deep"));
    /* a length past the end */
    small_image(&b);
    header(&b, 0x0008, 0x0070, "UT", 0xfffffff0u);
    CHECK(failed_with(parse(&b, &img, NULL), "declares 4294967280 bytes"));
    /* undefined length outside sequences and pixel data */
    small_image(&b);
    header(&b, 0x0008, 0x0070, "OB", UINT32_MAX);
    CHECK(failed_with(parse(&b, &img, NULL), "has undefined length, which only a sequence may have"));
    /* something else where an item should be */
    small_image(&b);
    header(&b, 0x0008, 0x1115, "SQ", 8);
    us(&b, 0x0028, 0x0010, 1);
    CHECK(failed_with(parse(&b, &img, NULL), "where an item was expected"));
    /* not a VR */
    small_image(&b);
    header(&b, 0x0008, 0x0070, "zz", 0);
    CHECK(failed_with(parse(&b, &img, NULL), "are not a value representation"));
    /* encapsulated pixel data in an uncompressed syntax */
    small_image(&b);
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    header(&b, 0x7fe0, 0x0010, "OB", UINT32_MAX);
    CHECK(failed_with(parse(&b, &img, NULL), "encapsulated"));
    /* too little pixel data */
    small_image(&b);
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    pixels16(&b, k_px, 5);
    CHECK(failed_with(parse(&b, &img, NULL), "truncated (7FE0,0010) Pixel Data: 10 bytes, 12 expected"));
    /* an absurd size is refused before anything is allocated */
    small_image(&b);
    image_attrs(&b, 65535, 65535, 2000000000, 16, 16, 0);
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "more than 8 GiB"));
    /* bad values */
    small_image(&b);
    image_attrs(&b, 2, 3, 0, 16, 16, 0);
    text(&b, 0x0028, 0x0008, "IS", "0");
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "Number of Frames: '0' is not an integer in 1.."));
    small_image(&b);
    text(&b, 0x0020, 0x0032, "DS", "1\\x\\3");
    CHECK(failed_with(parse(&b, &img, NULL), "(0020,0032) Image Position (Patient): value 2 ('x') is not a number"));
    small_image(&b);
    text(&b, 0x0020, 0x0037, "DS", "1\\0\\0\\1\\0\\0");
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "are not orthogonal"));
    small_image(&b);
    image_attrs(&b, 2, 3, 1, 12, 12, 0);
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "Bits Allocated 12 is not supported"));
    small_image(&b);
    image_attrs(&b, 2, 3, 1, 16, 12, 0);
    us(&b, 0x0028, 0x0102, 15); /* High Bit again, now not Bits Stored - 1 */
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "High Bit 15 with Bits Stored 12"));
    small_image(&b);
    image_attrs(&b, 2, 3, 1, 16, 16, 0);
    text(&b, 0x0028, 0x1053, "DS", "0");
    pixels16(&b, k_px, 6);
    CHECK(failed_with(parse(&b, &img, NULL), "Rescale Slope is 0"));
    small_image(&b);
    CHECK(failed_with(parse(&b, &img, NULL), "no (7FE0,0010) Pixel Data"));
    /* compressed and unknown syntaxes, named */
    part10(&b, "1.2.840.10008.1.2.4.50", 1, 0);
    CHECK(failed_with(parse(&b, &img, NULL), "not supported: JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50)"));
    part10(&b, "1.2.840.10008.1.2.4.201", 1, 0);
    CHECK(failed_with(parse(&b, &img, NULL), "not supported: High-Throughput JPEG 2000"));
    part10(&b, "1.2.3.4", 1, 0);
    CHECK(failed_with(parse(&b, &img, NULL), "not supported: unknown transfer syntax (1.2.3.4)"));
    /* deflate that is not */
    part10(&b, "1.2.840.10008.1.2.1.99", 1, 0);
    put(&b, "\xff\xff\xff\xff garbage", 12);
    CHECK(failed_with(parse(&b, &img, NULL), "deflated data set is corrupt"));
    part10(&b, "1.2.840.10008.1.2.1.99", 1, 0);
    CHECK(failed_with(parse(&b, &img, NULL), "deflated data set ends"));
}

TEST(sniffing) {
    unsigned char head[140] = {0};
    memcpy(head + 128, "DICM", 4);
    CHECK(io_dicom_is_dicom(head, 132) && !io_dicom_is_dicom(head, 131));
    const unsigned char expl[8] = {0x08, 0, 0x05, 0, 'C', 'S', 10, 0}, impl[8] = {0x08, 0, 0x05, 0, 10, 0, 0, 0},
                        be[8] = {0, 0x08, 0, 0x05, 'C', 'S', 0, 10}, nifti[8] = {0x5c, 1, 0, 0, 0, 0, 0, 0};
    CHECK(io_dicom_is_dicom(expl, 8) && io_dicom_is_dicom(impl, 8) && io_dicom_is_dicom(be, 8));
    CHECK(!io_dicom_is_dicom(nifti, 8) && !io_dicom_is_dicom(expl, 7));
}

/* ---- pydicom's files (values from pydicom 2.3.1: ds.pixel_array[row, column]) ---- */

static size_t at(const nifti_image *img, int frame, int row, int col) {
    return (size_t)col + (size_t)img->dim[1] * ((size_t)row + (size_t)img->dim[2] * (size_t)frame);
}

TEST(pydicom_files) {
    nifti_image img;
    dicom_info in;
    CHECK(io_dicom_read(FX "CT_small.dcm", &img, &in) == 0);
    /* pixel_array[0, 0] = 175, [127, 127] = 909, [64, 32] = 1378, [10, 100] = 1227 */
    CHECK(io_nifti_value(&img, at(&img, 0, 0, 0)) == 175 - 1024);
    CHECK(io_nifti_value(&img, at(&img, 0, 127, 127)) == 909 - 1024);
    CHECK(io_nifti_value(&img, at(&img, 0, 64, 32)) == 1378 - 1024);
    CHECK(io_nifti_value(&img, at(&img, 0, 10, 100)) == 1227 - 1024);
    CHECK(!strcmp(in.modality, "CT") && in.rows == 128 && !strcmp(img.axcodes, "LPS"));
    /* ImagePositionPatient -158.135803, -179.035797, -75.699997 (LPS) */
    CHECK_NEAR(img.affine[0][3], 158.135803, 1e-9);
    CHECK_NEAR(img.affine[1][3], 179.035797, 1e-9);
    CHECK_NEAR(img.affine[2][3], -75.699997, 1e-9);
    io_nifti_free(&img);
    /* MR_small in four syntaxes: [0, 0] = 905, [63, 63] = 862, [20, 40] = 296 */
    const char *mr[4] = {"MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm"};
    for (int f = 0; f < 4; f++) {
        char path[128];
        snprintf(path, sizeof path, FX "%s", mr[f]);
        CHECK_MSG(io_dicom_read(path, &img, &in) == 0, "%s: %s", mr[f], samc_errmsg());
        if (!img.data) continue;
        CHECK(io_nifti_value(&img, at(&img, 0, 0, 0)) == 905 && io_nifti_value(&img, at(&img, 0, 63, 63)) == 862);
        CHECK(io_nifti_value(&img, at(&img, 0, 20, 40)) == 296);
        CHECK(in.has_window && in.window_center == 600 && in.window_width == 1600);
        io_nifti_free(&img);
    }
    /* deflated: [0, 0] = 213, [256, 256] = 65, [100, 400] = 70 */
    CHECK(io_dicom_read(FX "image_dfl.dcm", &img, &in) == 0);
    CHECK(io_nifti_value(&img, at(&img, 0, 0, 0)) == 213 && io_nifti_value(&img, at(&img, 0, 256, 256)) == 65);
    CHECK(io_nifti_value(&img, at(&img, 0, 100, 400)) == 70);
    io_nifti_free(&img);
    /* RT dose, 15 frames: [0, 0, 0] = 1249000, [14, 9, 9] = 799000, [7, 3, 5] = 1073000; 5 mm
     * apart (Grid Frame Offset Vector 0, 5, 10, ...) */
    CHECK(io_dicom_read(FX "rtdose.dcm", &img, &in) == 0);
    CHECK(img.dim[3] == 15 && img.datatype == NIFTI_UINT32);
    CHECK(io_nifti_value(&img, at(&img, 0, 0, 0)) == 1249000 && io_nifti_value(&img, at(&img, 14, 9, 9)) == 799000);
    CHECK(io_nifti_value(&img, at(&img, 7, 3, 5)) == 1073000);
    CHECK_NEAR(img.affine[2][2], 5, 1e-12);
    io_nifti_free(&img);
    /* colour: YBR_FULL_422 as RGB [0, 0] = 254 0 0, [50, 50] = 125 130 255; big endian RGB
     * [30, 40] = 255 255 0 */
    CHECK(io_dicom_read(FX "SC_ybr_full_422_uncompressed.dcm", &img, &in) == 0);
    const uint8_t *rgb = img.data;
    CHECK(rgb && !memcmp(rgb + 3 * at(&img, 0, 0, 0), "\xfe\x00\x00", 3));
    CHECK(rgb && !memcmp(rgb + 3 * at(&img, 0, 50, 50), "\x7d\x82\xff", 3));
    io_nifti_free(&img);
    CHECK(io_dicom_read(FX "ExplVR_BigEnd.dcm", &img, &in) == 0);
    rgb = img.data;
    CHECK(rgb && img.dim[1] == 80 && img.dim[2] == 60 && !memcmp(rgb + 3 * at(&img, 0, 30, 40), "\xff\xff\x00", 3));
    io_nifti_free(&img);
    util_err_clear();
    CHECK(failed_with(io_dicom_read(FX "MR_truncated.dcm", &img, NULL), "MR_truncated.dcm: truncated"));
}

int main(void) {
    RUN(implicit_without_meta);
    RUN(every_syntax);
    RUN(bits_stored);
    RUN(one_bit);
    RUN(colour_layouts);
    RUN(sequences);
    RUN(affine_and_qform);
    RUN(enhanced_frames);
    RUN(series_folder);
    RUN(refusals);
    RUN(sniffing);
    RUN(pydicom_files);
    return check_summary();
}
