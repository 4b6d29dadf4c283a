#include "util/crc32.h"

#include <zlib.h>

uint32_t util_crc32_update(uint32_t crc, const uint8_t *p, uint64_t n) {
    uLong c = crc;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}
