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
#include "train/idx.h"
#include "train/train.h"

/* Where the text goes: standard output, or standard error when the JSON
 * goes to standard output. */
static FILE *info;

static const char train_usage[] =
    "usage: tmc train MODEL --data DIR [--update auto|SPEC] [--budget BYTES]\n"
    "                 [--classes N] [--epochs E] [--batch B] [--lr X] [--momentum M]\n"
    "                 [--weight-decay W] [--no-qas] [--float-reference] [--seed S]\n"
    "                 [--limit-train N] [--limit-test N] [--rounding nearest|stochastic]\n"
    "                 [--out NEW.tflite] [--json FILE]\n"
    "\n"
    "Fine-tunes the model on this machine with the int8 kernels of `tmc run` for the\n"
    "forward pass, a float32 backward pass and SGD with quantization-aware scaling on\n"
    "the int8 weights and int32 biases of the trainable set (MCUNetV3's sparse update).\n"
    "  --data DIR        IDX files as MNIST names them: DIR/train-images-idx3-ubyte,\n"
    "                    train-labels-idx1-ubyte, t10k-images-idx3-ubyte,\n"
    "                    t10k-labels-idx1-ubyte (each may be .gz); images are resized\n"
    "                    (bilinear) and replicated to the model's input, pixels / 255\n"
    "                    quantized with the input's scale and zero point\n"
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
    "  --budget BYTES    total training SRAM for auto (default 262144): activations,\n"
    "                    saved tensors, gradients, trainable weights, optimizer state\n"
    "  --classes N       replace the classifier head with a new N-way\n"
    "                    FULLY_CONNECTED (int8, initialised from --seed)\n"
    "  --epochs E        passes over the training images (default 1)\n"
    "  --batch B         images per update (default 8; 1 updates each layer during\n"
    "                    the backward, channel by channel: no gradient accumulators)\n"
    "  --lr X            learning rate (default 0.01)\n"
    "  --momentum M      SGD momentum (default 0)\n"
    "  --weight-decay W  L2 weight decay (default 0)\n"
    "  --no-qas          no quantization-aware scaling of the int8 gradients\n"
    "  --float-reference train float32 master copies of the same set\n"
    "  --rounding R      how an int8 weight takes its step: stochastic (default;\n"
    "                    floor(step + r), r from a fixed generator seeded by --seed)\n"
    "                    or nearest (steps below half a unit are lost)\n"
    "  --seed S          the head's initialisation and the shuffling (default 1)\n"
    "  --limit-train N   the first N training images only\n"
    "  --limit-test N    the first N test images only (default all)\n"
    "  --out FILE        write the fine-tuned model (.tflite)\n"
    "  --json FILE       write the report: epochs (epoch 0 before training: loss,\n"
    "                    test_loss, test_accuracy in percent), trainable, memory\n";

/* A decimal number option in [lo, hi] (digits, one '.', no sign). */
static bool parse_real(const char *flag, const char *v, double lo, double hi, double *out) {
  char *end = (char *)v;
  double x = 0;
  if (((v[0] >= '0' && v[0] <= '9') || v[0] == '.') && !strpbrk(v, "xXeEnNiI"))
    x = strtod(v, &end);
  if (end == v || *end || !(x >= lo && x <= hi)) {
    fprintf(stderr, "tmc train: %s '%s' is not a number in [%g, %g]\n", flag, tmc_cli_esc(v),
            lo, hi);
    return false;
  }
  *out = x;
  return true;
}

typedef struct opts {
  const char *path, *data, *update, *out, *json;
  long long budget, classes, epochs, batch, seed, limit_train, limit_test;
  double lr, momentum, wd;
  bool no_qas, float_ref, nearest, budget_given;
} opts;

static int parse(int argc, char **argv, opts *o) {
  *o = (opts){.budget = 262144, .epochs = 1, .batch = 8, .seed = 1, .lr = 0.01};
  unsigned seen = 0;
  static const char *const valued[] = {"--data", "--update", "--budget", "--classes",
                                       "--epochs", "--batch", "--lr", "--momentum",
                                       "--weight-decay", "--seed", "--limit-train",
                                       "--limit-test", "--out", "--json", "--rounding",
                                       NULL};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(train_usage, stdout);
      return -1;
    }
    int k = 0;
    while (valued[k] && strcmp(a, valued[k])) k++;
    if (valued[k]) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tmc train: %s needs a value\n\n%s", a, train_usage);
        return TMC_EXIT_USAGE;
      }
      const char *v = argv[++i];
      if (!tmc_cli_once("train", a, &seen, 1u << k)) return TMC_EXIT_USAGE;
      bool ok = true;
      switch (k) {
        case 0: o->data = v; break;
        case 1: o->update = v; break;
        case 2:
          ok = tmc_cli_int("train", a, v, 1, (long long)1 << 40, "a byte count", &o->budget);
          o->budget_given = true;
          break;
        case 3: ok = tmc_cli_int("train", a, v, 2, 65536, "a class count", &o->classes); break;
        case 4: ok = tmc_cli_int("train", a, v, 0, 100000, "an epoch count", &o->epochs); break;
        case 5: ok = tmc_cli_int("train", a, v, 1, 1 << 20, "a batch size", &o->batch); break;
        case 6: ok = parse_real(a, v, 0, 1e6, &o->lr); break;
        case 7: ok = parse_real(a, v, 0, 0.999999, &o->momentum); break;
        case 8: ok = parse_real(a, v, 0, 1e3, &o->wd); break;
        case 9: ok = tmc_cli_int("train", a, v, 0, 0xffffffffLL, "a 32-bit number", &o->seed); break;
        case 10: ok = tmc_cli_int("train", a, v, 1, INT32_MAX, "an image count", &o->limit_train); break;
        case 11: ok = tmc_cli_int("train", a, v, 1, INT32_MAX, "an image count", &o->limit_test); break;
        case 12: o->out = v; break;
        case 13: o->json = v; break;
        default:
          ok = !strcmp(v, "nearest") || !strcmp(v, "stochastic");
          if (!ok)
            fprintf(stderr, "tmc train: --rounding '%s' is not nearest or stochastic\n",
                    tmc_cli_esc(v));
          o->nearest = !strcmp(v, "nearest");
          break;
      }
      if (!ok) return TMC_EXIT_USAGE;
    } else if (!strcmp(a, "--no-qas") || !strcmp(a, "--float-reference")) {
      const bool q = a[2] == 'n';
      if (!tmc_cli_once("train", a, &seen, q ? 1u << 20 : 1u << 21)) return TMC_EXIT_USAGE;
      *(q ? &o->no_qas : &o->float_ref) = true;
    } else if (tmc_cli_operand("train", train_usage, a, &o->path) != 0) {
      return TMC_EXIT_USAGE;
    }
  }
  if (tmc_cli_need_model("train", train_usage, o->path) != 0) return TMC_EXIT_USAGE;
  if (o->data == NULL) {
    fprintf(stderr, "tmc train: no --data DIR given\n\n%s", train_usage);
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
         "weight gradients %lld, trainable weights %lld, optimizer %lld; total %lld\n",
         (long long)mm->activations, (long long)mm->saved, (long long)mm->gradients,
         (long long)mm->weight_gradients, (long long)mm->weights, (long long)mm->optimizer,
         (long long)mm->total);
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
  tmc_json_string(&j, "update", o->update ? o->update : "auto");
  tmc_json_int(&j, "budget", o->budget);
  tmc_json_bool(&j, "qas", !o->no_qas);
  tmc_json_bool(&j, "float_reference", o->float_ref);
  tmc_json_string(&j, "rounding", o->float_ref ? "master" : o->nearest ? "nearest" : "stochastic");
  tmc_json_double(&j, "lr", o->lr);
  tmc_json_double(&j, "momentum", o->momentum);
  tmc_json_double(&j, "weight_decay", o->wd);
  tmc_json_int(&j, "batch", o->batch);
  tmc_json_int(&j, "seed", o->seed);
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
  uint32_t rng = (uint32_t)o->seed * 2654435761u + 1u;
  tmc_train_cfg cfg = {{(float)o->lr, (float)o->momentum, (float)o->wd, !o->no_qas,
                        o->nearest || o->float_ref ? NULL : &rng},
                       o->float_ref, (int32_t)o->batch};
  tmc_train_set set;
  if (tmc_train_model_load(o->path, (int32_t)o->classes, (uint32_t)o->seed, m, d) != TMC_OK)
    return tmc_cli_report(d);
  d->subject = NULL;
  if (tmc_idx_load_set(o->data, "train", m->classes, o->limit_train, tr, d) != TMC_OK ||
      tmc_idx_load_set(o->data, "t10k", m->classes, o->limit_test, te, d) != TMC_OK)
    return tmc_cli_report(d);
  d->subject = m->g.model_name;
  if ((o->update == NULL || !strcmp(o->update, "auto"))
          ? tmc_train_select_auto(m, o->budget, &cfg, &set, d) != TMC_OK
          : tmc_train_select_spec(m, o->update, &set, d) != TMC_OK)
    return tmc_cli_report(d);
  tmc_trainer *t;
  if (tmc_trainer_new(m, &set, &cfg, &t, d) != TMC_OK) {
    tmc_trainer_free(t);
    return tmc_cli_report(d);
  }
  const tmc_train_memory *mm = tmc_trainer_memory(t);
  if (o->budget_given && mm->total > o->budget) {
    tmc_fail(d, TMC_ERR_LIMIT, "--update '%s' needs %lld bytes of training memory, beyond "
             "--budget %lld", o->update, (long long)mm->total, (long long)o->budget);
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
  uint32_t r = (uint32_t)o->seed ^ 0x9e3779b9u;
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
  if (rc == TMC_EXIT_OK && o->json)
    write_json(outs[1].f, o, m, &set, mm, ep, n_ep, rate, tr->images.n, te->images.n);
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
  tmc_out outs[2] = {{0}};
  const bool json_stdout = o.json && !strcmp(o.json, "-");
  info = json_stdout ? stderr : stdout;
  if ((o.out && tmc_out_open(&outs[0], o.out, &d) != TMC_OK) ||
      (o.json && tmc_out_open(&outs[1], o.json, &d) != TMC_OK)) {
    rc = tmc_cli_report(&d);
    tmc_out_close_all(outs, 2, false, &d);
    return rc;
  }
  tmc_train_model m;
  tmc_idx_set tr = {0}, te = {0};
  rc = train(&o, &m, &tr, &te, outs, &d);
  tmc_diag_init(&d, NULL);
  int n = 2 - json_stdout; /* standard output is left to main's check */
  if (tmc_out_close_all(outs, n, rc == TMC_EXIT_OK, &d) != TMC_OK && rc == TMC_EXIT_OK)
    rc = tmc_cli_report(&d);
  tmc_idx_free(&tr);
  tmc_idx_free(&te);
  tmc_train_model_free(&m);
  return rc;
}
