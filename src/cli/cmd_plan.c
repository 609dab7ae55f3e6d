/* tmc plan: the memory plan of a model: arena bytes, both floors, the peak
 * and every block's offset, size and lifetime; JSON and SVG on request. */
#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "cli.h"
#include "load.h"
#include "plan/patch.h"
#include "plan/report.h"
#include "train_opts.h"

static const char plan_usage[] =
    "usage: tmc plan MODEL [--io int8] [--planner best|first-fit] [--limit BYTES]\n"
    "                [--patch none|auto|SPLIT:RxC] [--target T]\n"
    "                [--json FILE|-] [--svg FILE]\n"
    "       tmc plan MODEL --train [training options] [--target T] [--limit BYTES]\n"
    "                [--json FILE|-] [--svg FILE]\n"
    "\n"
    "Lays out every activation and scratch buffer in one arena and prints its\n"
    "size, the lower bounds for this schedule (with and without overlapping an\n"
    "output over its dying input), the activation-only floor (no scratch, any\n"
    "kernels), the kernel variant each layer got and why (the smallest arena,\n"
    "then the fastest; under --limit the fastest that fits), the operator at\n"
    "the peak, and each buffer.\n"
    "  --io int8     int8 model inputs and outputs (drop the float edges)\n"
    "  --planner P   best (default: overlaps, several orders) or first-fit\n"
    "                (TinyEngine's baseline: whole tensors, lowest free offset)\n"
    "  --limit N     fail, naming the peak, when the arena needs more than N bytes\n"
    "  --patch P     none (default), auto (search split and grid), or SPLIT:RxC\n"
    "                (run ops up to SPLIT patch by patch on an R x C grid)\n"
    "  --target T    generic (default: portable C), cortex-m0, cortex-m4, cortex-m7,\n"
    "                cortex-m33 or cortex-m55: the kernels chosen per layer (the\n"
    "                DSP cores' use its SIMD instructions); same output bytes\n"
    "  --json FILE   write the plan as JSON ('-' for standard output)\n"
    "  --svg FILE    draw the arena over time\n"
    "  --train       the arena of a training step (`tmc train`, `tmc compile --train`:\n"
    "                int8 inputs and logits) over the forward, the loss and the\n"
    "                backward, by part: activations, saved tensors, gradients,\n"
    "                weight gradients, trainable weights, optimizer state; the\n"
    "                training options, as `tmc train` takes them:\n";

static void print_patches(const tmc_plan *plan, const tmc_patch_report *rep) {
  const tmc_patch *p = plan->patch;
  if (rep->evaluated) {
    printf("patch search: %d configurations; layer by layer %lld bytes\n", rep->evaluated,
           (long long)rep->layerwise.arena_bytes);
    printf("  %8s %6s %12s %12s %10s\n", "split op", "grid", "arena", "stage bufs",
           "extra MACs");
    for (int i = 0; i < rep->n; i++) {
      const tmc_patch_option *o = &rep->best[i];
      printf("  %8d %3dx%-2d %12lld%s %12lld %9.1f%%\n", o->split_op, o->rows, o->cols,
             (long long)o->arena_bytes, o->planned ? " " : "~", (long long)o->region_bytes,
             o->extra_macs_pct);
    }
    printf("  (~: estimated from the floors; the others planned)\n");
  }
  if (p)
    printf("patches: ops up to %d run on a %dx%d grid (%lld bytes of stage buffers), "
           "recomputing %.1f%% more MACs in the stage (%lld vs %lld)\n",
           plan->steps[p->split_step].op, p->rows, p->cols, (long long)p->region_bytes,
           p->layer_macs ? 100.0 * (double)(p->patch_macs - p->layer_macs) /
                               (double)p->layer_macs
                         : 0.0,
           (long long)p->patch_macs, (long long)p->layer_macs);
  else if (rep->evaluated || rep->why[0])
    printf("patches: none (no configuration lowers the arena%s%s)\n", rep->why[0] ? ": " : "",
           tmc_cli_esc(rep->why));
}

/* The steps with kernel variants: the one chosen and why, the others with
 * the arena measured with them. */
static void print_variants(const tmc_plan *plan) {
  bool head = false;
  for (int32_t s = 0; plan->variants && s < plan->n_steps; s++) {
    const tmc_step_variants *v = plan->variants[s];
    if (v == NULL) continue;
    const tmc_step *st = &plan->steps[s];
    if (!head) printf("kernel variants (scratch bytes; arena measured with each):\n");
    head = true;
    printf("  op %d %s: %s (%lld), %s", st->op, tmc_cli_esc(plan->g->ops[st->op].name),
           tmc_step_variant_name(st), (long long)st->scratch_bytes, v->why);
    for (int32_t k = 0; k < v->n; k++) {
      if (k == v->chosen) continue;
      printf("; not %s (%lld", tmc_step_variant_name(&v->v[k]), (long long)v->v[k].scratch_bytes);
      if (v->arena[k] >= 0) printf(", arena %lld", (long long)v->arena[k]);
      printf(")");
    }
    printf("\n");
  }
}

static void print_text(const tmc_plan *plan) {
  const tmc_mem *m = &plan->mem;
  char name[256];
  int32_t pop = plan->steps && plan->n_steps ? plan->steps[m->peak_step].op : -1;
  printf("%s: arena %lld bytes (%s planner), %d steps\n", tmc_cli_esc(plan->g->model_name),
         (long long)m->arena_bytes, tmc_planner_name(m->planner), plan->n_steps);
  printf("lower bound %lld bytes with overlaps, %lld without (arena / bound = %.3f)\n",
         (long long)m->lower_bound, (long long)m->bound_no_overlap,
         m->lower_bound ? (double)m->arena_bytes / (double)m->lower_bound : 0.0);
  printf("activation-only floor %lld bytes (no scratch, any kernels: arena / floor = %.3f); "
         "floor for the chosen kernels %lld\n", (long long)m->act_floor,
         m->act_floor ? (double)m->arena_bytes / (double)m->act_floor : 0.0,
         (long long)m->lower_bound);
  if (pop >= 0)
    printf("peak at step %d: op %d %s\n", m->peak_step, pop,
           tmc_cli_esc(plan->g->ops[pop].name));
  print_variants(plan);
  printf("\n%10s %10s %6s %6s  %s\n", "offset", "size", "first", "last", "buffer");
  for (int32_t i = 0; i < m->n_blocks; i++) {
    const tmc_block *b = &m->blocks[i];
    tmc_block_label(plan, b, name, sizeof name);
    printf("%10lld %10lld %6d %6d  %s\n", (long long)b->offset, (long long)b->size,
           plan->steps[b->first].op, plan->steps[b->last].op, tmc_cli_esc(name));
  }
}

int tmc_cmd_plan(int argc, char **argv) {
  const char *path = NULL, *json = NULL, *svg = NULL;
  tmc_plan_options opts = {0};
  unsigned seen = 0;
  tmc_patch_report rep;
  memset(&rep, 0, sizeof rep);
  bool train = false, train_opts = false;
  tmc_cli_train tro;
  tmc_cli_train_defaults(&tro);
  unsigned seen_tr = 0;
  opts.patch_report = &rep;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int r;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(plan_usage, stdout);
      fputs(tmc_cli_train_usage, stdout);
      return TMC_EXIT_OK;
    } else if (!strcmp(a, "--train")) {
      if (!tmc_cli_once("plan", a, &seen, TMC_CLI_SEEN_FREE << 2)) return TMC_EXIT_USAGE;
      train = true;
    } else if ((r = tmc_cli_train_option("plan", argc, argv, &i, &tro, &seen_tr)) != 0) {
      if (r < 0) return TMC_EXIT_USAGE;
      train_opts = true;
    } else if ((r = tmc_cli_plan_option("plan", argc, argv, &i, &opts, &seen)) != 0) {
      if (r < 0) return TMC_EXIT_USAGE;
    } else if (!strcmp(a, "--json") || !strcmp(a, "--svg")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc plan: %s needs a file\n\n%s", a, plan_usage);
        return TMC_EXIT_USAGE;
      }
      if (!tmc_cli_once("plan", a, &seen, TMC_CLI_SEEN_FREE << (a[2] == 'j')))
        return TMC_EXIT_USAGE;
      *(a[2] == 'j' ? &json : &svg) = argv[++i];
    } else if (tmc_cli_operand("plan", plan_usage, a, &path) != 0) {
      return TMC_EXIT_USAGE;
    }
  }
  if (tmc_cli_need_model("plan", plan_usage, path) != 0) return TMC_EXIT_USAGE;
  if (train_opts && !train) {
    fprintf(stderr, "tmc plan: training options need --train\n\n%s", plan_usage);
    return TMC_EXIT_USAGE;
  }
  if (train) return tmc_cli_plan_train(path, &opts, &tro, json, svg);
  tmc_cli_model m;
  tmc_diag d;
  tmc_plan plan;
  tmc_diag_init(&d, NULL);
  int rc = TMC_EXIT_OK;
  if (tmc_cli_load(path, &m, &d) != TMC_OK ||
      tmc_plan_build(&m.graph, &opts, &m.arena, &plan, &d) != TMC_OK) {
    rc = tmc_cli_report(&d);
  } else {
    tmc_out out[2] = {{0}}; /* the JSON, the SVG: both written, or neither */
    tmc_out *js = &out[0], *sv = &out[1];
    bool to_stdout = json && !strcmp(json, "-");
    if ((json && tmc_out_open(js, json, &d) != TMC_OK) ||
        (svg && tmc_out_open(sv, svg, &d) != TMC_OK)) {
      rc = tmc_cli_report(&d);
    } else {
      if (json) {
        tmc_json j;
        tmc_json_init(&j, js->f);
        tmc_json_begin_object(&j, NULL);
        tmc_json_string(&j, "model", m.graph.model_name);
        tmc_json_bool(&j, "io_int8", opts.io_int8);
        tmc_json_int(&j, "limit", opts.limit);
        tmc_plan_json(&plan, &j, "plan");
        tmc_plan_patch_json(&plan, &rep, &j);
        tmc_json_end_object(&j);
      }
      if (svg) tmc_plan_svg(&plan, sv->f);
      if (!to_stdout) {
        print_patches(&plan, &rep);
        print_text(&plan);
      }
    }
    /* standard output ('--json -') is left to main's check, which names the
     * reason (a failed flush here would lose it) */
    if (tmc_out_close_all(out + to_stdout, 2 - to_stdout, rc == TMC_EXIT_OK, &d) != TMC_OK)
      rc = tmc_cli_report(&d);
  }
  tmc_cli_unload(&m);
  return rc;
}
