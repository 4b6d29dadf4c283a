/* io/jpeg: the cjpeg-made fixtures in test/fixtures/jpeg decode to exactly what djpeg wrote
 * for them (the .pnm beside each, see its README.md); header facts; grey replicated to RGB by
 * io_image_read_rgb8; and refusals: every truncation, garbage, CMYK, 12-bit, absurd sizes and
 * endless progressive scans (the last three made here with libjpeg's encoder). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "check.h"
#include "files.h"
#include "io/image.h"
#include "io/jpeg.h"
#include "util/err.h"

#define FX "test/fixtures/jpeg/"

/* A binary PNM (P5 grey or P6 RGB) as djpeg writes it: its size, channels and samples. */
static uint8_t *read_pnm(const char *path, int *w, int *h, int *ch) {
    size_t n;
    uint8_t *p = read_bytes(path, &n);
    if (!p) return NULL;
    int maxval, used = 0;
    char kind;
    if (sscanf((const char *)p, "P%c %d %d %d%n", &kind, w, h, &maxval, &used) != 4 || maxval != 255) {
        free(p);
        return NULL;
    }
    *ch = kind == '5' ? 1 : 3;
    size_t body = (size_t)*w * (size_t)*h * (size_t)*ch;
    uint8_t *out = malloc(body);
    if (out && (size_t)used + 1 + body == n) memcpy(out, p + used + 1, body);
    else free(out), out = NULL;
    free(p);
    return out;
}

static const struct {
    const char *name, *space;
    int progressive, arithmetic;
} k_fixtures[] = {
    {"grey", "grayscale", 0, 0},       {"rgb_420", "YCbCr", 0, 0},        {"rgb_444", "YCbCr", 0, 0},
    {"rgb_progressive", "YCbCr", 1, 0}, {"rgb_arithmetic", "YCbCr", 0, 1}, {"rgb_colorspace_restart", "RGB", 0, 0},
};

TEST(same_as_djpeg) {
    for (size_t f = 0; f < sizeof k_fixtures / sizeof k_fixtures[0]; f++) {
        char jpg[128], pnm[128];
        snprintf(jpg, sizeof jpg, FX "%s.jpg", k_fixtures[f].name);
        snprintf(pnm, sizeof pnm, FX "%s.pnm", k_fixtures[f].name);
        int w, h, ch;
        uint8_t *want = read_pnm(pnm, &w, &h, &ch);
        CHECK_MSG(want != NULL, "%s", pnm);
        jpg_header hd;
        CHECK(io_jpg_read_header(jpg, &hd) == 0);
        CHECK(hd.width == 37 && hd.height == 23 && hd.channels == ch && hd.precision == 8);
        CHECK_MSG(!strcmp(hd.color_space, k_fixtures[f].space), "%s: %s", jpg, hd.color_space);
        CHECK(hd.progressive == k_fixtures[f].progressive && hd.arithmetic == k_fixtures[f].arithmetic);
        jpg_image img;
        CHECK_MSG(io_jpg_read(jpg, &img) == 0, "%s: %s", jpg, samc_errmsg());
        CHECK(img.width == w && img.height == h && img.channels == ch);
        CHECK_MSG(want && img.pixels && !memcmp(img.pixels, want, (size_t)w * h * ch), "%s differs from djpeg", jpg);
        io_jpg_free(&img);
        /* and from memory */
        size_t n;
        uint8_t *buf = read_bytes(jpg, &n);
        CHECK(buf && io_jpg_decode(buf, n, &img) == 0 && want && !memcmp(img.pixels, want, (size_t)w * h * ch));
        io_jpg_free(&img);
        free(buf);
        free(want);
    }
}

TEST(as_rgb_for_sam) {
    int w, h, ch;
    uint8_t *grey = read_pnm(FX "grey.pnm", &w, &h, &ch), *rgb = NULL;
    int ih, iw;
    CHECK(io_image_read_size(FX "grey.jpg", &ih, &iw) == 0 && ih == 23 && iw == 37);
    CHECK(io_image_read_rgb8(FX "grey.jpg", &rgb, &ih, &iw) == 0 && ih == 23 && iw == 37);
    for (int i = 0; grey && rgb && i < w * h; i++)
        CHECK(rgb[3 * i] == grey[i] && rgb[3 * i + 1] == grey[i] && rgb[3 * i + 2] == grey[i]);
    free(grey);
    free(rgb);
    uint8_t *want = read_pnm(FX "rgb_420.pnm", &w, &h, &ch);
    CHECK(io_image_read_rgb8(FX "rgb_420.jpg", &rgb, &ih, &iw) == 0 && want && !memcmp(rgb, want, (size_t)w * h * 3));
    free(want);
    free(rgb);
}

TEST(truncated_and_garbage) {
    const char *files[2] = {FX "rgb_420.jpg", FX "rgb_progressive.jpg"};
    for (int f = 0; f < 2; f++) {
        size_t n;
        uint8_t *buf = read_bytes(files[f], &n);
        jpg_image img;
        /* every proper prefix lacks data or the EOI marker: libjpeg warns, samc refuses */
        for (size_t cut = 0; buf && cut < n; cut++) {
            util_err_clear();
            int rc = io_jpg_decode(buf, cut, &img);
            CHECK_MSG(rc == -1 && !strncmp(samc_errmsg(), "JPEG: ", 6), "%s cut at %zu: rc %d", files[f], cut, rc);
            if (rc == 0) io_jpg_free(&img);
        }
        /* damaged bytes: an error or an image, never a crash (ASan) */
        for (size_t i = 2; buf && i < n; i += 7) {
            uint8_t keep = buf[i];
            buf[i] ^= 0x5a;
            if (io_jpg_decode(buf, n, &img) == 0) io_jpg_free(&img);
            buf[i] = keep;
        }
        free(buf);
    }
    const unsigned char garbage[16] = {0xff, 0xd8, 0xff, 0x13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    jpg_image img;
    CHECK(failed_with(io_jpg_decode(garbage, sizeof garbage, &img), "JPEG: "));
    CHECK(failed_with(io_jpg_decode(garbage, 0, &img), "JPEG: "));
    scratch_open("jpeg");
    write_bytes(tmp_path("cut.jpg"), garbage, 3);
    uint8_t *rgb;
    int h, w;
    util_err_clear();
    CHECK(failed_with(io_image_read_rgb8(tmp_path("cut.jpg"), &rgb, &h, &w), "cut.jpg: JPEG: "));
    remove(tmp_path("cut.jpg"));
    scratch_close();
}

/* ---- files libjpeg's encoder makes here ---- */

/* A w x h JPEG of `components` samples per pixel in colour space cs (all samples v), with
 * scan script `scans` (NULL: baseline); malloc'd in *out. */
static void encode(int w, int h, int components, J_COLOR_SPACE cs, const jpeg_scan_info *scans, int n_scans,
                   unsigned char **out, unsigned long *len) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    *out = NULL;
    *len = 0;
    jpeg_mem_dest(&c, out, len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = components;
    c.in_color_space = cs;
    jpeg_set_defaults(&c);
    if (scans) {
        c.scan_info = scans;
        c.num_scans = n_scans;
    }
    jpeg_start_compress(&c, TRUE);
    unsigned char row[64 * 4];
    for (int i = 0; i < w * components; i++) row[i] = (unsigned char)(i * 37);
    for (int y = 0; y < h; y++) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
}

TEST(refused_kinds) {
    unsigned char *buf;
    unsigned long len;
    jpg_image img;
    encode(16, 8, 4, JCS_CMYK, NULL, 0, &buf, &len);
    CHECK(failed_with(io_jpg_decode(buf, len, &img), "CMYK JPEG (4 components) is not supported"));
    free(buf);
    /* the frame header's precision and size, patched: 12-bit, then 65500 x 65500 */
    encode(16, 8, 3, JCS_RGB, NULL, 0, &buf, &len);
    size_t sof = 0;
    for (size_t i = 0; i + 9 < len; i++)
        if (buf[i] == 0xff && buf[i + 1] == 0xc0) {
            sof = i;
            break;
        }
    CHECK(sof > 0);
    buf[sof + 4] = 12;
    CHECK(failed_with(io_jpg_decode(buf, len, &img), "precision 12"));
    buf[sof + 4] = 8;
    buf[sof + 5] = buf[sof + 7] = 0xff, buf[sof + 6] = buf[sof + 8] = 0xdc;
    jpg_header h;
    CHECK(failed_with(io_jpg_parse_header(buf, len, &h), "65500 x 65500 pixels x 3 channels: more than 2 GiB decoded"));
    free(buf);
}

/* A progressive file of more than JPG_MAX_SCANS scans: every coefficient of each of three
 * components in its own scans, by successive approximation bit by bit (11 scans each: 8-bit
 * libjpeg takes Al <= 10). */
TEST(endless_scans) {
    static jpeg_scan_info scans[3 * 64 * 11];
    int n = 0;
    for (int comp = 0; comp < 3; comp++)
        for (int k = 0; k < 64; k++)
            for (int al = 10; al >= 0; al--) {
                jpeg_scan_info *s = &scans[n++];
                s->comps_in_scan = 1;
                s->component_index[0] = comp;
                s->Ss = s->Se = k;
                s->Ah = al == 10 ? 0 : al + 1;
                s->Al = al;
            }
    CHECK(n > JPG_MAX_SCANS);
    unsigned char *buf;
    unsigned long len;
    encode(8, 8, 3, JCS_RGB, scans, n, &buf, &len);
    jpg_image img;
    CHECK(failed_with(io_jpg_decode(buf, len, &img), "more than 1000 progressive scans"));
    free(buf);
}

int main(void) {
    RUN(same_as_djpeg);
    RUN(as_rgb_for_sam);
    RUN(truncated_and_garbage);
    RUN(refused_kinds);
    RUN(endless_scans);
    return check_summary();
}
