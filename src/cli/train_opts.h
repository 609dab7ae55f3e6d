/* The training options shared by `tmc train`, `tmc plan --train` and `tmc
 * compile --train` (the set, the budget, the head, the optimizer), and the
 * setup they share: the model prepared, the set chosen, the config. */
#ifndef TMC_CLI_TRAIN_OPTS_H
#define TMC_CLI_TRAIN_OPTS_H

#include <stdbool.h>

#include "train/train.h"

typedef struct tmc_cli_train {
  const char *update;
  long long budget, classes, batch, seed;
  double lr, momentum, wd;
  bool no_qas, float_ref, budget_given;
  int rounding; /* --rounding: 0 residual (default), 1 stochastic, 2 nearest */
  uint32_t rng; /* the rounding generator's state (tmc_cli_train_setup) */
} tmc_cli_train;

/* The options' lines for a command's usage text. */
extern const char tmc_cli_train_usage[];

void tmc_cli_train_defaults(tmc_cli_train *o);

/* Parses argv[*i] if it is a training option, advancing *i past its value:
 * 1 when consumed, 0 when not one, -1 after a usage error (a bad value, or
 * the option given twice: *seen records them). */
int tmc_cli_train_option(const char *cmd, int argc, char **argv, int *i, tmc_cli_train *o,
                         unsigned *seen);

/* The model at path prepared for training (--classes, --seed) and the
 * config for target (o->rng seeded). Call tmc_train_model_free(m) whatever
 * the status. */
tmc_status tmc_cli_train_setup(tmc_cli_train *o, const char *path, tmc_target target,
                               tmc_train_model *m, tmc_train_cfg *c, tmc_diag *d);
/* The set: --update auto under --budget, or the SPEC. */
tmc_status tmc_cli_train_select(const tmc_cli_train *o, const tmc_train_model *m,
                                const tmc_train_cfg *c, tmc_train_set *s, tmc_diag *d);

/* With --budget given and a forced set: an error when mem needs more. */
tmc_status tmc_cli_train_check(const tmc_cli_train *o, const tmc_train_memory *mem,
                               tmc_diag *d);

/* tmc plan --train (plan_train.c): 0, 1 or 2 as a command returns. */
int tmc_cli_plan_train(const char *path, const tmc_plan_options *opts, tmc_cli_train *tro,
                       const char *json, const char *svg);

#endif
