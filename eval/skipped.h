/* OUT/skipped.txt: the images (or volumes) of a run that could not be read, one per line:
 *
 *   image NAME: MESSAGE
 *   volume NAME: MESSAGE
 *
 * NAME is the results file name (eval_results_item_name: no spaces or colons), MESSAGE the error
 * with control characters escaped (\n, \t, \xHH), so a line is one entry. `samc eval
 * --skip-bad` adds the entry of a file it could not read and goes on; any later run drops
 * the entry once that file is read. The file is rewritten atomically after each change and
 * removed when no entry is left; `samc report` counts its entries. */
#ifndef SAMC_EVAL_SKIPPED_H
#define SAMC_EVAL_SKIPPED_H

#include <stddef.h>

#define SKIPPED_FILE "skipped.txt"

typedef struct {
    char **lines; /* without the line break, in the order they were added */
    size_t n;
} skip_list;

/* The entries of OUT/skipped.txt (none when there is no file). A line that is not an entry
 * is dropped with a warning on stderr (the next write leaves it out). 0 or -1. */
int eval_skip_list_read(const char *out, skip_list *l);
/* Parses the file's text (buf is modified; what names it in warnings). 0 or -1. */
int eval_skip_list_parse(char *buf, size_t len, const char *what, skip_list *l);
/* Adds the entry of NAME, or replaces it. 0 or -1. */
int eval_skip_list_set(skip_list *l, int volume, const char *name, const char *msg);
/* Adds the entries of from whose NAME into lacks (samc merge). 0 or -1. */
int eval_skip_list_join(skip_list *into, const skip_list *from);
/* Drops the entry of NAME: 1 if there was one, else 0. */
int eval_skip_list_remove(skip_list *l, const char *name);
/* Writes OUT/skipped.txt atomically; with no entries, removes it. 0 or -1. */
int eval_skip_list_write(const char *out, const skip_list *l);
void eval_skip_list_free(skip_list *l);

/* The entries of OUT/skipped.txt (none when there is no file): of images and of volumes.
 * 0 or -1. */
int eval_skipped_count(const char *out, size_t *n_images, size_t *n_volumes);

#endif
