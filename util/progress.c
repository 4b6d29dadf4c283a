#include "util/progress.h"

#include <math.h>

#include "util/timer.h"

void util_progress_log_init(progress_log *p, double every) {
    p->every = every;
    p->next = util_wall_seconds() + every;
}

int util_progress_log_due(progress_log *p) {
    if (!(p->every > 0)) return 0;
    double t = util_wall_seconds();
    if (t < p->next) return 0;
    p->next = t + p->every;
    return 1;
}

void util_progress_log_print(FILE *f, const char *cmd, size_t done, size_t total, const char *unit, const char *extra,
                        double sec_per_unit) {
    int pct = total ? (int)((double)done * 100.0 / (double)total) : 100;
    fprintf(f, "%s: %zu/%zu %ss (%d%%)%s", cmd, done, total, unit, pct, extra ? extra : "");
    if (sec_per_unit > 0 && isfinite(sec_per_unit)) {
        /* a rate below 0.1 s in ms, so a fast unit (an everything-mode point) keeps its digits */
        if (sec_per_unit >= 0.1) fprintf(f, ", %.1f s/%s", sec_per_unit, unit);
        else fprintf(f, ", %.1f ms/%s", sec_per_unit * 1e3, unit);
        double eta = (double)(total > done ? total - done : 0) * sec_per_unit;
        long long s = eta < 9e15 ? (long long)(eta + 0.5) : (long long)9e15;
        if (s >= 3600) fprintf(f, ", ETA %lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
        else fprintf(f, ", ETA %lldm%02llds", s / 60, s % 60);
    }
    fputc('\n', f);
    fflush(f);
}
