/* A harness's input as a file, for readers that take a path: one memfd for the whole run,
 * rewritten per input, named by its /proc/self/fd path. Included by the harnesses only. */
#ifndef SAMC_FUZZ_INPUT_H
#define SAMC_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int fuzz_input_path(const uint8_t *data, size_t size, char *path, size_t n) {
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("fuzz_input", 0)) < 0) return -1;
    if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) return -1;
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return 0;
}

#endif
