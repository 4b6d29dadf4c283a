#include "io/nifti_gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

int io_gz_is_gzip(const unsigned char *buf, size_t len) { return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b; }

int io_gz_stream_open(gz_stream *s, const unsigned char *in, size_t len) {
    memset(s, 0, sizeof *s);
    s->in = in;
    s->in_len = len;
    /* 16 + MAX_WBITS: expect a gzip wrapper (header, CRC-32 and length trailer) */
    if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) return util_err("zlib: cannot start inflating");
    return 0;
}

void io_gz_stream_close(gz_stream *s) {
    inflateEnd(&s->zs);
    memset(s, 0, sizeof *s);
}

/* zlib counts input in uInt: hand it the compressed bytes in chunks of at most UINT_MAX. */
static void feed_input(gz_stream *s) {
    if (s->zs.avail_in || s->used == s->in_len) return;
    size_t chunk = s->in_len - s->used;
    if (chunk > UINT_MAX) chunk = UINT_MAX;
    s->zs.next_in = s->in + s->used;
    s->zs.avail_in = (uInt)chunk;
    s->used += chunk;
}

/* At the end of a member: carry on if another gzip member follows, else the stream ended
 * (bytes after the last member that are not a gzip member are ignored, as gunzip warns). */
static int next_member(gz_stream *s) {
    size_t pos = (size_t)(s->zs.next_in - s->in);
    s->used = pos;
    s->zs.avail_in = 0;
    if (!io_gz_is_gzip(s->in + pos, s->in_len - pos)) {
        s->ended = 1;
        return 0;
    }
    if (inflateReset(&s->zs) != Z_OK) return util_err("zlib: cannot restart inflating");
    return 0;
}

int io_gz_stream_read(gz_stream *s, unsigned char *out, size_t n, size_t *got) {
    *got = 0;
    while (*got < n && !s->ended) {
        feed_input(s);
        size_t want = n - *got;
        if (want > UINT_MAX) want = UINT_MAX;
        s->zs.next_out = out + *got;
        s->zs.avail_out = (uInt)want;
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        *got += want - s->zs.avail_out;
        if (rc == Z_STREAM_END) {
            if (next_member(s)) return -1;
        } else if (rc == Z_BUF_ERROR && s->zs.avail_in == 0 && s->used == s->in_len) {
            return util_err("gzip stream is truncated (it ends inside a member)");
        } else if (rc != Z_OK) {
            return util_err("gzip stream is corrupt (%s)", s->zs.msg ? s->zs.msg : "zlib error");
        }
    }
    return 0;
}

int io_gz_stream_finish(gz_stream *s) {
    unsigned char scratch[64];
    size_t got;
    return io_gz_stream_read(s, scratch, sizeof scratch, &got);
}

int io_gz_stream_read_alloc(gz_stream *s, const unsigned char *head, size_t head_len, size_t n, unsigned char **out,
                         size_t *got) {
    *out = NULL;
    *got = 0;
    if (head_len > n) head_len = n;
    /* start small (or at what is already in hand) and double as the stream keeps delivering */
    size_t cap = head_len > ((size_t)1 << 16) ? head_len : (size_t)1 << 16;
    if (cap > n) cap = n;
    unsigned char *buf = util_xmalloc_array(cap ? cap : 1, 1);
    if (!buf) return -1;
    if (head_len) memcpy(buf, head, head_len);
    size_t have = head_len;
    while (have < n) {
        if (have == cap) {
            size_t next = cap > n / 2 ? n : cap * 2;
            unsigned char *bigger = util_xmalloc_array(next, 1);
            if (!bigger) {
                free(buf);
                return -1;
            }
            memcpy(bigger, buf, have);
            free(buf);
            buf = bigger;
            cap = next;
        }
        size_t g;
        if (io_gz_stream_read(s, buf + have, cap - have, &g)) {
            free(buf);
            return -1;
        }
        have += g;
        if (have < cap) break; /* the stream ended */
    }
    *out = buf;
    *got = have;
    return 0;
}

int io_gz_inflate_capped(const unsigned char *in, size_t len, size_t max_out, unsigned char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    gz_stream s;
    if (io_gz_stream_open(&s, in, len)) return -1;
    unsigned char *buf = NULL;
    size_t have = 0;
    if (io_gz_stream_read_alloc(&s, NULL, 0, max_out, &buf, &have) || io_gz_stream_finish(&s)) {
        free(buf);
        io_gz_stream_close(&s);
        return -1;
    }
    io_gz_stream_close(&s);
    *out = buf;
    *out_len = have;
    return 0;
}
