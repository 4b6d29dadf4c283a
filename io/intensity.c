#include "io/intensity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Common CT display windows in Hounsfield units, as listed by Radiopaedia ("Windowing (CT)"):
 * brain W80 L40, lungs W1500 L-600, bone W1800 L400, abdomen soft tissue W400 L50,
 * liver W150 L30, mediastinum W350 L50. */
static const struct {
    const char *name;
    double level, width;
} k_presets[] = {
    {"abdomen", 50, 400}, {"bone", 400, 1800}, {"brain", 40, 80},
    {"liver", 30, 150},   {"lung", -600, 1500}, {"mediastinum", 50, 350},
};

int io_intensity_preset(const char *name, double *level, double *width) {
    for (size_t i = 0; i < sizeof k_presets / sizeof k_presets[0]; i++)
        if (!strcmp(name, k_presets[i].name)) {
            *level = k_presets[i].level;
            *width = k_presets[i].width;
            return 0;
        }
    return util_err("unknown intensity mapping '%s' (paper, minmax, abdomen, bone, brain, liver, lung, "
                    "mediastinum, or window:LEVEL,WIDTH)",
                    name);
}

int io_intensity_parse(const char *spec, intensity_map *m) {
    memset(m, 0, sizeof *m);
    if (!strcmp(spec, "paper")) return 0;
    if (!strcmp(spec, "minmax")) {
        m->mode = INTENSITY_MINMAX;
        return 0;
    }
    m->mode = INTENSITY_WINDOW;
    if (strncmp(spec, "window:", 7) != 0) return io_intensity_preset(spec, &m->level, &m->width);
    char *end;
    m->level = strtod(spec + 7, &end);
    if (end == spec + 7 || *end != ',') return util_err("bad window '%s' (window:LEVEL,WIDTH)", spec);
    const char *w = end + 1;
    m->width = strtod(w, &end);
    if (end == w || *end || !isfinite(m->level) || !isfinite(m->width) || m->width < 1)
        return util_err("bad window '%s' (window:LEVEL,WIDTH with WIDTH >= 1)", spec);
    return 0;
}

/* numpy's astype(uint8) of a value already in [0, 255], made defined for the rest */
static uint8_t trunc_u8(double v) {
    if (!(v > 0)) return 0; /* also NaN */
    if (v >= 255) return 255;
    return (uint8_t)v;
}

int io_intensity_to_u8(const float *x, size_t n, const intensity_map *m, uint8_t *out) {
    if (m->mode == INTENSITY_WINDOW) {
        if (!(m->width >= 1)) return util_err("window width %g is below 1", m->width);
        double c = m->level - 0.5, w1 = m->width - 1, lo = c - w1 / 2, hi = c + w1 / 2;
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            if (isnan(v) || v <= lo)
                out[i] = 0;
            else if (v > hi)
                out[i] = 255;
            else
                out[i] = trunc_u8(floor(((v - c) / w1 + 0.5) * 255 + 0.5));
        }
        return 0;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            if (x[i] < lo) lo = x[i];
            if (x[i] > hi) hi = x[i];
        }
    if (m->mode == INTENSITY_PAPER) {
        for (size_t i = 0; i < n; i++) out[i] = hi > 0 ? trunc_u8((double)x[i] / hi * 255) : 0;
    } else {
        double range = hi - lo;
        for (size_t i = 0; i < n; i++) out[i] = range > 0 ? trunc_u8(((double)x[i] - lo) / range * 255) : 0;
    }
    return 0;
}
