/* Runs a command and reports what the whole process cost: its wall time and the peak
 * resident memory of the child (getrusage via wait4), for "whole process" figures such as
 * `samc encode` with its weight loading. usage: bench_process COMMAND [ARGS...]
 * Prints "wall_s T" and "peak_rss_mb M"; exits with the command's status. The child gets
 * BENCH_PROCESS_START, the wall-clock time (seconds since the epoch) just before the fork, so
 * that it can report when a stage of its own finished counted from its very start (python's
 * interpreter start and imports included). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_process COMMAND [ARGS...]\n");
        return 2;
    }
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    char start_s[64];
    snprintf(start_s, sizeof start_s, "%lld.%09ld", (long long)start.tv_sec, start.tv_nsec);
    if (setenv("BENCH_PROCESS_START", start_s, 1)) {
        perror("bench_process: setenv");
        return 1;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_process: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("bench_process: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bench_process: wait4");
        return 1;
    }
    double wall = now() - t0;
    printf("wall_s %.3f\n", wall);
    printf("peak_rss_mb %.1f\n", ru.ru_maxrss / 1024.0); /* ru_maxrss is in KiB on Linux */
    if (!WIFEXITED(status)) {
        fprintf(stderr, "bench_process: %s did not exit normally\n", argv[1]);
        return 1;
    }
    return WEXITSTATUS(status);
}
