/* HuggingFace safetensors with transformers' SAM names: see sam-reference.md §6.6. */
#include "util/err.h"
#include "weights/ckpt.h"

int safetensors_read(ckpt *c) { return samc_err("%s: safetensors files are not supported yet", c->label); }
