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

size_t npy_itemsize(npy_dtype t);

/* Reads a .npy file (Fortran-order data is returned in C order). Big-endian and other
 * dtypes are refused with an error. */
int npy_read(const char *path, npy_array *a);
/* Parses a .npy image already in memory (copies the data out). */
int npy_parse(const unsigned char *buf, size_t len, npy_array *a);
/* Reads and converts any numeric dtype to a new float32 array (data owned by a). */
int npy_read_f32(const char *path, npy_array *a);
void npy_free(npy_array *a);

/* Writes atomically (temp file + rename). */
int npy_write(const char *path, npy_dtype dtype, int ndim, const int64_t *shape, const void *data);

#endif
