/* A read-only ZIP reader over bytes already in memory (usually an mmap of the file), for
 * PyTorch's zip checkpoints: central directory, ZIP64, stored and deflated entries.
 * Every offset and size read from the archive is checked against the buffer. */
#ifndef SAMC_WEIGHTS_ZIP_H
#define SAMC_WEIGHTS_ZIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name;            /* NUL-terminated copy of the entry name */
    int method;            /* 0 stored, 8 deflated */
    uint32_t crc;          /* CRC-32 of the uncompressed bytes */
    uint64_t comp_size;    /* bytes in the archive */
    uint64_t size;         /* bytes once uncompressed */
    uint64_t data_offset;  /* where the (compressed) bytes start in the buffer */
} zip_entry;

typedef struct {
    const uint8_t *buf;
    size_t len;
    zip_entry *entries;
    size_t n;
} zip_archive;

/* Parses the central directory; every entry's data range is checked to lie in the buffer.
 * Returns 0, or -1 with an error message. */
int weights_zip_open_mem(zip_archive *z, const uint8_t *buf, size_t len);
void weights_zip_close(zip_archive *z);

/* The entry called name, or NULL. */
const zip_entry *weights_zip_find(const zip_archive *z, const char *name);

/* The entry's uncompressed bytes, CRC-checked. Stored entries point into the buffer
 * (*owned = NULL); deflated ones are inflated into *owned (free it). */
int weights_zip_entry_data(const zip_archive *z, const zip_entry *e, const uint8_t **data, uint8_t **owned);

#endif
