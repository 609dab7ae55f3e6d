/* Options shared by the commands that build a plan (run, plan, compile):
 * --io, --planner, --limit, --patch, --target, each at most once. */
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "plan/patch.h"

int tmc_cli_plan_option(const char *cmd, int argc, char **argv, int *i,
                        tmc_plan_options *opts, unsigned *seen) {
  const char *a = argv[*i];
  unsigned bit = !strcmp(a, "--io")        ? TMC_CLI_SEEN_IO
                 : !strcmp(a, "--planner") ? TMC_CLI_SEEN_PLANNER
                 : !strcmp(a, "--limit")   ? TMC_CLI_SEEN_LIMIT
                 : !strcmp(a, "--patch")   ? TMC_CLI_SEEN_PATCH
                 : !strcmp(a, "--target")  ? TMC_CLI_SEEN_TARGET
                                           : 0;
  if (bit == 0) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tmc %s: %s needs a value\n", cmd, a);
    return -1;
  }
  if (!tmc_cli_once(cmd, a, seen, bit)) return -1;
  const char *v = argv[++*i];
  if (bit == TMC_CLI_SEEN_IO) {
    if (strcmp(v, "int8") && strcmp(v, "float")) {
      fprintf(stderr, "tmc %s: --io takes int8 or float, not '%s'\n", cmd, tmc_cli_esc(v));
      return -1;
    }
    opts->io_int8 = !strcmp(v, "int8");
  } else if (bit == TMC_CLI_SEEN_PATCH) {
    tmc_patch_request r;
    const char *why = "";
    if (!tmc_patch_parse(v, &r, &why)) {
      fprintf(stderr, "tmc %s: --patch '%s': %s; --patch takes none, auto or SPLIT:RxC "
              "with SPLIT an op index and R, C from 1 to %d (e.g. 5:2x2)\n", cmd,
              tmc_cli_esc(v), why, TMC_PATCH_MAX_GRID);
      return -1;
    }
    opts->patch_mode = (int)r.mode;
    opts->patch_op = r.split_op;
    opts->patch_rows = r.rows;
    opts->patch_cols = r.cols;
  } else if (bit == TMC_CLI_SEEN_TARGET) {
    tmc_target t;
    if (!tmc_target_parse(v, &t)) {
      fprintf(stderr, "tmc %s: --target takes generic, cortex-m0, cortex-m4, cortex-m7, "
              "cortex-m33 or cortex-m55, not '%s'\n", cmd, tmc_cli_esc(v));
      return -1;
    }
    opts->target = t;
  } else if (bit == TMC_CLI_SEEN_PLANNER) {
    if (!strcmp(v, "best"))
      opts->planner = TMC_PLANNER_BEST;
    else if (!strcmp(v, "first-fit"))
      opts->planner = TMC_PLANNER_FIRST_FIT;
    else {
      fprintf(stderr, "tmc %s: --planner takes best or first-fit, not '%s'\n", cmd,
              tmc_cli_esc(v));
      return -1;
    }
  } else {
    long long n;
    if (!tmc_cli_int(cmd, "--limit", v, 1, INT64_MAX, "a positive number of bytes", &n)) return -1;
    opts->limit = n;
  }
  return 1;
}

int tmc_cli_operand(const char *cmd, const char *usage, const char *a, const char **path) {
  if (a[0] == '-' && a[1] != '\0') {
    fprintf(stderr, "tmc %s: unknown option '%s'\n\n%s", cmd, tmc_cli_esc(a), usage);
    return TMC_EXIT_USAGE;
  }
  if (*path != NULL) {
    fprintf(stderr, "tmc %s: one model at a time ('%s' and '%s')\n\n%s", cmd,
            tmc_cli_esc(*path), tmc_cli_esc(a), usage);
    return TMC_EXIT_USAGE;
  }
  *path = a;
  return 0;
}

int tmc_cli_need_model(const char *cmd, const char *usage, const char *path) {
  if (path != NULL) return 0;
  fprintf(stderr, "tmc %s: no model given\n\n%s", cmd, usage);
  return TMC_EXIT_USAGE;
}
