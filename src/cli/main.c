/* tmc: entry point, subcommand dispatch, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef TMC_VERSION
#define TMC_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: tmc <command> [options]\n"
    "\n"
    "tmc, the Tiny Model Compiler: int8 TensorFlow Lite models to small C code\n"
    "for microcontrollers.\n"
    "\n"
    "commands:\n"
    "  inspect MODEL [--json]   operators, tensors, MACs, weights and quantization\n"
    "  run MODEL ... --out DIR  run the model on this machine (bit-exact with TFLite)\n"
    "  plan MODEL [...]         the memory plan: arena bytes, lower bounds, JSON, SVG\n"
    "  compile MODEL -o DIR     generate self-contained C for a microcontroller\n"
    "  train MODEL --data DIR   fine-tune the model on IDX data (sparse update, QAS)\n"
    "\n"
    "options:\n"
    "  -h, --help               this message ('tmc <command> --help' for one command)\n"
    "  --version                the version of tmc\n"
    "\n"
    "exit codes: 0 ok, 1 bad input or model, 2 usage error\n";

int tmc_cli_report(const tmc_diag *d) {
  /* messages quote tensor, op and file names from the model */
  fputs("tmc: ", stderr);
  tmc_cli_put_diag(stderr, d);
  fputc('\n', stderr);
  return d->status == TMC_ERR_USAGE ? TMC_EXIT_USAGE : TMC_EXIT_BAD_INPUT;
}

static int command(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return TMC_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return TMC_EXIT_OK;
  }
  if (!strcmp(cmd, "--version")) {
    printf("tmc %s\n", TMC_VERSION);
    return TMC_EXIT_OK;
  }
  if (!strcmp(cmd, "inspect")) return tmc_cmd_inspect(argc - 2, argv + 2);
  if (!strcmp(cmd, "run")) return tmc_cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "plan")) return tmc_cmd_plan(argc - 2, argv + 2);
  if (!strcmp(cmd, "compile")) return tmc_cmd_compile(argc - 2, argv + 2);
  if (!strcmp(cmd, "train")) return tmc_cmd_train(argc - 2, argv + 2);
  fprintf(stderr, "tmc: unknown command '%s'\n\n%s", tmc_cli_esc(cmd), usage);
  return TMC_EXIT_USAGE;
}

/* Every command's output, --help and --version included, is checked to
 * have been written: 'tmc plan M >/dev/full' fails. */
int main(int argc, char **argv) { return tmc_cli_stdout_done(command(argc, argv)); }
