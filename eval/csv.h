/* Minimal RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
#ifndef SAMC_EVAL_CSV_H
#define SAMC_EVAL_CSV_H

#include <stddef.h>

/* A growable text buffer. */
typedef struct {
    char *s;
    size_t n, cap;
    int failed; /* an allocation failed: the content is incomplete */
} strbuf;

void eval_sb_putn(strbuf *b, const char *s, size_t n);
void eval_sb_puts(strbuf *b, const char *s);
void eval_sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eval_sb_free(strbuf *b);

/* Appends one field, quoted if needed (no separator). */
void eval_csv_field(strbuf *b, const char *field);
/* Appends one field, always quoted (a value whose outer spaces must survive trimming). */
void eval_csv_field_quoted(strbuf *b, const char *field);

/* Splits one line (no trailing newline; a '\r' before it is dropped) into at most max_fields
 * fields, unquoting in place. Returns the number of fields, or -1 on a malformed line
 * (unterminated quote, text after a closing quote) or too many fields. */
int eval_csv_split(char *line, char **fields, int max_fields);

/* The next line of text at *p (advances *p past its '\n'); NULL at the end. The line is
 * NUL-terminated in place. A last line without '\n' is returned with *complete = 0. */
char *eval_next_line(char **p, char *end, int *complete);
/* The same for one CSV record: a line break inside a quoted field belongs to the field (an
 * image named with a newline), so the record ends at the first '\n' outside quotes. */
char *eval_csv_next_record(char **p, char *end, int *complete);

#endif
