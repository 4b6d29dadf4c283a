/* What `samc predict` says about its masks: one line per mask on stdout (its index among the
 * model's outputs, predicted IoU, stability score, area), the same as DIR/masks.json with
 * --json, and --best, which keeps only the mask of the highest predicted IoU (the study's
 * "index by score"). */
#ifndef SAMC_CLI_PREDICT_REPORT_H
#define SAMC_CLI_PREDICT_REPORT_H

#include <stdint.h>

#include "eval/csv.h"
#include "samc.h"

#define PREDICT_MAX_MASKS 3

typedef struct {
    int k;                        /* masks described */
    int index[PREDICT_MAX_MASKS]; /* each mask's index among the model's outputs */
    float iou[PREDICT_MAX_MASKS];
    float stability[PREDICT_MAX_MASKS]; /* calculate_stability_score, offset 1.0; NaN: empty */
    int64_t area[PREDICT_MAX_MASKS];    /* pixels of the full-size mask */
    int best;                           /* --best: the index kept; -1 otherwise */
} predict_report;

/* Keeps only the mask of the highest predicted IoU in r (the first on a tie, as np.argmax),
 * moving it to position 0; returns its index. */
int predict_keep_best(sam_prediction *r);
/* Describes r's masks; index_of_first is the model output index of r's mask 0 (best or 0). */
void predict_report_make(const sam_prediction *r, int best, predict_report *rep);
void predict_report_print(const predict_report *rep);
/* The same, each line starting with prefix ("slice 12: "). */
void predict_report_print_prefixed(const predict_report *rep, const char *prefix);
/* Appends the report's JSON members ("masks": [...], "best": ...; lines after the first
 * indented by indent), as masks.json holds them. */
void predict_report_json_members(const predict_report *rep, strbuf *b, const char *indent);
/* Writes the report as JSON to path, atomically. 0 or -1. */
int predict_report_write_json(const predict_report *rep, const char *path);

#endif
