/* Overflow-checked sizes and allocation.
 *
 * Every size that comes from a file or the command line is multiplied through these
 * helpers; on overflow or allocation failure they record an error (util/err.h) and fail,
 * so no caller ever allocates a wrapped-around size. */
#ifndef SAMC_UTIL_MEM_H
#define SAMC_UTIL_MEM_H

#include <stddef.h>
#include <stdint.h>

/* *out = a * b; returns 0, or -1 (with an error message) on overflow. */
int util_size_mul(size_t a, size_t b, size_t *out);
/* *out = a + b; returns 0, or -1 on overflow. */
int util_size_add(size_t a, size_t b, size_t *out);
/* *out = product of n dims; each dim must be >= 0. Returns 0 or -1 on overflow / negative. */
int util_size_prod(const int64_t *dims, int n, size_t *out);

/* malloc(n * size) / calloc with the product checked; NULL (and an error message) on failure. */
void *util_xmalloc_array(size_t n, size_t size);
void *util_xcalloc_array(size_t n, size_t size);
/* Memory aligned to 64 bytes (cache line, AVX-512 vector) for n*size bytes; free with free(). */
void *util_xaligned_array(size_t n, size_t size);

#endif
