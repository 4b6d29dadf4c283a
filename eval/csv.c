#include "eval/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int sb_reserve(strbuf *b, size_t extra) {
    if (b->failed) return -1;
    if (b->n + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return util_err("text too large");
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return util_err("out of memory");
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void eval_sb_putn(strbuf *b, const char *s, size_t n) {
    if (sb_reserve(b, n)) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void eval_sb_puts(strbuf *b, const char *s) { eval_sb_putn(b, s, strlen(s)); }

void eval_sb_printf(strbuf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        eval_sb_putn(b, small, (size_t)n);
        return;
    }
    if (sb_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void eval_sb_free(strbuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

void eval_csv_field_quoted(strbuf *b, const char *field) {
    eval_sb_putn(b, "\"", 1);
    for (const char *p = field; *p; p++) {
        if (*p == '"') eval_sb_putn(b, "\"", 1);
        eval_sb_putn(b, p, 1);
    }
    eval_sb_putn(b, "\"", 1);
}

void eval_csv_field(strbuf *b, const char *field) {
    if (strpbrk(field, ",\"\r\n")) eval_csv_field_quoted(b, field);
    else eval_sb_puts(b, field);
}

int eval_csv_split(char *line, char **fields, int max_fields) {
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[--len] = 0;
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        if (n == max_fields) return -1;
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (!*r) return -1; /* unterminated quote */
                if (*r == '"') {
                    if (r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            if (*r && *r != ',') return -1;
        } else {
            while (*r && *r != ',') {
                if (*r == '"') return -1;
                *w++ = *r++;
            }
        }
        if (!*r) {
            *w = 0;
            return n;
        }
        *w++ = 0; /* replaces the ',' (w <= r) */
        r++;
    }
}

char *eval_next_line(char **p, char *end, int *complete) {
    if (*p >= end) return NULL;
    char *line = *p;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (nl) {
        *nl = 0;
        *p = nl + 1;
        *complete = 1;
    } else {
        *p = end;
        *complete = 0; /* caller's buffer has a NUL at end (util_read_whole_file) */
    }
    return line;
}

char *eval_csv_next_record(char **p, char *end, int *complete) {
    if (*p >= end) return NULL;
    char *rec = *p;
    int quoted = 0; /* a doubled quote toggles twice: still inside */
    for (char *c = rec; c < end; c++) {
        if (*c == '"') quoted = !quoted;
        else if (*c == '\n' && !quoted) {
            *c = 0;
            *p = c + 1;
            *complete = 1;
            return rec;
        }
    }
    *p = end;
    *complete = 0;
    return rec;
}
