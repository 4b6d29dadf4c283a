/* DICOM file structure: the preamble and file meta group, the transfer syntax, the element
 * stream (PS3.5 section 7) with its sequences, and the attributes samc needs.
 *
 * Every length is checked against the bytes that remain before it is used; sequences and
 * items of undefined length are walked element by element to their delimiters, which is the
 * only way to find their end; each step consumes at least 8 bytes, so no input loops. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef ZLIB_CONST
#define ZLIB_CONST
#endif
#include <zlib.h>

#include "io/dicom_internal.h"
#include "util/err.h"
#include "util/mem.h"

#define TAG(g, e) ((uint32_t)(g) << 16 | (uint32_t)(e))
#define GROUP(t) ((unsigned)((t) >> 16))
#define ELEM(t) ((unsigned)((t)&0xffff))
#define UNDEFINED 0xffffffffu

enum {
    T_TRANSFER_SYNTAX = TAG(0x0002, 0x0010),
    T_MODALITY = TAG(0x0008, 0x0060),
    T_SLICE_THICKNESS = TAG(0x0018, 0x0050),
    T_SPACING_BETWEEN = TAG(0x0018, 0x0088),
    T_SERIES_UID = TAG(0x0020, 0x000e),
    T_POSITION = TAG(0x0020, 0x0032),
    T_ORIENTATION = TAG(0x0020, 0x0037),
    T_PLANE_POSITION_SEQ = TAG(0x0020, 0x9113),
    T_PLANE_ORIENTATION_SEQ = TAG(0x0020, 0x9116),
    T_SAMPLES = TAG(0x0028, 0x0002),
    T_PHOTOMETRIC = TAG(0x0028, 0x0004),
    T_PLANAR = TAG(0x0028, 0x0006),
    T_FRAMES = TAG(0x0028, 0x0008),
    T_ROWS = TAG(0x0028, 0x0010),
    T_COLUMNS = TAG(0x0028, 0x0011),
    T_PIXEL_SPACING = TAG(0x0028, 0x0030),
    T_BITS_ALLOCATED = TAG(0x0028, 0x0100),
    T_BITS_STORED = TAG(0x0028, 0x0101),
    T_HIGH_BIT = TAG(0x0028, 0x0102),
    T_PIXEL_REPRESENTATION = TAG(0x0028, 0x0103),
    T_WINDOW_CENTER = TAG(0x0028, 0x1050),
    T_WINDOW_WIDTH = TAG(0x0028, 0x1051),
    T_RESCALE_INTERCEPT = TAG(0x0028, 0x1052),
    T_RESCALE_SLOPE = TAG(0x0028, 0x1053),
    T_PIXEL_MEASURES_SEQ = TAG(0x0028, 0x9110),
    T_PIXEL_TRANSFORM_SEQ = TAG(0x0028, 0x9145),
    T_GRID_FRAME_OFFSETS = TAG(0x3004, 0x000c),
    T_SHARED_GROUPS = TAG(0x5200, 0x9229),
    T_PER_FRAME_GROUPS = TAG(0x5200, 0x9230),
    T_FLOAT_PIXEL_DATA = TAG(0x7fe0, 0x0008),
    T_DOUBLE_PIXEL_DATA = TAG(0x7fe0, 0x0009),
    T_PIXEL_DATA = TAG(0x7fe0, 0x0010),
    T_ITEM = TAG(0xfffe, 0xe000),
    T_ITEM_END = TAG(0xfffe, 0xe00d),
    T_SEQUENCE_END = TAG(0xfffe, 0xe0dd),
};

/* Names for messages, of the attributes samc reads. */
static const char *tag_name(uint32_t tag) {
    static const struct {
        uint32_t tag;
        const char *name;
    } k[] = {
        {T_MODALITY, "Modality"},
        {T_SLICE_THICKNESS, "Slice Thickness"},
        {T_SPACING_BETWEEN, "Spacing Between Slices"},
        {T_SERIES_UID, "Series Instance UID"},
        {T_POSITION, "Image Position (Patient)"},
        {T_ORIENTATION, "Image Orientation (Patient)"},
        {T_SAMPLES, "Samples per Pixel"},
        {T_PHOTOMETRIC, "Photometric Interpretation"},
        {T_PLANAR, "Planar Configuration"},
        {T_FRAMES, "Number of Frames"},
        {T_ROWS, "Rows"},
        {T_COLUMNS, "Columns"},
        {T_PIXEL_SPACING, "Pixel Spacing"},
        {T_BITS_ALLOCATED, "Bits Allocated"},
        {T_BITS_STORED, "Bits Stored"},
        {T_HIGH_BIT, "High Bit"},
        {T_PIXEL_REPRESENTATION, "Pixel Representation"},
        {T_WINDOW_CENTER, "Window Center"},
        {T_WINDOW_WIDTH, "Window Width"},
        {T_RESCALE_INTERCEPT, "Rescale Intercept"},
        {T_RESCALE_SLOPE, "Rescale Slope"},
        {T_GRID_FRAME_OFFSETS, "Grid Frame Offset Vector"},
        {T_PIXEL_DATA, "Pixel Data"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i].tag == tag) return k[i].name;
    return "element";
}

/* ---- transfer syntaxes (PS3.6 annex A) ---- */

typedef struct {
    const char *uid, *name;
    int supported, explicit_vr, big, deflated;
} syntax;

static const syntax k_syntaxes[] = {
    {"1.2.840.10008.1.2", "Implicit VR Little Endian", 1, 0, 0, 0},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", 1, 1, 0, 0},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", 1, 1, 0, 1},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian", 1, 1, 1, 0},
    {"1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.94", "JPIP Referenced", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", 0, 0, 0, 0},
    {"1.2.840.10008.1.2.5", "RLE Lossless", 0, 0, 0, 0},
};

static const syntax *find_syntax(const char *uid) {
    for (size_t i = 0; i < sizeof k_syntaxes / sizeof k_syntaxes[0]; i++)
        if (!strcmp(k_syntaxes[i].uid, uid)) return &k_syntaxes[i];
    return NULL;
}

/* ---- bytes ---- */

static unsigned rd16(const unsigned char *p, int big) {
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}
static uint32_t rd32(const unsigned char *p, int big) {
    return big ? (uint32_t)rd16(p, 1) << 16 | rd16(p + 2, 1) : (uint32_t)rd16(p + 2, 0) << 16 | rd16(p, 0);
}

/* The value representations of PS3.5 6.2; those with a 4-byte length in explicit VR. */
static int is_vr(unsigned char a, unsigned char b) {
    static const char k_vrs[] = "AEASATCSDADSDTFLFDISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV";
    for (const char *v = k_vrs; *v; v += 2)
        if (v[0] == a && v[1] == b) return 1;
    return 0;
}
static int long_vr(const char *vr) {
    static const char *const k[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(vr, k[i])) return 1;
    return 0;
}

/* ---- the element stream ---- */

typedef struct {
    const unsigned char *buf;
    int explicit_vr, big;
} stream;

typedef struct {
    uint32_t tag;
    char vr[3];   /* "" in implicit VR and for items */
    uint32_t len; /* UNDEFINED for undefined length */
    size_t value; /* offset of the value */
} element;

static int read_element(const stream *s, size_t pos, size_t end, element *e) {
    if (end - pos < 8)
        return util_err("truncated: an element at offset %zu needs at least 8 bytes, %zu remain", pos, end - pos);
    const unsigned char *p = s->buf + pos;
    e->tag = (uint32_t)rd16(p, s->big) << 16 | rd16(p + 2, s->big);
    e->vr[0] = 0;
    /* items and delimiters have no VR in any syntax */
    if (GROUP(e->tag) == 0xfffe || !s->explicit_vr) {
        e->len = rd32(p + 4, s->big);
        e->value = pos + 8;
        return 0;
    }
    if (!is_vr(p[4], p[5]))
        return util_err("(%04X,%04X) at offset %zu: bytes %02X %02X are not a value representation (explicit VR "
                        "expected)", GROUP(e->tag), ELEM(e->tag), pos, p[4], p[5]);
    e->vr[0] = (char)p[4];
    e->vr[1] = (char)p[5];
    e->vr[2] = 0;
    if (!long_vr(e->vr)) {
        e->len = rd16(p + 6, s->big);
        e->value = pos + 8;
        return 0;
    }
    if (end - pos < 12) return util_err("truncated: the %s element at offset %zu needs 12 bytes, %zu remain", e->vr,
        pos, end - pos);
    e->len = rd32(p + 8, s->big);
    e->value = pos + 12;
    return 0;
}

/* ---- values ---- */

/* The value with leading and trailing spaces and NULs (DICOM's padding) removed. */
static void trimmed(const unsigned char *v, size_t n, const unsigned char **start, size_t *len) {
    while (n && (v[0] == ' ' || v[0] == 0)) v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == 0)) n--;
    *start = v;
    *len = n;
}

static int get_string(const unsigned char *v, size_t n, char *out, size_t cap, uint32_t tag) {
    const unsigned char *s;
    size_t len;
    trimmed(v, n, &s, &len);
    if (len >= cap)
        return util_err("(%04X,%04X) %s: %zu characters, more than %zu", GROUP(tag), ELEM(tag), tag_name(tag), len,
                        cap - 1);
    for (size_t i = 0; i < len; i++) out[i] = isprint(s[i]) ? (char)s[i] : '?';
    out[len] = 0;
    return 0;
}

/* Decimal strings (DS, IS) separated by backslashes: up to max of them into out (NULL: none),
 * their count in *count. Each must be a whole finite number. */
static int get_numbers(const unsigned char *v, size_t n, double *out, size_t max, size_t *count, uint32_t tag) {
    size_t k = 0;
    for (size_t at = 0; at <= n; k++) {
        size_t stop = at;
        while (stop < n && v[stop] != '\\') stop++;
        const unsigned char *s;
        size_t len;
        trimmed(v + at, stop - at, &s, &len);
        char tmp[64];
        char *endp = tmp;
        double d = 0;
        if (len && len < sizeof tmp) {
            memcpy(tmp, s, len);
            tmp[len] = 0;
            errno = 0;
            d = strtod(tmp, &endp);
        }
        if (!len || len >= sizeof tmp || endp != tmp + len || !isfinite(d))
            return util_err("(%04X,%04X) %s: value %zu ('%.*s') is not a number", GROUP(tag), ELEM(tag),
                            tag_name(tag), k + 1, (int)(len < 40 ? len : 40), (const char *)s);
        if (out && k < max) out[k] = d;
        at = stop + 1;
    }
    *count = k;
    return 0;
}

/* Exactly `want` numbers. */
static int get_n(const unsigned char *v, size_t n, double *out, size_t want, uint32_t tag) {
    size_t k;
    if (get_numbers(v, n, out, want, &k, tag)) return -1;
    if (k != want) return util_err("(%04X,%04X) %s has %zu values, expected %zu", GROUP(tag), ELEM(tag),
        tag_name(tag), k, want);
    return 0;
}

/* The first of one or more numbers (Window Center may list several windows). */
static int get_first(const unsigned char *v, size_t n, double *out, uint32_t tag) {
    size_t k;
    return get_numbers(v, n, out, 1, &k, tag);
}

static int get_us(const stream *s, const element *e, int *out) {
    if (e->len < 2)
        return util_err("(%04X,%04X) %s: %u bytes, expected 2", GROUP(e->tag), ELEM(e->tag), tag_name(e->tag), e->len);
    *out = (int)rd16(s->buf + e->value, s->big);
    return 0;
}

/* An integer string within [lo, hi]. */
static int get_int(const unsigned char *v, size_t n, long lo, long hi, int *out, uint32_t tag) {
    const unsigned char *s;
    size_t len;
    trimmed(v, n, &s, &len);
    char tmp[24];
    char *endp = tmp;
    long x = 0;
    if (len && len < sizeof tmp) {
        memcpy(tmp, s, len);
        tmp[len] = 0;
        errno = 0;
        x = strtol(tmp, &endp, 10);
    }
    if (!len || len >= sizeof tmp || endp != tmp + len || errno || x < lo || x > hi)
        return util_err("(%04X,%04X) %s: '%.*s' is not an integer in %ld..%ld", GROUP(tag), ELEM(tag), tag_name(tag),
                        (int)(len < 24 ? len : 24), (const char *)s, lo, hi);
    *out = (int)x;
    return 0;
}

/* ---- attributes ---- */

typedef struct {
    dicom_file *f;
    int depth;                       /* items entered */
    uint32_t seq[DICOM_MAX_DEPTH];   /* the sequence of each entered item */
    size_t item[DICOM_MAX_DEPTH];    /* its index in that sequence */
    int fg_orientation, fg_measures; /* Image Orientation / Pixel Measures taken from a functional group */
} walker;

/* Image Orientation (Patient): set once, and any later one (another frame's) must agree. */
static int set_orientation(dicom_file *f, const double iop[6]) {
    if (f->info.has_orientation) {
        for (int i = 0; i < 6; i++)
            if (fabs(f->iop[i] - iop[i]) > 1e-4)
                return util_err("the frames have different Image Orientation (Patient): not a volume");
        return 0;
    }
    memcpy(f->iop, iop, sizeof f->iop);
    f->info.has_orientation = 1;
    return 0;
}

static int store_rescale(dicom_file *f, uint32_t tag, double x) {
    double *dst = tag == T_RESCALE_SLOPE ? &f->info.slope : &f->info.intercept;
    int bit = tag == T_RESCALE_SLOPE ? 1 : 2;
    if (f->info.has_rescale & bit) {
        /* per-frame values of an enhanced file: one rescale per volume */
        if (*dst != x) return util_err("the frames have different %s values: not supported", tag_name(tag));
        return 0;
    }
    *dst = x;
    f->info.has_rescale |= bit;
    return 0;
}

/* 1 for a text value of only padding: an empty (type 2) attribute, taken as absent. */
static int blank(const unsigned char *v, size_t n) {
    const unsigned char *s;
    size_t len;
    trimmed(v, n, &s, &len);
    return len == 0;
}

/* The attributes holding a binary US value (all others samc reads are text). */
static int binary_us(uint32_t tag) {
    return tag == T_SAMPLES || tag == T_PLANAR || tag == T_ROWS || tag == T_COLUMNS || tag == T_BITS_ALLOCATED ||
           tag == T_BITS_STORED || tag == T_HIGH_BIT || tag == T_PIXEL_REPRESENTATION;
}

/* An attribute of the data set itself (not inside any sequence). */
static int store_top(dicom_file *f, const stream *s, const element *e) {
    const unsigned char *v = s->buf + e->value;
    size_t n = e->len;
    dicom_info *in = &f->info;
    double x;
    if (e->tag != T_PIXEL_DATA && !binary_us(e->tag) && blank(v, n)) return 0;
    switch (e->tag) {
    case T_MODALITY: return get_string(v, n, in->modality, sizeof in->modality, e->tag);
    case T_SERIES_UID: return get_string(v, n, in->series_uid, sizeof in->series_uid, e->tag);
    case T_PHOTOMETRIC: return get_string(v, n, in->photometric, sizeof in->photometric, e->tag);
    case T_POSITION:
        in->has_position = 1;
        return get_n(v, n, f->ipp, 3, e->tag);
    case T_ORIENTATION: {
        double iop[6];
        return get_n(v, n, iop, 6, e->tag) || set_orientation(f, iop);
    }
    case T_PIXEL_SPACING:
        in->has_pixel_spacing = 1;
        return get_n(v, n, in->pixel_spacing, 2, e->tag);
    case T_SLICE_THICKNESS: return get_first(v, n, &f->slice_thickness, e->tag);
    case T_SPACING_BETWEEN: return get_first(v, n, &f->spacing_between, e->tag);
    case T_SAMPLES: f->has_samples = 1; return get_us(s, e, &in->samples);
    case T_PLANAR: f->has_planar = 1; return get_us(s, e, &in->planar);
    case T_ROWS: f->has_rows = 1; return get_us(s, e, &in->rows);
    case T_COLUMNS: f->has_cols = 1; return get_us(s, e, &in->cols);
    case T_BITS_ALLOCATED: f->has_bits_allocated = 1; return get_us(s, e, &in->bits_allocated);
    case T_BITS_STORED: f->has_bits_stored = 1; return get_us(s, e, &in->bits_stored);
    case T_HIGH_BIT: f->has_high_bit = 1; return get_us(s, e, &f->high_bit);
    case T_PIXEL_REPRESENTATION: return get_us(s, e, &in->signed_pixels);
    case T_FRAMES: return get_int(v, n, 1, INT_MAX, &in->frames, e->tag);
    case T_WINDOW_CENTER:
    case T_WINDOW_WIDTH:
        if (get_first(v, n, e->tag == T_WINDOW_CENTER ? &in->window_center : &in->window_width, e->tag)) return -1;
        in->has_window |= e->tag == T_WINDOW_CENTER ? 1 : 2;
        return 0;
    case T_RESCALE_SLOPE:
    case T_RESCALE_INTERCEPT: return get_n(v, n, &x, 1, e->tag) || store_rescale(f, e->tag, x);
    case T_GRID_FRAME_OFFSETS: {
        size_t k;
        free(f->gfov);
        f->gfov = NULL;
        if (get_numbers(v, n, NULL, 0, &k, e->tag)) return -1;
        /* k <= n / 2 + 1: at most a value per two bytes, so this is bounded by the file */
        if (!(f->gfov = util_xmalloc_array(k, sizeof *f->gfov))) return -1;
        f->n_gfov = k;
        return get_numbers(v, n, f->gfov, k, &k, e->tag);
    }
    case T_PIXEL_DATA:
        f->has_pixels = 1;
        f->pixels = v;
        f->pixels_len = n;
        return 0;
    case T_FLOAT_PIXEL_DATA:
    case T_DOUBLE_PIXEL_DATA:
        return util_err("(7FE0,%04X) %s Pixel Data is not supported", ELEM(e->tag),
                        e->tag == T_FLOAT_PIXEL_DATA ? "Float" : "Double Float");
    default: return 0;
    }
}

/* Plane Position (Patient) of per-frame functional group item `frame`, in frame order. */
static int store_frame_position(dicom_file *f, size_t frame, const stream *s, const element *e) {
    if (frame != f->n_frame_ipp)
        return util_err("Per-frame Functional Groups item %zu: %s", frame < f->n_frame_ipp ? frame : f->n_frame_ipp,
                        frame < f->n_frame_ipp ? "two Plane Positions" : "no Plane Position (Patient)");
    if (f->n_frame_ipp == f->cap_frame_ipp) {
        /* one position per item: bounded by the file's length / 8 */
        size_t cap = f->cap_frame_ipp ? 2 * f->cap_frame_ipp : 64;
        void *p = util_xmalloc_array(cap, sizeof *f->frame_ipp);
        if (!p) return -1;
        if (f->n_frame_ipp) memcpy(p, f->frame_ipp, f->n_frame_ipp * sizeof *f->frame_ipp);
        free(f->frame_ipp);
        f->frame_ipp = p;
        f->cap_frame_ipp = cap;
    }
    if (get_n(s->buf + e->value, e->len, f->frame_ipp[f->n_frame_ipp], 3, e->tag)) return -1;
    f->n_frame_ipp++;
    return 0;
}

/* An attribute of an enhanced multi-frame file's functional groups (PS3.3 C.7.6.16): in a
 * sequence of the Shared or a Per-frame Functional Groups item. Values at the top level win
 * over these; orientation and rescale must agree between frames. */
static int store_functional(walker *w, const stream *s, const element *e) {
    dicom_file *f = w->f;
    const unsigned char *v = s->buf + e->value;
    size_t n = e->len;
    uint32_t macro = w->seq[1];
    double x[6];
    if (blank(v, n)) return 0;
    if (macro == T_PLANE_POSITION_SEQ && e->tag == T_POSITION && w->seq[0] == T_PER_FRAME_GROUPS)
        return store_frame_position(f, w->item[0], s, e);
    if (macro == T_PLANE_ORIENTATION_SEQ && e->tag == T_ORIENTATION) {
        if (f->info.has_orientation && !w->fg_orientation) return 0;
        w->fg_orientation = 1;
        return get_n(v, n, x, 6, e->tag) || set_orientation(f, x);
    }
    if (macro == T_PIXEL_MEASURES_SEQ) {
        if (e->tag == T_PIXEL_SPACING && !f->info.has_pixel_spacing) {
            f->info.has_pixel_spacing = 1;
            return get_n(v, n, f->info.pixel_spacing, 2, e->tag);
        }
        if (e->tag == T_SPACING_BETWEEN && !f->spacing_between) return get_first(v, n, &f->spacing_between, e->tag);
        if (e->tag == T_SLICE_THICKNESS && !f->slice_thickness) return get_first(v, n, &f->slice_thickness, e->tag);
    }
    if (macro == T_PIXEL_TRANSFORM_SEQ && (e->tag == T_RESCALE_SLOPE || e->tag == T_RESCALE_INTERCEPT))
        return get_n(v, n, x, 1, e->tag) || store_rescale(f, e->tag, x[0]);
    return 0;
}

static int store(walker *w, const stream *s, const element *e) {
    if (w->depth == 0) return store_top(w->f, s, e);
    if (w->depth == 2 && (w->seq[0] == T_SHARED_GROUPS || w->seq[0] == T_PER_FRAME_GROUPS)) return store_functional(w, s, e);
    return 0;
}

/* Sequences samc looks into, known by tag in implicit VR (which does not say SQ). */
static int known_sequence(uint32_t tag) {
    return tag == T_SHARED_GROUPS || tag == T_PER_FRAME_GROUPS || tag == T_PLANE_POSITION_SEQ ||
           tag == T_PLANE_ORIENTATION_SEQ || tag == T_PIXEL_MEASURES_SEQ || tag == T_PIXEL_TRANSFORM_SEQ;
}

static int walk_dataset(walker *w, const stream *s, size_t pos, size_t end, int in_item, size_t *stop);

/* The items of a sequence starting at pos: up to end (defined length) or up to its
 * delimiter (undefined: end is the enclosing limit). *stop: the offset after it. */
static int walk_sequence(walker *w, const stream *s, uint32_t tag, size_t pos, size_t end, int undefined, size_t *stop) {
    if (w->depth >= DICOM_MAX_DEPTH)
        return util_err("(%04X,%04X): sequences nested more than %d deep", GROUP(tag), ELEM(tag), DICOM_MAX_DEPTH);
    for (size_t item = 0;; item++) {
        if (!undefined && pos == end) break;
        element it;
        if (read_element(s, pos, end, &it)) return util_err_context("sequence (%04X,%04X)", GROUP(tag), ELEM(tag));
        if (it.tag == T_SEQUENCE_END && undefined) {
            pos = it.value;
            break;
        }
        if (it.tag != T_ITEM)
            return util_err("sequence (%04X,%04X) at offset %zu: (%04X,%04X) where an item was expected", GROUP(tag),
                            ELEM(tag), pos, GROUP(it.tag), ELEM(it.tag));
        w->seq[w->depth] = tag;
        w->item[w->depth] = item;
        w->depth++;
        int rc;
        if (it.len == UNDEFINED) {
            rc = walk_dataset(w, s, it.value, end, 1, &pos);
        } else if (it.len > end - it.value) {
            rc = util_err("truncated: an item of sequence (%04X,%04X) at offset %zu declares %u bytes, %zu remain",
                          GROUP(tag), ELEM(tag), pos, it.len, end - it.value);
        } else {
            size_t after;
            pos = it.value + it.len;
            rc = walk_dataset(w, s, it.value, pos, 0, &after);
        }
        w->depth--;
        if (rc) return -1;
    }
    *stop = pos;
    return 0;
}

/* The elements from pos to end, or (in_item) to the item delimiter, which must come before
 * end. *stop: the offset after the last element (or the delimiter). */
static int walk_dataset(walker *w, const stream *s, size_t pos, size_t end, int in_item, size_t *stop) {
    while (pos < end) {
        element e;
        if (read_element(s, pos, end, &e)) return -1;
        if (e.tag == T_ITEM_END && in_item) {
            *stop = e.value;
            return 0;
        }
        if (GROUP(e.tag) == 0xfffe)
            return util_err("offset %zu: (FFFE,%04X) outside the sequence structure it belongs to", pos, ELEM(e.tag));
        size_t next;
        int is_sq = !strcmp(e.vr, "SQ") || (!s->explicit_vr && known_sequence(e.tag));
        if (e.len == UNDEFINED) {
            if (e.tag == T_PIXEL_DATA)
                return util_err("(7FE0,0010) Pixel Data is encapsulated (compressed) although the transfer syntax is not");
            /* undefined length: a sequence (PS3.5 7.5.1); UN holds one in implicit VR little endian */
            int un = !strcmp(e.vr, "UN");
            if (s->explicit_vr && !is_sq && !un)
                return util_err("(%04X,%04X) %s at offset %zu has undefined length, which only a sequence may have",
                                GROUP(e.tag), ELEM(e.tag), e.vr, pos);
            stream inner = un ? (stream){s->buf, 0, 0} : *s;
            if (walk_sequence(w, &inner, e.tag, e.value, end, 1, &next)) return -1;
        } else {
            if (e.len > end - e.value)
                return util_err("truncated: (%04X,%04X) %s at offset %zu declares %u bytes, %zu remain", GROUP(e.tag),
                                ELEM(e.tag), tag_name(e.tag), pos, e.len, end - e.value);
            next = e.value + e.len;
            size_t after;
            if (is_sq ? walk_sequence(w, s, e.tag, e.value, next, 0, &after) : store(w, s, &e)) return -1;
        }
        pos = next;
    }
    if (in_item) return util_err("truncated: an item of undefined length ends without its delimiter");
    *stop = pos;
    return 0;
}

/* ---- the file ---- */

/* The file meta group (PS3.10 7.1, always explicit VR little endian) from pos: its transfer
 * syntax into uid (left "" when absent); *pos moves past the group. */
static int parse_meta(const unsigned char *buf, size_t len, size_t *pos, char uid[65]) {
    stream s = {buf, 1, 0};
    while (len - *pos >= 8 && rd16(buf + *pos, 0) == 0x0002) {
        element e;
        if (read_element(&s, *pos, len, &e)) return util_err_context("file meta group");
        if (e.len == UNDEFINED || e.len > len - e.value)
            return util_err("truncated: file meta element (0002,%04X) at offset %zu declares %u bytes, %zu remain",
                            ELEM(e.tag), *pos, e.len, len - e.value);
        if (e.tag == T_TRANSFER_SYNTAX) {
            const unsigned char *v;
            size_t n;
            trimmed(buf + e.value, e.len, &v, &n);
            if (n > 64) return util_err("(0002,0010) Transfer Syntax UID is %zu characters, more than 64", n);
            for (size_t i = 0; i < n; i++) uid[i] = isprint(v[i]) ? (char)v[i] : '?';
            uid[n] = 0;
        }
        *pos = e.value + e.len;
    }
    return 0;
}

/* A data set without a transfer syntax: explicit VR when its first element has a VR, big
 * endian when its group number reads that way (0008 stored as 00 08). */
static const char *guess_syntax(const unsigned char *p, size_t n) {
    if (n < 8) return "1.2.840.10008.1.2";
    if (!is_vr(p[4], p[5])) return "1.2.840.10008.1.2";
    return p[0] == 0 && p[1] != 0 ? "1.2.840.10008.1.2.2" : "1.2.840.10008.1.2.1";
}

/* Raw deflate (RFC 1951, no zlib or gzip wrapper: PS3.5 A.5) of in into a malloc'd buffer
 * grown as data arrives, up to DICOM_MAX_BYTES. */
static int inflate_dataset(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return util_err("zlib: cannot start inflating");
    size_t cap = 1 << 16, have = 0, used = 0;
    unsigned char *buf = malloc(cap);
    int rc = buf ? Z_OK : Z_MEM_ERROR;
    while (rc == Z_OK) {
        if (have == cap) {
            if (cap >= DICOM_MAX_BYTES) {
                rc = Z_BUF_ERROR;
                break;
            }
            size_t ncap = cap * 2 > DICOM_MAX_BYTES ? DICOM_MAX_BYTES : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = Z_MEM_ERROR;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        /* zlib counts in uInt */
        size_t in_chunk = len - used < UINT_MAX ? len - used : UINT_MAX;
        size_t out_chunk = cap - have < UINT_MAX ? cap - have : UINT_MAX;
        zs.next_in = in + used;
        zs.avail_in = (uInt)in_chunk;
        zs.next_out = buf + have;
        zs.avail_out = (uInt)out_chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        used += in_chunk - zs.avail_in;
        have += out_chunk - zs.avail_out;
        if (rc == Z_BUF_ERROR && have < cap) break; /* no progress possible: the input ran out */
        if (rc == Z_BUF_ERROR) rc = Z_OK;
    }
    const char *zmsg = zs.msg;
    inflateEnd(&zs);
    if (rc == Z_STREAM_END) {
        *out = buf;
        *out_len = have;
        return 0;
    }
    free(buf);
    if (rc == Z_MEM_ERROR) return util_err("out of memory inflating the deflated data set");
    if (rc == Z_BUF_ERROR && have == cap) return util_err("the deflated data set inflates to more than %zu GiB",
        DICOM_MAX_BYTES >> 30);
    if (rc == Z_BUF_ERROR) return util_err("truncated: the deflated data set ends after %zu bytes inflated", have);
    return util_err("the deflated data set is corrupt (zlib: %s)", zmsg ? zmsg : "error");
}

int io_dicom_parse_file(const unsigned char *buf, size_t len, dicom_file *f) {
    memset(f, 0, sizeof *f);
    f->info.frames = 1;
    f->info.samples = 1;
    f->info.slope = 1;
    size_t pos = 0;
    char *uid = f->info.transfer_syntax;
    if (len >= 132 && !memcmp(buf + 128, "DICM", 4)) {
        f->info.has_meta = 1;
        pos = 132;
    } else if (len >= 8 && rd16(buf, 0) == 0x0002 && is_vr(buf[4], buf[5])) {
        f->info.has_meta = 1; /* a file meta group without the preamble */
    }
    if (f->info.has_meta && parse_meta(buf, len, &pos, uid)) return -1;
    if (!uid[0]) strcpy(uid, guess_syntax(buf + pos, len - pos));
    const syntax *sx = find_syntax(uid);
    if (!sx) return util_err("not supported: unknown transfer syntax (%s)", uid);
    f->info.transfer_syntax_name = sx->name;
    if (!sx->supported)
        return util_err("not supported: %s (%s); samc reads uncompressed DICOM only (decompress it first, e.g. with "
                        "gdcmconv --raw or dcmdjpeg)", sx->name, sx->uid);
    stream s = {buf, sx->explicit_vr, sx->big};
    size_t end = len;
    if (sx->deflated) {
        if (inflate_dataset(buf + pos, len - pos, &f->owned, &end)) return -1;
        s.buf = f->owned;
        pos = 0;
    }
    f->big = sx->big;
    walker w = {.f = f};
    size_t stop;
    if (walk_dataset(&w, &s, pos, end, 0, &stop)) {
        io_dicom_file_free(f);
        return -1;
    }
    f->info.monochrome1 = !strcmp(f->info.photometric, "MONOCHROME1");
    if (!f->has_bits_stored) f->info.bits_stored = f->info.bits_allocated;
    f->info.has_window = f->info.has_window == 3; /* both center and width */
    f->info.has_rescale = f->info.has_rescale != 0;
    return 0;
}

void io_dicom_file_free(dicom_file *f) {
    free(f->owned);
    free(f->frame_ipp);
    free(f->gfov);
    f->owned = NULL;
    f->frame_ipp = NULL;
    f->gfov = NULL;
}

int io_dicom_is_dicom(const unsigned char *buf, size_t len) {
    if (len >= 132 && !memcmp(buf + 128, "DICM", 4)) return 1;
    if (len < 8) return 0;
    /* a bare data set: its first element in group 0008 (or 0002), in either byte order */
    unsigned le = rd16(buf, 0), be = rd16(buf, 1);
    int explicit_vr = is_vr(buf[4], buf[5]);
    if (le == 0x0008 || le == 0x0002) {
        if (explicit_vr) return 1;
        /* implicit VR: a 4-byte length that fits the file's first element group */
        return rd32(buf + 4, 0) < (1u << 16);
    }
    return (be == 0x0008 || be == 0x0002) && explicit_vr;
}
