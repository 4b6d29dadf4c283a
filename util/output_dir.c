#include "util/output_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/file.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* "NAME.tmp.PID" of a process that is gone: a temporary a killed samc left behind. A live
 * process (or one this user may not signal) keeps its file. */
static int stale_temporary(const char *name, const char *base) {
    const char *t = strstr(name, ".tmp.");
    if (!t || (base && ((size_t)(t - name) != strlen(base) || strncmp(name, base, (size_t)(t - name)))))
        return 0;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    if (*end || end == t + 5 || pid <= 0 || pid == (long)getpid()) return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* removes a folder of plain files (the only kind samc writes) */
static int remove_flat_dir(const char *path) {
    DIR *d = opendir(path);
    if (!d) return util_err("%s: %s", path, strerror(errno));
    struct dirent *e;
    char file[4096];
    int rc = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (snprintf(file, sizeof file, "%s/%s", path, e->d_name) >= (int)sizeof file || unlink(file) != 0))
            rc = util_err("%s: cannot remove %s", path, e->d_name);
    closedir(d);
    if (rc == 0 && rmdir(path) != 0) rc = util_err("%s: cannot remove: %s", path, strerror(errno));
    return rc;
}

/* every entry of dir is a plain file of the command's own (stale temporaries removed); 0 or
 * -1 naming one that is not */
static int check_contents(const char *dir, output_dir_owns owns) {
    DIR *d = opendir(dir);
    if (!d) return util_err("%s: %s", dir, strerror(errno));
    struct dirent *e;
    struct stat st;
    char file[4096];
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int plain = snprintf(file, sizeof file, "%s/%s", dir, e->d_name) < (int)sizeof file &&
                    lstat(file, &st) == 0 && S_ISREG(st.st_mode);
        if (plain && stale_temporary(e->d_name, NULL))
            unlink(file);
        else if (!plain || !owns(e->d_name))
            rc = util_err("%s: holds '%s', not an output of this command; give a new or empty folder (samc "
                          "replaces the whole folder's contents)", dir, e->d_name);
    }
    closedir(d);
    return rc;
}

/* removes "BASE.tmp.PID" folders of gone processes from parent */
static void remove_stale_siblings(const char *parent, const char *base) {
    DIR *d = opendir(parent);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)))
        if (stale_temporary(e->d_name, base) && snprintf(path, sizeof path, "%s/%s", parent, e->d_name) < (int)sizeof path)
            remove_flat_dir(path);
    closedir(d);
}

int util_output_dir_open(output_dir *od, const char *dir, output_dir_owns owns) {
    memset(od, 0, sizeof *od);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n == 0 || n > 3900) return util_err("output folder name empty or too long");
    if (!(od->dir = malloc(n + 1))) return util_err("out of memory");
    memcpy(od->dir, dir, n);
    od->dir[n] = 0;
    const char *slash = strrchr(od->dir, '/'), *base = slash ? slash + 1 : od->dir;
    if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(od->dir, "/")) {
        util_output_dir_abort(od);
        return util_err("%s: give the output folder a name of its own (its contents are replaced)", dir);
    }
    char parent[4096];
    snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - od->dir) + (slash == od->dir) : 1,
             slash ? od->dir : ".");
    struct stat st;
    int rc = 0;
    if (stat(od->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) rc = util_err("%s: exists and is not a folder", od->dir);
        else rc = check_contents(od->dir, owns);
    } else if (errno != ENOENT) {
        rc = util_err("%s: %s", od->dir, strerror(errno));
    }
    if (rc == 0) rc = util_make_dirs(parent);
    char *tmp = rc == 0 ? malloc(n + 32) : NULL;
    if (rc == 0 && !tmp) rc = util_err("out of memory");
    if (rc == 0) {
        remove_stale_siblings(parent, base);
        snprintf(tmp, n + 32, "%s.tmp.%ld", od->dir, (long)getpid());
        if (mkdir(tmp, 0777) != 0) rc = util_err("%s: cannot create: %s", tmp, strerror(errno));
    }
    if (rc) {
        free(tmp); /* not created: nothing to remove */
        util_output_dir_abort(od);
    } else {
        od->tmp = tmp; /* set once the folder exists */
    }
    return rc;
}

int util_output_dir_file(const output_dir *od, const char *name, char *buf, unsigned long n) {
    if (snprintf(buf, n, "%s/%s", od->tmp, name) >= (int)n) return util_err("%s: output path too long", od->dir);
    return 0;
}

int util_output_dir_commit(output_dir *od) {
    int rc = 0;
    if (rename(od->tmp, od->dir) == 0) { /* DIR was new (or an empty folder) */
        free(od->tmp);
        od->tmp = NULL;
    } else if (errno == ENOTEMPTY || errno == EEXIST) {
        /* swap the sets in one step; the old one then sits at tmp and goes */
        if (renameat2(AT_FDCWD, od->tmp, AT_FDCWD, od->dir, RENAME_EXCHANGE) != 0) {
            char old[4096];
            snprintf(old, sizeof old, "%s.old.%ld", od->dir, (long)getpid());
            if (rename(od->dir, old) != 0) rc = util_err("%s: cannot replace: %s", od->dir, strerror(errno));
            else if (rename(od->tmp, od->dir) != 0) {
                rc = util_err("%s: cannot replace: %s", od->dir, strerror(errno));
                rename(old, od->dir);
            } else {
                remove_flat_dir(old);
                free(od->tmp);
                od->tmp = NULL;
            }
        }
    } else {
        rc = util_err("%s: cannot create: %s", od->dir, strerror(errno));
    }
    util_output_dir_abort(od); /* removes tmp: the old set after a swap, the new one on failure */
    return rc;
}

void util_output_dir_abort(output_dir *od) {
    if (od->tmp) remove_flat_dir(od->tmp);
    free(od->tmp);
    free(od->dir);
    od->tmp = od->dir = NULL;
}
