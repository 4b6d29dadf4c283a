/* What predict and trace need to run one of the study's baselines (iseg/iseg.h) instead of SAM:
 * which family a model file holds, and the clicks from --point options. */
#ifndef SAMC_CLI_BASELINE_INPUT_H
#define SAMC_CLI_BASELINE_INPUT_H

#include "cli/image_input.h"
#include "cli/prompt_options.h"
#include "iseg/iseg.h"

/* 1 if the model file at path is a baseline's (a version-2 .samw), 0 if SAM's or not a .samw
 * at all (the SAM path then reports what is wrong with it). */
int cli_model_is_baseline(const char *path);

/* Opens the .samw at path and builds its model. 0, or 1 after printing the error. */
int cli_open_baseline(const char *cmd, const char *path, samw **w, iseg **m);

/* The clicks of cp's points, in the order given: X = column, Y = row, integer pixels of the
 * h x w image (a baseline's Click holds integer coordinates and its ZoomIn indexes the mask
 * with them). Refuses a prompt a baseline cannot take (--box, --mask-input, --multimask, no
 * point) naming it. 0, or 1 after printing the error. */
int cli_baseline_clicks(const char *cmd, const cli_prompt *cp, int h, int w, iseg_click *clicks);

#endif
