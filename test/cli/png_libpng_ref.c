/* External reference for samc's PNG code, built against libpng by test_png_libpng.sh
 * (only when libpng is installed; it is not part of samc).
 *
 *   png_libpng_ref write DIR     writes PNGs of every colour type, bit depth, interlace and
 *                                tRNS variant with libpng into DIR
 *   png_libpng_ref read FILE RAW decodes FILE with libpng's expand transforms (palette ->
 *                                RGB(A), grey < 8 bits -> 8, tRNS -> alpha, 16 bits kept,
 *                                little-endian) into RAW and prints "H W C DEPTH" */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned rng_state = 7;
static unsigned rng(void) {
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static int spp_of(int ct) { return ct == 2 ? 3 : ct == 4 ? 2 : ct == 6 ? 4 : 1; }

static int write_one(const char *dir, int ct, int bd, int interlace, int trns) {
    char path[4096];
    snprintf(path, sizeof path, "%s/lib_ct%d_bd%d_i%d%s.png", dir, ct, bd, interlace, trns ? "_trns" : "");
    FILE *fp = fopen(path, "wb");
    if (!fp) return 1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fclose(fp);
        return 1;
    }
    png_init_io(png, fp);
    int w = 19, h = 13, spp = spp_of(ct), npal = ct == 3 ? (bd == 8 ? 100 : 1 << bd) : 0;
    unsigned range = ct == 3 ? (unsigned)npal : 1u << bd;
    png_set_IHDR(png, info, w, h, bd, ct, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, 0, PNG_ALL_FILTERS);
    png_color pal[256];
    png_byte alpha[256];
    for (int i = 0; i < npal; i++) {
        pal[i].red = (png_byte)rng(), pal[i].green = (png_byte)rng(), pal[i].blue = (png_byte)rng();
        alpha[i] = (png_byte)rng();
    }
    if (npal) png_set_PLTE(png, info, pal, npal);
    unsigned *s = malloc(sizeof *s * (size_t)w * h * spp);
    for (int i = 0; i < w * h * spp; i++) s[i] = rng() % range;
    if (trns) {
        png_color_16 key = {0, 0, 0, 0, 0};
        if (ct == 0) key.gray = (png_uint_16)s[0];
        if (ct == 2) key.red = (png_uint_16)s[0], key.green = (png_uint_16)s[1], key.blue = (png_uint_16)s[2];
        png_set_tRNS(png, info, alpha, ct == 3 ? npal / 2 + 1 : 0, ct == 3 ? NULL : &key);
    }
    png_write_info(png, info);
    size_t rb = ((size_t)w * spp * bd + 7) / 8;
    png_bytep data = calloc(rb * h, 1);
    png_bytepp rows = malloc(sizeof *rows * h);
    for (int y = 0; y < h; y++) {
        rows[y] = data + rb * y;
        for (int i = 0; i < w * spp; i++) {
            unsigned v = s[y * w * spp + i];
            if (bd == 16) rows[y][2 * i] = (png_byte)(v >> 8), rows[y][2 * i + 1] = (png_byte)v;
            else if (bd == 8) rows[y][i] = (png_byte)v;
            else rows[y][i * bd / 8] |= (png_byte)(v << (8 - bd - i * bd % 8));
        }
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    free(s), free(data), free(rows);
    return 0;
}

static int write_all(const char *dir) {
    static const int fmts[][2] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16}, {3, 1},
                                  {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8}, {6, 16}};
    int bad = 0;
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (int il = 0; il <= 1; il++)
            for (int trns = 0; trns <= (fmts[f][0] == 4 || fmts[f][0] == 6 ? 0 : 1); trns++)
                bad |= write_one(dir, fmts[f][0], fmts[f][1], il, trns);
    return bad;
}

static int read_one(const char *in, const char *out) {
    FILE *fp = fopen(in, "rb");
    if (!fp) return 1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fclose(fp);
        return 1;
    }
    png_init_io(png, fp);
    png_read_info(png, info);
    png_set_expand(png);
    if (png_get_bit_depth(png, info) == 16) png_set_swap(png); /* .npy is little-endian */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    int c = png_get_channels(png, info), d = png_get_bit_depth(png, info);
    size_t rb = png_get_rowbytes(png, info);
    png_bytep data = malloc(rb * h);
    png_bytepp rows = malloc(sizeof *rows * h);
    for (int y = 0; y < h; y++) rows[y] = data + rb * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    FILE *o = fopen(out, "wb");
    int bad = !o || fwrite(data, 1, rb * h, o) != rb * h;
    if (o) fclose(o);
    printf("%d %d %d %d\n", h, w, c, d);
    free(data), free(rows);
    return bad;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "write")) return write_all(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "read")) return read_one(argv[2], argv[3]);
    fprintf(stderr, "usage: png_libpng_ref write DIR | read FILE RAW\n");
    return 2;
}
