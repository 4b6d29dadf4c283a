/* eval/measure: the names of the experiment and selection columns, and the settings' steps. */
#include <string.h>

#include "check.h"
#include "eval/experiments.h"
#include "eval/measure.h"
#include "eval/results.h"

TEST(names_round_trip) {
    for (int e = 0; e < N_EXPERIMENTS; e++)
        CHECK(eval_experiment_from_name(eval_experiment_name((eval_experiment)e)) == (eval_experiment)e);
    for (int s = 0; s < N_SELECTIONS; s++)
        CHECK(eval_selection_from_name(eval_selection_name((eval_selection)s)) == (eval_selection)s);
    /* the columns as eval/README.md lists them, in the report's order */
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_MODES), "modes"));
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_ITERATIVE), "iterative"));
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_PLACEMENT), "placement"));
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_SIZE), "size"));
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_EVERYTHING), "everything"));
    CHECK(!strcmp(eval_selection_name(SELECTION_INDEX0), "index0"));
    CHECK(!strcmp(eval_selection_name(SELECTION_ORACLE), "oracle"));
    CHECK(!strcmp(eval_selection_name(SELECTION_BEST_PREDICTED), "best_predicted"));
    CHECK(!strcmp(eval_selection_name(SELECTION_GT), "gt"));
    CHECK(!strcmp(eval_selection_name(SELECTION_SINGLE), "single"));
}

TEST(unknown_names) {
    CHECK(eval_experiment_from_name("Modes") == EXPERIMENT_UNKNOWN);
    CHECK(eval_experiment_from_name("") == EXPERIMENT_UNKNOWN);
    CHECK(eval_experiment_from_name("modes ") == EXPERIMENT_UNKNOWN);
    CHECK(eval_selection_from_name("index") == SELECTION_UNKNOWN);
    CHECK(eval_selection_from_name("sam") == SELECTION_UNKNOWN);
    CHECK(!strcmp(eval_experiment_name(EXPERIMENT_UNKNOWN), "unknown"));
    CHECK(!strcmp(eval_selection_name(SELECTION_UNKNOWN), "unknown"));
}

TEST(steps) {
    CHECK(eval_measure_step(EXPERIMENT_MODES, "3") == 3);
    CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, "9") == 9);
    CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, "100") == 100);
    CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, "999999") == MEASURE_MAX_STEP);
    CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, "1000000") == 0);
    CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, "99999999999999999999") == 0);
    /* not as samc eval writes a count */
    const char *odd[] = {"fb3", "0", "03", "+3", " 3", "3 ", "-1", "3a", ""};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) CHECK(eval_measure_step(EXPERIMENT_ITERATIVE, odd[i]) == 0);
    /* only modes and iterative settings are counts */
    CHECK(eval_measure_step(EXPERIMENT_PLACEMENT, "3") == 0);
    CHECK(eval_measure_step(EXPERIMENT_SIZE, "1") == 0);
    CHECK(eval_measure_step(EXPERIMENT_UNKNOWN, "1") == 0);
}

/* A row is typed once, when it is made (read back from a results file or by the runner). */
TEST(rows_typed) {
    result_set s = {0};
    CHECK(eval_result_set_add(&s, "T", "a", "1", "iterative", "7", "oracle", 0.5, 0.6) == 0);
    CHECK(eval_result_set_add(&s, "T", "a", "1", "iterative", "fb7", "best_predicted", 0.5, 0.6) == 0);
    CHECK(eval_result_set_add(&s, "T", "a", "1", "size", "area_fraction", "gt", 0.1, NAN) == 0);
    CHECK(eval_result_set_add(&s, "T", "a", "1", "future", "2", "mystery", 0.5, 0.6) == 0); /* kept */
    CHECK(s.n == 4);
    if (s.n == 4) {
        CHECK(s.rows[0].exp == EXPERIMENT_ITERATIVE && s.rows[0].sel == SELECTION_ORACLE && s.rows[0].step == 7);
        CHECK(s.rows[1].sel == SELECTION_BEST_PREDICTED && s.rows[1].step == 0);
        CHECK(s.rows[2].exp == EXPERIMENT_SIZE && s.rows[2].sel == SELECTION_GT && s.rows[2].step == 0);
        CHECK(s.rows[3].exp == EXPERIMENT_UNKNOWN && s.rows[3].sel == SELECTION_UNKNOWN && s.rows[3].step == 0);
        CHECK(!strcmp(s.rows[3].experiment, "future")); /* the text is kept as written */
    }
    eval_result_set_free(&s);
}

/* samc eval's --experiments list is the same table: bit e for experiment e. */
TEST(experiment_bits) {
    unsigned bits = 0;
    CHECK(eval_experiments_parse("everything,modes", &bits) == 0);
    CHECK(bits == (EXP_MODES | EXP_EVERYTHING) && EXP_EVERYTHING == 1u << EXPERIMENT_EVERYTHING);
    char buf[96];
    eval_experiments_format(EXP_MODES | EXP_ITERATIVE | EXP_PLACEMENT | EXP_SIZE | EXP_EVERYTHING, buf, sizeof buf);
    CHECK(!strcmp(buf, "modes,iterative,placement,size,everything"));
    CHECK(eval_experiments_parse("modes,gt", &bits) == -1);
}

int main(void) {
    RUN(names_round_trip);
    RUN(unknown_names);
    RUN(steps);
    RUN(rows_typed);
    RUN(experiment_bits);
    return check_summary();
}
