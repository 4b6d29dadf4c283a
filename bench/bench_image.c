/* The benchmarks' test image: a 640 x 480 RGB PNG of smooth gradients with a little noise,
 * the same pixels on every run, so that samc and the official implementation encode the same
 * input. usage: bench_image OUT.png */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/png.h"
#include "util/err.h"

enum { W = 640, H = 480 };

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bench_image OUT.png\n");
        return 2;
    }
    static uint8_t px[H * W * 3];
    uint32_t seed = 7;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            seed = seed * 1664525u + 1013904223u;
            int noise = (int)(seed >> 28) - 8; /* -8 .. 7 */
            int v[3] = {x * 255 / (W - 1), y * 255 / (H - 1), (x + y) * 255 / (W + H - 2)};
            for (int c = 0; c < 3; c++) {
                int s = v[c] + noise;
                px[((size_t)y * W + x) * 3 + c] = (uint8_t)(s < 0 ? 0 : s > 255 ? 255 : s);
            }
        }
    png_image img = {.width = W, .height = H, .channels = 3, .bit_depth = 8, .pixels = px};
    if (io_png_write(argv[1], &img)) {
        fprintf(stderr, "bench_image: %s\n", samc_errmsg());
        return 1;
    }
    return 0;
}
