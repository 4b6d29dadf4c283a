#include "prompts/placement.h"

#include <math.h>
#include <stdlib.h>

#include "prompts/components.h"
#include "prompts/distance_transform.h"
#include "metrics/stats.h"
#include "util/err.h"
#include "util/mem.h"

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b ? 1 : 0;
}

int prompts_placement_point(const uint8_t *mask, int h, int w, double q, samc_rng *rng, placed_point *out) {
    if (prompts_mask_check_size(h, w)) return -1;
    if (!(q >= 0 && q <= 1)) return util_err("placement quantile %g: must be in [0, 1]", q);
    if (!rng) return util_err("placement_point: needs a seeded rng");
    size_t n = (size_t)h * w, area = prompts_mask_area(mask, n);
    if (!area) return util_err("placement_point: the mask is empty");
    float *d = util_xmalloc_array(n, sizeof *d);
    double *vals = util_xmalloc_array(area, sizeof *vals);
    int rc = -1;
    if (!d || !vals || prompts_region_distance(mask, h, w, d)) goto done;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (mask[i]) vals[k++] = d[i];
    qsort(vals, area, sizeof *vals, cmp_double);
    double t = metrics_quantile_sorted(vals, area, q);
    size_t cand = 0;
    for (size_t i = 0; i < n; i++) cand += mask[i] && (double)d[i] >= t;
    /* the pick-th candidate in row-major order */
    size_t pick = (size_t)util_rng_below(rng, cand), at = 0;
    for (size_t i = 0; i < n; i++)
        if (mask[i] && (double)d[i] >= t && pick-- == 0) {
            at = i;
            break;
        }
    int64_t c = prompts_argmax_ties(d, (int64_t)n, NULL, NULL);
    out->x = (double)(at % w), out->y = (double)(at / w);
    out->dx = out->x - (double)(c % w), out->dy = out->y - (double)(c / w);
    out->displacement = sqrt(out->dx * out->dx + out->dy * out->dy);
    out->threshold = t, out->n_candidates = cand;
    rc = 0;
done:
    free(d), free(vals);
    return rc;
}

/* One coordinate v moved by a draw in [-m, m] and clipped to [0, hi]. */
static double jitter_coord(double v, double size, double jitter, double hi, samc_rng *rng) {
    uint64_t m = (uint64_t)floor(jitter * size);
    double moved = v + (double)(int64_t)util_rng_below(rng, 2 * m + 1) - (double)m;
    return moved < 0 ? 0 : moved > hi ? hi : moved;
}

int prompts_placement_box(const double box[4], int h, int w, double jitter, samc_rng *rng, double out[4],
                  double offset[4]) {
    if (prompts_mask_check_size(h, w)) return -1;
    if (!(jitter >= 0 && jitter <= 1)) return util_err("box jitter %g: must be in [0, 1]", jitter);
    if (!rng) return util_err("placement_box: needs a seeded rng");
    if (!(box[0] <= box[2] && box[1] <= box[3] && box[0] >= 0 && box[1] >= 0 && box[2] <= w - 1 &&
          box[3] <= h - 1))
        return util_err("box [%g %g %g %g]: not an ordered box inside the %d x %d image", box[0], box[1],
                        box[2], box[3], h, w);
    double bw = box[2] - box[0] + 1, bh = box[3] - box[1] + 1, in[4] = {box[0], box[1], box[2], box[3]};
    double r[4];
    r[0] = jitter_coord(in[0], bw, jitter, w - 1, rng);
    r[1] = jitter_coord(in[1], bh, jitter, h - 1, rng);
    r[2] = jitter_coord(in[2], bw, jitter, w - 1, rng);
    r[3] = jitter_coord(in[3], bh, jitter, h - 1, rng);
    for (int i = 0; i < 4; i++) offset[i] = r[i] - in[i];
    if (r[0] > r[2]) { double t = r[0]; r[0] = r[2], r[2] = t; }
    if (r[1] > r[3]) { double t = r[1]; r[1] = r[3], r[3] = t; }
    for (int i = 0; i < 4; i++) out[i] = r[i];
    return 0;
}

int prompts_object_size_of(const uint8_t *mask, int h, int w, object_size *out) {
    mask_component *c = NULL;
    int n = 0;
    if (prompts_components_find(mask, h, w, NULL, &c, &n)) return -1;
    out->area = 0;
    for (int k = 0; k < n; k++) out->area += c[k].area;
    out->area_fraction = (double)out->area / ((double)h * w);
    out->n_components = n;
    out->largest_area = n ? c[0].area : 0;
    free(c);
    return 0;
}
