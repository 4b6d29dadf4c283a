/* Bounded gzip inflation for NIfTI files (.nii.gz, .hdr.gz, .img.gz).
 *
 * A .nii.gz header declares how much data follows; the reader inflates only that much and
 * grows its buffer as the stream actually delivers bytes, so a tiny file that lies about a
 * huge volume costs a truncation error, never a huge allocation. Concatenated gzip members
 * are read as one stream, as gunzip does. */
#ifndef SAMC_IO_NIFTI_GZIP_H
#define SAMC_IO_NIFTI_GZIP_H

#include <stddef.h>
/* next_in as a const pointer: the compressed input is never written */
#ifndef ZLIB_CONST
#define ZLIB_CONST
#endif
#include <zlib.h>

typedef struct {
    z_stream zs;
    const unsigned char *in; /* compressed bytes not yet handed to zlib start at in + used */
    size_t in_len, used;
    int ended;               /* the last member ended */
} gz_stream;

/* 1 when buf starts with the gzip magic bytes 1f 8b. */
int io_gz_is_gzip(const unsigned char *buf, size_t len);

int io_gz_stream_open(gz_stream *s, const unsigned char *in, size_t len);
/* Inflates up to n bytes into out; *got < n only when the stream has ended. 0, or -1 when
 * the stream is corrupt or ends mid-member. */
int io_gz_stream_read(gz_stream *s, unsigned char *out, size_t n, size_t *got);
/* Lets zlib finish the current member's trailer (CRC and length check) when the caller has
 * read all it needs; bytes past it are ignored. 0, or -1 if the check fails. */
int io_gz_stream_finish(gz_stream *s);
void io_gz_stream_close(gz_stream *s);

/* Appends inflated bytes to the head_len bytes at head until the result holds n bytes or the
 * stream ends, in a malloc'd *out grown only as data arrives; *got is the total (< n when the
 * stream ended early). 0 or -1. */
int io_gz_stream_read_alloc(gz_stream *s, const unsigned char *head, size_t head_len, size_t n, unsigned char **out,
                         size_t *got);

/* Inflates up to max_out bytes of a whole gzip buffer into a malloc'd *out, growing the
 * buffer only as data arrives. Stops at max_out even if the stream goes on. 0 or -1. */
int io_gz_inflate_capped(const unsigned char *in, size_t len, size_t max_out, unsigned char **out, size_t *out_len);

#endif
