/* Subcommands of the pprofd binary. Each returns the process exit code:
 * 0 ok, 1 runtime error, 2 usage error. */
#ifndef PD_CLI_H
#define PD_CLI_H

enum { PD_EXIT_OK = 0, PD_EXIT_ERROR = 1, PD_EXIT_USAGE = 2 };

int pd_cmd_merge(int argc, char **argv);
int pd_cmd_diff(int argc, char **argv);
int pd_cmd_version(int argc, char **argv);
int pd_cmd_check_config(int argc, char **argv);
int pd_cmd_run(int argc, char **argv);
int pd_cmd_import(int argc, char **argv);

#endif
