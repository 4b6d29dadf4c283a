/* Prints the SHA-256 of sam-tiny's reference-mode outputs (test/reference_run.h) and checks
 * them against the pinned values: run by test/reference_builds.sh from builds with other
 * compilers and optimisation levels. Usage: reference_hashes [THREADS]. Exit 0 if every
 * hash is the pinned one. */
#include "reference_run.h"

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1) threads = 1;
    sam_model *m = test_model_load("sam-tiny");
    ref_run r;
    if (!m || ref_run_model(m, 1, threads, &r)) {
        fprintf(stderr, "reference_hashes: %s\n", samc_errmsg());
        sam_model_free(m);
        return 2;
    }
    char hex[REF_N_HASHES][65];
    ref_run_hashes(&r, hex);
    int differ = 0;
    for (int k = 0; k < REF_N_HASHES; k++) {
        int same = !strcmp(hex[k], k_reference_hashes[k].hex);
        differ += !same;
        printf("%s  %s%s\n", hex[k], k_reference_hashes[k].name, same ? "" : "  (differs from the pinned hash)");
    }
    ref_run_free(&r);
    sam_model_free(m);
    return differ ? 1 : 0;
}
