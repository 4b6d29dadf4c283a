/* Data set descriptions for `samc eval` (eval/DATASETS.md documents the file format).
 *
 * A data set is one small key = value file naming where the images and labels are, how
 * 3D volumes are cut into 2D slices and mapped to 8-bit, which label values are targets
 * (one task per class, named as in the paper's tables) and how labels are remapped. The
 * no-config form (--images DIR --masks DIR) builds the same structure for a binary task. */
#ifndef SAMC_EVAL_DATASET_H
#define SAMC_EVAL_DATASET_H

#include <stdint.h>

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
    char *plane;       /* axial (default), coronal or sagittal */
    int all_slices;    /* 0: keep only slices where a target class is present (default) */
    char *intensity;   /* "paper", "minmax", "window:L,W" or a CT preset name */
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

/* The label value after the data set's remaps. */
int eval_dataset_remap(const dataset_config *c, int v);
/* 1 if a (remapped) label value belongs to class k's target. */
int eval_dataset_in_class(const dataset_config *c, int k, int v);

/* Which of n shards (0-based) an item or source file goes to: the first 8 bytes of the
 * SHA-256 of its id, mod n. Stable across machines, runs and additions to the data set. */
int eval_shard_of(const char *id, int n);

#endif
