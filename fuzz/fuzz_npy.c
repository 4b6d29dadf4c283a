/* libFuzzer harness for the .npy reader (io/npy.c): any bytes must give an array or an error,
 * never a crash, a sanitizer report, a hang or an unbounded allocation.
 *
 * Each input goes through io_npy_parse and io_npy_parse_noted (the samc note after the data) as it
 * is, then (written to a memfd, since io_npy_read and
 * io_npy_read_f32 take paths) through both file readers, so the file reading and the dtype
 * conversions are covered too. Every element of a result is read so that ASan checks the
 * buffer really holds `count` elements.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_npy.c io/npy.c \
 *         util/err.c util/mem.c util/file.c -o fuzz_npy && ./fuzz_npy fuzz/corpus/npy */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz_input.h"
#include "io/npy.h"

static void touch(const npy_array *a) {
    size_t item = io_npy_itemsize(a->dtype);
    if (!item || a->ndim < 0 || a->ndim > NPY_MAX_DIMS) abort();
    size_t n = 1;
    for (int d = 0; d < a->ndim; d++) n *= (size_t)a->shape[d];
    if (n != a->count) abort(); /* count is the product of the shape */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < a->count * item; i++) sum += ((const uint8_t *)a->data)[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    npy_array a;
    if (io_npy_parse(data, size, &a) == 0) {
        touch(&a);
        io_npy_free(&a);
    }
    npy_note note;
    if (io_npy_parse_noted(data, size, &a, &note) == 0) { /* a note after the data, or nothing */
        if (note.present && (strlen(note.text) > NPY_NOTE_MAX || strncmp(note.text, NPY_NOTE_MAGIC, 6))) abort();
        touch(&a);
        io_npy_free(&a);
    }
    char path[64];
    if (fuzz_input_path(data, size, path, sizeof path)) return 0;
    if (io_npy_read(path, &a) == 0) {
        touch(&a);
        io_npy_free(&a);
    }
    if (io_npy_read_f32(path, &a) == 0) {
        if (a.dtype != NPY_F32) abort();
        touch(&a);
        io_npy_free(&a);
    }
    return 0;
}
