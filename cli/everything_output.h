/* The files `samc everything` writes: masks.npy, annotations.json and overlay.png. */
#ifndef SAMC_CLI_EVERYTHING_OUTPUT_H
#define SAMC_CLI_EVERYTHING_OUTPUT_H

#include <stdint.h>

#include "sam/automatic_mask_generator.h"

/* SamAutomaticMaskGenerator's output_mode: what "segmentation" holds in the records. */
typedef enum { SEG_BINARY_MASK, SEG_UNCOMPRESSED_RLE, SEG_COCO_RLE } seg_mode;

/* The records as json.dumps writes the official list of dicts (keys in the official order:
 * segmentation, area, bbox, predicted_iou, point_coords, stability_score, crop_box), one
 * record per line. In binary_mask mode the masks are in masks.npy and "segmentation" is
 * left out. Written atomically. */
int write_annotations_json(const char *path, const sam_amg_result *r, seg_mode mode);

/* masks.npy: bool N x H x W in output order. Written atomically. */
int write_masks_npy(const char *path, const sam_amg_result *r);

/* The image with every mask blended in its own colour (larger masks first, so small ones
 * stay visible). Written atomically. */
int write_overlay_png(const char *path, const uint8_t *rgb, const sam_amg_result *r);

/* A slice of the label volume `samc everything --slices` writes: labels (h x w) is 0, or
 * 1 + the index (output order) of the smallest mask covering the pixel, the earlier mask on a
 * tie: small masks lying on larger ones stay visible, as overlay.png draws them. 0, or -1
 * with a message when r holds more than 65535 masks. */
int everything_label_slice(const sam_amg_result *r, uint16_t *labels);

#endif
