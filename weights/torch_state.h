/* Turning an unpickled PyTorch checkpoint into checkpoint tensors: shared by the zip and
 * the legacy .pth readers, which differ only in where a storage's bytes live. */
#ifndef SAMC_WEIGHTS_TORCH_STATE_H
#define SAMC_WEIGHTS_TORCH_STATE_H

#include "weights/ckpt.h"
#include "weights/pickle.h"

/* Adds every (name -> tensor) of the state dict in root to c: root itself, or a training
 * checkpoint's root dict holding it under "state_dict" or "model". Each distinct storage key
 * is added once, through add_storage(ctx, c, storage_value), which returns its ckpt storage
 * index or -1; storages are shared by key, as torch.load does. An entry that is not a tensor
 * (e.g. an inert object of an unknown class) is refused, naming the entry. A baseline's
 * root["config"] ({'class': str, 'params': dict}) is flattened into c->config. */
int weights_torch_state_dict(ckpt *c, const pk_value *root, int (*add_storage)(void *ctx, ckpt *c,
                             const pk_value *storage),
                     void *ctx);

/* Records the unknown globals h met (pk_heap.unknown) in c->unknown, for the converter to
 * report. 0 or -1 (out of memory). */
int weights_torch_note_unknown(ckpt *c, const pk_heap *h);

/* weights/torch_config.c: a baseline config {'class': str, 'params': {name: {'type', 'value',
 * 'specified'}}} as "key=value\n" lines (weights/FORMAT.md) in *text (malloc'd), or *text =
 * NULL if config does not have that form. 0, or -1 with a message (a config of more than
 * 1 MB of text, out of memory). */
int weights_torch_config_flatten(const pk_value *config, char **text);

#endif
