/* io/png: decoding a generated PngSuite-style corpus (every colour type, bit depth,
 * interlace and filter) against pixels expanded by hand rules, encoder round trips, and
 * one test per bad-input rule. The corpus comes from test/png_corpus.h, a writer that
 * shares no code with io/png.c. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "files.h"
#include "io/image.h"
#include "io/png.h"
#include "png_corpus.h"
#include "util/err.h"
#include "util/file.h"

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* The expected decoded samples by libpng's expand rules, computed per pixel in image order:
 * palette index -> its RGB (+ tRNS alpha, 255 past the tRNS entries); grey of b < 8 bits ->
 * v * 255 / (2^b - 1); a grey/RGB pixel equal to the tRNS key gets alpha 0, others the
 * maximum. Returns a malloc'd array of h*w*channels values. */
static uint32_t *expected_pixels(const corpus_png *p, int *channels, int *depth) {
    int spp = corpus_spp(p->color_type), bd = p->bit_depth, ct = p->color_type;
    int trns = p->trns != NULL;
    int ch = ct == 3 ? 3 + trns : (ct == 0 || ct == 2) ? spp + trns : spp;
    uint32_t maxout = bd == 16 ? 65535 : 255;
    size_t n = (size_t)p->width * p->height;
    uint32_t *out = malloc(n * ch * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const uint16_t *s = p->samples + i * spp;
        uint32_t *o = out + i * ch;
        if (ct == 3) {
            for (int k = 0; k < 3; k++) o[k] = p->palette[3 * s[0] + k];
            if (trns) o[3] = s[0] < p->trns_len ? p->trns[s[0]] : 255;
        } else if (ct == 0) {
            o[0] = bd == 1 ? s[0] * 255u : bd == 2 ? s[0] * 85u : bd == 4 ? s[0] * 17u : s[0];
            if (trns) o[1] = s[0] == (unsigned)(p->trns[0] << 8 | p->trns[1]) ? 0 : maxout;
        } else if (ct == 2) {
            for (int k = 0; k < 3; k++) o[k] = s[k];
            if (trns) {
                int key = 1;
                for (int k = 0; k < 3; k++) key &= s[k] == (unsigned)(p->trns[2 * k] << 8 | p->trns[2 * k + 1]);
                o[3] = key ? 0 : maxout;
            }
        } else {
            for (int k = 0; k < spp; k++) o[k] = s[k];
        }
    }
    *channels = ch;
    *depth = bd == 16 ? 16 : 8;
    return out;
}

static uint32_t decoded_at(const png_image *img, size_t i) {
    return img->bit_depth == 16 ? ((const uint16_t *)img->pixels)[i] : ((const uint8_t *)img->pixels)[i];
}

/* Builds p, decodes it and compares with the hand-expanded pixels; returns 1 if equal. */
static int decodes_as_expected(const corpus_png *p) {
    size_t len;
    unsigned char *file = corpus_build(p, &len);
    png_image img;
    int ok = io_png_decode(file, len, &img) == 0;
    if (!ok) printf("    decode failed: %s\n", samc_errmsg());
    int ch = 0, depth = 0;
    uint32_t *want = expected_pixels(p, &ch, &depth);
    if (ok && (img.width != p->width || img.height != p->height || img.channels != ch || img.bit_depth != depth)) {
        printf("    got %dx%dx%d/%d, want %dx%dx%d/%d\n", img.width, img.height, img.channels, img.bit_depth,
               p->width, p->height, ch, depth);
        ok = 0;
    }
    size_t n = (size_t)p->width * p->height * ch;
    for (size_t i = 0; ok && i < n; i++)
        if (decoded_at(&img, i) != want[i]) {
            printf("    sample %zu: got %u, want %u\n", i, decoded_at(&img, i), want[i]);
            ok = 0;
        }
    if (!ok)
        printf("    (colour type %d, depth %d, interlace %d, filter %d, %dx%d)\n", p->color_type, p->bit_depth,
               p->interlace, p->filter, p->width, p->height);
    io_png_free(&img);
    free(want);
    free(file);
    return ok;
}

/* Random samples (palette indices below palette_size) for p. */
static uint16_t *random_samples(const corpus_png *p) {
    size_t n = (size_t)p->width * p->height * corpus_spp(p->color_type);
    uint16_t *s = malloc(n * sizeof *s);
    uint32_t range = p->color_type == 3 ? (uint32_t)p->palette_size : 1u << p->bit_depth;
    for (size_t i = 0; i < n; i++) s[i] = (uint16_t)(rng() % range);
    return s;
}

static uint8_t *random_palette(int n) {
    uint8_t *pal = malloc((size_t)3 * n);
    for (int i = 0; i < 3 * n; i++) pal[i] = (uint8_t)rng();
    return pal;
}

static const struct {
    int color_type, bit_depth;
} k_formats[] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16}, {3, 1},
                 {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8}, {6, 16}};
#define N_FORMATS (sizeof k_formats / sizeof k_formats[0])
static const int k_sizes[][2] = {{1, 1}, {3, 2}, {7, 5}, {13, 11}, {33, 9}};

TEST(corpus_every_type_depth_interlace_filter) {
    int bad = 0, total = 0;
    for (size_t f = 0; f < N_FORMATS; f++)
        for (int il = 0; il <= 1; il++)
            for (int filt = -1; filt <= 4; filt++)
                for (size_t s = 0; s < sizeof k_sizes / sizeof k_sizes[0]; s++) {
                    corpus_png p = {k_sizes[s][0], k_sizes[s][1], k_formats[f].bit_depth, k_formats[f].color_type,
                                    il, filt, NULL, NULL, 0, NULL, 0, 0, 0};
                    uint8_t *pal = NULL;
                    if (p.color_type == 3) {
                        p.palette_size = p.bit_depth == 8 ? 200 : 1 << p.bit_depth;
                        p.palette = pal = random_palette(p.palette_size);
                    }
                    uint16_t *smp = random_samples(&p);
                    p.samples = smp;
                    bad += !decodes_as_expected(&p);
                    total++;
                    free(smp);
                    free(pal);
                }
    CHECK_MSG(bad == 0, "%d of %d corpus images decoded wrongly", bad, total);
    CHECK(total == 15 * 2 * 6 * 5);
}

TEST(corpus_trns_adds_alpha) {
    for (size_t f = 0; f < N_FORMATS; f++) {
        int ct = k_formats[f].color_type, bd = k_formats[f].bit_depth;
        if (ct == 4 || ct == 6) continue;
        for (int il = 0; il <= 1; il++) {
            corpus_png p = {9, 7, bd, ct, il, -1, NULL, NULL, 0, NULL, 0, 0, 0};
            uint8_t *pal = NULL, trns[256];
            if (ct == 3) {
                p.palette_size = bd == 1 ? 2 : bd == 2 ? 3 : 12;
                p.palette = pal = random_palette(p.palette_size);
            }
            uint16_t *smp = random_samples(&p);
            p.samples = smp;
            if (ct == 3) { /* alpha for only the first entries: the rest stay opaque */
                p.trns_len = p.palette_size > 1 ? p.palette_size - 1 : 1;
                for (int i = 0; i < p.trns_len; i++) trns[i] = (uint8_t)(i * 37);
            } else { /* the key is the colour of pixel 0, so some pixels are transparent */
                p.trns_len = ct == 0 ? 2 : 6;
                for (int k = 0; k < p.trns_len / 2; k++) trns[2 * k] = (uint8_t)(smp[k] >> 8), trns[2 * k + 1] = (uint8_t)smp[k];
            }
            p.trns = trns;
            CHECK(decodes_as_expected(&p));
            free(smp);
            free(pal);
        }
    }
}

TEST(corpus_split_idat_and_ancillary_chunks) {
    corpus_png p = {21, 17, 8, 6, 1, -1, NULL, NULL, 0, NULL, 0, 1, 1};
    uint16_t *smp = random_samples(&p);
    p.samples = smp;
    CHECK(decodes_as_expected(&p)); /* one byte per IDAT */
    p.idat_split = 7;
    p.bit_depth = 16;
    p.interlace = 0;
    free(smp);
    smp = random_samples(&p);
    p.samples = smp;
    CHECK(decodes_as_expected(&p));
    free(smp);
}

/* Builds p's file and decodes it; io_png_decode's result. */
static int decode_corpus(const corpus_png *p, png_image *img) {
    size_t len;
    unsigned char *file = corpus_build(p, &len);
    int rc = io_png_decode(file, len, img);
    free(file);
    return rc;
}

TEST(decode_known_pixels_by_hand) {
    /* 2x2 grey 2-bit: samples 0,1 / 2,3 -> 0,85 / 170,255 */
    const uint16_t s[4] = {0, 1, 2, 3};
    corpus_png p = {2, 2, 2, 0, 0, 0, s, NULL, 0, NULL, 0, 0, 0};
    png_image img;
    CHECK(decode_corpus(&p, &img) == 0);
    const uint8_t *px = img.pixels;
    CHECK(img.channels == 1 && img.bit_depth == 8);
    CHECK(px && px[0] == 0 && px[1] == 85 && px[2] == 170 && px[3] == 255);
    io_png_free(&img);
}

TEST(palette_index_past_plte_is_black) {
    /* libpng's behaviour: an index past the PLTE entries reads as black, opaque */
    const uint16_t s[2] = {1, 3};
    const uint8_t pal[6] = {10, 20, 30, 40, 50, 60};
    corpus_png p = {2, 1, 2, 3, 0, 0, s, pal, 2, NULL, 0, 0, 0};
    png_image img;
    CHECK(decode_corpus(&p, &img) == 0);
    const uint8_t *px = img.pixels;
    CHECK(img.channels == 3 && px && px[0] == 40 && px[1] == 50 && px[2] == 60 && px[3] == 0 && px[5] == 0);
    io_png_free(&img);
}

/* PNG_PALETTE_INDICES: a palette image of any depth and interlace, with or without tRNS,
 * comes out as its indices (the samples the corpus writer stored, unscaled); every other
 * colour type decodes exactly as without the option. */
TEST(palette_indices_option) {
    int bad = 0, total = 0;
    for (size_t f = 0; f < N_FORMATS; f++)
        for (int il = 0; il <= 1; il++)
            for (int trns = 0; trns <= 1; trns++) {
                corpus_png p = {13, 11, k_formats[f].bit_depth, k_formats[f].color_type, il, -1, NULL, NULL, 0, NULL,
                                0, 0, 0};
                uint8_t *pal = NULL, alpha[3] = {0, 128, 7};
                if (p.color_type == 3) {
                    p.palette_size = p.bit_depth == 8 ? 200 : 1 << p.bit_depth;
                    p.palette = pal = random_palette(p.palette_size);
                    if (trns) p.trns = alpha, p.trns_len = p.palette_size < 3 ? p.palette_size : 3;
                }
                uint16_t *smp = random_samples(&p);
                p.samples = smp;
                size_t len;
                unsigned char *file = corpus_build(&p, &len);
                png_image a, b;
                int ok = io_png_decode_ex(file, len, PNG_PALETTE_INDICES, &a) == 0 && io_png_decode(file, len, &b) == 0;
                size_t n = (size_t)p.width * p.height;
                if (ok && p.color_type == 3) {
                    ok = a.channels == 1 && a.bit_depth == 8;
                    for (size_t i = 0; ok && i < n; i++) ok = ((const uint8_t *)a.pixels)[i] == smp[i];
                } else if (ok) {
                    size_t bytes = n * (size_t)a.channels * (size_t)(a.bit_depth / 8);
                    ok = a.channels == b.channels && a.bit_depth == b.bit_depth && !memcmp(a.pixels, b.pixels, bytes);
                }
                if (!ok) printf("    colour type %d, depth %d, interlace %d, tRNS %d\n", p.color_type, p.bit_depth, il, trns);
                bad += !ok;
                total++;
                io_png_free(&a), io_png_free(&b);
                free(file), free(smp), free(pal);
            }
    CHECK_MSG(bad == 0, "%d of %d images decoded wrongly with PNG_PALETTE_INDICES", bad, total);
    CHECK(total == 15 * 2 * 2);
    /* io_png_read_ex: the same from a file; an index past the PLTE is still its index */
    const uint16_t s[4] = {0, 1, 3, 2};
    const uint8_t pal[6] = {200, 10, 10, 10, 200, 10};
    corpus_png p = {2, 2, 2, 3, 0, 0, s, pal, 2, NULL, 0, 0, 0};
    size_t len;
    unsigned char *file = corpus_build(&p, &len);
    const char *path = "/tmp/samc_test_png_palette_indices.png";
    CHECK(write_bytes(path, file, len) == 0);
    png_image img;
    CHECK(io_png_read_ex(path, PNG_PALETTE_INDICES, &img) == 0);
    const uint8_t *px = img.pixels;
    CHECK(px && img.channels == 1 && px[0] == 0 && px[1] == 1 && px[2] == 3 && px[3] == 2);
    io_png_free(&img);
    remove(path);
    free(file);
}

TEST(misfit_trns_is_ignored) {
    /* a tRNS chunk of the wrong length for grey is ignored (libpng does too): no alpha */
    const uint16_t s[2] = {5, 9};
    const uint8_t trns[6] = {0, 5, 0, 0, 0, 0};
    corpus_png p = {2, 1, 8, 0, 0, 0, s, NULL, 0, trns, 6, 0, 0};
    png_image img;
    CHECK(decode_corpus(&p, &img) == 0 && img.channels == 1);
    io_png_free(&img);
}

TEST(trns_key_compares_low_bits) {
    /* libpng compares only the low bit_depth bits of a tRNS key: an 8-bit grey key of 300
     * (0x012c) makes grey 44 (0x2c) transparent, and an RGB key (257, 2, 3) hides (1, 2, 3) */
    const uint16_t g[2] = {44, 45}, rgb[6] = {1, 2, 3, 4, 5, 6};
    const uint8_t key_g[2] = {1, 44}, key_rgb[6] = {1, 1, 0, 2, 0, 3};
    corpus_png p = {2, 1, 8, 0, 0, 0, g, NULL, 0, key_g, 2, 0, 0};
    png_image img;
    CHECK(decode_corpus(&p, &img) == 0 && img.channels == 2);
    const uint8_t *px = img.pixels;
    CHECK(px && px[0] == 44 && px[1] == 0 && px[2] == 45 && px[3] == 255);
    io_png_free(&img);
    corpus_png q = {2, 1, 8, 2, 0, 0, rgb, NULL, 0, key_rgb, 6, 0, 0};
    CHECK(decode_corpus(&q, &img) == 0 && img.channels == 4);
    px = img.pixels;
    CHECK(px && px[3] == 0 && px[7] == 255);
    io_png_free(&img);
}

TEST(read_header_facts) {
    const uint8_t pal[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, trns[1] = {7};
    uint16_t s[15] = {0};
    corpus_png p = {5, 3, 4, 3, 1, 0, s, pal, 3, trns, 1, 0, 1};
    size_t len;
    unsigned char *file = corpus_build(&p, &len);
    png_header h;
    CHECK(io_png_is_png(file, len) && !io_png_is_png(file, 7));
    CHECK(io_png_read_header(file, len, &h) == 0);
    CHECK(h.width == 5 && h.height == 3 && h.bit_depth == 4 && h.color_type == 3 && h.interlace == 1);
    CHECK(h.palette_size == 3 && h.has_trns && h.channels == 4 && h.out_depth == 8);
    free(file);
}

/* ---- encoder round trips ---- */

TEST(encoder_roundtrip_every_format) {
    const char *path = "build/test_png_roundtrip.png";
    for (int ch = 1; ch <= 4; ch++)
        for (int depth = 8; depth <= 16; depth += 8) {
            int w = 37, h = 23;
            size_t n = (size_t)w * h * ch;
            void *px = malloc(n * (depth / 8));
            for (size_t i = 0; i < n; i++) {
                /* smooth gradients with noise, so that every filter gets chosen somewhere */
                uint32_t v = (uint32_t)(i * 7 + (rng() % 5));
                if (depth == 8) ((uint8_t *)px)[i] = (uint8_t)v;
                else ((uint16_t *)px)[i] = (uint16_t)(v * 251 + rng() % 3);
            }
            png_image in = {w, h, ch, depth, px}, out;
            CHECK(io_png_write(path, &in) == 0);
            CHECK(io_png_read(path, &out) == 0);
            CHECK(out.width == w && out.height == h && out.channels == ch && out.bit_depth == depth);
            CHECK(out.pixels && memcmp(out.pixels, px, n * (depth / 8)) == 0);
            io_png_free(&out);
            free(px);
        }
    remove(path);
}

TEST(encoder_mask1_roundtrip) {
    const char *path = "build/test_png_mask1.png";
    int w = 19, h = 6;
    uint8_t m[19 * 6];
    for (int i = 0; i < w * h; i++) m[i] = (uint8_t)(rng() % 2);
    m[0] = 7; /* any non-zero byte is foreground */
    CHECK(io_png_write_mask1(path, m, w, h) == 0);
    unsigned char *file;
    size_t len;
    CHECK(util_read_whole_file(path, 1 << 20, &file, &len) == 0);
    png_header hd;
    CHECK(io_png_read_header(file, len, &hd) == 0 && hd.bit_depth == 1 && hd.color_type == 0);
    free(file);
    png_image out;
    CHECK(io_png_read(path, &out) == 0 && out.channels == 1 && out.bit_depth == 8);
    int same = 1;
    for (int i = 0; i < w * h; i++) same &= ((const uint8_t *)out.pixels)[i] == (m[i] ? 255 : 0);
    CHECK(same);
    io_png_free(&out);
    remove(path);
}

TEST(encoder_refuses_bad_images) {
    uint8_t px[4] = {0};
    png_image bad_ch = {2, 2, 5, 8, px}, bad_depth = {2, 2, 1, 4, px}, bad_size = {0, 2, 1, 8, px};
    CHECK(io_png_write("build/never.png", &bad_ch) == -1);
    CHECK(io_png_write("build/never.png", &bad_depth) == -1);
    CHECK(io_png_write("build/never.png", &bad_size) == -1);
    CHECK(io_png_write_mask1("build/never.png", px, -1, 2) == -1);
    FILE *fp = fopen("build/never.png", "rb");
    CHECK(fp == NULL);
    if (fp) fclose(fp);
}

/* ---- io_image_read_rgb8 ---- */

static void write_corpus_file(const char *path, const corpus_png *p) {
    size_t len;
    unsigned char *file = corpus_build(p, &len);
    util_write_file_atomic(path, file, len);
    free(file);
}

TEST(image_rgb8_from_rgba16_grey4_palette) {
    const char *path = "build/test_png_image.png";
    /* 16-bit RGBA: rounding v*255/65535 to nearest; alpha dropped */
    const uint16_t s16[8] = {0, 128, 129, 65535, 32896, 32895, 257, 1000};
    corpus_png p = {2, 1, 16, 6, 0, 0, s16, NULL, 0, NULL, 0, 0, 0};
    write_corpus_file(path, &p);
    uint8_t *rgb = NULL;
    int h = 0, w = 0;
    CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0 && h == 1 && w == 2);
    /* 128*255/65535 = 0.498 -> 0; 129 -> 0.502 -> 1; 32896 -> 128.0; 32895 -> 127.996 -> 128; 257 -> 1 */
    CHECK(rgb && rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 1 && rgb[3] == 128 && rgb[4] == 128 && rgb[5] == 1);
    free(rgb);
    /* 4-bit grey: replicated to three channels, scaled by 17 */
    const uint16_t g4[3] = {0, 5, 15};
    corpus_png q = {3, 1, 4, 0, 0, 0, g4, NULL, 0, NULL, 0, 0, 0};
    write_corpus_file(path, &q);
    CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0 && w == 3);
    CHECK(rgb && rgb[3] == 85 && rgb[4] == 85 && rgb[5] == 85 && rgb[8] == 255);
    free(rgb);
    /* palette */
    const uint16_t idx[2] = {1, 0};
    const uint8_t pal[6] = {9, 8, 7, 6, 5, 4};
    corpus_png r = {2, 1, 1, 3, 0, 0, idx, pal, 2, NULL, 0, 0, 0};
    write_corpus_file(path, &r);
    CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0);
    CHECK(rgb && rgb[0] == 6 && rgb[2] == 4 && rgb[3] == 9 && rgb[5] == 7);
    free(rgb);
    remove(path);
    CHECK(io_image_read_rgb8("build/no_such_image.png", &rgb, &h, &w) == -1 && rgb == NULL);
}

/* ---- bad input: each rule ---- */

/* A small valid interlaced RGB file to break in various ways. */
static unsigned char *valid_file(size_t *len) {
    static uint16_t s[6 * 5 * 3];
    for (int i = 0; i < 6 * 5 * 3; i++) s[i] = (uint16_t)(i * 11 % 256);
    corpus_png p = {6, 5, 8, 2, 1, -1, s, NULL, 0, NULL, 0, 0, 0};
    return corpus_build(&p, len);
}

/* Decoding must fail with a message containing `want`. */
static int fails_with(const unsigned char *buf, size_t len, const char *want) {
    png_image img;
    util_err_clear();
    int rc = io_png_decode(buf, len, &img);
    if (rc == 0) io_png_free(&img);
    return failed_with(rc, want) && img.pixels == NULL; /* a failed decode leaves no pixels */
}

TEST(rejects_every_truncation) {
    size_t len;
    unsigned char *file = valid_file(&len);
    int ok = 1;
    for (size_t n = 0; n < len; n++) ok &= fails_with(file, n, n < 8 ? "signature" : "truncated");
    CHECK(ok);
    free(file);
}

TEST(rejects_bad_crc_in_each_chunk) {
    size_t len;
    unsigned char *file = valid_file(&len);
    const char *types[3] = {"IHDR", "IDAT", "IEND"};
    for (int t = 0; t < 3; t++) {
        size_t at = corpus_find_chunk(file, len, types[t]);
        CHECK(at > 0);
        file[at + 7] ^= 0x20; /* flips the case of the type's last letter */
        CHECK(fails_with(file, len, "CRC"));
        file[at + 7] ^= 0x20;
    }
    size_t at = corpus_find_chunk(file, len, "IDAT");
    file[at + 8] ^= 1;
    CHECK(fails_with(file, len, "bad CRC in IDAT"));
    free(file);
}

TEST(rejects_bad_zlib) {
    size_t len;
    unsigned char *file = valid_file(&len);
    size_t at = corpus_find_chunk(file, len, "IDAT");
    uint32_t n = (uint32_t)file[at] << 24 | file[at + 1] << 16 | file[at + 2] << 8 | file[at + 3];
    file[at + 8 + n - 1] ^= 0x55; /* Adler-32 of the data */
    corpus_fix_crc(file, at);
    CHECK(fails_with(file, len, "zlib"));
    file[at + 8 + n - 1] ^= 0x55;
    file[at + 8] = 0x79; /* zlib header: not deflate */
    corpus_fix_crc(file, at);
    CHECK(fails_with(file, len, "zlib"));
    free(file);
}

TEST(rejects_ihdr_lies) {
    size_t len;
    unsigned char *file = valid_file(&len);
    unsigned char *ihdr = file + 16;
    ihdr[3] = 7; /* width 6 -> 7: the data runs out */
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "ends early"));
    ihdr[3] = 5; /* width 6 -> 5: data left over */
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "more than"));
    ihdr[3] = 6;
    ihdr[12] = 0; /* says not interlaced: the sizes differ, so does the data */
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "IDAT"));
    ihdr[12] = 2;
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "interlace"));
    ihdr[12] = 1;
    ihdr[8] = 4; /* RGB at 4 bits */
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "bit depth 4"));
    ihdr[8] = 8;
    ihdr[9] = 5;
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "colour type 5"));
    ihdr[9] = 2;
    ihdr[10] = 1;
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "compression"));
    ihdr[10] = 0;
    ihdr[11] = 1;
    corpus_fix_crc(file, 8);
    CHECK(fails_with(file, len, "filter method"));
    ihdr[11] = 0;
    corpus_fix_crc(file, 8);
    png_image img;
    CHECK(io_png_decode(file, len, &img) == 0); /* restored: valid again */
    io_png_free(&img);
    free(file);
}

/* A header-only file: signature, IHDR w x h, one IDAT of a few bytes, IEND. */
static unsigned char *sized_file(uint32_t w, uint32_t h, int bd, int ct, size_t *len) {
    cbuf b = {0};
    cbuf_signature(&b);
    cbuf_ihdr(&b, w, h, bd, ct, 0);
    cbuf_chunk(&b, "IDAT", "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
    cbuf_chunk(&b, "IEND", NULL, 0);
    *len = b.len;
    return b.data;
}

TEST(rejects_absurd_dimensions) {
    size_t len;
    unsigned char *f;
    f = sized_file(0, 5, 8, 0, &len);
    CHECK(fails_with(f, len, "invalid image size 0x5"));
    free(f);
    f = sized_file(5, 0, 8, 0, &len);
    CHECK(fails_with(f, len, "invalid image size 5x0"));
    free(f);
    f = sized_file(0x80000000u, 1, 8, 0, &len);
    CHECK(fails_with(f, len, "invalid image size 2147483648x1"));
    free(f);
    f = sized_file(1, 0xffffffffu, 8, 0, &len);
    CHECK(fails_with(f, len, "invalid image size"));
    free(f);
    /* largest legal dims, RGBA16: the byte count overflows 64 bits' worth of care */
    f = sized_file(0x7fffffffu, 0x7fffffffu, 16, 6, &len);
    CHECK(fails_with(f, len, "too large"));
    free(f);
    f = sized_file(65536, 65536, 8, 0, &len); /* 4 GiB of samples: over the 2 GiB limit */
    CHECK(fails_with(f, len, "too large"));
    free(f);
    /* 1.6 GB: under the limit, but no 100-byte file can inflate to it; nothing is allocated */
    f = sized_file(40000, 40000, 8, 0, &len);
    CHECK(fails_with(f, len, "can hold"));
    free(f);
}

TEST(rejects_bad_structure) {
    size_t len;
    unsigned char *good = valid_file(&len);
    size_t idat = corpus_find_chunk(good, len, "IDAT"), iend = corpus_find_chunk(good, len, "IEND");
    cbuf b = {0};

    /* first chunk not IHDR */
    cbuf_signature(&b);
    cbuf_chunk(&b, "tEXt", "a\0b", 3);
    cbuf_put(&b, good + 8, len - 8);
    CHECK(fails_with(b.data, b.len, "not IHDR"));

    /* unknown critical chunk before the data */
    b.len = 0;
    cbuf_put(&b, good, idat);
    cbuf_chunk(&b, "CRIT", "x", 1);
    cbuf_put(&b, good + idat, len - idat);
    CHECK(fails_with(b.data, b.len, "critical chunk CRIT"));

    /* IEND before any IDAT */
    b.len = 0;
    cbuf_put(&b, good, idat);
    cbuf_chunk(&b, "IEND", NULL, 0);
    CHECK(fails_with(b.data, b.len, "no image data"));

    /* IDATs split by another chunk */
    b.len = 0;
    cbuf_put(&b, good, idat);
    cbuf_chunk(&b, "IDAT", NULL, 0);
    cbuf_chunk(&b, "tEXt", "a\0b", 3);
    cbuf_put(&b, good + idat, len - idat);
    CHECK(fails_with(b.data, b.len, "not consecutive"));

    /* compressed data after the end of the zlib stream */
    b.len = 0;
    cbuf_put(&b, good, iend);
    cbuf_chunk(&b, "IDAT", "\x00\x01", 2);
    cbuf_put(&b, good + iend, len - iend);
    CHECK(fails_with(b.data, b.len, "after the end of the zlib stream"));

    /* file ends after the image data without IEND */
    CHECK(fails_with(good, iend, "truncated"));

    /* a chunk length over 2^31-1 */
    b.len = 0;
    cbuf_put(&b, good, idat);
    cbuf_be32(&b, 0x80000000u);
    cbuf_put(&b, "tEXt", 4);
    cbuf_put(&b, good + idat, len - idat);
    CHECK(fails_with(b.data, b.len, "2^31-1"));

    /* IHDR of the wrong length */
    b.len = 0;
    cbuf_signature(&b);
    cbuf_chunk(&b, "IHDR", good + 16, 12);
    cbuf_put(&b, good + 33, len - 33);
    CHECK(fails_with(b.data, b.len, "IHDR chunk has length 12"));
    free(b.data);
    free(good);
}

TEST(rejects_bad_filter_and_palette) {
    /* a filter type byte of 5 */
    cbuf b = {0};
    unsigned char raw[2] = {5, 0};
    size_t zlen;
    unsigned char *z = corpus_zlib(raw, 2, &zlen);
    cbuf_signature(&b);
    cbuf_ihdr(&b, 1, 1, 8, 0, 0);
    cbuf_chunk(&b, "IDAT", z, zlen);
    cbuf_chunk(&b, "IEND", NULL, 0);
    CHECK(fails_with(b.data, b.len, "filter type 5"));

    /* palette image without PLTE, then with a PLTE of a bad length, then a good one */
    free(z);
    raw[0] = 0;
    z = corpus_zlib(raw, 2, &zlen);
    b.len = 0;
    cbuf_signature(&b);
    cbuf_ihdr(&b, 1, 1, 8, 3, 0);
    size_t after_ihdr = b.len;
    cbuf_chunk(&b, "IDAT", z, zlen);
    cbuf_chunk(&b, "IEND", NULL, 0);
    CHECK(fails_with(b.data, b.len, "without a PLTE"));
    b.len = after_ihdr;
    cbuf_chunk(&b, "PLTE", "\1\2\3\4", 4);
    cbuf_chunk(&b, "IDAT", z, zlen);
    cbuf_chunk(&b, "IEND", NULL, 0);
    CHECK(fails_with(b.data, b.len, "PLTE chunk has invalid length 4"));
    b.len = after_ihdr;
    cbuf_chunk(&b, "PLTE", "\1\2\3", 3);
    cbuf_chunk(&b, "IDAT", z, zlen);
    cbuf_chunk(&b, "IEND", NULL, 0);
    png_image img;
    CHECK(io_png_decode(b.data, b.len, &img) == 0 && img.channels == 3 && ((uint8_t *)img.pixels)[2] == 3);
    io_png_free(&img);
    free(z);
    free(b.data);
}

TEST(read_reports_path) {
    png_image img;
    const char *path = "build/test_png_notpng.png";
    util_write_file_atomic(path, "hello, not a png", 16);
    CHECK(io_png_read(path, &img) == -1);
    CHECK(strstr(samc_errmsg(), path) && strstr(samc_errmsg(), "signature"));
    remove(path);
}

/* With PNG_SEED_DIR set, the test also writes the fuzz seed corpus (fuzz/corpus/png) there:
 * small files of each colour type, the libpng corner cases above, and encoder output. */
static void write_fuzz_seeds(const char *dir) {
    static const struct {
        const char *name;
        int w, h, bd, ct, il, filt, trns;
    } seeds[] = {{"grey1_adam7", 9, 7, 1, 0, 1, -1, 0}, {"grey2_trns", 8, 4, 2, 0, 0, 4, 1},
                 {"grey16_trns", 5, 5, 16, 0, 1, -1, 1}, {"rgb8_filters", 10, 6, 8, 2, 0, -1, 0},
                 {"rgb16_trns_adam7", 6, 6, 16, 2, 1, -1, 1}, {"pal4_trns", 8, 8, 4, 3, 1, -1, 1},
                 {"pal8", 7, 3, 8, 3, 0, 3, 0}, {"ga8_adam7", 9, 9, 8, 4, 1, -1, 0},
                 {"rgba16", 4, 3, 16, 6, 0, -1, 0}};
    char path[1024];
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        corpus_png p = {seeds[i].w, seeds[i].h, seeds[i].bd, seeds[i].ct, seeds[i].il, seeds[i].filt,
                        NULL, NULL, 0, NULL, 0, 0, i % 2};
        uint8_t *pal = NULL, trns[16];
        if (p.color_type == 3) {
            p.palette_size = p.bit_depth == 8 ? 40 : 1 << p.bit_depth;
            p.palette = pal = random_palette(p.palette_size);
        }
        uint16_t *smp = random_samples(&p);
        p.samples = smp;
        if (seeds[i].trns) {
            p.trns_len = p.color_type == 3 ? 5 : p.color_type == 0 ? 2 : 6;
            for (int k = 0; k < p.trns_len; k++) trns[k] = p.color_type == 3 ? (uint8_t)(k * 50) : 0;
            for (int k = 0; p.color_type != 3 && k < p.trns_len / 2; k++)
                trns[2 * k] = (uint8_t)(smp[k] >> 8), trns[2 * k + 1] = (uint8_t)smp[k];
            p.trns = trns;
        }
        snprintf(path, sizeof path, "%s/%s.png", dir, seeds[i].name);
        write_corpus_file(path, &p);
        free(smp);
        free(pal);
    }
    /* libpng's corner cases: out-of-range tRNS keys, a palette index past the PLTE */
    const uint16_t g[2] = {44, 45}, rgb[6] = {1, 2, 3, 4, 5, 6}, idx[4] = {0, 1, 2, 3};
    const uint8_t key_g[2] = {1, 44}, key_rgb[6] = {1, 1, 0, 2, 0, 3}, pal2[6] = {10, 20, 30, 40, 50, 60};
    corpus_png a = {2, 1, 8, 0, 0, 0, g, NULL, 0, key_g, 2, 0, 0}, b = {2, 1, 8, 2, 0, 0, rgb, NULL, 0, key_rgb, 6, 0, 0},
               c = {4, 1, 2, 3, 0, 0, idx, pal2, 2, NULL, 0, 0, 0};
    snprintf(path, sizeof path, "%s/grey8_key_out_of_range.png", dir);
    write_corpus_file(path, &a);
    snprintf(path, sizeof path, "%s/rgb8_key_out_of_range.png", dir);
    write_corpus_file(path, &b);
    snprintf(path, sizeof path, "%s/pal2_index_past_plte.png", dir);
    write_corpus_file(path, &c);
    /* samc's own encoder */
    uint8_t px[6 * 5 * 4], mask[11 * 4];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 13);
    for (size_t i = 0; i < sizeof mask; i++) mask[i] = (uint8_t)(i % 3 == 0);
    png_image img = {6, 5, 4, 8, px};
    snprintf(path, sizeof path, "%s/encoder_rgba8.png", dir);
    io_png_write(path, &img);
    snprintf(path, sizeof path, "%s/encoder_mask1.png", dir);
    io_png_write_mask1(path, mask, 11, 4);
}

int main(void) {
    if (getenv("PNG_SEED_DIR")) write_fuzz_seeds(getenv("PNG_SEED_DIR"));
    RUN(corpus_every_type_depth_interlace_filter);
    RUN(corpus_trns_adds_alpha);
    RUN(corpus_split_idat_and_ancillary_chunks);
    RUN(decode_known_pixels_by_hand);
    RUN(palette_index_past_plte_is_black);
    RUN(palette_indices_option);
    RUN(misfit_trns_is_ignored);
    RUN(trns_key_compares_low_bits);
    RUN(read_header_facts);
    RUN(encoder_roundtrip_every_format);
    RUN(encoder_mask1_roundtrip);
    RUN(encoder_refuses_bad_images);
    RUN(image_rgb8_from_rgba16_grey4_palette);
    RUN(rejects_every_truncation);
    RUN(rejects_bad_crc_in_each_chunk);
    RUN(rejects_bad_zlib);
    RUN(rejects_ihdr_lies);
    RUN(rejects_absurd_dimensions);
    RUN(rejects_bad_structure);
    RUN(rejects_bad_filter_and_palette);
    RUN(read_reports_path);
    return check_summary();
}
