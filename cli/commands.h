/* The subcommands of samc, one per cli/cmd_NAME.c (see cli/cli.h for the conventions). */
#ifndef SAMC_CLI_COMMANDS_H
#define SAMC_CLI_COMMANDS_H

int cmd_version(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_preprocess(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_everything(int argc, char **argv);

#endif
