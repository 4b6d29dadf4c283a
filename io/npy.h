/* NumPy .npy files (format 1.0/2.0/3.0), little-endian, C order: the exchange format of
 * samc's CLI and of the reference fixtures. */
#ifndef SAMC_IO_NPY_H
#define SAMC_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    NPY_BOOL, /* '|b1' */
    NPY_U8,   /* '|u1' */
    NPY_I16,  /* '<i2' */
    NPY_U16,  /* '<u2' */
    NPY_I32,  /* '<i4' */
    NPY_I64,  /* '<i8' */
    NPY_F32,  /* '<f4' */
    NPY_F64,  /* '<f8' */
} npy_dtype;

#define NPY_MAX_DIMS 8

typedef struct {
    npy_dtype dtype;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    size_t count; /* product of shape */
    void *data;   /* count elements, host order */
} npy_array;

size_t io_npy_itemsize(npy_dtype t);

/* A note: one text line "#samc ...\n" after the array's data, where samc records what a file
 * is (e.g. an embedding's model and image, a checksum of the data). NumPy reads the array of
 * such a file and ignores the note. A reader that asks for notes refuses any other bytes after
 * the data; io_npy_read and io_npy_parse ignore them, as NumPy does. */
#define NPY_NOTE_MAGIC "#samc "
#define NPY_NOTE_MAX 1024
typedef struct {
    int present;
    char text[NPY_NOTE_MAX + 1]; /* the line without its newline */
} npy_note;

/* Reads a .npy file (Fortran-order data is returned in C order). Big-endian and other
 * dtypes are refused with an error. */
int io_npy_read(const char *path, npy_array *a);
/* Parses a .npy image already in memory (copies the data out). */
int io_npy_parse(const unsigned char *buf, size_t len, npy_array *a);
/* The same, also returning the note (note->present = 0 when there is none). */
int io_npy_read_noted(const char *path, npy_array *a, npy_note *note);
int io_npy_parse_noted(const unsigned char *buf, size_t len, npy_array *a, npy_note *note);
/* Reads and converts any numeric dtype to a new float32 array (data owned by a). */
int io_npy_read_f32(const char *path, npy_array *a);
/* Converts an array of any numeric dtype to float32 in place. 0 or -1 (out of memory). */
int io_npy_to_f32(npy_array *a);
void io_npy_free(npy_array *a);

/* Writes atomically (temp file + rename). */
int io_npy_write(const char *path, npy_dtype dtype, int ndim, const int64_t *shape, const void *data);
/* The same with a note (a line starting NPY_NOTE_MAGIC, no newline, at most NPY_NOTE_MAX bytes;
 * NULL for none). */
int io_npy_write_noted(const char *path, npy_dtype dtype, int ndim, const int64_t *shape, const void *data,
                    const char *note);

#endif
