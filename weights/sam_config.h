/* The SAM configuration read from a checkpoint's tensor shapes, and the full list of
 * tensors (official state-dict names and shapes, in official order) that configuration has. */
#ifndef SAMC_WEIGHTS_SAM_CONFIG_H
#define SAMC_WEIGHTS_SAM_CONFIG_H

#include "weights/ckpt.h"
#include "weights/samw.h"

#define SAM_KEY_NAME 96

typedef struct {
    char name[SAM_KEY_NAME];
    int ndim;
    int64_t shape[SAMW_MAX_DIMS];
} sam_key;

/* Infers cfg from the shapes of c's tensors (never from file names). dec_heads is not in
 * any shape: pass it, or 0 for the official default (8, only when prompt_dim == 256). */
int weights_sam_config_infer(const ckpt *c, int dec_heads, sam_config *cfg);

/* Checks that cfg describes a buildable SAM (positive sizes within limits, consistent
 * dims). 0, or -1 with a message naming the field. */
int weights_sam_config_check(const sam_config *cfg);

/* Every tensor of a SAM with this config: *keys (malloc'd, *n entries) in state-dict order. */
int weights_sam_config_keys(const sam_config *cfg, sam_key **keys, int *n);

#endif
