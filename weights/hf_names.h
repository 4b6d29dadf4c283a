/* HuggingFace transformers' SAM tensor names (facebook/sam-vit-*) mapped back to the
 * official segment-anything names (sam-reference.md §6.6). */
#ifndef SAMC_WEIGHTS_HF_NAMES_H
#define SAMC_WEIGHTS_HF_NAMES_H

#include <stddef.h>

/* The official name of HF tensor `hf` into out (size n); official names pass unchanged. MLP
 * layer indices need the MLP's depth: hidden_layers(prefix) returns how many
 * "<prefix>layers.N.weight" the file has, or -1 if it has no "<prefix>proj_in.weight"
 * (then the MLP already uses official names).
 * Returns 0, or -1 if the name is not one of SAM's (message set). */
int weights_hf_to_official(const char *hf, char *out, size_t n, int (*hidden_layers)(void *ctx, const char *prefix),
                           void *ctx);

#endif
