/* Mapping image intensities (CT Hounsfield units, MR signal, 16-bit PNG samples, float
 * volumes) to the 8-bit grey SAM takes.
 *
 *   paper    uint8(x / max * 255) with truncation, one max per image: the rule of Mazurowski
 *            et al. (their code: img / img.max() * 255 then astype(uint8)). Values below 0
 *            give 0 (numpy's cast of negatives is undefined); max <= 0 gives an all-zero image.
 *   minmax   uint8((x - min) / (max - min) * 255), truncation; max == min gives all zero.
 *   window   a CT window of level L (centre) and width W >= 1 with DICOM's linear VOI LUT
 *            (PS3.3 C.11.2.1.2.1): x <= L - 0.5 - (W-1)/2 -> 0, x > L - 0.5 + (W-1)/2 -> 255,
 *            else ((x - (L - 0.5)) / (W - 1) + 0.5) * 255 rounded to nearest.
 * Everything is computed in double from the float input, so 16-bit and float data are never
 * clipped before the mapping. NaN maps to 0 and is left out of max/min; so are +-inf, which
 * then map to 0 (-inf) or 255 (+inf). */
#ifndef SAMC_IO_INTENSITY_H
#define SAMC_IO_INTENSITY_H

#include <stddef.h>
#include <stdint.h>

typedef enum { INTENSITY_PAPER, INTENSITY_MINMAX, INTENSITY_WINDOW } intensity_mode;

typedef struct {
    intensity_mode mode;
    double level, width; /* window only */
} intensity_map;

/* Parses "paper", "minmax", a window preset name (abdomen, bone, brain, liver, lung,
 * mediastinum) or "window:LEVEL,WIDTH". 0 or -1. */
int io_intensity_parse(const char *spec, intensity_map *m);
/* The level and width of a preset window; 0 or -1 for an unknown name. */
int io_intensity_preset(const char *name, double *level, double *width);
/* Maps n values to out[n]. 0 or -1 (a window narrower than 1). */
int io_intensity_to_u8(const float *x, size_t n, const intensity_map *m, uint8_t *out);

#endif
