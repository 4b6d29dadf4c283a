/* The one image that predict, encode, everything, preprocess and trace read, and the option
 * that bounds its size:
 *   --max-pixels N   refuse an image of more than N pixels, from its header, before any work
 * Without it any image the decoder can hold is taken (up to 2 GiB of samples, io/png.h): a
 * small PNG may declare 20000 x 20000 pixels, and predict's full-size outputs grow with it. */
#ifndef SAMC_CLI_IMAGE_INPUT_H
#define SAMC_CLI_IMAGE_INPUT_H

#include <limits.h>
#include <stdint.h>

#include "cli/cli.h"
#include "samc.h"

#define CLI_IMAGE_OPTIONS(max_pixels) CLI_INT_OPT("--max-pixels", max_pixels, 1, INT_MAX)

/* The size of the image at path from its header; refused when it has more than max_pixels
 * pixels (0: no bound). 0, or 1 after printing the error. */
int cli_image_size(const char *cmd, const char *path, int max_pixels, int *h, int *w);
/* Reads the image as h x w x 3 RGB after the same check. 0, or 1 after printing the error. */
int cli_read_image(const char *cmd, const char *path, int max_pixels, uint8_t **rgb, int *h, int *w);
/* The model, a predictor and the image (its size checked first, so a refused image costs no
 * model load). 0, or 1 after printing the error. */
int cli_open_model_image(const char *cmd, const char *model_path, const char *image_path, int max_pixels,
                         sam_model **m, sam_predictor **p, uint8_t **rgb, int *h, int *w);

#endif
