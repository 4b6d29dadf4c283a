/* Writing a .samw file (the converter's output). */
#ifndef SAMC_WEIGHTS_SAMW_WRITE_H
#define SAMC_WEIGHTS_SAMW_WRITE_H

#include "weights/sam_config.h"

/* Fills out (the product of keys[i].shape floats) with tensor i; 0 or -1. */
typedef int (*samw_fill_fn)(void *ctx, int i, float *out);

/* Writes cfg and the n tensors named in keys (in that order) to path, atomically: on any
 * failure path is left untouched. */
int samw_write(const char *path, const sam_config *cfg, const sam_key *keys, int n, samw_fill_fn fill, void *ctx);

#endif
