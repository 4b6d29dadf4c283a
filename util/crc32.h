/* CRC-32 (zlib's, the one of zip and PNG) over buffers of any size. */
#ifndef SAMC_UTIL_CRC32_H
#define SAMC_UTIL_CRC32_H

#include <stdint.h>

/* The CRC-32 of the bytes before p (crc; 0 to start) extended by p[0..n). zlib's crc32 takes
 * 32-bit lengths: this feeds it in chunks. */
uint32_t util_crc32_update(uint32_t crc, const uint8_t *p, uint64_t n);

#endif
