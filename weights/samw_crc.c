#include <zlib.h>

#include "weights/samw_layout.h"

uint32_t samw_crc32(uint32_t crc, const uint8_t *p, uint64_t n) {
    uLong c = crc;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}

uint32_t samw_meta_crc(const uint8_t *header, const uint8_t *table, size_t table_bytes) {
    uint32_t c = samw_crc32(0, header, SAMW_OFF_META_CRC);
    c = samw_crc32(c, header + SAMW_OFF_META_CRC + 4, SAMW_HEADER_BYTES - SAMW_OFF_META_CRC - 4);
    return samw_crc32(c, table, table_bytes);
}
