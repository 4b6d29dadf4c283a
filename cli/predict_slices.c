#include "cli/predict_slices.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/predict_report.h"
#include "eval/csv.h"
#include "io/nifti.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/progress.h"
#include "util/timer.h"

int predict_slices_owns(const char *name) { return !strcmp(name, "masks.csv"); }

typedef struct {
    uint8_t *vol[PREDICT_MAX_MASKS]; /* mask K of every slice so far, in the volume's voxels */
    int k;                           /* masks per slice (0 until the first slice) */
    size_t nvox;
    predict_report *rep; /* one per slice, first .. last */
} slices_state;

/* Segments slice s into st (im shows it). 0 or -1. */
static int segment_slice(sam_predictor *p, const cli_image *im, const sam_prompt *pr, int best, slices_state *st,
                         predict_report *rep) {
    sam_prediction r = {0};
    if (sam_predictor_set_image(p, im->rgb, im->h, im->w) || sam_predict(p, pr, &r)) return -1;
    int rc = 0;
    predict_report_make(&r, best ? predict_keep_best(&r) : -1, rep);
    if (st->k == 0) { /* the first slice says how many masks each gives */
        st->k = r.k < PREDICT_MAX_MASKS ? r.k : PREDICT_MAX_MASKS;
        for (int i = 0; i < st->k && rc == 0; i++)
            if (!(st->vol[i] = util_xcalloc_array(st->nvox ? st->nvox : 1, 1))) rc = -1;
    }
    size_t full = (size_t)r.h * (size_t)r.w;
    for (int i = 0; i < st->k && rc == 0; i++)
        rc = io_nifti_slice_put_u8(&im->vol, im->plane, im->slice, r.masks + i * full, st->vol[i]);
    sam_prediction_free(&r);
    return rc;
}

/* masks.csv and (json) masks.json of the n reports, slices first, first + 1, ... 0 or -1. */
static int write_tables(const output_dir *od, const predict_report *rep, int64_t first, int64_t n, int json) {
    strbuf csv = {0}, js = {0};
    eval_sb_puts(&csv, "slice,mask,index,predicted_iou,stability_score,area\n");
    eval_sb_puts(&js, "{\n  \"slices\": [\n");
    for (int64_t s = 0; s < n; s++) {
        const predict_report *r = &rep[s];
        for (int i = 0; i < r->k; i++) {
            eval_sb_printf(&csv, "%lld,%d,%d,%.9g,", (long long)(first + s), i, r->index[i], r->iou[i]);
            if (isfinite(r->stability[i])) eval_sb_printf(&csv, "%.9g", r->stability[i]);
            eval_sb_printf(&csv, ",%lld\n", (long long)r->area[i]);
        }
        eval_sb_printf(&js, "    {\n      \"slice\": %lld,\n      ", (long long)(first + s));
        predict_report_json_members(r, &js, "      ");
        eval_sb_printf(&js, "\n    }%s\n", s + 1 < n ? "," : "");
    }
    eval_sb_puts(&js, "  ]\n}\n");
    char path[4096];
    int rc = csv.failed || js.failed ? util_err("out of memory for the tables of %lld slices", (long long)n) : 0;
    if (rc == 0) rc = util_output_dir_file(od, "masks.csv", path, sizeof path) || util_write_file_atomic(path, csv.s,
        csv.n);
    if (rc == 0 && json)
        rc = util_output_dir_file(od, "masks.json", path, sizeof path) || util_write_file_atomic(path, js.s, js.n);
    eval_sb_free(&csv), eval_sb_free(&js);
    return rc ? -1 : 0;
}

int predict_slices(const char *cmd, sam_predictor *p, cli_image *im, const sam_prompt *pr, int best, int json,
                   double progress_every, output_dir *od) {
    int64_t n = im->last - im->first + 1;
    slices_state st = {0};
    int rc = util_size_prod(im->vol.dim + 1, 3, &st.nvox);
    if (rc == 0 && !(st.rep = util_xcalloc_array((size_t)n, sizeof *st.rep))) rc = -1;
    if (rc) {
        free(st.rep);
        return cli_lib_error(cmd);
    }
    progress_log plog;
    util_progress_log_init(&plog, progress_every);
    double t0 = util_wall_seconds();
    char path[4096], name[32], extra[48];
    for (int64_t s = 0; s < n && rc == 0; s++) {
        if (s > 0 && cli_image_set_slice(cmd, im, im->first + s)) {
            rc = 1;
            break;
        }
        if (segment_slice(p, im, pr, best, &st, &st.rep[s]))
            rc = cli_error(cmd, "slice %lld: %s", (long long)im->slice, samc_errmsg());
        else if (util_progress_log_due(&plog)) {
            snprintf(extra, sizeof extra, ", slice %lld done", (long long)im->slice);
            util_progress_log_print(stderr, "samc predict", (size_t)s + 1, (size_t)n, "slice", extra,
                               (util_wall_seconds() - t0) / (double)(s + 1));
        }
    }
    for (int i = 0; i < st.k && rc == 0; i++) {
        snprintf(name, sizeof name, "mask_%d.nii.gz", i);
        if (util_output_dir_file(od, name, path, sizeof path) || io_nifti_write_labels(path, &im->vol, NIFTI_UINT8,
            st.vol[i]))
            rc = cli_lib_error(cmd);
    }
    if (rc == 0 && (write_tables(od, st.rep, im->first, n,
        json) || util_output_dir_commit(od))) rc = cli_lib_error(cmd);
    for (int64_t s = 0; s < n && rc == 0; s++) {
        snprintf(name, sizeof name, "slice %lld: ", (long long)(im->first + s));
        predict_report_print_prefixed(&st.rep[s], name);
    }
    for (int i = 0; i < st.k; i++) free(st.vol[i]);
    free(st.rep);
    return rc;
}
