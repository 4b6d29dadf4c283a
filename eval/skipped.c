#include "eval/skipped.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/csv.h"
#include "eval/dirlist.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

#define SKIPPED_MAX_BYTES (64u << 20)

/* The NAME of an entry line ("image NAME: ..."): its start and length, or 0 if the line is
 * not an entry. */
static size_t entry_name(const char *line, const char **name) {
    const char *p = !strncmp(line, "image ", 6) ? line + 6 : !strncmp(line, "volume ", 7) ? line + 7 : NULL;
    if (!p) return 0;
    size_t n = strcspn(p, " :");
    if (!n || strncmp(p + n, ": ", 2)) return 0;
    *name = p;
    return n;
}

static ssize_t find_entry(const skip_list *l, const char *name) {
    size_t want = strlen(name);
    for (size_t i = 0; i < l->n; i++) {
        const char *p;
        size_t n = entry_name(l->lines[i], &p);
        if (n == want && !memcmp(p, name, n)) return (ssize_t)i;
    }
    return -1;
}

static int append_line(skip_list *l, char *line) {
    /* the capacity is at least the power of two at or above n (removals only lower n), so it
     * can be full only at 0 or a power of two; there it is set to 2n */
    if ((l->n & (l->n - 1)) == 0) {
        size_t cap = l->n ? l->n * 2 : 1, bytes;
        if (util_size_mul(cap, sizeof *l->lines, &bytes)) return -1;
        char **v = realloc(l->lines, bytes);
        if (!v) return util_err("out of memory");
        l->lines = v;
    }
    l->lines[l->n++] = line;
    return 0;
}

int eval_skip_list_parse(char *buf, size_t len, const char *what, skip_list *l) {
    memset(l, 0, sizeof *l);
    char *p = buf, *end = buf + len, *line;
    int complete;
    size_t lineno = 0;
    while ((line = eval_next_line(&p, end, &complete)) != NULL) {
        lineno++;
        const char *name;
        if (!*line) continue;
        if (!entry_name(line, &name)) {
            fprintf(stderr, "samc: warning: %s:%zu: not 'image NAME: MESSAGE'; dropped\n", what, lineno);
            continue;
        }
        char *copy = strdup(line);
        if (!copy || append_line(l, copy)) {
            free(copy);
            eval_skip_list_free(l);
            return util_err("out of memory");
        }
    }
    return 0;
}

int eval_skip_list_read(const char *out, skip_list *l) {
    memset(l, 0, sizeof *l);
    char *path = eval_path_join(out, SKIPPED_FILE);
    if (!path) return -1;
    unsigned char *buf;
    size_t len;
    int rc = 0;
    if (access(path, F_OK) != 0) {
        if (errno != ENOENT) rc = util_err("%s: %s", path, strerror(errno));
    } else if ((rc = util_read_whole_file(path, SKIPPED_MAX_BYTES, &buf, &len)) == 0) {
        rc = eval_skip_list_parse((char *)buf, len, path, l);
        free(buf);
    }
    free(path);
    return rc;
}

/* The message on one line: control characters as \n, \r, \t or \xHH, a backslash doubled. */
static void put_escaped(strbuf *b, const char *msg) {
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '\n') eval_sb_puts(b, "\\n");
        else if (*p == '\r') eval_sb_puts(b, "\\r");
        else if (*p == '\t') eval_sb_puts(b, "\\t");
        else if (*p == '\\') eval_sb_puts(b, "\\\\");
        else if (*p < 0x20 || *p == 0x7f) eval_sb_printf(b, "\\x%02x", *p);
        else eval_sb_putn(b, (const char *)p, 1);
    }
}

int eval_skip_list_set(skip_list *l, int volume, const char *name, const char *msg) {
    strbuf b = {0};
    eval_sb_printf(&b, "%s %s: ", volume ? "volume" : "image", name);
    put_escaped(&b, msg);
    if (b.failed) {
        eval_sb_free(&b);
        return util_err("out of memory");
    }
    ssize_t i = find_entry(l, name);
    if (i >= 0) {
        free(l->lines[i]);
        l->lines[i] = b.s;
        return 0;
    }
    if (append_line(l, b.s)) {
        eval_sb_free(&b);
        return -1;
    }
    return 0;
}

int eval_skip_list_join(skip_list *into, const skip_list *from) {
    for (size_t i = 0; i < from->n; i++) {
        const char *p;
        size_t n = entry_name(from->lines[i], &p);
        char name[4096];
        if (!n || n >= sizeof name) continue;
        memcpy(name, p, n);
        name[n] = 0;
        if (find_entry(into, name) >= 0) continue; /* the same shard given twice */
        char *line = strdup(from->lines[i]);
        if (!line || append_line(into, line)) {
            free(line);
            return util_err("out of memory");
        }
    }
    return 0;
}

int eval_skip_list_remove(skip_list *l, const char *name) {
    ssize_t i = find_entry(l, name);
    if (i < 0) return 0;
    free(l->lines[i]);
    memmove(l->lines + i, l->lines + i + 1, (l->n - (size_t)i - 1) * sizeof *l->lines);
    l->n--;
    return 1;
}

int eval_skip_list_write(const char *out, const skip_list *l) {
    char *path = eval_path_join(out, SKIPPED_FILE);
    if (!path) return -1;
    int rc = 0;
    if (!l->n) {
        if (unlink(path) != 0 && errno != ENOENT) rc = util_err("%s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    strbuf b = {0};
    for (size_t i = 0; i < l->n; i++) eval_sb_puts(&b, l->lines[i]), eval_sb_puts(&b, "\n");
    rc = b.failed ? util_err("out of memory") : util_write_file_atomic(path, b.s, b.n);
    eval_sb_free(&b);
    free(path);
    return rc;
}

void eval_skip_list_free(skip_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->lines[i]);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

int eval_skipped_count(const char *out, size_t *n_images, size_t *n_volumes) {
    *n_images = *n_volumes = 0;
    skip_list l;
    if (eval_skip_list_read(out, &l)) return -1;
    for (size_t i = 0; i < l.n; i++) {
        if (l.lines[i][0] == 'v') (*n_volumes)++;
        else (*n_images)++;
    }
    eval_skip_list_free(&l);
    return 0;
}
