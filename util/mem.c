#include "util/mem.h"

#include <stdlib.h>

#include "util/err.h"

int util_size_mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return util_err("size overflow: %zu x %zu", a, b);
    *out = a * b;
    return 0;
}

int util_size_add(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return util_err("size overflow: %zu + %zu", a, b);
    *out = a + b;
    return 0;
}

int util_size_prod(const int64_t *dims, int n, size_t *out) {
    size_t p = 1;
    for (int i = 0; i < n; i++) {
        if (dims[i] < 0) return util_err("negative dimension %lld", (long long)dims[i]);
        if ((uint64_t)dims[i] > SIZE_MAX) return util_err("dimension %lld too large", (long long)dims[i]);
        if (util_size_mul(p, (size_t)dims[i], &p)) return -1;
    }
    *out = p;
    return 0;
}

void *util_xmalloc_array(size_t n, size_t size) {
    size_t bytes = 0;
    if (util_size_mul(n, size, &bytes)) return NULL;
    void *p = malloc(bytes ? bytes : 1);
    if (!p) util_err("out of memory allocating %zu bytes", bytes);
    return p;
}

void *util_xcalloc_array(size_t n, size_t size) {
    size_t bytes = 0;
    if (util_size_mul(n, size, &bytes)) return NULL;
    void *p = calloc(bytes ? n : 1, bytes ? size : 1);
    if (!p) util_err("out of memory allocating %zu bytes", bytes);
    return p;
}

void *util_xaligned_array(size_t n, size_t size) {
    size_t bytes = 0;
    if (util_size_mul(n, size, &bytes)) return NULL;
    if (util_size_add(bytes, 63, &bytes)) return NULL;
    bytes &= ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) util_err("out of memory allocating %zu bytes", bytes);
    return p;
}
