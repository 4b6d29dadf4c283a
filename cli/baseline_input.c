#include "cli/baseline_input.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

int cli_model_is_baseline(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    samw *w = NULL;
    unsigned char head[4];
    int is_samw = fread(head, 1, 4, f) == 4 && samw_is_samw(head, 4);
    fclose(f);
    if (is_samw) w = samw_open(path);
    int baseline = w && strcmp(samw_family(w), "sam") != 0;
    samw_close(w);
    util_err_clear();
    return baseline;
}

int cli_open_baseline(const char *cmd, const char *path, samw **w, iseg **m) {
    *m = NULL;
    if (!(*w = samw_open(path)) || !(*m = iseg_open(*w))) return cli_lib_error(cmd);
    return 0;
}

int cli_baseline_clicks(const char *cmd, const cli_prompt *cp, int h, int w, iseg_click *clicks) {
    if (cp->has_box || cp->mask_path || cp->multimask)
        return cli_error(cmd, "%s: this model takes clicks only (--point X,Y,LABEL); --box, --mask-input and "
                              "--multimask are SAM's",
                         cp->has_box ? "--box" : cp->mask_path ? "--mask-input" : "--multimask");
    if (cp->n_points == 0) return cli_error(cmd, "no click: give --point X,Y,LABEL (X column, Y row)");
    for (int i = 0; i < cp->n_points; i++) {
        double x = cp->points[2 * i], y = cp->points[2 * i + 1];
        if (x != (int)x || y != (int)y || x < 0 || y < 0 || x >= w || y >= h)
            return cli_error(cmd, "--point %g,%g: a click is an integer pixel of the %d x %d image (X 0..%d, Y 0..%d)",
                             x, y, w, h, w - 1, h - 1);
        clicks[i] = (iseg_click){.is_positive = cp->labels[i], .row = (int)y, .col = (int)x};
    }
    return 0;
}
