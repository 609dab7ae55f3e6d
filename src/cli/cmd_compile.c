/* tmc compile: the model as self-contained C (see src/emit), plus a report
 * of the arena, the flash taken by constants and the largest layer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "cli.h"
#include "emit/emit.h"
#include "load.h"
#include "measure.h"
#include "plan/report.h"
#include "train/train_plan.h"
#include "train_opts.h"

static const char compile_usage[] =
    "usage: tmc compile MODEL -o DIR [--name NAME] [--io int8] [--limit BYTES]\n"
    "                   [--planner best|first-fit] [--patch none|auto|SPLIT:RxC] [--target T]\n"
    "                   [--profile] [--main] [--detect CONFIG.json] [--measure-code]\n"
    "                   [--train [training options]]\n"
    "\n"
    "Writes DIR/NAME.h (the API), NAME.c (invoke), NAME_weights.c (constants),\n"
    "the kernels the model uses (NAME_conv2d.c, NAME_kernels.h, ...), a\n"
    "CMakeLists.txt (static library NAME) and NAME_report.json; nothing is left\n"
    "in DIR on error. 'cc -c DIR/*.c' needs nothing else. Every file and symbol\n"
    "carries NAME, so models compiled with different names link together.\n"
    "  -o DIR        output folder (created if missing)\n"
    "  --name NAME   C identifier prefixing every symbol (default: model; not\n"
    "                'tmc' or beginning with 'tmc_': the kernels' prefix)\n"
    "  --io int8     int8 inputs and outputs (drop the float edges)\n"
    "  --planner P   best (default: overlaps, several orders) or first-fit\n"
    "                (TinyEngine's baseline: whole tensors, lowest free offset)\n"
    "  --limit N     fail, naming the peak, when the arena needs more than N bytes\n"
    "  --patch P     none (default), auto (search split and grid), or SPLIT:RxC\n"
    "                (run ops up to SPLIT patch by patch on an R x C grid)\n"
    "  --target T    generic (default: portable C), cortex-m0, cortex-m4, cortex-m7,\n"
    "                cortex-m33 or cortex-m55: the kernels chosen per layer (the\n"
    "                DSP cores' use its SIMD instructions); same output bytes\n"
    "  --profile     call NAME_profile() around each layer; NAME_layers[]\n"
    "  --main        also NAME_main.c and a Makefile: 'make -C DIR' builds\n"
    "                DIR/NAME_run (and a NAME_run target in CMakeLists.txt)\n"
    "  --detect CFG  add NAME_detect(): YOLO decoding and NMS of the heads in CFG\n"
    "                (TinyEngine's detection config)\n"
    "  --measure-code  build the generated C for a Cortex-M7 with the\n"
    "                arm-none-eabi-gcc on the PATH: code bytes (-Os) and the\n"
    "                stack of NAME_invoke (deepest call chain, -O0/-O2/-O3/-Os)\n"
    "                go into NAME.h and the report, with the compiler's version.\n"
    "                Without it the output depends on the model and options only,\n"
    "                and NAME.h gives a static stack bound.\n"
    "  --train       also the training step (int8 input and logits): NAME_train_init,\n"
    "                NAME_train_step (returns the loss), NAME_train_flush, NAME_export;\n"
    "                NAME_ARENA_BYTES is then the arena of `tmc plan --train`, and\n"
    "                --main's NAME_run trains on a `tmc train --steps-out` file. The\n"
    "                training options, as `tmc train` takes them:\n";

/* The largest layer by activation bytes (inputs + outputs + scratch). */
static int32_t largest_step(const tmc_plan *plan, long long *bytes) {
  int32_t best = -1;
  *bytes = 0;
  for (int32_t s = 0; s < plan->n_steps; s++) {
    const tmc_step *st = &plan->steps[s];
    long long sum = (long long)st->scratch_bytes;
    for (int k = 0; k < st->n_in + st->n_out; k++) {
      int32_t t = k < st->n_in ? st->in[k] : st->out[k - st->n_in];
      if (t >= 0 && !plan->g->tensors[t].is_const) sum += plan->g->tensors[t].bytes;
    }
    if (sum > *bytes) {
      *bytes = sum;
      best = s;
    }
  }
  return best;
}

/* The files in memory; with --measure-code measured, then generated again
 * with the measured stack in NAME.h. */
static tmc_status generate(const tmc_plan *plan, tmc_emit_options *eo, bool measure,
                           tmc_code_measure *mc, tmc_emit_stack *stack, tmc_emit_result *res,
                           tmc_diag *d) {
  TMC_TRY(tmc_emit(plan, eo, res, d));
  if (!measure) return TMC_OK;
  TMC_TRY(tmc_measure_code(res, eo->name, eo->detect != NULL, mc, d));
  if (!mc->stack_ok) {
    fprintf(stderr, "tmc compile: --measure-code: the stack has no bound (%s); %s.h keeps "
            "the static one\n", mc->stack_why, eo->name);
    return TMC_OK;
  }
  stack->invoke_bytes = mc->invoke_max;
  stack->detect_bytes = mc->detect_max;
  stack->how = mc->how;
  eo->stack = stack;
  tmc_emit_free(res);
  return tmc_emit(plan, eo, res, d);
}

/* NAME_report.json in memory. */
static char *report_json(const tmc_plan *plan, const tmc_emit_result *r, const char *name,
                         const tmc_plan_options *opts, const tmc_code_measure *mc,
                         size_t *len) {
  char *data = NULL;
  FILE *f = open_memstream(&data, len);
  if (f == NULL) return NULL;
  tmc_json j;
  tmc_json_init(&j, f);
  tmc_json_begin_object(&j, NULL);
  tmc_json_string(&j, "model", plan->g->model_name);
  tmc_json_string(&j, "name", name);
  tmc_json_bool(&j, "io_int8", opts->io_int8);
  tmc_json_begin_object(&j, "flash");
  tmc_json_int(&j, "weights_bytes", (long long)r->weights_bytes);
  tmc_json_int(&j, "params_bytes", (long long)r->params_bytes);
  tmc_json_int(&j, "constants_bytes", (long long)(r->weights_bytes + r->params_bytes));
  if (mc) tmc_json_int(&j, "code_bytes", mc->code_bytes);
  tmc_json_end_object(&j);
  if (mc) {
    tmc_json_begin_object(&j, "code_measurement");
    tmc_json_string(&j, "compiler", mc->compiler);
    tmc_json_string(&j, "flags", TMC_MEASURE_CPU " " TMC_MEASURE_CODE_FLAGS);
    tmc_json_string(&j, "what", ".text of NAME.c and the kernels");
    tmc_json_end_object(&j);
  }
  tmc_json_begin_object(&j, "stack");
  tmc_json_int(&j, "invoke_bytes", r->stack_bytes);
  if (r->detect_stack_bytes >= 0) tmc_json_int(&j, "detect_bytes", r->detect_stack_bytes);
  bool measured = mc && mc->stack_ok;
  tmc_json_string(&j, "method", measured ? "measured (--measure-code)" : "static bound");
  if (measured) {
    tmc_json_string(&j, "compiler", mc->compiler);
    tmc_json_string(&j, "flags", TMC_MEASURE_CPU " -std=c11 -fcallgraph-info=su");
    tmc_json_begin_object(&j, "invoke_bytes_by_level");
    for (int l = 0; l < TMC_MEASURE_LEVELS; l++)
      tmc_json_int(&j, tmc_measure_levels[l], mc->invoke_stack[l]);
    tmc_json_end_object(&j);
    tmc_json_string(&j, "deepest_chain", mc->chain);
    tmc_json_int(&j, "libc_call_bytes", TMC_MEASURE_LIBC_STACK);
  } else {
    tmc_json_string(&j, "target", "32-bit Arm Cortex-M, any -O level (see NAME.h)");
  }
  tmc_json_end_object(&j);
  tmc_plan_json(plan, &j, "plan");
  tmc_json_end_object(&j);
  if (fclose(f) != 0) {
    free(data);
    return NULL;
  }
  return data;
}

/* --train: what the code generator needs of the training plan. */
static tmc_status emit_train(const tmc_train_model *tm, const tmc_train_plan *tp, tmc_arena *a,
                             tmc_emit_train *et, tmc_diag *d) {
  const tmc_graph *g = &tm->g;
  int32_t *w = tmc_arena_array(a, (size_t)tp->set.n + 1, sizeof *w);
  int32_t *b = tmc_arena_array(a, (size_t)tp->set.n + 1, sizeof *b);
  if (w == NULL || b == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  for (int32_t k = 0; k < tp->set.n; k++) {
    const tmc_op *op = &g->ops[tp->set.layer[k].op];
    w[k] = tp->rt.layers[k].w_off >= 0 ? op->in[1] : -1;
    b[k] = tp->rt.layers[k].b_off >= 0 ? op->in[2] : -1;
  }
  *et = (tmc_emit_train){&tp->rt, tp->sram_off, w, b, tm->input, tp->seed};
  return TMC_OK;
}

int tmc_cmd_compile(int argc, char **argv) {
  const char *path = NULL, *dir = NULL;
  tmc_plan_options opts = {0};
  unsigned seen = 0;
  enum {
    SEEN_DETECT = TMC_CLI_SEEN_FREE, SEEN_O = SEEN_DETECT << 1, SEEN_NAME = SEEN_O << 1,
    SEEN_PROFILE = SEEN_NAME << 1, SEEN_MAIN = SEEN_PROFILE << 1, SEEN_MEASURE = SEEN_MAIN << 1
  };
  tmc_emit_options eo = {"model", false, false, NULL, NULL, NULL};
  bool train = false, train_opts = false;
  tmc_cli_train tro;
  tmc_cli_train_defaults(&tro);
  unsigned seen_tr = 0;
  bool measure = false;
  const char *detect = NULL;
  tmc_detect_config cfg;
  int32_t keep[TMC_DETECT_MAX_HEADS];
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int r;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(compile_usage, stdout);
      fputs(tmc_cli_train_usage, stdout);
      return TMC_EXIT_OK;
    } else if (!strcmp(a, "--train")) {
      if (!tmc_cli_once("compile", a, &seen, SEEN_MEASURE << 1)) return TMC_EXIT_USAGE;
      train = true;
    } else if ((r = tmc_cli_train_option("compile", argc, argv, &i, &tro, &seen_tr)) != 0) {
      if (r < 0) return TMC_EXIT_USAGE;
      train_opts = true;
    } else if ((r = tmc_cli_plan_option("compile", argc, argv, &i, &opts, &seen)) != 0) {
      if (r < 0) return TMC_EXIT_USAGE;
    } else if (!strcmp(a, "--detect")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc compile: --detect needs a file\n\n%s", compile_usage);
        return TMC_EXIT_USAGE;
      }
      if (!tmc_cli_once("compile", a, &seen, SEEN_DETECT)) return TMC_EXIT_USAGE;
      detect = argv[++i];
    } else if (!strcmp(a, "-o") || !strcmp(a, "--name")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc compile: %s needs a value\n\n%s", a, compile_usage);
        return TMC_EXIT_USAGE;
      }
      if (!tmc_cli_once("compile", a, &seen, a[1] == 'o' ? SEEN_O : SEEN_NAME))
        return TMC_EXIT_USAGE;
      *(a[1] == 'o' ? &dir : &eo.name) = argv[++i];
    } else if (!strcmp(a, "--profile")) {
      if (!tmc_cli_once("compile", a, &seen, SEEN_PROFILE)) return TMC_EXIT_USAGE;
      eo.profile = true;
    } else if (!strcmp(a, "--main")) {
      if (!tmc_cli_once("compile", a, &seen, SEEN_MAIN)) return TMC_EXIT_USAGE;
      eo.main = true;
    } else if (!strcmp(a, "--measure-code")) {
      if (!tmc_cli_once("compile", a, &seen, SEEN_MEASURE)) return TMC_EXIT_USAGE;
      measure = true;
    } else if (tmc_cli_operand("compile", compile_usage, a, &path) != 0) {
      return TMC_EXIT_USAGE;
    }
  }
  if (path == NULL || dir == NULL) {
    fprintf(stderr, "tmc compile: %s\n\n%s", path ? "no -o DIR given" : "no model given",
            compile_usage);
    return TMC_EXIT_USAGE;
  }
  if (!tmc_emit_valid_name(eo.name)) {
    fprintf(stderr, "tmc compile: --name '%s' is not a C identifier tmc accepts (letters, "
            "digits, '_', not starting with a digit, at most 40 characters; not 'tmc' or "
            "beginning with 'tmc_' in any case: the kernels' prefix)\n", tmc_cli_esc(eo.name));
    return TMC_EXIT_USAGE;
  }
  if (train_opts && !train) {
    fprintf(stderr, "tmc compile: training options need --train\n\n%s", compile_usage);
    return TMC_EXIT_USAGE;
  }
  if (train && (detect || opts.patch_mode != 0 || opts.planner != TMC_PLANNER_BEST)) {
    fprintf(stderr, "tmc compile: --train takes neither --detect, --patch nor --planner\n");
    return TMC_EXIT_USAGE;
  }
  tmc_cli_model m = {0};
  tmc_train_model tm;
  memset(&tm, 0, sizeof tm);
  tmc_arena ta;
  tmc_arena_init(&ta);
  tmc_train_plan tp;
  tmc_emit_train et;
  tmc_diag d;
  tmc_plan plan;
  tmc_emit_result res = {0};
  tmc_code_measure mc;
  tmc_emit_stack stack;
  tmc_diag_init(&d, NULL);
  int rc = TMC_EXIT_OK;
  bool loaded;
  const tmc_graph *gr;
  if (train) { /* the training plan's forward, with the training buffers */
    tmc_train_cfg tc;
    tmc_train_set set;
    loaded = tmc_cli_train_setup(&tro, path, opts.target, &tm, &tc, &d) == TMC_OK &&
             tmc_cli_train_select(&tro, &tm, &tc, &set, &d) == TMC_OK &&
             tmc_train_plan_make(&tm, &set, &tc, &ta, &tp, &d) == TMC_OK &&
             tmc_cli_train_check(&tro, &tp.mem, &d) == TMC_OK &&
             emit_train(&tm, &tp, &ta, &et, &d) == TMC_OK;
    if (loaded && opts.limit > 0 && tp.mem.total > opts.limit)
      loaded = tmc_fail(&d, TMC_ERR_LIMIT, "the training arena needs %lld bytes, more than "
                        "the limit of %lld", (long long)tp.mem.total,
                        (long long)opts.limit) == TMC_OK;
    if (loaded) plan = tp.fwd;
    eo.train = &et;
    gr = &tm.g;
  } else {
    loaded = tmc_cli_load(path, &m, &d) == TMC_OK;
    if (loaded && detect) {
      loaded = tmc_cli_load_detect(detect, &m, &cfg, keep, &opts, &d) == TMC_OK;
      eo.detect = &cfg;
    }
    loaded = loaded && tmc_plan_build(&m.graph, &opts, &m.arena, &plan, &d) == TMC_OK;
    gr = &m.graph;
  }
  if (!loaded || generate(&plan, &eo, measure, &mc, &stack, &res, &d) != TMC_OK) {
    rc = tmc_cli_report(&d);
  } else {
    size_t len = 0;
    char *json = report_json(&plan, &res, eo.name, &opts, measure ? &mc : NULL, &len);
    char name[128];
    snprintf(name, sizeof name, "%s_report.json", eo.name);
    bool ok = json != NULL && res.n_files < (int)(sizeof res.files / sizeof res.files[0]);
    if (ok) {
      tmc_emit_file *f = &res.files[res.n_files++];
      f->name = strdup(name);
      f->data = json;
      f->size = len;
      json = NULL;
      ok = f->name != NULL;
    }
    free(json);
    if (!ok) {
      fprintf(stderr, "tmc compile: out of memory\n");
      rc = TMC_EXIT_BAD_INPUT;
    } else if (tmc_emit_write(&res, dir, &d) != TMC_OK) {
      rc = tmc_cli_report(&d);
    } else {
      long long lb;
      int32_t ls = largest_step(&plan, &lb);
      printf("%s -> %s/%s.c: %d layers, %d files\n", tmc_cli_esc(gr->model_name),
             tmc_cli_esc(dir), eo.name,
             plan.n_steps, res.n_files);
      printf("arena (SRAM): %lld bytes (%s planner; lower bound %lld)\n",
             (long long)plan.mem.arena_bytes, tmc_planner_name(plan.mem.planner),
             (long long)plan.mem.lower_bound);
      printf("flash constants: %zu bytes (weights %zu, layer parameters %zu)\n",
             res.weights_bytes + res.params_bytes, res.weights_bytes, res.params_bytes);
      if (measure)
        printf("flash code: %lld bytes (Cortex-M7, -Os, %s; flash in all %lld bytes)\n",
               mc.code_bytes, mc.compiler,
               mc.code_bytes + (long long)(res.weights_bytes + res.params_bytes));
      printf("stack: %lld bytes for %s_invoke (%s)\n", res.stack_bytes, eo.name,
             eo.stack ? "measured" : "static bound for Cortex-M");
      if (eo.stack) printf("  deepest chain: %s\n", tmc_cli_esc(mc.chain));
      if (ls >= 0)
        printf("largest layer: op %d %s, %lld bytes of activations\n", plan.steps[ls].op,
               tmc_cli_esc(gr->ops[plan.steps[ls].op].name), lb);
      if (train)
        printf("training: %d layers, %d backward ops; arena by part: activations %lld, saved "
               "%lld, gradients %lld, weight gradients %lld, weights %lld, optimizer %lld "
               "(%lld reused)\n", tp.rt.n_layers, tp.rt.n_ops, (long long)tp.mem.activations,
               (long long)tp.mem.saved, (long long)tp.mem.gradients,
               (long long)tp.mem.weight_gradients, (long long)tp.mem.weights,
               (long long)tp.mem.optimizer, (long long)tp.mem.reused);
    }
  }
  tmc_emit_free(&res);
  if (train) {
    tmc_arena_free(&ta);
    tmc_train_model_free(&tm);
  } else {
    tmc_cli_unload(&m);
  }
  return rc;
}
