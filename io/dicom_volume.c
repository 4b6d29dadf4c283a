/* DICOM files and series folders as NIfTI volumes in memory: the geometry rules of io/dicom.h
 * and the assembly of the slices. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/dicom_internal.h"
#include "io/nifti_internal.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

/* A whole file may be this much larger than the volume limit (its other attributes). */
#define DICOM_MAX_FILE_BYTES (DICOM_MAX_BYTES + ((size_t)1 << 20))

/* The plane of a file's slices: unit row and column directions and their normal (LPS), and
 * the pixel spacing (between rows, between columns). */
typedef struct {
    double row[3], col[3], normal[3];
    double spacing[2];
} plane;

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static int plane_of(const dicom_file *f, plane *g) {
    static const double k_axial[6] = {1, 0, 0, 0, 1, 0};
    const double *iop = f->info.has_orientation ? f->iop : k_axial;
    for (int v = 0; v < 2; v++) {
        double *d = v ? g->col : g->row, n = sqrt(dot3(iop + 3 * v, iop + 3 * v));
        /* written with a few digits, but a direction all the same */
        if (!(n > 0.5 && n < 1.5))
            return util_err("(0020,0037) Image Orientation (Patient): the %s direction (%g, %g, %g) is not a unit "
                            "vector", v ? "column" : "row", iop[3 * v], iop[3 * v + 1], iop[3 * v + 2]);
        for (int i = 0; i < 3; i++) d[i] = iop[3 * v + i] / n;
    }
    double c = dot3(g->row, g->col);
    if (fabs(c) > 1e-2)
        return util_err("(0020,0037) Image Orientation (Patient): the row and column directions are not orthogonal "
                        "(cosine %.3g)", c);
    g->normal[0] = g->row[1] * g->col[2] - g->row[2] * g->col[1];
    g->normal[1] = g->row[2] * g->col[0] - g->row[0] * g->col[2];
    g->normal[2] = g->row[0] * g->col[1] - g->row[1] * g->col[0];
    double n = sqrt(dot3(g->normal, g->normal));
    for (int i = 0; i < 3; i++) g->normal[i] /= n;
    g->spacing[0] = g->spacing[1] = 1.0;
    if (f->info.has_pixel_spacing) {
        if (!(f->info.pixel_spacing[0] > 0 && f->info.pixel_spacing[1] > 0))
            return util_err("(0028,0030) Pixel Spacing %g\\%g: both must be positive", f->info.pixel_spacing[0],
                            f->info.pixel_spacing[1]);
        memcpy(g->spacing, f->info.pixel_spacing, sizeof g->spacing);
    }
    return 0;
}

/* The distance between slices when no positions say it. */
static double stated_spacing(const dicom_file *f, const char **source) {
    if (f->spacing_between > 0) {
        *source = "Spacing Between Slices";
        return f->spacing_between;
    }
    if (f->slice_thickness > 0) {
        *source = "Slice Thickness";
        return f->slice_thickness;
    }
    *source = "none (1 mm assumed)";
    return 1.0;
}

/* The positions (LPS) of a multi-frame file's frames, in frame order. */
static void frame_positions(const dicom_file *f, const plane *g, double (*P)[3], const char **source) {
    int64_t n = f->info.frames;
    const double zero[3] = {0, 0, 0}, *o = f->info.has_position ? f->ipp : zero;
    if (f->n_frame_ipp) {
        memcpy(P, f->frame_ipp, (size_t)n * sizeof *P);
        *source = "Plane Position (Patient) of each frame";
        return;
    }
    double step = 0;
    if (f->n_gfov) *source = "Grid Frame Offset Vector";
    else step = stated_spacing(f, source);
    for (int64_t k = 0; k < n; k++) {
        /* the offsets are relative to the first frame, or (first value not 0) absolute z along
         * the normal: the same positions either way */
        double t = f->n_gfov ? f->gfov[k] - f->gfov[0] : (double)k * step;
        for (int i = 0; i < 3; i++) P[k][i] = o[i] + t * g->normal[i];
    }
}

/* "FILE" or "frame K" for messages. */
static const char *slice_name(char *const *names, int64_t k, char *buf, size_t cap) {
    if (names) return names[k];
    snprintf(buf, cap, "frame %lld", (long long)k);
    return buf;
}

/* The step from slice to slice of positions P[0..n) (n >= 2), which must be non-zero and even
 * along the normal within DICOM_SPACING_TOLERANCE; names (or NULL: frames) for messages. */
static int slice_step(const double (*P)[3], int64_t n, const double normal[3], char *const *names, double step[3],
                      double *spacing) {
    char a[32], b[32];
    /* two slices at one place first: that is what an uneven spacing would otherwise hide */
    for (int64_t k = 0; k + 1 < n; k++)
        if (fabs(dot3(P[k + 1], normal) - dot3(P[k], normal)) < 1e-6)
            return util_err("%s and %s are at the same position along the slice normal (%.6g mm): not one volume "
                            "(two acquisitions, echoes or time points?)", slice_name(names, k, a, sizeof a),
                            slice_name(names, k + 1, b, sizeof b), dot3(P[k], normal));
    double mean = (dot3(P[n - 1], normal) - dot3(P[0], normal)) / (double)(n - 1);
    for (int64_t k = 0; k + 1 < n; k++) {
        double d = dot3(P[k + 1], normal) - dot3(P[k], normal);
        if (fabs(d - mean) > DICOM_SPACING_TOLERANCE * fabs(mean) + 1e-3)
            return util_err("uneven slice spacing: %.6g mm from %s to %s, %.6g mm on average (tolerance %g%%): a "
                            "missing or extra slice?", d, slice_name(names, k, a, sizeof a),
                            slice_name(names, k + 1, b, sizeof b), mean, DICOM_SPACING_TOLERANCE * 100);
    }
    for (int i = 0; i < 3; i++) step[i] = (P[n - 1][i] - P[0][i]) / (double)(n - 1);
    *spacing = fabs(mean);
    return 0;
}

static size_t datatype_bytes(int datatype) {
    switch (datatype) {
    case NIFTI_UINT8:
    case NIFTI_INT8: return 1;
    case NIFTI_UINT16:
    case NIFTI_INT16: return 2;
    case NIFTI_RGB24: return 3;
    default: return 4;
    }
}

/* An empty volume of cols x rows x slices samples with the affine of io/dicom.h: built in
 * LPS from the plane, the first slice's position and the slice step, then turned to RAS. */
static int make_volume(nifti_image *img, const dicom_info *in, int64_t slices, int datatype, const plane *g,
                       const double origin[3], const double step[3]) {
    memset(img, 0, sizeof *img);
    img->version = 1;
    img->ndim = 3;
    img->dim[0] = 3;
    img->dim[1] = in->cols;
    img->dim[2] = in->rows;
    img->dim[3] = slices;
    for (int i = 4; i < 8; i++) img->dim[i] = 1;
    img->datatype = datatype;
    img->voxel_bytes = datatype_bytes(datatype);
    img->bitpix = (int)img->voxel_bytes * 8;
    img->xyzt_units = 2; /* mm */
    double A[3][4];
    for (int i = 0; i < 3; i++) {
        /* LPS -> RAS: negate x and y (+ 0.0: no negative zeros in what info prints) */
        double ras = i < 2 ? -1.0 : 1.0;
        A[i][0] = ras * g->row[i] * g->spacing[1] + 0.0;
        A[i][1] = ras * g->col[i] * g->spacing[0] + 0.0;
        A[i][2] = ras * step[i] + 0.0;
        A[i][3] = ras * origin[i] + 0.0;
    }
    io_nifti_set_affine(img, A, 1);
    size_t bytes;
    if (util_size_prod(img->dim + 1, 3, &img->nvox) || util_size_mul(img->nvox, img->voxel_bytes, &bytes) ||
        bytes > DICOM_MAX_BYTES)
        return util_err("a volume of %d x %d x %lld samples is larger than %zu GiB", in->cols, in->rows,
                        (long long)slices, DICOM_MAX_BYTES >> 30);
    img->data = util_xmalloc_array(bytes, 1);
    return img->data ? 0 : -1;
}

/* The rescale of a grey file as the volume's scl_slope / scl_inter. */
static void set_scaling(nifti_image *img, const dicom_info *in) {
    if (img->datatype == NIFTI_RGB24 || !in->has_rescale) return;
    img->scl_slope = in->slope;
    img->scl_inter = in->intercept;
    img->scaled = 1;
}

static size_t slice_bytes(const nifti_image *img) {
    return (size_t)img->dim[1] * (size_t)img->dim[2] * img->voxel_bytes; /* <= the checked total */
}

/* One parsed file (single- or multi-frame) as a volume. */
static int file_volume(const dicom_file *f, nifti_image *img, dicom_info *info) {
    int dt;
    plane g;
    if (io_dicom_pixel_check(f, &dt) || plane_of(f, &g)) return -1;
    int64_t n = f->info.frames;
    double (*P)[3] = util_xmalloc_array((size_t)n, sizeof *P);
    if (!P) return -1;
    const char *source = NULL;
    double step[3], spacing = 0;
    int rc = 0;
    if (f->n_frame_ipp && (int64_t)f->n_frame_ipp != n)
        rc = util_err("Per-frame Functional Groups: %zu Plane Positions for %lld frames", f->n_frame_ipp, (long long)n);
    else if (n > 1 && f->n_gfov && (int64_t)f->n_gfov != n)
        rc = util_err("(3004,000C) Grid Frame Offset Vector: %zu values for %lld frames", f->n_gfov, (long long)n);
    if (rc == 0) frame_positions(f, &g, P, &source);
    if (rc == 0 && n > 1) {
        rc = slice_step((const double(*)[3])P, n, g.normal, NULL, step, &spacing);
    } else if (rc == 0) {
        spacing = stated_spacing(f, &source);
        for (int i = 0; i < 3; i++) step[i] = spacing * g.normal[i];
    }
    if (rc == 0) rc = make_volume(img, &f->info, n, dt, &g, P[0], step);
    free(P);
    if (rc) return -1;
    set_scaling(img, &f->info);
    for (int64_t k = 0; k < n; k++)
        io_dicom_decode_frame(f, k, dt, 1, 0, (unsigned char *)img->data + (size_t)k * slice_bytes(img));
    *info = f->info;
    info->slices = n;
    info->slice_spacing = spacing;
    info->spacing_source = source;
    info->n_files = 1;
    return 0;
}

int io_dicom_parse(const unsigned char *buf, size_t len, nifti_image *img, dicom_info *info) {
    memset(img, 0, sizeof *img);
    dicom_info unused;
    dicom_file f;
    if (io_dicom_parse_file(buf, len, &f)) return -1;
    int rc = file_volume(&f, img, info ? info : &unused);
    io_dicom_file_free(&f);
    if (rc) io_nifti_free(img);
    return rc;
}

static int read_one(const char *path, nifti_image *img, dicom_info *info) {
    unsigned char *buf;
    size_t len;
    if (util_read_whole_file(path, DICOM_MAX_FILE_BYTES, &buf, &len)) return -1;
    int rc = io_dicom_parse(buf, len, img, info);
    free(buf);
    return rc ? util_err_context("%s", path) : 0;
}

/* ---- series folders ---- */

typedef struct {
    char *path;
    double pos[3];  /* Image Position (Patient) */
    int has_position;
    double along;   /* its distance along the normal */
    double slope, intercept;
} series_file;

static int by_position(const void *a, const void *b) {
    const series_file *x = a, *y = b;
    return x->along < y->along ? -1 : x->along > y->along ? 1 : strcmp(x->path, y->path);
}

/* What every file of a series must share with the first; the first difference, or NULL. */
static const char *differs(const dicom_file *a, const dicom_file *b) {
    const dicom_info *x = &a->info, *y = &b->info;
    if (x->rows != y->rows || x->cols != y->cols) return "Rows x Columns";
    if (x->samples != y->samples || strcmp(x->photometric, y->photometric) || x->planar != y->planar)
        return "Samples per Pixel, Photometric Interpretation or Planar Configuration";
    if (x->bits_allocated != y->bits_allocated || x->bits_stored != y->bits_stored ||
        x->signed_pixels != y->signed_pixels)
        return "Bits Allocated, Bits Stored or Pixel Representation";
    if (x->has_orientation != y->has_orientation) return "Image Orientation (Patient)";
    for (int i = 0; i < 6; i++)
        if (fabs(a->iop[i] - b->iop[i]) > 1e-4) return "Image Orientation (Patient)";
    if (x->has_pixel_spacing != y->has_pixel_spacing) return "Pixel Spacing";
    for (int i = 0; i < 2; i++)
        if (fabs(x->pixel_spacing[i] - y->pixel_spacing[i]) > 1e-4 * x->pixel_spacing[i]) return "Pixel Spacing";
    return NULL;
}

typedef struct {
    const char *dir;
    series_file *files;
    size_t n;
    int skipped;
    dicom_file first; /* the first file's attributes (no pixel data) */
} series;

/* Reads and parses path; *is_image 0 (and nothing kept) when it is not a DICOM file with
 * pixel data. f owns *buf's data when 1. */
static int open_candidate(const char *path, unsigned char **buf, dicom_file *f, int *is_image) {
    unsigned char *head;
    size_t len;
    struct stat st;
    *is_image = 0;
    *buf = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (util_read_file_head(path, 256, &head, &len)) return -1;
    int dicom = io_dicom_is_dicom(head, len);
    free(head);
    if (!dicom) return 0;
    if (util_read_whole_file(path, DICOM_MAX_FILE_BYTES, buf, &len)) return -1;
    if (io_dicom_parse_file(*buf, len, f)) {
        free(*buf);
        *buf = NULL;
        return util_err_context("%s", path);
    }
    if (!f->has_pixels) {
        io_dicom_file_free(f);
        free(*buf);
        *buf = NULL;
        return 0;
    }
    *is_image = 1;
    return 0;
}

/* Adds a parsed file to the series after checking it belongs there. */
static int add_file(series *s, char *path, const dicom_file *f) {
    int dt;
    if (io_dicom_pixel_check(f, &dt)) return util_err_context("%s", path);
    if (f->info.frames > 1)
        return util_err("%s has %d frames: a series folder holds single-frame files (give a multi-frame file on "
                        "its own)", path, f->info.frames);
    if (s->n == 0) {
        s->first = *f;
        s->first.owned = NULL, s->first.frame_ipp = NULL, s->first.gfov = NULL, s->first.pixels = NULL;
    } else {
        if (strcmp(f->info.series_uid, s->first.info.series_uid))
            return util_err("the folder mixes series %s (%s) and %s (%s): give one series per folder",
                            s->first.info.series_uid, s->files[0].path, f->info.series_uid, path);
        const char *what = differs(&s->first, f);
        if (what) return util_err("%s and %s differ in %s: not one volume", s->files[0].path, path, what);
    }
    if (s->n == DICOM_MAX_FILES) return util_err("%s: more than %d DICOM files", s->dir, DICOM_MAX_FILES);
    series_file *sf = &s->files[s->n++];
    sf->path = path;
    memcpy(sf->pos, f->ipp, sizeof sf->pos);
    sf->has_position = f->info.has_position;
    sf->slope = f->info.has_rescale ? f->info.slope : 1;
    sf->intercept = f->info.has_rescale ? f->info.intercept : 0;
    return 0;
}

/* Pass 1: every DICOM image file of the folder, checked against the first. */
static int collect(series *s, struct dirent **names, int n_names) {
    if (!(s->files = util_xmalloc_array((size_t)n_names, sizeof *s->files))) return -1;
    for (int i = 0; i < n_names; i++) {
        const char *name = names[i]->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
        size_t len = strlen(s->dir) + strlen(name) + 2;
        char *path = util_xmalloc_array(len, 1);
        if (!path) return -1;
        snprintf(path, len, "%s/%s", s->dir, name);
        unsigned char *buf;
        dicom_file f;
        int is_image;
        if (open_candidate(path, &buf, &f, &is_image)) {
            free(path);
            return -1;
        }
        if (!is_image) {
            s->skipped++;
            free(path);
            continue;
        }
        int rc = add_file(s, path, &f);
        io_dicom_file_free(&f);
        free(buf);
        if (rc) {
            /* added files are freed with the series; this one may not have been */
            if (!s->n || s->files[s->n - 1].path != path) free(path);
            return -1;
        }
    }
    return 0;
}

/* Pass 2: file k's pixels into slice k, as float32 with its own rescale when rescales vary. */
static int fill_slice(const series *s, size_t k, int dt, nifti_image *img, dicom_info *info) {
    unsigned char *buf;
    size_t len;
    dicom_file f;
    int fdt;
    const series_file *sf = &s->files[k];
    if (util_read_whole_file(sf->path, DICOM_MAX_FILE_BYTES, &buf, &len)) return -1;
    int rc = io_dicom_parse_file(buf, len, &f);
    if (rc == 0) {
        /* the file was read once already: it must not have changed in between */
        rc = io_dicom_pixel_check(&f, &fdt);
        if (rc == 0 && (differs(&s->first, &f) || f.info.frames != 1 || (dt != NIFTI_FLOAT32 && fdt != dt)))
            rc = util_err("changed while the series was read");
        if (rc == 0) io_dicom_decode_frame(&f, 0, dt, sf->slope, sf->intercept,
            (unsigned char *)img->data + k * slice_bytes(img));
        if (rc == 0 && k == 0) *info = f.info;
        io_dicom_file_free(&f);
    }
    free(buf);
    return rc ? util_err_context("%s", sf->path) : 0;
}

static int assemble(series *s, nifti_image *img, dicom_info *info) {
    plane g;
    int dt;
    if (plane_of(&s->first, &g) || io_dicom_pixel_check(&s->first, &dt)) return util_err_context("%s",
        s->files[0].path);
    for (size_t k = 0; k < s->n; k++)
        if (!s->files[k].has_position)
            return util_err("%s: no (0020,0032) Image Position (Patient), so it cannot be placed in the series",
                            s->files[k].path);
    for (size_t k = 0; k < s->n; k++) s->files[k].along = dot3(s->files[k].pos, g.normal);
    qsort(s->files, s->n, sizeof *s->files, by_position);
    double (*P)[3] = util_xmalloc_array(s->n, sizeof *P);
    char **names = util_xmalloc_array(s->n, sizeof *names);
    double step[3], spacing = 0;
    int rc = P && names ? 0 : -1, varies = 0;
    for (size_t k = 0; rc == 0 && k < s->n; k++) {
        memcpy(P[k], s->files[k].pos, sizeof P[k]);
        names[k] = s->files[k].path;
        varies |= s->files[k].slope != s->files[0].slope || s->files[k].intercept != s->files[0].intercept;
    }
    if (rc == 0) rc = slice_step((const double(*)[3])P, (int64_t)s->n, g.normal, names, step, &spacing);
    if (rc == 0) {
        if (varies && dt != NIFTI_RGB24) dt = NIFTI_FLOAT32;
        else varies = 0;
        if ((rc = make_volume(img, &s->first.info, (int64_t)s->n, dt, &g, P[0], step))) util_err_context("%s", s->dir);
    }
    free(P);
    free(names);
    for (size_t k = 0; rc == 0 && k < s->n; k++) rc = fill_slice(s, k, dt, img, info);
    if (rc) return -1;
    if (!varies) set_scaling(img, info);
    info->rescale_varies = varies;
    info->slices = (int64_t)s->n;
    info->slice_spacing = spacing;
    info->spacing_source = "Image Position (Patient) of each file";
    return 0;
}

/* Errors name the file they are about (its path includes the folder's). */
static int read_series(const char *dir, nifti_image *img, dicom_info *info) {
    struct dirent **names;
    int n_names = scandir(dir, &names, NULL, alphasort);
    if (n_names < 0) return util_err("%s: cannot list the folder: %s", dir, strerror(errno));
    series s = {.dir = dir};
    int rc = n_names > DICOM_MAX_FILES + 2 ? util_err("%s: more than %d files", dir, DICOM_MAX_FILES)
                                           : collect(&s, names, n_names);
    for (int i = 0; i < n_names; i++) free(names[i]);
    free(names);
    if (rc == 0 && s.n == 0)
        rc = util_err("%s: no DICOM image in the folder (%d files skipped: not DICOM, or DICOM without pixel data)",
                      dir, s.skipped);
    if (rc == 0 && s.n == 1) rc = read_one(s.files[0].path, img, info);
    else if (rc == 0) rc = assemble(&s, img, info);
    for (size_t k = 0; k < s.n; k++) free(s.files[k].path);
    free(s.files);
    if (rc) {
        io_nifti_free(img);
        return -1;
    }
    info->n_files = (int)s.n;
    info->n_skipped = s.skipped;
    return 0;
}

int io_dicom_read(const char *path, nifti_image *img, dicom_info *info) {
    memset(img, 0, sizeof *img);
    dicom_info unused;
    if (!info) info = &unused;
    memset(info, 0, sizeof *info);
    struct stat st;
    if (stat(path, &st) != 0) return util_err("%s: %s", path, strerror(errno));
    return S_ISDIR(st.st_mode) ? read_series(path, img, info) : read_one(path, img, info);
}
