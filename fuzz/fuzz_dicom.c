/* libFuzzer harness for the DICOM reader (io/dicom_*.c): any bytes must give a volume or an
 * error, never a crash, a sanitizer report, a hang or an unbounded allocation.
 *
 * Each input is parsed as one file in memory, and everything a volume offers is used (the
 * float32 dump, a slice of each plane, grey or RGB, the label slice written back, the info
 * text). Then its two halves are written as two files of a folder and read as a series, so
 * that the sorting, spacing and consistency checks of series folders are covered too.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_dicom.c io/dicom_*.c \
 *         io/nifti_*.c util/err.c util/mem.c util/file.c -lz -lm -o fuzz_dicom && ./fuzz_dicom fuzz/corpus/dicom */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/dicom.h"

static void exercise(const nifti_image *img, const dicom_info *info) {
    float *all;
    int nd;
    int64_t shape[8];
    if (io_nifti_to_f32(img, &all, &nd, shape) == 0) free(all);
    for (int p = 0; p < 3; p++) {
        int64_t n;
        int h, w;
        if (io_nifti_slice_shape(img, (nifti_plane)p, &n, &h, &w)) continue;
        size_t px = (size_t)h * (size_t)w;
        float *s = malloc(sizeof(float) * px);
        uint8_t *rgb = malloc(3 * px), *lab = calloc(px, 1), *vol = calloc(img->nvox, 1);
        if (s && rgb && lab && vol) {
            if (img->datatype == NIFTI_RGB24) io_nifti_slice_rgb24(img, (nifti_plane)p, n - 1, rgb, &h, &w);
            else io_nifti_slice(img, (nifti_plane)p, n - 1, s, &h, &w);
            io_nifti_slice_put_u8(img, (nifti_plane)p, n - 1, lab, vol);
        }
        free(s), free(rgb), free(lab), free(vol);
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        io_dicom_print_info(null, img, info);
        fclose(null);
    }
}

/* A folder of this process for the series, made once and removed at exit. */
static char g_dir[64];

static void remove_dir(void) {
    char p[96];
    snprintf(p, sizeof p, "%s/a", g_dir);
    remove(p);
    snprintf(p, sizeof p, "%s/b", g_dir);
    remove(p);
    rmdir(g_dir);
}

static const char *series_dir(void) {
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/fuzz_dicom_%ld", (long)getpid());
        mkdir(g_dir, 0700);
        atexit(remove_dir);
    }
    return g_dir;
}

static int write_file(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nifti_image img;
    dicom_info info;
    if (io_dicom_parse(data, size, &img, &info) == 0) {
        exercise(&img, &info);
        io_nifti_free(&img);
    }
    const char *dir = series_dir();
    char a[96], b[96];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    if (write_file(a, data, size / 2) || write_file(b, data + size / 2, size - size / 2)) return 0;
    if (io_dicom_read(dir, &img, &info) == 0) {
        exercise(&img, &info);
        io_nifti_free(&img);
    }
    return 0;
}
