/* libFuzzer harness for the bounded gzip inflater behind .nii.gz (io/nifti_gzip.c).
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_gzip.c io/nifti_gzip.c \
 *         util/err.c util/mem.c -lz -o fuzz_gzip && ./fuzz_gzip fuzz/corpus/nifti */
#include <stdint.h>
#include <stdlib.h>

#include "io/nifti_gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *out;
    size_t len;
    /* the cap is taken from the first byte so that small caps (cut mid-stream) are tried too */
    size_t cap = size ? (size_t)data[0] << 12 : 0;
    if (io_gz_inflate_capped(data, size, cap, &out, &len) == 0) {
        if (len > cap) abort();
        free(out);
    }
    return 0;
}
