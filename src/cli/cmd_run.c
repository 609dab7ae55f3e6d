/* tmc run: executes a model on the host with the same plan and kernels the
 * generated C uses, reading raw inputs (or the golden input pattern) and
 * writing raw outputs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/le.h"
#include "cli.h"
#include "host/run.h"
#include "load.h"
#include "plan/detect.h"

static const char run_usage[] =
    "usage: tmc run MODEL (--input FILE... | --seed N) --out DIR [--io int8]\n"
    "               [--invokes N]\n"
    "               [--planner best|first-fit] [--limit BYTES]\n"
    "               [--patch none|auto|SPLIT:RxC] [--target T]\n"
    "               [--detect CONFIG.json [--score S] [--nms-iou T]]\n"
    "\n"
    "Runs the model on this machine with tmc's kernels and one static arena.\n"
    "  --input FILE  raw little-endian bytes of one model input (repeat, in input\n"
    "                order; float32 for float inputs)\n"
    "  --seed N      fill the inputs with the golden test pattern of seed N\n"
    "  --out DIR     write DIR/output0.bin, output1.bin, ... (raw bytes, model order)\n"
    "  --invokes N   N consecutive invokes on the same state (SVDF, LSTM), reset\n"
    "                once before the first: --input once per model input per invoke\n"
    "                (invoke 0's first), --seed's byte stream continues from one\n"
    "                invoke to the next; invoke j >= 1 writes DIR/invoke<j>.output<k>.bin\n"
    "  --io int8     drop the float QUANTIZE/DEQUANTIZE at the model's edges: int8\n"
    "                inputs and outputs (their scale and zero point are printed)\n"
    "  --planner P   best (default) or first-fit arena layout\n"
    "  --limit N     fail when the arena needs more than N bytes\n"
    "  --patch P     none (default), auto (search split and grid), or SPLIT:RxC\n"
    "                (run ops up to SPLIT patch by patch on an R x C grid)\n"
    "  --target T    generic (default: portable C), cortex-m0, cortex-m4, cortex-m7,\n"
    "                cortex-m33 or cortex-m55: the kernels chosen per layer (the\n"
    "                DSP cores' use its SIMD instructions); same output bytes\n"
    "  --detect CFG  YOLO post-processing of the heads in CFG (TinyEngine's\n"
    "                detection config): prints the boxes\n"
    "  --score S     detection score threshold (default 0.3)\n"
    "  --nms-iou T   IoU above which NMS suppresses a box (default 0.45)\n";

/* The 32-bit LCG of the golden input pattern (../shared/golden/README.md). */
static uint8_t next_byte(uint32_t *x) {
  *x = *x * 1103515245u + 12345u;
  return (uint8_t)((*x >> 16) & 0xFF);
}

/* The QUANTIZE that reads graph input t, if any. */
static const tmc_op *quantize_consumer(const tmc_graph *g, const tmc_tensor *t) {
  for (int i = 0; i < t->n_consumers; i++) {
    const tmc_op *op = &g->ops[t->consumers[i]];
    if (op->kind == TMC_OP_QUANTIZE) return op;
  }
  return NULL;
}

/* Fills the inputs from the stream in state *x (continued across invokes). */
static int fill_seed(const tmc_plan *plan, uint8_t *arena, uint32_t *xs) {
  const tmc_graph *g = plan->g;
  uint32_t x = *xs;
  for (int i = 0; i < g->n_inputs; i++) {
    const tmc_tensor *t = &g->tensors[g->inputs[i]];
    uint8_t *dst = tmc_host_tensor(plan, arena, t->id);
    const tmc_op *q = t->type == TMC_F32 ? quantize_consumer(g, t) : NULL;
    const tmc_tensor *qo = q ? tmc_op_output(g, q, 0) : NULL;
    for (int64_t e = 0; e < t->elems; e++) {
      switch (t->type) {
        case TMC_F32: {
          int8_t b = (int8_t)next_byte(&x);
          float f = (qo && qo->q.n) ? (float)(b - qo->q.zero_point[0]) * qo->q.scale[0]
                                    : (float)b / 128.0f;
          memcpy(dst + 4 * e, &f, 4);
          break;
        }
        case TMC_I8: case TMC_U8:
          dst[e] = next_byte(&x);
          break;
        case TMC_I16:
          dst[2 * e] = next_byte(&x);
          dst[2 * e + 1] = next_byte(&x);
          break;
        case TMC_BOOL:
          dst[e] = next_byte(&x) & 1;
          break;
        default:
          fprintf(stderr, "tmc run: input %d (tensor %d '%s'): --seed cannot fill %s\n", i,
                  t->id, tmc_cli_esc(t->name), tmc_dtype_name(t->type));
          return TMC_EXIT_BAD_INPUT;
      }
    }
  }
  *xs = x;
  return TMC_EXIT_OK;
}

/* The inputs of one invoke: files[0..n_inputs). */
static int read_inputs(const tmc_plan *plan, uint8_t *arena, char **files) {
  const tmc_graph *g = plan->g;
  const int n = g->n_inputs;
  for (int i = 0; i < n; i++) {
    const tmc_tensor *t = &g->tensors[g->inputs[i]];
    tmc_diag d;
    tmc_diag_init(&d, NULL);
    uint8_t *data;
    size_t len;
    if (tmc_cli_read(files[i], (size_t)t->bytes + 1, &data, &len, &d) != TMC_OK &&
        d.status != TMC_ERR_LIMIT)
      return tmc_cli_report(&d);
    if (d.status == TMC_ERR_LIMIT || len != (size_t)t->bytes) {
      fprintf(stderr, "tmc run: %s: input %d (tensor %d '%s', %s %s): '%s' has %s bytes, "
              "expected %lld\n", tmc_cli_esc(g->model_name), i, t->id, tmc_cli_esc(t->name),
              tmc_dtype_name(t->type), t->rank ? "tensor" : "scalar", tmc_cli_esc(files[i]),
              d.status == TMC_ERR_LIMIT ? "more" : "a different number of",
              (long long)t->bytes);
      if (d.status != TMC_ERR_LIMIT) free(data);
      return TMC_EXIT_BAD_INPUT;
    }
    memcpy(tmc_host_tensor(plan, arena, t->id), data, len);
    free(data);
  }
  return TMC_EXIT_OK;
}

/* The bytes of every output of one invoke, in model order. */
static size_t outputs_bytes(const tmc_plan *plan) {
  size_t n = 0;
  for (int k = 0; k < plan->g->n_outputs; k++)
    n += (size_t)plan->g->tensors[plan->g->outputs[k]].bytes;
  return n;
}

static void save_outputs(const tmc_plan *plan, uint8_t *arena, uint8_t *dst) {
  for (int k = 0; k < plan->g->n_outputs; k++) {
    const tmc_tensor *t = &plan->g->tensors[plan->g->outputs[k]];
    memcpy(dst, tmc_host_tensor(plan, arena, t->id), (size_t)t->bytes);
    dst += t->bytes;
  }
}

/* Writes DIR/output<k>.bin (invoke 0) and DIR/invoke<j>.output<k>.bin
 * (invoke j >= 1) from saved (invokes x outputs_bytes), all or none
 * (tmc_write_files). */
static int write_outputs(const tmc_plan *plan, const uint8_t *saved, int invokes,
                         const char *dir) {
  const tmc_graph *g = plan->g;
  const size_t nf = (size_t)g->n_outputs * (size_t)invokes;
  tmc_named_data *files = calloc(nf + 1, sizeof *files);
  char (*names)[48] = calloc(nf + 1, sizeof *names);
  int rc = TMC_EXIT_OK;
  if (files == NULL || names == NULL) {
    fprintf(stderr, "tmc run: out of memory\n");
    rc = TMC_EXIT_BAD_INPUT;
  }
  for (int j = 0, f = 0; rc == TMC_EXIT_OK && j < invokes; j++)
    for (int k = 0; k < g->n_outputs; k++, f++) {
      const tmc_tensor *t = &g->tensors[g->outputs[k]];
      if (j == 0)
        snprintf(names[f], sizeof names[f], "output%d.bin", k);
      else
        snprintf(names[f], sizeof names[f], "invoke%d.output%d.bin", j, k);
      files[f].name = names[f];
      files[f].data = saved;
      files[f].size = (size_t)t->bytes;
      saved += t->bytes;
    }
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  if (rc == TMC_EXIT_OK && tmc_write_files(dir, files, (int)nf, &d) != TMC_OK)
    rc = tmc_cli_report(&d);
  free(files);
  free(names);
  return rc;
}

/* Prints each output's shape and, for a classifier-like output, the top 5. */
static void print_summary(const tmc_plan *plan, uint8_t *arena) {
  const tmc_graph *g = plan->g;
  printf("%s: %d steps, arena %lld bytes\n", tmc_cli_esc(g->model_name), plan->n_steps,
         (long long)plan->mem.arena_bytes);
  for (int k = 0; k < g->n_outputs; k++) {
    const tmc_tensor *t = &g->tensors[g->outputs[k]];
    printf("output %d: tensor %d '%s' %s [", k, t->id, tmc_cli_esc(t->name),
           tmc_dtype_name(t->type));
    for (int i = 0; i < t->rank; i++) printf(i ? ",%d" : "%d", t->dims[i]);
    printf("]");
    if ((t->type == TMC_I8 || t->type == TMC_I16 || t->type == TMC_I32) && t->q.n == 1)
      printf(" scale %.9g zero point %d", (double)t->q.scale[0], t->q.zero_point[0]);
    printf("\n");
    int64_t n = t->elems;
    if (n < 2 || n > 100000 || t->elems != t->dims[t->rank - 1]) continue;
    const uint8_t *p = tmc_host_tensor(plan, arena, t->id);
    int best[5];
    double val[5];
    int nb = 0;
    for (int64_t i = 0; i < n; i++) {
      double v;
      if (t->type == TMC_F32) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        v = f;
      } else if (t->type == TMC_I8) {
        v = (int8_t)p[i];
      } else if (t->type == TMC_I16) {
        v = tmc_le_i16(p + 2 * i);
      } else if (t->type == TMC_I32) {
        v = tmc_le_i32(p + 4 * i);
      } else {
        break;
      }
      int pos = nb < 5 ? nb++ : 5;
      while (pos > 0 && val[pos - 1] < v) {
        if (pos < 5) {
          val[pos] = val[pos - 1];
          best[pos] = best[pos - 1];
        }
        pos--;
      }
      if (pos < 5) {
        val[pos] = v;
        best[pos] = (int)i;
      }
    }
    printf("  top %d:", nb);
    for (int i = 0; i < nb; i++) printf(" %d (%g)", best[i], val[i]);
    printf("\n");
  }
}

/* Runs the YOLO post-processing on the arena and prints the boxes. */
static void print_boxes(const tmc_detect_config *cfg, const tmc_plan *plan, uint8_t *arena,
                        float score, float nms_iou) {
  tmc_yolo_head heads[TMC_DETECT_MAX_HEADS];
  tmc_box boxes[100];
  tmc_detect_bind(cfg, plan, arena, heads);
  int n = tmc_yolo_detect(heads, cfg->n_heads, score, nms_iou, boxes, 100);
  printf("detections (score >= %g, NMS IoU %g): %d\n", (double)score, (double)nms_iou, n);
  for (int i = 0; i < n; i++)
    printf("  class %d score %.4f box [%.1f, %.1f, %.1f, %.1f]\n", boxes[i].cls,
           (double)boxes[i].score, (double)boxes[i].x1, (double)boxes[i].y1,
           (double)boxes[i].x2, (double)boxes[i].y2);
}

int tmc_cmd_run(int argc, char **argv) {
  const char *path = NULL, *out = NULL;
  char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
  int n_inputs = 0, have_seed = 0, rc, r;
  tmc_plan_options opts = {0};
  const char *detect = NULL;
  float score = 0.3f, nms_iou = 0.45f;
  tmc_detect_config cfg;
  int32_t keep[TMC_DETECT_MAX_HEADS];
  long long seed = 0, invokes = 1;
  unsigned seen = 0;
  enum {
    SEEN_OUT = TMC_CLI_SEEN_FREE, SEEN_SEED = SEEN_OUT << 1, SEEN_DETECT = SEEN_SEED << 1,
    SEEN_SCORE = SEEN_DETECT << 1, SEEN_NMS = SEEN_SCORE << 1, SEEN_INVOKES = SEEN_NMS << 1
  };
  if (inputs == NULL) return TMC_EXIT_BAD_INPUT;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(run_usage, stdout);
      free(inputs);
      return TMC_EXIT_OK;
    } else if ((r = tmc_cli_plan_option("run", argc, argv, &i, &opts, &seen)) != 0) {
      if (r < 0) {
        free(inputs);
        return TMC_EXIT_USAGE;
      }
    } else if ((!strcmp(a, "--input") || !strcmp(a, "--out") || !strcmp(a, "--seed") ||
                !strcmp(a, "--invokes")) && i + 1 >= argc) {
      fprintf(stderr, "tmc run: %s needs a value\n\n%s", a, run_usage);
      free(inputs);
      return TMC_EXIT_USAGE;
    } else if ((!strcmp(a, "--detect") || !strcmp(a, "--score") || !strcmp(a, "--nms-iou")) &&
               i + 1 >= argc) {
      fprintf(stderr, "tmc run: %s needs a value\n\n%s", a, run_usage);
      free(inputs);
      return TMC_EXIT_USAGE;
    } else if (!strcmp(a, "--out") || !strcmp(a, "--seed") || !strcmp(a, "--detect") ||
               !strcmp(a, "--score") || !strcmp(a, "--nms-iou")) {
      unsigned bit = !strcmp(a, "--out")      ? SEEN_OUT
                     : !strcmp(a, "--seed")   ? SEEN_SEED
                     : !strcmp(a, "--detect") ? SEEN_DETECT
                     : !strcmp(a, "--score")  ? SEEN_SCORE
                                              : SEEN_NMS;
      const char *v = argv[++i];
      bool ok = tmc_cli_once("run", a, &seen, bit);
      if (ok && bit == SEEN_OUT) {
        out = v;
      } else if (ok && bit == SEEN_DETECT) {
        detect = v;
      } else if (ok && bit == SEEN_SEED) {
        ok = tmc_cli_int("run", "--seed", v, 0, 0xffffffffLL, "a 32-bit number", &seed);
        have_seed = 1;
      } else if (ok) {
        /* decimal only: strtod alone would take "", leading blanks, hex */
        char *end = (char *)v;
        double x = 0;
        if (((v[0] >= '0' && v[0] <= '9') || v[0] == '.') && !strpbrk(v, "xX"))
          x = strtod(v, &end);
        if (end == v || *end || !(x >= 0 && x <= 1)) {
          fprintf(stderr, "tmc run: %s '%s' is not a number in [0, 1]\n", a, tmc_cli_esc(v));
          ok = false;
        }
        *(bit == SEEN_SCORE ? &score : &nms_iou) = (float)x;
      }
      if (!ok) {
        free(inputs);
        return TMC_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--invokes")) {
      if (!tmc_cli_once("run", a, &seen, SEEN_INVOKES) ||
          !tmc_cli_int("run", "--invokes", argv[++i], 1, 1000000, "a count of 1 to 1000000",
                       &invokes)) {
        free(inputs);
        return TMC_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--input")) {
      inputs[n_inputs++] = argv[++i]; /* once per model input */
    } else if (tmc_cli_operand("run", run_usage, a, &path) != 0) {
      free(inputs);
      return TMC_EXIT_USAGE;
    }
  }
  if (path == NULL || out == NULL || (n_inputs > 0) == have_seed) {
    fprintf(stderr, "tmc run: %s\n\n%s",
            path == NULL ? "no model given" : out == NULL ? "no --out DIR given"
                                            : "give either --input files or --seed",
            run_usage);
    free(inputs);
    return TMC_EXIT_USAGE;
  }
  tmc_cli_model m;
  tmc_diag d;
  tmc_plan plan;
  uint8_t *arena = NULL, *saved = NULL;
  tmc_diag_init(&d, NULL);
  bool loaded = tmc_cli_load(path, &m, &d) == TMC_OK;
  if (loaded && detect) {
    loaded = tmc_cli_load_detect(detect, &m, &cfg, keep, &opts, &d) == TMC_OK;
  }
  if (!loaded || tmc_plan_build(&m.graph, &opts, &m.arena, &plan, &d) != TMC_OK) {
    rc = tmc_cli_report(&d);
  } else if (!have_seed && n_inputs != m.graph.n_inputs * invokes) {
    fprintf(stderr, "tmc run: %s: %d --input file%s given, the model has %d input%s "
            "(%lld invoke%s)\n", tmc_cli_esc(m.graph.model_name), n_inputs,
            n_inputs == 1 ? "" : "s", m.graph.n_inputs, m.graph.n_inputs == 1 ? "" : "s",
            invokes, invokes == 1 ? "" : "s");
    rc = TMC_EXIT_USAGE;
  } else if ((arena = calloc(1, (size_t)plan.mem.arena_bytes + 1)) == NULL ||
             (saved = malloc(outputs_bytes(&plan) * (size_t)invokes + 1)) == NULL) {
    fprintf(stderr, "tmc run: cannot allocate the %lld-byte arena\n",
            (long long)plan.mem.arena_bytes);
    rc = TMC_EXIT_BAD_INPUT;
  } else {
    uint32_t stream = (uint32_t)seed;
    rc = TMC_EXIT_OK;
    tmc_host_reset(&plan, arena);
    for (long long j = 0; j < invokes && rc == TMC_EXIT_OK; j++) {
      rc = have_seed ? fill_seed(&plan, arena, &stream)
                     : read_inputs(&plan, arena, inputs + j * m.graph.n_inputs);
      if (rc != TMC_EXIT_OK) break;
      tmc_host_invoke(&plan, arena, NULL, NULL);
      save_outputs(&plan, arena, saved + (size_t)j * outputs_bytes(&plan));
    }
    if (rc == TMC_EXIT_OK) {
      rc = write_outputs(&plan, saved, (int)invokes, out);
      if (rc == TMC_EXIT_OK) print_summary(&plan, arena);
      if (rc == TMC_EXIT_OK && detect) print_boxes(&cfg, &plan, arena, score, nms_iou);
    }
  }
  free(arena);
  free(saved);
  tmc_cli_unload(&m);
  free(inputs);
  return rc;
}
