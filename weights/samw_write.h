/* Writing a .samw file (the converter's output). */
#ifndef SAMC_WEIGHTS_SAMW_WRITE_H
#define SAMC_WEIGHTS_SAMW_WRITE_H

#include "weights/sam_config.h"

/* Fills out (the product of keys[i].shape floats) with tensor i; 0 or -1. */
typedef int (*samw_fill_fn)(void *ctx, int i, float *out);

/* Writes cfg and the n tensors named in keys (in that order) to path as a version-1 file,
 * atomically: on any failure path is left untouched. */
int samw_write(const char *path, const sam_config *cfg, const sam_key *keys, int n, samw_fill_fn fill, void *ctx);

/* A tensor of a version-2 file. */
typedef struct {
    const char *name;
    int is_int64;                 /* 0: float32; 1: int64 (a BatchNorm's num_batches_tracked) */
    int ndim;                     /* 0..4; 0 is a scalar */
    int64_t shape[SAMW_MAX_DIMS];
} samw_tensor;

/* Fills out (the product of t[i].shape elements of its dtype) with tensor i; 0 or -1. */
typedef int (*samw_fill_any_fn)(void *ctx, int i, void *out);
/* Checks the complete written file at path before it is put in place; 0 or -1. */
typedef int (*samw_check_fn)(void *ctx, const char *path);

/* Writes a version-2 file (a baseline: family, config text of "key=value\n" lines, the n
 * tensors in order) to path. check (may be NULL) is called on the finished file before it
 * replaces path; if it fails, nothing is written. A destination that cannot be renamed over
 * (a device, a pipe, "-") gets a copy of a file made and checked in $TMPDIR first. */
int samw_write_v2(const char *path, const char *family, const char *config_text, const samw_tensor *t, int n,
                  samw_fill_any_fn fill, samw_check_fn check, void *ctx);

#endif
