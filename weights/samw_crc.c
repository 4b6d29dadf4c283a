/* The .samw metadata CRC (weights/FORMAT.md). */
#include "util/crc32.h"
#include "weights/samw_layout.h"

uint32_t samw_meta_crc(const uint8_t *header, const uint8_t *rest, size_t rest_bytes) {
    uint32_t c = util_crc32_update(0, header, SAMW_OFF_META_CRC);
    c = util_crc32_update(c, header + SAMW_OFF_META_CRC + 4, SAMW_HEADER_BYTES - SAMW_OFF_META_CRC - 4);
    return util_crc32_update(c, rest, rest_bytes);
}
