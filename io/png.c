/* PNG decoding and encoding after the W3C PNG specification (2nd edition), with zlib for
 * inflate/deflate and CRC-32.
 *
 * Decoding walks the chunks in order, checking every CRC: IHDR, then PLTE/tRNS and any
 * ancillary chunks (skipped), then consecutive IDAT chunks streamed through one inflate into a
 * buffer of exactly the size the header implies (more or less data is an error), then IEND.
 * The filtered rows (one or seven Adam7 passes) are unfiltered in place and expanded the way
 * libpng's png_set_expand() does: palette -> RGB(A), grey below 8 bits scaled to 0..255,
 * tRNS -> an alpha channel, 16-bit samples kept. Every size is checked before allocation. */
#include "io/png.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

static const unsigned char k_signature[8] = {137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
#define PNG_MAX_DIM 0x7fffffffu   /* widths, heights and chunk lengths: at most 2^31-1 */
#define DEFLATE_MAX_RATIO 1032u   /* no deflate stream expands more than 1032:1 */

static uint32_t get_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

int io_png_is_png(const unsigned char *buf, size_t len) { return len >= 8 && !memcmp(buf, k_signature, 8); }

const char *io_png_color_type_name(int color_type) {
    switch (color_type) {
    case 0: return "grey";
    case 2: return "rgb";
    case 3: return "palette";
    case 4: return "grey+alpha";
    case 6: return "rgba";
    default: return "invalid";
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Chunks                                                                                   */

typedef struct {
    uint32_t length;
    char type[5];
    const unsigned char *data;
    size_t offset; /* of the chunk in the file, for messages */
} png_chunk;

/* Reads the chunk at *pos (length, type, data, CRC), checks it and advances *pos. */
static int next_chunk(const unsigned char *buf, size_t len, size_t *pos, png_chunk *c) {
    size_t p = *pos;
    if (len - p < 12) return util_err("truncated PNG: file ends inside the chunk at byte %zu", p);
    c->length = get_be32(buf + p);
    memcpy(c->type, buf + p + 4, 4);
    c->type[4] = 0;
    c->offset = p;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)c->type[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
            return util_err("invalid chunk type bytes at byte %zu (corrupt PNG)", p + 4);
    }
    if (c->length > PNG_MAX_DIM)
        return util_err("%s chunk at byte %zu: length %u exceeds the PNG limit 2^31-1", c->type, p, c->length);
    if (c->length > len - p - 12)
        return util_err("truncated PNG: %s chunk at byte %zu needs %u data bytes, the file has %zu", c->type, p,
                        c->length, len - p - 12);
    c->data = buf + p + 8;
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf + p + 4, c->length + 4);
    if (crc != get_be32(c->data + c->length))
        return util_err("bad CRC in %s chunk at byte %zu (corrupt PNG)", c->type, p);
    *pos = p + 12 + c->length;
    return 0;
}

static int is_critical(const png_chunk *c) { return c->type[0] >= 'A' && c->type[0] <= 'Z'; }

/* ---------------------------------------------------------------------------------------- */
/* Header: IHDR, PLTE, tRNS                                                                 */

typedef struct {
    png_header h;
    uint8_t palette[256][4]; /* RGBA; entries past the PLTE are black and opaque (as libpng) */
    uint16_t trns_key[3];    /* the transparent grey or RGB colour (colour types 0 and 2) */
    int indices;             /* PNG_PALETTE_INDICES on a palette image: output the index */
} png_meta;

static int parse_ihdr(const png_chunk *c, png_header *h) {
    if (c->length != 13) return util_err("IHDR chunk has length %u, expected 13", c->length);
    const unsigned char *d = c->data;
    uint32_t w = get_be32(d), ht = get_be32(d + 4);
    int bd = d[8], ct = d[9];
    if (w == 0 || ht == 0 || w > PNG_MAX_DIM || ht > PNG_MAX_DIM)
        return util_err("IHDR: invalid image size %ux%u (each must be 1 .. 2^31-1)", w, ht);
    int ok_depth;
    switch (ct) {
    case 0: ok_depth = bd == 1 || bd == 2 || bd == 4 || bd == 8 || bd == 16; break;
    case 3: ok_depth = bd == 1 || bd == 2 || bd == 4 || bd == 8; break;
    case 2: case 4: case 6: ok_depth = bd == 8 || bd == 16; break;
    default: return util_err("IHDR: invalid colour type %d", ct);
    }
    if (!ok_depth) return util_err("IHDR: bit depth %d is not allowed with colour type %d (%s)", bd, ct,
        io_png_color_type_name(ct));
    if (d[10] != 0) return util_err("IHDR: unknown compression method %d", d[10]);
    if (d[11] != 0) return util_err("IHDR: unknown filter method %d", d[11]);
    if (d[12] > 1) return util_err("IHDR: unknown interlace method %d", d[12]);
    memset(h, 0, sizeof *h);
    h->width = (int)w;
    h->height = (int)ht;
    h->bit_depth = bd;
    h->color_type = ct;
    h->interlace = d[12];
    return 0;
}

static int parse_plte(const png_chunk *c, png_meta *m) {
    png_header *h = &m->h;
    if (h->color_type != 3) return 0; /* only a suggestion for RGB; meaningless for grey */
    if (h->palette_size) return util_err("duplicate PLTE chunk");
    if (c->length == 0 || c->length % 3 || c->length > 3 * 256)
        return util_err("PLTE chunk has invalid length %u (need 3 x 1..256)", c->length);
    h->palette_size = (int)(c->length / 3);
    for (int i = 0; i < h->palette_size; i++) {
        memcpy(m->palette[i], c->data + 3 * i, 3);
        m->palette[i][3] = 255;
    }
    return 0;
}

/* A tRNS chunk that does not fit the image is ignored, as libpng does. */
static void parse_trns(const png_chunk *c, png_meta *m) {
    png_header *h = &m->h;
    if (h->has_trns) return;
    if (h->color_type == 3) {
        if (!h->palette_size || c->length == 0 || c->length > (uint32_t)h->palette_size) return;
        for (uint32_t i = 0; i < c->length; i++) m->palette[i][3] = c->data[i];
    } else if (h->color_type == 0 && c->length == 2) {
        m->trns_key[0] = (uint16_t)(c->data[0] << 8 | c->data[1]);
    } else if (h->color_type == 2 && c->length == 6) {
        for (int k = 0; k < 3; k++) m->trns_key[k] = (uint16_t)(c->data[2 * k] << 8 | c->data[2 * k + 1]);
    } else {
        return;
    }
    h->has_trns = 1;
}

/* Samples per pixel as stored (a palette index is one sample). */
static int stored_channels(int color_type) {
    static const int ch[7] = {1, 0, 3, 1, 2, 0, 4};
    return ch[color_type];
}

/* Channels and sample size after expansion. */
static void set_output_format(png_header *h) {
    int ch = h->color_type == 3 ? 3 : stored_channels(h->color_type);
    if (h->has_trns && (h->color_type == 0 || h->color_type == 2 || h->color_type == 3)) ch++;
    h->channels = ch;
    h->out_depth = h->bit_depth == 16 ? 16 : 8;
}

/* Checks the signature and reads the chunks before the first IDAT; *pos is left on it. */
static int parse_until_idat(const unsigned char *buf, size_t len, size_t *pos, png_meta *m) {
    memset(m, 0, sizeof *m);
    for (int i = 0; i < 256; i++) m->palette[i][3] = 255;
    if (!io_png_is_png(buf, len)) return util_err("not a PNG file (bad signature)");
    *pos = 8;
    for (int n = 0;; n++) {
        size_t at = *pos;
        png_chunk c;
        if (next_chunk(buf, len, pos, &c)) return -1;
        if (n == 0) {
            if (strcmp(c.type, "IHDR")) return util_err("first chunk is %s, not IHDR", c.type);
            if (parse_ihdr(&c, &m->h)) return -1;
        } else if (!strcmp(c.type, "IDAT")) {
            if (m->h.color_type == 3 && !m->h.palette_size) return util_err("palette image without a PLTE chunk");
            set_output_format(&m->h);
            *pos = at;
            return 0;
        } else if (!strcmp(c.type, "IHDR")) {
            return util_err("duplicate IHDR chunk");
        } else if (!strcmp(c.type, "PLTE")) {
            if (parse_plte(&c, m)) return -1;
        } else if (!strcmp(c.type, "tRNS")) {
            parse_trns(&c, m);
        } else if (!strcmp(c.type, "IEND")) {
            return util_err("no image data: IEND before any IDAT chunk");
        } else if (is_critical(&c)) {
            return util_err("unknown critical chunk %s", c.type);
        } /* other ancillary chunks: skipped */
    }
}

int io_png_read_header(const unsigned char *buf, size_t len, png_header *h) {
    png_meta *m = util_xmalloc_array(1, sizeof *m);
    if (!m) return -1;
    size_t pos;
    int rc = parse_until_idat(buf, len, &pos, m);
    if (!rc) *h = m->h;
    free(m);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Image data: passes, inflate, unfilter                                                    */

typedef struct {
    int x0, y0, dx, dy;
} adam7_pass;

static const adam7_pass k_adam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                      {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
static const adam7_pass k_single = {0, 0, 1, 1};

/* Width and height of a pass's sub-image (0 if the pass is empty). */
static void pass_size(const adam7_pass *p, const png_header *h, size_t *pw, size_t *ph) {
    *pw = h->width > p->x0 ? ((size_t)h->width - (size_t)p->x0 + (size_t)p->dx - 1) / (size_t)p->dx : 0;
    *ph = h->height > p->y0 ? ((size_t)h->height - (size_t)p->y0 + (size_t)p->dy - 1) / (size_t)p->dy : 0;
}

/* Bytes of one filtered row of pw pixels, without the filter-type byte. */
static size_t row_bytes(const png_header *h, size_t pw) {
    size_t bits = (size_t)stored_channels(h->color_type) * (size_t)h->bit_depth; /* <= 64 */
    return (pw * bits + 7) / 8; /* pw < 2^31: no overflow in 64-bit size_t */
}

static int n_passes(const png_header *h) { return h->interlace ? 7 : 1; }
static const adam7_pass *get_pass(const png_header *h, int i) { return h->interlace ? &k_adam7[i] : &k_single; }

/* Size of the whole decompressed (filtered) image data. Call after the output-size check,
 * which bounds every term here. */
static size_t filtered_size(const png_header *h) {
    size_t total = 0;
    for (int i = 0; i < n_passes(h); i++) {
        size_t pw, ph;
        pass_size(get_pass(h, i), h, &pw, &ph);
        if (pw && ph) total += ph * (1 + row_bytes(h, pw));
    }
    return total;
}

typedef struct {
    z_stream zs;
    unsigned char *raw; /* filtered image data, exactly raw_len bytes */
    size_t raw_len, raw_pos;
    int ended;
} inflater;

/* Feeds one IDAT chunk's data to inflate; the output must fill raw exactly. */
static int inflate_idat(inflater *f, const unsigned char *data, uint32_t n) {
    if (f->ended) {
        if (n) return util_err("IDAT: compressed data continues after the end of the zlib stream");
        return 0;
    }
    f->zs.next_in = (unsigned char *)data;
    f->zs.avail_in = n;
    while (f->zs.avail_in > 0) {
        unsigned char spill;
        int overflow = f->raw_pos == f->raw_len;
        if (overflow) { /* everything expected has arrived: one more byte is one too many */
            f->zs.next_out = &spill;
            f->zs.avail_out = 1;
        } else {
            size_t left = f->raw_len - f->raw_pos;
            f->zs.next_out = f->raw + f->raw_pos;
            f->zs.avail_out = left > (1u << 30) ? (1u << 30) : (uInt)left;
        }
        uInt before = f->zs.avail_out;
        int r = inflate(&f->zs, Z_NO_FLUSH);
        if (overflow) {
            if (f->zs.avail_out == 0)
                return util_err("IDAT: image data decompresses to more than the %zu bytes the IHDR size implies",
                                f->raw_len);
        } else {
            f->raw_pos += before - f->zs.avail_out;
        }
        if (r == Z_STREAM_END) {
            f->ended = 1;
            if (f->raw_pos != f->raw_len)
                return util_err("IDAT: image data ends early (%zu of %zu bytes the IHDR size implies)", f->raw_pos,
                                f->raw_len);
            if (f->zs.avail_in) return util_err("IDAT: compressed data continues after the end of the zlib stream");
            return 0;
        }
        if (r != Z_OK) return util_err("IDAT: bad zlib stream (%s)", f->zs.msg ? f->zs.msg : "corrupt data");
    }
    return 0;
}

/* Reads the IDAT chunks from *pos up to IEND, inflating them into f->raw. */
static int read_image_data(const unsigned char *buf, size_t len, size_t pos, inflater *f) {
    int idat_done = 0;
    for (;;) {
        png_chunk c;
        if (next_chunk(buf, len, &pos, &c)) return -1;
        if (!strcmp(c.type, "IDAT")) {
            if (idat_done) return util_err("IDAT chunks are not consecutive");
            if (inflate_idat(f, c.data, c.length)) return -1;
            continue;
        }
        idat_done = 1;
        if (!strcmp(c.type, "IEND")) break;
        if (is_critical(&c)) return util_err("unexpected critical chunk %s after the image data", c.type);
    }
    if (!f->ended)
        return util_err("IDAT: zlib stream is incomplete (%zu of %zu image bytes; truncated PNG?)", f->raw_pos,
                        f->raw_len);
    return 0;
}

static int paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    return pb <= pc ? b : c;
}

/* Undoes the filter of one row in place. prev is the unfiltered previous row of the same
 * pass, or NULL for its first row (then taken as zeros). bpp: bytes per complete pixel. */
static int unfilter_row(int type, unsigned char *row, const unsigned char *prev, size_t n, size_t bpp) {
    switch (type) {
    case 0: break;
    case 1:
        for (size_t i = bpp; i < n; i++) row[i] = (unsigned char)(row[i] + row[i - bpp]);
        break;
    case 2:
        if (prev)
            for (size_t i = 0; i < n; i++) row[i] = (unsigned char)(row[i] + prev[i]);
        break;
    case 3:
        for (size_t i = 0; i < n; i++) {
            int left = i >= bpp ? row[i - bpp] : 0, up = prev ? prev[i] : 0;
            row[i] = (unsigned char)(row[i] + ((left + up) >> 1));
        }
        break;
    case 4:
        for (size_t i = 0; i < n; i++) {
            int left = i >= bpp ? row[i - bpp] : 0, up = prev ? prev[i] : 0;
            int ul = prev && i >= bpp ? prev[i - bpp] : 0;
            row[i] = (unsigned char)(row[i] + paeth(left, up, ul));
        }
        break;
    default: return util_err("invalid filter type %d (corrupt PNG)", type);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Expansion to the output samples                                                          */

/* Sample i of a row at bit depth bd (big-endian for 16 bits, MSB-first packing below 8). */
static unsigned sample_at(const unsigned char *row, size_t i, int bd) {
    if (bd == 8) return row[i];
    if (bd == 16) return (unsigned)row[2 * i] << 8 | row[2 * i + 1];
    size_t bit = i * (size_t)bd;
    return (unsigned)(row[bit / 8] >> (8 - bd - (int)(bit % 8))) & ((1u << bd) - 1);
}

static void put_sample(void *pixels, size_t i, int out_depth, unsigned v) {
    if (out_depth == 16) ((uint16_t *)pixels)[i] = (uint16_t)v;
    else ((uint8_t *)pixels)[i] = (uint8_t)v;
}

/* Expands pixel x of an unfiltered row into the output samples starting at index o. */
static void expand_pixel(const png_meta *m, const unsigned char *row, size_t x, void *out, size_t o) {
    const png_header *h = &m->h;
    int bd = h->bit_depth, od = h->out_depth;
    unsigned maxv = (1u << bd) - 1, out_max = (1u << od) - 1;
    size_t sc = (size_t)stored_channels(h->color_type);
    unsigned s[4];
    for (size_t k = 0; k < sc; k++) s[k] = sample_at(row, x * sc + k, bd);
    switch (h->color_type) {
    case 3: {
        if (m->indices) {
            put_sample(out, o, 8, s[0]);
            break;
        }
        const uint8_t *e = m->palette[s[0]]; /* s[0] < 2^bd <= 256 */
        for (int k = 0; k < h->channels; k++) put_sample(out, o + (size_t)k, 8, e[k]);
        break;
    }
    /* tRNS keys are compared in the low bit_depth bits only, as libpng does */
    case 0:
        put_sample(out, o, od, bd < 8 ? s[0] * 255 / maxv : s[0]);
        if (h->has_trns) put_sample(out, o + 1, od, s[0] == (m->trns_key[0] & maxv) ? 0 : out_max);
        break;
    case 2:
        for (int k = 0; k < 3; k++) put_sample(out, o + (size_t)k, od, s[k]);
        if (h->has_trns) {
            int key = s[0] == (m->trns_key[0] & maxv) && s[1] == (m->trns_key[1] & maxv) &&
                      s[2] == (m->trns_key[2] & maxv);
            put_sample(out, o + 3, od, key ? 0 : out_max);
        }
        break;
    default: /* grey+alpha, RGBA: as stored */
        for (size_t k = 0; k < sc; k++) put_sample(out, o + k, od, s[k]);
        break;
    }
}

/* Unfilters every pass of raw (in place) and scatters its pixels into out (h x w x channels). */
static int unfilter_and_expand(const png_meta *m, unsigned char *raw, void *out) {
    const png_header *h = &m->h;
    size_t bpp = ((size_t)stored_channels(h->color_type) * (size_t)h->bit_depth + 7) / 8;
    size_t off = 0;
    for (int p = 0; p < n_passes(h); p++) {
        const adam7_pass *ps = get_pass(h, p);
        size_t pw, ph;
        pass_size(ps, h, &pw, &ph);
        if (!pw || !ph) continue;
        size_t rb = row_bytes(h, pw);
        const unsigned char *prev = NULL;
        for (size_t r = 0; r < ph; r++, off += 1 + rb) {
            unsigned char *row = raw + off + 1;
            if (unfilter_row(raw[off], row, prev, rb, bpp))
                return util_err_context("row %zu%s", r, h->interlace ? " of an interlace pass" : "");
            prev = row;
            size_t y = (size_t)ps->y0 + r * (size_t)ps->dy;
            for (size_t c = 0; c < pw; c++) {
                size_t x = (size_t)ps->x0 + c * (size_t)ps->dx;
                expand_pixel(m, row, c, out, (y * (size_t)h->width + x) * (size_t)h->channels);
            }
        }
    }
    return 0;
}

int io_png_decoded_bytes(const png_header *h, size_t *bytes) {
    int64_t dims[4] = {h->height, h->width, h->channels, h->out_depth / 8};
    if (util_size_prod(dims, 4, bytes) || *bytes > PNG_MAX_DECODED_BYTES)
        return util_err("image %dx%d with %d channel(s) of %d bits is too large to decode (limit %zu bytes)",
                        h->width, h->height, h->channels, h->out_depth, PNG_MAX_DECODED_BYTES);
    return 0;
}

int io_png_read_file_header(const char *path, png_header *h) {
    unsigned char *buf = NULL;
    size_t len;
    int rc;
    /* a head of the file grown until the chunks before the image data fit: the header facts
     * never need the (possibly huge) image data */
    for (size_t cap = (size_t)1 << 16;; cap *= 2) {
        free(buf);
        if (util_read_file_head(path, cap, &buf, &len)) return -1;
        rc = io_png_read_header(buf, len, h);
        if (rc == 0 || len < cap || cap >= PNG_MAX_FILE_BYTES) break; /* else the head may have cut the chunks */
    }
    free(buf);
    return rc ? util_err_context("%s", path) : 0;
}

int io_png_decode(const unsigned char *buf, size_t len, png_image *img) { return io_png_decode_ex(buf, len, 0, img); }

int io_png_decode_ex(const unsigned char *buf, size_t len, int flags, png_image *img) {
    memset(img, 0, sizeof *img);
    png_meta *m = util_xmalloc_array(1, sizeof *m);
    if (!m) return -1;
    inflater f;
    memset(&f, 0, sizeof f);
    int rc = -1, zinit = 0;
    size_t pos, out_bytes;
    void *out = NULL;
    if (parse_until_idat(buf, len, &pos, m)) goto done;
    png_header *h = &m->h;
    if ((flags & PNG_PALETTE_INDICES) && h->color_type == 3) {
        m->indices = 1;
        h->channels = 1; /* tRNS alpha belongs to the colours, not to the indices */
        h->out_depth = 8;
    }
    if (io_png_decoded_bytes(h, &out_bytes)) goto done;
    f.raw_len = filtered_size(h);
    if (f.raw_len / DEFLATE_MAX_RATIO > len) {
        util_err("IHDR size %dx%d needs %zu bytes of image data, more than a %zu-byte file can hold", h->width,
                 h->height, f.raw_len, len);
        goto done;
    }
    f.raw = util_xmalloc_array(f.raw_len, 1);
    if (!f.raw) goto done;
    if (inflateInit(&f.zs) != Z_OK) {
        util_err("zlib inflateInit failed");
        goto done;
    }
    zinit = 1;
    if (read_image_data(buf, len, pos, &f)) goto done;
    out = util_xmalloc_array(out_bytes, 1);
    if (!out || unfilter_and_expand(m, f.raw, out)) goto done;
    img->width = h->width;
    img->height = h->height;
    img->channels = h->channels;
    img->bit_depth = h->out_depth;
    img->pixels = out;
    out = NULL;
    rc = 0;
done:
    if (zinit) inflateEnd(&f.zs);
    free(f.raw);
    free(out);
    free(m);
    return rc;
}

int io_png_read(const char *path, png_image *img) { return io_png_read_ex(path, 0, img); }

int io_png_read_ex(const char *path, int flags, png_image *img) {
    unsigned char *buf;
    size_t len;
    memset(img, 0, sizeof *img);
    if (util_read_whole_file(path, PNG_MAX_FILE_BYTES, &buf, &len)) return -1;
    int rc = io_png_decode_ex(buf, len, flags, img);
    free(buf);
    if (rc) return util_err_context("%s", path);
    return 0;
}

void io_png_free(png_image *img) {
    free(img->pixels);
    img->pixels = NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Encoding                                                                                 */

static int write_chunk(atomic_file *af, const char *type, const unsigned char *data, size_t n) {
    unsigned char hdr[8], tail[4];
    put_be32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), hdr + 4, 4);
    if (n) crc = crc32(crc, data, (uInt)n);
    put_be32(tail, (uint32_t)crc);
    util_atomic_file_write(af, hdr, 8);
    if (n) util_atomic_file_write(af, data, n);
    return util_atomic_file_write(af, tail, 4);
}

/* Chooses a filter for each row (the one with the smallest sum of |signed byte|, the usual
 * heuristic; none below 8 bits, as the spec recommends) and applies it. rows holds h rows of
 * 1 + rb bytes whose first byte is free; out gets the filtered rows. */
static unsigned char filter_byte(int type, const unsigned char *cur, const unsigned char *up, size_t i, size_t bpp) {
    int a = i >= bpp ? cur[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
    int pred = type == 0 ? 0 : type == 1 ? a : type == 2 ? b : type == 3 ? (a + b) >> 1 : paeth(a, b, c);
    return (unsigned char)(cur[i] - pred);
}

static void filter_rows(const unsigned char *rows, unsigned char *out, size_t h, size_t rb, size_t bpp, int adaptive) {
    for (size_t y = 0; y < h; y++) {
        const unsigned char *cur = rows + y * (1 + rb) + 1;
        const unsigned char *up = y ? cur - (1 + rb) : NULL;
        unsigned char *dst = out + y * (1 + rb);
        size_t best_sum = SIZE_MAX;
        int best = 0;
        for (int t = 0; t < (adaptive ? 5 : 1); t++) {
            size_t sum = 0;
            for (size_t i = 0; i < rb; i++) sum += (size_t)abs((int)(signed char)filter_byte(t, cur, up, i, bpp));
            if (sum < best_sum) best_sum = sum, best = t;
        }
        dst[0] = (unsigned char)best;
        for (size_t i = 0; i < rb; i++) dst[1 + i] = filter_byte(best, cur, up, i, bpp);
    }
}

/* Filters, compresses and writes rows (h rows of 1 + rb bytes, first byte free). */
static int encode_rows(const char *path, int width, int height, int bit_depth, int color_type, int channels,
                       const unsigned char *rows, size_t rb) {
    int rc = -1;
    size_t n, bound;
    unsigned char *filtered = NULL, *z = NULL;
    atomic_file af;
    if (util_size_mul((size_t)height, 1 + rb, &n)) return -1;
    filtered = util_xmalloc_array(n, 1);
    if (!filtered) return -1;
    size_t bpp = ((size_t)channels * (size_t)bit_depth + 7) / 8;
    filter_rows(rows, filtered, (size_t)height, rb, bpp, bit_depth >= 8);
    bound = compressBound((uLong)n);
    z = util_xmalloc_array(bound, 1);
    if (!z) goto done;
    uLongf zlen = (uLongf)bound;
    if (compress2(z, &zlen, filtered, (uLong)n, 6) != Z_OK) {
        util_err("%s: zlib compression failed", path);
        goto done;
    }
    unsigned char ihdr[13];
    put_be32(ihdr, (uint32_t)width);
    put_be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = (unsigned char)bit_depth;
    ihdr[9] = (unsigned char)color_type;
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    if (util_atomic_file_open(&af, path)) goto done;
    util_atomic_file_write(&af, k_signature, 8);
    write_chunk(&af, "IHDR", ihdr, 13);
    for (size_t off = 0; off < zlen; off += 1u << 20) /* IDATs of at most 1 MiB */
        write_chunk(&af, "IDAT", z + off, zlen - off < (1u << 20) ? zlen - off : (1u << 20));
    write_chunk(&af, "IEND", NULL, 0);
    rc = util_atomic_file_commit(&af);
done:
    free(filtered);
    free(z);
    return rc;
}

static int check_write_size(const char *path, int width, int height) {
    if (width <= 0 || height <= 0 || (uint32_t)width > PNG_MAX_DIM || (uint32_t)height > PNG_MAX_DIM)
        return util_err("%s: cannot write a %dx%d PNG", path, width, height);
    return 0;
}

int io_png_write(const char *path, const png_image *img) {
    static const int color_types[5] = {0, 0, 4, 2, 6};
    if (check_write_size(path, img->width, img->height)) return -1;
    if (img->channels < 1 || img->channels > 4 || (img->bit_depth != 8 && img->bit_depth != 16) || !img->pixels)
        return util_err("%s: cannot write %d channel(s) at %d bits", path, img->channels, img->bit_depth);
    size_t w = (size_t)img->width, h = (size_t)img->height, per_row, rb, total;
    if (util_size_mul(w, (size_t)img->channels, &per_row) || util_size_mul(per_row, (size_t)img->bit_depth / 8, &rb) ||
        util_size_mul(h, 1 + rb, &total))
        return util_err_context("%s", path);
    unsigned char *rows = util_xmalloc_array(total, 1);
    if (!rows) return -1;
    for (size_t y = 0; y < h; y++) {
        unsigned char *dst = rows + y * (1 + rb) + 1;
        if (img->bit_depth == 8) {
            memcpy(dst, (const uint8_t *)img->pixels + y * per_row, per_row);
        } else {
            const uint16_t *src = (const uint16_t *)img->pixels + y * per_row;
            for (size_t i = 0; i < per_row; i++) dst[2 * i] = (unsigned char)(src[i] >> 8), dst[2 * i + 1] = (unsigned char)src[i];
        }
    }
    int rc = encode_rows(path, img->width, img->height, img->bit_depth, color_types[img->channels], img->channels,
                         rows, rb);
    free(rows);
    return rc;
}

int io_png_write_mask1(const char *path, const uint8_t *mask, int width, int height) {
    if (check_write_size(path, width, height)) return -1;
    size_t w = (size_t)width, h = (size_t)height, rb = (w + 7) / 8, total;
    if (util_size_mul(h, 1 + rb, &total)) return util_err_context("%s", path);
    unsigned char *rows = util_xcalloc_array(total, 1);
    if (!rows) return -1;
    for (size_t y = 0; y < h; y++) {
        unsigned char *dst = rows + y * (1 + rb) + 1;
        for (size_t x = 0; x < w; x++)
            if (mask[y * w + x]) dst[x / 8] |= (unsigned char)(0x80 >> (x % 8));
    }
    int rc = encode_rows(path, width, height, 1, 0, 1, rows, rb);
    free(rows);
    return rc;
}
