/* The byte layout of a .samw file, shared by its writer and reader (see weights/FORMAT.md). */
#ifndef SAMC_WEIGHTS_SAMW_LAYOUT_H
#define SAMC_WEIGHTS_SAMW_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weights/samw.h"

#define SAMW_MAGIC "SAMW"
#define SAMW_VERSION_SAM 1      /* one SAM model */
#define SAMW_VERSION_BASELINE 2 /* one of the study's baselines: family, config text, per-tensor dtype */
#define SAMW_HEADER_BYTES 160
#define SAMW_ALIGN 64
#define SAMW_DTYPE_F32 0
#define SAMW_DTYPE_I64 1        /* version 2 only */
#define SAMW_N_CONFIG_INTS 17
#define SAMW_FAMILY_BYTES 16
#define SAMW_MAX_CONFIG_BYTES (1u << 20)

/* header field offsets (56 onwards differ between the versions) */
enum {
    SAMW_OFF_MAGIC = 0, SAMW_OFF_VERSION = 4, SAMW_OFF_HEADER_BYTES = 8, SAMW_OFF_N_TENSORS = 12,
    SAMW_OFF_TABLE_OFFSET = 16, SAMW_OFF_TABLE_BYTES = 24, SAMW_OFF_DATA_OFFSET = 32, SAMW_OFF_DATA_BYTES = 40,
    SAMW_OFF_META_CRC = 48, SAMW_OFF_DATA_CRC = 52,
    SAMW_OFF_GLOBAL_ATTN = 56, SAMW_OFF_CONFIG = 64,      /* version 1 */
    SAMW_OFF_CONFIG_BYTES = 56, SAMW_OFF_FAMILY = 64,     /* version 2 */
};

static inline void samw_put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static inline void samw_put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static inline uint32_t samw_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t samw_get64(const uint8_t *p) { return (uint64_t)samw_get32(p) | (uint64_t)samw_get32(p + 4) << 32; }

/* The 17 int fields of sam_config in file order (global_attn is stored separately). */
static inline void samw_config_ints(const sam_config *c, int32_t v[SAMW_N_CONFIG_INTS]) {
    int32_t t[SAMW_N_CONFIG_INTS] = {c->img_size, c->patch_size, c->embed_dim, c->depth, c->num_heads, c->head_dim,
                                     c->mlp_dim, c->window_size, c->out_chans, c->prompt_dim, c->mask_in_chans,
                                     c->dec_depth, c->dec_heads, c->dec_mlp_dim, c->num_mask_tokens, c->iou_hidden,
                                     c->iou_head_depth};
    memcpy(v, t, sizeof t);
}
static inline void samw_config_from_ints(sam_config *c, const int32_t v[SAMW_N_CONFIG_INTS]) {
    int *f[SAMW_N_CONFIG_INTS] = {&c->img_size, &c->patch_size, &c->embed_dim, &c->depth, &c->num_heads,
                                  &c->head_dim, &c->mlp_dim, &c->window_size, &c->out_chans, &c->prompt_dim,
                                  &c->mask_in_chans, &c->dec_depth, &c->dec_heads, &c->dec_mlp_dim,
                                  &c->num_mask_tokens, &c->iou_hidden, &c->iou_head_depth};
    for (int i = 0; i < SAMW_N_CONFIG_INTS; i++) *f[i] = v[i];
}

/* CRC-32 (zlib) over the header minus its meta_crc field, then the rest up to the end of the
 * tensor table (version 1: the table; version 2: the config text and the table). */
uint32_t samw_meta_crc(const uint8_t *header, const uint8_t *rest, size_t rest_bytes);

#endif
