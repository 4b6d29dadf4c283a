/* Sorted listings of the files in a folder (data sets, run folders). */
#ifndef SAMC_EVAL_DIRLIST_H
#define SAMC_EVAL_DIRLIST_H

#include <stddef.h>

typedef struct {
    char **paths; /* malloc'd strings, sorted by strcmp */
    size_t n;
} path_list;

/* Regular files directly in dir (recursive = 0) or anywhere below it (1), skipping names
 * that start with '.' and unfinished temporary files ("*.tmp.*"). Paths are "dir/rel".
 * Returns 0 or -1 with a message. */
int eval_dir_list_files(const char *dir, int recursive, path_list *out);
/* Appends a copy of path. 0 or -1. */
int eval_path_list_add(path_list *l, const char *path);
void eval_path_list_sort(path_list *l);
void eval_path_list_free(path_list *l);

/* Deletes the unfinished temporary files ("*.tmp.*", util/file.h) directly in dir: those of
 * writes a kill cut short. A missing dir has none. */
void eval_dir_remove_temps(const char *dir);

/* 1 if path is an existing directory, else 0. */
int eval_is_dir(const char *path);
/* The last component of a path, without a directory ("a/b/c.png" -> "c.png"). */
const char *eval_path_base(const char *path);
/* malloc'd "a/b" (one slash between); NULL on out of memory (with a message). */
char *eval_path_join(const char *a, const char *b);

#endif
