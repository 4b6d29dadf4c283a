/* libFuzzer harness for the .samw weight file reader (weights/samw.c, both versions) and the
 * model loaders on top of it (sam_model_load; iseg_open for a version-2 baseline): a corrupt
 * or hostile weight file must give an error, never a crash, a sanitizer report, a hang or an
 * unbounded allocation.
 *
 * Both take a path, so each input is written to a memfd and opened through /proc/self/fd.
 * It is opened twice: as it is, and with its header checksum (meta_crc) recomputed, so that
 * mutations reach the config check, the tensor table parser and the model loaders instead of
 * stopping at the CRC. For a file that opens, every tensor the config implies is fetched and
 * read in full (ASan checks it really lies inside the mapping), and the data CRC is checked.
 *   clang -g -O1 -fopenmp -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_samw.c \
 *         build-fuzz/libsamc-fuzz.a -lopenblas -lz -lm -o fuzz_samw && ./fuzz_samw fuzz/corpus/samw */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz_input.h"
#include "iseg/iseg.h"
#include "samc.h"
#include "weights/sam_config.h"
#include "weights/samw.h"
#include "weights/samw_layout.h"

/* A version-2 file: its config, every float32 tensor read in full, and its model built. */
static void read_baseline(const samw *w) {
    const char *key;
    for (int i = 0; (key = samw_config_key(w, i)); i++)
        if (!samw_config_value(w, key)) abort(); /* the first line with a key holds its value */
    int v;
    (void)samw_config_int(w, "backbone_params.num_heads", 1, 64, &v);
    volatile float sum = 0;
    for (int i = 0; i < samw_count(w); i++) {
        int64_t shape[SAMW_MAX_DIMS];
        int is64 = 0, nd = samw_shape(w, i, shape, &is64);
        const float *t = samw_get(w, samw_name(w, i), nd, shape);
        if ((t == NULL) != is64) abort(); /* samw_get hands out exactly the float32 tensors */
        size_t numel = 1;
        for (int d = 0; d < nd; d++) numel *= (size_t)shape[d];
        for (size_t k = 0; t && k < numel; k++) sum += t[k];
    }
    iseg_free(iseg_open(w));
    (void)samw_check_unused(w, NULL);
    (void)samw_verify(w);
}

static void read_weights(const samw *w) {
    if (strcmp(samw_family(w), "sam")) {
        read_baseline(w);
        return;
    }
    sam_key *keys = NULL;
    int n = 0;
    if (weights_sam_config_keys(samw_config(w), &keys, &n)) return;
    if (n != samw_count(w)) abort(); /* samw_open promises exactly the tensors the config implies */
    volatile float sum = 0;
    for (int i = 0; i < n; i++) {
        if (!samw_name(w, i) || strcmp(samw_name(w, i), keys[i].name)) abort();
        const float *t = samw_get(w, keys[i].name, keys[i].ndim, keys[i].shape);
        if (!t) abort();
        size_t numel = 1;
        for (int d = 0; d < keys[i].ndim; d++) numel *= (size_t)keys[i].shape[d];
        for (size_t k = 0; k < numel; k++) sum += t[k];
    }
    (void)samw_get4(w, "no.such.tensor", 1, -1, -1, -1);
    (void)samw_verify(w);
    free(keys);
}

static void open_file(const uint8_t *data, size_t size) {
    char path[64];
    if (fuzz_input_path(data, size, path, sizeof path)) return;
    samw *w = samw_open(path);
    if (!w) return; /* the model loader opens with samw_open too: nothing more to reach */
    read_weights(w);
    samw_close(w);
    sam_model *m = sam_model_load(path);
    if (m) {
        volatile int dims = sam_model_img_size(m) + sam_model_embed_channels(m) + sam_model_embed_grid(m);
        (void)dims;
        sam_model_free(m);
    }
}

/* The input with meta_crc made to match, when its header's table range lies in the input
 * (version 2: the config text lies between the header and the table). */
static void open_fixed(const uint8_t *data, size_t size) {
    if (size < SAMW_HEADER_BYTES) return;
    uint64_t table_off = samw_get64(data + SAMW_OFF_TABLE_OFFSET), table_bytes = samw_get64(data + SAMW_OFF_TABLE_BYTES);
    if (table_off < SAMW_HEADER_BYTES || table_off > size || table_bytes > size - table_off) return;
    uint8_t *copy = malloc(size);
    if (!copy) return;
    memcpy(copy, data, size);
    uint32_t crc = samw_meta_crc(copy, copy + SAMW_HEADER_BYTES, (size_t)(table_off + table_bytes - SAMW_HEADER_BYTES));
    if (crc != samw_get32(copy + SAMW_OFF_META_CRC)) {
        samw_put32(copy + SAMW_OFF_META_CRC, crc);
        open_file(copy, size);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    open_file(data, size);
    open_fixed(data, size);
    return 0;
}
