/* libFuzzer harness for the JPEG decoder (io/jpeg.c over libjpeg-turbo): any bytes must give an
 * image or an error, never a crash, a sanitizer report, a hang (progressive scans are bounded),
 * an exit from inside libjpeg or a message printed by it.
 *
 * Each input's header is parsed from memory; an image of at most 16 MB decoded is decoded from
 * memory and, written to a memfd, through the file reader (libjpeg's stdio source), and every
 * sample is read so that ASan checks the buffer really holds them. Larger ones are only
 * header-checked: decoding them is correct but would take the fuzzer's memory limit.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. fuzz/fuzz_jpeg.c io/jpeg.c \
 *         util/err.c util/mem.c -ljpeg -o fuzz_jpeg && ./fuzz_jpeg fuzz/corpus/jpeg */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz_input.h"
#include "io/jpeg.h"

static void touch(const jpg_image *img, const jpg_header *h) {
    if (img->width != h->width || img->height != h->height || img->channels != h->channels) abort();
    volatile unsigned sum = 0;
    for (size_t i = 0; i < (size_t)img->width * img->height * img->channels; i++) sum += img->pixels[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    jpg_header h;
    if (io_jpg_parse_header(data, size, &h)) return 0;
    if ((size_t)h.width * h.height * h.channels > ((size_t)16 << 20)) return 0;
    jpg_image img;
    if (io_jpg_decode(data, size, &img) == 0) {
        touch(&img, &h);
        io_jpg_free(&img);
    }
    char path[64];
    if (fuzz_input_path(data, size, path, sizeof path)) return 0;
    if (io_jpg_read(path, &img) == 0) {
        touch(&img, &h);
        io_jpg_free(&img);
    }
    return 0;
}
