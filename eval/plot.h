/* Small charts for `samc report`: bar charts with confidence whiskers and line plots, drawn
 * into an RGB canvas with a built-in 5x7 bitmap font (eval/plot_font.h), saved as PNG. */
#ifndef SAMC_EVAL_PLOT_H
#define SAMC_EVAL_PLOT_H

#include <stdint.h>

typedef struct {
    int w, h;
    uint8_t *rgb; /* h x w x 3 */
} canvas;

#define PLOT_MAX_SERIES 12
#define PLOT_PALETTE 8 /* colours; series beyond them reuse them */

/* One series: n values (NaN = missing); lo/hi (may be NULL) give a whisker per value. */
typedef struct {
    const char *name;
    const double *v, *lo, *hi;
    int dashed; /* line plots: a dashed line (e.g. published numbers) */
    int color;  /* 1..PLOT_PALETTE: that palette colour (so that two series share one);
                   0: the series' position picks it */
} plot_series;

typedef struct {
    const char *title, *x_label, *y_label;
    int n_x;                   /* categories (bars) or x positions (lines) */
    const char *const *x_tick; /* n_x labels */
    double y_min, y_max;       /* the value axis (ticks every 0.1 or 0.2) */
    int n_series;
    plot_series series[PLOT_MAX_SERIES];
} plot_spec;

/* A white canvas. 0 or -1. */
int eval_canvas_new(canvas *c, int w, int h);
void eval_canvas_free(canvas *c);
/* Text with its top-left corner at (x, y), each font pixel scale x scale. */
void eval_canvas_text(canvas *c, int x, int y, const char *s, int scale, const uint8_t color[3]);
int eval_text_width(const char *s, int scale);

/* Grouped bars: one group per x, one bar per series, whiskers from lo/hi. */
int eval_plot_bars(canvas *c, const plot_spec *p);
/* Lines with markers through the n_x positions, whiskers from lo/hi. */
int eval_plot_lines(canvas *c, const plot_spec *p);

/* Horizontal grouped bars: one row per category (x_tick holds the row labels, e.g. task
 * names), one bar per series, the value axis running left to right from y_min to y_max.
 * The canvas height should allow about (10 n_series + 12) pixels per row plus 120. */
int eval_plot_hbars(canvas *c, const plot_spec *p);

/* Points (x[i], y[i]) per series over a log10 x axis from x_min to x_max (> 0; decade ticks);
 * the value axis as in plot_spec (n_x and x_tick unused). */
typedef struct {
    const char *name;
    const double *x, *y;
    int n;
} scatter_series;

typedef struct {
    const char *title, *x_label, *y_label;
    double x_min, x_max, y_min, y_max;
    int n_series;
    scatter_series series[PLOT_MAX_SERIES];
} scatter_spec;

int eval_plot_scatter_logx(canvas *c, const scatter_spec *p);

/* Saves the canvas as an 8-bit RGB PNG, atomically. */
int eval_canvas_save_png(const canvas *c, const char *path);

#endif
