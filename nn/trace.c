#include "nn/trace.h"

#include <stdio.h>

static nn_trace_sink g_sink;
static void *g_ctx;

void nn_trace_set_sink(nn_trace_sink sink, void *ctx) {
    g_sink = sink;
    g_ctx = ctx;
}

int nn_trace_enabled(void) { return g_sink != 0; }

void nn_trace(const char *name, const float *data, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    if (!g_sink) return;
    int64_t shape[4] = {d0, d1, d2, d3};
    int ndim = 0;
    while (ndim < 4 && shape[ndim] > 0) ndim++;
    g_sink(g_ctx, name, data, ndim, shape);
}

void nn_trace_at(const char *fmt, int i, const float *data, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    if (!g_sink) return;
    char name[256];
    snprintf(name, sizeof name, fmt, i);
    nn_trace(name, data, d0, d1, d2, d3);
}
