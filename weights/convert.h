/* Checkpoint -> .samw conversion (`samc convert`). */
#ifndef SAMC_WEIGHTS_CONVERT_H
#define SAMC_WEIGHTS_CONVERT_H

#include "weights/samw.h"

/* Reads a PyTorch .pth (zip or legacy) or safetensors SAM checkpoint, infers its config
 * from tensor shapes, checks that every tensor exists with the expected shape and writes
 * out_path atomically. dec_heads: the mask decoder's head count, or 0 for the official
 * default (see sam_config_infer). cfg (may be NULL) receives the config. 0 or -1. */
int samc_convert(const char *in_path, const char *out_path, int dec_heads, sam_config *cfg);

#endif
