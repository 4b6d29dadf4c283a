/* Connected components of a binary mask, in the order of the protocol (Mazurowski et al.
 * 2023, docs/protocol.md): 8-connectivity; largest area first; equal areas: the component
 * whose first pixel in raster order comes LATER goes first (the authors sorted
 * (area, skimage label id) ascending and reversed it; skimage numbers components by their
 * first pixel in raster order). No minimum size.
 *
 * Masks everywhere in prompts/ and metrics/ are uint8, h x w, row-major; any non-zero
 * byte counts as foreground. Boxes are tight and inclusive: [min col, min row, max col,
 * max row], in pixel indices (x = column, y = row), as the authors passed them to SAM. */
#ifndef SAMC_PROMPTS_COMPONENTS_H
#define SAMC_PROMPTS_COMPONENTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t area;          /* pixels */
    size_t first;         /* raster index (row * w + col) of its first pixel */
    int x0, y0, x1, y1;   /* tight inclusive box */
} mask_component;

/* Checks h, w >= 1 and h * w <= INT32_MAX (labels are int32). Returns 0 or -1. */
int prompts_mask_check_size(int h, int w);

/* Number of non-zero pixels. */
size_t prompts_mask_area(const uint8_t *mask, size_t n);

/* Tight box of all non-zero pixels: box = {x0, y0, x1, y1}. Returns 0, or -1 if the
 * mask is empty (or the size is bad). */
int prompts_mask_box(const uint8_t *mask, int h, int w, int box[4]);

/* Finds the components. labels (h*w int32, may be NULL) receives 0 for background and
 * k + 1 for pixels of (*comps)[k], already in protocol order. *comps is malloc'ed (free()
 * it; NULL when *n_comps == 0). Returns 0 or -1. */
int prompts_components_find(const uint8_t *mask, int h, int w, int32_t *labels, mask_component **comps,
                    int *n_comps);

/* out[i] = (labels[i] == label) for the n pixels. */
void prompts_component_mask(const int32_t *labels, size_t n, int32_t label, uint8_t *out);

#endif
