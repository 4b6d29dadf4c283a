/* A command's set of output files in one folder, in place all together or not at all.
 *
 * The files are written into a new sibling folder "DIR.tmp.PID"; util_output_dir_commit then puts
 * it in DIR's place in one step (renameat2 RENAME_EXCHANGE where the file system has it, two
 * renames otherwise) and removes the set it replaced, so no file of an older set (an older
 * run's mask_2.png) survives beside the new one. DIR must be new, empty, or hold only files
 * of the command's own set (`owns`): a folder holding anything else is refused when opened,
 * before any work, so nothing of the user's is ever removed. Temporaries of samc processes no
 * longer running ("DIR.tmp.PID" beside DIR, "NAME.tmp.PID" in it) are removed when found. */
#ifndef SAMC_UTIL_OUTPUT_DIR_H
#define SAMC_UTIL_OUTPUT_DIR_H

typedef struct {
    char *dir; /* the destination */
    char *tmp; /* the folder to write the files into */
} output_dir;

/* Is a file name one of the command's own outputs? */
typedef int (*output_dir_owns)(const char *name);

/* Checks DIR (as above), creates its parent folders and the temporary folder. 0 or -1. */
int util_output_dir_open(output_dir *od, const char *dir, output_dir_owns owns);
/* tmp/name into buf (size n); 0, or -1 if it does not fit */
int util_output_dir_file(const output_dir *od, const char *name, char *buf, unsigned long n);
/* Puts the written set in DIR's place. Always releases od; on failure DIR is as it was. */
int util_output_dir_commit(output_dir *od);
/* Removes the temporary folder; safe on an unopened or finished od. */
void util_output_dir_abort(output_dir *od);

#endif
