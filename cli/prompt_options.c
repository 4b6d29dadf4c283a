#include "cli/prompt_options.h"

#include <stdio.h>
#include <string.h>

int cli_prompt_point(const char *cmd, const char *opt, const char *value, void *dst) {
    cli_prompt *p = dst;
    double pt[3];
    if (cli_doubles(cmd, opt, value, 3, pt)) return -1;
    if (p->n_points == CLI_MAX_POINTS) return cli_usage_error(cmd, "at most %d points", CLI_MAX_POINTS);
    if (pt[2] != 0.0 && pt[2] != 1.0)
        return cli_usage_error(cmd, "%s %s: the label must be 1 (foreground) or 0 (background)", opt, value);
    p->points[2 * p->n_points] = pt[0];
    p->points[2 * p->n_points + 1] = pt[1];
    p->labels[p->n_points++] = (int)pt[2];
    return 0;
}

/* One box per prompt, as SamPredictor.predict takes; its corners in order (the official code
 * would run on an unsorted box without a word, giving a mask of nothing in particular). */
int cli_prompt_box(const char *cmd, const char *opt, const char *value, void *dst) {
    cli_prompt *p = dst;
    if (p->has_box) return cli_usage_error(cmd, "%s given twice: one box per prompt", opt);
    if (cli_doubles(cmd, opt, value, 4, p->box)) return -1;
    if (p->box[0] > p->box[2] || p->box[1] > p->box[3])
        return cli_usage_error(cmd, "%s %s: a box is X0,Y0,X1,Y1 with X0 <= X1 and Y0 <= Y1", opt, value);
    p->has_box = 1;
    return 0;
}

int cli_read_f32_shaped(const char *cmd, const char *path, const char *what, const int64_t *dims, int nd,
                        npy_array *a) {
    if (io_npy_read_f32(path, a)) return cli_lib_error(cmd);
    int ok = a->ndim >= nd;
    for (int i = 0; ok && i < a->ndim - nd; i++) ok = a->shape[i] == 1;
    for (int i = 0; ok && i < nd; i++) ok = a->shape[a->ndim - nd + i] == dims[i];
    if (ok) return 0;
    char got[128] = "", want[128] = "1";
    size_t g = 0, w = 1;
    for (int i = 0; i < a->ndim && g < sizeof got; i++)
        g += (size_t)snprintf(got + g, sizeof got - g, i ? " x %lld" : "%lld", (long long)a->shape[i]);
    for (int i = 0; i < nd && w < sizeof want; i++)
        w += (size_t)snprintf(want + w, sizeof want - w, " x %lld", (long long)dims[i]);
    io_npy_free(a);
    return cli_error(cmd, "%s %s: shape %s, expected %s", what, path, got, want);
}

/* The mask input: L x L low-res logits, from a file of one (1 x L x L, leading 1s optional) or,
 * with --mask-index K, mask K of a file of several (N x L x L, as predict --multimask writes
 * low_res_logits.npy). 0, or 1 after printing the error. */
static int read_mask_input(const char *cmd, cli_prompt *p, int64_t L) {
    if (p->mask_index < 0) {
        int64_t dims[2] = {L, L};
        if (cli_read_f32_shaped(cmd, p->mask_path, "mask input", dims, 2, &p->mask) == 0) return 0;
        npy_array a;
        if (io_npy_read(p->mask_path, &a) == 0 && a.ndim == 3 && a.shape[0] > 1 && a.shape[1] == L && a.shape[2] == L)
            fprintf(stderr, "samc %s: %s holds %lld masks: pick one with --mask-index K\n", cmd, p->mask_path,
                    (long long)a.shape[0]);
        io_npy_free(&a);
        return 1;
    }
    if (io_npy_read_f32(p->mask_path, &p->mask)) return cli_lib_error(cmd);
    npy_array *a = &p->mask;
    int64_t n = a->ndim == 2 ? 1 : a->ndim == 3 ? a->shape[0] : a->ndim == 4 && a->shape[0] == 1 ? a->shape[1] : -1;
    if (n < 1 || a->shape[a->ndim - 2] != L || a->shape[a->ndim - 1] != L)
        return cli_error(cmd, "mask input %s: --mask-index needs N x %lld x %lld masks (as low_res_logits.npy)",
                         p->mask_path, (long long)L, (long long)L);
    if (p->mask_index >= n)
        return cli_usage_error(cmd, "--mask-index %d, but %s holds %lld masks (0 .. %lld)", p->mask_index, p->mask_path,
                               (long long)n, (long long)n - 1);
    float *v = a->data;
    size_t plane = (size_t)L * (size_t)L;
    memmove(v, v + (size_t)p->mask_index * plane, plane * sizeof *v);
    return 0;
}

int cli_prompt_load(const char *cmd, cli_prompt *p, const sam_model *m, int h, int w, sam_prompt *out) {
    if (p->mask_path && read_mask_input(cmd, p, 4 * (int64_t)sam_model_embed_grid(m))) return 1;
    if (!p->mask_path && p->mask_index >= 0) return cli_usage_error(cmd, "--mask-index goes with --mask-input");
    *out = (sam_prompt){.n_points = p->n_points,
                        .points = p->points,
                        .labels = p->labels,
                        .box = p->has_box ? p->box : NULL,
                        .mask_input = p->mask_path ? p->mask.data : NULL,
                        .multimask = p->multimask};
    if (sam_prompt_validate(m, out)) return cli_lib_error(cmd);
    for (int i = 0; i < p->n_points; i++) {
        double x = p->points[2 * i], y = p->points[2 * i + 1];
        if (!(x >= 0 && x < w && y >= 0 && y < h))
            fprintf(stderr, "samc %s: warning: point %g,%g lies outside the %d x %d image (used as given, as the "
                            "official code does)\n", cmd, x, y, w, h);
    }
    if (p->has_box && !(p->box[0] >= 0 && p->box[1] >= 0 && p->box[2] <= w && p->box[3] <= h))
        fprintf(stderr, "samc %s: warning: the box %g,%g,%g,%g reaches outside the %d x %d image (used as given)\n",
                cmd, p->box[0], p->box[1], p->box[2], p->box[3], w, h);
    return 0;
}

void cli_prompt_free(cli_prompt *p) { io_npy_free(&p->mask); }
