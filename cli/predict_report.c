#include "cli/predict_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sam/amg.h"
#include "util/err.h"
#include "util/file.h"

int predict_keep_best(sam_prediction *r) {
    int b = 0;
    for (int i = 1; i < r->k; i++)
        if (r->iou[i] > r->iou[b]) b = i;
    size_t full = (size_t)r->h * (size_t)r->w, low = (size_t)r->low_res * (size_t)r->low_res;
    memmove(r->masks, r->masks + b * full, full);
    memmove(r->logits, r->logits + b * full, full * sizeof *r->logits);
    memmove(r->low_res_logits, r->low_res_logits + b * low, low * sizeof *r->low_res_logits);
    r->iou[0] = r->iou[b];
    r->k = 1;
    return b;
}

void predict_report_make(const sam_prediction *r, int best, predict_report *rep) {
    size_t full = (size_t)r->h * (size_t)r->w;
    rep->k = r->k < PREDICT_MAX_MASKS ? r->k : PREDICT_MAX_MASKS;
    rep->best = best;
    for (int i = 0; i < rep->k; i++) {
        const uint8_t *m = r->masks + i * full;
        int64_t area = 0;
        for (size_t p = 0; p < full; p++) area += m[p];
        rep->index[i] = best >= 0 ? best : i;
        rep->iou[i] = r->iou[i];
        /* as SamAutomaticMaskGenerator scores a mask: mask threshold 0, offset 1 */
        rep->stability[i] = sam_amg_stability_score(r->logits + i * full, full, 0.0, 1.0);
        rep->area[i] = area;
    }
}

void predict_report_print_prefixed(const predict_report *rep, const char *prefix) {
    for (int i = 0; i < rep->k; i++)
        printf("%smask %d: predicted IoU %.4f, stability %.4f, area %lld px%s\n", prefix, rep->index[i], rep->iou[i],
               rep->stability[i], (long long)rep->area[i], rep->best >= 0 ? " (best by predicted IoU)" : "");
}

void predict_report_print(const predict_report *rep) { predict_report_print_prefixed(rep, ""); }

/* A float32 as JSON: shortest round-trip form, null for NaN or infinity (JSON has neither). */
static int json_float(char *buf, size_t n, float v) {
    return isfinite(v) ? snprintf(buf, n, "%.9g", v) : snprintf(buf, n, "null");
}

void predict_report_json_members(const predict_report *rep, strbuf *b, const char *indent) {
    char iou[32], stab[32];
    eval_sb_puts(b, "\"masks\": [\n");
    for (int i = 0; i < rep->k; i++) {
        json_float(iou, sizeof iou, rep->iou[i]);
        json_float(stab, sizeof stab, rep->stability[i]);
        eval_sb_printf(b, "%s  {\"index\": %d, \"predicted_iou\": %s, \"stability_score\": %s, \"area\": %lld}%s\n",
                  indent, rep->index[i], iou, stab, (long long)rep->area[i], i + 1 < rep->k ? "," : "");
    }
    if (rep->best >= 0) eval_sb_printf(b, "%s],\n%s\"best\": %d", indent, indent, rep->best);
    else eval_sb_printf(b, "%s],\n%s\"best\": null", indent, indent);
}

int predict_report_write_json(const predict_report *rep, const char *path) {
    strbuf b = {0};
    eval_sb_puts(&b, "{\n  ");
    predict_report_json_members(rep, &b, "  ");
    eval_sb_puts(&b, "\n}\n");
    int rc = b.failed ? util_err("%s: out of memory", path) : util_write_file_atomic(path, b.s, b.n);
    eval_sb_free(&b);
    return rc;
}
