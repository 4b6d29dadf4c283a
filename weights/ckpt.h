/* A checkpoint opened for conversion: named tensors (views into storages) read from a
 * PyTorch zip .pth, a legacy .pth or a safetensors file, all kept in one read-only mapping.
 * The format readers fill it; convert.c reads each tensor out as float32. */
#ifndef SAMC_WEIGHTS_CKPT_H
#define SAMC_WEIGHTS_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "weights/zip.h"

#define CK_MAX_DIMS 8
/* ViT-H has 594 tensors, RITM's HRNet-32 1895; the cap keeps name lookups cheap on hostile files */
#define CK_MAX_TENSORS 4096

typedef enum { CK_F32, CK_F16, CK_BF16, CK_F64, CK_I64, CK_I32, CK_I16, CK_I8, CK_U8, CK_BOOL } ck_dtype;

size_t weights_ck_itemsize(ck_dtype t);
const char *weights_ck_dtype_name(ck_dtype t);

typedef struct {
    ck_dtype dtype;
    uint64_t numel;        /* elements the storage holds */
    const uint8_t *bytes;  /* its bytes in the mapping, or NULL if zip_entry must be inflated */
    const zip_entry *zent; /* the zip entry holding it (zip checkpoints) */
    char *key;             /* storage key (diagnostics, legacy lookup) */
} ck_storage;

typedef struct {
    char *name;            /* official state-dict name */
    int storage;           /* index into ckpt.storages */
    int64_t offset;        /* first element, in elements of the storage */
    int ndim;
    int64_t shape[CK_MAX_DIMS];
    int64_t stride[CK_MAX_DIMS]; /* in elements */
} ck_tensor;

typedef struct {
    const char *label;     /* the path, for messages */
    const uint8_t *buf;    /* the whole file */
    size_t len;
    void *map;             /* mmap owned by weights_ckpt_open, else NULL */
    int big_endian;        /* zip "byteorder" record said "big" */
    zip_archive zip;
    int has_zip;
    ck_storage *storages;
    int n_storages, cap_storages;
    ck_tensor *tensors;
    int n_tensors, cap_tensors;
    /* A baseline's training checkpoint {'state_dict': ..., 'config': {'class', 'params'}}: the
     * config flattened to "key=value" lines (weights/FORMAT.md), else NULL. */
    char *config;
    /* The globals the pickle named that samc does not know, ", "-separated, else NULL. They
     * were kept as inert values: nothing was imported or called. */
    char *unknown;
} ckpt;

/* Maps the file and reads it (format detected from its first bytes). */
int weights_ckpt_open(ckpt *c, const char *path);
/* Reads a checkpoint already in memory (the caller keeps buf alive); label names it in errors. */
int weights_ckpt_open_mem(ckpt *c, const uint8_t *buf, size_t len, const char *label);
void weights_ckpt_close(ckpt *c);

const ck_tensor *weights_ckpt_find(const ckpt *c, const char *name);

/* Copies tensor t into out (row-major, product of its shape floats), converting to float32. */
int weights_ckpt_read_f32(const ckpt *c, const ck_tensor *t, float *out);
/* Likewise for an int64 tensor (a BatchNorm's num_batches_tracked), kept as int64. */
int weights_ckpt_read_i64(const ckpt *c, const ck_tensor *t, int64_t *out);

/* For the format readers: append a storage / tensor (name is copied). Index or -1. */
int weights_ckpt_add_storage(ckpt *c, ck_dtype dtype, uint64_t numel, const char *key);
int weights_ckpt_add_tensor(ckpt *c, const char *name, int storage, int64_t offset, int ndim, const int64_t *shape,
                    const int64_t *stride);
/* Checks every tensor's extent against its storage and each storage against its bytes. */
int weights_ckpt_validate(const ckpt *c);

int weights_torch_pth_read(ckpt *c);      /* weights/torch_pth.c: zip */
int weights_torch_legacy_read(ckpt *c);   /* weights/torch_legacy.c */
int weights_safetensors_read(ckpt *c);    /* weights/safetensors.c */

#endif
