/* The automatic mask generator's model interface (amg_model) on a SAM predictor: set_image
 * on each crop, predict_torch on batches of grid points, postprocess_masks per mask. */
#include <stdlib.h>
#include <string.h>

#include "nn/mode.h"
#include "nn/nn.h"
#include "sam/fast_decoder.h"
#include "sam/automatic_mask_generator.h"
#include "sam/sam_model.h"
#include "samc.h"
#include "util/err.h"
#include "util/mem.h"

typedef struct {
    sam_predictor *p;
    uint8_t *crop;     /* a contiguous copy of the current crop (NULL for the whole image) */
    const fast_decoder *dec; /* the current crop's shared image terms: the predictor's, or own */
    fast_decoder own;        /* made here when the predictor has none (reference mode) */
    float *xy01;       /* normalised points of a batch */
    int xy01_cap;
    int preset;        /* the predictor holds the whole image's embedding already */
} sam_binding;

static int bind_set_image(void *ctx, const uint8_t *rgb, int h, int w, int stride) {
    sam_binding *b = ctx;
    free(b->crop);
    b->crop = NULL;
    if (stride != w) { /* image[y0:y1, x0:x1, :] as the contiguous array set_image takes */
        b->crop = util_xmalloc_array((size_t)h * w, 3);
        if (!b->crop) return -1;
        for (int y = 0; y < h; y++)
            memcpy(b->crop + (size_t)y * w * 3, rgb + (size_t)y * stride * 3, (size_t)w * 3);
        rgb = b->crop;
    }
    sam_fast_decoder_free(&b->own);
    b->dec = NULL;
    /* the whole image (stride == w, the predictor's size) with its embedding preset: reuse it */
    int reuse = b->preset && stride == w && h == b->p->orig_h && w == b->p->orig_w;
    b->preset = 0;
    if (!reuse && sam_predictor_set_image(b->p, rgb, h, w)) return -1;
    if (b->p->image_terms && !nn_reference_mode()) { /* made by set_image in fast mode */
        b->dec = b->p->image_terms;
        return 0;
    }
    if (sam_fast_decoder_init(&b->own, b->p->m, b->p->embedding)) return -1;
    b->dec = &b->own;
    return 0;
}

static int bind_decode(void *ctx, const double *xy, int n, float keep_iou_above, float *iou, float *low) {
    sam_binding *b = ctx;
    if (n > b->xy01_cap) {
        free(b->xy01);
        if (!(b->xy01 = util_xmalloc_array((size_t)n, 2 * sizeof(float)))) return b->xy01_cap = 0, -1;
        b->xy01_cap = n;
    }
    /* _process_batch: apply_coords, then the prompt encoder's + 0.5 and / S, all in float64
     * (the points stay float64 on this path), cast to float32 last */
    const sam_predictor *p = b->p;
    double sx = (double)p->input_w / p->orig_w, sy = (double)p->input_h / p->orig_h, S = p->m->img_size;
    for (int i = 0; i < n; i++) {
        b->xy01[2 * i] = (float)((xy[2 * i] * sx + 0.5) / S);
        b->xy01[2 * i + 1] = (float)((xy[2 * i + 1] * sy + 0.5) / S);
    }
    return sam_fast_decoder_run(b->dec, b->xy01, n, keep_iou_above, iou, low);
}

/* Sam.postprocess_masks, as sam_postprocess_logits does it: bilinear to S x S keeping only
 * [:input_h, :input_w], then bilinear to the crop's size, with no intermediate plane. */
static int bind_upscale(void *ctx, const float *low, float *out) {
    const sam_predictor *p = ((sam_binding *)ctx)->p;
    int S = p->m->img_size, L = 4 * p->m->grid;
    return nn_bilinear_resize2_forward(out, low, 1, L, L, L, (size_t)L * L, S, S, p->input_h, p->input_w, p->orig_h,
                                    p->orig_w);
}

int sam_amg_model_init(amg_model *m, sam_predictor *p) {
    sam_binding *b = util_xcalloc_array(1, sizeof *b);
    if (!b) return -1;
    b->p = p;
    memset(m, 0, sizeof *m);
    m->ctx = b;
    m->low_res = 4 * p->m->grid;
    m->set_image = bind_set_image;
    m->decode = bind_decode;
    m->upscale = bind_upscale;
    return 0;
}

int sam_amg_model_init_preset(amg_model *m, sam_predictor *p) {
    if (!sam_predictor_embedding(p)) return util_err("sam_amg_model_init_preset: the predictor has no image");
    if (sam_amg_model_init(m, p)) return -1;
    ((sam_binding *)m->ctx)->preset = 1;
    return 0;
}

void sam_amg_model_free(amg_model *m) {
    sam_binding *b = m->ctx;
    if (b) {
        free(b->crop);
        free(b->xy01);
        sam_fast_decoder_free(&b->own);
    }
    free(b);
    m->ctx = NULL;
}
