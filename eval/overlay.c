#include "eval/overlay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

const uint8_t eval_overlay_green[3] = {0, 255, 0};
const uint8_t eval_overlay_red[3] = {255, 0, 0};
const uint8_t eval_overlay_yellow[3] = {255, 255, 0};
const uint8_t eval_overlay_blue[3] = {0, 0, 255};

/* ---- the results' prompt text ------------------------------------------------------------- */

/* Items of "a|b|c": 0 for NULL or "". */
static int count_items(const char *s) {
    if (!s || !*s) return 0;
    int n = 1;
    for (; *s; s++) n += *s == '|';
    return n;
}

/* k numbers separated by ';', ending at '|' or the end; *s advances past the separator. */
static int parse_numbers(const char **s, double *v, int k) {
    for (int i = 0; i < k; i++) {
        char *end;
        v[i] = strtod(*s, &end);
        if (end == *s || !isfinite(v[i])) return -1;
        char want = i + 1 < k ? ';' : 0;
        if (want ? *end != want : *end && *end != '|') return -1;
        *s = *end ? end + 1 : end;
    }
    return 0;
}

int eval_overlay_prompt_parse(const char *points, const char *box, overlay_prompt *p) {
    memset(p, 0, sizeof *p);
    int np = count_items(points), nb = count_items(box);
    /* one block: xy (2 per point), boxes (4 per box), then the labels */
    double *d = util_xmalloc_array((size_t)2 * np + (size_t)4 * nb + (size_t)np + 1, sizeof *d);
    if (!d) return -1;
    int *labels = (int *)(d + 2 * np + 4 * nb);
    const char *s = points;
    for (int i = 0; i < np; i++) {
        double v[3];
        if (parse_numbers(&s, v, 3) || (v[2] != 0 && v[2] != 1)) {
            free(d);
            return util_err("points '%s': expected x;y;label (label 0 or 1) joined by '|'", points);
        }
        d[2 * i] = v[0], d[2 * i + 1] = v[1], labels[i] = (int)v[2];
    }
    s = box;
    for (int i = 0; i < nb; i++)
        if (parse_numbers(&s, d + 2 * np + 4 * i, 4)) {
            free(d);
            return util_err("box '%s': expected x0;y0;x1;y1 joined by '|'", box);
        }
    *p = (overlay_prompt){.xy = d, .labels = labels, .n_points = np, .boxes = d + 2 * np, .n_boxes = nb, .owned = d};
    return 0;
}

void eval_overlay_prompt_free(overlay_prompt *p) {
    free(p->owned);
    memset(p, 0, sizeof *p);
}

/* ---- drawing ------------------------------------------------------------------------------ */

static void put(canvas *c, long x, long y, const uint8_t col[3]) {
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    memcpy(c->rgb + ((size_t)y * c->w + (size_t)x) * 3, col, 3);
}

/* The pixel nearest a coordinate, kept far from long's limits (what lies outside is clipped). */
static long pixel_of(double v) { return lround(fmax(-1e7, fmin(1e7, v))); }

/* 1 if pixel (y, x) of mask m is on its outline: in the mask with a 4-neighbour outside it. */
static int on_outline(const uint8_t *m, int h, int w, int y, int x) {
    size_t i = (size_t)y * w + x;
    if (!m[i]) return 0;
    return y == 0 || x == 0 || y == h - 1 || x == w - 1 || !m[i - w] || !m[i - 1] || !m[i + 1] || !m[i + w];
}

static void draw_dot(canvas *c, double x, double y, int positive) {
    long cx = pixel_of(x), cy = pixel_of(y);
    for (long dy = -3; dy <= 3; dy++)
        for (long dx = -3; dx <= 3; dx++)
            if (dx * dx + dy * dy <= 9 && (positive || labs(dx) > 1 || labs(dy) > 1))
                put(c, cx + dx, cy + dy, eval_overlay_blue);
}

/* The pixels of the box within 2 of its edge, clipped to the canvas (a huge box costs its
 * visible part only). */
static void draw_box(canvas *c, const double *b) {
    long x0 = pixel_of(b[0]), y0 = pixel_of(b[1]), x1 = pixel_of(b[2]), y1 = pixel_of(b[3]);
    if (x0 > x1 || y0 > y1) return;
    long ya = y0 > 0 ? y0 : 0, yb = y1 < c->h - 1 ? y1 : c->h - 1;
    long xa = x0 > 0 ? x0 : 0, xb = x1 < c->w - 1 ? x1 : c->w - 1;
    for (long y = ya; y <= yb; y++)
        for (long x = xa; x <= xb; x++)
            if (x - x0 < 2 || x1 - x < 2 || y - y0 < 2 || y1 - y < 2) put(c, x, y, eval_overlay_blue);
}

int eval_overlay_draw(canvas *c, const uint8_t *rgb, int h, int w, const uint8_t *gt, const uint8_t *pred,
                 const overlay_prompt *p) {
    if (h < 1 || w < 1 || c->h != h || c->w != w) return util_err("overlay: canvas is not %d x %d", w, h);
    memcpy(c->rgb, rgb, (size_t)h * w * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int g = gt && on_outline(gt, h, w, y, x), r = pred && on_outline(pred, h, w, y, x);
            if (g || r) put(c, x, y, g && r ? eval_overlay_yellow : g ? eval_overlay_green : eval_overlay_red);
        }
    if (p) {
        for (int i = 0; i < p->n_boxes; i++) draw_box(c, p->boxes + 4 * i);
        for (int i = 0; i < p->n_points; i++)
            if (isfinite(p->xy[2 * i]) && isfinite(p->xy[2 * i + 1]))
                draw_dot(c, p->xy[2 * i], p->xy[2 * i + 1], p->labels[i] != 0);
    }
    return 0;
}

int eval_overlay_write_png(const char *path, const uint8_t *rgb, int h, int w, const uint8_t *gt, const uint8_t *pred,
                      const overlay_prompt *p) {
    canvas c;
    if (eval_canvas_new(&c, w, h)) return -1;
    int rc = eval_overlay_draw(&c, rgb, h, w, gt, pred, p);
    if (rc == 0) rc = eval_canvas_save_png(&c, path);
    eval_canvas_free(&c);
    return rc;
}
