/* The shared training options (train_opts.h). */
#include "train_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char tmc_cli_train_usage[] =
    "  --update auto     choose the set under --budget (default): layers from the\n"
    "                    output back offer their bias and weights, best value per\n"
    "                    byte first (value 1/(1+depth), weights twice a bias);\n"
    "                    weights that do not fit whole give their first channels\n"
    "  --update SPEC     ITEM[,ITEM...], ITEM = LAYER:PARTS; LAYER an op index (as\n"
    "                    `tmc inspect` shows) or -K, the K-th trainable layer from\n"
    "                    the output (-1: the head); PARTS any of b (bias), w (all\n"
    "                    weights), wN (the first N output channels' weights).\n"
    "                    Example: -1:bw,-2:b,-3:bw16 (with --budget, a set needing\n"
    "                    more is an error)\n"
    "  --budget BYTES    total training SRAM for auto (default 262144): the one\n"
    "                    arena of activations, saved tensors, gradients, weight\n"
    "                    gradients, trainable weights and optimizer state\n"
    "  --classes N       replace the classifier head with a new N-way\n"
    "                    FULLY_CONNECTED (int8, initialised from --seed)\n"
    "  --batch B         images per update (default 8; 1 updates each layer during\n"
    "                    the backward, channel by channel: no gradient accumulators)\n"
    "  --lr X            learning rate (default 0.01)\n"
    "  --momentum M      SGD momentum (default 0)\n"
    "  --weight-decay W  L2 weight decay (default 0)\n"
    "  --no-qas          no quantization-aware scaling of the int8 gradients\n"
    "  --float-reference train float32 master copies of the same set\n"
    "  --rounding R      how an int8 weight takes its step: residual (default: an\n"
    "                    int8 residual per trained weight, counted in the optimizer\n"
    "                    state, carries the fraction in 1/256 units; the step is\n"
    "                    rounded stochastically to 1/256), stochastic (no\n"
    "                    residual: floor(step + r), r from a fixed generator seeded\n"
    "                    by --seed) or nearest (no residual: steps below half a\n"
    "                    unit are lost)\n"
    "  --seed S          the head's initialisation, the generator (default 1)\n";

void tmc_cli_train_defaults(tmc_cli_train *o) {
  *o = (tmc_cli_train){.budget = 262144, .batch = 8, .seed = 1, .lr = 0.01};
}

/* A decimal number option in [lo, hi] (digits, one '.', no sign). */
static bool parse_real(const char *cmd, const char *flag, const char *v, double lo, double hi,
                       double *out) {
  char *end = (char *)v;
  double x = 0;
  if (((v[0] >= '0' && v[0] <= '9') || v[0] == '.') && !strpbrk(v, "xXeEnNiI"))
    x = strtod(v, &end);
  if (end == v || *end || !(x >= lo && x <= hi)) {
    fprintf(stderr, "tmc %s: %s '%s' is not a number in [%g, %g]\n", cmd, flag, tmc_cli_esc(v),
            lo, hi);
    return false;
  }
  *out = x;
  return true;
}

int tmc_cli_train_option(const char *cmd, int argc, char **argv, int *i, tmc_cli_train *o,
                         unsigned *seen) {
  static const char *const valued[] = {"--update", "--budget", "--classes", "--batch",
                                       "--lr", "--momentum", "--weight-decay", "--seed",
                                       "--rounding", NULL};
  const char *a = argv[*i];
  if (!strcmp(a, "--no-qas") || !strcmp(a, "--float-reference")) {
    const bool q = a[2] == 'n';
    if (!tmc_cli_once(cmd, a, seen, q ? 1u << 20 : 1u << 21)) return -1;
    *(q ? &o->no_qas : &o->float_ref) = true;
    return 1;
  }
  int k = 0;
  while (valued[k] && strcmp(a, valued[k])) k++;
  if (!valued[k]) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tmc %s: %s needs a value\n", cmd, a);
    return -1;
  }
  const char *v = argv[++*i];
  if (!tmc_cli_once(cmd, a, seen, 1u << k)) return -1;
  bool ok = true;
  switch (k) {
    case 0: o->update = v; break;
    case 1:
      ok = tmc_cli_int(cmd, a, v, 1, (long long)1 << 40, "a byte count", &o->budget);
      o->budget_given = true;
      break;
    case 2: ok = tmc_cli_int(cmd, a, v, 2, 65536, "a class count", &o->classes); break;
    case 3: ok = tmc_cli_int(cmd, a, v, 1, 1 << 20, "a batch size", &o->batch); break;
    case 4: ok = parse_real(cmd, a, v, 0, 1e6, &o->lr); break;
    case 5: ok = parse_real(cmd, a, v, 0, 0.999999, &o->momentum); break;
    case 6: ok = parse_real(cmd, a, v, 0, 1e3, &o->wd); break;
    case 7: ok = tmc_cli_int(cmd, a, v, 0, 0xffffffffLL, "a 32-bit number", &o->seed); break;
    default:
      o->rounding = !strcmp(v, "residual") ? 0 : !strcmp(v, "stochastic") ? 1
                    : !strcmp(v, "nearest") ? 2 : -1;
      ok = o->rounding >= 0;
      if (!ok)
        fprintf(stderr, "tmc %s: --rounding '%s' is not residual, stochastic or nearest\n",
                cmd, tmc_cli_esc(v));
      break;
  }
  return ok ? 1 : -1;
}

tmc_status tmc_cli_train_setup(tmc_cli_train *o, const char *path, tmc_target target,
                               tmc_train_model *m, tmc_train_cfg *c, tmc_diag *d) {
  o->rng = (uint32_t)o->seed * 2654435761u + 1u;
  *c = (tmc_train_cfg){{(float)o->lr, (float)o->momentum, (float)o->wd, !o->no_qas,
                        o->rounding == 2 || o->float_ref ? NULL : &o->rng},
                       o->float_ref, (int32_t)o->batch, target,
                       o->rounding == 0 && !o->float_ref};
  return tmc_train_model_load(path, (int32_t)o->classes, (uint32_t)o->seed, m, d);
}

tmc_status tmc_cli_train_select(const tmc_cli_train *o, const tmc_train_model *m,
                                const tmc_train_cfg *c, tmc_train_set *s, tmc_diag *d) {
  d->subject = m->g.model_name;
  if (o->update == NULL || !strcmp(o->update, "auto"))
    return tmc_train_select_auto(m, o->budget, c, s, d);
  return tmc_train_select_spec(m, o->update, s, d);
}

tmc_status tmc_cli_train_check(const tmc_cli_train *o, const tmc_train_memory *mem,
                               tmc_diag *d) {
  if (o->budget_given && mem->total > o->budget)
    return tmc_fail(d, TMC_ERR_LIMIT, "--update '%s' needs %lld bytes of training memory, "
                    "beyond --budget %lld", o->update ? o->update : "auto",
                    (long long)mem->total, (long long)o->budget);
  return TMC_OK;
}
