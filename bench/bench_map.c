/* How to map a model's weights (issue 21): MAP_POPULATE (one thread maps every page in
 * mmap, a serial pass before the first product) against a plain mapping whose pages the
 * threads fault in as they first read them, on a .samw warm in the page cache (ViT-H size in
 * make bench). Each way: the mapping, then every page read once by THREADS OpenMP threads
 * (each its contiguous share, as the products' threads split a weight), best of 3.
 * usage: bench_map PATH THREADS
 * Prints "map_populate_s T" and "map_fault_s T" (mapping + first read of every page). */
#include <fcntl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* seconds to map the file (flags) and read one byte of each page with the threads */
static double map_and_touch(int fd, size_t size, int flags, unsigned *sum) {
    double t = now();
    unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | flags, fd, 0);
    if (p == MAP_FAILED) {
        perror("bench_map: mmap");
        exit(1);
    }
    long page = sysconf(_SC_PAGESIZE);
    long n = (long)((size + (size_t)page - 1) / (size_t)page);
    unsigned s = 0;
#pragma omp parallel for schedule(static) reduction(+ : s)
    for (long i = 0; i < n; i++) s += p[(size_t)i * (size_t)page];
    t = now() - t;
    *sum += s;
    munmap(p, size);
    return t;
}

int main(int argc, char **argv) {
    if (argc != 3 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: bench_map PATH THREADS\n");
        return 2;
    }
    omp_set_num_threads(atoi(argv[2]));
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
        perror(argv[1]);
        return 1;
    }
    size_t size = (size_t)st.st_size;
    unsigned sum = 0;
    map_and_touch(fd, size, MAP_POPULATE, &sum); /* the file warm in the page cache, the threads started */
    double best_pop = 1e30, best_fault = 1e30;
    for (int r = 0; r < 3; r++) { /* alternated, so that other load on the machine hits both */
        double a = map_and_touch(fd, size, MAP_POPULATE, &sum), b = map_and_touch(fd, size, 0, &sum);
        if (a < best_pop) best_pop = a;
        if (b < best_fault) best_fault = b;
    }
    close(fd);
    printf("map_size_gb %.2f\n", size / 1e9);
    printf("map_populate_s %.3f\n", best_pop);
    printf("map_fault_s %.3f\n", best_fault);
    printf("map_checksum %u\n", sum); /* keeps the reads */
    return 0;
}
