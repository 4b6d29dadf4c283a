#include "cli/file_kind.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/dicom.h"
#include "io/jpeg.h"
#include "io/nifti.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"

/* A NIfTI-2 header's size: more than any magic the dispatch looks at (PNG signature 8 bytes,
 * JPEG 3, DICOM "DICM" at 128, gzip 2, NIfTI sizeof_hdr 4). */
#define SNIFF_BYTES 540

int sniff_file(const char *cmd, const char *path, file_kind *kind) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        *kind = FILE_DICOM;
        return 0;
    }
    unsigned char *head;
    size_t len;
    if (util_read_file_head(path, SNIFF_BYTES, &head, &len)) return cli_lib_error(cmd);
    /* the magics first; then NIfTI, whose .hdr/.img pairs go by name and whose .img can start
     * with any bytes; last a DICOM data set without the "DICM" preamble, told by its first
     * element only */
    int dicm = len >= 132 && !memcmp(head + 128, "DICM", 4);
    if (io_png_is_png(head, len)) *kind = FILE_PNG;
    else if (io_jpg_is_jpeg(head, len)) *kind = FILE_JPEG;
    else if (dicm) *kind = FILE_DICOM;
    else if (io_nifti_is_nifti(path, head, len)) *kind = FILE_NIFTI;
    else if (io_dicom_is_dicom(head, len)) *kind = FILE_DICOM;
    else {
        free(head);
        return cli_error(cmd, "%s: unrecognised file format (supported: PNG, JPEG, NIfTI, DICOM)", path);
    }
    free(head);
    return 0;
}
