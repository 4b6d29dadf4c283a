#include "cli/file_kind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/nifti.h"
#include "io/png.h"
#include "util/err.h"
#include "util/mem.h"

/* A NIfTI-2 header's size: more than any magic the dispatch looks at (PNG signature 8 bytes,
 * gzip 2, NIfTI sizeof_hdr 4). */
#define SNIFF_BYTES 540

int read_file_head(const char *path, size_t cap, unsigned char **buf, size_t *len) {
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return samc_err("%s: %s", path, strerror(errno));
    struct stat st;
    unsigned char *b = NULL;
    size_t n = 0;
    int rc = 0;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) rc = samc_err("%s: not a regular file", path);
    else n = (unsigned long long)st.st_size < cap ? (size_t)st.st_size : cap;
    if (rc == 0 && !(b = xmalloc_array(n + 1, 1))) rc = -1;
    if (rc == 0 && n && fread(b, 1, n, fp) != n) rc = samc_err("%s: read error", path);
    fclose(fp);
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return 0;
}

int sniff_file(const char *cmd, const char *path, file_kind *kind) {
    unsigned char *head;
    size_t len;
    if (read_file_head(path, SNIFF_BYTES, &head, &len)) return cli_lib_error(cmd);
    int png = png_is_png(head, len), nifti = nifti_is_nifti(path, head, len);
    free(head);
    if (!png && !nifti) return cli_error(cmd, "%s: unrecognised file format (supported: PNG, NIfTI)", path);
    *kind = png ? FILE_PNG : FILE_NIFTI;
    return 0;
}
