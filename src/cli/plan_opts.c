/* Options shared by the commands that build a plan (run, plan, compile):
 * --io, --planner, --limit, --patch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plan/patch.h"

int tmc_cli_plan_option(const char *cmd, int argc, char **argv, int *i,
                        tmc_plan_options *opts) {
  const char *a = argv[*i];
  if (strcmp(a, "--io") && strcmp(a, "--planner") && strcmp(a, "--limit") &&
      strcmp(a, "--patch"))
    return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tmc %s: %s needs a value\n", cmd, a);
    return -1;
  }
  const char *v = argv[++*i];
  if (!strcmp(a, "--io")) {
    if (strcmp(v, "int8") && strcmp(v, "float")) {
      fprintf(stderr, "tmc %s: --io takes int8 or float, not '%s'\n", cmd, v);
      return -1;
    }
    opts->io_int8 = !strcmp(v, "int8");
  } else if (!strcmp(a, "--patch")) {
    tmc_patch_request r;
    if (!tmc_patch_parse(v, &r)) {
      fprintf(stderr, "tmc %s: --patch takes none, auto or SPLIT:RxC (e.g. 5:2x2), not '%s'\n",
              cmd, v);
      return -1;
    }
    opts->patch_mode = (int)r.mode;
    opts->patch_op = r.split_op;
    opts->patch_rows = r.rows;
    opts->patch_cols = r.cols;
  } else if (!strcmp(a, "--planner")) {
    if (!strcmp(v, "best"))
      opts->planner = TMC_PLANNER_BEST;
    else if (!strcmp(v, "first-fit"))
      opts->planner = TMC_PLANNER_FIRST_FIT;
    else {
      fprintf(stderr, "tmc %s: --planner takes best or first-fit, not '%s'\n", cmd, v);
      return -1;
    }
  } else {
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno || n <= 0) {
      fprintf(stderr, "tmc %s: --limit '%s' is not a positive number of bytes\n", cmd, v);
      return -1;
    }
    opts->limit = n;
  }
  return 1;
}

int tmc_cli_operand(const char *cmd, const char *usage, const char *a, const char **path) {
  if (a[0] == '-' && a[1] != '\0') {
    fprintf(stderr, "tmc %s: unknown option '%s'\n\n%s", cmd, a, usage);
    return TMC_EXIT_USAGE;
  }
  if (*path != NULL) {
    fprintf(stderr, "tmc %s: one model at a time ('%s' and '%s')\n\n%s", cmd, *path, a, usage);
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
