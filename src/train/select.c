/* The trainable set: its backward path, its memory, --update auto under a
 * budget and --update SPEC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/op_table.h"
#include "path.h"
#include "train_plan.h"
#include "plan/quant.h"

static bool is_layer_kind(tmc_op_kind k) {
  return k == TMC_OP_FULLY_CONNECTED || k == TMC_OP_CONV_2D || k == TMC_OP_DEPTHWISE_CONV_2D;
}

/* Ops the backward can run (besides the layers). */
static bool has_backward(const tmc_graph *g, const tmc_op *op) {
  switch (op->kind) {
    case TMC_OP_CONV_2D: /* one group only */
      return tmc_op_input(g, op, 1)->dims[3] == tmc_op_input(g, op, 0)->dims[3];
    case TMC_OP_FULLY_CONNECTED: case TMC_OP_DEPTHWISE_CONV_2D:
    case TMC_OP_AVERAGE_POOL_2D: case TMC_OP_MEAN: case TMC_OP_RESHAPE: case TMC_OP_SQUEEZE:
    case TMC_OP_TRANSPOSE:
      return true;
    case TMC_OP_ADD: { /* same shapes only: no broadcast */
      const tmc_tensor *a = tmc_op_input(g, op, 0), *b = tmc_op_input(g, op, 1);
      return a && b && a->elems == b->elems && a->elems == tmc_op_output(g, op, 0)->elems;
    }
    case TMC_OP_QUANTIZE: /* int8 -> int8 requantization */
      return tmc_op_input(g, op, 0)->type == TMC_I8;
    case TMC_OP_MAX_POOL_2D: /* the int8 input kept: its maximum found again */
      return tmc_op_input(g, op, 0)->type == TMC_I8;
    case TMC_OP_PAD: case TMC_OP_PADV2: { /* constant paddings, rank <= 4 */
      const tmc_tensor *x = tmc_op_input(g, op, 0), *p = tmc_op_input(g, op, 1);
      return x->rank <= 4 && p && p->is_const && p->elems == 2 * x->rank;
    }
    default:
      return false;
  }
}

void tmc_train_layer_shape(const tmc_graph *g, const tmc_op *op, int32_t *channels,
                           int64_t *per_channel) {
  const tmc_tensor *w = tmc_op_input(g, op, 1);
  *channels = op->kind == TMC_OP_DEPTHWISE_CONV_2D ? w->dims[3] : w->dims[0];
  *per_channel = w->elems / *channels;
}

bool tmc_train_act_bounds(const tmc_graph *g, const tmc_op *op, int32_t *lo, int32_t *hi) {
  tmc_act act;
  switch (op->kind) {
    case TMC_OP_FULLY_CONNECTED: act = op->attr.fc.act; break;
    case TMC_OP_CONV_2D: case TMC_OP_DEPTHWISE_CONV_2D: act = op->attr.conv.act; break;
    case TMC_OP_ADD: act = op->attr.binary.act; break;
    case TMC_OP_AVERAGE_POOL_2D: case TMC_OP_MAX_POOL_2D: act = op->attr.pool.act; break;
    default: return false;
  }
  if (act != TMC_FUSED_RELU && act != TMC_FUSED_RELU6 && act != TMC_FUSED_RELU_N1_TO_1)
    return false;
  const tmc_tensor *y = tmc_op_output(g, op, 0);
  tmc_activation_range_s8((int)act, y->q.scale[0], y->q.zero_point[0], lo, hi);
  if (act == TMC_FUSED_RELU) *hi = 128; /* no upper clamp */
  return true;
}

/* Whether tensor t reaches the logits (reach[] filled backward). */
static void reach_logits(const tmc_train_model *m, bool *reach) {
  const tmc_graph *g = &m->g;
  reach[m->logits] = true;
  for (int32_t i = m->head_op; i >= 0; i--) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op)) continue;
    bool r = false;
    for (int k = 0; k < op->n_out; k++) r |= reach[op->out[k]];
    if (!r) continue;
    for (int k = 0; k < op->n_in; k++)
      if (op->in[k] >= 0 && !g->tensors[op->in[k]].is_const) reach[op->in[k]] = true;
  }
}

static bool is_view_op(const tmc_graph *g, const tmc_op *op) {
  const tmc_tensor *x = tmc_op_input(g, op, 0);
  return tmc_op_desc_of(op->kind)->lower == TMC_LOWER_view && x && !x->is_const;
}

static tmc_status grad_lives(const tmc_train_model *m, tmc_train_path *p, tmc_arena *a,
                             tmc_diag *d);

int32_t tmc_train_layers(const tmc_train_model *m, int32_t *ops, int32_t max) {
  const tmc_graph *g = &m->g;
  bool *reach = calloc((size_t)g->n_tensors, sizeof *reach);
  if (reach == NULL) return 0;
  reach_logits(m, reach);
  int32_t n = 0;
  for (int32_t i = m->head_op; i >= 0 && n < max; i--) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op) || !is_layer_kind(op->kind) || !reach[op->out[0]]) continue;
    const tmc_tensor *w = tmc_op_input(g, op, 1);
    if (w == NULL || !w->is_const || w->type != TMC_I8) continue;
    ops[n++] = i;
  }
  free(reach);
  return n;
}

tmc_status tmc_train_path_make(const tmc_train_model *m, const tmc_train_set *s, tmc_arena *a,
                               tmc_train_path *p, tmc_diag *d) {
  const tmc_graph *g = &m->g;
  const size_t nt = (size_t)g->n_tensors, no = (size_t)g->n_ops;
  p->root = tmc_arena_array(a, nt, sizeof *p->root);
  p->grad = tmc_arena_array(a, nt, sizeof *p->grad);
  p->saved = tmc_arena_array(a, nt, sizeof *p->saved);
  p->bw = tmc_arena_array(a, no, sizeof *p->bw);
  p->mask = tmc_arena_array(a, no, sizeof *p->mask);
  p->layer_of = tmc_arena_array(a, no, sizeof *p->layer_of);
  bool *reach = tmc_arena_array(a, nt, sizeof *reach), *dep = tmc_arena_array(a, nt, 1);
  if (!p->root || !p->grad || !p->saved || !p->bw || !p->mask || !p->layer_of || !reach || !dep)
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  for (size_t t = 0; t < nt; t++) p->root[t] = (int32_t)t;
  for (size_t i = 0; i < no; i++) p->layer_of[i] = -1;
  int32_t ops[TMC_TRAIN_MAX_LAYERS];
  const int32_t n_layers = tmc_train_layers(m, ops, TMC_TRAIN_MAX_LAYERS);
  for (int32_t k = 0; k < s->n; k++) {
    const int32_t op = s->layer[k].op;
    bool ok = false;
    for (int32_t j = 0; j < n_layers; j++) ok |= ops[j] == op;
    if (!ok)
      return tmc_fail(d, TMC_ERR_USAGE, "op %d%s%s cannot be trained: not a FULLY_CONNECTED, "
                      "CONV_2D or DEPTHWISE_CONV_2D with constant int8 weights on the way to "
                      "the logits", op, op >= 0 && op < g->n_ops ? " " : "",
                      op >= 0 && op < g->n_ops ? g->ops[op].name : "");
    p->layer_of[op] = k;
  }
  reach_logits(m, reach);
  /* forward: what depends on a trained value; views share their root */
  for (int32_t i = 0; i <= m->head_op; i++) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op)) continue;
    if (is_view_op(g, op)) p->root[op->out[0]] = p->root[op->in[0]];
    bool dp = p->layer_of[i] >= 0;
    for (int k = 0; k < op->n_in; k++)
      if (op->in[k] >= 0 && !g->tensors[op->in[k]].is_const) dp |= dep[op->in[k]];
    for (int k = 0; k < op->n_out; k++) dep[op->out[k]] = dp;
  }
  for (size_t t = 0; t < nt; t++) p->grad[t] = dep[t] && reach[t];
  for (int32_t i = m->head_op; i >= 0; i--) {
    const tmc_op *op = &g->ops[i];
    if (!tmc_op_runs(op) || !p->grad[op->out[0]]) continue;
    if (!has_backward(g, op)) {
      int32_t first = -1;
      for (int32_t k = 0; k < s->n; k++)
        if (s->layer[k].op < i && (first < 0 || s->layer[k].op > first)) first = s->layer[k].op;
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "op %d %s has no backward kernel yet (the "
                      "gradient of op %d %s passes through it)", op->id, op->name, first,
                      first >= 0 ? g->ops[first].name : "");
    }
    p->bw[i] = true;
    int32_t lo, hi;
    p->mask[i] = tmc_train_act_bounds(g, op, &lo, &hi);
    if ((p->layer_of[i] >= 0 && s->layer[p->layer_of[i]].channels > 0) ||
        op->kind == TMC_OP_MAX_POOL_2D)
      p->saved[op->in[0]] = true;
  }
  return grad_lives(m, p, a, d);
}

/* The gradient buffers' lifetimes over the backward: a root's buffer is
 * first written by the latest op that reads one of its views, last read by
 * its producer (the training plan places them). */
static tmc_status grad_lives(const tmc_train_model *m, tmc_train_path *p, tmc_arena *a,
                             tmc_diag *d) {
  const tmc_graph *g = &m->g;
  const size_t nt = (size_t)g->n_tensors;
  p->grad_first = tmc_arena_array(a, nt, sizeof *p->grad_first);
  p->grad_last = tmc_arena_array(a, nt, sizeof *p->grad_last);
  if (!p->grad_first || !p->grad_last) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory");
  for (size_t t = 0; t < nt; t++) p->grad_first[t] = p->grad_last[t] = -1;
  int32_t *last = p->grad_last;
  const int32_t lr = p->root[m->logits];
  p->grad_first[lr] = m->head_op;
  for (int32_t i = m->head_op; i >= 0; i--) {
    if (!p->bw[i]) continue;
    const tmc_op *op = &g->ops[i];
    const int32_t r = p->root[op->out[0]];
    if (last[r] < 0 || i < last[r]) last[r] = i;
    for (int k = 0; k < op->n_in; k++) {
      if (op->in[k] < 0 || !p->grad[op->in[k]]) continue;
      const int32_t x = p->root[op->in[k]];
      if (x == r) continue; /* a view */
      if (p->grad_first[x] < 0 || i > p->grad_first[x]) p->grad_first[x] = i;
      if (last[x] < 0 || i < last[x]) last[x] = i;
    }
  }
  return TMC_OK;
}

tmc_status tmc_train_memory_of(const tmc_train_model *m, const tmc_train_set *s,
                               const tmc_train_cfg *c, tmc_train_memory *mem, tmc_diag *d) {
  memset(mem, 0, sizeof *mem);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_train_plan tp;
  tmc_status st = tmc_train_plan_make(m, s, c, &a, &tp, d);
  if (st == TMC_OK) *mem = tp.mem;
  tmc_arena_free(&a);
  return st;
}

/* ---- --update auto ------------------------------------------------------- */

static void set_put(tmc_train_set *s, int32_t op, bool bias, int32_t channels) {
  int32_t k = 0;
  while (k < s->n && s->layer[k].op < op) k++;
  if (k < s->n && s->layer[k].op == op) {
    s->layer[k].bias |= bias;
    if (channels > s->layer[k].channels) s->layer[k].channels = channels;
    return;
  }
  memmove(&s->layer[k + 1], &s->layer[k], (size_t)(s->n - k) * sizeof s->layer[0]);
  s->layer[k] = (tmc_train_layer){op, bias, channels};
  s->n++;
}

/* Layers considered by auto, from the output back. */
#define AUTO_DEPTH 24

tmc_status tmc_train_select_auto(const tmc_train_model *m, int64_t budget,
                                 const tmc_train_cfg *c, tmc_train_set *s, tmc_diag *d) {
  const tmc_graph *g = &m->g;
  memset(s, 0, sizeof *s);
  tmc_train_memory mem;
  TMC_TRY(tmc_train_memory_of(m, s, c, &mem, d));
  if (budget < mem.total)
    return tmc_fail(d, TMC_ERR_LIMIT, "--budget %lld: the forward pass alone needs %lld bytes "
                    "(its activations)", (long long)budget, (long long)mem.total);
  int32_t ops[AUTO_DEPTH];
  const int32_t n = tmc_train_layers(m, ops, AUTO_DEPTH);
  bool used[2 * AUTO_DEPTH] = {false};
  int64_t cur = mem.total, cheapest = -1;
  int32_t cheapest_item = -1;
  tmc_diag tmp;
  for (;;) {
    int32_t best = -1, best_ch = 0;
    double best_score = 0;
    int64_t best_total = 0;
    for (int32_t item = 0; item < 2 * n; item++) {
      if (used[item]) continue;
      const int32_t k = item / 2, op = ops[k];
      const bool weights = item % 2 == 1;
      if (!weights && tmc_op_input(g, &g->ops[op], 2) == NULL) continue;
      int32_t ch;
      int64_t per;
      tmc_train_layer_shape(g, &g->ops[op], &ch, &per);
      tmc_train_set trial = *s;
      set_put(&trial, op, !weights, weights ? ch : 0);
      tmc_diag_init(&tmp, NULL);
      if (tmc_train_memory_of(m, &trial, c, &mem, &tmp) != TMC_OK) continue; /* no backward */
      int32_t take = weights ? ch : 0;
      if (cheapest < 0 || mem.total < cheapest) {
        cheapest = mem.total;
        cheapest_item = item;
      }
      if (mem.total > budget && weights) { /* the most leading channels that fit */
        int32_t lo = 0, hi = ch;
        while (lo + 1 < hi) {
          const int32_t mid = lo + (hi - lo) / 2;
          trial = *s;
          set_put(&trial, op, false, mid);
          if (tmc_train_memory_of(m, &trial, c, &mem, &tmp) == TMC_OK && mem.total <= budget)
            lo = mid;
          else
            hi = mid;
        }
        take = lo;
        if (take == 0) continue;
        trial = *s;
        set_put(&trial, op, false, take);
        if (tmc_train_memory_of(m, &trial, c, &mem, &tmp) != TMC_OK) continue;
      }
      if (mem.total > budget) continue;
      const double value = (weights ? 2.0 * take / ch : 1.0) / (1.0 + k);
      const int64_t cost = mem.total - cur;
      const double score = value / (double)(cost > 0 ? cost : 1);
      if (best < 0 || score > best_score) {
        best = item;
        best_ch = take;
        best_score = score;
        best_total = mem.total;
      }
    }
    if (best < 0) break;
    const int32_t op = ops[best / 2];
    int32_t ch;
    int64_t per;
    tmc_train_layer_shape(g, &g->ops[op], &ch, &per);
    set_put(s, op, best % 2 == 0, best % 2 ? best_ch : 0);
    /* a partial layer's remaining channels are not offered again */
    used[best] = true;
    cur = best_total;
  }
  if (s->n == 0) {
    if (cheapest_item < 0)
      return tmc_fail(d, TMC_ERR_UNSUPPORTED, "--update auto: no layer can be trained (none "
                      "has a backward path to the logits)");
    const int32_t op = ops[cheapest_item / 2];
    return tmc_fail(d, TMC_ERR_LIMIT, "--budget %lld: nothing trainable fits; the cheapest "
                    "choice, the %s of op %d %s, needs %lld bytes in total",
                    (long long)budget, cheapest_item % 2 ? "weights" : "bias", op,
                    g->ops[op].name, (long long)cheapest);
  }
  return TMC_OK;
}

/* ---- --update SPEC ------------------------------------------------------- */

static bool parse_num(const char **p, int64_t *v) {
  const char *s = *p;
  int64_t x = 0;
  if (*s < '0' || *s > '9') return false;
  while (*s >= '0' && *s <= '9') {
    x = x * 10 + (*s++ - '0');
    if (x > INT32_MAX) return false;
  }
  *v = x;
  *p = s;
  return true;
}

tmc_status tmc_train_select_spec(const tmc_train_model *m, const char *spec,
                                 tmc_train_set *s, tmc_diag *d) {
  const tmc_graph *g = &m->g;
  memset(s, 0, sizeof *s);
  int32_t ops[TMC_TRAIN_MAX_LAYERS];
  const int32_t n = tmc_train_layers(m, ops, TMC_TRAIN_MAX_LAYERS);
  const char *p = spec;
  for (int item = 1;; item++) {
    const char *start = p;
    const char *end = strchr(p, ',');
    const int len = (int)(end ? end - p : (long)strlen(p));
#define BAD(...)                                                                       \
  do {                                                                                 \
    char why_[256];                                                                    \
    snprintf(why_, sizeof why_, __VA_ARGS__);                                          \
    return tmc_fail(d, TMC_ERR_USAGE, "--update '%s': item %d '%.*s': %s", spec, item, \
                    len, start, why_);                                                 \
  } while (0)
    const bool neg = *p == '-';
    if (neg) p++;
    int64_t v;
    if (!parse_num(&p, &v)) BAD("expected LAYER:PARTS (an op index, or -K)");
    int32_t op;
    if (neg) {
      if (v < 1 || v > n) BAD("-%lld: the model has %d trainable layers (-1 to -%d)",
                              (long long)v, n, n);
      op = ops[v - 1];
    } else {
      op = -1;
      for (int32_t k = 0; k < n; k++)
        if (ops[k] == v) op = (int32_t)v;
      if (op < 0)
        BAD("op %lld is not a trainable layer (a FULLY_CONNECTED, CONV_2D or "
            "DEPTHWISE_CONV_2D with constant int8 weights on the way to the logits)",
            (long long)v);
    }
    for (int32_t k = 0; k < s->n; k++)
      if (s->layer[k].op == op) BAD("op %d is given twice", op);
    if (*p++ != ':') BAD("expected ':' after the layer");
    int32_t ch;
    int64_t per;
    tmc_train_layer_shape(g, &g->ops[op], &ch, &per);
    bool bias = false;
    int32_t channels = 0;
    if (p == spec + (start - spec) + len) BAD("no parts after ':' (b, w or wN)");
    while (p < start + len) {
      if (*p == 'b') {
        if (bias) BAD("b given twice");
        if (tmc_op_input(g, &g->ops[op], 2) == NULL) BAD("op %d has no bias", op);
        bias = true;
        p++;
      } else if (*p == 'w') {
        if (channels) BAD("w given twice");
        p++;
        if (*p >= '0' && *p <= '9') {
          if (!parse_num(&p, &v) || v < 1 || v > ch)
            BAD("wN: N must be 1 to %d (the output channels of op %d)", ch, op);
          channels = (int32_t)v;
        } else {
          channels = ch;
        }
      } else {
        BAD("unknown part '%c' (b, w or wN)", *p);
      }
    }
    set_put(s, op, bias, channels);
    if (!end) break;
    p = end + 1;
  }
#undef BAD
  return TMC_OK;
}
