/* Turning an unpickled PyTorch state dict into checkpoint tensors: shared by the zip and
 * the legacy .pth readers, which differ only in where a storage's bytes live. */
#ifndef SAMC_WEIGHTS_TORCH_STATE_H
#define SAMC_WEIGHTS_TORCH_STATE_H

#include "weights/ckpt.h"
#include "weights/pickle.h"

/* Adds every (name -> tensor) of dict to c. Each distinct storage key is added once, through
 * add_storage(ctx, c, storage_value), which returns its ckpt storage index or -1; storages are
 * shared by key, as torch.load does. */
int torch_state_dict(ckpt *c, const pk_value *dict, int (*add_storage)(void *ctx, ckpt *c, const pk_value *storage),
                     void *ctx);

#endif
