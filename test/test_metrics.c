/* metrics/: IoU / Dice, mask choice, quantiles, bootstrap, Wilcoxon, correlations.
 * Expected values are hand-worked, from independent properties or from scipy 1.10.1
 * (Debian 12's python3-scipy, run once at development time: the literals below are its
 * printed output; the product never runs Python). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "metrics/metrics.h"
#include "util/rng.h"
#include "metrics/special.h"
#include "metrics/stats.h"

/* ---- quantiles ---- */

TEST(quantile_type7_hand_values) {
    const double v[5] = {1, 2, 4, 8, 16};
    CHECK(metrics_quantile_sorted(v, 5, 0) == 1);
    CHECK(metrics_quantile_sorted(v, 5, 1) == 16);
    CHECK(metrics_quantile_sorted(v, 5, 0.5) == 4);
    CHECK_NEAR(metrics_quantile_sorted(v, 5, 0.1), 1.4, 1e-12); /* pos 0.4 */
    CHECK_NEAR(metrics_quantile_sorted(v, 5, 0.9), 12.8, 1e-12); /* pos 3.6: 8 + 0.6 * 8 */
    const double one[1] = {3};
    CHECK(metrics_quantile_sorted(one, 1, 0.7) == 3);
}

/* ---- IoU, Dice ---- */

TEST(iou_and_dice_hand_values) {
    /* pred 4 pixels, gt 3, overlap 2: IoU 2 / 5, Dice 4 / 7 */
    const uint8_t pred[8] = {1, 1, 1, 1, 0, 0, 0, 0}, gt[8] = {0, 0, 1, 1, 1, 0, 0, 0};
    CHECK(metrics_mask_iou(pred, gt, 8) == 2.0 / 5.0);
    CHECK(metrics_mask_dice(pred, gt, 8) == 4.0 / 7.0);
    CHECK(metrics_mask_iou(gt, gt, 8) == 1 && metrics_mask_dice(gt, gt, 8) == 1);
    /* any non-zero byte is foreground */
    const uint8_t g255[8] = {0, 0, 255, 255, 7, 0, 0, 0};
    CHECK(metrics_mask_iou(pred, g255, 8) == 2.0 / 5.0);
}

TEST(iou_and_dice_empty_rules) {
    const uint8_t z[4] = {0}, one[4] = {0, 1, 0, 0};
    CHECK(isnan(metrics_mask_iou(z, z, 4)) && isnan(metrics_mask_dice(z, z, 4)));   /* 0 / 0 */
    CHECK(metrics_mask_iou(one, z, 4) == 0 && metrics_mask_dice(one, z, 4) == 0);     /* false alarm only */
    CHECK(metrics_mask_iou(z, one, 4) == 0 && metrics_mask_dice(z, one, 4) == 0);     /* miss only */
    /* the protocol: class absent from the ground truth -> NaN, whatever the prediction */
    CHECK(isnan(metrics_class_iou(one, z, 4)) && isnan(metrics_class_iou(z, z, 4)));
    CHECK(isnan(metrics_class_dice(one, z, 4)));
    CHECK(metrics_class_iou(one, one, 4) == 1 && metrics_class_dice(z, one, 4) == 0);
}

TEST(nanmean_skips_nan) {
    const double v[5] = {0.5, NAN, 1.0, NAN, 0.0};
    CHECK(metrics_nanmean(v, 5) == 0.5);
    const double w[2] = {NAN, NAN};
    CHECK(isnan(metrics_nanmean(w, 2)) && isnan(metrics_nanmean(v, 0)));
}

/* ---- mask choice ---- */

TEST(choose_mask_first_oracle_predicted) {
    /* gt = 2 pixels; masks: #0 IoU 1/2, #1 IoU 1, #2 IoU 1 (a tie with #1) */
    const uint8_t gt[4] = {1, 1, 0, 0};
    const uint8_t masks[12] = {1, 0, 0, 0, /**/ 1, 1, 0, 0, /**/ 1, 1, 0, 0};
    const float piou[3] = {0.9f, 0.5f, 0.9f};
    CHECK(metrics_choose_mask(MASK_CHOICE_FIRST, masks, 3, 4, gt, piou) == 0);
    CHECK(metrics_choose_mask(MASK_CHOICE_ORACLE, masks, 3, 4, gt, piou) == 1);        /* first of the tie */
    CHECK(metrics_choose_mask(MASK_CHOICE_PREDICTED_IOU, masks, 3, 4, gt, piou) == 0); /* first of the tie */
    const float piou2[3] = {0.1f, 0.2f, 0.3f};
    CHECK(metrics_choose_mask(MASK_CHOICE_PREDICTED_IOU, masks, 3, 4, gt, piou2) == 2);
}

TEST(choose_mask_oracle_all_zero_takes_last) {
    /* no output overlaps the ground truth: the authors' index -1, the last output */
    const uint8_t gt[4] = {1, 0, 0, 0};
    const uint8_t masks[12] = {0, 1, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 1, 1};
    CHECK(metrics_choose_mask(MASK_CHOICE_ORACLE, masks, 3, 4, gt, NULL) == 2);
    /* one output with IoU > 0 wins even if it is small */
    const uint8_t masks2[12] = {0, 1, 0, 0, /**/ 1, 1, 1, 1, /**/ 0, 0, 1, 1};
    CHECK(metrics_choose_mask(MASK_CHOICE_ORACLE, masks2, 3, 4, gt, NULL) == 1);
    /* empty gt: every IoU is 0 or NaN -> last */
    const uint8_t z[4] = {0};
    CHECK(metrics_choose_mask(MASK_CHOICE_ORACLE, masks, 3, 4, z, NULL) == 2);
}

TEST(choose_mask_bad_arguments) {
    const uint8_t m[4] = {0};
    CHECK(metrics_choose_mask(MASK_CHOICE_FIRST, m, 0, 4, m, NULL) == -1);
    CHECK(metrics_choose_mask(MASK_CHOICE_ORACLE, m, 1, 4, NULL, NULL) == -1);
    CHECK(metrics_choose_mask(MASK_CHOICE_PREDICTED_IOU, m, 1, 4, m, NULL) == -1);
    CHECK(metrics_choose_mask((mask_choice)9, m, 1, 4, m, NULL) == -1);
}

/* ---- ranks ---- */

TEST(average_ranks_match_scipy_rankdata) {
    /* scipy.stats.rankdata */
    const double v[12] = {0.8, 0.3, 0.5, 0.5, 0.9, 0.1, 0.7, 0.3, 0.6, 0.2, 0.4, 0.75};
    const double want[12] = {11, 3.5, 6.5, 6.5, 12, 1, 9, 3.5, 8, 2, 5, 10};
    double r[12];
    CHECK(metrics_rank_average(v, 12, r) == 0);
    for (int i = 0; i < 12; i++) CHECK(r[i] == want[i]);
}

/* ---- bootstrap ---- */

/* A second, plain implementation for the test: the same documented resampling (one
 * SplitMix64 stream, n draws per resample, sum in draw order), means sorted by insertion,
 * and the type-7 percentile written out from its definition. */
static void reference_bootstrap(const double *s, size_t m, int B, double level, uint64_t seed, double *lo,
                                double *hi) {
    double *means = malloc((size_t)B * sizeof *means);
    samc_rng r;
    util_rng_seed(&r, seed);
    for (int b = 0; b < B; b++) {
        double t = 0;
        for (size_t j = 0; j < m; j++) t += s[util_rng_below(&r, m)];
        double x = t / (double)m;
        int k = b;
        while (k > 0 && means[k - 1] > x) means[k] = means[k - 1], k--;
        means[k] = x;
    }
    double q[2] = {(1 - level) / 2, (1 + level) / 2}, out[2];
    for (int i = 0; i < 2; i++) {
        double h = (B - 1) * q[i];
        int f = (int)floor(h);
        out[i] = f + 1 < B ? means[f] + (h - f) * (means[f + 1] - means[f]) : means[B - 1];
    }
    *lo = out[0], *hi = out[1];
    free(means);
}

TEST(bootstrap_matches_second_implementation) {
    const double v[9] = {0.91, 0.42, NAN, 0.77, 0.66, 0.13, 0.58, 0.88, 0.35};
    const double s[8] = {0.91, 0.42, 0.77, 0.66, 0.13, 0.58, 0.88, 0.35}; /* NaN dropped */
    bootstrap_ci ci;
    CHECK(metrics_bootstrap_mean_ci(v, 9, 1000, 0.95, 2023, &ci) == 0);
    double lo, hi;
    reference_bootstrap(s, 8, 1000, 0.95, 2023, &lo, &hi);
    CHECK(ci.n == 8);
    CHECK_NEAR(ci.mean, 4.70 / 8, 1e-15);
    CHECK(ci.lo == lo && ci.hi == hi);
    CHECK(ci.lo < ci.mean && ci.mean < ci.hi);
    /* a different seed gives (slightly) different bounds; the same seed the same bits */
    bootstrap_ci c2, c3;
    CHECK(metrics_bootstrap_mean_ci(v, 9, 1000, 0.95, 7, &c2) == 0 && metrics_bootstrap_mean_ci(v, 9, 1000, 0.95, 7,
          &c3) == 0);
    CHECK(c2.lo == c3.lo && c2.hi == c3.hi);
    CHECK(c2.lo != ci.lo || c2.hi != ci.hi);
}

TEST(bootstrap_enumerable_two_point_sample) {
    /* sample {0, 1}: a resample mean is 0 (prob 1/4), 1/2 (1/2) or 1 (1/4). With 10000
     * resamples the sorted means hold about 2500 zeros, 5000 halves, 2500 ones: the 2.5% and
     * 97.5% points fall in the outer blocks (0 and 1), the 30% and 70% points in the middle
     * block (1/2), unless a count is off by > 500 (~ 11 sigma). */
    const double v[2] = {0, 1};
    bootstrap_ci ci;
    CHECK(metrics_bootstrap_mean_ci(v, 2, 10000, 0.95, 1, &ci) == 0);
    CHECK(ci.lo == 0 && ci.hi == 1 && ci.mean == 0.5);
    CHECK(metrics_bootstrap_mean_ci(v, 2, 10000, 0.40, 1, &ci) == 0);
    CHECK(ci.lo == 0.5 && ci.hi == 0.5);
}

TEST(bootstrap_degenerate_and_bad_input) {
    const double one[1] = {0.7}, same[4] = {0.25, 0.25, 0.25, 0.25}, nan2[2] = {NAN, NAN};
    bootstrap_ci ci;
    CHECK(metrics_bootstrap_mean_ci(one, 1, 1000, 0.95, 3, &ci) == 0 && ci.lo == 0.7 && ci.hi == 0.7);
    CHECK(metrics_bootstrap_mean_ci(same, 4, 100, 0.95, 3, &ci) == 0 && ci.lo == 0.25 && ci.hi == 0.25);
    CHECK(metrics_bootstrap_mean_ci(nan2, 2, 100, 0.95, 3, &ci) == 0 && ci.n == 0 && isnan(ci.lo) && isnan(ci.mean));
    CHECK(metrics_bootstrap_mean_ci(one, 1, 0, 0.95, 3, &ci) == -1);
    CHECK(metrics_bootstrap_mean_ci(one, 1, 100, 1.0, 3, &ci) == -1);
    CHECK(metrics_bootstrap_mean_ci(one, 1, 100, 0.0, 3, &ci) == -1);
}

/* ---- Wilcoxon ---- */

TEST(wilcoxon_exact_small_sample) {
    /* d = 1.5 -.25 2.25 .75 -1 3.5 .5 -1.25 1.75 3: ranks of the negatives 1 + 4 + 5 = 10.
     * Hand: 43 of the 1024 sign patterns have W+ <= 10, p = 2 * 43 / 1024. scipy
     * wilcoxon(x, y, method="exact"): statistic 10.0, p 0.083984375. */
    const double x[10] = {3.5, 1.25, 4.0, 2.75, 0.5, 6.0, 2.5, 0.75, 4.5, 5.75};
    const double y[10] = {2.0, 1.5, 1.75, 2.0, 1.5, 2.5, 2.0, 2.0, 2.75, 2.75};
    wilcoxon_result w;
    CHECK(metrics_wilcoxon_signed_rank(x, y, 10, &w) == 0);
    CHECK(w.exact == 1 && w.n == 10 && w.n_zero == 0);
    CHECK(w.w_minus == 10 && w.w_plus == 45 && w.statistic == 10);
    CHECK(w.p == 86.0 / 1024.0);
    CHECK(w.p == 0.083984375);
    CHECK(isnan(w.z));
    /* x and y swapped: same p */
    CHECK(metrics_wilcoxon_signed_rank(y, x, 10, &w) == 0 && w.p == 0.083984375 && w.w_plus == 10);
}

TEST(wilcoxon_hand_tiny_cases) {
    /* n = 3, all positive: W+ = 6 is the largest of 8 patterns: p = 2 / 8 */
    const double x[3] = {1, 2, 3}, y[3] = {0, 0, 0};
    wilcoxon_result w;
    CHECK(metrics_wilcoxon_signed_rank(x, y, 3, &w) == 0 && w.exact && w.p == 0.25);
    /* centre of the distribution: n = 3, d = +1, +2, -3: W+ = 3 = n(n+1)/4 -> p = 1 */
    const double x2[3] = {1, 2, -3};
    CHECK(metrics_wilcoxon_signed_rank(x2, y, 3, &w) == 0 && w.p == 1);
}

TEST(wilcoxon_drops_zeros_and_nan_pairs) {
    /* the 10 pairs above plus two zero differences and one NaN pair: zeros are dropped
     * before ranking (Wilcox), so the result is the 10-pair exact test. (scipy 1.10 would
     * switch to the normal approximation when zeros are present; we do not.) */
    const double x[13] = {3.5, 1.25, 4.0, 2.75, 0.5, 6.0, 2.5, 0.75, 4.5, 5.75, 1.0, 2.0, NAN};
    const double y[13] = {2.0, 1.5, 1.75, 2.0, 1.5, 2.5, 2.0, 2.0, 2.75, 2.75, 1.0, 2.0, 0.5};
    wilcoxon_result w;
    CHECK(metrics_wilcoxon_signed_rank(x, y, 13, &w) == 0);
    CHECK(w.n == 10 && w.n_zero == 2 && w.exact && w.p == 0.083984375);
    const double z[2] = {1, 1};
    CHECK(metrics_wilcoxon_signed_rank(z, z, 2, &w) == 0 && w.n == 0 && w.n_zero == 2 && isnan(w.p));
}

TEST(wilcoxon_normal_approximation_with_ties_matches_scipy) {
    /* 32 pairs on a 0.05 grid (many tied |d|, one zero): scipy
     * wilcoxon(a, b, method="approx", correction=True, zero_method="wilcox") gives
     * statistic 62.0, p 0.0002750921293851454 */
    const double a[32] = {0.85, 0.65, 0.75, 0.95, 0.9, 0.45, 0.75, 0.6, 0.6, 0.65, 0.6, 0.8, 0.7, 0.6, 0.65, 0.65,
                          0.8, 0.55, 0.65, 0.45, 0.2, 0.7, 0.75, 0.5, 0.95, 0.4, 0.6, 0.55, 0.85, 0.8, 0.6, 0.65};
    const double b[32] = {0.4, 0.25, 0.5, 0.55, 0.75, 0.75, 0.5, 0.5, 0.4, 0.35, 0.3, 0.85, 0.45, 0.5, 0.35, 0.65,
                          0.3, 0.5, 0.4, 0.6, 0.45, 0.35, 0.55, 0.6, 0.55, 0.6, 0.45, 0.5, 0.45, 0.5, 0.45, 0.3};
    wilcoxon_result w;
    CHECK(metrics_wilcoxon_signed_rank(a, b, 32, &w) == 0);
    CHECK(w.exact == 0 && w.n == 31 && w.n_zero == 1);
    CHECK(w.statistic == 62.0);
    CHECK_NEAR(w.p, 0.0002750921293851454, 1e-15);
    CHECK(w.w_plus + w.w_minus == 31.0 * 32.0 / 2.0);
}

TEST(wilcoxon_normal_approximation_without_ties_matches_scipy) {
    /* d = +-0.125 k, k = 1..30, every third negative: scipy approx, correction=True:
     * statistic 145.0, p 0.07354309334531799. Hand: W- = 3 (1 + 4 + ... + 28) / 3 ...
     * = 1 + 4 + 7 + ... + 28 = 145. */
    double c[30], zero[30] = {0};
    for (int k = 0; k < 30; k++) c[k] = 0.125 * (k + 1) * (k % 3 == 0 ? -1 : 1);
    wilcoxon_result w;
    CHECK(metrics_wilcoxon_signed_rank(c, zero, 30, &w) == 0);
    CHECK(w.exact == 0 && w.statistic == 145.0 && w.w_minus == 145.0);
    /* z by hand: mean 232.5, var 30 * 31 * 61 / 24 = 2363.75, z = (145 - 232.5 + 0.5) / sd */
    CHECK_NEAR(w.z, -87.0 / sqrt(2363.75), 1e-14);
    CHECK_NEAR(w.p, 0.07354309334531799, 1e-15);
}

/* ---- special functions and correlations ---- */

TEST(betainc_matches_scipy_and_closed_forms) {
    /* scipy.special.betainc(a, b, x) */
    CHECK_NEAR(metrics_betainc_reg(0.5, 0.5, 0.75), 0.6666666666666666, 1e-14); /* (2/pi) asin(sqrt x) */
    CHECK_NEAR(metrics_betainc_reg(2.0, 3.0, 0.4), 0.5248, 1e-14);              /* polynomial: hand */
    CHECK_NEAR(metrics_betainc_reg(5.0, 0.5, 0.9), 0.316642915020012, 1e-14);
    CHECK_NEAR(metrics_betainc_reg(0.5, 5.0, 0.1), 0.6833570849799877, 1e-14);
    /* the lgamma-based prefactor limits large a, b to ~1e-13 relative */
    CHECK_NEAR(metrics_betainc_reg(250.0, 0.5, 0.99), 0.02505400606031191, 1e-12 * 0.025);
    CHECK_NEAR(metrics_betainc_reg(0.1, 10.0, 0.001), 0.6596666602208243, 1e-13);
    CHECK_NEAR(metrics_betainc_reg(30.0, 30.0, 0.5), 0.5, 1e-12);
    CHECK_NEAR(metrics_betainc_reg(1.5, 0.5, 0.2), 0.04051932635383402, 1e-14);
    CHECK(metrics_betainc_reg(2, 3, 0) == 0 && metrics_betainc_reg(2, 3, 1) == 1);
    CHECK(isnan(metrics_betainc_reg(-1, 3, 0.5)) && isnan(metrics_betainc_reg(1, 3, 1.5)));
}

TEST(student_t_matches_scipy) {
    /* 2 * scipy.stats.t.sf(t, df) */
    CHECK_NEAR(metrics_student_t_two_sided(2.0, 10), 0.07338803477074039, 1e-14);
    CHECK_NEAR(metrics_student_t_two_sided(-0.5, 3), 0.651447964848151, 1e-14);
    CHECK_NEAR(metrics_student_t_two_sided(4.2, 1), 0.1488055305972344, 1e-14);
    CHECK_NEAR(metrics_student_t_two_sided(1.96, 1000), 0.05027318495574871, 1e-13);
    CHECK(metrics_student_t_two_sided(INFINITY, 5) == 0);
    CHECK(metrics_normal_sf(0) == 0.5);
    CHECK_NEAR(metrics_normal_sf(1.959963984540054), 0.025, 1e-15);
}

TEST(pearson_spearman_hand_case) {
    /* x = 1 2 3, y = 1 3 2: r = 1/2 (hand); df 1: p = I_{3/4}(1/2, 1/2) = (2/pi) asin(sqrt 3/4)
     * = 2/3. Spearman equals Pearson here (the values are their own ranks). */
    const double x[3] = {1, 2, 3}, y[3] = {1, 3, 2};
    correlation c;
    CHECK(metrics_pearson(x, y, 3, &c) == 0 && c.n == 3);
    CHECK_NEAR(c.r, 0.5, 1e-15);
    CHECK_NEAR(c.p, 2.0 / 3.0, 1e-14);
    CHECK(metrics_spearman(x, y, 3, &c) == 0);
    CHECK_NEAR(c.r, 0.5, 1e-15);
    CHECK_NEAR(c.p, 2.0 / 3.0, 1e-14);
}

TEST(pearson_spearman_match_scipy) {
    const double px[8] = {1, 2, 3, 4, 5, 6, 7, 8}, py[8] = {2.1, 3.9, 6.2, 7.8, 11.0, 11.5, 14.9, 15.2};
    correlation c;
    /* scipy.stats.pearsonr: 0.991772258121419, 1.3838791670206523e-06 */
    CHECK(metrics_pearson(px, py, 8, &c) == 0);
    CHECK_NEAR(c.r, 0.991772258121419, 1e-14);
    CHECK_NEAR(c.p, 1.3838791670206523e-06, 1e-17);
    /* scipy.stats.spearmanr: monotone -> 1.0, 0.0 */
    CHECK(metrics_spearman(px, py, 8, &c) == 0 && c.r == 1 && c.p == 0);

    const double qx[12] = {0.8, 0.3, 0.5, 0.5, 0.9, 0.1, 0.7, 0.3, 0.6, 0.2, 0.4, 0.75};
    const double qy[12] = {0.02, 0.05, 0.01, 0.04, 0.03, 0.06, 0.02, 0.01, 0.05, 0.07, 0.03, 0.02};
    /* pearsonr: -0.5411361395436637, 0.06923469802433546;
     * spearmanr (ties on both sides): -0.4636062049974426, 0.1290056311997062 */
    CHECK(metrics_pearson(qx, qy, 12, &c) == 0);
    CHECK_NEAR(c.r, -0.5411361395436637, 1e-14);
    CHECK_NEAR(c.p, 0.06923469802433546, 1e-13);
    CHECK(metrics_spearman(qx, qy, 12, &c) == 0);
    CHECK_NEAR(c.r, -0.4636062049974426, 1e-14);
    CHECK_NEAR(c.p, 0.1290056311997062, 1e-13);
}

TEST(correlation_degenerate_cases) {
    const double x[4] = {1, 2, NAN, 4}, y[4] = {3, 3, 3, 3}, y2[4] = {1, NAN, 5, 2};
    correlation c;
    CHECK(metrics_pearson(x, y, 4, &c) == 0 && c.n == 3 && isnan(c.r) && isnan(c.p)); /* constant y */
    CHECK(metrics_pearson(x, y2, 4, &c) == 0 && c.n == 2 && isnan(c.p));             /* NaN pairs dropped */
    CHECK(c.r == 1 || c.r == -1);
    CHECK(metrics_spearman(x, y2, 1, &c) == 0 && c.n == 1 && isnan(c.r));
}

int main(void) {
    RUN(quantile_type7_hand_values);
    RUN(iou_and_dice_hand_values);
    RUN(iou_and_dice_empty_rules);
    RUN(nanmean_skips_nan);
    RUN(choose_mask_first_oracle_predicted);
    RUN(choose_mask_oracle_all_zero_takes_last);
    RUN(choose_mask_bad_arguments);
    RUN(average_ranks_match_scipy_rankdata);
    RUN(bootstrap_matches_second_implementation);
    RUN(bootstrap_enumerable_two_point_sample);
    RUN(bootstrap_degenerate_and_bad_input);
    RUN(wilcoxon_exact_small_sample);
    RUN(wilcoxon_hand_tiny_cases);
    RUN(wilcoxon_drops_zeros_and_nan_pairs);
    RUN(wilcoxon_normal_approximation_with_ties_matches_scipy);
    RUN(wilcoxon_normal_approximation_without_ties_matches_scipy);
    RUN(betainc_matches_scipy_and_closed_forms);
    RUN(student_t_matches_scipy);
    RUN(pearson_spearman_hand_case);
    RUN(pearson_spearman_match_scipy);
    RUN(correlation_degenerate_cases);
    return check_summary();
}
