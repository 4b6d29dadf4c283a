/* The prompt options shared by `samc predict` and `samc trace`, as rows of their cli_parse tables:
 *   --point X,Y,LABEL (repeatable)  --box X0,Y0,X1,Y1  --mask-input LOWRES.npy [--mask-index K]
 *   --multimask */
#ifndef SAMC_CLI_PROMPT_OPTIONS_H
#define SAMC_CLI_PROMPT_OPTIONS_H

#include "cli/cli.h"
#include "io/npy.h"
#include "samc.h"

#define CLI_MAX_POINTS 256

typedef struct {
    double points[2 * CLI_MAX_POINTS];
    int labels[CLI_MAX_POINTS];
    int n_points;
    double box[4];
    int has_box;
    int multimask;
    const char *mask_path;
    int mask_index; /* --mask-index K: mask K of a file of several; -1: the file holds one */
    npy_array mask; /* loaded by cli_prompt_load */
} cli_prompt;

#define CLI_PROMPT_INIT {.mask_index = -1}

/* The rows of the prompt options for a cli_parse table, storing into the cli_prompt *p. */
#define CLI_PROMPT_OPTIONS(p)                                                                     \
    CLI_CUSTOM_OPT("--point", cli_prompt_point, CLI_TYPED(cli_prompt, p)),                                    \
        CLI_CUSTOM_OPT("--box", cli_prompt_box, CLI_TYPED(cli_prompt, p)),                                    \
        CLI_STRING_OPT("--mask-input", &(p)->mask_path), CLI_INT_OPT("--mask-index", &(p)->mask_index, 0, 1023), \
        CLI_FLAG_OPT("--multimask", &(p)->multimask)

/* CLI_CUSTOM parsers of --point X,Y,LABEL (appends a point) and --box X0,Y0,X1,Y1 into the
 * cli_prompt at dst. */
int cli_prompt_point(const char *cmd, const char *opt, const char *value, void *dst);
int cli_prompt_box(const char *cmd, const char *opt, const char *value, void *dst);

/* Reads the mask input (checked to be 1 x 4G x 4G for model m) and fills out, which points
 * into p; warns of points and boxes outside the h x w image. Returns 0, or 1 after printing
 * the error. */
int cli_prompt_load(const char *cmd, cli_prompt *p, const sam_model *m, int h, int w, sam_prompt *out);

void cli_prompt_free(cli_prompt *p);

/* Reads a float32 .npy of shape [1,]*dims (leading 1s optional) into a. Returns 0, or 1 after
 * printing an error naming what, the file and both shapes. */
int cli_read_f32_shaped(const char *cmd, const char *path, const char *what, const int64_t *dims, int nd,
                        npy_array *a);

#endif
