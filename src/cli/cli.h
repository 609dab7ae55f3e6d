/* The tmc command line: one function per subcommand. Only this folder
 * prints or exits; exit codes are 0 ok, 1 bad input or model, 2 usage. */
#ifndef TMC_CLI_CLI_H
#define TMC_CLI_CLI_H

#include <stdio.h>

#include "base/status.h"
#include "plan/plan.h"

enum { TMC_EXIT_OK = 0, TMC_EXIT_BAD_INPUT = 1, TMC_EXIT_USAGE = 2 };

int tmc_cmd_inspect(int argc, char **argv);
int tmc_cmd_run(int argc, char **argv);
int tmc_cmd_plan(int argc, char **argv);
int tmc_cmd_compile(int argc, char **argv);

/* Parses argv[*i] if it is one of the plan options (--io, --planner,
 * --limit), advancing *i past its value: 1 when consumed, 0 when not a plan
 * option, -1 after printing a usage error. */
int tmc_cli_plan_option(const char *cmd, int argc, char **argv, int *i,
                        tmc_plan_options *opts);

/* An argument of command cmd that none of its options took: the model path
 * when it is the first such argument; otherwise a usage error is printed
 * (an unknown option, or a second model). 0 when taken, else
 * TMC_EXIT_USAGE. */
int tmc_cli_operand(const char *cmd, const char *usage, const char *a, const char **path);
/* After the arguments: 0 when a model was given, else TMC_EXIT_USAGE after
 * "tmc <cmd>: no model given" and the usage. */
int tmc_cli_need_model(const char *cmd, const char *usage, const char *path);

/* Prints "tmc: <msg>" to stderr and returns the exit code for s. */
int tmc_cli_report(const tmc_diag *d);

#endif
