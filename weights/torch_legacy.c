/* PyTorch's legacy (non-zip) checkpoint, torch < 1.6: see sam-reference.md §6.5. */
#include "util/err.h"
#include "weights/ckpt.h"

int torch_legacy_read(ckpt *c) { return samc_err("%s: legacy .pth files are not supported yet", c->label); }
