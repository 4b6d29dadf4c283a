/* File helpers the tests share: whole files out and in, a scratch folder per test program,
 * and the check that a call failed with a message naming the problem. */
#ifndef SAMC_TEST_FILES_H
#define SAMC_TEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

static inline int write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static inline uint8_t *read_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len + 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return p;
}

static char scratch_dir_[64];

/* Makes /tmp/samc_test_NAME_PID, the folder tmp_path names files in. */
static inline void scratch_open(const char *name) {
    snprintf(scratch_dir_, sizeof scratch_dir_, "/tmp/samc_test_%s_%ld", name, (long)getpid());
    mkdir(scratch_dir_, 0700);
}
/* Removes it; the tests remove their files first. */
static inline void scratch_close(void) { rmdir(scratch_dir_); }

/* NAME in the scratch folder; four rotating buffers, so up to four paths can be in use. */
static inline const char *tmp_path(const char *name) {
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", scratch_dir_, name);
    return buf[k];
}

/* 1 if a call failed (failed != 0) and the last error message contains want (NULL: any
 * message); else prints what happened and returns 0. Clear the message before the call. */
static inline int failed_with(int failed, const char *want) {
    const char *msg = samc_errmsg(), *about = want ? want : "anything";
    if (!failed) printf("    succeeded, expected an error about '%s'\n", about);
    else if (want ? !strstr(msg, want) : !msg[0]) printf("    message '%s' lacks '%s'\n", msg, about);
    else return 1;
    return 0;
}

#endif
