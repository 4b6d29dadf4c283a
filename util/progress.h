/* Progress lines for logs (a SLURM job's output, a redirected stderr), where a line redrawn
 * in place with '\r' is useless: at most one line every `every` seconds, e.g.
 *
 *   samc eval: 120/480 images (25%), 3.1 s/image, ETA 18m36s
 *
 * The grammar: "CMD: DONE/TOTAL UNITs (P%)[EXTRA][, RATE s/UNIT | RATE ms/UNIT, ETA [Hh]MMmSSs]"
 * with P = floor(100 * DONE / TOTAL); rate and ETA appear once a rate is known. */
#ifndef SAMC_UTIL_PROGRESS_H
#define SAMC_UTIL_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    double every; /* seconds between lines; <= 0: no lines */
    double next;  /* util_wall_seconds() of the next line */
} progress_log;

/* Starts the clock: the first line is due `every` seconds from now. */
void util_progress_log_init(progress_log *p, double every);
/* 1 when a line is due (and the next one is scheduled `every` seconds later), else 0. */
int util_progress_log_due(progress_log *p);
/* Prints one line to f. unit is singular ("image"; "s" is added after TOTAL); extra, when
 * not NULL, follows the percentage (", 37 slices"); sec_per_unit <= 0 or not finite: rate
 * and ETA unknown, not printed. The ETA is (total - done) * sec_per_unit. */
void util_progress_log_print(FILE *f, const char *cmd, size_t done, size_t total, const char *unit, const char *extra,
                        double sec_per_unit);

#endif
