/* Numeric audit tools: record every named intermediate tensor of a forward pass into a
 * folder (`samc trace`), and compare two such folders tensor by tensor (`samc diff`). */
#ifndef SAMC_AUDIT_H
#define SAMC_AUDIT_H

#include <stdio.h>

/* The trace points of one set_image + predict (sam/), in order, with PyTorch's shapes
 * (S image size, G = S/16 grid, E encoder width, C prompt dim, T mask tokens, n sparse
 * prompt tokens, N = 1 + T + n, k masks returned, H x W the original image):
 *   image_encoder.patch_embed            1,G,G,E   PatchEmbed output (before + pos_embed)
 *   image_encoder.blocks.{i}             1,G,G,E   each Block's output
 *   image_encoder.neck                   1,C,G,G   the image embedding
 *   prompt_encoder.sparse_embeddings     1,n,C     PromptEncoder output 0 (absent if n = 0)
 *   prompt_encoder.dense_embeddings      1,C,G,G   PromptEncoder output 1
 *   mask_decoder.transformer.layers.{i}.queries / .keys   1,N,C / 1,G*G,C  each block's pair
 *   mask_decoder.transformer.final_attn_token_to_image     1,N,C
 *   mask_decoder.transformer.norm_final_attn               1,N,C
 *   mask_decoder.transformer.queries / .keys               the transformer's outputs (hs, src)
 *   mask_decoder.output_upscaling        1,C/8,4G,4G
 *   mask_decoder.output_hypernetworks_mlps  1,T,C/8  the MLPs' outputs stacked (hyper_in)
 *   mask_decoder.masks                   1,T,4G,4G predict_masks' masks, every token
 *   mask_decoder.iou_prediction_head     1,T
 *   low_res_masks, iou_predictions       1,k,4G,4G and 1,k: predict_torch's, after the slice
 *   masks                                1,k,H,W   postprocess_masks (logits, before > 0) */

/* Starts recording nn_trace() tensors into dir: dir/NNN_name.npy (float32, each written
 * atomically) plus dir/manifest.tsv ("index<TAB>name<TAB>file<TAB>shape" per line, in
 * forward order), which appears last, when audit_trace_stop() succeeds; an older manifest in
 * dir is removed at the start. Returns 0 or -1. audit_trace_stop() removes the sink and
 * reports the first write error (then, like audit_trace_abort(), it removes every file of
 * the unfinished trace). */
int audit_trace_start(const char *dir);
int audit_trace_stop(void);
void audit_trace_abort(void);

/* Per-tensor comparison of two float arrays of n values. */
typedef struct {
    double max_abs;      /* max |a - b| */
    double max_rel;      /* max |a - b| / max|b| over the tensor */
    double max_abs_ref;  /* max |b| */
    long long max_ulp;   /* max distance in float32 units in the last place */
    size_t n_diff;       /* values whose bits differ */
    int nan_mismatch;    /* NaN in one but not the other */
} audit_diff;

void audit_compare(const float *a, const float *b, size_t n, audit_diff *d);

/* Compares folder a with folder b (each a trace with manifest.tsv, or any folder of .npy
 * files matched by name) and prints one line per tensor to out, in a's order, marking the
 * first tensor whose relative difference exceeds threshold. Returns the number of
 * tensors over the threshold (0 = all within), or -1 on error. */
int audit_diff_dirs(const char *a, const char *b, double threshold, FILE *out);

#endif
