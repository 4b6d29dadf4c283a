/* SamAutomaticMaskGenerator (segment_anything/automatic_mask_generator.py): segments
 * everything in an image by prompting the model with a grid of points, on the whole image
 * and optionally on crops of it, then filtering and de-duplicating the masks exactly as the
 * official code does (segment_anything/automatic_mask_generator.py).
 *
 * The generator talks to the model through amg_model, so the pipeline can be tested with a
 * synthetic model; sam_amg_model_init (sam/amg_model.c) binds it to a loaded SAM.
 *
 * Known corners where the official code is not reproduced bit for bit:
 *  - torchvision's batched_nms takes another path above 1000 boxes, which re-sorts the kept
 *    boxes with a sort not documented as stable; here ties always keep index order (what
 *    the path below 1000 boxes does), so only exactly tied scores could come out reordered;
 *  - the official stability counts sum each row in int16 and would wrap on rows wider than
 *    32767 pixels; here they never wrap. */
#ifndef SAMC_SAM_AUTOMATIC_MASK_GENERATOR_H
#define SAMC_SAM_AUTOMATIC_MASK_GENERATOR_H

#include <stdint.h>

#include "sam/amg.h"
#include "samc.h"

/* The constructor arguments of SamAutomaticMaskGenerator (output_mode is the caller's). */
typedef struct {
    int points_per_side;        /* 32 */
    int points_per_batch;       /* 64 */
    double pred_iou_thresh;     /* 0.88; 0 disables the filter */
    double stability_score_thresh; /* 0.95; 0 disables the filter */
    double stability_score_offset; /* 1.0 */
    double box_nms_thresh;      /* 0.7 */
    int crop_n_layers;          /* 0 */
    double crop_nms_thresh;     /* 0.7 */
    double crop_overlap_ratio;  /* 512 / 1500 */
    int crop_n_points_downscale_factor; /* 1 */
    int64_t min_mask_region_area; /* 0; > 0 runs postprocess_small_regions */
} sam_amg_params;

/* The official defaults. */
void sam_amg_params_default(sam_amg_params *p);
/* Checks ranges; returns 0 or -1 with a message naming the parameter. */
int sam_amg_params_check(const sam_amg_params *p);

/* One output record (the official annotation dict). */
typedef struct {
    amg_rle rle;          /* the mask over the whole image */
    int box[4];           /* XYXY, inclusive max (bbox = x0, y0, x1-x0, y1-y0) */
    float predicted_iou;
    float stability_score;
    double point[2];      /* the grid point, original-image pixels */
    int crop_box[4];      /* XYXY, exclusive max */
    int multimask_index;  /* which of the three multimask outputs (0..2) */
} sam_amg_mask;

typedef struct {
    int h, w;
    int n;
    sam_amg_mask *masks; /* n, in output order */
    /* torch promotes the boxes to float when some batch keeps no mask (batched_mask_to_box of
     * an empty tensor returns float zeros), so the official bbox lists print as 98.0 */
    int boxes_are_float;
    double t_encoder, t_decoder, t_post; /* seconds spent in each stage */
} sam_amg_result;

void sam_amg_result_free(sam_amg_result *r);

/* What the generator needs from a model, for one crop at a time. Calls are made from one
 * thread, except upscale, which is called concurrently and must be thread-safe. */
typedef struct {
    void *ctx;
    int low_res; /* L: low-res masks are L x L */
    /* SamPredictor.set_image on the crop: rgb[h][stride][3], the crop's h x w pixels. */
    int (*set_image)(void *ctx, const uint8_t *rgb, int h, int w, int stride);
    /* predict_torch(multimask_output=True) for n single positive points xy[n][2] (crop
     * pixels): iou[n][3] and low[n][3][L][L]. If keep_iou_above is not NaN, the low-res
     * masks of a point whose three IoUs are all <= it may be left unwritten (they would be
     * dropped by the IoU filter anyway). */
    int (*decode)(void *ctx, const double *xy, int n, float keep_iou_above, float *iou, float *low);
    /* Sam.postprocess_masks of one low-res mask to the crop size: low[L][L] -> out[h][w]
     * logits. */
    int (*upscale)(void *ctx, const float *low, float *out);
} amg_model;

/* Binds m to a predictor (which must outlive it); sam_amg_model_free releases the binding.
 * Returns 0 or -1. */
int sam_amg_model_init(amg_model *m, sam_predictor *p);
/* The same, for a predictor that already holds the embedding of the image about to be
 * generated (e.g. from an embedding cache): the whole-image crop then reuses it instead of
 * encoding again; smaller crops are still encoded. */
int sam_amg_model_init_preset(amg_model *m, sam_predictor *p);
void sam_amg_model_free(amg_model *m);

/* SamAutomaticMaskGenerator.generate on rgb[h][w][3]: fills out (records in output order).
 * Returns 0, or -1 with a message. */
int sam_amg_generate(const amg_model *model, const uint8_t *rgb, int h, int w, const sam_amg_params *p,
                     sam_amg_result *out);

#endif
