/* audit/: ULP distances, trace recording and folder comparison. */
#include <math.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "check.h"
#include "io/npy.h"
#include "nn/trace.h"

TEST(compare_counts_ulps_by_hand) {
    float a[4] = {1.0f, -0.0f, 2.0f, -3.0f};
    float b[4] = {1.0f, 0.0f, 2.0f, -3.0f};
    a[0] = nextafterf(nextafterf(1.0f, 2.0f), 2.0f); /* two ulps above 1 */
    audit_diff d;
    audit_compare(a, b, 4, &d);
    CHECK(d.max_ulp == 2);
    CHECK(d.n_diff == 2); /* 1+2ulp vs 1, and -0 vs +0 (different bits, 0 ulps apart) */
    CHECK_NEAR(d.max_abs, 2 * 1.1920928955078125e-07, 1e-15);
    CHECK(d.max_abs_ref == 3.0);
    float c[1] = {NAN}, e[1] = {1.0f};
    audit_compare(c, e, 1, &d);
    CHECK(d.nan_mismatch == 1);
}

TEST(trace_then_diff_identical_and_changed) {
    const char *dir_a = "build/test_audit_a", *dir_b = "build/test_audit_b";
    float x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {0.5f, 0.25f, 0.125f};
    for (int round = 0; round < 2; round++) {
        CHECK(audit_trace_start(round ? dir_b : dir_a) == 0);
        nn_trace("image_encoder.patch_embed", x, 1, 2, 3, 0);
        if (round) y[1] = 0.2501f; /* the second run differs in the second tensor only */
        nn_trace("image_encoder.neck", y, 3, 0, 0, 0);
        CHECK(audit_trace_stop() == 0);
    }
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(audit_diff_dirs(dir_a, dir_a, 0.0, devnull) == 0);
    CHECK(audit_diff_dirs(dir_a, dir_b, 1e-4, devnull) == 1);
    CHECK(audit_diff_dirs(dir_a, dir_b, 1e-3, devnull) == 0); /* 1e-4 / 0.5 = 2e-4 relative */
    fclose(devnull);
    npy_array a;
    CHECK(io_npy_read("build/test_audit_a/000_image_encoder.patch_embed.npy", &a) == 0);
    CHECK(a.ndim == 3 && a.shape[2] == 3 && ((float *)a.data)[5] == 6.0f);
    io_npy_free(&a);
}

/* an unfinished trace leaves nothing behind: no manifest, no tensor files, no folder */
TEST(trace_abort_removes_everything) {
    const char *dir = "build/test_audit_abort";
    float x[2] = {1, 2};
    CHECK(audit_trace_start(dir) == 0);
    nn_trace("image_encoder.patch_embed", x, 2, 0, 0, 0);
    FILE *f = fopen("build/test_audit_abort/000_image_encoder.patch_embed.npy", "rb");
    CHECK(f != NULL);
    if (f) fclose(f);
    audit_trace_abort();
    CHECK(fopen("build/test_audit_abort/000_image_encoder.patch_embed.npy", "rb") == NULL);
    CHECK(fopen("build/test_audit_abort/manifest.tsv", "rb") == NULL);
    CHECK(fopen("build/test_audit_abort/manifest.tsv.tmp", "rb") == NULL);
    CHECK(fopen(dir, "rb") == NULL);
    CHECK(!nn_trace_enabled());
}

/* a new trace into an old trace's folder removes the old manifest first, so a crash
 * half-way cannot leave it describing a mix of old and new files */
TEST(trace_start_drops_an_old_manifest) {
    const char *dir = "build/test_audit_again";
    float x[1] = {1};
    CHECK(audit_trace_start(dir) == 0);
    nn_trace("a", x, 1, 0, 0, 0);
    CHECK(audit_trace_stop() == 0);
    FILE *f = fopen("build/test_audit_again/manifest.tsv", "rb");
    CHECK(f != NULL);
    if (f) fclose(f);
    CHECK(audit_trace_start(dir) == 0);
    CHECK(fopen("build/test_audit_again/manifest.tsv", "rb") == NULL);
    audit_trace_abort();
}

int main(void) {
    RUN(compare_counts_ulps_by_hand);
    RUN(trace_then_diff_identical_and_changed);
    RUN(trace_abort_removes_everything);
    RUN(trace_start_drops_an_old_manifest);
    return check_summary();
}
