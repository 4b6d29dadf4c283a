/* Checkpoint -> .samw conversion (`samc convert`). */
#ifndef SAMC_WEIGHTS_CONVERT_H
#define SAMC_WEIGHTS_CONVERT_H

#include <stdint.h>

#include "weights/ckpt.h"
#include "weights/samw.h"

/* Reads a PyTorch .pth (zip or legacy) or safetensors SAM checkpoint, infers its config
 * from tensor shapes, checks that every tensor exists with the expected shape and writes
 * out_path atomically. dec_heads: the mask decoder's head count, or 0 for the official
 * default (see weights_sam_config_infer). cfg (may be NULL) receives the config. A baseline
 * checkpoint is refused (weights_convert_any converts those). 0 or -1. */
int weights_convert(const char *in_path, const char *out_path, int dec_heads, sam_config *cfg);

/* What weights_convert_any wrote. */
typedef struct {
    const char *family;  /* "sam", "ritm", "focalclick" or "simpleclick" (static) */
    sam_config sam;      /* family "sam": the inferred configuration */
    int n_tensors;
    int n_int64;         /* of which int64 (a baseline's BatchNorm counters) */
    uint64_t n_values;   /* elements of all tensors */
    char unknown[512];   /* a baseline's pickle: the unknown classes it named (kept inert, nothing
                          * imported), ", "-separated, "" if none */
} samc_convert_info;

/* weights_convert for any checkpoint samc knows: SAM, or one of the study's baselines (the
 * official {'state_dict', 'config'} checkpoint of RITM, FocalClick or SimpleClick =
 * CFR-ICL), which becomes a version-2 .samw. A baseline is checked by building its model
 * from the written file (iseg_open) before it replaces out_path: a missing, mis-shaped or
 * unexpected tensor, or a config the model cannot use, leaves nothing written. info may be
 * NULL. 0 or -1. */
int weights_convert_any(const char *in_path, const char *out_path, int dec_heads, samc_convert_info *info);

/* The family of an opened checkpoint: "sam" when it has no baseline config, else the
 * baseline its config class names ("...is_hrnet_model.HRNetModel" -> "ritm",
 * "...is_segformer_model.SegFormerModel" -> "focalclick", "...is_plainvit_model.PlainVitModel"
 * -> "simpleclick"), which its tensor names must agree with. NULL with a message naming the
 * class otherwise. Never decided from the file name. */
const char *weights_checkpoint_family(const ckpt *c);

#endif
