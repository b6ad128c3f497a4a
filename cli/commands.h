/* Subcommands of the `cairn` binary. Each returns the process exit status:
 * 0 success, 1 a proof/claim is invalid or the check failed, 2 usage or
 * input error (STYLE.md, "The CLI"). Subcommands that run a guest return
 * its exit code instead (cairn exec, like qemu-riscv32). */
#ifndef CAIRN_CLI_COMMANDS_H
#define CAIRN_CLI_COMMANDS_H

#include "util.h" /* EXIT_*, option parser, error reporting */

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} cli_command;

int cmd_bench(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_submit(int argc, char **argv);

#endif
