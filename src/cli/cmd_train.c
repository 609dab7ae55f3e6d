/* tmc train: fine-tunes a model on IDX data with the int8 forward of the
 * host runner, a float backward and QAS + SGD on the trainable set; writes
 * the new model and a JSON report. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/json.h"
#include "cli.h"
#include "train_opts.h"
#include "train/idx.h"
#include "train/train.h"
#include "train/train_plan.h"

/* Where the text goes: standard output, or standard error when the JSON
 * goes to standard output. */
static FILE *info;

static const char train_usage_head[] =
    "usage: tmc train MODEL --data DIR [--update auto|SPEC] [--budget BYTES]\n"
    "                 [--classes N] [--epochs E] [--batch B] [--lr X] [--momentum M]\n"
    "                 [--weight-decay W] [--no-qas] [--float-reference] [--seed S]\n"
    "                 [--limit-train N] [--limit-test N] [--rounding R]\n"
    "                 [--out NEW.tflite] [--json FILE] [--steps-out FILE]\n"
    "                 [--weights-out FILE]\n"
    "\n"
    "Fine-tunes the model on this machine with the int8 kernels of `tmc run` for the\n"
    "forward pass, a float32 backward pass and SGD with quantization-aware scaling on\n"
    "the int8 weights and int32 biases of the trainable set (MCUNetV3's sparse update),\n"
    "in the one arena `tmc plan --train` lays out, with the step's code `tmc compile\n"
    "--train` puts in the generated C.\n"
    "  --data DIR        IDX files as MNIST names them: DIR/train-images-idx3-ubyte,\n"
    "                    train-labels-idx1-ubyte, t10k-images-idx3-ubyte,\n"
    "                    t10k-labels-idx1-ubyte (each may be .gz); images are resized\n"
    "                    (bilinear) and replicated to the model's input, pixels / 255\n"
    "                    quantized with the input's scale and zero point\n"
    "  --epochs E        passes over the training images (default 1)\n";
static const char train_usage_tail[] =
    "  --limit-train N   the first N training images only\n"
    "  --limit-test N    the first N test images only (default all)\n"
    "  --out FILE        write the fine-tuned model (.tflite)\n"
    "  --json FILE       write the report: epochs (epoch 0 before training: loss,\n"
    "                    test_loss, test_accuracy in percent), trainable, memory\n"
    "  --steps-out FILE  write each training step's sample as trained, in order:\n"
    "                    the label (int32, little-endian) and the int8 input\n"
    "  --weights-out FILE write the trained values as the generated NAME_export\n"
    "                    gives them (per layer: int8 weights, int32 biases LE)\n";

static void usage(FILE *f) {
  fputs(train_usage_head, f);
  fputs(tmc_cli_train_usage, f);
  fputs(train_usage_tail, f);
}

typedef struct opts {
  const char *path, *data, *out, *json, *steps_out, *weights_out;
  long long epochs, limit_train, limit_test;
  tmc_cli_train tr;
} opts;

static int parse(int argc, char **argv, opts *o) {
  *o = (opts){.epochs = 1};
  tmc_cli_train_defaults(&o->tr);
  unsigned seen = 0, seen_tr = 0;
  static const char *const valued[] = {"--data", "--epochs", "--limit-train", "--limit-test",
                                       "--out", "--json", "--steps-out", "--weights-out",
                                       NULL};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return -1;
    }
    const int r = tmc_cli_train_option("train", argc, argv, &i, &o->tr, &seen_tr);
    if (r < 0) return TMC_EXIT_USAGE;
    if (r > 0) continue;
    int k = 0;
    while (valued[k] && strcmp(a, valued[k])) k++;
    if (valued[k]) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc train: %s needs a value\n\n", a);
        usage(stderr);
        return TMC_EXIT_USAGE;
      }
      const char *v = argv[++i];
      if (!tmc_cli_once("train", a, &seen, 1u << k)) return TMC_EXIT_USAGE;
      bool ok = true;
      switch (k) {
        case 0: o->data = v; break;
        case 1: ok = tmc_cli_int("train", a, v, 0, 100000, "an epoch count", &o->epochs); break;
        case 2: ok = tmc_cli_int("train", a, v, 1, INT32_MAX, "an image count", &o->limit_train); break;
        case 3: ok = tmc_cli_int("train", a, v, 1, INT32_MAX, "an image count", &o->limit_test); break;
        case 4: o->out = v; break;
        case 5: o->json = v; break;
        case 6: o->steps_out = v; break;
        default: o->weights_out = v; break;
      }
      if (!ok) return TMC_EXIT_USAGE;
    } else if (tmc_cli_operand("train", train_usage_head, a, &o->path) != 0) {
      return TMC_EXIT_USAGE;
    }
  }
  if (tmc_cli_need_model("train", train_usage_head, o->path) != 0) return TMC_EXIT_USAGE;
  if (o->data == NULL) {
    fprintf(stderr, "tmc train: no --data DIR given\n\n");
    usage(stderr);
    return TMC_EXIT_USAGE;
  }
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct epoch_rec {
  double loss, test_loss, test_accuracy;
} epoch_rec;

/* Forward only over a set: the mean loss and the accuracy in percent. */
static void evaluate(tmc_trainer *t, const tmc_train_model *m, const tmc_idx_set *s,
                     double *loss, double *acc) {
  const tmc_tensor *in = &m->g.tensors[m->input];
  double sum = 0;
  int64_t right = 0;
  for (int32_t i = 0; i < s->images.n; i++) {
    tmc_idx_to_input(&s->images, i, in->dims[1], in->dims[2], in->dims[3], in->q.scale[0],
                     in->q.zero_point[0], tmc_trainer_input(t));
    float l;
    right += tmc_trainer_eval(t, s->labels.label[i], &l) == s->labels.label[i];
    sum += l;
  }
  *loss = sum / s->images.n;
  *acc = 100.0 * (double)right / s->images.n;
}

static void progress(int epoch, int epochs, int32_t done, int32_t n, double rate, double loss) {
  char bar[31];
  const int fill = (int)(30LL * done / n);
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = 0;
  fprintf(stderr, "\repoch %d/%d [%s] %d/%d  %.0f images/s  loss %.4f ", epoch, epochs, bar,
          done, n, rate, loss);
}

static void print_set(const tmc_train_model *m, const tmc_train_set *s) {
  const tmc_graph *g = &m->g;
  fprintf(info, "trainable set (%d layer%s):\n", s->n, s->n == 1 ? "" : "s");
  for (int32_t k = 0; k < s->n; k++) {
    const tmc_op *op = &g->ops[s->layer[k].op];
    const tmc_tensor *w = tmc_op_input(g, op, 1);
    const int32_t ch = op->kind == TMC_OP_DEPTHWISE_CONV_2D ? w->dims[3] : w->dims[0];
    fprintf(info, "  op %d %s%s:", op->id, op->name, s->layer[k].op == m->head_op ? " (head)" : "");
    if (s->layer[k].bias) fprintf(info, " bias [%d]", ch);
    if (s->layer[k].channels > 0)
      fprintf(info, "%s weights of %d/%d output channels (%lld int8)", s->layer[k].bias ? "," : "",
             s->layer[k].channels, ch, (long long)(w->elems / ch * s->layer[k].channels));
    fprintf(info, "\n");
  }
}

static void print_memory(const tmc_train_memory *mm) {
  fprintf(info, "training memory (bytes): activations %lld, saved tensors %lld, gradients %lld, "
         "weight gradients %lld, trainable weights %lld, optimizer %lld; one arena of %lld "
         "(%lld reused across parts)\n",
         (long long)mm->activations, (long long)mm->saved, (long long)mm->gradients,
         (long long)mm->weight_gradients, (long long)mm->weights, (long long)mm->optimizer,
         (long long)mm->total, (long long)mm->reused);
}

static void write_json(FILE *f, const opts *o, const tmc_train_model *m, const tmc_train_set *s,
                       const tmc_train_memory *mm, const epoch_rec *ep, int n_ep, double rate,
                       int32_t n_train, int32_t n_test) {
  const tmc_graph *g = &m->g;
  tmc_json j;
  tmc_json_init(&j, f);
  tmc_json_begin_object(&j, NULL);
  tmc_json_string(&j, "model", g->model_name);
  tmc_json_int(&j, "classes", m->classes);
  const tmc_cli_train *t = &o->tr;
  tmc_json_string(&j, "update", t->update ? t->update : "auto");
  tmc_json_int(&j, "budget", t->budget);
  tmc_json_bool(&j, "qas", !t->no_qas);
  tmc_json_bool(&j, "float_reference", t->float_ref);
  static const char *const rounding[] = {"residual", "stochastic", "nearest"};
  tmc_json_string(&j, "rounding", t->float_ref ? "master" : rounding[t->rounding]);
  tmc_json_double(&j, "lr", t->lr);
  tmc_json_double(&j, "momentum", t->momentum);
  tmc_json_double(&j, "weight_decay", t->wd);
  tmc_json_int(&j, "batch", t->batch);
  tmc_json_int(&j, "seed", t->seed);
  tmc_json_int(&j, "train_images", n_train);
  tmc_json_int(&j, "test_images", n_test);
  tmc_json_begin_array(&j, "trainable");
  for (int32_t k = 0; k < s->n; k++) {
    const tmc_op *op = &g->ops[s->layer[k].op];
    const tmc_tensor *w = tmc_op_input(g, op, 1);
    const int32_t ch = op->kind == TMC_OP_DEPTHWISE_CONV_2D ? w->dims[3] : w->dims[0];
    tmc_json_begin_object(&j, NULL);
    tmc_json_int(&j, "op", op->id);
    tmc_json_string(&j, "kind", op->name);
    tmc_json_bool(&j, "head", s->layer[k].op == m->head_op);
    tmc_json_bool(&j, "bias", s->layer[k].bias);
    tmc_json_int(&j, "channels", s->layer[k].channels);
    tmc_json_int(&j, "output_channels", ch);
    tmc_json_int(&j, "weights", w->elems / ch * s->layer[k].channels);
    tmc_json_end_object(&j);
  }
  tmc_json_end_array(&j);
  tmc_json_begin_object(&j, "memory");
  tmc_json_int(&j, "activations", mm->activations);
  tmc_json_int(&j, "saved", mm->saved);
  tmc_json_int(&j, "gradients", mm->gradients);
  tmc_json_int(&j, "weight_gradients", mm->weight_gradients);
  tmc_json_int(&j, "weights", mm->weights);
  tmc_json_int(&j, "optimizer", mm->optimizer);
  tmc_json_int(&j, "total", mm->total);
  tmc_json_int(&j, "reused", mm->reused);
  tmc_json_end_object(&j);
  tmc_json_begin_array(&j, "epochs");
  for (int e = 0; e < n_ep; e++) {
    tmc_json_begin_object(&j, NULL);
    tmc_json_int(&j, "epoch", e);
    tmc_json_double(&j, "loss", ep[e].loss);
    tmc_json_double(&j, "test_loss", ep[e].test_loss);
    tmc_json_double(&j, "test_accuracy", ep[e].test_accuracy);
    tmc_json_end_object(&j);
  }
  tmc_json_end_array(&j);
  tmc_json_double(&j, "images_per_second", rate);
  tmc_json_end_object(&j);
  fputc('\n', f);
}

static int train(const opts *o, tmc_train_model *m, tmc_idx_set *tr, tmc_idx_set *te,
                 tmc_out *outs, tmc_diag *d) {
  tmc_cli_train tro = o->tr;
  tmc_train_cfg cfg;
  tmc_train_set set;
  if (tmc_cli_train_setup(&tro, o->path, TMC_TARGET_GENERIC, m, &cfg, d) != TMC_OK)
    return tmc_cli_report(d);
  d->subject = NULL;
  if (tmc_idx_load_set(o->data, "train", m->classes, o->limit_train, tr, d) != TMC_OK ||
      tmc_idx_load_set(o->data, "t10k", m->classes, o->limit_test, te, d) != TMC_OK)
    return tmc_cli_report(d);
  if (tmc_cli_train_select(&tro, m, &cfg, &set, d) != TMC_OK) return tmc_cli_report(d);
  tmc_trainer *t;
  if (tmc_trainer_new(m, &set, &cfg, &t, d) != TMC_OK) {
    tmc_trainer_free(t);
    return tmc_cli_report(d);
  }
  /* the memory is the training plan's, the one the trainer runs in */
  const tmc_train_memory *mm = tmc_trainer_memory(t);
  if (tmc_cli_train_check(&tro, mm, d) != TMC_OK) {
    tmc_trainer_free(t); /* mm points into it */
    return tmc_cli_report(d);
  }
  print_set(m, &set);
  print_memory(mm);
  const int n_ep = (int)o->epochs + 1;
  epoch_rec *ep = calloc((size_t)n_ep, sizeof *ep);
  int32_t *perm = malloc((size_t)tr->images.n * sizeof *perm);
  if (ep == NULL || perm == NULL) {
    free(ep);
    free(perm);
    tmc_trainer_free(t);
    fprintf(stderr, "tmc train: out of memory\n");
    return TMC_EXIT_BAD_INPUT;
  }
  const tmc_tensor *in = &m->g.tensors[m->input];
  const bool tty = isatty(STDERR_FILENO);
  evaluate(t, m, tr, &ep[0].loss, &ep[0].test_accuracy);
  evaluate(t, m, te, &ep[0].test_loss, &ep[0].test_accuracy);
  fprintf(info, "epoch 0: loss %.4f, test loss %.4f, test accuracy %.2f%% (%d images)\n", ep[0].loss,
         ep[0].test_loss, ep[0].test_accuracy, te->images.n);
  fflush(info);
  for (int32_t i = 0; i < tr->images.n; i++) perm[i] = i;
  uint32_t r = (uint32_t)o->tr.seed ^ 0x9e3779b9u;
  double total_time = 0;
  int64_t total_images = 0;
  int rc = TMC_EXIT_OK;
  for (int e = 1; e < n_ep && rc == TMC_EXIT_OK; e++) {
    for (int32_t i = tr->images.n - 1; i > 0; i--) { /* Fisher-Yates, deterministic */
      r = r * 1103515245u + 12345u;
      const int32_t k = (int32_t)(((uint64_t)(r >> 8) * (uint64_t)(i + 1)) >> 24);
      const int32_t x = perm[i];
      perm[i] = perm[k];
      perm[k] = x;
    }
    const double t0 = now();
    double last = t0, sum = 0;
    for (int32_t i = 0; i < tr->images.n; i++) {
      const int32_t s = perm[i];
      tmc_idx_to_input(&tr->images, s, in->dims[1], in->dims[2], in->dims[3], in->q.scale[0],
                       in->q.zero_point[0], tmc_trainer_input(t));
      if (o->steps_out) { /* the sample as trained: label, input */
        const uint32_t lb = (uint32_t)tr->labels.label[s];
        const uint8_t le[4] = {(uint8_t)lb, (uint8_t)(lb >> 8), (uint8_t)(lb >> 16),
                               (uint8_t)(lb >> 24)};
        fwrite(le, 1, 4, outs[1].f);
        fwrite(tmc_trainer_input(t), 1, (size_t)in->bytes, outs[1].f);
      }
      float l;
      int32_t pred;
      if (tmc_trainer_step(t, tr->labels.label[s], &l, &pred, d) != TMC_OK) {
        rc = tmc_cli_report(d);
        break;
      }
      sum += l;
      const double tn = now();
      if (tty && (tn - last > 0.2 || i + 1 == tr->images.n)) {
        progress(e, n_ep - 1, i + 1, tr->images.n, (i + 1) / (tn - t0 + 1e-9), sum / (i + 1));
        last = tn;
      }
    }
    if (rc == TMC_EXIT_OK && tmc_trainer_flush(t, d) != TMC_OK) rc = tmc_cli_report(d);
    if (rc != TMC_EXIT_OK) break;
    const double dt = now() - t0;
    total_time += dt;
    total_images += tr->images.n;
    if (tty) fputs("\r\033[K", stderr);
    ep[e].loss = sum / tr->images.n;
    evaluate(t, m, te, &ep[e].test_loss, &ep[e].test_accuracy);
    fprintf(info, "epoch %d: loss %.4f, test loss %.4f, test accuracy %.2f%%, %.0f images/s\n", e,
           ep[e].loss, ep[e].test_loss, ep[e].test_accuracy, tr->images.n / (dt + 1e-9));
    fflush(info);
  }
  const double rate = total_time > 0 ? (double)total_images / total_time : 0;
  if (rc == TMC_EXIT_OK && o->out) {
    uint8_t *bytes;
    size_t len;
    if (tmc_train_model_write(m, &bytes, &len, d) != TMC_OK) {
      rc = tmc_cli_report(d);
    } else {
      fwrite(bytes, 1, len, outs[0].f);
      free(bytes);
    }
  }
  if (rc == TMC_EXIT_OK && o->weights_out) {
    const tmc_train_plan *tp = tmc_trainer_train_plan(t);
    const int32_t n = tmc_train_rt_export(&tp->rt, tmc_trainer_arena(t), NULL, 0);
    uint8_t *w = malloc((size_t)n + 1);
    if (w == NULL) {
      tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
      rc = tmc_cli_report(d);
    } else {
      tmc_train_rt_export(&tp->rt, tmc_trainer_arena(t), w, n);
      fwrite(w, 1, (size_t)n, outs[2].f);
      free(w);
    }
  }
  if (rc == TMC_EXIT_OK && o->json)
    write_json(outs[3].f, o, m, &set, mm, ep, n_ep, rate, tr->images.n, te->images.n);
  free(ep);
  free(perm);
  tmc_trainer_free(t);
  return rc;
}

int tmc_cmd_train(int argc, char **argv) {
  opts o;
  int rc = parse(argc, argv, &o);
  if (rc != 0) return rc < 0 ? TMC_EXIT_OK : rc;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  /* both outputs opened first (a path that cannot be written fails before
   * the training), committed together at the end, or neither */
  tmc_out outs[4] = {{0}}; /* --out, --steps-out, --weights-out, --json (last: may be '-') */
  const bool json_stdout = o.json && !strcmp(o.json, "-");
  info = json_stdout ? stderr : stdout;
  if ((o.out && tmc_out_open(&outs[0], o.out, &d) != TMC_OK) ||
      (o.steps_out && tmc_out_open(&outs[1], o.steps_out, &d) != TMC_OK) ||
      (o.weights_out && tmc_out_open(&outs[2], o.weights_out, &d) != TMC_OK) ||
      (o.json && tmc_out_open(&outs[3], o.json, &d) != TMC_OK)) {
    rc = tmc_cli_report(&d);
    tmc_out_close_all(outs, 4, false, &d);
    return rc;
  }
  tmc_train_model m;
  tmc_idx_set tr = {0}, te = {0};
  rc = train(&o, &m, &tr, &te, outs, &d);
  tmc_diag_init(&d, NULL);
  int n = 4 - json_stdout; /* standard output is left to main's check */
  if (tmc_out_close_all(outs, n, rc == TMC_EXIT_OK, &d) != TMC_OK && rc == TMC_EXIT_OK)
    rc = tmc_cli_report(&d);
  tmc_idx_free(&tr);
  tmc_idx_free(&te);
  tmc_train_model_free(&m);
  return rc;
}
