#include "cli/file_kind.h"

#include <stdlib.h>

#include "cli/cli.h"
#include "io/nifti.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"

/* A NIfTI-2 header's size: more than any magic the dispatch looks at (PNG signature 8 bytes,
 * gzip 2, NIfTI sizeof_hdr 4). */
#define SNIFF_BYTES 540

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
