/* The helpers of the automatic mask generator, mirroring segment_anything/utils/amg.py and
 * torchvision's nms: point grids, crop boxes, mask -> box, stability score, NMS, RLE and
 * COCO RLE, small-region removal. They know nothing of the model; masks are h x w bytes
 * (0/1), row-major. Boxes are XYXY with an inclusive maximum (as batched_mask_to_box). */
#ifndef SAMC_SAM_AMG_H
#define SAMC_SAM_AMG_H

#include <stddef.h>
#include <stdint.h>

/* build_point_grid(n): n*n points (x, y) in [0,1]^2, x fastest, at numpy
 * linspace(1/(2n), 1-1/(2n), n). out holds 2*n*n doubles. */
void sam_amg_point_grid(int n, double *out);

/* Points per side of crop layer i: int(n_per_side / scale**i) (build_all_layer_point_grids). */
int sam_amg_layer_points_per_side(int n_per_side, int layer, int scale_per_layer);

/* generate_crop_boxes((h, w), n_layers, overlap_ratio): fills boxes (XYXY, exclusive max) and
 * layers with every crop, the full image first. Returns the count, or -1 if more than cap
 * crops would be needed (pass boxes = NULL and cap = 0 to just count). */
int sam_amg_crop_boxes(int h, int w, int n_layers, double overlap_ratio, int *boxes, int *layers, int cap);

/* batched_mask_to_box for one h x w mask: [x0, y0, x1, y1] with inclusive max, [0,0,0,0] if
 * the mask is empty. */
void sam_amg_mask_to_box(const uint8_t *mask, int h, int w, int box[4]);

/* is_box_near_crop_edge: box (in crop coordinates) is within 20 px of an edge of crop_box
 * that is not also an edge of the h x w image. */
int sam_amg_box_near_crop_edge(const int box[4], const int crop_box[4], int h, int w);

/* calculate_stability_score from counts of logits: inter = #(logit > thr+offset),
 * union = #(logit > thr-offset), the thresholds rounded to float32; (float)inter / (float)union,
 * NaN when union is 0. */
float sam_amg_stability_score(const float *logits, size_t n, double mask_threshold, double offset);
/* The same from ready counts. */
float sam_amg_stability_from_counts(int64_t inter, int64_t uni);

/* torchvision.ops.nms on boxes[n][4] (float32 XYXY) and scores[n]: stable descending sort,
 * then greedy suppression of every later box with IoU > iou_threshold (areas without +1; a
 * zero-area box never suppresses or is suppressed). Writes the kept indices to keep in
 * descending score order and returns their count, or -1 on allocation failure. */
int sam_amg_nms(const float *boxes, const float *scores, int n, double iou_threshold, int *keep);

/* Uncompressed RLE of an h x w mask in column-major order (mask_to_rle_pytorch): counts
 * alternate runs of 0 and 1, starting with 0 (a leading 0-length run if pixel (0,0) is 1). */
typedef struct {
    int h, w;
    size_t n;         /* number of runs */
    uint32_t *counts; /* malloc'd */
} amg_rle;

/* Encodes mask (h x w, row-major 0/1). Returns 0 or -1. */
int sam_amg_rle_encode(const uint8_t *mask, int h, int w, amg_rle *rle);
/* Encodes a ch x cw mask placed at (x0, y0) in an h x w image that is 0 elsewhere
 * (uncrop_masks followed by mask_to_rle_pytorch). */
int sam_amg_rle_encode_placed(const uint8_t *mask, int ch, int cw, int x0, int y0, int h, int w, amg_rle *rle);
/* rle_to_mask: decodes into mask (h x w row-major). Returns -1 if the runs do not add up to h*w. */
int sam_amg_rle_decode(const amg_rle *rle, uint8_t *mask);
/* area_from_rle: sum of the 1-runs. */
uint64_t sam_amg_rle_area(const amg_rle *rle);
void sam_amg_rle_free(amg_rle *rle);

/* pycocotools rleToString: the compressed COCO "counts" string of rle (malloc'd, NUL-ended).
 * NULL on allocation failure. */
char *sam_amg_coco_rle_string(const amg_rle *rle);
/* pycocotools rleFrString: parses a COCO counts string into rle (size h x w). Returns -1 on a
 * malformed string or runs that do not add up to h*w. */
int sam_amg_coco_rle_parse(const char *s, int h, int w, amg_rle *rle);

/* remove_small_regions(mask, area_thresh, mode) in place on an h x w 0/1 mask, with
 * cv2.connectedComponentsWithStats(connectivity 8) semantics. holes = 1 fills background
 * components smaller than area_thresh; holes = 0 removes foreground components smaller than
 * area_thresh (keeping the largest if all are small). *changed = 1 if any small region was
 * found. Returns 0 or -1 on allocation failure. */
int sam_amg_remove_small_regions(uint8_t *mask, int h, int w, int64_t area_thresh, int holes, int *changed);

#endif
