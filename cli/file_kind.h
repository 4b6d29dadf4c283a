/* The image formats `samc dump` and `samc info` read, told apart by a file's first bytes so
 * that neither command reads a whole file (up to gigabytes) only to look at its magic. A
 * folder is a DICOM series (io/dicom.h). */
#ifndef SAMC_CLI_FILE_KIND_H
#define SAMC_CLI_FILE_KIND_H

#include <stddef.h>

typedef enum { FILE_PNG, FILE_NIFTI, FILE_JPEG, FILE_DICOM } file_kind;

/* The kind of the file at path, from its first bytes (and, for a NIfTI .hdr/.img pair, its
 * name); a folder is FILE_DICOM. 0, or 1 after printing "samc CMD: ..." when it cannot be
 * read or is no known kind. */
int sniff_file(const char *cmd, const char *path, file_kind *kind);

#endif
