#include "prompts/clicks.h"

#include <stdlib.h>

#include "prompts/components.h"
#include "prompts/distance_transform.h"
#include "util/err.h"
#include "util/mem.h"

int prompts_click_first(const uint8_t *gt, int h, int w, samc_rng *ties, click *out) {
    if (prompts_mask_check_size(h, w)) return -1;
    size_t area = prompts_mask_area(gt, (size_t)h * w);
    if (!area) return util_err("first click: the class mask is empty");
    int x = 0, y = 0;
    if (prompts_region_center(gt, h, w, ties, &x, &y)) return -1;
    out->x = x, out->y = y, out->label = 1, out->region_area = area;
    return 0;
}

int prompts_click_next(const uint8_t *gt, const uint8_t *label_map, const uint8_t *pred, int h, int w,
               click_label_rule rule, samc_rng *ties, click *out) {
    if (prompts_mask_check_size(h, w)) return -1;
    if (rule != CLICK_LABEL_FULL_MAP && rule != CLICK_LABEL_CLASS_MASK)
        return util_err("click label rule %d: unknown", (int)rule);
    if (rule == CLICK_LABEL_FULL_MAP && !label_map)
        return util_err("click: the full-label-map rule needs the label map");
    size_t n = (size_t)h * w;
    uint8_t *err = util_xmalloc_array(n, 1);
    if (!err) return -1;
    size_t area = 0;
    for (size_t i = 0; i < n; i++) area += err[i] = (gt[i] != 0) != (pred[i] != 0);
    int x = 0, y = 0;
    int rc = prompts_region_center(err, h, w, ties, &x, &y);
    free(err);
    if (rc) return -1;
    size_t at = (size_t)y * w + x;
    const uint8_t *rule_map = rule == CLICK_LABEL_FULL_MAP ? label_map : gt;
    out->x = x, out->y = y, out->label = rule_map[at] != 0, out->region_area = area;
    return 0;
}
