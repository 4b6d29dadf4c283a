/* Numeric audit tools: record every named intermediate tensor of a forward pass into a
 * folder (`samc trace`), and compare two such folders tensor by tensor (`samc diff`). */
#ifndef SAMC_AUDIT_H
#define SAMC_AUDIT_H

#include <stdio.h>

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
