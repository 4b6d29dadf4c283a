/* libsamc: Segment Anything (SAM v1) in C — the public API.
 *
 *   sam_model *m = sam_model_load("sam_vit_h.samw");          // mmap, no copy
 *   sam_predictor *p = sam_predictor_new(m);
 *   sam_predictor_set_image(p, rgb, h, w);                       // runs the image encoder
 *   sam_prompt pr = {.n_points = 1, .points = xy, .labels = lab, .multimask = 1};
 *   sam_prediction out;
 *   sam_predict(p, &pr, &out);                                    // masks, scores, logits
 *   sam_prediction_free(&out); sam_predictor_free(p); sam_model_free(m);
 *
 * Every function that can fail returns NULL or -1 and leaves a message for samc_errmsg().
 * Results are the same bits at any thread count. The threads are OpenMP's (OMP_NUM_THREADS,
 * omp_set_num_threads); libsamc holds OpenBLAS at one thread and shares each matrix
 * product's tiles among the OpenMP threads itself.
 *
 * Memory: a predictor owns its work memory and keeps it from one sam_predict to the next, so
 * a click allocates only the sam_prediction it returns; no allocator tuning (mallopt) is
 * needed. A model is read-only once loaded and may serve several predictors; a predictor is
 * used by one thread at a time (calls on two predictors from two threads at once are not
 * tested: the thread count and the reference mode are process-wide settings). */
#ifndef SAMC_H
#define SAMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *samc_errmsg(void);

/* Reference mode (off by default), for the whole process: every op in portable C with a
 * fixed summation order and samc's own exp/erf/sin/cos, so results are the same bits on any
 * IEEE-754 machine and compiler, at any thread count, whichever OpenBLAS is installed. It is
 * several times slower. Set it before sam_model_load (a model loaded in the other mode
 * recomputes its dense positional encoding at every decode) and never while a call runs.
 * The default fast mode uses OpenBLAS and libm: the same bits at any thread count and run
 * to run on one machine, not across machines. */
void samc_set_reference_mode(int on);

typedef struct sam_model sam_model;
typedef struct sam_predictor sam_predictor;

/* Loads a .samw file written by `samc convert`. */
sam_model *sam_model_load(const char *samw_path);
void sam_model_free(sam_model *m);
/* img_size (1024 for SAM), embedding channels (256) and embedding grid (64). */
int sam_model_img_size(const sam_model *m);
int sam_model_embed_channels(const sam_model *m);
int sam_model_embed_grid(const sam_model *m);
/* The model's identity: SHA-256 of the .samw header and tensor table, which include the
 * CRC-32 of all tensor data (weights/FORMAT.md). Cheap: the data is not read. */
void sam_model_digest(const sam_model *m, uint8_t digest[32]);
/* Reads all tensor data and checks it against the file's CRC-32 (a few seconds for ViT-H).
 * 0 if intact, -1 with a message naming the file. */
int sam_model_verify(const sam_model *m);

sam_predictor *sam_predictor_new(const sam_model *m);
void sam_predictor_free(sam_predictor *p);

/* SamPredictor.set_image: resize (Pillow-exact), normalise, pad, encode.
 * rgb is h*w*3 uint8, row-major. */
int sam_predictor_set_image(sam_predictor *p, const uint8_t *rgb, int h, int w);
/* Where set_image's wall time goes, for profiling (samc encode --timings, make bench): the
 * seconds of each phase, added up over the set_image calls made while it is attached. */
typedef struct {
    double preprocess;  /* ResizeLongestSide (Pillow-exact), normalise, pad */
    double patch_embed; /* the image encoder: patch embedding + position embedding */
    double products;    /* its blocks' Linears (qkv, proj, MLP) */
    double attention;   /* its blocks' attention (with relative positions, softmax, own products) */
    double elementwise; /* its blocks' LayerNorms, window padding and (un)partition */
    double neck;        /* its neck */
    double image_terms; /* the fast decoder's per-image terms (fast mode) */
} sam_timings;
/* Attaches t (NULL detaches): each later set_image adds to it. The bits do not change. */
void sam_predictor_time(sam_predictor *p, sam_timings *t);

/* Uses a cached embedding (C*G*G floats, from sam_predictor_embedding) for an image of
 * size h x w instead of encoding. */
int sam_predictor_set_embedding(sam_predictor *p, const float *embedding, int h, int w);
/* The current image embedding, 1 x C x G x G; NULL before set_image. */
const float *sam_predictor_embedding(const sam_predictor *p);

/* Coordinates must be finite and within +-SAM_COORD_LIMIT pixels (beyond, the positional
 * encoding's float32 arithmetic overflows to NaN); like the official code, points and boxes
 * outside the image are accepted. A mask input must be finite. */
#define SAM_COORD_LIMIT 1e6
typedef struct {
    int n_points;
    const double *points;    /* n_points x 2: (x, y) in original-image pixels */
    const int *labels;       /* n_points: 1 foreground, 0 background */
    const double *box;       /* x0, y0, x1, y1 in original-image pixels, or NULL */
    const float *mask_input; /* 1 x 4G x 4G low-res logits of an earlier call, or NULL */
    int multimask;           /* 1: three masks (outputs 1..3), 0: one (output 0) */
} sam_prompt;

/* What sam_predict checks first (labels, coordinates, a finite mask input), for checking a
 * prompt before the image is encoded. Returns 0 or -1 with a message. */
int sam_prompt_validate(const sam_model *m, const sam_prompt *pr);

typedef struct {
    int k;               /* masks returned: 3 or 1 */
    int h, w;            /* original image size */
    int low_res;         /* 4G: 256 for SAM */
    uint8_t *masks;      /* k x h x w, 1 where logits > 0 */
    float *iou;          /* k predicted IoUs */
    float *low_res_logits; /* k x low_res x low_res */
    float *logits;       /* k x h x w upscaled logits */
} sam_prediction;

/* SamPredictor.predict. */
int sam_predict(sam_predictor *p, const sam_prompt *prompt, sam_prediction *out);
void sam_prediction_free(sam_prediction *out);

#ifdef __cplusplus
}
#endif
#endif
