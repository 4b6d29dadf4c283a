/* libFuzzer harness for the data set config parser of `samc eval` (eval/dataset.c): any text
 * must give a config or an error naming the line, never a crash, a sanitizer report or a leak
 * (a config failing half-way must free what it had parsed).
 *
 * Each input is parsed from memory (as NUL-terminated text, with and without a root
 * override), then loaded from a file (a memfd opened through /proc/self/fd, which also covers
 * the binary-file check and relative roots). Only the text is parsed: no data set is read.
 * Everything a parsed config offers (remaps, class membership, shards) is queried.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_dataset.c \
 *         eval/dataset.c util/sha256.c util/err.c util/file.c util/mem.c -o fuzz_dataset */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/dataset.h"
#include "fuzz/fuzz_input.h"

static void use(const dataset_config *c) {
    /* finish() promises these for any config that parsed */
    if (!c->name || !c->root || !c->intensity || c->n_classes < 1 || c->n_classes > DS_MAX_CLASSES) abort();
    if (c->layout == DS_LAYOUT_PNG ? !c->images || !c->masks || !c->mask_suffix : !c->plane || !c->volumes == !c->list)
        abort();
    volatile int sum = 0;
    for (int k = 0; k < c->n_classes; k++) {
        if (!c->classes[k].task || !c->classes[k].cls) abort();
        sum += (int)strlen(c->classes[k].task) + (int)strlen(c->classes[k].cls);
        for (int v = 0; v < 8; v++) sum += eval_dataset_in_class(c, k, eval_dataset_remap(c, v));
    }
    for (int i = 0; i < c->n_remaps; i++) sum += eval_dataset_remap(c, c->remap_from[i]);
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
