/* The tmc command line: one function per subcommand. Only this folder
 * prints or exits; exit codes are 0 ok, 1 bad input or model, 2 usage. */
#ifndef TMC_CLI_CLI_H
#define TMC_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/status.h"
#include "plan/plan.h"

enum { TMC_EXIT_OK = 0, TMC_EXIT_BAD_INPUT = 1, TMC_EXIT_USAGE = 2 };

int tmc_cmd_inspect(int argc, char **argv);
int tmc_cmd_run(int argc, char **argv);
int tmc_cmd_plan(int argc, char **argv);
int tmc_cmd_compile(int argc, char **argv);
int tmc_cmd_train(int argc, char **argv);

/* The bits of *seen (tmc_cli_once) the plan options take; a command's own
 * options use TMC_CLI_SEEN_FREE and up. */
enum {
  TMC_CLI_SEEN_IO = 1u << 0,
  TMC_CLI_SEEN_PLANNER = 1u << 1,
  TMC_CLI_SEEN_LIMIT = 1u << 2,
  TMC_CLI_SEEN_PATCH = 1u << 3,
  TMC_CLI_SEEN_TARGET = 1u << 4,
  TMC_CLI_SEEN_FREE = 1u << 5
};

/* Parses argv[*i] if it is one of the plan options (--io, --planner,
 * --limit, --patch, --target), advancing *i past its value: 1 when consumed, 0 when
 * not a plan option, -1 after printing a usage error (a bad value, or the
 * option given twice: *seen records the ones given). */
int tmc_cli_plan_option(const char *cmd, int argc, char **argv, int *i,
                        tmc_plan_options *opts, unsigned *seen);

/* Every option but run's --input may be given once: true the first time
 * (setting bit in *seen), false after "tmc <cmd>: FLAG given twice". */
bool tmc_cli_once(const char *cmd, const char *flag, unsigned *seen, unsigned bit);

/* The value v of an integer option: decimal digits with an optional '-',
 * nothing else (no blanks, '+' or trailing characters), in [lo, hi]. False
 * after the usage error "tmc <cmd>: FLAG 'V' is not WHAT (...)" saying
 * whether v is no number or out of range. */
bool tmc_cli_int(const char *cmd, const char *flag, const char *v, long long lo,
                 long long hi, const char *what, long long *out);

/* Text from a model (tensor, op and model names; messages holding them)
 * made safe for a terminal: bytes below 0x20, 0x7f and bytes that are not
 * valid UTF-8 become \xNN. The result is in one of 8 static buffers used in
 * turn (so up to 8 may appear in one printf), cut with "..." past 1 KiB. */
const char *tmc_cli_esc(const char *s);
/* d's message (which may quote model text) to f, escaped the same way but
 * for the newlines that start its continuation lines (d->line_at); not
 * cut. */
void tmc_cli_put_diag(FILE *f, const tmc_diag *d);

/* After a command: flushes standard output; when it could not be written,
 * prints "tmc: cannot write standard output: <reason>" and returns 1 (or
 * rc if that already is an error), else rc. */
int tmc_cli_stdout_done(int rc);

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
