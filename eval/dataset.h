/* Data set descriptions for `samc eval` (eval/DATASETS.md documents the file format), and
 * every rule they set.
 *
 * A data set is one small key = value file naming where the images and labels are, how
 * 3D volumes are cut into 2D slices and mapped to 8-bit, which label values are targets
 * (one task per class, named as in the paper's tables) and how labels are remapped. The
 * no-config form (--images DIR --masks DIR) builds the same structure for a binary task.
 * Each value is checked and typed when the file is read, so a bad one names its line before
 * any work. eval/source.h walks the files; this file decides what their labels mean. */
#ifndef SAMC_EVAL_DATASET_H
#define SAMC_EVAL_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "io/intensity.h"
#include "io/nifti.h"

#define DS_MAX_CLASSES 32
#define DS_MAX_REMAPS 32

typedef enum { DS_LAYOUT_PNG, DS_LAYOUT_NIFTI } ds_layout;

#define DS_MAX_VALUES 8

typedef struct {
    int values[DS_MAX_VALUES]; /* label values (after remapping) that make up the target; */
    int n_values;              /* a binary task has the one value 1, meaning label > 0 */
    char *task;                /* task name, e.g. "MRI-Brain: Core" */
    char *cls;                 /* the values as written: "1", "1,2" (results' class column) */
} ds_class;

typedef struct {
    char *name;      /* data set name */
    ds_layout layout;
    char *root;      /* data folder: --root, else `root` (relative to the config's folder) */
    /* png layout: root/images/NAME.png with root/masks/NAME.png */
    char *images, *masks;
    char *mask_suffix; /* masks/NAME<suffix>.png (default "") */
    /* nifti layout: volumes matched by a glob under root; each label volume's path is the
     * image path with the first `label_from` replaced by `label_to`; or pairs from a list */
    char *volumes;
    char *label_from, *label_to;
    char *list;
    nifti_plane plane; /* axial (default), coronal or sagittal */
    int all_slices;    /* 0: keep only slices where a target class is present (default) */
    intensity_map intensity; /* a slice to 8-bit: paper (default), minmax or a window */
    int binary;        /* 1: one task, target = label > 0 */
    ds_class classes[DS_MAX_CLASSES];
    int n_classes;
    int single_task; /* the classes came from a 'task = NAME' line */
    int remap_from[DS_MAX_REMAPS], remap_to[DS_MAX_REMAPS];
    int n_remaps;
} dataset_config;

/* Parses a config file; root_override (may be NULL) replaces its root. 0 or -1 with a
 * message naming the file and line. */
int eval_dataset_config_load(const char *path, const char *root_override, dataset_config *c);
/* Parses config text (what = name for messages, config_dir = folder relative roots start
 * from). 0 or -1. */
int eval_dataset_config_parse(const char *text, const char *what, const char *config_dir, const char *root_override,
                         dataset_config *c);
/* The no-config form: a binary task in the authors' layout from two folders. */
int eval_dataset_config_png_dirs(const char *images, const char *masks, const char *task, dataset_config *c);
void eval_dataset_config_free(dataset_config *c);

/* The data set's remaps applied to a label map of n values, in place. */
void eval_dataset_remap_labels(const dataset_config *c, uint16_t *label, size_t n);

/* The rules on an item's label map (eval/source.h: eval_item.label, h x w values after the
 * remaps). */
struct eval_item;
/* 1 if class k of the data set has a pixel in the label map. */
int eval_item_has_class(const dataset_config *c, const struct eval_item *it, int k);
/* mask[i] = 1 where the label is in class k's target, else 0. */
void eval_item_class_mask(const dataset_config *c, const struct eval_item *it, int k, uint8_t *mask);
/* 1 if a volume's slice is kept: every slice (slices = all) or one with a target class. */
int eval_item_slice_kept(const dataset_config *c, const struct eval_item *it);

/* Which of n shards (0-based) an item or source file goes to: the first 8 bytes of the
 * SHA-256 of its id, mod n. Stable across machines, runs and additions to the data set. */
int eval_shard_of(const char *id, int n);

#endif
