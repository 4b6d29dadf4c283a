/* sam_model: the weight file and the three modules of Sam (segment_anything/modeling/sam.py). */
#include "sam/sam_model.h"
#include <stdlib.h>
#include <string.h>

#include "nn/mode.h"
#include "nn/nn.h"
#include "util/err.h"
#include "util/mem.h"

/* get_dense_pe() in the current nn mode, as image tokens [G*G][C]; NULL if out of memory */
static float *pe_tokens_new(const sam_model *m) {
    size_t n = (size_t)m->channels * m->grid * m->grid;
    float *pe = util_xmalloc_array(n, sizeof(float)), *tokens = util_xmalloc_array(n, sizeof(float));
    if (pe && tokens) {
        sam_prompt_encoder_dense_pe(&m->prompt, pe);
        nn_transpose_forward(tokens, m->channels, pe, m->channels, m->grid * m->grid);
    } else {
        free(tokens);
        tokens = NULL;
    }
    free(pe);
    return tokens;
}

sam_model *sam_model_load(const char *samw_path) {
    sam_model *m = util_xcalloc_array(1, sizeof *m);
    if (!m) return NULL;
    if (!(m->w = samw_open(samw_path))) goto fail;
    if (strcmp(samw_family(m->w), "sam")) {
        util_err("%s: a %s model, not SAM (the study's baselines take clicks only: samc predict --point, "
                 "samc eval --baseline)", samw_path, samw_family(m->w));
        goto fail;
    }
    m->cfg = samw_config(m->w);
    const sam_config *c = m->cfg;
    if (c->patch_size <= 0 || c->img_size <= 0 || c->img_size % c->patch_size || c->out_chans != c->prompt_dim) {
        util_err("%s: inconsistent config (img_size %d, patch %d, out_chans %d, prompt_dim %d)", samw_path,
                 c->img_size, c->patch_size, c->out_chans, c->prompt_dim);
        goto fail;
    }
    m->img_size = c->img_size;
    m->grid = c->img_size / c->patch_size;
    m->channels = c->prompt_dim;
    if (sam_image_encoder_load(&m->encoder, m->w) || sam_prompt_encoder_load(&m->prompt, m->w) ||
        sam_mask_decoder_load(&m->decoder, m->w)) {
        util_err_context("%s", samw_path);
        goto fail;
    }
    if (!(m->pe_tokens = pe_tokens_new(m))) goto fail;
    m->pe_tokens_reference = nn_reference_mode();
    return m;
fail:
    sam_model_free(m);
    return NULL;
}

void sam_model_free(sam_model *m) {
    if (!m) return;
    free(m->pe_tokens);
    sam_mask_decoder_free(&m->decoder);
    samw_close(m->w);
    free(m);
}

const float *sam_model_pe_tokens(const sam_model *m, float **tmp) {
    *tmp = NULL;
    if (m->pe_tokens_reference == nn_reference_mode()) return m->pe_tokens;
    return *tmp = pe_tokens_new(m);
}

int sam_model_img_size(const sam_model *m) { return m->img_size; }
int sam_model_embed_channels(const sam_model *m) { return m->channels; }
int sam_model_embed_grid(const sam_model *m) { return m->grid; }
void sam_model_digest(const sam_model *m, uint8_t digest[32]) { samw_digest(m->w, digest); }
int sam_model_verify(const sam_model *m) { return samw_verify(m->w); }
