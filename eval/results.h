/* The results of a run, kept so that a killed run resumes where it stopped with nothing lost
 * or counted twice, and so that shards of a run (SLURM job array) merge into one.
 *
 * OUT/results/<item>.csv holds every measurement of one 2D image (all its classes and
 * experiments): the header line of per_image.csv, one row per measurement, and a last line
 * "#sha256=<hex of all bytes before it>". A file is written to a temporary name and renamed
 * (util/file.h), so it either exists complete or not at all; the checksum line also catches
 * a file damaged later (copied in part, disk error): such a file counts as not done and is
 * recomputed on resume. */
#ifndef SAMC_EVAL_RESULTS_H
#define SAMC_EVAL_RESULTS_H

#include <stddef.h>

#define RESULTS_HEADER "task,image,class,experiment,setting,selection,iou,dice"

typedef struct {
    char *task;       /* "MRI-Brain: Core" */
    char *image;      /* image id within the data set */
    char *cls;        /* label value of the target ("1") */
    char *experiment; /* modes | iterative | placement | size | everything */
    char *setting;    /* "3" (mode), "9" (clicks), "point_q0.3", "box_j10", ... */
    char *selection;  /* index0 | oracle | best_predicted (see eval/README) */
    double iou, dice; /* NaN where not applicable */
} result_row;

typedef struct {
    result_row *rows;
    size_t n, cap;
} result_set;

/* Appends a row (strings copied). 0 or -1. */
int result_set_add(result_set *s, const char *task, const char *image, const char *cls, const char *experiment,
                   const char *setting, const char *selection, double iou, double dice);
void result_set_free(result_set *s);

/* The results file of an item: malloc'd "OUT/results/<name>.csv", where name is the item id
 * with every character outside [A-Za-z0-9._-] replaced by '_' and, when anything was
 * replaced, "-" and 8 hex digits of the id's SHA-256 (so distinct ids never collide). */
char *results_item_path(const char *out, const char *item_id);

/* The text of a results file for these rows (header, rows, checksum line); malloc'd. */
char *results_format(const result_set *s, size_t *len);
/* Parses a results file's text (buf is modified). Returns 0, or -1 with a message when the
 * checksum line is missing or wrong, a row is malformed or the header differs. */
int results_parse(char *buf, size_t len, const char *what, result_set *out);

/* Writes the item's rows atomically (creates OUT/results). 0 or -1. */
int results_item_write(const char *out, const char *item_id, const result_set *s);
/* 1 if the item has a complete, intact results file; 0 if not (a damaged one is deleted
 * with a warning so it is recomputed); -1 on an I/O error. */
int results_item_done(const char *out, const char *item_id);

/* Reads every results file of a run folder in file-name order. 0, or -1 (naming the file)
 * if any is damaged. */
int results_read_all(const char *out, result_set *all);

/* Deletes temporary files left in OUT/results by a killed run. */
void results_clean_temps(const char *out);

#endif
