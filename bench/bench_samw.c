/* Writes a random-weight .samw of an official SAM shape (bench/random_samw.h), for the
 * whole-process benchmarks. usage: bench_samw b|l|h PATH */
#include <stdio.h>

#include "bench/random_samw.h"
#include "util/err.h"

int main(int argc, char **argv) {
    if (argc != 3 || (argv[1][0] != 'b' && argv[1][0] != 'l' && argv[1][0] != 'h') || argv[1][1]) {
        fprintf(stderr, "usage: bench_samw b|l|h PATH\n");
        return 2;
    }
    sam_config c = random_samw_config(argv[1][0]);
    if (random_samw_write(argv[2], &c)) {
        fprintf(stderr, "bench_samw: %s: %s\n", argv[2], samc_errmsg());
        return 1;
    }
    return 0;
}
