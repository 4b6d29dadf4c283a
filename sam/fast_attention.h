/* The fast decoder's attentions (sam/fast_decoder.c): TwoWayTransformer's Attention module
 * in the forms that share the image side's work among prompts. Every form computes
 * Attention.forward (q/k/v_proj, per head softmax(q k^T / sqrt(d)) v, out_proj); they differ
 * in what they project and what they take precomputed. HW image tokens, N prompt tokens,
 * C channels, D = heads x d the internal dim, R = heads x N.
 *
 *   form                         who attends      image side given as       projected here
 *   ---------------------------  ---------------  ------------------------  ---------------------------
 *   sam_fast_attn_tokens         tokens -> tokens -                         q, k, v of the N tokens
 *   sam_fast_attn_t2i_projected  tokens -> image  its k, v projections      q (k, v: once per image,
 *                                (layer 0)        [D][HW], transposed        in sam_fast_decoder_init)
 *   sam_fast_attn_t2i_fold,      tokens -> image  the tokens [HW][C]        q, folded into Wk^T q [R][C];
 *     then _t2i_scores (or the   (later layers,                             Wv after the weighted sum:
 *     keys update), _t2i_finish   the final one)                            Wv (P x) [R][C] -> [N][D]
 *   sam_fast_attn_i2t, qT given  image -> tokens  its q projection          k, v of the tokens, Wo v
 *                                (layer 0)        [D][HW], transposed
 *   sam_fast_attn_i2t, q_in      image -> tokens  the tokens + PE [HW][C]   k, v, folded Wq^T k [R][C],
 *                                (later layers)                             Wo v
 *
 * The folded forms never multiply the HW image tokens by a projection: the projections move
 * to the token side by associativity (sam/fast_attention.c shows how), so the image is
 * touched by [R][C] x [C][HW] products only. The same values in real arithmetic as the
 * official order (sam/two_way_transformer.c); the float rounding differs by a few ulps of
 * the terms. */
#ifndef SAMC_SAM_FAST_ATTENTION_H
#define SAMC_SAM_FAST_ATTENTION_H

#include "sam/two_way_transformer.h"

/* Scratch of the attention calls, sized for the widest layer (fast_decoder.c's prompt_buf). */
typedef struct {
    float *q, *k, *v, *o; /* [N][D] the token side's projections and the attention's output */
    float *scores;        /* [R][HW] scores, then probabilities */
    float *folded;        /* [R][C] the token side folded through the image side's weights */
    float *weighted;      /* [R][C] the probability-weighted sums of the image tokens */
    float *folded_bias;   /* [R] the folded bias terms */
} fast_attn_scratch;

/* Self-attention among N tokens: out[N][C]. */
void sam_fast_attn_tokens(const tw_attention *a, float *out, const float *q_in, const float *k_in,
                          const float *v_in, int N, const fast_attn_scratch *b);
/* N token queries q_in[N][C] over HW image tokens whose k and v projections are given
 * transposed (kT, vT [D][HW], rows ld floats apart): out[N][C]. */
void sam_fast_attn_t2i_projected(const tw_attention *a, float *out, const float *q_in, int N, const float *kT,
                                 const float *vT, int ld, int HW, const fast_attn_scratch *b);
/* The folded token-to-image attention in three steps: _fold projects the queries q_in[N][C]
 * and folds them (b->folded, b->folded_bias); then b->scores[R][HW] must receive
 * b->folded x keys^T (_t2i_scores, or fast_decoder.c's keys update on its way); _finish
 * takes the values v_in[HW][C] to out[N][C]. */
void sam_fast_attn_t2i_fold(const tw_attention *a, const float *q_in, int N, const fast_attn_scratch *b);
void sam_fast_attn_t2i_scores(int R, int C, const float *k_in, int HW, const fast_attn_scratch *b);
void sam_fast_attn_t2i_finish(const tw_attention *a, float *out, int N, const float *v_in, int HW,
                              const fast_attn_scratch *b);
/* HW image queries (q_in[HW][C], or their projection qT[D][HW] with rows ld floats apart)
 * over N tokens (k_in, v_in [N][C]): adds all but the output bias to out[HW][C]; leaves the
 * probabilities in s[R][HW] and Wo_h v_hj in b->folded[R][C] (for the keys fold). */
void sam_fast_attn_i2t(const tw_attention *a, float *out, const float *q_in, const float *qT, int ld, int HW,
                       const float *k_in, const float *v_in, int N, const fast_attn_scratch *b, float *s);

#endif
