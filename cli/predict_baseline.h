/* samc predict for a baseline model (cli/cmd_predict.c hands over when the model file is one). */
#ifndef SAMC_CLI_PREDICT_BASELINE_H
#define SAMC_CLI_PREDICT_BASELINE_H

#include "cli/image_input.h"
#include "cli/prompt_options.h"
#include "util/output_dir.h"

/* Runs the model at `model` on `image` with cp's clicks and writes into od (opened by the
 * caller, committed here on success); overlay (NULL: none): the mask and clicks drawn over the
 * image into that PNG (eval/overlay.h). 0, or 1 after printing the error. */
int predict_baseline(const char *model, const char *image, const cli_image_options *io, const cli_prompt *cp,
                     const char *overlay, output_dir *od);

#endif
