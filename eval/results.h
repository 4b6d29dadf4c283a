/* The results of a run, kept so that a killed run resumes where it stopped with nothing lost
 * or counted twice, and so that shards of a run (SLURM job array) merge into one.
 *
 * OUT/results/<item>.csv holds every measurement of one 2D image (all its classes and
 * experiments): a header line (RESULTS_FILE_HEADER), one row per measurement, and a last line
 * "#sha256=<hex of all bytes before it>". A file is written to a temporary name and renamed
 * (util/file.h), so it either exists complete or not at all; the checksum line also catches
 * a file damaged later (copied in part, disk error): such a file counts as not done and is
 * recomputed on resume.
 *
 * A row is the measurement (the columns of per_image.csv) and what it was made from (the
 * columns of prompts.csv, result_detail). A samc before issue 17 wrote the measurement only,
 * under the header RESULTS_HEADER_V1: such files stay valid, their rows have has_detail = 0. */
#ifndef SAMC_EVAL_RESULTS_H
#define SAMC_EVAL_RESULTS_H

#include <stddef.h>

#include "eval/dirlist.h"
#include "eval/measure.h"

/* The method column, last in every file so that the columns before it keep their places:
 * "sam", or a baseline's name (its family, or the NAME of `--baseline NAME=PATH`). */
#define RESULTS_METHOD_SAM "sam"
/* per_image.csv */
#define RESULTS_HEADER "task,image,class,experiment,setting,selection,iou,dice,method"
#define RESULTS_KEY_COLUMNS "task,image,class,experiment,setting,selection"
#define RESULTS_DETAIL_COLUMNS "points,box,pred_iou,area,volume,plane,slice"
#define RESULTS_FILE_HEADER                                                                        \
    "task,image,class,experiment,setting,selection,iou,dice," RESULTS_DETAIL_COLUMNS ",method"
#define PROMPTS_HEADER RESULTS_KEY_COLUMNS "," RESULTS_DETAIL_COLUMNS ",method"
/* The results files of older samcs, still read (their rows are SAM's): before issue 17 the
 * measurement only; before the baselines (issue 15) without the method column. */
#define RESULTS_HEADER_V1 "task,image,class,experiment,setting,selection,iou,dice"
#define RESULTS_FILE_HEADER_V2 RESULTS_HEADER_V1 "," RESULTS_DETAIL_COLUMNS

/* What a measurement was made from (the columns of OUT/prompts.csv, eval/README.md). */
typedef struct {
    const char *points; /* "x;y;label" per point, joined by '|'; NULL or "": none */
    const char *box;    /* "x0;y0;x1;y1" per box, joined by '|' (mode 4: one per call); NULL or "": none */
    double pred_iou;    /* SAM's predicted IoU of the mask scored; NaN: none */
    long long area;     /* pixels of the target (the class mask) */
    const char *volume, *plane; /* a slice of a volume: the volume's id and plane; NULL: a 2D image */
    long long slice;    /* a slice of a volume: its index; -1: a 2D image */
    const char *method; /* NULL: RESULTS_METHOD_SAM */
} result_detail;

typedef struct {
    char *task;       /* "MRI-Brain: Core" */
    char *image;      /* image id within the data set */
    char *cls;        /* label value of the target ("1") */
    char *experiment; /* modes | iterative | placement | size | everything */
    char *setting;    /* "3" (mode), "9" (clicks), "point_q0.3", "box_j10", ... */
    char *selection;  /* index0 | oracle | best_predicted | gt | single (a baseline's one output) */
    char *method;     /* RESULTS_METHOD_SAM or a baseline's name; never NULL */
    /* the three columns above as eval/measure.h types them, parsed when the row is made; a name
     * it does not know is kept (UNKNOWN) for `samc merge`, and refused by `samc report` */
    eval_experiment exp;
    eval_selection sel;
    int step;         /* the mode or the clicks (eval_measure_step); 0: another setting */
    double iou, dice; /* NaN where not applicable */
    int has_detail;   /* 0: from a results file of a samc before issue 17, the fields below unknown */
    char *points, *box, *volume, *plane; /* as in result_detail; NULL: none */
    double pred_iou;                     /* NaN: none */
    long long area, slice;               /* -1: none */
} result_row;

typedef struct {
    result_row *rows;
    size_t n, cap;
} result_set;

/* Appends a row (strings copied) without detail (has_detail = 0). 0 or -1. */
int eval_result_set_add(result_set *s, const char *task, const char *image, const char *cls, const char *experiment,
                   const char *setting, const char *selection, double iou, double dice);
/* The same with what the measurement was made from (d: has_detail = 1). 0 or -1. */
int eval_result_set_add_detail(result_set *s, const char *task, const char *image, const char *cls,
                          const char *experiment, const char *setting, const char *selection, double iou,
                          double dice, const result_detail *d);
void eval_result_set_free(result_set *s);

/* The results file of an item: malloc'd "OUT/results/<name>.csv", where name is the item id
 * with every character outside [A-Za-z0-9._-] replaced by '_' and, when anything was
 * replaced, "-" and 8 hex digits of the id's SHA-256 (so distinct ids never collide). */
char *eval_results_item_path(const char *out, const char *item_id);

/* The text of a results file for these rows (header, rows, checksum line); malloc'd. A row
 * without detail gets empty detail fields. */
char *eval_results_format(const result_set *s, size_t *len);
/* The text of per_image.csv (RESULTS_HEADER, one line per row, no checksum) and of
 * prompts.csv (PROMPTS_HEADER, one line per row in the same order; a row without detail has
 * empty detail fields); malloc'd, NULL on out of memory. */
char *eval_results_per_image_csv(const result_set *s, size_t *len);
char *eval_results_prompts_csv(const result_set *s, size_t *len);
/* Parses a results file's text (buf is modified): this samc's or an older one's (header
 * RESULTS_HEADER, rows without detail). Returns 0, or -1 with a message when the checksum
 * line is missing or wrong, a row is malformed or the header is neither. */
int eval_results_parse(char *buf, size_t len, const char *what, result_set *out);

/* Writes the item's rows atomically (creates OUT/results). 0 or -1. */
int eval_results_item_write(const char *out, const char *item_id, const result_set *s);
/* 1 if the item has a complete, intact results file; 0 if not (a damaged one is deleted
 * with a warning so it is recomputed); -1 on an I/O error. */
int eval_results_item_done(const char *out, const char *item_id);

/* Reads every results file of a run folder in file-name order. 0, or -1 (naming the file)
 * if any is damaged. */
int eval_results_read_all(const char *out, result_set *all);

/* Deletes temporary files left in OUT/results by a killed run. */
void eval_results_clean_temps(const char *out);

/* The file name (without ".csv") of an item's results file, as in eval_results_item_path;
 * malloc'd. */
char *eval_results_item_name(const char *item_id);
/* The names (as eval_results_item_name gives them, sorted) of the results files in OUT/results,
 * not checked; an absent folder gives none. 0 or -1. */
int eval_results_list_names(const char *out, path_list *names);

/* ---- OUT/shards.conf: what a run folder is to hold ----------------------------------------
 * `samc eval` writes it when it starts (key = value lines, '#' comments):
 *   shards = N                the shard count of the run (1 without --shard)
 *   shard = I                 a shard this folder holds (a merged folder has several)
 *   image = I NAME            a 2D image of the data set and its shard (every shard lists
 *   volume = I NAME           the whole data set, so the images of a missing shard are known)
 *   slices = NAME: A B ...    appended when a volume is finished: its kept slices
 *   class = "CLS","TASK"      a target of the data set: the class and task columns its rows
 *                             have (CSV, always quoted); in config order
 * NAMEs are results file names (eval_results_item_name): no spaces or colons. A folder holds
 * its images when every image of its shards has a results file and every volume is finished
 * with a results file per slice; it is complete when it holds every shard. `samc merge`
 * joins the records of its inputs into OUT/shards.conf; `samc report` checks it. A folder
 * made by an older samc has no record: its completeness is not checked (and one of the samc
 * before the class lines has no classes: absent classes are not named). */
typedef struct {
    char *name;   /* results file name of the image, or of the volume's id */
    int shard;    /* 0 <= shard < n_shards */
    int volume;   /* 1: a volume, whose images are its slices */
    char *slices; /* a finished volume: its slices' names, space-separated; NULL: unfinished */
} shard_source;

typedef struct {
    char *task, *cls; /* as in the results' task and class columns */
} shard_class;

typedef struct {
    int n_shards;
    unsigned char *held; /* held[i] = 1: the folder holds shard i */
    shard_source *v;     /* sorted by name */
    size_t n;
    shard_class *classes; /* the data set's targets, in config order */
    size_t n_classes;
} shard_record;

#define SHARDS_FILE "shards.conf"

/* Reads OUT/shards.conf: 1, 0 if there is none, -1 (naming the file and line) if it cannot
 * be read or is malformed. An unfinished last line (a killed append) is ignored. */
int eval_shard_record_read(const char *out, shard_record *r);
/* Parses a record's text (buf is modified). 0 or -1. */
int eval_shard_record_parse(char *buf, size_t len, const char *what, shard_record *r);
/* The text of a record; malloc'd, NULL on out of memory. */
char *eval_shard_record_format(const shard_record *r, size_t *len);
/* Writes OUT/shards.conf atomically. 0 or -1. */
int eval_shard_record_write(const char *out, const shard_record *r);
/* An empty record of n shards (none held). 0 or -1. */
int eval_shard_record_init(shard_record *r, int n_shards);
/* Adds a source (name copied) to a record being built; call eval_shard_record_sort after the
 * last. 0 or -1. */
int eval_shard_record_add(shard_record *r, const char *name, int shard, int volume, const char *slices);
void eval_shard_record_sort(shard_record *r);
/* Adds a target (strings copied; no control characters). 0 or -1. */
int eval_shard_record_add_class(shard_record *r, const char *task, const char *cls);
/* The source of that name, or NULL. r must be sorted. */
shard_source *eval_shard_record_find(const shard_record *r, const char *name);
/* Joins from into into (an empty into, n_shards 0, becomes a copy): the same shard count,
 * the same images and the same classes (when both list them) are required (else -1 with a
 * message naming what); the held shards and the finished volumes are united (a volume
 * finished with other slices: -1). */
int eval_shard_record_join(shard_record *into, const shard_record *from, const char *what);
/* What is missing, given the sorted names of the results files present: *msg = NULL when
 * nothing, else malloc'd "shard 2/3 missing; 4 images without results: a, b, c, d; 1 volume
 * not finished: v" (at most 10 names per list). 0 or -1. */
int eval_shard_record_missing(const shard_record *r, char *const *names, size_t n_names, char **msg);
/* The recorded classes without a row in rows: *msg = NULL when every class has rows (or
 * none is recorded), else malloc'd "class 7 of task 'X', class 2 of task 'Y'" (all of them) and
 * *n their count. 0 or -1. */
int eval_shard_record_absent_classes(const shard_record *r, const result_set *rows, char **msg, size_t *n);
/* The same for a run folder: 1 checked (*msg as above; *absent: the classes without a row in
 * rows, as eval_shard_record_absent_classes), 0 no record (older samc), -1. */
int eval_results_check_complete(const char *out, const result_set *rows, char **msg, char **absent, size_t *n_absent);
void eval_shard_record_free(shard_record *r);

#endif
