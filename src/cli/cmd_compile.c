/* tmc compile: the model as self-contained C (see src/emit), plus a report
 * of the arena, the flash taken by constants and the largest layer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "cli.h"
#include "emit/emit.h"
#include "load.h"
#include "plan/report.h"

static const char compile_usage[] =
    "usage: tmc compile MODEL -o DIR [--name NAME] [--io int8] [--limit BYTES]\n"
    "                   [--planner best|first-fit] [--profile] [--main]\n"
    "                   [--detect CONFIG.json]\n"
    "\n"
    "Writes DIR/NAME.h (the API), NAME.c (invoke), NAME_weights.c (constants),\n"
    "the kernels the model uses and NAME_report.json; nothing is left in DIR on\n"
    "error. 'cc -c DIR/*.c' needs nothing else.\n"
    "  -o DIR        output folder (created if missing)\n"
    "  --name NAME   C identifier prefixing every symbol (default: model)\n"
    "  --io int8     int8 inputs and outputs (drop the float edges)\n"
    "  --limit N     fail, naming the peak, when the arena needs more than N bytes\n"
    "  --profile     call NAME_profile() around each layer; NAME_layers[]\n"
    "  --main        also main.c and a Makefile: 'make -C DIR' builds DIR/NAME_run\n"
    "  --detect CFG  add NAME_detect(): YOLO decoding and NMS of the heads in CFG\n"
    "                (TinyEngine's detection config)\n";

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

/* Code bytes of the generated C for a Cortex-M7, measured when Debian's
 * arm-none-eabi-gcc is on the PATH: the .text sections of NAME.c and the kernels
 * compiled with -Os (NAME_weights.c holds only data; main.c is a host
 * program). -1 when no compiler is at hand or a step fails. */
static long long measure_code(const tmc_emit_result *res, const char *name) {
  if (system("command -v arm-none-eabi-gcc >/dev/null 2>&1 && "
             "command -v arm-none-eabi-size >/dev/null 2>&1") != 0)
    return -1;
  char dir[] = "/tmp/tmc-code-XXXXXX";
  if (mkdtemp(dir) == NULL) return -1;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  long long text = -1;
  char weights[160], cmd[4096];
  snprintf(weights, sizeof weights, "%s_weights.c", name);
  if (tmc_emit_write(res, dir, &d) == TMC_OK) {
    size_t n = (size_t)snprintf(cmd, sizeof cmd, "cd %s && arm-none-eabi-gcc -mcpu=cortex-m7 "
                                "-mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -std=c11 -Os "
                                "-ffunction-sections -c", dir);
    for (int i = 0; i < res->n_files && n < sizeof cmd; i++) {
      const char *f = res->files[i].name;
      size_t len = strlen(f);
      if (len < 2 || strcmp(f + len - 2, ".c") || !strcmp(f, weights) || !strcmp(f, "main.c"))
        continue;
      n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %s", f);
    }
    if (n < sizeof cmd - 64) {
      snprintf(cmd + n, sizeof cmd - n, " 2>/dev/null && arm-none-eabi-size -A *.o");
      FILE *p = popen(cmd, "r");
      char line[512], sec[256];
      long long size;
      text = 0;
      /* Sum the .text sections only (size's "text" column includes .rodata,
       * which holds the layer parameters counted as constants). */
      while (p && fgets(line, sizeof line, p))
        if (sscanf(line, "%255s %lld", sec, &size) == 2 && strncmp(sec, ".text", 5) == 0)
          text += size;
      if (p == NULL || pclose(p) != 0) text = -1;
    }
  }
  for (int i = 0; i < res->n_files; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, res->files[i].name);
    remove(path);
    size_t len = strlen(path);
    if (len > 2 && !strcmp(path + len - 2, ".c")) {
      path[len - 1] = 'o';
      remove(path);
    }
  }
  rmdir(dir);
  return text;
}

/* NAME_report.json in memory. */
static char *report_json(const tmc_plan *plan, const tmc_emit_result *r, const char *name,
                         const tmc_plan_options *opts, long long code, size_t *len) {
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
  if (code >= 0) {
    tmc_json_int(&j, "code_bytes", code);
    tmc_json_string(&j, "code_measured_with",
                    "arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -Os (text of NAME.c and kernels)");
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

int tmc_cmd_compile(int argc, char **argv) {
  const char *path = NULL, *dir = NULL;
  tmc_plan_options opts = {0};
  tmc_emit_options eo = {"model", false, false, NULL};
  const char *detect = NULL;
  tmc_detect_config cfg;
  int32_t keep[TMC_DETECT_MAX_HEADS];
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int r;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(compile_usage, stdout);
      return TMC_EXIT_OK;
    } else if ((r = tmc_cli_plan_option("compile", argc, argv, &i, &opts)) != 0) {
      if (r < 0) return TMC_EXIT_USAGE;
    } else if (!strcmp(a, "--detect")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc compile: --detect needs a file\n\n%s", compile_usage);
        return TMC_EXIT_USAGE;
      }
      detect = argv[++i];
    } else if (!strcmp(a, "-o") || !strcmp(a, "--name")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc compile: %s needs a value\n\n%s", a, compile_usage);
        return TMC_EXIT_USAGE;
      }
      *(a[1] == 'o' ? &dir : &eo.name) = argv[++i];
    } else if (!strcmp(a, "--profile")) {
      eo.profile = true;
    } else if (!strcmp(a, "--main")) {
      eo.main = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tmc compile: unknown option '%s'\n\n%s", a, compile_usage);
      return TMC_EXIT_USAGE;
    } else if (path == NULL) {
      path = a;
    } else {
      fprintf(stderr, "tmc compile: one model at a time ('%s' and '%s')\n", path, a);
      return TMC_EXIT_USAGE;
    }
  }
  if (path == NULL || dir == NULL) {
    fprintf(stderr, "tmc compile: %s\n\n%s", path ? "no -o DIR given" : "no model given",
            compile_usage);
    return TMC_EXIT_USAGE;
  }
  if (!tmc_emit_valid_name(eo.name)) {
    fprintf(stderr, "tmc compile: --name '%s' is not a C identifier\n", eo.name);
    return TMC_EXIT_USAGE;
  }
  tmc_cli_model m;
  tmc_diag d;
  tmc_plan plan;
  tmc_emit_result res = {0};
  tmc_diag_init(&d, NULL);
  int rc = TMC_EXIT_OK;
  bool loaded = tmc_cli_load(path, &m, &d) == TMC_OK;
  if (loaded && detect) {
    loaded = tmc_cli_load_detect(detect, &m, &cfg, &d) == TMC_OK;
    tmc_detect_tensors(&cfg, keep);
    opts.n_keep = cfg.n_heads;
    opts.keep = keep;
    eo.detect = &cfg;
  }
  if (!loaded || tmc_plan_build(&m.graph, &opts, &m.arena, &plan, &d) != TMC_OK ||
      tmc_emit(&plan, &eo, &res, &d) != TMC_OK) {
    rc = tmc_cli_report(&d);
  } else {
    size_t len = 0;
    long long code = measure_code(&res, eo.name);
    char *json = report_json(&plan, &res, eo.name, &opts, code, &len);
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
      printf("%s -> %s/%s.c: %d layers, %d files\n", m.graph.model_name, dir, eo.name,
             plan.n_steps, res.n_files);
      printf("arena (SRAM): %lld bytes (%s planner; lower bound %lld)\n",
             (long long)plan.mem.arena_bytes, tmc_planner_name(plan.mem.planner),
             (long long)plan.mem.lower_bound);
      printf("flash constants: %zu bytes (weights %zu, layer parameters %zu)\n",
             res.weights_bytes + res.params_bytes, res.weights_bytes, res.params_bytes);
      if (code >= 0)
        printf("flash code: %lld bytes (Cortex-M7, -Os; flash in all %lld bytes)\n", code,
               code + (long long)(res.weights_bytes + res.params_bytes));
      if (ls >= 0)
        printf("largest layer: op %d %s, %lld bytes of activations\n", plan.steps[ls].op,
               m.graph.ops[plan.steps[ls].op].name, lb);
    }
  }
  tmc_emit_free(&res);
  tmc_cli_unload(&m);
  return rc;
}
