/* Named intermediate tensors, for audits (`samc trace`).
 *
 * Forward passes call nn_trace("image_encoder.blocks.3", x, ...) at each point named after
 * the official PyTorch module whose output x is. Nothing happens unless a sink is set; the
 * CLI's sink writes each tensor as .npy (nn/ itself writes no files). */
#ifndef SAMC_NN_TRACE_H
#define SAMC_NN_TRACE_H

#include <stdint.h>

typedef void (*nn_trace_sink)(void *ctx, const char *name, const float *data, int ndim, const int64_t *shape);

/* Installs (or with NULL removes) the sink. Not thread-safe: set it before a forward pass. */
void nn_trace_set_sink(nn_trace_sink sink, void *ctx);
int nn_trace_enabled(void);

/* Reports one tensor of up to 4 dims (unused trailing dims are 0). */
void nn_trace(const char *name, const float *data, int64_t d0, int64_t d1, int64_t d2, int64_t d3);
/* The same, named by fmt with one %d filled with i ("image_encoder.blocks.%d"). */
void nn_trace_at(const char *fmt, int i, const float *data, int64_t d0, int64_t d1, int64_t d2, int64_t d3);

#endif
