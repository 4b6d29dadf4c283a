#include "eval/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/plot_font.h"
#include "io/png.h"
#include "util/err.h"
#include "util/mem.h"

/* Colour-blind-safe palette (Okabe & Ito 2008). */
static const uint8_t k_palette[PLOT_PALETTE][3] = {
    {0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167},
    {86, 180, 233}, {230, 159, 0}, {0, 0, 0}, {150, 150, 150},
};
static const uint8_t k_black[3] = {0, 0, 0};

static const uint8_t *series_color(const plot_series *ps, int s) {
    return k_palette[ps->color > 0 && ps->color <= PLOT_PALETTE ? ps->color - 1 : s % PLOT_PALETTE];
}
static const uint8_t k_grid[3] = {225, 225, 225};
static const uint8_t k_axis_grey[3] = {90, 90, 90};

#define SCALE 2       /* font pixels -> canvas pixels */
#define CHAR_W ((FONT_W + 1) * SCALE)
#define LINE_H ((FONT_H + 2) * SCALE)

int eval_canvas_new(canvas *c, int w, int h) {
    c->w = w;
    c->h = h;
    c->rgb = util_xmalloc_array((size_t)w * (size_t)h, 3);
    if (!c->rgb) return -1;
    memset(c->rgb, 255, (size_t)w * h * 3);
    return 0;
}

void eval_canvas_free(canvas *c) {
    free(c->rgb);
    c->rgb = NULL;
}

static void put(canvas *c, int x, int y, const uint8_t col[3]) {
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    memcpy(c->rgb + ((size_t)y * c->w + x) * 3, col, 3);
}

static void fill_rect(canvas *c, int x0, int y0, int x1, int y1, const uint8_t col[3]) {
    if (x0 > x1) { int t = x0; x0 = x1; x1 = t; }
    if (y0 > y1) { int t = y0; y0 = y1; y1 = t; }
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) put(c, x, y, col);
}

/* Bresenham line, thickness t (square brush); dashed: 8 on, 6 off. */
static void line(canvas *c, int x0, int y0, int x1, int y1, int t, int dashed, const uint8_t col[3]) {
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, step = 0;
    for (;;) {
        if (!dashed || step % 14 < 8) fill_rect(c, x0 - t / 2, y0 - t / 2, x0 + (t - 1) / 2, y0 + (t - 1) / 2, col);
        step++;
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, x0 += sx;
        if (e2 <= dx) err += dx, y0 += sy;
    }
}

int eval_text_width(const char *s, int scale) { return (int)strlen(s) * (FONT_W + 1) * scale; }

void eval_canvas_text(canvas *c, int x, int y, const char *s, int scale, const uint8_t color[3]) {
    for (; *s; s++, x += (FONT_W + 1) * scale) {
        unsigned ch = (unsigned char)*s;
        if (ch < 32 || ch > 126) ch = '?';
        const uint8_t *g = k_font5x9[ch - 32];
        for (int r = 0; r < FONT_H; r++)
            for (int k = 0; k < FONT_W; k++)
                if (g[r] >> (FONT_W - 1 - k) & 1)
                    fill_rect(c, x + k * scale, y + r * scale, x + (k + 1) * scale - 1, y + (r + 1) * scale - 1, color);
    }
}

/* The plot area inside the canvas and the value -> pixel mapping. */
typedef struct {
    int x0, y0, x1, y1; /* plot area corners (y0 top) */
    double vmin, vmax;
} frame;

static int y_of(const frame *f, double v) {
    double t = (v - f->vmin) / (f->vmax - f->vmin);
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    return f->y1 - (int)lround(t * (f->y1 - f->y0));
}

static int series_empty(const plot_series *s, int n) {
    for (int i = 0; i < n; i++)
        if (!isnan(s->v[i])) return 0;
    return 1;
}

/* Title, axes, value ticks with grid lines, x tick labels under positions xs[], legend. */
static void draw_frame(canvas *c, const plot_spec *p, frame *f, const int *xs, int legend_as_lines) {
    eval_canvas_text(c, (c->w - eval_text_width(p->title, SCALE)) / 2, 10, p->title, SCALE, k_black);
    double range = p->y_max - p->y_min, step = range > 0.6 ? 0.2 : 0.1;
    for (double v = p->y_min; v <= p->y_max + 1e-9; v += step) {
        int y = y_of(f, v);
        line(c, f->x0, y, f->x1, y, 1, 0, k_grid);
        char lab[16];
        snprintf(lab, sizeof lab, "%.1f", v);
        eval_canvas_text(c, f->x0 - 8 - eval_text_width(lab, SCALE), y - FONT_ASCENT * SCALE / 2, lab, SCALE, k_black);
        line(c, f->x0 - 5, y, f->x0, y, 2, 0, k_black);
    }
    line(c, f->x0, f->y0, f->x0, f->y1, 2, 0, k_black);
    line(c, f->x0, f->y1, f->x1, f->y1, 2, 0, k_black);
    eval_canvas_text(c, f->x0 - 40, f->y0 - LINE_H - 4, p->y_label, SCALE, k_axis_grey);
    for (int i = 0; i < p->n_x; i++) {
        line(c, xs[i], f->y1, xs[i], f->y1 + 5, 2, 0, k_black);
        const char *t = p->x_tick[i];
        eval_canvas_text(c, xs[i] - eval_text_width(t, SCALE) / 2, f->y1 + 10, t, SCALE, k_black);
    }
    eval_canvas_text(c, (f->x0 + f->x1 - eval_text_width(p->x_label, SCALE)) / 2, f->y1 + 10 + LINE_H, p->x_label,
                     SCALE,
                k_axis_grey);
    /* legend: right of the plot area, one line per series */
    int lx = f->x1 + 20, ly = f->y0;
    for (int s = 0; s < p->n_series; s++) {
        if (series_empty(&p->series[s], p->n_x)) continue; /* nothing drawn, nothing to name */
        const uint8_t *col = series_color(&p->series[s], s);
        if (legend_as_lines) {
            line(c, lx, ly + 6, lx + 28, ly + 6, 3, p->series[s].dashed, col);
            fill_rect(c, lx + 11, ly + 3, lx + 17, ly + 9, col);
        } else {
            fill_rect(c, lx, ly, lx + 24, ly + 13, col);
        }
        eval_canvas_text(c, lx + 36, ly, p->series[s].name, SCALE, k_black);
        ly += LINE_H + 4;
    }
}

static int legend_width(const plot_spec *p) {
    int w = 0;
    for (int s = 0; s < p->n_series; s++) {
        int t = eval_text_width(p->series[s].name, SCALE);
        if (t > w) w = t;
    }
    return w + 60;
}

static int check_spec(const canvas *c, const plot_spec *p, frame *f) {
    if (p->n_x < 1 || p->n_series < 1 || p->n_series > PLOT_MAX_SERIES || !(p->y_max > p->y_min))
        return util_err("plot '%s': nothing to draw", p->title);
    f->x0 = 90;
    f->y0 = 20 + 2 * LINE_H;
    f->x1 = c->w - legend_width(p) - 20;
    f->y1 = c->h - 20 - 2 * LINE_H;
    f->vmin = p->y_min;
    f->vmax = p->y_max;
    if (f->x1 - f->x0 < 40 * p->n_x / 4 || f->y1 - f->y0 < 80) return util_err("plot '%s': canvas too small", p->title);
    return 0;
}

static void whisker(canvas *c, const frame *f, int x, double lo, double hi, int half, const uint8_t col[3]) {
    if (isnan(lo) || isnan(hi)) return;
    int ylo = y_of(f, lo), yhi = y_of(f, hi);
    line(c, x, ylo, x, yhi, 2, 0, col);
    line(c, x - half, ylo, x + half, ylo, 2, 0, col);
    line(c, x - half, yhi, x + half, yhi, 2, 0, col);
}

int eval_plot_bars(canvas *c, const plot_spec *p) {
    frame f;
    if (check_spec(c, p, &f)) return -1;
    int *xs = util_xmalloc_array((size_t)p->n_x, sizeof *xs);
    if (!xs) return -1;
    double group = (double)(f.x1 - f.x0) / p->n_x;
    for (int i = 0; i < p->n_x; i++) xs[i] = f.x0 + (int)lround(group * (i + 0.5));
    draw_frame(c, p, &f, xs, 0);
    int bar = (int)(group * 0.8 / p->n_series);
    if (bar > 90) bar = 90; /* few bars: keep them bars, not walls */
    if (bar < 2) bar = 2;
    for (int i = 0; i < p->n_x; i++) {
        int left = xs[i] - bar * p->n_series / 2;
        for (int s = 0; s < p->n_series; s++) {
            const plot_series *ps = &p->series[s];
            double v = ps->v[i];
            if (isnan(v)) continue;
            int bx = left + s * bar;
            fill_rect(c, bx + 1, y_of(&f, v), bx + bar - 2, f.y1 - 1, series_color(&p->series[s], s));
            if (ps->lo && ps->hi) whisker(c, &f, bx + bar / 2, ps->lo[i], ps->hi[i], bar / 4 > 2 ? bar / 4 : 2, k_black);
        }
    }
    free(xs);
    return 0;
}

int eval_plot_lines(canvas *c, const plot_spec *p) {
    frame f;
    if (check_spec(c, p, &f)) return -1;
    int *xs = util_xmalloc_array((size_t)p->n_x, sizeof *xs);
    if (!xs) return -1;
    int pad = 20;
    for (int i = 0; i < p->n_x; i++)
        xs[i] = p->n_x == 1 ? (f.x0 + f.x1) / 2 : f.x0 + pad + (int)lround((double)(f.x1 - f.x0 - 2 * pad) * i / (p->n_x - 1));
    draw_frame(c, p, &f, xs, 1);
    for (int s = 0; s < p->n_series; s++) {
        const plot_series *ps = &p->series[s];
        const uint8_t *col = series_color(ps, s);
        int px = -1, py = -1;
        for (int i = 0; i < p->n_x; i++) {
            if (isnan(ps->v[i])) {
                px = -1;
                continue;
            }
            int y = y_of(&f, ps->v[i]);
            if (px >= 0) line(c, px, py, xs[i], y, 3, ps->dashed, col);
            /* whiskers in the series' colour, side by side so overlapping intervals stay legible */
            int wx = xs[i] + (2 * s - (p->n_series - 1)) * 3;
            if (ps->lo && ps->hi) whisker(c, &f, wx, ps->lo[i], ps->hi[i], 4, col);
            fill_rect(c, xs[i] - 3, y - 3, xs[i] + 3, y + 3, col);
            px = xs[i];
            py = y;
        }
    }
    free(xs);
    return 0;
}

int eval_plot_hbars(canvas *c, const plot_spec *p) {
    if (p->n_x < 1 || p->n_series < 1 || p->n_series > PLOT_MAX_SERIES || !(p->y_max > p->y_min))
        return util_err("plot '%s': nothing to draw", p->title);
    int label_w = 0;
    for (int i = 0; i < p->n_x; i++)
        if (eval_text_width(p->x_tick[i], SCALE) > label_w) label_w = eval_text_width(p->x_tick[i], SCALE);
    int x0 = label_w + 24, x1 = c->w - legend_width(p) - 30, y0 = 20 + 2 * LINE_H, y1 = c->h - 20 - 2 * LINE_H;
    double row = (double)(y1 - y0) / p->n_x;
    int bar = (int)(row * 0.8 / p->n_series);
    if (x1 - x0 < 100 || bar < 1) return util_err("plot '%s': canvas too small", p->title);
    eval_canvas_text(c, (c->w - eval_text_width(p->title, SCALE)) / 2, 10, p->title, SCALE, k_black);
    /* value axis along the bottom, grid lines up the plot */
    double step = p->y_max - p->y_min > 0.6 ? 0.2 : 0.1;
    for (double v = p->y_min; v <= p->y_max + 1e-9; v += step) {
        int x = x0 + (int)lround((v - p->y_min) / (p->y_max - p->y_min) * (x1 - x0));
        line(c, x, y0, x, y1, 1, 0, k_grid);
        char lab[16];
        snprintf(lab, sizeof lab, "%.1f", v);
        eval_canvas_text(c, x - eval_text_width(lab, SCALE) / 2, y1 + 10, lab, SCALE, k_black);
        line(c, x, y1, x, y1 + 5, 2, 0, k_black);
    }
    eval_canvas_text(c, (x0 + x1 - eval_text_width(p->y_label, SCALE)) / 2, y1 + 10 + LINE_H, p->y_label, SCALE,
                     k_axis_grey);
    for (int i = 0; i < p->n_x; i++) {
        int top = y0 + (int)lround(row * i + row * 0.1), mid = y0 + (int)lround(row * (i + 0.5));
        eval_canvas_text(c, x0 - 10 - eval_text_width(p->x_tick[i], SCALE), mid - FONT_ASCENT * SCALE / 2,
                         p->x_tick[i], SCALE,
                    k_black);
        for (int s = 0; s < p->n_series; s++) {
            double v = p->series[s].v[i];
            if (isnan(v)) continue;
            double t = (v - p->y_min) / (p->y_max - p->y_min);
            int xe = x0 + (int)lround((t < 0 ? 0 : t > 1 ? 1 : t) * (x1 - x0));
            fill_rect(c, x0 + 1, top + s * bar, xe, top + (s + 1) * bar - 2, series_color(&p->series[s], s));
        }
    }
    line(c, x0, y0, x0, y1, 2, 0, k_black);
    line(c, x0, y1, x1, y1, 2, 0, k_black);
    int lx = x1 + 20, ly = y0;
    for (int s = 0; s < p->n_series; s++, ly += LINE_H + 4) {
        fill_rect(c, lx, ly, lx + 24, ly + 13, series_color(&p->series[s], s));
        eval_canvas_text(c, lx + 36, ly, p->series[s].name, SCALE, k_black);
    }
    eval_canvas_text(c, 10, y0 - LINE_H - 4, p->x_label, SCALE, k_axis_grey);
    return 0;
}

int eval_plot_scatter_logx(canvas *c, const scatter_spec *sp) {
    if (!(sp->x_min > 0) || !(sp->x_max > sp->x_min)) return util_err("plot '%s': bad x range", sp->title);
    int d0 = (int)floor(log10(sp->x_min) + 1e-9), d1 = (int)ceil(log10(sp->x_max) - 1e-9);
    if (d1 <= d0) d1 = d0 + 1;
    if (d1 - d0 > 12) return util_err("plot '%s': x range too wide", sp->title);
    /* the frame of a line plot with one tick per decade; legend entries need a value */
    static const double k_one[13] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    char labels[13][16];
    const char *ticks[13];
    plot_spec p = {.title = sp->title, .x_label = sp->x_label, .y_label = sp->y_label, .n_x = d1 - d0 + 1,
                   .x_tick = ticks, .y_min = sp->y_min, .y_max = sp->y_max, .n_series = sp->n_series};
    for (int k = 0; k <= d1 - d0; k++) {
        snprintf(labels[k], sizeof labels[k], "%g", pow(10.0, d0 + k));
        ticks[k] = labels[k];
    }
    for (int s = 0; s < sp->n_series; s++) p.series[s] = (plot_series){.name = sp->series[s].name, .v = k_one};
    frame f;
    if (check_spec(c, &p, &f)) return -1;
    int xs[13];
    for (int k = 0; k <= d1 - d0; k++) xs[k] = f.x0 + (int)lround((double)(f.x1 - f.x0) * k / (d1 - d0));
    draw_frame(c, &p, &f, xs, 0);
    for (int s = 0; s < sp->n_series; s++) {
        const uint8_t *col = k_palette[s % PLOT_PALETTE];
        for (int i = 0; i < sp->series[s].n; i++) {
            double x = sp->series[s].x[i], y = sp->series[s].y[i];
            if (!(x > 0) || isnan(y)) continue;
            int px = f.x0 + (int)lround((log10(x) - d0) / (d1 - d0) * (f.x1 - f.x0));
            int py = y_of(&f, y);
            fill_rect(c, px - 2, py - 2, px + 2, py + 2, col);
        }
    }
    return 0;
}

int eval_canvas_save_png(const canvas *c, const char *path) {
    png_image img = {.width = c->w, .height = c->h, .channels = 3, .bit_depth = 8, .pixels = c->rgb};
    return io_png_write(path, &img);
}
