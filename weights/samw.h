/* The samc weight file (.samw): see weights/FORMAT.md.
 *
 * A .samw holds one SAM model: its configuration and every tensor of the official
 * state dict under its official name (e.g. "image_encoder.blocks.0.attn.qkv.weight"),
 * stored as little-endian float32, 64-byte aligned, so that samw_open() can mmap the file
 * and hand out pointers into it without copying. */
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

/* Opens and validates a .samw (header, tensor table, checksums of the table; the data
 * checksum is verified only by samw_verify). NULL and an error message on failure. */
samw *samw_open(const char *path);
void samw_close(samw *w);

const sam_config *samw_config(const samw *w);

/* The tensor `name` as float32, checked to have exactly the given shape; NULL and an error
 * message naming the tensor if it is missing or shaped differently. */
const float *samw_get(const samw *w, const char *name, int ndim, const int64_t *shape);

/* Like samw_get but with up to 4 dims given inline; unused trailing dims are -1.
 * e.g. samw_get4(w, "image_encoder.pos_embed", 1, 64, 64, 768). */
const float *samw_get4(const samw *w, const char *name, int64_t d0, int64_t d1, int64_t d2, int64_t d3);

/* Number of tensors and their names, in file order. */
int samw_count(const samw *w);
const char *samw_name(const samw *w, int i);

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
