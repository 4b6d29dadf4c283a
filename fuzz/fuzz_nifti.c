/* libFuzzer harness for the NIfTI reader: single files (plain and gzip), the same bytes as
 * a .hdr/.img pair, and everything a parsed volume offers (dump, slices, info).
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_nifti.c io/nifti_*.c \
 *         util/err.c util/mem.c util/file.c -lz -lm -o fuzz_nifti && ./fuzz_nifti fuzz/corpus/nifti */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/nifti.h"

static void exercise(const nifti_image *img) {
    float *all;
    int nd;
    int64_t shape[8];
    if (io_nifti_to_f32(img, &all, &nd, shape) == 0) free(all);
    for (int p = 0; p < 3; p++) {
        int64_t n;
        int h, w;
        if (io_nifti_slice_shape(img, (nifti_plane)p, &n, &h, &w)) continue;
        float *s = malloc(sizeof(float) * (size_t)h * (size_t)w);
        uint8_t *vol = calloc((size_t)(img->dim[1] * img->dim[2] * img->dim[3]), 1);
        uint8_t *lab = calloc((size_t)h * (size_t)w, 1);
        if (s && vol && lab && io_nifti_slice(img, (nifti_plane)p, n - 1, s, &h, &w) == 0)
            io_nifti_slice_put_u8(img, (nifti_plane)p, n - 1, lab, vol);
        free(s), free(vol), free(lab);
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        io_nifti_print_info(null, img);
        fclose(null);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nifti_image img;
    if (io_nifti_parse(data, size, &img) == 0) {
        exercise(&img);
        io_nifti_free(&img);
    }
    /* the same bytes as a pair: header and image both taken from the input */
    if (io_nifti_parse_pair(data, size, data, size, &img) == 0) {
        exercise(&img);
        io_nifti_free(&img);
    }
    return 0;
}
