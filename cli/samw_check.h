/* Checking a .samw from the command line: `samc verify` and `samc info MODEL.samw`. */
#ifndef SAMC_CLI_SAMW_CHECK_H
#define SAMC_CLI_SAMW_CHECK_H

/* Opens path (header, table and their checksum), then reads all tensor data and checks its
 * CRC-32. facts = 1: first prints the model's facts as "key: value" lines (samc info); then
 * "PATH: ok ..." on success. 0, or 1 after printing the error. */
int cli_samw_check(const char *cmd, const char *path, int facts);

#endif
