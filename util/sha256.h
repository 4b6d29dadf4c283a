/* SHA-256 (FIPS 180-4): content hashes for the embedding cache keys, embedding and model digests and `samc hash`. */
#ifndef SAMC_UTIL_SHA256_H
#define SAMC_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t n_bytes;       /* message length so far */
    uint8_t block[64];      /* pending partial block */
    size_t n_block;         /* bytes used in block */
} sha256_ctx;

void util_sha256_init(sha256_ctx *c);
void util_sha256_update(sha256_ctx *c, const void *data, size_t len);
void util_sha256_final(sha256_ctx *c, uint8_t digest[32]);

/* One-shot digest of a buffer. */
void util_sha256(const void *data, size_t len, uint8_t digest[32]);
/* Lower-case hex of a digest into hex[65] (NUL-terminated). */
void util_sha256_hex(const uint8_t digest[32], char hex[65]);
/* Digest of a whole file, read in chunks (any size). Returns 0 or -1 with a message. */
int util_sha256_file(const char *path, uint8_t digest[32]);

#endif
