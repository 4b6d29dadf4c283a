/* The fixture models for tests: test/fixtures/NAME/model.pth converted (weights_convert) once
 * per test program into build/, then loaded through the public API. */
#ifndef SAMC_TEST_MODELS_H
#define SAMC_TEST_MODELS_H

#include <stdio.h>
#include <string.h>

#include "samc.h"
#include "weights/convert.h"

/* sam-tiny and sam-demo have 4 decoder heads (not visible in tensor shapes); sam-small the
 * official 8. */
static sam_model *test_model_load(const char *name) {
    char src[256], dst[256];
    snprintf(src, sizeof src, "test/fixtures/%s/model.pth", name);
    snprintf(dst, sizeof dst, "build/test_model_%s.samw", name);
    int heads = strcmp(name, "sam-small") ? 4 : 0;
    if (weights_convert(src, dst, heads, NULL)) return NULL;
    sam_model *m = sam_model_load(dst);
    remove(dst); /* the mapping stays valid after the name is gone */
    return m;
}

#endif
