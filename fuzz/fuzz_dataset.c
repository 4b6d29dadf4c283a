/* libFuzzer harness for the data set config parser of `samc eval` (eval/dataset.c): any text
 * must give a config or an error naming the line, never a crash, a sanitizer report or a leak
 * (a config failing half-way must free what it had parsed).
 *
 * Each input is parsed from memory (as NUL-terminated text, with and without a root
 * override), then loaded from a file (a memfd opened through /proc/self/fd, which also covers
 * the binary-file check and relative roots). Only the text is parsed: no data set is read.
 * Everything a parsed config offers (remaps, class membership, slices kept, shards) is queried.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_dataset.c \
 *         eval/dataset.c eval/dirlist.c io/intensity.c io/nifti_slice.c util/sha256.c util/err.c util/file.c \
 *         util/mem.c -lm -o fuzz_dataset */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/dataset.h"
#include "eval/source.h"
#include "fuzz/fuzz_input.h"

static void use(const dataset_config *c) {
    /* finish() promises these for any config that parsed */
    if (!c->name || !c->root || c->n_classes < 1 || c->n_classes > DS_MAX_CLASSES) abort();
    if ((unsigned)c->plane > NIFTI_SAGITTAL || (unsigned)c->intensity.mode > INTENSITY_WINDOW) abort();
    if (c->intensity.mode == INTENSITY_WINDOW && !(c->intensity.width >= 1)) abort();
    if (c->layout == DS_LAYOUT_PNG ? !c->images || !c->masks || !c->mask_suffix || c->intensity.mode != INTENSITY_PAPER
                                   : !c->volumes == !c->list)
        abort();
    /* labels 0..7 and every remapped value, as one label map */
    uint16_t label[8 + DS_MAX_REMAPS];
    uint8_t mask[8 + DS_MAX_REMAPS];
    size_t n = 0;
    for (int v = 0; v < 8; v++) label[n++] = (uint16_t)v;
    for (int i = 0; i < c->n_remaps; i++) label[n++] = (uint16_t)c->remap_from[i];
    eval_dataset_remap_labels(c, label, n);
    eval_item it = {.h = 1, .w = (int)n, .label = label};
    volatile int sum = eval_item_slice_kept(c, &it);
    for (int k = 0; k < c->n_classes; k++) {
        if (!c->classes[k].task || !c->classes[k].cls) abort();
        sum += (int)strlen(c->classes[k].task) + (int)strlen(c->classes[k].cls);
        eval_item_class_mask(c, &it, k, mask);
        int any = 0;
        for (size_t i = 0; i < n; i++) any |= mask[i];
        if (any != eval_item_has_class(c, &it, k)) abort();
    }
    int s = eval_shard_of(c->name, 7);
    if (s < 0 || s >= 7) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* an embedded NUL just ends the text early */
    dataset_config c;
    if (eval_dataset_config_parse(text, "fuzz.conf", "/nonexistent/configs", NULL, &c) == 0) {
        use(&c);
        eval_dataset_config_free(&c);
    }
    if (eval_dataset_config_parse(text, "fuzz.conf", NULL, "/nonexistent/root", &c) == 0) {
        if (strcmp(c.root, "/nonexistent/root")) abort();
        use(&c);
        eval_dataset_config_free(&c);
    }
    free(text);
    char path[64];
    if (fuzz_input_path(data, size, path, sizeof path) == 0 && eval_dataset_config_load(path, NULL, &c) == 0) {
        use(&c);
        eval_dataset_config_free(&c);
    }
    return 0;
}
