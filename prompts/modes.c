#include "prompts/modes.h"

#include <stdlib.h>
#include <string.h>

#include "prompts/components.h"
#include "prompts/distance_transform.h"
#include "util/err.h"
#include "util/mem.h"

static void set_box(double *dst, const int b[4]) {
    for (int i = 0; i < 4; i++) dst[i] = b[i];
}

/* Centres (modes 1, 2) or boxes (modes 3, 4) of the n_regions largest components. */
static int component_prompts(int mode, const uint8_t *gt, int h, int w, samc_rng *ties, int n_regions,
                             mode_prompt *out) {
    size_t n = (size_t)h * w;
    int32_t *labels = util_xmalloc_array(n, sizeof *labels);
    uint8_t *region = util_xmalloc_array(n, 1);
    mask_component *comps = NULL;
    int n_comps = 0, rc = -1;
    if (!labels || !region || prompts_components_find(gt, h, w, labels, &comps, &n_comps)) goto done;
    if (n_comps == 0) {
        util_err("mode %d: the class mask is empty", mode);
        goto done;
    }
    if (n_regions > n_comps) n_regions = n_comps;
    for (int k = 0; k < n_regions; k++) {
        if (mode == 1 || mode == 2) {
            int x = 0, y = 0;
            prompts_component_mask(labels, n, k + 1, region);
            if (prompts_region_center(region, h, w, ties, &x, &y)) goto done;
            out->points[2 * k] = x, out->points[2 * k + 1] = y;
            out->labels[k] = 1;
            out->n_points++;
        } else {
            const mask_component *c = &comps[k];
            int b[4] = {c->x0, c->y0, c->x1, c->y1};
            set_box(out->boxes + 4 * k, b);
            out->n_boxes++;
        }
    }
    rc = 0;
done:
    free(labels), free(region), free(comps);
    return rc;
}

int prompts_mode_prompt_make(int mode, const uint8_t *gt, int h, int w, samc_rng *ties, mode_prompt *out) {
    memset(out, 0, sizeof *out);
    out->mode = mode;
    if (prompts_mask_check_size(h, w)) return -1;
    switch (mode) {
    case 1: return component_prompts(mode, gt, h, w, ties, 1, out);
    case 2: return component_prompts(mode, gt, h, w, ties, MODE_MAX_REGIONS, out);
    case 3: return component_prompts(mode, gt, h, w, ties, 1, out);
    case 4: return component_prompts(mode, gt, h, w, ties, MODE_MAX_REGIONS, out);
    case 5: {
        int b[4];
        if (prompts_mask_box(gt, h, w, b)) return util_err("mode 5: the class mask is empty");
        set_box(out->boxes, b);
        out->n_boxes = 1;
        return 0;
    }
    default: return util_err("prompt mode %d: must be 1..5", mode);
    }
}

int prompts_mode_prompt_calls(const mode_prompt *mp) { return mp->mode == 4 ? mp->n_boxes : 1; }

void prompts_mode_prompt_call(const mode_prompt *mp, int c, sam_prompt *out) {
    memset(out, 0, sizeof *out);
    out->multimask = 1;
    if (mp->n_points) {
        out->n_points = mp->n_points;
        out->points = mp->points;
        out->labels = mp->labels;
    } else {
        out->box = mp->boxes + 4 * c;
    }
}

void prompts_masks_or(uint8_t *acc, const uint8_t *masks, size_t n) {
    for (size_t i = 0; i < n; i++) acc[i] = (uint8_t)(acc[i] | (masks[i] != 0));
}
