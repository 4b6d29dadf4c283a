/* libFuzzer harness for the checkpoint readers (zip .pth, legacy .pth, safetensors, the
 * restricted pickle interpreter with its inert unknown globals, a baseline config's
 * flattening, family detection and SAM config inference): any bytes must give a checkpoint or
 * an error, never a crash, a sanitizer report, a hang or an unbounded allocation.
 *
 * Each input is read three ways: as a whole file; as a bare pickle; and as the data.pkl of a
 * valid zip (correct CRCs) holding four small storage records, so that mutations of the
 * pickle reach the state-dict and tensor-view code instead of stopping at a CRC check.
 *
 * Seeds include a baseline checkpoint made by test/pth_writer.h and the data.pkl of the CFR-ICL
 * fixture (its config pickles a CrossEntropyLoss object, a set and a function reference).
 *   clang -g -O1 -fopenmp -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_pth.c \
 *         build-fuzz/libsamc-fuzz.a -lopenblas -lz -lm -o fuzz_pth && ./fuzz_pth fuzz/corpus/pth */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test/weights_builder.h"
#include "util/mem.h"
#include "weights/ckpt.h"
#include "weights/convert.h"
#include "weights/pickle.h"
#include "weights/sam_config.h"

/* Opens the bytes, tells the family, infers a SAM config and converts every tensor (reading
 * each element, so ASan checks every view really lies in its storage). */
static void read_checkpoint(const uint8_t *data, size_t size) {
    ckpt c;
    if (weights_ckpt_open_mem(&c, data, size, "fuzz") != 0) return;
    (void)weights_checkpoint_family(&c);
    if (c.config && !memchr(c.config, '=', strlen(c.config))) abort(); /* every line is key=value */
    sam_config cfg;
    if (weights_sam_config_infer(&c, 0, &cfg) == 0) {
        sam_key *keys = NULL;
        int n = 0;
        if (weights_sam_config_keys(&cfg, &keys, &n) == 0) free(keys);
    }
    for (int i = 0; i < c.n_tensors; i++) {
        size_t numel = 0;
        if (util_size_prod(c.tensors[i].shape, c.tensors[i].ndim, &numel) || numel > (1u << 22)) continue;
        if (c.storages[c.tensors[i].storage].dtype == CK_I64) {
            int64_t *v = malloc((numel ? numel : 1) * sizeof *v);
            if (v && weights_ckpt_read_i64(&c, &c.tensors[i], v) == 0) {
                volatile int64_t sum = 0;
                for (size_t k = 0; k < numel; k++) sum += v[k];
            }
            free(v);
            continue;
        }
        float *out = malloc((numel ? numel : 1) * sizeof *out);
        if (out && weights_ckpt_read_f32(&c, &c.tensors[i], out) == 0) {
            volatile float sum = 0;
            for (size_t k = 0; k < numel; k++) sum += out[k];
        }
        free(out);
    }
    weights_ckpt_close(&c);
}

static void read_pickle(const uint8_t *data, size_t size) {
    pk_heap h = {0};
    pk_value *v = NULL;
    size_t used = 0;
    (void)weights_pickle_load(&h, data, size, &used, &v);
    weights_pk_heap_free(&h);
}

static void read_wrapped(const uint8_t *data, size_t size) {
    static uint8_t blob[4][64];
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 64; k++) blob[i][k] = (uint8_t)(i * 64 + k);
    zb_entry e[] = {{"archive/data.pkl", data, size, 0}, {"archive/data/0", blob[0], 64, 0},
                    {"archive/data/1", blob[1], 64, 0},  {"archive/data/2", blob[2], 32, 1},
                    {"archive/data/3", blob[3], 16, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 5, size & 1, &zlen); /* odd sizes use ZIP64 records */
    read_checkpoint(z, zlen);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_checkpoint(data, size);
    read_pickle(data, size);
    read_wrapped(data, size);
    return 0;
}
