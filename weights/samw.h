/* The samc weight file (.samw): see weights/FORMAT.md.
 *
 * A .samw holds one model: its configuration and every tensor of the official state dict
 * under its official name (e.g. "image_encoder.blocks.0.attn.qkv.weight"), stored as
 * little-endian float32 (a baseline's BatchNorm counters as int64), 64-byte aligned, so that
 * samw_open() can mmap the file and hand out pointers into it without copying. Version 1 is
 * one SAM model; version 2 one of the study's baselines (RITM, FocalClick, SimpleClick). */
#ifndef SAMC_WEIGHTS_SAMW_H
#define SAMC_WEIGHTS_SAMW_H

#include <stddef.h>
#include <stdint.h>

/* The model configuration, inferred by the converter from tensor shapes. */
typedef struct {
    /* image encoder (ImageEncoderViT) */
    int img_size;          /* 1024: patch_size * token grid */
    int patch_size;        /* 16 */
    int embed_dim;         /* E: 768 / 1024 / 1280 */
    int depth;             /* 12 / 24 / 32 */
    int num_heads;         /* 12 / 16 / 16 */
    int head_dim;          /* embed_dim / num_heads */
    int mlp_dim;           /* 4 * E */
    int window_size;       /* 14; 0 if every block is global */
    uint64_t global_attn;  /* bit i set: block i uses global attention */
    int out_chans;         /* 256: neck output channels */
    /* prompt encoder + mask decoder */
    int prompt_dim;        /* 256: transformer_dim (== out_chans) */
    int mask_in_chans;     /* 16 */
    int dec_depth;         /* 2: TwoWayTransformer depth */
    int dec_heads;         /* 8: not in the tensor shapes; see weights/FORMAT.md */
    int dec_mlp_dim;       /* 2048 */
    int num_mask_tokens;   /* 4 */
    int iou_hidden;        /* 256 */
    int iou_head_depth;    /* 3 */
} sam_config;

#define SAMW_MAX_DIMS 4

typedef struct samw samw;

/* Opens and validates a .samw of either version (header, config, tensor table, checksums of
 * the table; the data checksum is verified only by samw_verify). NULL and an error message on
 * failure. */
samw *samw_open(const char *path);
void samw_close(samw *w);

const sam_config *samw_config(const samw *w);

/* The tensor `name` as float32, checked to have exactly the given shape; NULL and an error
 * message naming the tensor if it is missing, shaped differently or int64. */
const float *samw_get(const samw *w, const char *name, int ndim, const int64_t *shape);

/* Like samw_get but with up to 4 dims given inline; unused trailing dims are -1.
 * e.g. samw_get4(w, "image_encoder.pos_embed", 1, 64, 64, 768). */
const float *samw_get4(const samw *w, const char *name, int64_t d0, int64_t d1, int64_t d2, int64_t d3);

/* The model family the file holds: "sam" (a version-1 file, the SAM configuration above) or,
 * in a version-2 file (weights/FORMAT.md), one of the study's baselines: "ritm",
 * "focalclick", "simpleclick". samw_config() is meaningful for "sam" only. */
const char *samw_family(const samw *w);
/* A baseline's checkpoint configuration as the converter recorded it, flattened to text
 * (weights/FORMAT.md): "class" (the official model class path), and each constructor
 * parameter by name, nested dicts joined with dots ("width" -> "32",
 * "backbone_params.num_heads" -> "16", "backbone_params.patch_size" -> "14,14",
 * "model_version" -> "b3", "small" -> "false"). NULL if the file has no such key. */
const char *samw_config_value(const samw *w, const char *key);
/* samw_config_value as an int in [lo, hi]; -1 with a message naming the key otherwise. */
int samw_config_int(const samw *w, const char *key, int lo, int hi, int *out);
/* A config value that is a Python bool ("true" / "false"); def (the official default) when the
 * file has none. 0, or -1 with a message naming the key. */
int samw_config_bool(const samw *w, const char *key, int def, int *out);
/* samw_get4 of the tensor whose name fmt makes (printf), e.g.
 * samw_getf(w, 64, -1, -1, -1, "feature_extractor.stage%d.%d.bn1.weight", s, m). */
const float *samw_getf(const samw *w, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The i-th config key in file order ("class" first), NULL past the last (0 keys in version 1). */
const char *samw_config_key(const samw *w, int i);

/* Which tensors a loader took: samw_get and samw_get4 mark the tensor they return. A loader
 * ends with samw_check_unused, which refuses (naming the first) any tensor it did not take
 * unless its name starts with one of the NULL-terminated `ignored` prefixes (the parameters
 * the official model stores but never computes with). BatchNorm counters (int64 scalars named
 * "*.num_batches_tracked") are never needed and always pass. 0 or -1. */
int samw_check_unused(const samw *w, const char *const *ignored);

/* Number of tensors and their names, in file order. */
int samw_count(const samw *w);
const char *samw_name(const samw *w, int i);
/* Tensor i's rank (0 for a scalar) with its shape in shape[], and whether it is int64 rather
 * than float32; -1 if there is no tensor i. */
int samw_shape(const samw *w, int i, int64_t shape[SAMW_MAX_DIMS], int *is_int64);

/* What identifies the model, without reading its 2.5 GB of data: the SHA-256 of the header
 * and tensor table, which hold the configuration, every name, shape and offset, and the data's
 * CRC-32 (computed once, when the file is opened). Two files of the same model give the same
 * digest; a changed weight changes it unless the data CRC collides. */
void samw_digest(const samw *w, uint8_t digest[32]);
/* The size of the tensor data region (what samw_verify reads). */
uint64_t samw_data_bytes(const samw *w);
/* 1 if a file's first bytes are a .samw's magic. */
int samw_is_samw(const unsigned char *head, size_t len);

/* Re-reads all tensor data and checks its checksum. 0 if intact, -1 with a message. */
int samw_verify(const samw *w);

#endif
