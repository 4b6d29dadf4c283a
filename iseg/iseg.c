/* The interface's entry points, and which model each family's files build. */
#include "iseg/iseg.h"

#include <string.h>

#include "focalclick/focalclick.h"
#include "ritm/ritm.h"
#include "simpleclick/simpleclick.h"
#include "util/err.h"

static const struct {
    const char *family;
    iseg *(*open)(const samw *w);
} families[] = {
    {"ritm", ritm_open},
    {"focalclick", focalclick_open},
    {"simpleclick", simpleclick_open},
};

iseg *iseg_open(const samw *w) {
    const char *family = samw_family(w);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (!strcmp(family, families[i].family)) return families[i].open(w);
    util_err("a %s model is not an interactive segmenter of the study's baselines (ritm, focalclick, simpleclick)",
             family);
    return NULL;
}

int iseg_set_image(iseg *m, const uint8_t *rgb, int H, int W) {
    if (H < 1 || W < 1) return util_err("%s: empty image (%dx%d)", m->ops->family, H, W);
    return m->ops->set_image(m, rgb, H, W);
}

int iseg_predict(iseg *m, const iseg_click *clicks, int n, float *prob) {
    if (n < 1) return util_err("%s: a prediction needs at least one click", m->ops->family);
    return m->ops->predict(m, clicks, n, prob);
}

const char *iseg_family(const iseg *m) { return m->ops->family; }

void iseg_free(iseg *m) {
    if (m) m->ops->free(m);
}
